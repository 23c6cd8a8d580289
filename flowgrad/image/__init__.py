"""`tf.image`: resizing, cropping, flipping, colour adjustments and PNG / JPEG codecs.

Images are `(height, width, channels)` tensors or `(batch, height, width, channels)` batches.
The geometric and colour ops are compositions of flowgrad ops (`einsum`, `gather`, `reverse`,
`pad`, reductions), so they work eagerly, under a GradientTape and inside `tf.function`; their
spatial sizes must be static. The codecs (`decode_*` / `encode_*`) run on the host with Pillow,
an optional dependency (`pip install "flowgrad[image]"`), and only eagerly.
"""

import enum
import io as _io

import numpy as np

from .. import (
    add,
    cast,
    concat,
    einsum,
    expand_dims,
    floor,
    gather,
    maximum,
    multiply,
    pad,
    reduce_mean,
    reduce_std,
    reshape,
    reverse,
    rsqrt,
    saturate_cast,
    subtract,
    tensordot,
    where,
)
from .. import dtypes as _dtypes
from .. import pow as _pow
from .. import transpose as _transpose
from ..core.convert import convert_to_tensor
from ..core.tensor import Tensor
from ..ops import random_ops as _random
from . import _resize

__all__ = [
    "ResizeMethod",
    "adjust_brightness",
    "adjust_contrast",
    "adjust_gamma",
    "central_crop",
    "convert_image_dtype",
    "crop_to_bounding_box",
    "decode_image",
    "decode_jpeg",
    "decode_png",
    "encode_jpeg",
    "encode_png",
    "flip_left_right",
    "flip_up_down",
    "grayscale_to_rgb",
    "pad_to_bounding_box",
    "per_image_standardization",
    "random_brightness",
    "random_contrast",
    "random_crop",
    "random_flip_left_right",
    "random_flip_up_down",
    "resize",
    "resize_with_crop_or_pad",
    "resize_with_pad",
    "rgb_to_grayscale",
    "rot90",
    "stateless_random_flip_left_right",
    "stateless_random_flip_up_down",
    "transpose",
]


def _t(x):
    return x if isinstance(x, Tensor) else convert_to_tensor(x)


def _dims(images, what="images"):
    """(rank, height, width, channels) with static spatial sizes."""
    shape = list(images.shape)
    if len(shape) not in (3, 4):
        raise ValueError(f"{what} must be 3-D (height, width, channels) or 4-D (batch, height, "
                         f"width, channels); got shape {tuple(shape)}.")
    h, w, c = shape[-3:]
    if h is None or w is None:
        raise ValueError(f"{what}: the height and width must be known; got {tuple(shape)}.")
    return len(shape), int(h), int(w), c


# ---------------------------------------------------------------------------------------------
# dtype conversion
# ---------------------------------------------------------------------------------------------
def _is_float(dt):
    return np.dtype(dt._np).kind == "f" or dt.name == "bfloat16"


def _int_max(dt):
    return int(np.iinfo(np.dtype(dt._np)).max)


def convert_image_dtype(image, dtype, saturate=False, name=None):
    """Converts between image dtypes, rescaling values: floats are in [0, 1], integers in
    [0, MAX] (the positive range of the dtype).

    Integer -> float divides by MAX; float -> integer multiplies by MAX + 0.5 and truncates
    (with `saturate=True` out-of-range values clip instead of wrapping); integer -> integer
    scales by the ratio of the ranges; float -> float is a cast.
    """
    image = _t(image)
    dtype = _dtypes.as_dtype(dtype)
    src = image.dtype
    if src == dtype:
        return image
    if src.name == "bool" or dtype.name == "bool":
        raise ValueError("convert_image_dtype does not convert booleans.")
    if _is_float(src) and _is_float(dtype):
        return cast(image, dtype)
    if not _is_float(src) and not _is_float(dtype):
        smax, dmax = _int_max(src), _int_max(dtype)
        if smax > dmax:
            scale = (smax + 1) // (dmax + 1)
            return cast(image // scale, dtype)
        scale = (dmax + 1) // (smax + 1)
        return multiply(cast(image, dtype), scale)
    if _is_float(dtype):  # int -> float
        return multiply(cast(image, dtype), 1.0 / _int_max(src))
    scaled = multiply(image, _int_max(dtype) + 0.5)  # float -> int
    return saturate_cast(scaled, dtype) if saturate else cast(scaled, dtype)


# ---------------------------------------------------------------------------------------------
# resizing
# ---------------------------------------------------------------------------------------------
class ResizeMethod(str, enum.Enum):
    BILINEAR = "bilinear"
    NEAREST_NEIGHBOR = "nearest"
    BICUBIC = "bicubic"
    AREA = "area"
    LANCZOS3 = "lanczos3"
    LANCZOS5 = "lanczos5"
    GAUSSIAN = "gaussian"
    MITCHELLCUBIC = "mitchellcubic"

    def __str__(self):
        return self.value


_METHODS = {m.value for m in ResizeMethod}


def _size_pair(size):
    if isinstance(size, Tensor):
        size = size.numpy().tolist()
    size = [int(s) for s in size]
    if len(size) != 2:
        raise ValueError(f"size must have two elements (new_height, new_width); got {size}.")
    if min(size) <= 0:
        raise ValueError(f"size must be positive; got {size}.")
    return tuple(size)


def resize(images, size, method="bilinear", preserve_aspect_ratio=False, antialias=False,
           name=None):
    """Resizes images to `size = (new_height, new_width)`.

    Args:
        images: a 3-D image or 4-D batch.
        size: the new size.
        method: "bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5", "gaussian"
            or "mitchellcubic" (or a `ResizeMethod`).
        preserve_aspect_ratio: keep the aspect ratio: the result fits inside `size`.
        antialias: filter with a kernel widened by the scale when downsampling.

    Returns:
        float32 images (floating inputs keep float64 / float16 as float32 too, as TF), or the
        input dtype for "nearest".
    """
    images = _t(images)
    method = str(getattr(method, "value", method)).lower()
    if method not in _METHODS:
        raise ValueError(f"Unknown resize method {method!r}; expected one of {sorted(_METHODS)}.")
    rank, h, w, _ = _dims(images)
    nh, nw = _size_pair(size)
    if preserve_aspect_ratio:
        nh, nw = _resize.fit_size(h, w, (nh, nw))
    if method == "nearest":
        if (nh, nw) == (h, w):
            return images
        out = gather(images, _resize.nearest_indices(h, nh), axis=rank - 3)
        return gather(out, _resize.nearest_indices(w, nw), axis=rank - 2)
    x = images if images.dtype == _dtypes.float32 else cast(images, _dtypes.float32)
    if (nh, nw) == (h, w) and method != "area":
        return x
    if method == "bilinear" and not antialias and nh and nw and h and w:
        for axis, n_in, n_out, trail in ((rank - 3, h, nh, (1, 1)), (rank - 2, w, nw, (1,))):
            if n_in == n_out:
                continue
            lo, hi, w_lo, w_hi = _resize.bilinear_taps(n_in, n_out)
            x = gather(x, lo, axis=axis) * w_lo.reshape((n_out,) + trail) + \
                gather(x, hi, axis=axis) * w_hi.reshape((n_out,) + trail)
        return x
    wh = _resize.weights(method, h, nh, bool(antialias)).astype(np.float32)
    ww = _resize.weights(method, w, nw, bool(antialias)).astype(np.float32)
    if rank == 3:
        return einsum("ph,qw,hwc->pqc", wh, ww, x)
    return einsum("ph,qw,bhwc->bpqc", wh, ww, x)


def resize_with_pad(image, target_height, target_width, method="bilinear", antialias=False):
    """Resizes keeping the aspect ratio, then pads with zeros to the target size (centred)."""
    image = _t(image)
    out = resize(image, (target_height, target_width), method=method,
                 preserve_aspect_ratio=True, antialias=antialias)
    _, h, w, _ = _dims(out)
    return pad_to_bounding_box(out, (target_height - h) // 2, (target_width - w) // 2,
                               target_height, target_width)


# ---------------------------------------------------------------------------------------------
# flips, rotations, crops, padding
# ---------------------------------------------------------------------------------------------
def flip_left_right(image):
    """Mirrors the width axis."""
    image = _t(image)
    rank = _dims(image, "image")[0]
    return reverse(image, [rank - 2])


def flip_up_down(image):
    """Mirrors the height axis."""
    image = _t(image)
    rank = _dims(image, "image")[0]
    return reverse(image, [rank - 3])


def _random_flip(image, axis_from_end, u):
    rank = _dims(image, "image")[0]
    flipped = reverse(image, [rank - axis_from_end])
    if rank == 4:
        u = reshape(u, [-1, 1, 1, 1])
    return where(u < 0.5, flipped, image)


def _batch_draw(image, seed):
    if len(image.shape) == 4:
        return _random.uniform_like(image[:, 0, 0, 0], dtype=_dtypes.float32, seed=seed)
    return _random.uniform([], seed=seed)


def random_flip_left_right(image, seed=None):
    """Mirrors the width axis with probability 1/2 (each image of a batch independently)."""
    image = _t(image)
    return _random_flip(image, 2, _batch_draw(image, seed))


def random_flip_up_down(image, seed=None):
    """Mirrors the height axis with probability 1/2 (each image of a batch independently)."""
    image = _t(image)
    return _random_flip(image, 3, _batch_draw(image, seed))


def _stateless_draw(image, seed):
    n = [image.shape[0]] if len(image.shape) == 4 else []
    return _random.stateless_uniform(n, seed=seed)


def stateless_random_flip_left_right(image, seed):
    """`random_flip_left_right` drawn from a stateless `seed` pair (reproducible)."""
    image = _t(image)
    return _random_flip(image, 2, _stateless_draw(image, seed))


def stateless_random_flip_up_down(image, seed):
    """`random_flip_up_down` drawn from a stateless `seed` pair (reproducible)."""
    image = _t(image)
    return _random_flip(image, 3, _stateless_draw(image, seed))


def rot90(image, k=1, name=None):
    """Rotates by k * 90 degrees counter-clockwise (k a Python int)."""
    image = _t(image)
    rank = _dims(image, "image")[0]
    hax, wax = rank - 3, rank - 2
    perm = list(range(rank))
    perm[hax], perm[wax] = wax, hax
    for _ in range(int(k) % 4):
        image = _transpose(reverse(image, [wax]), perm)
    return image


def transpose_image(image, name=None):
    """Swaps height and width."""
    image = _t(image)
    rank = _dims(image, "image")[0]
    perm = list(range(rank))
    perm[rank - 3], perm[rank - 2] = rank - 2, rank - 3
    return _transpose(image, perm)


def _int(v, what):
    if isinstance(v, Tensor):
        v = v.numpy()
    v = int(v)
    return v


def crop_to_bounding_box(image, offset_height, offset_width, target_height, target_width):
    """The `target_height x target_width` window whose top-left corner is at the offsets."""
    image = _t(image)
    rank, h, w, _ = _dims(image, "image")
    oh, ow = _int(offset_height, "offset_height"), _int(offset_width, "offset_width")
    th, tw = _int(target_height, "target_height"), _int(target_width, "target_width")
    if oh < 0 or ow < 0:
        raise ValueError("offset_height and offset_width must be >= 0.")
    if th <= 0 or tw <= 0:
        raise ValueError("target_height and target_width must be > 0.")
    if oh + th > h or ow + tw > w:
        raise ValueError(f"The crop ({oh}+{th}, {ow}+{tw}) exceeds the image ({h}, {w}).")
    if rank == 3:
        return image[oh:oh + th, ow:ow + tw, :]
    return image[:, oh:oh + th, ow:ow + tw, :]


def pad_to_bounding_box(image, offset_height, offset_width, target_height, target_width):
    """Zero-pads to `target_height x target_width` with the image at the given offsets."""
    image = _t(image)
    rank, h, w, _ = _dims(image, "image")
    oh, ow = _int(offset_height, "offset_height"), _int(offset_width, "offset_width")
    th, tw = _int(target_height, "target_height"), _int(target_width, "target_width")
    after_h, after_w = th - oh - h, tw - ow - w
    if oh < 0 or ow < 0:
        raise ValueError("offset_height and offset_width must be >= 0.")
    if after_h < 0 or after_w < 0:
        raise ValueError(f"The target size ({th}, {tw}) is too small for the image ({h}, {w}) "
                         f"at offsets ({oh}, {ow}).")
    paddings = [[oh, after_h], [ow, after_w], [0, 0]]
    if rank == 4:
        paddings = [[0, 0]] + paddings
    return pad(image, paddings)


def central_crop(image, central_fraction):
    """Keeps the central `central_fraction` (in (0, 1]) of the height and width."""
    image = _t(image)
    f = float(central_fraction)
    if not 0.0 < f <= 1.0:
        raise ValueError("central_fraction must be within (0, 1]")
    if f == 1.0:
        return image
    _, h, w, _ = _dims(image, "image")
    sh, sw = int((h - h * f) / 2), int((w - w * f) / 2)
    return crop_to_bounding_box(image, sh, sw, h - 2 * sh, w - 2 * sw)


def resize_with_crop_or_pad(image, target_height, target_width):
    """Centre-crops and / or zero-pads to the target size."""
    image = _t(image)
    _, h, w, _ = _dims(image, "image")
    th, tw = int(target_height), int(target_width)
    if th <= 0 or tw <= 0:
        raise ValueError("target_height and target_width must be > 0.")
    ch, cw = min(h, th), min(w, tw)
    image = crop_to_bounding_box(image, max((h - th) // 2, 0), max((w - tw) // 2, 0), ch, cw)
    return pad_to_bounding_box(image, max((th - h) // 2, 0), max((tw - w) // 2, 0), th, tw)


def random_crop(value, size, seed=None, name=None):
    """A random window of shape `size` (one entry per dimension of `value`)."""
    value = _t(value)
    shape = list(value.shape)
    size = [int(s) for s in (size.numpy() if isinstance(size, Tensor) else size)]
    if len(size) != len(shape):
        raise ValueError(f"size {size} must have one entry per dimension of {shape}.")
    out = value
    u = _random.uniform([len(shape)], seed=seed)
    for ax, (n, s) in enumerate(zip(shape, size)):
        if s > n:
            raise ValueError(f"random_crop: size {size} exceeds the value's shape {shape}.")
        if s == n:
            continue
        off = cast(floor(u[ax] * (n - s + 1)), _dtypes.int64)
        idx = add(off, np.arange(s, dtype=np.int64))
        out = gather(out, idx, axis=ax)
    return out


# ---------------------------------------------------------------------------------------------
# colour
# ---------------------------------------------------------------------------------------------
def _as_float(image):
    return image if _is_float(image.dtype) else convert_image_dtype(image, _dtypes.float32)


def _back(result, dtype):
    if _is_float(dtype):
        return cast(result, dtype) if result.dtype != dtype else result
    return convert_image_dtype(result, dtype, saturate=True)


def per_image_standardization(image):
    """Scales each image to zero mean and unit variance: `(x - mean) / max(std, 1/sqrt(N))`,
    N the number of values per image. Integer images are cast (not rescaled) to float32."""
    image = _t(image)
    _, h, w, c = _dims(image, "image")
    x = cast(image, _dtypes.float32) if not _is_float(image.dtype) else image
    axes = [-1, -2, -3]
    mean = reduce_mean(x, axis=axes, keepdims=True)
    std = reduce_std(x, axis=axes, keepdims=True)
    n = h * w * int(c)
    adjusted = maximum(std, cast(rsqrt(float(n)), x.dtype))
    return (x - mean) / adjusted


def adjust_brightness(image, delta):
    """Adds `delta` to every value of the image converted to float (integer images are
    converted back with saturation)."""
    image = _t(image)
    return _back(add(_as_float(image), delta), image.dtype)


def adjust_contrast(images, contrast_factor):
    """`(x - mean) * contrast_factor + mean`, the mean taken per channel over each image."""
    images = _t(images)
    _dims(images)
    x = _as_float(images)
    mean = reduce_mean(x, axis=[-3, -2], keepdims=True)
    return _back(add(multiply(subtract(x, mean), contrast_factor), mean), images.dtype)


def adjust_gamma(image, gamma=1, gain=1):
    """`gain * x ** gamma` on the image converted to float."""
    image = _t(image)
    return _back(multiply(_pow(_as_float(image), gamma), gain), image.dtype)


def random_brightness(image, max_delta, seed=None):
    """`adjust_brightness` by a delta drawn uniformly from [-max_delta, max_delta)."""
    if max_delta < 0:
        raise ValueError("max_delta must be non-negative.")
    delta = _random.uniform([], -max_delta, max_delta, seed=seed)
    return adjust_brightness(image, delta)


def random_contrast(image, lower, upper, seed=None):
    """`adjust_contrast` by a factor drawn uniformly from [lower, upper)."""
    if upper <= lower:
        raise ValueError("upper must be > lower.")
    if lower < 0:
        raise ValueError("lower must be non-negative.")
    factor = _random.uniform([], lower, upper, seed=seed)
    return adjust_contrast(image, factor)


_GRAY_WEIGHTS = np.array([0.2989, 0.5870, 0.1140], dtype=np.float32)


def rgb_to_grayscale(images, name=None):
    """Luma `0.2989 R + 0.5870 G + 0.1140 B`, keeping a last axis of size 1 and the dtype."""
    images = _t(images)
    x = _as_float(images)
    gray = tensordot(x, _GRAY_WEIGHTS.astype(np.dtype(x.dtype._np)), [[-1], [0]])
    gray = expand_dims(gray, -1)
    if _is_float(images.dtype):
        return cast(gray, images.dtype) if gray.dtype != images.dtype else gray
    return convert_image_dtype(gray, images.dtype)


def grayscale_to_rgb(images, name=None):
    """Repeats a single-channel image into three channels."""
    images = _t(images)
    if images.shape[-1] != 1:
        raise ValueError(f"grayscale_to_rgb expects a last dimension of 1; got {images.shape}.")
    return concat([images, images, images], axis=-1)


# ---------------------------------------------------------------------------------------------
# codecs (host-only, Pillow)
# ---------------------------------------------------------------------------------------------
def _pil():
    try:
        from PIL import Image
    except ImportError as e:
        raise ImportError("tf.image's decode / encode functions and keras image loading need "
                          "Pillow: pip install Pillow (or pip install 'flowgrad[image]').") from e
    return Image


def _bytes(contents):
    if isinstance(contents, Tensor):
        contents = contents.numpy()
    if isinstance(contents, np.ndarray):
        contents = contents.item()
    if isinstance(contents, str):
        contents = contents.encode("latin-1")
    if not isinstance(contents, (bytes, bytearray)):
        raise TypeError(f"Expected encoded image bytes; got {type(contents).__name__}.")
    return bytes(contents)


def _pil_to_array(img, channels):
    """A PIL image as an (H, W, C) uint8 / uint16 array with the requested channel count."""
    mode = img.mode
    if mode in ("I;16", "I;16B", "I;16L", "I") and channels in (0, None, 1):
        arr = np.asarray(img)
        if mode == "I":
            arr = np.clip(arr, 0, 65535)
        return arr.astype(np.uint16)[..., None]
    if channels in (0, None):
        if mode in ("L", "LA", "RGB", "RGBA"):
            target = mode
        elif mode == "P":
            target = "RGBA" if "transparency" in img.info else "RGB"
        elif mode in ("1",):
            target = "L"
        elif mode in ("PA",):
            target = "RGBA"
        else:
            target = "RGB"
    else:
        target = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}.get(int(channels))
        if target is None:
            raise ValueError(f"channels must be 0, 1, 2, 3 or 4; got {channels}.")
    if img.mode != target:
        img = img.convert(target)
    arr = np.asarray(img, dtype=np.uint8)
    if arr.ndim == 2:
        arr = arr[..., None]
    return arr


def _finish(arr, dtype):
    out = convert_to_tensor(np.ascontiguousarray(arr))
    dtype = _dtypes.as_dtype(dtype)
    return convert_image_dtype(out, dtype) if out.dtype != dtype else out


def decode_image(contents, channels=None, dtype=_dtypes.uint8, name=None,
                 expand_animations=True):
    """Decodes PNG, JPEG, GIF or BMP bytes to an `(H, W, C)` tensor (animated GIFs give
    `(frames, H, W, 3)` unless `expand_animations=False`, which keeps the first frame)."""
    Image = _pil()
    img = Image.open(_io.BytesIO(_bytes(contents)))
    n_frames = getattr(img, "n_frames", 1)
    if img.format == "GIF" and expand_animations:
        frames = []
        for i in range(n_frames):
            img.seek(i)
            frames.append(_pil_to_array(img.convert("RGB"), channels or 3))
        return _finish(np.stack(frames), dtype)
    return _finish(_pil_to_array(img, channels), dtype)


def decode_png(contents, channels=0, dtype=_dtypes.uint8, name=None):
    """Decodes PNG bytes to `(H, W, C)` uint8 (or uint16 for 16-bit files / `dtype`)."""
    Image = _pil()
    img = Image.open(_io.BytesIO(_bytes(contents)))
    return _finish(_pil_to_array(img, channels), dtype)


def decode_jpeg(contents, channels=0, ratio=1, fancy_upscaling=True,
                try_recover_truncated=False, acceptable_fraction=1, dct_method="",
                name=None):
    """Decodes JPEG bytes to an `(H, W, C)` uint8 tensor; `ratio` (1, 2, 4, 8) downscales."""
    Image = _pil()
    img = Image.open(_io.BytesIO(_bytes(contents)))
    if ratio not in (1, 2, 4, 8):
        raise ValueError("ratio must be 1, 2, 4 or 8.")
    if ratio != 1:
        img = img.reduce(int(ratio))
    return _finish(_pil_to_array(img, channels), _dtypes.uint8)


def _encode(image, fmt, **kw):
    Image = _pil()
    arr = np.asarray(_t(image).numpy())
    if arr.ndim != 3:
        raise ValueError(f"encode_{fmt.lower()} expects an (H, W, C) image; got {arr.shape}.")
    c = arr.shape[-1]
    if arr.dtype == np.uint16 and fmt == "PNG" and c == 1:
        img = Image.fromarray(np.ascontiguousarray(arr[..., 0].astype("<u2")))
    elif arr.dtype == np.uint8:
        mode = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}.get(c)
        if mode is None or (fmt == "JPEG" and c not in (1, 3)):
            raise ValueError(f"encode_{fmt.lower()}: unsupported channel count {c}.")
        img = Image.fromarray(np.ascontiguousarray(arr[..., 0] if c == 1 else arr))
    else:
        raise ValueError(f"encode_{fmt.lower()} expects uint8 images (uint16 for 1-channel PNG); "
                         f"got {arr.dtype}.")
    buf = _io.BytesIO()
    img.save(buf, format=fmt, **kw)
    return convert_to_tensor(buf.getvalue())


def encode_png(image, compression=-1, name=None):
    """Encodes an `(H, W, C)` uint8 image (or 1-channel uint16) as PNG bytes (a string
    tensor). `compression` is the zlib level 0-9 (-1: default)."""
    level = 6 if compression is None or int(compression) < 0 else int(compression)
    return _encode(image, "PNG", compress_level=level)


def encode_jpeg(image, format="", quality=95, progressive=False, optimize_size=False,
                chroma_downsampling=True, density_unit="in", x_density=300, y_density=300,
                xmp_metadata="", name=None):
    """Encodes an `(H, W, 1 or 3)` uint8 image as JPEG bytes (a string tensor)."""
    kw = {"quality": int(quality), "progressive": bool(progressive),
          "optimize": bool(optimize_size)}
    if not chroma_downsampling:
        kw["subsampling"] = 0
    return _encode(image, "JPEG", **kw)


transpose = transpose_image
del enum
