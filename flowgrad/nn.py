"""`tf.nn`: re-exports of the neural-network ops."""

from .ops.math_ops import sigmoid, tanh  # noqa: F401
from .ops.nn_ops import (  # noqa: F401
    batch_normalization, bias_add, dropout, elu, gelu, l2_loss, l2_normalize, leaky_relu,
    log_softmax, moments, relu, relu6, selu, sigmoid_cross_entropy_with_logits, silu, softmax,
    softmax_cross_entropy_with_logits, softplus, softsign, sparse_softmax_cross_entropy_with_logits,
    swish)
