"""The remapping step of ``tf-fuse``: TensorFlow's remapper and its constant folding into weights.

A contraction (Conv2D, DepthwiseConv2dNative, MatMul) is followed down its single-use chain. A
BiasAdd (or one constant added per channel) and then an activation fuse with the contraction into
Grappler's fused op (:data:`CONTRACTIONS`): the same arithmetic in the same order, so exact. With
``fold_weights`` (``tf-fuse{fast-math=true}``), per-channel affine steps with constant operands
(:data:`AFFINE_STEPS`) also fold into a constant filter and one bias: Keras 3's unfused batch norm
(``x * scale + shift`` on constants, which ``tf-fold`` computes) and FusedBatchNorm in inference
mode both end up in the filter::

    Conv2D(x, w) * s + b  ->  _FusedConv2D(x, w * s, b) {fused_ops = ["BiasAdd"]}

The folded filter and bias are computed in float64 and rounded once to the op's type: a float
reassociation, so results agree with the unfused graph to rounding, not bitwise — hence fast-math
only. Integer graphs are never rewritten. The chain is found when the walk reaches the contraction
and rewritten when it reaches the chain's last op, where every operand of the fused op is defined:
linear in the block.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from tfc.attributes import ArrayAttr, FloatAttr, IntegerAttr, StringAttr
from tfc.effects import constant_value
from tfc.ir import Block, Operation, Value
from tfc.rewriter import Rewriter
from tfc.types import DType, TensorType

from .ops.fused import fusable_activation
from .tf_ir import data_results, is_tf, make_const, split_operands, token_result


# ---- contractions: how output channels map to the filter ---------------------------------------
def _conv_channel_axis(op: Operation, rank: int) -> int:
    return 1 if str(op.attr("data_format", "NHWC")).startswith("NC") else rank - 1


def _scale_conv(op: Operation, w: np.ndarray, s: np.ndarray) -> np.ndarray:
    return w * s  # [*spatial, in, out]: out is the last axis


def _scale_depthwise(op: Operation, w: np.ndarray, s: np.ndarray) -> np.ndarray:
    return w * s.reshape(w.shape[-2], w.shape[-1])  # output channel c * M + m is filter [..., c, m]


def _scale_matmul(op: Operation, w: np.ndarray, s: np.ndarray) -> np.ndarray:
    return w * s[:, None] if op.attr("transpose_b", False) else w * s  # b is [N, K] when transposed


@dataclass(frozen=True)
class Contraction:
    """A contraction the remapper starts from: its fused op and how to scale its filter."""

    fused: str
    channel_axis: Callable[[Operation, int], int]
    scale_filter: Callable[[Operation, np.ndarray, np.ndarray], np.ndarray]


CONTRACTIONS = {
    "tf.Conv2D": Contraction("tf._FusedConv2D", _conv_channel_axis, _scale_conv),
    "tf.DepthwiseConv2dNative": Contraction("tf._FusedDepthwiseConv2dNative", _conv_channel_axis, _scale_depthwise),
    "tf.MatMul": Contraction("tf._FusedMatMul", lambda op, rank: rank - 1, _scale_matmul),
}


# ---- affine steps: y -> y * scale + shift per output channel ------------------------------------
@dataclass
class Affine:
    """The contraction's output times ``scale`` plus ``shift`` (per channel; None means 1 and 0)."""

    channels: int
    scale: np.ndarray | None = None
    shift: np.ndarray | None = None

    def multiply(self, v: np.ndarray) -> None:
        self.scale = v if self.scale is None else self.scale * v
        self.shift = None if self.shift is None else self.shift * v

    def add(self, v: np.ndarray) -> None:
        self.shift = v if self.shift is None else self.shift + v


def _mul(affine: Affine, c: np.ndarray, position: int) -> None:
    affine.multiply(c)


def _real_div(affine: Affine, c: np.ndarray, position: int) -> None:
    affine.multiply(1.0 / c)


def _add(affine: Affine, c: np.ndarray, position: int) -> None:
    affine.add(c)


def _sub(affine: Affine, c: np.ndarray, position: int) -> None:
    affine.add(-c)


# (op, operand positions the chain may enter at, update) — each with a constant per-channel operand.
AFFINE_STEPS = {
    "tf.Mul": ((0, 1), _mul),  # (y * c) = y * c
    "tf.RealDiv": ((0,), _real_div),  # y / c = y * (1 / c)
    "tf.AddV2": ((0, 1), _add),  # y + c
    "tf.Add": ((0, 1), _add),  # y + c
    "tf.BiasAdd": ((0,), _add),  # y + c along the data_format's channel axis
    "tf.Sub": ((0,), _sub),  # y - c = y + (-c)
}
_BATCH_NORMS = ("tf.FusedBatchNorm", "tf.FusedBatchNormV2", "tf.FusedBatchNormV3")  # (y - mean) * rsqrt(var + eps) * scale + offset


def per_channel(c: np.ndarray, shape: tuple, axis: int) -> np.ndarray | None:
    """``c`` as a vector over ``shape[axis]`` when it broadcasts against ``shape`` along that axis only."""
    if c.ndim > len(shape):
        return None
    padded = (1,) * (len(shape) - c.ndim) + tuple(c.shape)
    if any(d != 1 for i, d in enumerate(padded) if i != axis) or padded[axis] not in (1, shape[axis]):
        return None
    return np.broadcast_to(c.reshape(-1).astype(np.float64), (shape[axis],)).copy()


# ---- the chain below one contraction ------------------------------------------------------------
@dataclass
class Chain:
    """What replaces ``ops`` (a contraction and its single-use followers) at the last of them."""

    contraction: Operation
    ops: list[Operation] = field(default_factory=list)
    affine: Affine | None = None
    bias: Value | None = None  # a non-constant BiasAdd operand
    activation: Operation | None = None

    @property
    def last(self) -> Operation:
        return self.ops[-1]


def _single_user(value: Value) -> tuple[Operation, int] | None:
    """The only (tf op, data operand position) using ``value``, with no control edges on that op."""
    if len(value.uses) != 1:
        return None
    (user, position), = value.uses
    if not is_tf(user) or split_operands(user)[1] or _token_used(user):
        return None
    return user, position


def _token_used(op: Operation) -> bool:
    token = token_result(op)
    return token is not None and bool(token.uses)


def find_chain(op: Operation, fold_weights: bool = False) -> Chain | None:
    """The fusable chain starting at contraction ``op`` (folding constant steps into its weights when
    ``fold_weights``), or None when nothing changes."""
    kind = CONTRACTIONS.get(op.name)
    out = op.results[0] if op.results else None
    if kind is None or split_operands(op)[1] or _token_used(op) or not isinstance(out.type, TensorType):
        return None
    if out.type.dtype not in (DType.f32, DType.f64) or not out.type.is_static:
        return None
    shape = out.type.shape
    axis = kind.channel_axis(op, len(shape))
    chain = Chain(op, [op], Affine(shape[axis]))
    scalable = fold_weights and constant_value(op.operands[1]) is not None
    cur = out
    while (fold_weights or chain.affine.shift is None) and (step := _single_user(cur)) is not None \
            and _affine_step(chain, step, cur, axis, scalable):
        cur = step[0].results[0]
    if chain.affine.shift is None and (step := _single_user(cur)) is not None and (bias := _bias_step(step, cur, axis)) is not None:
        chain.bias = bias
        chain.ops.append(step[0])
        cur = step[0].results[0]
    has_bias = chain.affine.shift is not None or chain.bias is not None
    if has_bias and (step := _single_user(cur)) is not None and fusable_activation(step[0].name[3:]) and step[0].results[0].type == cur.type:
        chain.activation = step[0]
        chain.ops.append(step[0])
    return chain if len(chain.ops) > 1 and (has_bias or chain.affine.scale is not None) else None


def _affine_step(chain: Chain, step: tuple[Operation, int], cur: Value, axis: int, scalable: bool) -> bool:
    """Fold one per-channel step into ``chain.affine``; False when ``step`` is not one."""
    user, position = step
    if user.name in _BATCH_NORMS:
        return position == 0 and scalable and _batch_norm_step(chain, user, cur, axis)
    rule = AFFINE_STEPS.get(user.name)
    data = split_operands(user)[0]
    if rule is None or position not in rule[0] or len(data) != 2 or len(user.results) != 1 or user.results[0].type != cur.type:
        return False
    c = constant_value(data[1 - position])
    if user.name == "tf.BiasAdd":  # the bias runs along the data_format's channel axis, not numpy's last
        fits = c is not None and c.shape == (chain.affine.channels,) and _conv_channel_axis(user, len(cur.type.shape)) == axis
        v = c.astype(np.float64) if fits else None
    else:
        v = None if c is None else per_channel(c, cur.type.shape, axis)
    if v is None or not np.all(np.isfinite(v)) or (rule[1] is _real_div and not np.all(v)):
        return False  # an infinity or a division by zero does not distribute over the weights
    if rule[1] in (_mul, _real_div) and not scalable:
        return False
    rule[1](chain.affine, v, position)
    chain.ops.append(user)
    return True


def _batch_norm_step(chain: Chain, bn: Operation, cur: Value, axis: int) -> bool:
    """Inference-mode FusedBatchNorm with constant statistics, only its ``y`` used."""
    if bn.attr("is_training", True) or any(r.uses for r in bn.results[1:]) or bn.results[0].type != cur.type:
        return False
    if _conv_channel_axis(bn, len(cur.type.shape)) != axis:
        return False
    params = [constant_value(v) for v in split_operands(bn)[0][1:5]]
    if any(p is None or p.shape != (chain.affine.channels,) for p in params):
        return False
    scale, offset, mean, variance = (p.astype(np.float64) for p in params)
    factor = scale / np.sqrt(variance + float(bn.attr("epsilon", 1e-4)))
    if not np.all(np.isfinite(factor)) or not np.all(np.isfinite(mean)) or not np.all(np.isfinite(offset)):
        return False
    chain.affine.add(-mean)
    chain.affine.multiply(factor)
    chain.affine.add(offset)
    chain.ops.append(bn)
    return True


def _bias_step(step: tuple[Operation, int], cur: Value, axis: int) -> Value | None:
    """The run-time bias of a BiasAdd (or an Add of a vector along the last axis, which is one)
    right after the contraction, or None."""
    user, position = step
    data = split_operands(user)[0]
    if len(data) != 2 or user.results[0].type != cur.type:
        return None
    bias = data[1 - position]
    vector = isinstance(bias.type, TensorType) and bias.type.shape == (cur.type.shape[axis],) and bias.type.dtype == cur.type.dtype
    if user.name == "tf.BiasAdd":
        return bias if position == 0 and vector and _conv_channel_axis(user, len(cur.type.shape)) == axis else None
    return bias if user.name in _VECTOR_ADDS and vector and axis == len(cur.type.shape) - 1 else None


_VECTOR_ADDS = ("tf.AddV2", "tf.Add")  # y + v with v of shape [channels], channels last: a BiasAdd


# ---- building the replacement ------------------------------------------------------------------
def build(chain: Chain) -> list[Operation]:
    """The new ops (constants, then the fused or rescaled contraction) replacing ``chain``."""
    op, last = chain.contraction, chain.last
    out = data_results(last)[0]
    dtype: DType = out.type.dtype
    new: list[Operation] = []
    x, w = op.operands[0], op.operands[1]
    affine = chain.affine
    if affine.scale is not None:
        scaled = CONTRACTIONS[op.name].scale_filter(op, constant_value(w).astype(np.float64), affine.scale)
        new.append(make_const(scaled, w.type, op, w.name_hint))
        w = new[-1].results[0]
    bias = chain.bias
    if affine.shift is not None:
        new.append(make_const(affine.shift, TensorType(dtype, (affine.channels,)), last, f"{out.name_hint or 'fused'}_bias"))
        bias = new[-1].results[0]
    attrs = dict(op.attributes)
    if bias is None:
        name, operands = op.name, [x, w]
    else:
        name, operands = CONTRACTIONS[op.name].fused, [x, w, bias]
        attrs.update(_fused_attrs(chain))
    new.append(Operation(name, operands, [out.type], attrs, location=last.location, result_names=[out.name_hint]))
    return new


def _fused_attrs(chain: Chain) -> dict:
    fused = ["BiasAdd"]
    attrs = {"num_args": IntegerAttr(1)}
    act = chain.activation
    if act is not None:
        fused.append(act.name[3:])
        if "alpha" in act.attributes:
            attrs["leakyrelu_alpha"] = FloatAttr(float(act.attr("alpha")), DType.f32)
    attrs["fused_ops"] = ArrayAttr(tuple(StringAttr(f) for f in fused))
    return attrs


def remap_block(block: Block, rewriter: Rewriter, fold_weights: bool = False) -> None:
    """Rewrite every chain in ``block`` in one walk: found at its contraction, replaced at its last op."""
    pending: dict[Operation, Chain] = {}
    claimed: set[Operation] = set()
    for op in block.ops:
        chain = pending.pop(op, None)
        if chain is None and op not in claimed and (found := find_chain(op, fold_weights)) is not None:
            pending[found.last] = found
            claimed.update(found.ops)
        if chain is not None:
            _apply(chain, rewriter)


def _apply(chain: Chain, rewriter: Rewriter) -> None:
    new = build(chain)
    for created in new:
        rewriter.insert_before(chain.last, created)
    data_results(chain.last)[0].replace_all_uses_with(new[-1].results[0])
    for op in reversed(chain.ops):  # the last first: each frees the one before it
        rewriter.erase(op)


__all__ = ["AFFINE_STEPS", "CONTRACTIONS", "Affine", "Chain", "find_chain", "per_channel", "remap_block"]
