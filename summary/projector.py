"""The embedding projector: embeddings from an array or a tfc checkpoint written where TensorBoard's
projector plugin finds them (``projector_config.pbtxt`` in the logdir), with a metadata TSV (labels,
one row per point, or several named columns) and a sprite image of the points' thumbnails.

TensorBoard's plugin reads embeddings from TensorFlow checkpoints only when TensorFlow is installed;
an ``EmbeddingInfo.tensor_path`` (a TSV of the vectors) it reads without it, so that is what tfc
writes. Files are written to temporary names and renamed, the config last.

    tfc.summary.embedding("runs/words", vectors, name="word_embedding", metadata=words,
                          sprite=thumbnails)        # [n, h, w, c] images, optional
"""

from __future__ import annotations

import math
import os

import numpy as np
from google.protobuf import text_format
from tensorboard.plugins.projector import metadata as projector_metadata
from tensorboard.plugins.projector.projector_config_pb2 import EmbeddingInfo, ProjectorConfig, SpriteMetadata

from tfc.data.event_file import EventFileWriter
from tfc.files import atomic_write
from tfc.runtime.checkpoint import checkpoint_path, load

from .kinds import png

__all__ = ["EmbeddingInfo", "ProjectorConfig", "SpriteMetadata", "embedding", "visualize_embeddings"]


def visualize_embeddings(logdir, config: ProjectorConfig) -> None:
    """``projector.visualize_embeddings``: write ``config`` as the logdir's projector config."""
    logdir = getattr(logdir, "get_logdir", lambda: logdir)()
    if logdir is None:
        raise ValueError("visualize_embeddings: expected logdir to be a path, got None")
    os.makedirs(logdir, exist_ok=True)
    _write(os.path.join(os.fspath(logdir), projector_metadata.PROJECTOR_FILENAME), text_format.MessageToString(config).encode())


def embedding(logdir, values, name: str = "embedding", metadata=None, metadata_header=None, sprite=None, checkpoint=None,
              config: ProjectorConfig | None = None) -> ProjectorConfig:
    """Write embedding ``name`` under ``logdir`` for the projector and return the config written
    (``config`` extended, when given, so several embeddings share a logdir).

    ``values``: an [n, d] array, or a variable name in ``checkpoint`` (a tfc checkpoint prefix or
    file). ``metadata``: n labels, or n rows of columns named by ``metadata_header``. ``sprite``:
    n thumbnails [n, h, w, c] (uint8, or floats in [0, 1]) tiled into one PNG."""
    vectors = _vectors(values, checkpoint, name)
    logdir = os.fspath(logdir)
    os.makedirs(logdir, exist_ok=True)
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in name)
    info = EmbeddingInfo(tensor_name=name, tensor_shape=list(vectors.shape), tensor_path=f"{safe}.tsv")
    _write(os.path.join(logdir, info.tensor_path), _tsv(vectors))
    if metadata is not None:
        info.metadata_path = f"{safe}_metadata.tsv"
        _write(os.path.join(logdir, info.metadata_path), _metadata_tsv(metadata, metadata_header, len(vectors)))
    if sprite is not None:
        image, (height, width) = _sprite(sprite, len(vectors))
        info.sprite.CopyFrom(SpriteMetadata(image_path=f"{safe}_sprite.png", single_image_dim=[width, height]))
        _write(os.path.join(logdir, info.sprite.image_path), png(image))
    config = ProjectorConfig() if config is None else config
    kept = [e for e in config.embeddings if e.tensor_name != name]
    del config.embeddings[:]
    config.embeddings.extend([*kept, info])
    visualize_embeddings(logdir, config)
    _ensure_event_file(logdir)
    return config


def _ensure_event_file(logdir: str) -> None:
    """TensorBoard knows a run by its event file; the projector looks for its config in known runs."""
    if not any(".tfevents." in entry for entry in os.listdir(logdir)):
        EventFileWriter(logdir).close()


def _vectors(values, checkpoint, name: str) -> np.ndarray:
    if checkpoint is not None:
        saved = load(checkpoint_path(checkpoint))
        if values not in saved:
            raise ValueError(f"embedding {name!r}: checkpoint {checkpoint} has no variable {values!r} (it has {sorted(saved)[:10]})")
        values = saved[values]
    array = np.asarray(values)
    if array.ndim != 2 or array.dtype.kind not in "biuf" or 0 in array.shape:
        raise ValueError(f"embedding {name!r}: values must be a non-empty [n, d] array of numbers, got shape {array.shape} dtype {array.dtype}")
    return array.astype(np.float32)


def _tsv(vectors: np.ndarray) -> bytes:
    return "".join("\t".join(repr(float(v)) for v in row) + "\n" for row in vectors).encode()


def _metadata_tsv(metadata, header, count: int) -> bytes:
    rows = [list(map(str, row)) if header is not None else [str(row)] for row in metadata]
    if len(rows) != count:
        raise ValueError(f"embedding metadata has {len(rows)} rows, but there are {count} points")
    if header is not None and any(len(row) != len(header) for row in rows):
        raise ValueError(f"embedding metadata rows must each have {len(header)} columns (metadata_header {list(header)})")
    if any("\t" in cell or "\n" in cell for row in rows for cell in row):
        raise ValueError("embedding metadata must not hold tabs or newlines")
    lines = ([["\t".join(map(str, header))]] if header is not None else []) + [["\t".join(row)] for row in rows]
    return "".join(line[0] + "\n" for line in lines).encode()


def _sprite(images, count: int) -> tuple[np.ndarray, tuple[int, int]]:
    """The thumbnails tiled row by row into one square-ish image (TensorBoard's sprite layout)."""
    array = np.asarray(images)
    if array.ndim != 4 or array.shape[0] != count or array.shape[-1] not in (1, 3, 4):
        raise ValueError(f"embedding sprite must be [n={count}, h, w, c] with c in 1, 3, 4, got shape {array.shape}")
    if array.dtype != np.uint8:
        array = (np.clip(array.astype(np.float32), 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    side = math.ceil(math.sqrt(count))
    height, width, channels = array.shape[1:]
    sheet = np.zeros((side * height, side * width, channels), np.uint8)
    for index, image in enumerate(array):
        row, col = divmod(index, side)
        sheet[row * height:(row + 1) * height, col * width:(col + 1) * width] = image
    return sheet, (height, width)


def _write(path: str, content: bytes) -> None:
    with atomic_write(path) as f:
        f.write(content)
