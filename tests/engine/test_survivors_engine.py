"""Engine behaviours that a plausible bug could change without any other test noticing (issue 22):
has_aux inside an outer transform, one tensor returned twice with two sensitivities, the
optimizers' loss_scale, and the sweep's cast back to each input's dtype over two training steps.

Expected values are derived by hand (in the comments) or were recorded from MindSpore 2.10.0 CPU,
in PYNATIVE_MODE and GRAPH_MODE alike; none comes from the engine.
"""
from __future__ import annotations

import numpy as np
import pytest

import mini_autograd as ms
import mini_autograd.nn as nn
import mini_autograd.ops as ops
from mini_autograd import Parameter, Tensor, context
from mini_autograd.ops import Primitive


@pytest.fixture(params=["PYNATIVE_MODE", "GRAPH_MODE"])
def mode(request):
    context.set_context(mode=getattr(context, request.param))
    return request.param


def f32(v):
    return Tensor(np.array(v, np.float32))


# -- 1. has_aux inside an outer transform ------------------------------------------------------------
# f(x) = (x^3, 10 x^2): only x^3 is differentiated, so grad(f, has_aux=True)(x)[0] = 3x^2 and its
# derivative is 6x = [6, 12] at x = [1, 2] (MindSpore 2.10 prints [6. 12.] in both modes). Seeding
# the aux output as well would give d/dx (3x^2 + 20x) = 6x + 20 = [26, 32].

def _f(x):
    return x ** 3, 10 * x ** 2


def test_grad_with_has_aux_differentiated_again_seeds_only_the_first_output(mode):
    got = ms.grad(lambda x: ms.grad(_f, has_aux=True)(x)[0])(f32([1.0, 2.0]))
    np.testing.assert_allclose(got.asnumpy(), [6.0, 12.0], rtol=1e-6)


def test_value_and_grad_with_has_aux_differentiated_again_seeds_only_the_first_output(mode):
    got = ms.grad(lambda x: ms.value_and_grad(_f, has_aux=True)(x)[1])(f32([1.0, 2.0]))
    np.testing.assert_allclose(got.asnumpy(), [6.0, 12.0], rtol=1e-6)


def test_an_aux_output_read_by_the_outer_function_is_differentiated_as_in_pynative_mode(mode):
    # MindSpore 2.10.0 CPU disagrees between its modes: grad(lambda x: g + aux[0]) with g, aux =
    # grad(f, has_aux=True)(x) gives d/dx (3x^2 + 10x^2) = 26x = [26, 52] in PYNATIVE_MODE, [6, 12] in
    # GRAPH_MODE (aux held constant). mini_autograd: PYNATIVE_MODE's, in both modes (README's table).
    def outer(x):
        g, aux = ms.grad(_f, has_aux=True)(x)
        return g + aux[0]
    np.testing.assert_allclose(ms.grad(outer)(f32([1.0, 2.0])).asnumpy(), [26.0, 52.0], rtol=1e-6)


# -- 11. one tensor returned twice, with two different sensitivities --------------------------------
# y = x * x returned as (y, y) with sens (s1, s2): both seeds land on the same slot and add up, so
# dx = 2x (s1 + s2) = [2.5, -10, 18] (MindSpore 2.10, ForwardValueAndGrad and GradOperation, both modes).

class YY(nn.Cell):
    def construct(self, x):
        y = x * x
        return y, y


X11, S1, S2 = [1.0, -2.0, 3.0], [1.0, 0.5, -1.0], [0.25, 2.0, 4.0]
DX11 = [2.5, -10.0, 18.0]


def test_an_output_returned_twice_gets_the_sum_of_its_two_sensitivities(mode):
    _, dx = nn.ForwardValueAndGrad(YY(), sens_param=True)(f32(X11), (f32(S1), f32(S2)))
    np.testing.assert_allclose(dx.asnumpy(), DX11, rtol=1e-6)


def test_an_output_returned_twice_inside_an_outer_transform_sums_both_seeds(mode):
    # the inner call (nested.py seeds with Tensors) gives 2x (s1 + s2); the outer one differentiates
    # sum(2x (s1 + s2)) again: 2 (s1 + s2) = [2.5, 5, 6]
    inner = ops.GradOperation(sens_param=True)(YY())
    got = ms.grad(lambda x: inner(x, (f32(S1), f32(S2))))(f32(X11))
    np.testing.assert_allclose(got.asnumpy(), [2.5, 5.0, 6.0], rtol=1e-6)


# -- 4. the optimizers' loss_scale -------------------------------------------------------------------
# Gradients computed on a loss scaled by S are S times too large; loss_scale=S divides them by S
# before the update, so the step equals the unscaled one. Recorded from MindSpore 2.10.0 CPU: the
# parameter after each of two steps from P0 with gradients G[0], G[1] (times S), lr 0.1; the values
# are the same for loss_scale 1 and 1024, and weight decay is applied to the unscaled gradient.
P0 = np.array([1.0, -2.0, 0.5], np.float32)
G = [np.array([0.25, 0.5, -1.0], np.float32), np.array([-0.75, 0.125, 2.0], np.float32)]
S = 1024.0
MINDSPORE_STEPS = {  # (optimizer, weight_decay) -> parameter after step 1, after step 2
    ("SGD", 0.0): ([0.9750000238418579, -2.049999952316284, 0.6000000238418579],
                   [1.0500000715255737, -2.0625, 0.40000003576278687]),
    ("SGD momentum", 0.0): ([0.9750000238418579, -2.049999952316284, 0.6000000238418579],
                            [1.027500033378601, -2.107499837875366, 0.49000000953674316]),
    ("Momentum", 0.0): ([0.9750000238418579, -2.049999952316284, 0.6000000238418579],
                        [1.027500033378601, -2.107499837875366, 0.49000000953674316]),
    ("SGD", 0.01): ([0.9739999771118164, -2.0480000972747803, 0.5995000004768372],
                    [1.0480259656906128, -2.0584521293640137, 0.39890050888061523]),
    ("SGD momentum", 0.01): ([0.9739999771118164, -2.0480000972747803, 0.5995000004768372],
                             [1.0246260166168213, -2.101652145385742, 0.4884504973888397]),
    ("Momentum", 0.01): ([0.9739999771118164, -2.0480000972747803, 0.5995000004768372],
                         [1.0246260166168213, -2.101652145385742, 0.4884504973888397]),
}


def _optimizer(kind, w, wd, scale):
    if kind == "SGD":
        return nn.SGD([w], learning_rate=0.1, weight_decay=wd, loss_scale=scale)
    if kind == "SGD momentum":
        return nn.SGD([w], learning_rate=0.1, momentum=0.9, weight_decay=wd, loss_scale=scale)
    return nn.Momentum([w], learning_rate=0.1, momentum=0.9, weight_decay=wd, loss_scale=scale)


def _two_steps(kind, wd, scale):
    w = Parameter(Tensor(P0.copy()), name="w")
    opt = _optimizer(kind, w, wd, scale)
    after = []
    for g in G:
        opt((Tensor(g * np.float32(scale)),))
        after.append(w.asnumpy().copy())
    return after


@pytest.mark.parametrize("kind,wd", list(MINDSPORE_STEPS), ids=[f"{k}-wd{wd}" for k, wd in MINDSPORE_STEPS])
def test_loss_scale_divides_the_scaled_gradients(kind, wd):
    scaled, plain = _two_steps(kind, wd, S), _two_steps(kind, wd, 1.0)
    for got_scaled, got_plain, want in zip(scaled, plain, MINDSPORE_STEPS[kind, wd]):
        np.testing.assert_allclose(got_scaled, got_plain, rtol=1e-6)
        np.testing.assert_allclose(got_scaled, want, rtol=1e-6)


# -- 5. mixed precision: the gradient of each input keeps that input's dtype ---------------------------
# A Float32 network trained against Float64 labels: the loss is Float64 (MindSpore's promotion), the
# gradients reaching the Float32 parameters are cast back to Float32 by the sweep, so the parameters
# stay Float32 and the second step runs. Recorded from MindSpore 2.10.0 CPU (both modes) with MSELoss
# and Momentum(lr 0.1, momentum 0.9); its loss, reduced in Float32 inside MindSpore's loss cell, agrees
# with ours to 1e-7 relative.
W0 = np.array([[0.5, -0.25, 1.0], [0.75, 0.5, -0.5]], np.float32)
B0 = np.array([0.1, -0.2], np.float32)
X5 = np.array([[1.0, 2.0, -1.0], [0.5, -1.5, 2.0]], np.float32)
L5 = np.array([[1.0, 0.0], [0.0, 1.0]], np.float64)
MINDSPORE_TRAINING = [  # (loss, w, b) after each step
    (5.467187404632568,
     [[0.5268750190734863, 0.1443749964237213, 0.6324999928474426],
      [0.7118750214576721, 0.10187497735023499, -0.14000001549720764]],
     [0.058750003576278687, -0.17374999821186066]),
    (1.1987831592559814,
     [[0.5547031164169312, 0.6779218912124634, 0.12678128480911255],
      [0.664734423160553, -0.4384218752384186, 0.3531562387943268]],
     [-0.00899999588727951, -0.1316874921321869]),
]


class Linear(nn.Cell):
    def __init__(self):
        super().__init__()
        self.w = Parameter(Tensor(W0.copy()), name="w")
        self.b = Parameter(Tensor(B0.copy()), name="b")
        self.matmul = ops.MatMul(transpose_b=True)

    def construct(self, x):
        return self.matmul(x, self.w) + self.b


def test_float32_network_float64_labels_trains_two_steps_and_stays_float32(mode):
    net = Linear()
    step = nn.TrainOneStepCell(nn.WithLossCell(net, nn.MSELoss()), nn.Momentum(net.trainable_params(), 0.1, 0.9))
    for loss_want, w_want, b_want in MINDSPORE_TRAINING:
        loss = step(Tensor(X5), Tensor(L5))
        assert str(loss.dtype) == "Float64"
        assert (str(net.w.dtype), str(net.b.dtype)) == ("Float32", "Float32")
        np.testing.assert_allclose(loss.asnumpy(), loss_want, rtol=1e-6)
        np.testing.assert_allclose(net.w.asnumpy(), w_want, rtol=1e-6)
        np.testing.assert_allclose(net.b.asnumpy(), b_want, rtol=1e-6)


class TimesThreeInFloat64(Primitive):
    """3x, whose vjp answers in Float64 whatever the input's dtype: the sweep casts that gradient back
    to the input's dtype (a Float32 parameter upstream stays Float32). Since Add, Mul ... promote
    through a recorded Cast and SoftmaxCrossEntropyWithLogits refuses mixed dtypes (below), a vjp like
    this one is what reaches the sweep's cast."""

    name = "TimesThreeInFloat64"

    def forward(self, xp, x):
        return xp.mul(x, xp.full((), 3, x.dtype))

    # d(3x)/dx = 3, computed in float64
    def vjp(self, xp, dout, out, x, needs):
        return (xp.mul(xp.cast(dout, np.float64), xp.full((), 3.0, np.float64)),)


class LinearTimesThree(Linear):
    def construct(self, x):
        return TimesThreeInFloat64()(self.matmul(x, self.w) + self.b)


def test_a_float64_gradient_is_cast_back_to_its_float32_input_over_two_steps(mode):
    # loss = mean((3 (x w^T + b) - labels)^2) over the 4 elements; with r = 3 (x w^T + b) - labels,
    # dloss/db = 3 * 2 r.sum(0) / 4 and dloss/dw = 3 * 2 r^T x / 4; Momentum: v = 0.9 v + g; p -= 0.1 v
    net = LinearTimesThree()
    labels = L5.astype(np.float32)
    step = nn.TrainOneStepCell(nn.WithLossCell(net, nn.MSELoss()), nn.Momentum(net.trainable_params(), 0.1, 0.9))
    w, b = W0.astype(np.float64), B0.astype(np.float64)
    vw, vb = np.zeros_like(w), np.zeros_like(b)
    for _ in range(2):
        r = 3 * (X5 @ w.T + b) - labels
        loss_want = np.mean(r ** 2)
        vw, vb = 0.9 * vw + 6 * r.T @ X5 / 4, 0.9 * vb + 6 * r.sum(axis=0) / 4
        w, b = w - 0.1 * vw, b - 0.1 * vb
        loss = step(Tensor(X5), Tensor(labels))
        assert (str(loss.dtype), str(net.w.dtype), str(net.b.dtype)) == ("Float32", "Float32", "Float32")
        np.testing.assert_allclose(loss.asnumpy(), loss_want, rtol=1e-5)
        np.testing.assert_allclose(net.w.asnumpy(), w, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(net.b.asnumpy(), b, rtol=1e-5, atol=1e-6)


def test_softmax_cross_entropy_refuses_labels_of_another_dtype(mode):
    # MindSpore 2.10.0 CPU, both modes: TypeError "For primitive[SoftmaxCrossEntropyWithLogits], the
    # input type must be same. name:[label_type]:Tensor[Float64]. name:[logits_type]:Tensor[Float32]."
    net = Linear()
    loss = nn.SoftmaxCrossEntropyWithLogits(sparse=False, reduction="mean")
    with pytest.raises(TypeError, match=r"'SoftmaxCrossEntropyWithLogits'.*same dtype.*"
                                        r"'logits' Float32.*'labels' Float64"):
        loss(net(Tensor(X5)), Tensor(L5))
    step = nn.TrainOneStepCell(nn.WithLossCell(net, loss), nn.Momentum(net.trainable_params(), 0.1, 0.9))
    with pytest.raises(TypeError, match="same dtype"):
        step(Tensor(X5), Tensor(L5))
    np.testing.assert_array_equal(net.w.asnumpy(), W0)  # nothing was changed by the refused step
    step(Tensor(X5), Tensor(L5.astype(np.float32)))  # labels in the logits' dtype: the step runs
    assert str(net.w.dtype) == "Float32" and not np.array_equal(net.w.asnumpy(), W0)
