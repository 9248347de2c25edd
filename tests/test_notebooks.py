"""The committed notebooks are clean executed runs: counts 1..n, no errors, nothing machine-specific.

nbval (`make test-notebooks`) re-executes them and compares every output; these checks are on
the committed files alone, so they run fast and explain a failure in plain words.
"""
import json
import pathlib
import re

import pytest

NOTEBOOKS = pathlib.Path(__file__).resolve().parents[1] / "notebooks"
EXAMPLES = ["01_input_derivation", "02_weight_derivation", "03_gradient_value_scaling", "04_gpu_kernels",
            "05_training_loop"]
# The one line mini_autograd writes to stderr by design: where there is no GPU, 04 says once that
# Numba's CUDA simulator runs the kernels.
SIMULATOR_NOTICE = re.compile(r"mini_autograd: device_target='GPU' runs the kernels in Numba's CUDA simulator[^\n]*\n")
ALL = ["00_start_here"] + EXAMPLES

ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
MACHINE_PATH = re.compile(r"(?<![\w.])/(root|home|tmp|work)/")
RANDOM_ID = re.compile(r"\b[0-9a-f]{32}\b")  # widget model ids, uuid4().hex


def load(name):
    return json.loads((NOTEBOOKS / f"{name}.ipynb").read_text())


def code_cells(nb):
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def output_texts(nb):
    """Every compared text of every output (the widget-view JSON, whose ids nbval skips, excluded)."""
    for cell in code_cells(nb):
        for out in cell.get("outputs", []):
            if out["output_type"] == "stream":
                yield "".join(out["text"])
            for mime, value in out.get("data", {}).items():
                if mime not in ("application/vnd.jupyter.widget-view+json", "image/png"):
                    yield "".join(value) if isinstance(value, list) else json.dumps(value)


@pytest.mark.parametrize("name", ALL)
def test_executed_in_one_clean_run(name):
    counts = [c["execution_count"] for c in code_cells(load(name))]
    assert counts == list(range(1, len(counts) + 1)), f"{name}: restart the kernel and run all ({counts})"


@pytest.mark.parametrize("name", ALL)
def test_no_errors_and_no_stderr(name):
    for cell in code_cells(load(name)):
        for out in cell.get("outputs", []):
            assert out["output_type"] != "error", "".join(cell["source"])[:80]
            if out["output_type"] == "stream" and out["name"] == "stderr":
                assert SIMULATOR_NOTICE.fullmatch("".join(out["text"])), "".join(out["text"])


@pytest.mark.parametrize("name", ALL)
def test_outputs_hold_nothing_machine_specific(name):
    for text in output_texts(load(name)):
        assert not ADDRESS.search(text), ADDRESS.search(text).group()
        assert not MACHINE_PATH.search(text), MACHINE_PATH.search(text).group()
        assert not RANDOM_ID.search(text), RANDOM_ID.search(text).group()


@pytest.mark.parametrize("name", ALL)
def test_python3_kernel(name):
    assert load(name)["metadata"]["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("name", EXAMPLES)
def test_exercise_answer_is_filled_and_checked(name):
    cells = code_cells(load(name))
    assert "".join(cells[-2]["source"]).startswith("answer = ")
    printed = "".join("".join(o["text"]) for o in cells[-1]["outputs"] if o["output_type"] == "stream")
    assert printed == "correct\n"


def test_start_notebook_maps_every_notebook():
    text = json.dumps(load("00_start_here"))
    for name in ["01_input_derivation", "02_weight_derivation", "03_gradient_value_scaling", "04_gpu_kernels",
                 "05_training_loop"]:
        assert f"]({name}.ipynb)" in text, name
