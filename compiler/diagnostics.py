"""Errors a user can see. Each names where it happened and which rule broke.

Every error tfc raises on bad input is a :class:`TfcError`, so the CLI can print it as one line and
tests can assert that nothing else escapes.
"""

from __future__ import annotations

from .location import Location


class TfcError(Exception):
    """Base of every user-facing tfc error."""


class ParseError(TfcError):
    """Malformed IR text: carries file, line, column, the source line and a caret."""

    def __init__(self, message: str, file: str, line: int, col: int, source_line: str = ""):
        self.message, self.file, self.line, self.col, self.source_line = message, file, line, col, source_line
        super().__init__(f"{file}:{line}:{col}: error: {message}")

    def render(self) -> str:
        """The message with the offending line and a caret under the column, as compilers print it."""
        text = str(self)
        if self.source_line:
            text += f"\n{self.source_line}\n{' ' * (self.col - 1)}^"
        return text


class VerifyError(TfcError):
    """IR that breaks a structural rule or an op's schema."""

    def __init__(self, message: str, op_name: str | None = None, location: Location | None = None):
        self.message, self.op_name, self.location = message, op_name, location
        where = f"{location.describe()}: " if location is not None else ""
        what = f"'{op_name}' op " if op_name else ""
        super().__init__(f"{where}error: {what}{message}")


class TraceError(TfcError):
    """A traced Python function did something tfc cannot trace (bad value, shape mismatch...)."""

    def __init__(self, message: str, location: Location | None = None):
        self.message, self.location = message, location
        where = f"{location.describe()}: " if location is not None else ""
        super().__init__(f"{where}error: {message}")


class BackendError(TfcError):
    """A backend (XLA or interp) refused or failed to run a module; names the op's location when known."""

    def __init__(self, message: str, location: Location | None = None):
        self.message, self.location = message, location
        where = f"{location.describe()}: " if location is not None else ""
        super().__init__(f"{where}error: {message}")


class FileAccessError(TfcError):
    """A file that cannot be read or written at all (missing, a folder, no permission), as opposed to
    one whose content is wrong. The CLI exits with status 2 for it (as for a usage error), 1 for bad content."""


def decode_text(data: bytes, file: str) -> str:
    """``data`` as UTF-8 text with universal newlines; a ParseError at the first byte that is not UTF-8."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        line_start = data.rfind(b"\n", 0, err.start) + 1
        line_end = data.find(b"\n", err.start)
        source = data[line_start : len(data) if line_end < 0 else line_end].decode("utf-8", "replace")
        col = len(data[line_start : err.start].decode("utf-8", "replace")) + 1
        raise ParseError(f"not UTF-8 text (byte 0x{data[err.start]:02x}: {err.reason})", file, line, col, source) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")
