"""DType objects: flowgrad.float32 and friends, with TensorFlow's names and predicates."""

import numpy as np

__all__ = [
    "DType", "as_dtype", "float16", "bfloat16", "float32", "float64", "half", "double",
    "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "bool",
    "complex64", "complex128", "string",
]


class DType:
    """A tensor element type, e.g. `flowgrad.float32`.

    Args:
        name: TensorFlow's name for the type ("float32", "int64", ...).
        np_dtype: the NumPy dtype that backs it.

    Example:
        >>> import flowgrad as tf
        >>> tf.float32.is_floating, tf.float32.as_numpy_dtype
        (True, <class 'numpy.float32'>)
    """

    __slots__ = ("name", "_np", "as_numpy_dtype")

    def __init__(self, name, np_dtype):
        self.name = name
        self._np = np.dtype(np_dtype)
        self.as_numpy_dtype = self._np.type

    @property
    def is_floating(self):
        return self._np.kind == "f"

    @property
    def is_integer(self):
        return self._np.kind in "iu"

    @property
    def is_unsigned(self):
        return self._np.kind == "u"

    @property
    def is_complex(self):
        return self._np.kind == "c"

    @property
    def is_bool(self):
        return self._np.kind == "b"

    @property
    def is_numeric(self):
        return self._np.kind in "iufc"

    @property
    def is_quantized(self):
        return False

    @property
    def base_dtype(self):
        return self

    @property
    def real_dtype(self):
        if self.is_complex:
            return float32 if self is complex64 else float64
        return self

    @property
    def size(self):
        return self._np.itemsize

    @property
    def min(self):
        if self.is_floating:
            return float(np.finfo(self._np).min)
        if self.is_integer:
            return int(np.iinfo(self._np).min)
        if self.is_bool:
            return False
        raise TypeError(f"Cannot find minimum value of {self.name}.")

    @property
    def max(self):
        if self.is_floating:
            return float(np.finfo(self._np).max)
        if self.is_integer:
            return int(np.iinfo(self._np).max)
        if self.is_bool:
            return True
        raise TypeError(f"Cannot find maximum value of {self.name}.")

    def is_compatible_with(self, other):
        return self is as_dtype(other)

    def __repr__(self):
        return f"tf.{self.name}"

    def __str__(self):
        return f"<dtype: '{self.name}'>"

    def __eq__(self, other):
        if other is None:
            return False
        try:
            return self is as_dtype(other)
        except TypeError:
            return False

    def __ne__(self, other):
        return not self.__eq__(other)

    def __hash__(self):
        return hash(self.name)

    def __reduce__(self):
        return as_dtype, (self.name,)


float16 = half = DType("float16", np.float16)
float32 = DType("float32", np.float32)
float64 = double = DType("float64", np.float64)
int8 = DType("int8", np.int8)
int16 = DType("int16", np.int16)
int32 = DType("int32", np.int32)
int64 = DType("int64", np.int64)
uint8 = DType("uint8", np.uint8)
uint16 = DType("uint16", np.uint16)
uint32 = DType("uint32", np.uint32)
uint64 = DType("uint64", np.uint64)
bool = DType("bool", np.bool_)  # noqa: A001 - TensorFlow's public name
complex64 = DType("complex64", np.complex64)
complex128 = DType("complex128", np.complex128)
string = DType("string", np.object_)

try:  # bfloat16 exists only where ml_dtypes is installed; TensorFlow's own optional type.
    import ml_dtypes as _ml_dtypes

    bfloat16 = DType("bfloat16", _ml_dtypes.bfloat16)
except ImportError:  # pragma: no cover - depends on the environment
    bfloat16 = None

_ALL = [d for d in (float16, bfloat16, float32, float64, int8, int16, int32, int64, uint8, uint16,
                    uint32, uint64, bool, complex64, complex128, string) if d is not None]
_BY_NAME = {d.name: d for d in _ALL}
_BY_NAME.update({"half": float16, "double": float64, "float": float32, "int": int32,
                 "bool_": bool, "object": string, "str": string, "bytes": string})
# Keyed by np.dtype: the dispatch hot path maps a result array's dtype to a DType with one lookup.
_BY_NP = {d._np: d for d in _ALL}
_BY_NP[np.dtype(np.str_)] = string
_BY_NP[np.dtype(np.bytes_)] = string


def as_dtype(type_value):
    """Converts a DType, NumPy dtype, Python type or name to a flowgrad DType.

    Raises:
        TypeError: the value names no supported type.
    """
    if isinstance(type_value, DType):
        return type_value
    if isinstance(type_value, str):
        d = _BY_NAME.get(type_value)
        if d is not None:
            return d
    if type_value is float:
        return float32
    if type_value is int:
        return int32
    if type_value is _pybool:
        return bool
    if type_value is complex:
        return complex128
    if type_value is _pystr or type_value is bytes:
        return string
    try:
        npd = np.dtype(type_value)
    except TypeError:
        npd = None
    if npd is not None:
        if npd.kind in "US":
            return string
        d = _BY_NP.get(npd)
        if d is not None:
            return d
    raise TypeError(
        f"Cannot convert {type_value!r} to a flowgrad DType. Use one of: "
        + ", ".join(sorted(d.name for d in _ALL)) + ".")


_pybool = type(True)
_pystr = type("")


def from_numpy(np_dtype):
    """Maps a NumPy dtype (np.dtype instance) to a DType; the fast path used by Tensor.dtype."""
    d = _BY_NP.get(np_dtype)
    if d is None:
        return as_dtype(np_dtype)
    return d
