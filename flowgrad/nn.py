"""`tf.nn`: re-exports of the neural-network ops."""

from .ops.math_ops import sigmoid, tanh  # noqa: F401
