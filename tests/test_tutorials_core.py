"""The tutorials' tensor, variable and GradientTape examples run unchanged on flowgrad and
give TensorFlow's values."""

import numpy as np

from tests.tutorial_code import blocks, run


def test_deep_learning_part3_first_steps(capsys):
    code = blocks("002")
    ns = run(code[1:25])  # everything before the Keras sections, the plots included
    out = capsys.readouterr().out
    assert "Loss at step 39" in out
    assert float(ns["gradient"]) == 6.0  # d(x^2)/dx at 3, watched constant
    assert float(ns["speed"]) == 0.0 and abs(float(ns["acceleration"]) - 9.8) < 1e-6
    np.testing.assert_array_equal(ns["v"].numpy().ravel(), [4.0, 2.0, 2.0])
    np.testing.assert_array_equal(ns["e"].numpy(), np.full((2, 2), 4.0))
    losses = [float(line.split(":")[1]) for line in out.splitlines()
              if line.startswith("Loss at step")]
    assert len(losses) == 40 and losses[-1] < losses[0] / 5 and losses[-1] < 0.05
    acc = np.mean((ns["predictions"].numpy()[:, 0] > 0.5) == (ns["targets"][:, 0] > 0.5))
    assert acc > 0.95
    assert ns["y"].shape == (100,)  # the decision line, computed from W and b


def test_chapter8_basic_operations(capsys):
    run(blocks("000")[:1])
    out = capsys.readouterr().out
    assert "Sum: [5. 7. 9.]" in out and "Product: [ 4. 10. 18.]" in out


def test_intro_to_tensorflow_notes():
    code = blocks("004")
    # The notes assume the usual imports made earlier in the notebook.
    ns = run(["import tensorflow as tf\nimport numpy as np", code[0]])
    f, w, b = ns["features"].numpy(), ns["weights"].numpy(), ns["bias"].numpy()
    expected = 1 / (1 + np.exp(-(f @ w.T + b)))
    np.testing.assert_allclose(ns["y"].numpy(), expected, rtol=1e-6)
    ns = run([code[1], code[2], code[20]], ns)
    f, w1, w2 = ns["features"].numpy(), ns["W1"].numpy(), ns["W2"].numpy()
    b1, b2 = ns["B1"].numpy(), ns["B2"].numpy()
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    np.testing.assert_allclose(ns["output"].numpy(), sig(sig(f @ w1 + b1) @ w2 + b2), rtol=1e-6)
    assert ns["output"].shape == (1, 1)
    assert ns["b"].dtype.name == "float64"  # converted from a float64 NumPy array
    np.testing.assert_allclose(ns["b"].numpy(), (ns["a"] - 1) * 40)
    np.testing.assert_allclose(ns["dy_dx"].numpy(), 2 * ns["x"].numpy(), rtol=1e-6)
