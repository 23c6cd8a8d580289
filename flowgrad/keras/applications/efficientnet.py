"""`keras.applications.efficientnet`: EfficientNetB0-B7 (Tan & Le, 2019) with Keras's layer
names. The stem normalises inputs itself (Rescaling 1/255 + per-channel Normalization), so
`preprocess_input` is the identity."""

import math

from . import imagenet_utils as _u

_URL = "https://storage.googleapis.com/keras-applications/"
_HASHES = {
    "b0": ("902e53a9f72be733fc0bcb005b3ebbac", "50bc09e76180e00e4465e1a485ddc09d"),
    "b1": ("1d254153d4ab51201f1646940f018540", "74c4e6b3e1f6a1eea24c589628592432"),
    "b2": ("b15cce36ff4dcbd00b6dd88e7857a6ad", "111f8e2ac8aa800a7a99e3239f7bfb39"),
    "b3": ("ffd1fdc53d0ce67064dc6a9c7960ede0", "af6d107764bb5b1abb91932881670226"),
    "b4": ("18c95ad55216b8f92d7e70b3a046e2fc", "ebc24e6d6c33eaebbd558eafbeedf1ba"),
    "b5": ("ace28f2a6363774853a83a0b21b9421a", "38879255a25d3c92d5e44e04ae6cec6f"),
    "b6": ("165f6e37dce68623721b423839de8be5", "9ecce42647a20130c1f39a5d4cb75743"),
    "b7": ("8c03f828fec3ef71311cd463b6759d99", "cbcfe4450ddf6f3ad90b1b398090fe4a"),
}
_IMAGENET_STD_RGB = (0.229, 0.224, 0.225)

# (kernel, repeats, filters_in, filters_out, expand_ratio, strides) of the 7 stages; every
# block has an identity skip where shapes allow and squeeze-excite ratio 0.25.
_STAGES = ((3, 1, 32, 16, 1, 1), (3, 2, 16, 24, 6, 2), (5, 2, 24, 40, 6, 2),
           (3, 3, 40, 80, 6, 2), (5, 3, 80, 112, 6, 1), (5, 4, 112, 192, 6, 2),
           (3, 1, 192, 320, 6, 1))
_SE_RATIO = 0.25

# (width, depth, default resolution, dropout) per variant
_VARIANTS = {"b0": (1.0, 1.0, 224, 0.2), "b1": (1.0, 1.1, 240, 0.2),
             "b2": (1.1, 1.2, 260, 0.3), "b3": (1.2, 1.4, 300, 0.3),
             "b4": (1.4, 1.8, 380, 0.4), "b5": (1.6, 2.2, 456, 0.4),
             "b6": (1.8, 2.6, 528, 0.5), "b7": (2.0, 3.1, 600, 0.5)}

_CONV_INIT = {"class_name": "VarianceScaling",
              "config": {"scale": 2.0, "mode": "fan_out", "distribution": "truncated_normal"}}
_DENSE_INIT = {"class_name": "VarianceScaling",
               "config": {"scale": 1.0 / 3.0, "mode": "fan_out", "distribution": "uniform"}}


def _block(x, activation, drop_rate, name, filters_in, filters_out, kernel_size, strides,
           expand_ratio):
    from .. import layers
    axis = _u.bn_axis()
    inputs = x
    filters = filters_in * expand_ratio
    if expand_ratio != 1:
        x = layers.Conv2D(filters, 1, padding="same", use_bias=False,
                          kernel_initializer=_CONV_INIT, name=f"{name}expand_conv")(x)
        x = layers.BatchNormalization(axis=axis, name=f"{name}expand_bn")(x)
        x = layers.Activation(activation, name=f"{name}expand_activation")(x)
    if strides == 2:
        x = layers.ZeroPadding2D(padding=_u.correct_pad(x, kernel_size),
                                 name=f"{name}dwconv_pad")(x)
    x = layers.DepthwiseConv2D(kernel_size, strides=strides,
                               padding="valid" if strides == 2 else "same", use_bias=False,
                               depthwise_initializer=_CONV_INIT, name=f"{name}dwconv")(x)
    x = layers.BatchNormalization(axis=axis, name=f"{name}bn")(x)
    x = layers.Activation(activation, name=f"{name}activation")(x)
    # squeeze-and-excite
    filters_se = max(1, int(filters_in * _SE_RATIO))
    se = layers.GlobalAveragePooling2D(name=f"{name}se_squeeze")(x)
    se_shape = (filters, 1, 1) if axis == 1 else (1, 1, filters)
    se = layers.Reshape(se_shape, name=f"{name}se_reshape")(se)
    se = layers.Conv2D(filters_se, 1, padding="same", activation=activation,
                       kernel_initializer=_CONV_INIT, name=f"{name}se_reduce")(se)
    se = layers.Conv2D(filters, 1, padding="same", activation="sigmoid",
                       kernel_initializer=_CONV_INIT, name=f"{name}se_expand")(se)
    x = layers.multiply([x, se], name=f"{name}se_excite")
    x = layers.Conv2D(filters_out, 1, padding="same", use_bias=False,
                      kernel_initializer=_CONV_INIT, name=f"{name}project_conv")(x)
    x = layers.BatchNormalization(axis=axis, name=f"{name}project_bn")(x)
    if strides == 1 and filters_in == filters_out:
        if drop_rate > 0:
            x = layers.Dropout(drop_rate, noise_shape=(None, 1, 1, 1), name=f"{name}drop")(x)
        x = layers.add([x, inputs], name=f"{name}add")
    return x


def EfficientNet(variant, include_top=True, weights="imagenet", input_tensor=None,
                 input_shape=None, pooling=None, classes=1000,
                 classifier_activation="softmax", name=None, drop_connect_rate=0.2,
                 depth_divisor=8, activation="swish"):
    from .. import layers
    from ..engine.model import Functional
    width, depth, default_size, dropout_rate = _VARIANTS[variant]
    name = name or f"efficientnet{variant}"
    _u.check_weights_arg(weights, include_top, classes)
    input_shape = _u.obtain_input_shape(input_shape, default_size=default_size, min_size=32,
                                        data_format=_u.image_data_format(),
                                        require_flatten=include_top, weights=weights)
    img_input, inputs = _u.make_input(input_tensor, input_shape)
    axis = _u.bn_axis()

    def round_filters(filters):
        filters *= width
        new = max(depth_divisor, int(filters + depth_divisor / 2) // depth_divisor
                  * depth_divisor)
        if new < 0.9 * filters:
            new += depth_divisor
        return new

    def round_repeats(repeats):
        return math.ceil(depth * repeats)

    x = layers.Rescaling(1.0 / 255.0)(img_input)
    x = layers.Normalization(axis=axis)(x)
    if weights == "imagenet":
        x = layers.Rescaling([1.0 / math.sqrt(s) for s in _IMAGENET_STD_RGB])(x)
    x = layers.ZeroPadding2D(padding=_u.correct_pad(x, 3), name="stem_conv_pad")(x)
    x = layers.Conv2D(round_filters(32), 3, strides=2, padding="valid", use_bias=False,
                      kernel_initializer=_CONV_INIT, name="stem_conv")(x)
    x = layers.BatchNormalization(axis=axis, name="stem_bn")(x)
    x = layers.Activation(activation, name="stem_activation")(x)

    total = float(sum(round_repeats(s[1]) for s in _STAGES))
    b = 0
    for i, (kernel, repeats, f_in, f_out, expand, strides) in enumerate(_STAGES):
        f_in, f_out = round_filters(f_in), round_filters(f_out)
        for j in range(round_repeats(repeats)):
            x = _block(x, activation, drop_connect_rate * b / total,
                       f"block{i + 1}{chr(j + 97)}_", f_in if j == 0 else f_out, f_out,
                       kernel, strides if j == 0 else 1, expand)
            b += 1
    x = layers.Conv2D(round_filters(1280), 1, padding="same", use_bias=False,
                      kernel_initializer=_CONV_INIT, name="top_conv")(x)
    x = layers.BatchNormalization(axis=axis, name="top_bn")(x)
    x = layers.Activation(activation, name="top_activation")(x)

    def top(x):
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        if dropout_rate > 0:
            x = layers.Dropout(dropout_rate, name="top_dropout")(x)
        _u.validate_activation(classifier_activation, weights)
        return layers.Dense(classes, activation=classifier_activation,
                            kernel_initializer=_DENSE_INIT, name="predictions")(x)

    x = _u.top_layers(x, include_top, pooling, classes, classifier_activation, top,
                      avg_name="avg_pool", max_name="max_pool")
    model = Functional(inputs, x, name=name)
    fname = name + (".h5" if include_top else "_notop.h5")
    md5 = _HASHES[variant][0 if include_top else 1]
    return _u.load(model, weights, (fname, _URL + fname, md5))


def _make(variant):
    def builder(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000, classifier_activation="softmax",
                name=f"efficientnet{variant}"):
        return EfficientNet(variant, include_top, weights, input_tensor, input_shape, pooling,
                            classes, classifier_activation, name)
    builder.__name__ = builder.__qualname__ = f"EfficientNet{variant.upper()}"
    w, d, res, drop = _VARIANTS[variant]
    builder.__doc__ = (f"EfficientNet{variant.upper()} (width x{w}, depth x{d}, default "
                       f"input {res}x{res}, top dropout {drop}).")
    return builder


EfficientNetB0 = _make("b0")
EfficientNetB1 = _make("b1")
EfficientNetB2 = _make("b2")
EfficientNetB3 = _make("b3")
EfficientNetB4 = _make("b4")
EfficientNetB5 = _make("b5")
EfficientNetB6 = _make("b6")
EfficientNetB7 = _make("b7")


def preprocess_input(x, data_format=None):
    """The identity: EfficientNet models take [0, 255] pixels and normalise inside."""
    return x


def decode_predictions(preds, top=5):
    return _u.decode_predictions(preds, top=top)
