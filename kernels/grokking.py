"""Document 004's grokking network, compiled where NumPy takes several passes for one formula.

The hidden layer. For the pairs x_n = [e_{a_n}; e_{p + b_n}] (minnet.studies.grokking.PairMLP)
the first layer reads two columns of W_1, and the square activation follows:

    z_n = (W_1[:, a_n] + W_1[:, p + b_n]) + b_1       z_1 of example n              (width,)
    a_n = z_n * z_n                                   s(z) = z^2

PairMLP's NumPy code (`PairMLP.dense`, then minnet.activations' square) takes four passes over the
(N, width) arrays: the two gathers, the bias, the square. `square_pairs_into` computes each element
once, with the same operations in the same order: two additions, each rounded, then one
multiplication.

The squared error. l_n = (1/k) sum_j (o_nj - y_nj)^2 and delta_n = 2 (o_n - y_n) / k (minnet.losses'
per_example_loss and output_delta for "mse" with an identity output) take four passes over the
(N, k) arrays and a sum in order along each row; `squared_error_into` takes one, and adds up on the
way what the gradient reads next: sum_n l_n (minnet.arithmetic's mean_in_order, before its 1/N)
and sum_n delta_n (db_L = sum_n delta_n / N).

The backward step through the square. delta_{l-1} = (delta_l W_l) * s'(z_{l-1}) with s'(z) = 2 z:
after the matrix product (BLAS), `times_square_derivative_into` multiplies in place, in one pass
instead of two and without the (N, width) array of s', and sums the rows for db_{l-1}.

Both sums over the examples run in order, ((0 + d_0) + d_1) + d_2 + ...: NumPy's order for the sum
of a C-ordered (N, m) array along axis 0 when m >= 2 (each row added to the running row, which
starts at +0: a column of -0 sums to +0; with m = 1 NumPy adds pairwise instead, and the caller
keeps NumPy's code).

The accuracy. The fraction of rows whose largest output is the right class, np.argmax's answer
(the first largest; the first NaN when a row has one), in one pass over the outputs
(`count_correct`); or from approximations of the outputs with a bound on their error
(`count_correct_within`: PairMLP.count_correct_single's single-precision product), which answers
only when every row's answer is certain, and so is np.argmax's too.

Compiled without fastmath (no reordering, no fused multiply-add), both give NumPy's bits on every
CPU (tests/test_grokking_kernels.py).
"""

import numpy as np
from numba import njit

import kernels.cache  # noqa: F401  first: it points Numba's cache at the folder of these sources


@njit(cache=True, error_model="numpy")
def square_pairs_into(embedding, b1, a, b, Z, A):
    """Z[n] = (embedding[a[n]] + embedding[b[n]]) + b1 and A[n] = Z[n] * Z[n], row by row.

    embedding (2p, width): row i is W_1[:, i]; a, b (N,) int64, each in [0, 2p): the columns of
    each example's two ones; Z, A (N, width) are written; Z may be None (A alone, for a forward
    pass: Numba compiles that case apart, without the branch)."""
    width = embedding.shape[1]
    for n in range(a.shape[0]):
        first, second = embedding[a[n]], embedding[b[n]]
        for u in range(width):
            z = (first[u] + second[u]) + b1[u]  # W_1[u, a_n] + W_1[u, p + b_n] + b_1[u]
            if Z is not None:
                Z[n, u] = z
            A[n, u] = z * z  # s(z) = z^2


@njit(cache=True, error_model="numpy")
def squared_error_into(O, Y, D, column_sums):
    """The mean squared error of each row and its error at the output, in one pass over O - Y:

        l_n = ((d_0^2 + d_1^2) + ...) / k,   D[n] = (2 d) / k,   d = O[n] - Y[n]   (k,)

    each row's sum in order from its first term on, as minnet.losses' mean_in_order; O, Y, D (N, k)
    with N >= 1. column_sums[j] = sum_n D[n, j] (k,), in order (module docstring); returns
    sum_n l_n, in order from l_0 (minnet.arithmetic's sum_in_order)."""
    k = O.shape[1]
    column_sums[:] = 0.0
    total = 0.0
    for n in range(O.shape[0]):
        for j in range(k):  # no sum along the row here: this loop runs on vectors
            D[n, j] = (2.0 * (O[n, j] - Y[n, j])) / k  # dl_n/do_j = 2 (o_j - y_j) / k
            column_sums[j] += D[n, j]  # sum_n D[n, j]
        d = O[n, 0] - Y[n, 0]
        row = d * d
        for j in range(1, k):
            d = O[n, j] - Y[n, j]
            row += d * d  # sum_j d_j^2, left to right
        total = row / k if n == 0 else total + row / k  # sum_n l_n, l_n = (1/k) sum_j d_j^2
    return total


@njit(cache=True, error_model="numpy")
def times_square_derivative_into(delta_W, z, column_sums):
    """delta_W *= 2 z in place, element by element: delta_{l-1} = (delta_l W_l) * s'(z_{l-1}) for
    the square, s'(z) = 2 z (exact: a power of two), one rounding per element as NumPy's; then
    column_sums[u] = sum_n delta_W[n, u] (width,), in order (module docstring); delta_W, z
    (N, width), N >= 1."""
    column_sums[:] = 0.0
    for n in range(delta_W.shape[0]):
        for u in range(delta_W.shape[1]):
            delta_W[n, u] *= 2.0 * z[n, u]  # delta_{l-1} = (delta_l W_l) * 2 z_{l-1}
            column_sums[u] += delta_W[n, u]  # sum_n delta_{l-1}


@njit(cache=True, error_model="numpy")
def count_correct(O, c):
    """How many rows n of O (N, k) have their largest entry at column c[n] (in [0, k)), as np.argmax
    finds it: the first largest, or the first NaN. Row n's is column c when its entry t = O[n, c]
    is larger than every entry before it and at least every entry after it (a NaN fails both
    comparisons), or when t is NaN and no NaN comes before it."""
    correct = 0
    for n in range(O.shape[0]):
        column, t, right = c[n], O[n, c[n]], True
        if np.isnan(t):
            for j in range(column):
                right &= not np.isnan(O[n, j])
        else:
            for j in range(column):
                right &= O[n, j] < t  # the first largest: none before it as large
            for j in range(column + 1, O.shape[1]):
                right &= O[n, j] <= t
        correct += right
    return correct


@njit(cache=True, error_model="numpy")
def count_correct_within(O, b, c, tolerance):
    """count_correct of outputs o (N, k) known only to within a bound, or -1 when some row's
    answer is in doubt. O (N, k + 1): O[n, j] + b[j] lies within h_n of o_nj for j < k, with
    h_n = tolerance (O[n, k] + max_j |b_j|) + 1e-20 and O[n, k] >= 0
    (`PairMLP.count_correct_single`).

    With t ~ o_{n, c_n} and v_j ~ o_nj, row n is right when t - v_j > 2 h_n for every j != c_n
    (then o_{n, c_n} beats every other output), wrong when v_j - t > 2 h_n for some j; a row in
    between, or an approximation that is not finite, is in doubt. (j = c_n counts in neither:
    t - t = 0 < 2 h_n. Counting comparisons rather than taking a maximum keeps the loop free of
    a chain from one j to the next.)"""
    k = b.shape[0]
    largest_bias = 0.0
    for j in range(k):
        largest_bias = max(largest_bias, abs(b[j]))
    correct = 0
    for n in range(O.shape[0]):
        apart = 2.0 * (tolerance * (O[n, k] + largest_bias) + 1e-20)  # 2 h_n
        t = O[n, c[n]] + b[c[n]]  # ~ o_{n, c_n}
        finite, below, above = 0, 0, 0
        for j in range(k):
            v = O[n, j] + b[j]  # ~ o_nj
            finite += np.isfinite(v)
            below += t - v > apart  # o_nj < o_{n, c_n}, surely
            above += v - t > apart  # o_nj > o_{n, c_n}, surely
        if not (np.isfinite(apart) and np.isfinite(t)) or finite < k:
            return -1
        if below == k - 1:  # every other output below: right
            correct += 1
        elif above == 0:  # neither right nor surely wrong
            return -1
    return correct


def square_pairs(embedding, b1, a, b):
    """(Z, A) (N, width) each: the hidden layer's z_1 and a_1 = z_1^2 for the pairs (a, b)."""
    embedding = np.ascontiguousarray(embedding, dtype=np.float64)
    b1 = np.ascontiguousarray(b1, dtype=np.float64)
    a, b = np.ascontiguousarray(a, dtype=np.int64), np.ascontiguousarray(b, dtype=np.int64)
    if (
        embedding.ndim != 2
        or b1.shape != (embedding.shape[1],)
        or a.ndim != 1
        or b.shape != a.shape
    ):
        raise ValueError(
            "embedding must be (2p, width) with b1 (width,) and a, b (N,) alike, got shapes "
            f"{embedding.shape}, {b1.shape}, {a.shape}, {b.shape}"
        )
    rows = embedding.shape[0]
    if a.size and (min(a.min(), b.min()) < 0 or max(a.max(), b.max()) >= rows):
        raise ValueError(f"a and b must index the embedding's {rows} rows")
    Z, A = np.empty((a.size, embedding.shape[1])), np.empty((a.size, embedding.shape[1]))
    square_pairs_into(embedding, b1, a, b, Z, A)
    return Z, A


def accuracy(O, c):
    """The fraction of rows n of O (N, k) whose largest entry is at column c[n] (N,)."""
    O, c = np.ascontiguousarray(O, dtype=np.float64), np.ascontiguousarray(c, dtype=np.int64)
    if O.ndim != 2 or O.shape[1] == 0 or c.shape != (O.shape[0],) or O.shape[0] == 0:
        raise ValueError(f"O must be (N, k) with N, k >= 1 and c (N,), got {O.shape} and {c.shape}")
    if c.min() < 0 or c.max() >= O.shape[1]:
        raise ValueError(f"c must hold columns in [0, {O.shape[1]}), got {c.min()}, {c.max()}")
    return count_correct(O, c) / O.shape[0]
