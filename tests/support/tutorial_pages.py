"""Run a page of MindSpore's documentation (its code blocks, in order) on either library, in either
mode, and compare what it printed with what MindSpore 2.10 printed.

Used by record_tutorials.py (MindSpore's venv) and test_tutorials.py (ours); imports neither library.
A page runs in a fresh interpreter, each block a file of its own (MindSpore's GRAPH_MODE reads
construct's source from the file), a marker printed before each block splits the output by block. The prelude makes
every ``set_context`` of the page keep the mode under test and the CPU.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
MARK = "=====block"

PRELUDE = """\
import {lib} as _lib
import {lib}.context as _context
_set = _context.set_context
def _forced(*args, **kwargs):
    kwargs["mode"] = _lib.{mode}_MODE
    kwargs["device_target"] = "CPU"
    return _set(*args, **kwargs)
_lib.set_context = _context.set_context = _forced
_forced()
"""

_IMPORTS = [  # MindSpore's import lines -> ours; what follows ``import mindspore`` keeps its name
    (re.compile(r"^(\s*)import mindspore(\s*)$", re.M), r"\1import mini_autograd as mindspore\2"),
    (re.compile(r"^(\s*)import mindspore as "), r"\1import mini_autograd as "),
    (re.compile(r"^(\s*)import mindspore\.(\w+) as "), r"\1import mini_autograd.\2 as "),
    (re.compile(r"^(\s*)from mindspore(\.[\w.]+)? import ", re.M), r"\1from mini_autograd\2 import "),
]


def ours(code: str) -> str:
    """The code with its imports changed to mini_autograd, nothing else."""
    out = []
    for line in code.split("\n"):
        for pattern, repl in _IMPORTS:
            line = pattern.sub(repl, line)
        out.append(line)
    return "\n".join(out)


DRIVER = """\
import sys as _sys
# the blocks run in __main__'s own namespace: MindSpore's GRAPH_MODE looks globals up by module name
for _i, _path in enumerate(_sys.argv[1:]):
    print({mark!r} + str(_i), flush=True)
    try:
        with open(_path) as _file:
            exec(compile(_file.read(), _path, "exec"), globals())
    except Exception as _e:  # the next block still runs, as in a notebook
        _lines = str(_e).strip().splitlines()
        print({error!r} + type(_e).__name__ + ": " + (_lines[0] if _lines else ""), flush=True)
"""
ERROR = "=====raised "


def run_page(blocks: list, lib: str, mode: str, python: str = sys.executable) -> list:
    """What each block printed (a string), or for a block that raised ("raises", exception type,
    what it printed before, the message). Each block is a file of its own (MindSpore reads construct's source),
    executed in one namespace after the prelude; a block that raises does not stop the next."""
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for i, code in enumerate([PRELUDE.format(lib=lib, mode=mode)] + list(blocks)):
            path = Path(tmp) / f"block{i}.py"
            path.write_text(ours(code) if lib == "mini_autograd" and i else code)
            paths.append(str(path))
        (Path(tmp) / "driver.py").write_text(DRIVER.format(mark=MARK, error=ERROR))
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": tmp, "PYTHONPATH": str(ROOT),
               "GLOG_v": "3", "PYTHONHASHSEED": "0"}
        done = subprocess.run([python, str(Path(tmp) / "driver.py"), *paths], capture_output=True, text=True,
                              cwd=tmp, env=env, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"the page's driver failed: {done.stderr[-2000:]}")
    pieces = re.split(MARK + r"(\d+)\n", done.stdout)
    outputs: list = [None] * (len(blocks) + 1)
    for k in range(1, len(pieces), 2):
        text = pieces[k + 1]
        if ERROR in text:
            before, _, error = text.partition(ERROR)
            kind, _, message = error.partition(": ")
            text = ("raises", kind, before, message.strip())  # the message is for reading, not compared
        outputs[int(pieces[k])] = text
    return outputs[1:]  # the prelude printed nothing


NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|[-+]?\binf\b|\bnan\b")


def skeleton(text: str) -> str:
    """The printed text without its numbers and whitespace (MindSpore pads a sign's space)."""
    return re.sub(r"\s+", "", NUMBER.sub("N", text))


def numbers(text: str) -> np.ndarray:
    return np.array([float(v) for v in NUMBER.findall(text)])


def compare(got: object, want: object, where: str, rtol: float = 1e-5, atol: float = 1e-6) -> None:
    """Assert one block's output matches MindSpore's: the same text but for spacing, and the same
    numbers to float32's printed precision."""
    if want is None or got is None:
        assert got is want, f"{where}: expected {want!r}, got {got!r}"
        return
    if isinstance(want, tuple) or isinstance(got, tuple):
        assert type(got) is type(want) and got[:2] == want[:2], f"{where}: expected {want!r}, got {got!r}"
        got, want = got[2], want[2]  # the exception's type, then what the block printed before it
    assert skeleton(got) == skeleton(want), f"{where}: printed\n{got}\nMindSpore 2.10 printed\n{want}"
    np.testing.assert_allclose(numbers(got), numbers(want), rtol=rtol, atol=atol, err_msg=where)
