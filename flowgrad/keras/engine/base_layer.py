"""`keras.layers.Layer`: the base class of every layer and model.

A layer holds state (weights made with `add_weight`) and a computation (`call`). Calling it
(`layer(x)`) builds it lazily from the first input's shape, checks the input against
`input_spec`, casts floating inputs to the layer's compute dtype, resolves `training`, runs
`call`, and adds activity-regularization losses. Called on symbolic `keras.Input` tensors, it
records a node of a Functional graph instead (see `functional.py`).

`call` may run inside a traced `flowgrad.function`: everything on the call path uses flowgrad
ops, static shapes and `Variable.assign*`, never tensor values.
"""

import contextlib
import inspect
import re
import threading
import weakref

import numpy as np

from ... import dtypes as _dtypes
from ...core.tensor import Tensor
from ...core.tensor_shape import TensorShape
from ...core.variable import Variable
from .input_spec import InputSpec, assert_input_compatibility
from .keras_tensor import KerasTensor

# ---------------------------------------------------------------------------------------------
# Naming
# ---------------------------------------------------------------------------------------------
_NAME_COUNTS = {}


def to_snake_case(name):
    """`"BatchNormalization"` -> `"batch_normalization"`, `"Conv2D"` -> `"conv2d"`."""
    s = re.sub(r"(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    s = re.sub(r"([a-z])([A-Z])", r"\1_\2", s).lower()
    return s if not s.startswith("_") else "private" + s


def unique_object_name(base, zero_based=True):
    """A name unique within the current name scope: `dense`, `dense_1`, `dense_2`, ...

    With `zero_based=False` numbering starts at 1 (`input_1`, `input_2`), as Keras 2 names its
    Input layers.
    """
    key = (_scope_prefix(), base)
    n = _NAME_COUNTS.get(key, 0)
    _NAME_COUNTS[key] = n + 1
    if zero_based:
        return base if n == 0 else f"{base}_{n}"
    return f"{base}_{n + 1}"


def reset_name_counters():
    """Restarts automatic layer names (`dense`, `dense_1`, ...). Called by
    `keras.backend.clear_session()`."""
    _NAME_COUNTS.clear()


# ---------------------------------------------------------------------------------------------
# Per-thread call state: the layers being called, the training flag they inherit, the name
# scopes, and a counter identifying the outermost call (used to expire activity losses).
# ---------------------------------------------------------------------------------------------
class _CallContext(threading.local):
    def __init__(self):
        self.stack = []          # layers whose __call__ / build is running, outermost first
        self.training = None     # the resolved `training` of the innermost running call
        self.gen = 0             # incremented at each outermost __call__
        self.scopes = []         # user name scopes
        self.no_losses = 0       # > 0 while inferring shapes with dummy data


_CTX = _CallContext()

# ---------------------------------------------------------------------------------------------
# Masks of tensors returned by direct layer calls (Keras keeps them as `tensor._keras_mask`):
# `lstm(embedding(x))` in a subclassed model gets Embedding(mask_zero=True)'s mask as Keras
# does. Tensor has no slot for it, so the mask lives here, keyed by the tensor's id and dropped
# with the tensor.
_MASKS = {}


def _attach_mask(t, mask):
    if mask is None or not isinstance(t, Tensor) or isinstance(mask, (list, tuple)):
        return
    key = id(t)
    _MASKS[key] = (weakref.ref(t, lambda _, key=key: _MASKS.pop(key, None)), mask)


def mask_of(t):
    """The mask a direct layer call attached to tensor `t` (Keras's `t._keras_mask`), or None."""
    entry = _MASKS.get(id(t))
    if entry is not None and entry[0]() is t:
        return entry[1]
    return None


def _scope_prefix():
    c = _CTX
    return "/".join(c.scopes)


@contextlib.contextmanager
def name_scope(name):
    """A Keras name scope: layers and weights created inside get `name/` prefixed weight
    names, and automatic layer names are counted per scope."""
    _CTX.scopes.append(str(name))
    try:
        yield name
    finally:
        _CTX.scopes.pop()


try:
    from .. import backend as _backend
    _LP = getattr(_backend, "_LEARNING_PHASE", [None])
except ImportError:  # pragma: no cover
    _LP = [None]


_PRODUCERS = {}


def _mask_producer(layer):
    """Whether the layer's class computes masks of its own (Embedding, Masking, models)."""
    cls = type(layer)
    r = _PRODUCERS.get(cls)
    if r is None:
        r = _PRODUCERS[cls] = cls.compute_mask is not Layer.compute_mask
    return r


def _learning_phase():
    """The global learning phase set by `keras.backend.set_learning_phase`, or None."""
    lp = _LP[0]
    return None if lp is None else bool(lp)


# ---------------------------------------------------------------------------------------------
# Dtype policies
# ---------------------------------------------------------------------------------------------
class DTypePolicy:
    """A layer's dtype policy: the dtype of its computations and of its variables.

    `"float32"` (the default), `"float64"`, ..., or `"mixed_float16"` / `"mixed_bfloat16"`
    (compute in 16 bits, keep float32 variables).
    """

    def __init__(self, name="float32"):
        name = getattr(name, "name", name)
        self._name = str(name)
        if self._name.startswith("mixed_"):
            self._compute, self._variable = self._name[len("mixed_"):], "float32"
        else:
            self._compute = self._variable = _dtypes.as_dtype(self._name).name

    @property
    def name(self):
        return self._name

    @property
    def compute_dtype(self):
        return self._compute

    @property
    def variable_dtype(self):
        return self._variable

    def __repr__(self):
        return f'<Policy "{self._name}">'

    def __eq__(self, other):
        return isinstance(other, DTypePolicy) and other.name == self.name

    __hash__ = object.__hash__

    def get_config(self):
        return {"name": self._name}


def _floatx():
    try:
        from .. import backend
        return backend.floatx()
    except ImportError:  # pragma: no cover
        return "float32"


_MIXED_PRECISION = []


def _global_policy():
    """`keras.mixed_precision.global_policy()` when that module exists, else None."""
    if not _MIXED_PRECISION:
        from ._lookup import _module
        _MIXED_PRECISION.append(_module("mixed_precision"))
    mod = _MIXED_PRECISION[0]
    fn = getattr(mod, "global_policy", None) if mod is not None else None
    return fn() if fn is not None else None


def _resolve_policy(dtype):
    if dtype is None:
        pol = _global_policy()
        if pol is not None:
            return pol
        return DTypePolicy(_floatx())
    if isinstance(dtype, dict):  # Keras 3 serialized policy
        dtype = dtype.get("config", {}).get("name", "float32")
    if hasattr(dtype, "compute_dtype") and hasattr(dtype, "variable_dtype"):
        return dtype
    return DTypePolicy(getattr(dtype, "name", dtype))


# ---------------------------------------------------------------------------------------------
# Call signatures
# ---------------------------------------------------------------------------------------------
class _CallSpec:
    __slots__ = ("first_arg", "mask", "training", "training_default", "var_kwargs")

    def __init__(self, fn):
        try:
            sig = inspect.signature(fn)
        except (TypeError, ValueError):
            sig = None
        params = dict(sig.parameters) if sig is not None else {}
        params.pop("self", None)
        self.var_kwargs = any(p.kind == p.VAR_KEYWORD for p in params.values())
        self.training = "training" in params or self.var_kwargs
        self.mask = "mask" in params or self.var_kwargs
        positional = [n for n, p in params.items()
                      if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        self.first_arg = positional[0] if positional else "inputs"
        p = params.get("training")
        self.training_default = (p.default if p is not None and p.default is not p.empty
                                 else None)


_CALL_SPECS = {}


def _call_spec(layer):
    fn = layer.call
    key = getattr(fn, "__func__", fn)
    spec = _CALL_SPECS.get(key)
    if spec is None:
        spec = _CALL_SPECS[key] = _CallSpec(fn)
    return spec


# ---------------------------------------------------------------------------------------------
# Input conversion
# ---------------------------------------------------------------------------------------------
def _is_number(x):
    return isinstance(x, (int, float, bool, np.number, np.bool_))


def _all_numbers(seq):
    for x in seq:
        if isinstance(x, (list, tuple)):
            if not _all_numbers(x):
                return False
        elif not _is_number(x):
            return False
    return True


def _convert_inputs(x):
    """Converts NumPy arrays, Python numbers and lists of numbers to Tensors, keeping
    structures (lists / dicts of tensors) and tensors as they are."""
    if isinstance(x, (Tensor, KerasTensor)) or x is None:
        return x
    if getattr(x, "_is_variable", False):
        return x.read_value()
    if isinstance(x, (np.ndarray, np.generic)) or _is_number(x):
        from ...ops.array_ops import convert_to_tensor
        return convert_to_tensor(x)
    if isinstance(x, (list, tuple)):
        if x and _all_numbers(x):
            from ...ops.array_ops import convert_to_tensor
            return convert_to_tensor(x)
        return type(x)(_convert_inputs(v) for v in x) if type(x) in (list, tuple) else \
            [_convert_inputs(v) for v in x]
    if isinstance(x, dict):
        return {k: _convert_inputs(v) for k, v in x.items()}
    if hasattr(x, "__array__") and hasattr(x, "shape"):  # pandas, ...
        from ...ops.array_ops import convert_to_tensor
        return convert_to_tensor(np.asarray(x))
    return x


def _contains_keras_tensor(x):
    if isinstance(x, KerasTensor):
        return True
    if isinstance(x, (list, tuple)):
        return any(_contains_keras_tensor(v) for v in x)
    if isinstance(x, dict):
        return any(_contains_keras_tensor(v) for v in x.values())
    return False


def _map_leaves(fn, x):
    if isinstance(x, (list, tuple)):
        return type(x)(_map_leaves(fn, v) for v in x) if type(x) in (list, tuple) else \
            [_map_leaves(fn, v) for v in x]
    if isinstance(x, dict):
        return {k: _map_leaves(fn, v) for k, v in x.items()}
    return fn(x)


def _flatten(x):
    out = []

    def rec(v):
        if isinstance(v, (list, tuple)):
            for e in v:
                rec(e)
        elif isinstance(v, dict):
            for e in v.values():
                rec(e)
        else:
            out.append(v)
    rec(x)
    return out


def _shapes_of(x):
    """The TensorShape (or a structure of them) of a tensor structure."""
    return _map_leaves(lambda t: t.shape if hasattr(t, "shape") else None, x)


def _cast_floats(x, dtype, np_dtype):
    from ...ops.math_ops import cast
    if isinstance(x, (Tensor,)):
        dt = x.dtype
        if dt.is_floating and dt != dtype:
            return cast(x, dtype)
        return x
    if isinstance(x, (list, tuple, dict)):
        return _map_leaves(lambda t: _cast_floats(t, dtype, np_dtype), x)
    return x


def _dedup(variables):
    seen = set()
    out = []
    for v in variables:
        if id(v) not in seen:
            seen.add(id(v))
            out.append(v)
    return out


_NOT_TRACKED = frozenset({"_inbound_nodes", "_outbound_nodes", "_init_args", "_losses",
                          "_callable_losses", "_own_weights", "_input_spec", "_dtype_policy",
                          "_build_input_shape", "_nodes_by_depth", "_graph", "_input_layers",
                          "_output_layers", "_symbolic_losses", "_saved_inputs"})

_KNOWN_KWARGS = frozenset({"input_shape", "input_dim", "batch_input_shape", "batch_size",
                           "weights", "activity_regularizer", "autocast", "input_dtype",
                           "implementation", "dynamic"})


# ---------------------------------------------------------------------------------------------
# Layer
# ---------------------------------------------------------------------------------------------
class Layer:
    """The base class of layers (`tf.keras.layers.Layer`).

    Subclass it and implement `build(input_shape)` (create weights with `add_weight`) and
    `call(inputs, training=None, mask=None)` (the computation, with flowgrad ops).

    Args:
        trainable: whether the layer's weights are updated by training.
        name: the layer name; by default the snake-cased class name made unique
            (`dense`, `dense_1`, ...).
        dtype: the dtype policy: `"float32"` (default), `"float64"`, `"mixed_float16"`, ...
        input_shape / input_dim / batch_input_shape / batch_size: the expected input shape,
            used by `Sequential` to create its input when this is the first layer.
        activity_regularizer: a regularizer applied to the layer's outputs.

    Example:
        >>> import flowgrad as tf
        >>> class Scale(tf.keras.layers.Layer):
        ...     def build(self, input_shape):
        ...         self.s = self.add_weight(name="s", shape=(input_shape[-1],),
        ...                                  initializer="ones")
        ...     def call(self, inputs):
        ...         return inputs * self.s
        >>> Scale()(tf.ones((2, 3))).shape
        TensorShape([2, 3])
    """

    _is_layer = True

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        build = cls.__dict__.get("build")
        if build is not None and not getattr(build, "_records_shape", False):
            cls.build = _recording_build(build)

    def __new__(cls, *args, **kwargs):
        obj = super().__new__(cls)
        obj.__dict__["_init_args"] = (args, kwargs)
        return obj

    def __init__(self, trainable=True, name=None, dtype=None, dynamic=False, **kwargs):
        for k in kwargs:
            if k not in _KNOWN_KWARGS:
                raise TypeError(f"Keyword argument not understood: {k!r} (passed to "
                                f"{type(self).__name__}).")
        if name is not None and not isinstance(name, str):
            raise TypeError(f"Layer name must be a string, got {name!r}.")
        if name is not None and "/" in name:
            raise ValueError(f"Layer name {name!r} must not contain '/'.")
        d = self.__dict__
        d["_name"] = name or self._default_name()
        d["_trainable"] = bool(trainable)
        d["built"] = False
        d["_own_weights"] = []
        d["_losses"] = []
        d["_callable_losses"] = []
        d["_inbound_nodes"] = []
        d["_outbound_nodes"] = []
        d["_input_spec"] = None
        d["_spec_ok"] = None
        d["_call_gen"] = None
        d["_supports_masking"] = getattr(self, "_supports_masking", False)
        d["_build_input_shape"] = None
        d["dynamic"] = dynamic
        d["_autocast"] = kwargs.get("autocast", True)
        self._set_dtype_policy(dtype)
        reg = kwargs.get("activity_regularizer")
        d["_activity_regularizer"] = None
        if reg is not None:
            from ._lookup import get_regularizer
            d["_activity_regularizer"] = get_regularizer(reg)
        batch_input_shape = kwargs.get("batch_input_shape")
        if batch_input_shape is None:
            if "input_shape" in kwargs and kwargs["input_shape"] is not None:
                shp = kwargs["input_shape"]
                shp = (shp,) if isinstance(shp, int) else tuple(shp)
                batch_input_shape = (kwargs.get("batch_size"),) + shp
            elif kwargs.get("input_dim") is not None:
                batch_input_shape = (kwargs.get("batch_size"), kwargs["input_dim"])
        d["_batch_input_shape"] = (tuple(batch_input_shape) if batch_input_shape is not None
                                   else None)
        d["_input_dtype"] = kwargs.get("input_dtype")
        d["_initial_weights"] = kwargs.get("weights")

    def _default_name(self):
        return unique_object_name(to_snake_case(type(self).__name__))

    def __getattr__(self, name):
        # Only reached for missing attributes.
        if name.startswith("__"):
            raise AttributeError(name)
        if "_name" not in self.__dict__ and name in (
                "_name", "_trainable", "_own_weights", "built", "_inbound_nodes", "_losses",
                "_dtype_policy", "_input_spec", "_callable_losses", "_autocast"):
            raise RuntimeError(
                f"It looks like you are subclassing `{type(self).__name__}` and forgot to call "
                f"`super().__init__()`. Always start with this line in `__init__`.")
        prop = getattr(type(self), name, None)
        if isinstance(prop, property) and prop.fget is not None:
            prop.fget(self)  # re-raises the property's own, more helpful, AttributeError
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    # -- naming / dtype ---------------------------------------------------------------------------
    @property
    def name(self):
        """The layer's name (unique per name scope unless given explicitly)."""
        return self._name

    @property
    def name_scope(self):
        """A context manager prefixing weight names with this layer's name."""
        return name_scope(self._name)

    def _set_dtype_policy(self, dtype):
        pol = _resolve_policy(dtype)
        d = self.__dict__
        d["_dtype_policy"] = pol
        d["_fast"] = None
        d["_compute_dtype_obj"] = _dtypes.as_dtype(pol.compute_dtype)
        d["_np_compute_dtype"] = np.dtype(d["_compute_dtype_obj"].as_numpy_dtype) \
            if hasattr(d["_compute_dtype_obj"], "as_numpy_dtype") else None

    @property
    def dtype(self):
        """The dtype of the layer's weights, as a string (`"float32"`)."""
        return self._dtype_policy.variable_dtype

    @property
    def variable_dtype(self):
        return self._dtype_policy.variable_dtype

    @property
    def compute_dtype(self):
        """The dtype of the layer's computations; floating inputs are cast to it."""
        return self._dtype_policy.compute_dtype

    @property
    def dtype_policy(self):
        return self._dtype_policy

    @dtype_policy.setter
    def dtype_policy(self, value):
        self._set_dtype_policy(value)

    @property
    def supports_masking(self):
        """Whether the layer passes input masks through (`compute_mask`)."""
        return self._supports_masking

    @supports_masking.setter
    def supports_masking(self, value):
        self.__dict__["_supports_masking"] = bool(value)

    @property
    def input_spec(self):
        """An `InputSpec` (or a list of them) checked on each call, or None."""
        return self._input_spec

    @input_spec.setter
    def input_spec(self, value):
        if value is not None:
            for s in (value if isinstance(value, (list, tuple)) else [value]):
                if s is not None and not isinstance(s, InputSpec):
                    raise TypeError(f"Layer input_spec must be an instance of InputSpec. Got: "
                                    f"{s!r}")
        self.__dict__["_input_spec"] = value
        self.__dict__["_spec_ok"] = None
        self.__dict__["_fast"] = None

    @property
    def activity_regularizer(self):
        return self._activity_regularizer

    @activity_regularizer.setter
    def activity_regularizer(self, value):
        from ._lookup import get_regularizer
        self.__dict__["_activity_regularizer"] = get_regularizer(value)

    # -- trainability -------------------------------------------------------------------------
    @property
    def trainable(self):
        """Whether the layer's weights are trained. Setting it on a model or nested layer sets
        it on every sublayer (Keras 2 behaviour)."""
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        value = bool(value)
        for layer in self._flatten_layers(include_self=True):
            layer.__dict__["_trainable"] = value

    @property
    def stateful(self):
        return getattr(self, "_stateful", False)

    # -- sublayer / variable tracking -----------------------------------------------------------
    def __setattr__(self, name, value):
        if type(value) in (list, dict) and name not in _NOT_TRACKED and _needs_tracking(value):
            value = (_TrackedList if type(value) is list else _TrackedDict)(value, self)
        object.__setattr__(self, name, value)
        self.__dict__["_tracked_cache"] = None

    def __delattr__(self, name):
        object.__delattr__(self, name)
        self.__dict__["_tracked_cache"] = None

    def _invalidate_tracking(self):
        self.__dict__["_tracked_cache"] = None

    def _tracking(self):
        """(sublayers, variables) referenced by attributes (also inside lists, tuples and
        dicts), in attribute order; cached until an attribute or tracked container changes."""
        d = self.__dict__
        cache = d.get("_tracked_cache")
        if cache is None:
            out = []
            for k, v in list(d.items()):
                if k in _NOT_TRACKED:
                    continue
                _collect(v, out, 0)
            layers, variables, seen = [], [], set()
            for v in out:
                if id(v) in seen or v is self:
                    continue
                seen.add(id(v))
                (layers if isinstance(v, Layer) else variables).append(v)
            cache = d["_tracked_cache"] = (layers, variables)
        return cache

    def _tracked_values(self):
        layers, variables = self._tracking()
        return layers + variables

    def _direct_layers(self):
        return list(self._tracking()[0])

    @property
    def _layers(self):
        return self._direct_layers()

    def _flatten_layers(self, include_self=True, recursive=True):
        """Yields this layer and its sublayers, depth first, each once."""
        seen = set()
        stack = [self]
        first = True
        while stack:
            layer = stack.pop(0) if not recursive else stack.pop()
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            if not first or include_self:
                yield layer
            subs = layer._direct_layers()
            if first or recursive:
                if recursive:
                    stack.extend(reversed(subs))
                else:
                    stack.extend(subs)
            first = False

    def _own_variables(self):
        """Variables created by `add_weight`, then Variables set as attributes."""
        own = list(self._own_weights)
        extra = self._tracking()[1]
        if extra:
            ids = {id(v) for v in own}
            for v in extra:
                if id(v) not in ids:
                    ids.add(id(v))
                    own.append(v)
        return own

    @property
    def trainable_weights(self):
        """Trainable variables of this layer and its sublayers (empty when frozen)."""
        if not self._trainable:
            return []
        out = [v for v in self._own_variables() if v.trainable]
        for layer in self._direct_layers():
            out.extend(layer.trainable_weights)
        return _dedup(out)

    @property
    def non_trainable_weights(self):
        """Non-trainable variables of this layer and its sublayers (all of them when frozen)."""
        own = self._own_variables()
        if self._trainable:
            out = [v for v in own if not v.trainable]
            for layer in self._direct_layers():
                out.extend(layer.non_trainable_weights)
        else:
            out = [v for v in own if v.trainable] + [v for v in own if not v.trainable]
            for layer in self._direct_layers():
                out.extend(layer.weights)
        return _dedup(out)

    @property
    def weights(self):
        """All variables: `trainable_weights + non_trainable_weights`."""
        return _dedup(self.trainable_weights + self.non_trainable_weights)

    @property
    def variables(self):
        return self.weights

    @property
    def trainable_variables(self):
        return self.trainable_weights

    @property
    def non_trainable_variables(self):
        return self.non_trainable_weights

    @property
    def submodules(self):
        return list(self._flatten_layers(include_self=False))

    # -- weights ------------------------------------------------------------------------------
    def add_weight(self, name=None, shape=None, dtype=None, initializer=None, regularizer=None,
                   trainable=None, constraint=None, use_resource=None, synchronization=None,
                   aggregation=None, autocast=True, **kwargs):
        """Creates a weight variable of this layer.

        Args:
            name: the weight name (`kernel`, `bias`, ...); the variable is named
                `"<layer name>/<name>:0"`. (Keras 3 order `add_weight(shape, initializer, ...)`
                is accepted too.)
            shape: the weight shape (default: scalar).
            dtype: default the layer's variable dtype.
            initializer: a name, Initializer or callable `(shape, dtype) -> value`; default
                `glorot_uniform` for floats and `zeros` otherwise.
            regularizer: a callable adding `regularizer(weight)` to `layer.losses`.
            trainable: whether training updates it (default True for floating dtypes).
            constraint: applied to the variable by optimizers after each update.

        Returns:
            The flowgrad `Variable`.
        """
        from ._lookup import get_constraint, get_initializer, get_regularizer
        if isinstance(name, (tuple, list, TensorShape, int)) and not isinstance(name, bool):
            # Keras 3 positional order: add_weight(shape, initializer, dtype, trainable, ...)
            new_shape = name
            name = kwargs.pop("name", None)
            if shape is not None and initializer is None:
                initializer = shape
            if isinstance(initializer, bool) and trainable is None:
                trainable = initializer
                initializer = None
            shape = new_shape
        for k in ("getter", "partitioner", "caching_device", "experimental_autocast"):
            kwargs.pop(k, None)
        if kwargs:
            raise TypeError(f"Unknown keyword argument(s) to add_weight: {sorted(kwargs)}")
        if shape is None:
            shape = ()
        shape = (shape,) if isinstance(shape, int) else tuple(
            int(d) if d is not None else None for d in shape)
        if any(d is None for d in shape):
            raise ValueError(f"Weight {name!r} of layer {self.name!r} must have a fully defined "
                             f"shape, got {shape}. Build the layer with a known input shape.")
        dtype = _dtypes.as_dtype(dtype or self._dtype_policy.variable_dtype)
        if initializer is None:
            if dtype.is_floating:
                initializer = "glorot_uniform"
            elif dtype.is_integer or dtype.is_bool:
                initializer = "zeros"
            else:
                raise ValueError(f"An initializer for variable {name} of type {dtype.name} is "
                                 f"required for layer {self.name}")
        init = get_initializer(initializer)
        if trainable is None:
            trainable = dtype.is_floating or dtype.is_complex  # integers cannot be trained
        if name is None:
            name = "Variable" if not self._own_weights else f"Variable_{len(self._own_weights)}"
        prefix = "/".join(_CTX.scopes)
        full = (prefix + "/" if prefix else "") + f"{self.name}/{name}"

        def initial_value():
            v = init(shape, dtype=dtype)
            return v
        var = Variable(initial_value, trainable=bool(trainable), name=full, dtype=dtype,
                       constraint=get_constraint(constraint))
        var._keras_name = name
        self._own_weights.append(var)
        if regularizer is not None:
            reg = get_regularizer(regularizer)
            self._callable_losses.append(lambda v=var, r=reg: r(v))
        return var

    def get_weights(self):
        """The weights' current values, as a list of NumPy arrays (in `weights` order)."""
        return [np.array(v.numpy()) for v in self.weights]

    def set_weights(self, weights):
        """Sets the weights from a list of arrays (in `weights` order).

        Raises:
            ValueError: the list length or an array shape does not match.
        """
        params = self.weights
        weights = list(weights)
        if len(params) != len(weights):
            raise ValueError(
                f'You called `set_weights(weights)` on layer "{self.name}" with a weight list '
                f"of length {len(weights)}, but the layer was expecting {len(params)} weights."
                + ("" if self.built else " The layer is not built yet: call it on data or "
                   "build() it first.")
                + f" Provided weights: {_short_list(weights)}")
        for v, w in zip(params, weights):
            arr = np.asarray(w.numpy() if hasattr(w, "numpy") else w)
            if tuple(v.shape) != arr.shape:
                raise ValueError(
                    f"Layer {self.name} weight shape {tuple(v.shape)} is not compatible with "
                    f"provided weight shape {arr.shape} (weight {v.name!r}).")
            v.assign(arr.astype(v.dtype.as_numpy_dtype if hasattr(v.dtype, "as_numpy_dtype")
                                else v.dtype.name, copy=False))

    def count_params(self):
        """The number of scalars in the layer's weights.

        Raises:
            ValueError: the layer is not built yet.
        """
        if not self.built:
            if type(self).build is Layer.build and not self.weights:
                return 0
            raise ValueError(
                f"You tried to call `count_params` on layer {self.name}, but the layer isn't "
                f"built. You can build it manually via: `{self.name}.build(batch_input_shape)`.")
        return int(sum(int(np.prod(v.shape.as_list())) for v in self.weights))

    # -- build / call -----------------------------------------------------------------------
    def build(self, input_shape):
        """Creates the layer's weights for `input_shape` (a TensorShape, or a list of them).

        The base implementation only records the shape; subclasses create weights here."""
        self.__dict__["_build_input_shape"] = input_shape
        self.built = True

    def call(self, inputs, *args, **kwargs):
        """The layer's computation; the base layer returns its inputs unchanged."""
        return inputs

    def _maybe_build(self, inputs):
        if self.built:
            return
        shapes = _shapes_of(inputs)
        c = _CTX
        c.stack.append(self)
        try:
            # Build with shapes; a build() overridden without an argument is accepted.
            try:
                sig_n = len(inspect.signature(self.build).parameters)
            except (TypeError, ValueError):
                sig_n = 1
            if sig_n == 0:
                self.build()
            else:
                self.build(shapes)
        finally:
            c.stack.pop()
        if self.__dict__.get("_build_input_shape") is None:
            self.__dict__["_build_input_shape"] = shapes
        self.built = True
        if self._initial_weights is not None:
            w = self._initial_weights
            self.__dict__["_initial_weights"] = None
            self.set_weights(w)

    def __call__(self, *args, **kwargs):
        """Calls the layer: builds it on first use, checks and casts the inputs, runs `call`.

        Called on KerasTensors (from `keras.Input`), records a Functional graph node and
        returns KerasTensors.
        """
        d = self.__dict__
        if len(args) == 1 and (not kwargs or (len(kwargs) == 1 and "training" in kwargs)):
            # Fast path: one tensor (or array) of the shape and dtype the previous call
            # validated.
            fast = d.get("_fast")
            x = args[0]
            tx = type(x)
            if fast is not None and (tx is Tensor or tx is np.ndarray) and not (
                    _MASKS and id(x) in _MASKS):
                if tx is np.ndarray:
                    x = _convert_inputs(x)
                v = x._value
                if v.shape == fast[0] and v.dtype == fast[1]:
                    c = _CTX
                    stack = c.stack
                    if not stack:
                        c.gen += 1
                    d["_call_gen"] = c.gen
                    training = kwargs.get("training") if kwargs else None
                    if training is None:
                        training = c.training
                    if training is None and _LP[0] is not None:
                        training = bool(_LP[0])
                    stack.append(self)
                    prev = c.training
                    c.training = training  # nested layers inherit it, as on the slow path
                    try:
                        if fast[2] and training is not None:
                            outputs = self.call(x, training=training)
                        else:
                            outputs = self.call(x)
                    finally:
                        c.training = prev
                        stack.pop()
                    if d["_activity_regularizer"] is not None:
                        self._add_activity_loss(outputs)
                    return outputs
        cs = d.get("_cs")
        if cs is None:
            if "_autocast" not in d:
                raise RuntimeError(
                    f"It looks like you are subclassing `{type(self).__name__}` and forgot to "
                    "call `super().__init__()`. Always start with this line in `__init__`.")
            cs = d["_cs"] = _call_spec(self)
        if args:
            inputs = args[0]
            rest = args[1:]
        else:
            spec = cs
            if spec.first_arg in kwargs:
                inputs = kwargs.pop(spec.first_arg)
            elif "inputs" in kwargs:
                inputs = kwargs.pop("inputs")
            else:
                raise ValueError(f"The first argument to `Layer.call` must always be passed "
                                 f"(layer {self.name!r}).")
            rest = ()
        if type(inputs) is not Tensor:
            if _contains_keras_tensor(inputs) or any(_contains_keras_tensor(a) for a in rest) \
                    or any(_contains_keras_tensor(v) for v in kwargs.values()):
                from .functional import symbolic_call
                return symbolic_call(self, inputs, rest, kwargs)
            inputs = _convert_inputs(inputs)
        converted = inputs
        if type(inputs) is Tensor:
            if d["_autocast"]:
                ndt = inputs._value.dtype
                if ndt != d["_np_compute_dtype"] and ndt.kind == "f":
                    from ...ops.math_ops import cast
                    inputs = cast(inputs, d["_compute_dtype_obj"])
            if not d["built"]:
                self._maybe_build(inputs)
            spec = d["_input_spec"]
            if spec is not None:
                shp = inputs._value.shape
                if shp != d["_spec_ok"]:
                    assert_input_compatibility(spec, inputs, d["_name"])
                    d["_spec_ok"] = shp
        else:
            if d["_autocast"]:
                inputs = _cast_floats(inputs, d["_compute_dtype_obj"], d["_np_compute_dtype"])
            if not d["built"]:
                self._maybe_build(inputs)
            spec = d["_input_spec"]
            if spec is not None:
                assert_input_compatibility(spec, inputs, d["_name"])
        in_mask = None
        if _MASKS and type(inputs) is Tensor and (not kwargs or "mask" not in kwargs):
            in_mask = mask_of(args[0] if args else converted)
            if in_mask is not None and cs.mask:
                kwargs["mask"] = in_mask
        c = _CTX
        if kwargs:
            training = kwargs.get("training")
            if training is None:
                training = c.training
                if training is None:
                    training = _learning_phase()
            if cs.training:
                if training is not None:
                    kwargs["training"] = training
                else:
                    kwargs.pop("training", None)
            elif "training" in kwargs:
                del kwargs["training"]
            if not cs.mask and "mask" in kwargs:
                del kwargs["mask"]
        else:
            training = c.training
            if training is None:
                training = _learning_phase()
            if training is not None and cs.training:
                kwargs = {"training": training}
        stack = c.stack
        if not stack:
            c.gen += 1
        d["_call_gen"] = c.gen
        prev = c.training
        c.training = training
        stack.append(self)
        try:
            outputs = self.call(inputs, *rest, **kwargs)
        finally:
            stack.pop()
            c.training = prev
        if d["_activity_regularizer"] is not None:
            self._add_activity_loss(outputs)
        produces = _mask_producer(self)
        if (produces or in_mask is not None) and isinstance(outputs, Tensor) and \
                type(inputs) is Tensor:
            _attach_mask(outputs, self.compute_mask(inputs, in_mask))
        if len(args) == 1 and inputs is converted and type(inputs) is Tensor and \
                type(args[0]) in (Tensor, np.ndarray) and not produces and \
                (not kwargs or (len(kwargs) == 1 and "training" in kwargs)) and \
                prev is training:
            v = inputs._value
            d["_fast"] = (v.shape, v.dtype, cs.training)
        return outputs

    def _add_activity_loss(self, outputs):
        from ...ops import array_ops, math_ops
        reg = self._activity_regularizer
        for out in _flatten(outputs):
            if isinstance(out, Tensor):
                loss = reg(out)
                if out.shape.rank:
                    batch = array_ops.shape(out)[0]
                    loss = loss / math_ops.cast(batch, _dtypes.as_dtype(loss.dtype)
                                                if hasattr(loss, "dtype") else "float32")
                self.add_loss(loss)

    # -- masks --------------------------------------------------------------------------------
    def compute_mask(self, inputs, mask=None):
        """The output mask: the input mask when `supports_masking`, else None."""
        if not self._supports_masking:
            return None
        return mask

    # -- shapes -------------------------------------------------------------------------------
    def compute_output_shape(self, input_shape):
        """The output shape for `input_shape`. The base implementation builds the layer and
        runs it on dummy data of that shape."""
        from .functional import infer_output_specs
        shapes = _map_leaves(lambda s: TensorShape(s), _as_shape_structure(input_shape))
        specs = _map_leaves(lambda s: KerasTensor(s, self.compute_dtype), shapes)
        out = infer_output_specs(self, specs, (), {}, force_run=True)
        return _map_leaves(lambda t: t.shape, out)

    def compute_output_signature(self, input_signature):
        """tf.keras 2 name of `compute_output_spec` for one input signature."""
        return self.compute_output_spec(input_signature)

    def compute_output_spec(self, *args, **kwargs):
        """Keras 3: KerasTensors describing the outputs for KerasTensor-like inputs."""
        from .functional import infer_output_specs
        inputs = args[0] if args else kwargs.pop("inputs")
        specs = _map_leaves(lambda t: KerasTensor(t.shape, t.dtype), inputs)
        return infer_output_specs(self, specs, args[1:], kwargs)

    # -- losses -------------------------------------------------------------------------------
    def add_loss(self, losses, inputs=None, **kwargs):
        """Adds a loss tensor (or a zero-argument callable) to `layer.losses`.

        Inside `call`, losses are kept until the next call of the outermost layer. Outside
        a call, tensors are kept until the next call; callables are evaluated each time
        `losses` is read. On a Functional model, a loss computed from KerasTensors is
        recomputed on each call of the model.
        """
        for loss in (losses if isinstance(losses, (list, tuple)) else [losses]):
            if loss is None:
                continue
            if callable(loss) and not isinstance(loss, (Tensor, KerasTensor)):
                self._callable_losses.append(loss)
                continue
            if isinstance(loss, KerasTensor) or _contains_keras_tensor(loss):
                self._add_symbolic_loss(loss)
                continue
            c = _CTX
            if c.no_losses:
                continue
            if not isinstance(loss, Tensor):
                from ...ops.array_ops import convert_to_tensor
                loss = convert_to_tensor(loss, dtype="float32")
            gen = c.gen if c.stack else None
            kept = self._losses
            if kept and kept[-1][0] != gen:
                # A new call: losses of earlier calls expire (as Keras clears them).
                kept = self.__dict__["_losses"] = [e for e in kept if e[0] == gen]
            kept.append((gen, loss))

    def _add_symbolic_loss(self, loss):
        raise ValueError(
            f"Layer {self.name!r} received a symbolic (KerasTensor) loss in add_loss; only a "
            "Functional model can hold losses computed from its inputs. Call "
            "model.add_loss(...) on the Model built from those inputs.")

    @property
    def losses(self):
        """Regularization and `add_loss` losses of this layer and its sublayers, from the last
        call (activity losses) and the current weights (weight regularizers)."""
        gen = self._call_gen
        out = []
        for layer in self._flatten_layers(include_self=True):
            for g, loss in layer._losses:
                if g is None or g == gen:
                    out.append(loss)
            for fn in layer._callable_losses:
                v = fn()
                if v is not None:
                    if not isinstance(v, Tensor):
                        from ...ops.array_ops import convert_to_tensor
                        v = convert_to_tensor(v, dtype="float32")
                    out.append(v)
        return out

    def _clear_losses(self):
        for layer in self._flatten_layers(include_self=True):
            layer.__dict__["_losses"] = []

    @property
    def metrics(self):
        return []

    @property
    def updates(self):
        return []

    # -- functional-graph views -------------------------------------------------------------
    def _single_node(self, attr):
        nodes = self._inbound_nodes
        if not nodes:
            raise AttributeError(
                f"Layer {self.name} has no inbound nodes: it has never been called on a "
                f"symbolic input (keras.Input), so it has no defined {attr}. Use it in a "
                "Functional or Sequential model with a known input shape first.")
        if len(nodes) > 1 and attr not in ("input_shape", "output_shape"):
            raise AttributeError(
                f"Layer {self.name} has multiple inbound nodes, hence the notion of \"layer "
                f"{attr}\" is ill-defined. Use `get_{attr}_at(node_index)` instead.")
        return nodes

    @property
    def input(self):
        """The KerasTensor(s) this layer was called on in a Functional graph."""
        return self._single_node("input")[0].input_tensors_struct

    @property
    def output(self):
        """The KerasTensor(s) this layer produced in a Functional graph."""
        return self._single_node("output")[0].output_tensors_struct

    @property
    def input_shape(self):
        nodes = self._single_node("input_shape")
        shapes = {_shape_repr_key(n.input_tensors_struct) for n in nodes}
        if len(shapes) > 1:
            raise AttributeError(f'The layer "{self.name}" has multiple inbound nodes, with '
                                 "different input shapes. Hence the notion of \"input shape\" "
                                 "is ill-defined for the layer.")
        return _to_tuple_shapes(nodes[0].input_tensors_struct)

    @property
    def output_shape(self):
        nodes = self._single_node("output_shape")
        shapes = {_shape_repr_key(n.output_tensors_struct) for n in nodes}
        if len(shapes) > 1:
            raise AttributeError(f'The layer "{self.name}" has multiple inbound nodes, with '
                                 "different output shapes. Hence the notion of \"output shape\""
                                 " is ill-defined for the layer.")
        return _to_tuple_shapes(nodes[0].output_tensors_struct)

    def get_input_at(self, node_index):
        return self._inbound_nodes[node_index].input_tensors_struct

    def get_output_at(self, node_index):
        return self._inbound_nodes[node_index].output_tensors_struct

    def get_input_shape_at(self, node_index):
        return _to_tuple_shapes(self.get_input_at(node_index))

    def get_output_shape_at(self, node_index):
        return _to_tuple_shapes(self.get_output_at(node_index))

    @property
    def inbound_nodes(self):
        return self._inbound_nodes

    @property
    def outbound_nodes(self):
        return self._outbound_nodes

    # -- config -------------------------------------------------------------------------------
    def get_config(self):
        """The layer's constructor arguments as a JSON-friendly dict (`from_config` inverse).

        A subclass whose `__init__` takes extra arguments should override this and extend
        `super().get_config()`; otherwise the arguments it was constructed with are used when
        they are plain Python values.
        """
        config = {"name": self.name, "trainable": self.trainable,
                  "dtype": self._dtype_policy.name}
        if self._batch_input_shape is not None:
            config["batch_input_shape"] = self._batch_input_shape
        cls = type(self)
        if cls.get_config is Layer.get_config and cls.__init__ is not Layer.__init__:
            args, kwargs = self._init_args
            try:
                bound = inspect.signature(cls.__init__).bind(None, *args, **kwargs)
            except TypeError:
                bound = None
            extra = {}
            if bound is not None:
                for k, v in list(bound.arguments.items())[1:]:
                    p = inspect.signature(cls.__init__).parameters[k]
                    if p.kind == p.VAR_KEYWORD:
                        extra.update(v)
                    elif p.kind != p.VAR_POSITIONAL:
                        extra[k] = v
            for k, v in extra.items():
                if not _jsonable(v):
                    raise NotImplementedError(
                        f"Layer {cls.__name__} has argument {k!r} in `__init__` that is not a "
                        "plain Python value, and therefore must override `get_config()`.")
                config.setdefault(k, v)
        return config

    def get_build_config(self):
        """Keras 3: `{"input_shape": ...}` recorded at build time (None if not built)."""
        shape = self._build_input_shape
        if shape is None:
            return None
        return {"input_shape": _map_leaves(
            lambda s: tuple(s.as_list()) if isinstance(s, TensorShape) and s.rank is not None
            else s, shape)}

    def build_from_config(self, config):
        """Keras 3: builds the layer from `get_build_config()`'s output."""
        if config and config.get("input_shape") is not None and not self.built:
            shape = _as_shape_structure(config["input_shape"])
            self.build(shape)
            self.built = True

    @classmethod
    def from_config(cls, config):
        """Creates a layer from `get_config()`'s output."""
        config = dict(config)
        if isinstance(config.get("dtype"), dict):
            config["dtype"] = config["dtype"].get("config", {}).get("name", "float32")
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__module__}.{type(self).__name__} object '{self.name}'>"

    # -- misc ---------------------------------------------------------------------------------
    def __setstate__(self, state):
        self.__dict__.update(state)

    def __reduce_ex__(self, protocol):
        return object.__reduce_ex__(self, protocol)

    def _get_trainable_state(self):
        return {id(layer): layer._trainable for layer in self._flatten_layers()}

    def _set_trainable_state(self, state):
        for layer in self._flatten_layers():
            if id(layer) in state:
                layer.__dict__["_trainable"] = state[id(layer)]


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------
def _collect(v, out, depth):
    if isinstance(v, (Layer, Variable)):
        out.append(v)
    elif depth < 4:
        if isinstance(v, (list, tuple)):
            for e in v:
                _collect(e, out, depth + 1)
        elif isinstance(v, dict):
            for e in v.values():
                _collect(e, out, depth + 1)


def _recording_build(build):
    """Wraps a subclass's `build` so that calling it (directly too) records the input shape
    and marks the layer built, as Keras 3 does."""
    import functools

    @functools.wraps(build)
    def wrapped(self, *args, **kwargs):
        out = build(self, *args, **kwargs)
        d = self.__dict__
        if d.get("_build_input_shape") is None:
            shape = args[0] if args else kwargs.get("input_shape")
            if shape is not None:
                d["_build_input_shape"] = shape
        d["built"] = True
        return out
    wrapped._records_shape = True
    return wrapped


def _needs_tracking(value):
    """Lists / dicts that are empty (they may receive layers later) or hold layers or
    variables are wrapped so that their mutations are noticed."""
    if not value:
        return True
    vals = value.values() if isinstance(value, dict) else value
    return any(isinstance(v, (Layer, Variable, list, dict)) for v in vals)


class _TrackedList(list):
    """A list attribute of a layer: mutating it refreshes the layer's tracked sublayers."""

    def __init__(self, values, owner):
        super().__init__(values)
        self._owner = owner

    def _touch(self):
        owner = getattr(self, "_owner", None)
        if owner is not None:
            owner.__dict__["_tracked_cache"] = None

    def __reduce_ex__(self, protocol):
        return list, (list(self),)


class _TrackedDict(dict):
    """A dict attribute of a layer: mutating it refreshes the layer's tracked sublayers."""

    def __init__(self, values, owner):
        super().__init__(values)
        self._owner = owner

    _touch = _TrackedList._touch

    def __reduce_ex__(self, protocol):
        return dict, (dict(self),)


def _mutator(base, name):
    method = getattr(base, name)

    def wrapped(self, *args, **kwargs):
        result = method(self, *args, **kwargs)
        self._touch()
        return result
    wrapped.__name__ = name
    return wrapped


for _n in ("append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse",
           "__setitem__", "__delitem__", "__iadd__", "__imul__"):
    setattr(_TrackedList, _n, _mutator(list, _n))
for _n in ("__setitem__", "__delitem__", "pop", "popitem", "clear", "update", "setdefault"):
    setattr(_TrackedDict, _n, _mutator(dict, _n))


def _jsonable(v):
    if v is None or isinstance(v, (str, int, float, bool)):
        return True
    if isinstance(v, (list, tuple)):
        return all(_jsonable(e) for e in v)
    if isinstance(v, dict):
        return all(isinstance(k, str) and _jsonable(e) for k, e in v.items())
    return False


def _short_list(weights):
    parts = []
    for w in weights[:4]:
        s = np.shape(w.numpy() if hasattr(w, "numpy") else w)
        parts.append(f"array of shape {s}")
    more = ", ..." if len(weights) > 4 else ""
    return "[" + ", ".join(parts) + more + "]"


def _as_shape_structure(s):
    """Input shapes given as a tuple of ints, a TensorShape, or a list / dict of those."""
    if isinstance(s, TensorShape):
        return s
    if isinstance(s, dict):
        return {k: _as_shape_structure(v) for k, v in s.items()}
    if isinstance(s, (list, tuple)):
        if all(d is None or isinstance(d, (int, np.integer)) for d in s):
            return TensorShape(s)
        return [_as_shape_structure(e) for e in s]
    return TensorShape(s)


def _shape_tuple(shape):
    if shape is None or shape.rank is None:
        return None
    return tuple(shape.as_list())


def _to_tuple_shapes(struct):
    return _map_leaves(lambda t: _shape_tuple(t.shape), struct)


def _shape_repr_key(struct):
    return repr(_to_tuple_shapes(struct))
