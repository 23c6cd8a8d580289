"""Shared helpers for the benchmarks in bench/: peer detection, timing, machine notes, tables.

Peers (TensorFlow, PyTorch) are optional: `load_frameworks()` returns flowgrad always and each
peer only when it imports. Build a venv with both peers with `../shared/tools/peers-venv.sh`.

Not part of the flowgrad package, and nothing here asserts on time.
"""

import contextlib
import datetime
import os
import platform
import subprocess
import sys
import timeit

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if REPO_ROOT not in sys.path:  # so that `python bench/x.py` finds the checkout's flowgrad
    sys.path.insert(0, REPO_ROOT)

# Keep TensorFlow's C++ start-up chatter off the tables (only if the caller did not choose).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


# ---------------------------------------------------------------------------------------------
# Frameworks


class Framework:
    """One framework under test: `m` is its module, used directly for ops that share a name
    across the three (add, matmul, multiply, subtract, tanh, exp, square, ...)."""

    def __init__(self, name, module, version):
        self.name, self.m, self.version = name, module, version

    @property
    def is_torch(self):
        return self.name == "torch"

    def tensor(self, array, requires_grad=False):
        """An eager tensor holding a copy of the NumPy `array` (torch: with `requires_grad`)."""
        if self.is_torch:
            return self.m.tensor(array, requires_grad=requires_grad)
        return self.m.constant(array)

    def recording(self, *watched):
        """A context under which ops on `watched` are recorded for autodiff.

        TensorFlow / flowgrad: a GradientTape watching them. torch records through the
        inputs' `requires_grad` flag instead (see `tensor`), so this is a no-op there.
        """
        if self.is_torch:
            return contextlib.nullcontext()
        return _watching_tape(self.m, watched)

    def gradient_of(self, fn, x):
        """d sum(fn(x)) / dx once, to check that the recorded path really is differentiable."""
        if self.is_torch:
            xg = x.detach().requires_grad_(True)
            (g,) = self.m.autograd.grad(fn(xg).sum(), [xg])
            return g
        with self.m.GradientTape() as tape:
            tape.watch(x)
            y = fn(x)
        return tape.gradient(y, x)


@contextlib.contextmanager
def _watching_tape(module, watched):
    with module.GradientTape() as tape:
        for t in watched:
            tape.watch(t)
        yield tape


def load_flowgrad():
    import flowgrad
    return Framework("flowgrad", flowgrad, getattr(flowgrad, "__version__", "?"))


def load_tensorflow():
    """TensorFlow in eager mode, or None when it is not importable here."""
    try:
        import tensorflow
    except Exception:  # ImportError, or a broken install
        return None
    return Framework("TF", tensorflow, tensorflow.__version__)


def load_torch():
    """PyTorch (CPU eager), or None when it is not importable here."""
    try:
        import torch
    except Exception:
        return None
    return Framework("torch", torch, torch.__version__)


def load_frameworks():
    """{'flowgrad': ..., 'TF': ... or None, 'torch': ... or None}, flowgrad first."""
    return {"flowgrad": load_flowgrad(), "TF": load_tensorflow(), "torch": load_torch()}


# ---------------------------------------------------------------------------------------------
# Timing


def best_time(fn, repeat=7, min_time=0.2, context=contextlib.nullcontext):
    """Best (minimum) seconds per call of `fn()` over `repeat` timeit runs.

    Each run calls `fn` `number` times back to back, `number` chosen so that a run lasts at
    least `min_time` seconds. Every run happens inside a fresh `context()` (for example an
    active GradientTape), entered and left outside the timed region. timeit turns the garbage
    collector off while it times.
    """
    timer = timeit.Timer(fn)
    number = 1
    while True:  # calibrate like timeit.autorange, but against min_time
        with context():
            elapsed = timer.timeit(number)
        if elapsed >= min_time or number >= 10 ** 7:
            break
        number = max(number * 2, int(number * min_time * 1.2 / max(elapsed, 1e-9)))
    best = elapsed / number
    for _ in range(repeat - 1):
        with context():
            best = min(best, timer.timeit(number) / number)
    return best


def import_time(statement, repeat=5):
    """Best wall time in seconds of a fresh `python -c statement` (interpreter start included)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (REPO_ROOT, env.get("PYTHONPATH")) if p)
    cmd = [sys.executable, "-c", statement]
    best = float("inf")
    for _ in range(repeat):
        start = timeit.default_timer()
        subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        best = min(best, timeit.default_timer() - start)
    return best


# ---------------------------------------------------------------------------------------------
# Machine notes and tables


def machine_info(frameworks=()):
    """Lines describing this machine and the versions under test."""
    import numpy
    cpu = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    ram = "?"
    try:
        with open("/proc/meminfo") as f:
            kib = int(f.readline().split()[1])
            ram = f"{kib / 2 ** 20:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    lines = [
        f"date: {datetime.date.today().isoformat()}",
        f"cpu: {cpu}; nproc: {os.cpu_count()}; ram: {ram}",
        f"python {platform.python_version()} ({sys.executable}); numpy {numpy.__version__}",
        f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '<unset>')}",
    ]
    for fw in frameworks:
        if fw is None:
            continue
        extra = f" (intra-op threads: {fw.m.get_num_threads()})" if fw.is_torch else ""
        lines.append(f"{fw.name} {fw.version}{extra}")
    return lines


def print_table(headers, rows, markdown=False, file=None):
    """Prints `rows` (lists of strings) under `headers`, as aligned text or as Markdown."""
    if markdown:
        print("| " + " | ".join(headers) + " |", file=file)
        print("|" + "|".join("---" if i == 0 else "---:" for i in range(len(headers))) + "|",
              file=file)
        for row in rows:
            print("| " + " | ".join(row) + " |", file=file)
        return
    widths = [max(len(str(c)) for c in col) for col in zip(headers, *rows)]
    def line(cells):
        return "  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths)))
    print(line(headers), file=file)
    print("  ".join("-" * w for w in widths), file=file)
    for row in rows:
        print(line(row), file=file)
