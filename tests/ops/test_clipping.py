"""clip_by_norm / clip_by_global_norm / global_norm against closed forms and finite differences."""

import numpy as np

import flowgrad as tf
from flowgrad.testing import gradient_check


def test_clip_by_norm_values():
    np.testing.assert_allclose(tf.clip_by_norm(tf.constant([3.0, 4.0]), 1.0).numpy(), [0.6, 0.8])
    np.testing.assert_allclose(tf.clip_by_norm(tf.constant([3.0, 4.0]), 10.0).numpy(), [3, 4])
    x = np.array([[3.0, 4.0], [0.0, 0.0]], np.float32)
    np.testing.assert_allclose(tf.clip_by_norm(tf.constant(x), 1.0, axes=[1]).numpy(),
                               [[0.6, 0.8], [0.0, 0.0]])


def test_clip_by_global_norm():
    clipped, norm = tf.clip_by_global_norm([tf.constant([3.0, 4.0]), None, tf.constant([12.0])],
                                           6.5)
    assert float(norm) == 13.0 and clipped[1] is None
    np.testing.assert_allclose(clipped[0].numpy(), [1.5, 2.0])
    np.testing.assert_allclose(clipped[2].numpy(), [6.0])


def test_clip_by_norm_gradient():
    rng = np.random.default_rng(0)
    gradient_check.check_gradient(lambda t: tf.clip_by_norm(t, 0.5), [rng.standard_normal((3, 2))],
                                  [0], rng)
