"""The committed notebooks are clean executed runs, and their exercises follow one convention.

nbval (`make test-notebooks`) re-executes them and compares every output; the first checks here are
on the committed files alone, so they run fast and explain a failure in plain words. The exercise
tests execute every numbered notebook once with nbclient, as Run All does (the solutions are raw cells,
which it skips: no errors, no exercise says `correct`), with probes after every check: each plausible
wrong answer of tests/support/exercise_answers.py must get `not yet` without the answer, the solution `correct`.
"""
import json
import os
import pathlib
import re

import nbformat
import pytest
from nbclient import NotebookClient

from tests.support.exercise_answers import TELLS, WRONG

ROOT = pathlib.Path(__file__).resolve().parents[2]
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

# A solution is a raw cell (Run All skips it) whose first line, all a collapsed cell shows, is this.
SOLUTION_FIRST_LINE = "# Solution (a raw cell, so Run All skips it)."



@pytest.mark.parametrize("name", NUMBERED)
def test_exercises_follow_the_convention(name):
    """Each `exercise` cell is unanswered, then a collapsed raw `solution`, then a collapsed check."""
    cells = load(name)["cells"]
    exercises = [i for i, c in enumerate(cells) if "exercise" in tags(c)]
    assert len(exercises) >= MIN_EXERCISES.get(name, 2), f"{name}: {len(exercises)} exercise cell(s)"
    for i in exercises:
        source = "".join(cells[i]["source"])
        assert cells[i]["cell_type"] == "code", source[:80]
        assert UNANSWERED.search(source), f"{name}: exercise committed answered:\n{source}"
        assert i + 2 < len(cells), f"{name}: exercise {source[:60]!r} lacks its solution and check"
        solution, check = cells[i + 1], cells[i + 2]
        assert solution["cell_type"] == "raw" and "solution" in tags(solution), \
            f"{name}: the cell after exercise {source[:60]!r} is not a raw cell tagged 'solution'"
        assert "".join(solution["source"]).startswith(SOLUTION_FIRST_LINE), \
            f"{name}: a collapsed solution shows its first line; it must be {SOLUTION_FIRST_LINE!r}"
        for cell, what in ((solution, "solution"), (check, "check")):
            assert cell["metadata"].get("jupyter", {}).get("source_hidden") is True, \
                f"{name}: the {what} after {source[:60]!r} is not collapsed (metadata jupyter.source_hidden)"
        assert check["cell_type"] == "code" and "print(check_" in "".join(check["source"]), \
            f"{name}: the cell after the solution of {source[:60]!r} is not a check"
    solutions = [i for i, c in enumerate(cells) if "solution" in tags(c)]
    assert solutions == [i + 1 for i in exercises], f"{name}: a solution cell without its exercise"


@pytest.mark.parametrize("name", NUMBERED)
def test_committed_outputs_show_no_answer(name):
    """Committed from Run All, which skips the solutions: no check says `correct`."""
    said = [line for text in output_texts(load(name)) for line in text.splitlines() if line.startswith("correct")]
    assert not said, f"{name}: a committed output shows an answered check: {said}"


def probes(name):
    """The notebook as Run All runs it, with probes after each check: every wrong answer of
    tests/support/exercise_answers.py, then the solution, each followed by the check; then the exercise
    cell again, so that the cells after it run as a learner's first run does."""
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    cells, number, exercise, solution = [], 0, None, None
    for cell in nb.cells:
        cell_tags = cell.metadata.get("tags", [])
        if "exercise" in cell_tags:
            number, exercise = number + 1, cell
        if "solution" in cell_tags:
            solution = cell
            continue                                   # raw: Run All skips it
        cells.append(cell)
        if solution is not None and cell.cell_type == "code":
            cell.metadata["probe"] = [number, "unanswered", ""]
            for label, code in WRONG[name, number]:
                cells.append(nbformat.v4.new_code_cell(code + "\n" + cell.source,
                                                       metadata={"probe": [number, "wrong", label]}))
            cells.append(nbformat.v4.new_code_cell(solution.source + "\n" + cell.source,
                                                   metadata={"probe": [number, "solution", ""]}))
            cells.append(nbformat.v4.new_code_cell(exercise.source))
            solution = None
    nb.cells = cells
    return nb, number


def execute(nb):
    """Run the notebook from a fresh kernel (this tree first on the path), in place."""
    saved = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + ([saved] if saved else []))
    try:
        NotebookClient(nb, timeout=EXECUTE_TIMEOUT_S, kernel_name="python3", allow_errors=True,
                       resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    finally:
        if saved is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = saved


@pytest.mark.parametrize("name", NUMBERED)
def test_every_check_refuses_wrong_answers_and_accepts_the_solution(name):
    """One Run All per notebook, probed: unanswered, each exercise's check says `not yet`; with each
    plausible wrong answer it says `not yet` too, without an error and without printing the answer;
    with the solution it says `correct`. No other cell says `correct`."""
    nb, exercises = probes(name)
    execute(nb)
    problems, seen = [], set()
    for cell in nb.cells:
        errors = [f"{o.ename}: {o.evalue}" for o in cell.get("outputs", []) if o.output_type == "error"]
        text = "".join(o.text for o in cell.get("outputs", []) if o.output_type == "stream" and o.name == "stdout")
        probe = cell.metadata.get("probe")
        if probe is None:
            if errors:
                problems.append(f"cell {cell.source[:60]!r} raised {errors}")
            if any(line.startswith("correct") for line in text.splitlines()):
                problems.append(f"cell {cell.source[:60]!r} says correct in a first run")
            continue
        number, kind, label = probe
        seen.add(number)
        where = f"exercise {number}, {kind}{' (' + label + ')' if label else ''}"
        if errors:
            problems.append(f"{where}: the check crashed: {errors}")
        elif kind == "solution":
            if not text.startswith("correct"):
                problems.append(f"{where}: the check says {text.strip()!r}")
        else:
            if not text.startswith("not yet"):
                problems.append(f"{where}: the check says {text.strip()!r}")
            if kind == "wrong":
                told = [t for t in TELLS[name, number] if t in text]
                if told:
                    problems.append(f"{where}: the check prints the answer ({told}): {text.strip()!r}")
    assert seen == set(range(1, exercises + 1)), f"{name}: probed {sorted(seen)} of {exercises} exercises"
    assert not problems, f"{name}:\n" + "\n".join(problems)


def test_every_exercise_has_three_wrong_answers():
    counted = {}
    for name in NUMBERED:
        cells = load(name)["cells"]
        counted[name] = sum("exercise" in tags(c) for c in cells)
        for number in range(1, counted[name] + 1):
            assert len(WRONG.get((name, number), [])) >= 3, f"{name} exercise {number}: fewer than 3 wrong answers"
    assert set(WRONG) == {(n, k) for n, c in counted.items() for k in range(1, c + 1)}, "WRONG names no exercise"


# 02's first exercise asks whether dz changes with z; its answer is dz for z = 1, printed above it.
ANSWER_SHOWN_ON_PURPOSE = {("02_weight_derivation", 1)}


@pytest.mark.parametrize("name", NUMBERED)
def test_no_output_shows_an_answer_before_its_exercise(name):
    """What a learner reads above an exercise does not print its answer (07's first exercise once did)."""
    cells, number, shown = load(name)["cells"], 0, []
    for cell in cells:
        if "exercise" in tags(cell):
            number += 1
            for tell in [] if (name, number) in ANSWER_SHOWN_ON_PURPOSE else TELLS[name, number]:
                told = [text[:80] for text in shown if tell in text]
                assert not told, f"{name}: exercise {number}'s answer ({tell!r}) is printed above it: {told}"
        for out in cell.get("outputs", []):
            if out["output_type"] == "stream":
                shown.append("".join(out["text"]))
            elif "text/plain" in out.get("data", {}):
                shown.append("".join(out["data"]["text/plain"]))
