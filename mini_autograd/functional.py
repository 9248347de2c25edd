"""MindSpore's functional differentiation: grad, value_and_grad, get_grad, vjp, jvp, jacrev, jacfwd.

Each is a thin layer over the GradRunner (runner.py); called while another transform records, the
runner records its own backward pass (nested.py), so all of them nest. Forward mode is derived from
reverse mode, as MindSpore 2.10 derives it: the vjp u -> J^T u is linear in u, so differentiating
<J^T u, v> with respect to u gives J v. That keeps one text per gradient rule (the vjp) at the cost
of a second backward pass per jvp. The Jacobians are built from one vjp per output element (jacrev)
or one jvp per input element (jacfwd), their rows stacked: shape ``out.shape + in.shape``.
"""
from __future__ import annotations

from typing import Any

from .ops.array_ops import RESHAPE, STACK, TRANSPOSE
from .runner import ALL_INPUTS, GradRunner
from .tensors import Parameter, Tensor
from .transforms import check_bool, check_weights


# -- grad and value_and_grad -----------------------------------------------------------------------------

def value_and_grad(fn: Any, grad_position: Any = 0, weights: Any = None, has_aux: bool = False,
                   return_ids: bool = False, sens_param: bool = False) -> Any:
    """``value_and_grad(fn, grad_position, weights)(*inputs)`` returns ``(value, grads)``: grads of the
    inputs at grad_position (an int or a tuple; None for none) and, with weights, ``(input_grads,
    weight_grads)``; one gradient alone is returned bare. ``has_aux``: only the first output is
    differentiated. ``return_ids``: each gradient comes as ``(position or parameter name, gradient)``.
    ``sens_param``: the sensitivity is passed last (or as ``sens=``)."""
    runner = _runner("value_and_grad", fn, grad_position, weights, has_aux, return_ids, sens_param)

    def vg_fn(*args: Any, **kwargs: Any) -> Any:
        value, grads = runner(*_with_sens(runner, args, kwargs))
        _check_aux(runner, value)
        return value, _ids(runner, args, grads) if return_ids else grads

    vg_fn.runner = runner  # type: ignore[attr-defined]
    return vg_fn


def grad(fn: Any, grad_position: Any = 0, weights: Any = None, has_aux: bool = False,
         return_ids: bool = False, sens_param: bool = False) -> Any:
    """``grad(fn, grad_position, weights)(*inputs)``: value_and_grad's gradients without the value;
    with ``has_aux``, ``(gradients, aux)``, aux being the tuple of the outputs after the first."""
    runner = _runner("grad", fn, grad_position, weights, has_aux, return_ids, sens_param)

    def grad_fn(*args: Any, **kwargs: Any) -> Any:
        value, grads = runner(*_with_sens(runner, args, kwargs))
        _check_aux(runner, value)
        grads = _ids(runner, args, grads) if return_ids else grads
        return (grads, tuple(value[1:])) if has_aux else grads  # the other outputs, always a tuple (2.10)

    grad_fn.runner = runner  # type: ignore[attr-defined]
    return grad_fn


def _runner(who: str, fn: Any, grad_position: Any, weights: Any, has_aux: bool, return_ids: bool,
            sens_param: bool) -> GradRunner:
    check_bool(who, has_aux=has_aux, return_ids=return_ids, sens_param=sens_param)
    if grad_position is None and weights is None:
        raise ValueError(f"For '{who}', 'grad_position' and 'weights' cannot both be None: "
                         f"there would be nothing to differentiate.")
    if grad_position is not None:
        _positions(who, grad_position)
    w = None if weights is None else check_weights(who, weights, single=True)
    return GradRunner(fn, who, grad_position, w, sens_param, has_aux=has_aux,
                      flags={"grad_position": grad_position, "has_aux": has_aux, "return_ids": return_ids,
                             "sens_param": sens_param},
                      bare_weight=isinstance(weights, Parameter), collapse_one=True)


def _positions(who: str, grad_position: Any) -> tuple:
    """grad_position checked as MindSpore checks it: an int >= 0 or a non-empty tuple of distinct ones."""
    ps = (grad_position,) if isinstance(grad_position, int) else grad_position
    if isinstance(grad_position, bool) or not isinstance(ps, tuple) or not all(
            isinstance(p, int) and not isinstance(p, bool) for p in ps):
        raise TypeError(f"For '{who}', 'grad_position' should be a non-negative int or a tuple of them, "
                        f"but got {grad_position!r}.")
    if ps == ():
        raise ValueError(f"For '{who}', 'grad_position' should be an int or a non-empty tuple of ints, but got (); "
                         f"use grad_position=None to differentiate the weights only.")
    if any(p < 0 for p in ps):  # MindSpore: ValueError "grad_position must be >= 0."
        raise ValueError(f"For '{who}', 'grad_position' must be >= 0, but got {grad_position!r}.")
    if len(set(ps)) != len(ps):
        raise ValueError(f"For '{who}', 'grad_position' should not repeat a position, but got {grad_position!r}.")
    return ps


def _with_sens(runner: GradRunner, args: tuple, kwargs: dict) -> tuple:
    """The call's positional arguments, the sensitivity appended when it came as ``sens=``."""
    if kwargs:
        if set(kwargs) != {"sens"} or not runner.sens_param:
            raise TypeError(f"For '{runner.who}', the only keyword argument is 'sens' (with sens_param=True), "
                            f"but got {sorted(kwargs)}.")
        args = args + (kwargs["sens"],)
    return args


def _check_aux(runner: GradRunner, value: Any) -> None:
    if runner.has_aux and not (isinstance(value, tuple) and len(value) >= 2):
        raise ValueError(f"For '{runner.who}', has_aux is True, so 'fn' should return more than one output, "
                         f"but it returned {'one Tensor' if isinstance(value, Tensor) else type(value).__name__}.")


def _aux(outputs: tuple) -> Any:
    """What vjp, jvp and the Jacobians return beside their results with has_aux: the second output, or
    the tuple of all but the first (grad returns the tuple even for one)."""
    return outputs[1] if len(outputs) == 2 else tuple(outputs[1:])


def _ids(runner: GradRunner, args: tuple, grads: Any) -> Any:
    """``return_ids``: every gradient as (its input's position, gradient) or (its parameter's name, gradient)."""
    positions = runner._positions(args)
    ids: list = list((positions,) if isinstance(positions, int) else positions or ())
    ids += [w.name for w in runner.weights or ()]
    tagged = iter(ids)

    def tag(g: Any) -> Any:
        if isinstance(g, tuple):
            return tuple(tag(x) for x in g)
        return (next(tagged), g)
    return tag(grads)


def get_grad(gradients: Any, identifier: Any) -> Tensor:
    """The gradient of input position ``identifier`` (an int) or of Parameter ``identifier`` in what
    grad or value_and_grad returned with ``return_ids=True``."""
    if isinstance(identifier, bool) or not isinstance(identifier, (int, Parameter)):
        raise TypeError(f"For 'get_grad', 'identifier' should be an int or a Parameter, "
                        f"but got {type(identifier).__name__}.")
    key = identifier.name if isinstance(identifier, Parameter) else identifier
    stack = [gradients]
    while stack:
        item = stack.pop()
        if isinstance(item, tuple):
            if len(item) == 2 and isinstance(item[1], Tensor) and not isinstance(item[0], (tuple, Tensor)):
                if item[0] == key and type(item[0]) is type(key):
                    return item[1]
            else:
                stack.extend(reversed(item))
    raise RuntimeError(f"For 'get_grad', no gradient of {key!r} is in 'gradients'; was it computed with "
                       f"return_ids=True and this position or parameter?")


# -- vjp and jvp ----------------------------------------------------------------------------------

def _check_tensors(who: str, values: Any, what: str) -> tuple:
    values = tuple(values) if isinstance(values, (tuple, list)) else (values,)
    for i, v in enumerate(values):
        if not isinstance(v, Tensor):
            raise TypeError(f"For '{who}', '{what}' should be a Tensor, or a tuple or list of Tensors, but "
                            f"element {i} is {type(v).__name__}.")
    return values


def _first_output(who: str, fn: Any) -> Any:
    """has_aux: ``fn`` with only its first output (the one differentiated)."""
    def first(*args: Any) -> Any:
        out = fn(*args)
        if not isinstance(out, tuple) or len(out) < 2:
            raise ValueError(f"For '{who}', has_aux is True, so 'fn' should return more than one output.")
        return out[0]
    return first


def vjp(fn: Any, *inputs: Any, weights: Any = None, has_aux: bool = False) -> tuple:
    """``outputs, vjp_fn = vjp(fn, *inputs)``; ``vjp_fn(v)`` is v^T J for every input, a tuple (with
    weights: ``(input_grads, weight_grads)``); v has the outputs' structure. With has_aux:
    ``(first output, vjp_fn, aux)``."""
    _check_tensors("vjp", inputs, "inputs")
    check_bool("vjp", has_aux=has_aux)
    w = None if weights is None else check_weights("vjp", weights, single=True)
    runner = GradRunner(_first_output("vjp", fn) if has_aux else fn, "vjp", ALL_INPUTS, w, True,
                        bare_weight=isinstance(weights, Parameter))
    outputs = fn(*inputs)
    if has_aux and not (isinstance(outputs, tuple) and len(outputs) >= 2):
        raise ValueError("For 'vjp', has_aux is True, so 'fn' should return more than one output.")

    def vjp_fn(*v: Any) -> Any:
        _check_tensors("vjp_fn", v, "v")
        return runner(*inputs, v[0] if len(v) == 1 else v)[1]

    if has_aux:
        return outputs[0], vjp_fn, _aux(outputs)
    return outputs, vjp_fn


def _pullback(fn: Any, n_inputs: int) -> Any:
    """u, x -> J(x)^T u for every input x, recorded when an outer transform records: the function
    forward mode differentiates with respect to u."""
    inner = GradRunner(fn, "jvp", 0 if n_inputs == 1 else ALL_INPUTS, None, True)

    def pullback(*args: Any) -> Any:
        us, xs = args[:-n_inputs], args[-n_inputs:]
        return inner(*xs, us[0] if len(us) == 1 else us)[1]
    return pullback


def _jvp_runner(fn: Any, n_inputs: int, n_outputs: int) -> Any:
    """(xs, vs, outputs) -> J(xs) vs, shaped like ``outputs`` (fn's outputs at xs): the gradient of
    <J^T u, v> with respect to u, at u = ones (any u gives the same: the pullback is linear in u).
    One runner serves every call, so jacfwd's columns share one trace in GRAPH_MODE."""
    outer = GradRunner(_pullback(fn, n_inputs), "jvp", 0 if n_outputs == 1 else tuple(range(n_outputs)), None, True)

    def jvp_of(xs: tuple, vs: tuple, outputs: Any) -> Any:
        outs = outputs if isinstance(outputs, tuple) else (outputs,)
        us = tuple(Tensor._make(o._backend.full(o._data.shape, 1, o._data.dtype), o._backend) for o in outs)
        return outer(*us, *xs, vs[0] if len(vs) == 1 else vs)[1]
    return jvp_of


def jvp(fn: Any, inputs: Any, v: Any, has_aux: bool = False) -> tuple:
    """``(outputs, J v)`` at ``inputs`` (a Tensor or a tuple of them) for tangents ``v`` of the same
    structure; with has_aux ``(first output, J v, aux)``."""
    check_bool("jvp", has_aux=has_aux)
    xs, vs = _check_tensors("jvp", inputs, "inputs"), _check_tensors("jvp", v, "v")
    if len(xs) != len(vs):
        raise ValueError(f"For 'jvp', 'v' should have one tangent per input, {len(xs)}, but got {len(vs)}.")
    for i, (x, t) in enumerate(zip(xs, vs)):
        if x.shape != t.shape or x.dtype != t.dtype:
            raise ValueError(f"For 'jvp', tangent {i} should have its input's shape and dtype {list(x.shape)} "
                             f"{x.dtype}, but got {list(t.shape)} {t.dtype}.")
    f = _first_output("jvp", fn) if has_aux else fn
    outputs = fn(*xs)
    if has_aux and not (isinstance(outputs, tuple) and len(outputs) >= 2):
        raise ValueError("For 'jvp', has_aux is True, so 'fn' should return more than one output.")
    first = outputs[0] if has_aux else outputs
    tangents = _jvp_runner(f, len(xs), len(first) if isinstance(first, tuple) else 1)(xs, vs, first)
    return (outputs[0], tangents, _aux(outputs)) if has_aux else (outputs, tangents)


# -- Jacobians ------------------------------------------------------------------------------------

def _one_hot(like: Tensor, index: int) -> Tensor:
    """A tensor of like's shape and dtype, 1 at flat position ``index`` and 0 elsewhere."""
    host = like._backend.to_numpy(like._backend.zeros(like._data.shape, like._data.dtype))
    host.reshape(-1)[index] = 1
    return Tensor._make(like._backend.asarray(host), like._backend)


def _zeros(like: Tensor) -> Tensor:
    return Tensor._make(like._backend.zeros(like._data.shape, like._data.dtype), like._backend)


def _arrange(jac: list, n_inputs: int) -> Any:
    """MindSpore's structure of a Jacobian, ``jac[k][i]`` of output k and input i: one is bare, one
    output or one input gives a flat tuple, otherwise a tuple over outputs of tuples over inputs."""
    if len(jac) == 1 and n_inputs == 1:
        return jac[0][0]
    if len(jac) == 1:
        return tuple(jac[0])
    if n_inputs == 1:
        return tuple(row[0] for row in jac)
    return tuple(tuple(row) for row in jac)


def _jacobian_call(who: str, fn: Any, grad_position: Any, has_aux: bool, args: tuple) -> tuple:
    """A Jacobian function's call checked and run once: the positions, fn's outputs, and the outputs
    differentiated (the first only with has_aux) as a tuple of Tensors."""
    positions = _positions(who, grad_position)
    for p in positions:
        if p >= len(args):
            raise ValueError(f"For '{who}', every grad_position should be in [0, {len(args)}) for {len(args)} "
                             f"input(s), but got {grad_position!r}.")
        if not isinstance(args[p], Tensor):
            raise TypeError(f"For '{who}', input {p} should be a Tensor to differentiate, "
                            f"but got {type(args[p]).__name__}.")
    outputs = fn(*args)
    if has_aux and not (isinstance(outputs, tuple) and len(outputs) >= 2):
        raise ValueError(f"For '{who}', has_aux is True, so 'fn' should return more than one output.")
    return positions, outputs, _check_tensors(who, outputs[0] if has_aux else outputs, "the output of fn")


def jacrev(fn: Any, grad_position: Any = 0, has_aux: bool = False) -> Any:
    """The Jacobian function by reverse mode: one vjp per output element, each giving one row."""
    check_bool("jacrev", has_aux=has_aux)
    _positions("jacrev", grad_position)
    f = _first_output("jacrev", fn) if has_aux else fn

    def jac_fn(*args: Any) -> Any:
        positions, outputs, outs = _jacobian_call("jacrev", fn, grad_position, has_aux, args)
        runner = GradRunner(f, "jacrev", positions, None, True)
        jac = []
        for k, o in enumerate(outs):
            rows: list = [[] for _ in positions]
            for e in range(o.size):
                sens = tuple(_one_hot(o, e) if j == k else _zeros(x) for j, x in enumerate(outs))
                grads = runner(*args, sens[0] if len(outs) == 1 else sens)[1]
                for i, g in enumerate(grads):
                    rows[i].append(g)
            jac.append([RESHAPE(STACK(r), o.shape + args[p].shape) if r else _empty(o, args[p])
                        for r, p in zip(rows, positions)])
        result = _arrange(jac, len(positions))
        return (result, _aux(outputs)) if has_aux else result

    return jac_fn


def jacfwd(fn: Any, grad_position: Any = 0, has_aux: bool = False) -> Any:
    """The Jacobian function by forward mode: one jvp per input element, each giving one column."""
    check_bool("jacfwd", has_aux=has_aux)
    _positions("jacfwd", grad_position)
    f = _first_output("jacfwd", fn) if has_aux else fn

    def jac_fn(*args: Any) -> Any:
        positions, outputs, outs = _jacobian_call("jacfwd", fn, grad_position, has_aux, args)
        xs = tuple(args)
        _check_tensors("jacfwd", xs, "inputs")
        columns: list = [[[] for _ in positions] for _ in outs]
        jvp_of = _jvp_runner(f, len(xs), len(outs) if isinstance(outputs[0] if has_aux else outputs, tuple) else 1)
        for i, p in enumerate(positions):
            for e in range(args[p].size):
                vs = tuple(_one_hot(x, e) if j == p else _zeros(x) for j, x in enumerate(xs))
                tangent = jvp_of(xs, vs, outputs[0] if has_aux else outputs)
                for k, t in enumerate(tangent if isinstance(tangent, tuple) else (tangent,)):
                    columns[k][i].append(t)
        jac = []
        for k, o in enumerate(outs):
            row = []
            for i, p in enumerate(positions):
                cols, n_in = columns[k][i], args[p].size
                if not cols or not o.size:
                    row.append(_empty(o, args[p]))
                    continue
                by_column = RESHAPE(STACK(cols), (n_in, o.size))  # column e: d out / d x_e
                row.append(RESHAPE(TRANSPOSE(by_column, (1, 0)), o.shape + args[p].shape))
            jac.append(row)
        result = _arrange(jac, len(positions))
        return (result, _aux(outputs)) if has_aux else result

    return jac_fn


def _empty(out: Tensor, x: Tensor) -> Tensor:
    """The Jacobian of an empty output or with respect to an empty input: zeros of its shape."""
    return Tensor._make(out._backend.zeros(out.shape + x.shape, out._data.dtype), out._backend)
