"""``tfc.summary``: TensorBoard summaries with TensorFlow 2's ``tf.summary`` names, written eagerly to
event files by a background thread (:mod:`.writer`) in the plugins' own formats (:mod:`.kinds`); in a
TensorFlow 1 graph the same calls file graph summaries for ``merge_all`` and ``FileWriter`` (:mod:`.tf1`).
"""

from __future__ import annotations

import types

import numpy as np
from tensorboard.compat.proto import summary_pb2
from tensorboard.util.tensor_util import make_tensor_proto

from tfc.compat.v1 import get_default_graph
from tfc.compat.v1.tensor import builds_graph
from tfc.frontend import summaries as compiled_summaries
from tfc.frontend.tracing import current_trace

from . import compiled, kinds, projector, run_metadata, tf1, trace
from .projector import embedding
from .tf1 import FileWriter, SummaryKey, SummaryOp, graph_summary, merge, merge_all, summary_from_values
from .trace import trace_export, trace_off, trace_on
from .writer import NoopWriter, SummaryWriter, state


def create_file_writer(logdir, max_queue=None, flush_millis=None, filename_suffix=None, name=None) -> SummaryWriter:
    """A writer of one new event file under ``logdir`` (created; an unwritable one is a PermissionError)."""
    return SummaryWriter(logdir, max_queue=max_queue, flush_millis=flush_millis, filename_suffix=filename_suffix, name=name)


def create_noop_writer() -> NoopWriter:
    """A writer that writes nothing (``as_default`` with it turns summaries off in the block)."""
    return NoopWriter()


def write(tag, tensor, step=None, metadata=None, name=None):
    """Write ``tensor`` as summary ``tag`` with ``metadata`` (a SummaryMetadata, or its serialized bytes)
    as it is: the generic form the kinds use; True when written."""
    if current_trace() is not None:
        raise NotImplementedError("tfc.summary.write inside @tfc.compile is not supported by this path yet")
    if metadata is not None and not isinstance(metadata, (bytes, summary_pb2.SummaryMetadata)):
        raise TypeError(f"tfc.summary.write: metadata must be a SummaryMetadata or bytes, got {type(metadata).__name__}")
    if isinstance(metadata, bytes):
        metadata = summary_pb2.SummaryMetadata.FromString(metadata)
    step = _recording_step("write", step)
    if step is None:
        return False
    value = summary_pb2.Summary.Value(tag=str(tag), metadata=metadata, tensor=make_tensor_proto(np.asarray(_host(tensor))))
    state().writer.write_values([value], step)
    return True


def scalar(name, data, step=None, description=None, collections=None):
    """Record a scalar; True when written (a default writer and recording on), else False."""
    return _summary("scalar", name, data, step, collections, description=description)


def image(name, data, step=None, max_outputs=3, description=None, collections=None):
    """Record up to ``max_outputs`` images ([k, h, w, c], c in 1, 3, 4; uint8 or float in [0, 1]) as PNGs."""
    return _summary("image", name, data, step, collections, max_outputs=max_outputs, description=description)


def audio(name, data, sample_rate, step=None, max_outputs=3, encoding=None, description=None, collections=None):
    """Record up to ``max_outputs`` clips ([k, t, c] floats in [-1, 1]) as 16-bit WAV at ``sample_rate``."""
    return _summary("audio", name, data, step, collections, sample_rate=sample_rate, max_outputs=max_outputs, encoding=encoding,
                    description=description)


def histogram(name, data, step=None, buckets=None, description=None, collections=None):
    """Record ``data``'s histogram: ``buckets`` (30) equal-width buckets, TensorBoard's rule."""
    return _summary("histogram", name, data, step, collections, buckets=buckets, description=description)


def text(name, data, step=None, description=None, collections=None):
    """Record a string (or a tensor of strings), shown as Markdown by the text plugin."""
    return _summary("text", name, data, step, collections, description=description)


_MAKERS = {"scalar": kinds.scalar_value, "image": kinds.image_value, "audio": kinds.audio_value,
           "histogram": kinds.histogram_value, "text": kinds.text_value}


def _summary(kind: str, name, data, step, collections, **options):
    """The one path of every kind: a trace (not yet), a TF1 graph (a graph summary), else written now."""
    if not isinstance(name, str) or not name:
        raise TypeError(f"tfc.summary.{kind}: name must be a non-empty string, got {name!r}")
    if current_trace() is not None:
        return compiled.record(kind, name, data, step, options)
    if builds_graph((data,), {}):
        return graph_summary(kind, name, data, collections, **{k: v for k, v in options.items() if k != "description" and v is not None})
    step = _recording_step(kind, step)
    if step is None:
        return False
    state().writer.write_values([_MAKERS[kind](_scoped(name), _host(data), **options)], step)
    return True


def _scoped(name: str) -> str:
    """TensorFlow 2's tag: a summary written inside ``tfc.name_scope("train")`` is ``train/loss``."""
    scope = get_default_graph().get_name_scope()
    return f"{scope}/{name}" if scope else name


def _recording_step(kind: str, step):
    """The step to write at, or None when nothing is recorded (no default writer, condition false)."""
    current = state()
    if current.writer is None or not should_record_summaries():
        return None
    step = current.step if step is None else step
    if step is None:
        raise ValueError(f"tfc.summary.{kind}: step is None: pass step= or set one with tfc.summary.experimental.set_step "
                         "or writer.as_default(step=...)")
    return int(step)


def graph(graph_data, *example_args, **example_kwargs) -> bool:
    """``tf.summary.graph``: write a program's graph (see ``SummaryWriter.add_graph``) with the default
    writer; False when there is none or recording is off."""
    current = state()
    if current.writer is None or not should_record_summaries():
        return False
    current.writer.add_graph(graph_data, *example_args, step=current.step or 0, **example_kwargs)
    return True


_COMPILED_MAKERS = {**_MAKERS, "histogram_counts": kinds.histogram_counts_value}


def _write_compiled(names, values) -> None:
    """The summary sink: what compiled functions recorded, written after each call that recorded them
    (``should_record_summaries()`` was true just before it)."""
    compiled.write_delivered(names, values, state(), _COMPILED_MAKERS)



def _host(data):
    """An eager tfc value as numpy (anything array-like passes through)."""
    numpy = getattr(data, "numpy", None)
    return numpy() if callable(numpy) else data


def flush(writer=None, name=None) -> None:
    """Flush ``writer`` (default: the default writer) to disk."""
    writer = state().writer if writer is None else writer
    if writer is not None:
        writer.flush()


class record_if:
    """Within the block, summaries are written only when ``condition`` (a bool or a callable) is true."""

    def __init__(self, condition):
        if not (callable(condition) or isinstance(condition, bool) or hasattr(condition, "__bool__")):
            raise TypeError(f"tfc.summary.record_if: condition must be a bool or a callable, got {type(condition).__name__}")
        self.condition = condition

    def __enter__(self):
        current = state()
        self._saved, current.condition = current.condition, self.condition
        return self

    def __exit__(self, *exc):
        state().condition = self._saved


def should_record_summaries() -> bool:
    """Whether a summary written now would be recorded (a default writer, not a no-op one, and a true condition)."""
    current = state()
    condition = current.condition() if callable(current.condition) else current.condition
    return current.writer is not None and not isinstance(current.writer, NoopWriter) and bool(condition)


def _get_step():
    return state().step


def _set_step(step) -> None:
    state().step = None if step is None else int(step)


experimental = types.SimpleNamespace(get_step=_get_step, set_step=_set_step)

compiled_summaries.add_sink(_write_compiled, should_record_summaries)

__all__ = [
    "FileWriter",
    "NoopWriter",
    "SummaryKey",
    "SummaryOp",
    "SummaryWriter",
    "audio",
    "create_file_writer",
    "create_noop_writer",
    "embedding",
    "experimental",
    "flush",
    "graph",
    "histogram",
    "image",
    "merge",
    "merge_all",
    "projector",
    "record_if",
    "run_metadata",
    "scalar",
    "should_record_summaries",
    "summary_from_values",
    "text",
    "tf1",
    "trace",
    "trace_export",
    "trace_off",
    "trace_on",
    "write",
]
