"""Pooling layers: Max/AveragePooling1D-3D and Global{Max,Average}Pooling1D-3D."""

from __future__ import annotations

import tfc

from .base import Layer
from .convolutional import int_tuple, nn_data_format


class Pooling(Layer):
    """``kind`` ("max" or "avg") pooling over ``rank`` spatial dimensions; ``strides`` default to
    ``pool_size``, as in Keras."""

    rank, kind = 2, "max"

    def __init__(self, pool_size=2, strides=None, padding: str = "valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        where = f"{type(self).__name__} '{self.name}'"
        self.pool_size = int_tuple(pool_size, self.rank, "pool_size", where)
        self.strides = self.pool_size if strides is None else int_tuple(strides, self.rank, "strides", where)
        if padding.lower() not in ("valid", "same"):
            raise ValueError(f"{where}: padding must be 'valid' or 'same', got {padding!r}")
        self.padding, self.data_format = padding.lower(), data_format or "channels_last"

    def call(self, inputs):
        pool = tfc.nn.max_pool if self.kind == "max" else tfc.nn.avg_pool
        return pool(inputs, self.pool_size, self.strides, self.padding.upper(), nn_data_format(self.data_format, self.rank))

    def get_config(self):
        return {**super().get_config(), "pool_size": list(self.pool_size), "strides": list(self.strides), "padding": self.padding,
                "data_format": self.data_format}


class GlobalPooling(Layer):
    """The max or mean over every spatial dimension (``keepdims`` keeps them as size 1)."""

    kind = "avg"

    def __init__(self, data_format=None, keepdims: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.data_format, self.keepdims = data_format or "channels_last", keepdims

    def call(self, inputs):
        axes = tuple(range(1, inputs.ndim - 1)) if self.data_format == "channels_last" else tuple(range(2, inputs.ndim))
        reduce = tfc.max if self.kind == "max" else tfc.mean
        return reduce(inputs, axes, keepdims=self.keepdims)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format, "keepdims": self.keepdims}


def _pooling(name: str, rank: int, kind: str) -> type:
    return type(name, (Pooling,), {"rank": rank, "kind": kind, "__doc__": f"Keras' {name}."})


def _global(name: str, kind: str) -> type:
    return type(name, (GlobalPooling,), {"kind": kind, "__doc__": f"Keras' {name}."})


MaxPooling1D, MaxPooling2D, MaxPooling3D = (_pooling(f"MaxPooling{r}D", r, "max") for r in (1, 2, 3))
AveragePooling1D, AveragePooling2D, AveragePooling3D = (_pooling(f"AveragePooling{r}D", r, "avg") for r in (1, 2, 3))
GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D = (_global(f"GlobalMaxPooling{r}D", "max") for r in (1, 2, 3))
GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalAveragePooling3D = (_global(f"GlobalAveragePooling{r}D", "avg") for r in (1, 2, 3))
MaxPool1D, MaxPool2D, MaxPool3D = MaxPooling1D, MaxPooling2D, MaxPooling3D
AvgPool1D, AvgPool2D, AvgPool3D = AveragePooling1D, AveragePooling2D, AveragePooling3D
