"""``tfc.data``: TensorFlow's input pipelines (``tf.data``) over numpy arrays, feeding ``model.fit``.

``Dataset`` and its sources and transformations, ``TFRecordDataset`` (TFRecord files, checked), and
``experimental.make_csv_dataset``. See :mod:`.dataset` for how elements and functions work.
"""

from . import experimental
from .dataset import AUTOTUNE, INFINITE_CARDINALITY, UNKNOWN_CARDINALITY, Dataset
from .tf1_iterators import Iterator, get_output_classes, get_output_shapes, get_output_types, make_initializable_iterator, make_one_shot_iterator
from .tfrecord import TFRecordDataset

__all__ = ["AUTOTUNE", "INFINITE_CARDINALITY", "UNKNOWN_CARDINALITY", "Dataset", "Iterator", "TFRecordDataset", "experimental", "get_output_classes",
           "get_output_shapes", "get_output_types", "make_initializable_iterator", "make_one_shot_iterator"]
