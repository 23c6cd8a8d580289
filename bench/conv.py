"""The tutorial CNN's convolution and pooling ops, forward and backward, per batch of 32 MNIST
images, side by side with TensorFlow and PyTorch (each peer only when it imports).

    OPENBLAS_NUM_THREADS=1 python bench/conv.py
    OPENBLAS_NUM_THREADS=1 PYTHONPATH=. /tmp/flowgrad-peers/bin/python bench/conv.py
    options: --quick (fewer, shorter repeats), --markdown, --threads N (peers' intra-op threads,
    default 1 to match a single-threaded OpenBLAS)

Model: Conv2D(32, 3x3, VALID) + bias + relu on 28x28x1 -> MaxPool 2x2 -> Conv2D(64, 3x3) + bias
+ relu -> MaxPool 2x2 -> Dense(10), sparse softmax cross-entropy, SGD.

Table 1: each op alone, forward, and backward (= forward + gradient minus forward; the first
convolution's gradient is for its filter only, as its input is data). Table 2: the whole
training step, eager and compiled. Nothing here asserts on time.
"""

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _peers

LR = 0.01


def data(seed=0):
    rng = np.random.default_rng(seed)
    f32 = np.float32
    d = {
        "x": rng.random((32, 28, 28, 1), dtype=f32),
        "y": rng.integers(0, 10, 32).astype(np.int64),
        "w1": (rng.standard_normal((3, 3, 1, 32)) * 0.3).astype(f32),
        "b1": np.zeros(32, f32),
        "w2": (rng.standard_normal((3, 3, 32, 64)) * 0.06).astype(f32),
        "b2": np.zeros(64, f32),
        "w3": (rng.standard_normal((5 * 5 * 64, 10)) * 0.03).astype(f32),
        "b3": np.zeros(10, f32),
    }
    d["h1"] = np.maximum(rng.standard_normal((32, 26, 26, 32)).astype(f32), 0)
    d["p1"] = rng.standard_normal((32, 13, 13, 32)).astype(f32)
    d["h2"] = np.maximum(rng.standard_normal((32, 11, 11, 64)).astype(f32), 0)
    return d


def _nchw(a):
    return np.ascontiguousarray(np.moveaxis(a, -1, 1)) if a.ndim == 4 else a


def _oihw(w):
    return np.ascontiguousarray(w.transpose(3, 2, 0, 1))


def op_cases(fw, d):
    """{(op, 'fwd' | 'fwd+bwd'): zero-argument callable} for one framework."""
    m = fw.m
    cases = {}
    if fw.is_torch:
        F = m.nn.functional
        x = m.from_numpy(_nchw(d["x"]))
        w1 = m.tensor(_oihw(d["w1"]), requires_grad=True)
        p1 = m.tensor(_nchw(d["p1"]), requires_grad=True)
        w2 = m.tensor(_oihw(d["w2"]), requires_grad=True)
        h1 = m.tensor(_nchw(d["h1"]), requires_grad=True)
        h2 = m.tensor(_nchw(d["h2"]), requires_grad=True)
        specs = [("conv1 (28x28x1 -> 32)", lambda: F.conv2d(x, w1), [w1]),
                 ("maxpool1 (26x26x32)", lambda: F.max_pool2d(h1, 2, 2), [h1]),
                 ("conv2 (13x13x32 -> 64)", lambda: F.conv2d(p1, w2), [p1, w2]),
                 ("maxpool2 (11x11x64)", lambda: F.max_pool2d(h2, 2, 2), [h2])]
        for name, f, wrt in specs:
            dy = m.ones_like(f().detach())

            def fwd(f=f):
                with m.no_grad():
                    return f()

            def both(f=f, wrt=wrt, dy=dy):
                return m.autograd.grad(f(), wrt, grad_outputs=dy)
            cases[(name, "fwd")] = fwd
            cases[(name, "fwd+bwd")] = both
        return cases
    x, h1, p1, h2 = (m.constant(d[k]) for k in ("x", "h1", "p1", "h2"))
    w1, w2 = m.constant(d["w1"]), m.constant(d["w2"])
    specs = [("conv1 (28x28x1 -> 32)", lambda: m.nn.conv2d(x, w1, 1, "VALID"), [w1]),
             ("maxpool1 (26x26x32)", lambda: m.nn.max_pool2d(h1, 2, 2, "VALID"), [h1]),
             ("conv2 (13x13x32 -> 64)", lambda: m.nn.conv2d(p1, w2, 1, "VALID"), [p1, w2]),
             ("maxpool2 (11x11x64)", lambda: m.nn.max_pool2d(h2, 2, 2, "VALID"), [h2])]
    for name, f, wrt in specs:
        dy = m.ones_like(f())

        def both(f=f, wrt=wrt, dy=dy):
            with m.GradientTape() as tape:
                for t in wrt:
                    tape.watch(t)
                y = f()
            return tape.gradient(y, wrt, output_gradients=dy)
        cases[(name, "fwd")] = f
        cases[(name, "fwd+bwd")] = both
    return cases


def train_step(fw, d):
    """A zero-argument CNN training step returning the loss."""
    m = fw.m
    if fw.is_torch:
        F = m.nn.functional
        x, y = m.from_numpy(_nchw(d["x"])), m.from_numpy(d["y"])
        w3 = d["w3"].reshape(5, 5, 64, 10).transpose(2, 0, 1, 3).reshape(1600, 10)
        params = [m.tensor(v, requires_grad=True) for v in
                  (_oihw(d["w1"]), d["b1"], _oihw(d["w2"]), d["b2"], np.ascontiguousarray(w3),
                   d["b3"])]

        def step():
            W1, b1, W2, b2, W3, b3 = params
            h = F.max_pool2d(m.relu(F.conv2d(x, W1, b1)), 2)
            h = F.max_pool2d(m.relu(F.conv2d(h, W2, b2)), 2)
            loss = F.cross_entropy(h.reshape(32, -1) @ W3 + b3, y)
            grads = m.autograd.grad(loss, params)
            with m.no_grad():
                for p, g in zip(params, grads):
                    p.sub_(g * LR)
            return loss
        return step
    x, y = m.constant(d["x"]), m.constant(d["y"])
    params = [m.Variable(d[k]) for k in ("w1", "b1", "w2", "b2", "w3", "b3")]

    def step():
        W1, b1, W2, b2, W3, b3 = params
        with m.GradientTape() as tape:
            h = m.nn.relu(m.nn.bias_add(m.nn.conv2d(x, W1, 1, "VALID"), b1))
            h = m.nn.max_pool2d(h, 2, 2, "VALID")
            h = m.nn.relu(m.nn.bias_add(m.nn.conv2d(h, W2, 1, "VALID"), b2))
            h = m.nn.max_pool2d(h, 2, 2, "VALID")
            logits = m.matmul(m.reshape(h, [-1, 1600]), W3) + b3
            loss = m.reduce_mean(
                m.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
        grads = tape.gradient(loss, params)
        for p, g in zip(params, grads):
            p.assign_sub(g * LR)
        return loss
    return step


def _ms(t):
    return "-" if t is None else f"{t * 1e3:.2f} ms"


def _ratio(peer, ours):
    return "-" if peer is None or ours is None else f"{peer / ours:.2f}x"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)
    timing = {"repeat": 3, "min_time": 0.05} if args.quick else {"repeat": 9, "min_time": 0.2}
    fws = {k: v for k, v in _peers.load_frameworks().items() if v is not None}
    if "TF" in fws:
        fws["TF"].m.config.threading.set_intra_op_parallelism_threads(args.threads)
        fws["TF"].m.config.threading.set_inter_op_parallelism_threads(1)
    if "torch" in fws:
        fws["torch"].m.set_num_threads(args.threads)
    print("\n".join(_peers.machine_info(fws.values())))
    print(f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', '<unset>')}; peers' "
          f"intra-op threads: {args.threads}")
    d = data()
    cases = {}
    for name, fw in fws.items():
        for key, fn in op_cases(fw, d).items():
            cases[(name,) + key] = (fn, None)
    times = _peers.best_times(cases, **timing)
    ops = list(dict.fromkeys(k[1] for k in cases))
    rows = []
    total = {n: [0.0, 0.0] for n in fws}
    for op in ops:
        row = [op]
        per = {}
        for n in ("flowgrad", "TF", "torch"):
            if n not in fws:
                per[n] = (None, None)
                continue
            f = times[(n, op, "fwd")]
            b = max(times[(n, op, "fwd+bwd")] - f, 0.0)
            per[n] = (f, b)
            total[n][0] += f
            total[n][1] += b
        for n in ("flowgrad", "TF", "torch"):
            row += [_ms(per[n][0]), _ms(per[n][1])]
        row += [_ratio(per["TF"][0] and per["TF"][0] + per["TF"][1],
                       per["flowgrad"][0] + per["flowgrad"][1]),
                _ratio(per["torch"][0] and per["torch"][0] + per["torch"][1],
                       per["flowgrad"][0] + per["flowgrad"][1])]
        rows.append(row)
    row = ["all four"]
    for n in ("flowgrad", "TF", "torch"):
        row += [_ms(total[n][0]), _ms(total[n][1])] if n in total else ["-", "-"]
    fg = sum(total["flowgrad"])
    row += [_ratio(sum(total["TF"]) if "TF" in total else None, fg),
            _ratio(sum(total["torch"]) if "torch" in total else None, fg)]
    rows.append(row)
    print("\nPer batch of 32 (best of interleaved runs); ratios are peer / flowgrad, fwd+bwd "
          "(>1: flowgrad faster):")
    _peers.print_table(["op", "flowgrad fwd", "flowgrad bwd", "TF fwd", "TF bwd", "torch fwd",
                        "torch bwd", "TF/flowgrad", "torch/flowgrad"], rows,
                       markdown=args.markdown)

    steps = {}
    for name, fw in fws.items():
        steps[(name, "eager")] = (train_step(fw, d), None)
        if not fw.is_torch:
            comp = fw.m.function(train_step(fw, d))
            comp()
            steps[(name, "compiled")] = (comp, None)
    st = _peers.best_times(steps, **timing)
    rows = []
    for kind in ("eager", "compiled"):
        fgt = st.get(("flowgrad", kind))
        rows.append([f"CNN train step, {kind}", _ms(fgt), f"{fgt * 1875:.1f} s",
                     _ms(st.get(("TF", kind))), _ms(st.get(("torch", kind))),
                     _ratio(st.get(("TF", kind)), fgt), _ratio(st.get(("torch", kind)), fgt)])
    print("\nWhole training step (batch 32; epoch = 1875 steps):")
    _peers.print_table(["case", "flowgrad", "flowgrad epoch", "TF", "torch", "TF/flowgrad",
                        "torch/flowgrad"], rows, markdown=args.markdown)
    print(f"1-min load average at end: {_peers.load_average()}")


if __name__ == "__main__":
    main()
