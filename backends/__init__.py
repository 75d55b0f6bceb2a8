"""Backends: ``xla`` (StableHLO through jaxlib, compiled by XLA) and ``interp`` (numpy). Everything
above the backends loads a function through :func:`load`."""

from .loader import BACKENDS, Loaded, device_put, devices, load, set_cpu_devices, stablehlo_text

__all__ = ["BACKENDS", "Loaded", "device_put", "devices", "load", "set_cpu_devices", "stablehlo_text"]
