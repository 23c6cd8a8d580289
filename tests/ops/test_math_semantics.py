"""TensorFlow's semantics for the math ops, beyond what the NumPy-referenced specs check: dtype
rules (no silent promotion), error messages, integer arithmetic, rounding, the Tensor operators,
gradient conventions (ties, zeros, non-differentiable ops) and complex gradients."""

import numpy as np
import pytest

import flowgrad as tf
from flowgrad.testing.gradient_check import tape_gradients
from flowgrad.errors import InvalidArgumentError
from flowgrad.ops import math_ops


def _grad(f, *xs):
    return tape_gradients(f, *xs)


# -- dtype rules -----------------------------------------------------------------------------------
@pytest.mark.parametrize("fn", [tf.add, tf.subtract, tf.multiply, tf.maximum, tf.math.floormod,
                                tf.math.equal, tf.math.squared_difference,
                                lambda x, y: x + y, lambda x, y: x * y, lambda x, y: x < y])
def test_mixed_float_dtypes_raise_naming_both(fn):
    x, y = tf.constant([1.0, 2.0]), tf.constant([1.0, 2.0], tf.float64)
    with pytest.raises(InvalidArgumentError) as info:
        fn(x, y)
    assert isinstance(info.value, ValueError)
    assert "float32" in str(info.value) and "float64" in str(info.value)


def test_mixed_int_and_float_tensors_raise():
    with pytest.raises(InvalidArgumentError, match="int32"):
        tf.constant([1, 2]) + tf.constant([1.0, 2.0])


def test_python_scalars_adopt_the_tensor_dtype():
    assert (tf.constant(1.5) + 2).dtype == tf.float32
    assert (2 + tf.constant(1.5)).dtype == tf.float32
    assert (tf.constant(1.5, tf.float64) * 2).dtype == tf.float64
    assert (tf.constant(1) + 2).dtype == tf.int32
    assert (tf.constant(1, tf.int64) + 2 ** 40).numpy() == 2 ** 40 + 1
    assert (tf.constant(1.0, tf.float16) - 0.5).dtype == tf.float16


def test_python_float_with_int_tensor_is_a_type_error():
    with pytest.raises(TypeError):
        tf.constant(1) + 1.5
    with pytest.raises(TypeError):
        1.5 * tf.constant(1)


def test_two_python_values_take_the_first_operands_dtype():
    assert tf.add(1, 2).dtype == tf.int32
    assert tf.add(1.0, 2).dtype == tf.float32
    with pytest.raises(TypeError):
        tf.add(1, 2.5)


def test_numpy_arrays_adopt_the_tensor_dtype():
    t = tf.constant([1.0, 2.0])
    assert (t + np.array([1.0, 2.0])).dtype == tf.float32
    assert (np.array([1.0, 2.0]) + t).dtype == tf.float32
    assert (tf.constant([1, 2]) * np.array([3, 4], np.int64)).dtype == tf.int32
    np.testing.assert_array_equal((np.array([3.0, 4.0]) - t).numpy(), [2.0, 2.0])


def test_variables_follow_the_same_rules():
    v = tf.Variable([1.0, 2.0])
    assert (v + 1).dtype == tf.float32
    assert (tf.constant([1.0, 1.0]) * v).numpy().tolist() == [1.0, 2.0]
    with pytest.raises(InvalidArgumentError):
        v + tf.constant([1.0, 2.0], tf.float64)


def test_broadcast_mismatch_names_both_shapes():
    with pytest.raises(InvalidArgumentError) as info:
        tf.constant([[1.0, 2.0, 3.0]]) * tf.constant([1.0, 2.0])
    msg = str(info.value)
    assert "Incompatible shapes" in msg and "[1,3]" in msg and "[2]" in msg
    assert "Mul" in msg


@pytest.mark.parametrize("fn,op", [(tf.exp, "Exp"), (tf.math.log, "Log"), (tf.sqrt, "Sqrt"),
                                   (tf.sigmoid, "Sigmoid"), (tf.math.floor, "Floor")])
def test_float_only_ops_reject_ints_naming_the_op(fn, op):
    with pytest.raises(InvalidArgumentError) as info:
        fn(tf.constant([1, 2]))
    assert op in str(info.value) and "int32" in str(info.value)


def test_logical_and_bitwise_ops_check_kinds():
    with pytest.raises(InvalidArgumentError, match="LogicalAnd"):
        tf.math.logical_and(tf.constant([1.0]), tf.constant([0.0]))
    with pytest.raises(InvalidArgumentError, match="BitwiseAnd"):
        math_ops.bitwise_and(tf.constant([1.0]), tf.constant([0.0]))
    with pytest.raises(TypeError):
        tf.constant([1.0]) | tf.constant([0.0])


# -- axes -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("call", [
    lambda x: tf.reduce_sum(x, axis=2), lambda x: tf.reduce_mean(x, axis=-3),
    lambda x: tf.reduce_max(x, axis=[0, 5]), lambda x: tf.math.argmax(x, axis=2),
    lambda x: tf.math.cumsum(x, axis=-3), lambda x: tf.reduce_sum(tf.constant(1.0), axis=0)])
def test_bad_axis_raises(call):
    with pytest.raises(InvalidArgumentError, match="Invalid reduction dimension"):
        call(tf.ones((2, 3)))


def test_axis_forms():
    x = tf.reshape(tf.range(24.0), (2, 3, 4))
    ref = np.arange(24.0).reshape(2, 3, 4)
    for axis in [1, -1, [0, 2], (2, 0), np.int64(1), np.array([0, 1]), tf.constant([0, -1]),
                 [1, -2]]:
        np_axis = tuple(np.asarray(axis).reshape(-1).tolist())
        np.testing.assert_array_equal(tf.reduce_sum(x, axis=axis).numpy(),
                                      ref.sum(axis=tuple(set(a % 3 for a in np_axis))))
    assert tf.reduce_sum(x, axis=[]).shape == (2, 3, 4)
    assert tf.reduce_sum(tf.constant(3.0)).numpy() == 3.0


# -- integer arithmetic ----------------------------------------------------------------------------
def test_integer_division_by_zero_raises():
    for op in (tf.math.floordiv, tf.math.floormod, lambda x, y: x // y, lambda x, y: x % y):
        with pytest.raises(InvalidArgumentError, match="Integer division by zero"):
            op(tf.constant([1, 2]), tf.constant([1, 0]))


def test_float_division_by_zero_is_inf():
    out = tf.constant([1.0, -1.0, 0.0]) / 0.0
    assert out.numpy()[0] == np.inf and out.numpy()[1] == -np.inf and np.isnan(out.numpy()[2])
    assert tf.math.truediv(tf.constant([1]), tf.constant([0])).numpy()[0] == np.inf


def test_floor_division_and_modulo_round_toward_negative_infinity():
    x, y = tf.constant([7, -7, 7, -7]), tf.constant([2, 2, -2, -2])
    assert (x // y).numpy().tolist() == [3, -4, -4, 3]
    assert (x % y).numpy().tolist() == [1, 1, -1, -1]
    assert (tf.constant([-7.5]) % 2.0).numpy().tolist() == [0.5]


def test_truediv_converts_ints_like_tensorflow():
    assert (tf.constant([1, 2]) / 2).dtype == tf.float64
    assert (tf.constant([1, 2], tf.int64) / 2).dtype == tf.float64
    assert (tf.constant([1, 2], tf.int16) / 2).dtype == tf.float32
    assert (tf.constant([1, 2], tf.uint8) / 2).numpy().tolist() == [0.5, 1.0]
    assert tf.divide(1, 4).numpy() == 0.25
    with pytest.raises(TypeError):
        tf.constant([True]) / tf.constant([True])


def test_integer_pow_rejects_negative_exponents():
    assert (tf.constant([2, 3]) ** 2).numpy().tolist() == [4, 9]
    with pytest.raises(InvalidArgumentError, match="negative integer powers"):
        tf.pow(tf.constant([2]), -1)


def test_reduce_mean_on_ints_truncates_toward_zero():
    assert tf.reduce_mean(tf.constant([1, 2])).numpy() == 1
    assert tf.reduce_mean(tf.constant([-3, 0])).numpy() == -1
    out = tf.reduce_mean(tf.constant([[1, 2], [3, 5]]), axis=1)
    assert out.dtype == tf.int32 and out.numpy().tolist() == [1, 4]


def test_argmax_defaults():
    x = tf.constant([[1.0, 9.0, 9.0], [8.0, 2.0, 8.0]])
    out = tf.math.argmax(x)
    assert out.dtype == tf.int64 and out.numpy().tolist() == [1, 0, 0]
    assert tf.math.argmax(x, axis=1).numpy().tolist() == [1, 0]  # ties: the first index
    assert tf.math.argmin(x, axis=1, output_type=tf.int32).dtype == tf.int32
    with pytest.raises(InvalidArgumentError, match="empty"):
        tf.math.argmax(tf.zeros((0, 3)))


# -- casts and rounding ----------------------------------------------------------------------------
def test_cast_float_to_int_truncates_toward_zero():
    out = tf.cast(tf.constant([1.7, -1.7, -0.5, 2.5]), tf.int32)
    assert out.dtype == tf.int32 and out.numpy().tolist() == [1, -1, 0, 2]


def test_cast_of_python_values_goes_through_the_default_dtype():
    # As in TF: tf.cast(0.1, tf.float64) converts 0.1 to float32 first.
    assert tf.cast(0.1, tf.float64).numpy() == np.float64(np.float32(0.1))
    assert tf.cast(np.float64(0.1), tf.float64).numpy() == 0.1
    t = tf.constant([1.0])
    assert tf.cast(t, tf.float32) is t


def test_cast_complex_and_bool():
    assert tf.cast(tf.constant([1.5 - 2j]), tf.float32).numpy().tolist() == [1.5]
    assert tf.cast(tf.constant([0.0, -0.1, 3.0]), tf.bool).numpy().tolist() == [False, True, True]
    assert tf.cast(tf.constant([True, False]), tf.int32).numpy().tolist() == [1, 0]


def test_saturate_cast_clamps():
    out = tf.saturate_cast(tf.constant([-1000, 5, 1000], tf.int64), tf.int8)
    assert out.dtype == tf.int8 and out.numpy().tolist() == [-128, 5, 127]
    assert tf.saturate_cast(tf.constant([1e10, -1e10]), tf.int32).numpy().tolist()[1] == -2 ** 31
    top = int(tf.saturate_cast(tf.constant([3e9]), tf.int32).numpy()[0])
    assert 2 ** 31 - 256 <= top <= 2 ** 31 - 1
    assert tf.saturate_cast(tf.constant([2 + 3j]), tf.float32).numpy().tolist() == [2.0]


def test_round_is_bankers_rounding():
    out = tf.round(tf.constant([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.4999]))
    assert out.numpy().tolist() == [0.0, 2.0, 2.0, 0.0, -2.0, -2.0, 0.0]


def test_conj_and_real_return_real_inputs_unchanged():
    t = tf.constant([1, 2])
    assert tf.math.conj(t) is t and tf.math.real(t) is t
    assert tf.math.conj(tf.constant([1 + 2j])).numpy().tolist() == [1 - 2j]
    with pytest.raises(TypeError):
        tf.math.conj(tf.constant([True]))


# -- reductions at the edges ----------------------------------------------------------------------
def test_extreme_reductions_of_nothing():
    assert tf.reduce_max(tf.zeros((0,))).numpy() == -np.inf
    assert tf.reduce_min(tf.zeros((0,), tf.float64)).numpy() == np.inf
    assert tf.reduce_max(tf.zeros((0,), tf.int32)).numpy() == np.iinfo(np.int32).min
    assert tf.reduce_max(tf.zeros((2, 0)), axis=1).numpy().tolist() == [-np.inf, -np.inf]
    assert tf.reduce_max(tf.zeros((0, 2)), axis=1).shape == (0,)
    assert tf.reduce_sum(tf.zeros((0, 2))).numpy() == 0.0
    assert tf.reduce_prod(tf.zeros((0, 2))).numpy() == 1.0
    assert tf.math.reduce_logsumexp(tf.zeros((0,))).numpy() == -np.inf


def test_extreme_reductions_propagate_nan():
    assert np.isnan(tf.reduce_max(tf.constant([4.0, np.nan])).numpy())
    assert np.isnan(tf.reduce_min(tf.constant([np.nan, -1.0])).numpy())
    assert tf.reduce_max(tf.constant([-np.inf, np.inf])).numpy() == np.inf


def test_reduce_logsumexp_is_stable():
    out = tf.math.reduce_logsumexp(tf.constant([[1000.0, 1000.0], [-1000.0, -1000.0]]), axis=1)
    np.testing.assert_allclose(out.numpy(), [1000 + np.log(2), -1000 + np.log(2)], rtol=1e-6)


def test_reduce_variance_rejects_ints():
    with pytest.raises(TypeError):
        tf.math.reduce_variance(tf.constant([1, 2]))
    var = tf.math.reduce_variance(tf.constant([1 + 1j, -1 - 1j]))
    assert var.dtype == tf.float64 and var.numpy() == pytest.approx(2.0)


# -- Tensor operators ------------------------------------------------------------------------------
def test_operators_match_the_functions():
    a = tf.constant([[1.5, -2.0], [3.0, 0.5]])
    b = tf.constant([[2.0, 4.0], [-1.5, 0.5]])
    pairs = [(a + b, tf.add(a, b)), (a - b, tf.subtract(a, b)), (a * b, tf.multiply(a, b)),
             (a / b, tf.divide(a, b)), (a // b, tf.math.floordiv(a, b)),
             (a % b, tf.math.floormod(a, b)), (abs(a) ** b, tf.pow(tf.abs(a), b)),
             (a @ b, tf.matmul(a, b)), (-a, tf.negative(a)), (abs(a), tf.abs(a)),
             (a < b, tf.less(a, b)), (a <= b, tf.less_equal(a, b)), (a > b, tf.greater(a, b)),
             (a >= b, tf.greater_equal(a, b)), (a == b, tf.equal(a, b)),
             (a != b, tf.not_equal(a, b)), (2 - a, tf.subtract(2.0, a)),
             (2 / a, tf.divide(2.0, a)), (2 ** a, tf.pow(2.0, a)),
             (7 // a, tf.math.floordiv(7.0, a)), (7 % a, tf.math.floormod(7.0, a))]
    for op_result, fn_result in pairs:
        assert op_result.dtype == fn_result.dtype
        np.testing.assert_array_equal(op_result.numpy(), fn_result.numpy())


def test_equality_operators_are_elementwise():
    a = tf.constant([1, 2, 3])
    assert (a == 2).numpy().tolist() == [False, True, False]
    assert (a != [1, 0, 3]).numpy().tolist() == [False, True, False]
    assert (a == None) is False  # noqa: E711 - TF compares with None by identity


def test_bool_operators_are_logical_and_int_operators_bitwise():
    p, q = tf.constant([True, True, False]), tf.constant([True, False, False])
    assert (~p).numpy().tolist() == tf.logical_not(p).numpy().tolist() == [False, False, True]
    assert (p & q).numpy().tolist() == [True, False, False]
    assert (p | q).numpy().tolist() == [True, True, False]
    assert (p ^ q).numpy().tolist() == [False, True, False]
    i, j = tf.constant([12, 10]), tf.constant([10, 6])
    assert (i & j).numpy().tolist() == [8, 2]
    assert (i | j).numpy().tolist() == [14, 14]
    assert (i ^ j).numpy().tolist() == [6, 12]
    assert (~i).numpy().tolist() == [-13, -11]


def test_generated_functions_have_names_and_docs():
    for fn in (tf.exp, tf.math.less, tf.math.logical_xor, tf.abs, tf.round):
        assert fn.__doc__ and fn.__name__ != "fn"
    assert tf.math.less.__name__ == "less" and tf.exp.__name__ == "exp"


# -- gradients -------------------------------------------------------------------------------------
def test_maximum_and_minimum_ties_send_the_gradient_to_x():
    gx, gy = _grad(lambda x, y: tf.maximum(x, y), [1.0, 2.0, 3.0], [1.0, 5.0, 3.0])
    assert gx.numpy().tolist() == [1.0, 0.0, 1.0] and gy.numpy().tolist() == [0.0, 1.0, 0.0]
    gx, gy = _grad(lambda x, y: tf.minimum(x, y), [1.0, 2.0], [1.0, 0.0])
    assert gx.numpy().tolist() == [1.0, 0.0] and gy.numpy().tolist() == [0.0, 1.0]


def test_reduce_max_ties_share_the_gradient():
    (g,) = _grad(lambda x: tf.reduce_max(x), [1.0, 3.0, 3.0, 3.0])
    np.testing.assert_allclose(g.numpy(), [0.0, 1 / 3, 1 / 3, 1 / 3])
    (g,) = _grad(lambda x: tf.reduce_min(x, axis=1), [[1.0, 1.0], [0.0, 2.0]])
    assert g.numpy().tolist() == [[0.5, 0.5], [1.0, 0.0]]


def test_reduce_prod_gradient_with_zeros():
    (g,) = _grad(lambda x: tf.reduce_prod(x), [0.0, 2.0, 3.0])
    assert g.numpy().tolist() == [6.0, 0.0, 0.0]
    (g,) = _grad(lambda x: tf.reduce_prod(x, axis=1), [[0.0, 2.0, 0.0], [1.0, 2.0, 3.0]])
    assert g.numpy().tolist() == [[0.0, 0.0, 0.0], [6.0, 3.0, 2.0]]


def test_piecewise_constant_ops():
    (g,) = _grad(lambda x: tf.sign(x) * 3.0, [-1.0, 0.0, 2.0])
    assert g is not None and g.numpy().tolist() == [0.0, 0.0, 0.0]  # TF: zeros, not None
    for fn in (tf.floor, tf.math.ceil, tf.round):
        assert _grad(fn, [0.3])[0] is None
    (g,) = _grad(tf.abs, [-2.0, 0.0, 2.0])
    assert g.numpy().tolist() == [-1.0, 0.0, 1.0]


def test_gradients_that_avoid_nan():
    gx, gy = _grad(lambda x, y: tf.pow(x, y), [0.0, 2.0], [2.0, 3.0])
    assert gx.numpy().tolist() == [0.0, 12.0]
    np.testing.assert_allclose(gy.numpy(), [0.0, 8 * np.log(2)])
    gx, gy = _grad(tf.math.divide_no_nan, [1.0, 2.0], [0.0, 4.0])
    assert gx.numpy().tolist() == [0.0, 0.25] and gy.numpy().tolist() == [0.0, -0.125]
    (g,) = _grad(tf.math.reduce_logsumexp, [-np.inf, 0.0])
    assert g.numpy().tolist() == [0.0, 1.0]


def test_clip_by_value_gradient():
    (g,) = _grad(lambda x: tf.clip_by_value(x, -1.0, 1.0), [-2.0, 0.5, 3.0, 1.0])
    assert g.numpy().tolist() == [0.0, 1.0, 0.0, 1.0]
    with pytest.raises(ValueError, match="shape"):
        tf.clip_by_value(tf.constant([1.0, 2.0]), tf.zeros((3, 2)), 1.0)


def test_integer_outputs_have_no_gradient():
    x = tf.constant([1.0, 3.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.cast(tf.math.argmax(x), tf.float32)
    assert tape.gradient(y, x) is None


def test_top_k_gradient_scatters_into_the_input():
    (g,) = _grad(lambda x: tf.math.top_k(x, k=2).values * tf.constant([1.0, 10.0]),
                 [[1.0, 5.0, 3.0], [4.0, 0.0, 2.0]])
    assert g.numpy().tolist() == [[0.0, 1.0, 10.0], [1.0, 0.0, 10.0]]


@pytest.mark.parametrize("f", [
    tf.exp, tf.math.log, tf.sqrt, tf.square, tf.sin, tf.cos, tf.tanh, tf.math.reciprocal,
    tf.math.rsqrt, tf.math.expm1, tf.math.log1p, tf.math.sinh, tf.math.cosh,
    lambda z: z * z * tf.constant(0.3 - 0.7j, tf.complex128),
    lambda z: tf.constant(1.5 + 0.5j, tf.complex128) / z, lambda z: tf.pow(z, 3 + 0j),
    lambda z: tf.math.divide_no_nan(z, z * z), lambda z: tf.reduce_prod(z),
    lambda z: tf.math.cumprod(z, exclusive=True), lambda z: tf.math.cumsum(z, reverse=True),
    lambda z: tf.math.squared_difference(z, 0.5j), lambda z: tf.reduce_mean(tf.math.conj(z)),
    lambda z: tf.cast(tf.abs(z), tf.complex128)], ids=lambda f: getattr(f, "__name__", "fn"))
def test_complex_gradients_follow_tensorflows_convention(f):
    # TF: for a real loss L(z), the gradient is dL/d(re z) + i dL/d(im z).
    rng = np.random.default_rng(0)
    z0 = rng.uniform(0.5, 1.5, 3) + 1j * rng.uniform(-1, 1, 3)
    w = rng.standard_normal(3) + 1j * rng.standard_normal(3)

    def loss(z):
        out = f(z)
        return tf.reduce_sum(tf.math.real(out * tf.constant(np.broadcast_to(
            w, out.shape).copy() if out.shape.rank else w[0])))

    z = tf.constant(z0)
    with tf.GradientTape() as tape:
        tape.watch(z)
        value = loss(z)
    g = tape.gradient(value, z).numpy()
    eps = 1e-6
    numeric = np.zeros(3, complex)
    for k in range(3):
        for unit in (1, 1j):
            d = np.zeros(3, complex)
            d[k] = eps * unit
            diff = float(loss(tf.constant(z0 + d))) - float(loss(tf.constant(z0 - d)))
            numeric[k] += unit * diff / (2 * eps)
    np.testing.assert_allclose(g, numeric, rtol=1e-5, atol=1e-7)


# -- argument checks -------------------------------------------------------------------------------
def test_where_forms():
    assert tf.where(tf.constant([[True, False], [False, True]])).numpy().tolist() == [[0, 0],
                                                                                       [1, 1]]
    assert tf.where(tf.constant([0, 3, 5])).dtype == tf.int64
    assert tf.where(tf.constant(True)).shape == (1, 0)
    with pytest.raises(ValueError):
        tf.where(tf.constant([True]), 1.0)
    with pytest.raises(InvalidArgumentError, match="bool"):
        tf.where(tf.constant([1]), 1.0, 0.0)
    assert tf.where(tf.constant([True, False]), tf.constant([1, 2]), 0).numpy().tolist() == [1, 0]


def test_top_k_results_and_errors():
    out = tf.math.top_k(tf.constant([[3, 1, 3, 2]]), k=3)
    assert out.values.numpy().tolist() == [[3, 3, 2]]
    assert out.indices.numpy().tolist() == [[0, 2, 3]] and out.indices.dtype == tf.int32
    assert tf.math.top_k(tf.constant([1.0, 2.0]), index_type=tf.int64).indices.dtype == tf.int64
    with pytest.raises(InvalidArgumentError, match="at least k"):
        tf.math.top_k(tf.constant([1.0, 2.0]), k=3)
    with pytest.raises(InvalidArgumentError):
        tf.math.top_k(tf.constant(1.0))


def test_bincount_arguments():
    assert tf.math.bincount(tf.constant([[1, 1], [0, 2]]), axis=-1).numpy().tolist() == [
        [0, 2, 0], [1, 0, 1]]
    with pytest.raises(InvalidArgumentError, match="non-negative"):
        tf.math.bincount(tf.constant([1, -1]))
    with pytest.raises(ValueError, match="mutually exclusive"):
        tf.math.bincount(tf.constant([1]), weights=tf.constant([1.0]), binary_output=True)
    with pytest.raises(InvalidArgumentError, match="2-D"):
        tf.math.bincount(tf.constant([1, 2]), axis=-1)
    with pytest.raises(InvalidArgumentError, match="Bincount"):
        tf.math.bincount(tf.constant([1.0]))


def test_add_n_and_scalar_mul_arguments():
    assert tf.math.add_n([tf.constant([1, 2])] * 3).numpy().tolist() == [3, 6]
    with pytest.raises(ValueError):
        tf.math.add_n([])
    with pytest.raises(InvalidArgumentError, match="same shape"):
        tf.math.add_n([tf.ones((2,)), tf.ones((3,))])
    with pytest.raises(ValueError, match="0-D"):
        tf.math.scalar_mul(tf.constant([1.0, 2.0]), tf.ones((2,)))
    assert tf.math.scalar_mul(2, tf.constant([1.5])).numpy().tolist() == [3.0]


def test_count_nonzero():
    out = tf.math.count_nonzero(tf.constant([[0.0, 1.0], [2.0, 0.5]]), axis=1)
    assert out.dtype == tf.int64 and out.numpy().tolist() == [1, 2]
    assert tf.math.count_nonzero(tf.constant([True, False, True])).numpy() == 2


def test_reduce_euclidean_norm_on_ints_truncates():
    out = tf.math.reduce_euclidean_norm(tf.constant([[1, 2, 3], [1, 1, 1]]))
    assert out.dtype == tf.int32 and out.numpy() == 4
