"""tf.errors: TensorFlow's error classes and codes, so ``except tf.errors.OutOfRangeError`` and the
like work in TF1 programs.

A Session run that fails raises tfc's own error (a ``SessionError``, a ``GraphImportError``); the
session gives it the TensorFlow class of the same failure with :func:`as_op_error`, keeping tfc's
class too, so both kinds of ``except`` clause catch it.
"""

from __future__ import annotations

import re

OK = 0
CANCELLED = 1
UNKNOWN = 2
INVALID_ARGUMENT = 3
DEADLINE_EXCEEDED = 4
NOT_FOUND = 5
ALREADY_EXISTS = 6
PERMISSION_DENIED = 7
RESOURCE_EXHAUSTED = 8
FAILED_PRECONDITION = 9
ABORTED = 10
OUT_OF_RANGE = 11
UNIMPLEMENTED = 12
INTERNAL = 13
UNAVAILABLE = 14
DATA_LOSS = 15
UNAUTHENTICATED = 16


class OpError(Exception):
    """A failed TensorFlow operation: ``OpError(node_def, op, message, error_code)``."""

    def __init__(self, node_def, op, message, error_code, *args):
        super().__init__()
        self._node_def, self._op, self._message, self._error_code = node_def, op, message, error_code
        self._experimental_payloads = args[0] if args else {}

    def __reduce__(self):
        init = (self.node_def, self.op, self.message, self.error_code)
        return type(self), init if type(self) is OpError else init[:3]

    @property
    def message(self) -> str:
        return getattr(self, "_message", None) or BaseException.__str__(self)

    @property
    def op(self):
        """The Operation that failed, when known (else None)."""
        return getattr(self, "_op", None)

    @property
    def node_def(self):
        return getattr(self, "_node_def", None)

    @property
    def error_code(self) -> int:
        return getattr(self, "_error_code", _CODES.get(type(self), UNKNOWN))

    @property
    def experimental_payloads(self) -> dict:
        return getattr(self, "_experimental_payloads", {})

    def __str__(self) -> str:
        return self.message


def _subclass(name: str, code: int) -> type:
    def __init__(self, node_def, op, message, *args):
        OpError.__init__(self, node_def, op, message, code, *args)

    doc = f"TensorFlow's error code {name} ({code}): ``{name}(node_def, op, message)``."
    return type(name, (OpError,), {"__init__": __init__, "__doc__": doc, "__module__": __name__})


CancelledError = _subclass("CancelledError", CANCELLED)
UnknownError = _subclass("UnknownError", UNKNOWN)
InvalidArgumentError = _subclass("InvalidArgumentError", INVALID_ARGUMENT)
DeadlineExceededError = _subclass("DeadlineExceededError", DEADLINE_EXCEEDED)
NotFoundError = _subclass("NotFoundError", NOT_FOUND)
AlreadyExistsError = _subclass("AlreadyExistsError", ALREADY_EXISTS)
PermissionDeniedError = _subclass("PermissionDeniedError", PERMISSION_DENIED)
ResourceExhaustedError = _subclass("ResourceExhaustedError", RESOURCE_EXHAUSTED)
FailedPreconditionError = _subclass("FailedPreconditionError", FAILED_PRECONDITION)
AbortedError = _subclass("AbortedError", ABORTED)
OutOfRangeError = _subclass("OutOfRangeError", OUT_OF_RANGE)
UnimplementedError = _subclass("UnimplementedError", UNIMPLEMENTED)
InternalError = _subclass("InternalError", INTERNAL)
UnavailableError = _subclass("UnavailableError", UNAVAILABLE)
DataLossError = _subclass("DataLossError", DATA_LOSS)
UnauthenticatedError = _subclass("UnauthenticatedError", UNAUTHENTICATED)

_CLASSES = {CANCELLED: CancelledError, UNKNOWN: UnknownError, INVALID_ARGUMENT: InvalidArgumentError,
            DEADLINE_EXCEEDED: DeadlineExceededError, NOT_FOUND: NotFoundError, ALREADY_EXISTS: AlreadyExistsError,
            PERMISSION_DENIED: PermissionDeniedError, RESOURCE_EXHAUSTED: ResourceExhaustedError,
            FAILED_PRECONDITION: FailedPreconditionError, ABORTED: AbortedError, OUT_OF_RANGE: OutOfRangeError,
            UNIMPLEMENTED: UnimplementedError, INTERNAL: InternalError, UNAVAILABLE: UnavailableError,
            DATA_LOSS: DataLossError, UNAUTHENTICATED: UnauthenticatedError}
_CODES = {cls: code for code, cls in _CLASSES.items()}


def exception_type_from_error_code(error_code) -> type:
    """The class of ``error_code`` (KeyError for a code TensorFlow does not have)."""
    return _CLASSES[error_code]


def error_code_from_exception_type(cls) -> int:
    """The code of ``cls``; UNKNOWN for a class that is not one of TensorFlow's."""
    return next((code for klass, code in _CODES.items() if issubclass(cls, klass)), UNKNOWN)


# How a tfc run failure reads -> TensorFlow's class for it (and Python's, where TensorFlow's Session
# raises a ValueError before running: a feed it cannot convert or of the wrong static shape).
_RUN_FAILURES = (
    (re.compile(r"variable '[^']*' is not initialized"), FailedPreconditionError, ()),
    (re.compile(r"you must feed a value for placeholder"), InvalidArgumentError, ()),
    (re.compile(r"cannot feed (a value of shape|'[^']*' (a value|with a value|\(.*\) a))"), InvalidArgumentError, (ValueError,)),
)
_COMBINED: dict = {}


def combined_class(tfc_class: type, tf_class: type, extra: tuple = ()) -> type:
    """A class that is both ``tfc_class`` (what tfc raised) and TensorFlow's ``tf_class``; it is made,
    printed and pickled as ``tfc_class`` is."""
    key = tfc_class, tf_class, extra
    if key not in _COMBINED:
        if issubclass(tfc_class, tf_class):
            _COMBINED[key] = tfc_class
        else:
            body = {"__init__": tfc_class.__init__, "__str__": tfc_class.__str__, "__reduce__": _reduce_combined, "combined_from": key,
                    "__module__": tfc_class.__module__, "__doc__": tf_class.__doc__}
            _COMBINED[key] = type(tf_class.__name__, (tfc_class, tf_class, *extra), body)
    return _COMBINED[key]


def _reduce_combined(err):
    return restored_error, (*err.combined_from, err.args, dict(err.__dict__))


def restored_error(tfc_class: type, tf_class: type, extra: tuple, args: tuple, state: dict) -> Exception:
    """An error of a :func:`combined_class` as it was pickled (its class is made again, not looked up by name)."""
    cls = combined_class(tfc_class, tf_class, extra)
    err = cls.__new__(cls, *args)
    err.args = args
    err.__dict__.update(state)
    return err


def as_op_error(err: Exception, tf_class: type | None = None, op=None, extra: tuple = ()) -> Exception:
    """``err`` (the same object, so its message and traceback stay) made an instance of TensorFlow's
    class for it too: ``tf_class``, or the one its message reads as (unchanged when none fits)."""
    if isinstance(err, OpError):
        return err
    message = str(err)
    if tf_class is None:
        tf_class, extra = next(((cls, more) for pattern, cls, more in _RUN_FAILURES if pattern.search(message)), (None, ()))
        if tf_class is None:
            return err
    err.__class__ = combined_class(type(err), tf_class, extra)
    args = err.args  # what tfc's class prints, which OpError's constructor would clear
    OpError.__init__(err, getattr(op, "node_def", None), op, message, _CODES[tf_class])
    err.args = args
    return err


__all__ = ["ABORTED", "ALREADY_EXISTS", "AbortedError", "AlreadyExistsError", "CANCELLED", "CancelledError", "DATA_LOSS",
           "DEADLINE_EXCEEDED", "DataLossError", "DeadlineExceededError", "FAILED_PRECONDITION", "FailedPreconditionError",
           "INTERNAL", "INVALID_ARGUMENT", "InternalError", "InvalidArgumentError", "NOT_FOUND", "NotFoundError", "OK",
           "OUT_OF_RANGE", "OpError", "OutOfRangeError", "PERMISSION_DENIED", "PermissionDeniedError", "RESOURCE_EXHAUSTED",
           "ResourceExhaustedError", "UNAUTHENTICATED", "UNAVAILABLE", "UNIMPLEMENTED", "UNKNOWN", "UnauthenticatedError",
           "UnavailableError", "UnimplementedError", "UnknownError", "error_code_from_exception_type",
           "exception_type_from_error_code"]
TOP_LEVEL: tuple[str, ...] = ("OpError",)  # the names TensorFlow 1 also has at tf.<name>
