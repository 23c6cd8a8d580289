"""OpSpecs for flowgrad/ops/indexing_ops.py: gather / scatter, slicing, padding, tiling,
sorting and friends, against NumPy references."""

import numpy as np

import flowgrad as fg
from flowgrad.core.dispatch import execute
from flowgrad.ops import indexing_ops
from flowgrad.testing.op_harness import Case, OpSpec


def _i(*values):
    return np.array(values, dtype=np.int64)


# -- NumPy references ------------------------------------------------------------------------------
def np_gather(params, indices, axis=None, batch_dims=0):
    b = batch_dims + indices.ndim if batch_dims < 0 else batch_dims
    axis = b if axis is None else axis % params.ndim
    if b == 0:
        return np.take(params, indices, axis=axis)
    return np.stack([np_gather(p, i, axis - 1, b - 1) for p, i in zip(params, indices)])


def np_gather_transpose(updates, indices, shape, axis, batch_dims):
    """The transpose of np_gather: each source position, found by gathering position numbers,
    receives the sum of the updates that were read from it."""
    positions = np_gather(np.arange(int(np.prod(shape))).reshape(shape), indices, axis,
                          batch_dims)
    out = np.zeros(int(np.prod(shape)), updates.dtype)
    np.add.at(out, positions.reshape(-1), updates.reshape(-1))
    return out.reshape(shape)


def np_gather_nd(params, indices, batch_dims=0):
    if batch_dims:
        return np.stack([np_gather_nd(p, i, batch_dims - 1) for p, i in zip(params, indices)])
    k = indices.shape[-1]
    if k == 0:
        return np.broadcast_to(params, indices.shape[:-1] + params.shape).copy()
    return np.asarray(params[tuple(np.moveaxis(indices, -1, 0))])


def np_scatter_nd(indices, updates, shape):
    out = np.zeros(shape, updates.dtype)
    for pos in np.ndindex(*indices.shape[:-1]):
        out[tuple(indices[pos])] += updates[pos]
    return out


def np_tensor_scatter(tensor, indices, updates, how):
    out = tensor.copy()
    for pos in np.ndindex(*indices.shape[:-1]):
        at = tuple(indices[pos])
        if how == "update":
            out[at] = updates[pos]
        elif how == "add":
            out[at] += updates[pos]
        else:
            out[at] -= updates[pos]
    return out


def np_slice(x, begin, size):
    return x[tuple(slice(b, x.shape[i] if s == -1 else b + s)
                   for i, (b, s) in enumerate(zip(begin, size)))]


def np_pad(x, paddings, mode="CONSTANT", constant_values=0):
    paddings = np.asarray(paddings)
    if x.ndim == 0:
        return x.copy()
    m = mode.lower()
    if m == "constant":
        return np.pad(x, paddings, mode="constant", constant_values=constant_values)
    return np.pad(x, paddings, mode=m)


def np_boolean_mask(x, mask, axis=None):
    a = axis or 0
    flat = x.reshape(x.shape[:a] + (-1,) + x.shape[a + mask.ndim:])
    return np.take(flat, np.flatnonzero(mask), axis=a)


def np_sort(x, axis=-1, direction="ASCENDING"):
    out = np.sort(x, axis=axis)
    return np.flip(out, axis) if direction == "DESCENDING" else out


def np_argsort(x, axis=-1, direction="ASCENDING"):
    key = -x if direction == "DESCENDING" else x
    return np.argsort(key, axis=axis, kind="stable").astype(np.int32)


def np_unique(x, out_idx=np.int32):
    y, idx = [], []
    for v in x.tolist():
        if v not in y:
            y.append(v)
        idx.append(y.index(v))
    return np.array(y, dtype=x.dtype), np.array(idx, dtype=out_idx)


def np_one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None):
    if dtype is None:
        given = on_value if on_value is not None else off_value
        dtype = np.int32 if isinstance(given, int) else np.float32
    on = 1 if on_value is None else on_value
    off = 0 if off_value is None else off_value
    hot = indices[..., None] == np.arange(depth)
    out = np.where(hot, on, off).astype(dtype)
    return np.moveaxis(out, -1, indices.ndim if axis in (None, -1) else axis)


def np_put_last(values, indices, shape):
    out = np.zeros(shape, values.dtype)
    for pos in np.ndindex(*values.shape):
        out[pos[:-1] + (indices[pos],)] += values[pos]
    return out


def _strided(x, np_key, **masks):
    return fg.strided_slice(x, **masks)


# -- specs -----------------------------------------------------------------------------------------
SPECS = [
    OpSpec(
        "gather", lambda p, i, **kw: fg.gather(p, i, **kw), np_gather,
        cases=[
            Case((5, 3), _i(4, 0, 2, 2)),
            Case((5,), np.array(3)),
            Case((2, 5, 3), _i([1, 4], [0, 0]), axis=1),
            Case((2, 3, 4), _i(3, 0), axis=-1),
            Case((4, 3), np.zeros((0, 2), np.int64)),
            Case((0, 3), np.zeros((0,), np.int64)),
            Case((2, 5, 3), _i([1, 4, 4], [0, 2, 1]), axis=1, batch_dims=1),
            Case((2, 3, 5), _i([1, 4], [0, 0]), axis=2, batch_dims=1),
            Case((2, 3, 4, 2), _i([[3, 0], [1, 1], [2, 0]], [[0, 0], [3, 2], [1, 3]]),
                 axis=2, batch_dims=-1),
            Case((2, 3), _i(0, 2), batch_dims=1),
        ],
        dtypes=("float32", "float64", "int32"), grad2=True),
    OpSpec(
        "gather_int32_indices",
        lambda p, i: fg.gather(p, fg.cast(i, fg.int32), axis=0), lambda p, i: p[i],
        cases=[Case((3, 2), _i(2, 1, 2))]),
    OpSpec(
        "gather_grad",
        lambda u, i, shape, axis, batch_dims: execute(
            indexing_ops.GATHER_GRAD, (u, i),
            {"shape": shape, "axis": axis, "batch_dims": batch_dims}),
        np_gather_transpose,
        cases=[
            Case((4, 3), _i(4, 0, 2, 2), shape=(5, 3), axis=0, batch_dims=0),
            Case((2, 2, 2, 3), _i([1, 4], [0, 0]), shape=(2, 5, 3), axis=1, batch_dims=0),
            Case((2, 3), _i([1, 4, 4], [0, 2, 1]), shape=(2, 5), axis=1, batch_dims=1),
            Case((2, 0), np.zeros((2, 0), np.int64), shape=(2, 4), axis=1, batch_dims=1),
        ],
        grad2=True),
    OpSpec(
        "put_along_last_axis",
        lambda v, i, shape: indexing_ops.put_along_last_axis(v, i, shape), np_put_last,
        cases=[
            Case((2, 3), _i([4, 0, 2], [1, 1, 3]), shape=(2, 5)),
            Case((3,), _i(2, 0, 1), shape=(3,)),
            Case((2, 1, 2), _i([[0, 1]], [[1, 0]]), shape=(2, 1, 2)),
        ],
        grad2=True),
    OpSpec(
        "gather_nd", lambda p, i, **kw: fg.gather_nd(p, i, **kw), np_gather_nd,
        cases=[
            Case((3, 4), _i([1, 2], [0, 0], [2, 3], [1, 2])),
            Case((3, 4, 2), _i([1], [2])),
            Case((3, 4), _i(1, 2)),
            Case((3, 2), np.zeros((2, 0), np.int64)),
            Case((3, 4), np.zeros((0, 2), np.int64)),
            Case((2, 3, 4), _i([[1], [0]], [[2], [2]]), batch_dims=1),
            Case((2, 3, 4), _i([[1, 3]], [[2, 0]]), batch_dims=1),
            Case((2, 2, 3), _i([[1], [0]], [[0], [1]]), batch_dims=2),
        ],
        dtypes=("float32", "float64", "int32"), grad2=True),
    OpSpec(
        "scatter_nd", lambda i, u, shape: fg.scatter_nd(i, u, shape), np_scatter_nd,
        cases=[
            Case(_i([1], [3], [1]), (3,), shape=(5,)),
            Case(_i([0, 1], [2, 0]), (2,), shape=(3, 2)),
            Case(_i([2], [0]), (2, 4), shape=(3, 4)),
            Case(np.zeros((2, 0), np.int64), (2, 2, 3), shape=(2, 3)),
            Case(np.zeros((0, 1), np.int64), (0, 3), shape=(4, 3)),
        ],
        dtypes=("float32", "float64", "int32"), grad2=True),
    OpSpec(
        "tensor_scatter_nd_update",
        lambda t, i, u: fg.tensor_scatter_nd_update(t, i, u),
        lambda t, i, u: np_tensor_scatter(t, i, u, "update"),
        cases=[
            Case((4, 3), _i([2], [0]), (2, 3)),
            Case((4, 3), _i([2, 1], [0, 2], [3, 0]), (3,)),
            Case((2, 3), np.zeros((1, 0), np.int64), (1, 2, 3)),
            Case((4,), np.zeros((0, 1), np.int64), (0,)),
        ],
        dtypes=("float32", "float64", "int32"), grad2=True),
    OpSpec(
        "tensor_scatter_nd_update_duplicates",
        lambda t, i, u: fg.tensor_scatter_nd_update(t, i, u),
        lambda t, i, u: np_tensor_scatter(t, i, u, "update"),
        cases=[Case((5,), _i([1], [3], [1]), (3,))], grad=False),
    OpSpec(
        "tensor_scatter_nd_add",
        lambda t, i, u: fg.tensor_scatter_nd_add(t, i, u),
        lambda t, i, u: np_tensor_scatter(t, i, u, "add"),
        cases=[Case((5,), _i([1], [3], [1]), (3,)), Case((3, 2), _i([2], [2]), (2, 2))],
        dtypes=("float32", "float64", "int32"), grad2=True),
    OpSpec(
        "tensor_scatter_nd_sub",
        lambda t, i, u: fg.tensor_scatter_nd_sub(t, i, u),
        lambda t, i, u: np_tensor_scatter(t, i, u, "sub"),
        cases=[Case((5,), _i([1], [3], [1]), (3,)), Case((2, 2), _i([0, 1]), (1,))],
        grad2=True),
    OpSpec(
        "slice", lambda x, **kw: fg.slice(x, **kw), np_slice,
        cases=[
            Case((3, 4), begin=[1, 0], size=[2, -1]),
            Case((2, 3, 4), begin=[0, 1, 1], size=[2, 0, 3]),
            Case((3,), begin=[3], size=[-1]),
            Case((), begin=[], size=[]),
        ],
        dtypes=("float32", "float64", "int32"), grad2=True),
    OpSpec(
        "strided_slice", _strided, lambda x, np_key, **masks: x[np_key],
        cases=[
            Case((5, 4), np_key=np.s_[1:4:2, ::-1], begin=[1, 0], end=[4, 0],
                 strides=[2, -1], begin_mask=2, end_mask=2),
            Case((5, 4), np_key=np.s_[:, 2], begin=[0, 2], end=[0, 3], begin_mask=1,
                 end_mask=1, shrink_axis_mask=2),
            Case((2, 3, 4), np_key=np.s_[..., 1:3], begin=[0, 1], end=[0, 3],
                 ellipsis_mask=1),
            Case((2, 3), np_key=np.s_[None, -1, :, None], begin=[0, -1, 0, 0],
                 end=[0, 0, 0, 0], new_axis_mask=9, shrink_axis_mask=2, begin_mask=4,
                 end_mask=4),
            Case((6,), np_key=np.s_[-2:-7:-2], begin=[-2], end=[-7], strides=[-2]),
            Case((3, 2), np_key=np.s_[5:9], begin=[5], end=[9]),
        ],
        grad2=True),
    OpSpec(
        "reverse", lambda x, axis: fg.reverse(x, axis), lambda x, axis: np.flip(x, tuple(axis)),
        cases=[Case((3, 4), axis=[1]), Case((2, 3, 2), axis=[0, -1]), Case((3,), axis=[]),
               Case((0, 3), axis=[0])],
        dtypes=("float32", "float64", "int32"), grad2=True),
    OpSpec(
        "roll", lambda x, shift, axis: fg.roll(x, shift, axis), np.roll,
        cases=[
            Case((5,), shift=2, axis=0),
            Case((3, 4), shift=[1, -1], axis=[0, 1]),
            Case((3, 4), shift=[1, 2], axis=[-1, 1]),
            Case((3, 4), shift=7, axis=1),
            Case((3, 4), shift=3, axis=0),
            Case((0, 3), shift=1, axis=0),
        ],
        dtypes=("float32", "float64", "int32"), grad2=True),
    OpSpec(
        "tile", lambda x, multiples: fg.tile(x, multiples),
        lambda x, multiples: np.tile(x, multiples),
        cases=[Case((2, 3), multiples=[2, 1]), Case((2, 3), multiples=[1, 0]),
               Case((3,), multiples=[3]), Case((), multiples=[]),
               Case((2, 1, 2), multiples=[2, 3, 2])],
        dtypes=("float32", "float64", "int32"), grad2=True),
    OpSpec(
        "repeat", lambda x, **kw: fg.repeat(x, **kw), np.repeat,
        cases=[
            Case((3,), repeats=2),
            Case((2, 3), repeats=[1, 0, 2], axis=1),
            Case((2, 3), repeats=2),
            Case((2, 3), repeats=[3], axis=-2),
            Case((), repeats=3),
            Case((0, 2), repeats=2, axis=0),
        ],
        dtypes=("float32", "float64", "int32"), grad2=True),
    OpSpec(
        "boolean_mask", lambda x, m, **kw: fg.boolean_mask(x, m, **kw), np_boolean_mask,
        cases=[
            Case((4, 3), np.array([True, False, True, True])),
            Case((2, 3, 2), np.array([[True, False, True], [False, False, True]])),
            Case((2, 3), np.array([False, True, True]), axis=1),
            Case((3,), np.array([False, False, False])),
        ],
        dtypes=("float32", "float64", "int32"), grad2=True),
    OpSpec(
        "pad", lambda x, **kw: fg.pad(x, **kw), np_pad,
        cases=[
            Case((2, 3), paddings=[[1, 0], [2, 1]]),
            Case((2, 3), paddings=[[0, 1], [1, 1]], constant_values=-3),
            Case((3, 4), paddings=[[2, 2], [1, 3]], mode="REFLECT"),
            Case((3, 4), paddings=[[3, 1], [0, 4]], mode="symmetric"),
            Case((3, 1), paddings=[[1, 1], [0, 0]], mode="Reflect"),
            Case((0, 3), paddings=[[1, 1], [0, 0]]),
            Case((2,), paddings=[[0, 0]], mode="REFLECT"),
            Case((), paddings=np.zeros((0, 2), np.int64)),
        ],
        dtypes=("float32", "float64", "int32"), grad2=True),
    OpSpec(
        "pad_bool", lambda m, **kw: fg.pad(m, **kw), np_pad,
        cases=[Case(np.array([True, False]), paddings=[[1, 2]])], grad=False),
    OpSpec(
        "sort", lambda x, **kw: fg.sort(x, **kw), np_sort,
        cases=[
            Case((5,)),
            Case((3, 4), axis=0),
            Case((2, 3, 4), axis=1, direction="DESCENDING"),
            Case((2, 5), direction="DESCENDING"),
            Case((4, 0)),
        ],
        dtypes=("float32", "float64", "int32"), grad2=True),
    OpSpec(
        "argsort", lambda x, **kw: fg.argsort(x, **kw), np_argsort,
        cases=[
            Case((6,)),
            Case((3, 4), axis=0),
            Case((2, 3, 4), axis=1, direction="DESCENDING"),
            Case((2, 7), direction="DESCENDING"),
            Case(np.array([2, 1, 2, 1, 3]), direction="DESCENDING"),
            Case((0, 3)),
        ],
        dtypes=("float32", "float64", "int32"), grad=False),
    OpSpec(
        "unique", lambda x, **kw: fg.unique(x, **kw), np_unique,
        cases=[Case((8,)), Case(np.array([3, 1, 3, 2, 1]), out_idx=np.int64), Case((0,))],
        dtypes=("float32", "int32"), grad=False),
    OpSpec(
        "one_hot", lambda i, **kw: fg.one_hot(i, **kw), np_one_hot,
        cases=[
            Case(_i(0, 2, -1, 5), depth=4),
            Case(_i([1, 0], [2, 2]), depth=3, axis=0),
            Case(_i([1, 0], [2, 2]), depth=3, axis=1),
            Case(_i(1, 0), depth=2, on_value=5, off_value=-1),
            Case(_i(1, 0), depth=3, on_value=2.5),
            Case(_i(1, 0), depth=3, dtype=np.float64),
            Case(np.array(1), depth=3),
            Case(_i(1, 0), depth=0),
            Case(np.array([1, 0, 255], np.uint8), depth=300),
        ],
        dtypes=("float32",), grad=False),
    OpSpec(
        "meshgrid", lambda *xs, **kw: fg.meshgrid(*xs, **kw),
        lambda *xs, **kw: np.meshgrid(*xs, **kw),
        cases=[Case((3,), (2,)), Case((3,), (2,), (4,), indexing="ij"),
               Case((2,), (3,), (2,)), Case((3,)), Case((2, 2), (0,))],
        dtypes=("float32", "float64", "int32"), grad2=True),
]
