"""Document 004's grokking slide (Power et al. 2022), with an MLP instead of a transformer.

The task is modular addition: for a, b in {0, ..., p-1} the network sees the one-hot codes of a and
b side by side, x = [e_a; e_b] (2p inputs), and answers c = (a + b) mod p. All p^2 pairs exist; a
random `fraction` of them is the training set, the rest the test set.

The network is Gromov 2023's ("Grokking modular arithmetic"): one hidden layer of `width` units
with the square activation s(z) = z^2, p outputs, the mean squared error against the one-hot code
of c, full-batch AdamW. Its first layer is an embedding: W_1 x = W_1[:, a] + W_1[:, p + b], so
column a of W_1 is the vector the network gives the number a. Gromov's solution writes each hidden
unit as one frequency k, W_1[u, a] ~ cos(2 pi k a / p + phi_u): `single_frequency` measures how
close the learned embedding comes to that.
"""

import functools
import os

import numpy as np

from minnet import losses
from minnet.mlp import MLP
from minnet.optim import AdamW
from minnet.recorders import Recorder
from minnet.tools.backend import resolve
from minnet.train import fit

LONG_BEFORE = 10  # "long before": test reaches 99% at least ten times later than train (a decade on a log axis)
GROMOV = {"p": 31, "fraction": 0.4, "width": 128, "lr": 1e-2, "weight_decay": 1.0, "beta2": 0.98}


def split_sizes(p, fraction):
    """(pairs to train on, pairs to test on) of the p^2: round(fraction p^2) and the others."""
    n_train = round(fraction * p * p)
    return n_train, p * p - n_train


def modular_addition(p, fraction, seed):
    """(X_train, c_train, X_test, c_test): every pair (a, b) as [e_a; e_b] (p^2, 2p) with c = (a + b) mod p,
    split at random: round(fraction p^2) pairs to train on, the others to test (`split_sizes`)."""
    a, b = np.divmod(np.arange(p * p), p)
    X = np.zeros((p * p, 2 * p))
    X[np.arange(p * p), a] = 1.0  # e_a
    X[np.arange(p * p), p + b] = 1.0  # e_b
    c = (a + b) % p
    order = np.random.default_rng(seed).permutation(p * p)
    n_train, _ = split_sizes(p, fraction)
    train, test = order[:n_train], order[n_train:]
    X_train, X_test = X[train], X[test]
    X_train.flags.writeable = X_test.flags.writeable = False  # PairMLP finds the pairs once
    return X_train, c[train], X_test, c[test]


def model(p, width, seed):
    """2p -> width (square) -> p, mean squared error against one-hot targets, Glorot initialisation."""
    return PairMLP([2 * p, width, p], activation="square", loss="mse", init="glorot", seed=seed)


class PairMLP(MLP):
    """The MLP of the pairs x = [e_a; e_b], whose first layer reads two columns of W_1:

        z_1 = W_1 x + b_1 = W_1[:, a] + W_1[:, p + b] + b_1

    The same bits as the matrix product, in any order of its sum: the other 2p - 2 terms are exact
    zeros, and the two that are not are added once, rounded once. An input that is not such a pair,
    or weights that are not finite (where 0 x inf is NaN), take the matrix product. The columns of a
    read-only X (`modular_addition`'s) are found once and remembered while it lives.

    `forward` answers from the last backward pass when X (read-only) and the weights are those it ran on: `fit`
    takes the gradient on the training pairs after every step, and the recorder then asks for the
    outputs on the same pairs at the same weights (the same bits, from one pass instead of two).

    On the numba backend `loss_and_grad` is one pass of MLP's backprop written out for this network
    (`compiled_loss_and_grad`: the same matrix products, the same bits), and the accuracy on pairs
    not trained on comes from a product in single precision whenever that decides every row
    (`count_correct_single`: the count np.argmax of `forward`'s outputs gives, on every CPU)."""

    def backprop(self, X, Y):
        per_example, O, blocks = super().backprop(X, Y)
        self.remember_pass(X, O)
        return per_example, O, blocks

    def remember_pass(self, X, O):
        """Keep the outputs O of a pass over a read-only X at the current weights, for `forward`."""
        if isinstance(X, np.ndarray) and not X.flags.writeable and X.flags.owndata:
            self.last_pass = (X, self.params.copy(), O)  # X's numbers cannot change

    def remembers(self, X):
        """Whether `forward` answers for X from the last backward pass."""
        known, params, _ = self.__dict__.get("last_pass", (None, None, None))
        return known is X and np.array_equal(params, self.params)

    def forward(self, X):
        if self.remembers(X):
            return self.last_pass[2].copy()
        X = self.check_X(X)
        hidden = self.hidden_in_one_pass(X, keep_z=False)  # a_1 alone: no backward pass follows
        if hidden is None:
            return super().forward(X)
        z_2 = self.dense(2, hidden[1])  # z_2 = a_1 W_2^T + b_2
        return losses.output_activation(self.output, z_2)

    def layers_forward(self, X):
        """MLP's forward pass; the hidden layer in one pass of kernels.grokking when it applies
        (`hidden_in_one_pass`), with the bits of `dense` and the square."""
        hidden = self.hidden_in_one_pass(X)
        if hidden is None:
            return super().layers_forward(X)
        z_1, a_1 = hidden
        z_2 = self.dense(2, a_1)  # z_2 = a_1 W_2^T + b_2, the output (a_2 = z_2)
        return [None, z_1, z_2], [X, a_1, z_2], [None, None, None]

    def hidden_in_one_pass(self, X, keep_z=True, dtype=np.float64):
        """(z_1, a_1 = z_1^2) from kernels.grokking for pairs X under the numba backend, in a
        network 2p -> width (square) -> outputs without normalisation; None otherwise. With
        keep_z=False z_1 is not written (None)."""
        if self.L != 2 or self.normalise is not None or self.activation_of(1) != "square":
            return None
        kernels = numba_backend()
        pairs = None if kernels is None else self.pairs_of(X)
        if pairs is None or not np.all(np.isfinite(self.W[1])):
            return None
        a, b = pairs
        embedding = self.W[1].T.copy()  # row i: the vector of input i, W_1[:, i]   (2p, width)
        a_1 = np.empty((a.size, self.sizes[1]), dtype=dtype)
        z_1 = np.empty_like(a_1) if keep_z else None
        kernels.square_pairs_into(embedding, self.b[1], a, b, z_1, a_1)
        return z_1, a_1

    def count_correct(self, X, c):
        """How many rows n of X have c[n] as np.argmax of the outputs `forward` gives (the first
        largest): from the last backward pass when it `remembers` X, else from
        `count_correct_single` when it can tell, else from `forward`; counted by kernels.grokking
        on the numba backend."""
        if self.remembers(X):
            O = self.last_pass[2]
        else:
            correct = self.count_correct_single(X, c)
            if correct is not None:
                return correct
            O = self.forward(X)
        kernels = numba_backend()
        if kernels is None:
            return int(np.count_nonzero(np.argmax(O, axis=1) == c))
        return kernels.count_correct(O, c)

    def count_correct_single(self, X, c):
        """How many rows n of the pairs X have c[n] as np.argmax of the outputs `forward` gives,
        from a product in single precision, or None when that cannot tell for every row.

        o_nj = a_n W_2[j]^T + b_2[j], whatever the order of its sum (BLAS's among them), is within
        g_K S of the sum of the products of a_n and W_2[j] rounded to single precision, in any
        order: S = sum_u a_nu |W_2[j, u]| <= sum_u a_nu m_u, m_u = max_j |W_2[j, u]| (a_1 = z_1^2
        >= 0), and g_K = gamma_K (1 + u)^2 + 2u + u^2 with gamma_K = K u / (1 - K u), u = 2^-24, K
        hidden units (Higham, Accuracy and Stability, 3.1). One single-precision product of a_1
        with [W_2^T, m] (K, k + 1) gives the outputs and the bound S_n; kernels.grokking's
        count_correct_within then decides each row with the tolerance 1.3 g_K, which also covers
        the double-precision sums, the roundings of S and of m, and underflow (1e-20)."""
        K, u = self.sizes[1], 2.0**-24  # hidden units; single precision's unit roundoff
        if self.output != "identity" or K * u > 0.01:
            return None
        hidden = self.hidden_in_one_pass(X, keep_z=False, dtype=np.float32)
        if hidden is None:
            return None
        W_2 = self.W[2]
        bounded = np.empty((K, self.n_out + 1), dtype=np.float32)  # [W_2^T, m] in single
        bounded[:, :-1] = W_2.T
        bounded[:, -1] = np.max(np.abs(W_2), axis=0)  # m_u = max_j |W_2[j, u]|; NaN stays NaN
        if not bounded[:, -1].max() <= 1e10:  # underflow's error stays below 1e-20; not NaN
            return None
        gamma = K * u / (1 - K * u)
        tolerance = 1.3 * (gamma * (1 + u) ** 2 + 2 * u + u * u)  # 1.3 g_K
        outputs = hidden[1] @ bounded  # [a_1 W_2^T, S]   (N, k + 1)
        correct = numba_backend().count_correct_within(outputs, self.b[2], c, tolerance)
        return None if correct < 0 else correct

    def loss_and_grad(self, X, Y):
        """Network's (L, dL/dw); for pairs under the numba backend `compiled_loss_and_grad`'s."""
        X, Y = self.check_XY(X, Y)
        hidden = self.hidden_in_one_pass(X) if self.compiled_backward_applies(X) else None
        if hidden is None:
            return super().loss_and_grad(X, Y)
        return self.compiled_loss_and_grad(X, Y, *hidden)

    def compiled_backward_applies(self, X):
        """Whether `compiled_loss_and_grad` gives MLP's bits: at least one example, the squared error
        at an identity output, and at least two hidden units and two outputs (NumPy adds the rows
        of a single column pairwise, kernels.grokking in order)."""
        identity_mse = self.loss_name == "mse" and self.output == "identity"
        return identity_mse and X.shape[0] >= 1 and min(self.sizes[1], self.n_out) >= 2

    def compiled_loss_and_grad(self, X, Y, z_1, a_1):
        """(L, dL/dw) for the pairs X from their hidden layer (z_1, a_1 = z_1^2): MLP's backprop
        (module minnet.mlp) with the bits of its NumPy code, the same four matrix products, and the
        squared error, the square's derivative and the sums over the examples in kernels.grokking.
        Each block's gradient is written into its place in dL/dw."""
        kernels, N = numba_backend(), X.shape[0]
        z_2 = self.dense(2, a_1)  # z_2 = a_1 W_2^T + b_2 = O   (N, k)
        grad = np.empty(self.n_params)
        (dW_1, db_1), (dW_2, db_2) = self.gradient_blocks(grad)
        delta_2 = np.empty_like(z_2)
        # delta_2 = dl_n/dz_2, sum_n l_n, sum_n delta_2 (into db_2)
        total = kernels.squared_error_into(z_2, Y, delta_2, db_2)
        np.divide(delta_2.T @ a_1, N, out=dW_2)  # dW_2 = delta_2^T a_1 / N   (k, width)
        db_2 /= N  # db_2 = sum_n delta_2 / N
        delta_1 = delta_2 @ self.W[2]  # delta_2 W_2   (N, width)
        kernels.times_square_derivative_into(delta_1, z_1, db_1)  # delta_1 = (delta_2 W_2) * 2 z_1
        np.divide(delta_1.T @ X, N, out=dW_1)  # dW_1 = delta_1^T X / N   (width, 2p)
        db_1 /= N  # db_1 = sum_n delta_1 / N
        self.remember_pass(X, z_2)
        return total / N, grad  # L = (1/N) sum_n l_n

    def gradient_blocks(self, grad):
        """[(dW_l, db_l)] for l = 1, 2: views into grad, laid out as params."""
        blocks = []
        for l in (1, 2):
            bias = self.offsets[l] - self.sizes[l]  # where b_l starts, after W_l
            dW = grad[self.offsets[l - 1] : bias].reshape(self.W[l].shape)  # (n_l, n_{l-1})
            blocks.append((dW, grad[bias : self.offsets[l]]))
        return blocks

    def dense(self, l, a_below):
        pairs = self.pairs_of(a_below) if l == 1 else None
        if pairs is None or not np.all(np.isfinite(self.W[1])):
            return super().dense(l, a_below)
        a, b = pairs
        embedding = self.W[1].T.copy()  # row i: the vector of input i, W_1[:, i]   (2p, width)
        z_1 = embedding[a]  # W_1[:, a]
        z_1 += embedding[b]  # + W_1[:, p + b]
        z_1 += self.b[1]  # + b_1
        return z_1

    def check_X(self, X):
        """X checked as every network checks it; a remembered read-only X of pairs (`pairs_of`) is
        checked already: its rows are [e_a; e_b], finite, and cannot change."""
        for known, pairs in self.__dict__.get("remembered", ()):
            if known is X and pairs is not None and X.dtype == np.float64 and X.shape[1] == self.n_in:
                return X
        return super().check_X(X)

    def pairs_of(self, X):
        """one_hot_pairs(X), remembered for the last few read-only X that own their numbers."""
        remembered = self.__dict__.setdefault("remembered", [])
        for known, pairs in remembered:
            if known is X:
                return pairs
        pairs = one_hot_pairs(X)
        if not X.flags.writeable and X.flags.owndata:  # nothing can change its numbers
            remembered[:] = [*remembered[-3:], (X, pairs)]
        return pairs


def numba_backend():
    """kernels.grokking on the numba backend (minnet.tools.backend), else None."""
    return kernels_for(os.getenv("MINNET_BACKEND"))


@functools.cache
def kernels_for(environment):
    """numba_backend() while $MINNET_BACKEND is `environment`: asked every step, and resolve asks
    importlib each time whether numba is installed."""
    if resolve() != "numba":
        return None
    from kernels import grokking

    return grokking


def one_hot_pairs(X):
    """(a, p + b) (each (N,) int) for rows [e_a; e_b] of X (N, 2p): the columns of each row's two
    ones; None when any row is anything else."""
    N, p = X.shape[0], X.shape[1] // 2
    if X.shape[1] != 2 * p or np.count_nonzero(X) != 2 * N:
        return None
    numbers = np.arange(p, dtype=np.float64)
    a = np.clip(X[:, :p] @ numbers, 0, p - 1).astype(np.int64)  # exact for a one-hot half
    b = p + np.clip(X[:, p:] @ numbers, 0, p - 1).astype(np.int64)
    rows = np.arange(N)
    # two ones in every row, at a and p + b, and 2N non-zeros in all: nothing else
    return (a, b) if np.all(X[rows, a] == 1.0) and np.all(X[rows, b] == 1.0) else None


def n_params(p, width):
    """The network's weights and biases: (2p + 1) width into the hidden layer, (width + 1) p out of it."""
    return (2 * p + 1) * width + (width + 1) * p


def run_bytes(p, width, steps):
    """About the most memory one run holds: fit keeps every step's gradient (steps x n_params numbers),
    and a forward and backward pass over the p^2 pairs some four (p^2, width) arrays (measured: within 1.5x)."""
    return 8 * (n_params(p, width) * (steps + 8) + 4 * p * p * width)


def optimizer(net, lr, weight_decay):
    """Full-batch AdamW with Power et al.'s beta2 0.98 and the weight decay scaled by lr (PyTorch's convention)."""
    return AdamW(net.params, lr=lr, beta2=GROMOV["beta2"], weight_decay=weight_decay, decay="scaled")


def accuracy(net, X, c):
    """The fraction of rows whose largest output is the right class (`PairMLP.count_correct`)."""
    return net.count_correct(X, c) / len(c)  # np.mean's count / N


def single_frequency(net, p):
    """How much of each hidden unit's embedding is one frequency, averaged over the units and over a and b.

    For unit u, P_u(k) = |sum_a W_1[u, a] e^(-2 pi i k a / p)|^2 for k = 1 .. (p-1)/2 (the constant
    k = 0 carries nothing the output can use); the unit's share is max_k P_u(k) / sum_k P_u(k).
    Gromov's solution gives 1; a random embedding about 0.2 for p = 31."""
    shares = []
    # exercise one_frequency_share: each hidden unit's share of its largest frequency (document 004, grokking)
    for columns in (slice(0, p), slice(p, 2 * p)):  # the a half and the b half of W_1
        E = net.W[1][:, columns]
        power = np.abs(np.fft.rfft(E, axis=1)[:, 1:]) ** 2  # P_u(k), k = 1 .. (p-1)/2
        shares.append(power.max(axis=1) / power.sum(axis=1))
    # end exercise
    return float(np.mean(shares))


def spectrum(net, p):
    """Each hidden unit's power at k = 1 .. (p-1)/2 in its a-embedding, normalised to sum 1: (width, (p-1)/2);
    nan for the units of a diverged run (weights inf or nan)."""
    with np.errstate(all="ignore"):
        power = np.abs(np.fft.rfft(net.W[1][:, :p], axis=1)[:, 1:]) ** 2
        return power / power.sum(axis=1, keepdims=True)


class Grokking(Recorder):
    """Before training and after every step: train and test accuracy, the weight norm |w|, and every
    `every` steps the single-frequency share of the embedding."""

    def __init__(self, p, train, test, every=50):
        self.p, self.train, self.test, self.every = p, train, test, every

    def start(self, net):
        self.rows, self.fourier = [], []
        self.after_epoch(net, -1)

    def after_epoch(self, net, epoch):
        step = epoch + 1
        self.rows.append([accuracy(net, *self.train), accuracy(net, *self.test), np.linalg.norm(net.params)])
        if step % self.every == 0:
            self.fourier.append([step, single_frequency(net, self.p)])

    def result(self):
        rows = np.array(self.rows)
        return {"train_accuracy": rows[:, 0], "test_accuracy": rows[:, 1], "weight_norm": rows[:, 2],
                "fourier": np.array(self.fourier)}  # fmt: skip


def first_step_reaching(accuracy_curve, level):
    """The first step whose accuracy is at least `level`, or nan when none is."""
    reached = np.flatnonzero(np.asarray(accuracy_curve) >= level)
    return float(reached[0]) if reached.size else float("nan")


def train_task(config):
    """A sweep task: one run. config: p, fraction, width, lr, weight_decay, steps, seed (data split and
    initialisation). Returns the recorder's curves, the final loss and the final embedding's spectrum."""
    p = config["p"]
    X, c, X_test, c_test = modular_addition(p, config["fraction"], config["seed"])
    net = model(p, config["width"], config["seed"])
    recorder = Grokking(p, (X, c), (X_test, c_test))
    adamw = optimizer(net, config["lr"], config["weight_decay"])
    # no gradient norms read: gradient_stats=False
    history = fit(net, X, np.eye(p)[c], adamw, config["steps"], recorders=[recorder], gradient_stats=False)
    curves = ("train_accuracy", "test_accuracy", "weight_norm", "fourier", "train_loss")
    return {**{key: history[key] for key in curves}, "spectrum": spectrum(net, p)}
