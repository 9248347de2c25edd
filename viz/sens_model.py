"""The sensitivity explorer's model: what sens does to a gradient call, in plain Python (no widgets).

For one network, inputs and flags it runs three ForwardValueAndGrads: with sens = ones (the forward
value and the gradients sens_param=False returns), with the current sens (sens_param=True), and once
per one-hot sens (the rows of the Jacobian, for the check gradient = J^T . sens). The returned
gradients are read from each call's Trace, labelled as the call returns them. viz.sens_widget shows it.
"""
from __future__ import annotations

import re
from typing import Any

import numpy as np

import mini_autograd.nn as nn
from mini_autograd import ParameterTuple, Tensor
from mini_autograd.trace import Trace

from .common import check_bool
from .text import short

# The sensitivity of the document's "Gradient Value Scaling" example.
DOCUMENT_SENS = np.array([[0.1, 0.6, 0.2], [0.8, 1.3, 1.1]], dtype=np.float32)
MAX_BASIS = 64  # the Jacobian's rows (one call each) are computed for at most this many output elements
PRESETS = ("ones", "document", "one_hot", "random")


def returned_gradients(trace: Trace) -> list[tuple[str, int]]:
    """The gradients the call returned, as (label, tensor id) in the order of the returned structure
    flattened depth first: [("grads[0]", 0), ("grads[1]", 1)], [("inputs[0]", 0), ("weights[0]", 3)]."""
    returned = getattr(trace, "returned", None)
    if returned is not None:
        return [(label, tid) for label, tid in returned]
    return _returned_from_labels(trace)


def _returned_from_labels(trace: Trace) -> list[tuple[str, int]]:
    # Goes when the engine's Trace.returned lands. Until then the order is read back from the label
    # the engine wrote on each returned tensor (returned_as): input gradients ("grad", "grads[i]",
    # "inputs", "inputs[i]") come before weight gradients ("weights[j]"), each group by its index.
    def order(label: str) -> tuple[int, int]:
        index = re.search(r"\[(\d+)\]$", label)
        return (1 if label.startswith("weights") else 0, int(index.group(1)) if index else 0)
    tagged = [t for t in trace.tensors if t.returned_as is not None]
    return [(t.returned_as, t.id) for t in sorted(tagged, key=lambda t: order(t.returned_as))]


def labelled_gradients(trace: Trace) -> list[tuple[str, np.ndarray]]:
    """The returned gradients as [(label, array)], named for the learner: "grad of x", "grads[1] (y)",
    "weights[0] (z)". A returned input no gradient reached holds zeros, as the call returns it."""
    tensors = {t.id: t for t in trace.tensors}
    out = []
    for label, tid in returned_gradients(trace):
        t = tensors[tid]
        grad = t.grad if t.grad is not None else np.zeros(t.shape, np.asarray(t.value).dtype)
        out.append((f"grad of {t.name}" if label == "grad" else f"{label} ({t.name})", grad))
    return out


def _count_tensors(structure: Any) -> int:
    """How many Tensors a returned structure (a Tensor or nested tuples of them) holds."""
    if isinstance(structure, (tuple, list)):
        return sum(_count_tensors(s) for s in structure)
    return 1


def _as_arrays(value: Any) -> list[np.ndarray]:
    items = value if isinstance(value, (tuple, list)) else (value,)
    return [np.asarray(v.asnumpy() if isinstance(v, Tensor) else v) for v in items]


class SensitivityModel:
    """What sens does to ``ForwardValueAndGrad(network, ..., sens_param=True)(*inputs, sens)``.

    State: ``flags`` (get_all, get_by_list, sens_param: with sens_param False the current sens is not
    used and the results are those of sens = ones), ``sens`` (one array per output). After
    ``recompute`` (run on creation and by every setter): ``value``, ``result`` ((value, gradients) as
    the call returned them), ``grads`` ([(label, array)]), ``trace``, ``not_in_trace`` (how many
    returned gradients the Trace has no tensor for). With sens = ones, fixed per flags:
    ``value_ones``, ``result_ones``, ``grads_ones``, ``trace_ones``. ``basis()``: the gradients for
    each one-hot sens. ``who`` names the public function in error messages.
    """

    def __init__(self, network: Any, *inputs: Any, weights: Any = None, get_all: bool = False,
                 get_by_list: bool = False, sens_param: bool = True, sens: Any = None,
                 who: str = "SensitivityModel") -> None:
        self.who = who
        check_bool(who, get_all=get_all, get_by_list=get_by_list, sens_param=sens_param)
        if not callable(network) or isinstance(network, (Tensor, type)):
            raise TypeError(f"For '{who}', the argument 'network' should be a Cell or a function, "
                            f"but got {type(network).__name__}.")
        if not inputs:
            raise ValueError(f"For '{who}', the network's inputs should follow 'network' "
                             "(e.g. SensitivityExplorer(net, x, y)), but got none.")
        self.network, self.inputs, self.weights_arg = network, tuple(inputs), weights
        self.flags = {"get_all": get_all, "get_by_list": get_by_list, "sens_param": sens_param}
        self._setup_calls()  # runs the network once with sens = ones: output shapes, value, grads_ones
        self._sens = [np.ones(v.shape, v.dtype) for v in self.outputs]
        if sens is not None:
            self._sens = self.check_sens(sens)
        self.recompute()

    # -- the three calls -------------------------------------------------------------------------
    def _weights(self) -> Any:
        if not self.flags["get_by_list"]:
            return self.weights_arg
        if self.weights_arg is not None:
            return self.weights_arg
        if not hasattr(self.network, "trainable_params"):
            raise TypeError("get_by_list is True but the network is not a Cell and no 'weights' were given; "
                            "pass weights=ParameterTuple([...]).")
        return ParameterTuple(self.network.trainable_params())

    def _setup_calls(self) -> None:
        """Build the three ForwardValueAndGrads for the current flags (sens = ones, the current sens,
        the one-hot sens of the Jacobian's rows) and run the sens = ones one."""
        ga, gb = self.flags["get_all"], self.flags["get_by_list"]
        w = self._weights()
        self.fvg_ones = nn.ForwardValueAndGrad(self.network, weights=w, get_all=ga, get_by_list=gb)
        self.fvg_sens = nn.ForwardValueAndGrad(self.network, weights=w, get_all=ga, get_by_list=gb,
                                               sens_param=True)
        self.fvg_basis = nn.ForwardValueAndGrad(self.network, weights=w, get_all=ga, get_by_list=gb,
                                                sens_param=True)
        value, grads = self.fvg_ones(*self.inputs)
        self.trace_ones: Trace = self.fvg_ones.trace
        self.value_ones = value
        self.result_ones = (value, grads)
        self.outputs = _as_arrays(value)  # the forward value, one array per output
        self.tuple_out = isinstance(value, tuple)
        self.grads_ones = labelled_gradients(self.trace_ones)
        self._basis: list | None = None

    def _sens_arg(self, arrays: list) -> Any:
        ts = tuple(Tensor(s) for s in arrays)
        return ts if self.tuple_out else ts[0]

    def recompute(self) -> None:
        """Run the call with the current sens (with sens_param False: take the sens = ones results)."""
        if self.flags["sens_param"]:
            value, grads = self.fvg_sens(*self.inputs, self._sens_arg(self._sens))
            self.trace = self.fvg_sens.trace
        else:
            value, grads = self.result_ones
            self.trace = self.trace_ones
        self.value, self.result = value, (value, grads)
        self.grads = labelled_gradients(self.trace)
        # A weight the network never read has no tensor in the Trace (its returned gradient is zero):
        # counted here so that the view can say it is left out.
        self.not_in_trace = _count_tensors(grads) - len(self.grads)

    def basis(self) -> list[list[np.ndarray]]:
        """The gradients for sens = e_i (1 at output element i, 0 elsewhere; outputs one after the
        other, C order), one list per element: the rows of the Jacobian. Cached per flags."""
        if self._basis is None:
            basis = []
            for o, s in enumerate(self._sens):
                for k in range(s.size):
                    e = [np.zeros_like(x) for x in self._sens]
                    e[o].reshape(-1)[k] = 1
                    self.fvg_basis(*self.inputs, self._sens_arg(e))
                    basis.append([a for _, a in labelled_gradients(self.fvg_basis.trace)])
            self._basis = basis
        return self._basis

    def linearity_error(self) -> float | None:
        """max |gradient - sum_i s_i * basis[i]| over the current gradients (float64): ~0 because the
        gradient is J^T . sens. None where there are no elements or more than MAX_BASIS."""
        n = self.size
        if n == 0 or n > MAX_BASIS:
            return None
        basis = self.basis()
        flat = np.concatenate([s.reshape(-1) for s in self._sens]).astype(np.float64)
        err = 0.0
        for j, (_, g) in enumerate(self.grads):
            combo = sum(flat[i] * basis[i][j].astype(np.float64) for i in range(n))
            err = max(err, float(np.max(np.abs(combo - g))) if g.size else 0.0)
        return err

    # -- state -----------------------------------------------------------------------------------
    @property
    def sens(self) -> list[np.ndarray]:
        """The current sensitivity, one array per output (copies)."""
        return [s.copy() for s in self._sens]

    @property
    def size(self) -> int:
        """How many output elements (sensitivities) there are, all outputs together."""
        return sum(s.size for s in self._sens)

    def check_sens(self, sens: Any) -> list[np.ndarray]:
        """``sens`` (an array, or a tuple of arrays for a tuple output) as one array per output, in
        the output's dtype; a clear error where its count or a shape does not match the output."""
        who = self.who
        items = sens if isinstance(sens, (tuple, list)) and self.tuple_out else (sens,)
        if len(items) != len(self.outputs):
            raise ValueError(f"For '{who}', the argument 'sens' should be a tuple of {len(self.outputs)} "
                             f"arrays (one per output), but got {len(items)}.")
        out = []
        for i, (s, o) in enumerate(zip(items, self.outputs)):
            raw = s.asnumpy() if isinstance(s, Tensor) else s
            try:
                a = np.asarray(raw)
                numbers = a.dtype.kind in "biuf"
            except (TypeError, ValueError):  # ragged nested lists
                numbers = False
            if not numbers:
                raise TypeError(f"For '{who}', the argument 'sens' should be a Tensor or an array of numbers "
                                f"with the output's shape {list(o.shape)}, but got {type(s).__name__} "
                                f"({short(repr(s), 60)}).")
            if a.shape != o.shape:
                raise ValueError(f"For '{who}', the argument 'sens' of output {i} should have the output's shape "
                                 f"{list(o.shape)}, but got shape {list(a.shape)}.")
            out.append(a.astype(o.dtype))
        return out

    def set_flags(self, get_all: bool | None = None, get_by_list: bool | None = None,
                  sens_param: bool | None = None) -> None:
        """Change the flags and recompute; on an error the old flags and results stay."""
        new = dict(self.flags)
        for k, v in (("get_all", get_all), ("get_by_list", get_by_list), ("sens_param", sens_param)):
            if v is not None:
                check_bool("SensitivityExplorer.set_flags", **{k: v})
                new[k] = v
        old, self.flags = self.flags, new
        try:
            self._setup_calls()
            self.recompute()
        except Exception:
            self.flags = old
            self._setup_calls()
            self.recompute()
            raise

    def set_sens(self, sens: Any) -> None:
        """Set the whole sensitivity (checked against the output) and recompute."""
        self.set_arrays(self.check_sens(sens))

    def set_arrays(self, arrays: list) -> None:
        """Set the sensitivity from one array per output, of the outputs' shapes, and recompute."""
        self._sens = [np.array(a, dtype=o.dtype) for a, o in zip(arrays, self.outputs)]
        self.recompute()

    def set_element(self, output: int, k: int, value: float) -> None:
        """Set element ``k`` (C order) of output ``output``'s sensitivity and recompute."""
        self._sens[output].reshape(-1)[k] = value
        self.recompute()

    def preset(self, name: str, one_hot_index: int | None = 0, seed: int = 0) -> list[np.ndarray]:
        """A sensitivity, one array per output: "ones", "document" ([[0.1, 0.6, 0.2], [0.8, 1.3, 1.1]]),
        "one_hot" (1 at flat element ``one_hot_index``, outputs one after the other, 0 elsewhere) or
        "random" (uniform in [-1, 1], two decimals, from ``seed``). Sets nothing."""
        if name == "ones":
            return [np.ones_like(s) for s in self._sens]
        if name == "document":
            if not self.document_shape:
                raise ValueError(f"The document's grad_wrt_output has shape [2, 3], but this network's output "
                                 f"has shape {[list(s.shape) for s in self._sens]}.")
            return [DOCUMENT_SENS.astype(self._sens[0].dtype)]
        if name == "one_hot":
            new = [np.zeros_like(s) for s in self._sens]
            k = one_hot_index
            if k is None:
                raise ValueError("The output has no elements: the sensitivity has nothing to scale.")
            for s in new:
                if k < s.size:
                    s.reshape(-1)[k] = 1
                    break
                k -= s.size
            return new
        if name == "random":
            rng = np.random.default_rng(seed)
            return [np.round(rng.uniform(-1, 1, s.shape), 2).astype(s.dtype) for s in self._sens]
        raise ValueError(f"For 'apply_preset', 'name' should be one of 'ones', 'document', 'one_hot', "
                         f"'random', but got {name!r}.")

    @property
    def document_shape(self) -> bool:
        """True where the output is one [2, 3] array, the shape of the document's grad_wrt_output."""
        return len(self._sens) == 1 and self._sens[0].shape == (2, 3)

    def value_unchanged(self) -> bool:
        """True where the forward value with the current sens equals the one with sens = ones."""
        return all(np.array_equal(a, b) for a, b in zip(_as_arrays(self.value), self.outputs))
