"""tf.image ops, Keras image preprocessing layers and image file utilities (Pillow / NumPy
references; no TensorFlow)."""

import numpy as np
import pytest

import flowgrad as tf
from flowgrad import keras
from flowgrad.keras import layers as L

PIL = pytest.importorskip("PIL.Image")
RNG = np.random.default_rng(7)


def _img(*shape):
    return RNG.random(shape).astype("float32")


# ------------------------------------------------------------------------------ tf.image resize
@pytest.mark.parametrize("size", [(9, 13), (3, 4)])
@pytest.mark.parametrize("method,pil", [("bilinear", "BILINEAR"), ("bicubic", "BICUBIC"),
                                        ("lanczos3", "LANCZOS")])
def test_resize_antialias_matches_pillow(size, method, pil):
    x = _img(6, 8)
    ref = np.asarray(PIL.fromarray(x, mode=None).resize(size[::-1], getattr(PIL, pil)))
    got = tf.image.resize(x[..., None], size, method=method, antialias=True).numpy()[..., 0]
    # Pillow's bicubic uses a = -0.5 too; its lanczos and ours are the same windowed sinc
    np.testing.assert_allclose(got, ref, atol=2e-3 if method != "bilinear" else 1e-5)


def test_resize_bilinear_upsampling_matches_pillow_and_numpy():
    x = _img(4, 5, 2)
    got = tf.image.resize(x, (8, 15)).numpy()
    for c in range(2):
        ref = np.asarray(PIL.fromarray(x[..., c], mode=None).resize((15, 8), PIL.BILINEAR))
        np.testing.assert_allclose(got[..., c], ref, atol=1e-5)
    # downsampling without antialias: half-pixel bilinear interpolation, by hand
    y = tf.image.resize(x, (2, 2)).numpy()   # centres at 0.5 / 2.5 (rows), 0.75 / 3.25 (cols)
    r = np.array([[0.5, 0.5, 0, 0], [0, 0, 0.5, 0.5]])
    cw = np.zeros((2, 5))
    cw[0, 0], cw[0, 1], cw[1, 3], cw[1, 4] = 0.25, 0.75, 0.75, 0.25
    np.testing.assert_allclose(y, np.einsum("ph,qw,hwc->pqc", r, cw, x), atol=1e-6)


def test_resize_nearest_area_and_dtypes():
    x = np.arange(16, dtype="uint8").reshape(1, 4, 4, 1)
    near = tf.image.resize(x, (2, 2), method="nearest")
    assert near.dtype == tf.uint8
    np.testing.assert_array_equal(near.numpy()[0, ..., 0], [[5, 7], [13, 15]])
    area = tf.image.resize(x, (2, 2), method="area").numpy()[0, ..., 0]
    np.testing.assert_allclose(area, x[0, ..., 0].reshape(2, 2, 2, 2).mean((1, 3)))
    assert tf.image.resize(x, (3, 3)).dtype == tf.float32
    up = tf.image.resize(x, (8, 8), method="nearest").numpy()
    np.testing.assert_array_equal(up, x.repeat(2, 1).repeat(2, 2))
    assert tf.image.resize(_img(10, 20, 3), (8, 8), preserve_aspect_ratio=True).shape == (4, 8, 3)
    with pytest.raises(ValueError, match="resize method"):
        tf.image.resize(x, (2, 2), method="cubic")


def test_resize_in_function_and_gradient():
    x = tf.constant(_img(2, 5, 6, 3))

    @tf.function
    def f(v):
        return tf.image.resize(v, (3, 4), method="bicubic")

    np.testing.assert_allclose(f(x).numpy(), tf.image.resize(x, (3, 4), "bicubic").numpy(),
                               atol=1e-6)
    with tf.GradientTape() as tape:
        tape.watch(x)
        s = tf.reduce_sum(tf.image.resize(x, (3, 4)))
    g = tape.gradient(s, x).numpy()
    # every output row / column of weights sums to 1
    np.testing.assert_allclose(g.sum(), 2 * 3 * 4 * 3, rtol=1e-5)


def test_bilinear_resize_two_taps_equal_the_interpolation_matrices():
    """Bilinear without antialiasing runs as two gathered taps per axis; down- and upsampling,
    one axis unchanged, single and batched images, and the gradient all equal the dense
    (out, in) interpolation matrices applied in float64."""
    from flowgrad.image import _resize
    for shape, size in [((7, 9, 2), (4, 5)), ((2, 5, 4, 3), (9, 4)), ((6, 6, 1), (6, 2))]:
        x = _img(*shape)
        wh = _resize.weights("bilinear", shape[-3], size[0], False)
        ww = _resize.weights("bilinear", shape[-2], size[1], False)
        ref = np.einsum("ph,qw,...hwc->...pqc", wh, ww, x.astype(np.float64))
        np.testing.assert_allclose(tf.image.resize(x, size).numpy(), ref, atol=1e-5)
    # resizing is linear: the gradient of sum(resize(x) * u) is Wh^T u Ww per channel
    x = tf.constant(_img(4, 7, 2))
    u = np.random.default_rng(1).standard_normal((3, 5, 2)).astype(np.float32)
    with tf.GradientTape() as tape:
        tape.watch(x)
        total = tf.reduce_sum(tf.image.resize(x, (3, 5)) * u)
    wh = _resize.weights("bilinear", 4, 3, False)
    ww = _resize.weights("bilinear", 7, 5, False)
    np.testing.assert_allclose(tape.gradient(total, x).numpy(),
                               np.einsum("ph,qw,pqc->hwc", wh, ww, u), atol=1e-5)


# ------------------------------------------------------------------------------ tf.image geometry
def test_flips_rotations_crops_exact():
    x = _img(2, 5, 6, 3)
    np.testing.assert_array_equal(tf.image.flip_left_right(x).numpy(), x[:, :, ::-1])
    np.testing.assert_array_equal(tf.image.flip_up_down(x[0]).numpy(), x[0, ::-1])
    for k in range(4):
        np.testing.assert_array_equal(tf.image.rot90(x, k).numpy(), np.rot90(x, k, axes=(1, 2)))
    np.testing.assert_array_equal(tf.image.transpose(x[0]).numpy(), x[0].transpose(1, 0, 2))
    np.testing.assert_array_equal(tf.image.crop_to_bounding_box(x, 1, 2, 3, 4).numpy(),
                                  x[:, 1:4, 2:6])
    padded = tf.image.pad_to_bounding_box(x[0], 1, 2, 8, 9).numpy()
    assert padded.shape == (8, 9, 3) and padded.sum() == pytest.approx(x[0].sum(), rel=1e-5)
    np.testing.assert_array_equal(padded[1:6, 2:8], x[0])
    np.testing.assert_array_equal(tf.image.central_crop(_img(8, 8, 1) * 0 + 1, 0.5).shape,
                                  (4, 4, 1))
    y = np.arange(36, dtype="float32").reshape(6, 6, 1)
    np.testing.assert_array_equal(tf.image.central_crop(y, 0.5).numpy(), y[1:5, 1:5])
    r = tf.image.resize_with_crop_or_pad(y, 4, 8).numpy()
    np.testing.assert_array_equal(r[:, 1:7], y[1:5])
    assert r[:, 0].sum() == 0 and r[:, 7].sum() == 0
    with pytest.raises(ValueError):
        tf.image.crop_to_bounding_box(x, 3, 0, 3, 3)
    assert tf.image.random_crop(x, (2, 3, 3, 3), seed=1).shape == (2, 3, 3, 3)
    assert tf.image.resize_with_pad(_img(4, 8, 3), 8, 8).shape == (8, 8, 3)


def test_random_flips_per_image_and_stateless():
    x = _img(16, 3, 4, 1)
    out = tf.image.random_flip_left_right(x, seed=3).numpy()
    flipped = [np.array_equal(o, v[:, ::-1]) for o, v in zip(out, x)]
    kept = [np.array_equal(o, v) for o, v in zip(out, x)]
    assert all(f or k for f, k in zip(flipped, kept)) and 0 < sum(flipped) < 16
    a = tf.image.stateless_random_flip_up_down(x, seed=(1, 2)).numpy()
    np.testing.assert_array_equal(a, tf.image.stateless_random_flip_up_down(x, (1, 2)).numpy())


# ------------------------------------------------------------------------------ tf.image colour
def test_convert_image_dtype():
    u = np.array([[[0, 128, 255]]], dtype="uint8")
    f = tf.image.convert_image_dtype(u, tf.float32).numpy()
    np.testing.assert_allclose(f, u / 255.0, rtol=1e-6)
    back = tf.image.convert_image_dtype(f, tf.uint8).numpy()
    np.testing.assert_array_equal(back, u)
    np.testing.assert_array_equal(
        tf.image.convert_image_dtype(np.float32([[[1.5, -1.0]]]), tf.uint8, saturate=True),
        [[[255, 0]]])
    np.testing.assert_array_equal(tf.image.convert_image_dtype(u, tf.uint16).numpy(),
                                  u.astype("uint16") * 257 - u.astype("uint16") * 0
                                  if False else u.astype("uint16") * 256)
    assert tf.image.convert_image_dtype(u, tf.float64).dtype == tf.float64


def test_color_ops():
    x = _img(2, 4, 5, 3)
    s = tf.image.per_image_standardization(x).numpy()
    np.testing.assert_allclose(s.mean(axis=(1, 2, 3)), 0, atol=1e-5)
    np.testing.assert_allclose(s.std(axis=(1, 2, 3)), 1, rtol=1e-4)
    np.testing.assert_allclose(tf.image.adjust_brightness(x, 0.1).numpy(), x + 0.1, rtol=1e-6)
    u8 = (x * 255).astype("uint8")
    assert tf.image.adjust_brightness(u8, 0.5).numpy().max() == 255
    m = x.mean(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(tf.image.adjust_contrast(x, 2.0).numpy(), (x - m) * 2 + m,
                               rtol=1e-5, atol=1e-6)
    g = tf.image.rgb_to_grayscale(x).numpy()
    np.testing.assert_allclose(g[..., 0], x @ np.float32([0.2989, 0.587, 0.114]), rtol=1e-5)
    assert tf.image.rgb_to_grayscale(u8).dtype == tf.uint8
    np.testing.assert_array_equal(tf.image.grayscale_to_rgb(g).numpy(), np.repeat(g, 3, -1))
    b = tf.image.random_brightness(x, 0.2, seed=1).numpy() - x
    assert np.ptp(b) < 1e-5 and abs(b.mean()) <= 0.2
    assert tf.image.random_contrast(x, 0.5, 1.5, seed=1).shape == x.shape


def test_codecs_round_trip():
    u8 = (RNG.random((5, 7, 3)) * 255).astype("uint8")
    png = tf.image.encode_png(u8)
    assert png.dtype == tf.string
    np.testing.assert_array_equal(tf.image.decode_png(png).numpy(), u8)
    np.testing.assert_array_equal(tf.image.decode_image(png).numpy(), u8)
    assert tf.image.decode_png(png, channels=1).shape == (5, 7, 1)
    assert tf.image.decode_png(png, channels=4).shape == (5, 7, 4)
    assert tf.image.decode_image(png, dtype=tf.float32).dtype == tf.float32
    gray16 = (RNG.random((4, 3, 1)) * 65535).astype("uint16")
    np.testing.assert_array_equal(
        tf.image.decode_png(tf.image.encode_png(gray16), dtype=tf.uint16).numpy(), gray16)
    smooth = np.broadcast_to(np.linspace(0, 255, 16, dtype="float32")[None, :, None],
                             (16, 16, 3)).astype("uint8")
    jpg = tf.image.decode_jpeg(tf.image.encode_jpeg(smooth, quality=95)).numpy()
    assert jpg.shape == (16, 16, 3) and np.abs(jpg.astype(int) - smooth).max() < 12


# ------------------------------------------------------------------------------ layers
def test_rescaling_resizing_center_crop():
    x = (_img(2, 6, 8, 3) * 255).astype("float32")
    np.testing.assert_allclose(L.Rescaling(1 / 127.5, offset=-1)(x).numpy(), x / 127.5 - 1,
                               rtol=1e-5, atol=1e-6)
    assert L.Rescaling(0.5)(x.astype("uint8")).dtype == tf.float32
    np.testing.assert_allclose(L.Resizing(3, 4)(x).numpy(), tf.image.resize(x, (3, 4)).numpy())
    assert L.Resizing(4, 4, crop_to_aspect_ratio=True)(x).shape == (2, 4, 4, 3)
    np.testing.assert_array_equal(L.CenterCrop(4, 4)(x).numpy(), x[:, 1:5, 2:6])
    assert L.CenterCrop(4, 4)(x[0]).shape == (4, 4, 3)
    assert L.CenterCrop(10, 10)(x).shape == (2, 10, 10, 3)


RANDOM_LAYERS = [
    (L.RandomFlip, {}), (L.RandomCrop, {"height": 4, "width": 5}),
    (L.RandomRotation, {"factor": 0.2}), (L.RandomZoom, {"height_factor": 0.3}),
    (L.RandomTranslation, {"height_factor": 0.2, "width_factor": 0.2}),
    (L.RandomContrast, {"factor": 0.5}), (L.RandomBrightness, {"factor": 0.3}),
]


@pytest.mark.parametrize("cls,kw", RANDOM_LAYERS, ids=[c.__name__ for c, _ in RANDOM_LAYERS])
def test_random_layers_seeded_and_inactive_at_inference(cls, kw):
    x = _img(4, 6, 7, 3) * 255
    inference = cls(seed=5, **kw)(x).numpy()
    if cls is L.RandomCrop:
        np.testing.assert_allclose(inference, L.Resizing(4, 5, crop_to_aspect_ratio=True)(x),
                                   rtol=1e-5)
    else:
        np.testing.assert_array_equal(inference, x)
    runs = []
    for _ in range(2):
        tf.random.set_seed(11)
        layer = cls(seed=5, **kw)
        runs.append([layer(x, training=True).numpy() for _ in range(2)])
    np.testing.assert_array_equal(runs[0][0], runs[1][0])
    np.testing.assert_array_equal(runs[0][1], runs[1][1])
    assert not np.array_equal(runs[0][0], x[:, :runs[0][0].shape[1], :runs[0][0].shape[2]])
    tf.random.set_seed(None)


def test_random_rotation_quarter_turn_and_fill_modes():
    x = _img(1, 5, 5, 2)
    rot = L.RandomRotation((0.25, 0.25), interpolation="nearest")(x, training=True).numpy()
    np.testing.assert_allclose(rot, np.rot90(x, 1, axes=(1, 2)), atol=1e-6)
    shifted = L.RandomTranslation((0.2, 0.2), (0, 0), fill_mode="constant",
                                  interpolation="nearest")(x, training=True).numpy()
    np.testing.assert_array_equal(shifted[:, 1:], x[:, :4])
    assert (shifted[:, 0] == 0).all()
    wrapped = L.RandomTranslation((0.2, 0.2), (0, 0), fill_mode="wrap",
                                  interpolation="nearest")(x, training=True).numpy()
    np.testing.assert_array_equal(wrapped, np.roll(x, 1, axis=1))


def test_augmentation_layers_in_compiled_fit():
    x = _img(8, 8, 8, 3) * 255
    y = RNG.integers(0, 2, 8)
    model = keras.Sequential([keras.Input((8, 8, 3)), L.RandomFlip(seed=1),
                              L.RandomRotation(0.1, seed=2), L.Rescaling(1 / 255),
                              L.Conv2D(2, 3), L.GlobalAveragePooling2D(), L.Dense(2)])
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    h = model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    assert np.isfinite(h.history["loss"][0])
    np.testing.assert_allclose(model.predict(x, verbose=0), model.predict(x, verbose=0))


# ------------------------------------------------------------------------------ files
def _make_folder(root, classes=("cats", "dogs"), n=5, size=(10, 12)):
    for ci, c in enumerate(classes):
        (root / c).mkdir()
        for i in range(n):
            arr = np.full((*size, 3), 40 + 150 * ci, dtype="uint8")
            arr[..., i % 3] = 30 * i
            PIL.fromarray(arr).save(root / c / f"img{i}.png")
    (root / "cats" / "notes.txt").write_text("not an image")


def test_load_img_and_array_conversions(tmp_path):
    arr = (RNG.random((6, 4, 3)) * 255).astype("uint8")
    PIL.fromarray(arr).save(tmp_path / "a.png")
    img = keras.utils.load_img(tmp_path / "a.png")
    np.testing.assert_array_equal(keras.utils.img_to_array(img), arr.astype("float32"))
    assert keras.utils.img_to_array(keras.utils.load_img(
        tmp_path / "a.png", color_mode="grayscale", target_size=(3, 2))).shape == (3, 2, 1)
    back = keras.utils.array_to_img(arr.astype("float32"), scale=False)
    np.testing.assert_array_equal(np.asarray(back), arr)
    keras.utils.save_img(tmp_path / "b.png", arr, scale=False)
    np.testing.assert_array_equal(np.asarray(PIL.open(tmp_path / "b.png")), arr)


def test_image_dataset_from_directory_feeds_fit(tmp_path):
    _make_folder(tmp_path)
    ds = keras.utils.image_dataset_from_directory(tmp_path, image_size=(8, 8), batch_size=4,
                                                  seed=1)
    assert ds.class_names == ["cats", "dogs"]
    batches = list(ds)
    assert [b[0].shape[0] for b in batches] == [4, 4, 2]
    x, y = batches[0]
    assert x.shape == (4, 8, 8, 3) and x.dtype == tf.float32 and y.dtype == tf.int32
    labels = np.concatenate([b[1].numpy() for b in batches])
    assert sorted(labels.tolist()) == [0] * 5 + [1] * 5
    tr = keras.utils.image_dataset_from_directory(
        tmp_path, image_size=(8, 8), batch_size=3, seed=2, validation_split=0.2,
        subset="training", label_mode="categorical")
    va = keras.utils.image_dataset_from_directory(
        tmp_path, image_size=(8, 8), batch_size=3, seed=2, validation_split=0.2,
        subset="validation", label_mode="categorical")
    assert sorted(set(tr.file_paths) | set(va.file_paths)) == sorted(
        set(tr.file_paths + va.file_paths)) and len(va.file_paths) == 2
    assert not set(tr.file_paths) & set(va.file_paths)
    _, yb = next(iter(tr))
    assert yb.shape == (3, 2)
    binary = keras.utils.image_dataset_from_directory(tmp_path, image_size=(8, 8),
                                                      label_mode="binary", shuffle=False)
    assert next(iter(binary))[1].shape == (10, 1)
    model = keras.Sequential([keras.Input((8, 8, 3)), L.Rescaling(1 / 255),
                              L.Conv2D(2, 3, activation="relu"), L.Flatten(), L.Dense(2)])
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    h = model.fit(ds, epochs=2, verbose=0)
    assert len(h.history["loss"]) == 2 and np.isfinite(h.history["loss"]).all()


def test_image_data_generator_flow_and_directory(tmp_path):
    from flowgrad.keras.preprocessing.image import ImageDataGenerator
    x = (_img(10, 8, 8, 3) * 255).astype("float32")
    y = RNG.integers(0, 2, 10)
    gen = ImageDataGenerator(rescale=1 / 255, rotation_range=15, width_shift_range=0.1,
                             height_shift_range=0.1, zoom_range=0.1, horizontal_flip=True,
                             fill_mode="nearest", validation_split=0.2)
    it = gen.flow(x, y, batch_size=4, seed=0, subset="training")
    assert len(it) == 2
    xb, yb = it[0]
    assert xb.shape == (4, 8, 8, 3) and xb.max() <= 1.0 + 1e-5 and yb.shape == (4,)
    plain = ImageDataGenerator(rescale=0.5).flow(x, batch_size=10, shuffle=False)
    np.testing.assert_allclose(plain[0], x * 0.5, rtol=1e-6)
    model = keras.Sequential([keras.Input((8, 8, 3)), L.Conv2D(2, 3), L.Flatten(), L.Dense(2)])
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    h = model.fit(it, epochs=1, verbose=0)
    assert np.isfinite(h.history["loss"][0])
    fw = ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True)
    fw.fit(x)
    z = fw.flow(x, batch_size=10, shuffle=False)[0]
    np.testing.assert_allclose(z.mean(axis=(0, 1, 2)), 0, atol=1e-3)
    _make_folder(tmp_path)
    d = ImageDataGenerator(rescale=1 / 255, validation_split=0.4).flow_from_directory(
        tmp_path, target_size=(6, 6), batch_size=4, subset="training", seed=1)
    assert d.samples == 6 and d.class_indices == {"cats": 0, "dogs": 1}
    xb, yb = d[0]
    assert xb.shape == (4, 6, 6, 3) and yb.shape == (4, 2)


def test_missing_pillow_message(monkeypatch):
    import builtins
    real = builtins.__import__

    def fake(name, *a, **k):
        if name == "PIL" or name.startswith("PIL."):
            raise ImportError("no PIL")
        return real(name, *a, **k)

    monkeypatch.setattr(builtins, "__import__", fake)
    with pytest.raises(ImportError, match="Pillow"):
        tf.image.decode_png(b"\x89PNG")
