"""Layer 2, what each chapter runs: run sizes per profile (:mod:`~precision.chapters.profiles`),
the run protocol (:mod:`~precision.chapters.runs`), the network runs several chapters share
(:mod:`~precision.chapters.nets`) and one module per chapter that computes more than library
calls: :mod:`~precision.chapters.piecewise_linear` (Chapter 2), :mod:`~precision.chapters.nonlinear`
(Chapter 3, Appendix C), :mod:`~precision.chapters.optimization` and
:mod:`~precision.chapters.optimization_speed` (Chapter 4, Appendices A, B, D),
:mod:`~precision.chapters.beyond` (Chapter 6). Chapters 1 and 5 call the methods library directly."""

from . import plan as _plan  # noqa: E402,F401  (adds run_jobs' memory check: refuse what cannot fit, before it starts)
