"""Linear algebra: matmul, tensordot, einsum and `tf.linalg`."""

import numpy as np

from ..core.dispatch import execute
from ..core.registry import FLOAT_KINDS, NUMERIC_KINDS, register_op
from ..errors import InvalidArgumentError, shape_str
from ._common import binary_operands, to_tensor

__all__ = ["matmul"]


def _matmul_kernel(xp, a, b, transpose_a, transpose_b):
    if transpose_a:
        a = xp.swapaxes(a, -1, -2)
    if transpose_b:
        b = xp.swapaxes(b, -1, -2)
    return xp.matmul(a, b)


def _matmul_grad(e, dy):
    from .math_ops import unbroadcast, conj
    a, b = e.inputs
    ta, tb = e.attrs["transpose_a"], e.attrs["transpose_b"]
    na, nb = e.needs_grad
    if a.dtype.is_complex:
        a, b = conj(a), conj(b)
    ga = gb = None
    if na:
        ga = matmul(b, dy, transpose_a=tb, transpose_b=True) if ta else \
            matmul(dy, b, transpose_b=not tb)
        ga = unbroadcast(ga, a._value.shape)
    if nb:
        gb = matmul(dy, a, transpose_a=True, transpose_b=ta) if tb else \
            matmul(a, dy, transpose_a=not ta)
        gb = unbroadcast(gb, b._value.shape)
    return ga, gb


MATMUL = register_op("BatchMatMulV2", _matmul_kernel, kinds=NUMERIC_KINDS, grad=_matmul_grad)


def matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False,
           a_is_sparse=False, b_is_sparse=False, output_type=None, name=None):
    """Matrix product of the last two dimensions, broadcasting leading (batch) dimensions.

    Args:
        a, b: tensors of rank >= 2 with the same dtype.
        transpose_a / transpose_b: transpose the last two dims of a / b first.
        adjoint_a / adjoint_b: conjugate-transpose a / b first.

    Raises:
        InvalidArgumentError: the inner dimensions or the batch dimensions do not match; the
            message shows both shapes, e.g. "Matrix size-incompatible: In[0]: [2,3], In[1]: [4,5]".
    """
    a, b = binary_operands(a, b, "MatMul")
    if adjoint_a or adjoint_b:
        from .math_ops import conj
        if adjoint_a:
            a, transpose_a = conj(a), True
        if adjoint_b:
            b, transpose_b = conj(b), True
    sa, sb = a._value.shape, b._value.shape
    if len(sa) < 2 or len(sb) < 2:
        raise InvalidArgumentError(
            None, "MatMul", f"In[0] and In[1] must have rank >= 2, but In[0] has shape "
            f"{shape_str(sa)} and In[1] has shape {shape_str(sb)} [Op:MatMul]. For vectors use "
            "tf.tensordot(a, b, 1), or reshape to [1, n] / [n, 1].")
    ka = sa[-2] if transpose_a else sa[-1]
    kb = sb[-1] if transpose_b else sb[-2]
    if ka != kb:
        raise InvalidArgumentError(
            None, "MatMul", f"Matrix size-incompatible: In[0]: {shape_str(sa)}, In[1]: "
            f"{shape_str(sb)} [Op:MatMul]: the inner dimensions {ka} and {kb} must be equal"
            f"{' (after transposes)' if transpose_a or transpose_b else ''}.")
    if a.dtype.is_bool:
        raise InvalidArgumentError(None, "MatMul", "matmul does not accept bool tensors.")
    return execute(MATMUL, (a, b), {"transpose_a": bool(transpose_a),
                                    "transpose_b": bool(transpose_b)})
