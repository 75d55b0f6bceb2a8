"""Each summary kind as a ``Summary.Value`` in its TensorBoard plugin's tensor format (what TensorFlow
2's ``tf.summary`` writes): scalars as float32, images as ``[width, height, png...]`` strings, audio as
``[k, 2]`` (WAV, label) strings, histograms as float64 ``[buckets, 3]`` rows, text as a string tensor.
"""

from __future__ import annotations

import functools
import io
import struct
import wave
import zlib

import numpy as np
from tensorboard.compat.proto import summary_pb2, tensor_pb2, tensor_shape_pb2, types_pb2
from tensorboard.plugins.audio import metadata as audio_metadata
from tensorboard.plugins.histogram import metadata as histogram_metadata
from tensorboard.plugins.image import metadata as image_metadata
from tensorboard.plugins.scalar import metadata as scalar_metadata
from tensorboard.plugins.text import metadata as text_metadata
from tensorboard.util.tensor_util import make_tensor_proto

DEFAULT_BUCKET_COUNT = 30


def scalar_value(name: str, data, description=None) -> summary_pb2.Summary.Value:
    array = np.asarray(data)
    if array.ndim != 0:
        raise ValueError(f"tfc.summary.scalar: data must be a scalar (rank 0), got shape {array.shape} for {name!r}")
    return _numeric_value(name, scalar_metadata, description, np.float32(array))


def image_value(name: str, data, max_outputs=3, description=None) -> summary_pb2.Summary.Value:
    array = np.asarray(data)
    if array.ndim != 4 or array.shape[-1] not in (1, 3, 4):
        raise ValueError(f"tfc.summary.image: data must have rank 4 [k, h, w, c] with c in 1, 3 or 4, "
                         f"got shape {array.shape} (rank {array.ndim}) for {name!r}")
    images = _to_uint8(array[:_count("max_outputs", max_outputs)])
    encoded = [png(image) for image in images]
    strings = [str(array.shape[2]).encode(), str(array.shape[1]).encode(), *encoded]
    metadata = image_metadata.create_summary_metadata(display_name=None, description=description)
    return _value(name, metadata, np.array(strings, dtype=object))


def audio_value(name: str, data, sample_rate, max_outputs=3, encoding=None, description=None) -> summary_pb2.Summary.Value:
    if encoding not in (None, "wav"):
        raise ValueError(f"tfc.summary.audio: encoding must be None or 'wav', got {encoding!r}")
    array = np.asarray(data, dtype=np.float32)
    if array.ndim != 3:
        raise ValueError(f"tfc.summary.audio: data must have rank 3 [k, t, c], got shape {array.shape} for {name!r}")
    rate = int(np.asarray(sample_rate))
    if rate <= 0:
        raise ValueError(f"tfc.summary.audio: sample_rate must be a positive integer, got {sample_rate!r}")
    clips = [[wav(clip, rate), b""] for clip in array[:_count("max_outputs", max_outputs)]]
    metadata = audio_metadata.create_summary_metadata(display_name=None, description=description, encoding=audio_metadata.Encoding.Value("WAV"))
    return _value(name, metadata, np.array(clips, dtype=object).reshape(len(clips), 2))


def histogram_value(name: str, data, buckets=None, description=None) -> summary_pb2.Summary.Value:
    return _numeric_value(name, histogram_metadata, description, bucketize(data, DEFAULT_BUCKET_COUNT if buckets is None else _count("buckets", buckets, 0)))


def histogram_counts_value(name: str, packed, description=None) -> summary_pb2.Summary.Value:
    """A histogram counted in a compiled step: ``[low, high, counts...]`` (see ``compiled.histogram_counts``)."""
    packed = np.asarray(packed, dtype=np.float64)
    return _numeric_value(name, histogram_metadata, description, histogram_rows(packed[0], packed[1], packed[2:]))


def histogram_rows(low: float, high: float, counts: np.ndarray) -> np.ndarray:
    """``[k, 3]`` rows ``[left, right, count]`` from the extremes and the counts of ``k`` equal buckets
    (:func:`bucketize`'s rule: one distinct value is counted in the last bucket, which spans it)."""
    bucket_count, total = len(counts), counts.sum()
    if total == 0:
        return np.zeros((bucket_count, 3), np.float64)
    if high == low:
        counts = np.zeros(bucket_count, np.float64)
        counts[-1] = total
        return np.stack([np.full(bucket_count, high), np.full(bucket_count, high), counts], axis=1)
    edges = _steps(bucket_count) * ((high - low) / bucket_count) + low  # np.linspace(low, high, k + 1), as it computes it
    edges[-1] = high
    rows = np.empty((bucket_count, 3), np.float64)
    rows[:, 0], rows[:, 1], rows[:, 2] = edges[:-1], edges[1:], counts
    return rows


@functools.lru_cache(maxsize=64)
def _steps(bucket_count: int) -> np.ndarray:
    steps = np.arange(bucket_count + 1, dtype=np.float64)
    steps.flags.writeable = False
    return steps


@functools.lru_cache(maxsize=256)
def _metadata(plugin, description) -> summary_pb2.SummaryMetadata:
    """A plugin's SummaryMetadata, made once per description (a Value copies it): it costs microseconds
    a call, which a compiled step recording every call pays on the host."""
    return plugin.create_summary_metadata(display_name=None, description=description)


def text_value(name: str, data, description=None) -> summary_pb2.Summary.Value:
    array = np.asarray(data)
    if array.dtype.kind not in "USO":
        raise TypeError(f"tfc.summary.text: data must be strings, got dtype {array.dtype} for {name!r}")
    encoded = np.vectorize(lambda s: s if isinstance(s, bytes) else str(s).encode(), otypes=[object])(array) if array.size else array.astype(object)
    metadata = text_metadata.create_summary_metadata(display_name=None, description=description)
    return _value(name, metadata, encoded)


def bucketize(data, bucket_count: int) -> np.ndarray:
    """``[bucket_count, 3]`` rows ``[left, right, count]``: TensorBoard's ``summary_v2._buckets`` rule
    (equal-width buckets from min to max, the last closed; one value: all counted in the last)."""
    values = np.asarray(data, dtype=np.float64).reshape(-1)
    if bucket_count == 0 or values.size == 0:
        return np.zeros((bucket_count, 3), np.float64)
    low, high = values.min(), values.max()
    width = (high - low) / bucket_count if high > low else 1.0
    index = np.minimum(np.floor((values - low) / width).astype(np.int64), bucket_count - 1)
    return histogram_rows(low, high, np.bincount(index, minlength=bucket_count).astype(np.float64))


def png(image: np.ndarray) -> bytes:
    """``image`` ([h, w, c] uint8, c in 1, 3, 4) as a PNG (8-bit grey, RGB or RGBA, no filtering)."""
    height, width, channels = image.shape
    color_type = {1: 0, 3: 2, 4: 6}[channels]
    rows = np.concatenate([np.zeros((height, 1), np.uint8), image.reshape(height, width * channels)], axis=1)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows.tobytes(), 6)) + chunk(b"IEND", b"")


def wav(clip: np.ndarray, sample_rate: int) -> bytes:
    """``clip`` ([t, c] floats in [-1, 1]) as 16-bit PCM WAV, quantized as ``tf.audio.encode_wav`` does
    (round(x * 32768), saturated to int16)."""
    scaled = np.asarray(clip, np.float32) * np.float32(32768.0)
    samples = np.clip(np.sign(scaled) * np.floor(np.abs(scaled) + 0.5), -32768, 32767).astype("<i2")  # C's roundf: halves away from 0
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(clip.shape[1])
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        out.writeframes(samples.tobytes())
    return buffer.getvalue()


def _to_uint8(images: np.ndarray) -> np.ndarray:
    """uint8 as it is; floats in [0, 1] as ``tf.image.convert_image_dtype(..., saturate=True)`` makes
    them: truncated ``x * 255.5``, so TensorBoard shows the pixels TensorFlow would."""
    if images.dtype == np.uint8:
        return images
    if images.dtype.kind != "f":
        raise TypeError(f"tfc.summary.image: data must be uint8 or float in [0, 1], got dtype {images.dtype}")
    return (np.clip(images.astype(np.float32), 0.0, 1.0) * np.float32(255.5)).astype(np.uint8)


def _count(argument: str, value, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"tfc.summary: {argument} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _value(name: str, metadata, array) -> summary_pb2.Summary.Value:
    return summary_pb2.Summary.Value(tag=str(name), metadata=metadata, tensor=tensor_proto(array))


def _numeric_value(name: str, plugin, description, array: np.ndarray) -> summary_pb2.Summary.Value:
    """``_value`` for a float32/float64 array of a plugin's kind, copied from a cached template holding
    all but the numbers (a quarter of the cost of building the messages: a compiled step recording
    every call pays this on the host)."""
    if _NUMERIC_DTYPES.get(array.dtype) is None or array.dtype.byteorder == ">":
        return _value(name, _metadata(plugin, description), array)
    value = summary_pb2.Summary.Value()
    value.CopyFrom(_template(str(name), plugin, description, array.dtype.str, array.shape))
    if array.ndim == 0:
        getattr(value.tensor, _SCALAR_FIELDS[value.tensor.dtype]).append(array.item())
    else:
        value.tensor.tensor_content = np.ascontiguousarray(array).tobytes()
    return value


@functools.lru_cache(maxsize=1024)
def _template(name: str, plugin, description, dtype: str, shape: tuple) -> summary_pb2.Summary.Value:
    proto = tensor_pb2.TensorProto(dtype=_NUMERIC_DTYPES[np.dtype(dtype)], tensor_shape=_shape_proto(shape))
    return summary_pb2.Summary.Value(tag=name, metadata=_metadata(plugin, description), tensor=proto)


def _shape_proto(shape: tuple) -> tensor_shape_pb2.TensorShapeProto:
    return tensor_shape_pb2.TensorShapeProto(dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=n) for n in shape])


_NUMERIC_DTYPES = {np.dtype(np.float32): types_pb2.DT_FLOAT, np.dtype(np.float64): types_pb2.DT_DOUBLE}
_SCALAR_FIELDS = {types_pb2.DT_FLOAT: "float_val", types_pb2.DT_DOUBLE: "double_val"}


def tensor_proto(array: np.ndarray) -> tensor_pb2.TensorProto:
    """``array`` as the ``TensorProto`` TensorBoard's ``make_tensor_proto`` gives (a scalar in its
    typed field, an array as raw little-endian bytes), built directly for float32 and float64: that
    function costs ~8 us a call, most of a compiled step's summary encoding."""
    dtype = _NUMERIC_DTYPES.get(array.dtype)
    if dtype is None or array.dtype.byteorder == ">":
        return make_tensor_proto(array)
    shape = _shape_proto(array.shape)
    if array.ndim == 0:
        return tensor_pb2.TensorProto(dtype=dtype, tensor_shape=shape, **{_SCALAR_FIELDS[dtype]: [array.item()]})
    return tensor_pb2.TensorProto(dtype=dtype, tensor_shape=shape, tensor_content=np.ascontiguousarray(array).tobytes())


__all__ = [
    "DEFAULT_BUCKET_COUNT",
    "audio_value",
    "bucketize",
    "histogram_counts_value",
    "histogram_rows",
    "histogram_value",
    "image_value",
    "png",
    "scalar_value",
    "tensor_proto",
    "text_value",
    "wav",
]
