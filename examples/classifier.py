"""A 2-layer classifier on synthetic data, written both ways with one model function: a TF1 graph +
Session + tf.train.AdamOptimizer, and @tfc.compile with tfc.Variable and tfc's traced Adam.

    python examples/classifier.py
"""

import numpy as np

import tfc
from tfc.frontend.optimizers import Adam

CLASSES, FEATURES, HIDDEN = 3, 4, 16


def blobs(n=240, seed=1):
    """Three well separated Gaussian blobs."""
    rng = np.random.default_rng(seed)
    centers = rng.standard_normal((CLASSES, FEATURES)) * 3
    labels = rng.integers(0, CLASSES, n)
    x = (centers[labels] + rng.standard_normal((n, FEATURES))).astype(np.float32)
    return x, np.eye(CLASSES, dtype=np.float32)[labels], labels


def init_params(seed=2):
    rng = np.random.default_rng(seed)
    return [
        (rng.standard_normal((FEATURES, HIDDEN)) * 0.5).astype(np.float32), np.zeros(HIDDEN, np.float32),
        (rng.standard_normal((HIDDEN, CLASSES)) * 0.5).astype(np.float32), np.zeros(CLASSES, np.float32),
    ]


def forward(x, w1, b1, w2, b2):
    return tfc.matmul(tfc.relu(tfc.matmul(x, w1) + b1), w2) + b2


def cross_entropy(logits, onehot):
    return -tfc.mean(tfc.sum(tfc.log_softmax(logits) * onehot, axis=1))


def train_tf1(steps=200):
    xs, ys, labels = blobs()
    graph = tfc.Graph()
    with graph.as_default():
        x = tfc.placeholder(tfc.float32, xs.shape, name="x")
        y = tfc.placeholder(tfc.float32, ys.shape, name="y")
        params = [tfc.Variable(p, name=n) for p, n in zip(init_params(), ["w1", "b1", "w2", "b2"])]
        logits = forward(x, *params)
        loss = cross_entropy(logits, y)
        train = tfc.train.AdamOptimizer(0.05).minimize(loss)
        predictions = tfc.argmax(logits, axis=1)
        init = tfc.global_variables_initializer()
    with tfc.Session(graph=graph) as sess:
        sess.run(init)
        for _ in range(steps):
            sess.run(train, {x: xs, y: ys})
        final_loss, predicted = sess.run([loss, predictions], {x: xs, y: ys})
    return float(final_loss), float((predicted == labels).mean())


def train_traced(steps=200):
    xs, ys, labels = blobs()
    params = [tfc.Variable(p, name=n) for p, n in zip(init_params(), ["w1", "b1", "w2", "b2"])]
    adam = Adam(0.05)

    @tfc.compile
    def step(x, y):
        loss = cross_entropy(forward(x, *params), y)
        adam.minimize(loss, params)
        return loss

    for _ in range(steps):
        loss = step(xs, ys)
    predicted = np.asarray(tfc.compile(lambda x: tfc.argmax(forward(x, *params), axis=1))(xs))
    return float(loss), float((predicted == labels).mean())


def main(steps: int = 200, verbose: bool = True):
    results = {"tf1 graph + Session": train_tf1(steps), "traced @tfc.compile": train_traced(steps)}
    if verbose:
        for name, (loss, accuracy) in results.items():
            print(f"{name:<22} loss {loss:.4f}  accuracy {accuracy:.3f}")
    return results


if __name__ == "__main__":
    main()
