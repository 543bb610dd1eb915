"""Run sizes per profile: the one entry point a notebook and the plan use to get a chapter's config.

Three profiles, one notebook: ``smoke`` (seconds; tests and CI), ``book`` (the default
build: the paper's claims visible on a 2-core laptop) and ``paper`` (the authors' sizes).
Each chapter's sizes live with the chapter (its config's defaults are the ``book`` sizes;
``smoke`` and ``paper`` override some; :mod:`precision.chapters.registry`).
"""
from __future__ import annotations

from typing import Any, Mapping

from .registry import PROFILES, check_profile, get

__all__ = ["PROFILES", "resolve", "sizes", "check_profile"]


def sizes(chapter: str, profile: str) -> Any:
    """The chapter's configuration at ``profile`` with nothing overridden.

    Parameters
    ----------
    chapter : str
        The chapter's notebook name.
    profile : str
        ``"smoke"``, ``"book"`` or ``"paper"``.

    Returns
    -------
    object
        The chapter's config, checked.
    """
    return resolve(chapter, profile)


def resolve(chapter: str, profile: str = "book", params: Mapping[str, Any] | None = None, **overrides: Any) -> Any:
    """Fill a chapter's knobs from ``profile``, its parameters from ``params`` (a notebook's
    ``globals()``) and ``overrides``; a value ``None`` keeps the profile's
    (:meth:`precision.chapters.registry.Chapter.resolve`).

    Every value is checked; a bad one raises ``ValueError`` naming the parameter and what is allowed.

    Parameters
    ----------
    chapter : str
        The chapter's notebook name.
    profile : str, optional
        ``"smoke"``, ``"book"`` (default) or ``"paper"``.
    params : mapping of str to Any, optional
        Where to read the chapter's parameters (a notebook's ``globals()``).
    **overrides
        Values for any knob.

    Returns
    -------
    object
        The chapter's config, checked.

    Raises
    ------
    ValueError
        If the chapter, profile or a parameter is unknown, or a value fails its check.
    """
    return get(chapter).resolve(profile, params, **overrides)
