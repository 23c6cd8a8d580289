"""Structured-data preprocessing layers: `Normalization`, `Discretization` and
`CategoryEncoding` (Keras 3 behaviour, argument names, weights and configs).

* `Normalization` standardises features with a mean and variance given to the constructor or
  computed by `adapt(data)`; the adapted state lives in Keras 3's three non-trainable weights
  `mean`, `variance` (float) and `count` (int64 scalar, kept for file compatibility and left at
  0 as Keras 3 does), so `.keras` / `.h5` files map 1:1.
* `Discretization` buckets values by `bin_boundaries` (a value on a boundary goes to the upper
  bin, NaN to the last one) or learns `num_bins` quantile boundaries with `adapt`, using the
  same approximate quantile summary as Keras 3 (sorted samples every `epsilon * n` values,
  merged and re-interpolated batch by batch), so adapted boundaries equal Keras's. It has no
  weights: the boundaries are part of its config.
* `CategoryEncoding` turns integer indices into one-hot, multi-hot or count vectors.

Everything in `call` is written with flowgrad ops, so the layers work eagerly, inside
`tf.function`, inside `Dataset.map` and in a model's traced train step. flowgrad has no sparse
tensors, so `sparse=True` is refused.
"""

import numpy as np

from ... import dtypes as _dtypes
from ...core.tensor import Tensor
from ...core.tensor_shape import TensorShape
from ..engine.base_layer import Layer
from ..engine.keras_tensor import KerasTensor
from .preprocessing_base import PreprocessingLayer


def _tf():
    import flowgrad
    return flowgrad


def _symbolic(t):
    """Whether `t` is a traced (graph) tensor whose values are not known yet."""
    return not _tf().executing_eagerly() or getattr(t, "_graph_value", None) is not None


def _as_tensor(layer, x):
    """`x` as a Tensor, refusing strings and other non-numeric dtypes with the layer's name."""
    tf = _tf()
    if not isinstance(x, Tensor):
        if hasattr(x, "_is_variable"):
            x = x.read_value()
        else:
            arr = np.asarray(x)
            if arr.dtype.kind not in "biuf":
                kind = "string" if arr.dtype.kind in "USO" else arr.dtype.name
                raise ValueError(f"Layer '{layer.name}' ({type(layer).__name__}) expects numeric "
                                 f"inputs; received dtype {kind} (shape {arr.shape}).")
            x = tf.convert_to_tensor(arr)
    dt = x.dtype
    if not (dt.is_floating or dt.is_integer or dt.is_bool):
        raise ValueError(f"Layer '{layer.name}' ({type(layer).__name__}) expects numeric inputs; "
                         f"received dtype {dt.name} (shape {tuple(x.shape.as_list())}).")
    return x


def _no_sparse(cls_name, sparse):
    if sparse:
        raise ValueError(f"{cls_name}: `sparse=True` is not supported: flowgrad has no sparse "
                         "tensors. Use `sparse=False` (dense outputs).")


def _check_mode(cls_name, mode, allowed):
    if mode not in allowed:
        raise ValueError(f"{cls_name}: unknown `output_mode` {mode!r}; expected one of "
                         f"{', '.join(repr(m) for m in allowed)}.")


# -- encoding shared by Discretization and CategoryEncoding --------------------------------------
def _encoded_shape(input_shape, mode, depth):
    """The output shape of `_encode` for an input shape (a list with None for unknown dims)."""
    shape = list(input_shape)
    if mode == "int":
        return shape
    if not shape:
        return [1, depth] if mode == "one_hot" else [depth]
    if mode == "one_hot":
        if len(shape) > 1 and shape[-1] == 1:
            shape = shape[:-1]
        return shape + [depth]
    if len(shape) == 1:
        return [depth]
    return [shape[0]] + shape[2:] + [depth]


def _encode(indices, mode, depth, dtype, count_weights=None):
    """Keras 3's encoding of integer `indices` (TF backend):

    * `"one_hot"`: a trailing axis of size 1 is replaced by the encoding, else one is appended;
    * `"multi_hot"` / `"count"`: a rank-1 input is one sample (output `(depth,)`); for higher
      ranks the encodings are combined over axis 1 (for rank 2 that is the sample's values);
    * a scalar is treated as a one-element vector.

    Indices outside `[0, depth)` contribute nothing (TF's one_hot gives an all-zero row)."""
    tf = _tf()
    if mode == "int":
        return tf.cast(indices, dtype)
    rank = indices.shape.rank
    if rank == 0:
        indices = tf.reshape(indices, [1])
        if count_weights is not None:
            count_weights = tf.reshape(count_weights, [1])
        rank = 1
    if mode == "one_hot":
        if rank > 1 and indices.shape[-1] == 1:
            indices = tf.squeeze(indices, -1)
        return tf.one_hot(indices, depth, dtype=dtype)
    axis = 0 if rank == 1 else 1
    if mode == "multi_hot":
        return tf.reduce_max(tf.one_hot(indices, depth, dtype=dtype), axis=axis)
    if count_weights is not None:
        encoded = tf.one_hot(indices, depth, dtype=count_weights.dtype) * \
            tf.expand_dims(count_weights, -1)
    else:
        encoded = tf.one_hot(indices, depth, dtype=dtype)
    return tf.reduce_sum(encoded, axis=axis)


# -- Normalization ------------------------------------------------------------------------------
class Normalization(PreprocessingLayer):
    """Shifts and scales inputs to mean 0 and standard deviation 1 per feature:
    `(x - mean) / max(sqrt(variance), epsilon)` (`tf.keras.layers.Normalization`).

    Args:
        axis: the axis (or tuple of axes) that keep a separate mean and variance per index;
            -1 (the default) normalizes each feature of the last axis; None uses one scalar
            mean and variance for everything. All other axes are reduced by `adapt`.
        mean, variance: given together, the statistics to use instead of `adapt`; broadcast to
            the kept axes (aligned from the right). The layer then has no weights.
        invert: apply the inverse, `x * max(sqrt(variance), epsilon) + mean`.

    `adapt(data)` accepts arrays, Tensors, Datasets (of `x` or `(x, y)` batches; an
    unbatched Dataset of rank-1 elements is batched by 128 first, as Keras does), PyDatasets and
    iterables of batches. Batches are combined exactly (in float64), so the result equals the
    mean and variance of all the data to float32 precision.

    Weights (adapted layers): `mean`, `variance` of the kept axes' shape and the int64 scalar
    `count`, all non-trainable.

    Example:
        >>> import numpy as np, flowgrad as tf
        >>> layer = tf.keras.layers.Normalization(axis=None)
        >>> layer.adapt(np.array([1., 2., 3., 4., 5.], dtype="float32"))
        >>> layer(np.array([1., 2., 3.], dtype="float32")).numpy()
        array([-1.4142135 , -0.70710677,  0.        ], dtype=float32)
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        if axis is None:
            axis = ()
        elif isinstance(axis, (int, np.integer)) and not isinstance(axis, bool):
            axis = (int(axis),)
        elif isinstance(axis, (list, tuple)) and all(
                isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in axis):
            axis = tuple(int(a) for a in axis)
        else:
            raise TypeError(f"Normalization: `axis` must be an int, a tuple of ints or None; "
                            f"received axis={axis!r}.")
        self.axis = axis
        self.input_mean = mean
        self.input_variance = variance
        self.invert = bool(invert)
        self.supports_masking = True
        self._keep_axis = None
        self._reduce_axis = None
        self._broadcast_shape = None
        self._given = None
        self._acc = None
        if (mean is None) != (variance is None):
            raise ValueError("Normalization: when setting values directly, both `mean` and "
                             f"`variance` must be set. Received: mean={mean} and "
                             f"variance={variance}")
        if mean is not None:
            if np.shape(mean) != np.shape(variance):
                raise ValueError("Normalization: `mean` and `variance` must have the same "
                                 f"shape. Received: mean shape {np.shape(mean)} and variance "
                                 f"shape {np.shape(variance)}")
            if len(np.shape(mean)) > len(self.axis):
                raise ValueError("Normalization: the rank of `mean` must be at most the number "
                                 f"of axes ({len(self.axis)}). Received: mean shape "
                                 f"{np.shape(mean)} for axis {self.axis}")
            self._is_adapted = True

    # -- build ------------------------------------------------------------------------------
    def build(self, input_shape):
        shape = TensorShape(input_shape)
        if shape.rank is None:
            raise ValueError(f"Layer '{self.name}' (Normalization) needs inputs of known rank.")
        dims = shape.as_list()
        ndim = len(dims)
        if any(a < -ndim or a >= ndim for a in self.axis):
            raise ValueError(f"Layer '{self.name}' (Normalization): all `axis` values must be in "
                             f"the range [-ndim, ndim). Received inputs of shape {tuple(dims)} "
                             f"(ndim={ndim}), while axis={self.axis}")
        keep = tuple(sorted({a % ndim for a in self.axis}))
        for d in keep:
            if dims[d] is None:
                raise ValueError(f"Layer '{self.name}' (Normalization): the kept axes must have a "
                                 f"known size. Received axis={self.axis} and inputs of shape "
                                 f"{tuple(dims)}, with an unknown size at index {d}")
        self._keep_axis = keep
        self._reduce_axis = tuple(d for d in range(ndim) if d not in keep)
        self._broadcast_shape = [dims[d] if d in keep else 1 for d in range(ndim)]
        stat_shape = tuple(dims[d] for d in keep)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(name="mean", shape=stat_shape,
                                              initializer="zeros", trainable=False)
            self.adapt_variance = self.add_weight(name="variance", shape=stat_shape,
                                                  initializer="ones", trainable=False)
            self.count = self.add_weight(name="count", shape=(), dtype="int64",
                                         initializer="zeros", trainable=False)
        else:
            self._given = tuple(self._broadcast_given(v) for v in
                                (self.input_mean, self.input_variance))
        super().build(input_shape)

    def _broadcast_given(self, value):
        arr = np.asarray(value, dtype=np.float64)
        target = self._broadcast_shape
        expanded = [1] * len(target)
        for i in range(1, arr.ndim + 1):
            expanded[self._keep_axis[-i]] = arr.shape[-i]
        try:
            return np.broadcast_to(arr.reshape(expanded), target)
        except ValueError:
            raise ValueError(f"Layer '{self.name}' (Normalization): `mean` / `variance` of shape "
                             f"{arr.shape} cannot be broadcast to the kept axes {self._keep_axis} "
                             f"of the inputs (statistics shape "
                             f"{tuple(target[d] for d in self._keep_axis)}).") from None

    # -- statistics -------------------------------------------------------------------------
    @property
    def mean(self):
        """The mean in the inputs' broadcast shape (None before the layer is built)."""
        return self._stat(0)

    @property
    def variance(self):
        """The variance in the inputs' broadcast shape (None before the layer is built)."""
        return self._stat(1)

    def _stat(self, which, dtype=None):
        if not self.built:
            return None
        tf = _tf()
        dtype = dtype or self.compute_dtype
        if self._given is not None:
            return tf.constant(self._given[which], dtype=dtype)
        var = self.adapt_mean if which == 0 else self.adapt_variance
        return tf.reshape(tf.cast(var, dtype), self._broadcast_shape)

    # -- adapt ------------------------------------------------------------------------------
    def adapt(self, data, batch_size=None, steps=None):
        """Computes the mean and variance of `data` over all axes but `axis` (see the class
        docstring for the accepted data)."""
        if self.input_mean is not None:
            raise ValueError(f"Layer '{self.name}' (Normalization) was given `mean` and "
                             "`variance` in its constructor; it cannot be adapted.")
        from ...data.dataset_ops import DatasetV2
        if isinstance(data, DatasetV2):
            spec = data.element_spec
            spec = spec[0] if isinstance(spec, tuple) else spec
            shape = getattr(spec, "shape", None)
            if shape is not None and shape.rank == 1:
                data = data.batch(128)
        super().adapt(data, batch_size=batch_size, steps=steps)

    def reset_state(self):
        self._acc = None

    def update_state(self, data):
        arr = np.asarray(data)
        if arr.dtype.kind not in "biuf":
            raise ValueError(f"Layer '{self.name}' (Normalization) can only adapt to numeric "
                             f"data; received dtype {arr.dtype} (shape {arr.shape}).")
        if not self.built:
            if arr.ndim == 0:
                raise ValueError(f"Layer '{self.name}' (Normalization) cannot adapt to a scalar.")
            dims = list(arr.shape)
            keep = {a % arr.ndim for a in self.axis if -arr.ndim <= a < arr.ndim}
            if 0 not in keep:
                dims[0] = None
            self.build(TensorShape(dims))
        expected = self._broadcast_shape
        if arr.ndim != len(expected) or any(arr.shape[d] != expected[d] for d in self._keep_axis):
            built = tuple(expected[d] if d in self._keep_axis else None
                          for d in range(len(expected)))
            raise ValueError(f"Layer '{self.name}' (Normalization) was built for inputs of shape "
                             f"{built} (axis={self.axis}), but adapt() received data of an "
                             f"incompatible shape {arr.shape}.")
        x = arr.astype(np.float64)
        n = int(np.prod([x.shape[d] for d in self._reduce_axis])) if self._reduce_axis else 1
        if n == 0:
            return
        b_mean = x.mean(axis=self._reduce_axis)
        b_m2 = x.var(axis=self._reduce_axis) * n
        if self._acc is None:
            self._acc = (n, b_mean, b_m2)
            return
        count, mean, m2 = self._acc
        total = count + n
        delta = b_mean - mean
        # Chan et al.'s pairwise combination: exact up to rounding, whatever the batching.
        self._acc = (total, mean + delta * (n / total), m2 + b_m2 + delta ** 2 * (count * n / total))

    def finalize_state(self):
        if self._acc is None or not self.built:
            return
        count, mean, m2 = self._acc
        self.adapt_mean.assign(np.asarray(mean, dtype=self.adapt_mean.dtype.as_numpy_dtype))
        self.adapt_variance.assign(np.asarray(m2 / count,
                                              dtype=self.adapt_variance.dtype.as_numpy_dtype))
        self._acc = None

    # -- call -------------------------------------------------------------------------------
    def call(self, inputs):
        tf = _tf()
        x = _as_tensor(self, inputs)
        if x.dtype != _dtypes.as_dtype(self.compute_dtype):
            x = tf.cast(x, self.compute_dtype)
        self._check_shape(x.shape)
        from ..backend import epsilon
        mean = self._stat(0, x.dtype)
        std = tf.maximum(tf.sqrt(self._stat(1, x.dtype)), tf.cast(epsilon(), x.dtype))
        if self.invert:
            return mean + x * std
        return (x - mean) / std

    def _check_shape(self, shape):
        dims = shape.as_list() if shape.rank is not None else None
        if dims is None:
            return
        target = self._broadcast_shape
        ok = True
        for s, b in zip(reversed(dims), reversed(target)):
            if b != 1 and s is not None and s != b and s != 1:
                ok = False
        if len(target) > len(dims) and any(b != 1 for b in target[:len(target) - len(dims)]):
            ok = False
        if not ok:
            expected = tuple(target[d] if d in self._keep_axis else None
                             for d in range(len(target)))
            raise ValueError(f"Layer '{self.name}' (Normalization) expects inputs of shape "
                             f"{expected} (axis={self.axis} keeps {self._keep_axis}), but "
                             f"received inputs of shape {tuple(dims)}.")

    def compute_output_shape(self, input_shape):
        return input_shape

    def _symbolic_outputs(self, inputs, *args, **kwargs):
        if not isinstance(inputs, KerasTensor):
            return None
        self._check_shape(inputs.shape)
        return KerasTensor(inputs.shape, self.compute_dtype)

    def get_config(self):
        config = super().get_config()
        config.update({"axis": self.axis, "invert": self.invert,
                       "mean": np.array(self.input_mean).tolist(),
                       "variance": np.array(self.input_variance).tolist()})
        return config


# -- Discretization -----------------------------------------------------------------------------
def _summarize(values, epsilon):
    """An approximate quantile summary of one batch: a (2, k) float32 array of sorted sample
    values (every `n * epsilon`-th value) and the number of values each stands for."""
    ordered = np.sort(values.reshape(-1))
    step = max(ordered.size / (1.0 / epsilon), 1)
    picked = ordered[int(step - 1)::int(step)]
    return np.stack([picked, np.full(picked.shape, step, dtype=picked.dtype)])


def _compress(summary, epsilon):
    """Re-samples a summary at the cumulative-weight fractions epsilon, 2 epsilon, ..., 1 (by
    linear interpolation); a summary with fewer than 1 / epsilon entries is kept."""
    if summary.shape[1] * epsilon < 1:
        return summary
    fractions = epsilon + np.arange(0.0, 1.0, epsilon)
    cumulative = np.cumsum(summary[1])
    position = cumulative / cumulative[-1]
    values = np.interp(fractions, position, summary[0])
    new_cumulative = np.interp(fractions, position, cumulative)
    weights = np.diff(new_cumulative, prepend=0.0)
    return np.stack([values, weights]).astype(np.float32)


def _merge(summary, other, epsilon):
    both = np.concatenate([summary, other], axis=1)
    return _compress(both[:, np.argsort(both[0])], epsilon)


class Discretization(PreprocessingLayer):
    """Buckets continuous values into bins (`tf.keras.layers.Discretization`).

    With `bin_boundaries=[0., 1., 2.]` the bins are `(-inf, 0)`, `[0, 1)`, `[1, 2)` and
    `[2, inf)`: a value equal to a boundary goes to the upper bin, NaN to the last bin. Inputs
    are compared in float32 (as Keras converts them).

    Args:
        bin_boundaries: the sorted boundaries; then `adapt` must not be called.
        num_bins: the number of bins `adapt` learns from quantiles of the data.
        epsilon: the error tolerance of the approximate quantiles (0.01).
        output_mode: `"int"` (bin indices, int32), `"one_hot"`, `"multi_hot"` or `"count"`
            (float, width `len(bin_boundaries) + 1`; the same rank rules as `CategoryEncoding`).
        sparse: must be False (flowgrad has no sparse tensors).

    `adapt(data, steps=None)` follows Keras 3's approximate quantile summary exactly, so the
    learned `bin_boundaries` equal Keras's for the same data and batching. The layer has no
    weights; its boundaries are in `get_config()`.
    """

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01, output_mode="int",
                 sparse=False, dtype=None, name=None, **kwargs):
        super().__init__(name=name, dtype=dtype, **kwargs)
        _no_sparse("Discretization", sparse)
        _check_mode("Discretization", output_mode, ("int", "one_hot", "multi_hot", "count"))
        if num_bins is not None and num_bins < 0:
            raise ValueError("Discretization: `num_bins` must be greater than or equal to 0. "
                             f"Received: num_bins={num_bins}")
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError("Discretization: `num_bins` and `bin_boundaries` cannot both be "
                             f"set. Received: num_bins={num_bins} and "
                             f"bin_boundaries={bin_boundaries}")
        if num_bins is None and bin_boundaries is None:
            raise ValueError("Discretization: you need to set either `num_bins` or "
                             "`bin_boundaries`.")
        if bin_boundaries is not None:
            bin_boundaries = self._checked_boundaries(bin_boundaries)
            self._is_adapted = True
        self.bin_boundaries = bin_boundaries
        self.num_bins = num_bins
        self.epsilon = epsilon
        self.output_mode = output_mode
        self.sparse = sparse
        self.summary = None if bin_boundaries is not None else self._empty_summary()

    @staticmethod
    def _empty_summary():
        return np.zeros((2, 0), dtype=np.float32)

    @staticmethod
    def _checked_boundaries(bins):
        arr = np.asarray(bins, dtype=np.float64).reshape(-1)
        if np.any(np.isnan(arr)) or np.any(np.diff(arr) < 0):
            raise ValueError(f"Discretization: `bin_boundaries` must be sorted in increasing "
                             f"order and not NaN; received {list(bins)}.")
        return [float(b) for b in arr]

    @property
    def output_dtype(self):
        return "int32" if self.output_mode == "int" else self.compute_dtype

    def adapt(self, data, batch_size=None, steps=None):
        """Learns `num_bins - 1` quantile boundaries from `data` (arrays, Tensors, Datasets,
        iterables of batches)."""
        if self.num_bins is None:
            raise ValueError(f"Layer '{self.name}' (Discretization) was initialized with "
                             "`bin_boundaries`; it cannot be adapted. Use `num_bins` instead.")
        if self.num_bins == 0:
            raise ValueError(f"Layer '{self.name}' (Discretization): cannot adapt with "
                             "num_bins=0.")
        super().adapt(data, batch_size=batch_size, steps=steps)

    def reset_state(self):
        if self.num_bins is not None:
            self.summary = self._empty_summary()

    def update_state(self, data):
        arr = np.asarray(data)
        if arr.dtype.kind not in "biuf":
            raise ValueError(f"Layer '{self.name}' (Discretization) can only adapt to numeric "
                             f"data; received dtype {arr.dtype} (shape {arr.shape}).")
        batch = _summarize(arr.astype(np.float32), self.epsilon)
        self.summary = _merge(batch, self.summary, self.epsilon)

    def finalize_state(self):
        if self.num_bins is None:
            return
        self.bin_boundaries = _compress(self.summary, 1.0 / self.num_bins)[0, :-1].tolist()

    def call(self, inputs):
        tf = _tf()
        if self.bin_boundaries is None:
            raise ValueError(f"Layer '{self.name}' (Discretization) has no bin boundaries: pass "
                             "`bin_boundaries` to the constructor or call `adapt(data)` before "
                             "using the layer.")
        x = _as_tensor(self, inputs)
        if x.dtype != _dtypes.float32:
            x = tf.cast(x, "float32")
        n = len(self.bin_boundaries)
        if n:
            bounds = tf.constant(np.asarray(self.bin_boundaries, dtype=np.float32))
            above = tf.cast(tf.expand_dims(x, -1) >= bounds, "int32")
            indices = tf.where(tf.math.is_nan(x), tf.constant(n, dtype="int32"),
                               tf.reduce_sum(above, axis=-1))
        else:
            indices = tf.zeros_like(x, dtype="int32")
        return _encode(indices, self.output_mode, n + 1, self.output_dtype)

    def _depth(self):
        return (len(self.bin_boundaries) + 1 if self.bin_boundaries is not None
                else self.num_bins)

    def compute_output_shape(self, input_shape):
        shape = TensorShape(input_shape).as_list()
        return TensorShape(_encoded_shape(shape, self.output_mode, self._depth()))

    def _symbolic_outputs(self, inputs, *args, **kwargs):
        if not isinstance(inputs, KerasTensor) or inputs.shape.rank is None:
            return None
        return KerasTensor(self.compute_output_shape(inputs.shape), self.output_dtype)

    def get_config(self):
        config = super().get_config()
        config.update({"bin_boundaries": self.bin_boundaries, "num_bins": self.num_bins,
                       "epsilon": self.epsilon, "output_mode": self.output_mode,
                       "sparse": self.sparse})
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        bins = config.get("bin_boundaries")
        if bins is not None and config.get("num_bins") is not None:
            # an adapted layer: both are in its config, which the constructor refuses
            config.pop("bin_boundaries")
            layer = super().from_config(config)
            layer.bin_boundaries = cls._checked_boundaries(bins)
            layer._is_adapted = True
            return layer
        return super().from_config(config)


# -- CategoryEncoding ---------------------------------------------------------------------------
class CategoryEncoding(Layer):
    """Encodes integer indices in `[0, num_tokens)` as one-hot, multi-hot or count vectors
    (`tf.keras.layers.CategoryEncoding`).

    Args:
        num_tokens: the number of distinct indices (the output width).
        output_mode: `"one_hot"` (each value becomes a vector; a trailing axis of size 1 is
            replaced, otherwise one is appended), `"multi_hot"` (default; a 1 for each index
            present in a sample) or `"count"` (how often each index appears, or the sum of
            `count_weights`). `"binary"` is an old name of `"multi_hot"`. As in Keras 3, a rank-1
            input is one sample for `"multi_hot"` / `"count"` (output `(num_tokens,)`), and
            from rank 2 on the values are combined over axis 1.
        sparse: must be False (flowgrad has no sparse tensors).

    Call arguments:
        inputs: integer (or integral float) indices.
        count_weights: (`"count"` only) weights of the same shape as `inputs`.

    Out-of-range indices raise a ValueError when the layer runs eagerly; in a traced function
    (`tf.function`, `fit`, `Dataset.map`) they are dropped, as Keras 3 drops them.
    """

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        super().__init__(**kwargs)
        if output_mode == "binary":
            output_mode = "multi_hot"
        _check_mode("CategoryEncoding", output_mode, ("one_hot", "multi_hot", "count"))
        if num_tokens is None:
            raise ValueError("CategoryEncoding: `num_tokens` must be set. If the number of "
                             "tokens is not known beforehand, use the IntegerLookup layer "
                             "instead.")
        if num_tokens < 1:
            raise ValueError(f"CategoryEncoding: `num_tokens` must be >= 1. Received: "
                             f"num_tokens={num_tokens}.")
        _no_sparse("CategoryEncoding", sparse)
        self.num_tokens = int(num_tokens)
        self.output_mode = output_mode
        self.sparse = sparse

    def call(self, inputs, count_weights=None):
        tf = _tf()
        x = _as_tensor(self, inputs)
        if count_weights is not None:
            if self.output_mode != "count":
                raise ValueError(f"Layer '{self.name}' (CategoryEncoding): `count_weights` is "
                                 f"only used when `output_mode` is 'count' (it is "
                                 f"{self.output_mode!r}).")
            count_weights = tf.cast(_as_tensor(self, count_weights), self.compute_dtype)
            if x.shape.rank is not None and count_weights.shape.rank is not None and \
                    not x.shape.is_compatible_with(count_weights.shape):
                raise ValueError(f"Layer '{self.name}' (CategoryEncoding): `count_weights` must "
                                 f"have the shape of the inputs {x.shape}; received "
                                 f"{count_weights.shape}.")
        if not x.dtype.is_integer:
            x = tf.cast(x, "int64")
        if not _symbolic(x):
            values = x.numpy()
            if values.size and (values.min() < 0 or values.max() >= self.num_tokens):
                raise ValueError(
                    f"Layer '{self.name}' (CategoryEncoding): input values must be in the range "
                    f"0 <= values < num_tokens with num_tokens={self.num_tokens}; received "
                    f"values from {values.min()} to {values.max()}.")
        return _encode(x, self.output_mode, self.num_tokens, self.dtype, count_weights)

    def compute_output_shape(self, input_shape):
        shape = TensorShape(input_shape).as_list()
        return TensorShape(_encoded_shape(shape, self.output_mode, self.num_tokens))

    def _symbolic_outputs(self, inputs, *args, **kwargs):
        if not isinstance(inputs, KerasTensor) or inputs.shape.rank is None:
            return None
        return KerasTensor(self.compute_output_shape(inputs.shape), self.dtype)

    def get_config(self):
        config = super().get_config()
        config.update({"num_tokens": self.num_tokens, "output_mode": self.output_mode})
        return config

