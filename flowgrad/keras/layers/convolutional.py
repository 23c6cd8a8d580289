"""Convolution layers: Conv1D/2D/3D, their transposes, DepthwiseConv1D/2D and
SeparableConv1D/2D.

Every layer computes with the `tf.nn` convolution ops (flowgrad/ops/conv_ops.py), so it runs the
same eagerly, under a GradientTape and inside `tf.function` (where the batch dimension, and for
most layers the spatial ones, may be unknown: shapes that matter at run time are read with
shape ops, never baked in).

Weights use the Keras names, shapes and order:

* `ConvND`: `kernel` `(*kernel_size, in_channels // groups, filters)`, `bias` `(filters,)`;
* `ConvNDTranspose`: `kernel` `(*kernel_size, filters, in_channels)`, `bias`;
* `DepthwiseConvND`: `depthwise_kernel` `(*kernel_size, in_channels, depth_multiplier)`,
  `bias` `(in_channels * depth_multiplier,)`;
* `SeparableConvND`: `depthwise_kernel`, `pointwise_kernel` `(*ones, in_channels *
  depth_multiplier, filters)`, `bias` `(filters,)`.
"""

import inspect

import numpy as np

from ...core.tensor_shape import TensorShape
from ...ops import array_ops, conv_ops, indexing_ops, math_ops, nn_ops
from ..engine import _lookup
from ..engine.base_layer import Layer
from ..engine.input_spec import InputSpec
from .core import _data_format, _is_linear

__all__ = [
    "Conv1D",
    "Conv1DTranspose",
    "Conv2D",
    "Conv2DTranspose",
    "Conv3D",
    "Conv3DTranspose",
    "Convolution1D",
    "Convolution1DTranspose",
    "Convolution2D",
    "Convolution2DTranspose",
    "Convolution3D",
    "Convolution3DTranspose",
    "DepthwiseConv1D",
    "DepthwiseConv2D",
    "SeparableConv1D",
    "SeparableConv2D",
    "SeparableConvolution1D",
    "SeparableConvolution2D",
]

_FORMATS = {(1, False): "NWC", (1, True): "NCW", (2, False): "NHWC", (2, True): "NCHW",
            (3, False): "NDHWC", (3, True): "NCDHW"}


# ---------------------------------------------------------------------------------------------
# argument helpers (shared with pooling.py and reshaping.py)
# ---------------------------------------------------------------------------------------------
def normalize_tuple(value, n, name, allow_zero=False):
    """An int or an iterable of `n` ints as a tuple of `n` ints (all positive, or >= 0 with
    `allow_zero`)."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        out = (int(value),) * n
    else:
        try:
            out = tuple(value)
        except TypeError:
            raise ValueError(f"The `{name}` argument must be a tuple of {n} integers. Received: "
                             f"{name}={value!r}") from None
        if len(out) != n:
            raise ValueError(f"The `{name}` argument must be a tuple of {n} integers. Received: "
                             f"{name}={value!r} (length {len(out)})")
        try:
            out = tuple(int(v) for v in out)
        except (TypeError, ValueError):
            raise ValueError(f"The `{name}` argument must be a tuple of {n} integers. Received: "
                             f"{name}={value!r}, including elements that are not "
                             "integers") from None
    bad = [v for v in out if (v < 0 if allow_zero else v <= 0)]
    if bad:
        req = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"The `{name}` argument must be a tuple of {n} integers {req}. "
                         f"Received: {name}={value!r}, including {bad}")
    return out


def normalize_padding(value, allowed=("valid", "same")):
    """'valid' / 'same' (/ 'causal'), any case, as a lowercase string."""
    p = value.lower() if isinstance(value, str) else value
    if p not in allowed:
        names = ", ".join(f'"{a}"' for a in allowed)
        raise ValueError(f"The `padding` argument must be one of {names}. Received: "
                         f"padding={value!r}")
    return p


def conv_output_length(length, filter_size, padding, stride, dilation=1):
    """The output length of a convolution or pooling along one dimension (None stays None)."""
    if length is None:
        return None
    eff = (filter_size - 1) * dilation + 1
    if padding in ("same", "causal"):
        out = length
    elif padding == "full":
        out = length + eff - 1
    else:
        out = length - eff + 1
    return (out + stride - 1) // stride


def deconv_output_length(length, filter_size, padding, output_padding=None, stride=1,
                         dilation=1):
    """The output length of a transposed convolution along one dimension (None stays None):
    the largest input of the forward convolution that gives `length` (plus `output_padding`
    when given)."""
    if length is None:
        return None
    eff = (filter_size - 1) * dilation + 1
    if output_padding is None:
        if padding == "valid":
            return length * stride + max(eff - stride, 0)
        if padding == "full":
            return length * stride - (stride + eff - 2)
        return length * stride
    pad = {"same": eff // 2, "valid": 0, "full": eff - 1}[padding]
    return (length - 1) * stride + eff - 2 * pad + output_padding


def _dyn_dim(x, axis):
    """Dimension `axis` of `x`: a Python int when known, else a scalar int32 shape tensor."""
    d = x.shape[axis]
    if d is not None:
        return int(d)
    return array_ops.shape(x)[axis]


def _cast_var(var, dtype):
    """A variable read in the compute dtype (mixed precision keeps float32 variables)."""
    return math_ops.cast(var, dtype) if var.dtype != dtype else var


def _shape_list(input_shape):
    s = TensorShape(input_shape)
    if s.rank is None:
        raise ValueError(f"The input shape must have a known rank, got {input_shape!r}.")
    return s.as_list()


def _named_args(fn, local_vars):
    """The named parameters of `fn` (not self, *args or **kwargs) that a caller's `locals()`
    holds, as keyword arguments: how a layer forwards its arguments to a base or a cell."""
    params = inspect.signature(fn).parameters
    return {k: local_vars[k] for k, p in params.items()
            if k != "self" and k in local_vars and p.kind in (p.POSITIONAL_OR_KEYWORD,
                                                              p.KEYWORD_ONLY)}


def _rank_checked_dims(layer, input_shape):
    """`input_shape` as a list, which must have the layer's `_rank` + 2 dimensions."""
    dims = _shape_list(input_shape)
    if len(dims) != layer._rank + 2:
        raise ValueError(f"{type(layer).__name__} expects inputs of rank {layer._rank + 2}, "
                         f"received input_shape={tuple(dims)}")
    return dims


def _init_with_defaults(base, **defaults):
    """An `__init__` taking `base.__init__`'s arguments, in the same order, with some defaults
    changed (e.g. `strides=(1, 1)`, or `data_format="channels_last"` for the 1-D layers); it
    forwards to `base.__init__`. Its signature (what `inspect`, `get_config` and deserializing
    see) is the public class's own."""
    sig = inspect.signature(base.__init__)
    names = list(sig.parameters)[1:]  # without self
    sig = sig.replace(parameters=[p.replace(default=defaults[n]) if n in defaults else p
                                  for n, p in sig.parameters.items()])

    def __init__(self, *args, **kwargs):
        given = set(names[:len(args)]) | set(kwargs)
        kwargs.update({k: v for k, v in defaults.items() if k not in given})
        base.__init__(self, *args, **kwargs)

    __init__.__signature__ = sig
    return __init__


# ---------------------------------------------------------------------------------------------
class _Conv(Layer):
    """The N-D convolution base (`Conv1D`, `Conv2D`, `Conv3D` set the rank)."""

    _rank = 2
    _causal_ok = False

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        rank = self._rank
        if filters is not None:
            if isinstance(filters, float) and filters == int(filters):
                filters = int(filters)
            if not isinstance(filters, (int, np.integer)) or isinstance(filters, bool) or \
                    filters <= 0:
                raise ValueError(f"Invalid value for argument `filters`. Expected a strictly "
                                 f"positive integer. Received filters={filters!r}")
            filters = int(filters)
        self.filters = filters
        self.groups = int(groups or 1)
        if self.groups <= 0:
            raise ValueError(f"The number of groups must be a positive integer. Received: "
                             f"groups={groups!r}")
        if filters is not None and filters % self.groups:
            raise ValueError(f"The number of filters must be evenly divisible by the number of "
                             f"groups. Received: groups={self.groups}, filters={filters}")
        self.kernel_size = normalize_tuple(kernel_size, rank, "kernel_size")
        self.strides = normalize_tuple(strides, rank, "strides")
        allowed = ("valid", "same", "causal") if self._causal_ok else ("valid", "same")
        if isinstance(padding, str) and padding.lower() == "causal" and not self._causal_ok:
            raise ValueError(f"Causal padding is only supported for `Conv1D` and "
                             f"`SeparableConv1D`, not {type(self).__name__}. Received: "
                             f"padding={padding!r}")
        self.padding = normalize_padding(padding, allowed)
        self.data_format = _data_format(data_format)
        self.dilation_rate = normalize_tuple(dilation_rate, rank, "dilation_rate")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"`strides > 1` not supported in conjunction with "
                             f"`dilation_rate > 1`. Received: strides={self.strides} and "
                             f"dilation_rate={self.dilation_rate}")
        self.activation = _lookup.get_activation(activation)
        self.use_bias = bool(use_bias)
        self._set_weight_args("kernel", kernel_initializer, kernel_regularizer, kernel_constraint)
        self._set_weight_args("bias", bias_initializer, bias_regularizer, bias_constraint)
        self.input_spec = InputSpec(min_ndim=rank + 2)

    # -- shapes ---------------------------------------------------------------------------
    @property
    def _channel_axis(self):
        return 1 if self.data_format == "channels_first" else -1

    @property
    def _op_format(self):
        return _FORMATS[(self._rank, self.data_format == "channels_first")]

    def _spatial(self, dims):
        return dims[2:] if self.data_format == "channels_first" else dims[1:-1]

    def _assemble(self, batch, spatial, channels):
        if self.data_format == "channels_first":
            return [batch, channels] + list(spatial)
        return [batch] + list(spatial) + [channels]

    def _input_channels(self, input_shape):
        dims = _shape_list(input_shape)
        if len(dims) < self._rank + 2:
            raise ValueError(f"Input {len(dims) - 1}-D samples to {type(self).__name__} "
                             f"{self.name!r}: expected rank {self._rank + 2} inputs (batch, "
                             f"{self._rank} spatial dims, channels), received input_shape="
                             f"{tuple(dims)}")
        c = dims[self._channel_axis]
        if c is None:
            raise ValueError(f"The channel dimension of the inputs should be defined. The "
                             f"input_shape received is {tuple(dims)}, where axis "
                             f"{self._channel_axis} is the channel dimension, which found to "
                             "be `None`.")
        return dims, int(c)

    def _out_spatial(self, spatial):
        return [conv_output_length(n, k, self.padding, s, d) for n, k, s, d in
                zip(spatial, self.kernel_size, self.strides, self.dilation_rate)]

    def _out_channels(self, in_channels):
        return self.filters

    def compute_output_shape(self, input_shape):
        dims = _rank_checked_dims(self, input_shape)
        out = self._out_spatial(self._spatial(dims))
        if any(o is not None and o <= 0 for o in out):
            raise ValueError(
                f"One of the dimensions in the output is <= 0 due to downsampling in "
                f"{self.name}. Consider increasing the input size. Received input shape "
                f"{tuple(dims)} which would produce output shape with a zero or negative "
                f"value in a dimension.")
        c = dims[self._channel_axis]
        return TensorShape(self._assemble(dims[0], out, self._out_channels(c)))

    # -- weights ----------------------------------------------------------------------------
    def build(self, input_shape):
        dims, c = self._input_channels(input_shape)
        if c % self.groups:
            raise ValueError(f"The number of input channels must be evenly divisible by the "
                             f"number of groups. Received groups={self.groups}, but the input "
                             f"has {c} channels (full input shape is {tuple(dims)}).")
        self.compute_output_shape(dims)  # negative output sizes fail early, naming the layer
        self.kernel = self._add_kernel("kernel", c // self.groups, self.filters)
        self._finish_build(c, self.filters)

    def _set_weight_args(self, part, initializer, regularizer, constraint):
        """`<part>_initializer`, `<part>_regularizer` and `<part>_constraint`, looked up."""
        setattr(self, f"{part}_initializer", _lookup.get_initializer(initializer))
        setattr(self, f"{part}_regularizer", _lookup.get_regularizer(regularizer))
        setattr(self, f"{part}_constraint", _lookup.get_constraint(constraint))

    def _weight_config(self, part):
        return {f"{part}_initializer": _lookup.serialize_initializer(
                    getattr(self, f"{part}_initializer")),
                f"{part}_regularizer": _lookup.serialize_regularizer(
                    getattr(self, f"{part}_regularizer")),
                f"{part}_constraint": _lookup.serialize_constraint(
                    getattr(self, f"{part}_constraint"))}

    def _add_kernel(self, name, *last_dims, part=None, spatial=None):
        """The weight `name` of shape `(*spatial, *last_dims)` (spatial: the kernel size), with
        the `<part>_initializer` / `_regularizer` / `_constraint` (part: the name)."""
        part = part or name
        return self.add_weight(
            name, shape=tuple(spatial or self.kernel_size) + last_dims,
            initializer=getattr(self, f"{part}_initializer"),
            regularizer=getattr(self, f"{part}_regularizer"),
            constraint=getattr(self, f"{part}_constraint"), dtype=self.dtype, trainable=True)

    def _finish_build(self, c, bias_units, exact_rank=False):
        """The bias (`use_bias`), the input spec pinning the `c` channels, `built`."""
        self.bias = self._add_kernel("bias", spatial=(bias_units,)) if self.use_bias else None
        rank = {"ndim" if exact_rank else "min_ndim": self._rank + 2}
        self.input_spec = InputSpec(**rank, axes={self._channel_axis: c})
        self.built = True

    # -- call ------------------------------------------------------------------------------
    def _causal_pad(self, x):
        left = self.dilation_rate[0] * (self.kernel_size[0] - 1)
        if not left:
            return x
        pads = [[0, 0], [0, 0], [left, 0]] if self.data_format == "channels_first" else \
            [[0, 0], [left, 0], [0, 0]]
        return indexing_ops.pad(x, pads)

    def _op_padding(self):
        return "VALID" if self.padding == "causal" else self.padding.upper()

    def _convolve(self, x, dt):
        kernel = _cast_var(self.kernel, dt)
        fn = {1: conv_ops.conv1d, 2: conv_ops.conv2d, 3: conv_ops.conv3d}[self._rank]
        return fn(x, kernel, self.strides, self._op_padding(), data_format=self._op_format,
                  dilations=self.dilation_rate)

    def _finish(self, outputs, dt):
        if self.use_bias:
            outputs = nn_ops.bias_add(outputs, _cast_var(self.bias, dt),
                                      data_format=self._op_format)
        if not _is_linear(self.activation):
            outputs = self.activation(outputs)
        return outputs

    def call(self, inputs):
        dt = self._compute_dtype_obj
        if inputs.dtype != dt:
            inputs = math_ops.cast(inputs, dt)
        if self.padding == "causal":
            inputs = self._causal_pad(inputs)
        return self._finish(self._convolve(inputs, dt), dt)

    # -- config ------------------------------------------------------------------------------
    def _base_config(self):
        config = super().get_config()
        config.update({
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
        })
        return config

    def _tail_config(self):
        return {
            "activation": _lookup.serialize_activation(self.activation),
            "use_bias": self.use_bias,
            "bias_initializer": _lookup.serialize_initializer(self.bias_initializer),
            "bias_regularizer": _lookup.serialize_regularizer(self.bias_regularizer),
            "activity_regularizer": _lookup.serialize_regularizer(self.activity_regularizer),
            "bias_constraint": _lookup.serialize_constraint(self.bias_constraint),
        }

    def _filters_config(self):
        """`_base_config` with `filters` after the Layer entries, as Keras orders it."""
        config = self._base_config()
        return {**{k: config[k] for k in ("name", "trainable", "dtype") if k in config},
                "filters": self.filters, **config}

    def get_config(self):
        config = self._filters_config()
        config["groups"] = self.groups
        config.update(self._tail_config())
        config.update(self._weight_config("kernel"))
        return config


class Conv1D(_Conv):
    """1-D convolution over `(batch, steps, channels)` (or `(batch, channels, steps)` with
    `data_format="channels_first"`): `activation(conv1d(inputs, kernel) + bias)`.

    Args:
        filters: the number of output channels.
        kernel_size: the window length (an int or a 1-tuple).
        strides: the stride (default 1).
        padding: `"valid"` (no padding), `"same"` (output length `ceil(steps / stride)`) or
            `"causal"` (zeros on the left only, so output t sees inputs up to t).
        data_format: `"channels_last"` (default) or `"channels_first"`.
        dilation_rate: the spacing of the kernel taps (strides and dilation cannot both
            exceed 1).
        groups: split the input channels into this many groups convolved separately
            (`filters` and the input channels must be divisible by it).
        activation, use_bias, kernel_* / bias_* initializers, regularizers and constraints,
        activity_regularizer: as in `Dense`.

    Weights: `kernel` `(kernel_size, in_channels // groups, filters)`, `bias` `(filters,)`.
    """

    _rank = 1
    _causal_ok = True

    __init__ = _init_with_defaults(_Conv, data_format="channels_last")


class Conv2D(_Conv):
    """2-D convolution over images `(batch, height, width, channels)` (or channels first):
    `activation(conv2d(inputs, kernel) + bias)`.

    Args:
        filters: the number of output channels.
        kernel_size: an int or a tuple `(kh, kw)`.
        strides: an int or `(sh, sw)` (default 1).
        padding: `"valid"` or `"same"` (output size `ceil(size / stride)`).
        data_format: `"channels_last"` (default: `keras.backend.image_data_format()`) or
            `"channels_first"`.
        dilation_rate: an int or a tuple; strides and dilation cannot both exceed 1.
        groups: grouped convolution (input channels and filters divisible by it).
        activation, use_bias, kernel_* / bias_* initializers, regularizers and constraints,
        activity_regularizer: as in `Dense`.

    Weights: `kernel` `(kh, kw, in_channels // groups, filters)`, `bias` `(filters,)`.

    Example:
        >>> import flowgrad as tf
        >>> layer = tf.keras.layers.Conv2D(32, (3, 3), activation="relu")
        >>> layer(tf.zeros((4, 28, 28, 1))).shape
        TensorShape([4, 26, 26, 32])
        >>> layer.count_params()
        320
    """

    _rank = 2

    __init__ = _init_with_defaults(_Conv, strides=(1, 1), dilation_rate=(1, 1))


class Conv3D(_Conv):
    """3-D convolution over volumes `(batch, depth, height, width, channels)` (or channels
    first). Arguments as in `Conv2D`, with 3-tuples.

    Weights: `kernel` `(kd, kh, kw, in_channels // groups, filters)`, `bias` `(filters,)`.
    """

    _rank = 3

    __init__ = _init_with_defaults(_Conv, strides=(1, 1, 1), dilation_rate=(1, 1, 1))


# ---------------------------------------------------------------------------------------------
class _ConvTranspose(_Conv):
    """The transposed-convolution base: the gradient of a convolution with respect to its
    input, used to upsample (`Conv2DTranspose(f, 3, strides=2, padding="same")` doubles the
    height and width)."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        groups = kwargs.pop("groups", 1)
        if groups not in (1, None):
            raise ValueError(f"{type(self).__name__} does not support grouped convolutions. "
                             f"Received: groups={groups!r}")
        super().__init__(**_named_args(_Conv.__init__, locals()), **kwargs)
        if output_padding is not None:
            output_padding = normalize_tuple(output_padding, self._rank, "output_padding",
                                             allow_zero=True)
            for s, p in zip(self.strides, output_padding):
                if p >= s:
                    raise ValueError(f"Strides must be greater than output padding. Received "
                                     f"strides={self.strides}, output_padding="
                                     f"{output_padding}.")
        self.output_padding = output_padding
        self.input_spec = InputSpec(ndim=self._rank + 2)

    def _out_spatial(self, spatial):
        pads = self.output_padding or (None,) * self._rank
        return [deconv_output_length(n, k, self.padding, p, s, d) for n, k, p, s, d in
                zip(spatial, self.kernel_size, pads, self.strides, self.dilation_rate)]

    def build(self, input_shape):
        dims, c = self._input_channels(input_shape)
        if len(dims) != self._rank + 2:
            raise ValueError(f"Inputs should have rank {self._rank + 2}. Received input_shape="
                             f"{tuple(dims)}")
        self.kernel = self._add_kernel("kernel", self.filters, c)
        self._finish_build(c, self.filters, exact_rank=True)

    def _output_shape_arg(self, x):
        """The op's output_shape in data-format order: ints where known, scalar shape tensors
        where the input's size is known only at run time."""
        nd = self._rank
        cf = self.data_format == "channels_first"
        axes = range(2, nd + 2) if cf else range(1, nd + 1)
        pads = self.output_padding or (None,) * nd
        spatial = []
        for ax, k, p, s, d in zip(axes, self.kernel_size, pads, self.strides,
                                  self.dilation_rate):
            n = _dyn_dim(x, ax)
            if isinstance(n, int):
                spatial.append(deconv_output_length(n, k, self.padding, p, s, d))
            else:   # the same formula on a shape tensor
                eff = (k - 1) * d + 1
                if p is None:
                    extra = max(eff - s, 0) if self.padding == "valid" else 0
                    spatial.append(n * s + extra)
                else:
                    pad = eff // 2 if self.padding == "same" else 0
                    spatial.append((n - 1) * s + (eff - 2 * pad + p))
        return self._assemble(_dyn_dim(x, 0), spatial, self.filters)

    def _convolve(self, x, dt):
        kernel = _cast_var(self.kernel, dt)
        fn = {1: conv_ops.conv1d_transpose, 2: conv_ops.conv2d_transpose,
              3: conv_ops.conv3d_transpose}[self._rank]
        return fn(x, kernel, self._output_shape_arg(x), self.strides, self._op_padding(),
                  data_format=self._op_format, dilations=self.dilation_rate)

    def get_config(self):
        config = super().get_config()
        config["output_padding"] = self.output_padding
        return config


class Conv1DTranspose(_ConvTranspose):
    """Transposed 1-D convolution (`(batch, steps, channels)` in and out).

    Args: as `Conv1D` (no groups, no causal padding), plus `output_padding`: extra length
    added on one side of the output (smaller than the stride).

    Weights: `kernel` `(kernel_size, filters, in_channels)`, `bias` `(filters,)`.
    """

    _rank = 1


class Conv2DTranspose(_ConvTranspose):
    """Transposed 2-D convolution ("deconvolution"), the usual learned upsampling of decoders
    and GAN generators.

    Args:
        filters, kernel_size, strides, padding ("valid" / "same"), data_format, dilation_rate,
        activation, use_bias, initializers, regularizers, constraints: as in `Conv2D`.
        output_padding: an int or a 2-tuple added to the output size on one side (each
            smaller than its stride); None infers the size (`size * stride` for "same",
            `size * stride + max(kernel - stride, 0)` for "valid").

    Weights: `kernel` `(kh, kw, filters, in_channels)`, `bias` `(filters,)`.

    Example:
        >>> import flowgrad as tf
        >>> up = tf.keras.layers.Conv2DTranspose(8, 3, strides=2, padding="same")
        >>> up(tf.zeros((1, 7, 7, 16))).shape
        TensorShape([1, 14, 14, 8])
    """

    _rank = 2

    __init__ = _init_with_defaults(_ConvTranspose, strides=(1, 1), dilation_rate=(1, 1))


class Conv3DTranspose(_ConvTranspose):
    """Transposed 3-D convolution. Arguments as `Conv2DTranspose`, with 3-tuples.

    Weights: `kernel` `(kd, kh, kw, filters, in_channels)`, `bias` `(filters,)`.
    """

    _rank = 3

    __init__ = _init_with_defaults(_ConvTranspose, strides=(1, 1, 1),
                                   dilation_rate=(1, 1, 1))


# ---------------------------------------------------------------------------------------------
def _lift(x, cf):
    """A 1-D (batch, steps, channels) tensor as a 2-D one of unit height."""
    return array_ops.expand_dims(x, 2 if cf else 1)


def _unlift(y, cf):
    return array_ops.squeeze(y, axis=[2 if cf else 1])


def _as_2d_op(layer, op, x, kernels):
    """`op` (a 2-D depthwise / separable op) on `x` with the layer's strides, padding and
    dilation; a 1-D layer runs it on a unit-height image, its kernels lifted likewise."""
    if layer._rank != 1:
        return op(x, *kernels, layer.strides, layer._op_padding(),
                  data_format=layer._op_format, dilations=layer.dilation_rate)
    cf = layer.data_format == "channels_first"
    y = op(_lift(x, cf), *[array_ops.expand_dims(k, 0) for k in kernels],
           (1,) + layer.strides, layer._op_padding(), data_format=_FORMATS[(2, cf)],
           dilations=(1,) + layer.dilation_rate)
    return _unlift(y, cf)


def _depth_multiplier(value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"Invalid value for argument `depth_multiplier`. Expected a "
                         f"strictly positive integer. Received depth_multiplier={value!r}")
    return int(value)


class _DepthwiseConv(_Conv):
    """Depthwise convolution base: each input channel convolved with its own
    `depth_multiplier` filters."""

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        if kwargs.pop("groups", 1) not in (1, None):
            raise ValueError(f"{type(self).__name__} does not take `groups` (each input "
                             "channel is its own group already).")
        super().__init__(None, **_named_args(_Conv.__init__, locals()), **kwargs)
        self.depth_multiplier = _depth_multiplier(depth_multiplier)
        self._set_weight_args("depthwise", depthwise_initializer, depthwise_regularizer,
                              depthwise_constraint)

    def _out_channels(self, in_channels):
        return None if in_channels is None else in_channels * self.depth_multiplier

    def build(self, input_shape):
        dims, c = self._input_channels(input_shape)
        self.compute_output_shape(dims)
        self.depthwise_kernel = self._add_kernel("depthwise_kernel", c, self.depth_multiplier,
                                                 part="depthwise")
        self._finish_build(c, c * self.depth_multiplier)

    def _convolve(self, x, dt):
        return _as_2d_op(self, conv_ops.depthwise_conv2d, x,
                         [_cast_var(self.depthwise_kernel, dt)])

    def get_config(self):
        config = self._base_config()
        config["groups"] = 1
        config["depth_multiplier"] = self.depth_multiplier
        config.update(self._tail_config())
        config.update(self._weight_config("depthwise"))
        return config


class DepthwiseConv1D(_DepthwiseConv):
    """Depthwise 1-D convolution: each of the `C` input channels is convolved with its own
    `depth_multiplier` filters, giving `C * depth_multiplier` output channels (output channel
    `c * depth_multiplier + m` comes from input channel c).

    Weights: `depthwise_kernel` `(kernel_size, C, depth_multiplier)`, `bias`
    `(C * depth_multiplier,)`.
    """

    _rank = 1
    _causal_ok = True


class DepthwiseConv2D(_DepthwiseConv):
    """Depthwise 2-D convolution (the first half of a separable convolution).

    Args:
        kernel_size, strides, padding ("valid" / "same"), data_format, dilation_rate,
        activation, use_bias: as in `Conv2D`.
        depth_multiplier: filters per input channel (output channels `C * depth_multiplier`).
        depthwise_initializer / depthwise_regularizer / depthwise_constraint: for the kernel.
        bias_initializer / bias_regularizer / bias_constraint, activity_regularizer.

    Weights: `depthwise_kernel` `(kh, kw, C, depth_multiplier)`, `bias`
    `(C * depth_multiplier,)`.
    """

    _rank = 2

    __init__ = _init_with_defaults(_DepthwiseConv, strides=(1, 1), dilation_rate=(1, 1))


# ---------------------------------------------------------------------------------------------
class _SeparableConv(_Conv):
    """Separable convolution base: a depthwise convolution, then a 1x1 (pointwise) one mixing
    the channels."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None,
                 **kwargs):
        # Keras's configs of separable layers carry the unused Conv entries: accepted, ignored
        for key in ("kernel_initializer", "kernel_regularizer", "kernel_constraint"):
            kwargs.pop(key, None)
        if kwargs.pop("groups", 1) not in (1, None):
            raise ValueError(f"{type(self).__name__} does not support grouped convolutions.")
        super().__init__(**_named_args(_Conv.__init__, locals()), **kwargs)
        self.depth_multiplier = _depth_multiplier(depth_multiplier)
        self._set_weight_args("depthwise", depthwise_initializer, depthwise_regularizer,
                              depthwise_constraint)
        self._set_weight_args("pointwise", pointwise_initializer, pointwise_regularizer,
                              pointwise_constraint)

    def build(self, input_shape):
        dims, c = self._input_channels(input_shape)
        self.compute_output_shape(dims)
        m = self.depth_multiplier
        self.depthwise_kernel = self._add_kernel("depthwise_kernel", c, m, part="depthwise")
        self.pointwise_kernel = self._add_kernel("pointwise_kernel", c * m, self.filters,
                                                 part="pointwise", spatial=(1,) * self._rank)
        self._finish_build(c, self.filters, exact_rank=True)

    def _convolve(self, x, dt):
        return _as_2d_op(self, conv_ops.separable_conv2d, x,
                         [_cast_var(self.depthwise_kernel, dt),
                          _cast_var(self.pointwise_kernel, dt)])

    def get_config(self):
        config = self._filters_config()
        config["depth_multiplier"] = self.depth_multiplier
        config.update(self._tail_config())
        config.update(self._weight_config("depthwise"))
        config.update(self._weight_config("pointwise"))
        return config


class SeparableConv1D(_SeparableConv):
    """Depthwise-separable 1-D convolution (padding may be "causal").

    Weights: `depthwise_kernel` `(kernel_size, C, depth_multiplier)`, `pointwise_kernel`
    `(1, C * depth_multiplier, filters)`, `bias` `(filters,)`.
    """

    _rank = 1
    _causal_ok = True

    __init__ = _init_with_defaults(_SeparableConv, data_format="channels_last")


class SeparableConv2D(_SeparableConv):
    """Depthwise-separable 2-D convolution: a depthwise convolution (one filter set per input
    channel) followed by a 1x1 convolution to `filters` channels; far fewer weights than a
    `Conv2D` of the same size.

    Args:
        filters, kernel_size, strides, padding, data_format, dilation_rate, activation,
        use_bias: as in `Conv2D` (strides and dilation apply to the depthwise step).
        depth_multiplier: depthwise filters per input channel.
        depthwise_* / pointwise_* / bias_* initializers, regularizers and constraints,
        activity_regularizer.

    Weights: `depthwise_kernel` `(kh, kw, C, depth_multiplier)`, `pointwise_kernel`
    `(1, 1, C * depth_multiplier, filters)`, `bias` `(filters,)`.
    """

    _rank = 2

    __init__ = _init_with_defaults(_SeparableConv, strides=(1, 1), dilation_rate=(1, 1))


# Keras's aliases
Convolution1D = Conv1D
Convolution2D = Conv2D
Convolution3D = Conv3D
Convolution1DTranspose = Conv1DTranspose
Convolution2DTranspose = Conv2DTranspose
Convolution3DTranspose = Conv3DTranspose
SeparableConvolution1D = SeparableConv1D
SeparableConvolution2D = SeparableConv2D
