"""`tf.keras.regularizers`: penalties on weights that layers add to the training loss.

A regularizer is called on a weight and returns a scalar Tensor of the weight's dtype. They are
built from flowgrad ops only, so they run under a `GradientTape` and inside traced functions.

Example:
    >>> import flowgrad as tf
    >>> reg = tf.keras.regularizers.L2(0.1)
    >>> float(reg(tf.constant([1.0, 2.0])))
    0.5
"""

import math as _pymath

from ..core.tensor import Tensor
from ..ops import array_ops, linalg_ops, math_ops, nn_ops
from ..ops._common import to_tensor
from . import _serialization as _ser

__all__ = [
    "L1",
    "L1L2",
    "L2",
    "OrthogonalRegularizer",
    "Regularizer",
    "deserialize",
    "get",
    "l1",
    "l1_l2",
    "l2",
    "orthogonal_regularizer",
    "serialize",
]


def _as_tensor(x):
    if type(x) is Tensor:
        return x
    if hasattr(x, "_is_variable"):
        return x.read_value()
    t = to_tensor(x)
    if not t.dtype.is_floating:
        from .. import dtypes
        t = math_ops.cast(t, dtypes.float32)
    return t


def _factor(value, name):
    if value is None:
        return 0.0
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"Invalid value for argument {name}: expected a float, got "
                         f"{value!r}.") from None
    if not _pymath.isfinite(value):
        raise ValueError(f"Invalid value for argument {name}: expected a finite float, got "
                         f"{value!r}.")
    return value


class Regularizer:
    """Base class: subclasses implement `__call__(weight)` returning a scalar penalty.

    Example:
        >>> import flowgrad as tf
        >>> class SumAbs(tf.keras.regularizers.Regularizer):
        ...     def __call__(self, w):
        ...         return tf.reduce_sum(tf.abs(w))
        >>> float(SumAbs()(tf.constant([-1.0, 2.0])))
        3.0
    """

    def __call__(self, x):
        return array_ops.constant(0.0)

    def get_config(self):
        """The constructor arguments, as a JSON-serializable dict."""
        raise NotImplementedError(f"{type(self).__name__} does not implement get_config(); "
                                  f"override it to make the regularizer serializable.")

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        try:
            args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        except NotImplementedError:
            args = ""
        return f"{type(self).__name__}({args})"


class L1(Regularizer):
    """`l1 * sum(abs(x))`.

    Args:
        l1: the factor (default 0.01). `l` is accepted as a legacy alias.
    """

    def __init__(self, l1=0.01, **kwargs):
        if "l" in kwargs:
            l1 = kwargs.pop("l")
        if kwargs:
            raise TypeError(f"L1 got unexpected keyword arguments {sorted(kwargs)}.")
        self.l1 = _factor(l1, "l1")

    def __call__(self, x):
        t = _as_tensor(x)
        return math_ops.reduce_sum(math_ops.abs(t)) * self.l1

    def get_config(self):
        return {"l1": self.l1}


class L2(Regularizer):
    """`l2 * sum(square(x))`.

    Args:
        l2: the factor (default 0.01). `l` is accepted as a legacy alias.
    """

    def __init__(self, l2=0.01, **kwargs):
        if "l" in kwargs:
            l2 = kwargs.pop("l")
        if kwargs:
            raise TypeError(f"L2 got unexpected keyword arguments {sorted(kwargs)}.")
        self.l2 = _factor(l2, "l2")

    def __call__(self, x):
        t = _as_tensor(x)
        return math_ops.reduce_sum(math_ops.square(t)) * self.l2

    def get_config(self):
        return {"l2": self.l2}


class L1L2(Regularizer):
    """`l1 * sum(abs(x)) + l2 * sum(square(x))` (both factors default to 0)."""

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = _factor(l1, "l1")
        self.l2 = _factor(l2, "l2")

    def __call__(self, x):
        t = _as_tensor(x)
        total = array_ops.zeros((), dtype=t.dtype)
        if self.l1:
            total = total + math_ops.reduce_sum(math_ops.abs(t)) * self.l1
        if self.l2:
            total = total + math_ops.reduce_sum(math_ops.square(t)) * self.l2
        return total

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    """Encourages the rows (or columns) of a 2-D weight to be orthonormal.

    The penalty is `factor * mean_{i<j} |<u_i, u_j>| / 2` over the L2-normalized rows
    (`mode="rows"`) or columns (`mode="columns"`).

    Raises:
        ValueError: an unknown mode, or a weight that is not 2-D.
    """

    def __init__(self, factor=0.01, mode="rows"):
        if mode not in ("rows", "columns"):
            raise ValueError(f"Invalid value for argument `mode`. Expected one of "
                             f"{{'rows', 'columns'}}. Received: mode={mode!r}")
        self.factor = _factor(factor, "factor")
        self.mode = mode

    def __call__(self, x):
        t = _as_tensor(x)
        if t.shape.rank != 2:
            raise ValueError(f"Inputs to OrthogonalRegularizer must have rank 2. Received: "
                             f"inputs.shape={tuple(t.shape)}")
        if self.mode == "rows":
            u = nn_ops.l2_normalize(t, axis=1)
            product = linalg_ops.matmul(u, u, transpose_b=True)
            size = t.shape[0]
        else:
            u = nn_ops.l2_normalize(t, axis=0)
            product = linalg_ops.matmul(u, u, transpose_a=True)
            size = t.shape[1]
        off_diagonal = product * (1.0 - array_ops.eye(size, dtype=t.dtype))
        pairs = max(size * (size - 1) / 2.0, 1.0)
        return math_ops.reduce_sum(math_ops.abs(off_diagonal)) * (self.factor * 0.5 / pairs)

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}


def l1_l2(l1=0.01, l2=0.01):
    """An `L1L2` regularizer with both factors defaulting to 0.01."""
    return L1L2(l1=l1, l2=l2)


l1 = L1
l2 = L2
orthogonal_regularizer = OrthogonalRegularizer

_CLASSES = {c.__name__: c for c in (L1, L2, L1L2, OrthogonalRegularizer)}
_ALIASES = {"l1": L1, "l2": L2, "l1_l2": l1_l2, "l1l2": L1L2,
            "orthogonal_regularizer": OrthogonalRegularizer}


def serialize(regularizer, use_legacy_format=False):
    """Returns `{"class_name": ..., "config": ...}` for a regularizer."""
    return None if regularizer is None else _ser.serialize(regularizer)


def deserialize(config, custom_objects=None, use_legacy_format=False):
    """Builds a regularizer from a name ('l1', 'l2', 'l1_l2', 'L1', ...) or a `serialize()` dict.

    Raises:
        ValueError: an unknown name.
    """
    return _ser.deserialize_class(config, custom_objects, "regularizer", _CLASSES, _ALIASES,
                                  factories=(l1_l2,))


def get(identifier):
    """Resolves a regularizer: None, a name, a serialized dict, or a callable.

    Raises:
        ValueError: an unknown name or an uninterpretable identifier.

    Example:
        >>> import flowgrad as tf
        >>> tf.keras.regularizers.get("l2").get_config()
        {'l2': 0.01}
    """
    return _ser.get(identifier, deserialize, "regularizer")
