"""Gather, scatter, padding, tiling, sorting and other index-driven ops.

The primitive set is small: GatherV2 and its transpose GatherV2Grad (a scatter-add), GatherNd
and ScatterNd, TensorScatterUpdate, PadV2 (constant padding), and the integer-valued ArgSort
and Unique. Everything else is composed from them and from array_ops: reverse and slice are
strided slices, roll / repeat / mirror padding / boolean_mask / sort are gathers with index
arrays computed on the host, tile and meshgrid are reshapes and broadcasts, one_hot is a
comparison and a select.
"""

import collections
import math as _pymath

import numpy as np

from .. import dtypes as _dtypes
from ..core.convert import convert_to_tensor
from ..core.dispatch import execute
from ..core.registry import register_op
from ..core.tensor import Tensor
from ..errors import InvalidArgumentError, shape_str
from . import array_ops, math_ops
from ._common import binary_operands, to_tensor

__all__ = [
    "gather", "gather_nd", "scatter_nd", "tensor_scatter_nd_update", "tensor_scatter_nd_add",
    "tensor_scatter_nd_sub", "slice", "strided_slice", "reverse", "one_hot", "boolean_mask",
    "sort", "argsort", "unique", "meshgrid", "repeat", "roll", "tile", "pad",
]

_pyslice = slice


# -- host-side helpers -----------------------------------------------------------------------------
def _is_tensor_like(x):
    return isinstance(x, Tensor) or hasattr(x, "_is_variable")


def _symbolic(x):
    return getattr(x, "_graph_value", None) is not None


def _host(value):
    """A Python, NumPy or Tensor value as a NumPy array (for index bookkeeping on the host)."""
    if _is_tensor_like(value):
        return np.asarray(to_tensor(value).numpy())
    return np.asarray(value)


def _host_ints(value, what, op_name):
    v = _host(value)
    if v.size and v.dtype.kind not in "iu":
        raise TypeError(f"{op_name}: {what} must be int32 or int64, got {v.tolist()!r} of dtype "
                        f"{v.dtype}.")
    return v.astype(np.int64)


def _axis(axis, ndim, op_name):
    """One axis argument as a non-negative int, checked against `ndim`."""
    a = _host_ints(axis, "axis", op_name)
    if a.size != 1:
        raise InvalidArgumentError(None, op_name, f"{op_name}: axis must be a scalar, got "
                                   f"{a.tolist()!r}. [Op:{op_name}]")
    a = int(a.reshape(()))
    if not -ndim <= a < ndim:
        raise InvalidArgumentError(
            None, op_name, f"{op_name}: axis {a} is out of range for a tensor of rank {ndim}; "
            f"expected a value in [{-ndim}, {ndim}). [Op:{op_name}]")
    return a % ndim


def _index_tensor(indices, op_name):
    if _is_tensor_like(indices):
        idx = to_tensor(indices)
    else:
        idx = convert_to_tensor(indices, dtype_hint=_dtypes.int32)
    if not idx.dtype.is_integer:
        raise TypeError(f"{op_name}: indices must be an integer tensor (int32 or int64), got "
                        f"dtype {idx.dtype.name}. Cast them first, e.g. "
                        "tf.cast(indices, tf.int32).")
    return idx


def _check_range(indices, limit, op_name, context):
    """Raises InvalidArgumentError naming the first index outside [0, limit)."""
    if _symbolic(indices):
        return  # traced: the kernel checks at run time
    v = _host(indices)
    bad = (v < 0) | (v >= limit)
    if not bad.any():
        return
    pos = tuple(int(p) for p in np.argwhere(bad)[0])
    at = f"[{','.join(map(str, pos))}]" if pos else ""
    raise InvalidArgumentError(
        None, op_name, f"indices{at} = {v[pos]} is not in [0, {limit}) [Op:{op_name}] "
        f"({context}). Indices must be non-negative and less than the size of the indexed "
        "dimension.")


def _check_nd_range(indices, shape, op_name, context):
    """Raises InvalidArgumentError naming the first index vector outside `shape`."""
    if _symbolic(indices):
        return
    v = _host(indices)
    if not v.size:
        return
    bad = ((v < 0) | (v >= np.asarray(shape, dtype=np.int64))).any(axis=-1)
    if not bad.any():
        return
    pos = tuple(int(p) for p in np.argwhere(bad)[0])
    at = f"[{','.join(map(str, pos))}]" if pos else ""
    raise InvalidArgumentError(
        None, op_name, f"indices{at} = {v[pos].tolist()} does not index into shape "
        f"{shape_str(shape)} [Op:{op_name}] ({context}). Each index vector's entries must be "
        "non-negative and less than the matching dimension.")


def _const(array):
    return convert_to_tensor(np.ascontiguousarray(array))


# -- GatherV2 and its transpose --------------------------------------------------------------------
def _gather_view(xp, shape, indices, axis, batch_dims):
    """Views `params` of `shape` as [batch, outer, axis, inner] and returns that view shape and
    the index arrays picking GatherV2's output from it (shaped [batch, outer, n_indices])."""
    nb = _pymath.prod(shape[:batch_dims])
    m = _pymath.prod(shape[batch_dims:axis])
    r = _pymath.prod(shape[axis + 1:])
    ni = _pymath.prod(indices.shape[batch_dims:])
    key = (xp.arange(nb).reshape(nb, 1, 1), xp.arange(m).reshape(1, m, 1),
           indices.reshape(nb, 1, ni))
    return (nb, m, shape[axis], r), key


def _gather_kernel(xp, params, indices, axis, batch_dims):
    if batch_dims == 0:
        return xp.asarray(xp.take(params, indices, axis=axis))  # much faster for axis > 0
    view, key = _gather_view(xp, params.shape, indices, axis, batch_dims)
    out_shape = params.shape[:axis] + indices.shape[batch_dims:] + params.shape[axis + 1:]
    return params.reshape(view)[key].reshape(out_shape)


def _gather_grad_kernel(xp, updates, indices, shape, axis, batch_dims):
    if axis == 0 and batch_dims == 0 and indices.size > 64:
        return _segment_sum_rows(xp, updates, indices, shape)
    view, key = _gather_view(xp, shape, indices, axis, batch_dims)
    nb, m, _, r = view
    out = xp.zeros(view, dtype=updates.dtype)
    xp.add.at(out, key, updates.reshape(nb, m, key[2].shape[2], r))
    return out.reshape(shape)


def _scipy_sparse():
    """scipy.sparse when SciPy (an optional extra) is installed, else None; imported once."""
    global _SPARSE
    if _SPARSE is None:
        try:
            import scipy.sparse as sparse
        except ImportError:
            sparse = False
        _SPARSE = sparse
    return _SPARSE or None


_SPARSE = None


def _segment_sum_rows(xp, updates, indices, shape):
    """Rows of `updates` summed into the rows `indices` of a zero array of `shape` (the
    Embedding gradient). With SciPy, one sparse (rows x updates) 0/1 matrix product (about
    10x faster than `add.at` for a (32 x 200, 64) gradient); otherwise sort the indices once
    and add each run of equal ones with `add.reduceat`."""
    idx = indices.reshape(-1)
    rows = updates.reshape((idx.shape[0], -1))
    sparse = _scipy_sparse() if xp is np and rows.dtype.kind in "fc" else None
    if sparse is not None:
        n = idx.shape[0]
        onehot = sparse.csr_matrix((np.ones(n, dtype=rows.dtype), (idx, np.arange(n))),
                                   shape=(shape[0], n))
        return np.asarray(onehot @ rows, dtype=updates.dtype).reshape(shape)
    order = xp.argsort(idx, kind="stable")
    sidx = idx[order]
    starts = xp.flatnonzero(xp.concatenate([xp.ones((1,), dtype=bool), sidx[1:] != sidx[:-1]]))
    out = xp.zeros((shape[0], rows.shape[1]), dtype=updates.dtype)
    out[sidx[starts]] = xp.add.reduceat(rows[order], starts, axis=0)
    return out.reshape(shape)


def _gather_grad(e, dy):
    params, indices = e.inputs
    return (execute(GATHER_GRAD, (dy, indices), dict(e.attrs, shape=params._value.shape)), None)


def _gather_grad_grad(e, ddx):
    return (execute(GATHER, (ddx, e.inputs[1]), {"axis": e.attrs["axis"],
                                                  "batch_dims": e.attrs["batch_dims"]}), None)


GATHER = register_op("GatherV2", _gather_kernel, grad=_gather_grad)
GATHER_GRAD = register_op("GatherV2Grad", _gather_grad_kernel, grad=_gather_grad_grad)


def gather(params, indices, validate_indices=None, axis=None, batch_dims=0, name=None):
    """Gathers slices of `params` along `axis` at `indices` (`tf.gather`).

    Args:
        params: the tensor to gather from, rank >= 1.
        indices: an int32 / int64 tensor of indices into dimension `axis`, each in
            [0, params.shape[axis]).
        validate_indices: deprecated and ignored, as in TensorFlow.
        axis: the dimension to gather along; defaults to `batch_dims`.
        batch_dims: how many leading dimensions of `params` and `indices` are batch dimensions
            (negative counts from the rank of `indices`).
        name: unused, for TensorFlow compatibility.

    Returns:
        A tensor of shape `params.shape[:axis] + indices.shape[batch_dims:] +
        params.shape[axis + 1:]` and the dtype of `params`.

    Raises:
        InvalidArgumentError: an index is out of range, or the shapes and `axis` / `batch_dims`
            do not fit together.
    """
    p = to_tensor(params)
    idx = _index_tensor(indices, "GatherV2")
    ps, ishape = p._value.shape, idx._value.shape
    if not ps:
        raise InvalidArgumentError(None, "GatherV2", "GatherV2: params must be at least 1 "
                                   "dimensional, got a scalar. [Op:GatherV2]")
    b = int(batch_dims)
    if b < 0:
        b += len(ishape)
    if not 0 <= b <= len(ishape):
        raise InvalidArgumentError(
            None, "GatherV2", f"GatherV2: batch_dims ({batch_dims}) must be in "
            f"[{-len(ishape)}, {len(ishape)}] for indices of shape {shape_str(ishape)}. "
            "[Op:GatherV2]")
    ax = _axis(b if axis is None else axis, len(ps), "GatherV2")
    if b > ax:
        raise InvalidArgumentError(
            None, "GatherV2", f"GatherV2: batch_dims ({b}) must be less than or equal to axis "
            f"({ax}) (params shape {shape_str(ps)}). [Op:GatherV2]")
    if ps[:b] != ishape[:b]:
        raise InvalidArgumentError(
            None, "GatherV2", f"GatherV2: params.shape[:{b}] = {shape_str(ps[:b])} and "
            f"indices.shape[:{b}] = {shape_str(ishape[:b])} must be equal: the first "
            f"batch_dims={b} dimensions are batch dimensions. [Op:GatherV2]")
    _check_range(idx, ps[ax], "GatherV2", f"params shape {shape_str(ps)}, indices shape "
                 f"{shape_str(ishape)}, axis {ax}")
    return execute(GATHER, (p, idx), {"axis": ax, "batch_dims": b})


def _take(t, index_array, axis):
    """`gather` with a host index array known to be in range."""
    return execute(GATHER, (t, _const(index_array.astype(np.int64))),
                   {"axis": axis, "batch_dims": 0})


def put_along_last_axis(values, indices, shape):
    """Scatters `values` into zeros of `shape` at `indices` along the last axis.

    The transpose of gathering along the last axis with all leading dimensions as batch
    dimensions (`tf.gather(x, indices, batch_dims=rank - 1)`); duplicate indices add up.

    Args:
        values: a tensor of shape `shape[:-1] + [k]`.
        indices: int indices of shape `shape[:-1] + [k]`, each in [0, shape[-1]).
        shape: the output shape.

    Returns:
        A tensor of `shape` and the dtype of `values`.
    """
    shape = tuple(int(d) for d in shape)
    last = len(shape) - 1
    return execute(GATHER_GRAD, (to_tensor(values), _index_tensor(indices, "GatherV2Grad")),
                   {"shape": shape, "axis": last, "batch_dims": last})


# -- GatherNd and ScatterNd ------------------------------------------------------------------------
def _nd_key(indices):
    return tuple(indices[..., j] for j in range(indices.shape[-1]))


def _gather_nd_kernel(xp, params, indices):
    if indices.shape[-1] == 0:
        return xp.array(xp.broadcast_to(params, indices.shape[:-1] + params.shape))
    return xp.asarray(params[_nd_key(indices)])


def _scatter_nd_kernel(xp, indices, updates, shape):
    out = xp.zeros(shape, dtype=updates.dtype)
    if indices.shape[-1] == 0:
        n = _pymath.prod(indices.shape[:-1])
        return out + updates.reshape((n,) + shape).sum(axis=0, dtype=updates.dtype)
    xp.add.at(out, _nd_key(indices), updates)
    return out


GATHER_ND = register_op(
    "GatherNd", _gather_nd_kernel,
    grad=lambda e, dy: (execute(SCATTER_ND, (e.inputs[1], dy),
                                {"shape": e.inputs[0]._value.shape}), None))
SCATTER_ND = register_op(
    "ScatterNd", _scatter_nd_kernel,
    grad=lambda e, dy: (None, execute(GATHER_ND, (dy, e.inputs[0]))))


def gather_nd(params, indices, batch_dims=0, name=None):
    """Gathers slices of `params` addressed by the index vectors in the last axis of `indices`
    (`tf.gather_nd`).

    Args:
        params: the tensor to gather from.
        indices: int32 / int64 tensor of shape `batch + outer + [k]`; each length-k vector
            indexes the first k non-batch dimensions of `params`.
        batch_dims: how many leading dimensions of `params` and `indices` are batch dimensions.
        name: unused, for TensorFlow compatibility.

    Returns:
        A tensor of shape `indices.shape[:-1] + params.shape[batch_dims + k:]`.

    Raises:
        InvalidArgumentError: an index vector is out of range, or the shapes do not fit.
    """
    p = to_tensor(params)
    idx = _index_tensor(indices, "GatherNd")
    ps, ishape = p._value.shape, idx._value.shape
    b = int(batch_dims)
    if not ishape:
        raise InvalidArgumentError(None, "GatherNd", "GatherNd: indices must be at least a "
                                   f"vector, got a scalar (params shape {shape_str(ps)}). Wrap "
                                   "it: indices=[i]. [Op:GatherNd]")
    if not 0 <= b < len(ishape):
        raise InvalidArgumentError(
            None, "GatherNd", f"GatherNd: batch_dims ({batch_dims}) must be non-negative and "
            f"less than the rank of indices (shape {shape_str(ishape)}). [Op:GatherNd]")
    k = ishape[-1]
    if b + k > len(ps) or ps[:b] != ishape[:b]:
        raise InvalidArgumentError(
            None, "GatherNd", f"GatherNd: indices of shape {shape_str(ishape)} do not fit params"
            f" of shape {shape_str(ps)} with batch_dims={b}: need indices.shape[-1] ({k}) <= "
            f"rank(params) - batch_dims ({len(ps) - b}) and equal batch dimensions. "
            "[Op:GatherNd]")
    _check_nd_range(idx, ps[b:b + k], "GatherNd", f"params shape {shape_str(ps)}, indices "
                    f"shape {shape_str(ishape)}, batch_dims {b}")
    if b:
        idx = _with_batch_coordinates(idx, b)
    return execute(GATHER_ND, (p, idx))


def _with_batch_coordinates(idx, b):
    """Prepends each index vector's batch coordinates, turning a batched gather_nd into a plain
    one: shape `batch + outer + [k]` becomes `batch + outer + [b + k]`."""
    ishape = idx._value.shape
    batch = ishape[:b]
    grid = np.moveaxis(np.indices(batch), 0, -1)
    grid = grid.reshape(batch + (1,) * (len(ishape) - 1 - b) + (b,)).astype(idx._value.dtype)
    coords = array_ops.broadcast_to(_const(grid), ishape[:-1] + (b,))
    return array_ops.concat([coords, idx], axis=-1)


def _check_scatter(op_name, idx, updates_shape, shape):
    ishape = idx._value.shape
    expected = None
    if ishape and ishape[-1] <= len(shape):
        expected = ishape[:-1] + tuple(shape[ishape[-1]:])
    if expected != tuple(updates_shape):
        want = "" if expected is None else f" = {shape_str(expected)}"
        raise InvalidArgumentError(
            None, op_name, f"{op_name}: indices of shape {shape_str(ishape)} and updates of shape"
            f" {shape_str(updates_shape)} do not fit a tensor of shape {shape_str(shape)}: "
            "indices must be at least a vector with indices.shape[-1] <= rank(shape), and "
            f"updates must have shape indices.shape[:-1] + shape[indices.shape[-1]:]{want}. "
            f"[Op:{op_name}]")
    _check_nd_range(idx, tuple(shape[:ishape[-1]]), op_name, f"indices shape "
                    f"{shape_str(ishape)}, updates shape {shape_str(updates_shape)}")


def scatter_nd(indices, updates, shape, name=None):
    """Scatters `updates` into a zero tensor of `shape` at `indices`; duplicates add up
    (`tf.scatter_nd`).

    Args:
        indices: int32 / int64 tensor of shape `outer + [k]`.
        updates: a tensor of shape `outer + shape[k:]`.
        shape: the output shape.
        name: unused, for TensorFlow compatibility.

    Returns:
        A tensor of `shape` and the dtype of `updates`.

    Raises:
        InvalidArgumentError: an index vector is out of range, or the shapes do not fit.
    """
    idx = _index_tensor(indices, "ScatterNd")
    u = to_tensor(updates)
    dims = tuple(int(d) for d in _host_ints(shape, "shape", "ScatterNd").reshape(-1))
    _check_scatter("ScatterNd", idx, u._value.shape, dims)
    return execute(SCATTER_ND, (idx, u), {"shape": dims})


def _tensor_scatter_update_kernel(xp, tensor, indices, updates):
    out = tensor.copy()
    if indices.shape[-1] == 0:
        n = _pymath.prod(indices.shape[:-1])
        if n:
            out[...] = updates.reshape((n,) + tensor.shape)[-1]
        return out
    out[_nd_key(indices)] = updates
    return out


def _tensor_scatter_update_grad(e, dy):
    _, idx, updates = e.inputs
    nt, _, nu = e.needs_grad
    return (execute(TENSOR_SCATTER_UPDATE, (dy, idx, array_ops.zeros_like(updates)))
            if nt else None,
            None,
            execute(GATHER_ND, (dy, idx)) if nu else None)


TENSOR_SCATTER_UPDATE = register_op("TensorScatterUpdate", _tensor_scatter_update_kernel,
                                    grad=_tensor_scatter_update_grad)


def _tensor_scatter_operands(op_name, tensor, indices, updates):
    idx = _index_tensor(indices, op_name)
    t, u = binary_operands(tensor, updates, op_name)
    _check_scatter(op_name, idx, u._value.shape, t._value.shape)
    return t, idx, u


def tensor_scatter_nd_update(tensor, indices, updates, name=None):
    """Returns a copy of `tensor` with the slices at `indices` replaced by `updates`
    (`tf.tensor_scatter_nd_update`).

    Args:
        tensor: the tensor to copy.
        indices: int32 / int64 tensor of shape `outer + [k]`.
        updates: a tensor of shape `outer + tensor.shape[k:]` and the dtype of `tensor`.
        name: unused, for TensorFlow compatibility.

    Returns:
        A tensor like `tensor`.

    Raises:
        InvalidArgumentError: an index vector is out of range, or the shapes do not fit.
    """
    t, idx, u = _tensor_scatter_operands("TensorScatterUpdate", tensor, indices, updates)
    return execute(TENSOR_SCATTER_UPDATE, (t, idx, u))


def tensor_scatter_nd_add(tensor, indices, updates, name=None):
    """Returns `tensor` plus `updates` scattered at `indices`; duplicates add up
    (`tf.tensor_scatter_nd_add`).

    Args:
        tensor: the tensor to add to.
        indices: int32 / int64 tensor of shape `outer + [k]`.
        updates: a tensor of shape `outer + tensor.shape[k:]` and the dtype of `tensor`.
        name: unused, for TensorFlow compatibility.

    Returns:
        A tensor like `tensor`.
    """
    t, idx, u = _tensor_scatter_operands("TensorScatterAdd", tensor, indices, updates)
    return math_ops.add(t, execute(SCATTER_ND, (idx, u), {"shape": t._value.shape}))


def tensor_scatter_nd_sub(tensor, indices, updates, name=None):
    """Returns `tensor` minus `updates` scattered at `indices`; duplicates add up
    (`tf.tensor_scatter_nd_sub`).

    Args:
        tensor: the tensor to subtract from.
        indices: int32 / int64 tensor of shape `outer + [k]`.
        updates: a tensor of shape `outer + tensor.shape[k:]` and the dtype of `tensor`.
        name: unused, for TensorFlow compatibility.

    Returns:
        A tensor like `tensor`.
    """
    t, idx, u = _tensor_scatter_operands("TensorScatterSub", tensor, indices, updates)
    return math_ops.subtract(t, execute(SCATTER_ND, (idx, u), {"shape": t._value.shape}))


# -- slicing ---------------------------------------------------------------------------------------
def slice(input_, begin, size, name=None):  # noqa: A001 - tf.slice
    """Extracts the block starting at `begin` with extent `size` (`tf.slice`).

    Args:
        input_: the tensor to slice.
        begin: the start index in each dimension.
        size: the extent in each dimension; -1 takes the rest of the dimension.
        name: unused, for TensorFlow compatibility.

    Returns:
        A tensor of shape `size` (with -1 resolved).

    Raises:
        InvalidArgumentError: `begin` / `size` have the wrong length or leave the tensor.
    """
    t = to_tensor(input_)
    s = t._value.shape
    b = _host_ints(begin, "begin", "Slice").reshape(-1)
    z = _host_ints(size, "size", "Slice").reshape(-1)
    if len(b) != len(s) or len(z) != len(s):
        raise InvalidArgumentError(
            None, "Slice", f"Expected begin and size arguments to be 1-D tensors of size "
            f"{len(s)} (the rank of the input, shape {shape_str(s)}), but got sizes {len(b)} "
            f"and {len(z)} instead. [Op:Slice]")
    key = []
    for i, (d, bi, zi) in enumerate(zip(s, b.tolist(), z.tolist())):
        if not 0 <= bi <= d:
            raise InvalidArgumentError(
                None, "Slice", f"Expected begin[{i}] in [0, {d}], but got {bi} (input shape "
                f"{shape_str(s)}). [Op:Slice]")
        n = d - bi if zi == -1 else zi
        if not 0 <= n <= d - bi:
            raise InvalidArgumentError(
                None, "Slice", f"Expected size[{i}] in [0, {d - bi}], but got {zi} (input shape "
                f"{shape_str(s)}, begin[{i}] = {bi}); use -1 to take the rest. [Op:Slice]")
        key.append(_pyslice(bi, bi + n))
    if not key:
        return array_ops.identity(t)
    return execute(array_ops.STRIDED_SLICE, (t,), {"key": tuple(key)})


def strided_slice(input_, begin, end, strides=None, begin_mask=0, end_mask=0, ellipsis_mask=0,
                  new_axis_mask=0, shrink_axis_mask=0, var=None, name=None):
    """Python-style `input_[begin:end:strides]` with TensorFlow's bit masks (`tf.strided_slice`).

    Bit i of a mask refers to entry i of `begin` / `end` / `strides`: `begin_mask` and
    `end_mask` ignore that begin / end (take the full range), `ellipsis_mask` makes the entry an
    `...`, `new_axis_mask` a new size-1 dimension, and `shrink_axis_mask` an integer index
    `begin[i]` that removes the dimension.

    Args:
        input_: the tensor to slice.
        begin: 1-D start indices (negative counts from the end).
        end: 1-D stop indices (exclusive).
        strides: 1-D steps, non-zero; defaults to ones.
        begin_mask: int bit mask.
        end_mask: int bit mask.
        ellipsis_mask: int bit mask with at most one bit set.
        new_axis_mask: int bit mask.
        shrink_axis_mask: int bit mask.
        var: unused, for TensorFlow compatibility.
        name: unused, for TensorFlow compatibility.

    Returns:
        The slice, as `input_[key]` with the key the masks describe.

    Raises:
        InvalidArgumentError: the spec is malformed or indexes outside the tensor.
    """
    t = to_tensor(input_)
    b = _host_ints(begin, "begin", "StridedSlice")
    e = _host_ints(end, "end", "StridedSlice")
    st = np.ones_like(b) if strides is None else _host_ints(strides, "strides", "StridedSlice")
    if b.ndim != 1 or b.shape != e.shape or b.shape != st.shape:
        raise InvalidArgumentError(
            None, "StridedSlice", f"StridedSlice: begin, end and strides must be 1-D of equal "
            f"length, got shapes {shape_str(b.shape)}, {shape_str(e.shape)} and "
            f"{shape_str(st.shape)}. [Op:StridedSlice]")
    if ellipsis_mask & (ellipsis_mask - 1):
        raise InvalidArgumentError(None, "StridedSlice", "Multiple ellipses in slice spec not "
                                   f"allowed (ellipsis_mask={ellipsis_mask}). [Op:StridedSlice]")
    key = []
    for i in range(len(b)):
        bit = 1 << i
        if ellipsis_mask & bit:
            key.append(Ellipsis)
        elif new_axis_mask & bit:
            key.append(None)
        elif shrink_axis_mask & bit:
            key.append(int(b[i]))
        else:
            if st[i] == 0:
                raise InvalidArgumentError(None, "StridedSlice", f"strides[{i}] must be non-zero,"
                                           f" got strides={st.tolist()}. [Op:StridedSlice]")
            key.append(_pyslice(None if begin_mask & bit else int(b[i]),
                                None if end_mask & bit else int(e[i]), int(st[i])))
    used = sum(1 for k in key if k is not None and k is not Ellipsis)
    if used > t._value.ndim:
        raise InvalidArgumentError(
            None, "StridedSlice", f"StridedSlice: the slice spec indexes {used} dimensions but "
            f"the input has shape {shape_str(t._value.shape)}. [Op:StridedSlice]")
    return array_ops.getitem(t, tuple(key))


def reverse(tensor, axis, name=None):
    """Reverses the order of elements along the given axes (`tf.reverse`).

    Args:
        tensor: the tensor to reverse.
        axis: a list of distinct axes (negative counts from the end).
        name: unused, for TensorFlow compatibility.

    Returns:
        A tensor like `tensor`.
    """
    t = to_tensor(tensor)
    nd = t._value.ndim
    axes = [_axis(a, nd, "ReverseV2") for a in _host_ints(axis, "axis", "ReverseV2").reshape(-1)]
    for a in axes:
        if axes.count(a) > 1:
            raise InvalidArgumentError(None, "ReverseV2", f"ReverseV2: axis {a} specified more "
                                       f"than once (axis={list(axes)}). [Op:ReverseV2]")
    if not axes:
        return array_ops.identity(t)
    key = tuple(_pyslice(None, None, -1) if i in axes else _pyslice(None) for i in range(nd))
    return execute(array_ops.STRIDED_SLICE, (t,), {"key": key})


def roll(input, shift, axis, name=None):  # noqa: A002 - TF's argument name
    """Rolls elements along axes: element i moves to (i + shift) mod n (`tf.roll`).

    Args:
        input: the tensor to roll.
        shift: an int or a list of ints; shifts on the same axis add up.
        axis: an int or a list of ints of the same length as `shift`.
        name: unused, for TensorFlow compatibility.

    Returns:
        A tensor like `input`.
    """
    t = to_tensor(input)
    shifts = _host_ints(shift, "shift", "Roll")
    axes = _host_ints(axis, "axis", "Roll")
    if shifts.ndim > 1 or shifts.shape != axes.shape:
        raise InvalidArgumentError(
            None, "Roll", f"Roll: shift and axis must be scalars or 1-D of the same size, got "
            f"shift={shifts.tolist()} and axis={axes.tolist()}. [Op:Roll]")
    total = {}
    for s, a in zip(shifts.reshape(-1).tolist(), axes.reshape(-1).tolist()):
        a = _axis(a, t._value.ndim, "Roll")
        total[a] = total.get(a, 0) + s
    out = t
    for a, s in sorted(total.items()):
        n = t._value.shape[a]
        if n and s % n:
            out = _take(out, (np.arange(n) - s) % n, a)
    return out if out is not t else array_ops.identity(t)


def tile(input, multiples, name=None):  # noqa: A002
    """Repeats the whole tensor `multiples[i]` times along each dimension i (`tf.tile`).

    Args:
        input: the tensor to tile.
        multiples: one non-negative int per dimension.
        name: unused, for TensorFlow compatibility.

    Returns:
        A tensor of shape `input.shape * multiples`.
    """
    t = to_tensor(input)
    s = t._value.shape
    m = _host_ints(multiples, "multiples", "Tile")
    if m.shape != (len(s),):
        raise InvalidArgumentError(
            None, "Tile", f"Expected multiples argument to be a vector of length {len(s)} (the "
            f"rank of the input, shape {shape_str(s)}) but got {m.tolist()!r}. [Op:Tile]")
    for i, k in enumerate(m.tolist()):
        if k < 0:
            raise InvalidArgumentError(None, "Tile", f"Expected multiples[{i}] >= 0, but got "
                                       f"{k}. [Op:Tile]")
    # [s0, s1] -> [1, s0, 1, s1] -> broadcast [m0, s0, m1, s1] -> [m0 * s0, m1 * s1]
    spread = array_ops.reshape(t, [d for n in s for d in (1, n)])
    spread = array_ops.broadcast_to(spread, [d for k, n in zip(m.tolist(), s) for d in (k, n)])
    return array_ops.reshape(spread, [k * n for k, n in zip(m.tolist(), s)])


def repeat(input, repeats, axis=None, name=None):  # noqa: A002
    """Repeats each element `repeats` times along `axis` (`tf.repeat`).

    Args:
        input: the tensor.
        repeats: an int, or a 1-D list with one count per element along `axis`.
        axis: the axis to repeat along; None flattens the input first.
        name: unused, for TensorFlow compatibility.

    Returns:
        A tensor like `input` with dimension `axis` of size `sum(repeats)`.
    """
    t = to_tensor(input)
    if axis is None:
        t = array_ops.reshape(t, [-1])
        axis = 0
    ax = _axis(axis, t._value.ndim, "Repeat")
    n = t._value.shape[ax]
    r = _host_ints(repeats, "repeats", "Repeat")
    if r.ndim > 1 or (r.ndim == 1 and r.size not in (1, n)) or (r < 0).any():
        raise InvalidArgumentError(
            None, "Repeat", f"Repeat: repeats must be a non-negative int or a 1-D list of {n} "
            f"non-negative ints (the size of axis {ax} of input shape "
            f"{shape_str(t._value.shape)}), got {r.tolist()!r}. [Op:Repeat]")
    return _take(t, np.repeat(np.arange(n), np.broadcast_to(r.reshape(-1), (n,))), ax)


def boolean_mask(tensor, mask, axis=None, name="boolean_mask"):
    """Keeps the entries of `tensor` where `mask` is true (`tf.boolean_mask`).

    Args:
        tensor: the tensor to select from.
        mask: a k-D bool tensor matching `tensor.shape[axis:axis + k]`.
        axis: the first dimension the mask applies to (default 0).
        name: unused, for TensorFlow compatibility.

    Returns:
        A tensor whose mask dimensions are replaced by one dimension of size `count(mask)`.

    Raises:
        InvalidArgumentError (a ValueError): the mask is a scalar or its shape does not match.
    """
    t = to_tensor(tensor)
    if _symbolic(mask):
        return _traced_boolean_mask(t, to_tensor(mask), axis)
    m = _host(mask)
    s = t._value.shape
    if m.ndim == 0:
        raise InvalidArgumentError(None, "BooleanMask", "mask cannot be scalar: give a mask "
                                   f"shaped like (a leading part of) the tensor, shape "
                                   f"{shape_str(s)}.")
    ax = 0 if axis is None else _axis(axis, len(s), "BooleanMask")
    if s[ax:ax + m.ndim] != m.shape:
        raise InvalidArgumentError(
            None, "BooleanMask", f"Shapes {shape_str(s[ax:ax + m.ndim])} and "
            f"{shape_str(m.shape)} are incompatible: the mask shape must equal "
            f"tensor.shape[axis:axis + mask.ndim] (tensor shape {shape_str(s)}, axis {ax}).")
    flat = array_ops.reshape(t, s[:ax] + (m.size,) + s[ax + m.ndim:])
    return _take(flat, np.flatnonzero(m), ax)


def _traced_boolean_mask(t, mask, axis):
    """boolean_mask with a mask known only at run time: the kept positions come from a `Where`
    node, so the result's masked dimension is unknown while tracing."""
    from .math_ops import where
    s = tuple(t.shape)
    ax = 0 if axis is None else _axis(axis, len(s), "BooleanMask")
    k = mask.shape.rank
    if not k:
        raise InvalidArgumentError(None, "BooleanMask", "mask cannot be scalar.")
    if not mask.shape.is_compatible_with(s[ax:ax + k]):
        raise InvalidArgumentError(
            None, "BooleanMask", f"Shapes {shape_str(s[ax:ax + k])} and "
            f"{shape_str(tuple(mask.shape))} are incompatible (tensor shape {shape_str(s)}).")
    flat = array_ops.reshape(t, array_ops.concat(
        [array_ops.shape(t)[:ax], [-1], array_ops.shape(t)[ax + k:]], 0)) \
        if None in s else array_ops.reshape(t, s[:ax] + (-1,) + s[ax + k:])
    idx = array_ops.reshape(where(array_ops.reshape(mask, [-1])), [-1])
    return gather(flat, idx, axis=ax)


# -- padding ---------------------------------------------------------------------------------------
def _pad_kernel(xp, x, constant_values, paddings):
    return xp.pad(x, paddings, mode="constant", constant_values=constant_values)


def _pad_grad(e, dy):
    # slices relative to both ends: right for any size (traces with unknown dimensions)
    key = tuple(_pyslice(a, -b if b else None) for a, b in e.attrs["paddings"])
    return (execute(array_ops.STRIDED_SLICE, (dy,), {"key": key}), None)


PAD = register_op("PadV2", _pad_kernel, grad=_pad_grad)


def _paddings(paddings, shape):
    p = _host_ints(paddings, "paddings", "Pad")
    if p.size == 0 and not shape:
        p = p.reshape(0, 2)
    if p.shape != (len(shape), 2):
        raise InvalidArgumentError(
            None, "Pad", f"paddings must be a matrix of shape [rank, 2] = [{len(shape)},2] for an "
            f"input of shape {shape_str(shape)}, but got paddings of shape {shape_str(p.shape)}:"
            f" {p.tolist()!r}. Give one [before, after] pair per dimension. [Op:Pad]")
    if (p < 0).any():
        raise InvalidArgumentError(None, "Pad", f"Paddings must be non-negative, got "
                                   f"{p.tolist()!r}. [Op:Pad]")
    return tuple((int(a), int(b)) for a, b in p.tolist())


def pad(tensor, paddings, mode="CONSTANT", constant_values=0, name=None):
    """Pads a tensor (`tf.pad`).

    Args:
        tensor: the tensor to pad.
        paddings: an int matrix of shape [rank, 2]: `[before, after]` per dimension.
        mode: "CONSTANT", "REFLECT" (mirror without the edge; paddings < dimension size) or
            "SYMMETRIC" (mirror with the edge; paddings <= dimension size), case-insensitive.
        constant_values: the scalar fill value of CONSTANT mode, in the dtype of `tensor`.
        name: unused, for TensorFlow compatibility.

    Returns:
        The padded tensor.

    Raises:
        ValueError: `mode` is not one of the three.
        InvalidArgumentError: `paddings` has the wrong shape, is negative, or is too large for
            a mirror mode.
    """
    m = str(mode).upper()
    if m not in ("CONSTANT", "REFLECT", "SYMMETRIC"):
        raise ValueError(f'Value of argument `mode` expected to be one of "CONSTANT", '
                         f'"REFLECT", or "SYMMETRIC". Received `mode` = {mode}')
    t = to_tensor(tensor)
    shape = t._value.shape
    pads = _paddings(paddings, shape)
    if m == "CONSTANT":
        if not _is_tensor_like(constant_values) and np.ndim(constant_values) == 0 \
                and constant_values == 0:
            cv = array_ops.zeros((), t.dtype)
        else:
            t, cv = binary_operands(t, constant_values, "PadV2")
        if cv._value.ndim:
            raise InvalidArgumentError(None, "PadV2", f"constant_values must be a scalar, got "
                                       f"shape {shape_str(cv._value.shape)}. [Op:PadV2]")
        if not shape:
            return array_ops.identity(t)
        return execute(PAD, (t, cv), {"paddings": pads})
    edge = 1 if m == "REFLECT" else 0
    out = t
    for axis, ((a, b), n) in enumerate(zip(pads, shape)):
        if not (a or b):
            continue
        if max(a, b) > n - edge:
            rule = "less than" if edge else "no greater than"
            raise InvalidArgumentError(
                None, "MirrorPad", f"MirrorPad: {m} paddings must be {rule} the dimension size:"
                f" dimension {axis} of input shape {shape_str(shape)} has size {n} but its "
                f"paddings are [{a}, {b}]. [Op:MirrorPad]")
        index = np.concatenate([np.arange(a - 1 + edge, edge - 1, -1), np.arange(n),
                                np.arange(n - 1 - edge, n - 1 - edge - b, -1)])
        out = _take(out, index, axis)
    return out if out is not t else array_ops.identity(t)


# -- sorting and unique ----------------------------------------------------------------------------
def _argsort_kernel(xp, x, axis, descending):
    if not descending:
        return xp.argsort(x, axis=axis, kind="stable").astype(xp.int32)
    # A stable ascending sort of the flipped input, read backwards, is a stable descending sort.
    rev = xp.argsort(xp.flip(x, axis), axis=axis, kind="stable")
    return (x.shape[axis] - 1 - xp.flip(rev, axis)).astype(xp.int32)


ARGSORT = register_op("ArgSort", _argsort_kernel, kinds="iuf", differentiable=False)


def _direction(direction):
    if direction not in ("ASCENDING", "DESCENDING"):
        raise ValueError(f"Unknown direction {direction!r}: expected 'ASCENDING' or "
                         "'DESCENDING'.")
    return direction == "DESCENDING"


def argsort(values, axis=-1, direction="ASCENDING", stable=False, name=None):
    """The indices that sort `values` along `axis` (`tf.argsort`).

    Args:
        values: a real numeric tensor of rank >= 1.
        axis: the axis to sort along (default -1).
        direction: "ASCENDING" or "DESCENDING".
        stable: accepted for TensorFlow compatibility; the sort is always stable (equal
            elements keep their order).
        name: unused, for TensorFlow compatibility.

    Returns:
        An int32 tensor of the shape of `values`.
    """
    descending = _direction(direction)
    t = to_tensor(values)
    ax = _axis(axis, t._value.ndim, "ArgSort")
    return execute(ARGSORT, (t,), {"axis": ax, "descending": descending})


def sort(values, axis=-1, direction="ASCENDING", name=None):
    """Sorts `values` along `axis` (`tf.sort`).

    Args:
        values: a real numeric tensor of rank >= 1.
        axis: the axis to sort along (default -1).
        direction: "ASCENDING" or "DESCENDING".
        name: unused, for TensorFlow compatibility.

    Returns:
        The sorted tensor; its gradient is routed back to each element's original position.
    """
    descending = _direction(direction)
    t = to_tensor(values)
    nd = t._value.ndim
    ax = _axis(axis, nd, "Sort")
    idx = execute(ARGSORT, (t,), {"axis": ax, "descending": descending})
    if ax == nd - 1:
        return execute(GATHER, (t, idx), {"axis": ax, "batch_dims": ax})
    perm = [i for i in range(nd) if i != ax] + [ax]
    t, idx = array_ops.transpose(t, perm), array_ops.transpose(idx, perm)
    out = execute(GATHER, (t, idx), {"axis": nd - 1, "batch_dims": nd - 1})
    return array_ops.transpose(out, tuple(np.argsort(perm).tolist()))


def _unique_kernel(xp, x, out_idx):
    values, first, inverse = xp.unique(x, return_index=True, return_inverse=True)
    order = xp.argsort(first, kind="stable")
    rank = xp.empty_like(order)
    rank[order] = xp.arange(order.size)
    return values[order], rank[inverse.reshape(-1)].astype(out_idx)


UNIQUE = register_op("Unique", _unique_kernel, num_outputs=2, differentiable=False)
UniqueOutput = collections.namedtuple("Unique", ["y", "idx"])


def unique(x, out_idx=_dtypes.int32, name=None):
    """The distinct values of a 1-D tensor in order of first occurrence, and for each element
    the position of its value among them (`tf.unique`).

    Args:
        x: a 1-D tensor.
        out_idx: the dtype of `idx`, int32 (default) or int64.
        name: unused, for TensorFlow compatibility.

    Returns:
        A namedtuple `(y, idx)` with `x == tf.gather(y, idx)`.
    """
    t = to_tensor(x)
    if t._value.ndim != 1:
        raise InvalidArgumentError(None, "Unique", f"unique expects a 1D vector, got shape "
                                   f"{shape_str(t._value.shape)}. Flatten it first with "
                                   "tf.reshape(x, [-1]). [Op:Unique]")
    d = _dtypes.as_dtype(out_idx)
    if d not in (_dtypes.int32, _dtypes.int64):
        raise TypeError(f"unique: out_idx must be tf.int32 or tf.int64, got {d.name}.")
    return UniqueOutput(*execute(UNIQUE, (t,), {"out_idx": d._np}))


# -- one_hot and meshgrid --------------------------------------------------------------------------
def _one_hot_value(value, dtype, what):
    if value is None:
        return None
    if _is_tensor_like(value):
        v = to_tensor(value)
        if dtype is not None and v.dtype != dtype:
            raise TypeError(f"one_hot: dtype {v.dtype.name} of {what} does not match the dtype "
                            f"parameter {dtype.name}. Cast it, or leave dtype unset.")
    else:
        v = convert_to_tensor(value, dtype=dtype)
    if v._value.ndim:
        raise InvalidArgumentError(None, "OneHot", f"one_hot: {what} must be a scalar, got "
                                   f"shape {shape_str(v._value.shape)}. [Op:OneHot]")
    return v


def one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None, name=None):
    """One-hot encodes integer indices (`tf.one_hot`); indices outside [0, depth) give rows of
    `off_value`.

    Args:
        indices: an integer tensor.
        depth: the size of the new dimension.
        on_value: the value at the index (default 1).
        off_value: the value elsewhere (default 0).
        axis: where to insert the new dimension (default -1, the last).
        dtype: the output dtype; defaults to the dtype of on_value / off_value, else float32.
        name: unused, for TensorFlow compatibility.

    Returns:
        A tensor of shape `indices.shape` with `depth` inserted at `axis`.
    """
    idx = _index_tensor(indices, "OneHot")
    dt = None if dtype is None else _dtypes.as_dtype(dtype)
    on = _one_hot_value(on_value, dt, "on_value")
    off = _one_hot_value(off_value, dt, "off_value")
    if on is not None and off is not None and on.dtype != off.dtype:
        raise TypeError(f"one_hot: dtype of on_value ({on.dtype.name}) is different from "
                        f"off_value ({off.dtype.name}).")
    dt = dt or (on.dtype if on is not None else off.dtype if off is not None
                else _dtypes.float32)
    on = on if on is not None else convert_to_tensor(1, dtype=dt)
    off = off if off is not None else convert_to_tensor(0, dtype=dt)
    n = int(_host_ints(depth, "depth", "OneHot").reshape(()))
    if n < 0:
        raise InvalidArgumentError(None, "OneHot", f"depth must be non-negative, got: {n} "
                                   "[Op:OneHot]")
    nd = idx._value.ndim
    a = -1 if axis is None else int(axis)
    if not -1 <= a <= nd:
        raise InvalidArgumentError(
            None, "OneHot", f"Expected axis to be -1 or between [0, {nd}] for indices of shape "
            f"{shape_str(idx._value.shape)}, but received: {a}. [Op:OneHot]")
    a = nd if a == -1 else a
    if idx.dtype.size < 4:  # uint8 positions would wrap around for depth > 255
        idx = math_ops.cast(idx, _dtypes.int32)
    positions = np.arange(n, dtype=idx._value.dtype).reshape((n,) + (1,) * (nd - a))
    hit = math_ops.equal(array_ops.expand_dims(idx, a), _const(positions))
    return math_ops.where(hit, on, off)


def meshgrid(*args, indexing="xy", name=None):
    """Coordinate grids from 1-D coordinate vectors (`tf.meshgrid`).

    Args:
        *args: N tensors (flattened to 1-D) with the coordinates along each dimension.
        indexing: "xy" (Cartesian: the first two output dimensions swapped) or "ij" (matrix).
        name: unused, for TensorFlow compatibility.

    Returns:
        A list of N tensors, each of the full grid shape.
    """
    if indexing not in ("xy", "ij"):
        raise ValueError(f"Argument `indexing` parameter must be either 'xy' or 'ij', got "
                         f"{indexing!r}.")
    vectors = [array_ops.reshape(to_tensor(a), [-1]) for a in args]
    sizes = [v._value.shape[0] for v in vectors]
    dims = list(range(len(vectors)))
    if indexing == "xy" and len(vectors) > 1:
        dims[0], dims[1] = 1, 0
        sizes[0], sizes[1] = sizes[1], sizes[0]
    grids = []
    for v, d in zip(vectors, dims):
        shape = [1] * len(vectors)
        shape[d] = -1
        grids.append(array_ops.broadcast_to(array_ops.reshape(v, shape), sizes))
    return grids
