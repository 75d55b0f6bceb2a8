"""``tfc.compat.v1.summary``: TensorFlow 1's ``tf.compat.v1.summary`` (graph summaries that
``Session.run`` fetches, ``merge_all``, ``FileWriter``, the protos), so TF1 programs that write
TensorBoard summaries run by changing the import. The functions are :mod:`.tf1`'s.

>>> import tfc.compat.v1 as tf
>>> loss = tf.reduce_mean(tf.square(x - y))                                     # doctest: +SKIP
>>> tf.summary.scalar("loss", loss); merged = tf.summary.merge_all()            # doctest: +SKIP
>>> writer = tf.summary.FileWriter("logs", sess.graph)                          # doctest: +SKIP
>>> writer.add_summary(sess.run(merged, feed_dict), global_step=step)           # doctest: +SKIP
"""

from __future__ import annotations

import os
import threading

from tensorboard.compat.proto.event_pb2 import Event, SessionLog, TaggedRunMetadata
from tensorboard.compat.proto.summary_pb2 import Summary, SummaryDescription, SummaryMetadata

from .tf1 import FileWriter, audio, histogram, image, merge, merge_all, scalar


class FileWriterCache:
    """TensorFlow 1's ``FileWriterCache``: one shared ``FileWriter`` per logdir (what estimators and
    hooks of one process write through)."""

    _writers: dict[str, FileWriter] = {}
    _lock = threading.Lock()

    @staticmethod
    def get(logdir) -> FileWriter:
        key = os.path.abspath(os.fspath(logdir))
        with FileWriterCache._lock:
            writer = FileWriterCache._writers.get(key)
            if writer is None:
                writer = FileWriterCache._writers[key] = FileWriter(key)
            return writer

    @staticmethod
    def clear() -> None:
        """Close and forget every cached writer."""
        with FileWriterCache._lock:
            writers, FileWriterCache._writers = list(FileWriterCache._writers.values()), {}
        for writer in writers:
            writer.close()


__all__ = ["Event", "FileWriter", "FileWriterCache", "SessionLog", "Summary", "SummaryDescription", "SummaryMetadata",
           "TaggedRunMetadata", "audio", "histogram", "image", "merge", "merge_all", "scalar"]
