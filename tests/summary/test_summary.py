"""tfc.summary read back with TensorBoard's own EventAccumulator: every kind round-trips its values
with its plugin's metadata; TF1 graph summaries through merge_all and FileWriter; the writer thread
flushes on close and at interpreter exit; bad input gives clear errors."""

from __future__ import annotations

import io
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.compat.proto import summary_pb2
from tensorboard.util import tensor_util

import tfc
from tfc.summary import kinds

DATA = Path(__file__).resolve().parents[1] / "data" / "summary"


def read(logdir) -> EventAccumulator:
    accumulator = EventAccumulator(str(logdir), size_guidance={"tensors": 0})
    accumulator.Reload()
    return accumulator


def values(accumulator, tag):
    return [(event.step, tensor_util.make_ndarray(event.tensor_proto)) for event in accumulator.Tensors(tag)]


def plugin(accumulator, tag) -> str:
    return accumulator.SummaryMetadata(tag).plugin_data.plugin_name


def decode_png(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)))


def decode_wav(data: bytes) -> tuple[np.ndarray, int]:
    with wave.open(io.BytesIO(data)) as clip:
        frames = np.frombuffer(clip.readframes(clip.getnframes()), "<i2").reshape(-1, clip.getnchannels())
        return frames.astype(np.float32) / 32768.0, clip.getframerate()


def test_every_kind_round_trips(tmp_path):
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, (4, 5, 6, 3), dtype=np.uint8)
    grey = rng.random((1, 3, 2, 1))
    clips = rng.uniform(-1, 1, (2, 50, 2)).astype(np.float32)
    samples = rng.normal(size=1000)
    writer = tfc.summary.create_file_writer(tmp_path)
    with writer.as_default(step=0):
        for step in range(3):
            assert tfc.summary.scalar("loss", 1.0 / (step + 1), step=step)
        assert tfc.summary.image("pixels", pixels, max_outputs=2)
        assert tfc.summary.image("grey", grey, step=1)
        assert tfc.summary.audio("clips", clips, sample_rate=8000)
        assert tfc.summary.histogram("weights", samples, step=2)
        assert tfc.summary.text("note", "hello **world**")
    writer.close()
    events = read(tmp_path)
    assert plugin(events, "loss") == "scalars"
    assert [(s, float(v)) for s, v in values(events, "loss")] == [(0, 1.0), (1, 0.5), (2, np.float32(1 / 3))]
    (step, images), = values(events, "pixels")
    assert plugin(events, "pixels") == "images" and step == 0 and images[:2].tolist() == [b"6", b"5"] and len(images) == 4
    for encoded, expected in zip(images[2:], pixels[:2]):
        np.testing.assert_array_equal(decode_png(encoded), expected)
    (_, grey_images), = values(events, "grey")
    np.testing.assert_array_equal(decode_png(grey_images[2]), (grey[0, :, :, 0].astype(np.float32) * np.float32(255.5)).astype(np.uint8))
    (_, audio), = values(events, "clips")
    assert plugin(events, "clips") == "audio" and audio.shape == (2, 2)
    for (encoded, _label), clip in zip(audio, clips):
        decoded, rate = decode_wav(encoded)
        assert rate == 8000
        np.testing.assert_allclose(decoded, clip, atol=1 / 32768)
    (step, buckets), = values(events, "weights")
    assert plugin(events, "weights") == "histograms"
    assert step == 2 and buckets.shape == (30, 3) and buckets[:, 2].sum() == 1000
    assert buckets[0, 0] == samples.min() and buckets[-1, 1] == samples.max()
    (_, note), = values(events, "note")
    assert plugin(events, "note") == "text" and note == b"hello **world**"


def test_histogram_matches_tensorflow():
    """The buckets TensorFlow 2's tf.summary.histogram writes (scripts/summary_reference.py)."""
    reference = np.load(DATA / "histograms.npz")
    for name in ("normal", "ints", "single", "empty"):
        data, expected = reference[f"{name}_data"], reference[f"{name}_buckets"]
        buckets = int(reference[f"{name}_count"])
        np.testing.assert_allclose(kinds.bucketize(data, buckets), expected, rtol=1e-12, atol=0)


def test_image_and_audio_quantized_as_tensorflow():
    """Float pixels and samples become the integers TensorFlow 2's tf.summary.image/audio write."""
    reference = np.load(DATA / "histograms.npz")
    image = kinds.image_value("i", reference["image_data"], max_outputs=2)
    pixels = tensor_util.make_ndarray(image.tensor)[2:]
    np.testing.assert_array_equal(np.stack([decode_png(png) for png in pixels]), reference["image_pixels"])
    audio = tensor_util.make_ndarray(kinds.audio_value("a", reference["audio_data"], 16000, max_outputs=1).tensor)
    with wave.open(io.BytesIO(audio[0, 0])) as clip:
        samples = np.frombuffer(clip.readframes(clip.getnframes()), "<i2").reshape(-1, 2)
    np.testing.assert_array_equal(samples, reference["audio_samples"])


def test_recording_rules(tmp_path):
    assert not tfc.summary.scalar("x", 1.0, step=0)  # no default writer
    writer = tfc.summary.create_file_writer(tmp_path, flush_millis=10)
    with writer.as_default():
        with pytest.raises(ValueError, match="step is None"):
            tfc.summary.scalar("x", 1.0)
        tfc.summary.experimental.set_step(7)
        assert tfc.summary.experimental.get_step() == 7 and tfc.summary.should_record_summaries()
        with tfc.summary.record_if(lambda: tfc.summary.experimental.get_step() % 2 == 0):
            assert not tfc.summary.scalar("x", 1.0)  # the condition sees the default step (7), as in TensorFlow
            tfc.summary.experimental.set_step(8)
            assert tfc.summary.scalar("x", 2.0)
        with tfc.summary.record_if(False):
            assert not tfc.summary.should_record_summaries()
        tfc.summary.flush()
        metadata = kinds.scalar_value("m", 0.0).metadata
        assert tfc.summary.write("generic", np.float32(5.0), metadata=metadata.SerializeToString())
    with tfc.summary.create_noop_writer().as_default(step=9):
        assert not tfc.summary.should_record_summaries() and not tfc.summary.scalar("x", 3.0)  # as TensorFlow 2 answers
    tfc.summary.experimental.set_step(None)
    events = read(tmp_path)
    assert [(s, float(v)) for s, v in values(events, "x")] == [(8, 2.0)]
    assert [(s, float(v)) for s, v in values(events, "generic")] == [(8, 5.0)] and plugin(events, "generic") == "scalars"
    writer.close()


def test_tf1_merge_all_and_file_writer(tmp_path):
    import tfc.compat.v1 as tf

    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(tf.float32, [None], name="x")
        tfc.summary.scalar("mean", tf.reduce_mean(x))
        tfc.summary.histogram("x", x)
        pictures = tf.placeholder(tf.float32, [None, 2, 3, 1], name="pictures")
        tfc.summary.tf1.image("pictures", pictures * 0.5, 1)  # TensorFlow 1's signature: max_outputs third
        tfc.summary.tf1.audio("sound", tf.reshape(x, [1, -1, 1]) / 10.0, 100, collections=["other"])
        merged = tfc.summary.merge_all()
        with tf.Session() as session:
            writer = tfc.summary.FileWriter(tmp_path, session.graph)
            for step in range(2):
                writer.add_summary(session.run(merged, {x: np.arange(4.0) + step, pictures: np.ones((2, 2, 3, 1))}), step)
            serialized = tfc.summary.summary_from_values(session.run(merged, {x: np.ones(3), pictures: np.zeros((1, 2, 3, 1))}))
            writer.add_summary(session.run(tfc.summary.merge_all("other"), {x: np.arange(4.0)}), 3)
            writer.add_summary(serialized, 2)
            writer.close()
    events = read(tmp_path)
    assert [(s, float(v)) for s, v in values(events, "mean")] == [(0, 1.5), (1, 2.5), (2, 1.0)]
    assert [v[:, 2].sum() for _, v in values(events, "x")] == [4, 4, 3]
    assert any(node.name == "x" for node in events.Graph().node)
    assert [len(v) for _, v in values(events, "pictures")] == [3, 3, 3]
    np.testing.assert_array_equal(decode_png(values(events, "pictures")[2][1][2]), np.zeros((2, 3), np.uint8))
    np.testing.assert_array_equal(decode_png(values(events, "pictures")[0][1][2]), np.full((2, 3), 127, np.uint8))
    (step, sound), = values(events, "sound")
    np.testing.assert_allclose(decode_wav(sound[0, 0])[0][:, 0], np.arange(4.0) / 10, atol=1 / 32768)


def test_inside_compile_the_step_is_the_default_one():
    @tfc.compile
    def step(x):
        tfc.summary.scalar("x", tfc.sum(x), step=0)
        return x

    with pytest.raises(ValueError, match="inside @tfc.compile: step must be None"):
        step(np.ones(2, np.float32))


def test_flushed_at_exit_without_close(tmp_path):
    script = ("import os, tfc\nw = tfc.summary.create_file_writer(r'{}')\n"
              "with w.as_default(step=5):\n    tfc.summary.scalar('left', 3.0)\n"
              "w.set_as_default()\ntfc.summary.scalar('unflushed', 4.0, step=6)\n{}")
    subprocess.run([sys.executable, "-c", script.format(tmp_path / "exit", "")], check=True, timeout=60)
    events = read(tmp_path / "exit")
    assert [(s, float(v)) for s, v in values(events, "left")] == [(5, 3.0)]
    assert [(s, float(v)) for s, v in values(events, "unflushed")] == [(6, 4.0)]
    # a crash (no atexit) loses only what was not flushed; what was flushed reads back whole
    subprocess.run([sys.executable, "-c", script.format(tmp_path / "crash", "os._exit(3)\n")], check=False, timeout=60)
    events = read(tmp_path / "crash")
    assert [(s, float(v)) for s, v in values(events, "left")] == [(5, 3.0)] and "unflushed" not in events.Tags()["tensors"]


def test_bad_input(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(PermissionError, match=r"logdir '.*file/logs' is not writable"):
        tfc.summary.create_file_writer(blocker / "logs")
    writer = tfc.summary.create_file_writer(tmp_path / "ok")
    with writer.as_default(step=0):
        with pytest.raises(ValueError, match=r"rank 4 \[k, h, w, c\].*rank 3"):
            tfc.summary.image("bad", np.zeros((4, 4, 3)))
        with pytest.raises(ValueError, match="sample_rate"):
            tfc.summary.audio("bad", np.zeros((1, 4, 1)), sample_rate=0)
        with pytest.raises(TypeError, match="name must be a non-empty string"):
            tfc.summary.scalar("", 1.0)
    with pytest.raises(TypeError, match="add_summary"):
        tfc.summary.FileWriter(tmp_path / "tf1").add_summary(3, 0)
    writer.close()


def test_tf1_program_as_written_with_compat_v1(tmp_path):
    """``tf.summary`` of ``import tfc.compat.v1 as tf`` is TensorFlow 1's: image's third argument is
    max_outputs, merge_all, FileWriter, FileWriterCache and the Summary proto."""
    import tfc.compat.v1 as tf

    assert tf.summary.image is tfc.summary.tf1.image and tf.summary.Summary is summary_pb2.Summary
    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(tf.float32, [None], name="x")
        tf.summary.scalar("total", tf.reduce_sum(x))
        tf.summary.image("square", tf.reshape(x[:4], [1, 2, 2, 1]), 1)
        merged = tf.summary.merge_all()
        with tf.Session() as session:
            writer = tf.summary.FileWriterCache.get(tmp_path)
            assert tf.summary.FileWriterCache.get(str(tmp_path) + "/.") is writer
            writer.add_graph(session.graph)
            for step in range(3):
                writer.add_summary(session.run(merged, {x: np.full(4, float(step))}), global_step=step)
            writer.add_summary(tf.summary.Summary(value=[tf.summary.Summary.Value(tag="manual", simple_value=7.0)]), 3)
            tf.summary.FileWriterCache.clear()
    events = read(tmp_path)
    assert [(s, float(v)) for s, v in values(events, "total")] == [(0, 0.0), (1, 4.0), (2, 8.0)]
    assert [len(v) for _, v in values(events, "square")] == [3, 3, 3]
    assert [(e.step, e.value) for e in events.Scalars("manual")] == [(3, 7.0)]
    assert tf.estimator is tfc.estimator and tf.feature_column is tfc.feature_column and tf.keras is tfc.keras
