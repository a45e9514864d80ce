"""Learn by writing it: exercises cut from minnet's own source, judged by whether your code reproduces the document's result.

    python -m demos.exercises list
    python -m demos.exercises start adam [--dir DIR]     writes DIR/adam.py (default ./minnet-exercises/); never overwrites
    python -m demos.exercises check adam [--dir DIR] [--timeout S]   your function in place of minnet's: shapes, formula or gradient, the payoff
    python -m demos.exercises hint adam [--dir DIR]      one more hint each time
    python -m demos.exercises solution adam              minnet's own lines
    python -m demos.exercises bughunt [--list] [NAME]    mistakes students make, and which checks catch them

Each exercise is a region of minnet's source between the comments "# exercise NAME: ..." and
"# end exercise": the region is the solution, and there is no other copy of it. `start` writes the
function around the region with the region replaced by `raise NotImplementedError`, under a
docstring with the document's equations and shapes. `check` loads your file in a process of its
own (a temporary working folder, a time limit: a hang, an exit or a crash of your code is a failure
that says so, and nothing is left in your folder), puts your function in place of minnet's (in
memory: minnet's files are not touched) and checks, stopping at the first failure: (1) what it
returns has the right shapes; (2) for gradient code, a finite-difference check on 25 drawn small
networks (the same 25 every run); for optimizers, minnet's own update on hand-made gradient
sequences; for the rest, minnet's own values on drawn cases; (3) the payoff: the
document's result computed with your code (document 000's run: equal to minnet's through its
stable stretch, then the document's order of events), and where your run first departs from
minnet's when it does.

The bug hunt applies one of its mistakes to a copy of minnet/ in a temporary folder (never to your
files) and runs minnet's checks against the copy, to show which checks catch which mistake. It needs
minnet's tests (tests/, in minnet's repository, not installed with the package) and refuses without
them; stopped (Ctrl-C, SIGTERM), it removes its copy and stops the tests it started.
"""

import argparse
import contextlib
import faulthandler
import importlib
import importlib.util
import inspect
import json
import linecache
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_DIR = "minnet-exercises"
START, END = re.compile(r"^(\s*)# exercise (\w+): (.*)$"), re.compile(r"^\s*# end exercise\s*$")


@dataclass
class Exercise:
    target: str  # "module:Class.method" or "module:function": the function the region sits in
    document: str  # the document and section the code comes from
    equations: str  # what to compute, as the document writes it, with shapes
    shows_in: str  # the study where its result shows
    kind: str  # "gradient", "optimizer" or "values": what stage 2 checks
    payoff: str  # the name of the payoff function below
    hints: list = field(default_factory=list)


EXERCISES = {
    "two_layer_output": Exercise(
        "minnet.two_layer:TwoLayerNet.backprop", "document 000, section 1 (the backward pass of the one-hidden-layer network: the output layer)",
        """dV = e^T H / N                      (k, h)   H with its bias unit
        e  = O - Y, given                   (N, k)   (2 (O - Y) / k for loss="mse"), from losses.output_delta""",
        "demos.oscillations", "gradient", "doc000",
        ["e = O - Y, the derivative of the example's error (1/2)|O - y|^2 with respect to O, is computed above the blank.",
         "dV is a sum over examples of an outer product e_n H_n^T, divided by N: a matrix product of (N, .) arrays.",
         "The shapes tell the order: dV must be (k, h), e is (N, k), H is (N, h)."]),
    "two_layer_hidden": Exercise(
        "minnet.two_layer:TwoLayerNet.backprop", "document 000, section 1 (the backward pass of the one-hidden-layer network: the hidden layer)",
        """sigma' = H (1 - H), from activations.derivative(self.activation, Z, H[:, :-1])
        delta = (e V) * sigma'(U X)        (N, h-1) V without its last (bias) column
        dU = delta^T X / N                  (h-1, n_in+1)   X with its bias column (Xb)""",
        "demos.oscillations", "gradient", "doc000",
        ["The hidden bias unit has no incoming weights: leave V's last column out of e V (self.V[:, :-1]).",
         "sigma'(U X) for the sigmoid is H (1 - H) with H the hidden activations before the bias unit: H[:, :-1].",
         "The shapes tell the order: dU must be (h-1, n_in+1), delta is (N, h-1), Xb is (N, n_in+1)."]),
    "mlp_backward": Exercise(
        "minnet.mlp:MLP.delta_below", "the general L-layer MLP (minnet/mlp.py), the recursion of backpropagation",
        """s' = s'(z_{l-1})                    activations.derivative(self.activation_of(l - 1), z_below, a_below)
        delta_{l-1} = (delta_l W_l) * s'(z_{l-1})     (N, n_{l-1}); W_l is (n_l, n_{l-1})""",
        "demos.optimizer_paths", "gradient", "race_mlp",
        ["delta_l is (N, n_l) and W_l is (n_l, n_{l-1}): which product gives (N, n_{l-1})?",
         "The derivative is taken at the pre-activation z_{l-1} of the layer below (the activation a_{l-1} is passed too, for s' written in terms of a)."]),
    "softmax_cross_entropy_delta": Exercise(
        "minnet.losses:output_delta", "document 001 and 004: softmax output with cross-entropy",
        """delta = dl_n/dz_n = p - y          (N, k), p = softmax(z) (the argument o), y one-hot""",
        "demos.curriculum", "gradient", "curriculum",
        ["l = -sum_j y_j log p_j with p = softmax(z): differentiate log p_j = z_j - log sum_i e^{z_i}.",
         "The answer does not involve the softmax's Jacobian explicitly: it cancels."]),
    "sgd_momentum": Exercise(
        "minnet.optim:SGD._update", "document 002, section 4.1, equation (3), with momentum",
        """u := momentum u + g                 (self.velocity, in place)
        w := w - alpha u                    (self.params, in place; alpha = self.lr)""",
        "demos.oscillations and demos.optimizer_paths", "optimizer", "doc000",
        ["Update the arrays in place (*=, +=, -=): the optimizer's params are the network's own parameter vector.",
         "With momentum 0 this is plain gradient descent, w := w - alpha g."]),
    "rmsprop": Exercise(
        "minnet.optim:RMSprop._update", "document 002, section 4.2, equations (4) and (5)",
        """v := beta2 v + (1 - beta2) g^2      (4)   self.v, in place
        w := w - alpha g / sqrt(v + eps)    (5)   self.params, in place; alpha = self.lr
        with eps_inside_sqrt=False (PyTorch's convention): w := w - alpha g / (sqrt(v) + eps)""",
        "demos.optimizer_paths", "optimizer", "race_rmsprop",
        ["The square is element-wise: g**2.", "Use the freshly updated v in the step."]),
    "adam": Exercise(
        "minnet.optim:Adam._update", "document 002, section 4.3, equations (6) to (8)",
        """m := beta1 m + (1 - beta1) g;  v := beta2 v + (1 - beta2) g^2     (6), (4)   self.m, self.v in place
        m_hat = m / (1 - beta1^t);  v_hat = v / (1 - beta2^t)             (7)   t = self.t counts steps from 1
        w := w - alpha m_hat / (sqrt(v_hat) + eps)                         (8)""",
        "demos.optimizer_paths", "optimizer", "race_adam",
        ["self.t is already 1 at the first step: Optimizer.step counts before calling _update.",
         "Without the bias correction the first steps are about 10 times too small (1 - 0.9 = 0.1)."]),
    "adamw_decay": Exercise(
        "minnet.optim:AdamW._update", "document 002, section 4.4",
        """w := w - lambda w                   (lambda = self.weight_decay; or alpha lambda with decay="scaled")
        then the Adam step: Adam._update(self, grad)""",
        "demos.optimizer_paths", "optimizer", "race_adamw",
        ["The decay comes first, then the Adam step.", "decay='scaled' multiplies lambda by the learning rate."]),
    "five_point_difference": Exercise(
        "minnet.gradcheck:numerical_gradient", "minnet's gradient check (every hand-written gradient is tested with it)",
        """dL/dw_p = (L(w - 2h) - 8 L(w - h) + 8 L(w + h) - L(w + 2h)) / 12h   one weight p at a time
        STENCIL lists (offset, weight) pairs; restore w[p] afterwards""",
        "demos.gradcheck", "values", "gradcheck",
        ["Move one entry of w = net.params at a time, evaluate net.loss(X, Y), and put the entry back.",
         "The error of the five-point difference is O(h^4): with h = 1e-3 it agrees with a correct gradient to about 1e-10."]),
    "hessian_vector_product": Exercise(
        "minnet.hessian:hvp", "document 000 beyond the document: the sharpness (Pearlmutter's R-operator, minnet/hessian.py)",
        """R(dW_l) = (R(delta_l)^T a_{l-1} + delta_l^T R(a_{l-1})) / N;  R(db_l) = sum_n R(delta_l) / N
        R(delta_{l-1}) = (R(delta_l) W_l + delta_l V_l) * s'(z_{l-1}) + (delta_l W_l) * s''(z_{l-1}) * R(z_{l-1})
        delta_{l-1} = (delta_l W_l) * s'(z_{l-1})""",
        "demos.oscillations (the sharpness against 2/lr)", "values", "sharpness",
        ["Apply d/dr at r = 0 to every line of backpropagation, with W_l -> W_l + r V_l.",
         "Update R(delta) before delta: the R line uses delta_l, not delta_{l-1}."]),
    "per_example_norm": Exercise(
        "minnet.per_example:numpy_layer_stats", "document 001, per-example gradients (without materialising them)",
        """g_n = delta_n [a_n, 1]^T (one example's gradient of layer l, an outer product)
        |g_n|^2 = |delta_n|^2 (|a_n|^2 + 1)     (the + 1 for the bias column, when there is one)""",
        "demos.curriculum", "values", "per_example",
        ["|u v^T|^2 (Frobenius) = |u|^2 |v|^2.", "Sum over the feature axis (axis=1), one number per example."]),
    "filter_normalised_direction": Exercise(
        "minnet.landscape:random_direction", "document 004, random-direction projections (Li et al.'s filter normalisation)",
        """for each row (filter) of each W_l:  d_row := d_row |w_row| / |d_row|""",
        "demos.loss_surface and demos.landscape_slices", "values", "filter_plane",
        ["`groups` lists index arrays: one per row of W_l (or one for the whole W_l with normalize='layer').",
         "np.linalg.norm of a 1-D slice is its Euclidean length."]),
    "checkpoint_recompute": Exercise(
        "minnet.studies.checkpoint:recompute", "document 004, gradient checkpointing",
        """layers start+1 .. stop recomputed from the kept layer `start` (the input X when start = 0):
        z, a = layer_forward(net, l, a, tape); keep l on the tape when `keep` or l == stop, else as "current" """,
        "demos.checkpointing", "values", "checkpoint",
        ["The tape keeps (z, a) under a key: tape.keep(key, z, a); tape.drop('current') frees the layer no longer needed.",
         "tape.get(start)[1] is a_start."]),
}  # fmt: skip


# ----- the regions: minnet's source is the only copy ---------------------------------------------
def owner_and_name(exercise):
    """(module or class that holds the function, attribute name)."""
    module_name, path = exercise.target.split(":")
    owner = importlib.import_module(module_name)
    *classes, name = path.split(".")
    for cls in classes:
        owner = getattr(owner, cls)
    return owner, name


def original(exercise):
    owner, name = owner_and_name(exercise)
    return inspect.unwrap(owner.__dict__[name] if isinstance(owner, type) else getattr(owner, name))


def function_source(name):
    """The function's source lines (dedented) and the (start, end) line indices of the exercise's markers in them."""
    lines = textwrap.dedent(inspect.getsource(original(EXERCISES[name]))).split("\n")
    start = next((k for k, line in enumerate(lines) if (m := START.match(line)) and m.group(2) == name), None)
    if start is None:
        raise SystemExit(
            f"minnet's source has no '# exercise {name}:' marker in {EXERCISES[name].target}: was it edited?"
        )
    end = next(k for k in range(start, len(lines)) if END.match(lines[k]))
    return lines, start, end


def solution_lines(name):
    lines, start, end = function_source(name)
    return textwrap.dedent("\n".join(lines[start + 1 : end])).split("\n")


def starter(name):
    """The file `start` writes: the equations, the module's names, and the function with the region left to write."""
    ex = EXERCISES[name]
    lines, start, end = function_source(name)
    indent = START.match(lines[start]).group(1)
    title = START.match(lines[start]).group(3)
    body = (
        lines[:start]
        + [
            f"{indent}# exercise {name}: {title}",
            f"{indent}# your lines here (the equations are in this file's docstring)",
            f'{indent}raise NotImplementedError("exercise {name}: write these lines")',
            f"{indent}# end exercise",
        ]
        + lines[end + 1 :]
    )
    module = ex.target.split(":")[0]
    equations = equations_of(name)
    return (
        f'"""Exercise {name}: {title}.\n\nFrom {ex.document}. Your function replaces minnet\'s {ex.target.replace(":", ".")}; '
        f"its result shows in {ex.shows_in}.\n\nWhat to compute:\n\n{equations}\n\nCheck it:  python -m "
        f"demos.exercises check {name}\n"
        f'One hint at a time:  python -m demos.exercises hint {name}\n"""\n\n'
        f"from {module} import *  # noqa: F403  the names minnet's own code uses here (np, losses, activations, "
        "...)\n\n\n" + "\n".join(body).rstrip() + "\n"
    )


def equations_of(name):
    """The exercise's equations, one per line, indented by four spaces."""
    return "\n".join("    " + line.strip() for line in EXERCISES[name].equations.strip().split("\n"))


# ----- putting a student's function in place of minnet's ------------------------------------------
def student_file(name, folder):
    return os.path.abspath(os.path.join(folder, f"{name}.py"))


def load_student(name, path):
    """The student's function from their file `path` (NAME.py): one the file defines, not minnet's own."""
    spec = importlib.util.spec_from_file_location(f"minnet_exercise_{name}", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as err:  # noqa: BLE001  a student's file can fail in any way: say how
        raise Failure(
            "loading your file", f"{path} does not run: {type(err).__name__}: {err}{student_line(err, name)}"
        ) from err
    attribute = owner_and_name(EXERCISES[name])[1]
    function = getattr(module, attribute, None)
    if not callable(function):
        raise Failure("loading your file", f"{path} has no function {attribute}")
    code = getattr(inspect.unwrap(function), "__code__", None)
    if code is None or os.path.realpath(code.co_filename) != os.path.realpath(path):
        whose = f"{getattr(function, '__module__', '?')}.{getattr(function, '__qualname__', attribute)}"
        raise Failure(
            "loading your file",
            (f"your file uses minnet's own {whose} as {attribute}" if whose.startswith("minnet.") else
             f"{attribute} in your file is {whose}, not a function it defines")
            + f": write the function yourself (def {attribute}(...) in {path})",
        )  # fmt: skip
    return function


def student_line(err, name):
    """' (line N of NAME.py: the line)': the last line of the student's file in `err`'s traceback (an
    exception, or the text of one), '' when it has none."""
    text = err if isinstance(err, str) else "".join(traceback.format_tb(err.__traceback__))
    found = [(file, int(n)) for file, n in re.findall(r'File "([^"]+)", line (\d+)', text)]
    found = [(file, n) for file, n in found if os.path.basename(file) == f"{name}.py"]
    if not found:
        return ""
    file, n = found[-1]
    return f" (line {n} of {os.path.basename(file)}: {linecache.getline(file, n).strip()})"


@contextlib.contextmanager
def in_place_of_minnets(name, function):
    """Within the block, `function` stands where minnet's own is (its files are untouched)."""
    owner, attribute = owner_and_name(EXERCISES[name])
    saved = owner.__dict__[attribute] if isinstance(owner, type) else getattr(owner, attribute)
    setattr(owner, attribute, function)
    try:
        yield
    finally:
        setattr(owner, attribute, saved)


class Failure(Exception):
    """A check that failed: its stage and what a student should read."""

    def __init__(self, stage, message):
        super().__init__(message)
        self.stage, self.message = stage, message


def guarded(stage, name, call):
    """call(), with an exception from the student's code turned into a Failure of `stage`."""
    try:
        return call()
    except NotImplementedError as err:
        raise Failure(stage, f"not written yet ({err}); the equations are at the top of your file") from err
    except Failure:
        raise
    except Exception as err:  # noqa: BLE001
        raise Failure(
            stage,
            f"your code raised {type(err).__name__}: {err}{student_line(err, name)}\n  the equations:\n"
            f"{equations_of(name)}",
        ) from err


# ----- stage 1 and 2: shapes, then the gradient, the formula or minnet's values -------------------
def small_case(name, rng):
    """A small network and data for the exercise's function, drawn with rng."""
    from minnet import MLP, TwoLayerNet

    N = int(rng.integers(2, 7))
    if name.startswith("two_layer") or name in ("sgd_momentum", "five_point_difference"):
        net = TwoLayerNet(
            h=int(rng.integers(2, 6)),
            n_in=int(rng.integers(1, 4)),
            n_out=int(rng.integers(1, 3)),
            activation=str(rng.choice(["sigmoid", "tanh"])),
            loss=str(rng.choice(["half_mse", "mse"])),
            seed=int(rng.integers(1 << 30)),
        )
        return net, rng.normal(size=(N, net.n_in)), rng.normal(size=(N, net.n_out))
    # recomputation needs layers to recompute
    depth = int(rng.integers(4, 7)) if name == "checkpoint_recompute" else int(rng.integers(2, 5))
    sizes = [int(n) for n in rng.integers(1, 5, size=depth)]
    sizes[-1] = max(sizes[-1], 2)
    if name == "softmax_cross_entropy_delta":
        net = MLP(
            sizes,
            activation=str(rng.choice(["tanh", "sigmoid", "silu"])),
            loss="cross_entropy",
            seed=int(rng.integers(1 << 30)),
        )
        return net, rng.normal(size=(N, sizes[0])), rng.integers(0, sizes[-1], size=N)
    net = MLP(
        sizes, activation=str(rng.choice(["tanh", "sigmoid", "silu"])), loss="mse", seed=int(rng.integers(1 << 30))
    )
    return net, rng.normal(size=(N, sizes[0])), rng.normal(size=(N, sizes[-1]))


def shapes_of(value):
    """The nested structure of shapes of what a function returned."""
    if isinstance(value, (tuple, list)):
        return type(value).__name__, [shapes_of(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.shape, value.dtype.kind
    return type(value).__name__


# zero, signs, tiny, large
HAND_MADE_GRADIENTS = [
    np.zeros(5),
    np.array([1.0, -1.0, 2.0, -2.0, 0.5]),
    np.full(5, 1e-8),
    np.array([1e3, -1e3, 0.0, 1.0, -1.0]),
]


def call_target(name, case, rng):
    """Call the exercise's function (whatever stands in minnet's place) on a drawn case; what it returns."""
    from minnet import SGD, hessian, per_example
    from minnet import landscape as ls
    from minnet.gradcheck import numerical_gradient
    from minnet.optim import OPTIMIZERS
    from minnet.studies.checkpoint import backprop as checkpointed

    net, X, Y = case
    if name in ("two_layer_output", "two_layer_hidden", "mlp_backward", "softmax_cross_entropy_delta"):
        return net.backprop(X, Y)
    if EXERCISES[name].kind == "optimizer":
        kind = {"sgd_momentum": SGD, **OPTIMIZERS}.get(name.split("_")[0], SGD)
        w = rng.normal(size=5)
        options = {"momentum": 0.9} if name == "sgd_momentum" else {}
        opt = kind(w, lr=0.1, **options)
        return [opt.step(g) for g in HAND_MADE_GRADIENTS + [rng.normal(size=5) for _ in range(3)]]
    if name == "five_point_difference":
        return numerical_gradient(net, X, Y)
    if name == "hessian_vector_product":
        return hessian.hvp(net, X, Y, rng.normal(size=net.n_params))
    if name == "per_example_norm":
        return per_example.numpy_layer_stats(net, X, Y, list(range(1, net.L + 1)))[2]
    if name == "filter_normalised_direction":
        return ls.random_direction(net, np.random.default_rng(int(rng.integers(1 << 30))))
    if name == "checkpoint_recompute":
        return checkpointed(net, X, Y, "checkpoint", k=int(rng.integers(2, net.L + 1)))[1], checkpointed(
            net, X, Y, "memory_poor"
        )[1]
    raise KeyError(name)


def stage_shapes(name, student):
    rng = np.random.default_rng(0)
    case = small_case(name, rng)
    expected = shapes_of(call_target(name, case, np.random.default_rng(1)))
    with in_place_of_minnets(name, student):
        got = shapes_of(guarded("shapes", name, lambda: call_target(name, case, np.random.default_rng(1))))
    if got != expected:
        raise Failure(
            "shapes",
            f"your function returns {got}, minnet's code needs {expected}\n  the equations (with "
            f"shapes):\n{equations_of(name)}",
        )
    return "what your function returns has the shapes minnet's code needs"


STAGE_NAMES = {"gradient": "gradient check", "optimizer": "formula", "values": "values"}  # stage 2 by kind


DRAWS = 25  # stage 2's cases, drawn with seeds 0 .. DRAWS - 1: the same every run, so a verdict does not change with the draw
PASSED = {  # what stage 2 says when it passes, by kind
    "gradient": f"your gradient agrees with the five-point finite difference on {DRAWS} drawn networks (relative error < 1e-6)",
    "optimizer": f"your update is minnet's on hand-made gradients (zero, mixed signs, 1e-8, 1e3) followed by {DRAWS} drawn ones",
    "values": f"your results are minnet's on {DRAWS} drawn cases",
}  # fmt: skip


def stage_values(name, student):
    """Stage 2: gradient exercises against finite differences on drawn networks; the others against minnet's own
    function on the same drawn cases."""
    kind = EXERCISES[name].kind
    stage = STAGE_NAMES[kind]
    for seed in range(DRAWS):
        case = small_case(name, np.random.default_rng(seed))
        if kind == "gradient":
            check_gradient_of(name, student, case)
            continue
        expected = call_target(name, case, np.random.default_rng(seed + 1))
        with in_place_of_minnets(name, student):
            got = guarded(stage, name, lambda: call_target(name, case, np.random.default_rng(seed + 1)))
        compare(name, stage, got, expected)
    return PASSED[kind]


def check_gradient_of(name, student, case):
    from minnet.gradcheck import check_gradient

    net, X, Y = case
    with in_place_of_minnets(name, student):
        errors = guarded("gradient check", name, lambda: check_gradient(net, X, Y))
    worst = max(errors, key=errors.get)
    if not errors[worst] < 1e-6:
        raise Failure(
            "gradient check",
            f"the gradient of {worst} differs from the five-point finite difference by {errors[worst]:.2e} "
            "(relative; a correct one: < 1e-6) "
            f"on {type(net).__name__}({', '.join(f'{k}={v!r}' for k, v in net.config.items())}) with {X.shape[0]} "
            f"examples\n  the equations:\n{equations_of(name)}",
        )


def compare(name, stage, got, expected):
    flat_got, flat_expected = flatten(got), flatten(expected)
    if len(flat_got) != len(flat_expected) or any(a.shape != b.shape for a, b in zip(flat_got, flat_expected)):
        raise Failure(stage, f"your result has another shape than minnet's\n  the equations:\n{equations_of(name)}")
    for k, (a, b) in enumerate(zip(flat_got, flat_expected)):
        if not np.allclose(a, b, rtol=1e-9, atol=1e-12, equal_nan=True):
            i = int(np.argmax(np.abs(a - b)))
            raise Failure(
                stage,
                f"part {k} of your result differs from minnet's: entry {i} is {a.ravel()[i]!r}, the formula gives "
                f"{b.ravel()[i]!r}\n"
                f"  the equations:\n{equations_of(name)}",
            )


def flatten(value):
    if isinstance(value, (tuple, list)):
        return [part for v in value for part in flatten(v)]
    return (
        [np.asarray(value, dtype=np.float64)] if np.ndim(value) or isinstance(value, (int, float, np.floating)) else []
    )


# ----- stage 3: the payoff, the document's result with the student's code -------------------------
STABLE_STRETCH = 500  # document 000's run: any correct order of sums agrees to 1e-12 this far (tests/test_same_everywhere.py)

def departure(mine, theirs, what):
    """'' when two runs agree (to 1e-9, relative) all along, else where the student's first departs."""
    n = min(len(mine), len(theirs))
    apart = np.flatnonzero(
        ~np.isclose(np.asarray(theirs[:n]), np.asarray(mine[:n]), rtol=1e-9, atol=0.0, equal_nan=True)
    )
    return (
        ""
        if apart.size == 0 and len(mine) == len(theirs)
        else f"; your run departs from minnet's at {what} {int(apart[0]) if apart.size else n}"
    )


def payoff_doc000(name, student):
    """Document 000's run with the student's backward pass. A correct one may sum in another order than
    minnet's (e.T @ H goes through BLAS), and the run is chaotic: its storm then comes some iterations
    earlier or later (a last-bit change of the inputs moves it by up to ~18). So the verdict is what every
    correct solution gives on every machine: the errors equal minnet's (to 1e-9) through the stable
    stretch, iteration STABLE_STRETCH, and the storm follows the document's order of events."""
    from minnet import SGD, TestLoss, TwoLayerNet, fit
    from minnet.data import doc000
    from minnet.studies.dynamics import EVENTS, NOTEBOOK_EVENTS, event_order

    def run():
        X, Y, X_test, Y_test = doc000("f1")
        net = TwoLayerNet(h=3)
        history = fit(net, X, Y, SGD(net.params, lr=1.0), 1000, recorders=[TestLoss(X_test, Y_test)])
        return event_order(history), history["train_loss"]

    order_minnet, losses_minnet = run()
    with in_place_of_minnets(name, student):
        order, losses = guarded("payoff", name, run)
    found = [order[key] for key in EVENTS]
    departs = departure(losses_minnet[: STABLE_STRETCH + 1], losses[: STABLE_STRETCH + 1], "iteration")
    verdict = not departs and order["order_as_document"]
    message = (
        f"your code trains (f1, 3, 1, 1000) to the smallest gradient norm at iteration {found[0]}, train error "
        f"{found[1]}, test error {found[2]} (minnet: {', '.join(str(order_minnet[k]) for k in EVENTS)}; the "
        f"notebook printed {', '.join(map(str, NOTEBOOK_EVENTS.values()))}: where the storm comes moves with the last "
        f"bit of the arithmetic)"
        + (departs or f"; your errors equal minnet's through iteration {STABLE_STRETCH}")
        + ("; the angle, then the norm, then the error grow, as document 000 says" if order["order_as_document"] else
           "; NOT in the document's order of events (angle, then norm, then error)")
    )
    return verdict, message


def race_setup():
    from minnet.studies import optimizer_paths as op

    net, X, Y = op.build("relu", trained=False, seed=0)
    i, j = op.layer2_index(net, 5), op.layer2_index(net, 4)  # the study's default pair (interior_pair with seed 0)
    return op, net, X, Y, i, j


RACE_START = np.array([0.4845, 1.1107])  # a start from which all four reach the star (the README's race picture)
RACE_MINIMUM = 8.073  # the lowest MSE over the two weights (document 002: 7.695; the study's default landscape: 8.073)


def payoff_race(name, student, optimizer):
    op, net, X, Y, i, j = race_setup()
    settings = {"lr": 0.1, "epochs": 100, "batch_size": 64, "seed": 0}
    mine = op.race(net, X, Y, i, j, RACE_START, optimizer, **settings)
    with in_place_of_minnets(name, student):
        theirs = guarded("payoff", name, lambda: op.race(net, X, Y, i, j, RACE_START, optimizer, **settings))
    reached, reached_minnet = theirs["loss"][-1] <= 1.01 * RACE_MINIMUM, mine["loss"][-1] <= 1.01 * RACE_MINIMUM
    message = (
        f"with your code, {op.NAMES[optimizer]} from ({RACE_START[0]}, {RACE_START[1]}) on document 002's landscape "
        f"ends at MSE {theirs['loss'][-1]:.4f}: "
        + (
            "it reaches the star (within 1% of 8.073) like minnet's"
            if reached == reached_minnet and reached
            else f"minnet's ends at {mine['loss'][-1]:.4f}" + (" (the star)" if reached_minnet else "")
        )
        + departure(mine["loss"], theirs["loss"], "epoch")
    )
    return reached == reached_minnet and not departure(mine["loss"], theirs["loss"], "epoch"), message


def payoff_curriculum(name, student):
    from minnet import MLP, SGD, fit
    from minnet.data import load_classification
    from minnet.recorders import Recorder

    X, y = load_classification("mnist5k")

    class Accuracy(Recorder):
        def start(self, net):
            self.values = [float(np.mean(net.forward(X).argmax(axis=1) == y))]

        def after_step(self, net, grad, update):
            self.values.append(float(np.mean(net.forward(X).argmax(axis=1) == y)))

        def result(self):
            return {"accuracy": np.array(self.values)}

    def run():
        net = MLP([784, 8, 10], activation="sigmoid", loss="cross_entropy", init="pytorch", seed=0)
        return fit(
            net, X, y, SGD(net.params, lr=0.01), 3, batch_size=128, seed=0, recorders=[Accuracy()], reduction="sum"
        )["accuracy"]

    mine = run()
    with in_place_of_minnets(name, student):
        theirs = guarded("payoff", name, run)
    reach = lambda a: int(np.argmax(a >= 0.8)) if (a >= 0.8).any() else None  # noqa: E731
    ok = reach(theirs) is not None and reach(theirs) <= 100
    return ok, (
        "with your delta, document 001's first run (784-8-10 on MNIST-5k, SGD lr 0.01, batch 128) passes 80% "
        "training accuracy at iteration "
        f"{reach(theirs)} (the document: within 100; minnet: {reach(mine)})" + departure(mine, theirs, "iteration")
    )


def payoff_gradcheck(name, student):
    from minnet import MLP, TwoLayerNet
    from minnet.data import doc000
    from minnet.gradcheck import check_gradient

    X, Y, _, _ = doc000("f1")
    cases = [
        (TwoLayerNet(h=3), X[:50], Y[:50]),
        (
            MLP([2, 5, 3, 1], activation="tanh", seed=0),
            np.random.default_rng(0).normal(size=(8, 2)),
            np.random.default_rng(1).normal(size=(8, 1)),
        ),
    ]
    worst, worst_minnet = 0.0, 0.0
    for net, Xc, Yc in cases:
        worst_minnet = max(worst_minnet, max(check_gradient(net, Xc, Yc).values()))
        with in_place_of_minnets(name, student):
            worst = max(worst, max(guarded("payoff", name, lambda: check_gradient(net, Xc, Yc)).values()))
    return worst < 1e-6, (
        "your five-point difference confirms TwoLayerNet's gradient at document 000's weights and an MLP's: largest "
        f"relative error {worst:.1e} "
        f"(minnet's: {worst_minnet:.1e}; a correct gradient passes under 1e-6)"
    )


def payoff_sharpness(name, student):
    from minnet import SGD, TwoLayerNet, fit
    from minnet.data import doc000
    from minnet.recorders import SharpnessRecorder
    from minnet.studies.dynamics import sharpness_events

    def run():
        X, Y, _, _ = doc000("f1")
        net = TwoLayerNet(h=3)
        history = fit(net, X, Y, SGD(net.params, lr=1.0), 500, recorders=[SharpnessRecorder(X, Y, every=1)])
        return sharpness_events(history["sharpness"], history["sharpness_iteration"], 1.0), history["sharpness"]

    events_minnet, mine = run()
    with in_place_of_minnets(name, student):
        events, theirs = guarded("payoff", name, run)
    crossing = events["sharpness_crosses_2_over_lr"]
    return crossing == events_minnet["sharpness_crosses_2_over_lr"] == 481, (
        f"with your Hessian-vector products, document 000's sharpness starts at {theirs[0]:.3f} and crosses 2/lr = 2 "
        f"at iteration {crossing} "
        f"(minnet: {mine[0]:.3f} and {events_minnet['sharpness_crosses_2_over_lr']})"
        + departure(mine, theirs, "iteration")
    )


def payoff_per_example(name, student):
    from minnet import MLP
    from minnet.data import load_classification
    from minnet.per_example import gradient_stats

    X, y = load_classification("mnist5k")
    net = MLP([784, 8, 10], activation="sigmoid", loss="cross_entropy", init="pytorch", seed=0)
    kernel = gradient_stats(net, X, y, backend="numba", layers=[2])["norm"][:, 0]
    with in_place_of_minnets(name, student):
        yours = guarded("payoff", name, lambda: gradient_stats(net, X, y, backend="numpy", layers=[2])["norm"][:, 0])
    worst = float(np.max(np.abs(yours - kernel) / np.maximum(kernel, 1e-300)))
    return worst < 1e-9, (
        "your norms of all 5,000 MNIST examples' last-layer gradients (document 001's network at its first "
        "iteration) match "
        f"kernels/per_example.py to a relative {worst:.1e}"
        + ("" if worst < 1e-9 else " (a correct formula: under 1e-9)")
    )


def payoff_filter_plane(name, student):
    from minnet import Adam, fit
    from minnet import landscape as ls
    from minnet.studies import complex_mult as cm

    X, Y, _, _ = cm.dataset()
    net = cm.model([10, 10, 10], "relu", 0)
    fit(net, X, Y, Adam(net.params, lr=0.01), 10, batch_size=512, seed=0)
    axis = np.linspace(-1, 1, 11)

    def plane():
        rng = np.random.default_rng(0)
        return ls.grid_plane(
            net, X, Y, net.params.copy(), ls.random_direction(net, rng), ls.random_direction(net, rng), axis, axis
        )

    mine = plane()
    with in_place_of_minnets(name, student):
        theirs = guarded("payoff", name, plane)
    at = np.unravel_index(np.argmin(theirs), theirs.shape)
    same = np.allclose(theirs, mine, rtol=1e-9)
    return same, (
        "on the plane of two filter-normalised directions through a trained [10, 10, 10] model (document 003/004), "
        "your directions put the "
        f"lowest loss at grid point {tuple(int(v) for v in at)} "
        f"({'the centre, the bowl' if at == (5, 5) else 'not the centre'}); "
        + ("the plane equals minnet's" if same else "the plane differs from minnet's")
    )


def payoff_checkpoint(name, student):
    from minnet import MLP
    from minnet.studies.checkpoint import backprop

    rng = np.random.default_rng(0)
    net = MLP([8] * 17, activation="tanh", seed=0)
    X, Y = rng.normal(size=(16, 8)), rng.normal(size=(16, 8))
    _, vanilla, _ = backprop(net, X, Y, "vanilla")
    with in_place_of_minnets(name, student):
        _, grad, tape = guarded("payoff", name, lambda: backprop(net, X, Y, "checkpoint", k=4))
    identical = np.array_equal(grad, vanilla)
    return identical and tape.evaluations == 28, (
        "with your recomputation, checkpointed backpropagation of a 16-layer MLP (k = 4) evaluates "
        f"{tape.evaluations} layers "
        f"(document 004's L + (L - 1) - (L - 1) // k = 28) and its gradient is "
        f"{'bit for bit the vanilla one' if identical else 'not the vanilla one'}"
    )


PAYOFFS = {
    "doc000": payoff_doc000,
    "race_mlp": lambda n, s: payoff_race(n, s, "adam"),
    "race_rmsprop": lambda n, s: payoff_race(n, s, "rmsprop"),
    "race_adam": lambda n, s: payoff_race(n, s, "adam"),
    "race_adamw": lambda n, s: payoff_race(n, s, "adamw"),
    "curriculum": payoff_curriculum,
    "gradcheck": payoff_gradcheck,
    "sharpness": payoff_sharpness,
    "per_example": payoff_per_example,
    "filter_plane": payoff_filter_plane,
    "checkpoint": payoff_checkpoint,
}


def stage_payoff(name, student):
    ok, message = PAYOFFS[EXERCISES[name].payoff](name, student)
    if not ok:
        raise Failure("payoff", message)
    return message


def check(name, student, started=lambda stage: None):
    """The three stages in order, each (stage, message) once it passes; a Failure at the first that fails.
    started(stage) is called as each begins (so that a hang or an exit can be said to be in it)."""
    stage_two = STAGE_NAMES[EXERCISES[name].kind]
    for stage, run in (("shapes", stage_shapes), (stage_two, stage_values), ("payoff", stage_payoff)):
        started(stage)
        yield stage, run(name, student)


# ----- the student's code in a process of its own ------------------------------------------------
# A correct solution's check, in seconds (measured on 2 shared cores, Numba's cache warm): the default time limit's base.
CHECK_SECONDS = {
    "two_layer_output": 2, "two_layer_hidden": 1.5, "mlp_backward": 1, "softmax_cross_entropy_delta": 8.5,
    "sgd_momentum": 1, "rmsprop": 1, "adam": 1, "adamw_decay": 1, "five_point_difference": 1,
    "hessian_vector_product": 4, "per_example_norm": 2.5, "filter_normalised_direction": 1.5, "checkpoint_recompute": 1,
}  # fmt: skip
LONGEST_TIMEOUT = 3600  # seconds: --timeout's upper bound


def default_timeout(name):
    """A minute more than ten times what a correct solution takes: a first run also compiles minnet's kernels."""
    return 60 + 10 * CHECK_SECONDS[name]


class Stopped(KeyboardInterrupt):
    """SIGTERM, raised as Ctrl-C's KeyboardInterrupt is, so that every `finally` runs (temporary folders, child processes)."""


def stop(signum, frame):
    raise Stopped


def run_in_own_group(command, timeout=None, **popen):
    """(stdout, stderr, exit status) of `command`, run in a process group of its own that is killed whole when it
    outlasts `timeout` seconds (exit status None) or when this process is interrupted: nothing it started outlives
    the call."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, start_new_session=True, **popen)
    try:
        try:
            out, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            kill_group(process)
            out, err = process.communicate()
            return out, err, None
        return out, err, process.returncode
    finally:
        kill_group(process)


def kill_group(process):
    """SIGKILL to the process group `process` leads (what it started too), then wait for it."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def judge(name, path):
    """The process `check` starts, in a temporary working folder: loads the student's file and runs the stages,
    reporting each event as a line of JSON on stdout (what the student's code prints goes to stderr)."""
    report = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    faulthandler.enable(report)  # a crash of the process itself (a segfault) writes its traceback into the report
    sys.dont_write_bytecode = True  # no __pycache__ beside the student's file

    def say(**event):
        report.write(json.dumps(event) + "\n")

    try:
        for stage, message in check(name, load_student(name, path), started=lambda stage: say(stage=stage)):
            say(passed=stage, message=message)
    except Failure as failure:
        say(failed=failure.stage, message=failure.message)
    except SystemExit as err:  # sys.exit(), exit(), quit() in the student's code
        say(exited=student_line(err, name))
    except Exception as err:  # noqa: BLE001  minnet's checking code stopped on something the student's code returned
        traceback.print_exc()
        say(error=f"{type(err).__name__}: {err}")
    say(end=True)


def judged(name, path, timeout):
    """The stages the student's file passes, [(stage, message)], and the Failure that stopped it (None when none did),
    from `judge` run in a process of its own with a temporary working folder, stopped after `timeout` seconds."""
    command = [sys.executable, "-c", "import sys; from demos.exercises import judge; judge(*sys.argv[1:])", name, path]
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(p for p in (ROOT, os.environ.get("PYTHONPATH")) if p),
        PYTHONUNBUFFERED="1",
        MPLBACKEND="Agg",
    )
    with tempfile.TemporaryDirectory(prefix="minnet-check-") as folder:
        report, _, status = run_in_own_group(command, timeout, cwd=folder, env=env)
    events, crash = [], []
    for line in report.splitlines():
        try:
            events.append(json.loads(line))
        except ValueError:
            crash.append(line)
    passed = [(e["passed"], e["message"]) for e in events if "passed" in e]
    return passed, failure_of(name, events, status, "\n".join(crash), timeout)


def failure_of(name, events, status, crash, timeout):
    """The Failure the judge's events and exit status (None: stopped at the time limit) tell of; None for a pass."""
    stage = next((e["stage"] for e in reversed(events) if "stage" in e), "loading your file")
    for e in events:
        if "failed" in e:
            return Failure(e["failed"], e["message"])
        if "exited" in e:
            return Failure(stage, f"your code called exit{e['exited']}: a function must return, not end the process")
        if "error" in e:
            return Failure(stage, f"minnet's check stopped on {e['error']} from what your code returned (see above)")
    if status is None:
        return Failure(stage, f"your code did not finish in {timeout:g} s (--timeout SECONDS gives it longer)")
    if status < 0:
        return Failure(stage, f"your code crashed Python ({signal.strsignal(-status)}){student_line(crash, name)}")
    if not any("end" in e for e in events):
        return Failure(stage, f"your code called exit (the process ended with status {status}): a function must return")
    return None


# ----- the bug hunt ------------------------------------------------------------------------------
@dataclass
class Mistake:
    path: str  # a file of minnet/
    edits: list  # [(an exact stretch of minnet's source, the same stretch with the mistake)]
    what: str  # what a student did


def one(path, old, new, what):
    return Mistake(path, [(old, new)], what)


MISTAKES = {
    "sign_flip": one(
        "minnet/optim.py",
        "self.params -= self.lr * self.velocity",
        "self.params += self.lr * self.velocity",
        "the update climbs the gradient: w := w + alpha u",
    ),
    "missing_transpose": one(
        "minnet/mlp.py",
        "dW = delta.T @ a[l - 1] / N",
        "dW = (a[l - 1].T @ delta).reshape(delta.shape[1], -1) / N",
        "dW_l = a_{l-1}^T delta_l, the transpose lost and reshaped to fit",
    ),
    "bias_gradient_dropped": one(
        "minnet/mlp.py", "db = delta.sum(axis=0) / N", "db = np.zeros(delta.shape[1])", "the bias gradient left at 0"
    ),
    "missing_1_over_N": one(
        "minnet/two_layer.py",
        "dV = sum_in_order(e[:, :, None] * H[:, None, :]) / N",
        "dV = sum_in_order(e[:, :, None] * H[:, None, :])",
        "dV summed over the examples instead of averaged (1/N missing)",
    ),
    "sigma_prime_at_activation": one(
        "minnet/mlp.py",
        "derivative(self.activation_of(l - 1), z_below, a_below)",
        "derivative(self.activation_of(l - 1), a_below, a_below)",
        "s' evaluated at the activation a_{l-1} instead of the pre-activation z_{l-1}",
    ),
    "tanh_prime_from_z": one(
        "minnet/activations.py",
        "return 1.0 / np.cosh(z) ** 2",
        "return 1.0 - z**2",
        "tanh' written as 1 - z^2 (z where tanh z belongs)",
    ),
    "softmax_without_max_shift": one(
        "minnet/losses.py",
        "e = exp(z - z.max(axis=-1, keepdims=True))",
        "e = exp(z)",
        "softmax without subtracting the largest logit",
    ),
    "cross_entropy_delta_without_softmax": one(
        "minnet/losses.py",
        "return o - Y  # p - y",
        "return np.log(o) - Y  # p - y",
        "the cross-entropy delta from the logits, log p - y, instead of p - y",
    ),
    "adam_without_bias_correction": one(
        "minnet/optim.py",
        "m_hat = self.m / (1.0 - self.beta1**self.t)",
        "m_hat = self.m",
        "Adam without the bias correction of m",
    ),
    "adam_t_from_zero": one(
        "minnet/optim.py",
        "m_hat = self.m / (1.0 - self.beta1**self.t)",
        "m_hat = self.m / (1.0 - self.beta1 ** (self.t + 1))",
        "Adam's bias correction with t counted from 0: 1 - beta1^(t+1)",
    ),
    "eps_outside_the_root": one(
        "minnet/optim.py",
        "self.params -= self.lr * grad / np.sqrt(self.v + self.eps)",
        "self.params -= self.lr * grad / (np.sqrt(self.v) + self.eps)",
        "RMSprop's eps outside the square root, not inside as the document",
    ),
    "adamw_decays_after_the_step": Mistake(
        "minnet/optim.py",
        [
            ("self.params -= rate * self.params  # w := w - lambda w   (or alpha lambda w)\n        ", ""),
            ("Adam._update(self, grad)\n", "Adam._update(self, grad)\n        self.params -= rate * self.params\n"),
        ],
        "AdamW's decay after the Adam step instead of before",
    ),
    "momentum_buffer_kept": Mistake(
        "minnet/optim.py",
        [
            ("    state_names = ()\n", "    state_names = ()\n    kept = {}\n"),
            (
                "setattr(self, name, np.zeros_like(params))",
                "setattr(self, name, Optimizer.kept.setdefault((type(self).__name__, name, params.shape), np.zeros_like(params)))",
            ),
        ],
        "the optimizer's buffers (momentum, m, v) carried over from the previous run instead of starting at 0",
    ),
    "off_by_one_layer": one(
        "minnet/mlp.py",
        "s_prime = activations.derivative(self.activation_of(l - 1), z_below, a_below)",
        "s_prime = activations.derivative(self.activation_of(l), z_below, a_below)",
        "s' of layer l's activation where layer l-1's belongs",
    ),
    "hidden_bias_fed_to_U": one(
        "minnet/two_layer.py",
        "delta = matmul_in_order(e, self.V[:, :-1]) * sigma_prime",
        "delta = matmul_in_order(e, self.V[:, 1:]) * sigma_prime",
        "V's first column dropped from e V instead of the bias unit's (the bias unit's weight fed back to U)",
    ),
    "learning_rate_twice": one(
        "minnet/optim.py",
        "self.params -= self.lr * grad / np.sqrt(self.v + self.eps)",
        "self.params -= self.lr * self.lr * grad / np.sqrt(self.v + self.eps)",
        "RMSprop's learning rate applied twice",
    ),
}

# The checks, each a command run against the mistaken copy; the fast ones form the mutation test.
CHECKS = {
    "gradient check": ["tests/test_gradients.py"],
    "formula tests": ["tests/test_optim.py", "tests/test_networks.py"],
    "document 000": ["tests/test_two_layer_kernel.py::test_plain_fit_finds_minnets_document_000_iterations"],
    "rest of the fast suite": [
        "tests/test_train.py",
        "tests/test_hessian.py",
        "tests/test_per_example.py",
        "tests/test_landscape.py",
        "tests/test_checkpoint.py",
        "tests/test_bad_inputs.py",
    ],
}


def mistaken_copy(name, folder):
    """folder/minnet: a copy of minnet/ with mistake `name` applied (None: as it is); the installed files are not touched."""
    shutil.copytree(
        os.path.join(ROOT, "minnet"), os.path.join(folder, "minnet"), ignore=shutil.ignore_patterns("__pycache__")
    )
    if name is None:
        return
    m = MISTAKES[name]
    path = os.path.join(folder, m.path)
    source = open(path).read()
    for old, new in m.edits:
        if source.count(old) != 1:
            raise SystemExit(f"bughunt {name}: {m.path} no longer holds once what it changes: {old.strip()!r}")
        source = source.replace(old, new)
    with open(path, "w") as f:
        f.write(source)


def run_check(folder, tests, seen=None):
    """True when the tests fail (the mistake is caught) against the copy in `folder`; the failing test's
    one-line summaries are appended to `seen` (what a student running them would read)."""
    env = dict(
        os.environ,
        PYTHONPATH=folder,
        MPLBACKEND="Agg",
        NUMBA_CACHE_DIR=os.environ.get("NUMBA_CACHE_DIR", os.path.join(ROOT, "kernels", "__pycache__")),
    )
    command = [
        sys.executable,
        "-c",
        "import sys, pytest; sys.exit(pytest.main(sys.argv[1:]))",
        "-x",
        "-q",
        "-p",
        "no:cacheprovider",
        "--rootdir",
        ROOT,
        "--basetemp",
        os.path.join(folder, "pytest"),  # the tests' own temporary files go with the copy
        *[os.path.join(ROOT, t) for t in tests],
    ]
    out, _, status = run_in_own_group(command, cwd=folder, env=env, stderr=subprocess.PIPE)
    if seen is not None:
        seen += [line for line in out.split("\n") if line.startswith(("FAILED", "ERROR"))]
    return status != 0


TEST_MODULES = ("pytest", "hypothesis")  # what minnet's tests run with (the [test] extra)


def missing_for_the_hunt(checks):
    """What the bug hunt needs and this installation lacks: the checks' test files (tests/ is in minnet's repository,
    not installed with the package) and the modules the tests run with."""
    files = {test.split("::")[0] for tests in checks.values() for test in tests}
    missing = sorted(f for f in files if not os.path.isfile(os.path.join(ROOT, f)))
    return missing + [f"the module {m}" for m in TEST_MODULES if importlib.util.find_spec(m) is None]


def broken_checks(checks):
    """The checks that fail with no mistake applied: a test file that is not here (tests/ is not installed
    with minnet), or a test this machine fails. Such a check would call every mistake caught, so the bug
    hunt reports it as broken instead."""
    with tempfile.TemporaryDirectory(prefix="minnet-bughunt-") as folder:
        mistaken_copy(None, folder)
        return {check for check, tests in checks.items() if run_check(folder, tests)}


def hunt(name, checks=CHECKS, seen=None):
    """{check: caught} for one mistake: each check's tests run against a copy of minnet/ with the mistake."""
    with tempfile.TemporaryDirectory(prefix="minnet-bughunt-") as folder:
        mistaken_copy(name, folder)
        return {check: run_check(folder, tests, seen) for check, tests in checks.items()}


def hunt_copy(name, tests):
    """Whether `tests` fail against a copy of minnet/ with mistake `name` (None: without one)."""
    with tempfile.TemporaryDirectory(prefix="minnet-bughunt-") as folder:
        mistaken_copy(name, folder)
        return run_check(folder, tests)


def diff(name):
    """The mistake as a diff of minnet's lines."""
    m = MISTAKES[name]
    lines = [f"--- {m.path} (minnet)", f"+++ {m.path} (with the mistake: {m.what})"]
    for old, new in m.edits:
        lines += [f"- {line}" for line in old.strip("\n").split("\n")] + [
            f"+ {line}" for line in new.strip("\n").split("\n")
        ]
    return "\n".join(lines)


# ----- the command line ---------------------------------------------------------------------------
def command_list(args):
    print(f"{'exercise':<30}{'from':<60}shows in")
    for name, ex in EXERCISES.items():
        print(f"{name:<30}{ex.document[:58]:<60}{ex.shows_in}")


def command_start(args):
    path = student_file(args.name, args.dir)
    try:
        with open(path, "x") as f:  # "x": never overwrite a student's file
            f.write(starter(args.name))
    except FileExistsError:
        raise SystemExit(
            f"{path} already exists: it is yours, minnet does not overwrite it (check it with: python -m "
            f"demos.exercises check {args.name})"
        ) from None
    print(
        f"wrote {path}: write the lines marked there, then: python -m demos.exercises check {args.name} --dir "
        f"{args.dir}"
    )


def command_check(args):
    path = student_file(args.name, args.dir)
    if not os.path.isfile(path):
        raise SystemExit(f"{path} does not exist: python -m demos.exercises start {args.name} --dir {args.dir}")
    timeout = args.timeout or default_timeout(args.name)
    started = time.perf_counter()
    passed, failure = judged(args.name, path, timeout)
    for stage, message in passed:
        print(f"PASS  {stage}: {message}")
    if failure:
        print(f"FAIL  {failure.stage}: {failure.message}")
        return 1
    print(
        f"\nexercise {args.name} done ({time.perf_counter() - started:.1f} s). minnet's own lines: python -m "
        f"demos.exercises solution {args.name}"
    )
    return 0


def hints_shown(counter):
    """How many hints the counter file `counter` (minnet's own, a number) says were shown; 0 when there is none."""
    if not os.path.lexists(counter):
        return 0
    mine = os.path.isfile(counter) and not os.path.islink(counter)  # a link's target is someone else's file
    text = open(counter, errors="replace").read().strip() if mine else None
    if text is None or not re.fullmatch(r"[0-9]{1,6}", text):
        raise SystemExit(
            f"error: the hints file {counter} holds {text!r}, not the count of hints shown that minnet writes: "
            "it is not minnet's, so minnet leaves it (remove it to see the hints from the first)"
        )
    return int(text)


def command_hint(args):
    hints = EXERCISES[args.name].hints
    counter = os.path.join(args.dir, f".{args.name}.hints")
    shown = hints_shown(counter)
    if shown >= len(hints):
        print(
            f"no more hints for {args.name} ({len(hints)} given): python -m demos.exercises solution {args.name} "
            "shows minnet's lines"
        )
        return 0
    print(f"hint {shown + 1} of {len(hints)}: {hints[shown]}")
    with open(counter, "w") as f:
        f.write(str(shown + 1))
    return 0


def command_solution(args):
    ex = EXERCISES[args.name]
    print(f"minnet's own lines ({ex.target}):\n")
    print("\n".join(solution_lines(args.name)))


def command_bughunt(args):
    if args.list:
        for name, m in MISTAKES.items():
            print(f"{name:<38}{m.what}")
        return 0
    missing = missing_for_the_hunt(CHECKS)
    if missing:
        raise SystemExit(
            f"error: bughunt runs minnet's tests against a mistaken copy of minnet/ and lacks {', '.join(missing)} "
            f"(in {ROOT}): run it in a clone of minnet's repository with pip install -e '.[test]'"
        )
    names = [args.name] if args.name else list(MISTAKES)
    if args.name:
        print(diff(args.name) + "\n")
    broken = broken_checks(CHECKS)
    working = {check: tests for check, tests in CHECKS.items() if check not in broken}
    for check in broken:
        print(f"{check}: broken check, it fails with no mistake applied ({', '.join(CHECKS[check])}); not used")
    print(f"{'mistake':<38}" + "".join(f"{c:>24}" for c in CHECKS))
    seen = [] if args.name else None
    for name in names:
        caught = hunt(name, working, seen=seen)
        verdicts = ["broken check" if c in broken else "caught" if caught[c] else "missed" for c in CHECKS]
        print(f"{name:<38}" + "".join(f"{v:>24}" for v in verdicts), flush=True)
    if seen:
        print("\nwhat a student running those tests reads:\n" + "\n".join(seen))
    return 1 if broken else 0  # a broken check leaves the table incomplete


def student_folder(text):
    """argparse type of --dir: a folder's path (which `start` makes when missing), not a file's."""
    from demos.cli import folder

    if os.path.exists(folder(text)) and not os.path.isdir(text):
        raise argparse.ArgumentTypeError(f"must be a folder, got {text!r}, a file")
    return text


def unwritable(folder):
    """Why minnet cannot write in `folder` ('' when it can): it is made when missing, then a file made in it unseen and
    dropped (as root, os.access says yes to /proc)."""
    try:
        os.makedirs(folder, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as err:
        return err.strerror or str(err)
    return ""


COMMANDS = {
    "list": command_list,
    "start": command_start,
    "check": command_check,
    "hint": command_hint,
    "solution": command_solution,
    "bughunt": command_bughunt,
}


def parser():
    from demos.cli import OneLineErrors, float_in

    p = OneLineErrors(
        prog="python -m demos.exercises",
        description=__doc__.strip().split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="the exercises")
    for command in ("start", "check", "hint", "solution"):
        s = sub.add_parser(command)
        s.add_argument("name", choices=list(EXERCISES))
        s.add_argument(
            "--dir", type=student_folder, default=DEFAULT_DIR, help=f"your exercises' folder (default ./{DEFAULT_DIR})"
        )
    sub.choices["check"].add_argument(
        "--timeout",
        type=float_in(0, LONGEST_TIMEOUT, open_lo=True),
        metavar="SECONDS",
        help="stop your code after this long (default: a minute more than ten times what a correct solution takes)",
    )
    s = sub.add_parser("bughunt", help="mistakes students make, and which checks catch them")
    s.add_argument("name", nargs="?", choices=list(MISTAKES))
    s.add_argument("--list", action="store_true", help="the mistakes, one line each")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    p = parser()
    args = p.parse_args(argv)
    if args.command in ("start", "hint") and (why := unwritable(args.dir)):
        p.error(f"argument --dir: cannot write in {args.dir!r}: {why}")
    if args.command == "check" and not os.path.isdir(args.dir):
        p.error(f"argument --dir: no such folder: {args.dir!r} (python -m demos.exercises start {args.name} makes it)")
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, stop) if in_main_thread else None
    try:
        return COMMANDS[args.command](args) or 0
    except KeyboardInterrupt as interrupt:
        how = "stopped by SIGTERM" if isinstance(interrupt, Stopped) else "interrupted"
        print(f"{p.prog} {args.command}: {how}; its temporary files and processes are gone", file=sys.stderr)
        return 143 if isinstance(interrupt, Stopped) else 130
    finally:
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    raise SystemExit(main())
