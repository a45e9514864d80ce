"""Activation functions and their derivatives.

Each activation s maps a pre-activation z to a = s(z). Backpropagation needs
s'(z); for most activations it is cheapest written with the output a as well:

    sigmoid   a = 1 / (1 + e^-z)          s'(z) = a (1 - a)
    tanh      a = tanh z                  s'(z) = 1 - a^2 = 1 / cosh^2 z
    relu      a = max(0, z)               s'(z) = 1 if z > 0 else 0
    silu      a = z sigmoid(z)            s'(z) = sigmoid(z) (1 + z (1 - sigmoid(z)))
    square    a = z^2                     s'(z) = 2z      (Gromov 2023's grokking MLP)
    identity  a = z                       s'(z) = 1

Hessians (minnet.hessian) need the second derivative s''(z) too:

    sigmoid   s''(z) = s'(z) (1 - 2a)
    tanh      s''(z) = -2 a s'(z)
    relu      s''(z) = 0                  (everywhere but the kink)
    silu      s''(z) = sigmoid(z) (1 - sigmoid(z)) (2 + z (1 - 2 sigmoid(z)))
    square    s''(z) = 2
    identity  s''(z) = 0

The derivatives of relu at its kink z = 0 are taken as 0. tanh's s' is computed as 1 / cosh^2 z:
1 - a^2 loses most of its digits when a saturated unit's a is within a few ulp of 1 (one ulp of a
moves 1 - a^2 = 1e-9 by 1e-7 of itself), so two correct tanh implementations would disagree there.

On the numba backend (minnet.tools.backend) sigmoid, silu and silu's s' are each one pass of
kernels.exp.exp_family instead of NumPy's several, with the same bits.
"""

import numpy as np

from minnet.arithmetic import compiled, exp, on_numba  # minnet's e^x: the same bits on every CPU

ACTIVATIONS = ("relu", "sigmoid", "tanh", "silu", "square", "identity")


def sigmoid(z, backend=None):
    """sigma(z) = 1 / (1 + e^-z); e^-z may overflow to inf, giving exactly 0."""
    if on_numba(backend):
        return compiled("SIGMOID", np.asarray(z, dtype=np.float64))  # the same bits, one pass
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + exp(-z, backend))


def silu(z, backend=None):
    """s(z) = z sigma(z)."""
    if on_numba(backend):
        return compiled("SILU", np.asarray(z, dtype=np.float64))  # the same bits, one pass
    return z * sigmoid(z, backend)


def silu_prime(z, backend=None):
    """s'(z) = sigma(z) (1 + z (1 - sigma(z)))."""
    if on_numba(backend):
        return compiled("SILU_PRIME", np.asarray(z, dtype=np.float64))  # the same bits, one pass
    s = sigmoid(z, backend)
    return s * (1.0 + z * (1.0 - s))


def activate(name, z, backend=None):
    """a = s(z) for the activation called `name`. backend: "numba" computes sigmoid and silu
    with kernels.exp.exp_family, "numpy" with the NumPy code here; None: minnet.tools.backend's
    choice. Both give the same bits."""
    if name == "sigmoid":
        return sigmoid(z, backend)
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.maximum(z, 0.0)
    if name == "silu":
        return silu(z, backend)
    if name == "square":
        return z * z
    if name == "identity":
        return z
    raise ValueError(f"unknown activation {name!r}; expected one of {ACTIVATIONS}")


def derivative(name, z, a, backend=None):
    """s'(z), given z and a = s(z); backend as `activate`'s."""
    if name == "sigmoid":
        return a * (1.0 - a)
    if name == "tanh":
        with np.errstate(over="ignore"):
            return 1.0 / np.cosh(z) ** 2  # 1 - tanh^2 z without cancellation; cosh = inf: 0
    if name == "relu":
        return (z > 0.0).astype(z.dtype)
    if name == "silu":
        return silu_prime(z, backend)
    if name == "square":
        return 2.0 * z
    if name == "identity":
        return np.ones_like(z)
    raise ValueError(f"unknown activation {name!r}; expected one of {ACTIVATIONS}")


def second_derivative(name, z, a):
    """s''(z), given z and a = s(z)."""
    if name == "sigmoid":
        return a * (1.0 - a) * (1.0 - 2.0 * a)  # s' (1 - 2a)
    if name == "tanh":
        return -2.0 * a * (1.0 - a * a)  # -2 a s'
    if name in ("relu", "identity"):
        check_activation(name)
        return np.zeros_like(z)
    if name == "silu":
        s = sigmoid(z)
        return s * (1.0 - s) * (2.0 + z * (1.0 - 2.0 * s))
    if name == "square":
        return np.full_like(z, 2.0)
    raise ValueError(f"unknown activation {name!r}; expected one of {ACTIVATIONS}")


def check_activation(name):
    """Raise a ValueError naming `name` unless it is a known activation."""
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; expected one of {ACTIVATIONS}")
    return name
