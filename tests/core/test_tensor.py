"""Tensor basics: shape, dtype, repr, conversion, Python protocol, operators, indexing."""

import numpy as np
import pytest

import flowgrad as tf
from flowgrad import errors


def test_constant_and_dtype_inference():
    assert tf.constant(1.0).dtype == tf.float32
    assert tf.constant(1).dtype == tf.int32
    assert tf.constant(2 ** 40).dtype == tf.int64
    assert tf.constant(True).dtype == tf.bool
    assert tf.constant([1, 2.5]).dtype == tf.float32
    assert tf.constant(np.float64(1.0)).dtype == tf.float64
    assert tf.constant(np.arange(3)).dtype == tf.int64
    assert tf.constant(1 + 2j).dtype == tf.complex128
    assert tf.constant([1, 2], dtype=tf.float64).dtype == tf.float64
    assert tf.constant(["a", "b"]).dtype == tf.string


def test_constant_shape_broadcast_and_reshape():
    np.testing.assert_array_equal(tf.constant(7, shape=(2, 3)).numpy(), np.full((2, 3), 7))
    np.testing.assert_array_equal(tf.constant([1, 2, 3, 4], shape=(2, 2)).numpy(),
                                  [[1, 2], [3, 4]])
    with pytest.raises(TypeError, match="shape"):
        tf.constant([1, 2, 3], shape=(2, 2))


def test_constant_copies_numpy_input():
    a = np.ones(3, dtype=np.float32)
    t = tf.constant(a)
    a[0] = 5
    assert t.numpy()[0] == 1
    n = t.numpy()
    n[1] = 9
    assert t.numpy()[1] == 1  # numpy() returns a copy: tensors are immutable


def test_convert_to_tensor_rules():
    t = tf.constant(1.0)
    assert tf.convert_to_tensor(t) is t
    with pytest.raises(ValueError, match="requested dtype int32"):
        tf.convert_to_tensor(t, dtype=tf.int32)
    with pytest.raises(TypeError):
        tf.convert_to_tensor(1.5, dtype=tf.int32)
    assert tf.convert_to_tensor(2, dtype_hint=tf.float32).dtype == tf.float32
    assert tf.convert_to_tensor([tf.constant(1.0), 2.0]).numpy().tolist() == [1.0, 2.0]
    with pytest.raises(ValueError, match="non-rectangular"):
        tf.convert_to_tensor([[1, 2], [3]])


def test_shape_object():
    t = tf.zeros((2, 3))
    s = t.shape
    assert s == (2, 3) and s == [2, 3] and s == tf.TensorShape([2, 3])
    assert s.rank == 2 and s.as_list() == [2, 3] and s[0] == 2 and s[-1] == 3
    assert s[1:] == (3,) and isinstance(s[1:], tf.TensorShape)
    assert str(s) == "(2, 3)" and repr(s) == "TensorShape([2, 3])"
    u = tf.TensorShape([None, 3])
    assert u[0] is None and not u.is_fully_defined() and u.is_compatible_with((5, 3))
    assert u.merge_with((5, None)) == (5, 3)
    assert tf.TensorShape(None).rank is None
    assert tf.TensorShape([2, 3]).num_elements() == 6


def test_repr_and_str():
    t = tf.constant([5.0, 7.0])
    assert repr(t) == ("<flowgrad.Tensor: shape=(2,), dtype=float32, "
                       "numpy=array([5., 7.], dtype=float32)>")
    assert repr(tf.constant(3.0)) == "<flowgrad.Tensor: shape=(), dtype=float32, numpy=3.0>"
    assert str(tf.constant([1, 2])) == "flowgrad.Tensor([1 2], shape=(2,), dtype=int32)"
    assert f"{tf.constant(0.123456):.3f}" == "0.123"


def test_python_protocol():
    t = tf.constant([[1, 2], [3, 4]])
    assert len(t) == 2
    rows = list(t)
    assert [r.numpy().tolist() for r in rows] == [[1, 2], [3, 4]]
    assert float(tf.constant(2.5)) == 2.5 and int(tf.constant(3)) == 3
    assert bool(tf.constant(True)) and not bool(tf.constant(0.0))
    assert [10, 20, 30][tf.constant(1)] == 20  # __index__
    with pytest.raises(TypeError):
        [1, 2][tf.constant(1.0)]
    with pytest.raises(errors.InvalidArgumentError, match="one element"):
        float(tf.constant([1.0, 2.0]))
    with pytest.raises(TypeError):
        len(tf.constant(1.0))
    with pytest.raises(TypeError, match="unhashable"):
        hash(t)
    d = {t.ref(): 1}
    assert d[t.ref()] == 1 and t.ref().deref() is t


def test_numpy_interop():
    t = tf.constant([1.0, 2.0])
    assert np.asarray(t).dtype == np.float32
    out = np.add(t, 1)  # NumPy functions accept tensors
    assert isinstance(out, np.ndarray) and out.tolist() == [2.0, 3.0]
    r = np.float32(2.0) * t
    assert isinstance(r, tf.Tensor)
    r = np.array([1.0, 1.0], dtype=np.float64) + t  # __array_priority__: tensor wins
    assert isinstance(r, tf.Tensor) and r.dtype == tf.float32


def test_operators():
    a = tf.constant([6.0, -4.0])
    b = tf.constant([4.0, 3.0])
    na, nb = a.numpy(), b.numpy()
    for got, want in [(a + b, na + nb), (a - b, na - nb), (a * b, na * nb), (a / b, na / nb),
                      (a // b, na // nb), (a % b, np.mod(na, nb)), (a ** 2, na ** 2),
                      (-a, -na), (abs(a), np.abs(na)), (2 - a, 2 - na), (1 / b, 1 / nb)]:
        np.testing.assert_allclose(got.numpy(), want)
    m = tf.ones((2, 3)) @ tf.ones((3, 4))
    assert m.shape == (2, 4) and m.numpy()[0, 0] == 3
    assert (a > b).numpy().tolist() == [True, False]
    assert (a == b).numpy().tolist() == [False, False]
    assert (a != b).numpy().tolist() == [True, True]
    t, f = tf.constant([True, True]), tf.constant([True, False])
    assert (t & f).numpy().tolist() == [True, False]
    assert (t | f).numpy().tolist() == [True, True]
    assert (t ^ f).numpy().tolist() == [False, True]
    assert (~f).numpy().tolist() == [False, True]
    assert (tf.constant([6]) & tf.constant([3])).numpy().tolist() == [2]  # bitwise on ints


def test_getitem():
    x = np.arange(24).reshape(2, 3, 4)
    t = tf.constant(x)
    for key in [0, -1, (1, 2), (slice(None), 1), (Ellipsis, 1), (None, 0),
                (slice(None, None, -1),), (slice(0, 3, 2), slice(None), slice(1, None)),
                (0, Ellipsis, None), (slice(-2, None),)]:
        np.testing.assert_array_equal(t[key].numpy(), x[key])
    np.testing.assert_array_equal(t[tf.constant(1)].numpy(), x[1])
    with pytest.raises(errors.InvalidArgumentError, match="out of bounds"):
        t[5]
    with pytest.raises(TypeError, match="valid indices"):
        t[tf.constant([0, 1])]


def test_device():
    t = tf.constant(1.0)
    assert t.device.endswith("device:CPU:0")
    with tf.device("/CPU:0"):
        assert tf.ones(2).device.endswith("CPU:0")
    with tf.device("/GPU:0"):  # soft placement: no GPU backend here, runs on the CPU
        assert tf.ones(2).device.endswith("CPU:0")
    assert [d.device_type for d in tf.config.list_physical_devices("CPU")] == ["CPU"]
    with pytest.raises(errors.InvalidArgumentError, match="device name"):
        with tf.device("not a device"):
            pass
