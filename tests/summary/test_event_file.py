"""tfc.data.event_file writes what TensorBoard's own reader and checksums accept."""

from __future__ import annotations

import os
import struct

import pytest
from tensorboard.backend.event_processing.event_file_loader import RawEventFileLoader
from tensorboard.compat.proto import event_pb2, summary_pb2
from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c

from tfc.data.event_file import FILE_VERSION, EventFileWriter


def scalar_event(step: int, value: float) -> event_pb2.Event:
    return event_pb2.Event(step=step, wall_time=1.0, summary=summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag="x", simple_value=value)]))


def events_in(path) -> list:
    return [event_pb2.Event.FromString(record) for record in RawEventFileLoader(str(path)).Load()]


def test_events_round_trip_through_tensorboards_loader(tmp_path):
    writer = EventFileWriter(tmp_path / "run", filename_suffix=".v2")
    for step in range(5):
        writer.add_event(scalar_event(step, step * 0.5))
    writer.close()
    [name] = os.listdir(tmp_path / "run")
    assert name.startswith("events.out.tfevents.") and name.endswith(".v2")
    events = events_in(writer.path)
    assert events[0].file_version == FILE_VERSION
    assert [(e.step, e.summary.value[0].simple_value) for e in events[1:]] == [(s, s * 0.5) for s in range(5)]


def test_checksums_equal_tensorboards(tmp_path):
    writer = EventFileWriter(tmp_path)
    event = scalar_event(3, 2.0)
    writer.add_event(event)
    writer.close()
    data = open(writer.path, "rb").read()
    first_length = struct.unpack_from("<Q", data)[0]
    offset = 12 + first_length + 4
    length, length_crc = struct.unpack_from("<QI", data, offset)
    payload = data[offset + 12:offset + 12 + length]
    assert payload == event.SerializeToString()
    assert length_crc == masked_crc32c(struct.pack("<Q", length))
    assert struct.unpack_from("<I", data, offset + 12 + length)[0] == masked_crc32c(payload)


def test_flush_makes_events_visible_while_open(tmp_path):
    writer = EventFileWriter(tmp_path, flush_secs=3600)
    writer.add_event(scalar_event(7, 1.0))
    writer.flush()
    assert [e.step for e in events_in(writer.path)[1:]] == [7]
    writer.close()


def test_two_writers_in_one_second_get_two_files(tmp_path):
    first, second = EventFileWriter(tmp_path), EventFileWriter(tmp_path)
    assert first.path != second.path
    first.close(), second.close()


def test_misuse_is_reported(tmp_path):
    writer = EventFileWriter(tmp_path)
    with pytest.raises(TypeError, match="expected an event_pb2.Event, got str"):
        writer.add_event("not an event")
    writer.close()
    writer.close()  # again: nothing
    with pytest.raises(OSError, match="is closed"):
        writer.add_event(scalar_event(1, 1.0))


def test_a_batch_of_events_is_written_in_order(tmp_path):
    writer = EventFileWriter(tmp_path)
    writer.add_event(scalar_event(0, 0.0))
    writer.add_events([scalar_event(step, float(step)) for step in range(1, 4)])
    with pytest.raises(TypeError, match="expected event_pb2.Event protos, got int"):
        writer.add_events([scalar_event(9, 9.0), 3])
    writer.close()
    assert [e.step for e in events_in(writer.path)[1:]] == [0, 1, 2, 3]
