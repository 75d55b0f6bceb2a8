"""TFRecord files: TensorFlow's files read (plain, GZIP, ZLIB), tfc's written byte for byte as
TensorFlow writes them, every checksum checked (errors name the file, the record's offset and the
part that failed), files read one after another or interleaved."""

from __future__ import annotations

import gzip
import json
import struct
from pathlib import Path

import numpy as np
import pytest

import tfc
from tfc.data.tfrecord import DataLossError, masked_crc

DATA = Path(__file__).resolve().parent.parent / "data" / "tfrecord"
REFERENCE = json.loads((DATA / "reference.json").read_text())
COMPRESSED = {"GZIP": "examples.tfrecord.gz", "ZLIB": "examples.tfrecord.zlib"}


def read_all(path, **kwargs) -> list[bytes]:
    return list(tfc.data.TFRecordDataset(str(path), **kwargs))


@pytest.fixture(scope="module")
def records() -> list[bytes]:
    return list(tfc.io.tf_record_iterator(str(DATA / "examples.tfrecord")))


def offsets(records: list[bytes]) -> list[int]:
    """Where each record starts in a plain file."""
    return list(np.cumsum([0] + [len(r) + 16 for r in records[:-1]]))


def test_reads_tensorflows_files(records):
    assert len(records) == REFERENCE["records"]
    assert all(isinstance(r, bytes) for r in records)
    for compression, name in COMPRESSED.items():
        assert read_all(DATA / name, compression_type=compression) == records
    label = tfc.train.Example.FromString(records[3]).features.feature["label"].int64_list.value
    assert list(label) == [3 * 7 - 20]


def test_small_buffers_split_records_across_reads(records):
    for buffer_size in (1, 7, 100):
        assert read_all(DATA / "examples.tfrecord", buffer_size=buffer_size) == records
        assert read_all(DATA / COMPRESSED["GZIP"], compression_type="GZIP", buffer_size=buffer_size) == records


@pytest.mark.parametrize("compression", [None, "GZIP", "ZLIB"])
def test_writer_writes_tensorflows_bytes(tmp_path, records, compression):
    path = tmp_path / "out.tfrecord"
    with tfc.io.TFRecordWriter(str(path), compression) as writer:
        for record in records:
            writer.write(record)
    expected = DATA / (COMPRESSED[compression] if compression else "examples.tfrecord")
    assert path.read_bytes() == expected.read_bytes()


def test_flush_writes_tensorflows_bytes(tmp_path, records):
    path = tmp_path / "out.tfrecord.gz"
    with tfc.io.TFRecordWriter(path, tfc.io.TFRecordOptions(compression_type="GZIP")) as writer:
        for index, record in enumerate(records):
            writer.write(record)
            if index == REFERENCE["flush_after"]:
                writer.flush()
    assert path.read_bytes() == (DATA / "flushed.tfrecord.gz").read_bytes()


@pytest.mark.parametrize("compression", ["", "GZIP", "ZLIB"])
def test_round_trip(tmp_path, compression):
    rng = np.random.default_rng(3)
    records = [rng.bytes(n) for n in (0, 1, 5, 3000, 200_000, 12)] + ["text é"]
    path = tmp_path / "round.tfrecord"
    with tfc.io.TFRecordWriter(path, tfc.io.TFRecordOptions(compression_type=compression, compression_level=9)) as writer:
        for record in records[:-1]:
            writer.write(record)
        writer.write(np.array(records[-1], dtype=object))  # a dataset's string scalar
    expected = records[:-1] + ["text é".encode()]
    assert read_all(path, compression_type=compression, buffer_size=1024) == expected
    assert list(tfc.io.tf_record_iterator(path, tfc.io.TFRecordOptions(compression))) == expected


def test_dataset_spec_and_iteration_inside_pipelines(records):
    dataset = tfc.data.TFRecordDataset(str(DATA / "examples.tfrecord"))
    assert dataset.element_spec.dtype is tfc.string and dataset.element_spec.shape == ()
    assert dataset.cardinality() == tfc.data.UNKNOWN_CARDINALITY
    assert list(dataset.map(len)) == [len(r) for r in records]
    batches = list(dataset.batch(5))
    assert [b.shape for b in batches] == [(5,), (5,), (2,)] and batches[2].tolist() == records[10:]


@pytest.mark.parametrize("buffer_size", [None, 50])
def test_batches_cut_from_the_records_as_read(records, buffer_size):
    dataset = tfc.data.TFRecordDataset(str(DATA / "examples.tfrecord"), buffer_size=buffer_size)
    kept = dataset.batch(5, drop_remainder=True)
    assert kept.element_spec.shape == (5,)
    assert [b.tolist() for b in kept] == [records[:5], records[5:10]]
    assert [b.tolist() for b in dataset.batch(1)] == [[r] for r in records]
    assert [b.tolist() for b in dataset.batch(100)] == [records]
    with pytest.raises(ValueError, match="batch_size must be at least 1"):
        dataset.batch(0)


def write_file(path: Path, records: list[bytes]) -> str:
    with tfc.io.TFRecordWriter(path) as writer:
        for record in records:
            writer.write(record)
    return str(path)


def test_several_files_in_order_or_interleaved(tmp_path):
    a = write_file(tmp_path / "a.tfrecord", [b"a0", b"a1", b"a2", b"a3"])
    b = write_file(tmp_path / "b.tfrecord", [b"b0", b"b1"])
    assert read_all_of([a, b]) == [b"a0", b"a1", b"a2", b"a3", b"b0", b"b1"]
    assert read_all_of([a, b], num_parallel_reads=2) == [b"a0", b"b0", b"a1", b"b1", b"a2", b"a3"]
    interleaved_batches = tfc.data.TFRecordDataset([a, b], num_parallel_reads=2).batch(4)
    assert [batch.tolist() for batch in interleaved_batches] == [[b"a0", b"b0", b"a1", b"b1"], [b"a2", b"a3"]]
    names = tfc.data.Dataset.list_files(str(tmp_path / "*.tfrecord"), shuffle=False)
    assert read_all_of(names) == [b"a0", b"a1", b"a2", b"a3", b"b0", b"b1"]
    assert read_all_of(np.array([b, a])) == [b"b0", b"b1", b"a0", b"a1", b"a2", b"a3"]


def read_all_of(filenames, **kwargs) -> list[bytes]:
    return list(tfc.data.TFRecordDataset(filenames, **kwargs))


def corrupted(tmp_path, position: int, records=None, truncate=False) -> str:
    data = bytearray((DATA / "examples.tfrecord").read_bytes())
    if truncate:
        data = data[:position]
    else:
        data[position] ^= 0x01
    path = tmp_path / "bad.tfrecord"
    path.write_bytes(bytes(data))
    return str(path)


@pytest.mark.parametrize(("part", "where", "message"), [
    ("length", 0, "CRC32C of its length does not match"),
    ("length CRC", 9, "CRC32C of its length does not match"),
    ("data", 12 + 3, "CRC32C of its data does not match"),
    ("data CRC", -2, "CRC32C of its data does not match"),
])
def test_a_flipped_byte_names_file_offset_and_part(tmp_path, records, part, where, message):
    start = offsets(records)[4]
    end = start + 16 + len(records[4])
    path = corrupted(tmp_path, end + where if where < 0 else start + where)
    with pytest.raises(DataLossError, match=rf"bad\.tfrecord: corrupted record at byte offset {start}: the masked {message}"):
        read_all(path)


def test_truncated_files_name_file_and_offset(tmp_path, records):
    start = offsets(records)[-1]
    with pytest.raises(DataLossError, match=rf"bad\.tfrecord: truncated record at byte offset {start}: the file ends 5 bytes into its 12-byte header"):
        read_all(corrupted(tmp_path, start + 5, truncate=True))
    needed = len(records[-1]) + 16
    with pytest.raises(DataLossError, match=rf"truncated record at byte offset {start}: the file ends 20 bytes into the record, which needs {needed} bytes"):
        read_all(corrupted(tmp_path, start + 20, truncate=True))


def test_records_before_the_damage_are_read(tmp_path, records):
    path = corrupted(tmp_path, offsets(records)[-1] + 20, truncate=True)
    seen = []
    with pytest.raises(DataLossError):
        for record in tfc.io.tf_record_iterator(path):
            seen.append(record)
    assert seen == records[:-1]


def test_broken_compressed_streams(tmp_path):
    data = (DATA / COMPRESSED["GZIP"]).read_bytes()
    path = tmp_path / "cut.tfrecord.gz"
    path.write_bytes(data[:-30])
    with pytest.raises(DataLossError, match=r"cut\.tfrecord\.gz: the GZIP stream is corrupt or truncated"):
        read_all(path, compression_type="GZIP")
    zlib_data = (DATA / COMPRESSED["ZLIB"]).read_bytes()
    path.write_bytes(zlib_data[:-30])
    with pytest.raises(DataLossError, match=r"cut\.tfrecord\.gz: the ZLIB stream is corrupt or truncated"):
        read_all(path, compression_type="ZLIB")
    path.write_bytes(zlib_data)
    with pytest.raises(DataLossError, match="the GZIP stream is corrupt or truncated: Not a gzipped file"):
        read_all(path, compression_type="GZIP")


def test_corruption_inside_a_compressed_stream_is_found(tmp_path, records):
    plain = bytearray((DATA / "examples.tfrecord").read_bytes())
    plain[offsets(records)[2] + 14] ^= 0x10
    path = tmp_path / "bad.tfrecord.gz"
    path.write_bytes(gzip.compress(bytes(plain)))
    with pytest.raises(DataLossError, match=rf"bad\.tfrecord\.gz \(GZIP-decompressed\): corrupted record at byte offset {offsets(records)[2]}: .* data"):
        read_all(path, compression_type="GZIP")


def test_masked_crc_is_tensorflows():
    # the first record's header: its length and TensorFlow's masked CRC of it
    header = (DATA / "examples.tfrecord").read_bytes()[:12]
    length, crc = struct.unpack("<QI", header)
    assert masked_crc(header[:8]) == crc and length > 0


def test_writer_file_appears_whole_on_close(tmp_path):
    path = tmp_path / "w.tfrecord"
    writer = tfc.io.TFRecordWriter(path)
    writer.write(b"x")
    writer.flush()
    assert not path.exists()
    writer.close()
    assert read_all(path) == [b"x"]
    writer.close()  # closing twice is fine
    with pytest.raises(ValueError, match="w.tfrecord is closed"):
        writer.write(b"y")
    with pytest.raises(RuntimeError), tfc.io.TFRecordWriter(tmp_path / "failed.tfrecord") as failing:
        failing.write(b"x")
        raise RuntimeError("stop")
    assert list(tmp_path.iterdir()) == [path]


def test_bad_arguments_are_named(tmp_path):
    with pytest.raises(ValueError, match="compression_type must be None, '', 'GZIP' or 'ZLIB', got 'BZIP2'"):
        tfc.data.TFRecordDataset("x", compression_type="BZIP2")
    with pytest.raises(ValueError, match="options must be None, '', 'GZIP' or 'ZLIB', got 'gzip'"):
        tfc.io.TFRecordWriter(tmp_path / "x", "gzip")
    with pytest.raises(ValueError, match="flush_mode=2 is not supported"):
        tfc.io.TFRecordOptions("GZIP", flush_mode=2)
    with pytest.raises(TypeError, match="a record must be bytes or str, got int"), tfc.io.TFRecordWriter(tmp_path / "y") as writer:
        writer.write(3)
    with pytest.raises(TypeError, match="scalar string elements"):
        tfc.data.TFRecordDataset(tfc.data.Dataset.range(3))
    with pytest.raises(ValueError, match="num_parallel_reads must be positive"):
        tfc.data.TFRecordDataset("x", num_parallel_reads=0)
