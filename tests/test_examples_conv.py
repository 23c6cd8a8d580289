"""examples/mnist_cnn.py, autoencoder_anomaly.py and gan.py run and reach what their docstrings
promise (reduced sizes here; the full MNIST CNN run is a slow test: `pytest -m slow`)."""

import importlib.util
import os
import pathlib
import re
import subprocess
import sys

import pytest

from tests.example_runner import run_on_small_mnist

ROOT = pathlib.Path(__file__).resolve().parents[1]
MNIST = ROOT.parent / "shared" / "datasets" / "mnist.npz"


def _load_example(name):
    spec = importlib.util.spec_from_file_location(f"example_{name}", ROOT / "examples" /
                                                  f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _require_slow(request):
    """Slow tests run by default (deselect with -m "not slow")."""


@pytest.fixture
def mnist_cnn(monkeypatch):
    monkeypatch.delenv("FLOWGRAD_MNIST", raising=False)
    if not MNIST.exists():
        pytest.skip(f"MNIST not found at {MNIST}")
    return _load_example("mnist_cnn")


def test_mnist_cnn_on_a_subset(mnist_cnn, capsys):
    # 3000 training images, one epoch (tf-keras 2.21: 0.86-0.91 over three seeds)
    result = mnist_cnn.main(limit=3000, test_limit=2000)
    out = capsys.readouterr().out
    assert result["params"] == 225034
    assert result["test_accuracy"] > 0.85
    assert re.search(r"^94/94 - \d+s - \d+(us|ms)/step - loss: \d\.\d{4} - accuracy: 0\.\d{4}$",
                     out, re.MULTILINE), out
    assert f"test accuracy {result['test_accuracy']:.4f} (2,000 images)" in out


@pytest.mark.slow
def test_mnist_cnn_full_epoch(request):
    """The issue's bar: one epoch on the 60,000 training images gives >= 0.98 test accuracy.
    Run as a script, with single-threaded BLAS (batch-32 GEMMs gain little from threads and
    lose a lot on a busy machine)."""
    _require_slow(request)
    if not MNIST.exists():
        pytest.skip(f"MNIST not found at {MNIST}")
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1",
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    env.pop("FLOWGRAD_MNIST", None)
    proc = subprocess.run([sys.executable, str(ROOT / "examples" / "mnist_cnn.py")], env=env,
                          capture_output=True, text=True, timeout=1200, check=True)
    m = re.search(r"in ([\d.]+) s \(([\d.]+) ms per batch of 32\); test loss [\d.]+, test "
                  r"accuracy ([\d.]+) \(10,000 images\)", proc.stdout)
    assert m, proc.stdout
    print(proc.stdout.strip().splitlines()[-1])
    assert float(m.group(3)) >= 0.98


def test_mnist_cnn_script_reads_flowgrad_mnist(tmp_path):
    stdout = run_on_small_mnist(tmp_path, "mnist_cnn.py", 320, "--batch-size", "64")
    assert "5/5 - " in stdout
    assert "Trained 225,034 parameters on 320 images" in stdout
    assert "(320 images)" in stdout


def test_autoencoder_flags_anomalies_better_than_chance(capsys):
    ae = _load_example("autoencoder_anomaly")
    result = ae.main(n_train=1000, n_test=300, epochs=10)
    out = capsys.readouterr().out
    assert "precision" in out and "recall" in out
    assert result["precision"] > 0.8       # chance: 0.5
    assert result["recall"] > 0.5
    assert result["accuracy"] > 0.75
    assert result["recall_by_kind"]["fast rhythm"] > 0.9


def test_gan_learns_the_ring(capsys):
    gan = _load_example("gan")
    result = gan.main(steps=1500, log_every=500)
    out = capsys.readouterr().out
    assert "step  1500" in out
    before, after = result["before"], result["after"]
    assert abs(before["radius_mean"] - 2.0) > 0.8   # untrained: points near the origin
    assert abs(after["radius_mean"] - 2.0) < 0.15
    assert after["radius_std"] < 0.3
    assert after["sector_min"] > 0.07 and after["sector_max"] < 0.2   # the whole ring
