"""Summaries in TensorFlow 1 graphs. tfc's graphs run on XLA, which holds no strings, so a graph
summary is not a string tensor: ``tf.summary.scalar(name, tensor)`` files ``(name, kind, tensor)`` in
the graph's SUMMARIES collection and returns a :class:`SummaryOp`, a dict of one entry ``{key:
tensor}``. ``merge_all()`` / ``merge()`` join them into one such dict. ``Session.run`` fetches a dict
as a dict with the same keys, so ``sess.run(merged)`` gives ``{key: array}``, which
``FileWriter.add_summary`` (or :func:`summary_from_values`) turns into a serialized ``Summary``.

This module has TensorFlow 1's signatures (``image(name, tensor, max_outputs)``), for
``tf.summary`` in ``tfc.compat.v1``; ``tfc.summary``'s TensorFlow 2 names take graph tensors too.
"""

from __future__ import annotations

import dataclasses
import time

from tensorboard.compat.proto import config_pb2, event_pb2, summary_pb2

from tfc.compat.v1 import GraphKeys, get_collection
from tfc.compat.v1 import add_to_collection as add_to_graph_collection

from . import kinds, program_graph
from .writer import SummaryWriter


@dataclasses.dataclass(frozen=True)
class SummaryKey:
    """What a fetched value becomes: its tag, kind and the kind's options (the tensor's name keeps keys apart)."""

    tag: str
    kind: str
    tensor_name: str
    options: tuple = ()


class SummaryOp(dict):
    """``{SummaryKey: graph tensor}``: fetchable with ``Session.run`` (it is a dict), hashable so the
    session keeps its compiled step."""

    __hash__ = object.__hash__

    def __eq__(self, other):
        return self is other


def graph_summary(kind: str, name: str, tensor, collections=None, **options) -> SummaryOp:
    """File a graph summary of ``kind`` in ``collections`` (default SUMMARIES) and return it."""
    if not hasattr(tensor, "name") or not hasattr(tensor, "graph"):
        raise TypeError(f"tfc.summary.{kind}: in a TF1 graph the data must be a graph tensor, got {type(tensor).__name__}")
    for key, value in options.items():
        if not isinstance(value, (int, float, str, type(None))):
            raise TypeError(f"tfc.summary.{kind}: in a TF1 graph {key} must be a Python number, got {type(value).__name__}")
    op = SummaryOp({SummaryKey(str(name), kind, tensor.name, tuple(sorted(options.items()))): tensor})
    for collection in (GraphKeys.SUMMARIES,) if collections is None else collections:
        add_to_graph_collection(collection, op)
    return op


def scalar(name, tensor, collections=None, family=None):
    """TensorFlow 1's ``tf.summary.scalar`` (in a graph)."""
    return graph_summary("scalar", name, tensor, collections)


def histogram(name, values, collections=None, family=None):
    """TensorFlow 1's ``tf.summary.histogram``: 30 buckets, as TensorFlow 2 writes them."""
    return graph_summary("histogram", name, values, collections)


def image(name, tensor, max_outputs=3, collections=None, family=None):
    """TensorFlow 1's ``tf.summary.image`` (``max_outputs`` is its third argument)."""
    return graph_summary("image", name, tensor, collections, max_outputs=max_outputs)


def audio(name, tensor, sample_rate, max_outputs=3, collections=None, family=None):
    """TensorFlow 1's ``tf.summary.audio``; ``sample_rate`` a Python number here."""
    return graph_summary("audio", name, tensor, collections, sample_rate=sample_rate, max_outputs=max_outputs)


def merge(inputs, collections=None, name=None) -> SummaryOp:
    """One fetchable summary of all ``inputs`` (SummaryOps)."""
    merged = SummaryOp()
    for item in inputs:
        if not isinstance(item, SummaryOp):
            raise TypeError(f"tfc.summary.merge: inputs must be summaries made in a graph (tfc.summary.scalar, ...), got {type(item).__name__}")
        merged.update(item)
    for collection in collections or ():
        add_to_graph_collection(collection, merged)
    return merged


def merge_all(key=GraphKeys.SUMMARIES, scope=None, name=None):
    """Every summary in the default graph's ``key`` collection merged, or None when there is none."""
    found = [item for item in get_collection(key, scope) if isinstance(item, SummaryOp)]
    return merge(found) if found else None


def summary_from_values(values) -> bytes:
    """The serialized ``Summary`` of ``sess.run(summary_op)``'s value (a ``{SummaryKey: array}`` dict)."""
    if not isinstance(values, dict) or not all(isinstance(key, SummaryKey) for key in values):
        raise TypeError(f"summary_from_values: expected the value of sess.run(merge_all()), a dict keyed by SummaryKey, got {type(values).__name__}")
    makers = {"scalar": kinds.scalar_value, "histogram": kinds.histogram_value, "image": kinds.image_value,
              "audio": kinds.audio_value, "text": kinds.text_value}
    summary = summary_pb2.Summary(value=[makers[key.kind](key.tag, value, **dict(key.options)) for key, value in values.items()])
    return summary.SerializeToString()


class FileWriter:
    """TensorFlow 1's ``tf.summary.FileWriter``: summaries (serialized, a proto or a fetched summary
    dict), graphs and events into one event file under ``logdir``."""

    def __init__(self, logdir, graph=None, max_queue=10, flush_secs=120, filename_suffix=None, **_unused):
        self._writer = SummaryWriter(logdir, max_queue=max_queue, flush_millis=flush_secs * 1000, filename_suffix=filename_suffix)
        if graph is not None:
            self.add_graph(graph)

    def get_logdir(self) -> str:
        return self._writer.logdir

    def add_summary(self, summary, global_step=None) -> None:
        if isinstance(summary, dict):
            summary = summary_from_values(summary)
        if isinstance(summary, bytes):
            summary = summary_pb2.Summary.FromString(summary)
        if not isinstance(summary, summary_pb2.Summary):
            raise TypeError("FileWriter.add_summary: summary must be a serialized Summary, a Summary or sess.run(merged)'s value; "
                            f"got {type(summary).__name__}")
        self.add_event(event_pb2.Event(summary=summary, step=0 if global_step is None else int(global_step)))

    def add_graph(self, graph, global_step=None, graph_def=None) -> None:
        """Write ``graph`` for TensorBoard's graph plugin: a TF1 Graph, a GraphDef, or any tfc
        program :func:`.program_graph.graph_def` takes (a Module, a ``Lowered``)."""
        definition = program_graph.graph_def(graph_def if graph_def is not None else graph)
        self.add_event(event_pb2.Event(graph_def=definition.SerializeToString(), step=0 if global_step is None else int(global_step)))

    def add_run_metadata(self, run_metadata, tag, global_step=None) -> None:
        """Write ``run_metadata`` (a ``RunMetadata``: per-node times and memory, e.g. from
        ``tfc.summary.run_metadata.profile``) as the ``tag`` entry of the graph plugin's "Session
        runs"; a tag already written by this writer is a ValueError (as in TensorFlow)."""
        if not isinstance(run_metadata, config_pb2.RunMetadata):
            raise TypeError(f"FileWriter.add_run_metadata: run_metadata must be a RunMetadata, got {type(run_metadata).__name__}")
        if not isinstance(tag, str) or not tag:
            raise TypeError(f"FileWriter.add_run_metadata: tag must be a non-empty string, got {tag!r}")
        tags = self.__dict__.setdefault("_session_run_tags", set())
        if tag in tags:
            raise ValueError(f"FileWriter.add_run_metadata: the tag {tag!r} was already used for this event type")
        tags.add(tag)
        tagged = event_pb2.TaggedRunMetadata(tag=tag, run_metadata=run_metadata.SerializeToString())
        self.add_event(event_pb2.Event(tagged_run_metadata=tagged, step=0 if global_step is None else int(global_step)))

    def add_event(self, event: event_pb2.Event) -> None:
        if not event.wall_time:
            event.wall_time = time.time()
        self._writer.write_event(event)

    def flush(self) -> None:
        self._writer.flush()

    def close(self) -> None:
        self._writer.close()

    def reopen(self) -> None:
        self._writer.init()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


__all__ = ["FileWriter", "SummaryKey", "SummaryOp", "audio", "graph_summary", "histogram", "image", "merge", "merge_all", "scalar",
           "summary_from_values"]
