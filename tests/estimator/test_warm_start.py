"""tf.compat.v1.train.warm_start (each vars_to_warm_start form, prev names, vocabulary remapping on
both axes) and Estimator(warm_start_from=...) with a path or tf.estimator.WarmStartSettings."""

from __future__ import annotations

import numpy as np
import pytest

import tfc as tfc_top
import tfc.compat.v1 as tf
from tfc.estimator import DNNClassifier, Estimator, VocabInfo, WarmStartSettings

from .models import linear_model_fn, regression_data

VALUES = {
    "a/w": np.arange(1, 7, dtype=np.float32).reshape(2, 3),
    "a/b": np.array([5.0, 6.0], np.float32),
    "frozen": np.array([9.0], np.float32),
    "a/w/Momentum": np.full([2, 3], 3.0, np.float32),
    "old": np.arange(1, 21, dtype=np.float32).reshape(5, 4),
}
NAMES = ["a/w", "a/b", "frozen", "a/w/Momentum"]


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    """The folder of a checkpoint holding VALUES (saved by tf.train.Saver)."""
    folder = tmp_path_factory.mktemp("source")
    with tf.Graph().as_default():
        variables = [tf.Variable(value, name=name) for name, value in VALUES.items()]
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            tf.train.Saver(variables).save(sess, str(folder / "model.ckpt"), global_step=1)
    return folder


def model():
    """Zero-initialized variables named as VALUES': 'frozen' and the slot are not trainable."""
    with tf.variable_scope("a"):
        w = tf.get_variable("w", [2, 3], initializer=tf.zeros_initializer())
        b = tf.get_variable("b", [2], initializer=tf.zeros_initializer())
        slot = tf.get_variable("w/Momentum", [2, 3], initializer=tf.zeros_initializer(), trainable=False)
    frozen = tf.get_variable("frozen", [1], initializer=tf.zeros_initializer(), trainable=False)
    return {"a/w": w, "a/b": b, "frozen": frozen, "a/w/Momentum": slot}


def warm_started(checkpoint, vars_to_warm_start, **kwargs) -> set:
    """The names of model()'s variables that start from the checkpoint after warm_start."""
    with tf.Graph().as_default():
        variables = model()
        chosen = [variables[n] for n in vars_to_warm_start] if isinstance(vars_to_warm_start, tuple) else vars_to_warm_start
        tf.train.warm_start(str(checkpoint), chosen, **kwargs)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            values = sess.run(variables)
    loaded = set()
    for name, value in values.items():
        if value.any():
            np.testing.assert_array_equal(value, VALUES[name])
            loaded.add(name)
    return loaded


@pytest.mark.parametrize("vars_to_warm_start, expected", [
    (".*", {"a/w", "a/b"}),  # a regex: TRAINABLE_VARIABLES only
    ("a/w", {"a/w"}),  # matched at the start of 'a/w:0' (not 'a/b')
    ([".*"], set(NAMES)),  # a list of regexes: GLOBAL_VARIABLES
    (["a/w", "fro"], {"a/w", "a/w/Momentum", "frozen"}),
    (["a/w[^/]"], {"a/w"}),  # TensorFlow's example: 'v2[^/]' leaves out 'v2/momentum'
    (("a/b", "frozen"), {"a/b", "frozen"}),  # a list of Variables
    (None, set()),  # only the variables with a VocabInfo
    ([], set()),
])
def test_which_variables_each_form_chooses(checkpoint, vars_to_warm_start, expected):
    assert warm_started(checkpoint, vars_to_warm_start) == expected


def test_the_default_and_a_checkpoint_prefix(checkpoint):
    with tf.Graph().as_default():
        variables = model()
        tf.train.warm_start(tf.train.latest_checkpoint(str(checkpoint)))
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            values = sess.run(variables)
    np.testing.assert_array_equal(values["a/w"], VALUES["a/w"])
    np.testing.assert_array_equal(values["frozen"], [0.0])


def test_previous_names(checkpoint):
    """A variable loads another checkpoint name; two variables may load the same one."""
    with tf.Graph().as_default():
        first = tf.get_variable("first", [2, 3], initializer=tf.zeros_initializer())
        second = tf.get_variable("second", [2, 3], initializer=tf.zeros_initializer())
        bias = tf.get_variable("bias", [1], initializer=tf.zeros_initializer(), trainable=False)
        tf.train.warm_start(checkpoint, ["first", "second", "bias"],
                            var_name_to_prev_var_name={"first": "a/w", "second": "a/w", "bias": "frozen"})
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            values = sess.run([first, second, bias])
    for got, want in zip(values, [VALUES["a/w"], VALUES["a/w"], VALUES["frozen"]]):
        np.testing.assert_array_equal(got, want)


@pytest.fixture(scope="module")
def vocabs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("vocab")
    files = {"old_rows": "a\nb\nc\nd\ne\n", "new_rows": "d\nz\nb\ne\ny\n", "old_cols": "p\nq\nr\ns\n", "new_cols": "s\nt\np"}
    for name, text in files.items():
        (folder / f"{name}.txt").write_text(text)
    return {name: str(folder / f"{name}.txt") for name in files}


def counting_initializer():
    """Call k (from 1) gives 100k, 100k+1, ... in row-major order: shows which cells came from where."""
    calls = []

    def initializer(shape, dtype=None, partition_info=None):
        calls.append(list(shape))
        base = 100.0 * len(calls)
        return tf.reshape(tf.range(base, base + float(np.prod(shape)), dtype=tf.float32), shape)

    return initializer, calls


def test_vocabulary_remapping_on_both_axes(checkpoint, vocabs):
    """Old rows a..e of 'old' (5x4, values 1..20): the new rows d, z, b, e with old_vocab_size=4 (so
    'e' counts as new) and 2 OOV rows; the new columns s, t, p and 1 OOV column. The expected
    matrices are TensorFlow 2.15's for the same files and initializers."""
    rows_init, row_calls = counting_initializer()
    cols_init, col_calls = counting_initializer()
    with tf.Graph().as_default():
        rows = tf.get_variable("rows", [6, 4], initializer=tf.zeros_initializer())
        cols = tf.get_variable("cols", [5, 4], initializer=tf.zeros_initializer())
        zeros = tf.get_variable("zeros", [4, 4], initializer=tf.ones_initializer())
        other = tf.get_variable("other", [1], initializer=tf.ones_initializer())
        tf.train.warm_start(checkpoint, vars_to_warm_start=None, var_name_to_prev_var_name={"rows": "old", "cols": "old", "zeros": "old"},
                            var_name_to_vocab_info={
                                "rows": VocabInfo(vocabs["new_rows"], 4, 2, vocabs["old_rows"], old_vocab_size=4, backup_initializer=rows_init),
                                "cols": VocabInfo(vocabs["new_cols"], 3, 1, vocabs["old_cols"], backup_initializer=cols_init, axis=1),
                                "zeros": tf.train.VocabInfo(vocabs["new_rows"], 3, 1, vocabs["old_rows"])})
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            got = sess.run({"rows": rows, "cols": cols, "zeros": zeros, "other": other})
    old = VALUES["old"]
    expected_rows = np.array([old[3], [100, 101, 102, 103], old[1], [104, 105, 106, 107],  # 'e' is past old_vocab_size
                              [200, 201, 202, 203], [204, 205, 206, 207]], np.float32)
    expected_cols = np.array([[old[i, 3], 100 + i, old[i, 0], 200 + i] for i in range(5)], np.float32)
    np.testing.assert_array_equal(got["rows"], expected_rows)
    np.testing.assert_array_equal(got["cols"], expected_cols)
    assert row_calls == [[8, 1], [2, 4]] and col_calls == [[5, 1], [5, 1]]  # the missing cells, then the OOV buckets
    np.testing.assert_array_equal(got["zeros"], np.stack([old[3], np.zeros(4), old[1], np.zeros(4)]))  # zeros by default
    np.testing.assert_array_equal(got["other"], [1.0])  # vars_to_warm_start=None: only VocabInfo variables


def test_warm_start_errors(checkpoint, vocabs, tmp_path):
    with tf.Graph().as_default():
        variables = model()
        tf.get_variable("extra", [1])
        with pytest.raises(ValueError, match=r"Tensor extra is not found in .* checkpoint \(to initialize variable extra\)"):
            tf.train.warm_start(checkpoint)
        with pytest.raises(ValueError, match="`vars_to_warm_start must be a `list` or `str`.  Given type is <class 'tuple'>"):
            tf.train.warm_start(checkpoint, ("a/w",))
        with pytest.raises(ValueError, match="If `vars_to_warm_start` is a list, it must be all `Variable` or all `str`"):
            tf.train.warm_start(checkpoint, ["a/w", variables["a/b"]])
        with pytest.raises(ValueError, match="var_name_to_prev_var_name that were not used: {'a/x'}"):
            tf.train.warm_start(checkpoint, ["a/w:0"], var_name_to_prev_var_name={"a/x": "a/w"})
        with pytest.raises(ValueError, match="var_name_to_vocab_info that were not used: {'a/b'}"):
            tf.train.warm_start(checkpoint, ["a/w:0"], var_name_to_vocab_info={"a/b": VocabInfo(vocabs["new_rows"], 2, 0, vocabs["old_rows"])})
        with pytest.raises(ValueError, match=f"Couldn't find 'checkpoint' file or checkpoints in given directory {tmp_path}"):
            tf.train.warm_start(str(tmp_path), ["a/w"])
        with pytest.raises(tf.errors.NotFoundError, match="Failed to find any matching files"):
            tf.train.warm_start(str(tmp_path / "missing" / "model.ckpt-1"), ["a/w"])
        with pytest.raises(ValueError, match="Expected 2-dim shape"):
            tf.train.warm_start(checkpoint, ["a/b"], var_name_to_vocab_info={"a/b": VocabInfo(vocabs["new_rows"], 2, 0, vocabs["old_rows"])})
        with pytest.raises(ValueError, match="has 5 entries, fewer than the 6 to use"):
            tf.train.warm_start(checkpoint, ["a/w:0"], var_name_to_prev_var_name={"a/w": "old"},
                                var_name_to_vocab_info={"a/w": VocabInfo(vocabs["new_rows"], 2, 0, vocabs["old_rows"], old_vocab_size=6)})
    with pytest.raises(ValueError, match="The only supported values for the axis argument are 0 and 1.  Provided axis: 2"):
        VocabInfo("new", 3, 0, "old", axis=2)
    with pytest.raises(ValueError, match="`ckpt_to_initialize_from` MUST be set in WarmStartSettings"):
        WarmStartSettings("")


def test_settings_are_namedtuples_with_tensorflows_defaults():
    settings = WarmStartSettings("/ckpt")
    assert settings == ("/ckpt", ".*", {}, {}) and settings._fields == ("ckpt_to_initialize_from", "vars_to_warm_start",
                                                                         "var_name_to_vocab_info", "var_name_to_prev_var_name")
    info = VocabInfo(new_vocab="n", new_vocab_size=3, num_oov_buckets=1, old_vocab="o")
    assert info == ("n", 3, 1, "o", -1, None, 0) and tf.train.VocabInfo is VocabInfo is tfc_top.estimator.VocabInfo


# ---- the Estimator -------------------------------------------------------------------------------
class StartValues(tf.train.SessionRunHook):
    """The trainable variables' values when the session starts, before any step."""

    def __init__(self):
        self.values = {}

    def after_create_session(self, session, coord):
        variables = tf.trainable_variables()
        self.values = dict(zip([v.op.name for v in variables], session.run(variables)))


COLUMNS = [tfc_top.feature_column.numeric_column("a"), tfc_top.feature_column.numeric_column("b")]


def blobs(n=40):
    x = np.random.default_rng(0).normal(size=(n, 2)).astype(np.float32)
    return {"a": x[:, :1], "b": x[:, 1:]}, (x[:, 0] > 0).astype(np.int64)


@pytest.fixture(scope="module")
def trained_dnn(tmp_path_factory):
    features, labels = blobs()
    source = DNNClassifier([4], COLUMNS, model_dir=tmp_path_factory.mktemp("dnn"), config=tfc_top.estimator.RunConfig(tf_random_seed=0))
    return source.train(lambda: (features, labels), steps=3)


def test_a_canned_estimator_starts_from_another_ones_weights(trained_dnn, tmp_path):
    features, labels = blobs()
    config = tfc_top.estimator.RunConfig(tf_random_seed=1)
    hook = StartValues()
    DNNClassifier([4], COLUMNS, model_dir=tmp_path / "all", config=config, warm_start_from=trained_dnn.model_dir).train(
        lambda: (features, labels), steps=1, hooks=[hook])
    assert sorted(hook.values) == ["dnn/hiddenlayer_0/bias", "dnn/hiddenlayer_0/kernel", "dnn/logits/bias", "dnn/logits/kernel"]
    for name, value in hook.values.items():
        np.testing.assert_array_equal(value, trained_dnn.get_variable_value(name))

    hook = StartValues()
    settings = WarmStartSettings(trained_dnn.latest_checkpoint(), vars_to_warm_start=".*hiddenlayer.*")
    warm = DNNClassifier([4], COLUMNS, model_dir=tmp_path / "hidden", config=config, warm_start_from=settings)
    warm.train(lambda: (features, labels), steps=1, hooks=[hook])
    np.testing.assert_array_equal(hook.values["dnn/hiddenlayer_0/kernel"], trained_dnn.get_variable_value("dnn/hiddenlayer_0/kernel"))
    assert not np.array_equal(hook.values["dnn/logits/kernel"], trained_dnn.get_variable_value("dnn/logits/kernel"))
    assert warm.get_variable_value("global_step") == 1  # not trainable: not warm-started

    hook, saved = StartValues(), {name: warm.get_variable_value(name) for name in hook.values}
    warm.train(lambda: (features, labels), steps=1, hooks=[hook])  # model_dir has a checkpoint now: it wins
    for name, value in hook.values.items():
        np.testing.assert_array_equal(value, saved[name])
    assert not np.array_equal(saved["dnn/hiddenlayer_0/kernel"], trained_dnn.get_variable_value("dnn/hiddenlayer_0/kernel"))


def test_an_estimator_with_prev_names(tmp_path):
    x, y = regression_data()
    source = Estimator(linear_model_fn, model_dir=tmp_path / "source").train(lambda: (x, y), steps=5)

    def renamed_model_fn(features, labels, mode, params):
        with tf.variable_scope("renamed"):
            return linear_model_fn(features, labels, mode, params)

    settings = WarmStartSettings(str(tmp_path / "source"), vars_to_warm_start=["renamed/w"], var_name_to_prev_var_name={"renamed/w": "w"})
    warm = Estimator(renamed_model_fn, model_dir=tmp_path / "warm", params={"learning_rate": 0.0}, warm_start_from=settings)
    warm.train(lambda: (x, y), steps=1)
    np.testing.assert_array_equal(warm.get_variable_value("renamed/w"), source.get_variable_value("w"))
    np.testing.assert_array_equal(warm.get_variable_value("renamed/b"), [0.0])  # not chosen
    with pytest.raises(ValueError, match="warm_start_from must be a string or a WarmStartSettings, instead got <class 'int'>"):
        Estimator(linear_model_fn, warm_start_from=3)


def test_a_linear_classifier_with_a_new_vocabulary(tmp_path):
    """The weights of a vocabulary-file column follow their tokens into the new vocabulary."""
    (tmp_path / "old.txt").write_text("red\ngreen\nblue\n")
    (tmp_path / "new.txt").write_text("blue\npurple\nred\n")
    colors = np.array([["red"], ["green"], ["blue"], ["red"]])
    input_fn = lambda: ({"color": colors}, np.array([1, 0, 1, 1], np.int64))
    column = tfc_top.feature_column.categorical_column_with_vocabulary_file
    source = tfc_top.estimator.LinearClassifier([column("color", str(tmp_path / "old.txt"), vocabulary_size=3, num_oov_buckets=1)],
                                                model_dir=tmp_path / "source", optimizer="SGD")
    source.train(input_fn, steps=3)
    old = source.get_variable_value("linear/linear_model/color/weights")
    assert np.all(old[:3] != 0)
    info = VocabInfo(str(tmp_path / "new.txt"), 3, 1, str(tmp_path / "old.txt"))
    settings = WarmStartSettings(source.model_dir, var_name_to_vocab_info={"linear/linear_model/color/weights": info})
    warm = tfc_top.estimator.LinearClassifier([column("color", str(tmp_path / "new.txt"), vocabulary_size=3, num_oov_buckets=1)],
                                              model_dir=tmp_path / "warm", optimizer=tf.train.GradientDescentOptimizer(0.0),
                                              warm_start_from=settings)
    warm.train(input_fn, steps=1)
    np.testing.assert_array_equal(warm.get_variable_value("linear/linear_model/color/weights"), [old[2], [0.0], old[0], [0.0]])
    np.testing.assert_array_equal(warm.get_variable_value("linear/linear_model/bias_weights"),
                                  source.get_variable_value("linear/linear_model/bias_weights"))
