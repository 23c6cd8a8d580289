"""Gradients flow through converted control flow (eagerly: flowgrad.while_loop and
flowgrad.cond record every op on the tape)."""

import numpy as np

import flowgrad as tf

C = tf.constant


def power_loop(x, n):
    y = x
    i = 1
    while i < n:
        y = y * x
        i += 1
    return y


def test_gradient_through_converted_while():
    conv = tf.autograph.convert(power_loop)
    x = C(1.5)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = conv(x, C(4))
    np.testing.assert_allclose(y.numpy(), 1.5 ** 4, rtol=1e-6)
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), 4 * 1.5 ** 3, rtol=1e-6)


def clipped_sum(w, xs):
    total = tf.zeros([])
    for x in xs:
        if x > 0:
            total += w * x
        else:
            total -= w * w
    return total


def test_gradient_through_for_with_cond_and_variable():
    w = tf.Variable(2.0)
    xs = C([1.0, -1.0, 3.0])
    conv = tf.autograph.convert(clipped_sum)
    with tf.GradientTape() as tape:
        y = conv(w, xs)
    np.testing.assert_allclose(y.numpy(), 2.0 * 4.0 - 4.0, rtol=1e-6)
    np.testing.assert_allclose(tape.gradient(y, w).numpy(), 4.0 - 2 * 2.0, rtol=1e-6)


def test_gradient_through_early_return():
    def f(x):
        i = 0
        while i < 10:
            x = x * 2.0
            if x > 10.0:
                return x * x
            i += 1
        return x
    conv = tf.autograph.convert(f)
    x = C(3.0)                 # 6, 12 -> returns 144 = (4x)^2
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = conv(x)
    np.testing.assert_allclose(y.numpy(), 144.0)
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), 32 * 3.0)
