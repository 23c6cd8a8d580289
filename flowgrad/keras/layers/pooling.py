"""Pooling layers: MaxPooling1D/2D/3D, AveragePooling1D/2D/3D and the global max / average
poolings (with `keepdims`), plus Keras's short aliases (`MaxPool2D`, `GlobalAvgPool2D`, ...).

Windowed poolings run the `tf.nn` pooling ops; global poolings are reductions over the spatial
axes. None of them has weights.
"""

from ...core.tensor_shape import TensorShape
from ...ops import conv_ops, math_ops
from ..engine.base_layer import Layer
from ..engine.input_spec import InputSpec
from .convolutional import (
    _FORMATS,
    _init_with_defaults,
    _rank_checked_dims,
    conv_output_length,
    normalize_padding,
    normalize_tuple,
)
from .core import _data_format

__all__ = [
    "AveragePooling1D",
    "AveragePooling2D",
    "AveragePooling3D",
    "AvgPool1D",
    "AvgPool2D",
    "AvgPool3D",
    "GlobalAveragePooling1D",
    "GlobalAveragePooling2D",
    "GlobalAveragePooling3D",
    "GlobalAvgPool1D",
    "GlobalAvgPool2D",
    "GlobalAvgPool3D",
    "GlobalMaxPool1D",
    "GlobalMaxPool2D",
    "GlobalMaxPool3D",
    "GlobalMaxPooling1D",
    "GlobalMaxPooling2D",
    "GlobalMaxPooling3D",
    "MaxPool1D",
    "MaxPool2D",
    "MaxPool3D",
    "MaxPooling1D",
    "MaxPooling2D",
    "MaxPooling3D",
]


class _Pooling(Layer):
    """Windowed pooling over `_rank` spatial dimensions (`_kind` "max" or "avg")."""

    _rank = 2
    _kind = "max"

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        n = self._rank
        if strides is None:
            strides = pool_size
        self.pool_size = normalize_tuple(pool_size, n, "pool_size")
        self.strides = normalize_tuple(strides, n, "strides")
        self.padding = normalize_padding(padding)
        self.data_format = _data_format(data_format)
        self.input_spec = InputSpec(ndim=n + 2)

    def call(self, inputs):
        cf = self.data_format == "channels_first"
        fmt = _FORMATS[(self._rank, cf)]
        fn = {("max", 1): conv_ops.max_pool1d, ("max", 2): conv_ops.max_pool2d,
              ("max", 3): conv_ops.max_pool3d, ("avg", 1): conv_ops.avg_pool1d,
              ("avg", 2): conv_ops.avg_pool2d, ("avg", 3): conv_ops.avg_pool3d}[
                  (self._kind, self._rank)]
        return fn(inputs, self.pool_size, self.strides, self.padding.upper(), data_format=fmt)

    def compute_output_shape(self, input_shape):
        dims = _rank_checked_dims(self, input_shape)
        cf = self.data_format == "channels_first"
        spatial = dims[2:] if cf else dims[1:-1]
        out = [conv_output_length(s, k, self.padding, st)
               for s, k, st in zip(spatial, self.pool_size, self.strides)]
        if any(o is not None and o <= 0 for o in out):
            raise ValueError(
                f"Computed output size would be negative: the pooling window {self.pool_size} "
                f"(padding {self.padding!r}) is larger than the input of shape {tuple(dims)} "
                f"in {self.name}. Use padding='same' or a smaller pool_size.")
        if cf:
            return TensorShape([dims[0], dims[1]] + out)
        return TensorShape([dims[0]] + out + [dims[-1]])

    def get_config(self):
        config = super().get_config()
        config.update({"pool_size": self.pool_size, "padding": self.padding,
                       "strides": self.strides, "data_format": self.data_format})
        return config


class MaxPooling1D(_Pooling):
    """Max pooling over windows of `pool_size` steps of `(batch, steps, features)`.

    Args:
        pool_size: the window length (default 2).
        strides: the step between windows (default: `pool_size`).
        padding: `"valid"` or `"same"` (output length `ceil(steps / strides)`).
        data_format: `"channels_last"` (default) or `"channels_first"`.
    """

    _rank, _kind = 1, "max"

    __init__ = _init_with_defaults(_Pooling, pool_size=2, data_format="channels_last")


class MaxPooling2D(_Pooling):
    """Max pooling over `pool_size` windows of images.

    Args:
        pool_size: an int or `(ph, pw)` (default `(2, 2)`: halves height and width).
        strides: an int or a tuple (default: `pool_size`).
        padding: `"valid"` or `"same"`.
        data_format: `"channels_last"` (default) or `"channels_first"`.

    Example:
        >>> import flowgrad as tf
        >>> tf.keras.layers.MaxPooling2D()(tf.zeros((1, 26, 26, 32))).shape
        TensorShape([1, 13, 13, 32])
    """

    _rank, _kind = 2, "max"

    __init__ = _init_with_defaults(_Pooling, pool_size=(2, 2))


class MaxPooling3D(_Pooling):
    """Max pooling over `pool_size` windows of volumes (default `(2, 2, 2)`)."""

    _rank, _kind = 3, "max"

    __init__ = _init_with_defaults(_Pooling, pool_size=(2, 2, 2))


class AveragePooling1D(_Pooling):
    """Average pooling over windows of steps. Arguments as `MaxPooling1D`; with "same"
    padding a window averages only its elements inside the input."""

    _rank, _kind = 1, "avg"

    __init__ = _init_with_defaults(_Pooling, pool_size=2, data_format="channels_last")


class AveragePooling2D(_Pooling):
    """Average pooling over windows of images. Arguments as `MaxPooling2D`."""

    _rank, _kind = 2, "avg"

    __init__ = _init_with_defaults(_Pooling, pool_size=(2, 2))


class AveragePooling3D(_Pooling):
    """Average pooling over windows of volumes. Arguments as `MaxPooling3D`."""

    _rank, _kind = 3, "avg"

    __init__ = _init_with_defaults(_Pooling, pool_size=(2, 2, 2))


# ---------------------------------------------------------------------------------------------
class _GlobalPooling(Layer):
    """Max or mean over all spatial positions: `(batch, *spatial, C)` -> `(batch, C)` (or
    `(batch, 1, ..., 1, C)` with `keepdims=True`)."""

    _rank = 2
    _kind = "max"

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = _data_format(data_format)
        self.keepdims = bool(keepdims)
        self.input_spec = InputSpec(ndim=self._rank + 2)

    def _axes(self):
        n = self._rank
        return list(range(2, n + 2)) if self.data_format == "channels_first" else \
            list(range(1, n + 1))

    def call(self, inputs):
        reduce = math_ops.reduce_max if self._kind == "max" else math_ops.reduce_mean
        return reduce(inputs, axis=self._axes(), keepdims=self.keepdims)

    def compute_output_shape(self, input_shape):
        dims = _rank_checked_dims(self, input_shape)
        axes = self._axes()
        if self.keepdims:
            return TensorShape([1 if i in axes else d for i, d in enumerate(dims)])
        return TensorShape([d for i, d in enumerate(dims) if i not in axes])

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self):
        config = super().get_config()
        config.update({"data_format": self.data_format, "keepdims": self.keepdims})
        return config


class GlobalMaxPooling1D(_GlobalPooling):
    """The maximum over steps: `(batch, steps, features)` -> `(batch, features)`.

    Args:
        data_format: `"channels_last"` (default) or `"channels_first"`.
        keepdims: keep the reduced axis with length 1.
    """

    _rank, _kind = 1, "max"
    __init__ = _init_with_defaults(_GlobalPooling, data_format="channels_last")


class GlobalAveragePooling1D(_GlobalPooling):
    """The mean over steps: `(batch, steps, features)` -> `(batch, features)`. With a mask
    (e.g. from `Embedding(mask_zero=True)`) only the unmasked steps are averaged.

    Args:
        data_format: `"channels_last"` (default) or `"channels_first"`.
        keepdims: keep the reduced axis with length 1.
    """

    _rank, _kind = 1, "avg"

    def __init__(self, data_format="channels_last", keepdims=False, **kwargs):
        super().__init__(data_format=data_format, keepdims=keepdims, **kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        axis = self._axes()[0]
        if mask is None:
            return math_ops.reduce_mean(inputs, axis=axis, keepdims=self.keepdims)
        from ...ops import array_ops
        m = math_ops.cast(mask, inputs.dtype)
        m = array_ops.expand_dims(m, 1 if self.data_format == "channels_first" else 2)
        total = math_ops.reduce_sum(inputs * m, axis=axis, keepdims=self.keepdims)
        return total / math_ops.reduce_sum(m, axis=axis, keepdims=self.keepdims)


class GlobalMaxPooling2D(_GlobalPooling):
    """The maximum over height and width: `(batch, h, w, C)` -> `(batch, C)`.

    Args:
        data_format: `"channels_last"` (default) or `"channels_first"`.
        keepdims: keep the spatial axes with length 1 (`(batch, 1, 1, C)`).
    """

    _rank, _kind = 2, "max"


class GlobalAveragePooling2D(_GlobalPooling):
    """The mean over height and width: `(batch, h, w, C)` -> `(batch, C)` (`keepdims` keeps
    `(batch, 1, 1, C)`)."""

    _rank, _kind = 2, "avg"


class GlobalMaxPooling3D(_GlobalPooling):
    """The maximum over the three spatial axes of `(batch, d, h, w, C)`."""

    _rank, _kind = 3, "max"


class GlobalAveragePooling3D(_GlobalPooling):
    """The mean over the three spatial axes of `(batch, d, h, w, C)`."""

    _rank, _kind = 3, "avg"


# Keras's aliases
MaxPool1D = MaxPooling1D
MaxPool2D = MaxPooling2D
MaxPool3D = MaxPooling3D
AvgPool1D = AveragePooling1D
AvgPool2D = AveragePooling2D
AvgPool3D = AveragePooling3D
GlobalMaxPool1D = GlobalMaxPooling1D
GlobalMaxPool2D = GlobalMaxPooling2D
GlobalMaxPool3D = GlobalMaxPooling3D
GlobalAvgPool1D = GlobalAveragePooling1D
GlobalAvgPool2D = GlobalAveragePooling2D
GlobalAvgPool3D = GlobalAveragePooling3D
