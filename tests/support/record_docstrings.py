"""Record the ``Examples:`` of MindSpore's docstrings for every name mini_autograd exports, and what
MindSpore 2.10 printed for them, in both modes (issue 24).

Run from the repository root with MindSpore's venv, never with the engine's:
    PYTHONPATH=$PWD /work/msvenv/bin/python tests/support/record_docstrings.py
Each example (a ``>>>`` statement and its ``...`` lines) is one block of a page run by
tutorial_pages.run_page; an expression statement prints its repr, as the doctest shows it.
Writes tests/cases/docstring_examples.py.
"""
from __future__ import annotations

import ast
import datetime
import doctest
import inspect
import platform
import pprint
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.support.tutorial_pages import run_page  # noqa: E402

# every name mini_autograd exports that MindSpore 2.10 documents with Examples (issue 24, item 2)
NAMES = ["tensor", "Tensor", "Parameter", "ParameterTuple", "value_and_grad", "grad", "get_grad", "vjp", "jvp", "jacrev",
         "jacfwd", "vmap", "set_context", "get_context", "set_seed"] + ["ops." + n for n in (
    "ones", "zeros", "ones_like", "zeros_like", "eye", "arange", "add", "sub", "mul", "div", "neg", "square", "pow", "exp",
    "log", "sin", "cos", "tanh", "sigmoid", "relu", "softplus", "equal", "greater", "cast", "sum", "mean", "reshape",
    "transpose", "broadcast_to", "stack", "matmul", "dense", "stop_gradient", "binary_cross_entropy_with_logits",
    "randn", "Sin", "Cos", "Softplus", "StopGradient", "Primitive", "MatMul", "Mul", "Add", "Sub", "Div", "Neg", "Square",
    "Pow", "Exp", "Log", "Tanh", "Sigmoid", "ReLU", "ReduceSum", "ReduceMean", "Transpose", "Reshape", "Cast",
    "Greater", "GreaterEqual", "Equal", "NotEqual", "BroadcastTo", "Stack", "LogSoftmax", "GradOperation")] + [
    "nn." + n for n in ("Cell", "Dense", "ReLU", "Tanh", "Sigmoid", "SequentialCell", "MSELoss",
                        "SoftmaxCrossEntropyWithLogits", "BCEWithLogitsLoss", "Optimizer", "SGD", "Momentum",
                        "ForwardValueAndGrad", "WithLossCell", "TrainOneStepCell")]


def echoed(source: str) -> str:
    """An expression statement printed as the interactive prompt shows it."""
    tree = ast.parse(source)
    if len(tree.body) == 1 and isinstance(tree.body[0], ast.Expr):
        return f"_value = ({source.strip()})\nif _value is not None:\n    print(repr(_value))\n"
    return source


def examples(obj: object) -> list:
    doc = inspect.getdoc(obj) or ""
    start = doc.find("Examples:")
    if start < 0:
        return []
    return [echoed(e.source) for e in doctest.DocTestParser().get_examples(doc[start:])]


def main() -> None:
    import mindspore
    from mindspore import nn, ops  # noqa: F401  (the names are looked up below)
    blocks, owners = [], []
    for name in NAMES:
        obj = eval(name if "." in name else "mindspore." + name)
        found = examples(obj)
        blocks += found
        owners += [name] * len(found)
    per_mode = {mode: run_page(blocks, "mindspore", mode) for mode in ("PYNATIVE", "GRAPH")}
    out = Path(__file__).resolve().parents[1] / "cases" / "docstring_examples.py"
    out.write_text(
        '"""The Examples of MindSpore 2.10\'s docstrings for every name we export, one block per\n'
        "``>>>`` statement (an expression prints its repr), and what each printed: produced by\n"
        f"tests/support/record_docstrings.py with MindSpore {mindspore.__version__} CPU, Python {platform.python_version()}, "
        f"{datetime.date.today().isoformat()}.\nQuoted from MindSpore's source (Apache-2.0) as test data. "
        'RECORDED as in tutorial_recorded.py.\n"""\n# flake8: noqa\n'
        + "OWNERS = " + pprint.pformat(owners, width=110, compact=True) + "\n"
        + "BLOCKS = " + pprint.pformat(blocks, width=110) + "\n"
        + "RECORDED = " + pprint.pformat(per_mode, width=110, sort_dicts=False) + "\n")


if __name__ == "__main__":
    main()
