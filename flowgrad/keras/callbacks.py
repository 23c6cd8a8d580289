"""`keras.callbacks`: hooks that `fit`, `evaluate` and `predict` call during training.

A callback subclasses `Callback` and overrides the hooks it needs; `fit(callbacks=[...])` calls
them in order, after `set_model` and `set_params`. Epoch-end `logs` hold the epoch's metric
values as Python floats (`{"loss": ..., "accuracy": ..., "val_loss": ...}`).

Example:
    >>> class Counter(Callback):
    ...     def on_train_begin(self, logs=None):
    ...         self.epochs = 0
    ...     def on_epoch_end(self, epoch, logs=None):
    ...         self.epochs += 1
    >>> cbs = CallbackList([Counter()], add_history=True)
    >>> cbs.on_train_begin()
    >>> cbs.on_epoch_begin(0); cbs.on_epoch_end(0, {"loss": 0.5})
    >>> cbs.callbacks[0].epochs, cbs.callbacks[-1].history
    (1, {'loss': [0.5]})
"""

import collections
import csv
import inspect
import json
import math
import os
import tempfile
import warnings

import numpy as np

from .utils.progbar import Progbar as _Progbar
from .utils.progbar import is_interactive as _is_interactive
from .utils.progbar import print_msg as _print_msg

__all__ = [
    "BackupAndRestore", "CSVLogger", "Callback", "CallbackList", "EarlyStopping", "History",
    "LambdaCallback", "LearningRateScheduler", "ModelCheckpoint", "ProgbarLogger",
    "ReduceLROnPlateau", "RemoteMonitor", "TerminateOnNaN",
]

_BATCH_HOOKS = ("on_train_batch_begin", "on_train_batch_end", "on_test_batch_begin",
                "on_test_batch_end", "on_predict_batch_begin", "on_predict_batch_end",
                "on_batch_begin", "on_batch_end")


class Callback:
    """The base class of callbacks: every hook is a no-op until overridden.

    Attributes:
        model: the model being trained (set by `set_model`).
        params: the training parameters (`verbose`, `epochs`, `steps`), set by `set_params`.
    """

    model = None
    params = None
    validation_data = None

    def __init__(self):
        self.model = None
        self.params = {}
        self.validation_data = None

    def set_params(self, params):
        """Receives the run's parameters: a dict with `verbose`, `epochs` and `steps`."""
        self.params = params

    def set_model(self, model):
        """Receives the model the callbacks are attached to."""
        self.model = model

    # -- training / testing / prediction ---------------------------------------------------
    def on_train_begin(self, logs=None):
        """Called once at the start of `fit`."""

    def on_train_end(self, logs=None):
        """Called once at the end of `fit`, with the last epoch's logs."""

    def on_epoch_begin(self, epoch, logs=None):
        """Called at the start of each epoch (`epoch` counts from 0)."""

    def on_epoch_end(self, epoch, logs=None):
        """Called at the end of each epoch with the epoch's training and validation values."""

    def on_test_begin(self, logs=None):
        """Called at the start of `evaluate` and of each validation run of `fit`."""

    def on_test_end(self, logs=None):
        """Called at the end of `evaluate` and of each validation run of `fit`."""

    def on_predict_begin(self, logs=None):
        """Called at the start of `predict`."""

    def on_predict_end(self, logs=None):
        """Called at the end of `predict`."""

    # -- batches ---------------------------------------------------------------------------
    def on_train_batch_begin(self, batch, logs=None):
        """Called before each training batch; calls `on_batch_begin`."""
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        """Called after each training batch with the running metric values; calls
        `on_batch_end`."""
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch, logs=None):
        """Called before each batch of `evaluate` or of validation."""

    def on_test_batch_end(self, batch, logs=None):
        """Called after each batch of `evaluate` or of validation."""

    def on_predict_batch_begin(self, batch, logs=None):
        """Called before each batch of `predict`."""

    def on_predict_batch_end(self, batch, logs=None):
        """Called after each batch of `predict`; `logs["outputs"]` holds the batch's output."""

    def on_batch_begin(self, batch, logs=None):
        """tf.keras 1 name of `on_train_batch_begin`."""

    def on_batch_end(self, batch, logs=None):
        """tf.keras 1 name of `on_train_batch_end`."""

    # -- introspection used by the trainer ---------------------------------------------------
    def _implements_batch_hooks(self, mode="train"):
        """Whether this callback overrides a batch hook of `mode` ("train", "test",
        "predict"); the trainer skips building per-batch logs when no callback does."""
        cls = type(self)
        names = [f"on_{mode}_batch_begin", f"on_{mode}_batch_end"]
        if mode == "train":
            names += ["on_batch_begin", "on_batch_end"]
        return any(getattr(cls, n) is not getattr(Callback, n) for n in names)


def _monitor_op(mode, monitor, owner):
    """The comparison `better(a, b)` for `mode` ('min', 'max' or 'auto')."""
    if mode not in ("auto", "min", "max"):
        warnings.warn(f"{owner} mode {mode!r} is unknown, falling back to 'auto'.",
                      stacklevel=3)
        mode = "auto"
    if mode == "auto":
        name = monitor.lower().removeprefix("val_")
        maximize = ("acc", "auc", "precision", "recall", "f1", "fbeta", "fmeasure", "iou",
                    "r2", "true_positives", "true_negatives")
        mode = "max" if any(k in name for k in maximize) and "loss" not in name else "min"
    return mode


def _scalar(value):
    if value is None:
        return None
    if hasattr(value, "numpy"):
        value = value.numpy()
    return float(np.mean(value))


def _optimizer_of(model, owner):
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not hasattr(optimizer, "learning_rate"):
        raise ValueError(f"{owner} needs a compiled model whose optimizer has a "
                         "`learning_rate` attribute.")
    return optimizer


def _get_learning_rate(optimizer, owner):
    lr = optimizer.learning_rate
    if hasattr(lr, "numpy"):
        return float(lr.numpy())
    if callable(lr):
        raise TypeError(f"{owner}: the optimizer's learning rate is a schedule "
                        f"({type(lr).__name__}); this callback needs a fixed learning rate "
                        "that it can change.")
    return float(lr)


def _set_learning_rate(optimizer, value, owner):
    _get_learning_rate(optimizer, owner)  # raises on schedules
    lr = optimizer.learning_rate
    if hasattr(lr, "assign"):
        lr.assign(np.asarray(value, dtype=np.dtype(lr.dtype.name)))
    else:
        optimizer.learning_rate = float(value)


def _get_weights(model):
    return [np.array(w, copy=True) for w in model.get_weights()]


def _optimizer_variables(optimizer):
    if optimizer is None:
        return []
    variables = getattr(optimizer, "variables", None)
    if variables is None:
        return []
    if callable(variables):
        variables = variables()
    return list(variables)


class CallbackList:
    """A list of callbacks called together; `fit` builds one from `callbacks=`.

    Args:
        callbacks: the callbacks.
        add_history: append a `History` if none is in the list.
        add_progbar: append a `ProgbarLogger` if none is in the list.
        model: the model, passed to every callback's `set_model`.
        **params: the run's parameters (`verbose`, `epochs`, `steps`), passed to `set_params`.
    """

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None,
                 **params):
        self.callbacks = list(callbacks or [])
        self._history = next((c for c in self.callbacks if isinstance(c, History)), None)
        self._progbar = next((c for c in self.callbacks if isinstance(c, ProgbarLogger)), None)
        if add_history and self._history is None:
            self._history = History()
            self.callbacks.append(self._history)
        if add_progbar and self._progbar is None:
            self._progbar = ProgbarLogger()
            self.callbacks.append(self._progbar)
        self.model = None
        self.params = {}
        if model is not None:
            self.set_model(model)
        if params:
            self.set_params(params)

    def append(self, callback):
        """Adds a callback at the end."""
        self.callbacks.append(callback)

    def set_params(self, params):
        """Passes `params` to every callback."""
        self.params = params
        for c in self.callbacks:
            c.set_params(params)

    def set_model(self, model):
        """Passes `model` to every callback."""
        self.model = model
        for c in self.callbacks:
            c.set_model(model)

    def implements_batch_hooks(self, mode="train"):
        """Whether any callback needs per-batch logs in `mode` ("train", "test", "predict")."""
        return any(_implements(c, mode) for c in self.callbacks)

    def __iter__(self):
        return iter(self.callbacks)

    def __len__(self):
        return len(self.callbacks)

    def _call(self, hook, *args):
        for c in self.callbacks:
            getattr(c, hook)(*args)

    def on_train_begin(self, logs=None):
        self._call("on_train_begin", logs)

    def on_train_end(self, logs=None):
        self._call("on_train_end", logs)

    def on_epoch_begin(self, epoch, logs=None):
        self._call("on_epoch_begin", epoch, logs)

    def on_epoch_end(self, epoch, logs=None):
        self._call("on_epoch_end", epoch, logs)

    def on_test_begin(self, logs=None):
        self._call("on_test_begin", logs)

    def on_test_end(self, logs=None):
        self._call("on_test_end", logs)

    def on_predict_begin(self, logs=None):
        self._call("on_predict_begin", logs)

    def on_predict_end(self, logs=None):
        self._call("on_predict_end", logs)

    def on_train_batch_begin(self, batch, logs=None):
        self._call("on_train_batch_begin", batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        self._call("on_train_batch_end", batch, logs)

    def on_test_batch_begin(self, batch, logs=None):
        self._call("on_test_batch_begin", batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        self._call("on_test_batch_end", batch, logs)

    def on_predict_batch_begin(self, batch, logs=None):
        self._call("on_predict_batch_begin", batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._call("on_predict_batch_end", batch, logs)

    on_batch_begin = on_train_batch_begin
    on_batch_end = on_train_batch_end


def _implements(callback, mode):
    probe = getattr(callback, "_implements_batch_hooks", None)
    if probe is not None:
        return probe(mode)
    return any(hasattr(callback, n) for n in _BATCH_HOOKS)  # duck-typed callback


class History(Callback):
    """Records the epoch logs; `fit` returns it.

    Attributes:
        history: `{"loss": [epoch 1, epoch 2, ...], "val_loss": [...], ...}`.
        epoch: the epoch indices seen.
    """

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def set_model(self, model):
        super().set_model(model)
        if model is not None:
            model.history = self

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)


class ProgbarLogger(Callback):
    """Prints the progress bar of `fit`, `evaluate` and `predict` (added by `verbose=1`/`2`).

    With `verbose=1`, a bar per epoch ("Epoch 3/10" above it when there are several epochs);
    with `verbose=2`, one line per epoch. When stdout is not a terminal, `verbose=1` prints the
    bar's final line only.

    Args:
        count_mode: "steps" (accepted: "samples", counted as steps too).
        stateful_metrics: accepted for compatibility: every value in the logs is already an
            aggregate over the epoch so far and is shown as given.
    """

    def __init__(self, count_mode="steps", stateful_metrics=None):
        super().__init__()
        if count_mode not in ("steps", "samples"):
            raise ValueError(f"Unknown count_mode: {count_mode!r}.")
        self.verbose = 1
        self.epochs = 1
        self.target = None
        self.progbar = None
        self._in_training = False
        self._seen = 0

    def set_params(self, params):
        super().set_params(params)
        verbose = params.get("verbose", 1)
        self.verbose = 1 if verbose == "auto" else int(verbose)
        self.epochs = params.get("epochs", 1)
        self.target = params.get("steps")

    def _implements_batch_hooks(self, mode="train"):
        # Per-batch values are only drawn by a live (terminal) verbose=1 bar.
        return self.verbose == 1 and _is_interactive()

    def _reset(self, target=None):
        self._seen = 0
        self.progbar = _Progbar(target=target, verbose=self.verbose, unit_name="step")
        # The logs already hold values aggregated over the epoch so far: show them as given.
        self.progbar.stateful_metrics = _EveryName()

    def _update(self, batch, logs):
        self._seen = batch + 1
        if self.progbar is not None:
            self.progbar.update(self._seen, _display_items(logs), finalize=False)

    def _finalize(self, logs):
        if self.progbar is None:
            return
        if self.target is None:
            self.target = self._seen
            self.progbar.target = self._seen
        self.progbar.update(self._seen, _display_items(logs), finalize=True)
        self.progbar = None

    def on_train_begin(self, logs=None):
        self._in_training = True

    def on_train_end(self, logs=None):
        self._in_training = False

    def on_epoch_begin(self, epoch, logs=None):
        self.target = self.params.get("steps") if self.params else self.target
        self._reset(self.target)
        if self.verbose and self.epochs > 1:
            _print_msg(f"Epoch {epoch + 1}/{self.epochs}")

    def on_train_batch_end(self, batch, logs=None):
        self._update(batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        self._finalize(logs)

    def on_test_begin(self, logs=None):
        if not self._in_training:
            self.target = self.params.get("steps") if self.params else None
            self._reset(self.target)

    def on_test_batch_end(self, batch, logs=None):
        if not self._in_training:
            self._update(batch, logs)

    def on_test_end(self, logs=None):
        if not self._in_training:
            self._finalize(logs)

    def on_predict_begin(self, logs=None):
        self.target = self.params.get("steps") if self.params else None
        self._reset(self.target)

    def on_predict_batch_end(self, batch, logs=None):
        self._update(batch, None)

    def on_predict_end(self, logs=None):
        self._finalize(None)


class _EveryName:
    """A set that contains every name."""

    def __contains__(self, name):
        return True


def _display_items(logs):
    if not logs:
        return None
    return [(k, v) for k, v in logs.items() if k != "outputs" and k != "size"]


class EarlyStopping(Callback):
    """Stops training when a monitored value has stopped improving.

    Args:
        monitor: the logged value to watch ("val_loss", "accuracy", ...).
        min_delta: the smallest change that counts as an improvement.
        patience: the number of epochs without improvement after which training stops.
        verbose: 1 prints a message when training stops early.
        mode: "min", "max", or "auto" (from the name: accuracy-like values are maximized).
        baseline: a value to reach; training stops after `patience` epochs that do not
            improve on it.
        restore_best_weights: when stopping, put back the weights of the best epoch.
        start_from_epoch: the number of warm-up epochs during which nothing is monitored.

    Example:
        >>> cb = EarlyStopping(monitor="loss", patience=1)
        >>> cb.mode
        'min'
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0):
        super().__init__()
        self.monitor = monitor
        self.patience = patience
        self.verbose = verbose
        self.baseline = baseline
        self.min_delta = abs(min_delta)
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = start_from_epoch
        self.mode = _monitor_op(mode, monitor, "EarlyStopping")
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0

    def _is_improvement(self, current, reference):
        if self.mode == "max":
            return current - self.min_delta > reference
        return current + self.min_delta < reference

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.stopped_epoch = 0
        self.best = -math.inf if self.mode == "max" else math.inf
        self.best_weights = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch, logs=None):
        current = (logs or {}).get(self.monitor)
        if current is None:
            warnings.warn(f"Early stopping conditioned on metric `{self.monitor}` which is not "
                          f"available. Available metrics are: {','.join(logs or {})}",
                          stacklevel=2)
            return
        current = _scalar(current)
        if epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = _get_weights(self.model)
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = _get_weights(self.model)
            # The wait restarts only on an epoch that also beats the baseline: values that
            # improve without reaching it still count towards `patience`.
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
                return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True
            if self.restore_best_weights and self.best_weights is not None:
                if self.verbose > 0:
                    _print_msg("Restoring model weights from the end of the best epoch: "
                              f"{self.best_epoch + 1}.")
                self.model.set_weights(self.best_weights)

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            _print_msg(f"Epoch {self.stopped_epoch + 1}: early stopping")


class ModelCheckpoint(Callback):
    """Saves the model (or its weights) during training.

    Args:
        filepath: where to save; may hold `str.format` fields filled from the epoch (1-based)
            and the logs, e.g. "weights.{epoch:02d}-{val_loss:.2f}.h5" (and `{batch}` with an
            integer `save_freq`).
        monitor: the logged value that decides what "best" means.
        verbose: 1 prints a message on every save decision.
        save_best_only: save only when `monitor` improves (the same path is overwritten unless
            it holds format fields).
        save_weights_only: call `model.save_weights` instead of `model.save`.
        mode: "min", "max", or "auto" (from the name).
        save_freq: "epoch", or an integer number of batches between saves.
        initial_value_threshold: the value `monitor` must beat for the first save.
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", save_freq="epoch", options=None,
                 initial_value_threshold=None):
        super().__init__()
        self.filepath = os.fspath(filepath)
        self.monitor = monitor
        self.verbose = verbose
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        if save_freq != "epoch" and not (isinstance(save_freq, int) and save_freq > 0):
            raise ValueError(f"Unrecognized save_freq: {save_freq!r}; expected 'epoch' or a "
                             "positive integer number of batches.")
        self.save_freq = save_freq
        self.mode = _monitor_op(mode, monitor, "ModelCheckpoint")
        self.initial_value_threshold = initial_value_threshold
        self.best = None
        self._current_epoch = 0
        self._batches_seen = 0
        self._reset_best()

    def _reset_best(self):
        if self.initial_value_threshold is not None:
            self.best = float(self.initial_value_threshold)
        else:
            self.best = -math.inf if self.mode == "max" else math.inf

    def _better(self, current):
        return current > self.best if self.mode == "max" else current < self.best

    def on_train_begin(self, logs=None):
        self._batches_seen = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def _implements_batch_hooks(self, mode="train"):
        return mode == "train" and self.save_freq != "epoch"

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        self._batches_seen += 1
        if self._batches_seen % self.save_freq == 0:
            self._save(self._current_epoch, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save(epoch, None, logs)

    def _format_path(self, epoch, batch, logs):
        fields = dict(logs or {})
        fields.pop("outputs", None)
        try:
            if batch is None:
                return self.filepath.format(epoch=epoch + 1, **fields)
            return self.filepath.format(epoch=epoch + 1, batch=batch + 1, **fields)
        except KeyError as e:
            raise KeyError(f"Failed to format the ModelCheckpoint filepath {self.filepath!r}: "
                           f"the logs have no value for {e}. Available: {sorted(fields)}") \
                from None

    def _save(self, epoch, batch, logs):
        logs = logs or {}
        path = self._format_path(epoch, batch, logs)
        if self.save_best_only:
            current = logs.get(self.monitor)
            if current is None:
                warnings.warn(f"Can save best model only with {self.monitor} available, "
                              "skipping.", stacklevel=3)
                return
            current = _scalar(current)
            if not self._better(current):
                if self.verbose > 0:
                    _print_msg(f"Epoch {epoch + 1}: {self.monitor} did not improve from "
                              f"{self.best:.5f}")
                return
            if self.verbose > 0:
                _print_msg(f"Epoch {epoch + 1}: {self.monitor} improved from {self.best:.5f} "
                          f"to {current:.5f}, saving model to {path}")
            self.best = current
        elif self.verbose > 0:
            _print_msg(f"Epoch {epoch + 1}: saving model to {path}")
        directory = os.path.dirname(path)
        if directory:
            os.makedirs(directory, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(path, overwrite=True)
        else:
            self.model.save(path, overwrite=True)


class ReduceLROnPlateau(Callback):
    """Multiplies the learning rate by `factor` when a monitored value stops improving.

    Args:
        monitor: the logged value to watch.
        factor: the multiplier of the learning rate (below 1).
        patience: the number of epochs without improvement before reducing.
        verbose: 1 prints a message on each reduction.
        mode: "min", "max", or "auto" (from the name).
        min_delta: the smallest change that counts as an improvement.
        cooldown: epochs to wait after a reduction before counting again.
        min_lr: the learning rate never goes below this.

    The current learning rate is added to the epoch logs as "learning_rate".
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0.0, **kwargs):
        super().__init__()
        if "epsilon" in kwargs:  # tf.keras 1 name of min_delta
            min_delta = kwargs.pop("epsilon")
        if kwargs:
            raise TypeError(f"Unexpected arguments: {sorted(kwargs)}")
        if factor >= 1.0:
            raise ValueError("ReduceLROnPlateau does not support a factor >= 1.0; got "
                             f"factor={factor}.")
        self.monitor = monitor
        self.factor = float(factor)
        self.patience = patience
        self.verbose = verbose
        self.mode = _monitor_op(mode, monitor, "ReduceLROnPlateau")
        self.min_delta = abs(min_delta)
        self.cooldown = cooldown
        self.min_lr = float(min_lr)
        self.wait = 0
        self.cooldown_counter = 0
        self.best = None
        self._reset()

    def _reset(self):
        self.best = -math.inf if self.mode == "max" else math.inf
        self.wait = 0
        self.cooldown_counter = 0

    def _better(self, current):
        if self.mode == "max":
            return current > self.best + self.min_delta
        return current < self.best - self.min_delta

    def in_cooldown(self):
        """Whether a reduction happened less than `cooldown` epochs ago."""
        return self.cooldown_counter > 0

    def on_train_begin(self, logs=None):
        self._reset()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        optimizer = _optimizer_of(self.model, "ReduceLROnPlateau")
        logs["learning_rate"] = _get_learning_rate(optimizer, "ReduceLROnPlateau")
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Learning rate reduction is conditioned on metric `{self.monitor}` "
                          f"which is not available. Available metrics are: {','.join(logs)}",
                          stacklevel=2)
            return
        current = _scalar(current)
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._better(current):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                old_lr = logs["learning_rate"]
                if old_lr > np.float32(self.min_lr):
                    new_lr = max(old_lr * self.factor, self.min_lr)
                    _set_learning_rate(optimizer, new_lr, "ReduceLROnPlateau")
                    if self.verbose > 0:
                        _print_msg(f"Epoch {epoch + 1}: ReduceLROnPlateau reducing learning "
                                  f"rate to {new_lr}.")
                    self.cooldown_counter = self.cooldown
                    self.wait = 0


class LearningRateScheduler(Callback):
    """Sets the learning rate at the start of every epoch from `schedule`.

    Args:
        schedule: `schedule(epoch, lr) -> new_lr` or `schedule(epoch) -> new_lr`, with
            `epoch` counted from 0 and `lr` the current learning rate.
        verbose: 1 prints the new rate every epoch.

    Example:
        >>> cb = LearningRateScheduler(lambda epoch, lr: lr * 0.5)
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose
        self._takes_lr = self._accepts_two_arguments(schedule)

    @staticmethod
    def _accepts_two_arguments(fn):
        try:
            sig = inspect.signature(fn)
        except (TypeError, ValueError):
            return True
        positional = [p for p in sig.parameters.values()
                      if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        varargs = any(p.kind == p.VAR_POSITIONAL for p in sig.parameters.values())
        return varargs or len(positional) >= 2

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = _optimizer_of(self.model, "LearningRateScheduler")
        if self._takes_lr:
            lr = self.schedule(epoch, _get_learning_rate(optimizer, "LearningRateScheduler"))
        else:
            lr = self.schedule(epoch)
        if hasattr(lr, "numpy"):
            lr = lr.numpy()
        if not isinstance(lr, (float, int, np.floating, np.integer)) and not (
                isinstance(lr, np.ndarray) and lr.ndim == 0):
            raise ValueError("The output of the `schedule` function should be a float; got "
                             f"{lr!r}.")
        lr = float(lr)
        _set_learning_rate(optimizer, lr, "LearningRateScheduler")
        if self.verbose > 0:
            _print_msg(f"Epoch {epoch + 1}: LearningRateScheduler setting learning rate to "
                      f"{lr}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = _get_learning_rate(self.model.optimizer,
                                                       "LearningRateScheduler")


class CSVLogger(Callback):
    """Writes one CSV row of logs per epoch: `epoch` then the log names in sorted order.

    Args:
        filename: the CSV file's path.
        separator: the field separator.
        append: add to an existing file (the header is written only if the file is empty)
            instead of overwriting it.
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.filename = os.fspath(filename)
        self.sep = separator
        self.append = append
        self.keys = None
        self.writer = None
        self.csv_file = None
        self._append_header = True

    def on_train_begin(self, logs=None):
        if self.append:
            self._append_header = not (os.path.exists(self.filename)
                                       and os.path.getsize(self.filename) > 0)
            mode = "a"
        else:
            self._append_header = True
            mode = "w"
        # Kept open across epochs (flushed per row), closed in on_train_end.
        self.csv_file = open(self.filename, mode, newline="", encoding="utf-8")  # noqa: SIM115
        self.writer = None
        self.keys = None

    @staticmethod
    def _cell(value):
        if isinstance(value, str):
            return value
        if isinstance(value, np.ndarray) and value.ndim == 0:
            return value.item()
        if isinstance(value, collections.abc.Iterable):
            return f"[{', '.join(map(str, value))}]"
        if hasattr(value, "numpy"):
            return CSVLogger._cell(value.numpy())
        return value

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        if self.keys is None:
            self.keys = sorted(logs)
        if getattr(self.model, "stop_training", False):
            # Validation may have been skipped on the last epoch: fill missing cells.
            logs = {k: logs.get(k, "NA") for k in self.keys}
        if self.writer is None:
            self.writer = csv.DictWriter(self.csv_file, fieldnames=["epoch"] + self.keys,
                                         delimiter=self.sep, extrasaction="ignore")
            if self._append_header:
                self.writer.writeheader()
        row = {"epoch": epoch}
        row.update((k, self._cell(logs.get(k, "NA"))) for k in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        if self.csv_file is not None:
            self.csv_file.close()
            self.csv_file = None
        self.writer = None


class LambdaCallback(Callback):
    """A callback made of functions given as arguments.

    Args:
        on_epoch_begin, on_epoch_end: `f(epoch, logs)`.
        on_batch_begin, on_batch_end: `f(batch, logs)` (training batches).
        on_train_begin, on_train_end: `f(logs)`.
        **kwargs: any other hook by name (`on_test_begin=f`, `on_predict_batch_end=f`, ...).

    Example:
        >>> cb = LambdaCallback(on_epoch_end=lambda epoch, logs: print(epoch, logs["loss"]))
        >>> cb.on_epoch_end(0, {"loss": 0.25})
        0 0.25
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_batch_begin=None,
                 on_batch_end=None, on_train_begin=None, on_train_end=None, **kwargs):
        super().__init__()
        hooks = dict(on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end,
                     on_batch_begin=on_batch_begin, on_batch_end=on_batch_end,
                     on_train_begin=on_train_begin, on_train_end=on_train_end, **kwargs)
        for name, fn in hooks.items():
            if fn is None:
                continue
            if not (name.startswith("on_") and hasattr(Callback, name)):
                raise TypeError(f"LambdaCallback got an unknown hook {name!r}.")
            setattr(self, name, fn)

    def _implements_batch_hooks(self, mode="train"):
        names = [f"on_{mode}_batch_begin", f"on_{mode}_batch_end"]
        if mode == "train":
            names += ["on_batch_begin", "on_batch_end"]
        return any(n in self.__dict__ for n in names)


class TerminateOnNaN(Callback):
    """Stops training as soon as a batch's loss is NaN or infinite."""

    def _implements_batch_hooks(self, mode="train"):
        return mode == "train"

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None:
            loss = _scalar(loss)
            if math.isnan(loss) or math.isinf(loss):
                _print_msg(f"Batch {batch}: Invalid loss, terminating training")
                self.model.stop_training = True


def _atomic_write(path, write):
    """Writes a file through a temporary file in the same folder, then `os.replace`s it."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


class BackupAndRestore(Callback):
    """Backs training up to `backup_dir` so that an interrupted `fit` resumes where it stopped.

    At the end of every epoch (or every `save_freq` batches) the model's weights, the
    optimizer's variables and the epoch number are written (atomically) to
    `backup_dir/latest.npz`. When `fit` starts and a backup exists, they are loaded and
    training resumes after the last backed-up epoch. A `fit` that completes deletes the backup
    (unless `delete_checkpoint=False`).

    Args:
        backup_dir: the folder of the backup (created if missing).
        save_freq: "epoch", an integer number of batches, or False (no periodic saves).
        delete_checkpoint: delete the backup when training finishes.
        save_before_preemption: accepted for compatibility (no preemption signal here).
    """

    def __init__(self, backup_dir, save_freq="epoch", delete_checkpoint=True,
                 save_before_preemption=False):
        super().__init__()
        if not backup_dir:
            raise ValueError("BackupAndRestore needs a backup_dir.")
        if save_freq not in ("epoch", False) and not (isinstance(save_freq, int)
                                                      and save_freq > 0):
            raise ValueError(f"Invalid save_freq: {save_freq!r}; expected 'epoch', False or a "
                             "positive integer.")
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.delete_checkpoint = delete_checkpoint
        self.save_before_preemption = save_before_preemption
        self._batches_seen = 0
        self._current_epoch = 0

    @property
    def _path(self):
        return os.path.join(self.backup_dir, "latest.npz")

    def on_train_begin(self, logs=None):
        os.makedirs(self.backup_dir, exist_ok=True)
        self._batches_seen = 0
        if not os.path.exists(self._path):
            return
        with np.load(self._path, allow_pickle=False) as data:
            n_weights = int(data["n_weights"])
            n_opt = int(data["n_optimizer"])
            epoch = int(data["epoch"])
            weights = [data[f"w{i}"] for i in range(n_weights)]
            opt_values = [data[f"o{i}"] for i in range(n_opt)]
        self.model.set_weights(weights)
        optimizer = getattr(self.model, "optimizer", None)
        opt_vars = _optimizer_variables(optimizer)
        if n_opt and len(opt_vars) != n_opt and hasattr(optimizer, "build"):
            optimizer.build(self.model.trainable_variables)
            opt_vars = _optimizer_variables(optimizer)
        if len(opt_vars) != n_opt:
            warnings.warn(f"BackupAndRestore: the backup holds {n_opt} optimizer variables but "
                          f"the optimizer has {len(opt_vars)}; the optimizer state is not "
                          "restored.", stacklevel=2)
        else:
            for var, value in zip(opt_vars, opt_values):
                var.assign(value.astype(np.dtype(var.dtype.name), copy=False))
        self.model._initial_epoch = epoch

    def _backup(self, epoch):
        weights = self.model.get_weights()
        opt_vars = _optimizer_variables(getattr(self.model, "optimizer", None))
        arrays = {f"w{i}": np.asarray(w) for i, w in enumerate(weights)}
        arrays.update({f"o{i}": np.asarray(v.numpy()) for i, v in enumerate(opt_vars)})
        arrays["n_weights"] = np.asarray(len(weights))
        arrays["n_optimizer"] = np.asarray(len(opt_vars))
        arrays["epoch"] = np.asarray(epoch)
        _atomic_write(self._path, lambda f: np.savez(f, **arrays))

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def _implements_batch_hooks(self, mode="train"):
        return mode == "train" and isinstance(self.save_freq, int) and \
            not isinstance(self.save_freq, bool)

    def on_train_batch_end(self, batch, logs=None):
        if self._implements_batch_hooks("train"):
            self._batches_seen += 1
            if self._batches_seen % self.save_freq == 0:
                # Mid-epoch: resuming restarts this epoch from these weights.
                self._backup(self._current_epoch)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._backup(epoch + 1)

    def on_train_end(self, logs=None):
        if self.delete_checkpoint and os.path.exists(self._path):
            os.remove(self._path)


class RemoteMonitor(Callback):
    """POSTs each epoch's logs as JSON to a server.

    Args:
        root: the server's root URL.
        path: the path under `root`.
        field: the form field holding the JSON (ignored with `send_as_json=True`).
        headers: extra HTTP headers.
        send_as_json: send the logs as the request body with a JSON content type.
    """

    def __init__(self, root="http://localhost:9000", path="/publish/epoch/end/", field="data",
                 headers=None, send_as_json=False):
        super().__init__()
        self.root = root
        self.path = path
        self.field = field
        self.headers = dict(headers or {})
        self.send_as_json = send_as_json

    def on_epoch_end(self, epoch, logs=None):
        import urllib.parse
        import urllib.request
        payload = {"epoch": epoch}
        for k, v in (logs or {}).items():
            payload[k] = _scalar(v) if not isinstance(v, str) else v
        if self.send_as_json:
            body = json.dumps(payload).encode()
            headers = {"Content-Type": "application/json", **self.headers}
        else:
            body = urllib.parse.urlencode({self.field: json.dumps(payload)}).encode()
            headers = dict(self.headers)
        request = urllib.request.Request(self.root + self.path, data=body, headers=headers,
                                         method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10):
                pass
        except OSError:
            warnings.warn(f"Could not reach the RemoteMonitor root server at {self.root}.",
                          stacklevel=2)


# TensorBoard lives in its own module (it needs the optional `tensorboard` package only when
# instantiated).
from ._tensorboard import TensorBoard  # noqa: F401

__all__.append("TensorBoard")
