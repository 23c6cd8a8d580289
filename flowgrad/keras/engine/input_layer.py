"""`keras.Input` and `InputLayer`: the entry points of Functional and Sequential models."""

from ... import dtypes as _dtypes
from .base_layer import Layer, unique_object_name
from .functional import Node
from .keras_tensor import KerasTensor


def _shape_tuple(shape):
    if shape is None:
        return None
    if isinstance(shape, int):
        return (shape,)
    return tuple(None if d is None else int(d) for d in shape)


class InputLayer(Layer):
    """The layer behind `keras.Input`: it has no weights and passes its input through.

    Args:
        input_shape: the shape of one sample (no batch dimension), e.g. `(28, 28)`.
        batch_size: a fixed batch size, or None.
        dtype: the input dtype (default `keras.backend.floatx()`).
        name: default `input_1`, `input_2`, ...
        batch_input_shape / batch_shape: the full shape including the batch dimension.
        shape: the Keras 3 spelling of `input_shape`.
    """

    _is_input_layer = True

    def __init__(self, input_shape=None, batch_size=None, dtype=None, input_tensor=None,
                 sparse=None, name=None, ragged=None, type_spec=None, batch_input_shape=None,
                 shape=None, batch_shape=None, **kwargs):
        kwargs.pop("input_dtype", None)
        if shape is not None and input_shape is None:
            input_shape = shape
        if batch_shape is not None and batch_input_shape is None:
            batch_input_shape = batch_shape
        if input_tensor is not None and batch_input_shape is None and input_shape is None:
            batch_input_shape = tuple(input_tensor.shape)
            if dtype is None:
                dtype = input_tensor.dtype
        if batch_input_shape is not None:
            batch_input_shape = _shape_tuple(batch_input_shape)
        elif input_shape is not None:
            batch_input_shape = (batch_size,) + _shape_tuple(input_shape)
        else:
            raise ValueError("Please provide to Input a `shape` or a `tensor` or a `type_spec` "
                             "argument. Note that `shape` does not include the batch dimension.")
        if dtype is None:
            from .base_layer import _floatx
            dtype = _floatx()
        dtype = _dtypes.as_dtype(getattr(dtype, "name", dtype))
        name = name or unique_object_name("input", zero_based=False)
        super().__init__(name=name, dtype=dtype.name if dtype.is_floating else None, **kwargs)
        self.__dict__["_input_dtype_obj"] = dtype
        self.__dict__["_batch_input_shape"] = batch_input_shape
        self.sparse = bool(sparse)
        self.ragged = bool(ragged)
        self.built = True
        self.__dict__["_autocast"] = False
        kt = KerasTensor(batch_input_shape, dtype, name=name, sparse=self.sparse,
                         ragged=self.ragged)
        Node(self, (), {}, kt)

    @property
    def dtype(self):
        return self._input_dtype_obj.name

    def call(self, inputs):
        return inputs

    def get_config(self):
        return {"batch_input_shape": self._batch_input_shape, "dtype": self.dtype,
                "sparse": self.sparse, "ragged": self.ragged, "name": self.name}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if "batch_shape" in config and "batch_input_shape" not in config:
            config["batch_input_shape"] = config.pop("batch_shape")
        return cls(**config)


def Input(shape=None, batch_size=None, name=None, dtype=None, sparse=None, tensor=None,
          ragged=None, type_spec=None, batch_shape=None, **kwargs):
    """A symbolic input of a Functional model (`tf.keras.Input`).

    Args:
        shape: the shape of one sample, without the batch dimension, e.g. `(784,)`.
        batch_size: a fixed batch size (default: any).
        name: the input's name (`input_1`, ... by default).
        dtype: default `float32`.
        batch_shape: the full shape including the batch dimension (Keras 3 spelling; also
            `batch_input_shape`).

    Returns:
        A `KerasTensor` to call layers on.

    Example:
        >>> import flowgrad as tf
        >>> x = tf.keras.Input(shape=(784,))
        >>> x.shape
        TensorShape([None, 784])
    """
    batch_input_shape = kwargs.pop("batch_input_shape", None) or batch_shape
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments to Input: {sorted(kwargs)}")
    if shape is None and batch_input_shape is None and tensor is None:
        raise ValueError("Please provide to Input a `shape` or a `tensor` or a `type_spec` "
                         "argument. Note that `shape` does not include the batch dimension.")
    layer = InputLayer(input_shape=shape, batch_size=batch_size, name=name, dtype=dtype,
                       sparse=sparse, ragged=ragged, input_tensor=tensor,
                       batch_input_shape=batch_input_shape)
    return layer._inbound_nodes[0].outputs
