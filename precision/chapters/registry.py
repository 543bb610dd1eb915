"""The chapters of the book, one :class:`Chapter` record each, declared in the chapter's module.

A chapter's module (``precision/chapters/<name>.py``, its name with ``-`` written ``_``)
declares ``CHAPTER = register(Chapter(...))``: the notebook's name (``book/<name>.md``),
its number and title, its config class (a frozen dataclass whose fields are the run sizes,
each made by :func:`knob` with the ``book`` profile's value as its default), the ``smoke``
and ``paper`` profiles as small override mappings, and ``batches(cfg)``: the runs its
notebook executes, one :class:`~precision.chapters.costs.Batch` per ``run_jobs`` call.
:func:`chapters` imports every module of this package and returns the records in build
order; the cost plan, the status page, the scorecard and the build read them, and no other
table names chapters.

A notebook resolves its config with its parameters as one mapping::

    cfg = CHAPTER.resolve(profile, globals())

which takes the chapter's parameters (its knobs not marked ``fixed``) from the mapping, a
value ``None`` keeping the profile's, and checks every value before any compute.
"""
from __future__ import annotations

import dataclasses
import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

__all__ = ["PROFILES", "check_profile", "knob", "Chapter", "register", "chapters", "compute_chapters", "get"]

PROFILES = ("smoke", "book", "paper")


def check_profile(profile: Any) -> str:
    """``profile`` if it is one of :data:`PROFILES`, else ``ValueError`` naming the allowed values.

    Parameters
    ----------
    profile : Any
        The value to check.

    Returns
    -------
    str
        ``profile``, unchanged.

    Raises
    ------
    ValueError
        If ``profile`` is not ``"smoke"``, ``"book"`` or ``"paper"``.
    """
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {', '.join(repr(p) for p in PROFILES)}; got {profile!r}")
    return profile


def knob(check: Callable[[str, Any], Any], default: Any, *, fixed: bool = False) -> Any:
    """A config field: its ``book`` value, the check of a value (``check(name, value)``
    returns it, or raises ``ValueError`` naming the parameter), and whether it is ``fixed``
    (set by the profile only, not a parameter of the notebook).

    Parameters
    ----------
    check : callable
        ``check(name, value)``: returns the checked value or raises ``ValueError``.
    default : Any
        The value at the ``book`` profile.
    fixed : bool, optional
        If ``True``, only a profile sets it; a notebook cannot (default ``False``).

    Returns
    -------
    dataclasses.Field
        The field, with ``check`` and ``fixed`` in its metadata.
    """
    return field(default=default, metadata={"check": check, "fixed": fixed})


def _number_key(number: str) -> tuple[int, int, str]:
    return (0, int(number), "") if number.isdigit() else (1, 0, number)


@dataclass(frozen=True)
class Chapter:
    """One chapter: its notebook, its title, its run sizes and the runs its notebook executes.

    Parameters
    ----------
    name
        The notebook's name: ``book/<name>.md``.
    number
        ``"1"`` … for chapters, ``"A"`` … for appendices.
    title
        The title, as the plan and the status page show it.
    config
        Frozen dataclass of the run sizes (fields made by :func:`knob`, defaults = ``book``),
        or ``None`` for a chapter without sizes.
    smoke, paper
        The values of those profiles that differ from ``book``.
    batches
        ``batches(cfg)``: the notebook's runs at ``cfg``, one
        :class:`~precision.chapters.costs.Batch` per ``run_jobs`` call (or inline work), in
        its order; ``None`` for a chapter without compute.
    checks
        Checks of a resolved config that tie several knobs together (``check(cfg)`` raises
        ``ValueError``).
    reads_others
        Its notebook reads what the others recorded, so it is executed last (the Conclusions).
    """

    name: str
    number: str
    title: str
    config: type | None = None
    smoke: Mapping[str, Any] = field(default_factory=dict)
    paper: Mapping[str, Any] = field(default_factory=dict)
    batches: Callable[[Any], list] | None = None
    checks: tuple[Callable[[Any], None], ...] = ()
    reads_others: bool = False

    def __post_init__(self) -> None:
        for profile in ("smoke", "paper"):
            unknown = sorted(set(getattr(self, profile)) - set(self.knobs))
            if unknown:
                raise TypeError(f"chapter {self.name!r}: the {profile} profile sets {', '.join(unknown)}, "
                                f"which are not knobs of {getattr(self.config, '__name__', 'its config')}")

    @property
    def docname(self) -> str:
        """The notebook's Sphinx docname, ``book/<name>``."""
        return f"book/{self.name}"

    @property
    def label(self) -> str:
        """``"Chapter 2"`` or ``"Appendix A"``."""
        return f"Chapter {self.number}" if self.number.isdigit() else f"Appendix {self.number}"

    @property
    def heading(self) -> str:
        """``"Chapter 2, piecewise linear methods"``."""
        return f"{self.label}, {self.title[0].lower()}{self.title[1:]}"

    @property
    def short(self) -> str:
        """``"2 Piecewise linear methods"``: the plan's row label."""
        return f"{self.number} {self.title}"

    @property
    def knobs(self) -> dict[str, dataclasses.Field]:
        """The config's fields but ``profile``, in order."""
        if self.config is None:
            return {}
        return {f.name: f for f in dataclasses.fields(self.config) if f.name != "profile"}

    @property
    def parameters(self) -> tuple[str, ...]:
        """The knobs a notebook takes as parameters (those not ``fixed``)."""
        return tuple(name for name, f in self.knobs.items() if not f.metadata.get("fixed"))

    @property
    def fixed(self) -> tuple[str, ...]:
        """The knobs only a profile sets."""
        return tuple(name for name, f in self.knobs.items() if f.metadata.get("fixed"))

    def sizes(self, profile: str) -> dict[str, Any]:
        """Every knob's value at ``profile``, unchecked: the defaults with the profile's overrides.

        Parameters
        ----------
        profile : str
            ``"smoke"``, ``"book"`` or ``"paper"``.

        Returns
        -------
        dict of str to Any
            Each knob's name and value.

        Raises
        ------
        ValueError
            If ``profile`` is unknown.
        """
        check_profile(profile)
        values = {name: f.default for name, f in self.knobs.items()}
        values.update(getattr(self, profile) if profile != "book" else {})
        return values

    def resolve(self, profile: str = "book", params: Mapping[str, Any] | None = None, **overrides: Any) -> Any:
        """The config at ``profile``: the chapter's parameters taken from ``params`` (a
        notebook's ``globals()``; names that are not parameters are ignored), any knob from
        ``overrides``; a value ``None`` keeps the profile's. Every value is checked, then the
        chapter's ``checks``; a bad one raises ``ValueError`` naming it and what is allowed.

        Parameters
        ----------
        profile : str, optional
            ``"smoke"``, ``"book"`` (default) or ``"paper"``.
        params : mapping of str to Any, optional
            Where to read the chapter's parameters (a notebook's ``globals()``).
        **overrides
            Values for any knob, fixed ones included.

        Returns
        -------
        object
            An instance of the chapter's config class.

        Raises
        ------
        ValueError
            If the chapter has no config, the profile or an override's name is unknown, or a
            value fails its check.
        """
        if self.config is None:
            raise ValueError(f"chapter {self.name!r} has no run sizes to resolve")
        check_profile(profile)
        knobs = self.knobs
        unknown = sorted(set(overrides) - set(knobs))
        if unknown:
            raise ValueError(f"unknown parameter(s) {', '.join(unknown)} for {self.name}; allowed: {', '.join(knobs)}")
        given = {name: params[name] for name in self.parameters if params is not None and name in params}
        given.update(overrides)
        values = self.sizes(profile)
        values.update({k: v for k, v in given.items() if v is not None})
        checked = {name: f.metadata["check"](name, values[name]) for name, f in knobs.items()}
        cfg = self.config(profile=profile, **checked)
        for check in self.checks:
            check(cfg)
        return cfg

    def plan(self, cfg: Any) -> dict[str, Any]:
        """``batches(cfg)`` by label: what a notebook hands to
        :func:`~precision.chapters.runs.run_batch`, one batch at a time.

        Parameters
        ----------
        cfg : object
            A resolved config of this chapter.

        Returns
        -------
        dict of str to costs.Batch
            Each batch by its label; empty for a chapter without compute.
        """
        if self.batches is None:
            return {}
        return {batch.label: batch for batch in self.batches(cfg)}

    def jobs(self, cfg: Any) -> list[Any]:
        """Every run of ``batches(cfg)`` in order (inline work left out).

        Parameters
        ----------
        cfg : object
            A resolved config of this chapter.

        Returns
        -------
        list of Job
            The runs, in the order the notebook runs them.
        """
        from .costs import Work

        if self.batches is None:
            return []
        return [item for batch in self.batches(cfg) for item in batch.items if not isinstance(item, Work)]

    def ran_as_planned(self, cfg: Any, ran: list | None = None) -> bool:
        """Whether the runs handed to ``run_jobs`` in this process (``ran``, default
        :data:`precision.chapters.runs.RAN`) are exactly ``jobs(cfg)``, as a multiset: a
        notebook that runs something its record does not list, or skips a listed run, fails.

        Parameters
        ----------
        cfg : object
            The config the notebook ran at.
        ran : list of Job or None, optional
            The runs handed over; ``None`` reads :data:`precision.chapters.runs.RAN`.

        Returns
        -------
        bool
            ``True`` if ``ran`` and ``jobs(cfg)`` hold the same runs, counted with repeats.
        """
        from collections import Counter

        from .runs import RAN

        return Counter(RAN if ran is None else ran) == Counter(self.jobs(cfg))


_REGISTRY: dict[str, Chapter] = {}
_DISCOVERED = False


def register(chapter: Chapter) -> Chapter:
    """Add ``chapter`` to the registry (a name registered again is replaced); returns it.

    Parameters
    ----------
    chapter : Chapter
        The record to add.

    Returns
    -------
    Chapter
        ``chapter`` itself, so a module can write ``CHAPTER = register(Chapter(...))``.

    Raises
    ------
    TypeError
        If ``chapter`` is not a :class:`Chapter`.
    """
    if not isinstance(chapter, Chapter):
        raise TypeError(f"register takes a Chapter, got {type(chapter).__name__}")
    _REGISTRY[chapter.name] = chapter
    return chapter


def _discover() -> None:
    global _DISCOVERED
    if _DISCOVERED:
        return
    _DISCOVERED = True
    for module in pkgutil.iter_modules(importlib.import_module(__package__).__path__):
        importlib.import_module(f"{__package__}.{module.name}")


def chapters() -> list[Chapter]:
    """Every registered chapter in build order: by number (chapters, then appendices), those
    that read the others' records last.

    Returns
    -------
    list of Chapter
        The records, in build order.
    """
    _discover()
    return sorted(_REGISTRY.values(), key=lambda c: (c.reads_others, _number_key(c.number)))


def compute_chapters() -> list[Chapter]:
    """The chapters whose notebooks run something (a ``batches`` function), in build order.

    Returns
    -------
    list of Chapter
        The chapters with a ``batches`` function, in build order.
    """
    return [c for c in chapters() if c.batches is not None]


def get(name: str) -> Chapter:
    """The chapter named ``name`` (its notebook's name), else ``ValueError`` listing them.

    Parameters
    ----------
    name : str
        The chapter's notebook name, e.g. ``"piecewise-linear"``.

    Returns
    -------
    Chapter
        Its record.

    Raises
    ------
    ValueError
        If no chapter has that name.
    """
    _discover()
    if name not in _REGISTRY:
        raise ValueError(f"chapter must be one of {', '.join(c.name for c in chapters())}; got {name!r}")
    return _REGISTRY[name]
