"""Record MindSpore's output for pages of its documentation (issue 24), in both modes.

Run from the repository root with MindSpore's venv, never with the engine's:
    PYTHONPATH=$PWD /work/msvenv/bin/python tests/support/record_tutorials.py --docs /work/.mirror/mindspore-ai+docs/repo
It reads each page of PAGES from a git checkout (or mirror) of github.com/mindspore-ai/docs, keeps its
python code blocks (a .py sample is one block) in tests/cases/tutorial_code.py, runs them with
MindSpore in PYNATIVE_MODE and GRAPH_MODE (tutorial_pages.run_page) and writes what each block printed
to tests/cases/tutorial_recorded.py.
"""
from __future__ import annotations

import argparse
import datetime
import platform
import pprint
import re
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.support.tutorial_pages import run_page  # noqa: E402

# name -> (branch of mindspore-ai/docs, path): the newest branch holding the page
PAGES = {
    "beginner_autograd": ("master", "tutorials/source_en/beginner/autograd.md"),
}
_HIGH_ORDER = "docs/sample_code/high_order_differentiation/"
for _name in ("first_order/first_order_single", "first_order/first_order_input", "first_order/first_order_weight",
              "first_order/first_order_sense", "second_order/single_in_single_out",
              "second_order/single_in_multiple_out", "second_order/multiple_in_multiple_out"):
    PAGES["high_order_" + _name.split("/")[1]] = ("r1.8", _HIGH_ORDER + _name + ".py")
PAGES.update({
    "derivation": ("r2.3.1", "tutorials/source_en/advanced/derivation.md"),
    "migration_gradient": ("r2.5.0", "docs/mindspore/source_en/migration_guide/model_development/gradient.md"),
    "jacobians_hessians": ("r2.3.1", "tutorials/experts/source_en/func_programming/Jacobians_Hessians.md"),
})


# Blocks left out: PyTorch's side of a comparison, and what the README's table leaves out (vmap, amp)
LEFT_OUT = re.compile(r"import torch|mindspore\.amp|clip_by_global_norm|= vmap\(")


def blocks_of(text: str, path: str) -> list:
    if path.endswith(".py"):  # a sample script: one block, without its licence header
        return [re.sub(r"\A(#[^\n]*\n)+\s*", "", text)]
    return [b for b in re.findall(r"```python\n(.*?)```", text, re.S) if not LEFT_OUT.search(b)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", required=True, help="a git repository of mindspore-ai/docs")
    ap.add_argument("--only", nargs="*", help="page names to record again (the others are kept)")
    args = ap.parse_args()
    import mindspore
    here = Path(__file__).resolve().parents[1] / "cases"
    code, recorded = {}, {}
    if args.only:
        sys.path.insert(0, str(here.parent.parent))
        from tests.cases import tutorial_code, tutorial_recorded
        code, recorded = dict(tutorial_code.PAGES), dict(tutorial_recorded.RECORDED)
    for name, (branch, path) in PAGES.items():
        if args.only and name not in args.only:
            continue
        commit = subprocess.run(["git", "-C", args.docs, "rev-parse", "--short", branch], capture_output=True,
                                text=True, check=True).stdout.strip()
        text = subprocess.run(["git", "-C", args.docs, "show", f"{branch}:{path}"], capture_output=True,
                              text=True, check=True).stdout
        blocks = blocks_of(text, path)
        code[name] = {"source": f"mindspore-ai/docs {branch} {commit} {path}", "blocks": blocks}
        per_mode = {mode: run_page(blocks, "mindspore", mode) for mode in ("PYNATIVE", "GRAPH")}
        recorded[name] = {"BOTH": per_mode["PYNATIVE"]} if per_mode["PYNATIVE"] == per_mode["GRAPH"] else per_mode
        print(name, "agree" if "BOTH" in recorded[name] else "modes differ", file=sys.stderr)
    header = ('"""{what}, for test_tutorials.py (issue 24). Produced by tests/support/record_tutorials.py\n'
              f"with MindSpore {mindspore.__version__} CPU, Python {platform.python_version()}, "
              f"{datetime.date.today().isoformat()}.\n{{more}}\"\"\"\n# flake8: noqa\n")
    (here / "tutorial_code.py").write_text(header.format(
        what="The python code blocks of pages of MindSpore's documentation, as the pages have them",
        more="Test data quoted from github.com/mindspore-ai/docs (Apache-2.0), each page's branch, commit and path\n"
             "under 'source'.\n") + "PAGES = " + pprint.pformat(code, width=110, sort_dicts=False) + "\n")
    (here / "tutorial_recorded.py").write_text(header.format(
        what="What each code block of tutorial_code.py printed under MindSpore 2.10",
        more='Per page, a list per mode ("BOTH" where PYNATIVE_MODE and GRAPH_MODE printed the same): a block\'s\n'
             'text, or ("raises", exception type, what it printed before, message) for a block that raised.\n')
        + "RECORDED = " + pprint.pformat(recorded, width=110, sort_dicts=False) + "\n")


if __name__ == "__main__":
    main()
