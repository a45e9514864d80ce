"""A training run's record: named NumPy arrays plus a few plain facts, saved without pickle."""

import json
import struct
import tokenize
import zipfile
import zlib

import numpy as np

from minnet.tools.atomic import read_npz, save_npz, strict

META_KEY = "__meta__"  # the meta facts and the list of array names, as JSON
# what reading a damaged .npz raises: zipfile's BadZipFile, NotImplementedError (a "version" or
# compression it does not know), RuntimeError (an "encrypted" flag), struct.error; zlib.error; a
# bogus shape's MemoryError; a header NumPy cannot parse as a Python literal: SyntaxError or
# tokenize.TokenError; ...
UNREADABLE = (
    OSError,
    EOFError,
    ValueError,
    KeyError,
    MemoryError,
    OverflowError,
    NotImplementedError,
    RuntimeError,
    struct.error,
    zipfile.BadZipFile,
    zlib.error,
    SyntaxError,
    tokenize.TokenError,
)


class History(dict):
    """Arrays by name (``h["train_loss"]``), and ``h.meta`` for facts such as why a run stopped.

    Keys written by `minnet.train.fit` (test_loss and params by its recorders TestLoss, Snapshots):
        train_loss, test_loss   (T+1,)   before training and after each of the T epochs
        grad_norm               (T,)     norm of the full-batch gradient at the start of epoch i
        grad_angle              (T-1,)   degrees between the gradients of epochs i and i+1
        params                  (T+1, P) the parameter vector before training and after each epoch
    """

    def __init__(self, arrays=None, meta=None):
        super().__init__(arrays or {})
        self.meta = dict(meta or {})

    @property
    def diverged_at(self):
        """The update after which the loss was no longer finite, or None."""
        return self.meta.get("diverged_at")

    def save(self, path):
        """Write every array, the meta facts and the array names (JSON) to one .npz, atomically.

        Refused with a ValueError naming the problem: an array name that is not a string or is the
        meta entry's, arrays of Python objects (they would need a pickle), meta facts that are not
        JSON (NumPy numbers are written as plain numbers)."""
        for key in self:
            if not isinstance(key, str) or key == META_KEY:
                raise ValueError(
                    f"array names must be strings other than {META_KEY!r}, got {key!r}"
                )
        try:
            record = json.dumps(
                strict({"meta": self.meta, "arrays": sorted(self)}), allow_nan=False
            )
        except (TypeError, ValueError) as err:
            raise ValueError(
                f"History.meta must hold JSON values (numbers, strings, lists, dicts): {err}"
            ) from err
        arrays = {key: np.asarray(value) for key, value in self.items()}
        arrays[META_KEY] = np.array(record)
        save_npz(path, arrays)

    @classmethod
    def load(cls, path):
        """Read a History written by `save`. A damaged or truncated file, one missing an array its
        list names, or one holding pickled objects, is a ValueError naming the file."""
        try:
            arrays = read_npz(path)
            record = (
                json.loads(str(arrays.pop(META_KEY)))
                if META_KEY in arrays
                else {"meta": {}, "arrays": sorted(arrays)}
            )
        except UNREADABLE as err:
            raise ValueError(
                f"{path}: not a readable History file ({type(err).__name__}: {err})"
            ) from err
        if not (
            isinstance(record, dict)
            and isinstance(record.get("meta"), dict)
            and isinstance(record.get("arrays"), list)
        ):
            raise ValueError(f"{path}: its {META_KEY} entry is not a History's")
        missing = sorted(set(record["arrays"]) - set(arrays))
        if missing:
            raise ValueError(f"{path}: arrays {missing} are listed but missing (a damaged file?)")
        return cls(arrays, record["meta"])
