"""`tf.keras.constraints`: projections that optimizers apply to weights after each update.

A constraint is called on a weight and returns the projected Tensor of the same shape. They are
built from flowgrad ops only, so they also run inside traced functions.

Example:
    >>> import flowgrad as tf
    >>> tf.keras.constraints.NonNeg()(tf.constant([-1.0, 2.0])).numpy().tolist()
    [0.0, 2.0]
"""

from ..core.tensor import Tensor
from ..ops import array_ops, math_ops
from ..ops._common import to_tensor
from . import _serialization as _ser

__all__ = [
    "Constraint",
    "MaxNorm",
    "MinMaxNorm",
    "NonNeg",
    "UnitNorm",
    "deserialize",
    "get",
    "max_norm",
    "min_max_norm",
    "non_neg",
    "serialize",
    "unit_norm",
]

_EPSILON = 1e-7  # Keras' backend.epsilon()


def _as_tensor(w):
    if type(w) is Tensor:
        return w
    if hasattr(w, "_is_variable"):
        return w.read_value()
    return to_tensor(w)


def _norms(w, axis):
    return math_ops.sqrt(math_ops.reduce_sum(math_ops.square(w), axis=axis, keepdims=True))


def _axis_config(axis):
    return list(axis) if isinstance(axis, tuple) else axis


class Constraint:
    """Base class: subclasses implement `__call__(w)` returning the projected weight.

    The base class is the identity.
    """

    def __call__(self, w):
        return w

    def get_config(self):
        """The constructor arguments, as a JSON-serializable dict."""
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class MaxNorm(Constraint):
    """Rescales slices whose L2 norm along `axis` exceeds `max_value`.

    Args:
        max_value: the largest allowed norm.
        axis: the axis (or axes) the norm is taken over; 0 for a dense kernel `(in, out)`
            constrains each unit's incoming weights; `[0, 1, 2]` for a conv kernel
            `(rows, cols, in, out)`.

    Example:
        >>> import flowgrad as tf
        >>> w = tf.keras.constraints.MaxNorm(1.0)(tf.constant([[3.0], [4.0]]))
        >>> [round(v, 4) for v in w.numpy().ravel().tolist()]
        [0.6, 0.8]
    """

    def __init__(self, max_value=2, axis=0):
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w):
        w = _as_tensor(w)
        norms = _norms(w, self.axis)
        desired = math_ops.clip_by_value(norms, 0, self.max_value)
        return w * (desired / (norms + _EPSILON))

    def get_config(self):
        return {"max_value": self.max_value, "axis": _axis_config(self.axis)}


class NonNeg(Constraint):
    """Zeroes the negative entries."""

    def __call__(self, w):
        w = _as_tensor(w)
        return math_ops.where(w >= 0, w, array_ops.zeros_like(w))


class UnitNorm(Constraint):
    """Scales slices along `axis` to unit L2 norm."""

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        w = _as_tensor(w)
        return w / (_norms(w, self.axis) + _EPSILON)

    def get_config(self):
        return {"axis": _axis_config(self.axis)}


class MinMaxNorm(Constraint):
    """Keeps slice norms along `axis` within `[min_value, max_value]`.

    With `rate < 1` the norm only moves that fraction of the way to the allowed interval:
    `norm' = rate * clip(norm, min, max) + (1 - rate) * norm`.
    """

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis

    def __call__(self, w):
        w = _as_tensor(w)
        norms = _norms(w, self.axis)
        desired = math_ops.clip_by_value(norms, self.min_value, self.max_value) * self.rate + \
            norms * (1 - self.rate)
        return w * (desired / (norms + _EPSILON))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": _axis_config(self.axis)}


max_norm = MaxNorm
non_neg = NonNeg
unit_norm = UnitNorm
min_max_norm = MinMaxNorm

_CLASSES = {c.__name__: c for c in (MaxNorm, NonNeg, UnitNorm, MinMaxNorm)}
_ALIASES = {"max_norm": MaxNorm, "non_neg": NonNeg, "unit_norm": UnitNorm,
            "min_max_norm": MinMaxNorm, "maxnorm": MaxNorm, "nonneg": NonNeg,
            "unitnorm": UnitNorm}


def serialize(constraint, use_legacy_format=False):
    """Returns `{"class_name": ..., "config": ...}` for a constraint."""
    return None if constraint is None else _ser.serialize(constraint)


def deserialize(config, custom_objects=None, use_legacy_format=False):
    """Builds a constraint from a name ('max_norm', 'NonNeg', ...) or a `serialize()` dict.

    Raises:
        ValueError: an unknown name.
    """
    return _ser.deserialize_class(config, custom_objects, "constraint", _CLASSES, _ALIASES)


def get(identifier):
    """Resolves a constraint: None, a name, a serialized dict, or a callable.

    Raises:
        ValueError: an unknown name or an uninterpretable identifier.
    """
    return _ser.get(identifier, deserialize, "constraint")
