"""Element structures of `tf.data` pipelines.

Inside a pipeline an element is a nested structure (tuples, namedtuples, dicts) of NumPy arrays
(strings as object arrays of `bytes`), or of Datasets for `window`. Elements become flowgrad
Tensors only where the user sees them: iteration, and the arguments of user functions.
"""

import numpy as np

from .. import dtypes as _dtypes
from .. import nest
from ..core.tensor import Tensor
from ..errors import InvalidArgumentError
from ..graph.function import TensorSpec


def _is_dataset(x):
    from .dataset_ops import DatasetV2
    return isinstance(x, DatasetV2)


def bytes_array(a):
    """An object array of `bytes` for an array / list of str or bytes."""
    a = np.asarray(a, dtype=object) if not isinstance(a, np.ndarray) else a
    out = np.empty(a.shape, dtype=object)
    flat = out.reshape(-1)
    for i, v in enumerate(a.reshape(-1)):
        if isinstance(v, str):
            v = v.encode("utf-8")
        elif isinstance(v, (bytes, np.bytes_)):
            v = bytes(v)
        elif isinstance(v, np.str_):
            v = str(v).encode("utf-8")
        else:
            raise InvalidArgumentError(None, None, f"Expected string values; got "
                                       f"{type(v).__name__} ({v!r}). Nested Python sequences "
                                       "of different lengths cannot become a tensor.")
        flat[i] = v
    return out


def to_array(v, dtype=None):
    """A NumPy array for a tensor-like leaf, with TensorFlow's dtype inference for Python
    values (float -> float32, int -> int32); strings become object arrays of bytes."""
    if isinstance(v, Tensor):
        a = v._value
        if type(a) is not np.ndarray:
            a = np.asarray(v.numpy())
    elif hasattr(v, "_is_variable"):
        a = np.asarray(v.numpy())
    elif type(v) is np.ndarray:
        a = v
    elif isinstance(v, np.generic):
        a = np.asarray(v)
    elif isinstance(v, (str, bytes)):
        a = np.array(v.encode("utf-8") if isinstance(v, str) else v, dtype=object)
    elif isinstance(v, np.ndarray):
        a = np.asarray(v)
    elif hasattr(v, "to_numpy") and not isinstance(v, (list, tuple)):
        a = np.asarray(v.to_numpy())
    else:
        if dtype is not None and _dtypes.as_dtype(dtype).name == "string":
            a = bytes_array(v)
        else:
            from ..ops.array_ops import convert_to_tensor
            try:
                a = convert_to_tensor(v, dtype=dtype)._value
            except (TypeError, ValueError) as e:
                if _has_strings(v):
                    a = bytes_array(v)
                else:
                    raise InvalidArgumentError(
                        None, None, f"Could not convert {type(v).__name__} {_short(v)} to a "
                        f"tensor: {e}") from None
            if type(a) is not np.ndarray:
                a = np.asarray(a)
    if a.dtype.kind in "USO":
        if a.dtype.kind == "O" and a.size and not all(
                isinstance(x, (bytes, str, np.bytes_, np.str_)) for x in a.reshape(-1)):
            raise InvalidArgumentError(
                None, None, f"Could not convert an object array of {type(a.reshape(-1)[0])}"
                " values to a tensor (ragged Python sequences are not supported; pad them "
                "first, e.g. with keras.preprocessing.sequence.pad_sequences).")
        if a.dtype.kind != "O" or a.size:
            a = bytes_array(a)
    if dtype is not None:
        want = _dtypes.as_dtype(dtype)
        if want.name == "string":
            if a.dtype != object:
                raise InvalidArgumentError(None, None, f"Expected a string value; got "
                                           f"{_dtypes.from_numpy(a.dtype).name}.")
        elif a.dtype != want._np:
            a = a.astype(want._np)
    return a


def _has_strings(v):
    if isinstance(v, (str, bytes)):
        return True
    if isinstance(v, (list, tuple)) and v:
        return _has_strings(v[0])
    return False


def _short(v):
    s = repr(v)
    return s if len(s) <= 60 else s[:57] + "..."


def normalize_input(value):
    """Normalizes a user structure (from_tensors / from_tensor_slices): tuples and dicts are
    structure, lists and everything else are tensors."""
    if isinstance(value, dict):
        return type(value)((k, normalize_input(v)) for k, v in value.items()) \
            if type(value) is not dict else {k: normalize_input(v) for k, v in value.items()}
    if isinstance(value, tuple):
        items = [normalize_input(v) for v in value]
        return type(value)(*items) if hasattr(value, "_fields") else tuple(items)
    if _is_dataset(value):
        return value
    if value is None:
        raise TypeError("A dataset component cannot be None.")
    return to_array(value)


def normalize_output(value):
    """Normalizes what a user function returned: lists become tuples (as tf.data does)."""
    t = type(value)
    if t is Tensor:
        a = value._value
        return a if type(a) is np.ndarray else np.asarray(value.numpy())
    if t is np.ndarray:
        return value if value.dtype.kind not in "US" else bytes_array(value)
    if t is tuple or t is list:
        return tuple(normalize_output(v) for v in value)
    if t is dict:
        return {k: normalize_output(v) for k, v in value.items()}
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return t(*[normalize_output(v) for v in value])
    if isinstance(value, dict):
        return {k: normalize_output(v) for k, v in value.items()}
    if _is_dataset(value):
        return value
    if value is None:
        raise TypeError("The function returned None; tf.data functions must return tensors "
                        "(or a structure of them).")
    return to_array(value)


def spec_of_array(a):
    if _is_dataset(a):
        from .dataset_ops import DatasetSpec
        return DatasetSpec(a.element_spec)
    return TensorSpec(a.shape, _dtypes.string if a.dtype == object else
                      _dtypes.from_numpy(a.dtype))


def spec_of(element):
    """The element_spec (a structure of TensorSpecs) of an element."""
    return nest.map_structure(spec_of_array, element)


def flatten(element):
    """The leaves of an element (fast paths for an array and a tuple of arrays)."""
    t = type(element)
    if t is np.ndarray:
        return [element]
    if t is tuple and all(type(e) is np.ndarray for e in element):
        return list(element)
    return nest.flatten(element)


def pack(structure, leaves):
    t = type(structure)
    if t is np.ndarray or isinstance(structure, (TensorSpec, np.ndarray)):
        return leaves[0]
    if t is tuple and all(isinstance(s, (TensorSpec, np.ndarray)) for s in structure):
        return tuple(leaves)
    return nest.pack_sequence_as(structure, list(leaves))


def to_tensors(element):
    """The user-facing form of an element: arrays become flowgrad Tensors."""
    t = type(element)
    if t is np.ndarray:
        r = Tensor.__new__(Tensor)
        r._value = element
        return r
    if t is tuple:
        return tuple(to_tensors(e) for e in element)
    if t is dict:
        return {k: to_tensors(v) for k, v in element.items()}
    if isinstance(element, tuple) and hasattr(element, "_fields"):
        return t(*[to_tensors(e) for e in element])
    if isinstance(element, dict):
        return type(element)((k, to_tensors(v)) for k, v in element.items())
    if isinstance(element, list):
        return [to_tensors(e) for e in element]
    return element


def to_numpy(element):
    """The `as_numpy_iterator` form: arrays stay, 0-d arrays become scalars (bytes for
    strings)."""
    t = type(element)
    if t is np.ndarray:
        if element.ndim == 0:
            return element[()]
        # a view into a dataset's own data: the caller may write into what it gets
        return element.copy() if element.base is not None else element
    if t is tuple:
        return tuple(to_numpy(e) for e in element)
    if t is dict:
        return {k: to_numpy(v) for k, v in element.items()}
    if isinstance(element, tuple) and hasattr(element, "_fields"):
        return t(*[to_numpy(e) for e in element])
    if isinstance(element, dict):
        return type(element)((k, to_numpy(v)) for k, v in element.items())
    return element


def flatten_up_to(structure, value, what):
    """Flattens `value` to the leaves of `structure` (a value's own lists stay leaves)."""
    out = []

    def rec(s, v):
        if isinstance(s, dict):
            if not isinstance(v, dict):
                raise ValueError(  # noqa: TRY004 - TF raises ValueError here
                    f"{what} must match the element structure {structure!r}; got {value!r}.")
            for k in sorted(s):
                if k not in v:
                    raise ValueError(f"{what} is missing the key {k!r}.")
                rec(s[k], v[k])
        elif isinstance(s, tuple):
            if not isinstance(v, (tuple, list)) or len(v) != len(s):
                raise ValueError(f"{what} must match the element structure {structure!r}; got "
                                 f"{value!r}.")
            for a, b in zip(s, v):
                rec(a, b)
        else:
            out.append(v)
    rec(structure, value)
    return out


def most_specific_compatible(a, b):
    """The TensorSpec covering both (dims that differ become None); raises on a dtype or rank
    mismatch."""
    if a.dtype != b.dtype:
        raise TypeError(f"Incompatible dtypes {a.dtype.name} and {b.dtype.name}.")
    ra, rb = a.shape.rank, b.shape.rank
    if ra is None or rb is None or ra != rb:
        return TensorSpec(None, a.dtype)
    dims = [x if x == y else None for x, y in zip(a.shape.as_list(), b.shape.as_list())]
    return TensorSpec(dims, a.dtype)


def relax_to(spec_structure, other):
    """Element-wise `most_specific_compatible` of two spec structures of the same shape."""
    nest.assert_same_structure(spec_structure, other, check_types=False)
    return nest.map_structure(most_specific_compatible, spec_structure, other)
