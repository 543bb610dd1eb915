"""Formulas as data: a formula string becomes a SymPy expression without running any code.

The string is parsed by Python's :mod:`ast` in ``eval`` mode and the SymPy tree is built
node by node from a whitelist; nothing is handed to ``eval``, ``sympify`` or
``parse_expr``. A formula may use numbers, its declared variables, the constants ``pi``
and ``E``, the operators ``+ - * / **`` (and unary ``-``, ``+``), parentheses, and calls of
the functions in :data:`FUNCTIONS` by their plain names. Anything else (attributes,
subscripts, strings, keywords, lambdas, comprehensions, other names) is refused with a
one-line ``ValueError`` naming the offending piece.

Building the tree does arithmetic (SymPy folds ``2**10`` into ``1024`` as it builds), so
the sizes that arithmetic may reach are bounded too, and a short formula cannot make it
run for hours (``9**9**9``, ``sqrt(2**(10**5)+1)``, ``sin(10**10**6)``): an exact number
(an integer, or a fraction's numerator and denominator) has at most :data:`MAX_DIGITS`
digits; a constant exponent is at most :data:`MAX_EXPONENT` in magnitude unless the base
is 0, 1 or −1; every constant part of the formula lies within float64's range (below
about 1.8e308 in magnitude, checked as it is built, by a 15-digit evaluation that those
bounds keep cheap); and a formula that still takes more than :data:`MAX_SECONDS` to build
is refused.
"""
from __future__ import annotations

import ast
import decimal
import math
import sys
import time
from collections.abc import Sequence
from typing import Any

import sympy

__all__ = ["parse_formula", "FUNCTIONS", "CONSTANTS", "MAX_LENGTH", "MAX_NODES", "MAX_DEPTH", "MAX_DIGITS",
           "MAX_EXPONENT", "MAX_SECONDS"]

FUNCTIONS: dict[str, Any] = {
    "exp": sympy.exp, "log": sympy.log, "ln": sympy.log, "sqrt": sympy.sqrt, "Abs": sympy.Abs, "abs": sympy.Abs,
    "sin": sympy.sin, "cos": sympy.cos, "tan": sympy.tan, "sinh": sympy.sinh, "cosh": sympy.cosh,
    "tanh": sympy.tanh, "asin": sympy.asin, "acos": sympy.acos, "atan": sympy.atan, "arcsin": sympy.asin,
    "arccos": sympy.acos, "arctan": sympy.atan,
    "j0": lambda a: sympy.besselj(0, a), "j1": lambda a: sympy.besselj(1, a),  # Bessel functions of the first kind
}
CONSTANTS: dict[str, Any] = {"pi": sympy.pi, "E": sympy.E}
MAX_LENGTH = 2000   # characters
MAX_NODES = 1000    # syntax-tree nodes
MAX_DEPTH = 200     # nesting of operations (a chain a + b + c … nests one level per term)
MAX_DIGITS = 330    # digits of an exact number (an integer; a fraction's numerator and denominator)
MAX_EXPONENT = 10_000  # magnitude of a constant exponent (unless the base is 0, 1 or -1)
MAX_SECONDS = 10.0  # wall-clock seconds to build the tree (a last guard; the bounds above keep it far below)

_MAX_BITS = math.ceil(MAX_DIGITS * math.log2(10))
_FLOAT_MAX = int(sys.float_info.max)  # the largest float64, as an exact integer

_BINARY = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
           ast.Div: lambda a, b: a / b, ast.Pow: lambda a, b: a ** b}
_UNARY = {ast.USub: lambda a: -a, ast.UAdd: lambda a: +a}
_WHAT = {ast.Attribute: "attribute access", ast.Subscript: "subscripts", ast.Lambda: "lambda",
         ast.List: "lists", ast.Tuple: "tuples", ast.Dict: "dicts", ast.Set: "sets", ast.ListComp: "comprehensions",
         ast.SetComp: "comprehensions", ast.DictComp: "comprehensions", ast.GeneratorExp: "comprehensions",
         ast.Compare: "comparisons", ast.BoolOp: "and/or", ast.IfExp: "if-else", ast.Starred: "starred arguments",
         ast.NamedExpr: "assignment", ast.JoinedStr: "strings", ast.Await: "await"}


def _allowed(variables: Sequence[str]) -> str:
    names = ", ".join(variables) if variables else "none"
    return (f"a formula may use numbers, its variables ({names}), the constants {', '.join(CONSTANTS)}, "
            f"+ - * / **, and the functions {', '.join(FUNCTIONS)}")


def _refuse(text: str, node: ast.AST, why: str, variables: Sequence[str]) -> ValueError:
    piece = ast.get_source_segment(text, node) or type(node).__name__
    if len(piece) > 60:
        piece = piece[:57] + "..."
    return ValueError(f"formula {text if len(text) <= 80 else text[:77] + '...'!r}: {piece!r} is not allowed "
                      f"({why}); {_allowed(variables)}")


def _too_large(text: str, node: ast.AST, why: str, what: str = "too large") -> ValueError:
    piece = ast.get_source_segment(text, node) or type(node).__name__
    if len(piece) > 60:
        piece = piece[:57] + "..."
    return ValueError(f"formula {text if len(text) <= 80 else text[:77] + '...'!r}: {piece!r} is {what} ({why}); "
                      f"exact numbers may have at most {MAX_DIGITS} digits, constant parts must lie within "
                      f"float64's range and constant exponents within ±{MAX_EXPONENT}")


def _exponent_size(power: sympy.Expr) -> float:
    """``|power|`` for a constant exponent, from at most a 15-digit evaluation."""
    if power.is_Number:
        return float(abs(power))
    value = sympy.N(power, 15)
    return float(abs(value)) if value.is_Number else 0.0


def _bits(number: sympy.Rational) -> int:
    return max(abs(number.p).bit_length(), number.q.bit_length())


def _beyond_float(value: sympy.Float) -> bool:
    """Whether a SymPy Float (of any exponent) exceeds the largest float64 in magnitude."""
    _, mantissa, exponent, bits = value._mpf_
    return bool(mantissa) and (exponent + bits > 1025 or math.isinf(float(value)))


def _out_of_bounds(expr: sympy.Expr) -> str | None:
    """Why the constant ``expr`` is too large to keep (``None`` when it is within bounds)."""
    if expr.is_Rational:
        if _bits(expr) > _MAX_BITS:
            return f"an exact number with more than {MAX_DIGITS} digits"
        return "beyond float64's range" if abs(expr.p) > _FLOAT_MAX * expr.q else None
    value = expr if expr.is_Float else sympy.N(expr, 15)
    parts = (value,) if value.is_Float else value.as_real_imag() if value.is_number and value.is_finite else ()
    for part in parts:
        if part.is_Float and _beyond_float(part):
            return "beyond float64's range"
    return None


def parse_formula(text: Any, variables: Sequence[str], *, unknown: str = "refuse") -> sympy.Expr:
    """Parse ``text`` into a SymPy expression of real ``variables``, running no code.

    Parameters
    ----------
    text : str
        The formula in Python syntax, e.g. ``"exp(-theta**2/2)/sqrt(2*pi)"``.
    variables : sequence of str
        Names of the formula's variables (real symbols). A variable's name wins over a
        constant or function of the same name.
    unknown : {"refuse", "symbol"}
        What a name that is neither a variable, a constant nor a function becomes: an error,
        or a real symbol (so the caller can report every variable that lacks a domain).

    Returns
    -------
    sympy.Expr

    Raises
    ------
    ValueError
        One line naming the offending piece, for anything outside the whitelist, a syntax
        error, a formula longer than :data:`MAX_LENGTH` characters, :data:`MAX_NODES`
        nodes or :data:`MAX_DEPTH` levels, a number or constant part out of bounds (more
        than :data:`MAX_DIGITS` digits, beyond float64's range, an exponent above
        :data:`MAX_EXPONENT`), or one that takes more than :data:`MAX_SECONDS` to build.
    """
    if not isinstance(text, str):
        raise ValueError(f"a formula must be a string, got {type(text).__name__}")
    if unknown not in ("refuse", "symbol"):
        raise ValueError(f"unknown must be 'refuse' or 'symbol', got {unknown!r}")
    variables = list(variables)
    if not text.strip():
        raise ValueError("a formula must not be empty")
    if len(text) > MAX_LENGTH:
        raise ValueError(f"a formula may have at most {MAX_LENGTH} characters; this one has {len(text)}")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as err:
        raise ValueError(f"cannot parse formula {text!r}: {err.msg}"
                         + (" (use ** for powers)" if "^" in text else "")) from None
    except (RecursionError, MemoryError):
        raise ValueError(f"formula nests too deeply (at most {MAX_DEPTH} levels)") from None
    text = text.strip()
    count = sum(isinstance(node, ast.expr) for node in ast.walk(tree))
    if count > MAX_NODES:
        raise ValueError(f"a formula may have at most {MAX_NODES} terms and operations; this one has {count}")
    symbols = {name: sympy.Symbol(name, real=True) for name in variables}
    deadline = time.perf_counter() + MAX_SECONDS

    def build(node: ast.AST, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise ValueError(f"formula nests too deeply (at most {MAX_DEPTH} levels)")
        if time.perf_counter() > deadline:
            raise ValueError(f"formula {text if len(text) <= 80 else text[:77] + '...'!r} takes more than "
                             f"{MAX_SECONDS:g} s to build; simplify its constant parts")
        out = _build(node, depth)
        if isinstance(out, sympy.Expr) and not out.free_symbols:
            why = _out_of_bounds(out)
            if why:
                raise _too_large(text, node, f"its value is {why}")
        if isinstance(out, sympy.Pow) and out.exp.is_Number and abs(out.exp) > MAX_EXPONENT \
                and out.base not in (0, 1, -1):
            raise _too_large(text, node, f"a power above {MAX_EXPONENT}")
        return out

    def _build(node: ast.AST, depth: int) -> Any:
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise _refuse(text, node, "only real numbers are constants", variables)
            source = ast.get_source_segment(text, node) or repr(node.value)
            if isinstance(node.value, int):
                if node.value.bit_length() > _MAX_BITS:
                    raise _too_large(text, node, f"an exact number with more than {MAX_DIGITS} digits")
                return sympy.Integer(node.value)
            exact = decimal.Decimal(source.replace("_", ""))  # its decimal exponent, without building it
            if math.isinf(node.value) or (exact and exact.adjusted() < -MAX_DIGITS):
                raise _too_large(text, node, f"a number must be 0 or between 1e-{MAX_DIGITS} and 1.8e308 in "
                                 "magnitude", "too large" if math.isinf(node.value) else "too small")
            return sympy.Float(source)
        if isinstance(node, ast.Name):
            if node.id.startswith("_"):
                raise _refuse(text, node, "names may not start with an underscore", variables)
            if node.id in symbols:
                return symbols[node.id]
            if node.id in CONSTANTS:
                return CONSTANTS[node.id]
            if node.id in FUNCTIONS:
                raise _refuse(text, node, "a function must be called", variables)
            if unknown == "symbol":
                return sympy.Symbol(node.id, real=True)
            raise _refuse(text, node, "unknown name", variables)
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            left, right = build(node.left, depth + 1), build(node.right, depth + 1)
            if isinstance(node.op, ast.Pow):
                _check_power(node, left, right)
            return _BINARY[type(node.op)](left, right)
        if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
            return _UNARY[type(node.op)](build(node.operand, depth + 1))
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS or node.func.id in symbols:
                raise _refuse(text, node.func, "not a known function", variables)
            if node.keywords:
                raise _refuse(text, node, "keyword arguments", variables)
            if len(node.args) != 1:
                raise _refuse(text, node, f"{node.func.id} takes one argument", variables)
            return FUNCTIONS[node.func.id](build(node.args[0], depth + 1))
        if isinstance(node, (ast.BinOp, ast.UnaryOp)):
            return _refuse_op(node)
        raise _refuse(text, node, _WHAT.get(type(node), type(node).__name__.lower()), variables)

    def _check_power(node: ast.AST, base: Any, power: Any) -> None:
        """Refuse, before SymPy computes it, a power whose exact value would be too large."""
        if not isinstance(power, sympy.Expr) or power.free_symbols or base in (0, 1, -1):
            return
        size = _exponent_size(power)
        if size > MAX_EXPONENT:
            raise _too_large(text, node, f"an exponent above {MAX_EXPONENT} in magnitude")
        if isinstance(base, sympy.Rational) and power.is_Rational and (_bits(base) - 1) * size > _MAX_BITS:
            raise _too_large(text, node, f"its value is an exact number with more than {MAX_DIGITS} digits")

    def _refuse_op(node: ast.AST) -> Any:
        op = type(node.op).__name__  # type: ignore[attr-defined]
        hint = "use ** for powers" if op == "BitXor" else f"operator {op}"
        raise _refuse(text, node, hint, variables)

    expr = build(tree.body, 0)
    if not isinstance(expr, sympy.Expr) or expr.has(sympy.I, sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
        raise ValueError(f"formula {text!r} is not a finite real expression")
    return expr
