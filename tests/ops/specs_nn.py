"""OpSpecs for the neural-network ops (flowgrad.ops.nn_ops, `tf.nn`)."""

import math

import numpy as np

from flowgrad.core.dispatch import execute
from flowgrad.ops import nn_ops
from scipy import special

from flowgrad import nn
from flowgrad.testing.op_harness import Case, OpSpec

_LARGE = np.array([[-1000.0, 0.0, 1000.0], [50.0, -50.0, 3.0]])


def _np_softmax(x, axis=-1):
    if x.shape[axis] == 0:
        return x.copy()
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _np_log_softmax(x, axis=-1):
    if x.shape[axis] == 0:
        return x.copy()
    s = x - np.max(x, axis=axis, keepdims=True)
    return s - np.log(np.sum(np.exp(s), axis=axis, keepdims=True))


def _np_softplus(x):
    return np.logaddexp(x, np.zeros((), x.dtype))


def _np_elu(x):
    return np.where(x > 0, x, np.expm1(np.minimum(x, 0)))


def _np_gelu(x, approximate=False):
    if approximate:
        inner = math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)
        return (0.5 * x * (1 + np.tanh(inner))).astype(x.dtype)
    return (0.5 * x * (1 + special.erf(x / math.sqrt(2)))).astype(x.dtype)


def _np_silu(x, beta=1.0):
    return (x * special.expit(beta * x)).astype(x.dtype)


def _np_sigmoid_xent(labels, logits):
    x, z = logits, labels
    return np.maximum(x, 0) - x * z + np.log1p(np.exp(-np.abs(x)))


def _np_softmax_xent(labels, logits, axis=-1):
    return -np.sum(labels * _np_log_softmax(logits, axis), axis=axis)


def _np_sparse_xent(labels, logits):
    lp = _np_log_softmax(logits)
    return -np.take_along_axis(lp, labels[..., None].astype(np.int64), axis=-1)[..., 0]


def _np_l2_normalize(x, axis=None):
    ax = None if axis is None else tuple(np.atleast_1d(axis))
    return x / np.sqrt(np.maximum(np.sum(x * x, axis=ax, keepdims=True), 1e-12))


def _np_moments(x, axes, keepdims=False):
    ax = tuple(axes)
    return np.mean(x, axis=ax, keepdims=keepdims), np.var(x, axis=ax, keepdims=keepdims)


def _positive_variance(v):
    return v * v + 0.5


def _np_batch_norm(x, mean, variance, offset=None, scale=None, variance_epsilon=1e-3):
    inv = 1 / np.sqrt(_positive_variance(variance) + variance_epsilon)
    if scale is not None:
        inv = inv * scale
    return (x * inv + ((offset if offset is not None else 0) - mean * inv)).astype(x.dtype)


def _batch_norm(x, mean, variance, offset=None, scale=None, variance_epsilon=1e-3):
    return nn.batch_normalization(x, mean, _positive_variance(variance), offset, scale,
                                  variance_epsilon)


def _np_bias_add(value, bias, data_format=None):
    if data_format is not None and data_format.startswith("NC") and value.ndim > 2:
        bias = bias.reshape((-1,) + (1,) * (value.ndim - 2))
    return value + bias


def _dropout_check(rate, noise_axes=()):
    """Each output is 0 or x / (1 - rate); along `noise_axes` the mask is shared."""
    def check(outs, arrays):
        out, x = np.asarray(outs[0]), arrays[0]
        assert out.shape == x.shape and out.dtype == x.dtype
        kept = out != 0
        np.testing.assert_allclose(out[kept], x[kept] / (1 - rate), rtol=1e-5)
        for ax in noise_axes:
            assert (kept == np.take(kept, [0], axis=ax)).all()
        if x.size >= 1000:
            assert abs(kept.mean() - (1 - rate)) < 0.1
    return check


SPECS = [
    OpSpec("relu", nn.relu, lambda x: np.maximum(x, 0), cases=[
        Case((3, 4)), Case(()), Case((0, 3)), Case(np.array([-1.0, 2.0])),
    ], grad2=True),
    OpSpec("relu_at_zero", nn.relu, lambda x: np.maximum(x, 0),
           cases=[Case(np.array([-1.0, 0.0, 2.0]))], grad=False),
    OpSpec("relu_int", nn.relu, lambda x: np.maximum(x, 0),
           cases=[Case((3, 4))], dtypes=("int32", "int64"), domain=lambda x: np.round(3 * x),
           grad=False),
    OpSpec("relu6", nn.relu6, lambda x: np.minimum(np.maximum(x, 0), 6),
           cases=[Case((4, 5)), Case(())], domain=lambda x: 5 * x, grad2=True),
    OpSpec("leaky_relu", lambda x, **kw: nn.leaky_relu(x, **kw),
           lambda x, alpha=0.2: np.where(x > 0, x, alpha * x).astype(x.dtype),
           cases=[Case((3, 4)), Case((2, 3), alpha=0.01), Case((0,))], grad2=True),
    OpSpec("leaky_relu_int", nn.leaky_relu,
           lambda x: np.where(x > 0, x, np.float32(0.2) * x).astype(np.float32),
           cases=[Case(np.array([-3, 0, 2], dtype=np.int32))], dtypes=("float32",), grad=False),
    OpSpec("elu", nn.elu, _np_elu, cases=[Case((3, 4)), Case(np.array([-30.0, 80.0]))],
           domain=lambda x: 3 * x, grad2=True),
    OpSpec("selu", nn.selu, lambda x: (1.0507009873554805 * np.where(
        x > 0, x, 1.6732632423543772 * np.expm1(np.minimum(x, 0)))).astype(x.dtype),
        cases=[Case((3, 4)), Case(())], domain=lambda x: 3 * x, grad2=True),
    OpSpec("gelu", lambda x, **kw: nn.gelu(x, **kw), _np_gelu,
           cases=[Case((3, 4)), Case((3, 4), approximate=True), Case((0, 2))], grad2=True),
    OpSpec("silu", lambda x, **kw: nn.silu(x, **kw), _np_silu,
           cases=[Case((3, 4)), Case((5,), beta=2.0)], grad2=True),
    OpSpec("swish", nn.swish, _np_silu, cases=[Case((2, 3))], grad2=True),
    OpSpec("softplus", nn.softplus, _np_softplus, cases=[
        Case((3, 4)), Case(np.array([-100.0, -1.0, 0.0, 1.0, 100.0])), Case((0,)),
    ], domain=lambda x: 3 * x, grad2=True),
    OpSpec("softsign", nn.softsign, lambda x: x / (1 + np.abs(x)),
           cases=[Case((3, 4)), Case(())], grad2=True),
    OpSpec("softmax", lambda x, **kw: nn.softmax(x, **kw), _np_softmax, cases=[
        Case((3, 4)), Case((3, 4), axis=0), Case((2, 3, 4), axis=1), Case((5,)),
        Case(_LARGE), Case((0, 3)), Case((3, 0)),
    ], grad2=True),
    OpSpec("log_softmax", lambda x, **kw: nn.log_softmax(x, **kw), _np_log_softmax, cases=[
        Case((3, 4)), Case((3, 4), axis=0), Case((2, 3, 4), axis=-2), Case(_LARGE),
        Case((0, 3)),
    ], grad2=True),
    OpSpec("sigmoid_cross_entropy_with_logits",
           lambda labels, logits: nn.sigmoid_cross_entropy_with_logits(labels=labels,
                                                                       logits=logits),
           _np_sigmoid_xent, cases=[
               Case((3, 4), (3, 4)), Case(np.array([0.0, 1.0, 1.0, 0.5]),
                                          np.array([-200.0, 200.0, -3.0, 0.0])),
               Case((0, 2), (0, 2)),
           ], grad2=True),
    OpSpec("softmax_cross_entropy_with_logits",
           lambda labels, logits, **kw: nn.softmax_cross_entropy_with_logits(labels, logits,
                                                                             **kw),
           _np_softmax_xent, cases=[
               Case((3, 4), (3, 4)), Case((3, 4), (3, 4), axis=0),
               Case((2, 3, 4), (2, 3, 4), axis=1),
               Case(np.array([[0.0, 1.0, 0.0], [0.2, 0.3, 0.5]]), _LARGE),
               Case((3, 0), (3, 0)),
           ], grad2=True),
    OpSpec("softmax_cross_entropy_with_logits_empty_batch",
           lambda labels, logits: nn.softmax_cross_entropy_with_logits(labels, logits),
           _np_softmax_xent, cases=[Case((0, 3), (0, 3))]),
    OpSpec("sparse_softmax_cross_entropy_with_logits",
           lambda labels, logits: nn.sparse_softmax_cross_entropy_with_logits(labels=labels,
                                                                              logits=logits),
           _np_sparse_xent, cases=[
               Case(np.array([0, 3, 1], dtype=np.int32), (3, 4)),
               Case(np.array([[2, 0, 1], [1, 1, 0]], dtype=np.int64), (2, 3, 3)),
               Case(np.array([2, 1], dtype=np.int32), _LARGE),
               Case(np.array(1, dtype=np.int32), (4,)),
           ], grad2=True),
    OpSpec("sparse_softmax_cross_entropy_with_logits_empty",
           lambda labels, logits: nn.sparse_softmax_cross_entropy_with_logits(labels=labels,
                                                                              logits=logits),
           _np_sparse_xent, cases=[Case(np.zeros((0,), dtype=np.int32), (0, 4))]),
    OpSpec("l2_loss", nn.l2_loss, lambda t: np.asarray(np.sum(t * t) / 2, dtype=t.dtype),
           cases=[Case((3, 4)), Case(()), Case((0,))], grad2=True),
    OpSpec("l2_normalize", lambda x, **kw: nn.l2_normalize(x, **kw), _np_l2_normalize, cases=[
        Case((3, 4)), Case((3, 4), axis=0), Case((2, 3, 4), axis=-1), Case((2, 3, 4), axis=[0, 2]),
    ], grad2=True),
    OpSpec("l2_normalize_zero_vector", lambda x, **kw: nn.l2_normalize(x, **kw), _np_l2_normalize,
           cases=[Case(np.zeros((2, 2)), axis=1)], grad=False),
    OpSpec("moments", lambda x, **kw: nn.moments(x, **kw), _np_moments, cases=[
        Case((5, 3), axes=[0]), Case((2, 3, 3, 4), axes=[0, 1, 2]),
        Case((4, 3), axes=[0, 1], keepdims=True), Case((4, 3), axes=[-1]),
    ], grad2=True),
    OpSpec("batch_normalization", _batch_norm, _np_batch_norm, cases=[
        Case((4, 3), (3,), (3,), (3,), (3,)),
        Case((2, 3, 3, 2), (2,), (2,), (2,), (2,), variance_epsilon=1e-5),
        Case((4, 3), (3,), (3,)),
    ], grad2=True),
    OpSpec("batch_normalization_scale_only",
           lambda x, m, v, s: _batch_norm(x, m, v, None, s),
           lambda x, m, v, s: _np_batch_norm(x, m, v, None, s),
           cases=[Case((4, 3), (1, 3), (1, 3), (1, 3))], grad2=True),
    OpSpec("bias_add", lambda v, b, **kw: nn.bias_add(v, b, **kw), _np_bias_add, cases=[
        Case((2, 3), (3,)), Case((2, 4, 5, 3), (3,), data_format="NHWC"),
        Case((2, 3, 4, 5), (3,), data_format="NCHW"), Case((2, 3, 4), (3,), data_format="NC..."),
        Case((2, 4, 3), (3,), data_format="N...C"),
    ], grad2=True),
    OpSpec("bias_add_empty", nn.bias_add, _np_bias_add, cases=[Case((0, 3), (3,))]),
    OpSpec("dropout", lambda x: nn.dropout(x, 0.5, seed=1), check=_dropout_check(0.5),
           cases=[Case((40, 30)), Case((0, 3))], grad=False),
    OpSpec("dropout_noise_shape", lambda x: nn.dropout(x, rate=0.25, noise_shape=[1, 5]),
           check=_dropout_check(0.25, noise_axes=(0,)), cases=[Case((6, 5))], grad=False),
    OpSpec("dropout_rate_zero", lambda x: nn.dropout(x, rate=0.0), lambda x: x,
           cases=[Case((2, 3))]),
    OpSpec("relu_grad_op",
           lambda dy, y: execute(nn_ops.RELU_GRAD, (dy, y)),
           lambda dy, y: np.where(y > 0, dy, 0).astype(dy.dtype),
           cases=[Case((3, 4), (3, 4)), Case((0, 2), (0, 2))], wrt=[0], grad2=True),
]
