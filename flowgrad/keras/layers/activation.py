"""Activation layers: ReLU, LeakyReLU, PReLU, ELU, Softmax."""

from ...core.tensor_shape import TensorShape
from ...ops import math_ops, nn_ops
from ..engine import _lookup
from ..engine.base_layer import Layer
from ..engine.input_spec import InputSpec


class ReLU(Layer):
    """Rectified linear unit with options:
    `f(x) = max_value` for `x >= max_value`, `x` for `threshold <= x < max_value`,
    `negative_slope * (x - threshold)` otherwise.
    """

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        if max_value is not None and max_value < 0.0:
            raise ValueError(f"max_value of a ReLU layer cannot be a negative value. Received: "
                             f"{max_value}")
        if negative_slope is None or negative_slope < 0.0:
            raise ValueError(f"negative_slope of a ReLU layer cannot be a negative value. "
                             f"Received: {negative_slope}")
        if threshold is None or threshold < 0.0:
            raise ValueError(f"threshold of a ReLU layer cannot be a negative value. Received: "
                             f"{threshold}")
        self.supports_masking = True
        self.max_value = max_value
        self.negative_slope = negative_slope
        self.threshold = threshold

    def call(self, inputs):
        if self.max_value is None and not self.negative_slope and not self.threshold:
            return nn_ops.relu(inputs)
        x = inputs
        dt = x.dtype
        if self.threshold:
            active = math_ops.cast(math_ops.greater_equal(x, self.threshold), dt)
            out = x * active
        else:
            out = nn_ops.relu(x)
        if self.max_value is not None:
            out = math_ops.minimum(out, math_ops.cast(self.max_value, dt))
        if self.negative_slope:
            below = math_ops.cast(math_ops.less(x, self.threshold), dt)
            out = out + self.negative_slope * (x - self.threshold) * below
        return out

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"max_value": self.max_value, "negative_slope": self.negative_slope,
                       "threshold": self.threshold})
        return config


class LeakyReLU(Layer):
    """`f(x) = alpha * x` for `x < 0`, `x` otherwise (`alpha` 0.3 by default; Keras 3's
    `negative_slope` is accepted too)."""

    def __init__(self, alpha=None, negative_slope=None, **kwargs):
        super().__init__(**kwargs)
        if alpha is None:
            alpha = 0.3 if negative_slope is None else negative_slope
        if alpha is None or alpha < 0:
            raise ValueError(f"The alpha value of a Leaky ReLU layer cannot be None or negative, "
                             f"needs to be a float. Received: {alpha}")
        self.supports_masking = True
        self.alpha = float(alpha)

    @property
    def negative_slope(self):
        return self.alpha

    def call(self, inputs):
        return nn_ops.leaky_relu(inputs, alpha=self.alpha)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["alpha"] = self.alpha
        return config


class PReLU(Layer):
    """Parametric ReLU: `f(x) = x` for `x >= 0`, `alpha * x` otherwise, with a learned
    `alpha` of the input's sample shape (size 1 along `shared_axes`, 1-based with the batch
    axis at 0)."""

    def __init__(self, alpha_initializer="zeros", alpha_regularizer=None, alpha_constraint=None,
                 shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.alpha_initializer = _lookup.get_initializer(alpha_initializer)
        self.alpha_regularizer = _lookup.get_regularizer(alpha_regularizer)
        self.alpha_constraint = _lookup.get_constraint(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        elif isinstance(shared_axes, (list, tuple)):
            self.shared_axes = list(shared_axes)
        else:
            self.shared_axes = [shared_axes]

    def build(self, input_shape):
        input_shape = TensorShape(input_shape)
        dims = input_shape.as_list()
        param_shape = list(dims[1:])
        if self.shared_axes is not None:
            for i in self.shared_axes:
                param_shape[i - 1] = 1
        if any(d is None for d in param_shape):
            raise ValueError(f"PReLU {self.name!r}: the input dims {dims[1:]} must be known "
                             "(or listed in shared_axes).")
        self.alpha = self.add_weight("alpha", shape=param_shape,
                                     initializer=self.alpha_initializer,
                                     regularizer=self.alpha_regularizer,
                                     constraint=self.alpha_constraint)
        axes = {}
        if self.shared_axes:
            for i in range(1, len(dims)):
                if i not in self.shared_axes:
                    axes[i] = dims[i]
        else:
            axes = {i: dims[i] for i in range(1, len(dims))}
        self.input_spec = InputSpec(ndim=len(dims), axes=axes)
        self.built = True

    def call(self, inputs):
        alpha = self.alpha
        if alpha.dtype != inputs.dtype:
            alpha = math_ops.cast(alpha, inputs.dtype)
        pos = nn_ops.relu(inputs)
        neg = -alpha * nn_ops.relu(-inputs)
        return pos + neg

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({
            "alpha_initializer": _lookup.serialize_initializer(self.alpha_initializer),
            "alpha_regularizer": _lookup.serialize_regularizer(self.alpha_regularizer),
            "alpha_constraint": _lookup.serialize_constraint(self.alpha_constraint),
            "shared_axes": self.shared_axes})
        return config


class ELU(Layer):
    """Exponential linear unit: `x` for `x > 0`, `alpha * (exp(x) - 1)` otherwise."""

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        if alpha is None:
            raise ValueError(f"Alpha of an ELU layer cannot be None, expecting a float. "
                             f"Received: {alpha}")
        self.supports_masking = True
        self.alpha = float(alpha)

    def call(self, inputs):
        res = nn_ops.elu(inputs)
        if self.alpha == 1.0:
            return res
        return math_ops.where(inputs > 0, res, self.alpha * res)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["alpha"] = self.alpha
        return config


def _large_negative(dtype):
    return -65500.0 if dtype.name == "float16" else -1e9


class Softmax(Layer):
    """Softmax over `axis` (an int or a list of ints). With a mask (`call(x, mask)`), masked
    positions get a large negative logit, so they receive ~0 probability."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.axis = axis

    def call(self, inputs, mask=None):
        if mask is not None:
            adder = (1.0 - math_ops.cast(mask, inputs.dtype)) * _large_negative(inputs.dtype)
            inputs = inputs + adder
        if isinstance(self.axis, (tuple, list)):
            if len(self.axis) > 1:
                return math_ops.exp(inputs - math_ops.reduce_logsumexp(
                    inputs, axis=list(self.axis), keepdims=True))
            return nn_ops.softmax(inputs, axis=self.axis[0])
        return nn_ops.softmax(inputs, axis=self.axis)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config
