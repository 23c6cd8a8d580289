"""The trainer: compile / fit / evaluate / predict on the tutorials' models and data, data
sources, weighting, custom steps, callbacks driven by a real fit, and tracing behaviour."""

import os
import pathlib
import re

import numpy as np
import pytest

import flowgrad as tf
from flowgrad import keras

MNIST = pathlib.Path(__file__).resolve().parents[2].parent / "shared" / "datasets" / "mnist.npz"


@pytest.fixture(scope="module")
def mnist():
    if not MNIST.exists():
        pytest.skip(f"MNIST not found at {MNIST}")
    with np.load(MNIST) as d:
        return {k: d[k] for k in ("x_train", "y_train", "x_test", "y_test")}


@pytest.fixture(autouse=True)
def _seed():
    keras.utils.set_random_seed(1234)


def mlp(hidden=128, optimizer="adam", metrics=("accuracy",)):
    model = keras.Sequential([
        keras.layers.Flatten(input_shape=(28, 28)),
        keras.layers.Dense(hidden, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy",
                  metrics=list(metrics))
    return model


def linear_model(lr=0.0, units=1, input_dim=3, **compile_kwargs):
    """A Dense layer with known weights (ones) and a learning rate (0: weights stay)."""
    model = keras.Sequential([keras.layers.Dense(units, input_shape=(input_dim,),
                                                 kernel_initializer="ones")])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr), **compile_kwargs)
    return model


# -- the tutorials -----------------------------------------------------------------------------
def test_fit_line_with_sgd_predicts_true_value(capsys):
    model = keras.Sequential([keras.layers.Dense(units=1, input_shape=[1])])
    model.compile(optimizer="sgd", loss="mean_squared_error")
    xs = np.array([-1.0, 0.0, 1.0, 2.0, 3.0, 4.0], dtype=float)
    ys = np.array([-3.0, -1.0, 1.0, 3.0, 5.0, 7.0], dtype=float)
    history = model.fit(xs, ys, epochs=500, verbose=0)
    assert capsys.readouterr().out == ""
    assert list(history.history) == ["loss"] and len(history.history["loss"]) == 500
    pred = model.predict([10.0])
    assert pred.shape == (1, 1) and abs(float(pred[0, 0]) - 19.0) < 0.1
    assert re.fullmatch(r"1/1 ━{20} \d+s \d+(us|ms)/step\n", capsys.readouterr().out)


def test_mnist_subset_mlp(mnist, capsys):
    x, y = mnist["x_train"][:2000] / 255.0, mnist["y_train"][:2000]
    model = mlp()
    history = model.fit(x, y, epochs=5, batch_size=32, validation_split=0.2)
    out = capsys.readouterr().out
    assert "\r" not in out
    lines = out.splitlines()
    assert lines[::2] == [f"Epoch {i}/5" for i in range(1, 6)]
    assert all(re.match(r"50/50 ━{20} \d+s \d+(us|ms)/step - loss: \d\.\d{4} - accuracy: "
                        r"0\.\d{4} - val_loss: \d\.\d{4} - val_accuracy: 0\.\d{4}$", line)
               for line in lines[1::2]), lines
    assert list(history.history) == ["loss", "accuracy", "val_loss", "val_accuracy"]
    assert history.history["loss"][-1] < history.history["loss"][0]
    loss, acc = model.evaluate(mnist["x_test"][:1000] / 255.0, mnist["y_test"][:1000],
                               verbose=0)
    assert acc > 0.85 and loss < 0.6
    assert model.metrics_names == ["loss", "accuracy"]
    probs = model.predict(mnist["x_test"][:100] / 255.0, verbose=0)
    assert probs.shape == (100, 10) and np.allclose(probs.sum(axis=1), 1.0, atol=1e-5)


@pytest.mark.slow
def test_full_mnist_five_epochs_reaches_97_percent(mnist, request):
    model = mlp()
    model.fit(mnist["x_train"] / 255.0, mnist["y_train"], epochs=5, verbose=0)
    _, acc = model.evaluate(mnist["x_test"] / 255.0, mnist["y_test"], verbose=0)
    assert acc >= 0.97


def test_one_hot_labels_and_categorical_accuracy(mnist):
    x = mnist["x_train"][:512] / 255.0
    y = keras.utils.to_categorical(mnist["y_train"][:512], 10)
    model = keras.Sequential([keras.layers.Flatten(input_shape=(28, 28)),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    h = model.fit(x, y, epochs=3, batch_size=64, verbose=0)
    assert h.history["accuracy"][-1] > 0.6
    assert type(model.metrics[1]).__name__ == "CategoricalAccuracy"


# -- history, evaluate, predict ----------------------------------------------------------------
def test_history_keys_evaluate_and_predict_shapes():
    x = np.random.rand(100, 3).astype("float32")
    y = (x.sum(axis=1, keepdims=True) > 1.5).astype("float32")
    model = keras.Sequential([keras.layers.Dense(4, activation="relu", input_shape=(3,)),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy", "mse"])
    h = model.fit(x, y, epochs=2, batch_size=16, validation_data=(x[:20], y[:20]), verbose=0)
    assert set(h.history) == {"loss", "accuracy", "mse", "val_loss", "val_accuracy", "val_mse"}
    assert h.epoch == [0, 1] and h.params["epochs"] == 2 and h.params["steps"] == 7
    assert model.history is h
    result = model.evaluate(x, y, verbose=0)
    assert isinstance(result, list) and len(result) == 3
    d = model.evaluate(x, y, verbose=0, return_dict=True)
    assert set(d) == {"loss", "accuracy", "mse"}
    assert np.isclose(d["loss"], result[0], rtol=1e-5)
    assert model.predict(x, batch_size=7, verbose=0).shape == (100, 1)
    assert model.predict_on_batch(x[:5]).shape == (5, 1)
    assert type(model.metrics[1]).__name__ == "BinaryAccuracy"


def test_evaluate_returns_scalar_without_metrics():
    model = linear_model(loss="mse")
    x = np.ones((10, 3), "float32")
    loss = model.evaluate(x, np.full((10, 1), 3.0), verbose=0)
    assert isinstance(loss, float) and loss == 0.0


def test_evaluate_values_are_exact_means_over_uneven_batches():
    model = linear_model(loss="mse", metrics=["mae"])
    x = np.random.rand(37, 3).astype("float32")
    y = np.random.rand(37, 1).astype("float32")
    err = x.sum(axis=1, keepdims=True) - y
    for bs in (5, 8, 37, 64):
        loss, mae = model.evaluate(x, y, batch_size=bs, verbose=0)
        assert np.isclose(loss, np.mean(err ** 2), rtol=1e-5), bs
        assert np.isclose(mae, np.mean(np.abs(err)), rtol=1e-5), bs


# -- weighting ---------------------------------------------------------------------------------
def test_sample_weight_in_fit_and_evaluate():
    model = linear_model(loss="mse", weighted_metrics=["mse"])
    x = np.random.rand(8, 3).astype("float32")
    y = np.zeros((8, 1), "float32")
    sw = np.arange(8, dtype="float32")
    per_sample = x.sum(axis=1) ** 2
    expected = np.sum(per_sample * sw) / 8  # Keras: weighted sum over the batch size
    h = model.fit(x, y, sample_weight=sw, batch_size=8, epochs=1, verbose=0, shuffle=False)
    assert np.isclose(h.history["loss"][0], expected, rtol=1e-5)
    d = model.evaluate(x, y, sample_weight=sw, batch_size=8, verbose=0, return_dict=True)
    assert np.isclose(d["loss"], expected, rtol=1e-5)
    # weighted metrics divide by the sum of the weights
    assert np.isclose(d["mse"], np.sum(per_sample * sw) / sw.sum(), rtol=1e-5)


def test_class_weight_scales_the_loss():
    x = np.random.rand(6, 3).astype("float32")
    y = np.array([0, 1, 2, 0, 1, 2])
    model = keras.Sequential([keras.layers.Dense(3, input_shape=(3,), activation="softmax")])
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="sparse_categorical_crossentropy")
    base = model.evaluate(x, y, batch_size=6, verbose=0)
    probs = model.predict(x, verbose=0)
    per_sample = -np.log(probs[np.arange(6), y])
    cw = {0: 1.0, 1: 2.0, 2: 0.0}
    h = model.fit(x, y, class_weight=cw, batch_size=6, epochs=1, verbose=0)
    w = np.array([cw[int(c)] for c in y])
    assert np.isclose(base, per_sample.mean(), rtol=1e-5)
    assert np.isclose(h.history["loss"][0], np.sum(per_sample * w) / 6, rtol=1e-5)


def test_regularization_losses_are_added():
    model = keras.Sequential([keras.layers.Dense(
        1, input_shape=(2,), kernel_initializer="ones", use_bias=False,
        kernel_regularizer=keras.regularizers.l2(0.5))])
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
    x = np.zeros((4, 2), "float32")
    h = model.fit(x, np.zeros((4, 1)), epochs=1, verbose=0)
    assert np.isclose(h.history["loss"][0], 0.5 * 2.0, rtol=1e-6)  # 0.5 * sum(w^2)


# -- data sources ------------------------------------------------------------------------------
def _toy(n=64):
    x = np.random.rand(n, 3).astype("float32")
    return x, x @ np.array([[1.0], [-2.0], [0.5]], "float32")


def test_python_generator_with_steps_per_epoch():
    x, y = _toy()

    def gen():
        while True:
            for i in range(0, 64, 16):
                yield x[i:i + 16], y[i:i + 16]

    model = linear_model(lr=0.1, loss="mse")
    h = model.fit(gen(), steps_per_epoch=4, epochs=3, verbose=0)
    assert len(h.history["loss"]) == 3 and h.history["loss"][-1] < h.history["loss"][0]
    assert model.evaluate(gen(), steps=2, verbose=0) < h.history["loss"][0]
    assert model.predict(gen(), steps=3, verbose=0).shape == (48, 1)


def test_finite_generator_runs_out_of_data_with_a_warning():
    x, y = _toy()
    model = linear_model(lr=0.1, loss="mse")
    gen = ((x[i:i + 16], y[i:i + 16]) for i in range(0, 64, 16))
    with pytest.warns(UserWarning, match="ran out of data"):
        h = model.fit(gen, epochs=3, verbose=0)
    assert len(h.history["loss"]) == 1


def test_reiterable_object_and_sample_weights_in_batches():
    x, y = _toy()

    class Batches:
        def __iter__(self):
            for i in range(0, 64, 16):
                yield x[i:i + 16], y[i:i + 16], np.ones(16, "float32")

    model = linear_model(lr=0.1, loss="mse")
    h = model.fit(Batches(), epochs=3, verbose=0)
    assert len(h.history["loss"]) == 3 and h.params["steps"] == 4


def test_py_dataset_calls_on_epoch_end():
    x, y = _toy()

    class Data(keras.utils.PyDataset):
        def __init__(self):
            super().__init__()
            self.epochs_seen = 0

        def __len__(self):
            return 4

        def __getitem__(self, i):
            return x[i * 16:(i + 1) * 16], y[i * 16:(i + 1) * 16]

        def on_epoch_end(self):
            self.epochs_seen += 1

    data = Data()
    model = linear_model(lr=0.1, loss="mse")
    h = model.fit(data, epochs=2, verbose=0, validation_data=data)
    assert data.epochs_seen >= 2 and "val_loss" in h.history


def test_multi_input_list_and_dict_and_multi_output():
    a = keras.Input(shape=(2,), name="a")
    b = keras.Input(shape=(3,), name="b")
    out1 = keras.layers.Dense(1, name="reg")(keras.layers.concatenate([a, b]))
    out2 = keras.layers.Dense(2, activation="softmax", name="cls")(b)
    model = keras.Model(inputs=[a, b], outputs=[out1, out2])
    model.compile(optimizer="adam", loss=["mse", "sparse_categorical_crossentropy"],
                  loss_weights=[1.0, 0.5], metrics=[["mae"], ["accuracy"]])
    xa = np.random.rand(40, 2).astype("float32")
    xb = np.random.rand(40, 3).astype("float32")
    y1 = np.random.rand(40, 1).astype("float32")
    y2 = np.random.randint(0, 2, 40)
    h = model.fit([xa, xb], [y1, y2], epochs=2, batch_size=8, verbose=0)
    assert {"loss", "reg_loss", "cls_loss", "reg_mae", "cls_accuracy"} <= set(h.history)
    d = model.evaluate({"a": xa, "b": xb}, {"reg": y1, "cls": y2}, verbose=0,
                       return_dict=True)
    assert np.isclose(d["loss"], d["reg_loss"] + 0.5 * d["cls_loss"], rtol=1e-4)
    p1, p2 = model.predict([xa, xb], verbose=0)
    assert p1.shape == (40, 1) and p2.shape == (40, 2)


# -- custom steps ------------------------------------------------------------------------------
def test_custom_train_step_keras2_style():
    class CustomModel(keras.Model):
        def train_step(self, data):
            x, y = data
            with tf.GradientTape() as tape:
                y_pred = self(x, training=True)
                loss = self.compiled_loss(y, y_pred, regularization_losses=self.losses)
            grads = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
            self.compiled_metrics.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

    inputs = keras.Input(shape=(3,))
    model = CustomModel(inputs, keras.layers.Dense(1)(inputs))
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    x, y = _toy()
    h = model.fit(x, y, epochs=3, verbose=0)
    assert set(h.history) == {"loss", "mae"}
    assert h.history["loss"][-1] < h.history["loss"][0]


def test_custom_train_step_keras3_style_with_trackers():
    class CustomModel(keras.Model):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.loss_tracker = keras.metrics.Mean(name="loss")
            self.mae_metric = keras.metrics.MeanAbsoluteError(name="mae")

        def call(self, x):
            return self.dense(x)

        def build(self, input_shape):
            self.dense = keras.layers.Dense(1)
            self.dense.build(input_shape)
            self.built = True

        def train_step(self, data):
            x, y = data
            with tf.GradientTape() as tape:
                y_pred = self(x, training=True)
                loss = keras.losses.mean_squared_error(y, y_pred)
            grads = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
            self.loss_tracker.update_state(loss)
            self.mae_metric.update_state(y, y_pred)
            return {"loss": self.loss_tracker.result(), "mae": self.mae_metric.result()}

        @property
        def metrics(self):
            return [self.loss_tracker, self.mae_metric]

    model = CustomModel()
    model.compile(optimizer="adam")
    x, y = _toy()
    h = model.fit(x, y, epochs=3, batch_size=16, verbose=0)
    assert set(h.history) == {"loss", "mae"}
    assert h.history["mae"][-1] < h.history["mae"][0]
    # reset at every epoch: the trackers hold only the last epoch's batches
    assert float(model.loss_tracker.count.numpy()) == 64  # 4 batches of 16 per-sample losses


def test_custom_train_step_with_compute_loss_and_metric_loop():
    class CustomModel(keras.Model):
        def train_step(self, data):
            x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
            with tf.GradientTape() as tape:
                y_pred = self(x, training=True)
                loss = self.compute_loss(y=y, y_pred=y_pred, sample_weight=sample_weight)
            grads = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred, sample_weight=sample_weight)
            return {m.name: m.result() for m in self.metrics}

    inputs = keras.Input(shape=(3,))
    model = CustomModel(inputs, keras.layers.Dense(1)(inputs))
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    x, y = _toy()
    h = model.fit(x, y, sample_weight=np.ones(64), epochs=3, verbose=0)
    assert set(h.history) == {"loss", "mae"}
    assert h.history["mae"][-1] < h.history["mae"][0]


def test_compute_loss_override_keeps_default_train_step():
    class Model(keras.Model):
        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None,
                         training=True):
            return tf.reduce_mean(tf.abs(y - y_pred)) * 0.0 + 7.0 + \
                tf.reduce_sum(y_pred) * 0.0

    inputs = keras.Input(shape=(3,))
    model = Model(inputs, keras.layers.Dense(1)(inputs))
    model.compile(optimizer="sgd", loss="mse")
    x, y = _toy()
    h = model.fit(x, y, epochs=1, verbose=0)
    assert np.isclose(h.history["loss"][0], 7.0)


# -- callbacks with a real fit -----------------------------------------------------------------
def test_stop_training_from_a_callback_mid_epoch():
    seen = []

    class Stop(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append(batch)
            if batch == 2:
                self.model.stop_training = True

    x, y = _toy()
    model = linear_model(lr=0.1, loss="mse")
    h = model.fit(x, y, batch_size=8, epochs=5, callbacks=[Stop()], verbose=0)
    assert seen == [0, 1, 2] and len(h.history["loss"]) == 1


def test_batch_logs_are_python_floats_with_running_means():
    logs_seen = []
    cb = keras.callbacks.LambdaCallback(on_batch_end=lambda b, logs: logs_seen.append(logs))
    x, y = _toy()
    model = linear_model(lr=0.0, loss="mse", metrics=["mae"])
    model.fit(x, y, batch_size=16, epochs=1, callbacks=[cb], verbose=0)
    assert len(logs_seen) == 4 and all(isinstance(v, float) for v in logs_seen[0].values())
    err = x.sum(axis=1) - y[:, 0]
    assert np.isclose(logs_seen[-1]["mae"], np.abs(err).mean(), rtol=1e-5)


def test_learning_rate_changes_reach_the_traced_step():
    x, y = _toy()
    model = linear_model(lr=0.1, loss="mse")
    sched = keras.callbacks.LearningRateScheduler(lambda epoch: 0.1 if epoch == 0 else 0.0)
    model.fit(x, y, epochs=1, verbose=0, callbacks=[sched])
    w = model.get_weights()
    h = model.fit(x, y, epochs=3, verbose=0, callbacks=[sched], initial_epoch=1)
    for a, b in zip(w, model.get_weights()):
        np.testing.assert_array_equal(a, b)  # lr 0 from epoch 1 on: nothing moves
    assert h.history["learning_rate"] == [0.0, 0.0]


def test_early_stopping_and_reduce_lr_in_fit(capsys):
    x, y = _toy()
    model = linear_model(lr=0.001, loss="mse")
    # A huge min_delta: only the first epoch counts as an improvement.
    es = keras.callbacks.EarlyStopping(monitor="loss", patience=2, verbose=1, min_delta=100)
    rl = keras.callbacks.ReduceLROnPlateau(monitor="loss", patience=1, factor=0.5,
                                           verbose=1, min_delta=100)
    h = model.fit(x, y, epochs=10, verbose=0, callbacks=[es, rl])
    out = capsys.readouterr().out
    assert len(h.history["loss"]) == 3 and "Epoch 3: early stopping" in out
    assert "ReduceLROnPlateau reducing learning rate to 0.0005" in out
    assert np.isclose(float(model.optimizer.learning_rate.numpy()), 0.00025)


def test_model_checkpoint_with_a_real_model(tmp_path):
    saved = []

    class Model(keras.Model):
        def save(self, filepath, overwrite=True, **kwargs):
            saved.append(filepath)

    inputs = keras.Input(shape=(3,))
    model = Model(inputs, keras.layers.Dense(1)(inputs))
    model.compile(optimizer="adam", loss="mse")
    x, y = _toy()
    ck = keras.callbacks.ModelCheckpoint(str(tmp_path / "m-{epoch:02d}-{val_loss:.2f}.h5"),
                                         save_best_only=True)
    model.fit(x, y, epochs=2, validation_split=0.25, callbacks=[ck], verbose=0)
    assert saved and all(re.search(r"m-0[12]-\d+\.\d\d\.h5$", p) for p in saved)


def test_backup_and_restore_resumes_a_real_fit(tmp_path):
    x, y = _toy()
    backup = str(tmp_path / "backup")

    class Interrupt(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                raise KeyboardInterrupt

    model = linear_model(lr=0.05, loss="mse")
    model.compile(optimizer="adam", loss="mse")
    with pytest.raises(KeyboardInterrupt):
        model.fit(x, y, epochs=4, verbose=0,
                  callbacks=[keras.callbacks.BackupAndRestore(backup), Interrupt()])
    iterations = int(model.optimizer.iterations.numpy())
    assert iterations == 4
    fresh = linear_model(lr=0.05, loss="mse")
    fresh.compile(optimizer="adam", loss="mse")
    h = fresh.fit(x, y, epochs=4, verbose=0,
                  callbacks=[keras.callbacks.BackupAndRestore(backup)])
    assert h.epoch == [2, 3]
    assert int(fresh.optimizer.iterations.numpy()) == iterations + 4
    assert not os.listdir(backup)


def test_csv_logger_in_fit(tmp_path):
    x, y = _toy()
    model = linear_model(lr=0.1, loss="mse", metrics=["mae"])
    path = tmp_path / "log.csv"
    model.fit(x, y, epochs=2, verbose=0, validation_split=0.25,
              callbacks=[keras.callbacks.CSVLogger(str(path))])
    lines = path.read_text().splitlines()
    assert lines[0] == "epoch,loss,mae,val_loss,val_mae" and len(lines) == 3


# -- verbosity ---------------------------------------------------------------------------------
def test_verbose_modes(capsys):
    x, y = _toy()
    model = linear_model(lr=0.1, loss="mse")
    model.fit(x, y, epochs=2, verbose=2)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Epoch 1/2" and re.fullmatch(r"2/2 - \d+s - \d+(us|ms)/step - loss: "
                                                    r"\d+\.\d{4}", lines[1])
    model.fit(x, y, epochs=2, verbose=0)
    model.evaluate(x, y, verbose=0)
    model.predict(x, verbose=0)
    assert capsys.readouterr().out == ""
    model.evaluate(x, y)
    assert re.fullmatch(r"2/2 ━{20} \d+s \d+(us|ms)/step - loss: \d+\.\d{4}\n",
                        capsys.readouterr().out)


# -- tracing -----------------------------------------------------------------------------------
def test_partial_last_batch_traces_once_for_all_epochs():
    x, y = _toy(70)
    model = linear_model(lr=0.1, loss="mse")
    model.fit(x, y, batch_size=32, epochs=4, verbose=0, validation_data=(x[:10], y[:10]))
    model.fit(x, y, batch_size=32, epochs=2, verbose=0)
    fns = model._compile_state.functions

    def traces(kind):
        return sum(f.experimental_get_tracing_count() for k, f in fns.items() if k[0] == kind)
    assert traces("train") == 2  # batches of 32 (logs not read) and the last one, of 6
    assert traces("test") == 1


def test_small_predict_is_a_direct_call():
    x, _ = _toy()
    model = linear_model(loss="mse")
    out = model.predict(x[:1], verbose=0)
    assert out.shape == (1, 1) and np.isclose(out[0, 0], x[0].sum(), rtol=1e-6)
    assert ("predict", False) not in model._compile_state.functions


def test_run_eagerly_runs_python_steps():
    seen = []

    class Model(keras.Model):
        def train_step(self, data):
            x, _ = data
            seen.append(float(tf.reduce_sum(x)))  # needs values: only works eagerly
            return super().train_step(data)

    inputs = keras.Input(shape=(3,))
    model = Model(inputs, keras.layers.Dense(1)(inputs))
    model.compile(optimizer="sgd", loss="mse", run_eagerly=True)
    x, y = _toy()
    model.fit(x, y, batch_size=32, epochs=1, verbose=0)
    assert len(seen) == 2 and model.run_eagerly


def test_train_and_test_on_batch():
    x, y = _toy()
    model = linear_model(lr=0.1, loss="mse", metrics=["mae"])
    loss, _ = model.train_on_batch(x, y)
    d = model.test_on_batch(x, y, return_dict=True)
    assert set(d) == {"loss", "mae"} and d["loss"] < loss


def test_errors():
    model = keras.Sequential([keras.layers.Dense(1, input_shape=(3,))])
    with pytest.raises(RuntimeError, match="compile"):
        model.fit(np.zeros((4, 3)), np.zeros((4, 1)))
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="cardinality"):
        model.fit(np.zeros((4, 3)), np.zeros((5, 1)), verbose=0)
    with pytest.raises(ValueError, match="validation_split"):
        model.fit((i for i in range(3)), validation_split=0.5, verbose=0)


def test_generator_data_builds_an_unbuilt_model_before_callbacks(tmp_path):
    x, y = _toy()

    def gen():
        while True:
            for i in range(0, 64, 16):
                yield x[i:i + 16], y[i:i + 16]

    seen = []

    class Batches(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            seen.append(len(self.model.weights))

        def on_train_batch_begin(self, batch, logs=None):
            seen.append(batch)

    model = keras.Sequential([keras.layers.Dense(1)])  # no input shape: built by fit
    model.compile(optimizer="sgd", loss="mse")
    model.fit(gen(), steps_per_epoch=4, epochs=2, verbose=0, callbacks=[Batches()])
    assert seen == [2, 0, 1, 2, 3, 0, 1, 2, 3]  # no batch lost to the build
    backup = str(tmp_path / "b")
    fresh = keras.Sequential([keras.layers.Dense(1)])
    fresh.compile(optimizer="sgd", loss="mse")
    fresh.fit(gen(), steps_per_epoch=4, epochs=1, verbose=0,
              callbacks=[keras.callbacks.BackupAndRestore(backup, delete_checkpoint=False)])
    again = keras.Sequential([keras.layers.Dense(1)])
    again.compile(optimizer="sgd", loss="mse")
    h = again.fit(gen(), steps_per_epoch=4, epochs=2, verbose=0,
                  callbacks=[keras.callbacks.BackupAndRestore(backup)])
    assert h.epoch == [1]
