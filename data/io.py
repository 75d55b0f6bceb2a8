"""``tfc.io``: TensorFlow's ``tf.io`` names for TFRecord files and ``tf.train.Example`` parsing.

>>> spec = {"image": tfc.io.FixedLenFeature([784], tfc.float32), "label": tfc.io.FixedLenFeature([], tfc.int64)}  # doctest: +SKIP
>>> dataset = tfc.data.TFRecordDataset(files).batch(64).map(lambda rs: tfc.io.parse_example(rs, spec))            # doctest: +SKIP
"""

from .example_parsing import (
    FixedLenFeature,
    FixedLenSequenceFeature,
    InvalidArgumentError,
    VarLenFeature,
    parse_example,
    parse_single_example,
)
from .sparse_tensor import SparseTensor
from .tfrecord import DataLossError, TFRecordOptions, TFRecordWriter, tf_record_iterator

__all__ = ["DataLossError", "FixedLenFeature", "FixedLenSequenceFeature", "InvalidArgumentError", "SparseTensor", "TFRecordOptions",
           "TFRecordWriter", "VarLenFeature", "parse_example", "parse_single_example", "tf_record_iterator"]
