"""Variable: mutable state that ops read as tensors and GradientTape watches automatically."""

from .. import dtypes as _dtypes
from ..errors import InvalidArgumentError
from .context import ctx
from .convert import convert_to_tensor
from .tape import record_alias, record_variable_read
from .tensor import Tensor, TensorShape, _wrap, _np_repr, canonical_device_name, _backend_of


class Variable:
    """A mutable tensor-valued state (`tf.Variable`).

    Args:
        initial_value: a Tensor, array, Python value, or a zero-argument callable returning one.
        trainable: whether GradientTape watches it automatically and Keras trains it.
        name: the variable's name; `.name` carries TensorFlow's ":0" suffix.
        dtype: if given, the initial value is converted (Python / NumPy values) or must match.
        shape: the allowed shape; `TensorShape(None)` or dims of None allow assigning values of
            other shapes.
        constraint: a function applied to the value by optimizers after each update.

    Example:
        >>> import flowgrad as tf
        >>> v = tf.Variable([[1.0], [2.0]])
        >>> _ = v[0, 0].assign(3.0); _ = v.assign_add(tf.ones((2, 1)))
        >>> v.numpy().ravel().tolist()
        [4.0, 3.0]
    """

    _is_variable = True
    __array_priority__ = 100

    def __init__(self, initial_value=None, trainable=None, validate_shape=True, caching_device=None,
                 name=None, variable_def=None, dtype=None, import_scope=None, constraint=None,
                 synchronization=None, aggregation=None, shape=None, experimental_enable_variable_lifting=True):
        if initial_value is None:
            raise ValueError("Variable(initial_value=...) is required: the value to start from.")
        trace = ctx.graph
        if trace is not None:
            # Inside a flowgrad.function trace: the variable is made once, eagerly (TF's rule).
            from ..graph.tracer import init_scope, lift_initial_value
            if callable(initial_value):
                with init_scope():
                    initial_value = initial_value()
            initial_value = lift_initial_value(initial_value)
            with init_scope():
                self.__init__(initial_value, trainable, validate_shape, caching_device, name,
                              variable_def, dtype, import_scope, constraint, synchronization,
                              aggregation, shape)
            while trace.parent is not None:
                trace = trace.parent
            trace.created_variables.append(self)
            return
        if callable(initial_value):
            initial_value = initial_value()
        init = convert_to_tensor(initial_value, dtype=dtype) if not isinstance(
            initial_value, Tensor) else initial_value
        if dtype is not None and init.dtype != _dtypes.as_dtype(dtype):
            from ..ops import math_ops
            init = math_ops.cast(init, dtype)
        self._value = init._value
        self._initial_value = init
        self._trainable = True if trainable is None else bool(trainable)
        self._name = (name or "Variable")
        self._shape = TensorShape(shape) if shape is not None else TensorShape(self._value.shape)
        if not validate_shape and shape is None:
            self._shape = TensorShape(None)
        if not self._shape.is_compatible_with(self._value.shape):
            raise ValueError(f"In Variable {self.name!r}: the initial value's shape "
                             f"{tuple(self._value.shape)} is not compatible with shape={self._shape}.")
        self.constraint = constraint
        self.synchronization = synchronization
        self.aggregation = aggregation

    # -- properties ---------------------------------------------------------------------------
    @property
    def name(self):
        return self._name if self._name.endswith(":0") else self._name + ":0"

    @property
    def dtype(self):
        return _dtypes.from_numpy(self._value.dtype)

    @property
    def shape(self):
        if self._shape.is_fully_defined():
            return self._shape
        return TensorShape(self._value.shape)

    def get_shape(self):
        return self.shape

    @property
    def ndim(self):
        return self._value.ndim

    @property
    def trainable(self):
        return self._trainable

    @property
    def initial_value(self):
        return self._initial_value

    @property
    def device(self):
        return canonical_device_name(_backend_of(self._value).device_type, 0)

    @property
    def handle(self):
        return self

    def ref(self):
        from .tensor import Reference
        return Reference(self)

    experimental_ref = ref

    # -- reading ------------------------------------------------------------------------------
    def read_value(self):
        """Returns the current value as a Tensor (a snapshot: later assigns do not change it)."""
        g = ctx.graph
        if g is not None:
            t = g.read_variable(self)
        else:
            t = Tensor.__new__(Tensor)
            t._value = self._value
        if ctx.tapes:
            record_variable_read(self, t)
        return t

    value = read_value

    def numpy(self):
        return self.read_value().numpy()

    def __array__(self, dtype=None, copy=None):
        return self.read_value().__array__(dtype)

    def get_value(self):
        return self.numpy()

    # -- writing ------------------------------------------------------------------------------
    def _coerce(self, value, what):
        t = convert_to_tensor(value, dtype=self.dtype) if not isinstance(value, Tensor) else value
        if hasattr(value, "_is_variable"):
            t = value.read_value()
        if t.dtype != self.dtype:
            raise InvalidArgumentError(
                None, what, f"Cannot {what} a value of dtype {t.dtype.name} to variable "
                f"{self.name!r} of dtype {self.dtype.name}. Cast it first: tf.cast(value, "
                f"tf.{self.dtype.name}).")
        return t._value

    def _check_shape(self, new, what):
        if type(new) is not Tensor and getattr(new, "shape", None) == self._value.shape:
            return  # the common case: an array of the variable's current shape
        if not self._shape.is_compatible_with(new.shape):
            raise ValueError(
                f"Cannot {what} to variable {self.name!r}: shape mismatch. The variable shape "
                f"{self._shape} and the assigned value shape {tuple(new.shape)} are incompatible.")

    def _graph_assign(self, value, what, combine=None):
        t = convert_to_tensor(value, dtype=self.dtype) if not isinstance(value, Tensor) else value
        if hasattr(value, "_is_variable"):
            t = value.read_value()
        if t.dtype != self.dtype:
            self._coerce(value, what)  # raises the dtype error
        if combine is not None:
            t = combine(self.read_value(), t)
        self._check_shape(t, what)
        ctx.graph.assign_variable(self, t)
        return self

    def assign(self, value, use_locking=None, name=None, read_value=True):
        """Sets the variable to `value` (same dtype, compatible shape); returns the variable."""
        if ctx.graph is not None:
            return self._graph_assign(value, "assign")
        new = self._coerce(value, "assign")
        self._check_shape(new, "assign")
        self._value = new
        return self

    def assign_add(self, delta, use_locking=None, name=None, read_value=True):
        """Adds `delta` to the variable in place; returns the variable."""
        if ctx.graph is not None:
            from ..ops.math_ops import add
            return self._graph_assign(delta, "assign_add", add)
        d = self._coerce(delta, "assign_add")
        new = self._value + d
        self._check_shape(new, "assign_add")
        self._value = new
        return self

    def assign_sub(self, delta, use_locking=None, name=None, read_value=True):
        """Subtracts `delta` from the variable; returns the variable."""
        if ctx.graph is not None:
            from ..ops.math_ops import subtract
            return self._graph_assign(delta, "assign_sub", subtract)
        d = self._coerce(delta, "assign_sub")
        new = self._value - d
        self._check_shape(new, "assign_sub")
        self._value = new
        return self

    def _assign_slice(self, key, value):
        if ctx.graph is not None:
            from ..ops import array_ops
            from ..errors import UnimplementedError
            if not hasattr(array_ops, "slice_update"):
                raise UnimplementedError(
                    None, "assign", f"Sliced assignment to variable {self.name!r} inside a "
                    "flowgrad.function is not supported; use "
                    "v.assign(tf.tensor_scatter_nd_update(v, indices, updates)) instead.")
        new = _backend_of(self._value).xp.array(self._value)  # a copy; also for 0-d values
        new[key] = self._coerce(value, "assign")
        self._value = new
        return self

    def scatter_nd_update(self, indices, updates, name=None):
        from ..ops import array_ops
        return self.assign(array_ops.tensor_scatter_nd_update(self.read_value(), indices, updates))

    def scatter_nd_add(self, indices, updates, name=None):
        from ..ops import array_ops
        return self.assign(array_ops.tensor_scatter_nd_add(self.read_value(), indices, updates))

    # -- indexing -----------------------------------------------------------------------------
    def __getitem__(self, key):
        from ..ops import array_ops
        t = array_ops.getitem(self.read_value(), key)
        s = _VariableSlice.__new__(_VariableSlice)
        s._value = t._value
        s._variable = self
        s._key = array_ops.normalize_index(key, self._value.ndim)
        if ctx.tapes:
            record_alias(t, s)
        return s

    def __repr__(self):
        return (f"<flowgrad.Variable '{self.name}' shape={self.shape} dtype={self.dtype.name}, "
                f"numpy={_np_repr(self.numpy())}>")

    def __str__(self):
        return repr(self)

    __hash__ = None

    def __len__(self):
        return len(self.read_value())

    def __iter__(self):
        return iter(self.read_value())

    def __bool__(self):
        return bool(self.read_value())

    def __float__(self):
        return float(self.read_value())

    def __int__(self):
        return int(self.read_value())

    def __index__(self):
        return self.read_value().__index__()

    def __format__(self, spec):
        return format(self.read_value(), spec)

    def __reduce__(self):
        return _rebuild_variable, (self.numpy(), self._trainable, self._name)

    def __deepcopy__(self, memo):
        return Variable(_wrap(self._value.copy()), trainable=self._trainable, name=self._name,
                        shape=self._shape)


def _rebuild_variable(value, trainable, name):
    return Variable(value, trainable=trainable, name=name)


class _VariableSlice(Tensor):
    """What `variable[key]` returns: a tensor that can also be assigned through, as in TF:
    `v[0, 0].assign(3.)`."""

    __slots__ = ("_variable", "_key")

    def assign(self, value, use_locking=None, name=None, read_value=True):
        return self._variable._assign_slice(self._key, value)
