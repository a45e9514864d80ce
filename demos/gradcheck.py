"""Check minnet's hand-written gradients against central finite differences.

    python -m demos.gradcheck --sizes 2 5 3 1 --activation tanh --loss mse
    python -m demos.gradcheck --two-layer --h 3

prints, for every weight matrix and bias vector, the largest relative error
between the backpropagated gradient and a five-point central difference.
"""

from collections.abc import Sequence

import numpy as np

from demos.cli import (
    float_in,
    int_in,
    positive_int,
    refuse_if_too_big,
    refuse_if_too_long,
    seed,
    study_parser,
)
from minnet import MLP, TwoLayerNet
from minnet.activations import ACTIVATIONS
from minnet.gradcheck import check_gradient
from minnet.losses import LOSSES

TOLERANCE = 1e-6


def build(args):
    """The network and a random batch the arguments describe."""
    rng = np.random.default_rng(args.seed)
    if args.two_layer:
        net = TwoLayerNet(
            h=args.h, n_in=args.sizes[0], n_out=args.sizes[-1], activation=args.activation, seed=args.seed
        )
    else:
        net = MLP(args.sizes, activation=args.activation, loss=args.loss, seed=args.seed)
    X = rng.normal(size=(args.batch, net.n_in))
    Y = (
        rng.integers(0, net.n_out, args.batch)
        if net.loss_name == "cross_entropy"
        else rng.normal(size=(args.batch, net.n_out))
    )
    return net, X, Y


def run(args):
    net, X, Y = build(args)
    return {"network": repr(net.config), "errors": check_gradient(net, X, Y, h=args.step)}


MULTIPLY_ADDS_PER_SECOND = 1e9  # a cautious rate for NumPy's small matrix products on one core


def n_params(args):
    """The network's parameter count: sum of (n_{l-1} + 1) n_l, or TwoLayerNet's 2 (h - 1) + h."""
    if args.two_layer:
        return 2 * (args.h - 1) + args.h
    return sum((a + 1) * b for a, b in zip(args.sizes, args.sizes[1:]))


def main(argv: Sequence[str] | None = None) -> int:
    parser = study_parser("gradcheck", __doc__)
    parser.add_argument(
        "--sizes", type=positive_int, nargs="+", default=[2, 5, 3, 1], help="layer widths n_0 ... n_L (default 2 5 3 1)"
    )
    parser.add_argument(
        "--activation", choices=ACTIVATIONS, help="hidden activation (default tanh; sigmoid with --two-layer)"
    )
    parser.add_argument("--loss", default="mse", choices=LOSSES)
    parser.add_argument("--two-layer", action="store_true", help="check document 000's TwoLayerNet (half_mse) instead")
    parser.add_argument(
        "--h", type=int_in(2), default=3, help="TwoLayerNet hidden units including the bias unit (default 3)"
    )
    parser.add_argument("--batch", type=positive_int, default=8)
    parser.add_argument(
        "--step",
        type=float_in(0, 1, open_lo=True),
        default=1e-3,
        help="finite-difference step, in (0, 1] (default 1e-3)",
    )
    parser.add_argument("--seed", type=seed, default=0)
    args = parser.parse_args(argv)
    refuse_if_too_big(parser, {"--sizes": 8 * 8 * n_params(args), "--batch": 8 * 4 * args.batch * sum(args.sizes)})
    refuse_if_too_long(parser, {"--sizes": 4 * args.batch * n_params(args) ** 2 / MULTIPLY_ADDS_PER_SECOND})
    args.activation = args.activation or ("sigmoid" if args.two_layer else "tanh")
    results = run(args)
    print(f"network: {results['network']}")
    print(f"{'block':<8}{'max relative error':>20}")
    for name, error in results["errors"].items():
        print(f"{name:<8}{error:>20.3e}")
    worst = max(results["errors"].values())
    print(f"{'PASS' if worst < TOLERANCE else 'FAIL'}: largest relative error {worst:.3e} (tolerance {TOLERANCE:g})")
    return 0 if worst < TOLERANCE else 1


if __name__ == "__main__":
    raise SystemExit(main())
