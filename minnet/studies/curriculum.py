"""Document 001's measures of the implicit curriculum: which examples a network learns first, and why.

- Ensemble agreement (AGR, Carlini et al., "Distribution Density, Tails, and Outliers in Machine
  Learning"): for each example, the mean over all pairs of independently trained models of the
  Jensen-Shannon divergence between their predicted distributions,
      JS(p, q) = (KL(p || m) + KL(q || m)) / 2,   m = (p + q) / 2     (natural log, 0 <= JS <= log 2)
  Low AGR divergence: the models agree, the example is typical (well represented).
- First Correct FC(t): the fraction of examples classified correctly at least once up to and
  including iteration t; Last Mistake LM(t): the fraction with no mistake from iteration t on.
  FC >= accuracy >= LM at every t, both monotone.
- Gradient clusters ("cones"): a greedy cover of the examples by groups whose gradients are all
  pairwise within cosine 0.95; contention: the examples whose gradient points against a cluster's
  (cosine <= -0.95 with the cluster's mean gradient).
- `ExampleStatsRecorder`: after every training step, every example's correctness and the norm and
  cosine-with-the-mean of its gradient with respect to one layer (minnet.per_example.gradient_stats).
"""

import functools

import numpy as np

from minnet.data import load_classification
from minnet.mlp import MLP
from minnet.normalisation import refuse_normalised
from minnet.optim import SGD
from minnet.per_example import Evaluation, layer_grads, sparse_rows
from minnet.recorders import Recorder
from minnet.train import fit


def js_divergence(P, Q):
    """Jensen-Shannon divergence between rows of two (N, k) probability arrays: (N,), natural log."""
    M = (P + Q) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        kl_p = np.where(P > 0, P * np.log(P / M), 0.0).sum(axis=-1)  # KL(p || m), 0 log 0 = 0
        kl_q = np.where(Q > 0, Q * np.log(Q / M), 0.0).sum(axis=-1)
    return (kl_p + kl_q) / 2


def ensemble_agreement(probabilities):
    """AGR divergence of each example: mean JS divergence over all pairs of models.  probabilities (R, N, k) -> (N,)."""
    R = probabilities.shape[0]
    if R < 2:
        raise ValueError(f"ensemble agreement needs at least 2 models, got {R}")
    pairs = [(a, b) for a in range(R) for b in range(a + 1, R)]
    return np.mean([js_divergence(probabilities[a], probabilities[b]) for a, b in pairs], axis=0)


def chunks_by_agreement(agr, n_chunks=10):
    """Chunk id of each example: 0 for the tenth with the lowest divergence (most agreed on) .. n_chunks-1."""
    order = np.argsort(agr, kind="stable")
    chunk = np.empty(agr.size, dtype=np.int64)
    for c, members in enumerate(np.array_split(order, n_chunks)):
        chunk[members] = c
    return chunk


def first_correct(correct):
    """FC(t) per example: correct at some iteration <= t.  correct (T, N) bool -> (T, N) bool."""
    return np.logical_or.accumulate(correct, axis=0)


def last_mistake(correct):
    """LM(t) per example: correct at every iteration >= t.  correct (T, N) bool -> (T, N) bool."""
    return np.logical_and.accumulate(correct[::-1], axis=0)[::-1]


def cosine_matrix(G):
    """Pairwise cosines of the rows of G (N, P); rows of norm 0 have cosine 0 with everything."""
    norms = np.linalg.norm(G, axis=1)
    U = G / np.where(norms > 0, norms, 1.0)[:, None]
    return U @ U.T


def cone_cover(G, threshold=0.95):
    """Greedy cover of the examples by clusters in which every pair of gradients has cosine >= threshold.

    Repeatedly: take the unassigned example with the most unassigned neighbours (cosine >= threshold),
    then add its neighbours in order of decreasing cosine to it, each only if it is within the
    threshold of every member so far. Returns a list of index arrays, largest first.
    """
    C = cosine_matrix(G)
    close = C >= threshold
    free = np.ones(G.shape[0], dtype=bool)
    unassigned_neighbours = close.sum(axis=1)  # each example's, itself included; kept up to date
    clusters = []
    while free.any():
        seed = int(np.argmax(np.where(free, unassigned_neighbours, -1)))
        members = [seed]
        by_cosine = np.argsort(-C[seed])
        for candidate in by_cosine[free[by_cosine] & close[seed, by_cosine]]:  # its free neighbours
            if candidate != seed and close[candidate, members].all():
                members.append(int(candidate))
        free[members] = False
        unassigned_neighbours -= close[:, members].sum(axis=1)  # the members are assigned now
        clusters.append(np.array(members))
    return sorted(clusters, key=len, reverse=True)


def contention(G, cluster, threshold=-0.95):
    """The examples whose gradient has cosine <= threshold with the cluster's mean gradient."""
    mean = G[cluster].mean(axis=0)
    norms = np.linalg.norm(G, axis=1) * np.linalg.norm(mean)
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = np.where(norms > 0, G @ mean / norms, 0.0)
    return np.flatnonzero(cos <= threshold)


class ExampleStatsRecorder(Recorder):
    """Before training and after every step: each example's correctness, gradient norm and cosine with the
    mean gradient for the given layers (1-based), over a fixed evaluation set.

    correct (S+1, N) bool, grad_norm (S+1, N, len(layers)) and grad_cos (the same) float32. With
    `keep_params_at`, also the parameter vector after those steps (params_at_<s>), for analyses
    that need the network. backend: gradient_stats' (None: MINNET_BACKEND, else the kernel); both
    compute only the followed layers (for document 001's last layer one forward pass over X). X and
    Y are checked once, and the kernel reads X's non-zeros (minnet.per_example.sparse_rows, found
    once): 4.6 ms per evaluation of the 5,000 shipped MNIST images, against 6.7 ms reading all of X
    and the NumPy twin's 15.6 ms, one thread each (2026-12-07, a shared 2-core AMD EPYC). What does
    not change from step to step is prepared once (minnet.per_example.Evaluation): 4.9 -> 3.7 ms
    per evaluation, the same bits (2026-12-08, the same machine at load 7).
    """

    def __init__(self, X, Y, layers=(2,), keep_params_at=(), backend=None):
        self.X, self.Y, self.layers, self.keep, self.backend = X, Y, list(layers), set(keep_params_at), backend

    def start(self, net):
        self.correct, self.norm, self.cos, self.kept, self.step = [], [], [], {}, 0
        refuse_normalised(net, "gradient_stats")
        # the same data after every step: checked, its non-zeros found, the kernel's inputs made once
        X = net.check_X(self.X)
        Y = net.check_Y(self.Y, X.shape[0])
        self.evaluation = Evaluation(net, X, Y, self.layers, self.backend, sparse_rows(X))
        self.evaluate(net)

    def evaluate(self, net):
        stats = self.evaluation(net)
        self.correct.append(stats["correct"])
        self.norm.append(stats["norm"].astype(np.float32))
        self.cos.append(stats["cos"].astype(np.float32))
        if self.step in self.keep:
            self.kept[f"params_at_{self.step}"] = net.params.copy()

    def after_step(self, net, grad, update):
        self.step += 1
        self.evaluate(net)

    def result(self):
        return {
            "correct": np.array(self.correct),
            "grad_norm": np.array(self.norm),
            "grad_cos": np.array(self.cos),
            **self.kept,
        }


@functools.lru_cache(maxsize=2)
def training_data(name, data_dir=None):
    """load_classification(name, data_dir), read once per process (MNIST's CSV takes 0.6 s to
    parse, and a sweep worker trains run after run on it); read-only, as it is shared."""
    X, y = load_classification(name, data_dir)
    X.flags.writeable = y.flags.writeable = False
    return X, y


DEFAULTS = {  # document 001's runs as the study makes them (python -m demos.curriculum's defaults)
    "hidden": 8,
    "activation": "sigmoid",
    "lr": 0.01,  # the document's
    "batch_size": 128,
    "epochs": 30,
    "runs": 10,
    "init": "pytorch",  # nn.Linear's U(-1/sqrt(n_in), 1/sqrt(n_in)), the document's PyTorch default
    "reduction": "sum",  # each step descends the batch's summed cross-entropy
}


def network(n_in, sizes, activation, seed, init="pytorch"):
    """One of document 001's networks: layer widths `sizes` after the input, softmax and cross-entropy."""
    return MLP([n_in, *sizes], activation=activation, loss="cross_entropy", init=init, seed=seed)


def train_run(net, X, y, *, lr, batch_size, epochs, seed, reduction="sum", recorders=(), epoch_losses=True):
    """Vanilla SGD as document 001 trains: mini-batches drawn by `seed` (an int, or a Generator that
    goes on from where it stopped), the batch's summed (or mean) cross-entropy; returns fit's history
    (epoch_losses=False: its train_loss before training and after the last epoch only)."""
    return fit(
        net,
        X,
        y,
        SGD(net.params, lr=lr),
        epochs,
        batch_size=batch_size,
        seed=seed,
        recorders=list(recorders),
        reduction=reduction,
        record_gradients=False,  # the loss per epoch only; no whole-set backward pass
        epoch_losses=epoch_losses,
    )


def curriculum_task(config):
    """A sweep task (minnet.tools.sweep): one of document 001's runs from a config dict.

    config: data ("mnist5k", "digits", "mnist", "fashion"), data_dir, sizes (layer widths after
    the input), activation, lr, batch_size, epochs, seed (weights and batches), layers (whose
    gradients to follow, 1-based), keep_params_at (steps), and optionally init ("pytorch") and
    reduction ("sum"). Vanilla SGD on softmax + cross-entropy; after every step an evaluation over
    the whole training set (ExampleStatsRecorder). Returns the recorder's arrays, the final
    predicted probabilities and the training loss before and after training (the loss after every
    other epoch, a forward pass over the whole set that nothing reads, is not taken).
    """
    X, y = training_data(config["data"], config.get("data_dir"))
    net = network(X.shape[1], config["sizes"], config["activation"], config["seed"], config.get("init", "pytorch"))
    recorder = ExampleStatsRecorder(X, y, config["layers"], config.get("keep_params_at", ()))
    history = train_run(
        net,
        X,
        y,
        lr=config["lr"],
        batch_size=config["batch_size"],
        epochs=config["epochs"],
        seed=config["seed"],
        reduction=config.get("reduction", "sum"),
        recorders=[recorder],
        epoch_losses=False,
    )
    return {**recorder.result(), "probabilities": net.forward(X), "train_loss": history["train_loss"]}


# ----- the study's analysis of the runs' recordings -----------------------------------------------
N_CHUNKS = 10  # chunks of the agreement ranking, from the most typical examples to the least
CLUSTER_MIN_SIZE = 5  # the smallest cone counted as a gradient cluster
TYPICAL_BY = 50  # "almost entirely learned within the first 50 iterations"


def iteration_reaching(curve, level):
    """The first iteration at which `curve` reaches `level`, or None."""
    hits = np.flatnonzero(curve >= level)
    return int(hits[0]) if hits.size else None


def analyse(runs, X, y, sizes, activation, init, cluster_iteration, contention_threshold, deep=False):
    """Everything the study's figures and summary need, from the runs' recordings (`curriculum_task`'s, on X, y,
    networks of layer widths `sizes` after the input): accuracy and gradient curves per chunk of the agreement
    ranking, First Correct / Last Mistake, run 0's gradient clusters at `cluster_iteration` and, for the `deep`
    network, its layers' measures."""
    correct = np.array([r["correct"] for r in runs])  # (R, T+1, N)
    norm = np.array([r["grad_norm"][:, :, 0] for r in runs])  # second layer   (R, T+1, N)
    cos = np.array([r["grad_cos"][:, :, 0] for r in runs])
    agr = ensemble_agreement(np.array([r["probabilities"] for r in runs]))
    chunk = chunks_by_agreement(agr, N_CHUNKS)
    members = [np.flatnonzero(chunk == c) for c in range(N_CHUNKS)]  # each chunk's examples, in order
    per_chunk = lambda values: np.array([np.nanmean(values[:, :, m], axis=(0, 2)) for m in members])  # noqa: E731
    FC, LM = np.array([first_correct(c) for c in correct]), np.array([last_mistake(c) for c in correct])
    fc_lm_ok = bool(np.all(FC >= correct) and np.all(correct >= LM))
    groups = {"top 10%": 0, "middle 10%": N_CHUNKS // 2, "bottom 10%": N_CHUNKS - 1}
    fc_acc_lm = {
        name: [values[:, :, chunk == c].mean(axis=(0, 2)) for values in (FC, correct, LM)] for name, c in groups.items()
    }
    chunk_accuracy = chunk_fractions(correct, members)
    net = MLP([X.shape[1], *sizes], activation=activation, loss="cross_entropy", init=init)
    net.params = runs[0][f"params_at_{cluster_iteration}"]
    return {
        "correct": correct, "norm": norm, "cos": cos, "agr": agr, "chunk": chunk,
        "accuracy": correct.mean(axis=(0, 2)),
        "chunk_accuracy": chunk_accuracy, "chunk_cos": per_chunk(cos), "chunk_norm": per_chunk(norm),
        "fc_acc_lm": fc_acc_lm, "fc_lm_ok": fc_lm_ok,
        "reach80": [iteration_reaching(chunk_accuracy[c], 0.8) for c in range(N_CHUNKS)],
        "clusters": clusters(net, X, y, contention_threshold, correct[0], cos[0]),
        "deep_scatter": deep_scatter(runs[0], cluster_iteration) if deep else None,
        "deep_layers": deep_layers(runs, chunk) if deep else None,
    }  # fmt: skip


def chunk_fractions(correct, members):
    """(n_chunks, T+1): the fraction of each chunk's examples that are right at each iteration, over
    the runs (correct (R, T+1, N) bool). Counted in integers, then divided once: the bits of the
    mean of 0.0 and 1.0 in any order (every partial sum is an integer, exact in float64)."""
    return np.array([correct[:, :, m].sum(axis=(0, 2)) / (correct.shape[0] * m.size) for m in members])


def clusters(net, X, y, threshold, correct, cos):
    """Cones of the materialised layer-2 gradients of `net` (run 0 at the cluster iteration), with their contention
    sets (cosine <= `threshold`), and run 0's cosine and correctness curves of each."""
    G = layer_grads(net, X, y, 2)
    found = []
    for members in cone_cover(G):
        if len(members) < CLUSTER_MIN_SIZE:
            break
        against = contention(G, members, threshold)
        found.append(
            {
                "members": members,
                "contention": against,
                "members_cos": cos[:, members].mean(axis=1),
                "members_acc": correct[:, members].mean(axis=1),
                "contention_cos": cos[:, against].mean(axis=1) if against.size else None,
                "contention_acc": correct[:, against].mean(axis=1) if against.size else None,
            }
        )
    return found


def deep_layers(runs, chunk):
    """Section 2's two measures in each recorded layer of the deep network (fc2, fc3, fc4): the chunk with the
    highest mean cosine to the mean gradient over iterations 0-50, and chunk 0's mean gradient norm over chunk 9's."""
    found = {}
    for k, layer in enumerate((2, 3, 4)):
        cos = np.array([r["grad_cos"][: TYPICAL_BY + 1, :, k] for r in runs])  # (R, 51, N)
        norm = np.array([r["grad_norm"][:, :, k] for r in runs])  # (R, T+1, N)
        chunk_cos = [float(np.nanmean(cos[:, :, chunk == c])) for c in range(N_CHUNKS)]
        chunk_norm = [float(np.nanmean(norm[:, :, chunk == c])) for c in range(N_CHUNKS)]
        found[str(layer)] = {"highest_cosine_chunk": int(np.argmax(chunk_cos)), "chunk_cos": chunk_cos,
                             "norm_chunk0_over_chunk9": chunk_norm[0] / chunk_norm[-1]}  # fmt: skip
    return found


def deep_scatter(run, t):
    """Norm and cosine of layers 2, 3 and 4 at iteration t (the cluster iteration), run 0."""
    return {"norm": run["grad_norm"][t], "cos": run["grad_cos"][t], "correct": run["correct"][t]}
