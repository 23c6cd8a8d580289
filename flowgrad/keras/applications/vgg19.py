"""`keras.applications.vgg19`: VGG19 with Keras's layer names."""

from . import imagenet_utils as _u
from .vgg16 import build_vgg

_URL = "https://storage.googleapis.com/tensorflow/keras-applications/vgg19/"
_TOP = ("vgg19_weights_tf_dim_ordering_tf_kernels.h5", "cbe5617147190e668d6c5d5026f83318")
_NOTOP = ("vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5",
          "253f8cb515780f3b799900260a226db6")


def VGG19(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
          pooling=None, classes=1000, classifier_activation="softmax", name="vgg19"):
    """VGG19: 16 3x3 conv layers in 5 blocks, then (with `include_top`) two 4096-unit dense
    layers and the classifier. `weights`: "imagenet", None or a weights file path."""
    return build_vgg((2, 2, 4, 4, 4), "vgg19", (_TOP, _NOTOP, _URL), include_top, weights,
                     input_tensor, input_shape, pooling, classes, classifier_activation, name)


def preprocess_input(x, data_format=None):
    """'caffe' mode: RGB -> BGR and ImageNet mean subtraction, no scaling."""
    return _u.preprocess_input(x, data_format=data_format, mode="caffe")


def decode_predictions(preds, top=5):
    return _u.decode_predictions(preds, top=top)
