"""The method registry: :data:`METHODS`, filled by :func:`register`, read by
:func:`precision.fitting.fit` and the command line (``python -m precision fit``).

A method is a function ``(data, **options) -> FitResult``. Registering it records, in one
place, everything the rest of the package needs to know about it: a one-line description,
the help text of each option (read from the function's numpydoc ``Parameters`` section:
written once, shown by ``help()`` and by ``fit --help``), and its memory estimate::

    @register("mine", help="what it does, in one line", memory=mine_memory)
    def fit_mine(data: Dataset, width: int = 20) -> FitResult:
        \"\"\"...

        Parameters
        ----------
        data
            Training and test sets.
        width
            hidden width
        \"\"\"

Every parameter after ``data`` is an option: keyword, with a default, and a help text.
Its annotation (``int``, ``float``, ``str``, ``bool``; anything else is passed on as text)
types the command-line flag ``--width``; ``seed`` follows the command line's ``--seed``.
"""
from __future__ import annotations

import inspect
import re
from dataclasses import dataclass
from typing import Any, Callable

from .memory import Estimate, data_only
from .results import FitResult

__all__ = ["Method", "METHODS", "register", "parameter_help", "MemoryEstimate"]

MemoryEstimate = Callable[[int, int, int, dict], list]
"""``memory(d, n_train, n_test, options)`` → the fit's large allocations, a list of
:data:`precision.memory.Estimate` ``(option, bytes, what)``, the data first."""

_PLAIN_TYPES = {"int": int, "float": float, "str": str, "bool": bool, "None": type(None)}


def _annotation(annotation: Any) -> Any:
    """An option's annotation as a type: ``"int"`` → ``int``; a union such as ``"int | str"``
    → ``int | str``. Read by name from a table (no evaluation); anything else stays as it is."""
    if not isinstance(annotation, str):
        return annotation
    parts = [_PLAIN_TYPES.get(part.strip()) for part in annotation.split("|")]
    if any(part is None for part in parts):
        return annotation
    out = parts[0]
    for part in parts[1:]:
        out = out | part
    return out


_ROLE = re.compile(r":[\w:]+:`(~?)([^`]*)`")  # :func:`~precision.models.mlp`, :data:`text <target>`
_LITERAL = re.compile(r"``([^`]*)``")


def _role_text(match: re.Match) -> str:
    tilde, body = match.groups()
    if "<" in body:
        return body.split("<")[0].strip()
    return body.rsplit(".", 1)[-1] if tilde else body


def _plain(text: str) -> str:
    """A description as one line of plain text: reST roles and literals unwrapped, the final
    period dropped."""
    text = _LITERAL.sub(r"\1", _ROLE.sub(_role_text, text))
    text = " ".join(text.split())
    return text[:-1] if text.endswith(".") else text


def parameter_help(function: Callable) -> dict[str, str]:
    """The numpydoc ``Parameters`` section of ``function``'s docstring: name → description.

    Parameters
    ----------
    function
        Any function; one without a docstring or a ``Parameters`` section gives ``{}``.

    Returns
    -------
    dict
        One entry per parameter named (``width, depth : int`` names two, with the same
        description); the description as one line of plain text (reST markup unwrapped, the
        final period dropped), the command line's help for the option.
    """
    lines = inspect.cleandoc(function.__doc__ or "").splitlines()
    out: dict[str, str] = {}
    for i in range(len(lines) - 1):
        if lines[i].strip() == "Parameters" and set(lines[i + 1].strip()) == {"-"}:
            body = lines[i + 2:]
            break
    else:
        return out
    names: list[str] = []
    text: list[str] = []

    def flush() -> None:
        for name in names:
            out[name] = _plain(" ".join(text))

    for k, line in enumerate(body):
        if line and not line[0].isspace():
            if k + 1 < len(body) and body[k + 1].strip() and set(body[k + 1].strip()) == {"-"}:
                break  # the next section
            flush()
            names = [n.strip().lstrip("*") for n in line.split(":")[0].split(",") if n.strip()]
            text = []
        elif line.strip():
            text.append(line.strip())
    flush()
    return out


@dataclass(frozen=True)
class Method:
    """One registered fitting method (see :func:`register`).

    Calling it calls ``function``, so ``METHODS[name](data, **options)`` fits. ``options``
    holds each option's help text, ``memory`` the estimate of the fit's large allocations.
    """

    name: str
    function: Callable[..., FitResult]
    help: str
    options: dict[str, str]
    memory: MemoryEstimate = data_only

    def __call__(self, data: Any, **options: Any) -> FitResult:
        return self.function(data, **options)

    @property
    def parameters(self) -> dict[str, inspect.Parameter]:
        """The options as ``inspect.Parameter`` (name, default, annotation resolved to a type), in order."""
        params = list(inspect.signature(self.function).parameters.values())[1:]
        return {p.name: p.replace(annotation=_annotation(p.annotation)) for p in params}

    @property
    def defaults(self) -> dict[str, Any]:
        """Each option's default."""
        return {name: p.default for name, p in self.parameters.items()}

    def estimate(self, d: int, n_train: int, n_test: int, options: dict[str, Any]) -> list[Estimate]:
        """The fit's large allocations: :attr:`memory` ``(d, n_train, n_test, options)``."""
        return self.memory(d, n_train, n_test, options)


METHODS: dict[str, Method] = {}
"""The registry: method name → :class:`Method`, in registration order."""


def register(name: str, help: str, options: dict[str, str] | None = None, memory: MemoryEstimate | None = None
             ) -> Callable[[Callable[..., FitResult]], Callable[..., FitResult]]:
    """Decorator that registers a fitting function as method ``name`` (for
    :func:`precision.fitting.fit` and the CLI).

    Parameters
    ----------
    name
        The method's name (``--method NAME``); registering a name again replaces it.
    help
        A one-line description (the CLI's ``fit --help`` lists it).
    options
        A help text per option (every parameter after ``data``), e.g. ``{"width": "hidden
        width"}``, for a function whose docstring has no numpydoc ``Parameters`` section;
        by default they are read from that section (:func:`parameter_help`).
    memory
        ``memory(d, n_train, n_test, options)`` → the fit's large allocations, the data
        first (:data:`MemoryEstimate`); checked before any of them is allocated. Default:
        :func:`precision.memory.data_only`, the data alone.

    Returns
    -------
    callable
        A decorator that registers the function and returns it unchanged.

    Raises
    ------
    TypeError
        When an option lacks a default or a help text, the function takes ``*args`` or
        ``**kwargs``, a help text names no parameter, both ``options`` and a ``Parameters``
        section give the help, or an option of the same name in another method has
        another type (the CLI has one flag per name).
    """
    def decorate(function: Callable[..., FitResult]) -> Callable[..., FitResult]:
        where = f"register({name!r})"
        first = next(iter(inspect.signature(function).parameters), None)  # the data
        documented = {k: v for k, v in parameter_help(function).items() if k != first}
        if options is not None and documented:
            raise TypeError(f"{where}: give each option's help once, in options or in the docstring's Parameters "
                            "section, not both")
        texts = dict(options) if options is not None else documented
        method = Method(name, function, help, texts, memory or data_only)
        params = method.parameters
        for p in params.values():
            if p.kind not in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY):
                raise TypeError(f"{where}: option {p.name!r} must be a keyword parameter, not *args/**kwargs")
            if p.default is p.empty:
                raise TypeError(f"{where}: option {p.name!r} needs a default")
        if set(params) != set(texts):
            missing, extra = sorted(set(params) - set(texts)), sorted(set(texts) - set(params))
            raise TypeError(f"{where}: options must give one help text per parameter after data; "
                            f"missing {missing or 'none'}, not parameters {extra or 'none'}")
        for other in METHODS.values():
            if other.name == name:
                continue
            for p_name, p in other.parameters.items():
                if p_name in params and params[p_name].annotation != p.annotation:
                    raise TypeError(f"{where}: option {p_name!r} is {params[p_name].annotation!r} here but "
                                    f"{p.annotation!r} in method {other.name!r}")
        METHODS[name] = method
        return function

    return decorate
