"""A chapter's runs on a device, locally and on a Dask cluster (precision.chapters.runs)."""
from __future__ import annotations

import dataclasses

import pytest
import torch

from precision.chapters import optimization as opt
from precision.chapters.runs import OnDevice, check_device_name, on, run_job, run_jobs, sweep_options
from precision.sweep import SCHEDULER_ENV, SweepError, _keys

CUDA = torch.cuda.is_available()


def tiny(seed: int = 0) -> opt.CurveRun:
    return opt.CurveRun("Z.001", "adam", steps=30, n_train=40, n_test=50, width=5, depth=2, seed=seed,
                        record_every=10)


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("PRECISION_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv(SCHEDULER_ENV, raising=False)


# --------------------------------------------------------------------------- the options
@pytest.mark.parametrize("device", ["cpu", "cuda", "cuda:0", "cuda:12", "auto"])
def test_device_names_are_accepted(device):
    assert check_device_name("device", device) == device


@pytest.mark.parametrize("device", ["gpu", "CUDA", "cuda:", "cuda:x", "tpu", "", None, 0])
def test_other_device_names_are_refused_naming_the_parameter_and_the_choices(device):
    with pytest.raises(ValueError, match=r"device must be one of .*'cpu'.*'cuda'.*'auto'"):
        sweep_options(device=device)


def test_sweep_options_default_to_local_processes_on_the_cpu(monkeypatch):
    monkeypatch.delenv(SCHEDULER_ENV, raising=False)
    assert sweep_options() == {"workers": None, "scheduler": None, "device": "cpu"}
    monkeypatch.setenv(SCHEDULER_ENV, "tcp://10.0.0.1:8786")  # the cluster of the environment
    assert sweep_options()["scheduler"] == "tcp://10.0.0.1:8786"
    assert sweep_options(scheduler="tcp://10.0.0.2:8786")["scheduler"] == "tcp://10.0.0.2:8786"


def test_auto_becomes_what_this_machine_has():
    assert sweep_options(device="auto")["device"] == ("cuda" if CUDA else "cpu")


@pytest.mark.skipif(CUDA, reason="this machine has CUDA")
def test_cuda_without_cuda_is_one_sentence_before_any_compute():
    with pytest.raises(ValueError, match="needs CUDA, and this machine has none"):
        sweep_options(device="cuda")
    with pytest.raises(ValueError, match="needs CUDA"):  # run_jobs asked directly: refused by its preflight
        run_jobs([tiny()], device="cuda", workers=1, progress=False)


def test_auto_with_a_scheduler_is_refused():
    with pytest.raises(ValueError, match="device 'auto' is chosen on this machine"):
        sweep_options(scheduler="tcp://127.0.0.1:8786", device="auto")


def test_with_a_scheduler_the_device_is_left_to_the_workers():
    # this machine need not have the device: the cluster's workers check it when a run starts
    assert sweep_options(scheduler="tcp://127.0.0.1:8786", device="cuda")["device"] == "cuda"


# --------------------------------------------------------------------------- the wrapper
def test_on_the_cpu_the_runs_and_their_cache_keys_are_unchanged():
    jobs = [tiny(0), tiny(1)]
    assert on("cpu", jobs) == jobs
    wrapped = on("cuda", jobs)
    assert [type(w) for w in wrapped] == [OnDevice, OnDevice] and [w.job for w in wrapped] == jobs
    keys = _keys(run_job, jobs)
    assert len(set(keys + _keys(run_job, wrapped) + _keys(run_job, on("cuda:1", jobs)))) == 6


def test_the_wrapper_names_the_kind_of_run_it_wraps():
    spec = OnDevice(tiny(), "cuda")
    assert spec.kind == "precision.chapters.optimization.CurveRun"
    assert dataclasses.replace(spec, device="cuda:1").kind == spec.kind
    assert spec.cost() == tiny().cost()


def test_a_run_wrapped_for_the_cpu_gives_the_runs_own_numbers():
    plain, wrapped = tiny().run(), OnDevice(tiny(), "cpu").run()
    assert plain["rmse_test"] == wrapped["rmse_test"]
    assert plain["rmse_test"] < 1.0


# --------------------------------------------------------------------------- a Dask cluster
@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as c:
        yield c


def test_a_dask_cluster_computes_the_runs_as_local_processes_do(cluster):
    jobs = [tiny(s) for s in range(3)]
    sweep = sweep_options(workers=2, scheduler=cluster.scheduler_address, device="cpu")
    remote, stats = run_jobs(jobs, progress=False, return_stats=True, **sweep)
    assert stats.computed == 3
    local = run_jobs(jobs, workers=1, progress=False)  # read back: same keys, same cache
    assert [r["rmse_test"] for r in remote] == [r["rmse_test"] for r in local]
    assert [r["rmse_test"] for r in remote] == [j.run()["rmse_test"] for j in jobs]


@pytest.mark.skipif(CUDA, reason="this machine has CUDA")
def test_on_a_cluster_without_cuda_a_cuda_run_fails_with_the_workers_sentence(cluster):
    sweep = sweep_options(scheduler=cluster.scheduler_address, device="cuda")
    with pytest.raises(SweepError, match="needs CUDA"):
        run_jobs([tiny()], progress=False, **sweep)


@pytest.mark.skipif(not CUDA, reason="needs a CUDA device (never required by CI)")
def test_on_a_cluster_with_cuda_the_runs_match_the_cpu(cluster):
    jobs = [tiny(s) for s in range(2)]
    cpu = run_jobs(jobs, workers=1, progress=False)
    gpu = run_jobs(jobs, progress=False, **sweep_options(scheduler=cluster.scheduler_address, device="cuda"))
    for a, b in zip(cpu, gpu):
        assert abs(a["rmse_test"] - b["rmse_test"]) <= 1e-8 * max(a["rmse_test"], 1e-300)
