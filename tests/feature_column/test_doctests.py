"""The examples in tfc.feature_column's docstrings run and give what they show."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import tfc.feature_column

MODULES = sorted(m.name for m in pkgutil.iter_modules(tfc.feature_column.__path__))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(f"tfc.feature_column.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
