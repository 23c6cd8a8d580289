"""Anomaly detection with a dense autoencoder (after TensorFlow's ECG autoencoder tutorial), on
synthetic signals.

"Normal" signals are 64-sample windows of a sine wave (two periods per window, random phase
and amplitude, a little noise). Anomalous ones carry one of four defects: a few spikes, a
faster rhythm, a flat dropout segment, or a burst of noise. The autoencoder (a subclassed
`tf.keras.Model` with a Dense encoder 64 -> 32 -> 16 -> 8 and a mirrored decoder) is trained
on normal signals only, so it reconstructs them well and anomalies badly. A signal is flagged
when its reconstruction error (mean absolute error) exceeds a threshold taken from the
training errors (their mean plus `k` standard deviations).

It prints the threshold and the precision, recall and accuracy of the flags on a held-out
set of half normal, half anomalous signals (chance: precision 0.5).

    python examples/autoencoder_anomaly.py                # ~5 s on one CPU core
    python examples/autoencoder_anomaly.py --epochs 5     # a quick look
"""

import argparse
import time

import numpy as np

import flowgrad as tf

LENGTH = 64
KINDS = ("spikes", "fast rhythm", "dropout", "noise burst")


def normal_signals(rng, n):
    """n normal windows (float32, shape (n, LENGTH))."""
    t = np.arange(LENGTH) / LENGTH
    phase = rng.uniform(0, 2 * np.pi, (n, 1))
    amp = rng.uniform(0.8, 1.2, (n, 1))
    return (amp * np.sin(2 * np.pi * 2 * t + phase)
            + rng.normal(0, 0.05, (n, LENGTH))).astype(np.float32)


def anomalous_signals(rng, n):
    """n anomalous windows, each a normal one with one defect; also the defect kind of each
    (an index into KINDS)."""
    x = normal_signals(rng, n).astype(np.float64)
    kinds = rng.integers(0, len(KINDS), n)
    t = np.arange(LENGTH) / LENGTH
    for i, kind in enumerate(kinds):
        if kind == 0:      # a few spikes
            pos = rng.choice(LENGTH, 2, replace=False)
            x[i, pos] += rng.choice([-1, 1], 2) * rng.uniform(0.4, 0.8, 2)
        elif kind == 1:    # a faster rhythm
            x[i] = rng.uniform(0.8, 1.2) * np.sin(2 * np.pi * rng.uniform(2.4, 3.2) * t
                                                   + rng.uniform(0, 2 * np.pi))
        elif kind == 2:    # a flat dropout segment
            start = rng.integers(0, LENGTH - 8)
            x[i, start:start + 8] = 0.0
        else:              # a burst of noise
            start = rng.integers(0, LENGTH - 12)
            x[i, start:start + 12] += rng.normal(0, 0.2, 12)
    return x.astype(np.float32), kinds


class AnomalyDetector(tf.keras.Model):
    """A dense autoencoder: `decoder(encoder(x))`."""

    def __init__(self):
        super().__init__()
        layers = tf.keras.layers
        self.encoder = tf.keras.Sequential([
            layers.Dense(32, activation="relu"),
            layers.Dense(16, activation="relu"),
            layers.Dense(8, activation="relu"),
        ])
        self.decoder = tf.keras.Sequential([
            layers.Dense(16, activation="relu"),
            layers.Dense(32, activation="relu"),
            layers.Dense(LENGTH),
        ])

    def call(self, x):
        return self.decoder(self.encoder(x))


def reconstruction_errors(model, x):
    """The mean absolute reconstruction error of each signal."""
    return tf.keras.losses.mae(x, model.predict(x, verbose=0)).numpy()


def main(n_train=3000, n_test=1000, epochs=30, k=3.0, seed=0, verbose=1):
    """Trains the detector and returns {"threshold", "precision", "recall", "accuracy",
    "recall_by_kind", "seconds"} on a test set of n_test normal and n_test anomalous
    signals."""
    tf.keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    x_train = normal_signals(rng, n_train)
    x_val = normal_signals(rng, max(n_train // 10, 50))
    test_normal = normal_signals(rng, n_test)
    test_anomalous, kinds = anomalous_signals(rng, n_test)
    x_test = np.concatenate([test_normal, test_anomalous])
    is_anomaly = np.concatenate([np.zeros(n_test, bool), np.ones(n_test, bool)])

    model = AnomalyDetector()
    model.compile(optimizer="adam", loss="mae")
    start = time.perf_counter()
    model.fit(x_train, x_train, epochs=epochs, batch_size=64, validation_data=(x_val, x_val),
              shuffle=True, verbose=0)
    seconds = time.perf_counter() - start

    train_err = reconstruction_errors(model, x_train)
    threshold = float(train_err.mean() + k * train_err.std())
    flagged = reconstruction_errors(model, x_test) > threshold
    tp = int((flagged & is_anomaly).sum())
    precision = tp / max(int(flagged.sum()), 1)
    recall = tp / int(is_anomaly.sum())
    accuracy = float((flagged == is_anomaly).mean())
    by_kind = {name: float(flagged[n_test:][kinds == i].mean())
               for i, name in enumerate(KINDS) if (kinds == i).any()}
    if verbose:
        print(f"Trained on {n_train} normal signals for {epochs} epochs in {seconds:.1f} s; "
              f"training error {train_err.mean():.4f} +- {train_err.std():.4f}, threshold "
              f"{threshold:.4f}")
        print(f"Test set: {n_test} normal + {n_test} anomalous signals (chance precision 0.5)")
        print(f"precision {precision:.3f}  recall {recall:.3f}  accuracy {accuracy:.3f}")
        print("recall by defect: " + ", ".join(f"{name} {r:.2f}" for name, r in by_kind.items()))
    return {"threshold": threshold, "precision": precision, "recall": recall,
            "accuracy": accuracy, "recall_by_kind": by_kind, "seconds": seconds}


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--train", type=int, default=3000, help="normal training signals")
    ap.add_argument("--test", type=int, default=1000,
                    help="normal (and as many anomalous) test signals")
    ap.add_argument("--k", type=float, default=3.0,
                    help="threshold = mean + k * std of the training errors")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    main(n_train=args.train, n_test=args.test, epochs=args.epochs, k=args.k, seed=args.seed)
