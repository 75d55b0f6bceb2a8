"""TensorFlow 1 functions inside ``@tfc.compile``: built on a scratch graph, legalized, inlined.

Most of TensorFlow 1's API (``tf.einsum``, ``tf.gather_nd``, ``tf.math.*``, ``tf.linalg.*``...) has no
tfc function of its own. Called inside a trace, such a function builds its nodes on a scratch
``tf.Graph`` in which a placeholder stands for each traced tensor it was given; that graph goes
through what a Session does with one (import, the tf-level pipeline, ``legalize-tf``) and the core
ops that come out are recorded into the trace in place of the call. So a traced function computes
what the TF1 graph would, with the decompositions the importer uses, and differentiates through the
same core ops. State has no meaning there (variables, random ops, assertions that run on the host):
a TraceError names the function.

Before (inside ``@tfc.compile``)::

    y = tf.math.cumsum(x, exclusive=True)

the scratch graph ``x = Placeholder; y = Cumsum(x, Const 0) {exclusive}`` is imported and legalized,
and its ops (``tfc.cumsum`` and what the decomposition adds) are appended to the trace with ``x``'s
placeholder replaced by the traced ``x``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from tfc.attributes import StringAttr, SymbolRefAttr
from tfc.clone import clone_op
from tfc.diagnostics import TfcError, TraceError
from tfc.frontend import api
from tfc.frontend.tf.importer import GraphImporter
from tfc.frontend.tracing import current_trace, tracing, user_location
from tfc.ir import Function
from tfc.location import NameLoc
from tfc.passmanager import PassManager
from tfc.registry import Trait, lookup
from tfc.runtime.graph_session import PIPELINE
from tfc.strings import fresh_name

V1 = "tfc.compat.v1"


def call_in_trace(path: str, graph_fn: Callable, args, kwargs):
    """``graph_fn(*args, **kwargs)`` recorded into the current trace (see the module docstring)."""
    v1 = importlib.import_module(V1)
    graph = v1.Graph()
    stand_ins: dict[str, api.Tensor] = {}  # placeholder name -> the traced tensor it stands for
    with graph.as_default():
        args, kwargs = _with_placeholders((args, kwargs), stand_ins, v1)  # in the trace: eager variables are read there
        try:
            with tracing(None):  # outside it: TF1 names the function calls (a map_fn's fn) build nodes too
                result = graph_fn(*args, **kwargs)
        except (TfcError, ValueError, TypeError, IndexError) as err:  # bad arguments, said where the user called it
            raise TraceError(f"tf.{path} inside @tfc.compile: {str(err).splitlines()[0] if str(err) else type(err).__name__}",
                             user_location()) from err
    outputs: list = []
    structure = _outputs(result, outputs, v1.Tensor)
    values = iter(_inlined(path, graph, outputs, stand_ins))
    return _rebuild(structure, values)


def _with_placeholders(tree, stand_ins: dict, v1):
    """``tree`` with each traced tensor (or eager variable, read) replaced by a new placeholder."""
    if isinstance(tree, api.Tensor) or getattr(tree, "is_variable", False):
        tensor = tree if isinstance(tree, api.Tensor) else tree.read_value()
        placeholder = v1.placeholder(tensor.dtype, list(tensor.shape), name=f"traced_{len(stand_ins)}")
        stand_ins[placeholder.op.name] = tensor
        return placeholder
    if isinstance(tree, (list, tuple)) and not hasattr(tree, "_fields"):
        return type(tree)(_with_placeholders(t, stand_ins, v1) for t in tree)
    if isinstance(tree, dict):
        return {k: _with_placeholders(v, stand_ins, v1) for k, v in tree.items()}
    return tree


def _outputs(result, outputs: list, tensor_type):
    """The graph tensors of ``result`` appended to ``outputs``; its structure, to rebuild it with."""
    if isinstance(result, tensor_type):
        outputs.append(result)
        return "T"
    if isinstance(result, (list, tuple)):
        children = tuple(_outputs(r, outputs, tensor_type) for r in result)
        return ("namedtuple", type(result), children) if hasattr(result, "_fields") else (type(result), children)
    if isinstance(result, dict):
        return ("dict", {k: _outputs(v, outputs, tensor_type) for k, v in result.items()})
    return ("value", result)  # None (an op without outputs), a Python value


def _rebuild(structure, values):
    if structure == "T":
        return next(values)
    if structure[0] == "value":
        return structure[1]
    if structure[0] == "dict":
        return {k: _rebuild(s, values) for k, s in structure[1].items()}
    if structure[0] == "namedtuple":
        return structure[1](*(_rebuild(s, values) for s in structure[2]))
    return structure[0](_rebuild(s, values) for s in structure[1])


def _inlined(path: str, graph, outputs: list, stand_ins: dict) -> list[api.Tensor]:
    """The scratch graph's ``outputs`` computed in the current trace from the stand-ins' tensors."""
    trace = current_trace()
    where = user_location()
    try:
        imported = GraphImporter(graph.as_graph_def(), f"tf.{path}").import_graph([t.name for t in outputs])
        PassManager(PIPELINE).run(imported.module)
    except TfcError as err:
        raise TraceError(f"tf.{path} inside @tfc.compile: {str(err).splitlines()[0]}", where) from None
    main = imported.module.function("main")
    feeds = [name.partition(":")[0] for name in imported.feeds]
    unfed = [name for name in feeds if name not in stand_ins]
    if unfed:
        raise TraceError(f"tf.{path} inside @tfc.compile makes or reads TensorFlow 1 placeholders ({', '.join(unfed)}): "
                         "a compiled function takes its values as arguments", where)
    for function in imported.module.functions:
        _check_stateless(function, path, where)
    renamed = _callees_into(trace.module, imported.module)
    mapping = {arg: stand_ins[name].value for arg, name in zip(main.body.args, feeds)}
    for op in main.body.ops[:-1]:
        copy = clone_op(op, mapping)
        copy.location = _at_call(op.location, trace.name_scope, where)
        _rename_callees(copy, renamed)
        trace.builder.block.append(copy)
    return [api.Tensor(mapping[v], trace) for v in main.return_op.operands]


def _check_stateless(function, path: str, where) -> None:
    """A TraceError naming the first op of ``function`` with state (a variable, a stateful random op)."""
    for op in function.op.walk():
        opdef = lookup(op.name)
        if opdef is None or opdef.has(Trait.STATEFUL):
            raise TraceError(f"tf.{path} has state ({op.name}) that a traced function cannot hold: variables, "
                             "random numbers and host checks belong in a TF1 graph or in tfc's own API", where)


def _callees_into(module, imported) -> dict[str, str]:
    """The imported module's functions but main (a While's body and condition) copied into ``module``
    under fresh names; old name -> new name."""
    taken = {f.name for f in module.functions}
    renamed = {}
    for function in imported.functions:
        if function.name != "main":
            renamed[function.name] = fresh_name(f"tf1_{function.name}", taken)
            taken.add(renamed[function.name])
    for function in imported.functions:
        if function.name in renamed:
            copy = Function(clone_op(function.op, {}))
            copy.op.attributes["sym_name"] = StringAttr(renamed[function.name])
            _rename_callees(copy.op, renamed)
            module.add_function(copy)
    return renamed


def _rename_callees(op, renamed: dict) -> None:
    for inner in op.walk():
        callee = inner.attributes.get("callee")
        if callee is not None and callee.value in renamed:
            inner.attributes["callee"] = SymbolRefAttr(renamed[callee.value])


def _at_call(location, name_scope: str, where):
    """The scratch node's name under the trace's name scope, at the user's line: ``loc("train/Cumsum"(f.py:3))``."""
    name = location.name if isinstance(location, NameLoc) else None
    return where if name is None else NameLoc(name_scope + name, where)


__all__ = ["call_in_trace"]
