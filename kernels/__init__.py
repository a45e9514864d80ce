"""Numba kernels: plain functions, arrays in and arrays out, importing only numpy and numba.

Each module states its equations in its docstring; minnet holds the NumPy twin of
every kernel and chooses between them with ``backend="numba" | "numpy"``.
"""
