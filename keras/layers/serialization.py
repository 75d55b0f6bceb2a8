"""Layers (models too: a model is a layer) as ``{"class_name", "config"}`` and back, as Keras'
``layers.serialize``/``deserialize``. Built-in classes are found among the subclasses of
:class:`~.base.Layer` defined in ``tfc.keras`` (so ``Sequential`` and ``Model``, above this module,
resolve without being imported here); any other class by ``custom_objects``, a scope or the registry.

>>> deserialize(serialize(tfc.keras.layers.Dense(3)))
<Dense name=dense>
"""

from __future__ import annotations

from ..serialization import deserialize_keras_object, get_registered_name
from .base import Layer


def serialize(layer: Layer) -> dict:
    """``{"class_name": ..., "config": layer.get_config(), "module": ...}``; the module only informs
    (a class is never imported by name from a file)."""
    cls = type(layer)
    return {"class_name": get_registered_name(cls), "config": layer.get_config(), "module": cls.__module__}


def deserialize(config: dict, custom_objects=None) -> Layer:
    """The layer (or model) ``serialize`` described; ValueError naming an unknown class and how to provide it."""
    if not isinstance(config, dict):
        raise ValueError(f"cannot load a layer from {config!r}: expected {{'class_name': ..., 'config': {{...}}}}")
    return deserialize_keras_object({"class_name": config.get("class_name"), "config": config.get("config")}, builtin_classes(),
                                    custom_objects, "layer")


def builtin_classes() -> dict[str, type]:
    """Class name -> class, for every layer and model class tfc.keras defines (imported by now)."""
    found, pending = {}, [Layer]
    while pending:
        cls = pending.pop()
        if cls.__module__.startswith("tfc.keras.") and not cls.__name__.startswith("_"):
            found.setdefault(cls.__name__, cls)
        pending.extend(cls.__subclasses__())
    return found
