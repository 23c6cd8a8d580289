"""`tf.io`: TFRecord files, `tf.train.Example` parsing, tensor serialization and file helpers.

* `TFRecordWriter` / `TFRecordOptions` write the TFRecord framing (length, masked CRC32C of
  the length, data, masked CRC32C of the data; optionally GZIP / ZLIB); `tf.data.TFRecordDataset`
  reads it back (`tfrecord.read_records`).
* `parse_single_example` / `parse_example` with `FixedLenFeature`, `FixedLenSequenceFeature`
  and `VarLenFeature` (dense results).
* `serialize_tensor` / `parse_tensor`, `read_file` / `write_file`, `decode_raw`,
  `matching_files` and `tf.io.gfile`.
"""

import os as _os

import numpy as _np

from . import gfile
from .parsing import (  # noqa: F401
    FixedLenFeature,
    FixedLenSequenceFeature,
    VarLenFeature,
    parse_example,
    parse_single_example,
    parse_single_sequence_example,
)
from .tensor_proto import parse_tensor, serialize_tensor  # noqa: F401
from .tfrecord import TFRecordCompressionType, TFRecordOptions, TFRecordWriter, tf_record_iterator  # noqa: F401


def _scalar_str(value, what):
    if hasattr(value, "numpy"):
        value = value.numpy()
    if isinstance(value, _np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, (str, _os.PathLike)):
        return _os.fspath(value)
    raise TypeError(f"{what} must be a scalar string; got {type(value).__name__}.")


def _string_tensor(data):
    from ..core.tensor import _wrap
    return _wrap(_np.array(data, dtype=object))


def read_file(filename, name=None):
    """The contents of a file as a scalar string tensor (`tf.io.read_file`)."""
    from ..errors import NotFoundError
    path = _scalar_str(filename, "filename")
    try:
        with open(path, "rb") as f:
            return _string_tensor(f.read())
    except FileNotFoundError:
        raise NotFoundError(None, "ReadFile", f"{path}; No such file or directory") from None


def write_file(filename, contents, name=None):
    """Writes a scalar string (bytes) to a file, creating parent directories."""
    from .tfrecord import _as_bytes
    path = _scalar_str(filename, "filename")
    parent = _os.path.dirname(path)
    if parent:
        _os.makedirs(parent, exist_ok=True)
    with open(path, "wb") as f:
        f.write(_as_bytes(contents))


def matching_files(pattern, name=None):
    """The sorted file names matching a glob pattern, as a 1-D string tensor."""
    pats = pattern.numpy() if hasattr(pattern, "numpy") else pattern
    pats = [pats] if isinstance(pats, (str, bytes)) or _np.ndim(pats) == 0 else list(
        _np.asarray(pats, object).reshape(-1))
    names = []
    for p in pats:
        names.extend(gfile.glob(p.decode() if isinstance(p, bytes) else str(p)))
    out = _np.empty(len(names), object)
    out[:] = [n.encode() for n in sorted(names)]
    from ..core.tensor import _wrap
    return _wrap(out)


def decode_raw(input_bytes, out_type, little_endian=True, fixed_length=None, name=None):
    """Reinterprets the bytes of each string as a vector of `out_type` (one more dimension than
    the input)."""
    from .. import dtypes
    from ..core.tensor import _wrap
    from ..errors import InvalidArgumentError
    dt = dtypes.as_dtype(out_type)
    np_dt = _np.dtype(dt.as_numpy_dtype).newbyteorder("<" if little_endian else ">")
    v = input_bytes.numpy() if hasattr(input_bytes, "numpy") else input_bytes
    arr = _np.asarray(v, dtype=object)
    flat = [x.encode() if isinstance(x, str) else bytes(x) for x in arr.reshape(-1)]
    rows = []
    for b in flat:
        if fixed_length is not None:
            b = b[:fixed_length].ljust(fixed_length, b"\0")
        if len(b) % np_dt.itemsize:
            raise InvalidArgumentError(
                None, "DecodeRaw", f"Input to DecodeRaw has length {len(b)} that is not a "
                f"multiple of {np_dt.itemsize}, the size of {dt.name}")
        rows.append(_np.frombuffer(b, np_dt).astype(dt.as_numpy_dtype))
    if arr.ndim == 0:
        return _wrap(rows[0].copy())
    lens = {r.size for r in rows}
    if len(lens) > 1:
        raise InvalidArgumentError(None, "DecodeRaw", "DecodeRaw requires input strings to all "
                                   "be the same size.")
    n = lens.pop() if lens else 0
    return _wrap(_np.stack(rows).reshape(arr.shape + (n,)) if rows else
                 _np.zeros(arr.shape + (0,), dt.as_numpy_dtype))
