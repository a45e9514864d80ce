"""A training run's record: named NumPy arrays plus a few plain facts, saved without pickle."""

import json

import numpy as np

from minnet.atomic import save_npz

META_KEY = "__meta__"


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
