"""The checks of what a student passes to minnet, in one place, so that the framework files open
on their math.

Each check returns the value as minnet uses it (a float64 array, a list of ints, a float) or
raises an error whose message names the value received: a ValueError, or a TypeError for a value
of the wrong kind (a string where a number belongs). Who calls them:

    networks    check_finite_2d, checked_targets   X and Y of every network method (network.py)
                checked_two_layer                  TwoLayerNet's arguments (two_layer.py)
                checked_sizes, checked_hidden_activations, check_loss, checked_init
                                                   the MLP's arguments (mlp.py)
    optimizers  check_in_range                     lr, momentum, beta1, beta2, eps, weight_decay
    training    check_fit_args, checked_indices    fit's arguments, Trainable's indices (train.py)
"""

import numpy as np

from minnet import losses
from minnet.activations import check_activation


# ----- networks -----------------------------------------------------------------------------------
def check_finite_2d(name, M, n_cols):
    """Return M as a float64 (N, n_cols) array with N >= 1, or raise a ValueError (TypeError for a
    non-numeric array: complex, strings, dates, objects) naming the problem."""
    M = np.asarray(M)
    if M.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got an array of dtype {M.dtype}")
    M = M.astype(np.float64, copy=False)
    if M.ndim != 2 or M.shape[1] != n_cols:
        raise ValueError(f"{name} must have shape (N, {n_cols}), got {M.shape}")
    if M.shape[0] == 0:
        raise ValueError(
            f"{name} has no rows: shape {M.shape}; a loss is a mean over at least one example"
        )
    # a finite sum proves every entry finite, in one vectorised pass; finite entries near the
    # float64 limit may sum to inf: then each entry is checked
    with np.errstate(over="ignore"):
        finite_sum = np.isfinite(np.sum(M))
    if not finite_sum and not np.all(np.isfinite(M)):
        raise ValueError(f"{name} contains NaN or inf ({int(np.sum(~np.isfinite(M)))} entries)")
    return M


def checked_targets(Y, N, n_out, loss):
    """Targets as (N, n_out) float64; for cross-entropy, class labels (N,) become one-hot rows."""
    Y = np.asarray(Y)
    if loss == "cross_entropy" and Y.ndim == 1:
        Y = losses.one_hot(Y, n_out)
    Y = check_finite_2d("Y", Y, n_out)
    if Y.shape[0] != N:
        raise ValueError(f"X has {N} rows but Y has {Y.shape[0]}")
    return Y


def checked_two_layer(h, n_in, n_out, loss, init_scale):
    """TwoLayerNet's arguments: h >= 2 (with the bias unit), positive sizes, a linear loss."""
    if int(h) != h or h < 2:
        raise ValueError(f"h counts the hidden bias unit and must be an integer >= 2, got {h!r}")
    for name, value in (("n_in", n_in), ("n_out", n_out)):
        if int(value) != value or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if loss not in ("half_mse", "mse"):
        check_loss(loss, "identity")
        raise ValueError(
            f"TwoLayerNet has a linear output: loss must be 'half_mse' or 'mse', got {loss!r}"
        )
    if not np.isfinite(init_scale):
        raise ValueError(f"init_scale must be finite, got {init_scale!r}")


def checked_sizes(sizes):
    """[n_0, ..., n_L] as ints: at least two positive whole widths, or a ValueError naming them."""
    if any(
        isinstance(n, bool)
        or not isinstance(n, (int, np.integer, float, np.floating))
        or int(n) != n
        for n in sizes
    ):
        raise ValueError(f"sizes must be whole numbers, got {list(sizes)}")
    sizes = [int(n) for n in sizes]
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"sizes must list at least 2 positive widths, got {sizes}")
    return sizes


def checked_hidden_activations(activation, L):
    """The L - 1 hidden activations: one name for all hidden layers, or one per hidden layer."""
    hidden = [activation] * (L - 1) if isinstance(activation, str) else list(activation)
    if len(hidden) != L - 1:
        raise ValueError(
            f"{L - 1} hidden layers need {L - 1} activations, got {len(hidden)}: {hidden}"
        )
    for name in hidden:
        check_activation(name)
    return hidden


def check_loss(loss, output):
    """Validate a (loss, output activation) pair, naming what was received."""
    if loss not in losses.LOSSES:
        raise ValueError(f"unknown loss {loss!r}; expected one of {losses.LOSSES}")
    if output not in losses.OUTPUTS:
        raise ValueError(f"unknown output activation {output!r}; expected one of {losses.OUTPUTS}")
    if loss == "cross_entropy" and output != "softmax":
        raise ValueError(f"loss 'cross_entropy' needs output='softmax', got output={output!r}")


def checked_init(init, init_std, inits):
    """An initialisation among `inits` and a finite init_std >= 0, or a ValueError naming them."""
    if init not in inits:
        raise ValueError(f"unknown init {init!r}; expected one of {inits}")
    if not (np.isfinite(init_std) and init_std >= 0):
        raise ValueError(f"init_std must be finite and >= 0, got {init_std!r}")


# ----- optimizers ---------------------------------------------------------------------------------
def check_in_range(name, value, low, high, *, low_open=False, high_open=True):
    """`value` as a float if low <=(<) value <(<=) high, else a ValueError naming it.

    A TypeError unless it is a real number."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    ok = (
        np.isfinite(value)
        and (value > low if low_open else value >= low)
        and (value < high if high_open else value <= high)
    )
    if not ok:
        left, right = "(" if low_open else "[", ")" if high_open else "]"
        raise ValueError(f"{name} must lie in {left}{low}, {high}{right}, got {value!r}")
    return float(value)


# ----- training -----------------------------------------------------------------------------------
REDUCTIONS = ("mean", "sum")  # fit's reduction: each step descends the batch's mean loss or its sum


def is_whole(value):
    """An int (Python or NumPy), not a bool or a float that happens to be whole."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def check_fit_args(net, optimizer, X, epochs, batch_size, reduction):
    """fit's arguments besides X, Y: the optimizer on net.params itself, whole epochs and batch."""
    if optimizer.params is not net.params:
        raise ValueError(
            "optimizer must be built on net.params (the very array), e.g. Adam(net.params)"
        )
    if not is_whole(epochs) or epochs < 0:
        raise ValueError(f"epochs must be a non-negative integer, got {epochs!r}")
    if batch_size is not None and (not is_whole(batch_size) or not 1 <= batch_size <= X.shape[0]):
        raise ValueError(
            f"batch_size must be None or an integer in [1, {X.shape[0]}], got {batch_size!r}"
        )
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")


def checked_indices(indices, n_params):
    """Trainable's parameter indices as int64: a non-empty 1-D list of integers in [0, n_params)."""
    given = np.asarray(indices)
    if given.dtype.kind not in "iu":
        raise ValueError(f"indices must list integer parameter indices, got {given.tolist()!r}")
    if given.ndim != 1 or given.size == 0 or given.min() < 0 or given.max() >= n_params:
        raise ValueError(
            f"indices must list parameter indices in [0, {n_params}), got {given.tolist()}"
        )
    return given.astype(np.int64)
