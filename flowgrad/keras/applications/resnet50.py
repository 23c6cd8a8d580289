"""`keras.applications.resnet50`: alias of `resnet` for ResNet50."""
from .resnet import ResNet50, decode_predictions, preprocess_input  # noqa: F401
