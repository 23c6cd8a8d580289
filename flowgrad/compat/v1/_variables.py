"""TF1 variables: `Variable` (RefVariable), `get_variable` with `variable_scope`, initializers,
`assign*` returning graph tensors, the variable collections and their initializers.

In a v1 graph a variable's value lives in each Session (see `_session.py`); the `Variable`
object itself only carries the dtype, the shape and the trace-time value used as a shadow.
Its initializer is an `AssignVariableOp` node of the graph from its initial-value tensor, so a
random initial value is drawn again by every Session that runs the initializer.
"""

import contextlib
import math

import numpy as np

from ... import dtypes as _dtypes
from ...core.context import ctx
from ...core.convert import convert_to_tensor
from ...core.tensor import Tensor, _wrap
from ...core.tensor_shape import TensorShape
from ...core.variable import Variable
from ...graph.tracer import init_scope
from ._graph import GraphKeys, current_graph, get_default_graph, group


# -- RefVariable ---------------------------------------------------------------------------------------
class _VariableOp:
    """`variable.op`: names the variable the way TF1 names its op."""

    def __init__(self, var):
        self._var = var

    @property
    def name(self):
        return self._var.name.rsplit(":", 1)[0]

    type = "VarHandleOp"

    @property
    def graph(self):
        return self._var._v1_graph

    def __repr__(self):
        return f"<tf.Operation '{self.name}' type={self.type}>"


class RefVariable(Variable):
    """A TF1 variable (`tf.compat.v1.Variable`). While executing eagerly it is a `tf.Variable`;
    in a v1 graph its value is per Session, set by running its `initializer`, and `assign*`
    return tensors (the value after the assignment) that a Session can fetch.

    Example:
        >>> import flowgrad as tf
        >>> v1 = tf.compat.v1
        >>> with v1.Graph().as_default():
        ...     v = v1.Variable(1.0, name="v")
        ...     inc = v.assign_add(2.0)
        ...     with v1.Session() as sess:
        ...         sess.run(v.initializer)
        ...         float(sess.run(inc)), float(sess.run(inc))
        (3.0, 5.0)
    """

    _v1_graph = None

    def __init__(self, initial_value=None, trainable=None, collections=None, validate_shape=True,
                 caching_device=None, name=None, variable_def=None, dtype=None,
                 expected_shape=None, import_scope=None, constraint=None, use_resource=None,
                 synchronization=None, aggregation=None, shape=None, **unused):
        g = current_graph()
        if g is None or ctx.graph is not g._trace:
            Variable.__init__(self, initial_value, trainable=trainable,
                              validate_shape=validate_shape, name=name, dtype=dtype,
                              constraint=constraint, shape=shape)
            return
        g._check_mutable()
        _make_in_graph(self, g, initial_value, trainable, collections, validate_shape,
                       g.unique_name(name or "Variable"), dtype, constraint, shape)

    # -- TF1 properties -----------------------------------------------------------------------------
    @property
    def initializer(self):
        """The op that sets the variable to its initial value in a Session (None eagerly)."""
        g = self._v1_graph
        return None if g is None else g._initializer_op(self)

    @property
    def op(self):
        return _VariableOp(self)

    @property
    def graph(self):
        return self._v1_graph

    def initialized_value(self):
        return self.initial_value

    def eval(self, session=None, feed_dict=None):
        """The variable's value in `session` (default: the default session)."""
        if self._v1_graph is None:
            return self.numpy()
        from ._session import _session_for
        return _session_for(session, self).run(self, feed_dict)

    def load(self, value, session=None):
        """Sets the value in `session` without adding ops to the graph."""
        if self._v1_graph is None:
            Variable.assign(self, value)
            return
        from ._session import _session_for
        sess = _session_for(session, self)
        arr = np.asarray(value, dtype=self._value.dtype)
        self._check_shape(arr, "load")
        sess._values[id(self)] = arr

    # -- writes -------------------------------------------------------------------------------------
    def assign(self, value, use_locking=None, name=None, read_value=True):
        return _assign(self, value, "assign", name, read_value)

    def assign_add(self, delta, use_locking=None, name=None, read_value=True):
        return _assign(self, delta, "assign_add", name, read_value)

    def assign_sub(self, delta, use_locking=None, name=None, read_value=True):
        return _assign(self, delta, "assign_sub", name, read_value)

    # In a v1 graph, variables are hashable and compare by identity (TF1's rule); eagerly they
    # behave as tf.Variable (unhashable, elementwise ==).
    def __hash__(self):
        if self._v1_graph is None:
            raise TypeError("Variable is unhashable. Instead, use variable.ref() as the key.")
        return id(self)

    def __eq__(self, other):
        if self._v1_graph is not None:
            return self is other
        return Variable.__eq__(self, other)

    def __ne__(self, other):
        if self._v1_graph is not None:
            return self is not other
        return Variable.__ne__(self, other)

    def __repr__(self):
        if self._v1_graph is not None:
            return (f"<tf.Variable '{self.name}' shape={_tf1_shape(self.shape)} "
                    f"dtype={self.dtype.name}_ref>")
        return Variable.__repr__(self)

    __str__ = __repr__


def _tf1_shape(shape):
    dims = shape.as_list() if shape.rank is not None else None
    if dims is None:
        return "<unknown>"
    if len(dims) == 1:
        return f"({'?' if dims[0] is None else dims[0]},)"
    return "(" + ", ".join("?" if d is None else str(d) for d in dims) + ")"


def _make_in_graph(var, g, initial_value, trainable, collections, validate_shape, full_name,
                   dtype, constraint, shape):
    """Creates `var` in graph `g`: its initial value is computed by graph ops (drawn again by
    each initializer run), its trace-time value is that value's shadow."""
    if initial_value is None:
        raise ValueError("initial_value must be specified.")
    with g._no_ctrl():
        init = initial_value() if callable(initial_value) else initial_value
        if hasattr(init, "_is_variable"):
            init = init.initial_value
        if not isinstance(init, Tensor):
            init = convert_to_tensor(init, dtype=dtype)
        elif dtype is not None and init.dtype != _dtypes.as_dtype(dtype):
            from ...ops.math_ops import cast
            init = cast(init, dtype)
    shadow = np.array(init._value, copy=True)
    with init_scope():
        Variable.__init__(var, _wrap(shadow), trainable=trainable, validate_shape=validate_shape,
                          name=full_name, constraint=constraint, shape=shape)
    var._initial_value = init
    g._register_variable(var, init, collections)


def _assign(ref, value, kind, name=None, read_value=True):
    if not hasattr(ref, "_is_variable"):
        raise TypeError(f"tf.compat.v1.{kind} needs a Variable as its first argument; got "
                        f"{ref!r}.")
    method = getattr(Variable, kind)
    g = current_graph()
    if g is None or ctx.graph is not g._trace:
        return method(ref, value)
    method(ref, value)
    node = g._trace.graph.nodes[-1]  # the AssignVariableOp just added
    if name:
        g._rename(node, name)
    if not read_value:
        return g._op(node)
    with g._ctrl_scope([node]):
        return Variable.read_value(ref)


def assign(ref, value, validate_shape=None, use_locking=None, name=None):
    """`ref = value`; in a v1 graph returns the value after the assignment, as a tensor whose
    evaluation runs the assignment."""
    return _assign(ref, value, "assign", name)


def assign_add(ref, value, use_locking=None, name=None):
    """`ref += value` (see `assign`)."""
    return _assign(ref, value, "assign_add", name)


def assign_sub(ref, value, use_locking=None, name=None):
    """`ref -= value` (see `assign`)."""
    return _assign(ref, value, "assign_sub", name)


# -- collections and initializers -----------------------------------------------------------------------
def get_collection(key, scope=None):
    return get_default_graph().get_collection(key, scope)


def get_collection_ref(key):
    return get_default_graph().get_collection_ref(key)


def add_to_collection(name, value):
    get_default_graph().add_to_collection(name, value)


def add_to_collections(names, value):
    get_default_graph().add_to_collections(names, value)


def global_variables(scope=None):
    """The variables of the default graph's GLOBAL_VARIABLES collection."""
    return get_collection(GraphKeys.GLOBAL_VARIABLES, scope)


all_variables = global_variables


def trainable_variables(scope=None):
    """The variables of the default graph's TRAINABLE_VARIABLES collection."""
    return get_collection(GraphKeys.TRAINABLE_VARIABLES, scope)


def local_variables(scope=None):
    return get_collection(GraphKeys.LOCAL_VARIABLES, scope)


def model_variables(scope=None):
    return get_collection(GraphKeys.MODEL_VARIABLES, scope)


def moving_average_variables(scope=None):
    return get_collection("moving_average_variables", scope)


def variables_initializer(var_list, name="init"):
    """An op that runs the initializers of `var_list` (None while executing eagerly)."""
    g = current_graph()
    if g is None:
        return None
    nodes = []
    for v in var_list:
        owner = getattr(v, "_v1_graph", None)
        if owner is not None and owner is not g:
            raise ValueError(f"Variable {v.name} is not an element of this graph.")
        node = g._initializers.get(id(v))
        if node is not None:
            nodes.append(node)
    return group(*nodes, name=name)


def global_variables_initializer():
    """An op that initializes every global variable of the default graph."""
    return variables_initializer(global_variables())


def local_variables_initializer():
    return variables_initializer(local_variables(), name="init_1")


initialize_all_variables = global_variables_initializer
initialize_local_variables = local_variables_initializer
initialize_variables = variables_initializer


# -- variable scopes ------------------------------------------------------------------------------------
class _AutoReuse:
    def __repr__(self):
        return "_ReuseMode.AUTO_REUSE"


AUTO_REUSE = _AutoReuse()


class VariableScope:
    """The state of one `variable_scope`: its name, reuse mode, default initializer and dtype."""

    def __init__(self, reuse, name="", initializer=None, regularizer=None, caching_device=None,
                 partitioner=None, custom_getter=None, name_scope="", dtype=None,
                 use_resource=None, constraint=None):
        self._name = name
        self._reuse = reuse
        self._initializer = initializer
        self._regularizer = regularizer
        self._dtype = dtype
        self._name_scope = name_scope
        self._constraint = constraint

    @property
    def name(self):
        return self._name

    @property
    def original_name_scope(self):
        return self._name_scope

    @property
    def reuse(self):
        return self._reuse

    @property
    def initializer(self):
        return self._initializer

    @property
    def regularizer(self):
        return self._regularizer

    @property
    def dtype(self):
        return self._dtype

    @property
    def constraint(self):
        return self._constraint

    def reuse_variables(self):
        """Turns reuse on for the rest of this scope."""
        self._reuse = True

    def set_initializer(self, initializer):
        self._initializer = initializer

    def set_regularizer(self, regularizer):
        self._regularizer = regularizer

    def set_dtype(self, dtype):
        self._dtype = dtype

    def get_variable(self, var_store, name, *args, **kwargs):
        return get_variable(name, *args, **kwargs)

    def __repr__(self):
        return f"<VariableScope name={self._name!r} reuse={self._reuse}>"


def get_variable_scope():
    """The current VariableScope of the default graph."""
    g = get_default_graph()
    if not g._var_scopes:
        g._var_scopes.append(VariableScope(False))
    return g._var_scopes[-1]


@contextlib.contextmanager
def variable_scope(name_or_scope=None, default_name=None, values=None, initializer=None,
                   regularizer=None, caching_device=None, partitioner=None, custom_getter=None,
                   reuse=None, dtype=None, use_resource=None, constraint=None,
                   auxiliary_name_scope=True):
    """Names the variables `get_variable` creates in the block (`scope/name`) and sets whether
    existing ones are reused (`reuse=True`, `tf.compat.v1.AUTO_REUSE`); also opens a name
    scope of the same name."""
    g = get_default_graph()
    parent = get_variable_scope()
    if isinstance(name_or_scope, VariableScope):
        full = name_or_scope.name
        inherited = name_or_scope.reuse
        initializer = initializer or name_or_scope.initializer
        regularizer = regularizer or name_or_scope.regularizer
        dtype = dtype or name_or_scope.dtype
    elif name_or_scope is not None:
        full = f"{parent.name}/{name_or_scope}" if parent.name else str(name_or_scope)
        inherited = parent.reuse
    else:
        if default_name is None:
            raise ValueError("If default_name is None then name_or_scope is required")
        base = f"{parent.name}/{default_name}" if parent.name else default_name
        counts = g.__dict__.setdefault("_scope_counts", {})
        n = counts.get(base, 0)
        counts[base] = n + 1
        full = base if n == 0 else f"{base}_{n}"
        inherited = parent.reuse
    if reuse is AUTO_REUSE or (not reuse and inherited is AUTO_REUSE):
        mode = AUTO_REUSE
    elif reuse or inherited is True:
        mode = True
    else:
        mode = False
    scope = VariableScope(mode, full, initializer or parent.initializer,
                          regularizer or parent.regularizer, dtype=dtype or parent.dtype,
                          constraint=constraint or parent.constraint)
    g._var_scopes.append(scope)
    try:
        if auxiliary_name_scope:
            with g.name_scope(full.rsplit("/", 1)[-1] if full else None) as ns:
                scope._name_scope = ns
                yield scope
        else:
            yield scope
    finally:
        g._var_scopes.pop()


def name_scope(name, default_name=None, values=None):
    """`tf.compat.v1.name_scope`: prefixes op and `tf.Variable` names in the block."""
    return get_default_graph().name_scope(name if name is not None else default_name)


def get_variable(name, shape=None, dtype=None, initializer=None, regularizer=None,
                 trainable=None, collections=None, caching_device=None, partitioner=None,
                 validate_shape=True, use_resource=None, custom_getter=None, constraint=None,
                 synchronization=None, aggregation=None):
    """Gets the variable `<scope>/name` or creates it (`tf.compat.v1.get_variable`).

    Creating needs a fully defined `shape` (unless `initializer` is a value); an existing
    variable is returned only when the enclosing variable_scope reuses variables.
    """
    g = get_default_graph()
    scope = get_variable_scope()
    full = f"{scope.name}/{name}" if scope.name else name
    existing = g._var_store.get(full)
    if existing is not None:
        if scope.reuse is False:
            raise ValueError(f"Variable {full} already exists, disallowed. Did you mean to set "
                             "reuse=True or reuse=tf.AUTO_REUSE in VarScope?")
        if shape is not None and not existing.shape.is_compatible_with(TensorShape(shape)):
            raise ValueError(f"Trying to share variable {full}, but specified shape "
                             f"{TensorShape(shape)} and found shape {existing.shape}.")
        if dtype is not None and existing.dtype != _dtypes.as_dtype(dtype):
            raise ValueError(f"Trying to share variable {full}, but specified dtype "
                             f"{_dtypes.as_dtype(dtype).name} and found dtype "
                             f"{existing.dtype.name}.")
        return existing
    if scope.reuse is True:
        raise ValueError(f"Variable {full} does not exist, or was not created with "
                         "tf.get_variable(). Did you mean to set reuse=tf.AUTO_REUSE in VarScope?")
    dt = _dtypes.as_dtype(dtype or scope.dtype or _dtypes.float32)
    initializer = initializer if initializer is not None else scope.initializer
    if initializer is None:
        initializer = glorot_uniform_initializer() if dt.is_floating else zeros_initializer()
    if callable(initializer) and not isinstance(initializer, Tensor):
        static = TensorShape(shape)
        if shape is None or not static.is_fully_defined():
            raise ValueError(f"Shape of a new variable ({full}) must be fully defined, but "
                             f"instead was {static}.")
        dims = static.as_list()

        def init_fn():
            return initializer(dims, dtype=dt)
        init_value = init_fn
    else:
        if shape is not None and isinstance(initializer, Tensor):
            raise ValueError("If initializer is a constant, do not specify shape.")
        init_value = initializer
    trainable = True if trainable is None else trainable
    var = RefVariable.__new__(RefVariable)
    cg = current_graph()
    if cg is None or cg is not g or ctx.graph is not g._trace:
        value = init_value() if callable(init_value) else init_value
        Variable.__init__(var, value, trainable=trainable, name=full, dtype=dt,
                          constraint=constraint)
    else:
        g._check_mutable()
        g._trace.graph._unique(full)  # reserve the name
        _make_in_graph(var, g, init_value, trainable, collections, validate_shape, full, dt,
                       constraint, None)
    g._var_store[full] = var
    regularizer = regularizer or scope.regularizer
    if regularizer is not None:
        loss = regularizer(var)
        if loss is not None:
            g.add_to_collection(GraphKeys.REGULARIZATION_LOSSES, loss)
    return var


# -- initializers ---------------------------------------------------------------------------------------
def _fans(shape):
    shape = list(shape)
    if not shape:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = math.prod(shape[:-2]) if len(shape) > 2 else 1
    return shape[-2] * receptive, shape[-1] * receptive


class Initializer:
    """Base of the TF1 initializers: `init(shape, dtype=None, partition_info=None)`."""

    def __init__(self, dtype=_dtypes.float32):
        self.dtype = _dtypes.as_dtype(dtype)

    def _dt(self, dtype):
        return _dtypes.as_dtype(dtype) if dtype is not None else self.dtype

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class zeros_initializer(Initializer):
    """Zeros."""

    def __call__(self, shape, dtype=None, partition_info=None):
        from ...ops.array_ops import zeros
        return zeros(shape, self._dt(dtype))


class ones_initializer(Initializer):
    """Ones."""

    def __call__(self, shape, dtype=None, partition_info=None):
        from ...ops.array_ops import ones
        return ones(shape, self._dt(dtype))


class constant_initializer(Initializer):
    """A constant: a scalar fills the shape; a list or array must have the shape's size."""

    def __init__(self, value=0, dtype=_dtypes.float32, verify_shape=False):
        super().__init__(dtype)
        self.value = value

    def __call__(self, shape, dtype=None, partition_info=None):
        dt = self._dt(dtype)
        arr = np.asarray(self.value.numpy() if isinstance(self.value, Tensor) else self.value)
        shape = tuple(shape)
        if arr.size == 1:
            out = np.full(shape, arr.reshape(()), dtype=np.dtype(dt.as_numpy_dtype))
        elif arr.size == math.prod(shape):
            out = arr.reshape(shape).astype(dt.as_numpy_dtype)
        else:
            raise TypeError(f"constant_initializer: {arr.size} values cannot fill shape "
                            f"{list(shape)}.")
        return _wrap(out)

    def get_config(self):
        return {"value": self.value, "dtype": self.dtype}


class random_normal_initializer(Initializer):
    """Normal samples with `mean` and `stddev`."""

    def __init__(self, mean=0.0, stddev=1.0, seed=None, dtype=_dtypes.float32):
        super().__init__(dtype)
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def __call__(self, shape, dtype=None, partition_info=None):
        from ...ops.random_ops import normal
        return normal(shape, self.mean, self.stddev, self._dt(dtype), seed=self.seed)


class truncated_normal_initializer(Initializer):
    """Normal samples redrawn beyond two standard deviations."""

    def __init__(self, mean=0.0, stddev=1.0, seed=None, dtype=_dtypes.float32):
        super().__init__(dtype)
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def __call__(self, shape, dtype=None, partition_info=None):
        from ...ops.random_ops import truncated_normal
        return truncated_normal(shape, self.mean, self.stddev, self._dt(dtype), seed=self.seed)


class random_uniform_initializer(Initializer):
    """Uniform samples in [minval, maxval)."""

    def __init__(self, minval=0.0, maxval=None, seed=None, dtype=_dtypes.float32):
        super().__init__(dtype)
        self.minval, self.maxval, self.seed = minval, maxval, seed

    def __call__(self, shape, dtype=None, partition_info=None):
        from ...ops.random_ops import uniform
        dt = self._dt(dtype)
        maxval = self.maxval if self.maxval is not None or not dt.is_floating else 1.0
        return uniform(shape, self.minval, maxval, dt, seed=self.seed)


class variance_scaling_initializer(Initializer):
    """Samples scaled by the fan-in / fan-out of the shape (Glorot, He and LeCun are special
    cases)."""

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None,
                 dtype=_dtypes.float32):
        super().__init__(dtype)
        if scale <= 0.0:
            raise ValueError("`scale` must be a positive float.")
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"Invalid `mode` argument: {mode}")
        distribution = distribution.lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        if distribution not in ("truncated_normal", "untruncated_normal", "uniform"):
            raise ValueError(f"Invalid `distribution` argument: {distribution}")
        self.scale, self.mode, self.distribution, self.seed = scale, mode, distribution, seed

    def __call__(self, shape, dtype=None, partition_info=None):
        from ...ops import random_ops
        dt = self._dt(dtype)
        fan_in, fan_out = _fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        scale = self.scale / max(1.0, n)
        if self.distribution == "truncated_normal":
            # the standard deviation of a unit normal truncated to [-2, 2]
            std = math.sqrt(scale) / 0.87962566103423978
            return random_ops.truncated_normal(shape, 0.0, std, dt, seed=self.seed)
        if self.distribution == "untruncated_normal":
            return random_ops.normal(shape, 0.0, math.sqrt(scale), dt, seed=self.seed)
        limit = math.sqrt(3.0 * scale)
        return random_ops.uniform(shape, -limit, limit, dt, seed=self.seed)


def glorot_uniform_initializer(seed=None, dtype=_dtypes.float32):
    """Uniform in ±sqrt(6 / (fan_in + fan_out)) (get_variable's default for floats)."""
    return variance_scaling_initializer(1.0, "fan_avg", "uniform", seed, dtype)


def glorot_normal_initializer(seed=None, dtype=_dtypes.float32):
    return variance_scaling_initializer(1.0, "fan_avg", "truncated_normal", seed, dtype)


def he_normal(seed=None):
    return variance_scaling_initializer(2.0, "fan_in", "truncated_normal", seed)


def he_uniform(seed=None):
    return variance_scaling_initializer(2.0, "fan_in", "uniform", seed)


def lecun_normal(seed=None):
    return variance_scaling_initializer(1.0, "fan_in", "truncated_normal", seed)


def lecun_uniform(seed=None):
    return variance_scaling_initializer(1.0, "fan_in", "uniform", seed)
