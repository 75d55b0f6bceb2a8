"""Write tests/data/toolkit/forest.npz: two standard synthetic tasks split train/test and scikit-learn's
random forests' test scores on them, which tests/toolkit/test_tensor_forest.py compares
tfc.toolkit.TensorForestEstimator with (run by hand with scikit-learn installed; neither tfc nor its
tests import scikit-learn).

    /tmp/skenv/bin/python scripts/generate_forest_reference.py

- classification: ``make_classification(n_samples=2000, n_features=10, n_informative=5,
  random_state=0)``, the first 1500 rows of a seeded permutation to train, the rest to test;
  ``RandomForestClassifier(n_estimators=NUM_TREES, max_depth=MAX_DEPTH)`` test accuracy for
  random_state 0..SEEDS-1 (their mean is what the test compares with: one seed's figure moves by
  about a point).
- regression: ``make_friedman1(n_samples=2000, noise=1.0, random_state=0)`` (10 features, 5 used),
  split the same way; ``RandomForestRegressor`` test R² for the same seeds.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import sklearn
from sklearn.datasets import make_classification, make_friedman1
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "toolkit" / "forest.npz"
NUM_TREES = 20
MAX_DEPTH = 6
SEEDS = 5
NUM_TRAIN = 1500


def split(x, y):
    order = np.random.default_rng(0).permutation(len(x))
    x, y = x[order].astype(np.float32), y[order]
    return x[:NUM_TRAIN], y[:NUM_TRAIN], x[NUM_TRAIN:], y[NUM_TRAIN:]


def main() -> None:
    x, y = make_classification(n_samples=2000, n_features=10, n_informative=5, random_state=0)
    cx, cy, cx_test, cy_test = split(x, y.astype(np.int32))
    accuracies = [RandomForestClassifier(n_estimators=NUM_TREES, max_depth=MAX_DEPTH, random_state=seed).fit(cx, cy).score(cx_test, cy_test)
                  for seed in range(SEEDS)]
    x, y = make_friedman1(n_samples=2000, noise=1.0, random_state=0)
    rx, ry, rx_test, ry_test = split(x, y.astype(np.float32))
    r2 = [RandomForestRegressor(n_estimators=NUM_TREES, max_depth=MAX_DEPTH, random_state=seed).fit(rx, ry).score(rx_test, ry_test)
          for seed in range(SEEDS)]
    np.savez_compressed(OUT, classification_x=cx, classification_y=cy, classification_x_test=cx_test,
                        classification_y_test=cy_test, classification_accuracy=np.array(accuracies),
                        regression_x=rx, regression_y=ry, regression_x_test=rx_test, regression_y_test=ry_test,
                        regression_r2=np.array(r2), num_trees=np.int32(NUM_TREES), max_depth=np.int32(MAX_DEPTH),
                        sklearn_version=np.array(sklearn.__version__))
    print(f"accuracy {np.mean(accuracies):.4f} {np.round(accuracies, 4)}; R2 {np.mean(r2):.4f} {np.round(r2, 4)}")


if __name__ == "__main__":
    main()
