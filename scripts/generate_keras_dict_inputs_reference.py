"""Write the tf.keras (Keras 2.15) reference that tests/keras/test_dict_inputs.py compares tfc.keras's
dict inputs against: ``tests/data/keras/dict_inputs.json`` (names, orders, messages, histories) and
``dict_inputs.npz`` (inputs, initial and final weights, predictions). Run it by hand where TensorFlow
2.15 is installed, outside the repository (its keras/ would shadow Keras):

    cd /tmp && /tmp/tf215env/bin/python -P /work/main/scripts/generate_keras_dict_inputs_reference.py

Cases:
- ``dict_model``: a functional model over a dict of three Inputs whose keys differ from the Inputs'
  names (one fed 1-D, as a DataFrame column is), SGD ``fit`` without shuffling with validation_split.
- ``features``: ``DenseFeatures`` over numeric and bucketized columns on a dict of Inputs, then Dense
  layers; its output for fixed features, and Adam ``fit`` on a dict of arrays.
- ``messages``: Keras' error for a missing key and its warning for extra keys.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import tensorflow as tf

keras = tf.keras
OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "keras"
RNG = np.random.default_rng(2024)


def dict_model():
    age, city, score = keras.Input((1,), name="age"), keras.Input((2,), name="city"), keras.Input((3,), name="score")
    joined = keras.layers.Concatenate(name="joined")([score, age, city])
    hidden = keras.layers.Dense(4, activation="tanh", name="hidden")(joined)
    out = keras.layers.Dense(1, name="out")(hidden)
    return keras.Model(inputs={"zage": age, "city": city, "b_score": score}, outputs=out, name="dict_model")


def dict_model_case(arrays: dict) -> dict:
    model = dict_model()
    x = {"zage": RNG.normal(size=(20,)).astype(np.float32), "city": RNG.normal(size=(20, 2)).astype(np.float32),
         "b_score": RNG.normal(size=(20, 3)).astype(np.float32)}
    y = (x["zage"] + x["city"].sum(1) - x["b_score"][:, 0]).astype(np.float32).reshape(-1, 1)
    arrays.update({f"dict_model/x/{k}": v for k, v in x.items()}, **{"dict_model/y": y})
    weights = model.get_weights()
    arrays.update({f"dict_model/initial{i}": w for i, w in enumerate(weights)})
    arrays["dict_model/predict"] = model.predict(x, batch_size=8, verbose=0)
    model.compile(keras.optimizers.SGD(0.05), "mse")
    history = model.fit(x, y, batch_size=8, epochs=2, shuffle=False, validation_split=0.25, verbose=0)
    arrays.update({f"dict_model/final{i}": w for i, w in enumerate(model.get_weights())})
    return {"inputs": [t.name.split(":")[0] for t in model.inputs], "input_names": model.input_names,
            "layers": [layer.name for layer in model.layers], "weights": len(weights), "history": history.history}


def feature_columns():
    age = tf.feature_column.numeric_column("age")
    income = tf.feature_column.numeric_column("income", shape=2)
    return [income, age, tf.feature_column.bucketized_column(age, [30.0, 50.0])]


def features_case(arrays: dict) -> dict:
    inputs = {"age": keras.Input((1,), name="age"), "income": keras.Input((2,), name="income")}
    dense = keras.layers.DenseFeatures(feature_columns(), name="features")(inputs)
    hidden = keras.layers.Dense(5, activation="relu", name="hidden")(dense)
    model = keras.Model(inputs, keras.layers.Dense(1, name="out")(hidden))
    x = {"age": RNG.uniform(18, 70, size=(32, 1)).astype(np.float32), "income": RNG.normal(size=(32, 2)).astype(np.float32)}
    y = ((x["age"][:, 0] > 40) * 1.0 + x["income"][:, 1]).astype(np.float32)
    arrays.update({f"features/x/{k}": v for k, v in x.items()}, **{"features/y": y})
    arrays["features/dense"] = keras.Model(inputs, dense).predict(x, verbose=0)
    weights = model.get_weights()
    arrays.update({f"features/initial{i}": w for i, w in enumerate(weights)})
    model.compile(keras.optimizers.Adam(0.01), "mse")
    history = model.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
    arrays.update({f"features/final{i}": w for i, w in enumerate(model.get_weights())})
    arrays["features/predict"] = model.predict(x, verbose=0)
    return {"weights": len(weights), "history": history.history, "layers": [layer.name for layer in model.layers]}


def messages() -> dict:
    model = dict_model()
    model.compile("sgd", "mse")
    try:
        model.fit({"zage": np.ones((4, 1), np.float32)}, np.ones((4, 1), np.float32), verbose=0)
    except ValueError as err:
        missing = str(err).strip().splitlines()[-1].strip()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.predict({"zage": np.ones((2, 1)), "city": np.ones((2, 2)), "b_score": np.ones((2, 3)), "extra": np.ones((2, 1))}, verbose=0)
    extra = next(str(w.message) for w in caught if "did not match" in str(w.message))
    return {"missing": missing, "extra": extra}


def main() -> None:
    keras.utils.set_random_seed(7)
    arrays: dict = {}
    cases = {"dict_model": dict_model_case(arrays), "features": features_case(arrays), "messages": messages()}
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "dict_inputs.json").write_text(json.dumps({"tensorflow": tf.__version__, "cases": cases}, indent=1) + "\n")
    np.savez_compressed(OUT / "dict_inputs.npz", **arrays)
    print(json.dumps(cases, indent=1))


if __name__ == "__main__":
    main()
