"""Reference data for tests/datasets/test_tf1_iterators.py: what TensorFlow 2.15's ``tf.compat.v1``
gives for dataset iterators in Session programs (one-shot, initializable, ``from_structure``), the
elements in order, their static shapes, where the data ends, and a training loop's losses.

Each case is a function of ``tf`` (the TF1 API module) and ``data`` (its ``tf.data``: ``Dataset``,
``Iterator``, ``make_one_shot_iterator``...), so the test runs the same code with tfc.

Run with TensorFlow 2.15, outside the repository (its keras/ shadows keras):
    cd /tmp && /tmp/tf215env/bin/python -P /work/main/scripts/generate_tf1_api_iterators_reference.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "compat_v1" / "api_iterators.npz"
X10 = np.arange(10, dtype=np.float32) * 1.5
Y10 = np.arange(10, dtype=np.int64)


def drain(tf, sess, fetch, limit: int = 50) -> list:
    """``fetch``'s values, run after run, until the iterator's end (at most ``limit`` runs)."""
    values = []
    try:
        for _ in range(limit):
            values.append(sess.run(fetch))
    except tf.errors.OutOfRangeError:
        return values
    raise AssertionError(f"no OutOfRangeError after {limit} runs")


def shapes(structure) -> list:
    """The static shapes of a structure of tensors or TensorShapes, as lists (None: unknown rank)."""
    return [None if s.ndims is None else s.as_list() for s in (getattr(leaf, "shape", leaf) for leaf in _leaves(structure))]


def _leaves(structure) -> list:
    if isinstance(structure, dict):
        return [leaf for key in sorted(structure) for leaf in _leaves(structure[key])]
    if isinstance(structure, (tuple, list)):
        return [leaf for item in structure for leaf in _leaves(item)]
    return [structure]


def case_order(tf, data) -> dict:
    """A one-shot iterator over batches of 4: the elements in order, the end, a new Session restarting."""
    dataset = data.Dataset.from_tensor_slices((X10, Y10)).batch(4)
    features, labels = data.make_one_shot_iterator(dataset).get_next()
    out = {"static": np.array(str(shapes((features, labels))))}
    with tf.Session() as sess:
        batches = drain(tf, sess, (features, labels))
        out["again_ends"] = np.array(len(drain(tf, sess, labels)) == 0)
    out["runs"] = np.array(len(batches))
    out["x"] = np.concatenate([b[0] for b in batches])
    out["y"] = np.concatenate([b[1] for b in batches])
    out["sizes"] = np.array([len(b[1]) for b in batches])
    with tf.Session() as sess:
        out["new_session_first"] = sess.run(labels)
    return out


def case_drop_remainder(tf, data) -> dict:
    """``batch(4, drop_remainder=True)`` of a range: a static batch dimension, and two runs."""
    dataset = data.Dataset.range(10).batch(4, drop_remainder=True)
    element = dataset.make_one_shot_iterator().get_next()
    out = {"static": np.array(element.shape.as_list()), "dataset_shapes": np.array(dataset.output_shapes.as_list())}
    with tf.Session() as sess:
        out["values"] = np.stack(drain(tf, sess, element))
    out["dtype"] = np.array(element.dtype.name)
    return out


def case_dict(tf, data) -> dict:
    """Dict elements: get_next gives a dict of tensors with the elements' static shapes."""
    dataset = data.Dataset.from_tensor_slices({"a": np.arange(12, dtype=np.float64).reshape(6, 2), "b": Y10[:6]}).batch(4)
    element = data.make_one_shot_iterator(dataset).get_next()
    out = {"keys": np.array(sorted(element)), "static": np.array(str(shapes(element))),
           "types": np.array([data.get_output_types(dataset)[k].name for k in sorted(element)])}
    with tf.Session() as sess:
        first, second = drain(tf, sess, element)
    out.update(a0=first["a"], b0=first["b"], a1=second["a"], b1=second["b"])
    return out


def case_initializable(tf, data) -> dict:
    """An initializable iterator: reading first fails; the initializer (re)starts it."""
    iterator = data.make_initializable_iterator(data.Dataset.range(5).map(lambda v: v * 2))
    element = iterator.get_next()
    with tf.Session() as sess:
        try:
            sess.run(element)
            out = {"error": np.array("none")}
        except tf.errors.FailedPreconditionError as err:
            out = {"error": np.array(type(err).__name__)}
        sess.run(iterator.initializer)
        read = [sess.run(element), sess.run(element)]
        sess.run(iterator.initializer)
        read.append(sess.run(element))
        out["epoch"] = np.array(drain(tf, sess, element))
    out["read"] = np.array(read)
    return out


def case_from_structure(tf, data) -> dict:
    """One iterator switched between a training and a validation dataset by their initializers."""
    train = data.Dataset.range(10).batch(3)
    valid = data.Dataset.range(100, 104).batch(3)
    iterator = data.Iterator.from_structure(data.get_output_types(train), data.get_output_shapes(train))
    element = iterator.get_next()
    to_train, to_valid = iterator.make_initializer(train), iterator.make_initializer(valid)
    with tf.Session() as sess:
        sess.run(to_train)
        read = [sess.run(element), sess.run(element)]
        sess.run(to_valid)
        read += drain(tf, sess, element)
        sess.run(to_train)
        read.append(sess.run(element))
    return {"read": np.concatenate(read), "sizes": np.array([len(r) for r in read]), "static": np.array(str(shapes(element)))}


def case_twice(tf, data) -> dict:
    """A run fetching one get_next's tensors several times reads one element; two get_next calls read two."""
    dataset = data.Dataset.from_tensor_slices((X10, Y10))
    iterator = data.make_one_shot_iterator(dataset)
    features, labels = iterator.get_next()
    other = iterator.get_next()[1]
    with tf.Session() as sess:
        same = sess.run([labels, labels, features, (features, labels)])
        both = sess.run([labels, other])
        after = sess.run(labels)
    return {"same": np.array([same[0], same[1], same[2], same[3][0], same[3][1]]), "both": np.sort(np.array(both)), "after": np.array(after)}


def case_training(tf, data) -> dict:
    """The classic TF1 input loop: linear regression by SGD over batches of 32, to the end of the data."""
    rng = np.random.RandomState(0)
    x = rng.randn(100, 3).astype(np.float32)
    y = x @ np.array([[1.0], [2.0], [-1.0]], np.float32) + 0.5
    features, labels = data.Dataset.from_tensor_slices((x, y)).batch(32).make_one_shot_iterator().get_next()
    w = tf.Variable(tf.zeros([3, 1]))
    b = tf.Variable(tf.zeros([1]))
    loss = tf.reduce_mean(tf.square(tf.matmul(features, w) + b - labels))
    train_op = tf.train.GradientDescentOptimizer(0.2).minimize(loss)
    losses = []
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        try:
            while True:
                losses.append(sess.run([train_op, loss])[1])
        except tf.errors.OutOfRangeError:
            pass
        weights = sess.run(w)
    return {"losses": np.array(losses), "w": weights}


def case_mismatch(tf, data) -> dict:
    """``make_initializer`` of a dataset with other types or structure: TensorFlow's error classes."""
    iterator = data.Iterator.from_structure((tf.float32, tf.int64), (tf.TensorShape([None]), tf.TensorShape([None])))
    names = []
    for dataset in (data.Dataset.range(3), data.Dataset.from_tensor_slices((Y10, Y10)).batch(2),
                    data.Dataset.from_tensor_slices((X10.reshape(5, 2), Y10[:5])).batch(2)):
        try:
            iterator.make_initializer(dataset)
            names.append("none")
        except (TypeError, ValueError) as err:
            names.append("TypeError" if isinstance(err, TypeError) else "ValueError")
    return {"errors": np.array(names)}


CASES = {name.removeprefix("case_"): fn for name, fn in dict(globals()).items() if name.startswith("case_")}


def main() -> None:
    import tensorflow.compat.v1 as tf

    tf.disable_eager_execution()
    out = {}
    for name, case in CASES.items():
        with tf.Graph().as_default():
            for key, value in case(tf, tf.data).items():
                out[f"{name}:{key}"] = value
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez(OUT, **out)
    print(f"wrote {len(out)} arrays to {OUT}")


if __name__ == "__main__":
    main()
