"""Core layers: Dense, Activation, Dropout, Flatten, Reshape, Permute, RepeatVector, Lambda and
ActivityRegularization."""

import base64
import importlib
import inspect
import marshal
import math
import sys
import types

import numpy as np

from ...backend import NUMPY as _NUMPY
from ...core.context import ctx as _ctx
from ...core.registry import REGISTRY as _REGISTRY
from ...core.tensor import Tensor
from ...core.tensor_shape import TensorShape
from ...core.variable import Variable
from ...ops import array_ops, linalg_ops, math_ops, nn_ops
from ..engine import _lookup
from ..engine.base_layer import Layer
from ..engine.input_spec import InputSpec

_LINEAR = []


def _is_linear(fn):
    """Whether `fn` is the identity activation (skipped in `call`)."""
    if fn is None:
        return True
    if not _LINEAR:
        _LINEAR.append(_lookup.get_activation("linear"))
        _LINEAR.append(_lookup._linear)
    return fn is _LINEAR[0] or fn is _LINEAR[1]


_FAST = {}


def _fast_kernels():
    """Kernels for the fused eager path of Dense: NumPy's matmul and add (what the MatMul and
    AddV2 ops run on the CPU backend) and the registered CPU kernels of common activations,
    keyed by activation function."""
    if not _FAST:
        acts = _lookup._module("activations")
        relu = _REGISTRY["Relu"].cpu
        table = {}
        if acts is not None:
            table[acts.relu] = relu
            table[acts.sigmoid] = _REGISTRY["Sigmoid"].cpu
            table[acts.tanh] = _REGISTRY["Tanh"].cpu
            table[acts.softmax] = _softmax_last
            table[acts.linear] = None
        table[nn_ops.relu] = relu
        table[_lookup._linear] = None
        _FAST["act"] = table
    return _FAST


def _softmax_last(a):
    """Softmax over the last axis, the Softmax kernel's formula (max-shifted exp over its sum)
    written with ndarray methods, which cost less per call than the module functions."""
    if a.shape[-1] == 0:
        return np.zeros_like(a)
    e = np.exp(a - a.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _plain_eager():
    """True when no GradientTape records, no trace is active and the CPU backend runs: then a
    layer may run op kernels back to back without dispatch (nothing would record them)."""
    c = _ctx
    return not c.tapes and c.graph is None and c.backend is _NUMPY


def _shape_list(shape):
    return None if shape is None or shape.rank is None else shape.as_list()


def _static_or_dynamic(x):
    """The shape of `x` as a tuple when fully known, else the dynamic shape tensor."""
    s = x.shape
    if s.is_fully_defined():
        return tuple(s.as_list())
    return array_ops.shape(x)


# ---------------------------------------------------------------------------------------------
class Dense(Layer):
    """A densely connected layer: `activation(inputs @ kernel + bias)`.

    Args:
        units: the output size.
        activation: an activation name or function (default: none, linear).
        use_bias: whether to add a bias.
        kernel_initializer / bias_initializer: default `glorot_uniform` / `zeros`.
        kernel_regularizer / bias_regularizer / activity_regularizer: optional regularizers.
        kernel_constraint / bias_constraint: optional constraints.

    Inputs of rank > 2 are multiplied along their last axis: `(batch, d0, ..., input_dim)`
    gives `(batch, d0, ..., units)`. Weights: `kernel` of shape `(input_dim, units)`, `bias`
    of shape `(units,)`.
    """

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        try:
            units = int(units) if not isinstance(units, bool) and int(units) == units else units
        except (TypeError, ValueError):
            pass
        if not isinstance(units, int) or units <= 0:
            raise ValueError(f"Received an invalid value for `units`, expected a positive "
                             f"integer. Received: units={units!r}")
        self.units = units
        self.activation = _lookup.get_activation(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = _lookup.get_initializer(kernel_initializer)
        self.bias_initializer = _lookup.get_initializer(bias_initializer)
        self.kernel_regularizer = _lookup.get_regularizer(kernel_regularizer)
        self.bias_regularizer = _lookup.get_regularizer(bias_regularizer)
        self.kernel_constraint = _lookup.get_constraint(kernel_constraint)
        self.bias_constraint = _lookup.get_constraint(bias_constraint)
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True

    def build(self, input_shape):
        input_shape = TensorShape(input_shape)
        last_dim = input_shape[-1] if input_shape.rank else None
        if last_dim is None:
            raise ValueError(f"The last dimension of the inputs to a Dense layer should be "
                             f"defined. Found None. Full input shape received: {input_shape}")
        self.kernel = self.add_weight("kernel", shape=[last_dim, self.units],
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint, dtype=self.dtype,
                                      trainable=True)
        if self.use_bias:
            self.bias = self.add_weight("bias", shape=[self.units],
                                        initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint, dtype=self.dtype,
                                        trainable=True)
        else:
            self.bias = None
        self.input_spec = InputSpec(min_ndim=2, axes={-1: last_dim})
        self.built = True

    def call(self, inputs):
        c = _ctx
        if type(inputs) is Tensor and not c.tapes and c.graph is None and c.backend is _NUMPY:
            out = self._fused(inputs)
            if out is not None:
                return out
        dt = self._compute_dtype_obj
        if inputs.dtype != dt:
            inputs = math_ops.cast(inputs, dt)
        kernel, bias = self.kernel, self.bias
        if kernel.dtype != dt:  # mixed precision: float32 variables, 16-bit compute
            kernel = math_ops.cast(kernel, dt)
            bias = math_ops.cast(bias, dt) if bias is not None else None
        outputs = linalg_ops.matmul(inputs, kernel)
        if self.use_bias:
            outputs = math_ops.add(outputs, bias)
        act = self.activation
        if not _is_linear(act):
            outputs = act(outputs)
        return outputs

    def _fused(self, inputs):
        """Eager inference without per-op dispatch: matmul, bias and activation kernels back to
        back (only while no tape records and no trace runs). Returns None when the general
        path is needed."""
        x = inputs._value
        kernel = self.__dict__.get("kernel")
        if type(x) is not np.ndarray or x.dtype != self._np_compute_dtype or \
                type(kernel) is not Variable:
            return None
        k = kernel._value
        if k.dtype != x.dtype or type(k) is not np.ndarray:
            return None
        act = self.activation
        table = (_FAST or _fast_kernels())["act"]
        try:
            known = act in table
        except TypeError:  # an unhashable callable
            known = False
        out = np.matmul(x, k)
        if self.use_bias:
            out = np.add(out, self.bias._value)
        if known:
            act_kernel = table[act]
            if act_kernel is not None:
                out = act_kernel(out)
            t = Tensor.__new__(Tensor)
            t._value = out
            return t
        t = Tensor.__new__(Tensor)
        t._value = out
        return act(t)

    def compute_output_shape(self, input_shape):
        input_shape = TensorShape(input_shape)
        if input_shape.rank is None or input_shape.rank < 1 or input_shape[-1] is None:
            raise ValueError(f"The last dimension of the input shape of a Dense layer should be "
                             f"defined. Found None. Received: input_shape={input_shape}")
        return TensorShape(input_shape.as_list()[:-1] + [self.units])

    def get_config(self):
        config = super().get_config()
        config.update({
            "units": self.units,
            "activation": _lookup.serialize_activation(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": _lookup.serialize_initializer(self.kernel_initializer),
            "bias_initializer": _lookup.serialize_initializer(self.bias_initializer),
            "kernel_regularizer": _lookup.serialize_regularizer(self.kernel_regularizer),
            "bias_regularizer": _lookup.serialize_regularizer(self.bias_regularizer),
            "activity_regularizer": _lookup.serialize_regularizer(self.activity_regularizer),
            "kernel_constraint": _lookup.serialize_constraint(self.kernel_constraint),
            "bias_constraint": _lookup.serialize_constraint(self.bias_constraint),
        })
        return config


# ---------------------------------------------------------------------------------------------
class Activation(Layer):
    """Applies an activation function: `Activation("relu")(x)`.

    Args:
        activation: a name (`"relu"`, `"softmax"`, ...) or a callable.
    """

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.activation = _lookup.get_activation(activation)

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["activation"] = _lookup.serialize_activation(self.activation)
        return config


# ---------------------------------------------------------------------------------------------
class Dropout(Layer):
    """Randomly sets a fraction `rate` of inputs to 0 during training, scaling the others by
    `1 / (1 - rate)`; the identity at inference.

    Args:
        rate: the fraction to drop, in [0, 1].
        noise_shape: the shape of the binary mask (None entries take the input's dims), e.g.
            `(batch, 1, features)` to drop the same features at every timestep.
        seed: a Python int seed.
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(rate, (int, float)) and not 0 <= rate <= 1:
            raise ValueError(f"Invalid value {rate} received for `rate`, expected a value "
                             f"between 0 and 1.")
        self.rate = rate
        self.noise_shape = tuple(noise_shape) if noise_shape is not None else None
        self.seed = seed
        self.supports_masking = True

    def call(self, inputs, training=None):
        if training and not isinstance(training, Tensor) and self.rate > 0:
            if self.rate >= 1:
                return array_ops.zeros_like(inputs)
            noise_shape = self.noise_shape
            if noise_shape is not None:
                shape = inputs.shape.as_list()
                noise_shape = [shape[i] if d is None else d for i, d in enumerate(noise_shape)]
            return nn_ops.dropout(inputs, rate=self.rate, noise_shape=noise_shape,
                                  seed=self.seed)
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "noise_shape": self.noise_shape, "seed": self.seed})
        return config


# ---------------------------------------------------------------------------------------------
class Flatten(Layer):
    """Flattens each sample: `(batch, d1, d2, ...)` -> `(batch, d1 * d2 * ...)`; a rank-1 input
    becomes `(batch, 1)`.

    Args:
        data_format: `"channels_last"` (default) or `"channels_first"` (moves the channels
            last first, so the flattened order matches channels-last models).
    """

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = _data_format(data_format)
        self.input_spec = InputSpec(min_ndim=1)

    def call(self, inputs):
        if (type(inputs) is Tensor and not _ctx.tapes and _ctx.graph is None
                and self.data_format != "channels_first"):
            v = inputs._value  # eager and unrecorded: a plain reshape, no dispatch
            if v.ndim > 1 and isinstance(v, np.ndarray):
                out = Tensor.__new__(Tensor)
                out._value = v.reshape(v.shape[0], -1) if v.shape[0] else \
                    v.reshape(0, math.prod(v.shape[1:]))
                return out
        shape = inputs.shape
        rank = shape.rank
        if self.data_format == "channels_first" and rank is not None and rank > 2:
            inputs = array_ops.transpose(inputs, [0] + list(range(2, rank)) + [1])
            shape = inputs.shape
        if rank == 1:
            return array_ops.expand_dims(inputs, 1)
        dims = shape.as_list()
        rest = dims[1:]
        if all(d is not None for d in rest):
            return array_ops.reshape(inputs, (-1, math.prod(rest)))
        if dims[0] is not None:
            return array_ops.reshape(inputs, (dims[0], -1))
        return array_ops.reshape(inputs, array_ops.stack([array_ops.shape(inputs)[0], -1]))

    def compute_output_shape(self, input_shape):
        dims = TensorShape(input_shape).as_list()
        if not dims:
            return TensorShape([1])
        if len(dims) == 1:
            return TensorShape([dims[0], 1])
        rest = dims[1:]
        n = math.prod(rest) if all(d is not None for d in rest) else None
        return TensorShape([dims[0], n])

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config


def _data_format(value):
    if value is None:
        try:
            from .. import backend
            return backend.image_data_format()
        except ImportError:  # pragma: no cover
            return "channels_last"
    value = str(value).lower()
    if value not in ("channels_last", "channels_first"):
        raise ValueError(f"The `data_format` argument must be one of \"channels_first\", "
                         f"\"channels_last\". Received: {value}")
    return value


# ---------------------------------------------------------------------------------------------
class Reshape(Layer):
    """Reshapes each sample to `target_shape` (without the batch dimension; one entry may be
    -1).

    Example: `Reshape((3, 4))` turns `(batch, 12)` into `(batch, 3, 4)`.
    """

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        if isinstance(target_shape, int):
            target_shape = (target_shape,)
        self.target_shape = tuple(int(d) for d in target_shape)
        if sum(1 for d in self.target_shape if d == -1) > 1:
            raise ValueError(f"There must be at most one unknown dimension (-1) in "
                             f"target_shape. Received: target_shape={self.target_shape}")
        if any(d < -1 for d in self.target_shape):
            raise ValueError(f"Invalid target_shape {self.target_shape}: dimensions must be "
                             "positive, or -1 for one unknown dimension.")

    def _resolve(self, input_dims):
        """target_shape with -1 filled from the known input size, or None if unknown."""
        target = list(self.target_shape)
        if -1 not in target:
            return target
        rest = input_dims[1:]
        if any(d is None for d in rest):
            return None
        total = math.prod(rest)
        known = math.prod(d for d in target if d != -1)
        if known == 0 or total % known:
            raise ValueError(
                f"The total size of the output must be unchanged: input_shape = "
                f"{list(rest)}, output_shape = {target}. Received: {tuple(input_dims)}")
        target[target.index(-1)] = total // known
        return target

    def _check(self, input_dims, target):
        rest = input_dims[1:]
        if target is not None and all(d is not None for d in rest) and \
                math.prod(rest) != math.prod(target):
            raise ValueError(
                f"total size of new array must be unchanged, input_shape = {list(rest)}, "
                f"output_shape = {list(self.target_shape)}")

    def call(self, inputs):
        dims = inputs.shape.as_list()
        target = self._resolve(dims)
        self._check(dims, target)
        if target is None:
            return array_ops.reshape(inputs, [dims[0] if dims[0] is not None else -1]
                                     + list(self.target_shape))
        return array_ops.reshape(inputs, [-1] + target if dims[0] is None or
                                 math.prod(target) != 0 else [dims[0]] + target)

    def compute_output_shape(self, input_shape):
        dims = TensorShape(input_shape).as_list()
        target = self._resolve(dims)
        self._check(dims, target)
        if target is None:
            target = [None if d == -1 else d for d in self.target_shape]
        return TensorShape([dims[0]] + target)

    def get_config(self):
        config = super().get_config()
        config["target_shape"] = self.target_shape
        return config


# ---------------------------------------------------------------------------------------------
class Permute(Layer):
    """Permutes the non-batch dimensions: `Permute((2, 1))` swaps the two axes of
    `(batch, a, b)`. Indices start at 1."""

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(int(d) for d in dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(f"Invalid permutation argument `dims` for Permute Layer. The set of "
                             f"indices in `dims` must be consecutive and start from 1. Received "
                             f"dims={dims}")
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)

    def call(self, inputs):
        return array_ops.transpose(inputs, (0,) + self.dims)

    def compute_output_shape(self, input_shape):
        dims = TensorShape(input_shape).as_list()
        return TensorShape([dims[0]] + [dims[d] for d in self.dims])

    def get_config(self):
        config = super().get_config()
        config["dims"] = self.dims
        return config


# ---------------------------------------------------------------------------------------------
class RepeatVector(Layer):
    """Repeats a `(batch, features)` input `n` times: `(batch, n, features)`."""

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(n, int):
            raise TypeError(f"Expected an integer value for `n`, got {type(n).__name__}.")
        self.n = n
        self.input_spec = InputSpec(ndim=2)

    def call(self, inputs):
        from ...ops.indexing_ops import tile
        return tile(array_ops.expand_dims(inputs, 1), [1, self.n, 1])

    def compute_output_shape(self, input_shape):
        dims = TensorShape(input_shape).as_list()
        return TensorShape([dims[0], self.n, dims[1]])

    def get_config(self):
        config = super().get_config()
        config["n"] = self.n
        return config


# ---------------------------------------------------------------------------------------------
def _serialize_function(fn):
    """(payload, function_type, module) for a Lambda's function."""
    module = getattr(fn, "__module__", None)
    name = getattr(fn, "__name__", None)
    if isinstance(fn, types.FunctionType) and name != "<lambda>" and module and \
            fn.__closure__ is None and "<locals>" not in getattr(fn, "__qualname__", ""):
        return name, "function", module
    if isinstance(fn, types.FunctionType):
        # dump a reloaded copy: marshal's reference flags then match what a clone dumps
        raw = marshal.dumps(marshal.loads(marshal.dumps(fn.__code__)))
        code = base64.b64encode(raw).decode("ascii")
        closure = tuple(c.cell_contents for c in fn.__closure__) if fn.__closure__ else None
        return (code, fn.__defaults__, closure), "lambda", module
    return name or repr(fn), "function", module


def _module_globals(module):
    if module and module in sys.modules:
        return sys.modules[module].__dict__
    if module:
        try:
            return importlib.import_module(module).__dict__
        except ImportError:
            pass
    import numpy

    import flowgrad
    return {"tf": flowgrad, "np": numpy, "flowgrad": flowgrad, "__builtins__": __builtins__}


def _deserialize_function(payload, function_type, module, custom_objects=None):
    if function_type == "lambda":
        code_b64, defaults, closure = payload
        code = marshal.loads(base64.b64decode(code_b64.encode("ascii")))
        cells = tuple(types.CellType(v) for v in closure) if closure else None
        defaults = tuple(defaults) if defaults is not None else None
        return types.FunctionType(code, _module_globals(module), code.co_name, defaults, cells)
    if callable(payload):
        return payload
    if custom_objects and payload in custom_objects:
        return custom_objects[payload]
    g = _module_globals(module)
    if payload in g:
        return g[payload]
    raise ValueError(f"Unknown function {payload!r} for a Lambda layer (module {module!r}); pass "
                     "it in custom_objects.")


class Lambda(Layer):
    """Wraps an arbitrary function of tensors as a layer: `Lambda(lambda x: x ** 2)`.

    Args:
        function: called as `function(inputs, **arguments)` (also with `mask=` / `training=`
            when it takes them).
        output_shape: the output shape (without batch) or a function of the input shape; by
            default it is found by running the function.
        mask: an output mask, or a function `(inputs, mask) -> mask`.
        arguments: extra keyword arguments for `function`.
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Lambda expects a callable `function`, got {function!r}.")
        self.function = function
        self.arguments = dict(arguments or {})
        self._output_shape = output_shape
        self.mask = mask
        self.supports_masking = mask is not None
        self.__dict__["_infer_by_running"] = output_shape is None
        try:
            params = inspect.signature(function).parameters
        except (TypeError, ValueError):
            params = {}
        self._fn_mask = "mask" in params
        self._fn_training = "training" in params
        self.built = True

    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        if self._fn_mask:
            kwargs["mask"] = mask
        if self._fn_training:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_mask(self, inputs, mask=None):
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            return Layer.compute_output_shape(self, input_shape)
        if callable(self._output_shape):
            out = self._output_shape(input_shape)
            return TensorShape(out) if isinstance(out, (tuple, list)) and all(
                d is None or isinstance(d, int) for d in out) else out
        shape = TensorShape(input_shape) if not isinstance(input_shape, list) else \
            TensorShape(input_shape[0])
        batch = shape[0] if shape.rank else None
        return TensorShape([batch] + list(self._output_shape))

    def get_config(self):
        payload, ftype, module = _serialize_function(self.function)
        config = super().get_config()
        config.update({"function": payload, "function_type": ftype, "module": module,
                       "arguments": self.arguments})
        if self._output_shape is not None:
            if callable(self._output_shape):
                p, t, m = _serialize_function(self._output_shape)
                config.update({"output_shape": p, "output_shape_type": t,
                               "output_shape_module": m})
            else:
                config.update({"output_shape": self._output_shape, "output_shape_type": "raw",
                               "output_shape_module": None})
        if self.mask is not None:
            if callable(self.mask):
                p, t, m = _serialize_function(self.mask)
                config.update({"mask": p, "mask_type": t, "mask_module": m})
            else:
                config.update({"mask": self.mask, "mask_type": "raw"})
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        fn = _deserialize_function(config.pop("function"), config.pop("function_type", "lambda"),
                                   config.pop("module", None), custom_objects)
        shape_type = config.pop("output_shape_type", "raw")
        shape_module = config.pop("output_shape_module", None)
        if "output_shape" in config and shape_type != "raw":
            config["output_shape"] = _deserialize_function(config["output_shape"], shape_type,
                                                           shape_module, custom_objects)
        mask_type = config.pop("mask_type", "raw")
        mask_module = config.pop("mask_module", None)
        if config.get("mask") is not None and mask_type != "raw":
            config["mask"] = _deserialize_function(config["mask"], mask_type, mask_module,
                                                   custom_objects)
        if isinstance(config.get("dtype"), dict):
            config["dtype"] = config["dtype"].get("config", {}).get("name", "float32")
        return cls(fn, **config)


# ---------------------------------------------------------------------------------------------
class ActivityRegularization(Layer):
    """Passes its input through and adds `l1 * sum(|x|) + l2 * sum(x**2)` (divided by the batch
    size, as tf.keras 2 does) to the model's losses."""

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        from ..engine._lookup import _module
        regs = _module("regularizers")
        reg = regs.L1L2(l1=l1, l2=l2) if regs is not None else _lookup._L1L2(l1, l2)
        super().__init__(activity_regularizer=reg, **kwargs)
        self.supports_masking = True
        self.l1 = l1
        self.l2 = l2

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"l1": self.l1, "l2": self.l2})
        return config
