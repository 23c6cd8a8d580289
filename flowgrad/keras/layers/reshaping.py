"""Spatial reshaping layers: UpSampling1D/2D/3D (nearest; bilinear for 2-D), ZeroPadding1D/2D/3D,
Cropping1D/2D/3D, and the channel-wise SpatialDropout1D/2D/3D.

All are written with shape-agnostic ops (slices, pads, concatenations, reshapes with -1 or
run-time shapes), so a trace with an unknown batch (or spatial) size serves every size.
"""

from ...core.tensor import Tensor
from ...core.tensor_shape import TensorShape
from ...ops import array_ops, indexing_ops, math_ops, random_ops
from ..engine.base_layer import Layer
from ..engine.input_spec import InputSpec
from .convolutional import _shape_list, normalize_tuple
from .core import Dropout, _data_format

__all__ = [
    "Cropping1D",
    "Cropping2D",
    "Cropping3D",
    "SpatialDropout1D",
    "SpatialDropout2D",
    "SpatialDropout3D",
    "UpSampling1D",
    "UpSampling2D",
    "UpSampling3D",
    "ZeroPadding1D",
    "ZeroPadding2D",
    "ZeroPadding3D",
]


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------
def _index(rank, axis, sl):
    """An indexing tuple applying slice `sl` to `axis` of a rank-`rank` tensor."""
    return (slice(None),) * axis + (sl,) + (slice(None),) * (rank - axis - 1)


def _merge_next(x, axis):
    """Merges dimensions `axis` and `axis + 1` of `x` (`(.., n, s, ..)` -> `(.., n * s, ..)`),
    with -1 or run-time sizes for the unknown dimensions."""
    dims = x.shape.as_list()
    n, s = dims[axis], dims[axis + 1]
    merged = dims[:axis] + [None if n is None else n * s] + dims[axis + 2:]
    unknown = [i for i, d in enumerate(merged) if d is None]
    if len(unknown) <= 1:
        return array_ops.reshape(x, [-1 if d is None else d for d in merged])
    shape = array_ops.shape(x)
    target = []
    for i, d in enumerate(merged):
        if d is not None:
            target.append(d)
        elif i == axis:
            target.append(shape[axis] * s)
        else:
            target.append(shape[i if i < axis else i + 1])
    return array_ops.reshape(x, target)


def _repeat_nearest(x, axis, s):
    """Each element along `axis` repeated `s` times (nearest-neighbour upsampling)."""
    if s == 1:
        return x
    y = array_ops.expand_dims(x, axis + 1)
    return _merge_next(array_ops.concat([y] * s, axis=axis + 1), axis)


def _repeat_linear(x, axis, s):
    """Linear upsampling by `s` along `axis` with half-pixel centers: output position
    `o` samples input coordinate `(o + 0.5) / s - 0.5`, clamped at the edges (what
    `tf.image.resize(..., "bilinear")` computes along each axis)."""
    if s == 1:
        return x
    rank = x.shape.rank
    first = x[_index(rank, axis, slice(0, 1))]
    last = x[_index(rank, axis, slice(-1, None))]
    prev = array_ops.concat([first, x[_index(rank, axis, slice(None, -1))]], axis=axis)
    nxt = array_ops.concat([x[_index(rank, axis, slice(1, None))], last], axis=axis)
    pieces = []
    for r in range(s):
        d = (r + 0.5) / s - 0.5
        if d < 0:
            piece = x * (1.0 + d) + prev * (-d)
        elif d > 0:
            piece = x * (1.0 - d) + nxt * d
        else:
            piece = x
        pieces.append(array_ops.expand_dims(piece, axis + 1))
    return _merge_next(array_ops.concat(pieces, axis=axis + 1), axis)


def _spatial_axes(rank, data_format):
    return list(range(2, rank + 2)) if data_format == "channels_first" else \
        list(range(1, rank + 1))


def _pairs(value, rank, name, default_pair=None):
    """An int, `rank` ints (symmetric) or `rank` (before, after) pairs as a tuple of pairs."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            raise ValueError(f"`{name}` must be non-negative. Received: {name}={value!r}")
        return ((value, value),) * rank
    try:
        items = list(value)
    except TypeError:
        raise ValueError(f"`{name}` should be either an int, a tuple of {rank} ints or a tuple "
                         f"of {rank} tuples of 2 ints. Received: {name}={value!r}") from None
    if rank == 1 and len(items) == 2 and all(isinstance(v, int) for v in items):
        items = [tuple(items)]
    if len(items) != rank:
        raise ValueError(f"`{name}` should have {rank} elements. Received: {name}={value!r}")
    out = []
    for item in items:
        if isinstance(item, int) and not isinstance(item, bool):
            out.append(normalize_tuple(item, 2, name, allow_zero=True))
        else:
            out.append(normalize_tuple(item, 2, f"{name} element", allow_zero=True))
    return tuple(out)


# ---------------------------------------------------------------------------------------------
class _UpSampling(Layer):
    _rank = 2

    def __init__(self, size, data_format=None, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        self.size = normalize_tuple(size, self._rank, "size")
        self.data_format = _data_format(data_format)
        interpolation = str(interpolation).lower()
        allowed = ("nearest", "bilinear") if self._rank == 2 else ("nearest",)
        if interpolation not in allowed:
            raise ValueError(f"`interpolation` argument should be one of {list(allowed)} for "
                             f"{type(self).__name__}. Received: interpolation="
                             f"{interpolation!r}")
        self.interpolation = interpolation
        self.input_spec = InputSpec(ndim=self._rank + 2)

    def call(self, inputs):
        repeat = _repeat_linear if self.interpolation == "bilinear" else _repeat_nearest
        x = inputs
        for axis, s in zip(_spatial_axes(self._rank, self.data_format), self.size):
            x = repeat(x, axis, s)
        return x

    def compute_output_shape(self, input_shape):
        dims = _shape_list(input_shape)
        for axis, s in zip(_spatial_axes(self._rank, self.data_format), self.size):
            dims[axis] = None if dims[axis] is None else dims[axis] * s
        return TensorShape(dims)

    def get_config(self):
        config = super().get_config()
        config.update({"size": self.size, "data_format": self.data_format})
        if self._rank == 2:
            config["interpolation"] = self.interpolation
        return config


class UpSampling1D(_UpSampling):
    """Repeats each step `size` times: `(batch, steps, features)` ->
    `(batch, steps * size, features)`."""

    _rank = 1

    def __init__(self, size=2, **kwargs):
        super().__init__(size, data_format="channels_last", **kwargs)

    def get_config(self):
        config = super().get_config()
        config.pop("data_format", None)
        config["size"] = self.size[0]
        return config


class UpSampling2D(_UpSampling):
    """Upsamples images by integer factors `size = (sh, sw)`.

    Args:
        size: an int or `(sh, sw)` (default `(2, 2)`).
        data_format: `"channels_last"` (default) or `"channels_first"`.
        interpolation: `"nearest"` (repeat rows and columns) or `"bilinear"` (half-pixel
            centers, edges clamped, as `tf.image.resize`).
    """

    _rank = 2

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(size, data_format=data_format, interpolation=interpolation, **kwargs)


class UpSampling3D(_UpSampling):
    """Repeats the depth, height and width entries `size = (sd, sh, sw)` times."""

    _rank = 3

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(size, data_format=data_format, **kwargs)


# ---------------------------------------------------------------------------------------------
class _ZeroPadding(Layer):
    _rank = 2

    def __init__(self, padding, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.padding = _pairs(padding, self._rank, "padding")
        self.data_format = _data_format(data_format)
        self.input_spec = InputSpec(ndim=self._rank + 2)

    def _full_pads(self):
        pads = [[0, 0]] * (self._rank + 2)
        for axis, p in zip(_spatial_axes(self._rank, self.data_format), self.padding):
            pads[axis] = list(p)
        return pads

    def call(self, inputs):
        if not any(a or b for a, b in self.padding):
            return inputs
        return indexing_ops.pad(inputs, self._full_pads())

    def compute_output_shape(self, input_shape):
        dims = _shape_list(input_shape)
        for axis, (a, b) in zip(_spatial_axes(self._rank, self.data_format), self.padding):
            dims[axis] = None if dims[axis] is None else dims[axis] + a + b
        return TensorShape(dims)

    def get_config(self):
        config = super().get_config()
        config.update({"padding": self.padding, "data_format": self.data_format})
        return config


class ZeroPadding1D(_ZeroPadding):
    """Adds zeros at the start and end of the steps axis.

    Args:
        padding: an int (both sides) or `(left, right)` (default 1).
    """

    _rank = 1

    def __init__(self, padding=1, **kwargs):
        super().__init__(padding, data_format="channels_last", **kwargs)

    def get_config(self):
        config = super().get_config()
        config.pop("data_format", None)
        config["padding"] = self.padding[0]
        return config


class ZeroPadding2D(_ZeroPadding):
    """Adds rows and columns of zeros around images.

    Args:
        padding: an int (all sides), `(h, w)` (symmetric) or `((top, bottom), (left, right))`
            (default `(1, 1)`).
        data_format: `"channels_last"` (default) or `"channels_first"`.
    """

    _rank = 2

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(padding, data_format=data_format, **kwargs)


class ZeroPadding3D(_ZeroPadding):
    """Adds zeros around volumes: `padding` an int, 3 ints or 3 `(before, after)` pairs."""

    _rank = 3

    def __init__(self, padding=(1, 1, 1), data_format=None, **kwargs):
        super().__init__(padding, data_format=data_format, **kwargs)


# ---------------------------------------------------------------------------------------------
class _Cropping(Layer):
    _rank = 2

    def __init__(self, cropping, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.cropping = _pairs(cropping, self._rank, "cropping")
        self.data_format = _data_format(data_format)
        self.input_spec = InputSpec(ndim=self._rank + 2)

    def _check(self, dims):
        for axis, (a, b) in zip(_spatial_axes(self._rank, self.data_format), self.cropping):
            if dims[axis] is not None and a + b >= dims[axis]:
                raise ValueError(
                    f"Values in `cropping` argument should be smaller than the corresponding "
                    f"spatial dimension of the input. Received: input_shape={tuple(dims)}, "
                    f"cropping={self.cropping} (layer {self.name!r})")

    def call(self, inputs):
        dims = inputs.shape.as_list()
        self._check(dims)
        key = [slice(None)] * len(dims)
        for axis, (a, b) in zip(_spatial_axes(self._rank, self.data_format), self.cropping):
            key[axis] = slice(a, -b if b else None)
        return inputs[tuple(key)]

    def compute_output_shape(self, input_shape):
        dims = _shape_list(input_shape)
        self._check(dims)
        for axis, (a, b) in zip(_spatial_axes(self._rank, self.data_format), self.cropping):
            dims[axis] = None if dims[axis] is None else dims[axis] - a - b
        return TensorShape(dims)

    def get_config(self):
        config = super().get_config()
        config.update({"cropping": self.cropping, "data_format": self.data_format})
        return config


class Cropping1D(_Cropping):
    """Removes `cropping = (start, end)` steps (an int crops both ends; default `(1, 1)`)."""

    _rank = 1

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(cropping, data_format="channels_last", **kwargs)

    def get_config(self):
        config = super().get_config()
        config.pop("data_format", None)
        config["cropping"] = self.cropping[0]
        return config


class Cropping2D(_Cropping):
    """Crops images: `cropping` an int, `(h, w)` (symmetric) or
    `((top, bottom), (left, right))` (default no cropping).

    Args:
        cropping: see above.
        data_format: `"channels_last"` (default) or `"channels_first"`.
    """

    _rank = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(cropping, data_format=data_format, **kwargs)


class Cropping3D(_Cropping):
    """Crops volumes: `cropping` an int, 3 ints or 3 `(before, after)` pairs."""

    _rank = 3

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(cropping, data_format=data_format, **kwargs)


# ---------------------------------------------------------------------------------------------
class _SpatialDropout(Dropout):
    """Dropout of whole feature maps: one keep / drop draw per (sample, channel), shared by
    every spatial position (neighbouring positions of a feature map are strongly
    correlated, so element-wise dropout would barely regularize them)."""

    _rank = 2

    def __init__(self, rate, data_format=None, **kwargs):
        super().__init__(rate, **kwargs)
        self.data_format = _data_format(data_format)
        self.input_spec = InputSpec(ndim=self._rank + 2)

    def call(self, inputs, training=None):
        if not training or isinstance(training, Tensor) or self.rate <= 0:
            return inputs
        if self.rate >= 1:
            return array_ops.zeros_like(inputs)
        # a (batch, 1, ..., 1, channels) sample of the input gives the mask its run-time shape
        key = [slice(None)] * (self._rank + 2)
        for axis in _spatial_axes(self._rank, self.data_format):
            key[axis] = slice(0, 1)
        like = inputs[tuple(key)]
        keep = math_ops.cast(random_ops.uniform_like(like, seed=self.seed) >= self.rate,
                             inputs.dtype)
        return inputs * (keep * (1.0 / (1.0 - self.rate)))

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config


class SpatialDropout1D(_SpatialDropout):
    """Drops whole channels of `(batch, steps, channels)` in training (rate `rate`, the kept
    ones scaled by `1 / (1 - rate)`); the identity at inference."""

    _rank = 1

    def __init__(self, rate, **kwargs):
        kwargs.pop("data_format", None)
        super().__init__(rate, data_format="channels_last", **kwargs)

    def get_config(self):
        config = super().get_config()
        config.pop("data_format", None)
        return config


class SpatialDropout2D(_SpatialDropout):
    """Drops whole feature maps of images in training.

    Args:
        rate: the fraction of channels to drop.
        data_format: `"channels_last"` (default) or `"channels_first"`.
    """

    _rank = 2

    def __init__(self, rate, data_format=None, **kwargs):
        super().__init__(rate, data_format=data_format, **kwargs)


class SpatialDropout3D(_SpatialDropout):
    """Drops whole feature maps of volumes in training (arguments as `SpatialDropout2D`)."""

    _rank = 3

    def __init__(self, rate, data_format=None, **kwargs):
        super().__init__(rate, data_format=data_format, **kwargs)
