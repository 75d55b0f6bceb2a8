"""Training throughput of tfc's estimators against scikit-learn's, on the same points from the same start.

    python benchmarks/estimators.py [--points 100000] [--iterations 20] [--rounds 3]

Prints one line per model: tfc's iterations per second (compiled program warm: the first fit is not
timed) and scikit-learn's when it is installed (Lloyd's KMeans with n_init=1 and tol=0; GaussianMixture
with tol=0 and init_params="random_from_data", so its kmeans start is not timed), median of the rounds. tfc computes in float32, scikit-learn in
float64 (its default for these points); scikit-learn's Lloyd may stop early, so its rate uses n_iter_.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import numpy as np

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
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


if __name__ == "__main__":
    main()
