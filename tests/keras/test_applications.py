"""`tf.keras.applications`: architectures match Keras (parameter counts, layer names and
order, weight shapes), weight loading (Keras 3 and legacy ImageNet-style files), the
`imagenet` download path, and the families' `preprocess_input` / `decode_predictions`.

Reference numbers were produced with Keras 3 (TF 2.21) `keras.applications.*(weights=None)`.
Fixtures in tests/data/keras_fixtures/ were written by Keras 3 (`mobilenetv2_96.*`) and
tf-keras (`mobilenet_025_64_notop_legacy.*`, the layout of Keras's ImageNet files), with
BatchNormalization moving statistics calibrated on the test input so activations stay alive.
"""

import json
import os
import shutil
import urllib.error
import warnings

import numpy as np
import pytest

import flowgrad as tf

apps = tf.keras.applications
FIXTURES = os.path.join(os.path.dirname(__file__), os.pardir, "data", "keras_fixtures")


def _counts(model):
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    non_trainable = sum(int(np.prod(w.shape)) for w in model.non_trainable_weights)
    return model.count_params(), trainable, non_trainable


# (builder, kwargs, model name, (total, trainable, non-trainable), number of layers incl. input,
#  output shape) -- all from Keras 3.
KERAS_REFERENCE = [
    ("VGG16", {"include_top": True}, "vgg16", (138357544, 138357544, 0), 23, (None, 1000)),
    (
        "VGG16",
        {"include_top": False, "input_shape": (32, 32, 3)},
        "vgg16",
        (14714688, 14714688, 0),
        19,
        (None, 1, 1, 512),
    ),
    (
        "VGG16",
        {"include_top": True, "input_shape": (32, 32, 3), "classes": 10},
        "vgg16",
        (33638218, 33638218, 0),
        23,
        (None, 10),
    ),
    ("VGG19", {"include_top": True}, "vgg19", (143667240, 143667240, 0), 26, (None, 1000)),
    (
        "VGG19",
        {"include_top": False, "input_shape": (32, 32, 3), "pooling": "max"},
        "vgg19",
        (20024384, 20024384, 0),
        23,
        (None, 512),
    ),
    ("ResNet50", {"include_top": True}, "resnet50", (25636712, 25583592, 53120), 177, (None, 1000)),
    (
        "ResNet50",
        {"include_top": False, "input_shape": (32, 32, 3), "pooling": "avg"},
        "resnet50",
        (23587712, 23534592, 53120),
        176,
        (None, 2048),
    ),
    (
        "ResNet101",
        {"include_top": False, "input_shape": (32, 32, 3)},
        "resnet101",
        (42658176, 42552832, 105344),
        345,
        (None, 1, 1, 2048),
    ),
    (
        "ResNet152",
        {"include_top": True, "input_shape": (32, 32, 3), "classes": 7},
        "resnet152",
        (58385287, 58233863, 151424),
        517,
        (None, 7),
    ),
    (
        "MobileNetV2",
        {"include_top": True},
        "mobilenetv2_1.00_224",
        (3538984, 3504872, 34112),
        156,
        (None, 1000),
    ),
    (
        "MobileNetV2",
        {"include_top": False, "input_shape": (96, 96, 3)},
        "mobilenetv2_1.00_96",
        (2257984, 2223872, 34112),
        154,
        (None, 3, 3, 1280),
    ),
    (
        "MobileNetV2",
        {"input_shape": (96, 96, 3), "alpha": 0.35, "classes": 10},
        "mobilenetv2_0.35_96",
        (423018, 408938, 14080),
        156,
        (None, 10),
    ),
    (
        "MobileNetV2",
        {"include_top": False, "input_shape": (32, 32, 3), "alpha": 1.4, "pooling": "max"},
        "mobilenetv2_1.40_32",
        (4363712, 4315776, 47936),
        155,
        (None, 1792),
    ),
    (
        "MobileNetV2",
        {"include_top": False, "input_shape": (33, 35, 3), "alpha": 0.5},
        "mobilenetv2_0.50_33",
        (706224, 687680, 18544),
        154,
        (None, 2, 2, 1280),
    ),
    (
        "MobileNet",
        {"include_top": True},
        "mobilenet_1.00_224",
        (4253864, 4231976, 21888),
        91,
        (None, 1000),
    ),
    (
        "MobileNet",
        {"include_top": False, "input_shape": (32, 32, 3)},
        "mobilenet_1.00_32",
        (3228864, 3206976, 21888),
        86,
        (None, 1, 1, 1024),
    ),
    (
        "MobileNet",
        {"input_shape": (128, 128, 3), "alpha": 0.25, "classes": 5, "depth_multiplier": 2},
        "mobilenet_0.25_128",
        (432173, 424221, 7952),
        91,
        (None, 5),
    ),
    (
        "MobileNet",
        {"include_top": False, "input_shape": (33, 35, 3), "alpha": 0.75, "pooling": "avg"},
        "mobilenet_0.75_33",
        (1832976, 1816560, 16416),
        87,
        (None, 768),
    ),
    (
        "ResNet50V2",
        {"include_top": True},
        "resnet50v2",
        (25613800, 25568360, 45440),
        192,
        (None, 1000),
    ),
    (
        "ResNet50V2",
        {"include_top": False, "input_shape": (32, 32, 3), "pooling": "max"},
        "resnet50v2",
        (23564800, 23519360, 45440),
        191,
        (None, 2048),
    ),
    (
        "ResNet152V2",
        {"include_top": True, "input_shape": (32, 32, 3), "classes": 3},
        "resnet152v2",
        (58337795, 58194051, 143744),
        566,
        (None, 3),
    ),
    (
        "DenseNet121",
        {"include_top": True},
        "densenet121",
        (8062504, 7978856, 83648),
        429,
        (None, 1000),
    ),
    (
        "DenseNet121",
        {"include_top": False, "input_shape": (32, 32, 3), "pooling": "avg"},
        "densenet121",
        (7037504, 6953856, 83648),
        428,
        (None, 1024),
    ),
    (
        "DenseNet169",
        {"include_top": False, "input_shape": (32, 32, 3)},
        "densenet169",
        (12642880, 12484480, 158400),
        595,
        (None, 1, 1, 1664),
    ),
    (
        "DenseNet201",
        {"include_top": True, "input_shape": (32, 32, 3), "classes": 4},
        "densenet201",
        (18329668, 18100612, 229056),
        709,
        (None, 4),
    ),
    ("Xception", {"include_top": True}, "xception", (22910480, 22855952, 54528), 134, (None, 1000)),
    (
        "Xception",
        {"include_top": False, "input_shape": (71, 71, 3), "pooling": "avg"},
        "xception",
        (20861480, 20806952, 54528),
        133,
        (None, 2048),
    ),
    (
        "Xception",
        {"include_top": True, "input_shape": (75, 80, 3), "classes": 6},
        "xception",
        (20873774, 20819246, 54528),
        134,
        (None, 6),
    ),
    (
        "EfficientNetB0",
        {"include_top": True},
        "efficientnetb0",
        (5330571, 5288548, 42023),
        240,
        (None, 1000),
    ),
    (
        "EfficientNetB0",
        {"include_top": False, "input_shape": (32, 32, 3), "pooling": "avg"},
        "efficientnetb0",
        (4049571, 4007548, 42023),
        238,
        (None, 1280),
    ),
    (
        "EfficientNetB1",
        {"include_top": False, "input_shape": (32, 32, 3)},
        "efficientnetb1",
        (6575239, 6513184, 62055),
        339,
        (None, 1, 1, 1280),
    ),
    (
        "EfficientNetB3",
        {"include_top": True, "input_shape": (32, 32, 3), "classes": 5},
        "efficientnetb3",
        (10791220, 10703917, 87303),
        387,
        (None, 5),
    ),
]


@pytest.mark.parametrize(
    "fn,kwargs,name,counts,n_layers,out_shape",
    KERAS_REFERENCE,
    ids=[f"{r[0]}-{i}" for i, r in enumerate(KERAS_REFERENCE)],
)
def test_parameter_counts_match_keras(fn, kwargs, name, counts, n_layers, out_shape):
    model = getattr(apps, fn)(weights=None, **kwargs)
    assert _counts(model) == counts
    assert model.name == name
    assert len(model.layers) == n_layers
    assert tuple(model.output_shape) == out_shape


def _names(model):
    return [layer.name for layer in model.layers]


def test_vgg16_layer_names_and_shapes():
    model = apps.VGG16(weights=None, include_top=False, input_shape=(32, 32, 3))
    assert _names(model)[1:] == [
        "block1_conv1",
        "block1_conv2",
        "block1_pool",
        "block2_conv1",
        "block2_conv2",
        "block2_pool",
        "block3_conv1",
        "block3_conv2",
        "block3_conv3",
        "block3_pool",
        "block4_conv1",
        "block4_conv2",
        "block4_conv3",
        "block4_pool",
        "block5_conv1",
        "block5_conv2",
        "block5_conv3",
        "block5_pool",
    ]
    conv = model.get_layer("block3_conv2")
    assert [tuple(w.shape) for w in conv.weights] == [(3, 3, 256, 256), (256,)]


def test_resnet50_layer_order_matches_keras():
    # Keras orders the layers of a residual block by depth: the shortcut conv comes after
    # the main branch's second conv; legacy ImageNet files rely on this order.
    names = _names(apps.ResNet50(weights=None))
    assert names[1:4] == ["conv1_pad", "conv1_conv", "conv1_bn"]
    assert names[6:15] == [
        "pool1_pool",
        "conv2_block1_1_conv",
        "conv2_block1_1_bn",
        "conv2_block1_1_relu",
        "conv2_block1_2_conv",
        "conv2_block1_2_bn",
        "conv2_block1_2_relu",
        "conv2_block1_0_conv",
        "conv2_block1_3_conv",
    ]
    assert names[-4:] == ["conv5_block3_add", "conv5_block3_out", "avg_pool", "predictions"]


def test_mobilenet_layer_names():
    v2 = _names(apps.MobileNetV2(weights=None, input_shape=(96, 96, 3), alpha=0.35))
    assert v2[1:4] == ["Conv1", "bn_Conv1", "Conv1_relu"]
    assert v2[6:15] == [
        "expanded_conv_depthwise_relu",
        "expanded_conv_project",
        "expanded_conv_project_BN",
        "block_1_expand",
        "block_1_expand_BN",
        "block_1_expand_relu",
        "block_1_pad",
        "block_1_depthwise",
        "block_1_depthwise_BN",
    ]
    assert v2[-4:-2] == ["Conv_1_bn", "out_relu"] and v2[-1] == "predictions"
    v1 = _names(apps.MobileNet(weights=None, input_shape=(128, 128, 3), alpha=0.25))
    assert v1[6:15] == [
        "conv_dw_1_relu",
        "conv_pw_1",
        "conv_pw_1_bn",
        "conv_pw_1_relu",
        "conv_pad_2",
        "conv_dw_2",
        "conv_dw_2_bn",
        "conv_dw_2_relu",
        "conv_pw_2",
    ]
    assert v1[-4:] == ["dropout", "conv_preds", "reshape_2", "predictions"]


def test_transfer_learning_counts_match_keras():
    base = apps.VGG16(weights=None, include_top=False, input_shape=(224, 224, 3))
    model = tf.keras.Sequential(
        [
            base,
            tf.keras.layers.Flatten(),
            tf.keras.layers.Dense(1024, activation="relu"),
            tf.keras.layers.Dense(10, activation="softmax"),
        ]
    )
    assert _counts(model) == (40416074, 40416074, 0)
    base.trainable = False
    assert _counts(model) == (40416074, 25701386, 14714688)
    base.trainable = True
    for layer in base.layers[:15]:
        layer.trainable = False
    assert base.layers[14].name == "block4_pool"
    assert _counts(base) == (14714688, 7079424, 7635264)
    assert _counts(model) == (40416074, 32780810, 7635264)


def test_efficientnet_and_xception_names():
    model = apps.EfficientNetB0(weights=None, include_top=False, input_shape=(32, 32, 3))
    names = _names(model)
    assert names[1:3] == ["rescaling", "normalization"]
    assert names[3:7] == ["stem_conv_pad", "stem_conv", "stem_bn", "stem_activation"]
    assert "block2a_dwconv_pad" in names and "block2b_drop" in names
    assert names[-1] == "top_activation"
    norm = model.get_layer("normalization")
    assert [tuple(w.shape) for w in norm.weights] == [(3,), (3,), ()]
    x_names = _names(apps.Xception(weights=None, include_top=False, input_shape=(71, 71, 3)))
    assert x_names[1:7] == [
        "block1_conv1",
        "block1_conv1_bn",
        "block1_conv1_act",
        "block1_conv2",
        "block1_conv2_bn",
        "block1_conv2_act",
    ]
    with pytest.raises(ValueError, match="at least 71x71"):
        apps.Xception(weights=None, include_top=False, input_shape=(70, 70, 3))


def test_input_shape_checks():
    with pytest.raises(ValueError, match="at least 32x32"):
        apps.VGG16(weights=None, include_top=False, input_shape=(31, 64, 3))
    with pytest.raises(ValueError, match="at least 32x32"):
        apps.MobileNetV2(weights=None, include_top=False, input_shape=(16, 16, 3))
    with pytest.raises(ValueError, match="three integers"):
        apps.ResNet50(weights=None, include_top=False, input_shape=(64, 64))
    with pytest.raises(ValueError, match="should be \\(224, 224, 3\\)"):
        apps.VGG16(weights="imagenet", include_top=True, input_shape=(64, 64, 3))
    with pytest.raises(ValueError, match="3 channels"):
        apps.VGG16(weights="imagenet", include_top=False, input_shape=(64, 64, 1))
    with pytest.raises(ValueError, match="classes"):
        apps.ResNet50(weights="imagenet", classes=10)
    with pytest.raises(ValueError, match="weights"):
        apps.MobileNet(weights="/no/such/file.h5")
    with pytest.raises(ValueError, match="alpha"):
        apps.MobileNetV2(weights="imagenet", alpha=0.6)
    with pytest.raises(ValueError, match="classifier_activation"):
        apps.VGG16(weights="imagenet", classifier_activation="relu")
    # No input_shape without the top: spatial dims free.
    model = apps.MobileNetV2(weights=None, include_top=False, alpha=0.35)
    assert tuple(model.input_shape) == (None, None, None, 3)


def test_input_tensor():
    inp = tf.keras.Input(shape=(64, 64, 3))
    x = tf.keras.layers.Rescaling(1.0 / 255)(inp)
    model = apps.MobileNet(
        weights=None, include_top=False, input_tensor=x, alpha=0.25, pooling="avg"
    )
    assert model.inputs[0] is inp
    out = model(np.zeros((1, 64, 64, 3), "float32"))
    assert tuple(out.shape) == (1, 256)


def _sine_images(n, size):
    return (
        (127.5 + 127.5 * np.sin(np.arange(n * size * size * 3) * 0.37))
        .astype("float32")
        .reshape(n, size, size, 3)
    )


def test_mobilenetv2_forward_matches_keras_weights_file():
    path = os.path.join(FIXTURES, "mobilenetv2_96.weights.h5")
    with open(os.path.join(FIXTURES, "mobilenetv2_96.json")) as f:
        expected = json.load(f)
    x = apps.mobilenet_v2.preprocess_input(_sine_images(2, 96))
    model = apps.MobileNetV2(weights=path, input_shape=(96, 96, 3), alpha=0.35, classes=10)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected["predictions"], atol=1e-4)
    logits = apps.MobileNetV2(
        weights=path, input_shape=(96, 96, 3), alpha=0.35, classes=10, classifier_activation=None
    )
    np.testing.assert_allclose(logits(x).numpy(), expected["logits"], atol=1e-4)


@pytest.fixture
def offline_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("FLOWGRAD_HOME", str(tmp_path / "fg"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    from flowgrad.keras.utils import file_utils

    def no_network(*args, **kwargs):
        raise urllib.error.URLError("network is unreachable")

    monkeypatch.setattr(file_utils.urllib.request, "urlopen", no_network)
    return tmp_path / "fg" / "models"


def test_imagenet_weights_from_cache_legacy_layout(offline_cache):
    """`weights='imagenet'` takes Keras's file name from the cache; the fixture has the
    legacy (Keras 2) layout of Keras's ImageNet files. 64x64 is not an ImageNet size, so the
    224 file is used, with Keras's warning."""
    offline_cache.mkdir(parents=True)
    shutil.copy(
        os.path.join(FIXTURES, "mobilenet_025_64_notop_legacy.h5"),
        offline_cache / "mobilenet_2_5_224_tf_no_top.h5",
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = apps.MobileNet(
            weights="imagenet",
            include_top=False,
            input_shape=(64, 64, 3),
            alpha=0.25,
            pooling="avg",
        )
    assert any("224" in str(w.message) for w in caught)
    with open(os.path.join(FIXTURES, "mobilenet_025_64_notop_legacy.json")) as f:
        expected = json.load(f)
    x = apps.mobilenet.preprocess_input(_sine_images(2, 64))
    np.testing.assert_allclose(model.predict(x, verbose=0), expected["predictions"], atol=1e-4)


def test_imagenet_weights_offline_error(offline_cache):
    with pytest.raises(
        Exception,
        match="URL fetch failure on https://storage.googleapis.com/"
        "tensorflow/keras-applications/vgg16/vgg16_weights_tf_"
        "dim_ordering_tf_kernels_notop.h5",
    ):
        apps.VGG16(weights="imagenet", include_top=False, input_shape=(32, 32, 3))
    with pytest.raises(Exception, match="URL fetch failure .*resnet50_weights_tf_dim"):
        apps.ResNet50(weights="imagenet", include_top=False, input_shape=(32, 32, 3))


def test_decode_predictions_offline_and_cached(offline_cache, monkeypatch):
    from flowgrad.keras.applications import imagenet_utils

    monkeypatch.setattr(imagenet_utils, "_class_index", None)
    preds = np.zeros((2, 1000), "float32")
    preds[0, 3], preds[0, 7], preds[1, 999] = 0.9, 0.05, 0.8
    with pytest.raises(Exception, match="URL fetch failure .*imagenet_class_index.json"):
        apps.vgg16.decode_predictions(preds)
    with pytest.raises(ValueError, match="shape"):
        apps.resnet50.decode_predictions(np.zeros((2, 10)))
    # A cached class index (any content with the right hash is not needed: patch the index).
    index = {str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)}
    monkeypatch.setattr(imagenet_utils, "_class_index", index)
    top = apps.mobilenet_v2.decode_predictions(preds, top=2)
    assert top[0][0][:2] == ("n00000003", "class_3") and top[0][1][:2] == ("n00000007", "class_7")
    assert top[1][0][:2] == ("n00000999", "class_999")
    assert top[0][0][2] == pytest.approx(0.9)


def test_preprocess_input_formulas():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 255, (2, 5, 5, 3)).astype("float32")
    caffe = x[..., ::-1] - np.array([103.939, 116.779, 123.68], "float32")
    for mod in (apps.vgg16, apps.vgg19, apps.resnet, apps.resnet50):
        np.testing.assert_allclose(mod.preprocess_input(x.copy()), caffe, rtol=1e-6, atol=1e-4)
    for mod in (apps.mobilenet, apps.mobilenet_v2):
        np.testing.assert_allclose(mod.preprocess_input(x.copy()), x / 127.5 - 1.0, atol=1e-6)
    for mod in (apps.resnet_v2, apps.xception):
        np.testing.assert_allclose(mod.preprocess_input(x.copy()), x / 127.5 - 1.0, atol=1e-6)
    torch = (x / 255.0 - np.array([0.485, 0.456, 0.406])) / np.array([0.229, 0.224, 0.225])
    np.testing.assert_allclose(apps.densenet.preprocess_input(x.copy()), torch, atol=1e-5)
    np.testing.assert_array_equal(apps.efficientnet.preprocess_input(x), x)
    # Integer input is converted to float32; channels_first moves the channel axis.
    ints = np.full((1, 2, 2, 3), 255, "uint8")
    out = apps.mobilenet_v2.preprocess_input(ints)
    assert out.dtype == np.float32 and np.allclose(out, 1.0)
    xcf = np.transpose(x, (0, 3, 1, 2)).copy()
    out_cf = apps.vgg16.preprocess_input(xcf, data_format="channels_first")
    np.testing.assert_allclose(out_cf, np.transpose(caffe, (0, 3, 1, 2)), atol=1e-4)
    # Tensors come back as tensors.
    t = apps.resnet50.preprocess_input(tf.constant(x))
    np.testing.assert_allclose(t.numpy(), caffe, atol=1e-4)


def test_lazy_module_exports():
    assert apps.VGG16 is apps.vgg16.VGG16
    assert apps.ResNet50 is apps.resnet.ResNet50 is apps.resnet50.ResNet50
    assert apps.MobileNetV2 is apps.mobilenet_v2.MobileNetV2
    assert "MobileNet" in dir(apps)
    assert apps.EfficientNetB0.__name__ == "EfficientNetB0"
    assert apps.DenseNet121 is apps.densenet.DenseNet121
    assert apps.Xception is apps.xception.Xception
    assert apps.ResNet50V2 is apps.resnet_v2.ResNet50V2
