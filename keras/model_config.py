"""A Sequential or functional model's architecture as plain data (what ``model.get_config()`` gives and
``Model.from_config`` rebuilds), in Keras 3's layout, which TensorBoard's graph plugin also reads.

A Sequential model: ``{"name", "trainable", "layers": [serialized layer, ...]}``, an ``InputLayer``
first when its input is known. A functional model lists every layer once with the calls made on it
(``inbound_nodes``, in call order); each argument of a call is a tensor named by
``keras_history: [layer name, node index, output index]``, the node index counting that layer's
calls in this model::

    {"name": "model", "trainable": true,
     "layers": [{"class_name": "InputLayer", "name": "a", "config": {...}, "inbound_nodes": []},
                {"class_name": "Dense", "name": "dense", "config": {...},
                 "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__",
                                              "config": {"shape": [null, 4], "dtype": "float32", "keras_history": ["a", 0, 0]}}],
                                    "kwargs": {}}]}],
     "input_layers": ["a", 0, 0], "output_layers": ["dense", 0, 0]}

(a list of such triples for a model of several inputs or outputs; a layer called on a list of
tensors has that list as its one argument).
"""

from __future__ import annotations

from .keras_tensor import KerasTensor
from .layers.serialization import deserialize, serialize


# ---- Sequential -------------------------------------------------------------------------------------
def sequential_config(model, input_tensor: KerasTensor | None) -> dict:
    """``model``'s config; ``input_tensor`` (its symbolic input, if known) becomes a first InputLayer."""
    layers = [serialize(layer) for layer in model.layers]
    if input_tensor is not None:
        config = {"batch_input_shape": list(input_tensor.shape), "dtype": input_tensor.dtype, "name": input_tensor.name or f"{model.name}_input"}
        layers.insert(0, {"class_name": "InputLayer", "config": config, "module": "tfc.keras.layers.core"})
    return {"name": model.name, "trainable": model.trainable, "layers": layers}


def sequential_from_config(cls, config: dict, custom_objects=None):
    """A ``cls`` (Sequential) holding the layers ``config`` lists."""
    model = cls(name=config.get("name"))
    for entry in _field(config, "layers", list, "Sequential"):
        layer = deserialize(entry, custom_objects)
        model.add(_input_tensor(layer) if entry.get("class_name") == "InputLayer" and not model.layers else layer)
    model.trainable = config.get("trainable", True)
    return model


# ---- functional ------------------------------------------------------------------------------------
def functional_config(model, single_input: bool, single_output: bool) -> dict:
    """``model``'s layer graph: every layer with the calls made on it, then its inputs and outputs."""
    entries, nodes = {}, {}  # layer id -> config entry; call id -> (layer name, node index)
    for tensor in model.inputs:
        layer = tensor.source
        if layer is None:
            raise ValueError(f"model '{model.name}': input '{tensor.name}' does not come from keras.Input, so the model cannot be saved")
        entries[id(layer)] = {**serialize(layer), "name": layer.name, "inbound_nodes": []}
        nodes[id(tensor)] = (layer.name, 0)
    for tensor in _calls(model):
        layer = tensor.layer
        entry = entries.setdefault(id(layer), {**serialize(layer), "name": layer.name, "inbound_nodes": []})
        nodes[id(tensor.call)] = (layer.name, len(entry["inbound_nodes"]))
        args = [_history(t, nodes) for t in tensor.inputs]
        options = getattr(layer, "call_options", None) or {}  # a call's options the layer keeps for the replay (MultiHeadAttention's)
        entry["inbound_nodes"].append({"args": [args] if tensor.listed else args, "kwargs": dict(options)})
    _check_unique_names(model.name, [entry["name"] for entry in entries.values()])
    inputs, outputs = ([_reference(t, nodes) for t in tensors] for tensors in (model.inputs, model.outputs))
    return {"name": model.name, "trainable": model.trainable, "layers": list(entries.values()),
            "input_layers": inputs[0] if single_input else inputs, "output_layers": outputs[0] if single_output else outputs}


def functional_from_config(cls, config: dict, custom_objects=None):
    """A ``cls`` (functional Model) made by replaying the calls ``config`` records."""
    name = config.get("name")
    created, pending = {}, []  # (layer name, node index) -> outputs; [layer, its nodes, next node index]
    for entry in _field(config, "layers", list, f"model '{name}'"):
        layer = deserialize(entry, custom_objects)
        nodes = _field(entry, "inbound_nodes", list, f"layer '{layer.name}'")
        if nodes:
            pending.append([layer, nodes, 0])
        else:
            created[(layer.name, 0)] = [_input_tensor(layer)]
    while pending:
        progress = [_call_node(item, created) for item in pending]
        pending = [item for item in pending if item[2] < len(item[1])]
        if not any(progress):
            raise ValueError(f"model '{name}': the inputs of layer '{pending[0][0].name}' are never made by the layers listed")
    inputs, outputs = (_tensors(config.get(key), created, name) for key in ("input_layers", "output_layers"))
    model = cls(inputs=inputs, outputs=outputs, name=name)
    model.trainable = config.get("trainable", True)
    return model


def _call_node(item: list, created: dict) -> bool:
    """Call ``item``'s layer for its next node if every argument exists; whether it did."""
    layer, nodes, index = item
    if index >= len(nodes):
        return False
    args = nodes[index].get("args") if isinstance(nodes[index], dict) else None
    if not isinstance(args, list) or len(args) != 1:
        raise ValueError(f"layer '{layer.name}': node {index} must have one argument (a tensor or a list of tensors), got {args!r}")
    refs = args[0] if isinstance(args[0], list) else [args[0]]
    keys = [_tensor_key(ref, layer.name) for ref in refs]
    if any((n, i) not in created for n, i, _ in keys):
        return False
    tensors = [created[(n, i)][j] for n, i, j in keys]
    options = nodes[index].get("kwargs") or {}
    if not isinstance(options, dict):
        raise ValueError(f"layer '{layer.name}': node {index} kwargs must be a dict, got {options!r}")
    out = layer(tensors if isinstance(args[0], list) else tensors[0], **options)
    created[(layer.name, index)] = out if isinstance(out, list) else [out]
    item[2] += 1
    return True


def _calls(model) -> list[KerasTensor]:
    """One tensor per layer call between ``model``'s inputs and outputs, each after the calls it takes."""
    known = {id(t) for t in model.inputs}
    order, seen = [], set(known)

    def visit(tensor: KerasTensor) -> None:
        if id(tensor) in seen:
            return
        seen.add(id(tensor))
        for parent in tensor.inputs:
            visit(parent)
        if id(tensor.call) not in seen:
            seen.add(id(tensor.call))
            order.append(tensor)

    for output in model.outputs:
        visit(output)
    return order


def _reference(tensor: KerasTensor, nodes: dict) -> list:
    """[layer name, node index, output index] of ``tensor`` (a model input: its InputLayer's)."""
    layer, node = nodes[id(tensor)] if id(tensor) in nodes else nodes[id(tensor.call)]
    return [layer, node, tensor.index]


def _history(tensor: KerasTensor, nodes: dict) -> dict:
    return {"class_name": "__keras_tensor__",
            "config": {"shape": list(tensor.shape), "dtype": tensor.dtype, "keras_history": _reference(tensor, nodes)}}


def _tensor_key(ref, layer: str) -> tuple:
    history = ref.get("config", {}).get("keras_history") if isinstance(ref, dict) else None
    if not isinstance(history, list) or len(history) != 3:
        raise ValueError(f"layer '{layer}': an argument {ref!r} is not a tensor reference (expected keras_history [layer, node, index])")
    return tuple(history)


def _tensors(ends, created: dict, model: str):
    """The tensors ``input_layers``/``output_layers`` name: one for a single triple, else a list."""
    if not isinstance(ends, list) or not ends:
        raise ValueError(f"model '{model}': input_layers and output_layers must be [layer, node, index] or a list of them, got {ends!r}")
    single = not isinstance(ends[0], list)
    tensors = []
    for layer, node, index in [ends] if single else ends:
        if (layer, node) not in created:
            raise ValueError(f"model '{model}': no layer call ({layer!r}, node {node}) makes one of its inputs or outputs")
        tensors.append(created[(layer, node)][index])
    return tensors[0] if single else tensors


def _input_tensor(layer) -> KerasTensor:
    """The symbolic input an InputLayer stands for (as ``keras.Input`` makes it)."""
    if layer.batch_input_shape is None:
        raise ValueError(f"InputLayer '{layer.name}' has no shape (batch_input_shape)")
    return KerasTensor(tuple(layer.batch_input_shape), layer.dtype, name=layer.name, source=layer)


def _field(config, key: str, kind: type, where: str):
    value = config.get(key) if isinstance(config, dict) else None
    if not isinstance(value, kind):
        raise ValueError(f"{where}: its config needs '{key}' ({kind.__name__}), got {value!r}")
    return value


def _check_unique_names(model: str, names: list[str]) -> None:
    seen = set()
    for name in names:
        if name in seen:
            raise ValueError(f"model '{model}': two layers are named '{name}'; a saved model names each layer once")
        seen.add(name)
