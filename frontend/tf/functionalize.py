"""TensorFlow v1 control flow -> functional ``While``/``If`` nodes, as a GraphDef -> GraphDef rewrite.

TF1 graphs build loops from ``Enter``/``Merge``/``Switch``/``NextIteration``/``Exit``/``LoopCond``
nodes (closed by a back edge from ``NextIteration`` to ``Merge``) and conditionals from
``Switch``/``Merge`` pairs whose untaken side carries "dead" values. TensorFlow's XLA bridge cannot
compile that either, so it first rewrites them into ``While``/``If`` nodes whose condition, body and
branches are library functions ("functionalize control flow", tensorflow/compiler/tf2xla/
functionalize_while.cc and functionalize_cond.cc). tfc does the same before importing, so the
importer and the ``tf.While``/``tf.If`` ops see only functional control flow.

Before (``tf.compat.v1.while_loop(lambda i: i < 10, lambda i: i + 1, [i0])``)::

    while/Enter         = Enter(i0) {frame_name = "while/while_context"}
    while/Merge         = Merge(while/Enter, while/NextIteration)
    while/LoopCond      = LoopCond(Less(while/Merge, 10))
    while/Switch        = Switch(while/Merge, while/LoopCond)
    while/NextIteration = NextIteration(AddV2(Identity(while/Switch:1), 1))
    while/Exit          = Exit(while/Switch)

After::

    while/While = StatelessWhile(i0) {cond = while_cond, body = while_body}
    while/Exit  = Identity(while/While)

Order, as TensorFlow's: loops first, innermost frame first (an inner loop is one ``While`` node in
its outer loop's body); conditionals inside a loop's condition or body when that function is cut
out; the remaining ones last (``functionalize_cond.py``), innermost first. Names are kept: an
``Exit`` or a ``Merge`` becomes an ``Identity`` of the new node's output, so consumers and fetches
by name still work. Loop-invariant values (``Enter`` with ``is_constant``) become extra loop
variables that the body passes through unchanged.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from tensorboard.compat.proto import graph_pb2, types_pb2

from .functionalize_cond import functionalize_conds
from .functionalize_graph import (
    ENTER,
    EXIT,
    INSIDE,
    LOOP_COND,
    MERGE,
    NEXT_ITERATION,
    SWITCH,
    V1_CONTROL_FLOW,
    FlowGraph,
    Library,
    extract,
    format_ref,
    func_attr,
    identity,
    is_free_constant,
    is_pure,
    parse_ref,
    placeholder,
    type_attr,
    type_list,
)

ROOT = ""


def functionalize_if_needed(graph: graph_pb2.GraphDef, filename: str | None = None) -> graph_pb2.GraphDef:
    """``graph`` itself when it has no v1 control flow, else a functionalized copy (see the module doc)."""
    if not any(node.op in V1_CONTROL_FLOW for node in graph.node):
        return graph
    return functionalize(graph, filename)


def functionalize(graph_def: graph_pb2.GraphDef, filename: str | None = None) -> graph_pb2.GraphDef:
    """A copy of ``graph_def`` with every v1 loop and conditional made a ``While``/``If`` node whose
    functions are added to its library; GraphImportError (naming the node) for malformed structures."""
    graph = FlowGraph(graph_def.node, filename)  # NodeDefs are only read; new and changed ones are new objects
    graph.check_inputs()
    library = Library(graph_def.library)
    _complete_tensor_array_shapes(graph)
    frames = _Frames(graph)
    for frame in frames.innermost_first():
        _Loop(graph, library, frames, frame).rewrite()
    functionalize_conds(graph, library)
    for name, node in graph.nodes.items():
        if node.op in V1_CONTROL_FLOW:
            graph.fail(f"{node.op} is left over after functionalizing control flow (it is not part of a loop or conditional)", name)
    result = graph_pb2.GraphDef()
    result.versions.CopyFrom(graph_def.versions)
    result.library.CopyFrom(graph_def.library)
    result.library.function.extend(library.added)
    result.node.extend(graph.nodes.values())
    return result


def _copy(node):
    copy = type(node)()
    copy.CopyFrom(node)
    return copy


def _complete_tensor_array_shapes(graph: FlowGraph) -> None:
    """Give each TensorArrayV3 without a full ``element_shape`` the one its stacking Gather states.

    TF1 learns an array's element shape from its writes on the Python side (``tf.map_fn`` never
    states one) and records it on the ``TensorArrayGatherV3`` that stacks the array, not on the
    ``TensorArrayV3``; the dense form of ops/tensor_array.py needs it where the array is made.
    """
    consumers = graph.consumers()
    for name, node in graph.nodes.items():
        if node.op == "TensorArrayV3" and not _full_shape(node):
            shape = _gathered_shape(graph, consumers, name)
            if shape is not None:
                node = graph.nodes[name] = _copy(node)  # the caller's GraphDef stays as it was (inputs unchanged)
                node.attr["element_shape"].shape.CopyFrom(shape)


def _full_shape(node) -> bool:
    if "element_shape" not in node.attr or node.attr["element_shape"].WhichOneof("value") != "shape":
        return False
    shape = node.attr["element_shape"].shape
    return not shape.unknown_rank and all(d.size >= 0 for d in shape.dim)


def _gathered_shape(graph: FlowGraph, consumers, array: str):
    """A full element_shape of a Gather reading ``array``'s handle, through loops and Identity."""
    seen, stack = set(), [(array, 0)]
    while stack:
        tensor = stack.pop()
        if tensor in seen:
            continue
        seen.add(tensor)
        for user, index in consumers[tensor[0]]:
            node = graph.nodes[user]
            if index != tensor[1] or not node.input or parse_ref(node.input[0]) != tensor:
                continue
            if node.op == "TensorArrayGatherV3" and _full_shape(node):
                return node.attr["element_shape"].shape
            if node.op in _PASS_THROUGH:
                stack.extend((user, out) for out in (0, 1))
    return None


_PASS_THROUGH = ENTER | EXIT | SWITCH | MERGE | NEXT_ITERATION | {"Identity"}


# ---- frames ---------------------------------------------------------------------------------------
class _Frames:
    """The loop frame of every node, found as TensorFlow's executor would: a node is in its inputs'
    frame, an ``Enter`` opens the frame it names, and an ``Exit``'s consumers are in the parent frame.

    A Const without inputs may be used from any frame (TF1 ties those in loops to the frame by a
    control edge, but other writers do not), so it decides nothing and is copied where it is used;
    an ``Enter`` fed only by such constants still opens its frame.
    """

    def __init__(self, graph: FlowGraph):
        self.graph = graph
        self.frame_of: dict[str, str] = {}
        self.parent: dict[str, str] = {}
        self.order: dict[str, int] = {}
        consumers = graph.consumers()
        free = {name for name, node in graph.nodes.items() if is_free_constant(node)}
        self._spread([n for n, node in graph.nodes.items() if not node.input and n not in free], consumers, ROOT)
        for name, node in graph.nodes.items():
            if node.op in ENTER and name not in self.frame_of and all(src in free for src, _ in graph.refs(name)):
                self._spread([name], consumers, self._frame_name(name))
        self._spread([n for n in graph.nodes if n in free], consumers, ROOT, lenient=True)
        for name in graph.nodes:
            if name not in self.frame_of:
                graph.fail("is on a cycle that no loop Enter leads into", name)
        for frame in self.order:
            self.parent.setdefault(frame, ROOT)

    def _spread(self, sources: list[str], consumers, frame: str, lenient: bool = False) -> None:
        """Place ``sources`` in ``frame`` and, breadth-first, the nodes they lead to that are not placed
        yet; a node placed already must agree, unless the edge comes from a free constant or from a
        node placed by one (``lenient``: what only constants feed belongs nowhere in particular)."""
        queue = deque(sources)
        for name in sources:
            self.frame_of[name] = frame
        while queue:
            src = queue.popleft()
            for dst, _ in consumers[src]:
                want = self._frame_after(src, dst, not lenient)
                have = self.frame_of.get(dst)
                if have is None:
                    self.frame_of[dst] = want
                    queue.append(dst)
                elif have != want and not lenient:
                    self.graph.fail(f"has inputs from different loop frames ({_show(have)} and {_show(want)})", dst)

    def _frame_name(self, enter: str) -> str:
        node = self.graph.nodes[enter]
        name = node.attr["frame_name"].s.decode() if "frame_name" in node.attr else ""
        if not name:
            self.graph.fail("Enter has no frame_name", enter)
        self.order.setdefault(name, len(self.order))
        return name

    def _frame_after(self, src: str, dst: str, strict: bool) -> str:
        """The frame of ``dst`` seen from its input ``src``: an ``Exit``'s value is in the parent
        frame (where a loop's result may enter the next loop: sibling loops in one body)."""
        frame = self.frame_of[src]
        if self.graph.nodes[src].op in EXIT:
            if frame == ROOT:
                self.graph.fail("Exit is not inside any loop frame", src)
            frame = self.parent.setdefault(frame, ROOT)  # a loop fed only by constants is a top-level one
        if self.graph.nodes[dst].op in ENTER:
            name = self._frame_name(dst)
            if strict:
                known = self.parent.setdefault(name, frame)
                if known != frame:
                    self.graph.fail(f"enters loop frame '{name}' from {_show(frame)}, but other Enter nodes enter it from {_show(known)}", dst)
            return name
        return frame

    def depth(self, frame: str) -> int:
        """How many loops ``frame`` is nested in (a loop, not recursion: frames may nest deeply)."""
        count = 0
        while frame != ROOT:
            frame = self.parent[frame]
            count += 1
            if count > len(self.parent):
                self.graph.fail(f"loop frames enter each other in a cycle (through frame '{frame}')")
        return count

    def innermost_first(self) -> list[str]:
        return sorted(self.parent, key=lambda f: (-self.depth(f), self.order[f]))

    def members(self, frame: str) -> list[str]:
        return [name for name in self.graph.nodes if self.frame_of.get(name) == frame]


def _show(frame: str) -> str:
    return "the top level" if frame == ROOT else f"frame '{frame}'"


# ---- one loop -------------------------------------------------------------------------------------
@dataclass
class _Var:
    """A loop variable: a non-constant Enter's Merge/Switch/NextIteration/Exit chain, or an invariant."""

    enter: str
    dtype: int
    invariant: bool
    merge: str | None = None
    switch: str | None = None
    next_iteration: str | None = None
    exit: str | None = None


class _Loop:
    """Rewrites one frame (its inner frames already are ``While`` nodes) into a ``While`` node."""

    def __init__(self, graph: FlowGraph, library: Library, frames: _Frames, frame: str):
        self.graph, self.library, self.frames, self.frame = graph, library, frames, frame
        self.members = frames.members(frame)
        self.member_set = set(self.members)
        self.consumers = graph.consumers()

    def fail(self, message: str, node: str | None = None):
        self.graph.fail(f"in loop '{self.frame}': {message}", node)

    def rewrite(self) -> None:
        loop_cond = self._loop_cond()
        variables = self._variables(loop_cond)
        self.structural = {loop_cond} | {n for v in variables for n in (v.enter, v.merge, v.switch, v.next_iteration, v.exit) if n}
        args = [(self._arg_name(i), v.dtype) for i, v in enumerate(variables)]
        # Nodes with effects that nothing consumes still run, once per test or per iteration.
        effects = [n for n in self.members if n not in self.structural and not is_pure(self.graph.nodes[n].op)]
        in_body = self._downstream_of({(v.switch, 1) for v in variables if not v.invariant})
        cond, cond_effects = self._condition(variables, args, loop_cond, [n for n in effects if n not in in_body])
        body, body_effects = self._body(variables, args, [n for n in effects if n in in_body])
        self._replace(variables, cond, body, cond_effects or body_effects, loop_cond)

    def _downstream_of(self, tensors: set) -> set[str]:
        """The frame's nodes that depend on ``tensors`` (the body's side of the loop's Switches)."""
        found: set[str] = set()
        stack = [c for src, index in tensors for c, i in self.consumers[src] if i == index]
        while stack:
            name = stack.pop()
            if name in found or name not in self.member_set or name in self.structural:
                continue
            found.add(name)
            stack.extend(c for c, _ in self.consumers[name])
        return found

    def _loop_cond(self) -> str:
        found = [n for n in self.members if self.graph.nodes[n].op in LOOP_COND]
        enters = [n for n in self.members if self.graph.nodes[n].op in ENTER]
        if not found:
            where = enters[0] if enters else self.members[0]
            self.graph.fail(f"loop '{self.frame}' has no LoopCond node (the condition that ends the loop)", where)
        if len(found) > 1:
            self.graph.fail(f"loop '{self.frame}' has {len(found)} LoopCond nodes ({', '.join(found)}); a loop has one", found[1])
        return found[0]

    def _variables(self, loop_cond: str) -> list[_Var]:
        variables = []
        for name in self.members:
            node = self.graph.nodes[name]
            if node.op not in ENTER:
                continue
            if len(self.graph.data_refs(name)) != 1:
                self.fail("an Enter node takes one input", name)
            dtype = type_attr(node)
            if "is_constant" in node.attr and node.attr["is_constant"].b:
                variables.append(_Var(name, dtype, True))
                continue
            merges = [c for c, index in self.consumers[name] if index >= 0]
            if not merges:
                self.fail("the Enter of a loop variable feeds no Merge", name)
            variables.extend(self._chain(name, dtype, merge, loop_cond) for merge in merges)
        return variables

    def _chain(self, enter: str, dtype: int, merge: str, loop_cond: str) -> _Var:
        """Follow Enter -> Merge -> Switch -> Exit and find the Merge's NextIteration input."""
        if self.graph.nodes[merge].op not in MERGE:
            self.fail(f"the Enter of a loop variable feeds '{merge}', a {self.graph.nodes[merge].op}, not a Merge", enter)
        inputs = [src for src, _ in self.graph.data_refs(merge)]
        if len(inputs) != 2 or enter not in inputs:
            self.fail(f"a loop variable's Merge takes its Enter and a NextIteration, got inputs {', '.join(inputs)}", merge)
        next_iteration = inputs[1] if inputs[0] == enter else inputs[0]
        if self.graph.nodes[next_iteration].op not in NEXT_ITERATION or next_iteration not in self.member_set:
            self.fail(f"a loop variable's Merge takes its Enter and a NextIteration of the same loop, got '{next_iteration}'", merge)
        switches = [
            c for c, index in self.consumers[merge]
            if index >= 0 and self.graph.nodes[c].op in SWITCH and self.graph.data_refs(c)[1:2] == [(loop_cond, 0)]
        ]
        if len(switches) != 1:
            self.fail(f"a loop variable's Merge must feed one Switch on the LoopCond, found {len(switches)}", merge)
        exits = self._exits(switches[0])
        if len(exits) > 1:
            self.fail(f"a loop variable's Switch feeds {len(exits)} Exit nodes", switches[0])
        return _Var(enter, dtype, False, merge, switches[0], next_iteration, exits[0] if exits else None)

    def _exits(self, switch: str) -> list[str]:
        """The Exit nodes that Switch:0 feeds, directly or through Identity nodes."""
        exits, stack = [], [switch]
        while stack:
            name = stack.pop()
            for consumer, index in self.consumers[name]:
                if index != 0:
                    continue
                if self.graph.nodes[consumer].op in EXIT:
                    exits.append(consumer)
                elif self.graph.nodes[consumer].op == "Identity":
                    stack.append(consumer)
        return exits

    def _arg_name(self, i: int) -> str:
        return self.graph.unique(f"arg{i}")

    # ---- the two functions ------------------------------------------------------------------------
    def _condition(self, variables, args, loop_cond, effects: list[str]):
        """cond(loop variables) = LoopCond's input, computed from the Merge outputs."""
        arg_of = {((v.enter if v.invariant else v.merge), 0): arg for v, (arg, _) in zip(variables, args)}
        return self._function("cond", args, arg_of, [self.graph.data_refs(loop_cond)[0]], [types_pb2.DT_BOOL], effects)

    def _body(self, variables, args, effects: list[str]):
        """body(loop variables) = the NextIteration inputs, from the Switch:1 outputs; invariants pass through."""
        arg_of = {((v.enter, 0) if v.invariant else (v.switch, 1)): arg for v, (arg, _) in zip(variables, args)}
        outputs = [(v.enter, 0) if v.invariant else self.graph.data_refs(v.next_iteration)[0] for v in variables]
        return self._function("body", args, arg_of, outputs, [dtype for _, dtype in args], effects)

    def _function(self, kind, args, arg_of, outputs, dtypes, targets):
        """Cut the function out (``targets``: nodes to copy even if no output needs them); returns
        its name and whether it has effects."""
        resolve = self._resolver(arg_of, kind)
        roots, refs = list(targets), []
        for src, index in outputs:
            found = resolve(src, src, index)  # the output itself: an argument or a node to copy
            if found is INSIDE:
                roots.append(src)
                refs.append(format_ref(src, index))
            else:
                refs.append(found)
        nodes = extract(self.graph, roots, resolve)
        sub = FlowGraph([placeholder(arg, dtype) for arg, dtype in args] + nodes, self.graph.filename)
        functionalize_conds(sub, self.library)  # conditionals inside the loop
        return self.library.add(f"{_scope(self.frame)}_{kind}", sub, args, list(zip(refs, dtypes)))

    def _resolver(self, arg_of: dict, kind: str):
        boundary = {src for src, _ in arg_of}

        def resolve(consumer: str, src: str, index: int):
            node = self.graph.nodes[src]
            if index < 0 and (src in boundary or src in self.structural or is_pure(node.op)):
                return None  # ordering against an argument or a pure node means nothing in a function
            if index >= 0 and (src, index) in arg_of:
                return arg_of[(src, index)]
            if src in self.structural:
                self.fail(f"the loop {kind} uses '{format_ref(src, index)}', which is not a loop variable there", consumer)
            if src in self.member_set or is_free_constant(node):
                return INSIDE
            self.fail(f"uses '{src}' from outside the loop without an Enter node", consumer)

        return resolve

    # ---- the While node ---------------------------------------------------------------------------
    def _replace(self, variables, cond: str, body: str, effects: bool, loop_cond: str) -> None:
        graph = self.graph
        while_name = graph.unique(f"{_scope(self.frame)}/While")
        node = type(graph.nodes[loop_cond])(name=while_name, op="While" if effects else "StatelessWhile")
        node.device = graph.nodes[loop_cond].device
        controls = []
        for v in variables:
            node.input.append(format_ref(*graph.data_refs(v.enter)[0]))
            controls.extend(f"^{src}" for src, index in graph.refs(v.enter) if index < 0)
        node.input.extend(dict.fromkeys(controls))
        node.attr["T"].CopyFrom(type_list(v.dtype for v in variables))
        node.attr["cond"].CopyFrom(func_attr(cond))
        node.attr["body"].CopyFrom(func_attr(body))
        first_enter = graph.nodes[variables[0].enter] if variables else None
        if first_enter is not None and "parallel_iterations" in first_enter.attr:
            node.attr["parallel_iterations"].CopyFrom(first_enter.attr["parallel_iterations"])
        replaced = {}
        for i, v in enumerate(variables):
            if v.exit is not None:
                exit_node = graph.nodes[v.exit]
                replaced[v.exit] = identity(v.exit, format_ref(while_name, i), v.dtype, exit_node.device)
        parent = self.frames.parent[self.frame]
        for name in replaced:
            self.frames.frame_of[name] = parent
        self.frames.frame_of[while_name] = parent
        before = next((v.exit for v in variables if v.exit), loop_cond)
        graph.rebuild(self.member_set - set(replaced), replaced, [node], before)


def _scope(frame: str) -> str:
    """A loop's name scope from its frame: ``while/while_context`` (TF 1.x) or ``while/while/``
    (older releases, which repeat the scope) -> ``while``."""
    name = frame.rstrip("/")
    if name.endswith("/while_context"):
        return name[: -len("/while_context")]
    half = len(name) // 2
    if len(name) % 2 and name[half] == "/" and name[:half] == name[half + 1 :]:
        return name[:half]
    return name or "while"
