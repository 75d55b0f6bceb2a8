"""Backends: ``xla`` (StableHLO through jaxlib, compiled by XLA) and ``interp`` (numpy). Everything
above the backends loads a function through :func:`load`."""

from .loader import (
    BACKENDS,
    Loaded,
    broadcast_from_chief,
    device_put,
    devices,
    dispatcher,
    global_devices,
    initialize_distributed,
    load,
    load_replicated,
    process_count,
    process_index,
    set_cpu_devices,
    stablehlo_text,
)

__all__ = ["BACKENDS", "Loaded", "broadcast_from_chief", "device_put", "devices", "dispatcher", "global_devices", "initialize_distributed", "load",
           "load_replicated", "process_count", "process_index", "set_cpu_devices", "stablehlo_text"]
