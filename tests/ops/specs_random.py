"""OpSpecs for the random ops: no NumPy reference, but checks of shape, dtype and distribution
properties on a few thousand samples (bounds are generous: about five standard errors)."""

import numpy as np

from flowgrad.ops import random_ops

import flowgrad as fg
from flowgrad.testing.op_harness import Case, OpSpec

N = 4000
FLOATS = ("float16", "float32", "float64")
_SEED = [3, 14]


def _f64(x):
    return np.asarray(x, dtype=np.float64)


def _check_normal(truncated):
    def check(outs, arrays):
        (x,), (mean, stddev) = outs, arrays
        assert x.shape == (N,) and x.dtype == mean.dtype
        m, s = float(mean), float(stddev)
        if truncated:
            assert np.all(np.abs(_f64(x) - m) <= 2 * s * (1 + 1e-3))
            s *= 0.8796  # standard deviation of a standard normal truncated to [-2, 2]
        assert abs(_f64(x).mean() - m) < 5 * s / np.sqrt(N) + 1e-2
        assert abs(_f64(x).std() - s) < 0.05 * s
    return check


def _check_uniform(outs, arrays):
    (x,), (lo, hi) = outs, arrays
    lo, hi = float(lo), float(hi)
    assert x.shape == (N,) and x.dtype == arrays[0].dtype
    assert np.all(_f64(x) >= lo) and np.all(_f64(x) <= hi)
    assert np.mean(_f64(x) == hi) < 1e-3  # only half-width rounding may reach maxval
    assert abs(_f64(x).mean() - (lo + hi) / 2) < 0.05 * (hi - lo)
    assert abs(_f64(x).std() - (hi - lo) / np.sqrt(12)) < 0.05 * (hi - lo)


def _check_uniform_int(outs, arrays):
    (x,) = outs
    assert x.shape == (N,) and x.dtype in (np.int32, np.int64)
    values, counts = np.unique(x, return_counts=True)
    assert values.tolist() == list(range(2, 9))
    assert np.all(np.abs(counts / N - 1 / 7) < 0.03)


def _check_full_range(outs, arrays):
    (x,) = outs
    info = np.iinfo(x.dtype)
    assert x.shape == (N,)
    scaled = (_f64(x) - info.min) / (float(info.max) - info.min)
    assert abs(scaled.mean() - 0.5) < 0.03
    assert scaled.min() < 0.01 and scaled.max() > 0.99


_PROBS = np.array([[0.2, 0.3, 0.5], [0.7, 0.0, 0.3]])


def _check_categorical(outs, arrays):
    (x,) = outs
    assert x.shape == (2, N) and x.dtype in (np.int32, np.int64)
    for row, probs in zip(x, _PROBS):
        freq = np.bincount(row, minlength=3) / N
        assert freq.shape == (3,)
        assert np.all(np.abs(freq - probs) < 0.04), freq
    assert not np.any(x[1] == 1)  # logit -inf: never drawn


def _check_shuffle(outs, arrays):
    (x,), (value,) = outs, arrays
    assert x.shape == value.shape and x.dtype == value.dtype
    rows = lambda a: sorted(map(tuple, a.reshape(len(a), -1).tolist()))  # noqa: E731
    assert rows(x) == rows(value)
    assert not np.array_equal(x, value)


with np.errstate(divide="ignore"):
    _LOGITS = np.log(_PROBS)

SPECS = [
    OpSpec("random.normal", lambda m, s, **kw: fg.random.normal(
        [N], mean=m, stddev=s, dtype=m.dtype, seed=1, **kw),
        cases=[Case(np.array(1.5), np.array(2.0))], dtypes=FLOATS, grad=False,
        check=_check_normal(False)),
    OpSpec("random.truncated_normal", lambda m, s: fg.random.truncated_normal(
        [N], mean=m, stddev=s, dtype=m.dtype, seed=2),
        cases=[Case(np.array(-0.5), np.array(3.0))], dtypes=FLOATS, grad=False,
        check=_check_normal(True)),
    OpSpec("random.uniform", lambda lo, hi: fg.random.uniform(
        [N], minval=lo, maxval=hi, dtype=lo.dtype, seed=3),
        cases=[Case(np.array(-1.0), np.array(3.0)), Case(np.array(0.0), np.array(1.0))],
        dtypes=FLOATS, grad=False, check=_check_uniform),
    OpSpec("random.uniform_int", lambda dtype: fg.random.uniform(
        [N], minval=2, maxval=9, dtype=dtype, seed=4),
        cases=[Case(dtype="int32"), Case(dtype="int64")], dtypes=("float32",), grad=False,
        check=_check_uniform_int),
    OpSpec("random.categorical", lambda logits, **kw: fg.random.categorical(
        logits, N, seed=5, **kw),
        cases=[Case(_LOGITS), Case(_LOGITS, dtype="int32")], grad=False,
        check=_check_categorical),
    OpSpec("random.shuffle", lambda x: fg.random.shuffle(x, seed=6),
        cases=[Case(np.arange(40.0).reshape(20, 2)), Case(np.arange(30))], grad=False,
        check=_check_shuffle),
    OpSpec("random.stateless_normal", lambda m, s: fg.random.stateless_normal(
        [N], seed=_SEED, mean=m, stddev=s, dtype=m.dtype),
        cases=[Case(np.array(1.5), np.array(2.0))], dtypes=FLOATS, grad=False,
        check=_check_normal(False)),
    OpSpec("random.stateless_truncated_normal", lambda m, s: fg.random.stateless_truncated_normal(
        [N], seed=_SEED, mean=m, stddev=s, dtype=m.dtype),
        cases=[Case(np.array(-0.5), np.array(3.0))], dtypes=FLOATS, grad=False,
        check=_check_normal(True)),
    OpSpec("random.stateless_uniform", lambda lo, hi: fg.random.stateless_uniform(
        [N], seed=_SEED, minval=lo, maxval=hi, dtype=lo.dtype),
        cases=[Case(np.array(-1.0), np.array(3.0))], dtypes=FLOATS, grad=False,
        check=_check_uniform),
    OpSpec("random.stateless_uniform_int", lambda dtype: fg.random.stateless_uniform(
        [N], seed=_SEED, minval=2, maxval=9, dtype=dtype),
        cases=[Case(dtype="int32"), Case(dtype="int64")], dtypes=("float32",), grad=False,
        check=_check_uniform_int),
    OpSpec("random.stateless_uniform_full_int", lambda dtype: fg.random.stateless_uniform(
        [N], seed=_SEED, minval=None, maxval=None, dtype=dtype),
        cases=[Case(dtype=d) for d in ("int32", "int64", "uint32", "uint64")],
        dtypes=("float32",), grad=False, check=_check_full_range),
    OpSpec("random.stateless_categorical", lambda logits, **kw: fg.random.stateless_categorical(
        logits, N, seed=_SEED, **kw),
        cases=[Case(_LOGITS), Case(_LOGITS, dtype="int32")], grad=False,
        check=_check_categorical),
    OpSpec("random.uniform_like", lambda x: random_ops.uniform_like(x, seed=6),
           cases=[Case((N // 10, 10))], dtypes=FLOATS, grad=False,
           check=lambda outs, ins: _check_uniform_like(outs, ins)),
]


def _check_uniform_like(outs, ins):
    (u,), (x,) = outs, ins
    assert u.shape == x.shape and u.dtype == x.dtype
    assert 0.0 <= u.min() and u.max() < 1.0
    assert abs(float(u.mean()) - 0.5) < 0.05
