"""``tf.app.run`` and ``tf.logging``: the script plumbing TF1 programs start and log with."""

from __future__ import annotations

import logging as _python_logging
import sys

_log = _python_logging.getLogger("tfc")


def run(main=None, argv=None):
    """Call ``main(argv)`` (default: ``__main__.main`` and ``sys.argv``) and exit with its result."""
    main = main if main is not None else sys.modules["__main__"].main
    sys.exit(main(list(argv) if argv is not None else sys.argv))


class logging:
    """``tf.logging``: TensorFlow 1's logging calls, on Python's logging (logger ``tfc``)."""

    DEBUG, INFO, WARN, ERROR, FATAL = (_python_logging.DEBUG, _python_logging.INFO, _python_logging.WARNING,
                                       _python_logging.ERROR, _python_logging.CRITICAL)

    @staticmethod
    def set_verbosity(level) -> None:
        _log.setLevel(level)

    @staticmethod
    def get_verbosity() -> int:
        return _log.getEffectiveLevel()

    debug = staticmethod(_log.debug)
    info = staticmethod(_log.info)
    warn = warning = staticmethod(_log.warning)
    error = staticmethod(_log.error)
    fatal = staticmethod(_log.critical)


__all__ = ["logging", "run"]
