"""The Examples of MindSpore 2.10's docstrings for every name mini_autograd exports (ops.sin,
ops.stop_gradient, nn.Dense, value_and_grad, ...), imports changed, in both modes, print what
MindSpore printed (recorded in cases/docstring_examples.py by record_docstrings.py; issue 24).

A name whose examples use what mini_autograd leaves out is in GAPS with the reason (README's tables
say the same); at least one of its blocks must still differ, so that a gap that closes is noticed
and moved out of the table. Its other blocks are not compared: a failed block leaves the next ones
without their names.
"""
import pytest

from tests.support import tutorial_pages
from tests.cases.docstring_examples import BLOCKS, OWNERS, RECORDED

GAPS = {
    "tensor": "its example compiles a function with mindspore.jit (left out)",
    "Tensor": "its examples use mindspore.common.initializer (init=One()), and print MindSpore's class path",
    "ParameterTuple": "ParameterTuple.clone (copies of the parameters under a prefix) is left out",
    "set_context": "its examples set MindSpore's compiler and device options; we take mode and device_target",
    "set_seed": "its examples use mindspore.common.initializer and MindSpore's random operators",
    "ops.div": "rounding_mode (floor, trunc division) is left out: a step function",
    "ops.pow": "a Tensor exponent: Pow takes a Python number (README's departures)",
    "ops.matmul": "batched (3-D) matmul: MatMul is 2-D (README's departures)",
    "ops.Primitive": "defining a primitive with prim_attr_register (MindSpore's C++ kernels) is left out",
    "nn.Cell": "its example uses nn.Conv2d: convolutions are left out",
    "nn.SequentialCell": "its example uses nn.Conv2d: convolutions are left out",
    "nn.Optimizer": "its example uses nn.MAELoss and ParameterTuple.clone",
    "nn.SGD": "parameter groups and mindspore.train.Model (MindSpore's own example fails on its groups)",
    "nn.Momentum": "parameter groups and mindspore.train.Model (MindSpore's own example fails on its groups)",
}
# (name, its k-th block) -> what we print instead, where README's departures table says why
DEPARTURES = {
    # MindSpore 2.10's CPU tanh is off by up to 1e-5 and exceeds 1 (tanh(5) prints 1.0000098);
    # ours is NumPy's, np.tanh([1, 2, 3, 4, 5]) in float32:
    ("ops.tanh", 4): "[0.7615942 0.9640276 0.9950548 0.9993293 0.9999092]\n",
    # Float16 sigmoid of [-1, -2, 0, 2, 1]: rounded from float64, [0.269, 0.1192, 0.5, 0.881, 0.731];
    # MindSpore's first and fourth are one float16 step low (0.2688, 0.8804), ours computes
    # 0.5 tanh(x/2) + 0.5 in Float16 and its second is one step low (0.11914)
    ("nn.Sigmoid", 6): "[0.269   0.11914 0.5     0.881   0.731  ]\n",
}
# Random draws: MindSpore's generator and NumPy's give other numbers for one seed; the text is compared.
RANDOM = {"ops.randn"}


def blocks(name: str) -> list:
    return [i for i, owner in enumerate(OWNERS) if owner == name]


@pytest.fixture(scope="module", params=["PYNATIVE", "GRAPH"])
def ran(request):
    return request.param, tutorial_pages.run_page(BLOCKS, "mini_autograd", request.param)


def agrees(got, want, where) -> bool:
    try:
        tutorial_pages.compare(got, want, where)
    except AssertionError:
        return False
    return True


@pytest.mark.parametrize("name", sorted(set(OWNERS)))
def test_docstring_examples_print_what_mindspore_printed(ran, name):
    mode, got = ran
    if name in GAPS:
        assert not all(agrees(got[i], RECORDED[mode][i], name) for i in blocks(name)), \
            f"{name}: every example now agrees; take it out of GAPS and README's table ({GAPS[name]})"
        return
    for k, i in enumerate(blocks(name)):
        g, w = got[i], RECORDED[mode][i]
        where = f"{name}, example block {k} ({mode}_MODE):\n{BLOCKS[i]}"
        if (name, k) in DEPARTURES:
            w = DEPARTURES[(name, k)]
        elif name in RANDOM:
            g, w = (tutorial_pages.skeleton(v) if isinstance(v, str) else v for v in (g, w))
        tutorial_pages.compare(g, w, where)


def test_the_gaps_and_departures_name_recorded_blocks():
    assert set(GAPS) <= set(OWNERS)
    for name, k in DEPARTURES:
        assert k < len(blocks(name)), (name, k)


def test_most_names_agree():
    """Issue 24 found about a third of the examples needing names we did not export; now the gaps
    are the 14 names above, out of every exported name MindSpore documents with examples."""
    assert len(set(OWNERS)) >= 70 and len(GAPS) <= 14
