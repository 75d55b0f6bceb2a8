"""Grappler's fused contraction ops: ``_FusedConv2D``, ``_FusedDepthwiseConv2dNative``, ``_FusedMatMul``.

TensorFlow's remapper rewrites ``Conv2D -> BiasAdd -> Relu`` into one ``_FusedConv2D`` node; the
``tf-fuse`` pass does the same, so an imported graph is as small as Grappler's. The attributes are
TensorFlow's: the base op's own (strides, padding, data_format, dilations, transpose_a/b, ...) plus

- ``fused_ops``: what follows the contraction, in order: ``["BiasAdd"]`` or ``["FusedBatchNorm"]``,
  optionally followed by one activation (Relu, Relu6, Elu, LeakyRelu, Tanh, Sigmoid);
- ``num_args``: how many extra inputs follow the two operands (1 for BiasAdd: the bias; 4 for
  FusedBatchNorm: scale, offset, mean, variance);
- ``epsilon`` (FusedBatchNorm) and ``leakyrelu_alpha`` (LeakyRelu).

Each decomposes into exactly the core ops of the unfused sequence: it runs the registry
decompositions of the base op, of BiasAdd (or inference-mode FusedBatchNormV3) and of the
activation, one after the other.
"""

from __future__ import annotations

from tfc.registry import ShapeError, lookup
from tfc.verifier import infer_types

from ..dialect import tf_op

ACTIVATIONS = ("Relu", "Relu6", "Elu", "LeakyRelu", "Tanh", "Sigmoid")
_ARGS = {"BiasAdd": 1, "FusedBatchNorm": 4}  # the first fused op and the extra inputs it takes


class _PartContext:
    """The context one part of a fused op's decomposition sees (the base op, BiasAdd, ...)."""

    def __init__(self, attrs: dict, operand_types, result_types, constants=()):
        self.attrs = attrs
        self.operand_types = list(operand_types)
        self.result_types = list(result_types)
        self._constants = list(constants)

    @property
    def result_type(self):
        return self.result_types[0]

    def constant(self, index: int):
        return self._constants[index] if index < len(self._constants) else None

    def require_constant(self, index: int, what: str):
        value = self.constant(index)
        if value is None:
            raise ShapeError(f"{what} (operand #{index}) must be a constant: tfc compiles static shapes")
        return value


def fused_parts(attrs: dict, firsts=tuple(_ARGS)) -> tuple[str, str | None]:
    """(the first fused op, the activation or None) of a ``fused_ops`` list; ShapeError if unsupported."""
    fused = tuple(attrs.get("fused_ops", ()))
    if not fused or fused[0] not in firsts or len(fused) > 2 or (len(fused) == 2 and fused[1] not in ACTIVATIONS):
        raise ShapeError(f"fused_ops {list(fused)} is not supported (expected {' or '.join(firsts)}, then optionally one of {', '.join(ACTIVATIONS)})")
    if int(attrs.get("num_args", -1)) != _ARGS[fused[0]]:
        raise ShapeError(f"fused_ops {list(fused)} takes {_ARGS[fused[0]]} extra inputs, num_args is {attrs.get('num_args')}")
    return fused[0], fused[1] if len(fused) == 2 else None


def _channel_dim(attrs: dict, rank: int) -> int:
    return 1 if str(attrs.get("data_format", "NHWC")).startswith("NC") else rank - 1


def _fused_type(base: str, firsts: tuple):
    def infer(ctx, x, w, *args):
        first, _ = fused_parts(ctx.attrs, firsts)
        if len(args) != _ARGS[first]:
            raise ShapeError(f"fused_ops {list(ctx.attrs.get('fused_ops', ()))} needs {_ARGS[first]} extra inputs, got {len(args)}")
        (result,) = infer_types(lookup(f"tf.{base}"), [x, w], ctx.attrs)
        channels = None if result.shape is None else result.shape[_channel_dim(ctx.attrs, len(result.shape))]
        for index, arg in enumerate(args):
            if arg.dtype != x.dtype:
                raise ShapeError(f"extra input #{index} must have element type {x.dtype.value}, got {arg.dtype.value}")
            if arg.shape is not None and (len(arg.shape) != 1 or None not in (channels, arg.shape[0]) and arg.shape[0] != channels):
                raise ShapeError(f"extra input #{index} must be a vector of {channels} channels, got {arg}")
        return result

    return infer


def _fused_decompose(base: str, firsts: tuple):
    def decompose(ctx, x, w, *args):
        first, activation = fused_parts(ctx.attrs, firsts)
        attrs = dict(ctx.attrs)
        out_types = ctx.result_types
        y = _part(base, attrs, [x, w], out_types, [ctx.constant(0), ctx.constant(1)])
        if first == "BiasAdd":
            y = _part("BiasAdd", attrs, [y, args[0]], out_types)
        else:
            norm = dict(attrs, is_training=False, epsilon=float(attrs.get("epsilon", 1e-4)))
            y = _part("FusedBatchNormV3", norm, [y, *args], None)
        if activation is not None:
            y = _part(activation, dict(attrs, alpha=float(attrs.get("leakyrelu_alpha", 0.2))), [y], out_types)
        return y

    return decompose


def _part(name: str, attrs: dict, operands, result_types, constants=()):
    """Run tf.<name>'s registry decomposition on traced operands; returns its first result."""
    opdef = lookup(f"tf.{name}")
    types = [t.type for t in operands]
    if result_types is None:
        result_types = infer_types(opdef, types, attrs)
    produced = opdef.decompose(_PartContext(attrs, types, result_types, constants), *operands)
    return produced[0] if isinstance(produced, (list, tuple)) else produced


# (fused op, base op, TensorFlow's output arg, what fused_ops may start with)
_FUSED = (
    ("_FusedConv2D", "Conv2D", "output", ("BiasAdd", "FusedBatchNorm")),
    ("_FusedDepthwiseConv2dNative", "DepthwiseConv2dNative", "output", ("BiasAdd", "FusedBatchNorm")),
    ("_FusedMatMul", "MatMul", "product", ("BiasAdd",)),
)
for _name, _base, _output, _firsts in _FUSED:
    tf_op(
        _name,
        _fused_type(_base, _firsts),
        _fused_decompose(_base, _firsts),
        outputs=((_output, 1),),
        summary=f"Grappler's {_base} fused with a bias (or batch norm) and an activation.",
    )


def fusable_activation(name: str) -> bool:
    """Whether ``tf.<name>`` may close a fused op's ``fused_ops`` list."""
    return name in ACTIVATIONS


__all__ = ["ACTIVATIONS", "fusable_activation", "fused_parts"]
