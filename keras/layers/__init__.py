"""``tfc.keras.layers``: Keras' layers with tf.keras 2.x's names and arguments, traced by tfc."""

from .attention import MultiHeadAttention
from .base import Layer
from .convolutional import Conv1D, Conv2D, Conv2DTranspose, Conv3D, DepthwiseConv2D, SeparableConv2D
from .core import Activation, Dense, Dropout, Flatten, InputLayer, Lambda, Permute, Reshape
from .merging import Add, Average, Concatenate, Maximum, Minimum, Multiply, Subtract
from .normalization import BatchNormalization, LayerNormalization
from .pooling import (
    AveragePooling1D,
    AveragePooling2D,
    AveragePooling3D,
    AvgPool1D,
    AvgPool2D,
    AvgPool3D,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalAveragePooling3D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    GlobalMaxPooling3D,
    MaxPool1D,
    MaxPool2D,
    MaxPool3D,
    MaxPooling1D,
    MaxPooling2D,
    MaxPooling3D,
)
from .recurrent import GRU, LSTM, RNN, Bidirectional, Embedding, SimpleRNN
from .serialization import deserialize, serialize

__all__ = [
    "Activation", "Add", "Average", "AveragePooling1D", "AveragePooling2D", "AveragePooling3D", "AvgPool1D",
    "AvgPool2D", "AvgPool3D", "BatchNormalization", "Bidirectional", "Concatenate", "Conv1D", "Conv2D",
    "Conv2DTranspose", "Conv3D", "Dense", "DepthwiseConv2D", "Dropout", "Embedding", "Flatten", "GRU",
    "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D", "GlobalMaxPooling1D",
    "GlobalMaxPooling2D", "GlobalMaxPooling3D", "InputLayer", "LSTM", "Lambda", "Layer", "LayerNormalization",
    "MaxPool1D", "MaxPool2D", "MaxPool3D", "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "Maximum", "Minimum",
    "MultiHeadAttention", "Multiply", "Permute", "RNN", "Reshape", "SeparableConv2D", "SimpleRNN", "Subtract",
    "deserialize", "serialize",
]  # fmt: skip
