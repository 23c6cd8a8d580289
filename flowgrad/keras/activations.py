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

from .. import dtypes as _dtypes
from ..core.tensor import Tensor
from ..ops import math_ops, nn_ops
from ..ops._common import to_tensor
from . import _serialization as _ser
from ._serialization import _global_custom_objects  # noqa: F401  (layers import it from here)

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
    return _ser.serialize(activation, _NAMES, "Cannot serialize activation {obj!r}: it is "
                          "neither a built-in activation, a named function nor an object with "
                          "get_config().")


def deserialize(config, custom_objects=None, use_legacy_format=False):
    """Returns the activation function named by `config` (a name or a serialized dict).

    Raises:
        ValueError: the name is unknown (the message lists valid names and the closest).
    """
    return _ser.deserialize_named(config, custom_objects, "activation", _ACTIVATIONS,
                                  valid=_ACTIVATIONS, dict_valid=_ACTIVATIONS,
                                  name_kind="activation function", make_custom=False)


def get(identifier):
    """Resolves an activation: None -> `linear`, a name, a serialized dict, or a callable.

    Raises:
        ValueError: an unknown name, or an identifier that is none of the above.

    Example:
        >>> import flowgrad as tf
        >>> tf.keras.activations.get(None) is tf.keras.activations.linear
        True
    """
    return _ser.get(identifier, deserialize, "activation function", none=linear,
                    hint=". Pass a name such as 'relu', a callable or None.")
