"""tf.train's checkpoint utilities on checkpoints tf.train.Saver wrote: list_variables, load_variable,
load_checkpoint's reader, checkpoint_exists, and init_from_checkpoint's assignment-map forms."""

from __future__ import annotations

import numpy as np
import pytest

import tfc.compat.v1 as tf

VALUES = {
    "old/w": np.arange(6, dtype=np.float32).reshape(2, 3),
    "old/inner/b": np.array([0.5, -1.5], np.float32),
    "root_v": np.array([[7.0], [8.0]], np.float32),
    "steps": np.array(42, np.int64),
}


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """(folder, prefix) of a checkpoint holding VALUES, saved by tf.train.Saver."""
    folder = tmp_path_factory.mktemp("ckpt")
    with tf.Graph().as_default():
        variables = [tf.Variable(value, name=name) for name, value in VALUES.items()]
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            prefix = tf.train.Saver(variables).save(sess, str(folder / "model.ckpt"), global_step=3)
    return folder, prefix


def test_list_and_load_variables(saved):
    folder, prefix = saved
    expected = [(name, list(VALUES[name].shape)) for name in sorted(VALUES)]
    assert tf.train.list_variables(str(folder)) == expected  # a folder means its latest checkpoint
    assert tf.train.list_variables(prefix) == expected
    assert tf.train.list_variables(prefix + ".npz") == expected
    np.testing.assert_array_equal(tf.train.load_variable(folder, "old/w"), VALUES["old/w"])
    np.testing.assert_array_equal(tf.train.load_variable(prefix, "old/inner/b:0"), VALUES["old/inner/b"])  # ':0' is dropped
    assert tf.train.load_variable(prefix, "steps").dtype == np.int64


def test_the_reader(saved):
    folder, prefix = saved
    reader = tf.train.load_checkpoint(folder)
    assert isinstance(reader, tf.train.NewCheckpointReader)
    assert reader.has_tensor("root_v") and not reader.has_tensor("nope")
    assert reader.get_variable_to_shape_map() == {name: list(value.shape) for name, value in VALUES.items()}
    assert reader.get_variable_to_dtype_map() == {"old/w": tf.float32, "old/inner/b": tf.float32, "root_v": tf.float32, "steps": tf.int64}
    value = reader.get_tensor("old/w")
    value[0, 0] = 99.0  # a copy: the reader's value stays
    np.testing.assert_array_equal(reader.get_tensor("old/w"), VALUES["old/w"])
    with pytest.raises(tf.errors.NotFoundError, match="Key nope not found in checkpoint"):
        reader.get_tensor("nope")
    np.testing.assert_array_equal(tf.train.NewCheckpointReader(prefix).get_tensor("root_v"), VALUES["root_v"])


def test_checkpoint_exists_and_missing_checkpoints(saved, tmp_path):
    _, prefix = saved
    assert tf.train.checkpoint_exists(prefix) and not tf.train.checkpoint_exists(prefix + "0")
    with pytest.raises(ValueError, match=f"Couldn't find 'checkpoint' file or checkpoints in given directory {tmp_path}"):
        tf.train.list_variables(tmp_path)
    with pytest.raises(tf.errors.NotFoundError, match="Failed to find any matching files for .*nowhere/model"):
        tf.train.load_checkpoint(str(tmp_path / "nowhere" / "model"))


def test_init_from_checkpoint_forms(saved):
    """Each assignment-map form overrides the initializers it names; the others stay."""
    folder, prefix = saved
    with tf.Graph().as_default():
        with tf.variable_scope("new"):
            w = tf.get_variable("w", [2, 3], initializer=tf.zeros_initializer())
            b = tf.get_variable("inner/b", [2], initializer=tf.zeros_initializer())
        by_name = tf.get_variable("renamed", [2, 1], initializer=tf.zeros_initializer())
        by_object = tf.Variable(tf.zeros([2, 3]), name="object")
        twin = tf.get_variable("twin", [2, 1], initializer=tf.zeros_initializer())
        untouched = tf.get_variable("untouched", [2], initializer=tf.ones_initializer())
        early_init = tf.variables_initializer([twin])  # made before: keeps the old initializer, as in TensorFlow
        tf.train.init_from_checkpoint(folder, {"old/": "new/"})
        tf.train.init_from_checkpoint(prefix, {"root_v": "renamed", "old/w": by_object})
        tf.train.init_from_checkpoint(prefix, [("root_v", twin)])  # a list of pairs
        with tf.Session() as sess:
            sess.run(early_init)
            early_twin = sess.run(twin)
            sess.run(tf.global_variables_initializer())
            values = sess.run([w, b, by_name, by_object, twin, untouched])
    np.testing.assert_array_equal(early_twin, np.zeros([2, 1]))
    for got, want in zip(values, [VALUES["old/w"], VALUES["old/inner/b"], VALUES["root_v"], VALUES["old/w"], VALUES["root_v"], np.ones(2)]):
        np.testing.assert_array_equal(got, want)


def test_init_from_checkpoint_root_forms(saved):
    """'/': '/' loads every variable from the checkpoint's root; '/': 'scope/' loads a scope's."""
    _, prefix = saved
    with tf.Graph().as_default():
        with tf.variable_scope("old"):
            w = tf.get_variable("w", [2, 3], initializer=tf.zeros_initializer())
        root = tf.get_variable("root_v", [2, 1], initializer=tf.zeros_initializer())
        steps = tf.get_variable("steps", [], dtype=tf.int64, initializer=tf.zeros_initializer())
        with tf.variable_scope("here"):
            scoped = tf.get_variable("root_v", [2, 1], initializer=tf.zeros_initializer())
            steps_here = tf.get_variable("steps", [], dtype=tf.int64, initializer=tf.zeros_initializer())
        tf.train.init_from_checkpoint(prefix, {"/": "here/"})
        assert scoped.initial_value.op.type == "Const" and scoped.initializer.type == "Assign"
        with pytest.raises(ValueError, match=r"Tensor here/root_v \(here/root_v in /\) is not found in .* checkpoint"):
            tf.train.init_from_checkpoint(prefix, {"/": "/"})  # 'here/...' is not in the checkpoint's root
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            values = sess.run([w, root, steps, scoped, steps_here])
    np.testing.assert_array_equal(values[0], np.zeros([2, 3]))
    np.testing.assert_array_equal(values[3], VALUES["root_v"])
    assert values[4] == 42 and values[4].dtype == np.int64 and values[2] == 0


def test_init_from_checkpoint_everything_from_the_root(saved):
    _, prefix = saved
    with tf.Graph().as_default():
        variables = [tf.get_variable(name, value.shape, dtype=tf.as_dtype(value.dtype), initializer=tf.zeros_initializer())
                     for name, value in VALUES.items()]
        tf.train.init_from_checkpoint(prefix, {"/": "/"})
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            values = sess.run(variables)
    for got, want in zip(values, VALUES.values()):
        np.testing.assert_array_equal(got, want)


def test_init_from_checkpoint_errors(saved):
    _, prefix = saved
    with tf.Graph().as_default():
        w = tf.get_variable("w", [3, 2])
        n = tf.get_variable("n", [2], dtype=tf.int32, initializer=tf.zeros_initializer())
        with pytest.raises(ValueError, match=rf"Tensor nope is not found in {prefix} checkpoint \(to initialize variable w\)"):
            tf.train.init_from_checkpoint(prefix, {"nope": w})
        with pytest.raises(ValueError, match=r"Shape of variable w:0 \(\[3, 2\]\) doesn't match with shape of tensor old/w \(\[2, 3\]\)"):
            tf.train.init_from_checkpoint(prefix, {"old/w": "w"})
        with pytest.raises(ValueError, match=r"dtype of variable n:0 \(int32\) doesn't match with dtype of tensor old/inner/b \(float32\)"):
            tf.train.init_from_checkpoint(prefix, {"old/inner/b": n})
        with pytest.raises(ValueError, match="Assignment map with scope only name  should map to scope only old/w.*No variable is named 'x'"):
            tf.train.init_from_checkpoint(prefix, {"old/w": "x"})
        with pytest.raises(ValueError, match=r"Tensor old/missing/n \(n in old/missing/\) is not found"):
            tf.train.init_from_checkpoint(prefix, {"old/missing/": "/"})
