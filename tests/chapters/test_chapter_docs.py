"""Every public function and class of ``precision/chapters/`` has a numpydoc docstring.

Public means listed in the module's ``__all__`` and defined in that module. A function or
method that takes arguments (besides ``self``/``cls``) needs a ``Parameters`` section; one
whose return annotation is not ``None`` needs a ``Returns`` (or ``Yields``) section. A class
needs a docstring; its public methods are checked like functions. A class whose constructor
takes arguments needs a ``Parameters`` section, except a dataclass whose docstring names
each of its own fields (or has an ``Attributes`` section).
"""
from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
import re

import pytest

import precision.chapters

_NONE = (None, "None", type(None))


def _has_section(doc: str, name: str) -> bool:
    return re.search(rf"^\s*{name}\n\s*-{{3,}}\s*$", doc, re.MULTILINE) is not None


def _takes_arguments(func) -> bool:
    try:
        params = list(inspect.signature(func).parameters.values())
    except (TypeError, ValueError):
        return False
    return any(p.name not in ("self", "cls") for p in params)


def _returns_something(func) -> bool:
    try:
        ann = inspect.signature(func).return_annotation
    except (TypeError, ValueError):
        return False
    return ann is not inspect.Signature.empty and ann not in _NONE


def _function_problems(func, where: str) -> list[str]:
    doc = inspect.getdoc(func)
    if not doc:
        return [f"{where}: no docstring"]
    problems = []
    if _takes_arguments(func) and not _has_section(doc, "Parameters"):
        problems.append(f"{where}: no Parameters section")
    if _returns_something(func) and not (_has_section(doc, "Returns") or _has_section(doc, "Yields")):
        problems.append(f"{where}: no Returns section")
    return problems


def _class_problems(cls, where: str) -> list[str]:
    doc = cls.__doc__ or ""
    if not doc.strip() or (dataclasses.is_dataclass(cls) and doc.startswith(cls.__name__ + "(")):
        return [f"{where}: no docstring"]
    doc = inspect.cleandoc(doc)
    problems = []
    documented = _has_section(doc, "Parameters") or _has_section(doc, "Attributes")
    if dataclasses.is_dataclass(cls):
        own = [f.name for f in dataclasses.fields(cls) if f.name in cls.__dict__.get("__annotations__", {})]
        missing = [name for name in own if not re.search(rf"\b{re.escape(name)}\b", doc)]
        if missing and not documented:
            problems.append(f"{where}: fields {missing} neither named in the docstring nor in a section")
    elif "__init__" in cls.__dict__ and _takes_arguments(cls.__init__) and not documented:
        problems.append(f"{where}: no Parameters section")
    for name, attr in cls.__dict__.items():
        if name.startswith("_"):
            continue
        if isinstance(attr, (staticmethod, classmethod)):
            attr = attr.__func__
        if inspect.isfunction(attr):
            problems += _function_problems(attr, f"{where}.{name}")
    return problems


def public_definitions():
    """``(where, object)`` for each public function and class of ``precision.chapters``."""
    out = []
    for info in pkgutil.iter_modules(precision.chapters.__path__):
        module = importlib.import_module(f"precision.chapters.{info.name}")
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            if (inspect.isfunction(obj) or inspect.isclass(obj)) and obj.__module__ == module.__name__:
                out.append((f"{module.__name__}.{name}", obj))
    return out


def problems_of(where: str, obj) -> list[str]:
    """What ``obj``'s docstrings lack, one line each (empty when complete)."""
    return _class_problems(obj, where) if inspect.isclass(obj) else _function_problems(obj, where)


_DEFINITIONS = public_definitions()


def test_there_are_definitions():
    assert len(_DEFINITIONS) > 50


@pytest.mark.parametrize("where,obj", _DEFINITIONS, ids=[w for w, _ in _DEFINITIONS])
def test_numpydoc_sections(where, obj):
    problems = problems_of(where, obj)
    assert not problems, "\n".join(problems)
