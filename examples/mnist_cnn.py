"""The tutorials' MNIST convolutional network, trained with flowgrad's Keras on the real MNIST.

Conv2D(32, 3x3, relu) -> MaxPooling2D(2x2) -> Conv2D(64, 3x3, relu) -> MaxPooling2D(2x2) ->
Flatten -> Dense(128, relu) -> Dense(10, softmax): 225,034 parameters, as in Keras. Adam,
sparse categorical cross-entropy, one epoch of batches of 32 on the 60,000 training images;
prints the epoch time and the accuracy on the 10,000 test images (0.98 or more).

    python examples/mnist_cnn.py                   # offline: reads ../shared/datasets/mnist.npz
    FLOWGRAD_MNIST=/path/to/mnist.npz python examples/mnist_cnn.py
    python examples/mnist_cnn.py --limit 2000      # a quick look on a subset

The .npz file has the Keras layout: uint8 `x_train` (60000, 28, 28), `y_train` (60000,),
`x_test` (10000, 28, 28), `y_test` (10000,).
"""

import argparse
import os
import sys
import time

import numpy as np

import flowgrad as tf

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _mnist import load_mnist as _load, mnist_path  # noqa: E402,F401


def load_mnist(path=None, limit=None, test_limit=None):
    """(x_train, y_train), (x_test, y_test): images (N, 28, 28, 1) scaled to [0, 1] as float32,
    integer labels; `limit` / `test_limit` keep the first examples of each split."""
    return _load(path, limit, test_limit, channels=True)


def build_model():
    """The tutorial CNN, compiled with Adam and sparse categorical cross-entropy."""
    from flowgrad.keras.layers import Conv2D, Dense, Flatten, MaxPooling2D
    model = tf.keras.Sequential([
        Conv2D(32, kernel_size=(3, 3), activation="relu", input_shape=(28, 28, 1)),
        MaxPooling2D(pool_size=(2, 2)),
        Conv2D(64, kernel_size=(3, 3), activation="relu"),
        MaxPooling2D(pool_size=(2, 2)),
        Flatten(),
        Dense(128, activation="relu"),
        Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def main(epochs=1, batch_size=32, limit=None, test_limit=None, verbose=2, seed=0, path=None):
    """Trains the CNN and returns {"test_loss", "test_accuracy", "history", "seconds",
    "params"} (`seconds`: the wall time of `fit`)."""
    tf.keras.utils.set_random_seed(seed)
    (x_train, y_train), (x_test, y_test) = load_mnist(path, limit, test_limit)
    model = build_model()
    start = time.perf_counter()
    history = model.fit(x_train, y_train, epochs=epochs, batch_size=batch_size,
                        verbose=verbose)
    seconds = time.perf_counter() - start
    test_loss, test_accuracy = model.evaluate(x_test, y_test, batch_size=256, verbose=0)
    if verbose:
        steps = -(-len(x_train) // batch_size) * epochs
        print(f"Trained {model.count_params():,} parameters on {len(x_train):,} images x "
              f"{epochs} epoch(s) in {seconds:.1f} s ({1000 * seconds / steps:.1f} ms per "
              f"batch of {batch_size}); test loss {test_loss:.4f}, test accuracy "
              f"{test_accuracy:.4f} ({len(x_test):,} images)")
    return {"test_loss": test_loss, "test_accuracy": test_accuracy,
            "history": history.history, "seconds": seconds, "params": model.count_params()}


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--limit", type=int, default=None,
                    help="train on the first LIMIT training images only")
    ap.add_argument("--test-limit", type=int, default=None,
                    help="evaluate on the first TEST_LIMIT test images only")
    args = ap.parse_args()
    main(epochs=args.epochs, batch_size=args.batch_size, limit=args.limit,
         test_limit=args.test_limit)
