"""The seed's housing regression, written as the seed wrote it: contrib feature columns and
``tf.contrib.learn``'s LinearRegressor and DNNRegressor with ``fit``/``evaluate``, on a synthetic
housing table (square feet, rooms, zip code) whose price the model has to recover.

    python examples/housing.py
"""

from __future__ import annotations

import numpy as np

import tfc as tf

ZIP_CODES = 20


def housing_table(rows: int, seed: int) -> tuple[dict, np.ndarray]:
    """Price (in $1000s) = 0.2 * square feet + 15 * rooms + a premium per zip code + noise."""
    rng = np.random.default_rng(seed)
    sqft = rng.uniform(500, 3500, rows).astype(np.float32)
    rooms = np.clip(np.round(sqft / 600 + rng.normal(0, 1, rows)), 1, 8).astype(np.float32)
    zip_code = rng.integers(ZIP_CODES, size=rows)
    premium = np.linspace(-100, 100, ZIP_CODES)[np.random.default_rng(99).permutation(ZIP_CODES)]
    price = 0.2 * sqft + 15 * rooms + premium[zip_code] + rng.normal(0, 10, rows)
    features = {"sqft": sqft / 1000, "rooms": rooms, "zip": zip_code.astype(np.int64)}  # square feet in thousands
    return features, (price / 100).astype(np.float32)  # price in $100k


def input_fn(features: dict, prices: np.ndarray, batch_size: int, repeat: bool):
    def make():
        dataset = tf.data.Dataset.from_tensor_slices((features, prices))
        return (dataset.shuffle(len(prices), seed=0).repeat() if repeat else dataset).batch(batch_size)
    return make


def main(steps: int = 2000, rows: int = 2000, verbose: bool = True) -> dict:
    """Train both regressors; returns {name: root mean squared error on held-out houses, in $1000s}."""
    train, train_prices = housing_table(rows, seed=0)
    test, test_prices = housing_table(rows // 4, seed=1)
    layers = tf.contrib.layers
    sqft, rooms = layers.real_valued_column("sqft"), layers.real_valued_column("rooms")
    zip_code = layers.sparse_column_with_integerized_feature("zip", bucket_size=ZIP_CODES)
    regressors = {
        "LinearRegressor": tf.contrib.learn.LinearRegressor(feature_columns=[sqft, rooms, zip_code], optimizer="Adam"),
        "DNNRegressor": tf.contrib.learn.DNNRegressor(hidden_units=[32, 16], feature_columns=[sqft, rooms, layers.embedding_column(zip_code, 4)],
                                                      optimizer="Adam", config=tf.estimator.RunConfig(tf_random_seed=0)),
    }
    errors = {"predict the mean price": float(np.sqrt(np.mean((test_prices - train_prices.mean()) ** 2))) * 100}
    for name, regressor in regressors.items():
        regressor.fit(input_fn=input_fn(train, train_prices, 128, repeat=True), steps=steps)
        results = regressor.evaluate(input_fn=input_fn(test, test_prices, len(test_prices), repeat=False), steps=1)
        errors[name] = float(np.sqrt(results["average_loss"])) * 100
    if verbose:
        for name, error in errors.items():
            print(f"{name:>24}: RMSE ${error:7.1f}k on {len(test_prices)} held-out houses")
    return errors


if __name__ == "__main__":
    main()
