"""Callbacks driven by a fake model (no Layer / trainer needed) and, where the trainer exists,
by a real `fit`."""

import csv
import math
import os

import numpy as np
import pytest

import flowgrad as tf
from flowgrad.keras import callbacks as cbm


class FakeOptimizer:
    def __init__(self, lr=0.1):
        self.learning_rate = tf.Variable(lr, trainable=False)
        self.iterations = tf.Variable(0, dtype="int64", trainable=False)
        self.slot = tf.Variable(np.zeros(3, "float32"), trainable=False)

    @property
    def variables(self):
        return [self.iterations, self.slot]


class FakeModel:
    """Weights are one array; `step(value)` sets it, as if training had moved it."""

    def __init__(self):
        self.w = np.zeros(3, "float32")
        self.optimizer = FakeOptimizer()
        self.stop_training = False
        self.saved = []
        self._initial_epoch = None
        self.trainable_variables = []

    def get_weights(self):
        return [self.w.copy()]

    def set_weights(self, weights):
        self.w = np.array(weights[0])

    def save(self, path, overwrite=True):
        self.saved.append(("model", path))
        open(path, "w").close()

    def save_weights(self, path, overwrite=True):
        self.saved.append(("weights", path))
        open(path, "w").close()


def drive(callbacks, values, monitor="val_loss", model=None, batches=0, batch_logs=None):
    """Runs a fake fit: epoch i logs `{monitor: values[i], "loss": values[i]}` and sets the
    weights to [i, i, i]. Returns (model, epochs run)."""
    model = model or FakeModel()
    cl = cbm.CallbackList(callbacks, add_history=True, model=model, verbose=0,
                          epochs=len(values), steps=batches)
    cl.on_train_begin()
    start = model._initial_epoch or 0
    model._initial_epoch = None
    run = 0
    for epoch in range(start, len(values)):
        cl.on_epoch_begin(epoch)
        for b in range(batches):
            cl.on_train_batch_begin(b)
            cl.on_train_batch_end(b, dict(batch_logs or {"loss": values[epoch]}))
        model.w = np.full(3, float(epoch), "float32")
        logs = {"loss": values[epoch], monitor: values[epoch]}
        cl.on_epoch_end(epoch, logs)
        run += 1
        if model.stop_training:
            break
    cl.on_train_end()
    return model, run


def test_history_records_every_epoch():
    h = cbm.History()
    model, _ = drive([h], [3.0, 2.0, 1.0])
    assert h.history["loss"] == [3.0, 2.0, 1.0] and h.epoch == [0, 1, 2]
    assert model.history is h


def test_early_stopping_patience(capsys):
    es = cbm.EarlyStopping(monitor="val_loss", patience=2, verbose=1)
    _, run = drive([es], [1.0, 0.5, 0.6, 0.7, 0.4, 0.3])
    assert run == 4 and es.stopped_epoch == 3
    assert "Epoch 4: early stopping" in capsys.readouterr().out


def test_early_stopping_min_delta_and_mode_max():
    es = cbm.EarlyStopping(monitor="val_accuracy", patience=1, min_delta=0.05)
    assert es.mode == "max"
    _, run = drive([es], [0.5, 0.52, 0.53, 0.9], monitor="val_accuracy")
    assert run == 2  # 0.52 is not 0.05 better than 0.5


def test_early_stopping_restore_best_weights(capsys):
    es = cbm.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True,
                           verbose=1)
    model, run = drive([es], [1.0, 0.2, 0.5, 0.6, 0.1])
    assert run == 4
    np.testing.assert_array_equal(model.w, [1.0, 1.0, 1.0])  # epoch 1's weights
    assert "Restoring model weights from the end of the best epoch: 2." in capsys.readouterr().out


def test_early_stopping_baseline():
    # Never beats the baseline: stops after `patience` epochs even though values improve.
    es = cbm.EarlyStopping(monitor="val_loss", patience=3, baseline=0.1)
    _, run = drive([es], [1.0, 0.9, 0.8, 0.7, 0.6, 0.5])
    assert run == 3
    es = cbm.EarlyStopping(monitor="val_loss", patience=1, baseline=0.95)
    _, run = drive([es], [1.0, 0.9, 0.8, 0.7])
    assert run == 4


def test_early_stopping_start_from_epoch_and_missing_metric():
    es = cbm.EarlyStopping(monitor="val_loss", patience=0, start_from_epoch=3)
    _, run = drive([es], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    assert run == 5  # watching starts at epoch 3 (best 4.0), epoch 4 does not improve
    with pytest.warns(UserWarning, match="not available"):
        drive([cbm.EarlyStopping(monitor="val_nope")], [1.0, 2.0])


def test_reduce_lr_on_plateau(capsys):
    rl = cbm.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=1, min_lr=0.03,
                               verbose=1, cooldown=2)
    h = cbm.History()
    model, _ = drive([rl, h], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0])
    # epoch 1 reduces (0.1 -> 0.05), epoch 2 cools down, epoch 3 reduces to min_lr 0.03.
    # (the cooldown counter is decremented before the check, so cooldown=2 skips one epoch)
    assert math.isclose(float(model.optimizer.learning_rate.numpy()), 0.03, rel_tol=1e-6)
    lrs = h.history["learning_rate"]
    assert np.allclose(lrs, [0.1, 0.1, 0.05, 0.05, 0.03, 0.03])
    out = capsys.readouterr().out
    assert "Epoch 2: ReduceLROnPlateau reducing learning rate to 0.05" in out
    with pytest.raises(ValueError):
        cbm.ReduceLROnPlateau(factor=1.0)


def test_learning_rate_scheduler_one_and_two_args(capsys):
    model, _ = drive([cbm.LearningRateScheduler(lambda epoch: 0.1 / (epoch + 1), verbose=1)],
                     [1.0, 1.0, 1.0, 1.0])
    assert math.isclose(float(model.optimizer.learning_rate.numpy()), 0.025, rel_tol=1e-6)
    assert "Epoch 2: LearningRateScheduler setting learning rate to 0.05." in \
        capsys.readouterr().out
    h = cbm.History()
    model, _ = drive([cbm.LearningRateScheduler(lambda epoch, lr: lr * 0.5), h],
                     [1.0, 1.0, 1.0])
    assert np.allclose(h.history["learning_rate"], [0.05, 0.025, 0.0125])
    with pytest.raises(ValueError, match="float"):
        drive([cbm.LearningRateScheduler(lambda epoch: "fast")], [1.0])


def test_model_checkpoint_save_best_only(tmp_path, capsys):
    path = str(tmp_path / "best.h5")
    ck = cbm.ModelCheckpoint(path, monitor="val_loss", save_best_only=True, verbose=1)
    model, _ = drive([ck], [0.5, 0.7, 0.3])
    assert model.saved == [("model", path), ("model", path)]
    out = capsys.readouterr().out
    assert f"Epoch 1: val_loss improved from inf to 0.50000, saving model to {path}" in out
    assert "Epoch 2: val_loss did not improve from 0.50000" in out
    assert "Epoch 3: val_loss improved from 0.50000 to 0.30000" in out


def test_model_checkpoint_formatted_paths_and_weights_only(tmp_path):
    pattern = str(tmp_path / "sub" / "weights.{epoch:02d}-{val_loss:.2f}.h5")
    ck = cbm.ModelCheckpoint(pattern, save_weights_only=True)
    model, _ = drive([ck], [0.5, 0.25])
    assert model.saved == [("weights", str(tmp_path / "sub" / "weights.01-0.50.h5")),
                           ("weights", str(tmp_path / "sub" / "weights.02-0.25.h5"))]
    ck = cbm.ModelCheckpoint(str(tmp_path / "b{epoch}-{batch}.h5"), save_freq=2)
    model, _ = drive([ck], [0.5], batches=4)
    assert [p for _, p in model.saved] == [str(tmp_path / "b1-2.h5"), str(tmp_path / "b1-4.h5")]
    ck = cbm.ModelCheckpoint(str(tmp_path / "m.h5"), monitor="val_acc", save_best_only=True)
    with pytest.warns(UserWarning, match="only with val_acc available"):
        model, _ = drive([ck], [0.5])
    assert model.saved == []


def test_csv_logger(tmp_path):
    path = tmp_path / "log.csv"
    drive([cbm.CSVLogger(str(path))], [0.5, 0.25])
    rows = list(csv.reader(path.read_text().splitlines()))
    assert rows[0] == ["epoch", "loss", "val_loss"]
    assert rows[1] == ["0", "0.5", "0.5"] and rows[2] == ["1", "0.25", "0.25"]
    drive([cbm.CSVLogger(str(path), append=True, separator=";")], [0.125])
    lines = path.read_text().splitlines()
    assert len(lines) == 4 and lines[3] == "0;0.125;0.125"
    drive([cbm.CSVLogger(str(path), separator=";")], [1.0])
    assert path.read_text().splitlines() == ["epoch;loss;val_loss", "0;1.0;1.0"]


def test_lambda_callback_and_unknown_hook():
    seen = []
    cb = cbm.LambdaCallback(on_epoch_end=lambda e, logs: seen.append(("e", e)),
                            on_train_end=lambda logs: seen.append("end"),
                            on_batch_end=lambda b, logs: seen.append(("b", b)))
    drive([cb], [1.0, 1.0], batches=2)
    assert seen == [("b", 0), ("b", 1), ("e", 0), ("b", 0), ("b", 1), ("e", 1), "end"]
    assert cb._implements_batch_hooks("train") and not cb._implements_batch_hooks("test")
    with pytest.raises(TypeError):
        cbm.LambdaCallback(on_whatever=print)


def test_terminate_on_nan(capsys):
    model, run = drive([cbm.TerminateOnNaN()], [1.0, 2.0, 3.0], batches=2,
                       batch_logs={"loss": float("nan")})
    assert model.stop_training and run == 1
    assert "Batch 0: Invalid loss, terminating training" in capsys.readouterr().out


def test_backup_and_restore_resumes(tmp_path):
    backup = str(tmp_path / "backup")

    class Crash(cbm.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 2:
                raise RuntimeError("interrupted")

    model = FakeModel()
    model.optimizer.iterations.assign(7)
    with pytest.raises(RuntimeError):
        drive([cbm.BackupAndRestore(backup), Crash()], [1.0] * 5, model=model)
    assert os.listdir(backup) == ["latest.npz"]  # no temporary file left
    fresh = FakeModel()
    seen = []
    cb = cbm.LambdaCallback(on_epoch_begin=lambda e, logs: seen.append(e))
    fresh, run = drive([cbm.BackupAndRestore(backup), cb], [1.0] * 5, model=fresh)
    # epochs 0 and 1 completed before the crash (epoch 2's backup ran before Crash raised,
    # since BackupAndRestore comes first): resumes at epoch 3.
    assert seen == [3, 4] and run == 2
    assert int(fresh.optimizer.iterations.numpy()) == 7
    assert not os.path.exists(os.path.join(backup, "latest.npz"))  # deleted on completion


def test_backup_restores_weights(tmp_path):
    backup = str(tmp_path / "b")
    model = FakeModel()
    cb = cbm.BackupAndRestore(backup, delete_checkpoint=False)
    drive([cb], [1.0, 1.0], model=model)
    fresh = FakeModel()
    cl = cbm.CallbackList([cbm.BackupAndRestore(backup)], model=fresh)
    cl.on_train_begin()
    np.testing.assert_array_equal(fresh.w, [1.0, 1.0, 1.0])
    assert fresh._initial_epoch == 2


def test_callback_list_defaults_and_params():
    model = FakeModel()
    cl = cbm.CallbackList([], add_history=True, add_progbar=True, model=model, verbose=1,
                          epochs=2, steps=3)
    assert isinstance(cl.callbacks[0], cbm.History)
    assert isinstance(cl.callbacks[1], cbm.ProgbarLogger)
    assert cl.callbacks[1].params == {"verbose": 1, "epochs": 2, "steps": 3}
    assert cl.callbacks[0].model is model
    assert not cl.implements_batch_hooks("test")

    class Plain(cbm.Callback):
        pass

    class Batchy(cbm.Callback):
        def on_batch_end(self, batch, logs=None):
            pass

    assert not Plain()._implements_batch_hooks("train")
    assert Batchy()._implements_batch_hooks("train")


def test_learning_rate_schedule_is_refused():
    model = FakeModel()
    model.optimizer.learning_rate = lambda step: 0.1
    with pytest.raises(TypeError, match="schedule"):
        drive([cbm.ReduceLROnPlateau(monitor="loss")], [1.0], model=model)
