"""Document 000's training loop, compiled: full-batch gradient descent of the U/V network.

For every example n, in the order 0, 1, 2, ... as the document's loop runs them:

    X = [x_n, 1]                         input, bias unit last              (n_in + 1,)
    H_i = s(U_i . X) for i < h-1,  H_{h-1} = 1                              (h,)
    O = V H,  e = O - y_n                                                   (k,)
    dV += e H^T                          dl/dV
    dU_i += (e . V_i) s'(U_i . X) X^T    dl/dU_i; for the sigmoid s' = H_i (1 - H_i)

then, after all N examples, V -= lr dV / N and U -= lr dU / N. Before training and after every
update the error (1/N) sum_n (1/2) |O_n - y_n|^2 is computed on the training and test sets, and
for every update the norm of the mean gradient G = (dU, dV) / N and the angle between consecutive
gradients, arccos(G_i . G_{i+1} / (|G_i| |G_{i+1}|)) with the cosine clipped to [-1, 1], in degrees.

The sums run in the document's order, example after example, in plain float64 arithmetic without
fused multiply-adds, so the kernel is bit-identical to a plain Python loop written the same way
(a test holds it so over 50 iterations). The loop is sequential by nature; its speed comes from
running compiled. A run stops at the first update after which the training error is not finite.
"""

import math

import numpy as np
from numba import njit

from kernels.codes import SIGMOID
from kernels.common import activate, as_f64, derivative


@njit(cache=True, error_model="numpy")
def hidden_layer(U, X, n, code, Xb, Zh, H):
    """Xb = [x_n, 1], Zh = U Xb and H = [s(Zh), 1] for example n."""
    n_in, h = X.shape[1], H.shape[0]
    for c in range(n_in):
        Xb[c] = X[n, c]
    Xb[n_in] = 1.0
    for i in range(h - 1):
        z = 0.0
        for c in range(n_in + 1):
            z += U[i, c] * Xb[c]  # U_i . X
        Zh[i] = z
        H[i] = activate(code, z)  # H_i = s(U_i . X)
    H[h - 1] = 1.0  # bias unit


@njit(cache=True, error_model="numpy")
def output(V, H, k):
    """O_k = V_k . H."""
    o = 0.0
    for i in range(H.shape[0]):
        o += V[k, i] * H[i]
    return o


@njit(cache=True, error_model="numpy")
def error(U, V, X, Y, code, Xb, Zh, H):
    """The document's error (1/N) sum_n (1/2) |O_n - y_n|^2, example after example; NaN for no examples."""
    total = 0.0
    for n in range(X.shape[0]):
        hidden_layer(U, X, n, code, Xb, Zh, H)
        for k in range(V.shape[0]):
            e = output(V, H, k) - Y[n, k]
            total += e * e / 2
    return total / X.shape[0] if X.shape[0] > 0 else np.nan


@njit(cache=True, error_model="numpy")
def accumulate_gradient(U, V, X, Y, code, Xb, Zh, H, dU, dV):
    """dU, dV = sum over examples, in order, of dl/dU and dl/dV."""
    dU[:] = 0.0
    dV[:] = 0.0
    h = H.shape[0]
    for n in range(X.shape[0]):
        hidden_layer(U, X, n, code, Xb, Zh, H)
        for k in range(V.shape[0]):
            e = output(V, H, k) - Y[n, k]  # e = o - y
            for i in range(h):
                dV[k, i] += e * H[i]  # dl/dV = e H^T
            for i in range(h - 1):
                if code == SIGMOID:  # the document's order of operations: ((e V_i) H_i) (1 - H_i)
                    g = e * V[k, i] * H[i] * (1.0 - H[i])
                else:
                    g = e * V[k, i] * derivative(code, Zh[i], H[i])  # e V_i s'(U_i . X)
                for c in range(Xb.shape[0]):
                    dU[i, c] += g * Xb[c]  # dl/dU_i = e V_i s'(U_i . X) X^T


@njit(cache=True, error_model="numpy")
def train_kernel(X, Y, X_test, Y_test, U0, V0, lr, epochs, code, G_prev_U, G_prev_V, has_prev):
    """`epochs` updates V := V - lr dV / N, U := U - lr dU / N from U0, V0, with the errors, the norm of
    G = (dU, dV) / N and the angle between consecutive G after each (module docstring)."""
    U, V = U0.copy(), V0.copy()
    h, n_in = V.shape[1], X.shape[1]
    N = X.shape[0]
    Xb, Zh, H = np.empty(n_in + 1), np.empty(h - 1), np.empty(h)
    dU, dV = np.zeros_like(U), np.zeros_like(V)
    G_prev_U, G_prev_V = G_prev_U.copy(), G_prev_V.copy()
    train, test = np.full(epochs + 1, np.nan), np.full(epochs + 1, np.nan)
    grad_norm, grad_angle = np.full(epochs, np.nan), np.full(epochs, np.nan)
    U_hist, V_hist = np.full((epochs + 1,) + U.shape, np.nan), np.full((epochs + 1,) + V.shape, np.nan)
    train[0] = error(U, V, X, Y, code, Xb, Zh, H)
    test[0] = error(U, V, X_test, Y_test, code, Xb, Zh, H)
    U_hist[0], V_hist[0] = U, V
    done = 0
    for t in range(epochs):
        accumulate_gradient(U, V, X, Y, code, Xb, Zh, H, dU, dV)
        V -= lr * dV / N  # V := V - lr dV / N
        U -= lr * dU / N  # U := U - lr dU / N
        G_V, G_U = dV / N, dU / N  # the mean gradient G = (dU, dV) / N
        squared = np.sum(G_V * G_V) + np.sum(G_U * G_U)  # |G|^2, V's part first as the document sums it
        dot = np.sum(G_prev_V * G_V) + np.sum(G_prev_U * G_U)  # G_prev . G
        prev_norm = grad_norm[t - 1] if t > 0 else math.sqrt(np.sum(G_prev_V * G_prev_V) + np.sum(G_prev_U * G_prev_U))
        G_prev_V[:], G_prev_U[:] = G_V, G_U
        grad_norm[t] = math.sqrt(squared)
        if t > 0 or has_prev:
            cosine = min(1.0, max(-1.0, dot / (prev_norm * grad_norm[t])))
            grad_angle[t] = math.degrees(math.acos(cosine))  # angle between this gradient and the one before
        train[t + 1] = error(U, V, X, Y, code, Xb, Zh, H)
        test[t + 1] = error(U, V, X_test, Y_test, code, Xb, Zh, H)
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
