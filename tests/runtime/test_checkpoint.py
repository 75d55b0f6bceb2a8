"""Checkpoints: exact round trip, atomic writes, and clear errors for damaged files."""

import numpy as np
import pytest

from tfc import files
from tfc.runtime import checkpoint
from tfc.runtime.checkpoint import CheckpointError

VALUES = {"w": np.arange(6, dtype=np.float32).reshape(2, 3), "step": np.int64(7), "opt/m": np.zeros(3, np.float16)}


def test_round_trip_is_exact(tmp_path):
    path = checkpoint.save(tmp_path / "ckpt", VALUES)
    assert path.name == "ckpt.npz"
    loaded = checkpoint.load(tmp_path / "ckpt")
    assert sorted(loaded) == sorted(VALUES)
    for name, value in VALUES.items():
        np.testing.assert_array_equal(loaded[name], value)
        assert loaded[name].dtype == np.asarray(value).dtype


def test_truncated_checkpoint_is_a_clear_error(tmp_path):
    path = checkpoint.save(tmp_path / "ckpt.npz", VALUES)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="truncated or corrupt"):
        checkpoint.load(path)


def test_failed_save_keeps_the_last_good_checkpoint(tmp_path, monkeypatch):
    path = checkpoint.save(tmp_path / "ckpt.npz", VALUES)
    before = path.read_bytes()

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(files.os, "replace", crash)
    with pytest.raises(OSError):
        checkpoint.save(path, {"w": np.ones(3)})
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.npz"]  # no temp file left behind


def test_missing_or_mismatched_variables(tmp_path):
    path = checkpoint.save(tmp_path / "ckpt.npz", VALUES)
    loaded = checkpoint.load(path)
    with pytest.raises(CheckpointError, match="no variable 'b'"):
        checkpoint.check_compatible(path, loaded, {"b": np.zeros(2)})
    with pytest.raises(CheckpointError, match="'w' is float32\\[2, 3\\]"):
        checkpoint.check_compatible(path, loaded, {"w": np.zeros((3, 2), np.float32)})
    with pytest.raises(CheckpointError, match="no such checkpoint"):
        checkpoint.load(tmp_path / "absent.npz")


def test_session_save_and_restore_continues_training(tmp_path):
    import tfc
    from tfc.frontend.optimizers import Adam

    rng = np.random.default_rng(0)
    xs = rng.standard_normal((32, 2)).astype(np.float32)
    ys = xs @ np.array([[1.5], [-2.0]], np.float32)

    def build():
        graph = tfc.Graph()
        with graph.as_default():
            x = tfc.placeholder(tfc.float32, xs.shape, name="x")
            y = tfc.placeholder(tfc.float32, ys.shape, name="y")
            w = tfc.Variable(np.zeros((2, 1), np.float32), name="w")
            loss = tfc.reduce_mean(tfc.square(tfc.matmul(x, w) - y))
            train = Adam(0.05).minimize(loss)
            init = tfc.global_variables_initializer()
        return graph, x, y, w, train, init

    graph, x, y, w, train, init = build()
    sess = tfc.Session(graph)
    sess.run(init)
    for _ in range(5):
        sess.run(train, {x: xs, y: ys})
    path = checkpoint.save_session(sess, tmp_path / "model")
    assert any("Adam" in name for name in checkpoint.load(path))  # slots are saved too
    for _ in range(5):
        sess.run(train, {x: xs, y: ys})
    expected = sess.run(w)

    graph2, x2, y2, w2, train2, init2 = build()
    restored = tfc.Session(graph2)
    restored.run(init2)
    checkpoint.restore_session(restored, path)
    for _ in range(5):
        restored.run(train2, {x2: xs, y2: ys})
    np.testing.assert_allclose(restored.run(w2), expected, rtol=1e-6)
