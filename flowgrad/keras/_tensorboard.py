"""`keras.callbacks.TensorBoard`: writes `fit` / `evaluate` logs as TensorBoard runs.

Layout (as Keras): `<log_dir>/train` and `<log_dir>/validation`, each with its own event file.

* per epoch: `epoch_<metric>` (train logs to train/, `val_*` logs without the prefix to
  validation/) and `epoch_learning_rate` (train/), step = epoch;
* per batch (update_freq="batch" or an int n: every n batches): `batch_<metric>` to train/,
  step = the optimizer's iterations;
* after each validation / evaluate run: `evaluation_<metric>_vs_iterations` to validation/,
  step = the optimizer's iterations;
* every `histogram_freq` epochs: a histogram of each weight, `<layer>/<weight>_0/histogram`
  (and `/image` with write_images), to train/;
* with write_graph: the model's config JSON under the `keras` tag (TensorBoard's conceptual
  graph) and the op graph of the traced train function (`Event.graph_def`), to train/.
"""

import os
import warnings

import numpy as np

from .callbacks import Callback


class TensorBoard(Callback):
    """Writes training logs for TensorBoard (`tensorboard --logdir <log_dir>`).

    Args:
        log_dir: the directory of the runs (default "logs").
        histogram_freq: epochs between weight histograms (0: none).
        write_graph: write the model's conceptual graph and the train function's op graph.
        write_images: also write each weight as an image (with histograms).
        write_steps_per_second: also write `epoch_steps_per_second`.
        update_freq: "epoch", "batch" or an int n (batch summaries every n batches).
        profile_batch: accepted for compatibility; flowgrad has no profiler (a non-zero value
            warns once).
        embeddings_freq, embeddings_metadata: accepted; embeddings are not written.

    Needs the optional `tensorboard` package (`pip install flowgrad[tensorboard]`).
    """

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0,
                 embeddings_freq=0, embeddings_metadata=None, **kwargs):
        super().__init__()
        if kwargs:
            raise TypeError(f"TensorBoard got unexpected arguments: {sorted(kwargs)}")
        from .. import summary
        from ..summary._protos import require
        require()  # ImportError with instructions when tensorboard is missing
        self._summary = summary
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = int(histogram_freq or 0)
        self.write_graph = bool(write_graph)
        self.write_images = bool(write_images)
        self.write_steps_per_second = bool(write_steps_per_second)
        if update_freq == "batch":
            update_freq = 1
        if update_freq != "epoch" and not (isinstance(update_freq, int) and update_freq > 0):
            raise ValueError(f"update_freq must be 'epoch', 'batch' or a positive int; got "
                             f"{update_freq!r}.")
        self.update_freq = update_freq
        self.profile_batch = profile_batch
        if profile_batch not in (0, None, (0, 0), [0, 0]):
            warnings.warn("flowgrad has no profiler: TensorBoard(profile_batch=...) is ignored.",
                          stacklevel=2)
        self.embeddings_freq = embeddings_freq
        self.embeddings_metadata = embeddings_metadata
        self._train_dir = os.path.join(self.log_dir, "train")
        self._val_dir = os.path.join(self.log_dir, "validation")
        self._writers = {}
        self._announced = False
        self._graph_written = False
        self._epoch_start = None

    # -- writers ---------------------------------------------------------------------------
    def _writer(self, which):
        w = self._writers.get(which)
        if w is None:
            w = self._summary.create_file_writer(self._train_dir if which == "train"
                                                 else self._val_dir)
            self._writers[which] = w
            if not self._announced:
                self._announced = True
                print(f"TensorBoard logs are written to {self.log_dir!r}; view them with: "
                      f"tensorboard --logdir {self.log_dir}")
        return w

    def _close_writers(self):
        for w in self._writers.values():
            w.close()
        self._writers = {}

    def _implements_batch_hooks(self, mode="train"):
        return mode == "train" and self.update_freq != "epoch"

    def _iterations(self):
        opt = getattr(self.model, "optimizer", None)
        it = getattr(opt, "iterations", None)
        if it is None:
            return None
        return int(np.asarray(it.numpy() if hasattr(it, "numpy") else it))

    # -- graphs ----------------------------------------------------------------------------
    def _write_keras_model(self):
        to_json = getattr(self.model, "to_json", None)
        if to_json is None:
            return
        try:
            config = to_json()
        except (NotImplementedError, TypeError, ValueError, AttributeError):
            return  # subclassed models have no config: no conceptual graph, as in Keras
        from ..summary._protos import P
        md = P.summary_pb2.SummaryMetadata()
        md.plugin_data.plugin_name = "graph_keras_model"
        md.plugin_data.content = b"1"
        with self._writer("train").as_default():
            self._summary.write("keras", np.array(config.encode(), dtype=object), step=0,
                                metadata=md)

    def _train_graph(self):
        state = getattr(self.model, "_compile_state", None)
        functions = getattr(state, "functions", None) or {}
        for key in (("train", False), ("train", False, "update")):
            fn = functions.get(key)
            fn = getattr(fn, "function", fn)      # _TracedStep -> Function
            cache = getattr(fn, "_cache", None)
            if cache:
                return next(iter(cache.values())).graph
        return None

    def _write_train_graph(self):
        if self._graph_written or not self.write_graph:
            return
        g = self._train_graph()
        if g is None:      # run_eagerly, or nothing traced yet
            return
        self._graph_written = True
        with self._writer("train").as_default():
            self._summary.graph(g)

    # -- hooks -----------------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        self._graph_written = False
        if self.write_graph:
            self._write_keras_model()

    def on_train_end(self, logs=None):
        self._close_writers()

    def on_epoch_begin(self, epoch, logs=None):
        import time
        self._epoch_start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self._write_train_graph()
        if self.update_freq == "epoch" or not logs:
            return
        step = self._iterations()
        if step is None:
            step = batch + 1
        if step % self.update_freq:
            return
        with self._writer("train").as_default():
            for name, value in logs.items():
                if np.ndim(value) == 0:
                    self._summary.scalar("batch_" + name, float(value), step=step)

    def on_test_end(self, logs=None):
        step = self._iterations()
        if step is None or not logs:
            return
        with self._writer("validation").as_default():
            for name, value in logs.items():
                if np.ndim(value) == 0:
                    self._summary.scalar(f"evaluation_{name}_vs_iterations", float(value),
                                         step=step)

    def on_epoch_end(self, epoch, logs=None):
        import time
        logs = dict(logs or {})
        self._write_train_graph()
        train = {k: v for k, v in logs.items() if not k.startswith("val_")}
        val = {k[4:]: v for k, v in logs.items() if k.startswith("val_")}
        lr = self._learning_rate()
        if lr is not None:
            train["learning_rate"] = lr
        if self.write_steps_per_second and self._epoch_start is not None:
            steps = (self.params or {}).get("steps")
            elapsed = time.perf_counter() - self._epoch_start
            if steps and elapsed > 0:
                train["steps_per_second"] = steps / elapsed
        for which, values in (("train", train), ("validation", val)):
            if not values:
                continue
            with self._writer(which).as_default():
                for name, value in values.items():
                    if np.ndim(value) == 0:
                        self._summary.scalar("epoch_" + name, float(value), step=epoch)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)

    def _learning_rate(self):
        opt = getattr(self.model, "optimizer", None)
        lr = getattr(opt, "learning_rate", None)
        if lr is None:
            return None
        if callable(lr) and not hasattr(lr, "numpy"):    # a schedule: its current value
            it = self._iterations()
            try:
                lr = lr(it if it is not None else 0)
            except (TypeError, ValueError):
                return None
        try:
            return float(np.asarray(lr.numpy() if hasattr(lr, "numpy") else lr))
        except (TypeError, ValueError):
            return None

    def _log_weights(self, epoch):
        with self._writer("train").as_default():
            for layer in getattr(self.model, "layers", []):
                for weight in layer.weights:
                    name = weight.name.replace(":", "_")
                    values = weight.numpy()
                    self._summary.histogram(name + "/histogram", values, step=epoch)
                    if self.write_images:
                        img = _weight_image(values)
                        if img is not None:
                            self._summary.image(name + "/image", img, step=epoch)


def _weight_image(w):
    """A weight as a `[k, h, w, 1]` gray image batch scaled to [0, 1], or None."""
    w = np.asarray(w, np.float64)
    if w.ndim == 1:
        w = w[None, :]
    if w.ndim == 2:
        if w.shape[0] > w.shape[1]:
            w = w.T
        img = w[None, :, :, None]
    elif w.ndim == 4:       # conv kernel [kh, kw, in, out] -> one image per output filter
        img = np.transpose(w, (3, 0, 1, 2))[..., :1]
    else:
        return None
    lo, hi = img.min(), img.max()
    return (img - lo) / (hi - lo) if hi > lo else np.zeros_like(img)
