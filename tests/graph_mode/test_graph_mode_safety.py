"""GRAPH_MODE's compiler is safe for any program a learner writes (issue 21, findings 0-4 and 7-10):
user names never become names in the generated code, a Python float argument is a constant of its
graph (MindSpore's rule), and the graph cache key covers what a replay depends on.

Each test says which finding it pins. Expected values are derived by hand (written next to them);
"PYNATIVE's answer" is also checked against PYNATIVE itself, so a GRAPH-only fault shows as such.
"""
from __future__ import annotations

import ast

import numpy as np
import pytest

import mini_autograd as ma
import mini_autograd.nn as nn
import mini_autograd.ops as ops
from mini_autograd import GradOperation, Parameter, Tensor, context, value_and_grad
from mini_autograd import dtype as mstype

MODES = [context.PYNATIVE_MODE, context.GRAPH_MODE]
MODE_IDS = ["pynative", "graph"]


def host(v):
    if isinstance(v, (tuple, list)):
        return [host(a) for a in v]
    return v.asnumpy()


# -- finding 0: a captured Tensor that is also the argument ------------------------------------------

@pytest.mark.parametrize("order", ["c first", "other first"])
def test_0_a_captured_tensor_passed_as_the_argument_gives_pynatives_answer(order):
    """f(y) = sum(c * y), construct reading the captured c. At y = c the tape sees one tensor used
    twice: f = sum(y^2), df/dy = 2y = [4, 6] (README: PYNATIVE's answer in both modes). At y = [1, 1]:
    f = 2 + 3 = 5 and df/dy = c = [2, 3]. The graph traced for one must not be replayed for the other."""
    c = Tensor(np.array([2.0, 3.0]))
    other = Tensor(np.array([1.0, 1.0]))
    want = {"c": (13.0, [4.0, 6.0]), "other": (5.0, [2.0, 3.0])}
    calls = ["c", "other", "c", "other"] if order == "c first" else ["other", "c", "other", "c"]
    for mode in MODES:
        context.set_context(mode=mode)
        fn = value_and_grad(lambda y: (c * y).sum())
        for which in calls:
            value, dy = fn(c if which == "c" else other)
            assert float(value.asnumpy()) == want[which][0], (mode, which)
            np.testing.assert_array_equal(dy.asnumpy(), want[which][1])


def test_0_two_captured_tensors_passed_in_turn_are_two_graphs():
    """f(y) = sum(c1 * y) + sum(c2 * y): at y = c1, df/dy = 2 c1 + c2 = [4, 5] (c1 = [1, 1], c2 =
    [2, 3]); at y = c2, c1 + 2 c2 = [5, 7]; at another y, c1 + c2 = [3, 4]. Which captured tensor is
    passed is part of the key, not only where."""
    c1, c2 = Tensor(np.array([1.0, 1.0])), Tensor(np.array([2.0, 3.0]))
    other = Tensor(np.array([0.5, 0.5]))
    want = [(c1, [4.0, 5.0]), (c2, [5.0, 7.0]), (other, [3.0, 4.0]), (c1, [4.0, 5.0]), (c2, [5.0, 7.0])]
    for mode in MODES:
        context.set_context(mode=mode)
        g = ma.grad(lambda y: (c1 * y).sum() + (c2 * y).sum())
        for y, dy in want:
            np.testing.assert_array_equal(g(y).asnumpy(), dy)


# -- finding 1: a fullwidth name that NFKC folds onto a generated name ---------------------------------

class Fullwidth(nn.Cell):
    """sum(k * p + x) with a constant k = [5, 7] and a Parameter named with a fullwidth 'ｃ'."""

    def __init__(self, name):
        super().__init__()
        self.p = Parameter(Tensor(np.array([1.0, 2.0])), name=name)
        self.k = Tensor(np.array([5.0, 7.0]))

    def construct(self, x):
        return (self.k * self.p + x).sum()


@pytest.mark.parametrize("name", ["\uff431", "\uff54\uff11", "xp", "x", "g_t1", "c1"])
def test_1_a_parameter_named_like_a_generated_name_after_nfkc_changes_nothing(name):
    """sum(k p + x) = 5*1 + 7*2 + 0 + 0 = 19; d/dx = [1, 1], d/dp = k = [5, 7]. 'ｃ1' is 'c1' to Python
    (NFKC), the first constant's name; 'ｔ１' is 't1'; 'xp' is the backend's name."""
    for mode in MODES:
        context.set_context(mode=mode)
        net = Fullwidth(name)
        fn = value_and_grad(net, 0, net.trainable_params())
        for _ in range(2):
            value, (dx, (dp,)) = fn(Tensor(np.zeros(2)))
            assert float(value.asnumpy()) == 19.0, (mode, name)
            np.testing.assert_array_equal(dx.asnumpy(), [1.0, 1.0])
            np.testing.assert_array_equal(dp.asnumpy(), [5.0, 7.0])


# -- findings 2, 3, 7: a Python float argument is a constant of its graph ------------------------------

def test_2_a_float_argument_used_with_two_dtypes_is_exact_in_each():
    """(sum(a * s), sum(b * s)) with a Float16, b Float64, s = 0.1: the Float64 sum is 0.1 * 3 in
    float64 (0.30000000000000004, not 0.1 rounded to float16, 0.0999755859375, times 3); a's gradient
    is s in Float16 (as every gradient, in its input's dtype)."""
    a = Tensor(np.array([1.0, 2.0], np.float16))
    b = Tensor(np.array([1.0, 2.0], np.float64))
    for mode in MODES:
        context.set_context(mode=mode)
        fn = GradOperation(get_all=True)(lambda a, b, s: (a * s).sum() + ops.Cast()((b * s).sum(), mstype.float16))
        vg = value_and_grad(lambda a, b, s: ((a * s).sum(), (b * s).sum()), (0, 1))
        for s in (0.1, 0.1, 0.25):
            (va, vb), (da, db) = vg(a, b, s)
            assert vb.asnumpy().dtype == np.float64 and float(vb.asnumpy()) == s * 3.0, (mode, s)
            assert va.asnumpy().dtype == np.float16
            assert da.asnumpy().dtype == np.float16 and db.asnumpy().dtype == np.float64
            np.testing.assert_array_equal(da.asnumpy(), np.full(2, s, np.float16))  # d/da of both outputs
            np.testing.assert_array_equal(db.asnumpy(), np.full(2, s, np.float64))
            da2, db2 = fn(a, b, s)
            assert da2.asnumpy().dtype == np.float16 and db2.asnumpy().dtype == np.float64


def test_3_construct_sees_a_real_float_and_branches_on_it():
    """isinstance(t, float) is True in construct (MindSpore: a float argument is a constant of the
    graph): f = sum(x * t) if t is a float, else sum(x); df/dx = t, every call with its own t."""
    seen = []

    def f(x, t):
        seen.append(type(t))
        return (x * t).sum() if isinstance(t, float) else x.sum()

    x = Tensor(np.array([1.0, 2.0]))
    for mode in MODES:
        context.set_context(mode=mode)
        g = ma.grad(f)
        for t in (0.5, 3.0, 0.5):
            np.testing.assert_array_equal(g(x, t).asnumpy(), [t, t])
    assert set(seen) == {float}


def test_7_pow_with_a_float_exponent_argument():
    """ops.Pow()(x, t) with t a float argument: d sum(x^t)/dx = t x^(t-1); at x = [1, 4], t = 0.5:
    [0.5, 0.25]; t = 2.0: [2, 8]."""
    x = Tensor(np.array([1.0, 4.0]))
    for mode in MODES:
        context.set_context(mode=mode)
        g = ma.grad(lambda x, t: ops.Pow()(x, t).sum())
        np.testing.assert_array_equal(g(x, 0.5).asnumpy(), [0.5, 0.25])
        np.testing.assert_array_equal(g(x, 2.0).asnumpy(), [2.0, 8.0])
        np.testing.assert_array_equal(g(x, 0.5).asnumpy(), [0.5, 0.25])


def test_a_float_argument_keeps_the_cache_bounded():
    """A new float traces anew, and the runner keeps at most CACHE_SIZE graphs (LRU), as for shapes."""
    context.set_context(mode=context.GRAPH_MODE)
    g = ma.grad(lambda x, t: (x * t).sum())
    x = Tensor(np.array([1.0, 2.0]))
    from mini_autograd import graph_mode
    for i in range(graph_mode.CACHE_SIZE + 10):
        t = 0.5 + i
        np.testing.assert_array_equal(g(x, t).asnumpy(), [t, t])
    assert len(g.runner.graphs) <= graph_mode.CACHE_SIZE


# -- finding 4: Parameter.set_data with a new shape ----------------------------------------------------

class Scale(nn.Cell):
    def __init__(self):
        super().__init__()
        self.w = Parameter(Tensor(np.array([2.0, 3.0])), name="w")

    def construct(self, x):
        return (x * self.w).sum()


def test_4_set_data_with_a_new_shape_traces_again():
    """sum(x * w): dw = x broadcast to the product's shape, then summed back to w's shape. w = [2, 3]
    (shape [2]) then w = [[2], [3]] (shape [2, 1]): x * w is [[2x0, 2x1], [3x0, 3x1]], dw = [[x0 + x1],
    [x0 + x1]] = [[3], [3]] for x = [1, 2], and the value 3*2 + 3*3 = 15."""
    for mode in MODES:
        context.set_context(mode=mode)
        net = Scale()
        fn = value_and_grad(net, None, net.trainable_params())
        x = Tensor(np.array([1.0, 2.0]))
        value, (dw,) = fn(x)
        assert float(value.asnumpy()) == 8.0 and dw.shape == (2,)
        net.w.set_data(Tensor(np.array([[2.0], [3.0]])), slice_shape=True)
        value, (dw,) = fn(x)
        assert float(value.asnumpy()) == 15.0, mode
        assert dw.shape == (2, 1), mode
        np.testing.assert_array_equal(dw.asnumpy(), [[3.0], [3.0]])


# -- finding 8: names that shadow what the generated code reads ----------------------------------------

@pytest.mark.parametrize("name", ["float32", "float64", "xp", "np", "forward", "backward", "int64"])
def test_8_an_argument_or_parameter_named_like_a_dtype_or_a_global(name):
    """sum(cast(x, float64) * w) + sum(cast(w, float32)): x = [1, 2] (Float32), w = [3, 4]
    (Float64): value 3 + 8 + 7 = 18; dx = w = [3, 4] in Float32; dw = x + 1 = [2, 3]."""
    src = (f"def construct({name}, w):\n"
           f"    return (ops.Cast()({name}, mstype.float64) * w).sum() + "
           f"ops.Cast()(ops.Cast()(w, mstype.float32).sum(), mstype.float64)\n")
    scope = {"ops": ops, "mstype": mstype}
    exec(src, scope)
    construct = scope["construct"]
    x, w = Tensor(np.array([1.0, 2.0], np.float32)), Tensor(np.array([3.0, 4.0]))
    for mode in MODES:
        context.set_context(mode=mode)
        fn = value_and_grad(construct, (0, 1))
        for _ in range(2):
            value, (dx, dw) = fn(x, w)
            assert float(value.asnumpy()) == 18.0
            assert dx.asnumpy().dtype == np.float32
            np.testing.assert_array_equal(dx.asnumpy(), [3.0, 4.0])
            np.testing.assert_array_equal(dw.asnumpy(), [2.0, 3.0])
    # and as a Parameter's name, with a Cast to that dtype in the graph
    net = Fullwidth(name)
    context.set_context(mode=context.GRAPH_MODE)
    fn = value_and_grad(lambda x: (ops.Cast()(net(x), mstype.float32) * 2.0), 0, net.trainable_params())
    value, (dx, (dp,)) = fn(Tensor(np.zeros(2)))
    assert float(value.asnumpy()) == 38.0
    np.testing.assert_array_equal(dp.asnumpy(), [10.0, 14.0])


# -- finding 9: an output the function closes over -----------------------------------------------------

@pytest.mark.parametrize("mode", MODES, ids=MODE_IDS)
def test_9_an_output_not_computed_from_the_inputs(mode):
    """f(x) = c, a Tensor closed over: the value is c and df/dx is zeros of x's shape (PYNATIVE)."""
    context.set_context(mode=mode)
    c = Tensor(np.array([4.0, 5.0]))
    fn = value_and_grad(lambda x: c)
    for _ in range(2):
        value, dx = fn(Tensor(np.array([1.0, 2.0, 3.0])))
        np.testing.assert_array_equal(value.asnumpy(), [4.0, 5.0])
        np.testing.assert_array_equal(dx.asnumpy(), [0.0, 0.0, 0.0])
    value, (dx, dy) = value_and_grad(lambda x, y: (x * 2.0, c), (0, 1))(Tensor(np.array([1.0])),
                                                                        Tensor(np.array([3.0])))
    np.testing.assert_array_equal(dx.asnumpy(), [2.0])
    np.testing.assert_array_equal(dy.asnumpy(), [0.0])


# -- finding 10: a name that is not a Python identifier ------------------------------------------------

@pytest.mark.parametrize("name", ["sigma\u00b2", "a\nb", "x # y", "class", "1st", "\u2028", "'\"", "None"])
def test_10_any_parameter_name_compiles_and_shows_in_a_comment_only(name):
    """Fullwidth's sum(k p + x) = 19 whatever the parameter is called; the generated code parses, its
    every line is one line (a name holding a line break cannot end a comment early) and the name
    appears only inside a comment."""
    context.set_context(mode=context.GRAPH_MODE)
    net = Fullwidth(name)
    fn = nn.ForwardValueAndGrad(net, net.trainable_params(), get_by_list=True)
    value, (dp,) = fn(Tensor(np.zeros(2)))
    assert float(value.asnumpy()) == 19.0
    np.testing.assert_array_equal(dp.asnumpy(), [5.0, 7.0])
    code = fn.graph_code
    tree = ast.parse(code)
    assert len(code.splitlines()) == code.count("\n")  # no line break hidden in a name
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    names |= {a.arg for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) for a in n.args.args}
    assert name not in names
    assert repr(name) in code  # shown to the learner, escaped, in a comment


def test_generated_names_are_ours_whatever_the_user_calls_things():
    """Every name the generated code binds is one the compiler made: the function arguments and
    targets match the compiler's patterns, however construct's arguments and parameters are named."""
    import re
    context.set_context(mode=context.GRAPH_MODE)
    src = "def construct(float32, xp, t1):\n    return (float32 * xp + t1 * 2.0).sum()\n"
    scope: dict = {}
    exec(src, scope)
    fn = nn.ForwardValueAndGrad(scope["construct"], get_all=True)
    ones = Tensor(np.ones(2))
    value, (da, db, dc) = fn(ones * 3.0, ones * 4.0, ones)
    assert float(value.asnumpy()) == 28.0  # 2 * (12 + 2)
    np.testing.assert_array_equal(da.asnumpy(), [4.0, 4.0])
    np.testing.assert_array_equal(db.asnumpy(), [3.0, 3.0])
    np.testing.assert_array_equal(dc.asnumpy(), [2.0, 2.0])
    tree = ast.parse(fn.graph_code)
    bound = {a.arg for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) for a in n.args.args}
    bound |= {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    ours = re.compile(r"(a|p|t|c|k|op|tmp)(\d+)?(_\d+)?|g_(a|p|t|s)\d+(_\d+)?|_")
    assert all(ours.fullmatch(n) for n in bound), sorted(bound)
