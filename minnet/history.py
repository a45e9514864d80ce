"""A training run's record: named NumPy arrays plus a few plain facts, saved without pickle."""

import json
import os
import tempfile

import numpy as np

META_KEY = "__meta__"


def atomic_write(path, write):
    """Call write(file) on a temporary file beside `path`, then rename it over `path`.

    A crash mid-write leaves the old file (or none), never a half-written one.
    """
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=os.path.basename(path))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # the permissions a plain open() would give, not mkstemp's 0600
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def save_npz(path, arrays):
    """Write a dict of arrays to `path` as .npz, atomically."""
    atomic_write(path, lambda f: np.savez(f, **arrays))


def save_json(path, data):
    """Write `data` to `path` as indented JSON, atomically."""
    atomic_write(path, lambda f: f.write(json.dumps(data, indent=2).encode()))


class History(dict):
    """Arrays by name (``h["train_loss"]``), and ``h.meta`` for plain facts such as why a run stopped.

    Keys written by `minnet.train.fit`:
        train_loss, test_loss   (T+1,)   before training and after each of the T updates
        grad_norm               (T,)     norm of the gradient used by update i
        grad_angle              (T-1,)   degrees between the gradients of updates i and i+1
        params                  (T+1, P) the parameter vector before training and after each update
    """

    def __init__(self, arrays=None, meta=None):
        super().__init__(arrays or {})
        self.meta = dict(meta or {})

    @property
    def diverged_at(self):
        """The update after which the loss was no longer finite, or None."""
        return self.meta.get("diverged_at")

    def save(self, path):
        """Write every array and the meta facts (as JSON) to one .npz file, atomically."""
        arrays = {key: np.asarray(value) for key, value in self.items()}
        arrays[META_KEY] = np.array(json.dumps(self.meta))
        save_npz(path, arrays)

    @classmethod
    def load(cls, path):
        """Read a History written by `save`; a file holding pickled objects is refused."""
        try:
            with np.load(path, allow_pickle=False) as data:
                arrays = {key: data[key] for key in data.files}
        except ValueError as err:
            raise ValueError(f"{path}: refusing to load pickled data ({err})") from err
        meta = json.loads(str(arrays.pop(META_KEY))) if META_KEY in arrays else {}
        return cls(arrays, meta)
