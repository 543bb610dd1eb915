"""Formulas are data: no formula string can run code (issue "Untrusted input")."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import sympy

from precision import targets
import re

from precision.formula import MAX_DEPTH, parse_formula

ROOT = Path(__file__).resolve().parents[2]

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


_PARSE_EACH = """
import faulthandler, json, sys, time
from precision.formula import parse_formula
for text in json.loads(sys.argv[1]):
    faulthandler.dump_traceback_later(float(sys.argv[2]), exit=True)  # a watchdog that needs no interpreter
    start = time.perf_counter()
    try:
        outcome = str(parse_formula(text, ["x"]))
    except ValueError as err:
        outcome = "ValueError: " + str(err)
    faulthandler.cancel_dump_traceback_later()
    print(json.dumps([text, time.perf_counter() - start, outcome]), flush=True)
"""


def _parse_each(formulas: list[str], seconds: float) -> dict[str, tuple[float, str]]:
    """Parse each formula in a child process that a watchdog ends after ``seconds`` on one (a
    big-integer computation holds the interpreter, so a thread could not stop it): text →
    (seconds taken, outcome)."""
    import json
    import os

    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run([sys.executable, "-c", _PARSE_EACH, json.dumps(formulas), str(seconds)],
                         capture_output=True, text=True, timeout=60 + seconds * len(formulas), env=env)
    assert out.returncode == 0, f"a parse ran over {seconds} s; done before it: {out.stdout}{out.stderr[-1500:]}"
    return {text: (took, outcome) for text, took, outcome in map(json.loads, out.stdout.splitlines())}


# Short formulas whose exact arithmetic would run for hours (issue #21, "No hangs").
HUGE = ["10**10**10*x", "9**9**9", "x**(10**10**10)", "(1+1/10**100)**(10**100)+x", "sqrt(2**(10**5)+1)*x",
        "sin(10**10**6)+x", "1e1000000000*x", "1e-1000000000*x", "exp(exp(700))*x", "pi**10000*x",
        "((x**100)**100)**2", "(1/2)**2000*x", "0x" + "f" * 400 + "*x"]


def test_formulas_with_huge_numbers_are_refused_at_once():
    outcomes = _parse_each(HUGE + ["2**1024*x", "x**10001"], 10.0)
    for text, (took, outcome) in outcomes.items():
        assert took < 10.0 and outcome.startswith("ValueError"), (text, took, outcome)
        assert ("too small" if text.startswith("1e-") else "too large") in outcome, outcome
        assert "\n" not in outcome
    assert len(outcomes) == len(HUGE) + 2


def test_numbers_within_the_bounds_still_build():
    x = sympy.Symbol("x", real=True)
    assert parse_formula("2**1023*x", ["x"]) == sympy.Integer(2) ** 1023 * x  # just inside float64's range
    assert parse_formula("x**10000 + x**-10000", ["x"]) == x**10000 + x**-10000
    assert parse_formula("1**(10**300) * (-1)**(10**300) * x", ["x"]) == x  # bases 1 and -1 take any exponent
    assert parse_formula("sin(exp(700)) + 1e-300*x", ["x"]) == sympy.sin(sympy.exp(700)) + sympy.Float("1e-300") * x
    assert parse_formula("10**-300*x", ["x"]) == x / sympy.Integer(10) ** 300
    t = targets.from_expression("sin(10**300)*x", {"x": (0.0, 1.0)})  # a large constant argument folds quickly
    assert t(np.array([[1.0]]))[0] == pytest.approx(float(sympy.sin(sympy.Integer(10) ** 300).evalf(30)))
