"""`keras.applications.resnet_v2`: ResNet50V2 / 101V2 / 152V2 (He et al., 2016,
pre-activation blocks) with Keras's layer names."""

from . import imagenet_utils as _u
from .resnet import _EPS, build_resnet


def preact_block(x, filters, kernel_size=3, stride=1, conv_shortcut=False, name=None):
    """v2 block: BN-ReLU pre-activation, 1x1 -> kxk (stride here) -> 1x1 (4*filters), plus
    the shortcut (1x1 conv of the pre-activation, or the input, max-pooled when strided)."""
    from .. import layers
    axis = _u.bn_axis()
    preact = layers.BatchNormalization(axis=axis, epsilon=_EPS, name=f"{name}_preact_bn")(x)
    preact = layers.Activation("relu", name=f"{name}_preact_relu")(preact)
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=f"{name}_0_conv")(preact)
    elif stride > 1:
        shortcut = layers.MaxPooling2D(1, strides=stride)(x)
    else:
        shortcut = x
    x = layers.Conv2D(filters, 1, strides=1, use_bias=False, name=f"{name}_1_conv")(preact)
    x = layers.BatchNormalization(axis=axis, epsilon=_EPS, name=f"{name}_1_bn")(x)
    x = layers.Activation("relu", name=f"{name}_1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name=f"{name}_2_pad")(x)
    x = layers.Conv2D(filters, kernel_size, strides=stride, use_bias=False,
                      name=f"{name}_2_conv")(x)
    x = layers.BatchNormalization(axis=axis, epsilon=_EPS, name=f"{name}_2_bn")(x)
    x = layers.Activation("relu", name=f"{name}_2_relu")(x)
    x = layers.Conv2D(4 * filters, 1, name=f"{name}_3_conv")(x)
    return layers.Add(name=f"{name}_out")([shortcut, x])


def stack_v2(x, filters, blocks, stride1=2, name=None):
    """A stage: the first block has the conv shortcut, the last one the stride."""
    x = preact_block(x, filters, conv_shortcut=True, name=f"{name}_block1")
    for i in range(2, blocks):
        x = preact_block(x, filters, name=f"{name}_block{i}")
    return preact_block(x, filters, stride=stride1, name=f"{name}_block{blocks}")


def _stages(counts):
    def fn(x):
        x = stack_v2(x, 64, counts[0], name="conv2")
        x = stack_v2(x, 128, counts[1], name="conv3")
        x = stack_v2(x, 256, counts[2], name="conv4")
        return stack_v2(x, 512, counts[3], stride1=1, name="conv5")
    return fn


def ResNet50V2(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
               pooling=None, classes=1000, classifier_activation="softmax",
               name="resnet50v2"):
    """ResNet50V2 (stages of 3, 4, 6, 3 pre-activation blocks)."""
    return build_resnet(_stages((3, 4, 6, 3)), True, True, "resnet50v2", include_top,
                        weights, input_tensor, input_shape, pooling, classes,
                        classifier_activation, name)


def ResNet101V2(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000, classifier_activation="softmax",
                name="resnet101v2"):
    """ResNet101V2 (stages of 3, 4, 23, 3 pre-activation blocks)."""
    return build_resnet(_stages((3, 4, 23, 3)), True, True, "resnet101v2", include_top,
                        weights, input_tensor, input_shape, pooling, classes,
                        classifier_activation, name)


def ResNet152V2(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000, classifier_activation="softmax",
                name="resnet152v2"):
    """ResNet152V2 (stages of 3, 8, 36, 3 pre-activation blocks)."""
    return build_resnet(_stages((3, 8, 36, 3)), True, True, "resnet152v2", include_top,
                        weights, input_tensor, input_shape, pooling, classes,
                        classifier_activation, name)


def preprocess_input(x, data_format=None):
    """'tf' mode: pixels in [0, 255] scaled to [-1, 1]."""
    return _u.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds, top=5):
    return _u.decode_predictions(preds, top=top)
