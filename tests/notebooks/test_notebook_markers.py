"""Every nbval marker in the notebooks is one nbval honours, so no output is compared by mistake.

nbval 0.11 (nbval/plugin.py, find_comment_markers) takes a comment line as a marker only when,
stripped of '#' and spaces, it *is* the marker: ``# NBVAL_IGNORE_OUTPUT: because ...`` is an
ordinary comment and the cell is compared strictly. Cell tags must be the lower-case, dashed names.
"""
import pathlib
import re

import nbformat
import pytest
from nbval.plugin import comment_markers, find_comment_markers, find_metadata_tags, metadata_tags

NOTEBOOKS = sorted((pathlib.Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))
MENTION = re.compile(r"NBVAL[_-]|PYTEST_VALIDATE", re.IGNORECASE)
# Cells of 04 whose output depends on the machine (GPU or simulator): each must be ignored by nbval.
MACHINE_DEPENDENT_04 = ["gpu_runs_on()", "print(output)", "kernels.TILE_K", "the FMA sums"]


def code_cells(path):
    return [(i, c) for i, c in enumerate(nbformat.read(path, 4).cells) if c.cell_type == "code"]


def honoured(line):
    """What nbval makes of one comment line (an empty dict: nothing, it is an ordinary comment)."""
    return dict(find_comment_markers(line))


def test_the_rule_is_the_one_nbval_applies():
    """The broken form of 04's markers is ignored by nbval, the bare marker is not."""
    assert honoured("# NBVAL_IGNORE_OUTPUT") == {"check": False}
    assert honoured("#  NBVAL_IGNORE_OUTPUT  ") == {"check": False}
    assert honoured("# NBVAL_IGNORE_OUTPUT: the last digit depends on the hardware") == {}
    assert dict(find_metadata_tags({"tags": ["nbval-ignore-output"]})) == {"check": False}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_marker_comment_is_honoured(path):
    for i, cell in code_cells(path):
        for line in cell.source.splitlines():
            if line.strip().startswith("#") and MENTION.search(line):
                assert honoured(line), (
                    f"{path.name} cell {i}: {line.strip()!r} is not an nbval marker. nbval honours a comment "
                    f"only when it is exactly one of {sorted(comment_markers)}: put the reason on the line above.")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_nbval_tag_is_honoured(path):
    for i, cell in code_cells(path):
        for tag in cell.metadata.get("tags", []):
            if MENTION.search(tag) or tag == "raises-exception":
                assert tag in metadata_tags, (
                    f"{path.name} cell {i}: tag {tag!r} is not one nbval knows ({sorted(metadata_tags)})")


def test_the_machine_dependent_cells_of_04_are_ignored():
    path = next(p for p in NOTEBOOKS if p.name.startswith("04_"))
    cells = code_cells(path)
    for needle in MACHINE_DEPENDENT_04:
        found = [(i, c) for i, c in cells if needle in c.source]
        assert len(found) == 1, f"{needle!r} should be in one code cell of {path.name}, found {len(found)}"
        i, cell = found[0]
        options = {**dict(find_metadata_tags(cell.metadata)), **dict(find_comment_markers(cell.source))}
        assert options.get("check") is False, f"{path.name} cell {i} ({needle!r}) is compared by nbval"
