"""`tf.linalg`: re-exports of the linear algebra ops."""

from .ops.linalg_ops import matmul  # noqa: F401
