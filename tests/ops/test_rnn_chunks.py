"""The fused LSTM backward pass runs backwards through time in chunks of steps
(`rnn_ops._CHUNK_BYTES`); the op-harness cases are too small to span more than one chunk, so
these force chunks of 1, 2 and 3 steps over sequences of 7 and check the gradients against
the naive NumPy reference (tests/ops/specs_rnn.py) and against the unchunked pass."""

import numpy as np
import pytest

import flowgrad as fg
from flowgrad.ops import rnn_ops
from tests.ops.specs_rnn import _lstm_vjp, _np_lstm_vjp

MASK = np.array([[1, 1, 0, 1, 1, 0, 1], [0, 1, 1, 1, 0, 0, 1], [1, 0, 0, 1, 1, 1, 0]],
                dtype=bool)


def _inputs(rng, D, B=3, T=7, F=4, n=3):
    lead = () if D is None else (D,)
    shapes = [(B, T, F), (F, 4 * n), (4 * n,), (B, n), (B, n), (n, 4 * n), (B, T, n),
              (B, T, n)]
    return [rng.standard_normal(lead + s).astype(np.float64) * 0.7 for s in shapes]


def _chunk_bytes(steps, D, B=3, n=3):
    return steps * (D or 1) * 4 * n * B * 8   # float64 gates of `steps` steps


@pytest.mark.parametrize("steps", [1, 2, 3])
@pytest.mark.parametrize("D", [None, 2])
@pytest.mark.parametrize("activation,masked", [("tanh", False), ("relu", False),
                                               ("tanh", True)])
def test_chunked_lstm_gradient_matches_reference(monkeypatch, steps, D, activation, masked):
    rng = np.random.default_rng(steps * 10 + (D or 1))
    args = _inputs(rng, D)
    mask = None
    if masked:
        mask = MASK if D is None else np.stack([MASK, MASK[:, ::-1]])
    kw = {"activation": activation, "mask": mask}
    tensors = [fg.constant(a) for a in args]
    whole = [np.asarray(g) for g in _lstm_vjp(*tensors, **kw)]
    monkeypatch.setattr(rnn_ops, "_CHUNK_BYTES", _chunk_bytes(steps, D))
    assert rnn_ops._chunk_steps(D or 1, 12, 3, 8) == steps
    chunked = [np.asarray(g) for g in _lstm_vjp(*tensors, **kw)]
    expected = _np_lstm_vjp(*args, **kw)
    names = ["x", "kernel", "bias", "h0", "c0", "recurrent_kernel"]
    for name, c, w, e in zip(names, chunked, whole, expected):
        np.testing.assert_allclose(c, e, rtol=1e-9, atol=1e-10, err_msg=name)
        np.testing.assert_allclose(c, w, rtol=1e-12, atol=1e-13, err_msg=name)


def test_last_output_of_no_steps_is_h0():
    """With return_sequences=False the op returns the last output only; over zero steps that
    is h0, so its gradient passes to h0 unchanged."""
    rng = np.random.default_rng(0)
    x = fg.constant(np.zeros((2, 0, 3)))
    K, b, U = (fg.constant(rng.standard_normal(s)) for s in [(3, 8), (8,), (2, 8)])
    h0, c0 = (fg.constant(rng.standard_normal((2, 2))) for _ in range(2))
    up = rng.standard_normal((2, 2))
    with fg.GradientTape() as tape:
        tape.watch([h0, K])
        hs, _, _, _, _ = rnn_ops.execute(rnn_ops.LSTM_SEQUENCE, (x, K, b, h0, c0, U),
                                         {"return_sequences": False})
        total = fg.reduce_sum(hs * up)
    np.testing.assert_array_equal(np.asarray(hs), np.asarray(h0))
    dh0, dK = tape.gradient(total, [h0, K])
    np.testing.assert_allclose(np.asarray(dh0), up)
    np.testing.assert_array_equal(np.asarray(dK), np.zeros((3, 8)))
