"""`tf.keras.optimizers.schedules`: learning rates that change with the optimizer's step.

A schedule is called with the step (a Python int, a Tensor or the optimizer's int64
`iterations` Variable) and returns a float32 scalar Tensor. It is written with flowgrad ops
only, so an optimizer evaluates it from `iterations` at every update, also inside a traced
`tf.function`.

Example:
    >>> import flowgrad as tf
    >>> s = tf.keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    >>> round(float(s(20)), 6)
    0.025
"""

import math

from ...core.convert import convert_to_tensor
from ...ops import math_ops as _m
from .. import _serialization as _ser

_MODULE = "keras.optimizers.schedules"


def _as_tensor(x):
    """Python values become float32 tensors (TF's inference); tensors are kept as they are."""
    return convert_to_tensor(x)


def _c(x, dtype):
    """`x` as a tensor of `dtype`: Python numbers are converted directly (one step, no Cast op);
    tensors and Variables (e.g. the optimizer's int64 `iterations`) are cast."""
    t = type(x)
    if t is int or (t is float and dtype.is_floating):
        return convert_to_tensor(x, dtype=dtype)
    return _m.cast(x, dtype)


class LearningRateSchedule:
    """The base class of learning rate schedules.

    Subclasses implement `__call__(step)`, returning the learning rate at `step` with flowgrad
    ops (no Python branching on the step's value), and `get_config()`.

    Example:
        >>> import flowgrad as tf
        >>> class Halving(tf.keras.optimizers.schedules.LearningRateSchedule):
        ...     def __init__(self, lr):
        ...         self.lr = lr
        ...     def __call__(self, step):
        ...         return self.lr / (tf.cast(step, tf.float32) + 1.0)
        ...     def get_config(self):
        ...         return {"lr": self.lr}
        >>> float(Halving(1.0)(1))
        0.5
    """

    def __call__(self, step):
        raise NotImplementedError(
            f"Learning rate schedule {type(self).__name__!r} must override `__call__(self, step)`.")

    def get_config(self):
        raise NotImplementedError(
            f"Learning rate schedule {type(self).__name__!r} must override `get_config()` to be "
            "serializable.")

    @classmethod
    def from_config(cls, config):
        """Creates the schedule from the dict `get_config()` returned."""
        return cls(**config)


def _check_steps(decay_steps, arg="decay_steps"):
    if decay_steps <= 0:
        raise ValueError(f"Argument `{arg}` must be > 0. Received: {arg}={decay_steps}")


class _StepDecay(LearningRateSchedule):
    """The common part of `ExponentialDecay` and `InverseTimeDecay`: their arguments, config
    and the (optionally floored) progress `step / decay_steps`."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase, name):
        _check_steps(decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def _progress(self, step, dtype):
        p = _c(step, dtype) / _c(self.decay_steps, dtype)
        return _m.floor(p) if self.staircase else p

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class ExponentialDecay(_StepDecay):
    """`initial_learning_rate * decay_rate ** (step / decay_steps)`.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: the number of steps over which the rate is multiplied by `decay_rate`.
        decay_rate: the factor per `decay_steps` steps.
        staircase: if True, `step / decay_steps` is floored, so the rate changes in steps.
        name: the schedule's name.

    Example:
        >>> import flowgrad as tf
        >>> s = tf.keras.optimizers.schedules.ExponentialDecay(1.0, 10, 0.5, staircase=True)
        >>> [float(s(k)) for k in (0, 9, 10, 25)]
        [1.0, 1.0, 0.5, 0.25]
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="ExponentialDecay"):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step):
        lr0 = _as_tensor(self.initial_learning_rate)
        return lr0 * _m.pow(_c(self.decay_rate, lr0.dtype), self._progress(step, lr0.dtype))


class PiecewiseConstantDecay(LearningRateSchedule):
    """A rate that is constant between step boundaries.

    `values[0]` while `step <= boundaries[0]`, `values[i]` while
    `boundaries[i-1] < step <= boundaries[i]`, and `values[-1]` after the last boundary.

    Args:
        boundaries: increasing step boundaries.
        values: the rates, one more than `boundaries`.
        name: the schedule's name.

    Raises:
        ValueError: `len(values) != len(boundaries) + 1`.

    Example:
        >>> import flowgrad as tf
        >>> s = tf.keras.optimizers.schedules.PiecewiseConstantDecay([10, 20], [1.0, 0.5, 0.1])
        >>> [round(float(s(k)), 2) for k in (0, 10, 11, 20, 21)]
        [1.0, 1.0, 0.5, 0.5, 0.1]
    """

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "The length of boundaries should be 1 less than the length of values. Received: "
                f"boundaries={boundaries} of length {len(boundaries)}, and values={values} of "
                f"length {len(values)}.")
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step):
        step = _as_tensor(step)
        first = _as_tensor(self.values[0])
        dtype = first.dtype
        result = _c(self.values[-1], dtype)
        # From the last boundary down: the first boundary the step does not exceed wins.
        for b, v in zip(reversed(self.boundaries), reversed(self.values[:-1])):
            below = step <= _c(b, step.dtype)
            result = _m.where(below, _c(v, dtype), result)
        return result

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """A polynomial decay from `initial_learning_rate` to `end_learning_rate`.

    `(initial - end) * (1 - step / decay_steps) ** power + end`, with the step held at
    `decay_steps` after it; with `cycle=True`, `decay_steps` is instead stretched to the first
    multiple of itself that is at least the step.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: the number of steps of the decay.
        end_learning_rate: the final rate.
        power: the polynomial's power (1.0: linear).
        cycle: whether to restart the decay after `decay_steps`.
        name: the schedule's name.

    Example:
        >>> import flowgrad as tf
        >>> s = tf.keras.optimizers.schedules.PolynomialDecay(1.0, 10, end_learning_rate=0.0)
        >>> [round(float(s(k)), 3) for k in (0, 5, 10, 15)]
        [1.0, 0.5, 0.0, 0.0]
    """

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0,
                 cycle=False, name="PolynomialDecay"):
        _check_steps(decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name

    def __call__(self, step):
        lr0 = _as_tensor(self.initial_learning_rate)
        dtype = lr0.dtype
        end = _c(self.end_learning_rate, dtype)
        s = _c(step, dtype)
        steps = _c(self.decay_steps, dtype)
        if self.cycle:
            multiplier = _m.where(_m.equal(s, 0.0), _c(1.0, dtype), _m.ceil(s / steps))
            steps = steps * multiplier
        else:
            s = _m.minimum(s, steps)
        p = s / steps
        return (lr0 - end) * _m.pow(1.0 - p, _c(self.power, dtype)) + end

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "end_learning_rate": self.end_learning_rate,
                "power": self.power, "cycle": self.cycle, "name": self.name}


class InverseTimeDecay(_StepDecay):
    """`initial_learning_rate / (1 + decay_rate * step / decay_steps)`.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: how often the decay is applied (the unit of `step / decay_steps`).
        decay_rate: the decay per `decay_steps`.
        staircase: if True, `step / decay_steps` is floored.
        name: the schedule's name.

    Example:
        >>> import flowgrad as tf
        >>> s = tf.keras.optimizers.schedules.InverseTimeDecay(1.0, 10, 1.0)
        >>> float(s(10))
        0.5
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="InverseTimeDecay"):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step):
        lr0 = _as_tensor(self.initial_learning_rate)
        dtype = lr0.dtype
        return lr0 / (1.0 + _c(self.decay_rate, dtype) * self._progress(step, dtype))


class CosineDecay(LearningRateSchedule):
    """A cosine decay, optionally after a linear warmup (Keras 3).

    Without warmup (`warmup_target=None`): `lr0 * ((1 - alpha) * c + alpha)` with
    `c = 0.5 * (1 + cos(pi * min(step, decay_steps) / decay_steps))`. With `warmup_target`, the
    rate first rises linearly from `initial_learning_rate` to `warmup_target` over
    `warmup_steps` steps, then decays from `warmup_target` over `decay_steps` steps.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: the number of steps of the decay.
        alpha: the final rate, as a fraction of the rate the decay starts from.
        name: the schedule's name.
        warmup_target: the rate reached at the end of the warmup; None: no warmup.
        warmup_steps: the warmup's length in steps.

    Example:
        >>> import flowgrad as tf
        >>> s = tf.keras.optimizers.schedules.CosineDecay(1.0, 10)
        >>> [round(float(s(k)), 3) for k in (0, 5, 10, 20)]
        [1.0, 0.5, 0.0, 0.0]
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay",
                 warmup_target=None, warmup_steps=0):
        _check_steps(decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_steps = warmup_steps
        self.warmup_target = warmup_target

    def _decay(self, step, decay_steps, start, dtype):
        cosine = 0.5 * (1.0 + _m.cos(_c(math.pi, dtype) * (step / decay_steps)))
        return start * ((1.0 - self.alpha) * cosine + self.alpha)

    def __call__(self, step):
        lr0 = _as_tensor(self.initial_learning_rate)
        dtype = lr0.dtype
        decay_steps = _c(self.decay_steps, dtype)
        s = _c(step, dtype)
        if self.warmup_target is None:
            return self._decay(_m.minimum(s, decay_steps), decay_steps, lr0, dtype)
        target = _c(self.warmup_target, dtype)
        warmup_steps = _c(self.warmup_steps, dtype)
        s = _m.minimum(s, decay_steps + warmup_steps)
        # Both branches are computed and one selected (no Python branching on the step);
        # with warmup_steps=0 the unselected warmup branch may be nan, which `where` drops.
        warm = (target - lr0) * (s / warmup_steps) + lr0
        decayed = self._decay(s - warmup_steps, decay_steps, target, dtype)
        return _m.where(s < warmup_steps, warm, decayed)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "alpha": self.alpha, "name": self.name,
                "warmup_target": self.warmup_target, "warmup_steps": self.warmup_steps}


class CosineDecayRestarts(LearningRateSchedule):
    """A cosine decay with warm restarts (SGDR, Loshchilov & Hutter 2017).

    The first period lasts `first_decay_steps`; each next one is `t_mul` times longer and
    starts from a rate `m_mul` times the previous period's start.

    Args:
        initial_learning_rate: the rate at step 0.
        first_decay_steps: the length of the first period.
        t_mul: the factor on each next period's length.
        m_mul: the factor on each next period's initial rate.
        alpha: the minimum rate, as a fraction of `initial_learning_rate`.
        name: the schedule's name.

    Example:
        >>> import flowgrad as tf
        >>> s = tf.keras.optimizers.schedules.CosineDecayRestarts(1.0, 10, t_mul=1.0)
        >>> [round(float(s(k)), 3) for k in (0, 5, 10, 15)]
        [1.0, 0.5, 1.0, 0.5]
    """

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0,
                 alpha=0.0, name="SGDRDecay"):
        _check_steps(first_decay_steps, "first_decay_steps")
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self._t_mul = t_mul
        self._m_mul = m_mul
        self.alpha = alpha
        self.name = name

    def __call__(self, step):
        lr0 = _as_tensor(self.initial_learning_rate)
        dtype = lr0.dtype
        fraction = _c(step, dtype) / _c(self.first_decay_steps, dtype)
        t_mul = float(self._t_mul)
        if t_mul == 1.0:
            i_restart = _m.floor(fraction)
            fraction = fraction - i_restart
        else:
            # Periods grow geometrically: the restart index solves a geometric sum.
            log_t_mul = _m.log(_c(t_mul, dtype))
            i_restart = _m.floor(_m.log(1.0 - fraction * (1.0 - t_mul)) / log_t_mul)
            t_pow = _m.pow(_c(t_mul, dtype), i_restart)
            sum_r = (1.0 - t_pow) / (1.0 - t_mul)
            fraction = (fraction - sum_r) / t_pow
        m_fac = _m.pow(_c(self._m_mul, dtype), i_restart)
        cosine = 0.5 * m_fac * (1.0 + _m.cos(_c(math.pi, dtype) * fraction))
        return lr0 * ((1.0 - self.alpha) * cosine + self.alpha)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "first_decay_steps": self.first_decay_steps, "t_mul": self._t_mul,
                "m_mul": self._m_mul, "alpha": self.alpha, "name": self.name}


_BUILTIN = {c.__name__: c for c in (
    ExponentialDecay, PiecewiseConstantDecay, PolynomialDecay, InverseTimeDecay, CosineDecay,
    CosineDecayRestarts)}


def serialize(learning_rate_schedule):
    """Returns a schedule as a JSON-ready dict, in Keras 3's layout.

    Example:
        >>> import flowgrad as tf
        >>> d = tf.keras.optimizers.schedules.serialize(
        ...     tf.keras.optimizers.schedules.InverseTimeDecay(0.1, 10, 0.5))
        >>> d["class_name"], d["config"]["decay_rate"]
        ('InverseTimeDecay', 0.5)
    """
    if not isinstance(learning_rate_schedule, LearningRateSchedule):
        raise TypeError("serialize() expects a LearningRateSchedule; received "
                        f"{learning_rate_schedule!r}.")
    cls = type(learning_rate_schedule)
    return _ser.serialize_keras3(learning_rate_schedule, _MODULE, _BUILTIN.get(cls.__name__) is cls)


def deserialize(config, custom_objects=None):
    """Creates a schedule from `serialize()`'s dict (or Keras 2's `{"class_name", "config"}`).

    Args:
        config: the serialized schedule.
        custom_objects: a dict of user schedule classes by name.

    Raises:
        ValueError: the class name is not a known schedule.
    """
    if isinstance(config, LearningRateSchedule):
        return config
    name, cls, _ = _ser.resolve_keras3(config, custom_objects, _BUILTIN)
    if cls is None:
        raise ValueError(f"Unknown learning rate schedule: {name!r}. Known schedules: "
                         f"{', '.join(sorted(_BUILTIN))}; pass custom ones in custom_objects.")
    return cls.from_config(dict(config.get("config") or {}))


__all__ = [
    "CosineDecay",
    "CosineDecayRestarts",
    "ExponentialDecay",
    "InverseTimeDecay",
    "LearningRateSchedule",
    "PiecewiseConstantDecay",
    "PolynomialDecay",
    "deserialize",
    "serialize",
]
