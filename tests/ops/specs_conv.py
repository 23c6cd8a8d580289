"""OpSpecs for the convolution and pooling ops (flowgrad.ops.conv_ops, `tf.nn`).

The NumPy references are deliberately naive: explicit loops over output positions and kernel
taps on tiny shapes, sharing no code with the im2col / strided-slice kernels they check.
Gradient ops (Conv2DBackpropInput/Filter, MaxPoolGrad, MaxPoolGradGrad, AvgPoolGrad, ...) are
exercised forward by "vjp" specs that take the gradient inside the function, so their own
gradients (second order of the forward ops) are checked by finite differences too.
"""

import itertools

import numpy as np

import flowgrad as fg
from flowgrad import nn
from flowgrad.ops import conv_ops
from flowgrad.testing.op_harness import Case, OpSpec

_TOL = {"rtol": 1e-4, "atol": 2e-5}


# -- naive references (channels last inside; data_format handled by transposing) ------------------
def _to_last(x):
    return np.moveaxis(x, 1, -1)


def _to_first(x):
    return np.moveaxis(x, -1, 1)


def _norm(v, nd):
    if v is None:
        return (1,) * nd
    if isinstance(v, int):
        return (v,) * nd
    v = list(v)
    if len(v) == 1:
        return tuple(v) * nd
    if len(v) == nd + 2:
        return tuple(v[1:-1])
    return tuple(v)


def _norm_cf(v, nd, cf):
    if v is not None and not isinstance(v, int) and len(v) == nd + 2 and cf:
        v = [v[0]] + list(v[2:]) + [v[1]]
    return _norm(v, nd)


def _ref_pads(sizes, ks, strides, dils, padding, cf=False):
    """TensorFlow's padding rule, written out: SAME keeps ceil(n / s) outputs and puts the
    extra padding element after."""
    if not isinstance(padding, str):
        pairs = [tuple(p) for p in padding]
        if len(pairs) == len(sizes) + 2:
            pairs = pairs[2:] if cf else pairs[1:-1]
        return pairs
    pads = []
    for n, k, s, d in zip(sizes, ks, strides, dils):
        span = d * (k - 1) + 1
        if padding == "VALID":
            pads.append((0, 0))
        else:
            out = (n + s - 1) // s
            need = max(0, (out - 1) * s + span - n)
            pads.append((need // 2, need - need // 2))
    return pads


def _out_sizes(sizes, ks, strides, dils, pads):
    return [(n + p[0] + p[1] - (d * (k - 1) + 1)) // s + 1
            for n, k, s, d, p in zip(sizes, ks, strides, dils, pads)]


def _group_view(w, cin, depthwise):
    nd = w.ndim - 2
    if depthwise:
        c, mult = w.shape[-2:]
        w = w.reshape(w.shape[:nd] + (1, c * mult))
    cg, cout = w.shape[-2:]
    groups = cin // cg
    return w, cg, cout, groups, cout // groups


def _np_conv_last(x, w, strides, padding, dilations, depthwise=False):
    nd = x.ndim - 2
    w, cg, cout, groups, og = _group_view(w, x.shape[-1], depthwise)
    ks = w.shape[:nd]
    pads = _ref_pads(x.shape[1:-1], ks, strides, dilations, padding)
    outs = _out_sizes(x.shape[1:-1], ks, strides, dilations, pads)
    xp = np.pad(x.astype(np.float64), [(0, 0)] + list(pads) + [(0, 0)])
    out = np.zeros((x.shape[0],) + tuple(outs) + (cout,))
    for pos in itertools.product(*[range(o) for o in outs]):
        for k in itertools.product(*[range(kk) for kk in ks]):
            at = tuple(p * s + kk * d for p, s, kk, d in zip(pos, strides, k, dilations))
            v = xp[(slice(None),) + at]
            for g in range(groups):
                out[(slice(None),) + pos + (slice(g * og, (g + 1) * og),)] += \
                    v[:, g * cg:(g + 1) * cg] @ w[k][:, g * og:(g + 1) * og]
    return out


def _np_conv_input_grad_last(shape, w, dy, strides, padding, dilations, depthwise=False):
    nd = len(shape) - 2
    w, cg, _, groups, og = _group_view(w, shape[-1], depthwise)
    ks = w.shape[:nd]
    pads = _ref_pads(shape[1:-1], ks, strides, dilations, padding)
    outs = dy.shape[1:-1]
    dxp = np.zeros((shape[0],) + tuple(n + p[0] + p[1] for n, p in zip(shape[1:-1], pads)) +
                   (shape[-1],))
    for pos in itertools.product(*[range(o) for o in outs]):
        for k in itertools.product(*[range(kk) for kk in ks]):
            at = tuple(p * s + kk * d for p, s, kk, d in zip(pos, strides, k, dilations))
            for g in range(groups):
                dxp[(slice(None),) + at + (slice(g * cg, (g + 1) * cg),)] += \
                    dy[(slice(None),) + pos + (slice(g * og, (g + 1) * og),)] @ \
                    w[k][:, g * og:(g + 1) * og].T
    crop = (slice(None),) + tuple(slice(p[0], p[0] + n) for n, p in zip(shape[1:-1], pads))
    return dxp[crop]


def _np_conv_filter_grad_last(x, fshape, dy, strides, padding, dilations, depthwise=False):
    nd = x.ndim - 2
    wz, cg, _, groups, og = _group_view(np.zeros(fshape), x.shape[-1], depthwise)
    ks = fshape[:nd]
    pads = _ref_pads(x.shape[1:-1], ks, strides, dilations, padding)
    xp = np.pad(x.astype(np.float64), [(0, 0)] + list(pads) + [(0, 0)])
    for pos in itertools.product(*[range(o) for o in dy.shape[1:-1]]):
        for k in itertools.product(*[range(kk) for kk in ks]):
            at = tuple(p * s + kk * d for p, s, kk, d in zip(pos, strides, k, dilations))
            v = xp[(slice(None),) + at]
            for g in range(groups):
                wz[k][:, g * og:(g + 1) * og] += v[:, g * cg:(g + 1) * cg].T @ \
                    dy[(slice(None),) + pos + (slice(g * og, (g + 1) * og),)]
    return wz.reshape(fshape)


def _np_conv(x, w, strides=1, padding="VALID", data_format=None, dilations=None,
             depthwise=False):
    nd = x.ndim - 2
    cf = data_format is not None and data_format.startswith("NC")
    xl = _to_last(x) if cf else x
    if not isinstance(padding, str) and len(padding) == nd + 2 and cf:
        padding = [padding[0]] + list(padding[2:]) + [padding[1]]
    out = _np_conv_last(xl, w, _norm_cf(strides, nd, cf), padding, _norm_cf(dilations, nd, cf),
                        depthwise)
    return (_to_first(out) if cf else out).astype(x.dtype)


def _np_conv_transpose(x, w, output_shape, strides=1, padding="SAME", data_format=None,
                       dilations=None):
    nd = x.ndim - 2
    cf = data_format is not None and data_format.startswith("NC")
    dy = _to_last(x) if cf else x
    shape = list(output_shape)
    if cf:
        shape = [shape[0]] + shape[2:] + [shape[1]]
    out = _np_conv_input_grad_last(shape, w, dy.astype(np.float64), _norm_cf(strides, nd, cf),
                                   padding, _norm_cf(dilations, nd, cf))
    return (_to_first(out) if cf else out).astype(x.dtype)


def _np_pool(x, ksize, strides, padding, data_format=None, kind="max", dilations=None):
    nd = x.ndim - 2
    cf = data_format is not None and data_format.startswith("NC")
    xl = (_to_last(x) if cf else x).astype(np.float64)
    ks, st = _norm_cf(ksize, nd, cf), _norm_cf(strides, nd, cf)
    dl = _norm(dilations, nd)
    pads = _ref_pads(xl.shape[1:-1], ks, st, dl, padding, cf)
    outs = _out_sizes(xl.shape[1:-1], ks, st, dl, pads)
    out = np.zeros((xl.shape[0],) + tuple(outs) + (xl.shape[-1],))
    for pos in itertools.product(*[range(o) for o in outs]):
        vals = []
        for k in itertools.product(*[range(kk) for kk in ks]):
            at = tuple(p * s + kk * d - pd[0] for p, s, kk, d, pd in zip(pos, st, k, dl, pads))
            if all(0 <= a < n for a, n in zip(at, xl.shape[1:-1])):
                vals.append(xl[(slice(None),) + at])
        v = np.stack(vals)
        out[(slice(None),) + pos] = v.max(0) if kind == "max" else v.mean(0)
    return (_to_first(out) if cf else out).astype(x.dtype)


def _np_pool_grad(x, u, ksize, strides, padding, data_format=None, kind="max"):
    """d sum(pool(x) * u) / dx: the first maximum of each window (row-major taps) gets u."""
    nd = x.ndim - 2
    cf = data_format is not None and data_format.startswith("NC")
    xl = (_to_last(x) if cf else x).astype(np.float64)
    ul = (_to_last(u) if cf else u).astype(np.float64)
    ks, st = _norm_cf(ksize, nd, cf), _norm_cf(strides, nd, cf)
    pads = _ref_pads(xl.shape[1:-1], ks, st, (1,) * nd, padding, cf)
    dx = np.zeros_like(xl)
    for b in range(xl.shape[0]):
        for c in range(xl.shape[-1]):
            for pos in itertools.product(*[range(o) for o in ul.shape[1:-1]]):
                taps = []
                for k in itertools.product(*[range(kk) for kk in ks]):
                    at = tuple(p * s + kk - pd[0] for p, s, kk, pd in zip(pos, st, k, pads))
                    if all(0 <= a < n for a, n in zip(at, xl.shape[1:-1])):
                        taps.append(at)
                g = ul[(b,) + pos + (c,)]
                if kind == "max":
                    vals = [xl[(b,) + t + (c,)] for t in taps]
                    dx[(b,) + taps[int(np.argmax(vals))] + (c,)] += g
                else:
                    for t in taps:
                        dx[(b,) + t + (c,)] += g / len(taps)
    return (_to_first(dx) if cf else dx).astype(x.dtype)


def _np_max_pool_grad_grad(x, v, ksize, strides, padding):
    """The values of v at each window's first maximum (the shape of the pooled output)."""
    nd = x.ndim - 2
    ks, st = _norm(ksize, nd), _norm(strides, nd)
    pads = _ref_pads(x.shape[1:-1], ks, st, (1,) * nd, padding)
    outs = _out_sizes(x.shape[1:-1], ks, st, (1,) * nd, pads)
    out = np.zeros((x.shape[0],) + tuple(outs) + (x.shape[-1],))
    for b in range(x.shape[0]):
        for c in range(x.shape[-1]):
            for pos in itertools.product(*[range(o) for o in outs]):
                taps = []
                for k in itertools.product(*[range(kk) for kk in ks]):
                    at = tuple(p * s + kk - pd[0] for p, s, kk, pd in zip(pos, st, k, pads))
                    if all(0 <= a < n for a, n in zip(at, x.shape[1:-1])):
                        taps.append(at)
                best = taps[int(np.argmax([x[(b,) + t + (c,)] for t in taps]))]
                out[(b,) + pos + (c,)] = v[(b,) + best + (c,)]
    return out.astype(x.dtype)


# -- gradients taken inside the function (exercise the backprop ops forward) -----------------------
def _vjp(f, wrt):
    """fn(*primals, u) -> gradients of sum(f(*primals) * u) with respect to primals[wrt]."""
    def fn(*args, **kwargs):
        *primals, u = args
        with fg.GradientTape() as tape:
            for i in wrt:
                tape.watch(primals[i])
            y = f(*primals, **kwargs)
            total = fg.reduce_sum(y * u)
        grads = tape.gradient(total, [primals[i] for i in wrt])
        return grads[0] if len(grads) == 1 else tuple(grads)
    return fn


def _np_conv_vjp(x, w, u, strides=1, padding="VALID", data_format=None, dilations=None,
                 depthwise=False):
    nd = x.ndim - 2
    cf = data_format is not None and data_format.startswith("NC")
    xl, ul = (_to_last(x), _to_last(u)) if cf else (x, u)
    if not isinstance(padding, str) and len(padding) == nd + 2 and cf:
        padding = [padding[0]] + list(padding[2:]) + [padding[1]]
    st, dl = _norm_cf(strides, nd, cf), _norm_cf(dilations, nd, cf)
    dx = _np_conv_input_grad_last(xl.shape, w.astype(np.float64), ul.astype(np.float64), st,
                                  padding, dl, depthwise)
    dw = _np_conv_filter_grad_last(xl, w.shape, ul.astype(np.float64), st, padding, dl,
                                   depthwise)
    return (_to_first(dx) if cf else dx).astype(x.dtype), dw.astype(x.dtype)


def _max_pool_grad_grad_fn(x, u, v, ksize, strides, padding):
    """d/du of sum(maxpool_grad(x, u) * v): the MaxPoolGradGrad op (nested tapes)."""
    with fg.GradientTape() as outer:
        outer.watch(u)
        with fg.GradientTape() as inner:
            inner.watch(x)
            y = nn.max_pool(x, ksize, strides, padding)
            total = fg.reduce_sum(y * u)
        gx = inner.gradient(total, x)
        s = fg.reduce_sum(gx * v)
    return outer.gradient(s, u)


def _pool_grad_case(x_shape, ksize, strides, padding, **kw):
    """A Case for (x, u) with u shaped like the pooled output."""
    nd = len(x_shape) - 2
    cf = kw.get("data_format", "").startswith("NC") if kw.get("data_format") else False
    sizes = x_shape[2:] if cf else x_shape[1:-1]
    ks, st = _norm_cf(ksize, nd, cf), _norm_cf(strides, nd, cf)
    pads = _ref_pads(sizes, ks, st, (1,) * nd, padding, cf)
    outs = tuple(_out_sizes(sizes, ks, st, (1,) * nd, pads))
    u = (x_shape[0], x_shape[1]) + outs if cf else (x_shape[0],) + outs + (x_shape[-1],)
    return Case(x_shape, u, ksize=ksize, strides=strides, padding=padding, **kw)


def _conv_vjp_case(x_shape, w_shape, strides=1, padding="VALID", data_format=None,
                   dilations=None, depthwise=False, **kw):
    nd = len(x_shape) - 2
    cf = data_format is not None and data_format.startswith("NC")
    sizes = x_shape[2:] if cf else x_shape[1:-1]
    ks = w_shape[:nd]
    st, dl = _norm_cf(strides, nd, cf), _norm_cf(dilations, nd, cf)
    pads = _ref_pads(sizes, ks, st, dl, padding, cf)
    outs = tuple(_out_sizes(sizes, ks, st, dl, pads))
    cout = w_shape[-2] * w_shape[-1] if depthwise else w_shape[-1]
    u = (x_shape[0], cout) + outs if cf else (x_shape[0],) + outs + (cout,)
    extra = {"data_format": data_format} if data_format else {}
    if dilations is not None:
        extra["dilations"] = dilations
    return Case(x_shape, w_shape, u, strides=strides, padding=padding, **extra, **kw)


def _ties(x):
    """Rounded values: many equal maxima in a window, to check first-max routing."""
    return np.round(x)


_conv2d_vjp = _vjp(lambda x, w, **kw: nn.conv2d(x, w, **kw), [0, 1])
_depthwise_vjp = _vjp(lambda x, w, **kw: nn.depthwise_conv2d(x, w, **kw), [0, 1])
_conv3d_vjp = _vjp(lambda x, w, **kw: nn.conv3d(x, w, **kw), [0, 1])
_max_pool_vjp = _vjp(lambda x, **kw: nn.max_pool(x, **kw), [0])
_avg_pool_vjp = _vjp(lambda x, **kw: nn.avg_pool(x, **kw), [0])

_EXPLICIT = [[0, 0], [1, 2], [0, 1], [0, 0]]
_EXPLICIT_NCHW = [[0, 0], [0, 0], [2, 0], [1, 1]]

SPECS = [
    # -- convolutions ------------------------------------------------------------------------------
    OpSpec("conv2d", lambda x, w, **kw: nn.conv2d(x, w, **kw), _np_conv, cases=[
        Case((2, 5, 5, 3), (3, 3, 3, 4), strides=1, padding="VALID"),
        Case((2, 6, 5, 2), (3, 2, 2, 3), strides=2, padding="SAME"),
        Case((1, 7, 6, 2), (2, 3, 2, 2), strides=[1, 2, 1, 1], padding="SAME"),
        Case((1, 6, 6, 2), (2, 3, 2, 2), strides=1, padding="SAME", dilations=2),
        Case((1, 7, 7, 1), (3, 2, 1, 2), strides=2, padding="VALID", dilations=[1, 2]),
        Case((2, 5, 4, 2), (2, 2, 2, 3), strides=[2, 1], padding=_EXPLICIT),
        Case((2, 3, 5, 5), (3, 3, 3, 2), strides=2, padding="SAME", data_format="NCHW"),
        Case((1, 2, 4, 5), (2, 3, 2, 2), strides=1, padding=_EXPLICIT_NCHW, data_format="NCHW",
             dilations=[1, 1, 1, 2]),
        Case((2, 5, 5, 4), (3, 3, 2, 6), strides=1, padding="SAME"),        # 2 groups
        Case((2, 4, 4, 3), (1, 1, 3, 5), strides=1, padding="VALID"),       # 1x1
        Case((1, 8, 7, 2), (2, 4, 2, 2), strides=3, padding="SAME"),        # even kernel
        Case((0, 5, 5, 3), (3, 3, 3, 2), strides=1, padding="SAME"),        # empty batch
        Case((1, 2, 2, 1), (3, 3, 1, 1), strides=1, padding="VALID"),       # empty output
    ], grad2=True, **_TOL),
    OpSpec("conv2d_vjp", _conv2d_vjp, _np_conv_vjp, cases=[
        _conv_vjp_case((2, 5, 5, 3), (3, 3, 3, 4), strides=1, padding="VALID"),
        _conv_vjp_case((2, 6, 5, 2), (3, 2, 2, 3), strides=2, padding="SAME"),
        _conv_vjp_case((1, 7, 7, 2), (2, 2, 2, 2), strides=3, padding="VALID"),  # gaps
        _conv_vjp_case((1, 6, 6, 2), (3, 3, 2, 2), strides=2, padding="SAME", dilations=2),
        _conv_vjp_case((2, 5, 4, 2), (2, 2, 2, 3), strides=[2, 1], padding=_EXPLICIT),
        _conv_vjp_case((2, 3, 5, 5), (3, 3, 3, 2), strides=2, padding="SAME",
                       data_format="NCHW"),
        _conv_vjp_case((2, 5, 5, 4), (3, 3, 2, 6), strides=2, padding="SAME"),
    ], **_TOL),
    OpSpec("conv1d", lambda x, w, **kw: nn.conv1d(x, w, **kw),
           lambda x, w, stride=1, **kw: _np_conv(x, w, strides=stride, **kw), cases=[
        Case((2, 7, 3), (3, 3, 2), stride=2, padding="VALID"),
        Case((2, 6, 2), (2, 2, 3), stride=1, padding="SAME", dilations=2),
        Case((1, 2, 7), (3, 2, 2), stride=2, padding="SAME", data_format="NCW"),
        Case((1, 6, 2), (3, 2, 2), stride=1, padding=[[0, 0], [2, 1], [0, 0]]),
    ], **_TOL),
    OpSpec("conv3d", lambda x, w, **kw: nn.conv3d(x, w, **kw), _np_conv, cases=[
        Case((1, 4, 4, 3, 2), (2, 2, 2, 2, 3), strides=1, padding="VALID"),
        Case((2, 4, 3, 5, 1), (3, 2, 2, 1, 2), strides=[1, 2, 1, 2, 1], padding="SAME"),
        Case((1, 2, 4, 4, 3), (2, 2, 2, 2, 2), strides=2, padding="SAME", data_format="NCDHW"),
        Case((1, 5, 4, 4, 1), (2, 2, 2, 1, 2), strides=1, padding="VALID", dilations=[2, 1, 1]),
    ], grad2=True, **_TOL),
    OpSpec("conv3d_vjp", _conv3d_vjp, _np_conv_vjp, cases=[
        _conv_vjp_case((1, 4, 4, 3, 2), (2, 2, 2, 2, 3), strides=1, padding="SAME"),
        _conv_vjp_case((1, 5, 4, 4, 1), (3, 2, 2, 1, 2), strides=2, padding="VALID"),
    ], **_TOL),
    OpSpec("convolution", lambda x, w, **kw: nn.convolution(x, w, **kw),
           lambda x, w, **kw: _np_conv(x, w, **kw), cases=[
        Case((1, 5, 5, 2), (3, 3, 2, 2), strides=2, padding="SAME"),
        Case((1, 6, 2), (2, 2, 3), padding="VALID", dilations=2),
    ], grad=False, **_TOL),
    OpSpec("atrous_conv2d", lambda x, w, **kw: nn.atrous_conv2d(x, w, **kw),
           lambda x, w, rate, padding: _np_conv(x, w, 1, padding, dilations=rate), cases=[
        Case((1, 7, 7, 2), (3, 3, 2, 2), rate=2, padding="SAME"),
    ], **_TOL),
    OpSpec("conv2d_transpose", lambda x, w, **kw: nn.conv2d_transpose(x, w, **kw),
           _np_conv_transpose, cases=[
        Case((2, 3, 3, 4), (3, 3, 2, 4), output_shape=[2, 6, 6, 2], strides=2, padding="SAME"),
        Case((1, 3, 2, 2), (3, 3, 3, 2), output_shape=[1, 7, 5, 3], strides=2, padding="VALID"),
        Case((1, 3, 4, 4), (2, 2, 2, 3), output_shape=[1, 2, 7, 8], strides=2, padding="SAME",
             data_format="NCHW"),
        Case((1, 4, 4, 2), (3, 3, 2, 2), output_shape=[1, 6, 6, 2], strides=1, padding="VALID",
             dilations=1),
        Case((1, 5, 5, 2), (3, 3, 1, 2), output_shape=[1, 5, 5, 1], strides=1, padding="SAME",
             dilations=2),
        Case((1, 3, 3, 1), (2, 2, 1, 1), output_shape=[1, 5, 5, 1], strides=2,
             padding=[[0, 0], [1, 0], [0, 1], [0, 0]]),
    ], grad2=True, **_TOL),
    OpSpec("conv1d_transpose", lambda x, w, **kw: nn.conv1d_transpose(x, w, **kw),
           _np_conv_transpose, cases=[
        Case((2, 4, 3), (3, 2, 3), output_shape=[2, 8, 2], strides=2, padding="SAME"),
        Case((1, 3, 4), (2, 2, 3), output_shape=[1, 2, 8], strides=2, padding="VALID",
             data_format="NCW"),
    ], **_TOL),
    OpSpec("conv3d_transpose", lambda x, w, **kw: nn.conv3d_transpose(x, w, **kw),
           _np_conv_transpose, cases=[
        Case((1, 2, 2, 3, 2), (2, 2, 2, 2, 2), output_shape=[1, 4, 4, 6, 2], strides=2,
             padding="SAME"),
    ], **_TOL),
    OpSpec("conv2d_backprop_filter",
           lambda x, dy, **kw: conv_ops.conv2d_backprop_filter(x, out_backprop=dy, **kw),
           lambda x, dy, filter_sizes, **kw: _np_conv_filter_grad_last(
               x, tuple(filter_sizes), dy.astype(np.float64), _norm(kw["strides"], 2),
               kw["padding"], (1, 1)).astype(x.dtype),
           cases=[
        Case((2, 5, 5, 2), (2, 3, 3, 3), filter_sizes=[3, 3, 2, 3], strides=2, padding="SAME"),
    ], grad2=True, **_TOL),
    OpSpec("conv3d_backprop_filter",
           lambda x, dy, **kw: conv_ops.conv3d_backprop_filter(x, out_backprop=dy, **kw),
           lambda x, dy, filter_sizes, **kw: _np_conv_filter_grad_last(
               x, tuple(filter_sizes), dy.astype(np.float64), _norm(kw["strides"], 3),
               kw["padding"], (1, 1, 1)).astype(x.dtype),
           cases=[
        Case((1, 4, 3, 3, 2), (1, 3, 2, 2, 2), filter_sizes=[2, 2, 2, 2, 2], strides=1,
             padding="VALID"),
    ], **_TOL),
    OpSpec("depthwise_conv2d", lambda x, w, **kw: nn.depthwise_conv2d(x, w, **kw),
           lambda x, w, **kw: _np_conv(x, w, depthwise=True, **kw), cases=[
        Case((2, 5, 5, 3), (3, 3, 3, 1), strides=[1, 1, 1, 1], padding="VALID"),
        Case((2, 6, 5, 2), (3, 2, 2, 3), strides=[1, 2, 2, 1], padding="SAME"),
        Case((1, 6, 6, 2), (3, 3, 2, 2), strides=1, padding="SAME", dilations=[2, 2]),
        Case((1, 2, 5, 5), (2, 2, 2, 2), strides=[1, 1, 2, 2], padding="SAME",
             data_format="NCHW"),
    ], grad2=True, **_TOL),
    OpSpec("depthwise_conv2d_vjp", _depthwise_vjp,
           lambda x, w, u, **kw: _np_conv_vjp(x, w, u, depthwise=True, **kw), cases=[
        _conv_vjp_case((2, 5, 5, 3), (3, 3, 3, 2), strides=2, padding="SAME", depthwise=True),
        _conv_vjp_case((1, 6, 6, 2), (2, 2, 2, 1), strides=1, padding="VALID", dilations=2,
                       depthwise=True),
    ], **_TOL),
    OpSpec("depthwise_conv2d_backprop",
           lambda x, w, dy, **kw: (
               nn.depthwise_conv2d_backprop_input(fg.shape(x), w, dy, **kw),
               nn.depthwise_conv2d_backprop_filter(x, fg.shape(w), dy, **kw)),
           lambda x, w, dy, **kw: _np_conv_vjp(x, w, dy, depthwise=True, **kw),
           cases=[_conv_vjp_case((1, 4, 4, 2), (2, 2, 2, 2), strides=[1, 2, 2, 1],
                                 padding="VALID", depthwise=True)],
           grad=False, **_TOL),
    OpSpec("separable_conv2d", lambda x, dw, pw, **kw: nn.separable_conv2d(x, dw, pw, **kw),
           lambda x, dw, pw, strides, padding, **kw: _np_conv(
               _np_conv(x, dw, strides, padding, depthwise=True, **kw), pw, 1, "VALID", **kw),
           cases=[
        Case((1, 5, 5, 2), (3, 3, 2, 2), (1, 1, 4, 3), strides=[1, 2, 2, 1], padding="SAME"),
        Case((1, 2, 5, 5), (3, 3, 2, 1), (1, 1, 2, 3), strides=1, padding="VALID",
             data_format="NCHW"),
    ], **_TOL),
    # -- pooling -----------------------------------------------------------------------------------
    OpSpec("max_pool2d", lambda x, **kw: nn.max_pool2d(x, **kw), _np_pool, cases=[
        Case((2, 4, 4, 3), ksize=2, strides=2, padding="VALID"),
        Case((2, 5, 5, 2), ksize=2, strides=2, padding="VALID"),            # remainder row
        Case((1, 5, 6, 2), ksize=3, strides=2, padding="SAME"),
        Case((1, 4, 5, 2), ksize=[1, 3, 2, 1], strides=[1, 1, 1, 1], padding="SAME"),
        Case((1, 5, 5, 1), ksize=3, strides=2, padding=[[0, 0], [1, 1], [2, 0], [0, 0]]),
        Case((2, 3, 5, 4), ksize=2, strides=[1, 1, 2, 1], padding="VALID", data_format="NCHW"),
        Case((1, 2, 5, 5), ksize=3, strides=2, padding="SAME", data_format="NCHW"),
        Case((0, 4, 4, 2), ksize=2, strides=2, padding="VALID"),
    ], grad2=True, **_TOL),
    OpSpec("max_pool2d_int", lambda x, **kw: nn.max_pool2d(x, **kw), _np_pool, cases=[
        Case((1, 5, 5, 2), ksize=2, strides=2, padding="SAME"),
        Case((1, 4, 4, 2), ksize=2, strides=2, padding="VALID"),
    ], dtypes=("int32", "int64"), domain=lambda x: np.round(5 * x), grad=False),
    OpSpec("max_pool1d", lambda x, **kw: nn.max_pool1d(x, **kw), _np_pool, cases=[
        Case((2, 7, 3), ksize=2, strides=2, padding="VALID"),
        Case((1, 3, 6), ksize=3, strides=2, padding="SAME", data_format="NCW"),
    ], **_TOL),
    OpSpec("max_pool3d", lambda x, **kw: nn.max_pool3d(x, **kw), _np_pool, cases=[
        Case((1, 4, 4, 4, 2), ksize=2, strides=2, padding="VALID"),
        Case((1, 3, 5, 4, 1), ksize=[1, 3, 2, 2, 1], strides=2, padding="SAME"),
        Case((1, 2, 3, 4, 4), ksize=2, strides=1, padding="VALID", data_format="NCDHW"),
    ], **_TOL),
    OpSpec("max_pool", lambda x, **kw: nn.max_pool(x, **kw), _np_pool, cases=[
        Case((1, 6, 2), ksize=3, strides=3, padding="VALID"),
        Case((1, 5, 5, 2), ksize=[2, 3], strides=[2, 1], padding="SAME"),
        Case((1, 3, 3, 4, 1), ksize=2, strides=2, padding="SAME"),
    ], **_TOL),
    OpSpec("max_pool_vjp", _max_pool_vjp, _np_pool_grad, cases=[
        _pool_grad_case((2, 4, 4, 3), ksize=2, strides=2, padding="VALID"),
        _pool_grad_case((1, 5, 6, 2), ksize=3, strides=2, padding="SAME"),
        _pool_grad_case((1, 4, 5, 2), ksize=3, strides=1, padding="SAME"),   # overlapping
        _pool_grad_case((1, 2, 5, 5), ksize=2, strides=2, padding="VALID", data_format="NCHW"),
        _pool_grad_case((1, 4, 4, 3, 2), ksize=2, strides=2, padding="VALID"),
        _pool_grad_case((1, 3, 4, 4, 1), ksize=3, strides=2, padding="SAME"),
        _pool_grad_case((1, 7, 2), ksize=3, strides=2, padding="SAME"),
    ], **_TOL),
    OpSpec("max_pool_vjp_ties", _max_pool_vjp, _np_pool_grad, cases=[
        _pool_grad_case((2, 6, 6, 2), ksize=2, strides=2, padding="VALID"),
        _pool_grad_case((1, 5, 5, 2), ksize=3, strides=1, padding="SAME"),
        _pool_grad_case((1, 4, 4, 4, 1), ksize=2, strides=2, padding="SAME"),
    ], domain=_ties, grad=False, **_TOL),
    OpSpec("max_pool_grad_grad", _max_pool_grad_grad_fn,
           lambda x, u, v, ksize, strides, padding: _np_max_pool_grad_grad(
               x, v, ksize, strides, padding),
           cases=[
        Case((1, 4, 4, 2), (1, 2, 2, 2), (1, 4, 4, 2), ksize=2, strides=2, padding="VALID"),
        Case((1, 5, 4, 2), (1, 3, 4, 2), (1, 5, 4, 2), ksize=3, strides=[2, 1], padding="SAME"),
        Case((1, 4, 3, 4, 1), (1, 2, 2, 2, 1), (1, 4, 3, 4, 1), ksize=2, strides=2,
             padding="SAME"),
    ], wrt=[2], **_TOL),
    OpSpec("avg_pool2d", lambda x, **kw: nn.avg_pool2d(x, **kw),
           lambda x, **kw: _np_pool(x, kind="avg", **kw), cases=[
        Case((2, 4, 4, 3), ksize=2, strides=2, padding="VALID"),
        Case((2, 5, 5, 2), ksize=2, strides=2, padding="VALID"),
        Case((1, 5, 6, 2), ksize=3, strides=2, padding="SAME"),
        Case((1, 4, 5, 2), ksize=[1, 2, 3, 1], strides=1, padding="SAME"),
        Case((2, 3, 5, 4), ksize=3, strides=[1, 1, 2, 1], padding="VALID", data_format="NCHW"),
    ], grad2=True, **_TOL),
    OpSpec("avg_pool1d", lambda x, **kw: nn.avg_pool1d(x, **kw),
           lambda x, **kw: _np_pool(x, kind="avg", **kw), cases=[
        Case((2, 7, 3), ksize=3, strides=2, padding="SAME"),
        Case((1, 3, 6), ksize=2, strides=2, padding="VALID", data_format="NCW"),
    ], **_TOL),
    OpSpec("avg_pool3d", lambda x, **kw: nn.avg_pool3d(x, **kw),
           lambda x, **kw: _np_pool(x, kind="avg", **kw), cases=[
        Case((1, 4, 4, 4, 2), ksize=2, strides=2, padding="VALID"),
        Case((1, 3, 5, 4, 1), ksize=[1, 3, 2, 2, 1], strides=2, padding="SAME"),
        Case((1, 2, 3, 4, 4), ksize=2, strides=1, padding="SAME", data_format="NCDHW"),
    ], **_TOL),
    OpSpec("avg_pool", lambda x, **kw: nn.avg_pool(x, **kw),
           lambda x, **kw: _np_pool(x, kind="avg", **kw), cases=[
        Case((1, 6, 2), ksize=3, strides=3, padding="VALID"),
        Case((1, 5, 5, 2), ksize=[2, 3], strides=[2, 1], padding="SAME"),
    ], **_TOL),
    OpSpec("avg_pool_vjp", _avg_pool_vjp, lambda x, u, **kw: _np_pool_grad(x, u, kind="avg", **kw),
           cases=[
        _pool_grad_case((2, 4, 4, 3), ksize=2, strides=2, padding="VALID"),
        _pool_grad_case((1, 5, 5, 2), ksize=2, strides=2, padding="VALID"),
        _pool_grad_case((1, 5, 6, 2), ksize=3, strides=2, padding="SAME"),
        _pool_grad_case((1, 2, 5, 5), ksize=2, strides=1, padding="SAME", data_format="NCHW"),
        _pool_grad_case((1, 4, 4, 3, 2), ksize=2, strides=2, padding="VALID"),
        _pool_grad_case((1, 3, 4, 4, 1), ksize=3, strides=2, padding="SAME"),
    ], **_TOL),
    OpSpec("pool", lambda x, **kw: nn.pool(x, **kw),
           lambda x, window_shape, pooling_type, **kw: _np_pool(
               x, window_shape, kw.pop("strides", 1), kw.pop("padding", "VALID"),
               kind=pooling_type.lower(), **kw), cases=[
        Case((1, 7, 7, 2), window_shape=[2, 2], pooling_type="MAX", padding="SAME",
             dilations=[2, 2]),
        Case((1, 7, 7, 2), window_shape=[3, 2], pooling_type="AVG", padding="SAME",
             dilations=[1, 2]),
        Case((1, 6, 5, 2), window_shape=[2, 2], pooling_type="AVG", strides=[2, 2]),
        Case((1, 8, 2), window_shape=[2], pooling_type="MAX", padding="VALID", dilations=[3]),
    ], **_TOL),
]
