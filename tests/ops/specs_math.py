"""OpSpecs for flowgrad/ops/math_ops.py: elementwise math, comparisons, logic, reductions,
scans, top_k, bincount and the composites built on them, each against a NumPy reference."""

import functools
import math
import warnings

import numpy as np

import flowgrad as fg
from flowgrad.ops import math_ops as m
from flowgrad.testing.op_harness import Case, OpSpec


# -- inputs ---------------------------------------------------------------------------------------
def _pos(x):
    return np.abs(x) + 0.5


def _nonzero(x):
    return np.where(x >= 0, x + 0.5, x - 0.5)


def _unit(x):
    return 0.9 * np.tanh(x)


def _b(*rows):
    return np.array(rows, bool)


BINARY = [Case((2, 3), (2, 3)), Case((2, 3), (3,)), Case((2, 1), (1, 4)), Case((), (2, 3)),
          Case((4,), ()), Case((), ()), Case((0, 3), (3,)), Case((2, 0), (2, 1))]
UNARY = [Case((2, 3)), Case(()), Case((0, 4)), Case((2, 3, 4))]
REDUCE = [Case((3, 4)), Case((3, 4), axis=0), Case((3, 4), axis=-1),
          Case((2, 3, 4), axis=[0, 2]), Case((2, 3, 4), axis=(-1, 1), keepdims=True),
          Case((3, 4), keepdims=True), Case((3, 4), axis=[]), Case(()),
          Case((0, 3), axis=0), Case((0, 3), axis=1)]
REDUCE_NONEMPTY = REDUCE[:-2]
REDUCE_SPREAD = REDUCE[:6]  # each output reduces several elements: sqrt(0) has no gradient
INTS = ("int32", "int64")
INT_A = np.array([[7, -7, 0], [5, -3, 12]], np.int32)
INT_B = np.array([[2, 2, 3], [-2, 4, -5]], np.int32)
TIES = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])  # two-way ties along each row and overall
BOOL_A = _b([True, False, True], [False, False, True])
BOOL_B = _b([True, True, False], [False, True, True])


def _ints(x):
    return np.round(x * 10)


def _axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


# -- references -----------------------------------------------------------------------------------
def _quiet(ref):
    """Silences NumPy's warnings about empty means and log(0): the values are the point."""
    @functools.wraps(ref)
    def quiet(*args, **kwargs):
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            return ref(*args, **kwargs)
    return quiet


def _reduce_ref(f, **fixed):
    @_quiet
    def ref(x, axis=None, keepdims=False):
        return np.asarray(f(x, axis=_axis(axis), keepdims=keepdims, **fixed))
    return ref


def _extreme_ref(f, empty):
    def ref(x, axis=None, keepdims=False):
        init = empty(x.dtype)
        return np.asarray(f(x, axis=_axis(axis), keepdims=keepdims, initial=init))
    return ref


def _lowest(dtype):
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


def _highest(dtype):
    return np.inf if dtype.kind == "f" else np.iinfo(dtype).max


def _int_mean_ref(x, axis=None, keepdims=False):
    s = np.sum(x, axis=_axis(axis), keepdims=keepdims, dtype=np.int64)
    n = x.size // max(np.size(s), 1)
    return (np.sign(s) * (np.abs(s) // n)).astype(x.dtype)


@_quiet
def _logsumexp_ref(x, axis=None, keepdims=False):
    axis = _axis(axis)
    mx = np.max(x, axis=axis, keepdims=True, initial=-np.inf)
    mx = np.where(np.isfinite(mx), mx, 0)
    out = np.log(np.sum(np.exp(x - mx), axis=axis, keepdims=True)) + mx
    if not keepdims:
        out = np.squeeze(out, axis=axis) if x.ndim else out.reshape(())
    return out.astype(x.dtype)


def _scan_ref(f, ident):
    def ref(x, axis=0, exclusive=False, reverse=False):
        if reverse:
            x = np.flip(x, axis)
        out = f(x, axis=axis, dtype=x.dtype)
        if exclusive and x.shape[axis]:
            out = np.roll(out, 1, axis)
            first = [slice(None)] * x.ndim
            first[axis] = 0
            out[tuple(first)] = ident
        return np.flip(out, axis) if reverse else out
    return ref


def _top_k_ref(x, k=1):
    idx = np.argsort(-x.astype(np.float64), axis=-1, kind="stable")[..., :k]
    return np.take_along_axis(x, idx, axis=-1), idx.astype(np.int32)


def _bincount_ref(arr, weights=None, minlength=None, maxlength=None, dtype=fg.int32,
                  binary_output=False, axis=None):
    n = max(int(arr.max()) + 1 if arr.size else 0, minlength or 0)
    if maxlength is not None:
        n = min(n, maxlength)

    def count(a, w):
        keep = a < n
        out = np.bincount(a[keep], None if w is None else w[keep], minlength=n)[:n]
        if binary_output:
            out = out > 0
        return out.astype(dtype.as_numpy_dtype if w is None else w.dtype)

    if axis == -1:
        ws = [None] * len(arr) if weights is None else weights
        return np.stack([count(a, w) for a, w in zip(arr, ws)]).reshape(len(arr), n)
    return count(arr.ravel(), None if weights is None else weights.ravel())


def _erf_ref(x):
    return np.vectorize(math.erf, otypes=[x.dtype])(x)


def _sigmoid_ref(x):
    return (1 / (1 + np.exp(-x.astype(np.float64)))).astype(x.dtype)


def _truediv_ref(x, y):
    target = np.float32 if x.dtype.itemsize <= 2 else np.float64
    return x.astype(target) / y.astype(target)


def _saturate_ref(dtype):
    def ref(x):
        info = np.finfo(dtype) if np.dtype(dtype).kind == "f" else np.iinfo(dtype)
        lo = max(float(info.min), float(np.finfo(x.dtype).min if x.dtype.kind == "f"
                                        else np.iinfo(x.dtype).min))
        return np.clip(x, lo, float(info.max)).astype(dtype)
    return ref


SPECS = [
    # -- binary arithmetic ----------------------------------------------------------------------
    OpSpec("add", m.add, np.add, BINARY, grad2=True),
    OpSpec("add_int", m.add, np.add, BINARY[:3], dtypes=INTS, domain=_ints, grad=False),
    OpSpec("add_python_scalar", lambda x: m.add(x, 2.5), lambda x: x + x.dtype.type(2.5),
           UNARY, grad2=True),
    OpSpec("subtract", m.subtract, np.subtract, BINARY, grad2=True),
    OpSpec("subtract_int", m.subtract, np.subtract, BINARY[:3], dtypes=INTS, domain=_ints,
           grad=False),
    OpSpec("multiply", m.multiply, np.multiply, BINARY, grad2=True),
    OpSpec("multiply_int", m.multiply, np.multiply, BINARY[:3], dtypes=INTS, domain=_ints,
           grad=False),
    OpSpec("scalar_mul", lambda x: m.scalar_mul(2.5, x), lambda x: x * x.dtype.type(2.5), UNARY,
           grad2=True),
    OpSpec("truediv", m.truediv, np.true_divide, BINARY, domain=_nonzero, grad2=True),
    OpSpec("divide", m.divide, np.true_divide, BINARY[:4], domain=_nonzero, grad2=True),
    OpSpec("truediv_int", m.truediv, _truediv_ref,
           [Case(INT_A, INT_B), Case(INT_A.astype(np.int64), INT_B.astype(np.int64)),
            Case(INT_A.astype(np.int16), INT_B.astype(np.int16)),
            Case(INT_A.astype(np.uint8) % 10, np.abs(INT_B).astype(np.uint8))],
           dtypes=("int32",), grad=False),
    OpSpec("floordiv", m.floordiv, np.floor_divide, BINARY, domain=_nonzero, grad=False),
    OpSpec("floordiv_int", m.floordiv, np.floor_divide,
           [Case(INT_A, INT_B), Case(INT_A, np.int32(3)), Case(INT_A.astype(np.int64),
                                                               INT_B.astype(np.int64))],
           dtypes=("int32",), grad=False),
    OpSpec("floormod", m.floormod, np.mod, BINARY, domain=_nonzero),
    OpSpec("mod", m.mod, np.mod, BINARY[:2], domain=_nonzero),
    OpSpec("floormod_int", m.floormod, np.mod,
           [Case(INT_A, INT_B), Case(INT_A, np.int32(-4))], dtypes=("int32",), grad=False),
    OpSpec("pow", m.pow, np.power, BINARY, domain=_pos, grad2=True),
    OpSpec("pow_negative_base", m.pow, np.power,
           [Case(np.array([-2.0, -0.5, 0.0, 3.0]), np.array([2.0, 3.0, 2.0, -1.0]))], wrt=[0],
           grad2=True),
    OpSpec("pow_int", m.pow, np.power,
           [Case(INT_A, np.abs(INT_B)), Case(INT_A, np.int32(2))], dtypes=("int32",),
           grad=False),
    OpSpec("maximum", m.maximum, np.maximum, BINARY),
    OpSpec("maximum_int", m.maximum, np.maximum, [Case(INT_A, INT_B)], dtypes=("int32",),
           grad=False),
    OpSpec("minimum", m.minimum, np.minimum, BINARY),
    OpSpec("minimum_int", m.minimum, np.minimum, [Case(INT_A, INT_B)], dtypes=("int32",),
           grad=False),
    OpSpec("squared_difference", m.squared_difference, lambda x, y: np.square(x - y), BINARY,
           grad2=True),
    OpSpec("atan2", m.atan2, np.arctan2, BINARY, domain=_nonzero, grad2=True),
    OpSpec("divide_no_nan", m.divide_no_nan, np.true_divide, BINARY, domain=_nonzero,
           grad2=True),
    OpSpec("div_no_nan_zero_divisor", m.div_no_nan,
           lambda x, y: np.where(y == 0, 0, x / np.where(y == 0, 1, y)).astype(x.dtype),
           [Case(np.array([[1.0, -2.0, 0.0], [3.0, 0.5, 2.0]]),
                 np.array([[0.0, 4.0, 0.0], [2.0, 0.0, -1.0]])),
            Case(np.array([1.0, 2.0, 3.0]), np.array(0.0))], wrt=[0], grad2=True),
    OpSpec("reciprocal_no_nan", m.reciprocal_no_nan, np.reciprocal, UNARY, domain=_nonzero,
           grad2=True),
    OpSpec("reciprocal_no_nan_zero", m.reciprocal_no_nan,
           lambda x: np.where(x == 0, 0, 1 / np.where(x == 0, 1, x)).astype(x.dtype),
           [Case(np.array([0.0, 2.0, -4.0, 0.0]))], grad=False),
    OpSpec("add_n", lambda *xs: m.add_n(list(xs)), lambda *xs: sum(xs),
           [Case((2, 3), (2, 3), (2, 3)), Case((4,)), Case((), ()), Case((0, 2), (0, 2))],
           grad2=True),

    # -- unary elementwise --------------------------------------------------------------------
    OpSpec("negative", m.negative, np.negative, UNARY, grad2=True),
    OpSpec("negative_int", m.negative, np.negative, [Case(INT_A)], dtypes=("int32",),
           grad=False),
    OpSpec("abs", m.abs, np.abs, UNARY, domain=_nonzero, grad2=True),
    OpSpec("abs_int", m.abs, np.abs, [Case(INT_A)], dtypes=("int32",), grad=False),
    OpSpec("sign", m.sign, np.sign, UNARY, domain=_nonzero),
    OpSpec("sign_zero", m.sign, np.sign, [Case(np.array([-2.0, 0.0, 3.0]))], grad=False),
    OpSpec("sign_int", m.sign, np.sign, [Case(INT_A)], dtypes=("int32",), grad=False),
    OpSpec("square", m.square, np.square, UNARY, grad2=True),
    OpSpec("square_int", m.square, np.square, [Case(INT_A)], dtypes=("int32",), grad=False),
    OpSpec("sqrt", m.sqrt, np.sqrt, UNARY, domain=_pos, grad2=True),
    OpSpec("rsqrt", m.rsqrt, lambda x: 1 / np.sqrt(x), UNARY, domain=_pos, grad2=True),
    OpSpec("exp", m.exp, np.exp, UNARY, grad2=True),
    OpSpec("expm1", m.expm1, np.expm1, UNARY, grad2=True),
    OpSpec("log", m.log, np.log, UNARY, domain=_pos, grad2=True),
    OpSpec("log1p", m.log1p, np.log1p, UNARY, domain=_unit, grad2=True),
    OpSpec("reciprocal", m.reciprocal, np.reciprocal, UNARY, domain=_nonzero, grad2=True),
    OpSpec("sin", m.sin, np.sin, UNARY, grad2=True),
    OpSpec("cos", m.cos, np.cos, UNARY, grad2=True),
    OpSpec("tan", m.tan, np.tan, UNARY, domain=_unit, grad2=True),
    OpSpec("asin", m.asin, np.arcsin, UNARY, domain=_unit, grad2=True),
    OpSpec("acos", m.acos, np.arccos, UNARY, domain=_unit, grad2=True),
    OpSpec("atan", m.atan, np.arctan, UNARY, grad2=True),
    OpSpec("sinh", m.sinh, np.sinh, UNARY, grad2=True),
    OpSpec("cosh", m.cosh, np.cosh, UNARY, grad2=True),
    OpSpec("tanh", m.tanh, np.tanh, UNARY, grad2=True),
    OpSpec("sigmoid", m.sigmoid, _sigmoid_ref,
           UNARY + [Case(np.array([-100.0, -20.0, 0.0, 20.0, 100.0]))], grad2=True),
    OpSpec("erf", m.erf, _erf_ref, UNARY, grad2=True),
    OpSpec("floor", m.floor, np.floor, UNARY + [Case(np.array([-1.5, -0.5, 0.5, 2.0]))],
           grad=False),
    OpSpec("ceil", m.ceil, np.ceil, UNARY + [Case(np.array([-1.5, -0.5, 0.5, 2.0]))],
           grad=False),
    OpSpec("round", m.round, np.round,
           UNARY + [Case(np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 1.4, -2.6]))], grad=False),
    OpSpec("round_int", m.round, np.round, [Case(INT_A)], dtypes=("int32",), grad=False),
    OpSpec("conj", m.conj, np.conj, UNARY, grad2=True),
    OpSpec("conj_complex", m.conj, np.conj, [Case(np.array([1 + 2j, -3j, 0.5]))],
           dtypes=("complex128",), grad=False),
    OpSpec("conj_gradient",  # f = re(conj(y + ix) * c): d/dx = im(c), d/dy = re(c)
           lambda x, y: m.real(m.conj(m.cast(x, fg.complex128) * 1j + m.cast(y, fg.complex128))
                               * (0.5 - 2j)),
           lambda x, y: (np.conj(y + 1j * x) * (0.5 - 2j)).real,
           [Case((3,), (3,)), Case((2, 3), (2, 3))], dtypes=("float64",), grad2=True),
    OpSpec("conj_int", m.conj, np.conj, [Case(INT_A)], dtypes=("int32",), grad=False),
    OpSpec("real", m.real, np.real, UNARY, grad2=True),
    OpSpec("real_complex", m.real, np.real,
           [Case(np.array([1 + 2j, -3j, 0.5])), Case(np.array([1 + 2j], np.complex64))],
           dtypes=("complex128",), grad=False),
    OpSpec("is_nan", m.is_nan, np.isnan, [Case(np.array([0.0, np.nan, np.inf, -np.inf, -1.0]))],
           grad=False),
    OpSpec("is_inf", m.is_inf, np.isinf, [Case(np.array([0.0, np.nan, np.inf, -np.inf, -1.0]))],
           grad=False),
    OpSpec("is_finite", m.is_finite, np.isfinite,
           [Case(np.array([0.0, np.nan, np.inf, -np.inf, -1.0])), Case(())], grad=False),
    OpSpec("logical_not", m.logical_not, np.logical_not, [Case(BOOL_A), Case(np.array(True))],
           dtypes=("bool",), grad=False),
    OpSpec("invert", m.invert, np.invert,
           [Case(INT_A), Case(np.array([0, 1, 255], np.uint8))], dtypes=("int32",), grad=False),

    # -- comparison and logic -----------------------------------------------------------------
    *[OpSpec(f.__name__, f, r, BINARY + [Case(INT_A, INT_B), Case(TIES, TIES[::-1])],
             grad=False)
      for f, r in [(m.equal, np.equal), (m.not_equal, np.not_equal), (m.less, np.less),
                   (m.less_equal, np.less_equal), (m.greater, np.greater),
                   (m.greater_equal, np.greater_equal)]],
    *[OpSpec(f.__name__, f, r, [Case(BOOL_A, BOOL_B), Case(BOOL_A, np.array([True, False, True])),
                                Case(np.array(True), BOOL_B)], dtypes=("bool",), grad=False)
      for f, r in [(m.logical_and, np.logical_and), (m.logical_or, np.logical_or),
                   (m.logical_xor, np.logical_xor)]],
    *[OpSpec(f.__name__, f, r, [Case(INT_A, INT_B), Case(INT_A, np.int32(6)),
                                Case(np.array([12, 10], np.uint8), np.array([10, 6], np.uint8))],
             dtypes=("int32",), grad=False)
      for f, r in [(m.bitwise_and, np.bitwise_and), (m.bitwise_or, np.bitwise_or),
                   (m.bitwise_xor, np.bitwise_xor)]],

    # -- where, clip, cast --------------------------------------------------------------------
    OpSpec("where_select", m.where, np.where,
           [Case(BOOL_A, (2, 3), (2, 3)), Case(BOOL_A, (3,), ()),
            Case(_b([True], [False]), (1, 3), (2, 1)), Case(np.array(True), (), (2,)),
            Case(np.zeros((0, 3), bool), (0, 3), (3,))], grad2=True),
    OpSpec("where_select_int", m.where, np.where, [Case(BOOL_A, INT_A, INT_B)],
           dtypes=("int32",), grad=False),
    OpSpec("where_indices", m.where, lambda c: np.argwhere(c).astype(np.int64),
           [Case(BOOL_A), Case(np.array([False, True, True])), Case(np.array(True)),
            Case(np.array(False)), Case(np.zeros((0, 2), bool)),
            Case(np.arange(24).reshape(2, 3, 4) % 5 == 0), Case(INT_A),
            Case(np.array([0.0, 1.5, -2.0]))], dtypes=("bool",), grad=False),
    OpSpec("clip_by_value", lambda x: m.clip_by_value(x, -0.5, 0.5),
           lambda x: np.clip(x, -0.5, 0.5), UNARY),
    OpSpec("clip_by_value_tensor_bounds",
           lambda x, a, b: m.clip_by_value(x, m.minimum(a, b), m.maximum(a, b)),
           lambda x, a, b: np.clip(x, np.minimum(a, b), np.maximum(a, b)),
           [Case((2, 3), (), ()), Case((2, 3), (3,), (2, 1))]),
    OpSpec("clip_by_value_int", lambda x: m.clip_by_value(x, -3, 4), lambda x: np.clip(x, -3, 4),
           [Case(INT_A)], dtypes=("int32",), grad=False),
    OpSpec("cast_to_int", lambda x: m.cast(x, fg.int32), lambda x: x.astype(np.int32),
           [Case(np.array([[1.7, -1.7, 0.5], [-0.5, 2.0, -3.9]])), Case(())], grad=False),
    OpSpec("cast_to_float64", lambda x: m.cast(x, fg.float64), lambda x: x.astype(np.float64),
           UNARY, grad=False),
    OpSpec("cast_to_float16", lambda x: m.cast(x, fg.float16), lambda x: x.astype(np.float16),
           UNARY, grad=False),
    OpSpec("cast_through_complex", lambda x: m.real(m.cast(x, fg.complex128)),
           lambda x: x.astype(np.complex128).real, UNARY, dtypes=("float64",), grad2=True),
    OpSpec("cast_from_int", lambda x: m.cast(x, fg.float32), lambda x: x.astype(np.float32),
           [Case(INT_A), Case(np.array([2 ** 40, -3], np.int64)),
            Case(np.array([0, 255], np.uint8))],
           dtypes=("int32",), grad=False),
    OpSpec("cast_int_wraps", lambda x: m.cast(x, fg.int8), lambda x: x.astype(np.int8),
           [Case(np.array([127, 128, -129, 300], np.int32))], dtypes=("int32",), grad=False),
    OpSpec("cast_bool", lambda x: m.cast(m.cast(x, fg.bool), fg.float32),
           lambda x: x.astype(bool).astype(np.float32),
           [Case(np.array([0.0, -0.5, 2.0])), Case(INT_A)], grad=False),
    OpSpec("cast_complex_to_float", lambda x: m.cast(x, fg.float64),
           lambda x: x.real.astype(np.float64), [Case(np.array([1 + 2j, -3.5 - 1j]))],
           dtypes=("complex128",), grad=False),
    OpSpec("saturate_cast_int8", lambda x: m.saturate_cast(x, fg.int8), _saturate_ref(np.int8),
           [Case(np.array([-300.7, 300.2, 1.7, -1.7, 127.5, -128.9])), Case((2, 3))],
           grad=False),
    OpSpec("saturate_cast_uint8", lambda x: m.saturate_cast(x, fg.uint8), _saturate_ref(np.uint8),
           [Case(np.array([-3.0, 300.0, 254.9, 0.5]))], grad=False),
    OpSpec("saturate_cast_float32", lambda x: m.saturate_cast(x, fg.float32),
           _saturate_ref(np.float32), [Case(np.array([1e300, -1e300, 1.5, 0.0]))],
           dtypes=("float64",), grad=False),
    OpSpec("saturate_cast_int_narrowing", lambda x: m.saturate_cast(x, fg.int8),
           _saturate_ref(np.int8), [Case(np.array([-1000, -5, 5, 1000], np.int32))],
           dtypes=("int32",), grad=False),
    OpSpec("saturate_cast_int_to_uint", lambda x: m.saturate_cast(x, fg.uint16),
           _saturate_ref(np.uint16), [Case(np.array([-1000, 5, 70000], np.int64))],
           dtypes=("int64",), grad=False),

    # -- reductions ---------------------------------------------------------------------------
    OpSpec("reduce_sum", m.reduce_sum, _reduce_ref(np.sum), REDUCE, grad2=True),
    OpSpec("reduce_sum_int", m.reduce_sum,
           lambda x, **kw: _reduce_ref(np.sum, dtype=x.dtype)(x, **kw), REDUCE, dtypes=INTS,
           domain=_ints, grad=False),
    OpSpec("reduce_mean", m.reduce_mean, _reduce_ref(np.mean), REDUCE, grad2=True),
    OpSpec("reduce_mean_int", m.reduce_mean, _int_mean_ref, REDUCE_NONEMPTY + [
        Case(np.array([[-3, 1], [5, 2]], np.int32), axis=1),
        Case(np.array([2 ** 62, 2 ** 62 - 1], np.int64))], dtypes=INTS, domain=_ints,
        grad=False),
    OpSpec("reduce_max", m.reduce_max, _extreme_ref(np.max, _lowest), REDUCE),
    OpSpec("reduce_max_ties", m.reduce_max, _extreme_ref(np.max, _lowest),
           [Case(TIES), Case(TIES, axis=1), Case(TIES, axis=0, keepdims=True)]),
    OpSpec("reduce_max_int", m.reduce_max, _extreme_ref(np.max, _lowest), REDUCE, dtypes=INTS,
           domain=_ints, grad=False),
    OpSpec("reduce_min", m.reduce_min, _extreme_ref(np.min, _highest), REDUCE),
    OpSpec("reduce_min_ties", m.reduce_min, _extreme_ref(np.min, _highest),
           [Case(-TIES), Case(-TIES, axis=-1)]),
    OpSpec("reduce_min_int", m.reduce_min, _extreme_ref(np.min, _highest), REDUCE, dtypes=INTS,
           domain=_ints, grad=False),
    OpSpec("reduce_prod", m.reduce_prod, _reduce_ref(np.prod), REDUCE, grad2=True),
    OpSpec("reduce_prod_with_zeros", m.reduce_prod, _reduce_ref(np.prod),
           [Case(np.array([[0.0, 2.0, 3.0], [1.5, -1.0, 0.5]]), axis=1),
            Case(np.array([[0.0, 2.0, 3.0], [0.0, -1.0, 0.5]])),
            Case(np.array([[0.0, 2.0, 0.0], [1.0, -1.0, 0.5]]), axis=-1)]),
    OpSpec("reduce_prod_int", m.reduce_prod,
           lambda x, **kw: _reduce_ref(np.prod, dtype=x.dtype)(x, **kw),
           [Case(INT_A), Case(INT_A, axis=0)], dtypes=("int32",), grad=False),
    OpSpec("reduce_any", m.reduce_any, _reduce_ref(np.any),
           [Case(BOOL_A), Case(BOOL_A, axis=0), Case(BOOL_A, axis=-1, keepdims=True),
            Case(np.zeros((0, 3), bool), axis=0), Case(np.array(True))], dtypes=("bool",),
           grad=False),
    OpSpec("reduce_all", m.reduce_all, _reduce_ref(np.all),
           [Case(BOOL_A), Case(BOOL_A, axis=[0, 1]), Case(BOOL_A, axis=1, keepdims=True),
            Case(np.zeros((0, 3), bool), axis=0)], dtypes=("bool",), grad=False),
    OpSpec("reduce_logsumexp", m.reduce_logsumexp, _logsumexp_ref,
           REDUCE_NONEMPTY + [Case(np.array([[1000.0, 1000.5], [-1000.0, -999.0]]), axis=1)],
           grad2=True),
    OpSpec("reduce_logsumexp_infinite", m.reduce_logsumexp, _logsumexp_ref,
           [Case(np.array([-np.inf, -np.inf])), Case(np.array([[-np.inf, 1.0], [np.inf, 0.0]]),
                                                     axis=1), Case((0, 3), axis=0)],
           grad=False),
    OpSpec("reduce_variance", m.reduce_variance, _reduce_ref(np.var), REDUCE_NONEMPTY,
           grad2=True),
    OpSpec("reduce_std", m.reduce_std, _reduce_ref(np.std), REDUCE_SPREAD, grad2=True),
    OpSpec("reduce_euclidean_norm", m.reduce_euclidean_norm,
           lambda x, axis=None, keepdims=False: np.sqrt(
              np.sum(np.square(x), axis=_axis(axis), keepdims=keepdims)),
           REDUCE_SPREAD, grad2=True),
    OpSpec("reduce_euclidean_norm_int", m.reduce_euclidean_norm,
           lambda x, axis=None: np.floor(np.sqrt(np.sum(
              np.square(x.astype(np.float64)), axis=axis))).astype(x.dtype),
           [Case(np.array([[1, 2, 3], [1, 1, 1]], np.int32)),
            Case(np.array([[1, 2, 3], [1, 1, 1]], np.int32), axis=1)],
           dtypes=("int32",), grad=False),
    OpSpec("count_nonzero", m.count_nonzero,
           lambda x, axis=None, keepdims=False, dtype=fg.int64: np.asarray(
              np.count_nonzero(x, axis=_axis(axis), keepdims=keepdims)).astype(
                  dtype.as_numpy_dtype),
           [Case(np.array([[0.0, 1.5, 0.0], [2.0, -1.0, 0.0]])),
            Case(np.array([[0.0, 1.5, 0.0], [2.0, -1.0, 0.0]]), axis=1, keepdims=True),
            Case(INT_A, axis=0), Case(BOOL_A, axis=-1), Case(INT_A, dtype=fg.int32)],
           grad=False),
    OpSpec("argmax", m.argmax,
           lambda x, axis=None, output_type=fg.int64: np.argmax(
              x, axis=0 if axis is None else axis).astype(output_type.as_numpy_dtype),
           [Case((3, 4)), Case((3, 4), axis=1), Case((2, 3, 4), axis=-1), Case((5,)),
            Case(TIES, axis=1), Case(TIES[::-1], axis=0), Case(INT_A, axis=1),
            Case((3, 4), axis=0, output_type=fg.int32)], grad=False),
    OpSpec("argmin", m.argmin,
           lambda x, axis=None, output_type=fg.int64: np.argmin(
              x, axis=0 if axis is None else axis).astype(output_type.as_numpy_dtype),
           [Case((3, 4)), Case((3, 4), axis=1), Case((2, 3, 4), axis=-1), Case((5,)),
            Case(-TIES, axis=1), Case(INT_A, axis=1),
            Case((3, 4), axis=0, output_type=fg.int32)], grad=False),

    # -- scans --------------------------------------------------------------------------------
    *[OpSpec(f.__name__, f, _scan_ref(r, ident),
             [Case((3, 4), axis=0), Case((3, 4), axis=1, exclusive=True),
              Case((3, 4), axis=-1, reverse=True),
              Case((2, 3, 4), axis=1, exclusive=True, reverse=True), Case((5,)),
              Case((0, 3), axis=0, exclusive=True), Case((2, 0), axis=1)], grad2=True)
      for f, r, ident in [(m.cumsum, np.cumsum, 0), (m.cumprod, np.cumprod, 1)]],
    *[OpSpec(f"{f.__name__}_int", f, _scan_ref(r, ident),
             [Case(INT_A, axis=1), Case(INT_A, axis=0, exclusive=True, reverse=True)],
             dtypes=("int32",), grad=False)
      for f, r, ident in [(m.cumsum, np.cumsum, 0), (m.cumprod, np.cumprod, 1)]],

    # -- top_k, bincount ----------------------------------------------------------------------
    OpSpec("top_k", m.top_k, _top_k_ref,
           [Case((5,), k=2), Case((3, 6), k=3), Case((2, 3, 4), k=4), Case((3, 4), k=0),
            Case((4,))], grad2=True),
    OpSpec("top_k_ties", m.top_k, _top_k_ref,
           [Case(np.array([1.0, 3.0, 3.0, 2.0, 3.0]), k=3),
            Case(np.array([[2.0, 2.0, 1.0], [0.0, 5.0, 5.0]]), k=2)], grad=False),
    OpSpec("top_k_int", m.top_k, _top_k_ref,
           [Case(INT_A, k=2), Case(np.array([3, 0, 255, 7], np.uint8), k=3),
            Case(np.array([np.iinfo(np.int32).min, 0, 5], np.int32), k=3)],
           dtypes=("int32",), grad=False),
    OpSpec("bincount", m.bincount, _bincount_ref,
           [Case(np.array([1, 1, 3, 0, 5], np.int32)),
            Case(np.array([[1, 4], [1, 0]], np.int32), minlength=7),
            Case(np.array([1, 1, 3, 0, 5], np.int32), maxlength=3),
            Case(np.array([1, 1, 3, 0, 5], np.int32), dtype=fg.float32),
            Case(np.array([1, 1, 3, 0, 5], np.int32), binary_output=True),
            Case(np.zeros(0, np.int32)), Case(np.zeros(0, np.int32), minlength=2),
            Case(np.array([2, 2, 1], np.int64)),
            Case(np.array([[1, 1, 3], [0, 2, 2]], np.int32), axis=-1),
            Case(np.array([[1, 1, 3], [0, 2, 2]], np.int32), axis=-1, minlength=6,
                 binary_output=True),
            Case(np.array([[1, 1, 3], [0, 2, 2]], np.int32), axis=-1, maxlength=2),
            Case(np.zeros((2, 0), np.int32), axis=-1)],
           dtypes=("int32",), grad=False),
    OpSpec("bincount_weighted", lambda a, w, **kw: m.bincount(a, weights=w, **kw),
           lambda a, w, **kw: _bincount_ref(a, w, **kw),
           [Case(np.array([1, 1, 3, 0], np.int32), np.array([0.5, 1.0, 2.0, -1.0])),
            Case(np.array([1, 1, 3, 0], np.int32), np.array([0.5, 1.0, 2.0, -1.0]),
                 maxlength=2),
            Case(np.array([[1, 2], [0, 2]], np.int32), np.array([[1.0, 2.0], [3.0, 4.0]]),
                 minlength=5),
            Case(np.array([[1, 2], [0, 2]], np.int32), np.array([[1.0, 2.0], [3.0, 4.0]]),
                 axis=-1)], grad=False),
]
