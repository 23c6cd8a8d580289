"""`tf.keras.metrics`: stateful metrics that accumulate over batches, and metric functions.

A `Metric` keeps its state in non-trainable `flowgrad.Variable`s: `update_state(...)` adds a
batch, `result()` computes the value from the state, `reset_state()` zeroes it, and calling the
metric does an update and returns the result. State changes only through `Variable.assign*` and
values are computed with flowgrad ops only, so metrics also run inside traced functions.

Metrics are self-contained (they are not Layers). `get` resolves names ('accuracy', 'mae',
'AUC', 'precision', ...); `resolve_accuracy` and `get_for_compile` turn `compile()`'s metric
identifiers into Metric objects the way Keras' compile does.

Example:
    >>> import flowgrad as tf
    >>> m = tf.keras.metrics.BinaryAccuracy()
    >>> _ = m.update_state([[1.0], [0.0]], [[0.9], [0.7]])
    >>> float(m.result())
    0.5
    >>> _ = m.update_state([[1.0]], [[0.8]])
    >>> round(float(m.result()), 4)
    0.6667
"""


from .. import dtypes as _dtypes
from ..core.tensor import Tensor
from ..core.variable import Variable
from ..ops import array_ops, indexing_ops, linalg_ops, math_ops
from ..ops._common import to_tensor
from . import _serialization as _ser
from . import losses as _losses
from ._serialization import _to_snake
from .losses import (  # noqa: F401  (Keras exports the loss functions as metrics too)
    KLD,
    MAE,
    MAPE,
    MSE,
    MSLE,
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_hinge,
    hinge,
    huber,
    kl_divergence,
    kld,
    kullback_leibler_divergence,
    log_cosh,
    logcosh,
    mae,
    mape,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    mse,
    msle,
    poisson,
    sparse_categorical_crossentropy,
    squared_hinge,
)

__all__ = [
    "AUC",
    "Accuracy",
    "BinaryAccuracy",
    "BinaryCrossentropy",
    "CategoricalAccuracy",
    "CategoricalCrossentropy",
    "CategoricalHinge",
    "CosineSimilarity",
    "F1Score",
    "FBetaScore",
    "FalseNegatives",
    "FalsePositives",
    "Hinge",
    "KLDivergence",
    "LogCoshError",
    "Mean",
    "MeanAbsoluteError",
    "MeanAbsolutePercentageError",
    "MeanIoU",
    "MeanMetricWrapper",
    "MeanSquaredError",
    "MeanSquaredLogarithmicError",
    "Metric",
    "Poisson",
    "Precision",
    "Recall",
    "Reduce",
    "RootMeanSquaredError",
    "SparseCategoricalAccuracy",
    "SparseCategoricalCrossentropy",
    "SparseTopKCategoricalAccuracy",
    "SquaredHinge",
    "Sum",
    "TopKCategoricalAccuracy",
    "TrueNegatives",
    "TruePositives",
    "accuracy",
    "binary_accuracy",
    "categorical_accuracy",
    "deserialize",
    "get",
    "get_for_compile",
    "resolve_accuracy",
    "serialize",
    "sparse_categorical_accuracy",
    "sparse_top_k_categorical_accuracy",
    "top_k_categorical_accuracy",
]

_EPSILON = 1e-7
_NEG_INF = -1e10


# -- helpers ---------------------------------------------------------------------------------------
def _tensor(x):
    if type(x) is Tensor:
        return x
    if hasattr(x, "_is_variable"):
        return x.read_value()
    return to_tensor(x)


def _cast(x, dtype):
    return _losses._cast_to(x, dtype)


def _dims(t):
    return _losses._dims(t)


def _one_way_broadcastable(small, big):
    """Whether shape `small` broadcasts to shape `big` without changing `big`."""
    if small is None or big is None:
        return True
    if len(small) > len(big):
        return False
    for s, b in zip(reversed(small), reversed(big)):
        if s is not None and b is not None and s != 1 and s != b:
            return False
    return True


def _match_ranks(y_true, y_pred):
    """Gives the lower-rank of the two a trailing axis when the other ends in a size-1 axis,
    so `(batch,)` targets and `(batch, 1)` predictions compare per sample (what Keras' compile
    does before updating metrics)."""
    rt, rp = y_true.shape.rank, y_pred.shape.rank
    if rt is None or rp is None:
        return y_true, y_pred
    if rp - rt == 1 and y_pred.shape[-1] == 1:
        y_true = array_ops.expand_dims(y_true, -1)
    elif rt - rp == 1 and y_true.shape[-1] == 1:
        y_pred = array_ops.expand_dims(y_pred, -1)
    return y_true, y_pred


def _weights_like(sample_weight, values, name):
    """Casts `sample_weight` and broadcasts it to `values` (after Keras' rank matching)."""
    sw = _cast(sample_weight, values.dtype)
    _, _, sw = _losses.squeeze_or_expand_dimensions(values, None, sw)
    if not _one_way_broadcastable(_dims(sw), _dims(values)):
        raise ValueError(f"{name}: sample_weight of shape {_dims(sw)} cannot be broadcast to the "
                         f"values of shape {_dims(values)}. Give one weight per sample.")
    return sw * array_ops.ones_like(values)


def _in_top_k(predictions, targets, k):
    """Whether each target class is among the top `k` predictions (ties count as in, as in
    `tf.math.in_top_k`); out-of-range targets and non-finite target predictions count as out."""
    classes = predictions.shape[-1]
    targets = math_ops.cast(targets, _dtypes.int32)
    selected = math_ops.cast(indexing_ops.one_hot(targets, classes, dtype=_dtypes.int32),
                             _dtypes.bool)
    target_pred = math_ops.reduce_sum(
        math_ops.where(selected, predictions, array_ops.zeros_like(predictions)), axis=-1,
        keepdims=True)
    higher = math_ops.cast(predictions > target_pred, _dtypes.int32)
    rank = math_ops.reduce_sum(higher, axis=-1)
    valid = math_ops.logical_and(math_ops.reduce_any(selected, axis=-1),
                                 math_ops.is_finite(array_ops.squeeze(target_pred, [-1])))
    return math_ops.logical_and(rank < k, valid)


# -- metric functions ------------------------------------------------------------------------------
def accuracy(y_true, y_pred):
    """Elementwise `y_true == y_pred` as float32 (1.0 where equal).

    Example:
        >>> import flowgrad as tf
        >>> tf.keras.metrics.accuracy([1, 2], [1, 3]).numpy().tolist()
        [1.0, 0.0]
    """
    y_true, y_pred = _tensor(y_true), _tensor(y_pred)
    if y_true.dtype != y_pred.dtype:
        y_pred = math_ops.cast(y_pred, y_true.dtype)
    return math_ops.cast(math_ops.equal(y_true, y_pred), _dtypes.float32)


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """Mean over the last axis of `y_true == (y_pred > threshold)`.

    Example:
        >>> import flowgrad as tf
        >>> tf.keras.metrics.binary_accuracy([[1.0], [0.0]], [[0.6], [0.7]]).numpy().tolist()
        [1.0, 0.0]
    """
    y_true, y_pred = _losses._prepare(y_true, y_pred)
    pred = math_ops.cast(y_pred > threshold, y_pred.dtype)
    return math_ops.reduce_mean(math_ops.cast(math_ops.equal(y_true, pred), y_pred.dtype),
                                axis=-1)


def categorical_accuracy(y_true, y_pred):
    """1.0 where `argmax(y_true) == argmax(y_pred)` over the last axis (one-hot targets)."""
    y_true, y_pred = _tensor(y_true), _tensor(y_pred)
    dtype = y_pred.dtype if y_pred.dtype.is_floating else _dtypes.float32
    return math_ops.cast(math_ops.equal(math_ops.argmax(y_true, axis=-1),
                                        math_ops.argmax(y_pred, axis=-1)), dtype)


def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where the integer label equals `argmax(y_pred)`; labels of shape `(batch,)` or
    `(batch, 1)` (the result then has the labels' shape)."""
    y_true, y_pred = _tensor(y_true), _tensor(y_pred)
    dtype = y_pred.dtype if y_pred.dtype.is_floating else _dtypes.float32
    original = None
    rt, rp = y_true.shape.rank, y_pred.shape.rank
    if rt is not None and rp is not None and rt == rp and rt > 0 and y_true.shape[-1] == 1:
        original = _dims(y_true)
        y_true = array_ops.squeeze(y_true, [-1])
    pred = math_ops.argmax(y_pred, axis=-1)
    if pred.dtype != y_true.dtype:
        pred = math_ops.cast(pred, y_true.dtype)
    matches = math_ops.cast(math_ops.equal(y_true, pred), dtype)
    if original is not None:
        matches = array_ops.expand_dims(matches, -1)
    return matches


def _top_k_matches(labels, y_pred, k):
    y_pred = _tensor(y_pred)
    dtype = y_pred.dtype if y_pred.dtype.is_floating else _dtypes.float32
    labels = _tensor(labels)
    original = _dims(labels)
    if y_pred.shape.rank is not None and y_pred.shape.rank > 2:
        y_pred = array_ops.reshape(y_pred, [-1, y_pred.shape[-1]])
    if labels.shape.rank is not None and labels.shape.rank != 1:
        labels = array_ops.reshape(labels, [-1])
    matches = math_ops.cast(_in_top_k(y_pred, labels, k), dtype)
    if original is not None and len(original) != 1:
        matches = array_ops.reshape(matches, [-1 if d is None else d for d in original])
    return matches


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where the one-hot target's class is among the `k` highest predictions."""
    return _top_k_matches(math_ops.argmax(_tensor(y_true), axis=-1), y_pred, k)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where the integer label is among the `k` highest predictions."""
    return _top_k_matches(y_true, y_pred, k)


def _cosine_similarity(y_true, y_pred, axis=-1):
    """Cosine similarity along `axis` (positive, unlike the loss)."""
    return -_losses.cosine_similarity(y_true, y_pred, axis=axis)


acc = ACC = accuracy
bce = BCE = binary_crossentropy


# -- base classes ----------------------------------------------------------------------------------
class Metric(_ser.ConfigMixin):
    """Base class of stateful metrics.

    Subclasses create state with `add_weight` in `__init__` and implement
    `update_state(*args, **kwargs)` and `result()`.

    Args:
        name: the metric's name (default: the class name in snake_case).
        dtype: the dtype of the state and result (default float32).

    Example:
        >>> import flowgrad as tf
        >>> class Count(tf.keras.metrics.Metric):
        ...     def __init__(self, name="count", **kwargs):
        ...         super().__init__(name=name, **kwargs)
        ...         self.n = self.add_weight(name="n", initializer="zeros")
        ...     def update_state(self, values, sample_weight=None):
        ...         self.n.assign_add(tf.cast(tf.size(values), self.dtype))
        ...     def result(self):
        ...         return self.n.read_value()
        >>> m = Count()
        >>> _ = m.update_state([1, 2, 3]); float(m([4, 5]))
        5.0
    """

    def __init__(self, name=None, dtype=None, **kwargs):
        unknown = set(kwargs) - {"trainable", "autocast"}
        if unknown:
            raise TypeError(f"{type(self).__name__}.__init__ got unexpected keyword arguments "
                            f"{sorted(unknown)}.")
        self._name = name if name is not None else _to_snake(type(self).__name__)
        self._dtype = _dtypes.float32 if dtype is None else _dtypes.as_dtype(dtype)
        self._variables = []
        self.built = True

    # -- properties -----------------------------------------------------------------------------
    @property
    def name(self):
        return self._name

    @name.setter
    def name(self, value):
        self._name = str(value)

    @property
    def dtype(self):
        """The state/result dtype's name, e.g. "float32" (it compares equal to tf.float32)."""
        return self._dtype.name

    @property
    def variables(self):
        return list(self._variables)

    weights = variables
    non_trainable_weights = variables
    non_trainable_variables = variables

    @property
    def trainable_weights(self):
        return []

    trainable_variables = trainable_weights
    stateful = True

    # -- state ----------------------------------------------------------------------------------
    _KERAS2_ORDER = ("name", "shape", "aggregation", "synchronization", "initializer", "dtype")
    _KERAS3_ORDER = ("shape", "initializer", "dtype", "name")

    def add_weight(self, *args, **kwargs):
        """Creates a non-trainable state Variable and tracks it.

        Accepts the Keras 2 order `add_weight(name, shape=(), aggregation, synchronization,
        initializer, dtype)` (a string first) and the Keras 3 order
        `add_weight(shape=(), initializer=None, dtype=None, name=None)`.

        Args:
            name: the variable name.
            shape: its shape (default scalar).
            initializer: an initializer name, object or callable (default zeros).
            dtype: defaults to the metric's dtype.

        Returns:
            The Variable.
        """
        order = self._KERAS2_ORDER if args and isinstance(args[0], str) else self._KERAS3_ORDER
        if len(args) > len(order):
            raise TypeError(f"add_weight() takes at most {len(order)} positional arguments.")
        for key, value in zip(order, args):
            if key in kwargs:
                raise TypeError(f"add_weight() got multiple values for argument {key!r}")
            kwargs[key] = value
        unknown = set(kwargs) - set(self._KERAS2_ORDER) - {"trainable"}
        if unknown:
            raise TypeError(f"add_weight() got unexpected keyword arguments {sorted(unknown)}.")
        from . import initializers
        name = kwargs.get("name")
        dtype = kwargs.get("dtype")
        dtype = self._dtype if dtype is None else _dtypes.as_dtype(dtype)
        shape = kwargs.get("shape", ())
        shape = () if shape is None else (shape,) if isinstance(shape, int) else tuple(shape)
        initializer = kwargs.get("initializer")
        init = initializers.get("zeros" if initializer is None else initializer)
        value = init(shape, dtype=dtype)
        var = Variable(value, trainable=False, name=name or f"variable_{len(self._variables)}",
                       dtype=dtype)
        self._variables.append(var)
        return var

    def add_variable(self, shape=(), initializer="zeros", dtype=None, aggregation="sum",
                     name=None):
        """Keras 3 spelling of `add_weight`."""
        return self.add_weight(name=name, shape=shape, initializer=initializer, dtype=dtype)

    def update_state(self, *args, **kwargs):
        """Accumulates statistics from a batch; subclasses implement it."""
        raise NotImplementedError(f"{type(self).__name__} must implement update_state().")

    def result(self):
        """Computes the metric value from the state; subclasses implement it."""
        raise NotImplementedError(f"{type(self).__name__} must implement result().")

    def reset_state(self):
        """Sets every state variable to zero."""
        for v in self._variables:
            v.assign(array_ops.zeros(tuple(v.shape), dtype=v.dtype))

    def reset_states(self):
        """Alias of `reset_state` (Keras 2 spelling)."""
        return self.reset_state()

    def __call__(self, *args, **kwargs):
        """Updates the state with a batch and returns the new result."""
        self.update_state(*args, **kwargs)
        return self.result()

    # -- config ---------------------------------------------------------------------------------
    # get_config() gives `{"name": ..., "dtype": ...}` plus the subclass's arguments.
    _config_keys = ("name", "dtype")


class Reduce(Metric):
    """Reduces values over batches with "sum" or "weighted_mean".

    Weighted updates follow Keras: weights are matched in rank and broadcast to the values; a
    weighted mean divides by the sum of the broadcast weights.
    """

    def __init__(self, reduction, name, dtype=None):
        super().__init__(name=name, dtype=dtype)
        if reduction not in ("sum", "weighted_mean", "sum_over_batch_size"):
            raise ValueError(f"Invalid reduction {reduction!r}: expected 'sum' or "
                             f"'weighted_mean'.")
        self.reduction = reduction
        self.total = self.add_weight(name="total", initializer="zeros")
        if reduction != "sum":
            self.count = self.add_weight(name="count", initializer="zeros")

    def update_state(self, values, sample_weight=None):
        """Adds `values` (optionally weighted by `sample_weight`) to the state."""
        values = _cast(values, self._dtype)
        weights = None
        if sample_weight is not None:
            sw = _cast(sample_weight, self._dtype)
            _, _, sw = _losses.squeeze_or_expand_dimensions(values, None, sw)
            dv, dw = _dims(values), _dims(sw)
            if not _one_way_broadcastable(dw, dv) and dv is not None and dw is not None and \
                    len(dw) < len(dv):
                # Weights of a lower rank: reduce the values down to the weights' rank first.
                axes = list(range(len(dw), len(dv)))
                reduce = math_ops.reduce_sum if self.reduction == "sum" else math_ops.reduce_mean
                values = reduce(values, axis=axes)
            weights = _weights_like(sw, values, self.name)
            values = values * weights
        self.total.assign_add(math_ops.reduce_sum(values))
        if self.reduction == "sum":
            return
        if weights is not None:
            n = math_ops.reduce_sum(weights)
        else:
            size = values.shape.num_elements()
            n = array_ops.constant(float(size), dtype=self._dtype) if size is not None else \
                math_ops.cast(array_ops.size(values), self._dtype)
        self.count.assign_add(n)

    def result(self):
        if self.reduction == "sum":
            return array_ops.identity(self.total.read_value())
        return math_ops.divide_no_nan(self.total.read_value(), self.count.read_value())


class Sum(Reduce):
    """The (weighted) sum of all values seen.

    Example:
        >>> import flowgrad as tf
        >>> m = tf.keras.metrics.Sum()
        >>> float(m([1.0, 3.0, 5.0, 7.0]))
        16.0
    """

    def __init__(self, name="sum", dtype=None):
        super().__init__("sum", name=name, dtype=dtype)


class Mean(Reduce):
    """The (weighted) mean of all values seen: `sum(w * v) / sum(w)`.

    Example:
        >>> import flowgrad as tf
        >>> m = tf.keras.metrics.Mean()
        >>> float(m([1.0, 3.0, 5.0, 7.0], sample_weight=[1, 1, 0, 0]))
        2.0
    """

    def __init__(self, name="mean", dtype=None):
        super().__init__("weighted_mean", name=name, dtype=dtype)


class MeanMetricWrapper(Mean):
    """The weighted mean of a per-sample function `fn(y_true, y_pred, **kwargs)`.

    `y_true` and `y_pred` are cast to the metric dtype; when one has rank one higher and ends in
    a size-1 axis, the other gains that axis, so results stay per sample.

    Example:
        >>> import flowgrad as tf
        >>> m = tf.keras.metrics.MeanMetricWrapper(tf.keras.metrics.mae, name="mae")
        >>> float(m([[1.0, 2.0]], [[2.0, 2.0]]))
        0.5
    """

    _rank_matching = True

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        if name is None:
            name = getattr(fn, "__name__", None) or getattr(fn, "name", None)
        super().__init__(name=name, dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Computes `fn` on the batch and adds its values to the weighted mean."""
        y_true = _cast(y_true, self._dtype)
        y_pred = _cast(y_pred, self._dtype)
        if self._rank_matching:
            y_true, y_pred = _match_ranks(y_true, y_pred)
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        return super().update_state(values, sample_weight=sample_weight)

    def get_config(self):
        config = super().get_config()
        for k, v in self._fn_kwargs.items():
            config[k] = v.numpy().tolist() if hasattr(v, "numpy") else v
        if type(self) is MeanMetricWrapper:
            config["fn"] = serialize(self._fn)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if cls is MeanMetricWrapper:
            fn = config.pop("fn")
            return cls(get(fn) if isinstance(fn, (str, dict)) else fn, **config)
        return cls(**config)


# -- accuracies ------------------------------------------------------------------------------------
class Accuracy(MeanMetricWrapper):
    """How often predictions equal labels exactly.

    Example:
        >>> import flowgrad as tf
        >>> float(tf.keras.metrics.Accuracy()([[1], [2], [3], [4]], [[0], [2], [3], [4]]))
        0.75
    """

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(accuracy, name=name, dtype=dtype)


class BinaryAccuracy(MeanMetricWrapper):
    """How often `y_pred > threshold` matches binary labels.

    Args:
        threshold: the probability above which a prediction counts as 1.
    """

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)


class CategoricalAccuracy(MeanMetricWrapper):
    """How often the argmax of predictions matches the argmax of one-hot labels."""

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(categorical_accuracy, name=name, dtype=dtype)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often the argmax of predictions matches integer labels.

    Example:
        >>> import flowgrad as tf
        >>> m = tf.keras.metrics.SparseCategoricalAccuracy()
        >>> float(m([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0.0]]))
        0.5
    """

    _rank_matching = False

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot target is among the top `k` predictions."""

    _rank_matching = False

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(top_k_categorical_accuracy, name=name, dtype=dtype, k=k)


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer label is among the top `k` predictions."""

    _rank_matching = False

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None):
        super().__init__(sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k)


# -- regression and loss-named metrics -------------------------------------------------------------
class MeanSquaredError(MeanMetricWrapper):
    """The mean of `mean_squared_error` over samples."""

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, name=name, dtype=dtype)


class MeanAbsoluteError(MeanMetricWrapper):
    """The mean of `mean_absolute_error` over samples."""

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, name=name, dtype=dtype)


class MeanAbsolutePercentageError(MeanMetricWrapper):
    """The mean of `mean_absolute_percentage_error` over samples."""

    def __init__(self, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(mean_absolute_percentage_error, name=name, dtype=dtype)


class MeanSquaredLogarithmicError(MeanMetricWrapper):
    """The mean of `mean_squared_logarithmic_error` over samples."""

    def __init__(self, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(mean_squared_logarithmic_error, name=name, dtype=dtype)


class RootMeanSquaredError(Mean):
    """`sqrt(weighted mean of (y_pred - y_true) ** 2)` over all elements.

    Example:
        >>> import flowgrad as tf
        >>> m = tf.keras.metrics.RootMeanSquaredError()
        >>> float(m([[0., 1.], [0., 0.]], [[1., 1.], [0., 0.]]))
        0.5
    """

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = _cast(y_true, self._dtype)
        y_pred = _cast(y_pred, self._dtype)
        y_true, y_pred = _match_ranks(y_true, y_pred)
        return super().update_state(math_ops.squared_difference(y_pred, y_true),
                                    sample_weight=sample_weight)

    def result(self):
        return math_ops.sqrt(super().result())


class LogCoshError(MeanMetricWrapper):
    """The mean of `log_cosh` over samples."""

    def __init__(self, name="logcosh", dtype=None):
        super().__init__(log_cosh, name=name, dtype=dtype)


class Hinge(MeanMetricWrapper):
    """The mean of `hinge` over samples."""

    def __init__(self, name="hinge", dtype=None):
        super().__init__(hinge, name=name, dtype=dtype)


class SquaredHinge(MeanMetricWrapper):
    """The mean of `squared_hinge` over samples."""

    def __init__(self, name="squared_hinge", dtype=None):
        super().__init__(squared_hinge, name=name, dtype=dtype)


class CategoricalHinge(MeanMetricWrapper):
    """The mean of `categorical_hinge` over samples."""

    def __init__(self, name="categorical_hinge", dtype=None):
        super().__init__(categorical_hinge, name=name, dtype=dtype)


class KLDivergence(MeanMetricWrapper):
    """The mean of `kl_divergence` over samples."""

    def __init__(self, name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, name=name, dtype=dtype)


class Poisson(MeanMetricWrapper):
    """The mean of `poisson` over samples."""

    def __init__(self, name="poisson", dtype=None):
        super().__init__(poisson, name=name, dtype=dtype)


class CosineSimilarity(MeanMetricWrapper):
    """The mean cosine similarity between labels and predictions along `axis` (1 is best)."""

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(_cosine_similarity, name=name, dtype=dtype, axis=axis)


class BinaryCrossentropy(MeanMetricWrapper):
    """The mean of `binary_crossentropy` over samples."""

    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0):
        super().__init__(binary_crossentropy, name=name, dtype=dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing)


class CategoricalCrossentropy(MeanMetricWrapper):
    """The mean of `categorical_crossentropy` over samples."""

    _rank_matching = False

    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0, axis=-1):
        super().__init__(categorical_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class SparseCategoricalCrossentropy(MeanMetricWrapper):
    """The mean of `sparse_categorical_crossentropy` over samples; entries whose label is
    `ignore_class` are left out."""

    _rank_matching = False

    def __init__(self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False,
                 ignore_class=None, axis=-1):
        super().__init__(sparse_categorical_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, ignore_class=ignore_class, axis=axis)

    def update_state(self, y_true, y_pred, sample_weight=None):
        kw = self._fn_kwargs
        y_pred = _cast(y_pred, self._dtype)
        values, mask = _losses._sparse_ce(y_true, y_pred, kw["from_logits"], kw["axis"],
                                          kw["ignore_class"])
        if mask is not None:
            m = math_ops.cast(mask, self._dtype)
            sample_weight = m if sample_weight is None else \
                _weights_like(sample_weight, values, self.name) * m
        return Reduce.update_state(self, values, sample_weight=sample_weight)


# -- confusion-matrix metrics ----------------------------------------------------------------------
def _parse_thresholds(thresholds, default):
    if thresholds is None:
        return [default]
    values = [thresholds] if isinstance(thresholds, (int, float)) else list(thresholds)
    values = [float(t) for t in values]
    if any(not 0.0 <= t <= 1.0 for t in values):
        raise ValueError(f"Threshold values must be in [0, 1]. Received: {values}")
    return values


def _filter_top_k(x, k):
    """Keeps the top `k` entries of the last axis and sets the others to -1e10."""
    classes = x.shape[-1]
    _, idx = math_ops.top_k(x, k=k, sorted=False)
    mask = math_ops.reduce_sum(indexing_ops.one_hot(idx, classes, dtype=x.dtype), axis=-2)
    return x * mask + _NEG_INF * (1.0 - mask)


def _confusion_update(metric, accumulators, y_true, y_pred, thresholds, sample_weight=None,
                      top_k=None, class_id=None, multi_label=False, label_weights=None):
    """Adds the weighted confusion counts at each threshold to `accumulators`.

    `accumulators` maps "tp" / "fp" / "tn" / "fn" to Variables of shape `(T,)` (or `(T, L)`
    with `multi_label`). A prediction is positive when it is strictly above a threshold; a label
    is positive when nonzero.
    """
    dtype = metric._dtype
    y_true = _cast(y_true, dtype)
    y_pred = _cast(y_pred, dtype)
    y_pred, y_true = _losses.squeeze_or_expand_dimensions(y_pred, y_true)
    a, b = _dims(y_true), _dims(y_pred)
    if a is not None and b is not None and (len(a) != len(b) or any(
            x is not None and y is not None and x != y for x, y in zip(a, b))):
        raise ValueError(f"{metric.name}: y_true and y_pred must have the same shape. Received: "
                         f"y_true.shape={a}, y_pred.shape={b}.")
    weights = None if sample_weight is None else _weights_like(sample_weight, y_pred,
                                                               metric.name)
    if top_k is not None:
        y_pred = _filter_top_k(y_pred, top_k)
    if class_id is not None:
        y_true = y_true[..., class_id]
        y_pred = y_pred[..., class_id]
        if weights is not None:
            weights = weights[..., class_id]
    if label_weights is not None and not multi_label:
        lw = math_ops.cast(label_weights, dtype) * array_ops.ones_like(y_pred)
        weights = lw if weights is None else weights * lw
    thr = array_ops.constant(thresholds, dtype=dtype)
    if multi_label:
        # (T, N, L): labels along the last axis stay separate.
        pred = array_ops.reshape(y_pred, [1, -1, y_pred.shape[-1]])
        label = array_ops.reshape(math_ops.cast(y_true, _dtypes.bool), [1, -1, y_pred.shape[-1]])
        w = None if weights is None else array_ops.reshape(weights, [1, -1, y_pred.shape[-1]])
        thr = array_ops.reshape(thr, [-1, 1, 1])
    else:
        pred = array_ops.reshape(y_pred, [1, -1])
        label = array_ops.reshape(math_ops.cast(y_true, _dtypes.bool), [1, -1])
        w = None if weights is None else array_ops.reshape(weights, [1, -1])
        thr = array_ops.reshape(thr, [-1, 1])
    pred_pos = pred > thr
    pred_neg = math_ops.logical_not(pred_pos)
    label_neg = math_ops.logical_not(label)
    cases = {"tp": (label, pred_pos), "fp": (label_neg, pred_pos),
             "tn": (label_neg, pred_neg), "fn": (label, pred_neg)}
    for key, var in accumulators.items():
        lab, prd = cases[key]
        hits = math_ops.cast(math_ops.logical_and(lab, prd), dtype)
        if w is not None:
            hits = hits * w
        var.assign_add(math_ops.reduce_sum(hits, axis=1))


class _ConfusionMatrixCount(Metric):
    """One confusion count (tp / fp / tn / fn) per threshold."""

    _key = "tp"

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.thresholds = _parse_thresholds(thresholds, 0.5)
        self.accumulator = self.add_weight(name="accumulator", shape=(len(self.thresholds),))

    def update_state(self, y_true, y_pred, sample_weight=None):
        _confusion_update(self, {self._key: self.accumulator}, y_true, y_pred, self.thresholds,
                          sample_weight)

    def result(self):
        v = self.accumulator.read_value()
        return v[0] if len(self.thresholds) == 1 else v

    def get_config(self):
        config = super().get_config()
        config["thresholds"] = self.init_thresholds
        return config


class TruePositives(_ConfusionMatrixCount):
    """The weighted number of true positives (per threshold).

    Example:
        >>> import flowgrad as tf
        >>> float(tf.keras.metrics.TruePositives()([0, 1, 1, 1], [1, 0, 1, 1]))
        2.0
    """

    _key = "tp"


class FalsePositives(_ConfusionMatrixCount):
    """The weighted number of false positives (per threshold)."""

    _key = "fp"


class TrueNegatives(_ConfusionMatrixCount):
    """The weighted number of true negatives (per threshold)."""

    _key = "tn"


class FalseNegatives(_ConfusionMatrixCount):
    """The weighted number of false negatives (per threshold)."""

    _key = "fn"


class _PrecisionRecall(Metric):
    _keys = ("tp", "fp")

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        self.thresholds = _parse_thresholds(thresholds, 0.5 if top_k is None else _NEG_INF)
        n = len(self.thresholds)
        names = {"tp": "true_positives", "fp": "false_positives", "fn": "false_negatives"}
        self._acc = {k: self.add_weight(name=names[k], shape=(n,)) for k in self._keys}
        self.true_positives = self._acc["tp"]

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Adds a batch's weighted confusion counts."""
        _confusion_update(self, self._acc, y_true, y_pred, self.thresholds, sample_weight,
                          top_k=self.top_k, class_id=self.class_id)

    def result(self):
        tp = self._acc["tp"].read_value()
        other = self._acc[self._keys[1]].read_value()
        r = math_ops.divide_no_nan(tp, tp + other)
        return r[0] if len(self.thresholds) == 1 else r

    def get_config(self):
        config = super().get_config()
        config.update(thresholds=self.init_thresholds, top_k=self.top_k, class_id=self.class_id)
        return config


class Precision(_PrecisionRecall):
    """`tp / (tp + fp)`: the fraction of positive predictions that are right.

    Args:
        thresholds: a float or list of floats in [0, 1]; predictions above count as positive
            (default 0.5). A list gives one result per threshold.
        top_k: only the `k` highest predictions of each sample count as positive.
        class_id: evaluate one class (column) only.

    Example:
        >>> import flowgrad as tf
        >>> float(tf.keras.metrics.Precision()([0, 1, 1, 1], [1, 0, 1, 1]))
        0.6666666865348816
    """

    _keys = ("tp", "fp")

    def __init__(self, thresholds=None, top_k=None, class_id=None, name="precision", dtype=None):
        super().__init__(thresholds, top_k, class_id, name=name, dtype=dtype)
        self.false_positives = self._acc["fp"]


class Recall(_PrecisionRecall):
    """`tp / (tp + fn)`: the fraction of positives found. Arguments as for `Precision`."""

    _keys = ("tp", "fn")

    def __init__(self, thresholds=None, top_k=None, class_id=None, name="recall", dtype=None):
        super().__init__(thresholds, top_k, class_id, name=name, dtype=dtype)
        self.false_negatives = self._acc["fn"]


class AUC(Metric):
    """Area under the ROC or precision-recall curve, from confusion counts at thresholds.

    Args:
        num_thresholds: the number of thresholds (> 1), evenly spaced on [0, 1] with the end
            points moved just outside it.
        curve: "ROC" or "PR".
        summation_method: "interpolation" (trapezoids for ROC, Davis & Goadrich interpolation
            for PR), "minoring" or "majoring".
        thresholds: explicit thresholds in [0, 1] (then `num_thresholds` is their count + 2).
        multi_label: compute an AUC per label (last axis) and average them, instead of
            flattening all labels into one curve.
        num_labels: the label count for `multi_label` (found from the data when None).
        label_weights: per-label weights: for the average when `multi_label`, else weights of
            each label's predictions in the counts.
        from_logits: apply a sigmoid to predictions first.

    Example:
        >>> import flowgrad as tf
        >>> m = tf.keras.metrics.AUC(num_thresholds=3)
        >>> float(m([0, 0, 1, 1], [0, 0.5, 0.3, 0.9]))
        0.75
    """

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation",
                 name=None, dtype=None, thresholds=None, multi_label=False, num_labels=None,
                 label_weights=None, from_logits=False):
        super().__init__(name=name if name is not None else "auc", dtype=dtype)
        curve_key = str(curve).upper()
        if curve_key not in ("ROC", "PR"):
            raise ValueError(f"Invalid AUC curve value: {curve!r}. Expected values are ['ROC', "
                             f"'PR'].")
        method = str(summation_method).lower()
        if method not in ("interpolation", "minoring", "majoring"):
            raise ValueError(f"Invalid AUC summation method value: {summation_method!r}. "
                             f"Expected values are ['interpolation', 'majoring', 'minoring'].")
        self.curve, self.summation_method = curve_key, method
        if thresholds is not None:
            inner = sorted(_parse_thresholds(thresholds, 0.5))
            self.num_thresholds = len(inner) + 2
        else:
            if not isinstance(num_thresholds, int) or num_thresholds <= 1:
                raise ValueError(f"Argument `num_thresholds` must be an integer > 1. Received: "
                                 f"num_thresholds={num_thresholds}")
            self.num_thresholds = num_thresholds
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
        self._inner_thresholds = inner
        self._thresholds = [0.0 - _EPSILON] + inner + [1.0 + _EPSILON]
        self.multi_label = multi_label
        self.num_labels = num_labels
        self.from_logits = from_logits
        if label_weights is not None:
            lw = label_weights.numpy() if hasattr(label_weights, "numpy") else label_weights
            lw = [float(v) for v in (lw.tolist() if hasattr(lw, "tolist") else lw)]
            if any(v < 0 for v in lw):
                raise ValueError(f"All values of `label_weights` must be non-negative. "
                                 f"Received: label_weights={lw}")
            self._label_weights_list = lw
            self.label_weights = array_ops.constant(lw, dtype=self._dtype)
        else:
            self._label_weights_list = None
            self.label_weights = None
        self._acc = None
        if not multi_label or num_labels is not None:
            self._build(num_labels)

    def _build(self, num_labels):
        shape = (self.num_thresholds,) if not self.multi_label else \
            (self.num_thresholds, num_labels)
        self.num_labels = num_labels
        names = {"tp": "true_positives", "fp": "false_positives", "tn": "true_negatives",
                 "fn": "false_negatives"}
        self._acc = {k: self.add_weight(name=n, shape=shape) for k, n in names.items()}
        self.true_positives, self.false_positives = self._acc["tp"], self._acc["fp"]
        self.true_negatives, self.false_negatives = self._acc["tn"], self._acc["fn"]

    @property
    def thresholds(self):
        """All thresholds, including the two end points just outside [0, 1]."""
        return list(self._thresholds)

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Adds a batch's weighted confusion counts at every threshold."""
        if self._acc is None:
            shape = _tensor(y_pred).shape
            if shape.rank is None or shape.rank < 2 or shape[-1] is None:
                raise ValueError(f"{self.name}: multi_label AUC needs predictions of shape "
                                 f"(batch, num_labels); received shape {shape}.")
            self._build(shape[-1])
        y_pred = _cast(y_pred, self._dtype)
        if self.from_logits:
            y_pred = math_ops.sigmoid(y_pred)
        _confusion_update(self, self._acc, y_true, y_pred, self._thresholds, sample_weight,
                          multi_label=self.multi_label,
                          label_weights=None if self.multi_label else self.label_weights)

    def _interpolate_pr_auc(self, tp, fp, fn):
        t = self.num_thresholds
        dtp = tp[:t - 1] - tp[1:]
        p = tp + fp
        dp = p[:t - 1] - p[1:]
        slope = math_ops.divide_no_nan(dtp, math_ops.maximum(dp, 0.0))
        intercept = tp[1:] - slope * p[1:]
        both_pos = math_ops.logical_and(p[:t - 1] > 0, p[1:] > 0)
        ratio = math_ops.where(both_pos,
                               math_ops.divide_no_nan(p[:t - 1], math_ops.maximum(p[1:], 0.0)),
                               array_ops.ones_like(p[1:]))
        terms = math_ops.divide_no_nan(slope * (dtp + intercept * math_ops.log(ratio)),
                                       math_ops.maximum(tp[1:] + fn[1:], 0.0))
        return math_ops.reduce_sum(terms, axis=0)

    def _average(self, by_label):
        if not self.multi_label:
            return by_label
        if self.label_weights is None:
            return math_ops.reduce_mean(by_label)
        return math_ops.divide_no_nan(math_ops.reduce_sum(by_label * self.label_weights),
                                      math_ops.reduce_sum(self.label_weights))

    def result(self):
        if self._acc is None:
            return array_ops.constant(0.0, dtype=self._dtype)
        tp, fp = self._acc["tp"].read_value(), self._acc["fp"].read_value()
        tn, fn = self._acc["tn"].read_value(), self._acc["fn"].read_value()
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self._average(self._interpolate_pr_auc(tp, fp, fn))
        t = self.num_thresholds
        recall = math_ops.divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = math_ops.divide_no_nan(fp, fp + tn), recall
        else:
            x, y = recall, math_ops.divide_no_nan(tp, tp + fp)
        if self.summation_method == "interpolation":
            heights = (y[:t - 1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = math_ops.minimum(y[:t - 1], y[1:])
        else:
            heights = math_ops.maximum(y[:t - 1], y[1:])
        return self._average(math_ops.reduce_sum((x[:t - 1] - x[1:]) * heights, axis=0))

    def get_config(self):
        config = super().get_config()
        config.update(num_thresholds=self.num_thresholds, curve=self.curve,
                      summation_method=self.summation_method, multi_label=self.multi_label,
                      num_labels=self.num_labels, label_weights=self._label_weights_list,
                      from_logits=self.from_logits, thresholds=list(self._inner_thresholds))
        return config


# -- segmentation and classification scores -------------------------------------------------------
class MeanIoU(Metric):
    """Mean intersection-over-union over classes, from an accumulated confusion matrix.

    IoU of a class is `tp / (tp + fp + fn)`; classes absent from both labels and predictions
    are left out of the mean.

    Args:
        num_classes: the number of classes.
        ignore_class: a label value to skip.
        sparse_y_true, sparse_y_pred: False when that input holds per-class scores (its argmax
            along `axis` is taken).
        axis: the class axis for non-sparse inputs.

    Example:
        >>> import flowgrad as tf
        >>> m = tf.keras.metrics.MeanIoU(num_classes=2)
        >>> round(float(m([0, 0, 1, 1], [0, 1, 0, 1])), 4)
        0.3333
    """

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(name=name if name is not None else "mean_io_u", dtype=dtype)
        self.num_classes = int(num_classes)
        self.ignore_class = ignore_class
        self.sparse_y_true, self.sparse_y_pred = sparse_y_true, sparse_y_pred
        self.axis = axis
        self.total_cm = self.add_weight(name="total_confusion_matrix",
                                        shape=(self.num_classes, self.num_classes))

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Adds the batch's (weighted) confusion matrix."""
        y_true, y_pred = _tensor(y_true), _tensor(y_pred)
        if not self.sparse_y_true:
            y_true = math_ops.argmax(y_true, axis=self.axis)
        if not self.sparse_y_pred:
            y_pred = math_ops.argmax(y_pred, axis=self.axis)
        nt, np_ = y_true.shape.num_elements(), y_pred.shape.num_elements()
        if nt is not None and np_ is not None and nt != np_:
            raise ValueError(f"{self.name}: y_true and y_pred must hold one class id per entry; "
                             f"received y_true.shape={_dims(y_true)} and "
                             f"y_pred.shape={_dims(y_pred)}. For per-class scores pass "
                             f"sparse_y_pred=False (or sparse_y_true=False).")
        y_true = array_ops.reshape(_cast(y_true, self._dtype), [-1])
        y_pred = array_ops.reshape(_cast(y_pred, self._dtype), [-1])
        w = array_ops.ones_like(y_true)
        if sample_weight is not None:
            w = array_ops.reshape(_cast(sample_weight, self._dtype), [-1]) * w
        if self.ignore_class is not None:
            w = w * math_ops.cast(math_ops.not_equal(y_true, float(self.ignore_class)),
                                  self._dtype)
        c = self.num_classes
        t = indexing_ops.one_hot(math_ops.cast(y_true, _dtypes.int32), c, dtype=self._dtype)
        p = indexing_ops.one_hot(math_ops.cast(y_pred, _dtypes.int32), c, dtype=self._dtype)
        cm = linalg_ops.matmul(t * array_ops.expand_dims(w, -1), p, transpose_a=True)
        self.total_cm.assign_add(cm)

    def result(self):
        cm = self.total_cm.read_value()
        predicted = math_ops.reduce_sum(cm, axis=0)
        actual = math_ops.reduce_sum(cm, axis=1)
        tp = linalg_ops.diag_part(cm)
        denominator = predicted + actual - tp
        valid = math_ops.reduce_sum(math_ops.cast(math_ops.not_equal(denominator, 0.0),
                                                  self._dtype))
        iou = math_ops.divide_no_nan(tp, denominator)
        return math_ops.divide_no_nan(math_ops.reduce_sum(iou), valid)

    def get_config(self):
        config = super().get_config()
        config.update(num_classes=self.num_classes, ignore_class=self.ignore_class,
                      sparse_y_true=self.sparse_y_true, sparse_y_pred=self.sparse_y_pred,
                      axis=self.axis)
        return config


class FBetaScore(Metric):
    """F-beta score per class from thresholded predictions, optionally averaged.

    Args:
        average: None (one score per class), "micro" (global counts), "macro" (unweighted mean
            over classes) or "weighted" (mean weighted by each class's support).
        beta: the weight of recall relative to precision (> 0).
        threshold: predictions above it count as positive; None marks each row's highest
            prediction(s) positive.

    Inputs must be 2-D: `(batch, num_classes)` one-hot or multi-hot labels and scores.

    Raises:
        ValueError: a bad argument, or inputs that are not 2-D.
    """

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        if average not in (None, "micro", "macro", "weighted"):
            raise ValueError(f"Invalid `average` argument value. Expected one of: "
                             f"{{None, 'micro', 'macro', 'weighted'}}. Received: "
                             f"average={average!r}")
        if not isinstance(beta, (int, float)) or isinstance(beta, bool) or beta <= 0.0:
            raise ValueError(f"Invalid `beta` argument value. It should be a Python float > 0. "
                             f"Received: beta={beta!r}")
        if threshold is not None and (not isinstance(threshold, (int, float))
                                      or not 0.0 < threshold <= 1.0):
            raise ValueError(f"Invalid `threshold` argument value. It should be a Python float "
                             f"in the range ]0, 1]. Received: threshold={threshold!r}")
        self.average, self.beta, self.threshold = average, float(beta), threshold
        self.axis = None if average == "micro" else 0
        self.built = False

    def _build(self, y_true_shape, y_pred_shape):
        if y_pred_shape.rank != 2 or y_true_shape.rank != 2:
            raise ValueError(f"{type(self).__name__} expects 2D inputs with shape (batch_size, "
                             f"output_dim). Received input shapes: y_pred.shape={y_pred_shape} "
                             f"and y_true.shape={y_true_shape}.")
        if y_pred_shape[-1] is None or y_true_shape[-1] is None:
            raise ValueError(f"{type(self).__name__} expects 2D inputs with shape (batch_size, "
                             f"output_dim), with output_dim fully defined (not None). Received "
                             f"input shapes: y_pred.shape={y_pred_shape} and "
                             f"y_true.shape={y_true_shape}.")
        shape = () if self.average == "micro" else (y_pred_shape[-1],)
        self.true_positives = self.add_weight(name="true_positives", shape=shape)
        self.false_positives = self.add_weight(name="false_positives", shape=shape)
        self.false_negatives = self.add_weight(name="false_negatives", shape=shape)
        self.intermediate_weights = self.add_weight(name="intermediate_weights", shape=shape)
        self.built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Adds the batch's weighted tp / fp / fn counts per class."""
        y_true = _cast(y_true, self._dtype)
        y_pred = _cast(y_pred, self._dtype)
        if not self.built:
            self._build(y_true.shape, y_pred.shape)
        if self.threshold is None:
            top = math_ops.reduce_max(y_pred, axis=-1, keepdims=True)
            # An all-zero row stays all-zero rather than becoming all-positive.
            positive = math_ops.logical_and(y_pred >= top, math_ops.abs(y_pred) > 1e-12)
        else:
            positive = y_pred > self.threshold
        y_pred = math_ops.cast(positive, self._dtype)
        sw = None
        if sample_weight is not None:
            sw = array_ops.expand_dims(array_ops.reshape(_cast(sample_weight, self._dtype),
                                                         [-1]), 1)

        def total(v):
            if sw is not None:
                v = v * sw
            return math_ops.reduce_sum(v, axis=self.axis)

        self.true_positives.assign_add(total(y_pred * y_true))
        self.false_positives.assign_add(total(y_pred * (1.0 - y_true)))
        self.false_negatives.assign_add(total((1.0 - y_pred) * y_true))
        self.intermediate_weights.assign_add(total(y_true))

    def result(self):
        if not self.built:
            return array_ops.constant(0.0, dtype=self._dtype)
        tp = self.true_positives.read_value()
        precision = math_ops.divide_no_nan(tp, tp + self.false_positives.read_value())
        recall = math_ops.divide_no_nan(tp, tp + self.false_negatives.read_value())
        b2 = self.beta ** 2
        score = math_ops.divide_no_nan(precision * recall, precision * b2 + recall) * (1.0 + b2)
        if self.average == "weighted":
            iw = self.intermediate_weights.read_value()
            return math_ops.reduce_sum(score * math_ops.divide_no_nan(iw, math_ops.reduce_sum(iw)))
        if self.average is not None:
            return math_ops.reduce_mean(score)
        return score

    def get_config(self):
        config = super().get_config()
        config.update(average=self.average, beta=self.beta, threshold=self.threshold)
        return config


class F1Score(FBetaScore):
    """F1 score (`FBetaScore` with beta = 1).

    Example:
        >>> import flowgrad as tf
        >>> m = tf.keras.metrics.F1Score(average="micro", threshold=0.5)
        >>> float(m([[1., 0.], [0., 1.]], [[0.9, 0.2], [0.6, 0.4]]))
        0.5
    """

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self):
        config = super().get_config()
        config.pop("beta", None)
        return config


# -- lookup ----------------------------------------------------------------------------------------
_CLASSES = {c.__name__: c for c in (
    Metric, Reduce, Mean, Sum, MeanMetricWrapper, Accuracy, BinaryAccuracy, CategoricalAccuracy,
    SparseCategoricalAccuracy, TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy,
    TruePositives, FalsePositives, TrueNegatives, FalseNegatives, Precision, Recall, AUC,
    MeanSquaredError, RootMeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError, LogCoshError, Hinge, SquaredHinge, CategoricalHinge,
    KLDivergence, Poisson, CosineSimilarity, BinaryCrossentropy, CategoricalCrossentropy,
    SparseCategoricalCrossentropy, MeanIoU, FBetaScore, F1Score)}
_ABSTRACT = {"Metric", "Reduce", "MeanMetricWrapper"}
_FUNCTIONS = {
    "accuracy": accuracy, "acc": accuracy, "ACC": accuracy, "binary_accuracy": binary_accuracy,
    "categorical_accuracy": categorical_accuracy,
    "sparse_categorical_accuracy": sparse_categorical_accuracy,
    "top_k_categorical_accuracy": top_k_categorical_accuracy,
    "sparse_top_k_categorical_accuracy": sparse_top_k_categorical_accuracy,
    "bce": binary_crossentropy, "BCE": binary_crossentropy,
}
_FUNCTIONS.update({k: v for k, v in _losses._FUNCTIONS.items() if k not in ("huber_loss",)})
_SNAKE_CLASSES = {_to_snake(n): c for n, c in _CLASSES.items() if n not in _ABSTRACT}
_SNAKE_CLASSES.update({"auc": AUC, "mean_iou": MeanIoU, "f1": F1Score,
                       "rmse": RootMeanSquaredError})
_FUNCTION_NAMES = {id(f): n for n, f in reversed(list(_FUNCTIONS.items()))}
_CONCRETE = {n: c for n, c in _CLASSES.items() if n not in _ABSTRACT}


def serialize(metric, use_legacy_format=False):
    """A metric function's name, or `{"class_name", "config"}` for a Metric object."""
    if metric is None:
        return None
    return _ser.serialize(metric, _FUNCTION_NAMES, "Cannot serialize metric {obj!r}.")


def deserialize(config, custom_objects=None, use_legacy_format=False):
    """Resolves a name (a function for function names, an instance for class names, in
    CamelCase or snake_case) or a `serialize()` dict (an instance).

    Raises:
        ValueError: an unknown name (the message lists valid names and the closest).
    """
    return _ser.deserialize_named(
        config, custom_objects, "metric", _FUNCTIONS, (_CONCRETE, _SNAKE_CLASSES), _CLASSES,
        valid=list(_FUNCTIONS) + list(_CONCRETE) + list(_SNAKE_CLASSES), dict_valid=_CONCRETE,
        name_kind="metric function")


def get(identifier):
    """Resolves a metric: a name ('accuracy', 'acc', 'mae', 'mse', 'AUC', 'precision', ...),
    a serialized dict, a Metric class or instance, or a callable.

    Function names ('accuracy', 'mae', ...) give the function; class names in CamelCase or
    snake_case ('AUC', 'precision', 'Recall', ...) give a new instance. Use `get_for_compile`
    for always getting a Metric object.

    Raises:
        ValueError: an unknown name or an uninterpretable identifier.

    Example:
        >>> import flowgrad as tf
        >>> type(tf.keras.metrics.get("precision")).__name__
        'Precision'
    """
    return _ser.get(identifier, deserialize, "metric", none=_ser._RAISE, base=Metric)


def _loss_kind(loss):
    """'binary', 'sparse', 'categorical' or None, from a loss identifier."""
    if loss is None:
        return None
    if isinstance(loss, (list, tuple)):
        return None
    if isinstance(loss, dict) and "class_name" not in loss:
        return None
    try:
        obj = _losses.get(loss) if isinstance(loss, (str, dict)) else loss
    except ValueError:
        return None
    if isinstance(obj, type):
        obj = obj() if issubclass(obj, _losses.Loss) else obj
    fn = getattr(obj, "fn", obj)
    binary = (_losses.binary_crossentropy, _losses.binary_focal_crossentropy, _losses.hinge,
              _losses.squared_hinge)
    if fn in binary:
        return "binary"
    if fn is _losses.sparse_categorical_crossentropy:
        return "sparse"
    if fn in (_losses.categorical_crossentropy, _losses.categorical_hinge):
        return "categorical"
    return None


def _shape_tuple(shape):
    if shape is None:
        return None
    if hasattr(shape, "as_list"):
        return None if shape.rank is None else tuple(shape.as_list())
    return tuple(shape)


def _kind(loss, y_pred_shape, y_true_shape):
    p, t = _shape_tuple(y_pred_shape), _shape_tuple(y_true_shape)
    if p is not None and len(p) >= 1:
        if len(p) == 1 or p[-1] == 1:
            return "binary"
        if t is not None and len(t) >= 1:
            if len(t) < len(p) or (t[-1] == 1 and (p[-1] is None or p[-1] > 1)):
                return "sparse"
            return "categorical"
    kind = _loss_kind(loss)
    return kind if kind is not None else "categorical"


def resolve_accuracy(loss=None, y_pred_shape=None, y_true_shape=None, name="accuracy"):
    """The accuracy metric that `compile(metrics=["accuracy"])` means, as a Metric instance.

    Follows Keras' compile: with shapes, predictions whose last dimension is 1 give
    `BinaryAccuracy`; labels of lower rank than the predictions (or ending in 1 while the
    predictions do not) give `SparseCategoricalAccuracy`; otherwise `CategoricalAccuracy`.
    Without shapes, the loss decides (binary / sparse categorical / categorical
    cross-entropy or hinge), defaulting to categorical.

    Args:
        loss: the compiled loss: a name, a Loss object or a loss function (or None).
        y_pred_shape: the model output's shape (e.g. of the first batch), or None.
        y_true_shape: the targets' shape, or None.
        name: the metric's name (Keras keeps the user's spelling, "accuracy" or "acc").

    Returns:
        A `BinaryAccuracy`, `SparseCategoricalAccuracy` or `CategoricalAccuracy` named `name`.

    Example:
        >>> import flowgrad as tf
        >>> m = tf.keras.metrics.resolve_accuracy("sparse_categorical_crossentropy")
        >>> type(m).__name__, m.name
        ('SparseCategoricalAccuracy', 'accuracy')
        >>> type(tf.keras.metrics.resolve_accuracy("mse", y_pred_shape=(None, 1))).__name__
        'BinaryAccuracy'
    """
    kind = _kind(loss, y_pred_shape, y_true_shape)
    cls = {"binary": BinaryAccuracy, "sparse": SparseCategoricalAccuracy,
           "categorical": CategoricalAccuracy}[kind]
    return cls(name=name)


def _resolve_crossentropy(loss, y_pred_shape, y_true_shape, name):
    kind = _kind(loss, y_pred_shape, y_true_shape)
    cls = {"binary": BinaryCrossentropy, "sparse": SparseCategoricalCrossentropy,
           "categorical": CategoricalCrossentropy}[kind]
    return cls(name=name)


def get_for_compile(identifier, loss=None, y_pred_shape=None, y_true_shape=None):
    """Turns one `compile(metrics=[...])` entry into a Metric object, as Keras' compile does.

    * a Metric instance is returned as is; a Metric class is instantiated;
    * "accuracy" / "acc" go through `resolve_accuracy`, "crossentropy" / "ce" likewise pick
      the binary, categorical or sparse categorical cross-entropy metric;
    * other names resolve with `get`: a class name gives an instance, a function name
      ('mae', 'mse', ...) a `MeanMetricWrapper` named with the user's spelling;
    * any other callable `fn(y_true, y_pred)` (a loss object included) is wrapped in a
      `MeanMetricWrapper` named after it.

    Raises:
        ValueError: an unknown name.
    """
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if isinstance(identifier, str):
        if identifier in ("accuracy", "acc"):
            return resolve_accuracy(loss, y_pred_shape, y_true_shape, name=identifier)
        if identifier in ("crossentropy", "ce"):
            return _resolve_crossentropy(loss, y_pred_shape, y_true_shape, identifier)
        obj = get(identifier)
        if isinstance(obj, Metric):
            return obj
        return MeanMetricWrapper(obj, name=identifier)
    if isinstance(identifier, dict):
        obj = get(identifier)
        return obj if isinstance(obj, Metric) else MeanMetricWrapper(obj)
    if callable(identifier):
        name = getattr(identifier, "__name__", None) or getattr(identifier, "name", None)
        return MeanMetricWrapper(identifier, name=name)
    raise ValueError(f"Could not interpret metric identifier: {identifier!r}")
