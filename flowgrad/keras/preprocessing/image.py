"""Image files for Keras: `load_img` / `img_to_array` / `array_to_img` / `save_img`,
`image_dataset_from_directory` and the tf.keras 2 `ImageDataGenerator`.

Files are read with Pillow (optional: `pip install "flowgrad[image]"`). Images are NumPy
arrays on the host here; models receive them through `tf.data` or `fit`.
"""


import numpy as np

from ..layers.preprocessing import smart_resize
from ..utils import dataset_utils

ALLOWLIST_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")

_INTERP = {"nearest": "NEAREST", "bilinear": "BILINEAR", "bicubic": "BICUBIC",
           "lanczos": "LANCZOS", "box": "BOX", "hamming": "HAMMING"}


def _pil():
    from ...image import _pil as pil
    return pil()


def load_img(path, grayscale=False, color_mode="rgb", target_size=None,
             interpolation="nearest", keep_aspect_ratio=False):
    """Loads an image file as a PIL image.

    Args:
        path: a file path (or file-like object).
        color_mode: "rgb", "rgba" or "grayscale" (`grayscale=True` is the old spelling).
        target_size: (height, width) to resize to, or None.
        interpolation: "nearest", "bilinear", "bicubic", "lanczos", "box" or "hamming".
        keep_aspect_ratio: centre-crop to the target aspect ratio before resizing.
    """
    Image = _pil()
    if grayscale:
        color_mode = "grayscale"
    img = Image.open(path)
    mode = {"grayscale": "L", "rgb": "RGB", "rgba": "RGBA"}.get(color_mode)
    if mode is None:
        raise ValueError('color_mode must be "grayscale", "rgb" or "rgba".')
    if img.mode != mode:
        img = img.convert(mode)
    if target_size is not None:
        th, tw = int(target_size[0]), int(target_size[1])
        if (img.height, img.width) != (th, tw):
            if interpolation not in _INTERP:
                raise ValueError(f"Invalid interpolation {interpolation!r}; supported: "
                                 f"{sorted(_INTERP)}.")
            resample = getattr(Image, _INTERP[interpolation])
            if keep_aspect_ratio:
                w, h = img.size
                ch, cw = min(h, round(w * th / tw)), min(w, round(h * tw / th))
                left, top = (w - cw) // 2, (h - ch) // 2
                img = img.crop((left, top, left + cw, top + ch))
            img = img.resize((tw, th), resample)
    return img


def img_to_array(img, data_format=None, dtype=None):
    """A PIL image as a float32 (H, W, C) array (or (C, H, W) for "channels_first")."""
    x = np.asarray(img, dtype=dtype or "float32")
    if x.ndim == 2:
        x = x[..., None]
    if x.ndim != 3:
        raise ValueError(f"Unsupported image shape: {x.shape}")
    if data_format == "channels_first":
        x = x.transpose(2, 0, 1)
    return x


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """An (H, W, C) array (C in 1, 3, 4) as a PIL image; `scale` maps the value range to
    [0, 255]."""
    Image = _pil()
    x = np.asarray(x.numpy() if hasattr(x, "numpy") else x, dtype="float32")
    if x.ndim != 3:
        raise ValueError(f"Expected an image array of rank 3; got shape {x.shape}.")
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - x.min()
        m = x.max()
        if m != 0:
            x = x / m
        x = x * 255
    c = x.shape[2]
    x = np.clip(x, 0, 255).astype("uint8")
    if c == 1:
        return Image.fromarray(np.ascontiguousarray(x[:, :, 0]))
    if c == 3:
        return Image.fromarray(x)
    if c == 4:
        return Image.fromarray(x)
    raise ValueError(f"Unsupported channel number: {c}")


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """Writes an image array to `path` (format from the extension unless `file_format`)."""
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and (file_format == "jpeg" or str(path).lower().endswith((".jpg",
                                                                                    ".jpeg"))):
        img = img.convert("RGB")
    img.save(path, format=file_format, **kwargs)


# ---------------------------------------------------------------------------------------------
# directories
# ---------------------------------------------------------------------------------------------
def _load_for_dataset(path, color_mode, image_size, interpolation, crop_to_aspect_ratio):
    import flowgrad as tf
    img = load_img(path, color_mode=color_mode)
    x = img_to_array(img)
    if crop_to_aspect_ratio:
        return smart_resize(x, image_size, interpolation).numpy().astype("float32")
    if x.shape[:2] == tuple(image_size):
        return x
    return tf.image.resize(x, image_size, method=interpolation).numpy().astype("float32")


def image_dataset_from_directory(directory, labels="inferred", label_mode="int",
                                 class_names=None, color_mode="rgb", batch_size=32,
                                 image_size=(256, 256), shuffle=True, seed=None,
                                 validation_split=None, subset=None, interpolation="bilinear",
                                 follow_links=False, crop_to_aspect_ratio=False, verbose=True,
                                 **kwargs):
    """A `tf.data.Dataset` of `(images, labels)` batches from a folder of images.

    With `labels="inferred"`, `directory` holds one subfolder per class (sorted names give
    the class indices). Images are loaded lazily (per element, on the host), resized to
    `image_size` (float32, values in [0, 255]), and batched; labels are "int" (int32),
    "categorical" (one-hot float32), "binary" (float32, shape (batch, 1)) or None (images
    only). `validation_split` with `subset` "training" / "validation" / "both" splits the
    shuffled file list (pass the same `seed` for both subsets). The listing and the split are
    those of `keras.utils.text_dataset_from_directory` (`keras/utils/dataset_utils.py`). The
    dataset's `class_names` and `file_paths` attributes are set.
    """
    channels = {"rgb": 3, "rgba": 4, "grayscale": 1}.get(color_mode)
    if channels is None:
        raise ValueError(f'color_mode must be "rgb", "rgba" or "grayscale"; got {color_mode!r}.')
    dataset_utils.check_labels_arg(labels, class_names, label_mode)
    if labels is None or label_mode is None:
        labels = label_mode = None
    dataset_utils.check_validation_split_arg(validation_split, subset, shuffle, seed)
    if seed is None:
        seed = np.random.randint(1e6)
    image_size = (int(image_size[0]), int(image_size[1]))
    paths, ids, names = dataset_utils.index_directory(
        directory, labels, ALLOWLIST_FORMATS, class_names=class_names, shuffle=shuffle,
        seed=seed, follow_links=follow_links, verbose=verbose)
    if label_mode == "binary" and len(names) != 2:
        raise ValueError(f'label_mode="binary" needs exactly 2 classes; got class_names='
                         f"{names}.")
    common = {"label_mode": label_mode, "names": names, "color_mode": color_mode,
              "channels": channels, "batch_size": batch_size, "image_size": image_size,
              "interpolation": interpolation, "crop": crop_to_aspect_ratio}
    split = dataset_utils.get_training_or_validation_split
    if subset == "both":
        tr = split(paths, ids, validation_split, "training")
        va = split(paths, ids, validation_split, "validation")
        return (_make_dataset(*tr, shuffle=shuffle, seed=seed, **common),
                _make_dataset(*va, shuffle=False, seed=seed, **common))
    paths, ids = split(paths, ids, validation_split, subset)
    return _make_dataset(paths, ids, shuffle=shuffle, seed=seed, **common)


def _make_dataset(paths, ids, label_mode, names, color_mode, channels, batch_size, image_size,
                  interpolation, crop, shuffle, seed):
    import flowgrad as tf
    if not paths:
        raise ValueError("No images found in the directory. Allowed formats: "
                         f"{ALLOWLIST_FORMATS}")
    y = None if label_mode is None or ids is None else dataset_utils.encode_labels(
        ids, label_mode, len(names))
    img_spec = tf.TensorSpec((*image_size, channels), tf.float32)

    def gen():
        for i, p in enumerate(paths):
            x = _load_for_dataset(p, color_mode, image_size, interpolation, crop)
            yield x if y is None else (x, y[i])

    if y is None:
        sig = img_spec
    else:
        sig = (img_spec, tf.TensorSpec(y.shape[1:], tf.as_dtype(y.dtype.name)))
    ds = tf.data.Dataset.from_generator(gen, output_signature=sig)
    ds = ds.apply(tf.data.experimental.assert_cardinality(len(paths))) \
        if hasattr(tf.data.experimental, "assert_cardinality") else ds
    if shuffle:
        ds = ds.shuffle(buffer_size=batch_size * 8 if batch_size else 1024, seed=seed)
    if batch_size is not None:
        ds = ds.batch(batch_size)
    ds.class_names = names
    ds.file_paths = paths
    return ds


# ---------------------------------------------------------------------------------------------
# ImageDataGenerator (tf.keras 2, deprecated there but widely used)
# ---------------------------------------------------------------------------------------------
def _affine_numpy(x, theta, tx, ty, zx, zy, fill_mode, cval, rng_order=1):
    """Applies rotation (degrees), shift (pixels) and zoom to one (H, W, C) image with the
    flowgrad resampler (bilinear)."""
    import flowgrad as tf

    from ..layers.preprocessing import affine_transform
    h, w = x.shape[:2]
    t = np.deg2rad(theta)
    c, s = np.cos(t), np.sin(t)
    cx, cy = (w - 1) / 2.0, (h - 1) / 2.0
    # input = centre + R(theta) Z (output - centre) - shift
    a0, a1 = c * zx, -s * zy
    b0, b1 = s * zx, c * zy
    a2 = cx - a0 * cx - a1 * cy - tx
    b2 = cy - b0 * cx - b1 * cy - ty
    coeffs = [np.array([v], dtype="float32") for v in (a0, a1, a2, b0, b1, b2)]
    out = affine_transform(tf.constant(x[None].astype("float32")), *coeffs,
                           interpolation="bilinear", fill_mode=fill_mode, fill_value=cval)
    return out.numpy()[0]


class ImageDataGenerator:
    """Real-time augmentation of image batches (tf.keras 2's generator).

    Supported: `featurewise_center`, `featurewise_std_normalization`, `samplewise_center`,
    `samplewise_std_normalization`, `rotation_range` (degrees), `width_shift_range` /
    `height_shift_range` (fractions < 1 or pixels), `zoom_range`, `horizontal_flip`,
    `vertical_flip`, `fill_mode` / `cval`, `rescale`, `preprocessing_function`,
    `validation_split`. `flow` iterates over arrays, `flow_from_directory` over a folder of
    class subfolders; both give a `keras.utils.Sequence` that `fit` accepts.
    """

    def __init__(self, featurewise_center=False, samplewise_center=False,
                 featurewise_std_normalization=False, samplewise_std_normalization=False,
                 zca_whitening=False, zca_epsilon=1e-6, rotation_range=0, width_shift_range=0.0,
                 height_shift_range=0.0, brightness_range=None, shear_range=0.0, zoom_range=0.0,
                 channel_shift_range=0.0, fill_mode="nearest", cval=0.0, horizontal_flip=False,
                 vertical_flip=False, rescale=None, preprocessing_function=None,
                 data_format=None, validation_split=0.0, interpolation_order=1, dtype=None):
        if zca_whitening or shear_range or channel_shift_range or brightness_range:
            raise NotImplementedError("ImageDataGenerator: zca_whitening, shear_range, "
                                      "channel_shift_range and brightness_range are not "
                                      "supported by flowgrad.")
        if data_format == "channels_first":
            raise NotImplementedError("ImageDataGenerator supports channels_last only.")
        self.featurewise_center = featurewise_center
        self.samplewise_center = samplewise_center
        self.featurewise_std_normalization = featurewise_std_normalization
        self.samplewise_std_normalization = samplewise_std_normalization
        self.rotation_range = rotation_range
        self.width_shift_range = width_shift_range
        self.height_shift_range = height_shift_range
        if np.isscalar(zoom_range):
            zoom_range = [1 - zoom_range, 1 + zoom_range]
        self.zoom_range = [float(zoom_range[0]), float(zoom_range[1])]
        self.fill_mode = fill_mode
        self.cval = cval
        self.horizontal_flip = horizontal_flip
        self.vertical_flip = vertical_flip
        self.rescale = rescale
        self.preprocessing_function = preprocessing_function
        if not 0 <= validation_split < 1:
            raise ValueError(f"validation_split must be in [0, 1); got {validation_split}.")
        self._validation_split = validation_split
        self.dtype = dtype or "float32"
        self.mean = None
        self.std = None

    def fit(self, x, augment=False, rounds=1, seed=None):
        """Computes the featurewise mean / std from sample data `x` (N, H, W, C)."""
        x = np.asarray(x, dtype=self.dtype)
        if augment:
            rng = np.random.RandomState(seed)
            x = np.concatenate([np.stack([self.random_transform(v, rng=rng) for v in x])
                                for _ in range(rounds)])
        if self.rescale:
            x = x * self.rescale
        if self.featurewise_center:
            self.mean = x.mean(axis=(0, 1, 2), keepdims=True)[0]
            x = x - self.mean
        if self.featurewise_std_normalization:
            self.std = x.std(axis=(0, 1, 2), keepdims=True)[0]

    def get_random_transform(self, img_shape, seed=None, rng=None):
        rng = rng or np.random.RandomState(seed)
        h, w = img_shape[0], img_shape[1]

        def shift(r, n):
            if not r:
                return 0.0
            if isinstance(r, (list, tuple, np.ndarray)):
                return float(rng.choice(r))
            v = rng.uniform(-r, r)
            return v * n if r < 1 else v

        theta = rng.uniform(-self.rotation_range, self.rotation_range) \
            if self.rotation_range else 0.0
        tx, ty = shift(self.width_shift_range, w), shift(self.height_shift_range, h)
        if self.zoom_range[0] == 1 and self.zoom_range[1] == 1:
            zx = zy = 1.0
        else:
            zx, zy = rng.uniform(self.zoom_range[0], self.zoom_range[1], 2)
        return {"theta": theta, "tx": tx, "ty": ty, "zx": zx, "zy": zy,
                "flip_horizontal": bool(self.horizontal_flip and rng.rand() < 0.5),
                "flip_vertical": bool(self.vertical_flip and rng.rand() < 0.5)}

    def apply_transform(self, x, params):
        x = np.asarray(x, dtype=self.dtype)
        p = params
        if p.get("theta", 0) or p.get("tx", 0) or p.get("ty", 0) or p.get("zx", 1) != 1 \
                or p.get("zy", 1) != 1:
            x = _affine_numpy(x, p.get("theta", 0), p.get("tx", 0), p.get("ty", 0),
                              p.get("zx", 1), p.get("zy", 1), self.fill_mode, self.cval)
        if p.get("flip_horizontal"):
            x = x[:, ::-1]
        if p.get("flip_vertical"):
            x = x[::-1]
        return np.ascontiguousarray(x)

    def random_transform(self, x, seed=None, rng=None):
        return self.apply_transform(x, self.get_random_transform(np.shape(x), seed, rng))

    def standardize(self, x):
        x = np.asarray(x, dtype=self.dtype)
        if self.preprocessing_function is not None:
            x = self.preprocessing_function(x)
        if self.rescale:
            x = x * self.rescale
        if self.samplewise_center:
            x = x - x.mean(axis=(-3, -2, -1), keepdims=True)
        if self.samplewise_std_normalization:
            x = x / (x.std(axis=(-3, -2, -1), keepdims=True) + 1e-6)
        if self.featurewise_center:
            if self.mean is None:
                raise ValueError("featurewise_center needs `fit` on sample data first.")
            x = x - self.mean
        if self.featurewise_std_normalization:
            if self.std is None:
                raise ValueError("featurewise_std_normalization needs `fit` first.")
            x = x / (self.std + 1e-6)
        return x

    def flow(self, x, y=None, batch_size=32, shuffle=True, sample_weight=None, seed=None,
             save_to_dir=None, save_prefix="", save_format="png", subset=None):
        """Batches of augmented `x` (and `y`, `sample_weight`) from arrays."""
        x = np.asarray(x)
        arrays = [a for a in (y, sample_weight)]
        if subset is not None:
            if subset not in ("training", "validation"):
                raise ValueError('subset must be "training" or "validation".')
            n_val = int(len(x) * self._validation_split)
            sl = slice(len(x) - n_val, None) if subset == "validation" else \
                slice(0, len(x) - n_val)
            x = x[sl]
            arrays = [None if a is None else np.asarray(a)[sl] for a in arrays]
        return _ArrayIterator(self, x, arrays[0], arrays[1], batch_size, shuffle, seed)

    def flow_from_directory(self, directory, target_size=(256, 256), color_mode="rgb",
                            classes=None, class_mode="categorical", batch_size=32, shuffle=True,
                            seed=None, save_to_dir=None, save_prefix="", save_format="png",
                            follow_links=False, subset=None, interpolation="nearest",
                            keep_aspect_ratio=False):
        """Batches of augmented images from class subfolders of `directory`; `class_mode`
        "categorical", "binary", "sparse", "input" or None."""
        paths, ids, names = dataset_utils.index_directory(
            directory, "inferred", ALLOWLIST_FORMATS, class_names=classes, shuffle=False,
            follow_links=follow_links, verbose=False)
        if subset is not None and self._validation_split:
            # split per class, as Keras does: the first fraction of each class is validation
            keep = np.zeros(len(paths), bool)
            for c in range(len(names)):
                idx = np.flatnonzero(ids == c)
                n_val = int(len(idx) * self._validation_split)
                sel = idx[:n_val] if subset == "validation" else idx[n_val:]
                keep[sel] = True
            paths = [p for p, k in zip(paths, keep) if k]
            ids = ids[keep]
        it = _DirectoryIterator(self, paths, ids, names, tuple(target_size), color_mode,
                                class_mode, batch_size, shuffle, seed, interpolation,
                                keep_aspect_ratio)
        return it


def _sequence_base():
    from ..utils.data_utils import Sequence
    return Sequence


class _Iterator(_sequence_base()):
    def __init__(self, n, batch_size, shuffle, seed):
        self.n, self.batch_size, self.shuffle, self.seed = n, int(batch_size), shuffle, seed
        self._epoch = 0
        self._rng = np.random.RandomState(seed)
        self._order = self._make_order()
        self._pos = 0

    def _make_order(self):
        if self.shuffle:
            return np.random.RandomState(None if self.seed is None
                                         else self.seed + self._epoch).permutation(self.n)
        return np.arange(self.n)

    def __len__(self):
        return (self.n + self.batch_size - 1) // self.batch_size

    def on_epoch_end(self):
        self._epoch += 1
        self._order = self._make_order()

    def __getitem__(self, i):
        if i >= len(self) or i < -len(self):
            raise IndexError(f"Batch index {i} out of range for {len(self)} batches.")
        idx = self._order[i * self.batch_size:(i + 1) * self.batch_size]
        return self._batch(idx)

    def __next__(self):
        if self._pos >= len(self):
            self._pos = 0
            self.on_epoch_end()
        b = self[self._pos]
        self._pos += 1
        return b

    def reset(self):
        self._pos = 0


class _ArrayIterator(_Iterator):
    def __init__(self, gen, x, y, sample_weight, batch_size, shuffle, seed):
        if y is not None and len(y) != len(x):
            raise ValueError(f"x and y must have the same length: {len(x)} vs {len(y)}.")
        self.gen, self.x = gen, x
        self.y = None if y is None else np.asarray(y)
        self.sample_weight = None if sample_weight is None else np.asarray(sample_weight)
        super().__init__(len(x), batch_size, shuffle, seed)

    def _batch(self, idx):
        rng = np.random.RandomState(self._rng.randint(2 ** 31))
        xs = np.stack([self.gen.standardize(self.gen.random_transform(
            self.x[j].astype(self.gen.dtype), rng=rng)) for j in idx])
        out = [xs]
        if self.y is not None:
            out.append(self.y[idx])
        if self.sample_weight is not None:
            out.append(self.sample_weight[idx])
        return out[0] if len(out) == 1 else tuple(out)


class _DirectoryIterator(_Iterator):
    def __init__(self, gen, paths, ids, names, target_size, color_mode, class_mode, batch_size,
                 shuffle, seed, interpolation, keep_aspect_ratio):
        if class_mode not in ("categorical", "binary", "sparse", "input", None):
            raise ValueError(f"Invalid class_mode {class_mode!r}.")
        self.gen, self.filepaths, self.classes = gen, paths, ids
        self.class_indices = {n: i for i, n in enumerate(names)}
        self.num_classes = len(names)
        self.target_size, self.color_mode = target_size, color_mode
        self.class_mode, self.interpolation = class_mode, interpolation
        self.keep_aspect_ratio = keep_aspect_ratio
        self.samples = len(paths)
        super().__init__(len(paths), batch_size, shuffle, seed)

    def _batch(self, idx):
        rng = np.random.RandomState(self._rng.randint(2 ** 31))
        xs = []
        for j in idx:
            img = load_img(self.filepaths[j], color_mode=self.color_mode,
                           target_size=self.target_size, interpolation=self.interpolation,
                           keep_aspect_ratio=self.keep_aspect_ratio)
            x = img_to_array(img, dtype=self.gen.dtype)
            xs.append(self.gen.standardize(self.gen.random_transform(x, rng=rng)))
        xs = np.stack(xs)
        c = self.classes[idx]
        if self.class_mode == "input":
            return xs, xs.copy()
        if self.class_mode == "sparse":
            return xs, c.astype(self.gen.dtype)
        if self.class_mode == "binary":
            return xs, c.astype(self.gen.dtype)
        if self.class_mode == "categorical":
            return xs, np.eye(self.num_classes, dtype=self.gen.dtype)[c]
        return xs
