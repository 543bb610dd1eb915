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
from pathlib import Path
from typing import Any

__all__ = ["code_hash", "config_key", "cache_dir", "DiskCache", "atomic_write_bytes"]

_PACKAGE = Path(__file__).resolve().parent


@functools.lru_cache(maxsize=1)
def code_hash() -> str:
    """SHA-256 over the package's source and data files (paths and contents).

    Covers every ``.py``, ``.csv`` and ``.json`` file under the package; computed once
    per process.

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

    def _file(self, key: str) -> Path:
        return self.path / f"{key}.pkl"

    def __contains__(self, key: str) -> bool:
        """Whether an entry for ``key`` exists."""
        return self._file(key).exists()

    def get(self, key: str, default: Any = None) -> Any:
        """The stored value for ``key``.

        Parameters
        ----------
        key : str
            The entry's key (e.g. from :func:`config_key`).
        default : Any, optional
            Returned when there is no entry.

        Returns
        -------
        Any
            The unpickled value, or ``default``.
        """
        try:
            return pickle.loads(self._file(key).read_bytes())
        except FileNotFoundError:
            return default

    def put(self, key: str, value: Any) -> None:
        """Store ``value`` under ``key``, atomically (see :func:`atomic_write_bytes`).

        Parameters
        ----------
        key : str
            The entry's key.
        value : Any
            A picklable value.
        """
        atomic_write_bytes(self._file(key), pickle.dumps(value))
