"""Where a stateful random op's generator stands between runs, kept as TensorFlow's kernel keeps it.

TensorFlow's stateful random kernels (RandomUniform, RandomStandardNormal, TruncatedNormal,
RandomUniformInt, Multinomial, RandomShuffle) each own a Philox generator for the session's life:
every run *reserves* the blocks it may use by skipping the generator ahead, so run k starts where
the reservations of runs 1 .. k-1 ended. The op family says how many blocks one run reserves.

tfc keeps that position (blocks reserved so far, a u64) in a ``tfc.variable`` named after the node
(``<node>:philox_position``; ``:`` never occurs in TensorFlow node names) with an ``initial_value``
of 0: the decomposition reads it, moves its generator's counter on by it, and assigns it plus this
run's reservation. ``lift-variables`` makes it an argument and a result like any variable, and the
session creates it the first time a run needs it (runtime/variable_store.py, "Op state"): each
session has its own, as each TensorFlow session has its own kernels.

Only an op at the top level of the entry function ``main`` keeps a position. One in a loop body, a
cond branch or another called function gives its first run's numbers every time (``lift-variables``
does not thread variables through regions yet), as does an op without a node name.
"""

from __future__ import annotations

import numpy as np

from tfc.attributes import DenseElementsAttr
from tfc.frontend.tensor import Tensor
from tfc.frontend.tracing import current_trace
from tfc.ir import FUNC_OP
from tfc.location import NameLoc
from tfc.types import DType, ResourceType, TensorType

from .philox import Generator
from .state import assign, read

ENTRY = "main"  # the function sessions run
POSITION_SUFFIX = ":philox_position"
_POSITION_TYPE = TensorType(DType.u64, ())


def position_name(ctx) -> str | None:
    """The name of the op's position variable; None where the op cannot keep one (see the module)."""
    parent = ctx.op.parent_op
    at_entry = parent is not None and parent.name == FUNC_OP and parent.attr("sym_name") == ENTRY
    node = ctx.op.location.name if isinstance(ctx.op.location, NameLoc) else ""
    return f"{node}{POSITION_SUFFIX}" if at_entry and node else None


def advance(ctx, gen: Generator, reserved_blocks: int) -> Generator:
    """``gen`` moved on past the blocks earlier runs reserved; this run reserves ``reserved_blocks``."""
    name = position_name(ctx)
    if name is None or reserved_blocks == 0:
        return gen
    trace = current_trace()
    initial = DenseElementsAttr.from_array(np.uint64(0))
    op = trace.emit("tfc.variable", [], {"name": name, "initial_value": initial}, [ResourceType(_POSITION_TYPE)])
    handle = Tensor(op.result, trace)
    position = read(handle)
    assign(handle, position + np.uint64(reserved_blocks))
    return gen.skip(position)
