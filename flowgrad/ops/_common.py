"""Helpers shared by the op families: operand conversion with TensorFlow's dtype rules, and
axis arguments checked against a rank."""

import numpy as np

from ..core.convert import convert_to_tensor
from ..core.tensor import Tensor
from ..errors import InvalidArgumentError


def to_tensor(x, dtype=None):
    """`convert_to_tensor`, with a fast path for Tensors."""
    if type(x) is Tensor and dtype is None:
        return x
    return convert_to_tensor(x, dtype=dtype)


def binary_operands(x, y, op_name):
    """Converts two operands; Python / NumPy values adopt the dtype of the Tensor operand, and two
    Tensors of different dtypes raise InvalidArgumentError (TensorFlow never promotes silently)."""
    tx, ty = type(x) is Tensor, type(y) is Tensor
    if tx and ty:
        if x._value.dtype != y._value.dtype:
            raise dtype_mismatch(op_name, x, y)
        return x, y
    x_is_t = tx or isinstance(x, Tensor) or hasattr(x, "_is_variable")
    y_is_t = ty or isinstance(y, Tensor) or hasattr(y, "_is_variable")
    if x_is_t:
        x = convert_to_tensor(x)
        y = convert_to_tensor(y, dtype=None if y_is_t else x.dtype)
    elif y_is_t:
        y = convert_to_tensor(y)
        x = convert_to_tensor(x, dtype=y.dtype)
    else:
        x = convert_to_tensor(x)
        y = convert_to_tensor(y, dtype=x.dtype)
    if x._value.dtype != y._value.dtype:
        raise dtype_mismatch(op_name, x, y)
    return x, y


def dtype_mismatch(op_name, x, y):
    return InvalidArgumentError(
        None, op_name,
        f"cannot compute {op_name} as input #1(zero-based) was expected to be a {x.dtype.name} "
        f"tensor but is a {y.dtype.name} tensor [Op:{op_name}]. flowgrad does not promote dtypes "
        f"silently: cast one operand, e.g. tf.cast(y, tf.{x.dtype.name}).")


def normalize_axis(axis, ndim, op_name):
    """Checks an axis argument against a rank.

    Args:
        axis: None, an int, a list or tuple of ints, or a Tensor of them; negative values count
            from the end.
        ndim: the rank of the tensor the axes refer to.
        op_name: the op named in the error message.

    Returns:
        None for None, else a sorted tuple of distinct non-negative axes.

    Raises:
        InvalidArgumentError: an axis is outside [-ndim, ndim) (a scalar has no axes).
    """
    if axis is None:
        return None
    if isinstance(axis, Tensor) or hasattr(axis, "_is_variable"):
        axis = convert_to_tensor(axis).numpy()
    axes = np.asarray(axis).reshape(-1).tolist() if not isinstance(axis, int) else [axis]
    out = set()
    for a in axes:
        a = int(a)
        if not -ndim <= a < ndim:
            valid = f"in the range [{-ndim}, {ndim})" if ndim else "none: the input is a scalar"
            raise InvalidArgumentError(
                None, op_name, f"Invalid reduction dimension {a} for input with {ndim} "
                f"dimensions: valid axes are {valid}. [Op:{op_name}]")
        out.add(a % ndim)
    return tuple(sorted(out))
