"""`tf.nn`: re-exports of the neural-network ops."""

from .ops.math_ops import sigmoid, tanh  # noqa: F401
from .ops.nn_ops import (  # noqa: F401
    batch_normalization, bias_add, dropout, elu, gelu, l2_loss, l2_normalize, leaky_relu,
    log_softmax, moments, relu, relu6, selu, sigmoid_cross_entropy_with_logits, silu, softmax,
    softmax_cross_entropy_with_logits, softplus, softsign, sparse_softmax_cross_entropy_with_logits,
    swish)
from .ops.conv_ops import (  # noqa: F401
    atrous_conv2d, atrous_conv2d_transpose, avg_pool, avg_pool1d, avg_pool2d, avg_pool3d, conv1d,
    conv1d_transpose, conv2d, conv2d_transpose, conv3d, conv3d_transpose, conv_transpose,
    convolution, depthwise_conv2d, depthwise_conv2d_backprop_filter,
    depthwise_conv2d_backprop_input, max_pool, max_pool1d, max_pool2d, max_pool3d, pool,
    separable_conv2d)
