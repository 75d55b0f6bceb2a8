"""Write TensorFlow's op schemas (its registered OpDefs, documentation stripped) to
``frontend/tf/tf_op_defs.pb.gz``, the data :mod:`tfc.frontend.tf.op_schema` checks GraphDef nodes against.

Runs in a separate environment that has TensorFlow (tfc itself never imports it):

    python3 -m venv /tmp/tfenv && /tmp/tfenv/bin/pip install tensorflow-cpu==2.21.0
    /tmp/tfenv/bin/python scripts/generate_tf_op_defs.py

The output is deterministic (ops sorted by name, gzip without a timestamp).
"""

from __future__ import annotations

import gzip
from pathlib import Path

import tensorflow as tf
from tensorflow.core.framework import op_def_pb2
from tensorflow.python.client import pywrap_tf_session as c_api

OUT = Path(__file__).resolve().parents[1] / "frontend" / "tf" / "tf_op_defs.pb.gz"


def registered_ops() -> op_def_pb2.OpList:
    ops = op_def_pb2.OpList()
    ops.ParseFromString(c_api.TF_GetBuffer(c_api.TF_GetAllOpList()))
    return ops


def without_docs(op: op_def_pb2.OpDef) -> op_def_pb2.OpDef:
    op.ClearField("summary")
    op.ClearField("description")
    for arg in [*op.input_arg, *op.output_arg]:
        arg.ClearField("description")
    for attr in op.attr:
        attr.ClearField("description")
    return op


def main() -> None:
    ops = sorted((without_docs(op) for op in registered_ops().op), key=lambda op: op.name)
    data = op_def_pb2.OpList(op=ops).SerializeToString(deterministic=True)
    tmp = OUT.with_name(OUT.name + ".tmp")
    tmp.write_bytes(gzip.compress(data, compresslevel=9, mtime=0))
    tmp.replace(OUT)
    print(f"{OUT}: {len(ops)} ops from TensorFlow {tf.__version__}")


if __name__ == "__main__":
    main()
