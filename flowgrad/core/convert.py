"""convert_to_tensor: Python values, NumPy arrays, Tensors and Variables to Tensors, with
TensorFlow's dtype inference (Python float -> float32, Python int -> int32)."""

import numpy as np

from .. import dtypes as _dtypes
from .context import ctx
from .tensor import Tensor, _wrap

_INT32_MIN, _INT32_MAX = -(2 ** 31), 2 ** 31 - 1


def convert_to_tensor(value, dtype=None, dtype_hint=None, name=None):
    """Converts `value` to a Tensor.

    Args:
        value: a Tensor, Variable, NumPy array or scalar, Python scalar, or nested list.
        dtype: the required dtype; Python values are converted to it, Tensors must already have
            it (TensorFlow's rule).
        dtype_hint: the dtype to use for Python values when `dtype` is None.

    Returns:
        A Tensor.

    Raises:
        ValueError: a Tensor of another dtype was given with `dtype`.
        TypeError: the value cannot be represented in `dtype` (e.g. 1.5 as int32).
    """
    if type(value) is not Tensor and isinstance(value, Tensor) and value._value is None:
        from ..graph.tracer import _leak_error
        raise _leak_error(value)
    if type(value) is Tensor or isinstance(value, Tensor):
        if dtype is not None and _dtypes.as_dtype(dtype)._np != value._value.dtype:
            raise ValueError(
                f"Tensor conversion requested dtype {_dtypes.as_dtype(dtype).name} for Tensor "
                f"with dtype {value.dtype.name}: {value!r}. Use tf.cast to change a tensor's dtype.")
        return value
    if hasattr(value, "_is_variable"):
        t = value.read_value()
        if dtype is not None and _dtypes.as_dtype(dtype)._np != t._value.dtype:
            raise ValueError(
                f"Tensor conversion requested dtype {_dtypes.as_dtype(dtype).name} for variable "
                f"{value.name} with dtype {value.dtype.name}. Use tf.cast.")
        return t
    target = None if dtype is None else _dtypes.as_dtype(dtype)
    if isinstance(value, (list, tuple)) and _contains_symbolic(value):
        # A list holding traced tensors: stacked by graph ops, never frozen to example values.
        t = _pack_nested(value, target)
        if target is not None and t.dtype != target:
            raise ValueError(f"Tensor conversion requested dtype {target.name} for a list of "
                             f"{t.dtype.name} tensors. Use tf.cast.")
        return t
    return _wrap(_to_array(value, target, dtype_hint))


def _contains_symbolic(seq):
    for x in seq:
        if getattr(x, "_graph_value", None) is not None:
            return True
        if isinstance(x, (list, tuple)) and _contains_symbolic(x):
            return True
    return False


def _to_array(value, target, dtype_hint=None):
    xp = ctx.backend.xp
    vt = type(value)
    if (vt is float or vt is int) and target is not None and target._np.kind == "f":
        return xp.asarray(value, dtype=target._np)  # the common `x * 0.1` operand: fast path
    if isinstance(value, (np.ndarray, np.generic)) or hasattr(value, "__array_interface__") \
            or hasattr(value, "__cuda_array_interface__"):
        arr = np.asarray(value) if not hasattr(value, "__cuda_array_interface__") else value
        if arr.dtype.kind in "USO" and (target is None or target._np.kind == "O"):
            strings = _string_array(arr)
            if strings is not None:
                return strings
        if target is not None and arr.dtype != target._np:
            arr = _safe_cast(arr, target, value)
        return xp.array(arr)  # a copy: later changes to the NumPy array never reach the tensor
    if isinstance(value, (list, tuple)) and _contains_tensor(value):
        return _pack_nested(value, target)._value
    try:
        arr = np.array(value)
    except ValueError as e:
        # str and bytes mixed (bytes that are not text): strings come from the objects
        arr = np.array(value, dtype=object) if _has_text(value) else None
        if arr is None or _string_array(arr) is None:
            raise ValueError(f"Can't convert non-rectangular Python sequence to Tensor: {e}") \
                from None
    kind = arr.dtype.kind
    if kind == "O" and arr.size and not all(isinstance(x, (str, bytes)) for x in arr.flat):
        raise TypeError(f"Cannot convert {value!r} to a Tensor: unsupported element type "
                        f"{type(next(iter(arr.flat))).__name__}.")
    if target is None and dtype_hint is not None:
        hint = _dtypes.as_dtype(dtype_hint)
        if _fits(arr, hint):
            target = hint
    if target is None:
        if kind == "f":
            target = _dtypes.float32
        elif kind in "iu":
            target = _dtypes.int32 if (arr.size == 0 or (
                arr.min() >= _INT32_MIN and arr.max() <= _INT32_MAX)) else _dtypes.int64
        elif kind == "b":
            target = _dtypes.bool
        elif kind == "c":
            target = _dtypes.complex128
        elif kind in "USO":
            return _string_array(np.array(value, dtype=object))
        else:
            target = _dtypes.as_dtype(arr.dtype)
    if kind in "USO" and target._np.kind == "O":
        # from the Python objects: a NumPy "S" array would drop trailing NUL bytes
        strings = _string_array(np.array(value, dtype=object))
        if strings is not None:
            return strings
    if arr.dtype != target._np:
        arr = _safe_cast(arr, target, value)
    return xp.asarray(arr)


def _has_text(value):
    while isinstance(value, (list, tuple)) and value:
        value = value[0]
    return isinstance(value, (str, bytes))


def _string_array(arr):
    """A string tensor's array: an object array of UTF-8 `bytes`, as TensorFlow stores strings
    (`tf.constant("a").numpy() == b"a"`), always a new array (later changes to the caller's
    array never reach the tensor); None when an element is not a string."""
    if arr.dtype.kind == "S":
        return arr.astype(object)
    flat = arr.reshape(-1).tolist()
    for i, v in enumerate(flat):
        if type(v) is not bytes:
            if isinstance(v, str):
                flat[i] = v.encode("utf-8")
            elif isinstance(v, bytes):
                flat[i] = bytes(v)
            else:
                return None
    out = np.empty(len(flat), dtype=object)
    out[:] = flat
    return out.reshape(arr.shape)


def _fits(arr, dt):
    k = arr.dtype.kind
    if dt.is_floating or dt.is_complex:
        return k in "biuf" or (k == "c" and dt.is_complex)
    if dt.is_integer:
        return k in "biu"
    if dt.is_bool:
        return k == "b"
    return False


def _safe_cast(arr, target, original):
    src, dst = arr.dtype.kind, target._np.kind
    if dst == "O":
        raise TypeError(f"Cannot convert {_short(original)} to EagerTensor of dtype string.")
    if src == "O":
        raise TypeError(f"Cannot convert {original!r} to a Tensor of dtype {target.name}.")
    if dst in "iub" and src in "fc":
        cast = arr.astype(target._np)
        if not np.array_equal(cast, arr):
            raise TypeError(f"Cannot convert {_short(original)} to EagerTensor of dtype "
                            f"{target.name}: the values are not integral.")
        return cast
    if dst in "iu" and src in "iu":
        info = np.iinfo(target._np)
        if arr.size and (arr.min() < info.min or arr.max() > info.max):
            raise TypeError(f"Cannot convert {_short(original)} to EagerTensor of dtype "
                            f"{target.name}: values out of range [{info.min}, {info.max}].")
    if dst == "b" and src != "b":
        raise TypeError(f"Cannot convert {_short(original)} to EagerTensor of dtype bool.")
    if dst != "c" and src == "c":
        raise TypeError(f"Cannot convert complex values {_short(original)} to {target.name}.")
    return arr.astype(target._np)


def _short(v):
    r = repr(v)
    return r if len(r) < 80 else r[:77] + "..."


def _contains_tensor(seq):
    for x in seq:
        if isinstance(x, Tensor) or hasattr(x, "_is_variable"):
            return True
        if isinstance(x, (list, tuple)) and _contains_tensor(x):
            return True
    return False


def _pack_nested(seq, target):
    from ..ops import array_ops
    parts = [_pack_nested(x, target) if isinstance(x, (list, tuple))
             else convert_to_tensor(x, dtype=target) if target is not None or not
             isinstance(x, (int, float)) else None for x in seq]
    # Python scalars among tensors take the tensors' dtype.
    dt = next((p.dtype for p in parts if p is not None), target)
    parts = [p if p is not None else convert_to_tensor(x, dtype=dt) for p, x in zip(parts, seq)]
    return array_ops.stack(parts)
