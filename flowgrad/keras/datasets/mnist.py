"""`keras.datasets.mnist`: 70,000 28x28 grayscale digits."""

import numpy as np

from . import _files

RESOURCE = _files.Resource(
    "mnist.npz", _files.KERAS_ORIGIN + "mnist.npz",
    "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",
    loader="mnist.load_data")

_EXPECTED = {"x_train": ((60000, 28, 28), "uint8"), "y_train": ((60000,), "uint8"),
             "x_test": ((10000, 28, 28), "uint8"), "y_test": ((10000,), "uint8")}


def load_data(path="mnist.npz"):
    """Loads MNIST.

    Args:
        path: the file name in the cache (default "mnist.npz"), or the path of an existing
            mnist.npz (then checked by content, not by hash).

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 arrays of shapes (60000, 28, 28),
        (60000,), (10000, 28, 28) and (10000,).

    Offline: `load_data(path="/path/to/mnist.npz")`, or set `FLOWGRAD_DATASETS_DIR` to the
    directory holding mnist.npz.
    """
    fpath, _ = _files.locate(RESOURCE, path, "mnist.npz")
    with np.load(fpath, allow_pickle=False) as f:
        arrays = {k: f[k] for k in _EXPECTED if k in f}
    _files.check_arrays(fpath, arrays, _EXPECTED)
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])
