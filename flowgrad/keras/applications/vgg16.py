"""`keras.applications.vgg16`: VGG16 (Simonyan & Zisserman, 2014) with Keras's layer names."""

from . import imagenet_utils as _u

_URL = "https://storage.googleapis.com/tensorflow/keras-applications/vgg16/"
_TOP = ("vgg16_weights_tf_dim_ordering_tf_kernels.h5", "64373286793e3c8b2b4e3219cbf3544b")
_NOTOP = ("vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
          "6d6bbae143d832006294945121d1f1fc")


def build_vgg(convs_per_block, model_name, files, include_top, weights, input_tensor,
              input_shape, pooling, classes, classifier_activation, name=None):
    from .. import layers
    from ..engine.model import Functional
    _u.check_weights_arg(weights, include_top, classes)
    if include_top:
        _u.validate_activation(classifier_activation, weights)
    input_shape = _u.obtain_input_shape(input_shape, default_size=224, min_size=32,
                                        data_format=_u.image_data_format(),
                                        require_flatten=include_top, weights=weights)
    img_input, inputs = _u.make_input(input_tensor, input_shape)
    x = img_input
    for b, (n_convs, filters) in enumerate(zip(convs_per_block, (64, 128, 256, 512, 512)), 1):
        for c in range(1, n_convs + 1):
            x = layers.Conv2D(filters, (3, 3), activation="relu", padding="same",
                              name=f"block{b}_conv{c}")(x)
        x = layers.MaxPooling2D((2, 2), strides=(2, 2), name=f"block{b}_pool")(x)

    def top(x):
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(4096, activation="relu", name="fc1")(x)
        x = layers.Dense(4096, activation="relu", name="fc2")(x)
        return layers.Dense(classes, activation=classifier_activation, name="predictions")(x)

    x = _u.top_layers(x, include_top, pooling, classes, classifier_activation, top)
    model = Functional(inputs, x, name=name or model_name)
    fname, md5 = files[0] if include_top else files[1]
    return _u.load(model, weights, (fname, files[2] + fname, md5))


def VGG16(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
          pooling=None, classes=1000, classifier_activation="softmax", name="vgg16"):
    """VGG16: 13 3x3 conv layers in 5 blocks, then (with `include_top`) two 4096-unit dense
    layers and the classifier. `weights`: "imagenet", None or a weights file path."""
    return build_vgg((2, 2, 3, 3, 3), "vgg16", (_TOP, _NOTOP, _URL), include_top, weights,
                     input_tensor, input_shape, pooling, classes, classifier_activation, name)


def preprocess_input(x, data_format=None):
    """'caffe' mode: RGB -> BGR and ImageNet mean subtraction, no scaling."""
    return _u.preprocess_input(x, data_format=data_format, mode="caffe")


def decode_predictions(preds, top=5):
    return _u.decode_predictions(preds, top=top)
