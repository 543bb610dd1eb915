"""On-disk result cache keyed by a config and a hash of the package's code.

Same config + same code → same key → the stored result is reused; any change to the
package (a ``.py`` file or shipped data) changes every key, so stale results are never
shown. Each entry is written atomically (temporary file + rename): an interrupted run
leaves finished entries intact and no half-written ones.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import pickle
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

from .numeric import is_pinned

__all__ = ["code_hash", "config_key", "cache_dir", "DiskCache", "atomic_write_bytes", "MISSING"]


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


#: What :meth:`DiskCache.get` returns by default for a key with no usable entry.
MISSING = _Missing()

_PACKAGE = Path(__file__).resolve().parent


@functools.lru_cache(maxsize=1)
def code_hash() -> str:
    """SHA-256 over the package's source and data files (paths and contents).

    Covers every ``.py``, ``.csv`` and ``.json`` file under the package, and the numeric
    mode (:mod:`precision.numeric`) when it is pinned; computed once per process.

    Returns
    -------
    str
        The first 16 hex digits of the digest.
    """
    h = hashlib.sha256()
    for path in sorted(_PACKAGE.rglob("*")):
        if path.suffix in {".py", ".csv", ".json"} and "__pycache__" not in path.parts:
            h.update(path.relative_to(_PACKAGE).as_posix().encode())
            h.update(path.read_bytes())
    if is_pinned():  # results of the pinned numeric mode are cached apart from the native ones
        h.update(b"numeric:pinned")
    return h.hexdigest()[:16]


def config_key(config: Any, *, with_code: bool = True) -> str:
    """A stable hash of a JSON-able config (dataclasses are turned into dicts).

    Parameters
    ----------
    config : Any
        A JSON-able value or a dataclass instance; keys are sorted and values JSON cannot
        encode are written with ``str``.
    with_code : bool, default True
        Include :func:`code_hash`, so that any change to the package changes the key.

    Returns
    -------
    str
        24 hex digits of a SHA-256.
    """
    import dataclasses

    if dataclasses.is_dataclass(config) and not isinstance(config, type):
        config = dataclasses.asdict(config)
    text = json.dumps(config, sort_keys=True, default=str)
    if with_code:
        text += code_hash()
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def cache_dir() -> Path:
    """The cache root: ``$PRECISION_CACHE_DIR`` if set, else ``~/.cache/precision``.

    Returns
    -------
    pathlib.Path
        The directory (not created here).
    """
    return Path(os.environ.get("PRECISION_CACHE_DIR") or Path.home() / ".cache" / "precision")


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one.

    The parent directory is created if needed; the file gets the usual permissions
    (``0o666`` less the umask).

    Parameters
    ----------
    path : pathlib.Path or str
        Destination file.
    data : bytes
        Its new contents.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600 files; give the usual permissions
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


_FORMAT = "precision-cache-1"  # an entry is a pickled {"format", "key", "value"}


class DiskCache:
    """Pickled results in ``root/namespace/<key>.pkl``.

    Parameters
    ----------
    namespace : str
        Sub-directory of the cache root.
    root : pathlib.Path, optional
        Cache root; default :func:`cache_dir`.

    Attributes
    ----------
    path : pathlib.Path
        ``root / namespace``.
    """

    def __init__(self, namespace: str, root: Path | None = None):
        self.path = Path(root or cache_dir()) / namespace
        self._warned_unwritable = False

    def _file(self, key: str) -> Path:
        return self.path / f"{key}.pkl"

    def __contains__(self, key: str) -> bool:
        """Whether an entry for ``key`` exists."""
        return self._file(key).exists()

    def get(self, key: str, default: Any = MISSING) -> Any:
        """The stored value for ``key``, or ``default`` when there is no usable entry.

        An entry that cannot be read or unpickled, or that was stored under another key, is
        damaged: it is moved aside (to ``<file>.damaged-<time>``) with one warning naming the
        file, and ``default`` is returned so that the caller computes it again.

        Parameters
        ----------
        key : str
            The entry's key (e.g. from :func:`config_key`).
        default : Any, optional
            Returned when there is no usable entry; :data:`MISSING` by default.

        Returns
        -------
        Any
            The unpickled value, or ``default``.
        """
        path = self._file(key)
        try:
            entry = pickle.loads(path.read_bytes())
        except (FileNotFoundError, NotADirectoryError):  # no entry (or no cache directory) yet
            return default
        except Exception as err:  # truncated, garbled, a directory, unreadable, a class that moved, ...
            self._set_aside(path, f"{type(err).__name__}: {err}")
            return default
        if not (isinstance(entry, dict) and entry.get("format") == _FORMAT and entry.get("key") == key):
            self._set_aside(path, "it holds an entry for another key")
            return default
        return entry["value"]

    def _set_aside(self, path: Path, why: str) -> None:
        aside = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}")
        try:
            os.replace(path, aside)
            where = f"moved to {aside.name}"
        except OSError:
            where = "left in place"
        warnings.warn(f"cache entry {path} is damaged ({why}); {where}, computing it again", RuntimeWarning,
                      stacklevel=3)

    def put(self, key: str, value: Any) -> bool:
        """Store ``value`` under ``key``, atomically (see :func:`atomic_write_bytes`).

        A cache that cannot be written (read-only, missing permission, disk full) is not an
        error: one warning per cache says so, and the caller keeps its result.

        Parameters
        ----------
        key : str
            The entry's key.
        value : Any
            A picklable value.

        Returns
        -------
        bool
            Whether the entry was written.
        """
        data = pickle.dumps({"format": _FORMAT, "key": key, "value": value})
        try:
            atomic_write_bytes(self._file(key), data)
        except OSError as err:
            if not self._warned_unwritable:
                self._warned_unwritable = True
                warnings.warn(f"cache {self.path} cannot be written ({type(err).__name__}: {err}); "
                              "results are kept in memory only", RuntimeWarning, stacklevel=2)
            return False
        return True
