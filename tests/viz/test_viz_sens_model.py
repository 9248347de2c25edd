"""The sensitivity explorer's model without widgets, on the document's network out = (x z) @ y.

Expected values are derived by hand (NumPy float64): under a sens s, dx = (s @ y^T) z,
dy = (x z)^T @ s, dz = sum(s * (x @ y)); for the one-hot sens e_(r, c) (a row of the Jacobian) dx
is column c of y placed in row r, dy is row r of x z placed in column c, dz = (x @ y)[r, c].
Labels follow MindSpore's returned structure for each pair of flags.
"""
from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest
from tests.conftest import DOC_SENS, X, Y, Net, mlp

import mini_autograd.nn as nn
from mini_autograd import Parameter, ParameterTuple, Tensor
from viz.sens_model import SensitivityModel, returned_gradients

TOL = dict(rtol=1e-5, atol=1e-5)
Z = 1.0  # Net's parameter z


def by_name(grads) -> dict:
    return {label.split("(")[-1].rstrip(")").replace("grad of ", ""): a for label, a in grads}


def test_gradients_under_a_sens_are_derived_by_hand(xy):
    m = SensitivityModel(Net(), *xy, get_all=True, get_by_list=True, sens=DOC_SENS)
    assert [label for label, _ in m.grads] == ["inputs[0] (x)", "inputs[1] (y)", "weights[0] (z)"]
    got = by_name(m.grads)
    np.testing.assert_allclose(got["x"], (DOC_SENS @ Y.T) * Z, **TOL)
    np.testing.assert_allclose(got["y"], (X * Z).T @ DOC_SENS, **TOL)
    np.testing.assert_allclose(got["z"], [np.sum(DOC_SENS * (X @ Y))], **TOL)
    # the document prints this gradient of x for its grad_wrt_output
    np.testing.assert_allclose(got["x"], [[2.211, 0.51, 1.49], [5.588, 2.68, 4.07]], **TOL)
    np.testing.assert_allclose(m.value.asnumpy(), X @ Y, **TOL)  # sens never enters the forward pass
    assert m.value_unchanged()
    ones = by_name(m.grads_ones)  # sens = ones: what sens_param=False returns
    np.testing.assert_allclose(ones["x"], np.ones((2, 3)) @ Y.T, **TOL)
    np.testing.assert_allclose(ones["z"], [np.sum(X @ Y)], **TOL)


@pytest.mark.parametrize("flags, labels", [
    ({}, ["grad of x"]),  # the gradient of the first input, a Tensor
    ({"get_all": True}, ["grads[0] (x)", "grads[1] (y)"]),  # a tuple over the inputs
    ({"get_by_list": True}, ["weights[0] (z)"]),  # a tuple over the weights
    ({"get_all": True, "get_by_list": True}, ["inputs[0] (x)", "inputs[1] (y)", "weights[0] (z)"]),
])
def test_labels_follow_the_returned_structure(xy, flags, labels):
    m = SensitivityModel(Net(), *xy, **flags)
    assert [label for label, _ in m.grads] == labels
    assert [label for label, _ in m.grads_ones] == labels


def test_basis_rows_are_the_one_hot_gradients(xy):
    m = SensitivityModel(Net(), *xy, get_all=True, get_by_list=True)
    basis = m.basis()
    assert len(basis) == 6  # one row of the Jacobian per output element, C order
    for i, (r, c) in enumerate(np.ndindex(2, 3)):
        dx, dy, dz = basis[i]
        want_dx = np.zeros((2, 3))
        want_dx[r, :] = Y[:, c] * Z
        want_dy = np.zeros((3, 3))
        want_dy[:, c] = X[r, :] * Z
        np.testing.assert_allclose(dx, want_dx, **TOL)
        np.testing.assert_allclose(dy, want_dy, **TOL)
        np.testing.assert_allclose(dz, [(X @ Y)[r, c]], **TOL)
    assert m.linearity_error() < 1e-5  # the gradient is J^T . sens


def test_setting_sens_recomputes_and_sens_param_false_uses_ones(xy):
    m = SensitivityModel(Net(), *xy, get_all=True)
    m.set_element(0, 4, 3.0)  # element [1, 1] of the only output
    s = np.ones((2, 3))
    s[1, 1] = 3.0
    np.testing.assert_allclose(m.sens[0], s)
    np.testing.assert_allclose(by_name(m.grads)["x"], s @ Y.T, **TOL)
    m.set_sens(DOC_SENS)
    np.testing.assert_allclose(by_name(m.grads)["y"], X.T @ DOC_SENS, **TOL)
    m.set_flags(sens_param=False)  # the call uses sens = ones; the sens set stays for later
    np.testing.assert_allclose(by_name(m.grads)["y"], X.T @ np.ones((2, 3)), **TOL)
    np.testing.assert_allclose(m.sens[0], DOC_SENS, rtol=1e-6)


def test_presets(xy):
    m = SensitivityModel(Net(), *xy)
    one_hot = m.preset("one_hot", 4)
    want = np.zeros((2, 3))
    want[1, 1] = 1
    np.testing.assert_array_equal(one_hot[0], want)
    np.testing.assert_allclose(m.preset("random", seed=7)[0],
                               np.round(np.random.default_rng(7).uniform(-1, 1, (2, 3)), 2), rtol=1e-6)
    np.testing.assert_allclose(m.preset("document")[0], DOC_SENS, rtol=1e-6)
    np.testing.assert_array_equal(m.sens[0], np.ones((2, 3)))  # a preset sets nothing by itself


def test_a_bad_sens_leaves_the_state_as_it_was(xy):
    m = SensitivityModel(Net(), *xy, sens=DOC_SENS)
    before = [a.copy() for _, a in m.grads]
    with pytest.raises(ValueError, match="output's shape \\[2, 3\\], but got shape \\[3\\]"):
        m.set_sens([1.0, 2.0, 3.0])
    np.testing.assert_allclose(m.sens[0], DOC_SENS, rtol=1e-6)
    for a, (_, b) in zip(before, m.grads):
        np.testing.assert_array_equal(a, b)


def test_returned_order_is_read_from_the_trace():
    net = mlp()
    params = net.trainable_params()  # 0.weight, 0.bias, 1.weight, 1.bias, recorded in this order
    fvg = nn.ForwardValueAndGrad(net, weights=ParameterTuple(params[::-1]), get_by_list=True)
    fvg(Tensor(np.ones((2, 3), np.float32)))
    trace = fvg.trace
    names = {t.id: t.name for t in trace.tensors}
    # the weights were given in reverse: weights[0] is the last parameter the tape met
    assert [(label, names[tid]) for label, tid in returned_gradients(trace)] == [
        ("weights[0]", "1.bias"), ("weights[1]", "1.weight"), ("weights[2]", "0.bias"), ("weights[3]", "0.weight")]
    # viz reads that order from the engine's Trace.returned, never from the flags
    by_name_id = {n: i for i, n in names.items() if n}
    trace.returned = [("weights[0]", by_name_id["0.weight"]), ("weights[1]", by_name_id["1.bias"])]
    assert returned_gradients(trace) == trace.returned


class UnreadWeight(nn.Cell):
    """out = x * z, with a second parameter the network never reads."""

    def __init__(self) -> None:
        super().__init__()
        self.unread = Parameter(Tensor(np.array([3.0], np.float32)), name="unread")
        self.z = Parameter(Tensor(np.array([2.0], np.float32)), name="z")

    def construct(self, x):
        return x * self.z


def test_a_returned_gradient_missing_from_the_trace_is_counted(xy):
    # MindSpore returns a zero gradient for the unread weight; the Trace has no tensor for it, so the
    # model lists the other gradients and says how many it left out instead of dropping one silently.
    m = SensitivityModel(UnreadWeight(), Tensor(np.array([1.0, -2.0], np.float32)), get_by_list=True)
    assert [label for label, _ in m.grads] == ["weights[1] (z)"]
    np.testing.assert_allclose(m.grads[0][1], [1.0 - 2.0], **TOL)  # d sum(s * x z)/dz = sum(s * x), s = ones
    assert m.not_in_trace == 1
    assert SensitivityModel(Net(), *xy, get_all=True, get_by_list=True).not_in_trace == 0


def _viz_imports(module: str) -> set:
    """Modules imported by viz/<module>.py and, transitively, by the viz modules it imports."""
    seen, todo, found = set(), [module], set()
    root = Path(__file__).resolve().parents[2] / "viz"
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for node in ast.walk(ast.parse((root / f"{name}.py").read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                todo += [node.module] if node.module else [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                found.add(node.module)
            elif isinstance(node, ast.Import):
                found.update(a.name for a in node.names)
    return found


def test_the_model_needs_no_widgets():
    imports = _viz_imports("sens_model")
    assert not any(m.split(".")[0] in ("ipywidgets", "IPython", "matplotlib") for m in imports), imports
    assert {m for m in imports if m.startswith("mini_autograd")} <= {"mini_autograd", "mini_autograd.nn",
                                                                     "mini_autograd.trace"}
