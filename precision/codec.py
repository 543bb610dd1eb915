"""Results as plain JSON data and back, exactly, without running any code on the way back.

The result cache (:mod:`precision.cache`) stores what a run returns. Pickle would run
whatever a planted file asks for, so results are written as JSON instead: numbers,
strings, lists and dicts as themselves, and everything else as a one-key object whose key
starts with ``$``:

- ``{"$f64": "<16 hex digits>"}``: a non-finite float (NaN, ±inf), its bits kept;
- ``{"$tuple": [...]}``: a tuple (lists stay lists);
- ``{"$dict": [[key, value], ...]}``: a dict with a key that is not a string, or a string
  key that starts with ``$``;
- ``{"$array": {"dtype", "shape", "data"}}``: a numpy array of numbers or booleans, its raw
  bytes in base64 (so every float64 bit is kept); ``{"$scalar": {"dtype", "data"}}``: a
  numpy scalar;
- ``{"$dataclass": {"type", "fields"}}``: an instance of one of the package's own result
  types, named in :data:`RESULT_TYPES`. Only those are made back: a name read from a file
  is looked up in that list, never imported.

Finite floats are written with ``repr``, which reads back to the same float64. Anything
else (a torch tensor, an object array, a class not in the list) is refused with a
``TypeError`` when written; a file that breaks these rules is refused with a ``ValueError``
when read.
"""
from __future__ import annotations

import base64
import dataclasses
import importlib
import math
import re
import struct
from typing import Any

import numpy as np

__all__ = ["RESULT_TYPES", "to_plain", "from_plain"]

#: The dataclasses a result may contain: the package's own plain-data result types, by
#: ``module.qualname``. Decoding looks a name up here and nowhere else.
RESULT_TYPES: tuple[str, ...] = (
    "precision.chebyshev.CurvePoint",
    "precision.decomposition.LossDecomposition",
    "precision.fitting.FitResult",  # entries written before FitResult moved to precision.results
    "precision.results.FitResult",
    "precision.floors.Floor",
    "precision.floors.LabelFloor",
    "precision.lmbench.LMComparison",
    "precision.lmbench.LMTrace",
    "precision.optimizers.TrainResult",
)

_NUMERIC_KINDS = "biufc"  # bool, signed and unsigned int, float, complex: no objects, strings or records
_DTYPE = re.compile(r"[<>|=][biufc](1|2|4|8|16|32)")


def _type_name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _result_type(name: str) -> type:
    if name not in RESULT_TYPES:
        raise ValueError(f"type {name!r} is not one of the result types precision.codec.RESULT_TYPES")
    module, _, qualname = name.rpartition(".")
    cls = getattr(importlib.import_module(module), qualname)
    if not (isinstance(cls, type) and dataclasses.is_dataclass(cls)):
        raise ValueError(f"result type {name!r} is not a dataclass")
    return cls


def _dtype(text: Any) -> np.dtype:
    """A numeric dtype from its ``dtype.str`` (``"<f8"``, ``"|b1"``, ...); nothing else is parsed."""
    if not (isinstance(text, str) and _DTYPE.fullmatch(text)):
        raise ValueError(f"dtype must be a numeric dtype string such as '<f8', got {text!r}")
    return np.dtype(text)


def to_plain(value: Any) -> Any:
    """``value`` as JSON-able data that :func:`from_plain` turns back into an equal value.

    Parameters
    ----------
    value : Any
        ``None``, ``bool``, ``int``, ``float``, ``str``; lists, tuples and dicts of these
        (dict keys of any of these types, tuples included); numpy arrays and scalars of
        numbers or booleans; instances of the dataclasses in :data:`RESULT_TYPES`.

    Returns
    -------
    Any
        Data that ``json.dumps(..., allow_nan=False)`` can write.

    Raises
    ------
    TypeError
        If ``value`` holds anything else (a torch tensor, an object array, another class).
    """
    t = type(value)
    if value is None or t in (bool, int, str):
        return value
    if t is float:
        if math.isfinite(value):
            return value
        return {"$f64": struct.pack(">d", value).hex()}
    if isinstance(value, np.ndarray) and t is np.ndarray:
        _check_numeric(value.dtype)
        data = np.ascontiguousarray(value).tobytes()
        return {"$array": {"dtype": value.dtype.str, "shape": list(value.shape),
                           "data": base64.b64encode(data).decode("ascii")}}
    if isinstance(value, np.generic):
        _check_numeric(value.dtype)
        return {"$scalar": {"dtype": value.dtype.str, "data": base64.b64encode(value.tobytes()).decode("ascii")}}
    if t is list:
        return [to_plain(v) for v in value]
    if t is tuple:
        return {"$tuple": [to_plain(v) for v in value]}
    if t is dict:
        if all(type(k) is str and not k.startswith("$") for k in value):
            return {k: to_plain(v) for k, v in value.items()}
        return {"$dict": [[to_plain(k), to_plain(v)] for k, v in value.items()]}
    if dataclasses.is_dataclass(value) and not isinstance(value, type) and _type_name(t) in RESULT_TYPES:
        return {"$dataclass": {"type": _type_name(t),
                               "fields": {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}}}
    hint = " (convert it with .cpu().numpy())" if t.__module__.startswith("torch") else ""
    raise TypeError(f"a cached result must hold plain numbers, strings, lists, dicts, numpy arrays or "
                    f"the result types in precision.codec.RESULT_TYPES; got {_type_name(t)}{hint}")


def _check_numeric(dtype: np.dtype) -> None:
    if dtype.kind not in _NUMERIC_KINDS or dtype.fields is not None or dtype.subdtype is not None:
        raise TypeError(f"a cached numpy array must hold numbers or booleans, got dtype {dtype}")


def from_plain(data: Any) -> Any:
    """The value that :func:`to_plain` turned into ``data``; nothing but this module's own
    constructors runs (and the ``__init__`` of a type in :data:`RESULT_TYPES`).

    Parameters
    ----------
    data : Any
        Data read by ``json.loads``.

    Returns
    -------
    Any
        The value.

    Raises
    ------
    ValueError
        If ``data`` is not what :func:`to_plain` writes (an unknown ``$`` tag, a type not in
        :data:`RESULT_TYPES`, a non-numeric dtype, array bytes that do not fit the shape).
    """
    t = type(data)
    if data is None or t in (bool, int, float, str):
        return data
    if t is list:
        return [from_plain(v) for v in data]
    if t is not dict:
        raise ValueError(f"unexpected JSON value of type {t.__name__}")
    if len(data) == 1:
        (tag, body), = data.items()
        if tag.startswith("$"):
            return _untag(tag, body)
    if any(k.startswith("$") for k in data):
        raise ValueError("a dict key starting with '$' must be written as a $dict")
    return {k: from_plain(v) for k, v in data.items()}


def _untag(tag: str, body: Any) -> Any:
    if tag == "$f64":
        if not (isinstance(body, str) and len(body) == 16):
            raise ValueError("$f64 needs 16 hex digits")
        return struct.unpack(">d", bytes.fromhex(body))[0]
    if tag == "$tuple":
        if type(body) is not list:
            raise ValueError("$tuple needs a list")
        return tuple(from_plain(v) for v in body)
    if tag == "$dict":
        if type(body) is not list or not all(type(p) is list and len(p) == 2 for p in body):
            raise ValueError("$dict needs a list of [key, value] pairs")
        try:
            return {from_plain(k): from_plain(v) for k, v in body}
        except TypeError as e:  # a key that cannot be one (a list)
            raise ValueError(f"$dict has a key that is not hashable: {e}") from None
    if tag == "$array":
        if type(body) is not dict or set(body) != {"dtype", "shape", "data"}:
            raise ValueError("$array needs dtype, shape and data")
        dtype, shape = _dtype(body["dtype"]), body["shape"]
        if type(shape) is not list or not all(type(n) is int and n >= 0 for n in shape):
            raise ValueError("$array shape must be a list of non-negative integers")
        raw = _bytes(body["data"])
        if len(raw) != math.prod(shape) * dtype.itemsize:
            raise ValueError(f"$array data holds {len(raw)} bytes, not the {math.prod(shape) * dtype.itemsize} "
                             f"of shape {shape} and dtype {dtype}")
        return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
    if tag == "$scalar":
        if type(body) is not dict or set(body) != {"dtype", "data"}:
            raise ValueError("$scalar needs dtype and data")
        dtype, raw = _dtype(body["dtype"]), _bytes(body["data"])
        if len(raw) != dtype.itemsize:
            raise ValueError(f"$scalar data holds {len(raw)} bytes, not {dtype.itemsize}")
        return np.frombuffer(raw, dtype=dtype)[0]
    if tag == "$dataclass":
        if type(body) is not dict or set(body) != {"type", "fields"} or type(body["fields"]) is not dict:
            raise ValueError("$dataclass needs type and fields")
        cls = _result_type(body["type"])
        fields = {f.name: f for f in dataclasses.fields(cls)}
        if set(body["fields"]) != set(fields):
            raise ValueError(f"$dataclass {body['type']} needs the fields {sorted(fields)}")
        values = {name: from_plain(v) for name, v in body["fields"].items()}
        obj = cls(**{name: v for name, v in values.items() if fields[name].init})
        for name, v in values.items():
            if not fields[name].init:
                object.__setattr__(obj, name, v)
        return obj
    raise ValueError(f"unknown tag {tag!r}")


def _bytes(text: Any) -> bytes:
    if not isinstance(text, str):
        raise ValueError("array data must be a base64 string")
    return base64.b64decode(text.encode("ascii"), validate=True)
