"""Per-example gradient statistics, compiled, without materialising the per-example gradients.

For a dense layer l with input a_n (n_{l-1},) and backpropagated error delta_n = dl_n/dz_l (n_l,),
example n's gradient is the outer product delta_n a_n^T for W_l and delta_n for b_l. So, with the
mean gradient G_l = (G_W, g_b) of the batch,

    |grad_n|^2      = |a_n|^2 |delta_n|^2 + |delta_n|^2 = (|a_n|^2 + 1) |delta_n|^2
    grad_n . G_l    = delta_n^T G_W a_n + delta_n . g_b = delta_n . (G_W a_n + g_b)

and G_W a_n + g_b is a dense layer with weights G: the forward kernel serves it too.
Backpropagation, with delta_L from the loss (kernels.common for the losses):

    mse            delta_L = 2 (o - y) / k          half_mse   delta_L = o - y
    cross_entropy  delta_L = p - y
    softmax + squared error   delta_L = p * (g - g . p),   g = dl/dp
    delta_{l-1}    = (W_l^T delta_l) * s'(z_{l-1})

Two passes over blocks of examples (one prange task per block, each writing only its own columns
of the outputs): the first runs forward and backward, keeps every delta_l and hidden a_l (small:
n_l rows each, in the transposed layout of kernels.common) and sums the block's gradients; the
second computes the norms and dot products. The first layer, whose input X is by far the largest
array, reads X row by row where it lies (one contiguous row per example: z_1 = W_1 x + b_1 and
|x|^2 as dot products, G_W += delta x^T four examples at a time), so each pass reads X once.
"""

import math

import numpy as np
from numba import njit, prange

from kernels.codes import CROSS_ENTROPY, HALF_MSE, MSE, SOFTMAX
from kernels.common import (
    MAX_EXP_ARG,
    activate_rows,
    as_f64,
    as_f64_T,
    dense_batch,
    derivative,
    log_sum_exp,
    n_layers,
)

# examples per parallel task: their rows of X (400 KB for 784 inputs) stay in L2 from the forward
# pass to the gradient sums
BLOCK = 64


@njit(cache=True, error_model="numpy")
def output_delta(net, Z, YT, s, D, losses, predictions):
    """D[:, n] = delta_L = dl_n/dz_L, losses[s + n] = l_n and predictions[s + n] = argmax_j o_j for
    the block's examples (the block's outputs Z (k, nb) start at example s; YT (k, N) holds every
    target)."""
    k, nb = YT.shape[0], D.shape[1]
    for n in range(nb):
        best = 0
        for j in range(1, k):
            if Z[j, n] > Z[best, n]:
                best = j
        predictions[s + n] = best
        m, log_s = log_sum_exp(Z, n, k) if net.output == SOFTMAX else (0.0, 0.0)
        loss, g_dot_p, log_p = 0.0, 0.0, 0.0
        for j in range(k):
            y = YT[j, s + n]
            if net.output == SOFTMAX:
                log_p = Z[j, n] - m - log_s  # log p_j
                o = math.exp(log_p) if log_p > -MAX_EXP_ARG else 0.0  # p_j
            else:
                o = Z[j, n]
            if net.loss == CROSS_ENTROPY:
                loss -= y * log_p if y != 0.0 else 0.0  # -y_j log p_j
                D[j, n] = o - y  # p - y
            else:
                loss += (o - y) * (o - y)
                D[j, n] = 2.0 * (o - y) / k if net.loss == MSE else o - y  # g = dl/do
                g_dot_p += D[j, n] * o
        if net.output == SOFTMAX and net.loss != CROSS_ENTROPY:
            for j in range(k):
                log_p = Z[j, n] - m - log_s
                p = math.exp(log_p) if log_p > -MAX_EXP_ARG else 0.0
                D[j, n] = p * (D[j, n] - g_dot_p)  # p * (g - g . p): softmax Jacobian times g
        losses[s + n] = (
            loss / k if net.loss == MSE else (0.5 * loss if net.loss == HALF_MSE else loss)
        )


# fastmath reorders the sum only: NaN and inf keep their meaning
@njit(cache=True, fastmath={"reassoc", "contract"}, error_model="numpy")
def dot(x, y):
    """sum_c x[c] y[c] for two contiguous rows, in whatever order vectorises (fastmath "reassoc":
    the sum is rounded a few ulps differently from a left-to-right loop, as BLAS rounds it
    differently too)."""
    total = 0.0
    for c in range(x.shape[0]):
        total += x[c] * y[c]
    return total


# fastmath reorders the sum only: NaN and inf keep their meaning
@njit(cache=True, fastmath={"reassoc", "contract"}, error_model="numpy")
def dot4(w, x0, x1, x2, x3):
    """(w . x0, w . x1, w . x2, w . x3) in one pass: w read from the cache once for four rows."""
    s0, s1, s2, s3 = 0.0, 0.0, 0.0, 0.0
    for c in range(w.shape[0]):
        s0 += w[c] * x0[c]
        s1 += w[c] * x1[c]
        s2 += w[c] * x2[c]
        s3 += w[c] * x3[c]
    return s0, s1, s2, s3


@njit(cache=True, error_model="numpy")
def first_layer(X, s, nb, W, b, n_in, Z, x2, with_norms):
    """Z[r, n] = b[r] + W[r] . x_n for the block's examples x_n = X[s + n] and, with_norms,
    x2[s + n] = |x_n|^2 + 1 (W (n_out * n_in,) row-major: the first layer's weights, or the mean
    gradient's). Four examples at a time, so each row of W is read once per four examples (dot4)."""
    if with_norms:
        for n in range(nb):
            x2[s + n] = dot(X[s + n], X[s + n]) + 1.0  # |x_n|^2 + 1
    n = 0
    while n + 4 <= nb:
        for r in range(Z.shape[0]):
            w = W[r * n_in : (r + 1) * n_in]  # row r of W
            z0, z1, z2, z3 = dot4(w, X[s + n], X[s + n + 1], X[s + n + 2], X[s + n + 3])
            Z[r, n], Z[r, n + 1] = b[r] + z0, b[r] + z1  # z = W x + b
            Z[r, n + 2], Z[r, n + 3] = b[r] + z2, b[r] + z3
        n += 4
    for n in range(n, nb):
        for r in range(Z.shape[0]):
            Z[r, n] = b[r] + dot(W[r * n_in : (r + 1) * n_in], X[s + n])


@njit(cache=True, error_model="numpy")
def first_layer_sparse(rows, s, nb, WT, b, Z, x2, with_norms):
    """first_layer for an X of many zeros, from its non-zeros `rows` = (indptr, columns, values):
    Z[r, n] = b[r] + sum_c x_nc W[r, c] over the non-zeros of x_n in column order, one rounding
    per multiply and per add (no fastmath): the bits of minnet.arithmetic.matmul_in_order, whose
    zero terms add exact zeros. WT (n_in, n_pad) is W transposed and padded with zero columns to a
    multiple of 8 (`padded_transpose`): eight units at a time, eight sums in registers. With_norms,
    x2[s + n] = |x_n|^2 + 1 in the same order."""
    indptr, columns, values = rows
    n_out = Z.shape[0]
    for n in range(nb):
        start, stop = indptr[s + n], indptr[s + n + 1]
        if with_norms:
            norm2 = 0.0
            for k in range(start, stop):
                norm2 += values[k] * values[k]
            x2[s + n] = norm2 + 1.0  # |x_n|^2 + 1
        for r in range(0, n_out, 8):
            z0, z1, z2, z3, z4, z5, z6, z7 = 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0
            for k in range(start, stop):
                v, w = values[k], WT[columns[k], r : r + 8]  # x_c, W[r : r + 8, c]
                z0 += v * w[0]  # z_r += x_c W[r, c], c in order
                z1 += v * w[1]
                z2 += v * w[2]
                z3 += v * w[3]
                z4 += v * w[4]
                z5 += v * w[5]
                z6 += v * w[6]
                z7 += v * w[7]
            sums = (z0, z1, z2, z3, z4, z5, z6, z7)
            for i in range(min(8, n_out - r)):
                Z[r + i, n] = b[r + i] + sums[i]


def padded_transpose(W):
    """W (n_out, n_in) as first_layer_sparse reads it: W^T (n_in, n_pad), n_pad the multiple of 8
    at or above n_out, the extra columns zero."""
    n_out, n_in = W.shape
    WT = np.zeros((n_in, -(-n_out // 8) * 8))
    WT[:, :n_out] = W.T
    return WT


@njit(cache=True, error_model="numpy")
def first_layer_gradient(X, s, D, n_in, G):
    """G[r * n_in + c] += sum_n D[r, n] X[s + n, c] over the block: delta x^T for the first layer,
    four examples per pass over G's rows, so each row of G is loaded and stored once per four
    examples."""
    nb = D.shape[1]
    n = 0
    while n < nb:
        k = min(4, nb - n)
        x0, x1, x2, x3 = (
            X[s + n],
            X[s + n + min(1, k - 1)],
            X[s + n + min(2, k - 1)],
            X[s + n + min(3, k - 1)],
        )
        for r in range(D.shape[0]):
            d0 = D[r, n]
            d1 = D[r, n + 1] if k > 1 else 0.0  # a short last group adds zeros
            d2 = D[r, n + 2] if k > 2 else 0.0
            d3 = D[r, n + 3] if k > 3 else 0.0
            g = G[r * n_in : (r + 1) * n_in]
            for c in range(n_in):
                g[c] += ((d0 * x0[c] + d1 * x1[c]) + d2 * x2[c]) + d3 * x3[c]
        n += 4


@njit(cache=True, error_model="numpy")
def backprop_delta(l, D, Z_prev, A_prev, net, D_prev):
    """D_prev = (W_l^T D) * s'(z_{l-1}): the error one layer down, delta_{l-1} from delta_l."""
    n_in, n_out, nb = net.sizes[l], net.sizes[l + 1], D.shape[1]
    code = net.acts[l - 1]
    for c in range(n_in):
        for n in range(nb):
            D_prev[c, n] = 0.0
        for r in range(n_out):
            w = net.W[net.w_start[l] + r * n_in + c]  # W_l[r, c]
            for n in range(nb):
                D_prev[c, n] += w * D[r, n]
        for n in range(nb):
            D_prev[c, n] *= derivative(code, Z_prev[c, n], A_prev[c, n])


@njit(cache=True, error_model="numpy")
def gradient_sums(l, D, A, X, s, net, GW_part, Gb_part, w_low, b_low):
    """GW_part[W_l] += sum_n delta_n a_n^T and Gb_part[b_l] += sum_n delta_n over the block's
    examples, each sum in the order of the examples (the parts hold the parameters from W[w_low]
    and b[b_low] on; for the first layer a_n = x_n, row s + n of X: first_layer_gradient).
    For a hidden layer, each example's a_n is first copied to a row (a_T), so that the loop over
    G_W's row r is one contiguous multiply-add per example, which vectorises."""
    n_in, n_out, nb = net.sizes[l], net.sizes[l + 1], D.shape[1]
    w0, b0 = net.w_start[l] - w_low, net.b_start[l] - b_low
    for r in range(n_out):
        for n in range(nb):
            Gb_part[b0 + r] += D[r, n]
    if l == 0:
        first_layer_gradient(X, s, D[:n_out], n_in, GW_part[w0 : w0 + n_out * n_in])
        return
    a_T = np.empty((nb, n_in))
    for c in range(n_in):
        for n in range(nb):
            a_T[n, c] = A[c, n]
    for n in range(nb):
        a = a_T[n]
        for r in range(n_out):
            d = D[r, n]
            g = GW_part[w0 + r * n_in : w0 + (r + 1) * n_in]  # row r of G_W
            for c in range(n_in):
                g[c] += d * a[c]  # G_W[r, c] += delta_r a_c, example after example


@njit(cache=True, parallel=True, error_model="numpy")
def forward_backward_kernel(X, YT, net, want, lowest, rows, WT):
    """Pass 1: every example's loss, predicted class, hidden activations a_l (l = 1..L-1) and errors
    delta_l (l = 1..L, down to the lowest layer wanted, index `lowest`), and each block's sums of
    the per-example gradients of the wanted layers (want[l - 1] for layer l; the mean gradient is
    their total / N). The sums cover the parameters from the lowest wanted layer's on (W from
    w_start[lowest], b from b_start[lowest]): below it nothing is summed, nor allocated.

    a_l and delta_l are stacked by rows: a_l in A_hidden[a_off[l-1] : a_off[l-1] + n_l], delta_l in
    D_all[b_start[l-1] : b_start[l-1] + n_l] (the offsets of the biases, which have the same
    sizes)."""
    N, L = X.shape[0], n_layers(net)
    sizes, w_start, b_start = net.sizes, net.w_start, net.b_start
    hidden_width = sizes[1:].max()  # the input layer, often the widest, gets its own block
    losses, predictions = np.empty(N), np.empty(N, dtype=np.int64)
    D_all = np.empty((b_start[L - 1] + sizes[L], N))
    A_hidden = np.empty((max(1, b_start[L - 1]), N))  # hidden activations, stacked like the biases
    n_blocks = (N + BLOCK - 1) // BLOCK
    # each block's sum of delta_n a_n^T, and of delta_n, from the lowest wanted layer's on
    w_low, b_low = w_start[lowest], b_start[lowest]
    GW_parts = np.zeros((n_blocks, w_start[L - 1] + sizes[L] * sizes[L - 1] - w_low))
    Gb_parts = np.zeros((n_blocks, D_all.shape[0] - b_low))
    x2 = np.empty(N)  # |x_n|^2 + 1, for pass 2
    for blk in prange(n_blocks):
        s = blk * BLOCK
        nb = min(N, s + BLOCK) - s
        A = np.empty((L + 1, hidden_width, nb))  # a_l for l >= 1
        Z = np.empty((L + 1, hidden_width, nb))  # z_l
        for l in range(L):
            if l == 0 and rows[0].size > 0:  # z_1 = W_1 x + b_1 from x's non-zeros
                b1 = net.b[b_start[0] : b_start[0] + sizes[1]]
                first_layer_sparse(rows, s, nb, WT, b1, Z[1, : sizes[1]], x2, want[0])
            elif l == 0:
                # z_1 = W_1 x + b_1
                first_layer(
                    X,
                    s,
                    nb,
                    net.W[w_start[0] : w_start[0] + sizes[1] * sizes[0]],
                    net.b[b_start[0] : b_start[0] + sizes[1]],
                    sizes[0],
                    Z[1, : sizes[1]],
                    x2,
                    want[0],
                )
            else:
                dense_batch(l, A[l], Z[l + 1], net)  # z = W a + b
            A[l + 1, : sizes[l + 1]] = Z[l + 1, : sizes[l + 1]]
            activate_rows(net.acts[l], A[l + 1], sizes[l + 1])  # a = s(z)
            if l < L - 1:
                top = b_start[l]  # layer l+1's rows in A_hidden
                A_hidden[top : top + sizes[l + 1], s : s + nb] = A[l + 1, : sizes[l + 1]]
        D, D_prev = np.empty((hidden_width, nb)), np.empty((hidden_width, nb))
        output_delta(net, Z[L], YT, s, D, losses, predictions)
        for l in range(L - 1, lowest - 1, -1):
            D_all[b_start[l] : b_start[l] + sizes[l + 1], s : s + nb] = D[: sizes[l + 1]]
            if want[l]:
                gradient_sums(l, D, A[l], X, s, net, GW_parts[blk], Gb_parts[blk], w_low, b_low)
            if l > lowest:
                backprop_delta(l, D, Z[l], A[l], net, D_prev)
                D, D_prev = D_prev, D
    return losses, predictions, x2, A_hidden, D_all, GW_parts, Gb_parts


@njit(cache=True, parallel=True, error_model="numpy")
def stats_kernel(X, x2, A_hidden, D_all, G, want):
    """Pass 2: norm2[l, n] = (|a_n|^2 + 1) |delta_n|^2 and dots[l, n] = delta_n . (G_W a_n + g_b)
    for every wanted layer (NaN for the others) and example.

    G is the network with the mean gradient as its weights: G_W a_n + g_b is then its dense
    layer."""
    N, L = X.shape[0], n_layers(G)
    sizes, b_start = G.sizes, G.b_start
    width = sizes.max()
    norm2, dots = np.full((L, N), np.nan), np.full((L, N), np.nan)
    n_blocks = (N + BLOCK - 1) // BLOCK
    for blk in prange(n_blocks):
        s = blk * BLOCK
        nb = min(N, s + BLOCK) - s
        A, U = np.empty((width, nb)), np.empty((width, nb))
        a2, d2, dd = np.empty(nb), np.empty(nb), np.empty(nb)
        for l in range(L):
            if not want[l]:
                continue
            n_in, n_out = sizes[l], sizes[l + 1]
            if l == 0:
                # U = G_W x + g_b
                first_layer(
                    X,
                    s,
                    nb,
                    G.W[G.w_start[0] : G.w_start[0] + n_out * n_in],
                    G.b[G.b_start[0] : G.b_start[0] + n_out],
                    n_in,
                    U[:n_out],
                    x2,
                    False,
                )
                a2[:] = x2[s : s + nb]  # |x_n|^2 + 1, from pass 1
            else:
                A[:n_in] = A_hidden[b_start[l - 1] : b_start[l - 1] + n_in, s : s + nb]
                dense_batch(l, A, U, G)  # U = G_W a + g_b   (n_out, nb)
                a2[:] = 1.0
                for c in range(n_in):
                    for n in range(nb):
                        a2[n] += A[c, n] * A[c, n]  # |a_n|^2 + 1
            d2[:], dd[:] = 0.0, 0.0
            for r in range(n_out):
                row = b_start[l] + r
                for n in range(nb):
                    d = D_all[row, s + n]
                    d2[n] += d * d  # |delta_n|^2
                    dd[n] += d * U[r, n]  # delta_n . (G_W a_n + g_b)
            for n in range(nb):
                norm2[l, s + n] = a2[n] * d2[n]
                dots[l, s + n] = dd[n]
    return norm2, dots


def gradient_stats(X, Y, net, want=None, rows=None):
    """Per-example statistics of the DenseNet `net` (kernels.codes) on examples X (N, n_0) with
    targets Y (N, k), for the layers l with want[l - 1] (default every layer; the others' rows are
    NaN and cost nothing: for the last layer alone, one forward pass over X).

    rows: X's non-zeros (minnet.per_example.sparse_rows), for an X of many zeros (MNIST's 81%):
    z_1 then reads them alone, added in column order (first_layer_sparse). Weights that are not all
    finite take the dense pass, where 0 x inf is NaN as in the matrix product.

    Returns losses (N,), predicted classes (N,), |g_n,l|^2 (L, N), g_n,l . G_l (L, N) and
    |G_l|^2 (L,), where G_l is the mean gradient of layer l, summed block by block in pass 1.
    (No BLAS call between the passes: its spinning threads would slow the second prange kernel.)
    """
    L = len(net.sizes) - 1
    want = np.ones(L, dtype=np.bool_) if want is None else np.asarray(want, dtype=np.bool_)
    return gradient_stats_T(as_f64(X), as_f64_T(Y), net, want, rows)


def gradient_stats_T(X, YT, net, want, rows):
    """gradient_stats for X as as_f64 and the targets as as_f64_T return them (Y transposed,
    (k, N)) and want a bool array: a caller that evaluates the same data again and again prepares
    them once."""
    N, L = X.shape[0], len(net.sizes) - 1
    sizes, w_start, b_start = net.sizes, net.w_start, net.b_start
    lowest = int(np.argmax(want))
    W1 = net.W[w_start[0] : w_start[0] + sizes[1] * sizes[0]]
    if rows is None or not np.all(np.isfinite(W1)):
        rows = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0))
    WT = padded_transpose(W1.reshape(sizes[1], sizes[0]))  # row c: column c of W_1
    with np.errstate(all="ignore"):
        losses, predictions, x2, A_hidden, D_all, GW_parts, Gb_parts = forward_backward_kernel(
            X, YT, net, want, lowest, rows, WT
        )
        # (1/N) sum_n g_n, the blocks' sums added in block order; zero below the lowest wanted layer
        GW, Gb = np.zeros(net.W.size), np.zeros(net.b.size)
        GW[w_start[lowest] :] = GW_parts.sum(axis=0) / N
        Gb[b_start[lowest] :] = Gb_parts.sum(axis=0) / N
        G = net._replace(W=GW, b=Gb)
        norm2, dots = stats_kernel(X, x2, A_hidden, D_all, G, want)
    G2 = np.zeros(L)
    for l in range(lowest, L):
        gw = GW[w_start[l] : w_start[l] + sizes[l + 1] * sizes[l]]
        gb = Gb[b_start[l] : b_start[l] + sizes[l + 1]]
        G2[l] = gw @ gw + gb @ gb
    return losses, predictions, norm2, dots, G2
