"""Regularization by noise, active only in training: GaussianNoise, GaussianDropout,
AlphaDropout."""

import math

from ...core.tensor import Tensor
from ...ops import array_ops, math_ops, random_ops
from ..engine.base_layer import Layer


def _noise_shape(x):
    s = x.shape
    return tuple(s.as_list()) if s.is_fully_defined() else array_ops.shape(x)


def _training(training):
    return bool(training) and not isinstance(training, Tensor)


class GaussianNoise(Layer):
    """Adds zero-centered Gaussian noise of standard deviation `stddev` in training."""

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.stddev = stddev
        self.seed = seed

    def call(self, inputs, training=None):
        if _training(training) and self.stddev:
            noise = random_ops.normal(_noise_shape(inputs), mean=0.0, stddev=self.stddev,
                                      dtype=inputs.dtype, seed=self.seed)
            return inputs + noise
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"stddev": self.stddev, "seed": self.seed})
        return config


class GaussianDropout(Layer):
    """Multiplies the inputs by Gaussian noise of mean 1 and standard deviation
    `sqrt(rate / (1 - rate))` in training."""

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= rate <= 1:
            raise ValueError(f"Invalid value received for argument `rate`. Expected a float "
                             f"value between 0 and 1. Received: rate={rate}")
        self.supports_masking = True
        self.rate = rate
        self.seed = seed

    def call(self, inputs, training=None):
        if _training(training) and 0 < self.rate < 1:
            stddev = math.sqrt(self.rate / (1.0 - self.rate))
            noise = random_ops.normal(_noise_shape(inputs), mean=1.0, stddev=stddev,
                                      dtype=inputs.dtype, seed=self.seed)
            return inputs * noise
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed})
        return config


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


class AlphaDropout(Layer):
    """Dropout keeping the mean and variance of SELU activations: dropped units are set to
    `-alpha * scale` of SELU, then an affine map `a * x + b` restores the statistics."""

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= rate <= 1:
            raise ValueError(f"Invalid value received for argument `rate`. Expected a float "
                             f"value between 0 and 1. Received: rate={rate}")
        self.rate = rate
        self.noise_shape = tuple(noise_shape) if noise_shape is not None else None
        self.seed = seed
        self.supports_masking = True

    def call(self, inputs, training=None):
        if _training(training) and 0 < self.rate < 1:
            shape = _noise_shape(inputs)
            if self.noise_shape is not None:
                dims = inputs.shape.as_list()
                shape = tuple(dims[i] if d is None else d for i, d in enumerate(self.noise_shape))
            alpha_p = -_SELU_ALPHA * _SELU_SCALE
            kept = math_ops.cast(
                random_ops.uniform(shape, dtype=inputs.dtype, seed=self.seed) >= self.rate,
                inputs.dtype)
            a = ((1 - self.rate) * (1 + self.rate * alpha_p ** 2)) ** -0.5
            b = -a * alpha_p * self.rate
            x = inputs * kept + alpha_p * (1.0 - kept)
            return a * x + b
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "noise_shape": self.noise_shape, "seed": self.seed})
        return config
