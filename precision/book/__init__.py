"""Layer 3, the book pipeline: papermill execution and the Jupyter Book build
(:mod:`~precision.book.build`, run as ``python -m precision.book build|goldens|run``; ``run``
is also ``python -m precision run``, its run checked before a kernel starts by
:mod:`~precision.book.preflight`), the status page (:mod:`~precision.book.status`), the
reproduction scorecard (:mod:`~precision.book.scorecard`), the profile box at the head of each
chapter (:mod:`~precision.book.pagehead`), tables and numbers as the pages show them
(:mod:`~precision.book.text`), the checks of the built pages (:mod:`~precision.book.pagecheck`)
and the Sphinx guard (:mod:`~precision.book.sphinx_guard`)."""
