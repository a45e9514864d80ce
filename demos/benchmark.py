"""Time minnet's Numba kernels against their NumPy twins (and PyTorch where it is installed).

    python -m demos.benchmark [--json FILE] [--repeats 5] [--quick]

Every number is measured in this run: the median of --repeats timed calls after a warm-up call,
each workload in its own loop (right after a multi-threaded BLAS call, OpenBLAS threads spin for a
while and slow a prange kernel started then). Ratios are reference time / kernel time. Peak memory
is measured in a child process per method (resident memory sampled during the call, minus before
it), because Numba's allocations are invisible to tracemalloc. The Mandelbrot workload also counts its
multiply-adds and sets their rate against this machine's measured float64 peak (`multiply_add_chains`).
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence

import numpy as np
from numba import njit, prange

from demos.cli import study_parser
from minnet import MLP, SGD, Snapshots, TestLoss, TwoLayerNet, fit
from minnet.compiled import fit_example_by_example
from minnet.data import doc000, doc002
from minnet.landscape import grid_two_params
from minnet.per_example import gradient_stats
from minnet.studies.optimizer_paths import layer2_index
from minnet.tools.atomic import save_json

DOC000_PURE_PYTHON_SECONDS = 123.0  # document 000: (f1, 3, 1, 1000) in its pure-Python notebook loop


def median_time(fn, repeats):
    """Median wall time of fn() over `repeats` calls, after one warm-up call."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def torch_module():
    try:
        import torch
    except ImportError:
        return None
    return torch


# ----- workloads -----------------------------------------------------------------------------
def landscape_setup(quick):
    X, Y = doc002(seed=0)
    net = MLP([3, 3, 3, 3, 1], activation="tanh", seed=0)
    i, j = layer2_index(net, 1), layer2_index(net, 5)  # two weights of W_2, between hidden layers 1 and 2
    values = np.linspace(-3, 3, 41 if quick else 201)
    return net, X, Y, i, j, values


def landscape_per_point(net, X, Y, i, j, values):
    """The loop a user would write first: set the two weights, call net.loss, for every grid point."""
    probe, out = net.copy(), np.empty((values.size, values.size))
    for ia, a in enumerate(values):
        for ib, b in enumerate(values):
            probe.params[i], probe.params[j] = a, b
            out[ia, ib] = probe.loss(X, Y)
    return out


def landscape_torch(torch, net, X, Y, i, j, values):
    """All grid points at once by broadcasting a batch axis through the network in PyTorch."""
    A, B = np.meshgrid(values, values, indexing="ij")
    P = np.tile(net.params, (A.size, 1))
    P[:, i], P[:, j] = A.ravel(), B.ravel()
    P, Xt, Yt = torch.from_numpy(P), torch.from_numpy(X), torch.from_numpy(Y)
    with torch.no_grad():
        h = Xt.expand(P.shape[0], *Xt.shape)
        for W_index, b_index, activation in net.layer_index():
            W, b = P[:, torch.from_numpy(W_index)], P[:, torch.from_numpy(b_index)]
            h = torch.baddbmm(b[:, None, :], h, W.transpose(1, 2))
            h = torch.tanh(h) if activation == "tanh" else h
        return ((h - Yt) ** 2).mean(dim=(1, 2))


# trained networks' weights are larger
LANDSCAPE_WEIGHTS = {
    "default init": None,
    "weights N(0, 0.8^2)": 0.8,
    "weights N(0, 1.5^2)": 1.5,
}


def bench_landscape(args):
    """The landscape at the default weights and at two larger scales (where the kernel's tanh identity is often ill-conditioned)."""
    net, X, Y, i, j, values = landscape_setup(args.quick)
    workloads = []
    for name, scale in LANDSCAPE_WEIGHTS.items():
        if scale is not None:
            net.params[:] = np.random.default_rng(1).normal(0.0, scale, net.n_params)
        workloads.append(
            landscape_times(args, net, X, Y, i, j, values)
            | {"workload": f"landscape {values.size}x{values.size}, 3-3-3-3-1 tanh, N=1000, {name}"}
        )
    return workloads


def landscape_times(args, net, X, Y, i, j, values):
    times = {
        "kernel": median_time(lambda: grid_two_params(net, X, Y, i, j, values, values, backend="numba"), args.repeats),
        "numpy reference": median_time(
            lambda: grid_two_params(net, X, Y, i, j, values, values, backend="numpy"), max(1, args.repeats // 2)
        ),
        "per-point net.loss loop": median_time(lambda: landscape_per_point(net, X, Y, i, j, values), 1),
    }
    torch = torch_module()
    if torch is not None:
        times["pytorch broadcast"] = median_time(lambda: landscape_torch(torch, net, X, Y, i, j, values), args.repeats)
    return {"times": times}


def mandelbrot_setup(quick):
    """Document 003's [20, 30, 20] silu model after 30 epochs, and the 600 x 400 full-view pixel grid."""
    from minnet.studies import complex_mult as cm
    from minnet.studies import mandelbrot as mb

    net = cm.model([20, 30, 20], "silu", seed=0)
    net.params = cm.train_task({"hidden": [20, 30, 20], "activation": "silu", "epochs": 3 if quick else 30, "seed": 0})[
        "params"
    ]
    c_re, c_im = mb.pixel_grid(complex(-0.75, 0.0), 3.5, (150, 100) if quick else (600, 400))
    return net, c_re, c_im


def torch_mandelbrot(torch, net, c_re, c_im, max_iter):
    """The same escape-time loop in PyTorch: the network on all still-bounded pixels at once, as one batch."""
    layers = [(torch.from_numpy(net.W[l]), torch.from_numpy(net.b[l])) for l in range(1, net.L + 1)]
    c = torch.from_numpy(np.column_stack([c_re.ravel(), c_im.ravel()]))
    counts = torch.full((c.shape[0],), max_iter, dtype=torch.int64)
    active, z = torch.arange(c.shape[0]), torch.zeros_like(c)
    with torch.no_grad():
        for k in range(1, max_iter + 1):
            h = torch.cat([z, z], dim=1)
            for l, (W, b) in enumerate(layers, start=1):
                h = torch.addmm(b, h, W.T)
                h = torch.nn.functional.silu(h) if l < len(layers) else h
            z = h + c[active]
            escaped = ~((z * z).sum(dim=1) <= 4.0)
            counts[active[escaped]] = k
            active, z = active[~escaped], z[~escaped]
            if active.numel() == 0:
                break
    return counts


@njit(cache=True, parallel=True, fastmath={"contract"})
def multiply_add_chains(x, repeats):
    """x <- 0.999 x + 0.001, 32 times per element and pass, on every thread: all arithmetic, no memory traffic
    (x stays in the L1 cache), fused multiply-adds allowed. Its rate is the ceiling for float64 work here."""
    for t in prange(x.shape[0]):
        for _pass in range(repeats):
            for n in range(x.shape[1]):
                v = x[t, n]
                for _step in range(32):
                    v = v * 0.999 + 0.001
                x[t, n] = v


def peak_multiply_adds(quick):
    """float64 multiply-adds per second of multiply_add_chains, 512 elements per thread: the best of 5 runs
    (a ceiling, so the fastest run, not the median; measured first, before other workloads leave threads busy)."""
    import numba

    x = np.ones((numba.get_num_threads(), 512))
    repeats = 2_000 if quick else 20_000
    seconds = min(median_time(lambda: multiply_add_chains(x, repeats), 1) for _ in range(5))
    return x.size * repeats * 32 / seconds


def bench_mandelbrot(args):
    from minnet.studies import mandelbrot as mb

    net, c_re, c_im = mandelbrot_setup(args.quick)
    times = {
        "kernel": median_time(
            lambda: mb.escape_counts(c_re, c_im, 100, net=net, backend="numba"), max(1, args.repeats // 2)
        ),
        "kernel, rectangles and cycle detection": median_time(
            lambda: mb.escape_counts_by_rectangles(c_re, c_im, 100, net=net), args.repeats
        ),
        "numpy reference": median_time(
            lambda: mb.escape_counts(c_re, c_im, 100, net=net, backend="numpy"), max(1, args.repeats // 2)
        ),
    }
    torch = torch_module()
    if torch is not None:
        times["pytorch batched"] = median_time(
            lambda: torch_mandelbrot(torch, net, c_re, c_im, 100), max(1, args.repeats // 2)
        )
    plain = mb.escape_counts(c_re, c_im, 100, net=net)
    evaluations = int(plain.sum())  # a pixel escaping at step k is evaluated k times
    agreement = {
        name: float(
            np.mean(mb.escape_counts_by_rectangles(c_re, c_im, 100, net=f) == mb.escape_counts(c_re, c_im, 100, net=f))
        )
        for name, f in (("learned product", net), ("exact product", None))
    }
    return {
        "workload": f"Mandelbrot {c_re.shape[1]}x{c_re.shape[0]}, 100 iterations, through a [20, 30, 20] silu network",
        "times": times,
        "work": {
            "network evaluations": evaluations,
            "multiply-adds": evaluations * sum(W.size for W in net.W.values()),
        },
        "pixels equal to the plain loop's": agreement,
        "less_work": ["kernel, rectangles and cycle detection"],  # skips evaluations: no multiply-add rate
    }


def per_example_setup(quick):
    rng = np.random.default_rng(0)
    N = 1000 if quick else 6000
    X = rng.random((N, 784))  # MNIST-sized inputs; the timing does not depend on the pixel values
    labels = rng.integers(0, 10, N)
    return MLP([784, 8, 10], activation="sigmoid", loss="cross_entropy", seed=0), X, labels


def per_example_materialised(net, X, labels):
    """Materialise the (N, P) per-example gradients, then take norms and cosines (what vmap(grad) does)."""
    G = net.per_example_grads(X, labels)
    mean = G.mean(axis=0)
    norms = np.linalg.norm(G, axis=1)
    return norms, G @ mean / (norms * np.linalg.norm(mean))


def torch_per_example(torch, net, X, labels):
    """torch.func.vmap(grad): the (N, P) per-example gradients materialised, then their norms and cosines with the mean.

    The same architecture and sizes with its own random weights (the time does not depend on their values)."""
    from torch.func import functional_call, grad, vmap

    model = torch.nn.Sequential(torch.nn.Linear(784, 8), torch.nn.Sigmoid(), torch.nn.Linear(8, 10)).double()
    params = {k: v.detach() for k, v in model.named_parameters()}
    Xt, yt = torch.from_numpy(X), torch.from_numpy(labels)

    def loss(p, x, y):
        return torch.nn.functional.cross_entropy(functional_call(model, p, (x[None],)), y[None])

    grads = vmap(grad(loss), in_dims=(None, 0, 0))(params, Xt, yt)
    G = torch.cat([g.reshape(len(labels), -1) for g in grads.values()], dim=1)
    mean, norms = G.mean(dim=0), G.norm(dim=1)
    return norms, G @ mean / (norms * mean.norm())


def bench_per_example(args):
    net, X, labels = per_example_setup(args.quick)
    times = {
        "kernel": median_time(lambda: gradient_stats(net, X, labels, backend="numba"), args.repeats),
        "numpy reference": median_time(lambda: gradient_stats(net, X, labels, backend="numpy"), args.repeats),
        "materialised (N, P) gradients": median_time(lambda: per_example_materialised(net, X, labels), args.repeats),
    }
    methods = dict(MEMORY_METHODS)
    torch = torch_module()
    if torch is not None:
        times["pytorch torch.func.vmap(grad)"] = median_time(
            lambda: torch_per_example(torch, net, X, labels), args.repeats
        )
        methods["pytorch torch.func.vmap(grad)"] = "import torch; torch_per_example(torch, net, X, labels)"
    memory = {name: peak_memory_mb(method, args.quick) for name, method in methods.items()}
    return {
        "workload": f"per-example stats, 784-8-10 sigmoid/softmax, N={X.shape[0]}",
        "times": times,
        "peak_memory_mb": memory,
    }


MEMORY_METHODS = {
    "kernel": "gradient_stats(net, X, labels, backend='numba')",
    "numpy reference": "gradient_stats(net, X, labels, backend='numpy')",
    "materialised (N, P) gradients": "per_example_materialised(net, X, labels)",
}


MEMORY_PROBE = """
import os, threading, time
from demos.benchmark import per_example_setup, per_example_materialised, torch_per_example
from minnet.per_example import gradient_stats
from minnet.studies.optimizer_paths import layer2_index

def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

net, X_all, labels_all = per_example_setup({quick})
X, labels = X_all[:10], labels_all[:10]
{call}
X, labels = X_all, labels_all
before, peak, running = rss(), [0], [True]

def sample():
    while running[0]:
        peak[0] = max(peak[0], rss())
        time.sleep(0.0005)

sampler = threading.Thread(target=sample)
sampler.start()
{call}
running[0] = False
sampler.join()
print(max(peak[0], rss()) - before)
"""


def peak_memory_mb(call, quick):
    """Peak resident-memory growth (MB) while `call` runs: a fresh child process, warmed up (compiled)
    on 10 examples, samples its own RSS every 0.5 ms during the call."""
    code = MEMORY_PROBE.format(quick=quick, call=call)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(out.stdout.split()[-1]) / 2**20


def training_run(compiled):
    """Document 000's (f1, 3, 1, 1000): its loop compiled (fit_example_by_example) or fit."""
    X, Y, X_test, Y_test = doc000("f1")
    net = TwoLayerNet(h=3)
    if compiled:
        return fit_example_by_example(net, X, Y, 1.0, epochs=1000, X_test=X_test, Y_test=Y_test)
    return fit(net, X, Y, SGD(net.params, lr=1.0), epochs=1000, recorders=[TestLoss(X_test, Y_test), Snapshots()])


def torch_training(torch):
    """Document 000's (f1, 3, 1, 1000) with autograd, recording what minnet records: errors, |G|, angles, U and V."""
    X, Y, X_test, Y_test = (torch.from_numpy(a) for a in doc000("f1"))
    start = TwoLayerNet(h=3)
    U, V = torch.tensor(start.U, requires_grad=True), torch.tensor(start.V, requires_grad=True)

    def error(X, Y):
        Xb = torch.cat([X, torch.ones_like(X)], dim=1)  # X = [x, 1]
        H = torch.cat([torch.sigmoid(Xb @ U.T), torch.ones_like(X)], dim=1)  # H = [sigma(U X), 1]
        return 0.5 * ((H @ V.T - Y) ** 2).mean()

    train, test, norms, angles, snapshots, previous = [], [], [], [], [], None
    for _ in range(1000):
        loss = error(X, Y)
        dU, dV = torch.autograd.grad(loss, (U, V))
        G = torch.cat([dU.ravel(), dV.ravel()])
        norms.append(G.norm().item())
        if previous is not None:
            angles.append(
                torch.rad2deg(torch.arccos(torch.clamp(G @ previous / (G.norm() * previous.norm()), -1, 1))).item()
            )
        previous = G
        with torch.no_grad():
            U -= dU
            V -= dV
            train.append(error(X, Y).item())
            test.append(error(X_test, Y_test).item())
            snapshots.append(torch.cat([U.ravel(), V.ravel()]).clone())
    return train, test, norms, angles, snapshots


def bench_training(args):
    times = {
        "kernel": median_time(lambda: training_run(True), args.repeats),
        "numpy reference": median_time(lambda: training_run(False), args.repeats),
        "document's pure Python (quoted, not run)": DOC000_PURE_PYTHON_SECONDS,
    }
    torch = torch_module()
    if torch is not None:
        times["pytorch autograd"] = median_time(lambda: torch_training(torch), max(1, args.repeats // 2))
    return {"workload": "document 000 (f1, 3, 1, 1000) with all recordings", "times": times}


def bench_sweep(args):
    """Document 003's neuron grid (two hidden layers of n, m in 2..12, 30 epochs each) through minnet.tools.sweep:
    on 2 local worker processes, and serially in this process."""
    from minnet.studies import complex_mult as cm
    from minnet.tools import sweep

    sizes = range(2, 5) if args.quick else range(2, 13)
    configs = [
        {"hidden": [n, m], "activation": "relu", "epochs": 2 if args.quick else 30, "seed": 0}
        for n in sizes
        for m in sizes
    ]
    times = {
        "2 worker processes": median_time(lambda: sweep.run(cm.train_task, configs, workers=2, progress=False), 1),
        "serial (this process)": median_time(lambda: sweep.run(cm.train_task, configs, workers=1, progress=False), 1),
    }
    return {
        "workload": f"sweep: the {len(configs)}-model neuron grid of document 003 (2-worker time / serial time)",
        "times": times,
        "base": "serial (this process)",
    }


COMPILE_PROBE = (
    "import time; t = time.perf_counter()\n"
    "from demos.benchmark import landscape_setup, per_example_setup, training_run\n"
    "from minnet.landscape import grid_two_params\n"
    "from minnet.per_example import gradient_stats\n"
    "net, X, Y, i, j, v = landscape_setup(True); grid_two_params(net, X, Y, i, j, v[:3], v[:3], backend='numba')\n"
    "net, X, labels = per_example_setup(True); gradient_stats(net, X[:10], labels[:10], backend='numba')\n"
    "training_run(True)\n"
    "print(time.perf_counter() - t)\n"
)


def bench_compile(args):
    """Import plus first calls of every kernel in a fresh process: with an empty Numba cache, then with it filled."""
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)

        def run():
            probe = subprocess.run(
                [sys.executable, "-c", COMPILE_PROBE], env=env, capture_output=True, text=True, check=True
            )
            return float(probe.stdout.split()[-1])

        cold, warm = run(), run()
    return {
        "workload": "first calls of all kernels in a fresh process",
        "times": {"cold cache": cold, "warm cache": warm},
    }


def bench_explorer(args):
    """The explorer's requests (demos.explore, called without HTTP), each against the budget issue 28 set
    for the page to feel live: medians of --repeats calls after a warm-up call."""
    from demos.explore import Explorer, checked

    e = Explorer()
    ask = lambda endpoint, **body: e.handle(endpoint, checked(endpoint, body))  # noqa: E731
    doc000 = ask("doc000/new")["session"]
    race = ask("race/new", grid=41 if args.quick else 201)["session"]
    model = ask("mandelbrot/model", epochs=3 if args.quick else 150)["model"]
    size = {"cols": 120, "rows": 80} if args.quick else {"cols": 600, "rows": 400}
    race_state = e.sessions.get(race)
    from minnet.landscape import grid_two_params

    times = {
        "document 000: 10 steps with all recordings": median_time(lambda: ask("doc000/step", session=doc000, steps=10), args.repeats),
        "document 002: the landscape, 201 x 201": median_time(lambda: grid_two_params(race_state.net, race_state.X, race_state.Y, race_state.i, race_state.j,
                                                                                       race_state.a, race_state.b), args.repeats),
        "document 003: Mandelbrot frame, learned": median_time(lambda: ask("mandelbrot/frame", model=model, **size), args.repeats),
        "document 003: Mandelbrot frame, exact": median_time(lambda: ask("mandelbrot/frame", model="exact", **size), args.repeats),
    }  # fmt: skip
    if not args.quick:
        session = ask("doc001/new")["session"]
        # one epoch: 40 iterations, each evaluating all 5,000 examples
        epoch = median_time(lambda: ask("doc001/step", session=session, steps=40), 1)
        times["document 001: one iteration of 5,000 examples"] = epoch / 40
    grok = ask("grok/new")["session"]
    times.update({
        "document 004: 100 grokking steps, all recorded": median_time(lambda: ask("grok/step", session=grok, steps=100), args.repeats),
        "document 004: minima, GD, 3,000 steps": median_time(lambda: ask("minima/path", lr=0.2), args.repeats),
        "document 004: minima, SGD, 20 x 3,000 steps": median_time(lambda: ask("minima/path", batch=1), args.repeats),
        "document 004: double descent, n - 1 units": median_time(lambda: ask("double_descent/width", n=200 if args.quick else 1000,
                                                                                      width=199 if args.quick else 999), args.repeats),
    })  # fmt: skip
    budget = {
        "document 000: 10 steps with all recordings": 0.02,
        "document 002: the landscape, 201 x 201": 0.3,
        "document 003: Mandelbrot frame, learned": 0.5,
        "document 003: Mandelbrot frame, exact": 0.5,
        "document 001: one iteration of 5,000 examples": 0.05,
        # document 004's budgets (issue 30): a play request, a slider move, a batch change, one point of the curve
        "document 004: 100 grokking steps, all recorded": 0.5,
        "document 004: minima, GD, 3,000 steps": 0.1,
        "document 004: minima, SGD, 20 x 3,000 steps": 2.0,
        "document 004: double descent, n - 1 units": 1.0,
    }
    requests = {
        "workload": "explorer requests (600 x 400 frames at 100 iterations; --quick: smaller)",
        "times": times,
        "base": "none",
        "budget": {name: budget[name] for name in times},
    }
    return requests if args.quick else [requests, explorer_first_views()]


def explorer_first_views():
    """The three views whose first picture needs trained networks or a whole curve (issue 41), at the page's defaults:
    from an empty disk cache (a first visit), then read back by a new Explorer (the server restarted). One call each:
    a second cold call would be warm."""
    import tempfile

    from demos.explore import Explorer, checked
    from demos.explore_cache import DiskCache
    from minnet.tools.threads import one_blas_thread

    def first_view(e, view):
        ask = lambda endpoint, **body: e.handle(endpoint, checked(endpoint, body))  # noqa: E731
        if view == "document 001":  # the ten networks' agreement chunks, then network 0's first epoch
            ask("doc001/new")
        elif view == "document 003":  # the [20, 30, 20] silu model, then both pictures
            model = ask("mandelbrot/model")["model"]
            ask("mandelbrot/frame", model="exact"), ask("mandelbrot/frame", model=model)
        else:  # double descent: the whole curve, n 1,000
            for width in ask("double_descent/widths")["widths"]:
                ask("double_descent/width", width=width)

    times, budget = {}, {}
    with tempfile.TemporaryDirectory() as folder, one_blas_thread():  # as the server computes
        cache = DiskCache(folder)  # one version for both rounds, even if minnet's files are edited meanwhile
        for state, limit in (("cold", 60.0), ("warm", 10.0)):
            e = Explorer(cache)  # a new Explorer: nothing in memory, only the files
            for view in ("document 001", "document 003", "document 004 double descent"):
                name = f"{view}, {state} cache"
                start = time.perf_counter()
                first_view(e, view)
                times[name] = time.perf_counter() - start
                budget[name] = limit
    return {"workload": "explorer first views (issue 41's budgets)", "times": times, "base": "none", "budget": budget}


WORKLOADS = ("landscape", "per_example", "training", "mandelbrot", "sweep", "compile", "explorer")


def run(args):
    """Every workload, each printed as soon as it is measured (the whole run takes minutes)."""
    from minnet.tools.threads import settings

    torch = torch_module()
    threads = {**settings(), "torch": "not installed" if torch is None else torch.get_num_threads()}
    print("threads (minnet.tools.threads): " + ", ".join(f"{k} {v}" for k, v in threads.items()), flush=True)
    results = {"threads": threads, "peak_multiply_adds_per_second": peak_multiply_adds(args.quick), "workloads": []}
    benches = [bench_landscape, bench_per_example, bench_training, bench_mandelbrot, bench_sweep, bench_explorer] + (
        [] if args.quick else [bench_compile]
    )
    for bench in [b for b in benches if not args.only or b.__name__.removeprefix("bench_") in args.only]:
        measured = bench(args)
        for workload in measured if isinstance(measured, list) else [measured]:
            results["workloads"].append(workload)
            print_workload(workload, results["peak_multiply_adds_per_second"])
    return results


def print_workload(workload, peak):
    """One workload's table: each method's seconds and its ratio to the base method, memory, and work rates."""
    times = workload["times"]
    base_name = workload.get("base", "kernel")
    base = times.get(base_name)
    print(f"\n{workload['workload']}")
    print(f"  {'method':<44}{'seconds':>12}{'ratio to ' + base_name.split(' (')[0] if base else '':>24}")
    for name, seconds in times.items():
        ratio = f"{seconds / base:.2f}x" if base and name != base_name else ""
        print(f"  {name:<44}{seconds:>12.4f}{ratio:>24}")
    for name, seconds in workload.get("budget", {}).items():
        print(
            f"  {name:<44} budget {seconds:.3f} s: {'within' if times[name] <= seconds else 'OVER'} "
            f"({times[name] / seconds:.2f}x of it)"
        )
    for name, mb in workload.get("peak_memory_mb", {}).items():
        print(f"  peak memory {name:<32}{mb:>10.1f} MB")
    for name, fraction in workload.get("pixels equal to the plain loop's", {}).items():
        print(f"  rectangles and cycles, {name}: {100 * fraction:.4f}% of pixels equal to the plain loop's")
    if "work" in workload:
        work = workload["work"]
        print(
            f"  {work['network evaluations']:,} network evaluations, {work['multiply-adds'] / 1e9:.2f} G "
            "multiply-adds; per second:"
        )
        for name, seconds in [
            (name, seconds) for name, seconds in times.items() if name not in workload.get("less_work", ())
        ]:
            print(
                f"  {name:<44}{work['multiply-adds'] / seconds / 1e9:>10.1f} G   "
                f"{work['multiply-adds'] / seconds / peak:>6.0%} of peak"
            )
        print(
            f"  (peak: {peak / 1e9:.1f} G/s, float64 fused multiply-adds with no memory traffic; at peak the "
            f"multiply-adds alone take {work['multiply-adds'] / peak:.3f} s)"
        )
    sys.stdout.flush()


def main(argv: Sequence[str] | None = None) -> int:
    parser = study_parser("benchmark", __doc__)
    parser.add_argument("--json", metavar="FILE", help="also write the numbers to FILE as JSON")
    parser.add_argument("--repeats", type=int, default=5, help="timed calls per method (default 5)")
    parser.add_argument("--quick", action="store_true", help="small sizes, no compile-time probe (for tests)")
    parser.add_argument("--only", nargs="+", choices=WORKLOADS, help="these workloads only")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error(f"--repeats must be >= 1, got {args.repeats}")
    results = run(args)
    if args.json:
        save_json(args.json, results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
