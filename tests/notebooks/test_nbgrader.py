"""`make assignments` makes nbgrader assignments that grade the exercises as their checks do.

The release (what learners get) holds no solution and no check code; autograding the solutions gives
full marks, the unanswered release 0, and every plausible wrong answer of tests/support/exercise_answers.py 0
for its exercise. Releasing runs no notebook, so every notebook is released; autograding executes
them, so it runs on two notebooks that cover the kinds of answer (arrays, functions, a pair), five
learners each, to keep the time of `make test` in bounds; tests/notebooks/test_notebooks.py probes every
exercise's check with the same wrong answers.
"""
import os
import pathlib

import nbformat
import pytest

from course.make_assignments import SOLUTION_HEADER, build, numbered
from tests.support.exercise_answers import WRONG

pytest.importorskip("nbgrader")
from nbgrader.api import Gradebook  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
# MINI_AUTOGRAD_GRADE_ALL=1 grades every numbered notebook (2 min 40 s in all here, against 45 s).
GRADED = numbered() if os.environ.get("MINI_AUTOGRAD_GRADE_ALL") else ["01_input_derivation", "07_higher_order"]
STUB = "# YOUR CODE HERE"


def solutions(name):
    """Each exercise's solution code, in order, from the course notebook's raw cells."""
    cells = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4).cells
    return [SOLUTION_HEADER.sub("", c.source) for c in cells if "solution" in c.metadata.get("tags", [])]


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    return root, build(numbered(), root)


@pytest.mark.parametrize("name", numbered())
def test_release_holds_no_solution_and_no_check(course, name):
    root, _ = course
    release = nbformat.read(root / "release" / name / f"{name}.ipynb", as_version=4)
    text = "\n".join(c.source for c in release.cells)
    for number, solution in enumerate(solutions(name), 1):
        for line in solution.splitlines():
            code = line.split("#")[0].strip()
            if len(code) > 12 and not code.startswith(("def ", "return", "answer = None")):
                assert code not in text, f"{name} exercise {number}: the release holds solution line {code!r}"
    for marker in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "def check_", "raw cell"):
        assert marker not in text, f"{name}: the release holds {marker!r}"
    graded = [c for c in release.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert len(graded) == len(solutions(name)) and all(c.metadata.nbgrader.points == 1 for c in graded)


def submit(root, name, student, answers):
    """A learner's copy of the release with `answers` (code per exercise, None: left as released)."""
    nb = nbformat.read(root / "release" / name / f"{name}.ipynb", as_version=4)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        if grade_id.startswith("answer_") and answers[int(grade_id[7:]) - 1] is not None:
            assert STUB in cell.source
            cell.source = cell.source.replace(STUB, answers[int(grade_id[7:]) - 1])
    folder = root / "submitted" / student / name
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / f"{name}.ipynb")


@pytest.mark.parametrize("name", GRADED)
def test_autograde_scores_solutions_full_unanswered_and_wrong_zero(course, name):
    root, grader = course
    count = len(solutions(name))
    students = {"solutions": solutions(name), "unanswered": [None] * count}
    for k in range(3):
        students[f"wrong-{k + 1}"] = [WRONG[name, n][k][1] for n in range(1, count + 1)]
    for student, answers in students.items():
        submit(root, name, student, answers)
        result = grader.autograde(name, student, force=True, create=True)
        assert result["success"], result["error"][-2000:]
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        for student in students:
            notebook = gradebook.find_submission_notebook(name, name, student)
            scores = {g.name: g.score for g in notebook.grades if g.name.startswith("check_")}
            want = 1.0 if student == "solutions" else 0.0
            assert scores == {f"check_{n}": want for n in range(1, count + 1)}, (student, scores)
