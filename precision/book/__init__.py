"""Layer 3, the book pipeline: papermill execution and the Jupyter Book build
(:mod:`~precision.book.build`, run as ``python -m precision.book build|goldens``), the status
page (:mod:`~precision.book.status`), the reproduction scorecard
(:mod:`~precision.book.scorecard`) and the Sphinx guard (:mod:`~precision.book.sphinx_guard`)."""
