"""``tfc.data``: TensorFlow's input pipelines (``tf.data``) over numpy arrays, feeding ``model.fit``.

``Dataset`` and its sources and transformations, ``TFRecordDataset`` (TFRecord files, checked), and
``experimental.make_csv_dataset``. See :mod:`.dataset` for how elements and functions work.
"""

from . import experimental
from .dataset import AUTOTUNE, INFINITE_CARDINALITY, UNKNOWN_CARDINALITY, Dataset
from .tfrecord import TFRecordDataset

__all__ = ["AUTOTUNE", "INFINITE_CARDINALITY", "UNKNOWN_CARDINALITY", "Dataset", "TFRecordDataset", "experimental"]
