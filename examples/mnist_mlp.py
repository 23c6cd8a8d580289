"""The tutorials' MNIST multilayer perceptron, trained with flowgrad's Keras on the real MNIST.

Flatten(28x28) -> Dense(128, relu) -> Dense(64, relu) -> Dense(10, softmax), Adam, sparse
categorical cross-entropy, 5 epochs of batches of 32 on the 60,000 training images; prints one
line per epoch and the accuracy on the 10,000 test images (0.97 or more).

    python examples/mnist_mlp.py                  # offline: reads ../shared/datasets/mnist.npz
    FLOWGRAD_MNIST=/path/to/mnist.npz python examples/mnist_mlp.py
    python examples/mnist_mlp.py --epochs 1 --limit 3000   # a quick look on a subset

The .npz file has the Keras layout: uint8 `x_train` (60000, 28, 28), `y_train` (60000,),
`x_test` (10000, 28, 28), `y_test` (10000,).
"""

import argparse
import os
import sys
import time

# Batches of 32 make small matrix products: one BLAS thread is faster than several that wait
# on each other (see bench/README.md); set the variable yourself to override.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

import flowgrad as tf

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _mnist import load_mnist as _load, mnist_path  # noqa: E402,F401


def load_mnist(path=None, limit=None):
    """(x_train, y_train), (x_test, y_test): images scaled to [0, 1] as float32, integer
    labels; with `limit`, the first `limit` training and `limit` test examples (at most)."""
    return _load(path, limit, limit)


def build_model():
    model = tf.keras.Sequential([
        tf.keras.layers.Flatten(input_shape=(28, 28)),
        tf.keras.layers.Dense(128, activation="relu"),
        tf.keras.layers.Dense(64, activation="relu"),
        tf.keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def main(epochs=5, batch_size=32, limit=None, verbose=2, seed=0, path=None):
    """Trains the MLP and returns {"test_loss", "test_accuracy", "history", "seconds"}."""
    tf.keras.utils.set_random_seed(seed)
    (x_train, y_train), (x_test, y_test) = load_mnist(path, limit)
    model = build_model()
    start = time.perf_counter()
    history = model.fit(x_train, y_train, epochs=epochs, batch_size=batch_size,
                        verbose=verbose)
    seconds = time.perf_counter() - start
    test_loss, test_accuracy = model.evaluate(x_test, y_test, verbose=0)
    if verbose:
        print(f"Trained on {len(x_train):,} images in {seconds:.1f} s; "
              f"test loss {test_loss:.4f}, test accuracy {test_accuracy:.4f} "
              f"({len(x_test):,} images)")
    return {"test_loss": test_loss, "test_accuracy": test_accuracy,
            "history": history.history, "seconds": seconds}


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--limit", type=int, default=None,
                    help="use only the first LIMIT training and test images")
    args = ap.parse_args()
    main(epochs=args.epochs, batch_size=args.batch_size, limit=args.limit)
