"""``python -m precision``: the package's command line, above its three layers.

* ``python -m precision run CHAPTER [-p NAME VALUE]... [-o OUT.ipynb]`` and
  ``python -m precision run --list`` execute one chapter of the book with your parameters
  (:func:`precision.book.build.run_main`, the book pipeline);
* every other command — ``fit``, ``targets``, ``guide`` — is the methods library's
  (:func:`precision.cli.main`).

This module is an entry point: no module of the package imports it, and it imports the book
pipeline only when asked to run a chapter, so ``fit`` works without the book's extras.
"""
from __future__ import annotations

import sys

__all__ = ["main"]

_RUN_HELP = ("  run                 execute one chapter of the book with your parameters "
             "(python -m precision run --help)\n")


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["run"]:
        from precision.book.build import run_main

        return run_main(argv[1:], prog="python -m precision run")
    from precision.cli import main as cli_main

    if argv[:1] in (["-h"], ["--help"]):
        sys.stdout.write("Commands of the book (besides the methods' commands listed below):\n" + _RUN_HELP + "\n")
    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
