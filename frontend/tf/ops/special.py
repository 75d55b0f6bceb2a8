"""TensorFlow's special functions: Lgamma, Digamma, Polygamma, Zeta, Erfinv, Ndtri, BesselI0e,
BesselI1e, Igamma, Igammac, IgammaGradA, Betainc, and RandomGammaGrad (the derivative of a gamma
sample with respect to its shape parameter, composed from igamma's partial derivatives).

Each is one core op but Ndtri, which is Cephes' rational approximation (what TensorFlow's kernel
evaluates) written with the basic ops: ``sqrt(2) * erfinv(2p - 1)`` would lose all precision for
small p, where ``2p - 1`` rounds to -1. Half floats compute in f32, as TensorFlow's kernels do.
The binary ops broadcast; Betainc takes scalars or operands of one shape, like TensorFlow's kernel.
"""

from __future__ import annotations

import numpy as np

from tfc.frontend import api as tnp
from tfc.registry import ShapeError
from tfc.types import DType

from ..dialect import same_as_first, tf_op
from .math import binary_type, broadcast_pair, emit, fits, full_like, same_dtype

_HALF = (DType.f16, DType.bf16)


def in_f32_for_halves(fn):
    """``fn(*tensors)`` computed in f32 when the operands are half floats, cast back after."""

    def wrapped(*xs):
        if xs[0].dtype not in _HALF:
            return fn(*xs)
        return tnp.astype(fn(*[tnp.astype(x, DType.f32) for x in xs]), xs[0].dtype)

    return wrapped


def _core(name: str):
    """The core op ``name`` after numpy broadcasting of the operands."""

    def compute(*xs):
        shape = tnp.broadcast_shapes(*[x.shape for x in xs])
        return emit(name, *[tnp.broadcast_to(x, shape) for x in xs])

    fn = in_f32_for_halves(compute)
    return lambda ctx, *xs: fn(*xs)


# ---- Ndtri: Cephes' inverse of the standard normal CDF -------------------------------------------
# Coefficients, highest power first; each Q has a leading 1. For p in (e^-2, 1 - e^-2):
# x = sqrt(2 pi) (w + w^3 P0(w^2) / Q0(w^2)), w = p - 1/2. In the tails, with y = min(p, 1 - p) and
# z = sqrt(-2 log y): x = z - log(z) / z - P(1/z) / (z Q(1/z)), P1/Q1 for z < 8, P2/Q2 beyond.
_P0 = (-5.99633501014107895267e1, 9.80010754185999661536e1, -5.66762857469070293439e1, 1.39312609387279679503e1,
       -1.23916583867381258016e0)
_Q0 = (1.0, 1.95448858338141759834e0, 4.67627912898881538453e0, 8.63602421390890590575e1, -2.25462687854119370527e2,
       2.00260212380060660359e2, -8.20372256168333339912e1, 1.59056225126211695515e1, -1.18331621121330003142e0)
_P1 = (4.05544892305962419923e0, 3.15251094599893866154e1, 5.71628192246421288162e1, 4.40805073893200834700e1,
       1.46849561928858024014e1, 2.18663306850790267539e0, -1.40256079171354495875e-1, -3.50424626827848203418e-2,
       -8.57456785154685413611e-4)
_Q1 = (1.0, 1.57799883256466749731e1, 4.53907635128879210584e1, 4.13172038254672030440e1, 1.50425385692907503408e1,
       2.50464946208309415979e0, -1.42182922854787788574e-1, -3.80806407691578277194e-2, -9.33259480895457427372e-4)
_P2 = (3.23774891776946035970e0, 6.91522889068984211695e0, 3.93881025292474443415e0, 1.33303460815807542389e0,
       2.01485389549179081538e-1, 1.23716634817820021358e-2, 3.01581553508235416007e-4, 2.65806974686737550832e-6,
       6.23974539184983293730e-9)
_Q2 = (1.0, 6.02427039364742014255e0, 3.67983563856160859403e0, 1.37702099489081330271e0, 2.16236993594496635890e-1,
       1.34204006088543189037e-2, 3.28014464682127739104e-4, 2.89247864745380683936e-6, 6.79019408009981274425e-9)
_EXP_MINUS_2 = float(np.exp(-2.0))


def exact_like(x, value):
    """``value`` in ``x``'s dtype and shape, rounded once (a Python float would pass through f32)."""
    return tnp.broadcast_to(tnp.to_tensor(np.asarray(value, x.dtype.numpy)), x.shape)


def polynomial(x, coefficients):
    """sum(c * x^k), coefficients highest power first (Horner's rule)."""
    result = exact_like(x, coefficients[0])
    for c in coefficients[1:]:
        result = tnp.add(tnp.multiply(result, x), exact_like(x, c))
    return result


def _rational(x, p, q):
    return tnp.divide(polynomial(x, p), polynomial(x, q))


def _ndtri_tail(y, upper):
    """x for y = min(p, 1 - p) <= e^-2, positive in the upper tail."""
    z = tnp.sqrt(tnp.multiply(tnp.log(y), -2.0))
    r = tnp.divide(full_like(z, 1), z)
    correction = tnp.where(tnp.less(z, full_like(z, 8)), _rational(r, _P1, _Q1), _rational(r, _P2, _Q2))
    x = tnp.subtract(tnp.subtract(z, tnp.divide(tnp.log(z), z)), tnp.multiply(r, correction))
    return tnp.where(upper, x, tnp.negative(x))


def _ndtri(p):
    upper = tnp.greater(p, exact_like(p, 1 - _EXP_MINUS_2))
    y = tnp.where(upper, tnp.subtract(full_like(p, 1), p), p)
    y = tnp.where(tnp.equal(y, full_like(y, 0)), full_like(y, 0.5), y)  # p = 0 or 1: replaced below
    w = tnp.subtract(y, full_like(y, 0.5))
    ww = tnp.multiply(w, w)
    central = tnp.add(w, tnp.multiply(tnp.multiply(w, ww), _rational(ww, _P0, _Q0)))
    central = tnp.multiply(central, exact_like(central, np.sqrt(2 * np.pi)))
    x = tnp.where(tnp.greater(y, exact_like(y, _EXP_MINUS_2)), central, _ndtri_tail(y, upper))
    x = tnp.where(tnp.equal(p, full_like(p, 1)), full_like(p, np.inf), x)
    return tnp.where(tnp.equal(p, full_like(p, 0)), full_like(p, -np.inf), x)


# ---- Betainc -------------------------------------------------------------------------------------
def _betainc_type(ctx, a, b, x):
    """Scalars, or one shape for every operand that is not a scalar (TensorFlow's kernel)."""
    same_dtype(ctx, a, b, x)
    shaped = [t for t in (a, b, x) if t.rank != 0]
    for t in shaped[1:]:
        if not fits(t.shape, shaped[0].shape):
            raise ShapeError(f"Betainc's a, b and x must be scalars or have one shape, got {a}, {b} and {x}")
    return shaped[0] if shaped else x


_UNARY = {
    "Lgamma": "lgamma",
    "Digamma": "digamma",
    "Erfinv": "erf_inv",
    "BesselI0e": "bessel_i0e",
    "BesselI1e": "bessel_i1e",
}
for _tf_name, _core_name in _UNARY.items():
    tf_op(_tf_name, same_as_first, _core(_core_name), outputs=(("y", 1),))
tf_op("Ndtri", same_as_first, lambda ctx, x: in_f32_for_halves(_ndtri)(x), outputs=(("y", 1),))


def _unscaled(scaled: str):
    """I0 or I1 from the exponentially scaled core op, ``scaled(x) * exp(|x|)``, as TensorFlow's kernel
    computes it (so NaN at +-inf, where it multiplies 0 by inf, as TensorFlow's does)."""
    fn = in_f32_for_halves(lambda x: tnp.multiply(emit(scaled, x), tnp.exp(tnp.abs(x))))
    return lambda ctx, x: fn(x)


tf_op("BesselI0", same_as_first, _unscaled("bessel_i0e"), outputs=(("y", 1),))
tf_op("BesselI1", same_as_first, _unscaled("bessel_i1e"), outputs=(("y", 1),))

# ---- RandomGammaGrad -----------------------------------------------------------------------------
def _random_gamma_grad(alpha, sample):
    """d sample / d alpha of a Gamma(alpha, 1) sample at fixed CDF (implicit reparameterization):
    -(dP/dalpha) / (dP/dx), P(alpha, x) the lower regularized incomplete gamma function; 0 at x = 0."""
    at_zero = tnp.equal(sample, full_like(sample, 0))
    x = tnp.where(at_zero, full_like(sample, 1), sample)
    log_density = tnp.subtract(tnp.subtract(tnp.multiply(tnp.subtract(alpha, full_like(alpha, 1)), tnp.log(x)), x), emit("lgamma", alpha))
    grad = tnp.negative(emit("divide", emit("igamma_grad_a", alpha, x), tnp.exp(log_density)))
    return tnp.where(at_zero, full_like(grad, 0), grad)


_BINARY = {"Igamma": "igamma", "Igammac": "igammac", "IgammaGradA": "igamma_grad_a", "Polygamma": "polygamma", "Zeta": "zeta"}
for _tf_name, _core_name in _BINARY.items():
    tf_op(_tf_name, binary_type, _core(_core_name), outputs=(("z", 1),))
tf_op("Betainc", _betainc_type, _core("betainc"), outputs=(("z", 1),))
tf_op("RandomGammaGrad", binary_type, lambda ctx, alpha, sample: in_f32_for_halves(_random_gamma_grad)(*broadcast_pair(alpha, sample)))
