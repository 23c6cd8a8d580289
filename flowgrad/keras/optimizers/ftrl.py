"""Ftrl: follow-the-regularized-leader with per-coordinate learning rates."""

from ...ops import math_ops as _m
from .base import Optimizer, _constants

_add, _sub, _mul, _div = _m.add, _m.subtract, _m.multiply, _m.truediv


class Ftrl(Optimizer):
    """FTRL-Proximal (McMahan et al., 2013) (`tf.keras.optimizers.Ftrl`).

    With `p = -learning_rate_power`: `n_new = n + g^2`,
    `z += g + 2 * l2_shrinkage * w - (n_new^p - n^p) / lr * w`,
    `w = (clip(z, -l1, l1) - z) / (n_new^p / lr + 2 * (l2 + beta / (2 * lr)))`, `n = n_new`.

    Args:
        learning_rate: default 0.001.
        learning_rate_power: <= 0; -0.5 is Adagrad-like.
        initial_accumulator_value: the accumulators' starting value (>= 0).
        l1_regularization_strength: >= 0.
        l2_regularization_strength: >= 0.
        l2_shrinkage_regularization_strength: >= 0; a magnitude penalty on the gradient.
        beta: >= 0; the "beta" of the per-coordinate learning rate.
        **kwargs: the `Optimizer` arguments.

    Raises:
        ValueError: a hyperparameter outside its range.

    Example:
        >>> import flowgrad as tf
        >>> w = tf.Variable(1.0)
        >>> _ = tf.keras.optimizers.Ftrl(0.1, l1_regularization_strength=10.0).apply_gradients(
        ...     [(tf.constant(1.0), w)])
        >>> float(w)   # a strong L1 penalty zeroes the weight
        0.0
    """

    _SLOTS = (("accumulator", "_accumulators_sq"), ("linear", "_linears"))

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5,
                 initial_accumulator_value=0.1, l1_regularization_strength=0.0,
                 l2_regularization_strength=0.0, l2_shrinkage_regularization_strength=0.0,
                 beta=0.0, **kwargs):
        checks = [("initial_accumulator_value", initial_accumulator_value),
                  ("l1_regularization_strength", l1_regularization_strength),
                  ("l2_regularization_strength", l2_regularization_strength),
                  ("l2_shrinkage_regularization_strength", l2_shrinkage_regularization_strength),
                  ("beta", beta)]
        for k, v in checks:
            if v < 0:
                raise ValueError(f"`{k}` needs to be positive or zero. Received: {k}={v}.")
        if learning_rate_power > 0:
            raise ValueError("`learning_rate_power` needs to be negative or zero. Received: "
                             f"learning_rate_power={learning_rate_power}.")
        super().__init__(learning_rate, **kwargs)
        self.learning_rate_power = learning_rate_power
        self.initial_accumulator_value = initial_accumulator_value
        self.l1_regularization_strength = l1_regularization_strength
        self.l2_regularization_strength = l2_regularization_strength
        self.l2_shrinkage_regularization_strength = l2_shrinkage_regularization_strength
        self.beta = beta
        self._accumulators_sq, self._linears = [], []

    def build(self, var_list):
        """Creates "accumulator" (filled with `initial_accumulator_value`) and "linear" states
        per variable."""
        new = super().build(var_list)
        if new:
            acc, lin = self.add_optimizer_variables(
                new, ["accumulator", "linear"],
                initializer=[float(self.initial_accumulator_value), "zeros"])
            self._accumulators_sq += acc
            self._linears += lin
        return new

    def _coefficients(self, learning_rate, dtype):
        lr = _m.cast(learning_rate, dtype)
        l2 = self.l2_regularization_strength
        if self.beta:
            two_l2 = 2.0 * (l2 + self.beta / (2.0 * lr))
        else:
            two_l2 = _constants(dtype, 2.0 * l2)[0]
        power, two_shrink = _constants(
            dtype, -self.learning_rate_power, 2.0 * self.l2_shrinkage_regularization_strength)
        return lr, two_l2, power, two_shrink

    def _power(self, x, power):
        return _m.sqrt(x) if self.learning_rate_power == -0.5 else _m.pow(x, power)

    def _update(self, g, w, i, coefficients):
        lr, two_l2, power, two_shrink = coefficients
        accum, linear = self._accumulators_sq[i], self._linears[i]
        w_t, n = w.read_value(), accum.read_value()
        new_accum = _add(n, _m.square(g))
        p_new, p_old = self._power(new_accum, power), self._power(n, power)
        grad = _add(g, _mul(w_t, two_shrink)) if self.l2_shrinkage_regularization_strength else g
        linear.assign_add(_sub(grad, _mul(_div(_sub(p_new, p_old), lr), w_t)))
        quadratic = _add(_div(p_new, lr), two_l2)
        z = linear.read_value()
        l1 = self.l1_regularization_strength
        numerator = _sub(_m.clip_by_value(z, -l1, l1), z) if l1 else _m.negative(z)
        w.assign(_div(numerator, quadratic))
        accum.assign(new_accum)

    def get_config(self):
        config = super().get_config()
        config.update(
            learning_rate_power=self.learning_rate_power,
            initial_accumulator_value=self.initial_accumulator_value,
            l1_regularization_strength=self.l1_regularization_strength,
            l2_regularization_strength=self.l2_regularization_strength,
            l2_shrinkage_regularization_strength=self.l2_shrinkage_regularization_strength,
            beta=self.beta)
        return config
