"""Eager dispatch overhead: flowgrad side by side with TensorFlow and PyTorch (each if importable).

    python bench/eager_overhead.py                 # flowgrad, plus whichever peers import
    PYTHONPATH=. /tmp/flowgrad-peers/bin/python bench/eager_overhead.py   # with both peers
    options: --quick (fewer, shorter repeats), --markdown (tables as Markdown), --no-import

Cases, each (a) plain and (b) recorded for autodiff (TF / flowgrad: inside a GradientTape that
watches the input; torch: an input with requires_grad=True):
  1. add on (2, 2) float32             - almost pure dispatch cost
  2. matmul on (64, 64) float32        - dispatch plus a small BLAS call
  3. a chain of 10 elementwise ops on (2, 2) (add, multiply, subtract, tanh, exp, twice)
Then:
  4. one step of the tutorial's linear classifier: 2000x2 float32 inputs, W (2, 1), b (1,),
     MSE loss under a GradientTape, W.assign_sub(grad_W * 0.1), b.assign_sub(grad_b * 0.1)
     (torch: autograd.grad, then in-place updates under no_grad)
  5. wall time of a fresh `python -c "import X"`, best of 5

Times are the best (minimum) per call over timeit repeats. The targets printed beside the
ratios are the issue's: per-op overhead at least 5x lower than TF eager, within 1.5x of PyTorch
eager, and `import flowgrad` under 0.3 s. This is a benchmark; nothing here asserts on time.
"""

import argparse
import functools
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _peers  # also puts the checkout's flowgrad on sys.path

TF_TARGET = 5.0      # TF time / flowgrad time should be at least this
TORCH_TARGET = 1.5   # flowgrad time / torch time should be at most this
IMPORT_TARGET = 0.3  # seconds for `python -c "import flowgrad"`
TAPE_CHUNK = 100     # taped cases: calls recorded per fresh tape (a modest training step's worth)

_rng = np.random.default_rng(0)
X22 = _rng.uniform(0.1, 0.5, size=(2, 2)).astype(np.float32)
X64 = _rng.uniform(-1.0, 1.0, size=(64, 64)).astype(np.float32) / 8


# ---------------------------------------------------------------------------------------------
# Cases 1-3: each returns (f, x) where the timed call is f(x).


def case_add(fw, requires_grad):
    add = fw.m.add
    return (lambda x: add(x, x)), fw.tensor(X22, requires_grad)


def case_matmul(fw, requires_grad):
    matmul = fw.m.matmul
    return (lambda x: matmul(x, x)), fw.tensor(X64, requires_grad)


def case_chain(fw, requires_grad):
    m = fw.m
    add, mul, sub, tanh, exp = m.add, m.multiply, m.subtract, m.tanh, m.exp

    def chain(x):
        y = exp(tanh(sub(mul(add(x, x), x), x)))
        return exp(tanh(sub(mul(add(y, x), x), x)))

    return chain, fw.tensor(X22, requires_grad)


def op_case_timer(fw, case, taped):
    """(the zero-argument call to time, its context or None) for one framework and case."""
    f, x = case(fw, requires_grad=taped)
    if taped and fw.gradient_of(f, x) is None:  # the taped path must really record
        raise RuntimeError(f"{fw.name}: no gradient comes back through {case.__name__}")
    context = functools.partial(fw.recording, x) if taped else None
    return functools.partial(f, x), context


# ---------------------------------------------------------------------------------------------
# Case 4: the tutorial's linear classifier training step.


def make_classifier_data(num_samples_per_class=1000):
    rng = np.random.default_rng(0)
    cov = [[1, 0.5], [0.5, 1]]
    negative = rng.multivariate_normal(mean=[0, 3], cov=cov, size=num_samples_per_class)
    positive = rng.multivariate_normal(mean=[3, 0], cov=cov, size=num_samples_per_class)
    inputs = np.vstack((negative, positive)).astype(np.float32)
    targets = np.vstack((np.zeros((num_samples_per_class, 1), np.float32),
                         np.ones((num_samples_per_class, 1), np.float32)))
    w0 = rng.uniform(size=(2, 1)).astype(np.float32)
    return inputs, targets, w0


def case_train_step(fw, learning_rate=0.1):
    """A zero-argument training step (returns the loss) with its own fresh W and b."""
    inputs, targets, w0 = make_classifier_data()
    m = fw.m
    if fw.is_torch:
        x, y = m.from_numpy(inputs), m.from_numpy(targets)
        W = m.tensor(w0, requires_grad=True)
        b = m.zeros((1,), requires_grad=True)

        def training_step():
            predictions = m.matmul(x, W) + b
            loss = m.mean(m.square(y - predictions))
            grad_W, grad_b = m.autograd.grad(loss, [W, b])
            with m.no_grad():
                W.sub_(grad_W * learning_rate)
                b.sub_(grad_b * learning_rate)
            return loss
        return training_step

    x, y = m.constant(inputs), m.constant(targets)
    W = m.Variable(w0)
    b = m.Variable(np.zeros((1,), np.float32))

    def training_step():
        with m.GradientTape() as tape:
            predictions = m.matmul(x, W) + b
            loss = m.reduce_mean(m.square(y - predictions))
        grad_W, grad_b = tape.gradient(loss, [W, b])
        W.assign_sub(grad_W * learning_rate)
        b.assign_sub(grad_b * learning_rate)
        return loss
    return training_step


def loss_after(fw, steps=40):
    """Loss at the last of `steps` fresh training steps: a cross-framework sanity check."""
    step = case_train_step(fw)
    for _ in range(steps - 1):
        step()
    loss = step()
    return float(loss.detach() if fw.is_torch else loss)


# ---------------------------------------------------------------------------------------------
# Report


OP_ROWS = [
    ("1a add (2,2)", case_add, False),
    ("1b add (2,2), taped", case_add, True),
    ("2a matmul (64,64)", case_matmul, False),
    ("2b matmul (64,64), taped", case_matmul, True),
    ("3a chain of 10 ops (2,2)", case_chain, False),
    ("3b chain of 10 ops (2,2), taped", case_chain, True),
]


def ratios(times):
    """(TF / flowgrad, flowgrad / torch), None where that peer is missing."""
    fg, tf_, torch_ = times["flowgrad"], times.get("TF"), times.get("torch")
    return (None if tf_ is None else tf_ / fg), (None if torch_ is None else fg / torch_)


def fmt_ratio(r, met=None):
    if r is None:
        return "-"
    return f"{r:.2f}x" + ("" if met is None else (" ok" if met else " MISS"))


def fmt_us(seconds):
    return "-" if seconds is None else f"{seconds * 1e6:.2f}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 short repeats instead of 7")
    parser.add_argument("--markdown", action="store_true", help="print tables as Markdown")
    parser.add_argument("--no-import", action="store_true", help="skip the import-time table")
    args = parser.parse_args(argv)
    if args.quick:
        timing = {"repeat": 3, "min_time": 0.05}
    else:
        timing = {"repeat": 7, "min_time": 0.2}

    frameworks = _peers.load_frameworks()
    present = [fw for fw in frameworks.values() if fw is not None]
    missing = [name for name, fw in frameworks.items() if fw is None]

    print("Eager overhead, best per-call time in microseconds (lower is better)")
    for line in _peers.machine_info(present):
        print("  " + line)
    if missing:
        print("  not importable here (column left empty): " + ", ".join(missing))
    print(f"  timing: best of {timing['repeat']} runs of >= {timing['min_time']} s each, "
          "the frameworks' runs interleaved")
    print()

    headers = ["case", "flowgrad us", "TF us", "torch us",
               f"TF/flowgrad (>= {TF_TARGET:g}x)", f"flowgrad/torch (<= {TORCH_TARGET:g}x)"]
    rows = []
    for label, case, taped in OP_ROWS:
        cases = {fw.name: op_case_timer(fw, case, taped) for fw in present}
        rows.append(_row(label, _peers.best_times(cases, chunk=TAPE_CHUNK, **timing)))
    cases = {fw.name: (case_train_step(fw), None) for fw in present}
    rows.append(_row("4  train step (2000x2 linear, tape)", _peers.best_times(cases, **timing)))
    _peers.print_table(headers, rows, markdown=args.markdown)
    print("(chain rows: divide by 10 for per-op; 'taped' = under GradientTape / requires_grad)")
    losses = ", ".join(f"{fw.name} {loss_after(fw):.5f}" for fw in present)
    print(f"sanity: loss after 40 tutorial steps from the same init: {losses}")

    if not args.no_import:
        print()
        print(f"Import, best of 5 fresh `python -c ...`, seconds (target: flowgrad < "
              f"{IMPORT_TARGET:g} s)")
        statements = {fw.name: f"import {fw.m.__name__}" for fw in present}
        best = _peers.import_times(["pass", *statements.values()])
        bare = best["pass"]
        times = {name: best[statement] for name, statement in statements.items()}
        fg = times["flowgrad"]
        verdict = "ok" if fg < IMPORT_TARGET else "MISS"
        headers = ["statement", "flowgrad s", "TF s", "torch s", "TF/flowgrad", "flowgrad/torch"]
        r_tf, r_torch = ratios(times)  # no ratio targets for imports
        rows = [["python -c 'pass' (interpreter only)", f"{bare:.3f}", "", "", "", ""],
                [f"python -c 'import X' (flowgrad: {verdict})", f"{fg:.3f}",
                 _fmt_s(times.get("TF")), _fmt_s(times.get("torch")),
                 fmt_ratio(r_tf), fmt_ratio(r_torch)]]
        _peers.print_table(headers, rows, markdown=args.markdown)
    return 0


def _row(label, times):
    r_tf, r_torch = ratios(times)
    return [label, fmt_us(times.get("flowgrad")), fmt_us(times.get("TF")),
            fmt_us(times.get("torch")),
            fmt_ratio(r_tf, None if r_tf is None else r_tf >= TF_TARGET),
            fmt_ratio(r_torch, None if r_torch is None else r_torch <= TORCH_TARGET)]


def _fmt_s(seconds):
    return "-" if seconds is None else f"{seconds:.3f}"


if __name__ == "__main__":
    sys.exit(main())
