"""NumPy helpers of `keras.utils`: one-hot encoding and normalization."""

import numpy as np


def to_categorical(y, num_classes=None, dtype="float32"):
    """Converts integer class labels to one-hot rows.

    Args:
        y: class indices (array-like of integers, any shape; a trailing axis of size 1 is
            dropped, as Keras does).
        num_classes: the number of classes; by default `max(y) + 1`.
        dtype: the dtype of the result.

    Returns:
        A NumPy array of shape `y.shape + (num_classes,)`.

    Example:
        >>> to_categorical([0, 2, 1], num_classes=3).tolist()
        [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]]
    """
    y = np.asarray(y.numpy() if hasattr(y, "numpy") else y)
    if y.dtype.kind == "f" and not np.all(np.equal(np.mod(y, 1), 0)):
        raise ValueError("to_categorical expects integer class indices; got non-integer "
                         "values.")
    y = y.astype("int64")
    if y.ndim > 1 and y.shape[-1] == 1:
        y = y.reshape(y.shape[:-1])
    if num_classes is None:
        num_classes = int(y.max()) + 1 if y.size else 0
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(f"to_categorical: labels must be in [0, {num_classes}); got values from "
                         f"{int(y.min())} to {int(y.max())}.")
    out = np.zeros(y.shape + (num_classes,), dtype=np.dtype(str(getattr(dtype, "name", dtype))))
    flat = out.reshape(-1, num_classes)
    flat[np.arange(flat.shape[0]), y.reshape(-1)] = 1
    return out


def normalize(x, axis=-1, order=2):
    """Divides `x` by its `order`-norm along `axis`; all-zero slices stay zero.

    Args:
        x: an array-like.
        axis: the axis along which the norm is taken.
        order: the norm's order (2 for L2, 1 for L1, ...).

    Returns:
        A NumPy array of the shape of `x`.

    Example:
        >>> normalize([[3.0, 4.0]]).tolist()
        [[0.6, 0.8]]
    """
    x = np.asarray(x.numpy() if hasattr(x, "numpy") else x)
    if x.dtype.kind not in "fc":
        x = x.astype("float32")
    norm = np.linalg.norm(x, ord=order, axis=axis, keepdims=True)
    norm = np.where(norm == 0, 1, norm).astype(x.dtype)
    return x / norm
