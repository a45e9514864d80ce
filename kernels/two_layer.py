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
e^x is kernels.exp.exp. Compiled without fastmath (no reordering, no fused multiply-adds), this is
TwoLayerNet's `fit` bit for bit, on every CPU (tests/test_same_everywhere.py). The loop is
sequential by nature; its speed comes from running compiled. A run stops at the first update
after which the training error is not finite.
"""

import math

import numpy as np
from numba import njit

from kernels.common import activate, as_f64, derivative


@njit(cache=True, error_model="numpy")
def dot(a, b, n):
    """a_0 b_0 + a_1 b_1 + ... + a_{n-1} b_{n-1}, from the first term on, left to right (n >= 1)."""
    total = a[0] * b[0]
    for c in range(1, n):
        total += a[c] * b[c]
    return total


@njit(cache=True, error_model="numpy")
def hidden_layer(U, X, n, code, Xb, Zh, H):
    """Xb = [x_n, 1], Zh = U Xb and H = [s(Zh), 1] for example n."""
    n_in, h = X.shape[1], H.shape[0]
    for c in range(n_in):
        Xb[c] = X[n, c]
    Xb[n_in] = 1.0
    for i in range(h - 1):
        Zh[i] = dot(U[i], Xb, n_in + 1)  # U_i . X
        H[i] = activate(code, Zh[i])  # H_i = s(U_i . X)
    H[h - 1] = 1.0  # bias unit


@njit(cache=True, error_model="numpy")
def output_error(V, H, Y, n, e):
    """e = O - y_n with O = V H, and example n's error l_n = (1/2) |e|^2."""
    for k in range(V.shape[0]):
        e[k] = dot(V[k], H, H.shape[0]) - Y[n, k]  # e_k = V_k . H - y_k
    return 0.5 * dot(e, e, e.shape[0])  # l_n = (1/2) sum_k e_k^2


@njit(cache=True, error_model="numpy")
def error(U, V, X, Y, code, Xb, Zh, H, e):
    """The document's error (1/N) sum_n l_n, the examples added in order; NaN for no examples."""
    total = 0.0
    for n in range(X.shape[0]):
        hidden_layer(U, X, n, code, Xb, Zh, H)
        l = output_error(V, H, Y, n, e)
        total = l if n == 0 else total + l
    return total / X.shape[0] if X.shape[0] > 0 else np.nan


@njit(cache=True, error_model="numpy")
def accumulate_gradient(U, V, X, Y, code, Xb, Zh, H, e, dU, dV):
    """dU, dV = sum over examples, in order, of dl/dU and dl/dV."""
    dU[:] = 0.0
    dV[:] = 0.0
    h = H.shape[0]
    for n in range(X.shape[0]):
        hidden_layer(U, X, n, code, Xb, Zh, H)
        output_error(V, H, Y, n, e)  # e = O - y
        for k in range(V.shape[0]):
            for i in range(h):
                dV[k, i] += e[k] * H[i]  # dl/dV = e H^T
        for i in range(h - 1):
            e_V = dot(e, V[:, i], e.shape[0])  # e . V_i
            delta = e_V * derivative(code, Zh[i], H[i])  # delta_i = (e . V_i) s'(U_i . X)
            for c in range(Xb.shape[0]):
                dU[i, c] += delta * Xb[c]  # dl/dU_i = delta_i X^T


@njit(cache=True, error_model="numpy")
def train_kernel(X, Y, X_test, Y_test, U0, V0, lr, epochs, code, G_prev_U, G_prev_V, has_prev):
    """`epochs` updates V := V - lr dV / N, U := U - lr dU / N from U0, V0, with the errors, the
    norm of G = (dU, dV) / N and the angle between consecutive G after each (module docstring)."""
    U, V = U0.copy(), V0.copy()
    h, n_in = V.shape[1], X.shape[1]
    N = X.shape[0]
    Xb, Zh, H, e = np.empty(n_in + 1), np.empty(h - 1), np.empty(h), np.empty(V.shape[0])
    dU, dV = np.zeros_like(U), np.zeros_like(V)
    G_prev_U, G_prev_V = G_prev_U.copy(), G_prev_V.copy()
    train, test = np.full(epochs + 1, np.nan), np.full(epochs + 1, np.nan)
    grad_norm, grad_angle = np.full(epochs, np.nan), np.full(epochs, np.nan)
    U_hist = np.full((epochs + 1,) + U.shape, np.nan)
    V_hist = np.full((epochs + 1,) + V.shape, np.nan)
    train[0] = error(U, V, X, Y, code, Xb, Zh, H, e)
    test[0] = error(U, V, X_test, Y_test, code, Xb, Zh, H, e)
    U_hist[0], V_hist[0] = U, V
    done = 0
    for t in range(epochs):
        accumulate_gradient(U, V, X, Y, code, Xb, Zh, H, e, dU, dV)
        G_U, G_V = dU / N, dV / N  # the mean gradient G = (dU, dV) / N
        U -= lr * G_U  # U := U - lr G_U
        V -= lr * G_V  # V := V - lr G_V
        G = np.concatenate((G_U.ravel(), G_V.ravel()))
        G_prev = np.concatenate((G_prev_U.ravel(), G_prev_V.ravel()))
        grad_norm[t] = math.sqrt(dot(G, G, G.size))  # |G|, U's entries first, as in minnet's params
        prev_norm = grad_norm[t - 1] if t > 0 else math.sqrt(dot(G_prev, G_prev, G.size))
        G_prev_U[:], G_prev_V[:] = G_U, G_V
        if t > 0 or has_prev:
            cosine = min(1.0, max(-1.0, dot(G_prev, G, G.size) / (prev_norm * grad_norm[t])))
            grad_angle[t] = math.degrees(math.acos(cosine))  # between this gradient and the last
        train[t + 1] = error(U, V, X, Y, code, Xb, Zh, H, e)
        test[t + 1] = error(U, V, X_test, Y_test, code, Xb, Zh, H, e)
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
            as_f64(X),
            as_f64(Y),
            as_f64(X_test),
            as_f64(Y_test),
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
