"""`tf.compat.v1.nn`: `tf.nn` with the TF1 argument names (`dim`, `keep_prob`) and the TF1-only
aliases (`softmax_cross_entropy_with_logits_v2`)."""

import numpy as np

from ... import nn as _nn
from ...core.dispatch import execute
from ...core.registry import OpDef
from ...graph.tracer import SymbolicTensor
from ...ops import math_ops
from ...ops._common import to_tensor

_SENTINEL = object()


def softmax_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, dim=-1,
                                      name=None, axis=None):
    """Softmax cross-entropy; TF1 requires the named arguments `labels=` and `logits=`."""
    if _sentinel is not None:
        raise ValueError("Only call `softmax_cross_entropy_with_logits` with named arguments "
                         "(labels=..., logits=..., ...).")
    return _nn.softmax_cross_entropy_with_logits(labels, logits, axis=dim if axis is None
                                                 else axis)


softmax_cross_entropy_with_logits_v2 = softmax_cross_entropy_with_logits


def sparse_softmax_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None,
                                             name=None):
    if _sentinel is not None:
        raise ValueError("Only call `sparse_softmax_cross_entropy_with_logits` with named "
                         "arguments (labels=..., logits=..., ...).")
    return _nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)


def sigmoid_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, name=None):
    if _sentinel is not None:
        raise ValueError("Only call `sigmoid_cross_entropy_with_logits` with named arguments "
                         "(labels=..., logits=..., ...).")
    return _nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits)


def _uniform_like_kernel(xp, x, rng):
    return xp.asarray(rng.random(x.shape), dtype=x.dtype)


# Not registered (the registry lists the primitives of flowgrad.ops): used by graph dropout.
_UNIFORM_LIKE = OpDef("RandomUniformLike", _uniform_like_kernel, differentiable=False,
                      stateful=True)


def dropout(x, keep_prob=None, noise_shape=None, seed=None, name=None, rate=None):
    """TF1 dropout: keeps each element with probability `keep_prob` (or drops with `rate`),
    scaling kept ones by `1 / keep_prob`. In a graph, `keep_prob` may be a tensor (a
    placeholder fed 1.0 for evaluation) and the mask takes `x`'s run-time shape."""
    if rate is None and keep_prob is None:
        raise ValueError("You must provide a rate to dropout.")
    t = to_tensor(x)
    symbolic = isinstance(t, SymbolicTensor) or isinstance(keep_prob, SymbolicTensor) or \
        isinstance(rate, SymbolicTensor)
    if not symbolic:
        r = rate if rate is not None else 1.0 - float(to_tensor(keep_prob).numpy())
        return _nn.dropout(t, r, noise_shape=noise_shape, seed=seed)
    if not t.dtype.is_floating:
        raise ValueError(f"dropout: x has to be a floating point tensor since it's going to be "
                         f"scaled. Got a {t.dtype.name} tensor instead.")
    if noise_shape is not None:
        raise ValueError("tf.compat.v1.nn.dropout in a graph: noise_shape is not supported.")
    keep = 1.0 - to_tensor(rate, t.dtype) if rate is not None else to_tensor(keep_prob, t.dtype)
    noise = execute(_UNIFORM_LIKE, (t,), {"rng": np.random.default_rng(seed)})
    return t / keep * math_ops.floor(keep + noise)


def softmax(logits, axis=None, name=None, dim=None):
    a = axis if axis is not None else (dim if dim is not None else -1)
    return _nn.softmax(logits, axis=a)


def log_softmax(logits, axis=None, name=None, dim=None):
    a = axis if axis is not None else (dim if dim is not None else -1)
    return _nn.log_softmax(logits, axis=a)


def __getattr__(name):
    try:
        return getattr(_nn, name)
    except AttributeError:
        raise AttributeError(f"module 'tf.compat.v1.nn' has no attribute {name!r}") from None


def __dir__():
    return sorted(set(globals()) | set(dir(_nn)))
