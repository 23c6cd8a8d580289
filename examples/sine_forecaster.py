"""The tutorials' recurrent forecasters: LSTM(50, relu) on 10-step windows and GRU(100, relu) on
50-step windows of a sine wave, trained with Keras's compile/fit; prints each model's final MSE.

    python3 examples/sine_forecaster.py            # both models, as the tutorial trains them
    python3 examples/sine_forecaster.py --quick    # fewer epochs
"""

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import flowgrad as tf  # noqa: E402


def windows(window, n=1000):
    """Sliding windows of sin(t), t in [0, 100]: inputs (samples, window, 1), next values."""
    data = np.sin(np.linspace(0, 100, n))
    x = np.stack([data[i:i + window] for i in range(len(data) - window)])
    return x.reshape(-1, window, 1).astype(np.float32), data[window:].astype(np.float32)


def train(cell, units, window, epochs, seed=0, verbose=0):
    """Builds Sequential([cell(units, activation='relu'), Dense(1)]), fits it with adam / mse and
    returns the final training MSE."""
    tf.keras.utils.set_random_seed(seed)
    x, y = windows(window)
    model = tf.keras.Sequential([
        cell(units, activation="relu", input_shape=(window, 1)),
        tf.keras.layers.Dense(1),
    ])
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y, epochs=epochs, batch_size=32, verbose=verbose)
    return float(model.evaluate(x, y, verbose=0))


def main(lstm_epochs=200, gru_epochs=20, verbose=0):
    results = {}
    results["LSTM(50), 10 steps"] = train(tf.keras.layers.LSTM, 50, 10, lstm_epochs,
                                          verbose=verbose)
    results["GRU(100), 50 steps"] = train(tf.keras.layers.GRU, 100, 50, gru_epochs,
                                          verbose=verbose)
    for name, mse in results.items():
        print(f"{name}: final training MSE {mse:.5f}")
    return results


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    main(*((40, 5) if a.quick else (200, 20)))
