"""``tfc.keras.initializers``: Keras' initializers by name and object. Each is called with a shape and
dtype and gives a numpy array; their distributions are Keras', their random streams tfc's own
(numpy's PCG64, seeded by ``seed=`` or by :func:`tfc.keras.utils.set_random_seed`), so equality with
Keras is tested with weights copied by ``set_weights``."""

from __future__ import annotations

import math

import numpy as np

from .serialization import deserialize_keras_object, serialize_keras_object

_global = {"rng": np.random.default_rng()}


def set_random_seed(seed: int) -> None:
    """Seed the stream initializers without a ``seed=`` draw from (``keras.utils.set_random_seed``)."""
    _global["rng"] = np.random.default_rng(seed)


def draw_seed() -> int:
    """A seed from the same stream (for layers that need one of their own, such as Dropout)."""
    return int(_global["rng"].integers(2**31))


class Initializer:
    """Base: ``initializer(shape, dtype="float32") -> np.ndarray``."""

    def __call__(self, shape, dtype="float32") -> np.ndarray:
        raise NotImplementedError

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)


class _Random(Initializer):
    def __init__(self, seed: int | None = None):
        self.seed = seed

    def rng(self) -> np.random.Generator:
        return _global["rng"] if self.seed is None else np.random.default_rng(self.seed)

    def get_config(self) -> dict:
        return {"seed": self.seed}


class Zeros(Initializer):
    def __call__(self, shape, dtype="float32"):
        return np.zeros(shape, dtype)


class Ones(Initializer):
    def __call__(self, shape, dtype="float32"):
        return np.ones(shape, dtype)


class Constant(Initializer):
    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype="float32"):
        return np.full(shape, self.value, dtype)

    def get_config(self) -> dict:
        return {"value": self.value}


class RandomNormal(_Random):
    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None):
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape, dtype="float32"):
        return self.rng().normal(self.mean, self.stddev, shape).astype(dtype)

    def get_config(self) -> dict:
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class RandomUniform(_Random):
    def __init__(self, minval: float = -0.05, maxval: float = 0.05, seed: int | None = None):
        super().__init__(seed)
        self.minval, self.maxval = minval, maxval

    def __call__(self, shape, dtype="float32"):
        return self.rng().uniform(self.minval, self.maxval, shape).astype(dtype)

    def get_config(self) -> dict:
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class TruncatedNormal(_Random):
    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None):
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape, dtype="float32"):
        return (self.mean + self.stddev * _truncated(self.rng(), shape)).astype(dtype)

    def get_config(self) -> dict:
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


def _truncated(rng: np.random.Generator, shape) -> np.ndarray:
    """Standard normal samples redrawn until within two standard deviations (Keras' truncation)."""
    values = rng.standard_normal(shape)
    outside = np.abs(values) > 2
    while outside.any():
        values[outside] = rng.standard_normal(int(outside.sum()))
        outside = np.abs(values) > 2
    return values


def _fans(shape) -> tuple[float, float]:
    """Keras' fan-in and fan-out: a kernel's receptive field times its input and output channels."""
    if len(shape) < 1:
        return 1.0, 1.0
    if len(shape) == 1:
        return float(shape[0]), float(shape[0])
    if len(shape) == 2:
        return float(shape[0]), float(shape[1])
    receptive = math.prod(shape[:-2])
    return float(shape[-2] * receptive), float(shape[-1] * receptive)


class VarianceScaling(_Random):
    """Samples of variance ``scale / n`` (n: fan_in, fan_out or their mean), normal (truncated or
    not) or uniform, as Keras' VarianceScaling."""

    def __init__(self, scale: float = 1.0, mode: str = "fan_in", distribution: str = "truncated_normal", seed: int | None = None):
        super().__init__(seed)
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"VarianceScaling mode must be fan_in, fan_out or fan_avg, got {mode!r}")
        if distribution not in ("truncated_normal", "untruncated_normal", "uniform", "normal"):
            raise ValueError(f"VarianceScaling distribution must be truncated_normal, untruncated_normal or uniform, got {distribution!r}")
        self.scale, self.mode, self.distribution = scale, mode, distribution

    def __call__(self, shape, dtype="float32"):
        fan_in, fan_out = _fans(tuple(shape))
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        variance = self.scale / max(1.0, n)
        if self.distribution == "uniform":
            limit = math.sqrt(3 * variance)
            return self.rng().uniform(-limit, limit, shape).astype(dtype)
        if self.distribution in ("untruncated_normal", "normal"):
            return (math.sqrt(variance) * self.rng().standard_normal(shape)).astype(dtype)
        return (math.sqrt(variance) / 0.87962566103423978 * _truncated(self.rng(), shape)).astype(dtype)

    def get_config(self) -> dict:
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution, "seed": self.seed}


class _Preset(VarianceScaling):
    """A VarianceScaling of fixed scale, mode and distribution: only its seed is configurable."""

    def get_config(self) -> dict:
        return {"seed": self.seed}


class GlorotUniform(_Preset):
    def __init__(self, seed: int | None = None):
        super().__init__(1.0, "fan_avg", "uniform", seed)


class GlorotNormal(_Preset):
    def __init__(self, seed: int | None = None):
        super().__init__(1.0, "fan_avg", "truncated_normal", seed)


class HeNormal(_Preset):
    def __init__(self, seed: int | None = None):
        super().__init__(2.0, "fan_in", "truncated_normal", seed)


class HeUniform(_Preset):
    def __init__(self, seed: int | None = None):
        super().__init__(2.0, "fan_in", "uniform", seed)


class LecunNormal(_Preset):
    def __init__(self, seed: int | None = None):
        super().__init__(1.0, "fan_in", "truncated_normal", seed)


class LecunUniform(_Preset):
    def __init__(self, seed: int | None = None):
        super().__init__(1.0, "fan_in", "uniform", seed)


class Orthogonal(_Random):
    def __init__(self, gain: float = 1.0, seed: int | None = None):
        super().__init__(seed)
        self.gain = gain

    def __call__(self, shape, dtype="float32"):
        rows, cols = math.prod(shape[:-1]), shape[-1]
        flat = self.rng().standard_normal((max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(flat)
        q *= np.sign(np.diag(r))
        q = q if rows >= cols else q.T
        return (self.gain * q[:rows, :cols]).reshape(shape).astype(dtype)

    def get_config(self) -> dict:
        return {"gain": self.gain, "seed": self.seed}


_BY_NAME = {
    "zeros": Zeros, "ones": Ones, "constant": Constant, "random_normal": RandomNormal, "random_uniform": RandomUniform,
    "truncated_normal": TruncatedNormal, "variance_scaling": VarianceScaling, "glorot_uniform": GlorotUniform,
    "glorot_normal": GlorotNormal, "he_normal": HeNormal, "he_uniform": HeUniform, "lecun_normal": LecunNormal,
    "lecun_uniform": LecunUniform, "orthogonal": Orthogonal,
}  # fmt: skip


_CLASSES = {cls.__name__: cls for cls in _BY_NAME.values()}


def serialize(initializer) -> dict | str:
    """``{"class_name": "GlorotUniform", "config": {"seed": None}}`` (a function: its name)."""
    return serialize_keras_object(initializer)


def deserialize(config, custom_objects=None) -> Initializer:
    """The initializer ``serialize`` described (custom classes from ``custom_objects`` or the registry)."""
    return deserialize_keras_object(config, {**_CLASSES, **_BY_NAME}, custom_objects, "initializer")


def get(identifier) -> Initializer | None:
    """The initializer ``identifier`` names (``"glorot_uniform"``, ``"GlorotUniform"``, a serialized
    dict), or the object itself; None for None."""
    if identifier is None:
        return None
    if isinstance(identifier, Initializer) or (callable(identifier) and not isinstance(identifier, type)):
        return identifier
    if isinstance(identifier, str) and (identifier in _BY_NAME or _snake(identifier) in _BY_NAME):
        return _BY_NAME[identifier if identifier in _BY_NAME else _snake(identifier)]()
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    raise ValueError(f"unknown initializer {identifier!r} (expected one of {', '.join(sorted(_BY_NAME))}, a serialized "
                     "initializer, or an Initializer)")


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")
