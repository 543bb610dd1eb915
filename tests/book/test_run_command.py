"""``python -m precision run``: one chapter with your parameters, checked before it runs; the
entry point sends every other command to the library's CLI without loading the book."""
from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from precision.book.build import section_notebooks

ROOT = Path(__file__).resolve().parents[2]


def precision(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "precision", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def test_an_unknown_parameter_exits_2_naming_it_before_anything_runs(tmp_path):
    out_path = tmp_path / "intro.ipynb"
    out = precision("run", "introduction", "-p", "seed", "1", "-p", "bogus", "1", "-o", str(out_path))
    assert out.returncode == 2, out.stdout + out.stderr
    assert "no parameter 'bogus'" in out.stderr
    assert "its parameters are profile, floor_targets" in out.stderr and "seed" in out.stderr
    assert "Traceback" not in out.stderr and not out_path.exists()


def test_an_unknown_chapter_or_profile_exits_2():
    out = precision("run", "chapter-nine")
    assert out.returncode == 2 and "no chapter named 'chapter-nine'" in out.stderr and "introduction" in out.stderr
    out = precision("run", "introduction", "-p", "profile", "huge")
    assert out.returncode == 2 and "profile must be one of" in out.stderr and "Traceback" not in out.stderr
    out = precision("run")
    assert out.returncode == 2 and "run --list" in out.stderr and out.stderr.count("\n") == 1, out.stderr


def test_list_shows_every_chapter_and_its_parameters(tmp_path):
    out = precision("run", "--list", cwd=tmp_path)  # outside the checkout: the package finds its book
    assert out.returncode == 0, out.stderr
    listed = [line.split(":")[0] for line in out.stdout.splitlines() if not line.startswith(" ")]
    assert listed == [Path(d).name for d in section_notebooks(ROOT)]
    assert 'introduction: profile="book", floor_targets=None' in out.stdout


def test_the_book_runner_is_the_same_command():
    out = subprocess.run([sys.executable, "-m", "precision.book", "run", "--list"], cwd=ROOT, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0 and out.stdout == precision("run", "--list").stdout


def test_other_commands_go_to_the_library_without_loading_the_book():
    code = ("import sys, contextlib, io\nfrom precision.__main__ import main\n"
            "with contextlib.redirect_stdout(io.StringIO()) as out:\n    rc = main(['targets'])\n"
            "print(rc, 'I.8.14' in out.getvalue(), any(m.startswith('precision.book') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["0", "True", "False"], out.stderr
    help_text = precision("--help").stdout
    assert "run" in help_text and "fit" in help_text


# --------------------------------------------------------------------------- refused before a kernel starts
def _closed_port() -> int:
    """A local TCP port that nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SMOKE = ["-p", "profile", "smoke"]
PROBES = [  # (chapter and parameters, what the one line says)
    (["introduction", *SMOKE, "-p", "floor_points", "-5"], "floor_points must be a positive integer, got -5"),
    (["introduction", *SMOKE, "-p", "seed", '"abc"'], "seed must be a non-negative integer, got 'abc'"),
    (["piecewise-linear", *SMOKE, "-p", "equations", "[]"], "equations must be a non-empty list"),
    (["conclusions", *SMOKE, "-p", "data_budget", "1e999"], "data_budget must be a positive integer, got inf"),
    (["introduction", *SMOKE, "-p", "example_target", "'I.8.14'"], "example_target must be a 1-D equation"),
    (["piecewise-linear", *SMOKE, "-p", "simplex_sizes", "[64, 4096]"],
     "simplex_sizes must hold at least two sizes >= fit_min_points"),
    (["piecewise-linear", *SMOKE, "-p", "modular_targets", "['Z.001']"], "modular_targets: no computational graph"),
    (["introduction", *SMOKE, "-p", "scaling_sizes", "[1000000000000]"], "scaling_sizes=[1000000000000] cannot fit"),
    (["piecewise-linear", *SMOKE, "-p", "net_sizes", "[100000000]"], "net_sizes=[100000000] cannot fit"),
    (["piecewise-linear", *SMOKE, "-p", "scheduler", "'tcp://127.0.0.1:{port}'"],
     "scheduler 'tcp://127.0.0.1:{port}' cannot be reached"),
    (["introduction", *SMOKE, "-o", "{tmp}"], "output (-o) must name a notebook file, and {tmp} is a folder"),
    (["introduction", *SMOKE, "-o", "{tmp}/missing/intro.ipynb"], "output (-o) must be in an existing folder"),
]


@pytest.mark.parametrize("args, says", PROBES, ids=[" ".join(a[3:]) for a, _ in PROBES])
def test_a_bad_run_exits_2_in_one_line_before_a_kernel_starts(args, says, tmp_path, monkeypatch, capsys):
    import precision.book.build as book

    started = []
    monkeypatch.setattr(book, "execute_notebook", lambda *a, **k: started.append(a))
    fill = {"port": _closed_port(), "tmp": tmp_path}
    args = [a.format(**fill) for a in args]
    if "-o" not in args:
        args += ["-o", str(tmp_path / "out.ipynb")]
    start = time.perf_counter()
    with pytest.raises(SystemExit) as exit_:
        book.run_main(args)
    seconds = time.perf_counter() - start
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and started == [], err
    assert err.count("\n") == 1 and err.startswith("python -m precision run: error: ") and says.format(**fill) in err
    assert seconds < 8, f"{seconds:.1f} s: the checks take a kernel's time"  # a kernel's start alone takes seconds
    assert list(tmp_path.iterdir()) == []  # no notebook, no .running-* leftover


def test_the_command_line_refuses_an_output_folder_and_leaves_nothing_behind(tmp_path):
    folder = tmp_path / "existing"
    folder.mkdir()
    out = precision("run", "introduction", *SMOKE, "-o", str(folder))
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and "is a folder" in out.stderr, out.stderr
    assert "Kernel" not in out.stderr and "Traceback" not in out.stderr
    assert [p.name for p in tmp_path.rglob("*")] == ["existing"]


@pytest.mark.parametrize("args", [[], ["introduction", "-p", "seed"], ["--no-such-flag"]])
def test_a_usage_error_is_one_line(args, capsys):
    from precision.book.build import run_main

    with pytest.raises(SystemExit) as exit_:
        run_main(args)
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and err.count("\n") == 1, err
    assert err.startswith("python -m precision run: error: ") and "usage:" not in err


def test_the_values_are_checked_by_the_function_the_notebook_calls(monkeypatch):
    """check_run resolves with precision.chapters.profiles.resolve, as every chapter's notebook does."""
    import precision.chapters.profiles as profiles
    from precision.book.build import notebook_parameters
    from precision.book.preflight import check_run

    calls = []
    real = profiles.resolve
    monkeypatch.setattr(profiles, "resolve", lambda *a, **k: calls.append((a, k)) or real(*a, **k))
    for docname in section_notebooks(ROOT):
        source = (ROOT / f"{docname}.md").read_text()
        assert "profiles.resolve(" in source, docname
    check_run("book/introduction", {"profile": "smoke", "seed": 3}, notebook_parameters(ROOT, "book/introduction"))
    assert calls[0][0] == ("introduction", "smoke") and calls[0][1]["seed"] == 3
    assert calls[0][1]["floor_points"] is None  # the cell's default, as the notebook passes it


def test_a_scheduler_that_listens_is_reached_and_one_that_does_not_is_refused_quickly():
    from precision.book.preflight import check_scheduler_reachable

    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        address = f"tcp://127.0.0.1:{server.getsockname()[1]}"
        assert check_scheduler_reachable(address) == address
        assert check_scheduler_reachable(address.removeprefix("tcp://")) == address.removeprefix("tcp://")
    port = _closed_port()
    start = time.perf_counter()
    with pytest.raises(ValueError, match=f"scheduler 'tcp://127.0.0.1:{port}' cannot be reached"):
        check_scheduler_reachable(f"tcp://127.0.0.1:{port}", timeout=1.0)
    assert time.perf_counter() - start < 3
    with pytest.raises(ValueError, match="port number"):
        check_scheduler_reachable("tcp://127.0.0.1:http")


def test_a_sweep_on_a_cluster_is_left_to_its_workers_memory(tmp_path, monkeypatch):
    """As run_jobs does (precision.chapters.plan.refuse_what_cannot_fit): with a scheduler, the
    sweeps' runs are not checked against this machine; the work done in the notebook still is."""
    import precision.book.build as book

    started = []
    monkeypatch.setattr(book, "execute_notebook", lambda *a, **k: started.append(a))
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        scheduler = f"tcp://127.0.0.1:{server.getsockname()[1]}"
        book.run_chapter(ROOT, "piecewise-linear", {"profile": "smoke", "net_sizes": [10 ** 8], "scheduler": scheduler},
                         tmp_path / "out.ipynb")
        assert len(started) == 1
        with pytest.raises(MemoryError, match=r"scaling_sizes=\[1000000000000\] cannot fit"):
            book.run_chapter(ROOT, "introduction", {"profile": "smoke", "scaling_sizes": [10 ** 12]},
                             tmp_path / "out.ipynb")
    assert len(started) == 1
