"""The trainer: compile / fit / evaluate / predict, mixed into `keras.Model`.

`Model(Layer, Trainer)` gets everything here. The loops are plain Python over batches; each
batch goes through one call of a traced step (`flowgrad.function` around `train_step`,
`test_step` or `predict_step`), so the per-batch work in Python is the slicing of the batch,
one traced call and, only when a callback asks for them, the conversion of the logs.

Data handling (`_make_data`):

* NumPy arrays, tensors, lists of arrays (several inputs) and dicts (named inputs) are sliced
  into batches here, shuffled per epoch; float64 arrays become `floatx()` once, up front;
  `class_weight` is folded into per-sample weights once.
* `keras.utils.PyDataset` / `Sequence` objects are indexed batch by batch.
* Anything else iterable (Python generators, iterators, datasets) yields batches `x`,
  `(x, y)` or `(x, y, sample_weight)`.

Traced steps are cached per model and reused across `fit` calls and epochs. They are traced
for exact batch shapes: a last partial batch adds one trace, once, never one per epoch. Batches
whose logs nobody reads (all but an epoch's last, when no callback has per-batch hooks) run a
variant of the step whose graph drops the metric results.
"""

import copy
import math
import warnings

import numpy as np

from ..utils.data_utils import PyDataset, pack_x_y_sample_weight, unpack_x_y_sample_weight

# Names of `Trainer` members that `Layer` also defines; `Model(Layer, Trainer)` would otherwise
# resolve them to the Layer's version (see `Trainer.__init_subclass__`).
_TRAINER_WINS = ("metrics",)


# ---------------------------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------------------------
def _keras():
    from flowgrad import keras
    return keras


def _floatx():
    from .. import backend
    return backend.floatx()


def _is_tensor_like(v):
    return hasattr(v, "numpy") and hasattr(v, "dtype") and hasattr(v, "shape")


def _to_array(v):
    """A NumPy array for an array-like leaf (Tensor, Variable, pandas object, list of numbers);
    float64 becomes floatx, as tf.keras does with NumPy inputs."""
    if isinstance(v, np.ndarray):
        arr = v
    elif _is_tensor_like(v):
        arr = np.asarray(v.numpy())
    elif hasattr(v, "to_numpy"):
        arr = np.asarray(v.to_numpy())
    else:
        arr = np.asarray(v)
    if arr.dtype == np.float64:
        fx = _floatx()
        if fx != "float64":
            arr = arr.astype(fx)
    elif arr.dtype.kind == "U":
        arr = arr.astype(object)
    return arr


def _all_scalars(seq):
    for e in seq:
        if isinstance(e, (list, tuple)):
            if not _all_scalars(e):
                return False
        elif not isinstance(e, (int, float, bool, np.number, np.bool_, str, bytes)):
            return False
    return True


def _normalize_arrays(x):
    """Converts an array structure (array, list/tuple of arrays, dict of arrays, or a nested
    Python list of numbers) to NumPy leaves in the same structure."""
    if x is None:
        return None
    if isinstance(x, dict):
        return {k: _normalize_arrays(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        if len(x) and _all_scalars(x):
            return _to_array(x)
        return type(x)(_normalize_arrays(v) for v in x) if type(x) in (list, tuple) else \
            [_normalize_arrays(v) for v in x]
    return _to_array(x)


def _flatten(x):
    """The leaves of a list / tuple / dict structure (None leaves dropped)."""
    out = []

    def rec(v):
        if isinstance(v, (list, tuple)):
            for e in v:
                rec(e)
        elif isinstance(v, dict):
            for k in v:
                rec(v[k])
        elif v is not None:
            out.append(v)
    rec(x)
    return out


def _map_structure(fn, x):
    if isinstance(x, (list, tuple)):
        return type(x)(_map_structure(fn, v) for v in x) if type(x) in (list, tuple) else \
            [_map_structure(fn, v) for v in x]
    if isinstance(x, dict):
        return {k: _map_structure(fn, v) for k, v in x.items()}
    if x is None:
        return None
    return fn(x)


def _make_packer(structure):
    """Returns (leaves, pack): `pack(new_leaves)` rebuilds `structure` with the new leaves."""
    leaves = []

    def template(v):
        if isinstance(v, (list, tuple)):
            parts = [template(e) for e in v]
            kind = tuple if isinstance(v, tuple) else list
            return lambda it: kind(p(it) for p in parts)
        if isinstance(v, dict):
            parts = [(k, template(v[k])) for k in v]
            return lambda it: {k: p(it) for k, p in parts}
        if v is None:
            return lambda it: None
        leaves.append(v)
        return next

    t = template(structure)
    if not isinstance(structure, (list, tuple, dict)):
        return leaves, lambda new: new[0]
    return leaves, lambda new: t(iter(new))


def _num_samples(leaves):
    sizes = {int(a.shape[0]) if getattr(a, "ndim", 0) else None for a in leaves}
    if None in sizes:
        raise ValueError("Training data arrays must have a batch dimension; got a scalar.")
    if len(sizes) > 1:
        raise ValueError("Data cardinality is ambiguous: the arrays have different numbers of "
                         f"samples ({sorted(sizes)}). Make sure all arrays contain the same "
                         "number of samples.")
    return sizes.pop() if sizes else 0


def _class_weight_array(class_weight):
    keys = [int(k) for k in class_weight]
    if min(keys) < 0:
        raise ValueError(f"class_weight keys must be non-negative class indices; got {keys}.")
    table = np.ones(max(keys) + 1, dtype=_floatx())
    for k, w in class_weight.items():
        table[int(k)] = w
    return table


def _class_weights_for(y, table):
    """Per-sample weights from the class-weight table, for labels (N,), (N, 1) or one-hot."""
    y = np.asarray(y.numpy() if _is_tensor_like(y) else y)
    if y.ndim == 2 and y.shape[1] > 1:
        labels = np.argmax(y, axis=1)
    elif y.ndim == 2 and y.shape[1] == 1 and y.dtype.kind == "f" and \
            np.all((y == 0) | (y == 1)):
        labels = y[:, 0].astype(np.int64)
    else:
        labels = np.rint(y.reshape(y.shape[0], -1)[:, 0]).astype(np.int64) if y.ndim > 1 \
            else np.rint(y).astype(np.int64)
    if labels.size and labels.max() >= len(table):
        table = np.concatenate([table, np.ones(labels.max() + 1 - len(table), table.dtype)])
    return table[labels]


def _merge_weights(sample_weight, extra):
    if sample_weight is None:
        return extra
    sw = np.asarray(sample_weight.numpy() if _is_tensor_like(sample_weight) else sample_weight)
    return (sw.reshape(sw.shape[0], -1)[:, 0] if sw.ndim > 1 else sw).astype(extra.dtype) * extra


# ---------------------------------------------------------------------------------------------
# data sources
# ---------------------------------------------------------------------------------------------
class _ArrayData:
    """Batches of in-memory arrays: a permutation per epoch (or contiguous slices)."""

    def __init__(self, x, y, sample_weight, batch_size, shuffle, steps, class_weight):
        x = _normalize_arrays(x)
        y = _normalize_arrays(y)
        sample_weight = _normalize_arrays(sample_weight)
        if class_weight is not None:
            if y is None or isinstance(y, (list, tuple, dict)):
                raise ValueError("`class_weight` is only supported for models with a single "
                                 "output and targets given as one array.")
            sample_weight = _merge_weights(sample_weight,
                                           _class_weights_for(y, _class_weight_array(
                                               class_weight)))
        self._structure = pack_x_y_sample_weight(x, y, sample_weight)
        self._leaves, self._pack = _make_packer(self._structure)
        self.num_samples = _num_samples(self._leaves)
        self.batch_size = int(batch_size) if batch_size else 32
        self.shuffle = shuffle
        self._full_steps = max(1, -(-self.num_samples // self.batch_size)) \
            if self.num_samples else 0
        self.num_steps = int(steps) if steps is not None else self._full_steps
        self._stream = None

    def sample(self, n=None):
        """The first `n` samples (all of them when None), as a packed batch."""
        if n is None:
            return self._structure
        return self._pack([a[:n] for a in self._leaves])

    def first_batch(self):
        """A batch to build the model with (None when there is no data)."""
        return self.sample(self.batch_size) if self.num_samples else None

    def _epoch_batches(self):
        n, bs = self.num_samples, self.batch_size
        leaves, pack = self._leaves, self._pack
        if self.shuffle == "batch":
            starts = np.random.permutation(self._full_steps) * bs
            for s in starts:
                yield pack([a[s:s + bs] for a in leaves])
        elif self.shuffle:
            perm = np.random.permutation(n)
            # `take` gathers rows of multi-dimensional arrays faster than fancy indexing.
            gathers = [(lambda idx, a=a: a.take(idx, axis=0)) if a.ndim > 1 else a.__getitem__
                       for a in leaves]
            if len(leaves) == 2:
                g0, g1 = gathers
                for s in range(0, n, bs):
                    idx = perm[s:s + bs]
                    yield pack((g0(idx), g1(idx)))
            else:
                for s in range(0, n, bs):
                    idx = perm[s:s + bs]
                    yield pack([g(idx) for g in gathers])
        else:
            for s in range(0, n, bs):
                yield pack([a[s:s + bs] for a in leaves])

    def epoch(self):
        """An iterator over one epoch's batches."""
        if self.num_samples == 0:
            return iter(())
        if self.num_steps == self._full_steps:
            return self._epoch_batches()
        return self._limited(self.num_steps)

    def _limited(self, steps):
        for _ in range(steps):
            if self._stream is None:
                self._stream = self._epoch_batches()
            try:
                yield next(self._stream)
            except StopIteration:
                self._stream = self._epoch_batches()
                yield next(self._stream)

    def on_epoch_end(self):
        pass


class _SequenceData:
    """Batches served by index from a `PyDataset` / `Sequence`."""

    def __init__(self, dataset, shuffle, steps):
        self.dataset = dataset
        self.shuffle = shuffle
        n = len(dataset)
        self.num_steps = min(int(steps), n) if steps is not None else n

    def first_batch(self):
        """A batch to build the model with (None when there is no data)."""
        return _convert_batch(self.dataset[0]) if self.num_steps else None

    def epoch(self):
        order = np.arange(len(self.dataset))
        if self.shuffle is True:
            np.random.shuffle(order)
        begin = getattr(self.dataset, "on_epoch_begin", None)
        if begin is not None:
            begin()
        for i in order[:self.num_steps]:
            yield _convert_batch(self.dataset[int(i)])

    def on_epoch_end(self):
        end = getattr(self.dataset, "on_epoch_end", None)
        if end is not None:
            end()


class _IterableData:
    """Batches from a generator, an iterator or a re-iterable object (a dataset)."""

    def __init__(self, source, steps, class_weight=None):
        self.source = source
        self.num_steps = int(steps) if steps is not None else None
        self._reiterable = not (iter(source) is source) if hasattr(source, "__iter__") \
            else False
        self._iterator = None
        self._pushback = None
        self.out_of_data = False
        self._class_weight = None if class_weight is None else _class_weight_array(class_weight)
        if self.num_steps is None:
            try:
                n = len(source)
                self.num_steps = int(n) if n >= 0 else None
            except (TypeError, ValueError, NotImplementedError):
                pass
            card = getattr(source, "cardinality", None)
            if self.num_steps is None and callable(card):
                try:
                    c = card()
                    c = int(np.asarray(c.numpy() if hasattr(c, "numpy") else c))
                except Exception:  # noqa: BLE001 - an unknown cardinality is fine
                    c = -2
                if c == -1:  # tf.data.INFINITE_CARDINALITY (-2 is UNKNOWN_CARDINALITY)
                    raise ValueError("When providing an infinite dataset, you must specify "
                                     "the number of steps to run (steps_per_epoch, "
                                     "validation_steps or steps).")
                self.num_steps = c if c >= 0 else None

    def _prepare(self, batch):
        batch = _convert_batch(batch)
        if self._class_weight is not None:
            x, y, sw = unpack_x_y_sample_weight(batch)
            batch = (x, y, _merge_weights(sw, _class_weights_for(y, self._class_weight)))
        return batch

    def first_batch(self):
        """A batch to build the model with: from a fresh iterator of a re-iterable source, or
        the generator's next batch, handed back to the next epoch (None when there is none)."""
        if self._reiterable:
            batch = next(iter(self.source), None)
            return None if batch is None else self._prepare(batch)
        if self._iterator is None:
            self._iterator = iter(self.source)
        batch = next(self._iterator, None)
        if batch is None:
            return None
        self._pushback = self._prepare(batch)
        return self._pushback

    def epoch(self):
        """One epoch's batches: until the source is exhausted, or `steps` batches taken from
        an iterator kept across epochs (a re-iterable source restarts when it runs out)."""
        count = 0
        if self._pushback is not None:
            batch, self._pushback = self._pushback, None
            count = 1
            yield batch
        if self.num_steps is None:
            if self._reiterable or self._iterator is None:
                self._iterator = iter(self.source)
            for batch in self._iterator:
                yield self._prepare(batch)
            return
        restarted = False
        while count < self.num_steps:
            if self._iterator is None:
                self._iterator = iter(self.source)
            try:
                batch = next(self._iterator)
            except StopIteration:
                self._iterator = None
                if self._reiterable and not restarted:
                    restarted = True
                    continue
                self.out_of_data = True
                return
            restarted = False
            count += 1
            yield self._prepare(batch)

    def on_epoch_end(self):
        pass


def _convert_leaf(v):
    if isinstance(v, np.ndarray):
        if v.dtype == np.float64 and _floatx() != "float64":
            return v.astype(_floatx())
        return v
    if v is None or _is_tensor_like(v) or isinstance(v, (str, bytes, int, float, np.number)):
        return v
    return _to_array(v)


def _convert_part(v):
    if isinstance(v, (list, tuple)) and v and _all_scalars(v):
        return _to_array(v)
    if isinstance(v, (list, tuple, dict)):
        return _map_structure(_convert_leaf, v)
    return _convert_leaf(v)


def _convert_batch(batch):
    """Converts the NumPy / Python leaves of a batch (float64 -> floatx); tensors stay."""
    if isinstance(batch, list):
        batch = tuple(batch)
    if isinstance(batch, tuple):
        return tuple(_convert_part(e) for e in batch)
    return _convert_part(batch)


def _make_data(x, y=None, sample_weight=None, batch_size=None, shuffle=False, steps=None,
               class_weight=None):
    """The data source for `x` (and `y`, `sample_weight`)."""
    if isinstance(x, PyDataset) or (hasattr(x, "__getitem__") and hasattr(x, "__len__")
                                    and hasattr(x, "on_epoch_end")
                                    and not isinstance(x, (np.ndarray, list, tuple, dict))):
        _reject_targets(x, y, sample_weight)
        if class_weight is not None:
            raise ValueError("`class_weight` is not supported with a PyDataset / Sequence; "
                             "return sample weights from __getitem__ instead.")
        return _SequenceData(x, shuffle, steps)
    if _is_array_structure(x):
        return _ArrayData(x, y, sample_weight, batch_size, shuffle, steps, class_weight)
    if hasattr(x, "__iter__") or hasattr(x, "__next__") or hasattr(x, "element_spec"):
        _reject_targets(x, y, sample_weight)
        return _IterableData(x, steps, class_weight)
    raise ValueError(f"Unrecognized data type: x={_describe(x)} (of type {type(x).__name__}). "
                     "Expected NumPy arrays, tensors, lists or dicts of them, a generator, a "
                     "dataset or a keras.utils.PyDataset.")


def _reject_targets(x, y, sample_weight):
    if y is not None:
        raise ValueError(f"`y` argument is not supported when using a {type(x).__name__} as "
                         "input: the data source must yield (x, y) batches itself.")
    if sample_weight is not None:
        raise ValueError("`sample_weight` argument is not supported when using a "
                         f"{type(x).__name__} as input: yield (x, y, sample_weight) batches.")


def _is_array_structure(x):
    if isinstance(x, dict):
        return all(_is_array_structure(v) for v in x.values())
    if isinstance(x, (list, tuple)):
        return all(_is_array_structure(v) or isinstance(v, (int, float, bool, np.number))
                   for v in x)
    return isinstance(x, (np.ndarray, int, float, np.number)) or _is_tensor_like(x) or \
        hasattr(x, "to_numpy") or hasattr(x, "__array__") and not hasattr(x, "__next__")


def _describe(x):
    s = repr(x)
    return s if len(s) < 80 else s[:77] + "..."


def _split_validation(x, y, sample_weight, validation_split):
    """Splits the last `validation_split` fraction off array data (before any shuffling)."""
    if not 0.0 < validation_split < 1.0:
        raise ValueError(f"validation_split must be in (0, 1); got {validation_split}.")
    if not _is_array_structure(x):
        raise ValueError("`validation_split` is only supported for tensors or NumPy arrays; "
                         f"got {type(x).__name__}. Pass validation_data instead.")
    x = _normalize_arrays(x)
    y = _normalize_arrays(y)
    sample_weight = _normalize_arrays(sample_weight)
    n = _num_samples(_flatten([x, y, sample_weight]))
    split = math.floor(n * (1.0 - validation_split))
    if split == 0 or split == n:
        raise ValueError(f"Training data contains {n} samples, which is not sufficient to "
                         f"split it into a validation and training set as specified by "
                         f"`validation_split={validation_split}`. Either provide more data, or "
                         "a different value for the `validation_split` argument.")

    def head(a):
        return a[:split]

    def tail(a):
        return a[split:]
    return ((_map_structure(head, x), _map_structure(head, y),
             _map_structure(head, sample_weight)),
            (_map_structure(tail, x), _map_structure(tail, y),
             _map_structure(tail, sample_weight)))


# ---------------------------------------------------------------------------------------------
# compiled loss and metrics
# ---------------------------------------------------------------------------------------------
def _output_list(y_pred):
    """(names or None, list of output tensors) of a model's output structure."""
    if isinstance(y_pred, dict):
        return list(y_pred.keys()), list(y_pred.values())
    if isinstance(y_pred, (list, tuple)):
        return None, list(y_pred)
    return None, [y_pred]


def _targets_list(y_true, names, n, what="y"):
    """The targets, one per output, in output order."""
    if n == 1 and not isinstance(y_true, (dict, list, tuple)):
        return [y_true]
    if isinstance(y_true, dict):
        if names is None:
            raise ValueError(f"`{what}` is a dict ({sorted(y_true)}) but the model's outputs "
                             "have no names to match its keys.")
        return [y_true.get(k) for k in names]
    if isinstance(y_true, (list, tuple)):
        if len(y_true) != n:
            if n == 1:
                return [y_true]
            raise ValueError(f"The model has {n} outputs but `{what}` has {len(y_true)} "
                             "entries.")
        return list(y_true)
    if y_true is None:
        return [None] * n
    raise ValueError(f"The model has {n} outputs; `{what}` must be a list or dict with one "
                     "entry per output.")


def _resolve_loss(identifier):
    """A callable `(y_true, y_pred, sample_weight=None) -> scalar` for a loss identifier."""
    losses = _keras().losses
    if identifier is None:
        return None
    obj = losses.get(identifier) if isinstance(identifier, (str, dict)) else identifier
    if isinstance(obj, type):
        obj = obj()
    if isinstance(obj, losses.Loss):
        return obj
    if callable(obj):
        name = identifier if isinstance(identifier, str) else getattr(obj, "__name__", None)
        return losses.LossFunctionWrapper(obj, name=name)
    raise ValueError(f"Could not interpret loss identifier: {identifier!r}")


class CompiledLoss:
    """The losses given to `compile`, per output, weighted and summed.

    Calling it (`compiled_loss(y_true, y_pred, sample_weight, regularization_losses)`, the
    Keras 2 custom-`train_step` API) returns the total loss and updates the "loss" tracker.
    """

    def __init__(self, loss, loss_weights, output_names, tracker):
        self._spec = loss
        self._weights_spec = loss_weights
        self._output_names = output_names
        self.tracker = tracker
        self.per_output = None      # list of (name, loss object or None, weight)
        self.output_trackers = []

    @property
    def metrics(self):
        """The loss trackers: the total, then one per output for multi-output models."""
        return [self.tracker] + list(self.output_trackers)

    def build(self, y_true, y_pred):
        """Resolves the loss of each output (once, from the output structure)."""
        if self.per_output is not None:
            return
        names, outs = _output_list(y_pred)
        n = len(outs)
        if names is None:
            names = list(self._output_names or [])
            if len(names) != n:
                names = [f"output_{i + 1}" for i in range(n)] if n > 1 else ["output"]
        spec = self._spec
        if isinstance(spec, dict):
            unknown = set(spec) - set(names)
            if unknown:
                raise ValueError(f"Unknown entries in loss dictionary: {sorted(unknown)}. Only "
                                 f"expected the following keys: {names}")
            fns = [spec.get(k) for k in names]
        elif isinstance(spec, (list, tuple)):
            if len(spec) != n:
                raise ValueError(f"The model has {n} outputs, but you passed loss={spec!r} "
                                 f"with {len(spec)} entries.")
            fns = list(spec)
        else:
            fns = [spec] * n
        wspec = self._weights_spec
        if wspec is None:
            weights = [1.0] * n
        elif isinstance(wspec, dict):
            weights = [float(wspec.get(k, 1.0)) for k in names]
        elif isinstance(wspec, (list, tuple)):
            if len(wspec) != n:
                raise ValueError(f"The model has {n} outputs, but loss_weights has "
                                 f"{len(wspec)} entries.")
            weights = [float(w) for w in wspec]
        else:
            weights = [float(wspec)] * n
        resolved = {}
        per = []
        for name, fn, w in zip(names, fns, weights):
            if fn is None:
                per.append((name, None, w))
                continue
            key = id(fn) if not isinstance(fn, str) else fn
            obj = resolved.get(key) if n == 1 or isinstance(fn, str) else None
            if obj is None:
                obj = _resolve_loss(fn)
                resolved[key] = obj
            per.append((name, obj, w))
        self.per_output = per
        self.output_names = names
        if n > 1:
            mean = _keras().metrics.Mean
            self.output_trackers = [mean(name=f"{name}_loss") for name, obj, _ in per
                                    if obj is not None]

    def compute(self, y_true, y_pred, sample_weight=None, update_trackers=True):
        """The weighted sum of the outputs' losses (no regularization). With several outputs,
        updates the per-output loss trackers ("<output>_loss")."""
        self.build(y_true, y_pred)
        names, outs = _output_list(y_pred)
        n = len(outs)
        trues = _targets_list(y_true, self.output_names if names is None else names, n)
        sws = _targets_list(sample_weight, self.output_names if names is None else names, n,
                            "sample_weight") if isinstance(sample_weight, (list, tuple, dict)) \
            else [sample_weight] * n
        total = None
        trackers = iter(self.output_trackers)
        for (name, obj, w), yt, yp, sw in zip(self.per_output, trues, outs, sws):
            if obj is None:
                continue
            if yt is None:
                raise ValueError(f"No target given for output {name!r}, which has a loss.")
            value = obj(yt, yp, sample_weight=sw)
            if update_trackers and self.output_trackers:
                next(trackers).update_state(value, sample_weight=_batch_size_of(yp))
            if w != 1.0:
                value = value * w
            total = value if total is None else total + value
        return total

    def __call__(self, y_true, y_pred, sample_weight=None, regularization_losses=None):
        total = self.compute(y_true, y_pred, sample_weight, update_trackers=True)
        total = _add_regularization(total, regularization_losses)
        if total is None:
            raise ValueError("No loss to compute: give `loss` to compile() or add losses with "
                             "add_loss().")
        _, outs = _output_list(y_pred)
        self.tracker.update_state(total, sample_weight=_batch_size_of(outs[0]))
        return total


def _add_regularization(total, regularization_losses):
    if not regularization_losses:
        return total
    from ...ops import math_ops as fmath
    reg = list(regularization_losses)
    reg_sum = reg[0] if len(reg) == 1 else fmath.add_n(reg)
    if total is None:
        return reg_sum
    if reg_sum.dtype != total.dtype:
        reg_sum = fmath.cast(reg_sum, total.dtype)
    return total + reg_sum


def _batch_size_of(t):
    """The batch size of `t` as a float32 scalar tensor (symbolic inside traces)."""
    from ...ops import array_ops, math_ops
    shape = getattr(t, "shape", None)
    if shape is not None and hasattr(shape, "as_list"):
        shape = shape.as_list() if shape.rank is not None else None
    dim = shape[0] if shape else None
    if dim is not None:
        return float(dim)
    return math_ops.cast(array_ops.shape(t)[0], "float32")


class CompiledMetrics:
    """The metrics given to `compile` (`metrics` and `weighted_metrics`), per output.

    `update_state(y_true, y_pred, sample_weight)` updates them all (the Keras 2 custom
    `train_step` API); `metrics` lists the metric objects.
    """

    def __init__(self, metrics, weighted_metrics, output_names, compiled_loss):
        self._spec = metrics
        self._weighted_spec = weighted_metrics
        self._output_names = output_names
        self._compiled_loss = compiled_loss
        self._per_output = None  # list of (unweighted metrics, weighted metrics) per output

    @property
    def built(self):
        return self._per_output is not None

    @property
    def metrics(self):
        """The metric objects (empty until the first update, when 'accuracy' & co. are
        resolved from the targets and outputs)."""
        if self._per_output is None:
            return []
        out = []
        for plain, weighted in self._per_output:
            out.extend(plain)
            out.extend(weighted)
        return out

    def _per_output_specs(self, spec, names, n):
        if spec is None:
            return [[] for _ in range(n)]
        if isinstance(spec, dict):
            unknown = set(spec) - set(names)
            if unknown:
                raise ValueError(f"Unknown entries in metrics dictionary: {sorted(unknown)}. "
                                 f"Only expected the following keys: {names}")
            return [_as_list(spec.get(k)) for k in names]
        if not isinstance(spec, (list, tuple)):
            spec = [spec]
        if n > 1 and len(spec) == n and all(isinstance(s, (list, tuple)) or s is None
                                            for s in spec):
            return [_as_list(s) for s in spec]
        return [list(spec) for _ in range(n)]

    def build(self, y_true, y_pred):
        if self._per_output is not None:
            return
        names, outs = _output_list(y_pred)
        n = len(outs)
        if names is None:
            names = list(self._output_names or [])
            if len(names) != n:
                names = [f"output_{i + 1}" for i in range(n)] if n > 1 else ["output"]
        self.output_names = names
        trues = _targets_list(y_true, names, n)
        cl = self._compiled_loss
        loss_objs = [None] * n
        if cl is not None and cl.per_output is not None:
            loss_objs = [obj for _, obj, _ in cl.per_output]
        plain_specs = self._per_output_specs(self._spec, names, n)
        weighted_specs = self._per_output_specs(self._weighted_spec, names, n)
        per = []
        seen = set()
        for i in range(n):
            prefix = f"{names[i]}_" if n > 1 else ""
            made = []
            for group in (plain_specs[i], weighted_specs[i]):
                objs = []
                for s in group:
                    m = _resolve_metric(s, trues[i], outs[i], loss_objs[i])
                    if id(m) in seen:
                        m = _clone_metric(m)
                    seen.add(id(m))
                    if prefix:
                        _rename(m, prefix + m.name)
                    objs.append(m)
                made.append(objs)
            per.append(tuple(made))
        self._per_output = per

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Updates every compiled metric with the batch's targets and outputs."""
        self.build(y_true, y_pred)
        names, outs = _output_list(y_pred)
        n = len(outs)
        trues = _targets_list(y_true, self.output_names if names is None else names, n)
        sws = _targets_list(sample_weight, self.output_names if names is None else names, n,
                            "sample_weight") if isinstance(sample_weight, (list, tuple, dict)) \
            else [sample_weight] * n
        for (plain, weighted), yt, yp, sw in zip(self._per_output, trues, outs, sws):
            if yt is None:
                continue
            for m in plain:
                m.update_state(yt, yp)
            for m in weighted:
                m.update_state(yt, yp, sample_weight=sw)

    def reset_state(self):
        for m in self.metrics:
            m.reset_state()

    reset_states = reset_state


def _as_list(s):
    if s is None:
        return []
    return list(s) if isinstance(s, (list, tuple)) else [s]


def _rename(metric, name):
    try:
        metric.name = name
    except AttributeError:
        metric.__dict__["_name"] = name


def _clone_metric(m):
    """A fresh copy of a metric given for several outputs (each output needs its own state)."""
    if hasattr(m, "get_config") and hasattr(type(m), "from_config"):
        try:
            return type(m).from_config(m.get_config())
        except (TypeError, ValueError, KeyError):
            return copy.deepcopy(m)
    return copy.deepcopy(m)


def _resolve_metric(spec, y_true, y_pred, loss_obj):
    """A Metric object for a `compile(metrics=...)` entry ('accuracy' is resolved from the
    loss and the shapes of the targets and outputs, as Keras does)."""
    metrics = _keras().metrics
    return metrics.get_for_compile(spec, loss=loss_obj,
                                   y_pred_shape=getattr(y_pred, "shape", None),
                                   y_true_shape=getattr(y_true, "shape", None))


class _CompileState:
    """Everything `compile` sets up, held in one attribute so that Layer attribute tracking
    never sees the metrics' variables as model weights."""

    def __init__(self):
        self.loss_tracker = None
        self.compiled_loss = None
        self.compiled_metrics = None
        self.functions = {}      # (kind, run_eagerly) -> step callable
        self.built_for_training = False


def _shape_key(data):
    """(shape, dtype) of every array leaf of a batch: a new key means the traced step will
    trace again."""
    if type(data) is tuple and len(data) == 2:
        a, b = data
        if type(a) is np.ndarray and type(b) is np.ndarray:
            return (a.shape, a.dtype, b.shape, b.dtype)
    return tuple((getattr(v, "shape", None), getattr(v, "dtype", type(v)))
                 for v in _flatten(data))


class _TracedStep:
    """A traced step function that retraces quietly for a new batch shape.

    Traces use exact shapes: one for full batches, one for a last partial batch (kept in the
    cache across epochs and fit calls). A new shape retracing is expected here, so its
    RetracingWarning is not shown. (Traces generalized to an unknown batch dimension are
    avoided: code that reads static shapes, such as metric counts or reshapes, would bake the
    example's batch size into them.)
    """

    def __init__(self, fn):
        self.function = fn
        self._seen = set()

    def __call__(self, data):
        key = _shape_key(data)
        if key in self._seen:
            return self.function(data)
        from ...graph.function import RetracingWarning
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RetracingWarning)
            out = self.function(data)
        self._seen.add(key)
        return out

    def experimental_get_tracing_count(self):
        """How many times the step was traced."""
        return self.function.experimental_get_tracing_count()


# ---------------------------------------------------------------------------------------------
# logs
# ---------------------------------------------------------------------------------------------
def _to_python(value):
    if hasattr(value, "numpy"):
        value = value.numpy()
    if isinstance(value, np.ndarray):
        return float(value) if value.size == 1 else value
    if isinstance(value, (np.floating, np.integer)):
        return float(value)
    return value


def _logs_to_python(logs):
    """Converts a step's results (a dict of scalar tensors, possibly nested) to Python."""
    if logs is None:
        return {}
    if not isinstance(logs, dict):
        if isinstance(logs, (list, tuple)):
            return {f"output_{i + 1}": _to_python(v) for i, v in enumerate(logs)}
        return {"loss": _to_python(logs)}
    out = {}
    for k, v in logs.items():
        if isinstance(v, dict):
            out.update(_logs_to_python(v))
        else:
            out[k] = _to_python(v)
    return out


_END = object()


def _with_last(iterator):
    """Yields `(item, is_last)` pairs, looking one item ahead."""
    it = iter(iterator)
    item = next(it, _END)
    while item is not _END:
        following = next(it, _END)
        yield item, following is _END
        item = following


def _resolve_verbose(verbose):
    if verbose == "auto":
        return 1
    return int(verbose)


def _concat_outputs(batches):
    """Concatenates a list of per-batch output structures along the batch axis."""
    first = batches[0]
    if isinstance(first, dict):
        return {k: _concat_outputs([b[k] for b in batches]) for k in first}
    if isinstance(first, (list, tuple)):
        return type(first)(_concat_outputs([b[i] for b in batches]) for i in range(len(first)))
    arrays = [np.asarray(b.numpy() if hasattr(b, "numpy") else b) for b in batches]
    if len(arrays) == 1:
        return arrays[0]
    if arrays[0].ndim == 0:
        return np.stack(arrays)
    return np.concatenate(arrays, axis=0)


def _to_numpy_structure(x):
    return _map_structure(lambda t: np.asarray(t.numpy() if hasattr(t, "numpy") else t), x)


# ---------------------------------------------------------------------------------------------
# Trainer
# ---------------------------------------------------------------------------------------------
class Trainer:
    """compile / fit / evaluate / predict and the overridable train_step / test_step /
    predict_step. `keras.Model` inherits this mixin.

    Example:
        >>> import numpy as np, flowgrad as tf
        >>> model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=[1])])
        >>> model.compile(optimizer="sgd", loss="mean_squared_error")
        >>> xs = np.array([-1.0, 0.0, 1.0, 2.0, 3.0, 4.0]); ys = 2 * xs - 1
        >>> _ = model.fit(xs, ys, epochs=200, verbose=0)
        >>> abs(float(model.predict(np.array([10.0]), verbose=0)[0, 0]) - 19.0) < 0.5
        True
    """

    optimizer = None
    stop_training = False
    history = None
    compiled = False
    _initial_epoch = None
    _run_eagerly = None
    _compile_state = None
    _jit_compile = None
    _steps_per_execution = 1

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # Model(Layer, Trainer): where Layer also defines a member (e.g. `metrics`), the
        # Trainer's version must win unless a class between them overrides it.
        for name in _TRAINER_WINS:
            for klass in cls.__mro__:
                if name in klass.__dict__:
                    if not issubclass(klass, Trainer) and klass is not Trainer:
                        setattr(cls, name, Trainer.__dict__[name])
                    break

    # -- compile ----------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, metrics=None, loss_weights=None,
                weighted_metrics=None, run_eagerly=None, steps_per_execution=1,
                jit_compile=None, auto_scale_loss=True, **kwargs):
        """Configures the model for training.

        Args:
            optimizer: an optimizer name ("adam", "sgd", "rmsprop", ...) or instance.
            loss: a loss name, function or `Loss` object; a list (one per output) or a dict
                (by output name) for several outputs; None when `train_step` computes its own.
            metrics: metric names ("accuracy", "mae", ...), functions or `Metric` objects; a
                list applies to every output, a list of lists or a dict is per output.
                "accuracy" / "acc" resolve from the loss (binary, categorical or sparse), as
                in Keras.
            loss_weights: scalar coefficients of the outputs' losses (list or dict).
            weighted_metrics: metrics that take `sample_weight` / `class_weight` into account.
            run_eagerly: run the steps as plain Python instead of traced functions (for
                debugging: tensors have values, print works).
            steps_per_execution: accepted for compatibility (steps run one per call).
            jit_compile: accepted for compatibility.
        """
        for k in ("experimental_run_tf_function", "distribute", "target_tensors",
                  "sample_weight_mode", "options"):
            kwargs.pop(k, None)
        if kwargs:
            raise TypeError(f"Invalid keyword argument(s) in `compile()`: {sorted(kwargs)}.")
        optimizers = _keras().optimizers
        self.optimizer = optimizers.get(optimizer) if optimizer is not None else None
        self.loss = loss
        state = _CompileState()
        state.loss_tracker = _keras().metrics.Mean(name="loss")
        output_names = getattr(self, "output_names", None)
        if loss is not None:
            state.compiled_loss = CompiledLoss(loss, loss_weights, output_names,
                                               state.loss_tracker)
        state.compiled_metrics = CompiledMetrics(metrics, weighted_metrics, output_names,
                                                 state.compiled_loss)
        self._compile_state = state
        self._run_eagerly = run_eagerly
        self._jit_compile = jit_compile
        self._steps_per_execution = steps_per_execution
        self.compiled = True
        self.stop_training = False

    @property
    def run_eagerly(self):
        """Whether the steps run as plain Python (set by `compile(run_eagerly=...)`)."""
        return bool(self._run_eagerly)

    @run_eagerly.setter
    def run_eagerly(self, value):
        self._run_eagerly = bool(value)

    @property
    def jit_compile(self):
        return bool(self._jit_compile)

    @jit_compile.setter
    def jit_compile(self, value):
        self._jit_compile = value

    @property
    def compiled_loss(self):
        """The compiled loss (Keras 2 API): `compiled_loss(y, y_pred, sample_weight,
        regularization_losses=self.losses)` returns the total loss and updates "loss"."""
        state = self._compile_state
        if state is None:
            return None
        if state.compiled_loss is None:
            state.compiled_loss = CompiledLoss(None, None, getattr(self, "output_names", None),
                                               state.loss_tracker)
        return state.compiled_loss

    @property
    def compiled_metrics(self):
        """The compiled metrics (Keras 2 API): `compiled_metrics.update_state(y, y_pred,
        sample_weight)`."""
        state = self._compile_state
        return None if state is None else state.compiled_metrics

    @property
    def _loss_tracker(self):
        """The `Mean` metric named "loss" that the default steps update. (`loss_tracker`
        stays free for subclasses: the Keras guides assign their own there.)"""
        state = self._compile_state
        return None if state is None else state.loss_tracker

    @property
    def metrics(self):
        """The model's metric objects: the loss tracker, the compiled metrics (once built by
        the first batch), then metrics set as attributes of the model."""
        out = []
        state = self._compile_state
        if state is not None:
            if state.compiled_loss is not None:
                out.extend(state.compiled_loss.metrics)
            elif state.loss_tracker is not None:
                out.append(state.loss_tracker)
            if state.compiled_metrics is not None:
                out.extend(state.compiled_metrics.metrics)
        metric_cls = _keras().metrics.Metric
        seen = {id(m) for m in out}
        for v in self.__dict__.values():
            for m in (v if isinstance(v, (list, tuple)) else (v,)):
                if isinstance(m, metric_cls) and id(m) not in seen:
                    seen.add(id(m))
                    out.append(m)
        return out

    @property
    def metrics_names(self):
        """The names of `metrics` ("loss" first), as the logs use them."""
        return [m.name for m in self.metrics]

    def reset_metrics(self):
        """Resets the state of every metric in `metrics`."""
        for m in self.metrics:
            m.reset_state()

    # -- the steps --------------------------------------------------------------------------
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The total loss of a batch: the compiled loss plus the model's `losses`
        (regularization and `add_loss`). Does not update the "loss" tracker.

        Override it for a custom loss that keeps the default `train_step`.
        """
        state = self._compile_state
        total = None
        if state is not None and state.compiled_loss is not None and y is not None:
            total = state.compiled_loss.compute(y, y_pred, sample_weight)
        total = _add_regularization(total, self.losses)
        if total is None:
            if state is not None and state.compiled_loss is not None and y is None:
                raise ValueError("The model was compiled with a loss but the data has no "
                                 "targets: pass `y` (or yield (x, y) batches).")
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`.")
        return total

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Updates the compiled metrics with a batch and returns `get_metrics_result()`."""
        state = self._compile_state
        if state is not None and state.compiled_metrics is not None and y is not None:
            state.compiled_metrics.update_state(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def get_metrics_result(self):
        """`{name: result}` of every metric in `metrics` (tensors inside a traced step)."""
        out = {}
        for m in self.metrics:
            r = m.result()
            if isinstance(r, dict):
                out.update(r)
            else:
                out[m.name] = r
        return out

    def train_step(self, data):
        """One training step on a batch: forward pass under a GradientTape, loss, gradients,
        optimizer update, metrics. Returns `{metric name: value}`.

        Override it to customize `fit`; `data` is what the dataset yields: `(x, y)`,
        `(x, y, sample_weight)` or `x`.
        """
        from ...core.tape import GradientTape
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        with GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight)
        tracker = self._loss_tracker
        if tracker is not None:
            tracker.update_state(loss, sample_weight=_batch_size_of(_flatten(x)[0]))
        variables = self.trainable_variables
        if variables:
            grads = tape.gradient(loss, variables)
            pairs = [(g, v) for g, v in zip(grads, variables) if g is not None]
            if pairs:
                self.optimizer.apply_gradients(pairs)
            else:
                raise ValueError(
                    "No gradients provided for any variable: the loss does not depend on the "
                    f"model's trainable variables ({[v.name for v in variables][:5]}...).")
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def test_step(self, data):
        """One evaluation step on a batch: forward pass, loss, metrics. Returns
        `{metric name: value}`."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        y_pred = self(x, training=False)
        state = self._compile_state
        if state is not None and (
                (state.compiled_loss is not None and y is not None)
                or (state.compiled_loss is None and self.losses)):
            loss = self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight,
                                     training=False)
            state.loss_tracker.update_state(loss, sample_weight=_batch_size_of(_flatten(x)[0]))
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def predict_step(self, data):
        """One inference step: `self(x, training=False)`."""
        x, _, _ = unpack_x_y_sample_weight(data)
        return self(x, training=False)

    # -- traced functions -------------------------------------------------------------------
    def _step_function(self, kind, outputs=True):
        """The callable running `<kind>_step` on a batch: traced with `flowgrad.function`
        unless run_eagerly (or no tracer).

        With `outputs=False` the step's results are dropped: the traced graph then skips
        computing them (metric `result()`s), which the loops use for every batch whose logs
        nobody reads."""
        state = self._compile_state
        if state is None:
            state = self._compile_state = _CompileState()
        eager = bool(self._run_eagerly)
        key = (kind, eager) if outputs else (kind, eager, "update")
        fn = state.functions.get(key)
        if fn is not None:
            return fn
        step = getattr(self, f"{kind}_step")
        if outputs:
            def one_step(data):
                return step(data)
        else:
            def one_step(data):
                step(data)

        one_step.__name__ = f"{kind}_function"
        if not eager:
            import flowgrad
            tracer = getattr(flowgrad, "function", None)
            if tracer is not None:
                one_step = _TracedStep(tracer(one_step))
        state.functions[key] = one_step
        return one_step

    def make_train_function(self, force=False):
        """The function `fit` calls on each batch (a traced `train_step`)."""
        if force and self._compile_state is not None:
            self._compile_state.functions.pop(("train", bool(self._run_eagerly)), None)
        return self._step_function("train")

    def make_test_function(self, force=False):
        """The function `evaluate` calls on each batch (a traced `test_step`)."""
        if force and self._compile_state is not None:
            self._compile_state.functions.pop(("test", bool(self._run_eagerly)), None)
        return self._step_function("test")

    def make_predict_function(self, force=False):
        """The function `predict` calls on each batch (a traced `predict_step`)."""
        if force and self._compile_state is not None:
            self._compile_state.functions.pop(("predict", bool(self._run_eagerly)), None)
        return self._step_function("predict")

    def _assert_compiled(self, what):
        if not self.compiled:
            raise RuntimeError(f"You must compile your model before {what}. Call "
                               "`model.compile(optimizer, loss)`.")

    def _build_for_training(self, data):
        """Builds what the traced step must not create: the model's weights (an eager call
        on the first batch), the compiled metrics and the optimizer's state."""
        state = self._compile_state
        if state.built_for_training:
            return
        x, y, _ = unpack_x_y_sample_weight(data)
        need_call = not getattr(self, "built", True) or (
            y is not None and ((state.compiled_loss is not None
                                and state.compiled_loss.per_output is None)
                               or not state.compiled_metrics.built))
        if need_call:
            y_pred = self(x, training=False)
            if y is not None:
                if state.compiled_loss is not None:
                    state.compiled_loss.build(y, y_pred)
                state.compiled_metrics.build(y, y_pred)
        opt = self.optimizer
        if opt is not None and not getattr(opt, "built", True) and hasattr(opt, "build"):
            variables = self.trainable_variables
            if variables:
                opt.build(variables)
        state.built_for_training = True

    # -- fit --------------------------------------------------------------------------------
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1, max_queue_size=10, workers=1,
            use_multiprocessing=False):
        """Trains the model for `epochs` epochs.

        Args:
            x: inputs: a NumPy array or tensor, a list of them (several inputs), a dict (named
                inputs), a generator / iterator / dataset yielding `(x, y[, sample_weight])`
                batches, or a `keras.utils.PyDataset`.
            y: targets, for array inputs (an array, or a list / dict per output).
            batch_size: samples per batch for array inputs (default 32).
            epochs: the epoch to stop at (counted from 0 with `initial_epoch`).
            verbose: 0 silent, 1 progress bar, 2 one line per epoch; "auto" is 1.
            callbacks: a list of `keras.callbacks.Callback`.
            validation_split: the fraction of array data (the last samples, before
                shuffling) held out for validation.
            validation_data: `(x_val, y_val)`, `(x_val, y_val, sample_weight)`, or a dataset /
                generator, evaluated at the end of each epoch.
            shuffle: shuffle array data each epoch (True), per batch ("batch"), or not.
            class_weight: `{class index: weight}`, scaling each sample's loss by its class.
            sample_weight: per-sample loss weights for array data.
            initial_epoch: the epoch to start from (to resume training).
            steps_per_epoch: batches per epoch (default: the whole data; required for
                infinite generators).
            validation_steps: batches per validation run.
            validation_batch_size: batch size for validation arrays (default `batch_size`).
            validation_freq: validate every this many epochs, or at the listed (1-based)
                epochs.

        Returns:
            A `History`: `history.history` maps each metric ("loss", "accuracy", "val_loss",
            ...) to its value per epoch.
        """
        from .. import callbacks as callbacks_module
        self._assert_compiled("training it")
        verbose = _resolve_verbose(verbose)
        if validation_split and validation_data is None:
            (x, y, sample_weight), validation_data = _split_validation(
                x, y, sample_weight, validation_split)
        data = _make_data(x, y, sample_weight, batch_size, shuffle, steps_per_epoch,
                          class_weight)
        val_data = None
        if validation_data is not None:
            val_data = self._validation_source(validation_data, validation_batch_size or
                                               batch_size, validation_steps)
        cbs = callbacks if isinstance(callbacks, callbacks_module.CallbackList) else \
            callbacks_module.CallbackList(callbacks, add_history=True,
                                          add_progbar=verbose != 0, model=self,
                                          verbose=verbose, epochs=epochs,
                                          steps=data.num_steps)
        self.stop_training = False
        train_fn = self.make_train_function()
        batch_hooks = cbs.implements_batch_hooks("train")
        # Build before the callbacks start (BackupAndRestore restores weights and optimizer
        # state in on_train_begin).
        if not self._compile_state.built_for_training:
            batch = data.first_batch()
            if batch is not None:
                self._build_for_training(batch)
        cbs.on_train_begin()
        if self._initial_epoch is not None:  # set by BackupAndRestore
            initial_epoch = max(initial_epoch, int(self._initial_epoch))
            self._initial_epoch = None
        # Without per-batch callbacks, only the last batch of an epoch computes its logs.
        update_fn = train_fn if batch_hooks else self._step_function("train", outputs=False)
        training_logs = None
        logs = None
        for epoch in range(initial_epoch, epochs):
            self.reset_metrics()
            cbs.on_epoch_begin(epoch)
            epoch_logs_raw, steps_done = self._run_batches(
                data, "train", train_fn, update_fn, cbs, batch_hooks, can_stop=True)
            if epoch_logs_raw is not None:
                logs = epoch_logs_raw
            if steps_done == 0:
                if logs is None:
                    raise ValueError(
                        "Unexpected result of `train_function` (Empty logs). The training "
                        "data is empty, or the generator yielded nothing. Check `x`, "
                        "`batch_size` and `steps_per_epoch`.")
                warnings.warn("Your input ran out of data; interrupting training. Make sure "
                              "that your dataset or generator can generate at least "
                              "`steps_per_epoch * epochs` batches.", stacklevel=2)
                break
            if cbs.params.get("steps") is None:
                cbs.params["steps"] = steps_done
            epoch_logs = _logs_to_python(logs)
            if not batch_hooks:
                # Callbacks without per-batch work (History, a non-interactive progress bar)
                # still see the epoch's last batch.
                cbs.on_train_batch_end(steps_done - 1, dict(epoch_logs))
            if val_data is not None and self._should_validate(epoch, validation_freq):
                val_logs = self._evaluate_loop(val_data, cbs, in_fit=True)
                epoch_logs.update({"val_" + k: v for k, v in val_logs.items()})
            cbs.on_epoch_end(epoch, epoch_logs)
            training_logs = epoch_logs
            if self.stop_training or getattr(data, "out_of_data", False):
                if getattr(data, "out_of_data", False):
                    warnings.warn(
                        "Your input ran out of data; interrupting training. Make sure that "
                        "your dataset or generator can generate at least `steps_per_epoch * "
                        "epochs` batches. You may need to use the `.repeat()` function when "
                        "building your dataset.", stacklevel=2)
                break
        cbs.on_train_end(logs=training_logs)
        return self.history

    def _validation_source(self, validation_data, batch_size, steps):
        if isinstance(validation_data, (tuple, list)) and len(validation_data) in (2, 3) and \
                _is_array_structure(validation_data[0]):
            vx, vy, vsw = unpack_x_y_sample_weight(validation_data)
            return _make_data(vx, vy, vsw, batch_size, False, steps)
        if isinstance(validation_data, (tuple, list)) and len(validation_data) not in (2, 3):
            raise ValueError("validation_data must be (x_val, y_val) or (x_val, y_val, "
                             f"val_sample_weight); got a tuple of length "
                             f"{len(validation_data)}.")
        return _make_data(validation_data, None, None, batch_size, False, steps)

    @staticmethod
    def _should_validate(epoch, validation_freq):
        epoch += 1
        if isinstance(validation_freq, int):
            return epoch % validation_freq == 0
        if isinstance(validation_freq, (list, tuple, set, range)):
            return epoch in validation_freq
        raise ValueError(f"validation_freq must be an int or a list of epochs; got "
                         f"{validation_freq!r}.")

    # -- evaluate ---------------------------------------------------------------------------
    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, max_queue_size=10, workers=1,
                 use_multiprocessing=False, return_dict=False, **kwargs):
        """Computes the loss and metrics on data, batch by batch.

        Args:
            x, y, sample_weight: as in `fit`.
            batch_size: samples per batch for array inputs (default 32).
            verbose: 0 silent, 1 progress bar, 2 one line; "auto" is 1.
            steps: the number of batches (default: all the data).
            callbacks: callbacks receiving the test hooks.
            return_dict: return `{name: value}` instead of a list.

        Returns:
            The loss (a float) when the model has no other metric, else `[loss, metric, ...]`
            in `metrics_names` order; or a dict with `return_dict=True`.
        """
        from .. import callbacks as callbacks_module
        self._assert_compiled("evaluating it")
        if kwargs:
            raise TypeError(f"Invalid keyword arguments: {sorted(kwargs)}.")
        verbose = _resolve_verbose(verbose)
        data = _make_data(x, y, sample_weight, batch_size, False, steps)
        cbs = callbacks if isinstance(callbacks, callbacks_module.CallbackList) else \
            callbacks_module.CallbackList(callbacks, add_progbar=verbose != 0, model=self,
                                          verbose=verbose, epochs=1, steps=data.num_steps)
        logs = self._evaluate_loop(data, cbs, in_fit=False)
        if return_dict:
            return logs
        values = [logs[k] for k in logs]
        return values[0] if len(values) == 1 else values

    def _run_batches(self, data, kind, step_fn, update_fn, cbs, batch_hooks, can_stop):
        """One pass over `data` for fit ("train") or evaluate ("test"). Batch callbacks run
        only when some callback has per-batch hooks; otherwise only the last batch computes
        its logs (`step_fn`) and the others run the cheaper `update_fn`. Returns the logs of
        the last batch that computed them (None if none did) and the number of steps run."""
        begin = getattr(cbs, f"on_{kind}_batch_begin")
        end = getattr(cbs, f"on_{kind}_batch_end")
        logs, steps_done = None, 0
        built = self._compile_state.built_for_training
        for step, (batch, last) in enumerate(_with_last(data.epoch())):
            if not built:
                self._build_for_training(batch)
                built = True
            if batch_hooks:
                begin(step)
                logs = step_fn(batch)
                end(step, _logs_to_python(logs))
            elif last:
                logs = step_fn(batch)
            else:
                update_fn(batch)
            steps_done = step + 1
            if can_stop and self.stop_training:
                break
        data.on_epoch_end()
        return logs, steps_done

    def _evaluate_loop(self, data, cbs, in_fit):
        test_fn = self.make_test_function()
        batch_hooks = cbs.implements_batch_hooks("test")
        self.reset_metrics()
        cbs.on_test_begin()
        update_fn = test_fn if batch_hooks else self._step_function("test", outputs=False)
        logs, steps_done = self._run_batches(data, "test", test_fn, update_fn, cbs,
                                             batch_hooks, can_stop=False)
        logs = _logs_to_python(logs) if logs is not None else {
            k: _to_python(v) for k, v in self.get_metrics_result().items()}
        if not batch_hooks and steps_done:
            cbs.on_test_batch_end(steps_done - 1, dict(logs))
        cbs.on_test_end(logs)
        return logs

    # -- predict ----------------------------------------------------------------------------
    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None,
                max_queue_size=10, workers=1, use_multiprocessing=False):
        """Computes the model's outputs for the inputs, batch by batch.

        Args:
            x: inputs, as in `fit` (a generator or dataset may yield `x` or `(x, ...)`).
            batch_size: samples per batch for array inputs (default 32).
            verbose: 0 silent, 1 progress bar, 2 one line; "auto" is 1.
            steps: the number of batches (default: all the data).
            callbacks: callbacks receiving the predict hooks.

        Returns:
            NumPy array(s) in the structure of the model's outputs.
        """
        if (callbacks is None and verbose == 0 and steps is None and type(x) is np.ndarray
                and x.ndim and len(x) <= (batch_size or 32)
                and type(self).predict_step is Trainer.predict_step):
            # The one-sample case: exactly `model(x)`, with nothing around it.
            return _to_numpy_structure(self(x, training=False))
        from .. import callbacks as callbacks_module
        verbose = _resolve_verbose(verbose)
        data = _make_data(x, None, None, batch_size, False, steps)
        cbs = callbacks if isinstance(callbacks, callbacks_module.CallbackList) else \
            callbacks_module.CallbackList(callbacks, add_progbar=verbose != 0, model=self,
                                          verbose=verbose, epochs=1, steps=data.num_steps)
        if isinstance(data, _ArrayData) and data.num_steps == 1 and \
                data.num_samples <= data.batch_size and not cbs.implements_batch_hooks(
                    "predict"):
            # Small inputs: one direct call, no tracing.
            cbs.on_predict_begin()
            cbs.on_predict_batch_begin(0)
            outputs = _to_numpy_structure(self.predict_step(data.sample()))
            cbs.on_predict_batch_end(0, {"outputs": outputs})
            cbs.on_predict_end()
            return outputs
        predict_fn = self.make_predict_function()
        batch_hooks = cbs.implements_batch_hooks("predict")
        cbs.on_predict_begin()
        results = []
        for step, batch in enumerate(data.epoch()):
            if not getattr(self, "built", True):
                x_only, _, _ = unpack_x_y_sample_weight(batch)
                self(x_only, training=False)
            if batch_hooks:
                cbs.on_predict_batch_begin(step)
            out = predict_fn(batch)
            results.append(out)
            if batch_hooks:
                cbs.on_predict_batch_end(step, {"outputs": out})
        data.on_epoch_end()
        if not batch_hooks and results:
            cbs.on_predict_batch_end(len(results) - 1, {"outputs": results[-1]})
        cbs.on_predict_end()
        if not results:
            raise ValueError("Unexpected result of `predict_function` (Empty batch_outputs). "
                             "The input data is empty; check `x` and `steps`.")
        return _concat_outputs(results)

    # -- single batches ---------------------------------------------------------------------
    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None,
                       reset_metrics=True, return_dict=False):
        """Runs one training step on one batch.

        Returns:
            The loss, `[loss, metrics...]`, or a dict with `return_dict=True` (the metrics
            accumulate across calls unless `reset_metrics`).
        """
        self._assert_compiled("training it")
        batch = self._single_batch(x, y, sample_weight, class_weight)
        self._build_for_training(batch)
        if reset_metrics:
            self.reset_metrics()
        logs = _logs_to_python(self.make_train_function()(batch))
        return self._format_batch_logs(logs, return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, reset_metrics=True,
                      return_dict=False):
        """Runs one evaluation step on one batch; returns like `train_on_batch`."""
        self._assert_compiled("evaluating it")
        batch = self._single_batch(x, y, sample_weight, None)
        self._build_for_training(batch)
        if reset_metrics:
            self.reset_metrics()
        logs = _logs_to_python(self.make_test_function()(batch))
        return self._format_batch_logs(logs, return_dict)

    def predict_on_batch(self, x):
        """The model's outputs on one batch, as NumPy."""
        x = _normalize_arrays(x)
        return _to_numpy_structure(self.predict_step(pack_x_y_sample_weight(x)))

    def _single_batch(self, x, y, sample_weight, class_weight):
        x = _normalize_arrays(x)
        y = _normalize_arrays(y)
        sample_weight = _normalize_arrays(sample_weight)
        if class_weight is not None:
            sample_weight = _merge_weights(sample_weight, _class_weights_for(
                y, _class_weight_array(class_weight)))
        return pack_x_y_sample_weight(x, y, sample_weight)

    @staticmethod
    def _format_batch_logs(logs, return_dict):
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values
