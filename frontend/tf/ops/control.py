"""Functional control flow and calls: If/StatelessIf, While/StatelessWhile, PartitionedCall, Assert.

At import, a hook specializes the called library functions for the operand types (as TensorFlow
instantiates them) and records the specialized symbols; the result types come from those functions.
Legalization emits ``tfc.if`` / ``tfc.while`` whose regions call the functions with ``tfc.call``.
"""

from __future__ import annotations

from tfc.attributes import SymbolRefAttr
from tfc.frontend import api as tnp
from tfc.frontend.control import cond as traced_cond
from tfc.frontend.control import while_loop
from tfc.frontend.tensor import Tensor
from tfc.frontend.tracing import current_trace
from tfc.registry import ShapeError
from tfc.types import DType, TensorType

from ..dialect import IMPORT_HOOKS, tf_op, unknown
from .import_fold import refined_type
from .lists import list_length
from .tensor_array import adopt_loop_elements


def _declared_or_unknown(out_key: str):
    def infer(ctx, *types):
        if ctx.declared:
            return [t for t in ctx.declared if isinstance(t, TensorType)]
        return [unknown(d) for d in ctx.attrs.get(out_key, ())]

    return infer


def call(name: str, args: list[Tensor]) -> list[Tensor]:
    """Record ``tfc.call @name(args)`` with the callee's current result types."""
    trace = current_trace()
    callee = trace.module.function(name)
    op = trace.emit("tfc.call", [a.value for a in args], {"callee": SymbolRefAttr(name)}, list(callee.type.results))
    return [Tensor(r, trace) for r in op.results]


def _truth(value: Tensor) -> Tensor:
    """TensorFlow's truth value of a predicate tensor: a bool scalar, or a non-zero number."""
    if value.shape not in ((), None) and value.size != 1:
        raise ShapeError(f"predicate must be a scalar, got {value.type}")
    value = tnp.reshape(value, ())
    return value if value.dtype is DType.bool else tnp.not_equal(value, 0)


# ---- If -------------------------------------------------------------------------------------------
def refined_types(operand_types, operands) -> list[TensorType]:
    """The operand types a call specializes its functions for: refined where small shape
    computations at import tell more than the types do (see import_fold.py)."""
    return [refined_type(v) for v in operands] if operands else list(operand_types)


def _specialize_if(library, operand_types, attrs, operands=()):
    branch_types = refined_types(operand_types, operands)[1:]
    then_fn = library.instantiate(attrs["then_branch"].value, branch_types)
    else_fn = library.instantiate(attrs["else_branch"].value, branch_types)
    then_out, else_out = then_fn.type.results, else_fn.type.results
    if len(then_out) != len(else_out) or any(a.dtype != b.dtype for a, b in zip(then_out, else_out)):
        raise ShapeError(f"branches return different types: {then_out} and {else_out}")
    attrs = dict(attrs, then_branch=SymbolRefAttr(then_fn.name), else_branch=SymbolRefAttr(else_fn.name))
    return attrs, [join_types(a, b) for a, b in zip(then_out, else_out)]


def join_types(a: TensorType, b: TensorType) -> TensorType:
    """The most specific type both branches' results fit (``?`` where their dims differ)."""
    if a.shape is None or b.shape is None or len(a.shape) != len(b.shape):
        return TensorType(a.dtype, None)
    return TensorType(a.dtype, tuple(x if x == y else None for x, y in zip(a.shape, b.shape)))


def _if(ctx, pred, *args):
    then_name, else_name = ctx.attrs["then_branch"], ctx.attrs["else_branch"]
    return list(traced_cond(_truth(pred), lambda: call(then_name, list(args)), lambda: call(else_name, list(args))))


for _name in ("If", "StatelessIf"):
    tf_op(_name, _declared_or_unknown("Tout"), _if, stateful=_name == "If", outputs=(("output", lambda a: len(a.get("Tout", ()))),))
    IMPORT_HOOKS[f"tf.{_name}"] = _specialize_if


# ---- While ----------------------------------------------------------------------------------------
def _specialize_while(library, operand_types, attrs, operands=()):
    """Specialize the body until its result types equal its argument types.

    Shapes that change across iterations are relaxed to ``?``; shapes the body pins down that the
    initial values leave open (a batch of ``?`` becoming 2) are adopted, as TensorFlow's shape
    inference does. The initial values' types are first refined by evaluating small shape
    computations (a transpose by a computed permutation); a TensorArray first written in the loop
    takes the element shape the body writes; a list whose element shape only its writes tell keeps
    its length (known from the op that made it). A loop variable whose static shape the body
    changes cannot be compiled (XLA's loops keep their shapes; TensorFlow's need shape invariants
    for that). Superseded specializations are dropped from the library.
    """
    name = attrs["body"].value
    types = _adopt_array_elements(library, name, refined_types(operand_types, operands), operands)
    _check_fixed_shapes(library, attrs, types)
    body, types = _settle(library, name, types)
    lengths = [list_length(v) for v in operands] or [None] * len(types)
    filled = [_with_length(t, n) for t, n in zip(types, lengths)]
    if filled != types:
        refined = library.instantiate(name, filled)
        if list(refined.type.results) == filled:
            library.discard(body)
            body, types = refined, filled
        else:
            library.discard(refined)
    cond = library.instantiate(attrs["cond"].value, types)
    attrs = dict(attrs, body=SymbolRefAttr(body.name), cond=SymbolRefAttr(cond.name))
    return attrs, types


def _adopt_array_elements(library, name: str, types: list[TensorType], operands) -> list[TensorType]:
    """The loop variable types after TensorArrays first written in the loop take their element shape."""
    first = library.instantiate(name, types)
    changed = [adopt_loop_elements(v, after) for v, after in zip(operands, first.type.results)]
    if not any(changed):
        return types
    library.discard(first)
    return [v.type if change else t for v, t, change in zip(operands, types, changed)]


def _check_fixed_shapes(library, attrs, types: list[TensorType]) -> None:
    """ShapeError when one pass of the body gives a loop variable another rank or another static size."""
    out = list(library.instantiate(attrs["body"].value, types).type.results)
    if len(out) != len(types) or any(a.dtype != b.dtype for a, b in zip(out, types)):
        raise ShapeError(f"loop body returns {out} for loop variables {types}")
    lists = [t == "resource" for t in attrs["T"].value] if "T" in attrs else []  # TensorLists are variants
    for i, (before, after) in enumerate(zip(types, out)):
        if before.shape is None or after.shape is None:
            continue
        if len(before.shape) != len(after.shape):
            change = f"changes rank between iterations ({before} becomes {after})"
        elif any(x is not None and y is not None and x != y for x, y in zip(before.shape, after.shape)):
            change = f"changes shape between iterations ({before} becomes {after})"
        else:
            continue
        if i < len(lists) and lists[i]:
            change = f"(a TensorList) {change}; a list that grows in a loop (TensorListPushBack) has no static length"
        raise ShapeError(f"loop variable {i} {change}: tfc compiles static shapes, so a loop variable must keep its shape "
                         "(only TensorFlow's shape invariants allow this)")


def _settle(library, name: str, types: list[TensorType]):
    """(body, types) once the body's result types equal its argument types (see _specialize_while)."""
    for _ in range(4):
        body = library.instantiate(name, types)
        out = list(body.type.results)
        if out == types:
            return body, types
        if all(a.is_compatible(b) for a, b in zip(types, out)):
            refined = library.instantiate(name, out)
            if list(refined.type.results) == out:
                library.discard(body)
                return refined, out
            library.discard(refined)
        joined = [join_types(a, b) for a, b in zip(types, out)]
        if joined == types:
            return body, types
        library.discard(body)
        types = joined
    raise ShapeError("loop variable shapes do not settle")


def _with_length(t: TensorType, length: int | None) -> TensorType:
    """A list type with its leading (length) dimension filled in, when only that is missing."""
    if length is None or t.shape is None or not t.shape or t.shape[0] is not None:
        return t
    return t.with_shape((length, *t.shape[1:]))


def _while(ctx, *init):
    cond_name, body_name = ctx.attrs["cond"], ctx.attrs["body"]
    result = while_loop(
        lambda state: _truth(call(cond_name, list(state))[0]),
        lambda state: tuple(call(body_name, list(state))),
        tuple(init),
    )
    return list(result)


for _name in ("While", "StatelessWhile"):
    tf_op(_name, _declared_or_unknown("T"), _while, stateful=_name == "While", outputs=(("output", lambda a: len(a.get("T", ()))),))
    IMPORT_HOOKS[f"tf.{_name}"] = _specialize_while


# ---- calls ----------------------------------------------------------------------------------------
def _specialize_call(library, operand_types, attrs, operands=()):
    function = library.instantiate(attrs["f"].value, refined_types(operand_types, operands))
    return dict(attrs, f=SymbolRefAttr(function.name)), list(function.type.results)


for _name in ("PartitionedCall", "StatefulPartitionedCall"):
    tf_op(_name, _declared_or_unknown("Tout"), lambda ctx, *args: call(ctx.attrs["f"], list(args)),
          stateful=_name.startswith("Stateful"), outputs=(("output", lambda a: len(a.get("Tout", ()))),))
    IMPORT_HOOKS[f"tf.{_name}"] = _specialize_call


# Assert: XLA programs cannot raise, so (as TensorFlow's XLA bridge does) the check is dropped. (The
# importer leaves out its string message inputs: importer.without_string_messages.)
tf_op("Assert", lambda ctx, *types: [], lambda ctx, *args: [], stateful=True, outputs=())
