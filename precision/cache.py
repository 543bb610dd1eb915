"""On-disk result cache keyed by a config and a hash of the package's code.

Same config + same code → same key → the stored result is reused; any change to the
package (a ``.py`` file or shipped data) changes every key, so stale results are never
shown. Each entry is written atomically (temporary file + rename): an interrupted run
leaves finished entries intact and no half-written ones.

Entries are data, never code: a header line with the key, checked before anything else
is read, then JSON (:mod:`precision.codec`). A cache folder may be shared or planted on;
a file there cannot run code when read, is read only if it is a regular file of bounded
size, and is believed only for the key it names. (Whoever can write the folder can still
store a wrong result under a right key: nothing but a secret could tell it apart.)
"""
from __future__ import annotations

import errno
import functools
import hashlib
import json
import os
import re
import stat
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

from .codec import from_plain, to_plain
from .numeric import is_pinned

__all__ = ["code_hash", "config_key", "cache_dir", "DiskCache", "atomic_write_bytes", "MISSING",
           "MAX_ENTRY_BYTES", "MAX_BYTES_ENV", "max_entry_bytes"]


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


_FORMAT = "precision-cache-2"  # a header line, then the JSON of precision.codec; version 1 was a pickle

#: Entries larger than this many bytes are refused before they are read;
#: ``$PRECISION_CACHE_MAX_BYTES`` overrides it.
MAX_ENTRY_BYTES = 256 * 2 ** 20
MAX_BYTES_ENV = "PRECISION_CACHE_MAX_BYTES"

_KEY = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}")
_HEADER_MAX = 256  # bytes: "<format> <key> <body bytes> <body sha256>\n"


def max_entry_bytes() -> int:
    """The size limit of a cache entry: ``$PRECISION_CACHE_MAX_BYTES`` if set, else
    :data:`MAX_ENTRY_BYTES`.

    Returns
    -------
    int
        Bytes.

    Raises
    ------
    ValueError
        If the variable is set to anything but a positive integer.
    """
    text = os.environ.get(MAX_BYTES_ENV)
    if not text:
        return MAX_ENTRY_BYTES
    if not text.strip().isdigit() or int(text) < 1:
        raise ValueError(f"{MAX_BYTES_ENV} must be a positive integer number of bytes, got {text!r}")
    return int(text)


def _header(key: str, body: bytes) -> bytes:
    """The first line of an entry: format, key, body length and body SHA-256."""
    return f"{_FORMAT} {key} {len(body)} {hashlib.sha256(body).hexdigest()}\n".encode("ascii")


class _Refused(Exception):
    """An entry that is not read: the sentence says why."""


class DiskCache:
    """Results in ``root/namespace/<key>.entry``, stored as data that runs no code when read.

    An entry is one header line (format, key, length and SHA-256 of the body) and a JSON
    body written by :func:`precision.codec.to_plain`: numbers, strings, lists, dicts, numpy
    arrays (their raw bytes, so floats come back bit for bit) and the package's own result
    dataclasses. Reading one opens only a regular file, through no symbolic link, no larger
    than :func:`max_entry_bytes`, and compares its key before decoding anything.

    Parameters
    ----------
    namespace : str
        Sub-directory of the cache root (``/``-separated parts).
    root : pathlib.Path, optional
        Cache root; default :func:`cache_dir`.

    Attributes
    ----------
    path : pathlib.Path
        ``root / namespace``.
    """

    def __init__(self, namespace: str, root: Path | None = None):
        self.root = Path(root or cache_dir())
        self.path = self.root / namespace
        self._parts = Path(namespace).parts
        if not self._parts or any(p in ("", ".", "..") or p.startswith("/") for p in self._parts):
            raise ValueError(f"namespace must be a relative path of named folders, got {namespace!r}")
        self._warned_unwritable = False
        self._warned_unstorable = False
        self._warned_link = False

    def _file(self, key: str) -> Path:
        if not (isinstance(key, str) and _KEY.fullmatch(key)):
            raise ValueError(f"key must be 1 to 128 letters, digits, '_', '-' or '.' (not first), got {key!r}")
        return self.path / f"{key}.entry"

    def __contains__(self, key: str) -> bool:
        """Whether a file stands for ``key`` (a regular file, not a link; not yet read)."""
        try:
            return stat.S_ISREG(os.lstat(self._file(key)).st_mode)
        except OSError:
            return False

    def get(self, key: str, default: Any = MISSING) -> Any:
        """The stored value for ``key``, or ``default`` when there is no usable entry.

        Nothing in the file can run code. An entry that is not a regular file (a symbolic
        link, a FIFO, a device, a directory), is larger than :func:`max_entry_bytes`, cannot
        be read, was stored under another key or in another format, or does not decode, is
        damaged: it is moved aside (to ``<file>.damaged-<time>``) with one warning naming the
        file, and ``default`` is returned so that the caller computes it again. Entries of
        the old pickle format (``<key>.pkl``) are never opened.

        Parameters
        ----------
        key : str
            The entry's key (e.g. from :func:`config_key`).
        default : Any, optional
            Returned when there is no usable entry; :data:`MISSING` by default.

        Returns
        -------
        Any
            The stored value, or ``default``.
        """
        path = self._file(key)
        limit = max_entry_bytes()
        try:
            body = self._read(key, limit)
        except (FileNotFoundError, NotADirectoryError):  # no entry (or no cache directory) yet
            return default
        except _Refused as err:
            self._set_aside(path, str(err))
            return default
        except OSError as err:  # unreadable, ...
            self._set_aside(path, f"{type(err).__name__}: {err}")
            return default
        try:
            entry = json.loads(body.decode("utf-8"), parse_constant=_no_constant)
            if not (type(entry) is dict and set(entry) == {"key", "value"} and entry["key"] == key):
                raise ValueError("its body is not an entry for this key")
            return from_plain(entry["value"])
        except Exception as err:  # garbled JSON, a type outside the allow-list, deep nesting, ...
            self._set_aside(path, f"{type(err).__name__}: {err}")
            return default

    def _read(self, key: str, limit: int) -> bytes:
        """The body of ``key``'s entry after its header was checked: opened beneath the root
        without following a symbolic link, without blocking, a regular file of at most
        ``limit`` bytes."""
        cloexec = getattr(os, "O_CLOEXEC", 0)
        flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | cloexec
        name = f"{key}.entry"
        dirs = [os.open(self.root, os.O_RDONLY | os.O_DIRECTORY | cloexec)]
        try:
            for part in self._parts:
                try:
                    dirs.append(os.open(part, flags | os.O_DIRECTORY, dir_fd=dirs[-1]))
                except OSError as err:  # Linux says ENOTDIR for a link opened as a folder without following it
                    if err.errno not in (errno.ELOOP, errno.ENOTDIR) or \
                            not stat.S_ISLNK(os.stat(part, dir_fd=dirs[-1], follow_symlinks=False).st_mode):
                        raise
                    self._warn_link(part)  # a link where a folder should be: nothing beneath it is read
                    raise FileNotFoundError(err.errno, "a symbolic link in the cache path", part) from None
            mode = os.stat(name, dir_fd=dirs[-1], follow_symlinks=False).st_mode
            if stat.S_ISLNK(mode):
                raise _Refused("it is a symbolic link, not a file")
            if not stat.S_ISREG(mode):  # never opened: opening a FIFO or a device can block or act
                raise _Refused("it is not a regular file")
            try:
                fd = os.open(name, flags, dir_fd=dirs[-1])
            except OSError as err:  # replaced since the check
                if err.errno in (errno.ELOOP, errno.EMLINK, errno.ENXIO):
                    raise _Refused("it is not a regular file") from None
                raise
        finally:
            for d in dirs:
                os.close(d)
        with os.fdopen(fd, "rb", buffering=0) as f:
            info = os.fstat(f.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise _Refused("it is not a regular file")
            if info.st_size > limit:
                raise _Refused(f"it holds {info.st_size} bytes, over the limit of {limit} ({MAX_BYTES_ENV})")
            line, newline, _ = _read_up_to(f, min(_HEADER_MAX, info.st_size)).partition(b"\n")
            fields = line.split(b" ")
            if not newline or len(fields) != 4 or fields[0] != _FORMAT.encode():
                raise _Refused(f"it is not a {_FORMAT} entry")
            if fields[1] != key.encode():
                raise _Refused("it holds an entry for another key")
            if not fields[2].isdigit() or int(fields[2]) != info.st_size - len(line) - 1:
                raise _Refused("its length does not match its header (truncated?)")
            f.seek(len(line) + 1)
            body = _read_up_to(f, int(fields[2]) + 1)  # one byte more: a file that grew is refused
        if len(body) != int(fields[2]) or hashlib.sha256(body).hexdigest().encode() != fields[3]:
            raise _Refused("its contents do not match its header's checksum")
        return body

    def _warn_link(self, part: str) -> None:
        if not self._warned_link:
            self._warned_link = True
            warnings.warn(f"cache {self.path} is not read: its folder {part!r} is a symbolic link, which the "
                          f"cache does not follow (point PRECISION_CACHE_DIR at the real folder instead); "
                          "computing every entry again", RuntimeWarning, stacklevel=4)

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

        A cache that cannot be written (read-only, missing permission, disk full), or a value
        it cannot store (a type :func:`precision.codec.to_plain` refuses, or an entry over
        :func:`max_entry_bytes`), is not an error: one warning per cache says so, and the
        caller keeps its result.

        Parameters
        ----------
        key : str
            The entry's key.
        value : Any
            Plain data (see :func:`precision.codec.to_plain`).

        Returns
        -------
        bool
            Whether the entry was written.
        """
        path, limit = self._file(key), max_entry_bytes()
        try:
            body = json.dumps({"key": key, "value": to_plain(value)}, allow_nan=False).encode("utf-8")
            data = _header(key, body) + body
            if len(data) > limit:
                raise ValueError(f"the entry would hold {len(data)} bytes, over the limit of {limit} ({MAX_BYTES_ENV})")
        except (TypeError, ValueError) as err:
            if not self._warned_unstorable:
                self._warned_unstorable = True
                warnings.warn(f"cache {self.path} cannot store this result ({err}); "
                              "it is kept in memory only", RuntimeWarning, stacklevel=2)
            return False
        try:
            atomic_write_bytes(path, data)
        except OSError as err:
            if not self._warned_unwritable:
                self._warned_unwritable = True
                warnings.warn(f"cache {self.path} cannot be written ({type(err).__name__}: {err}); "
                              "results are kept in memory only", RuntimeWarning, stacklevel=2)
            return False
        return True


def _read_up_to(f: Any, n: int) -> bytes:
    """Up to ``n`` bytes of a raw file, fewer only at its end."""
    chunks, left = [], n
    while left > 0:
        chunk = f.read(min(left, 2 ** 24))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _no_constant(name: str) -> Any:
    raise ValueError(f"the JSON constant {name} is not written by precision.codec")
