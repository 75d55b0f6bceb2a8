"""Named passes, text pipelines, the default pipelines and the pass manager that runs them.

A pass is a frozen dataclass registered under a name; its fields are its options, so a pipeline
string such as ``cse,dce`` or ``fold{max_elements=64,verbose=true}`` parses straight into typed
pass objects. A string option may hold a comma-separated list: ``prune{outputs=0,2,targets=train}``
gives ``outputs="0,2"`` (a piece without ``=`` that is not an option name continues the string
option before it). The :class:`PassManager` runs the passes in order and, on request, verifies the
IR after each pass (naming the pass that broke it), prints the IR after each pass or only after
those that changed it, reports per-pass statistics and a final timing report::

    pm = PassManager("cse,dce", verify_each=True, stats=True, out=sys.stderr)
    pm.run(module)          # cse: ops 12 -> 9, 0.3 ms / dce: ops 9 -> 7, 0.1 ms

The default pipelines (what ``tfc lower`` runs unless told otherwise) are :data:`DEFAULT_PIPELINE`
and :func:`default_pipeline`.
"""

from __future__ import annotations

import dataclasses
import importlib
import re
import sys
import time
import typing
from collections.abc import Sequence
from importlib.metadata import entry_points
from typing import ClassVar, TextIO

from .diagnostics import TfcError, VerifyError
from .ir import Module
from .printer import print_module
from .verifier import check_nesting, verify


class Pass:
    """Base of all passes: subclasses are frozen dataclasses with a ``name`` and typed option fields.

    ``run(module)`` rewrites the module in place and must leave it valid. A pass that cannot do its
    job on the input raises a :class:`TfcError`; the pass manager adds the pass's name to it.
    """

    name: ClassVar[str] = ""

    def run(self, module: Module) -> None:
        raise NotImplementedError

    def measure(self, module: Module) -> dict[str, int]:
        """Figures ``--stats`` prints before -> after this pass, besides the op count (none by default)."""
        return {}


class PipelineError(TfcError):
    """A pipeline string names an unknown pass or option, or gives an option a bad value."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(f"bad pass pipeline: {message}")


def _ran_before_text(ran_before: Sequence[str]) -> str:
    return ", ".join(ran_before) or "none"


def _append_to_first_line(text: str, suffix: str) -> str:
    """``text`` with ``suffix`` at the end of its first line (CLI errors show only that line)."""
    first, newline, rest = text.partition("\n")
    return first + suffix + newline + rest


class PassVerifyError(TfcError):
    """The IR stopped verifying after a pass; says which pass and which passes ran before it."""

    def __init__(self, pass_name: str, ran_before: Sequence[str], cause: VerifyError):
        self.pass_name, self.ran_before, self.cause = pass_name, tuple(ran_before), cause
        suffix = f" [IR invalid after pass '{pass_name}'; passes run before it: {_ran_before_text(self.ran_before)}]"
        super().__init__(_append_to_first_line(str(cause), suffix))


class PassFailedError(TfcError):
    """A pass raised a :class:`TfcError`; says which pass and which passes ran before it.

    ``cause`` is the pass's own error (also chained as ``__cause__``).
    """

    def __init__(self, pass_name: str, ran_before: Sequence[str], cause: TfcError):
        self.pass_name, self.ran_before, self.cause = pass_name, tuple(ran_before), cause
        suffix = f" [pass '{pass_name}' failed; passes run before it: {_ran_before_text(self.ran_before)}]"
        super().__init__(_append_to_first_line(str(cause) or type(cause).__name__, suffix))


# ---- the default pipelines -------------------------------------------------------------------------
DEFAULT_PIPELINE = "canonicalize"
"""The pipeline tfc runs on core ops unless told otherwise: ``canonicalize``, the fixed point of
simplify + fold + cse + dce (see ``passes/canonicalize.py``). ``tfc lower`` runs
``default_pipeline("tf")`` before ``legalize-tf`` and this one after it."""

PIPELINES: dict[str, str] = {
    # tf.* ops as imported, before legalize-tf: refine shapes first (so Shape/Size/Rank fold and
    # reshapes of known shapes simplify), then clean up to a fixed point.
    "tf": "shape-inference,tf-fold,tf-fuse,canonicalize",
    # core ops after legalize-tf (or traced): the canonicalization fixed point.
    "core": DEFAULT_PIPELINE,
}
"""Default pipeline text per IR level; read it with :func:`default_pipeline`."""

FAST_MATH_PIPELINES: dict[str, str] = {
    "tf": "shape-inference,tf-fold,tf-fuse{fast_math=true},canonicalize{fast_math=true}",
    "core": "canonicalize{fast_math=true}",
}
"""The same with fast-math: rewrites that may change results by rounding or for -0.0, NaN and Inf
(reassociated constants, weights folded into convolutions, ``x + 0.0 -> x``), as Grappler does."""


def default_pipeline(level: str = "core", fast_math: bool = False) -> str:
    """The default pipeline text for ``level``: ``"tf"`` (imported ``tf.*`` ops, before legalization)
    or ``"core"`` (core ops); IEEE-exact unless ``fast_math``::

        >>> default_pipeline("tf")
        'shape-inference,tf-fold,tf-fuse,canonicalize'
        >>> default_pipeline("core")
        'canonicalize'
    """
    table = FAST_MATH_PIPELINES if fast_math else PIPELINES
    try:
        return table[level]
    except KeyError:
        raise ValueError(f"no default pipeline for level '{level}' (levels: {', '.join(table)})") from None


# ---- the registry of passes ------------------------------------------------------------------------
_PASSES: dict[str, type[Pass]] = {}
_loaded = False


def register_pass(cls: type[Pass]) -> type[Pass]:
    """Class decorator: make ``cls`` available to pipelines under ``cls.name``."""
    if not cls.name:
        raise ValueError(f"pass class {cls.__name__} has no name")
    if cls.name in _PASSES and _PASSES[cls.name] is not cls:
        raise ValueError(f"pass '{cls.name}' registered twice")
    _PASSES[cls.name] = cls
    return cls


PASSES_ENTRY_POINT = "tfc.passes"


def _ensure_loaded() -> None:
    """Import the pass modules once (they register themselves): those that installed packages declare
    under the ``tfc.passes`` entry point group (tfc's own, and its tf-level passes, in pyproject.toml),
    so the core names no module above it."""
    global _loaded
    if not _loaded:
        for module in sorted(ep.value for ep in entry_points(group=PASSES_ENTRY_POINT)):
            importlib.import_module(module)
        _loaded = True  # only once all imported: a failed import is raised again, not half a registry


def available_passes() -> dict[str, type[Pass]]:
    """Pass name → pass class, sorted by name."""
    _ensure_loaded()
    return dict(sorted(_PASSES.items()))


def get_pass(name: str) -> type[Pass]:
    passes = available_passes()
    if name not in passes:
        raise PipelineError(f"unknown pass '{name}' (available: {', '.join(passes) or 'none'})")
    return passes[name]


# ---- pipeline text ---------------------------------------------------------------------------------
_ELEMENT = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_\-]*)\s*(?:\{([^{}]*)\})?\s*")


def parse_pipeline(text: str) -> list[Pass]:
    """``"cse,fold{max_elements=64},dce"`` → pass objects; PipelineError names what is wrong."""
    passes: list[Pass] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        match = _ELEMENT.match(text, pos)
        if match is None or match.end() == pos:
            raise PipelineError(f"cannot parse '{text[pos:]}' (expected name or name{{opt=value,...}})")
        passes.append(_make_pass(match.group(1), match.group(2)))
        pos = match.end()
        if pos < len(text):
            if text[pos] == "{":
                raise PipelineError(f"unclosed '{{' at '{text[pos:]}' (write name{{key=value,...}})")
            if text[pos] != ",":
                raise PipelineError(f"expected ',' between passes at '{text[pos:]}'")
            pos += 1
            if pos == len(text):
                raise PipelineError("pipeline ends with ','")
    return passes


def _make_pass(name: str, options_text: str | None) -> Pass:
    cls = get_pass(name)
    fields = {f.name: f for f in dataclasses.fields(cls)} if dataclasses.is_dataclass(cls) else {}
    hints = typing.get_type_hints(cls) if fields else {}
    raw_values: dict[str, str] = {}
    last_key = None
    for item in _split_options(options_text):
        key, sep, raw = item.partition("=")
        key = key.strip().replace("-", "_")  # MLIR spells options with dashes: fast-math is fast_math
        if not sep and last_key is not None and hints.get(last_key, str) is str and key not in fields:
            raw_values[last_key] += "," + key  # the next element of a comma-separated string option
            continue
        if not sep:
            raise PipelineError(f"option '{key}' of pass '{name}' needs a value (write {key}=...)")
        if key not in fields:
            raise PipelineError(f"pass '{name}' has no option '{key}' (options: {', '.join(fields) or 'none'})")
        raw_values[key] = raw.strip()
        last_key = key
    values = {key: _convert(name, key, raw, hints.get(key, str)) for key, raw in raw_values.items()}
    return cls(**values)


def _split_options(text: str | None) -> list[str]:
    if text is None or not text.strip():
        return []
    return [item for item in text.split(",")]


_BOOLS = {"true": True, "1": True, "false": False, "0": False}


def _convert(pass_name: str, key: str, raw: str, kind):
    """Turn option text into the field's type (bool, int, float or str)."""
    try:
        if kind is bool:
            return _BOOLS[raw.lower()]
        if kind is int:
            return int(raw, 0)
        if kind is float:
            return float(raw)
    except (KeyError, ValueError):
        pass
    else:
        return raw
    raise PipelineError(f"option '{key}' of pass '{pass_name}' expects {kind.__name__}, got '{raw}'")


def format_pass(p: Pass) -> str:
    """Pipeline text of one pass object: its name, with the options that differ from their defaults.

    ``format_pass(parse_pipeline("fold{max_elements=64}")[0]) == "fold{max_elements=64}"``
    """
    if not dataclasses.is_dataclass(p):
        return p.name
    changed = []
    for f in dataclasses.fields(p):
        value = getattr(p, f.name)
        if f.default is dataclasses.MISSING or value != f.default:
            text = ("true" if value else "false") if isinstance(value, bool) else str(value)
            changed.append(f"{f.name}={text}")
    return p.name + ("{" + ",".join(changed) + "}" if changed else "")


def format_pipeline(passes: Sequence[Pass]) -> str:
    """Pipeline text that parses back to ``passes``."""
    return ",".join(format_pass(p) for p in passes)


# ---- running passes --------------------------------------------------------------------------------
_STRUCTURE = frozenset({"builtin.module", "func.func", "func.return"})


def count_ops(module: Module) -> int:
    """Ops doing work in the module: everything but the module, function and return ops."""
    return sum(1 for op in module.walk() if op.name not in _STRUCTURE)


_IR_HEADER = "// -----// IR after {} //----- //\n"


class PassManager:
    """Runs a pipeline of passes over a module.

    Args:
        pipeline: pipeline text (``"cse,dce"``) or pass objects.
        verify_each: verify after every pass; a failure raises :class:`PassVerifyError`.
        print_ir_after_all: write ``// -----// IR after <pass> //----- //`` and the module to ``out``.
        stats: write ``<pass>: ops A -> B, T ms`` to ``out`` after each pass.
        out: the stream for IR dumps, statistics and timing (default stderr).
        allow_unregistered: let the verifier accept ops that are not in the registry.
        print_ir_after_change: like ``print_ir_after_all``, but only after passes that changed the
            printed IR (the text is compared, so attribute-only changes count too).
        timing: after the run, write a report of each pass's wall time and share of the total.

    A pass that raises a :class:`TfcError` is reported as :class:`PassFailedError`, naming it and
    the passes that ran before it; any other exception (a bug) gets the same facts as a note.
    """

    def __init__(
        self,
        pipeline: str | Sequence[Pass],
        verify_each: bool = False,
        print_ir_after_all: bool = False,
        stats: bool = False,
        out: TextIO | None = None,
        allow_unregistered: bool = False,
        print_ir_after_change: bool = False,
        timing: bool = False,
        elide_constants_above: int | None = None,
    ):
        self.passes = parse_pipeline(pipeline) if isinstance(pipeline, str) else list(pipeline)
        self.verify_each = verify_each
        self.print_ir_after_all = print_ir_after_all
        self.print_ir_after_change = print_ir_after_change
        self.stats = stats
        self.timing = timing
        self.out = out
        self.allow_unregistered = allow_unregistered
        self.elide_constants_above = elide_constants_above
        """IR printed after passes elides constants of more elements than this (None: prints them whole)."""

    @property
    def pipeline_text(self) -> str:
        """The pipeline as text (parses back to the same passes)."""
        return format_pipeline(self.passes)

    def run(self, module: Module, *, verified: bool = False) -> None:
        """Run every pass in order on ``module`` (in place).

        The input is verified first when ``verify_each`` is on (else only its nesting is checked,
        which passes rely on): a pass never sees IR that breaks a rule it may assume. ``verified``:
        the caller has just verified ``module`` itself (``tfc opt`` does), so it is not done twice."""
        if not verified and self.verify_each:
            verify(module, allow_unregistered=self.allow_unregistered)
        elif not verified:
            check_nesting(module)
        out = self.out if self.out is not None else sys.stderr
        timer = _Timer() if self.timing else None
        run_start = time.perf_counter()
        last_text = print_module(module, self.elide_constants_above) if self.print_ir_after_change and not self.print_ir_after_all else None
        for index, p in enumerate(self.passes):
            before = count_ops(module) if self.stats else 0
            figures = p.measure(module) if self.stats else {}
            start = time.perf_counter()
            self._run_one(p, module, index)
            elapsed = time.perf_counter() - start
            if timer is not None:
                timer.add(p.name, elapsed)
            if self.verify_each:
                verify_start = time.perf_counter()
                self._verify(module, index)
                if timer is not None:
                    timer.add_verify(time.perf_counter() - verify_start)
            if self.stats:
                after = p.measure(module)
                extra = "".join(f", {key} {value} -> {after.get(key, value)}" for key, value in figures.items())
                out.write(f"{p.name}: ops {before} -> {count_ops(module)}{extra}, {elapsed * 1000:.1f} ms\n")
            if self.print_ir_after_all:
                out.write(_IR_HEADER.format(p.name) + print_module(module, self.elide_constants_above))
            elif last_text is not None:
                text = print_module(module, self.elide_constants_above)
                if text != last_text:
                    out.write(_IR_HEADER.format(p.name) + text)
                    last_text = text
            out.flush()
        if timer is not None:
            out.write(timer.report(time.perf_counter() - run_start))
            out.flush()

    def _ran_before(self, index: int) -> list[str]:
        return [p.name for p in self.passes[:index]]

    def _run_one(self, p: Pass, module: Module, index: int) -> None:
        try:
            p.run(module)
        except TfcError as err:
            raise PassFailedError(p.name, self._ran_before(index), err) from err
        except Exception as err:
            err.add_note(f"in pass '{p.name}'; passes run before it: {_ran_before_text(self._ran_before(index))}")
            raise

    def _verify(self, module: Module, index: int) -> None:
        try:
            verify(module, allow_unregistered=self.allow_unregistered)
        except VerifyError as err:
            raise PassVerifyError(self.passes[index].name, self._ran_before(index), err) from None


class _Timer:
    """Wall time per pass run (in pipeline order) and of the verifier, for the ``timing`` report."""

    def __init__(self):
        self.rows: list[tuple[str, float]] = []
        self.verify_seconds: float | None = None

    def add(self, name: str, seconds: float) -> None:
        self.rows.append((name, seconds))

    def add_verify(self, seconds: float) -> None:
        self.verify_seconds = (self.verify_seconds or 0.0) + seconds

    def report(self, total: float) -> str:
        """MLIR's ``-mlir-timing`` layout: seconds and share of the run's wall time, one row per pass
        run (in pipeline order), then the verifier, the rest (statistics, IR printing) and the total."""
        rule = "===" + "-" * 73 + "===\n"
        rows = list(self.rows)
        if self.verify_seconds is not None:
            rows.append(("Verifier", self.verify_seconds))
        rows.append(("Rest", max(0.0, total - sum(seconds for _, seconds in rows))))  # stats, IR printing
        lines = [rule, "... Execution time report ...".center(79).rstrip() + "\n", rule]
        lines.append(f"  Total Execution Time: {total:.4f} seconds\n\n")
        lines.append("  ----Wall Time----  ----Name----\n")
        for name, seconds in rows + [("Total", total)]:
            share = 100.0 * seconds / total if total > 0 else 0.0
            lines.append(f"  {seconds:8.4f} ({share:5.1f}%)  {name}\n")
        return "".join(lines)


__all__ = [
    "DEFAULT_PIPELINE",
    "FAST_MATH_PIPELINES",
    "PIPELINES",
    "Pass",
    "PassFailedError",
    "PassManager",
    "PassVerifyError",
    "PipelineError",
    "available_passes",
    "count_ops",
    "default_pipeline",
    "format_pass",
    "format_pipeline",
    "get_pass",
    "parse_pipeline",
    "register_pass",
]
