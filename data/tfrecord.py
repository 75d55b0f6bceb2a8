"""TFRecord files: TensorFlow's framing of a sequence of byte strings, read and written.

Each record is ``length`` (uint64, little endian), the masked CRC32C of those 8 bytes (uint32),
``length`` bytes of data, and the masked CRC32C of the data (uint32); a file may be compressed whole
with GZIP or ZLIB. Every checksum is checked on reading, so a corrupt or truncated file is an error
naming the file, the record's byte offset and what failed, never wrong data. Files are read in large
chunks and split in one loop per chunk; compressed ones are written with zlib's settings as
TensorFlow uses them (level 6, memLevel 9), so tfc's files are byte for byte TensorFlow's.

>>> with TFRecordWriter("data.tfrecord") as writer:      # doctest: +SKIP
...     writer.write(b"first")
>>> list(tf_record_iterator("data.tfrecord"))            # doctest: +SKIP
[b'first']
"""

from __future__ import annotations

import contextlib
import gzip
import os
import struct
import zlib
from collections.abc import Iterator

import google_crc32c
import numpy as np

from tfc.diagnostics import TfcError
from tfc.files import atomic_write
from tfc.frontend.tensor_spec import TensorSpec
from tfc.types import STRING

from . import sources, structure
from .dataset import AUTOTUNE, Dataset

HEADER = struct.Struct("<QI")  # data length, masked CRC32C of the length's 8 bytes
FOOTER = struct.Struct("<I")  # masked CRC32C of the data
LENGTH_BYTES = 8
MASK_DELTA = 0xA282EAD8
DEFAULT_BUFFER_SIZE = 1 << 20  # bytes read (or decompressed) at a time
COMPRESSION_TYPES = ("", "GZIP", "ZLIB")
ZLIB_WINDOW_BITS = {"GZIP": 16 + zlib.MAX_WBITS, "ZLIB": zlib.MAX_WBITS}
TF_MEM_LEVEL = 9  # TensorFlow's ZlibCompressionOptions (zlib's own default is 8)


class DataLossError(TfcError):
    """A TFRecord file that is corrupt or truncated (TensorFlow's ``tf.errors.DataLossError``)."""


def masked_crc(data) -> int:
    """TFRecord's checksum: CRC32C rotated right by 15 bits plus a constant, so that a CRC of data
    that holds CRCs does not degenerate."""
    crc = google_crc32c.value(data)
    return (((crc >> 15) | (crc << 17)) + MASK_DELTA) & 0xFFFFFFFF


def framed_record(data: bytes) -> bytes:
    """``data`` as one TFRecord: its length and the length's checksum, the data, the data's checksum."""
    return b"".join((HEADER.pack(len(data), masked_crc(struct.pack("<Q", len(data)))), data, FOOTER.pack(masked_crc(data))))


def compression_name(compression_type, what: str = "compression_type") -> str:
    """``None``, ``""``, ``"GZIP"`` or ``"ZLIB"`` as one of :data:`COMPRESSION_TYPES`."""
    if isinstance(compression_type, bytes):
        compression_type = compression_type.decode()
    name = compression_type or ""
    if name not in COMPRESSION_TYPES:
        raise ValueError(f"{what} must be None, '', 'GZIP' or 'ZLIB', got {compression_type!r}")
    return name


# ---- reading


def read_chunks(path: str, compression: str, chunk_size: int) -> Iterator[bytes]:
    """The file's (decompressed) bytes, ``chunk_size`` at a time."""
    with open(path, "rb") as file:
        if compression == "GZIP":
            with gzip.GzipFile(fileobj=file) as stream, stream_errors(path, compression):
                yield from iter(lambda: stream.read(chunk_size), b"")
        elif compression == "ZLIB":
            with stream_errors(path, compression):
                yield from inflate(file, chunk_size)
        else:
            yield from iter(lambda: file.read(chunk_size), b"")


def inflate(file, chunk_size: int) -> Iterator[bytes]:
    """A ZLIB stream's data, at most ``chunk_size`` bytes at a time (however much it expands)."""
    inflater = zlib.decompressobj(ZLIB_WINDOW_BITS["ZLIB"])
    while not inflater.eof:
        compressed = inflater.unconsumed_tail or file.read(chunk_size)
        if not compressed:
            raise EOFError("the ZLIB stream ends before its end-of-stream marker")
        yield inflater.decompress(compressed, chunk_size)


@contextlib.contextmanager
def stream_errors(path: str, compression: str):
    """A broken compressed stream as a DataLossError naming the file."""
    try:
        yield
    except (gzip.BadGzipFile, EOFError, zlib.error) as err:
        raise DataLossError(f"{path}: the {compression} stream is corrupt or truncated: {err}") from None


def split_records(buffer: bytes, path: str, base: int) -> tuple[list[bytes], int, int]:
    """The complete records at the start of ``buffer`` (``base``: its offset in the file), checked;
    also where the first incomplete record starts and how many bytes it needs from there."""
    records, pos, size = [], 0, len(buffer)
    header, footer, crc = HEADER.unpack_from, FOOTER.unpack_from, masked_crc
    while size - pos >= HEADER.size:
        length, length_crc = header(buffer, pos)
        if crc(buffer[pos : pos + LENGTH_BYTES]) != length_crc:
            raise corrupt(path, base + pos, "length", length_crc, crc(buffer[pos : pos + LENGTH_BYTES]))
        start = pos + HEADER.size
        end = start + length
        if end + FOOTER.size > size:
            return records, pos, end + FOOTER.size - pos
        data = buffer[start:end]
        (data_crc,) = footer(buffer, end)
        if crc(data) != data_crc:
            raise corrupt(path, base + pos, "data", data_crc, crc(data))
        records.append(data)
        pos = end + FOOTER.size
    return records, pos, HEADER.size


def corrupt(path: str, offset: int, part: str, stored: int, computed: int) -> DataLossError:
    return DataLossError(f"{path}: corrupted record at byte offset {offset}: the masked CRC32C of its {part} does not match "
                         f"(stored 0x{stored:08x}, computed 0x{computed:08x})")


def truncated(path: str, offset: int, remaining: int, needed: int) -> DataLossError:
    if needed == HEADER.size:
        what = f"its {HEADER.size}-byte header"
    else:
        what = f"the record, which needs {needed} bytes (its header says {needed - HEADER.size - FOOTER.size} bytes of data)"
    return DataLossError(f"{path}: truncated record at byte offset {offset}: the file ends {remaining} bytes into {what}")


def read_record_chunks(path, compression_type=None, buffer_size=None) -> Iterator[list[bytes]]:
    """The records of one TFRecord file, a list per chunk read (offsets in errors count the
    decompressed bytes of a compressed file)."""
    path, compression = os.fsdecode(path), compression_name(compression_type)
    where = f"{path} ({compression}-decompressed)" if compression else path
    pending, pending_size, needed, base = [], 0, HEADER.size, 0
    for chunk in read_chunks(path, compression, buffer_size or DEFAULT_BUFFER_SIZE):
        pending.append(chunk)
        pending_size += len(chunk)
        if pending_size < needed:
            continue  # a record larger than a chunk: joined once, when whole
        buffer = b"".join(pending)
        records, pos, needed = split_records(buffer, where, base)
        base += pos
        pending, pending_size = ([buffer[pos:]] if pos < len(buffer) else []), len(buffer) - pos
        if records:
            yield records
    if pending_size:
        raise truncated(where, base, pending_size, needed)


def tf_record_iterator(path, options=None) -> Iterator[bytes]:
    """The records of the TFRecord file at ``path`` as ``bytes`` (``options``: a
    :class:`TFRecordOptions` or a compression type)."""
    for records in read_record_chunks(path, TFRecordOptions.get_compression_type_string(options)):
        yield from records


class TFRecordReader:
    """A dataset node: the records of each file that ``names_node`` yields, one file after another,
    each record a 0-d object array holding ``bytes``."""

    element_spec = TensorSpec((), STRING)

    def __init__(self, names_node, compression_type: str, buffer_size: int | None):
        self.names, self.compression_type, self.buffer_size = names_node, compression_type, buffer_size

    def cardinality(self) -> int:
        return sources.UNKNOWN

    def record_chunks(self) -> Iterator[list[bytes]]:
        for name in self.names.elements():
            yield from read_record_chunks(file_name(name), self.compression_type, self.buffer_size)

    def elements(self):
        for records in self.record_chunks():
            yield from map(scalar, records)


def scalar(record: bytes) -> np.ndarray:
    return np.array(record, dtype=object)


def strings(records: list[bytes]) -> np.ndarray:
    array = np.empty(len(records), dtype=object)
    array[:] = records
    return array


class RecordBatches:
    """A dataset node: ``batch`` straight after a :class:`TFRecordReader`, each batch a 1-d object
    array cut from the records as read, so no record becomes an array of its own to be stacked."""

    def __init__(self, reader: TFRecordReader, batch_size: int, drop_remainder: bool):
        if batch_size < 1:
            raise ValueError(f"batch: batch_size must be at least 1, got {batch_size}")
        self.reader, self.batch_size, self.drop_remainder = reader, batch_size, drop_remainder
        self.element_spec = TensorSpec((batch_size if drop_remainder else None,), STRING)

    def cardinality(self) -> int:
        return sources.UNKNOWN

    def elements(self):
        pending, size = [], self.batch_size
        for records in self.reader.record_chunks():
            pending.extend(records)
            full = len(pending) - len(pending) % size
            for start in range(0, full, size):
                yield strings(pending[start : start + size])
            del pending[:full]
        if pending and not self.drop_remainder:
            yield strings(pending)


def file_name(element) -> str:
    """A file name element (a 0-d string array, ``bytes`` or ``str``) as ``str``."""
    name = element.item() if isinstance(element, np.ndarray) and element.ndim == 0 else element
    if not isinstance(name, (str, bytes, os.PathLike)):
        raise TypeError(f"TFRecordDataset: a file name must be a string, got {structure.describe(element)}")
    return os.fsdecode(name)


def file_names(filenames):
    """``filenames`` (a name, a list or array of names, or a Dataset of names) as a node of names."""
    if isinstance(filenames, Dataset):
        spec = filenames.element_spec
        if not isinstance(spec, TensorSpec) or spec.dtype is not STRING or spec.shape not in (None, ()):
            raise TypeError(f"TFRecordDataset: a dataset of file names must have scalar string elements, got element_spec {spec}")
        return filenames.node
    if isinstance(filenames, (str, bytes, os.PathLike)):
        return sources.Tensors(np.array(os.fsencode(filenames), dtype=object))
    names = np.array([os.fsencode(file_name(name)) for name in np.asarray(filenames, dtype=object).reshape(-1)], dtype=object)
    return sources.TensorSlices(names)


class TFRecordDataset(Dataset):
    """The records of TFRecord files (TensorFlow's ``tf.data.TFRecordDataset``): each a scalar
    string, so ``bytes`` when iterated or given to a ``map`` function.

    ``filenames``: a file name, a list of them, or a Dataset of them. ``compression_type``: None,
    ``""``, ``"GZIP"`` or ``"ZLIB"``. ``buffer_size``: bytes read at a time (None or 0: 1 MiB).
    ``num_parallel_reads``: read that many files at once, interleaved record by record (as
    TensorFlow's ``interleave`` with ``cycle_length=num_parallel_reads``), each on its own thread;
    None reads them one after another.

    >>> dataset = tfc.data.TFRecordDataset(["a.tfrecord", "b.tfrecord"])   # doctest: +SKIP
    >>> parsed = dataset.batch(64).map(lambda rs: tfc.io.parse_example(rs, spec))   # doctest: +SKIP
    """

    def __init__(self, filenames, compression_type=None, buffer_size=None, num_parallel_reads=None, name=None):
        compression = compression_name(compression_type)
        if buffer_size is not None and buffer_size < 0:
            raise ValueError(f"TFRecordDataset: buffer_size must be at least 0 bytes, got {buffer_size}")
        names = file_names(filenames)
        if num_parallel_reads is None:
            super().__init__(TFRecordReader(names, compression, buffer_size))
            return
        if num_parallel_reads != AUTOTUNE and num_parallel_reads < 1:
            raise ValueError(f"TFRecordDataset: num_parallel_reads must be positive or tf.data.AUTOTUNE, got {num_parallel_reads}")

        def read_file(name):
            return Dataset(TFRecordReader(sources.Tensors(name), compression, buffer_size))

        interleaved = Dataset(names).interleave(read_file, cycle_length=num_parallel_reads, block_length=1, num_parallel_calls=num_parallel_reads)
        super().__init__(interleaved.node)

    def batch(self, batch_size, drop_remainder=False, num_parallel_calls=None, deterministic=None, name=None) -> Dataset:
        """``Dataset.batch``; reading files one after another, the batches are cut from the records
        as read (the recommended ``TFRecordDataset(files).batch(n).map(parse_example)`` path)."""
        if not isinstance(self.node, TFRecordReader):
            return super().batch(batch_size, drop_remainder, num_parallel_calls, deterministic, name)
        return Dataset(RecordBatches(self.node, int(batch_size), bool(drop_remainder)))


# ---- writing


class TFRecordOptions:
    """How a TFRecord file is compressed (TensorFlow's ``tf.io.TFRecordOptions``): zlib's settings,
    None meaning TensorFlow's defaults. ``window_bits`` goes to zlib as given, as in TensorFlow (31:
    GZIP's default; 15 with GZIP writes a ZLIB stream). ``input_buffer_size``/``output_buffer_size``
    size TensorFlow's buffers and do not change the bytes written; ``flush_mode`` other than
    Z_NO_FLUSH (which would) is not supported."""

    def __init__(self, compression_type=None, flush_mode=None, input_buffer_size=None, output_buffer_size=None, window_bits=None,
                 compression_level=None, compression_method=None, mem_level=None, compression_strategy=None):
        compression_name(compression_type)
        if flush_mode not in (None, zlib.Z_NO_FLUSH):
            raise ValueError(f"TFRecordOptions: flush_mode={flush_mode} is not supported (only None or Z_NO_FLUSH)")
        if compression_method not in (None, zlib.DEFLATED):
            raise ValueError(f"TFRecordOptions: compression_method={compression_method} is not supported (only Z_DEFLATED, 8)")
        for name, size in (("input_buffer_size", input_buffer_size), ("output_buffer_size", output_buffer_size)):
            if size is not None and size < 1:
                raise ValueError(f"TFRecordOptions: {name} must be positive, got {size}")
        self.compression_type, self.flush_mode = compression_type, flush_mode
        self.input_buffer_size, self.output_buffer_size = input_buffer_size, output_buffer_size
        self.window_bits, self.compression_level, self.compression_method = window_bits, compression_level, compression_method
        self.mem_level, self.compression_strategy = mem_level, compression_strategy

    @classmethod
    def get_compression_type_string(cls, options) -> str:
        """``options`` (TFRecordOptions, a compression type or None) as ``""``, ``"GZIP"`` or ``"ZLIB"``."""
        if isinstance(options, TFRecordOptions):
            return compression_name(options.compression_type)
        return compression_name(options, "options")

    def compressor(self):
        """A zlib compressor with these settings, or None without compression."""
        name = compression_name(self.compression_type)
        if not name:
            return None
        return zlib.compressobj(
            zlib.Z_DEFAULT_COMPRESSION if self.compression_level is None else self.compression_level,
            zlib.DEFLATED,
            ZLIB_WINDOW_BITS[name] if self.window_bits is None else self.window_bits,  # as given, as TensorFlow passes it to zlib
            TF_MEM_LEVEL if self.mem_level is None else self.mem_level,
            zlib.Z_DEFAULT_STRATEGY if self.compression_strategy is None else self.compression_strategy,
        )


class TFRecordWriter:
    """Writes records to a TFRecord file (TensorFlow's ``tf.io.TFRecordWriter``).

    The file is written to a temp file beside ``path`` and renamed to ``path`` by :meth:`close` (or
    the end of a ``with`` block), so ``path`` never holds half a file; an exception inside the
    ``with`` block leaves ``path`` as it was.

    >>> with TFRecordWriter("out.tfrecord.gz", "GZIP") as writer:     # doctest: +SKIP
    ...     writer.write(example.SerializeToString())
    """

    def __init__(self, path, options=None):
        options = options if isinstance(options, TFRecordOptions) else TFRecordOptions(compression_name(options, "options"))
        self.path = os.fsdecode(path)
        self._compressor = options.compressor()
        self._closing = contextlib.ExitStack()
        self._file = self._closing.enter_context(atomic_write(self.path))

    def write(self, record) -> None:
        """Append one record (``bytes``, or a 0-d string array as a dataset yields)."""
        if self._file is None:
            raise ValueError(f"TFRecordWriter: {self.path} is closed")
        framed = framed_record(record_bytes(record))
        self._file.write(framed if self._compressor is None else self._compressor.compress(framed))

    def flush(self) -> None:
        """Push what was written to the temp file (a compressed stream with zlib's Z_PARTIAL_FLUSH, as
        TensorFlow does)."""
        if self._file is None:
            raise ValueError(f"TFRecordWriter: {self.path} is closed")
        if self._compressor is not None:
            self._file.write(self._compressor.flush(zlib.Z_PARTIAL_FLUSH))
        self._file.flush()

    def close(self) -> None:
        """Finish the file and put it at ``path`` (again: nothing)."""
        if self._file is None:
            return
        if self._compressor is not None:
            self._file.write(self._compressor.flush())
        self._file = None
        self._closing.close()

    def __enter__(self) -> TFRecordWriter:
        return self

    def __exit__(self, *exc_info) -> None:
        if exc_info[0] is None:
            self.close()
        else:
            self._file = None
            self._closing.__exit__(*exc_info)


def record_bytes(record) -> bytes:
    if isinstance(record, np.ndarray) and record.ndim == 0:
        record = record.item()
    if isinstance(record, str):
        return record.encode()
    if isinstance(record, (bytes, bytearray, memoryview)):
        return bytes(record)
    raise TypeError(f"TFRecordWriter.write: a record must be bytes or str, got {type(record).__name__}")


__all__ = ["DataLossError", "TFRecordDataset", "TFRecordOptions", "TFRecordReader", "TFRecordWriter", "framed_record", "masked_crc", "read_record_chunks",
           "tf_record_iterator"]
