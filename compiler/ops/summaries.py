"""``tfc.summary``: a value a compiled function records for TensorBoard (``tfc.summary.scalar`` and
the others, called inside ``@tfc.compile``).

The op marks the value and names it (``tag``; ``plugin`` says which TensorBoard plugin reads it,
``options`` the JSON of the host's settings for it, such as an audio clip's sample rate).
When the trace ends, ``@tfc.compile`` moves every summary to an extra result of the function (the
function's ``tfc.summaries`` attribute lists their tags, in order), so XLA computes them with the
step and they leave the executable with its other outputs: no host callback, one extra output per
summary. A backend therefore never sees the op.
"""

from __future__ import annotations

from ..diagnostics import BackendError
from ..registry import AttrKind, OpDef, ShapeError, Trait, attr, optional, register
from ..types import TensorType

SUMMARY_OP = "tfc.summary"
SUMMARIES_ATTR = "tfc.summaries"  # on a function: the tags of its trailing results that are summaries


def _outside_compile(ctx, *args):
    raise BackendError("'tfc.summary' becomes a result of its compiled function when the trace ends; a backend cannot "
                       "run it (record summaries in the function @tfc.compile traces, not in an op's region)", ctx.op.location)


def _infer(ctx, value):
    if not isinstance(value, TensorType):
        raise ShapeError(f"a summary records a tensor, got {value}")
    return []


SUMMARY = register(
    OpDef(
        SUMMARY_OP,
        "Records `value` for TensorBoard under `tag` (read by the TensorBoard plugin `plugin`): it leaves the "
        "compiled function as an extra result.",
        operands=("value",),
        results=(),
        attributes={"tag": attr(AttrKind.STRING), "plugin": attr(AttrKind.STRING), "options": optional(AttrKind.STRING, "{}")},
        traits=frozenset({Trait.STATEFUL}),  # never dropped for having no uses
        infer=_infer,
        reference=_outside_compile,
        lower=_outside_compile,
    )
)

__all__ = ["SUMMARIES_ATTR", "SUMMARY", "SUMMARY_OP"]
