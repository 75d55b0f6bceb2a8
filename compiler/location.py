"""Source locations carried by every op: a Python file:line:col, a graph node name, or unknown.

Printed as MLIR does: ``loc("model.py":12:4)``, ``loc("dense/MatMul")``, ``loc(unknown)``;
a name may wrap a child location: ``loc("dense/MatMul"("model.py":12:4))``.
"""

from __future__ import annotations

from dataclasses import dataclass

from .strings import quote


class Location:
    """Base of all locations."""

    def body(self) -> str:
        raise NotImplementedError

    def __str__(self) -> str:
        return f"loc({self.body()})"


@dataclass(frozen=True)
class UnknownLoc(Location):
    """No source information."""

    def body(self) -> str:
        return "unknown"

    def describe(self) -> str:
        return "<unknown>"


@dataclass(frozen=True)
class FileLineColLoc(Location):
    """A position in a source file; lines and columns count from 1."""

    file: str
    line: int
    col: int

    def body(self) -> str:
        return f"{quote(self.file)}:{self.line}:{self.col}"

    def describe(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


@dataclass(frozen=True)
class NameLoc(Location):
    """A named place, such as a GraphDef node; ``child`` says where that name came from, if known."""

    name: str
    child: Location | None = None

    def body(self) -> str:
        names, last = self.chain()
        inner = "" if last is None else f"({last.body()})"
        return "(".join(quote(name) for name in names) + inner + ")" * (len(names) - 1)

    def describe(self) -> str:
        names, last = self.chain()
        inner = "" if last is None else f" ({last.describe()})"
        return " (".join(f"'{name}'" for name in names) + inner + ")" * (len(names) - 1)

    def chain(self) -> tuple[list[str], Location | None]:
        """The names of this location and of the names nested in it, outermost first, and the
        location the innermost name wraps (None if none). A loop, so nesting of any depth prints."""
        names: list[str] = []
        loc: Location | None = self
        while isinstance(loc, NameLoc):
            names.append(loc.name)
            loc = loc.child
        return names, loc


UNKNOWN = UnknownLoc()
