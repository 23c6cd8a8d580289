"""Error messages of the convolution and pooling ops, and their behaviour in traces with unknown
dimensions (one trace serves every batch size), which the OpSpec harness does not express."""

import numpy as np
import pytest

import flowgrad as tf
from flowgrad.errors import InvalidArgumentError


def _x(*shape, dtype=tf.float32):
    return tf.ones(shape, dtype=dtype)


# -- ranks ----------------------------------------------------------------------------------------
def test_conv2d_wrong_input_rank_suggests_batch_dimension():
    with pytest.raises(InvalidArgumentError) as e:
        tf.nn.conv2d(_x(28, 28, 1), _x(3, 3, 1, 8), 1, "SAME")
    msg = str(e.value)
    assert "4-D" in msg and "[28,28,1]" in msg and "expand_dims" in msg and "Conv2D" in msg


def test_conv_wrong_filter_rank():
    with pytest.raises(InvalidArgumentError, match=r"filters must be 4-D .*\[3,3,8\]"):
        tf.nn.conv2d(_x(1, 5, 5, 1), _x(3, 3, 8), 1, "SAME")
    with pytest.raises(InvalidArgumentError, match=r"Conv1D: input must be 3-D"):
        tf.nn.conv1d(_x(1, 5, 5, 2), _x(3, 2, 2), 1, "SAME")
    with pytest.raises(InvalidArgumentError, match=r"Conv3D: input must be 5-D"):
        tf.nn.conv3d(_x(1, 5, 5, 2), _x(2, 2, 2, 2, 2), 1, "SAME")


def test_pool_wrong_rank():
    with pytest.raises(InvalidArgumentError, match=r"MaxPool: input must be 4-D"):
        tf.nn.max_pool2d(_x(5, 5, 2), 2, 2, "VALID")
    with pytest.raises(ValueError, match="rank 3, 4 or 5"):
        tf.nn.max_pool(_x(5, 2), 2, 2, "VALID")


# -- channels -------------------------------------------------------------------------------------
def test_channel_mismatch_names_expected_and_received():
    with pytest.raises(InvalidArgumentError) as e:
        tf.nn.conv2d(_x(2, 5, 5, 3), _x(3, 3, 2, 4), 1, "SAME")
    msg = str(e.value)
    assert "expected 2" in msg and "received 3" in msg and "[2,5,5,3]" in msg
    assert "[3,3,2,4]" in msg


def test_nchw_input_with_default_format_gets_a_hint():
    with pytest.raises(InvalidArgumentError, match=r"data_format='NCHW'"):
        tf.nn.conv2d(_x(4, 1, 28, 28), _x(3, 3, 1, 32), 1, "SAME")
    with pytest.raises(InvalidArgumentError, match=r"data_format='NHWC'"):
        tf.nn.conv2d(_x(4, 28, 28, 3), _x(3, 3, 3, 32), 1, "SAME", data_format="NCHW")
    with pytest.raises(InvalidArgumentError, match=r"data_format='NCW'"):
        tf.nn.conv1d(_x(2, 3, 10), _x(3, 3, 4), 1, "SAME")


def test_depthwise_and_separable_channel_errors():
    with pytest.raises(InvalidArgumentError, match="expected 2, received 3"):
        tf.nn.depthwise_conv2d(_x(1, 5, 5, 3), _x(3, 3, 2, 1), [1, 1, 1, 1], "SAME")
    with pytest.raises(InvalidArgumentError, match="pointwise_filter's in_channels"):
        tf.nn.separable_conv2d(_x(1, 5, 5, 2), _x(3, 3, 2, 2), _x(1, 1, 3, 4), 1, "SAME")


def test_grouped_convolution_needs_divisible_out_channels():
    with pytest.raises(InvalidArgumentError, match="grouped convolution"):
        tf.nn.conv2d(_x(1, 5, 5, 4), _x(3, 3, 2, 5), 1, "SAME")


# -- attributes -----------------------------------------------------------------------------------
@pytest.mark.parametrize("padding", ["FULL", "causal", 3])
def test_bad_padding(padding):
    with pytest.raises(ValueError, match="'SAME' or 'VALID'"):
        tf.nn.conv2d(_x(1, 5, 5, 1), _x(3, 3, 1, 1), 1, padding)


def test_lowercase_padding_accepted():
    assert tf.nn.conv2d(_x(1, 5, 5, 1), _x(3, 3, 1, 1), 1, "same").shape == (1, 5, 5, 1)


def test_explicit_padding_errors():
    with pytest.raises(InvalidArgumentError, match="batch and channel"):
        tf.nn.conv2d(_x(1, 5, 5, 1), _x(3, 3, 1, 1), 1, [[1, 1], [1, 1], [1, 1], [0, 0]])
    with pytest.raises(InvalidArgumentError, match="non-negative"):
        tf.nn.conv2d(_x(1, 5, 5, 1), _x(3, 3, 1, 1), 1, [[0, 0], [-1, 1], [1, 1], [0, 0]])
    with pytest.raises(ValueError, match="4 \\[before, after\\] pairs"):
        tf.nn.conv2d(_x(1, 5, 5, 1), _x(3, 3, 1, 1), 1, [[0, 0], [1, 1], [1, 1]])
    with pytest.raises(ValueError, match="explicit padding is not supported"):
        tf.nn.avg_pool2d(_x(1, 5, 5, 1), 2, 2, [[0, 0], [1, 1], [1, 1], [0, 0]])


@pytest.mark.parametrize("strides", [0, [1, 0], [1, -1, 1, 1]])
def test_non_positive_strides(strides):
    with pytest.raises(InvalidArgumentError, match="strides must be positive"):
        tf.nn.conv2d(_x(1, 5, 5, 1), _x(3, 3, 1, 1), strides, "SAME")


def test_strides_in_batch_or_channel_dimension():
    with pytest.raises(InvalidArgumentError, match="batch and channel"):
        tf.nn.conv2d(_x(1, 5, 5, 1), _x(3, 3, 1, 1), [2, 1, 1, 1], "SAME")
    with pytest.raises(InvalidArgumentError, match="batch and channel"):
        tf.nn.max_pool2d(_x(1, 5, 5, 1), [1, 2, 2, 2], 2, "SAME")
    with pytest.raises(ValueError, match="length 1, 2 or 4"):
        tf.nn.conv2d(_x(1, 5, 5, 1), _x(3, 3, 1, 1), [1, 1, 1], "SAME")
    with pytest.raises(InvalidArgumentError, match="dilations must be positive"):
        tf.nn.conv2d(_x(1, 5, 5, 1), _x(3, 3, 1, 1), 1, "SAME", dilations=0)


def test_bad_data_format():
    with pytest.raises(ValueError, match="'NHWC'.*'NCHW'"):
        tf.nn.conv2d(_x(1, 5, 5, 1), _x(3, 3, 1, 1), 1, "SAME", data_format="HWCN")
    with pytest.raises(ValueError, match="'NDHWC'"):
        tf.nn.max_pool3d(_x(1, 4, 4, 4, 1), 2, 2, "SAME", data_format="NHWC")


def test_window_larger_than_input():
    with pytest.raises(InvalidArgumentError, match="Computed output size would be negative"):
        tf.nn.conv2d(_x(1, 2, 2, 1), _x(5, 5, 1, 1), 1, "VALID")
    with pytest.raises(InvalidArgumentError, match="negative"):
        tf.nn.max_pool2d(_x(1, 2, 2, 1), 4, 1, "VALID")
    # SAME padding always fits
    assert tf.nn.conv2d(_x(1, 2, 2, 1), _x(5, 5, 1, 1), 1, "SAME").shape == (1, 2, 2, 1)


def test_dtypes():
    with pytest.raises(InvalidArgumentError, match="floating-point"):
        tf.nn.conv2d(_x(1, 5, 5, 1, dtype=tf.int32), _x(3, 3, 1, 1, dtype=tf.int32), 1, "SAME")
    with pytest.raises(InvalidArgumentError, match="float64"):
        tf.nn.conv2d(_x(1, 5, 5, 1), _x(3, 3, 1, 1, dtype=tf.float64), 1, "SAME")
    with pytest.raises(InvalidArgumentError, match="floating-point"):
        tf.nn.avg_pool2d(_x(1, 4, 4, 1, dtype=tf.int32), 2, 2, "VALID")
    assert tf.nn.max_pool2d(_x(1, 4, 4, 1, dtype=tf.int32), 2, 2, "VALID").dtype == tf.int32


def test_conv2d_transpose_output_shape_errors():
    x, w = _x(1, 3, 3, 4), _x(3, 3, 2, 4)
    with pytest.raises(InvalidArgumentError, match=r"output_shape \[1, 9, 9, 2\] does not fit"):
        tf.nn.conv2d_transpose(x, w, [1, 9, 9, 2], 2, "SAME")
    with pytest.raises(InvalidArgumentError, match="channel count 3 must equal"):
        tf.nn.conv2d_transpose(x, w, [1, 6, 6, 3], 2, "SAME")
    with pytest.raises(InvalidArgumentError, match="expected 4, received 2"):
        tf.nn.conv2d_transpose(_x(1, 3, 3, 2), w, [1, 6, 6, 2], 2, "SAME")
    with pytest.raises(ValueError, match="4 elements"):
        tf.nn.conv2d_transpose(x, w, [6, 6, 2], 2, "SAME")
    # TF's documented relation: SAME, stride 2 -> output = input * 2
    assert tf.nn.conv2d_transpose(x, w, [1, 6, 6, 2], 2, "SAME").shape == (1, 6, 6, 2)


def test_pool_type_error():
    with pytest.raises(ValueError, match="'MAX' or 'AVG'"):
        tf.nn.pool(_x(1, 4, 4, 1), [2, 2], "MIN")


# -- semantics the specs do not spell out ---------------------------------------------------------
def test_max_pool_gradient_goes_to_first_maximum_only():
    x = tf.constant(np.zeros((1, 2, 2, 1), np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.nn.max_pool2d(x, 2, 2, "VALID")
    g = tape.gradient(y, x).numpy().reshape(-1)
    assert g.tolist() == [1.0, 0.0, 0.0, 0.0]


def test_avg_pool_same_excludes_padding():
    y = tf.nn.avg_pool2d(tf.ones((1, 3, 3, 1)), 2, 2, "SAME").numpy()
    np.testing.assert_allclose(y, np.ones((1, 2, 2, 1)))


def test_graph_kernel_checks_shapes_at_run_time():
    f = tf.function(lambda s, w, dy: tf.nn.conv2d_transpose(dy, w, s, 2, "SAME"))
    s = tf.constant([1, 9, 9, 2])
    with pytest.raises(InvalidArgumentError, match="output gradient has shape"):
        f(s, _x(3, 3, 2, 4), _x(1, 3, 3, 4))


# -- one trace for every batch size ---------------------------------------------------------------
def test_conv_pool_train_step_traces_once_for_any_batch():
    rng = np.random.default_rng(0)
    w1 = tf.Variable(rng.standard_normal((3, 3, 1, 4)).astype(np.float32))
    b1 = tf.Variable(np.zeros(4, np.float32))
    w2 = tf.Variable(rng.standard_normal((3, 3, 4, 6)).astype(np.float32))
    w3 = tf.Variable(rng.standard_normal((3 * 3 * 6, 3)).astype(np.float32))
    params = [w1, b1, w2, w3]

    def loss_and_grads(x):
        with tf.GradientTape() as tape:
            h = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(x, w1, 1, "VALID"), b1))
            h = tf.nn.max_pool2d(h, 2, 2, "VALID")
            h = tf.nn.conv2d(h, w2, 2, "SAME")
            h = tf.nn.avg_pool2d(h, 3, 1, "SAME")
            loss = tf.reduce_mean(tf.square(tf.matmul(tf.reshape(h, [-1, 54]), w3)))
        return loss, tape.gradient(loss, params)

    step = tf.function(loss_and_grads,
                       input_signature=[tf.TensorSpec([None, 14, 14, 1], tf.float32)])
    for batch in (4, 3, 1):
        x = tf.constant(rng.standard_normal((batch, 14, 14, 1)).astype(np.float32))
        loss, grads = step(x)
        loss_e, grads_e = loss_and_grads(x)
        np.testing.assert_allclose(loss.numpy(), loss_e.numpy(), rtol=1e-5)
        for g, ge in zip(grads, grads_e):
            np.testing.assert_allclose(g.numpy(), ge.numpy(), rtol=1e-4, atol=1e-5)
    assert step.experimental_get_tracing_count() == 1


def test_unknown_spatial_dims_trace_once():
    w = tf.constant(np.ones((3, 3, 2, 2), np.float32))

    @tf.function(input_signature=[tf.TensorSpec([None, None, None, 2], tf.float32)])
    def f(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.nn.conv2d(x, w, 2, "SAME")
            y = tf.nn.conv2d_transpose(y, w, tf.shape(x), 2, "SAME")
            s = tf.reduce_sum(tf.square(tf.nn.max_pool2d(y, 3, 2, "SAME")))
        return tape.gradient(s, x)

    for shape in [(2, 8, 8, 2), (1, 9, 7, 2), (3, 5, 6, 2)]:
        assert f(tf.ones(shape)).shape == shape
    assert f.experimental_get_tracing_count() == 1
