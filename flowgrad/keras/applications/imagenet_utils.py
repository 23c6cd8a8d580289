"""Shared pieces of `keras.applications`: argument checks, input-shape resolution, the
ImageNet `preprocess_input` modes and `decode_predictions`."""

import json
import os
import warnings

import numpy as np

CLASS_INDEX_URL = ("https://storage.googleapis.com/download.tensorflow.org/"
                   "data/imagenet_class_index.json")
CLASS_INDEX_MD5 = "c2c37ea517e94d9795004a39431a14cb"
_class_index = None

# Per-channel ImageNet statistics, RGB order.
_IMAGENET_MEAN = (0.485, 0.456, 0.406)
_IMAGENET_STD = (0.229, 0.224, 0.225)
_CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)


def _layers():
    from .. import layers
    return layers


def check_weights_arg(weights, include_top, classes):
    """Keras's checks on `weights` and `classes`."""
    if not (weights in ("imagenet", None) or (isinstance(weights, (str, os.PathLike))
                                              and os.path.exists(weights))):
        raise ValueError("The `weights` argument should be either `None` (random "
                         "initialization), 'imagenet' (pre-training on ImageNet), or the path "
                         f"to the weights file to be loaded. Received weights={weights}")
    if weights == "imagenet" and include_top and classes != 1000:
        raise ValueError("If using `weights='imagenet'` with `include_top=True`, `classes` "
                         f"should be 1000. Received classes={classes}")


def validate_activation(classifier_activation, weights):
    """With ImageNet weights the classifier activation must be softmax or None."""
    if weights is None:
        return
    if classifier_activation not in {"softmax", None}:
        raise ValueError("Only `None` and `softmax` activations are allowed for the "
                         "`classifier_activation` argument when using pretrained weights, "
                         "with `include_top=True`; Received: "
                         f"classifier_activation={classifier_activation}")


def obtain_input_shape(input_shape, default_size, min_size, data_format, require_flatten,
                       weights=None):
    """The model's input shape (without batch) from the user's `input_shape`, with Keras's
    rules: ImageNet weights with the top need exactly the default shape; otherwise three dims,
    3 channels for ImageNet weights, each spatial side at least `min_size`; without the top
    and no shape, spatial dims are free (None)."""
    channels_first = data_format == "channels_first"
    if weights != "imagenet" and input_shape and len(input_shape) == 3:
        ch = input_shape[0] if channels_first else input_shape[-1]
        if ch not in (1, 3):
            warnings.warn("This model usually expects 1 or 3 input channels. However, it was "
                          f"passed an input_shape with {ch} input channels.", stacklevel=3)
        default_shape = ((ch, default_size, default_size) if channels_first
                         else (default_size, default_size, ch))
    else:
        default_shape = ((3, default_size, default_size) if channels_first
                         else (default_size, default_size, 3))
    if input_shape is not None:
        input_shape = tuple(input_shape)
    if weights == "imagenet" and require_flatten:
        if input_shape is not None and input_shape != default_shape:
            raise ValueError("When setting `include_top=True` and loading `imagenet` weights, "
                             f"`input_shape` should be {default_shape}. "
                             f"Received: input_shape={input_shape}")
        return default_shape
    if input_shape:
        if len(input_shape) != 3:
            raise ValueError("`input_shape` must be a tuple of three integers.")
        ch = input_shape[0] if channels_first else input_shape[-1]
        spatial = input_shape[1:] if channels_first else input_shape[:2]
        if ch != 3 and weights == "imagenet":
            raise ValueError(f"The input must have 3 channels; Received "
                             f"`input_shape={input_shape}`")
        if any(s is not None and s < min_size for s in spatial):
            raise ValueError(f"Input size must be at least {min_size}x{min_size}; Received: "
                             f"input_shape={input_shape}")
    else:
        if require_flatten:
            input_shape = default_shape
        else:
            input_shape = (3, None, None) if channels_first else (None, None, 3)
    if require_flatten and None in input_shape:
        raise ValueError("If `include_top` is True, you should specify a static `input_shape`. "
                         f"Received: input_shape={input_shape}")
    return input_shape


def _is_keras_tensor(x):
    from ..engine.keras_tensor import KerasTensor
    return isinstance(x, KerasTensor)


def source_inputs(tensor):
    """The Input tensors a symbolic tensor was built from (Keras's `get_source_inputs`)."""
    out, seen, stack = [], set(), [tensor]
    while stack:
        t = stack.pop()
        hist = getattr(t, "_keras_history", None)
        if hist is None:
            if id(t) not in seen:
                seen.add(id(t))
                out.append(t)
            continue
        layer, node_index = hist[0], hist[1]
        if type(layer).__name__ == "InputLayer":
            if id(t) not in seen:
                seen.add(id(t))
                out.append(t)
            continue
        node = layer._inbound_nodes[node_index]
        ins = getattr(node, "input_tensors", None)
        if ins is None:
            ins = getattr(node, "inputs", None)
        if ins is None:
            out.append(t)
            continue
        ins = ins if isinstance(ins, (list, tuple)) else [ins]
        stack.extend(reversed(list(ins)))
    return out[0] if len(out) == 1 else out


def make_input(input_tensor, input_shape):
    """(the tensor the network starts from, the model's inputs)."""
    layers = _layers()
    if input_tensor is None:
        x = layers.Input(shape=input_shape)
        return x, x
    if _is_keras_tensor(input_tensor):
        return input_tensor, source_inputs(input_tensor)
    x = layers.Input(tensor=input_tensor, shape=input_shape)
    return x, x


def image_data_format():
    from .. import backend
    return backend.image_data_format()


def fetch_weights(fname, url, file_hash=None):
    """Download (or find in the cache) a Keras weights file; offline, `get_file`'s error."""
    from ..utils.file_utils import get_file
    return get_file(fname, url, cache_subdir="models", file_hash=file_hash)


def load(model, weights, imagenet_file=None):
    """Apply the `weights` argument: ImageNet (`imagenet_file` = (fname, url, hash)) or a
    local path; None keeps the random initialisation."""
    if weights == "imagenet":
        path = fetch_weights(*imagenet_file)
        model.load_weights(path)
    elif weights is not None:
        model.load_weights(weights)
    return model


# -- preprocessing -----------------------------------------------------------------------------
def preprocess_input(x, data_format=None, mode="caffe"):
    """ImageNet preprocessing of a batch (or one image) with pixels in [0, 255].

    mode "caffe": RGB -> BGR then per-channel mean subtraction (no scaling);
    "tf": scale to [-1, 1]; "torch": scale to [0, 1] then normalise with ImageNet mean/std.
    NumPy arrays come back as NumPy arrays (float inputs are modified in place like Keras),
    tensors as tensors."""
    if mode not in {"caffe", "tf", "torch"}:
        raise ValueError("Expected mode to be one of `caffe`, `tf` or `torch`. "
                         f"Received: mode={mode}")
    if data_format is None:
        data_format = image_data_format()
    if data_format not in {"channels_first", "channels_last"}:
        raise ValueError(f"Unknown data_format {data_format}")
    is_tensor = hasattr(x, "numpy") and not isinstance(x, np.ndarray)
    arr = np.array(x.numpy()) if is_tensor else x
    if isinstance(arr, np.ndarray) and np.issubdtype(arr.dtype, np.floating):
        pass  # NumPy float input: processed in place, as Keras does
    else:
        arr = np.asarray(arr).astype("float32")
    out = _preprocess_numpy(arr, data_format, mode)
    if is_tensor:
        import flowgrad
        return flowgrad.convert_to_tensor(out)
    return out


def _preprocess_numpy(x, data_format, mode):
    if mode == "tf":
        x /= 127.5
        x -= 1.0
        return x
    channels_first = data_format == "channels_first"
    if mode == "torch":
        x /= 255.0
        mean, std = _IMAGENET_MEAN, _IMAGENET_STD
    else:
        # RGB -> BGR
        if channels_first:
            x = x[::-1, ...] if x.ndim == 3 else x[:, ::-1, ...]
        else:
            x = x[..., ::-1]
        mean, std = _CAFFE_MEAN_BGR, None
    for c in range(3):
        if channels_first:
            sl = (c, Ellipsis) if x.ndim == 3 else (slice(None), c, Ellipsis)
        else:
            sl = (Ellipsis, c)
        x[sl] -= mean[c]
        if std is not None:
            x[sl] /= std[c]
    return x


def decode_predictions(preds, top=5):
    """The `top` ImageNet classes of each row of `preds` (shape (batch, 1000)) as lists of
    `(class_id, class_name, score)`. Needs the class index JSON (downloaded once into the
    cache; offline, `get_file`'s error)."""
    global _class_index
    preds = np.asarray(preds.numpy() if hasattr(preds, "numpy") else preds)
    if preds.ndim != 2 or preds.shape[1] != 1000:
        raise ValueError("`decode_predictions` expects a batch of predictions (i.e. a 2D array "
                         f"of shape (samples, 1000)). Received array with shape: {preds.shape}")
    if _class_index is None:
        from ..utils.file_utils import get_file
        path = get_file("imagenet_class_index.json", CLASS_INDEX_URL, cache_subdir="models",
                        file_hash=CLASS_INDEX_MD5)
        with open(path) as f:
            _class_index = json.load(f)
    results = []
    for row in preds:
        idx = row.argsort()[-top:][::-1]
        results.append([tuple(_class_index[str(i)]) + (row[i],) for i in idx])
    return results


def correct_pad(x, kernel_size):
    """Zero padding ((top, bottom), (left, right)) so a stride-2 'valid' conv of a
    `kernel_size` kernel matches TF's 'same' padding."""
    channels_first = image_data_format() == "channels_first"
    size = tuple(x.shape)[2:4] if channels_first else tuple(x.shape)[1:3]
    if isinstance(kernel_size, int):
        kernel_size = (kernel_size, kernel_size)
    adjust = (1, 1) if size[0] is None else (1 - size[0] % 2, 1 - size[1] % 2)
    half = (kernel_size[0] // 2, kernel_size[1] // 2)
    return ((half[0] - adjust[0], half[0]), (half[1] - adjust[1], half[1]))


def top_layers(x, include_top, pooling, classes, classifier_activation, top_fn=None,
               avg_name=None, max_name=None):
    """The shared head: `top_fn(x)` when include_top, else optional global pooling."""
    layers = _layers()
    if include_top:
        return top_fn(x)
    if pooling == "avg":
        return layers.GlobalAveragePooling2D(**({"name": avg_name} if avg_name else {}))(x)
    if pooling == "max":
        return layers.GlobalMaxPooling2D(**({"name": max_name} if max_name else {}))(x)
    return x


def bn_axis():
    return 1 if image_data_format() == "channels_first" else 3
