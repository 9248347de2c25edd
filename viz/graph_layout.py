"""Where each part of a drawn graph goes, decided before anything is drawn.

From a Trace and the cells to collapse: the box each primitive falls into, the tensors boxes hide,
the cluster each tensor and primitive is drawn in, constants drawn once per use, and the recorded
backward passes (higher order) with the forward values they read. viz.graph_nodes and viz.graph read it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mini_autograd.trace import Trace

from .text import short

# The cell name the Trace gives a scope holding a recorded backward pass (mini_autograd.tape.BackwardPass:
# a gradient transform called while another records, whose vjps the outer one differentiates).
BACKWARD_PASS = "BackwardPass"


def backward_title(path: str) -> str:
    """The title of a recorded backward pass's cluster: its trace path "backward of GradOperation"
    (" #2" for the second of a call) as "recorded backward pass of GradOperation"."""
    who = path[len("backward of "):] if path.startswith("backward of ") else path
    return f"recorded backward pass of {who}"


@dataclass(frozen=True)
class Layout:
    trace: Trace
    collapsed: frozenset  # cell paths drawn as one box each
    scopes: dict  # scope id -> ScopeInfo
    box_of: dict  # scope id -> the scope of its outermost collapsed ancestor (None: drawn open)
    node_box: dict  # node id -> box_of its scope
    consumers: dict  # tensor id -> ids of the nodes that read it, in tape order
    outputs: frozenset  # tensor ids of the network's outputs
    hidden: frozenset  # tensors made and read only inside one collapsed box: not drawn
    const_uses: dict  # constant tensor id -> {drawn consumer: DOT name of that use} (several uses only)
    backward: dict  # scope id -> the innermost recorded backward pass (a BackwardPass scope) holding it, or None

    def within(self, sid: int, ancestor: int) -> bool:
        """True where scope ``sid`` is ``ancestor`` or lies inside it."""
        while sid >= 0:
            if sid == ancestor:
                return True
            sid = self.scopes[sid].parent if sid in self.scopes else -1
        return False

    def read_by_backward(self, tid: int, node_id: int) -> bool:
        """True where node ``node_id`` belongs to a recorded backward pass and tensor ``tid`` was made
        outside it: a value of the forward pass that one of the pass's vjps reads."""
        b = self.backward.get(self.trace.nodes[node_id].scope)
        if b is None:
            return False
        t = self.trace.tensors[tid]
        if t.producer is not None:
            made_in = self.trace.nodes[t.producer].scope
        elif t.role == "input" or tid not in self.consumers:
            made_in = 0
        else:  # a parameter or constant belongs where it is first read (the pass's seed: inside it),
            # also when a collapsed box draws it elsewhere
            made_in = self.trace.nodes[self.consumers[tid][0]].scope
        return not self.within(made_in, b)

    def item(self, node_id: int) -> str:
        """The DOT name a node is drawn as: itself, or the box that collapses it."""
        b = self.node_box[node_id]
        return f"n{node_id}" if b is None else f"c{b}"

    def home_of_node(self, node_id: int) -> int:
        """The scope (cluster) in which the node, or the box that holds it, is drawn."""
        b = self.node_box[node_id]
        return self.trace.nodes[node_id].scope if b is None else self.scopes[b].parent

    def home_of_tensor(self, t: Any) -> int:
        if t.role == "input" or t.id in self.outputs:
            return 0
        if t.producer is not None:
            return self.home_of_node(t.producer)
        users = self.consumers.get(t.id)
        return self.home_of_node(users[0]) if users else 0

    def tensor_item(self, tid: int, target: str) -> str:
        """The DOT name of tensor ``tid`` as read by ``target`` (a constant has one node per use)."""
        return self.const_uses[tid][target] if tid in self.const_uses else f"t{tid}"


def layout(trace: Trace, collapsed: frozenset) -> Layout:
    """The plan for drawing ``trace`` with the cells in ``collapsed`` (checked paths) as boxes."""
    scopes = {s.id: s for s in trace.scopes}
    box_of: dict[int, int | None] = {}
    for s in trace.scopes:
        chain, cur = [], s.id
        while cur >= 0:
            chain.append(cur)
            cur = scopes[cur].parent if cur in scopes else -1
        box_of[s.id] = next((c for c in reversed(chain) if scopes[c].cell and scopes[c].path in collapsed), None)
    node_box = {n.id: box_of.get(n.scope) for n in trace.nodes}
    backward: dict[int, int | None] = {}
    for s in trace.scopes:  # parents come before their children in the trace's list
        backward[s.id] = s.id if s.cell == BACKWARD_PASS else backward.get(s.parent)

    consumers: dict[int, list[int]] = {}
    for n in trace.nodes:
        for i in n.inputs:
            consumers.setdefault(i, []).append(n.id)
    outputs = frozenset(trace.outputs)

    hidden = set()
    for t in trace.tensors:
        if t.producer is not None and node_box[t.producer] is not None and t.id not in outputs:
            b = node_box[t.producer]
            if all(node_box[c] == b for c in consumers.get(t.id, [])):
                hidden.add(t.id)

    plan = Layout(trace, collapsed, scopes, box_of, node_box, consumers, outputs, frozenset(hidden), {}, backward)
    # A constant used by several primitives (a Python number in a loop, say) is drawn once per
    # drawn consumer: one shared node with a hundred edges made dot's layout take minutes.
    for t in trace.tensors:
        if t.role == "constant" and t.id not in outputs:
            targets = list(dict.fromkeys(plan.item(c) for c in consumers.get(t.id, [])))
            if len(targets) > 1:
                plan.const_uses[t.id] = {tg: f"t{t.id}u{k}" for k, tg in enumerate(targets)}
    return plan


def cell_paths(trace: Trace) -> list[str]:
    """Paths of the cells that can be collapsed (every recorded cell but the network itself), in
    order of first appearance."""
    seen: dict[str, None] = {}
    for s in trace.scopes:
        if s.cell and s.parent > 0:
            seen.setdefault(s.path, None)
    return list(seen)


def see_less(plan: Layout) -> str:
    """How to draw less of the trace: the biggest cells still open, to collapse or draw alone."""
    trace, scopes = plan.trace, plan.scopes
    open_cells = set(cell_paths(trace)) - plan.collapsed
    sizes: dict[str, int] = {}
    for n in trace.nodes:
        if plan.node_box[n.id] is not None:
            continue
        sid, outer = n.scope, None  # the outermost open cell around the node
        while sid in scopes:
            if scopes[sid].path in open_cells and scopes[sid].cell and scopes[sid].parent > 0:
                outer = scopes[sid].path
            sid = scopes[sid].parent
        if outer is not None:
            sizes[outer] = sizes.get(outer, 0) + 1
    biggest = sorted(sizes.items(), key=lambda kv: (-kv[1], kv[0]))[:4]
    if not biggest:
        return ("To see less: this network has no open sub-cells to collapse, so draw a smaller call (fewer "
                "steps or layers), or put part of it in a sub-cell and draw that cell's own "
                "ForwardValueAndGrad.")
    names = ", ".join(f"{p!r} ({k} primitives)" for p, k in biggest)
    example = "{" + ", ".join(repr(p) for p, _ in biggest) + "}"
    return (f"To see less: collapse the biggest cells, draw_graph(fvg, collapse={short(example, 120)}) (or press "
            f"their collapse buttons); open cells: {short(names, 240)}. Or draw a sub-cell on its own: "
            f"nn.ForwardValueAndGrad(net.<cell>) called with that cell's inputs.")


# Past this many primitives a network drawn open is taller than a laptop's screen (05's MLP, 11, is
# 3277 px): the widgets start it collapsed to its smallest cells (the flow opens the running one).
START_COLLAPSED_ABOVE = 8


def smallest_groups(trace: Trace) -> frozenset:
    """The cells a large network starts collapsed to: the smallest cells holding two primitives or
    more (an MLP's Dense layers and its loss cell, not the MLP around them)."""
    scopes = {s.id: s for s in trace.scopes}
    collapsible = set(cell_paths(trace))

    def cells_around(sid: int) -> list:  # innermost first
        out = []
        while sid in scopes:
            if scopes[sid].path in collapsible:
                out.append(scopes[sid].path)
            sid = scopes[sid].parent
        return out

    count: dict[str, int] = {}
    for n in trace.nodes:
        for path in dict.fromkeys(cells_around(n.scope)):
            count[path] = count.get(path, 0) + 1
    groups = {p for p, k in count.items() if k >= 2}
    outer = set()  # cells around a group: not the smallest
    for s in trace.scopes:
        around = cells_around(s.id)
        if around and around[0] in groups:
            outer.update(around[1:])
    return frozenset(groups - outer)


def group_of(trace: Trace, groups: frozenset, node: int) -> str | None:
    """The cell of ``groups`` that holds primitive ``node`` (None: it lies in none)."""
    scopes = {s.id: s for s in trace.scopes}
    sid = trace.nodes[node].scope
    while sid in scopes:
        if scopes[sid].path in groups:
            return scopes[sid].path
        sid = scopes[sid].parent
    return None
