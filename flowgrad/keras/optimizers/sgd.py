"""SGD: gradient descent with optional (Nesterov) momentum."""

import numbers

from ...ops import math_ops as _m
from .base import Optimizer, _constants


class SGD(Optimizer):
    """Gradient descent with momentum (`tf.keras.optimizers.SGD`).

    Without momentum: `w -= lr * g`. With momentum:
    `m = momentum * m - lr * g`, then `w += m`, or with `nesterov=True`
    `w += momentum * m - lr * g` (using the new `m`).

    Args:
        learning_rate: a float, a `LearningRateSchedule` or a callable; default 0.01.
        momentum: a float in [0, 1]; 0 keeps no momentum state.
        nesterov: whether to use Nesterov momentum.
        **kwargs: the `Optimizer` arguments (weight_decay, clipnorm, use_ema, name, ...).

    Example:
        >>> import flowgrad as tf
        >>> w = tf.Variable(1.0)
        >>> opt = tf.keras.optimizers.SGD(learning_rate=0.1, momentum=0.9)
        >>> for _ in range(2):
        ...     _ = opt.apply_gradients([(tf.constant(1.0), w)])
        >>> round(float(w), 4)   # 1 - 0.1 - (0.9 * 0.1 + 0.1)
        0.71
    """

    _SLOTS = (("momentum", "momentums"),)

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, **kwargs):
        if isinstance(momentum, bool) or not isinstance(momentum, numbers.Real) \
                or not 0 <= momentum <= 1:
            raise ValueError(f"`momentum` must be a float between [0, 1]. Received: "
                             f"momentum={momentum!r}")
        super().__init__(learning_rate, **kwargs)
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)
        self.momentums = []

    def build(self, var_list):
        """Creates a "momentum" state per variable (only when `momentum != 0`)."""
        new = super().build(var_list)
        if new and self.momentum != 0:
            self.momentums += self.add_optimizer_variables(new, "momentum")
        return new

    def _coefficients(self, learning_rate, dtype):
        lr = _m.cast(learning_rate, dtype)
        if self.momentum == 0:
            return lr, None
        return (lr,) + _constants(dtype, self.momentum)

    def _update(self, g, w, i, coefficients):
        lr, momentum = coefficients
        if momentum is None:
            w.assign_sub(_m.multiply(g, lr))
            return
        m = self.momentums[i]
        step = _m.multiply(g, lr)
        m.assign(_m.subtract(_m.multiply(m.read_value(), momentum), step))
        if self.nesterov:
            w.assign_add(_m.subtract(_m.multiply(m.read_value(), momentum), step))
        else:
            w.assign_add(m.read_value())

    def get_config(self):
        config = super().get_config()
        config.update(momentum=self.momentum, nesterov=self.nesterov)
        return config
