"""Document 000's training loop, compiled: full-batch gradient descent of the U/V network.

For every example n, in the order 0, 1, 2, ... as the document's loop runs them:

    X = [x_n, 1]                         input, bias unit last              (n_in + 1,)
    H_i = s(U_i . X) for i < h-1,  H_{h-1} = 1                              (h,)
    O = V H,  e = O - y_n                                                   (k,)
    dV += e H^T                          dl/dV
    delta_i = (e . V_i) s'(U_i . X)      V_i column i of V; for the sigmoid s' = H_i (1 - H_i)
    dU += delta X^T                      dl/dU

then, after all N examples, G = (dU, dV) / N and U -= lr G_U, V -= lr G_V. Before training and
after every update the error (1/N) sum_n (1/2) |O_n - y_n|^2 is computed on the training and test
sets, and for every update the norm of G and the angle between consecutive gradients,
arccos(G_i . G_{i+1} / (|G_i| |G_{i+1}|)) with the cosine clipped to [-1, 1], in degrees.

Every sum runs in minnet.arithmetic's order: a dot product from its first term on, left to right
(U_i . X, V_k . H, e . V_i, |G|^2 over U's entries and then V's), the examples one after another;
e^x is minnet.arithmetic.exp's (kernels.exp.exp_family). Compiled without fastmath (no reordering,
no fused multiply-adds), this is TwoLayerNet's `fit` bit for bit, on every CPU
(tests/test_same_everywhere.py). A run stops at the first update after which the training error
is not finite.

The updates are sequential by nature; within one, the work is laid out for the CPU:

- The examples are stored as columns (X (n_in + 1, N), H (h, N), e (k, N), as in
  kernels/common.py), and each example's forward values are computed for all examples at once:
  they do not depend on each other, so the loops over n vectorise (e^x too, through exp_family).
  The sums over examples (dU, dV, the error) still add example after example, from 0.
- The error after an update needs the forward pass at the new U, V, which is also the pass the
  next update's gradient starts from: its H, s'(U X) and e stay in their arrays for both.
"""

import math

import numpy as np
from numba import njit

from kernels import exp as exp_kernels
from kernels.codes import SIGMOID, SILU
from kernels.common import activate, as_f64, derivative
from kernels.exp import exp_family


@njit(cache=True, error_model="numpy")
def products_in_order(W, A, Z):
    """Z[r, n] = W_r . A[:, n] = W[r, 0] A[0, n] + W[r, 1] A[1, n] + ..., left to right, for every
    row r of Z and every example n (a column of A)."""
    for r in range(Z.shape[0]):
        for n in range(A.shape[1]):
            Z[r, n] = W[r, 0] * A[0, n]
        for c in range(1, W.shape[1]):
            w = W[r, c]
            for n in range(A.shape[1]):
                Z[r, n] += w * A[c, n]


@njit(cache=True, error_model="numpy")
def hidden_layer(U, X, code, Z, H, D):
    """Z = U X, H = [s(Z), 1] and D = s'(Z) for every example (H's last row, the bias unit, is 1).

    The sigmoid sigma(z) = 1 / (1 + e^-z) comes from kernels.exp.exp_family over a whole row, in
    loops LLVM vectorises: kernels.common.sigmoid's bits."""
    products_in_order(U, X, Z)  # U_i . X
    for i in range(Z.shape[0]):
        z, a, d = Z[i], H[i], D[i]
        if code == SIGMOID or code == SILU:
            exp_family(z, d, exp_kernels.SIGMOID)  # sigma(z), kept in D until s' replaces it
            for n in range(z.size):
                s = d[n]
                if code == SIGMOID:
                    a[n] = s
                    d[n] = s * (1.0 - s)  # s' = H (1 - H)
                else:
                    a[n] = z[n] * s  # silu(z) = z sigma(z)
                    d[n] = s * (1.0 + z[n] * (1.0 - s))  # silu' = sigma (1 + z (1 - sigma))
        else:
            for n in range(z.size):
                a[n] = activate(code, z[n])
                d[n] = derivative(code, z[n], a[n])


@njit(cache=True, error_model="numpy")
def output_error(V, H, Y, e):
    """e = O - y with O = V H for every example, and the error (1/N) sum_n (1/2) |e_n|^2 with the
    examples added in order; NaN for no examples."""
    products_in_order(V, H, e)  # O_k = V_k . H
    N = e.shape[1]
    for k in range(e.shape[0]):
        for n in range(N):
            e[k, n] -= Y[k, n]  # e = O - y
    total = 0.0
    for n in range(N):
        squared = e[0, n] * e[0, n]
        for k in range(1, e.shape[0]):
            squared += e[k, n] * e[k, n]
        l = 0.5 * squared  # l_n = (1/2) sum_k e_k^2
        total = l if n == 0 else total + l
    return total / N if N > 0 else np.nan


@njit(cache=True, error_model="numpy")
def sums_in_order(A, B, out):
    """out[r, c] = sum_n A[r, n] B[c, n] = sum_n a_n b_n^T, each over the examples in order from 0.

    Four rows at a time: a sum waits for its previous addition, so four independent ones share each
    pass over the examples (a third of the time for U's 19 rows of document 000's h = 20)."""
    R, N = out.shape[0], A.shape[1]
    for c in range(out.shape[1]):
        r = 0
        while r + 4 <= R:
            s0, s1, s2, s3 = 0.0, 0.0, 0.0, 0.0
            for n in range(N):
                b = B[c, n]
                s0 += A[r, n] * b
                s1 += A[r + 1, n] * b
                s2 += A[r + 2, n] * b
                s3 += A[r + 3, n] * b
            out[r, c], out[r + 1, c], out[r + 2, c], out[r + 3, c] = s0, s1, s2, s3
            r += 4
        for r in range(r, R):
            total = 0.0
            for n in range(N):
                total += A[r, n] * B[c, n]
            out[r, c] = total


@njit(cache=True, error_model="numpy")
def accumulate_gradient(X, V, H, D, e, delta, dU, dV):
    """dU, dV = sum over examples, in order, of dl/dU and dl/dV, from the forward pass's H, s'(Z)
    and e at the current U, V."""
    products_in_order(V[:, :-1].T, e, delta)  # e . V_i
    for i in range(delta.shape[0]):
        for n in range(delta.shape[1]):
            delta[i, n] *= D[i, n]  # delta_i = (e . V_i) s'(U_i . X)
    sums_in_order(H, e, dV.T)  # dl/dV = e H^T, its transpose H e^T (H_i e_k = e_k H_i exactly)
    sums_in_order(delta, X, dU)  # dl/dU_i = delta_i X^T


@njit(cache=True, error_model="numpy")
def forward_pass(U, V, X, Y, code, Z, H, D, e):
    """The forward pass of every example (Z, H, D = s'(Z), e filled in) and its error."""
    hidden_layer(U, X, code, Z, H, D)
    return output_error(V, H, Y, e)


@njit(cache=True, error_model="numpy")
def dot_params(A_U, A_V, B_U, B_V):
    """A . B for parameter pairs (U, V): U's entries first, then V's, left to right."""
    a, b = A_U.ravel(), B_U.ravel()
    total = a[0] * b[0]
    for j in range(1, a.size):
        total += a[j] * b[j]
    a, b = A_V.ravel(), B_V.ravel()
    for j in range(a.size):
        total += a[j] * b[j]
    return total


@njit(cache=True, error_model="numpy")
def descend(W, dW, N, lr, G):
    """G = dW / N, the mean gradient, and W := W - lr G."""
    for j in range(W.shape[0]):
        for c in range(W.shape[1]):
            G[j, c] = dW[j, c] / N
            W[j, c] -= lr * G[j, c]


@njit(cache=True, error_model="numpy")
def train_kernel(X, Y, X_test, Y_test, U0, V0, lr, epochs, code, G_prev_U, G_prev_V, has_prev):
    """`epochs` updates V := V - lr dV / N, U := U - lr dU / N from U0, V0, with the errors, the
    norm of G = (dU, dV) / N and the angle between consecutive G after each (module docstring).

    X (n_in + 1, N), Y (k, N) and the test set likewise: one column per example, X's last row 1."""
    U, V = U0.copy(), V0.copy()
    h, N, N_test = V.shape[1], X.shape[1], X_test.shape[1]
    Z, D, delta = np.empty((h - 1, N)), np.empty((h - 1, N)), np.empty((h - 1, N))
    H, e = np.ones((h, N)), np.empty((V.shape[0], N))  # H's last row: the bias unit, 1
    Z_test, D_test = np.empty((h - 1, N_test)), np.empty((h - 1, N_test))
    H_test, e_test = np.ones((h, N_test)), np.empty((V.shape[0], N_test))
    dU, dV = np.zeros_like(U), np.zeros_like(V)
    G_U, G_V = np.zeros_like(U), np.zeros_like(V)
    G_prev_U, G_prev_V = G_prev_U.copy(), G_prev_V.copy()
    train, test = np.full(epochs + 1, np.nan), np.full(epochs + 1, np.nan)
    grad_norm, grad_angle = np.full(epochs, np.nan), np.full(epochs, np.nan)
    U_hist = np.full((epochs + 1,) + U.shape, np.nan)
    V_hist = np.full((epochs + 1,) + V.shape, np.nan)
    train[0] = forward_pass(U, V, X, Y, code, Z, H, D, e)
    test[0] = forward_pass(U, V, X_test, Y_test, code, Z_test, H_test, D_test, e_test)
    U_hist[0], V_hist[0] = U, V
    done = 0
    for t in range(epochs):
        accumulate_gradient(X, V, H, D, e, delta, dU, dV)  # from the pass that gave train[t]
        descend(U, dU, N, lr, G_U)  # U := U - lr G_U
        descend(V, dV, N, lr, G_V)  # V := V - lr G_V
        grad_norm[t] = math.sqrt(dot_params(G_U, G_V, G_U, G_V))  # |G|
        if t > 0:
            prev_norm = grad_norm[t - 1]
        else:
            prev_norm = math.sqrt(dot_params(G_prev_U, G_prev_V, G_prev_U, G_prev_V))
        if t > 0 or has_prev:
            G_prev_G = dot_params(G_prev_U, G_prev_V, G_U, G_V)
            cosine = min(1.0, max(-1.0, G_prev_G / (prev_norm * grad_norm[t])))
            grad_angle[t] = math.degrees(math.acos(cosine))  # between this gradient and the last
        G_prev_U[:], G_prev_V[:] = G_U, G_V
        train[t + 1] = forward_pass(U, V, X, Y, code, Z, H, D, e)
        test[t + 1] = forward_pass(U, V, X_test, Y_test, code, Z_test, H_test, D_test, e_test)
        U_hist[t + 1], V_hist[t + 1] = U, V
        done = t + 1
        if not math.isfinite(train[t + 1]):
            break
    first_angle = 0 if has_prev else 1
    return (
        train[: done + 1],
        test[: done + 1],
        grad_norm[:done],
        grad_angle[first_angle:done],
        U_hist[: done + 1],
        V_hist[: done + 1],
        G_prev_U,
        G_prev_V,
    )


def columns_with_bias(X):
    """[X, 1]^T: the inputs X (N, n_in) as the kernel's columns, with the bias unit's row of 1."""
    return as_f64(np.vstack([np.asarray(X, dtype=np.float64).T, np.ones((1, len(X)))]))


def train(X, Y, X_test, Y_test, U, V, lr, epochs, activation_code, previous_gradient=None):
    """Full-batch gradient descent of document 000's network for `epochs` updates.

    X (N, n_in), Y (N, k), X_test, Y_test likewise; U (h-1, n_in+1), V (k, h); activation_code from
    kernels.codes. previous_gradient: (G_U, G_V) of the update before this run, when a long run is
    trained in chunks; the first angle is then measured against it.

    Returns train and test error (T+1,), gradient norm (T,), angle in degrees (T-1,, or T, with a
    previous gradient), U and V after every update (T+1, ...), with T = epochs, or fewer if the run
    diverged, and the last mean gradient (G_U, G_V).
    """
    if int(epochs) != epochs or epochs < 0:
        raise ValueError(f"epochs must be a non-negative integer, got {epochs!r}")
    has_prev = previous_gradient is not None
    G_U, G_V = previous_gradient if has_prev else (np.zeros_like(U), np.zeros_like(V))
    with np.errstate(all="ignore"):
        *records, G_U, G_V = train_kernel(
            columns_with_bias(X),
            as_f64(np.asarray(Y, dtype=np.float64).T),
            columns_with_bias(X_test),
            as_f64(np.asarray(Y_test, dtype=np.float64).T),
            as_f64(U),
            as_f64(V),
            float(lr),
            int(epochs),
            int(activation_code),
            as_f64(G_U),
            as_f64(G_V),
            has_prev,
        )
    return (*records, (G_U, G_V))
