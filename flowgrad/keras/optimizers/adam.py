"""The Adam family: Adam (with AMSGrad), AdamW, Adamax and Nadam."""

from ...ops import math_ops as _m
from .base import Optimizer, _constants

_add, _sub, _mul, _div = _m.add, _m.subtract, _m.multiply, _m.truediv


def _local_step(optimizer, dtype):
    """`iterations + 1` as a `dtype` scalar (the step count after this update)."""
    return _m.cast(optimizer.iterations, dtype) + 1.0


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015), with Keras' epsilon placement (`tf.keras.optimizers.Adam`).

    Per step t (1-based): `alpha = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)`,
    `m += (g - m) * (1 - beta_1)`, `v += (g^2 - v) * (1 - beta_2)`,
    `w -= alpha * m / (sqrt(v) + epsilon)`; with `amsgrad`, `v_hat = max(v_hat, v)` replaces v
    in the last step.

    Args:
        learning_rate: a float, a `LearningRateSchedule` or a callable; default 0.001.
        beta_1: the first moment's decay.
        beta_2: the second moment's decay.
        epsilon: added to the denominator.
        amsgrad: whether to use the AMSGrad variant.
        **kwargs: the `Optimizer` arguments (weight_decay, clipnorm, use_ema, name, ...).

    Example:
        >>> import flowgrad as tf
        >>> w = tf.Variable([1.0, 2.0])
        >>> opt = tf.keras.optimizers.Adam(learning_rate=0.1)
        >>> _ = opt.apply_gradients([(tf.constant([0.5, -2.0]), w)])
        >>> [round(x, 4) for x in w.numpy().tolist()]   # first step: w -= lr * sign(g)
        [0.9, 2.1]
    """

    _SLOTS = (("momentum", "_momentums"), ("velocity", "_velocities"),
              ("velocity_hat", "_velocity_hats"))
    _SLOT_ALIASES = {"m": "momentum", "v": "velocity", "vhat": "velocity_hat"}

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = 1e-7 if epsilon is None else epsilon   # None: tf.keras 2.x's default
        self.amsgrad = amsgrad
        self._momentums, self._velocities, self._velocity_hats = [], [], []

    def build(self, var_list):
        """Creates "momentum" and "velocity" states per variable (and "velocity_hat" with
        `amsgrad`), in Keras 3's order."""
        new = super().build(var_list)
        if new:
            m, v = self.add_optimizer_variables(new, ["momentum", "velocity"])
            self._momentums += m
            self._velocities += v
            if self.amsgrad:
                self._velocity_hats += self.add_optimizer_variables(new, "velocity_hat")
        return new

    def _coefficients(self, learning_rate, dtype):
        t = _local_step(self, dtype)
        lr = _m.cast(learning_rate, dtype)
        alpha = lr * _m.sqrt(1.0 - _m.pow(self.beta_2, t)) / (1.0 - _m.pow(self.beta_1, t))
        return (alpha,) + _constants(dtype, 1.0 - self.beta_1, 1.0 - self.beta_2, self.epsilon)

    def _update(self, g, w, i, coefficients):
        alpha, one_minus_beta_1, one_minus_beta_2, epsilon = coefficients
        m, v = self._momentums[i], self._velocities[i]
        m.assign_add(_mul(_sub(g, m.read_value()), one_minus_beta_1))
        v.assign_add(_mul(_sub(_m.square(g), v.read_value()), one_minus_beta_2))
        if self.amsgrad:
            v_hat = self._velocity_hats[i]
            v_hat.assign(_m.maximum(v_hat.read_value(), v.read_value()))
            v = v_hat
        w.assign_sub(_div(_mul(m.read_value(), alpha), _add(_m.sqrt(v.read_value()), epsilon)))

    def get_config(self):
        config = super().get_config()
        config.update(beta_1=self.beta_1, beta_2=self.beta_2, epsilon=self.epsilon,
                      amsgrad=self.amsgrad)
        return config


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019): each step first does
    `w -= w * weight_decay * lr`, then the Adam update.

    Args:
        learning_rate: default 0.001.
        weight_decay: the decay factor; default 0.004.
        beta_1, beta_2, epsilon, amsgrad: as in `Adam`.
        **kwargs: the `Optimizer` arguments.

    Raises:
        ValueError: `weight_decay` is None.

    Example:
        >>> import flowgrad as tf
        >>> opt = tf.keras.optimizers.AdamW(learning_rate=0.01)
        >>> opt.weight_decay
        0.004
    """

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, amsgrad=False, **kwargs):
        if weight_decay is None:
            raise ValueError("Argument `weight_decay` must be a float. Received: "
                             "weight_decay=None")
        super().__init__(learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon,
                         amsgrad=amsgrad, weight_decay=weight_decay, **kwargs)


class Adamax(Optimizer):
    """Adamax: Adam with the infinity norm (`tf.keras.optimizers.Adamax`).

    `m += (g - m) * (1 - beta_1)`, `u = max(beta_2 * u, |g|)`,
    `w -= lr / (1 - beta_1^t) * m / (u + epsilon)`.

    Args:
        learning_rate: default 0.001.
        beta_1: the first moment's decay.
        beta_2: the infinity norm's decay.
        epsilon: added to the denominator.
        **kwargs: the `Optimizer` arguments.

    Example:
        >>> import flowgrad as tf
        >>> w = tf.Variable(1.0)
        >>> _ = tf.keras.optimizers.Adamax(0.1).apply_gradients([(tf.constant(3.0), w)])
        >>> round(float(w), 4)
        0.9
    """

    _SLOTS = (("momentum", "_m"), ("norm", "_u"))
    _SLOT_ALIASES = {"m": "momentum", "u": "norm"}

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = 1e-7 if epsilon is None else epsilon   # None: tf.keras 2.x's default
        self._m, self._u = [], []

    def build(self, var_list):
        """Creates "momentum" and "norm" states per variable."""
        new = super().build(var_list)
        if new:
            m, u = self.add_optimizer_variables(new, ["momentum", "norm"])
            self._m += m
            self._u += u
        return new

    def _coefficients(self, learning_rate, dtype):
        t = _local_step(self, dtype)
        step_size = _m.cast(learning_rate, dtype) / (1.0 - _m.pow(self.beta_1, t))
        return (step_size,) + _constants(dtype, 1.0 - self.beta_1, self.beta_2, self.epsilon)

    def _update(self, g, w, i, coefficients):
        step_size, one_minus_beta_1, beta_2, epsilon = coefficients
        m, u = self._m[i], self._u[i]
        m.assign_add(_mul(_sub(g, m.read_value()), one_minus_beta_1))
        u.assign(_m.maximum(_mul(u.read_value(), beta_2), _m.abs(g)))
        w.assign_sub(_div(_mul(m.read_value(), step_size), _add(u.read_value(), epsilon)))

    def get_config(self):
        config = super().get_config()
        config.update(beta_1=self.beta_1, beta_2=self.beta_2, epsilon=self.epsilon)
        return config


class Nadam(Optimizer):
    """Nadam: Adam with Nesterov momentum (Dozat, 2016), with Keras' momentum schedule.

    With `u_t = beta_1 * (1 - 0.5 * 0.96^t)` and `U_t = u_1 * ... * u_t` (kept in a state
    variable): `m += (g - m) * (1 - beta_1)`, `v += (g^2 - v) * (1 - beta_2)`,
    `m_hat = u_{t+1} * m / (1 - U_t * u_{t+1}) + (1 - u_t) * g / (1 - U_t)`,
    `v_hat = v / (1 - beta_2^t)`, `w -= lr * m_hat / (sqrt(v_hat) + epsilon)`.

    Args:
        learning_rate: default 0.001.
        beta_1, beta_2, epsilon: as in `Adam`.
        **kwargs: the `Optimizer` arguments.

    Example:
        >>> import flowgrad as tf
        >>> w = tf.Variable(1.0)
        >>> _ = tf.keras.optimizers.Nadam(0.1).apply_gradients([(tf.constant(1.0), w)])
        >>> float(w) < 1.0
        True
    """

    _SLOTS = (("momentum", "_momentums"), ("velocity", "_velocities"))
    _SLOT_ALIASES = {"m": "momentum", "v": "velocity"}

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = 1e-7 if epsilon is None else epsilon   # None: tf.keras 2.x's default
        self._momentums, self._velocities = [], []
        self._u_product = None

    def build(self, var_list):
        """Creates "momentum" and "velocity" states per variable, and the running product of
        the momentum schedule (one scalar, listed after them as in Keras 3)."""
        new = super().build(var_list)
        if new:
            m, v = self.add_optimizer_variables(new, ["momentum", "velocity"])
            self._momentums += m
            self._velocities += v
            if self._u_product is None:
                self._u_product = self.add_variable((), initializer="ones",
                                                    dtype=new[0].dtype, name="u_product")
        return new

    def _backend_update_step(self, grads, variables, learning_rate):
        # The product of the momentum schedule advances once per step, before the updates.
        u = self._u_product
        t = _local_step(self, u.dtype)
        u.assign(u * self.beta_1 * (1.0 - 0.5 * _m.pow(0.96, t)))
        super()._backend_update_step(grads, variables, learning_rate)

    def _coefficients(self, learning_rate, dtype):
        t = _local_step(self, dtype)
        decay_t = _m.pow(0.96, t)
        u_t = self.beta_1 * (1.0 - 0.5 * decay_t)
        u_next = self.beta_1 * (1.0 - 0.5 * (decay_t * 0.96))
        u_prod = _m.cast(self._u_product, dtype)
        m_scale = u_next / (1.0 - u_prod * u_next)
        g_scale = (1.0 - u_t) / (1.0 - u_prod)
        v_scale = 1.0 - _m.pow(self.beta_2, t)
        return (_m.cast(learning_rate, dtype), m_scale, g_scale, v_scale) + _constants(
            dtype, 1.0 - self.beta_1, 1.0 - self.beta_2, self.epsilon)

    def _update(self, g, w, i, coefficients):
        lr, m_scale, g_scale, v_scale, one_minus_beta_1, one_minus_beta_2, epsilon = coefficients
        m, v = self._momentums[i], self._velocities[i]
        m.assign_add(_mul(_sub(g, m.read_value()), one_minus_beta_1))
        v.assign_add(_mul(_sub(_m.square(g), v.read_value()), one_minus_beta_2))
        m_hat = _add(_mul(m.read_value(), m_scale), _mul(g, g_scale))
        v_hat = _div(v.read_value(), v_scale)
        w.assign_sub(_div(_mul(m_hat, lr), _add(_m.sqrt(v_hat), epsilon)))

    def get_config(self):
        config = super().get_config()
        config.update(beta_1=self.beta_1, beta_2=self.beta_2, epsilon=self.epsilon)
        return config
