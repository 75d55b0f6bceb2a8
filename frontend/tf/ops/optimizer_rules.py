"""The update rules of TensorFlow's optimizer kernels, as its CPU kernels compute them
(``tensorflow/core/kernels/training_ops.cc``), on whole tensors.

Each rule takes the op's attributes and its inputs by TensorFlow's names (variables already read,
the gradient as ``grad``) and returns the new values of the variables it changes. The sparse kernels
use the same rules on the rows their indices name. Where a kernel branches on a scalar input
(``l1 > 0``, ``lr_power == -0.5``) so does the rule, with ``where``, keeping its rounding.
"""

from __future__ import annotations

from tfc.frontend import api as tnp


def gradient_descent(attrs, x):
    return {"var": x["var"] - x["alpha"] * x["grad"]}


def proximal_gradient_descent(attrs, x):
    lr = x["alpha"]
    return {"var": _proximal(x["var"] - x["grad"] * lr, lr, x["l1"], x["l2"])}


def _proximal(prox, rate, l1, l2):
    """FOBOS: ``prox`` shrunk by ``rate * l1`` towards zero (when ``l1 > 0``), then scaled by ``1 / (1 + l2 * rate)``."""
    scale = 1 + l2 * rate
    shrunk = tnp.sign(prox) * tnp.maximum(tnp.abs(prox) - rate * l1, 0) / scale
    return tnp.where(l1 > 0, shrunk, prox / scale)


def momentum(attrs, x):
    lr, grad, mu = x["lr"], x["grad"], x["momentum"]
    accum = x["accum"] * mu + grad
    if attrs.get("use_nesterov"):
        return {"accum": accum, "var": x["var"] - (grad * lr + accum * mu * lr)}
    return {"accum": accum, "var": x["var"] - accum * lr}


def keras_momentum(attrs, x):
    lr, grad, mu = x["lr"], x["grad"], x["momentum"]
    accum = x["accum"] * mu - grad * lr
    if attrs.get("use_nesterov"):
        return {"accum": accum, "var": x["var"] + (accum * mu - grad * lr)}
    return {"accum": accum, "var": x["var"] + accum}


def _moments(x):
    """Adam's first and second moment estimates after this gradient."""
    grad = x["grad"]
    m = x["m"] + (grad - x["m"]) * (1 - x["beta1"])
    v = x["v"] + (tnp.square(grad) - x["v"]) * (1 - x["beta2"])
    return m, v


def _adam_step_size(x):
    return x["lr"] * tnp.sqrt(1 - x["beta2_power"]) / (1 - x["beta1_power"])


def adam(attrs, x):
    m, v = _moments(x)
    alpha = _adam_step_size(x)
    direction = x["grad"] * (1 - x["beta1"]) + x["beta1"] * m if attrs.get("use_nesterov") else m
    return {"m": m, "v": v, "var": x["var"] - direction * alpha / (tnp.sqrt(v) + x["epsilon"])}


def adam_with_amsgrad(attrs, x):
    m, v = _moments(x)
    vhat = tnp.maximum(x["vhat"], v)
    return {"m": m, "v": v, "vhat": vhat, "var": x["var"] - m * _adam_step_size(x) / (tnp.sqrt(vhat) + x["epsilon"])}


def adamax(attrs, x):
    grad = x["grad"]
    m = x["m"] + (grad - x["m"]) * (1 - x["beta1"])
    v = tnp.maximum(x["beta2"] * x["v"], tnp.abs(grad))
    return {"m": m, "v": v, "var": x["var"] - x["lr"] / (1 - x["beta1_power"]) * (m / (v + x["epsilon"]))}


def rmsprop(attrs, x):
    grad = x["grad"]
    ms = x["ms"] + (tnp.square(grad) - x["ms"]) * (1 - x["rho"])
    mom = x["mom"] * x["momentum"] + grad * x["lr"] / tnp.sqrt(ms + x["epsilon"])
    return {"ms": ms, "mom": mom, "var": x["var"] - mom}


def centered_rmsprop(attrs, x):
    grad = x["grad"]
    ms = x["ms"] + (tnp.square(grad) - x["ms"]) * (1 - x["rho"])
    mg = x["mg"] + (grad - x["mg"]) * (1 - x["rho"])
    denominator = ms - tnp.square(mg) + x["epsilon"]
    mom = x["mom"] * x["momentum"] + grad * x["lr"] / tnp.sqrt(denominator)
    return {"mg": mg, "ms": ms, "mom": mom, "var": x["var"] - mom}


def adagrad(attrs, x):
    grad = x["grad"]
    accum = x["accum"] + tnp.square(grad) if attrs.get("update_slots", True) else x["accum"]
    return {"accum": accum, "var": x["var"] - grad * x["lr"] * tnp.rsqrt(accum)}


def adagrad_v2(attrs, x):
    grad = x["grad"]
    accum = x["accum"] + tnp.square(grad) if attrs.get("update_slots", True) else x["accum"]
    return {"accum": accum, "var": x["var"] - grad * x["lr"] / (tnp.sqrt(accum) + x["epsilon"])}


def adagrad_da(attrs, x):
    """Dual averaging: the variable is recomputed from the accumulated gradients."""
    lr, l1 = x["lr"], x["l1"]
    total = x["gradient_accumulator"] + x["grad"]
    squares = x["gradient_squared_accumulator"] + tnp.square(x["grad"])
    step = tnp.astype(x["global_step"], total.dtype)
    denominator = x["l2"] * (step * lr) + tnp.sqrt(squares)
    shrunk = -lr * tnp.sign(total) * tnp.maximum(tnp.abs(total) - step * l1, 0) / denominator
    var = tnp.where(l1 > 0, shrunk, -lr * total / denominator)
    return {"gradient_accumulator": total, "gradient_squared_accumulator": squares, "var": var}


def adadelta(attrs, x):
    rho, eps, grad = x["rho"], x["epsilon"], x["grad"]
    accum = x["accum"] * rho + tnp.square(grad) * (1 - rho)
    update = tnp.sqrt(x["accum_update"] + eps) * tnp.rsqrt(accum + eps) * grad
    accum_update = x["accum_update"] * rho + tnp.square(update) * (1 - rho)
    return {"accum": accum, "accum_update": accum_update, "var": x["var"] - update * x["lr"]}


def ftrl(attrs, x):
    """FTRL-proximal (``FtrlV2`` adds ``l2_shrinkage`` to the gradient); ``multiply_linear_by_lr``
    keeps ``linear`` scaled by the learning rate."""
    var, lr, l1, l2, lr_power, grad = x["var"], x["lr"], x["l1"], x["l2"], x["lr_power"], x["grad"]
    shrunk_grad = grad + 2 * x["l2_shrinkage"] * var if "l2_shrinkage" in x else grad
    accum = x["accum"] + tnp.square(grad)

    def power(a):  # a ** -lr_power, as sqrt when lr_power is -0.5
        return tnp.where(lr_power == -0.5, tnp.sqrt(a), tnp.power(a, -lr_power))

    sigma = power(accum) - power(x["accum"])
    if attrs.get("multiply_linear_by_lr"):
        linear = x["linear"] + shrunk_grad * lr - sigma * var
        l1, quadratic = l1 * lr, power(accum) + 2 * l2 * lr
    else:
        linear = x["linear"] + shrunk_grad - sigma / lr * var
        quadratic = power(accum) / lr + 2 * l2
    new_var = tnp.where(tnp.abs(linear) > l1, (l1 * tnp.sign(linear) - linear) / quadratic, tnp.zeros_like(var))
    return {"accum": accum, "linear": linear, "var": new_var}


def proximal_adagrad(attrs, x):
    accum = x["accum"] + tnp.square(x["grad"])
    rate = x["lr"] * tnp.rsqrt(accum)
    return {"accum": accum, "var": _proximal(x["var"] - x["grad"] * rate, rate, x["l1"], x["l2"])}


def _sign_agreement(x):
    """The new moment and sign(grad) * sign(moment): +1 where they agree, -1 where not."""
    m = x["m"] * x["beta"] + x["grad"] * (1 - x["beta"])
    return m, tnp.sign(x["grad"]) * tnp.sign(m)


def add_sign(attrs, x):
    m, agreement = _sign_agreement(x)
    return {"m": m, "var": x["var"] - x["lr"] * (x["alpha"] + x["sign_decay"] * agreement) * x["grad"]}


def power_sign(attrs, x):
    m, agreement = _sign_agreement(x)
    scale = tnp.exp(x["logbase"] * x["sign_decay"] * agreement)
    return {"m": m, "var": x["var"] - x["lr"] * scale * x["grad"]}
