"""Custom ops as a user library defines them (outside the tfc package): used by test_custom_op.py."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

import tfc


@tfc.custom_op("mylib.scaled_softplus", reference=lambda x, scale: np.log1p(np.exp(scale * x)))
def scaled_softplus(x, scale: float):  # the kernel: a jax function, traced once per signature
    return jax.nn.softplus(scale * x)


@tfc.custom_op("mylib.sum_and_diff", reference=lambda a, b: (a + b, a - b))
def sum_and_diff(a, b):
    """Two tensor inputs, two results."""
    return a + b, a - b


def _softplus_grad(ctx, g):
    """d/dx softplus(scale * x) = scale * sigmoid(scale * x), written with the tracing API."""
    x, scale = ctx.operands[0], ctx.attrs["scale"]
    return [g * scale * ctx.api.sigmoid(scale * x)]


@tfc.custom_op(
    "mylib.softplus_explicit_grad",
    reference=lambda x, scale=1.0: np.log1p(np.exp(scale * x)),
    grad=_softplus_grad,
)
def softplus_explicit_grad(x, scale: float = 1.0):
    """Scaled softplus whose gradient rule is given (no companion _vjp op)."""
    return jnp.logaddexp(scale * x, 0.0)
