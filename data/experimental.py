"""``tfc.data.experimental``: ``make_csv_dataset`` (TensorFlow's signature and defaults).

Rows of CSV files become batches of ``(features, label)``: ``features`` maps each column's name to
a batch of its values. Column types come from ``column_defaults`` or are inferred from the first
``num_rows_for_inference`` rows (int32, then int64, float32, float64, string: the first that holds
every value, as TensorFlow infers them); a missing value (empty, or ``na_value``) takes the
column's default, or is an error naming the file and line when the column is required.
"""

from __future__ import annotations

import collections
import csv
import gzip
import itertools

import numpy as np

from tfc.types import DType, is_string_dtype

from .dataset import AUTOTUNE, Dataset, random_seed
from .sources import UNKNOWN
from .structure import spec_of

_INFERENCE_ORDER = (np.int32, np.int64, np.float32, np.float64)
_REQUIRED = object()


def make_csv_dataset(file_pattern, batch_size, column_names=None, column_defaults=None, label_name=None, select_columns=None,
                     field_delim=",", use_quote_delim=True, na_value="", header=True, num_epochs=None, shuffle=True,
                     shuffle_buffer_size=10000, shuffle_seed=None, prefetch_buffer_size=None, num_parallel_reads=None, sloppy=False,
                     num_rows_for_inference=100, compression_type=None, ignore_errors=False, encoding="utf-8") -> Dataset:
    """Batches of ``(features, label)`` (or just ``features`` without ``label_name``) from CSV files;
    repeated ``num_epochs`` times (None: forever) and shuffled unless ``shuffle=False``."""
    files = [name.decode() for name in Dataset.list_files(file_pattern, shuffle=False)]
    reader = CsvReader(files, field_delim, use_quote_delim, na_value, header, compression_type, encoding, ignore_errors)
    names = list(column_names) if column_names is not None else reader.header_names()
    columns = reader.select(names, select_columns, label_name)
    defaults = reader.defaults(names, columns, column_defaults, num_rows_for_inference)
    reader.configure(names, columns, defaults)
    dataset = Dataset.from_tensor_slices(np.array([f.encode() for f in files], dtype=object))
    if shuffle:
        dataset = dataset.shuffle(len(files), seed=shuffle_seed)
    dataset = dataset.interleave(lambda name: Dataset(CsvRows(reader, name.decode())), cycle_length=num_parallel_reads or 1)
    if shuffle:
        dataset = dataset.shuffle(shuffle_buffer_size, seed=random_seed(shuffle_seed))
    if num_epochs != 1:
        dataset = dataset.repeat(num_epochs)
    dataset = dataset.batch(batch_size)
    if label_name is not None:
        dataset = dataset.map(lambda features: (features, features.pop(label_name)))
    return dataset.prefetch(AUTOTUNE if prefetch_buffer_size is None else prefetch_buffer_size)


class CsvReader:
    """The files' shared reading settings, and the columns' names, types and defaults."""

    def __init__(self, files, delimiter, quoting, na_value, header, compression_type, encoding, ignore_errors):
        if compression_type not in (None, "", "GZIP"):
            raise ValueError(f"make_csv_dataset: compression_type must be None, '' or 'GZIP', got {compression_type!r}")
        self.files, self.na_value, self.header, self.encoding, self.ignore_errors = files, na_value, header, encoding, ignore_errors
        self.gzip = compression_type == "GZIP"
        self.format = {"delimiter": delimiter, "quoting": csv.QUOTE_MINIMAL if quoting else csv.QUOTE_NONE}

    def lines(self, path: str):
        """(line number, fields) of each data row of ``path``."""
        stream = gzip.open(path, "rt", encoding=self.encoding, newline="") if self.gzip else open(path, encoding=self.encoding, newline="")
        with stream:
            rows = csv.reader(stream, **self.format)
            if self.header:
                next(rows, None)
            for row in rows:
                if row:
                    yield rows.line_num, row

    def header_names(self) -> list[str]:
        if not self.header:
            raise ValueError("make_csv_dataset: give column_names when the files have no header (header=False)")
        with open(self.files[0], encoding=self.encoding, newline="") if not self.gzip else gzip.open(self.files[0], "rt") as stream:
            names = next(csv.reader(stream, **self.format), None)
        if not names:
            raise ValueError(f"make_csv_dataset: {self.files[0]} has no header line")
        return names

    def select(self, names, select_columns, label_name) -> list[int]:
        """The indices of the columns read (``select_columns`` by name or index), checked."""
        if select_columns is None:
            columns = list(range(len(names)))
        else:
            columns = sorted(names.index(c) if isinstance(c, str) and c in names else c for c in select_columns)
            unknown = [c for c in columns if not isinstance(c, int) or not 0 <= c < len(names)]
            if unknown:
                raise ValueError(f"make_csv_dataset: select_columns {unknown} are not columns of {names}")
        if label_name is not None and (label_name not in names or names.index(label_name) not in columns):
            raise ValueError(f"make_csv_dataset: label_name {label_name!r} is not one of the columns {[names[c] for c in columns]}")
        return columns

    def defaults(self, names, columns, column_defaults, rows_for_inference: int) -> list:
        """Per selected column: its default value (typed), or _REQUIRED with its dtype."""
        if column_defaults is not None:
            if len(column_defaults) != len(columns):
                raise ValueError(f"make_csv_dataset: {len(column_defaults)} column_defaults for {len(columns)} columns")
            return [_given_default(d) for d in column_defaults]
        sample = itertools.islice((row for path in self.files for _, row in self.lines(path)), rows_for_inference)
        values = [[] for _ in columns]
        for row in sample:
            for slot, column in enumerate(columns):
                if column < len(row) and row[column] not in ("", self.na_value):
                    values[slot].append(row[column])
        return [_inferred_default(v) for v in values]

    def configure(self, names, columns, defaults) -> None:
        self.names, self.columns, self.column_defaults = names, columns, defaults

    def convert(self, row, path: str, line: int) -> collections.OrderedDict:
        if len(row) != len(self.names):
            raise ValueError(f"{path}:{line}: expected {len(self.names)} fields, found {len(row)}")
        features = collections.OrderedDict()
        for column, default in zip(self.columns, self.column_defaults):
            text, name = row[column], self.names[column]
            features[name] = _parse(text, default, self.na_value, f"{path}:{line}: column {name!r}")
        return features


class CsvRows:
    """The rows of one file, each a dict of 0-d arrays (a node, like the sources)."""

    def __init__(self, reader: CsvReader, path: str):
        self.reader, self.path = reader, path

    @property
    def element_spec(self):
        return spec_of(collections.OrderedDict((self.reader.names[c], _empty(d)) for c, d in zip(self.reader.columns, self.reader.column_defaults)))

    def cardinality(self) -> int:
        return UNKNOWN

    def elements(self):
        for line, row in self.reader.lines(self.path):
            try:
                yield self.reader.convert(row, self.path, line)
            except ValueError:
                if not self.reader.ignore_errors:
                    raise


def _given_default(default):
    if isinstance(default, (list, tuple)) and not default:
        raise ValueError("make_csv_dataset: an empty column default needs a dtype; give the dtype itself (e.g. tfc.int32) for a required column")
    if is_string_dtype(default):
        return (_REQUIRED, np.dtype(object))
    if isinstance(default, (type, np.dtype, DType)):
        return (_REQUIRED, default.numpy if isinstance(default, DType) else np.dtype(default))
    if isinstance(default, (str, bytes)):
        return np.asarray(default.encode() if isinstance(default, str) else default, dtype=object)
    return np.asarray(default, dtype=np.int32 if isinstance(default, int) else (np.float32 if isinstance(default, float) else None))


def _inferred_default(values: list[str]):
    for dtype in _INFERENCE_ORDER:
        if all(_fits(v, dtype) for v in values):
            return np.zeros((), dtype)
    return np.asarray(b"", dtype=object)


def _fits(text: str, dtype) -> bool:
    try:
        if np.issubdtype(dtype, np.integer):
            value = int(text)
            return np.iinfo(dtype).min <= value <= np.iinfo(dtype).max
        value = float(text)
        return dtype == np.float64 or np.isfinite(np.float32(value)) or not np.isfinite(value)
    except ValueError:
        return False


def _empty(default) -> np.ndarray:
    return np.zeros((), default[1]) if isinstance(default, tuple) else default


def _parse(text: str, default, na_value: str, where: str) -> np.ndarray:
    if text == "" or text == na_value:
        if isinstance(default, tuple):
            raise ValueError(f"{where}: a value is required (the column has no default)")
        return default
    dtype = default[1] if isinstance(default, tuple) else default.dtype
    if dtype.kind == "O":
        return np.asarray(text.encode(), dtype=object)
    try:
        return np.asarray(int(text) if np.issubdtype(dtype, np.integer) else float(text), dtype=dtype)
    except (ValueError, OverflowError):
        raise ValueError(f"{where}: {text!r} is not a {dtype}") from None
