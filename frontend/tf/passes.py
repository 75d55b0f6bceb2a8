"""The tf-level passes, registered with the pass manager when it loads passes (entry point
``tfc.passes``): ``legalize-tf``, ``tf-fold`` and ``tf-fuse``. ``frontend/tf/rules.py`` registers the
tf rule table that ``simplify`` and ``tf-fuse`` apply."""

from __future__ import annotations

from . import fold, fuse, legalize, rules

__all__ = ["fold", "fuse", "legalize", "rules"]
