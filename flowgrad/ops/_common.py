"""Helpers shared by the op families: operand conversion with TensorFlow's dtype rules and
the `unbroadcast` step of broadcasting gradients."""

from ..core.convert import convert_to_tensor
from ..core.tensor import Tensor
from ..errors import InvalidArgumentError


def to_tensor(x, dtype=None):
    if type(x) is Tensor:
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
    """Returns a sorted tuple of non-negative axes, or None for all axes."""
    if axis is None:
        return None
    if isinstance(axis, Tensor) or hasattr(axis, "_is_variable"):
        axis = convert_to_tensor(axis).numpy().tolist()
    axes = (axis,) if isinstance(axis, int) or not hasattr(axis, "__iter__") else tuple(axis)
    out = []
    for a in axes:
        a = int(a)
        if not -ndim <= a < max(ndim, 1):
            raise InvalidArgumentError(
                None, op_name, f"Invalid reduction dimension {a} for input with {ndim} "
                f"dimensions: axis must be in the range [{-ndim}, {ndim}). [Op:{op_name}]")
        out.append(a % ndim if ndim else 0)
    return tuple(sorted(set(out)))
