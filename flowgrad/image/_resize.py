"""Resizing as separable linear maps.

Every interpolation method except nearest-neighbour is linear in the pixels and separable: the
output is `Wh @ image @ Ww^T` per channel, with interpolation matrices `Wh` (out_h x in_h) and
`Ww` (out_w x in_w) that depend on the static sizes only. The matrices are built here in NumPy
(cached), and applied with `flowgrad.einsum`, so resizing is differentiable, traces into a
`flowgrad.function`, and runs on whatever backend executes einsum. Nearest-neighbour is a
`gather` of rows and columns (exact, keeps the dtype).

Coordinate conventions (half-pixel centres: output pixel `o` sits at input coordinate
`(o + 0.5) * in / out - 0.5`):

* bilinear: the coordinate is clamped to `[0, in - 1]` and interpolated linearly;
* bicubic: Keys' cubic with a = -0.5; taps outside the image get weight 0 and the remaining
  weights are renormalized;
* area: each output pixel averages the input interval `[o * s, (o + 1) * s)`, weighting pixels
  by their overlap;
* antialias=True (and the kernels lanczos3 / lanczos5 / gaussian / mitchellcubic): a filter
  evaluated at pixel centres, widened by the scale factor when downsampling, renormalized over
  the taps inside the image (the way Pillow and TensorFlow's scale-and-translate resize work).
"""

import functools

import numpy as np


def _triangle(x):
    return np.maximum(0.0, 1.0 - np.abs(x))


def _keys_cubic(x, a=-0.5):
    x = np.abs(x)
    return np.where(x <= 1, ((a + 2) * x - (a + 3)) * x * x + 1,
                    np.where(x < 2, ((a * x - 5 * a) * x + 8 * a) * x - 4 * a, 0.0))


def _mitchell(x):
    b = c = 1.0 / 3.0
    x = np.abs(x)
    return np.where(
        x < 1, ((12 - 9 * b - 6 * c) * x ** 3 + (-18 + 12 * b + 6 * c) * x ** 2 + (6 - 2 * b)) / 6,
        np.where(x < 2, ((-b - 6 * c) * x ** 3 + (6 * b + 30 * c) * x ** 2
                         + (-12 * b - 48 * c) * x + (8 * b + 24 * c)) / 6, 0.0))


def _lanczos(n):
    def k(x):
        x = np.asarray(x, dtype=np.float64)
        out = np.sinc(x) * np.sinc(x / n)
        return np.where(np.abs(x) < n, out, 0.0)
    return k


def _gaussian(x):
    radius = 3.0
    sigma = radius / 3.0
    return np.where(np.abs(x) < radius, np.exp(-x * x / (2 * sigma * sigma)), 0.0)


_KERNELS = {
    "bilinear": (_triangle, 1.0),
    "bicubic": (_keys_cubic, 2.0),
    "mitchellcubic": (_mitchell, 2.0),
    "lanczos3": (_lanczos(3), 3.0),
    "lanczos5": (_lanczos(5), 5.0),
    "gaussian": (_gaussian, 3.0),
}


@functools.lru_cache(maxsize=256)
def weights(method, in_size, out_size, antialias):
    """The (out_size, in_size) float64 interpolation matrix for one axis."""
    w = np.zeros((out_size, in_size))
    if out_size == 0 or in_size == 0:
        return w
    scale = in_size / out_size
    o = np.arange(out_size)
    if method == "area":
        lo, hi = o * scale, (o + 1) * scale
        i = np.arange(in_size)
        overlap = np.clip(np.minimum(hi[:, None], i[None, :] + 1)
                          - np.maximum(lo[:, None], i[None, :]), 0, None)
        return overlap / scale
    if method == "bilinear" and not antialias:
        src = np.clip((o + 0.5) * scale - 0.5, 0, in_size - 1)
        lo = np.floor(src).astype(int)
        hi = np.minimum(lo + 1, in_size - 1)
        frac = src - lo
        w[o, lo] += 1 - frac
        w[o, hi] += frac
        return w
    if method == "bicubic" and not antialias:
        src = (o + 0.5) * scale - 0.5
        base = np.floor(src).astype(int)
        for t in range(-1, 3):
            idx = base + t
            wt = _keys_cubic(src - idx)
            ok = (idx >= 0) & (idx < in_size)
            np.add.at(w, (o[ok], idx[ok]), wt[ok])
        return w / w.sum(axis=1, keepdims=True)
    kernel, support = _KERNELS[method]
    kscale = max(scale, 1.0) if antialias else 1.0
    centre = (o + 0.5) * scale
    i = np.arange(in_size)
    x = (i[None, :] + 0.5 - centre[:, None]) / kscale
    w = kernel(x)
    w = np.where(np.abs(x) < support, w, 0.0)
    s = w.sum(axis=1, keepdims=True)
    s[s == 0] = 1.0
    return w / s


@functools.lru_cache(maxsize=256)
def bilinear_taps(in_size, out_size):
    """The two source indices and float32 weights per output position of bilinear resizing
    without antialiasing (the same half-pixel, clamped source coordinates as `weights`):
    `out[o] = in[lo[o]] * w_lo[o] + in[hi[o]] * w_hi[o]`. Two taps instead of a dense
    (out, in) matrix product: far less arithmetic for image-sized axes."""
    o = np.arange(out_size)
    src = np.clip((o + 0.5) * (in_size / out_size) - 0.5, 0, in_size - 1)
    lo = np.floor(src).astype(np.int64)
    hi = np.minimum(lo + 1, in_size - 1)
    frac = src - lo
    return lo, hi, (1 - frac).astype(np.float32), frac.astype(np.float32)


@functools.lru_cache(maxsize=256)
def nearest_indices(in_size, out_size):
    scale = in_size / out_size
    idx = np.floor((np.arange(out_size) + 0.5) * scale).astype(np.int64)
    return np.clip(idx, 0, in_size - 1)


def fit_size(in_h, in_w, size):
    """The largest size within `size` keeping the aspect ratio of (in_h, in_w)."""
    th, tw = size
    scale = min(th / in_h, tw / in_w)
    return max(1, round(in_h * scale)), max(1, round(in_w * scale))
