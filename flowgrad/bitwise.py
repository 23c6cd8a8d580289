"""`tf.bitwise`: bitwise ops on integer tensors."""

from .ops.math_ops import bitwise_and, bitwise_or, bitwise_xor, invert  # noqa: F401
