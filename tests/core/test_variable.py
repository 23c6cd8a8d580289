"""tf.Variable: creation, assign*, sliced assign, reads under tapes, errors."""

import numpy as np
import pytest

import flowgrad as tf
from flowgrad import errors


def test_creation_and_properties():
    v = tf.Variable([[1.0], [2.0]], name="w")
    assert v.name == "w:0" and v.shape == (2, 1) and v.dtype == tf.float32 and v.trainable
    assert tf.Variable(3.0).name == "Variable:0"
    assert tf.Variable(1, dtype=tf.float64).dtype == tf.float64
    assert tf.Variable(lambda: tf.ones(2)).numpy().tolist() == [1.0, 1.0]
    assert not tf.Variable(1.0, trainable=False).trainable
    np.testing.assert_array_equal(v.initial_value.numpy(), [[1.0], [2.0]])
    assert repr(v).startswith("<flowgrad.Variable 'w:0' shape=(2, 1) dtype=float32, numpy=")
    assert not isinstance(v, tf.Tensor)


def test_assign_family_returns_variable():
    v = tf.Variable(tf.zeros((3, 1)))
    assert v.assign(tf.ones((3, 1))) is v
    v[0, 0].assign(3.0)
    assert v.assign_add(tf.ones((3, 1))) is v
    np.testing.assert_array_equal(v.numpy().ravel(), [4.0, 2.0, 2.0])
    v.assign_sub(np.ones((3, 1), dtype=np.float32))
    np.testing.assert_array_equal(v.numpy().ravel(), [3.0, 1.0, 1.0])
    v[1:, 0].assign([7.0, 8.0])
    np.testing.assert_array_equal(v.numpy().ravel(), [3.0, 7.0, 8.0])


def test_reads_are_snapshots():
    v = tf.Variable([1.0, 2.0])
    t = v.read_value()
    v.assign([5.0, 6.0])
    assert t.numpy().tolist() == [1.0, 2.0]
    v.assign_add([1.0, 1.0])
    assert t.numpy().tolist() == [1.0, 2.0]


def test_operators_and_ops_accept_variables():
    v = tf.Variable([1.0, 2.0])
    assert (v + 1).numpy().tolist() == [2.0, 3.0]
    assert (2 * v).numpy().tolist() == [2.0, 4.0]
    assert tf.reduce_sum(v).numpy() == 3.0
    assert v[1].numpy() == 2.0
    assert float(tf.Variable(2.5)) == 2.5
    assert np.asarray(v).tolist() == [1.0, 2.0]


def test_assign_errors():
    v = tf.Variable(tf.zeros((3, 1)))
    with pytest.raises(ValueError, match=r"shape mismatch.*\(3, 1\).*\(2,\)"):
        v.assign(tf.zeros((2,)))
    with pytest.raises(errors.InvalidArgumentError, match="float64"):
        v.assign(tf.zeros((3, 1), dtype=tf.float64))
    with pytest.raises(TypeError):
        tf.Variable(1).assign(1.5)
    free = tf.Variable(tf.zeros(2), shape=tf.TensorShape(None))
    free.assign(tf.zeros((4, 4)))
    assert free.shape == (4, 4)


def test_gradient_through_sliced_read():
    v = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
    with tf.GradientTape() as tape:
        y = v[0, 1] * 3.0
    g = tape.gradient(y, v)
    np.testing.assert_array_equal(g.numpy(), [[0.0, 3.0], [0.0, 0.0]])
