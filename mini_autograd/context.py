"""MindSpore's ``context``: the execution mode, the device every new Tensor lives on, and what the
calling thread is recording (``recording_state``, set by the gradient transforms through tape.py).

``set_context(mode=GRAPH_MODE, device_target="GPU")`` is the document's first line. PYNATIVE_MODE
records operations as they run; GRAPH_MODE traces a network once per input signature and runs
the Python code compiled from that graph (graph_mode.py, compile.py). "CPU" computes with NumPy, "GPU" with the Numba-CUDA kernels.
"""
from __future__ import annotations

import threading
from types import ModuleType
from typing import Any

from .backends import get_backend

GRAPH_MODE = 0
PYNATIVE_MODE = 1

_DEVICES = ("CPU", "GPU")
_settings: dict[str, Any] = {"mode": PYNATIVE_MODE, "device_target": "CPU", "device_id": 0}
# Keys MindSpore accepts that change nothing here; kept so that code written for MindSpore runs.
_ACCEPTED_AND_STORED = {"device_id", "save_graphs", "save_graphs_path", "max_call_depth",
                        "pynative_synchronize", "enable_graph_kernel", "jit_config"}


def set_context(**kwargs: Any) -> None:
    """Set ``mode`` (GRAPH_MODE or PYNATIVE_MODE) and/or ``device_target`` ("CPU" or "GPU").

    Everything is checked before anything changes, so a bad call leaves the context as it was.
    """
    new = dict(_settings)
    for key, value in kwargs.items():
        if key == "mode":
            if isinstance(value, bool) or value not in (GRAPH_MODE, PYNATIVE_MODE):
                raise ValueError(f"For 'set_context', the argument 'mode' should be context.GRAPH_MODE (0) "
                                 f"or context.PYNATIVE_MODE (1), but got {value!r}.")
        elif key == "device_target":
            if not isinstance(value, str) or value not in _DEVICES + ("Ascend",):
                raise ValueError(f"For 'set_context', the argument 'device_target' should be one of "
                                 f"{list(_DEVICES)}, but got {value!r}.")
            if value == "Ascend":
                raise ValueError("For 'set_context', device_target 'Ascend' is not available in "
                                 "mini_autograd: use 'CPU' or 'GPU'.")
        elif key not in _ACCEPTED_AND_STORED:
            raise ValueError(f"For 'set_context', the keyword argument {key!r} is not recognized; "
                             f"expected one of {sorted({'mode', 'device_target'} | _ACCEPTED_AND_STORED)}.")
        new[key] = value
    if new["device_target"] == "GPU":
        get_backend("GPU")  # fails here, at the user's call, when the GPU path cannot start
    _settings.update(new)


def get_context(attr_key: str) -> Any:
    """The current value of a context setting ("mode", "device_target", ...)."""
    if attr_key not in _settings and attr_key not in _ACCEPTED_AND_STORED:
        raise ValueError(f"For 'get_context', the argument 'attr_key' {attr_key!r} is not recognized; "
                         f"expected one of {sorted(set(_settings) | _ACCEPTED_AND_STORED)}.")
    return _settings.get(attr_key)


def current_backend() -> ModuleType:
    """The backend new Tensors are created on: device_target's (backends/)."""
    return get_backend(_settings["device_target"])


class _Recording(threading.local):
    """What the calling thread is recording (tape.py reads and sets it; it lives here, below
    tensors.py, because a Tensor asks ``tracing`` before it lets its value be read). Each thread has
    its own: a network trained in a background thread and an eager op in the notebook's thread
    never meet on one tape."""

    # The tape being recorded, or None. A transform called inside another records on a NestedTape,
    # which forwards to the outer one (nested.py); this is always the innermost.
    active: Any = None
    # True while GRAPH_MODE traces a network: reading a tensor's value then is an error.
    tracing: bool = False


recording_state = _Recording()
