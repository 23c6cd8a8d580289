"""Every layer through the generic harness (flowgrad/testing/layer_harness.py), plus value checks
of each layer against NumPy formulas (the expected numbers were cross-checked against tf.keras
2.21 once; these tests do not import TensorFlow)."""

import numpy as np
import pytest

import flowgrad as tf
from flowgrad import keras
from flowgrad.keras import layers as L
from flowgrad.testing.layer_harness import check_layer

RNG = np.random.default_rng(1234)


def _x(*shape):
    return RNG.standard_normal(shape).astype("float32")


HARNESS_CASES = [
    (L.Dense, {"units": 3}, (2, 4)),
    (L.Dense, {"units": 3, "activation": "relu", "use_bias": False}, (2, 5, 4)),
    (L.Dense, {"units": 2, "kernel_regularizer": "l2", "activity_regularizer": "l1"}, (3, 4)),
    (L.Activation, {"activation": "tanh"}, (2, 4)),
    (L.Dropout, {"rate": 0.5}, (2, 4)),
    (L.Dropout, {"rate": 0.5, "noise_shape": (None, 1, 4)}, (2, 3, 4)),
    (L.Flatten, {}, (2, 3, 4)),
    (L.Flatten, {"data_format": "channels_first"}, (2, 3, 4, 5)),
    (L.Reshape, {"target_shape": (2, -1)}, (2, 3, 4)),
    (L.Reshape, {"target_shape": (12,)}, (2, 3, 4)),
    (L.Permute, {"dims": (2, 1)}, (2, 3, 4)),
    (L.RepeatVector, {"n": 3}, (2, 4)),
    (L.Lambda, {"function": lambda x: x * 2.0}, (2, 4)),
    (L.Lambda, {"function": lambda x: x[:, :2], "output_shape": (2,)}, (2, 4)),
    (L.BatchNormalization, {}, (4, 3)),
    (L.BatchNormalization, {"axis": 1}, (4, 3, 5)),
    (L.BatchNormalization, {"center": False, "scale": False}, (4, 2, 2, 3)),
    (L.LayerNormalization, {}, (4, 3)),
    (L.LayerNormalization, {"axis": [1, 2]}, (4, 3, 5)),
    (L.ActivityRegularization, {"l1": 0.1, "l2": 0.01}, (2, 4)),
    (L.GaussianNoise, {"stddev": 0.1}, (2, 4)),
    (L.GaussianDropout, {"rate": 0.1}, (2, 4)),
    (L.AlphaDropout, {"rate": 0.1}, (2, 4)),
    (L.ReLU, {"max_value": 1.0, "negative_slope": 0.1, "threshold": 0.1}, (2, 4)),
    (L.LeakyReLU, {"alpha": 0.2}, (2, 4)),
    (L.PReLU, {}, (2, 4)),
    (L.PReLU, {"shared_axes": [1]}, (2, 3, 4)),
    (L.ELU, {"alpha": 0.5}, (2, 4)),
    (L.Softmax, {}, (2, 4)),
    (L.Softmax, {"axis": [1, 2]}, (2, 3, 4)),
    (L.Add, {}, [(2, 4), (2, 4)]),
    (L.Add, {}, [(2, 3, 4), (2, 4)]),
    (L.Subtract, {}, [(2, 4), (2, 4)]),
    (L.Multiply, {}, [(2, 4), (2, 1)]),
    (L.Average, {}, [(2, 4), (2, 4), (2, 4)]),
    (L.Maximum, {}, [(2, 4), (2, 4)]),
    (L.Minimum, {}, [(2, 4), (2, 4)]),
    (L.Concatenate, {}, [(2, 4), (2, 3)]),
    (L.Concatenate, {"axis": 1}, [(2, 3, 4), (2, 2, 4)]),
    (L.Dot, {"axes": 1}, [(2, 4), (2, 4)]),
    (L.Dot, {"axes": (2, 1)}, [(2, 3, 4), (2, 4, 5)]),
    (L.Dot, {"axes": 1, "normalize": True}, [(2, 4), (2, 4)]),
    # attention.py (MultiHeadAttention called on one input is self-attention)
    (L.MultiHeadAttention, {"num_heads": 2, "key_dim": 3}, (2, 4, 5)),
    (L.MultiHeadAttention, {"num_heads": 2, "key_dim": 2, "value_dim": 3, "output_shape": (4,),
                            "dropout": 0.1, "use_bias": False}, (2, 4, 5)),
    (L.MultiHeadAttention, {"num_heads": 2, "key_dim": 2, "attention_axes": (1, 2)},
     (2, 2, 3, 4)),
    (L.Attention, {}, [(2, 3, 4), (2, 5, 4)]),
    (L.Attention, {"dropout": 0.2}, [(2, 3, 4), (2, 5, 6), (2, 5, 4)]),
    (L.AdditiveAttention, {}, [(2, 3, 4), (2, 5, 4)]),
    (L.EinsumDense, {"equation": "ab,bc->ac", "output_shape": 3, "bias_axes": "c"}, (2, 4)),
    (L.EinsumDense, {"equation": "abc,cde->abde", "output_shape": (None, 2, 3),
                     "bias_axes": "de", "activation": "relu"}, (2, 5, 4)),
    (L.EinsumDense, {"equation": "...b,bc->...c", "output_shape": 3}, (2, 5, 4)),
    # recurrent.py, embedding.py, wrappers.py (a 4th element: extra check_layer arguments)
    (L.SimpleRNN, {"units": 3}, (2, 4, 5)),
    (L.SimpleRNN, {"units": 3, "return_sequences": True, "go_backwards": True}, (2, 4, 5)),
    (L.LSTM, {"units": 3, "return_sequences": True}, (2, 4, 5)),
    (L.LSTM, {"units": 2, "activation": "relu", "dropout": 0.2, "recurrent_dropout": 0.2,
              "kernel_regularizer": "l2"}, (2, 4, 5)),
    (L.LSTM, {"units": 2, "return_state": True}, (2, 4, 5)),
    (L.GRU, {"units": 3}, (2, 4, 5)),
    (L.GRU, {"units": 3, "reset_after": False, "return_sequences": True}, (2, 4, 5)),
    (L.RNN, {"cell": L.LSTMCell(3)}, (2, 4, 5)),
    (L.RNN, {"cell": [L.GRUCell(3), L.SimpleRNNCell(2)], "return_sequences": True},
     (2, 4, 5)),
    (L.RNN, {"cell": L.StackedRNNCells([L.LSTMCell(2), L.LSTMCell(2)])}, (2, 3, 4)),
    (L.Bidirectional, {"layer": L.LSTM(3)}, (2, 4, 5)),
    (L.Bidirectional, {"layer": L.GRU(3, return_sequences=True), "merge_mode": "ave"},
     (2, 4, 5)),
    (L.TimeDistributed, {"layer": L.Dense(3)}, (2, 4, 5)),
    (L.Embedding, {"input_dim": 10, "output_dim": 3}, (2, 4), {"input_dtype": "int32"}),
    (L.Embedding, {"input_dim": 10, "output_dim": 3, "mask_zero": True}, (2, 4, 2),
     {"input_dtype": "int64"}),
    (L.Masking, {"mask_value": 0.5}, (2, 4, 5)),
    (L.ConvLSTM2D, {"filters": 2, "kernel_size": 3}, (2, 3, 5, 5, 2)),
    (L.ConvLSTM2D, {"filters": 2, "kernel_size": (2, 3), "strides": 2, "padding": "same",
                    "return_sequences": True}, (2, 3, 5, 6, 2)),
    # convolutional.py, pooling.py, reshaping.py
    (L.Conv1D, {"filters": 3, "kernel_size": 2}, (2, 5, 4)),
    (L.Conv1D, {"filters": 4, "kernel_size": 3, "padding": "causal", "dilation_rate": 2,
                "groups": 2, "activation": "relu"}, (2, 6, 4)),
    (L.Conv1D, {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same",
                "data_format": "channels_first"}, (2, 3, 7)),
    (L.Conv2D, {"filters": 3, "kernel_size": 3}, (2, 5, 5, 2)),
    (L.Conv2D, {"filters": 4, "kernel_size": (3, 2), "strides": (2, 1), "padding": "same",
                "use_bias": False, "kernel_regularizer": "l2"}, (2, 5, 4, 3)),
    (L.Conv2D, {"filters": 4, "kernel_size": 2, "groups": 2, "dilation_rate": 2,
                "data_format": "channels_first", "activation": "tanh"}, (2, 4, 5, 5)),
    (L.Conv3D, {"filters": 2, "kernel_size": 2, "padding": "same"}, (2, 3, 4, 3, 2)),
    (L.Conv1DTranspose, {"filters": 2, "kernel_size": 3, "strides": 2}, (2, 4, 3)),
    (L.Conv2DTranspose, {"filters": 3, "kernel_size": 3, "strides": 2, "padding": "same"},
     (2, 3, 4, 2)),
    (L.Conv2DTranspose, {"filters": 2, "kernel_size": (3, 2), "strides": (2, 3),
                         "output_padding": (1, 2), "data_format": "channels_first"},
     (2, 3, 3, 4)),
    (L.Conv3DTranspose, {"filters": 2, "kernel_size": 2, "strides": 2}, (2, 2, 3, 2, 3)),
    (L.DepthwiseConv1D, {"kernel_size": 3, "depth_multiplier": 2, "padding": "same"},
     (2, 5, 3)),
    (L.DepthwiseConv2D, {"kernel_size": 3}, (2, 5, 5, 3)),
    (L.DepthwiseConv2D, {"kernel_size": 2, "strides": 2, "depth_multiplier": 2,
                         "data_format": "channels_first", "padding": "same"}, (2, 3, 5, 4)),
    (L.SeparableConv1D, {"filters": 4, "kernel_size": 3, "padding": "causal"}, (2, 6, 3)),
    (L.SeparableConv2D, {"filters": 4, "kernel_size": 3, "depth_multiplier": 2,
                         "padding": "same", "activation": "relu"}, (2, 5, 5, 3)),
    (L.SeparableConv2D, {"filters": 2, "kernel_size": 2, "strides": 2,
                         "data_format": "channels_first"}, (2, 3, 5, 4)),
    (L.MaxPooling1D, {}, (2, 5, 3)),
    (L.MaxPooling1D, {"pool_size": 3, "strides": 1, "padding": "same",
                      "data_format": "channels_first"}, (2, 3, 5)),
    (L.MaxPooling2D, {}, (2, 5, 5, 3)),
    (L.MaxPooling2D, {"pool_size": 3, "strides": 2, "padding": "same"}, (2, 5, 6, 2)),
    (L.MaxPooling3D, {"data_format": "channels_first"}, (2, 2, 4, 4, 4)),
    (L.AveragePooling1D, {"pool_size": 2, "padding": "same"}, (2, 5, 3)),
    (L.AveragePooling2D, {"pool_size": (2, 3), "data_format": "channels_first"},
     (2, 3, 4, 6)),
    (L.AveragePooling3D, {"pool_size": 2, "strides": 1}, (2, 3, 3, 3, 2)),
    (L.GlobalMaxPooling1D, {}, (2, 5, 3)),
    (L.GlobalAveragePooling1D, {"keepdims": True}, (2, 5, 3)),
    (L.GlobalMaxPooling2D, {"data_format": "channels_first"}, (2, 3, 4, 5)),
    (L.GlobalAveragePooling2D, {}, (2, 4, 5, 3)),
    (L.GlobalAveragePooling2D, {"keepdims": True}, (2, 4, 5, 3)),
    (L.GlobalMaxPooling3D, {"keepdims": True}, (2, 2, 3, 4, 3)),
    (L.GlobalAveragePooling3D, {}, (2, 2, 3, 4, 3)),
    (L.UpSampling1D, {"size": 3}, (2, 4, 3)),
    (L.UpSampling2D, {}, (2, 3, 4, 2)),
    (L.UpSampling2D, {"size": (2, 3), "interpolation": "bilinear",
                      "data_format": "channels_first"}, (2, 2, 3, 4)),
    (L.UpSampling3D, {"size": (1, 2, 2)}, (2, 2, 3, 2, 2)),
    (L.ZeroPadding1D, {"padding": (1, 2)}, (2, 4, 3)),
    (L.ZeroPadding2D, {}, (2, 3, 4, 2)),
    (L.ZeroPadding2D, {"padding": ((1, 0), (2, 3)), "data_format": "channels_first"},
     (2, 2, 3, 4)),
    (L.ZeroPadding3D, {"padding": 1}, (2, 2, 2, 2, 1)),
    (L.Cropping1D, {"cropping": (1, 2)}, (2, 6, 3)),
    (L.Cropping2D, {"cropping": ((1, 0), (1, 2))}, (2, 4, 5, 2)),
    (L.Cropping2D, {"cropping": 1, "data_format": "channels_first"}, (2, 2, 4, 5)),
    (L.Cropping3D, {}, (2, 3, 4, 5, 1)),
    (L.SpatialDropout1D, {"rate": 0.5}, (2, 5, 3)),
    (L.SpatialDropout2D, {"rate": 0.5, "data_format": "channels_first"}, (2, 3, 4, 4)),
    (L.SpatialDropout3D, {"rate": 0.3}, (2, 2, 3, 3, 2)),
    # preprocessing.py (image preprocessing; the random ones are the identity at inference)
    (L.Rescaling, {"scale": 1 / 255, "offset": 0.5}, (2, 4, 4, 3)),
    (L.Normalization, {"mean": [1.0, 2.0, 3.0], "variance": [1.0, 4.0, 9.0]}, (2, 3)),
    (L.Discretization, {"bin_boundaries": [-0.5, 0.0, 0.5], "output_mode": "multi_hot"},
     (4, 3)),
    (L.CategoryEncoding, {"num_tokens": 10, "output_mode": "count"}, (3, 4),
     {"input_dtype": "int32", "expected_output_dtype": "float32"}),
    # preprocessing_text.py (string inputs: object arrays)
    (L.TextVectorization, {"vocabulary": ["the", "cat"], "output_sequence_length": 4}, None,
     {"input_data": np.array([["the cat sat"], ["a dog"]], dtype=object),
      "input_dtype": "object", "expected_output_dtype": "int64"}),
    (L.StringLookup, {"vocabulary": ["a", "b"], "output_mode": "one_hot"}, None,
     {"input_data": np.array([["a"], ["z"], ["b"]], dtype=object), "input_dtype": "object",
      "expected_output_dtype": "float32"}),
    (L.IntegerLookup, {"vocabulary": [3, 1, 4]}, (3, 2),
     {"input_dtype": "int64", "expected_output_dtype": "int64"}),
    (L.Hashing, {"num_bins": 5, "output_mode": "count"}, None,
     {"input_data": np.array([["a", "b"], ["z", "z"]], dtype=object), "input_dtype": "object",
      "expected_output_dtype": "float32"}),
    (L.Resizing, {"height": 3, "width": 5}, (2, 6, 6, 2)),
    (L.Resizing, {"height": 4, "width": 4, "interpolation": "nearest",
                  "crop_to_aspect_ratio": True}, (2, 6, 8, 2)),
    (L.CenterCrop, {"height": 3, "width": 4}, (2, 6, 6, 2)),
    (L.RandomCrop, {"height": 4, "width": 4, "seed": 1}, (2, 6, 6, 2)),
    (L.RandomFlip, {"mode": "horizontal", "seed": 1}, (2, 5, 5, 3)),
    (L.RandomRotation, {"factor": 0.2, "seed": 1}, (2, 6, 6, 3)),
    (L.RandomZoom, {"height_factor": (-0.2, 0.2), "width_factor": 0.1}, (2, 6, 6, 3)),
    (L.RandomTranslation, {"height_factor": 0.2, "width_factor": 0.2,
                           "fill_mode": "constant"}, (2, 6, 6, 3)),
    (L.RandomContrast, {"factor": 0.3}, (2, 5, 5, 3)),
    (L.RandomBrightness, {"factor": 0.2}, (2, 5, 5, 3)),
]


def _id(case):
    cls, kwargs = case[0], case[1]
    return cls.__name__ + ("-" + "-".join(sorted(kwargs)) if kwargs else "")


@pytest.mark.parametrize("case", HARNESS_CASES, ids=[_id(c) for c in HARNESS_CASES])
def test_layer_harness(case):
    cls, kwargs, shape = case[:3]
    extra = case[3] if len(case) > 3 else {}
    json_ok = cls is not L.Lambda
    check_layer(cls, kwargs, shape, json_config=json_ok, **extra)


def test_harness_covers_every_exported_layer():
    from flowgrad.keras.engine.base_layer import Layer
    covered = {c[0] for c in HARNESS_CASES} | {L.InputLayer, L.Layer}
    # layers checked inside another one: RNN cells (also stacked) and wrapped layers
    nested = [v for c in HARNESS_CASES for v in c[1].values()]
    while nested:
        v = nested.pop()
        if isinstance(v, (list, tuple)):
            nested.extend(v)
        elif isinstance(v, Layer):
            covered.add(type(v))
            nested.extend(getattr(v, "cells", []))
    exported = {obj for obj in vars(L).values() if isinstance(obj, type) and issubclass(obj, Layer)
                and obj.__module__.startswith("flowgrad.keras.layers")}
    assert exported - covered == set()


def test_harness_detects_a_broken_layer():
    class Broken(L.Layer):
        """compute_output_shape disagrees with call."""

        def call(self, inputs):
            return inputs[:, :1]

        def compute_output_shape(self, input_shape):
            return input_shape

    with pytest.raises(AssertionError, match="compute_output_shape"):
        check_layer(Broken, {}, (2, 3), fit=False)


def test_harness_integer_inputs():
    r = check_layer(L.Reshape, {"target_shape": (4,)}, (3, 2, 2), input_dtype="int32")
    assert r.output.dtype == np.int32
    assert "fit (integer inputs)" in r.skipped


# ---------------------------------------------------------------------------------------------
# values against NumPy formulas
# ---------------------------------------------------------------------------------------------
def test_dense_values_with_activation():
    x = _x(3, 4)
    layer = L.Dense(2, activation="relu")
    layer.build((None, 4))
    w, b = _x(4, 2), _x(2)
    layer.set_weights([w, b])
    np.testing.assert_allclose(layer(x).numpy(), np.maximum(x @ w + b, 0), rtol=1e-6, atol=1e-6)
    # rank-3 input: applied along the last axis; the fused eager path and the taped path agree
    x3 = _x(2, 5, 4)
    with tf.GradientTape() as tape:
        tape.watch(layer.kernel)
        taped = layer(x3)
    np.testing.assert_allclose(layer(x3).numpy(), np.maximum(x3 @ w + b, 0), rtol=1e-6,
                               atol=1e-6)
    np.testing.assert_allclose(taped.numpy(), layer(x3).numpy())


def test_dense_softmax_and_integer_input():
    layer = L.Dense(3, activation="softmax", kernel_initializer="ones", bias_initializer="zeros")
    out = layer(np.array([[1, 2]], dtype="int32")).numpy()
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [[1 / 3, 1 / 3, 1 / 3]], rtol=1e-6)


def test_batch_normalization_training_and_inference():
    x = _x(6, 4) * 3 + 1
    bn = L.BatchNormalization(momentum=0.9, epsilon=1e-3)
    bn.build((None, 4))
    gamma, beta = _x(4), _x(4)
    bn.gamma.assign(gamma)
    bn.beta.assign(beta)
    mean, var = x.mean(0), x.var(0)
    y = bn(x, training=True).numpy()
    np.testing.assert_allclose(y, gamma * (x - mean) / np.sqrt(var + 1e-3) + beta, rtol=1e-4,
                               atol=1e-5)
    # moving = moving * momentum + batch * (1 - momentum), from zeros / ones
    np.testing.assert_allclose(bn.moving_mean.numpy(), 0.1 * mean, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(bn.moving_variance.numpy(), 0.9 + 0.1 * var, rtol=1e-5)
    mm, mv = bn.moving_mean.numpy(), bn.moving_variance.numpy()
    y_inf = bn(x).numpy()
    np.testing.assert_allclose(y_inf, gamma * (x - mm) / np.sqrt(mv + 1e-3) + beta, rtol=1e-4,
                               atol=1e-5)
    np.testing.assert_array_equal(bn.moving_mean.numpy(), mm)  # inference does not update


def test_batch_normalization_frozen_runs_in_inference_mode():
    x = _x(5, 3)
    bn = L.BatchNormalization()
    bn(x)
    bn.trainable = False
    out = bn(x, training=True).numpy()
    np.testing.assert_allclose(out, x / np.sqrt(1 + 1e-3), rtol=1e-5)
    np.testing.assert_array_equal(bn.moving_mean.numpy(), np.zeros(3))
    assert [w.name.split("/")[-1] for w in bn.weights] == [
        "gamma:0", "beta:0", "moving_mean:0", "moving_variance:0"]
    assert len(bn.trainable_weights) == 0 and len(bn.non_trainable_weights) == 4


def test_batch_normalization_conv_inputs_use_unbiased_moving_variance():
    x = _x(4, 3, 3, 5)
    bn = L.BatchNormalization()
    y = bn(x, training=True).numpy()
    var = x.var(axis=(0, 1, 2))
    n = 36
    np.testing.assert_allclose(bn.moving_variance.numpy(), 0.99 + 0.01 * var * n / (n - 1),
                               rtol=1e-5)
    np.testing.assert_allclose(y, (x - x.mean((0, 1, 2))) / np.sqrt(var + 1e-3), rtol=1e-4,
                               atol=1e-4)
    # not the channel axis: the plain (biased) update
    bn2 = L.BatchNormalization(axis=2)
    bn2(x, training=True)
    var2 = x.var(axis=(0, 1, 3))
    np.testing.assert_allclose(bn2.moving_variance.numpy(), 0.99 + 0.01 * var2, rtol=1e-5)


def test_batch_normalization_multi_axis_param_shape():
    bn = L.BatchNormalization(axis=[1, 2])
    x = _x(4, 3, 5)
    y = bn(x, training=True).numpy()
    assert bn.gamma.shape == (1, 3, 5)
    np.testing.assert_allclose(y, (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-3), rtol=1e-4,
                               atol=1e-4)


def test_layer_normalization_values():
    x = _x(2, 3, 4)
    ln = L.LayerNormalization(epsilon=1e-3)
    ln.build((None, 3, 4))
    g, b = _x(4), _x(4)
    ln.set_weights([g, b])
    mean, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
    np.testing.assert_allclose(ln(x).numpy(), (x - mean) / np.sqrt(var + 1e-3) * g + b,
                               rtol=1e-4, atol=1e-5)
    ln2 = L.LayerNormalization(axis=1)
    out = ln2(x).numpy()
    mean, var = x.mean(1, keepdims=True), x.var(1, keepdims=True)
    np.testing.assert_allclose(out, (x - mean) / np.sqrt(var + 1e-3), rtol=1e-4, atol=1e-5)
    assert ln2.gamma.shape == (3,)


def test_activation_layers_values():
    x = np.array([[-2.0, -0.5, 0.05, 0.5, 2.0]], "float32")
    relu = L.ReLU(max_value=1.0, negative_slope=0.1, threshold=0.1)(x).numpy()
    want = np.where(x >= 1.0, 1.0, np.where(x >= 0.1, x, 0.1 * (x - 0.1)))
    np.testing.assert_allclose(relu, want, rtol=1e-6)
    np.testing.assert_allclose(L.LeakyReLU()(x).numpy(), np.where(x > 0, x, 0.3 * x), rtol=1e-6)
    np.testing.assert_allclose(L.LeakyReLU(negative_slope=0.1)(x).numpy(),
                               np.where(x > 0, x, 0.1 * x), rtol=1e-6)
    np.testing.assert_allclose(L.ELU(alpha=0.5)(x).numpy(),
                               np.where(x > 0, x, 0.5 * (np.exp(x) - 1)), rtol=1e-5)
    prelu = L.PReLU(alpha_initializer=keras.initializers.Constant(0.25))
    np.testing.assert_allclose(prelu(x).numpy(), np.where(x > 0, x, 0.25 * x), rtol=1e-6)
    assert prelu.alpha.shape == (5,)
    e = np.exp(x - x.max())
    np.testing.assert_allclose(L.Softmax()(x).numpy(), e / e.sum(), rtol=1e-6)
    mask = np.array([[True, True, False, True, False]])
    masked = L.Softmax()(x, mask=mask).numpy()
    em = np.where(mask, np.exp(x), 0)
    np.testing.assert_allclose(masked, em / em.sum(), rtol=1e-5, atol=1e-7)


def test_noise_layers_are_identity_at_inference_and_random_in_training():
    x = RNG.standard_normal((400, 50)).astype("float32")
    for layer in (L.GaussianNoise(0.5), L.GaussianDropout(0.3), L.AlphaDropout(0.3),
                  L.Dropout(0.3)):
        np.testing.assert_array_equal(layer(x).numpy(), x)
        y = layer(x, training=True).numpy()
        assert not np.allclose(y, x)
        assert abs(y.mean() - x.mean()) < 0.05  # the expectation is preserved
    y = L.AlphaDropout(0.3)(x, training=True).numpy()
    assert abs(y.std() - 1.0) < 0.05  # so is a unit variance (SELU self-normalization)
    x = np.ones((200, 50), "float32")
    y = L.Dropout(0.5)(x, training=True).numpy()
    assert set(np.unique(y)) <= {0.0, 2.0}
    y = L.GaussianNoise(0.5)(x, training=True).numpy()
    assert abs(y.std() - 0.5) < 0.05


def test_alpha_dropout_formula():
    rate = 0.2
    alpha_p = -1.6732632423543772 * 1.0507009873554805
    a = ((1 - rate) * (1 + rate * alpha_p ** 2)) ** -0.5
    b = -a * alpha_p * rate
    x = np.full((100, 100), 0.7, "float32")
    y = L.AlphaDropout(rate)(x, training=True).numpy()
    np.testing.assert_allclose(np.unique(y), sorted([a * 0.7 + b, a * alpha_p + b]), rtol=1e-5)


def test_reshaping_layers_values():
    x = _x(2, 3, 4)
    np.testing.assert_array_equal(L.Flatten()(x).numpy(), x.reshape(2, 12))
    np.testing.assert_array_equal(L.Flatten()(x[:, 0, 0]).numpy(), x[:, 0, 0].reshape(2, 1))
    np.testing.assert_array_equal(L.Reshape((4, 3))(x).numpy(), x.reshape(2, 4, 3))
    np.testing.assert_array_equal(L.Reshape((-1, 2))(x).numpy(), x.reshape(2, 6, 2))
    np.testing.assert_array_equal(L.Permute((2, 1))(x).numpy(), x.transpose(0, 2, 1))
    np.testing.assert_array_equal(L.RepeatVector(2)(x[:, 0]).numpy(),
                                  np.stack([x[:, 0]] * 2, axis=1))
    x4 = _x(2, 3, 4, 5)
    np.testing.assert_array_equal(L.Flatten(data_format="channels_first")(x4).numpy(),
                                  x4.transpose(0, 2, 3, 1).reshape(2, -1))
    with pytest.raises(ValueError, match="total size"):
        L.Reshape((5,))(x)
    with pytest.raises(ValueError, match="consecutive"):
        L.Permute((1, 3))


def test_lambda_layer_arguments_and_masks():
    x = _x(2, 3)
    assert np.allclose(L.Lambda(lambda t, k: t * k, arguments={"k": 3.0})(x).numpy(), x * 3)
    lam = L.Lambda(lambda t: tf.argmax(t, axis=-1))
    inp = keras.Input((3,))
    out = lam(inp)
    assert out.dtype == tf.int64 and out.shape.as_list() == [None]
    m = L.Lambda(lambda t: t, mask=lambda t, mask: tf.reduce_any(t > 0, axis=-1))
    assert m.compute_mask(tf.constant(x)).shape == (2,)


def test_merge_layers_values():
    a, b, c = _x(2, 4), _x(2, 4), _x(2, 4)
    np.testing.assert_allclose(L.add([a, b, c]).numpy(), a + b + c, rtol=1e-6)
    np.testing.assert_allclose(L.subtract([a, b]).numpy(), a - b, rtol=1e-6)
    np.testing.assert_allclose(L.multiply([a, b]).numpy(), a * b, rtol=1e-6)
    np.testing.assert_allclose(L.average([a, b]).numpy(), (a + b) / 2, rtol=1e-6)
    np.testing.assert_allclose(L.maximum([a, b]).numpy(), np.maximum(a, b))
    np.testing.assert_allclose(L.minimum([a, b]).numpy(), np.minimum(a, b))
    np.testing.assert_allclose(L.concatenate([a, b], axis=0).numpy(), np.concatenate([a, b]))
    np.testing.assert_allclose(L.dot([a, b], axes=1).numpy(), (a * b).sum(1, keepdims=True),
                               rtol=1e-5)
    an = a / np.linalg.norm(a, axis=1, keepdims=True)
    bn = b / np.linalg.norm(b, axis=1, keepdims=True)
    np.testing.assert_allclose(L.dot([a, b], axes=1, normalize=True).numpy(),
                               (an * bn).sum(1, keepdims=True), rtol=1e-5)
    x, y = _x(2, 3, 4), _x(2, 5, 4)
    np.testing.assert_allclose(L.Dot(axes=(2, 2))([x, y]).numpy(),
                               np.einsum("bik,bjk->bij", x, y), rtol=1e-5, atol=1e-6)
    # a lower-rank input gets axes after the batch axis
    np.testing.assert_allclose(L.Add()([x, a]).numpy(), x + a[:, None, :], rtol=1e-6)


def test_merge_layer_errors():
    with pytest.raises(ValueError, match="list of inputs"):
        L.Add()(np.ones((2, 3), "float32"))
    with pytest.raises(ValueError, match="exactly 2 inputs"):
        L.Subtract()([_x(2, 3)] * 3)
    with pytest.raises(ValueError, match="matching shapes except for the concatenation axis"):
        L.Concatenate(axis=1)([_x(2, 3, 4), _x(2, 3, 5)])
    with pytest.raises(ValueError, match="incompatible shapes"):
        L.Add()([_x(2, 3), _x(2, 4)])
    with pytest.raises(ValueError, match="Incompatible input shapes"):
        L.Dot(axes=1)([_x(2, 3), _x(2, 4)])
    a, b = keras.Input((3,)), keras.Input((4,))
    with pytest.raises(ValueError, match="matching shapes"):
        L.Concatenate(axis=0)([a, b])


def test_merge_masks_are_combined():
    a, b = _x(2, 3), _x(2, 3)
    m1 = tf.constant([[True, False, True], [True, True, True]])
    m2 = tf.constant([[True, True, False], [True, True, True]])
    out = L.Add().compute_mask([a, b], [m1, m2]).numpy()
    np.testing.assert_array_equal(out, [[True, False, False], [True, True, True]])
    assert L.Add().compute_mask([a, b], [None, None]) is None
