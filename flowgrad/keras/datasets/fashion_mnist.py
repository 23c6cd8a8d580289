"""`keras.datasets.fashion_mnist`: 70,000 28x28 grayscale images of 10 kinds of clothing."""

import gzip

import numpy as np

from . import _files

_FILES = ("train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz",
          "t10k-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz")
RESOURCES = tuple(_files.Resource(f, _files.KERAS_ORIGIN + f, None, subdir="fashion-mnist")
                  for f in _FILES)


def _read(path, magic, offset):
    with gzip.open(path, "rb") as f:
        data = f.read()
    if len(data) < offset or int.from_bytes(data[:4], "big") != magic:
        raise ValueError(f"{path} is not a valid Fashion-MNIST IDX file (magic number "
                         f"{int.from_bytes(data[:4], 'big')}, expected {magic}).")
    return np.frombuffer(data, np.uint8, offset=offset)


def load_data():
    """Loads Fashion-MNIST.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 arrays of shapes (60000, 28, 28),
        (60000,), (10000, 28, 28) and (10000,).

    Offline: put the four .gz files in a directory named by `FLOWGRAD_DATASETS_DIR` (directly
    or in a `fashion-mnist/` subdirectory).
    """
    paths = [_files.locate(r)[0] for r in RESOURCES]
    y_train = _read(paths[0], 2049, 8)
    x_train = _read(paths[1], 2051, 16).reshape(len(y_train), 28, 28)
    y_test = _read(paths[2], 2049, 8)
    x_test = _read(paths[3], 2051, 16).reshape(len(y_test), 28, 28)
    return (x_train, y_train), (x_test, y_test)
