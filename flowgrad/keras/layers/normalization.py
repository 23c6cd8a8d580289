"""BatchNormalization and LayerNormalization."""

from ...core.tensor_shape import TensorShape
from ...ops import array_ops, indexing_ops, math_ops, nn_ops
from ..engine import _lookup
from ..engine.base_layer import Layer
from ..engine.input_spec import InputSpec


def _normalize_axes(axis, ndims, layer):
    axes = list(axis) if isinstance(axis, (list, tuple)) else [axis]
    out = []
    for a in axes:
        if not isinstance(a, int):
            raise TypeError(f"Expected an int or a list/tuple of ints for the argument 'axis', "
                            f"but received: {axis!r}")
        b = a + ndims if a < 0 else a
        if not 0 <= b < ndims:
            raise ValueError(f"Invalid axis {a} for layer {layer.name!r}: the input has rank "
                             f"{ndims}.")
        out.append(b)
    if len(set(out)) != len(out):
        raise ValueError(f"Duplicate axis: {axis}")
    return sorted(out)


def _broadcast(param, shape):
    """Reshapes a parameter to `shape` (1 on the other axes) unless it broadcasts already."""
    if param is None or shape is None:
        return param
    return array_ops.reshape(param, shape)


class _AffineNormalization(Layer):
    """What BatchNormalization and LayerNormalization share: `axis`, `epsilon`, the optional
    `gamma` (scale) and `beta` (center) parameters, float32 math for float16 inputs."""

    def _set_affine_args(self, axis, epsilon, center, scale, beta_initializer,
                         gamma_initializer, beta_regularizer, gamma_regularizer,
                         beta_constraint, gamma_constraint):
        self.axis = list(axis) if isinstance(axis, (list, tuple)) else axis
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        for part, init, reg, con in (("beta", beta_initializer, beta_regularizer,
                                      beta_constraint),
                                     ("gamma", gamma_initializer, gamma_regularizer,
                                      gamma_constraint)):
            setattr(self, f"{part}_initializer", _lookup.get_initializer(init))
            setattr(self, f"{part}_regularizer", _lookup.get_regularizer(reg))
            setattr(self, f"{part}_constraint", _lookup.get_constraint(con))
        self.supports_masking = True

    def _param_dtype(self):
        return "float32" if self.dtype in ("float16", "bfloat16") else self.dtype

    def _add_gamma_beta(self, param_shape):
        """`gamma` (with `scale`) then `beta` (with `center`), else None."""
        for part, used in (("gamma", self.scale), ("beta", self.center)):
            setattr(self, part, self.add_weight(
                part, shape=param_shape, dtype=self._param_dtype(),
                initializer=getattr(self, f"{part}_initializer"),
                regularizer=getattr(self, f"{part}_regularizer"),
                constraint=getattr(self, f"{part}_constraint"),
                trainable=True) if used else None)

    @staticmethod
    def _in_float32(inputs, fn):
        """`fn(inputs)` computed in float32 for float16 / bfloat16 inputs, cast back."""
        x = inputs
        in_dtype = x.dtype
        if in_dtype.name in ("float16", "bfloat16"):
            x = math_ops.cast(x, "float32")
        out = fn(x)
        if out.dtype != in_dtype:
            out = math_ops.cast(out, in_dtype)
        return out

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return self._affine_config({}, {})

    def _affine_config(self, after_axis, after_initializers):
        """The config in Keras's key order, with the subclass's own entries spliced in."""
        config = super().get_config()
        config.update({
            "axis": self.axis, **after_axis, "epsilon": self.epsilon, "center": self.center,
            "scale": self.scale,
            "beta_initializer": _lookup.serialize_initializer(self.beta_initializer),
            "gamma_initializer": _lookup.serialize_initializer(self.gamma_initializer),
            **after_initializers,
            "beta_regularizer": _lookup.serialize_regularizer(self.beta_regularizer),
            "gamma_regularizer": _lookup.serialize_regularizer(self.gamma_regularizer),
            "beta_constraint": _lookup.serialize_constraint(self.beta_constraint),
            "gamma_constraint": _lookup.serialize_constraint(self.gamma_constraint),
        })
        return config


class BatchNormalization(_AffineNormalization):
    """Normalizes each feature with the batch statistics in training, and with moving
    averages of them at inference (`tf.keras.layers.BatchNormalization`).

    Training (`training=True`, e.g. in `fit`): `y = gamma * (x - mean_b) / sqrt(var_b + eps)
    + beta` with the batch mean / (population) variance over all axes but `axis`, and
    `moving = moving * momentum + batch_stat * (1 - momentum)`. As in tf.keras 2, 4-D and 5-D
    inputs normalized over their first or last non-batch axis (the fused case) update the
    moving variance with the unbiased batch variance `var_b * n / (n - 1)`, n the number of
    values per feature.
    Inference: the moving statistics replace the batch ones. A layer with `trainable = False`
    always runs in inference mode (Keras 2 behaviour for fine-tuning).

    Args:
        axis: the feature axis (or axes), default -1.
        momentum: of the moving averages (0.99).
        epsilon: added to the variance (1e-3).
        center / scale: whether to use `beta` / `gamma`.

    Weights, in Keras order: `gamma`, `beta` (trainable), `moving_mean`, `moving_variance`
    (non-trainable).
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, renorm=False, renorm_clipping=None,
                 renorm_momentum=0.99, fused=None, trainable=True, virtual_batch_size=None,
                 adjustment=None, name=None, synchronized=False, **kwargs):
        super().__init__(name=name, trainable=trainable, **kwargs)
        if renorm or virtual_batch_size is not None or adjustment is not None:
            raise NotImplementedError("BatchNormalization: renorm, virtual_batch_size and "
                                      "adjustment are not supported.")
        self._set_affine_args(axis, epsilon, center, scale, beta_initializer,
                              gamma_initializer, beta_regularizer, gamma_regularizer,
                              beta_constraint, gamma_constraint)
        self.momentum = float(momentum)
        self.moving_mean_initializer = _lookup.get_initializer(moving_mean_initializer)
        self.moving_variance_initializer = _lookup.get_initializer(moving_variance_initializer)
        self.synchronized = synchronized
        self.fused = fused
        self.renorm = False

    def build(self, input_shape):
        input_shape = TensorShape(input_shape)
        if input_shape.rank is None:
            raise ValueError(f"Input has undefined rank. Received: input_shape={input_shape}.")
        ndims = input_shape.rank
        self._axes = _normalize_axes(self.axis, ndims, self)
        axis_to_dim = {a: input_shape[a] for a in self._axes}
        for d in axis_to_dim.values():
            if d is None:
                raise ValueError(f"Input has undefined `axis` dimension. Received input with "
                                 f"shape {tuple(input_shape.as_list())} and axis={self.axis}")
        if len(axis_to_dim) == 1:
            param_shape = [axis_to_dim[self._axes[0]]]
        else:
            param_shape = [axis_to_dim.get(i, 1) for i in range(ndims)]
        self._param_shape = param_shape
        self._reduction_axes = [i for i in range(ndims) if i not in self._axes]
        # parameters broadcast without reshaping when the single axis is the last one
        if len(self._axes) == 1 and self._axes[0] == ndims - 1:
            self._bshape = None
        else:
            self._bshape = [axis_to_dim.get(i, 1) for i in range(ndims)]
        self.input_spec = InputSpec(ndim=ndims, axes=axis_to_dim)
        # tf.keras 2 runs 4-D / 5-D inputs normalized over their channel axis (first or last
        # after the batch) through the fused kernel, whose moving variance takes the
        # unbiased (n / (n - 1)) batch variance.
        self._fused = self.fused is not False and ndims in (4, 5) and \
            self._axes in ([1], [ndims - 1])
        self._add_gamma_beta(param_shape)
        pdtype = self._param_dtype()
        self.moving_mean = self.add_weight("moving_mean", shape=param_shape, dtype=pdtype,
                                           initializer=self.moving_mean_initializer,
                                           trainable=False)
        self.moving_variance = self.add_weight("moving_variance", shape=param_shape,
                                               dtype=pdtype,
                                               initializer=self.moving_variance_initializer,
                                               trainable=False)
        self.built = True

    def call(self, inputs, training=None, mask=None):
        if not self._trainable:
            training = False
        return self._in_float32(inputs, lambda x: self._normalize(x, training))

    def _normalize(self, x, training):
        bshape = self._bshape
        gamma = _broadcast(self.gamma, bshape) if self.gamma is not None else None
        beta = _broadcast(self.beta, bshape) if self.beta is not None else None
        if training and not hasattr(training, "dtype"):
            mean, variance = nn_ops.moments(x, self._reduction_axes, keepdims=True)
            decay = 1.0 - self.momentum
            new_mean = array_ops.reshape(mean, self._param_shape)
            new_var = array_ops.reshape(variance, self._param_shape)
            if self._fused:
                dims = x.shape.as_list()
                n = 1
                for i in self._reduction_axes:
                    n = n * dims[i] if dims[i] is not None and n is not None else None
                if n is None:
                    count = math_ops.cast(math_ops.reduce_prod(
                        indexing_ops.gather(array_ops.shape(x), self._reduction_axes)), x.dtype)
                    new_var = new_var * count / math_ops.maximum(count - 1.0, 1.0)
                elif n > 1:
                    new_var = new_var * (n / (n - 1.0))
            mm, mv = self.moving_mean, self.moving_variance
            mm.assign_sub(math_ops.multiply(math_ops.subtract(mm.read_value(), new_mean),
                                            decay))
            mv.assign_sub(math_ops.multiply(math_ops.subtract(mv.read_value(), new_var),
                                            decay))
        else:
            mean = _broadcast(self.moving_mean, bshape)
            variance = _broadcast(self.moving_variance, bshape)
        return nn_ops.batch_normalization(x, mean, variance, beta, gamma, self.epsilon)

    def get_config(self):
        return self._affine_config(
            {"momentum": self.momentum},
            {"moving_mean_initializer": _lookup.serialize_initializer(
                self.moving_mean_initializer),
             "moving_variance_initializer": _lookup.serialize_initializer(
                self.moving_variance_initializer)})


class LayerNormalization(_AffineNormalization):
    """Normalizes each sample over `axis` (default the last):
    `y = gamma * (x - mean) / sqrt(var + epsilon) + beta`, with the sample's own mean and
    (population) variance, in training and inference alike.

    Args:
        axis: the axis or axes normalized over (and the shape of `gamma` / `beta`).
        epsilon: added to the variance (1e-3).
        center / scale: whether to use `beta` / `gamma`.
    """

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 **kwargs):
        kwargs.pop("rms_scaling", None)
        super().__init__(**kwargs)
        self._set_affine_args(axis, epsilon, center, scale, beta_initializer,
                              gamma_initializer, beta_regularizer, gamma_regularizer,
                              beta_constraint, gamma_constraint)

    def build(self, input_shape):
        input_shape = TensorShape(input_shape)
        ndims = input_shape.rank
        self._axes = _normalize_axes(self.axis, ndims, self)
        param_shape = [input_shape[a] for a in self._axes]
        if any(d is None for d in param_shape):
            raise ValueError(f"LayerNormalization {self.name!r}: the normalized axes must have "
                             f"known sizes; got input shape {input_shape}.")
        if self._axes == list(range(ndims - len(self._axes), ndims)):
            self._bshape = None  # trailing axes broadcast as they are
        else:
            self._bshape = [input_shape[i] if i in self._axes else 1 for i in range(ndims)]
        self._add_gamma_beta(param_shape)
        self.built = True

    def call(self, inputs):
        return self._in_float32(inputs, self._normalize)

    def _normalize(self, x):
        mean, variance = nn_ops.moments(x, self._axes, keepdims=True)
        gamma = _broadcast(self.gamma, self._bshape) if self.gamma is not None else None
        beta = _broadcast(self.beta, self._bshape) if self.beta is not None else None
        return nn_ops.batch_normalization(x, mean, variance, beta, gamma, self.epsilon)
