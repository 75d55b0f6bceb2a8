"""Write tests/data/compat_v1/tf1_layers.npz and tf1_losses.npz: TensorFlow's ``tf.compat.v1.layers``
(a small conv net: inputs, initial weights, logits, loss and the weights after one SGD step with the
UPDATE_OPS run) and ``tf.compat.v1.losses`` (every loss with weights, under every Reduction).

TensorFlow 2.16+ (Keras 3) no longer has ``tf.compat.v1.layers``, so run it with TF 2.15, from outside
the repository (its keras/ would shadow Keras):
``cd /tmp && /tmp/tf215env/bin/python -P /work/main/scripts/generate_tf1_layers_losses_reference.py``.
tfc's tests read the files and never import TensorFlow.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import tensorflow as tf

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "compat_v1"
V1 = tf.compat.v1
REDUCTIONS = ["none", "weighted_sum", "weighted_mean", "weighted_sum_over_batch_size", "weighted_sum_by_nonzero_weights"]


def conv_net(tf1, x, y, init: dict, training: bool = True):
    """The net both sides build: conv, pool, conv, flatten, dense, batch norm, dropout (off), dense; an L2-regularized kernel."""
    c = tf1.constant_initializer
    net = tf1.layers.conv2d(x, 3, 3, padding="same", activation=tf1.nn.relu, kernel_initializer=c(init["conv2d/kernel"]),
                            bias_initializer=c(init["conv2d/bias"]))
    net = tf1.layers.batch_normalization(net, training=True, name="bn_conv")
    net = tf1.layers.max_pooling2d(net, 2, 2)
    net = tf1.layers.conv2d(net, 4, 2, kernel_initializer=c(init["conv2d_1/kernel"]), bias_initializer=c(init["conv2d_1/bias"]))
    net = tf1.layers.average_pooling2d(net, 2, 1, padding="same")
    net = tf1.layers.flatten(net)
    net = tf1.layers.dense(net, 5, activation=tf1.tanh, kernel_initializer=c(init["dense/kernel"]), bias_initializer=c(init["dense/bias"]),
                           kernel_regularizer=lambda w: 0.01 * tf1.nn.l2_loss(w))
    net = tf1.layers.batch_normalization(net, training=training, momentum=0.9, gamma_initializer=c(init["batch_normalization/gamma"]),
                                         beta_initializer=c(init["batch_normalization/beta"]))
    net = tf1.layers.dropout(net, 0.5, training=False)
    with tf1.variable_scope("head"):
        logits = tf1.layers.dense(net, 3, kernel_initializer=c(init["head/dense/kernel"]), bias_initializer=c(init["head/dense/bias"]))
    weights = tf1.constant([1.0, 0.0, 2.0, 0.5], dtype=tf1.float32)
    tf1.losses.sparse_softmax_cross_entropy(y, logits, weights=weights)
    return logits, tf1.losses.get_total_loss()


def initial_weights(rng) -> dict:
    shapes = {"conv2d/kernel": (3, 3, 2, 3), "conv2d/bias": (3,), "conv2d_1/kernel": (2, 2, 3, 4), "conv2d_1/bias": (4,),
              "dense/kernel": (16, 5), "dense/bias": (5,), "batch_normalization/gamma": (5,), "batch_normalization/beta": (5,),
              "head/dense/kernel": (5, 3), "head/dense/bias": (3,)}
    return {name: (rng.normal(size=shape) * 0.5).astype(np.float32) for name, shape in shapes.items()}


def layers_reference(rng) -> dict:
    x = rng.normal(size=(4, 6, 6, 2)).astype(np.float32)
    y = np.array([0, 2, 1, 2], np.int32)
    init = initial_weights(rng)
    with tf.Graph().as_default():
        xp, yp = V1.placeholder(tf.float32, [None, 6, 6, 2]), V1.placeholder(tf.int32, [None])
        logits, loss = conv_net(V1, xp, yp, init)
        with V1.control_dependencies(V1.get_collection(V1.GraphKeys.UPDATE_OPS)):
            step = V1.train.GradientDescentOptimizer(0.1).minimize(loss)
        variables = V1.global_variables()
        with V1.Session() as sess:
            sess.run(V1.global_variables_initializer())
            out, value = sess.run([logits, loss], {xp: x, yp: y})
            sess.run(step, {xp: x, yp: y})
            after = sess.run(variables)
        data = {"x": x, "y": y, "logits": out, "loss": np.float32(value),
                "trainable_names": np.array([v.op.name for v in V1.trainable_variables()]),
                "global_names": np.array([v.op.name for v in variables])}
    data.update({f"init:{k}": v for k, v in init.items()})
    data.update({f"after:{v.op.name}": a for v, a in zip(variables, after)})
    return data


def loss_cases(rng) -> dict:
    """Inputs of every loss: (function name, keyword arguments as arrays)."""
    p = rng.uniform(0.05, 0.95, size=(4, 3)).astype(np.float32)
    t = rng.uniform(0.0, 1.0, size=(4, 3)).astype(np.float32)
    binary = (rng.uniform(size=(4, 3)) > 0.5).astype(np.float32)
    logits = rng.normal(size=(4, 3)).astype(np.float32) * 2
    onehot = np.eye(3, dtype=np.float32)[[0, 2, 1, 1]]
    unit = p / np.linalg.norm(p, axis=1, keepdims=True)
    unit2 = t / np.linalg.norm(t, axis=1, keepdims=True)
    w = np.array([[1.0], [0.0], [2.0], [0.5]], np.float32)
    w_rows = np.array([1.0, 0.0, 2.0, 0.5], np.float32)
    return {
        "mean_squared_error": {"labels": t, "predictions": p * 3, "weights": w},
        "absolute_difference": {"labels": t, "predictions": p * 3, "weights": w},
        "log_loss": {"labels": binary, "predictions": p, "weights": w},
        "hinge_loss": {"labels": binary, "logits": logits, "weights": w},
        "huber_loss": {"labels": t, "predictions": logits, "weights": w, "delta": np.float32(0.7)},
        "sigmoid_cross_entropy": {"multi_class_labels": binary, "logits": logits, "weights": w, "label_smoothing": np.float32(0.1)},
        "softmax_cross_entropy": {"onehot_labels": onehot, "logits": logits, "weights": w_rows, "label_smoothing": np.float32(0.2)},
        "sparse_softmax_cross_entropy": {"labels": np.array([0, 2, 1, 1], np.int32), "logits": logits, "weights": w_rows},
        "cosine_distance": {"labels": unit2, "predictions": unit, "axis": np.int32(1), "weights": w},
    }


def losses_reference(rng) -> dict:
    data = {}
    for name, kwargs in loss_cases(rng).items():
        data.update({f"{name}/in:{k}": v for k, v in kwargs.items()})
        for reduction in REDUCTIONS:
            with tf.Graph().as_default():
                args = {k: (v.item() if np.ndim(v) == 0 else tf.constant(v)) for k, v in kwargs.items()}
                loss = getattr(V1.losses, name)(reduction=reduction, **args)
                with V1.Session() as sess:
                    data[f"{name}/{reduction}"] = sess.run(loss)
    return data


def write(path: Path, data: dict) -> None:
    """Write to a temporary file beside ``path``, then rename (never a half-written file)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npz")
    os.close(fd)
    np.savez(tmp, **data)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def main() -> None:
    V1.disable_eager_execution()
    OUT.mkdir(parents=True, exist_ok=True)
    write(OUT / "tf1_layers.npz", layers_reference(np.random.default_rng(0)))
    write(OUT / "tf1_losses.npz", losses_reference(np.random.default_rng(1)))


if __name__ == "__main__":
    main()
