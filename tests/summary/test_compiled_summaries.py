"""tfc.summary inside @tfc.compile: the values leave the compiled step as extra results and are
written at the default step after each call; what TensorBoard reads equals the eager summaries;
recording on or off never retraces."""

from __future__ import annotations

import numpy as np
import pytest
from tensorboard.backend.event_processing.event_accumulator import DEFAULT_SIZE_GUIDANCE, TENSORS, EventAccumulator
from tensorboard.util.tensor_util import make_ndarray

import tfc


def tensors(folder, tag):
    accumulator = EventAccumulator(str(folder), size_guidance={**DEFAULT_SIZE_GUIDANCE, TENSORS: 0})
    accumulator.Reload()
    return [(event.step, make_ndarray(event.tensor_proto)) for event in accumulator.Tensors(tag)]


@tfc.compile
def step(x, images, clip):
    loss = tfc.mean(x * x)
    tfc.summary.scalar("loss", loss)
    tfc.summary.histogram("x", x, buckets=6)
    tfc.summary.image("images", images, max_outputs=2)
    tfc.summary.audio("clip", clip, sample_rate=8000)
    return loss


def test_compiled_summaries_equal_eager_ones(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=50).astype(np.float32)
    images = rng.uniform(size=(3, 4, 5, 3)).astype(np.float32)
    clip = np.sin(np.linspace(0, 20, 400, dtype=np.float32)).reshape(1, 400, 1)
    writer = tfc.summary.create_file_writer(str(tmp_path / "compiled"))
    with writer.as_default(step=7):
        loss = step(x, images, clip)
        with tfc.summary.record_if(False):
            step(x, images, clip)  # computed, not written, and no retrace
    writer.close()
    assert step.trace_count == 1
    eager = tfc.summary.create_file_writer(str(tmp_path / "eager"))
    with eager.as_default(step=7):
        tfc.summary.scalar("loss", np.mean(x * x))
        tfc.summary.histogram("x", x, buckets=6)
        tfc.summary.image("images", images, max_outputs=2)
        tfc.summary.audio("clip", clip, sample_rate=8000)
    eager.close()
    for tag in ("loss", "x", "images", "clip"):
        [(at, got)] = tensors(tmp_path / "compiled", tag)
        [(_, expected)] = tensors(tmp_path / "eager", tag)
        assert at == 7
        if got.dtype == object:
            assert got.tolist() == expected.tolist(), tag
        else:
            np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5, err_msg=tag)
    assert float(loss) == pytest.approx(float(np.mean(x * x)), rel=1e-6)


def test_text_and_missing_step_inside_compile():
    @tfc.compile
    def texts(x):
        tfc.summary.text("t", x)
        return x

    with pytest.raises(TypeError, match="cannot be recorded inside @tfc.compile"):
        texts(np.ones(2, np.float32))

    @tfc.compile
    def scalar_only(x):
        tfc.summary.scalar("s", tfc.sum(x))
        return x

    writer = tfc.summary.create_file_writer("/tmp/tfc-summary-no-step-test")
    with writer.as_default(), pytest.raises(ValueError, match="no step is set"):
        scalar_only(np.ones(2, np.float32))
    writer.close()


def test_every_call_of_a_numeric_step_equals_the_eager_summaries(tmp_path):
    """Later calls fill the first call's event in with their numbers: every step still equals eager."""
    @tfc.compile
    def numeric(x):
        tfc.summary.scalar("mean", tfc.mean(x))
        tfc.summary.histogram("x", x * 2.0, buckets=5)
        return x

    rng = np.random.default_rng(3)
    data = [rng.normal(size=20).astype(np.float32) for _ in range(3)] + [np.full(20, 1.5, np.float32)]
    for folder, compiled in (("compiled", True), ("eager", False)):
        with tfc.summary.create_file_writer(str(tmp_path / folder)).as_default():
            for i, x in enumerate(data):
                tfc.summary.experimental.set_step(i)
                if compiled:
                    numeric(x)
                else:
                    tfc.summary.scalar("mean", np.mean(x))
                    tfc.summary.histogram("x", x * 2.0, buckets=5)
    tfc.summary.experimental.set_step(None)
    for tag in ("mean", "x"):
        got, expected = tensors(tmp_path / "compiled", tag), tensors(tmp_path / "eager", tag)
        assert [s for s, _ in got] == [0, 1, 2, 3]
        for (_, a), (_, b) in zip(got, expected):
            np.testing.assert_allclose(a, b, rtol=1e-6, err_msg=tag)
