"""The committed notebooks are clean executed runs, and their exercises follow one convention.

nbval (`make test-notebooks`) re-executes them and compares every output; the first checks here are
on the committed files alone, so they run fast and explain a failure in plain words. The exercise
tests execute every numbered notebook twice with nbclient: without its `solution` cells (the learner's
first run: no errors, no exercise says `correct`) and with them (every exercise says `correct`).
"""
import json
import os
import pathlib
import re

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
NUMBERED = sorted(p.stem for p in NOTEBOOKS.glob("0[1-9]*.ipynb"))
ALL = ["00_start_here"] + NUMBERED
# The one line mini_autograd writes to stderr by design: where there is no GPU, 04 says once that
# Numba's CUDA simulator runs the kernels.
SIMULATOR_NOTICE = re.compile(r"mini_autograd: device_target='GPU' runs the kernels in Numba's CUDA simulator[^\n]*\n")

ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
MACHINE_PATH = re.compile(r"(?<![\w.])/(root|home|tmp|work)/")
RANDOM_ID = re.compile(r"\b[0-9a-f]{32}\b")  # widget model ids, uuid4().hex

# The teaching issue asks for at least two exercises per numbered notebook, one in 04 (the GPU one).
MIN_EXERCISES = {"04_gpu_kernels": 1}
# An exercise cell is committed unanswered: a line assigns None or ... (`answer = None  # ...`), or a
# function the learner writes has `...` for its body.
UNANSWERED = re.compile(r"^\s*(\w+\s*=\s*(None|\.\.\.)|\.\.\.)\s*(#.*)?$", re.MULTILINE)
EXECUTE_TIMEOUT_S = 60  # per cell; the budget is a whole notebook under 60 s


def load(name):
    return json.loads((NOTEBOOKS / f"{name}.ipynb").read_text())


def code_cells(nb):
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def tags(cell):
    return cell.get("metadata", {}).get("tags", [])


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


def test_start_notebook_maps_every_notebook():
    text = json.dumps(load("00_start_here"))
    for name in NUMBERED:
        assert f"]({name}.ipynb)" in text, name


# --- The exercise convention -------------------------------------------------------------------


@pytest.mark.parametrize("name", NUMBERED)
def test_exercises_follow_the_convention(name):
    """Each `exercise` cell is unanswered and followed by a hidden `solution` cell; enough of them."""
    cells = load(name)["cells"]
    exercises = [i for i, c in enumerate(cells) if "exercise" in tags(c)]
    assert len(exercises) >= MIN_EXERCISES.get(name, 2), f"{name}: {len(exercises)} exercise cell(s)"
    for i in exercises:
        source = "".join(cells[i]["source"])
        assert cells[i]["cell_type"] == "code", source[:80]
        assert UNANSWERED.search(source), f"{name}: exercise committed answered:\n{source}"
        assert i + 1 < len(cells), f"{name}: the last cell is an exercise with no solution after it"
        solution = cells[i + 1]
        assert solution["cell_type"] == "code" and "solution" in tags(solution), \
            f"{name}: the cell after exercise {source[:60]!r} is not tagged 'solution'"
        assert solution["metadata"].get("jupyter", {}).get("source_hidden") is True, \
            f"{name}: solution after {source[:60]!r} is not hidden (metadata jupyter.source_hidden)"
    solutions = [i for i, c in enumerate(cells) if "solution" in tags(c)]
    assert solutions == [i + 1 for i in exercises], f"{name}: a solution cell without its exercise"


def execute(name, with_solutions):
    """Run the notebook from a fresh kernel (this tree first on the path) and return its stdout lines."""
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    if not with_solutions:
        nb.cells = [c for c in nb.cells if "solution" not in c.metadata.get("tags", [])]
    saved = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + ([saved] if saved else []))
    try:
        NotebookClient(nb, timeout=EXECUTE_TIMEOUT_S, kernel_name="python3",
                       resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    finally:
        if saved is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = saved
    lines = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            assert out.output_type != "error", f"{name}: {out.ename}: {out.evalue}\n{cell.source[:200]}"
            if out.output_type == "stream" and out.name == "stdout":
                lines += out.text.splitlines()
    exercises = sum("exercise" in c.metadata.get("tags", []) for c in nb.cells)
    return lines, exercises


@pytest.mark.parametrize("name", NUMBERED)
def test_exercises_unanswered_run_and_never_say_correct(name):
    lines, exercises = execute(name, with_solutions=False)
    assert exercises, name
    said = [line for line in lines if line.startswith("correct")]
    assert not said, f"{name}: an unanswered exercise says {said}"


@pytest.mark.parametrize("name", NUMBERED)
def test_exercises_with_solutions_all_say_correct(name):
    lines, exercises = execute(name, with_solutions=True)
    said = [line for line in lines if line.startswith("correct")]
    assert len(said) == exercises, f"{name}: {exercises} exercises, 'correct' printed {len(said)} times"
