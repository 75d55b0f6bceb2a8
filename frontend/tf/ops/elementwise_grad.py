"""TensorFlow's elementwise gradient kernels of activations: ReluGrad, Relu6Grad, EluGrad, SeluGrad,
SoftplusGrad, SoftsignGrad, LeakyReluGrad (those of math ops whose derivative is cheapest from their
output, SigmoidGrad, TanhGrad, SqrtGrad..., are in :mod:`.math_grad`).

Each takes two tensors of one shape (no broadcasting, as in TensorFlow's kernels) and applies the
derivative TensorFlow's CPU kernel does. At a kink the derivative is TensorFlow's one-sided choice:
ReluGrad passes nothing at 0, Relu6Grad nothing at 0 or 6, LeakyReluGrad scales by alpha at 0, and
EluGrad/SeluGrad take the positive branch at an output of exactly 0. The activation kernels read the
forward op's input (``features``), except EluGrad and SeluGrad, which read its output (``outputs``).

TensorFlow also accepts complex numbers for the math kernels (the derivative is conjugated); tfc has
no core op for a conjugate, so a complex operand is a clear error.
"""

from __future__ import annotations

from tfc.frontend import api as tnp
from tfc.registry import ShapeError

from ..dialect import tf_op
from .array import const
from .math import fits, full_like, same_dtype
from .math_nn import SELU_ALPHA, SELU_SCALE


def _grad_type(ctx, a, b):
    """Both operands have one dtype and one shape; the result is that type."""
    same_dtype(ctx, a, b)
    if not fits(a.shape, b.shape):
        raise ShapeError(f"operands must have the same shape, got {a} and {b}")
    if a.dtype.is_complex:
        raise ShapeError(f"complex {a.dtype.value} gradients need a conjugate, which tfc has no core op for")
    return b if a.shape is None else a


def _positive(x):
    return tnp.greater(x, full_like(x, 0))


def _masked(gradients, keep):
    """``gradients`` where ``keep``, else 0."""
    return tnp.where(keep, gradients, full_like(gradients, 0))


# ---- activations: gradients first, then the forward op's input or output --------------------------
def _relu6_grad(ctx, gradients, features):
    return _masked(gradients, tnp.logical_and(_positive(features), tnp.less(features, full_like(features, 6))))


def _negative(x):
    return tnp.less(x, full_like(x, 0))


def _elu_grad(ctx, gradients, outputs):
    """d/dx elu = e^x = outputs + 1 below 0, else 1."""
    return tnp.where(_negative(outputs), tnp.multiply(gradients, tnp.add(outputs, 1)), gradients)


def _selu_grad(ctx, gradients, outputs):
    """d/dx selu = scale * alpha * e^x = outputs + scale * alpha below 0, else scale.

    The constants are made in the operand dtype: a Python float would be rounded to f32 first.
    """
    scale, scale_alpha = (const(v, outputs.dtype) for v in (SELU_SCALE, SELU_SCALE * SELU_ALPHA))
    negative = tnp.multiply(gradients, tnp.add(outputs, scale_alpha))
    return tnp.where(_negative(outputs), negative, tnp.multiply(gradients, scale))


def _softplus_grad(ctx, gradients, features):
    """gradients * sigmoid(features), written as TensorFlow's kernel does: gradients / (1 + e^-x)."""
    return tnp.divide(gradients, tnp.add(tnp.exp(tnp.negative(features)), 1))


def _softsign_grad(ctx, gradients, features):
    return tnp.divide(gradients, tnp.square(tnp.add(tnp.abs(features), 1)))


def _leaky_relu_grad(ctx, gradients, features):
    alpha = float(ctx.attrs.get("alpha", 0.2))
    return tnp.where(_positive(features), gradients, tnp.multiply(gradients, alpha))


_ACTIVATION_GRADS = {
    "ReluGrad": lambda ctx, gradients, features: _masked(gradients, _positive(features)),
    "Relu6Grad": _relu6_grad,
    "EluGrad": _elu_grad,
    "SeluGrad": _selu_grad,
    "SoftplusGrad": _softplus_grad,
    "SoftsignGrad": _softsign_grad,
    "LeakyReluGrad": _leaky_relu_grad,
}
for _name, _fn in _ACTIVATION_GRADS.items():
    tf_op(_name, _grad_type, _fn, outputs=(("backprops", 1),))
