"""GradientTape semantics, checked against closed forms."""

import numpy as np
import pytest

import flowgrad as tf


def test_variable_watched_automatically():
    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = tf.square(x)
    assert float(tape.gradient(y, x)) == 6.0


def test_constant_needs_watch():
    c = tf.constant(3.0)
    with tf.GradientTape() as tape:
        y = tf.square(c)
    assert tape.gradient(y, c) is None
    with tf.GradientTape() as tape:
        tape.watch(c)
        y = tf.square(c)
    assert float(tape.gradient(y, c)) == 6.0


def test_tutorial_nested_tapes_give_acceleration():
    time = tf.Variable(0.0)
    with tf.GradientTape() as outer_tape:
        with tf.GradientTape() as inner_tape:
            position = 4.9 * time ** 2
        speed = inner_tape.gradient(position, time)
    acceleration = outer_tape.gradient(speed, time)
    assert float(speed) == 0.0
    assert abs(float(acceleration) - 9.8) < 1e-6


def test_third_order():
    x = tf.Variable(2.0)
    with tf.GradientTape() as t3:
        with tf.GradientTape() as t2:
            with tf.GradientTape() as t1:
                y = x ** 4
            d1 = t1.gradient(y, x)
        d2 = t2.gradient(d1, x)
    d3 = t3.gradient(d2, x)
    assert (float(d1), float(d2), float(d3)) == (32.0, 48.0, 48.0)


def test_non_persistent_second_call_raises():
    x = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        y = x * x
    tape.gradient(y, x)
    with pytest.raises(RuntimeError, match="non-persistent GradientTape"):
        tape.gradient(y, x)


def test_persistent_allows_many_calls():
    x = tf.constant(3.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        z = y * y
    assert float(tape.gradient(z, x)) == 108.0
    assert float(tape.gradient(y, x)) == 6.0


def test_nested_source_structures_and_multiple_targets():
    a, b = tf.Variable(1.0), tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as tape:
        y = a * b
        z = a + b
    g = tape.gradient(y, {"a": a, "pair": (b, [a])})
    assert float(g["a"]) == 2.0 and float(g["pair"][0]) == 1.0 and float(g["pair"][1][0]) == 2.0
    ga, gb = tape.gradient([y, z], [a, b])  # multiple targets are summed
    assert (float(ga), float(gb)) == (3.0, 2.0)


def test_non_scalar_target_is_summed_and_output_gradients():
    x = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [2.0, 4.0, 6.0])
    g = tape.gradient(y, x, output_gradients=tf.constant([1.0, 0.0, 10.0]))
    np.testing.assert_array_equal(g.numpy(), [2.0, 0.0, 60.0])


def test_unconnected_gradients():
    x, y = tf.Variable(1.0), tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as tape:
        z = x * 3.0
    assert tape.gradient(z, y) is None
    assert float(tape.gradient(z, y, unconnected_gradients="zero")) == 0.0
    assert float(tape.gradient(z, y, unconnected_gradients=tf.UnconnectedGradients.ZERO)) == 0.0


def test_integer_paths_give_none():
    x = tf.Variable(3.0)
    with tf.GradientTape(persistent=True) as tape:
        i = tf.cast(x, tf.int32)
        y = tf.cast(i * 2, tf.float32)
        k = tf.constant(3)
        tape.watch(k)
        m = k * 2
    assert tape.gradient(y, x) is None
    assert tape.gradient(m, k) is None


def test_stop_gradient_and_stop_recording():
    x = tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as tape:
        y = x * tf.stop_gradient(x)
        with tape.stop_recording():
            z = x * x
        w = y + z
    assert float(tape.gradient(y, x)) == 2.0
    assert float(tape.gradient(w, x)) == 2.0


def test_watch_accessed_variables_false_and_watched_variables():
    a, b = tf.Variable(1.0), tf.Variable(2.0)
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(a)
        y = a * b
    assert tape.watched_variables() == (a,)
    ga, gb = tape.gradient(y, [a, b])
    assert float(ga) == 2.0 and gb is None
    c = tf.Variable(1.0, trainable=False)
    with tf.GradientTape() as tape:
        y = c * 2.0
    assert tape.gradient(y, c) is None


def test_reset():
    x = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        y = x * 5.0
        tape.reset()
        y = x * 7.0
    assert float(tape.gradient(y, x)) == 7.0


def test_jacobian_and_batch_jacobian():
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    w = tf.constant([[1.0, 0.5, 2.0], [0.0, 1.0, -1.0]])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = tf.matmul(x, w) ** 2
    j = tape.jacobian(y, x)
    assert j.shape == (2, 3, 2, 2)
    yv = (x.numpy() @ w.numpy())
    expected = np.zeros((2, 3, 2, 2))
    for b in range(2):
        for o in range(3):
            expected[b, o, b, :] = 2 * yv[b, o] * w.numpy()[:, o]
    np.testing.assert_allclose(j.numpy(), expected, rtol=1e-6)
    bj = tape.batch_jacobian(y, x)
    assert bj.shape == (2, 3, 2)
    np.testing.assert_allclose(bj.numpy(), np.stack([expected[b, :, b, :] for b in range(2)]))


def test_custom_gradient():
    @tf.custom_gradient
    def log1pexp(x):
        e = tf.exp(x)

        def grad(dy):
            return dy * (1 - 1 / (1 + e))
        return tf.math.log(1 + e), grad

    x = tf.constant(100.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = log1pexp(x)
    assert float(tape.gradient(y, x)) == 1.0  # the naive gradient would be nan


def test_custom_gradient_with_variables():
    v = tf.Variable(2.0)

    @tf.custom_gradient
    def scale(x):
        def grad(dy, variables=None):
            return dy * v, [dy * x * 100.0]
        return x * v, grad

    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = scale(x)
    gx, gv = tape.gradient(y, [x, v])
    assert (float(gx), float(gv)) == (2.0, 300.0)


def test_tape_inside_function_records_only_its_ops():
    x = tf.Variable(1.0)
    y = x * 2.0  # before the tape: not recorded
    with tf.GradientTape() as tape:
        z = y * x
    assert float(tape.gradient(z, x)) == 2.0
