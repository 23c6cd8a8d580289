"""The real MNIST for the examples, offline: ../shared/datasets/mnist.npz (Keras's layout:
x_train, y_train, x_test, y_test) or the file $FLOWGRAD_MNIST names (which may hold a subset),
images scaled to [0, 1]. `tf.keras.datasets.mnist.load_data(path=...)` reads the full file
the same way, checking its contents."""

import os

import numpy as np


REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_MNIST = os.path.join(REPO_ROOT, "..", "shared", "datasets", "mnist.npz")


def mnist_path():
    """The MNIST .npz to read: $FLOWGRAD_MNIST if set, else ../shared/datasets/mnist.npz."""
    return os.environ.get("FLOWGRAD_MNIST") or DEFAULT_MNIST


def load_mnist(path=None, limit=None, test_limit=None, channels=False):
    """(x_train, y_train), (x_test, y_test) as float32 images in [0, 1] (with a trailing channel
    axis when `channels`) and int64 labels; `limit` / `test_limit` keep the first examples."""
    path = path or mnist_path()
    if not os.path.exists(path):
        raise FileNotFoundError(f"MNIST not found at {path}; set FLOWGRAD_MNIST to the .npz "
                                "file (Keras layout: x_train, y_train, x_test, y_test).")
    with np.load(path) as d:
        x_train, y_train, x_test, y_test = (d[k] for k in ("x_train", "y_train",
                                                           "x_test", "y_test"))
    if limit is not None:
        x_train, y_train = x_train[:limit], y_train[:limit]
    if test_limit is not None:
        x_test, y_test = x_test[:test_limit], y_test[:test_limit]
    shape = (-1, 28, 28, 1) if channels else (-1, 28, 28)
    scale = np.float32(1 / 255.0)
    return ((x_train.astype(np.float32).reshape(shape) * scale, y_train.astype(np.int64)),
            (x_test.astype(np.float32).reshape(shape) * scale, y_test.astype(np.int64)))
