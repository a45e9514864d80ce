"""Document 004's "Exponential learning rate" row: Li & Arora (ICLR 2020), "An Exponential Learning
Rate Schedule for Deep Learning", on a batch-normalised MLP.

Scale invariance. Every hidden layer of the network is batch-normalised with eps = 0 and no bias or
affine parameters before its activation, so the loss does not change when the hidden layers' weights
w (the scale-invariant group) are multiplied by any c > 0 (minnet.normalisation):

    L(c w, v) = L(w, v),   grad_w L(c w, v) = grad_w L(w, v) / c,   grad_v L(c w, v) = grad_v L(w, v)

where v are the other parameters (the output layer's W_L, b_L).

The equivalence. Run A: SGD with momentum gamma, constant learning rate eta, weight decay lambda on w
(minnet.optim.GroupSGD, the decay coupled into the momentum):

    u_{t+1} = gamma u_t + g(w_t) + lambda w_t,   w_{t+1} = w_t - eta u_{t+1}

Run B: the same without weight decay, with the learning rate of w growing exponentially,

    eta~_t = eta alpha^(-2t-1),   alpha = 1 - eta lambda (gamma = 0), otherwise the larger root of
    x^2 - (1 + gamma - eta lambda) x + gamma = 0,

and v trained alike in both (learning rate eta, no decay). Then w~_t = alpha^(-t) w_t and v~_t = v_t
at every step t, so both runs compute the same function. Proof: put w~_t = alpha^(-t) w_t into A's
step written as w_{t+1} = (1 + gamma - eta lambda) w_t - gamma w_{t-1} - eta g(w_t), use
g(w_t) = alpha^(-t) g(w~_t) and divide by alpha^(t+1): with alpha^2 = (1 + gamma - eta lambda) alpha
- gamma it is w~_{t+1} - w~_t = (gamma / alpha^2)(w~_t - w~_{t-1}) - eta~_t g(w~_t), which is B's
momentum step u~_{t+1} = gamma u~_t + g, w~_{t+1} = w~_t - eta~_t u~_{t+1}, since
eta~_t / eta~_{t-1} = alpha^(-2). At t = 0, A starts from rest (w_{-1} = w_0), which in B's
coordinates is w~_{-1} = alpha w_0: B's first momentum buffer is u~_0 = -(1 - alpha) w_0 / (alpha eta)
on w (zero when gamma = 0, where alpha = 1 - eta lambda makes it vanish).

Without normalisation the loss is not scale-invariant and the same pair of runs drifts apart: the
control.

The practical claim (Li & Arora, section 3): step decay with weight decay can be replaced by an
exponentially growing learning rate without weight decay. The schedule B of a step-decay run A
(rate eta_I in phase I, alpha_I its alpha) is eta~_t = eta_{I(t)} c_t^2 / alpha_{I(t)} with
c_t = prod_{s<t} 1 / alpha_{I(s)} (`tapered_exponential`; exact without momentum, and with momentum
up to the momentum buffer at each drop, which B does not correct).
"""

import functools

import numpy as np

from minnet.arithmetic import mean_in_order
from minnet.data import mnist5k
from minnet.mlp import MLP
from minnet.optim import GroupSGD, step_decay
from minnet.train import batches

N_TRAIN, N_TEST, SPLIT_SEED = 4000, 1000, 0  # MNIST-5k: 4,000 images to train on, 1,000 to test
BATCH_SIZE = 100
PROBE = 500  # the training images on which the two runs' outputs are compared at every step


def alpha_of(lr, weight_decay, momentum):
    """alpha: 1 - eta lambda without momentum, else the larger root of
    x^2 - (1 + gamma - eta lambda) x + gamma = 0."""
    if momentum == 0:
        return 1.0 - lr * weight_decay
    b = 1.0 + momentum - lr * weight_decay
    discriminant = b * b - 4.0 * momentum
    if discriminant < 0:
        raise ValueError(
            f"x^2 - {b:g} x + {momentum:g} has no real root: lr x weight_decay too large "
            f"({lr:g} x {weight_decay:g}) for momentum {momentum:g}"
        )
    return (b + np.sqrt(discriminant)) / 2.0


@functools.cache  # read once per process: every task of a sweep asks for it
def load():
    """(X_train (4000, 784), y_train, X_test (1000, 784), y_test): MNIST-5k split once, seed 0 (read-only)."""
    X, y = mnist5k()
    order = np.random.default_rng(SPLIT_SEED).permutation(len(X))
    train, test = order[:N_TRAIN], order[N_TRAIN : N_TRAIN + N_TEST]
    parts = X[train], y[train], X[test], y[test]
    for part in parts:
        part.setflags(write=False)
    return parts


def network(width, normalised, seed):
    """784 -> width -> width -> 10, relu, softmax with cross-entropy, He initialisation; the hidden
    layers batch-normalised (eps 0, no bias, no affine parameters) when `normalised`."""
    options = dict(normalise="batch", affine=False, norm_bias=False, norm_eps=0.0)
    return MLP([784, width, width, 10], activation="relu", loss="cross_entropy", seed=seed,
               **(options if normalised else {}))  # fmt: skip


def hidden_weights(net):
    """Indices into params of the hidden layers' weights and biases: the scale-invariant group of a
    normalised network (MLP.scale_invariant), the same layers of the control."""
    return np.arange(net.offsets[net.L - 1])


def optimizer_A(net, lr, weight_decay, momentum, schedule=None):
    """Run A: GroupSGD with weight decay on the hidden weights only; `schedule` (e.g. step decay)
    multiplies every learning rate."""
    group = {"index": hidden_weights(net), "weight_decay": weight_decay}
    return GroupSGD(net.params, lr=lr, momentum=momentum, schedule=schedule, groups=[group])


def optimizer_B(net, lr, weight_decay, momentum, growing=None, schedule=None):
    """Run B: no weight decay; the hidden weights' learning rate is lr * growing(t), by default the
    exponential alpha^(-2t-1); `schedule` multiplies the output layer's. The hidden weights' first
    momentum buffer is u~_0 = -(1 - alpha) w_0 / (alpha eta) (module docstring)."""
    w, alpha = hidden_weights(net), alpha_of(lr, weight_decay, momentum)

    def exponential(t):
        return alpha ** (-2.0 * t - 1.0)  # eta~_t / eta = alpha^(-2t-1)

    group = {"index": w, "schedule": exponential if growing is None else growing}
    opt = GroupSGD(net.params, lr=lr, momentum=momentum, schedule=schedule, groups=[group])
    opt.velocity[w] = -(1.0 - alpha) * net.params[w] / (alpha * lr)  # u~_0
    return opt


def relative_difference(P, Q):
    """|P - Q| / |P| (Frobenius norms)."""
    return float(np.linalg.norm(P - Q) / np.linalg.norm(P))


def equivalence_task(config):
    """A sweep task: runs A and B in lockstep (the same initial weights, the same batches). config:
    normalised, momentum, lr, weight_decay, steps, width, seed. Per step t = 0..steps: the two runs'
    batch losses, the relative difference of their outputs on the probe images, and the hidden
    weights' norms |w_t|, |w~_t|."""
    X, y, _, _ = load()
    A = network(config["width"], config["normalised"], config["seed"])
    B = A.copy()
    hyper = config["lr"], config["weight_decay"], config["momentum"]
    opt_A, opt_B = optimizer_A(A, *hyper), optimizer_B(B, *hyper)
    w, probe = hidden_weights(A), X[:PROBE]
    rng = np.random.default_rng(config["seed"])
    rows, loss_A, loss_B = [], [], []

    def record():
        rows.append([relative_difference(A.forward(probe), B.forward(probe)),
                     np.linalg.norm(A.params[w]), np.linalg.norm(B.params[w])])  # fmt: skip

    record()
    with np.errstate(all="ignore"):  # the control may overflow; its numbers say so
        while len(loss_A) < config["steps"]:
            for rows_t in batches(len(X), BATCH_SIZE, rng)[: config["steps"] - len(loss_A)]:
                for net, opt, losses in ((A, opt_A, loss_A), (B, opt_B, loss_B)):
                    loss, grad = net.loss_and_grad(X[rows_t], y[rows_t])
                    losses.append(loss)
                    opt.step(grad)
                record()
    rows = np.array(rows)
    return {"loss_A": np.array(loss_A), "loss_B": np.array(loss_B), "output_difference": rows[:, 0],
            "norm_A": rows[:, 1], "norm_B": rows[:, 2], "alpha": alpha_of(config["lr"], config["weight_decay"],
                                                                           config["momentum"])}  # fmt: skip


def milestones(epochs, steps_per_epoch, fractions=(0.5, 0.75)):
    """The steps at which step decay divides the learning rate: at half and three quarters of training."""
    return [round(f * epochs) * steps_per_epoch for f in fractions]


def phases(lr, weight_decay, momentum, drops, factor, steps):
    """(eta_t, alpha_t) for t = 0..steps-1 of step decay: eta_t = lr factor^I(t), alpha_t its alpha."""
    phase = step_decay(drops, factor)
    etas = np.array([lr * phase(t) for t in range(steps)])
    return etas, np.array([alpha_of(eta, weight_decay, momentum) for eta in etas])


def tapered_exponential(lr, weight_decay, momentum, drops, factor, steps):
    """The multipliers eta~_t / lr, t = 0..steps-1, of the exponential schedule equivalent to step decay
    (lr factor^I in phase I, weight decay lambda): eta~_t = eta_I c_t^2 / alpha_I, c_t = prod_{s<t} 1/alpha_I(s)."""
    etas, alphas = phases(lr, weight_decay, momentum, drops, factor, steps)
    c = np.concatenate([[1.0], np.cumprod(1.0 / alphas)[:-1]])  # c_t = prod_{s<t} 1 / alpha_I(s)
    return etas * c**2 / alphas / lr  # eta~_t / lr


def predicted_growth(lr, weight_decay, momentum, epochs, factor):
    """c_T = prod_t 1 / alpha_I(t) over a run of `epochs`: how many times larger the exponential run's hidden
    weights end than step decay's (exact without momentum)."""
    steps_per_epoch = -(-N_TRAIN // BATCH_SIZE)
    drops = milestones(epochs, steps_per_epoch)
    _, alphas = phases(lr, weight_decay, momentum, drops, factor, epochs * steps_per_epoch)
    return float(np.prod(1.0 / alphas))


def schedule_task(config):
    """A sweep task: one run of the practical comparison. config: schedule ("step" or "exponential"),
    lr, weight_decay, momentum, epochs, factor, width, seed. After every epoch: test accuracy and the
    training loss (with population statistics over the training set at the current weights), the
    hidden weights' norm and their learning rate."""
    X, y, X_test, y_test = load()
    net = network(config["width"], True, config["seed"])
    steps_per_epoch = -(-len(X) // BATCH_SIZE)
    steps = config["epochs"] * steps_per_epoch
    drops = milestones(config["epochs"], steps_per_epoch)
    lr, decay, momentum = config["lr"], config["weight_decay"], config["momentum"]
    decayed = step_decay(drops, config["factor"])
    if config["schedule"] == "step":
        opt = optimizer_A(net, lr, decay, momentum, schedule=decayed)
    else:  # the output layer keeps step decay, as in run A
        table = tapered_exponential(lr, decay, momentum, drops, config["factor"], steps)
        opt = optimizer_B(net, lr, decay, momentum, growing=table.__getitem__, schedule=decayed)
    rng = np.random.default_rng(config["seed"])
    curves = [evaluate(net, opt, X, y, X_test, y_test)]
    for _ in range(config["epochs"]):
        for rows in batches(len(X), BATCH_SIZE, rng):
            opt.step(net.loss_and_grad(X[rows], y[rows])[1])
        curves.append(evaluate(net, opt, X, y, X_test, y_test))
    curves = np.array(curves)
    return {"test_accuracy": curves[:, 0], "train_loss": curves[:, 1], "norm": curves[:, 2], "lr": curves[:, 3]}


def evaluate(net, opt, X, y, X_test, y_test):
    """[test accuracy, training loss, |w| of the hidden weights, the learning rate of the last step], with the
    population statistics of X at the current weights."""
    z_L = net.set_statistics("population", X)  # X's outputs under its own (the population) statistics
    accuracy = float(np.mean(np.argmax(net.forward(X_test), axis=1) == y_test))
    loss = float(mean_in_order(net.outputs_and_losses_at(z_L, net.check_Y(y, len(y)))[1]))  # net.loss(X, y)
    net.set_statistics("batch")
    return [accuracy, loss, np.linalg.norm(net.params[hidden_weights(net)]), opt.learning_rates(max(opt.t - 1, 0))[0]]
