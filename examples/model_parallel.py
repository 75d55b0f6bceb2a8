"""Model parallelism the TensorFlow 1 way: parts of one model on different devices, one training step.

Two models, each trained on 1, 2 and 4 devices from the same initial weights:

* a **two-tower** network: two towers read the same input on different devices, a head joins them;
* a **layer-per-device** MLP: layer ``i`` on device ``i mod N`` (activations cross devices, each
  layer's weights and their updates stay on its device).

The placement is the program's own (``tf.device`` scopes); tfc places the rest (gradients, optimizer
updates follow their inputs and variables), partitions the graph with a send/recv pair per
cross-device edge and runs the pieces on their devices. The losses and weights equal the one-device
run's within float tolerance::

    python examples/model_parallel.py     # four host devices (tfc.set_cpu_devices(4))
"""

from __future__ import annotations

import numpy as np

import tfc as tf

BATCH, FEATURES, HIDDEN = 64, 32, 64


def data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(BATCH, FEATURES)).astype(np.float32)
    y = np.tanh(x @ rng.normal(size=(FEATURES, 1)).astype(np.float32) / 4)
    return x, y


def weight(name: str, shape: tuple[int, ...], seed: int) -> tf.Variable:
    """A variable with fixed initial values (the same on any number of devices)."""
    values = np.random.default_rng(seed).normal(scale=1 / np.sqrt(shape[0]), size=shape).astype(np.float32)
    return tf.Variable(values, name=name)


def dense(x, name: str, shape: tuple[int, int], seed: int, activation=tf.nn.relu):
    w = weight(f"{name}/w", shape, seed)
    b = tf.Variable(np.zeros(shape[1], np.float32), name=f"{name}/b")
    out = tf.matmul(x, w) + b
    return out if activation is None else activation(out)


def two_tower(x, devices: list[str]):
    """Tower A on the first device, tower B on the second (or the first), the head on the first."""
    with tf.device(devices[0]):
        a = dense(dense(x, "a1", (FEATURES, HIDDEN), 1), "a2", (HIDDEN, HIDDEN), 2)
    with tf.device(devices[1 % len(devices)]):
        b = dense(dense(x, "b1", (FEATURES, HIDDEN), 3), "b2", (HIDDEN, HIDDEN), 4)
    with tf.device(devices[0]):
        return dense(tf.concat([a, b], axis=1), "head", (2 * HIDDEN, 1), 5, activation=None)


def layer_per_device(x, devices: list[str], layers: int = 4):
    """Layer ``i`` of an MLP on device ``i mod N``; the output layer on the last one used."""
    h = x
    for i in range(layers):
        with tf.device(devices[i % len(devices)]):
            h = dense(h, f"layer{i}", (FEATURES if i == 0 else HIDDEN, HIDDEN), 10 + i)
    with tf.device(devices[(layers - 1) % len(devices)]):
        return dense(h, "out", (HIDDEN, 1), 20, activation=None)


MODELS = {"two-tower": two_tower, "layer-per-device": layer_per_device}


def build(model, count: int, learning_rate: float = 0.05):
    """The model's graph on ``count`` devices: (graph, loss, train op, init op, x, y)."""
    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(tf.float32, [None, FEATURES], name="x")
        y = tf.placeholder(tf.float32, [None, 1], name="y")
        prediction = model(x, [f"/device:CPU:{i}" for i in range(count)])
        loss = tf.reduce_mean(tf.square(prediction - y))
        train = tf.train.GradientDescentOptimizer(learning_rate).minimize(loss)
        init = tf.global_variables_initializer()
    return graph, loss, train, init, x, y


def train(model, count: int, steps: int = 20) -> tuple[list[float], list[np.ndarray]]:
    """Losses of ``steps`` training steps on ``count`` devices, and the final weights."""
    graph, loss, train_op, init, x, y = build(model, count)
    features, targets = data()
    with tf.Session(graph=graph) as session:
        session.run(init)
        losses = [session.run([loss, train_op], {x: features, y: targets})[0] for _ in range(steps)]
        with graph.as_default():
            weights = session.run(tf.trainable_variables())
    return [float(v) for v in losses], weights


def main(device_counts=(1, 2, 4), steps: int = 20, verbose: bool = True) -> dict:
    """Train each model on each device count; returns {(model, count): (losses, weights)}."""
    results = {}
    for name, model in MODELS.items():
        for count in device_counts:
            results[name, count] = train(model, count, steps)
            if verbose:
                losses, weights = results[name, count]
                base_losses, base_weights = results[name, device_counts[0]]
                drift = max(float(np.max(np.abs(w - v))) for w, v in zip(weights, base_weights))
                print(f"{name:17s} on {count} device(s): loss {losses[0]:.4f} -> {losses[-1]:.4f}; "
                      f"largest weight difference from {device_counts[0]} device(s): {drift:.1e}")
    return results


if __name__ == "__main__":
    tf.set_cpu_devices(4)
    main()
