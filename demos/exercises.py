"""Learn by writing it: exercises cut from minnet's own source, judged by whether your code reproduces the document's result.

    python -m demos.exercises list
    python -m demos.exercises start adam [--dir DIR]     writes DIR/adam.py (default ./minnet-exercises/); never overwrites
    python -m demos.exercises check adam [--dir DIR] [--timeout S]   your function in place of minnet's: shapes, formula or gradient, the payoff
    python -m demos.exercises check --all [--dir DIR]    every exercise started in DIR, then the status
    python -m demos.exercises status [--dir DIR]         each exercise: not started, started, failing (with what), passed (when)
    python -m demos.exercises hint adam [--dir DIR]      the hint for the mistake your last check found, then one more each time
    python -m demos.exercises solution adam              minnet's own lines
    python -m demos.exercises bughunt [--list] [NAME]    mistakes students make, and which checks catch them
    python -m demos.exercises bughunt --mystery [--seed S] [--dir DIR]   one unnamed mistake in a copy of minnet/ to find
    python -m demos.exercises bughunt --guess minnet/FILE.py:LINE [--dir DIR]   hot or cold
    python -m demos.exercises teach --no-solutions [--dir DIR]   a class's setting: solutions and the mystery's name withheld
    python -m demos.exercises table                      the README's tables of the exercises and of the bug hunt

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
minnet's when it does. A failure names the first of the exercise's quantities that differs from minnet's (its
shape in words, or the mistake recognised: a factor of N or 1/N, a sign, a transpose, the bias column, the learning
rate twice, a step count off by one, self.params rebound; for an optimizer, which of u, m, v, w and at which step),
and the check is written to DIR/progress.txt, a plain file a teacher can collect.

The bug hunt applies one of its mistakes to a copy of minnet/ in a temporary folder (never to your
files) and runs minnet's checks against the copy, to show which checks catch which mistake. It needs
minnet's tests (tests/, in minnet's repository, not installed with the package) and refuses without
them; stopped (Ctrl-C, SIGTERM), it removes its copy and stops the tests it started.
"""

import argparse
import calendar
import contextlib
import difflib
import faulthandler
import hashlib
import importlib
import importlib.util
import inspect
import json
import linecache
import os
import re
import secrets
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

from demos.curriculum import CLAIMS as CLAIMS_001
from demos.oscillations import CLAIMS as CLAIMS_000

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_DIR = "minnet-exercises"
START, END = re.compile(r"^(\s*)# exercise (\w+): (.*)$"), re.compile(r"^\s*# end exercise\s*$")


@dataclass
class Wrong:
    """A wrong answer students write: minnet's lines with `edits` [(old, new)] applied; the check stops at `stage`,
    names the mistake `mistake` (a key of exercises_RECOGNISED; None: caught, not named) and says `says`."""

    stage: str
    mistake: str | None
    edits: list
    says: str = ""


def wrong(stage, mistake, old, new, says=""):
    return Wrong(stage, mistake, [(old, new)], says)


@dataclass
class Exercise:
    """One exercise, declared whole: where its region is, what to compute, how stage 2 draws and calls it (case and
    call, or optimizer = (class, options)), the quantities its check compares by name, the payoff, the hints and the
    wrong answers its check recognises (tests/test_exercises.py writes each into a student's file)."""

    target: str  # "module:Class.method" or "module:function": the function the region sits in
    document: str  # the document and section the code comes from
    equations: str  # what to compute, as the document writes it, with shapes
    shows_in: str  # the study where its result shows
    kind: str  # "gradient", "optimizer" or "values": what stage 2 checks
    payoff: object  # payoff(name, student) -> (verdict, message): the document's result with the student's code
    pays_off: str  # the payoff in a line (the README's table)
    seconds: float  # a correct solution's check (measured on 2 shared cores, Numba's cache warm): the time limit's base
    quantities: dict  # {local name (or "return"; for optimizers a state name or "w"): its shape and meaning in words}
    case: object = None  # case(rng) -> (net, X, Y)
    call: object = None  # call(case, rng) -> what the function's caller returns
    optimizer: tuple = ()  # (class, options) for the optimizers
    hints: list = field(default_factory=list)
    wrong: list = field(default_factory=list)
    parts: dict = field(default_factory=dict)  # {quantity: [(words, part(minnet's locals))]}: its terms, added up


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

    def __init__(self, stage, message, mistake=None):
        super().__init__(message)
        self.stage, self.message, self.mistake = stage, message, mistake  # mistake: a key of RECOGNISED


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


# ----- naming the mistake: the first quantity that differs, its shape in words, the mistake recognised ------
# A check runs minnet's function and the student's on the same case and compares the quantities the exercise names
# (the function's local variables as it returns, or an optimizer's state after each step), in the order the region
# computes them. The first that differs is reported: a shape in words, or values as a mistake recognised (yours = c
# times minnet's with c = N, 1/N, -1, the learning rate, ...; a transpose; a step count off by one; self.params rebound),
# else the entry that differs. Each recognised mistake has its own message and its own hint, which `hint` shows first.
@dataclass
class Recognised:
    says: str  # the message, formatted with var (the quantity), N, lr, c, t, ...
    hint: str  # the hint `hint` shows first after a check found this mistake


RECOGNISED = {
    "factor_N": Recognised(
        "your {var} is {N} times minnet's, N = {N} the number of examples: did you forget to divide by N?",
        "The gradient of the mean error is the sum over the N examples divided by N (N = X.shape[0]).",
    ),
    "factor_1_over_N": Recognised(
        "your {var} is 1/{N} of minnet's, N = {N} the number of examples: did you divide by N twice?",
        "Divide by N once, where the sum over the examples is taken; what comes into the function is per example.",
    ),
    "sign": Recognised(
        "your {var} has the opposite sign of minnet's: a + where a - belongs (or the reverse)?",
        "Check each sign against the equations (e = O - Y, p - y; gradient descent steps against the gradient: "
        "w := w - alpha g, self.params -= ...).",
    ),
    "transpose": Recognised(
        "your {var} is the transpose of what it must be: the order of the product is reversed",
        "The shapes tell the order of a product: (a, N) @ (N, b) is (a, b); e.T @ H is (k, h), H.T @ e is (h, k).",
    ),
    "bias_column": Recognised(
        "your {var} is {got}; it must be {expected}, {words} (one {axis} {more}: the bias column?)",
        "A bias is a column of ones in a layer's input ([X 1], [a_1 1]) and the last column of its weights: going "
        "forward the ones are added (np.hstack); going back the bias unit, which has no incoming weights, is left "
        "out (V[:, :-1]).",
    ),
    "shape": Recognised(
        "your {var} is {got}; it must be {expected}, {words}",
        "Write each array's shape beside its line, as the equations do, and check every product's inner sizes.",
    ),
    "learning_rate": Recognised(
        "your {var} is lr = {c:g} times minnet's: is the learning rate (self.lr) applied twice?",
        "The learning rate is self.lr and multiplies the step once: w := w - alpha (...).",
    ),
    "bias_correction": Recognised(
        "your {var} is (1 - beta1^t) = {c:.4g} times minnet's: m without its bias correction?",
        "Adam divides m by (1 - beta1^t) and v by (1 - beta2^t) before the step: m_hat, v_hat (equation 7).",
    ),
    "step_count": Recognised(
        "your {var} is what the formula gives at t = {shifted}: do you count the steps from {start}?",
        "self.t is already 1 at the first step: Optimizer.step counts before calling _update; use self.t as it is.",
    ),
    "rebinding": Recognised(
        "self.params = ... makes a new array: the network's parameter vector, the array the optimizer was given, "
        "did not change. Update it in place: self.params -= ...",
        "self.params is the network's own parameter vector: change it in place (-=, +=, *=, [:] =), never rebind it.",
    ),
    "radians": Recognised(
        "your {var} is in radians, pi/180 = {c:.6g} times the degrees it must be",
        "math.acos gives radians; math.degrees (or * 180 / pi) gives the degrees the document plots.",
    ),
    "part_left_out": Recognised(
        "your {var} leaves out {parts}",
        "Every path from z to the loss counts: z_hat depends on z directly, through the variance and through the mean "
        "(each of which depends on every z of the batch); dz adds the three.",
    ),
    "part_without_1_over_N": Recognised(
        "in your {var}, {parts}: each N = {N} times minnet's, N the examples averaged: a 1/N missing?",
        "mu and var are averages over N entries: d mu / dz = 1/N and d var / dz = 2 (z - mu) / N; the 1/N stays.",
    ),
    "factor": Recognised(
        "your {var} is {c:.6g} times minnet's",
        "A constant factor is off: compare each coefficient with the equations (2, 1/2, N, h, the learning rate).",
    ),
}


def traced(function, call, seen=None):
    """(call()'s result, the local variables of `function`'s last call as it returned, with what it returned as
    "return"); the trace is set only on `function`'s own frames. The locals go into `seen` (a dict) as they come, so
    that they are there when call() raises."""
    code = getattr(function, "__code__", None)
    seen = {} if seen is None else seen

    def on_call(frame, event, arg):
        if frame.f_code is not code:
            return None

        def on_line(frame, event, arg):
            if event == "return":
                seen.clear()
                seen.update(frame.f_locals, **{"return": arg})
            return on_line

        return on_line

    previous = sys.gettrace()
    sys.settrace(on_call)
    try:
        result = call()
    finally:
        sys.settrace(previous)
    return result, seen


def arrays(value):
    """value as a float64 array, or None when it is not numbers."""
    try:
        a = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return a


def in_shape_words(var, got, expected, words):
    """(key, message) for arrays of different shapes."""
    words = words or "the shape the equations give"
    if got.ndim == expected.ndim == 2 and got.shape == expected.shape[::-1]:
        return "transpose", (
            f"your {var} is {got.shape}; it must be {expected.shape}, {words}: yours is its transpose, the order of "
            "the product reversed"
        )
    if got.ndim == expected.ndim:
        off = [k for k in range(got.ndim) if got.shape[k] != expected.shape[k]]
        if len(off) == 1 and abs(got.shape[off[0]] - expected.shape[off[0]]) == 1 and "bias" in words:
            axis = "column" if off[0] == got.ndim - 1 else "row"
            more = "too many" if got.shape[off[0]] > expected.shape[off[0]] else "missing"
            return "bias_column", RECOGNISED["bias_column"].says.format(
                var=var, got=got.shape, expected=expected.shape, words=words, axis=axis, more=more
            )
    return "shape", RECOGNISED["shape"].says.format(var=var, got=got.shape, expected=expected.shape, words=words)


def factor(got, expected):
    """c when got = c expected (to 1e-9, relative), else None."""
    norm = float(np.vdot(expected, expected))
    if not norm > 0 or not np.all(np.isfinite(got)):
        return None
    c = float(np.vdot(expected, got)) / norm
    return c if np.allclose(got, c * expected, rtol=1e-9, atol=1e-12 * np.abs(expected).max()) else None


def close(a, b):
    return bool(np.isclose(a, b, rtol=1e-6, atol=0.0))


def value_mistake(var, got, expected, factors=()):
    """(key, message) naming how `got` differs from `expected` (same shape), or None when nothing is recognised.
    factors: [(value, key, fields)] the exercise's named constants (N, 1/N, the learning rate, ...)."""
    if got.ndim == 2 and got.shape[0] == got.shape[1] and np.allclose(got.T, expected, rtol=1e-9, atol=1e-12):
        return "transpose", RECOGNISED["transpose"].says.format(var=var)
    c = factor(got, expected)
    if c is None:
        return None
    if close(c, 1.0):
        return None
    if close(c, -1.0):
        return "sign", RECOGNISED["sign"].says.format(var=var)
    for value, key, fields in factors:
        if close(c, value):
            return key, RECOGNISED[key].says.format(var=var, c=c, **fields)
    return "factor", RECOGNISED["factor"].says.format(var=var, c=c)


def reshaped_transpose(got, expected):
    """Whether `got`, of `expected`'s size, is expected's transpose (a 2-D array) read in another shape."""
    return (
        expected.ndim == 2
        and got.size == expected.size
        and np.allclose(got.ravel(), expected.T.ravel(), rtol=1e-9, atol=1e-12)
        and not np.allclose(got.ravel(), expected.ravel(), rtol=1e-9, atol=1e-12)
    )


def first_difference(mine, theirs, quantities, factors=(), parts=None):
    """(key, message) for the first of `quantities` ({name: words}, in the order the region computes them) where the
    student's locals `theirs` differ from minnet's `mine`; None when all agree (or none can be compared). parts:
    {name: [(words, part(mine))]}, a quantity's terms, to name one left out or one without its 1/N."""
    for name, words in quantities.items():
        if name not in mine or name not in theirs:
            continue
        var = "result" if name == "return" else name
        a, b = arrays(theirs[name]), arrays(mine[name])
        if a is None or b is None:
            continue
        if a.shape != b.shape:
            return in_shape_words(var, a, b, words)
        if np.allclose(a, b, rtol=1e-9, atol=1e-12, equal_nan=True):
            continue
        found = value_mistake(var, a, b, factors) or in_parts(
            var, a, [(words, part(mine)) for words, part in (parts or {}).get(name, [])], factors
        )
        if found:
            return found
        i = int(np.argmax(np.abs(a - b)))
        at = tuple(int(k) for k in np.unravel_index(i, a.shape))
        return None, (
            f"your {var} differs from minnet's first ({words}): entry {at[0] if len(at) == 1 else at} is "
            f"{float(a.ravel()[i])!r}, minnet's {float(b.ravel()[i])!r}"
        )
    return None


def in_parts(var, got, parts, factors=()):
    """(key, message) when `got` is sum_k c_k part_k of minnet's parts [(words, array)] with some c_k = 0 (a part
    left out) or some c_k = N (a part without its 1/N; N from `factors`), the others 1; None otherwise."""
    if not parts:
        return None
    A = np.stack([np.broadcast_to(part, got.shape).ravel() for _, part in parts], axis=1)
    c = np.linalg.lstsq(A, got.ravel(), rcond=None)[0]
    if not np.allclose(A @ c, got.ravel(), rtol=1e-9, atol=1e-12 * max(1.0, float(np.abs(got).max()))):
        return None
    N = next((fields["N"] for _, key, fields in factors if key == "factor_N"), None)
    left_out = [words for (words, _), ck in zip(parts, c) if abs(ck) < 1e-9]
    times_N = [words for (words, _), ck in zip(parts, c) if N and close(ck, N)]
    if not all(abs(ck) < 1e-9 or close(ck, 1.0) or (N and close(ck, N)) for ck in c) or not (left_out or times_N):
        return None
    if left_out:
        return "part_left_out", RECOGNISED["part_left_out"].says.format(var=var, parts=" and ".join(left_out))
    return "part_without_1_over_N", RECOGNISED["part_without_1_over_N"].says.format(
        var=var, parts=" and ".join(times_N), N=N
    )


def gradient_factors(N):
    """The named constants a gradient is often off by: N and 1/N."""
    return [(N, "factor_N", {"N": N}), (1.0 / N, "factor_1_over_N", {"N": N})] if N > 1 else []


def hint_for(key):
    """The hint for a recognised mistake ('' for none)."""
    return RECOGNISED[key].hint if key in RECOGNISED else ""


# ----- stage 1 and 2: shapes, then the gradient, the formula or minnet's values -------------------
# Each exercise declares its case (a small network and data drawn with a generator) and its call (what runs the
# function on the case); the optimizers declare their class and options instead (`stepped` runs them).
def two_layer_case(rng):
    """A small TwoLayerNet (document 000's network) and data drawn with rng."""
    from minnet import TwoLayerNet

    N = int(rng.integers(2, 7))
    net = TwoLayerNet(
        h=int(rng.integers(2, 6)),
        n_in=int(rng.integers(1, 4)),
        n_out=int(rng.integers(1, 3)),
        activation=str(rng.choice(["sigmoid", "tanh"])),
        loss=str(rng.choice(["half_mse", "mse"])),
        seed=int(rng.integers(1 << 30)),
    )
    return net, rng.normal(size=(N, net.n_in)), rng.normal(size=(N, net.n_out))


def mlp_case(rng, depths=(2, 5), loss="mse"):
    """A small MLP with 1 .. depths layers and data (labels for cross-entropy) drawn with rng."""
    from minnet import MLP

    N = int(rng.integers(2, 7))
    sizes = [int(n) for n in rng.integers(1, 5, size=int(rng.integers(*depths)))]
    sizes[-1] = max(sizes[-1], 2)
    net = MLP(
        sizes, activation=str(rng.choice(["tanh", "sigmoid", "silu"])), loss=loss, seed=int(rng.integers(1 << 30))
    )
    X = rng.normal(size=(N, sizes[0]))
    return net, X, rng.integers(0, sizes[-1], size=N) if loss == "cross_entropy" else rng.normal(size=(N, sizes[-1]))


def softmax_case(rng):
    return mlp_case(rng, loss="cross_entropy")


def deep_case(rng):
    """Recomputation needs layers to recompute: 3 to 5 layers."""
    return mlp_case(rng, depths=(4, 7))


def backprop_call(case, rng):
    net, X, Y = case
    return net.backprop(X, Y)


def numerical_call(case, rng):
    from minnet.gradcheck import numerical_gradient

    return numerical_gradient(*case)


def hvp_call(case, rng):
    from minnet import hessian

    net, X, Y = case
    return hessian.hvp(net, X, Y, rng.normal(size=net.n_params))


def per_example_call(case, rng):
    from minnet import per_example

    net, X, Y = case
    return per_example.numpy_layer_stats(net, X, Y, list(range(1, net.L + 1)))[2]


def direction_call(case, rng):
    from minnet import landscape

    return landscape.random_direction(case[0], np.random.default_rng(int(rng.integers(1 << 30))))


def checkpoint_call(case, rng):
    from minnet.studies.checkpoint import backprop

    net, X, Y = case
    return backprop(net, X, Y, "checkpoint", k=int(rng.integers(2, net.L + 1)))[1], backprop(net, X, Y, "memory_poor")[
        1
    ]


def readout_case(rng):
    """A small random-features network (784 -> N relu -> k in the study; here a few inputs) and data, with N + 1
    drawn on either side of the n examples but not at it (where the fit is least well conditioned)."""
    from minnet import MLP

    n, n_in, k = int(rng.integers(2, 9)), int(rng.integers(1, 5)), int(rng.integers(1, 4))
    N = int(rng.integers(1, 12))
    N += N + 1 == n
    net = MLP([n_in, N, k], activation="relu", loss="mse", init="he", seed=int(rng.integers(1 << 30)))
    return net, rng.normal(size=(n, n_in)), rng.normal(size=(n, k))


def readout_call(case, rng):
    from minnet.studies import double_descent

    net, X, Y = case
    double_descent.fit_readout(net, X, Y)
    return net.W[2].copy(), net.b[2].copy()


def embedding_case(rng):
    """A random modular-addition network (2p -> width -> p) for a small prime p: its W_1 is the embedding."""
    from minnet.studies import grokking

    p = int(rng.choice([5, 7, 11, 13]))
    return grokking.model(p, int(rng.integers(1, 7)), int(rng.integers(1 << 30))), p, None


def share_call(case, rng):
    from minnet.studies import grokking

    net, p, _ = case
    return grokking.single_frequency(net, p)


def vectors_case(rng):
    """Two gradients of a few weights: drawn, one zero, parallel or opposite (the angle's edge cases)."""
    a = rng.normal(size=int(rng.integers(1, 8)))
    b = [rng.normal(size=a.size), np.zeros(a.size), 2.5 * a, -a, a + 1e-3 * rng.normal(size=a.size)][
        int(rng.integers(5))
    ]
    return a, b, None


def angle_call(case, rng):
    from minnet import train

    a, b, _ = case
    return train.angle_degrees(a, b)


def batchnorm_case(rng):
    """A small MLP with one batch-normalised hidden layer (so that the backward pass runs once and its locals are
    compared with minnet's on the same dz_hat; a smooth activation, a bias before the normalisation, no affine
    parameters, eps 0 or 1e-5) and a batch of 4 to 8, redrawn until every normalised unit's variance exceeds 0.1:
    the five-point difference's step (1e-3) must be small beside the spread of z (at var = 0 with eps 0, z_hat is
    undefined)."""
    from minnet import MLP

    while True:
        N = int(rng.integers(4, 9))
        sizes = [int(n) for n in rng.integers(2, 6, size=3)]
        net = MLP(
            sizes, activation=str(rng.choice(["tanh", "sigmoid", "silu"])), loss=str(rng.choice(["mse", "half_mse"])),
            seed=int(rng.integers(1 << 30)), normalise="batch", affine=False, norm_eps=float(rng.choice([0.0, 1e-5])),
        )  # fmt: skip
        X, Y = rng.normal(size=(N, sizes[0])), rng.normal(size=(N, sizes[-1]))
        _, _, norm = net.layers_forward(X)
        if all(np.min(cache.var) > 0.1 for cache in norm if cache is not None):
            return net, X, Y


def shapes_of(value):
    """The nested structure of shapes of what a function returned."""
    if isinstance(value, (tuple, list)):
        return type(value).__name__, [shapes_of(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.shape, value.dtype.kind
    if isinstance(value, np.generic):  # a NumPy number works wherever its Python one does: np.float64 is a float
        value = value.item()
    return type(value).__name__


def in_words(shapes):
    """shapes_of's structure as a student reads it: 'a tuple of (an array (6,), a list of 2 (...))'."""
    if isinstance(shapes, tuple) and len(shapes) == 2 and isinstance(shapes[1], list):
        return f"a {shapes[0]} of {len(shapes[1])} ({', '.join(in_words(s) for s in shapes[1])})"
    if isinstance(shapes, tuple) and len(shapes) == 2 and isinstance(shapes[0], tuple):
        return f"an array {shapes[0]}" + ("" if shapes[1] == "f" else f" of kind {shapes[1]!r}")
    return f"a {shapes}"


# zero, signs, tiny, large
HAND_MADE_GRADIENTS = [
    np.zeros(5),
    np.array([1.0, -1.0, 2.0, -2.0, 0.5]),
    np.full(5, 1e-8),
    np.array([1e3, -1e3, 0.0, 1.0, -1.0]),
]
OPTIMIZER_LR = 0.1  # the optimizers' learning rate in stages 1 and 2


@dataclass
class Step:
    """One optimizer step of stage 2: t, the gradient, the state before and after (w: the array it was given)."""

    t: int
    grad: np.ndarray
    before: dict
    after: dict
    rebound: bool  # self.params no longer the array the optimizer was given


def stepped(name, seed, student=None, stage="formula"):
    """The exercise's optimizer, built on w drawn with `seed`, stepped on the hand-made gradients then 3 drawn ones,
    with minnet's _update or the student's (its errors a Failure of `stage`): [Step]."""
    cls, options = optimizer_of(name)
    rng = np.random.default_rng(seed)
    given = rng.normal(size=5)
    gradients = HAND_MADE_GRADIENTS + [rng.normal(size=5) for _ in range(3)]
    opt = cls(given, lr=OPTIMIZER_LR, **options)

    def state():
        return {**{n: np.array(getattr(opt, n), dtype=float, copy=True) for n in cls.state_names}, "w": given.copy()}

    steps = []
    with in_place_of_minnets(name, student) if student else contextlib.nullcontext():
        for g in gradients:
            before = state()
            guarded(stage, name, lambda g=g: opt.step(g)) if student else opt.step(g)
            steps.append(Step(opt.t, g, before, state(), opt.params is not given))
    return steps


def optimizer_of(name):
    """(the optimizer's class, its options) from the exercise's ("module:Class", options)."""
    where, options = EXERCISES[name].optimizer
    module, cls = where.split(":")
    return getattr(importlib.import_module(module), cls), options


def replayed(name, step, t):
    """minnet's state after `step` had it been taken at step count t (the student's count off by one?)."""
    cls, options = optimizer_of(name)
    opt = cls(step.before["w"].copy(), lr=OPTIMIZER_LR, **options)
    opt.load_state_dict({"t": t, **{n: step.before[n] for n in cls.state_names}})
    original(EXERCISES[name])(opt, step.grad)
    return {**{n: getattr(opt, n) for n in cls.state_names}, "w": opt.params}


def optimizer_difference(name, mine, theirs):
    """(key, message) for the first step at which the student's optimizer departs from minnet's, None when it does
    not: which of the quantities (u, or m, v, then w) first differs, at which step, and the mistake recognised."""
    quantities = EXERCISES[name].quantities
    for a, b in zip(mine, theirs):
        if b.rebound:
            return "rebinding", f"at step t = {b.t}: " + RECOGNISED["rebinding"].says
        for q, words in quantities.items():
            if not np.array_equal(np.shape(a.after[q]), np.shape(b.after[q])):
                key, says = in_shape_words(q, np.asarray(b.after[q]), np.asarray(a.after[q]), words)
                return key, f"at step t = {b.t}: {says}"
            if np.allclose(b.after[q], a.after[q], rtol=1e-9, atol=1e-12, equal_nan=True):
                continue
            agree = [p for p in quantities if p != q and np.allclose(b.after[p], a.after[p], rtol=1e-9, atol=1e-12)]
            where = (
                f"at step t = {b.t} (gradient {np.array2string(b.grad, precision=3)}), your {q} ({words}) is the first "
                f"to differ" + (f" ({' and '.join(agree)} {'agrees' if len(agree) == 1 else 'agree'})" if agree else "")
            )
            return optimizer_mistake(name, a, b, q) or (None, f"{where}: {entry_apart(b.after[q], a.after[q])}")
    return None


def optimizer_mistake(name, a, b, q):
    """(key, message) when the student's step b (minnet's: a) differs in q by a recognised mistake, else None."""
    for shifted in (b.t + 1, b.t - 1) if b.t > 1 else (b.t + 1,):
        other = replayed(name, b, shifted)
        if not all(np.allclose(other[p], a.after[p]) for p in a.after):  # the count matters to this step
            if all(np.allclose(b.after[p], other[p], rtol=1e-9, atol=1e-12) for p in b.after):
                return "step_count", f"at step t = {b.t}: " + RECOGNISED["step_count"].says.format(
                    var=q, shifted=shifted, start=0 if shifted > b.t else 2
                )
    got, expected = b.after[q], a.after[q]
    if q == "w":  # the step, not the weights: w_t - w_{t-1}
        got, expected, q = got - b.before["w"], expected - a.before["w"], "step w_t - w_{t-1}"
    factors = [(OPTIMIZER_LR, "learning_rate", {})]
    cls, options = optimizer_of(name)
    if "beta1" in inspect.signature(cls).parameters:
        beta1 = options.get("beta1", inspect.signature(cls).parameters["beta1"].default)
        factors.append((1 - beta1**b.t, "bias_correction", {"t": b.t}))
    found = value_mistake(q, got, expected, factors)
    return (found[0], f"at step t = {b.t}: {found[1]}") if found else None


def entry_apart(got, expected):
    i = int(np.argmax(np.abs(np.asarray(got) - np.asarray(expected))))
    return f"entry {i} is {float(np.ravel(got)[i])!r}, the formula gives {float(np.ravel(expected)[i])!r}"


def traced_pair(name, student, case, seed):
    """(minnet's locals, the student's, the student's error or None) as the exercise's function returns on `case`
    (the last call's; the student's as they were when an error stopped it)."""
    ex = EXERCISES[name]
    _, mine = traced(original(ex), lambda: ex.call(case, np.random.default_rng(seed)))
    theirs, error = {}, None

    def call():
        return ex.call(case, np.random.default_rng(seed))

    with in_place_of_minnets(name, student):
        try:
            traced(student, call, theirs)
        except Exception as err:  # noqa: BLE001  the student's code can fail in any way: their locals still tell
            error = err
    return mine, theirs, error


def named_difference(name, student, case, seed):
    """(key, message) for the first of the exercise's quantities where the student's function differs from minnet's
    on `case`; None when they agree or the difference is not in a named quantity. A line of the student's that
    stops on arrays of mismatched shapes (delta = (e V) * sigma' with V's bias column kept) is named by the quantity
    it assigns, or by the first quantity computed before it that differs."""
    mine, theirs, error = traced_pair(name, student, case, seed)
    quantities = {q: words for q, words in EXERCISES[name].quantities.items() if not (error and q == "return")}
    N = np.shape(case[1])[0] if EXERCISES[name].kind == "gradient" else 1  # the examples of a gradient's case
    found = first_difference(
        mine, theirs, quantities, gradient_factors(N) + [(np.pi / 180, "radians", {})], EXERCISES[name].parts
    )
    if found or error is None:
        return found
    if isinstance(error, ValueError):
        return mismatched_line(name, error, mine)
    raise error


SHAPES_IN_ERROR = re.compile(r"\(([0-9, ]+)\)")


def mismatched_line(name, err, mine):
    """(key, message) for the student's line that raised `err` on arrays of mismatched shapes, when the line assigns
    one of the exercise's quantities and one of the shapes is that quantity's; None otherwise."""
    line = student_line(err, name)
    assigned = re.search(r": (\w+)\s*=[^=]", line)
    if not assigned or assigned.group(1) not in EXERCISES[name].quantities or assigned.group(1) not in mine:
        return None
    var, expected = assigned.group(1), np.shape(mine[assigned.group(1)])
    shapes = [
        tuple(int(n) for n in text.replace(" ", "").split(",") if n) for text in SHAPES_IN_ERROR.findall(str(err))
    ]
    others = [shape for shape in shapes if shape != expected and len(shape) == len(expected)]
    if expected not in shapes or not others:
        return None
    key, says = in_shape_words(var, np.empty(others[0]), np.empty(expected), EXERCISES[name].quantities[var])
    return key, f"{says}{line}"


def stage_shapes(name, student):
    ex = EXERCISES[name]
    if ex.kind == "optimizer":
        mine = stepped(name, 0)
        theirs = stepped(name, 0, student, stage="shapes")
        for q, words in ex.quantities.items():
            got, expected = np.asarray(theirs[0].after[q]), np.asarray(mine[0].after[q])
            if got.shape != expected.shape:
                key, says = in_shape_words(q, got, expected, words)
                raise Failure("shapes", f"{says}\n  the equations (with shapes):\n{equations_of(name)}", key)
        return "your updates have the shapes minnet's code needs"
    case = ex.case(np.random.default_rng(0))
    expected = shapes_of(ex.call(case, np.random.default_rng(1)))
    named = None
    with contextlib.suppress(Exception):  # the student's other errors are said below, with their line
        named = named_difference(name, student, case, 1)
    if named and named[0] in ("shape", "bias_column", "transpose") and "must be (" in named[1]:
        raise Failure("shapes", f"{named[1]}\n  the equations (with shapes):\n{equations_of(name)}", named[0])
    with in_place_of_minnets(name, student):
        got = shapes_of(guarded("shapes", name, lambda: ex.call(case, np.random.default_rng(1))))
    if got != expected:
        raise Failure(
            "shapes",
            f"your function returns {in_words(got)}; minnet's code needs {in_words(expected)}\n  the equations (with "
            f"shapes):\n{equations_of(name)}",
            "shape",
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
    """Stage 2: gradient exercises against finite differences on drawn networks; optimizers step by step against
    minnet's; the others against minnet's own function on the same drawn cases."""
    ex = EXERCISES[name]
    stage = STAGE_NAMES[ex.kind]
    for seed in range(DRAWS):
        if ex.kind == "optimizer":
            found = optimizer_difference(name, stepped(name, seed), stepped(name, seed, student))
            if found:
                raise Failure(stage, f"{found[1]}\n  the equations:\n{equations_of(name)}", found[0])
            continue
        case = ex.case(np.random.default_rng(seed))
        if ex.kind == "gradient":
            check_gradient_of(name, student, case, seed)
            continue
        expected = ex.call(case, np.random.default_rng(seed + 1))
        with in_place_of_minnets(name, student):
            got = guarded(stage, name, lambda: ex.call(case, np.random.default_rng(seed + 1)))
        compare(name, stage, got, expected, lambda: named_difference(name, student, case, seed + 1))
    return PASSED[ex.kind]


def check_gradient_of(name, student, case, seed):
    from minnet.gradcheck import check_gradient

    net, X, Y = case
    with in_place_of_minnets(name, student):
        errors = guarded("gradient check", name, lambda: check_gradient(net, X, Y))
    worst = max(errors, key=errors.get)
    if not errors[worst] < 1e-6:
        key, says = guarded("gradient check", name, lambda: named_difference(name, student, case, seed)) or (None, "")
        raise Failure(
            "gradient check",
            (f"{says}\n  " if says else "")
            + f"the gradient of {worst} differs from the five-point finite difference by {errors[worst]:.2e} "
            "(relative; a correct one: < 1e-6) "
            f"on {type(net).__name__}({', '.join(f'{k}={v!r}' for k, v in net.config.items())}) with {X.shape[0]} "
            f"examples\n  the equations:\n{equations_of(name)}",
            key,
        )


def compare(name, stage, got, expected, named=lambda: None):
    """Stage 2 of the values exercises: what the student's function returned against minnet's; a difference is
    named by `named()` (the first quantity that differs and the mistake recognised) when it can be."""
    flat_got, flat_expected = flatten(got), flatten(expected)
    same_shapes = len(flat_got) == len(flat_expected) and all(
        a.shape == b.shape for a, b in zip(flat_got, flat_expected)
    )
    apart = [
        k
        for k, (a, b) in enumerate(zip(flat_got, flat_expected))
        if not np.allclose(a, b, rtol=1e-9, atol=1e-12, equal_nan=True)
    ]
    if same_shapes and not apart:
        return
    key, says = guarded(stage, name, named) or (None, "")
    if not says and not same_shapes:
        says = f"your result is {in_words(shapes_of(got))}; minnet's is {in_words(shapes_of(expected))}"
    if not says:
        k = apart[0]
        a, b = flat_got[k], flat_expected[k]
        found = value_mistake("result" if len(flat_got) == 1 else f"part {k} of your result", a, b)
        key, says = found or (None, f"part {k} of your result differs from minnet's: {entry_apart(a, b)}")
    raise Failure(stage, f"{says}\n  the equations:\n{equations_of(name)}", key)


def flatten(value):
    if isinstance(value, (tuple, list)):
        return [part for v in value for part in flatten(v)]
    return (
        [np.asarray(value, dtype=np.float64)] if np.ndim(value) or isinstance(value, (int, float, np.floating)) else []
    )


# ----- stage 3: the payoff, the document's result with the student's code -------------------------
# The documents' values the payoffs compare with, in one place (document 000's notebook events, 734, 752, 755, are
# minnet.studies.dynamics.NOTEBOOK_EVENTS, the study's own).
RACE_MINIMUM = 8.073  # the lowest MSE over the two weights (document 002: 7.695; the study's default landscape: 8.073)
# document 001: the first run passes 80% training accuracy within 100 iterations (demos.curriculum's claims table)
CURRICULUM_ITERATIONS = CLAIMS_001.document_value("accuracy_80_iteration")
SHARPNESS_CROSSING = 481  # document 000's run: the sharpness crosses 2/lr at iteration 481 (the study's measure)
DOUBLE_DESCENT_N = 100  # the payoff's training images: a small double descent (the study's default is 1000)
DOUBLE_DESCENT_WIDTHS = (10, 50, DOUBLE_DESCENT_N - 1, 200, 1000)  # hidden widths N; N + 1 = n is the threshold
CHECKPOINT_EVALUATIONS = 28  # document 004: L + (L - 1) - (L - 1) // k layer evaluations for L = 16, k = 4
# the exponential learning rate's payoff: a small pair of minnet.studies.exp_lr (the study's own: 300 steps, width 64)
EXP_LR_PAIR = dict(normalised=True, momentum=0.9, lr=0.1, weight_decay=0.01, steps=25, width=16, seed=0)
EXP_LR_EQUIVALENT = 1e-9  # the study's rule, demos.exp_lr.EQUIVALENT (tests/test_exercises.py holds them equal)
EVENTS_000 = ("argmin_grad_norm", "argmin_train", "argmin_test")  # rows of demos.oscillations' claims table
PAYOFF_DOC000 = (
    "document 000's run equals minnet's through iteration 500, then the angle, the norm and the error grow in the "
    f"document's order (the notebook: {', '.join(str(CLAIMS_000.document_value(k)) for k in EVENTS_000)})"
)

STABLE_STRETCH = (
    500  # document 000's run: any correct order of sums agrees to 1e-12 this far (tests/test_same_everywhere.py)
)


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
        + (
            "; the angle, then the norm, then the error grow, as document 000 says"
            if order["order_as_document"]
            else "; NOT in the document's order of events (angle, then norm, then error)"
        )
    )
    return verdict, message


def race_setup():
    from minnet.studies import optimizer_paths as op

    net, X, Y = op.build("relu", trained=False, seed=0)
    i, j = op.layer2_index(net, 5), op.layer2_index(net, 4)  # the study's default pair (interior_pair with seed 0)
    return op, net, X, Y, i, j


RACE_START = np.array([0.4845, 1.1107])  # a start from which all four reach the star (the README's race picture)


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
    ok = reach(theirs) is not None and reach(theirs) <= CURRICULUM_ITERATIONS
    return ok, (
        "with your delta, document 001's first run (784-8-10 on MNIST-5k, SGD lr 0.01, batch 128) passes 80% "
        "training accuracy at iteration "
        f"{reach(theirs)} (the document: within {CURRICULUM_ITERATIONS}; minnet: {reach(mine)})"
        + departure(mine, theirs, "iteration")
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
    return crossing == events_minnet["sharpness_crosses_2_over_lr"] == SHARPNESS_CROSSING, (
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
    return identical and tape.evaluations == CHECKPOINT_EVALUATIONS, (
        "with your recomputation, checkpointed backpropagation of a 16-layer MLP (k = 4) evaluates "
        f"{tape.evaluations} layers "
        f"(document 004's L + (L - 1) - (L - 1) // k = 28) and its gradient is "
        f"{'bit for bit the vanilla one' if identical else 'not the vanilla one'}"
    )


def payoff_double_descent(name, student):
    """Document 004's double descent with the student's readout: a small version of the study (n = 100 images,
    10% of their labels noisy, five widths to 10 n); the test error peaks at the interpolation threshold."""
    from minnet.studies import double_descent as dd

    config = {"n": DOUBLE_DESCENT_N, "label_noise": 0.1, "widths": list(DOUBLE_DESCENT_WIDTHS), "seed": 0}
    mine = dd.width_task(config)
    with in_place_of_minnets(name, student):
        theirs = guarded("payoff", name, lambda: dd.width_task(config))
    weights = dd.CLASSES * (np.array(config["widths"]) + 1)
    threshold = dd.CLASSES * DOUBLE_DESCENT_N
    peak = int(weights[np.nanargmax(theirs["test_error"])])
    at_threshold = threshold / 2 <= peak <= 2 * threshold
    same = all(np.allclose(theirs[k], mine[k], rtol=1e-6, atol=1e-9) for k in ("test_error", "readout_norm"))
    return at_threshold and same, (
        f"with your readout, the test error of {DOUBLE_DESCENT_N} MNIST images' random-features fits peaks at "
        f"{peak:,} weights ({theirs['test_error'].max():.3f}), "
        + ("at" if at_threshold else "NOT at")
        + f" the interpolation threshold n x 10 = {threshold:,} (document 004: within a factor 2), and falls to "
        f"{theirs['test_error'][-1]:.3f} at 10 n; "
        + ("the curve and the fit's norm are minnet's" if same else "the curve or the fit's norm differ from minnet's")
    )


def payoff_one_frequency(name, student):
    """Gromov's hand-built embedding (each unit one frequency) scores 1, a random one about 0.2 (p = 31)."""
    from minnet.studies import grokking

    p, width = grokking.GROMOV["p"], grokking.GROMOV["width"]
    rng = np.random.default_rng(0)
    random_net, gromov = grokking.model(p, width, 0), grokking.model(p, width, 0)
    k, phase = rng.integers(1, (p + 1) // 2, size=(width, 1)), rng.uniform(0, 2 * np.pi, size=(width, 2))
    a = np.arange(p)
    gromov.W[1][:, :p] = np.cos(2 * np.pi * k * a / p + phase[:, :1])  # W_1[u, a] = cos(2 pi k_u a / p + phi_u)
    gromov.W[1][:, p:] = np.cos(2 * np.pi * k * a / p + phase[:, 1:])
    mine = [grokking.single_frequency(net, p) for net in (gromov, random_net)]
    with in_place_of_minnets(name, student):
        theirs = guarded("payoff", name, lambda: [grokking.single_frequency(net, p) for net in (gromov, random_net)])
    same = np.allclose(theirs, mine, rtol=1e-9)
    return same and theirs[0] > 0.999, (
        f"with your share, Gromov's embedding (each hidden unit one frequency, p = {p}) scores {theirs[0]:.4f} and "
        f"a random one {theirs[1]:.3f} (document 004's grokking: the trained network's share climbs from about 0.2 "
        f"toward Gromov's 1; minnet: {mine[0]:.4f} and {mine[1]:.3f})"
    )


def payoff_gradient_angle(name, student):
    """Document 000's run with the student's angle: the angle grows first, then the gradient norm, then the error;
    the angle's onsets (10, 45, 90 degrees) are minnet's."""
    from minnet import SGD, TestLoss, TwoLayerNet, fit
    from minnet.data import doc000
    from minnet.studies.dynamics import event_order

    def run():
        X, Y, X_test, Y_test = doc000("f1")
        net = TwoLayerNet(h=3)
        history = fit(net, X, Y, SGD(net.params, lr=1.0), 1000, recorders=[TestLoss(X_test, Y_test)])
        return event_order(history), history["grad_angle"]

    (order_minnet, mine) = run()
    with in_place_of_minnets(name, student):
        order, theirs = guarded("payoff", name, run)
    onsets = [f"angle_onset_{d}" for d in (10, 45, 90)]
    same = all(order[k] == order_minnet[k] for k in ["angle_growth_start", *onsets])
    return same and order["order_as_document"], (
        f"with your angle, document 000's run (f1, 3, 1, 1000) turns: the angle between consecutive gradients grows "
        f"from iteration {order['angle_growth_start']}, passes 10, 45, 90 degrees at "
        f"{', '.join(str(order[k]) for k in onsets)} (minnet: {order_minnet['angle_growth_start']}; "
        f"{', '.join(str(order_minnet[k]) for k in onsets)})"
        + (
            "; then the norm, then the error grow, as document 000 says"
            if order["order_as_document"]
            else "; NOT in the document's order of events (angle, then norm, then error)"
        )
        + departure(mine, theirs, "iteration")
    )


def payoff_exp_lr(name, student):
    """Document 004's exponential learning rate with the student's backward pass: Li & Arora's pair of runs A
    (constant lr, weight decay) and B (lr growing as alpha^(-2t-1), no decay) of minnet.studies.exp_lr at a small
    size (EXP_LR_PAIR): their outputs agree at every step to the study's rule (EXP_LR_EQUIVALENT), and run A is
    minnet's."""
    from minnet.studies import exp_lr

    mine = exp_lr.equivalence_task(EXP_LR_PAIR)
    with in_place_of_minnets(name, student):
        theirs = guarded("payoff", name, lambda: exp_lr.equivalence_task(EXP_LR_PAIR))
    apart = float(np.max(theirs["output_difference"]))
    departs = departure(mine["loss_A"], theirs["loss_A"], "step")
    equivalent = apart <= EXP_LR_EQUIVALENT  # NaN fails
    width, steps = EXP_LR_PAIR["width"], EXP_LR_PAIR["steps"]
    return equivalent and not departs, (
        f"with your backward pass, run A (lr {EXP_LR_PAIR['lr']:g}, weight decay {EXP_LR_PAIR['weight_decay']:g}, "
        f"momentum {EXP_LR_PAIR['momentum']:g}) and run B (lr growing as alpha^(-2t-1), no weight decay) of a "
        f"batch-normalised 784-{width}-{width}-10 on MNIST-5k give the same outputs over {steps} steps to a relative "
        f"{apart:.1e} (minnet: {np.max(mine['output_difference']):.1e}): "
        + ("the same training, as Li & Arora say" if equivalent else f"NOT within the study's {EXP_LR_EQUIVALENT:g}")
        + (departs or "; your run A is minnet's")
    )


# ----- the exercises: each with its case, call, payoff, the quantities its check compares and its wrong answers ---
PAYOFF_MLP = "document 002's race: Adam from (0.4845, 1.1107) reaches the star, MSE within 1% of 8.073"
EXERCISES = {
    "two_layer_output": Exercise(
        "minnet.two_layer:TwoLayerNet.backprop", "document 000, section 1 (the backward pass of the one-hidden-layer network: the output layer)",
        """dV = e^T H / N                      (k, h)   H with its bias unit
        e  = O - Y, given                   (N, k)   (2 (O - Y) / k for loss="mse"), from losses.output_delta""",
        "demos.oscillations", "gradient", payoff_doc000, PAYOFF_DOC000, 2,
        {"dV": "(k, h): e^T H / N, H with its bias unit"},
        case=two_layer_case, call=backprop_call,
        hints=["e = O - Y, the derivative of the example's error (1/2)|O - y|^2 with respect to O, is computed above the blank.",
               "dV is a sum over examples of an outer product e_n H_n^T, divided by N: a matrix product of (N, .) arrays.",
               "The shapes tell the order: dV must be (k, h), e is (N, k), H is (N, h)."],
        wrong=[wrong("gradient check", "factor_N", "H[:, None, :]) / N", "H[:, None, :])", "did you forget to divide by N?"),
               wrong("shapes", "transpose", "e[:, :, None] * H[:, None, :]", "H[:, :, None] * e[:, None, :]", "your dV is (4, 1); it must be (1, 4)")]),
    "two_layer_hidden": Exercise(
        "minnet.two_layer:TwoLayerNet.backprop", "document 000, section 1 (the backward pass of the one-hidden-layer network: the hidden layer)",
        """sigma' = H (1 - H), from activations.derivative(self.activation, Z, H[:, :-1])
        delta = (e V) * sigma'(U X)        (N, h-1) V without its last (bias) column
        dU = delta^T X / N                  (h-1, n_in+1)   X with its bias column (Xb)""",
        "demos.oscillations", "gradient", payoff_doc000, PAYOFF_DOC000, 1.5,
        {"sigma_prime": "(N, h-1): sigma'(U X) at the hidden units, without the bias unit",
         "delta": "(N, h-1): e V without V's bias column (self.V[:, :-1]), times sigma'",
         "dU": "(h-1, n_in+1): delta^T Xb / N, Xb with its bias column"},
        case=two_layer_case, call=backprop_call,
        hints=["The hidden bias unit has no incoming weights: leave V's last column out of e V (self.V[:, :-1]).",
               "sigma'(U X) for the sigmoid is H (1 - H) with H the hidden activations before the bias unit: H[:, :-1].",
               "The shapes tell the order: dU must be (h-1, n_in+1), delta is (N, h-1), Xb is (N, n_in+1)."],
        wrong=[wrong("shapes", "bias_column", "self.V[:, :-1]", "self.V", "your delta is (6, 4); it must be (6, 3)"),
               wrong("gradient check", "factor_1_over_N", "Xb[:, None, :]) / N", "Xb[:, None, :]) / N / N", "did you divide by N twice?"),
               wrong("gradient check", "factor_N", "Xb[:, None, :]) / N", "Xb[:, None, :])", "did you forget to divide by N?"),
               wrong("gradient check", "transpose", "delta[:, :, None] * Xb[:, None, :]", "Xb[:, :, None] * delta[:, None, :]",
                     "your dU is the transpose of what it must be"),
               wrong("gradient check", None, "self.V[:, :-1]", "self.V[:, 1:]", "your delta differs from minnet's first")]),
    "mlp_backward": Exercise(
        "minnet.mlp:MLP.delta_below", "the general L-layer MLP (minnet/mlp.py), the recursion of backpropagation",
        """s' = s'(z_{l-1})                    activations.derivative(self.activation_of(l - 1), z_below, a_below)
        delta_{l-1} = (delta_l W_l) * s'(z_{l-1})     (N, n_{l-1}); W_l is (n_l, n_{l-1})""",
        "demos.optimizer_paths", "gradient", lambda n, s: payoff_race(n, s, "adam"), PAYOFF_MLP, 1,
        {"s_prime": "(N, n_{l-1}): s' at the pre-activation z_{l-1} of the layer below", "return": "delta_{l-1} (N, n_{l-1}) = (delta_l W_l) * s'"},
        case=mlp_case, call=backprop_call,
        hints=["delta_l is (N, n_l) and W_l is (n_l, n_{l-1}): which product gives (N, n_{l-1})?",
               "The derivative is taken at the pre-activation z_{l-1} of the layer below (the activation a_{l-1} is passed too, "
               "for s' written in terms of a)."],
        wrong=[wrong("gradient check", None, "z_below, a_below)", "a_below, a_below)", "your s_prime differs from minnet's first"),
               wrong("gradient check", "sign", "return (delta @ self.W[l]) * s_prime", "return -(delta @ self.W[l]) * s_prime", "opposite sign")]),
    "softmax_cross_entropy_delta": Exercise(
        "minnet.losses:output_delta", "document 001 and 004: softmax output with cross-entropy",
        """delta = dl_n/dz_n = p - y          (N, k), p = softmax(z) (the argument o), y one-hot""",
        "demos.curriculum", "gradient", payoff_curriculum, "document 001's first run passes 80% training accuracy within 100 iterations", 8.5,
        {"return": "(N, k): p - y"},
        case=softmax_case, call=backprop_call,
        hints=["l = -sum_j y_j log p_j with p = softmax(z): differentiate log p_j = z_j - log sum_i e^{z_i}.",
               "The answer does not involve the softmax's Jacobian explicitly: it cancels."],
        wrong=[wrong("gradient check", "sign", "return o - Y", "return Y - o", "your result has the opposite sign"),
               wrong("gradient check", None, "return o - Y", "return np.log(o) - Y", "differs from the five-point finite difference")]),
    "sgd_momentum": Exercise(
        "minnet.optim:SGD._update", "document 002, section 4.1, equation (3), with momentum",
        """u := momentum u + g                 (self.velocity, in place)
        w := w - alpha u                    (self.params, in place; alpha = self.lr)""",
        "demos.oscillations and demos.optimizer_paths", "optimizer", payoff_doc000, PAYOFF_DOC000, 1,
        {"velocity": "u := momentum u + g (self.velocity)", "w": "w := w - alpha u (self.params)"},
        optimizer=("minnet.optim:SGD", {"momentum": 0.9}),
        hints=["Update the arrays in place (*=, +=, -=): the optimizer's params are the network's own parameter vector.",
               "With momentum 0 this is plain gradient descent, w := w - alpha g."],
        wrong=[wrong("formula", "sign", "self.params -= self.lr", "self.params += self.lr", "opposite sign"),
               wrong("formula", "rebinding", "self.params -= self.lr * self.velocity", "self.params = self.params - self.lr * self.velocity",
                     "Update it in place"),
               wrong("formula", "learning_rate", "self.params -= self.lr * self.velocity", "self.params -= self.lr * self.lr * self.velocity",
                     "applied twice")]),
    "rmsprop": Exercise(
        "minnet.optim:RMSprop._update", "document 002, section 4.2, equations (4) and (5)",
        """v := beta2 v + (1 - beta2) g^2      (4)   self.v, in place
        w := w - alpha g / sqrt(v + eps)    (5)   self.params, in place; alpha = self.lr
        with eps_inside_sqrt=False (PyTorch's convention): w := w - alpha g / (sqrt(v) + eps)""",
        "demos.optimizer_paths", "optimizer", lambda n, s: payoff_race(n, s, "rmsprop"), PAYOFF_MLP.replace("Adam", "RMSprop"), 1,
        {"v": "v := beta2 v + (1 - beta2) g^2 (self.v)", "w": "w := w - alpha g / sqrt(v + eps) (self.params)"},
        optimizer=("minnet.optim:RMSprop", {}),
        hints=["The square is element-wise: g**2.", "Use the freshly updated v in the step."],
        wrong=[wrong("formula", "learning_rate", "self.lr * grad / np.sqrt", "self.lr * self.lr * grad / np.sqrt", "applied twice"),
               wrong("formula", None, "(1.0 - self.beta2) * grad**2", "(1.0 - self.beta2) * grad",
                     "your v (v := beta2 v + (1 - beta2) g^2 (self.v)) is the first to differ")]),
    "adam": Exercise(
        "minnet.optim:Adam._update", "document 002, section 4.3, equations (6) to (8)",
        """m := beta1 m + (1 - beta1) g;  v := beta2 v + (1 - beta2) g^2     (6), (4)   self.m, self.v in place
        m_hat = m / (1 - beta1^t);  v_hat = v / (1 - beta2^t)             (7)   t = self.t counts steps from 1
        w := w - alpha m_hat / (sqrt(v_hat) + eps)                         (8)   self.params, in place; alpha = self.lr""",
        "demos.optimizer_paths", "optimizer", lambda n, s: payoff_race(n, s, "adam"), PAYOFF_MLP, 1,
        {"m": "m := beta1 m + (1 - beta1) g (self.m)", "v": "v := beta2 v + (1 - beta2) g^2 (self.v)",
         "w": "w := w - alpha m_hat / (sqrt(v_hat) + eps) (self.params)"},
        optimizer=("minnet.optim:Adam", {}),
        hints=["self.t is already 1 at the first step: Optimizer.step counts before calling _update.",
               "Without the bias correction the first steps are about 10 times too small (1 - 0.9 = 0.1)."],
        wrong=[Wrong("formula", "step_count", [("self.beta1**self.t)", "self.beta1 ** (self.t + 1))"), ("self.beta2**self.t)", "self.beta2 ** (self.t + 1))")],
                     "do you count the steps from 0?"),
               wrong("formula", "bias_correction", "m_hat = self.m / (1.0 - self.beta1**self.t)", "m_hat = self.m", "m without its bias correction?"),
               wrong("formula", None, "(1.0 - self.beta2) * grad**2", "(1.0 - self.beta2) * grad",
                     "at step t = 2 (gradient [ 1.  -1.   2.  -2.   0.5]), "
                     "your v (v := beta2 v + (1 - beta2) g^2 (self.v)) is the first to differ (m agrees)")]),
    "adamw_decay": Exercise(
        "minnet.optim:AdamW._update", "document 002, section 4.4",
        """w := w - lambda w                   (lambda = self.weight_decay; or alpha lambda with decay="scaled")
        then the Adam step: Adam._update(self, grad)""",
        "demos.optimizer_paths", "optimizer", lambda n, s: payoff_race(n, s, "adamw"), PAYOFF_MLP.replace("Adam", "AdamW"), 1,
        {"m": "m := beta1 m + (1 - beta1) g (self.m)", "v": "v := beta2 v + (1 - beta2) g^2 (self.v)",
         "w": "w := w - lambda w, then the Adam step (self.params)"},
        optimizer=("minnet.optim:AdamW", {}),
        hints=["The decay comes first, then the Adam step.", "decay='scaled' multiplies lambda by the learning rate."],
        wrong=[Wrong("formula", None, [("self.params -= rate * self.params", "pass"),
                                       ("Adam._update(self, grad)", "Adam._update(self, grad)\nself.params -= rate * self.params")],
                     "your w (w := w - lambda w, then the Adam step (self.params)) is the first to differ (m and v agree)")]),
    "five_point_difference": Exercise(
        "minnet.gradcheck:numerical_gradient", "minnet's gradient check (every hand-written gradient is tested with it)",
        """dL/dw_p = (L(w - 2h) - 8 L(w - h) + 8 L(w + h) - L(w + 2h)) / 12h   one weight p at a time
        STENCIL lists (offset, weight) pairs; restore w[p] afterwards""",
        "demos.gradcheck", "values", payoff_gradcheck, "your difference confirms TwoLayerNet's and an MLP's gradients to 1e-6", 1,
        {"return": "(P,): the five-point difference of each weight"},
        case=two_layer_case, call=numerical_call,
        hints=["Move one entry of w = net.params at a time, evaluate net.loss(X, Y), and put the entry back.",
               "The error of the five-point difference is O(h^4): with h = 1e-3 it agrees with a correct gradient to about 1e-10."],
        wrong=[wrong("values", "factor", "total / (12 * h)", "total / (6 * h)", "your result is 2 times minnet's")]),
    "hessian_vector_product": Exercise(
        "minnet.hessian:hvp", "document 000 beyond the document: the sharpness (Pearlmutter's R-operator, minnet/hessian.py)",
        """R(dW_l) = (R(delta_l)^T a_{l-1} + delta_l^T R(a_{l-1})) / N;  R(db_l) = sum_n R(delta_l) / N
        R(delta_{l-1}) = (R(delta_l) W_l + delta_l V_l) * s'(z_{l-1}) + (delta_l W_l) * s''(z_{l-1}) * R(z_{l-1})
        delta_{l-1} = (delta_l W_l) * s'(z_{l-1})""",
        "demos.oscillations (the sharpness against 2/lr)", "values", payoff_sharpness, "document 000's sharpness crosses 2/lr at iteration 481", 4,
        {"return": "(P,): H v"},
        case=mlp_case, call=hvp_call,
        hints=["Apply d/dr at r = 0 to every line of backpropagation, with W_l -> W_l + r V_l.",
               "Update R(delta) before delta: the R line uses delta_l, not delta_{l-1}."],
        wrong=[wrong("values", None, " + back * s2 * Rz[l - 1]", "", "differs from minnet's")]),
    "per_example_norm": Exercise(
        "minnet.per_example:numpy_layer_stats", "document 001, per-example gradients (without materialising them)",
        """g_n = delta_n [a_n, 1]^T (one example's gradient of layer l, an outer product)
        |g_n|^2 = |delta_n|^2 (|a_n|^2 + 1)     (the + 1 for the bias column, when there is one)""",
        "demos.curriculum", "values", payoff_per_example, "the 5,000 MNIST examples' gradient norms equal kernels/per_example.py's", 2.5,
        {"a2": "(N,): |a_n|^2 + 1, the + 1 for the bias column"},
        case=mlp_case, call=per_example_call,
        hints=["|u v^T|^2 (Frobenius) = |u|^2 |v|^2.", "Sum over the feature axis (axis=1), one number per example."],
        wrong=[wrong("values", None, "(1.0 if bias else 0.0)", "0.0", "your a2 differs from minnet's first")]),
    "filter_normalised_direction": Exercise(
        "minnet.landscape:random_direction", "document 004, random-direction projections (Li et al.'s filter normalisation)",
        """for each row (filter) of each W_l:  d_row := d_row |w_row| / |d_row|""",
        "demos.loss_surface and demos.landscape_slices", "values", payoff_filter_plane,
        "the loss plane through a trained model is minnet's, lowest at the centre", 1.5,
        {"d": "(P,): d with each row of W_l scaled to |w_row|"},
        case=mlp_case, call=direction_call,
        hints=["`groups` lists index arrays: one per row of W_l (or one for the whole W_l with normalize='layer').",
               "np.linalg.norm of a 1-D slice is its Euclidean length."],
        wrong=[wrong("values", None, "np.linalg.norm(w[idx]) / np.linalg.norm(d[idx])", "1.0 / np.linalg.norm(d[idx])", "your d differs from minnet's first")]),
    "checkpoint_recompute": Exercise(
        "minnet.studies.checkpoint:recompute", "document 004, gradient checkpointing",
        """layers start+1 .. stop recomputed from the kept layer `start` (the input X when start = 0):
        z, a = layer_forward(net, l, a, tape); keep l on the tape when `keep` or l == stop, else as "current" """,
        "demos.checkpointing", "values", payoff_checkpoint, "a 16-layer MLP's checkpointed gradient (k = 4) is the vanilla one, with 28 layer evaluations", 1,
        {},
        case=deep_case, call=checkpoint_call,
        hints=["The tape keeps (z, a) under a key: tape.keep(key, z, a); tape.drop('current') frees the layer no longer needed.",
               "tape.get(start)[1] is a_start."],
        wrong=[wrong("payoff", None, 'l if (keep or l == stop) else "current"', 'l if l == stop else "current"', "evaluates")]),
    "gradient_angle": Exercise(
        "minnet.train:angle_degrees", "document 000, section 2.1 (the angle between consecutive gradients)",
        """cos theta = a . b / (|a| |b|)        the sums in order: norm_in_order, dot_in_order (the same bits everywhere)
        theta = arccos(cos theta) in degrees, cos clipped to [-1, 1];  NaN when a or b is 0""",
        "demos.oscillations", "values", payoff_gradient_angle,
        "document 000's run: the angle grows first, then the gradient norm, then the error", 3,
        {"denom": "|a| |b| (norm_in_order of each)", "return": "the angle in degrees (NaN for a zero vector)"},
        case=vectors_case, call=angle_call,
        hints=["math.acos gives radians: math.degrees turns them into degrees.",
               "Rounding can put a . b / (|a| |b|) just outside [-1, 1] for parallel vectors: clip it first."],
        wrong=[wrong("values", "radians", "return math.degrees(math.acos(", "return (math.acos(", "your result is in radians"),
               wrong("values", None, "if denom == 0.0 or not np.isfinite(denom):\n    return np.nan\n", "", "your code raised ZeroDivisionError")]),
    "min_norm_readout": Exercise(
        "minnet.studies.double_descent:fit_readout", "document 004, double descent (Belkin et al.'s random-features model)",
        """F1 = [a_1 1]                        (n, N+1)   the frozen features with a column of ones (the bias)
        B = F1^+ Y                          (N+1, k)   the least-squares fit with the smallest |B| (np.linalg.lstsq)
        W_2 = B[:-1]^T (k, N),  b_2 = B[-1] (k,)   written into net.W[2], net.b[2] in place ([...] =)""",
        "demos.double_descent", "values", payoff_double_descent,
        f"document 004's double descent ({DOUBLE_DESCENT_N} images): the test error peaks at the interpolation threshold", 15,
        {"F1": "(n, N+1): [a_1 1], the features with a column of ones for the bias",
         "B": "(N+1, k): [a_1 1]^+ Y, the smallest |B| among the best fits"},
        case=readout_case, call=readout_call,
        hints=["np.linalg.lstsq(F1, Y, rcond=None)[0] is the minimum-norm least-squares solution (also when F1 has more columns than rows).",
               "The last row of B is the bias: the column of ones multiplies it."],
        wrong=[wrong("shapes", "bias_column", "F1 = np.hstack([F, np.ones((F.shape[0], 1))])", "F1 = F", "one column missing: the bias column?")]),
    "one_frequency_share": Exercise(
        "minnet.studies.grokking:single_frequency", "document 004, grokking (Gromov 2023: each hidden unit one frequency)",
        """P_u(k) = |sum_a W_1[u, a] e^(-2 pi i k a / p)|^2     (width, (p-1)/2)   k = 1 .. (p-1)/2 (np.fft.rfft, k = 0 left out)
        share_u = max_k P_u(k) / sum_k P_u(k)              (width,)   for the a half W_1[:, :p] and the b half W_1[:, p:]""",
        "demos.grokking", "values", payoff_one_frequency,
        "Gromov's one-frequency embedding scores 1, a random one about 0.2", 1,
        {"power": "(width, (p-1)/2): P_u(k) for k = 1 .. (p-1)/2, k = 0 left out"},
        case=embedding_case, call=share_call,
        hints=["np.fft.rfft(E, axis=1) gives k = 0 .. (p-1)/2 for each row: leave k = 0 (the constant) out.",
               "The power is the squared modulus: np.abs(...) ** 2."],
        wrong=[wrong("shapes", "shape", "[:, 1:]", "", "your power is (4, 7); it must be (4, 6)"),
               wrong("values", None, "[:, 1:]) ** 2", "[:, 1:])", "your power differs from minnet's first")]),
    "batchnorm_backward": Exercise(
        "minnet.normalisation:backward", "document 004, exponential learning rate (Li & Arora; Ioffe & Szegedy's batch normalisation)",
        """dvar = sum(dz_hat * (z - mu)) * (-1/2) (var + eps)^(-3/2)        (1, n)   every sum over the batch (axis=axis, keepdims=True)
        dmu  = -sum(dz_hat) / sqrt(var + eps) + dvar (-2/m) sum(z - mu)   (1, n)   m = centred.shape[axis], the examples averaged
        dz   = dz_hat / sqrt(var + eps) + dvar 2 (z - mu) / m + dmu / m   (N, n)   returned; z - mu is centred, sqrt(var + eps) std""",
        "demos.exp_lr", "gradient", payoff_exp_lr,
        "document 004's exponential learning rate: runs A (weight decay) and B (lr growing as alpha^(-2t-1)) agree to 1e-9", 8,
        {"dvar": "(1, n): dl/dvar = sum over the batch of dz_hat (z - mu), times (-1/2) (var + eps)^(-3/2)",
         "dmu": "(1, n): dl/dmu = -sum over the batch of dz_hat / sqrt(var + eps) (its second term is 0)",
         "return": "dz (N, n) = dz_hat / sqrt(var + eps) + dvar 2 (z - mu) / m + dmu / m"},
        case=batchnorm_case, call=backprop_call,
        parts={"return": [("the direct path (dz_hat / sqrt(var + eps))", lambda v: v["dz_hat"] / v["std"]),
                          ("the path through the variance (dvar 2 (z - mu) / m)", lambda v: v["dvar"] * 2.0 * v["centred"] / v["m"]),
                          ("the path through the mean (dmu / m)", lambda v: v["dmu"] / v["m"])]},
        hints=["z_hat = (z - mu) / sqrt(var + eps) depends on z three ways: directly, through var and through mu; and mu and "
               "var each depend on every example of the batch.",
               "The second term of dmu, dvar (-2/m) sum(z - mu), is 0 (the deviations from the mean add up to 0): "
               "leaving it out is not a mistake, leaving out dvar's path in dz is.",
               "Every sum runs over the batch with keepdims=True, so that dvar and dmu are (1, n) and broadcast over the N rows."],
        wrong=[wrong("gradient check", "part_left_out", "return dz_hat / std + dvar * 2.0 * centred / m + dmu / m",
                     "return dz_hat / std + dmu / m", "your result leaves out the path through the variance"),
               wrong("gradient check", "part_without_1_over_N", "return dz_hat / std + dvar * 2.0 * centred / m + dmu / m",
                     "return dz_hat / std + dvar * 2.0 * centred + dmu", "a 1/N missing?"),
               wrong("gradient check", "sign", "* -0.5 / std**3", "* 0.5 / std**3", "your dvar has the opposite sign of minnet's"),
               wrong("gradient check", "factor_1_over_N", "np.sum(dz_hat * centred,", "np.mean(dz_hat * centred,",
                     "your dvar is 1/")]),
}  # fmt: skip


def stage_payoff(name, student):
    ok, message = EXERCISES[name].payoff(name, student)
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
LONGEST_TIMEOUT = 3600  # seconds: --timeout's upper bound


def default_timeout(name):
    """A minute more than ten times what a correct solution takes: a first run also compiles minnet's kernels."""
    return 60 + 10 * EXERCISES[name].seconds


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
        say(failed=failure.stage, message=failure.message, mistake=failure.mistake)
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
            return Failure(e["failed"], e["message"], e.get("mistake"))
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
    caught: tuple = ()  # the CHECKS that catch it, measured (python -m demos.exercises bughunt; asserted by the tests)


def one(path, old, new, what, caught=()):
    return Mistake(path, [(old, new)], what, caught)


MISTAKES = {
    "sign_flip": one(
        "minnet/optim.py",
        "self.params -= self.lr * self.velocity",
        "self.params += self.lr * self.velocity",
        "the update climbs the gradient: w := w + alpha u",
        caught=("formula tests", "document 000", "rest of the fast suite"),
    ),
    "missing_transpose": one(
        "minnet/mlp.py",
        "dW = delta.T @ a[l - 1] / N",
        "dW = (a[l - 1].T @ delta).reshape(delta.shape[1], -1) / N",
        "dW_l = a_{l-1}^T delta_l, the transpose lost and reshaped to fit",
        caught=("gradient check", "rest of the fast suite"),
    ),
    "bias_gradient_dropped": one(
        "minnet/mlp.py",
        "db = delta.sum(axis=0) / N",
        "db = np.zeros(delta.shape[1])",
        "the bias gradient left at 0",
        caught=("gradient check", "rest of the fast suite"),
    ),
    "missing_1_over_N": one(
        "minnet/two_layer.py",
        "dV = sum_in_order(e[:, :, None] * H[:, None, :]) / N",
        "dV = sum_in_order(e[:, :, None] * H[:, None, :])",
        "dV summed over the examples instead of averaged (1/N missing)",
        caught=("gradient check", "formula tests", "document 000", "rest of the fast suite"),
    ),
    "sigma_prime_at_activation": one(
        "minnet/mlp.py",
        "derivative(self.activation_of(l - 1), z_below, a_below)",
        "derivative(self.activation_of(l - 1), a_below, a_below)",
        "s' evaluated at the activation a_{l-1} instead of the pre-activation z_{l-1}",
        caught=("gradient check", "rest of the fast suite"),
    ),
    "tanh_prime_from_z": one(
        "minnet/activations.py",
        "return 1.0 / np.cosh(z) ** 2",
        "return 1.0 - z**2",
        "tanh' written as 1 - z^2 (z where tanh z belongs)",
        caught=("gradient check", "rest of the fast suite"),
    ),
    "softmax_without_max_shift": one(
        "minnet/losses.py",
        "shifted = z - z.max(axis=-1, keepdims=True)",
        "shifted = z",
        "softmax without subtracting the largest logit",
        caught=("formula tests", "rest of the fast suite"),  # gradient check: none of its fixed draws overflows e^z
    ),
    "cross_entropy_delta_without_softmax": one(
        "minnet/losses.py",
        "return o - Y  # p - y",
        "return np.log(o) - Y  # p - y",
        "the cross-entropy delta from the logits, log p - y, instead of p - y",
        caught=("gradient check", "rest of the fast suite"),
    ),
    "adam_without_bias_correction": one(
        "minnet/optim.py",
        "m_hat = self.m / (1.0 - self.beta1**self.t)",
        "m_hat = self.m",
        "Adam without the bias correction of m",
        caught=("formula tests",),
    ),
    "adam_t_from_zero": one(
        "minnet/optim.py",
        "m_hat = self.m / (1.0 - self.beta1**self.t)",
        "m_hat = self.m / (1.0 - self.beta1 ** (self.t + 1))",
        "Adam's bias correction with t counted from 0: 1 - beta1^(t+1)",
        caught=("formula tests",),
    ),
    "eps_outside_the_root": one(
        "minnet/optim.py",
        "self.params -= self.lr * grad / np.sqrt(self.v + self.eps)",
        "self.params -= self.lr * grad / (np.sqrt(self.v) + self.eps)",
        "RMSprop's eps outside the square root, not inside as the document",
        caught=("formula tests",),
    ),
    "adamw_decays_after_the_step": Mistake(
        "minnet/optim.py",
        [
            ("self.params -= rate * self.params  # w := w - lambda w   (or alpha lambda w)\n        ", ""),
            ("Adam._update(self, grad)\n", "Adam._update(self, grad)\n        self.params -= rate * self.params\n"),
        ],
        "AdamW's decay after the Adam step instead of before",
        caught=("formula tests",),
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
        caught=("formula tests", "rest of the fast suite"),
    ),
    "off_by_one_layer": one(
        "minnet/mlp.py",
        "s_prime = activations.derivative(self.activation_of(l - 1), z_below, a_below)",
        "s_prime = activations.derivative(self.activation_of(l), z_below, a_below)",
        "s' of layer l's activation where layer l-1's belongs",
        caught=("gradient check", "rest of the fast suite"),
    ),
    "hidden_bias_fed_to_U": one(
        "minnet/two_layer.py",
        "delta = matmul_in_order(e, self.V[:, :-1]) * sigma_prime",
        "delta = matmul_in_order(e, self.V[:, 1:]) * sigma_prime",
        "V's first column dropped from e V instead of the bias unit's (the bias unit's weight fed back to U)",
        caught=("gradient check", "formula tests", "document 000", "rest of the fast suite"),
    ),
    "learning_rate_twice": one(
        "minnet/optim.py",
        "self.params -= self.lr * grad / np.sqrt(self.v + self.eps)",
        "self.params -= self.lr * self.lr * grad / np.sqrt(self.v + self.eps)",
        "RMSprop's learning rate applied twice",
        caught=("formula tests",),
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
        # the draws set by --hypothesis-seed below, whatever the caller's environment: CI's MINNET_DERANDOMIZE=1 would
        # replace them with other fixed draws, and a verdict measured here would not hold there
        MINNET_DERANDOMIZE="0",
        MINNET_EXAMPLES="100",
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
        "--hypothesis-seed=0",  # the property tests' draws fixed: the same verdicts every hunt (a draw can be unlucky)
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


# ----- the mystery: one unnamed mistake in a copy of minnet/ the student reads, and guesses at ----------------
MYSTERY = "mystery"  # the student's folder's MYSTERY/minnet: the copy with the mistake; MYSTERY/record.json: the answer
CLASS_SETTINGS = "class.txt"  # in the student's folder: "no-solutions" withholds solutions and the mystery's name


def no_solutions(folder):
    """Whether the teacher withheld the solutions for the class using `folder` (python -m demos.exercises teach)."""
    path = os.path.join(folder, CLASS_SETTINGS)
    return os.path.isfile(path) and "no-solutions" in open(path, errors="replace").read().split()


def hashed(text, salt):
    """The answer kept as a hash (salted), so the record does not say where the mistake is."""
    return hashlib.sha256(f"{salt}:{text}".encode()).hexdigest()


def changed_lines(name, folder):
    """[(path, line)]: the lines of the mistaken copy in `folder` that the mistake wrote (or next to which it deleted)."""
    m = MISTAKES[name]
    before = open(os.path.join(ROOT, m.path)).read().split("\n")
    after = open(os.path.join(folder, m.path)).read().split("\n")
    lines = set()
    for tag, _, _, j1, j2 in difflib.SequenceMatcher(a=before, b=after, autojunk=False).get_opcodes():
        if tag in ("replace", "insert"):
            lines.update(range(j1 + 1, j2 + 1))
        elif tag == "delete":
            lines.add(j1 + 1)
    return [(m.path, line) for line in sorted(lines)]


def command_mystery(args):
    """bughunt --mystery: one of the mistakes, unnamed, in a copy of minnet/ in the student's folder; which of minnet's
    tests fail against it; the answer kept hashed for --guess."""
    names = list(MISTAKES)
    seed = args.seed if args.seed is not None else secrets.randbelow(1 << 31)
    name = names[int(np.random.default_rng(seed).integers(len(names)))]
    folder = os.path.join(args.dir, MYSTERY)
    if os.path.exists(folder):
        if not os.path.isfile(os.path.join(folder, "record.json")):
            raise SystemExit(f"error: {folder} exists and is not minnet's mystery: minnet leaves it (move it away)")
        shutil.rmtree(folder)  # the previous mystery's copy (minnet's files, not the student's)
    os.makedirs(folder)
    mistaken_copy(name, folder)
    salt = secrets.token_hex(8)
    withheld = args.no_solutions or no_solutions(args.dir)
    with open(os.path.join(folder, "record.json"), "w") as f:
        json.dump(
            {
                "salt": salt,
                "lines": [hashed(f"{path}:{line}", salt) for path, line in changed_lines(name, folder)],
                "files": [hashed(MISTAKES[name].path, salt)],
                "mistake": None if withheld else name,
                "seed": None if withheld else seed,
                "guesses": 0,
            },
            f,
        )
    print(f"a mistake students make is hidden in the copy of minnet/ in {os.path.join(folder, 'minnet')}")
    print("minnet's tests against it (each group stops at its first failure):")
    failing = []
    for check, tests in CHECKS.items():
        seen = []
        caught = run_check(folder, tests, seen)
        seen = [FROM_THE_COPY.sub(r"\1 \2", line) for line in seen]  # tests/... as in minnet's repository
        failing += [line.split(" ")[1] for line in seen]
        print(f"  {check}: " + ("fails" if caught else "passes"))
        print("".join(f"    {line}\n" for line in seen), end="")
    print(
        f"\nread the copy and find the line; run a failing test against it yourself (in {ROOT}):\n  "
        f"PYTHONPATH={os.path.abspath(folder)} python -m pytest '{failing[0] if failing else 'tests/'}' -x -q\n"
        f"then guess: python -m demos.exercises bughunt --guess minnet/FILE.py:LINE --dir {args.dir}"
    )
    return 0


FROM_THE_COPY = re.compile(r"^(FAILED|ERROR) \S*?(tests/)")
GUESS = re.compile(r"^(?:.*/)?(minnet/[\w/]+\.py):([0-9]{1,6})$")


def command_guess(args):
    """bughunt --guess FILE:LINE: hot (the line the mistake wrote) or cold; a hot guess names the mistake (unless the
    class withholds it)."""
    record_path = os.path.join(args.dir, MYSTERY, "record.json")
    if not os.path.isfile(record_path):
        raise SystemExit(
            f"error: no mystery in {args.dir}: python -m demos.exercises bughunt --mystery --dir {args.dir}"
        )
    found = GUESS.match(args.guess.replace(os.sep, "/"))
    if not found:
        raise SystemExit(f"error: argument --guess: must be minnet/FILE.py:LINE, got {args.guess!r}")
    path, line = found.group(1), int(found.group(2))
    with open(record_path) as f:
        record = json.load(f)
    record["guesses"] += 1
    with open(record_path, "w") as f:
        json.dump(record, f)
    if hashed(f"{path}:{line}", record["salt"]) not in record["lines"]:
        right_file = hashed(path, record["salt"]) in record["files"]
        print(f"cold: not line {line} of {path}" + (" (but the mistake is in this file)" if right_file else ""))
        return 1
    print(f"hot: line {line} of {path} is the mistake (found in {record['guesses']} guesses)")
    if record["mistake"] and not no_solutions(args.dir):
        print(f"\nit was {record['mistake']}: {MISTAKES[record['mistake']].what}\n{diff(record['mistake'])}")
    return 0


def command_teach(args):
    """teach --no-solutions / --solutions: the class's setting, a plain file in the students' folder."""
    with open(os.path.join(args.dir, CLASS_SETTINGS), "w") as f:
        f.write("no-solutions\n" if args.no_solutions else "solutions\n")
    print(
        f"{os.path.join(args.dir, CLASS_SETTINGS)}: solutions and the mystery's name "
        + ("withheld" if args.no_solutions else "shown")
    )
    return 0


# ----- progress: each exercise's last check, in a plain file of the student's folder a teacher can collect -------
PROGRESS = "progress.txt"
PROGRESS_HEADER = (
    "# minnet exercises, each one's last check (python -m demos.exercises status); tab-separated\n"
    "# exercise\tstate\twhen (UTC)\tstage\tmistake\thinted\twhat\n"
)
COLUMNS = ("exercise", "state", "when", "stage", "mistake", "hinted", "what")


def progress_of(folder):
    """{exercise: {column: text}} from folder/progress.txt ({} when there is none); a file minnet did not write is
    refused and left as it is."""
    path = os.path.join(folder, PROGRESS)
    if not os.path.lexists(path):
        return {}
    text = open(path, errors="replace").read() if os.path.isfile(path) and not os.path.islink(path) else ""
    if not text.startswith(PROGRESS_HEADER):
        raise SystemExit(
            f"error: {path} is not the progress file minnet writes: minnet leaves it (move it away to keep a new one)"
        )
    rows = [line.split("\t") for line in text[len(PROGRESS_HEADER) :].split("\n") if line]
    return {row[0]: dict(zip(COLUMNS, row + [""] * len(COLUMNS))) for row in rows if row[0] in EXERCISES}


def write_progress(folder, progress):
    rows = ["\t".join(progress[name].get(c, "") for c in COLUMNS) for name in EXERCISES if name in progress]
    with open(os.path.join(folder, PROGRESS), "w") as f:
        f.write(PROGRESS_HEADER + "".join(row + "\n" for row in rows))


def record(folder, name, failure):
    """Write exercise `name`'s check into the progress file: passed, or failing at a stage with the mistake named."""
    progress = progress_of(folder)
    first_line = failure.message.split("\n")[0].replace("\t", " ") if failure else ""
    progress[name] = {
        "exercise": name,
        "state": "failing" if failure else "passed",
        "when": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
        "stage": failure.stage if failure else "",
        "mistake": (failure.mistake or "") if failure else "",
        "what": first_line,
    }
    write_progress(folder, progress)


def state_of(folder, name, progress):
    """(state, when, what) of an exercise: not started, started (never checked, or changed since its check), failing
    at a stage with what, passed."""
    path = student_file(name, folder)
    if not os.path.isfile(path):
        return "not started", "", ""
    row = progress.get(name)
    if not row:
        return "started", "", "not checked yet"
    changed = os.path.getmtime(path) > calendar.timegm(time.strptime(row["when"], "%Y-%m-%d %H:%M:%S")) + 1
    what = f"{row['stage']}: {row['what']}" if row["state"] == "failing" else ""
    return row["state"], row["when"], what + (" (your file changed since)" if changed else "")


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
    if args.all == bool(args.name):
        raise SystemExit("error: check takes an exercise's name or --all (every exercise started in --dir), not both")
    if args.all:
        return command_check_all(args)
    return check_one(args.name, args.dir, args.timeout)


def check_one(name, folder, timeout=None):
    """Check the student's file of exercise `name`, print what passed and what failed, record it in the progress file;
    0 on a pass, 1 on a failure."""
    path = student_file(name, folder)
    if not os.path.isfile(path):
        raise SystemExit(f"{path} does not exist: python -m demos.exercises start {name} --dir {folder}")
    progress_of(folder)  # a progress file minnet did not write is refused before any work
    started = time.perf_counter()
    passed, failure = judged(name, path, timeout or default_timeout(name))
    record(folder, name, failure)
    for stage, message in passed:
        print(f"PASS  {stage}: {message}")
    if failure:
        print(f"FAIL  {failure.stage}: {failure.message}")
        if failure.mistake in RECOGNISED:
            print(f"\na hint for this mistake: python -m demos.exercises hint {name} --dir {folder}")
        return 1
    print(
        f"\nexercise {name} done ({time.perf_counter() - started:.1f} s)."
        + ("" if no_solutions(folder) else f" minnet's own lines: python -m demos.exercises solution {name}")
    )
    return 0


def command_check_all(args):
    """Every exercise started in the folder, checked in turn; then the status table. 0 when all of them pass."""
    started = [name for name in EXERCISES if os.path.isfile(student_file(name, args.dir))]
    if not started:
        raise SystemExit(f"error: no exercise started in {args.dir}: python -m demos.exercises start NAME")
    failed = []
    for name in started:
        print(f"== {name}")
        if check_one(name, args.dir, args.timeout):
            failed.append(name)
        print()
    command_status(args)
    return 1 if failed else 0


def command_status(args):
    """Each exercise's state from the student's folder and its progress file."""
    progress = progress_of(args.dir) if os.path.isdir(args.dir) else {}
    rows = [(name, *state_of(args.dir, name, progress)) for name in EXERCISES]
    print(f"{'exercise':<30}{'state':<13}{'when (UTC)':<21}what")
    for name, state, when, what in rows:
        print(f"{name:<30}{state:<13}{when:<21}{what}".rstrip())
    passed = sum(state == "passed" for _, state, _, _ in rows)
    print(f"\n{passed} of {len(rows)} passed; kept in {os.path.join(args.dir, PROGRESS)}")
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
    """The hint for the mistake the last check found, first (once per check); then the exercise's hints in turn."""
    hints = EXERCISES[args.name].hints
    counter = os.path.join(args.dir, f".{args.name}.hints")
    shown = hints_shown(counter)
    progress = progress_of(args.dir)
    row = progress.get(args.name, {})
    if row.get("mistake") in RECOGNISED and not row.get("hinted"):
        print(f"hint for the mistake your last check found ({row['mistake']}): {RECOGNISED[row['mistake']].hint}")
        row["hinted"] = "yes"
        write_progress(args.dir, progress)
        return 0
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
    if no_solutions(args.dir):
        raise SystemExit(f"error: solutions are withheld in this class ({os.path.join(args.dir, CLASS_SETTINGS)})")
    ex = EXERCISES[args.name]
    print(f"minnet's own lines ({ex.target}):\n")
    print("\n".join(solution_lines(args.name)))


def command_bughunt(args):
    if args.guess:
        return command_guess(args)
    withheld = args.no_solutions or no_solutions(args.dir)
    if withheld and (args.name or args.list):
        raise SystemExit(
            "error: the mistakes' names and diffs are withheld in this class: python -m demos.exercises bughunt --mystery"
        )
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
    if args.mystery:
        return command_mystery(args)
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


def exercise_table():
    """The README's table of the exercises, from their declarations."""
    rows = [
        "| exercise | minnet's code | from | its result shows in | the payoff | mistakes its check names |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name, ex in EXERCISES.items():
        named = list(dict.fromkeys(w.mistake for w in ex.wrong if w.mistake))
        rows.append(
            f"| `{name}` | `{ex.target.replace(':', '.')}` | {ex.document} | {ex.shows_in} | {ex.pays_off} | "
            + (", ".join(f"`{key}`" for key in named) or "-")
            + " |"
        )
    return "\n".join(rows)


def bughunt_table():
    """The README's table of the bug hunt's mistakes and the checks that catch them (measured: the tests assert it)."""
    rows = [
        "| mistake | what a student did | " + " | ".join(CHECKS) + " |",
        "| --- | --- | " + " | ".join("---" for _ in CHECKS) + " |",
    ]
    for name, m in MISTAKES.items():
        verdicts = " | ".join("caught" if check in m.caught else "missed" for check in CHECKS)
        rows.append(f"| `{name}` | {m.what} | {verdicts} |")
    return "\n".join(rows)


def command_table(args):
    print(exercise_table() + "\n\n" + bughunt_table())
    return 0


COMMANDS = {
    "list": command_list,
    "start": command_start,
    "check": command_check,
    "hint": command_hint,
    "solution": command_solution,
    "status": command_status,
    "bughunt": command_bughunt,
    "teach": command_teach,
    "table": command_table,
}


def parser():
    from demos.cli import OneLineErrors, float_in, int_in

    seed_number = int_in(0, (1 << 31) - 1)

    p = OneLineErrors(
        prog="python -m demos.exercises",
        description=__doc__.strip().split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="the exercises")
    folder_help = f"your exercises' folder (default ./{DEFAULT_DIR})"
    for command in ("start", "check", "hint", "solution"):
        s = sub.add_parser(command)
        s.add_argument("name", choices=list(EXERCISES), nargs="?" if command == "check" else None)
        s.add_argument("--dir", type=student_folder, default=DEFAULT_DIR, help=folder_help)
    sub.choices["check"].add_argument("--all", action="store_true", help="every exercise started in --dir")
    s = sub.add_parser("status", help="each exercise: not started, started, failing (with what), passed (when)")
    s.add_argument("--dir", type=student_folder, default=DEFAULT_DIR, help=folder_help)
    s = sub.add_parser("teach", help="the class's setting: --no-solutions withholds solutions and the mystery's name")
    s.add_argument("--dir", type=student_folder, default=DEFAULT_DIR, help="the students' exercises folder")
    s.add_argument("--no-solutions", action="store_true", help="withhold (without it: show) the solutions")
    sub.add_parser("table", help="the README's tables of the exercises and of the bug hunt")
    sub.choices["check"].add_argument(
        "--timeout",
        type=float_in(0, LONGEST_TIMEOUT, open_lo=True),
        metavar="SECONDS",
        help="stop your code after this long (default: a minute more than ten times what a correct solution takes)",
    )
    s = sub.add_parser("bughunt", help="mistakes students make, and which checks catch them")
    s.add_argument("name", nargs="?", choices=list(MISTAKES))
    s.add_argument("--list", action="store_true", help="the mistakes, one line each")
    s.add_argument("--mystery", action="store_true", help="hide one unnamed mistake in a copy of minnet/ in --dir")
    s.add_argument("--seed", type=seed_number, help="which mystery (default: a random one)")
    s.add_argument("--guess", metavar="FILE:LINE", help="where you think the mystery's mistake is: hot or cold")
    s.add_argument("--no-solutions", action="store_true", help="withhold the mystery's name (and the diffs)")
    s.add_argument("--dir", type=student_folder, default=DEFAULT_DIR, help=folder_help)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    p = parser()
    args = p.parse_args(argv)
    if args.command == "bughunt" and sum(map(bool, (args.name, args.list, args.mystery, args.guess))) > 1:
        p.error("argument bughunt: give one of NAME, --list, --mystery, --guess")
    if args.command == "bughunt" and args.seed is not None and not args.mystery:
        p.error("argument --seed: only with --mystery")
    writes = args.command in ("start", "hint", "teach") or (args.command == "bughunt" and args.mystery)
    if writes and (why := unwritable(args.dir)):
        p.error(f"argument --dir: cannot write in {args.dir!r}: {why}")
    if args.command == "check" and not os.path.isdir(args.dir):
        p.error(f"argument --dir: no such folder: {args.dir!r} (python -m demos.exercises start {args.name} makes it)")
    if args.command == "check" and args.all == bool(args.name):
        p.error("argument name: give an exercise's name or --all, not both")
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
