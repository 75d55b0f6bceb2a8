"""Variables: a handle op and read/assign ops that keep program order (all ``stateful``).

``tfc.variable {name}`` names a variable living outside the function (in a session's variable store);
``tfc.read_variable`` and ``tfc.assign_variable`` read and update it, ``tfc.variable_is_initialized``
asks whether it has a value yet. A variable with an ``initial_value`` is state an op keeps for itself
between runs (a stateful random op's generator position): the session creates it with that value
the first time a run needs it, and keeps it apart from the user's variables. Backends do not run these ops: the ``lift-variables`` pass turns them
into function arguments and results first (reads become the current value, assigns produce the next
one, the question becomes a flag the session passes in), which is how XLA updates variables in place.
"""

from __future__ import annotations

from ..diagnostics import BackendError
from ..registry import AttrKind, OpDef, ShapeError, Trait, attr, optional, register
from ..types import DType, ResourceType, TensorType
from .rules import declared

_STATEFUL = frozenset({Trait.STATEFUL})


def _not_lifted(ctx, *args):
    raise BackendError(f"'{ctx.op.name}' must be lifted to function arguments first (run the lift-variables pass)", ctx.op.location)


def _infer_variable(ctx):
    handle = declared(ctx)
    if not isinstance(handle, ResourceType) or handle.value_type is None:
        raise ShapeError(f"result must be a !tfc.resource<tensor<...>> naming the value type, got {handle}")
    initial = ctx.attrs.get("initial_value")
    if initial is not None and TensorType(DType.from_numpy(initial.dtype), initial.shape) != handle.value_type:
        raise ShapeError(f"initial_value of dtype {initial.dtype} and shape {list(initial.shape)} does not match the variable's "
                         f"{handle.value_type}")
    return handle


def _infer_read(ctx, handle):
    if not isinstance(handle, ResourceType):
        raise ShapeError(f"operand must be a variable handle, got {handle}")
    if handle.value_type is None:
        return declared(ctx)
    return handle.value_type


def _infer_assign(ctx, handle, value):
    if not isinstance(handle, ResourceType):
        raise ShapeError(f"first operand must be a variable handle, got {handle}")
    if handle.value_type is not None and not handle.value_type.is_compatible(value):
        raise ShapeError(f"cannot assign {value} to a variable of type {handle.value_type}")
    return []


def _infer_is_initialized(ctx, handle):
    if not isinstance(handle, ResourceType):
        raise ShapeError(f"operand must be a variable handle, got {handle}")
    return TensorType(DType.bool, ())


VARIABLE = register(
    OpDef(
        "tfc.variable",
        "A handle to the variable called `name` in the session's store; with `initial_value`, op-internal "
        "state the session creates with that value when a run first needs it.",
        attributes={"name": attr(AttrKind.STRING), "initial_value": optional(AttrKind.DENSE)},
        traits=_STATEFUL,
        infer=_infer_variable,
        reference=_not_lifted,
        lower=_not_lifted,
    )
)

READ_VARIABLE = register(
    OpDef(
        "tfc.read_variable",
        "The variable's current value.",
        operands=("handle",),
        traits=_STATEFUL,
        infer=_infer_read,
        reference=_not_lifted,
        lower=_not_lifted,
    )
)

ASSIGN_VARIABLE = register(
    OpDef(
        "tfc.assign_variable",
        "Sets the variable's value; later reads in program order see it.",
        operands=("handle", "value"),
        results=(),
        traits=_STATEFUL,
        infer=_infer_assign,
        reference=_not_lifted,
        lower=_not_lifted,
    )
)

VARIABLE_IS_INITIALIZED = register(
    OpDef(
        "tfc.variable_is_initialized",
        "Whether the variable has a value (a scalar bool): assigned earlier in program order or in the session's store.",
        operands=("handle",),
        traits=_STATEFUL,
        infer=_infer_is_initialized,
        reference=_not_lifted,
        lower=_not_lifted,
    )
)
