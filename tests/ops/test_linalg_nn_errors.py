"""Error messages, numerical stability and gradient properties of the linear algebra and
neural-network ops that the OpSpec harness does not express."""

import numpy as np
import pytest

import flowgrad as tf
from flowgrad.testing.gradient_check import tape_gradients
from flowgrad.errors import InvalidArgumentError


def _grad(fn, *xs):
    return [g.numpy() for g in tape_gradients(fn, *xs)]


# -- linear algebra errors -------------------------------------------------------------------------
def test_matmul_size_mismatch_names_both_shapes():
    with pytest.raises(InvalidArgumentError) as e:
        tf.matmul(tf.ones((2, 3)), tf.ones((4, 5)))
    msg = str(e.value)
    assert "Matrix size-incompatible" in msg and "[2,3]" in msg and "[4,5]" in msg


def test_matmul_rejects_vectors_and_mixed_dtypes():
    with pytest.raises(InvalidArgumentError, match="rank >= 2"):
        tf.matmul(tf.ones((3,)), tf.ones((3, 2)))
    with pytest.raises(InvalidArgumentError, match="float64"):
        tf.matmul(tf.ones((2, 2)), tf.ones((2, 2), dtype=tf.float64))


def test_tensordot_errors():
    with pytest.raises(InvalidArgumentError, match=r"size 3 .* size 4"):
        tf.tensordot(tf.ones((2, 3)), tf.ones((4, 5)), axes=1)
    with pytest.raises(ValueError, match="must not be larger"):
        tf.tensordot(tf.ones((2, 3)), tf.ones((3,)), axes=3)
    with pytest.raises(ValueError, match="number of contraction axes"):
        tf.tensordot(tf.ones((2, 3)), tf.ones((3, 2)), axes=[[0, 1], [0]])


@pytest.mark.parametrize("equation,shapes,match", [
    ("ij,jk->ik", [(2, 3), (4, 5)], "label 'j' has size"),
    ("ij,jk->ik", [(2, 3)], "2 input subscripts but 1 input"),
    ("ijk->ik", [(2, 3)], "rank 2"),
    ("ij->iz", [(2, 3)], "'z' appears in no input"),
    ("i1->i", [(2, 3)], "not a letter"),
    ("...ij->ij", [(4, 2, 3)], "output has no '...'"),
    ("...i,...i->...", [(2, 3), (4, 3)], "do not broadcast"),
])
def test_einsum_equation_errors(equation, shapes, match):
    with pytest.raises(InvalidArgumentError, match=match):
        tf.einsum(equation, *[tf.ones(s) for s in shapes])


def test_einsum_rejects_unknown_keywords_and_mixed_dtypes():
    with pytest.raises(TypeError, match="invalid keyword"):
        tf.einsum("ij->ji", tf.ones((2, 2)), out=None)
    with pytest.raises(InvalidArgumentError, match="same dtype"):
        tf.einsum("i,i->", tf.ones((2,)), tf.ones((2,), dtype=tf.float64))


def test_einsum_trace_gradient_is_identity():
    (g,) = _grad(lambda x: tf.einsum("ii->", x), np.arange(9.0).reshape(3, 3))
    np.testing.assert_allclose(g, np.eye(3))


def test_inverse_errors():
    with pytest.raises(InvalidArgumentError, match="square"):
        tf.linalg.inv(tf.ones((2, 3)))
    with pytest.raises(InvalidArgumentError, match="not invertible"):
        tf.linalg.inv(tf.zeros((2, 2)))
    with pytest.raises(InvalidArgumentError, match=r"rank >= 2"):
        tf.linalg.det(tf.ones((3,)))


def test_solve_shape_mismatch():
    with pytest.raises(InvalidArgumentError, match=r"\[3,3\] and rhs of shape \[2,1\]"):
        tf.linalg.solve(tf.eye(3), tf.ones((2, 1)))


def test_cholesky_of_indefinite_matrix():
    with pytest.raises(InvalidArgumentError, match="Cholesky decomposition was not successful"):
        tf.linalg.cholesky(tf.constant([[1.0, 2.0], [2.0, 1.0]]))


def test_qr_gradient_undefined_for_full_tall_matrices():
    x = tf.constant(np.random.default_rng(0).standard_normal((4, 3)))
    with tf.GradientTape() as tape:
        tape.watch(x)
        q, r = tf.linalg.qr(x, full_matrices=True)
        y = tf.reduce_sum(q)
    with pytest.raises(NotImplementedError, match="full_matrices=False"):
        tape.gradient(y, x)


def test_qr_result_has_attributes():
    res = tf.linalg.qr(tf.eye(3))
    assert res.q is res[0] and res.r is res[1]


def test_diag_errors():
    with pytest.raises(InvalidArgumentError, match="single diagonal"):
        tf.linalg.diag_part(tf.ones((3, 3)), k=(0, 1))
    with pytest.raises(InvalidArgumentError, match="out of range"):
        tf.linalg.diag_part(tf.ones((3, 3)), k=3)
    with pytest.raises(InvalidArgumentError, match="does not fit"):
        tf.linalg.diag(tf.ones((3,)), num_rows=2, num_cols=2)
    with pytest.raises(ValueError, match="rank >= 2"):
        tf.linalg.matrix_transpose(tf.ones((3,)))


@pytest.mark.parametrize("kwargs,match", [
    (dict(ord="fro"), "supported vector norm"),
    (dict(ord=0), "supported vector norm"),
    (dict(ord=-1, axis=0), "supported vector norm"),
    (dict(ord=2, axis=(0, 1)), "singular value"),
    (dict(ord=3, axis=(0, 1)), "supported matrix norm"),
    (dict(axis=(0, 0)), "2 unique integers"),
    (dict(axis=(0, 1, 2)), "2 unique integers"),
])
def test_norm_rejects_bad_ord_and_axis(kwargs, match):
    with pytest.raises(ValueError, match=match):
        tf.norm(tf.ones((2, 3, 4)), **kwargs)


def test_norm_of_integers_is_an_error():
    with pytest.raises(InvalidArgumentError, match="floating-point"):
        tf.norm(tf.constant([3, 4]))


# -- nn errors -------------------------------------------------------------------------------------
def test_sparse_labels_out_of_range():
    logits = tf.zeros((3, 3))
    with pytest.raises(InvalidArgumentError) as e:
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[0, 5, 1], logits=logits)
    assert "label value of 5" in str(e.value) and "[0, 3)" in str(e.value)
    with pytest.raises(InvalidArgumentError, match="label value of -1"):
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[0, -1, 1], logits=logits)


def test_sparse_labels_shape_and_dtype():
    with pytest.raises(InvalidArgumentError, match=r"received \[3,3\].*received \[3,3\]"):
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.zeros((3, 3), tf.int32),
                                                      logits=tf.zeros((3, 3)))
    with pytest.raises(InvalidArgumentError, match="integer class ids"):
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.zeros((3,)),
                                                      logits=tf.zeros((3, 3)))


def test_softmax_cross_entropy_shape_mismatch():
    with pytest.raises(InvalidArgumentError, match=r"logits_size=\[2,3\] labels_size=\[2,4\]"):
        tf.nn.softmax_cross_entropy_with_logits(labels=tf.zeros((2, 4)), logits=tf.zeros((2, 3)))
    with pytest.raises(ValueError, match="same shape"):
        tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.zeros((2,)), logits=tf.zeros((2, 3)))


def test_bias_add_mismatch():
    with pytest.raises(InvalidArgumentError) as e:
        tf.nn.bias_add(tf.zeros((2, 3)), tf.zeros((4,)))
    assert "Must provide as many biases" in str(e.value) and "[4] vs. [2,3]" in str(e.value)
    with pytest.raises(InvalidArgumentError, match=r"Biases must be 1D: \[1,3\]"):
        tf.nn.bias_add(tf.zeros((2, 3)), tf.zeros((1, 3)))
    with pytest.raises(InvalidArgumentError, match="channel"):
        tf.nn.bias_add(tf.zeros((2, 3, 4)), tf.zeros((4,)), data_format="NCHW")
    with pytest.raises(ValueError, match="data_format"):
        tf.nn.bias_add(tf.zeros((2, 3)), tf.zeros((3,)), data_format="HWCN")


def test_softmax_of_integers_is_an_error():
    with pytest.raises(InvalidArgumentError, match="Softmax expects floating-point"):
        tf.nn.softmax(tf.constant([1, 2]))
    with pytest.raises(InvalidArgumentError, match="rank >= 1"):
        tf.nn.softmax(tf.constant(1.0))


@pytest.mark.parametrize("rate", [1.0, -0.1, 1.5])
def test_dropout_rate_out_of_range(rate):
    with pytest.raises(ValueError, match=r"range \[0, 1\)"):
        tf.nn.dropout(tf.ones((2, 2)), rate=rate)


def test_dropout_needs_floats_and_a_fitting_noise_shape():
    with pytest.raises(ValueError, match="floating point"):
        tf.nn.dropout(tf.constant([1, 2]), rate=0.5)
    with pytest.raises(ValueError, match="noise_shape"):
        tf.nn.dropout(tf.ones((2, 3)), rate=0.5, noise_shape=[2, 2])


# -- gradients and stability -----------------------------------------------------------------------
def test_dropout_gradient_follows_the_mask():
    x = tf.constant(np.ones((20, 20)))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.nn.dropout(x, rate=0.25, noise_shape=[None, 1])
    g = tape.gradient(y, x).numpy()
    np.testing.assert_allclose(g, np.where(y.numpy() != 0, 1 / 0.75, 0.0))
    assert (g == g[:, :1]).all()


def test_softmax_cross_entropy_gradient_is_softmax_minus_labels():
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((3, 4))
    labels = rng.random((3, 4))
    labels /= labels.sum(-1, keepdims=True)
    g_labels, g_logits = _grad(
        lambda z, x: tf.nn.softmax_cross_entropy_with_logits(labels=z, logits=x), labels, logits)
    e = np.exp(logits - logits.max(-1, keepdims=True))
    softmax = e / e.sum(-1, keepdims=True)
    np.testing.assert_allclose(g_logits, softmax - labels, atol=1e-12)
    np.testing.assert_allclose(g_labels, -np.log(softmax), atol=1e-12)


def test_sparse_cross_entropy_matches_dense():
    logits = np.random.default_rng(1).standard_normal((4, 5))
    labels = np.array([0, 4, 2, 2])
    sparse = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    dense = tf.nn.softmax_cross_entropy_with_logits(labels=np.eye(5)[labels], logits=logits)
    np.testing.assert_allclose(sparse.numpy(), dense.numpy())
    g_sparse = _grad(lambda x: tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=labels, logits=x), logits)
    g_dense = _grad(lambda x: tf.nn.softmax_cross_entropy_with_logits(
        labels=np.eye(5)[labels], logits=x), logits)
    np.testing.assert_allclose(g_sparse[0], g_dense[0], atol=1e-12)


def test_huge_logits_stay_finite():
    logits = np.array([[1e4, -1e4, 0.0]], dtype=np.float32)
    for fn in (lambda x: tf.nn.softmax(x), lambda x: tf.nn.log_softmax(x),
               lambda x: tf.nn.softplus(x),
               lambda x: tf.nn.softmax_cross_entropy_with_logits([[0.0, 1.0, 0.0]], x),
               lambda x: tf.nn.sparse_softmax_cross_entropy_with_logits([1], x),
               lambda x: tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.ones((1, 3)),
                                                                 logits=x)):
        y = fn(tf.constant(logits))
        assert np.isfinite(y.numpy()).all()
        (g,) = _grad(fn, logits)
        assert np.isfinite(g).all()


def test_elu_and_selu_gradients_have_no_nan_for_large_inputs():
    x = np.array([-50.0, 0.0, 100.0, 1000.0])
    for fn in (tf.nn.elu, tf.nn.selu):
        (g,) = _grad(fn, x)
        assert np.isfinite(g).all()


def test_namespaces_export_the_ops():
    from flowgrad.ops import linalg_ops, nn_ops
    assert tf.norm is tf.linalg.norm is linalg_ops.norm
    assert tf.einsum is tf.linalg.einsum and tf.tensordot is tf.linalg.tensordot
    assert tf.linalg.matmul is tf.matmul and tf.linalg.eye is tf.eye
    assert tf.linalg.l2_normalize is tf.nn.l2_normalize
    assert tf.nn.swish is tf.nn.silu is nn_ops.silu
    assert tf.nn.sigmoid is tf.sigmoid and tf.nn.tanh is tf.tanh
    assert set(linalg_ops.__all__) == {"matmul", "tensordot", "einsum", "norm"}
