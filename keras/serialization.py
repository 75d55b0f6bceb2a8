"""Keras objects as plain data and back: ``{"class_name": ..., "config": {...}}`` for objects with a
``get_config`` (initializers, regularizers, constraints, layers, optimizers), a name for functions
(activations, a loss's function).

A saved file names classes and functions, so loading must find them again. Built-in ones come from
the table each module passes (``module_objects``); anything else must be named by ``custom_objects``,
an enclosing :class:`custom_object_scope`, or :func:`register_keras_serializable` (as in Keras).
Nothing is imported by name from a file: an unknown name is an error that says how to provide it.

>>> @register_keras_serializable(package="my_package")
... class Scaled(tfc.keras.initializers.Initializer): ...
>>> get_registered_name(Scaled)
'my_package>Scaled'
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping

_registered: dict[str, object] = {}  # "package>Name" -> class or function (register_keras_serializable)
_scopes = threading.local()  # each thread's stack of custom_object_scope dictionaries


def register_keras_serializable(package: str = "Custom", name: str | None = None) -> Callable:
    """A decorator making a class or function loadable by the name ``"package>name"`` (default
    ``"Custom>ClassName"``) without ``custom_objects``."""
    if "/" in package or ">" in package:
        raise ValueError(f"register_keras_serializable: package {package!r} must not contain '/' or '>'")

    def decorator(obj):
        key = f"{package}>{name or obj.__name__}"
        if isinstance(obj, type) and "get_config" not in dir(obj):
            raise ValueError(f"register_keras_serializable: class {obj.__name__} needs a get_config() method to be serializable")
        _registered[key] = obj
        return obj

    return decorator


def get_registered_name(obj) -> str:
    """The name ``obj`` (a class or function) is saved under: its registered name, else its ``__name__``."""
    for key, value in _registered.items():
        if value is obj:
            return key
    return obj.__name__


class custom_object_scope:  # Keras spells it in lower case
    """``with custom_object_scope({"MyLayer": MyLayer}):`` makes those names loadable inside the block
    (in this thread), as ``custom_objects=`` would."""

    def __init__(self, *scopes: Mapping | None):
        self.objects = {k: v for scope in scopes for k, v in (scope or {}).items()}

    def __enter__(self):
        stack = getattr(_scopes, "stack", None)
        if stack is None:
            stack = _scopes.stack = []
        stack.append(self.objects)
        return self

    def __exit__(self, *exc):
        _scopes.stack.pop()


CustomObjectScope = custom_object_scope


def get_registered_object(name: str, custom_objects: Mapping | None = None, module_objects: Mapping | None = None):
    """What ``name`` stands for: from ``custom_objects``, the enclosing scopes (innermost first), the
    registered objects, then ``module_objects`` (the built-ins); None when none has it."""
    tables = [custom_objects or {}, *reversed(getattr(_scopes, "stack", None) or []), _registered, module_objects or {}]
    for table in tables:
        if name in table:
            return table[name]
    return None


def serialize_keras_object(obj):
    """``{"class_name": ..., "config": obj.get_config()}`` for an object, the name of a function, None for None."""
    if obj is None:
        return None
    if hasattr(obj, "get_config"):
        return {"class_name": get_registered_name(type(obj)), "config": obj.get_config()}
    name = get_registered_name(obj) if callable(obj) and hasattr(obj, "__name__") else None
    if not name or name == "<lambda>":
        raise ValueError(f"cannot serialize {obj!r}: only objects with get_config() and named functions can be saved "
                         "(a lambda cannot; define a function and pass it in custom_objects when loading)")
    return name


def deserialize_keras_object(identifier, module_objects: Mapping, custom_objects: Mapping | None = None, kind: str = "object"):
    """The object ``identifier`` describes: a name (the class called without arguments, or the
    function), or ``{"class_name", "config"}`` (the class' ``from_config(config)``). ``kind`` names
    what is being loaded in errors ("initializer", "layer", ...)."""
    if isinstance(identifier, Mapping):
        if "class_name" not in identifier or not isinstance(identifier.get("config", {}), Mapping):
            raise ValueError(f"cannot load {kind} from {dict(identifier)!r}: expected {{'class_name': ..., 'config': {{...}}}}")
        cls = _lookup(identifier["class_name"], module_objects, custom_objects, kind)
        config = dict(identifier.get("config") or {})
        return cls.from_config(config) if hasattr(cls, "from_config") else cls(**config)
    if isinstance(identifier, str):
        found = _lookup(identifier, module_objects, custom_objects, kind)
        return found() if isinstance(found, type) else found
    raise ValueError(f"cannot load {kind} from {identifier!r}: expected a name or {{'class_name': ..., 'config': {{...}}}}")


def _lookup(name: str, module_objects: Mapping, custom_objects: Mapping | None, kind: str):
    found = get_registered_object(name, custom_objects, module_objects)
    if found is None:
        raise ValueError(f"unknown {kind} {name!r}: pass it in custom_objects={{{name!r}: ...}}, load inside "
                         "tfc.keras.saving.custom_object_scope, or register it with @tfc.keras.saving.register_keras_serializable()")
    return found
