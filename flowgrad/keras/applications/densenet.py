"""`keras.applications.densenet`: DenseNet121 / 169 / 201 (Huang et al., 2017) with Keras's
layer names."""

from . import imagenet_utils as _u

_URL = "https://storage.googleapis.com/tensorflow/keras-applications/densenet/"
_HASHES = {  # (with top, without top)
    (6, 12, 24, 16): ("densenet121", "9d60b8095a5708f2dcce2bca79d332c7",
                      "30ee3e1110167f948a6b9946edeeb738"),
    (6, 12, 32, 32): ("densenet169", "d699b8f76981ab1b30698df4c175e90b",
                      "b8c4d4c20dd625c148057b9ff1c1176b"),
    (6, 12, 48, 32): ("densenet201", "1ceb130c1ea1b78c3bf6114dbdfd8807",
                      "c13680b51ded0fb44dff2d8f86ac8bb1"),
}
_EPS = 1.001e-5


def _conv_block(x, growth_rate, name):
    """BN-ReLU-1x1 conv (4*growth) -> BN-ReLU-3x3 conv (growth), concatenated to the input."""
    from .. import layers
    axis = _u.bn_axis()
    y = layers.BatchNormalization(axis=axis, epsilon=_EPS, name=f"{name}_0_bn")(x)
    y = layers.Activation("relu", name=f"{name}_0_relu")(y)
    y = layers.Conv2D(4 * growth_rate, 1, use_bias=False, name=f"{name}_1_conv")(y)
    y = layers.BatchNormalization(axis=axis, epsilon=_EPS, name=f"{name}_1_bn")(y)
    y = layers.Activation("relu", name=f"{name}_1_relu")(y)
    y = layers.Conv2D(growth_rate, 3, padding="same", use_bias=False, name=f"{name}_2_conv")(y)
    return layers.Concatenate(axis=axis, name=f"{name}_concat")([x, y])


def _transition(x, reduction, name):
    from .. import layers
    axis = _u.bn_axis()
    x = layers.BatchNormalization(axis=axis, epsilon=_EPS, name=f"{name}_bn")(x)
    x = layers.Activation("relu", name=f"{name}_relu")(x)
    x = layers.Conv2D(int(x.shape[axis] * reduction), 1, use_bias=False, name=f"{name}_conv")(x)
    return layers.AveragePooling2D(2, strides=2, name=f"{name}_pool")(x)


def DenseNet(blocks, include_top=True, weights="imagenet", input_tensor=None,
             input_shape=None, pooling=None, classes=1000, classifier_activation="softmax",
             name="densenet"):
    """A DenseNet with `blocks` conv blocks (growth rate 32) in its four dense stages."""
    from .. import layers
    from ..engine.model import Functional
    _u.check_weights_arg(weights, include_top, classes)
    if include_top:
        _u.validate_activation(classifier_activation, weights)
    input_shape = _u.obtain_input_shape(input_shape, default_size=224, min_size=32,
                                        data_format=_u.image_data_format(),
                                        require_flatten=include_top, weights=weights)
    img_input, inputs = _u.make_input(input_tensor, input_shape)
    axis = _u.bn_axis()
    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)))(img_input)
    x = layers.Conv2D(64, 7, strides=2, use_bias=False, name="conv1_conv")(x)
    x = layers.BatchNormalization(axis=axis, epsilon=_EPS, name="conv1_bn")(x)
    x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)))(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)
    for stage, n in enumerate(blocks, 2):
        for i in range(n):
            x = _conv_block(x, 32, name=f"conv{stage}_block{i + 1}")
        if stage < 5:
            x = _transition(x, 0.5, name=f"pool{stage}")
    x = layers.BatchNormalization(axis=axis, epsilon=_EPS, name="bn")(x)
    x = layers.Activation("relu", name="relu")(x)

    def top(x):
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        return layers.Dense(classes, activation=classifier_activation, name="predictions")(x)

    x = _u.top_layers(x, include_top, pooling, classes, classifier_activation, top,
                      avg_name="avg_pool", max_name="max_pool")
    model = Functional(inputs, x, name=name)
    if weights == "imagenet":
        key = tuple(blocks)
        if key not in _HASHES:
            raise ValueError("No ImageNet weights for DenseNet blocks "
                             f"{list(blocks)}; use 121, 169 or 201.")
        base, h_top, h_notop = _HASHES[key]
        fname = (f"{base}_weights_tf_dim_ordering_tf_kernels.h5" if include_top
                 else f"{base}_weights_tf_dim_ordering_tf_kernels_notop.h5")
        return _u.load(model, weights, (fname, _URL + fname, h_top if include_top else h_notop))
    return _u.load(model, weights)


def DenseNet121(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000, classifier_activation="softmax",
                name="densenet121"):
    return DenseNet([6, 12, 24, 16], include_top, weights, input_tensor, input_shape,
                    pooling, classes, classifier_activation, name)


def DenseNet169(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000, classifier_activation="softmax",
                name="densenet169"):
    return DenseNet([6, 12, 32, 32], include_top, weights, input_tensor, input_shape,
                    pooling, classes, classifier_activation, name)


def DenseNet201(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000, classifier_activation="softmax",
                name="densenet201"):
    return DenseNet([6, 12, 48, 32], include_top, weights, input_tensor, input_shape,
                    pooling, classes, classifier_activation, name)


def preprocess_input(x, data_format=None):
    """'torch' mode: scaled to [0, 1], then normalised with the ImageNet mean and std."""
    return _u.preprocess_input(x, data_format=data_format, mode="torch")


def decode_predictions(preds, top=5):
    return _u.decode_predictions(preds, top=top)
