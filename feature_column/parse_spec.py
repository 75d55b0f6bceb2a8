"""``make_parse_example_spec``: the ``tfc.io.parse_example`` spec that reads the raw features a list of
columns needs from ``tf.train.Example`` records."""

from __future__ import annotations

from .column import FeatureColumn


def make_parse_example_spec(feature_columns) -> dict:
    """``tf.feature_column.make_parse_example_spec``: ``{key: FixedLenFeature or VarLenFeature}``
    (numeric columns fixed length with their ``default_value``, categorical ones variable length).

    >>> from tfc.feature_column import numeric_column
    >>> make_parse_example_spec([numeric_column("age")])["age"].shape
    (1,)
    """
    spec: dict = {}
    for column in feature_columns:
        if not isinstance(column, FeatureColumn):
            raise ValueError(f"make_parse_example_spec: all feature_columns must be feature columns, got {column!r}")
        for key, value in column.parse_spec().items():
            if key in spec and repr(spec[key]) != repr(value):
                raise ValueError(f"make_parse_example_spec: feature '{key}' is parsed as both {spec[key]!r} and {value!r}")
            spec[key] = value
    return spec


__all__ = ["make_parse_example_spec"]
