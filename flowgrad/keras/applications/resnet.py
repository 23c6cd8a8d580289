"""`keras.applications.resnet`: ResNet50 / 101 / 152 (He et al., 2015, v1 bottleneck blocks)
with Keras's layer names."""

from . import imagenet_utils as _u

_URL = "https://storage.googleapis.com/tensorflow/keras-applications/resnet/"
_HASHES = {
    "resnet50": ("2cb95161c43110f7111970584f804107", "4d473c1dd8becc155b73f8504c6f6626"),
    "resnet101": ("f1aeb4b969a6efcfb50fad2f0c20cfc5", "88cf7a10940856eca736dc7b7e228a21"),
    "resnet152": ("100835be76be38e30d865e96f2aaae62", "ee4c566cf9a93f14d82f913c2dc6dd0c"),
    "resnet50v2": ("3ef43a0b657b3be2300d5770ece849e0", "fac2f116257151a9d068a22e544a4917"),
    "resnet101v2": ("6343647c601c52e1368623803854d971", "c0ed64b8031c3730f411d2eb4eea35b5"),
    "resnet152v2": ("a49b44d1979771252814e80f8ec446f9", "ed17cf2e0169df9d443503ef94b23b33"),
}
_EPS = 1.001e-5


def build_resnet(stack_fn, preact, use_bias, model_name, include_top, weights, input_tensor,
                 input_shape, pooling, classes, classifier_activation, name=None):
    """The ResNet stem, `stack_fn(x)` for the residual stages, and the head."""
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
    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)), name="conv1_pad")(img_input)
    x = layers.Conv2D(64, 7, strides=2, use_bias=use_bias, name="conv1_conv")(x)
    if not preact:
        x = layers.BatchNormalization(axis=axis, epsilon=_EPS, name="conv1_bn")(x)
        x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name="pool1_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)
    x = stack_fn(x)
    if preact:
        x = layers.BatchNormalization(axis=axis, epsilon=_EPS, name="post_bn")(x)
        x = layers.Activation("relu", name="post_relu")(x)

    def top(x):
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        return layers.Dense(classes, activation=classifier_activation, name="predictions")(x)

    x = _u.top_layers(x, include_top, pooling, classes, classifier_activation, top,
                      avg_name="avg_pool", max_name="max_pool")
    model = Functional(inputs, x, name=name or model_name)
    key = model_name
    if include_top:
        fname, md5 = f"{key}_weights_tf_dim_ordering_tf_kernels.h5", _HASHES[key][0]
    else:
        fname, md5 = f"{key}_weights_tf_dim_ordering_tf_kernels_notop.h5", _HASHES[key][1]
    return _u.load(model, weights, (fname, _URL + fname, md5))


def bottleneck_block(x, filters, kernel_size=3, stride=1, conv_shortcut=True, name=None):
    """v1 bottleneck: 1x1 -> kxk -> 1x1 (4*filters) plus the shortcut, then ReLU."""
    from .. import layers
    axis = _u.bn_axis()
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=name + "_0_conv")(x)
        shortcut = layers.BatchNormalization(axis=axis, epsilon=_EPS,
                                             name=name + "_0_bn")(shortcut)
    else:
        shortcut = x
    x = layers.Conv2D(filters, 1, strides=stride, name=name + "_1_conv")(x)
    x = layers.BatchNormalization(axis=axis, epsilon=_EPS, name=name + "_1_bn")(x)
    x = layers.Activation("relu", name=name + "_1_relu")(x)
    x = layers.Conv2D(filters, kernel_size, padding="same", name=name + "_2_conv")(x)
    x = layers.BatchNormalization(axis=axis, epsilon=_EPS, name=name + "_2_bn")(x)
    x = layers.Activation("relu", name=name + "_2_relu")(x)
    x = layers.Conv2D(4 * filters, 1, name=name + "_3_conv")(x)
    x = layers.BatchNormalization(axis=axis, epsilon=_EPS, name=name + "_3_bn")(x)
    x = layers.Add(name=name + "_add")([shortcut, x])
    return layers.Activation("relu", name=name + "_out")(x)


def stack(x, filters, blocks, stride1=2, name=None):
    x = bottleneck_block(x, filters, stride=stride1, name=name + "_block1")
    for i in range(2, blocks + 1):
        x = bottleneck_block(x, filters, conv_shortcut=False, name=f"{name}_block{i}")
    return x


def _stages(counts):
    def fn(x):
        x = stack(x, 64, counts[0], stride1=1, name="conv2")
        x = stack(x, 128, counts[1], name="conv3")
        x = stack(x, 256, counts[2], name="conv4")
        return stack(x, 512, counts[3], name="conv5")
    return fn


def ResNet50(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
             pooling=None, classes=1000, classifier_activation="softmax", name="resnet50"):
    """ResNet50 (stages of 3, 4, 6, 3 bottleneck blocks)."""
    return build_resnet(_stages((3, 4, 6, 3)), False, True, "resnet50", include_top, weights,
                        input_tensor, input_shape, pooling, classes, classifier_activation,
                        name)


def ResNet101(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
              pooling=None, classes=1000, classifier_activation="softmax", name="resnet101"):
    """ResNet101 (stages of 3, 4, 23, 3 bottleneck blocks)."""
    return build_resnet(_stages((3, 4, 23, 3)), False, True, "resnet101", include_top,
                        weights, input_tensor, input_shape, pooling, classes,
                        classifier_activation, name)


def ResNet152(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
              pooling=None, classes=1000, classifier_activation="softmax", name="resnet152"):
    """ResNet152 (stages of 3, 8, 36, 3 bottleneck blocks)."""
    return build_resnet(_stages((3, 8, 36, 3)), False, True, "resnet152", include_top,
                        weights, input_tensor, input_shape, pooling, classes,
                        classifier_activation, name)


def preprocess_input(x, data_format=None):
    """'caffe' mode: RGB -> BGR and ImageNet mean subtraction, no scaling."""
    return _u.preprocess_input(x, data_format=data_format, mode="caffe")


def decode_predictions(preds, top=5):
    return _u.decode_predictions(preds, top=top)
