"""precision — the methods of Michaud, Liu & Tegmark, *Precision Machine Learning* (Entropy 2023).

Fit your own data: ``precision.fit(x_train, y_train, method="lm")``, or a target's
:class:`Dataset`: ``precision.fit(precision.sample(precision.get_target("I.6.2"), 1000,
1000), "simplex")``. The methods are the keys of ``precision.METHODS`` (add one with
``precision.register``); each returns a :class:`FitResult`.

The modules, by concept: ``targets`` (equations, sampling), ``interpolation``/``splines``/
``chebyshev`` (classical methods), ``models``/``optimizers``/``lm``/``boosting``/
``multistage``/``lowcurv`` (networks and their training), ``floors`` (precision floors),
``scaling`` (power laws), ``guide`` (which method to use), ``methods`` and ``fitting``
(the methods by name, and :func:`fit`), ``results`` (what a fit returns), ``inputs`` (the
checks of the data), ``memory`` (will a fit fit in memory). ``precision.chapters`` holds
what each chapter of the book runs, ``precision.book`` the book's pipeline.

``import precision`` stays cheap (no torch, no SymPy): the names below load their module on
first use.
"""
TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (type checkers read it as True)
if TYPE_CHECKING:  # the public API, for readers and type checkers; loaded lazily below
    from .fitting import METHODS, fit, register
    from .results import FitResult
    from .targets import Dataset, Target, get_target, sample

__version__ = "0.1.0"

# fitting, not methods, for METHODS and register: importing it registers the package's methods
_WHERE = {"fit": "fitting", "METHODS": "fitting", "register": "fitting", "FitResult": "results",
          "Dataset": "targets", "Target": "targets", "get_target": "targets", "sample": "targets"}
__all__ = list(_WHERE)


def __getattr__(name: str):
    if name in _WHERE:
        from importlib import import_module

        return getattr(import_module(f".{_WHERE[name]}", __name__), name)
    raise AttributeError(f"module 'precision' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
