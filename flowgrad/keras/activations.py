"""`tf.keras.activations`: elementwise activation functions and their lookup by name.

Every function accepts a Tensor, a Variable, a NumPy array or a Python list and returns a
Tensor. Integer inputs are converted to float32 (Keras' default float type) for the functions
that need floating point. The functions are built from flowgrad ops only, so they run
unchanged under a `GradientTape` and inside traced functions.

Example:
    >>> import flowgrad as tf
    >>> tf.keras.activations.relu([-1.0, 2.0]).numpy().tolist()
    [0.0, 2.0]
    >>> tf.keras.activations.get("sigmoid") is tf.keras.activations.sigmoid
    True
"""

import difflib
import re as _re

from .. import dtypes as _dtypes
from ..core.tensor import Tensor
from ..ops import math_ops, nn_ops
from ..ops._common import to_tensor

__all__ = [
    "deserialize",
    "elu",
    "exponential",
    "gelu",
    "get",
    "hard_sigmoid",
    "hard_silu",
    "hard_swish",
    "leaky_relu",
    "linear",
    "log_sigmoid",
    "log_softmax",
    "mish",
    "relu",
    "relu6",
    "selu",
    "serialize",
    "sigmoid",
    "silu",
    "softmax",
    "softplus",
    "softsign",
    "swish",
    "tanh",
]


# -- helpers shared by the keras modules (losses, metrics, initializers, ... import them) ----------
def _to_snake(name):
    """'MeanSquaredError' -> 'mean_squared_error', 'AUC' -> 'auc'."""
    s = _re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return _re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s).lower()


def _unknown(kind, identifier, valid):
    """The ValueError for an unknown identifier: lists the valid names and the closest ones."""
    valid = sorted(set(valid))
    close = difflib.get_close_matches(str(identifier), valid, n=3, cutoff=0.5)
    if not close:
        close = difflib.get_close_matches(str(identifier).lower(), [v.lower() for v in valid],
                                          n=3, cutoff=0.5)
    hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    return ValueError(f"Unknown {kind}: {identifier!r}.{hint} Valid names are: "
                      f"{', '.join(valid)}. A custom {kind} must be passed as an object or in "
                      f"custom_objects.")


def _global_custom_objects():
    """Objects registered with keras.utils.register_keras_serializable / custom_object_scope,
    when the utils module provides them (it is written separately)."""
    try:
        from . import utils
        fn = getattr(utils, "get_custom_objects", None)
        return dict(fn()) if callable(fn) else {}
    except Exception:  # noqa: BLE001 - the utils module may not exist yet
        return {}


def _find_custom(name, custom_objects):
    for table in (custom_objects or {}, _global_custom_objects()):
        if name in table:
            return table[name]
        for key, obj in table.items():  # registered names are "package>Name"
            if isinstance(key, str) and key.split(">")[-1] == name:
                return obj
    return None


def _config_parts(config, kind):
    """Splits a serialized dict into (class_name, config); accepts Keras 2 and Keras 3 forms."""
    if "class_name" not in config:
        raise ValueError(f"Improper config format for a {kind}: {config!r}. Expected a dict with "
                         f"'class_name' and 'config' keys.")
    name = config.get("registered_name") or config["class_name"]
    inner = config.get("config")
    return name, config["class_name"], ({} if inner is None else inner)


def _floating(x):
    """Converts an activation input; integers and bools become float32."""
    t = x if type(x) is Tensor else to_tensor(x)
    if not t.dtype.is_floating:
        t = math_ops.cast(t, _dtypes.float32)
    return t


# -- activations -----------------------------------------------------------------------------------
def relu(x, alpha=0.0, max_value=None, threshold=0.0, negative_slope=None):
    """Rectified linear unit with Keras' options.

    With the defaults this is `max(x, 0)`. Otherwise `f(x) = min(x, max_value)` for
    `x > threshold` and `alpha * (x - threshold)` below the threshold.

    Args:
        x: the input (Tensor, array or list).
        alpha: the slope below the threshold (`negative_slope` is the Keras 3 spelling).
        max_value: an upper bound on the output, or None.
        threshold: values below it are zeroed (or leaked with `alpha`).

    Returns:
        A Tensor of the input's shape.

    Example:
        >>> import flowgrad as tf
        >>> tf.keras.activations.relu([-10.0, -5.0, 0.0, 5.0, 10.0], max_value=5.0).numpy()
        array([0., 0., 0., 5., 5.], dtype=float32)
    """
    if negative_slope is not None:
        alpha = negative_slope
    t = x if type(x) is Tensor else to_tensor(x)
    if alpha == 0 and max_value is None and threshold == 0:
        return nn_ops.relu(t)
    t = _floating(t)
    if alpha != 0 and max_value is None and threshold == 0:
        return nn_ops.leaky_relu(t, alpha=alpha)
    negative = nn_ops.relu(threshold - t) if alpha != 0 else None
    if threshold != 0:
        out = t * math_ops.cast(t > threshold, t.dtype)
    else:
        out = nn_ops.relu(t)
    if max_value is not None:
        out = math_ops.clip_by_value(out, 0, max_value)
    if negative is not None:
        out = out - negative * alpha
    return out


def sigmoid(x):
    """`1 / (1 + exp(-x))`.

    Example:
        >>> import flowgrad as tf
        >>> float(tf.keras.activations.sigmoid([0.0])[0])
        0.5
    """
    return math_ops.sigmoid(_floating(x))


def tanh(x):
    """Hyperbolic tangent."""
    return math_ops.tanh(_floating(x))


def softmax(x, axis=-1):
    """Softmax along `axis` (an int or a tuple of ints): `exp(x) / sum(exp(x), axis)`.

    Args:
        x: an input of rank >= 1.
        axis: the dimension(s) normalized over.

    Raises:
        ValueError: `x` is a scalar.

    Example:
        >>> import flowgrad as tf
        >>> tf.keras.activations.softmax([[0.0, 0.0]]).numpy().tolist()
        [[0.5, 0.5]]
    """
    t = _floating(x)
    if t.shape.rank == 0:
        raise ValueError(f"Cannot apply softmax to a scalar tensor (rank 0). Received input: {t}")
    if isinstance(axis, int):
        return nn_ops.softmax(t, axis=axis)
    axis = tuple(axis)
    e = math_ops.exp(t - math_ops.reduce_max(t, axis=axis, keepdims=True))
    return e / math_ops.reduce_sum(e, axis=axis, keepdims=True)


def log_softmax(x, axis=-1):
    """`x - log(sum(exp(x), axis))`, computed stably."""
    t = _floating(x)
    if t.shape.rank == 0:
        raise ValueError("Cannot apply log_softmax to a scalar tensor (rank 0).")
    if isinstance(axis, int):
        return nn_ops.log_softmax(t, axis=axis)
    return t - math_ops.reduce_logsumexp(t, axis=tuple(axis), keepdims=True)


def elu(x, alpha=1.0):
    """Exponential linear unit: `x` for x > 0, `alpha * (exp(x) - 1)` otherwise."""
    t = _floating(x)
    out = nn_ops.elu(t)
    if alpha == 1.0:
        return out
    return math_ops.where(t > 0, out, out * alpha)


def selu(x):
    """Scaled ELU: `scale * elu(x, alpha)` with alpha ~ 1.67326 and scale ~ 1.05070."""
    return nn_ops.selu(_floating(x))


def softplus(x):
    """`log(exp(x) + 1)`."""
    return nn_ops.softplus(_floating(x))


def softsign(x):
    """`x / (abs(x) + 1)`."""
    return nn_ops.softsign(_floating(x))


def silu(x, beta=1.0):
    """Swish / SiLU: `x * sigmoid(beta * x)`."""
    return nn_ops.silu(_floating(x), beta=beta)


swish = silu


def gelu(x, approximate=False):
    """Gaussian error linear unit, `x * Phi(x)`; `approximate=True` uses the tanh form."""
    return nn_ops.gelu(_floating(x), approximate=approximate)


def exponential(x):
    """`exp(x)`."""
    return math_ops.exp(_floating(x))


def hard_sigmoid(x):
    """Piecewise-linear sigmoid (Keras 2): `clip(0.2 * x + 0.5, 0, 1)`."""
    t = _floating(x)
    return math_ops.clip_by_value(t * 0.2 + 0.5, 0.0, 1.0)


def hard_silu(x):
    """Hard SiLU / hard swish: `x * relu6(x + 3) / 6`."""
    t = _floating(x)
    return t * nn_ops.relu6(t + 3.0) * (1.0 / 6.0)


hard_swish = hard_silu


def linear(x):
    """The identity (returns the input as a Tensor)."""
    return x if type(x) is Tensor else to_tensor(x)


def leaky_relu(x, negative_slope=0.2, alpha=None):
    """`x` for x > 0, `negative_slope * x` otherwise (`alpha` is accepted as an alias)."""
    if alpha is not None:
        negative_slope = alpha
    return nn_ops.leaky_relu(_floating(x), alpha=negative_slope)


def relu6(x):
    """`min(max(x, 0), 6)`."""
    return nn_ops.relu6(_floating(x))


def mish(x):
    """`x * tanh(softplus(x))`."""
    t = _floating(x)
    return t * math_ops.tanh(nn_ops.softplus(t))


def log_sigmoid(x):
    """`log(sigmoid(x)) = -softplus(-x)`, computed stably."""
    return -nn_ops.softplus(-_floating(x))


# -- lookup ----------------------------------------------------------------------------------------
_ACTIVATIONS = {
    "relu": relu, "sigmoid": sigmoid, "tanh": tanh, "softmax": softmax,
    "log_softmax": log_softmax, "elu": elu, "selu": selu, "softplus": softplus,
    "softsign": softsign, "swish": swish, "silu": silu, "gelu": gelu, "exponential": exponential,
    "hard_sigmoid": hard_sigmoid, "hard_silu": hard_silu, "hard_swish": hard_swish,
    "linear": linear, "leaky_relu": leaky_relu, "relu6": relu6, "mish": mish,
    "log_sigmoid": log_sigmoid,
}
_NAMES = {id(fn): name for name, fn in _ACTIVATIONS.items()}
_NAMES[id(swish)] = "swish"  # swish and silu are one function; Keras 2 serializes it as swish
_NAMES[id(hard_silu)] = "hard_silu"


def serialize(activation, use_legacy_format=False):
    """Returns the name of a built-in activation, or a class config for an activation object.

    Example:
        >>> import flowgrad as tf
        >>> tf.keras.activations.serialize(tf.keras.activations.relu)
        'relu'
    """
    if activation is None:
        return "linear"
    if id(activation) in _NAMES:
        return _NAMES[id(activation)]
    if hasattr(activation, "get_config"):
        return {"class_name": type(activation).__name__, "config": activation.get_config()}
    name = getattr(activation, "__name__", None)
    if name:
        return name
    raise ValueError(f"Cannot serialize activation {activation!r}: it is neither a built-in "
                     f"activation, a named function nor an object with get_config().")


def deserialize(config, custom_objects=None, use_legacy_format=False):
    """Returns the activation function named by `config` (a name or a serialized dict).

    Raises:
        ValueError: the name is unknown (the message lists valid names and the closest).
    """
    if isinstance(config, dict):
        name, class_name, inner = _config_parts(config, "activation")
        if class_name == "function" or isinstance(inner, str):
            return deserialize(inner if isinstance(inner, str) else name, custom_objects)
        obj = _find_custom(name, custom_objects) or _find_custom(class_name, custom_objects)
        if obj is None:
            raise _unknown("activation", class_name, _ACTIVATIONS)
        return obj.from_config(inner) if hasattr(obj, "from_config") else obj(**inner)
    if not isinstance(config, str):
        raise ValueError(f"Could not interpret activation identifier: {config!r}")  # noqa: TRY004
    custom = _find_custom(config, custom_objects)
    if custom is not None:
        return custom
    if config in _ACTIVATIONS:
        return _ACTIVATIONS[config]
    snake = _to_snake(config)
    if snake in _ACTIVATIONS:
        return _ACTIVATIONS[snake]
    raise _unknown("activation function", config, _ACTIVATIONS)


def get(identifier):
    """Resolves an activation: None -> `linear`, a name, a serialized dict, or a callable.

    Raises:
        ValueError: an unknown name, or an identifier that is none of the above.

    Example:
        >>> import flowgrad as tf
        >>> tf.keras.activations.get(None) is tf.keras.activations.linear
        True
    """
    if identifier is None:
        return linear
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret activation function identifier: {identifier!r}. "
                     f"Pass a name such as 'relu', a callable or None.")
