"""tf.random: TensorFlow's global/op seed rules, stateless ops, Generator, gradients through
mean / stddev / bounds, shape arguments and errors. Distributions are checked in specs_random."""

import numpy as np
import pytest

import flowgrad as tf
from flowgrad import errors
from flowgrad.core.registry import REGISTRY
from flowgrad.ops import random_ops


@pytest.fixture(autouse=True)
def _no_global_seed():
    tf.random.set_seed(None)
    yield
    tf.random.set_seed(None)


def _same(a, b):
    return np.array_equal(a.numpy(), b.numpy())


# -- seed semantics -------------------------------------------------------------------------------
def test_global_seed_reproduces_the_sequence_of_calls():
    tf.random.set_seed(1234)
    a1, b1, c1 = tf.random.normal([4]), tf.random.uniform([4]), tf.random.normal([4])
    tf.random.set_seed(1234)
    a2, b2, c2 = tf.random.normal([4]), tf.random.uniform([4]), tf.random.normal([4])
    assert _same(a1, a2) and _same(b1, b2) and _same(c1, c2)
    assert not _same(a1, c1)


def test_global_seed_values_depend_on_the_seed():
    tf.random.set_seed(1)
    a = tf.random.normal([4])
    tf.random.set_seed(2)
    assert not _same(a, tf.random.normal([4]))


def test_op_seed_with_global_seed_gives_a_sequence_restarted_by_set_seed():
    tf.random.set_seed(7)
    first = [tf.random.uniform([3], seed=1) for _ in range(3)]
    assert not _same(first[0], first[1]) and not _same(first[1], first[2])
    tf.random.set_seed(7)
    again = [tf.random.uniform([3], seed=1) for _ in range(3)]
    assert all(_same(a, b) for a, b in zip(first, again))


def test_op_seed_sequence_is_not_shifted_by_calls_without_op_seed():
    tf.random.set_seed(7)
    a = tf.random.normal([3], seed=5)
    tf.random.set_seed(7)
    tf.random.normal([3])
    tf.random.uniform([2])
    assert _same(a, tf.random.normal([3], seed=5))


def test_different_op_seeds_give_different_values():
    tf.random.set_seed(7)
    a = tf.random.normal([4], seed=1)
    assert not _same(a, tf.random.normal([4], seed=2))


def test_op_seed_without_global_seed_uses_the_default_global_seed():
    a = tf.random.normal([4], seed=3)
    assert not _same(a, tf.random.normal([4], seed=3))  # a sequence, as with a global seed
    tf.random.set_seed(None)
    b = tf.random.normal([4], seed=3)
    tf.random.set_seed(random_ops.DEFAULT_GLOBAL_SEED)
    c = tf.random.normal([4], seed=3)
    assert _same(a, b) and _same(a, c)


def test_no_seed_at_all_differs_between_calls():
    assert not _same(tf.random.normal([8]), tf.random.normal([8]))
    assert not _same(tf.random.shuffle(tf.range(50)), tf.random.shuffle(tf.range(50)))


def test_get_seed_follows_the_four_rules():
    assert random_ops.get_seed(None) == (None, None)
    assert random_ops.get_seed(5) == (random_ops.DEFAULT_GLOBAL_SEED, 5)
    tf.random.set_seed(11)
    assert random_ops.get_seed(5) == (11, 5)
    first = [random_ops.get_seed(None) for _ in range(3)]
    assert len({op for _, op in first}) == 3 and all(g == 11 for g, _ in first)
    tf.random.set_seed(11)
    assert [random_ops.get_seed(None) for _ in range(3)] == first


@pytest.mark.parametrize("fn", [
    lambda **kw: tf.random.normal([5], **kw),
    lambda **kw: tf.random.uniform([5], **kw),
    lambda **kw: tf.random.uniform([5], maxval=100, dtype=tf.int64, **kw),
    lambda **kw: tf.random.truncated_normal([5], **kw),
    lambda **kw: tf.random.categorical([[0.0, 1.0, 2.0]], 8, **kw),
    lambda **kw: tf.random.shuffle(tf.range(20), **kw),
], ids=["normal", "uniform", "uniform_int", "truncated_normal", "categorical", "shuffle"])
def test_every_stateful_op_follows_the_seed_rules(fn):
    tf.random.set_seed(3)
    a, b, c = fn(), fn(seed=9), fn(seed=9)
    tf.random.set_seed(3)
    assert _same(a, fn()) and _same(b, fn(seed=9)) and _same(c, fn(seed=9))


# -- stateless ------------------------------------------------------------------------------------
@pytest.mark.parametrize("fn", [
    lambda seed, **kw: tf.random.stateless_normal([6], seed, **kw),
    lambda seed, **kw: tf.random.stateless_uniform([6], seed, **kw),
    lambda seed, **kw: tf.random.stateless_uniform([6], seed, minval=0, maxval=1000,
                                                   dtype=tf.int32, **kw),
    lambda seed, **kw: tf.random.stateless_truncated_normal([6], seed, **kw),
], ids=["normal", "uniform", "uniform_int", "truncated_normal"])
def test_stateless_ops_are_pure_functions_of_the_seed(fn):
    a = fn([1, 2])
    tf.random.set_seed(99)
    tf.random.normal([3])
    assert _same(a, fn([1, 2]))
    assert _same(a, fn(tf.constant([1, 2], dtype=tf.int64)))
    assert _same(a, fn([1, 2], alg="philox"))
    assert _same(a, fn([1, 2], alg=tf.random.Algorithm.PHILOX))
    assert not _same(a, fn([1, 3])) and not _same(a, fn([2, 1]))
    assert _same(fn([1, 2], alg="threefry"), fn([1, 2], alg="threefry"))
    assert not _same(a, fn([1, 2], alg="threefry"))


def test_stateless_categorical_is_deterministic():
    logits = tf.math.log([[0.2, 0.8], [0.5, 0.5]])
    a = tf.random.stateless_categorical(logits, 20, seed=[4, 5])
    assert _same(a, tf.random.stateless_categorical(logits, 20, seed=[4, 5]))
    assert a.dtype == tf.int64 and a.shape == (2, 20)


def test_stateless_uniform_full_range_integers():
    x = tf.random.stateless_uniform([1000], [1, 2], minval=None, maxval=None, dtype=tf.uint32)
    assert x.dtype == tf.uint32 and int(tf.reduce_max(x)) > 2 ** 31


# -- Generator ------------------------------------------------------------------------------------
def test_generator_from_seed_is_deterministic_and_a_sequence():
    g1, g2 = tf.random.Generator.from_seed(42), tf.random.Generator.from_seed(42)
    a1, a2 = g1.normal([4]), g1.normal([4])
    assert not _same(a1, a2)
    assert _same(a1, g2.normal([4])) and _same(a2, g2.normal([4]))
    assert not _same(a1, tf.random.Generator.from_seed(43).normal([4]))
    assert _same(tf.random.Generator.from_seed([1, 2]).uniform([3]),
                 tf.random.Generator.from_seed(tf.constant([1, 2])).uniform([3]))


def test_generator_ignores_the_global_seed():
    tf.random.set_seed(1)
    a = tf.random.Generator.from_seed(5).normal([3])
    tf.random.set_seed(2)
    assert _same(a, tf.random.Generator.from_seed(5).normal([3]))


def test_generator_reset_copy_and_algorithm():
    g = tf.random.Generator.from_seed(8, alg="threefry")
    assert g.algorithm == tf.random.Algorithm.THREEFRY.value
    first = g.uniform([3])
    copy = tf.random.Generator(copy_from=g)
    assert _same(g.uniform([3]), copy.uniform([3]))
    g.reset_from_seed(8)
    assert _same(first, g.uniform([3]))
    assert tf.random.Generator.from_seed(8).algorithm == tf.random.Algorithm.PHILOX.value
    assert not _same(first, tf.random.Generator.from_seed(8).uniform([3]))


def test_generator_methods_shapes_dtypes_and_bounds():
    g = tf.random.Generator.from_seed(3)
    assert g.normal([2, 3], dtype=tf.float64).dtype == tf.float64
    t = g.truncated_normal([1000], mean=1.0, stddev=0.5)
    assert float(tf.reduce_max(tf.abs(t - 1.0))) <= 1.0 + 1e-6
    u = g.uniform([1000], minval=3, maxval=5, dtype=tf.int32)
    assert u.dtype == tf.int32 and set(np.unique(u.numpy())) == {3, 4}
    full = g.uniform_full_int([4])
    assert full.dtype == tf.uint64 and full.shape == (4,)
    seeds = g.make_seeds(3)
    assert seeds.dtype == tf.int64 and seeds.shape == (2, 3)
    assert tf.random.stateless_normal([2], seed=seeds[:, 0]).shape == (2,)


def test_generator_split_is_deterministic_and_independent():
    children = tf.random.Generator.from_seed(10).split(3)
    again = tf.random.Generator.from_seed(10).split(3)
    draws = [c.normal([4]) for c in children]
    assert all(_same(d, c.normal([4])) for d, c in zip(draws, again))
    assert not _same(draws[0], draws[1]) and not _same(draws[1], draws[2])
    parent, twin = tf.random.Generator.from_seed(10), tf.random.Generator.from_seed(10)
    parent.split(2)
    assert not _same(parent.normal([4]), twin.normal([4]))  # split advances the parent


def test_non_deterministic_generators_differ():
    a = tf.random.Generator.from_non_deterministic_state().normal([8])
    assert not _same(a, tf.random.Generator.from_non_deterministic_state().normal([8]))


def test_global_generator_get_and_set():
    g = tf.random.get_global_generator()
    assert g is tf.random.get_global_generator()
    try:
        mine = tf.random.Generator.from_seed(1)
        tf.random.set_global_generator(mine)
        assert tf.random.get_global_generator() is mine
    finally:
        tf.random.set_global_generator(g)


# -- values ---------------------------------------------------------------------------------------
def test_shuffle_permutes_rows():
    x = tf.reshape(tf.range(60), [20, 3])
    y = tf.random.shuffle(x, seed=1)
    assert y.shape == x.shape and y.dtype == tf.int32
    assert sorted(map(tuple, y.numpy().tolist())) == sorted(map(tuple, x.numpy().tolist()))
    assert not _same(x, y)
    assert int(tf.random.shuffle(tf.constant(7))) == 7


def test_categorical_never_draws_minus_inf_logits():
    logits = tf.constant([[-np.inf, 0.0, -np.inf, 0.0], [5.0, -np.inf, -np.inf, -np.inf]])
    x = tf.random.categorical(logits, 2000, seed=2).numpy()
    assert set(np.unique(x[0])) == {1, 3}
    assert set(np.unique(x[1])) == {0}
    assert tf.random.categorical(logits, 3, dtype=tf.int32).dtype == tf.int32
    assert tf.random.categorical(logits, 0).shape == (2, 0)


def test_uniform_integer_range_is_half_open():
    x = tf.random.uniform([5000], minval=-2, maxval=3, dtype=tf.int32, seed=1).numpy()
    assert set(np.unique(x)) == {-2, -1, 0, 1, 2}


def test_defaults_and_half_precision():
    assert tf.random.normal([2]).dtype == tf.float32
    assert tf.random.uniform([2]).dtype == tf.float32
    x = tf.random.uniform([10000], dtype=tf.float16, seed=1).numpy()
    assert x.dtype == np.float16 and x.min() >= 0 and x.max() < 1


def test_tensor_mean_broadcasts():
    x = tf.random.normal([2000, 3], mean=[0.0, 10.0, 20.0], stddev=0.1, seed=4)
    assert x.shape == (2000, 3)
    np.testing.assert_allclose(x.numpy().mean(axis=0), [0.0, 10.0, 20.0], atol=0.05)


@pytest.mark.parametrize("shape", [
    [2, 3], (2, 3), tf.TensorShape([2, 3]), tf.constant([2, 3]),
    tf.constant([2, 3], dtype=tf.int64), np.array([2, 3]), [tf.constant(2), 3],
], ids=["list", "tuple", "TensorShape", "int32", "int64", "ndarray", "mixed"])
def test_shape_arguments(shape):
    assert tf.random.normal(shape).shape == (2, 3)
    assert tf.random.stateless_uniform(shape, seed=[1, 1]).shape == (2, 3)


def test_scalar_and_empty_shapes():
    assert tf.random.normal([]).shape == ()
    assert tf.random.truncated_normal([0, 4]).shape == (0, 4)


# -- gradients ------------------------------------------------------------------------------------
def test_normal_gradients_flow_to_mean_and_stddev():
    mean, stddev = tf.Variable([1.0, 2.0, 3.0]), tf.Variable(2.0)
    with tf.GradientTape() as tape:
        x = tf.random.normal([4, 3], mean=mean, stddev=stddev, seed=1)
    g_mean, g_std = tape.gradient(x, [mean, stddev])
    np.testing.assert_allclose(g_mean.numpy(), [4.0, 4.0, 4.0])
    sample = (x.numpy() - mean.numpy()) / 2.0
    np.testing.assert_allclose(float(g_std), sample.sum(), rtol=1e-5)


def test_truncated_normal_and_uniform_gradients():
    mean, stddev = tf.constant(0.5), tf.constant(3.0)
    lo, hi = tf.constant(-1.0), tf.constant(2.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([mean, stddev, lo, hi])
        t = tf.random.truncated_normal([50], mean=mean, stddev=stddev, seed=1)
        u = tf.random.uniform([50], minval=lo, maxval=hi, seed=2)
    assert float(tape.gradient(t, mean)) == 50.0
    np.testing.assert_allclose(float(tape.gradient(t, stddev)), ((t.numpy() - 0.5) / 3).sum(),
                               rtol=1e-4)
    r = (u.numpy() + 1.0) / 3.0
    np.testing.assert_allclose(float(tape.gradient(u, hi)), r.sum(), rtol=1e-4)
    np.testing.assert_allclose(float(tape.gradient(u, lo)), (1 - r).sum(), rtol=1e-4)


def test_sampling_ops_are_registered_as_non_differentiable():
    names = ["RandomStandardNormal", "RandomUniform", "RandomUniformInt", "TruncatedNormal",
             "Multinomial", "RandomShuffle", "StatelessRandomNormalV2",
             "StatelessRandomUniformV2", "StatelessRandomUniformIntV2",
             "StatelessTruncatedNormalV2", "StatelessMultinomial"]
    assert all(not REGISTRY[n].differentiable for n in names)
    x = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
    with tf.GradientTape() as tape:
        y = tf.random.shuffle(x)
    assert tape.gradient(y, x) is None


# -- errors ---------------------------------------------------------------------------------------
def test_dtype_errors_name_the_allowed_dtypes():
    with pytest.raises(TypeError, match="int32 not in list of allowed values.*float32"):
        tf.random.normal([2], dtype=tf.int32)
    with pytest.raises(TypeError, match="allowed values"):
        tf.random.truncated_normal([2], dtype=tf.int64)
    with pytest.raises(TypeError, match="allowed values"):
        tf.random.uniform([2], dtype=tf.bool)
    with pytest.raises(TypeError, match="allowed values"):
        tf.random.categorical([[0.0, 1.0]], 2, dtype=tf.float32)


def test_integer_uniform_bounds():
    with pytest.raises(ValueError, match="Must specify maxval for integer dtype int32"):
        tf.random.uniform([2], dtype=tf.int32)
    with pytest.raises(errors.InvalidArgumentError, match="Need minval < maxval: 5 >= 5"):
        tf.random.uniform([2], minval=5, maxval=5, dtype=tf.int64)
    with pytest.raises(ValueError, match="both None or both not None"):
        tf.random.stateless_uniform([2], [1, 2], maxval=None, dtype=tf.int32)
    with pytest.raises(errors.InvalidArgumentError, match="maxval must be 0-D"):
        tf.random.uniform([2], minval=0, maxval=[3, 4], dtype=tf.int32)


def test_shape_errors():
    with pytest.raises(errors.InvalidArgumentError, match="shape must be a vector"):
        tf.random.normal(3)
    with pytest.raises(errors.InvalidArgumentError, match="must be >= 0"):
        tf.random.uniform([2, -1])
    with pytest.raises(TypeError, match="list of integers"):
        tf.random.normal([2.0, 3])
    with pytest.raises(TypeError, match="integer dtype"):
        tf.random.normal(tf.constant([2.0]))
    with pytest.raises(ValueError, match="fully defined"):
        tf.random.normal(tf.TensorShape([None, 2]))


def test_seed_and_logits_errors():
    with pytest.raises(errors.InvalidArgumentError, match=r"seed must have shape \[2\]"):
        tf.random.stateless_normal([2], seed=[1, 2, 3])
    with pytest.raises(TypeError, match="int32 or int64"):
        tf.random.stateless_normal([2], seed=[1.0, 2.0])
    with pytest.raises(ValueError, match="Unsupported random algorithm"):
        tf.random.stateless_normal([2], seed=[1, 2], alg="mersenne")
    with pytest.raises(errors.InvalidArgumentError, match="logits should be a matrix"):
        tf.random.categorical([0.0, 1.0], 3)
    with pytest.raises(errors.InvalidArgumentError, match="num_samples should be nonnegative"):
        tf.random.categorical([[0.0, 1.0]], -1)
    with pytest.raises(TypeError, match="from_seed"):
        tf.random.Generator(None)
    with pytest.raises(TypeError, match="Generator"):
        tf.random.set_global_generator(3)
