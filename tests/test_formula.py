"""Formulas are data: no formula string can run code (issue "Untrusted input")."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import sympy

from precision import targets
import re

from precision.formula import MAX_DEPTH, parse_formula

ROOT = Path(__file__).resolve().parents[1]

HOSTILE = [
    "x + __import__('os').system('touch {p}')",
    "x*(open('{p}','w').write('hi'))",
    "getattr(x, '__class__')",
    "exec('open(\"{p}\", \"w\")')",
    "eval('1')",
    "open('{p}', 'w')",
    "x.__class__",
    "Lambda(x, x)",
    "(lambda: open('{p}', 'w'))()",
    "[open('{p}','w') for _ in (1,)]",
    "sin(x).func",
    "x[0]",
    "'abc'",
    "I*x",
    "zoo*x",
    "[x, x]",
    "lambda: 0",
    "sin(x=1)",
    "__builtins__",
    "x if x else 1",
    "sympify('x')",
    "exp(x, 2)",
]


@pytest.mark.parametrize("formula", HOSTILE)
def test_hostile_formulas_are_refused_and_run_nothing(tmp_path, formula):
    witness = tmp_path / "p"
    text = formula.format(p=witness)
    with pytest.raises(ValueError) as err:
        targets.from_expression(text, {"x": (0.0, 1.0)})
    assert "\n" not in str(err.value)
    assert not witness.exists()


def test_the_cli_refuses_code_in_a_formula_with_exit_2(tmp_path):
    witness = tmp_path / "p"
    for text in (f"x + __import__('os').system('touch {witness}')", f"x*(open('{witness}','w').write('hi'))"):
        out = subprocess.run([sys.executable, "-m", "precision", "fit", "--expr", text, "--domain", "x=0:1",
                              "--method", "simplex"], capture_output=True, text=True, cwd=ROOT)
        assert out.returncode == 2, out.stdout
        assert "not allowed" in out.stderr and "Traceback" not in out.stderr
        assert out.stdout == ""
    assert not witness.exists()


@pytest.mark.parametrize("formula, piece", [("x.__class__", "x.__class__"), ("I*x", "I"), ("foo(x)", "foo"),
                                            ("x ^ 2", "use ** for powers")])
def test_the_error_names_the_offending_piece(formula, piece):
    with pytest.raises(ValueError, match="not allowed") as err:
        parse_formula(formula, ["x"])
    assert piece in str(err.value)


def test_size_and_depth_are_bounded():
    with pytest.raises(ValueError, match="at most 2000 characters"):
        parse_formula("+".join(["x"] * 20_000), ["x"])
    with pytest.raises(ValueError, match="terms and operations"):
        parse_formula("+".join(["x"] * 900), ["x"])
    with pytest.raises(ValueError, match="nests too deeply"):
        parse_formula("-" * (MAX_DEPTH + 5) + "x", ["x"])
    assert parse_formula("+".join(f"x**{k}" for k in range(150)), ["x"]).is_polynomial()  # long but flat enough


def test_allowed_formulas_build_the_expected_trees():
    x, y = sympy.symbols("x y", real=True)
    assert parse_formula("exp(-x**2/2)/sqrt(2*pi)", ["x"]) == sympy.exp(-x**2 / 2) / sympy.sqrt(2 * sympy.pi)
    assert parse_formula("arcsin(x) + ln(y) - abs(x)", ["x", "y"]) == sympy.asin(x) + sympy.log(y) - sympy.Abs(x)
    assert parse_formula("E*x + 1.5e-3", ["x"]) == sympy.E * x + sympy.Float("1.5e-3")
    assert parse_formula("pi*pi", ["pi"]) == sympy.Symbol("pi", real=True) ** 2  # a variable wins over a constant


def test_every_equation_of_the_table_parses():
    for eq in targets.list_equations():
        assert targets.get_target(eq).expr.free_symbols


def test_no_module_hands_text_to_eval_or_sympy_parsers():
    call = re.compile(r"(?<![\w.])(parse_expr|sympify|eval|exec)\(")
    for path in (ROOT / "precision").rglob("*.py"):
        assert not call.findall(path.read_text()), path
