"""Convolution, pooling and spatial reshaping layers (flowgrad/keras/layers/convolutional.py,
pooling.py, reshaping.py): values against the tf.nn ops and NumPy, shapes against
compute_output_shape, weights and parameter counts against Keras, traced calls with an unknown
batch size.

The Keras numbers (parameter counts, the small reference outputs) were computed once with
tf-keras 2.21 (TensorFlow 2.21) and are hard-coded: these tests do not import TensorFlow.
"""

import itertools

import numpy as np
import pytest

import flowgrad as tf
from flowgrad import keras
from flowgrad.keras import layers as L

RNG = np.random.default_rng(7)


def _x(*shape):
    return RNG.standard_normal(shape).astype("float32")


def _seq(shape, scale, offset=0.0):
    """Deterministic values (a sampled sine), the inputs and weights of the Keras references."""
    n = int(np.prod(shape))
    return (np.sin(np.arange(n) * 0.7 + offset) * scale).astype("float32").reshape(shape)


def _to_first(a):
    return np.moveaxis(a, -1, 1)


def _to_last(a):
    return np.moveaxis(a, 1, -1)


# ---------------------------------------------------------------------------------------------
# parameter counts and weights, as in Keras
# ---------------------------------------------------------------------------------------------
def test_tutorial_cnn_has_kerass_parameter_count():
    model = keras.Sequential([
        L.Conv2D(32, (3, 3), activation="relu", input_shape=(28, 28, 1)),
        L.MaxPooling2D(2, 2),
        L.Conv2D(64, (3, 3), activation="relu"),
        L.MaxPooling2D(),
        L.Flatten(),
        L.Dense(128, activation="relu"),
        L.Dense(10, activation="softmax"),
    ])
    assert model.count_params() == 225034
    assert [layer.count_params() for layer in model.layers] == [320, 0, 18496, 0, 0, 204928, 1290]
    assert [tuple(layer.output_shape) for layer in model.layers] == [
        (None, 26, 26, 32), (None, 13, 13, 32), (None, 11, 11, 64), (None, 5, 5, 64),
        (None, 1600), (None, 128), (None, 10)]
    assert [w.name for w in model.weights[:2]] == ["conv2d/kernel:0", "conv2d/bias:0"] or \
        [w.name.split("/")[-1] for w in model.weights[:2]] == ["kernel:0", "bias:0"]
    out = model(np.zeros((3, 28, 28, 1), "float32"))
    assert out.shape == (3, 10)


def test_tutorial_003_cnn_parameter_count():
    model = keras.Sequential([
        L.Conv2D(32, (3, 3), activation="relu", input_shape=(64, 64, 3)),
        L.MaxPooling2D(pool_size=(2, 2)),
        L.Conv2D(64, (3, 3), activation="relu"),
        L.MaxPooling2D(pool_size=(2, 2)),
        L.Flatten(),
        L.Dense(64, activation="relu"),
        L.Dense(10, activation="softmax"),
    ])
    assert model.count_params() == 822922
    assert tuple(model.layers[4].output_shape) == (None, 12544)


@pytest.mark.parametrize("layers, shape, count", [
    ([L.Conv2D(32, 3), L.Conv2D(16, 3, groups=4)], (8, 8, 3), 2064),
    ([L.SeparableConv2D(64, 3, depth_multiplier=2)], (16, 16, 32), 4736),
    ([L.DepthwiseConv2D(3, depth_multiplier=3)], (16, 16, 8), 240),
    ([L.Conv2DTranspose(16, 4, strides=2)], (7, 7, 32), 8208),
    ([L.Conv1D(8, 5)], (20, 6), 248),
    ([L.Conv3D(4, 3)], (5, 6, 7, 2), 220),
    ([L.SeparableConv1D(10, 3, depth_multiplier=2)], (20, 6), 166),
    ([L.Conv1DTranspose(5, 3)], (20, 6), 95),
    ([L.Conv3DTranspose(5, 2)], (3, 3, 3, 6), 245),
    ([L.DepthwiseConv1D(3, depth_multiplier=2)], (20, 6), 48),
], ids=lambda v: None)
def test_parameter_counts_match_keras(layers, shape, count):
    model = keras.Sequential([keras.Input(shape)] + layers)
    assert model.count_params() == count


def test_weight_names_shapes_and_order():
    def spec(layer, shape):
        layer.build((None,) + shape)
        return [(w.name.split("/")[-1], tuple(w.shape)) for w in layer.weights]

    assert spec(L.Conv2D(6, (3, 2), groups=2), (5, 5, 4)) == [
        ("kernel:0", (3, 2, 2, 6)), ("bias:0", (6,))]
    assert spec(L.Conv1D(3, 2, use_bias=False), (5, 4)) == [("kernel:0", (2, 4, 3))]
    assert spec(L.Conv2D(3, 2, data_format="channels_first"), (4, 5, 5)) == [
        ("kernel:0", (2, 2, 4, 3)), ("bias:0", (3,))]
    assert spec(L.Conv2DTranspose(6, 3), (5, 5, 4)) == [
        ("kernel:0", (3, 3, 6, 4)), ("bias:0", (6,))]
    assert spec(L.Conv3DTranspose(2, 2), (3, 3, 3, 5)) == [
        ("kernel:0", (2, 2, 2, 2, 5)), ("bias:0", (2,))]
    assert spec(L.DepthwiseConv2D(3, depth_multiplier=2), (5, 5, 4)) == [
        ("depthwise_kernel:0", (3, 3, 4, 2)), ("bias:0", (8,))]
    assert spec(L.SeparableConv2D(7, 3, depth_multiplier=2), (5, 5, 4)) == [
        ("depthwise_kernel:0", (3, 3, 4, 2)), ("pointwise_kernel:0", (1, 1, 8, 7)),
        ("bias:0", (7,))]
    assert spec(L.SeparableConv1D(7, 3), (5, 4)) == [
        ("depthwise_kernel:0", (3, 4, 1)), ("pointwise_kernel:0", (1, 4, 7)), ("bias:0", (7,))]
    for layer in (L.MaxPooling2D(), L.GlobalAveragePooling2D(), L.UpSampling2D(),
                  L.ZeroPadding2D(), L.Cropping2D(), L.SpatialDropout2D(0.5)):
        assert spec(layer, (6, 6, 2)) == []


# ---------------------------------------------------------------------------------------------
# values: against Keras (hard-coded), the tf.nn ops and NumPy
# ---------------------------------------------------------------------------------------------
KERAS_CONV2D = [-0.59025, -0.63946, -0.38792, 0.46279, -0.08575, -0.59395, -0.95227, -0.77217,
                -0.22891, 0.2876, 0.04718, -0.21543]
KERAS_CONV2D_T = [0.5474, -0.15667, -0.47898, -0.03817, 1.35533, 0.1751, -0.71828, -0.23952,
                  -0.396, -0.37256, 0.39104, 0.47347, -0.64692, -1.19659, 0.37596, 0.75587,
                  -0.18087, 0.66622, 0.52902, -0.5184, -1.6366, 1.07686, 1.38104, -0.34557,
                  0.33264, 0.13848, -0.16389, -0.22621, 0.83991, 0.96843, -0.33232, -0.84246]
KERAS_SEPARABLE = [0.37138, 0.37015, -0.31412, -0.43665, -0.45473, -0.60654, 0.54035, 0.56702,
                   0.02415, -0.03771, -0.50872, -0.6678, 0.47312, 0.4856, 0.35791, 0.35437,
                   -0.32802, -0.45309]
KERAS_BILINEAR = [0.19867, 0.34483, 0.63716, 0.83739, 0.94551, 0.99957, 0.33543, 0.40726,
                  0.55094, 0.62139, 0.61861, 0.61722, 0.60895, 0.53213, 0.37849, 0.18938,
                  -0.03519, -0.14748, 0.74571, 0.59456, 0.29227, -0.02662, -0.3621, -0.52984]
KERAS_BILINEAR_3x1 = [0.19867, 0.78333, 0.99957, 0.19867, 0.78333, 0.99957, 0.38101, 0.56926,
                      0.48977, 0.56336, 0.35519, -0.02003, 0.74571, 0.14112, -0.52984, 0.74571,
                      0.14112, -0.52984]
KERAS_CAUSAL = [-0.3418, -0.43513, -0.13779, -0.42409, 0.79186, 0.92095, 0.62934, 1.28847,
                -0.54495, -0.35292]
KERAS_GROUPS = [-0.08108, 0.03914, 0.07245, -0.02468, 0.12691, 0.00692, -0.11199, -0.03816,
                0.17097, 0.09141, -0.14918, -0.14386, -0.16412, -0.12008, 0.14252, 0.17451]


def _with_weights(layer, x, weights):
    layer(x)
    layer.set_weights(weights)
    return layer(x).numpy()


def test_values_match_keras():
    x = _seq((1, 4, 4, 2), 1.0)
    y = _with_weights(L.Conv2D(3, 3, strides=2, padding="same"), x,
                      [_seq((3, 3, 2, 3), 0.5, 1.0), _seq((3,), 0.1, 2.0)])
    np.testing.assert_allclose(y.ravel(), KERAS_CONV2D, atol=2e-5)

    xt = _seq((1, 2, 2, 2), 1.0, 0.3)
    wt = [_seq((3, 3, 2, 2), 0.5, 1.5), _seq((2,), 0.1, 2.5)]
    y = _with_weights(L.Conv2DTranspose(2, 3, strides=2, padding="same"), xt, wt)
    assert y.shape == (1, 4, 4, 2)
    np.testing.assert_allclose(y.ravel(), KERAS_CONV2D_T, atol=2e-5)
    # valid padding with output_padding: 6x6, the same values in the top-left 4x4 block, the
    # last row and column receive only part of the kernel
    y = _with_weights(L.Conv2DTranspose(2, 3, strides=2, output_padding=1), xt, wt)
    assert y.shape == (1, 6, 6, 2)
    np.testing.assert_allclose(y[0, :4, :4].ravel(), KERAS_CONV2D_T, atol=2e-5)
    np.testing.assert_allclose(y[0, 5, :, 0], 0.05985, atol=2e-5)  # bias only
    np.testing.assert_allclose(y[0, 0, 4], [0.75853, 0.46536], atol=2e-5)
    np.testing.assert_allclose(y[0, 1, 4], [0.00267, -0.78698], atol=2e-5)

    y = _with_weights(L.SeparableConv2D(2, 2, depth_multiplier=2), x,
                      [_seq((2, 2, 2, 2), 0.5, 0.5), _seq((1, 1, 4, 2), 0.5, 1.2),
                       _seq((2,), 0.1, 3.0)])
    np.testing.assert_allclose(y.ravel(), KERAS_SEPARABLE, atol=2e-5)

    xu = _seq((1, 2, 3, 1), 1.0, 0.2)
    np.testing.assert_allclose(L.UpSampling2D(2, interpolation="bilinear")(xu).numpy().ravel(),
                               KERAS_BILINEAR, atol=2e-5)
    np.testing.assert_allclose(
        L.UpSampling2D((3, 1), interpolation="bilinear")(xu).numpy().ravel(),
        KERAS_BILINEAR_3x1, atol=2e-5)

    y = _with_weights(L.Conv1D(2, 2, padding="causal", dilation_rate=2), _seq((1, 5, 2), 1.0, 0.4),
                      [_seq((2, 2, 2), 0.5, 0.1), _seq((2,), 0.1, 0.2)])
    np.testing.assert_allclose(y.ravel(), KERAS_CAUSAL, atol=2e-5)

    y = _with_weights(L.Conv2D(4, 2, groups=2, use_bias=False), _seq((1, 3, 3, 4), 1.0, 0.9),
                      [_seq((2, 2, 2, 4), 0.5, 0.3)])
    np.testing.assert_allclose(y.ravel(), KERAS_GROUPS, atol=2e-5)


def test_conv_layers_equal_the_nn_ops():
    x = _x(2, 7, 6, 4)
    layer = L.Conv2D(6, (3, 2), strides=(2, 1), padding="same", activation="relu")
    y = layer(x).numpy()
    k, b = layer.get_weights()
    want = tf.nn.relu(tf.nn.conv2d(x, k, (2, 1), "SAME") + b).numpy()
    np.testing.assert_allclose(y, want, rtol=1e-5, atol=1e-6)

    layer = L.Conv2D(4, 2, dilation_rate=2, groups=2)
    y = layer(x).numpy()
    k, b = layer.get_weights()
    halves = [tf.nn.conv2d(x[..., 2 * g:2 * g + 2], k[..., 2 * g:2 * g + 2], 1, "VALID",
                           dilations=2).numpy() for g in range(2)]
    np.testing.assert_allclose(y, np.concatenate(halves, -1) + b, rtol=1e-5, atol=1e-5)

    x1 = _x(2, 9, 3)
    layer = L.Conv1D(5, 3, strides=2)
    k, b = [w for w in (layer(x1), *layer.get_weights())][1:]
    np.testing.assert_allclose(layer(x1).numpy(), tf.nn.conv1d(x1, k, 2, "VALID").numpy() + b,
                               rtol=1e-5, atol=1e-6)

    x3 = _x(2, 4, 5, 3, 2)
    layer = L.Conv3D(3, 2, padding="same")
    layer(x3)
    k, b = layer.get_weights()
    np.testing.assert_allclose(layer(x3).numpy(),
                               tf.nn.conv3d(x3, k, (1, 1, 1, 1, 1), "SAME").numpy() + b,
                               rtol=1e-5, atol=1e-5)

    layer = L.DepthwiseConv2D(3, depth_multiplier=2, padding="same", use_bias=False)
    layer(x)
    (k,) = layer.get_weights()
    np.testing.assert_allclose(layer(x).numpy(),
                               tf.nn.depthwise_conv2d(x, k, (1, 1, 1, 1), "SAME").numpy(),
                               rtol=1e-5, atol=1e-6)

    layer = L.Conv2DTranspose(3, 3, strides=2, padding="same", use_bias=False)
    layer(x)
    (k,) = layer.get_weights()
    np.testing.assert_allclose(layer(x).numpy(),
                               tf.nn.conv2d_transpose(x, k, (2, 14, 12, 3), 2, "SAME").numpy(),
                               rtol=1e-5, atol=1e-5)


def test_causal_conv1d_sees_only_the_past():
    layer = L.Conv1D(1, 3, padding="causal", use_bias=False, kernel_initializer="ones")
    x = np.zeros((1, 6, 1), "float32")
    x[0, 2, 0] = 1.0
    np.testing.assert_array_equal(layer(x).numpy()[0, :, 0], [0, 0, 1, 1, 1, 0])
    # dilation 2 with a 2-tap kernel: y[t] = x[t] + x[t - 2]
    layer = L.Conv1D(1, 2, padding="causal", dilation_rate=2, use_bias=False,
                     kernel_initializer="ones")
    x = np.arange(6, dtype="float32").reshape(1, 6, 1)
    np.testing.assert_array_equal(layer(x).numpy()[0, :, 0], [0, 1, 2, 4, 6, 8])
    assert layer.compute_output_shape((None, 6, 1)).as_list() == [None, 6, 1]
    # SeparableConv1D and channels_first take causal padding too
    sep = L.SeparableConv1D(2, 3, padding="causal", data_format="channels_first")
    assert sep(_x(2, 3, 7)).shape == (2, 2, 7)


def _np_pool(x, k, s, padding, reduce):
    """Channels-last N-d pooling in NumPy (SAME windows ignore the padding)."""
    spatial = x.shape[1:-1]
    outs, pads = [], []
    for n, kk, ss in zip(spatial, k, s):
        if padding == "same":
            o = -(-n // ss)
            total = max((o - 1) * ss + kk - n, 0)
            pads.append(total // 2)
        else:
            o = (n - kk) // ss + 1
            pads.append(0)
        outs.append(o)
    out = np.zeros((x.shape[0], *outs, x.shape[-1]), x.dtype)
    for idx in itertools.product(*[range(o) for o in outs]):
        sl = tuple(slice(max(i * ss - p, 0), min(i * ss - p + kk, n))
                   for i, ss, p, kk, n in zip(idx, s, pads, k, spatial))
        win = x[(slice(None),) + sl + (slice(None),)]
        out[(slice(None),) + idx + (slice(None),)] = reduce(
            win.reshape(x.shape[0], -1, x.shape[-1]), axis=1)
    return out


@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_pooling_values(nd, padding):
    x = _x(2, *(5, 6, 4)[:nd], 3)
    k, s = (2, 3, 2)[:nd], (2, 1, 2)[:nd]
    for cls, reduce in (({1: L.MaxPooling1D, 2: L.MaxPooling2D, 3: L.MaxPooling3D}[nd], np.max),
                        ({1: L.AveragePooling1D, 2: L.AveragePooling2D,
                          3: L.AveragePooling3D}[nd], np.mean)):
        layer = cls(pool_size=k, strides=s, padding=padding)
        y = layer(x).numpy()
        np.testing.assert_allclose(y, _np_pool(x, k, s, padding, reduce), rtol=1e-5, atol=1e-6)
        assert tuple(layer.compute_output_shape(x.shape)) == y.shape
        cf = cls(pool_size=k, strides=s, padding=padding, data_format="channels_first")
        np.testing.assert_allclose(cf(_to_first(x)).numpy(), _to_first(y), rtol=1e-5,
                                   atol=1e-6)
    # strides default to the pool size
    assert {1: L.MaxPooling1D, 2: L.MaxPooling2D, 3: L.MaxPooling3D}[nd](k).strides == k


def test_global_pooling_values_and_keepdims():
    x = _x(2, 4, 5, 3)
    np.testing.assert_allclose(L.GlobalAveragePooling2D()(x).numpy(), x.mean((1, 2)), rtol=1e-5)
    np.testing.assert_allclose(L.GlobalMaxPooling2D()(x).numpy(), x.max((1, 2)))
    np.testing.assert_allclose(L.GlobalAveragePooling2D(keepdims=True)(x).numpy(),
                               x.mean((1, 2), keepdims=True), rtol=1e-5)
    np.testing.assert_allclose(
        L.GlobalMaxPooling2D(data_format="channels_first")(_to_first(x)).numpy(), x.max((1, 2)))
    x1 = _x(2, 6, 3)
    np.testing.assert_allclose(L.GlobalAveragePooling1D()(x1).numpy(), x1.mean(1), rtol=1e-5)
    np.testing.assert_allclose(L.GlobalMaxPooling1D(keepdims=True)(x1).numpy(),
                               x1.max(1, keepdims=True))
    x3 = _x(2, 2, 3, 4, 3)
    np.testing.assert_allclose(L.GlobalAveragePooling3D()(x3).numpy(), x3.mean((1, 2, 3)),
                               rtol=1e-5, atol=1e-6)
    assert L.GlobalMaxPooling3D(keepdims=True).compute_output_shape(
        (None, 2, 3, 4, 3)).as_list() == [None, 1, 1, 1, 3]
    assert L.GlobalAveragePooling2D(data_format="channels_first").compute_output_shape(
        (None, 3, 4, 5)).as_list() == [None, 3]
    # the masked mean averages only unmasked steps; the mask stops here
    mask = np.array([[True, True, False, False, False, True], [True] * 6])
    layer = L.GlobalAveragePooling1D()
    got = layer(x1, mask=tf.constant(mask)).numpy()
    np.testing.assert_allclose(got[0], x1[0, [0, 1, 5]].mean(0), rtol=1e-5)
    np.testing.assert_allclose(got[1], x1[1].mean(0), rtol=1e-5)
    assert layer.compute_mask(x1, tf.constant(mask)) is None


def test_global_average_pooling_after_masking_embedding():
    inp = keras.Input((5,), dtype="int32")
    emb = L.Embedding(10, 3, mask_zero=True)(inp)
    out = L.GlobalAveragePooling1D()(emb)
    model = keras.Model(inp, out)
    ids = np.array([[1, 2, 0, 0, 0]], "int32")
    table = model.layers[1].get_weights()[0]
    np.testing.assert_allclose(model(ids).numpy()[0], table[[1, 2]].mean(0), rtol=1e-5)


def test_upsampling_zero_padding_cropping_values():
    x = _x(2, 3, 4, 2)
    np.testing.assert_array_equal(L.UpSampling2D((2, 3))(x).numpy(),
                                  np.repeat(np.repeat(x, 2, 1), 3, 2))
    np.testing.assert_array_equal(L.UpSampling2D(2, data_format="channels_first")(x).numpy(),
                                  np.repeat(np.repeat(x, 2, 2), 2, 3))
    np.testing.assert_array_equal(L.UpSampling1D(3)(x[:, 0]).numpy(), np.repeat(x[:, 0], 3, 1))
    x3 = _x(1, 2, 3, 2, 1)
    np.testing.assert_array_equal(L.UpSampling3D((2, 1, 2))(x3).numpy(),
                                  np.repeat(np.repeat(x3, 2, 1), 2, 3))
    # bilinear of a constant is the constant; of a ramp along an axis, a finer ramp inside
    ramp = np.tile(np.arange(4, dtype="float32")[None, None, :, None], (1, 2, 1, 1))
    up = L.UpSampling2D(2, interpolation="bilinear")(ramp).numpy()[0, 0, :, 0]
    np.testing.assert_allclose(up, [0, 0.25, 0.75, 1.25, 1.75, 2.25, 2.75, 3], atol=1e-6)

    np.testing.assert_array_equal(L.ZeroPadding2D(((1, 0), (2, 3)))(x).numpy(),
                                  np.pad(x, ((0, 0), (1, 0), (2, 3), (0, 0))))
    np.testing.assert_array_equal(L.ZeroPadding2D(1, data_format="channels_first")(x).numpy(),
                                  np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1))))
    np.testing.assert_array_equal(L.ZeroPadding1D((2, 1))(x[:, 0]).numpy(),
                                  np.pad(x[:, 0], ((0, 0), (2, 1), (0, 0))))
    np.testing.assert_array_equal(L.ZeroPadding3D((1, 0, 2))(x3).numpy(),
                                  np.pad(x3, ((0, 0), (1, 1), (0, 0), (2, 2), (0, 0))))
    np.testing.assert_array_equal(L.Cropping2D(((1, 0), (1, 2)))(x).numpy(), x[:, 1:, 1:2])
    x4 = _x(2, 2, 4, 5)
    np.testing.assert_array_equal(L.Cropping2D(1, data_format="channels_first")(x4).numpy(),
                                  x4[:, :, 1:-1, 1:-1])
    np.testing.assert_array_equal(L.Cropping1D((0, 2))(x[:, 0]).numpy(), x[:, 0, :2])
    x5 = _x(1, 3, 4, 5, 1)
    np.testing.assert_array_equal(L.Cropping3D()(x5).numpy(), x5[:, 1:-1, 1:-1, 1:-1])


def test_spatial_dropout_drops_whole_channels_in_training_only():
    x = np.ones((64, 5, 6, 8), "float32")
    layer = L.SpatialDropout2D(0.5)
    np.testing.assert_array_equal(layer(x).numpy(), x)
    np.testing.assert_array_equal(layer(x, training=False).numpy(), x)
    y = layer(x, training=True).numpy()
    assert set(np.unique(y)) == {0.0, 2.0}
    per_map = y.reshape(64, 30, 8)
    assert (per_map.min(1) == per_map.max(1)).all()  # one draw per (sample, channel)
    assert 0.35 < (per_map[:, 0] == 0).mean() < 0.65
    y = L.SpatialDropout2D(0.5, data_format="channels_first")(x, training=True).numpy()
    per_map = y.reshape(64, 5, 48)
    assert (per_map.min(2) == per_map.max(2)).all()
    y = L.SpatialDropout1D(0.3)(np.ones((50, 7, 4), "float32"), training=True).numpy()
    assert (y.min(1) == y.max(1)).all()
    assert set(np.unique(y)) <= {0.0, np.float32(1 / 0.7)}
    y = L.SpatialDropout3D(0.5)(np.ones((20, 2, 3, 2, 4), "float32"), training=True).numpy()
    flat = y.reshape(20, 12, 4)
    assert (flat.min(1) == flat.max(1)).all()


# ---------------------------------------------------------------------------------------------
# shapes: every padding / stride / data_format combination against compute_output_shape
# ---------------------------------------------------------------------------------------------
def _shape_cases():
    cases = []
    for padding, strides, dilation in (("valid", 1, 1), ("valid", 2, 1), ("same", 1, 1),
                                       ("same", 2, 1), ("valid", 1, 2), ("same", 1, 2)):
        cases += [
            (L.Conv1D, {"filters": 3, "kernel_size": 3}, 1),
            (L.Conv2D, {"filters": 3, "kernel_size": (3, 2)}, 2),
            (L.Conv3D, {"filters": 2, "kernel_size": 2}, 3),
            (L.DepthwiseConv2D, {"kernel_size": 3, "depth_multiplier": 2}, 2),
            (L.DepthwiseConv1D, {"kernel_size": 2}, 1),
            (L.SeparableConv2D, {"filters": 3, "kernel_size": 3}, 2),
            (L.SeparableConv1D, {"filters": 3, "kernel_size": 2}, 1),
            (L.Conv1DTranspose, {"filters": 2, "kernel_size": 3}, 1),
            (L.Conv2DTranspose, {"filters": 2, "kernel_size": (3, 2)}, 2),
            (L.Conv3DTranspose, {"filters": 2, "kernel_size": 2}, 3),
        ]
        cases = [(c, {**kw, "padding": padding, "strides": strides, "dilation_rate": dilation},
                  nd) if "padding" not in kw else (c, kw, nd) for c, kw, nd in cases]
    for padding, strides in (("valid", None), ("valid", 1), ("same", 2), ("same", 3)):
        for nd, (mx, av) in enumerate(((L.MaxPooling1D, L.AveragePooling1D),
                                       (L.MaxPooling2D, L.AveragePooling2D),
                                       (L.MaxPooling3D, L.AveragePooling3D)), 1):
            for cls in (mx, av):
                cases.append((cls, {"pool_size": 2, "strides": strides, "padding": padding}, nd))
    return cases


SHAPE_CASES = _shape_cases()


@pytest.mark.parametrize("cls, kwargs, nd", SHAPE_CASES,
                         ids=[f"{c.__name__}-{k.get('padding')}-s{k.get('strides')}"
                              f"-d{k.get('dilation_rate', 1)}" for c, k, _ in SHAPE_CASES])
def test_output_shapes_for_every_padding_stride_and_format(cls, kwargs, nd):
    spatial = (7, 6, 5)[:nd]
    x = _x(2, *spatial, 4)
    last = cls(**kwargs)
    y = last(x).numpy()
    assert tuple(last.compute_output_shape(x.shape)) == y.shape
    assert last.compute_output_shape((None,) + x.shape[1:]).as_list() == [None] + list(y.shape[1:])
    # channels_first with the same weights: the transposed result
    first = cls(**kwargs, data_format="channels_first")
    xf = _to_first(x)
    first(xf)
    first.set_weights(last.get_weights())
    yf = first(xf).numpy()
    assert tuple(first.compute_output_shape(xf.shape)) == yf.shape
    np.testing.assert_allclose(yf, _to_first(y), rtol=1e-4, atol=1e-5)


def test_transpose_output_sizes():
    # valid: size * stride + max(kernel - stride, 0); same: size * stride
    for padding, stride, k, out_pad, want in (("valid", 2, 3, None, 11), ("valid", 3, 2, None, 15),
                                              ("same", 2, 3, None, 10), ("same", 2, 3, 1, 10),
                                              ("same", 2, 3, 0, 9), ("valid", 2, 3, 1, 12)):
        layer = L.Conv1DTranspose(1, k, strides=stride, padding=padding, output_padding=out_pad)
        assert layer(_x(1, 5, 2)).shape == (1, want, 1), (padding, stride, k, out_pad)
        assert layer.compute_output_shape((None, 5, 2)).as_list() == [None, want, 1]


# ---------------------------------------------------------------------------------------------
# traced calls with an unknown batch size
# ---------------------------------------------------------------------------------------------
TRACE_CASES = [
    (L.Conv2D, {"filters": 3, "kernel_size": 3, "strides": 2, "padding": "same"}, (6, 6, 2)),
    (L.Conv1D, {"filters": 2, "kernel_size": 3, "padding": "causal"}, (6, 3)),
    (L.Conv2DTranspose, {"filters": 2, "kernel_size": 3, "strides": 2}, (3, 4, 2)),
    (L.Conv1DTranspose, {"filters": 2, "kernel_size": 2, "strides": 2, "output_padding": 1}, (4, 3)),
    (L.SeparableConv2D, {"filters": 3, "kernel_size": 2}, (5, 5, 2)),
    (L.DepthwiseConv2D, {"kernel_size": 2, "data_format": "channels_first"}, (2, 5, 5)),
    (L.MaxPooling2D, {}, (6, 6, 2)),
    (L.AveragePooling1D, {"padding": "same", "pool_size": 3}, (7, 2)),
    (L.GlobalAveragePooling2D, {}, (4, 4, 2)),
    (L.UpSampling2D, {"interpolation": "bilinear"}, (3, 4, 2)),
    (L.UpSampling1D, {}, (3, 2)),
    (L.ZeroPadding2D, {}, (3, 4, 2)),
    (L.Cropping2D, {"cropping": 1}, (4, 4, 2)),
]


@pytest.mark.parametrize("cls, kwargs, shape", TRACE_CASES,
                         ids=[c.__name__ for c, _, _ in TRACE_CASES])
def test_traced_with_unknown_batch_traces_once(cls, kwargs, shape):
    layer = cls(**kwargs)
    x3, x5 = _x(3, *shape), _x(5, *shape)
    layer(x3)

    @tf.function(input_signature=[tf.TensorSpec((None,) + shape, tf.float32)])
    def f(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = layer(x)
            loss = tf.reduce_sum(y * y)
        return y, tape.gradient(loss, [x] + layer.trainable_weights)

    for x in (x3, x5):
        y, grads = f(x)
        np.testing.assert_allclose(y.numpy(), layer(x).numpy(), rtol=1e-5, atol=1e-5)
        with tf.GradientTape() as tape:
            xt = tf.constant(x)
            tape.watch(xt)
            loss = tf.reduce_sum(layer(xt) ** 2)
        eager = tape.gradient(loss, [xt] + layer.trainable_weights)
        for g, e in zip(grads, eager):
            np.testing.assert_allclose(g.numpy(), e.numpy(), rtol=1e-4, atol=1e-4)
    assert f.experimental_get_tracing_count() == 1


def test_unknown_spatial_sizes_in_a_trace():
    layers = [L.Conv2DTranspose(2, 3, strides=2, padding="same"), L.UpSampling2D(
        interpolation="bilinear"), L.Cropping2D(1), L.SpatialDropout2D(0.5)]

    @tf.function(input_signature=[tf.TensorSpec((None, None, None, 3), tf.float32)])
    def f(x):
        outs = [layer(x, training=True) for layer in layers]
        return [tf.shape(o) for o in outs]

    for shape in ((2, 5, 6, 3), (3, 7, 4, 3)):
        got = [s.numpy().tolist() for s in f(_x(*shape))]
        n, h, w, _c = shape
        assert got == [[n, 2 * h, 2 * w, 2], [n, 2 * h, 2 * w, 3], [n, h - 2, w - 2, 3],
                       [n, h, w, 3]]
    assert f.experimental_get_tracing_count() == 1


def test_cnn_trains_with_fit_and_functional_shapes():
    inp = keras.Input((None, None, 1))
    h = L.Conv2D(4, 3, padding="same", activation="relu")(inp)
    h = L.MaxPooling2D()(h)
    h = L.SeparableConv2D(4, 3, padding="same")(h)
    h = L.UpSampling2D()(h)
    h = L.Conv2DTranspose(2, 3, padding="same")(h)
    assert h.shape.as_list() == [None, None, None, 2]
    out = L.Dense(1)(L.GlobalAveragePooling2D()(h))
    model = keras.Model(inp, out)
    model.compile(optimizer="adam", loss="mse")
    x = _x(32, 8, 8, 1)
    y = x.mean((1, 2, 3))[:, None]
    hist = model.fit(x, y, epochs=3, batch_size=8, verbose=0)
    assert np.isfinite(hist.history["loss"]).all()
    assert model.predict(_x(3, 12, 10, 1), verbose=0).shape == (3, 1)


# ---------------------------------------------------------------------------------------------
# arguments, errors and configs
# ---------------------------------------------------------------------------------------------
def test_argument_errors():
    with pytest.raises(ValueError, match="divisible by the number of groups"):
        L.Conv2D(5, 3, groups=2)
    with pytest.raises(ValueError, match="input channels must be evenly divisible"):
        L.Conv2D(4, 3, groups=2)(_x(1, 5, 5, 3))
    with pytest.raises(ValueError, match="Causal padding"):
        L.Conv2D(4, 3, padding="causal")
    with pytest.raises(ValueError, match="padding"):
        L.Conv2D(4, 3, padding="full")
    with pytest.raises(ValueError, match="dilation_rate > 1"):
        L.Conv2D(4, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match="greater than output padding"):
        L.Conv2DTranspose(4, 3, strides=2, output_padding=2)
    with pytest.raises(ValueError, match="kernel_size"):
        L.Conv2D(4, (3, 3, 3))
    with pytest.raises(ValueError, match="filters"):
        L.Conv2D(0, 3)
    with pytest.raises(ValueError, match="<= 0"):
        L.Conv2D(4, 5)(_x(1, 3, 3, 1))
    with pytest.raises(ValueError, match="cropping"):
        L.Cropping2D(2)(_x(1, 4, 5, 1))
    with pytest.raises(ValueError, match="interpolation"):
        L.UpSampling2D(interpolation="bicubic")
    with pytest.raises(ValueError, match="data_format"):
        L.MaxPooling2D(data_format="NHWC")
    with pytest.raises(ValueError):
        L.Conv2D(4, 3)(_x(2, 5, 5))  # rank 3 for a 2-D convolution


def test_configs_round_trip_and_accept_keras_entries():
    layer = L.Conv2DTranspose(4, 3, strides=2, output_padding=1, activation="relu")
    config = layer.get_config()
    assert config["groups"] == 1 and config["output_padding"] == (1, 1)
    assert L.Conv2DTranspose.from_config(config).get_config() == config
    sep = L.SeparableConv2D(3, 2)
    cfg = dict(sep.get_config(), kernel_initializer={"class_name": "GlorotUniform",
                                                     "config": {"seed": None}},
               kernel_regularizer=None, kernel_constraint=None, groups=1)
    assert L.SeparableConv2D.from_config(cfg).filters == 3
    conv = L.Conv1D(8, 3, padding="CAUSAL")
    assert conv.padding == "causal" and conv.get_config()["padding"] == "causal"
    assert L.Conv2D(2, 3).get_config()["data_format"] == "channels_last"
    assert L.MaxPool2D is L.MaxPooling2D and L.GlobalAvgPool1D is L.GlobalAveragePooling1D
    assert L.Convolution2D is L.Conv2D
    model = keras.Sequential([keras.Input((8, 8, 2)), L.Conv2D(3, 3), L.MaxPooling2D(),
                              L.UpSampling2D(interpolation="bilinear"), L.ZeroPadding2D(),
                              L.Cropping2D(1), L.SpatialDropout2D(0.2)])
    clone = keras.Sequential.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    x = _x(2, 8, 8, 2)
    np.testing.assert_allclose(clone(x).numpy(), model(x).numpy(), rtol=1e-6)


def test_float64_layers_and_mixed_inputs():
    layer = L.Conv2D(2, 2, dtype="float64")
    y = layer(_x(1, 3, 3, 1))
    assert y.dtype == tf.float64 and layer.kernel.dtype == tf.float64
    layer = L.SeparableConv1D(2, 2, dtype="float64")
    assert layer(_x(1, 4, 3)).dtype == tf.float64
