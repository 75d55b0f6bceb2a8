"""Training throughput of tfc's estimators against scikit-learn's, on the same points from the same start.

    python benchmarks/estimators.py [--points 100000] [--iterations 20] [--rounds 3] [--rows 100000] [--batch-size 256]
                                    [--tf-python /path/to/tf2.15/bin/python]

Prints one line per model: tfc's iterations per second (compiled program warm: the first fit is not
timed) and scikit-learn's when it is installed (Lloyd's KMeans with n_init=1 and tol=0; GaussianMixture
with tol=0 and init_params="random_from_data", so its kmeans start is not timed), median of the rounds. tfc computes in float32, scikit-learn in
float64 (its default for these points); scikit-learn's Lloyd may stop early, so its rate uses n_iter_.

Then training throughput (examples/s) of the canned LinearClassifier, DNNClassifier and wide & deep
on a ``--rows`` synthetic table (4 numeric columns, a 10-word vocabulary column, a 1000-bucket hashed
column), batches of ``--batch-size``, one epoch per measured train call after a warm one (which
compiles), against scikit-learn's SGDClassifier (log loss) and MLPClassifier (same hidden units and
batch size, one epoch) on the same rows one-hot encoded (the encoding is not timed), and, given
``--tf-python``, TensorFlow 2.15's canned estimators (benchmarks/tf_estimators.py) on the same rows.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import statistics
import subprocess
import time
import warnings

import numpy as np
from estimator_table import HASH_BUCKETS, HIDDEN, WORDS, table

import tfc as tf
from tfc.toolkit import GMM, KMeansClustering

CLUSTERS, DIMENSION = 8, 16


def points(n: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    centers = rng.uniform(-10, 10, (CLUSTERS, DIMENSION))
    return (centers[rng.integers(CLUSTERS, size=n)] + rng.normal(0, 2.0, (n, DIMENSION))).astype(np.float32)


def per_second(fit, rounds: int) -> float:
    """Median iterations per second of ``fit()``, which returns how many iterations it ran."""
    fit()
    rates = []
    for _ in range(rounds):
        start = time.perf_counter()
        iterations = fit()
        rates.append(iterations / (time.perf_counter() - start))
    return statistics.median(rates)


def kmeans_fits(x: np.ndarray, iterations: int) -> dict:
    start = x[:CLUSTERS]

    def tfc_fit():
        return KMeansClustering(CLUSTERS, initial_clusters=start, use_mini_batch=False).fit(x, iterations).iterations_run

    fits = {"tfc": tfc_fit}
    try:
        from sklearn.cluster import KMeans
    except ImportError:
        return fits
    x64 = x.astype(np.float64)
    fits["scikit-learn"] = lambda: KMeans(CLUSTERS, init=start.astype(np.float64), n_init=1, algorithm="lloyd",
                                          max_iter=iterations, tol=0.0).fit(x64).n_iter_
    return fits


def gmm_fits(x: np.ndarray, iterations: int, covariance_type: str) -> dict:
    def tfc_fit():
        GMM(CLUSTERS, covariance_type=covariance_type).fit(x, steps=iterations)
        return iterations

    fits = {"tfc": tfc_fit}
    try:
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.mixture import GaussianMixture
    except ImportError:
        return fits
    x64 = x.astype(np.float64)

    def sklearn_fit():
        model = GaussianMixture(CLUSTERS, covariance_type=covariance_type, max_iter=iterations, tol=0.0,
                                init_params="random_from_data", random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return model.fit(x64).n_iter_

    fits["scikit-learn"] = sklearn_fit
    return fits


def canned_models():
    fc = tf.feature_column
    x = fc.numeric_column("x", shape=4)
    word = fc.categorical_column_with_vocabulary_list("word", WORDS)
    ids = fc.categorical_column_with_hash_bucket("id", HASH_BUCKETS)
    deep = [x, fc.embedding_column(word, 4), fc.embedding_column(ids, 8)]
    return {"LinearClassifier": lambda: tf.estimator.LinearClassifier([x, word, ids], optimizer="Ftrl"),
            "DNNClassifier": lambda: tf.estimator.DNNClassifier(list(HIDDEN), deep, optimizer="Adagrad"),
            "wide & deep": lambda: tf.estimator.DNNLinearCombinedClassifier(linear_feature_columns=[x, word, ids], dnn_feature_columns=deep,
                                                                            dnn_hidden_units=list(HIDDEN))}


def examples_per_second(train_epoch, rows: int, rounds: int) -> float:
    train_epoch()
    rates = []
    for _ in range(rounds):
        start = time.perf_counter()
        train_epoch()
        rates.append(rows / (time.perf_counter() - start))
    return statistics.median(rates)


def estimator_rates(rows: int, batch_size: int, rounds: int, tf_python=None) -> None:
    features, labels, dense = table(rows)
    steps = rows // batch_size

    def input_fn():
        return tf.data.Dataset.from_tensor_slices((features, labels)).batch(batch_size)

    baselines = {}
    try:
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.linear_model import SGDClassifier
        from sklearn.neural_network import MLPClassifier

        def sklearn_epoch(model):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                model.fit(dense, labels)
        baselines = {"LinearClassifier": lambda: sklearn_epoch(SGDClassifier(loss="log_loss", max_iter=1, tol=None)),
                     "DNNClassifier": lambda: sklearn_epoch(MLPClassifier(HIDDEN, batch_size=batch_size, max_iter=1, shuffle=False))}
        baselines["wide & deep"] = baselines["DNNClassifier"]
    except ImportError:
        pass
    print(f"{rows} rows, batches of {batch_size}: training examples/s, one epoch per measure (median of {rounds})")
    tensorflow = tensorflow_rates(tf_python, rows, batch_size, rounds)
    for name, make in canned_models().items():
        rate = examples_per_second(functools.partial(make().train, input_fn, steps=steps), rows, rounds)
        line = f"{name}: tfc {rate:,.0f} examples/s"
        if name in baselines:
            reference = examples_per_second(baselines[name], rows, rounds)
            which = "SGDClassifier" if name == "LinearClassifier" else "MLPClassifier"
            line += f", scikit-learn {which} {reference:,.0f} examples/s (tfc / scikit-learn: {rate / reference:.2f}x)"
        if name in tensorflow:
            line += f", TensorFlow 2.15 {tensorflow[name]:,.0f} examples/s (tfc / TensorFlow: {rate / tensorflow[name]:.2f}x)"
        print(line)


def tensorflow_rates(tf_python, rows: int, batch_size: int, rounds: int) -> dict:
    """TensorFlow 2.15's canned estimators on the same rows, run by ``tf_python`` (None: skipped)."""
    if tf_python is None:
        return {}
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tf_estimators.py")
    command = [tf_python, "-P", script, "--rows", str(rows), "--batch-size", str(batch_size), "--rounds", str(rounds)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=3600, check=False)
    if done.returncode != 0:
        print(f"TensorFlow 2.15 run failed ({tf_python}): {done.stderr.strip().splitlines()[-1:]}")
        return {}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--tf-python", help="a Python with TensorFlow 2.15 and tensorflow-estimator, to measure its canned estimators too")
    args = parser.parse_args()
    x = points(args.points)
    cases = {"KMeans (Lloyd)": kmeans_fits(x, args.iterations),
             "GMM (full)": gmm_fits(x, args.iterations, "full"), "GMM (diag)": gmm_fits(x, args.iterations, "diag")}
    print(f"{args.points} points, {DIMENSION} dimensions, {CLUSTERS} clusters, {args.iterations} iterations per fit")
    for name, fits in cases.items():
        rates = {who: per_second(fit, args.rounds) for who, fit in fits.items()}
        line = ", ".join(f"{who} {rate:.1f} iterations/s" for who, rate in rates.items())
        ratio = f" (tfc / scikit-learn: {rates['tfc'] / rates['scikit-learn']:.2f}x)" if "scikit-learn" in rates else ""
        print(f"{name}: {line}{ratio}")
    estimator_rates(args.rows, args.batch_size, args.rounds, args.tf_python)


if __name__ == "__main__":
    main()
