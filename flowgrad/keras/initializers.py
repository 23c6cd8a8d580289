"""`tf.keras.initializers`: objects that produce the starting values of layer weights.

An initializer is called as `init(shape, dtype=None)` and returns a Tensor of that shape and
dtype (float32 by default). Random initializers follow Keras 2's seeding: with `seed=None` they
draw from flowgrad's stateful random ops, so `tf.random.set_seed` makes a run reproducible and
successive calls give different values; with an integer `seed` they use the stateless ops, so
every call returns the same values.

Fan-in and fan-out (used by `VarianceScaling` and the Glorot / He / LeCun families) are computed
as Keras does: a dense kernel `(in, out)` has fan_in = in and fan_out = out; a convolution
kernel `(*spatial, in, out)` multiplies both by the receptive field size `prod(spatial)`.

Example:
    >>> import flowgrad as tf
    >>> init = tf.keras.initializers.GlorotUniform(seed=1)
    >>> w = init((3, 4))
    >>> w.shape, w.dtype.name
    (TensorShape([3, 4]), 'float32')
    >>> bool(tf.reduce_all(w == init((3, 4))))
    True
"""

import math as _pymath

from .. import dtypes as _dtypes
from ..ops import array_ops, linalg_ops, math_ops, random_ops
from . import _serialization as _ser
from ._serialization import _to_snake

__all__ = [
    "Constant",
    "GlorotNormal",
    "GlorotUniform",
    "HeNormal",
    "HeUniform",
    "Identity",
    "Initializer",
    "LecunNormal",
    "LecunUniform",
    "Ones",
    "Orthogonal",
    "RandomNormal",
    "RandomUniform",
    "TruncatedNormal",
    "VarianceScaling",
    "Zeros",
    "deserialize",
    "get",
    "serialize",
]

# stddev of a standard normal truncated to [-2, 2]; VarianceScaling divides by it.
_TRUNCATED_STDDEV = 0.87962566103423978


def _shape_tuple(shape):
    if hasattr(shape, "as_list"):
        shape = shape.as_list()
    elif isinstance(shape, int):
        shape = (shape,)
    dims = tuple(shape)
    if any(d is None for d in dims):
        raise ValueError(f"An initializer needs a fully defined shape, got {dims}.")
    return tuple(int(d) for d in dims)


def _dtype(dtype, kind="float"):
    d = _dtypes.float32 if dtype is None else _dtypes.as_dtype(dtype)
    if kind == "float" and not d.is_floating:
        raise ValueError(f"Expected floating point type, got {d.name}. Random and "
                         f"variance-scaling initializers produce floating-point values only.")
    if kind == "numeric" and not (d.is_floating or d.is_integer or d.is_bool or d.is_complex):
        raise ValueError(f"Expected numeric or boolean dtype, got {d.name}.")
    return d


def compute_fans(shape):
    """Returns `(fan_in, fan_out)` for a weight shape, as Keras computes them.

    Scalars count as 1 in and 1 out; a vector of n as n in and n out; a matrix `(in, out)` as is;
    a convolution kernel `(*spatial, in, out)` multiplies both by `prod(spatial)`.

    Example:
        >>> compute_fans((3, 3, 16, 32))
        (144, 288)
    """
    shape = _shape_tuple(shape)
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = 1
    for d in shape[:-2]:
        receptive *= d
    return shape[-2] * receptive, shape[-1] * receptive


class Initializer:
    """Base class of initializers: subclasses implement `__call__(shape, dtype=None)`.

    Example:
        >>> import flowgrad as tf
        >>> class Fives(tf.keras.initializers.Initializer):
        ...     def __call__(self, shape, dtype=None):
        ...         return tf.fill(shape, 5.0)
        >>> Fives()((2,)).numpy().tolist()
        [5.0, 5.0]
    """

    def __call__(self, shape, dtype=None, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must implement __call__(shape, dtype).")

    def get_config(self):
        """The constructor arguments, as a JSON-serializable dict."""
        return {}

    @classmethod
    def from_config(cls, config):
        """Rebuilds the initializer from `get_config()`'s output."""
        config = dict(config)
        config.pop("dtype", None)  # Keras 1 configs carried a dtype
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class Zeros(Initializer):
    """All zeros; accepts any numeric or boolean dtype.

    Example:
        >>> import flowgrad as tf
        >>> tf.keras.initializers.Zeros()((2,)).numpy().tolist()
        [0.0, 0.0]
    """

    def __call__(self, shape, dtype=None, **kwargs):
        return array_ops.zeros(_shape_tuple(shape), dtype=_dtype(dtype, "numeric"))


class Ones(Initializer):
    """All ones; accepts any numeric or boolean dtype."""

    def __call__(self, shape, dtype=None, **kwargs):
        return array_ops.ones(_shape_tuple(shape), dtype=_dtype(dtype, "numeric"))


class Constant(Initializer):
    """A constant value: a scalar (filled) or an array of the requested shape (or broadcastable
    to it).

    Args:
        value: a Python number, list or array.

    Example:
        >>> import flowgrad as tf
        >>> tf.keras.initializers.Constant(3.)((2, 2)).numpy().tolist()
        [[3.0, 3.0], [3.0, 3.0]]
    """

    def __init__(self, value=0):
        if hasattr(value, "numpy"):
            value = value.numpy()
        if hasattr(value, "tolist"):
            value = value.tolist()
        self.value = value

    def __call__(self, shape, dtype=None, **kwargs):
        shape = _shape_tuple(shape)
        t = array_ops.constant(self.value, dtype=_dtype(dtype, "numeric"))
        if tuple(t.shape) == shape:
            return t
        size = 1
        for d in shape:
            size *= d
        if t.shape.rank and t.shape.num_elements() == size:
            return array_ops.reshape(t, shape)
        try:
            return array_ops.broadcast_to(t, shape)
        except ValueError:
            raise ValueError(f"Constant initializer: the value of shape {tuple(t.shape)} cannot "
                             f"fill the requested shape {shape}.") from None

    def get_config(self):
        return {"value": self.value}


class _Random(Initializer):
    """Shared seeding: stateless draws for an int seed, stateful ones for None."""

    def __init__(self, seed=None):
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ValueError(f"{type(self).__name__}: seed must be an int or None, got {seed!r}.")
        self.seed = seed

    def _normal(self, shape, mean, stddev, dtype):
        if self.seed is None:
            return random_ops.normal(shape, mean, stddev, dtype=dtype)
        return random_ops.stateless_normal(shape, [self.seed, 0], mean, stddev, dtype=dtype)

    def _truncated(self, shape, mean, stddev, dtype):
        if self.seed is None:
            return random_ops.truncated_normal(shape, mean, stddev, dtype=dtype)
        return random_ops.stateless_truncated_normal(shape, [self.seed, 0], mean, stddev,
                                                     dtype=dtype)

    def _uniform(self, shape, minval, maxval, dtype):
        if self.seed is None:
            return random_ops.uniform(shape, minval, maxval, dtype=dtype)
        return random_ops.stateless_uniform(shape, [self.seed, 0], minval, maxval, dtype=dtype)


class RandomNormal(_Random):
    """Samples from a normal distribution.

    Args:
        mean: the mean.
        stddev: the standard deviation.
        seed: an int for values that repeat on every call, or None.
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape, dtype=None, **kwargs):
        return self._normal(_shape_tuple(shape), self.mean, self.stddev, _dtype(dtype))

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class RandomUniform(_Random):
    """Samples uniformly from `[minval, maxval)`; integer dtypes are allowed.

    Args:
        minval, maxval: the bounds.
        seed: an int for values that repeat on every call, or None.
    """

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        super().__init__(seed)
        self.minval, self.maxval = minval, maxval

    def __call__(self, shape, dtype=None, **kwargs):
        d = _dtype(dtype, "numeric")
        if not (d.is_floating or d.is_integer):
            raise ValueError(f"RandomUniform: expected a floating point or integer dtype, got "
                             f"{d.name}.")
        return self._uniform(_shape_tuple(shape), self.minval, self.maxval, d)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class TruncatedNormal(_Random):
    """Normal samples, redrawn when more than two standard deviations from the mean.

    Args:
        mean: the mean.
        stddev: the standard deviation of the untruncated distribution.
        seed: an int for values that repeat on every call, or None.
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape, dtype=None, **kwargs):
        return self._truncated(_shape_tuple(shape), self.mean, self.stddev, _dtype(dtype))

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class VarianceScaling(_Random):
    """Samples scaled to the weight's fan: variance `scale / n`.

    `n` is fan_in, fan_out or their average (`mode`). `distribution` is "truncated_normal" (or
    "normal", its Keras 2 alias), "untruncated_normal" or "uniform" (on `[-limit, limit]` with
    `limit = sqrt(3 * scale / n)`).

    Raises:
        ValueError: scale <= 0, or an unknown mode or distribution.

    Example:
        >>> import flowgrad as tf
        >>> init = tf.keras.initializers.VarianceScaling(2.0, "fan_in", "uniform", seed=0)
        >>> float(tf.reduce_max(tf.abs(init((100, 10))))) <= (3 * 2.0 / 100) ** 0.5
        True
    """

    _MODES = ("fan_in", "fan_out", "fan_avg")
    _DISTRIBUTIONS = ("normal", "truncated_normal", "untruncated_normal", "uniform")

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        super().__init__(seed)
        if not scale > 0.0:
            raise ValueError(f"Argument `scale` must be positive float. Received: scale={scale}")
        mode = mode.lower() if isinstance(mode, str) else mode
        if mode not in self._MODES:
            raise ValueError(f"Invalid `mode` argument: expected one of {list(self._MODES)}, "
                             f"received mode={mode!r}")
        dist = distribution.lower() if isinstance(distribution, str) else distribution
        if dist not in self._DISTRIBUTIONS:
            raise ValueError(f"Invalid `distribution` argument: expected one of "
                             f"{list(self._DISTRIBUTIONS)}, received distribution={distribution!r}")
        self.scale, self.mode, self.distribution = scale, mode, dist

    def __call__(self, shape, dtype=None, **kwargs):
        shape, dtype = _shape_tuple(shape), _dtype(dtype)
        fan_in, fan_out = compute_fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        variance = self.scale / max(1.0, n)
        if self.distribution in ("normal", "truncated_normal"):
            return self._truncated(shape, 0.0, _pymath.sqrt(variance) / _TRUNCATED_STDDEV, dtype)
        if self.distribution == "untruncated_normal":
            return self._normal(shape, 0.0, _pymath.sqrt(variance), dtype)
        limit = _pymath.sqrt(3.0 * variance)
        return self._uniform(shape, -limit, limit, dtype)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                "seed": self.seed}


class _Preset(VarianceScaling):
    """A VarianceScaling with fixed scale/mode/distribution; its config holds only the seed."""

    _PRESET = (1.0, "fan_in", "uniform")

    def __init__(self, seed=None):
        super().__init__(*self._PRESET, seed=seed)

    def get_config(self):
        return {"seed": self.seed}


class GlorotUniform(_Preset):
    """Glorot (Xavier) uniform: `U(-limit, limit)`, `limit = sqrt(6 / (fan_in + fan_out))`."""

    _PRESET = (1.0, "fan_avg", "uniform")


class GlorotNormal(_Preset):
    """Glorot (Xavier) normal: truncated normal with `stddev = sqrt(2 / (fan_in + fan_out))`."""

    _PRESET = (1.0, "fan_avg", "truncated_normal")


class HeUniform(_Preset):
    """He uniform: `U(-limit, limit)`, `limit = sqrt(6 / fan_in)`."""

    _PRESET = (2.0, "fan_in", "uniform")


class HeNormal(_Preset):
    """He normal: truncated normal with `stddev = sqrt(2 / fan_in)`."""

    _PRESET = (2.0, "fan_in", "truncated_normal")


class LecunUniform(_Preset):
    """LeCun uniform: `U(-limit, limit)`, `limit = sqrt(3 / fan_in)`."""

    _PRESET = (1.0, "fan_in", "uniform")


class LecunNormal(_Preset):
    """LeCun normal: truncated normal with `stddev = sqrt(1 / fan_in)`."""

    _PRESET = (1.0, "fan_in", "truncated_normal")


class Orthogonal(_Random):
    """A (semi-)orthogonal matrix, reshaped to the requested shape of rank >= 2.

    The weight is flattened to `(prod(shape[:-1]), shape[-1])`; the rows or the columns,
    whichever are fewer, are orthonormal, then multiplied by `gain`.

    Raises:
        ValueError: the shape has rank < 2.

    Example:
        >>> import flowgrad as tf
        >>> q = tf.keras.initializers.Orthogonal(seed=3)((4, 4))
        >>> bool(tf.reduce_all(tf.abs(tf.matmul(q, q, transpose_a=True) - tf.eye(4)) < 1e-5))
        True
    """

    def __init__(self, gain=1.0, seed=None):
        super().__init__(seed)
        self.gain = gain

    def __call__(self, shape, dtype=None, **kwargs):
        shape, dtype = _shape_tuple(shape), _dtype(dtype)
        if len(shape) < 2:
            raise ValueError(f"The tensor to initialize must be at least two-dimensional. "
                             f"Received: shape={shape} of rank {len(shape)}.")
        rows = 1
        for d in shape[:-1]:
            rows *= d
        cols = shape[-1]
        flat = (max(rows, cols), min(rows, cols))
        a = self._normal(flat, 0.0, 1.0, dtype)
        q, r = linalg_ops.qr(a, full_matrices=False)
        d = linalg_ops.diag_part(r)
        # Sign correction makes the distribution uniform (Haar) over orthogonal matrices.
        q = q * math_ops.where(d < 0, -array_ops.ones_like(d), array_ops.ones_like(d))
        if rows < cols:
            q = array_ops.transpose(q)
        return array_ops.reshape(q * self.gain, shape)

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


class Identity(Initializer):
    """`gain` times the identity matrix (rectangular shapes give a partial identity).

    Raises:
        ValueError: the shape is not 2-D.
    """

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None, **kwargs):
        shape, dtype = _shape_tuple(shape), _dtype(dtype, "numeric")
        if len(shape) != 2:
            raise ValueError(f"Identity matrix initializer can only be used for 2D matrices. "
                             f"Received: shape={shape} of rank {len(shape)}.")
        eye = array_ops.eye(shape[0], shape[1], dtype=dtype)
        return eye if self.gain == 1 else eye * self.gain

    def get_config(self):
        return {"gain": self.gain}


# snake_case aliases, as in tf.keras.initializers
zeros = Zeros
ones = Ones
constant = Constant
random_normal = RandomNormal
random_uniform = RandomUniform
truncated_normal = TruncatedNormal
variance_scaling = VarianceScaling
glorot_uniform = GlorotUniform
glorot_normal = GlorotNormal
he_uniform = HeUniform
he_normal = HeNormal
lecun_uniform = LecunUniform
lecun_normal = LecunNormal
orthogonal = Orthogonal
identity = Identity
# Keras 2's alternative class spellings
Zero, One = Zeros, Ones
IdentityInitializer = Identity
OrthogonalInitializer = Orthogonal

_CLASSES = {c.__name__: c for c in (
    Zeros, Ones, Constant, RandomNormal, RandomUniform, TruncatedNormal, VarianceScaling,
    GlorotUniform, GlorotNormal, HeUniform, HeNormal, LecunUniform, LecunNormal, Orthogonal,
    Identity)}
_ALIASES = {_to_snake(n): c for n, c in _CLASSES.items()}
_ALIASES.update({"zero": Zeros, "one": Ones, "uniform": RandomUniform, "normal": RandomNormal,
                 "IdentityInitializer": Identity, "OrthogonalInitializer": Orthogonal,
                 "Zero": Zeros, "One": Ones})


def serialize(initializer, use_legacy_format=False):
    """Returns `{"class_name": ..., "config": ...}` for an initializer.

    Example:
        >>> import flowgrad as tf
        >>> tf.keras.initializers.serialize(tf.keras.initializers.Constant(2.0))
        {'class_name': 'Constant', 'config': {'value': 2.0}}
    """
    return None if initializer is None else _ser.serialize(initializer)


def deserialize(config, custom_objects=None, use_legacy_format=False):
    """Builds an initializer from a name or a `serialize()` dict.

    Raises:
        ValueError: an unknown name (the message lists valid names and the closest).
    """
    return _ser.deserialize_class(config, custom_objects, "initializer", _CLASSES, _ALIASES)


def get(identifier):
    """Resolves an initializer: None, a name ('glorot_uniform', 'GlorotUniform', ...), a
    serialized dict, an Initializer class or instance, or any callable.

    Raises:
        ValueError: an unknown name or an uninterpretable identifier.

    Example:
        >>> import flowgrad as tf
        >>> type(tf.keras.initializers.get("he_normal")).__name__
        'HeNormal'
    """
    return _ser.get(identifier, deserialize, "initializer", base=Initializer)
