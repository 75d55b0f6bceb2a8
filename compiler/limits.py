"""tfc's resource limits, in one place: what input may ask for before tfc refuses it cleanly.

**Tensor bytes.** No tensor larger than :func:`max_tensor_bytes` (default 2 GiB) is materialized on
the host: a parsed ``dense<...>`` constant, a GraphDef ``Const``, a node whose inferred static result
type is larger, a value the ``fold`` pass or a rewrite would create, a result the numpy interpreter
would compute. Each is checked from the declared type *before* anything is allocated, with Python
ints (a product of dims never overflows), and refused with the caller's own error (``ParseError``,
``GraphImportError``, ``BackendError``; ``fold`` just leaves the op alone). Set it with the
environment variable ``TFC_MAX_TENSOR_BYTES`` (a number of bytes, read when first needed) or
:func:`set_max_tensor_bytes` (which wins over the environment). XLA's own buffers live on the
device and are not bound by it; XLA running out of memory is a ``BackendError`` too.

**Nesting.** Python's default recursion limit is 1000 frames, and the walks over nested IR (the
verifier, passes, the interpreter, StableHLO lowering, tracing and gradients) take at most 6 frames
per nested region (measured; see ``docs/architecture.md``, "Limits"). So IR may nest at most
:data:`MAX_REGION_DEPTH` regions deep, counting the module's and the function's (62 levels of
``tfc.if`` / ``tfc.while`` in a function): about 400 frames at most, leaving the caller 600. The
parser, the verifier, the tracer and the backend loader refuse deeper IR before walking it. A
location may nest :data:`MAX_LOCATION_DEPTH` names deep (``loc("a"("b"(...)))``), arrays,
dictionaries and function types may nest :data:`MAX_ATTRIBUTE_DEPTH` deep in one attribute or type
(:func:`nesting_depth`), and a tensor type may have at most :data:`MAX_RANK` dimensions (numpy's own
maximum, so every value fits an array).
"""

from __future__ import annotations

import functools
import os

from .attributes import ArrayAttr, DictAttr, TypeAttr
from .diagnostics import TfcError
from .types import FunctionType, TensorType

DEFAULT_MAX_TENSOR_BYTES = 2 << 30
"""2 GiB: larger than any constant a real graph carries, small enough to fail before swapping."""

MAX_TENSOR_BYTES_ENV = "TFC_MAX_TENSOR_BYTES"

MAX_REGION_DEPTH = 64
"""How many regions an op may be nested in, the module's and its function's included."""

MAX_LOCATION_DEPTH = 64
"""How many names a location may nest: ``loc("a"("b"))`` is 2 deep."""

MAX_RANK = 64
"""The most dimensions a tensor type may have: numpy's ``NPY_MAXDIMS``."""

MAX_ATTRIBUTE_DEPTH = 64
"""How deeply arrays, dictionaries and function types may nest in one attribute or type: printing,
comparing and hashing them recurse."""

_override: int | None = None
_from_env: tuple[str | None, int] | None = None  # (the variable's text, its value), parsed once per text


class LimitError(TfcError):
    """A limit's setting is not usable (``TFC_MAX_TENSOR_BYTES=lots``)."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(f"error: {message}")


def max_tensor_bytes() -> int:
    """The largest tensor, in bytes, that tfc materializes on the host."""
    global _from_env
    if _override is not None:
        return _override
    text = os.environ.get(MAX_TENSOR_BYTES_ENV)
    if _from_env is None or _from_env[0] != text:
        _from_env = (text, _parse_bytes(text))
    return _from_env[1]


def _parse_bytes(text: str | None) -> int:
    """The environment variable's value; a bad one is a clean error where a size is first checked."""
    if text is None or not text.strip():
        return DEFAULT_MAX_TENSOR_BYTES
    try:
        value = int(text.strip())
    except ValueError:
        value = -1
    if value <= 0:
        raise LimitError(f"{MAX_TENSOR_BYTES_ENV} must be a positive number of bytes, got '{text}'")
    return value


def set_max_tensor_bytes(value: int | None) -> int | None:
    """Set the limit for this process (None: back to the environment or the default); returns the
    previous setting, so ``previous = set_max_tensor_bytes(n) ... set_max_tensor_bytes(previous)``."""
    global _override
    if value is not None and (not isinstance(value, int) or value <= 0):
        raise ValueError(f"the tensor byte limit must be a positive int, got {value!r}")
    previous, _override = _override, value
    return previous


def tensor_bytes(shape, itemsize: int) -> int:
    """Bytes of a tensor of static ``shape``, in Python ints (no overflow, whatever the dims)."""
    total = int(itemsize)
    for dim in shape:
        total *= int(dim)
    return total


def tensor_too_big(shape, itemsize: int, what: str, limit: int | None = None) -> str | None:
    """Why a tensor of ``shape`` may not be materialized (a message naming ``what``), or None;
    against ``limit`` or the current setting."""
    size = tensor_bytes(shape, itemsize)
    limit = max_tensor_bytes() if limit is None else limit
    if size <= limit:
        return None
    return f"{what} would hold {size} bytes, more than the {limit} bytes tfc materializes ({MAX_TENSOR_BYTES_ENV})"


@functools.lru_cache(maxsize=4096)
def static_bytes(t) -> int | None:
    """Bytes of a value of IR type ``t`` when it is a static tensor type, else None (cached per
    type: the interpreter asks for every result it computes)."""
    if not isinstance(t, TensorType) or not t.is_static:
        return None
    return tensor_bytes(t.shape, t.dtype.numpy.itemsize)


def type_too_big(t, what: str, limit: int | None = None) -> str | None:
    """:func:`tensor_too_big` for an IR type (``what`` and the type name it), against ``limit`` or
    the current setting: only a static tensor type has a size to check."""
    size = static_bytes(t)
    if size is None or size <= (max_tensor_bytes() if limit is None else limit):
        return None
    return tensor_too_big(t.shape, t.dtype.numpy.itemsize, f"{what} {t}", limit)


NESTING_KINDS = (ArrayAttr, DictAttr, TypeAttr, FunctionType)
"""What :func:`nesting_depth` looks into; anything else (numbers, tensor types...) is flat."""


def nesting_depth(value) -> int:
    """How deeply arrays, dictionaries and function types nest in an attribute or type: 0 for a
    number or a tensor type, 1 for ``[1, 2]`` or ``(tensor<f32>) -> tensor<f32>``. A stack, not
    recursion, so any depth is measured (in time linear in the value's size)."""
    if not isinstance(value, NESTING_KINDS):
        return 0
    deepest = 0
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, TypeAttr):
            if isinstance(item.type, NESTING_KINDS):
                stack.append((item.type, depth))
            continue
        depth += 1
        deepest = max(deepest, depth)
        if isinstance(item, ArrayAttr):
            inner = item.elements
        elif isinstance(item, DictAttr):
            inner = tuple(v for _, v in item.entries)
        else:
            inner = item.inputs + item.results
        stack.extend((x, depth) for x in inner if isinstance(x, NESTING_KINDS))
    return deepest


__all__ = [
    "DEFAULT_MAX_TENSOR_BYTES",
    "MAX_ATTRIBUTE_DEPTH",
    "MAX_LOCATION_DEPTH",
    "MAX_RANK",
    "MAX_REGION_DEPTH",
    "MAX_TENSOR_BYTES_ENV",
    "NESTING_KINDS",
    "LimitError",
    "max_tensor_bytes",
    "nesting_depth",
    "set_max_tensor_bytes",
    "static_bytes",
    "tensor_bytes",
    "tensor_too_big",
    "type_too_big",
]
