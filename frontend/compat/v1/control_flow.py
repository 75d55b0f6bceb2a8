"""``tf.cond`` and ``tf.while_loop`` as TensorFlow 2 builds them in a graph: functional ``If`` and
``While`` ops whose branches, condition and body are FunctionDefs of the graph's library (traced
once, in :class:`FunctionGraph`\\ s). Tensors from outside a branch or body are captured as extra
inputs. Loop variables keep their shapes unless ``shape_invariants`` loosen them."""

from __future__ import annotations

from tfc.types import DType, TensorType

from .function_graph import FunctionGraph
from .graph import GraphError, get_default_graph
from .ops import to_tensor
from .tensor import Tensor


def cond(pred, true_fn=None, false_fn=None, strict=False, name=None):
    """``true_fn()`` if ``pred`` else ``false_fn()``: both return the same structure of tensors."""
    graph = get_default_graph()
    pred = to_tensor(pred)
    with graph.name_scope(name or "cond"):
        branches = [_trace(graph, fn, "cond_true" if i == 0 else "cond_false") for i, fn in enumerate((true_fn, false_fn))]
        (true_body, true_out, structure), (false_body, false_out, _) = branches
        if [t.dtype for t in true_out] != [t.dtype for t in false_out]:
            raise GraphError(f"tf.cond: the branches return different dtypes ({[t.dtype.name for t in true_out]} "
                             f"and {[t.dtype.name for t in false_out]})")
        captured = _share_captures([true_body, false_body])
        names = [_function(body, outs) for body, outs in ((true_body, true_out), (false_body, false_out))]
        types = [TensorType(t.dtype, _merge(a.shape.dims, b.shape.dims)) for a, b, t in zip(true_out, false_out, true_out)]
        attrs = {"Tcond": pred.dtype, "Tin": [t.dtype for t in captured], "Tout": [t.dtype for t in types],
                 "then_branch": names[0], "else_branch": names[1], "output_shapes": [t.shape for t in types]}
        op = graph.create_op("If", [pred, captured], attrs, name="If", result_types=types)
    return _pack(structure, op.outputs)


def while_loop(cond, body, loop_vars, shape_invariants=None, parallel_iterations=10, back_prop=True, swap_memory=False,
               name=None, maximum_iterations=None, return_same_structure=False):
    """Run ``body`` while ``cond`` holds, on ``loop_vars`` (a list or tuple, possibly nested, of tensors)."""
    single = isinstance(loop_vars, (list, tuple)) and len(loop_vars) == 1 and not return_same_structure
    if not isinstance(loop_vars, (list, tuple)):
        loop_vars = [loop_vars]
    if maximum_iterations is not None:
        cond, body, loop_vars, shape_invariants = _bounded(cond, body, loop_vars, shape_invariants, maximum_iterations)
    graph = get_default_graph()
    flat, structure = _flatten(list(loop_vars))
    flat = [to_tensor(v) for v in flat]
    invariants = _flatten(list(shape_invariants))[0] if shape_invariants is not None else [v.shape for v in flat]
    types = [TensorType(v.dtype, _dims(s)) for v, s in zip(flat, invariants)]
    with graph.name_scope(name or "while"):
        cond_body, loop_body = FunctionGraph(graph, "while_cond"), FunctionGraph(graph, "while_body")
        cond_args = [cond_body.add_arg(t.dtype, t.shape, "loop_var") for t in types]
        body_args = [loop_body.add_arg(t.dtype, t.shape, "loop_var") for t in types]
        with cond_body.as_default():
            pred = to_tensor(cond(*_pack(structure, cond_args)))
        with loop_body.as_default():
            returned = body(*_pack(structure, body_args))
            results = _flatten([returned] if len(loop_vars) == 1 and not isinstance(returned, (list, tuple)) else list(returned))[0]
            if len(results) != len(flat):
                raise GraphError(f"tf.while_loop: body returned {len(results)} loop variables, expected {len(flat)}")
            results = [loop_body.local(to_tensor(r, v.dtype) if not isinstance(r, Tensor) else r) for r, v in zip(results, flat)]
        captured = _share_captures([cond_body, loop_body])
        passed = [loop_body.captures[id(c)][1] for c in captured]
        names = (_function(cond_body, [pred]), _function(loop_body, results + passed))
        types += [TensorType(c.dtype, c.shape.dims) for c in captured]
        attrs = {"T": [t.dtype for t in types], "cond": names[0], "body": names[1], "output_shapes": [t.shape for t in types],
                 "parallel_iterations": parallel_iterations}
        op = graph.create_op("While", [flat + captured], attrs, name="While", result_types=types)
    outputs = _pack(structure, op.outputs[: len(flat)])
    if maximum_iterations is not None:
        outputs = outputs[1]
    return outputs[0] if single else outputs


def _bounded(cond, body, loop_vars, shape_invariants, maximum_iterations):
    """``maximum_iterations``: a counter loop variable (first) that also bounds the condition."""
    limit = to_tensor(maximum_iterations, DType.i32)
    loop_vars = [to_tensor(0, DType.i32), list(loop_vars)]
    invariants = None if shape_invariants is None else [[], list(shape_invariants)]

    def bounded_cond(i, rest):
        return get_default_graph().create_op("LogicalAnd", [i < limit, to_tensor(cond(*rest))], name="LogicalAnd").outputs[0]

    def bounded_body(i, rest):
        returned = body(*rest)
        return [i + 1, [returned] if len(rest) == 1 and not isinstance(returned, (list, tuple)) else list(returned)]

    return bounded_cond, bounded_body, loop_vars, invariants


def _trace(graph, fn, name):
    body = FunctionGraph(graph, name)
    with body.as_default():
        flat, structure = _flatten(fn())
        outs = [body.local(to_tensor(t)) for t in flat]
    return body, outs, structure


def _share_captures(bodies: list[FunctionGraph]) -> list[Tensor]:
    """The outer tensors any of ``bodies`` captured, each made an argument of every body (same order)."""
    captured = {}
    for body in bodies:
        for outer, _ in body.captures.values():
            captured.setdefault(id(outer), outer)
    for body in bodies:
        for outer in captured.values():
            body.local(outer)
        order = {id(body.captures[id(o)][1]): i for i, o in enumerate(captured.values())}
        explicit = [a for a in body.args if id(a) not in order]
        body.args = explicit + sorted((a for a in body.args if id(a) in order), key=lambda a: order[id(a)])
    return list(captured.values())


def _function(body: FunctionGraph, outputs: list[Tensor]) -> str:
    name = body.root.unique_function_name(body.name)
    body.function_def(name, outputs)
    return name


def _dims(shape):
    """A shape invariant (TensorShape, list, or None for any) as a tuple with None dims, or None."""
    if shape is None:
        return None
    dims = shape.dims if hasattr(shape, "dims") else shape
    return None if dims is None else tuple(None if d is None else int(d) for d in dims)


def _merge(a, b):
    if a is None or b is None or len(a) != len(b):
        return None
    return tuple(x if x == y else None for x, y in zip(a, b))


def _flatten(value) -> tuple[list, object]:
    if isinstance(value, (list, tuple)):
        parts = [_flatten(v) for v in value]
        return [leaf for leaves, _ in parts for leaf in leaves], (type(value), [s for _, s in parts])
    if isinstance(value, dict):
        parts = {k: _flatten(v) for k, v in value.items()}
        return [leaf for leaves, _ in parts.values() for leaf in leaves], (dict, {k: s for k, (_, s) in parts.items()})
    return [value], None


def _pack(structure, leaves):
    it = iter(leaves)

    def build(s):
        if s is None:
            return next(it)
        kind, items = s
        if kind is dict:
            return {k: build(v) for k, v in items.items()}
        return kind(build(i) for i in items) if kind is tuple else [build(i) for i in items]

    return build(structure)


__all__ = ["cond", "while_loop"]
