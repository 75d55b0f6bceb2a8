"""Write the graphs benchmarks/import.py times that TensorFlow must build (run by hand, with
TensorFlow installed; neither tfc nor its tests import TensorFlow).

- ``benchmarks/data/keras_lstm_text.pb``: a Keras text classifier (Embedding with mask_zero, LSTM,
  Dense sigmoid) traced for ``[None, None]`` token ids and frozen (functional While + TensorList),
  as a Keras model is usually exported; ``keras_lstm_text.json`` names its feed and fetch.

    /tmp/tfenv/bin/python scripts/generate_benchmark_graphs.py
"""

from __future__ import annotations

import json
from pathlib import Path

import tensorflow as tf
from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

OUT = Path(__file__).resolve().parent.parent / "benchmarks" / "data"
VOCAB, EMBED, UNITS = 2000, 32, 64


def keras_lstm_text() -> tuple:
    import keras

    keras.utils.set_random_seed(0)
    tokens = keras.Input((None,), dtype="int32", name="tokens")
    x = keras.layers.Embedding(VOCAB, EMBED, mask_zero=True, name="embed")(tokens)
    x = keras.layers.LSTM(UNITS, name="lstm")(x)
    model = keras.Model(tokens, keras.layers.Dense(1, activation="sigmoid", name="out")(x))
    concrete = tf.function(lambda t: model(t)).get_concrete_function(tf.TensorSpec([None, None], tf.int32, name="tokens"))
    frozen = convert_variables_to_constants_v2(concrete, lower_control_flow=False)
    return frozen.graph.as_graph_def(), {"feeds": ["tokens:0"], "fetches": [t.name for t in frozen.outputs],
                                         "vocab": VOCAB, "description": "Keras Embedding(mask_zero)+LSTM+Dense text classifier, frozen"}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    graph, info = keras_lstm_text()
    (OUT / "keras_lstm_text.pb").write_bytes(graph.SerializeToString())
    (OUT / "keras_lstm_text.json").write_text(json.dumps(info, indent=1) + "\n")
    print(f"keras_lstm_text: {len(graph.node)} nodes, {len(graph.library.function)} functions")


if __name__ == "__main__":
    main()
