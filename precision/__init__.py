"""precision — the methods of Michaud, Liu & Tegmark, *Precision Machine Learning* (Entropy 2023).

Fit your own data: ``precision.fit(x_train, y_train, method="lm")`` (or a
:class:`~precision.targets.Dataset`: ``precision.fit(dataset, "simplex")``); the methods are
the keys of ``precision.METHODS`` and return a ``FitResult``. The modules, by concept:
``targets`` (equations, sampling), ``interpolation``/``splines``/``chebyshev`` (classical
methods), ``models``/``optimizers``/``lm``/``boosting``/``multistage``/``lowcurv`` (networks
and their training), ``floors`` (precision floors), ``scaling`` (power laws), ``guide`` (which
method to use), ``fitting`` (the method registry), ``inputs`` (the checks of the data).
``precision.chapters`` holds what each chapter of the book runs, ``precision.book`` the book's
pipeline. ``import precision`` stays cheap: ``fit`` and the rest load on first use.
"""
__version__ = "0.1.0"
__all__ = ["fit", "FitResult", "METHODS"]


def __getattr__(name: str):
    if name in __all__:
        from . import fitting

        return getattr(fitting, name)
    raise AttributeError(f"module 'precision' has no attribute {name!r}")
