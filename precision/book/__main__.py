"""``python -m precision.book build|goldens|run|plan``: the book pipeline's command line.

``plan`` parses its own options (:mod:`precision.book.plan_report`); the rest are
:func:`precision.book.build.main`'s.
"""
import sys

argv = sys.argv[1:]
if argv[:1] == ["plan"]:
    from .plan_report import main as plan_main

    sys.exit(plan_main(argv[1:]))

from .build import main  # noqa: E402

sys.exit(main())
