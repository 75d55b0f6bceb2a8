"""Small shape computations evaluated at import, where a type depends on them.

A While body is specialized for its loop variables' types at import, before the tf-level passes
fold shape arithmetic, and a list's or TensorArray's size is part of its type. TensorFlow computes
such sizes and permutations at run time (``StridedSlice(Shape(x))``, ``Transpose(x, Concat([1, 0],
Range(2, Rank(x))))`` in ``dynamic_rnn``), so the rules that need them evaluate small pure
computations here: :func:`folded_value` runs an op's decomposition on the interpreter, and
:func:`refined_type` re-runs a type rule with such values. Best effort, to a bounded depth: None or
the declared type when anything on the way is unknown (legalization folds again, exactly).
"""

from __future__ import annotations

import numpy as np

from tfc.backends.interp.interpreter import Interpreter
from tfc.diagnostics import TfcError
from tfc.effects import is_pure
from tfc.frontend.tensor import Tensor, to_tensor
from tfc.frontend.tracing import Trace, tracing
from tfc.ir import Block, Module
from tfc.registry import ShapeError, Trait, lookup
from tfc.types import TensorType, TokenType
from tfc.verifier import InferContext

from ..dialect import IMPORT_HOOKS, DecomposeContext, data_types

FOLD_DEPTH = 6
FOLD_MAX_ELEMENTS = 64
# What a rule may raise on operands it does not expect: a fold or refinement then gives up.
_GIVE_UP = (TfcError, ShapeError, TypeError, ValueError, IndexError, KeyError, AttributeError)


def operand_value(ctx, index: int):
    """Operand ``index``'s value if it is a constant or a small pure computation of known values."""
    value = ctx.constant(index)
    operands = getattr(ctx, "operands", ())
    if value is None and index < len(operands):
        value = folded_value(operands[index])
    return value


def folded_value(value, depth: int = FOLD_DEPTH):
    """``value`` as a numpy array when the tf ops defining it can be evaluated here, else None."""
    op = getattr(value, "op", None)
    opdef = lookup(op.name) if op is not None else None
    if opdef is None or not isinstance(value.type, TensorType) or op.name in IMPORT_HOOKS:
        return None  # (ops that call library functions are not evaluated here)
    if opdef.has(Trait.CONSTANT_LIKE):
        return np.asarray(op.attr("value"))
    size = refined_type(value, depth).num_elements
    if depth == 0 or opdef.decompose is None or not is_pure(op) or size is None or size > FOLD_MAX_ELEMENTS:
        return None
    operands = _data_operands(op)
    results = [r for r in op.results if not isinstance(r.type, TokenType)]
    block = Block([refined_type(v, depth - 1) for v in operands])
    try:
        with tracing(Trace.into_block(Module.create(), block, op.location)) as trace:
            produced = opdef.decompose(DecomposeContext(op, operands, results), *[Tensor(a, trace) for a in block.args])
        produced = produced if isinstance(produced, (list, tuple)) else [produced]
        target = to_tensor(produced[results.index(value)], trace).value
        arguments = dict(zip(block.args, operands))
        if target in arguments:  # the op passes an operand through
            return folded_value(arguments[target], depth - 1)
        return _evaluate(block, arguments, depth).get(target)
    except _GIVE_UP:
        return None


def _evaluate(block: Block, arguments: dict, depth: int) -> dict:
    """Values of ``block``'s ops, folding an argument's source only when an op reads it."""
    env, interpreter = {}, Interpreter(None)
    for new in block.ops:
        for v in new.operands:
            if v not in env and v in arguments:
                env[v] = folded_value(arguments[v], depth - 1)
        inputs = [env.get(v) for v in new.operands]
        if any(x is None for x in inputs):
            return {}
        env.update(zip(new.results, interpreter.evaluate(new, inputs, env)))
    return env


def refined_type(value, depth: int = FOLD_DEPTH):
    """``value``'s type, made more specific by re-running its defining op's type rule on refined
    operand types and folded operand values (a Transpose whose permutation is computed)."""
    declared = value.type
    op = getattr(value, "op", None)
    if not isinstance(declared, TensorType) or declared.is_static or depth == 0 or op is None:
        return declared
    opdef = lookup(op.name)
    if opdef is None or opdef.infer is None or op.name in IMPORT_HOOKS:
        return declared
    operands = _data_operands(op)
    results = [r for r in op.results if not isinstance(r.type, TokenType)]
    try:
        ctx = _FoldingContext(op, operands, depth - 1)
        inferred = opdef.infer(ctx, *[refined_type(v, depth - 1) for v in operands])
        inferred = list(inferred) if isinstance(inferred, (list, tuple)) else [inferred]
        found = inferred[results.index(value)]
    except _GIVE_UP:
        return declared
    return _more_specific(declared, found)


class _FoldingContext(InferContext):
    """A type rule's context whose ``constant(i)`` also folds small computations."""

    __slots__ = ("depth",)

    def __init__(self, op, operands, depth: int):
        super().__init__(op.name, {k: v.value for k, v in op.attributes.items()}, operands=operands)
        self.depth = depth

    def constant(self, index: int):
        found = super().constant(index)
        if found is None and index < len(self.operands):
            found = folded_value(self.operands[index], self.depth)
        return found


def _data_operands(op) -> list:
    return op.operands[: len(data_types(v.type for v in op.operands))]


def _more_specific(declared: TensorType, found) -> TensorType:
    if not isinstance(found, TensorType) or found.dtype != declared.dtype or found.shape is None:
        return declared
    if declared.shape is None:
        return found
    if len(found.shape) != len(declared.shape) or not found.is_compatible(declared):
        return declared
    return declared.with_shape(tuple(a if a is not None else b for a, b in zip(declared.shape, found.shape)))
