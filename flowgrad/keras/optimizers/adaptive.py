"""Optimizers with per-coordinate step sizes from squared-gradient averages: RMSprop, Adagrad,
Adadelta."""

from ...ops import math_ops as _m
from .base import Optimizer, _constants

_add, _sub, _mul, _div = _m.add, _m.subtract, _m.multiply, _m.truediv


class RMSprop(Optimizer):
    """RMSprop (`tf.keras.optimizers.RMSprop`).

    `v = rho * v + (1 - rho) * g^2`; with `centered`, also `a = rho * a + (1 - rho) * g` and the
    denominator `sqrt(v - a^2 + epsilon)`, else `sqrt(v + epsilon)`;
    `step = lr * g / denominator`; with momentum `mom = momentum * mom + step` and
    `w -= mom`, else `w -= step`.

    Args:
        learning_rate: default 0.001.
        rho: the squared-gradient average's decay.
        momentum: 0 keeps no momentum state.
        epsilon: added inside the square root.
        centered: whether to normalize by the gradient's estimated variance.
        **kwargs: the `Optimizer` arguments.

    Example:
        >>> import flowgrad as tf
        >>> w = tf.Variable(1.0)
        >>> _ = tf.keras.optimizers.RMSprop(0.01).apply_gradients([(tf.constant(2.0), w)])
        >>> round(float(w), 4)   # 1 - 0.01 * 2 / sqrt(0.1 * 4)
        0.9684
    """

    _SLOTS = (("velocity", "_velocities"), ("momentum", "_momentums"),
              ("average_gradient", "_average_gradients"))
    _SLOT_ALIASES = {"rms": "velocity", "mg": "average_gradient"}

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7,
                 centered=False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.rho = rho
        self.momentum = momentum
        self.epsilon = 1e-7 if epsilon is None else epsilon   # None: tf.keras 2.x's default
        self.centered = centered
        self._velocities, self._momentums, self._average_gradients = [], [], []

    def build(self, var_list):
        """Creates "velocity" states, then "momentum" (if momentum > 0), then
        "average_gradient" (if centered), each for all variables, as Keras 3 orders them."""
        new = super().build(var_list)
        if new:
            self._velocities += self.add_optimizer_variables(new, "velocity")
            if self.momentum > 0:
                self._momentums += self.add_optimizer_variables(new, "momentum")
            if self.centered:
                self._average_gradients += self.add_optimizer_variables(new, "average_gradient")
        return new

    def _coefficients(self, learning_rate, dtype):
        return (_m.cast(learning_rate, dtype),) + _constants(
            dtype, self.rho, 1.0 - self.rho, self.epsilon, self.momentum)

    def _update(self, g, w, i, coefficients):
        lr, rho, one_minus_rho, epsilon, momentum = coefficients
        v = self._velocities[i]
        v.assign(_add(_mul(v.read_value(), rho), _mul(_m.square(g), one_minus_rho)))
        if self.centered:
            a = self._average_gradients[i]
            a.assign(_add(_mul(a.read_value(), rho), _mul(g, one_minus_rho)))
            denominator = _add(_sub(v.read_value(), _m.square(a.read_value())), epsilon)
        else:
            denominator = _add(v.read_value(), epsilon)
        step = _div(_mul(lr, g), _m.sqrt(denominator))
        if self.momentum > 0:
            mom = self._momentums[i]
            mom.assign(_add(_mul(mom.read_value(), momentum), step))
            w.assign_sub(mom.read_value())
        else:
            w.assign_sub(step)

    def get_config(self):
        config = super().get_config()
        config.update(rho=self.rho, momentum=self.momentum, epsilon=self.epsilon,
                      centered=self.centered)
        return config


class Adagrad(Optimizer):
    """Adagrad (`tf.keras.optimizers.Adagrad`): `acc += g^2`,
    `w -= lr * g / sqrt(acc + epsilon)`.

    Args:
        learning_rate: default 0.001.
        initial_accumulator_value: the accumulators' starting value (>= 0).
        epsilon: added inside the square root.
        **kwargs: the `Optimizer` arguments.

    Raises:
        ValueError: a negative `initial_accumulator_value`.

    Example:
        >>> import flowgrad as tf
        >>> w = tf.Variable(1.0)
        >>> opt = tf.keras.optimizers.Adagrad(0.1, initial_accumulator_value=0.0, epsilon=0.0)
        >>> _ = opt.apply_gradients([(tf.constant(3.0), w)])
        >>> round(float(w), 4)
        0.9
    """

    _SLOTS = (("accumulator", "_accumulators_sq"),)

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
                 **kwargs):
        if initial_accumulator_value < 0:
            raise ValueError("`initial_accumulator_value` needs to be positive or zero. "
                             f"Received: initial_accumulator_value={initial_accumulator_value}.")
        super().__init__(learning_rate, **kwargs)
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = 1e-7 if epsilon is None else epsilon   # None: tf.keras 2.x's default
        self._accumulators_sq = []

    def build(self, var_list):
        """Creates an "accumulator" state per variable, filled with
        `initial_accumulator_value`."""
        new = super().build(var_list)
        if new:
            self._accumulators_sq += self.add_optimizer_variables(
                new, "accumulator", initializer=float(self.initial_accumulator_value))
        return new

    def _coefficients(self, learning_rate, dtype):
        return (_m.cast(learning_rate, dtype),) + _constants(dtype, self.epsilon)

    def _update(self, g, w, i, coefficients):
        lr, epsilon = coefficients
        acc = self._accumulators_sq[i]
        acc.assign_add(_m.square(g))
        w.assign_sub(_div(_mul(lr, g), _m.sqrt(_add(acc.read_value(), epsilon))))

    def get_config(self):
        config = super().get_config()
        config.update(initial_accumulator_value=self.initial_accumulator_value,
                      epsilon=self.epsilon)
        return config


class Adadelta(Optimizer):
    """Adadelta (Zeiler, 2012) (`tf.keras.optimizers.Adadelta`).

    `G = rho * G + (1 - rho) * g^2`, `d = sqrt(D + epsilon) / sqrt(G + epsilon) * g`,
    `D = rho * D + (1 - rho) * d^2`, `w -= lr * d`.

    Args:
        learning_rate: default 0.001 (the original paper uses 1.0).
        rho: the decay of both averages.
        epsilon: added inside the square roots.
        **kwargs: the `Optimizer` arguments.

    Example:
        >>> import flowgrad as tf
        >>> w = tf.Variable(1.0)
        >>> _ = tf.keras.optimizers.Adadelta(1.0).apply_gradients([(tf.constant(1.0), w)])
        >>> float(w) < 1.0
        True
    """

    _SLOTS = (("accumulated_grad", "_accumulated_grads"),
              ("accumulated_delta_var", "_accumulated_delta_vars"))

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.rho = rho
        self.epsilon = 1e-7 if epsilon is None else epsilon   # None: tf.keras 2.x's default
        self._accumulated_grads, self._accumulated_delta_vars = [], []

    def build(self, var_list):
        """Creates "accumulated_grad" and "accumulated_delta_var" states per variable."""
        new = super().build(var_list)
        if new:
            ag, ad = self.add_optimizer_variables(
                new, ["accumulated_grad", "accumulated_delta_var"])
            self._accumulated_grads += ag
            self._accumulated_delta_vars += ad
        return new

    def _coefficients(self, learning_rate, dtype):
        return (_m.cast(learning_rate, dtype),) + _constants(
            dtype, self.rho, 1.0 - self.rho, self.epsilon)

    def _update(self, g, w, i, coefficients):
        lr, rho, one_minus_rho, eps = coefficients
        acc_g, acc_d = self._accumulated_grads[i], self._accumulated_delta_vars[i]
        acc_g.assign(_add(_mul(acc_g.read_value(), rho), _mul(_m.square(g), one_minus_rho)))
        d = acc_d.read_value()
        # The step before its sign: sqrt(D + eps) / sqrt(G + eps) * g.
        delta = _div(_mul(_m.sqrt(_add(d, eps)), g), _m.sqrt(_add(acc_g.read_value(), eps)))
        acc_d.assign(_add(_mul(d, rho), _mul(_m.square(delta), one_minus_rho)))
        w.assign_sub(_mul(lr, delta))

    def get_config(self):
        config = super().get_config()
        config.update(rho=self.rho, epsilon=self.epsilon)
        return config
