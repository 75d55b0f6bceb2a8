"""``tf.io.parse_example`` and ``parse_single_example``: serialized ``tf.train.Example``s as numpy
arrays, as TensorFlow gives them (float32, int64, object arrays of ``bytes``).

The feature specs are TensorFlow's: ``FixedLenFeature`` (a dense array of a known shape, or its
``default_value`` when the feature is missing), ``VarLenFeature`` (a :class:`SparseTensor`) and
``FixedLenSequenceFeature`` (blocks of a known shape, as many as there are, padded across a batch).
dtypes: ``tfc.float32``, ``tfc.int64`` (or numpy's), and ``tfc.string`` (or ``str``, ``bytes``,
``"string"``).

A batch is parsed feature by feature: each feature's values in every Example are merged into one
protobuf list in C and converted to numpy once, so the Python work per Example is a few calls per
feature, not one per value. That makes ``dataset.batch(n).map(lambda rs: parse_example(rs, spec))``
the fast path, as in TensorFlow.
"""

from __future__ import annotations

import collections
import math
import operator
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from google.protobuf.message import DecodeError

from tfc.diagnostics import TfcError
from tfc.frontend.tf.example_proto import BytesList, Example, Feature, FloatList, Int64List
from tfc.types import DType, is_string_dtype

from .sparse_tensor import SparseTensor


class FixedLenFeature(NamedTuple):
    """A feature of exactly ``prod(shape)`` values, parsed as an array of ``shape``; an Example
    without it gets ``default_value`` (of the same shape), or is an error when there is none."""

    shape: object
    dtype: object
    default_value: object = None


class VarLenFeature(NamedTuple):
    """A feature of any number of values, parsed as a :class:`SparseTensor`."""

    dtype: object


class FixedLenSequenceFeature(NamedTuple):
    """A feature of any number of blocks of ``shape`` values, parsed as ``[blocks, *shape]``; a batch
    is padded with ``default_value`` (0 or ``b""`` when None) to its longest. ``allow_missing``
    must be True, as in TensorFlow's ``parse_example``."""

    shape: object
    dtype: object
    allow_missing: bool = False
    default_value: object = None


class InvalidArgumentError(TfcError, ValueError):
    """An Example that does not hold what the features ask for (TensorFlow's InvalidArgumentError)."""


@dataclass(frozen=True)
class ValueKind:
    """One of the three value lists a ``tf.train.Feature`` holds."""

    name: str  # as TensorFlow names the dtype in messages
    field: str  # the Feature's oneof field
    dtype: np.dtype
    list_class: type

    def array(self, merged) -> np.ndarray:
        if self.dtype == object:
            values = np.empty(len(merged.value), dtype=object)
            values[:] = list(merged.value)
            return values
        return np.asarray(merged.value, dtype=self.dtype)


KINDS = {
    "int64": ValueKind("int64", "int64_list", np.dtype(np.int64), Int64List),
    "float32": ValueKind("float", "float_list", np.dtype(np.float32), FloatList),
    "string": ValueKind("string", "bytes_list", np.dtype(object), BytesList),
}
KIND_NAMES = {kind.field: kind.name for kind in KINDS.values()}
KINDS_BY_DTYPE = {kind.dtype: kind for kind in KINDS.values() if kind.dtype != object}


def value_kind(dtype, key: str) -> ValueKind:
    """The value list a dtype reads: float32, int64, or string (``tfc.string``, ``str``, ``bytes``, ``"string"``)."""
    if isinstance(dtype, DType):
        kind = KINDS_BY_DTYPE.get(dtype.numpy)
    elif is_string_dtype(dtype):
        kind = KINDS["string"]
    else:
        try:
            numpy_dtype = np.dtype(dtype)
        except TypeError:
            numpy_dtype = None
        kind = None if numpy_dtype is None else KINDS["string"] if numpy_dtype.kind in "OSU" else KINDS_BY_DTYPE.get(numpy_dtype)
    if kind is None:
        raise ValueError(f"feature {key!r}: dtype {dtype!r} is not one an Example holds: give tfc.float32, tfc.int64, "
                         "or tfc.string for strings")
    return kind


@dataclass(frozen=True)
class Column:
    """One requested feature: its key, spec, value kind, block shape and default or padding."""

    key: str
    feature: FixedLenFeature | VarLenFeature | FixedLenSequenceFeature
    kind: ValueKind
    shape: tuple[int, ...]
    default: np.ndarray | None  # FixedLenFeature: the default's values, flat; sequences: the padding

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    def describe(self) -> str:
        return f"feature {self.key!r} ({type(self.feature).__name__}, {self.kind.name})"


def columns(features: dict) -> list[Column]:
    """The requested features in TensorFlow's output order: VarLenFeatures, then the dense ones,
    each sorted by key."""
    if not isinstance(features, dict):
        raise TypeError(f"features must be a dict of FixedLenFeature, VarLenFeature or FixedLenSequenceFeature, got {type(features).__name__}")
    planned = [column(key, feature) for key, feature in features.items()]
    return sorted(planned, key=lambda c: (not isinstance(c.feature, VarLenFeature), c.key))


def column(key, feature) -> Column:
    if not isinstance(feature, (FixedLenFeature, VarLenFeature, FixedLenSequenceFeature)):
        raise ValueError(f"feature {key!r}: {type(feature).__name__} is not supported; "
                         "give FixedLenFeature, VarLenFeature or FixedLenSequenceFeature")
    kind = value_kind(feature.dtype, key)
    if isinstance(feature, VarLenFeature):
        return Column(key, feature, kind, (), None)
    shape = known_shape(feature.shape, key)
    if isinstance(feature, FixedLenSequenceFeature):
        if not feature.allow_missing:
            raise ValueError(f"feature {key!r}: FixedLenSequenceFeature requires allow_missing to be True")
        if math.prod(shape) == 0:
            raise ValueError(f"feature {key!r}: FixedLenSequenceFeature shape {list(shape)} holds no values per block")
        padding = feature.default_value
        padding = values_of((b"" if kind.dtype == object else 0) if padding is None else padding, kind, key)
        if padding.size != 1:
            raise ValueError(f"feature {key!r}: a FixedLenSequenceFeature's default_value pads, so it must be one value, got {padding.size}")
        return Column(key, feature, kind, shape, padding.reshape(()))
    default = None if feature.default_value is None else values_of(feature.default_value, kind, key).reshape(-1)
    if default is not None and default.size != math.prod(shape):
        raise ValueError(f"feature {key!r}: default_value has {default.size} values, shape {list(shape)} needs {math.prod(shape)}")
    return Column(key, feature, kind, shape, default)


def known_shape(shape, key) -> tuple[int, ...]:
    if shape is None:
        raise ValueError(f"feature {key!r}: give its shape ([] for one value)")
    dims = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    if any(d is None or int(d) < 0 for d in dims):
        raise ValueError(f"feature {key!r}: every dimension of shape {list(dims)} must be known "
                         "(a FixedLenSequenceFeature reads a variable number of blocks)")
    return tuple(int(d) for d in dims)


def values_of(value, kind: ValueKind, key: str) -> np.ndarray:
    """A default or padding value as ``kind``'s numpy values (strings as bytes)."""
    if kind.dtype == object:
        array = np.asarray(value, dtype=object)
        encoded = [v.encode() if isinstance(v, str) else v for v in array.reshape(-1)]
        if not all(isinstance(v, bytes) for v in encoded):
            raise ValueError(f"feature {key!r}: the default value of a string feature must hold str or bytes, got {value!r}")
        result = np.empty(len(encoded), dtype=object)
        result[:] = encoded
        return result.reshape(array.shape)
    array = np.asarray(value)
    if array.dtype.kind not in ("iub" if kind.dtype == np.int64 else "iubf"):
        raise ValueError(f"feature {key!r}: default value {value!r} does not fit its dtype {kind.name}")
    return array.astype(kind.dtype)


@dataclass(frozen=True)
class Where:
    """Which call and which examples, for errors: ``caller: example 3 ('name'): message``."""

    caller: str
    names: list | None
    batched: bool

    def error(self, index: int, message: str) -> InvalidArgumentError:
        where = f"example {index}" if self.batched else "the example"
        if self.names is not None:
            where += f" ({self.names[index]!r})"
        return InvalidArgumentError(f"{self.caller}: {where}: {message}")


def feature_maps(records: list, where: Where) -> list:
    """Each record's ``features.feature`` map (``str`` records as UTF-8, as TensorFlow converts them)."""
    try:
        return list(map(FEATURE_MAP, map(Example.FromString, records)))
    except (DecodeError, TypeError):
        pass
    for index, record in enumerate(records):
        if not isinstance(record, (bytes, str)):
            raise where.error(index, f"a serialized Example must be bytes, got {type(record).__name__}") from None
        try:
            Example.FromString(record.encode() if isinstance(record, str) else record)
        except DecodeError as err:
            raise where.error(index, f"not a serialized tf.train.Example ({err})") from None
    return feature_maps([r.encode() if isinstance(r, str) else r for r in records], where)


FEATURE_MAP = operator.attrgetter("features.feature")
VALUES = operator.attrgetter("value")
NO_FEATURE = Feature()  # stands in for a missing one: no list set, like an empty Feature


def gather(maps: list, column: Column, where: Where) -> tuple[np.ndarray, np.ndarray]:
    """The column's values in every Example, end to end, and how many each holds (-1: missing; an
    empty Feature, whose kind is unset, counts as missing, as in TensorFlow). The loops over
    Examples are ``map`` over protobuf's methods, so they run in C."""
    field = column.kind.field
    features = list(map(operator.methodcaller("get", column.key, NO_FEATURE), maps))
    lists = list(map(operator.attrgetter(field), features))
    counts = np.fromiter(map(len, map(VALUES, lists)), dtype=np.int64, count=len(lists))
    merged = column.kind.list_class()
    collections.deque(map(merged.MergeFrom, lists), maxlen=0)
    for index in np.flatnonzero(counts == 0):
        held = features[index].WhichOneof("kind")
        if held is None:
            counts[index] = -1
        elif held != field:
            raise where.error(int(index), f"{column.describe()} holds {KIND_NAMES[held]} values, not {column.kind.name}")
    return column.kind.array(merged), counts


def dense(column: Column, values: np.ndarray, counts: np.ndarray, where: Where) -> np.ndarray:
    """A FixedLenFeature: ``[batch, *shape]``, missing ones filled with the default."""
    present = counts >= 0
    wrong = np.flatnonzero(present & (counts != column.size))
    if wrong.size:
        index = int(wrong[0])
        raise where.error(index, f"{column.describe()} has {counts[index]} values, but its shape {list(column.shape)} needs {column.size}")
    if present.all():
        return values.reshape(len(counts), *column.shape)
    if column.default is None:
        index = int(np.flatnonzero(~present)[0])
        raise where.error(index, f"{column.describe()} is required but missing (a default_value makes it optional)")
    filled = np.empty((len(counts), column.size), dtype=column.kind.dtype)
    filled[present] = values.reshape(int(present.sum()), column.size)
    filled[~present] = column.default
    return filled.reshape(len(counts), *column.shape)


def sparse(values: np.ndarray, counts: np.ndarray) -> SparseTensor:
    """A VarLenFeature: value j of example i at ``[i, j]``."""
    counts = np.maximum(counts, 0)
    starts = np.cumsum(counts) - counts
    rows = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    positions = np.arange(values.size, dtype=np.int64) - np.repeat(starts, counts)
    dense_shape = np.array([len(counts), counts.max(initial=0)], dtype=np.int64)
    return SparseTensor(np.stack([rows, positions], axis=1), values, dense_shape)


def sequence(column: Column, values: np.ndarray, counts: np.ndarray, where: Where) -> np.ndarray:
    """A FixedLenSequenceFeature: ``[batch, longest, *shape]``, padded."""
    counts = np.maximum(counts, 0)
    ragged = np.flatnonzero(counts % column.size)
    if ragged.size:
        index = int(ragged[0])
        raise where.error(index, f"{column.describe()} has {counts[index]} values, not a multiple of its block shape {list(column.shape)}")
    longest = int(counts.max(initial=0)) // column.size
    padded = np.full((len(counts), longest * column.size), column.default, dtype=column.kind.dtype)
    starts = np.cumsum(counts) - counts
    row_starts = np.arange(len(counts), dtype=np.int64) * longest * column.size
    padded.reshape(-1)[np.arange(values.size) + np.repeat(row_starts - starts, counts)] = values
    return padded.reshape(len(counts), longest, *column.shape)


def parse_batch(records: list, features: dict, where: Where) -> dict:
    maps = feature_maps(records, where)
    parsed = {}
    for column in columns(features):
        values, counts = gather(maps, column, where)
        if isinstance(column.feature, VarLenFeature):
            parsed[column.key] = sparse(values, counts)
        elif isinstance(column.feature, FixedLenFeature):
            parsed[column.key] = dense(column, values, counts, where)
        else:
            parsed[column.key] = sequence(column, values, counts, where)
    return parsed


def without_batch(parsed: dict) -> dict:
    """A batch of one as one Example's results (a SparseTensor loses its batch column)."""
    return {key: SparseTensor(v.indices[:, 1:], v.values, v.dense_shape[1:]) if isinstance(v, SparseTensor) else v[0] for key, v in parsed.items()}


def records_of(serialized, caller: str) -> np.ndarray:
    """``serialized`` (bytes, or a 0-d or 1-d array or list of them) as an object array."""
    if isinstance(serialized, (bytes, str)):
        serialized = np.array(serialized, dtype=object)
    array = np.asarray(serialized, dtype=object)
    if array.ndim > 1:
        raise ValueError(f"{caller}: serialized must be a scalar or a vector of serialized Examples, got shape {list(array.shape)}")
    return array


def parse_example(serialized, features, example_names=None, name=None) -> dict:
    """Parse a batch of serialized ``tf.train.Example``s: a dict from each key of ``features`` to a
    ``[batch, ...]`` array (or a :class:`SparseTensor` for a ``VarLenFeature``). A scalar
    ``serialized`` parses as :func:`parse_single_example` does.

    >>> spec = {"label": FixedLenFeature([], tfc.int64), "tokens": VarLenFeature(tfc.int64)}   # doctest: +SKIP
    >>> parse_example(records, spec)["label"]      # doctest: +SKIP
    array([3, 1, 4])
    """
    records = records_of(serialized, "parse_example")
    names = None if example_names is None else list(np.asarray(example_names, dtype=object).reshape(-1))
    if names is not None and len(names) != records.size:
        raise ValueError(f"parse_example: {len(names)} example_names for {records.size} serialized Examples")
    where = Where("parse_example", names, records.ndim == 1)
    parsed = parse_batch(list(records.reshape(-1)), features, where)
    return parsed if records.ndim == 1 else without_batch(parsed)


def parse_single_example(serialized, features, example_names=None, name=None) -> dict:
    """Parse one serialized ``tf.train.Example``: a dict from each key of ``features`` to an array of
    its shape (or a :class:`SparseTensor` for a ``VarLenFeature``).

    >>> dataset.map(lambda record: parse_single_example(record, spec))   # doctest: +SKIP
    """
    records = records_of(serialized, "parse_single_example")
    if records.ndim != 0:
        raise ValueError(f"parse_single_example: serialized must be one serialized Example, got shape {list(records.shape)} (use parse_example)")
    names = None if example_names is None else [example_names.item() if isinstance(example_names, np.ndarray) else example_names]
    return without_batch(parse_batch([records.item()], features, Where("parse_single_example", names, False)))


__all__ = ["FixedLenFeature", "FixedLenSequenceFeature", "InvalidArgumentError", "SparseTensor", "VarLenFeature", "parse_example",
           "parse_single_example"]
