"""GraphSession's feeds: checked against the graph (names, dtypes, Placeholder shapes), converted as TensorFlow converts them."""

import io

import numpy as np
import pytest

from tfc.frontend.tf.graphdef import GraphImportError
from tfc.frontend.tf.importer import GraphImporter
from tfc.runtime.errors import SessionError
from tfc.runtime.graph_session import GraphSession
from tfc.runtime.npz import write_npz

from ..tf.corpus import CORPUS

SEED = CORPUS / "seed_matmul_f32" / "graph.pb"  # z = x @ x + x @ eye, x: f32[2, 2]
X2 = np.ones((2, 2), np.float32)


@pytest.fixture(scope="module")
def session():
    return GraphSession(GraphImporter.from_file(SEED), backend="interp")


def test_feeds_convert_within_their_kind(session):
    x = np.array([[5, 6], [7, 8]])
    checked = session.check_feeds({"x": x.astype(np.int64)})
    assert list(checked) == ["x:0"] and checked["x:0"].dtype == np.float32
    for _ in range(2):  # compiled once, converted on every run
        (z,) = session.run(["z:0"], {"x": x.astype(np.int64)})
        np.testing.assert_array_equal(z, [[72, 84], [98, 114]])
    (z,) = session.run(["z:0"], {"x:0": x.astype(np.float64)})
    assert z.dtype == np.float32


@pytest.mark.parametrize(
    "feeds, message",
    [
        ({"nosuch": np.ones(2)}, "feed 'nosuch:0' names no tensor of the graph (there is no node 'nosuch')"),
        ({"^x": np.ones(2)}, "names an op's control output, not a tensor"),
        ({"x:1": np.ones((2, 2), np.float32)}, "feed 'x:1' names no tensor of the graph (Placeholder 'x' has one output, 'x:0')"),
        ({"x": np.ones((2, 3), np.float32)}, "cannot feed a value of shape [2, 3] to 'x:0', which has shape [2, 2]"),
        ({"x": np.ones((2, 2), np.complex64)}, "cannot feed 'x:0' (float32 tensor) a complex64 value: it would drop the imaginary part"),
        ({"x": np.array([["a", "b"], ["c", "d"]])}, "cannot feed 'x:0' a value of dtype <U1: feeds are numbers or booleans"),
        ({"x": np.array([[{}, {}], [{}, {}]])}, "cannot feed 'x:0' a value of dtype object"),
    ],
)
def test_bad_feeds_name_the_feed(session, feeds, message):
    with pytest.raises(SessionError) as info:
        session.run(["z:0"], feeds)
    assert message in str(info.value)


def test_an_unfed_placeholder_is_named(session):
    with pytest.raises(GraphImportError, match=f"^{SEED}: node 'x': error: you must feed a value for placeholder 'x' of type "
                                               "tensor<2x2xf32> \\(needed by z:0\\)$"):
        session.run(["z:0"], {})


def test_a_fed_intermediate_tensor_converts_to_its_dtype(session):
    x = np.array([[1, 2], [3, 4]], np.float32)
    (z,) = session.run(["z:0"], {"x": x, "matmul_xx:0": np.zeros((2, 2), np.float64)})
    assert z.dtype == np.float32  # the graph's dtype, as TensorFlow converts the feed
    np.testing.assert_array_equal(z, x)  # 0 + x @ eye


@pytest.mark.parametrize("feeds, message", [
    ({"matmul_xx:3": X2}, "feed 'matmul_xx:3' names no tensor of the graph (MatMul 'matmul_xx' has 1 output)"),
    ({"eye:1": X2}, "feed 'eye:1' names no tensor of the graph (Const 'eye' has 1 output)"),
    ({"matmul_xx:0": np.zeros((2, 2), np.complex64)}, "cannot feed 'matmul_xx:0' (float32 tensor) a complex64 value"),
])
def test_bad_feeds_of_intermediate_tensors(session, feeds, message):
    with pytest.raises(SessionError) as info:
        session.run(["z:0"], {"x": X2, **feeds})
    assert message in str(info.value)


def test_npz_written_under_any_names():
    buffer = io.BytesIO()
    arrays = {"file": np.arange(3), "allow_pickle": np.ones(2, np.float32), "dense/bias:0": np.zeros(1)}
    write_npz(buffer, arrays)
    buffer.seek(0)
    with np.load(buffer, allow_pickle=False) as loaded:
        assert sorted(loaded.files) == sorted(arrays)
        for name, array in arrays.items():
            np.testing.assert_array_equal(loaded[name], array)
