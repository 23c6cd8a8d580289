"""The examples run and reach what their docstrings promise."""

import importlib.util
import pathlib
import re

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


@pytest.fixture
def mnist_mlp(monkeypatch):
    monkeypatch.delenv("FLOWGRAD_MNIST", raising=False)
    if not MNIST.exists():
        pytest.skip(f"MNIST not found at {MNIST}")
    return _load_example("mnist_mlp")


def test_mnist_mlp_on_a_subset(mnist_mlp, capsys):
    result = mnist_mlp.main(epochs=3, limit=3000)  # TensorFlow: 0.86-0.88 on this subset
    out = capsys.readouterr().out
    assert result["test_accuracy"] > 0.85
    assert re.search(r"^Epoch 3/3\n94/94 - \d+s - \d+(us|ms)/step - loss: \d\.\d{4} - "
                     r"accuracy: 0\.\d{4}$", out, re.MULTILINE), out
    assert f"test accuracy {result['test_accuracy']:.4f} (3,000 images)" in out
    assert list(result["history"]) == ["loss", "accuracy"]


def test_mnist_mlp_script_reads_flowgrad_mnist(tmp_path):
    stdout = run_on_small_mnist(tmp_path, "mnist_mlp.py", 640, "--epochs", "2", timeout=120)
    assert "Epoch 2/2\n20/20 - " in stdout
    assert "Trained on 640 images" in stdout and "(640 images)" in stdout


def test_mnist_mlp_missing_file_says_where_it_looked(mnist_mlp, tmp_path):
    missing = tmp_path / "nowhere.npz"
    with pytest.raises(FileNotFoundError, match="FLOWGRAD_MNIST"):
        mnist_mlp.load_mnist(str(missing))


@pytest.mark.slow
def test_mnist_mlp_reaches_97_percent_in_five_epochs(mnist_mlp, request):
    result = mnist_mlp.main(verbose=0)
    assert result["test_accuracy"] >= 0.97
    assert len(result["history"]["loss"]) == 5
