"""`KerasTensor`: the symbolic value flowing through a Functional model while it is defined.

`keras.Input(shape=(784,))` returns one; calling a layer on KerasTensors records a `Node` (in
`functional.py`) and returns new KerasTensors carrying the inferred shape and dtype. A
KerasTensor has no value: it only describes the tensor a model will compute.

Python operators on KerasTensors (`x + 1`, `x * y`, `x[:, 0]`, `-x`, `x @ w`) become small
lambda layers, as in tf.keras, so `outputs = inputs * 2.0` works in a Functional model.
"""

import numpy as np

from ... import dtypes as _dtypes
from ...core.tensor_shape import TensorShape


class KerasTensor:
    """A symbolic tensor of a Keras Functional model: a shape, a dtype and where it came from.

    Attributes:
        shape: a `TensorShape` (None for unknown dims, the batch dim usually).
        dtype: a flowgrad `DType`.
        name: a readable name (the producing layer's name).
        _keras_history: `(layer, node_index, tensor_index)` of the call that produced it.
    """

    __array_priority__ = 200

    def __init__(self, shape, dtype="float32", name=None, sparse=False, ragged=False):
        self._shape = shape if isinstance(shape, TensorShape) else TensorShape(shape)
        self._dtype = _dtypes.as_dtype(dtype)
        self._rank = self._shape.rank
        try:
            self._np_dtype = np.dtype(self._dtype.as_numpy_dtype)
        except TypeError:
            self._np_dtype = None
        self.name = name
        self.sparse = sparse
        self.ragged = ragged
        self._keras_history = None
        self._keras_mask = None

    # -- description --------------------------------------------------------------------------
    @property
    def shape(self):
        return self._shape

    def get_shape(self):
        return self._shape

    @property
    def dtype(self):
        return self._dtype

    @property
    def ndim(self):
        return self._shape.rank

    @property
    def node(self):
        h = self._keras_history
        return None if h is None else h[0]._inbound_nodes[h[1]]

    def __repr__(self):
        s = "(" + ", ".join("None" if d is None else str(d) for d in self._shape) + \
            ("," if self._shape.rank == 1 else "") + ")" if self._shape.rank is not None else "?"
        return (f"<KerasTensor: shape={s} dtype={self._dtype.name} "
                f"(created by layer '{self.name}')>")

    __str__ = __repr__

    # -- no values ----------------------------------------------------------------------------
    def _no_value(self, what):
        return TypeError(
            f"You are trying to {what} a symbolic Keras tensor ({self!r}). A KerasTensor only "
            "describes the input or output of a Functional model and has no value. Build a "
            "model with keras.Model(inputs, outputs) and call it on data, or wrap the "
            "computation in a keras.layers.Lambda layer.")

    def numpy(self):
        raise self._no_value("get the NumPy value of")

    def __array__(self, dtype=None, copy=None):
        raise self._no_value("convert to a NumPy array")

    def __bool__(self):
        raise self._no_value("use as a Python bool")

    def __float__(self):
        raise self._no_value("convert to a float")

    def __int__(self):
        raise self._no_value("convert to an int")

    def __len__(self):
        d = self._shape[0] if self._shape.rank else None
        if d is None:
            raise TypeError(f"len() of a KerasTensor with unknown first dimension ({self!r}).")
        return d

    def __iter__(self):
        raise self._no_value("iterate over")

    __hash__ = object.__hash__

    def ref(self):
        return _Ref(self)

    # -- operators build lambda layers ---------------------------------------------------------
    def _op(self, fn, name, *others, reverse=False):
        from .functional import op_layer_call
        args = (others[0], self) if reverse else (self,) + others
        return op_layer_call(fn, name, args)


class _Ref:
    __slots__ = ("_t",)

    def __init__(self, t):
        self._t = t

    def deref(self):
        return self._t

    def __hash__(self):
        return id(self._t)

    def __eq__(self, other):
        return isinstance(other, _Ref) and other._t is self._t


def _binary(opname, fn_name, reverse=False):
    def method(self, other):
        from ... import math as fmath
        from ...ops import linalg_ops
        fn = getattr(linalg_ops, fn_name) if fn_name == "matmul" else getattr(fmath, fn_name)
        return self._op(fn, opname, other, reverse=reverse)
    method.__name__ = opname
    return method


for _name, _fn in [("add", "add"), ("sub", "subtract"), ("mul", "multiply"),
                   ("truediv", "truediv"), ("floordiv", "floordiv"), ("mod", "floormod"),
                   ("pow", "pow"), ("matmul", "matmul"), ("lt", "less"), ("le", "less_equal"),
                   ("gt", "greater"), ("ge", "greater_equal"), ("and", "logical_and"),
                   ("or", "logical_or")]:
    setattr(KerasTensor, f"__{_name}__", _binary(_name, _fn))
    if _name not in ("lt", "le", "gt", "ge"):
        setattr(KerasTensor, f"__r{_name}__", _binary(_name, _fn, reverse=True))


def _neg(self):
    from ... import math as fmath
    return self._op(fmath.negative, "neg")


def _abs(self):
    from ... import math as fmath
    return self._op(fmath.abs, "abs")


def _invert(self):
    from ... import math as fmath
    return self._op(fmath.logical_not, "invert")


def _getitem(self, key):
    from .functional import op_layer_call
    return op_layer_call(lambda x: x[key], "getitem", (self,))


KerasTensor.__neg__ = _neg
KerasTensor.__abs__ = _abs
KerasTensor.__invert__ = _invert
KerasTensor.__getitem__ = _getitem


def is_keras_tensor(x):
    """Whether `x` is a symbolic KerasTensor."""
    return isinstance(x, KerasTensor)
