"""Parsing `tf.train.Example` records into tensors: `parse_single_example`, `parse_example`
and the feature descriptions `FixedLenFeature`, `FixedLenSequenceFeature`, `VarLenFeature`.

`VarLenFeature` results are dense here (flowgrad has no SparseTensor): a 1-D tensor of the
values for one example, a `[batch, max_len]` tensor padded with 0 / b"" for a batch.
"""

import collections

import numpy as np

from .. import dtypes as _dtypes
from ..core.tensor import _wrap
from ..errors import InvalidArgumentError

_KINDS = {"float32": "float_list", "int64": "int64_list", "string": "bytes_list"}
_TYPE_NAMES = {"float_list": "float", "int64_list": "int64", "bytes_list": "string"}
_NP = {"float32": np.float32, "int64": np.int64, "string": object}


class FixedLenFeature(collections.namedtuple("FixedLenFeature",
                                             ["shape", "dtype", "default_value"])):
    """A feature with a fixed number of values, reshaped to `shape` (`tf.io.FixedLenFeature`).

    Args:
        shape: the shape of the parsed tensor (its element count must match the values').
        dtype: tf.float32, tf.int64 or tf.string.
        default_value: used when an example lacks the feature (else it is an error).
    """

    def __new__(cls, shape, dtype, default_value=None):
        return super().__new__(cls, shape, dtype, default_value)


class FixedLenSequenceFeature(collections.namedtuple(
        "FixedLenSequenceFeature", ["shape", "dtype", "allow_missing", "default_value"])):
    """A feature holding a variable number of items of a fixed `shape`
    (`tf.io.FixedLenSequenceFeature`); parses to `[n, *shape]`."""

    def __new__(cls, shape, dtype, allow_missing=False, default_value=None):
        return super().__new__(cls, shape, dtype, allow_missing, default_value)


class VarLenFeature(collections.namedtuple("VarLenFeature", ["dtype"])):
    """A feature with any number of values (`tf.io.VarLenFeature`); parses to a dense 1-D
    tensor in flowgrad (TensorFlow returns a SparseTensor)."""


def _check_dtype(key, dtype):
    d = _dtypes.as_dtype(dtype)
    if d.name not in _KINDS:
        raise ValueError(f"Feature {key!r}: dtype {d.name} is not supported; use tf.float32, "
                         "tf.int64 or tf.string.")
    return d.name


def _shape_of(key, shape):
    if shape is None:
        return ()
    if isinstance(shape, int):
        return (shape,)
    dims = []
    for d in (shape.as_list() if hasattr(shape, "as_list") else list(shape)):
        if d is None or int(d) < 0:
            raise ValueError(f"Feature {key!r}: FixedLenFeature needs a fully defined shape; got "
                             f"{list(shape)} (use FixedLenSequenceFeature or VarLenFeature).")
        dims.append(int(d))
    return tuple(dims)


def _serialized_bytes(value):
    from .tfrecord import to_bytes
    b = to_bytes(value)
    if b is None:
        raise InvalidArgumentError(None, "ParseExample", "Expected a scalar serialized Example "
                                   f"(bytes); got {type(value).__name__}.")
    return b


def _serialized_batch(value):
    if hasattr(value, "numpy"):
        value = value.numpy()
    arr = np.asarray(value, dtype=object)
    if arr.ndim != 1:
        raise InvalidArgumentError(None, "ParseExample", "parse_example expects a 1-D batch of "
                                   f"serialized Examples; got shape {arr.shape}.")
    return [_serialized_bytes(v) for v in arr]


def _feature_map(data):
    from .. import train
    try:
        ex = train.Example.FromString(data)
    except Exception as e:  # noqa: BLE001 - any decoding error is a bad record
        raise InvalidArgumentError(None, "ParseExample",
                                   f"Could not parse example input, value: {data[:64]!r}: "
                                   f"{e}") from None
    return ex.features.feature


def _values(key, fmap, dtype_name):
    """The values of feature `key` as a NumPy array, or None when absent."""
    if key not in fmap:
        return None
    feat = fmap[key]
    kind = feat.WhichOneof("kind")
    if kind is None:
        return np.zeros(0, _NP[dtype_name])
    want = _KINDS[dtype_name]
    if kind != want:
        raise InvalidArgumentError(
            None, "ParseExample", f"Name: <unknown>, Feature: {key}.  Data types don't match. "
            f"Data type: {_TYPE_NAMES[kind]} but expected type: {_TYPE_NAMES[want]}")
    vals = getattr(feat, kind).value
    if dtype_name == "string":
        out = np.empty(len(vals), object)
        out[:] = [bytes(v) for v in vals]
        return out
    return np.asarray(vals, _NP[dtype_name])


def _default(key, spec, shape, dtype_name):
    if spec.default_value is None:
        raise InvalidArgumentError(
            None, "ParseExample", f"Feature: {key} (data type: {_TYPE_NAMES[_KINDS[dtype_name]]}) "
            "is required but could not be found.")
    d = spec.default_value
    if hasattr(d, "numpy"):
        d = d.numpy()
    if dtype_name == "string":
        arr = np.empty(np.shape(d), object)
        flat = np.asarray(d, object).reshape(-1)
        arr.reshape(-1)[:] = [v.encode() if isinstance(v, str) else bytes(v) for v in flat]
    else:
        arr = np.asarray(d, _NP[dtype_name])
    n = int(np.prod(shape)) if shape else 1
    if arr.size == 1 and n != 1:
        arr = np.full(shape, arr.reshape(-1)[0], dtype=arr.dtype)
    if arr.size != n:
        raise ValueError(f"Feature {key!r}: default_value has {arr.size} values, the shape "
                         f"{list(shape)} needs {n}.")
    return arr.reshape(shape)


def _parse_one(key, spec, fmap):
    """One feature of one example as a NumPy array (VarLen/sequence features: 1-D / [n, ...])."""
    if isinstance(spec, VarLenFeature):
        dt = _check_dtype(key, spec.dtype)
        v = _values(key, fmap, dt)
        return np.zeros(0, _NP[dt]) if v is None else v
    if isinstance(spec, FixedLenSequenceFeature):
        dt = _check_dtype(key, spec.dtype)
        shape = _shape_of(key, spec.shape)
        v = _values(key, fmap, dt)
        if v is None:
            if not spec.allow_missing:
                raise InvalidArgumentError(None, "ParseExample", f"Feature: {key} is required "
                                           "but could not be found.")
            v = np.zeros(0, _NP[dt])
        per = int(np.prod(shape)) if shape else 1
        if per == 0 or v.size % per:
            raise InvalidArgumentError(
                None, "ParseExample", f"Name: <unknown>, Key: {key}, Index: 0.  Number of values "
                f"is not a multiple of stride length. Saw {v.size} values but output shape is: "
                f"{list(shape)}")
        return v.reshape((v.size // per,) + shape)
    if isinstance(spec, FixedLenFeature):
        dt = _check_dtype(key, spec.dtype)
        shape = _shape_of(key, spec.shape)
        v = _values(key, fmap, dt)
        if v is None:
            return _default(key, spec, shape, dt)
        n = int(np.prod(shape)) if shape else 1
        if v.size != n:
            raise InvalidArgumentError(
                None, "ParseExample", f"Key: {key}.  Can't parse serialized Example: expected "
                f"{n} values for shape {list(shape)}, found {v.size}.")
        return v.reshape(shape)
    raise TypeError(f"Feature {key!r}: unsupported feature description {spec!r}; use "
                    "FixedLenFeature, FixedLenSequenceFeature or VarLenFeature.")


def _check_features(features):
    if not isinstance(features, dict) or not features:
        raise ValueError("`features` must be a non-empty dict of feature name to "
                         "FixedLenFeature / VarLenFeature / FixedLenSequenceFeature.")


def parse_single_example(serialized, features, example_names=None, name=None):
    """Parses one serialized `tf.train.Example` into a dict of tensors.

    Args:
        serialized: a scalar string tensor (or bytes).
        features: `{name: FixedLenFeature | FixedLenSequenceFeature | VarLenFeature}`.

    Returns:
        `{name: Tensor}`.
    """
    _check_features(features)
    fmap = _feature_map(_serialized_bytes(serialized))
    return {k: _wrap(_parse_one(k, spec, fmap)) for k, spec in features.items()}


def _pad_stack(arrays, dt, default=None):
    n = max((a.shape[0] for a in arrays), default=0)
    tail = arrays[0].shape[1:] if arrays else ()
    if dt == "string":
        out = np.empty((len(arrays), n) + tail, object)
        out[...] = b"" if default is None else default
    else:
        out = np.full((len(arrays), n) + tail, 0 if default is None else default, _NP[dt])
    for i, a in enumerate(arrays):
        out[i, :a.shape[0]] = a
    return out


def parse_example(serialized, features, example_names=None, name=None):
    """Parses a batch (a 1-D string tensor) of serialized Examples into a dict of batched
    tensors; variable-length features are padded to the longest (0 or b"")."""
    _check_features(features)
    records = _serialized_batch(serialized)
    fmaps = [_feature_map(r) for r in records]
    out = {}
    for k, spec in features.items():
        parts = [_parse_one(k, spec, fm) for fm in fmaps]
        dt = _check_dtype(k, spec.dtype)
        if isinstance(spec, FixedLenFeature):
            shape = _shape_of(k, spec.shape)
            arr = np.stack(parts) if parts else np.zeros((0,) + shape, _NP[dt])
        elif isinstance(spec, FixedLenSequenceFeature):
            arr = _pad_stack(parts, dt, spec.default_value)
            if not parts:
                arr = arr.reshape((0, 0) + _shape_of(k, spec.shape))
        else:
            arr = _pad_stack(parts, dt)
        out[k] = _wrap(arr)
    return out


def _sequence_features(fl_map, key, spec):
    if key not in fl_map:
        return None
    rows = []
    dt = _check_dtype(key, spec.dtype)
    for feat in fl_map[key].feature:
        rows.append(_parse_one(key, spec if not isinstance(spec, FixedLenSequenceFeature) else
                               FixedLenFeature(spec.shape, spec.dtype), {key: feat}))
    if not rows:
        shape = () if isinstance(spec, VarLenFeature) else _shape_of(key, spec.shape)
        return np.zeros((0,) + shape, _NP[dt])
    if isinstance(spec, VarLenFeature):
        return _pad_stack(rows, dt)
    return np.stack(rows)


def parse_single_sequence_example(serialized, context_features=None, sequence_features=None,
                                  example_name=None, name=None):
    """Parses one serialized `tf.train.SequenceExample` into `(context, feature_lists)` dicts
    of tensors (sequence features are `[steps, ...]`; VarLen ones padded)."""
    from .. import train
    data = _serialized_bytes(serialized)
    try:
        seq = train.SequenceExample.FromString(data)
    except Exception as e:  # noqa: BLE001
        raise InvalidArgumentError(None, "ParseSequenceExample",
                                   f"Could not parse SequenceExample: {e}") from None
    ctx_map = seq.context.feature
    context = {k: _wrap(_parse_one(k, s, ctx_map)) for k, s in (context_features or {}).items()}
    fl_map = seq.feature_lists.feature_list
    lists = {}
    for k, s in (sequence_features or {}).items():
        v = _sequence_features(fl_map, k, s)
        if v is None:
            if isinstance(s, FixedLenSequenceFeature) and not s.allow_missing:
                raise InvalidArgumentError(None, "ParseSequenceExample",
                                           f"Feature list: {k} is required but could not be "
                                           "found.")
            dt = _check_dtype(k, s.dtype)
            shape = () if isinstance(s, VarLenFeature) else _shape_of(k, s.shape)
            v = np.zeros((0,) + shape, _NP[dt])
        lists[k] = _wrap(v)
    return context, lists
