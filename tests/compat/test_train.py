"""TF1 optimizers in Sessions: convergence and single steps against NumPy formulas."""

import numpy as np
import pytest

import flowgrad as tf


def test_linear_regression_converges_to_least_squares(v1):
    rng = np.random.RandomState(42)
    X = rng.randn(200, 3).astype(np.float32)
    Y = (X @ np.array([[2.0], [-1.0], [0.5]]) + 0.7
         + 0.05 * rng.randn(200, 1)).astype(np.float32)
    x = v1.placeholder(tf.float32, [None, 3], name="x")
    y = v1.placeholder(tf.float32, [None, 1], name="y")
    W = v1.Variable(v1.zeros([3, 1]), name="W")
    b = v1.Variable(v1.zeros([1]), name="b")
    loss = v1.losses.mean_squared_error(y, tf.matmul(x, W) + b)
    step = v1.train.get_or_create_global_step()
    train = v1.train.GradientDescentOptimizer(0.1).minimize(loss, global_step=step)
    with v1.Session() as sess:
        sess.run(v1.global_variables_initializer())
        for i in range(400):
            batch = slice((i * 50) % 200, (i * 50) % 200 + 50)
            sess.run(train, {x: X[batch], y: Y[batch]})
        for _ in range(200):
            sess.run(train, {x: X, y: Y})
        w_fit, b_fit, final, n = sess.run([W, b, loss, step], {x: X, y: Y})
    A = np.hstack([X, np.ones((200, 1), np.float32)]).astype(np.float64)
    sol = np.linalg.lstsq(A, Y.astype(np.float64), rcond=None)[0].ravel()
    np.testing.assert_allclose(np.append(w_fit.ravel(), b_fit), sol, atol=1e-3)
    assert n == 600 and final < 0.01


def _quadratic(v1, optimizer, steps):
    v = v1.Variable([1.0, -2.0, 3.0], name="v")
    loss = tf.reduce_sum(v * v * v1.constant([1.0, 2.0, 0.5]))
    train = optimizer.minimize(loss)
    out = []
    with v1.Session() as sess:
        sess.run(v1.global_variables_initializer())
        for _ in range(steps):
            sess.run(train)
            out.append(sess.run(v))
    return out


_C = np.array([1.0, 2.0, 0.5])


def _grad(w):
    return 2 * _C * w


def test_adam_steps_match_tf1_formula(v1):
    got = _quadratic(v1, v1.train.AdamOptimizer(0.05), 3)
    w, m, s = np.array([1.0, -2.0, 3.0]), np.zeros(3), np.zeros(3)
    b1, b2, eps, lr = 0.9, 0.999, 1e-8, 0.05
    for t in range(1, 4):
        g = _grad(w)
        lr_t = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        m = b1 * m + (1 - b1) * g
        s = b2 * s + (1 - b2) * g * g
        w = w - lr_t * m / (np.sqrt(s) + eps)
        np.testing.assert_allclose(got[t - 1], w, rtol=1e-5)
    names = sorted(v.name for v in v1.global_variables())
    assert names == ["beta1_power:0", "beta2_power:0", "v/Adam:0", "v/Adam_1:0", "v:0"]


def test_momentum_and_rmsprop_steps(v1):
    got = _quadratic(v1, v1.train.MomentumOptimizer(0.1, 0.9), 3)
    w, acc = np.array([1.0, -2.0, 3.0]), np.zeros(3)
    for k in range(3):
        acc = 0.9 * acc + _grad(w)
        w = w - 0.1 * acc
        np.testing.assert_allclose(got[k], w, rtol=1e-5, atol=1e-6)
    v1.reset_default_graph()
    got = _quadratic(v1, v1.train.RMSPropOptimizer(0.01, decay=0.9, momentum=0.5), 3)
    w, ms, mom = np.array([1.0, -2.0, 3.0]), np.ones(3), np.zeros(3)
    for k in range(3):
        g = _grad(w)
        ms = 0.9 * ms + 0.1 * g * g
        mom = 0.5 * mom + 0.01 * g / np.sqrt(ms + 1e-10)
        w = w - mom
        np.testing.assert_allclose(got[k], w, rtol=1e-5, atol=1e-6)


def test_compute_and_apply_gradients(v1):
    v = v1.Variable(3.0)
    u = v1.Variable(1.0)
    loss = v * v
    opt = v1.train.GradientDescentOptimizer(0.25)
    gv = opt.compute_gradients(loss)
    assert gv[1][0] is None and gv[0][1] is v
    train = opt.apply_gradients(gv)
    with v1.Session() as sess:
        sess.run(v1.global_variables_initializer())
        sess.run(train)
        assert sess.run([v, u]) == [1.5, 1.0]
    with pytest.raises(ValueError, match="No gradients"):
        opt.minimize(v * 2.0, var_list=[u])


def test_optimizer_in_eager_mode():
    v1 = tf.compat.v1
    v = tf.Variable([1.0, 2.0])
    opt = v1.train.GradientDescentOptimizer(0.5)
    for _ in range(2):
        opt.minimize(lambda: tf.reduce_sum(v * v))
    np.testing.assert_allclose(v.numpy(), [0.0, 0.0])
    with pytest.raises(RuntimeError, match="should be a function"):
        opt.minimize(tf.reduce_sum(v * v))
