"""Optimizer kernels, ``(Resource)(Sparse)Apply<Optimizer>``: every form TensorFlow registers, dense
and sparse, ref and resource variables; attributes (use_nesterov, update_slots,
multiply_linear_by_lr, use_locking), f32/f64/f16, several steps, and sparse updates with int32 and
int64 indices, repeated indices (applied one after another, as TensorFlow's CPU kernels do), 1-D
variables and no indices at all."""

import numpy as np
from spec import case, const, f16, f32, f64, family, i32v, i64v, variable

family("optimizers")



def c64_near_real(*shape, low=-2.0, high=2.0):
    """Complex values whose real parts lie in [low, high] and imaginary parts near 0 (accumulators
    stay off the square root's branch cut)."""
    real, imaginary = f32(*shape, low=low, high=high), f32(*shape, low=-0.3, high=0.3)
    return lambda: (real() + 1j * imaginary()).astype(np.complex64)


GENERATORS = {np.float32: f32, np.float64: f64, np.float16: f16, np.complex64: c64_near_real}
ALL_FORMS = ("Apply", "ResourceApply", "SparseApply", "ResourceSparseApply")
DENSE_FORMS = ("Apply", "ResourceApply")

# slot variables: name -> (low, high) of their initial values
POSITIVE = (0.5, 1.5)
SMALL = (-0.3, 0.3)
ANY = (-1.0, 1.0)

# name -> (forms, slots, scalar inputs in TensorFlow's names)
OPTIMIZERS = {
    "GradientDescent": (DENSE_FORMS, {}, dict(alpha=0.1)),
    "ProximalGradientDescent": (ALL_FORMS, {}, dict(alpha=0.1, l1=0.05, l2=0.2)),
    "Momentum": (ALL_FORMS, dict(accum=ANY), dict(lr=0.1, momentum=0.9)),
    "KerasMomentum": (("ResourceApply", "ResourceSparseApply"), dict(accum=ANY), dict(lr=0.1, momentum=0.9)),
    "Adam": (DENSE_FORMS, dict(m=ANY, v=POSITIVE),
             dict(beta1_power=0.81, beta2_power=0.998, lr=0.01, beta1=0.9, beta2=0.999, epsilon=1e-7)),
    "AdamWithAmsgrad": (("ResourceApply",), dict(m=ANY, v=POSITIVE, vhat=POSITIVE),
                        dict(beta1_power=0.81, beta2_power=0.998, lr=0.01, beta1=0.9, beta2=0.999, epsilon=1e-7)),
    "AdaMax": (DENSE_FORMS, dict(m=ANY, v=POSITIVE), dict(beta1_power=0.81, lr=0.01, beta1=0.9, beta2=0.999, epsilon=1e-7)),
    "RMSProp": (ALL_FORMS, dict(ms=POSITIVE, mom=ANY), dict(lr=0.01, rho=0.9, momentum=0.5, epsilon=1e-7)),
    "CenteredRMSProp": (ALL_FORMS, dict(mg=SMALL, ms=POSITIVE, mom=ANY), dict(lr=0.01, rho=0.9, momentum=0.5, epsilon=1e-7)),
    "Adagrad": (ALL_FORMS, dict(accum=POSITIVE), dict(lr=0.1)),
    "AdagradV2": (ALL_FORMS, dict(accum=POSITIVE), dict(lr=0.1, epsilon=1e-7)),
    "AdagradDA": (ALL_FORMS, dict(gradient_accumulator=ANY, gradient_squared_accumulator=POSITIVE),
                  dict(lr=0.1, l1=0.01, l2=0.02, global_step=np.int64(3))),
    "Adadelta": (ALL_FORMS, dict(accum=POSITIVE, accum_update=POSITIVE), dict(lr=1.0, rho=0.95, epsilon=1e-6)),
    "Ftrl": (ALL_FORMS, dict(accum=POSITIVE, linear=ANY), dict(lr=0.1, l1=0.05, l2=0.1, lr_power=-0.5)),
    "FtrlV2": (ALL_FORMS, dict(accum=POSITIVE, linear=ANY), dict(lr=0.1, l1=0.05, l2=0.1, l2_shrinkage=0.02, lr_power=-0.5)),
    "ProximalAdagrad": (ALL_FORMS, dict(accum=POSITIVE), dict(lr=0.1, l1=0.05, l2=0.1)),
    "AddSign": (DENSE_FORMS, dict(m=ANY), dict(lr=0.1, alpha=1.0, sign_decay=0.5, beta=0.9)),
    "PowerSign": (DENSE_FORMS, dict(m=ANY), dict(lr=0.1, logbase=np.e, sign_decay=0.5, beta=0.9)),
}

# name -> the attribute variants worth a case of their own
ATTRIBUTES = {
    "Momentum": [dict(use_nesterov=True)],
    "KerasMomentum": [dict(use_nesterov=True)],
    "Adam": [dict(use_nesterov=True)],
    "Adagrad": [dict(update_slots=False)],
    "AdagradV2": [dict(update_slots=False)],
    "Ftrl": [dict(multiply_linear_by_lr=True)],
    "FtrlV2": [dict(multiply_linear_by_lr=True)],
}

# name -> scalar changes that take the kernel's other branch
BRANCHES = {
    "ProximalGradientDescent": dict(l1=0.0),
    "ProximalAdagrad": dict(l1=0.0),
    "AdagradDA": dict(l1=0.0),
    "Ftrl": dict(lr_power=-0.3),
    "FtrlV2": dict(lr_power=-0.3),
}


def gradient_name(op: str) -> str:
    return "delta" if op in ("ApplyGradientDescent", "ResourceApplyGradientDescent", "ApplyProximalGradientDescent",
                             "ResourceApplyProximalGradientDescent") else "grad"


def optimizer_case(form, name, variant, *, dtype=np.float32, shape=(2, 3), indices=None, scalars=None, steps=1,
                   fed=False, **attrs):
    """One case of ``form + name``: variables of ``shape``; a sparse form updates the rows ``indices``.
    The scalar inputs are constants unless ``fed``."""
    _, slots, defaults = OPTIMIZERS[name]
    values = GENERATORS[dtype]
    op = form + name
    inputs = {"var": variable(values(*shape))}
    inputs.update({slot: variable(values(*shape, low=low, high=high)) for slot, (low, high) in slots.items()})
    for key, value in {**defaults, **(scalars or {})}.items():
        scalar = np.asarray(value, np.int64 if key == "global_step" else dtype)
        inputs[key] = scalar if fed else const(scalar)
    if "Sparse" in form:
        inputs["grad"] = values(len(indices), *shape[1:])
        inputs["indices"] = indices
    else:
        inputs[gradient_name(op)] = values(*shape)
    rtol = 1e-2 if dtype == np.float16 else 2e-5 if dtype in (np.float32, np.complex64) else None
    case(op, variant, rtol=rtol, atol=rtol, steps=steps, **inputs, **attrs)


VARIANTS = {  # form -> (variant, options)
    "Apply": [("f32_two_steps", dict(steps=2, fed=True)), ("scalar_variable", dict(shape=()))],
    "ResourceApply": [("f32_two_steps", dict(steps=2, fed=True)), ("f64", dict(dtype=np.float64, shape=(5,)))],
    "SparseApply": [("i64_repeated", dict(shape=(4, 2), indices=i64v([1, 3, 1, 1]), fed=True)),
                    ("vector_repeated", dict(shape=(5,), indices=i32v([4, 0, 4])))],
    "ResourceSparseApply": [("i32_unique", dict(indices=i32v([1, 0]), steps=2, fed=True)),
                            ("i64_repeated", dict(shape=(4, 2), indices=i64v([1, 3, 1, 1]))),
                            ("no_indices", dict(indices=i64v(np.zeros(0, np.int64)))),
                            ("f64_rank3", dict(dtype=np.float64, shape=(3, 2, 2), indices=i64v([2, 0])))],
}

for name, (forms, _, _) in OPTIMIZERS.items():
    for form in forms:
        for variant, options in VARIANTS[form]:
            optimizer_case(form, name, variant, **options)
        rows = dict(indices=i32v([0, 1, 0])) if "Sparse" in form else {}
        for attrs in ATTRIBUTES.get(name, []):
            optimizer_case(form, name, "_".join(attrs), use_locking=True, **rows, **attrs)
        if name in BRANCHES:
            optimizer_case(form, name, "other_branch", scalars=BRANCHES[name], fed=True, **rows)

for form in DENSE_FORMS:
    optimizer_case(form, "Momentum", "f16", dtype=np.float16, shape=(2, 3))
    optimizer_case(form, "Adam", "f16", dtype=np.float16, shape=(2, 3))
    optimizer_case(form, "GradientDescent", "empty", shape=(0, 3))
for name in ("Adam", "RMSProp", "Ftrl"):
    optimizer_case("ResourceApply", name, "empty", shape=(3, 0))
for name in ("Adagrad", "FtrlV2", "CenteredRMSProp"):
    optimizer_case("ResourceSparseApply", name, "empty_rows", shape=(0, 2), indices=i32v(np.zeros(0, np.int32)))
for name in ("Momentum", "Adadelta", "CenteredRMSProp"):  # the others' kernels reject rows without elements
    optimizer_case("SparseApply", name, "zero_width_rows", shape=(3, 0), indices=i64v([2, 2]))
optimizer_case("SparseApply", "Adagrad", "f16", dtype=np.float16, shape=(3, 2), indices=i32v([0, 0]))

# TensorFlow's kernels for complex variables
for name in ("GradientDescent", "Momentum", "KerasMomentum", "Adam", "RMSProp", "CenteredRMSProp", "Adagrad", "AdagradV2",
             "Adadelta"):
    optimizer_case("ResourceApply", name, "c64", dtype=np.complex64, steps=2)
    if "ResourceSparseApply" in OPTIMIZERS[name][0]:
        optimizer_case("ResourceSparseApply", name, "c64", dtype=np.complex64, indices=i32v([1, 0, 1]))
optimizer_case("Apply", "Momentum", "c64_nesterov", dtype=np.complex64, use_nesterov=True)
