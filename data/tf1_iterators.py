"""TensorFlow 1's dataset iterators, so a Session program's input loop runs unchanged:
``dataset.make_one_shot_iterator()``, ``make_initializable_iterator()``, ``Iterator.from_structure``
and ``make_initializer``, ``get_next()``, and the ``output_types``/``output_shapes``/``output_classes``
of datasets and iterators (``tf.compat.v1.data``).

``get_next()`` adds one Placeholder per leaf of the element to the iterator's graph and registers
them as one host feed (``Graph.host_feeds``): a Session run that reads any of them first pulls the
next element from a pass over the dataset on the host and feeds its leaves. Each ``get_next()`` call
gives one element per run, however many of its tensors the run fetches (TensorFlow's IteratorGetNext
op runs once per run); the end of the data is ``tf.errors.OutOfRangeError``. An initializer is a
NoOp registered as a host action that starts a fresh pass. Passes belong to the Session, as the
iterator resource does in TensorFlow: a new Session starts a one-shot iterator from the beginning.
"""

from __future__ import annotations

import functools
import threading

from tfc.compat.v1 import array_ops, errors_ns
from tfc.compat.v1.dtypes_ns import as_dtype
from tfc.compat.v1.graph import get_default_graph
from tfc.compat.v1.tensor import Tensor, TensorShape
from tfc.frontend.tensor_spec import TensorSpec
from tfc.types import STRING

from . import structure

NOT_INITIALIZED = ("GetNext() failed because the iterator has not been initialized. Ensure that you have run the initializer "
                   "operation for this iterator before getting the next element.")
NO_INITIALIZER = ("The iterator does not have an initializer. This means it was likely created using `tf.data.Dataset.make_one_shot_iterator()`. "
                  "For an initializable iterator, use `tf.data.Dataset.make_initializable_iterator()` instead.")


class Pass:
    """One pass over a dataset in one Session: its elements as lists of leaves, one at a time."""

    def __init__(self, dataset):
        self.elements = dataset.node.elements()
        self.source = iter(self.elements)
        self.done = False

    def next_leaves(self) -> list | None:
        """The next element's leaves; None once the pass has ended (and from then on)."""
        if not self.done:
            try:
                return structure.flatten(next(self.source))
            except StopIteration:
                self.done = True
                self.close()
        return None

    def close(self) -> None:
        if hasattr(self.elements, "close"):
            self.elements.close()  # stops the pipeline's threads now


class GetNext:
    """The host feed of one ``get_next()`` call: its placeholders, fed one element per run."""

    def __init__(self, iterator: Iterator, tensors: list[Tensor], node: str):
        self.iterator = iterator
        self.names = [t.name for t in tensors]
        self.op = tensors[0].op
        self.node = node  # the name errors give (TensorFlow's IteratorGetNext op's)

    def pull(self, state: dict) -> list:
        return self.iterator.next_leaves(state, self)


class Iterator:
    """``tf.compat.v1.data.Iterator``: made by ``make_one_shot_iterator``, ``make_initializable_iterator``
    or :meth:`from_structure`, in the default graph; its ``get_next()`` tensors are read in a Session."""

    def __init__(self, graph, element_spec, one_shot=None, initializable=None):
        self.graph = graph
        self._spec = element_spec
        self._one_shot = one_shot  # the dataset a one-shot iterator passes over, once per Session
        self._lock = threading.Lock()
        self._initializer = None if initializable is None else self.make_initializer(initializable, name="MakeIterator")

    @staticmethod
    def from_structure(output_types, output_shapes=None, shared_name=None, output_classes=None) -> Iterator:
        """An iterator of elements of this structure, not bound to a dataset: ``make_initializer(dataset)``
        gives the op that (re)starts it over ``dataset`` (switching between training and validation data)."""
        spec = _spec_of(output_types, output_shapes)
        return Iterator(get_default_graph(), spec)

    @property
    def initializer(self):
        """The op that starts the iterator over its dataset again (an initializable iterator's)."""
        if self._initializer is None:
            raise ValueError(NO_INITIALIZER)
        return self._initializer

    def make_initializer(self, dataset, name=None):
        """An op that starts this iterator over ``dataset`` (whose elements must have the iterator's
        structure and types, and compatible shapes)."""
        _check_compatible(self._spec, dataset.element_spec)
        with self.graph.as_default():
            op = array_ops.no_op(name=name or "make_initializer")
        self.graph.host_actions[op.name] = functools.partial(self._start, dataset)
        return op

    def get_next(self, name=None):
        """The next element, as tensors of the iterator's graph (one Placeholder per leaf, fed by the
        Session: each run that reads them advances the iterator by one element)."""
        leaves = structure.flatten(self._spec)
        if any(spec.dtype == STRING for spec in leaves):
            raise TypeError(f"get_next: the elements {structure.map_structure(_text, self._spec)} hold strings, which a tfc graph cannot "
                            "hold (tf.string tensors are not supported in Session graphs): map them to numbers in the dataset")
        with self.graph.as_default():
            if len(leaves) == 1:
                tensors = [_placeholder(leaves[0], name or "IteratorGetNext")]
                node = tensors[0].op.name
            else:
                with self.graph.name_scope(name or "IteratorGetNext") as scope:
                    tensors = [_placeholder(spec, f"component_{i}") for i, spec in enumerate(leaves)]
                node = scope.rstrip("/")
        feed = GetNext(self, tensors, node)
        for tensor in tensors:
            self.graph.host_feeds[tensor.op.name] = feed
        return structure.unflatten(self._spec, tensors)

    def next_leaves(self, state: dict, feed: GetNext) -> list:
        """The next element's leaves in the Session whose ``state`` this is (errors as TensorFlow's)."""
        where = f"\n\t [[{{{{node {feed.node}}}}}]]"
        with self._lock:
            current = state.get(self)
            if current is None:
                if self._one_shot is None:
                    raise errors_ns.FailedPreconditionError(feed.op.node_def, feed.op, NOT_INITIALIZED + where)
                current = state[self] = Pass(self._one_shot)
            leaves = current.next_leaves()
        if leaves is None:
            raise errors_ns.OutOfRangeError(feed.op.node_def, feed.op, "End of sequence" + where)
        return leaves

    def _start(self, dataset, state: dict) -> None:
        with self._lock:
            previous = state.get(self)
            if previous is not None:
                previous.close()
            state[self] = Pass(dataset)

    @property
    def element_spec(self):
        return self._spec

    @property
    def output_types(self):
        return get_output_types(self)

    @property
    def output_shapes(self):
        return get_output_shapes(self)

    @property
    def output_classes(self):
        return get_output_classes(self)


def make_one_shot_iterator(dataset) -> Iterator:
    """An iterator over ``dataset`` that starts by itself at a Session's first read, and cannot restart."""
    return Iterator(get_default_graph(), dataset.element_spec, one_shot=dataset)


def make_initializable_iterator(dataset, shared_name=None) -> Iterator:
    """An iterator over ``dataset`` whose ``initializer`` must run first (and restarts it)."""
    return Iterator(get_default_graph(), dataset.element_spec, initializable=dataset)


def get_output_types(dataset_or_iterator):
    """The dtypes of the elements' leaves, in the elements' structure."""
    return structure.map_structure(lambda spec: spec.dtype, dataset_or_iterator.element_spec)


def get_output_shapes(dataset_or_iterator):
    """The static shapes (TensorShapes) of the elements' leaves, in the elements' structure."""
    return structure.map_structure(lambda spec: TensorShape(spec.shape), dataset_or_iterator.element_spec)


def get_output_classes(dataset_or_iterator):
    """The class of each leaf as ``get_next()`` gives it: a graph Tensor."""
    return structure.map_structure(lambda spec: Tensor, dataset_or_iterator.element_spec)


def _placeholder(spec, name: str) -> Tensor:
    return array_ops.placeholder(spec.dtype, None if spec.shape is None else list(spec.shape), name=name)


def _spec_of(output_types, output_shapes):
    """TensorSpecs from ``output_types`` and ``output_shapes``, the shapes read up to the types'
    structure (so a shape may be a tuple or list); None: unknown shapes."""
    if structure.is_structure(output_types):
        keys = list(output_types) if isinstance(output_types, dict) else list(range(len(output_types)))
        fits = output_shapes is None or (isinstance(output_shapes, dict) == isinstance(output_types, dict)
                                         and isinstance(output_shapes, (tuple, list, dict)) and len(output_shapes) == len(keys))
        if not fits:
            raise ValueError(f"output_shapes {output_shapes!r} does not have the structure of output_types {output_types!r}")
        parts = [_spec_of(output_types[k], None if output_shapes is None else output_shapes[k]) for k in keys]
        if isinstance(output_types, dict):
            return dict(zip(keys, parts))
        return type(output_types)(*parts) if hasattr(output_types, "_fields") else tuple(parts)
    dims = None if output_shapes is None else getattr(output_shapes, "dims", output_shapes)
    return TensorSpec(None if dims is None else tuple(None if d is None else int(d) for d in dims), as_dtype(output_types))


def _check_compatible(spec, dataset_spec) -> None:
    """TensorFlow's checks of ``make_initializer``: the same structure (else ValueError), the same
    dtypes and compatible shapes (else TypeError)."""
    if not structure.same_structure(spec, dataset_spec):
        raise ValueError(f"Expected output structure {structure.map_structure(_text, spec)} but got a dataset with "
                        f"structure {structure.map_structure(_text, dataset_spec)}.")
    types, got = structure.flatten(spec), structure.flatten(dataset_spec)
    if any(a.dtype != b.dtype for a, b in zip(types, got)):
        raise TypeError(f"Expected output types {[a.dtype for a in types]} but got dataset with output types {[b.dtype for b in got]}.")
    if not all(_shapes_compatible(a.shape, b.shape) for a, b in zip(types, got)):
        raise TypeError(f"Expected output shapes compatible with {[TensorShape(a.shape) for a in types]} but got dataset with output "
                        f"shapes {[TensorShape(b.shape) for b in got]}.")


def _shapes_compatible(a, b) -> bool:
    if a is None or b is None:
        return True
    return len(a) == len(b) and all(x is None or y is None or x == y for x, y in zip(a, b))


def _text(spec) -> str:
    return f"{spec.dtype}{TensorShape(spec.shape)}"


__all__ = ["Iterator", "get_output_classes", "get_output_shapes", "get_output_types", "make_initializable_iterator", "make_one_shot_iterator"]
