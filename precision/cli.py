"""Command line: ``python -m precision fit ...`` prints one JSON object per fit.

Examples::

    python -m precision fit --target Z.001 --method simplex --n-train 1000 --seed 0
    python -m precision fit --expr "sin(x)*y" --domain x=-1:1 --domain y=0:2 --method simplex
    python -m precision targets
    python -m precision guide --dim 3 --modular --precision 1e-10
"""
from __future__ import annotations

import argparse
import json
import sys
import textwrap

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
    return name.strip(), lo, hi


def _parser() -> argparse.ArgumentParser:
    from .fitting import METHODS
    from .targets import list_equations

    targets = textwrap.fill(" ".join(list_equations()), 78, initial_indent="  ", subsequent_indent="  ")
    epilog = (f"methods:\n  {', '.join(METHODS)}\n\ntargets (equation ids; 'python -m precision targets' shows formulas):\n"
              f"{targets}")
    parser = _Parser(prog="python -m precision", description="Fit the paper's targets (or your own) to high precision.",
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
    fit.add_argument("--seed", type=int, default=0, help="sampling seed (default 0)")
    fit.add_argument("--standardize", action="store_true", help="standardise inputs with the training mean/std")
    net = fit.add_argument_group("network options (method mlp)")
    net.add_argument("--activation", help="relu, tanh, sigmoid or silu (default relu)")
    net.add_argument("--depth", type=int, help="number of Linear layers (default 3)")
    net.add_argument("--width", type=int, help="hidden width (default 20)")
    net.add_argument("--optimizer", help="adam or bfgs (default adam)")
    net.add_argument("--steps", type=int, help="Adam steps / BFGS maximum steps (default 20000)")
    net.add_argument("--lr", type=float, help="Adam learning rate (default 1e-3)")
    net.add_argument("--batch-cap", type=int, help="Adam full batch up to this size, else a sliding window "
                     "(default 10000)")
    boosting = fit.add_argument_group("boosting options (method boost; also --width, --depth, --activation, "
                                      "--steps = BFGS maximum per stage)")
    boosting.add_argument("--stages", type=int, help="number of boosted nets (default 2)")
    boosting.add_argument("--lowcurv-steps", type=int, help="low-curvature subspace steps after BFGS in each "
                          "stage (default 100)")
    spline = fit.add_argument_group("spline options (method spline: interpolation on a regular grid; "
                                    "--n-train is then the total number of grid points, rounded to the "
                                    "nearest points_per_dim**d)")
    spline.add_argument("--order", help="spline degree 1-7 or 'simplex' (default 3)")
    beyond = fit.add_argument_group("beyond the paper (method lm: Levenberg-Marquardt, --stages > 1 boosts; "
                                    "method multistage: Wang & Lai multi-stage nets; both also take --width, "
                                    "--depth, --stages, --steps = LM steps per stage; method chebyshev: "
                                    "Chebyshev series)")
    beyond.add_argument("--solver", help="LM step solver: cholesky or svd (default cholesky)")
    beyond.add_argument("--adam-steps", type=int, help="Adam steps before LM in each stage (lm: default 0; "
                        "multistage: default 500)")
    beyond.add_argument("--data-growth", type=int, help="stage k trains on n*growth^(k-1) points (multistage; "
                        "default 1)")
    beyond.add_argument("--degree", type=int, help="Chebyshev degree per axis (default 30)")
    beyond.add_argument("--kind", help="Chebyshev coefficients: lstsq (fit the training data) or interpolate "
                        "(the target at Chebyshev points, 1D) (default lstsq)")
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


# Options that belong to a method, not to the data: passed on only when given.
_METHOD_OPTIONS = ("activation", "depth", "width", "optimizer", "steps", "lr", "batch_cap", "stages",
                   "lowcurv_steps", "order", "solver", "adam_steps", "data_growth", "degree", "kind")


def _method_options(args: argparse.Namespace) -> dict:
    import inspect

    from .fitting import METHODS

    options = {k: getattr(args, k) for k in _METHOD_OPTIONS if getattr(args, k, None) is not None}
    if "seed" in inspect.signature(METHODS[args.method]).parameters:  # the init seed follows --seed
        options["seed"] = args.seed
    return options


def _run_fit(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from .fitting import fit
    from .targets import from_expression, get_target, sample

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
        data = sample(target, args.n_train, args.n_test, seed=args.seed)
        if args.standardize:
            data = data.standardized()
        result = fit(data, args.method, **_method_options(args))
    except (KeyError, ValueError) as err:
        message = err.args[0] if err.args else str(err)
        parser.exit(2, f"{parser.prog}: error: {message}\n")
    print(json.dumps(result.to_dict()))
    return 0


def _run_guide(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from .guide import recommend

    try:
        rec = recommend(args.dim, grid=args.grid, modular=args.modular, max_arity=args.max_arity,
                        smooth=not args.not_smooth, precision=args.precision, data_budget=args.data_budget)
    except ValueError as err:
        parser.exit(2, f"{parser.prog}: error: {err}\n")
    print(json.dumps(rec.to_dict(), ensure_ascii=False))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
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
