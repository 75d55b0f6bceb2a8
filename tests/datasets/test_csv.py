"""tfc.data.experimental.make_csv_dataset: column types inferred as TensorFlow infers them,
defaults for missing values, labels, selection, and errors naming the file and line."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

import tfc

make_csv_dataset = tfc.data.experimental.make_csv_dataset

ROWS = "age,height,name,label\n30,1.75,ann,1\n41,,bob,0\n,1.60,cy,1\n"


@pytest.fixture
def csv_file(tmp_path):
    path = tmp_path / "people.csv"
    path.write_text(ROWS)
    return path


def test_batches_of_features_and_labels_with_inferred_types(csv_file):
    ds = make_csv_dataset(str(csv_file), batch_size=2, label_name="label", num_epochs=1, shuffle=False)
    batches = list(ds)
    assert len(batches) == 2
    features, label = batches[0]
    assert list(features) == ["age", "height", "name"]
    assert features["age"].dtype == np.int32 and features["height"].dtype == np.float32 and features["name"].dtype == object
    assert features["age"].tolist() == [30, 41] and features["height"].tolist() == pytest.approx([1.75, 0.0])
    assert features["name"].tolist() == [b"ann", b"bob"] and label.tolist() == [1, 0]
    last_features, last_label = batches[1]
    assert last_features["age"].tolist() == [0] and last_label.tolist() == [1]  # missing values take the default


def test_column_defaults_select_columns_and_required_values(csv_file):
    ds = make_csv_dataset(str(csv_file), batch_size=3, select_columns=["age", "label"], column_defaults=[-1, 0],
                          label_name="label", num_epochs=1, shuffle=False)
    features, label = next(iter(ds))
    assert list(features) == ["age"] and features["age"].tolist() == [30, 41, -1] and label.tolist() == [1, 0, 1]
    required = make_csv_dataset(str(csv_file), batch_size=3, column_defaults=[tfc.int32, 0.0, "", 0], num_epochs=1, shuffle=False)
    with pytest.raises(ValueError, match=r"people\.csv:4: column 'age': a value is required"):
        list(required)


def test_repeat_and_shuffle(csv_file):
    ds = make_csv_dataset(str(csv_file), batch_size=2, num_epochs=None, shuffle_seed=3)
    ages = [int(a) for features in ds.take(6) for a in features["age"]]
    assert sorted(ages[:3]) == [0, 30, 41] and len(ages) == 12
    assert ds.cardinality() == tfc.data.INFINITE_CARDINALITY


def test_gzip_and_files_without_header(tmp_path):
    path = tmp_path / "plain.csv.gz"
    with gzip.open(path, "wt") as stream:
        stream.write("1,2.5\n3,4.5\n")
    ds = make_csv_dataset(str(path), batch_size=4, column_names=["a", "b"], header=False, compression_type="GZIP", num_epochs=1, shuffle=False)
    batch = next(iter(ds))
    assert batch["a"].tolist() == [1, 3] and batch["b"].tolist() == [2.5, 4.5]


def test_bad_input_names_the_file_and_line(tmp_path, csv_file):
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n3\n")
    with pytest.raises(ValueError, match=r"bad\.csv:3: expected 2 fields, found 1"):
        list(make_csv_dataset(str(bad), batch_size=1, num_epochs=1, shuffle=False))
    assert len(list(make_csv_dataset(str(bad), batch_size=1, num_epochs=1, shuffle=False, ignore_errors=True))) == 1
    with pytest.raises(ValueError, match="label_name 'nope'"):
        make_csv_dataset(str(csv_file), batch_size=1, label_name="nope")
    with pytest.raises(ValueError, match="no files match"):
        make_csv_dataset(str(tmp_path / "missing*.csv"), batch_size=1)
    typed = tmp_path / "typed.csv"
    typed.write_text("a\n1\nx\n")
    with pytest.raises(ValueError, match=r"typed\.csv:3: column 'a': 'x' is not a int32"):
        list(make_csv_dataset(str(typed), batch_size=1, num_epochs=1, shuffle=False, column_defaults=[0]))
