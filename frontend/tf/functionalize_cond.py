"""TensorFlow v1 conditionals (``Switch``/``Merge``) -> ``If`` nodes; part of ``functionalize.py``.

``tf.compat.v1.cond(pred, true_fn, false_fn)`` emits, for each value a branch uses from outside,
``Switch(value, pred)`` (output 0 feeds the false branch, output 1 the true one), and for each
result ``Merge(false_value, true_value)``. As TensorFlow's functionalize_cond.cc does, every node
gets a *branch state*: for each predicate it depends on, which side of it the node is on. A
``Switch`` output adds (predicate, side); ``Merge`` removes the one predicate its two inputs
disagree on. Merges with the same predicate and the same outer state form one conditional: the
nodes on its two sides become the ``then``/``else`` functions, the values they read from outside
(through the Switches or directly) their arguments, and the Merges ``Identity`` nodes of the new
``If``'s outputs. Predicates are compared after looking through ``Identity`` nodes, since TF1
switches its values on ``pred_id = Identity(pred)``. Innermost conditionals go first.
"""

from __future__ import annotations

from tensorboard.compat.proto import node_def_pb2, types_pb2

from .functionalize_graph import (
    INSIDE,
    MERGE,
    SWITCH,
    V1_CONTROL_FLOW,
    FlowGraph,
    Library,
    extract,
    format_ref,
    func_attr,
    identity,
    int32_constant,
    is_free_constant,
    is_pure,
    output_dtype,
    placeholder,
    type_attr,
    type_list,
)

ELSE, THEN = 0, 1  # a Switch's output index is the side of its predicate it feeds
_SIDES = {ELSE: "else", THEN: "then"}


def functionalize_conds(graph: FlowGraph, library: Library) -> None:
    """Replace every Switch/Merge conditional in ``graph`` (which has no loops left) by an If node."""
    if not any(node.op in SWITCH or node.op in MERGE for node in graph.nodes.values()):
        return
    while True:
        states = _States(graph)
        groups = states.groups()
        states.check_all_merge(groups)
        if not groups:
            break
        deepest = max(len(outer) for _, outer in groups)
        candidates = states.members({key for key in groups if len(key[1]) == deepest}, deepest)
        claimed: set[str] = set()
        for key, merges in groups.items():
            group = candidates.get(key, {})
            if len(key[1]) == deepest and claimed.isdisjoint(group):  # one that overlaps waits a round
                claimed.update(group)
                _convert_group(graph, library, states, key, merges, group)
    consumers = graph.consumers()
    unused = {name for name, node in graph.nodes.items() if node.op in SWITCH and not consumers[name]}
    if unused:
        graph.rebuild(unused, {}, [], "")


def _convert_group(graph: FlowGraph, library: Library, states, key, merges: list[str], candidates: dict) -> None:
    """Convert the conditionals of one (predicate, outer state) group, a layer at a time.

    Conditionals on one predicate in sequence (Keras' learning-phase ``tf.cond`` in each layer)
    share predicate and outer state; one If for all of them would feed itself, so each If takes
    the Merges that no other Merge of the group feeds, as TensorFlow separates them by ancestors.
    The branch states stay valid: a rewrite only replaces nodes of the conditional it converts."""
    remaining = merges
    while remaining:
        first, later = _first_layer(remaining, graph.consumers())
        _Cond(graph, library, states, key, _members(graph, candidates, first, later), first).rewrite()
        remaining = [m for m in remaining if m not in first]


def _first_layer(merges: list[str], consumers) -> tuple[list[str], set[str]]:
    """The Merges that no other of ``merges`` feeds, and every node downstream of one."""
    downstream: set[str] = set()
    stack = [c for m in merges for c, _ in consumers[m]]
    while stack:
        name = stack.pop()
        if name not in downstream:
            downstream.add(name)
            stack.extend(c for c, _ in consumers[name])
    return [m for m in merges if m not in downstream], downstream


def _members(graph: FlowGraph, candidates: dict, merges: list[str], later: set[str]) -> dict:
    """The nodes on either side of the conditional that ``merges`` end: what their inputs need on
    the branches, and the branch nodes that no later conditional on the predicate depends on."""
    stack = [src for m in merges for src, _ in graph.refs(m)]
    stack += [n for n in candidates if n not in later]
    members: dict = {}
    while stack:
        name = stack.pop()
        if name in candidates and name not in members and name in graph.nodes:  # not converted yet
            members[name] = candidates[name]
            stack.extend(src for src, _ in graph.refs(name))
    return members


def _predicate(graph: FlowGraph, switch: str) -> tuple[str, int]:
    """A Switch's predicate tensor, looking through Identity nodes."""
    refs = graph.data_refs(switch)
    if len(refs) != 2:
        graph.fail(f"a Switch takes a value and a predicate, got {len(refs)} inputs", switch)
    src, index = refs[1]
    seen = set()
    while graph.nodes[src].op == "Identity" and index == 0 and src not in seen:
        seen.add(src)
        inputs = graph.data_refs(src)
        if not inputs:
            break
        src, index = inputs[0]
    return src, index


class _States:
    """Every node's branch state, {predicate: side}, computed in topological order."""

    def __init__(self, graph: FlowGraph):
        self.graph = graph
        self.pred_of = {name: _predicate(graph, name) for name, node in graph.nodes.items() if node.op in SWITCH}
        self.state: dict[str, dict] = {}
        self.merge_pred: dict[str, tuple[str, int]] = {}
        for name in graph.topological():
            if graph.nodes[name].op in MERGE:
                self.state[name] = self._merge(name)
            else:
                self.state[name] = self._join(name, [self.along(src, index) for src, index in graph.refs(name)])

    def along(self, src: str, index: int) -> dict:
        """The state of the value on an edge out of ``src`` (output ``index``, -1 for control)."""
        state = self.state[src]
        pred = self.pred_of.get(src)
        if pred is None or index < 0:
            return state
        if index > 1:
            self.graph.fail(f"a Switch has outputs 0 and 1, but output {index} is used", src)
        return {**state, pred: index}

    def _join(self, name: str, states: list[dict]) -> dict:
        joined: dict = {}
        for state in states:
            for pred, side in state.items():
                if joined.setdefault(pred, side) != side:
                    self.graph.fail(f"uses values from both branches of the conditional on '{format_ref(*pred)}' without a Merge", name)
        return joined

    def _merge(self, name: str) -> dict:
        """The common state of the two inputs, which must differ on exactly one predicate."""
        refs = self.graph.data_refs(name)
        if len(refs) != 2:
            self.graph.fail(f"a conditional's Merge takes two inputs (false and true branch), got {len(refs)}", name)
        a, b = (self.along(src, index) for src, index in refs)
        differ = {pred for pred in a.keys() | b.keys() if a.get(pred) != b.get(pred)}
        if len(differ) != 1 or None in (a.get(next(iter(differ))), b.get(next(iter(differ)))):
            self.graph.fail(
                "its inputs do not come from the two branches of one Switch "
                f"(branch states {self._show(a)} and {self._show(b)})", name
            )
        pred = differ.pop()
        self.merge_pred[name] = pred
        return {p: side for p, side in a.items() if p != pred}

    @staticmethod
    def _show(state: dict) -> str:
        return "{" + ", ".join(f"{format_ref(*p)}: {_SIDES[s]}" for p, s in state.items()) + "}"

    def groups(self) -> dict:
        """(predicate, outer state) -> the Merge nodes of that conditional, in file order."""
        groups: dict = {}
        for name in self.graph.nodes:
            if name in self.merge_pred:
                key = (self.merge_pred[name], tuple(sorted(self.state[name].items())))
                groups.setdefault(key, []).append(name)
        return groups

    def members(self, keys: set, depth: int) -> dict:
        """(predicate, outer state) -> {node: side} for the nodes on either side of those conditionals."""
        found: dict = {}
        for name, state in self.state.items():
            if len(state) != depth + 1:
                continue
            for pred, side in state.items():
                key = (pred, tuple(sorted((p, s) for p, s in state.items() if p != pred)))
                if key in keys:
                    found.setdefault(key, {})[name] = side
        return found

    def check_all_merge(self, groups: dict) -> None:
        """A node on a side of a predicate that no Merge joins again is a Switch that never merges."""
        merged = {pred for pred, _ in groups}
        for name, state in self.state.items():
            for pred in state:
                if pred not in merged:
                    switch = next(s for s, p in self.pred_of.items() if p == pred)
                    self.graph.fail(
                        f"the branches of this Switch never meet in a Merge (node '{name}' is on one of them), "
                        "so it is not a conditional tfc can convert", switch
                    )


class _Cond:
    """One conditional: its predicate, outer state, Merge nodes and the nodes on each side."""

    def __init__(self, graph: FlowGraph, library: Library, states: _States, key, members: dict, merges: list[str]):
        self.graph, self.library, self.states = graph, library, states
        self.pred, self.merges = key[0], merges
        self.members: dict[str, int] = members  # node -> side
        self.args: dict[tuple[str, int], tuple[str, int]] = {}  # outside tensor -> (argument, dtype)
        self.controls: list[str] = []

    def rewrite(self) -> None:
        consumers = self.graph.consumers()
        used_index = {m for m in self.merges if any(index == 1 for _, index in consumers[m])}
        removed = self._unshared(consumers)
        outputs = {THEN: [], ELSE: []}
        effects = [n for n in removed if not is_pure(self.graph.nodes[n].op)]  # they run even if unused
        roots = {side: [n for n in effects if self.members[n] == side] for side in outputs}
        for merge in self.merges:
            for position, (src, index) in enumerate(self.graph.data_refs(merge)):
                side = self.states.along(src, index)[self.pred]
                found = self._resolver(side)(merge, src, index)
                if found is INSIDE:
                    roots[side].append(src)
                    found = format_ref(src, index)
                outputs[side].append((merge, found, position if merge in used_index else None))
        copies = {side: extract(self.graph, roots[side], self._resolver(side)) for side in outputs}
        branches, has_effects = {}, False
        for side in (THEN, ELSE):
            branches[side], side_effects = self._branch_function(side, copies[side], outputs[side])
            has_effects = has_effects or side_effects
        if_name = self._if_node(branches, has_effects, used_index, consumers)
        self._replace(if_name, consumers, used_index, removed)

    def _resolver(self, side: int):
        graph, states = self.graph, self.states

        def resolve(consumer: str, src: str, index: int):
            node = graph.nodes[src]
            if self.members.get(src) == side:
                return INSIDE if index >= 0 or not is_pure(node.op) else None
            if src in self.members:
                graph.fail(f"the {_SIDES[side]} branch of the conditional on '{format_ref(*self.pred)}' uses '{src}' from the other branch", consumer)
            if self.pred in states.state.get(src, {}):
                graph.fail(f"depends on branches of conditionals on '{format_ref(*self.pred)}' and others that do not nest", src)
            if index < 0:
                if not is_pure(node.op) and node.op not in V1_CONTROL_FLOW and src not in self.controls:
                    self.controls.append(src)  # ordering against an outside node moves to the If
                return None
            if states.pred_of.get(src) == self.pred:
                if index != side:
                    graph.fail(f"the {_SIDES[side]} branch uses output {index} of this Switch", consumer)
                value = graph.data_refs(src)[0]
                return self._arg(value, type_attr(node))
            if is_free_constant(node):
                return INSIDE
            return self._arg((src, index), output_dtype(node, index))

        return resolve

    def _arg(self, tensor: tuple[str, int], dtype: int) -> str:
        if tensor not in self.args:
            self.args[tensor] = (self.graph.unique(f"arg{len(self.args)}"), dtype)
        return self.args[tensor][0]

    def _branch_function(self, side: int, nodes: list, outputs: list) -> tuple[str, bool]:
        """One side as a function of all the conditional's arguments; then the value_index outputs
        of the Merges that need one (the constant input position this side feeds)."""
        args = list(self.args.values())
        refs = [(ref, self._dtype(merge)) for merge, ref, _ in outputs]
        indices = [int32_constant(f"{merge}/value_index", position) for merge, _, position in outputs if position is not None]
        refs.extend((node.name, types_pb2.DT_INT32) for node in indices)
        sub = FlowGraph([placeholder(arg, dtype) for arg, dtype in args] + nodes + indices, self.graph.filename)
        return self.library.add(f"{self._scope()}_{_SIDES[side]}", sub, args, refs)

    def _dtype(self, merge: str) -> int:
        return type_attr(self.graph.nodes[merge])

    def _scope(self) -> str:
        scope = self.merges[0].rpartition("/")[0]
        return scope or "cond"

    def _switch_pred_input(self, consumers) -> str:
        """The If's predicate: what the conditional's Switches take (TF1's ``pred_id``)."""
        inside = set(self.members) | set(self.merges)
        inputs = [
            self.graph.nodes[name].input[1]
            for name, pred in self.states.pred_of.items()
            if pred == self.pred and name in consumers and any(c in inside for c, _ in consumers[name])
        ]
        return max(inputs, key=inputs.count) if inputs else format_ref(*self.pred)

    def _if_node(self, branches: dict, effects: bool, used_index: set, consumers) -> str:
        graph = self.graph
        name = graph.unique(f"{self._scope()}/If")
        first = graph.nodes[self.merges[0]]
        node = node_def_pb2.NodeDef(name=name, op="If" if effects else "StatelessIf", device=first.device)
        node.input.append(self._switch_pred_input(consumers))
        node.input.extend(format_ref(*tensor) for tensor in self.args)
        node.input.extend(f"^{c}" for c in self.controls)
        out_types = [self._dtype(merge) for merge in self.merges] + [types_pb2.DT_INT32] * len(used_index)
        node.attr["Tcond"].type = types_pb2.DT_BOOL
        node.attr["Tin"].CopyFrom(type_list(dtype for _, dtype in self.args.values()))
        node.attr["Tout"].CopyFrom(type_list(out_types))
        node.attr["then_branch"].CopyFrom(func_attr(branches[THEN]))
        node.attr["else_branch"].CopyFrom(func_attr(branches[ELSE]))
        self.if_node = node
        return name

    def _unshared(self, consumers) -> set[str]:
        """Members nothing outside this conditional uses; a later conditional on the same predicate
        may share the rest, and gets its own copies of them (as in TensorFlow)."""
        inside = set(self.members) | set(self.merges)
        kept = [n for n in self.members if any(c not in inside for c, _ in consumers[n])]
        shared: set[str] = set()
        while kept:
            name = kept.pop()
            if name in self.members and name not in shared:
                shared.add(name)
                kept.extend(src for src, _ in self.graph.refs(name))
        return set(self.members) - shared

    def _replace(self, if_name: str, consumers, used_index: set, removed: set[str]) -> None:
        """Merges become Identity (IdentityN with value_index) of the If's outputs, under their names."""
        replaced = {}
        index_output = len(self.merges)
        for i, merge in enumerate(self.merges):
            old = self.graph.nodes[merge]
            dtype = type_attr(old)
            if merge in used_index:
                node = node_def_pb2.NodeDef(name=merge, op="IdentityN", device=old.device)
                node.input.extend([format_ref(if_name, i), format_ref(if_name, index_output)])
                node.attr["T"].CopyFrom(type_list([dtype, types_pb2.DT_INT32]))
                index_output += 1
            else:
                node = identity(merge, format_ref(if_name, i), dtype, old.device)
            replaced[merge] = node
        gone = removed | set(self.merges)
        for name, pred in self.states.pred_of.items():
            if pred == self.pred and consumers.get(name) and all(c in gone for c, _ in consumers[name]):
                removed.add(name)
        self.graph.rebuild(removed, replaced, [self.if_node], self.merges[0])
