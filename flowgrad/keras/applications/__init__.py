"""`tf.keras.applications`: ImageNet model families with Keras's layer names, so Keras's
pretrained weight files load into them.

Each family is a submodule (`vgg16`, `resnet`, `mobilenet_v2`, ...) with its builder(s) and
its own `preprocess_input` / `decode_predictions`; the builders are also re-exported here.
Submodules load on first attribute access.
"""

import importlib

_FAMILIES = {
    "vgg16": ("VGG16",),
    "vgg19": ("VGG19",),
    "resnet": ("ResNet50", "ResNet101", "ResNet152"),
    "resnet50": ("ResNet50",),
    "resnet_v2": ("ResNet50V2", "ResNet101V2", "ResNet152V2"),
    "mobilenet": ("MobileNet",),
    "mobilenet_v2": ("MobileNetV2",),
    "densenet": ("DenseNet121", "DenseNet169", "DenseNet201"),
    "xception": ("Xception",),
    "efficientnet": tuple(f"EfficientNetB{i}" for i in range(8)),
    "imagenet_utils": (),
}

_BUILDERS = {}
for _mod, _names in _FAMILIES.items():
    for _n in _names:
        _BUILDERS.setdefault(_n, _mod)


def __getattr__(name):
    if name in _FAMILIES:
        mod = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = mod
        return mod
    if name in _BUILDERS:
        obj = getattr(importlib.import_module(f"{__name__}.{_BUILDERS[name]}"), name)
        globals()[name] = obj
        return obj
    raise AttributeError(f"module 'flowgrad.keras.applications' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_FAMILIES) | set(_BUILDERS))
