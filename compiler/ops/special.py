"""Special-function core ops: the gamma family (lgamma, digamma, polygamma, zeta), the complementary
and inverse error functions, exponentially scaled Bessel functions, and the regularized incomplete
gamma and beta functions.

None of these is a reasonable composition of the basic ops: each is a series, a continued fraction
or a rational approximation chosen per precision. The ones XLA has as CHLO ops lower to those; the
others (``bessel_i0e``, the incomplete gamma and beta functions) lower to jax's implementation of
XLA's own algorithm (``jax.lax``), imported into the module as a private function. The references
are scipy's (double precision), with XLA's and TensorFlow's conventions outside the domain:
nan for a non-integer or negative polygamma order, for ``a <= 0`` or ``x < 0`` in the incomplete
gamma functions and for parameters outside the beta function's domain; nan for digamma at its poles.
"""

from __future__ import annotations

import numpy as np

from . import rules
from .pointwise import chlo, define, in_double


def scipy_special():
    """scipy.special, imported when a reference first needs it (it costs ~0.15 s)."""
    import scipy.special

    return scipy.special


def _through_jax(kernel):
    """A lowering that calls ``kernel`` (a jax function; one object per op, so calls share one import)."""
    return lambda ctx, *xs: ctx.call_jax(kernel, *xs)[0]


# Kernels: jax.lax's functions (XLA's algorithms), with the values at the edges of the domain that
# the references give (jax.lax returns 1 for igamma(0, x), nan for zeta(2, inf)).
def _bessel_i0e_kernel(x):
    import jax.lax

    return jax.lax.bessel_i0e(x)


def _igamma_kernel(a, x):
    import jax.lax
    import jax.numpy as jnp

    return jnp.where((a > 0) & (x >= 0), jax.lax.igamma(a, x), jnp.nan)


def _igammac_kernel(a, x):
    import jax.lax
    import jax.numpy as jnp

    return jnp.where((a > 0) & (x >= 0), jax.lax.igammac(a, x), jnp.nan)


def _igamma_grad_a_kernel(a, x):
    import jax.lax
    import jax.numpy as jnp

    return jnp.where((a > 0) & (x >= 0), jax.lax.igamma_grad_a(a, x), jnp.nan)


def _betainc_kernel(a, b, x):
    import jax.lax
    import jax.numpy as jnp

    return jnp.where((a > 0) & (b > 0) & (x >= 0) & (x <= 1), jax.lax.betainc(a, b, x), jnp.nan)


def _zeta_kernel(x, q):
    import jax.lax
    import jax.numpy as jnp

    return _zeta_at_infinity(jnp, x, q, jax.lax.zeta(x, q))


def _zeta_at_infinity(xp, x, q, z):
    """zeta(inf, q) is 0 for q > 1 and 1 for q = 1; zeta(x, inf) is 0 for x > 1 (``xp``: numpy or jax.numpy)."""
    z = xp.where((x == np.inf) & (q > 1), 0.0, z)
    z = xp.where((x == np.inf) & (q == 1), 1.0, z)
    return xp.where((q == np.inf) & (x > 1), 0.0, z)


# ---- references ----------------------------------------------------------------------------------
def _is_pole(x):
    return (x <= 0) & (x == np.floor(x))


def _lgamma(x):
    return np.where(np.isinf(x), np.inf, scipy_special().gammaln(x))  # scipy says -inf at -inf


def _zeta(x, q):
    return _zeta_at_infinity(np, x, q, scipy_special().zeta(x, q))


def _digamma(x):
    return np.where(_is_pole(x), np.nan, scipy_special().psi(x))


def _polygamma(n, x):
    """psi(x) for n = 0, else (-1)^(n+1) n! zeta(n + 1, x); nan unless n is a non-negative integer."""
    sp = scipy_special()
    valid = (n >= 0) & (n == np.floor(n))
    n = np.where(valid, n, 1)
    higher = (-1.0) ** (n + 1) * sp.gamma(n + 1) * sp.zeta(n + 1, x)
    return np.where(valid, np.where(n == 0, _digamma(x), higher), np.nan)


def _igamma_domain(a, x):
    return (a > 0) & (x >= 0)


def _igamma(a, x):
    return np.where(_igamma_domain(a, x), scipy_special().gammainc(a, x), np.nan)


def _igammac(a, x):
    return np.where(_igamma_domain(a, x), scipy_special().gammaincc(a, x), np.nan)


def _betainc(a, b, x):
    inside = (a > 0) & (b > 0) & (x >= 0) & (x <= 1)
    return np.where(inside, scipy_special().betainc(a, b, x), np.nan)


def _igamma_grad_a_one(a: float, x: float) -> float:
    """d/da P(a, x) = (integral of log(t) t^(a-1) e^-t over [0, x]) / Gamma(a) - psi(a) P(a, x)."""
    from scipy import integrate

    sp = scipy_special()
    if not (a > 0 and x >= 0):
        return np.nan
    if x == 0 or np.isinf(x):
        return 0.0
    log_gamma = sp.gammaln(a)
    integrand = lambda t: np.log(t) * np.exp((a - 1) * np.log(t) - t - log_gamma)
    integral = integrate.quad(integrand, 0, x, epsabs=0, epsrel=1e-13, limit=500)[0]
    return integral - sp.psi(a) * sp.gammainc(a, x)


def _igamma_grad_a(a, x):
    return np.vectorize(_igamma_grad_a_one, otypes=[np.float64])(a, x)


# ---- gradients (``ctx.api`` is the tracing API, ``ctx.operands`` the forward values) ---------------
def _emit(ctx, name: str, *operands):
    return ctx.api.emit(f"tfc.{name}", list(operands))


def _g_lgamma(ctx, g):
    return [g * _emit(ctx, "digamma", ctx.operands[0])]


def _g_digamma(ctx, g):
    x = ctx.operands[0]
    return [g * _emit(ctx, "polygamma", ctx.api.ones_like(x), x)]


def _g_erfc(ctx, g):
    x = ctx.operands[0]
    minus_two_over_sqrt_pi = ctx.api.to_tensor(np.asarray(-2 / np.sqrt(np.pi), x.dtype.numpy))
    return [g * minus_two_over_sqrt_pi * ctx.api.exp(-(x * x))]


def _g_erf_inv(ctx, g):
    half_sqrt_pi = ctx.api.to_tensor(np.asarray(np.sqrt(np.pi) / 2, ctx.result.dtype.numpy))
    return [g * half_sqrt_pi * ctx.api.exp(ctx.result * ctx.result)]


def _g_bessel_i0e(ctx, g):
    x = ctx.operands[0]
    return [g * (_emit(ctx, "bessel_i1e", x) - ctx.api.sign(x) * ctx.result)]


def _g_bessel_i1e(ctx, g):
    """i0e(x) - i1e(x) (sign(x) + 1/x); its limit at 0 is 1/2."""
    api, x = ctx.api, ctx.operands[0]
    zero = api.equal(x, api.zeros_like(x))
    safe_x = api.where(zero, api.ones_like(x), x)
    slope = _emit(ctx, "bessel_i0e", x) - ctx.result * (api.sign(x) + 1 / safe_x)
    return [g * api.where(zero, api.ones_like(x) * 0.5, slope)]


def _g_polygamma(ctx, g):
    """No gradient for the order (as in TensorFlow); d/dx psi^(n)(x) = psi^(n+1)(x)."""
    n, x = ctx.operands
    return [None, g * _emit(ctx, "polygamma", n + 1, x)]


def _g_zeta(ctx, g):
    """No gradient for the exponent (as in TensorFlow); d/dq zeta(x, q) = -x zeta(x + 1, q)."""
    x, q = ctx.operands
    return [None, -(g * x * _emit(ctx, "zeta", x + 1, q))]


def _igamma_partials(ctx):
    """(dP/da, dP/dx) of the lower regularized incomplete gamma function P(a, x)."""
    api, (a, x) = ctx.api, ctx.operands
    partial_x = api.exp(-x + (a - 1) * api.log(x) - _emit(ctx, "lgamma", a))
    return _emit(ctx, "igamma_grad_a", a, x), partial_x


def _g_igamma(ctx, g):
    partial_a, partial_x = _igamma_partials(ctx)
    return [g * partial_a, g * partial_x]


def _g_igammac(ctx, g):
    partial_a, partial_x = _igamma_partials(ctx)  # Q = 1 - P
    return [-(g * partial_a), -(g * partial_x)]


def _xlogy(api, x, y):
    """x log(y), and 0 where x is 0 (log(0) then never reaches the result or its gradient)."""
    zero = api.equal(x, api.zeros_like(x))
    return api.where(zero, api.zeros_like(x), x * api.log(api.where(zero, api.ones_like(y), y)))


def _g_betainc(ctx, g):
    """No gradient for a and b (as in TensorFlow); d/dx I_x(a, b) = x^(a-1) (1-x)^(b-1) / B(a, b)."""
    api, (a, b, x) = ctx.api, ctx.operands
    log_beta = _emit(ctx, "lgamma", a) + _emit(ctx, "lgamma", b) - _emit(ctx, "lgamma", a + b)
    log_density = _xlogy(api, b - 1, 1 - x) + _xlogy(api, a - 1, x) - log_beta
    return [None, None, g * api.exp(log_density)]


# ---- the ops -------------------------------------------------------------------------------------
def _unary(name, summary, reference, lower, grad):
    return define(name, summary, ("operand",), rules.FLOAT, in_double(reference), lower, grad)


def _sp(name: str):
    return lambda *xs: getattr(scipy_special(), name)(*xs)


LGAMMA = _unary("lgamma", "log |Gamma(x)| (inf at the poles).", _lgamma, chlo("LgammaOp"), _g_lgamma)
DIGAMMA = _unary("digamma", "psi(x), the derivative of lgamma (nan at the poles).", _digamma, chlo("DigammaOp"), _g_digamma)
ERFC = _unary("erfc", "1 - erf(x), without the cancellation in its tails (erfc(10) is 2e-45).", _sp("erfc"), chlo("ErfcOp"),
              _g_erfc)
ERF_INV = _unary("erf_inv", "The inverse of erf on [-1, 1].", _sp("erfinv"), chlo("ErfInvOp"), _g_erf_inv)
BESSEL_I0E = _unary("bessel_i0e", "exp(-|x|) I0(x), the scaled modified Bessel function of order 0.", _sp("i0e"),
                    _through_jax(_bessel_i0e_kernel), _g_bessel_i0e)
BESSEL_I1E = _unary("bessel_i1e", "exp(-|x|) I1(x), the scaled modified Bessel function of order 1.", _sp("i1e"),
                    chlo("BesselI1eOp"), _g_bessel_i1e)
POLYGAMMA = define("polygamma", "psi^(n)(x), the n-th derivative of digamma (n a non-negative integer, else nan).",
                   ("n", "x"), rules.FLOAT, in_double(_polygamma), chlo("PolygammaOp"), _g_polygamma)
ZETA = define("zeta", "The Hurwitz zeta function: the sum over k >= 0 of (k + q)^-x.", ("x", "q"), rules.FLOAT,
              in_double(_zeta), _through_jax(_zeta_kernel), _g_zeta)
IGAMMA = define("igamma", "P(a, x), the lower regularized incomplete gamma function.", ("a", "x"), rules.FLOAT,
                in_double(_igamma), _through_jax(_igamma_kernel), _g_igamma)
IGAMMAC = define("igammac", "Q(a, x) = 1 - P(a, x), the upper regularized incomplete gamma function.", ("a", "x"),
                 rules.FLOAT, in_double(_igammac), _through_jax(_igammac_kernel), _g_igammac)
IGAMMA_GRAD_A = define("igamma_grad_a", "dP(a, x)/da, the gradient of igamma with respect to a.", ("a", "x"), rules.FLOAT,
                       in_double(_igamma_grad_a), _through_jax(_igamma_grad_a_kernel), None)
BETAINC = define("betainc", "I_x(a, b), the regularized incomplete beta function.", ("a", "b", "x"), rules.FLOAT,
                 in_double(_betainc), _through_jax(_betainc_kernel), _g_betainc)
