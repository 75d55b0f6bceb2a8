"""TensorFlow 1's dataset iterators in Session programs (tfc.data.tf1_iterators) against TensorFlow
2.15 (tests/data/compat_v1/api_iterators.npz, from scripts/generate_tf1_api_iterators_reference.py):
the elements in order, static shapes, the end of the data as OutOfRangeError, initializers that
restart and switch datasets, one element per get_next per run, and a training loop's losses."""

import math
import threading
import types

import numpy as np
import pytest

import tfc.compat.v1 as tf
from tfc.compat.v1.dtypes_ns import dtype_name
from tfc.data import Dataset, tf1_iterators
from tfc.runtime.errors import SessionError
from tfc.types import DType

from ..compat.tf1_reference import generator, recorded

CASES = generator("iterators").CASES
REFERENCE = recorded("iterators")
DATA = types.SimpleNamespace(Dataset=Dataset, Iterator=tf1_iterators.Iterator, **{name: getattr(tf1_iterators, name) for name in (
    "make_one_shot_iterator", "make_initializable_iterator", "get_output_types", "get_output_shapes", "get_output_classes")})
DTYPE_KEYS = {"drop_remainder:dtype", "dict:types"}  # tfc's dtype names ("i64") read as TensorFlow's ("int64")


@pytest.fixture(autouse=True)
def fresh_graph():
    tf.reset_default_graph()
    yield
    tf.reset_default_graph()


@pytest.mark.parametrize("case", sorted(CASES))
def test_case_matches_tensorflow(case):
    with tf.Graph().as_default():
        got = CASES[case](tf, DATA)
    expected = {key.partition(":")[2]: value for key, value in REFERENCE.items() if key.startswith(f"{case}:")}
    assert sorted(got) == sorted(expected)
    for key, want in expected.items():
        value = np.asarray(got[key])
        if f"{case}:{key}" in DTYPE_KEYS:
            value = np.vectorize(lambda name: dtype_name(DType[name]))(value)
        if want.dtype.kind == "f":
            np.testing.assert_allclose(value, want, rtol=1e-5, atol=1e-6, err_msg=key)
        else:
            np.testing.assert_array_equal(value, want, err_msg=key)
            assert value.dtype.kind == want.dtype.kind, key


def linear_data(n: int):
    rng = np.random.RandomState(1)
    x = rng.randn(n, 3).astype(np.float32)
    return x, x @ np.array([[1.0], [2.0], [-1.0]], np.float32)


def test_the_classic_input_loop_trains_and_ends_after_ceil_n_over_32_runs():
    x, y = linear_data(200)
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(100, seed=3).batch(32)
    iterator = dataset.make_one_shot_iterator()
    features, labels = iterator.get_next()
    w = tf.Variable(tf.zeros([3, 1]))
    loss = tf.reduce_mean(tf.square(tf.matmul(features, w) - labels))
    train_op = tf.train.GradientDescentOptimizer(0.2).minimize(loss)
    runs, losses = 0, []
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        with pytest.raises(tf.errors.OutOfRangeError, match=r"End of sequence\n\t \[\[\{\{node IteratorGetNext\}\}\]\]") as caught:
            while True:
                losses.append(sess.run([train_op, loss])[1])
                runs += 1
        assert isinstance(caught.value, tf.errors.OpError) and caught.value.error_code == tf.errors.OUT_OF_RANGE
        with pytest.raises(tf.errors.OutOfRangeError):  # it stays at the end
            sess.run(loss)
    assert runs == math.ceil(200 / 32) == 7
    assert losses[-1] < 0.2 * losses[0]


def test_initializable_iterator_needs_its_initializer_and_restarts():
    iterator = Dataset.range(4).make_initializable_iterator()
    element = iterator.get_next()
    with tf.Session() as sess:
        with pytest.raises(tf.errors.FailedPreconditionError, match="GetNext\\(\\) failed because the iterator has not been initialized"):
            sess.run(element)
        for _ in range(2):
            sess.run(iterator.initializer)
            assert [sess.run(element) for _ in range(4)] == [0, 1, 2, 3]
        with pytest.raises(tf.errors.OutOfRangeError):
            sess.run(element)
        sess.run(tf.group(iterator.initializer, tf.no_op()))  # reached through a control input
        assert sess.run(element) == 0
    assert iterator.initializer.type == "NoOp" and iterator.initializer.name == "MakeIterator"


def test_one_shot_and_from_structure_iterators_have_no_initializer():
    one_shot = tf1_iterators.make_one_shot_iterator(Dataset.range(3))
    structured = tf1_iterators.Iterator.from_structure(tf.int64, [None])
    for iterator in (one_shot, structured):
        with pytest.raises(ValueError, match="does not have an initializer"):
            _ = iterator.initializer
    with tf.Session() as sess:
        with pytest.raises(tf.errors.FailedPreconditionError):
            sess.run(structured.get_next())


def test_from_structure_reads_shapes_up_to_the_types_structure_and_checks_datasets():
    iterator = tf1_iterators.Iterator.from_structure({"x": tf.float32, "y": (tf.int32, tf.string)},
                                                     {"x": (None, 2), "y": ([None], tf.TensorShape([None]))})
    assert tf1_iterators.get_output_shapes(iterator) == {"x": tf.TensorShape([None, 2]), "y": (tf.TensorShape([None]), tf.TensorShape([None]))}
    assert iterator.output_types == {"x": tf.float32, "y": (tf.int32, tf.string)}
    with pytest.raises(ValueError, match="structure of output_types"):
        tf1_iterators.Iterator.from_structure((tf.float32, tf.int32), [None])
    rows = Dataset.from_tensor_slices({"x": np.zeros((4, 2), np.float32), "y": (np.arange(4, dtype=np.int32), np.array([b"a"] * 4, dtype=object))})
    assert iterator.make_initializer(rows.batch(2)).type == "NoOp"
    with pytest.raises(TypeError, match="Expected output shapes compatible"):
        iterator.make_initializer(rows)
    with pytest.raises(ValueError, match="Expected output structure"):
        iterator.make_initializer(Dataset.range(2))
    with pytest.raises(TypeError, match="hold strings"):
        iterator.get_next()


def test_a_run_reads_one_element_per_get_next_and_only_when_it_needs_one():
    iterator = Dataset.from_tensor_slices((np.arange(6.0, dtype=np.float32), np.arange(6))).make_one_shot_iterator()
    features, labels = iterator.get_next()
    unrelated = tf.constant(5.0) * 2.0
    with tf.Session() as sess:
        assert sess.run(unrelated) == 10.0  # does not touch the iterator
        assert sess.run(labels, {labels: 42}) == 42  # a fed get_next is not read
        assert sess.run({"a": features, "b": [labels, labels]}) == {"a": 0.0, "b": [0, 0]}
        step = sess.make_callable([features * 2.0, labels])
        assert step() == [2.0, 1] and step() == [4.0, 2]
    with tf.Session() as other:  # each Session has its own pass
        assert other.run(labels) == 0


def test_datasets_and_iterators_expose_output_types_shapes_and_classes():
    dataset = tf.data.Dataset.from_tensor_slices({"a": np.zeros((5, 2), np.float64), "b": np.arange(5)}).batch(2, drop_remainder=True)
    assert dataset.output_types == {"a": tf.float64, "b": tf.int64}
    assert dataset.output_shapes == {"a": tf.TensorShape([2, 2]), "b": tf.TensorShape([2])}
    assert dataset.output_classes == {"a": tf.Tensor, "b": tf.Tensor}
    iterator = dataset.make_one_shot_iterator()
    for get in ("get_output_types", "get_output_shapes", "get_output_classes"):
        assert getattr(tf1_iterators, get)(iterator) == getattr(tf1_iterators, get)(dataset) == getattr(iterator, get.removeprefix("get_"))
    element = iterator.get_next(name="batch")
    assert [t.name for t in (element["a"], element["b"])] == ["batch/component_0:0", "batch/component_1:0"]
    assert element["a"].shape.as_list() == [2, 2] and element["b"].dtype == tf.int64


def test_an_iterator_belongs_to_the_graph_it_was_made_in():
    first = tf.Graph()
    with first.as_default():
        iterator = Dataset.range(3).make_one_shot_iterator()
    second = tf.Graph()
    with second.as_default():
        element = iterator.get_next()  # built in the iterator's graph, as TensorFlow does
        assert element.graph is first
        with pytest.raises(ValueError, match="must be from the same graph"):
            tf.add(element, tf.constant(1, tf.int64))
    with tf.Session(graph=second) as sess:
        with pytest.raises(SessionError, match="not an element of this session's graph"):
            sess.run(element)
    with tf.Session(graph=first) as sess:
        assert sess.run(element) == 0


def test_closing_the_session_stops_a_pass_s_pipeline_threads():
    element = Dataset.range(1000).prefetch(4).make_one_shot_iterator().get_next()
    before = threading.active_count()
    sess = tf.Session()
    assert sess.run(element) == 0
    sess.close()
    for _ in range(100):
        if threading.active_count() <= before:
            break
        threading.Event().wait(0.01)
    assert threading.active_count() <= before


def test_tf_compat_v1_data_names_resolve_to_the_iterators():
    dataset = tf.data.Dataset.from_tensor_slices(np.arange(5, dtype=np.float32)).batch(2)
    assert tf.data.get_output_types(dataset) == dataset.output_types and tf.data.get_output_shapes(dataset).as_list() == [None]
    element = tf.data.make_one_shot_iterator(dataset).get_next()
    switchable = tf.data.Iterator.from_structure(tf.data.get_output_types(dataset), tf.data.get_output_shapes(dataset))
    with tf.Session() as sess:
        batches = [sess.run(element) for _ in range(3)]
        with pytest.raises(tf.errors.OutOfRangeError, match="End of sequence"):
            sess.run(element)
        sess.run(switchable.make_initializer(dataset))
        np.testing.assert_array_equal(sess.run(switchable.get_next()), [0.0, 1.0])
    np.testing.assert_array_equal(np.concatenate(batches), np.arange(5))
