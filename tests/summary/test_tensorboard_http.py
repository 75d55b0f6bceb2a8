"""The real TensorBoard (a subprocess on loopback, port 0) serves what tfc.summary wrote: scalars,
histograms and images through its plugins' HTTP routes, a TF1 graph from FileWriter.add_graph, and
an embedding (vectors, metadata, sprite) through the projector plugin."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

import tfc
from tfc.summary import kinds

TENSORBOARD = Path(sys.executable).with_name("tensorboard")


def write_logs(logdir: Path) -> None:
    import tfc.compat.v1 as tf

    writer = tfc.summary.create_file_writer(logdir / "eager")
    with writer.as_default():
        for step in range(3):
            tfc.summary.scalar("loss", 2.0 - step, step=step)
        tfc.summary.histogram("weights", np.arange(100.0), step=2)
        tfc.summary.image("digits", np.zeros((2, 4, 4, 1), np.uint8), step=2)
    writer.close()
    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(tf.float32, [2], name="x")
        with tf.name_scope("layer"):
            tf.multiply(x, 2.0, name="double")
    with tfc.summary.FileWriter(logdir / "graph", graph):
        pass
    tfc.summary.embedding(logdir / "projector", EMBEDDING, name="words", metadata=["zero", "one", "two"],
                          sprite=np.arange(3 * 2 * 2, dtype=np.uint8).reshape(3, 2, 2, 1))


EMBEDDING = np.arange(12, dtype=np.float32).reshape(3, 4) / 4


def start(logdir: Path) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen([str(TENSORBOARD), "--logdir", str(logdir), "--host", "127.0.0.1", "--port", "0", "--load_fast", "false",
                                "--reload_interval", "0"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 60
    for line in process.stdout:
        found = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        if found:
            return process, f"http://127.0.0.1:{found.group(1)}"
        if time.monotonic() > deadline:
            break
    process.kill()
    pytest.fail("TensorBoard did not start")


def get(url: str):
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())


@pytest.mark.skipif(not TENSORBOARD.exists(), reason="the tensorboard command is not installed next to this Python")
def test_tensorboard_serves_what_tfc_wrote(tmp_path):
    write_logs(tmp_path)
    process, base = start(tmp_path)
    try:
        assert sorted(get(f"{base}/data/runs")) == ["eager", "graph", "projector"]
        scalars = get(f"{base}/data/plugin/scalars/scalars?run=eager&tag=loss")
        assert [(step, value) for _, step, value in scalars] == [(0, 2.0), (1, 1.0), (2, 0.0)]
        (_, step, buckets), = get(f"{base}/data/plugin/histograms/histograms?run=eager&tag=weights")
        assert step == 2 and sum(count for _, _, count in buckets) == 100
        (image,) = get(f"{base}/data/plugin/images/images?run=eager&tag=digits&sample=1")
        assert image["step"] == 2
        with urllib.request.urlopen(f"{base}/data/plugin/images/individualImage?{image['query']}", timeout=30) as response:
            assert response.read() == kinds.png(np.zeros((4, 4, 1), np.uint8))
        with urllib.request.urlopen(f"{base}/data/plugin/graphs/graph?run=graph", timeout=30) as response:
            graph = response.read().decode()
        assert 'name: "layer/double"' in graph and 'name: "x"' in graph
        projector = f"{base}/data/plugin/projector"
        assert "projector" in get(f"{projector}/runs")
        (info,) = get(f"{projector}/info?run=projector")["embeddings"]
        assert info["tensorName"] == "words" and info["tensorShape"] == [3, 4]
        with urllib.request.urlopen(f"{projector}/tensor?run=projector&name=words", timeout=30) as response:
            np.testing.assert_array_equal(np.frombuffer(response.read(), np.float32).reshape(3, 4), EMBEDDING)
        with urllib.request.urlopen(f"{projector}/metadata?run=projector&name=words", timeout=30) as response:
            assert response.read().decode().split() == ["zero", "one", "two"]
        with urllib.request.urlopen(f"{projector}/sprite_image?run=projector&name=words", timeout=30) as response:
            assert response.read()[:8] == b"\x89PNG\r\n\x1a\n"
    finally:
        process.kill()
        process.wait()
