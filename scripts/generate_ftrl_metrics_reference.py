"""Write tests/data/estimator/ftrl_metrics.npz: TensorFlow's ``tf.compat.v1.train.FtrlOptimizer``
(variables and slots after a few steps, for several settings) and ``tf.compat.v1.metrics``
``auc``/``precision``/``recall`` (the update values batch by batch, then the value).

Run with a Python that has TensorFlow (``/tmp/benchenv/bin/python scripts/generate_ftrl_metrics_reference.py``);
tfc's tests read the file and never import TensorFlow.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import tensorflow as tf

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "estimator" / "ftrl_metrics.npz"
STEPS = 5

FTRL_CASES = {  # FtrlOptimizer keyword arguments per case
    "default": {"learning_rate": 0.5},
    "l1_l2": {"learning_rate": 0.3, "l1_regularization_strength": 0.05, "l2_regularization_strength": 0.02},
    "power": {"learning_rate": 0.2, "learning_rate_power": -0.7, "initial_accumulator_value": 0.3, "l1_regularization_strength": 0.01},
    "shrinkage_beta": {"learning_rate": 0.4, "l2_shrinkage_regularization_strength": 0.05, "beta": 0.3,
                       "l2_regularization_strength": 0.01},
}

AUC_CASES = {  # auc keyword arguments per case
    "roc": {},
    "roc_50": {"num_thresholds": 50},
    "pr": {"curve": "PR"},
    "pr_careful": {"curve": "PR", "summation_method": "careful_interpolation"},
    "roc_minoring": {"summation_method": "minoring", "num_thresholds": 10},
    "pr_majoring": {"curve": "PR", "summation_method": "majoring", "num_thresholds": 10},
}


def problem(rng) -> dict:
    """A small regression problem: x (8, 3), y (8, 1), and the variables' starting values."""
    x = rng.normal(size=(8, 3)).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0], [0.5]], np.float32) + 0.3).astype(np.float32)
    return {"x": x, "y": y, "w0": rng.normal(scale=0.5, size=(3, 1)).astype(np.float32), "b0": np.array([0.1], np.float32)}


def ftrl_run(data: dict, kwargs: dict) -> dict:
    """``STEPS`` FTRL steps on the mean squared error of ``x @ w + b``; variables and slots after."""
    out = {}
    with tf.Graph().as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None, 3])
        y = tf.compat.v1.placeholder(tf.float32, [None, 1])
        w = tf.compat.v1.get_variable("w", initializer=data["w0"], use_resource=False)
        b = tf.compat.v1.get_variable("b", initializer=data["b0"], use_resource=False)
        loss = tf.reduce_mean(tf.square(tf.matmul(x, w) + b - y))
        optimizer = tf.compat.v1.train.FtrlOptimizer(**kwargs)
        step = optimizer.minimize(loss)
        slots = {f"{v.op.name}/{s}": optimizer.get_slot(v, s) for v in (w, b) for s in ("accum", "linear")}
        with tf.compat.v1.Session() as session:
            session.run(tf.compat.v1.global_variables_initializer())
            for _ in range(STEPS):
                session.run(step, {x: data["x"], y: data["y"]})
            out.update({"w": session.run(w), "b": session.run(b)})
            out.update({name: session.run(slot) for name, slot in slots.items()})
        out["slot_names"] = np.array([f"{key}={slot.op.name}" for key, slot in slots.items()])
        out["variable_names"] = np.array(sorted(v.op.name for v in tf.compat.v1.global_variables()))
    return out


def batches(rng) -> dict:
    """Three streamed batches of 20: labels 0/1, probabilities, class ids, weights (n, 1)."""
    labels = rng.integers(0, 2, size=(3, 20, 1)).astype(np.float32)
    probabilities = rng.uniform(size=(3, 20, 1)).astype(np.float32)
    return {"labels": labels, "probabilities": probabilities, "class_ids": (probabilities > 0.5).astype(np.int64),
            "weights": rng.uniform(0.0, 2.0, size=(3, 20, 1)).astype(np.float32)}


def metric_run(data: dict, build) -> np.ndarray:
    """The update op's value after each batch, then the value tensor: shape (batches + 1,)."""
    with tf.Graph().as_default():
        names = ("labels", "probabilities", "class_ids", "weights")
        feeds = {n: tf.compat.v1.placeholder(tf.as_dtype(data[n].dtype), [None, 1]) for n in names}
        value, update = build(feeds)
        with tf.compat.v1.Session() as session:
            session.run(tf.compat.v1.local_variables_initializer())
            seen = [session.run(update, {feeds[n]: data[n][i] for n in names}) for i in range(len(data["labels"]))]
            return np.array([*seen, session.run(value)], np.float64)


def metrics_reference(data: dict) -> dict:
    """Each auc case, weighted and not, and precision/recall, weighted and not."""
    m = tf.compat.v1.metrics
    out = {}
    for case, kwargs in AUC_CASES.items():
        out[f"auc_{case}"] = metric_run(data, lambda f, k=kwargs: m.auc(f["labels"], f["probabilities"], f["weights"], **k))
        out[f"auc_{case}_unweighted"] = metric_run(data, lambda f, k=kwargs: m.auc(f["labels"], f["probabilities"], **k))
    for name in ("precision", "recall"):
        fn = getattr(m, name)
        out[name] = metric_run(data, lambda f, fn=fn: fn(f["labels"], f["class_ids"], f["weights"]))
        out[f"{name}_unweighted"] = metric_run(data, lambda f, fn=fn: fn(f["labels"], f["class_ids"]))
    return out


def main() -> None:
    rng = np.random.default_rng(14)
    data = problem(rng)
    arrays = {f"problem/{k}": v for k, v in data.items()}
    for case, kwargs in FTRL_CASES.items():
        arrays.update({f"ftrl/{case}/{k}": v for k, v in ftrl_run(data, kwargs).items()})
    streamed = batches(rng)
    arrays.update({f"batches/{k}": v for k, v in streamed.items()})
    arrays.update({f"metrics/{k}": v for k, v in metrics_reference(streamed).items()})
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez(OUT, **arrays)
    print(f"wrote {OUT} ({len(arrays)} arrays, TensorFlow {tf.__version__})")


if __name__ == "__main__":
    main()
