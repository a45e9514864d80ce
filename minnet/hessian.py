"""Second derivatives of the mean loss: Hessian-vector products, the Hessian, its top eigenvalues.

The sharpness of a network at its weights w is the largest eigenvalue of the Hessian
H = d^2 L / dw^2 of the training loss. Gradient descent with learning rate lr is stable along
an eigenvector only while its eigenvalue stays below 2 / lr (on a quadratic, w := w - lr H w
multiplies that component by 1 - lr lambda); Cohen et al. (ICLR 2021) find that full-batch
training drives the sharpness up to 2 / lr and then holds it there ("the edge of stability").

Hessian-vector products, exactly, with Pearlmutter's R-operator
---------------------------------------------------------------
R(f) = d/dr f(w + r v) at r = 0 is the change of any quantity f of the forward or backward
pass when the weights move along v (R(W_l) = V_l, R(b_l) = c_l, the parts of v). Applied to
the gradient it gives R(dL/dw) = H v. Every line of backpropagation (minnet.mlp) gets its
R-twin by the product and chain rules; with rows as examples:

    forward     z_l = a_{l-1} W_l^T + b_l        R(z_l) = R(a_{l-1}) W_l^T + a_{l-1} V_l^T + c_l
                a_l = s(z_l)                     R(a_l) = s'(z_l) * R(z_l)            R(a_0) = 0
    output      delta_L = dl/dz_L                R(delta_L) = (d delta_L / d z_L) R(z_L)
    backward    delta_{l-1} = (delta_l W_l) * s'(z_{l-1})
                R(delta_{l-1}) = (R(delta_l) W_l + delta_l V_l) * s'(z_{l-1})
                                 + (delta_l W_l) * s''(z_{l-1}) * R(z_{l-1})
    gradient    dW_l = delta_l^T a_{l-1} / N
                R(dW_l) = (R(delta_l)^T a_{l-1} + delta_l^T R(a_{l-1})) / N
                db_l = sum_n delta_l / N         R(db_l) = sum_n R(delta_l) / N

Both networks are read as their dense layers (`Network.layer_index`): document 000's U is
W_1 with b_1 in its bias column, V is W_2 with b_2 in the column of the hidden bias unit.
The cost of one product is about two gradients; the lines without R (the forward pass, delta_l W_l,
s' and s'') do not depend on v, and `forward_at` takes them once for the many products of one
Lanczos (measured on edge_of_stability's 64-64-64-10 net: 5.2 -> 2.7 ms per product).

The top eigenvalues come from the Lanczos iteration (`lanczos`), which needs only products.
A normalised MLP is refused: these lines have no R-twin for its normalisation layers (batch
normalisation also couples the examples of a batch; minnet.normalisation).
"""

from typing import NamedTuple

import numpy as np

from minnet import activations, losses
from minnet.normalisation import refuse_normalised


def check_vector(name, v, P):
    """v as a float64 (P,) vector, or a ValueError naming `name` and what was received."""
    v = np.asarray(v, dtype=np.float64)
    if v.shape != (P,):
        raise ValueError(f"{name} must have shape ({P},), one entry per parameter, got {v.shape}")
    return v


def hvp(net, X, Y, v, at=None):
    """H v: the Hessian of the mean loss L(net.params) on (X, Y) times the vector v (P,).

    Exact (the R-operator of the module docstring), not a difference of gradients. `at`: the
    forward pass at the weights (`forward_at(net, X, Y)`), which no v changes: given, the many
    products of one Lanczos compute it once (`top_eigenvalues`); the same bits either way."""
    at = forward_at(net, X, Y) if at is None else at
    v = check_vector("v", v, net.n_params)
    N, layers, L, W, a, slope = at.N, at.layers, at.L, at.W, at.a, at.slope
    V = [None] + [v[W_i] for W_i, _, _ in layers]  # R(W_l) = V_l, v's part for W_l
    c = [None] + [v[b_i] for _, b_i, _ in layers]  # R(b_l) = c_l

    Ra, Rz = [at.zeros], [None]  # R(a_0) = 0
    for l in range(1, L + 1):
        # R(z_l) = R(a_{l-1}) W_l^T + a_{l-1} V_l^T + c_l  (N, n_l); R(a_0) = 0: R(z_1) without it
        moved = a[l - 1] @ V[l].T if l == 1 else Ra[l - 1] @ W[l].T + a[l - 1] @ V[l].T
        Rz.append(moved + c[l])
        Ra.append(slope[l] * Rz[l])  # R(a_l) = s'(z_l) * R(z_l)

    delta = at.delta  # delta_L = dl/dz_L                                               (N, n_L)
    R_delta = losses.output_delta_along(net.loss_name, net.output, at.O, at.Y, Rz[L])  # R(delta_L)

    Hv = np.zeros(net.n_params)
    # exercise hessian_vector_product: the backward pass of the R-operator (Pearlmutter)
    for l in range(L, 0, -1):
        W_index, b_index, _ = layers[l - 1]
        Hv[W_index] = (R_delta.T @ a[l - 1] + delta.T @ Ra[l - 1]) / N  # R(dW_l)   (n_l, n_{l-1})
        Hv[b_index] = R_delta.sum(axis=0) / N  # R(db_l) = sum_n R(delta_l) / N               (n_l,)
        if l > 1:
            back = at.back[l]  # delta_l W_l: no v in it (forward_at)      (N, n_{l-1})
            s1, s2 = slope[l - 1], at.bend[l - 1]  # s'(z_{l-1}), s''(z_{l-1})
            R_delta = (R_delta @ W[l] + delta @ V[l]) * s1 + back * s2 * Rz[l - 1]  # R(delta_{l-1})
            delta = back * s1  # delta_{l-1} = (delta_l W_l) * s'(z_{l-1})
    # end exercise
    return Hv


class ForwardPass(NamedTuple):
    """What H v needs at the weights and does not depend on v (`forward_at`)."""

    N: int
    Y: np.ndarray
    layers: list  # net.layer_index(): [(W_index, b_index, s_l)] for l = 1..L
    L: int
    W: list  # W[l] (n_l, n_{l-1}), l the math's index (W[0] None)
    s: list  # s[l], the activation of layer l (s_L = identity)
    z: list  # z_l = a_{l-1} W_l^T + b_l                                        (N, n_l)
    a: list  # a_0 = X, a_l = s_l(z_l)
    slope: list  # s'(z_l)
    bend: list  # s''(z_l) for l < L
    O: np.ndarray  # the outputs s_out(z_L)
    delta: np.ndarray  # delta_L = dl/dz_L
    back: (
        list  # delta_l W_l for l > 1: backpropagation's, delta_{l-1} = (delta_l W_l) * s'(z_{l-1})
    )
    zeros: np.ndarray  # R(a_0) = 0, the shape of X


def forward_at(net, X, Y):
    """The forward pass of `hvp` at the weights net.params: the same for every v."""
    refuse_normalised(net, "the Hessian-vector product")
    X = net.check_X(X)
    Y = net.check_Y(Y, X.shape[0])
    p, layers = net.params, net.layer_index()
    L = len(layers)
    W = [None] + [p[W_i] for W_i, _, _ in layers]  # W[l] (n_l, n_{l-1})
    b = [None] + [p[b_i] for _, b_i, _ in layers]  # b[l] (n_l,)
    s = [None] + [act for _, _, act in layers]
    z, a, slope = [None], [X], [None]
    for l in range(1, L + 1):
        z.append(a[l - 1] @ W[l].T + b[l])  # z_l = a_{l-1} W_l^T + b_l                    (N, n_l)
        a.append(activations.activate(s[l], z[l]))  # a_l = s_l(z_l); s_L = identity here
        slope.append(activations.derivative(s[l], z[l], a[l]))  # s'(z_l)
    O = losses.output_activation(net.output, z[L])
    delta_L = losses.output_delta(net.loss_name, net.output, O, Y)  # delta_L = dl/dz_L
    back, bend, delta = [None] * (L + 1), [None] * L, delta_L
    for l in range(L, 1, -1):  # backpropagation, without the gradient
        back[l] = delta @ W[l]  # delta_l W_l                                          (N, n_{l-1})
        bend[l - 1] = activations.second_derivative(s[l - 1], z[l - 1], a[l - 1])  # s''(z_{l-1})
        delta = back[l] * slope[l - 1]  # delta_{l-1} = (delta_l W_l) * s'(z_{l-1})
    return ForwardPass(X.shape[0], Y, layers, L, W, s, z, a, slope, bend, O, delta_L, back,
                       np.zeros_like(X))  # fmt: skip


def hessian(net, X, Y):
    """The full Hessian (P, P), column i = H e_i, symmetrised as (H + H^T) / 2. For small nets."""
    H = np.column_stack([hvp(net, X, Y, e) for e in np.eye(net.n_params)])
    return 0.5 * (H + H.T)


def lanczos(matvec, n, k=1, steps=30, seed=0, start=None):
    """The k largest eigenvalues (descending) and eigenvectors (k, n) of a symmetric operator.

    Lanczos with full reorthogonalisation: build an orthonormal basis Q of the Krylov space
    {q, A q, A^2 q, ...} from a random q, in which A is the tridiagonal T = Q^T A Q:

        w = A q_j - alpha_j q_j - beta_{j-1} q_{j-1},  alpha_j = q_j . A q_j
        beta_j = |w|,  q_{j+1} = w / beta_j

    then the eigenvalues of T (Ritz values) approach A's extreme eigenvalues first. q is random
    (from `seed`) unless `start` gives it: an earlier top eigenvector makes a few steps enough.

    Repeated eigenvalues: the Krylov space of one q holds one direction per distinct eigenvalue,
    so it runs out (beta_j ~ 0, relative to |A| as seen so far) before it finds a repeat. Then the
    iteration restarts from a new random q orthogonal to Q, with beta_j = 0 (T splits into blocks),
    and the next block finds the repeats. So with steps >= n the result is exact up to rounding,
    multiplicities included; with fewer steps the top eigenvalue converges first, and a value
    repeated k times is found k times only once the space of the first q has run out.
    """
    if isinstance(k, bool) or int(k) != k or not 1 <= k <= n:
        raise ValueError(f"k must be an integer in [1, {n}], got {k!r}")
    if isinstance(steps, bool) or int(steps) != steps or steps < k:
        raise ValueError(f"steps must be an integer >= k = {k}, got {steps!r}")
    rng = np.random.default_rng(seed)
    m = min(int(steps), n)
    Q = np.zeros((m + 1, n))
    alpha, beta = np.zeros(m), np.zeros(m)
    q = rng.standard_normal(n) if start is None else check_vector("start", start, n)
    Q[0] = q / np.linalg.norm(q)
    scale = 0.0  # |A| as seen so far: the largest |alpha| or beta
    for j in range(m):
        w = matvec(Q[j])
        alpha[j] = w @ Q[j]  # alpha_j = q_j . A q_j
        for _ in range(2):  # remove every earlier direction (reorthogonalise), twice for rounding
            w -= Q[: j + 1].T @ (Q[: j + 1] @ w)
        beta[j] = np.linalg.norm(w)
        scale = max(scale, abs(alpha[j]), beta[j])
        if j + 1 == m:
            break
        if beta[j] <= 1e-10 * scale:  # the Krylov space of this q is whole: restart (docstring)
            beta[j], w = 0.0, fresh_direction(rng, Q[: j + 1])
        Q[j + 1] = w / np.linalg.norm(w)
    T = np.diag(alpha) + np.diag(beta[: m - 1], 1) + np.diag(beta[: m - 1], -1)
    theta, S = np.linalg.eigh(T)  # ascending Ritz values
    return theta[::-1][:k], (Q[:m].T @ S[:, ::-1][:, :k]).T


def fresh_direction(rng, Q):
    """A random unit vector orthogonal to the rows of Q (a new start for Lanczos)."""
    w = rng.standard_normal(Q.shape[1])
    for _ in range(2):
        w -= Q.T @ (Q @ w)
    return w / np.linalg.norm(w)


def top_eigenvalues(
    net, X, Y, k=1, steps=30, seed=0, preconditioner=None, start=None, vectors=False
):
    """The k largest eigenvalues of the Hessian of the mean loss on (X, Y), descending.

    With `preconditioner` p (P,), positive (an optimizer's diagonal, see
    `Optimizer.preconditioner`), the k largest eigenvalues of P^-1 H, P = diag(p), computed as those
    of the symmetric P^-1/2 H P^-1/2, which has the same eigenvalues. NaN when the weights or the
    loss are not finite. `steps`, `seed`, `start`: Lanczos' (see `lanczos`). With vectors=True,
    (values, eigenvectors (k, P)) of the symmetric operator (H itself without a preconditioner).
    """
    refuse_normalised(net, "the Hessian's eigenvalues")
    X = net.check_X(X)
    Y = net.check_Y(Y, X.shape[0])
    scale = np.ones(net.n_params)
    if preconditioner is not None:
        p = check_vector("preconditioner", preconditioner, net.n_params)
        if not np.all(p > 0):
            raise ValueError(f"preconditioner must be positive, got entries down to {p.min()}")
        scale = 1.0 / np.sqrt(p)  # P^-1/2
    if not (np.all(np.isfinite(net.params)) and np.isfinite(net.loss(X, Y))):
        values, eigenvectors = np.full(k, np.nan), np.full((k, net.n_params), np.nan)
    else:
        with np.errstate(all="ignore"):
            at = forward_at(net, X, Y)  # once for every product of the iteration
            values, eigenvectors = lanczos(
                lambda u: scale * hvp(net, X, Y, scale * u, at), net.n_params, k, steps, seed, start
            )
    return (values, eigenvectors) if vectors else values


def stability_threshold(optimizer):
    """The sharpness above which the optimizer is unstable on a quadratic.

    For Adam and RMSprop, the preconditioned sharpness (the top eigenvalue of P^-1 H).

        SGD, momentum beta   (2 + 2 beta) / lr          (2 / lr without momentum)
        RMSprop              2 / lr                     (of P^-1 H)
        Adam, AdamW          (2 + 2 beta1) / ((1 - beta1) lr)   (of P^-1 H; 38 / lr for beta1 = 0.9)

    (Cohen et al. 2021, 2022, "Adaptive Gradient Methods at the Edge of Stability".)
    """
    from minnet.optim import SGD, Adam, RMSprop

    if isinstance(optimizer, Adam):
        return (2.0 + 2.0 * optimizer.beta1) / ((1.0 - optimizer.beta1) * optimizer.lr)
    if isinstance(optimizer, SGD):
        return (2.0 + 2.0 * optimizer.momentum) / optimizer.lr
    if isinstance(optimizer, RMSprop):
        return 2.0 / optimizer.lr
    raise TypeError(f"no stability threshold known for {type(optimizer).__name__}")
