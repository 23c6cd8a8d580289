"""Compiled training steps: flowgrad eager vs `flowgrad.function`, side by side with TensorFlow
(eager and `tf.function`) and PyTorch (eager and `torch.compile` where it works).

    python bench/function.py                 # flowgrad, plus whichever peers import
    PYTHONPATH=. /tmp/flowgrad-peers/bin/python bench/function.py   # with both peers
    options: --quick (fewer, shorter repeats), --markdown (tables as Markdown)

Cases:
  1. the tutorial's linear classifier step: 2000x2 float32 inputs, W (2, 1), b (1,), MSE under a
     GradientTape, two assign_sub updates (as in bench/eager_overhead.py case 4);
  2. a 3-layer MLP train step, batch 32: 784 -> 128 (relu) -> 64 (relu) -> 10, sparse softmax
     cross-entropy, plain SGD on the six parameters.
Each is timed per step (best of the interleaved runs); trace / compile time (the first call) is
reported separately. Targets (the issue's): the compiled step at least 3x faster than TF's
`tf.function` step and at least 1.5x faster than flowgrad eager. Nothing here asserts on time.
"""

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _peers  # noqa: E402  (also puts the checkout's flowgrad on sys.path)
from eager_overhead import case_train_step  # noqa: E402

TF_TARGET = 3.0      # TF tf.function step time / flowgrad compiled step time, at least
EAGER_TARGET = 1.5   # flowgrad eager / flowgrad compiled, at least
LR = 0.01


def mlp_data(batch=32, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, 784)).astype(np.float32)
    y = rng.integers(0, 10, batch).astype(np.int64)
    shapes = [(784, 128), (128,), (128, 64), (64,), (64, 10), (10,)]
    params = []
    for s in shapes:
        if len(s) == 2:
            lim = np.sqrt(6.0 / (s[0] + s[1]))
            params.append(rng.uniform(-lim, lim, s).astype(np.float32))
        else:
            params.append(np.zeros(s, np.float32))
    return x, y, params


def case_mlp(fw):
    """A zero-argument MLP training step (returns the loss) with fresh parameters."""
    x_np, y_np, p_np = mlp_data()
    m = fw.m
    if fw.is_torch:
        x, y = m.from_numpy(x_np), m.from_numpy(y_np)
        params = [m.tensor(p, requires_grad=True) for p in p_np]
        F = m.nn.functional

        def step():
            W1, b1, W2, b2, W3, b3 = params
            h = m.relu(x @ W1 + b1)
            h = m.relu(h @ W2 + b2)
            loss = F.cross_entropy(h @ W3 + b3, y)
            grads = m.autograd.grad(loss, params)
            with m.no_grad():
                for p, g in zip(params, grads):
                    p.sub_(g * LR)
            return loss
        return step
    x, y = m.constant(x_np), m.constant(y_np)
    params = [m.Variable(p) for p in p_np]

    def step():
        W1, b1, W2, b2, W3, b3 = params
        with m.GradientTape() as tape:
            h = m.nn.relu(m.matmul(x, W1) + b1)
            h = m.nn.relu(m.matmul(h, W2) + b2)
            logits = m.matmul(h, W3) + b3
            loss = m.reduce_mean(
                m.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
        grads = tape.gradient(loss, params)
        for p, g in zip(params, grads):
            p.assign_sub(g * LR)
        return loss
    return step


def compiled(fw, step):
    """The framework's compiled form of a step, or None when unavailable."""
    if fw.is_torch:
        try:
            c = fw.m.compile(step)
            c()
            return c
        except Exception:  # noqa: BLE001 - no compiler toolchain here: report as not run
            return None
    return fw.m.function(step)


def first_call_seconds(fn):
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args(argv)
    timing = dict(repeat=3, min_time=0.05) if args.quick else dict(repeat=7, min_time=0.3)
    fws = {k: v for k, v in _peers.load_frameworks().items() if v is not None}
    print("\n".join(_peers.machine_info(fws.values())))
    rows, trace_rows = [], []
    for label, make in [("linear classifier step (2000x2)", case_train_step),
                        ("3-layer MLP step (batch 32)", case_mlp)]:
        cases, traces = {}, {}
        for name, fw in fws.items():
            eager = make(fw)
            cases[(name, "eager")] = (eager, None)
            comp = compiled(fw, make(fw))
            if comp is not None:
                if not fw.is_torch:
                    traces[name] = first_call_seconds(comp)
                cases[(name, "compiled")] = (comp, None)
        times = _peers.best_times(cases, **timing)
        fg_c = times[("flowgrad", "compiled")]
        fg_e = times[("flowgrad", "eager")]
        row = [label, _us(fg_e), _us(fg_c), _ratio(fg_e / fg_c, EAGER_TARGET)]
        tf_c = times.get(("TF", "compiled"))
        row += [_us(times.get(("TF", "eager"))), _us(tf_c),
                _ratio(tf_c / fg_c, TF_TARGET) if tf_c else "-"]
        row += [_us(times.get(("torch", "eager"))), _us(times.get(("torch", "compiled")))]
        rows.append(row)
        trace_rows.append([label] + [f"{traces[n] * 1e3:.1f} ms" if n in traces else "-"
                                     for n in ("flowgrad", "TF")])
    headers = ["case", "flowgrad eager", "flowgrad function", "eager/function (>=1.5x)",
               "TF eager", "TF tf.function", "TF function/flowgrad function (>=3x)",
               "torch eager", "torch.compile"]
    print("\nPer-step time (best of interleaved runs):")
    _peers.print_table(headers, rows, markdown=args.markdown)
    print("\nFirst call (trace + optimize + compile):")
    _peers.print_table(["case", "flowgrad", "TF"], trace_rows, markdown=args.markdown)


def _us(seconds):
    return "-" if seconds is None else f"{seconds * 1e6:,.1f} us"


def _ratio(r, target):
    return f"{r:.2f}x {'(met)' if r >= target else '(MISSED)'}"


if __name__ == "__main__":
    main()
