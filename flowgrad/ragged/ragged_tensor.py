"""`tf.RaggedTensor`: rows of different lengths, stored as flat `values` plus `row_splits`.

Row `i` of a ragged tensor is `values[row_splits[i]:row_splits[i + 1]]`; `values` is a Tensor
or, for more than one ragged dimension, another RaggedTensor. `row_splits` is an int64 vector
starting at 0, non-decreasing and ending at `len(values)`.

flowgrad's RaggedTensor is a container for what the string ops (`tf.strings.split`,
`ngrams`, ...) and `TextVectorization(ragged=True)` return: construction, inspection, row
indexing and conversion to a dense tensor. Arithmetic on ragged tensors goes through
`tf.ragged.map_flat_values`. Shapes that depend on the data (a dense width taken from the
longest row) are computed eagerly; inside a `tf.function` trace such a conversion needs an
explicit `shape`.
"""

import itertools

import numpy as np

from .. import dtypes as _dtypes
from ..core.convert import convert_to_tensor
from ..core.dispatch import execute
from ..core.registry import register_op
from ..core.tensor import Tensor, _wrap
from ..core.tensor_shape import TensorShape
from ..errors import InvalidArgumentError, OperatorNotAllowedInGraphError


def _is_symbolic(t):
    return getattr(t, "_graph_value", None) is not None


def _host(t):
    """The NumPy value of an eager tensor (or a clear error for a traced one)."""
    if _is_symbolic(t):
        raise OperatorNotAllowedInGraphError(
            f"This RaggedTensor operation reads the row partition's values, which a "
            f"flowgrad.function trace does not have yet ({t!r}). Run it eagerly, or give the "
            "static sizes it needs (e.g. `to_tensor(shape=[None, 10])`).")
    return np.asarray(t._value)


def _splits_tensor(row_splits, what="row_splits"):
    t = convert_to_tensor(row_splits)
    if t.dtype not in (_dtypes.int32, _dtypes.int64) or t.shape.rank != 1:
        raise InvalidArgumentError(None, "RaggedTensor", f"{what} must be a 1-D int32 or int64 "
                                   f"tensor; got shape {t.shape} and dtype {t.dtype.name}.")
    if t.dtype != _dtypes.int64:
        from ..ops.math_ops import cast
        t = cast(t, _dtypes.int64)
    return t


def _as_values(values):
    if isinstance(values, RaggedTensor):
        return values
    return convert_to_tensor(values)


def _nrows_of(values):
    if isinstance(values, RaggedTensor):
        return values.shape[0]
    return values.shape[0] if values.shape.rank else None


class RaggedTensor:
    """A tensor with one or more ragged (variable-length) dimensions.

    Build one with `tf.ragged.constant` or a `from_*` factory; `tf.strings.split` returns one.

    Example:
        >>> import flowgrad as tf
        >>> rt = tf.ragged.constant([[1, 2], [], [3]])
        >>> rt.shape, rt.row_lengths().numpy().tolist(), rt.to_tensor().numpy().tolist()
        (TensorShape([3, None]), [2, 0, 1], [[1, 2], [0, 0], [3, 0]])
    """

    __slots__ = ("_row_splits", "_values")

    def __init__(self, values, row_splits, internal=False):
        if not internal:
            raise ValueError("RaggedTensor constructor is private; please use one of the "
                             "factory methods instead (e.g., RaggedTensor.from_row_splits())")
        self._values = values
        self._row_splits = row_splits

    # -- factories ----------------------------------------------------------------------------
    @classmethod
    def from_row_splits(cls, values, row_splits, name=None, validate=True):
        """Rows `values[row_splits[i]:row_splits[i + 1]]`.

        Raises:
            InvalidArgumentError: `validate` and the splits do not start at 0, decrease, or do
                not end at `len(values)`.
        """
        values = _as_values(values)
        splits = _splits_tensor(row_splits)
        if validate and not _is_symbolic(splits) and not (
                isinstance(values, Tensor) and _is_symbolic(values)):
            s = _host(splits)
            n = values.nrows_int() if isinstance(values, RaggedTensor) else (
                values.shape[0] if values.shape.rank else None)
            if s.size == 0 or s[0] != 0:
                raise InvalidArgumentError(None, "RaggedTensor",
                                           f"row_splits must start with 0; got {s.tolist()}.")
            if np.any(np.diff(s) < 0):
                raise InvalidArgumentError(None, "RaggedTensor", "row_splits must be sorted in "
                                           f"ascending order; got {s.tolist()}.")
            if n is not None and s[-1] != n:
                raise InvalidArgumentError(
                    None, "RaggedTensor", f"The last row split ({int(s[-1])}) must equal the "
                    f"number of values ({n}).")
        return cls(values, splits, internal=True)

    @classmethod
    def from_row_lengths(cls, values, row_lengths, name=None, validate=True):
        """Rows of the given lengths, taken in order from `values`."""
        lengths = _host(_splits_tensor(row_lengths, "row_lengths"))
        if validate and np.any(lengths < 0):
            raise InvalidArgumentError(None, "RaggedTensor", "row_lengths must be non-negative.")
        splits = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        return cls.from_row_splits(values, splits, validate=validate)

    @classmethod
    def from_row_starts(cls, values, row_starts, name=None, validate=True):
        """Rows starting at `row_starts` (the last one ends at `len(values)`)."""
        starts = _host(_splits_tensor(row_starts, "row_starts"))
        values = _as_values(values)
        n = values.nrows_int() if isinstance(values, RaggedTensor) else values.shape[0]
        return cls.from_row_splits(values, np.append(starts, n).astype(np.int64),
                                   validate=validate)

    @classmethod
    def from_value_rowids(cls, values, value_rowids, nrows=None, name=None, validate=True):
        """Rows given by each value's (sorted) row index; `nrows` adds trailing empty rows."""
        ids = _host(_splits_tensor(value_rowids, "value_rowids"))
        if validate and np.any(np.diff(ids) < 0):
            raise InvalidArgumentError(None, "RaggedTensor", "value_rowids must be sorted.")
        n = int(ids[-1]) + 1 if nrows is None and ids.size else int(nrows or 0)
        if ids.size and (ids[0] < 0 or ids[-1] >= n):
            raise InvalidArgumentError(None, "RaggedTensor",
                                       f"value_rowids must be in [0, nrows={n}).")
        lengths = np.bincount(ids, minlength=n).astype(np.int64)
        return cls.from_row_lengths(values, lengths, validate=validate)

    @classmethod
    def from_nested_row_splits(cls, flat_values, nested_row_splits, name=None, validate=True):
        """Several ragged dimensions: `nested_row_splits[0]` partitions the outermost one."""
        result = _as_values(flat_values)
        for splits in reversed(list(nested_row_splits)):
            result = cls.from_row_splits(result, splits, validate=validate)
        return result

    @classmethod
    def from_tensor(cls, tensor, lengths=None, padding=None, ragged_rank=1, name=None):
        """The rows of a dense tensor, cut to `lengths` or before trailing `padding` values."""
        t = convert_to_tensor(tensor)
        if ragged_rank != 1:
            raise NotImplementedError("RaggedTensor.from_tensor supports ragged_rank=1 only.")
        if t.shape.rank is None or t.shape.rank < 2:
            raise ValueError(f"RaggedTensor.from_tensor expects a tensor of rank >= 2; got "
                             f"shape {t.shape}.")
        a = _host(t)
        nrows, width = a.shape[0], a.shape[1]
        if lengths is not None and padding is not None:
            raise ValueError("Specify lengths or padding, not both.")
        if lengths is not None:
            lens = np.minimum(_host(convert_to_tensor(lengths)).astype(np.int64), width)
        elif padding is not None:
            pad = np.asarray(_host(convert_to_tensor(padding, dtype=t.dtype)))
            is_pad = a == pad if a.ndim == 2 else np.all(
                a == pad, axis=tuple(range(2, a.ndim)))
            # length = index after the last non-padding value
            keep = ~is_pad
            lens = np.where(keep.any(axis=1), width - np.argmax(keep[:, ::-1], axis=1), 0)
        else:
            lens = np.full(nrows, width, dtype=np.int64)
        mask = np.arange(width)[None, :] < lens[:, None]
        return cls.from_row_lengths(_wrap(a[mask]), lens.astype(np.int64))

    # -- structure ----------------------------------------------------------------------------
    @property
    def values(self):
        """The concatenated rows: a Tensor, or a RaggedTensor for nested ragged dimensions."""
        return self._values

    @property
    def flat_values(self):
        """The innermost values, a Tensor."""
        v = self._values
        while isinstance(v, RaggedTensor):
            v = v._values
        return v

    @property
    def row_splits(self):
        """int64 vector: row `i` is `values[row_splits[i]:row_splits[i + 1]]`."""
        return self._row_splits

    @property
    def nested_row_splits(self):
        out = [self._row_splits]
        v = self._values
        while isinstance(v, RaggedTensor):
            out.append(v._row_splits)
            v = v._values
        return tuple(out)

    @property
    def ragged_rank(self):
        v = self._values
        return 1 + v.ragged_rank if isinstance(v, RaggedTensor) else 1

    @property
    def dtype(self):
        return self.flat_values.dtype

    @property
    def row_splits_dtype(self):
        return _dtypes.int64

    @property
    def shape(self):
        """`[nrows, None, ...]`: ragged dimensions are None."""
        n = self._row_splits.shape[0]
        inner = self._values.shape.as_list()[1:]
        return TensorShape([None if n is None else n - 1, None] + inner)

    @property
    def ndim(self):
        return self.shape.rank

    def get_shape(self):
        return self.shape

    def nrows_int(self):
        return int(self._row_splits.shape[0]) - 1

    def nrows(self, out_type=_dtypes.int64, name=None):
        """The number of rows, a scalar tensor."""
        return convert_to_tensor(self.nrows_int(), dtype=out_type)

    def row_lengths(self, axis=1, name=None):
        """The length of each row (int64)."""
        if axis != 1:
            if axis == 2 and isinstance(self._values, RaggedTensor):
                return self.with_values(self._values.row_lengths())
            raise ValueError(f"row_lengths: axis {axis} is not a ragged dimension.")
        s = _host(self._row_splits)
        return _wrap(np.diff(s).astype(np.int64))

    def row_starts(self, name=None):
        return _wrap(_host(self._row_splits)[:-1].copy())

    def row_limits(self, name=None):
        return _wrap(_host(self._row_splits)[1:].copy())

    def value_rowids(self, name=None):
        """For each value, the index of its row (int64)."""
        s = _host(self._row_splits)
        return _wrap(np.repeat(np.arange(s.size - 1, dtype=np.int64), np.diff(s)))

    def bounding_shape(self, axis=None, out_type=_dtypes.int64, name=None):
        """The smallest dense shape holding every row (int64 vector)."""
        dims = self._bounding_dims()
        out = np.asarray(dims, dtype=np.int64)
        if axis is not None:
            out = out[axis]
        return convert_to_tensor(out, dtype=out_type)

    def _bounding_dims(self):
        s = _host(self._row_splits)
        width = int(np.diff(s).max()) if s.size > 1 else 0
        v = self._values
        inner = v._bounding_dims()[1:] if isinstance(v, RaggedTensor) else list(v.shape)[1:]
        return [s.size - 1, width] + list(inner)

    def with_values(self, new_values):
        """The same row partition over `new_values` (of the same outer length)."""
        return RaggedTensor(_as_values(new_values), self._row_splits, internal=True)

    def with_flat_values(self, new_values):
        v = self._values
        if isinstance(v, RaggedTensor):
            return self.with_values(v.with_flat_values(new_values))
        return self.with_values(new_values)

    # -- conversion ---------------------------------------------------------------------------
    def to_tensor(self, default_value=None, name=None, shape=None):
        """A dense tensor: rows padded with `default_value` (zero / empty string) to the longest
        row, or cut / padded to `shape` (`None` entries take the bounding size).

        Inside a `tf.function` trace the dense width must be static: give `shape` with every
        ragged dimension set.
        """
        dt = self.dtype
        if default_value is None:
            default = np.array(b"" if dt == _dtypes.string else 0, dtype=dt._np)
        else:
            default = np.asarray(_host(convert_to_tensor(default_value, dtype=dt)))
        rank = self.shape.rank
        want = [None] * rank if shape is None else list(TensorShape(shape).as_list())
        if len(want) != rank:
            raise ValueError(f"to_tensor: shape {shape} must have rank {rank}.")
        if self._symbolic() and any(d is None for d in want[1:self.ragged_rank + 1]):
            raise OperatorNotAllowedInGraphError(
                "RaggedTensor.to_tensor inside a flowgrad.function needs a static size for "
                f"every ragged dimension (got shape={shape}): the longest row is only known "
                "when the function runs. Pass e.g. shape=[None, 10].")
        parts = (*self.nested_row_splits, self.flat_values, _wrap(default))
        return execute(RAGGED_TO_TENSOR, parts, {"shape": tuple(want)})

    def to_list(self):
        """Nested Python lists of the values (strings as bytes)."""
        s = _host(self._row_splits).tolist()
        v = self._values
        inner = v.to_list() if isinstance(v, RaggedTensor) else _host(v).tolist()
        return [inner[a:b] for a, b in itertools.pairwise(s)]

    def numpy(self):
        """An object array with one NumPy array per row (nested for several ragged dims)."""
        s = _host(self._row_splits)
        v = self._values
        out = np.empty(s.size - 1, dtype=object)
        for i in range(s.size - 1):
            row = v[int(s[i]):int(s[i + 1])] if isinstance(v, RaggedTensor) else None
            out[i] = row.numpy() if row is not None else _host(v)[s[i]:s[i + 1]]
        return out

    # -- indexing -----------------------------------------------------------------------------
    def _row(self, i):
        s = _host(self._row_splits)
        n = s.size - 1
        if i < -n or i >= n:
            raise IndexError(f"Row index {i} is out of range for a RaggedTensor with {n} rows.")
        i %= n
        a, b = int(s[i]), int(s[i + 1])
        v = self._values
        if isinstance(v, RaggedTensor):
            return v._rows(slice(a, b))
        return _wrap(_host(v)[a:b])

    def _rows(self, sl):
        s = _host(self._row_splits)
        idx = range(s.size - 1)[sl]
        v = self._values
        if sl.step in (None, 1):
            start, stop = (idx.start, idx.stop) if len(idx) else (0, 0)
            a, b = int(s[start]), int(s[stop]) if len(idx) else int(s[0])
            splits = s[start:stop + 1] - a if len(idx) else np.zeros(1, np.int64)
            inner = v._rows(slice(a, b)) if isinstance(v, RaggedTensor) else _wrap(
                _host(v)[a:b])
            return RaggedTensor(inner, _wrap(splits.astype(np.int64)), internal=True)
        rows = [self._row(i) for i in idx]
        return _from_rows(rows, self)

    def __getitem__(self, key):
        if not isinstance(key, tuple):
            key = (key,)
        if not key:
            return self
        first, rest = key[0], key[1:]
        if first is Ellipsis:
            raise NotImplementedError("RaggedTensor indexing with ... is not supported.")
        if isinstance(first, Tensor):
            first = int(first) if first.shape.rank == 0 else first
        if isinstance(first, (int, np.integer)):
            row = self._row(int(first))
            return row[rest] if rest else row
        if isinstance(first, slice):
            sub = self._rows(first)
            if not rest:
                return sub
            rows = [sub._row(i)[rest] for i in range(sub.nrows_int())]
            if isinstance(rest[0], (int, np.integer)):
                from ..ops.array_ops import stack
                if not rows:
                    raise ValueError("Cannot index a column of a RaggedTensor with no rows.")
                return stack(rows)
            return _from_rows(rows, sub)
        raise TypeError(f"RaggedTensor indices must be integers or slices; got {first!r}.")

    def __len__(self):
        raise TypeError("object of type 'RaggedTensor' has no len()")

    def __iter__(self):
        for i in range(self.nrows_int()):
            yield self._row(i)

    def __bool__(self):
        raise TypeError("RaggedTensor may not be used as a boolean.")

    def _symbolic(self):
        return any(_is_symbolic(s) for s in self.nested_row_splits) or _is_symbolic(
            self.flat_values)

    def __repr__(self):
        if self._symbolic():
            return f"flowgrad.RaggedTensor(values={self._values!r}, row_splits=" \
                   f"{self._row_splits!r})"
        return f"<flowgrad.RaggedTensor {self.to_list()!r}>"

    __str__ = __repr__


def _from_rows(rows, like):
    """A RaggedTensor from a list of row values (Tensors or RaggedTensors)."""
    lengths = [r.nrows_int() if isinstance(r, RaggedTensor) else int(r.shape[0]) for r in rows]
    splits = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    if rows and isinstance(rows[0], RaggedTensor):
        inner = _concat_ragged(rows)
    elif rows:
        inner = _wrap(np.concatenate([_host(r) for r in rows]))
    else:
        inner = like._values._rows(slice(0, 0)) if isinstance(like._values, RaggedTensor) \
            else _wrap(_host(like._values)[:0])
    return RaggedTensor(inner, _wrap(splits), internal=True)


def _concat_ragged(rows):
    """The rows of several RaggedTensors (of one ragged rank) as one RaggedTensor."""
    splits, values, offset = [0], [], 0
    for r in rows:
        s = _host(r._row_splits)
        splits.extend((s[1:] + offset).tolist())
        offset += int(s[-1])
        values.append(r._values)
    if isinstance(values[0], RaggedTensor):
        inner = _concat_ragged(values)
    else:
        inner = _wrap(np.concatenate([_host(v) for v in values]))
    return RaggedTensor(inner, _wrap(np.asarray(splits, dtype=np.int64)), internal=True)


# -- the dense conversion op --------------------------------------------------------------------
def _to_dense_kernel(xp, *arrays, shape):
    *splits, values, default = arrays
    values = np.asarray(values)
    return _dense(list(splits), values, default, list(shape))


def _dense(splits, values, default, want):
    """Pads ragged rows (partitioned by `splits`, outermost first) into a dense array."""
    s = np.asarray(splits[0], dtype=np.int64)
    nrows = s.size - 1
    if len(splits) > 1:
        values = _dense(splits[1:], values, default, [None] + want[2:])
        # the inner dense width must be the same for every row of the outer dimension
    lengths = np.diff(s)
    out_rows = nrows if want[0] is None else int(want[0])
    width = (int(lengths.max()) if lengths.size else 0) if want[1] is None else int(want[1])
    inner = list(values.shape[1:])
    for k, d in enumerate(want[2:]):
        if d is not None and d != inner[k] and len(splits) == 1:
            raise ValueError(f"to_tensor: shape {want} does not match the values' inner "
                             f"dimensions {inner}.")
    out = np.empty([out_rows, width] + inner, dtype=values.dtype)
    out[...] = default
    if values.shape[0]:
        rowids = np.repeat(np.arange(nrows), lengths)
        pos = np.arange(values.shape[0]) - s[rowids]
        keep = (rowids < out_rows) & (pos < width)
        out[rowids[keep], pos[keep]] = values[keep]
    return out


RAGGED_TO_TENSOR = register_op("RaggedTensorToTensor", _to_dense_kernel, differentiable=False)


# -- tf.ragged functions ------------------------------------------------------------------------
def _nesting_depth(x):
    d = 0
    while isinstance(x, (list, tuple)):
        d += 1
        if not x:
            break
        x = x[0]
    return d


def constant(pylist, dtype=None, ragged_rank=None, inner_shape=None, name=None,
             row_splits_dtype=_dtypes.int64):
    """A RaggedTensor from nested Python lists (`tf.ragged.constant`).

    Args:
        pylist: nested lists; every innermost value a scalar of one type.
        dtype: the values' dtype, inferred as `tf.constant` does when None (empty: float32).
        ragged_rank: the number of ragged dimensions; default: all but the innermost values.
        inner_shape: unused beyond TensorFlow's signature (uniform inner dimensions come from
            `ragged_rank`).

    Example:
        >>> import flowgrad as tf
        >>> tf.ragged.constant([["a", "b"], []]).to_list()
        [[b'a', b'b'], []]
    """
    if isinstance(pylist, Tensor):
        return pylist
    depth = _max_depth(pylist)
    if depth == 0:
        return convert_to_tensor(pylist, dtype=dtype)
    if ragged_rank is None:
        ragged_rank = max(0, depth - 1 - (len(inner_shape) if inner_shape else 0))
    if ragged_rank == 0:
        return convert_to_tensor(pylist, dtype=dtype)
    nested = []
    level = list(pylist)
    for _ in range(ragged_rank):
        lengths = []
        nxt = []
        for row in level:
            if not isinstance(row, (list, tuple)):
                raise ValueError(  # noqa: TRY004 - TensorFlow raises ValueError here
                    f"tf.ragged.constant: all values at depth {len(nested) + 1} must be lists; "
                    f"got {row!r}.")
            lengths.append(len(row))
            nxt.extend(row)
        nested.append(np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64))
        level = nxt
    if level:
        flat = convert_to_tensor(level, dtype=dtype)
    else:
        dt = _dtypes.float32 if dtype is None else _dtypes.as_dtype(dtype)
        inner = [0] * max(0, depth - ragged_rank - 1) if depth > ragged_rank + 1 else []
        flat = _wrap(np.zeros([0] + inner, dtype=dt._np))
    return RaggedTensor.from_nested_row_splits(flat, [_wrap(s) for s in nested])


def _max_depth(x):
    if not isinstance(x, (list, tuple)):
        return 0
    return 1 + max((_max_depth(v) for v in x), default=0)


def map_flat_values(op, *args, **kwargs):
    """Applies `op` to the flat values of the RaggedTensor arguments and keeps their row
    partition (`tf.ragged.map_flat_values`); all ragged arguments must be partitioned alike."""
    partition = []

    def unwrap(v):
        if isinstance(v, RaggedTensor):
            partition.append(v)
            return v.flat_values
        return v
    new_args = [unwrap(a) for a in args]
    new_kwargs = {k: unwrap(v) for k, v in kwargs.items()}
    if not partition:
        return op(*args, **kwargs)
    first = partition[0]
    for other in partition[1:]:
        for a, b in zip(first.nested_row_splits, other.nested_row_splits):
            if a is not b and not np.array_equal(_host(a), _host(b)):
                raise ValueError("map_flat_values: the RaggedTensor arguments have different "
                                 "row partitions.")
    return first.with_flat_values(op(*new_args, **new_kwargs))


def is_ragged(x):
    return isinstance(x, RaggedTensor)
