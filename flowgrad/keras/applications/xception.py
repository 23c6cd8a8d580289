"""`keras.applications.xception`: Xception (Chollet, 2017) with Keras's layer names."""

from . import imagenet_utils as _u

_URL = "https://storage.googleapis.com/tensorflow/keras-applications/xception/"
_TOP = ("xception_weights_tf_dim_ordering_tf_kernels.h5", "0a58e3b7378bc2990ea3b43d5981f1f6")
_NOTOP = ("xception_weights_tf_dim_ordering_tf_kernels_notop.h5",
          "b0042744bf5b25fce3cb969f33bebb97")


def Xception(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
             pooling=None, classes=1000, classifier_activation="softmax", name="xception"):
    """Xception: entry flow (blocks 1-4), 8 middle-flow blocks of three separable convs, exit
    flow (blocks 13-14). Default input 299x299, at least 71x71."""
    from .. import layers
    from ..engine.model import Functional
    _u.check_weights_arg(weights, include_top, classes)
    input_shape = _u.obtain_input_shape(input_shape, default_size=299, min_size=71,
                                        data_format=_u.image_data_format(),
                                        require_flatten=include_top, weights=weights)
    img_input, inputs = _u.make_input(input_tensor, input_shape)
    axis = 1 if _u.image_data_format() == "channels_first" else -1

    def bn(x, name=None):
        return layers.BatchNormalization(axis=axis, **({"name": name} if name else {}))(x)

    def sep(x, filters, name):
        x = layers.SeparableConv2D(filters, (3, 3), padding="same", use_bias=False,
                                   name=name)(x)
        return bn(x, name + "_bn")

    def act(x, name):
        return layers.Activation("relu", name=name)(x)

    def shortcut(x, filters):
        r = layers.Conv2D(filters, (1, 1), strides=(2, 2), padding="same", use_bias=False)(x)
        return bn(r)

    x = layers.Conv2D(32, (3, 3), strides=(2, 2), use_bias=False, name="block1_conv1")(img_input)
    x = act(bn(x, "block1_conv1_bn"), "block1_conv1_act")
    x = layers.Conv2D(64, (3, 3), use_bias=False, name="block1_conv2")(x)
    x = act(bn(x, "block1_conv2_bn"), "block1_conv2_act")

    # Entry flow: blocks 2-4 (block 2 starts without an activation).
    for block, filters in ((2, 128), (3, 256), (4, 728)):
        residual = shortcut(x, filters)
        if block > 2:
            x = act(x, f"block{block}_sepconv1_act")
        x = sep(x, filters, f"block{block}_sepconv1")
        x = act(x, f"block{block}_sepconv2_act")
        x = sep(x, filters, f"block{block}_sepconv2")
        x = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="same",
                                name=f"block{block}_pool")(x)
        x = layers.add([x, residual])

    # Middle flow.
    for i in range(8):
        residual = x
        prefix = f"block{i + 5}"
        for j in (1, 2, 3):
            x = act(x, f"{prefix}_sepconv{j}_act")
            x = sep(x, 728, f"{prefix}_sepconv{j}")
        x = layers.add([x, residual])

    # Exit flow.
    residual = shortcut(x, 1024)
    x = act(x, "block13_sepconv1_act")
    x = sep(x, 728, "block13_sepconv1")
    x = act(x, "block13_sepconv2_act")
    x = sep(x, 1024, "block13_sepconv2")
    x = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="same", name="block13_pool")(x)
    x = layers.add([x, residual])
    x = act(sep(x, 1536, "block14_sepconv1"), "block14_sepconv1_act")
    x = act(sep(x, 2048, "block14_sepconv2"), "block14_sepconv2_act")

    def top(x):
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        _u.validate_activation(classifier_activation, weights)
        return layers.Dense(classes, activation=classifier_activation, name="predictions")(x)

    x = _u.top_layers(x, include_top, pooling, classes, classifier_activation, top)
    model = Functional(inputs, x, name=name)
    fname, md5 = _TOP if include_top else _NOTOP
    return _u.load(model, weights, (fname, _URL + fname, md5))


def preprocess_input(x, data_format=None):
    """'tf' mode: pixels in [0, 255] scaled to [-1, 1]."""
    return _u.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds, top=5):
    return _u.decode_predictions(preds, top=top)
