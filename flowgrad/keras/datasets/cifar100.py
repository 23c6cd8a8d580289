"""`keras.datasets.cifar100`: 60,000 32x32 colour images in 100 (or 20 coarse) classes."""

import os

import numpy as np

from . import _cifar

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
FILE_HASH = "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"


def load_data(label_mode="fine"):
    """Loads CIFAR-100.

    Args:
        label_mode: "fine" (100 classes) or "coarse" (20 superclasses).

    Returns:
        `(x_train, y_train), (x_test, y_test)`: x uint8 of shape (50000, 32, 32, 3) /
        (10000, 32, 32, 3), y int64 of shape (50000, 1) / (10000, 1).
    """
    if label_mode not in ("fine", "coarse"):
        raise ValueError('`label_mode` must be one of `"fine"`, `"coarse"`. '
                         f"Received: label_mode={label_mode}.")
    from .. import backend
    path = _cifar.batches_dir("cifar-100-python", "cifar-100-python.tar.gz", ORIGIN, FILE_HASH)
    x_train, y_train = _cifar.load_batch(os.path.join(path, "train"), f"{label_mode}_labels")
    x_test, y_test = _cifar.load_batch(os.path.join(path, "test"), f"{label_mode}_labels")
    y_train = np.reshape(y_train, (len(y_train), 1))
    y_test = np.reshape(y_test, (len(y_test), 1))
    if backend.image_data_format() == "channels_last":
        x_train = x_train.transpose(0, 2, 3, 1)
        x_test = x_test.transpose(0, 2, 3, 1)
    return (x_train, y_train), (x_test, y_test)
