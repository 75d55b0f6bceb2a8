"""Transfers between devices: ``tfc.send`` and ``tfc.recv``, the two halves of a cross-device edge.

The ``partition`` pass writes them: a value computed on one device and used on another is sent once
per destination device and received there, the pair matched by its rendezvous ``key`` (the verifier
checks that every key has exactly one send and one receive of the same type). A value of type
``!tfc.token`` is a control edge: its transfer carries no data, only "after this".

The ops only have meaning between the functions of a partitioned program, so neither backend runs
them alone: the multi-device executor (``tfc.runtime.executor``) cuts each device's function at its
receives and moves the values itself (XLA:CPU has no ``stablehlo.send``/``recv``).
"""

from __future__ import annotations

from ..device_spec import DeviceError, DeviceSpec
from ..diagnostics import BackendError
from ..registry import AttrKind, OpDef, ShapeError, Trait, attr, register
from ..types import TensorType, TokenType
from .rules import declared

# Stateful: a transfer is communication, never merged, moved across another or dropped when unused.
_TRANSFER = frozenset({Trait.STATEFUL, Trait.RENDEZVOUS})


def _executor_only(ctx, *args):
    raise BackendError(f"'{ctx.op.name}' runs only in a partitioned program, through the multi-device executor "
                       "(tfc.runtime.executor); a backend cannot run one device's function alone", ctx.op.location)


def _check_device(op) -> str | None:
    for key in ("to", "from"):
        text = op.attr(key)
        if text is None:
            continue
        try:
            spec = DeviceSpec.parse(text)
            if text not in (spec.name, spec.full if spec.job is not None and spec.task is not None else None):
                return (f"attribute '{key}': expected a device's short name like 'cpu:1' or 'host', or another task's "
                        f"full name like '/job:ps/task:0/device:CPU:0', got '{text}'")
        except DeviceError as err:
            return f"attribute '{key}': {err}"
    return None


def _infer_send(ctx, value):
    if not isinstance(value, (TensorType, TokenType)):
        raise ShapeError(f"can send a tensor or a token, got {value}")
    return []


def _infer_recv(ctx):
    result = declared(ctx)
    if not isinstance(result, (TensorType, TokenType)):
        raise ShapeError(f"can receive a tensor or a token, got {result}")
    return result


SEND = register(
    OpDef(
        "tfc.send",
        "Sends `value` to device `to`, where the `tfc.recv` with the same rendezvous `key` receives it.",
        operands=("value",),
        results=(),
        attributes={"key": attr(AttrKind.STRING), "to": attr(AttrKind.STRING)},
        traits=_TRANSFER,
        infer=_infer_send,
        reference=_executor_only,
        lower=_executor_only,
        verify=_check_device,
    )
)

RECV = register(
    OpDef(
        "tfc.recv",
        "The value the `tfc.send` with the same rendezvous `key` sends from device `from`.",
        attributes={"key": attr(AttrKind.STRING), "from": attr(AttrKind.STRING)},
        traits=_TRANSFER,
        infer=_infer_recv,
        reference=_executor_only,
        lower=_executor_only,
        verify=_check_device,
    )
)

TOKEN = register(
    OpDef(
        "tfc.token",
        "A token marking this point of the function's side effects: the control edge a `tfc.send` carries "
        "to another device, where side effects after the matching `tfc.recv` wait for it.",
        traits=frozenset({Trait.STATEFUL}),
        infer=lambda ctx: TokenType(),
        reference=_executor_only,
        lower=_executor_only,
    )
)
