"""Linear regression the TensorFlow 1 way: a graph, placeholders, variables, minimize, a Session.

    python examples/linear_regression_tf1.py
"""

import numpy as np

import tfc

TRUE_W = np.array([[2.0], [-1.0], [0.5]], np.float32)
TRUE_B = 0.3


def data(n=128, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 3)).astype(np.float32)
    return x, (x @ TRUE_W + TRUE_B).astype(np.float32)


def main(steps: int = 300, verbose: bool = True):
    xs, ys = data()
    graph = tfc.Graph()
    with graph.as_default():
        x = tfc.placeholder(tfc.float32, xs.shape, name="x")
        y = tfc.placeholder(tfc.float32, ys.shape, name="y")
        w = tfc.Variable(np.zeros((3, 1), np.float32), name="w")
        b = tfc.Variable(np.zeros(1, np.float32), name="b")
        loss = tfc.reduce_mean(tfc.square(tfc.matmul(x, w) + b - y), name="loss")
        train = tfc.train.GradientDescentOptimizer(0.1).minimize(loss)
        init = tfc.global_variables_initializer()
    with tfc.Session(graph=graph) as sess:
        sess.run(init)
        for _ in range(steps):
            sess.run(train, {x: xs, y: ys})
        final_loss, w_value, b_value = sess.run([loss, w, b], {x: xs, y: ys})
    if verbose:
        print(f"loss {final_loss:.2e}  w {w_value.ravel()}  b {b_value}")
    return final_loss, w_value, b_value


if __name__ == "__main__":
    main()
