"""`tf.nn`: activations, softmax, cross-entropies, normalization, dropout.

Primitives: Relu, Softplus, Softmax, LogSoftmax and the two fused softmax cross-entropies,
each with a numerically stable kernel. The other functions are composed from math ops, so their
gradients come free. Every gradient rule is written with flowgrad ops and is differentiable
again.
"""

import math as _pymath

import numpy as np

from .. import dtypes as _dtypes
from ..core.dispatch import execute
from ..core.registry import REAL_FLOAT_KINDS, register_op
from ..core.tensor import Tensor
from ..errors import InvalidArgumentError, shape_str
from . import array_ops, math_ops
from ._common import binary_operands, normalize_axis, to_tensor

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _is_tensor_like(x):
    return isinstance(x, Tensor) or hasattr(x, "_is_variable")


def _like(value, t):
    """Converts `value` to a Tensor; Python and NumPy values take the dtype of `t`."""
    return to_tensor(value) if _is_tensor_like(value) else to_tensor(value, dtype=t.dtype)


def _floating(features, op_name):
    t = to_tensor(features)
    if not t.dtype.is_floating:
        raise ValueError(f"{op_name}: features must be a floating-point tensor, got dtype "
                         f"{t.dtype.name}. Cast it first, e.g. tf.cast(x, tf.float32).")
    return t


# -- activations -----------------------------------------------------------------------------------
RELU = register_op(
    "Relu", lambda xp, x: xp.maximum(x, xp.zeros((), dtype=x.dtype)), kinds="iuf",
    grad=lambda e, dy: (execute(RELU_GRAD, (dy, e.outputs[0])),))
# dy where the ReLU's output is positive, else 0: one op in the backward pass (TF's ReluGrad).
RELU_GRAD = register_op(
    "ReluGrad", lambda xp, dy, y: dy * (y > 0),  # as TF's kernel: much faster than where()
    kinds="iuf", grad=lambda e, ddy: (execute(RELU_GRAD, (ddy, e.inputs[1])), None))


def relu(features, name=None):
    """Rectified linear unit, `max(features, 0)` (`tf.nn.relu`).

    Args:
        features: a real tensor (floating point or integer).

    Returns:
        A tensor of the same shape and dtype; the gradient is 0 where features <= 0.

    Example:
        >>> import flowgrad as tf
        >>> tf.nn.relu(tf.constant([-1., 2.])).numpy().tolist()
        [0.0, 2.0]
    """
    return execute(RELU, (to_tensor(features),))


def relu6(features, name=None):
    """Rectified linear 6, `min(max(features, 0), 6)` (`tf.nn.relu6`).

    Args:
        features: a real tensor.

    Returns:
        A tensor of the same shape and dtype.
    """
    t = to_tensor(features)
    return math_ops.minimum(relu(t), 6)


def leaky_relu(features, alpha=0.2, name=None):
    """Leaky ReLU: `features` where positive, `alpha * features` elsewhere (`tf.nn.leaky_relu`).

    Args:
        features: a real tensor; integers are converted to float32, as in TensorFlow.
        alpha: the slope for negative inputs.

    Returns:
        A floating-point tensor of the same shape.
    """
    t = to_tensor(features)
    if t.dtype.is_integer:
        t = math_ops.cast(t, _dtypes.float32)
    return math_ops.where(t > 0, t, t * alpha)


def _negative_exp_part(t):
    # expm1 only ever sees x <= 0, so the branch that `where` discards cannot overflow
    # and poison the gradient with inf * 0.
    return math_ops.expm1(math_ops.minimum(t, 0))


def elu(features, name=None):
    """Exponential linear unit: x for x > 0, exp(x) - 1 otherwise (`tf.nn.elu`).

    Args:
        features: a floating-point tensor.

    Returns:
        A tensor of the same shape and dtype.
    """
    t = _floating(features, "elu")
    return math_ops.where(t > 0, t, _negative_exp_part(t))


def selu(features, name=None):
    """Scaled exponential linear unit (`tf.nn.selu`).

    `scale * x` for x > 0 and `scale * alpha * (exp(x) - 1)` otherwise, with alpha ~ 1.6733 and
    scale ~ 1.0507.

    Args:
        features: a floating-point tensor.

    Returns:
        A tensor of the same shape and dtype.
    """
    t = _floating(features, "selu")
    return math_ops.where(t > 0, t, _negative_exp_part(t) * _SELU_ALPHA) * _SELU_SCALE


def gelu(features, approximate=False, name=None):
    """Gaussian error linear unit, `x * P(X <= x)` for standard normal X (`tf.nn.gelu`).

    Args:
        features: a floating-point tensor.
        approximate: use the tanh approximation instead of the exact erf form.

    Returns:
        A tensor of the same shape and dtype.
    """
    t = _floating(features, "gelu")
    if approximate:
        inner = (t + math_ops.pow(t, 3) * 0.044715) * _pymath.sqrt(2 / _pymath.pi)
        return t * 0.5 * (math_ops.tanh(inner) + 1)
    return t * 0.5 * (math_ops.erf(t * (1 / _pymath.sqrt(2))) + 1)


def silu(features, beta=1.0):
    """Sigmoid linear unit (swish), `features * sigmoid(beta * features)` (`tf.nn.silu`).

    Args:
        features: a floating-point tensor.
        beta: the sigmoid's slope.

    Returns:
        A tensor of the same shape and dtype.
    """
    t = _floating(features, "silu")
    return t * math_ops.sigmoid(t * beta if beta != 1.0 else t)


swish = silu


SOFTPLUS = register_op(
    "Softplus", lambda xp, x: xp.logaddexp(x, xp.zeros((), dtype=x.dtype)),
    kinds=REAL_FLOAT_KINDS, grad=lambda e, dy: (dy * math_ops.sigmoid(e.inputs[0]),))


def softplus(features, name=None):
    """`log(exp(features) + 1)`, computed without overflow (`tf.nn.softplus`).

    Args:
        features: a floating-point tensor.

    Returns:
        A tensor of the same shape and dtype; its gradient is `sigmoid(features)`.
    """
    return execute(SOFTPLUS, (to_tensor(features),))


def softsign(features, name=None):
    """`features / (abs(features) + 1)` (`tf.nn.softsign`).

    Args:
        features: a floating-point tensor.

    Returns:
        A tensor of the same shape and dtype.
    """
    t = _floating(features, "softsign")
    return t / (math_ops.abs(t) + 1)


# -- softmax ---------------------------------------------------------------------------------------
def _softmax_kernel(xp, x, axis):
    if x.shape[axis] == 0:
        return xp.zeros_like(x)
    e = xp.exp(x - x.max(axis=axis, keepdims=True))
    e /= e.sum(axis=axis, keepdims=True)
    return e


def _log_softmax_kernel(xp, x, axis):
    if x.shape[axis] == 0:
        return xp.zeros_like(x)
    shifted = x - xp.max(x, axis=axis, keepdims=True)
    return shifted - xp.log(xp.sum(xp.exp(shifted), axis=axis, keepdims=True))


def _softmax_grad(e, dy):
    y, axis = e.outputs[0], e.attrs["axis"]
    return (y * (dy - math_ops.reduce_sum(dy * y, axis=axis, keepdims=True)),)


def _log_softmax_grad(e, dy):
    y, axis = e.outputs[0], e.attrs["axis"]
    return (dy - math_ops.exp(y) * math_ops.reduce_sum(dy, axis=axis, keepdims=True),)


SOFTMAX = register_op("Softmax", _softmax_kernel, kinds=REAL_FLOAT_KINDS, grad=_softmax_grad)
LOG_SOFTMAX = register_op("LogSoftmax", _log_softmax_kernel, kinds=REAL_FLOAT_KINDS,
                          grad=_log_softmax_grad)


def _softmax_axis(t, axis, op_name):
    if t._value.ndim == 0:
        raise InvalidArgumentError(
            None, op_name, f"{op_name}: logits must have rank >= 1, got a scalar. "
            f"[Op:{op_name}]")
    return normalize_axis(-1 if axis is None else axis, t._value.ndim, op_name)[0]


def softmax(logits, axis=None, name=None):
    """`exp(logits) / reduce_sum(exp(logits), axis)`, computed stably (`tf.nn.softmax`).

    Args:
        logits: a floating-point tensor of rank >= 1.
        axis: the dimension softmax runs over; None means the last.

    Returns:
        A tensor of the same shape and dtype, summing to 1 along `axis`.

    Example:
        >>> import flowgrad as tf
        >>> tf.nn.softmax(tf.constant([0., 0.])).numpy().tolist()
        [0.5, 0.5]
    """
    t = to_tensor(logits)
    return execute(SOFTMAX, (t,), {"axis": _softmax_axis(t, axis, "Softmax")})


def log_softmax(logits, axis=None, name=None):
    """`logits - log(reduce_sum(exp(logits), axis))`, computed stably (`tf.nn.log_softmax`).

    Args:
        logits: a floating-point tensor of rank >= 1.
        axis: the dimension to normalize over; None means the last.

    Returns:
        A tensor of the same shape and dtype.
    """
    t = to_tensor(logits)
    return execute(LOG_SOFTMAX, (t,), {"axis": _softmax_axis(t, axis, "LogSoftmax")})


# -- cross-entropies -------------------------------------------------------------------------------
def sigmoid_cross_entropy_with_logits(labels=None, logits=None, name=None):
    """Elementwise logistic loss of logits (`tf.nn.sigmoid_cross_entropy_with_logits`).

    `-z log(sigmoid(x)) - (1 - z) log(1 - sigmoid(x))`, computed as `softplus(x) - x z`, which
    neither overflows nor loses precision for large |x|.

    Args:
        labels: targets z in [0, 1], the same shape as `logits`.
        logits: a floating-point tensor x.

    Returns:
        A tensor of the elementwise losses, the shape of `logits`.

    Raises:
        ValueError: labels and logits differ in shape, or one is missing.
    """
    if labels is None or logits is None:
        raise ValueError("sigmoid_cross_entropy_with_logits needs both labels= and logits=.")
    x, z = binary_operands(logits, labels, "SigmoidCrossEntropyWithLogits")
    if x._value.shape != z._value.shape:
        raise ValueError(f"sigmoid_cross_entropy_with_logits: logits and labels must have the "
                         f"same shape ({tuple(x._value.shape)} vs {tuple(z._value.shape)}).")
    return softplus(x) - x * z


def _xent_kernel(xp, logits, labels, axis):
    if logits.shape[axis] == 0:
        return xp.zeros(logits.shape[:axis] + logits.shape[axis + 1:], dtype=logits.dtype)
    shifted = logits - xp.max(logits, axis=axis, keepdims=True)
    log_probs = shifted - xp.log(xp.sum(xp.exp(shifted), axis=axis, keepdims=True))
    return -xp.sum(labels * log_probs, axis=axis)


def _xent_grad(e, dy):
    # The exact gradient of -sum(labels * log_softmax(logits)). It is softmax - labels when each
    # label row sums to 1, the case TensorFlow's fused kernel assumes.
    logits, labels = e.inputs
    axis = e.attrs["axis"]
    need_logits, need_labels = e.needs_grad
    dy = array_ops.expand_dims(dy, axis)
    g_logits = g_labels = None
    if need_logits:
        total = math_ops.reduce_sum(labels, axis=axis, keepdims=True)
        g_logits = dy * (softmax(logits, axis=axis) * total - labels)
    if need_labels:
        g_labels = -(dy * log_softmax(logits, axis=axis))
    return g_logits, g_labels


SOFTMAX_XENT = register_op("SoftmaxCrossEntropyWithLogits", _xent_kernel,
                           kinds=REAL_FLOAT_KINDS, grad=_xent_grad)


def softmax_cross_entropy_with_logits(labels, logits, axis=-1, name=None):
    """Softmax cross-entropy (`tf.nn.softmax_cross_entropy_with_logits`).

    `-sum(labels * log_softmax(logits), axis)` as one fused op: stable for any logits, with
    gradients for both logits and labels.

    Args:
        labels: a tensor of the shape of `logits`; each slice along `axis` is a distribution.
        logits: unscaled log-probabilities, a floating-point tensor of rank >= 1.
        axis: the class dimension.

    Returns:
        The losses, the shape of `logits` without `axis`.

    Raises:
        InvalidArgumentError: labels and logits differ in shape.
    """
    x, z = binary_operands(logits, labels, "SoftmaxCrossEntropyWithLogits")
    ax = _softmax_axis(x, axis, "SoftmaxCrossEntropyWithLogits")
    if x._value.shape != z._value.shape:
        raise InvalidArgumentError(
            None, "SoftmaxCrossEntropyWithLogits", f"logits and labels must have the same shape: "
            f"logits_size={shape_str(x._value.shape)} labels_size={shape_str(z._value.shape)} "
            "[Op:SoftmaxCrossEntropyWithLogits]. For integer class ids use "
            "tf.nn.sparse_softmax_cross_entropy_with_logits.")
    return execute(SOFTMAX_XENT, (x, z), {"axis": ax})


def _sparse_xent_kernel(xp, logits, labels):
    if logits.shape[-1] == 0:
        return xp.zeros(labels.shape, dtype=logits.dtype)
    shifted = logits - logits.max(axis=-1, keepdims=True)
    log_probs = shifted - xp.log(xp.exp(shifted).sum(axis=-1, keepdims=True))
    if log_probs.ndim == 2:  # the common (batch, classes) case: plain fancy indexing
        return -log_probs[xp.arange(log_probs.shape[0]), labels]
    return -xp.take_along_axis(log_probs, labels[..., None], axis=-1)[..., 0]


def _sparse_xent_grad(e, dy):
    logits, labels = e.inputs
    classes = logits._value.shape[-1]
    one_hot = math_ops.cast(math_ops.equal(array_ops.expand_dims(labels, -1),
                                           array_ops.range(classes, dtype=labels.dtype)),
                            logits.dtype)
    return array_ops.expand_dims(dy, -1) * (softmax(logits) - one_hot), None


SPARSE_SOFTMAX_XENT = register_op(
    "SparseSoftmaxCrossEntropyWithLogits", _sparse_xent_kernel, kinds=REAL_FLOAT_KINDS,
    kind_inputs=1, grad=_sparse_xent_grad)


def sparse_softmax_cross_entropy_with_logits(labels=None, logits=None, name=None):
    """Softmax cross-entropy of integer class ids.

    `tf.nn.sparse_softmax_cross_entropy_with_logits`: `-log_softmax(logits)[..., labels]` as one
    fused op, stable for any logits; labels get no gradient.

    Args:
        labels: int32 / int64 class ids in `[0, num_classes)`, shape `logits.shape[:-1]`.
        logits: unscaled log-probabilities of shape `[..., num_classes]`.

    Returns:
        The losses, shape `labels.shape`, the dtype of `logits`.

    Raises:
        InvalidArgumentError: a label is outside `[0, num_classes)`, the labels are not
            integers, or the shapes do not fit.
    """
    if labels is None or logits is None:
        raise ValueError("sparse_softmax_cross_entropy_with_logits needs both labels= and "
                         "logits=.")
    x = to_tensor(logits)
    z = to_tensor(labels)
    op = "SparseSoftmaxCrossEntropyWithLogits"
    if not z.dtype.is_integer:
        raise InvalidArgumentError(
            None, op, f"{op}: labels must be integer class ids (int32 or int64), got dtype "
            f"{z.dtype.name}. For one-hot or probability labels use "
            "tf.nn.softmax_cross_entropy_with_logits.")
    sx, sz = x._value.shape, z._value.shape
    if len(sx) == 0 or sx[:-1] != sz:
        raise InvalidArgumentError(
            None, op, f"{op}: the shape of labels (received {shape_str(sz)}) must equal the shape "
            f"of logits except for the last dimension (received {shape_str(sx)}). [Op:{op}]")
    classes = sx[-1]
    if z._value.size:
        lo, hi = int(z._value.min()), int(z._value.max())
        if lo < 0 or hi >= classes:
            shown = " ".join(str(v) for v in z.numpy().ravel()[:20])
            raise InvalidArgumentError(
                None, op, f"Received a label value of {lo if lo < 0 else hi} which is outside "
                f"the valid range of [0, {classes}). Label values: {shown} [Op:{op}]")
    return execute(SPARSE_SOFTMAX_XENT, (x, z))


# -- losses and normalization ----------------------------------------------------------------------
def l2_loss(t, name=None):
    """Half the sum of squares, `sum(t ** 2) / 2` (`tf.nn.l2_loss`).

    Args:
        t: a floating-point tensor.

    Returns:
        A scalar of the same dtype.
    """
    return math_ops.reduce_sum(math_ops.square(to_tensor(t))) * 0.5


def l2_normalize(x, axis=None, epsilon=1e-12, name=None, dim=None):
    """Divides by the L2 norm along `axis` (`tf.nn.l2_normalize`, `tf.linalg.l2_normalize`).

    Computes `x / sqrt(max(sum(x ** 2, axis), epsilon))`.

    Args:
        x: a floating-point tensor.
        axis: the dimension(s) to normalize over; None means all.
        epsilon: a lower bound on the squared norm, so zero vectors stay finite.
        dim: deprecated alias of `axis`.

    Returns:
        A tensor of the same shape and dtype.
    """
    t = to_tensor(x)
    if axis is None:
        axis = dim
    square_sum = math_ops.reduce_sum(math_ops.square(t), axis=axis, keepdims=True)
    return t * math_ops.rsqrt(math_ops.maximum(square_sum, epsilon))


def moments(x, axes, shift=None, keepdims=False, name=None):
    """Mean and (population) variance of `x` over `axes` (`tf.nn.moments`).

    Args:
        x: a floating-point tensor; float16 is computed in float32, as in TensorFlow.
        axes: the dimensions to reduce, e.g. `[0]` for a batch, `[0, 1, 2]` for NHWC images.
        shift: unused, as in TensorFlow 2.
        keepdims: keep the reduced dimensions with size 1.

    Returns:
        A `(mean, variance)` pair.
    """
    t = to_tensor(x)
    y = math_ops.cast(t, _dtypes.float32) if t.dtype == _dtypes.float16 else t
    mean = math_ops.reduce_mean(y, axis=axes, keepdims=True)
    variance = math_ops.reduce_mean(math_ops.squared_difference(y, mean), axis=axes,
                                    keepdims=True)
    if not keepdims:
        ax = normalize_axis(axes, t._value.ndim, "Moments")
        kept = [d for i, d in enumerate(t._value.shape) if ax is not None and i not in ax]
        mean, variance = array_ops.reshape(mean, kept), array_ops.reshape(variance, kept)
    if y is not t:
        mean, variance = math_ops.cast(mean, t.dtype), math_ops.cast(variance, t.dtype)
    return mean, variance


def batch_normalization(x, mean, variance, offset, scale, variance_epsilon, name=None):
    """Normalizes with given statistics (`tf.nn.batch_normalization`).

    Computes `scale * (x - mean) / sqrt(variance + variance_epsilon) + offset`.

    Args:
        x: a floating-point tensor.
        mean, variance: tensors broadcastable to `x`, e.g. from `tf.nn.moments`.
        offset: the beta term, or None.
        scale: the gamma term, or None.
        variance_epsilon: a small float added to the variance.

    Returns:
        The normalized tensor, the shape of `x`.
    """
    t = to_tensor(x)
    mean, variance = _like(mean, t), _like(variance, t)
    inv = math_ops.rsqrt(variance + variance_epsilon)
    if scale is not None:
        inv = inv * _like(scale, t)
    shift = -mean * inv if offset is None else _like(offset, t) - mean * inv
    return t * inv + shift


def bias_add(value, bias, data_format=None, name=None):
    """Adds a 1-D bias along the channel dimension (`tf.nn.bias_add`).

    Args:
        value: a tensor of rank >= 2.
        bias: a 1-D tensor whose size is the channel count.
        data_format: None, "NHWC" or "N...C" (channels last), or "NCHW" or "NC..." (channels
            second).

    Returns:
        A tensor the shape of `value`.

    Raises:
        InvalidArgumentError: the bias is not 1-D or does not match the channel dimension.
    """
    v, b = binary_operands(value, bias, "BiasAdd")
    if data_format is None or (data_format.startswith("N") and data_format.endswith("C")):
        channel_axis, where = -1, "last"
    elif data_format.startswith("NC"):
        channel_axis, where = 1, "channel (second)"
    else:
        raise ValueError(f"bias_add: data_format must be 'NHWC' / 'N...C' (channels last) or "
                         f"'NCHW' / 'NC...' (channels second), got {data_format!r}.")
    sv, sb = v._value.shape, b._value.shape
    if len(sv) < 2:
        raise InvalidArgumentError(
            None, "BiasAdd", f"Input tensor must be at least 2D: {shape_str(sv)} [Op:BiasAdd]. "
            "Add a batch dimension, e.g. tf.expand_dims(x, 0).")
    if len(sb) != 1:
        raise InvalidArgumentError(
            None, "BiasAdd", f"Biases must be 1D: {shape_str(sb)} [Op:BiasAdd]. Reshape the "
            "bias to [channels].")
    channels = sv[channel_axis]
    if sb[0] != channels:
        raise InvalidArgumentError(
            None, "BiasAdd", f"Must provide as many biases as the {where} dimension of the input "
            f"tensor: {shape_str(sb)} vs. {shape_str(sv)} [Op:BiasAdd] (data_format="
            f"{data_format!r}).")
    if channel_axis == 1:
        b = array_ops.reshape(b, (channels,) + (1,) * (len(sv) - 2))
    return math_ops.add(v, b)


def dropout(x, rate, noise_shape=None, seed=None, name=None):
    """Randomly zeroes elements with probability `rate` (`tf.nn.dropout`).

    Kept elements are scaled by `1 / (1 - rate)`, so the expected value is unchanged.

    Args:
        x: a floating-point tensor.
        rate: the drop probability, a float (or scalar tensor) in [0, 1).
        noise_shape: the shape of the random keep mask, broadcastable to `x`'s shape (None
            entries take `x`'s dimension); e.g. `[batch, 1, 1, channels]` drops whole channels.
        seed: an int seed for the mask.

    Returns:
        A tensor the shape of `x`.

    Raises:
        ValueError: `rate` is outside [0, 1), `x` is not floating point, or `noise_shape` does
            not broadcast to `x`.
    """
    t = to_tensor(x)
    if not t.dtype.is_floating:
        raise ValueError(f"dropout: x has to be a floating point tensor since it's going to be "
                         f"scaled. Got a {t.dtype.name} tensor instead.")
    r = float(to_tensor(rate).numpy()) if _is_tensor_like(rate) else rate
    if isinstance(r, bool) or not isinstance(r, (int, float, np.integer, np.floating)) or \
            not 0 <= r < 1:
        raise ValueError(f"dropout: rate must be a scalar tensor or a float in the range [0, 1), "
                         f"got {rate!r}.")
    if r == 0:
        return t
    shape = t._value.shape
    if noise_shape is None:
        mask_shape = shape
    else:
        if _is_tensor_like(noise_shape):
            noise_shape = to_tensor(noise_shape).numpy().tolist()
        mask_shape = tuple(d if n is None else int(n)
                           for n, d in zip(noise_shape, shape)) \
            if len(noise_shape) == len(shape) else tuple(noise_shape)
        if len(mask_shape) != len(shape) or any(m not in (1, d) for m, d in zip(mask_shape, shape)):
            raise ValueError(f"dropout: noise_shape {list(noise_shape)} must have the rank of x "
                             f"(shape {list(shape)}) and each dimension equal to x's or 1.")
    from . import random_ops
    if noise_shape is None and array_ops._poly(t):  # batch size known only at run time
        keep = random_ops.uniform_like(t, seed=seed) >= r
    else:
        keep = random_ops.uniform(mask_shape, dtype=t.dtype, seed=seed) >= r
    return math_ops.where(keep, t * (1 / (1 - r)), array_ops.zeros_like(t))
