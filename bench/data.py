"""tf.data input pipelines: images per second through map + batch + prefetch, flowgrad side by
side with TensorFlow's tf.data and a PyTorch DataLoader doing the same work.

    OPENBLAS_NUM_THREADS=1 python bench/data.py --markdown   # peers from the peers' venv
    options: --quick (1 round, 1 timed epoch per row, a quarter of MNIST, 256 large images),
             --markdown, --rounds N (default 2),
             --only mnist,mnist_parallel,large,resize, --threads N (TF's tf.data private
             thread pool and torch's intra-op threads; default 0 = their defaults),
             --profile (cProfile one flowgrad epoch per row)

Rows (every framework builds the same pipeline and iterates it to the end; nothing is done with
the batches):
  mnist           the 60,000 MNIST training images (uint8 28x28, with their labels) from
                  shared/datasets/mnist.npz (random data of the same shape when absent):
                  from_tensor_slices((x, y)).map(f).batch(32).prefetch(AUTOTUNE), where
                  f(x, y) = (flip_left_right(cast(x[..., None], float32) / 255), y);
  mnist_parallel  the same with map(..., num_parallel_calls=AUTOTUNE);
  large           1,024 random uint8 224x224x3 images: map(flip_left_right(cast / 255)),
                  batch 64, prefetch AUTOTUNE;
  resize          the same images: map(resize(cast / 255, [160, 160]) (bilinear)), batch 64,
                  prefetch AUTOTUNE.
torch: a map-style Dataset whose __getitem__ does the same with torch ops (torch.flip,
F.interpolate(bilinear, align_corners=False)) on torch.from_numpy views, and
DataLoader(batch_size, num_workers=0) (its default collate stacks the batch); the
`num_parallel_calls` row has no torch equivalent with num_workers=0 and shows the same
DataLoader. The NumPy column is the same arithmetic written by hand (a loop over the images
and np.stack per batch, one thread, no prefetch): what the pipeline costs beyond its kernels.

flowgrad and the NumPy loop run in this process, TensorFlow and torch each in a subprocess of a
Python that imports them (this one, $FLOWGRAD_PEERS_PYTHON or the peers' venv), one after the
other: idle threads of a peer in the same process (torch's spinning OpenMP workers, TF's pools)
slowed flowgrad and NumPy by up to 40% on a 2-core machine. Each number is the best of 3 epochs
(1 with --quick) after a warm-up epoch that traces the map functions, over `--rounds` (default
2; 1 with --quick) rounds of all four, so that a burst of load does not land on one only. A
sanity line prints the mean of the first batch per framework. Nothing here asserts on time.
"""

import argparse
import cProfile
import os
import pstats
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _peers  # also puts the checkout's flowgrad on sys.path

MNIST = os.environ.get("FLOWGRAD_MNIST") or os.path.join(
    _peers.REPO_ROOT, "..", "shared", "datasets", "mnist.npz")
ROWS = {
    "mnist": "MNIST 60,000 x 28x28 uint8: map(cast/255, flip) + batch 32 + prefetch",
    "mnist_parallel": "  the same, map(num_parallel_calls=AUTOTUNE)",
    "large": "1,024 x 224x224x3 uint8: map(cast/255, flip) + batch 64 + prefetch",
    "resize": "1,024 x 224x224x3 uint8: map(cast/255, resize 160x160) + batch 64 + prefetch",
}


def load_mnist(quick):
    if os.path.exists(MNIST):
        with np.load(MNIST) as d:
            x, y = d["x_train"], d["y_train"]
        note = f"MNIST from {os.path.normpath(MNIST)}"
    else:
        rng = np.random.default_rng(0)
        x, y = rng.integers(0, 256, (60000, 28, 28), np.uint8), rng.integers(0, 10, 60000)
        note = f"MNIST not found at {MNIST}: random data of MNIST's shapes"
    if quick:
        x, y = x[:15000], y[:15000]
    return np.ascontiguousarray(x), y.astype(np.int64), note


def large_images(quick):
    n = 256 if quick else 1024
    return np.random.default_rng(1).integers(0, 256, (n, 224, 224, 3), np.uint8)


# ---------------------------------------------------------------------------------------------
# pipelines: one builder per framework, returning a zero-argument "iterate one epoch" function
def tf_like_pipeline(tf, row, data):
    """flowgrad and TensorFlow: the same tf.data code."""
    AUTOTUNE = tf.data.AUTOTUNE
    if row.startswith("mnist"):
        x, y = data

        def f(img, label):
            img = tf.cast(img[..., None], tf.float32) / 255.0
            return tf.image.flip_left_right(img), label
        par = AUTOTUNE if row == "mnist_parallel" else None
        ds = tf.data.Dataset.from_tensor_slices((x, y)).map(f, num_parallel_calls=par)
        ds = ds.batch(32).prefetch(AUTOTUNE)
    elif row == "large":
        ds = tf.data.Dataset.from_tensor_slices(data).map(
            lambda img: tf.image.flip_left_right(tf.cast(img, tf.float32) / 255.0))
        ds = ds.batch(64).prefetch(AUTOTUNE)
    else:
        ds = tf.data.Dataset.from_tensor_slices(data).map(
            lambda img: tf.image.resize(tf.cast(img, tf.float32) / 255.0, [160, 160]))
        ds = ds.batch(64).prefetch(AUTOTUNE)
    return ds


def torch_pipeline(torch, row, data):
    import torch.nn.functional as F
    from torch.utils.data import DataLoader, Dataset

    class Images(Dataset):
        def __init__(self, images, labels=None):
            self.images, self.labels = torch.from_numpy(images), labels
            if labels is not None:
                self.labels = torch.from_numpy(labels)

        def __len__(self):
            return len(self.images)

        def __getitem__(self, i):
            img = self.images[i].float() / 255.0
            if row.startswith("mnist"):
                return torch.flip(img[..., None], [1]), self.labels[i]
            if row == "large":
                return torch.flip(img, [1])
            # HWC -> NCHW for interpolate, back to HWC as the others give
            out = F.interpolate(img.permute(2, 0, 1)[None], size=(160, 160), mode="bilinear",
                                align_corners=False)
            return out[0].permute(1, 2, 0)

    if row.startswith("mnist"):
        return DataLoader(Images(*data), batch_size=32, num_workers=0)
    return DataLoader(Images(data), batch_size=64, num_workers=0)


def numpy_epoch_fn(row, data):
    """The same work written by hand in NumPy (one thread, no prefetch): per image the map's
    arithmetic, then np.stack per batch (the resize applies flowgrad's interpolation matrices
    with one einsum, as flowgrad does)."""
    scale = np.float32(255.0)
    if row.startswith("mnist"):
        x, y = data

        def run():
            n = 0
            for i in range(0, len(x), 32):
                imgs = [(x[j][..., None].astype(np.float32) / scale)[:, ::-1].copy()
                        for j in range(i, min(i + 32, len(x)))]
                batch, _labels = np.stack(imgs), y[i:i + 32].copy()
                n += len(batch)
            return n
        return run
    if row == "large":
        def one(img):
            return (img.astype(np.float32) / scale)[:, ::-1].copy()
    else:
        from flowgrad.image import _resize
        wh = _resize.weights("bilinear", 224, 160, False).astype(np.float32)

        def one(img):
            return np.einsum("ph,qw,hwc->pqc", wh, wh, img.astype(np.float32) / scale,
                             optimize=True)

    def run():
        n = 0
        for i in range(0, len(data), 64):
            n += len(np.stack([one(data[j]) for j in range(i, min(i + 64, len(data)))]))
        return n
    return run


def epoch_fn(ds):
    def run():
        n = 0
        for batch in ds:
            first = batch[0] if isinstance(batch, (tuple, list)) else batch
            n += first.shape[0]
        return n
    return run


def first_batch_mean(fw, ds):
    batch = next(iter(ds))
    first = batch[0] if isinstance(batch, (tuple, list)) else batch
    a = first.numpy() if hasattr(first, "numpy") else np.asarray(first)
    return float(np.mean(a, dtype=np.float64))


# ---------------------------------------------------------------------------------------------
def load_framework(name):
    return {"flowgrad": _peers.load_flowgrad, "TF": _peers.load_tensorflow,
            "torch": _peers.load_torch}[name]()


def measure(name, rows, args):
    """{row: (images per second, mean of the first batch)} for one framework ('NumPy': the
    hand-written loop), timed in this process."""
    fw = None if name == "NumPy" else load_framework(name)
    if fw is None and name != "NumPy":
        return {}
    if fw is not None and fw.is_torch and args.threads:
        fw.m.set_num_threads(args.threads)
    mnist = load_mnist(args.quick)
    large = large_images(args.quick) if {"large", "resize"} & set(rows) else None
    out = {}
    for row in rows:
        data = mnist[:2] if row.startswith("mnist") else large
        n_images = len(data[0]) if row.startswith("mnist") else len(data)
        if fw is None:
            run, mean = numpy_epoch_fn(row, data), None
        else:
            if fw.is_torch:
                ds = torch_pipeline(fw.m, row, data)
            else:
                ds = tf_like_pipeline(fw.m, row, data)
                if args.threads and name == "TF":
                    opts = fw.m.data.Options()
                    opts.threading.private_threadpool_size = args.threads
                    ds = ds.with_options(opts)
            run = epoch_fn(ds)
            mean = first_batch_mean(fw, ds)
        start = time.perf_counter()
        assert run() == n_images  # warm-up epoch (traces the map functions)
        print(f"  {row}: {name} warm-up epoch {time.perf_counter() - start:.2f} s",
              file=sys.stderr, flush=True)
        best = _peers.best_time(run, repeat=1 if args.quick else 3, min_time=0.0)
        out[row] = (n_images / best, mean)
        if args.profile and name == "flowgrad":
            # the pipeline upstream of prefetch, so that its work runs in this thread
            prof = cProfile.Profile()
            prof.runcall(epoch_fn(getattr(ds, "_input", None) or ds))
            print(f"\n--- cProfile of one flowgrad epoch without the prefetch, {row} ---")
            pstats.Stats(prof).strip_dirs().sort_stats("tottime").print_stats(15)
    return out


def measure_in_subprocess(name, rows, args):
    """`measure` in a fresh process (see `_peers.run_worker`)."""
    result = _peers.run_worker(__file__, name, ["--only", ",".join(rows), "--threads",
                                                str(args.threads)] + (["--quick"] if args.quick
                                                                      else []))
    if result is None:
        return {}, None
    return {row: tuple(v) for row, v in result["rows"].items()}, result["version"]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--only", default=",".join(ROWS))
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--worker", help=argparse.SUPPRESS)  # internal: one framework, JSON out
    args = ap.parse_args(argv)
    rows = [r for r in args.only.split(",") if r]
    if args.worker:
        import json
        fw = None if args.worker == "NumPy" else load_framework(args.worker)
        out = measure(args.worker, rows, args) if fw is not None or args.worker == "NumPy" \
            else {}
        print(json.dumps({"version": fw.version if fw is not None else None, "rows": out}))
        return

    fg = _peers.load_flowgrad()
    print("\n".join(_peers.machine_info([fg])))
    print(f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', '<unset>')}; "
          f"peers' threads: {args.threads or 'their defaults'}")
    print(load_mnist(args.quick)[2])
    results = {n: {} for n in ("flowgrad", "NumPy", "TF", "torch")}
    versions = {}

    def keep_best(name, got):
        for row, (speed, mean) in got.items():
            if row not in results[name] or speed > results[name][row][0]:
                results[name][row] = (speed, mean)
    for _ in range(1 if args.quick else args.rounds):
        keep_best("flowgrad", measure("flowgrad", rows, args))
        keep_best("NumPy", measure("NumPy", rows, args))
        for name in ("TF", "torch"):
            got, versions[name] = measure_in_subprocess(name, rows, args)
            keep_best(name, got)
    for name in ("TF", "torch"):
        print(f"{name}: {versions[name] or 'not available'} (in a subprocess)")

    def fmt(v):
        return "-" if v is None else f"{v:,.0f}"

    def ratio(a, b):
        return "-" if a is None or b is None else f"{a / b:.2f}x"
    table = []
    for row in rows:
        fgv, t, th, npy = (results[n].get(row, (None,))[0]
                           for n in ("flowgrad", "TF", "torch", "NumPy"))
        table.append([ROWS[row], fmt(fgv), fmt(t), fmt(th), fmt(npy), ratio(fgv, t),
                      ratio(fgv, th), ratio(fgv, npy)])
    print(f"\nImages per second, best of {1 if args.quick else args.rounds} round(s) of 3 epochs "
          "after a warm-up (ratios: flowgrad / other, >1: flowgrad faster):")
    _peers.print_table(["pipeline", "flowgrad", "TF tf.data", "torch DataLoader",
                        "NumPy by hand", "flowgrad/TF", "flowgrad/torch", "flowgrad/NumPy"],
                       table, markdown=args.markdown)
    print("sanity, mean of the first batch: " + "; ".join(
        f"{row}: " + ", ".join(f"{n} {results[n][row][1]:.6f}" for n in ("flowgrad", "TF", "torch")
                               if results[n].get(row))
        for row in rows))
    print(f"1-min load average at end: {_peers.load_average()}")


if __name__ == "__main__":
    main()
