"""The Embedding-style gradient of `gather` along axis 0 with many indices (repeats
included): the SciPy sparse-product path and the NumPy sort + reduceat fallback both equal
`np.add.at`, through a GradientTape."""

import numpy as np
import pytest

import flowgrad as tf
from flowgrad.ops import indexing_ops


@pytest.mark.parametrize("scipy_path", [True, False])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_gather_gradient_with_many_repeated_indices(monkeypatch, scipy_path, dtype):
    if scipy_path:
        pytest.importorskip("scipy.sparse")
    else:
        monkeypatch.setattr(indexing_ops, "_SPARSE", False)
    rng = np.random.default_rng(0)
    params = tf.constant(rng.standard_normal((40, 3, 2)).astype(dtype))
    ids = rng.integers(0, 40, (6, 25))            # 150 indices, many repeated
    upstream = rng.standard_normal((6, 25, 3, 2)).astype(dtype)
    with tf.GradientTape() as tape:
        tape.watch(params)
        total = tf.reduce_sum(tf.gather(params, ids) * upstream)
    grad = tape.gradient(total, params)
    expected = np.zeros((40, 3, 2), dtype=dtype)
    np.add.at(expected, ids.reshape(-1), upstream.reshape(-1, 3, 2))
    assert grad.dtype.name == dtype
    np.testing.assert_allclose(grad.numpy(), expected, rtol=1e-5, atol=1e-5)
