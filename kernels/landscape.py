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
   (document 002's case), the activations of layer m, the cost that dominates (a tanh per unit
   and example), are taken out of the grid loop too. Layer m's
   pre-activation splits into a part that depends on a only and a part that depends on b only:
         z_m = (Zb + W_m[:, ri] R_a) + (W_m[:, rj] R_b) = u(a) + v(b)
   and tanh(u + v) = (tanh u + tanh v) / (1 + tanh u tanh v), with tanh u computed once per a and
   tanh v once per b (sigmoid(z) = (1 + tanh(z / 2)) / 2 reuses it). The formula loses accuracy
   only when 1 + tanh u tanh v is small (u and v large with opposite signs); below 1/2 the kernel
   falls back to tanh(u + v), which keeps the result within a few ulp. Every tanh of a row is the
   vectorised kernels.exp.tanh_row (the later layers' too), so the fallback, common at large
   weights, costs about what the formula does. The NumPy twin
   (minnet.landscape) stays the plain forward pass; a test holds the two equal to 1e-12.

2. ``losses_of_params``: the loss at each row of a (B, P) matrix of parameter vectors (planes
   and lines through parameter space, documents 003 and 004): a full forward pass per vector.

Each prange task writes only its own output cells; non-finite losses become inf.
"""

import numpy as np
from numba import njit, prange

from kernels.codes import SIGMOID, TANH
from kernels.common import (
    activate,
    as_f64,
    as_f64_T,
    as_i64,
    dense_batch,
    forward_layers,
    mean_loss,
    n_layers,
    with_weights,
)
from kernels.exp import tanh_row


@njit(cache=True, error_model="numpy")
def forward_to(l_stop, XT, net):
    """a_{l_stop}: the input of layer l_stop for every example (sizes[l_stop], N)."""
    buf = np.empty((2, net.sizes.max(), XT.shape[1]))
    return forward_layers(net, 0, l_stop, XT, buf).copy()


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
def param_value(net, loc):
    """W_l[r, c], or b_l[r] when c == -1, for loc = (l, r, c)."""
    l, r, c = loc[0], loc[1], loc[2]
    return net.W[net.w_start[l] + r * net.sizes[l] + c] if c >= 0 else net.b[net.b_start[l] + r]


@njit(cache=True, error_model="numpy")
def set_param(net, loc, value):
    """W_l[r, c] = value, or b_l[r] = value when c == -1, in net's own arrays."""
    l, r, c = loc[0], loc[1], loc[2]
    if c < 0:
        net.b[net.b_start[l] + r] = value
    else:
        net.W[net.w_start[l] + r * net.sizes[l] + c] = value


@njit(cache=True, error_model="numpy")
def split_next_layer(m, H0, ri, rj, net):
    """Zb[k, n] = b_m[k] + sum_{c != ri, rj} W_m[k, c] H0[c, n]: layer m's pre-activation
    without rows ri and rj."""
    H = H0.copy()
    H[ri, :] = 0.0
    H[rj, :] = 0.0
    Zb = np.empty((net.sizes[m + 1], H0.shape[1]))
    dense_batch(m, H, Zb, net)
    return Zb


@njit(cache=True, error_model="numpy")
def activate_sum(A_row, T_u_row, T_v_row, U_row, V_scale, R_b_row, alpha, beta, S, T, scratch):
    """A_row = alpha tanh(u + v) + beta from tanh u (T_u_row) and tanh v (T_v_row), per example.

    tanh(u + v) = (tanh u + tanh v) / (1 + tanh u tanh v). The first loop has no branch and no call,
    so it vectorises; where 1 + tanh u tanh v < 1/2 the formula is ill-conditioned, and there
    tanh(u + v) is taken directly from u (U_row) and v = V_scale R_b_row, through the vectorised
    tanh_row over the whole row (S, T, scratch: rows of scratch space), so large weights, where
    many points are ill-conditioned, cost no scalar tanh calls."""
    N = A_row.shape[0]
    ill = 0
    for n in range(N):
        d = 1.0 + T_u_row[n] * T_v_row[n]
        A_row[n] = alpha * ((T_u_row[n] + T_v_row[n]) / d) + beta
        ill += d < 0.5
    if ill > 0:
        for n in range(N):
            S[n] = U_row[n] + V_scale * R_b_row[n]  # u + v
        tanh_row(S, T, scratch)
        for n in range(N):
            if 1.0 + T_u_row[n] * T_v_row[n] < 0.5:
                A_row[n] = alpha * T[n] + beta


@njit(cache=True, parallel=True, error_model="numpy")
def grid_split_kernel(Zb, R_a, R_b, ri, rj, m, net, YT):
    """The grid when i, j are rows ri, rj of one layer and layer m after it is tanh or sigmoid:
    L(a, b) with layer m's activation s(u(a) + v(b)) from tanh u and tanh v (module docstring)."""
    n_a, n_b, N = R_a.shape[0], R_b.shape[0], YT.shape[1]
    n_m, n_in = net.sizes[m + 1], net.sizes[m]
    W_m = net.W[net.w_start[m] : net.w_start[m] + n_m * n_in]  # W_m row-major   (n_m * n_in,)
    scale = 1.0 if net.acts[m] == TANH else 0.5  # sigmoid(z) = (1 + tanh(z / 2)) / 2
    alpha, beta = (1.0, 0.0) if net.acts[m] == TANH else (0.5, 0.5)
    T_v = np.empty((n_b, n_m, N))  # tanh(scale v(b)),  v(b) = W_m[:, rj] R_b
    V, scratch = np.empty(N), np.empty(N)
    for ib in range(n_b):
        for k in range(n_m):
            w = W_m[k * n_in + rj]
            for n in range(N):
                V[n] = scale * w * R_b[ib, n]
            tanh_row(V, T_v[ib, k], scratch)
    out = np.empty((n_a, n_b))
    width, L = net.sizes.max(), n_layers(net)
    for ia in prange(n_a):
        U = np.empty((n_m, N))  # scale u(a),  u(a) = Zb + W_m[:, ri] R_a
        T_u = np.empty((n_m, N))
        S, T, work = np.empty(N), np.empty(N), np.empty(N)
        for k in range(n_m):
            w = W_m[k * n_in + ri]
            for n in range(N):
                U[k, n] = scale * (Zb[k, n] + w * R_a[ia, n])
            tanh_row(U[k], T_u[k], work)
        A = np.empty((n_m, N))
        buf = np.empty((2, width, N))
        for ib in range(n_b):
            for k in range(n_m):
                # s(u + v)
                activate_sum(
                    A[k],
                    T_u[k],
                    T_v[ib, k],
                    U[k],
                    scale * W_m[k * n_in + rj],
                    R_b[ib],
                    alpha,
                    beta,
                    S,
                    T,
                    work,
                )
            Z = forward_layers(net, m + 1, L, A, buf)
            out[ia, ib] = mean_loss(net, Z, YT)
    return out


@njit(cache=True, parallel=True, error_model="numpy")
def grid_general_kernel(Z0, H0, R_a, R_b, X_ij, w_ij, locs, a_values, b_values, net, YT):
    """The grid in every other case: L(a, b) with the layers after li evaluated at every point.

    locs (2, 3): (layer, row, col) of i and j; X_ij (2, N): the inputs x_i, x_j they multiply;
    w_ij (2,): their current values; Z0, H0: layer li's z and a at the current weights."""
    li, ri, lj, rj = locs[0, 0], locs[0, 1], locs[1, 0], locs[1, 1]
    same_row = lj == li and rj == ri
    n_a, n_b, N = a_values.shape[0], b_values.shape[0], YT.shape[1]
    out = np.empty((n_a, n_b))
    width, L = net.sizes.max(), n_layers(net)
    for ia in prange(n_a):
        local = with_weights(net, net.W.copy(), net.b.copy())  # this task's; only parameter j moves
        H = H0.copy()  # the output of layer li at (a, b)
        buf = np.empty((2, width, N))
        for ib in range(n_b):
            if lj > li:
                set_param(local, locs[1], b_values[ib])
            if same_row:  # z_ri = Z0[ri] + (a - w_i) x_i + (b - w_j) x_j
                for n in range(N):
                    H[ri, n] = activate(
                        net.acts[li],
                        Z0[ri, n]
                        + (a_values[ia] - w_ij[0]) * X_ij[0, n]
                        + (b_values[ib] - w_ij[1]) * X_ij[1, n],
                    )
            else:
                H[ri, :] = R_a[ia]
                if lj == li:
                    H[rj, :] = R_b[ib]
            Z = forward_layers(local, li + 1, L, H, buf)
            out[ia, ib] = mean_loss(net, Z, YT)
    return out


@njit(cache=True, error_model="numpy")
def grid_two_params_kernel(XT, YT, net, locs, a_values, b_values):
    """L(a, b) over the grid a_values x b_values for the parameters at locs (2, 3): prepare what
    does not depend on (a, b) (module docstring), then run the split or the general grid."""
    N, L = XT.shape[1], n_layers(net)
    li, ri, ci = locs[0, 0], locs[0, 1], locs[0, 2]
    lj, rj, cj = locs[1, 0], locs[1, 1], locs[1, 2]
    A_in = forward_to(li, XT, net)  # input of layer li   (n_li, N)
    Z0 = np.empty((net.sizes[li + 1], N))  # z_li at the current weights
    dense_batch(li, A_in, Z0, net)
    H0 = Z0.copy()
    for r in range(net.sizes[li + 1]):
        for n in range(N):
            H0[r, n] = activate(net.acts[li], Z0[r, n])
    X_ij = np.ones((2, N))  # x_i and x_j: the inputs the two parameters multiply (1 for a bias)
    if ci >= 0:
        X_ij[0] = A_in[ci]
    if lj == li and cj >= 0:
        X_ij[1] = A_in[cj]
    w_ij = np.array([param_value(net, locs[0]), param_value(net, locs[1])])
    R_a = row_activations(a_values, Z0[ri], X_ij[0], w_ij[0], net.acts[li])
    two_rows = lj == li and rj != ri
    R_b = (
        row_activations(b_values, Z0[rj], X_ij[1], w_ij[1], net.acts[li])
        if two_rows
        else np.empty((0, N))
    )
    m = li + 1
    if two_rows and m < L and (net.acts[m] == TANH or net.acts[m] == SIGMOID):
        Zb = split_next_layer(m, H0, ri, rj, net)
        return grid_split_kernel(Zb, R_a, R_b, ri, rj, m, net, YT)
    return grid_general_kernel(Z0, H0, R_a, R_b, X_ij, w_ij, locs, a_values, b_values, net, YT)


@njit(cache=True, parallel=True, error_model="numpy")
def losses_of_params_kernel(XT, YT, W_all, b_all, net):
    """out[p] = L at the weights W_all[p], b_all[p] (a full forward pass per parameter vector)."""
    B, N = W_all.shape[0], XT.shape[1]
    out = np.empty(B)
    width, L = net.sizes.max(), n_layers(net)
    for p in prange(B):
        buf = np.empty((2, width, N))
        Z = forward_layers(with_weights(net, W_all[p], b_all[p]), 0, L, XT, buf)
        out[p] = mean_loss(net, Z, YT)
    return out


def grid_two_params(X, Y, net, i_loc, j_loc, a_values, b_values):
    """Loss grid (len(a), len(b)) over parameters i = (layer, row, col) and j, layer_i <= layer_j.

    X (N, n_0), Y (N, k); `net` a DenseNet (kernels.codes); col = -1 names the bias of that row.
    """
    if i_loc[0] > j_loc[0]:
        raise ValueError(
            "parameter i must not sit in a later layer than j, "
            f"got layers {i_loc[0]} and {j_loc[0]}"
        )
    if tuple(i_loc) == tuple(j_loc):
        raise ValueError(f"i and j must be different parameters, both are {tuple(i_loc)}")
    with np.errstate(all="ignore"):  # quiet under NUMBA_DISABLE_JIT=1 too: overflow reads as inf
        return grid_two_params_kernel(
            as_f64_T(X),
            as_f64_T(Y),
            net,
            as_i64([i_loc, j_loc]),
            as_f64(a_values),
            as_f64(b_values),
        )


def losses_of_params(X, Y, W_all, b_all, net):
    """Loss (B,) at B weight sets W_all (B, len(net.W)), b_all (B, len(net.b)) in net's layout."""
    if W_all.ndim != 2 or b_all.ndim != 2 or W_all.shape[0] != b_all.shape[0]:
        raise ValueError(
            "W_all and b_all must be (B, ...) matrices with the same B, "
            f"got shapes {W_all.shape} and {b_all.shape}"
        )
    with np.errstate(all="ignore"):
        return losses_of_params_kernel(as_f64_T(X), as_f64_T(Y), as_f64(W_all), as_f64(b_all), net)
