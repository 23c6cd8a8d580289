"""`Embedding` (integer ids -> dense vectors) and `Masking` (skip padded timesteps)."""

import numpy as np

from ...core.tensor import Tensor
from ...core.tensor_shape import TensorShape
from ...ops import array_ops, indexing_ops, math_ops
from ..engine import _lookup
from ..engine.base_layer import Layer

__all__ = ["Embedding", "Masking"]


class Embedding(Layer):
    """Turns non-negative integer ids into dense vectors: `embeddings[ids]`.

    Args:
        input_dim: the vocabulary size (largest id + 1).
        output_dim: the vector size.
        embeddings_initializer: default `uniform` (U(-0.05, 0.05)).
        embeddings_regularizer / activity_regularizer / embeddings_constraint: optional.
        mask_zero: id 0 is padding: the layer outputs a mask `ids != 0`, which recurrent
            layers use to skip those steps (then id 0 cannot be a word: `input_dim` should be
            vocabulary + 1).
        input_length: the (constant) sequence length; accepted for `Sequential` models
            (gives the input shape `(batch, input_length)`).

    Input `(batch, ...)` integers; output `(batch, ..., output_dim)`. Weight: `embeddings`
    `(input_dim, output_dim)`.

    Example:
        >>> import flowgrad as tf
        >>> emb = tf.keras.layers.Embedding(10, 3, mask_zero=True)
        >>> emb(tf.constant([[1, 2, 0]])).shape
        TensorShape([1, 3, 3])
        >>> emb.compute_mask(tf.constant([[1, 2, 0]])).numpy()
        array([[ True,  True, False]])
    """

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, activity_regularizer=None,
                 embeddings_constraint=None, mask_zero=False, input_length=None, sparse=False,
                 **kwargs):
        if input_length is not None and "input_shape" not in kwargs and \
                "batch_input_shape" not in kwargs:
            if isinstance(input_length, (list, tuple)):
                kwargs["input_shape"] = tuple(input_length)
            else:
                kwargs["input_shape"] = (input_length,)
        for k in ("quantization_config", "lora_rank", "lora_alpha"):  # Keras 3 configs
            kwargs.pop(k, None)
        kwargs.setdefault("autocast", False)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        for name, v in (("input_dim", input_dim), ("output_dim", output_dim)):
            if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v <= 0:
                raise ValueError(f"Both `input_dim` and `output_dim` should be positive, "
                                 f"Received {name}={v!r}")
        self.input_dim = int(input_dim)
        self.output_dim = int(output_dim)
        self.embeddings_initializer = _lookup.get_initializer(embeddings_initializer)
        self.embeddings_regularizer = _lookup.get_regularizer(embeddings_regularizer)
        self.embeddings_constraint = _lookup.get_constraint(embeddings_constraint)
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero
        self.input_length = input_length

    def build(self, input_shape=None):
        self.embeddings = self.add_weight("embeddings", shape=(self.input_dim, self.output_dim),
                                          initializer=self.embeddings_initializer,
                                          regularizer=self.embeddings_regularizer,
                                          constraint=self.embeddings_constraint)
        self.built = True

    def call(self, inputs):
        ids = inputs if isinstance(inputs, Tensor) else array_ops.convert_to_tensor(inputs)
        if ids.dtype.name not in ("int32", "int64"):
            ids = math_ops.cast(ids, "int32")
        emb = self.embeddings.read_value()
        out = indexing_ops.gather(emb, ids)
        dt = self._compute_dtype_obj
        if out.dtype != dt:
            out = math_ops.cast(out, dt)
        return out

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        ids = inputs if isinstance(inputs, Tensor) else array_ops.convert_to_tensor(inputs)
        return math_ops.not_equal(ids, array_ops.zeros_like(ids))

    def compute_output_shape(self, input_shape):
        return TensorShape(TensorShape(input_shape).as_list() + [self.output_dim])

    def get_config(self):
        config = super().get_config()
        config.update({
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "embeddings_initializer": _lookup.serialize_initializer(
                self.embeddings_initializer),
            "embeddings_regularizer": _lookup.serialize_regularizer(
                self.embeddings_regularizer),
            "activity_regularizer": _lookup.serialize_regularizer(self.activity_regularizer),
            "embeddings_constraint": _lookup.serialize_constraint(self.embeddings_constraint),
            "mask_zero": self.mask_zero,
            "input_length": self.input_length,
        })
        return config


class Masking(Layer):
    """Masks timesteps whose features all equal `mask_value`: they are zeroed in the output, and
    the output mask `(batch, time)` tells recurrent layers to skip them.

    Args:
        mask_value: the padding value (default 0.0).

    Example:
        >>> import flowgrad as tf, numpy as np
        >>> x = np.array([[[1.0], [0.0], [2.0]]], "float32")
        >>> tf.keras.layers.Masking()(x).shape
        TensorShape([1, 3, 1])
    """

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = mask_value
        self.supports_masking = True

    def _keep(self, inputs):
        value = math_ops.cast(self.mask_value, inputs.dtype) if not isinstance(
            self.mask_value, Tensor) else self.mask_value
        return math_ops.reduce_any(math_ops.not_equal(inputs, value), axis=-1, keepdims=True)

    def call(self, inputs):
        keep = self._keep(inputs)
        return inputs * math_ops.cast(keep, inputs.dtype)

    def compute_mask(self, inputs, mask=None):
        x = inputs if isinstance(inputs, Tensor) else array_ops.convert_to_tensor(inputs)
        return math_ops.reduce_any(math_ops.not_equal(
            x, math_ops.cast(self.mask_value, x.dtype)), axis=-1)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["mask_value"] = self.mask_value
        return config
