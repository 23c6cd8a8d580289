"""Keras `fit` / `predict` on the MNIST MLP: flowgrad side by side with TensorFlow's Keras
(tf.keras = Keras 3 in TF 2.21, plus tf-keras 2 when installed), PyTorch and plain NumPy.

    python bench/keras_fit.py                   # flowgrad, plus whichever peers import
    OPENBLAS_NUM_THREADS=1 PYTHONPATH=. /tmp/flowgrad-peers/bin/python bench/keras_fit.py
    options: --quick (200 training steps per framework, extrapolated to an epoch; fewer and
             shorter repeats), --markdown (tables as Markdown), --no-tf-keras (skip tf-keras 2),
             --threads N (torch and TF intra-/inter-op threads; NumPy's BLAS threads are set by
             OPENBLAS_NUM_THREADS before the start)

The model is the one of examples/mnist_mlp.py: Input(28, 28) -> Flatten -> Dense(128, relu)
-> Dense(64, relu) -> Dense(10, softmax), Adam (lr 1e-3), sparse categorical cross-entropy,
the "accuracy" metric. torch: the same layers as an nn.Sequential (softmax folded into
CrossEntropyLoss for training, applied for predict) and a plain loop over shuffled batches.

Rows:
  1. one training epoch at batch 32 over the 60,000 MNIST training images (`fit(x, y,
     batch_size=32, epochs=1, verbose=0)`; shuffled), after a warm-up fit that traces;
  2. `predict` on 1 sample and 3. on 10,000 samples (`model.predict(x, verbose=0)`, default
     batch size 32; torch: softmax(net(x)) under no_grad, from and back to NumPy);
  4. `model(x)` on 1 sample (the direct call, for reference);
  NumPy: the same forward pass written by hand with flowgrad's weights (row 2 and 3).
Targets (the issue's): a fit epoch at least 2x faster than TensorFlow/Keras; `predict` on one
sample within 2x of the hand-written NumPy forward pass. Nothing here asserts on time.
"""

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _peers  # also puts the checkout's flowgrad on sys.path

FIT_TARGET = 2.0       # TF/Keras epoch time / flowgrad epoch time, at least
PREDICT_TARGET = 2.0   # flowgrad predict(1 sample) / NumPy forward(1 sample), at most
BATCH = 32
QUICK_STEPS = 200
MNIST = os.environ.get("FLOWGRAD_MNIST") or os.path.join(
    _peers.REPO_ROOT, "..", "shared", "datasets", "mnist.npz")


def load_mnist():
    """(x_train, y_train, x_test, y_test) as float32 in [0, 1] / int64, and a note."""
    if os.path.exists(MNIST):
        with np.load(MNIST) as d:
            xtr, ytr, xte, yte = (d[k] for k in ("x_train", "y_train", "x_test", "y_test"))
        note = f"MNIST from {os.path.normpath(MNIST)}"
    else:  # same shapes, random content: timings stay meaningful, accuracies do not
        rng = np.random.default_rng(0)
        xtr, xte = (rng.integers(0, 256, (n, 28, 28), np.uint8) for n in (60000, 10000))
        ytr, yte = (rng.integers(0, 10, n) for n in (60000, 10000))
        note = f"MNIST not found at {MNIST}: random data of MNIST's shapes"
    scale = np.float32(1 / 255.0)
    return (xtr.astype(np.float32) * scale, ytr.astype(np.int64),
            xte.astype(np.float32) * scale, yte.astype(np.int64), note)


# ---------------------------------------------------------------------------------------------
# One runner per framework: fit_epoch(x, y), predict(x), call(x), accuracy(x, y)


class KerasRunner:
    """flowgrad, tf.keras (Keras 3) or tf-keras 2: the same Keras code for all three."""

    def __init__(self, name, keras, version, seed=0):
        self.name, self.version = name, version
        keras.utils.set_random_seed(seed)
        self.model = keras.Sequential([
            keras.Input(shape=(28, 28)),
            keras.layers.Flatten(),
            keras.layers.Dense(128, activation="relu"),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ])
        self.model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3),
                           loss="sparse_categorical_crossentropy", metrics=["accuracy"])

    def fit_epoch(self, x, y):
        self.model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0, shuffle=True)

    def predict(self, x):
        return self.model.predict(x, verbose=0)

    def call(self, x):
        return self.model(x)

    def accuracy(self, x, y):
        return float(np.mean(np.argmax(self.predict(x), axis=1) == y))


class TorchRunner:
    def __init__(self, torch, seed=0):
        self.name, self.version, self.torch = "torch", torch.__version__, torch
        torch.manual_seed(seed)
        nn = torch.nn
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(),
                                 nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10))
        self.opt = torch.optim.Adam(self.net.parameters(), lr=1e-3)
        self.loss_fn = nn.CrossEntropyLoss()

    def fit_epoch(self, x, y):
        torch = self.torch
        xt, yt = torch.from_numpy(x), torch.from_numpy(y)
        perm = torch.randperm(len(xt))
        self.net.train()
        for i in range(0, len(xt), BATCH):
            idx = perm[i:i + BATCH]
            self.opt.zero_grad()
            loss = self.loss_fn(self.net(xt[idx]), yt[idx])
            loss.backward()
            self.opt.step()

    def predict(self, x):
        torch = self.torch
        self.net.eval()
        with torch.no_grad():
            out = torch.softmax(self.net(torch.from_numpy(x)), dim=-1)
        return out.numpy()

    def call(self, x):
        with self.torch.no_grad():
            return self.torch.softmax(self.net(self.torch.from_numpy(x)), dim=-1)

    def accuracy(self, x, y):
        return float(np.mean(np.argmax(self.predict(x), axis=1) == y))


def numpy_forward(weights):
    """The MLP's forward pass in plain NumPy with the given [W1, b1, W2, b2, W3, b3]."""
    w1, b1, w2, b2, w3, b3 = weights

    def forward(x):
        h = x.reshape(len(x), -1)
        h = np.maximum(h @ w1 + b1, 0)
        h = np.maximum(h @ w2 + b2, 0)
        z = h @ w3 + b3
        z = np.exp(z - z.max(axis=-1, keepdims=True))
        return z / z.sum(axis=-1, keepdims=True)
    return forward


def load_runners(with_tf_keras=True, threads=None):
    fg = _peers.load_flowgrad()
    runners = {"flowgrad": KerasRunner("flowgrad", fg.m.keras, fg.version)}
    tf = _peers.load_tensorflow()
    if tf is not None:
        if threads:
            tf.m.config.threading.set_intra_op_parallelism_threads(threads)
            tf.m.config.threading.set_inter_op_parallelism_threads(threads)
        runners["TF"] = KerasRunner("TF", tf.m.keras, f"{tf.version} (Keras "
                                    f"{getattr(tf.m.keras, '__version__', '?')})")
        if with_tf_keras:
            try:
                import tf_keras
            except ImportError:  # not installed: its column prints as '-'
                tf_keras = None
            if tf_keras is not None:
                runners["tf-keras"] = KerasRunner("tf-keras", tf_keras, tf_keras.__version__)
    torch = _peers.load_torch()
    if torch is not None:
        if threads:
            torch.m.set_num_threads(threads)
        runners["torch"] = TorchRunner(torch.m)
    return runners


# ---------------------------------------------------------------------------------------------


def time_fit(runners, x, y, repeat, steps=None):
    """{name: best seconds for one epoch over (x, y)}; with `steps`, timed on the first
    `steps` batches and scaled to the full epoch. Runs interleaved across frameworks."""
    n_batches = -(-len(x) // BATCH)
    scale = 1.0
    if steps is not None and steps < n_batches:
        x, y = x[:steps * BATCH], y[:steps * BATCH]
        scale = n_batches / steps
    for r in runners.values():  # warm-up: trace / build the training step
        r.fit_epoch(x[:2 * BATCH], y[:2 * BATCH])
    best = {name: float("inf") for name in runners}
    for _ in range(repeat):
        for name, r in runners.items():
            t = time.perf_counter()
            r.fit_epoch(x, y)
            best[name] = min(best[name], (time.perf_counter() - t) * scale)
    return best


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--no-tf-keras", action="store_true")
    ap.add_argument("--threads", type=int, default=None)
    args = ap.parse_args(argv)
    timing = {"repeat": 3, "min_time": 0.05} if args.quick else {"repeat": 7, "min_time": 0.2}
    fit_repeat = 3

    xtr, ytr, xte, yte, note = load_mnist()
    runners = load_runners(with_tf_keras=not args.no_tf_keras, threads=args.threads)
    print("\n".join(_peers.machine_info([_peers.load_flowgrad(), _peers.load_tensorflow(),
                                         _peers.load_torch()])))
    if "tf-keras" in runners:
        print(f"tf-keras {runners['tf-keras'].version}")
    print(f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', '<unset>')}; "
          f"torch/TF threads: {args.threads or 'their defaults'}; {note}")

    steps = QUICK_STEPS if args.quick else None
    fit = time_fit(runners, xtr, ytr, fit_repeat, steps)

    forward = numpy_forward(runners["flowgrad"].model.get_weights())
    one, many = xte[:1], xte
    err = np.abs(forward(many) - runners["flowgrad"].predict(many)).max()
    pred_cases = {}
    for name, r in runners.items():
        pred_cases[(name, "predict1")] = (lambda r=r: r.predict(one), None)
        pred_cases[(name, "call1")] = (lambda r=r: r.call(one), None)
    pred_cases[("NumPy", "predict1")] = (lambda: forward(one), None)
    pred_times = _peers.best_times(pred_cases, **timing)
    many_cases = {(name, "predictN"): (lambda r=r: r.predict(many), None)
                  for name, r in runners.items()}
    many_cases[("NumPy", "predictN")] = (lambda: forward(many), None)
    many_timing = dict(timing, min_time=min(timing["min_time"], 0.1))
    pred_times.update(_peers.best_times(many_cases, **many_timing))

    cols = ["flowgrad", "TF", "tf-keras", "torch", "NumPy"]
    fg_fit, tf_fit = fit["flowgrad"], fit.get("TF")
    fg_p1, np_p1 = pred_times[("flowgrad", "predict1")], pred_times[("NumPy", "predict1")]
    label = ("fit, 1 epoch of 60,000 at batch 32" +
             (f" (from {QUICK_STEPS} steps)" if steps else ""))
    rows = [
        [label] + [_s(fit.get(c)) for c in cols[:4]] + ["-",
         _target(tf_fit / fg_fit, FIT_TARGET, ">=") if tf_fit else "-"],
        ["predict, 1 sample"] + [_us(pred_times.get((c, "predict1"))) for c in cols] +
        [_target(fg_p1 / np_p1, PREDICT_TARGET, "<=")],
        ["predict, 10,000 samples"] + [_ms(pred_times.get((c, "predictN"))) for c in cols] +
        ["-"],
        ["model(x), 1 sample"] + [_us(pred_times.get((c, "call1"))) for c in cols[:4]] +
        ["-", "-"],
    ]
    headers = ["case"] + [c if c != "TF" else "TF (tf.keras)" for c in cols] + ["target"]
    print(f"\nBest of interleaved runs (fit: best of {fit_repeat} epochs; targets: TF fit / "
          f"flowgrad fit >= {FIT_TARGET:g}x, flowgrad predict(1) / NumPy <= "
          f"{PREDICT_TARGET:g}x):")
    _peers.print_table(headers, rows, markdown=args.markdown)
    ratios = [f"{c} / flowgrad: fit {fit[c] / fg_fit:.2f}x, predict(1) "
              f"{pred_times[(c, 'predict1')] / fg_p1:.3g}x, predict(10,000) "
              f"{pred_times[(c, 'predictN')] / pred_times[('flowgrad', 'predictN')]:.3g}x"
              for c in cols[1:4] if c in fit]
    print("ratios (> 1: flowgrad faster): " + "; ".join(ratios))
    accs = ", ".join(f"{name} {r.accuracy(xte, yte):.4f}" for name, r in runners.items())
    print(f"sanity: test accuracy after the timed epochs: {accs}; "
          f"NumPy forward vs flowgrad predict max |diff| {err:.2e}")


def _s(seconds):
    return "-" if seconds is None else f"{seconds:.2f} s"


def _ms(seconds):
    return "-" if seconds is None else f"{seconds * 1e3:,.1f} ms"


def _us(seconds):
    return "-" if seconds is None else f"{seconds * 1e6:,.1f} us"


def _target(ratio, target, op):
    ok = ratio >= target if op == ">=" else ratio <= target
    return f"{ratio:.2f}x {'(met)' if ok else '(MISSED)'}"


if __name__ == "__main__":
    main()
