"""SGD, RMSprop, Adam and AdamW, as document 002 (section 4) writes them.

Each optimizer is built on the parameter vector it updates and changes it in
place: ``opt = Adam(net.params, lr=0.01); opt.step(grad)``. With g the
gradient of the loss at w, and t counting steps from 1:

    SGD       w := w - alpha g                                              (3)
    RMSprop   v := beta2 v + (1 - beta2) g^2                                (4)
              w := w - alpha g / sqrt(v + eps)                              (5)
    Adam      m := beta1 m + (1 - beta1) g                                  (6)
              v := beta2 v + (1 - beta2) g^2                                (4)
              m_hat = m / (1 - beta1^t),  v_hat = v / (1 - beta2^t)         (7)
              w := w - alpha m_hat / (sqrt(v_hat) + eps)                    (8)
    AdamW     w := w - lambda w, then the Adam step                         (4.4)

GroupSGD adds what Li & Arora's exponential learning rate needs: parameter groups with their own
learning rate, weight decay and per-step schedule, and momentum with coupled weight decay
(u := gamma u + g + lambda w; w := w - eta_t u).

Two common library conventions differ from the document and are offered
behind named options: RMSprop with eps outside the square root
(``eps_inside_sqrt=False``: w := w - alpha g / (sqrt(v) + eps), as PyTorch), and AdamW
with decay scaled by the learning rate (``decay="scaled"``: w := w - alpha lambda w,
as PyTorch and Loshchilov & Hutter). Adam's bias correction is applied to m and v
explicitly, not folded into the learning rate.
"""

import numpy as np

from minnet.checks import check_in_range


class Optimizer:
    """Holds the parameter vector, the step count t and the state arrays named in `state_names`."""

    state_names = ()

    def __init__(self, params, lr):
        if not isinstance(params, np.ndarray) or params.dtype != np.float64 or params.ndim != 1:
            raise ValueError(
                f"params must be a 1-D float64 array updated in place, got {type(params).__name__}"
            )
        self.params = params
        self.lr = check_in_range("lr", lr, 0.0, np.inf, low_open=True)
        self.t = 0
        for name in self.state_names:
            setattr(self, name, np.zeros_like(params))

    def step(self, grad):
        """Update `params` in place with the gradient `grad` (same shape); return the update."""
        grad = np.asarray(grad, dtype=np.float64)
        if grad.shape != self.params.shape:
            raise ValueError(f"grad must have shape {self.params.shape}, got {grad.shape}")
        self.t += 1
        update = self.params.copy()  # w before the step
        self._update(grad)
        return np.subtract(self.params, update, out=update)  # w after - w before

    def _update(self, grad):
        raise NotImplementedError

    def preconditioner(self):
        """p (P,): the step divides the gradient (or momentum) by diag(p): w := w - alpha P^-1 g.

        Plain and momentum SGD: p = 1. The preconditioned sharpness (minnet.hessian) is the
        top eigenvalue of P^-1 H."""
        return np.ones_like(self.params)

    def state_dict(self):
        """The step count and copies of the state arrays, to resume a run."""
        return {"t": self.t, **{name: getattr(self, name).copy() for name in self.state_names}}

    def load_state_dict(self, state):
        t = state["t"]
        if isinstance(t, bool) or not isinstance(t, (int, np.integer)) or t < 0:
            raise ValueError(f"state 't' (the step count) must be an integer >= 0, got {t!r}")
        self.t = int(t)
        for name in self.state_names:
            value = np.asarray(state[name], dtype=np.float64)
            if value.shape != self.params.shape:
                raise ValueError(
                    f"state {name!r} must have shape {self.params.shape}, got {value.shape}"
                )
            getattr(self, name)[:] = value


class SGD(Optimizer):
    """Stochastic gradient descent, document 002 equation (3): w := w - alpha g.

    Parameters
    ----------
    params : ndarray (P,), float64, updated in place
    lr : float > 0, default 0.1
    momentum : float in [0, 1), default 0
        Heavy-ball momentum (not in the document): u := momentum u + g; w := w - alpha u.
        With 0, exactly equation (3).
    """

    state_names = ("velocity",)

    def __init__(self, params, lr=0.1, momentum=0.0):
        super().__init__(params, lr)
        self.momentum = check_in_range("momentum", momentum, 0.0, 1.0)

    def _update(self, grad):
        # exercise sgd_momentum: SGD with momentum (document 002, equation 3)
        self.velocity *= self.momentum
        self.velocity += grad  # u := momentum u + g
        self.params -= self.lr * self.velocity  # w := w - alpha u
        # end exercise


class RMSprop(Optimizer):
    """RMSprop, document 002 equations (4) and (5).

    Parameters
    ----------
    params : ndarray (P,), float64, updated in place
    lr : float > 0, default 0.1
    beta2 : float in [0, 1), default 0.99
    eps : float > 0, default 1e-8
        (0 would divide 0 by 0 wherever a gradient entry has been 0 from the start)
    eps_inside_sqrt : bool, default True
        True (the document): w := w - alpha g / sqrt(v + eps), with the freshly updated v.
        False (PyTorch's convention): w := w - alpha g / (sqrt(v) + eps).
    """

    state_names = ("v",)

    def __init__(self, params, lr=0.1, beta2=0.99, eps=1e-8, eps_inside_sqrt=True):
        super().__init__(params, lr)
        self.beta2 = check_in_range("beta2", beta2, 0.0, 1.0)
        self.eps = check_in_range("eps", eps, 0.0, np.inf, low_open=True)
        self.eps_inside_sqrt = bool(eps_inside_sqrt)

    def _update(self, grad):
        # exercise rmsprop: RMSprop (document 002, equations 4 and 5)
        self.v *= self.beta2
        self.v += (1.0 - self.beta2) * grad**2  # v := beta2 v + (1 - beta2) g^2          (4)
        if self.eps_inside_sqrt:  # the document: w := w - alpha g / sqrt(v + eps)          (5)
            self.params -= self.lr * grad / np.sqrt(self.v + self.eps)
        else:  # PyTorch's: w := w - alpha g / (sqrt(v) + eps)
            self.params -= self.lr * grad / (np.sqrt(self.v) + self.eps)
        # end exercise

    def preconditioner(self):
        """The step's divisor p = sqrt(v + eps) (the document), or sqrt(v) + eps (PyTorch's)."""
        return np.sqrt(self.v + self.eps) if self.eps_inside_sqrt else np.sqrt(self.v) + self.eps


class Adam(Optimizer):
    """Adam, document 002 equations (6)-(8), with bias correction and t counting from 1.

    Parameters
    ----------
    params : ndarray (P,), float64, updated in place
    lr : float > 0, default 0.1
    beta1 : float in [0, 1), default 0.9
    beta2 : float in [0, 1), default 0.999
    eps : float > 0, default 1e-8
        (0 would divide 0 by 0 where a gradient entry has been 0 from the start)
    """

    state_names = ("m", "v")

    def __init__(self, params, lr=0.1, beta1=0.9, beta2=0.999, eps=1e-8):
        super().__init__(params, lr)
        self.beta1 = check_in_range("beta1", beta1, 0.0, 1.0)
        self.beta2 = check_in_range("beta2", beta2, 0.0, 1.0)
        self.eps = check_in_range("eps", eps, 0.0, np.inf, low_open=True)

    def _update(self, grad):
        # exercise adam: Adam with bias correction (document 002, equations 6-8)
        self.m *= self.beta1
        self.m += (1.0 - self.beta1) * grad  # m := beta1 m + (1 - beta1) g               (6)
        self.v *= self.beta2
        self.v += (1.0 - self.beta2) * grad**2  # v := beta2 v + (1 - beta2) g^2          (4)
        m_hat = self.m / (1.0 - self.beta1**self.t)  # m_hat = m / (1 - beta1^t)         (7)
        v_hat = self.v / (1.0 - self.beta2**self.t)  # v_hat = v / (1 - beta2^t)         (7)
        # w := w - alpha m_hat / (sqrt(v_hat) + eps)                                     (8)
        self.params -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
        # end exercise

    def preconditioner(self):
        """The step's divisor p = sqrt(v_hat) + eps (8); NaN (undefined) before the first step."""
        if self.t == 0:
            return np.full_like(self.params, np.nan)
        return np.sqrt(self.v / (1.0 - self.beta2**self.t)) + self.eps  # v_hat as in (7)


class AdamW(Adam):
    """AdamW, document 002 section 4.4: the decay step w := w - lambda w, then the Adam step.

    Parameters
    ----------
    params, lr, beta1, beta2, eps : as Adam
    weight_decay : float >= 0, default 1e-2
        lambda in the document.
    decay : {"document", "scaled"}, default "document"
        "document": w := w - lambda w (the decay is not scaled by the learning rate).
        "scaled": w := w - alpha lambda w, the convention of PyTorch's AdamW and of
        Loshchilov & Hutter's decoupled weight decay with a schedule multiplier of 1.
    """

    def __init__(
        self, params, lr=0.1, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2, decay="document"
    ):
        super().__init__(params, lr, beta1, beta2, eps)
        self.weight_decay = check_in_range("weight_decay", weight_decay, 0.0, np.inf)
        if decay not in ("document", "scaled"):
            raise ValueError(f"decay must be 'document' or 'scaled', got {decay!r}")
        self.decay = decay

    def _update(self, grad):
        # exercise adamw_decay: AdamW: the decay, then the Adam step (document 002, section 4.4)
        rate = self.weight_decay if self.decay == "document" else self.lr * self.weight_decay
        self.params -= rate * self.params  # w := w - lambda w   (or alpha lambda w)
        # then the Adam step (not super(): the exercise's function stands outside the class)
        Adam._update(self, grad)
        # end exercise


OPTIMIZERS = {"sgd": SGD, "rmsprop": RMSprop, "adam": Adam, "adamw": AdamW}


# ----- parameter groups, coupled weight decay, schedules (Li & Arora 2020) -----------------------
def exponential(rate):
    """The schedule t -> rate^t: the learning rate multiplied by `rate` (> 0) at every step."""
    rate = check_in_range("rate", rate, 0.0, np.inf, low_open=True)
    return lambda t: rate**t


def step_decay(milestones, factor):
    """The schedule t -> factor^k, k the number of `milestones` (steps) at or before step t."""
    factor = check_in_range("factor", factor, 0.0, np.inf, low_open=True)
    milestones = np.sort(np.asarray(milestones, dtype=np.int64))
    return lambda t: factor ** int(np.searchsorted(milestones, t, side="right"))


class GroupSGD(Optimizer):
    """SGD with momentum and coupled weight decay, each parameter group with its own learning rate,
    weight decay and per-step schedule; Li & Arora (ICLR 2020), "An Exponential Learning Rate
    Schedule for Deep Learning", section 2, with the decay inside the gradient:

        u := gamma u + g + lambda_k w           (the gradient of L + (lambda_k / 2) |w|^2)
        w := w - eta_k(t) u,   eta_k(t) = lr_k * schedule_k(t)

    on the entries of group k, t = 0, 1, ... counting the steps taken before this one. With one
    group, no weight decay and no schedule, exactly SGD(momentum=gamma).

    Parameters
    ----------
    params : ndarray (P,), float64, updated in place
    lr, weight_decay, schedule : the defaults of every entry in no group
        lr > 0 (default 0.1); weight_decay >= 0 (default 0); schedule: a function of the step t
        whose value multiplies lr (default: none, constant lr), e.g. `exponential`, `step_decay`.
    momentum : float in [0, 1), default 0
        gamma, shared by all groups.
    groups : sequence of dict
        {"index": entries of params, and any of "lr", "weight_decay", "schedule"}; disjoint.
    """

    state_names = ("velocity",)

    def __init__(self, params, lr=0.1, momentum=0.0, weight_decay=0.0, schedule=None, groups=()):
        super().__init__(params, lr)
        self.momentum = check_in_range("momentum", momentum, 0.0, 1.0)
        default = {"lr": self.lr, "weight_decay": weight_decay, "schedule": schedule}
        taken = np.zeros(params.size, dtype=bool)
        self.groups = []
        for k, group in enumerate(groups):
            index = checked_group(k, group, params.size)
            if np.any(taken[index]):
                raise ValueError(f"groups[{k}] shares entries with an earlier group")
            taken[index] = True
            self.groups.append(checked_settings(f"groups[{k}]", index, {**default, **group}))
        rest = np.flatnonzero(~taken)
        if rest.size:
            self.groups.append(checked_settings("the default group", rest, default))
        self.entries = [as_slice(group["index"]) for group in self.groups]  # what _update indexes

    def learning_rates(self, t=None):
        """[eta_k(t)] per group (the defaults' group last), at step t (default: the next step)."""
        t = self.t if t is None else t
        return [g["lr"] * (1.0 if g["schedule"] is None else g["schedule"](t)) for g in self.groups]

    def _update(self, grad):
        for group, i, eta in zip(self.groups, self.entries, self.learning_rates(self.t - 1)):
            if not (np.isfinite(eta) and eta > 0):
                raise ValueError(f"the schedule gave a learning rate {eta!r} at step {self.t - 1}")
            w = self.params
            # u := gamma u + g + lambda_k w
            self.velocity[i] = (
                self.momentum * self.velocity[i] + grad[i] + group["weight_decay"] * w[i]
            )
            w[i] -= eta * self.velocity[i]  # w := w - eta_k(t) u


def as_slice(index):
    """A group's entries as the slice they fill when they are consecutive and ascending (its
    arrays indexed as views, not gathered and scattered: the same numbers), else as they are."""
    if index[-1] - index[0] + 1 == index.size and np.all(np.diff(index) == 1):
        return slice(int(index[0]), int(index[-1]) + 1)
    return index


def checked_group(k, group, P):
    """groups[k]'s index as a 1-D array of distinct integers in [0, P), or a ValueError."""
    if not isinstance(group, dict) or "index" not in group:
        raise ValueError(f"groups[{k}] must be a dict with an 'index', got {group!r}")
    unknown = set(group) - {"index", "lr", "weight_decay", "schedule"}
    if unknown:
        raise ValueError(f"groups[{k}] has unknown keys {sorted(unknown)}")
    index = np.asarray(group["index"])
    if index.ndim != 1 or index.dtype.kind not in "iu" or index.size == 0:
        raise ValueError(f"groups[{k}]['index'] must be a non-empty 1-D integer array")
    if index.min() < 0 or index.max() >= P or np.unique(index).size != index.size:
        raise ValueError(f"groups[{k}]['index'] must hold distinct entries in [0, {P})")
    return index


def checked_settings(name, index, settings):
    """A group's index, lr, weight_decay and schedule, checked."""
    schedule = settings["schedule"]
    if schedule is not None and not callable(schedule):
        raise ValueError(f"{name}: schedule must be a function of the step, got {schedule!r}")
    return {
        "index": index,
        "lr": check_in_range(f"{name}: lr", settings["lr"], 0.0, np.inf, low_open=True),
        "weight_decay": check_in_range(
            f"{name}: weight_decay", settings["weight_decay"], 0, np.inf
        ),
        "schedule": schedule,
    }
