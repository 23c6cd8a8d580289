"""Elementwise math, comparisons, logic, reductions and scans (`tf.math`).

Each primitive is one `register_op` entry next to its public function; gradient rules are
written with flowgrad ops so that tapes can differentiate them again. For complex inputs the
rules follow TensorFlow's convention: the gradient of a holomorphic f is `dy * conj(f'(x))`.
"""

import math as _pymath

import numpy as np

from .. import dtypes as _dtypes
from ..core.convert import convert_to_tensor
from ..core.dispatch import execute
from ..core.registry import (FLOAT_KINDS, INT_KINDS, NUMERIC_KINDS, REAL_FLOAT_KINDS, REAL_KINDS,
                              register_op)
from ..core.tensor import Tensor
from ..errors import InvalidArgumentError
from . import array_ops
from ._common import binary_operands, normalize_axis, to_tensor

_pymax, _pymin = max, min


# -- gradient helpers ------------------------------------------------------------------------------
def unbroadcast(g, shape):
    """Sums `g` down to `shape` (a shape, or a tensor whose shape to use): the gradient step
    that undoes broadcasting. Traced, it reads the shape when the graph runs."""
    if isinstance(shape, Tensor):
        if _traced(g) or _traced(shape):
            return array_ops.sum_to_like(g, shape)
        shape = shape._value.shape
    gs = g._value.shape
    shape = tuple(shape)
    if gs == shape:
        return g
    lead = len(gs) - len(shape)
    inner = tuple(i + lead for i, d in enumerate(shape) if d == 1 and gs[i + lead] != 1)
    if not inner and lead:  # only leading dims to remove (the bias-gradient case): one Sum
        return reduce_sum(g, axis=tuple(range(lead)))
    axes = tuple(range(lead)) + inner
    if axes:
        g = reduce_sum(g, axis=axes, keepdims=True)
    return array_ops.reshape(g, shape)


def _shape(t):
    return t._value.shape


def _traced(t):
    """A traced tensor whose shape is only known at run time (unknown input dims)."""
    return array_ops._poly(t)


def _conj(t):
    """conj(t) for complex tensors, t itself otherwise (no op is run)."""
    return conj(t) if t._value.dtype.kind == "c" else t


def _binary_grad(fx, fy, conjugate=True):
    """A broadcasting binary gradient from per-input rules `f(x, y, z, dy)`, which receive the
    inputs x, y and output z, conjugated when `conjugate` (rules that use them)."""
    def grad(e, dy):
        (x, y), (z,) = e.inputs, e.outputs
        nx, ny = e.needs_grad
        if conjugate:
            x, y, z = _conj(x), _conj(y), _conj(z)
        return (unbroadcast(fx(x, y, z, dy), e.inputs[0]) if nx else None,
                unbroadcast(fy(x, y, z, dy), e.inputs[1]) if ny else None)
    return grad


def _unary_grad(f):
    """A unary gradient from a rule `f(x, y, dy)` on the (conjugated) input x and output y."""
    return lambda e, dy: (f(_conj(e.inputs[0]), _conj(e.outputs[0]), dy),)


def _binary(op, x, y):
    if type(x) is not Tensor or type(y) is not Tensor or x._value.dtype != y._value.dtype:
        x, y = binary_operands(x, y, op.name)
    return execute(op, (x, y))


def _check_nonzero_divisor(x, y, op_name):
    if x.dtype.is_integer and bool((y._value == 0).any()):
        raise InvalidArgumentError(None, op_name, f"Integer division by zero [Op:{op_name}]")


# -- arithmetic -----------------------------------------------------------------------------------
ADD = register_op("AddV2", lambda xp, x, y: xp.add(x, y), kinds=NUMERIC_KINDS,
                  grad=_binary_grad(lambda x, y, z, dy: dy, lambda x, y, z, dy: dy,
                                    conjugate=False))


def add(x, y, name=None):
    """Returns x + y elementwise, with broadcasting (`tf.add`).

    Args:
        x: a Tensor, or a value the other operand's dtype can hold.
        y: a Tensor of the same dtype, or such a value.

    Returns:
        A Tensor of the broadcast shape and the operands' dtype.

    Example:
        >>> import flowgrad as tf
        >>> tf.add(tf.constant([1, 2]), 10).numpy().tolist()
        [11, 12]
    """
    return _binary(ADD, x, y)


SUB = register_op("Sub", lambda xp, x, y: xp.subtract(x, y), kinds=NUMERIC_KINDS,
                  grad=_binary_grad(lambda x, y, z, dy: dy, lambda x, y, z, dy: negative(dy),
                                    conjugate=False))


def subtract(x, y, name=None):
    """Returns x - y elementwise, with broadcasting (`tf.subtract`)."""
    return _binary(SUB, x, y)


MUL = register_op("Mul", lambda xp, x, y: xp.multiply(x, y), kinds=NUMERIC_KINDS,
                  grad=_binary_grad(lambda x, y, z, dy: dy * y, lambda x, y, z, dy: dy * x))


def multiply(x, y, name=None):
    """Returns x * y elementwise, with broadcasting (`tf.multiply`)."""
    return _binary(MUL, x, y)


def scalar_mul(scalar, x, name=None):
    """Multiplies a tensor by a scalar (`tf.math.scalar_mul`).

    Args:
        scalar: a 0-D value, converted to the dtype of `x`.
        x: a Tensor.

    Returns:
        `scalar * x`.

    Raises:
        ValueError: `scalar` is not 0-D.

    Example:
        >>> import flowgrad as tf
        >>> tf.math.scalar_mul(2., tf.constant([1., 2.])).numpy().tolist()
        [2.0, 4.0]
    """
    x = to_tensor(x)
    s = convert_to_tensor(scalar, dtype=x.dtype)
    if s._value.ndim != 0:
        raise ValueError(f"The input scalar must be a 0-D value. Received shape "
                         f"{tuple(s._value.shape)}.")
    return execute(MUL, (s, x))


REAL_DIV = register_op(
    "RealDiv", lambda xp, x, y: xp.true_divide(x, y), kinds=FLOAT_KINDS,
    grad=_binary_grad(lambda x, y, z, dy: dy / y,
                      lambda x, y, z, dy: negative(dy) * x / square(y)))


def truediv(x, y, name=None):
    """Returns x / y; integer inputs are converted to floating point first, as TF does
    (8- and 16-bit integers to float32, wider ones to float64).

    Raises:
        TypeError: the operands are bool.

    Example:
        >>> import flowgrad as tf
        >>> tf.math.truediv(tf.constant([1, 3]), 2).numpy().tolist()
        [0.5, 1.5]
    """
    x, y = binary_operands(x, y, "RealDiv")
    if x.dtype.is_integer:
        target = _dtypes.float32 if x.dtype.size <= 2 else _dtypes.float64
        x, y = cast(x, target), cast(y, target)
    elif not (x.dtype.is_floating or x.dtype.is_complex):
        raise TypeError(f"Invalid dtype {x.dtype!r} in __truediv__: x / y needs numeric "
                        "operands.")
    return execute(REAL_DIV, (x, y))


def divide(x, y, name=None):
    """Returns x / y elementwise (`tf.divide`, the `/` operator); see `truediv`."""
    return truediv(x, y)


FLOOR_DIV = register_op("FloorDiv", lambda xp, x, y: xp.floor_divide(x, y), kinds=REAL_KINDS,
                        differentiable=False)


def floordiv(x, y, name=None):
    """Returns floor(x / y) elementwise, rounding toward negative infinity (`//`).

    Raises:
        InvalidArgumentError: an integer divisor is zero.

    Example:
        >>> import flowgrad as tf
        >>> tf.math.floordiv(tf.constant([7, -7]), 2).numpy().tolist()
        [3, -4]
    """
    x, y = binary_operands(x, y, "FloorDiv")
    _check_nonzero_divisor(x, y, "FloorDiv")
    return execute(FLOOR_DIV, (x, y))


FLOOR_MOD = register_op(
    "FloorMod", lambda xp, x, y: xp.mod(x, y), kinds=REAL_KINDS,
    grad=_binary_grad(lambda x, y, z, dy: dy,
                      lambda x, y, z, dy: negative(dy) * floor(x / y)))


def floormod(x, y, name=None):
    """Returns the remainder of floor division; it has the sign of y (`tf.math.floormod`, `%`).

    Raises:
        InvalidArgumentError: an integer divisor is zero.

    Example:
        >>> import flowgrad as tf
        >>> tf.math.floormod(tf.constant([7, -7]), 3).numpy().tolist()
        [1, 2]
    """
    x, y = binary_operands(x, y, "FloorMod")
    _check_nonzero_divisor(x, y, "FloorMod")
    return execute(FLOOR_MOD, (x, y))


mod = floormod


def _pow_grad_y(x, y, z, dy):
    # log(x) only where it is finite and real; elsewhere the gradient is taken as 0, as TF does.
    mask = not_equal(x, 0) if x.dtype.is_complex else greater(x, 0)
    safe_x = where(mask, x, array_ops.ones_like(x))
    return dy * z * where(mask, log(safe_x), array_ops.zeros_like(x))


POW = register_op(
    "Pow", lambda xp, x, y: xp.power(x, y), kinds=NUMERIC_KINDS,
    grad=_binary_grad(lambda x, y, z, dy: dy * y * pow(x, y - 1), _pow_grad_y))


def pow(x, y, name=None):  # noqa: A001 - tf.pow
    """Returns x ** y elementwise (`tf.pow`).

    Raises:
        InvalidArgumentError: integer operands with a negative exponent.

    Example:
        >>> import flowgrad as tf
        >>> tf.pow(tf.constant([2., 3.]), 2.).numpy().tolist()
        [4.0, 9.0]
    """
    x, y = binary_operands(x, y, "Pow")
    if x.dtype.is_integer and bool((y._value < 0).any()):
        raise InvalidArgumentError(None, "Pow", "Integers to negative integer powers are not "
                                   "allowed [Op:Pow]; cast to float first.")
    return execute(POW, (x, y))


def _selector_grad(select_x):
    """The gradient of max / min: dy goes to x where `select_x(x, y)`, else to y."""
    def to_x(x, y, z, dy):
        return where(select_x(x, y), dy, array_ops.zeros_like(dy))

    def to_y(x, y, z, dy):
        return where(select_x(x, y), array_ops.zeros_like(dy), dy)
    return _binary_grad(to_x, to_y, conjugate=False)


MAXIMUM = register_op("Maximum", lambda xp, x, y: xp.maximum(x, y), kinds=REAL_KINDS,
                      grad=_selector_grad(lambda x, y: greater_equal(x, y)))


def maximum(x, y, name=None):
    """Returns max(x, y) elementwise (`tf.maximum`); on ties the gradient goes to x."""
    return _binary(MAXIMUM, x, y)


MINIMUM = register_op("Minimum", lambda xp, x, y: xp.minimum(x, y), kinds=REAL_KINDS,
                      grad=_selector_grad(lambda x, y: less_equal(x, y)))


def minimum(x, y, name=None):
    """Returns min(x, y) elementwise (`tf.minimum`); on ties the gradient goes to x."""
    return _binary(MINIMUM, x, y)


def squared_difference(x, y, name=None):
    """Returns (x - y) ** 2 elementwise (`tf.math.squared_difference`)."""
    return square(subtract(x, y))


ATAN2 = register_op(
    "Atan2", lambda xp, y, x: xp.arctan2(y, x), kinds=REAL_FLOAT_KINDS,
    grad=_binary_grad(lambda y, x, z, dy: dy * x / (square(x) + square(y)),
                      lambda y, x, z, dy: negative(dy) * y / (square(x) + square(y))))


def atan2(y, x, name=None):
    """Returns the elementwise arctangent of y / x, in (-pi, pi], using the signs of both."""
    return _binary(ATAN2, y, x)


def _div_no_nan_kernel(xp, x, y):
    zero = y == 0
    return xp.where(zero, xp.zeros((), x.dtype), x / xp.where(zero, xp.ones((), y.dtype), y))


DIV_NO_NAN = register_op(
    "DivNoNan", _div_no_nan_kernel, kinds=FLOAT_KINDS,
    grad=_binary_grad(lambda x, y, z, dy: divide_no_nan(dy, y),
                      lambda x, y, z, dy: dy * divide_no_nan(divide_no_nan(negative(x), y), y)))


def divide_no_nan(x, y, name=None):
    """Returns x / y, and 0 wherever y is 0 (`tf.math.divide_no_nan`).

    Example:
        >>> import flowgrad as tf
        >>> tf.math.divide_no_nan(tf.constant([1., 2.]), tf.constant([0., 4.])).numpy().tolist()
        [0.0, 0.5]
    """
    return _binary(DIV_NO_NAN, x, y)


div_no_nan = divide_no_nan


def add_n(inputs, name=None):
    """Adds a list of tensors of the same shape and dtype (`tf.math.add_n`).

    Raises:
        ValueError: `inputs` is not a non-empty list of tensors.
        InvalidArgumentError: the shapes or dtypes differ.
    """
    if isinstance(inputs, Tensor) or hasattr(inputs, "_is_variable") or not inputs:
        raise ValueError("add_n: inputs must be a non-empty list of tensors of the same shape "
                         "and dtype.")
    ts = [to_tensor(t) for t in inputs]
    s0 = ts[0]._value.shape
    for i, t in enumerate(ts):
        if t._value.shape != s0:
            raise InvalidArgumentError(
                None, "AddN", f"add_n: all inputs must have the same shape; input 0 has "
                f"{list(s0)} and input {i} has {list(t._value.shape)}. [Op:AddN]")
    if len(ts) == 1:
        return array_ops.identity(ts[0])
    out = ts[0]
    for t in ts[1:]:
        out = add(out, t)
    return out


# -- unary elementwise -----------------------------------------------------------------------------
def _unary(op_name, fn_name, doc, kernel, grad, kinds=FLOAT_KINDS):
    """Registers a one-input op and returns it with its public function `fn_name(x)`."""
    op = register_op(op_name, kernel, grad=grad, kinds=kinds, differentiable=grad is not None)

    def fn(x, name=None):
        return execute(op, (to_tensor(x),))
    fn.__name__ = fn.__qualname__ = fn_name
    fn.__doc__ = doc
    return op, fn


NEG, negative = _unary("Neg", "negative", "Returns -x elementwise (`tf.math.negative`).",
                       lambda xp, x: xp.negative(x), lambda e, dy: (negative(dy),),
                       kinds=NUMERIC_KINDS)


def _abs_grad(e, dy):
    x = e.inputs[0]
    if x.dtype.is_complex:  # |z| is real; its gradient is dy * z / |z|, as TF's ComplexAbs
        return (cast(dy, x.dtype) * sign(x),)
    return (dy * sign(x),)


ABS, abs = _unary("Abs", "abs",  # noqa: A001 - tf.abs
                  "Returns |x| elementwise; complex inputs give their real magnitudes.",
                  lambda xp, x: xp.abs(x), _abs_grad, kinds=NUMERIC_KINDS)
SIGN, sign = _unary("Sign", "sign", "Returns -1, 0 or 1 by the sign of x (x / |x| if complex); "
                    "its gradient is zero, as in TF.", lambda xp, x: xp.sign(x),
                    lambda e, dy: (array_ops.zeros_like(e.inputs[0]),), kinds=NUMERIC_KINDS)
SQUARE, square = _unary("Square", "square", "Returns x * x elementwise.",
                        lambda xp, x: xp.square(x), _unary_grad(lambda x, y, dy: dy * (x * 2)),
                        kinds=NUMERIC_KINDS)
SQRT, sqrt = _unary("Sqrt", "sqrt", "Returns the square root of x elementwise.",
                    lambda xp, x: xp.sqrt(x), _unary_grad(lambda x, y, dy: dy * 0.5 / y))
RSQRT, rsqrt = _unary("Rsqrt", "rsqrt", "Returns 1 / sqrt(x) elementwise.",
                      lambda xp, x: xp.reciprocal(xp.sqrt(x)),
                      _unary_grad(lambda x, y, dy: dy * -0.5 * y * y * y))
EXP, exp = _unary("Exp", "exp", "Returns e ** x elementwise.", lambda xp, x: xp.exp(x),
                  _unary_grad(lambda x, y, dy: dy * y))
EXPM1, expm1 = _unary("Expm1", "expm1", "Returns e ** x - 1 elementwise, exact for small x.",
                      lambda xp, x: xp.expm1(x), _unary_grad(lambda x, y, dy: dy * (y + 1)))
LOG, log = _unary("Log", "log", "Returns the natural logarithm of x elementwise.",
                  lambda xp, x: xp.log(x), _unary_grad(lambda x, y, dy: dy / x))
LOG1P, log1p = _unary("Log1p", "log1p", "Returns log(1 + x) elementwise, exact for small x.",
                      lambda xp, x: xp.log1p(x), _unary_grad(lambda x, y, dy: dy / (x + 1)))
RECIPROCAL, reciprocal = _unary(
    "Reciprocal", "reciprocal", "Returns 1 / x elementwise.", lambda xp, x: xp.reciprocal(x),
    _unary_grad(lambda x, y, dy: negative(dy) * y * y))
SIN, sin = _unary("Sin", "sin", "Returns sin(x) elementwise.", lambda xp, x: xp.sin(x),
                  _unary_grad(lambda x, y, dy: dy * cos(x)))
COS, cos = _unary("Cos", "cos", "Returns cos(x) elementwise.", lambda xp, x: xp.cos(x),
                  _unary_grad(lambda x, y, dy: negative(dy) * sin(x)))
TAN, tan = _unary("Tan", "tan", "Returns tan(x) elementwise.", lambda xp, x: xp.tan(x),
                  _unary_grad(lambda x, y, dy: dy * (square(y) + 1)))
ASIN, asin = _unary("Asin", "asin", "Returns arcsin(x) elementwise.",
                    lambda xp, x: xp.arcsin(x),
                    _unary_grad(lambda x, y, dy: dy * rsqrt(1 - square(x))))
ACOS, acos = _unary("Acos", "acos", "Returns arccos(x) elementwise.",
                    lambda xp, x: xp.arccos(x),
                    _unary_grad(lambda x, y, dy: negative(dy) * rsqrt(1 - square(x))))
ATAN, atan = _unary("Atan", "atan", "Returns arctan(x) elementwise.",
                    lambda xp, x: xp.arctan(x),
                    _unary_grad(lambda x, y, dy: dy / (square(x) + 1)))
SINH, sinh = _unary("Sinh", "sinh", "Returns sinh(x) elementwise.", lambda xp, x: xp.sinh(x),
                    _unary_grad(lambda x, y, dy: dy * cosh(x)))
COSH, cosh = _unary("Cosh", "cosh", "Returns cosh(x) elementwise.", lambda xp, x: xp.cosh(x),
                    _unary_grad(lambda x, y, dy: dy * sinh(x)))
TANH, tanh = _unary("Tanh", "tanh", "Returns tanh(x) elementwise.", lambda xp, x: xp.tanh(x),
                    _unary_grad(lambda x, y, dy: dy * (1 - square(y))))


def _sigmoid_kernel(xp, x):
    # 0.5 * (1 + tanh(x / 2)) never overflows and is 2-3x faster than the exp form; where the
    # result is small (x < -5) its relative error would grow, so those entries use the exact
    # exp(x) / (1 + exp(x)).
    y = xp.tanh(x * x.dtype.type(0.5)) if x.ndim else xp.asarray(xp.tanh(x * 0.5))
    y = xp.asarray(y, dtype=x.dtype)
    y += 1
    y *= 0.5
    tail = x < -5
    if tail.any():
        z = xp.exp(x[tail])
        y[tail] = z / (1 + z)
    return y


SIGMOID, sigmoid = _unary("Sigmoid", "sigmoid", "Returns 1 / (1 + exp(-x)) elementwise, "
                          "computed without overflow.", _sigmoid_kernel,
                          _unary_grad(lambda x, y, dy: dy * y * (1 - y)), kinds=REAL_FLOAT_KINDS)


def _erf_kernel(xp, x):
    try:
        from scipy.special import erf
    except ImportError:  # exact but slower: the standard library's erf, elementwise
        erf = np.vectorize(_pymath.erf, otypes=[x.dtype])
    return xp.asarray(erf(x)).astype(x.dtype, copy=False)


_TWO_OVER_SQRT_PI = 2 / _pymath.sqrt(_pymath.pi)
ERF, erf = _unary("Erf", "erf", "Returns the Gauss error function of x elementwise.",
                  _erf_kernel,
                  _unary_grad(lambda x, y, dy: dy * _TWO_OVER_SQRT_PI * exp(negative(square(x)))),
                  kinds=REAL_FLOAT_KINDS)
FLOOR, floor = _unary("Floor", "floor", "Rounds x down to an integral value elementwise.",
                      lambda xp, x: xp.floor(x), None, kinds=REAL_FLOAT_KINDS)
CEIL, ceil = _unary("Ceil", "ceil", "Rounds x up to an integral value elementwise.",
                    lambda xp, x: xp.ceil(x), None, kinds=REAL_FLOAT_KINDS)
ROUND, round = _unary("Round", "round",  # noqa: A001 - tf.round
                      "Rounds x to the nearest integral value elementwise; halves go to the "
                      "even neighbour (banker's rounding), as in TF.",
                      lambda xp, x: xp.round(x), None, kinds=REAL_KINDS)
IS_NAN, is_nan = _unary("IsNan", "is_nan", "Returns where x is NaN, as a bool tensor.",
                        lambda xp, x: xp.isnan(x), None, kinds=REAL_FLOAT_KINDS)
IS_INF, is_inf = _unary("IsInf", "is_inf", "Returns where x is +-inf, as a bool tensor.",
                        lambda xp, x: xp.isinf(x), None, kinds=REAL_FLOAT_KINDS)
IS_FINITE, is_finite = _unary("IsFinite", "is_finite", "Returns where x is neither NaN nor "
                              "infinite, as a bool tensor.", lambda xp, x: xp.isfinite(x), None,
                              kinds=REAL_FLOAT_KINDS)
LOGICAL_NOT, logical_not = _unary("LogicalNot", "logical_not", "Returns NOT x for a bool x.",
                                  lambda xp, x: xp.logical_not(x), None, kinds="b")
INVERT, invert = _unary("Invert", "invert", "Flips every bit of an integer x (`~`, "
                        "`tf.bitwise.invert`).", lambda xp, x: xp.invert(x), None,
                        kinds=INT_KINDS)
CONJ = register_op("Conj", lambda xp, x: xp.conj(x), kinds="c",
                   grad=lambda e, dy: (conj(dy),))


def _numeric_or_raise(t, what):
    if not t.dtype.is_numeric:
        raise TypeError(f"{what} expects a numeric tensor, but got one of dtype {t.dtype.name}.")


def conj(x, name=None):
    """Returns the complex conjugate of x; real inputs are returned unchanged, as in TF.

    Raises:
        TypeError: x is not numeric.
    """
    t = to_tensor(x)
    if t.dtype.is_complex:
        return execute(CONJ, (t,))
    _numeric_or_raise(t, "conj")
    return t


REAL = register_op("Real", lambda xp, x: xp.real(x), kinds="c",
                   grad=lambda e, dy: (cast(dy, e.inputs[0].dtype),))


def real(input, name=None):  # noqa: A002 - TF's argument name
    """Returns the real part of a complex x; real inputs are returned unchanged, as in TF.

    Example:
        >>> import flowgrad as tf
        >>> tf.math.real(tf.constant([1 + 2j])).numpy().tolist()
        [1.0]
    """
    t = to_tensor(input)
    if t.dtype.is_complex:
        return execute(REAL, (t,))
    _numeric_or_raise(t, "real")
    return t


def reciprocal_no_nan(x, name=None):
    """Returns 1 / x, and 0 wherever x is 0 (`tf.math.reciprocal_no_nan`)."""
    x = to_tensor(x)
    return divide_no_nan(array_ops.ones_like(x), x)


# -- comparison and logic (no gradients) ----------------------------------------------------------
def _binary_fn(op_name, fn_name, doc, kernel, kinds):
    """Registers a non-differentiable two-input op and returns it with its public function."""
    op = register_op(op_name, kernel, differentiable=False, kinds=kinds)

    def fn(x, y, name=None):
        return _binary(op, x, y)
    fn.__name__ = fn.__qualname__ = fn_name
    fn.__doc__ = doc
    return op, fn


EQUAL, equal = _binary_fn("Equal", "equal", "Returns x == y elementwise, as a bool tensor.",
                          lambda xp, x, y: xp.equal(x, y), None)
NOT_EQUAL, not_equal = _binary_fn("NotEqual", "not_equal", "Returns x != y elementwise.",
                                  lambda xp, x, y: xp.not_equal(x, y), None)
LESS, less = _binary_fn("Less", "less", "Returns x < y elementwise.",
                        lambda xp, x, y: xp.less(x, y), REAL_KINDS)
LESS_EQUAL, less_equal = _binary_fn("LessEqual", "less_equal", "Returns x <= y elementwise.",
                                    lambda xp, x, y: xp.less_equal(x, y), REAL_KINDS)
GREATER, greater = _binary_fn("Greater", "greater", "Returns x > y elementwise.",
                              lambda xp, x, y: xp.greater(x, y), REAL_KINDS)
GREATER_EQUAL, greater_equal = _binary_fn(
    "GreaterEqual", "greater_equal", "Returns x >= y elementwise.",
    lambda xp, x, y: xp.greater_equal(x, y), REAL_KINDS)
LOGICAL_AND, logical_and = _binary_fn("LogicalAnd", "logical_and", "Returns x AND y for bools.",
                                      lambda xp, x, y: xp.logical_and(x, y), "b")
LOGICAL_OR, logical_or = _binary_fn("LogicalOr", "logical_or", "Returns x OR y for bools.",
                                    lambda xp, x, y: xp.logical_or(x, y), "b")
LOGICAL_XOR, logical_xor = _binary_fn("LogicalXor", "logical_xor", "Returns x XOR y for bools.",
                                      lambda xp, x, y: xp.logical_xor(x, y), "b")
BITWISE_AND, bitwise_and = _binary_fn("BitwiseAnd", "bitwise_and", "Returns x & y for integers.",
                                      lambda xp, x, y: xp.bitwise_and(x, y), INT_KINDS)
BITWISE_OR, bitwise_or = _binary_fn("BitwiseOr", "bitwise_or", "Returns x | y for integers.",
                                    lambda xp, x, y: xp.bitwise_or(x, y), INT_KINDS)
BITWISE_XOR, bitwise_xor = _binary_fn("BitwiseXor", "bitwise_xor", "Returns x ^ y for integers.",
                                      lambda xp, x, y: xp.bitwise_xor(x, y), INT_KINDS)


# -- where, clip, cast -----------------------------------------------------------------------------
def _select_grad(e, dy):
    c, x, y = e.inputs
    _, nx, ny = e.needs_grad
    z = array_ops.zeros_like(dy)
    return (None,
            unbroadcast(where(c, dy, z), x) if nx else None,
            unbroadcast(where(c, z, dy), y) if ny else None)


SELECT = register_op("SelectV2", lambda xp, c, x, y: xp.where(c, x, y), grad=_select_grad)
WHERE_INDICES = register_op("Where", lambda xp, c: xp.argwhere(c).astype(xp.int64),
                            kinds=NUMERIC_KINDS + "b", differentiable=False)


def where(condition, x=None, y=None, name=None):
    """Selects from x where condition is true, else from y, with broadcasting (`tf.where`).

    With only `condition`, returns the int64 coordinates of its true (non-zero) elements, of
    shape [n, rank].

    Raises:
        InvalidArgumentError: `x` and `y` are given and `condition` is not bool.
        ValueError: only one of `x` and `y` is given.

    Example:
        >>> import flowgrad as tf
        >>> tf.where(tf.constant([True, False]), 1., 0.).numpy().tolist()
        [1.0, 0.0]
        >>> tf.where(tf.constant([0, 3, 5])).numpy().tolist()
        [[1], [2]]
    """
    c = to_tensor(condition)
    if x is None and y is None:
        return execute(WHERE_INDICES, (c,))
    if x is None or y is None:
        raise ValueError("where: give both x and y, or neither.")
    if not c.dtype.is_bool:
        raise InvalidArgumentError(None, "SelectV2", f"where: condition must be a bool tensor, "
                                   f"got {c.dtype.name}. Compare first, e.g. tf.where(x > 0, ...).")
    x, y = binary_operands(x, y, "SelectV2")
    return execute(SELECT, (c, x, y))


def clip_by_value(t, clip_value_min, clip_value_max, name=None):
    """Clips values to [clip_value_min, clip_value_max] (`tf.clip_by_value`).

    Args:
        t: a Tensor.
        clip_value_min: the lower bound: a scalar, or a tensor that broadcasts to `t`'s shape.
        clip_value_max: the upper bound, likewise.

    Returns:
        A Tensor of `t`'s shape and dtype.

    Raises:
        ValueError: a bound would broadcast `t` to a larger shape.

    Example:
        >>> import flowgrad as tf
        >>> tf.clip_by_value(tf.constant([-2., 0.5, 3.]), -1., 1.).numpy().tolist()
        [-1.0, 0.5, 1.0]
    """
    t = to_tensor(t)
    out = maximum(minimum(t, clip_value_max), clip_value_min)
    if _shape(out) != _shape(t):
        raise ValueError(f"clip_by_value: the bounds must not change the shape of t: t has shape "
                         f"{tuple(_shape(t))} but the clipped result has {tuple(_shape(out))}.")
    return out


def _cast_kernel(xp, x, dtype):
    if x.dtype.kind == "c" and dtype.kind != "c":
        x = xp.real(x)  # casting complex to real keeps the real part, as TF does
    if dtype.kind in "iu" and x.dtype.kind == "f":
        x = xp.trunc(x)  # TF truncates toward zero
    return x.astype(dtype)


def _cast_grad(e, dy):
    src = e.inputs[0]
    if src._value.dtype.kind not in "fc":
        return (None,)
    return (cast(dy, src.dtype),)


CAST = register_op("Cast", _cast_kernel, grad=_cast_grad)


def cast(x, dtype, name=None):
    """Casts a tensor to `dtype` (`tf.cast`).

    Python values are converted to a tensor first (floats to float32), then cast, as in TF.
    Floats cast to integers are truncated toward zero; complex values cast to real types keep
    their real part; integers cast to narrower integers wrap around.

    Example:
        >>> import flowgrad as tf
        >>> tf.cast(tf.constant([1.7, -1.7]), tf.int32).numpy().tolist()
        [1, -1]
    """
    target = _dtypes.as_dtype(dtype)
    t = to_tensor(x)
    if t._value.dtype == target._np:
        return t
    return execute(CAST, (t,), {"dtype": target._np})


def _saturation_bounds(src, dst):
    """The widest [lo, hi], as values of dtype `src`, that cast into `dst`'s range."""
    s = src._np.type
    lo, hi = s(_pymax(src.min, dst.min)), s(_pymin(src.max, dst.max))
    if src.is_floating:  # the nearest float may lie just outside dst's range (exact compares)
        if float(hi) > dst.max:
            hi = np.nextafter(hi, s(-np.inf))
        if float(lo) < dst.min:
            lo = np.nextafter(lo, s(np.inf))
    return lo, hi


def saturate_cast(value, dtype, name=None):
    """Casts to `dtype`, first clamping values to the range the target can hold
    (`tf.saturate_cast`).

    Example:
        >>> import flowgrad as tf
        >>> tf.saturate_cast(tf.constant([-300., 7.5, 300.]), tf.uint8).numpy().tolist()
        [0, 7, 255]
    """
    t = to_tensor(value)
    d = _dtypes.as_dtype(dtype)
    if t.dtype.is_complex and not d.is_complex:
        t = real(t)
    if (t.dtype.is_integer or t.dtype.is_floating) and (d.is_integer or d.is_floating):
        lo, hi = _saturation_bounds(t.dtype, d)
        if lo > t.dtype.min or hi < t.dtype.max:
            t = clip_by_value(t, lo, hi)
    return cast(t, d)


# -- reductions -----------------------------------------------------------------------------------
def _keep_shape(shape, axis):
    return tuple(1 if (axis is None or i in axis) else d for i, d in enumerate(shape))


def _reduced_shape(shape, axis, keepdims):
    if keepdims:
        return _keep_shape(shape, axis)
    return tuple(d for i, d in enumerate(shape) if axis is not None and i not in axis)


def _keep_dims(t, x, axis):
    """`t` (reduced from `x` over `axis` without keepdims) with the reduced axes put back as 1s."""
    if not _traced(t) and not _traced(x):
        return array_ops.reshape(t, _keep_shape(_shape(x), axis))
    for a in sorted(range(x._value.ndim) if axis is None else axis):
        t = array_ops.expand_dims(t, a)
    return t


def _reduce_grad_broadcast(e, dy):
    x = e.inputs[0]
    if not e.attrs["keepdims"]:
        dy = _keep_dims(dy, x, e.attrs["axis"])
    if _traced(x) or _traced(dy):
        return array_ops.broadcast_like(dy, x)
    return array_ops.broadcast_to(dy, _shape(x))


def _sum_kernel(xp, x, axis, keepdims):
    if xp is np and x.dtype.kind == "f":  # the ufunc's reduce directly: no wrapper overhead
        return np.asarray(np.add.reduce(x, axis=axis, keepdims=keepdims))
    return xp.asarray(xp.sum(x, axis=axis, keepdims=keepdims, dtype=x.dtype))


SUM = register_op("Sum", _sum_kernel, kinds=NUMERIC_KINDS,
    grad=lambda e, dy: (_reduce_grad_broadcast(e, dy),))


def _mean_kernel(xp, x, axis, keepdims):
    # The sum over the count: xp.mean would warn about empty slices, where TF gives nan silently.
    integer = x.dtype.kind in "iu"
    acc = (xp.int64 if x.dtype.kind == "i" else xp.uint64) if integer else x.dtype
    s = xp.asarray(xp.sum(x, axis=axis, keepdims=keepdims, dtype=acc))
    n = x.size // s.size if s.size else 1
    if integer:  # TF's integer mean: truncated toward zero
        return (xp.sign(s) * (xp.abs(s) // _pymax(n, 1))).astype(x.dtype)
    return (s / n).astype(x.dtype, copy=False)


def _mean_grad(e, dy):
    x, y = e.inputs[0], e.outputs[0]
    if _traced(x):  # the element count is read at run time
        n = maximum(cast(array_ops.size(x), dy.dtype) /
                    maximum(cast(array_ops.size(y), dy.dtype), 1), 1)
        return (_reduce_grad_broadcast(e, dy) / n,)
    n = x._value.size // _pymax(y._value.size, 1)
    return (_reduce_grad_broadcast(e, dy) / _pymax(n, 1),)


MEAN = register_op("Mean", _mean_kernel, kinds=NUMERIC_KINDS, grad=_mean_grad)


def _extreme_kernel(reduce, empty_value):
    def kernel(xp, x, axis, keepdims):
        if x.size == 0:  # the reduction's identity, as TF: max of nothing is -inf
            return xp.full(_reduced_shape(x.shape, axis, keepdims), empty_value(x.dtype),
                           dtype=x.dtype)
        return xp.asarray(reduce(x, axis=axis, keepdims=keepdims))
    return kernel


def _lowest(dtype):
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


def _highest(dtype):
    return np.inf if dtype.kind == "f" else np.iinfo(dtype).max


def _extreme_grad(e, dy):
    x, y = e.inputs[0], e.outputs[0]
    axis = e.attrs["axis"]
    if not e.attrs["keepdims"]:
        y = _keep_dims(y, x, axis)
        dy = _keep_dims(dy, x, axis)
    mask = cast(equal(x, y), x.dtype)
    count = reduce_sum(mask, axis=axis, keepdims=True)  # ties share the gradient, as in TF
    return (mask * dy / count,)


MAX = register_op("Max", _extreme_kernel(np.max, _lowest), kinds=REAL_KINDS, grad=_extreme_grad)
MIN = register_op("Min", _extreme_kernel(np.min, _highest), kinds=REAL_KINDS, grad=_extreme_grad)


def _prod_grad(e, dy):
    # Products of everything before and after each element (exclusive cumprods from both
    # sides) give the gradient without dividing by x, so zeros in x are handled exactly.
    x = e.inputs[0]
    shape = _shape(x)
    axes = tuple(range(len(shape))) if e.attrs["axis"] is None else e.attrs["axis"]
    if not axes:
        return (dy,)
    rest = tuple(i for i in range(len(shape)) if i not in axes)
    perm = rest + tuple(axes)
    xt = array_ops.transpose(x, perm)
    n_rest = int(np.prod([shape[i] for i in rest], dtype=np.int64))
    n_reduced = int(np.prod([shape[i] for i in axes], dtype=np.int64))
    flat = array_ops.reshape(xt, (n_rest, n_reduced))
    left = cumprod(flat, axis=1, exclusive=True)
    right = cumprod(flat, axis=1, exclusive=True, reverse=True)
    g = array_ops.reshape(_conj(left * right), _shape(xt))
    g = array_ops.transpose(g, tuple(int(i) for i in np.argsort(perm)))
    return (g * _reduce_grad_broadcast(e, dy),)


PROD = register_op("Prod", lambda xp, x, axis, keepdims: xp.asarray(
    xp.prod(x, axis=axis, keepdims=keepdims, dtype=x.dtype)), kinds=NUMERIC_KINDS, grad=_prod_grad)
ANY = register_op("Any", lambda xp, x, axis, keepdims: xp.asarray(
    xp.any(x, axis=axis, keepdims=keepdims)), kinds="b", differentiable=False)
ALL = register_op("All", lambda xp, x, axis, keepdims: xp.asarray(
    xp.all(x, axis=axis, keepdims=keepdims)), kinds="b", differentiable=False)


def _reduce(op, input_tensor, axis, keepdims):
    t = to_tensor(input_tensor)
    ax = normalize_axis(axis, t._value.ndim, op.name)
    return execute(op, (t,), {"axis": ax, "keepdims": bool(keepdims)})


def reduce_sum(input_tensor, axis=None, keepdims=False, name=None):
    """Sums over `axis` (`tf.reduce_sum`).

    Args:
        input_tensor: a numeric Tensor.
        axis: an int or a list of ints (negative counts from the end); None reduces all axes.
        keepdims: keep the reduced axes with size 1.

    Returns:
        The reduced Tensor, of the input's dtype.

    Raises:
        InvalidArgumentError: an axis is out of range.

    Example:
        >>> import flowgrad as tf
        >>> tf.reduce_sum(tf.constant([[1, 2], [3, 4]]), axis=1).numpy().tolist()
        [3, 7]
    """
    return _reduce(SUM, input_tensor, axis, keepdims)


def reduce_mean(input_tensor, axis=None, keepdims=False, name=None):
    """Averages over `axis` (`tf.reduce_mean`); integer inputs give the integer mean,
    truncated toward zero, as in TF.

    Example:
        >>> import flowgrad as tf
        >>> tf.reduce_mean(tf.constant([1, 2])).numpy()
        np.int32(1)
    """
    return _reduce(MEAN, input_tensor, axis, keepdims)


def reduce_max(input_tensor, axis=None, keepdims=False, name=None):
    """Takes the maximum over `axis` (`tf.reduce_max`); tied maxima share the gradient
    equally, and the maximum over no elements is -inf (the dtype's lowest value for ints)."""
    return _reduce(MAX, input_tensor, axis, keepdims)


def reduce_min(input_tensor, axis=None, keepdims=False, name=None):
    """Takes the minimum over `axis` (`tf.reduce_min`); see `reduce_max`."""
    return _reduce(MIN, input_tensor, axis, keepdims)


def reduce_prod(input_tensor, axis=None, keepdims=False, name=None):
    """Multiplies over `axis` (`tf.reduce_prod`); the gradient is exact where x has zeros."""
    return _reduce(PROD, input_tensor, axis, keepdims)


def reduce_any(input_tensor, axis=None, keepdims=False, name=None):
    """Logical OR of a bool tensor over `axis` (`tf.reduce_any`)."""
    return _reduce(ANY, input_tensor, axis, keepdims)


def reduce_all(input_tensor, axis=None, keepdims=False, name=None):
    """Logical AND of a bool tensor over `axis` (`tf.reduce_all`)."""
    return _reduce(ALL, input_tensor, axis, keepdims)


def reduce_logsumexp(input_tensor, axis=None, keepdims=False, name=None):
    """Computes log(sum(exp(x))) over `axis` without overflow (`tf.math.reduce_logsumexp`).

    Example:
        >>> import flowgrad as tf
        >>> f"{float(tf.math.reduce_logsumexp(tf.constant([1000., 1000.]))):.2f}"
        '1000.69'
    """
    t = to_tensor(input_tensor)
    ax = normalize_axis(axis, t._value.ndim, "ReduceLogSumExp")
    m = array_ops.stop_gradient(reduce_max(t, axis=ax, keepdims=True))
    m = where(is_finite(m), m, array_ops.zeros_like(m))
    out = log(reduce_sum(exp(t - m), axis=ax, keepdims=True)) + m
    if keepdims:
        return out
    return array_ops.reshape(out, _reduced_shape(_shape(t), ax, False))


def reduce_variance(input_tensor, axis=None, keepdims=False, name=None):
    """Population variance over `axis` (`tf.math.reduce_variance`); complex inputs give the
    real variance of their magnitudes' deviations.

    Raises:
        TypeError: the input is not floating point or complex.
    """
    t = to_tensor(input_tensor)
    if not (t.dtype.is_floating or t.dtype.is_complex):
        raise TypeError(f"reduce_variance: input must be either real or complex; received "
                        f"{t.dtype.name}. Cast it first, e.g. tf.cast(x, tf.float32).")
    diff = t - reduce_mean(t, axis=axis, keepdims=True)
    squared = real(diff * conj(diff)) if t.dtype.is_complex else square(diff)
    return reduce_mean(squared, axis=axis, keepdims=keepdims)


def reduce_std(input_tensor, axis=None, keepdims=False, name=None):
    """Population standard deviation over `axis` (`tf.math.reduce_std`)."""
    return sqrt(reduce_variance(input_tensor, axis=axis, keepdims=keepdims))


def reduce_euclidean_norm(input_tensor, axis=None, keepdims=False, name=None):
    """sqrt(sum(x ** 2)) over `axis` (`tf.math.reduce_euclidean_norm`); integer inputs give
    the truncated integer norm, as in TF.

    Example:
        >>> import flowgrad as tf
        >>> tf.math.reduce_euclidean_norm(tf.constant([[1, 2, 3], [1, 1, 1]])).numpy()
        np.int32(4)
    """
    t = to_tensor(input_tensor)
    if t.dtype.is_integer:
        s = reduce_sum(cast(square(t), _dtypes.float64), axis=axis, keepdims=keepdims)
        return cast(sqrt(s), t.dtype)
    if t.dtype.is_complex:
        return sqrt(cast(reduce_sum(real(t * conj(t)), axis=axis, keepdims=keepdims), t.dtype))
    return sqrt(reduce_sum(square(t), axis=axis, keepdims=keepdims))


def count_nonzero(input, axis=None, keepdims=None, dtype=_dtypes.int64, name=None):  # noqa: A002
    """Counts the non-zero elements over `axis` (`tf.math.count_nonzero`).

    Example:
        >>> import flowgrad as tf
        >>> tf.math.count_nonzero(tf.constant([[0, 1], [2, 0]]), axis=1).numpy().tolist()
        [1, 1]
    """
    t = to_tensor(input)
    nz = cast(not_equal(t, array_ops.zeros_like(t)), _dtypes.int64)
    return cast(reduce_sum(nz, axis=axis, keepdims=bool(keepdims)), dtype)


ARGMAX = register_op("ArgMax", lambda xp, x, axis, dtype: xp.argmax(x, axis=axis).astype(dtype),
                     kinds=REAL_KINDS + "b", differentiable=False)
ARGMIN = register_op("ArgMin", lambda xp, x, axis, dtype: xp.argmin(x, axis=axis).astype(dtype),
                     kinds=REAL_KINDS + "b", differentiable=False)


def _arg(op, input, axis, output_type):  # noqa: A002
    t = to_tensor(input)
    ax = normalize_axis(0 if axis is None else axis, t._value.ndim, op.name)
    if len(ax) != 1:
        raise InvalidArgumentError(None, op.name, f"{op.name}: axis must be a single int, got "
                                   f"{axis!r}. [Op:{op.name}]")
    ax = ax[0]
    if t._value.shape[ax] == 0:
        raise InvalidArgumentError(None, op.name, f"{op.name}: reduction dimension {ax} is empty "
                                   f"(input shape {list(t._value.shape)}). [Op:{op.name}]")
    return execute(op, (t,), {"axis": ax, "dtype": _dtypes.as_dtype(output_type)._np})


def argmax(input, axis=None, output_type=_dtypes.int64, name=None):  # noqa: A002
    """Index of the largest value along `axis` (default 0) (`tf.math.argmax`); ties give the
    smallest index.

    Example:
        >>> import flowgrad as tf
        >>> tf.math.argmax(tf.constant([[1., 5.], [7., 2.]]), axis=1).numpy().tolist()
        [1, 0]
    """
    return _arg(ARGMAX, input, axis, output_type)


def argmin(input, axis=None, output_type=_dtypes.int64, name=None):  # noqa: A002
    """Index of the smallest value along `axis` (default 0) (`tf.math.argmin`); ties give the
    smallest index."""
    return _arg(ARGMIN, input, axis, output_type)


# -- scans ----------------------------------------------------------------------------------------
def _scan_kernel(scan, identity):
    def kernel(xp, x, axis, exclusive, reverse):
        if reverse:
            x = xp.flip(x, axis)
        out = scan(x, axis=axis, dtype=x.dtype)
        if exclusive and x.shape[axis]:
            head = xp.full(x.shape[:axis] + (1,) + x.shape[axis + 1:], identity, dtype=x.dtype)
            out = xp.concatenate([head, xp.take(out, xp.arange(x.shape[axis] - 1), axis=axis)],
                                 axis=axis)
        if reverse:
            out = xp.flip(out, axis)
        return xp.ascontiguousarray(out)
    return kernel


def _cumsum_grad(e, dy):
    a = e.attrs
    return (cumsum(dy, axis=a["axis"], exclusive=a["exclusive"], reverse=not a["reverse"]),)


def _cumprod_grad(e, dy):
    # As TF: sum the products that contain x_i, then divide x_i out (0 where x_i is 0).
    a = e.attrs
    x, y = _conj(e.inputs[0]), _conj(e.outputs[0])
    s = cumsum(y * dy, axis=a["axis"], exclusive=a["exclusive"], reverse=not a["reverse"])
    return (divide_no_nan(s, x),)


CUMSUM = register_op("Cumsum", _scan_kernel(np.cumsum, 0), kinds=NUMERIC_KINDS,
                     grad=_cumsum_grad)
CUMPROD = register_op("Cumprod", _scan_kernel(np.cumprod, 1), kinds=NUMERIC_KINDS,
                      grad=_cumprod_grad)


def _scan(op, x, axis, exclusive, reverse):
    t = to_tensor(x)
    if t._value.ndim == 0:
        raise InvalidArgumentError(None, op.name, f"{op.name} needs a tensor of rank >= 1, got "
                                   f"a scalar. [Op:{op.name}]")
    ax = normalize_axis(axis, t._value.ndim, op.name)
    if len(ax) != 1:
        raise InvalidArgumentError(None, op.name, f"{op.name}: axis must be a single int, got "
                                   f"{axis!r}. [Op:{op.name}]")
    return execute(op, (t,), {"axis": ax[0], "exclusive": bool(exclusive),
                              "reverse": bool(reverse)})


def cumsum(x, axis=0, exclusive=False, reverse=False, name=None):
    """Cumulative sum along `axis` (`tf.math.cumsum`).

    Args:
        x: a numeric Tensor of rank >= 1.
        axis: the axis to scan.
        exclusive: each output excludes its own element (the first output is 0).
        reverse: scan from the end.

    Example:
        >>> import flowgrad as tf
        >>> tf.math.cumsum(tf.constant([1, 2, 3]), exclusive=True).numpy().tolist()
        [0, 1, 3]
    """
    return _scan(CUMSUM, x, axis, exclusive, reverse)


def cumprod(x, axis=0, exclusive=False, reverse=False, name=None):
    """Cumulative product along `axis` (`tf.math.cumprod`); see `cumsum` for the arguments."""
    return _scan(CUMPROD, x, axis, exclusive, reverse)


# -- top_k, bincount ------------------------------------------------------------------------------
def _top_k_kernel(xp, x, k, sorted):  # noqa: A002 - TF's attribute name
    # A stable ascending sort of the reversed row, reversed again, orders values descending and
    # ties by ascending index (as TF), with no negation that could overflow integers.
    n = x.shape[-1]
    idx = (n - 1) - xp.flip(xp.argsort(xp.flip(x, -1), axis=-1, kind="stable"), -1)[..., :k]
    return xp.take_along_axis(x, idx, axis=-1), idx.astype(xp.int32)


def _top_k_grad(e, dvalues, dindices):
    from . import indexing_ops
    return (indexing_ops.put_along_last_axis(dvalues, e.outputs[1], _shape(e.inputs[0])),)


TOP_K = register_op("TopKV2", _top_k_kernel, num_outputs=2, kinds=REAL_KINDS, grad=_top_k_grad)


class _TopKV2(tuple):
    """The (values, indices) pair returned by `top_k`, with attribute access."""

    __slots__ = ()

    def __new__(cls, values, indices):
        return tuple.__new__(cls, (values, indices))

    values = property(lambda self: self[0])
    indices = property(lambda self: self[1])


def top_k(input, k=1, sorted=True, index_type=_dtypes.int32, name=None):  # noqa: A002
    """The k largest entries along the last axis, and their indices (`tf.math.top_k`).

    Equal values are ordered by index, the smaller index first.

    Returns:
        A `(values, indices)` pair, also readable as `.values` and `.indices`.

    Raises:
        InvalidArgumentError: the input is a scalar, or k is negative or larger than the last
            dimension.

    Example:
        >>> import flowgrad as tf
        >>> values, indices = tf.math.top_k(tf.constant([1., 3., 2.]), k=2)
        >>> values.numpy().tolist(), indices.numpy().tolist()
        ([3.0, 2.0], [1, 2])
    """
    t = to_tensor(input)
    if t._value.ndim == 0:
        raise InvalidArgumentError(None, "TopKV2", "top_k needs an input of rank >= 1, got a "
                                   "scalar. [Op:TopKV2]")
    k = int(k)
    n = t._value.shape[-1]
    if k < 0 or k > n:
        raise InvalidArgumentError(None, "TopKV2", f"input must have at least k={k} columns, and "
                                   f"k must be >= 0; the last dimension has {n}. [Op:TopKV2]")
    values, indices = execute(TOP_K, (t,), {"k": k, "sorted": bool(sorted)})
    if _dtypes.as_dtype(index_type) != _dtypes.int32:
        indices = cast(indices, index_type)
    return _TopKV2(values, indices)


def _bincount_kernel(xp, arr, *weights, size, per_row, binary_output, dtype, minlength=None,
                     maxlength=None):
    w = weights[0] if weights else None
    if size is None:  # decided by the data (traced calls)
        if arr.size and arr.min() < 0:
            raise ValueError("bincount: input arr must be non-negative.")
        size = int(arr.max()) + 1 if arr.size else 0
        if minlength is not None:
            size = _pymax(size, int(minlength))
        if maxlength is not None:
            size = _pymin(size, int(maxlength))
    keep = arr < size
    bins, total = arr.astype(xp.int64), size
    if per_row:  # row r counts into bins [r * size, (r + 1) * size)
        rows = arr.shape[0]
        bins = bins + xp.arange(rows, dtype=xp.int64).reshape(rows, 1) * size
        total = rows * size
    bins = bins[keep]
    out = xp.bincount(bins, weights=None if w is None else w[keep], minlength=total)[:total]
    if binary_output:
        out = out > 0
    return out.reshape((arr.shape[0], size) if per_row else (size,)).astype(dtype)


BINCOUNT = register_op("Bincount", _bincount_kernel, kinds=INT_KINDS, differentiable=False)
BINCOUNT_WEIGHTED = register_op("BincountWeighted", _bincount_kernel, kinds=INT_KINDS,
                                kind_inputs=1, differentiable=False)


def bincount(arr, weights=None, minlength=None, maxlength=None, dtype=_dtypes.int32, name=None,
             axis=None, binary_output=False):
    """Counts the occurrences of each value in a non-negative integer tensor
    (`tf.math.bincount`).

    Args:
        arr: a non-negative integer Tensor.
        weights: optional, same shape as `arr`: each value adds its weight instead of 1.
        minlength: the output has at least this many bins.
        maxlength: the output has at most this many bins; larger values are ignored.
        dtype: the output dtype when there are no weights (with weights: theirs).
        axis: None or 0 counts over the whole tensor; -1 counts each row of a 2-D `arr`.
        binary_output: give 1 for each value present instead of its count.

    Returns:
        A 1-D Tensor of `max(arr) + 1` bins (bounded by minlength / maxlength), or a 2-D one
        (one row of bins per row of `arr`) with `axis=-1`.

    Raises:
        InvalidArgumentError: `arr` has negative values, or its shape does not fit.
        ValueError: both `weights` and `binary_output`, or an unsupported `axis`.

    Example:
        >>> import flowgrad as tf
        >>> tf.math.bincount(tf.constant([1, 1, 3])).numpy().tolist()
        [0, 2, 0, 1]
    """
    a = to_tensor(arr)
    v = a._value
    if axis not in (None, 0, -1):
        raise ValueError(f"bincount: axis must be None, 0 or -1, got {axis!r}.")
    per_row = axis == -1
    if per_row and v.ndim != 2:
        raise InvalidArgumentError(None, "Bincount", f"bincount with axis=-1 needs a 2-D arr, "
                                   f"got shape {list(v.shape)}. [Op:Bincount]")
    if weights is not None and binary_output:
        raise ValueError("bincount: arguments `binary_output` and `weights` are mutually "
                         "exclusive.")
    if getattr(a, "_graph_value", None) is not None:
        # Traced: the bin count depends on the data, so the kernel decides it when it runs.
        attrs = {"size": None, "per_row": per_row, "binary_output": bool(binary_output),
                 "minlength": minlength, "maxlength": maxlength}
        if weights is None:
            return execute(BINCOUNT, (a,), dict(attrs, dtype=_dtypes.as_dtype(dtype)._np))
        w = to_tensor(weights)
        return execute(BINCOUNT_WEIGHTED, (a, w), dict(attrs, dtype=w._value.dtype))
    if v.size and v.dtype.kind in "iu" and v.min() < 0:
        raise InvalidArgumentError(None, "Bincount", "bincount: input arr must be non-negative. "
                                   "[Op:Bincount]")
    size = int(v.max()) + 1 if v.size else 0
    if minlength is not None:
        size = _pymax(size, int(minlength))
    if maxlength is not None:
        size = _pymin(size, int(maxlength))
    attrs = {"size": size, "per_row": per_row, "binary_output": bool(binary_output)}
    if weights is None:
        return execute(BINCOUNT, (a,), dict(attrs, dtype=_dtypes.as_dtype(dtype)._np))
    w = to_tensor(weights)
    if w._value.shape != v.shape:
        raise InvalidArgumentError(None, "Bincount", f"bincount: weights shape "
                                   f"{list(w._value.shape)} must equal arr shape {list(v.shape)}. "
                                   "[Op:Bincount]")
    return execute(BINCOUNT_WEIGHTED, (a, w), dict(attrs, dtype=w._value.dtype))


# -- norms used for gradient clipping (Keras optimizers' clipnorm / global_clipnorm) ------------
def clip_by_norm(t, clip_norm, axes=None, name=None):
    """Scales `t` so that its L2 norm over `axes` is at most `clip_norm` (`tf.clip_by_norm`)."""
    t = to_tensor(t)
    l2sum = reduce_sum(square(t), axis=axes, keepdims=True)
    pred = l2sum > 0
    safe = where(pred, l2sum, array_ops.ones_like(l2sum))
    norm = where(pred, sqrt(safe), l2sum)
    clip = cast(clip_norm, t.dtype) if not isinstance(clip_norm, Tensor) else clip_norm
    return t * clip / maximum(norm, clip)


def global_norm(t_list, name=None):
    """sqrt(sum of squared L2 norms) of a list of tensors; None entries are ignored."""
    ts = [to_tensor(t) for t in t_list if t is not None]
    if not ts:
        raise ValueError("global_norm needs at least one tensor.")
    return sqrt(add_n([reduce_sum(square(t)) for t in ts]))


def clip_by_global_norm(t_list, clip_norm, use_norm=None, name=None):
    """Scales a list of tensors so their global norm is at most `clip_norm`.

    Returns:
        `(clipped_list, global_norm)`; None entries stay None.
    """
    t_list = list(t_list)
    norm = global_norm(t_list) if use_norm is None else to_tensor(use_norm)
    clip = cast(clip_norm, norm.dtype)
    scale = clip / maximum(norm, clip)
    return [None if t is None else to_tensor(t) * cast(scale, to_tensor(t).dtype)
            for t in t_list], norm


def is_tensor(x):
    """True for flowgrad Tensors and Variables (`tf.is_tensor`)."""
    return isinstance(x, Tensor) or hasattr(x, "_is_variable")
