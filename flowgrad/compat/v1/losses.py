"""`tf.compat.v1.losses`: TF1 losses with `weights` and a reduction, added to the LOSSES
collection of the default graph.

The default reduction, SUM_BY_NONZERO_WEIGHTS, divides the weighted sum by the number of
elements with a nonzero weight (the mean, for the default weight 1).
"""

from ... import dtypes as _dtypes
from ...ops import math_ops, nn_ops
from ...ops._common import to_tensor
from ._graph import GraphKeys, get_default_graph


class Reduction:
    NONE = "none"
    SUM = "weighted_sum"
    SUM_OVER_BATCH_SIZE = "weighted_sum_over_batch_size"
    MEAN = "weighted_mean"
    SUM_BY_NONZERO_WEIGHTS = "weighted_sum_by_nonzero_weights"
    SUM_OVER_NONZERO_WEIGHTS = SUM_BY_NONZERO_WEIGHTS

    @classmethod
    def all(cls):
        return (cls.NONE, cls.SUM, cls.MEAN, cls.SUM_OVER_BATCH_SIZE, cls.SUM_BY_NONZERO_WEIGHTS)


def compute_weighted_loss(losses, weights=1.0, scope=None, loss_collection=GraphKeys.LOSSES,
                          reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """Weights the elementwise `losses` and reduces them."""
    losses = to_tensor(losses)
    if not losses.dtype.is_floating:
        losses = math_ops.cast(losses, _dtypes.float32)
    w = to_tensor(weights, dtype=losses.dtype) if not hasattr(weights, "dtype") else \
        math_ops.cast(to_tensor(weights), losses.dtype)
    weighted = losses * w
    if reduction == Reduction.NONE:
        loss = weighted
    else:
        total = math_ops.reduce_sum(weighted)
        if reduction == Reduction.SUM:
            loss = total
        elif reduction == Reduction.MEAN:
            loss = math_ops.divide_no_nan(total, math_ops.reduce_sum(losses * 0.0 + w))
        elif reduction == Reduction.SUM_OVER_BATCH_SIZE:
            loss = math_ops.divide_no_nan(total, math_ops.reduce_sum(losses * 0.0 + 1.0))
        else:
            nonzero = math_ops.cast(math_ops.not_equal(losses * 0.0 + w, 0.0), losses.dtype)
            loss = math_ops.divide_no_nan(total, math_ops.reduce_sum(nonzero))
    if loss_collection:
        get_default_graph().add_to_collection(loss_collection, loss)
    return loss


def mean_squared_error(labels, predictions, weights=1.0, scope=None,
                       loss_collection=GraphKeys.LOSSES,
                       reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """`(predictions - labels)^2`, weighted and reduced (the mean by default)."""
    predictions = to_tensor(predictions)
    labels = math_ops.cast(to_tensor(labels), predictions.dtype)
    return compute_weighted_loss(math_ops.squared_difference(predictions, labels), weights,
                                 scope, loss_collection, reduction)


def absolute_difference(labels, predictions, weights=1.0, scope=None,
                        loss_collection=GraphKeys.LOSSES,
                        reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    predictions = to_tensor(predictions)
    labels = math_ops.cast(to_tensor(labels), predictions.dtype)
    return compute_weighted_loss(math_ops.abs(predictions - labels), weights, scope,
                                 loss_collection, reduction)


def huber_loss(labels, predictions, weights=1.0, delta=1.0, scope=None,
               loss_collection=GraphKeys.LOSSES, reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    predictions = to_tensor(predictions)
    labels = math_ops.cast(to_tensor(labels), predictions.dtype)
    err = math_ops.abs(predictions - labels)
    quad = math_ops.minimum(err, delta)
    lin = err - quad
    return compute_weighted_loss(0.5 * quad * quad + delta * lin, weights, scope,
                                 loss_collection, reduction)


def log_loss(labels, predictions, weights=1.0, epsilon=1e-7, scope=None,
             loss_collection=GraphKeys.LOSSES, reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    predictions = to_tensor(predictions)
    labels = math_ops.cast(to_tensor(labels), predictions.dtype)
    losses = -labels * math_ops.log(predictions + epsilon) - (1.0 - labels) * math_ops.log(
        1.0 - predictions + epsilon)
    return compute_weighted_loss(losses, weights, scope, loss_collection, reduction)


def sigmoid_cross_entropy(multi_class_labels, logits, weights=1.0, label_smoothing=0,
                          scope=None, loss_collection=GraphKeys.LOSSES,
                          reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    logits = to_tensor(logits)
    labels = math_ops.cast(to_tensor(multi_class_labels), logits.dtype)
    if label_smoothing:
        labels = labels * (1.0 - label_smoothing) + 0.5 * label_smoothing
    losses = nn_ops.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits)
    return compute_weighted_loss(losses, weights, scope, loss_collection, reduction)


def softmax_cross_entropy(onehot_labels, logits, weights=1.0, label_smoothing=0, scope=None,
                          loss_collection=GraphKeys.LOSSES,
                          reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    logits = to_tensor(logits)
    labels = math_ops.cast(to_tensor(onehot_labels), logits.dtype)
    if label_smoothing:
        n = float(logits.shape[-1])
        labels = labels * (1.0 - label_smoothing) + label_smoothing / n
    losses = nn_ops.softmax_cross_entropy_with_logits(labels, logits)
    return compute_weighted_loss(losses, weights, scope, loss_collection, reduction)


def sparse_softmax_cross_entropy(labels, logits, weights=1.0, scope=None,
                                 loss_collection=GraphKeys.LOSSES,
                                 reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    losses = nn_ops.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    return compute_weighted_loss(losses, weights, scope, loss_collection, reduction)


def hinge_loss(labels, logits, weights=1.0, scope=None, loss_collection=GraphKeys.LOSSES,
               reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    logits = to_tensor(logits)
    labels = math_ops.cast(to_tensor(labels), logits.dtype)
    losses = math_ops.maximum(1.0 - (2.0 * labels - 1.0) * logits, 0.0)
    return compute_weighted_loss(losses, weights, scope, loss_collection, reduction)


def add_loss(loss, loss_collection=GraphKeys.LOSSES):
    if loss_collection:
        get_default_graph().add_to_collection(loss_collection, loss)


def get_losses(scope=None, loss_collection=GraphKeys.LOSSES):
    return get_default_graph().get_collection(loss_collection, scope)


def get_regularization_losses(scope=None):
    return get_default_graph().get_collection(GraphKeys.REGULARIZATION_LOSSES, scope)


def get_regularization_loss(scope=None, name="total_regularization_loss"):
    losses = get_regularization_losses(scope)
    if not losses:
        return to_tensor(0.0)
    return math_ops.add_n(losses)


def get_total_loss(add_regularization_losses=True, name="total_loss", scope=None):
    losses = get_losses(scope)
    if add_regularization_losses:
        losses = losses + get_regularization_losses(scope)
    if not losses:
        raise ValueError("No losses found in the LOSSES collection.")
    return math_ops.add_n(losses)
