"""Document 000's training loop compiled: the Python side of kernels/two_layer.py.

`fit_example_by_example` trains a TwoLayerNet as the document's own loop does, example by
example, compiled by Numba; with backend="numpy" (or MINNET_BACKEND=numpy) it is `fit` with SGD,
which calls the network's own backprop. The other kernels' wrappers are beside the NumPy code
they twin: minnet.per_example.gradient_stats, minnet.landscape, minnet.studies.mandelbrot.
"""

import numpy as np

from minnet.checks import check_fit_args
from minnet.optim import SGD
from minnet.recorders import Snapshots, TestLoss
from minnet.tools.backend import resolve
from minnet.tools.history import History
from minnet.tools.progress import steps as progress_steps
from minnet.train import fit
from minnet.two_layer import TwoLayerNet

COMPILED_CHUNK = 1000  # epochs per kernel call, so that a long compiled run can show progress


def fit_example_by_example(
    net, X, Y, lr, epochs, X_test=None, Y_test=None, progress=False, snapshots=True, backend=None
):
    """Document 000's own training loop: full-batch gradient descent w := w - lr G on a TwoLayerNet
    with the document's error, G summed example by example as the document's code does.

    On the numba backend this is kernels/two_layer.py, not the network's `backprop`: an edit to
    TwoLayerNet does not change what it trains. It sums in `fit`'s order (minnet.arithmetic) with
    the same e^x, so the two give the same bits, also in an unstable run ((f1, 3, 1, 1000): 728 /
    745 / 748 on every machine; the notebook printed 734 / 752 / 755 on its own).
    On the numpy backend (backend="numpy" or MINNET_BACKEND=numpy) it is `fit` with SGD: the
    network's own backprop, summed over the batch at once.
    Returns the History `fit` would with TestLoss and Snapshots (train_loss, test_loss, grad_norm,
    grad_angle, params). Runs in chunks of COMPILED_CHUNK epochs, handing each chunk the previous
    gradient so that the angles (and every number) are the same as in one long call.
    """
    if not isinstance(net, TwoLayerNet) or net.loss_name != "half_mse":
        raise ValueError(
            "the example-by-example loop is document 000's: a TwoLayerNet with loss 'half_mse', "
            f"got {type(net).__name__} with {net.loss_name!r}"
        )
    X, Y = net.check_XY(X, Y)
    check_fit_args(net, SGD(net.params, lr=lr), X, epochs, None, "mean")  # lr checked by SGD
    if resolve(backend) == "numpy":
        test = [] if X_test is None else [TestLoss(X_test, Y_test)]
        recorders = test + ([Snapshots()] if snapshots else [])
        return fit(
            net, X, Y, SGD(net.params, lr=lr), epochs, recorders=recorders, progress=progress
        )
    if X_test is None:
        X_test, Y_test = np.zeros((0, net.n_in)), np.zeros((0, net.n_out))  # test_loss is then NaN
    else:
        X_test, Y_test = net.check_XY(X_test, Y_test)
    return compiled(net, X, Y, X_test, Y_test, lr, epochs, progress, snapshots)


def compiled(net, X, Y, X_test, Y_test, lr, epochs, progress, snapshots):
    """`fit_example_by_example` on kernels/two_layer.py, for checked arguments."""
    from kernels import codes
    from kernels import two_layer as kernel

    code = codes.ACTIVATION[net.activation]
    parts = {key: [] for key in ("train_loss", "test_loss", "grad_norm", "grad_angle", "U", "V")}
    previous, done = None, 0
    for start in progress_steps(
        range(0, max(epochs, 1), COMPILED_CHUNK),
        progress,
        desc=f"chunks of {COMPILED_CHUNK:,} epochs",
    ):  # epochs = 0: one call, no update
        chunk = min(COMPILED_CHUNK, epochs - start)
        train, test, norms, angles, U, V, previous = kernel.train(
            X, Y, X_test, Y_test, net.U, net.V, lr, chunk, code, previous
        )
        skip = 1 if start else 0  # a later chunk's first error and weights: the previous one's last
        kept = (train[skip:], test[skip:], norms, angles, U[skip:], V[skip:])
        for key, values in zip(parts, kept):
            parts[key].append(values)
        net.U[:], net.V[:] = U[-1], V[-1]
        done += norms.size
        if norms.size < chunk or not np.isfinite(train[-1]):
            break
    arrays = {key: np.concatenate(values) for key, values in parts.items()}
    diverged = not np.isfinite(arrays["train_loss"][-1])
    meta = {"epochs_run": done, "diverged_at": done if diverged else None}
    if diverged:
        meta["reason"] = f"train loss {arrays['train_loss'][-1]} not finite after epoch {done}"
    U_all, V_all = arrays.pop("U"), arrays.pop("V")
    history = History(arrays, meta)
    if snapshots:
        history["params"] = np.hstack([U_all.reshape(done + 1, -1), V_all.reshape(done + 1, -1)])
    return history
