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


@contextlib.contextmanager
def _stderr_silenced():
    """Sends file descriptor 2 to /dev/null: TensorFlow's C++ logging writes there during import
    before TF_CPP_MIN_LOG_LEVEL is read (the absl / oneDNN notices)."""
    sys.stderr.flush()
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def load_tensorflow():
    """TensorFlow in eager mode, or None when it is not importable here."""
    try:
        with _stderr_silenced():
            import tensorflow
    except Exception:  # noqa: BLE001 - ImportError, or a broken install: treat as absent
        return None
    return Framework("TF", tensorflow, tensorflow.__version__)


def load_torch():
    """PyTorch (CPU eager), or None when it is not importable here."""
    try:
        import torch
    except Exception:  # noqa: BLE001 - as for TensorFlow
        return None
    return Framework("torch", torch, torch.__version__)


def load_frameworks():
    """{'flowgrad': ..., 'TF': ... or None, 'torch': ... or None}, flowgrad first."""
    return {"flowgrad": load_flowgrad(), "TF": load_tensorflow(), "torch": load_torch()}


# ---------------------------------------------------------------------------------------------
# Fresh processes

# Why the benchmarks time each framework in a process of its own: on this 2-core machine an
# idle peer's threads (torch's OpenMP workers spin after each op, TF keeps its pools) took a
# core from whichever framework ran next, and importing torch changes how glibc's malloc hands
# memory back to the OS: after `import torch`, one flowgrad CNN epoch took about 215,000 page
# faults (1 before) and ran 30-40% slower, because the large temporaries of every step were
# returned and re-faulted (raising M_TRIM_THRESHOLD with mallopt undid it).
MODULES = {"flowgrad": "flowgrad", "TF": "tensorflow", "torch": "torch", "NumPy": "numpy"}


def peer_python(module):
    """A Python that imports `module`: this one, $FLOWGRAD_PEERS_PYTHON, or the peers' venv
    that ../shared/tools/peers-venv.sh builds."""
    import importlib.util
    if importlib.util.find_spec(module) is not None:
        return sys.executable
    for exe in (os.environ.get("FLOWGRAD_PEERS_PYTHON"),
                os.path.join(os.environ.get("TMPDIR", "/tmp"), "flowgrad-peers", "bin",
                             "python"),
                "/tmp/flowgrad-peers/bin/python"):
        if exe and os.path.exists(exe):
            return exe
    return None


def run_worker(script, name, args):
    """Runs `script --worker name *args` (a benchmark's own worker mode, which prints one JSON
    object as its last line) in a fresh process of a Python that imports framework `name`.
    Returns that object, or None when no such Python exists or the worker failed. The worker's
    other stdout lines (notes, profiles) are echoed."""
    import json
    exe = peer_python(MODULES.get(name, name))
    if exe is None:
        return None
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (REPO_ROOT, env.get("PYTHONPATH")) if p)
    proc = subprocess.run([exe, os.path.abspath(script), "--worker", name] + list(args),
                          env=env, stdout=subprocess.PIPE, text=True, check=False)
    lines = proc.stdout.splitlines()
    for line in lines:
        if not line.startswith("{"):
            print(line)
    results = [ln for ln in lines if ln.startswith("{")]
    if proc.returncode or not results:
        print(f"  {name}: worker failed (exit {proc.returncode})", file=sys.stderr)
        return None
    return json.loads(results[-1])


# ---------------------------------------------------------------------------------------------
# Timing


def best_time(fn, repeat=7, min_time=0.2, context=None, chunk=None):
    """Best (minimum) seconds per call of `fn()` over `repeat` timeit runs.

    A run calls `fn` `number` times, `number` chosen so that a run lasts at least `min_time`
    seconds. With a `context` (for example a function that opens a GradientTape), a run is
    made of chunks of `chunk` calls, each chunk inside a fresh `context()` entered and left
    outside the timed region; this keeps what a tape records bounded (a tape holding tens of
    thousands of results would measure the memory allocator, not dispatch). timeit turns the
    garbage collector off while it times.
    """
    return best_times({None: (fn, context)}, repeat, min_time, chunk)[None]


def best_times(cases, repeat=7, min_time=0.2, chunk=None):
    """`best_time` for several `{key: (fn, context or None)}` at once, their runs interleaved
    (run 1 of each, then run 2 of each, ...) so that a burst of load on a shared machine
    lands on all of them alike. Returns {key: best seconds per call}."""
    runs = {key: _calibrated_run(fn, context, min_time, chunk)
            for key, (fn, context) in cases.items()}
    best = {key: float("inf") for key in cases}
    for _ in range(repeat):
        for key, run in runs.items():
            best[key] = min(best[key], run())
    return best


def _calibrated_run(fn, context, min_time, chunk):
    """A function doing one timed run of `fn` and returning its seconds per call."""
    timer = timeit.Timer(fn)
    if context is None:
        step = 1

        def run(number):
            return timer.timeit(number)
    else:
        step = chunk or 100

        def run(number):
            total = 0.0
            for _ in range(number // step):
                with context():
                    total += timer.timeit(step)
            return total

    number = step
    while True:  # calibrate like timeit.autorange, but against min_time
        elapsed = run(number)
        if elapsed >= min_time or number >= 10 ** 7:
            break
        grow = max(2.0, min_time * 1.2 / max(elapsed, 1e-9))
        number = int(number * grow) // step * step
    return lambda: run(number) / number


def import_times(statements, repeat=5):
    """{statement: best wall seconds of a fresh `python -c statement`} (interpreter start
    included), the statements' runs interleaved like `best_times`."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (REPO_ROOT, env.get("PYTHONPATH")) if p)
    best = {s: float("inf") for s in statements}
    for _ in range(repeat):
        for statement in statements:
            start = timeit.default_timer()
            subprocess.run([sys.executable, "-c", statement], env=env, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            best[statement] = min(best[statement], timeit.default_timer() - start)
    return best


def load_average():
    """The 1-minute load average as text ('?' where the OS does not say)."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except (OSError, AttributeError):
        return "?"


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
        (f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '<unset>')}; "
         f"1-min load average at start: {load_average()}"),
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
