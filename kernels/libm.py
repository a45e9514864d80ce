"""e^x element-wise by the C library's exp: the same numbers on every CPU.

NumPy's np.exp picks its code by the CPU: on one with AVX-512 it runs NumPy's own vectorised exp,
which rounds some float64 arguments differently from the C library's exp that it runs elsewhere
(measured on an AMD EPYC with AVX-512: 4,551 of 100,000 values drawn from N(0, 5^2) differ, each
by an ulp). Document 000's run is chaotic enough that this moves its smallest gradient norm from
iteration 734 to 733 and its smallest errors from 752 and 755 to 751 and 753. The notebook's
numbers are the C library's, so minnet's NumPy code takes e^x from here wherever it needs it (the
sigmoid, the softmax, document 000's target f1). A Numba ufunc: a compiled loop calling exp.
"""

import math

from numba import vectorize

import kernels.cache  # noqa: F401  first: it points Numba's cache at the folder of these sources


@vectorize(["float32(float32)", "float64(float64)"], cache=True)
def exp(x):
    """e^x, the C library's (math.exp compiles to a call of it; inf on overflow, as np.exp)."""
    return math.exp(x)
