"""tfc.compat: TensorFlow's compatibility namespaces (``import tfc.compat.v1 as tf``)."""
