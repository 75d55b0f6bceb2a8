"""The two core ops the TF1 graph API needs: ``tfc.placeholder`` (a value a Session feeds) and
``tfc.identity`` (names a value, or carries control dependencies). Both are core ops like any other,
so graphs print, parse and verify without the graph API loaded."""

from __future__ import annotations

from ..diagnostics import BackendError
from ..registry import AttrKind, OpDef, Trait, attr, register
from .rules import declared


def _must_be_fed(ctx, *args):
    raise BackendError(f"placeholder '{ctx.op.attr('name')}' must be fed (give it a value in feed_dict)", ctx.op.location)


PLACEHOLDER = register(
    OpDef(
        "tfc.placeholder",
        "A graph input the Session must feed (graph API); running it unfed is an error.",
        attributes={"name": attr(AttrKind.STRING)},
        traits=frozenset({Trait.STATEFUL}),  # never folded, merged or moved
        infer=declared,
        reference=_must_be_fed,
        lower=_must_be_fed,
        grad=lambda ctx, *g: [],
    )
)

IDENTITY = register(
    OpDef(
        "tfc.identity",
        "Its operand, unchanged (graph API: names a value, or carries control dependencies).",
        operands=("operand",),
        infer=lambda ctx, t: t,
        reference=lambda ctx, x: x,
        lower=lambda ctx, x: x,
        grad=lambda ctx, g: [g],
    )
)

__all__ = ["IDENTITY", "PLACEHOLDER"]
