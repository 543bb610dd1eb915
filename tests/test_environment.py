"""The two install paths agree, and CI runs what the README tells a user to run."""
from __future__ import annotations

import re
import tomllib

import yaml
from packaging.requirements import Requirement


def _pip_section(root):
    env = yaml.safe_load((root / "environment.yml").read_text())
    for dep in env["dependencies"]:
        if isinstance(dep, dict) and "pip" in dep:
            return dep["pip"]
    raise AssertionError("environment.yml has no pip section")


def test_environment_yml_pins_equal_pyproject(root):
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    wanted = set(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        wanted |= set(extra)
    listed = [line for line in _pip_section(root) if not line.startswith("-")]
    assert sorted(listed) == sorted(wanted)
    for line in listed:
        Requirement(line)  # every line is a valid requirement specifier
    assert "-e ." in _pip_section(root)


def test_jupyter_book_is_pinned_below_2_and_torch_exactly(root):
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    everything = project["dependencies"] + sum(project["optional-dependencies"].values(), [])
    jb = Requirement(next(r for r in everything if r.startswith("jupyter-book")))
    assert not jb.specifier.contains("2.0.0") and jb.specifier.contains("1.0.4")
    torch = Requirement(next(r for r in everything if r.startswith("torch")))
    assert str(torch.specifier) == "==2.13.0"


def test_ci_runs_make_test_and_readme_names_both_commands(root):
    ci = (root / ".ci" / "run").read_text()
    commands = [line.strip() for line in ci.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert commands[-1] == "make test"
    readme = (root / "README.md").read_text()
    first_block = re.search(r"```(?:bash|sh)?\n(.*?)```", readme, re.S).group(1)
    assert "make book" in first_block and "make test" in first_block
