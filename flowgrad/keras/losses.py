"""`tf.keras.losses`: loss functions and the `Loss` classes that reduce them.

Two forms, as in Keras:

* functions (`mean_squared_error`, `binary_crossentropy`, ...) take `(y_true, y_pred)` and
  return one loss per sample: the elementwise loss reduced over the last axis (the
  cross-entropies over `axis`), e.g. shape `(batch,)` for `(batch, d)` inputs;
* classes (`MeanSquaredError`, `BinaryCrossentropy`, ...) are called as
  `loss(y_true, y_pred, sample_weight=None)` and reduce the per-sample losses, weighted by
  `sample_weight`, with their `reduction`: "sum_over_batch_size" (the default; "auto" is the
  Keras 2 spelling of it), "sum" or "none".

`y_pred` is converted to a Tensor (integers become float32) and `y_true` is cast to its dtype.
Probabilities are clipped to `[1e-7, 1 - 1e-7]` before logarithms, as Keras does. All code paths
use flowgrad ops only, so losses run under `GradientTape` and inside traced functions.

Example:
    >>> import flowgrad as tf
    >>> round(float(tf.keras.losses.MeanSquaredError()([1.0], [0.8])), 6)
    0.04
    >>> tf.keras.losses.mse([[0.0, 1.0]], [[1.0, 1.0]]).numpy().tolist()
    [0.5]
"""

import math as _pymath

from .. import dtypes as _dtypes
from ..core.tensor import Tensor
from ..errors import InvalidArgumentError
from ..ops import array_ops, math_ops, nn_ops
from ..ops._common import to_tensor
from . import _serialization as _ser
from ._serialization import _to_snake

__all__ = [
    "BinaryCrossentropy",
    "BinaryFocalCrossentropy",
    "CategoricalCrossentropy",
    "CategoricalHinge",
    "CosineSimilarity",
    "Hinge",
    "Huber",
    "KLDivergence",
    "LogCosh",
    "Loss",
    "LossFunctionWrapper",
    "MeanAbsoluteError",
    "MeanAbsolutePercentageError",
    "MeanSquaredError",
    "MeanSquaredLogarithmicError",
    "Poisson",
    "Reduction",
    "SparseCategoricalCrossentropy",
    "SquaredHinge",
    "binary_crossentropy",
    "binary_focal_crossentropy",
    "categorical_crossentropy",
    "categorical_hinge",
    "compute_weighted_loss",
    "cosine_similarity",
    "deserialize",
    "get",
    "hinge",
    "huber",
    "kl_divergence",
    "log_cosh",
    "mean_absolute_error",
    "mean_absolute_percentage_error",
    "mean_squared_error",
    "mean_squared_logarithmic_error",
    "poisson",
    "serialize",
    "sparse_categorical_crossentropy",
    "squared_hinge",
]

EPSILON = 1e-7  # Keras' backend.epsilon()


class Reduction:
    """The reduction names a `Loss` accepts (`tf.keras.losses.Reduction`)."""

    AUTO = "auto"
    NONE = "none"
    SUM = "sum"
    SUM_OVER_BATCH_SIZE = "sum_over_batch_size"
    MEAN_WITH_SAMPLE_WEIGHT = "mean_with_sample_weight"

    @classmethod
    def all(cls):
        return (cls.AUTO, cls.NONE, cls.SUM, cls.SUM_OVER_BATCH_SIZE, cls.MEAN_WITH_SAMPLE_WEIGHT)

    @classmethod
    def validate(cls, key):
        if key not in cls.all():
            raise ValueError(f"Invalid Reduction Key: {key!r}. Expected one of "
                             f"{list(cls.all())}.")


# -- shared helpers --------------------------------------------------------------------------------
def _tensor(x):
    if type(x) is Tensor:
        return x
    if hasattr(x, "_is_variable"):
        return x.read_value()
    return to_tensor(x)


def _cast_to(x, dtype):
    """Converts `x` to `dtype`: Python values are converted directly (no float32 detour)."""
    if type(x) is Tensor or isinstance(x, Tensor) or hasattr(x, "_is_variable"):
        t = _tensor(x)
        return t if t.dtype == dtype else math_ops.cast(t, dtype)
    try:
        return to_tensor(x, dtype=dtype)
    except (TypeError, ValueError):
        return math_ops.cast(to_tensor(x), dtype)


def _prepare(y_true, y_pred):
    """Returns (y_true, y_pred) as Tensors: y_pred floating point, y_true cast to its dtype."""
    p = _tensor(y_pred)
    if not p.dtype.is_floating:
        p = math_ops.cast(p, _dtypes.float32)
    return _cast_to(y_true, p.dtype), p


def _dims(t):
    s = t.shape
    return None if s.rank is None else tuple(s.as_list())


def _shape_str(t):
    d = _dims(t)
    return "<unknown>" if d is None else str(d)


def _broadcastable(a, b):
    if a is None or b is None:
        return True
    for x, y in zip(reversed(a), reversed(b)):
        if x is not None and y is not None and x != y and x != 1 and y != 1:
            return False
    return True


def _check_broadcast(y_true, y_pred, name):
    if not _broadcastable(_dims(y_true), _dims(y_pred)):
        raise InvalidArgumentError(
            None, name, f"{name}: y_true and y_pred have incompatible shapes: "
            f"y_true.shape={_shape_str(y_true)} vs. y_pred.shape={_shape_str(y_pred)}. They must "
            f"be equal or broadcastable.")


def _check_same(y_true, y_pred, name):
    a, b = _dims(y_true), _dims(y_pred)
    if a is None or b is None:
        return
    if len(a) != len(b) or any(x is not None and y is not None and x != y for x, y in zip(a, b)):
        raise ValueError(f"{name}: Shapes {a} and {b} are incompatible: y_true.shape={a} must "
                         f"equal y_pred.shape={b}. For integer class labels use the sparse_ "
                         f"variant.")


def squeeze_or_expand_dimensions(y_pred, y_true=None, sample_weight=None):
    """Matches ranks as Keras does before an elementwise loss or a weighting.

    `y_pred` and `y_true` whose ranks differ by one lose the trailing size-1 dimension of the
    larger; `sample_weight` of rank one higher than `y_pred` loses its trailing size-1
    dimension, and of rank one lower gains one. Static shapes only: no data-dependent work.

    Returns:
        `(y_pred, y_true)` or `(y_pred, y_true, sample_weight)` when a weight is given.
    """
    if y_true is not None:
        rp, rt = y_pred.shape.rank, y_true.shape.rank
        if rp is not None and rt is not None:
            if rp - rt == 1 and y_pred.shape[-1] == 1:
                y_pred = array_ops.squeeze(y_pred, [-1])
            elif rt - rp == 1 and y_true.shape[-1] == 1:
                y_true = array_ops.squeeze(y_true, [-1])
    if sample_weight is None:
        return y_pred, y_true
    rw, rp = sample_weight.shape.rank, y_pred.shape.rank
    if rw is not None and rp is not None and rw:
        if rw - rp == 1 and sample_weight.shape[-1] == 1:
            sample_weight = array_ops.squeeze(sample_weight, [-1])
        elif rp - rw == 1:
            sample_weight = array_ops.expand_dims(sample_weight, -1)
    return y_pred, y_true, sample_weight


def _match_ranks(y_true, y_pred):
    """Gives the lower-rank of the two a trailing axis when the other ends in a size-1 axis, so
    `(batch,)` targets and `(batch, 1)` predictions give one loss per sample."""
    rt, rp = y_true.shape.rank, y_pred.shape.rank
    if rt is None or rp is None:
        return y_true, y_pred
    if rp - rt == 1 and y_pred.shape[-1] == 1:
        y_true = array_ops.expand_dims(y_true, -1)
    elif rt - rp == 1 and y_true.shape[-1] == 1:
        y_pred = array_ops.expand_dims(y_pred, -1)
    return y_true, y_pred


def _num_elements(t):
    n = t.shape.num_elements()
    if n is not None:
        return array_ops.constant(float(n), dtype=t.dtype)
    return math_ops.cast(array_ops.size(t), t.dtype)


def compute_weighted_loss(losses, sample_weight=None, reduction="sum_over_batch_size",
                          mask=None, name="loss"):
    """Weights per-sample losses and reduces them (what `Loss.__call__` does after `call`).

    Args:
        losses: the unreduced losses.
        sample_weight: None, a scalar, or a tensor broadcastable to `losses` after rank
            matching (a `(batch,)` weight scales each sample of `(batch, d)` losses).
        reduction: "sum_over_batch_size" / "auto" (sum divided by the number of loss elements),
            "sum", "none", or "mean_with_sample_weight" (sum divided by the sum of weights).
        mask: an optional boolean tensor of valid entries (e.g. labels not equal to
            `ignore_class`); the mean then runs over the valid entries only.
        name: the loss named in error messages.

    Returns:
        A scalar, or the weighted losses for "none".

    Raises:
        ValueError: the sample weight does not broadcast to the losses.
    """
    Reduction.validate(reduction)
    losses = _tensor(losses)
    if not losses.dtype.is_floating:
        losses = math_ops.cast(losses, _dtypes.float32)
    dtype = losses.dtype
    sw = None
    if sample_weight is not None:
        sw = _cast_to(sample_weight, dtype)
        _, _, sw = squeeze_or_expand_dimensions(losses, None, sw)
        if not _broadcastable(_dims(sw), _dims(losses)):
            raise ValueError(f"{name}: sample_weight of shape {_shape_str(sw)} cannot be "
                             f"broadcast to the per-sample losses of shape "
                             f"{_shape_str(losses)}. Give one weight per sample (a vector as "
                             f"long as the batch) or weights of the losses' shape.")
    if mask is not None:
        m = math_ops.cast(mask, dtype)
        if reduction in (Reduction.AUTO, Reduction.SUM_OVER_BATCH_SIZE):
            # Valid entries weigh total/valid, so the mean over all runs over the valid ones.
            m = m * math_ops.divide_no_nan(_num_elements(m), math_ops.reduce_sum(m))
        sw = m if sw is None else sw * m
    weighted = losses if sw is None else losses * sw
    if reduction == Reduction.NONE:
        return weighted
    total = math_ops.reduce_sum(weighted)
    if reduction == Reduction.SUM:
        return total
    if reduction == Reduction.MEAN_WITH_SAMPLE_WEIGHT and sw is not None:
        return math_ops.divide_no_nan(
            total, math_ops.reduce_sum(sw * array_ops.ones_like(weighted)))
    return math_ops.divide_no_nan(total, _num_elements(weighted))


# -- loss functions --------------------------------------------------------------------------------
def mean_squared_error(y_true, y_pred):
    """`mean(square(y_true - y_pred), axis=-1)`.

    Example:
        >>> import flowgrad as tf
        >>> tf.keras.losses.mean_squared_error([[1.0, 1.0]], [[0.0, 1.0]]).numpy().tolist()
        [0.5]
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    _check_broadcast(y_true, y_pred, "mean_squared_error")
    return math_ops.reduce_mean(math_ops.squared_difference(y_pred, y_true), axis=-1)


def mean_absolute_error(y_true, y_pred):
    """`mean(abs(y_true - y_pred), axis=-1)`."""
    y_true, y_pred = _prepare(y_true, y_pred)
    _check_broadcast(y_true, y_pred, "mean_absolute_error")
    return math_ops.reduce_mean(math_ops.abs(y_pred - y_true), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    """`100 * mean(abs((y_true - y_pred) / max(abs(y_true), 1e-7)), axis=-1)`."""
    y_true, y_pred = _prepare(y_true, y_pred)
    _check_broadcast(y_true, y_pred, "mean_absolute_percentage_error")
    diff = math_ops.abs((y_true - y_pred) / math_ops.maximum(math_ops.abs(y_true), EPSILON))
    return math_ops.reduce_mean(diff, axis=-1) * 100.0


def mean_squared_logarithmic_error(y_true, y_pred):
    """`mean(square(log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1)), axis=-1)`."""
    y_true, y_pred = _prepare(y_true, y_pred)
    _check_broadcast(y_true, y_pred, "mean_squared_logarithmic_error")
    a = math_ops.log(math_ops.maximum(y_pred, EPSILON) + 1.0)
    b = math_ops.log(math_ops.maximum(y_true, EPSILON) + 1.0)
    return math_ops.reduce_mean(math_ops.squared_difference(a, b), axis=-1)


def huber(y_true, y_pred, delta=1.0):
    """Huber loss: `0.5 e^2` where `|e| <= delta`, `delta (|e| - delta / 2)` elsewhere, mean over
    the last axis (`e = y_pred - y_true`)."""
    y_true, y_pred = _prepare(y_true, y_pred)
    _check_broadcast(y_true, y_pred, "huber_loss")
    error = y_pred - y_true
    abs_error = math_ops.abs(error)
    quadratic = math_ops.square(error) * 0.5
    linear = abs_error * delta - 0.5 * delta * delta
    return math_ops.reduce_mean(math_ops.where(abs_error <= delta, quadratic, linear), axis=-1)


def log_cosh(y_true, y_pred):
    """`mean(log(cosh(y_pred - y_true)), axis=-1)`, computed without overflow."""
    y_true, y_pred = _prepare(y_true, y_pred)
    _check_broadcast(y_true, y_pred, "log_cosh")
    x = y_pred - y_true
    return math_ops.reduce_mean(x + nn_ops.softplus(x * -2.0) - _pymath.log(2.0), axis=-1)


def _smooth_binary(y_true, label_smoothing):
    if label_smoothing:
        return y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    return y_true


def _elementwise_bce(target, output, from_logits, name):
    if from_logits:
        a, b = _dims(target), _dims(output)
        if a is not None and b is not None and a != b:
            if not _broadcastable(a, b):
                _check_broadcast(target, output, name)
            shape = array_ops.shape(target + output)
            target = array_ops.broadcast_to(target, shape)
            output = array_ops.broadcast_to(output, shape)
        return nn_ops.sigmoid_cross_entropy_with_logits(labels=target, logits=output)
    _check_broadcast(target, output, name)
    output = math_ops.clip_by_value(output, EPSILON, 1.0 - EPSILON)
    return -(target * math_ops.log(output + EPSILON)
             + (1.0 - target) * math_ops.log(1.0 - output + EPSILON))


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary cross-entropy, averaged over `axis`.

    Args:
        y_true: targets in [0, 1].
        y_pred: probabilities, or logits with `from_logits=True`.
        from_logits: whether `y_pred` are logits.
        label_smoothing: in [0, 1]; targets move towards 0.5 by this fraction.
        axis: the axis averaged over.

    Example:
        >>> import flowgrad as tf
        >>> round(float(tf.keras.losses.binary_crossentropy([1.0], [0.5])), 4)
        0.6931
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    y_true = _smooth_binary(y_true, label_smoothing)
    bce = _elementwise_bce(y_true, y_pred, from_logits, "binary_crossentropy")
    return math_ops.reduce_mean(bce, axis=axis)


def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25, gamma=2.0,
                              from_logits=False, label_smoothing=0.0, axis=-1):
    """Focal binary cross-entropy: `(1 - p_t) ** gamma * bce`, averaged over `axis`.

    `p_t` is the probability of the true class. With `apply_class_balancing`, positives weigh
    `alpha` and negatives `1 - alpha`.
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    y_true = _smooth_binary(y_true, label_smoothing)
    prob = math_ops.sigmoid(y_pred) if from_logits else y_pred
    p_t = y_true * prob + (1.0 - y_true) * (1.0 - prob)
    focal = math_ops.pow(1.0 - p_t, gamma)
    loss = focal * _elementwise_bce(y_true, y_pred, from_logits, "binary_focal_crossentropy")
    if apply_class_balancing:
        loss = (y_true * alpha + (1.0 - y_true) * (1.0 - alpha)) * loss
    return math_ops.reduce_mean(loss, axis=axis)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Cross-entropy of one-hot (or probability) targets, summed over `axis`.

    Probabilities are renormalized to sum to 1 along `axis`, then clipped to [1e-7, 1 - 1e-7].

    Raises:
        ValueError: y_true and y_pred differ in shape.

    Example:
        >>> import flowgrad as tf
        >>> loss = tf.keras.losses.categorical_crossentropy([[0., 1.]], [[0.5, 0.5]])
        >>> round(float(loss[0]), 4)
        0.6931
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    _check_same(y_true, y_pred, "categorical_crossentropy")
    if label_smoothing:
        classes = y_true.shape[axis]
        n = float(classes) if classes is not None else \
            math_ops.cast(array_ops.shape(y_true)[axis], y_true.dtype)
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / n
    if from_logits:
        return nn_ops.softmax_cross_entropy_with_logits(labels=y_true, logits=y_pred, axis=axis)
    probs = y_pred / math_ops.reduce_sum(y_pred, axis=axis, keepdims=True)
    probs = math_ops.clip_by_value(probs, EPSILON, 1.0 - EPSILON)
    return -math_ops.reduce_sum(y_true * math_ops.log(probs), axis=axis)


def _sparse_labels(y_true, y_pred, name):
    """Integer labels matching `y_pred.shape[:-1]`: (batch, 1) labels lose their last axis."""
    labels = _tensor(y_true)
    if labels.dtype not in (_dtypes.int32, _dtypes.int64):
        labels = math_ops.cast(labels, _dtypes.int64)
    lt, lp = labels.shape.rank, y_pred.shape.rank
    if lt is not None and lp is not None:
        if lp == 0:
            raise ValueError(f"{name}: y_pred must have rank >= 1 (a class axis), got a scalar.")
        if lt == lp and labels.shape[-1] == 1:
            labels = array_ops.squeeze(labels, [-1])
        a, b = _dims(labels), _dims(y_pred)[:-1]
        ok = len(a) == len(b) and all(x is None or y is None or x == y for x, y in zip(a, b))
        if not ok:
            na = labels.shape.num_elements()
            nb = None if any(d is None for d in b) else int(_pymath.prod(b))
            if na is not None and na == nb:
                labels = array_ops.reshape(labels, b)  # Keras flattens mismatched labels
            else:
                raise InvalidArgumentError(
                    None, name, f"{name}: the labels' shape must equal y_pred's shape without its "
                    f"last (class) axis. Received: y_true.shape={_dims(_tensor(y_true))} and "
                    f"y_pred.shape={_dims(y_pred)}; expected y_true of shape {b} or "
                    f"{b + (1,)}. For one-hot labels use categorical_crossentropy.")
    return labels


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, axis=-1,
                                    ignore_class=None):
    """Cross-entropy of integer class labels.

    Args:
        y_true: class ids of shape `y_pred.shape[:-1]` (or with a trailing 1).
        y_pred: probabilities (renormalized, clipped) or logits with `from_logits=True`.
        from_logits: whether `y_pred` are logits.
        axis: the class axis.
        ignore_class: a label value whose entries get loss 0.

    Returns:
        The losses, of shape `y_pred.shape` without the class axis.

    Example:
        >>> import flowgrad as tf
        >>> loss = tf.keras.losses.sparse_categorical_crossentropy([1], [[0.5, 0.5]])
        >>> round(float(loss[0]), 4)
        0.6931
    """
    losses, _ = _sparse_ce(y_true, y_pred, from_logits, axis, ignore_class)
    return losses


def _sparse_ce(y_true, y_pred, from_logits, axis, ignore_class):
    name = "sparse_categorical_crossentropy"
    p = _tensor(y_pred)
    if not p.dtype.is_floating:
        p = math_ops.cast(p, _dtypes.float32)
    rank = p.shape.rank
    if rank is not None and axis not in (-1, rank - 1):
        ax = axis % rank
        perm = [i for i in range(rank) if i != ax] + [ax]
        p = array_ops.transpose(p, perm)
    labels = _sparse_labels(y_true, p, name)
    mask = None
    if ignore_class is not None:
        mask = math_ops.not_equal(labels, ignore_class)
        labels = math_ops.where(mask, labels, array_ops.zeros_like(labels))
    logits = p if from_logits else math_ops.log(math_ops.clip_by_value(p, EPSILON, 1.0 - EPSILON))
    losses = nn_ops.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    if mask is not None:
        losses = math_ops.where(mask, losses, array_ops.zeros_like(losses))
    return losses, mask


def kl_divergence(y_true, y_pred):
    """Kullback-Leibler divergence `sum(y_true * log(y_true / y_pred), axis=-1)`, both clipped to
    [1e-7, 1]."""
    y_true, y_pred = _prepare(y_true, y_pred)
    _check_broadcast(y_true, y_pred, "kl_divergence")
    t = math_ops.clip_by_value(y_true, EPSILON, 1.0)
    p = math_ops.clip_by_value(y_pred, EPSILON, 1.0)
    return math_ops.reduce_sum(t * math_ops.log(t / p), axis=-1)


def poisson(y_true, y_pred):
    """`mean(y_pred - y_true * log(y_pred + 1e-7), axis=-1)`."""
    y_true, y_pred = _prepare(y_true, y_pred)
    _check_broadcast(y_true, y_pred, "poisson")
    return math_ops.reduce_mean(y_pred - y_true * math_ops.log(y_pred + EPSILON), axis=-1)


def _signed_labels(y_true):
    """Labels given as 0/1 become -1/1 (decided over the whole tensor, with ops only)."""
    binary = math_ops.reduce_all(math_ops.logical_or(math_ops.equal(y_true, 0.0),
                                                     math_ops.equal(y_true, 1.0)))
    return math_ops.where(binary, y_true * 2.0 - 1.0, y_true)


def hinge(y_true, y_pred):
    """`mean(max(1 - y_true * y_pred, 0), axis=-1)`; 0/1 labels are converted to -1/1."""
    y_true, y_pred = _prepare(y_true, y_pred)
    _check_broadcast(y_true, y_pred, "hinge")
    y_true = _signed_labels(y_true)
    return math_ops.reduce_mean(math_ops.maximum(1.0 - y_true * y_pred, 0.0), axis=-1)


def squared_hinge(y_true, y_pred):
    """`mean(square(max(1 - y_true * y_pred, 0)), axis=-1)`; 0/1 labels become -1/1."""
    y_true, y_pred = _prepare(y_true, y_pred)
    _check_broadcast(y_true, y_pred, "squared_hinge")
    y_true = _signed_labels(y_true)
    return math_ops.reduce_mean(math_ops.square(math_ops.maximum(1.0 - y_true * y_pred, 0.0)),
                                axis=-1)


def categorical_hinge(y_true, y_pred):
    """`max(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0)` over the last axis."""
    y_true, y_pred = _prepare(y_true, y_pred)
    _check_broadcast(y_true, y_pred, "categorical_hinge")
    pos = math_ops.reduce_sum(y_true * y_pred, axis=-1)
    neg = math_ops.reduce_max((1.0 - y_true) * y_pred, axis=-1)
    return math_ops.maximum(neg - pos + 1.0, 0.0)


def cosine_similarity(y_true, y_pred, axis=-1):
    """Negative cosine similarity along `axis` (-1 for identical directions, so minimizing it
    aligns the vectors)."""
    y_true, y_pred = _prepare(y_true, y_pred)
    _check_broadcast(y_true, y_pred, "cosine_similarity")
    t = nn_ops.l2_normalize(y_true, axis=axis)
    p = nn_ops.l2_normalize(y_pred, axis=axis)
    return -math_ops.reduce_sum(t * p, axis=axis)


# Keras aliases of the functions
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh
huber_loss = huber


# -- Loss classes ----------------------------------------------------------------------------------
class Loss(_ser.ConfigMixin):
    """Base class of losses: subclasses implement `call(y_true, y_pred)` returning unreduced
    (e.g. per-sample) losses; `__call__` weights and reduces them.

    Args:
        reduction: "sum_over_batch_size" (also "auto"), "sum", "none" or
            "mean_with_sample_weight".
        name: the loss name.
        dtype: if given, y_pred is cast to it before `call`.

    Example:
        >>> import flowgrad as tf
        >>> class MyMSE(tf.keras.losses.Loss):
        ...     def call(self, y_true, y_pred):
        ...         return tf.reduce_mean(tf.square(y_true - y_pred), axis=-1)
        >>> float(MyMSE()(tf.constant([[1.0]]), tf.constant([[3.0]])))
        4.0
    """

    def __init__(self, reduction="sum_over_batch_size", name=None, dtype=None):
        if reduction is None:
            reduction = Reduction.NONE
        Reduction.validate(reduction)
        self.reduction = reduction
        self.name = name if name is not None else _to_snake(type(self).__name__)
        self.dtype = None if dtype is None else _dtypes.as_dtype(dtype)

    def call(self, y_true, y_pred):
        """The unreduced losses; subclasses override it."""
        raise NotImplementedError(f"{type(self).__name__} must implement "
                                  f"call(y_true, y_pred).")

    def _call_with_mask(self, y_true, y_pred):
        return self.call(y_true, y_pred), None

    def __call__(self, y_true, y_pred, sample_weight=None):
        """Computes the weighted, reduced loss.

        Args:
            y_true: the targets.
            y_pred: the predictions.
            sample_weight: None, a scalar, or per-sample (or per-element) weights.

        Returns:
            A scalar Tensor (or the weighted losses with reduction "none").
        """
        if self.dtype is not None:
            y_pred = _cast_to(y_pred, self.dtype)
        losses, mask = self._call_with_mask(y_true, y_pred)
        return compute_weighted_loss(losses, sample_weight, self.reduction, mask=mask,
                                     name=self.name)

    # get_config() gives `{"reduction": ..., "name": ...}` plus the subclass's arguments.
    _config_keys = ("reduction", "name")
    _repr_keys = ("name", "reduction")


class LossFunctionWrapper(Loss):
    """Wraps a per-sample loss function `fn(y_true, y_pred, **kwargs)` as a `Loss`.

    Before calling `fn`, y_pred is converted (integers become float32), y_true is cast to its
    dtype, and when one of the two has rank one higher and ends in a size-1 axis, the other
    gains that axis (so `(batch,)` targets and `(batch, 1)` predictions give one loss per
    sample, as in Keras 3).

    Example:
        >>> import flowgrad as tf
        >>> loss = tf.keras.losses.LossFunctionWrapper(tf.keras.losses.mae, name="mae")
        >>> float(loss([[1.0, 2.0]], [[2.0, 2.0]]))
        0.5
    """

    _squeeze = True

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        if name is None:
            name = getattr(fn, "__name__", None) or _to_snake(type(self).__name__)
        super().__init__(reduction=reduction, name=name, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def _inputs(self, y_true, y_pred):
        y_true, y_pred = _prepare(y_true, y_pred)
        if self._squeeze:
            y_true, y_pred = _match_ranks(y_true, y_pred)
        return y_true, y_pred

    def call(self, y_true, y_pred):
        y_true, y_pred = self._inputs(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        config = super().get_config()
        config.update(self._fn_kwargs)
        if type(self) is LossFunctionWrapper:
            config["fn"] = serialize(self.fn)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if cls is LossFunctionWrapper and "fn" in config:
            fn = config.pop("fn")
            return cls(get(fn) if isinstance(fn, (str, dict)) else fn, **config)
        return cls(**config)


class MeanSquaredError(LossFunctionWrapper):
    """Mean of squares of errors (`mean_squared_error`), reduced over the batch.

    Example:
        >>> import flowgrad as tf
        >>> round(float(tf.keras.losses.MeanSquaredError()([[0., 1.]], [[1., 1.]])), 4)
        0.5
    """

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, reduction=reduction, name=name, dtype=dtype)


class MeanAbsoluteError(LossFunctionWrapper):
    """Mean of absolute errors (`mean_absolute_error`)."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, reduction=reduction, name=name, dtype=dtype)


class MeanAbsolutePercentageError(LossFunctionWrapper):
    """Mean absolute percentage error (`mean_absolute_percentage_error`)."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_percentage_error",
                 dtype=None):
        super().__init__(mean_absolute_percentage_error, reduction=reduction, name=name,
                         dtype=dtype)


class MeanSquaredLogarithmicError(LossFunctionWrapper):
    """Mean squared logarithmic error (`mean_squared_logarithmic_error`)."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_logarithmic_error",
                 dtype=None):
        super().__init__(mean_squared_logarithmic_error, reduction=reduction, name=name,
                         dtype=dtype)


class Huber(LossFunctionWrapper):
    """Huber loss with threshold `delta` (`huber`)."""

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss", dtype=None):
        super().__init__(huber, reduction=reduction, name=name, dtype=dtype, delta=delta)


class LogCosh(LossFunctionWrapper):
    """Mean of `log(cosh(error))` (`log_cosh`)."""

    def __init__(self, reduction="sum_over_batch_size", name="log_cosh", dtype=None):
        super().__init__(log_cosh, reduction=reduction, name=name, dtype=dtype)


class BinaryCrossentropy(LossFunctionWrapper):
    """Binary cross-entropy (`binary_crossentropy`).

    Args:
        from_logits: whether y_pred are logits (more stable) instead of probabilities.
        label_smoothing: moves targets towards 0.5 by this fraction.
        axis: the axis averaged over per sample.

    Example:
        >>> import flowgrad as tf
        >>> bce = tf.keras.losses.BinaryCrossentropy(from_logits=True)
        >>> round(float(bce([[1.0]], [[0.0]])), 4)
        0.6931
    """

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="binary_crossentropy", dtype=None):
        super().__init__(binary_crossentropy, reduction=reduction, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits


class BinaryFocalCrossentropy(LossFunctionWrapper):
    """Focal binary cross-entropy (`binary_focal_crossentropy`), which down-weights easy
    examples by `(1 - p_t) ** gamma`."""

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
                 label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_focal_crossentropy", dtype=None):
        super().__init__(binary_focal_crossentropy, reduction=reduction, name=name, dtype=dtype,
                         apply_class_balancing=apply_class_balancing, alpha=alpha, gamma=gamma,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits


class CategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy of one-hot targets (`categorical_crossentropy`).

    Args:
        from_logits: whether y_pred are logits instead of probabilities.
        label_smoothing: mixes the targets with the uniform distribution by this fraction.
        axis: the class axis.
    """

    _squeeze = False

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_crossentropy", dtype=None):
        super().__init__(categorical_crossentropy, reduction=reduction, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy of integer class labels (`sparse_categorical_crossentropy`).

    Args:
        from_logits: whether y_pred are logits instead of probabilities.
        ignore_class: a label value to skip: those entries get loss 0 and are left out of the
            mean (e.g. padding in segmentation).
        axis: the class axis.

    Example:
        >>> import flowgrad as tf
        >>> scce = tf.keras.losses.SparseCategoricalCrossentropy()
        >>> round(float(scce([1, 0], [[0.1, 0.9], [0.8, 0.2]])), 4)
        0.1643
    """

    _squeeze = False

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size",
                 name="sparse_categorical_crossentropy", dtype=None, axis=-1):
        kwargs = {"from_logits": from_logits, "ignore_class": ignore_class}
        if axis != -1:
            kwargs["axis"] = axis
        super().__init__(sparse_categorical_crossentropy, reduction=reduction, name=name,
                         dtype=dtype, **kwargs)
        self.from_logits = from_logits

    def _call_with_mask(self, y_true, y_pred):
        if type(self).call is not SparseCategoricalCrossentropy.call:
            return self.call(y_true, y_pred), None
        kw = self._fn_kwargs
        return _sparse_ce(y_true, y_pred, kw["from_logits"], kw.get("axis", -1),
                          kw["ignore_class"])


class KLDivergence(LossFunctionWrapper):
    """Kullback-Leibler divergence (`kl_divergence`)."""

    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, reduction=reduction, name=name, dtype=dtype)


class Poisson(LossFunctionWrapper):
    """Poisson loss (`poisson`)."""

    def __init__(self, reduction="sum_over_batch_size", name="poisson", dtype=None):
        super().__init__(poisson, reduction=reduction, name=name, dtype=dtype)


class Hinge(LossFunctionWrapper):
    """Hinge loss (`hinge`); 0/1 targets are converted to -1/1."""

    def __init__(self, reduction="sum_over_batch_size", name="hinge", dtype=None):
        super().__init__(hinge, reduction=reduction, name=name, dtype=dtype)


class SquaredHinge(LossFunctionWrapper):
    """Squared hinge loss (`squared_hinge`)."""

    def __init__(self, reduction="sum_over_batch_size", name="squared_hinge", dtype=None):
        super().__init__(squared_hinge, reduction=reduction, name=name, dtype=dtype)


class CategoricalHinge(LossFunctionWrapper):
    """Categorical hinge loss (`categorical_hinge`)."""

    def __init__(self, reduction="sum_over_batch_size", name="categorical_hinge", dtype=None):
        super().__init__(categorical_hinge, reduction=reduction, name=name, dtype=dtype)


class CosineSimilarity(LossFunctionWrapper):
    """Negative cosine similarity along `axis` (`cosine_similarity`)."""

    def __init__(self, axis=-1, reduction="sum_over_batch_size", name="cosine_similarity",
                 dtype=None):
        super().__init__(cosine_similarity, reduction=reduction, name=name, dtype=dtype,
                         axis=axis)


# -- lookup ----------------------------------------------------------------------------------------
_CLASSES = {c.__name__: c for c in (
    Loss, LossFunctionWrapper, MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError, Huber, LogCosh, BinaryCrossentropy, BinaryFocalCrossentropy,
    CategoricalCrossentropy, SparseCategoricalCrossentropy, KLDivergence, Poisson, Hinge,
    SquaredHinge, CategoricalHinge, CosineSimilarity)}
_FUNCTIONS = {
    "mean_squared_error": mean_squared_error, "mse": mse, "MSE": MSE,
    "mean_absolute_error": mean_absolute_error, "mae": mae, "MAE": MAE,
    "mean_absolute_percentage_error": mean_absolute_percentage_error, "mape": mape, "MAPE": MAPE,
    "mean_squared_logarithmic_error": mean_squared_logarithmic_error, "msle": msle, "MSLE": MSLE,
    "huber": huber, "huber_loss": huber, "log_cosh": log_cosh, "logcosh": log_cosh,
    "binary_crossentropy": binary_crossentropy,
    "binary_focal_crossentropy": binary_focal_crossentropy,
    "categorical_crossentropy": categorical_crossentropy,
    "sparse_categorical_crossentropy": sparse_categorical_crossentropy,
    "kl_divergence": kl_divergence, "kld": kld, "KLD": KLD,
    "kullback_leibler_divergence": kl_divergence, "poisson": poisson, "hinge": hinge,
    "squared_hinge": squared_hinge, "categorical_hinge": categorical_hinge,
    "cosine_similarity": cosine_similarity,
}
_FUNCTION_NAMES = {id(f): n for n, f in reversed(list(_FUNCTIONS.items()))}
_CONCRETE = {n: c for n, c in _CLASSES.items() if n not in ("Loss", "LossFunctionWrapper")}


def serialize(loss, use_legacy_format=False):
    """A built-in loss function's name, or `{"class_name", "config"}` for a Loss object.

    Example:
        >>> import flowgrad as tf
        >>> tf.keras.losses.serialize(tf.keras.losses.mse)
        'mean_squared_error'
    """
    if loss is None:
        return None
    return _ser.serialize(loss, _FUNCTION_NAMES, "Cannot serialize loss {obj!r}: it is neither a "
                          "named function nor an object with get_config().")


def deserialize(name, custom_objects=None, use_legacy_format=False):
    """Resolves a name (a function for function names, an instance for class names) or a
    `serialize()` dict (an instance).

    Raises:
        ValueError: an unknown name (the message lists valid names and the closest).
    """
    return _ser.deserialize_named(name, custom_objects, "loss", _FUNCTIONS, (_CONCRETE,), _CLASSES,
                                  valid=list(_FUNCTIONS) + list(_CONCRETE),
                                  dict_valid=list(_CLASSES) + list(_FUNCTIONS),
                                  name_kind="loss function")


def get(identifier):
    """Resolves a loss: None, a name ('mse', 'categorical_crossentropy', 'BinaryCrossentropy',
    ...), a serialized dict, a Loss class or instance, or any callable.

    Function names give the function (per-sample losses); class names and dicts give a Loss
    instance. Wrap a function with `LossFunctionWrapper` to get a reducing Loss.

    Raises:
        ValueError: an unknown name or an uninterpretable identifier.

    Example:
        >>> import flowgrad as tf
        >>> tf.keras.losses.get("mse") is tf.keras.losses.mean_squared_error
        True
    """
    return _ser.get(identifier, deserialize, "loss function", base=Loss)
