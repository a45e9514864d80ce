"""Loss landscapes, compiled: the loss at many parameter vectors of one dense network.

Layers, losses and the transposed batch layout are those of kernels.common.

1. ``grid_two_params``: L(a, b) with parameter i set to a and parameter j set to b, all others
   frozen (document 002). Parameter i sits in layer li, row ri, column ci (ci = -1: the bias);
   j in layer lj >= li. Structure, not arithmetic, makes it fast:

   - the input of layer li does not depend on (a, b): computed once (A_in);
   - z_{li} = W_{li} a + b_{li} is computed once at the current weights (Z0). Setting parameter
     i to a changes only row ri, by (a - w_i) x_i, with x_i = A_in[ci] (1 for a bias):
         z_{li, ri}(a) = Z0[ri] + (a - w_i) x_i
     so that row's activation is computed once per a value (R_a), and, when j is another row of
     the same layer, once per b value (R_b): O((len a + len b) N) activations instead of
     O(len a len b N);
   - only the layers after li are evaluated at every grid point.

   When i and j are two rows of the same layer and the next layer m = li + 1 is tanh or sigmoid
   (document 002's case), the activations of layer m, the cost that dominates (math.tanh is a
   scalar library call of ~15 ns here), are taken out of the grid loop too. Layer m's
   pre-activation splits into a part that depends on a only and a part that depends on b only:
         z_m = (Zb + W_m[:, ri] R_a) + (W_m[:, rj] R_b) = u(a) + v(b)
   and tanh(u + v) = (tanh u + tanh v) / (1 + tanh u tanh v), with tanh u computed once per a and
   tanh v once per b (sigmoid(z) = (1 + tanh(z / 2)) / 2 reuses it). The formula loses accuracy
   only when 1 + tanh u tanh v is small (u and v large with opposite signs); below 1/2 the kernel
   falls back to tanh(u + v), which keeps the result within a few ulp. The NumPy twin
   (minnet.landscape) stays the plain forward pass; a test holds the two equal to 1e-12.

2. ``losses_of_params``: the loss at each row of a (B, P) matrix of parameter vectors (planes
   and lines through parameter space, documents 003 and 004): a full forward pass per vector.

Each prange task writes only its own output cells; non-finite losses become inf.
"""

import math

import numpy as np
from numba import njit, prange

from kernels.common import activate, as_f64, as_f64_T, as_i64, dense_batch, forward_batch, mean_loss

TANH, SIGMOID = 3, 2


@njit(cache=True, error_model="numpy")
def forward_to(l_stop, XT, W_flat, b_flat, w_start, b_start, sizes, acts):
    """a_{l_stop}: the input of layer l_stop for every example (sizes[l_stop], N)."""
    buf = np.empty((2, sizes.max(), XT.shape[1]))
    return forward_batch(0, XT, buf, W_flat, b_flat, w_start, b_start, sizes[: l_stop + 1], acts).copy()


@njit(cache=True, error_model="numpy")
def row_activations(values, Z0_row, x, w, code):
    """R[v, n] = s(Z0_row[n] + (values[v] - w) x[n]): one row of layer li for every value."""
    R = np.empty((values.shape[0], Z0_row.shape[0]))
    for v in range(values.shape[0]):
        shift = values[v] - w
        for n in range(Z0_row.shape[0]):
            R[v, n] = activate(code, Z0_row[n] + shift * x[n])  # z_ri(a) = Z0[ri] + (a - w_i) x_i
    return R


@njit(cache=True, error_model="numpy")
def param_value(W_flat, b_flat, w_start, b_start, sizes, loc):
    l, r, c = loc[0], loc[1], loc[2]
    return W_flat[w_start[l] + r * sizes[l] + c] if c >= 0 else b_flat[b_start[l] + r]


@njit(cache=True, error_model="numpy")
def set_param(W_flat, b_flat, w_start, b_start, sizes, loc, value):
    """W_l[r, c] = value, or b_l[r] = value when c == -1."""
    l, r, c = loc[0], loc[1], loc[2]
    if c < 0:
        b_flat[b_start[l] + r] = value
    else:
        W_flat[w_start[l] + r * sizes[l] + c] = value


@njit(cache=True, error_model="numpy")
def split_next_layer(m, H0, ri, rj, W_flat, b_flat, w_start, b_start, sizes):
    """Zb[k, n] = b_m[k] + sum_{c != ri, rj} W_m[k, c] H0[c, n]: layer m's pre-activation without rows ri and rj."""
    n_out, N = sizes[m + 1], H0.shape[1]
    H = H0.copy()
    H[ri, :] = 0.0
    H[rj, :] = 0.0
    Zb = np.empty((n_out, N))
    dense_batch(m, H, Zb, W_flat, b_flat, w_start, b_start, sizes)
    return Zb


@njit(cache=True, error_model="numpy")
def activate_sum(A_row, T_u_row, T_v_row, U_row, V_scale, R_b_row, alpha, beta):
    """A_row = alpha tanh(u + v) + beta from tanh u (T_u_row) and tanh v (T_v_row), for every example.

    tanh(u + v) = (tanh u + tanh v) / (1 + tanh u tanh v). The first loop has no branch and no call,
    so it vectorises; where 1 + tanh u tanh v < 1/2 the formula is ill-conditioned and the second
    loop recomputes tanh(u + v) directly from u (U_row) and v = V_scale R_b_row."""
    N = A_row.shape[0]
    ill = 0
    for n in range(N):
        d = 1.0 + T_u_row[n] * T_v_row[n]
        A_row[n] = alpha * ((T_u_row[n] + T_v_row[n]) / d) + beta
        ill += d < 0.5
    if ill > 0:
        for n in range(N):
            if 1.0 + T_u_row[n] * T_v_row[n] < 0.5:
                A_row[n] = alpha * math.tanh(U_row[n] + V_scale * R_b_row[n]) + beta


@njit(cache=True, parallel=True, error_model="numpy")
def grid_split_kernel(Zb, R_a, R_b, ri, rj, m, W_flat, b_flat, w_start, b_start, sizes, acts, output_code, loss_code, YT):
    """The grid when i, j are rows ri, rj of one layer and layer m after it is tanh or sigmoid (module docstring)."""
    n_a, n_b, N = R_a.shape[0], R_b.shape[0], YT.shape[1]
    n_m = sizes[m + 1]
    scale = 1.0 if acts[m] == TANH else 0.5  # sigmoid(z) = (1 + tanh(z / 2)) / 2
    alpha, beta = (1.0, 0.0) if acts[m] == TANH else (0.5, 0.5)
    T_v = np.empty((n_b, n_m, N))  # tanh(scale v(b)),  v(b) = W_m[:, rj] R_b
    for ib in range(n_b):
        for k in range(n_m):
            w = W_flat[w_start[m] + k * sizes[m] + rj]
            for n in range(N):
                T_v[ib, k, n] = math.tanh(scale * w * R_b[ib, n])
    out = np.empty((n_a, n_b))
    width = sizes.max()
    for ia in prange(n_a):
        U = np.empty((n_m, N))  # scale u(a),  u(a) = Zb + W_m[:, ri] R_a
        T_u = np.empty((n_m, N))
        for k in range(n_m):
            w = W_flat[w_start[m] + k * sizes[m] + ri]
            for n in range(N):
                U[k, n] = scale * (Zb[k, n] + w * R_a[ia, n])
                T_u[k, n] = math.tanh(U[k, n])
        A = np.empty((n_m, N))
        buf = np.empty((2, width, N))
        for ib in range(n_b):
            for k in range(n_m):
                w_j = scale * W_flat[w_start[m] + k * sizes[m] + rj]
                activate_sum(A[k], T_u[k], T_v[ib, k], U[k], w_j, R_b[ib], alpha, beta)  # s(u + v)
            Z = forward_batch(m + 1, A, buf, W_flat, b_flat, w_start, b_start, sizes, acts)
            out[ia, ib] = mean_loss(loss_code, output_code, Z, YT)
    return out


@njit(cache=True, parallel=True, error_model="numpy")
def grid_general_kernel(Z0, H0, R_a, R_b, x_i, x_j, w_i, w_j, i_loc, j_loc, a_values, b_values, W_flat, b_flat, w_start, b_start, sizes, acts, output_code, loss_code, YT):
    """The grid in every other case: layers after li evaluated at every point."""
    li, ri, lj, rj = i_loc[0], i_loc[1], j_loc[0], j_loc[1]
    same_row = lj == li and rj == ri
    n_a, n_b, N = a_values.shape[0], b_values.shape[0], YT.shape[1]
    out = np.empty((n_a, n_b))
    width = sizes.max()
    for ia in prange(n_a):
        W_loc, b_loc = W_flat.copy(), b_flat.copy()  # this task's weights; only parameter j changes
        H = H0.copy()  # the output of layer li at (a, b)
        buf = np.empty((2, width, N))
        for ib in range(n_b):
            if lj > li:
                set_param(W_loc, b_loc, w_start, b_start, sizes, j_loc, b_values[ib])
            if same_row:  # z_ri = Z0[ri] + (a - w_i) x_i + (b - w_j) x_j
                for n in range(N):
                    H[ri, n] = activate(acts[li], Z0[ri, n] + (a_values[ia] - w_i) * x_i[n] + (b_values[ib] - w_j) * x_j[n])
            else:
                H[ri, :] = R_a[ia]
                if lj == li:
                    H[rj, :] = R_b[ib]
            Z = forward_batch(li + 1, H, buf, W_loc, b_loc, w_start, b_start, sizes, acts)
            out[ia, ib] = mean_loss(loss_code, output_code, Z, YT)
    return out


@njit(cache=True, error_model="numpy")
def grid_two_params_kernel(XT, YT, W_flat, b_flat, w_start, b_start, sizes, acts, output_code, loss_code, i_loc, j_loc, a_values, b_values):
    N, L = XT.shape[1], sizes.shape[0] - 1
    li, ri, ci = i_loc[0], i_loc[1], i_loc[2]
    lj, rj, cj = j_loc[0], j_loc[1], j_loc[2]
    A_in = forward_to(li, XT, W_flat, b_flat, w_start, b_start, sizes, acts)  # input of layer li   (n_li, N)
    Z0 = np.empty((sizes[li + 1], N))  # z_li at the current weights
    dense_batch(li, A_in, Z0, W_flat, b_flat, w_start, b_start, sizes)
    H0 = Z0.copy()
    for r in range(sizes[li + 1]):
        for n in range(N):
            H0[r, n] = activate(acts[li], Z0[r, n])
    x_i = A_in[ci].copy() if ci >= 0 else np.ones(N)
    x_j = A_in[cj].copy() if (lj == li and cj >= 0) else np.ones(N)
    w_i = param_value(W_flat, b_flat, w_start, b_start, sizes, i_loc)
    w_j = param_value(W_flat, b_flat, w_start, b_start, sizes, j_loc)
    R_a = row_activations(a_values, Z0[ri], x_i, w_i, acts[li])
    two_rows = lj == li and rj != ri
    R_b = row_activations(b_values, Z0[rj], x_j, w_j, acts[li]) if two_rows else np.empty((0, N))
    m = li + 1
    if two_rows and m < L and (acts[m] == TANH or acts[m] == SIGMOID):
        Zb = split_next_layer(m, H0, ri, rj, W_flat, b_flat, w_start, b_start, sizes)
        return grid_split_kernel(Zb, R_a, R_b, ri, rj, m, W_flat, b_flat, w_start, b_start, sizes, acts, output_code, loss_code, YT)
    return grid_general_kernel(Z0, H0, R_a, R_b, x_i, x_j, w_i, w_j, i_loc, j_loc, a_values, b_values, W_flat, b_flat, w_start, b_start, sizes, acts, output_code, loss_code, YT)


@njit(cache=True, parallel=True, error_model="numpy")
def losses_of_params_kernel(XT, YT, P, w_index, b_index, w_start, b_start, sizes, acts, output_code, loss_code):
    B, N = P.shape[0], XT.shape[1]
    out = np.empty(B)
    width = sizes.max()
    for p in prange(B):
        W_loc = np.empty(w_index.shape[0])
        b_loc = np.empty(b_index.shape[0])
        for q in range(w_index.shape[0]):
            W_loc[q] = P[p, w_index[q]]  # W_l = p[W_index]
        for q in range(b_index.shape[0]):
            b_loc[q] = P[p, b_index[q]]  # b_l = p[b_index]
        buf = np.empty((2, width, N))
        Z = forward_batch(0, XT, buf, W_loc, b_loc, w_start, b_start, sizes, acts)
        out[p] = mean_loss(loss_code, output_code, Z, YT)
    return out


def grid_two_params(X, Y, W_flat, b_flat, w_start, b_start, sizes, acts, output_code, loss_code, i_loc, j_loc, a_values, b_values):
    """Loss grid (len(a), len(b)) over parameters i = (layer, row, col) and j, with layer_i <= layer_j.

    X (N, n_0), Y (N, k); col = -1 names the bias of that row; the rest as in kernels.common.
    """
    if i_loc[0] > j_loc[0]:
        raise ValueError(f"parameter i must not sit in a later layer than j, got layers {i_loc[0]} and {j_loc[0]}")
    if tuple(i_loc) == tuple(j_loc):
        raise ValueError(f"i and j must be different parameters, both are {tuple(i_loc)}")
    with np.errstate(all="ignore"):  # quiet under NUMBA_DISABLE_JIT=1 too: overflow reads as inf
        return grid_two_params_kernel(
            as_f64_T(X), as_f64_T(Y), as_f64(W_flat), as_f64(b_flat), as_i64(w_start), as_i64(b_start), as_i64(sizes), as_i64(acts),
            int(output_code), int(loss_code), as_i64(i_loc), as_i64(j_loc), as_f64(a_values), as_f64(b_values),
        )  # fmt: skip


def losses_of_params(X, Y, P, w_index, b_index, w_start, b_start, sizes, acts, output_code, loss_code):
    """Loss (B,) at each row of the parameter matrix P (B, n_params); w_index / b_index gather the dense layers."""
    if P.ndim != 2:
        raise ValueError(f"P must be a (B, n_params) matrix, got shape {P.shape}")
    with np.errstate(all="ignore"):
        return losses_of_params_kernel(
            as_f64_T(X), as_f64_T(Y), as_f64(P), as_i64(w_index), as_i64(b_index), as_i64(w_start), as_i64(b_start), as_i64(sizes),
            as_i64(acts), int(output_code), int(loss_code),
        )  # fmt: skip
