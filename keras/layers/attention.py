"""MultiHeadAttention: tf.keras' layer with its weights' names, shapes and order (query, key, value and
output projections), so ``set_weights(keras_layer.get_weights())`` carries a Keras layer over. Each
projection is one 2-d matmul; attention over ``attention_axes`` flattens them into one axis, so
the dot products are one batched matmul whatever the rank."""

from __future__ import annotations

import math

import numpy as np

import tfc
from tfc.frontend.api import dimension_size
from tfc.frontend.tracing import current_trace
from tfc.types import DType

from ..keras_tensor import KerasTensor, is_symbolic
from .base import Layer, serialized_options
from .core import Dropout

_SLOTS = ("query", "value", "key", "attention_mask")
_MASKED = -1e9  # a masked logit: exp() of it underflows to 0, and a row masked whole stays uniform (tf.keras' Softmax)


class MultiHeadAttention(Layer):
    """Multi-head dot-product attention (Vaswani et al.), as tf.keras' ``MultiHeadAttention``.

    Example::

        mha = tfc.keras.layers.MultiHeadAttention(num_heads=2, key_dim=8)
        out, scores = mha(x, x, return_attention_scores=True)  # x [batch, time, dim]
        # out [batch, time, dim], scores [batch, 2, time, time]
    """

    def __init__(self, num_heads: int, key_dim: int, value_dim=None, dropout: float = 0.0, use_bias: bool = True, output_shape=None,
                 attention_axes=None, kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None, bias_constraint=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        for argument, given in (("num_heads", num_heads), ("key_dim", key_dim), ("value_dim", value_dim or key_dim)):
            if not isinstance(given, (int, np.integer)) or given < 1:
                raise ValueError(f"MultiHeadAttention '{self.name}': {argument} must be a positive int, got {given!r}")
        if not 0 <= dropout < 1:
            raise ValueError(f"MultiHeadAttention '{self.name}': dropout must be in [0, 1), got {dropout!r}")
        if activity_regularizer is not None:
            raise ValueError(f"MultiHeadAttention '{self.name}': activity_regularizer is not supported yet")
        self.num_heads, self.key_dim, self.value_dim = int(num_heads), int(key_dim), int(value_dim or key_dim)
        self.dropout, self.use_bias = float(dropout), use_bias
        self.output_dims = None if output_shape is None else _dims(output_shape, self.name)
        self.attention_axes = _axes_argument(attention_axes, self.name)
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        self.kernel_regularizer, self.bias_regularizer = kernel_regularizer, bias_regularizer
        self.kernel_constraint, self.bias_constraint = kernel_constraint, bias_constraint
        self.seed = seed
        self.dropout_layer = Dropout(self.dropout, seed=seed, name=f"{self.name}/dropout") if self.dropout else None
        self.call_options: dict | None = None  # the options of its call in a functional model, which the model replays
        self._compiled: dict = {}

    # ---- weights
    def build(self, query_shape, value_shape=None, key_shape=None):
        """The four projections' weights, in Keras' order; ``value_shape`` and ``key_shape`` default as
        in a self-attention call."""
        value_shape = query_shape if value_shape is None else value_shape
        key_shape = value_shape if key_shape is None else key_shape
        self._check_shapes(tuple(query_shape), tuple(value_shape), tuple(key_shape))
        heads = self.num_heads
        self.query_kernel, self.query_bias = self._projection("query", query_shape[-1], (heads, self.key_dim))
        self.key_kernel, self.key_bias = self._projection("key", key_shape[-1], (heads, self.key_dim))
        self.value_kernel, self.value_bias = self._projection("value", value_shape[-1], (heads, self.value_dim))
        out = self.output_dims or (query_shape[-1],)
        self.output_kernel = self.add_weight("attention_output/kernel", (heads, self.value_dim, *out), initializer=self.kernel_initializer,
                                             regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.output_bias = self._bias("attention_output/bias", out)
        self.build_shapes = {"query_shape": _listed(query_shape), "value_shape": _listed(value_shape), "key_shape": _listed(key_shape)}
        self.built = True

    def get_build_config(self) -> dict | None:
        """The shapes the weights were made for (Keras' form); :meth:`build_from_config` makes them again."""
        return self.build_shapes if self.built else None

    def build_from_config(self, config: dict) -> None:
        self.build(**config)

    def _projection(self, name: str, dim, out: tuple):
        kernel = self.add_weight(f"{name}/kernel", (dim, *out), initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
                                 constraint=self.kernel_constraint)
        return kernel, self._bias(f"{name}/bias", out)

    def _bias(self, name: str, shape: tuple):
        if not self.use_bias:
            return None
        return self.add_weight(name, shape, initializer=self.bias_initializer, regularizer=self.bias_regularizer,
                               constraint=self.bias_constraint)

    def _check_shapes(self, query_shape: tuple, value_shape: tuple, key_shape: tuple) -> None:
        if len(query_shape) < 3 or query_shape[-1] is None:
            raise ValueError(f"MultiHeadAttention '{self.name}': query must be [batch, ..., features] with known features, got shape {query_shape}")
        if len(value_shape) != len(query_shape) or value_shape[1:-1] != key_shape[1:-1] or len(key_shape) != len(value_shape):
            raise ValueError(f"MultiHeadAttention '{self.name}': value and key must have the query's rank and equal dimensions but the "
                             f"last, got query {query_shape}, value {value_shape}, key {key_shape}")
        self.normalized_axes(len(query_shape))

    def normalized_axes(self, rank: int) -> tuple:
        """The attention axes as axes of the projected tensors [batch, ..., heads, channels] (rank + 1):
        by default every axis between the batch and the features."""
        if self.attention_axes is None:
            return tuple(range(1, rank - 1))
        axes = tuple(sorted({a if a >= 0 else rank + a for a in self.attention_axes}))
        if not all(0 < a < rank - 1 for a in axes):
            raise ValueError(f"MultiHeadAttention '{self.name}': attention_axes {list(self.attention_axes)} must name axes between the "
                             f"batch and the features of inputs of rank {rank}")
        return axes

    # ---- calling
    def __call__(self, query, value=None, key=None, attention_mask=None, return_attention_scores=False, training=None,
                 use_causal_mask=False, mask=None):
        """``layer(query, value, key=None, attention_mask=None, ...)``, or the tensors as one list
        ``layer([query, value, key, attention_mask])`` (2 to 4 of them), which is how a functional
        model replays the call: then the options are those of the recorded call."""
        options = {"return_attention_scores": bool(return_attention_scores), "use_causal_mask": bool(use_causal_mask)}
        if isinstance(query, (list, tuple)):
            return self._call_listed(list(query), (value, key, attention_mask), options, training, mask)
        if value is None:
            raise TypeError(f"MultiHeadAttention '{self.name}': missing the value tensor (call layer(query, value))")
        tensors = dict(zip(_SLOTS, (query, value, key, attention_mask)))
        if is_symbolic(list(tensors.values())):
            return self._call_symbolic(tensors, options)
        if current_trace() is None:  # called on arrays: run it compiled, as tf.keras runs a tf.function
            return self._call_eagerly(tensors, options, training)
        if not self.built:
            self.build(tuple(query.shape), tuple(value.shape), None if key is None else tuple(key.shape))
        return self.call(query, value, key, attention_mask, **options, training=training, mask=mask)

    def _call_listed(self, tensors: list, others: tuple, options: dict, training, mask):
        if not 2 <= len(tensors) <= 4 or any(other is not None for other in others):
            raise TypeError(f"MultiHeadAttention '{self.name}': pass [query, value, key, attention_mask] (2 to 4 tensors) as one list, "
                            "or each as its own argument")
        named = dict(zip(_SLOTS, tensors))
        if not is_symbolic(tensors) and self.call_options is not None:
            options = self.call_options
        out = self(**named, **options, training=training, mask=mask)
        return list(out) if isinstance(out, tuple) else out  # a model's layer of several outputs gives a list

    def call(self, query, value, key=None, attention_mask=None, return_attention_scores=False, use_causal_mask=False,
             training=None, mask=None):
        """The attention output [batch, ..., output features] (and the attention probabilities, before
        dropout, [batch, ..., heads, query positions..., key positions...]). ``mask`` is the implicit
        mask a model passes: the query's (the value's and key's too where they are the query tensor,
        as in self-attention), or a list [query mask, value mask, key mask]."""
        key = value if key is None else key
        if not isinstance(mask, (list, tuple)):
            mask = [mask, mask if value is query else None, mask if key is query else None]
        attention_mask = self._attention_mask(query, value, mask, attention_mask, use_causal_mask)
        q = _contract(query, self.query_kernel, self.query_bias, 1)
        k = _contract(key, self.key_kernel, self.key_bias, 1)
        v = _contract(value, self.value_kernel, self.value_bias, 1)
        context, scores = self._attend(q, k, v, attention_mask, training)
        output = _contract(context, self.output_kernel, self.output_bias, 2)
        return (output, scores) if return_attention_scores else output

    def _attention_mask(self, query, value, mask, attention_mask, use_causal_mask):
        """attention_mask AND the implicit masks (query [B, T] -> [B, T, 1], value and key [B, S] ->
        [B, 1, S]) AND the causal mask [1, T, S], as booleans; None when there is none."""
        query_mask, value_mask, key_mask = (list(mask) + [None] * 3)[:3]
        parts = [_as_bool(attention_mask)]
        parts.append(None if query_mask is None else tfc.expand_dims(_as_bool(query_mask), -1))
        parts += [None if m is None else tfc.expand_dims(_as_bool(m), -2) for m in (value_mask, key_mask)]
        if use_causal_mask:
            if query.ndim != 3:
                raise ValueError(f"MultiHeadAttention '{self.name}': use_causal_mask needs inputs [batch, time, features], got rank {query.ndim}")
            parts.append(np.tril(np.ones((1, query.shape[1], value.shape[1]), bool)))
        combined = None
        for part in parts:
            if part is not None:
                combined = part if combined is None else tfc.logical_and(combined, part)
        return combined

    def _attend(self, q, k, v, attention_mask, training):
        """Softmax(q k^T / sqrt(key_dim)) v over the attention axes: ([batch, ..., heads, value_dim]
        in the query's layout, the probabilities in Keras' layout)."""
        rank = q.ndim
        axes = self.normalized_axes(rank - 1)
        batch_axes = tuple(a for a in range(rank - 1) if a not in axes)  # heads (rank - 2) among them
        order = (*batch_axes, *axes, rank - 1)
        batch = tuple(q.shape[a] for a in batch_axes)
        if batch != tuple(k.shape[a] for a in batch_axes):
            raise ValueError(f"MultiHeadAttention '{self.name}': query and key differ outside the attention axes: "
                             f"{list(q.shape[:-2])} vs {list(k.shape[:-2])}")
        targets, sources = tuple(q.shape[a] for a in axes), tuple(k.shape[a] for a in axes)
        flat_q = _gather_axes(tfc.multiply(q, 1.0 / math.sqrt(self.key_dim)), order, batch, targets)
        flat_k, flat_v = _gather_axes(k, order, batch, sources), _gather_axes(v, order, batch, sources)
        logits = tfc.matmul(flat_q, tfc.transpose(flat_k, (*range(len(batch)), len(batch) + 1, len(batch))))
        if attention_mask is not None:
            logits = tfc.where(self._broadcast_mask(attention_mask, batch, targets, sources), logits, _MASKED)
        probabilities = tfc.softmax(logits, -1)
        dropped = probabilities if self.dropout_layer is None else self.dropout_layer(probabilities, training=training)
        batch_sizes, target_sizes, source_sizes = _sizes(q, batch_axes), _sizes(q, axes), _sizes(k, axes)  # a size unknown at trace time: read at run time
        context = tfc.reshape(tfc.matmul(dropped, flat_v), (*batch_sizes, *target_sizes, v.shape[-1]))
        context = tfc.transpose(context, tuple(int(i) for i in np.argsort(order)))
        return context, tfc.reshape(probabilities, (*batch_sizes, *target_sizes, *source_sizes))

    def _broadcast_mask(self, attention_mask, batch: tuple, targets: tuple, sources: tuple):
        """The mask broadcast to the flattened logits [*batch, T, S]: missing axes are added before the
        query axes (at the heads), as Keras does."""
        full = (*batch, *targets, *sources)
        mask = tfc.constant(attention_mask) if isinstance(attention_mask, np.ndarray) else attention_mask
        while mask.ndim < len(full):
            mask = tfc.expand_dims(mask, -2 * len(targets) - 1)
        if mask.ndim != len(full) or any(m not in (1, f) for m, f in zip(mask.shape, full)):
            raise ValueError(f"MultiHeadAttention '{self.name}': attention_mask of shape {list(mask.shape)} does not broadcast to the "
                             f"attention scores {list(full)}")
        return tfc.reshape(tfc.broadcast_to(mask, full), (*batch, math.prod(targets), math.prod(sources)))

    def compute_mask(self, inputs, mask=None):
        """The query's mask (the output has the query's positions)."""
        return mask[0] if isinstance(mask, (list, tuple)) else mask

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        return (*tuple(query_shape)[:-1], *(self.output_dims or (tuple(query_shape)[-1],)))

    # ---- symbolic and eager calls
    def _call_symbolic(self, tensors: dict, options: dict):
        """Record a call on KerasTensors: its tensors, as one list [query, value, key, attention_mask]
        (the key repeating the value when only a mask follows), are the model's edges; the options
        stay on the layer, for the model's replay."""
        if tensors["key"] is None and tensors["attention_mask"] is not None:
            tensors = {**tensors, "key": tensors["value"]}
        given = [tensors[s] for s in _SLOTS if tensors[s] is not None]
        if not all(isinstance(t, KerasTensor) for t in given):
            raise TypeError(f"MultiHeadAttention '{self.name}': in a functional model every tensor passed must come from keras.Input or a layer")
        if self.call_options not in (None, options):
            raise ValueError(f"MultiHeadAttention '{self.name}': called again in a functional model with other options "
                             f"({options} after {self.call_options}); use one layer per set of options")
        self.call_options = options
        query, value = tensors["query"], tensors["value"]
        key = value if tensors["key"] is None else tensors["key"]
        if not self.built:
            self.build(query.shape, value.shape, key.shape)
        shapes = [self.compute_output_shape(query.shape)]
        if options["return_attention_scores"]:
            shapes.append(self._scores_shape(query.shape, key.shape))
        call = object()
        outputs = [KerasTensor(shape, self.dtype, layer=self, inputs=given, index=i, name=self.name, listed=True, call=call)
                   for i, shape in enumerate(shapes)]
        return tuple(outputs) if len(outputs) > 1 else outputs[0]

    def _scores_shape(self, query_shape: tuple, key_shape: tuple) -> tuple:
        rank = len(query_shape) + 1
        axes = self.normalized_axes(rank - 1)
        batch = [query_shape[a] if a < rank - 2 else self.num_heads for a in range(rank - 1) if a not in axes]
        return (*batch, *(query_shape[a] for a in axes), *(key_shape[a] for a in axes))

    def _call_eagerly(self, tensors: dict, options: dict, training):
        slots = tuple(s for s in _SLOTS if tensors[s] is not None)
        signature = (slots, tuple(options.items()), bool(training))
        if signature not in self._compiled:
            self._compiled[signature] = tfc.compile(lambda *arrays: self(**dict(zip(slots, arrays)), **options, training=bool(training)))
        out = self._compiled[signature](*[tensors[s] for s in slots])
        return tuple(np.asarray(o) for o in out) if isinstance(out, (list, tuple)) else np.asarray(out)

    # ---- configuration
    def get_config(self) -> dict:
        return {**super().get_config(), "num_heads": self.num_heads, "key_dim": self.key_dim, "value_dim": self.value_dim,
                "dropout": self.dropout, "use_bias": self.use_bias,
                "output_shape": None if self.output_dims is None else list(self.output_dims),
                "attention_axes": None if self.attention_axes is None else list(self.attention_axes), "seed": self.seed,
                **serialized_options(kernel_initializer=self.kernel_initializer, bias_initializer=self.bias_initializer,
                                     kernel_regularizer=self.kernel_regularizer, bias_regularizer=self.bias_regularizer,
                                     activity_regularizer=None, kernel_constraint=self.kernel_constraint,
                                     bias_constraint=self.bias_constraint)}


def _contract(x, kernel, bias, bound: int):
    """``x``'s last ``bound`` axes contracted with ``kernel``'s first ``bound`` (Keras' EinsumDense
    projections), plus ``bias``: one 2-d matmul."""
    lead, inner, out = tuple(x.shape[:-bound]), tuple(kernel.shape[:bound]), tuple(kernel.shape[bound:])
    flat = tfc.matmul(tfc.reshape(x, (-1, math.prod(inner))), tfc.reshape(kernel, (math.prod(inner), math.prod(out))))
    y = tfc.reshape(flat, (*_sizes(x, range(len(lead))), *out))
    return y if bias is None else tfc.add(y, bias)


def _gather_axes(x, order: tuple, batch: tuple, positions: tuple):
    """``x`` [batch, ..., heads, channels] as [*batch, positions (the attention axes flattened), channels]."""
    moved = tfc.transpose(x, order)
    return tfc.reshape(moved, (*_sizes(moved, range(len(batch))), -1, x.shape[-1]))


def _sizes(x, axes) -> list:
    """``x``'s sizes along ``axes``: ints, or i32 scalars read at run time where a dim is unknown (None)."""
    return [x.shape[a] if x.shape[a] is not None else dimension_size(x, a) for a in axes]


def _listed(shape) -> list:
    """A shape as a config holds it: a list, the batch dimension None."""
    return [None, *(None if d is None else int(d) for d in tuple(shape)[1:])]


def _as_bool(mask):
    if mask is None:
        return None
    mask = tfc.constant(mask) if isinstance(mask, np.ndarray) else mask
    return mask if mask.dtype == DType.bool else tfc.not_equal(mask, 0)


def _dims(output_shape, name: str) -> tuple:
    dims = (output_shape,) if isinstance(output_shape, (int, np.integer)) else output_shape
    if not isinstance(dims, (list, tuple)) or not dims or not all(isinstance(d, (int, np.integer)) and d > 0 for d in dims):
        raise ValueError(f"MultiHeadAttention '{name}': output_shape must be a positive int or a tuple of them, got {output_shape!r}")
    return tuple(int(d) for d in dims)


def _axes_argument(attention_axes, name: str):
    if attention_axes is None:
        return None
    axes = (attention_axes,) if isinstance(attention_axes, (int, np.integer)) else attention_axes
    if not isinstance(axes, (list, tuple)) or not axes or not all(isinstance(a, (int, np.integer)) for a in axes):
        raise ValueError(f"MultiHeadAttention '{name}': attention_axes must be an int, a list or a tuple of ints, got {attention_axes!r}")
    return tuple(int(a) for a in axes)
