"""``tf.train.FtrlOptimizer`` against TensorFlow 2.21's (tests/data/estimator/ftrl_metrics.npz, from
scripts/generate_ftrl_metrics_reference.py): variables and both slots after five steps, for the
default settings, L1/L2, a learning rate power other than -0.5, and L2 shrinkage with beta (ApplyFtrlV2)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import tfc
import tfc.compat.v1 as tf
from tfc.estimator import LinearRegressor
from tfc.estimator.canned.optimizers import get_optimizer

REFERENCE = np.load(Path(__file__).resolve().parents[1] / "data" / "estimator" / "ftrl_metrics.npz")
CASES = {  # the generator's FtrlOptimizer arguments per case
    "default": {"learning_rate": 0.5},
    "l1_l2": {"learning_rate": 0.3, "l1_regularization_strength": 0.05, "l2_regularization_strength": 0.02},
    "power": {"learning_rate": 0.2, "learning_rate_power": -0.7, "initial_accumulator_value": 0.3, "l1_regularization_strength": 0.01},
    "shrinkage_beta": {"learning_rate": 0.4, "l2_shrinkage_regularization_strength": 0.05, "beta": 0.3,
                       "l2_regularization_strength": 0.01},
}


def train(kwargs: dict, steps: int = 5) -> tuple[dict, dict, list[str]]:
    """The generator's problem: ``steps`` FTRL steps on the mean squared error of ``x @ w + b``.
    Returns variable values by name, slot values by ``<var>/<slot>``, and the slots' op names."""
    with tf.Graph().as_default():
        return _train_in_graph(kwargs, steps)


def _train_in_graph(kwargs: dict, steps: int = 5) -> tuple[dict, dict, list[str]]:
    """:func:`train` in the default graph (so ``kwargs`` may hold its tensors)."""
    data = {k: REFERENCE[f"problem/{k}"] for k in ("x", "y", "w0", "b0")}
    x = tf.placeholder(tf.float32, [None, 3])
    y = tf.placeholder(tf.float32, [None, 1])
    w = tf.get_variable("w", initializer=tf.constant(data["w0"]))
    b = tf.get_variable("b", initializer=tf.constant(data["b0"]))
    loss = tf.reduce_mean(tf.square(tf.matmul(x, w) + b - y))
    optimizer = tf.train.FtrlOptimizer(**kwargs)
    step = optimizer.minimize(loss)
    slots = {f"{v.op.name}/{s}": optimizer.get_slot(v, s) for v in (w, b) for s in ("accum", "linear")}
    with tf.Session() as session:
        session.run(tf.global_variables_initializer())
        for _ in range(steps):
            session.run(step, {x: data["x"], y: data["y"]})
        values = {"w": session.run(w), "b": session.run(b)}
        slot_values = {name: session.run(slot) for name, slot in slots.items()}
    names = [f"{key}={slot.op.name}" for key, slot in slots.items()]
    return values, slot_values, names


@pytest.mark.parametrize("case", sorted(CASES))
def test_matches_tensorflow_after_five_steps(case):
    values, slots, names = train(CASES[case])
    for name, value in {**values, **slots}.items():
        np.testing.assert_allclose(value, REFERENCE[f"ftrl/{case}/{name}"], rtol=1e-5, atol=1e-5, err_msg=f"{case}: {name}")
    assert names == list(REFERENCE[f"ftrl/{case}/slot_names"])  # w/Ftrl (accum), w/Ftrl_1 (linear), as TensorFlow


def test_slot_names_can_be_chosen_and_the_step_is_one_kernel():
    with tf.Graph().as_default() as graph:
        w = tf.get_variable("w", [2], initializer=tf.ones_initializer())
        optimizer = tf.train.FtrlOptimizer(0.1, accum_name="acc", linear_name="lin", l2_shrinkage_regularization_strength=0.1)
        optimizer.minimize(tf.reduce_sum(tf.square(w)))
        assert optimizer.get_slot(w, "accum").op.name == "w/acc" and optimizer.get_slot(w, "linear").op.name == "w/lin"
        assert optimizer.get_slot_names() == ["accum", "linear"]
        assert [op.type for op in graph.get_operations()].count("ApplyFtrlV2") == 1


@pytest.mark.parametrize(("kwargs", "error", "words"), [
    ({"learning_rate_power": 0.5}, ValueError, "learning_rate_power 0.5 needs to be negative or zero"),
    ({"initial_accumulator_value": -1.0}, ValueError, "initial_accumulator_value -1.0 needs to be positive"),
    ({"l1_regularization_strength": -0.1}, ValueError, "l1_regularization_strength"),
    ({"l2_shrinkage_regularization_strength": "x"}, TypeError, "l2_shrinkage_regularization_strength must be a number"),
])
def test_bad_arguments_are_named(kwargs, error, words):
    with pytest.raises(error, match=words):
        tf.train.FtrlOptimizer(0.1, **kwargs)


def test_learning_rate_may_be_a_tensor():
    """A tensor learning rate (e.g. a decayed schedule) is cast to the variable's dtype; beta then
    folds into L2 in the graph."""
    with tf.Graph().as_default():
        kwargs = dict(CASES["shrinkage_beta"], learning_rate=tf.constant(0.4, tf.float64))
        values, _, _ = _train_in_graph(kwargs)
    np.testing.assert_allclose(values["w"], REFERENCE["ftrl/shrinkage_beta/w"], rtol=1e-5, atol=1e-5)


def test_canned_linear_regressor_trains_with_its_default_ftrl(tmp_path):
    """'Ftrl' (the linear default) is an FtrlOptimizer at the canned learning rate; its slots are
    saved next to the weights."""
    assert isinstance(get_optimizer("Ftrl", 0.2), tf.train.FtrlOptimizer)
    x = REFERENCE["problem/x"][:, :1]
    y = (2.0 * x + 0.5).astype(np.float32)
    estimator = LinearRegressor([tfc.feature_column.numeric_column("x")], model_dir=tmp_path)
    first = estimator.train(lambda: ({"x": x}, y), steps=1).evaluate(lambda: ({"x": x}, y), steps=1)["loss"]
    last = estimator.train(lambda: ({"x": x}, y), steps=100).evaluate(lambda: ({"x": x}, y), steps=1)["loss"]
    assert last < 0.1 * first
    assert "linear/linear_model/x/weights/Ftrl_1" in estimator.get_variable_names()

