"""Write tests/data/summary/histograms.npz: what TensorFlow 2's ``tf.summary`` writes, read back from
its event file: ``histogram``'s buckets for a few inputs, ``image``'s pixels for float images and
``audio``'s 16-bit samples for float clips (run with a Python that has TensorFlow; tfc's tests never
import it)."""

from __future__ import annotations

import io
import tempfile
import wave
from pathlib import Path

import numpy as np
import tensorflow as tf
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.util import tensor_util

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "summary" / "histograms.npz"


def cases() -> dict:
    rng = np.random.default_rng(15)
    return {"normal": (rng.normal(size=500), 30), "ints": (rng.integers(-5, 9, size=(7, 11)).astype(np.float64), 7),
            "single": (np.full(9, 2.5), 4), "empty": (np.zeros(0), 30)}


def media() -> dict:
    rng = np.random.default_rng(16)
    edges = np.array([0.0, 1 / 510, 0.5, 0.999, 1.0, -0.2, 1.3], np.float32)
    image = np.concatenate([rng.random((2, 3, 4, 3), np.float32).reshape(-1), edges])[: 2 * 3 * 4 * 3].reshape(2, 3, 4, 3)
    image[1, 0, :, 0] = edges[:4]
    image[1, 1, :3, 0] = edges[4:]
    audio = rng.uniform(-1.1, 1.1, (1, 64, 2)).astype(np.float32)
    audio[0, :4, 0] = [-1.0, 1.0, 0.5 / 32768, -1.5 / 32768]
    return {"image_data": image, "audio_data": audio}


def main() -> None:
    arrays = {}
    with tempfile.TemporaryDirectory() as logdir:
        writer = tf.summary.create_file_writer(logdir)
        with writer.as_default(step=0):
            for name, (data, count) in cases().items():
                tf.summary.histogram(name, data, buckets=count)
            tf.summary.image("image", media()["image_data"], max_outputs=2)
            tf.summary.audio("audio", media()["audio_data"], sample_rate=16000, max_outputs=1)
        writer.close()
        accumulator = EventAccumulator(logdir, size_guidance={"tensors": 0})
        accumulator.Reload()
        for name, (data, count) in cases().items():
            arrays[f"{name}_data"], arrays[f"{name}_count"] = data, np.int64(count)
            arrays[f"{name}_buckets"] = tensor_util.make_ndarray(accumulator.Tensors(name)[0].tensor_proto)
        arrays.update(media())
        image = tensor_util.make_ndarray(accumulator.Tensors("image")[0].tensor_proto)
        arrays["image_pixels"] = np.stack([tf.io.decode_png(png).numpy() for png in image[2:]])
        with wave.open(io.BytesIO(tensor_util.make_ndarray(accumulator.Tensors("audio")[0].tensor_proto)[0, 0])) as clip:
            arrays["audio_samples"] = np.frombuffer(clip.readframes(clip.getnframes()), "<i2").reshape(-1, clip.getnchannels())
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez(OUT, **arrays)
    print(f"wrote {OUT} (TensorFlow {tf.__version__})")


if __name__ == "__main__":
    main()
