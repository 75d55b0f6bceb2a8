"""``tfc.saved_model.save``: export ``@tfc.compile`` functions with an input signature.

Each signature's function is traced once at its ``input_signature`` (``None`` dims stay ``?`` in the
IR, so one program serves every batch size: the loader specializes it to each call's shapes with
``shape-inference``), the ``tfc.Variable``s it reads are lifted to parameters after the inputs, and
their current values go to ``variables/``. With ``options=SaveOptions(executables_for_batch_sizes=...)``
the export also holds each signature compiled for those batch sizes (:mod:`.executables`).
"""

from __future__ import annotations

import inspect
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tfc.backends import stablehlo_text
from tfc.diagnostics import TfcError
from tfc.frontend.compile import CompiledFunction
from tfc.frontend.tensor import Tensor, to_tensor
from tfc.frontend.tensor_spec import TensorSpec
from tfc.frontend.tracing import Trace, tracing
from tfc.passes.lift_variables import lift_variables
from tfc.printer import print_module
from tfc.types import FunctionType, TensorType
from tfc.verifier import verify

from .executables import executables_for
from .format import DEFAULT_SIGNATURE, GRAPH_FILE, PREDICT_METHOD, new_metadata, tensor_info, write_export

VARIABLE_OPS = ("VariableV2", "Variable", "VarHandleOp")


@dataclass(frozen=True)
class SaveOptions:
    """Options for :func:`save` (TensorFlow's ``tf.saved_model.SaveOptions``, with tfc's own fields).

    ``executables_for_batch_sizes``: None (the default) stores no executables; a tuple of batch
    sizes stores each signature compiled for each of them (its inputs' leading ``None`` dim; a
    signature whose shapes are all known is compiled once), so a server loads it without compiling.
    ``executable_device``: the device they are compiled for (``"cpu"``, ``"gpu"``); a loader on
    another platform, runtime version or CPU compiles instead.

    >>> tfc.saved_model.save(predict, "models/linear/1",
    ...                      options=tfc.saved_model.SaveOptions(executables_for_batch_sizes=(1, 8, 32)))  # doctest: +SKIP
    """

    executables_for_batch_sizes: tuple | None = None
    executable_device: str = "cpu"

    def __post_init__(self):
        sizes = self.executables_for_batch_sizes
        if sizes is not None:
            if isinstance(sizes, int) or not all(isinstance(s, int) and not isinstance(s, bool) and s >= 1 for s in sizes) or not sizes:
                raise ValueError(f"SaveOptions: executables_for_batch_sizes must be None or a non-empty sequence of positive ints, got {sizes!r}")
            object.__setattr__(self, "executables_for_batch_sizes", tuple(sorted(set(sizes))))
        if not isinstance(self.executable_device, str) or not self.executable_device:
            raise ValueError(f"SaveOptions: executable_device must be a device name such as 'cpu', got {self.executable_device!r}")


@dataclass
class TracedSignature:
    """One signature's program: its IR text, StableHLO (or None), inputs, outputs and variables."""

    program: str
    stablehlo: str | None
    inputs: dict
    outputs: dict
    variables: dict = field(default_factory=dict)
    """Variable name -> its value, in parameter order (after the inputs)."""


def save(obj, export_dir, signatures=None, options=None):
    """Export ``obj`` (a ``@tfc.compile`` function with an ``input_signature``, or a built tfc.keras
    model, whose inputs give the signature) to ``export_dir``.

    ``signatures``: None (``obj`` is the ``serving_default`` signature), one function, or a dict of
    signature name -> function. ``export_dir`` is written whole and at once; it must not exist yet
    (or be empty). ``options``: a :class:`SaveOptions` (serialized executables). Returns its path.

    >>> @tfc.compile(input_signature=[tfc.TensorSpec([None, 3], tfc.float32)])
    ... def predict(x):
    ...     return {"y": tfc.matmul(x, w)}
    >>> tfc.saved_model.save(predict, "models/linear/1")       # doctest: +SKIP
    """
    if options is not None and not isinstance(options, SaveOptions):
        raise TypeError(f"tfc.saved_model.save: options must be a tfc.saved_model.SaveOptions, got {type(options).__name__}")
    functions = _signature_functions(obj, signatures)
    traced = {name: trace_signature(function, name) for name, function in functions.items()}
    files, values, entries = {}, {}, {}
    for name, signature in traced.items():
        files[f"{name}.tfc"] = signature.program
        if signature.stablehlo is not None:
            files[f"{name}.stablehlo.mlir"] = signature.stablehlo
        for variable, value in signature.variables.items():
            values[variable] = value
        entries[name] = {"method_name": PREDICT_METHOD, "inputs": signature.inputs, "outputs": signature.outputs,
                         "program": f"{name}.tfc", "stablehlo": f"{name}.stablehlo.mlir" if signature.stablehlo is not None else None,
                         "entry": "main", "variables": list(signature.variables)}
    metadata = new_metadata("traced", entries, graph=False, variables=bool(values))
    if options is not None and options.executables_for_batch_sizes is not None:
        more, metadata["executables"] = executables_for(traced, entries, options.executables_for_batch_sizes, options.executable_device)
        files.update(more)
    return write_export(export_dir, metadata, files, values if values else None)


def _signature_functions(obj, signatures) -> dict:
    if signatures is None:
        signatures = obj
    if not isinstance(signatures, dict):
        signatures = {DEFAULT_SIGNATURE: signatures}
    if not signatures:
        raise ValueError("tfc.saved_model.save: signatures must name at least one function")
    signatures = {name: model_function(function) or function for name, function in signatures.items()}
    for name, function in signatures.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"tfc.saved_model.save: signature names must be identifiers, got {name!r}")
        if not isinstance(function, CompiledFunction):
            raise TypeError(f"tfc.saved_model.save: signature '{name}' must be a @tfc.compile function, got {type(function).__name__}")
        if function.input_signature is None:
            raise ValueError(f"tfc.saved_model.save: signature '{name}' ({function.__name__}) has no input_signature; give "
                             "@tfc.compile(input_signature=[tfc.TensorSpec(...), ...]) so the export knows its inputs' shapes")
        if function.static_argnums or function.static_argnames:
            raise ValueError(f"tfc.saved_model.save: signature '{name}' ({function.__name__}) has static arguments; an export takes tensors only")
    return dict(signatures)


def model_function(model) -> CompiledFunction | None:
    """A built tfc.keras model (anything callable with ``inputs``, symbolic tensors with a shape,
    dtype and name, or a ``batch_input_shape``) as a compiled function of its inputs; else None.
    Duck-typed: keras is a room above this one."""
    if isinstance(model, CompiledFunction) or not callable(model):
        return None
    inputs = getattr(model, "inputs", None)
    if inputs:
        specs = [TensorSpec(i.shape, i.dtype, _identifier(getattr(i, "name", None), f"input_{n}")) for n, i in enumerate(inputs)]
    else:
        first = next((m for m in (model, *getattr(model, "layers", ())[:1]) if getattr(m, "batch_input_shape", None) is not None), None)
        if first is None:
            if hasattr(model, "layers"):
                raise ValueError(f"tfc.saved_model.save: the {type(model).__name__}'s input shape is unknown; give its first layer "
                                 "input_shape= (or start it with keras.Input), or export @tfc.compile(input_signature=...)(model)")
            return None
        specs = [TensorSpec(first.batch_input_shape, getattr(first, "dtype", None) or "float32", "inputs")]

    def call(*tensors):
        return model(tensors[0] if len(tensors) == 1 else list(tensors))

    call.__signature__ = inspect.Signature([inspect.Parameter(spec.name, inspect.Parameter.POSITIONAL_OR_KEYWORD) for spec in specs])
    call.__name__ = type(model).__name__
    return CompiledFunction(call, input_signature=specs)


def _identifier(name, default: str) -> str:
    return name if isinstance(name, str) and name.isidentifier() else default


def trace_signature(function: CompiledFunction, name: str = DEFAULT_SIGNATURE) -> TracedSignature:
    """Trace ``function`` at its input_signature (``None`` dims as ``?``) into a program whose
    parameters are the inputs, then the variables it reads; refuses one that assigns variables."""
    keys = _input_keys(function)
    arg_types = [TensorType(spec.dtype, spec.shape) for spec in function.input_signature]
    if any(t.shape is None for t in arg_types):
        raise ValueError(f"tfc.saved_model.save: signature '{name}': every TensorSpec needs a rank (shape None is not exportable)")
    trace = Trace("main", arg_types, keys)
    outputs = _traced_outputs(function, trace, name)
    trace.function.set_type(FunctionType(tuple(arg_types), tuple(t.type for t in outputs.values())))
    variables = {}
    if trace.variables:
        lifted = lift_variables(trace.module, trace.function)
        if lifted.names_out:
            raise ValueError(f"tfc.saved_model.save: signature '{name}' assigns variables {list(lifted.names_out)}; "
                             "a served signature must only read them")
        by_name = {key: entry[0] for key, entry in trace.variables.items()}
        variables = {key: np.asarray(by_name[key].array) for key in lifted.names_in}
    verify(trace.module)
    inputs = {key: tensor_info(key, t.dtype.numpy, t.shape) for key, t in zip(keys, arg_types)}
    outs = {key: tensor_info(key, t.type.dtype.numpy, t.type.shape) for key, t in outputs.items()}
    return TracedSignature(print_module(trace.module), _stablehlo(trace, arg_types), inputs, outs, variables)


def _traced_outputs(function: CompiledFunction, trace: Trace, name: str) -> dict:
    """Run the function on ``trace``'s arguments; its outputs by key. A function some op of which
    needs a size the signature leaves unknown is refused, naming the signature and the op's error."""
    try:
        with tracing(trace):
            result = function.fn(*[Tensor(arg, trace) for arg in trace.function.args])
            outputs = _named_outputs(result, trace, name)
            trace.builder.create("func.return", [t.value for t in outputs.values()])
    except (TypeError, TfcError) as err:
        if all(t.is_static for t in trace.function.type.inputs):
            raise
        _trace_at_size_two(function, trace.function.type.inputs)  # the function's own error, if it fails at any size
        raise ValueError(f"tfc.saved_model.save: signature '{name}' ({function.__name__}) does not trace with the unknown dims of its "
                         f"input_signature ({type(err).__name__}: {str(err).splitlines()[0]}); some op needs the size. Give those dims "
                         "in the input_signature (the export then takes exactly that shape)") from err
    return outputs


def _trace_at_size_two(function: CompiledFunction, types) -> None:
    """Trace ``function`` with every unknown dim 2 (raising what it raises), and discard the trace."""
    trace = Trace("probe", [TensorType(t.dtype, tuple(2 if d is None else d for d in t.shape)) for t in types], [None] * len(types))
    with tracing(trace):
        function.fn(*[Tensor(arg, trace) for arg in trace.function.args])


def _input_keys(function: CompiledFunction) -> list[str]:
    """Each input's key: its TensorSpec's name, else the parameter's."""
    parameters = list(inspect.signature(function.fn).parameters)
    keys = [spec.name or parameter for spec, parameter in zip(function.input_signature, parameters)]
    if len(set(keys)) != len(keys):
        raise ValueError(f"tfc.saved_model.save: {function.__name__}'s inputs have repeated names {keys}")
    return keys


def _named_outputs(result, trace: Trace, name: str) -> dict:
    """The function's results by key: a dict's own keys, else ``output_0``, ``output_1``... (TensorFlow's names)."""
    if isinstance(result, dict):
        if not all(isinstance(key, str) for key in result):
            raise TypeError(f"tfc.saved_model.save: signature '{name}' returns a dict whose keys are not all strings")
        items = list(result.items())
    elif isinstance(result, (tuple, list)):
        items = [(f"output_{i}", value) for i, value in enumerate(result)]
    else:
        items = [("output_0", result)]
    outputs = {}
    for key, value in items:
        if isinstance(value, (dict, tuple, list)):
            raise TypeError(f"tfc.saved_model.save: signature '{name}' output '{key}' is nested; return a tensor, a tuple or a flat dict")
        outputs[key] = value if isinstance(value, Tensor) and value.trace is trace else to_tensor(value, trace)
    if not outputs:
        raise ValueError(f"tfc.saved_model.save: signature '{name}' returns nothing")
    return outputs


def _stablehlo(trace: Trace, arg_types: list) -> str | None:
    """The StableHLO text when every input shape is known (a ``?`` program is lowered per call's shapes)."""
    if not all(t.is_static for t in arg_types):
        return None
    try:
        return stablehlo_text(trace.module, trace.function.name)
    except TfcError as err:
        raise ValueError(f"tfc.saved_model.save: cannot lower the program to StableHLO: {err}") from err


# ---- TensorFlow GraphDefs ------------------------------------------------------------------------
def save_graph(graph, export_dir, inputs, outputs, input_shapes=None, variables=None) -> Path:
    """Export a TensorFlow GraphDef (a ``.pb``/``.pbtxt`` path or a GraphDef) as a ``graph``-kind
    SavedModel whose ``serving_default`` feeds ``inputs`` and fetches ``outputs``.

    ``inputs``/``outputs``: tensor names (``x:0``; the key is the op name, ``x``) or a dict of key ->
    tensor name. Each input must be a Placeholder, whose dtype and shape the signature takes
    (``input_shapes``: tensor name -> dims overrides unknown ones). The graph is pruned to what the
    outputs need; its variables take their values from ``variables`` (name -> array): a frozen
    graph has none. Returns the export's path.

    >>> tfc.saved_model.save_graph("frozen.pb", "models/mlp/1", ["x:0"], {"probs": "Softmax:0"})  # doctest: +SKIP
    """
    from tfc.frontend.tf.graphdef import load_graphdef
    from tfc.frontend.tf.importer import GraphImporter

    where = str(graph) if isinstance(graph, (str, os.PathLike)) else "graph"
    graph_def = load_graphdef(graph) if isinstance(graph, (str, os.PathLike)) else graph
    importer = GraphImporter(graph_def, where)
    inputs, outputs = _tensor_keys(inputs, "inputs"), _tensor_keys(outputs, "outputs")
    inputs = {key: name if ":" in name else f"{name}:0" for key, name in inputs.items()}
    shapes = {name if ":" in name else f"{name}:0": dims for name, dims in (input_shapes or {}).items()}
    unknown = sorted(set(shapes) - set(inputs.values()))
    if unknown:
        raise ValueError(f"{where}: input_shapes name {unknown}, which are not among the inputs {list(inputs.values())}")
    feeds = {name: _feed_type(importer, name, shapes.get(name), where) for name in inputs.values()}
    for name in outputs.values():
        importer.resolve_output(name)
    imported = importer.import_graph(list(outputs.values()), feeds=feeds)
    results = imported.module.function("main").type.results
    pruned = pruned_graph(graph_def, list(outputs.values()))
    values = _graph_variables(pruned, variables or {}, where)
    entry = {"method_name": PREDICT_METHOD, "inputs": {key: _info(name, feeds[name]) for key, name in inputs.items()},
             "outputs": {key: _info(name, t) for (key, name), t in zip(outputs.items(), results)},
             "program": f"{DEFAULT_SIGNATURE}.tfc", "stablehlo": None, "entry": "main", "variables": list(values)}
    files = {GRAPH_FILE: pruned.SerializeToString(), f"{DEFAULT_SIGNATURE}.tfc": print_module(imported.module)}
    lowered = _graph_stablehlo(importer, list(outputs.values()), feeds)
    if lowered is not None:
        files[f"{DEFAULT_SIGNATURE}.stablehlo.mlir"], order = lowered
        entry.update(stablehlo=f"{DEFAULT_SIGNATURE}.stablehlo.mlir", variables=order)
    metadata = new_metadata("graph", {DEFAULT_SIGNATURE: entry}, graph=True, variables=bool(values))
    return write_export(export_dir, metadata, files, values or None)


def _tensor_keys(names, what: str) -> dict:
    """Tensor names as key -> name: a dict as given; else each name's op (``x:0`` -> ``x``, ``y:1`` -> ``y_1``)."""
    if isinstance(names, str):
        names = [names]
    if not isinstance(names, dict):
        names = {(n.rpartition(":")[0] if n.endswith(":0") else n.replace(":", "_")): n for n in names}
    if not names:
        raise ValueError(f"tfc.saved_model.save_graph: {what} must name at least one tensor")
    for key, name in names.items():
        if not isinstance(key, str) or not key or not isinstance(name, str) or not name:
            raise ValueError(f"tfc.saved_model.save_graph: {what} must map keys to tensor names like 'x:0', got {key!r}: {name!r}")
    if len(set(names.values())) != len(names):
        raise ValueError(f"tfc.saved_model.save_graph: {what} name a tensor twice: {list(names.values())}")
    return dict(names)


def _feed_type(importer, name: str, dims, where: str) -> TensorType:
    """The Placeholder ``name``'s type, with ``dims`` (if given) for its shape; ValueError naming it otherwise."""
    declared = importer.placeholder_type(name)
    if declared is None:
        known = sorted(f"{n}:0" for n, node in importer.nodes.items() if node.op in ("Placeholder", "PlaceholderWithDefault"))
        raise ValueError(f"{where}: input '{name}' is not a Placeholder of the graph (its placeholders: {', '.join(known) or 'none'})")
    if dims is None:
        return declared
    shape = tuple(int(d) for d in dims)
    if any(d < 0 for d in shape) or not declared.with_shape(shape).is_compatible(declared):
        raise ValueError(f"{where}: input shape {list(shape)} does not fit placeholder '{name}' of type {declared}")
    return declared.with_shape(shape)


def _info(name: str, t) -> dict:
    return tensor_info(name, t.dtype.numpy, t.shape)


def pruned_graph(graph_def, outputs: list[str]):
    """``graph_def`` with only the nodes ``outputs`` need (data and control inputs), in file order."""
    inputs = {node.name: [i.lstrip("^").split(":")[0] for i in node.input] for node in graph_def.node}
    needed, stack = set(), [name.split(":")[0] for name in outputs]
    while stack:
        name = stack.pop()
        if name not in needed:
            needed.add(name)
            stack.extend(inputs.get(name, ()))
    pruned = type(graph_def)()
    pruned.CopyFrom(graph_def)
    del pruned.node[:]
    pruned.node.extend(node for node in graph_def.node if node.name in needed)
    return pruned


def _graph_variables(graph_def, variables: dict, where: str) -> dict:
    """The values of the variables the pruned graph holds, checked against the dtype and shape each
    declares (ValueError naming a variable without a value, or with one that does not fit)."""
    from tfc.frontend.tf.graphdef import convert_attr, tensor_type_from_attrs

    nodes = [node for node in graph_def.node if node.op in VARIABLE_OPS]
    missing = [node.name for node in nodes if node.name not in variables]
    if missing:
        raise ValueError(f"{where}: the outputs read variables {missing} that have no value; freeze the graph (variables as "
                         "constants) or give their values (tfc export --checkpoint, save_graph(variables=...))")
    values = {}
    for node in nodes:
        value = np.asarray(variables[node.name])
        attrs = {key: convert_attr(node.attr[key], f" in attribute of node '{node.name}'") for key in ("dtype", "shape") if key in node.attr}
        if "dtype" in attrs:
            declared = tensor_type_from_attrs(attrs["dtype"].value, attrs["shape"].value if "shape" in attrs else None)
            if value.dtype != declared.dtype.numpy or not declared.with_shape(value.shape).is_compatible(declared):
                raise ValueError(f"{where}: variable '{node.name}' is declared {declared} but its value is {value.dtype}{list(value.shape)}")
        values[node.name] = value
    return values


def _graph_stablehlo(importer, outputs: list[str], feeds: dict) -> tuple[str, list[str]] | None:
    """(StableHLO text, the variables among its parameters) when every input shape is known, lowered
    as a GraphSession does for CPU; None otherwise (each call's shapes compile from graph.pb)."""
    from tfc.passes.lift_variables import lift_variables
    from tfc.passmanager import PassManager
    from tfc.runtime.graph_session import cleanup_for, pipeline_for

    if not all(t.is_static for t in feeds.values()):
        return None
    module = importer.import_graph(outputs, feeds=feeds).module
    PassManager(pipeline_for()).run(module)
    lifted = lift_variables(module, module.function("main"))
    PassManager(cleanup_for("xla", "cpu")).run(module)
    verify(module)
    return stablehlo_text(module, "main"), list(lifted.names_in)


__all__ = ["SaveOptions", "TracedSignature", "pruned_graph", "save", "save_graph", "trace_signature"]
