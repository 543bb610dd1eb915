"""The sweep engine: caching, resuming after interruption, Dask, invalidation, errors."""
from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import numpy as np
import pytest

import precision.cache
from precision.sweep import SCHEDULER_ENV, SweepError, run_sweep, sweep_status

MARKERS = "PRECISION_TEST_SWEEP_MARKERS"  # each call of `work` drops a file here


def _expected(i: int) -> float:
    return float(np.sin(i) * np.sqrt(i + 1))


def work(cfg: dict) -> float:
    """A stand-in for a training run: records the call, sleeps if asked, returns a float."""
    if cfg.get("sleep"):
        time.sleep(cfg["sleep"])
    if d := os.environ.get(MARKERS):
        Path(d, f"{cfg['i']}-{uuid.uuid4().hex}").touch()
    if cfg["i"] == int(os.environ.get("PRECISION_TEST_INTERRUPT_AT", -1)):
        raise KeyboardInterrupt
    if cfg["i"] == cfg.get("bad"):
        raise ValueError(f"bad config {cfg['i']}")
    return _expected(cfg["i"])


def work_other(cfg: dict) -> float:
    return -work(cfg)


def where(cfg: dict) -> int:
    return os.getpid()


@dataclasses.dataclass
class Cfg:
    i: int
    width: int = 8


def calls(d: Path) -> list[int]:
    return sorted(int(p.name.split("-")[0]) for p in d.iterdir())


@pytest.fixture(autouse=True)
def _env(tmp_path, monkeypatch):
    monkeypatch.delenv(SCHEDULER_ENV, raising=False)
    monkeypatch.delenv("PRECISION_TEST_INTERRUPT_AT", raising=False)
    monkeypatch.setenv("PRECISION_CACHE_DIR", str(tmp_path / "default-cache"))
    (tmp_path / "m").mkdir()
    monkeypatch.setenv(MARKERS, str(tmp_path / "m"))


@pytest.mark.parametrize("workers", [1, 2])
def test_rerun_computes_nothing(tmp_path, workers):
    configs = [{"i": i} for i in range(8)]
    res, st = run_sweep(work, configs, workers=workers, cache_root=tmp_path, progress=False,
                        return_stats=True)
    assert res == [_expected(i) for i in range(8)]
    assert (st.total, st.cached, st.computed, st.failed) == (8, 0, 8, 0)
    assert calls(tmp_path / "m") == list(range(8))
    res2, st2 = run_sweep(work, configs, workers=workers, cache_root=tmp_path,
                          return_stats=True)  # progress bar on: cached runs count as done
    assert res2 == res and (st2.cached, st2.computed) == (8, 0)
    assert calls(tmp_path / "m") == list(range(8))  # no new calls
    assert sweep_status(work, configs, cache_root=tmp_path) == [True] * 8


def test_order_duplicates_dataclasses_and_function_name_in_key(tmp_path):
    configs = [Cfg(5), Cfg(1), Cfg(5), Cfg(3, width=16)]
    res = run_sweep(work_other, [dataclasses.asdict(c) for c in configs], workers=2,
                    cache_root=tmp_path, namespace="shared", progress=False)
    assert res == [-_expected(i) for i in (5, 1, 5, 3)]
    assert calls(tmp_path / "m") == [1, 3, 5]  # the duplicate is computed once
    # same configs (as dataclasses: same key), same namespace, another function: no collision
    res2 = run_sweep(lambda c: work(dataclasses.asdict(c)), configs, workers=1,
                     cache_root=tmp_path, namespace="shared", progress=False)
    assert res2 == [_expected(i) for i in (5, 1, 5, 3)]
    assert run_sweep(work, [], cache_root=tmp_path) == []


def test_keyboard_interrupt_resumes(tmp_path, monkeypatch):
    configs = [{"i": i} for i in range(10)]
    monkeypatch.setenv("PRECISION_TEST_INTERRUPT_AT", "6")
    with pytest.raises(KeyboardInterrupt):
        run_sweep(work, configs, workers=1, cache_root=tmp_path, progress=False)
    assert sweep_status(work, configs, cache_root=tmp_path) == [True] * 6 + [False] * 4
    monkeypatch.delenv("PRECISION_TEST_INTERRUPT_AT")
    (tmp_path / "m2").mkdir()
    monkeypatch.setenv(MARKERS, str(tmp_path / "m2"))
    res, st = run_sweep(work, configs, workers=1, cache_root=tmp_path, progress=False,
                        return_stats=True)
    assert calls(tmp_path / "m2") == [6, 7, 8, 9]
    assert (st.cached, st.computed) == (6, 4)
    assert res == [_expected(i) for i in range(10)]


def test_sigkill_resumes(tmp_path, monkeypatch):
    """Kill a parallel sweep (process group, SIGKILL) mid-way; the re-run computes only the rest."""
    n, root = 12, tmp_path / "cache"
    configs = [{"i": i, "sleep": 0.15} for i in range(n)]
    path_entry = Path(__file__).resolve().parents[len(__name__.split(".")) - 1]
    script = (f"import sys; sys.path.insert(0, {str(path_entry)!r}); import importlib; "
              f"from precision.sweep import run_sweep; "
              f"m = importlib.import_module({__name__!r}); "
              f"run_sweep(m.work, {configs!r}, workers=2, cache_root={str(root)!r}, "
              f"progress=False)")
    proc = subprocess.Popen([sys.executable, "-c", script], start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while len(list(root.rglob("*.entry"))) < 4:
            assert proc.poll() is None and time.monotonic() < deadline, "sweep did not start"
            time.sleep(0.01)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert not list(root.rglob(".tmp-*"))  # no half-written entries
    cached = sweep_status(work, configs, cache_root=root)
    assert 4 <= sum(cached) < n
    (tmp_path / "m2").mkdir()
    monkeypatch.setenv(MARKERS, str(tmp_path / "m2"))
    res, st = run_sweep(work, configs, workers=2, cache_root=root, progress=False,
                        return_stats=True)
    assert calls(tmp_path / "m2") == [i for i in range(n) if not cached[i]]
    assert (st.cached, st.computed) == (sum(cached), n - sum(cached))
    assert res == [_expected(i) for i in range(n)]


def test_code_hash_change_recomputes_everything(tmp_path, monkeypatch):
    configs = [{"i": i} for i in range(5)]
    run_sweep(work, configs, workers=1, cache_root=tmp_path, progress=False)
    assert sweep_status(work, configs, cache_root=tmp_path) == [True] * 5
    monkeypatch.setattr(precision.cache, "code_hash", lambda: "edited-package-0")
    assert sweep_status(work, configs, cache_root=tmp_path) == [False] * 5
    res, st = run_sweep(work, configs, workers=1, cache_root=tmp_path, progress=False,
                        return_stats=True)
    assert (st.cached, st.computed) == (0, 5)
    assert calls(tmp_path / "m") == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]
    assert res == [_expected(i) for i in range(5)]


def test_validation(tmp_path):
    with pytest.raises(TypeError, match="callable"):
        run_sweep("work", [{"i": 1}], cache_root=tmp_path)
    with pytest.raises(TypeError, match="not JSON-able"):
        run_sweep(work, [{"i": np.arange(3)}], cache_root=tmp_path)
    with pytest.raises(TypeError, match="dataclass instance or a dict"):
        run_sweep(work, [3], cache_root=tmp_path)
    with pytest.raises(TypeError, match="list of configs"):
        run_sweep(work, {"i": 1}, cache_root=tmp_path)
    with pytest.raises(ValueError, match="workers"):
        run_sweep(work, [{"i": 1}], workers=0, cache_root=tmp_path)


@pytest.mark.parametrize("workers", [1, 2])
def test_failing_run_names_config_and_keeps_the_rest(tmp_path, monkeypatch, workers):
    configs = [{"i": i, "bad": 3} for i in range(6)]
    with pytest.raises(SweepError, match=r"run 3 failed for config \{'i': 3, 'bad': 3\}") as err:
        run_sweep(work, configs, workers=workers, cache_root=tmp_path, progress=False)
    assert isinstance(err.value.__cause__, ValueError)
    assert [f[0] for f in err.value.failures] == [3]
    assert sweep_status(work, configs, cache_root=tmp_path) == [i != 3 for i in range(6)]


def test_missing_distributed_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # makes `import distributed` fail
    with pytest.raises(ImportError, match=r"precision\[cluster\]"):
        run_sweep(work, [{"i": 1}], scheduler="tcp://127.0.0.1:1", cache_root=tmp_path)


@pytest.fixture(scope="module")
def dask_cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        with distributed.Client(cluster, set_as_default=False) as client:
            yield cluster, set(client.run(os.getpid).values())


def test_dask_matches_local(tmp_path, monkeypatch, dask_cluster):
    cluster, worker_pids = dask_cluster
    configs = [{"i": i} for i in range(10)]
    local = run_sweep(work, configs, workers=2, cache_root=tmp_path / "local", progress=False)
    via_arg, st = run_sweep(work, configs, scheduler=cluster.scheduler_address,
                            cache_root=tmp_path / "arg", progress=False, return_stats=True)
    assert st.computed == 10 and via_arg == local
    monkeypatch.setenv(SCHEDULER_ENV, cluster.scheduler_address)
    via_env, st = run_sweep(work, configs, cache_root=tmp_path / "env", progress=False,
                            return_stats=True)
    assert st.computed == 10 and via_env == local
    pids = run_sweep(where, configs, cache_root=tmp_path / "env", progress=False)
    assert set(pids) <= worker_pids and os.getpid() not in pids  # really ran on the cluster
    # a failing run on the cluster is reported like a local one, the rest is cached
    bad = [{"i": i, "bad": 2} for i in range(4)]
    with pytest.raises(SweepError, match="run 2 failed"):
        run_sweep(work, bad, cache_root=tmp_path / "env", progress=False)
    assert sweep_status(work, bad, cache_root=tmp_path / "env") == [True, True, False, True]


# --------------------------------------------------------------------------- a damaged or unwritable cache
@pytest.mark.parametrize("damage", ["truncate", "empty", "garbage", "directory", "other key", "bare pickle"])
def test_a_damaged_entry_is_set_aside_with_a_warning_and_recomputed(tmp_path, damage):
    import pickle

    configs = [{"i": i} for i in range(4)]
    first = run_sweep(work, configs, workers=1, progress=False, cache_root=tmp_path)
    files = sorted(tmp_path.rglob("*.entry"))
    assert len(files) == 4
    victim = files[1]
    if damage == "truncate":
        victim.write_bytes(victim.read_bytes()[:7])
    elif damage == "empty":
        victim.write_bytes(b"")
    elif damage == "garbage":
        victim.write_bytes(os.urandom(64))
    elif damage == "directory":
        victim.unlink()
        victim.mkdir()
    elif damage == "other key":
        victim.write_bytes(files[0].read_bytes())  # a valid entry, stored for another config
    else:
        victim.write_bytes(pickle.dumps(123.0))  # a valid pickle that is no entry at all
    marks = tmp_path / "marks"
    marks.mkdir()
    os.environ[MARKERS] = str(marks)
    with pytest.warns(RuntimeWarning, match=f"cache entry {victim}.*damaged") as record:
        again, stats = run_sweep(work, configs, workers=1, progress=False, cache_root=tmp_path, return_stats=True)
    assert len([w for w in record if "damaged" in str(w.message)]) == 1
    assert again == first
    assert stats.computed == 1 and stats.cached == 3 and len(calls(marks)) == 1
    assert list(victim.parent.glob(victim.name + ".damaged-*"))  # kept for inspection, out of the way
    assert run_sweep(work, configs, workers=1, progress=False, cache_root=tmp_path) == first  # healed


def test_an_unwritable_cache_warns_and_keeps_every_result(tmp_path):
    root = tmp_path / "not-a-directory"
    root.write_text("a file where the cache should be")  # fails even for root, unlike chmod
    configs = [{"i": i} for i in range(3)]
    with pytest.warns(RuntimeWarning, match="cannot be written") as record:
        results, stats = run_sweep(work, configs, workers=1, progress=False, cache_root=root, return_stats=True)
    assert results == [_expected(i) for i in range(3)]
    assert stats.computed == 3 and stats.failed == 0
    assert len([w for w in record if "cannot be written" in str(w.message)]) == 1
