"""`tf.nn` convolutions and pooling: conv1d/2d/3d, their transposes, depthwise and separable
convolutions, max / average pooling in 1, 2 and 3 spatial dimensions.

Primitives (TensorFlow's op names), each family sharing one N-d kernel:

* Conv2D / Conv3D / DepthwiseConv2dNative, with their BackpropInput and BackpropFilter ops.
  Forward and filter gradient are im2col (a strided window view of the padded input, copied
  once by a reshape) plus one GEMM; the input gradient is one GEMM plus col2im, summed over
  the kernel offsets with strided slices (no `add.at`). Grouped convolutions (input channels a
  multiple of the filter's in_channels) run as one batched GEMM over the groups; depthwise
  ones (one input channel per group) as one elementwise pass or einsum per kernel offset.
* MaxPool / MaxPool3D with MaxPoolGrad(3D) and MaxPoolGradGrad(3D); AvgPool / AvgPool3D with
  AvgPoolGrad(3D). Windows are visited as strided slices, one elementwise op per kernel
  offset; the gradient of max pooling goes to the first maximum of each window, as in
  TensorFlow. Where windows do not overlap (the 2x2 / stride 2 case) gradients are written,
  not accumulated.

Kernels work on channels-last arrays; channels-first (`NCHW`) inputs are transposed by the
public functions. 1-D convolutions and pools run as 2-D ones with a unit height, as in
TensorFlow. SAME padding is computed inside the kernels from the run-time shapes, and gradient
rules pass shapes as tensors (`Shape` ops in traces with unknown dimensions), so one trace
serves every batch and image size. Every gradient rule is written with these ops, so gradients
of any order are available.
"""

import functools
import itertools
import math as _pymath

import numpy as np

from ..core.dispatch import execute
from ..core.registry import register_op
from ..core.tensor import Tensor
from ..errors import InvalidArgumentError, shape_str
from . import array_ops
from ._common import binary_operands, to_tensor

__all__ = [
    "atrous_conv2d",
    "atrous_conv2d_transpose",
    "avg_pool",
    "avg_pool1d",
    "avg_pool2d",
    "avg_pool3d",
    "conv1d",
    "conv1d_transpose",
    "conv2d",
    "conv2d_backprop_filter",
    "conv2d_backprop_input",
    "conv2d_transpose",
    "conv3d",
    "conv3d_backprop_filter",
    "conv3d_backprop_input",
    "conv3d_transpose",
    "conv_transpose",
    "convolution",
    "depthwise_conv2d",
    "depthwise_conv2d_backprop_filter",
    "depthwise_conv2d_backprop_input",
    "max_pool",
    "max_pool1d",
    "max_pool2d",
    "max_pool3d",
    "pool",
    "separable_conv2d",
]

_SPATIAL = {1: "W", 2: "HW", 3: "DHW"}


# =================================================================================================
# Kernels (array code only; `xp` is the backend's array namespace)
# =================================================================================================
def _geometry(op, sizes, ksizes, strides, dilations, padding):
    """Per spatial dimension: the (before, after) padding and the output size."""
    pads, outs = [], []
    for i, (n, k, s, d) in enumerate(zip(sizes, ksizes, strides, dilations)):
        eff = (k - 1) * d + 1
        if padding == "SAME":
            o = -(-n // s)
            total = max((o - 1) * s + eff - n, 0)
            p = (total // 2, total - total // 2)
        else:
            p = (0, 0) if padding == "VALID" else tuple(padding[i])
            o = (n + p[0] + p[1] - eff) // s + 1
            if o < 0:
                raise InvalidArgumentError(
                    None, op, f"Computed output size would be negative: {o} [input_size: {n}, "
                    f"effective_filter_size: {eff}, stride: {s}, padding: {list(p)}] "
                    f"[Op:{op}]. The window (kernel size {k}, dilation {d}) is larger than the "
                    "padded input: use padding='SAME' or a smaller kernel.")
        pads.append(p)
        outs.append(o)
    return tuple(pads), tuple(outs)


def _lowest(xp, dtype):
    return -xp.inf if dtype.kind == "f" else xp.iinfo(dtype).min


def _pad(xp, x, pads, value=0):
    """Channels-last `x` padded along its spatial dimensions (a fresh array when padded)."""
    if not any(p[0] or p[1] for p in pads):
        return x
    shape = (x.shape[0],) + tuple(n + p[0] + p[1] for n, p in zip(x.shape[1:-1], pads)) + (
        x.shape[-1],)
    out = xp.full(shape, value, dtype=x.dtype) if value else xp.zeros(shape, dtype=x.dtype)
    out[_interior(x.shape[1:-1], pads)] = x
    return out


def _interior(sizes, pads):
    return (slice(None),) + tuple(slice(p[0], p[0] + n) for n, p in zip(sizes, pads)) + (
        slice(None),)


def _windows(xp, xpad, outs, ksizes, strides, dilations, groups=None):
    """A strided view (N, *outs, *ksizes, C) of the windows of a padded channels-last array
    (with `groups`: (N, *outs, *ksizes, groups, C // groups))."""
    st = xpad.strides
    nd = len(outs)
    shape = (xpad.shape[0],) + tuple(outs) + tuple(ksizes)
    strides_ = (st[0],) + tuple(st[1 + i] * strides[i] for i in range(nd)) + tuple(
        st[1 + i] * dilations[i] for i in range(nd))
    c = xpad.shape[-1]
    if groups is None:
        shape, strides_ = shape + (c,), strides_ + (st[-1],)
    else:
        shape += (groups, c // groups)
        strides_ += (st[-1] * (c // groups), st[-1])
    return xp.lib.stride_tricks.as_strided(xpad, shape=shape, strides=strides_)


def _columns(xp, xpad, outs, ksizes, strides, dilations):
    """im2col: the (N * prod(outs), prod(ksizes) * C) matrix of the windows, for one GEMM.

    With one or two channels the rows would be a few elements long, so the copy runs offset by
    offset into a (taps, C, positions) array with long contiguous runs (about 5x faster for a
    grayscale first layer), and the matrix is its transpose (BLAS reads it as is)."""
    n, c = xpad.shape[0], xpad.shape[-1]
    m = n * _pymath.prod(outs)
    kp = _pymath.prod(ksizes)
    if c > 2:
        return _windows(xp, xpad, outs, ksizes, strides, dilations).reshape(m, kp * c)
    cols = xp.empty((kp, c, n) + tuple(outs), dtype=xpad.dtype)
    for i, sl in enumerate(_offsets(outs, ksizes, strides, dilations)):
        cols[i] = xp.moveaxis(xpad[sl], -1, 0)
    return cols.reshape(kp * c, m).T


def _offsets(outs, ksizes, strides, dilations):
    """For each kernel offset (in row-major order), the slices of the padded input it reads."""
    for k in itertools.product(*[range(n) for n in ksizes]):
        yield (slice(None),) + tuple(
            slice(ki * d, ki * d + s * (o - 1) + 1, s)
            for ki, o, s, d in zip(k, outs, strides, dilations)) + (slice(None),)


def _non_overlapping(ksizes, strides, dilations):
    return all(s >= (k - 1) * d + 1 for k, s, d in zip(ksizes, strides, dilations))


def _conv_shapes(op, in_shape, w_shape, depthwise):
    """(groups, in channels per group, out channels) of a convolution, checked."""
    cin = in_shape[-1]
    if depthwise:
        cg, cout = 1, w_shape[-2] * w_shape[-1]
        if w_shape[-2] != cin:
            raise InvalidArgumentError(
                None, op, f"{op}: input depth {cin} must equal the filter's in_channels "
                f"{w_shape[-2]} (input {shape_str(in_shape)}, filter {shape_str(w_shape)}) "
                f"[Op:{op}]")
        return cin, 1, cout
    cg, cout = w_shape[-2], w_shape[-1]
    if cg == 0 or cin % cg or cout % (cin // cg):
        raise InvalidArgumentError(
            None, op, f"{op}: input depth must be evenly divisible by filter depth: {cin} vs "
            f"{cg}, and the output channels {cout} by the group count (input "
            f"{shape_str(in_shape)}, filter {shape_str(w_shape)}) [Op:{op}]")
    return cin // cg, cg, cout


def _check_out(op, dy, expected):
    if tuple(dy.shape) != tuple(expected):
        raise InvalidArgumentError(
            None, op, f"{op}: the output gradient has shape {shape_str(dy.shape)}, but the "
            f"convolution of the given input size produces {shape_str(expected)} [Op:{op}]. "
            "Check output_shape / input_sizes, strides and padding.")


# Depthwise (one input channel per group): the grouped GEMMs would be matrix-vector products,
# so these run one elementwise pass (or one einsum reduction) per kernel offset instead.
def _depthwise_forward(xp, xpad, w, outs, ks, strides, dilations, mult):
    cin = xpad.shape[-1]
    wk = w.reshape(-1, cin, mult)
    if mult == 1:   # keep the channels as the innermost, contiguous loop
        wk = wk[..., 0]
    out = tmp = None
    for i, sl in enumerate(_offsets(outs, ks, strides, dilations)):
        v = xpad[sl] if mult == 1 else xpad[sl][..., None]
        if out is None:
            out = v * wk[i]
        else:
            tmp = xp.multiply(v, wk[i], out=tmp)
            out += tmp
    return out if mult == 1 else out.reshape(out.shape[:-2] + (cin * mult,))


def _depthwise_filter(xp, xpad, dy, outs, ks, strides, dilations, mult):
    cin = xpad.shape[-1]
    dy = dy.reshape(dy.shape[:-1] + (cin, mult))
    dw = xp.empty((_pymath.prod(ks), cin, mult), dtype=dy.dtype)
    lead = "abcd"[:dy.ndim - 2]
    spec = f"{lead}y,{lead}yz->yz"
    for i, sl in enumerate(_offsets(outs, ks, strides, dilations)):
        dw[i] = xp.einsum(spec, xpad[sl], dy)
    return dw


def _depthwise_input(xp, dxp, w, dy, outs, ks, strides, dilations, mult, sums):
    cin = dxp.shape[-1]
    wk = w.reshape(-1, cin, mult)
    dy = dy.reshape(dy.shape[:-1] + (cin, mult))
    tmp = None
    for i, sl in enumerate(_offsets(outs, ks, strides, dilations)):
        if mult == 1:
            tmp = xp.multiply(dy[..., 0], wk[i, :, 0], out=tmp)
        else:
            tmp = xp.einsum("...cm,cm->...c", dy, wk[i])
        if sums:
            dxp[sl] += tmp
        else:
            dxp[sl] = tmp


def _conv_kernel(xp, x, w, strides, padding, dilations, op, depthwise):
    nd = x.ndim - 2
    ks = w.shape[:nd]
    g, cg, cout = _conv_shapes(op, x.shape, w.shape, depthwise)
    pads, outs = _geometry(op, x.shape[1:-1], ks, strides, dilations, padding)
    n = x.shape[0]
    m = n * _pymath.prod(outs)
    kp = _pymath.prod(ks)
    if m == 0 or cout == 0 or kp * cg == 0:
        return xp.zeros((n,) + outs + (cout,), dtype=x.dtype)
    xpad = _pad(xp, x, pads)
    if cg == 1 and g > 1:
        return _depthwise_forward(xp, xpad, w, outs, ks, strides, dilations, cout // g)
    if g == 1:
        cols = _columns(xp, xpad, outs, ks, strides, dilations)
        y = xp.matmul(cols, w.reshape(kp * cg, cout))
    else:
        og = cout // g
        cols = _windows(xp, xpad, outs, ks, strides, dilations, groups=g)
        cols = xp.moveaxis(cols, -2, 0).reshape(g, m, kp * cg)
        wg = w.reshape(kp, cg, g, og).transpose(2, 0, 1, 3).reshape(g, kp * cg, og)
        y = xp.matmul(cols, wg).transpose(1, 0, 2).reshape(m, cout)
    return y.reshape((n,) + outs + (cout,))


def _conv_filter_kernel(xp, x, filter_sizes, dy, strides, padding, dilations, op, depthwise):
    fs = tuple(int(v) for v in filter_sizes)
    nd = x.ndim - 2
    ks = fs[:nd]
    g, cg, cout = _conv_shapes(op, x.shape, fs, depthwise)
    pads, outs = _geometry(op, x.shape[1:-1], ks, strides, dilations, padding)
    n = x.shape[0]
    _check_out(op, dy, (n,) + outs + (cout,))
    m = n * _pymath.prod(outs)
    kp = _pymath.prod(ks)
    if m == 0 or cout == 0 or kp * cg == 0:
        return xp.zeros(fs, dtype=x.dtype)
    xpad = _pad(xp, x, pads)
    if cg == 1 and g > 1:
        return _depthwise_filter(xp, xpad, dy, outs, ks, strides, dilations,
                                 cout // g).reshape(fs)
    if g == 1:
        cols = _columns(xp, xpad, outs, ks, strides, dilations)
        dw = xp.matmul(cols.T, dy.reshape(m, cout))
    else:
        og = cout // g
        cols = _windows(xp, xpad, outs, ks, strides, dilations, groups=g)
        cols = xp.moveaxis(cols, -2, 0).reshape(g, m, kp * cg)
        dyg = dy.reshape(m, g, og).transpose(1, 0, 2)
        dw = xp.matmul(cols.transpose(0, 2, 1), dyg)          # (g, kp * cg, og)
        dw = dw.reshape(g, kp, cg, og).transpose(1, 2, 0, 3)   # (kp, cg, g, og)
    return xp.ascontiguousarray(dw).reshape(fs)


def _conv_input_kernel(xp, input_sizes, w, dy, strides, padding, dilations, op, depthwise):
    shape = tuple(int(v) for v in input_sizes)
    nd = len(shape) - 2
    ks = w.shape[:nd]
    g, cg, cout = _conv_shapes(op, shape, w.shape, depthwise)
    pads, outs = _geometry(op, shape[1:-1], ks, strides, dilations, padding)
    n, cin = shape[0], shape[-1]
    _check_out(op, dy, (n,) + outs + (cout,))
    m = n * _pymath.prod(outs)
    kp = _pymath.prod(ks)
    padded = (n,) + tuple(s + p[0] + p[1] for s, p in zip(shape[1:-1], pads)) + (cin,)
    dxp = xp.zeros(padded, dtype=dy.dtype)
    if m and cout and kp * cg and cg == 1 and g > 1:
        _depthwise_input(xp, dxp, w, dy, outs, ks, strides, dilations, cout // g,
                         not _non_overlapping(ks, strides, dilations))
    elif m and cout and kp * cg:
        if g == 1:
            # One GEMM per kernel offset (batched): each offset's columns come out contiguous,
            # which makes the strided accumulation below about twice as fast.
            wk = w.reshape(kp, cg, cout).transpose(0, 2, 1)
            dcols = xp.matmul(dy.reshape(m, cout), wk).reshape((kp, n) + outs + (cin,))
        else:
            og = cout // g
            dyg = dy.reshape(m, g, og).transpose(1, 0, 2)
            wg = w.reshape(kp, cg, g, og).transpose(2, 3, 0, 1).reshape(g, og, kp * cg)
            dcols = xp.matmul(dyg, wg).reshape(g, m, kp, cg).transpose(1, 2, 0, 3)
            dcols = dcols.reshape((n,) + outs + (kp, g, cg))
        disjoint = _non_overlapping(ks, strides, dilations)
        for i, sl in enumerate(_offsets(outs, ks, strides, dilations)):
            piece = dcols[i] if g == 1 else dcols[..., i, :, :].reshape(
                (n,) + outs + (cin,))
            if disjoint:
                dxp[sl] = piece
            else:
                dxp[sl] += piece
    if padded == shape:
        return dxp
    return dxp[_interior(shape[1:-1], pads)]


# -- pooling kernels -------------------------------------------------------------------------------
def _fast_pool(ksize, strides, dilations, pads):
    """Windows that tile the input (no padding, stride == window): AvgPoolGrad broadcasts."""
    return tuple(ksize) == tuple(strides) and all(d == 1 for d in dilations) and not any(
        p[0] or p[1] for p in pads)


def _reduce_windows(xp, xpad, outs, ksize, strides, dilations, ufunc):
    """`ufunc` (maximum or add) folded over the kernel offsets' strided slices: a few
    elementwise passes over output-sized arrays, into one fresh buffer."""
    offs = list(_offsets(outs, ksize, strides, dilations))
    if len(offs) == 1:
        return xp.array(xpad[offs[0]])
    out = ufunc(xpad[offs[0]], xpad[offs[1]])
    for sl in offs[2:]:
        ufunc(out, xpad[sl], out=out)
    return out


def _max_pool_kernel(xp, x, ksize, strides, padding, dilations, op):
    pads, outs = _geometry(op, x.shape[1:-1], ksize, strides, dilations, padding)
    out_shape = (x.shape[0],) + outs + (x.shape[-1],)
    if 0 in out_shape:
        return xp.zeros(out_shape, dtype=x.dtype)
    xpad = _pad(xp, x, pads, _lowest(xp, x.dtype))
    return _reduce_windows(xp, xpad, outs, ksize, strides, dilations, xp.maximum)


def _first_max_masks(xp, xpad, y, outs, ksize, strides, dilations):
    """Per kernel offset: (slices, mask) where the mask marks the windows whose first maximum
    (in row-major offset order) sits at this offset."""
    found = None
    offs = list(_offsets(outs, ksize, strides, dilations))
    last = len(offs) - 1
    for i, sl in enumerate(offs):
        eq = xp.equal(xpad[sl], y)
        if found is None:
            m = eq
            found = eq.copy() if last else None
        else:
            m = xp.greater(eq, found)   # eq and not found
            if i < last:
                xp.logical_or(found, m, out=found)
        yield sl, m


def _max_pool_grad_kernel(xp, x, y, dy, ksize, strides, padding, dilations, op):
    pads, outs = _geometry(op, x.shape[1:-1], ksize, strides, dilations, padding)
    _check_out(op, dy, y.shape)
    if dy.size == 0:
        return xp.zeros(x.shape, dtype=dy.dtype)
    padded = _pad(xp, x, pads, _lowest(xp, x.dtype))
    dxp = xp.zeros(padded.shape, dtype=dy.dtype)
    sums = not _non_overlapping(ksize, strides, dilations)
    for sl, m in _first_max_masks(xp, padded, y, outs, ksize, strides, dilations):
        if sums:
            dxp[sl] += m * dy
        else:
            xp.multiply(m, dy, out=dxp[sl])
    return dxp if padded is x else dxp[_interior(x.shape[1:-1], pads)]


def _max_pool_grad_grad_kernel(xp, x, y, g, ksize, strides, padding, dilations, op):
    pads, outs = _geometry(op, x.shape[1:-1], ksize, strides, dilations, padding)
    out = xp.zeros(y.shape, dtype=g.dtype)
    if y.size == 0:
        return out
    padded = _pad(xp, x, pads, _lowest(xp, x.dtype))
    gpad = _pad(xp, g, pads)
    for sl, m in _first_max_masks(xp, padded, y, outs, ksize, strides, dilations):
        out += m * gpad[sl]
    return out


def _window_counts(xp, sizes, ksize, strides, dilations, pads, outs, dtype):
    """How many non-padding elements each output window holds, shaped (1, *outs, 1)."""
    count = None
    for i, (n, k, s, d, p, o) in enumerate(zip(sizes, ksize, strides, dilations, pads, outs)):
        pos = np.arange(o)[:, None] * s - p[0] + np.arange(k)[None, :] * d
        c = ((pos >= 0) & (pos < n)).sum(axis=1)
        shape = [1] * (len(sizes) + 2)
        shape[i + 1] = o
        c = c.reshape(shape)
        count = c if count is None else count * c
    return xp.asarray(np.maximum(count, 1), dtype=dtype)


def _avg_pool_kernel(xp, x, ksize, strides, padding, dilations, op):
    pads, outs = _geometry(op, x.shape[1:-1], ksize, strides, dilations, padding)
    out_shape = (x.shape[0],) + outs + (x.shape[-1],)
    if 0 in out_shape:
        return xp.zeros(out_shape, dtype=x.dtype)
    out = _reduce_windows(xp, _pad(xp, x, pads), outs, ksize, strides, dilations, xp.add)
    if any(p[0] or p[1] for p in pads):
        return xp.divide(out, _window_counts(xp, x.shape[1:-1], ksize, strides, dilations, pads,
                                             outs, x.dtype), out=out)
    return xp.multiply(out, x.dtype.type(1 / _pymath.prod(ksize)), out=out)


def _avg_pool_grad_kernel(xp, orig_input_shape, dy, ksize, strides, padding, dilations, op):
    shape = tuple(int(v) for v in orig_input_shape)
    nd = len(shape) - 2
    pads, outs = _geometry(op, shape[1:-1], ksize, strides, dilations, padding)
    _check_out(op, dy, (shape[0],) + outs + (shape[-1],))
    if dy.size == 0:
        return xp.zeros(shape, dtype=dy.dtype)
    padded = (shape[0],) + tuple(n + p[0] + p[1] for n, p in zip(shape[1:-1], pads)) + (
        shape[-1],)
    if any(p[0] or p[1] for p in pads):
        g = dy / _window_counts(xp, shape[1:-1], ksize, strides, dilations, pads, outs, dy.dtype)
    else:
        g = dy * dy.dtype.type(1 / _pymath.prod(ksize))
    if _fast_pool(ksize, strides, dilations, pads):
        bshape = (shape[0],) + tuple(v for o, k in zip(outs, ksize) for v in (o, k)) + (
            shape[-1],)
        idx = (slice(None),) + tuple(v for _ in range(nd) for v in (slice(None), None)) + (
            slice(None),)
        full = xp.broadcast_to(g[idx], bshape).reshape(
            (shape[0],) + tuple(o * k for o, k in zip(outs, ksize)) + (shape[-1],))
        if full.shape == shape:
            return full
        dx = xp.zeros(shape, dtype=dy.dtype)
        dx[(slice(None),) + tuple(slice(0, n) for n in full.shape[1:-1]) + (slice(None),)] = full
        return dx
    dxp = xp.zeros(padded, dtype=dy.dtype)
    sums = not _non_overlapping(ksize, strides, dilations)
    for sl in _offsets(outs, ksize, strides, dilations):
        if sums:
            dxp[sl] += g
        else:
            dxp[sl] = g
    return dxp if padded == shape else dxp[_interior(shape[1:-1], pads)]


# =================================================================================================
# Op families and gradient rules
# =================================================================================================
class _ConvFamily:
    """A convolution op with its input- and filter-gradient ops; each one's gradient is written
    with the other two (and itself), so derivatives of every order stay in the family."""

    def __init__(self, fwd, bwd_input, bwd_filter, depthwise=False):
        kw = {"depthwise": depthwise}
        self.fwd = register_op(
            fwd, functools.partial(_conv_kernel, op=fwd, **kw), grad=self._fwd_grad, kinds="f")
        self.input = register_op(
            bwd_input, functools.partial(_conv_input_kernel, op=bwd_input, **kw),
            grad=self._input_grad)
        self.filter = register_op(
            bwd_filter, functools.partial(_conv_filter_kernel, op=bwd_filter, **kw),
            grad=self._filter_grad, kinds="f", kind_inputs=1)

    def _fwd_grad(self, e, dy):
        x, w = e.inputs
        nx, nw = e.needs_grad
        dx = execute(self.input, (array_ops.shape(x), w, dy), e.attrs) if nx else None
        dw = execute(self.filter, (x, array_ops.shape(w), dy), e.attrs) if nw else None
        return dx, dw

    def _input_grad(self, e, g):
        _, w, dy = e.inputs
        _, nw, ndy = e.needs_grad
        gw = execute(self.filter, (g, array_ops.shape(w), dy), e.attrs) if nw else None
        gdy = execute(self.fwd, (g, w), e.attrs) if ndy else None
        return None, gw, gdy

    def _filter_grad(self, e, g):
        x, _, dy = e.inputs
        nx, _, ndy = e.needs_grad
        gx = execute(self.input, (array_ops.shape(x), g, dy), e.attrs) if nx else None
        gdy = execute(self.fwd, (x, g), e.attrs) if ndy else None
        return gx, None, gdy


class _MaxPoolFamily:
    def __init__(self, fwd, grad, grad_grad):
        self.fwd = register_op(fwd, functools.partial(_max_pool_kernel, op=fwd),
                               grad=self._fwd_grad, kinds="iuf")
        self.grad = register_op(grad, functools.partial(_max_pool_grad_kernel, op=grad),
                                grad=self._grad_grad, kinds="iuf")
        self.grad_grad = register_op(
            grad_grad, functools.partial(_max_pool_grad_grad_kernel, op=grad_grad),
            grad=self._grad_grad_grad, kinds="iuf")

    def _fwd_grad(self, e, dy):
        return (execute(self.grad, (e.inputs[0], e.outputs[0], dy), e.attrs),)

    def _grad_grad(self, e, g):
        # The routing depends on x and y only piecewise-constantly: no gradient for them.
        x, y, _ = e.inputs
        return None, None, execute(self.grad_grad, (x, y, g), e.attrs)

    def _grad_grad_grad(self, e, g):
        x, y, _ = e.inputs
        return None, None, execute(self.grad, (x, y, g), e.attrs)


class _AvgPoolFamily:
    def __init__(self, fwd, grad):
        self.fwd = register_op(fwd, functools.partial(_avg_pool_kernel, op=fwd),
                               grad=self._fwd_grad, kinds="f")
        self.grad = register_op(grad, functools.partial(_avg_pool_grad_kernel, op=grad),
                                grad=self._grad_grad)

    def _fwd_grad(self, e, dy):
        return (execute(self.grad, (array_ops.shape(e.inputs[0]), dy), e.attrs),)

    def _grad_grad(self, e, g):
        return None, execute(self.fwd, (g,), e.attrs)


CONV2D = _ConvFamily("Conv2D", "Conv2DBackpropInput", "Conv2DBackpropFilter")
CONV3D = _ConvFamily("Conv3D", "Conv3DBackpropInputV2", "Conv3DBackpropFilterV2")
DEPTHWISE = _ConvFamily("DepthwiseConv2dNative", "DepthwiseConv2dNativeBackpropInput",
                        "DepthwiseConv2dNativeBackpropFilter", depthwise=True)
MAX_POOL = _MaxPoolFamily("MaxPool", "MaxPoolGrad", "MaxPoolGradGrad")
MAX_POOL3D = _MaxPoolFamily("MaxPool3D", "MaxPool3DGrad", "MaxPool3DGradGrad")
AVG_POOL = _AvgPoolFamily("AvgPool", "AvgPoolGrad")
AVG_POOL3D = _AvgPoolFamily("AvgPool3D", "AvgPool3DGrad")


# =================================================================================================
# Argument handling
# =================================================================================================
def _is_tensor_like(x):
    return isinstance(x, Tensor) or hasattr(x, "_is_variable")


def _channels_first(data_format, nd, op, default_last=True):
    """True for channels-first data formats (NCW / NCHW / NCDHW), False for channels-last."""
    last, first = "N" + _SPATIAL[nd] + "C", "NC" + _SPATIAL[nd]
    if data_format is None:
        return not default_last
    if not isinstance(data_format, str) or data_format.upper() not in (last, first):
        what = "pooling" if "ool" in op else "convolution"
        raise ValueError(f"{op}: data_format must be '{last}' (channels last) or '{first}' "
                         f"(channels first) for a {nd}-D {what}, got {data_format!r}.")
    return data_format.upper() == first


def _format_name(cf, nd):
    return ("NC" + _SPATIAL[nd]) if cf else ("N" + _SPATIAL[nd] + "C")


def _ints(value, nd, name, op, cf, allow_full=True):
    """strides / dilations / ksize: an int, or a list of 1, nd or nd + 2 ints (the batch and
    channel entries of the full form must be 1). Returns nd positive ints."""
    if _is_tensor_like(value):
        value = to_tensor(value).numpy().tolist()
    if isinstance(value, (int, np.integer)):
        vals = [int(value)] * nd
    else:
        try:
            vals = [int(v) for v in value]
        except TypeError:
            raise ValueError(f"{op}: {name} must be an int or a list of ints, got "
                             f"{value!r}.") from None
        if len(vals) == 1:
            vals = vals * nd
        elif len(vals) == nd + 2 and allow_full:
            ch = 1 if cf else nd + 1
            if vals[0] != 1 or vals[ch] != 1:
                raise InvalidArgumentError(
                    None, op, f"{op}: {name} {list(value)} must be 1 in the batch and channel "
                    f"dimensions (data_format {_format_name(cf, nd)}); only the spatial "
                    f"{name} may differ from 1. [Op:{op}]")
            vals = vals[2:] if cf else vals[1:-1]
        elif len(vals) != nd:
            sizes = f"1, {nd}" + (f" or {nd + 2}" if allow_full else "")
            raise ValueError(f"{op}: {name} should be an int or a list of length {sizes}, got "
                             f"{list(value)} (length {len(vals)}).")
    if any(v <= 0 for v in vals):
        shown = value if isinstance(value, (int, np.integer)) else list(value)
        raise InvalidArgumentError(
            None, op, f"{op}: {name} must be positive, got {shown}. [Op:{op}]")
    return tuple(vals)


def _padding(padding, nd, op, cf, explicit_ok=True):
    """'SAME' / 'VALID' (any case) or explicit [before, after] pairs: nd + 2 pairs in the data
    format's order (zero for batch and channels), or nd spatial pairs."""
    if isinstance(padding, (str, bytes)):
        p = (padding.decode() if isinstance(padding, bytes) else padding).upper()
        if p in ("SAME", "VALID"):
            return p
        raise ValueError(f"{op}: padding must be 'SAME' or 'VALID'"
                         f"{' or a list of explicit [before, after] pairs' if explicit_ok else ''}"
                         f", got {padding!r}.")
    if not explicit_ok:
        raise ValueError(f"{op}: padding must be 'SAME' or 'VALID' (explicit padding is not "
                         f"supported here), got {padding!r}.")
    if _is_tensor_like(padding):
        padding = to_tensor(padding).numpy().tolist()
    try:
        pairs = [tuple(int(v) for v in pr) for pr in padding]
    except TypeError:
        raise ValueError(f"{op}: padding must be 'SAME' or 'VALID' or a list of [before, after] "
                         f"pairs, got {padding!r}.") from None
    if any(len(pr) != 2 for pr in pairs) or len(pairs) not in (nd, nd + 2):
        raise ValueError(f"{op}: explicit padding must be {nd + 2} [before, after] pairs (one "
                         f"per dimension of the {_format_name(cf, nd)} input), got {padding!r}.")
    if len(pairs) == nd + 2:
        ch = 1 if cf else nd + 1
        if pairs[0] != (0, 0) or pairs[ch] != (0, 0):
            raise InvalidArgumentError(
                None, op, f"{op}: explicit padding {padding!r} must be [0, 0] in the batch and "
                f"channel dimensions (data_format {_format_name(cf, nd)}). [Op:{op}]")
        pairs = pairs[2:] if cf else pairs[1:-1]
    if any(v < 0 for pr in pairs for v in pr):
        raise InvalidArgumentError(None, op, f"{op}: explicit padding must be non-negative, got "
                                   f"{padding!r}. [Op:{op}]")
    return tuple(pairs)


def _floating(t, op, what):
    if not t.dtype.is_floating:
        raise InvalidArgumentError(
            None, op, f"{op} expects floating-point inputs, but {what} has dtype "
            f"{t.dtype.name}. Cast it first, e.g. tf.cast(x, tf.float32). [Op:{op}]")


def _check_rank(t, rank, op, what, layout):
    s = t._value.shape
    if len(s) != rank:
        hint = ""
        if what == "input" and len(s) == rank - 1:
            hint = " Add a batch dimension, e.g. tf.expand_dims(x, 0)."
        raise InvalidArgumentError(
            None, op, f"{op}: {what} must be {rank}-D {layout}, received shape {shape_str(s)} "
            f"(rank {len(s)}). [Op:{op}]{hint}")


def _to_last(nd):
    return (0,) + tuple(range(2, nd + 2)) + (1,)


def _to_first(nd):
    return (0, nd + 1) + tuple(range(1, nd + 1))


def _layout(cf, nd):
    dims = {1: ["width"], 2: ["height", "width"], 3: ["depth", "height", "width"]}[nd]
    return "[" + ", ".join(["batch"] + (["channels"] + dims if cf else dims + ["channels"])) + "]"


def _channel_check(op, x, cf, nd, expected, what, groups_of=None, df_name="data_format"):
    """The input's channel count against what the filter expects (`expected`; with
    `groups_of` = out_channels, a multiple g of it also fits when out_channels % g == 0: a
    grouped convolution). Hints at the data format when the other channel axis would fit."""
    s = x._value.shape

    def fits(c):
        if groups_of is None:
            return c == expected
        return expected > 0 and c % expected == 0 and groups_of % (c // expected) == 0

    ax = 1 if cf else nd + 1
    got = s[ax]
    if fits(got):
        return
    other = s[nd + 1] if cf else s[1]
    hint = ""
    if other == expected:
        hint = (f" The input looks channels-last: pass {df_name}='{_format_name(False, nd)}'."
                if cf else
                f" The input looks channels-first (dimension 1 is {other}): pass "
                f"{df_name}='{_format_name(True, nd)}'.")
    grouped = "" if groups_of is None else (
        f" (or a multiple g of it with out_channels {groups_of} divisible by g, for a grouped "
        "convolution)")
    raise InvalidArgumentError(
        None, op, f"{op}: input channels (dimension {ax} of the input for {df_name} "
        f"'{_format_name(cf, nd)}') must match {what}: expected {expected}{grouped}, received "
        f"{got} in input shape {shape_str(s)}. [Op:{op}]{hint}")


def _negative_output_check(op, x, cf, nd, ks, strides, dilations, padding):
    s = x._value.shape
    sizes = s[2:] if cf else s[1:-1]
    _geometry(op, sizes, ks, strides, dilations, padding)


def _expand1d(t, axis):
    return array_ops.expand_dims(t, axis)


def _squeeze1d(t, axis):
    return array_ops.squeeze(t, axis=[axis])


# =================================================================================================
# Public functions: convolutions
# =================================================================================================
def _prepare_conv(op, input, filters, nd, strides, padding, data_format, dilations,
                  depthwise=False, df_name="data_format"):
    x, w = binary_operands(input, filters, op)
    cf = _channels_first(data_format, nd, op)
    _check_rank(x, nd + 2, op, "input", _layout(cf, nd))
    wl = "[" + ", ".join(["filter_" + d for d in _SPATIAL[nd].lower()]) + (
        ", in_channels, channel_multiplier]" if depthwise else ", in_channels, out_channels]")
    _check_rank(w, nd + 2, op, "filters", wl)
    _floating(x, op, "input")
    strides = _ints(strides, nd, "strides", op, cf)
    dilations = (1,) * nd if dilations is None else _ints(dilations, nd, "dilations", op, cf)
    pad = _padding(padding, nd, op, cf)
    ws = w._value.shape
    if depthwise:
        _channel_check(op, x, cf, nd, ws[-2], f"the filter's in_channels (dimension 2 of filter "
                       f"shape {shape_str(ws)})", df_name=df_name)
    else:
        _channel_check(op, x, cf, nd, ws[-2], f"the filter's in_channels (dimension {nd} of "
                       f"filter shape {shape_str(ws)})", groups_of=ws[-1], df_name=df_name)
    _negative_output_check(op, x, cf, nd, ws[:nd], strides, dilations, pad)
    return x, w, cf, strides, pad, dilations


def _run(family_op, inputs, attrs, cf, nd, x_index=0):
    """Runs a channels-last op, transposing the tensor input `x_index` in and the output back
    when the data format is channels-first."""
    if cf:
        inputs = list(inputs)
        inputs[x_index] = array_ops.transpose(inputs[x_index], _to_last(nd))
    y = execute(family_op, tuple(inputs), attrs)
    return array_ops.transpose(y, _to_first(nd)) if cf else y


def _attrs(strides, padding, dilations):
    return {"strides": strides, "padding": padding, "dilations": dilations}


def _lift1d(strides, padding, dilations):
    pad = padding if isinstance(padding, str) else ((0, 0),) + tuple(padding)
    return (1,) + strides, pad, (1,) + dilations


def conv2d(input, filters, strides, padding, data_format="NHWC", dilations=None,
           name=None):
    """2-D convolution (cross-correlation, as in TensorFlow) (`tf.nn.conv2d`).

    Args:
        input: a 4-D float tensor, [batch, height, width, channels] ("NHWC") or [batch,
            channels, height, width] ("NCHW").
        filters: [filter_height, filter_width, in_channels, out_channels], the input's dtype.
            An input with a multiple of in_channels channels runs a grouped convolution.
        strides: an int or a list of 1, 2 or 4 ints (the 4-form in data_format order, with 1
            for batch and channels).
        padding: "SAME", "VALID", or explicit [before, after] pairs for all four dimensions
            in data_format order (zero for batch and channels).
        data_format: "NHWC" (default) or "NCHW".
        dilations: an int or a list of 1, 2 or 4 ints; the spacing of the filter taps.

    Returns:
        A tensor of the input's dtype, [batch, out_height, out_width, out_channels] for NHWC.
        With SAME padding out_height = ceil(height / stride); with VALID it is
        floor((height - (filter_height - 1) * dilation - 1) / stride) + 1.

    Raises:
        InvalidArgumentError: wrong ranks, channel mismatch, bad strides / padding / dilations,
            or a window larger than the padded input.

    Example:
        >>> import flowgrad as tf
        >>> tf.nn.conv2d(tf.ones((1, 5, 5, 1)), tf.ones((3, 3, 1, 2)), 1, "VALID").shape
        TensorShape([1, 3, 3, 2])
    """
    op = "Conv2D"
    x, w, cf, strides, pad, dilations = _prepare_conv(op, input, filters, 2, strides, padding,
                                                      data_format, dilations)
    return _run(CONV2D.fwd, (x, w), _attrs(strides, pad, dilations), cf, 2)


def conv1d(input, filters, stride, padding, data_format="NWC", dilations=None,
           name=None):
    """1-D convolution (`tf.nn.conv1d`), computed as a 2-D one of unit height.

    Args:
        input: [batch, width, channels] ("NWC") or [batch, channels, width] ("NCW").
        filters: [filter_width, in_channels, out_channels].
        stride: an int or a list of 1 or 3 ints.
        padding: "SAME", "VALID" or explicit [before, after] pairs.
        data_format: "NWC" (default) or "NCW".
        dilations: an int or a list of 1 or 3 ints.

    Returns:
        [batch, out_width, out_channels] for NWC.
    """
    op = "Conv1D"
    x, w, cf, strides, pad, dilations = _prepare_conv(op, input, filters, 1, stride, padding,
                                                      data_format, dilations)
    if cf:
        x = array_ops.transpose(x, _to_last(1))
    y = execute(CONV2D.fwd, (_expand1d(x, 1), _expand1d(w, 0)),
                _attrs(*_lift1d(strides, pad, dilations)))
    y = _squeeze1d(y, 1)
    return array_ops.transpose(y, _to_first(1)) if cf else y


def conv3d(input, filters, strides, padding, data_format="NDHWC", dilations=None,
           name=None):
    """3-D convolution (`tf.nn.conv3d`).

    Args:
        input: [batch, depth, height, width, channels] ("NDHWC") or channels first ("NCDHW").
        filters: [filter_depth, filter_height, filter_width, in_channels, out_channels].
        strides: an int or a list of 1, 3 or 5 ints.
        padding: "SAME", "VALID" or explicit [before, after] pairs.
        data_format: "NDHWC" (default) or "NCDHW".
        dilations: an int or a list of 1, 3 or 5 ints.

    Returns:
        [batch, out_depth, out_height, out_width, out_channels] for NDHWC.
    """
    op = "Conv3D"
    x, w, cf, strides, pad, dilations = _prepare_conv(op, input, filters, 3, strides, padding,
                                                      data_format, dilations)
    return _run(CONV3D.fwd, (x, w), _attrs(strides, pad, dilations), cf, 3)


def convolution(input, filters, strides=None, padding="VALID", data_format=None,
                dilations=None, name=None):
    """N-D convolution, N = 1, 2 or 3 from the filter's rank (`tf.nn.convolution`)."""
    nd = len(to_tensor(filters)._value.shape) - 2
    fn = {1: conv1d, 2: conv2d, 3: conv3d}.get(nd)
    if fn is None:
        raise ValueError(f"convolution: filters must have rank 3, 4 or 5 (1-3 spatial "
                         f"dimensions), got shape {list(to_tensor(filters)._value.shape)}.")
    cf = _channels_first(data_format, nd, "Convolution")
    return fn(input, filters, 1 if strides is None else strides, padding,
              data_format=_format_name(cf, nd), dilations=dilations)


def atrous_conv2d(value, filters, rate, padding, name=None):
    """Dilated 2-D convolution with a uniform rate (`tf.nn.atrous_conv2d`)."""
    return conv2d(value, filters, 1, padding, dilations=rate)


# -- transposed convolutions -----------------------------------------------------------------------
def _size_vector(op, output_shape, nd, cf, insert_unit_height=False):
    """The NHWC-ordered output size as an int32 tensor (a graph value when any part is
    symbolic); also the concrete list when known (else None)."""
    if isinstance(output_shape, Tensor) and getattr(output_shape, "_graph_value", None) is not None:
        elems = [output_shape[i] for i in range(nd + 2)]
    elif _is_tensor_like(output_shape):
        elems = [int(v) for v in to_tensor(output_shape).numpy().reshape(-1).tolist()]
    else:
        if hasattr(output_shape, "as_list"):
            output_shape = output_shape.as_list()
        elems = list(output_shape)
    if len(elems) != nd + 2:
        raise ValueError(f"{op}: output_shape must have {nd + 2} elements "
                         f"({_format_name(cf, nd)}), got {output_shape!r}.")
    if cf:
        elems = [elems[i] for i in _to_last(nd)]
    if insert_unit_height:
        elems = elems[:1] + [1] + elems[1:]
    concrete = all(not _is_tensor_like(e) for e in elems)
    if concrete:
        vals = [int(e) for e in elems]
        return array_ops.constant(np.asarray(vals, dtype=np.int32)), vals
    return array_ops.stack([array_ops.cast_int32(e) for e in elems]), None


def _check_transpose_geometry(op, sizes_vals, x_shape_last, ks, strides, dilations, pad, nd):
    if sizes_vals is None:
        return
    _, outs = _geometry(op, sizes_vals[1:-1], ks, strides, dilations, pad)
    if outs != tuple(x_shape_last[1:-1]) or sizes_vals[0] != x_shape_last[0]:
        raise InvalidArgumentError(
            None, op, f"{op}: output_shape {sizes_vals} does not fit the input: a strided "
            f"convolution of an input of that size gives spatial size {list(outs)}, but the "
            f"input has {list(x_shape_last[1:-1])} (batch {x_shape_last[0]}) [Op:{op}]. "
            "Pick output_shape so that conv(output) has the input's shape, e.g. "
            "input_size * stride for SAME padding.")


def _conv_transpose(op, family, nd, input, filters, output_shape, strides, padding,
                    data_format, dilations, depthwise=False):
    x, w = binary_operands(input, filters, op)
    cf = _channels_first(data_format, nd, op)
    _check_rank(x, nd + 2, op, "input", _layout(cf, nd))
    _check_rank(w, nd + 2, op, "filters", "[" + ", ".join(
        ["filter_" + d for d in _SPATIAL[nd].lower()]) + ", out_channels, in_channels]")
    _floating(x, op, "input")
    strides = _ints(strides, nd, "strides", op, cf)
    dilations = (1,) * nd if dilations is None else _ints(dilations, nd, "dilations", op, cf)
    pad = _padding(padding, nd, op, cf)
    ws = w._value.shape
    _channel_check(op, x, cf, nd, ws[-1], f"the filter's last dimension (in_channels of a "
                   f"transposed convolution, filter shape {shape_str(ws)})")
    sizes, vals = _size_vector(op, output_shape, nd, cf)
    if vals is not None and vals[-1] != ws[-2]:
        raise InvalidArgumentError(
            None, op, f"{op}: output_shape's channel count {vals[-1]} must equal the filter's "
            f"out_channels (dimension {nd} of filter shape {shape_str(ws)}). [Op:{op}]")
    xs = x._value.shape
    x_last = tuple(xs[i] for i in _to_last(nd)) if cf else xs
    _check_transpose_geometry(op, vals, x_last, ws[:nd], strides, dilations, pad, nd)
    return _run(family.input, (sizes, w, x), _attrs(strides, pad, dilations), cf, nd, x_index=2)


def conv2d_transpose(input, filters, output_shape, strides, padding="SAME", data_format="NHWC",
                     dilations=None, name=None):
    """The transpose (gradient) of `conv2d` (`tf.nn.conv2d_transpose`).

    Args:
        input: [batch, height, width, in_channels] (NHWC) or NCHW.
        filters: [filter_height, filter_width, out_channels, in_channels].
        output_shape: the result's shape (4 ints or a 1-D int tensor, data_format order);
            conv2d of a tensor of that shape with the same strides / padding must give the
            input's shape.
        strides, padding, data_format, dilations: as in `conv2d`.

    Returns:
        A tensor of shape `output_shape`.
    """
    return _conv_transpose("Conv2DTranspose", CONV2D, 2, input, filters, output_shape, strides,
                           padding, data_format, dilations)


def conv3d_transpose(input, filters, output_shape, strides, padding="SAME",
                     data_format="NDHWC", dilations=None, name=None):
    """The transpose of `conv3d` (`tf.nn.conv3d_transpose`); filters are [d, h, w, out_channels,
    in_channels]."""
    return _conv_transpose("Conv3DTranspose", CONV3D, 3, input, filters, output_shape, strides,
                           padding, data_format, dilations)


def conv1d_transpose(input, filters, output_shape, strides, padding="SAME", data_format="NWC",
                     dilations=None, name=None):
    """The transpose of `conv1d` (`tf.nn.conv1d_transpose`); filters are [width, out_channels,
    in_channels]."""
    op = "Conv1DTranspose"
    x, w = binary_operands(input, filters, op)
    cf = _channels_first(data_format, 1, op)
    _check_rank(x, 3, op, "input", _layout(cf, 1))
    _check_rank(w, 3, op, "filters", "[filter_width, out_channels, in_channels]")
    _floating(x, op, "input")
    strides = _ints(strides, 1, "strides", op, cf)
    dilations = (1,) if dilations is None else _ints(dilations, 1, "dilations", op, cf)
    pad = _padding(padding, 1, op, cf)
    ws = w._value.shape
    _channel_check(op, x, cf, 1, ws[-1], f"the filter's last dimension (in_channels of a "
                   f"transposed convolution, filter shape {shape_str(ws)})")
    sizes, vals = _size_vector(op, output_shape, 1, cf, insert_unit_height=True)
    if vals is not None and vals[-1] != ws[-2]:
        raise InvalidArgumentError(
            None, op, f"{op}: output_shape's channel count {vals[-1]} must equal the filter's "
            f"out_channels (dimension 1 of filter shape {shape_str(ws)}). [Op:{op}]")
    xs = x._value.shape
    x_last = (xs[0], xs[2], xs[1]) if cf else xs
    if vals is not None:
        _check_transpose_geometry(op, [vals[0]] + vals[2:], x_last, ws[:1], strides, dilations,
                                  pad, 1)
    if cf:
        x = array_ops.transpose(x, _to_last(1))
    y = execute(CONV2D.input, (sizes, _expand1d(w, 0), _expand1d(x, 1)),
                _attrs(*_lift1d(strides, pad, dilations)))
    y = _squeeze1d(y, 1)
    return array_ops.transpose(y, _to_first(1)) if cf else y


def conv_transpose(input, filters, output_shape, strides, padding="SAME", data_format=None,
                   dilations=None, name=None):
    """N-D transposed convolution, N from the filter's rank (`tf.nn.conv_transpose`)."""
    nd = len(to_tensor(filters)._value.shape) - 2
    fn = {1: conv1d_transpose, 2: conv2d_transpose, 3: conv3d_transpose}.get(nd)
    if fn is None:
        raise ValueError(f"conv_transpose: filters must have rank 3, 4 or 5, got shape "
                         f"{list(to_tensor(filters)._value.shape)}.")
    cf = _channels_first(data_format, nd, "ConvTranspose")
    return fn(input, filters, output_shape, strides, padding, data_format=_format_name(cf, nd),
              dilations=dilations)


def atrous_conv2d_transpose(value, filters, output_shape, rate, padding, name=None):
    """The transpose of `atrous_conv2d` (`tf.nn.atrous_conv2d_transpose`)."""
    return conv2d_transpose(value, filters, output_shape, 1, padding, dilations=rate)


# -- explicit gradient ops (TensorFlow's tf.compat.v1.nn / tf.nn backprop functions) ---------------
def _backprop_input(op, family, nd, input_sizes, filters, out_backprop, strides, padding,
                    data_format, dilations, depthwise=False):
    w, dy = binary_operands(filters, out_backprop, op)
    cf = _channels_first(data_format, nd, op)
    _check_rank(dy, nd + 2, op, "out_backprop", _layout(cf, nd))
    _check_rank(w, nd + 2, op, "filter", "[filter_height, filter_width, ...]")
    _floating(w, op, "filter")
    strides = _ints(strides, nd, "strides", op, cf)
    dilations = (1,) * nd if dilations is None else _ints(dilations, nd, "dilations", op, cf)
    pad = _padding(padding, nd, op, cf)
    sizes, vals = _size_vector(op, input_sizes, nd, cf)
    if vals is not None:
        _conv_shapes(op, vals, w._value.shape, depthwise)
        ds = dy._value.shape
        ds_last = tuple(ds[i] for i in _to_last(nd)) if cf else ds
        _check_transpose_geometry(op, vals, ds_last, w._value.shape[:nd], strides, dilations,
                                  pad, nd)
    return _run(family.input, (sizes, w, dy), _attrs(strides, pad, dilations), cf, nd,
                x_index=2)


def _backprop_filter(op, family, nd, input, filter_sizes, out_backprop, strides, padding,
                     data_format, dilations, depthwise=False):
    x, dy = binary_operands(input, out_backprop, op)
    cf = _channels_first(data_format, nd, op)
    _check_rank(x, nd + 2, op, "input", _layout(cf, nd))
    _check_rank(dy, nd + 2, op, "out_backprop", _layout(cf, nd))
    _floating(x, op, "input")
    strides = _ints(strides, nd, "strides", op, cf)
    dilations = (1,) * nd if dilations is None else _ints(dilations, nd, "dilations", op, cf)
    pad = _padding(padding, nd, op, cf)
    if _is_tensor_like(filter_sizes) and getattr(filter_sizes, "_graph_value", None) is not None:
        fs = filter_sizes
    else:
        fvals = [int(v) for v in (to_tensor(filter_sizes).numpy().reshape(-1).tolist()
                                  if _is_tensor_like(filter_sizes) else filter_sizes)]
        if len(fvals) != nd + 2:
            raise ValueError(f"{op}: filter_sizes must have {nd + 2} elements, got "
                             f"{filter_sizes!r}.")
        xs = x._value.shape
        _conv_shapes(op, tuple(xs[i] for i in _to_last(nd)) if cf else xs, fvals, depthwise)
        fs = array_ops.constant(np.asarray(fvals, dtype=np.int32))
    if cf:
        x = array_ops.transpose(x, _to_last(nd))
        dy = array_ops.transpose(dy, _to_last(nd))
    return execute(family.filter, (x, fs, dy), _attrs(strides, pad, dilations))


def conv2d_backprop_input(input_sizes, filters, out_backprop, strides, padding,
                          data_format="NHWC", dilations=None, name=None):
    """The gradient of `conv2d` with respect to its input (`tf.compat.v1.nn.conv2d_backprop_input`,
    with TF 2's `filters` name)."""
    return _backprop_input("Conv2DBackpropInput", CONV2D, 2, input_sizes, filters, out_backprop,
                           strides, padding, data_format, dilations)


def conv2d_backprop_filter(input, filter_sizes, out_backprop, strides, padding,
                           data_format="NHWC", dilations=None, name=None):
    """The gradient of `conv2d` with respect to its filter
    (`tf.compat.v1.nn.conv2d_backprop_filter`)."""
    return _backprop_filter("Conv2DBackpropFilter", CONV2D, 2, input, filter_sizes, out_backprop,
                            strides, padding, data_format, dilations)


def conv3d_backprop_input(input_sizes, filters, out_backprop, strides, padding,
                          data_format="NDHWC", dilations=None, name=None):
    """The gradient of `conv3d` with respect to its input."""
    return _backprop_input("Conv3DBackpropInputV2", CONV3D, 3, input_sizes, filters,
                           out_backprop, strides, padding, data_format, dilations)


def conv3d_backprop_filter(input, filter_sizes, out_backprop, strides, padding,
                           data_format="NDHWC", dilations=None, name=None):
    """The gradient of `conv3d` with respect to its filter
    (`tf.compat.v1.nn.conv3d_backprop_filter_v2`)."""
    return _backprop_filter("Conv3DBackpropFilterV2", CONV3D, 3, input, filter_sizes,
                            out_backprop, strides, padding, data_format, dilations)


def depthwise_conv2d_backprop_input(input_sizes, filter, out_backprop, strides, padding,
                                    data_format="NHWC", dilations=None, name=None):
    """The gradient of `depthwise_conv2d` with respect to its input
    (`tf.nn.depthwise_conv2d_backprop_input`)."""
    return _backprop_input("DepthwiseConv2dNativeBackpropInput", DEPTHWISE, 2, input_sizes,
                           filter, out_backprop, strides, padding, data_format, dilations,
                           depthwise=True)


def depthwise_conv2d_backprop_filter(input, filter_sizes, out_backprop, strides, padding,
                                     data_format="NHWC", dilations=None, name=None):
    """The gradient of `depthwise_conv2d` with respect to its filter
    (`tf.nn.depthwise_conv2d_backprop_filter`)."""
    return _backprop_filter("DepthwiseConv2dNativeBackpropFilter", DEPTHWISE, 2, input,
                            filter_sizes, out_backprop, strides, padding, data_format, dilations,
                            depthwise=True)


# -- depthwise and separable -----------------------------------------------------------------------
def depthwise_conv2d(input, filter, strides, padding, data_format=None, dilations=None,
                     name=None):
    """Depthwise 2-D convolution (`tf.nn.depthwise_conv2d`): each input channel is convolved
    with its own `channel_multiplier` filters.

    Args:
        input: [batch, height, width, in_channels] (NHWC, the default) or NCHW.
        filter: [filter_height, filter_width, in_channels, channel_multiplier].
        strides: an int or a list of 1, 2 or 4 ints.
        padding: "SAME", "VALID" or explicit pairs.
        data_format: "NHWC" (default) or "NCHW".
        dilations: an int or a list of 1, 2 or 4 ints (TF's `rate`).

    Returns:
        [batch, out_height, out_width, in_channels * channel_multiplier] for NHWC; output
        channel `c * channel_multiplier + m` is input channel c under filter[..., c, m].
    """
    op = "DepthwiseConv2dNative"
    x, w, cf, strides, pad, dilations = _prepare_conv(op, input, filter, 2, strides, padding,
                                                      data_format, dilations, depthwise=True)
    return _run(DEPTHWISE.fwd, (x, w), _attrs(strides, pad, dilations), cf, 2)


def separable_conv2d(input, depthwise_filter, pointwise_filter, strides, padding,
                     data_format=None, dilations=None, name=None):
    """A depthwise convolution followed by a 1x1 convolution (`tf.nn.separable_conv2d`).

    Args:
        input: a 4-D tensor (NHWC by default, or NCHW).
        depthwise_filter: [filter_height, filter_width, in_channels, channel_multiplier].
        pointwise_filter: [1, 1, in_channels * channel_multiplier, out_channels].
        strides: the depthwise convolution's strides (1, 2 or 4 ints).
        padding: "SAME" or "VALID" (the depthwise step's).
        data_format: "NHWC" (default) or "NCHW".
        dilations: the depthwise step's dilations.

    Returns:
        [batch, out_height, out_width, out_channels] for NHWC.
    """
    op = "SeparableConv2D"
    pw = to_tensor(pointwise_filter)
    dwf = to_tensor(depthwise_filter)
    ps, ds = pw._value.shape, dwf._value.shape
    if len(ps) != 4 or ps[0] != 1 or ps[1] != 1:
        raise InvalidArgumentError(
            None, op, f"{op}: pointwise_filter must be [1, 1, in_channels * channel_multiplier, "
            f"out_channels], received shape {shape_str(ps)}. [Op:{op}]")
    if len(ds) == 4 and ps[2] != ds[2] * ds[3]:
        raise InvalidArgumentError(
            None, op, f"{op}: pointwise_filter's in_channels ({ps[2]}, shape {shape_str(ps)}) "
            f"must equal in_channels * channel_multiplier of depthwise_filter ({ds[2]} * {ds[3]}"
            f" = {ds[2] * ds[3]}, shape {shape_str(ds)}). [Op:{op}]")
    df = _format_name(_channels_first(data_format, 2, op), 2)
    y = depthwise_conv2d(input, dwf, strides, padding, data_format=df, dilations=dilations)
    return conv2d(y, pw, 1, "VALID", data_format=df)


# =================================================================================================
# Public functions: pooling
# =================================================================================================
def _pool(op, family, nd, input, ksize, strides, padding, data_format, dilations=None,
          explicit_ok=False, lift=False):
    x = to_tensor(input)
    cf = _channels_first(data_format, nd, op)
    _check_rank(x, nd + 2, op, "input", _layout(cf, nd))
    if family in (AVG_POOL, AVG_POOL3D):
        _floating(x, op, "input")
    elif x._value.dtype.kind not in "iuf":
        raise InvalidArgumentError(None, op, f"{op} expects a real numeric input, got dtype "
                                   f"{x.dtype.name}. [Op:{op}]")
    ks = _ints(ksize, nd, "ksize", op, cf)
    strides = _ints(strides, nd, "strides", op, cf)
    dilations = (1,) * nd if dilations is None else _ints(dilations, nd, "dilations", op, cf,
                                                            allow_full=False)
    pad = _padding(padding, nd, op, cf, explicit_ok=explicit_ok)
    if not isinstance(pad, str):
        for p, k, d in zip(pad, ks, dilations):
            if max(p) >= (k - 1) * d + 1:
                raise InvalidArgumentError(
                    None, op, f"{op}: explicit padding {list(p)} must be smaller than the "
                    f"window ({k}). [Op:{op}]")
    _negative_output_check(op, x, cf, nd, ks, strides, dilations, pad)
    if cf:
        x = array_ops.transpose(x, _to_last(nd))
    attrs = {"ksize": ks, "strides": strides, "padding": pad, "dilations": dilations}
    if lift:
        x = _expand1d(x, 1)
        st, pd, dl = _lift1d(strides, pad, dilations)
        attrs = {"ksize": (1,) + ks, "strides": st, "padding": pd, "dilations": dl}
    y = execute(family.fwd, (x,), attrs)
    if lift:
        y = _squeeze1d(y, 1)
    return array_ops.transpose(y, _to_first(nd)) if cf else y


def max_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):
    """2-D max pooling (`tf.nn.max_pool2d`).

    Args:
        input: [batch, height, width, channels] ("NHWC") or "NCHW"; real numeric.
        ksize: the window, an int or a list of 1, 2 or 4 ints.
        strides: an int or a list of 1, 2 or 4 ints.
        padding: "SAME", "VALID" or explicit [before, after] pairs (each smaller than the
            window); padding never wins the max.
        data_format: "NHWC" (default) or "NCHW".

    Returns:
        The pooled tensor, the input's dtype. The gradient goes to the first maximum of each
        window (row-major order), as in TensorFlow.
    """
    return _pool("MaxPool", MAX_POOL, 2, input, ksize, strides, padding, data_format,
                 explicit_ok=True)


def max_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):
    """1-D max pooling (`tf.nn.max_pool1d`) over [batch, width, channels] ("NWC") or "NCW"."""
    return _pool("MaxPool1D", MAX_POOL, 1, input, ksize, strides, padding, data_format,
                 explicit_ok=True, lift=True)


def max_pool3d(input, ksize, strides, padding, data_format="NDHWC", name=None):
    """3-D max pooling (`tf.nn.max_pool3d`) over "NDHWC" or "NCDHW" inputs."""
    return _pool("MaxPool3D", MAX_POOL3D, 3, input, ksize, strides, padding, data_format)


def avg_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):
    """2-D average pooling (`tf.nn.avg_pool2d`).

    With SAME padding each window averages only its non-padding elements, as in TensorFlow.

    Args:
        input: a floating-point [batch, height, width, channels] ("NHWC") or "NCHW" tensor.
        ksize, strides: an int or a list of 1, 2 or 4 ints.
        padding: "SAME" or "VALID".
        data_format: "NHWC" (default) or "NCHW".
    """
    return _pool("AvgPool", AVG_POOL, 2, input, ksize, strides, padding, data_format)


def avg_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):
    """1-D average pooling (`tf.nn.avg_pool1d`)."""
    return _pool("AvgPool1D", AVG_POOL, 1, input, ksize, strides, padding, data_format,
                 lift=True)


def avg_pool3d(input, ksize, strides, padding, data_format="NDHWC", name=None):
    """3-D average pooling (`tf.nn.avg_pool3d`)."""
    return _pool("AvgPool3D", AVG_POOL3D, 3, input, ksize, strides, padding, data_format)


def _pool_by_rank(kind, input, ksize, strides, padding, data_format):
    rank = len(to_tensor(input)._value.shape)
    fns = {"max": {3: max_pool1d, 4: max_pool2d, 5: max_pool3d},
           "avg": {3: avg_pool1d, 4: avg_pool2d, 5: avg_pool3d}}[kind]
    fn = fns.get(rank)
    if fn is None:
        raise ValueError(f"{kind}_pool: input must have rank 3, 4 or 5 ([batch, spatial..., "
                         f"channels]), got rank {rank}. Add a batch dimension, e.g. "
                         "tf.expand_dims(x, 0)." if rank in (1, 2) else
                         f"{kind}_pool: input must have rank 3, 4 or 5, got rank {rank}.")
    nd = rank - 2
    cf = _channels_first(data_format, nd, f"{kind}_pool")
    return fn(input, ksize, strides, padding, data_format=_format_name(cf, nd))


def max_pool(input, ksize, strides, padding, data_format=None, name=None):
    """Max pooling of a rank 3, 4 or 5 input (1-, 2- or 3-D windows) (`tf.nn.max_pool`)."""
    return _pool_by_rank("max", input, ksize, strides, padding, data_format)


def avg_pool(input, ksize, strides, padding, data_format=None, name=None):
    """Average pooling of a rank 3, 4 or 5 input (`tf.nn.avg_pool`)."""
    return _pool_by_rank("avg", input, ksize, strides, padding, data_format)


def pool(input, window_shape, pooling_type, strides=None, padding="VALID", data_format=None,
         dilations=None, name=None):
    """N-D max or average pooling with optional dilated windows (`tf.nn.pool`).

    Args:
        input: [batch, spatial..., channels] (or channels first with data_format "NC...").
        window_shape: N ints.
        pooling_type: "MAX" or "AVG".
        strides: N ints (default 1); must be 1 where dilations > 1.
        padding: "SAME" or "VALID".
        dilations: N ints (default 1).
    """
    ptype = str(pooling_type).upper()
    if ptype not in ("MAX", "AVG"):
        raise ValueError(f"pool: pooling_type must be 'MAX' or 'AVG', got {pooling_type!r}.")
    ws = [int(v) for v in (window_shape if not isinstance(window_shape, int) else [window_shape])]
    nd = len(ws)
    if nd not in (1, 2, 3):
        raise ValueError(f"pool: window_shape must have 1 to 3 elements, got {window_shape!r}.")
    op = "Pool"
    strides = (1,) * nd if strides is None else _ints(strides, nd, "strides", op, False,
                                                      allow_full=False)
    dil = (1,) * nd if dilations is None else _ints(dilations, nd, "dilations", op, False,
                                                    allow_full=False)
    if any(d > 1 for d in dil) and any(s > 1 for s in strides):
        raise ValueError(f"pool: strides {list(strides)} must be 1 when dilations "
                         f"{list(dil)} are larger than 1.")
    if data_format is not None and data_format.upper().startswith("NC"):
        data_format = _format_name(True, nd)
    elif data_format is not None:
        data_format = _format_name(False, nd)
    if ptype == "MAX":
        family = MAX_POOL if nd < 3 else MAX_POOL3D
    else:
        family = AVG_POOL if nd < 3 else AVG_POOL3D
    return _pool(f"{ptype.title()}Pool", family, nd, input, ws, strides, padding, data_format,
                 dilations=dil, lift=nd == 1)
