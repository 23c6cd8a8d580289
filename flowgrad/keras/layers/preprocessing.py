"""Image preprocessing layers: `Rescaling`, `Resizing`, `CenterCrop` and the random
augmentation layers (`RandomCrop`, `RandomFlip`, `RandomRotation`, `RandomZoom`,
`RandomTranslation`, `RandomContrast`, `RandomBrightness`).

Inputs are `(batch, height, width, channels)` batches or single `(height, width, channels)`
images. The random layers transform only when called with `training=True` (as in `fit`) and
are the identity otherwise. Their draws use op-level seeds: with `tf.random.set_seed(s)` and a
layer `seed`, a run is reproducible. Everything is written with flowgrad ops, so the layers
trace into `tf.function` and into a model's compiled train step.
"""

import math

import numpy as np

from ... import dtypes as _dtypes
from ...core.tensor import Tensor
from ...ops import random_ops as _random
from ..engine.base_layer import Layer


def _tf():
    import flowgrad
    return flowgrad


def _image():
    from ... import image
    return image


def _is_training(training):
    return bool(training) and not isinstance(training, Tensor)


def _range(factor, name, symmetric=True):
    """`factor` as a (lower, upper) pair: a number f gives (-f, f)."""
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2:
            raise ValueError(f"{name} must be a number or a pair; got {factor}.")
        lo, hi = float(factor[0]), float(factor[1])
    else:
        f = float(factor)
        lo, hi = (-abs(f), abs(f)) if symmetric else (0.0, f)
    if lo > hi:
        raise ValueError(f"{name}: lower bound {lo} is greater than the upper bound {hi}.")
    return lo, hi


class _ImageLayer(Layer):
    """Batches a single image on the way in and unbatches it on the way out."""

    def call(self, inputs, training=None):
        tf = _tf()
        x = inputs if isinstance(inputs, Tensor) else tf.convert_to_tensor(inputs)
        if x.dtype != _dtypes.as_dtype(self.compute_dtype) and self.compute_dtype != "string":
            x = tf.cast(x, self.compute_dtype)
        single = len(x.shape) == 3
        if single:
            x = tf.expand_dims(x, 0)
        if len(x.shape) != 4:
            raise ValueError(f"{type(self).__name__} expects (batch, height, width, channels) "
                             f"or (height, width, channels) inputs; got shape {x.shape}.")
        y = self._transform(x, training)
        return y[0] if single else y

    def compute_output_shape(self, input_shape):
        return input_shape


class Rescaling(Layer):
    """`inputs * scale + offset`, e.g. `Rescaling(1/255)` maps [0, 255] to [0, 1]."""

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale
        self.offset = offset

    def call(self, inputs):
        tf = _tf()
        x = tf.cast(inputs, self.compute_dtype)
        return x * tf.cast(self.scale, self.compute_dtype) + tf.cast(self.offset,
                                                                      self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"scale": self.scale, "offset": self.offset})
        return config


def smart_resize(x, size, interpolation="bilinear"):
    """Centre-crops `x` to the aspect ratio of `size`, then resizes to `size` (no distortion).
    Works on a single image or a batch."""
    tf = _tf()
    x = tf.convert_to_tensor(x)
    h, w = int(x.shape[-3]), int(x.shape[-2])
    th, tw = int(size[0]), int(size[1])
    ch = min(h, round(w * th / tw))
    cw = min(w, round(h * tw / th))
    ch, cw = max(ch, 1), max(cw, 1)
    x = _image().crop_to_bounding_box(x, (h - ch) // 2, (w - cw) // 2, ch, cw)
    return _image().resize(x, (th, tw), method=interpolation)


class Resizing(_ImageLayer):
    """Resizes images to `(height, width)` (optionally cropping to the aspect ratio first)."""

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
                 **kwargs):
        super().__init__(**kwargs)
        self.height, self.width = int(height), int(width)
        self.interpolation = interpolation
        self.crop_to_aspect_ratio = crop_to_aspect_ratio

    def _transform(self, x, training):
        tf = _tf()
        size = (self.height, self.width)
        if self.crop_to_aspect_ratio:
            out = smart_resize(x, size, self.interpolation)
        else:
            out = _image().resize(x, size, method=self.interpolation)
        return tf.cast(out, self.compute_dtype) if out.dtype != x.dtype else out

    def compute_output_shape(self, input_shape):
        s = list(input_shape)
        s[-3], s[-2] = self.height, self.width
        return tuple(s)

    def get_config(self):
        config = super().get_config()
        config.update({"height": self.height, "width": self.width,
                       "interpolation": self.interpolation,
                       "crop_to_aspect_ratio": self.crop_to_aspect_ratio})
        return config


class CenterCrop(_ImageLayer):
    """Crops the centre `(height, width)` window; smaller inputs are resized up (keeping the
    aspect ratio by cropping)."""

    def __init__(self, height, width, **kwargs):
        super().__init__(**kwargs)
        self.height, self.width = int(height), int(width)

    def _transform(self, x, training):
        h, w = int(x.shape[1]), int(x.shape[2])
        if h < self.height or w < self.width:
            return _tf().cast(smart_resize(x, (self.height, self.width)), x.dtype)
        return _image().crop_to_bounding_box(x, (h - self.height) // 2, (w - self.width) // 2,
                                             self.height, self.width)

    compute_output_shape = Resizing.compute_output_shape

    def get_config(self):
        config = super().get_config()
        config.update({"height": self.height, "width": self.width})
        return config


class _RandomLayer(_ImageLayer):
    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed

    def _uniform_per_image(self, x, lo, hi):
        """One draw per image of the batch `x`, shape (batch,)."""
        u = _random.uniform_like(x[:, 0, 0, 0], dtype=_dtypes.float32, seed=self.seed)
        return u * (hi - lo) + lo

    def _transform(self, x, training):
        if not _is_training(training):
            return x
        return self._augment(x)

    def get_config(self):
        config = super().get_config()
        config["seed"] = self.seed
        return config


class RandomCrop(_RandomLayer):
    """In training, a random `(height, width)` window (one offset per batch); at inference,
    the centre window after cropping to the aspect ratio (`smart_resize`)."""

    def __init__(self, height, width, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.height, self.width = int(height), int(width)

    def _transform(self, x, training):
        tf = _tf()
        h, w = int(x.shape[1]), int(x.shape[2])
        th, tw = self.height, self.width
        if not _is_training(training) or h < th or w < tw:
            if (h, w) == (th, tw):
                return x
            return tf.cast(smart_resize(x, (th, tw)), x.dtype)
        u = _random.uniform([2], seed=self.seed)
        oh = tf.cast(tf.floor(u[0] * (h - th + 1)), _dtypes.int64)
        ow = tf.cast(tf.floor(u[1] * (w - tw + 1)), _dtypes.int64)
        x = tf.gather(x, oh + np.arange(th, dtype=np.int64), axis=1)
        return tf.gather(x, ow + np.arange(tw, dtype=np.int64), axis=2)

    compute_output_shape = Resizing.compute_output_shape

    def get_config(self):
        config = super().get_config()
        config.update({"height": self.height, "width": self.width})
        return config


class RandomFlip(_RandomLayer):
    """Flips each image with probability 1/2: `mode` "horizontal", "vertical" or
    "horizontal_and_vertical" (independent draws)."""

    def __init__(self, mode="horizontal_and_vertical", seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        if mode not in ("horizontal", "vertical", "horizontal_and_vertical"):
            raise ValueError(f"RandomFlip layer {self.name} received an unknown mode "
                             f"argument {mode!r}.")
        self.mode = mode

    def _augment(self, x):
        tf = _tf()
        if self.mode in ("horizontal", "horizontal_and_vertical"):
            u = tf.reshape(self._uniform_per_image(x, 0.0, 1.0), [-1, 1, 1, 1])
            x = tf.where(u < 0.5, tf.reverse(x, [2]), x)
        if self.mode in ("vertical", "horizontal_and_vertical"):
            u = tf.reshape(self._uniform_per_image(x, 0.0, 1.0), [-1, 1, 1, 1])
            x = tf.where(u < 0.5, tf.reverse(x, [1]), x)
        return x

    def get_config(self):
        config = super().get_config()
        config["mode"] = self.mode
        return config


# ---------------------------------------------------------------------------------------------
# affine resampling shared by rotation, zoom and translation
# ---------------------------------------------------------------------------------------------
def _map_index(tf, i, n, fill_mode):
    """Integer coordinates `i` (int64 tensor) mapped into [0, n) by the fill mode; returns
    (index, inside-mask or None)."""
    if fill_mode == "reflect":
        m = tf.math.floormod(i, 2 * n)
        return tf.where(m >= n, 2 * n - 1 - m, m), None
    if fill_mode == "wrap":
        return tf.math.floormod(i, n), None
    clipped = tf.clip_by_value(i, 0, n - 1)
    if fill_mode == "nearest":
        return clipped, None
    return clipped, tf.logical_and(i >= 0, i < n)


def affine_transform(images, a0, a1, a2, b0, b1, b2, interpolation="bilinear",
                     fill_mode="reflect", fill_value=0.0):
    """Resamples `images` (B, H, W, C) at input coordinates `x_in = a0 x + a1 y + a2`,
    `y_in = b0 x + b1 y + b2` for each output pixel (x, y); the coefficients are (B,) tensors.
    `fill_mode`: "reflect", "wrap", "nearest" or "constant" (with `fill_value`)."""
    tf = _tf()
    if fill_mode not in ("reflect", "wrap", "nearest", "constant"):
        raise ValueError(f"Unknown fill_mode {fill_mode!r}.")
    if interpolation not in ("bilinear", "nearest"):
        raise ValueError(f"Unknown interpolation {interpolation!r}.")
    h, w, c = int(images.shape[1]), int(images.shape[2]), int(images.shape[3])
    gy, gx = np.meshgrid(np.arange(h, dtype=np.float32), np.arange(w, dtype=np.float32),
                         indexing="ij")
    gx, gy = gx.reshape(1, -1), gy.reshape(1, -1)

    def col(v):
        return tf.reshape(tf.cast(v, _dtypes.float32), [-1, 1])

    xs = col(a0) * gx + col(a1) * gy + col(a2)   # (B, H*W)
    ys = col(b0) * gx + col(b1) * gy + col(b2)
    flat = tf.reshape(images, [-1, h * w, c])
    dtype = images.dtype

    def sample(yi, xi):
        yi, ym = _map_index(tf, yi, h, fill_mode)
        xi, xm = _map_index(tf, xi, w, fill_mode)
        v = tf.gather(flat, yi * w + xi, batch_dims=1)   # (B, H*W, C)
        if ym is not None:
            inside = tf.expand_dims(tf.logical_and(ym, xm), -1)
            v = tf.where(inside, v, tf.cast(fill_value, dtype))
        return v

    if interpolation == "nearest":
        out = sample(tf.cast(tf.round(ys), _dtypes.int64), tf.cast(tf.round(xs), _dtypes.int64))
    else:
        x0, y0 = tf.floor(xs), tf.floor(ys)
        fx, fy = tf.expand_dims(xs - x0, -1), tf.expand_dims(ys - y0, -1)
        x0, y0 = tf.cast(x0, _dtypes.int64), tf.cast(y0, _dtypes.int64)
        fx, fy = tf.cast(fx, dtype), tf.cast(fy, dtype)
        top = sample(y0, x0) * (1 - fx) + sample(y0, x0 + 1) * fx
        bottom = sample(y0 + 1, x0) * (1 - fx) + sample(y0 + 1, x0 + 1) * fx
        out = top * (1 - fy) + bottom * fy
    return tf.reshape(out, [-1, h, w, c])


class _AffineLayer(_RandomLayer):
    def __init__(self, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0,
                 **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.fill_mode = fill_mode
        self.interpolation = interpolation
        self.fill_value = fill_value
        if fill_mode not in ("reflect", "wrap", "nearest", "constant"):
            raise NotImplementedError(f"Unknown `fill_mode` {fill_mode}. Only `reflect`, `wrap`, "
                                      "`constant` and `nearest` are supported.")
        if interpolation not in ("bilinear", "nearest"):
            raise NotImplementedError(f"Unknown `interpolation` {interpolation}. Only `nearest` "
                                      "and `bilinear` are supported.")

    def _resample(self, x, coeffs):
        return affine_transform(x, *coeffs, interpolation=self.interpolation,
                                fill_mode=self.fill_mode, fill_value=self.fill_value)

    def get_config(self):
        config = super().get_config()
        config.update({"fill_mode": self.fill_mode, "interpolation": self.interpolation,
                       "fill_value": self.fill_value})
        return config


class RandomRotation(_AffineLayer):
    """Rotates each image by a random angle: `factor` (a fraction of a full turn) f or
    (lower, upper) gives angles in [lower * 2 pi, upper * 2 pi] (f: [-f, f])."""

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, **kwargs)
        self.factor = factor
        self._lo, self._hi = _range(factor, "factor")

    def _augment(self, x):
        tf = _tf()
        h, w = int(x.shape[1]), int(x.shape[2])
        theta = self._uniform_per_image(x, self._lo * 2 * math.pi, self._hi * 2 * math.pi)
        cos, sin = tf.cos(theta), tf.sin(theta)
        cx, cy = (w - 1) / 2.0, (h - 1) / 2.0
        # output (x, y) samples the input rotated about the centre
        return self._resample(x, (cos, -sin, cx - cos * cx + sin * cy,
                                  sin, cos, cy - sin * cx - cos * cy))

    def get_config(self):
        config = super().get_config()
        config["factor"] = self.factor
        return config


class RandomZoom(_AffineLayer):
    """Zooms each image by a random factor: `height_factor` f or (lower, upper) draws
    1 + u, u in the range (positive values zoom out, negative zoom in); `width_factor`
    defaults to the same draw as the height (aspect ratio kept)."""

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, **kwargs)
        self.height_factor = height_factor
        self.width_factor = width_factor
        self._h = _range(height_factor, "height_factor")
        self._w = None if width_factor is None else _range(width_factor, "width_factor")
        if self._h[0] < -1 or (self._w is not None and self._w[0] < -1):
            raise ValueError("RandomZoom factors must be >= -1.")

    def _augment(self, x):
        h, w = int(x.shape[1]), int(x.shape[2])
        zy = 1.0 + self._uniform_per_image(x, *self._h)
        zx = zy if self._w is None else 1.0 + self._uniform_per_image(x, *self._w)
        cx, cy = (w - 1) / 2.0, (h - 1) / 2.0
        zero = zy * 0.0
        return self._resample(x, (zx, zero, cx - zx * cx, zero, zy, cy - zy * cy))

    def get_config(self):
        config = super().get_config()
        config.update({"height_factor": self.height_factor, "width_factor": self.width_factor})
        return config


class RandomTranslation(_AffineLayer):
    """Shifts each image by random fractions of its height and width (`height_factor`,
    `width_factor`: f or (lower, upper))."""

    def __init__(self, height_factor, width_factor, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, **kwargs)
        self.height_factor = height_factor
        self.width_factor = width_factor
        self._h = _range(height_factor, "height_factor")
        self._w = _range(width_factor, "width_factor")

    def _augment(self, x):
        h, w = int(x.shape[1]), int(x.shape[2])
        dy = self._uniform_per_image(x, *self._h) * h
        dx = self._uniform_per_image(x, *self._w) * w
        one, zero = dy * 0.0 + 1.0, dy * 0.0
        return self._resample(x, (one, zero, -dx, zero, one, -dy))

    def get_config(self):
        config = super().get_config()
        config.update({"height_factor": self.height_factor, "width_factor": self.width_factor})
        return config


class RandomContrast(_RandomLayer):
    """Scales each image's deviation from its per-channel mean by a random factor in
    [1 - lower, 1 + upper] (`factor` f or (lower, upper)); the result is clipped to [0, 255]."""

    def __init__(self, factor, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.factor = factor
        if isinstance(factor, (tuple, list)):
            self._lo, self._hi = 1.0 - float(factor[0]), 1.0 + float(factor[1])
        else:
            self._lo, self._hi = 1.0 - float(factor), 1.0 + float(factor)
        if self._lo < 0 or self._hi < self._lo:
            raise ValueError(f"RandomContrast factor must be in [0, 1]; got {factor}.")

    def _augment(self, x):
        tf = _tf()
        f = tf.reshape(self._uniform_per_image(x, self._lo, self._hi), [-1, 1, 1, 1])
        f = tf.cast(f, x.dtype)
        mean = tf.reduce_mean(x, axis=[1, 2], keepdims=True)
        return tf.clip_by_value((x - mean) * f + mean, 0.0, 255.0)

    def get_config(self):
        config = super().get_config()
        config["factor"] = self.factor
        return config


class RandomBrightness(_RandomLayer):
    """Adds a random delta to each image: `factor` f or (lower, upper) as a fraction of the
    `value_range` width; the result is clipped to `value_range`."""

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.factor = factor
        self.value_range = tuple(value_range)
        self._lo, self._hi = _range(factor, "factor")
        if self._lo < -1 or self._hi > 1:
            raise ValueError(f"RandomBrightness factor must be within [-1, 1]; got {factor}.")

    def _augment(self, x):
        tf = _tf()
        lo, hi = self.value_range
        d = self._uniform_per_image(x, self._lo, self._hi) * (hi - lo)
        d = tf.cast(tf.reshape(d, [-1, 1, 1, 1]), x.dtype)
        return tf.clip_by_value(x + d, lo, hi)

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": list(self.value_range)})
        return config
