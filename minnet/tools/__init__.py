"""minnet.tools: the plumbing around the framework; nothing here trains or differentiates.

Read it last, when you need it:

1. history   a training run's record (named arrays and a few facts), saved without pickle
2. progress  progress bars for long loops, also from inside a sweep's workers
3. sweep     many independent trainings on every core or on a Dask cluster
4. plots     the figure standard and one function per kind of panel (the only matplotlib user)
5. atomic    files and output folders written whole or not at all, never a user's file
6. backend   the choice between a Numba kernel and its NumPy twin, and a network as a kernel sees it
"""
