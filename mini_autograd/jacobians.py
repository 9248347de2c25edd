"""Forward mode and the Jacobians: jvp's machinery, jacrev and jacfwd (functional.py re-exports them).

Forward mode is derived from reverse mode, as MindSpore 2.10 derives it: the vjp u -> J^T u is linear
in u, so differentiating <J^T u, v> with respect to u gives J v. That keeps one text per gradient rule
(the vjp) at the cost of a second backward pass per jvp. The Jacobians are built from one vjp per
output element (jacrev) or one jvp per input element (jacfwd), their rows stacked: shape
``out.shape + in.shape``.
"""
from __future__ import annotations

from typing import Any

from .ops.array_ops import RESHAPE, STACK, TRANSPOSE
from .runner import GradRunner
from .spec import ALL_INPUTS, arg_names, check_arity
from .tensors import Tensor
from .transforms import aux_of, check_bool, check_fn, check_positions, check_tensors, first_output


def _pullback(fn: Any, n_inputs: int) -> Any:
    """u, x -> J(x)^T u for every input x, recorded when an outer transform records: the function
    forward mode differentiates with respect to u."""
    inner = GradRunner(fn, "jvp", 0 if n_inputs == 1 else ALL_INPUTS, None, True)

    def pullback(*args: Any) -> Any:
        us, xs = args[:-n_inputs], args[-n_inputs:]
        return inner(*xs, us[0] if len(us) == 1 else us)[1]
    return pullback


def jvp_runner(fn: Any, n_inputs: int, n_outputs: int) -> Any:
    """(xs, vs, outputs) -> J(xs) vs, shaped like ``outputs`` (fn's outputs at xs): the gradient of
    <J^T u, v> with respect to u, at u = ones (any u gives the same: the pullback is linear in u).
    One runner serves every call, so jacfwd's columns share one trace in GRAPH_MODE."""
    outer = GradRunner(_pullback(fn, n_inputs), "jvp", 0 if n_outputs == 1 else tuple(range(n_outputs)), None, True)

    def jvp_of(xs: tuple, vs: tuple, outputs: Any) -> Any:
        outs = outputs if isinstance(outputs, tuple) else (outputs,)
        us = tuple(Tensor._make(o._backend.full(o._data.shape, 1, o._data.dtype), o._backend) for o in outs)
        return outer(*us, *xs, vs[0] if len(vs) == 1 else vs)[1]
    return jvp_of


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
    positions = check_positions(who, grad_position)
    check_arity(who, arg_names(fn), len(args))
    for p in positions:
        if p >= len(args):
            raise ValueError(f"For '{who}', 'grad_position' should be in [0, {len(args)}) for {len(args)} "
                             f"input(s), but got {grad_position!r}.")
        if not isinstance(args[p], Tensor):
            raise TypeError(f"For '{who}', 'inputs' at grad_position {p} should be a Tensor to differentiate, "
                            f"but got {type(args[p]).__name__}.")
        if args[p]._data.dtype.kind != "f":  # MindSpore 2.10 refuses it (TypeError, both modes)
            raise TypeError(f"For '{who}', 'inputs' at grad_position {p} should be a floating-point Tensor to "
                            f"differentiate, but got {args[p].dtype}.")
    outputs = fn(*args)
    if has_aux and not (isinstance(outputs, tuple) and len(outputs) >= 2):
        raise ValueError(f"For '{who}', 'has_aux' is True, so 'fn' should return more than one output.")
    return positions, outputs, check_tensors(who, outputs[0] if has_aux else outputs, "the output of 'fn'")


def _check(who: str, fn: Any, grad_position: Any, has_aux: bool) -> Any:
    """A Jacobian's arguments, checked when it is made; fn with only its first output under has_aux."""
    check_fn(who, fn, ValueError)  # MindSpore 2.10: ValueError "The object is not callable."
    check_bool(who, has_aux=has_aux)
    check_positions(who, grad_position)
    return first_output(who, fn) if has_aux else fn


def jacrev(fn: Any, grad_position: Any = 0, has_aux: bool = False) -> Any:
    """The Jacobian function by reverse mode: one vjp per output element, each giving one row."""
    f = _check("jacrev", fn, grad_position, has_aux)

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
        return (result, aux_of(outputs)) if has_aux else result

    return jac_fn


def jacfwd(fn: Any, grad_position: Any = 0, has_aux: bool = False) -> Any:
    """The Jacobian function by forward mode: one jvp per input element, each giving one column."""
    f = _check("jacfwd", fn, grad_position, has_aux)

    def jac_fn(*args: Any) -> Any:
        positions, outputs, outs = _jacobian_call("jacfwd", fn, grad_position, has_aux, args)
        xs = tuple(args)
        check_tensors("jacfwd", xs, "'inputs'")
        columns: list = [[[] for _ in positions] for _ in outs]
        jvp_of = jvp_runner(f, len(xs), len(outs) if isinstance(outputs[0] if has_aux else outputs, tuple) else 1)
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
        return (result, aux_of(outputs)) if has_aux else result

    return jac_fn


def _empty(out: Tensor, x: Tensor) -> Tensor:
    """The Jacobian of an empty output or with respect to an empty input: zeros of its shape."""
    return Tensor._make(out._backend.zeros(out.shape + x.shape, out._data.dtype), out._backend)
