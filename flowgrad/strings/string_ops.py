"""`tf.strings`: string ops on object arrays of UTF-8 `bytes`.

Elementwise ops (case, strip, length, substr, regex, hashing, number conversion; given a
RaggedTensor they map its values) and ops whose output shape follows from the input shape
(`join`, `reduce_join`, `ngrams` on dense tensors) are registered, non-differentiable flowgrad
ops: they run eagerly, under a tape and inside `tf.function` / `Dataset.map`. Ops that return a RaggedTensor (`split`, `bytes_split`,
`unicode_split`, `ngrams` on ragged input) have data-dependent shapes and run eagerly only;
inside a trace they raise `OperatorNotAllowedInGraphError` (`Dataset.map` then runs the
function eagerly by itself).

Regular expressions use Python's `re` in place of RE2: patterns are matched against the
UTF-8-decoded text with `re.ASCII` (`\\w`, `\\d`, `\\s`, `\\b` are ASCII classes, as in RE2) and
rewrites take RE2's `\\0`..`\\9` group references.
"""

import functools
import itertools
import re

import numpy as np

from .. import dtypes as _dtypes
from ..core.convert import convert_to_tensor
from ..core.dispatch import execute
from ..core.registry import register_op
from ..core.tensor import Tensor, _wrap
from ..errors import InvalidArgumentError, OperatorNotAllowedInGraphError
from . import _hash


# -- helpers ------------------------------------------------------------------------------------
def _b(v):
    """One element as bytes (string tensors hold bytes; tolerate str from other paths)."""
    if type(v) is bytes:
        return v
    if isinstance(v, str):
        return v.encode("utf-8")
    if isinstance(v, (bytes, np.bytes_)):
        return bytes(v)
    raise InvalidArgumentError(None, None, f"Expected a string element; got {type(v).__name__} "
                               f"{v!r}.")


def _flat(a):
    """The elements of a string array as a list of bytes."""
    return [_b(v) for v in np.asarray(a, dtype=object).reshape(-1).tolist()]


def _objects(items, shape):
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out.reshape(shape)


def _map(fn, a, dtype=object):
    """`fn` on each element of a string array, keeping the shape."""
    items = [fn(v) for v in _flat(a)]
    if dtype is object:
        return _objects(items, np.shape(a))
    return np.asarray(items, dtype=dtype).reshape(np.shape(a))


def _strings(x, op, what="input"):
    """A string Tensor from `x`, or a clear error naming `op`."""
    if isinstance(x, Tensor) or hasattr(x, "_is_variable"):
        t = convert_to_tensor(x)
        if t.dtype != _dtypes.string:
            raise InvalidArgumentError(
                None, op, f"tf.strings.{op} expects a string tensor as `{what}`; received dtype "
                f"{t.dtype.name} (shape {t.shape}). Convert numbers with tf.strings.as_string "
                f"first. [Op:{op}]")
        return t
    if hasattr(x, "flat_values"):
        raise TypeError(f"tf.strings.{op} expects a dense string tensor as `{what}`; got a "
                        "RaggedTensor.")
    try:
        return convert_to_tensor(x, dtype=_dtypes.string)
    except (TypeError, ValueError) as e:
        raise TypeError(f"tf.strings.{op}: cannot convert {x!r} to a string tensor ({e}).") \
            from None


def _static_str(v, what, op):
    """A Python str attribute from a str, bytes or eager scalar string tensor."""
    if isinstance(v, Tensor):
        if getattr(v, "_graph_value", None) is not None:
            raise OperatorNotAllowedInGraphError(
                f"tf.strings.{op}: `{what}` must be known when the function is traced; got the "
                "traced tensor {v!r}. Pass a Python string.")
        v = v.numpy()
        if isinstance(v, np.ndarray):
            if v.size != 1:
                raise InvalidArgumentError(None, op, f"`{what}` must be a scalar string.")
            v = v.reshape(())[()]
    if isinstance(v, (bytes, np.bytes_)):
        return bytes(v).decode("utf-8", "surrogateescape")
    if not isinstance(v, str):
        raise TypeError(f"tf.strings.{op}: `{what}` must be a string; got {v!r}.")
    return v


def _ragged_elementwise(fn):
    """Lets an elementwise op take a RaggedTensor: it maps the flat values and keeps the row
    partition, as TensorFlow's ragged dispatch does."""
    @functools.wraps(fn)
    def wrapper(input, *args, **kwargs):
        if hasattr(input, "flat_values") and hasattr(input, "with_flat_values"):
            return input.with_flat_values(fn(input.flat_values, *args, **kwargs))
        return fn(input, *args, **kwargs)
    return wrapper


def _eager_only(op, *tensors):
    for t in tensors:
        if getattr(t, "_graph_value", None) is not None:
            raise OperatorNotAllowedInGraphError(
                f"tf.strings.{op} returns a RaggedTensor whose shape depends on the string "
                "values; flowgrad computes it eagerly only, not inside a tf.function trace. "
                "Call it outside the function (a Dataset.map function that uses it runs "
                "eagerly by itself), or use ops with static shapes (e.g. a Keras "
                "TextVectorization layer with output_sequence_length set).")


def _text(v):
    return v.decode("utf-8", "surrogateescape")


def _bytes_of(s):
    return s.encode("utf-8", "surrogateescape")


# -- case, strip, length ------------------------------------------------------------------------
def _check_encoding(encoding, op):
    enc = (encoding or "").lower().replace("_", "-")
    if enc not in ("", "utf-8", "utf8"):
        raise InvalidArgumentError(None, op, f"tf.strings.{op}: encoding must be '' (ASCII "
                                   f"only) or 'utf-8'; got {encoding!r}.")
    return "utf-8" if enc else ""


def _case_kernel(method):
    def kernel(xp, x, encoding):
        if encoding:
            return _map(lambda v: _bytes_of(getattr(_text(v), method)()), x)
        return _map(lambda v: getattr(v, method)(), x)
    return kernel


LOWER = register_op("StringLower", _case_kernel("lower"), differentiable=False)
UPPER = register_op("StringUpper", _case_kernel("upper"), differentiable=False)


@_ragged_elementwise
def lower(input, encoding="", name=None):
    """Lower-cases each string: ASCII letters only, or all of Unicode with `encoding="utf-8"`.

    Example:
        >>> import flowgrad as tf
        >>> tf.strings.lower(["CamelCase"]).numpy()
        array([b'camelcase'], dtype=object)
    """
    return execute(LOWER, (_strings(input, "lower"),),
                   {"encoding": _check_encoding(encoding, "lower")})


@_ragged_elementwise
def upper(input, encoding="", name=None):
    """Upper-cases each string: ASCII letters only, or all of Unicode with `encoding="utf-8"`."""
    return execute(UPPER, (_strings(input, "upper"),),
                   {"encoding": _check_encoding(encoding, "upper")})


STRIP = register_op("StringStrip", lambda xp, x: _map(bytes.strip, x), differentiable=False)


@_ragged_elementwise
def strip(input, name=None):
    """Removes leading and trailing ASCII whitespace (space, \\t, \\n, \\v, \\f, \\r)."""
    return execute(STRIP, (_strings(input, "strip"),))


_CONTINUATION = bytes(range(0x80, 0xC0))


def _length_kernel(xp, x, unit):
    fn = len if unit == "BYTE" else (lambda v: len(v.translate(None, _CONTINUATION)))
    return _map(fn, x, np.int32)


LENGTH = register_op("StringLength", _length_kernel, differentiable=False)


def _unit(unit, op):
    if unit not in ("BYTE", "UTF8_CHAR"):
        raise InvalidArgumentError(None, op, f"tf.strings.{op}: unit must be 'BYTE' or "
                                   f"'UTF8_CHAR'; got {unit!r}.")
    return unit


@_ragged_elementwise
def length(input, unit="BYTE", name=None):
    """The length of each string in bytes, or in Unicode characters with `unit="UTF8_CHAR"`
    (int32)."""
    return execute(LENGTH, (_strings(input, "length"),), {"unit": _unit(unit, "length")})


# -- substr ---------------------------------------------------------------------------------------
def _chars(v):
    """A UTF-8 string cut into its characters (each a bytes object)."""
    out, start = [], 0
    for i in range(1, len(v) + 1):
        if i == len(v) or not 0x80 <= v[i] < 0xC0:
            out.append(v[start:i])
            start = i
    return out


def _substr_kernel(xp, x, pos, ln, unit):
    xb, pb, lb = np.broadcast_arrays(np.asarray(x, dtype=object), pos, ln)
    out = []
    for i, (v, p, n) in enumerate(zip(xb.reshape(-1).tolist(), pb.reshape(-1).tolist(),
                                      lb.reshape(-1).tolist())):
        v = _b(v)
        seq = v if unit == "BYTE" else _chars(v)
        size = len(seq)
        start = p + size if p < 0 else p
        if start < 0 or start > size:
            raise InvalidArgumentError(None, "Substr", f"pos {p} out of range for string {v!r} "
                                       f"at index {i} [Op:Substr]")
        stop = size if n < 0 else min(size, start + n)
        part = seq[start:stop]
        out.append(part if unit == "BYTE" else b"".join(part))
    return _objects(out, xb.shape)


SUBSTR = register_op("Substr", _substr_kernel, differentiable=False)


@_ragged_elementwise
def substr(input, pos, len, unit="BYTE", name=None):
    """The substring of each string starting at `pos` (negative: from the end) with up to
    `len` bytes or characters (a negative `len` takes the rest). `pos` and `len` are scalars
    or have the input's shape.

    Raises:
        InvalidArgumentError: a position lies beyond its string.
    """
    t = _strings(input, "substr")
    p = convert_to_tensor(pos)
    n = convert_to_tensor(len, dtype=p.dtype if isinstance(len, (int, list)) else None)
    for what, v in (("pos", p), ("len", n)):
        if not v.dtype.is_integer:
            raise InvalidArgumentError(None, "Substr", f"tf.strings.substr: `{what}` must be an "
                                       f"integer tensor; got dtype {v.dtype.name}.")
        if v.shape.rank != 0 and v.shape != t.shape:
            raise InvalidArgumentError(None, "Substr", f"tf.strings.substr: `{what}` must be a "
                                       f"scalar or have the input's shape {t.shape}; got shape "
                                       f"{v.shape}. [Op:Substr]")
    return execute(SUBSTR, (t, p, n), {"unit": _unit(unit, "substr")})


# -- join ---------------------------------------------------------------------------------------
def _join_kernel(xp, *arrays, separator):
    parts = np.broadcast_arrays(*[np.asarray(a, dtype=object) for a in arrays])
    rows = zip(*[_flat(p) for p in parts])
    return _objects([separator.join(r) for r in rows], parts[0].shape)


JOIN = register_op("StringJoin", _join_kernel, differentiable=False)


def join(inputs, separator="", name=None):
    """Joins a list of string tensors of one shape (or scalars) element by element.

    Example:
        >>> import flowgrad as tf
        >>> tf.strings.join([["a", "b"], "x"], separator="-").numpy()
        array([b'a-x', b'b-x'], dtype=object)
    """
    if isinstance(inputs, (Tensor, str, bytes)):
        raise TypeError("tf.strings.join expects a list of string tensors; use "
                        "tf.strings.reduce_join to join the elements of one tensor.")
    ts = tuple(_strings(x, "join", "inputs") for x in inputs)
    if not ts:
        raise InvalidArgumentError(None, "StringJoin", "tf.strings.join needs at least one "
                                   "input.")
    shapes = {tuple(t.shape.as_list()) for t in ts if t.shape.rank != 0}
    if len(shapes) > 1:
        raise InvalidArgumentError(None, "StringJoin", "tf.strings.join: the inputs must all "
                                   f"have the same shape, or be scalars; got shapes "
                                   f"{sorted(shapes)}. [Op:StringJoin]")
    sep = _b(_static_str(separator, "separator", "join"))
    return execute(JOIN, ts, {"separator": sep})


def _reduce_join_kernel(xp, x, axes, keepdims, separator):
    a = np.asarray(x, dtype=object)
    keep = [d for d in range(a.ndim) if d not in axes]
    moved = np.transpose(a, keep + list(axes))
    out_shape = [a.shape[d] for d in keep]
    k = int(np.prod([a.shape[d] for d in axes], dtype=np.int64))
    rows = moved.reshape(-1, k) if k else np.empty((int(np.prod(out_shape)), 0), object)
    joined = [separator.join(_b(v) for v in r) for r in rows.tolist()]
    out = _objects(joined, out_shape)
    if keepdims:
        out = out.reshape([1 if d in axes else a.shape[d] for d in range(a.ndim)])
    return out


REDUCE_JOIN = register_op("ReduceJoin", _reduce_join_kernel, differentiable=False)


def reduce_join(inputs, axis=None, keepdims=False, separator="", name=None):
    """Joins the strings along `axis` (all axes when None) with `separator`."""
    t = _strings(inputs, "reduce_join", "inputs")
    nd = t.shape.rank
    if axis is None:
        axes = tuple(range(nd))
    else:
        raw = axis.numpy().tolist() if isinstance(axis, Tensor) else axis
        raw = [raw] if isinstance(raw, int) else list(raw)
        axes = []
        for ax in raw:
            if not -nd <= ax < max(nd, 1):
                raise InvalidArgumentError(None, "ReduceJoin", f"Invalid reduction dimension "
                                           f"{ax} for input with {nd} dimensions.")
            axes.append(ax % nd if nd else 0)
        axes = tuple(sorted(set(axes)))
    sep = _b(_static_str(separator, "separator", "reduce_join"))
    return execute(REDUCE_JOIN, (t,), {"axes": axes, "keepdims": bool(keepdims),
                                        "separator": sep})


# -- regular expressions ------------------------------------------------------------------------
@functools.lru_cache(maxsize=256)
def _compile(pattern):
    try:
        return re.compile(pattern, re.ASCII)
    except re.error as e:
        raise InvalidArgumentError(None, "RegexReplace", f"Invalid pattern: {pattern!r}, error: "
                                   f"{e} (flowgrad matches with Python's re module).") from None


@functools.lru_cache(maxsize=256)
def _rewrite_parts(rewrite):
    """RE2's rewrite syntax: `\\0`..`\\9` insert groups, `\\\\` a backslash."""
    parts, lit, i = [], [], 0
    while i < len(rewrite):
        c = rewrite[i]
        if c == "\\" and i + 1 < len(rewrite):
            nxt = rewrite[i + 1]
            if nxt.isdigit():
                if lit:
                    parts.append("".join(lit))
                    lit = []
                parts.append(int(nxt))
                i += 2
                continue
            if nxt == "\\":
                lit.append("\\")
                i += 2
                continue
            raise InvalidArgumentError(None, "RegexReplace", f"Invalid rewrite pattern: "
                                       f"{rewrite!r} (only \\0-\\9 and \\\\ may follow a "
                                       "backslash).")
        lit.append(c)
        i += 1
    if lit:
        parts.append("".join(lit))
    return tuple(parts)


def _replace_kernel(xp, x, pattern, rewrite, replace_global):
    rx = _compile(pattern)
    parts = _rewrite_parts(rewrite)
    if all(isinstance(p, str) for p in parts):
        text = "".join(parts)
        repl = lambda m: text
    else:
        repl = lambda m: "".join(
            p if isinstance(p, str) else (m.group(p) or "") for p in parts)
    count = 0 if replace_global else 1
    return _map(lambda v: _bytes_of(rx.sub(repl, _text(v), count=count)), x)


REGEX_REPLACE = register_op("RegexReplace", _replace_kernel, differentiable=False)


@_ragged_elementwise
def regex_replace(input, pattern, rewrite, replace_global=True, name=None):
    """Replaces the matches of `pattern` in each string by `rewrite` (`\\1` inserts group 1).

    Example:
        >>> import flowgrad as tf
        >>> tf.strings.regex_replace(["a1b22"], r"\\d+", "#").numpy()
        array([b'a#b#'], dtype=object)
    """
    pat = _static_str(pattern, "pattern", "regex_replace")
    rw = _static_str(rewrite, "rewrite", "regex_replace")
    _compile(pat)
    _rewrite_parts(rw)
    return execute(REGEX_REPLACE, (_strings(input, "regex_replace"),),
                   {"pattern": pat, "rewrite": rw, "replace_global": bool(replace_global)})


def _full_match_kernel(xp, x, pattern):
    rx = _compile(pattern)
    return _map(lambda v: rx.fullmatch(_text(v)) is not None, x, bool)


REGEX_FULL_MATCH = register_op("RegexFullMatch", _full_match_kernel, differentiable=False)


@_ragged_elementwise
def regex_full_match(input, pattern, name=None):
    """Whether each whole string matches `pattern` (bool)."""
    pat = _static_str(pattern, "pattern", "regex_full_match")
    _compile(pat)
    return execute(REGEX_FULL_MATCH, (_strings(input, "regex_full_match"),), {"pattern": pat})


# -- numbers ------------------------------------------------------------------------------------
_INT_RE = re.compile(rb"[+-]?[0-9]+")
_WS = b" \t\n\v\f\r"


def _parse_number(v, np_dtype):
    t = v.strip(_WS)
    try:
        if np.dtype(np_dtype).kind == "f":
            if b"_" in t or not t:
                raise ValueError
            try:
                return float(t)
            except ValueError:
                if not t.lstrip(b"+-")[:2].lower() == b"0x":
                    raise
                return float.fromhex(t.decode("ascii"))  # strtod reads hex floats too
        if not _INT_RE.fullmatch(t):
            raise ValueError
        n = int(t)
        info = np.iinfo(np_dtype)
        if not info.min <= n <= info.max:
            raise ValueError
        return n
    except (ValueError, UnicodeDecodeError, OverflowError):
        raise InvalidArgumentError(None, "StringToNumber", "StringToNumberOp could not "
                                   f"correctly convert string: {_text(v)} "
                                   "[Op:StringToNumber]") from None


def _to_number_kernel(xp, x, out_type):
    return _map(lambda v: _parse_number(v, out_type), x, out_type)


TO_NUMBER = register_op("StringToNumber", _to_number_kernel, differentiable=False)


@_ragged_elementwise
def to_number(input, out_type=_dtypes.float32, name=None):
    """Parses each string as a number of `out_type` (float32, float64, int32 or int64).

    Raises:
        InvalidArgumentError: a string is not a number of that type.
    """
    dt = _dtypes.as_dtype(out_type)
    if dt not in (_dtypes.float32, _dtypes.float64, _dtypes.int32, _dtypes.int64):
        raise TypeError(f"tf.strings.to_number: out_type must be float32, float64, int32 or "
                        f"int64; got {dt.name}.")
    return execute(TO_NUMBER, (_strings(input, "to_number"),), {"out_type": dt._np})


def _as_string_kernel(xp, x, fmt, kind):
    a = np.asarray(x)
    if kind == "b":
        return _map_values(lambda v: b"true" if v else b"false", a)
    if kind == "c":
        return _map_values(lambda v: f"({fmt % v.real},{fmt % v.imag})".encode(), a)
    return _map_values(lambda v: (fmt % v).encode(), a)


def _map_values(fn, a):
    return _objects([fn(v) for v in a.reshape(-1).tolist()], a.shape)


AS_STRING = register_op("AsString", _as_string_kernel, differentiable=False)


@_ragged_elementwise
def as_string(input, precision=-1, scientific=False, shortest=False, width=-1,
              fill="", name=None):
    """Formats each number as a string, as C's printf does: floats with `%f` (6 decimals) by
    default, `%e` with `scientific`, `%g` with `shortest`; `width` pads on the left with spaces
    or `fill` ("0", " ", "+", "-", "#"); bools as "true" / "false".

    Example:
        >>> import flowgrad as tf
        >>> tf.strings.as_string([3.5, 2.0], precision=1).numpy()
        array([b'3.5', b'2.0'], dtype=object)
    """
    t = convert_to_tensor(input)
    if t.dtype == _dtypes.string:
        return t
    if scientific and shortest:
        raise InvalidArgumentError(None, "AsString", "Cannot select both scientific and "
                                   "shortest notation.")
    if fill and (len(fill) > 1 or fill not in " +-0#"):
        raise InvalidArgumentError(None, "AsString", f"Fill argument not supported: {fill!r} "
                                   "(one of ' ', '+', '-', '0', '#').")
    kind = t._value.dtype.kind
    if kind not in "biufc":
        raise TypeError(f"tf.strings.as_string does not support dtype {t.dtype.name}.")
    if kind in "iub" and (precision > -1 or scientific or shortest):
        raise InvalidArgumentError(None, "AsString", "precision, scientific and shortest only "
                                   f"apply to floating-point values; got dtype {t.dtype.name}.")
    spec = "%" + (fill or "") + (str(width) if width > -1 else "")
    if kind in "iu":
        fmt = spec + "d"
    else:
        fmt = spec + (f".{precision}" if precision > -1 else "") + (
            "g" if shortest else "e" if scientific else "f")
    return execute(AS_STRING, (t,), {"fmt": fmt, "kind": kind})


# -- hashing ------------------------------------------------------------------------------------
def _bucket_kernel(hash_fn):
    def kernel(xp, x, num_buckets, **key):
        if key:
            k = key["key"]
            return _map(lambda v: _hash.siphash(k, v) % num_buckets, x, np.int64)
        return _map(lambda v: hash_fn(v) % num_buckets, x, np.int64)
    return kernel


HASH_FAST = register_op("StringToHashBucketFast", _bucket_kernel(_hash.fingerprint64),
                        differentiable=False)
HASH_LEGACY = register_op("StringToHashBucket", _bucket_kernel(_hash.legacy_hash64),
                          differentiable=False)
HASH_STRONG = register_op("StringToHashBucketStrong", _bucket_kernel(None),
                          differentiable=False)


def _num_buckets(n, op):
    n = int(n)
    if n < 1:
        raise InvalidArgumentError(None, op, f"num_buckets must be >= 1; got {n}.")
    return n


@_ragged_elementwise
def to_hash_bucket_fast(input, num_buckets, name=None):
    """`Fingerprint64(s) % num_buckets` (FarmHash) for each string (int64): stable across
    runs and platforms, the hash Keras's `Hashing` layer uses."""
    return execute(HASH_FAST, (_strings(input, "to_hash_bucket_fast"),),
                   {"num_buckets": _num_buckets(num_buckets, "StringToHashBucketFast")})


@_ragged_elementwise
def to_hash_bucket(string_tensor, num_buckets, name=None):
    """TensorFlow's legacy string hash (`Hash64`, MurmurHash64A) modulo `num_buckets`
    (int64). Prefer `to_hash_bucket_fast`."""
    return execute(HASH_LEGACY, (_strings(string_tensor, "to_hash_bucket"),),
                   {"num_buckets": _num_buckets(num_buckets, "StringToHashBucket")})


@_ragged_elementwise
def to_hash_bucket_strong(input, num_buckets, key, name=None):
    """A keyed hash (SipHash-2-4 with the 128-bit `key`, two 64-bit integers) modulo
    `num_buckets` (int64): for inputs an adversary must not be able to collide."""
    k = list(key)
    if len(k) != 2:
        raise InvalidArgumentError(None, "StringToHashBucketStrong", "Key must have 2 elements; "
                                   f"got {key!r}.")
    return execute(HASH_STRONG, (_strings(input, "to_hash_bucket_strong"),),
                   {"num_buckets": _num_buckets(num_buckets, "StringToHashBucketStrong"),
                    "key": (int(k[0]) & _hash._M64, int(k[1]) & _hash._M64)})


# -- splitting (ragged results, eager only) ----------------------------------------------------
def _ragged_from_token_lists(lists, shape):
    """A RaggedTensor (or nested ones for rank > 1 inputs) from one token list per element."""
    from ..ragged.ragged_tensor import RaggedTensor
    lengths = np.fromiter((len(r) for r in lists), dtype=np.int64, count=len(lists))
    splits = np.zeros(len(lists) + 1, dtype=np.int64)
    np.cumsum(lengths, out=splits[1:])
    values = _objects([t for r in lists for t in r], (int(splits[-1]),))
    if len(shape) == 0:
        return _wrap(values)
    rt = RaggedTensor(_wrap(values), _wrap(splits), internal=True)
    for k in range(len(shape) - 1, 0, -1):
        n = int(np.prod(shape[:k], dtype=np.int64))
        outer = np.arange(n + 1, dtype=np.int64) * shape[k]
        rt = RaggedTensor(rt, _wrap(outer), internal=True)
    return rt


def split(input, sep=None, maxsplit=-1, name=None):
    """Splits each string at `sep`, or at runs of whitespace (ignoring leading and trailing
    whitespace) when `sep` is None or empty; at most `maxsplit` splits when >= 0.

    Returns:
        A RaggedTensor of rank `rank(input) + 1`, or a 1-D Tensor for a scalar input.

    Example:
        >>> import flowgrad as tf
        >>> tf.strings.split(["a b", "c"]).to_list()
        [[b'a', b'b'], [b'c']]
    """
    t = _strings(input, "split")
    _eager_only("split", t)
    s = None if sep is None else _b(_static_str(sep, "sep", "split")) or None
    m = int(maxsplit)
    lists = [v.split(s, m) for v in _flat(t._value)]
    return _ragged_from_token_lists(lists, tuple(t.shape.as_list()))


def bytes_split(input, name=None):
    """Splits each string into its bytes (a RaggedTensor; a Tensor for a scalar input)."""
    t = _strings(input, "bytes_split")
    _eager_only("bytes_split", t)
    lists = [[v[i:i + 1] for i in range(len(v))] for v in _flat(t._value)]
    return _ragged_from_token_lists(lists, tuple(t.shape.as_list()))


_CODECS = {"utf-8": "utf-8", "utf8": "utf-8", "utf-16-be": "utf-16-be", "utf-32-be": "utf-32-be"}


def _unicode_chars(v, codec, errors, replacement_char):
    if errors == "strict":
        try:
            text = v.decode(codec)
        except UnicodeDecodeError as e:
            raise InvalidArgumentError(None, "UnicodeDecode", f"Invalid {codec} input {v!r}: "
                                       f"{e}.") from None
    elif errors == "ignore":
        text = v.decode(codec, "ignore")
    else:
        text = v.decode(codec, "replace")
        if replacement_char != 0xFFFD:
            text = text.replace("\ufffd", chr(replacement_char))
    return [c.encode(codec) for c in text]


def unicode_split(input, input_encoding, errors="replace", replacement_char=65533,
                  name=None):
    """Splits each string into its Unicode characters, each encoded in `input_encoding`
    ("UTF-8", "UTF-16-BE" or "UTF-32-BE"); invalid sequences become `replacement_char`
    (errors="replace"), are dropped ("ignore") or raise ("strict")."""
    codec = _CODECS.get(str(input_encoding).lower().replace("_", "-"))
    if codec is None:
        raise InvalidArgumentError(None, "UnicodeDecode", f"Unsupported input_encoding "
                                   f"{input_encoding!r}: one of UTF-8, UTF-16-BE, UTF-32-BE.")
    if errors not in ("replace", "ignore", "strict"):
        raise ValueError(f"errors must be 'replace', 'ignore' or 'strict'; got {errors!r}.")
    t = _strings(input, "unicode_split")
    _eager_only("unicode_split", t)
    lists = [_unicode_chars(v, codec, errors, replacement_char) for v in _flat(t._value)]
    return _ragged_from_token_lists(lists, tuple(t.shape.as_list()))


# -- ngrams -------------------------------------------------------------------------------------
def ngram_rows(tokens, splits, widths, separator, left, right, padding_width, preserve_short):
    """The n-grams of each row of a ragged token list: `tokens` (list of bytes) cut by
    `splits`; returns (ngram list, new splits). Widths are produced one after the other."""
    out, new_splits = [], [0]
    for a, b in itertools.pairwise(splits):
        row = tokens[a:b]
        start = len(out)
        for w in widths:
            pad = 0 if padding_width == 0 else (
                w - 1 if padding_width < 0 else min(padding_width, w - 1))
            seq = [left] * pad + row + [right] * pad if pad else row
            out.extend(separator.join(seq[i:i + w]) for i in range(len(seq) - w + 1))
        if preserve_short and len(out) == start and row:
            pad = max(padding_width, 0)
            out.append(separator.join([left] * pad + row + [right] * pad))
        new_splits.append(len(out))
    return out, new_splits


def _ngrams_kernel(xp, x, widths, separator, left, right, padding_width, preserve_short):
    a = np.asarray(x, dtype=object)
    n = a.shape[-1]
    rows = a.reshape(-1, n) if a.size or n else np.empty((int(np.prod(a.shape[:-1])), 0),
                                                              object)
    tokens = _flat(rows)
    splits = list(range(0, rows.shape[0] * n + 1, n)) if n else [0] * (rows.shape[0] + 1)
    out, new_splits = ngram_rows(tokens, splits, widths, separator, left, right,
                                 padding_width, preserve_short)
    m = new_splits[1] - new_splits[0] if len(new_splits) > 1 else _dense_ngram_count(
        n, widths, padding_width, preserve_short)
    return _objects(out, a.shape[:-1] + (m,))


def _dense_ngram_count(n, widths, padding_width, preserve_short):
    total = 0
    for w in widths:
        pad = 0 if padding_width == 0 else (
            w - 1 if padding_width < 0 else min(padding_width, w - 1))
        total += max(0, n + 2 * pad - w + 1)
    return 1 if preserve_short and total == 0 and n else total


NGRAMS = register_op("StringNGrams", _ngrams_kernel, differentiable=False)


def ngrams(data, ngram_width, separator=" ", pad_values=None, padding_width=None,
           preserve_short_sequences=False, name=None):
    """The n-grams of the innermost dimension of `data`, joined with `separator`.

    Args:
        data: a string Tensor (n-grams along its last axis) or RaggedTensor.
        ngram_width: an int, or a tuple of ints (all widths, one after the other per row).
        separator: the string between the tokens of an n-gram.
        pad_values: a string or a (left, right) pair padding each row; None pads nothing.
        padding_width: pad values per side (default `width - 1`, at most `width - 1`).
        preserve_short_sequences: give rows too short for any n-gram one n-gram of the whole
            (padded) row.

    Returns:
        A Tensor for dense `data`, a RaggedTensor for ragged `data`.

    Example:
        >>> import flowgrad as tf
        >>> tf.strings.ngrams(tf.ragged.constant([["a", "b", "c"], ["d"]]), 2).to_list()
        [[b'a b', b'b c'], []]
    """
    from ..ragged.ragged_tensor import RaggedTensor
    widths = (ngram_width,) if isinstance(ngram_width, int) else tuple(ngram_width)
    if not widths or any(not isinstance(w, (int, np.integer)) or w < 1 for w in widths):
        raise InvalidArgumentError(None, "StringNGrams", f"ngram_width must be a positive int "
                                   f"or a tuple of them; got {ngram_width!r}.")
    if pad_values is None:
        left = right = b""
        pw = 0
    else:
        if isinstance(pad_values, (tuple, list)):
            if len(pad_values) != 2:
                raise ValueError("pad_values must be a string, tuple or list of length 2.")
            left, right = (_b(_static_str(p, "pad_values", "ngrams")) for p in pad_values)
        else:
            left = right = _b(_static_str(pad_values, "pad_values", "ngrams"))
        if padding_width is not None and padding_width < 1:
            raise ValueError("padding_width must be greater than 0.")
        pw = -1 if padding_width is None else int(padding_width)
    attrs = {"widths": tuple(int(w) for w in widths),
             "separator": _b(_static_str(separator, "separator", "ngrams")),
             "left": left, "right": right, "padding_width": pw,
             "preserve_short": bool(preserve_short_sequences)}
    if isinstance(data, RaggedTensor):
        if data.dtype != _dtypes.string:
            raise InvalidArgumentError(None, "StringNGrams", "tf.strings.ngrams expects string "
                                       f"data; got {data.dtype.name}.")
        return _ragged_ngrams(data, attrs)
    t = _strings(data, "ngrams", "data")
    if t.shape.rank == 0:
        raise InvalidArgumentError(None, "StringNGrams", "tf.strings.ngrams expects data of "
                                   "rank >= 1; got a scalar.")
    return execute(NGRAMS, (t,), attrs)


def _ragged_ngrams(rt, attrs):
    from ..ragged.ragged_tensor import RaggedTensor, _host
    if isinstance(rt.values, RaggedTensor):
        return rt.with_values(_ragged_ngrams(rt.values, attrs))
    _eager_only("ngrams", rt.values, rt.row_splits)
    tokens = _flat(_host(rt.values))
    splits = _host(rt.row_splits).tolist()
    out, new_splits = ngram_rows(tokens, splits, attrs["widths"], attrs["separator"],
                                 attrs["left"], attrs["right"], attrs["padding_width"],
                                 attrs["preserve_short"])
    return RaggedTensor(_wrap(_objects(out, (len(out),))),
                        _wrap(np.asarray(new_splits, dtype=np.int64)), internal=True)
