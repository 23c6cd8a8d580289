"""OpSpecs for the string ops (flowgrad/strings), the ragged-to-dense op (flowgrad/ragged) and
the text preprocessing layers' ops (flowgrad/keras/layers/preprocessing_text.py), against plain
Python references. None is differentiable.

Ops with string outputs use `check` (the harness's function-parity tests compare numbers);
tests/strings/test_strings.py checks their eager / `tf.function` parity itself.
"""

import re

import numpy as np

import flowgrad as fg
from flowgrad.keras.layers import preprocessing_text as _pt
from flowgrad.ragged import ragged_tensor as _rt
from flowgrad.testing.op_harness import Case, OpSpec

S = fg.strings


def _s(*values, shape=None):
    out = np.empty(len(values), dtype=object)
    out[:] = [v.encode() if isinstance(v, str) else v for v in values]
    return out.reshape(shape or (len(values),))


def _map(fn, a, dtype=object):
    out = np.empty(a.shape, dtype=dtype)
    for i, v in np.ndenumerate(a):
        out[i] = fn(v)
    return out


def _checking(ref):
    """A `check` comparing the (string) output with `ref(*inputs, **kwargs)`."""
    def check(outs, arrays, **kwargs):
        want = ref(*arrays, **kwargs)
        got = np.asarray(outs[0], dtype=object)
        assert got.shape == want.shape and got.dtype == want.dtype, (got, want)
        assert got.tolist() == want.tolist(), (got, want)
    return check


def _spec(name, fn, ref, cases, string_output=True, dtypes=("object",)):
    if string_output:
        specs = []
        for i, c in enumerate(cases):
            kw = c.kwargs
            specs.append(OpSpec(f"{name}_{i}" if len(cases) > 1 else name, fn,
                                cases=[c], dtypes=dtypes, grad=False,
                                check=lambda outs, arrays, kw=kw: _checking(ref)(
                                    outs, arrays, **kw)))
        return specs
    return [OpSpec(name, fn, ref, cases=cases, dtypes=("object",), grad=False)]


WORDS = _s("Hello World", "  ÉCOLE été  ", "", "a,b;c")
GRID = _s("ab", "cd", "ef", "gh", "ij", "kl", shape=(2, 3))


def _substr_ref(x, pos, ln):
    return _map(lambda v: v[pos:pos + ln], x)


def _ngrams_ref(x, width):
    rows = x.reshape(-1, x.shape[-1]).tolist()
    out = [[b" ".join(r[i:i + width]) for i in range(len(r) - width + 1)] for r in rows]
    arr = np.empty((len(rows), max(0, x.shape[-1] - width + 1)), dtype=object)
    for i, r in enumerate(out):
        arr[i, :len(r)] = r
    return arr.reshape(x.shape[:-1] + (arr.shape[1],))


def _to_dense(splits, values):
    rt = _rt.RaggedTensor.from_row_splits(values, splits)
    return rt.to_tensor(default_value=-1, shape=[None, 4])


def _to_dense_ref(splits, values):
    n = len(splits) - 1
    width = 4
    out = np.full((n, width), -1, dtype=values.dtype)
    for i in range(n):
        row = values[splits[i]:splits[i + 1]]
        out[i, :len(row)] = row
    return out


def _lookup(x, mode):
    layer = fg.keras.layers.StringLookup(vocabulary=["a", "b", "c"], output_mode=mode)
    return layer(x)


def _lookup_ref(x, mode):
    idx = _map(lambda v: {b"a": 1, b"b": 2, b"c": 3}.get(v, 0), x, np.int64)
    if mode == "int":
        return idx
    out = np.zeros((x.shape[0], 4), np.float32)
    for i, row in enumerate(idx):
        for j in row:
            out[i, j] += 1
    return out


def _vectorize(x, length):
    layer = fg.keras.layers.TextVectorization(vocabulary=["the", "cat"],
                                              output_sequence_length=length)
    return layer(x)


def _vectorize_ref(x, length):
    ids = {b"the": 2, b"cat": 3}
    rows = [[ids.get(w, 1) for w in re.sub(rb"[^\w\s]", b"", v.lower()).split()][:length]
            for v in x.tolist()]
    return np.asarray([r + [0] * (length - len(r)) for r in rows], dtype=np.int64)


def _hashing(x):
    return fg.keras.layers.Hashing(num_bins=1000000007)(x)


SPECS = [
    *_spec("strings_lower", lambda x, **kw: S.lower(x, **kw),
           lambda x, encoding="": _map(lambda v: v.lower() if not encoding else
                                       v.decode().lower().encode(), x),
           [Case(WORDS), Case(WORDS, encoding="utf-8"), Case(_s(shape=(0, 2)))]),
    *_spec("strings_upper", lambda x: S.upper(x), lambda x: _map(bytes.upper, x),
           [Case(GRID)]),
    *_spec("strings_strip", lambda x: S.strip(x), lambda x: _map(bytes.strip, x),
           [Case(_s(" \ta b\n", "x", "\x0b\x0c"))]),
    *_spec("strings_length", lambda x, **kw: S.length(x, **kw),
           lambda x, unit="BYTE": _map(lambda v: len(v) if unit == "BYTE" else
                                       len(v.decode()), x, np.int32),
           [Case(WORDS), Case(WORDS, unit="UTF8_CHAR"), Case(GRID)], string_output=False),
    *_spec("strings_substr", lambda x, pos, ln: S.substr(x, pos, ln), _substr_ref,
           [Case(GRID, pos=1, ln=1), Case(_s("abcdef"), pos=2, ln=10)]),
    *_spec("strings_join", lambda x, y: S.join([x, y, "!"], separator="-"),
           lambda x, y: _map(lambda v: v, np.broadcast_to(
               np.frompyfunc(lambda a, b: a + b"-" + b + b"-!", 2, 1)(x, y), x.shape)),
           [Case(GRID, _s("1", "2", "3", "4", "5", "6", shape=(2, 3)))]),
    *_spec("strings_reduce_join", lambda x, **kw: S.reduce_join(x, **kw),
           lambda x, axis=None, separator="": _map(lambda v: v, np.frompyfunc(
               lambda *r: separator.encode().join(r), x.shape[1], 1)(*x.T)) if axis == 1
           else np.asarray(separator.encode().join(x.reshape(-1).tolist()), dtype=object),
           [Case(GRID, axis=1, separator=","), Case(GRID)]),
    *_spec("strings_regex_replace", lambda x: S.regex_replace(x, r"([a-z])\b", r"<\1>"),
           lambda x: _map(lambda v: re.sub(rb"([a-z])\b", rb"<\1>", v), x), [Case(WORDS)]),
    *_spec("strings_regex_full_match", lambda x: S.regex_full_match(x, r"[a-z]+"),
           lambda x: _map(lambda v: re.fullmatch(rb"[a-z]+", v) is not None, x, bool),
           [Case(GRID), Case(WORDS)], string_output=False),
    *_spec("strings_to_number", lambda x, **kw: S.to_number(x, **kw),
           lambda x, out_type=np.float32: _map(lambda v: float(v) if np.dtype(
               out_type).kind == "f" else int(v), x, out_type),
           [Case(_s("1.5", " -2", "1e3")), Case(_s("7", "-12"), out_type=np.int64)],
           string_output=False),
    *_spec("strings_as_string", lambda x: S.as_string(x),
           lambda x: _map(lambda v: f"{v:f}".encode() if x.dtype.kind == "f" else
                          str(v).encode(), x),
           [Case(np.array([1.5, -2.0])), Case(np.array([[3, -4]], np.int32))],
           dtypes=("float32",)),
    OpSpec("strings_to_hash_bucket", lambda x: [
        S.to_hash_bucket_fast(x, 1000000007), S.to_hash_bucket(x, 1000000007),
        S.to_hash_bucket_strong(x, 7, key=[133, 137])],
        lambda x: [np.array([384735799, 359589692, 912170738]),
                   np.array([395105680, 302950538, 727638525]),
                   np.array([4, 0, 6])],
        cases=[Case(_s("a", "hello", ""))], dtypes=("object",), grad=False),
    *_spec("strings_ngrams", lambda x, width: S.ngrams(x, width), _ngrams_ref,
           [Case(GRID, width=2), Case(_s("a", "b", "c"), width=3), Case(GRID, width=4)]),
    OpSpec("ragged_to_tensor", _to_dense, _to_dense_ref,
           cases=[Case(np.array([0, 2, 2, 5]), np.array([1., 2., 3., 4., 5.])),
                  Case(np.array([0]), np.zeros(0))],
           dtypes=("float32",), grad=False),
    OpSpec("string_lookup_layer", _lookup, _lookup_ref,
           cases=[Case(_s("a", "z", "c", "c", shape=(2, 2)), mode="int"),
                  Case(_s("a", "z", "c", "c", shape=(2, 2)), mode="count")],
           dtypes=("object",), grad=False),
    OpSpec("text_vectorization_layer", _vectorize, _vectorize_ref,
           cases=[Case(_s("The cat!", "a CAT, the cat", ""), length=3)],
           dtypes=("object",), grad=False),
    OpSpec("hashing_layer", _hashing,
           lambda x: np.array([[384735799], [359589692]]),
           cases=[Case(_s("a", "hello", shape=(2, 1)))], dtypes=("object",), grad=False),
]
# the ragged-to-dense and lookup ops are registered by these modules
_ = (_pt, _rt)
