"""``python -m precision run``: one chapter with your parameters, checked before it runs; the
entry point sends every other command to the library's CLI without loading the book."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from precision.book.build import section_notebooks

ROOT = Path(__file__).resolve().parents[1]


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
    assert out.returncode == 2 and "run --list" in out.stderr


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
