"""Matrix factorization of a synthetic ratings matrix with ``WALSMatrixFactorization``: users rate
about 10% of the items (a rank-5 taste model plus noise, ratings 1 to 5); WALS fits the centered
training ratings (each fit one compiled program), and its RMSE on held-out ratings is compared with
predicting the mean rating. Then the same model is trained through the estimator interface, one
sweep per step, and evaluated on the held-out ratings.

    python examples/wals_ratings.py
"""

from __future__ import annotations

import numpy as np

from tfc.toolkit.wals import WALSMatrixFactorization

USERS, ITEMS, TASTES = 300, 200, 5


def ratings(seed: int = 0) -> dict:
    """Observed (user, item, rating) triples split 80/20 into training and held-out ratings."""
    rng = np.random.default_rng(seed)
    scores = rng.standard_normal((USERS, TASTES)) @ rng.standard_normal((TASTES, ITEMS)) / np.sqrt(TASTES)
    users, items = np.nonzero(rng.random((USERS, ITEMS)) < 0.1)
    values = np.clip(np.round(3 + scores[users, items] + rng.normal(0, 0.3, users.size)), 1, 5).astype(np.float32)
    held_out = rng.random(users.size) < 0.2
    split = lambda keep: (users[keep].astype(np.int32), items[keep].astype(np.int32), values[keep])
    return {"train": split(~held_out), "test": split(held_out)}


def rmse(predicted, actual) -> float:
    return float(np.sqrt(np.mean((predicted - actual) ** 2)))


def main(iterations: int = 15, verbose: bool = True) -> dict:
    data = ratings()
    users, items, values = data["train"]
    test_users, test_items, test_values = data["test"]
    mean = float(values.mean())
    model = WALSMatrixFactorization(USERS, ITEMS, TASTES, unobserved_weight=0.01, regularization_coeff=1.0)
    model.fit(users, items, values - mean, iterations=iterations)
    results = {
        "mean rating": rmse(np.full_like(test_values, mean), test_values),
        "WALS (fit)": rmse(model.predict(test_users, test_items) + mean, test_values),
    }
    estimator = WALSMatrixFactorization(USERS, ITEMS, TASTES, unobserved_weight=0.01, regularization_coeff=1.0)
    features = lambda u, i: {WALSMatrixFactorization.ROW: u, WALSMatrixFactorization.COL: i}
    estimator.train(lambda: (features(users, items), values - mean), steps=iterations)
    evaluation = estimator.evaluate(lambda: (features(test_users, test_items), test_values - mean))
    results["WALS (estimator)"] = float(evaluation["rmse"])
    if verbose:
        print(f"{users.size} training ratings, {test_users.size} held out ({USERS} users x {ITEMS} items)")
        for name, value in results.items():
            print(f"{name:>18}: held-out RMSE {value:.3f}")
    return results


if __name__ == "__main__":
    main()
