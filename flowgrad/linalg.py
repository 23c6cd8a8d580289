"""`tf.linalg`: re-exports of the linear algebra ops."""

from .ops.array_ops import eye  # noqa: F401
from .ops.linalg_ops import (  # noqa: F401
    adjoint, band_part, cholesky, det, diag, diag_part, einsum, inv, logdet, matmul,
    matrix_transpose, norm, qr, slogdet, solve, tensordot, trace)
from .ops.nn_ops import l2_normalize  # noqa: F401
