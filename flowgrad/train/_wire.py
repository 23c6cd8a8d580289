"""A small protocol-buffer runtime for the `tf.train.Example` family of messages.

Used when the `protobuf` package is not installed. It implements the wire format (varints,
length-delimited fields, packed repeated scalars, maps of messages, one oneof) and the part of
the generated-message API that user code touches: keyword construction, attribute access with
default sub-messages, `SerializeToString` / `ParseFromString` / `FromString`, `CopyFrom`,
`MergeFrom`, `HasField`, `WhichOneof`, `ClearField`, `ListFields`, `ByteSize`, `==` and the
text format as `str()`.

A message class declares its fields as `_FIELDS = [(name, number, kind, type), ...]`, with
kind one of "float*", "int64*", "bytes*" (repeated scalars), "message", "message*" (repeated
messages) and "map" (string keys to messages).
"""

import struct

import numpy as np


# -- wire primitives -------------------------------------------------------------------------------
def _varint(value, out):
    value &= 0xFFFFFFFFFFFFFFFF
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)


def _read_varint(buf, pos):
    result = 0
    shift = 0
    while True:
        if pos >= len(buf):
            raise DecodeError("Truncated message: a varint runs past the end.")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7
        if shift >= 70:
            raise DecodeError("A varint is too long.")


def _signed64(v):
    return v - (1 << 64) if v >= 1 << 63 else v


def _key(number, wire_type, out):
    _varint((number << 3) | wire_type, out)


def _bytes_field(number, payload, out):
    _key(number, 2, out)
    _varint(len(payload), out)
    out += payload


def _skip(buf, pos, wire_type):
    if wire_type == 0:
        return _read_varint(buf, pos)[1]
    if wire_type == 1:
        return pos + 8
    if wire_type == 2:
        n, pos = _read_varint(buf, pos)
        return pos + n
    if wire_type == 5:
        return pos + 4
    raise DecodeError(f"Unsupported wire type {wire_type}.")


class DecodeError(Exception):
    """The bytes are not a valid serialization of the message (`message.DecodeError`)."""


# -- containers ------------------------------------------------------------------------------------
class RepeatedScalar(list):
    """A repeated scalar field: a list that converts what is added to the field's type."""

    __slots__ = ("_convert",)

    def __init__(self, convert, values=()):
        super().__init__()
        self._convert = convert
        if values:
            self.extend(values)

    def append(self, value):
        super().append(self._convert(value))

    def extend(self, values):
        if isinstance(values, np.ndarray):
            values = values.reshape(-1).tolist()
        super().extend(self._convert(v) for v in values)

    def insert(self, index, value):
        super().insert(index, self._convert(value))

    def __setitem__(self, index, value):
        if isinstance(index, slice):
            super().__setitem__(index, [self._convert(v) for v in value])
        else:
            super().__setitem__(index, self._convert(value))

    def MergeFrom(self, other):
        self.extend(other)

    def __eq__(self, other):
        return list(self) == list(other)

    __hash__ = None


class RepeatedMessage(list):
    """A repeated message field: `add(**fields)` creates and appends a message."""

    __slots__ = ("_cls",)

    def __init__(self, cls, values=()):
        super().__init__()
        self._cls = cls
        for v in values:
            self.append(v)

    def add(self, **kwargs):
        m = self._cls(**kwargs)
        super().append(m)
        return m

    def append(self, value):
        if isinstance(value, dict):
            value = self._cls(**value)
        if not isinstance(value, self._cls):
            raise TypeError(f"Expected a {self._cls.__name__}; got {type(value).__name__}.")
        m = self._cls()
        m.CopyFrom(value)
        super().append(m)

    def extend(self, values):
        for v in values:
            self.append(v)

    def MergeFrom(self, other):
        self.extend(other)

    def __eq__(self, other):
        return list(self) == list(other)

    __hash__ = None


class MessageMap(dict):
    """A map<string, Message> field: reading a missing key creates its entry (protobuf's rule)."""

    __slots__ = ("_cls",)

    def __init__(self, cls, values=None):
        super().__init__()
        self._cls = cls
        if values:
            for k, v in dict(values).items():
                self[k] = v

    def __missing__(self, key):
        m = self._cls()
        super().__setitem__(_key_str(key), m)
        return m

    def __setitem__(self, key, value):
        if isinstance(value, dict):
            value = self._cls(**value)
        if not isinstance(value, self._cls):
            raise TypeError(f"Map values must be {self._cls.__name__}; got "
                            f"{type(value).__name__}.")
        m = self._cls()
        m.CopyFrom(value)
        super().__setitem__(_key_str(key), m)

    def get_or_create(self, key):
        return self[key]

    def MergeFrom(self, other):
        for k, v in other.items():
            self[k] = v

    def __eq__(self, other):
        return dict(self) == dict(other)

    __hash__ = None


def _key_str(key):
    if isinstance(key, bytes):
        return key.decode("utf-8")
    if not isinstance(key, str):
        raise TypeError(f"Map keys must be str; got {type(key).__name__}.")
    return key


def _to_float(v):
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.number)):
        if hasattr(v, "numpy"):
            return _to_float(v.numpy())
        raise TypeError(f"{v!r} has type {type(v).__name__}, but expected one of: int, float")
    return float(np.float32(v))


def _to_int64(v):
    if isinstance(v, (float, np.floating)) or not isinstance(v, (int, np.integer)):
        if hasattr(v, "numpy"):
            return _to_int64(v.numpy())
        raise TypeError(f"{v!r} has type {type(v).__name__}, but expected one of: int")
    v = int(v)
    if not -(1 << 63) <= v < (1 << 63):
        raise ValueError(f"Value out of range: {v}")
    return v


def _to_bytes(v):
    if isinstance(v, (bytes, bytearray, np.bytes_)):
        return bytes(v)
    if isinstance(v, str):
        return v.encode("utf-8")
    if hasattr(v, "numpy"):
        return _to_bytes(v.numpy())
    if isinstance(v, np.ndarray) and v.ndim == 0:
        return _to_bytes(v[()])
    raise TypeError(f"{v!r} has type {type(v).__name__}, but expected one of: bytes")


_CONVERT = {"float*": _to_float, "int64*": _to_int64, "bytes*": _to_bytes}


# -- messages --------------------------------------------------------------------------------------
class Message:
    """Base of the hand-written message classes."""

    _FIELDS = ()
    _ONEOF = None       # (oneof name, [field names]) or None
    __slots__ = ("_set", "_values")

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._BY_NAME = {f[0]: f for f in cls._FIELDS}
        cls._BY_NUMBER = {f[1]: f for f in cls._FIELDS}

    def __init__(self, **kwargs):
        object.__setattr__(self, "_values", {})
        object.__setattr__(self, "_set", set())
        for name, value in kwargs.items():
            if name not in self._BY_NAME:
                raise ValueError(f'Protocol message {type(self).__name__} has no "{name}" '
                                 "field.")
            if value is None:
                continue
            self._assign(name, value)

    # -- field access
    def _field_type(self, spec):
        t = spec[3]
        return _CLASSES[t] if isinstance(t, str) else t

    def _new_container(self, spec):
        kind = spec[2]
        if kind in _CONVERT:
            return RepeatedScalar(_CONVERT[kind])
        if kind == "message*":
            return RepeatedMessage(self._field_type(spec))
        if kind == "map":
            return MessageMap(self._field_type(spec))
        return self._field_type(spec)()

    def __getattr__(self, name):
        spec = type(self)._BY_NAME.get(name)
        if spec is None:
            raise AttributeError(f"{type(self).__name__} has no field {name!r}.")
        values = self._values
        v = values.get(name)
        if v is None:
            v = values[name] = self._new_container(spec)
        return v

    def __setattr__(self, name, value):
        if name not in type(self)._BY_NAME:
            raise AttributeError(f"{type(self).__name__} has no field {name!r}.")
        self._assign(name, value)

    def _assign(self, name, value):
        spec = self._BY_NAME[name]
        kind = spec[2]
        c = self._new_container(spec)
        if kind == "message":
            if isinstance(value, dict):
                value = c.__class__(**value)
            if not isinstance(value, c.__class__):
                raise TypeError(f"Field {name} must be a {c.__class__.__name__}; got "
                                f"{type(value).__name__}.")
            c.CopyFrom(value)
        elif kind == "map":
            for k, v in dict(value).items():
                c[k] = v
        else:
            if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
                raise TypeError(f"Field {name} is repeated; got {type(value).__name__}.")
            c.extend(value)
        self._values[name] = c
        self._mark(name)

    def _mark(self, name):
        one = self._ONEOF
        if one is not None and name in one[1]:
            for other in one[1]:
                if other != name:
                    self._values.pop(other, None)
                    self._set.discard(other)
        self._set.add(name)

    def _present(self, name):
        v = self._values.get(name)
        if v is None:
            return False
        if self._BY_NAME[name][2] == "message":
            return name in self._set or v.ByteSize() > 0
        return len(v) > 0

    # -- protobuf API
    def HasField(self, name):
        spec = self._BY_NAME.get(name)
        if self._ONEOF is not None and name == self._ONEOF[0]:
            return self.WhichOneof(name) is not None
        if spec is None or spec[2] != "message":
            raise ValueError(f'Protocol message has no singular "{name}" field.')
        return self._present(name)

    def WhichOneof(self, oneof_group):
        one = self._ONEOF
        if one is None or oneof_group != one[0]:
            raise ValueError(f'Protocol message has no oneof "{oneof_group}" field.')
        present = [n for n in one[1] if self._present(n)]
        if not present:
            return None
        marked = [n for n in present if n in self._set]
        return (marked or present)[-1]

    def ClearField(self, name):
        self._values.pop(name, None)
        self._set.discard(name)

    def Clear(self):
        self._values.clear()
        self._set.clear()

    def ListFields(self):
        out = []
        for spec in self._FIELDS:
            if self._present(spec[0]):
                out.append((spec, self._values[spec[0]]))
        return out

    def CopyFrom(self, other):
        if other is self:
            return
        self.Clear()
        self.MergeFrom(other)

    def MergeFrom(self, other):
        if not isinstance(other, type(self)):
            raise TypeError(f"Parameter to MergeFrom() must be instance of same class: expected "
                            f"{type(self).__name__} got {type(other).__name__}.")
        for spec, value in other.ListFields():
            name = spec[0]
            if spec[2] == "message":
                getattr(self, name).MergeFrom(value)
                self._mark(name)
            else:
                getattr(self, name).MergeFrom(value)
                self._mark(name)

    def IsInitialized(self):
        return True

    def SerializeToString(self, deterministic=False):
        out = bytearray()
        self._encode(out, deterministic)
        return bytes(out)

    SerializePartialToString = SerializeToString

    def ByteSize(self):
        return len(self.SerializeToString())

    def ParseFromString(self, data):
        self.Clear()
        return self.MergeFromString(data)

    def MergeFromString(self, data):
        data = bytes(data)
        self._decode(data, 0, len(data))
        return len(data)

    @classmethod
    def FromString(cls, data):
        m = cls()
        m.MergeFromString(data)
        return m

    def __eq__(self, other):
        if type(other) is not type(self):
            return NotImplemented
        return self.SerializeToString(True) == other.SerializeToString(True)

    __hash__ = None

    def __reduce__(self):
        return type(self).FromString, (self.SerializeToString(),)

    def __deepcopy__(self, memo):
        return type(self).FromString(self.SerializeToString())

    def __copy__(self):
        return self.__deepcopy__(None)

    def __str__(self):
        lines = []
        self._text(lines, 0)
        return "".join(lines)

    def __repr__(self):
        return str(self)

    # -- wire format
    def _encode(self, out, deterministic):
        for spec in self._FIELDS:
            name, number, kind, _ = spec
            v = self._values.get(name)
            if v is None:
                continue
            if kind == "message":
                if not self._present(name):
                    continue
                _bytes_field(number, v.SerializeToString(deterministic), out)
            elif kind == "float*":
                if v:
                    _bytes_field(number, np.asarray(v, "<f4").tobytes(), out)
            elif kind == "int64*":
                if v:
                    payload = bytearray()
                    for x in v:
                        _varint(x, payload)
                    _bytes_field(number, payload, out)
            elif kind == "bytes*":
                for x in v:
                    _bytes_field(number, x, out)
            elif kind == "message*":
                for m in v:
                    _bytes_field(number, m.SerializeToString(deterministic), out)
            elif kind == "map":
                keys = sorted(v) if deterministic else list(v)
                for k in keys:
                    entry = bytearray()
                    _bytes_field(1, k.encode("utf-8"), entry)
                    _bytes_field(2, v[k].SerializeToString(deterministic), entry)
                    _bytes_field(number, entry, out)

    def _decode(self, buf, pos, end):
        by_number = self._BY_NUMBER
        while pos < end:
            key, pos = _read_varint(buf, pos)
            number, wire = key >> 3, key & 7
            spec = by_number.get(number)
            if spec is None:
                pos = _skip(buf, pos, wire)
                continue
            name, _, kind, _ = spec
            if wire == 2:
                n, pos = _read_varint(buf, pos)
                stop = pos + n
                if stop > end:
                    raise DecodeError("Truncated message.")
                chunk = buf[pos:stop]
                pos = stop
            else:
                chunk = None
            container = getattr(self, name)
            if kind == "message":
                if chunk is None:
                    raise DecodeError(f"Field {name}: wrong wire type {wire}.")
                container._decode(chunk, 0, len(chunk))
                self._mark(name)
            elif kind == "float*":
                if wire == 2:
                    if len(chunk) % 4:
                        raise DecodeError("Packed floats of a bad length.")
                    list.extend(container, np.frombuffer(chunk, "<f4").tolist())
                elif wire == 5:
                    list.append(container, struct.unpack_from("<f", buf, pos)[0])
                    pos += 4
                else:
                    raise DecodeError(f"Field {name}: wrong wire type {wire}.")
            elif kind == "int64*":
                if wire == 2:
                    p, values = 0, []
                    while p < len(chunk):
                        x, p = _read_varint(chunk, p)
                        values.append(_signed64(x))
                    list.extend(container, values)
                elif wire == 0:
                    x, pos = _read_varint(buf, pos)
                    list.append(container, _signed64(x))
                else:
                    raise DecodeError(f"Field {name}: wrong wire type {wire}.")
            elif kind == "bytes*":
                if chunk is None:
                    raise DecodeError(f"Field {name}: wrong wire type {wire}.")
                list.append(container, chunk)
            elif kind == "message*":
                if chunk is None:
                    raise DecodeError(f"Field {name}: wrong wire type {wire}.")
                m = container._cls()
                m._decode(chunk, 0, len(chunk))
                list.append(container, m)
            elif kind == "map":
                if chunk is None:
                    raise DecodeError(f"Field {name}: wrong wire type {wire}.")
                k, m = "", container._cls()
                p = 0
                while p < len(chunk):
                    ek, p = _read_varint(chunk, p)
                    enum, ewire = ek >> 3, ek & 7
                    if ewire != 2:
                        p = _skip(chunk, p, ewire)
                        continue
                    n, p = _read_varint(chunk, p)
                    part = chunk[p:p + n]
                    p += n
                    if enum == 1:
                        k = part.decode("utf-8")
                    elif enum == 2:
                        m._decode(part, 0, len(part))
                dict.__setitem__(container, k, m)
            if kind != "message":
                self._mark(name)

    # -- text format
    def _text(self, lines, depth):
        pad = "  " * depth
        for spec in self._FIELDS:
            name, _, kind, _ = spec
            if not self._present(name):
                continue
            v = self._values[name]
            if kind == "message":
                lines.append(f"{pad}{name} {{\n")
                v._text(lines, depth + 1)
                lines.append(f"{pad}}}\n")
            elif kind == "message*":
                for m in v:
                    lines.append(f"{pad}{name} {{\n")
                    m._text(lines, depth + 1)
                    lines.append(f"{pad}}}\n")
            elif kind == "map":
                for k, m in v.items():
                    lines.append(f"{pad}{name} {{\n{pad}  key: {_quote(k.encode())}\n"
                                 f"{pad}  value {{\n")
                    m._text(lines, depth + 2)
                    lines.append(f"{pad}  }}\n{pad}}}\n")
            else:
                for x in v:
                    if kind == "bytes*":
                        s = _quote(x)
                    elif kind == "float*":
                        s = _float_text(x)
                    else:
                        s = str(x)
                    lines.append(f"{pad}{name}: {s}\n")


def _float_text(x):
    if np.isnan(x):
        return "nan"
    if np.isinf(x):
        return "inf" if x > 0 else "-inf"
    return str(np.float32(x))


def _quote(b):
    out = []
    for c in b:
        if c == 0x22:
            out.append('\\"')
        elif c == 0x5C:
            out.append("\\\\")
        elif c == 0x0A:
            out.append("\\n")
        elif c == 0x0D:
            out.append("\\r")
        elif c == 0x09:
            out.append("\\t")
        elif c == 0x27:
            out.append("\\'")
        elif 0x20 <= c < 0x7F:
            out.append(chr(c))
        else:
            out.append(f"\\{c:03o}")
    return '"' + "".join(out) + '"'


# -- the tf.train.Example family (tensorflow/core/example/{feature,example}.proto) -----------------
class BytesList(Message):
    """A list of byte strings (`tf.train.BytesList`)."""
    _FIELDS = (("value", 1, "bytes*", None),)
    __slots__ = ()


class FloatList(Message):
    """A list of float32 values (`tf.train.FloatList`)."""
    _FIELDS = (("value", 1, "float*", None),)
    __slots__ = ()


class Int64List(Message):
    """A list of int64 values (`tf.train.Int64List`)."""
    _FIELDS = (("value", 1, "int64*", None),)
    __slots__ = ()


class Feature(Message):
    """One feature: a `bytes_list`, `float_list` or `int64_list` (`tf.train.Feature`)."""
    _FIELDS = (("bytes_list", 1, "message", "BytesList"),
               ("float_list", 2, "message", "FloatList"),
               ("int64_list", 3, "message", "Int64List"))
    _ONEOF = ("kind", ("bytes_list", "float_list", "int64_list"))
    __slots__ = ()


class Features(Message):
    """A map from feature names to `Feature`s (`tf.train.Features`)."""
    _FIELDS = (("feature", 1, "map", "Feature"),)
    __slots__ = ()


class FeatureList(Message):
    """A sequence of `Feature`s (`tf.train.FeatureList`)."""
    _FIELDS = (("feature", 1, "message*", "Feature"),)
    __slots__ = ()


class FeatureLists(Message):
    """A map from names to `FeatureList`s (`tf.train.FeatureLists`)."""
    _FIELDS = (("feature_list", 1, "map", "FeatureList"),)
    __slots__ = ()


class Example(Message):
    """A record of named features (`tf.train.Example`).

    Example:
        >>> ex = Example(features=Features(feature={
        ...     "x": Feature(float_list=FloatList(value=[1.5]))}))
        >>> Example.FromString(ex.SerializeToString()).features.feature["x"].float_list.value
        [1.5]
    """
    _FIELDS = (("features", 1, "message", "Features"),)
    __slots__ = ()


class SequenceExample(Message):
    """Context features plus feature lists (`tf.train.SequenceExample`)."""
    _FIELDS = (("context", 1, "message", "Features"),
               ("feature_lists", 2, "message", "FeatureLists"))
    __slots__ = ()


_CLASSES = {c.__name__: c for c in (BytesList, FloatList, Int64List, Feature, Features,
                                     FeatureList, FeatureLists, Example, SequenceExample)}
