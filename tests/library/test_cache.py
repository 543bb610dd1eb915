"""The result cache runs no code and believes no file it cannot check: planted pickles,
forged entries, FIFOs, links and huge files are refused; every result of the book comes
back bit for bit."""
from __future__ import annotations

import dataclasses
import json
import os
import pickle
import struct
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

import precision.cache
from precision import codec
from precision.cache import _FORMAT, MAX_BYTES_ENV, MISSING, DiskCache, _header, max_entry_bytes

KEY = "0123456789abcdef01234567"


def same(a, b, path="value"):
    """``a`` and ``b`` equal in type, structure, key order and every bit of every number."""
    assert type(a) is type(b), f"{path}: {type(a).__name__} came back as {type(b).__name__}"
    if isinstance(a, (np.ndarray, np.generic)):
        assert (a.dtype, a.shape, a.tobytes()) == (b.dtype, b.shape, b.tobytes()), path
    elif type(a) is float:
        assert struct.pack("<d", a) == struct.pack("<d", b), f"{path}: {a!r} came back as {b!r}"
    elif type(a) in (list, tuple):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, f"{path}[{i}]")
    elif type(a) is dict:
        assert list(a) == list(b), path
        for k in a:
            same(a[k], b[k], f"{path}[{k!r}]")
    elif dataclasses.is_dataclass(a):
        for f in dataclasses.fields(a):
            same(getattr(a, f.name), getattr(b, f.name), f"{path}.{f.name}")
    else:
        assert a == b, path


@pytest.fixture
def cache(tmp_path) -> DiskCache:
    return DiskCache("sweep/test", root=tmp_path)


def set_aside(cache: DiskCache, key: str = KEY) -> list[Path]:
    return list(cache.path.glob(f"{key}.entry.damaged-*"))


def get_refused(cache: DiskCache, why: str, key: str = KEY):
    """``cache.get(key)``, which must warn once that the entry is damaged because ``why``."""
    with pytest.warns(RuntimeWarning, match=why) as record:
        value = cache.get(key)
    assert len([w for w in record if "damaged" in str(w.message)]) == 1
    return value


# --------------------------------------------------------------------------- round trips
def test_plain_values_round_trip_bit_for_bit(cache):
    nan_payload = struct.unpack("<d", struct.pack("<Q", 0x7FF8_0000_0000_1234))[0]
    value = {
        "floats": [0.1, -0.0, 5e-324, 1.7976931348623157e308, float("nan"), float("inf"), -float("inf"), nan_payload],
        "ints": [0, -1, 2 ** 80], "bool": True, "none": None, "text": "é ∂ $x \n",
        "tuple": (1, (2.5, "a"), []), "list": [(1, 2), {"a": 1}],
        "keys": {1: "int", 2.5: "float", (1, "a"): "tuple", None: "none", True: "bool", "$tag": "dollar"},
        "arrays": [np.arange(6.0).reshape(2, 3), np.asfortranarray(np.ones((3, 2))), np.array([np.nan, -0.0]),
                   np.arange(4, dtype=np.int32), np.array([True, False]), np.array(2.5), np.zeros((0, 3)),
                   np.array([1 + 2j]), np.arange(3, dtype=">f8")],
        "scalars": [np.float64(0.1), np.float32(0.1), np.int64(7), np.bool_(False)],
    }
    assert cache.put(KEY, value)
    same(value, cache.get(KEY))
    assert isinstance(cache.get(KEY)["arrays"][0], np.ndarray) and cache.get(KEY)["arrays"][0].flags.writeable


def test_the_package_result_dataclasses_round_trip(cache):
    from precision.chebyshev import CurvePoint
    from precision.fitting import FitResult
    from precision.lmbench import LMComparison, LMTrace
    from precision.optimizers import TrainResult

    trace = LMTrace("ours", np.linspace(0, 1, 5), np.geomspace(1, 1e-9, 5), 12, 1e-9, 0.25)
    value = [TrainResult(1e-3, 2e-3, 7, 0.5, np.arange(9.0).reshape(3, 3), "converged"),
             CurvePoint(3, 4, 1e-5, 2e-5, 0.01), LMComparison({"ours": trace}, 1e-8, 100, 41),
             FitResult("lm", "Z.001", 1, 1e-9, 2e-9, 41, 100, 200, 1.5, extra={"trace": [(0.1, 0.2)]})]
    assert cache.put(KEY, value)
    same(value, cache.get(KEY))
    for name in codec.RESULT_TYPES:  # every listed type exists and is a dataclass
        codec._result_type(name)


def _tiny_jobs():
    from precision.chapters import beyond, nets, optimization_speed as speed, piecewise_linear as pl
    from precision.chapters import optimization as opt

    pipe = opt.PipelineRun("Z.001", 30, 40, 5, 2, stages=2, width=3, record_every=2, hessian_every=2)
    return [
        pl.ToyRun("x*y", (("x", 1.0, 5.0), ("y", 1.0, 5.0)), 20, 3, steps=3, n_test=30),
        nets.NetRun("I.8.14", 4, 3, steps=3, n_test=30, n_train=20, architecture="modular"),
        nets.NetRun("Z.001", 2, 3, optimizer="bfgs", activation="tanh", steps=3, n_test=30, n_train=20),
        nets.SimplexRun("I.30.5", 20, n_test=30),
        opt.CurveRun("Z.001", "adam", 3, 20, 30, width=3, record_every=1, spectrum=True),
        opt.CurveRun("Z.001", "bfgs", 3, 20, 30, width=3, record_every=1),
        pipe, opt.RescaleRun(pipe), opt.TauRun(pipe, 1e-12, 2), opt.SpectrumRun(pipe),
        *[beyond.BeyondRun("Z.001", m, 30, 40, 4 if m.startswith("chebyshev") else 2, width=3, stages=2,
                           adam_steps=2, lowcurv_steps=2, floor_points=10) for m in beyond.METHODS],
        beyond.BeyondRun("Z.008", "chebyshev-interp", 10, 10, 3),  # skipped: 1D only
        beyond.DimsRun("Z.002", 30, 40, width=3, later_width=3, stages=2, steps=2, adam_steps=2),
        speed.HessianTiming(3, 20), speed.ProjectionTiming(20, 5),
        speed.BfgsTiming(width=3, n=20, rmse=1e-2, max_steps=3),
    ]


def test_every_kind_of_chapter_run_comes_back_bit_for_bit(cache):
    """Each chapter's kind of run, tiny, through the cache: what the book reads back is what
    it computed (so ``make book`` shows the same numbers from the cache as fresh)."""
    from precision.chapters.runs import Job

    jobs = _tiny_jobs()
    kinds, todo = set(), list(Job.__subclasses__())
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        if dataclasses.is_dataclass(cls) and cls.__module__.startswith("precision.chapters.") \
                and not cls.__name__.startswith("_") and cls.__name__ != "OnDevice":
            kinds.add(cls)
    assert kinds <= {type(j) for j in jobs}, f"no round trip for {kinds - {type(j) for j in jobs}}"
    for i, job in enumerate(jobs):
        result = job.run()
        assert cache.put(f"job-{i}", result), job
        same(result, cache.get(f"job-{i}"), f"{type(job).__name__}")


def test_a_value_it_cannot_store_warns_once_and_is_kept(cache):
    import torch

    class Thing:
        pass

    with pytest.warns(RuntimeWarning, match=r"cannot store this result .*torch.*numpy\(\)") as record:
        assert not cache.put(KEY, {"w": torch.zeros(2)})
        assert not cache.put("other", [Thing()])
        assert not cache.put("third", np.array([object()]))
    assert len(record) == 1 and KEY not in cache and not list(cache.path.glob("*"))
    for bad in (torch.zeros(2), Thing(), np.array(["a"]), {1, 2}, b"bytes", dataclasses.make_dataclass("D", ["x"])(1)):
        with pytest.raises(TypeError, match="a cached result must hold|must hold numbers"):
            codec.to_plain(bad)


# --------------------------------------------------------------------------- planted files run nothing
class Payload:
    """Unpickling it runs a shell command that creates ``marker``."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def test_a_planted_pickle_runs_no_code(cache, tmp_path):
    marker = tmp_path / "PWNED"
    payload = pickle.dumps(Payload(marker))
    pickle.loads(payload)  # the payload works: loading it creates the marker
    assert marker.exists()
    marker.unlink()
    cache.path.mkdir(parents=True)
    (cache.path / f"{KEY}.pkl").write_bytes(payload)  # where the old format kept the entry: never opened
    assert cache.get(KEY) is MISSING and not marker.exists() and KEY not in cache
    (cache.path / f"{KEY}.entry").write_bytes(payload)  # in the new entry's place
    assert get_refused(cache, f"not a {_FORMAT} entry") is MISSING
    body = json.dumps({"key": KEY, "value": {"$pickle": payload.hex()}}).encode()  # a well-formed file around it
    (cache.path / f"{KEY}.entry").write_bytes(_header(KEY, body) + body)
    assert get_refused(cache, "unknown tag") is MISSING
    assert not marker.exists()


# --------------------------------------------------------------------------- forged entries
def test_a_forged_entry_is_not_believed_where_it_can_be_checked(cache, tmp_path):
    real = {"rmse_test": 0.5, "history": np.arange(3.0)}
    entry = cache._file(KEY)
    cache.put("f" * 24, {"rmse_test": 1e-99})
    other = cache._file("f" * 24).read_bytes()

    entry.write_bytes(other)  # another key's valid entry, under this key's name
    assert get_refused(cache, "another key") is MISSING
    body = other.partition(b"\n")[2]  # another key's body under this key's header
    entry.write_bytes(_header(KEY, body) + body)
    assert get_refused(cache, "not an entry for this key") is MISSING
    old = pickle.dumps({"format": "precision-cache-1", "key": KEY, "value": {"rmse_test": 1e-99}})
    entry.write_bytes(_header(KEY, old).replace(_FORMAT.encode(), b"precision-cache-1") + old)  # another format
    assert get_refused(cache, f"not a {_FORMAT} entry") is MISSING

    cache.put(KEY, real)
    good = entry.read_bytes()
    entry.write_bytes(good.replace(b'"rmse_test": 0.5', b'"rmse_test": 0.1'))  # same length, tampered
    assert get_refused(cache, "checksum") is MISSING
    entry.write_bytes(good[:-5])  # truncated
    assert get_refused(cache, "length") is MISSING

    for value, why in [({"$dataclass": {"type": "subprocess.Popen", "fields": {"args": "touch x"}}}, "not one of"),
                       ({"$dataclass": {"type": "os.system", "fields": {}}}, "not one of"),
                       ({"$array": {"dtype": "|O8", "shape": [1], "data": ""}}, "dtype"),
                       ({"$array": {"dtype": "<f8", "shape": [10 ** 9], "data": ""}}, "bytes"),
                       ({"$dict": [[[1], 2]]}, "hashable"), (float("nan"), "JSON constant")]:
        body = json.dumps({"key": KEY, "value": value}).encode()
        entry.write_bytes(_header(KEY, body) + body)
        assert get_refused(cache, why) is MISSING
    assert len(set_aside(cache)) >= 1
    cache.put(KEY, real)  # and a checked entry reads back
    same(real, cache.get(KEY))


def test_a_type_name_from_a_file_is_never_imported():
    name = "precision_test_not_a_module_xyz.Evil"
    with pytest.raises(ValueError, match="not one of the result types"):
        codec.from_plain({"$dataclass": {"type": name, "fields": {}}})
    assert "precision_test_not_a_module_xyz" not in sys.modules


# --------------------------------------------------------------------------- files that are not entries
def test_a_fifo_entry_returns_missing_at_once(cache, tmp_path):
    cache.path.mkdir(parents=True)
    os.mkfifo(cache._file(KEY))
    script = (f"import sys, warnings; sys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r}); "
              "warnings.simplefilter('ignore'); from precision.cache import DiskCache, MISSING; "
              f"print(DiskCache('sweep/test', root={str(tmp_path)!r}).get({KEY!r}) is MISSING)")
    start = time.monotonic()
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "True", out.stderr
    assert time.monotonic() - start < 30
    assert set_aside(cache) and not cache._file(KEY).exists()  # the FIFO itself was moved, never opened


def test_links_are_not_followed(cache, tmp_path):
    cache.path.mkdir(parents=True)
    cache._file(KEY).symlink_to("/dev/zero")
    assert KEY not in cache
    assert get_refused(cache, "symbolic link") is MISSING
    assert set_aside(cache)[0].is_symlink()  # the link was moved, its target untouched

    outside = tmp_path / "outside"  # a valid entry outside the cache, linked in
    DiskCache("elsewhere", root=outside).put(KEY, 1.0)
    cache._file(KEY).symlink_to(outside / "elsewhere" / f"{KEY}.entry")
    assert get_refused(cache, "symbolic link") is MISSING

    linked = DiskCache("sweep/linked", root=tmp_path)  # a folder of the namespace that is a link
    (tmp_path / "sweep" / "linked").symlink_to(outside / "elsewhere")
    with pytest.warns(RuntimeWarning, match="symbolic link") as record:
        assert linked.get(KEY) is MISSING and linked.get("other") is MISSING
    assert len(record) == 1
    assert (outside / "elsewhere" / f"{KEY}.entry").exists()  # nothing moved beyond the link


def test_a_directory_entry_is_set_aside(cache):
    cache._file(KEY).mkdir(parents=True)
    assert get_refused(cache, "not a regular file") is MISSING
    assert cache.put(KEY, 2.0) and cache.get(KEY) == 2.0


def test_an_oversized_entry_is_refused_unread(cache, monkeypatch):
    assert max_entry_bytes() == 256 * 2 ** 20
    cache.path.mkdir(parents=True)
    with open(cache._file(KEY), "wb") as f:  # 300 MiB, sparse: costs no disk, and reading it would cost memory
        f.write(_header(KEY, b"x" * (300 * 2 ** 20)))
        f.truncate(300 * 2 ** 20)
    reads: list[int] = []
    read_up_to = precision.cache._read_up_to
    monkeypatch.setattr(precision.cache, "_read_up_to", lambda f, n: reads.append(n) or read_up_to(f, n))
    start = time.monotonic()
    assert get_refused(cache, "over the limit") is MISSING
    assert time.monotonic() - start < 5 and reads == []  # refused on its size, before a byte was read
    assert cache.put(KEY, 1.0) and cache.get(KEY) == 1.0 and reads  # (the spy sees the reads of a good entry)

    monkeypatch.setenv(MAX_BYTES_ENV, "1000")  # the limit is configurable, and applies when storing too
    assert cache.get(KEY) == 1.0
    with pytest.warns(RuntimeWarning, match="over the limit of 1000"):
        assert not cache.put("big", np.zeros(1000))
    monkeypatch.setenv(MAX_BYTES_ENV, "lots")
    for use in (cache.get, lambda key: cache.put(key, 1.0)):
        with pytest.raises(ValueError, match=f"{MAX_BYTES_ENV} must be a positive integer"):
            use(KEY)


def test_keys_and_namespaces_stay_inside_the_cache(tmp_path):
    cache = DiskCache("sweep/test", root=tmp_path)
    for key in ("../x", "a/b", "", ".hidden", "x" * 200, 3):
        with pytest.raises(ValueError, match="key must be"):
            cache.put(key, 1.0)
    for namespace in ("../up", "/abs", "", "a/../../b"):
        with pytest.raises(ValueError, match="namespace must be"):
            DiskCache(namespace, root=tmp_path)


def test_a_missing_cache_is_quiet(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert DiskCache("sweep/none", root=tmp_path / "nowhere").get(KEY) is MISSING
        (tmp_path / "file").write_text("a file where the cache should be")
        assert DiskCache("sweep/none", root=tmp_path / "file").get(KEY) is MISSING
