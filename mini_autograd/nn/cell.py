"""Cell: MindSpore's building block. ``construct`` is the forward computation; ``__call__`` runs it.

Assigning a Parameter or a Cell to an attribute registers it, which is how ``trainable_params()``
finds every weight and how parameters get MindSpore's names: a Parameter without a name takes the
attribute's name, and a cell held as ``net`` prefixes ``net.`` to the names of everything in it.
"""
from __future__ import annotations

from typing import Any, Iterator

from .. import graph_mode as _graph_mode
from .. import tape as _tape
from ..tensors import Parameter, ParameterTuple


class Cell:
    """Base class of networks and layers. Subclasses call ``super().__init__()`` and define ``construct``."""

    def __init__(self, auto_prefix: bool = True, flags: Any = None) -> None:
        object.__setattr__(self, "_params", {})
        object.__setattr__(self, "_cells", {})
        object.__setattr__(self, "_auto_prefix", auto_prefix)
        object.__setattr__(self, "training", False)
        object.__setattr__(self, "requires_grad", False)

    # -- registration ---------------------------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        params = self.__dict__.get("_params")
        if params is None:
            raise AttributeError(f"{type(self).__name__}: super().__init__() must be called in __init__ "
                                 f"before assigning attribute {name!r}.")
        cells = self.__dict__["_cells"]
        if isinstance(value, (Parameter, Cell)) or name in params or name in cells or name == "training":
            _graph_mode.structure_changed()  # what construct records may change: traced graphs are stale
        if isinstance(value, Parameter):
            if value.name == Parameter._DEFAULT_NAME:
                value.name = name
            params[name] = value
            cells.pop(name, None)
        elif isinstance(value, ParameterTuple):
            # registered under each parameter's current name, as MindSpore does: this is how
            # `self.params = ParameterTuple(net.trainable_params())` makes `z` known as `net.z` here
            for p in value:
                params.setdefault(p.name, p)
        elif isinstance(value, Cell):
            if self._auto_prefix:
                value.update_parameters_name(name + ".")
            cells[name] = value
            params.pop(name, None)
        else:
            params.pop(name, None)
            cells.pop(name, None)
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        _graph_mode.structure_changed()
        self._params.pop(name, None)
        self._cells.pop(name, None)
        object.__delattr__(self, name)

    def update_parameters_name(self, prefix: str = "", recurse: bool = True) -> None:
        """Name every parameter ``prefix`` + its path in this cell, as MindSpore does when a cell is
        assigned to an attribute of a cell made with auto_prefix=True (the prefix is the attribute's
        name). A parameter takes the path under which it is met first (``parameters_and_names``),
        which is why the document's `z` is `grad.network.z` or `grad.net.z` (README)."""
        for path, p in list(self.parameters_and_names(expand=recurse)):
            p.name = prefix + path

    # -- walking the tree ---------------------------------------------------------------------------
    def cells_and_names(self, cell_name: str = "") -> Iterator[tuple[str, "Cell"]]:
        """This cell and every cell below it, with attribute paths ("", "net", "net.fc1", ...)."""
        seen: set[int] = set()
        stack = [(cell_name, self)]
        while stack:
            path, cell = stack.pop(0)
            if id(cell) in seen:
                continue
            seen.add(id(cell))
            yield path, cell
            children = [(f"{path}.{n}" if path else n, c) for n, c in cell._cells.items()]
            stack[0:0] = children

    def cells(self) -> list:
        return list(self._cells.values())

    def name_cells(self) -> dict:
        return dict(self._cells)

    def parameters_and_names(self, name_prefix: str = "", expand: bool = True) -> Iterator[tuple[str, Parameter]]:
        """Every parameter once, with its attribute path ("net.fc1.weight")."""
        seen: set[int] = set()
        cells = self.cells_and_names(name_prefix) if expand else [(name_prefix, self)]
        for path, cell in cells:
            for name, p in cell._params.items():
                if id(p) not in seen:
                    seen.add(id(p))
                    yield (f"{path}.{name}" if path else name), p

    def get_parameters(self, expand: bool = True) -> Iterator[Parameter]:
        for _, p in self.parameters_and_names(expand=expand):
            yield p

    def trainable_params(self, recurse: bool = True) -> list:
        """The parameters with requires_grad=True, in registration order."""
        return [p for p in self.get_parameters(expand=recurse) if p.requires_grad]

    def untrainable_params(self, recurse: bool = True) -> list:
        return [p for p in self.get_parameters(expand=recurse) if not p.requires_grad]

    def insert_param_to_cell(self, param_name: str, param: Parameter, check_name_contain_dot: bool = True) -> None:
        setattr(self, param_name, param)

    def set_grad(self, requires_grad: bool = True) -> "Cell":
        object.__setattr__(self, "requires_grad", requires_grad)
        return self

    def set_train(self, mode: bool = True) -> "Cell":
        for _, cell in self.cells_and_names():
            if cell.training != mode:
                _graph_mode.training_changed()  # part of GRAPH_MODE's key (graph_mode.GraphCache)
            object.__setattr__(cell, "training", mode)
        return self

    # -- running ---------------------------------------------------------------------------------
    def construct(self, *inputs: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define construct().")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        tape = _tape.state.active
        if tape is None:
            return self.construct(*args, **kwargs)
        previous = tape.enter(self)  # ops inside belong to this cell, for viz's boxes
        try:
            return self.construct(*args, **kwargs)
        finally:
            tape.leave(previous)

    # -- printing -------------------------------------------------------------------------------
    def extend_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        head = f"{type(self).__name__}<{self.extend_repr()}>"
        if not self._cells:
            return head
        lines = [f"{type(self).__name__}<"]
        for name, cell in self._cells.items():
            body = repr(cell).replace("\n", "\n  ")
            lines.append(f"  ({name}): {body}")
        lines.append("  >")
        return "\n".join(lines)
