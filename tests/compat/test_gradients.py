"""`tf.compat.v1.gradients` against eager GradientTape values, for the shapes actually fed."""

import numpy as np
import pytest

import flowgrad as tf


def _mlp(x, w1, b1, w2):
    h = tf.tanh(tf.matmul(x, w1) + b1)
    return tf.reduce_mean(tf.square(tf.matmul(h, w2)))


def test_gradients_match_gradient_tape(v1):
    rng = np.random.RandomState(0)
    W1, B1, W2 = (rng.randn(3, 4).astype(np.float32), rng.randn(4).astype(np.float32),
                  rng.randn(4, 1).astype(np.float32))
    x = v1.placeholder(tf.float32, [None, 3])
    w1, b1, w2 = v1.Variable(W1), v1.Variable(B1), v1.Variable(W2)
    loss = _mlp(x, w1, b1, w2)
    grads = v1.gradients(loss, [w1, b1, w2, x])
    with v1.Session() as sess:
        sess.run(v1.global_variables_initializer())
        outs = {n: sess.run(grads, {x: rng.randn(n, 3).astype(np.float32)}) for n in (2, 5)}
    v1.enable_eager_execution()
    rng = np.random.RandomState(0)
    rng.randn(3, 4), rng.randn(4), rng.randn(4, 1)
    for n in (2, 5):
        xv = tf.constant(rng.randn(n, 3).astype(np.float32))
        ew1, eb1, ew2 = tf.Variable(W1), tf.Variable(B1), tf.Variable(W2)
        with tf.GradientTape() as tape:
            tape.watch(xv)
            el = _mlp(xv, ew1, eb1, ew2)
        expected = tape.gradient(el, [ew1, eb1, ew2, xv])
        for got, want in zip(outs[n], expected):
            np.testing.assert_allclose(got, want.numpy(), rtol=1e-5, atol=1e-6)
        assert outs[n][3].shape == (n, 3)


def test_grad_ys_unconnected_and_second_order(v1):
    x = v1.placeholder(tf.float32, [None])
    c = v1.placeholder(tf.float32, [])
    y = x * x * x
    g, none = v1.gradients(y, [x, c])
    assert none is None
    gw, = v1.gradients(y, x, grad_ys=tf.ones_like(x) * 2.0)
    zero, = v1.gradients(y, [c], unconnected_gradients="zero")
    h, = v1.gradients(g, x)  # second derivative 6x
    with v1.Session() as sess:
        xv = np.array([1.0, 2.0, -3.0], np.float32)
        out = sess.run([g, gw, zero, h], {x: xv, c: 0.0})
    np.testing.assert_allclose(out[0], 3 * xv ** 2)
    np.testing.assert_allclose(out[1], 6 * xv ** 2)
    assert out[2] == 0.0
    np.testing.assert_allclose(out[3], 6 * xv)


def test_gradients_need_a_graph():
    with pytest.raises(RuntimeError, match="eager execution is enabled"):
        tf.compat.v1.gradients(tf.constant(1.0), [tf.constant(2.0)])


def test_gradient_through_cond_fails_clearly(v1):
    p = v1.placeholder(tf.bool, [])
    x = v1.placeholder(tf.float32, [None])
    y = tf.cond(p, lambda: x * 2.0, lambda: x)
    g, = v1.gradients(tf.reduce_sum(y), [x])
    with v1.Session() as sess, pytest.raises(NotImplementedError, match="If"):
        sess.run(g, {p: True, x: [1.0]})
