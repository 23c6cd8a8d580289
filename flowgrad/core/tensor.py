"""Tensor: an immutable n-dimensional array with a dtype, living on a device.

Operators (`+`, `@`, `[]`, ...) are installed by `flowgrad.ops` once the op functions exist,
as TensorFlow's math_ops does; this module holds only the data and its plain accessors.
"""

import numpy as np

from .. import dtypes as _dtypes
from ..backend import NUMPY, canonical_device_name
from ..errors import InvalidArgumentError
from .tensor_shape import TensorShape


class Tensor:
    """An immutable multi-dimensional array (`tf.Tensor`).

    Create tensors with `flowgrad.constant`, `flowgrad.convert_to_tensor` or any op; the
    constructor is internal.

    Example:
        >>> import flowgrad as tf
        >>> t = tf.constant([1., 2.]) + tf.constant([4., 5.])
        >>> t.shape, t.dtype.name, t.numpy().tolist()
        (TensorShape([2]), 'float32', [5.0, 7.0])
    """

    __slots__ = ("_value", "__weakref__")
    __array_priority__ = 100

    def __init__(self, value):
        self._value = value

    # -- data ---------------------------------------------------------------------------------
    @property
    def shape(self):
        return TensorShape(self._value.shape)

    def get_shape(self):
        return self.shape

    @property
    def dtype(self):
        return _dtypes.from_numpy(self._value.dtype)

    @property
    def ndim(self):
        return self._value.ndim

    @property
    def device(self):
        return canonical_device_name(_backend_of(self._value).device_type, 0)

    @property
    def backing_device(self):
        return self.device

    def numpy(self):
        """Returns the value as a NumPy array (a copy: the tensor stays immutable), or a NumPy
        scalar for a rank-0 tensor."""
        v = self._value
        if type(v) is not np.ndarray and not isinstance(v, np.generic):
            v = _backend_of(v).to_numpy(v)
        if v.ndim == 0:
            return v[()] if isinstance(v, np.ndarray) else v
        return v.copy()

    def __array__(self, dtype=None, copy=None):
        v = np.asarray(self._value)
        if dtype is not None:
            v = v.astype(dtype, copy=False)
        return v

    @property
    def _keras_mask(self):
        """The mask a Keras layer call attached to this tensor (e.g. the output of
        `Embedding(mask_zero=True)`), or None; read-only here."""
        import sys
        base_layer = sys.modules.get("flowgrad.keras.engine.base_layer")
        return None if base_layer is None else base_layer.mask_of(self)

    def ref(self):
        """A hashable reference to this tensor (tensors themselves are unhashable, as in TF)."""
        return Reference(self)

    def experimental_ref(self):
        return self.ref()

    # -- Python protocol ----------------------------------------------------------------------
    __hash__ = None  # TensorFlow 2 tensors are unhashable; use .ref() as a dict key.

    def __len__(self):
        if self._value.ndim == 0:
            raise TypeError("len() of a 0-d tensor (a scalar) is undefined.")
        return self._value.shape[0]

    def __iter__(self):
        if self._value.ndim == 0:
            raise TypeError("Cannot iterate over a scalar tensor.")
        from ..ops import array_ops
        return iter(array_ops.unstack(self, axis=0))

    def __bool__(self):
        return bool(self._scalar("bool"))

    def __float__(self):
        return float(self._scalar("float"))

    def __int__(self):
        return int(self._scalar("int"))

    def __complex__(self):
        return complex(self._scalar("complex"))

    def __index__(self):
        if self.dtype.is_integer:
            return int(self._scalar("index"))
        raise TypeError(f"Only integer scalar tensors can be used as an index; this one has "
                        f"dtype {self.dtype.name}.")

    def __format__(self, spec):
        if self._value.ndim == 0:
            return format(self._value.item(), spec)
        return format(str(self), spec)

    def _scalar(self, what):
        v = self._value
        if v.size != 1:
            raise InvalidArgumentError(
                None, None, f"Only a tensor with one element can be converted to a Python {what}; "
                f"this one has shape {tuple(v.shape)}. Reduce it first (e.g. tf.reduce_sum) or "
                "index one element.")
        return np.asarray(v).reshape(()).item()

    def __repr__(self):
        return (f"<flowgrad.Tensor: shape={self.shape}, dtype={self.dtype.name}, "
                f"numpy={_np_repr(self.numpy())}>")

    def __str__(self):
        v = np.asarray(self._value)
        body = str(v[()]) if v.ndim == 0 else str(v)  # a 0-d array would print float64 digits
        sep = "\n" if v.ndim > 1 else ""
        return f"flowgrad.Tensor({sep}{body}, shape={self.shape}, dtype={self.dtype.name})"

    def __reduce__(self):
        from .. import ops
        return ops.array_ops.constant, (self.numpy(),)

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self


def _np_repr(v):
    # NumPy 2 prints scalars as np.float32(5.0); TensorFlow shows the plain value.
    return str(v) if isinstance(v, np.generic) else repr(v)


def _wrap(value):
    t = Tensor.__new__(Tensor)
    t._value = value
    return t


def _backend_of(array):
    if isinstance(array, NUMPY.array_types):
        return NUMPY
    from ..backend import _BACKENDS
    for b in _BACKENDS.values():
        if isinstance(array, b.array_types):
            return b
    return NUMPY


class Reference:
    """What `Tensor.ref()` / `Variable.ref()` returns: hashable, compared by identity."""

    __slots__ = ("_obj",)

    def __init__(self, obj):
        self._obj = obj

    def deref(self):
        return self._obj

    def __hash__(self):
        return id(self._obj)

    def __eq__(self, other):
        return isinstance(other, Reference) and other._obj is self._obj

    def __repr__(self):
        return f"<Reference wrapping {self._obj!r}>"
