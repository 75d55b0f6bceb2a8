"""Compiler options a module carries to its backend, as a module attribute so the IR text shows them.

A pass that knows what a backend compiles well records its choice here (``backend-lowering`` on
CPU: convolutions to Eigen rather than YNNPACK); the XLA backend reads it and sets those XLA debug
options (``env_option_overrides``, what jax's ``compiler_options`` set) when it compiles the module::

    "builtin.module"() ({...}) {tfc.xla_options = {xla_cpu_experimental_ynn_fusion_type = "-individual_convolution"}}
"""

from __future__ import annotations

from .attributes import DictAttr, StringAttr
from .ir import Module

XLA_OPTIONS = "tfc.xla_options"


def xla_options(module: Module) -> dict[str, str]:
    """The XLA debug options ``module`` asks for (flag name without ``--`` -> value)."""
    attribute = module.op.attributes.get(XLA_OPTIONS)
    return {} if attribute is None else {name: str(value) for name, value in attribute.value.items()}


def set_xla_option(module: Module, name: str, value: str) -> None:
    """Ask the backend to compile ``module`` with XLA debug option ``name`` set to ``value``."""
    options = xla_options(module) | {name: value}
    module.op.attributes[XLA_OPTIONS] = DictAttr(tuple((k, StringAttr(v)) for k, v in sorted(options.items())))
