"""Memory: growth over 10,000 ForwardValueAndGrad calls (goal: flat), and the MLP step's peak
against the minimum live set (parameters, activations, gradients). Measured with tracemalloc,
which NumPy reports its array buffers to."""
from __future__ import annotations

import gc
import tracemalloc


from common import mlp

import mini_autograd as ma  # noqa: E402
from mini_autograd import ParameterTuple, Tensor, context, nn  # noqa: E402
from tests.support import document_code as doc  # noqa: E402


def growth(calls: int = 10_000, mode: int = context.PYNATIVE_MODE) -> dict:
    """Bytes held after ``calls`` calls minus bytes held after the first 1,000."""
    context.set_context(mode=mode)
    x, y = doc.inputs()
    net = doc.Net()
    fvg = nn.ForwardValueAndGrad(net, ParameterTuple(net.trainable_params()), get_all=True, get_by_list=True)
    tracemalloc.start()
    for _ in range(1000):
        fvg(x, y)
    gc.collect()
    start = tracemalloc.get_traced_memory()[0]
    for _ in range(calls - 1000):
        fvg(x, y)
    gc.collect()
    end = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    context.set_context(mode=context.PYNATIVE_MODE)
    return {"calls": calls, "growth_bytes": end - start}


def mlp_peak(width: int = 1024, batch: int = 256, layers: int = 4) -> dict:
    """Peak bytes allocated during one loss-and-gradients call, against what must be alive at once."""
    fvg, params, x, t = mlp(width, batch, layers)
    X, T = Tensor(x), Tensor(t)
    fvg(X, T)
    fvg.runner.last = ma.trace._last = None  # start from nothing kept
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    result = fvg(X, T)
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    del result
    param_bytes = sum(p.asnumpy().nbytes for p in params)
    act = batch * width * 4
    # The least a forward-and-backward must hold at its peak: the parameters and their gradients,
    # the hidden layers' outputs (a ReLU's mask can be read from them), the loss's difference, and
    # the gradient travelling backwards.
    minimum = 2 * param_bytes + act * ((layers - 1) + 2)
    total_peak = param_bytes + peak  # the parameters existed before the call; tracemalloc saw the rest
    return {"peak_bytes": total_peak, "minimum_bytes": minimum, "ratio": total_peak / minimum}


if __name__ == "__main__":
    print(growth())
    print(mlp_peak())
