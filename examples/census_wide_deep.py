"""A census-style wide & deep classifier: does a person earn over $50k? The wide part memorizes
crosses of categorical columns (education x occupation), the deep part generalizes through
embeddings and numeric columns; trained together with ``tfc.estimator.DNNLinearCombinedClassifier``
on a synthetic table, against a linear-only and a baseline model.

The wide & deep model is then exported as a SavedModel whose signature takes the raw features
(strings included; the columns' lookups run on the host), ready for ``tfc serve``.

    python examples/census_wide_deep.py
"""

from __future__ import annotations

import tempfile

import numpy as np

import tfc as tf

EDUCATION = ["Bachelors", "HS-grad", "Masters", "Doctorate", "Some-college", "11th"]
OCCUPATIONS = [f"occupation-{i}" for i in range(30)]
fc = tf.feature_column


def census_table(rows: int, seed: int) -> tuple[dict, np.ndarray]:
    """Income over $50k from age (peaking mid-career), hours, education, and an occupation x
    education interaction only a cross (or a deep model) can capture."""
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 70, rows).astype(np.float32)
    hours = np.clip(rng.normal(40, 10, rows), 5, 80).astype(np.float32)
    education = rng.integers(len(EDUCATION), size=rows)
    occupation = rng.integers(len(OCCUPATIONS), size=rows)
    interaction = np.random.default_rng(7).normal(0, 1.5, (len(EDUCATION), len(OCCUPATIONS)))
    score = (-((age - 48) / 15) ** 2 + (hours - 40) / 15 + np.array([1, -1, 1.5, 2, 0, -2])[education]
             + interaction[education, occupation] + rng.logistic(0, 0.5, rows))
    features = {"age": age, "hours_per_week": hours, "education": np.array(EDUCATION)[education],
                "occupation": np.array(OCCUPATIONS)[occupation]}
    return features, (score > 0.3).astype(np.int64)


def columns():
    education = fc.categorical_column_with_vocabulary_list("education", EDUCATION)
    occupation = fc.categorical_column_with_hash_bucket("occupation", 50)
    age = fc.numeric_column("age", normalizer_fn=lambda x: (x - 45) / 15)
    hours = fc.numeric_column("hours_per_week", normalizer_fn=lambda x: (x - 40) / 10)
    age_buckets = fc.bucketized_column(fc.numeric_column("age"), [25, 30, 35, 40, 45, 50, 55, 60, 65])
    wide = [education, occupation, age_buckets, fc.crossed_column([education, "occupation"], 500)]
    deep = [age, hours, fc.embedding_column(education, 4), fc.embedding_column(occupation, 8)]
    return wide, deep


def input_fn(features, labels, batch_size, repeat):
    def make():
        dataset = tf.data.Dataset.from_tensor_slices((features, labels))
        return (dataset.shuffle(len(labels), seed=0).repeat() if repeat else dataset).batch(batch_size)
    return make


def export_and_check(model, features: dict, export_dir: str) -> float:
    """Export ``model`` (raw features in, strings as DT_STRING), load it, and return the largest
    difference of its probabilities from ``model.predict``'s on ``features``."""
    receiver = tf.estimator.export.build_raw_serving_input_receiver_fn({key: value[:1] for key, value in features.items()})
    path = model.export_saved_model(export_dir, receiver)
    served = tf.saved_model.load(path).signatures["serving_default"](**features)
    predicted = next(model.predict(lambda: features, yield_single_examples=False))
    difference = float(np.max(np.abs(served["probabilities"] - predicted["probabilities"])))
    if difference > 1e-5:
        raise RuntimeError(f"the exported model's probabilities differ from predict's by {difference}")
    return difference


def main(steps: int = 1500, rows: int = 8000, verbose: bool = True) -> dict:
    """Train the three models; returns {name: evaluation results on held-out rows}."""
    train, train_labels = census_table(rows, seed=0)
    test, test_labels = census_table(rows // 4, seed=1)
    wide, deep = columns()
    config = tf.estimator.RunConfig(tf_random_seed=0)
    models = {
        "baseline": tf.estimator.BaselineClassifier(optimizer="Adam", config=config),
        "linear (wide)": tf.estimator.LinearClassifier(wide, optimizer="Ftrl", config=config),
        "wide & deep": tf.estimator.DNNLinearCombinedClassifier(linear_feature_columns=wide, dnn_feature_columns=deep,
                                                                dnn_hidden_units=[64, 32], dnn_optimizer="Adam", config=config),
    }
    results = {}
    for name, model in models.items():
        model.train(input_fn(train, train_labels, 256, repeat=True), steps=steps)
        results[name] = model.evaluate(input_fn(test, test_labels, 1000, repeat=False))
        if verbose:
            r = results[name]
            print(f"{name:>14}: accuracy {r['accuracy']:.3f}  auc {r['auc']:.3f}  precision {r['precision']:.3f}  recall {r['recall']:.3f}")
    with tempfile.TemporaryDirectory() as export_dir:
        rows = {key: value[:8] for key, value in test.items()}
        results["wide & deep"]["export_difference"] = export_and_check(models["wide & deep"], rows, export_dir)
    if verbose:
        print(f"exported wide & deep: probabilities within {results['wide & deep']['export_difference']:.1e} of predict's")
    return results


if __name__ == "__main__":
    main()
