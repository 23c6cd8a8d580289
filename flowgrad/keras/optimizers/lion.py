"""Lion: sign-based updates from interpolated momentum."""

from ...ops import math_ops as _m
from .base import Optimizer, _constants


class Lion(Optimizer):
    """Lion (Chen et al., 2023): `w -= lr * sign(beta_1 * m + (1 - beta_1) * g)`, then
    `m = beta_2 * m + (1 - beta_2) * g`.

    Args:
        learning_rate: default 0.001.
        beta_1: the interpolation used for the update's sign, in (0, 1].
        beta_2: the momentum's decay.
        **kwargs: the `Optimizer` arguments.

    Raises:
        ValueError: `beta_1` outside (0, 1].

    Example:
        >>> import flowgrad as tf
        >>> w = tf.Variable([1.0, 1.0])
        >>> _ = tf.keras.optimizers.Lion(0.1).apply_gradients([(tf.constant([3.0, -0.5]), w)])
        >>> [round(x, 4) for x in w.numpy().tolist()]
        [0.9, 1.1]
    """

    _SLOTS = (("momentum", "_momentums"),)
    _SLOT_ALIASES = {"m": "momentum"}

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, **kwargs):
        if beta_1 <= 0 or beta_1 > 1:
            raise ValueError("Argument `beta_1` must be in the [0, 1] range. Otherwise, the "
                             f"optimizer degenerates to SignSGD. Received: beta_1={beta_1}.")
        super().__init__(learning_rate, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self._momentums = []

    def build(self, var_list):
        """Creates a "momentum" state per variable."""
        new = super().build(var_list)
        if new:
            self._momentums += self.add_optimizer_variables(new, "momentum")
        return new

    def _coefficients(self, learning_rate, dtype):
        return (_m.cast(learning_rate, dtype),) + _constants(
            dtype, self.beta_1, 1.0 - self.beta_1, self.beta_2, 1.0 - self.beta_2)

    def _update(self, g, w, i, coefficients):
        lr, beta_1, one_minus_beta_1, beta_2, one_minus_beta_2 = coefficients
        m = self._momentums[i].read_value()
        mix = _m.add(_m.multiply(m, beta_1), _m.multiply(g, one_minus_beta_1))
        w.assign_sub(_m.multiply(lr, _m.sign(mix)))
        self._momentums[i].assign(_m.add(_m.multiply(m, beta_2), _m.multiply(g, one_minus_beta_2)))

    def get_config(self):
        config = super().get_config()
        config.update(beta_1=self.beta_1, beta_2=self.beta_2)
        return config
