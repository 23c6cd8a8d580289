"""`keras.datasets.cifar10`: 60,000 32x32 colour images in 10 classes."""

import os

import numpy as np

from . import _cifar

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
FILE_HASH = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"


def load_data():
    """Loads CIFAR-10.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: x uint8 of shape (50000, 32, 32, 3) /
        (10000, 32, 32, 3) (channels last), y uint8 of shape (50000, 1) / (10000, 1).

    Offline: put `cifar-10-python.tar.gz` or the extracted `cifar-10-batches-py/` directory in
    a directory named by `FLOWGRAD_DATASETS_DIR`.
    """
    from .. import backend
    path = _cifar.batches_dir("cifar-10-batches-py", "cifar-10-python.tar.gz", ORIGIN,
                              FILE_HASH)
    x_train = np.empty((50000, 3, 32, 32), dtype="uint8")
    y_train = np.empty((50000,), dtype="uint8")
    for i in range(1, 6):
        data, labels = _cifar.load_batch(os.path.join(path, f"data_batch_{i}"))
        x_train[(i - 1) * 10000:i * 10000] = data
        y_train[(i - 1) * 10000:i * 10000] = labels
    x_test, y_test = _cifar.load_batch(os.path.join(path, "test_batch"))
    y_train = y_train.reshape(len(y_train), 1)
    y_test = np.reshape(y_test, (len(y_test), 1)).astype(y_train.dtype)
    x_test = np.asarray(x_test).astype(x_train.dtype)
    if backend.image_data_format() == "channels_last":
        x_train = x_train.transpose(0, 2, 3, 1)
        x_test = x_test.transpose(0, 2, 3, 1)
    return (x_train, y_train), (x_test, y_test)
