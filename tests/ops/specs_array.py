"""OpSpecs for the shape ops of flowgrad/ops/array_ops.py: reshape, transpose, concat, stack,
split, broadcast_to, `[]` indexing (StridedSlice) and its gradient primitive."""

import numpy as np

import flowgrad as fg
from flowgrad.core.dispatch import execute
from flowgrad.ops import array_ops
from flowgrad.testing.op_harness import Case, OpSpec

_ALL_DTYPES = ("float32", "float64", "int32")


def np_squeeze(x, axis=None):
    return np.squeeze(x, axis=None if axis is None else tuple(np.atleast_1d(axis).tolist()))


def np_split(x, num_or_size_splits, axis=0):
    if isinstance(num_or_size_splits, int):
        return np.split(x, num_or_size_splits, axis=axis)
    sizes = list(num_or_size_splits)
    if -1 in sizes:
        sizes[sizes.index(-1)] = x.shape[axis] - (sum(sizes) + 1)
    return np.split(x, np.cumsum(sizes)[:-1], axis=axis)


def np_strided_slice_grad(dy, shape, key):
    out = np.zeros(shape, dy.dtype)
    out[key] = dy
    return out


SPECS = [
    OpSpec(
        "reshape", lambda x, shape: fg.reshape(x, shape), lambda x, shape: np.reshape(x, shape),
        cases=[Case((2, 3), shape=(3, 2)), Case((2, 3), shape=(-1,)),
               Case((4, 3), shape=[-1, 2]), Case((6,), shape=(6, 1, 1)),
               Case((), shape=(1, 1)), Case((0, 3), shape=(3, 0)), Case((2, 3), shape=(2, 3))],
        dtypes=_ALL_DTYPES, grad2=True),
    OpSpec(
        "transpose", lambda x, **kw: fg.transpose(x, **kw),
        lambda x, perm=None: np.transpose(x, perm),
        cases=[Case((2, 3, 4)), Case((2, 3, 4), perm=(2, 0, 1)), Case((2, 3, 4), perm=[-1, 0, 1]),
               Case((3,)), Case(()), Case((0, 2))],
        dtypes=_ALL_DTYPES, grad2=True),
    OpSpec(
        "expand_dims", lambda x, axis: fg.expand_dims(x, axis), np.expand_dims,
        cases=[Case((2, 3), axis=0), Case((2, 3), axis=-1), Case((2, 3), axis=1),
               Case((), axis=0), Case((2, 3), axis=-3)],
        dtypes=_ALL_DTYPES, grad2=True),
    OpSpec(
        "squeeze", lambda x, **kw: fg.squeeze(x, **kw), np_squeeze,
        cases=[Case((1, 3, 1)), Case((1, 3, 1), axis=[0]), Case((1, 3, 1), axis=-1),
               Case((1,)), Case((2, 3)), Case((1, 0, 1), axis=[0, 2])],
        dtypes=_ALL_DTYPES, grad2=True),
    OpSpec(
        "concat", lambda *xs, axis: fg.concat(list(xs), axis),
        lambda *xs, axis: np.concatenate(xs, axis=axis),
        cases=[Case((2, 3), (4, 3), axis=0), Case((2, 3), (2, 1), (2, 0), axis=-1),
               Case((2, 3), axis=1), Case((0, 2), (1, 2), axis=0)],
        dtypes=_ALL_DTYPES, grad2=True),
    OpSpec(
        "stack", lambda *xs, **kw: fg.stack(list(xs), **kw), lambda *xs, **kw: np.stack(xs, **kw),
        cases=[Case((2, 3), (2, 3)), Case((2, 3), (2, 3), axis=-1), Case((2, 3), (2, 3), axis=1),
               Case((), (), ()), Case((0, 2), (0, 2), axis=1), Case((3,), axis=0)],
        dtypes=_ALL_DTYPES, grad2=True),
    OpSpec(
        "unstack", lambda x, **kw: fg.unstack(x, **kw),
        lambda x, axis=0, num=None: list(np.moveaxis(x, axis, 0)),
        cases=[Case((3, 2)), Case((3, 2), axis=1), Case((2, 3, 2), axis=-1, num=2), Case((1,)),
               Case((2, 0), axis=1), Case((0, 2), axis=1)],
        dtypes=_ALL_DTYPES, grad2=True),
    OpSpec(
        "split", lambda x, **kw: fg.split(x, **kw), np_split,
        cases=[Case((6, 2), num_or_size_splits=3), Case((6, 2), num_or_size_splits=[1, 2, 3]),
               Case((6, 2), num_or_size_splits=[2, -1]),
               Case((2, 6), num_or_size_splits=[4, 0, 2], axis=1),
               Case((2, 6), num_or_size_splits=1, axis=-1), Case((0, 2), num_or_size_splits=2)],
        dtypes=_ALL_DTYPES, grad2=True),
    OpSpec(
        "broadcast_to", lambda x, shape: fg.broadcast_to(x, shape),
        lambda x, shape: np.broadcast_to(x, shape).copy(),
        cases=[Case((3, 1), shape=(2, 3, 4)), Case((), shape=(2, 2)), Case((3,), shape=(3,)),
               Case((1,), shape=(0,)), Case((2, 1), shape=[2, 5])],
        dtypes=_ALL_DTYPES, grad2=True),
    OpSpec(
        "identity", fg.identity, lambda x: x,
        cases=[Case((2, 3)), Case(()), Case((0,))], dtypes=_ALL_DTYPES, grad2=True),
    OpSpec(
        "stop_gradient", fg.stop_gradient, lambda x: x,
        cases=[Case((2, 3)), Case(())], dtypes=_ALL_DTYPES, grad=False),
    OpSpec(
        "getitem", lambda x, key: x[key], lambda x, key: x[key],
        cases=[
            Case((4, 3), key=1),
            Case((4, 3), key=-1),
            Case((5,), key=np.s_[::2]),
            Case((4, 3), key=np.s_[1:, ::-1]),
            Case((6, 2), key=np.s_[-2:0:-2, 1]),
            Case((2, 3, 4), key=np.s_[..., 0]),
            Case((2, 3), key=np.s_[None, ..., None]),
            Case((2, 3, 4), key=np.s_[-3:-1, None, 1]),
            Case((2, 3, 4), key=np.s_[:, 1]),
            Case((3,), key=np.s_[2:10]),
            Case((3,), key=np.s_[3:1]),
            Case((), key=np.s_[None]),
            Case((), key=Ellipsis),
        ],
        dtypes=_ALL_DTYPES, grad2=True),
    OpSpec(
        "getitem_tensor_index", lambda x, i: x[i, 1:], lambda x, i: x[int(i), 1:],
        cases=[Case((4, 3), np.array(2)), Case((4, 3), np.array(-4, np.int32))],
        grad2=True),
    OpSpec(
        "strided_slice_grad",
        lambda dy, shape, key: execute(array_ops.STRIDED_SLICE_GRAD, (dy,),
                                       {"shape": shape, "key": key}),
        np_strided_slice_grad,
        cases=[
            Case((2, 2), shape=(4, 3), key=np.s_[1:3, ::2]),
            Case((3,), shape=(4, 3), key=np.s_[1]),
            Case((1, 3, 2), shape=(3, 2), key=np.s_[None, ::-1]),
            Case((0, 3), shape=(4, 3), key=np.s_[3:1]),
        ],
        grad2=True),
    OpSpec(
        "shape_op", lambda x: execute(array_ops.SHAPE, (x,), {"dtype": np.int32}),
        lambda x: np.asarray(x.shape, np.int32),
        cases=[Case((2, 3)), Case(()), Case((0, 4, 1))], dtypes=_ALL_DTYPES, grad=False),
    OpSpec(
        "size_op", lambda x: execute(array_ops.SIZE, (x,), {"dtype": np.int64}),
        lambda x: np.asarray(x.size, np.int64),
        cases=[Case((2, 3)), Case(()), Case((0, 4))], dtypes=_ALL_DTYPES, grad=False),
    OpSpec(
        "zeros_like_op", lambda x: execute(array_ops.ZEROS_LIKE, (x,), {"dtype": x._value.dtype}),
        np.zeros_like, cases=[Case((2, 3)), Case(())], dtypes=_ALL_DTYPES, grad=False),
    OpSpec(
        "ones_like_op", lambda x: execute(array_ops.ONES_LIKE, (x,), {"dtype": x._value.dtype}),
        np.ones_like, cases=[Case((2, 3)), Case((0,))], dtypes=_ALL_DTYPES, grad=False),
    OpSpec(
        "reshape_like", lambda x, r: execute(array_ops.RESHAPE_LIKE, (x, r)),
        lambda x, r: np.reshape(x, r.shape),
        cases=[Case((2, 3), (3, 2)), Case((6,), (1, 6, 1)), Case((), (1,))],
        dtypes=_ALL_DTYPES, wrt=[0], grad2=True),
    OpSpec(
        "broadcast_like", lambda x, r: execute(array_ops.BROADCAST_LIKE, (x, r)),
        lambda x, r: np.broadcast_to(x, r.shape).copy(),
        cases=[Case((1, 3), (4, 3)), Case((3,), (2, 2, 3)), Case((), (2,))],
        dtypes=_ALL_DTYPES, wrt=[0], grad2=True),
    OpSpec(
        "sum_to_like", lambda g, r: execute(array_ops.SUM_TO_LIKE, (g, r)),
        lambda g, r: array_ops._sum_to_kernel(np, g, r),
        cases=[Case((4, 3), (1, 3)), Case((2, 2, 3), (3,)), Case((2,), ()), Case((2, 3), (2, 3))],
        dtypes=_ALL_DTYPES, wrt=[0], grad2=True),
    OpSpec(
        "dynamic_reshape", lambda x, s: execute(array_ops.DYNAMIC_RESHAPE, (x, s)),
        lambda x, s: np.reshape(x, tuple(s.tolist())),
        cases=[Case((2, 3), np.array([3, -1], np.int32)), Case((4,), np.array([2, 2], np.int64))],
        dtypes=_ALL_DTYPES, wrt=[0], grad2=True),
    OpSpec(
        "split_like", lambda dy, *refs: execute(array_ops.SPLIT_LIKE, (dy,) + refs, {"axis": 1}),
        lambda dy, *refs: tuple(np.split(dy, np.cumsum([r.shape[1] for r in refs])[:-1],
                                         axis=1)),
        cases=[Case((2, 5), (2, 2), (2, 3)), Case((3, 4, 2), (3, 1, 2), (3, 0, 2), (3, 3, 2))],
        wrt=[0], grad2=True),
    OpSpec(
        "strided_slice_grad_like",
        lambda dy, r: execute(array_ops.STRIDED_SLICE_GRAD_LIKE, (dy, r),
                              {"key": (slice(1, None), slice(None, None, 2))}),
        lambda dy, r: np_strided_slice_grad(dy, r.shape, (slice(1, None), slice(None, None, 2))),
        cases=[Case((2, 2), (3, 4)), Case((0, 3), (1, 5))], wrt=[0], grad2=True),
    OpSpec(
        "range_op", lambda a, b, c: execute(array_ops.RANGE, (a, b, c), {"dtype": np.int32}),
        lambda a, b, c: np.arange(a, b, c, dtype=np.int32),
        cases=[Case(np.array(1), np.array(9), np.array(2)), Case(np.array(5), np.array(0),
                                                                  np.array(-1))],
        dtypes=("int32",), grad=False),
    OpSpec(
        "linspace_op", lambda a, b, n: execute(array_ops.LINSPACE, (a, b, n), {"axis": 0}),
        lambda a, b, n: np.linspace(a, b, int(n)).astype(a.dtype),
        cases=[Case(np.array(0.0), np.array(1.0), np.array(5)),
               Case(np.array([0.0, 1.0]), np.array([2.0, 3.0]), np.array(3))], grad=False),
    OpSpec(
        "fill_op", lambda d, v: execute(array_ops.FILL, (d, v)),
        lambda d, v: np.full(tuple(d.tolist()), v, dtype=v.dtype),
        cases=[Case(np.array([2, 3], np.int32), np.array(1.5)),
               Case(np.array([0], np.int64), np.array(2.0))], grad=False),
]
