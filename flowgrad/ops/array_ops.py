"""Creation, conversion and shape ops: constant, zeros, reshape, transpose, concat, stack,
slicing with `[]`, and friends. Indexing ops (gather, scatter, pad, ...) are in indexing_ops."""

import math as _math

import numpy as np

from .. import dtypes as _dtypes
from ..core.context import ctx
from ..core.convert import convert_to_tensor
from ..core.dispatch import execute
from ..core.registry import register_op
from ..core.tensor import Tensor, TensorShape, _wrap
from ..errors import InvalidArgumentError
from ._common import normalize_axis, to_tensor

__all__ = [
    "constant", "convert_to_tensor", "zeros", "ones", "zeros_like", "ones_like", "fill", "eye",
    "range", "linspace", "identity", "shape", "size", "rank", "reshape", "transpose",
    "expand_dims", "squeeze", "concat", "stack", "unstack", "split", "broadcast_to",
    "stop_gradient", "getitem", "normalize_index", "newaxis",
]

newaxis = None
_range = range


def _xp():
    return ctx.backend.xp


def _dtype_np(dtype, default=_dtypes.float32):
    return (_dtypes.as_dtype(dtype) if dtype is not None else default)._np


def _shape_arg(shape, what):
    if isinstance(shape, Tensor) or hasattr(shape, "_is_variable"):
        shape = convert_to_tensor(shape).numpy().tolist()
    if isinstance(shape, TensorShape):
        shape = shape.as_list()
    if isinstance(shape, (int, np.integer)):
        shape = (int(shape),)
    try:
        dims = tuple(int(d) for d in shape)
    except (TypeError, ValueError):
        raise TypeError(f"{what}: shape must be a list of ints, got {shape!r}.") from None
    if any(d < 0 for d in dims):
        raise InvalidArgumentError(None, what, f"{what}: dimensions must be >= 0, got {dims}.")
    return dims


# -- creation -------------------------------------------------------------------------------------
def constant(value, dtype=None, shape=None, name="Const"):
    """Creates a constant tensor from a Python value or NumPy array.

    Args:
        value: a scalar, nested list or array.
        dtype: the element type; inferred as TensorFlow does (float -> float32, int -> int32).
        shape: if given, a scalar is broadcast to it and a value with as many elements reshaped.

    Example:
        >>> import flowgrad as tf
        >>> tf.constant(0., shape=(2, 2)).numpy().tolist()
        [[0.0, 0.0], [0.0, 0.0]]
    """
    if isinstance(value, Tensor) or hasattr(value, "_is_variable"):
        t = convert_to_tensor(value)
        if dtype is not None and t.dtype != _dtypes.as_dtype(dtype):
            from .math_ops import cast
            t = cast(t, dtype)
    else:
        t = convert_to_tensor(value, dtype=dtype)
    if shape is None:
        return t
    dims = _shape_arg(shape, "constant")
    v = t._value
    if v.size == 1:
        return _wrap(_xp().full(dims, v.reshape(()), dtype=v.dtype))
    if v.size == _math.prod(dims):
        return _wrap(v.reshape(dims))
    raise TypeError(f"Eager execution of tf.constant with unsupported shape. Tried to convert a "
                    f"value of shape {tuple(v.shape)} ({v.size} elements) to shape {dims} "
                    f"({_math.prod(dims)} elements): give a scalar or as many elements.")


def zeros(shape, dtype=_dtypes.float32, name=None):
    """A tensor of zeros (`tf.zeros`)."""
    return _wrap(_xp().zeros(_shape_arg(shape, "zeros"), dtype=_dtype_np(dtype)))


def ones(shape, dtype=_dtypes.float32, name=None):
    """A tensor of ones (`tf.ones`)."""
    return _wrap(_xp().ones(_shape_arg(shape, "ones"), dtype=_dtype_np(dtype)))


def _symbolic(t):
    return getattr(t, "_graph_value", None) is not None


INT_KINDS_ = "iu"


def _poly(t):
    """A traced tensor whose shape is only known at run time (see graph.tracer.dynamic_shape)."""
    tr = getattr(t, "_trace", None)
    return tr is not None and tr.poly and getattr(t, "_graph_value", None) is not None


ZEROS_LIKE = register_op("ZerosLike", lambda xp, x, dtype: xp.zeros(x.shape, dtype=dtype),
                         differentiable=False)
ONES_LIKE = register_op("OnesLike", lambda xp, x, dtype: xp.ones(x.shape, dtype=dtype),
                        differentiable=False)


def zeros_like(input, dtype=None, name=None):  # noqa: A002 - TF's argument name
    """Zeros of the shape of `input` (a graph node when traced, so the shape is the run's)."""
    t = to_tensor(input)
    if _poly(t):
        return execute(ZEROS_LIKE, (t,), {"dtype": _dtype_np(dtype, t.dtype)})
    return _wrap(_xp().zeros(t._value.shape, dtype=_dtype_np(dtype, t.dtype)))


def ones_like(input, dtype=None, name=None):  # noqa: A002
    """Ones of the shape of `input`."""
    t = to_tensor(input)
    if _poly(t):
        return execute(ONES_LIKE, (t,), {"dtype": _dtype_np(dtype, t.dtype)})
    return _wrap(_xp().ones(t._value.shape, dtype=_dtype_np(dtype, t.dtype)))


# -- shape-polymorphic helpers for gradient rules ----------------------------------------------------
# Gradient rules often need "the shape of that input". Eagerly it is a constant; in a traced
# graph these ops read it at run time, so one trace serves every batch size.
def _sum_to_kernel(xp, g, ref):
    shape = ref.shape
    gs = g.shape
    if gs == shape:
        return g
    lead = len(gs) - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, d in enumerate(shape) if d == 1 and gs[i + lead] != 1)
    if axes:
        g = xp.sum(g, axis=axes, keepdims=True)
    return xp.reshape(g, shape)


RESHAPE_LIKE = register_op(
    "ReshapeLike", lambda xp, x, ref: xp.reshape(x, ref.shape),
    grad=lambda e, dy: (reshape_like(dy, e.inputs[0]), None))
BROADCAST_LIKE = register_op(
    "BroadcastLike", lambda xp, x, ref: xp.broadcast_to(x, ref.shape),
    grad=lambda e, dy: (sum_to_like(dy, e.inputs[0]), None))
SUM_TO_LIKE = register_op(
    "SumToLike", _sum_to_kernel, kinds="fciu", kind_inputs=1,
    grad=lambda e, dy: (broadcast_like(dy, e.inputs[0]), None))


def reshape_like(x, ref):
    """`x` reshaped to the shape of `ref` (read when the op runs)."""
    if _poly(x) or _poly(ref):
        return execute(RESHAPE_LIKE, (x, ref))
    return reshape(x, ref._value.shape)


def broadcast_like(x, ref):
    """`x` broadcast to the shape of `ref` (read when the op runs)."""
    if _poly(x) or _poly(ref):
        return execute(BROADCAST_LIKE, (x, ref))
    return broadcast_to(x, ref._value.shape)


def sum_to_like(g, ref):
    """`g` summed over its broadcast dimensions down to the shape of `ref` (the gradient step
    that undoes broadcasting)."""
    if _poly(g) or _poly(ref):
        return execute(SUM_TO_LIKE, (g, ref))
    from .math_ops import unbroadcast
    return unbroadcast(g, ref._value.shape)


def fill(dims, value, name=None):
    """A tensor of shape `dims` filled with the scalar `value` (its dtype is the value's)."""
    v = to_tensor(value)
    if v._value.ndim != 0:
        raise InvalidArgumentError(None, "Fill", f"fill: value must be a scalar, got shape "
                                   f"{tuple(v.shape)}.")
    if _symbolic(v) or _symbolic(dims) or (isinstance(dims, (list, tuple)) and any(
            _symbolic(d) for d in dims)):
        d = dims if isinstance(dims, Tensor) else stack([cast_int32(x) for x in dims])
        return execute(FILL, (d, v))
    return _wrap(_xp().full(_shape_arg(dims, "fill"), v._value, dtype=v._value.dtype))


FILL = register_op("Fill", lambda xp, dims, value: xp.full(tuple(int(d) for d in dims), value,
                                                           dtype=value.dtype),
                   kinds=INT_KINDS_, kind_inputs=1, differentiable=False)


def eye(num_rows, num_columns=None, batch_shape=None, dtype=_dtypes.float32, name=None):
    """Identity matrices, optionally batched (`tf.eye`)."""
    m = _xp().eye(int(num_rows), None if num_columns is None else int(num_columns),
                  dtype=_dtype_np(dtype))
    if batch_shape:
        m = _xp().broadcast_to(m, tuple(batch_shape) + m.shape).copy()
    return _wrap(m)


def range(start, limit=None, delta=1, dtype=None, name="range"):  # noqa: A001 - tf.range
    """Like Python's range, as a tensor (`tf.range(5)`, `tf.range(1, 10, 2)`).

    The dtype is inferred from the arguments (int32 for ints, float32 for floats) unless given.
    """
    if limit is None:
        start, limit = 0, start
    if any(_symbolic(v) for v in (start, limit, delta)):
        return _traced_range(start, limit, delta, dtype)
    vals = [to_tensor(v)._value.item() if isinstance(v, Tensor) or hasattr(v, "_is_variable")
            else v for v in (start, limit, delta)]
    if delta == 0:
        raise InvalidArgumentError(None, "Range", "range: delta must not be 0.")
    if dtype is None:
        dtype = _dtypes.float32 if any(isinstance(v, (float, np.floating)) for v in vals) \
            else _dtypes.int32
    return _wrap(_xp().arange(*vals, dtype=_dtype_np(dtype)))


RANGE = register_op(
    "Range", lambda xp, start, limit, delta, dtype: xp.arange(
        start.item(), limit.item(), delta.item(), dtype=dtype), differentiable=False)


def _traced_range(start, limit, delta, dtype):
    ts = [to_tensor(v) for v in (start, limit, delta)]
    if dtype is None:
        dtype = _dtypes.float32 if any(t.dtype.is_floating for t in ts) else ts[0].dtype
        if dtype.is_integer and any(t.dtype == _dtypes.int64 for t in ts):
            dtype = _dtypes.int64
    return execute(RANGE, tuple(ts), {"dtype": _dtype_np(dtype)})


LINSPACE = register_op(
    "LinSpace", lambda xp, start, stop, num, axis: xp.linspace(
        start, stop, int(num), axis=axis).astype(start.dtype), differentiable=False)


def linspace(start, stop, num, name=None, axis=0):
    """`num` evenly spaced values from start to stop inclusive (float32 for Python floats)."""
    s, e = to_tensor(start, _dtypes.float32 if isinstance(start, (int, float)) else None), \
        to_tensor(stop, _dtypes.float32 if isinstance(stop, (int, float)) else None)
    if s.dtype != e.dtype:
        raise InvalidArgumentError(None, "LinSpace", f"linspace: start ({s.dtype.name}) and stop "
                                   f"({e.dtype.name}) must have the same dtype.")
    if _symbolic(s) or _symbolic(e) or _symbolic(num):
        return execute(LINSPACE, (s, e, to_tensor(num)), {"axis": axis})
    out = _xp().linspace(s._value, e._value, int(num), axis=axis).astype(s._value.dtype)
    return _wrap(out)


# -- shape introspection ----------------------------------------------------------------------------
SHAPE = register_op("Shape", lambda xp, x, dtype: xp.asarray(x.shape, dtype=dtype),
                    differentiable=False)
SIZE = register_op("Size", lambda xp, x, dtype: xp.asarray(x.size, dtype=dtype),
                   differentiable=False)


def _dynamic(t):
    """A traced tensor whose shape is read when the graph runs (any batch size)."""
    return _poly(t)


def shape(input, out_type=_dtypes.int32, name=None):  # noqa: A002
    """The shape of a tensor as a 1-D int32 tensor (a graph node when traced with unknown
    dimensions, a constant otherwise)."""
    t = to_tensor(input)
    if _dynamic(t):
        return execute(SHAPE, (t,), {"dtype": _dtype_np(out_type)})
    return _wrap(np.asarray(t._value.shape, dtype=_dtype_np(out_type)))


def size(input, out_type=_dtypes.int32, name=None):  # noqa: A002
    """The number of elements of a tensor."""
    t = to_tensor(input)
    if _dynamic(t):
        return execute(SIZE, (t,), {"dtype": _dtype_np(out_type)})
    return _wrap(np.asarray(t._value.size, dtype=_dtype_np(out_type)))


def rank(input, name=None):  # noqa: A002
    return _wrap(np.asarray(to_tensor(input)._value.ndim, dtype=np.int32))


# -- identity and gradient stops --------------------------------------------------------------------
IDENTITY = register_op("Identity", lambda xp, x: x, grad=lambda e, dy: (dy,))
STOP_GRADIENT = register_op("StopGradient", lambda xp, x: x, differentiable=False)


def identity(input, name=None):  # noqa: A002
    """Returns a tensor with the same value (recorded by tapes as an identity)."""
    return execute(IDENTITY, (to_tensor(input),))


def stop_gradient(input, name=None):  # noqa: A002
    """Returns the input; gradients do not flow through it."""
    return execute(STOP_GRADIENT, (to_tensor(input),))


# -- reshape / transpose ----------------------------------------------------------------------------
def _reshape_kernel(xp, x, shape):
    return xp.reshape(x, shape)


RESHAPE = register_op("Reshape", _reshape_kernel,
                      grad=lambda e, dy: (reshape_like(dy, e.inputs[0]),))


def cast_int32(d):
    if isinstance(d, Tensor):
        if d.dtype != _dtypes.int32:
            from .math_ops import cast
            d = cast(d, _dtypes.int32)
        return reshape(d, ())
    return convert_to_tensor(int(d), dtype=_dtypes.int32)


DYNAMIC_RESHAPE = register_op(
    "DynamicReshape", lambda xp, x, shape: xp.reshape(x, tuple(int(d) for d in shape)),
    kinds=None, grad=lambda e, dy: (reshape_like(dy, e.inputs[0]), None))


def reshape(tensor, shape, name=None):
    """Reshapes a tensor; one dimension may be -1 (`tf.reshape`).

    Raises:
        InvalidArgumentError: the element counts differ.
    """
    t = to_tensor(tensor)
    if _symbolic(shape) or (isinstance(shape, (list, tuple)) and any(
            _symbolic(d) for d in shape)):
        # A shape known only when the graph runs, e.g. [tf.shape(x)[0], -1].
        if not isinstance(shape, Tensor):
            shape = stack([cast_int32(d) for d in shape])
        return execute(DYNAMIC_RESHAPE, (t, shape))
    if isinstance(shape, Tensor) or hasattr(shape, "_is_variable"):
        shape = convert_to_tensor(shape).numpy().tolist()
    if isinstance(shape, TensorShape):
        shape = [-1 if d is None else d for d in shape.as_list()]
    dims = (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(d) for d in shape)
    if dims == t._value.shape and getattr(t, "_alt", None) is None:
        # (not in a trace with unknown dims: there the equality holds for this shadow only,
        # and the op must stay so that other sizes are checked)
        return t if not ctx.tapes else execute(RESHAPE, (t,), {"shape": dims})
    n = t._value.size
    known = _math.prod(d for d in dims if d != -1) if dims else 1
    if dims.count(-1) > 1 or (-1 not in dims and known != n) or (
            -1 in dims and (known == 0 or n % known)):
        raise InvalidArgumentError(
            None, "Reshape", f"Input to reshape is a tensor with {n} values, but the requested "
            f"shape {list(dims)} has {known if -1 not in dims else 'a multiple of ' + str(known)}"
            f" [Op:Reshape]. The element count must stay the same (at most one -1).")
    return execute(RESHAPE, (t,), {"shape": dims})


TRANSPOSE = register_op(
    "Transpose", lambda xp, x, perm: xp.transpose(x, perm),
    grad=lambda e, dy: (transpose(dy, tuple(np.argsort(e.attrs["perm"]))),))


def transpose(a, perm=None, conjugate=False, name="transpose"):
    """Permutes dimensions; the default reverses them (`tf.transpose`)."""
    t = to_tensor(a)
    nd = t._value.ndim
    if perm is None:
        perm = tuple(_range(nd - 1, -1, -1))
    else:
        if isinstance(perm, Tensor):
            perm = perm.numpy().tolist()
        perm = tuple(int(p) % nd if nd else int(p) for p in perm)
        if sorted(perm) != list(_range(nd)):
            raise InvalidArgumentError(
                None, "Transpose", f"transpose expects a permutation of 0..{nd - 1} for a "
                f"tensor of rank {nd}, got perm={list(perm)}. [Op:Transpose]")
    out = execute(TRANSPOSE, (t,), {"perm": perm})
    if conjugate and t.dtype.is_complex:
        from .math_ops import conj
        out = conj(out)
    return out


def expand_dims(input, axis, name=None):  # noqa: A002
    """Inserts a dimension of size 1 at `axis` (negative counts from the end)."""
    t = to_tensor(input)
    nd = t._value.ndim
    axis = int(axis)
    if not -nd - 1 <= axis <= nd:
        raise InvalidArgumentError(None, "ExpandDims", f"expand_dims: axis {axis} is out of range "
                                   f"for a tensor of rank {nd}: must be in [{-nd - 1}, {nd}].")
    if axis < 0:
        axis += nd + 1
    return execute(EXPAND_DIMS, (t,), {"axis": axis})


EXPAND_DIMS = register_op("ExpandDims", lambda xp, x, axis: xp.expand_dims(x, axis),
                          grad=lambda e, dy: (reshape_like(dy, e.inputs[0]),))
SQUEEZE = register_op("Squeeze", lambda xp, x, axis: xp.reshape(
    x, tuple(d for i, d in enumerate(x.shape) if i not in axis)),
    grad=lambda e, dy: (reshape_like(dy, e.inputs[0]),))


def squeeze(input, axis=None, name=None):  # noqa: A002
    """Removes dimensions of size 1 (all of them, or those in `axis`)."""
    t = to_tensor(input)
    s = t._value.shape
    if axis is not None:
        axes = normalize_axis(axis, len(s), "Squeeze")
        for a in axes:
            if s[a] != 1:
                raise InvalidArgumentError(
                    None, "Squeeze", f"Can not squeeze dim[{a}], expected a dimension of 1, got "
                    f"{s[a]} (input shape {list(s)}). [Op:Squeeze]")
    axes = tuple(i for i, d in enumerate(s) if d == 1) if axis is None else axes
    return execute(SQUEEZE, (t,), {"axis": axes})


def broadcast_to(input, shape, name=None):  # noqa: A002
    """Broadcasts a tensor to `shape` (`tf.broadcast_to`)."""
    t = to_tensor(input)
    dims = _shape_arg(shape, "BroadcastTo")
    return execute(BROADCAST_TO, (t,), {"shape": dims})


def _broadcast_grad(e, dy):
    from .math_ops import unbroadcast
    return (sum_to_like(dy, e.inputs[0]),)


BROADCAST_TO = register_op(
    "BroadcastTo", lambda xp, x, shape: xp.array(xp.broadcast_to(x, shape)), grad=_broadcast_grad)


# -- concat / stack / split -------------------------------------------------------------------------
def _concat_grad(e, dy):
    axis = e.attrs["axis"]
    if any(_poly(t) for t in e.inputs) or _poly(dy):
        # Sizes along the axis may change from run to run (e.g. an accumulator in a loop).
        return tuple(execute(SPLIT_LIKE, (dy,) + tuple(e.inputs), {"axis": axis}))
    sizes = [t._value.shape[axis] for t in e.inputs]
    return tuple(split(dy, sizes, axis=axis))


def _split_like_kernel(xp, dy, *refs, axis):
    bounds = []
    total = 0
    for r in refs[:-1]:
        total += r.shape[axis]
        bounds.append(total)
    return tuple(xp.split(dy, bounds, axis=axis))


SPLIT_LIKE = register_op(
    "SplitLike", _split_like_kernel, num_outputs=-1,
    grad=lambda e, *dys: (concat(list(dys), axis=e.attrs["axis"]),) + (None,) * (
        len(e.inputs) - 1))


CONCAT = register_op("ConcatV2", lambda xp, *xs, axis: xp.concatenate(xs, axis=axis),
                     grad=_concat_grad)


def _same_dtype(values, op_name):
    ts = [to_tensor(v) for v in values]
    first = next((t for t in ts if isinstance(t, Tensor)), None)
    if first is not None:
        for i, t in enumerate(ts):
            if t._value.dtype != first._value.dtype:
                raise InvalidArgumentError(
                    None, op_name, f"{op_name}: all inputs must have the same dtype; input 0 is "
                    f"{first.dtype.name} but input {i} is {t.dtype.name}. Cast them first.")
    return ts


def concat(values, axis, name="concat"):
    """Concatenates tensors along `axis` (`tf.concat`)."""
    ts = _same_dtype(values, "ConcatV2")
    if not ts:
        raise ValueError("concat needs at least one tensor.")
    nd = ts[0]._value.ndim
    ax = normalize_axis(axis, nd, "ConcatV2")[0]
    for i, t in enumerate(ts):
        s0, s = ts[0]._value.shape, t._value.shape
        if len(s) != nd or any(a != b for j, (a, b) in enumerate(zip(s0, s)) if j != ax):
            raise InvalidArgumentError(
                None, "ConcatV2", f"ConcatOp : Dimension mismatch: all inputs must match in "
                f"every dimension except axis {ax}; input 0 has shape {list(s0)} and input {i} "
                f"has shape {list(s)}. [Op:ConcatV2]")
    if len(ts) == 1:
        return identity(ts[0])
    return execute(CONCAT, tuple(ts), {"axis": ax})


def _pack_kernel(xp, *xs, axis):
    return xp.stack(xs, axis=axis)


PACK = register_op("Pack", _pack_kernel,
                   grad=lambda e, dy: tuple(unstack(dy, axis=e.attrs["axis"])))


def stack(values, axis=0, name="stack"):
    """Stacks rank-R tensors into one rank-(R+1) tensor (`tf.stack`)."""
    ts = _same_dtype(values, "Pack")
    if not ts:
        raise ValueError("stack needs at least one tensor.")
    s0 = ts[0]._value.shape
    for i, t in enumerate(ts):
        if t._value.shape != s0:
            raise InvalidArgumentError(
                None, "Pack", f"Shapes of all inputs must match: values[0].shape = {list(s0)} != "
                f"values[{i}].shape = {list(t._value.shape)} [Op:Pack]")
    nd = len(s0) + 1
    axis = int(axis)
    if not -nd <= axis < nd:
        raise InvalidArgumentError(None, "Pack", f"stack: axis {axis} out of range for rank "
                                   f"{nd - 1} inputs: must be in [{-nd}, {nd}).")
    return execute(PACK, tuple(ts), {"axis": axis % nd})


def _unpack_kernel(xp, x, axis, num):
    return tuple(xp.moveaxis(x, axis, 0))


UNPACK = register_op(
    "Unpack", _unpack_kernel, num_outputs=-1,
    grad=lambda e, *dys: (stack(list(dys), axis=e.attrs["axis"]),))


def unstack(value, num=None, axis=0, name="unstack"):
    """Splits a tensor into a list of rank-(R-1) tensors along `axis`."""
    t = to_tensor(value)
    nd = t._value.ndim
    if nd == 0:
        raise ValueError("Cannot unstack a scalar tensor (rank 0).")
    ax = normalize_axis(axis, nd, "Unpack")[0]
    n = t._value.shape[ax]
    if num is not None and num != n:
        raise ValueError(f"unstack: num={num} does not match dimension {ax} of size {n}.")
    if n == 0:
        return []
    return list(execute(UNPACK, (t,), {"axis": ax, "num": n}))


def _split_kernel(xp, x, bounds, axis):
    return tuple(xp.split(x, bounds, axis=axis))


SPLIT = register_op("SplitV", _split_kernel, num_outputs=-1,
                    grad=lambda e, *dys: (concat(list(dys), axis=e.attrs["axis"]),))


def split(value, num_or_size_splits, axis=0, num=None, name="split"):
    """Splits a tensor into pieces along `axis`: an int gives equal parts, a list gives sizes
    (one may be -1)."""
    t = to_tensor(value)
    nd = t._value.ndim
    ax = normalize_axis(axis, nd, "Split")[0]
    n = t._value.shape[ax]
    if isinstance(num_or_size_splits, Tensor):
        num_or_size_splits = num_or_size_splits.numpy().tolist()
    if isinstance(num_or_size_splits, (int, np.integer)):
        k = int(num_or_size_splits)
        if k <= 0 or n % k:
            raise InvalidArgumentError(
                None, "Split", f"Number of ways to split should evenly divide the split dimension,"
                f" but got split_dim {ax} (size = {n}) and num_split {k} [Op:Split]")
        sizes = [n // k] * k
    else:
        sizes = [int(s) for s in num_or_size_splits]
        if sizes.count(-1) == 1:
            sizes[sizes.index(-1)] = n - (sum(sizes) + 1)
        if sum(sizes) != n or any(s < 0 for s in sizes):
            raise InvalidArgumentError(
                None, "SplitV", f"Determined shape must either match input shape along split_dim "
                f"exactly if fully specified, or be less than the size of the input along "
                f"split_dim if not fully specified. Got sizes {sizes} for a dimension of size "
                f"{n} [Op:SplitV]")
    bounds = tuple(np.cumsum(sizes)[:-1].tolist())
    return list(execute(SPLIT, (t,), {"bounds": bounds, "axis": ax}))


# -- indexing with [] -------------------------------------------------------------------------------
def normalize_index(key, ndim):
    """Turns a `__getitem__` key into a hashable tuple of ints, slices, None and Ellipsis.

    Scalar integer tensors become ints, as TensorFlow allows; other tensors are rejected with
    TensorFlow's message (use tf.gather / tf.boolean_mask for them).
    """
    if not isinstance(key, tuple):
        key = (key,)
    out = []
    for k in key:
        if isinstance(k, Tensor) or hasattr(k, "_is_variable"):
            k = convert_to_tensor(k)
            if k._value.ndim == 0 and k.dtype.is_integer:
                k = int(k._value)
            else:
                raise TypeError(
                    f"Only integers, slices (`:`), ellipsis (`...`), tf.newaxis (`None`) and "
                    f"scalar tf.int32/tf.int64 tensors are valid indices, got a tensor of shape "
                    f"{tuple(k.shape)} and dtype {k.dtype.name}. Use tf.gather or "
                    "tf.boolean_mask to index with a tensor.")
        elif isinstance(k, slice):
            k = slice(*(None if v is None else _index_int(v) for v in (k.start, k.stop, k.step)))
            if k.step == 0:
                raise ValueError("slice step cannot be zero")
        elif k is None or k is Ellipsis:
            pass
        elif isinstance(k, (bool, np.bool_)):
            raise TypeError("Boolean indices are not supported in tensor[...]; use "
                            "tf.boolean_mask.")
        elif isinstance(k, (int, np.integer)):
            k = int(k)
        else:
            raise TypeError(
                f"Only integers, slices (`:`), ellipsis (`...`), tf.newaxis (`None`) and scalar "
                f"tf.int32/tf.int64 tensors are valid indices, got {k!r}.")
        out.append(k)
    dims_used = sum(1 for k in out if k is not None and k is not Ellipsis)
    if dims_used > ndim:
        raise IndexError(f"Too many indices for a tensor of rank {ndim}: got {dims_used}.")
    return tuple(out)


def _index_int(v):
    if isinstance(v, Tensor) or hasattr(v, "_is_variable"):
        return int(convert_to_tensor(v)._value)
    return int(v)


def _slice_kernel(xp, x, key):
    return xp.array(x[key])


def _slice_grad_kernel(xp, dy, shape, key):
    z = xp.zeros(shape, dtype=dy.dtype)
    z[key] = dy
    return z


STRIDED_SLICE = register_op(
    "StridedSlice", _slice_kernel,
    grad=lambda e, dy: (_strided_slice_grad(e, dy),))
STRIDED_SLICE_GRAD = register_op(
    "StridedSliceGrad", _slice_grad_kernel,
    grad=lambda e, ddy: (execute(STRIDED_SLICE, (ddy,), {"key": e.attrs["key"]}),))
STRIDED_SLICE_GRAD_LIKE = register_op(
    "StridedSliceGradLike", lambda xp, dy, ref, key: _slice_grad_kernel(xp, dy, ref.shape, key),
    grad=lambda e, ddy: (execute(STRIDED_SLICE, (ddy,), {"key": e.attrs["key"]}), None))


def _strided_slice_grad(e, dy):
    x = e.inputs[0]
    if _poly(x) or _poly(dy):  # the input's shape is read when the graph runs
        return execute(STRIDED_SLICE_GRAD_LIKE, (dy, x), {"key": e.attrs["key"]})
    return execute(STRIDED_SLICE_GRAD, (dy,), {"shape": x._value.shape, "key": e.attrs["key"]})


def getitem(tensor, key):
    """`tensor[key]` with ints, slices (steps, negatives), `...`, `None`/newaxis and scalar int
    tensors, as TensorFlow supports."""
    t = to_tensor(tensor)
    parts = key if isinstance(key, tuple) else (key,)
    if any(_symbolic(k) for k in parts):
        return _traced_getitem(t, parts)
    key = normalize_index(key, t._value.ndim)
    _check_int_indices(key, t._value.shape)
    return execute(STRIDED_SLICE, (t,), {"key": key})


def _traced_getitem(t, parts):
    """Indexing with scalar integer tensors known only when the graph runs: the static part is
    a StridedSlice, and each tensor index a gather along its dimension."""
    from .indexing_ops import gather
    static, tensor_dims, dim, out_dim = [], [], 0, 0
    for k in parts:
        if _symbolic(k):
            if k.shape.rank != 0 or not k.dtype.is_integer:
                raise TypeError(f"Only scalar integer tensors can index a tensor; got shape "
                                f"{tuple(k.shape)} and dtype {k.dtype.name}. Use tf.gather.")
            static.append(slice(None))
            tensor_dims.append((out_dim, k))
            dim += 1
            out_dim += 1
        elif k is Ellipsis:
            raise TypeError("Indexing with `...` together with a tensor index is not supported "
                            "inside a flowgrad.function; use tf.gather along the axis instead.")
        elif k is None:
            static.append(k)
            out_dim += 1
        else:
            static.append(k)
            dim += 1
            if not isinstance(k, slice):
                pass  # an int index removes its dimension
            else:
                out_dim += 1
    out = getitem(t, tuple(static))
    for d, k in reversed(tensor_dims):
        n = t.shape[_input_dim(parts, d)]
        if n is not None:  # negative indices count from the end, as in Python
            from .math_ops import floormod
            k = floormod(k, n)
        out = gather(out, k, axis=d)
    return out


def _input_dim(parts, out_index):
    """The input dimension of the output dimension `out_index` of a key without ellipsis."""
    dim = out = 0
    for k in parts:
        if k is None:
            out += 1
            continue
        if isinstance(k, int) and not _symbolic(k):
            dim += 1
            continue
        if out == out_index:
            return dim
        dim += 1
        out += 1
    return dim


def _check_int_indices(key, shape):
    # Map each key entry to the dimension it indexes, expanding the ellipsis.
    n_real = sum(1 for k in key if k is not None and k is not Ellipsis)
    dim = 0
    for k in key:
        if k is Ellipsis:
            dim += len(shape) - n_real
        elif k is None:
            continue
        else:
            if isinstance(k, int) and not -shape[dim] <= k < shape[dim]:
                raise InvalidArgumentError(
                    None, "StridedSlice", f"slice index {k} of dimension {dim} out of bounds: "
                    f"the dimension has size {shape[dim]} (tensor shape {list(shape)}). "
                    "[Op:StridedSlice]")
            dim += 1
