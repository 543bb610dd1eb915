"""Command line: ``python -m precision fit ...`` prints one JSON object per fit.

Examples::

    python -m precision fit --target Z.001 --method simplex --n-train 1000 --seed 0
    python -m precision fit --expr "sin(x)*y" --domain x=-1:1 --domain y=0:2 --method simplex
    python -m precision fit --expr "exp(sin(3*x))" --domain x=-1:1 --method multistage --time-limit 60
    python -m precision targets
    python -m precision guide --dim 3 --modular --precision 1e-10
"""
from __future__ import annotations

import argparse
import json
import sys
import textwrap
import unicodedata

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad argument in one line and exits with status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


def _domain(text: str) -> tuple[str, float, float]:
    try:
        name, rng = text.split("=", 1)
        lo, hi = (float(v) for v in rng.split(":"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--domain must look like NAME=LOW:HIGH (e.g. x=-1:1), got {text!r}") from None
    name = unicodedata.normalize("NFKC", name.strip())  # as Python reads the names in a formula: µ (micro) is μ
    if not name.isidentifier():
        raise argparse.ArgumentTypeError(f"--domain needs a variable name before '=' (e.g. x=-1:1), got {text!r}")
    return name, lo, hi


def _strict_json(result: dict) -> str:
    """One JSON object that strict parsers accept: a NaN or infinite number becomes ``null``
    and a sibling field ``<name>_why`` says what it was."""
    import math

    def clean(value, reasons):
        if isinstance(value, float) and not math.isfinite(value):
            return None
        if isinstance(value, dict):
            out = {}
            for k, v in value.items():
                out[k] = clean(v, reasons)
                if isinstance(v, float) and not math.isfinite(v):
                    out[f"{k}_why"] = reasons.get(k, f"not a finite number ({v})").format(v)
            return out
        if isinstance(value, (list, tuple)):
            return [clean(v, reasons) for v in value]
        return value

    failed = "not a finite number ({}) : some {} predictions are NaN or infinite (the fit failed)"
    reasons = {"rmse_test": failed.format("{}", "test"), "rmse_train": failed.format("{}", "training")}
    n_test, n_outside = result.get("n_test"), result.get("n_outside")
    if n_outside and n_outside == n_test:
        reasons["rmse_test"] = (f"no test point to measure: every test point ({n_outside} of {n_test}) lies outside "
                                "the convex hull of the training points, where simplex interpolation predicts nothing")
    return json.dumps(clean(result, reasons), allow_nan=False, ensure_ascii=False)


# fit flags about the data, not the method. A method parameter of the same name is fed from
# the flag (the weight-init seed follows --seed); any other clash is an error.
_DATA_FLAGS = ("target", "expr", "domain", "method", "n_train", "n_test", "seed", "standardize")
_FROM_DATA_FLAGS = ("seed",)


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _option_flags() -> dict[str, dict]:
    """One entry per method option name across the registry (first-registered order): the
    argparse keywords of its ``--kebab-case`` flag, and its help listing each method that
    takes it with that method's help text and default."""
    from .fitting import METHODS

    flags: dict[str, dict] = {}
    takers: dict[str, list] = {}
    for method in METHODS.values():
        for name, param in method.parameters.items():
            if name in _FROM_DATA_FLAGS:
                continue
            if name in _DATA_FLAGS:
                raise ValueError(f"method {method.name!r}: option {name!r} clashes with the fit flag {_flag(name)}")
            takers.setdefault(name, []).append((method.name, method.options[name], param.default))
            if name in flags:
                continue
            kind = param.annotation
            if kind is bool:
                flags[name] = {"action": argparse.BooleanOptionalAction}
            elif kind in (int, float):
                flags[name] = {"type": kind, "metavar": name.upper()}
            else:  # str, a union such as int | str, or no annotation: the method reads the text
                flags[name] = {"metavar": name.upper()}
    for name, entries in takers.items():
        by_text: dict[str, dict[str, list]] = {}  # help -> default -> methods, in order
        for method, text, default in entries:
            by_text.setdefault(text, {}).setdefault(_default(default), []).append(method)
        parts = []
        for text, by_default in by_text.items():
            if len(by_default) == 1:
                (default, methods), = by_default.items()
                parts.append(f"{text} ({', '.join(methods)}; default {default})")
            else:
                each = "; ".join(f"{', '.join(methods)}: default {default}" for default, methods in by_default.items())
                parts.append(f"{text} ({each})")
        flags[name]["help"] = "; ".join(parts).replace("%", "%%")
    return flags


def _default(value) -> str:
    """A default as the command line spells it: 'relu' → relu, 0.001 → 0.001."""
    return str(value)


def _methods_epilog() -> str:
    from .fitting import METHODS

    width = max(map(len, METHODS), default=0)
    lines = []
    for method in METHODS.values():
        takes = ", ".join(_flag(n) for n in method.parameters if n not in _FROM_DATA_FLAGS) or "no options"
        text = f"{method.name:{width}s}  {method.help}; takes {takes}"
        lines.append(textwrap.fill(text, 78, initial_indent="  ", subsequent_indent=" " * (width + 4)))
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    from .fitting import METHODS
    from .targets import list_equations

    targets = textwrap.fill(" ".join(list_equations()), 78, initial_indent="  ", subsequent_indent="  ")
    epilog = (f"methods:\n{_methods_epilog()}\n\ntargets (equation ids; 'python -m precision targets' shows formulas):\n"
              f"{targets}")
    parser = _Parser(prog="python -m precision", description="Fit the paper's targets (or your own) to high precision. "
                     "Every error is one line and exit status 2; --debug (anywhere) shows the traceback instead.",
                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=epilog)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    fit = sub.add_parser("fit", help="fit one target and print a JSON summary", epilog=epilog,
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    what = fit.add_mutually_exclusive_group(required=True)
    what.add_argument("--target", help="equation id from the paper's table, e.g. I.8.14")
    what.add_argument("--expr", help="your own formula in SymPy syntax, e.g. 'sin(x)*y' (needs --domain per variable)")
    fit.add_argument("--domain", action="append", type=_domain, default=[], metavar="NAME=LOW:HIGH",
                     help="input range of one variable of --expr (repeat per variable)")
    fit.add_argument("--method", required=True, choices=list(METHODS), help="fitting method")
    fit.add_argument("--n-train", type=int, default=1000, help="training points (default 1000); for method spline the grid size "
                     "(points_per_dim**d, rounded)")
    fit.add_argument("--n-test", type=int, default=30_000, help="test points in the central 80%% box (default 30000)")
    seeded = [m.name for m in METHODS.values() if "seed" in m.parameters]
    fit.add_argument("--seed", type=int, default=0, help="sampling seed (default 0); also the weight-initialisation "
                     f"seed of methods {', '.join(seeded)}" if seeded else "sampling seed (default 0)")
    fit.add_argument("--device", default="cpu", help="where the tensors live: cpu (default), cuda, cuda:N or auto; "
                     "float64 on every device")
    fit.add_argument("--standardize", action="store_true", help="standardise inputs with the training mean/std")
    options = fit.add_argument_group("method options (each says which methods take it; a method rejects the "
                                     "others)")
    for name, keywords in _option_flags().items():
        options.add_argument(_flag(name), dest=name, default=None, **keywords)
    sub.add_parser("targets", help="list the usable equations with their formulas and domains")
    guide = sub.add_parser("guide", help="which method to use for a problem (the paper's user's guide, Figure 10); "
                           "prints a JSON recommendation")
    guide.add_argument("--dim", type=int, required=True, help="input dimension d")
    guide.add_argument("--precision", type=float, default=1e-8, help="relative RMSE wanted (default 1e-8)")
    guide.add_argument("--grid", action="store_true", help="the data lie on a regular grid")
    guide.add_argument("--modular", action="store_true", help="the target is a composition of functions of fewer "
                       "inputs")
    guide.add_argument("--max-arity", type=int, help="most inputs one node of the modular target takes, d* "
                       "(default 2; needs --modular)")
    guide.add_argument("--not-smooth", action="store_true", help="the target has kinks or jumps")
    guide.add_argument("--data-budget", type=float, help="training points available (default: 1e6 assumed)")
    return parser


def _method_options(args: argparse.Namespace) -> dict:
    """The method flags given (of any method: :func:`precision.fitting.fit` rejects those the
    chosen method does not take), plus the data flags the method's parameters follow (--seed)."""
    from .fitting import METHODS

    options = {k: getattr(args, k) for k in _option_flags() if getattr(args, k, None) is not None}
    for name in _FROM_DATA_FLAGS:
        if name in METHODS[args.method].parameters:
            options[name] = getattr(args, name)
    return options


def _run_fit(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Check the request once, before anything is sampled or allocated (the flags, then the
    method's options, device and memory, as :func:`precision.fitting.fit` would), then sample
    and fit without checking again."""
    from .checks import check_seed
    from .fitting import check_fit_resources, check_method_options, fit_checked
    from .inputs import fit_data
    from .targets import from_expression, get_target, sample

    for flag, value, low in (("--n-train", args.n_train, 1), ("--n-test", args.n_test, 1)):
        if value < low:
            parser.error(f"{flag} must be a {'positive' if low else 'non-negative'} integer, got {value}")
    try:
        check_seed("--seed", args.seed)  # the sampling seed; a method's seed follows it (checked here, once)
    except ValueError as err:
        parser.error(str(err))
    limit = getattr(args, "time_limit", None)
    if limit is not None and not (0 < limit < float("inf")):
        parser.error(f"--time-limit must be a positive number of seconds, got {limit}")
    try:
        if args.target is not None:
            if args.domain:
                parser.error("--domain goes with --expr, not --target")
            target = get_target(args.target)
        else:
            domains = {name: (lo, hi) for name, lo, hi in args.domain}
            if len(domains) != len(args.domain):
                parser.error("each variable takes one --domain")
            target = from_expression(args.expr, domains)
        options = _method_options(args)
        check_method_options(args.method, {k: v for k, v in options.items() if k not in _FROM_DATA_FLAGS})
        device = check_fit_resources(args.method, target.d, args.n_train, args.n_test, options, args.device)
        data = sample(target, args.n_train, args.n_test, seed=args.seed)
        if args.standardize:
            data = data.standardized()
        result = fit_checked(fit_data(data, method=args.method, options=options), args.method, device, options)
    except (KeyError, ValueError) as err:
        if args.debug:
            raise
        message = err.args[0] if err.args else str(err)
        parser.exit(2, f"{parser.prog}: error: {_one_line(message)}\n")
    print(_strict_json(result.to_dict()))
    return 0


def _one_line(message: object) -> str:
    return " ".join(str(message).split())


def _run_guide(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from .guide import recommend

    try:
        rec = recommend(args.dim, grid=args.grid, modular=args.modular, max_arity=args.max_arity,
                        smooth=not args.not_smooth, precision=args.precision, data_budget=args.data_budget)
    except ValueError as err:
        if args.debug:
            raise
        parser.exit(2, f"{parser.prog}: error: {err}\n")
    print(_strict_json(rec.to_dict()))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command line; every error is one line on stderr and exit status 2 (``--debug``
    shows the traceback instead)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    argv = [a for a in argv if a != "--debug"]
    parser = _parser()
    args = parser.parse_args(argv)
    args.debug = debug
    if debug:
        return _dispatch(args, parser)
    try:
        return _dispatch(args, parser)
    except (SystemExit, KeyboardInterrupt):
        raise
    except Exception as err:  # the CLI boundary: one line, no traceback
        parser.exit(2, f"{parser.prog}: error: {type(err).__name__}: {_one_line(err)} (--debug shows where)\n")


def _dispatch(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    if args.command == "targets":
        from .targets import get_target, list_equations

        for eq in list_equations():
            t = get_target(eq)
            box = ", ".join(f"{v}∈[{lo:g},{hi:g}]" for v, lo, hi in zip(t.variables, t.low, t.high))
            print(f"{eq:10s} d={t.d}  {t.formula}   {box}")
        return 0
    if args.command == "guide":
        return _run_guide(args, parser)
    return _run_fit(args, parser)


if __name__ == "__main__":
    sys.exit(main())
