"""tfc.feature_column's inputs (dense, ragged, SparseTensor), its errors, and its dense part's
gradients; the outputs themselves are compared with TensorFlow in test_against_tensorflow.py."""

from __future__ import annotations

import numpy as np
import pytest

import tfc
from tfc.feature_column.transform import dense_output, sorted_columns

fc = tfc.feature_column


def words():
    return fc.categorical_column_with_vocabulary_list("w", ["a", "b", "c"])


def test_ragged_sparse_and_dense_inputs_give_the_same_ids():
    ragged = {"w": [["a", "c"], ["b"]]}
    sparse = {"w": tfc.io.SparseTensor(np.array([[0, 0], [0, 1], [1, 0]]), np.array(["a", "c", "b"]), np.array([2, 2]))}
    dense = {"w": np.array([["a", "c"], ["b", ""]])}
    column = fc.indicator_column(words())
    outputs = [fc.input_layer(f, [column]) for f in (ragged, sparse, dense)]
    assert outputs[0].tolist() == [[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]]
    for out in outputs[1:]:
        np.testing.assert_array_equal(out, outputs[0])


def test_encoded_features_are_padded_ids_and_weights():
    encoded = fc.encode_features({"w": [["c"], ["a", "zz", "b"]]}, [fc.indicator_column(words())])
    assert encoded["w/ids"].tolist() == [[2, -1, -1], [0, -1, 1]]
    assert encoded["w/weights"].tolist() == [[1.0, 0.0, 0.0], [1.0, 0.0, 1.0]]
    assert encoded["w/ids"].dtype == np.int32


def test_columns_concatenate_in_name_order():
    columns = [fc.numeric_column("zeta"), fc.numeric_column("alpha", shape=2)]
    out = fc.input_layer({"zeta": np.array([9.0]), "alpha": np.array([[1.0, 2.0]])}, columns)
    assert out.tolist() == [[1.0, 2.0, 9.0]]
    assert [c.name for c in sorted_columns(columns)] == ["alpha", "zeta"]


def test_missing_feature_names_the_key_and_the_features_present():
    with pytest.raises(KeyError, match=r"feature 'age' is not in the features dict \(it has: height, weight\)"):
        fc.input_layer({"height": np.ones(2), "weight": np.ones(2)}, [fc.numeric_column("age")])


def test_unknown_dtype_is_named():
    with pytest.raises(TypeError, match="categorical_column_with_hash_bucket 'city': unknown dtype 'text'"):
        fc.categorical_column_with_hash_bucket("city", 10, dtype="text")
    with pytest.raises(TypeError, match="numeric_column 'x': dtype must be a real or integer dtype"):
        fc.numeric_column("x", dtype=tfc.string)


def test_identity_ids_out_of_range_raise_without_default_value():
    column = fc.indicator_column(fc.categorical_column_with_identity("day", 7))
    with pytest.raises(ValueError, match="categorical_column_with_identity 'day': id 9 is not below num_buckets 7"):
        fc.input_layer({"day": np.array([1, 9])}, [column])


def test_negative_identity_ids_are_dropped_without_default_value():
    column = fc.indicator_column(fc.categorical_column_with_identity("day", 3))
    assert fc.input_layer({"day": [[-2, 1], [0]]}, [column]).tolist() == [[0, 1, 0], [1, 0, 0]]


def test_identity_ids_out_of_range_take_the_default_value():
    column = fc.indicator_column(fc.categorical_column_with_identity("day", 3, default_value=2))
    assert fc.input_layer({"day": np.array([1, 5])}, [column]).tolist() == [[0, 1, 0], [0, 0, 1]]


def test_strings_for_an_identity_column_are_rejected():
    column = fc.indicator_column(fc.categorical_column_with_identity("day", 7))
    with pytest.raises(TypeError, match="categorical_column_with_identity 'day': the feature's values must be integers"):
        fc.input_layer({"day": np.array(["mon"])}, [column])


def test_missing_vocabulary_file_is_named(tmp_path):
    missing = tmp_path / "vocab.txt"
    with pytest.raises(FileNotFoundError, match=f"vocabulary_file '{missing}' does not exist"):
        fc.categorical_column_with_vocabulary_file("color", missing)


def test_vocabulary_file_shorter_than_vocabulary_size(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("a\nb\n")
    with pytest.raises(ValueError, match=r"vocabulary_size 5 is not in \[1, 2\]"):
        fc.categorical_column_with_vocabulary_file("w", path, vocabulary_size=5)


def test_integer_vocabulary_file(tmp_path):
    path = tmp_path / "ids.txt"
    path.write_text("10\n20\n")
    column = fc.categorical_column_with_vocabulary_file("n", path, dtype=tfc.int64, num_oov_buckets=1)
    assert fc.encode_features({"n": np.array([20, 10])}, [fc.indicator_column(column)])["n/ids"].tolist() == [[1], [0]]


def test_default_value_with_oov_buckets_is_refused():
    with pytest.raises(ValueError, match="default_value \\(3\\) and num_oov_buckets \\(2\\) cannot both be given"):
        fc.categorical_column_with_vocabulary_list("w", ["a"], default_value=3, num_oov_buckets=2)


def test_crossing_a_hash_bucket_column_is_refused():
    with pytest.raises(ValueError, match="categorical_column_with_hash_bucket 'city' is not supported for crossing"):
        fc.crossed_column([fc.categorical_column_with_hash_bucket("city", 10), "day"], 100)


def test_nested_crosses_are_flattened():
    inner = fc.crossed_column(["a", "b"], 50)
    outer = fc.crossed_column([inner, "c"], 50)
    flat = fc.crossed_column(["a", "b", "c"], 50)
    features = {"a": np.array(["x", "y"]), "b": np.array([1, 2]), "c": np.array(["p", "q"])}
    assert outer.name == "a_X_b_X_c"
    np.testing.assert_array_equal(outer.ids(features).ids, flat.ids(features).ids)


def test_unsupported_embedding_arguments_are_named():
    with pytest.raises(ValueError, match="embedding_column 'w': max_norm is not supported"):
        fc.embedding_column(words(), 2, max_norm=1.0)
    with pytest.raises(ValueError, match="combiner must be one of mean, sum, sqrtn, got 'max'"):
        fc.embedding_column(words(), 2, combiner="max")


def test_shared_embeddings_need_equal_bucket_counts():
    other = fc.categorical_column_with_identity("n", 5)
    with pytest.raises(ValueError, match="same num_buckets, got w: 3, n: 5"):
        fc.shared_embeddings([words(), other], 2)


def test_categorical_columns_must_be_wrapped():
    with pytest.raises(ValueError, match="wrap a categorical column in an embedding_column or indicator_column"):
        fc.input_layer({"w": np.array(["a"])}, [words()])


def test_duplicate_column_names_are_refused():
    with pytest.raises(ValueError, match="duplicate feature column name"):
        fc.input_layer({"x": np.ones(1)}, [fc.numeric_column("x"), fc.numeric_column("x")])


def test_weights_must_match_the_ids_layout():
    column = fc.indicator_column(fc.weighted_categorical_column(words(), "f"))
    with pytest.raises(ValueError, match="weights 'f' have shape \\(2, 1\\), the ids of 'w' \\(2, 2\\)"):
        fc.input_layer({"w": [["a", "b"], ["c"]], "f": np.array([1.0, 2.0])}, [column])


def test_dense_features_owns_trainable_tables_shared_once():
    q = fc.categorical_column_with_identity("q", 4)
    d = fc.categorical_column_with_identity("d", 4)
    layer = fc.DenseFeatures(fc.shared_embeddings([q, d], 3) + [fc.embedding_column(q, 2)])
    out = layer({"q": np.array([1, 2]), "d": np.array([3, 3])})
    assert out.shape == (2, 8)
    assert sorted(tuple(w.shape) for w in layer.trainable_weights) == [(4, 2), (4, 3)]


def test_embedding_gradients_count_the_weighted_ids():
    column = fc.embedding_column(fc.weighted_categorical_column(words(), "f"), 2, combiner="sum")
    encoded = fc.encode_features({"w": [["a", "c", "a"], ["b"]], "f": [[1.0, 2.0, 0.5], [3.0]]}, [column])

    def loss(table, encoded):
        return tfc.reduce_sum(dense_output([column], encoded, {column.table_name: table}))

    grad = tfc.compile(tfc.grad(loss))(np.zeros((3, 2), np.float32), encoded)
    np.testing.assert_allclose(np.asarray(grad), [[1.5, 1.5], [3.0, 3.0], [2.0, 2.0]])


def test_input_layer_fills_cols_to_vars():
    column = fc.embedding_column(words(), 2)
    found: dict = {}
    fc.input_layer({"w": np.array(["a"])}, [column], cols_to_vars=found)
    assert [tuple(v.shape) for v in found[column]] == [(3, 2)]


def example(age: float, words: list[bytes], freqs: list[float]) -> bytes:
    feature = tfc.train.Feature
    return tfc.train.Example(features=tfc.train.Features(feature={
        "age": feature(float_list=tfc.train.FloatList(value=[age])),
        "w": feature(bytes_list=tfc.train.BytesList(value=words)),
        "f": feature(float_list=tfc.train.FloatList(value=freqs))})).SerializeToString()


def test_parse_spec_reads_examples_for_input_layer():
    columns = [fc.numeric_column("age", default_value=30.0),
               fc.indicator_column(fc.weighted_categorical_column(words(), "f"))]
    spec = fc.make_parse_example_spec(columns)
    assert spec["age"] == tfc.io.FixedLenFeature((1,), tfc.float32, spec["age"].default_value)
    assert spec["w"] == tfc.io.VarLenFeature(tfc.string) and spec["f"] == tfc.io.VarLenFeature(tfc.float32)
    records = np.array([example(20.0, [b"a", b"c"], [1.0, 2.0]), example(50.0, [b"b"], [0.5])], dtype=object)
    out = fc.input_layer(tfc.io.parse_example(records, spec), columns)
    assert out.tolist() == [[20.0, 1.0, 0.0, 2.0], [50.0, 0.0, 0.5, 0.0]]


def test_parse_specs_must_agree_per_key():
    with pytest.raises(ValueError, match="feature 'w' is parsed as both"):
        fc.make_parse_example_spec([fc.numeric_column("w"), words()])


def test_dense_features_feeds_keras_layers_in_one_compiled_step():
    columns = [fc.numeric_column("x"), fc.embedding_column(words(), 2, initializer=lambda shape, dtype: np.ones(shape, dtype))]
    features, dense = fc.DenseFeatures(columns), tfc.keras.layers.Dense(1, kernel_initializer="ones")
    step = tfc.compile(lambda encoded: dense(features(encoded)))
    out = step(features.encode({"x": np.array([1.0, 2.0]), "w": [["a", "b"], []]}))
    np.testing.assert_allclose(np.asarray(out), [[3.0], [2.0]])  # x + both embedding dimensions (zeros when empty)


def test_a_dataset_map_encodes_batches_for_a_compiled_step():
    columns = [fc.numeric_column("x"), fc.indicator_column(fc.categorical_column_with_vocabulary_list("c", ["a", "b"]))]
    batches = tfc.data.Dataset.from_tensor_slices({"x": np.arange(4.0), "c": np.array(["a", "b", "b", "z"])}).batch(2)
    layer = fc.DenseFeatures(columns)
    step = tfc.compile(lambda encoded: layer(encoded))
    outs = [np.asarray(step(e)).tolist() for e in batches.map(lambda f: fc.encode_features(f, columns))]
    assert outs == [[[1.0, 0.0, 0.0], [0.0, 1.0, 1.0]], [[0.0, 1.0, 2.0], [0.0, 0.0, 3.0]]]


def test_a_vocabulary_of_floats_is_refused():
    with pytest.raises(ValueError, match="'r': vocabulary_list must hold strings or integers"):
        fc.categorical_column_with_vocabulary_list("r", [0.5, 1.5])
