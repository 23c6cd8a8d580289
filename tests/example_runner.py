"""Runs an example script as a user would, on the first `n` examples of the real MNIST (given to
the script through FLOWGRAD_MNIST)."""

import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
MNIST = ROOT.parent / "shared" / "datasets" / "mnist.npz"


def run_on_small_mnist(tmp_path, script, n, *args, timeout=300):
    """Stdout of `python examples/<script> *args` reading a `n`-example MNIST subset."""
    if not MNIST.exists():
        pytest.skip(f"MNIST not found at {MNIST}")
    with np.load(MNIST) as d:
        small = {k: d[k][:n] for k in ("x_train", "y_train", "x_test", "y_test")}
    path = tmp_path / "small_mnist.npz"
    np.savez(path, **small)
    env = dict(os.environ, FLOWGRAD_MNIST=str(path),
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run([sys.executable, str(ROOT / "examples" / script), *args], env=env,
                          capture_output=True, text=True, timeout=timeout, check=True)
    return proc.stdout
