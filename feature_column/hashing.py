"""TensorFlow's string hashing on the host: FarmHash ``Fingerprint64`` (``tf.strings.to_hash_bucket_fast``)
and ``FingerprintCat64`` (``tf.sparse.cross_hashed``), so hash buckets and crosses land where TF puts them."""

from __future__ import annotations

import farmhash
import numpy as np

DEFAULT_HASH_KEY = 0xDECAFCAFFE  # tf.sparse.cross_hashed's key when hash_key is None
_MUL = np.uint64(0xC6A4A7935BD1E995)
_SHIFT = np.uint64(47)


def as_string(value) -> bytes:
    """A feature value as TensorFlow's ``as_string`` gives it: bytes kept, integers in decimal."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode()
    return str(int(value)).encode()


def fingerprint64(values: np.ndarray) -> np.ndarray:
    """FarmHash ``Fingerprint64`` of each value's string form, as uint64.

    >>> int(fingerprint64(np.array(["hello"]))[0]) % (2**63 - 1)
    3786372426573024489
    """
    flat = np.asarray(values, dtype=object).reshape(-1)
    hashes = np.fromiter((farmhash.fingerprint64(as_string(v)) for v in flat), dtype=np.uint64, count=flat.size)
    return hashes.reshape(np.shape(values))


def to_hash_bucket_fast(values: np.ndarray, num_buckets: int) -> np.ndarray:
    """``tf.strings.to_hash_bucket_fast``: ``Fingerprint64(str) % num_buckets`` as int64."""
    return (fingerprint64(values) % np.uint64(num_buckets)).astype(np.int64)


def _shift_mix(value: np.ndarray) -> np.ndarray:
    return value ^ (value >> _SHIFT)


def fingerprint_cat64(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """TensorFlow's ``FingerprintCat64(fp1, fp2)``: the hash of a cross, one column at a time."""
    with np.errstate(over="ignore"):
        result = np.asarray(first, np.uint64) ^ _MUL
        result ^= _shift_mix(np.asarray(second, np.uint64) * _MUL) * _MUL
        result *= _MUL
        return _shift_mix(_shift_mix(result) * _MUL)


__all__ = ["DEFAULT_HASH_KEY", "as_string", "fingerprint64", "fingerprint_cat64", "to_hash_bucket_fast"]
