"""`keras.backend`: global Keras settings (float type, epsilon, image layout) and small helpers.

Example:
    >>> from flowgrad.keras import backend as K
    >>> K.floatx(), K.epsilon(), K.image_data_format()
    ('float32', 1e-07, 'channels_last')
"""

import numpy as np

_FLOATX = "float32"
_EPSILON = 1e-7
_IMAGE_DATA_FORMAT = "channels_last"
_LEARNING_PHASE = [None]
_UIDS = {}


def backend():
    """The name of the backend Keras runs on: "tensorflow" (flowgrad plays that part)."""
    return "tensorflow"


def floatx():
    """The default float type of layer weights and inputs, as a string ("float32")."""
    return _FLOATX


def set_floatx(value):
    """Sets the default float type: "float16", "bfloat16", "float32" or "float64"."""
    global _FLOATX
    value = str(getattr(value, "name", value))
    if value not in {"float16", "bfloat16", "float32", "float64"}:
        raise ValueError(f"Unknown floatx type: {value!r}; expected one of 'float16', "
                         "'bfloat16', 'float32', 'float64'.")
    _FLOATX = value


def epsilon():
    """The fuzz factor used to avoid divisions by zero (1e-7 by default)."""
    return _EPSILON


def set_epsilon(value):
    """Sets the fuzz factor returned by `epsilon()`."""
    global _EPSILON
    _EPSILON = float(value)


def image_data_format():
    """The image layout convention: "channels_last" (NHWC, the default) or "channels_first"."""
    return _IMAGE_DATA_FORMAT


def set_image_data_format(data_format):
    """Sets the image layout convention: "channels_last" or "channels_first"."""
    global _IMAGE_DATA_FORMAT
    data_format = str(data_format).lower()
    if data_format not in {"channels_last", "channels_first"}:
        raise ValueError("data_format must be 'channels_first' or 'channels_last'; got "
                         f"{data_format!r}.")
    _IMAGE_DATA_FORMAT = data_format


def cast_to_floatx(x):
    """Returns `x` as a NumPy array of type `floatx()`."""
    return np.asarray(_to_numpy(x), dtype=_FLOATX)


def get_uid(prefix=""):
    """Returns 1, 2, 3, ... on successive calls with the same prefix (reset by clear_session)."""
    _UIDS[prefix] = _UIDS.get(prefix, 0) + 1
    return _UIDS[prefix]


def reset_uids():
    """Resets the counters of `get_uid`."""
    _UIDS.clear()


def clear_session():
    """Resets Keras's global state: layer and model name counters restart (`dense`, `dense_1`,
    ... again), and the learning phase is unset. Models created earlier keep working."""
    import gc
    import importlib
    reset_uids()
    _LEARNING_PHASE[0] = None
    try:
        base_layer = importlib.import_module(__name__.rsplit(".", 1)[0] + ".engine.base_layer")
    except ModuleNotFoundError:
        base_layer = None
    if base_layer is not None:
        for name in ("reset_name_counters", "clear_name_counters", "reset_layer_names",
                     "reset_uids", "clear_session"):
            fn = getattr(base_layer, name, None)
            if callable(fn):
                fn()
                break
    gc.collect()


def learning_phase():
    """The learning phase flag: 0 (inference) unless `set_learning_phase(1)` was called.

    Layers take `training=` arguments instead; `fit` passes `training=True` itself."""
    return 0 if _LEARNING_PHASE[0] is None else _LEARNING_PHASE[0]


def set_learning_phase(value):
    """Sets the value returned by `learning_phase()`: 0 (inference) or 1 (training)."""
    if value not in (0, 1):
        raise ValueError("Expected learning phase to be 0 or 1.")
    _LEARNING_PHASE[0] = int(value)


def _to_numpy(x):
    if hasattr(x, "numpy"):
        return x.numpy()
    return x


def get_value(x):
    """Returns the value of a variable or tensor (or a Python / NumPy value) as NumPy."""
    if isinstance(x, (int, float)):
        return x
    return np.asarray(_to_numpy(x))


def batch_get_value(tensors):
    """Returns `[get_value(t) for t in tensors]`."""
    return [get_value(t) for t in tensors]


def set_value(x, value):
    """Assigns `value` to the variable `x`.

    Example:
        >>> import flowgrad as tf
        >>> v = tf.Variable(1.0)
        >>> set_value(v, 0.5); float(get_value(v))
        0.5
    """
    if not hasattr(x, "assign"):
        raise TypeError(f"set_value expects a variable; got {type(x).__name__}.")
    x.assign(np.asarray(_to_numpy(value), dtype=np.dtype(x.dtype.name)))


def batch_set_value(tuples):
    """Assigns each `(variable, value)` pair."""
    for x, value in tuples:
        set_value(x, value)


def int_shape(x):
    """The shape of a tensor, variable or array as a tuple of ints (None for unknown dims).

    Example:
        >>> int_shape(np.zeros((2, 3)))
        (2, 3)
    """
    shape = getattr(x, "shape", None)
    if shape is None:
        shape = np.shape(x)
    if hasattr(shape, "as_list"):
        try:
            return tuple(shape.as_list())
        except ValueError:  # unknown rank
            return None
    return tuple(None if d is None else int(d) for d in shape)


def ndim(x):
    """The rank of a tensor, variable or array."""
    shape = int_shape(x)
    return None if shape is None else len(shape)


def dtype(x):
    """The dtype name of a tensor, variable or array ("float32", ...)."""
    dt = getattr(x, "dtype", None)
    if dt is None:
        return np.asarray(x).dtype.name
    return getattr(dt, "name", str(dt))


def count_params(x):
    """The number of scalars in a variable or tensor."""
    return int(np.prod(int_shape(x) or ()))


def is_keras_tensor(x):
    """Whether `x` is a symbolic Keras tensor (an `Input` or a layer's output on one)."""
    return bool(getattr(x, "_keras_history", None) is not None
                or type(x).__name__ == "KerasTensor")
