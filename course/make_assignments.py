"""Build nbgrader assignments from the course notebooks: `make assignments` runs this.

Each numbered notebook becomes an assignment of its own name: its exercise cell and the raw solution
after it merge into one graded answer cell (the solution between nbgrader's solution markers), and
its check becomes an autograded test cell worth one point, hidden in the release because it holds the
expected value. Then `nbgrader generate_assignment` writes the learners' version into build/course/release.
"""
from __future__ import annotations

import argparse
import os
import pathlib
import re
import shutil
import sys

import nbformat

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
COURSE = ROOT / "build" / "course"
SOLUTION_HEADER = re.compile(r"\A# Solution \(a raw cell[^\n]*\n")
CHECK_CALL = re.compile(r"^print\((check_\w+\(.*\))\)\s*$", re.MULTILINE)
GRADED_NOTE = "# Graded: this exercise's check runs when the notebook is graded.\n"
GRADED_VERSION = ("**This is the graded version of the notebook.** Write each answer in the cell after the exercise, "
                  "in place of `# YOUR CODE HERE`. The solutions are not included, and each exercise's check runs "
                  "when the notebook is graded, so where the text mentions a collapsed solution or a check to run, "
                  "it means the self-study version.")
CONFIG = '''c = get_config()  # noqa: F821  (nbgrader's configuration; written by course/make_assignments.py)
c.CourseDirectory.course_id = "mini_autograd"
c.CourseDirectory.root = {root!r}
# The release keeps the exercise's unanswered line above this stub, so no NotImplementedError.
c.ClearSolutions.code_stub = {{"python": "# YOUR CODE HERE"}}
c.ExecutePreprocessor.timeout = 120
'''


def numbered() -> list[str]:
    return sorted(p.stem for p in NOTEBOOKS.glob("0[1-9]*.ipynb"))


def nbgrader_cell(cell, grade_id: str, *, solution: bool, points: int | None = None):
    meta = {"grade": points is not None, "grade_id": grade_id, "locked": not solution,
            "schema_version": 3, "solution": solution, "task": False}
    if points is not None:
        meta["points"] = points
    cell.metadata["nbgrader"] = meta
    return cell


def source_notebook(name: str):
    """The nbgrader source version of one notebook (outputs cleared)."""
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    cells, number, i = [], 0, 0
    while i < len(nb.cells):
        cell = nb.cells[i]
        if "exercise" not in cell.metadata.get("tags", []):
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
            cells.append(cell)
            i += 1
            continue
        number += 1
        solution, check = nb.cells[i + 1], nb.cells[i + 2]
        answer = nbformat.v4.new_code_cell(
            cell.source + "\n### BEGIN SOLUTION\n" + SOLUTION_HEADER.sub("", solution.source) + "\n### END SOLUTION")
        graded, found = CHECK_CALL.subn(r'result = \1\nprint(result)\nassert result.startswith("correct"), result',
                                        check.source)
        assert found == 1, f"{name}: exercise {number}'s check has no print(check_...(...)) line"
        test = nbformat.v4.new_code_cell(GRADED_NOTE + "### BEGIN HIDDEN TESTS\n" + graded + "\n### END HIDDEN TESTS")
        cells += [nbgrader_cell(answer, f"answer_{number}", solution=True),
                  nbgrader_cell(test, f"check_{number}", solution=False, points=1)]
        i += 3
    cells.insert(1, nbformat.v4.new_markdown_cell(GRADED_VERSION))
    nb.cells = cells
    return nb


def environment() -> None:
    """nbgrader runs its tools (alembic) from PATH; the notebooks import this tree's packages."""
    os.environ["PATH"] = str(pathlib.Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")
    os.environ["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + ([os.environ["PYTHONPATH"]]
                                                             if os.environ.get("PYTHONPATH") else []))


def api(course: pathlib.Path):
    """nbgrader's Python API on a course folder (in this process: no start-up per assignment)."""
    from nbgrader.apps import NbGraderAPI
    from traitlets.config import Config

    environment()
    course.mkdir(parents=True, exist_ok=True)
    (course / "nbgrader_config.py").write_text(CONFIG.format(root=str(course)))
    config = Config()
    config.CourseDirectory.root = str(course)
    config.CourseDirectory.course_id = "mini_autograd"
    config.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE"}
    config.ExecutePreprocessor.timeout = 120
    return NbGraderAPI(config=config)


def build(names: list[str], course: pathlib.Path = COURSE):
    """Write each notebook's source version and release it; returns the API for grading."""
    grader = api(course)
    for name in names:
        folder = course / "source" / name
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        nbformat.write(source_notebook(name), folder / f"{name}.ipynb")
        result = grader.generate_assignment(name, force=True)
        if not result["success"]:
            raise RuntimeError(f"nbgrader generate_assignment {name} failed:\n{result['error']}")
        print(f"{name}: {folder} -> {course / 'release' / name}")
    return grader


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="notebooks to build (default: every numbered one)")
    build(parser.parse_args().names or numbered())
