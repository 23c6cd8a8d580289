"""`tf.io.serialize_tensor` / `tf.io.parse_tensor`: a tensor as a serialized TensorProto.

TensorProto fields used: dtype = 1 (DataType enum), tensor_shape = 2 (TensorShapeProto: dim = 2
{size = 1}), tensor_content = 4 (the little-endian bytes of numeric tensors) and string_val = 8
(one entry per string). Parsing also accepts the typed repeated fields other writers use
(float_val = 5, double_val = 6, int_val = 7, int64_val = 10, bool_val = 11, half_val = 13,
uint32_val = 16, uint64_val = 17), where a single value fills the whole shape.
"""

import numpy as np

from .. import dtypes as _dtypes
from ..core.tensor import _wrap
from ..errors import InvalidArgumentError
from ..train._wire import _bytes_field, _key, _read_varint, _signed64, _skip, _varint

# DataType enum values (tensorflow/core/framework/types.proto)
_ENUM = {"float32": 1, "float64": 2, "int32": 3, "uint8": 4, "int16": 5, "int8": 6,
         "string": 7, "complex64": 8, "int64": 9, "bool": 10, "bfloat16": 14, "uint16": 17,
         "complex128": 18, "float16": 19, "uint32": 22, "uint64": 23}
_BY_ENUM = {v: k for k, v in _ENUM.items()}


def _array_of(tensor):
    if hasattr(tensor, "numpy"):
        v = tensor.numpy()
        return np.asarray(v, dtype=object) if isinstance(v, (bytes, str)) else np.asarray(v)
    if isinstance(tensor, (bytes, str)):
        return np.asarray(tensor, dtype=object)
    from ..ops.array_ops import convert_to_tensor
    return np.asarray(convert_to_tensor(tensor).numpy())


def serialize_tensor(tensor, name=None):
    """The serialized TensorProto of a tensor, as a scalar string tensor."""
    arr = _array_of(tensor)
    dt = _dtypes.from_numpy(arr.dtype) if arr.dtype != object else _dtypes.string
    if arr.dtype.kind in "US":
        dt = _dtypes.string
    if dt.name not in _ENUM:
        raise InvalidArgumentError(None, "SerializeTensor", f"Cannot serialize a {dt.name} "
                                   "tensor.")
    out = bytearray()
    _key(1, 0, out)
    _varint(_ENUM[dt.name], out)
    shape = bytearray()
    for d in arr.shape:
        dim = bytearray()
        if d:
            _key(1, 0, dim)
            _varint(int(d), dim)
        _bytes_field(2, dim, shape)
    _bytes_field(2, shape, out)
    if dt.name == "string":
        for v in arr.reshape(-1):
            _bytes_field(8, v.encode("utf-8") if isinstance(v, str) else bytes(v), out)
    elif arr.size:
        np_dt = np.dtype(dt.as_numpy_dtype).newbyteorder("<") if dt.name != "bfloat16" \
            else arr.dtype
        _bytes_field(4, np.ascontiguousarray(arr, dtype=np_dt).tobytes(), out)
    return _wrap(np.array(bytes(out), dtype=object))


def _packed_or_single(chunk, wire, buf_pos_value, kind):
    """Values of a typed repeated field: packed (wire 2) or one value."""
    if wire == 2:
        if kind == "f4":
            return np.frombuffer(chunk, "<f4").tolist()
        if kind == "f8":
            return np.frombuffer(chunk, "<f8").tolist()
        vals, p = [], 0
        while p < len(chunk):
            x, p = _read_varint(chunk, p)
            vals.append(x)
        return vals
    return [buf_pos_value]


def parse_tensor(serialized, out_type, name=None):
    """Parses a serialized TensorProto; `out_type` must match its dtype."""
    if hasattr(serialized, "numpy"):
        serialized = serialized.numpy()
    if isinstance(serialized, np.ndarray):
        serialized = serialized[()]
    data = serialized.encode() if isinstance(serialized, str) else bytes(serialized)
    want = _dtypes.as_dtype(out_type)
    pos, end = 0, len(data)
    enum, shape, content, strings, typed = None, [], None, [], []
    try:
        while pos < end:
            key, pos = _read_varint(data, pos)
            num, wire = key >> 3, key & 7
            if wire == 2:
                n, pos = _read_varint(data, pos)
                chunk = data[pos:pos + n]
                pos += n
            else:
                chunk = None
            if num == 1 and wire == 0:
                enum, pos = _read_varint(data, pos)
            elif num == 2 and chunk is not None:
                p = 0
                while p < len(chunk):
                    k2, p = _read_varint(chunk, p)
                    if k2 >> 3 == 2 and k2 & 7 == 2:
                        n2, p = _read_varint(chunk, p)
                        dim = chunk[p:p + n2]
                        p += n2
                        size, q = 0, 0
                        while q < len(dim):
                            k3, q = _read_varint(dim, q)
                            if k3 >> 3 == 1 and k3 & 7 == 0:
                                size, q = _read_varint(dim, q)
                                size = _signed64(size)
                            else:
                                q = _skip(dim, q, k3 & 7)
                        shape.append(size)
                    else:
                        p = _skip(chunk, p, k2 & 7)
            elif num == 4 and chunk is not None:
                content = chunk
            elif num == 8 and chunk is not None:
                strings.append(chunk)
            elif num in (5, 6, 7, 10, 11, 13, 16, 17):
                kind = {5: "f4", 6: "f8"}.get(num, "varint")
                if wire == 5 and num == 5:
                    import struct
                    typed.append(struct.unpack_from("<f", data, pos)[0])
                    pos += 4
                elif wire == 1 and num == 6:
                    import struct
                    typed.append(struct.unpack_from("<d", data, pos)[0])
                    pos += 8
                elif wire == 0:
                    x, pos = _read_varint(data, pos)
                    typed.append(x)
                else:
                    typed.extend(_packed_or_single(chunk, wire, None, kind))
            elif chunk is None:
                pos = _skip(data, pos, wire)
    except Exception as e:  # noqa: BLE001
        raise InvalidArgumentError(None, "ParseTensor", f"Could not parse `serialized` as "
                                   f"TensorProto: {e}") from None
    name_ = _BY_ENUM.get(enum)
    if name_ is None:
        raise InvalidArgumentError(None, "ParseTensor", f"Unsupported TensorProto dtype enum "
                                   f"{enum}.")
    if name_ != want.name:
        raise InvalidArgumentError(None, "ParseTensor", f"Type mismatch between parsed tensor "
                                   f"({name_}) and dtype ({want.name})")
    shape = tuple(shape)
    n = int(np.prod(shape)) if shape else 1
    if name_ == "string":
        arr = np.empty(len(strings), object)
        arr[:] = strings
    elif content is not None:
        arr = np.frombuffer(content, np.dtype(want.as_numpy_dtype).newbyteorder("<"))
        arr = arr.astype(want.as_numpy_dtype)
    else:
        np_dt = np.dtype(want.as_numpy_dtype)
        if name_ == "float16":
            arr = np.asarray(typed, np.uint16).view(np.float16)
        elif np_dt.kind == "i":
            arr = np.asarray([_signed64(v) if v >= 1 << 63 else
                              (v - (1 << 32) if np_dt.itemsize <= 4 and v >= 1 << 31 else v)
                              for v in typed], np.int64).astype(np_dt)
        else:
            arr = np.asarray(typed).astype(np_dt)
    if arr.size == 1 and n != 1:
        arr = np.full(n, arr[0], arr.dtype)
    elif arr.size == 0 and n:
        arr = np.zeros(n, arr.dtype) if name_ != "string" else np.full(n, b"", object)
    if arr.size != n:
        raise InvalidArgumentError(None, "ParseTensor", f"The TensorProto has {arr.size} values "
                                   f"for shape {list(shape)}.")
    return _wrap(arr.reshape(shape).copy())
