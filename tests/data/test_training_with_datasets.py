"""Model.fit / evaluate / predict on tf.data pipelines, and the tutorials' pipelines on MNIST from
the shared offline file (tutorial 004 builds `cache().shuffle().batch().map().prefetch()` over
tfds' MNIST; here the same pipeline is built from `keras.datasets.mnist.load_data(path=...)`)."""

import pathlib

import numpy as np
import pytest

import flowgrad as tf
from flowgrad import keras

MNIST = pathlib.Path(__file__).resolve().parents[2].parent / "shared" / "datasets" / "mnist.npz"


@pytest.fixture(autouse=True)
def _seed():
    keras.utils.set_random_seed(7)


def _toy(n=256):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 4)).astype(np.float32)
    y = (x @ np.array([1.0, -1.0, 0.5, 0.0], np.float32) > 0).astype(np.float32)[:, None]
    return x, y


def _model():
    m = keras.Sequential([keras.layers.Dense(8, activation="relu", input_shape=(4,)),
                          keras.layers.Dense(1, activation="sigmoid")])
    m.compile(optimizer=keras.optimizers.Adam(0.05), loss="binary_crossentropy",
              metrics=["accuracy"])
    return m


def test_fit_on_dataset_with_validation_dataset():
    x, y = _toy()
    train = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(256, seed=1).batch(32)
    val = tf.data.Dataset.from_tensor_slices((x[:64], y[:64])).batch(32)
    m = _model()
    h = m.fit(train, validation_data=val, epochs=4, verbose=0)
    assert set(h.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert h.history["loss"][-1] < h.history["loss"][0]
    assert h.history["accuracy"][-1] > 0.8
    ev = m.evaluate(val, return_dict=True, verbose=0)
    assert ev["loss"] == pytest.approx(h.history["val_loss"][-1], rel=1e-5)
    assert m.predict(val, verbose=0).shape == (64, 1)
    # predict on a dataset of x only, and of (x, y) pairs
    assert m.predict(tf.data.Dataset.from_tensor_slices(x).batch(50), verbose=0).shape == \
        (256, 1)


def test_fit_on_repeated_dataset_needs_and_uses_steps_per_epoch():
    x, y = _toy()
    ds = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(64, seed=2).batch(16).repeat()
    m = _model()
    with pytest.raises(ValueError, match="infinite"):
        m.fit(ds, epochs=1, verbose=0)
    seen = []

    class Count(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append(batch)
    h = m.fit(ds, steps_per_epoch=5, epochs=3, verbose=0, callbacks=[Count()],
              validation_data=tf.data.Dataset.from_tensor_slices((x, y)).batch(64).repeat(),
              validation_steps=2)
    assert len(h.history["loss"]) == 3 and seen == [0, 1, 2, 3, 4] * 3
    assert "val_loss" in h.history
    assert m.evaluate(ds, steps=3, verbose=0)[0] > 0


def test_sample_weights_and_dict_inputs_from_datasets():
    x, y = _toy(128)
    inp = keras.Input((4,), name="features")
    out = keras.layers.Dense(1)(inp)
    m = keras.Model(inp, out)
    m.compile(optimizer="sgd", loss="mse")
    zero_w = tf.data.Dataset.from_tensor_slices(({"features": x}, y, np.zeros(128, np.float32)))
    before = [w.numpy().copy() for w in m.weights]
    h = m.fit(zero_w.batch(32), epochs=1, verbose=0)
    assert h.history["loss"][0] == pytest.approx(0.0)      # all weights zero: no update
    assert all(np.array_equal(a, b.numpy()) for a, b in zip(before, m.weights))
    ones = tf.data.Dataset.from_tensor_slices(({"features": x}, y)).batch(32)
    m.fit(ones, epochs=1, verbose=0)
    assert not all(np.array_equal(a, b.numpy()) for a, b in zip(before, m.weights))


def test_pipeline_with_map_and_prefetch_trains():
    x, y = _toy()
    ds = (tf.data.Dataset.from_tensor_slices((x * 10, y))
          .map(lambda a, b: (a / 10, b), num_parallel_calls=tf.data.AUTOTUNE)
          .batch(32)
          .prefetch(tf.data.AUTOTUNE))
    m = _model()
    h = m.fit(ds, epochs=3, verbose=0)
    assert h.history["loss"][-1] < h.history["loss"][0]


@pytest.fixture(scope="module")
def mnist():
    if not MNIST.exists():
        pytest.skip(f"MNIST not found at {MNIST}")
    return keras.datasets.mnist.load_data(path=str(MNIST))


def test_tutorial_004_pipeline_shape_on_mnist(mnist):
    (x_train, y_train), _ = mnist
    # tfds' as_supervised MNIST: (28, 28, 1) uint8 images and int64 labels
    training_set = tf.data.Dataset.from_tensor_slices((x_train[..., None],
                                                       y_train.astype(np.int64)))
    num_training_examples = len(training_set)
    assert num_training_examples == 60000
    for image, label in training_set.take(1):
        assert image.dtype == tf.uint8 and image.shape == (28, 28, 1)
        assert label.dtype == tf.int64

    def normalize(image, label):
        image = tf.cast(image, tf.float32)
        image /= 255
        return image, label

    batch_size = 64
    training_batches = (training_set.cache()
                        .shuffle(num_training_examples // 4)
                        .batch(batch_size)
                        .map(normalize)
                        .prefetch(1))
    spec = training_batches.element_spec
    assert spec[0] == tf.TensorSpec([None, 28, 28, 1], tf.float32)
    assert len(training_batches) == 938
    n, labels = 0, []
    for image_batch, label_batch in training_batches:
        n += image_batch.shape[0]
        labels.append(label_batch.numpy())
    assert n == 60000 and image_batch.shape == (60000 % 64, 28, 28, 1)
    assert float(tf.reduce_max(image_batch)) <= 1.0
    assert sorted(np.concatenate(labels).tolist()) == sorted(y_train.tolist())
    for image_batch, label_batch in training_batches.take(1):
        assert image_batch.shape == (64, 28, 28, 1) and image_batch.dtype == tf.float32
        inputs = tf.reshape(image_batch, [image_batch.shape[0], -1])
        assert inputs.shape == (64, 784)


def test_fit_mnist_from_a_dataset(mnist):
    (x_train, y_train), (x_test, y_test) = mnist
    train = (tf.data.Dataset.from_tensor_slices((x_train[:6000], y_train[:6000]))
             .shuffle(6000, seed=0).batch(128)
             .map(lambda x, y: (tf.cast(x, tf.float32) / 255.0, y)).prefetch(2))
    test = (tf.data.Dataset.from_tensor_slices((x_test[:1000], y_test[:1000])).batch(500)
            .map(lambda x, y: (tf.cast(x, tf.float32) / 255.0, y)))
    m = keras.Sequential([keras.layers.Flatten(input_shape=(28, 28)),
                          keras.layers.Dense(64, activation="relu"),
                          keras.layers.Dense(10, activation="softmax")])
    m.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    h = m.fit(train, validation_data=test, epochs=2, verbose=0)
    assert h.history["val_accuracy"][-1] > 0.85
