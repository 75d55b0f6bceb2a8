"""tfc.summary.embedding / projector.visualize_embeddings: the files TensorBoard's projector reads
(its own config parser and TSV reader read them back), from arrays or a tfc checkpoint."""

from __future__ import annotations

import os

import numpy as np
import pytest
from google.protobuf import text_format
from tensorboard.plugins.projector.projector_plugin import _read_tensor_tsv_file

import tfc
from tfc.runtime.checkpoint import save
from tfc.summary import projector


def read_config(logdir) -> projector.ProjectorConfig:
    return text_format.Parse((logdir / "projector_config.pbtxt").read_text(), projector.ProjectorConfig())


def test_embeddings_from_arrays_and_checkpoints_share_a_config(tmp_path):
    vectors = np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32)
    save(tmp_path / "model.ckpt-1", {"emb/table": vectors * 2})
    config = tfc.summary.embedding(tmp_path, vectors, name="a", metadata=[("x", 1), ("y", 2), ("z", 3), ("w", 4), ("v", 5)],
                                   metadata_header=["letter", "number"])
    tfc.summary.embedding(tmp_path, "emb/table", name="b", checkpoint=tmp_path / "model.ckpt-1", config=config)
    written = read_config(tmp_path)
    assert [e.tensor_name for e in written.embeddings] == ["a", "b"]
    np.testing.assert_allclose(_read_tensor_tsv_file(str(tmp_path / written.embeddings[0].tensor_path)), vectors, rtol=1e-6)
    np.testing.assert_allclose(_read_tensor_tsv_file(str(tmp_path / written.embeddings[1].tensor_path)), vectors * 2, rtol=1e-6)
    assert (tmp_path / "a_metadata.tsv").read_text().splitlines()[:2] == ["letter\tnumber", "x\t1"]
    assert not [name for name in os.listdir(tmp_path) if name.endswith(".tmp") or name.startswith(".")]


def test_visualize_embeddings_writes_the_given_config(tmp_path):
    config = projector.ProjectorConfig()
    config.embeddings.add(tensor_name="words", metadata_path="labels.tsv")
    projector.visualize_embeddings(str(tmp_path), config)
    assert read_config(tmp_path).embeddings[0].metadata_path == "labels.tsv"


def test_bad_embeddings_are_named(tmp_path):
    with pytest.raises(ValueError, match=r"values must be a non-empty \[n, d\] array"):
        tfc.summary.embedding(tmp_path, np.zeros(4), name="flat")
    with pytest.raises(ValueError, match="metadata has 2 rows, but there are 3 points"):
        tfc.summary.embedding(tmp_path, np.zeros((3, 2)), metadata=["a", "b"])
    with pytest.raises(ValueError, match="has no variable 'missing'"):
        save(tmp_path / "c", {"x": np.zeros((2, 2))})
        tfc.summary.embedding(tmp_path, "missing", checkpoint=tmp_path / "c")
    with pytest.raises(ValueError, match=r"sprite must be \[n=3, h, w, c\]"):
        tfc.summary.embedding(tmp_path, np.zeros((3, 2)), sprite=np.zeros((2, 4, 4, 1)))
