"""Numerical gradient checks in float64 along random directions (as Chainer's gradient_check
and JAX's check_grads do): compare <grad f(x), v> with (f(x + eps v) - f(x - eps v)) / 2 eps."""

import numpy as np

from ..core.tape import GradientTape
from ..core.tensor import _wrap


def _as_list(out):
    return list(out) if isinstance(out, (list, tuple)) else [out]


def _objective(fn, weights):
    """Scalar objective sum_i <w_i, out_i>, so every output element is exercised."""
    def f(*tensors):
        outs = _as_list(fn(*tensors))
        total = None
        for o, w in zip(outs, weights):
            if w is None:
                continue
            term = (o * _wrap(w)) if o._value.size else None
            if term is None:
                continue
            from ..ops.math_ops import reduce_sum
            s = reduce_sum(term)
            total = s if total is None else total + s
        return total
    return f


def output_weights(fn, arrays, rng):
    outs = _as_list(fn(*[_wrap(a) for a in arrays]))
    return [rng.standard_normal(o._value.shape) if o._value.dtype.kind == "f" else None
            for o in outs]


def check_gradient(fn, arrays, wrt, rng, eps=1e-6, rtol=1e-4, atol=1e-6):
    """Asserts the first-order gradient of `fn` w.r.t. inputs `wrt` (indices) matches finite
    differences. `arrays` are float64 NumPy inputs. Returns the recorded op names."""
    weights = output_weights(fn, arrays, rng)
    f = _objective(fn, weights)
    xs = [_wrap(a) for a in arrays]
    with GradientTape(persistent=True) as tape:
        for i in wrt:
            tape.watch(xs[i])
        y = f(*xs)
    recorded = {e.op.name for e in tape._entries}
    if y is None:
        return recorded
    grads = tape.gradient(y, [xs[i] for i in wrt])
    dirs = [rng.standard_normal(arrays[i].shape) for i in wrt]
    analytic = sum(float(np.sum((g.numpy() if g is not None else 0.0) * d))
                   for g, d in zip(grads, dirs))
    numeric = _directional(f, arrays, wrt, dirs, eps)
    _assert_close(analytic, numeric, rtol, atol, "first-order gradient")
    return recorded


def check_second_order(fn, arrays, wrt, rng, eps=1e-5, rtol=1e-3, atol=1e-5):
    """Asserts the directional derivative of <grad f, u> (nested tapes) matches finite
    differences of the first-order gradient."""
    weights = output_weights(fn, arrays, rng)
    f = _objective(fn, weights)
    us = [rng.standard_normal(arrays[i].shape) for i in wrt]

    def g(*tensors):
        with GradientTape() as inner:
            for i in wrt:
                inner.watch(tensors[i])
            y = f(*tensors)
        if y is None:  # empty output: the objective is identically zero
            return None
        grads = inner.gradient(y, [tensors[i] for i in wrt])
        total = None
        from ..ops.math_ops import reduce_sum
        for gr, u in zip(grads, us):
            if gr is None:
                continue
            s = reduce_sum(gr * _wrap(u))
            total = s if total is None else total + s
        return total

    xs = [_wrap(a) for a in arrays]
    with GradientTape() as outer:
        for i in wrt:
            outer.watch(xs[i])
        val = g(*xs)
    if val is None:
        return
    grads = outer.gradient(val, [xs[i] for i in wrt])
    dirs = [rng.standard_normal(arrays[i].shape) for i in wrt]
    analytic = sum(float(np.sum((gg.numpy() if gg is not None else 0.0) * d))
                   for gg, d in zip(grads, dirs))
    numeric = _directional(g, arrays, wrt, dirs, eps)
    _assert_close(analytic, numeric, rtol, atol, "second-order gradient")


def _directional(f, arrays, wrt, dirs, eps):
    def at(sign):
        shifted = list(arrays)
        for i, d in zip(wrt, dirs):
            shifted[i] = arrays[i] + sign * eps * d
        out = f(*[_wrap(a) for a in shifted])
        return 0.0 if out is None else float(out.numpy())
    return (at(1) - at(-1)) / (2 * eps)


def _assert_close(analytic, numeric, rtol, atol, what):
    if not np.isclose(analytic, numeric, rtol=rtol, atol=atol):
        raise AssertionError(f"{what} mismatch: analytic {analytic!r} vs numeric {numeric!r}")


def tape_gradients(fn, *values):
    """Converts `values` to tensors, watches them, and returns d fn(*tensors) / d each (the
    Tensors, or None where unconnected)."""
    from ..ops.array_ops import constant
    xs = [constant(v) for v in values]
    with GradientTape() as tape:
        for x in xs:
            tape.watch(x)
        y = fn(*xs)
    return tape.gradient(y, xs)
