"""The sensitivity explorer and the composed explorer: set controls as a user would and compare the
recomputed gradients with hand derivations for out = (x * z) @ y (NumPy float64):
d out/dx = sens @ y^T * z, d out/dy = (x z)^T @ sens, d out/dz = sum(sens * (x @ y))."""
from __future__ import annotations

import numpy as np
import pytest
from tests.conftest import DOC_SENS, X, Y, Net, TwoOut, hand_grads, mlp
from tests.support.viz_html import matrices

import mini_autograd.nn as nn
import viz
from mini_autograd import Tensor

TOL = dict(rtol=1e-5, atol=1e-5)


def grads_by_label(explorer) -> dict:
    return {label.split("(")[-1].rstrip(")").replace("grad of ", ""): a for label, a in explorer.grads}


def set_sens(controls, sens) -> None:
    for c, v in zip(controls, np.asarray(sens).reshape(-1)):
        c.value = float(v)  # as a user typing into each box


def test_controls_recompute_gradients(xy):
    s = viz.sensitivity(Net(), *xy, get_all=True, get_by_list=True)
    assert "mini-autograd-sens" in s._dom_classes and "mini-autograd-grads" in s.grads_html._dom_classes
    assert len(s.sens_controls) == 6 and len(s.sens_grids) == 1
    assert s.sens_grids[0].layout.grid_template_columns.startswith("repeat(3,")  # laid out as [2, 3]
    sens = np.array([[0.5, -1.0, 2.0], [0.0, 3.0, -0.25]])
    set_sens(s.sens_controls, sens)
    want = hand_grads(sens)
    got = grads_by_label(s)
    for k in ("x", "y", "z"):
        np.testing.assert_allclose(got[k], want[k], **TOL)
    np.testing.assert_allclose(s.sens[0], sens)
    np.testing.assert_allclose(s.value.asnumpy(), X @ Y, **TOL)  # forward value unchanged
    ones = {label.split("(")[-1].rstrip(")"): a for label, a in s.grads_ones}
    np.testing.assert_allclose(ones["x"], hand_grads(np.ones((2, 3)))["x"], **TOL)
    assert "Check here: max |gradient" in s.explain_html.value and "unchanged" in s.explain_html.value
    assert s.heatmap.format == "svg+xml" and b"<svg" in bytes(s.heatmap.value)[:400]


def test_document_preset_gives_the_documents_numbers(xy):
    s = viz.sensitivity(Net(), *xy)
    s.preset_buttons["document"].click()
    np.testing.assert_allclose(s.sens[0], DOC_SENS, rtol=1e-6)
    assert [c.value for c in s.sens_controls] == pytest.approx(DOC_SENS.reshape(-1).tolist(), rel=1e-6)
    # the document prints [[2.211, 0.51, 1.49], [5.588, 2.68, 4.07]]
    np.testing.assert_allclose(grads_by_label(s)["x"], [[2.211, 0.51, 1.49], [5.588, 2.68, 4.07]], **TOL)
    np.testing.assert_allclose(grads_by_label(s)["x"], hand_grads(DOC_SENS)["x"], **TOL)


def test_one_hot_and_random_presets(xy):
    s = viz.sensitivity(Net(), *xy, get_by_list=True)
    s.one_hot_index.value = 4  # element [1, 1]
    s.preset_buttons["one_hot"].click()
    e = np.zeros((2, 3))
    e[1, 1] = 1
    np.testing.assert_allclose(s.sens[0], e)
    np.testing.assert_allclose(grads_by_label(s)["z"], [(X @ Y)[1, 1]], **TOL)  # one element of x @ y
    s.random_seed.value = 7
    s.preset_buttons["random"].click()
    first = s.sens[0]
    want = np.round(np.random.default_rng(7).uniform(-1, 1, (2, 3)), 2)
    np.testing.assert_allclose(first, want, rtol=1e-6)
    np.testing.assert_allclose(grads_by_label(s)["z"], hand_grads(want)["z"], **TOL)
    s.preset_buttons["ones"].click()
    s.preset_buttons["random"].click()
    np.testing.assert_array_equal(s.sens[0], first)  # fixed seed, same draw


def test_gradient_is_linear_in_sens(xy):
    s = viz.sensitivity(Net(), *xy, get_all=True)
    set_sens(s.sens_controls, DOC_SENS)
    g1 = [a.copy() for _, a in s.grads]
    set_sens(s.sens_controls, 3 * DOC_SENS)
    for a, b in zip(g1, [a for _, a in s.grads]):
        np.testing.assert_allclose(b, 3 * a, **TOL)


def test_document_preset_disabled_for_other_shapes():
    s = viz.sensitivity(mlp(), Tensor(np.ones((2, 3), np.float32)))
    assert s.preset_buttons["document"].disabled
    s.apply_preset("ones")
    with pytest.raises(ValueError, match="shape \\[2, 3\\]"):
        s.apply_preset("document")


def test_tuple_outputs_get_one_grid_each():
    a = np.array([[1.0, 2.0]])
    b = np.array([[3.0, -1.0]])
    s = viz.sensitivity(TwoOut(), Tensor(a.astype(np.float32)), Tensor(b.astype(np.float32)), get_all=True)
    assert len(s.sens_grids) == 2 and len(s.sens_controls) == 4
    set_sens(s.sens_controls, [2.0, 0.5, -1.0, 4.0])  # sens of a*b, then of a+b
    s1, s2 = np.array([[2.0, 0.5]]), np.array([[-1.0, 4.0]])
    got = grads_by_label(s)
    np.testing.assert_allclose(got["a"], s1 * b + s2, **TOL)  # d(a b)/da = b, d(a + b)/da = 1
    np.testing.assert_allclose(got["b"], s1 * a + s2, **TOL)


def test_callback_errors_show_in_the_widget(xy, monkeypatch):
    s = viz.sensitivity(Net(), *xy)

    def broken(*args):
        raise RuntimeError("the network failed <here>")

    monkeypatch.setattr(s.model, "fvg_sens", broken)
    s.sens_controls[0].value = 2.0
    assert "RuntimeError" in s.message.value and "the network failed &lt;here&gt;" in s.message.value
    assert isinstance(s.last_error, RuntimeError)


def test_bad_arguments(xy):
    with pytest.raises(TypeError, match="'network' should be a Cell or a function, but got int"):
        viz.sensitivity(3, *xy)
    with pytest.raises(ValueError, match="inputs should follow 'network'"):
        viz.sensitivity(Net())
    with pytest.raises(TypeError, match="'get_all' should be bool, but got str"):
        viz.explore(Net(), *xy, get_all="yes")
    with pytest.raises(ValueError, match="output's shape \\[2, 3\\], but got shape \\[3\\]"):
        viz.explore(Net(), *xy, sens=[1.0, 2.0, 3.0])
    s = viz.sensitivity(Net(), *xy)
    with pytest.raises(ValueError, match="'name' should be one of"):
        s.apply_preset("twos")


# -- the composed explorer -------------------------------------------------------------------------

def test_explore_toggles_and_printed_structure(xy):
    e = viz.explore(Net(), *xy)
    assert "mini-autograd-explorer" in e._dom_classes
    out = e.repr_html.value
    assert "Tensor(shape=[2, 3], dtype=Float32, value=" in out and "4.50999975e+00" in out
    assert out.count("Tensor(") == 2  # (value, grad of x)
    e.toggles["get_all"].value = True
    assert e.repr_html.value.count("Tensor(") == 3 and "shape=[3, 3]" in e.repr_html.value
    e.toggles["get_all"].value = False
    e.toggles["get_by_list"].value = True  # weights default to net.trainable_params()
    assert "(Tensor(shape=[1], dtype=Float32, value= [2.15359993e+01]),)" in e.repr_html.value
    assert "returned as weights[0]" in e.graph.html.value


def test_explore_sens_param_drives_graph_and_flow(xy):
    e = viz.explore(Net(), *xy, get_all=True, sens_param=True, sens=DOC_SENS)
    e.tabs.selected_index = 2  # the sensitivity tab, where the controls are
    sens = np.array([[1.0, 0.0, 2.0], [0.0, -1.0, 0.0]])
    set_sens(e.sens_controls, sens)
    want = hand_grads(sens)
    got = grads_by_label(e.sens)
    np.testing.assert_allclose(got["x"], want["x"], **TOL)
    np.testing.assert_allclose(got["y"], want["y"], **TOL)
    np.testing.assert_allclose(e.result[1][0].asnumpy(), want["x"], **TOL)
    np.testing.assert_allclose(e.trace.tensor("x").grad, want["x"], **TOL)
    assert "[%s %s %s]" % tuple(format(v, ".4g") for v in want["x"][0]) in e.graph.svg
    e.tabs.selected_index = 1
    e.flow.slider.value = 0
    seed = matrices(e.flow.edges_html.value)
    assert len(seed) == 2  # gradient sent and gradient held: both the sens, laid out as [2, 3]
    for m in seed:
        np.testing.assert_array_equal(m, sens)
    e.toggles["sens_param"].value = False  # back to sens = ones: the controls are disabled
    assert all(c.disabled for c in e.sens_controls)
    np.testing.assert_allclose(grads_by_label(e.sens)["x"], hand_grads(np.ones((2, 3)))["x"], **TOL)


def test_explore_mlp_with_collapse():
    net = mlp()
    e = viz.explore(net, Tensor(np.ones((2, 3), np.float32)), get_by_list=True, collapse={"0"})
    assert e.graph.collapse_toggles["0"].value
    assert "(Dense, collapsed)" in e.graph.html.value
    e.graph.collapse_toggles["0"].value = False
    assert "(Dense, collapsed)" not in e.graph.html.value
    assert e.flow.collapse == frozenset()


def test_explore_without_dot_shows_install_hint(xy, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    e = viz.explore(Net(), *xy)
    assert "apt-get install graphviz" in e.graph.message.value
    e.toggles["get_all"].value = True  # a callback that redraws: the message stays visible
    assert "conda install graphviz" in e.graph.html.value
    assert e.repr_html.value.count("Tensor(") == 3  # the rest still works
