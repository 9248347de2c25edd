"""The engine's modules form layers: no import cycle between them, and no import hidden inside a
function (where a cycle would hide). The only function-local imports are the lazy loads of the GPU
backend, which import numba.cuda only when device_target="GPU" is first asked for (DESIGN.md)."""
import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "mini_autograd"

# (module, what it imports inside a function): numba.cuda must not be imported before the GPU or
# the simulator is chosen, nor at all on a machine that never asks for device_target="GPU".
LAZY = {
    ("mini_autograd.backends.cuda", "numba.cuda"),  # runs_on: numba reads the choice on import
    ("mini_autograd.backends.cuda", "numba.cuda.core"),  # runs_on: numba's config, where the choice is
    ("mini_autograd.backends.cuda", "numba.core"),  # (the same, in older numba-cuda)
    ("mini_autograd.backends.cuda", "numba"),  # load: ``from numba import cuda``
    ("mini_autograd.backends.cuda", "mini_autograd.backends.cuda.backend"),  # load: the backend imports numba
}


def modules() -> dict:
    """Every module of the package by dotted name: (its syntax tree, whether it is a package)."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        out[".".join(parts)] = (ast.parse(path.read_text(), str(path)), is_package)
    return out


def imported(name: str, is_package: bool, node: ast.AST, known: dict) -> list:
    """The dotted names an import statement of module ``name`` brings in (``from . import x`` of a
    submodule x names x itself)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    base = node.module or ""
    if node.level:
        here = name.split(".") if is_package else name.split(".")[:-1]
        here = here[:len(here) - (node.level - 1)]
        base = ".".join(here + ([base] if base else []))
    out = []
    for a in node.names:
        sub = f"{base}.{a.name}"
        out.append(sub if sub in known else base)
    return out


def local_imports(tree: ast.AST) -> list:
    found = []
    for fn in ast.walk(tree):
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found += [n for n in ast.walk(fn) if isinstance(n, (ast.Import, ast.ImportFrom))]
    return found


def test_no_function_local_imports_but_the_lazy_gpu_loads():
    known = modules()
    hidden = []
    for name, (tree, is_package) in known.items():
        for node in local_imports(tree):
            for target in imported(name, is_package, node, known):
                if (name, target) not in LAZY:
                    hidden.append(f"{name}:{node.lineno} imports {target} inside a function")
        for call in ast.walk(tree):
            if isinstance(call, ast.Call) and getattr(call.func, "id", None) == "__import__":
                hidden.append(f"{name}:{call.lineno} calls __import__")
    assert hidden == []


def test_no_import_cycles_between_modules():
    known = modules()
    edges: dict = {name: set() for name in known}
    for name, (tree, is_package) in known.items():
        local = {id(n) for n in local_imports(tree)}
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)) and id(node) not in local:
                edges[name] |= {t for t in imported(name, is_package, node, known) if t in known and t != name}
    # Depth-first search; a module met again while still on the path closes a cycle.
    state: dict = {}
    cycles = []

    def visit(name: str, path: list) -> None:
        state[name] = "open"
        for nxt in sorted(edges[name]):
            if state.get(nxt) == "open":
                cycles.append(" -> ".join(path[path.index(nxt):] + [name, nxt]) if nxt in path else f"{name} -> {nxt}")
            elif nxt not in state:
                visit(nxt, path + [name])
        state[name] = "done"

    for name in sorted(known):
        if name not in state:
            visit(name, [])
    assert cycles == []
