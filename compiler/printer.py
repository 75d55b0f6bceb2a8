"""Prints IR in MLIR's generic op form, with deterministic SSA names.

``%x = "tfc.add"(%a, %b) {attrs} : (tensor<f32>, tensor<f32>) -> tensor<f32> loc("f.py":3:7)``

Names come from value hints (``%x``, then ``%x_1``, ``%x_2`` on clashes), else a counter (``%0``, ``%1``),
scoped per isolated-from-above op (each function). The output parses back to the same text.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache

import numpy as np

from .attributes import format_attr_dict, is_elided
from .ir import Block, Module, Operation, Region, Value
from .registry import Trait, lookup

_INVALID_NAME_CHARS = re.compile(r"[^A-Za-z0-9_$.\-]")


def sanitize_name(hint: str) -> str:
    """A valid SSA suffix from any hint; names that start with a digit must be all digits in MLIR."""
    name = _INVALID_NAME_CHARS.sub("_", hint)
    if not name or (name[0].isdigit() and not name.isdigit()) or name.isdigit():
        name = "v" + name
    return name


class _Namer:
    """Assigns each value a unique name within one isolated scope.

    A nested isolated scope avoids the names of the scopes around it (the parser does not let a
    name shadow one still in scope), and sibling scopes, such as two functions, reuse names.
    """

    def __init__(self, parent: _Namer | None = None):
        self.parent = parent
        self.names: dict[Value, str] = {}
        self.used: set[str] = set(parent.used) if parent is not None else set()
        self.counter = 0

    def name(self, value: Value) -> str:
        found = self.names.get(value)
        if found is not None:
            return found
        if value.name_hint:
            base = sanitize_name(value.name_hint)
            name, suffix = base, 0
            while name in self.used:
                suffix += 1
                name = f"{base}_{suffix}"
        else:
            while str(self.counter) in self.used:
                self.counter += 1
            name = str(self.counter)
            self.counter += 1
        self.used.add(name)
        self.names[value] = name
        return name

    def ref(self, value: Value) -> str:
        namer = self
        while namer is not None:
            name = namer.names.get(value)
            if name is not None:  # from an enclosing scope when IR is invalid: the verifier reports it
                return "%" + name
            namer = namer.parent
        # A use before its definition: the verifier reports it.
        return "%<<UNDEFINED>>"


@lru_cache(maxsize=4096)
def _type_str(t) -> str:
    return str(t)


class Printer:
    """Accumulates text for ops, regions and blocks.

    The walk keeps its own stack of things still to print instead of recursing into regions, so
    IR nested any depth prints (names are still given in print order, so output is unchanged)."""

    def __init__(self, elide_above: int | None = None):
        self.lines: list[str] = []
        self.namers: list[_Namer] = [_Namer()]
        self.elide_above = elide_above

    @property
    def namer(self) -> _Namer:
        return self.namers[-1]

    def print_op(self, root: Operation, indent: int) -> None:
        """``root`` and everything nested in it, in order."""
        work: list[tuple] = [(self._open_op, root, indent)]
        while work:
            step, item, at = work.pop()
            step(item, at, work)

    def _open_op(self, op: Operation, indent: int, work: list) -> None:
        """Write the op's head; queue its regions and its closing trailer."""
        results = [self.namer.name(r) for r in op.results]
        head = " " * indent
        if results:
            head += ", ".join("%" + r for r in results) + " = "
        head += f'"{op.name}"(' + ", ".join(self.namer.ref(v) for v in op.operands) + ")"
        if not op.regions:
            self.lines.append(head + self._trailer(op))
            return
        opdef = lookup(op.name)
        if opdef is not None and opdef.has(Trait.ISOLATED_FROM_ABOVE):
            self.namers.append(_Namer(self.namer))
            work.append((self._close_isolated, op, indent))
        else:
            work.append((self._close_op, op, indent))
        self.lines.append(head + " (")
        for index in reversed(range(len(op.regions))):
            work.append((self._open_region, (op.regions[index], index), indent))

    def _close_op(self, op: Operation, indent: int, work: list) -> None:
        self.lines[-1] += ")" + self._trailer(op)

    def _close_isolated(self, op: Operation, indent: int, work: list) -> None:
        self.namers.pop()
        self._close_op(op, indent, work)

    def _open_region(self, item: tuple[Region, int], indent: int, work: list) -> None:
        """Open the brace and queue the region's blocks: labels, ops, then the closing brace."""
        region, index = item
        self.lines[-1] += "{" if index == 0 else ", {"
        work.append((self._close_region, region, indent))
        show_labels = len(region.blocks) > 1 or any(b.args for b in region.blocks)
        for block_index in reversed(range(len(region.blocks))):
            block = region.blocks[block_index]
            work.extend((self._open_op, op, indent + 2) for op in reversed(block.ops))
            if show_labels:
                work.append((self._label, (block, block_index), indent))

    def _close_region(self, region: Region, indent: int, work: list) -> None:
        self.lines.append(" " * indent + "}")

    def _label(self, item: tuple[Block, int], indent: int, work: list) -> None:
        block, index = item
        self.lines.append(" " * indent + self._block_label(block, index))

    def _trailer(self, op: Operation) -> str:
        text = ""
        if op.attributes:
            text += " " + format_attr_dict(op.attributes, self.elide_above)
        ins = ", ".join(_type_str(v.type) for v in op.operands)
        outs = [_type_str(r.type) for r in op.results]
        if len(outs) == 1 and not outs[0].startswith("("):
            out_text = outs[0]
        else:
            out_text = "(" + ", ".join(outs) + ")"
        return text + f" : ({ins}) -> {out_text} {op.location}"

    def _block_label(self, block: Block, index: int) -> str:
        if not block.args:
            return f"^bb{index}:"
        args = ", ".join(f"%{self.namer.name(a)}: {_type_str(a.type)}" for a in block.args)
        return f"^bb{index}({args}):"


def print_op(op: Operation, elide_above: int | None = None) -> str:
    """The generic-form text of ``op`` and everything nested in it; constants of more than
    ``elide_above`` elements elided (then the text is for reading: it does not parse back)."""
    printer = Printer(elide_above)
    printer.print_op(op, 0)
    return "\n".join(printer.lines) + "\n"


def print_module(module: Module, elide_above: int | None = None) -> str:
    return print_op(module.op, elide_above)


DIGEST_ELIDE_ABOVE = 256


def module_digest(module: Module) -> str:
    """A sha256 naming ``module`` exactly: of its text with the large constants elided, then of
    those constants' bytes in walk order. Equal to another module's only when their full texts are
    equal, at a fraction of the cost of printing the weights of a convnet as hex (what compile
    caches key on)."""
    digest = hashlib.sha256(print_module(module, DIGEST_ELIDE_ABOVE).encode())
    for op in module.op.walk():
        for key in sorted(op.attributes):
            value = op.attributes[key]
            if is_elided(value, DIGEST_ELIDE_ABOVE):
                digest.update(np.ascontiguousarray(value.array).data)  # its type (so its length) is in the text
    return digest.hexdigest()
