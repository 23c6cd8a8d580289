"""Elementwise math, comparisons, logic, reductions and scans (`tf.math`).

Each primitive is one `register_op` entry next to its public function; gradient rules are
written with flowgrad ops so that tapes can differentiate them again.
"""

import math as _pymath

import numpy as np

from .. import dtypes as _dtypes
from ..core.dispatch import execute
from ..core.registry import FLOAT_KINDS, INT_KINDS, NUMERIC_KINDS, REAL_FLOAT_KINDS, register_op
from ..core.tensor import Tensor, _wrap
from ..errors import InvalidArgumentError
from . import array_ops
from ._common import binary_operands, normalize_axis, to_tensor

_pyabs, _pyround, _pymax, _pymin = abs, round, max, min


# -- broadcasting gradients -------------------------------------------------------------------------
def unbroadcast(g, shape):
    """Sums `g` down to `shape`: the gradient step that undoes broadcasting."""
    gs = g._value.shape
    shape = tuple(shape)
    if gs == shape:
        return g
    lead = len(gs) - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, d in enumerate(shape) if d == 1 and gs[i + lead] != 1)
    if axes:
        g = reduce_sum(g, axis=axes, keepdims=True)
    return array_ops.reshape(g, shape)


def _shape(t):
    return t._value.shape


def _binary_grad(fx, fy):
    """Builds a broadcasting binary gradient from per-input rules fx(e, dy), fy(e, dy)."""
    def grad(e, dy):
        x, y = e.inputs
        nx, ny = e.needs_grad
        return (unbroadcast(fx(e, dy), _shape(x)) if nx else None,
                unbroadcast(fy(e, dy), _shape(y)) if ny else None)
    return grad


def _binary(op, x, y):
    x, y = binary_operands(x, y, op.name)
    return execute(op, (x, y))


# -- arithmetic -----------------------------------------------------------------------------------
ADD = register_op("AddV2", lambda xp, x, y: xp.add(x, y), kinds=NUMERIC_KINDS,
                  grad=_binary_grad(lambda e, dy: dy, lambda e, dy: dy))
SUB = register_op("Sub", lambda xp, x, y: xp.subtract(x, y), kinds=NUMERIC_KINDS,
                  grad=_binary_grad(lambda e, dy: dy, lambda e, dy: negative(dy)))
MUL = register_op("Mul", lambda xp, x, y: xp.multiply(x, y), kinds=NUMERIC_KINDS + "b",
                  grad=_binary_grad(lambda e, dy: dy * e.inputs[1], lambda e, dy: dy * e.inputs[0]))


REAL_DIV = register_op(
    "RealDiv", lambda xp, x, y: xp.true_divide(x, y), kinds=FLOAT_KINDS,
    grad=_binary_grad(lambda e, dy: dy / e.inputs[1],
                      lambda e, dy: negative(dy) * e.inputs[0] / square(e.inputs[1])))
FLOOR_DIV = register_op("FloorDiv", lambda xp, x, y: xp.floor_divide(x, y), kinds=NUMERIC_KINDS,
                        differentiable=False)
FLOOR_MOD = register_op(
    "FloorMod", lambda xp, x, y: xp.mod(x, y), kinds=NUMERIC_KINDS,
    grad=_binary_grad(lambda e, dy: dy,
                      lambda e, dy: negative(dy) * floor(e.inputs[0] / e.inputs[1])))


def _pow_grad_y(e, dy):
    x, _ = e.inputs
    safe_x = where(x > 0, x, ones_like_(x))
    return dy * where(x > 0, e.outputs[0] * log(safe_x), zeros_like_(x))


POW = register_op(
    "Pow", lambda xp, x, y: xp.power(x, y), kinds=NUMERIC_KINDS,
    grad=_binary_grad(lambda e, dy: dy * e.inputs[1] * pow(e.inputs[0], e.inputs[1] - 1),
                      _pow_grad_y))


def _max_grad_x(e, dy):
    x, y = e.inputs
    return where(greater_equal(x, y), dy, zeros_like_(dy))


def _max_grad_y(e, dy):
    x, y = e.inputs
    return where(greater_equal(x, y), zeros_like_(dy), dy)


def _min_grad_x(e, dy):
    x, y = e.inputs
    return where(less_equal(x, y), dy, zeros_like_(dy))


def _min_grad_y(e, dy):
    x, y = e.inputs
    return where(less_equal(x, y), zeros_like_(dy), dy)


MAXIMUM = register_op("Maximum", lambda xp, x, y: xp.maximum(x, y), kinds=NUMERIC_KINDS,
                      grad=_binary_grad(_max_grad_x, _max_grad_y))
MINIMUM = register_op("Minimum", lambda xp, x, y: xp.minimum(x, y), kinds=NUMERIC_KINDS,
                      grad=_binary_grad(_min_grad_x, _min_grad_y))
ATAN2 = register_op(
    "Atan2", lambda xp, y, x: xp.arctan2(y, x), kinds=REAL_FLOAT_KINDS,
    grad=_binary_grad(
        lambda e, dy: dy * e.inputs[1] / (square(e.inputs[0]) + square(e.inputs[1])),
        lambda e, dy: negative(dy) * e.inputs[0] / (square(e.inputs[0]) + square(e.inputs[1]))))


def _div_no_nan_kernel(xp, x, y):
    safe = xp.where(y == 0, xp.ones_like(y), y)
    return xp.where(y == 0, xp.zeros_like(x * y), x / safe)


DIV_NO_NAN = register_op(
    "DivNoNan", _div_no_nan_kernel, kinds=FLOAT_KINDS,
    grad=_binary_grad(lambda e, dy: div_no_nan(dy, e.inputs[1]),
                      lambda e, dy: div_no_nan(negative(dy) * e.inputs[0], square(e.inputs[1]))))


def add(x, y, name=None):
    """x + y elementwise, with broadcasting (`tf.add`)."""
    if type(x) is Tensor and type(y) is Tensor and x._value.dtype == y._value.dtype:
        return execute(ADD, (x, y))
    return _binary(ADD, x, y)


def subtract(x, y, name=None):
    """x - y elementwise (`tf.subtract`)."""
    return _binary(SUB, x, y)


def multiply(x, y, name=None):
    """x * y elementwise (`tf.multiply`)."""
    if type(x) is Tensor and type(y) is Tensor and x._value.dtype == y._value.dtype:
        return execute(MUL, (x, y))
    return _binary(MUL, x, y)


def truediv(x, y, name=None):
    """x / y; integer inputs are converted to floating point first, as TF does
    (int8/int16/uint8 -> float32, int32/int64 -> float64)."""
    x, y = binary_operands(x, y, "RealDiv")
    if x.dtype.is_integer:
        target = _dtypes.float32 if x.dtype.size <= 2 else _dtypes.float64
        x, y = cast(x, target), cast(y, target)
    elif x.dtype.is_bool:
        raise InvalidArgumentError(None, "RealDiv", "truediv does not accept bool tensors.")
    return execute(REAL_DIV, (x, y))


def divide(x, y, name=None):
    """x / y (`tf.divide`, the `/` operator)."""
    return truediv(x, y)


def floordiv(x, y, name=None):
    """Floor division, rounding toward negative infinity (`//`)."""
    x, y = binary_operands(x, y, "FloorDiv")
    if x.dtype.is_integer and np.any(y._value == 0):
        raise InvalidArgumentError(None, "FloorDiv", "Integer division by zero [Op:FloorDiv]")
    return execute(FLOOR_DIV, (x, y))


def floormod(x, y, name=None):
    """Remainder of floor division; the result has the sign of y (`%`)."""
    x, y = binary_operands(x, y, "FloorMod")
    if x.dtype.is_integer and np.any(y._value == 0):
        raise InvalidArgumentError(None, "FloorMod", "Integer division by zero [Op:FloorMod]")
    return execute(FLOOR_MOD, (x, y))


mod = floormod


def pow(x, y, name=None):  # noqa: A001 - tf.pow
    """x ** y elementwise (`tf.pow`)."""
    x, y = binary_operands(x, y, "Pow")
    if x.dtype.is_integer and np.any(y._value < 0):
        raise InvalidArgumentError(None, "Pow", "Integers to negative integer powers are not "
                                   "allowed [Op:Pow]; cast to float first.")
    return execute(POW, (x, y))


def maximum(x, y, name=None):
    """Elementwise max (`tf.maximum`); the gradient goes to x where x >= y."""
    return _binary(MAXIMUM, x, y)


def minimum(x, y, name=None):
    """Elementwise min (`tf.minimum`); the gradient goes to x where x <= y."""
    return _binary(MINIMUM, x, y)


def squared_difference(x, y, name=None):
    """(x - y) ** 2 elementwise."""
    return square(subtract(x, y))


def atan2(y, x, name=None):
    """Elementwise arctangent of y / x, using the signs of both."""
    return _binary(ATAN2, y, x)


def divide_no_nan(x, y, name=None):
    """x / y, but 0 where y is 0."""
    return _binary(DIV_NO_NAN, x, y)


div_no_nan = divide_no_nan


def add_n(inputs, name=None):
    """Adds a list of same-shape, same-dtype tensors."""
    if not inputs:
        raise ValueError("add_n needs at least one tensor.")
    ts = [to_tensor(t) for t in inputs]
    s0 = ts[0]._value.shape
    for i, t in enumerate(ts):
        if t._value.shape != s0:
            raise InvalidArgumentError(
                None, "AddN", f"add_n: all inputs must have the same shape; input 0 has "
                f"{list(s0)} and input {i} has {list(t._value.shape)}. [Op:AddN]")
    out = ts[0]
    for t in ts[1:]:
        out = add(out, t)
    return out if len(ts) > 1 else array_ops.identity(out)


def scalar_mul(scalar, x, name=None):
    return multiply(x, scalar)


# -- unary elementwise ------------------------------------------------------------------------------
def _unary(name, kernel, grad, kinds=FLOAT_KINDS, differentiable=True):
    op = register_op(name, kernel, grad=grad, kinds=kinds, differentiable=differentiable)

    def fn(x, name=None):
        return execute(op, (to_tensor(x),))
    return op, fn


def _erf_kernel(xp, x):
    try:
        from scipy.special import erf
    except ImportError:  # exact but slower: the standard library's erf, elementwise
        erf = np.vectorize(_pymath.erf, otypes=[x.dtype])
    return erf(x).astype(x.dtype)


def _e(f):
    """Adapts a rule written as f(x, y, dy) (input, output, upstream) to the tape's form."""
    return lambda e, dy: (f(e.inputs[0], e.outputs[0], dy),)


NEG, negative = _unary("Neg", lambda xp, x: xp.negative(x), _e(lambda x, y, dy: negative(dy)),
                       kinds=NUMERIC_KINDS)
ABS, abs = _unary("Abs", lambda xp, x: xp.abs(x), _e(lambda x, y, dy: dy * sign(x)),  # noqa: A001
                  kinds=NUMERIC_KINDS)
SIGN, sign = _unary("Sign", lambda xp, x: xp.sign(x), None, kinds=NUMERIC_KINDS,
                    differentiable=False)
SQUARE, square = _unary("Square", lambda xp, x: xp.square(x),
                        _e(lambda x, y, dy: dy * (x * 2)), kinds=NUMERIC_KINDS)
SQRT, sqrt = _unary("Sqrt", lambda xp, x: xp.sqrt(x), _e(lambda x, y, dy: dy * 0.5 / y))
RSQRT, rsqrt = _unary("Rsqrt", lambda xp, x: 1 / xp.sqrt(x),
                      _e(lambda x, y, dy: dy * -0.5 * y * y * y))
EXP, exp = _unary("Exp", lambda xp, x: xp.exp(x), _e(lambda x, y, dy: dy * y))
EXPM1, expm1 = _unary("Expm1", lambda xp, x: xp.expm1(x), _e(lambda x, y, dy: dy * (y + 1)))
LOG, log = _unary("Log", lambda xp, x: xp.log(x), _e(lambda x, y, dy: dy / x))
LOG1P, log1p = _unary("Log1p", lambda xp, x: xp.log1p(x), _e(lambda x, y, dy: dy / (x + 1)))
RECIPROCAL, reciprocal = _unary("Reciprocal", lambda xp, x: 1 / x,
                                _e(lambda x, y, dy: negative(dy) * y * y))
SIN, sin = _unary("Sin", lambda xp, x: xp.sin(x), _e(lambda x, y, dy: dy * cos(x)))
COS, cos = _unary("Cos", lambda xp, x: xp.cos(x), _e(lambda x, y, dy: negative(dy) * sin(x)))
TAN, tan = _unary("Tan", lambda xp, x: xp.tan(x), _e(lambda x, y, dy: dy * (square(y) + 1)))
ASIN, asin = _unary("Asin", lambda xp, x: xp.arcsin(x),
                    _e(lambda x, y, dy: dy * rsqrt(1 - square(x))))
ACOS, acos = _unary("Acos", lambda xp, x: xp.arccos(x),
                    _e(lambda x, y, dy: negative(dy) * rsqrt(1 - square(x))))
ATAN, atan = _unary("Atan", lambda xp, x: xp.arctan(x),
                    _e(lambda x, y, dy: dy / (square(x) + 1)))
SINH, sinh = _unary("Sinh", lambda xp, x: xp.sinh(x), _e(lambda x, y, dy: dy * cosh(x)))
COSH, cosh = _unary("Cosh", lambda xp, x: xp.cosh(x), _e(lambda x, y, dy: dy * sinh(x)))
TANH, tanh = _unary("Tanh", lambda xp, x: xp.tanh(x), _e(lambda x, y, dy: dy * (1 - square(y))))


def _sigmoid_kernel(xp, x):
    # exp(-|x|) never overflows; both branches are exact.
    z = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + z), z / (1 + z)).astype(x.dtype, copy=False)


SIGMOID, sigmoid = _unary("Sigmoid", _sigmoid_kernel, _e(lambda x, y, dy: dy * y * (1 - y)),
                          kinds=REAL_FLOAT_KINDS)
ERF, erf = _unary("Erf", _erf_kernel,
                  _e(lambda x, y, dy: dy * (2 / _pymath.sqrt(_pymath.pi)) * exp(negative(square(x)))),
                  kinds=REAL_FLOAT_KINDS)
FLOOR, floor = _unary("Floor", lambda xp, x: xp.floor(x), None, kinds=REAL_FLOAT_KINDS,
                      differentiable=False)
CEIL, ceil = _unary("Ceil", lambda xp, x: xp.ceil(x), None, kinds=REAL_FLOAT_KINDS,
                    differentiable=False)
ROUND, round = _unary("Round", lambda xp, x: xp.round(x), None,  # noqa: A001 - banker's, as TF
                      kinds=NUMERIC_KINDS, differentiable=False)
CONJ, conj = _unary("Conj", lambda xp, x: xp.conj(x), _e(lambda x, y, dy: conj(dy)))
REAL, real = _unary("Real", lambda xp, x: xp.real(x), _e(lambda x, y, dy: cast(dy, x.dtype)),
                    kinds=FLOAT_KINDS)
IS_NAN, is_nan = _unary("IsNan", lambda xp, x: xp.isnan(x), None, kinds=REAL_FLOAT_KINDS,
                        differentiable=False)
IS_INF, is_inf = _unary("IsInf", lambda xp, x: xp.isinf(x), None, kinds=REAL_FLOAT_KINDS,
                        differentiable=False)
IS_FINITE, is_finite = _unary("IsFinite", lambda xp, x: xp.isfinite(x), None,
                              kinds=REAL_FLOAT_KINDS, differentiable=False)
LOGICAL_NOT, logical_not = _unary("LogicalNot", lambda xp, x: xp.logical_not(x), None,
                                  kinds="b", differentiable=False)
INVERT, invert = _unary("Invert", lambda xp, x: xp.invert(x), None, kinds=INT_KINDS,
                        differentiable=False)


def reciprocal_no_nan(x, name=None):
    """1 / x, but 0 where x is 0."""
    x = to_tensor(x)
    return divide_no_nan(ones_like_(x), x)


def ones_like_(t):
    return array_ops.ones_like(t)


def zeros_like_(t):
    return array_ops.zeros_like(t)


# -- comparison and logic (no gradients) ----------------------------------------------------------
def _compare(name, kernel):
    op = register_op(name, kernel, differentiable=False)

    def fn(x, y, name=None):
        return _binary(op, x, y)
    return op, fn


EQUAL, equal = _compare("Equal", lambda xp, x, y: xp.equal(x, y))
NOT_EQUAL, not_equal = _compare("NotEqual", lambda xp, x, y: xp.not_equal(x, y))
LESS, less = _compare("Less", lambda xp, x, y: xp.less(x, y))
LESS_EQUAL, less_equal = _compare("LessEqual", lambda xp, x, y: xp.less_equal(x, y))
GREATER, greater = _compare("Greater", lambda xp, x, y: xp.greater(x, y))
GREATER_EQUAL, greater_equal = _compare("GreaterEqual", lambda xp, x, y: xp.greater_equal(x, y))


def _logical(name, kernel):
    op = register_op(name, kernel, differentiable=False, kinds="b")

    def fn(x, y, name=None):
        return _binary(op, x, y)
    return op, fn


LOGICAL_AND, logical_and = _logical("LogicalAnd", lambda xp, x, y: xp.logical_and(x, y))
LOGICAL_OR, logical_or = _logical("LogicalOr", lambda xp, x, y: xp.logical_or(x, y))
LOGICAL_XOR, logical_xor = _logical("LogicalXor", lambda xp, x, y: xp.logical_xor(x, y))


def _bitwise(name, kernel):
    op = register_op(name, kernel, differentiable=False, kinds=INT_KINDS)

    def fn(x, y, name=None):
        return _binary(op, x, y)
    return op, fn


BITWISE_AND, bitwise_and = _bitwise("BitwiseAnd", lambda xp, x, y: xp.bitwise_and(x, y))
BITWISE_OR, bitwise_or = _bitwise("BitwiseOr", lambda xp, x, y: xp.bitwise_or(x, y))
BITWISE_XOR, bitwise_xor = _bitwise("BitwiseXor", lambda xp, x, y: xp.bitwise_xor(x, y))


# -- where, clip, cast ------------------------------------------------------------------------------
def _select_grad(e, dy):
    c, x, y = e.inputs
    _, nx, ny = e.needs_grad
    z = zeros_like_(dy)
    return (None,
            unbroadcast(where(c, dy, z), _shape(x)) if nx else None,
            unbroadcast(where(c, z, dy), _shape(y)) if ny else None)


SELECT = register_op("SelectV2", lambda xp, c, x, y: xp.where(c, x, y), grad=_select_grad)
WHERE_INDICES = register_op(
    "Where", lambda xp, c: xp.stack(xp.nonzero(c), axis=-1).astype(xp.int64)
    if c.ndim else xp.zeros((int(bool(c)), 0), dtype=xp.int64), differentiable=False)


def where(condition, x=None, y=None, name=None):
    """Selects from x where condition is true, else from y, with broadcasting (`tf.where`).

    With only `condition`, returns the int64 coordinates of its true elements, shape [n, rank].
    """
    c = to_tensor(condition)
    if not c.dtype.is_bool:
        raise InvalidArgumentError(None, "SelectV2", f"where: condition must be a bool tensor, "
                                   f"got {c.dtype.name}. Compare first, e.g. tf.where(x > 0, ...).")
    if x is None and y is None:
        return execute(WHERE_INDICES, (c,))
    if x is None or y is None:
        raise ValueError("where: give both x and y, or neither.")
    x, y = binary_operands(x, y, "SelectV2")
    return execute(SELECT, (c, x, y))


def clip_by_value(t, clip_value_min, clip_value_max, name=None):
    """Clips values to [clip_value_min, clip_value_max] (`tf.clip_by_value`)."""
    t = to_tensor(t)
    lo = to_tensor(clip_value_min, dtype=t.dtype if not isinstance(clip_value_min, Tensor) else None)
    hi = to_tensor(clip_value_max, dtype=t.dtype if not isinstance(clip_value_max, Tensor) else None)
    return minimum(maximum(t, lo), hi)


def _cast_kernel(xp, x, dtype):
    if dtype.kind in "iu" and x.dtype.kind in "fc":
        x = xp.trunc(xp.real(x) if x.dtype.kind == "c" else x)  # TF truncates toward zero
    elif dtype.kind not in "c" and x.dtype.kind == "c":
        x = xp.real(x)
    return x.astype(dtype)


def _cast_grad(e, dy):
    src = e.inputs[0]
    if src._value.dtype.kind not in "fc":
        return (None,)
    return (cast(dy, src.dtype),)


CAST = register_op("Cast", _cast_kernel, grad=_cast_grad)


def cast(x, dtype, name=None):
    """Casts to `dtype`; float -> int truncates toward zero, as TensorFlow does."""
    target = _dtypes.as_dtype(dtype)
    if isinstance(x, Tensor) or hasattr(x, "_is_variable"):
        t = to_tensor(x)
    else:
        t = to_tensor(x)
        if t._value.dtype.kind == "f" and target._np.kind == "f":
            return _wrap(np.asarray(np.asarray(x), dtype=target._np))
    if t._value.dtype == target._np:
        return t
    return execute(CAST, (t,), {"dtype": target._np})


def saturate_cast(value, dtype, name=None):
    """Casts, clipping to the target dtype's range first."""
    t = to_tensor(value)
    d = _dtypes.as_dtype(dtype)
    if d.is_integer or d.is_floating:
        lo, hi = d.min, d.max
        if t.dtype.is_floating:
            t = clip_by_value(t, _pymax(lo, t.dtype.min), _pymin(hi, t.dtype.max))
    return cast(t, d)


# -- reductions -----------------------------------------------------------------------------------
def _keep_shape(shape, axis):
    return tuple(1 if (axis is None or i in axis) else d for i, d in enumerate(shape))


def _sum_kernel(xp, x, axis, keepdims):
    return xp.asarray(xp.sum(x, axis=axis, keepdims=keepdims, dtype=x.dtype))


def _reduce_grad_broadcast(e, dy):
    shape = _shape(e.inputs[0])
    axis = e.attrs["axis"]
    if not e.attrs["keepdims"]:
        dy = array_ops.reshape(dy, _keep_shape(shape, axis))
    return array_ops.broadcast_to(dy, shape)


def _mean_kernel(xp, x, axis, keepdims):
    if x.dtype.kind in "iu":
        s = xp.sum(x, axis=axis, keepdims=keepdims, dtype=xp.int64)
        n = x.size // _pymax(s.size, 1) if x.size else 1
        return xp.asarray(xp.trunc(s / _pymax(n, 1))).astype(x.dtype)
    return xp.asarray(xp.mean(x, axis=axis, keepdims=keepdims, dtype=x.dtype))


def _mean_grad(e, dy):
    x = e.inputs[0]
    n = x._value.size // _pymax(e.outputs[0]._value.size, 1)
    return (_reduce_grad_broadcast(e, dy) / _pymax(n, 1),)


def _extreme_grad(e, dy):
    x, y = e.inputs[0], e.outputs[0]
    shape = _shape(x)
    axis = e.attrs["axis"]
    if not e.attrs["keepdims"]:
        y = array_ops.reshape(y, _keep_shape(shape, axis))
        dy = array_ops.reshape(dy, _keep_shape(shape, axis))
    mask = cast(equal(x, y), x.dtype)
    count = reduce_sum(mask, axis=axis, keepdims=True)  # ties share the gradient, as in TF
    return (mask * dy / count,)


def _prod_grad(e, dy):
    # Exclusive products from both sides avoid dividing by zero elements.
    x = e.inputs[0]
    shape = _shape(x)
    axis = e.attrs["axis"]
    axes = tuple(range(len(shape))) if axis is None else axis
    if not axes:
        return (dy,)
    rest = [i for i in range(len(shape)) if i not in axes]
    perm = tuple(rest) + tuple(axes)
    xt = array_ops.transpose(x, perm)
    tshape = _shape(xt)
    n_rest = int(np.prod([shape[i] for i in rest])) if rest else 1
    flat = array_ops.reshape(xt, (n_rest, -1))
    left = cumprod(flat, axis=1, exclusive=True)
    right = cumprod(flat, axis=1, exclusive=True, reverse=True)
    dyb = _reduce_grad_broadcast(e, dy)
    g = array_ops.reshape(left * right, tshape)
    g = array_ops.transpose(g, tuple(np.argsort(perm)))
    return (g * dyb,)


SUM = register_op("Sum", _sum_kernel, kinds=NUMERIC_KINDS,
                  grad=lambda e, dy: (_reduce_grad_broadcast(e, dy),))
MEAN = register_op("Mean", _mean_kernel, kinds=NUMERIC_KINDS, grad=_mean_grad)
MAX = register_op("Max", lambda xp, x, axis, keepdims: xp.asarray(
    xp.max(x, axis=axis, keepdims=keepdims)), kinds=NUMERIC_KINDS, grad=_extreme_grad)
MIN = register_op("Min", lambda xp, x, axis, keepdims: xp.asarray(
    xp.min(x, axis=axis, keepdims=keepdims)), kinds=NUMERIC_KINDS, grad=_extreme_grad)
PROD = register_op("Prod", lambda xp, x, axis, keepdims: xp.asarray(
    xp.prod(x, axis=axis, keepdims=keepdims, dtype=x.dtype)), kinds=NUMERIC_KINDS, grad=_prod_grad)
ANY = register_op("Any", lambda xp, x, axis, keepdims: xp.asarray(
    xp.any(x, axis=axis, keepdims=keepdims)), kinds="b", differentiable=False)
ALL = register_op("All", lambda xp, x, axis, keepdims: xp.asarray(
    xp.all(x, axis=axis, keepdims=keepdims)), kinds="b", differentiable=False)


def _reduce(op, input_tensor, axis, keepdims):
    t = to_tensor(input_tensor)
    ax = normalize_axis(axis, t._value.ndim, op.name)
    if t._value.ndim == 0:
        ax = None
    if op is MAX or op is MIN:
        sizes = t._value.shape if ax is None else [t._value.shape[a] for a in ax]
        if any(s == 0 for s in sizes):
            ident = t.dtype.min if op is MAX else t.dtype.max
            shape = _keep_shape(t._value.shape, ax) if keepdims else tuple(
                d for i, d in enumerate(t._value.shape) if ax is not None and i not in ax)
            return array_ops.fill(shape, cast(ident, t.dtype))
    return execute(op, (t,), {"axis": ax, "keepdims": bool(keepdims)})


def reduce_sum(input_tensor, axis=None, keepdims=False, name=None):
    """Sum over `axis` (all axes by default) (`tf.reduce_sum`)."""
    return _reduce(SUM, input_tensor, axis, keepdims)


def reduce_mean(input_tensor, axis=None, keepdims=False, name=None):
    """Mean over `axis`; integer inputs give an integer (truncated) mean, as in TF."""
    return _reduce(MEAN, input_tensor, axis, keepdims)


def reduce_max(input_tensor, axis=None, keepdims=False, name=None):
    """Max over `axis`; ties share the gradient equally."""
    return _reduce(MAX, input_tensor, axis, keepdims)


def reduce_min(input_tensor, axis=None, keepdims=False, name=None):
    return _reduce(MIN, input_tensor, axis, keepdims)


def reduce_prod(input_tensor, axis=None, keepdims=False, name=None):
    return _reduce(PROD, input_tensor, axis, keepdims)


def reduce_any(input_tensor, axis=None, keepdims=False, name=None):
    return _reduce(ANY, input_tensor, axis, keepdims)


def reduce_all(input_tensor, axis=None, keepdims=False, name=None):
    return _reduce(ALL, input_tensor, axis, keepdims)


def reduce_logsumexp(input_tensor, axis=None, keepdims=False, name=None):
    """log(sum(exp(x))) over `axis`, computed stably."""
    t = to_tensor(input_tensor)
    m = array_ops.stop_gradient(reduce_max(t, axis=axis, keepdims=True))
    m = where(is_finite(m), m, zeros_like_(m))
    out = log(reduce_sum(exp(t - m), axis=axis, keepdims=True)) + m
    if not keepdims:
        ax = normalize_axis(axis, t._value.ndim, "ReduceLogSumExp")
        out = array_ops.reshape(out, tuple(d for i, d in enumerate(_shape(t))
                                           if ax is not None and i not in ax))
    return out


def reduce_variance(input_tensor, axis=None, keepdims=False, name=None):
    """Population variance over `axis` (`tf.math.reduce_variance`)."""
    t = to_tensor(input_tensor)
    if not t.dtype.is_floating:
        raise InvalidArgumentError(None, "reduce_variance", f"reduce_variance needs a floating "
                                   f"input, got {t.dtype.name}.")
    mu = reduce_mean(t, axis=axis, keepdims=True)
    return reduce_mean(square(t - mu), axis=axis, keepdims=keepdims)


def reduce_std(input_tensor, axis=None, keepdims=False, name=None):
    """Population standard deviation over `axis`."""
    return sqrt(reduce_variance(input_tensor, axis=axis, keepdims=keepdims))


def reduce_euclidean_norm(input_tensor, axis=None, keepdims=False, name=None):
    return sqrt(reduce_sum(square(to_tensor(input_tensor)), axis=axis, keepdims=keepdims))


def count_nonzero(input, axis=None, keepdims=False, dtype=_dtypes.int64, name=None):  # noqa: A002
    """Counts the non-zero elements along `axis` (int64 by default)."""
    t = to_tensor(input)
    nz = cast(not_equal(t, zeros_like_(t)), _dtypes.int64)
    return cast(reduce_sum(nz, axis=axis, keepdims=keepdims), dtype)


ARGMAX = register_op("ArgMax", lambda xp, x, axis, dtype: xp.argmax(x, axis=axis).astype(dtype),
                     kinds=NUMERIC_KINDS, differentiable=False)
ARGMIN = register_op("ArgMin", lambda xp, x, axis, dtype: xp.argmin(x, axis=axis).astype(dtype),
                     kinds=NUMERIC_KINDS, differentiable=False)


def _arg(op, input, axis, output_type):
    t = to_tensor(input)
    axis = 0 if axis is None else axis
    ax = normalize_axis(axis, t._value.ndim, op.name)[0]
    if t._value.shape[ax] == 0:
        raise InvalidArgumentError(None, op.name, f"{op.name}: reduction dimension {ax} is empty "
                                   f"(input shape {list(t._value.shape)}). [Op:{op.name}]")
    return execute(op, (t,), {"axis": ax, "dtype": _dtypes.as_dtype(output_type)._np})


def argmax(input, axis=None, output_type=_dtypes.int64, name=None):  # noqa: A002
    """Index of the largest value along `axis` (default 0), as int64 (`tf.argmax`)."""
    return _arg(ARGMAX, input, axis, output_type)


def argmin(input, axis=None, output_type=_dtypes.int64, name=None):  # noqa: A002
    return _arg(ARGMIN, input, axis, output_type)


# -- scans ----------------------------------------------------------------------------------------
def _scan_kernel(fn):
    def k(xp, x, axis, exclusive, reverse):
        if reverse:
            x = xp.flip(x, axis)
        out = fn(xp, x, axis)
        if exclusive:
            ident = 0 if fn is _np_cumsum else 1
            pad = [(0, 0)] * x.ndim
            pad[axis] = (1, 0)
            out = xp.pad(out, pad, constant_values=ident)
            out = xp.take(out, xp.arange(x.shape[axis]), axis=axis)
        if reverse:
            out = xp.flip(out, axis)
        return xp.ascontiguousarray(out)
    return k


def _np_cumsum(xp, x, axis):
    return xp.cumsum(x, axis=axis, dtype=x.dtype)


def _np_cumprod(xp, x, axis):
    return xp.cumprod(x, axis=axis, dtype=x.dtype)


def _cumsum_grad(e, dy):
    a = e.attrs
    return (cumsum(dy, axis=a["axis"], exclusive=a["exclusive"], reverse=not a["reverse"]),)


def _cumprod_grad(e, dy):
    # As TensorFlow: correct where the input has no zeros.
    a = e.attrs
    x, y = e.inputs[0], e.outputs[0]
    s = cumsum(y * dy, axis=a["axis"], exclusive=a["exclusive"], reverse=not a["reverse"])
    return (div_no_nan(s, x),)


CUMSUM = register_op("Cumsum", _scan_kernel(_np_cumsum), kinds=NUMERIC_KINDS, grad=_cumsum_grad)
CUMPROD = register_op("Cumprod", _scan_kernel(_np_cumprod), kinds=NUMERIC_KINDS,
                      grad=_cumprod_grad)


def _scan(op, x, axis, exclusive, reverse):
    t = to_tensor(x)
    if t._value.ndim == 0:
        raise InvalidArgumentError(None, op.name, f"{op.name} needs a tensor of rank >= 1.")
    ax = normalize_axis(axis, t._value.ndim, op.name)[0]
    return execute(op, (t,), {"axis": ax, "exclusive": bool(exclusive), "reverse": bool(reverse)})


def cumsum(x, axis=0, exclusive=False, reverse=False, name=None):
    """Cumulative sum along `axis` (`tf.math.cumsum`), optionally exclusive and/or reversed."""
    return _scan(CUMSUM, x, axis, exclusive, reverse)


def cumprod(x, axis=0, exclusive=False, reverse=False, name=None):
    """Cumulative product along `axis` (`tf.math.cumprod`)."""
    return _scan(CUMPROD, x, axis, exclusive, reverse)


# -- top_k, bincount ------------------------------------------------------------------------------
def _top_k_kernel(xp, x, k, sorted):
    # Stable sort on -x: ties keep the lower index first, as TensorFlow does.
    idx = xp.argsort(-x if x.dtype.kind != "u" else x.max() - x, axis=-1, kind="stable")[..., :k]
    return xp.take_along_axis(x, idx, axis=-1), idx.astype(xp.int32)


def _top_k_grad(e, dvalues, dindices):
    x = e.inputs[0]
    idx = e.outputs[1]
    from . import indexing_ops
    return (indexing_ops.put_along_last_axis(dvalues, idx, _shape(x)),)


TOP_K = register_op("TopKV2", _top_k_kernel, num_outputs=2, kinds=NUMERIC_KINDS, grad=_top_k_grad)


def top_k(input, k=1, sorted=True, index_type=_dtypes.int32, name=None):  # noqa: A002
    """The k largest entries along the last axis and their indices (`tf.math.top_k`).

    Returns:
        A `(values, indices)` pair.
    """
    t = to_tensor(input)
    if t._value.ndim == 0:
        raise InvalidArgumentError(None, "TopKV2", "top_k needs an input of rank >= 1.")
    k = int(k)
    n = t._value.shape[-1]
    if k < 0 or k > n:
        raise InvalidArgumentError(None, "TopKV2", f"input must have at least k={k} columns; "
                                   f"the last dimension has {n}. [Op:TopKV2]")
    values, indices = execute(TOP_K, (t,), {"k": k, "sorted": bool(sorted)})
    if _dtypes.as_dtype(index_type) != _dtypes.int32:
        indices = cast(indices, index_type)
    return _TopKV2(values, indices)


def _bincount_kernel(xp, arr, weights, minlength, maxlength, dtype):
    flat = arr.ravel()
    n = int(flat.max()) + 1 if flat.size else 0
    if minlength is not None:
        n = _pymax(n, minlength)
    if maxlength is not None:
        n = _pymin(n, maxlength)
        keep = flat < n
        flat = flat[keep]
        if weights is not None:
            weights = weights.ravel()[keep]
    elif weights is not None:
        weights = weights.ravel()
    out = xp.bincount(flat, weights=weights, minlength=n)[:n] if flat.size else xp.zeros(n)
    return out.astype(dtype)


BINCOUNT = register_op("Bincount", lambda xp, arr, minlength, maxlength, dtype:
                       _bincount_kernel(xp, arr, None, minlength, maxlength, dtype),
                       kinds=INT_KINDS, differentiable=False)
BINCOUNT_WEIGHTED = register_op(
    "BincountWeighted", lambda xp, arr, w, minlength, maxlength, dtype:
    _bincount_kernel(xp, arr, w, minlength, maxlength, dtype),
    kinds=INT_KINDS, kind_inputs=1, differentiable=False)


def bincount(arr, weights=None, minlength=None, maxlength=None, dtype=_dtypes.int32, name=None,
             axis=None, binary_output=False):
    """Counts occurrences of each value in a non-negative int tensor (`tf.math.bincount`)."""
    a = to_tensor(arr)
    if a._value.size and a._value.min() < 0:
        raise InvalidArgumentError(None, "Bincount", "bincount: input must be non-negative "
                                   "[Op:Bincount]")
    attrs = {"minlength": minlength, "maxlength": maxlength}
    if weights is not None:
        w = to_tensor(weights)
        if w._value.shape != a._value.shape:
            raise InvalidArgumentError(None, "Bincount", f"bincount: weights shape "
                                       f"{list(w._value.shape)} must equal arr shape "
                                       f"{list(a._value.shape)}.")
        return execute(BINCOUNT_WEIGHTED, (a, w), dict(attrs, dtype=w._value.dtype))
    out = execute(BINCOUNT, (a,), dict(attrs, dtype=_dtypes.as_dtype(dtype)._np))
    if binary_output:
        out = cast(greater(out, zeros_like_(out)), out.dtype)
    return out


class _TopKV2(tuple):
    """(values, indices) with attribute access, as TensorFlow's TopKV2 result."""

    def __new__(cls, values, indices):
        return tuple.__new__(cls, (values, indices))

    values = property(lambda self: self[0])
    indices = property(lambda self: self[1])
