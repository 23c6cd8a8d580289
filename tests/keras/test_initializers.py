"""tf.keras.initializers: shapes, dtypes, statistics, seeding, fans, orthogonality, lookup."""

import math

import numpy as np
import pytest

import flowgrad as tf
from flowgrad.keras import initializers as I

TRUNC = 0.87962566103423978  # stddev of a standard normal truncated to [-2, 2]


def _stats(t):
    v = t.numpy().astype(np.float64)
    return v.mean(), v.std()


def test_zeros_ones_constant():
    z = I.Zeros()((2, 3))
    assert isinstance(z, tf.Tensor) and z.dtype == tf.float32 and z.shape == (2, 3)
    assert not z.numpy().any()
    assert I.Ones()((4,), dtype="int32").numpy().tolist() == [1, 1, 1, 1]
    assert I.Ones()((2,), dtype=tf.float64).dtype == tf.float64
    assert I.Constant(3.5)((2, 2)).numpy().tolist() == [[3.5, 3.5], [3.5, 3.5]]
    assert I.Constant([1.0, 2.0])((3, 2)).numpy().tolist() == [[1, 2]] * 3  # broadcast
    assert I.Constant(np.arange(6.0))((2, 3)).numpy().tolist() == [[0, 1, 2], [3, 4, 5]]
    assert I.Constant(7)((2,), dtype="int64").dtype == tf.int64
    with pytest.raises(ValueError, match="cannot fill"):
        I.Constant([1.0, 2.0, 3.0])((2, 2))
    assert I.Zeros()(tf.TensorShape([2, 1])).shape == (2, 1)
    assert I.Zeros()(()).shape == ()


@pytest.mark.parametrize("seed", [0, 7])
def test_random_normal_uniform_truncated_statistics(seed):
    shape = (300, 200)
    mean, std = _stats(I.RandomNormal(mean=1.0, stddev=2.0, seed=seed)(shape))
    assert abs(mean - 1.0) < 0.03 and abs(std - 2.0) < 0.03
    u = I.RandomUniform(minval=-3.0, maxval=1.0, seed=seed)(shape).numpy()
    assert u.min() >= -3.0 and u.max() < 1.0
    assert abs(u.mean() + 1.0) < 0.02 and abs(u.std() - 4 / math.sqrt(12)) < 0.02
    t = I.TruncatedNormal(mean=0.5, stddev=0.1, seed=seed)(shape).numpy()
    assert t.min() >= 0.5 - 0.2 - 1e-6 and t.max() <= 0.5 + 0.2 + 1e-6
    assert abs(t.mean() - 0.5) < 0.002 and abs(t.std() - 0.1 * TRUNC) < 0.002
    # defaults, Keras 2: stddev / bounds 0.05
    assert abs(_stats(I.RandomNormal(seed=seed)(shape))[1] - 0.05) < 0.002
    assert np.abs(I.RandomUniform(seed=seed)(shape).numpy()).max() <= 0.05


def test_random_uniform_integer_dtype_and_float_only_checks():
    v = I.RandomUniform(0, 10, seed=1)((500,), dtype=tf.int32)
    assert v.dtype == tf.int32
    assert v.numpy().min() >= 0 and v.numpy().max() <= 9
    with pytest.raises(ValueError, match="floating point"):
        I.RandomNormal()((2,), dtype="int32")
    with pytest.raises(ValueError, match="floating point"):
        I.GlorotUniform()((2, 2), dtype=tf.int64)
    assert I.HeNormal(seed=1)((3, 3), dtype="float64").dtype == tf.float64


def test_seed_semantics():
    a = I.GlorotUniform(seed=3)
    np.testing.assert_array_equal(a((5, 4)).numpy(), a((5, 4)).numpy())  # seeded: repeatable
    np.testing.assert_array_equal(a((5, 4)).numpy(), I.GlorotUniform(seed=3)((5, 4)).numpy())
    assert not np.array_equal(a((5, 4)).numpy(), I.GlorotUniform(seed=4)((5, 4)).numpy())
    b = I.RandomNormal()
    assert not np.array_equal(b((50,)).numpy(), b((50,)).numpy())  # unseeded: fresh draws
    tf.random.set_seed(11)
    first = [I.GlorotNormal()((4, 4)).numpy(), I.RandomUniform()((6,)).numpy()]
    tf.random.set_seed(11)
    second = [I.GlorotNormal()((4, 4)).numpy(), I.RandomUniform()((6,)).numpy()]
    tf.random.set_seed(None)
    for x, y in zip(first, second):
        np.testing.assert_array_equal(x, y)
    with pytest.raises(ValueError, match="seed"):
        I.RandomNormal(seed=1.5)


@pytest.mark.parametrize("shape,fans", [
    ((), (1, 1)), ((7,), (7, 7)), ((5, 9), (5, 9)), ((3, 3, 16, 32), (144, 288)),
    ((2, 4, 6), (8, 12)), ((3, 3, 3, 2, 5), (54, 135))])
def test_compute_fans(shape, fans):
    assert I.compute_fans(shape) == fans


@pytest.mark.parametrize("mode", ["fan_in", "fan_out", "fan_avg"])
@pytest.mark.parametrize("distribution", ["truncated_normal", "untruncated_normal", "uniform"])
def test_variance_scaling_statistics(mode, distribution):
    shape = (3, 3, 40, 60)  # receptive field 9: fan_in 360, fan_out 540
    n = {"fan_in": 360, "fan_out": 540, "fan_avg": 450}[mode]
    scale = 2.0
    std = math.sqrt(scale / n)
    w = I.VarianceScaling(scale, mode, distribution, seed=5)(shape).numpy().astype(np.float64)
    assert abs(w.mean()) < 0.05 * std
    assert abs(w.std() - std) < 0.03 * std
    if distribution == "uniform":
        assert np.abs(w).max() <= math.sqrt(3 * scale / n) + 1e-7
    if distribution == "truncated_normal":
        assert np.abs(w).max() <= 2 * std / TRUNC + 1e-6


@pytest.mark.parametrize("cls,scale,mode,dist", [
    (I.GlorotUniform, 1.0, "fan_avg", "uniform"),
    (I.GlorotNormal, 1.0, "fan_avg", "truncated_normal"),
    (I.HeUniform, 2.0, "fan_in", "uniform"),
    (I.HeNormal, 2.0, "fan_in", "truncated_normal"),
    (I.LecunUniform, 1.0, "fan_in", "uniform"),
    (I.LecunNormal, 1.0, "fan_in", "truncated_normal")])
def test_presets_are_variance_scaling(cls, scale, mode, dist):
    shape = (30, 20)
    got = cls(seed=9)(shape).numpy()
    want = I.VarianceScaling(scale, mode, dist, seed=9)(shape).numpy()
    np.testing.assert_array_equal(got, want)
    assert cls(seed=9).get_config() == {"seed": 9}
    big = cls(seed=2)((400, 300)).numpy().astype(np.float64)
    n = {"fan_in": 400, "fan_avg": 350}[mode]
    assert abs(big.std() - math.sqrt(scale / n)) < 0.02 * math.sqrt(scale / n)


def test_variance_scaling_argument_errors():
    with pytest.raises(ValueError, match="positive"):
        I.VarianceScaling(scale=0.0)
    with pytest.raises(ValueError, match="mode"):
        I.VarianceScaling(mode="fan_sum")
    with pytest.raises(ValueError, match="distribution"):
        I.VarianceScaling(distribution="cauchy")
    assert I.VarianceScaling(distribution="normal")((4, 4)).shape == (4, 4)


@pytest.mark.parametrize("shape", [(6, 6), (10, 4), (4, 10), (3, 3, 4, 8), (2, 2, 8, 5)])
def test_orthogonal(shape):
    gain = 1.5
    w = I.Orthogonal(gain=gain, seed=4)(shape, dtype="float64")
    assert w.shape == shape and w.dtype == tf.float64
    m = w.numpy().reshape(-1, shape[-1])
    rows, cols = m.shape
    gram = m.T @ m if rows >= cols else m @ m.T
    np.testing.assert_allclose(gram, gain ** 2 * np.eye(min(rows, cols)), atol=1e-10)
    np.testing.assert_array_equal(w.numpy(), I.Orthogonal(gain=gain, seed=4)(shape,
                                                                             "float64").numpy())
    with pytest.raises(ValueError, match="two-dimensional"):
        I.Orthogonal()((5,))


def test_identity():
    np.testing.assert_array_equal(I.Identity(gain=2.0)((3, 4)).numpy(), 2 * np.eye(3, 4))
    assert I.Identity()((2, 2), dtype="int32").dtype == tf.int32
    with pytest.raises(ValueError, match="2D"):
        I.Identity()((2, 2, 2))


def test_custom_initializer_subclass():
    class Fives(I.Initializer):
        def __call__(self, shape, dtype=None):
            return tf.fill(shape, 5.0)

    assert Fives()((2,)).numpy().tolist() == [5.0, 5.0]
    assert Fives().get_config() == {}
    assert isinstance(Fives.from_config({}), Fives)


ALL = [I.Zeros(), I.Ones(), I.Constant(2.5), I.RandomNormal(0.5, 2.0, seed=1),
       I.RandomUniform(-1.0, 2.0, seed=2), I.TruncatedNormal(0.1, 0.3, seed=3),
       I.VarianceScaling(3.0, "fan_out", "uniform", seed=4), I.GlorotUniform(seed=5),
       I.GlorotNormal(), I.HeUniform(6), I.HeNormal(), I.LecunUniform(), I.LecunNormal(7),
       I.Orthogonal(2.0, seed=8), I.Identity(3.0)]


@pytest.mark.parametrize("init", ALL, ids=lambda i: type(i).__name__)
def test_config_roundtrip(init):
    config = I.serialize(init)
    assert config["class_name"] == type(init).__name__
    clone = I.deserialize(config)
    assert type(clone) is type(init) and clone.get_config() == init.get_config()
    again = type(init).from_config(init.get_config())
    assert again.get_config() == init.get_config()
    if getattr(init, "seed", None) is not None:
        np.testing.assert_array_equal(clone((4, 3)).numpy(), init((4, 3)).numpy())


def test_get_and_aliases():
    for name, cls in [("zeros", I.Zeros), ("ones", I.Ones), ("glorot_uniform", I.GlorotUniform),
                      ("GlorotUniform", I.GlorotUniform), ("he_normal", I.HeNormal),
                      ("lecun_uniform", I.LecunUniform), ("random_normal", I.RandomNormal),
                      ("truncated_normal", I.TruncatedNormal), ("orthogonal", I.Orthogonal),
                      ("identity", I.Identity), ("variance_scaling", I.VarianceScaling),
                      ("constant", I.Constant), ("uniform", I.RandomUniform)]:
        assert type(I.get(name)) is cls
    assert I.glorot_uniform is I.GlorotUniform and I.he_normal is I.HeNormal
    assert I.get(None) is None
    inst = I.HeNormal()
    assert I.get(inst) is inst
    assert type(I.get(I.Zeros)) is I.Zeros
    assert type(I.get({"class_name": "Constant", "config": {"value": 1.0}})) is I.Constant
    # Keras 3 dict form
    k3 = {"module": "keras.initializers", "class_name": "HeUniform", "config": {"seed": 1},
          "registered_name": None}
    assert I.get(k3).get_config() == {"seed": 1}
    with pytest.raises(ValueError) as e:
        I.get("glorot_unifrom")
    assert "glorot_uniform" in str(e.value) and "Did you mean" in str(e.value)
    with pytest.raises(ValueError):
        I.get(3.0)


def test_tutorial_style_use():
    # `tf.keras.initializers.HeNormal()` as a Dense kernel_initializer, "random_normal" strings.
    w = tf.keras.initializers.HeNormal()((784, 64))
    assert w.shape == (784, 64)
    v = tf.Variable(tf.keras.initializers.get("random_normal")((3, 2)))
    assert v.shape == (3, 2) and v.dtype == tf.float32
