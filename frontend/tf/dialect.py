"""The ``tf.*`` import dialect: one op per TensorFlow op type, declared with :func:`tf_op`.

A tf op keeps TensorFlow's attributes as the GraphDef has them (``T = f32``, ``transpose_a = false``).
Its operands are the node's data inputs followed by one ``!tfc.token`` per control input; its results
are the node's outputs followed, when anything depends on it by control, by one ``!tfc.token``. The
type rule and the decomposition see only the data parts.

Writing an op::

    def _matmul(ctx, a, b):          # decompose: operands are traced Tensors, use tfc.frontend.api
        ...
    tf_op("MatMul", infer=..., decompose=_matmul)

The type rule receives ``ctx.attrs``, ``ctx.constant(i)`` (an operand's value when it is a constant)
and operand types; it returns the result types, using ``?``/``*`` where TensorFlow would not know.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

from tfc.registry import OpDef, ShapeError, Trait, register
from tfc.types import DType, TensorType, TokenType, Type
from tfc.verifier import InferContext

TOKEN = TokenType()

# tf op name -> hook(library, operand_types, attrs, operands) -> (attrs, result_types), run by the
# importer for ops that call library functions: it imports the callees specialized for the operand
# types (``operands``, the values, tell what a type cannot: a list's length when its element shape is unknown).
IMPORT_HOOKS: dict[str, Callable] = {}


def data_types(types) -> list[Type]:
    """Operand or result types without the trailing control tokens."""
    types = list(types)
    while types and isinstance(types[-1], TokenType):
        types.pop()
    return types


def _arity(fn: Callable) -> tuple[int, int | None]:
    """(fewest, most or None) tensors ``fn(ctx, *tensors)`` takes, from its signature."""
    params = list(inspect.signature(fn).parameters.values())[1:]
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    fewest = sum(1 for p in positional if p.default is p.empty)
    return fewest, None if any(p.kind is p.VAR_POSITIONAL for p in params) else len(positional)


class _DataInfer:
    """Wraps a tf type rule so it sees data operands only, and keeps a declared control token.

    The signatures of the rule and of the decomposition say how many inputs the op takes (both must
    accept them: ``AddV2``'s rule broadcasts any number, its decomposition adds two), so a node or an
    op with the wrong number of inputs is a clear error — at import, and in the verifier, before any
    pass — instead of a Python TypeError in whatever pass touches it first.
    """

    def __init__(self, rule: Callable, decompose: Callable | None = None):
        self.rule = rule
        self.min_inputs, self.max_inputs = _arity(rule)
        if decompose is not None:
            fewest, most = _arity(decompose)
            self.min_inputs = max(self.min_inputs, fewest)
            if most is not None:
                self.max_inputs = most if self.max_inputs is None else min(self.max_inputs, most)

    def expected(self) -> str:
        """``1 input``, ``2 inputs``, ``2 to 3 inputs`` or ``1 or more inputs``."""
        if self.max_inputs is None:
            return f"{self.min_inputs} or more inputs"
        if self.min_inputs == self.max_inputs:
            return f"{self.min_inputs} input{'' if self.min_inputs == 1 else 's'}"
        return f"{self.min_inputs} to {self.max_inputs} inputs"

    def __call__(self, ctx, *types):
        data = data_types(types)
        if len(data) < self.min_inputs or (self.max_inputs is not None and len(data) > self.max_inputs):
            raise ShapeError(f"expects {self.expected()}, got {len(data)}")
        ctx.operands = ctx.operands[: len(data)]
        results = self.rule(ctx, *data)
        results = list(results) if isinstance(results, (list, tuple)) else [results]
        if ctx.declared and len(ctx.declared) == len(results) + 1 and isinstance(ctx.declared[-1], TokenType):
            results.append(TOKEN)
        return results


def tf_op(
    name: str,
    infer: Callable,
    decompose: Callable | None = None,
    *,
    summary: str = "",
    stateful: bool = False,
    outputs: tuple = (("output", 1),),
    constant_like: bool = False,
    ref_inputs: tuple = (),
) -> OpDef:
    """Register ``tf.<name>``. ``outputs`` lists TensorFlow's output args as (name, count) pairs, where
    count is an int or a function of the attribute values (for ``node:arg:index`` references in
    function bodies). ``ref_inputs`` are the operand positions that take a variable itself; anywhere
    else the importer reads the variable first, as TensorFlow does with ref-typed inputs."""
    traits = {Trait.STATEFUL} if stateful else {Trait.PURE}
    if constant_like:
        traits.add(Trait.CONSTANT_LIKE)
    return register(
        OpDef(
            f"tf.{name}",
            summary or f"TensorFlow's {name}.",
            operands=("inputs*",),
            results=("outputs*",),
            traits=frozenset(traits),
            infer=_DataInfer(infer, decompose),
            decompose=decompose,
            output_args=outputs,
            open_attributes=True,
            ref_inputs=ref_inputs,
        )
    )


# ---- type-rule helpers shared by the op families ---------------------------------------------------
def unknown(dtype: DType) -> TensorType:
    return TensorType(dtype, None)


def attr_dtype(ctx, key: str = "T") -> DType:
    value = ctx.attrs.get(key)
    if not isinstance(value, DType):
        raise ShapeError(f"needs a dtype attribute '{key}'")
    return value


def same_as_first(ctx, x, *rest):
    """The result has the first operand's type (unary ops, and binary ops on equal shapes)."""
    return x


def broadcast(ctx, *types):
    """numpy broadcasting of the operands' shapes (TensorFlow's binary ops), keeping ``?`` where unknown."""
    shapes = [t.shape for t in types]
    dtype = types[0].dtype
    if any(s is None for s in shapes):
        return TensorType(dtype, None)
    rank = max(len(s) for s in shapes)
    out = []
    for dims in zip(*[(1,) * (rank - len(s)) + s for s in shapes]):
        known = {d for d in dims if d is not None and d != 1}
        if len(known) > 1:
            raise ShapeError(f"shapes {' and '.join(str(list(s)) for s in shapes)} cannot be broadcast together")
        if known:
            out.append(known.pop())
        elif any(d is None for d in dims):
            out.append(None)
        else:
            out.append(1)
    return TensorType(dtype, tuple(out))


def to_bool(ctx, *types):
    return TensorType(DType.bool, broadcast(ctx, *types).shape)


STATIC_SHAPES_HINT = ("tfc compiles static shapes (a placeholder's unknown dims are known once it is fed, or given "
                      "with tfc lower --input-shape NAME=DIMS)")


class ConstantRequired(ShapeError):
    """An operand that determines a shape but is computed at run time. ``value`` is that operand: a
    session can make the feeds it is computed from compile-time constants and compile again."""

    def __init__(self, message: str, value=None):
        super().__init__(message)
        self.value = value


class DataDependentShape(ShapeError):
    """An op whose output shape depends on its input values (Where, Unique, ...): XLA cannot compile
    it, but it can run on the host once its inputs are known (a session does that: the host stage)."""


def require_constant(ctx, index: int, what: str):
    """Data operand ``index``'s value (a type rule's or a decomposition's ``ctx``); ConstantRequired
    naming it when it is computed at run time."""
    value = ctx.constant(index)
    if value is None:
        operands = ctx.operands
        raise ConstantRequired(f"{what} (operand #{index}) must be a constant: tfc compiles static shapes, and this one is "
                               "computed at run time", operands[index] if index < len(operands) else None)
    return value


class DecomposeContext:
    """What a decomposition sees: the op's attributes, data operand/result types and constant operands."""

    def __init__(self, op, data_operands, data_results):
        self.op = op
        self.attrs = {k: v.value for k, v in op.attributes.items()}
        self.operand_types = [v.type for v in data_operands]
        self.result_types = [r.type for r in data_results]
        self.operands = data_operands

    @property
    def result_type(self):
        return self.result_types[0]

    def constant(self, index: int):
        """The value of data operand ``index`` if it is a constant, else None."""
        return InferContext(self.op.name, self.attrs, operands=self.operands).constant(index)

    def require_constant(self, index: int, what: str):
        """Like constant(), but ConstantRequired when the operand is computed at run time."""
        return require_constant(self, index, what)
