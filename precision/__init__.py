"""precision — the methods of Michaud, Liu & Tegmark, *Precision Machine Learning* (Entropy 2023).

Modules: ``targets`` (equations, sampling), ``interpolation`` (simplex), ``models`` (MLPs),
``optimizers`` (Adam, BFGS), ``floors`` (precision floors), ``scaling`` (power laws),
``fitting`` (method registry), ``profiles`` (run sizes), ``cache`` (results on disk).
"""
__version__ = "0.1.0"
