"""The Optimizer base class (Keras 2.11+ / Keras 3 behaviour).

An update (`apply_gradients` / `apply`) runs, in Keras' order: drop None gradients → unscale
(`loss_scale_factor`) → clip (`clipnorm` | `clipvalue` | `global_clipnorm`) → decoupled weight
decay → the optimizer's update rule → moving averages (`use_ema`) → variable constraints →
`iterations += 1`. With `gradient_accumulation_steps=N` the middle steps run on the mean of N
gradients and take effect every N-th call.

The update path is written with flowgrad ops and `Variable.assign*` only (no `.numpy()`, no
Python branching on tensor values), so it can run inside a traced `tf.function`. The learning
rate lives in a float32 Variable (or is a schedule evaluated from `iterations` at each step), so
changing it takes effect in an already-traced step.

Optimizer state is the flat list `optimizer.variables`, in creation order: `iteration`,
`learning_rate` (absent with a schedule or callable), then the per-variable state that `build`
creates (EMA averages, gradient accumulators, then the rule's slots, in Keras 3's order and
names, e.g. Adam's `dense_kernel_momentum`, `dense_kernel_velocity`). `get_weights` /
`set_weights` and `save_own_variables` / `load_own_variables` read and write it as arrays.
"""

import inspect
import re
import warnings

import numpy as np

from ... import dtypes as _dtypes
from ...core.context import device as _device
from ...core.convert import convert_to_tensor
from ...core.tape import GradientTape
from ...core.variable import Variable
from ...ops import array_ops as _a
from ...ops import math_ops as _m
from . import schedules as _schedules

_float32 = _dtypes.float32
_NAME_COUNTS = {}
# Keyword arguments older configs carry that have no meaning here.
_IGNORED_KWARGS = ("is_legacy_optimizer", "jit_compile")


def _snake_case(name):
    s = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", s).lower()


def _unique_name(base):
    n = _NAME_COUNTS.get(base, 0)
    _NAME_COUNTS[base] = n + 1
    return base if n == 0 else f"{base}_{n}"


def _reference_name(variable):
    """The name optimizer state for `variable` derives from: Keras' `path` if the variable has
    one, else its name without the ':0' suffix; '/' and ':' become '_'."""
    path = getattr(variable, "path", None)
    name = path if isinstance(path, str) and path else str(variable.name)
    name = name.removesuffix(":0")
    return name.replace("/", "_").replace(":", "_")


def _variable_label(variable):
    path = getattr(variable, "path", None)
    return path if isinstance(path, str) and path else variable.name


def _constants(dtype, *values):
    """Python hyperparameters as `dtype` scalar tensors, made once per step so that the
    per-variable ops get tensor operands (cheaper than converting a Python float each time)."""
    return tuple(convert_to_tensor(v, dtype=dtype) for v in values)


class _VariableList(list):
    """A list that can also be called: Keras 3 reads `optimizer.variables`, tf.keras 2.x code
    calls `optimizer.variables()`; both get the list."""

    def __call__(self):
        return self


class Optimizer:
    """The base class of Keras optimizers.

    Subclasses follow Keras 3's protocol: `build(var_list)` creates per-variable state with
    `add_variable_from_reference` after calling `super().build(var_list)`, and
    `update_step(gradient, variable, learning_rate)` updates one variable with flowgrad ops and
    `assign*`. (The built-in optimizers instead implement `_coefficients` / `_update`, so that the
    per-step scalar work is done once per step rather than once per variable.)

    Args:
        learning_rate: a float, a `LearningRateSchedule`, or a zero-argument callable.
        weight_decay: if set, each step first does `var -= var * weight_decay * lr`
            (decoupled weight decay), except for variables excluded by
            `exclude_from_weight_decay`.
        clipnorm: clip each gradient to this L2 norm.
        clipvalue: clip each gradient element to [-clipvalue, clipvalue].
        global_clipnorm: scale all gradients so that their global L2 norm is at most this.
        use_ema: keep exponential moving averages of the trained variables.
        ema_momentum: the averages' momentum.
        ema_overwrite_frequency: with `use_ema`, overwrite the variables with their averages
            every this many steps; None: only in `finalize_variable_values`.
        loss_scale_factor: gradients are divided by this (see `scale_loss`).
        gradient_accumulation_steps: update every this many calls, with the mean gradient.
        name: the optimizer's name (default: the class name in snake case, made unique).
        **kwargs: legacy arguments: `lr` (the learning rate) and `decay` (the legacy
            `lr / (1 + decay * iterations)` decay).

    Raises:
        ValueError: more than one clipping argument, an invalid EMA or accumulation setting, or
            an unknown keyword argument.
    """

    # (slot name, attribute holding the per-variable list), in the order `variables` lists them.
    _SLOTS = ()
    # Legacy (tf.keras 2.x) slot names accepted by `get_slot`, mapped to the names above.
    _SLOT_ALIASES = {}

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        if "lr" in kwargs:
            learning_rate = kwargs.pop("lr")
        decay = kwargs.pop("decay", None)
        for k in _IGNORED_KWARGS:
            kwargs.pop(k, None)
        if kwargs:
            raise ValueError(f"Argument(s) not recognized: {kwargs}. {type(self).__name__} "
                             "accepts learning_rate, weight_decay, clipnorm, clipvalue, "
                             "global_clipnorm, use_ema, ema_momentum, ema_overwrite_frequency, "
                             "loss_scale_factor, gradient_accumulation_steps, name and its own "
                             "hyperparameters.")
        if sum(a is not None for a in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError(
                "Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. Received: "
                f"clipnorm={clipnorm}, clipvalue={clipvalue}, global_clipnorm={global_clipnorm}")
        if use_ema:
            if not 0 <= ema_momentum <= 1:
                raise ValueError("`ema_momentum` must be in the range [0, 1]. Received: "
                                 f"ema_momentum={ema_momentum}")
            if ema_overwrite_frequency and (not isinstance(ema_overwrite_frequency, int)
                                            or ema_overwrite_frequency < 1):
                raise ValueError("`ema_overwrite_frequency` must be an integer >= 1 or None. "
                                 f"Received: ema_overwrite_frequency={ema_overwrite_frequency}")
        if gradient_accumulation_steps is not None and not (
                isinstance(gradient_accumulation_steps, int) and gradient_accumulation_steps >= 2):
            raise ValueError("`gradient_accumulation_steps` must be an integer >= 2. Received: "
                             f"gradient_accumulation_steps={gradient_accumulation_steps}")
        if decay is not None and decay < 0:
            raise ValueError(f"`decay` cannot be less than 0. Received: decay={decay}.")
        self.name = name if name is not None else _unique_name(_snake_case(type(self).__name__))
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        self.use_ema = use_ema
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self._decay = float(decay) if decay else 0.0
        self.built = False
        self._variables = []
        self._trainable_variables = []
        self._index = {}                 # id(model variable) -> its position
        self._averages = []              # EMA state, one per model variable
        self._accumulators = []          # gradient accumulation state
        self._exclude_ids = set()
        self._exclude_pattern = None
        cls = type(self)
        self._fused = cls.update_step is Optimizer.update_step and cls._update is not \
            Optimizer._update
        self._update_step_takes_rate = None
        self._iterations = self._track(
            Variable(np.int64(0), trainable=False, name="iteration"))
        self._one = convert_to_tensor(np.int64(1))   # the per-step increment, converted once
        self._learning_rate = None
        self._set_learning_rate(learning_rate)

    # -- variables ---------------------------------------------------------------------------
    def _track(self, variable):
        self._variables.append(variable)
        return variable

    @property
    def iterations(self):
        """The number of updates applied: an int64 Variable (with gradient accumulation, the
        number of accumulated updates, as Keras 3 counts them)."""
        if self.gradient_accumulation_steps:
            return _m.floordiv(self._iterations, self.gradient_accumulation_steps)
        return self._iterations

    @property
    def variables(self):
        """All optimizer state, in a deterministic order (see the module docstring)."""
        return _VariableList(self._variables)

    weights = variables

    def add_variable(self, shape, initializer="zeros", dtype=None, aggregation="none",
                     name=None):
        """Creates a non-trainable optimizer variable and tracks it in `variables`.

        Args:
            shape: the variable's shape.
            initializer: "zeros", "ones", a number, an initializer name or callable
                `(shape, dtype=...)`.
            dtype: the dtype (default float32).
            aggregation: accepted for Keras compatibility.
            name: the variable's name.

        Returns:
            The Variable.
        """
        dtype = _float32 if dtype is None else _dtypes.as_dtype(dtype)
        shape = tuple(int(d) for d in shape)
        value = self._initial_value(initializer, shape, dtype)
        return self._track(Variable(value, trainable=False, name=name or "variable", dtype=dtype))

    @staticmethod
    def _initial_value(initializer, shape, dtype):
        np_dtype = dtype.as_numpy_dtype
        if isinstance(initializer, str):
            key = initializer.lower()
            if key == "zeros":
                return np.zeros(shape, np_dtype)
            if key == "ones":
                return np.ones(shape, np_dtype)
            from .. import initializers  # another Keras module: loaded only for named initializers
            initializer = initializers.get(initializer)
        if isinstance(initializer, (int, float, np.number)):
            return np.full(shape, initializer, np_dtype)
        return initializer(shape, dtype=dtype)

    def add_variable_from_reference(self, reference_variable=None, name=None,
                                    initializer="zeros", shape=None, initial_value=None,
                                    variable_name=None, model_variable=None):
        """Creates optimizer state shaped like `reference_variable` (same shape, dtype and
        device), named `{reference name}_{name}` as in Keras 3 (e.g. `dense_kernel_momentum`).

        `model_variable`, `variable_name`, `shape` and `initial_value` are tf.keras 2.11's
        spellings."""
        if reference_variable is None:
            reference_variable = model_variable
        name = f"{_reference_name(reference_variable)}_{name or variable_name or 'var'}"
        with _device(reference_variable.device):
            if initial_value is not None:
                return self._track(Variable(initial_value, trainable=False, name=name,
                                            dtype=reference_variable.dtype))
            return self.add_variable(reference_variable.shape if shape is None else shape,
                                     initializer, reference_variable.dtype, name=name)

    def add_optimizer_variables(self, trainable_variables, name, initializer="zeros"):
        """Creates per-variable state for each name in `name` (a string or a list), interleaved
        per model variable as Keras 3 does; returns one list, or a tuple of lists for a list of
        names."""
        names = [name] if isinstance(name, str) else list(name)
        inits = list(initializer) if isinstance(initializer, (list, tuple)) \
            else [initializer] * len(names)
        if len(inits) != len(names):
            raise ValueError("The number of provided names must match the number of provided "
                             f"initializers. Received name={name!r}, initializer={initializer!r}")
        out = tuple([] for _ in names)
        for v in trainable_variables:
            for lst, n, init in zip(out, names, inits):
                lst.append(self.add_variable_from_reference(v, n, init))
        return out[0] if isinstance(name, str) else out

    def build(self, var_list):
        """Registers the model variables and creates their optimizer state.

        Called automatically by the first `apply_gradients`; calling it again with more
        variables adds state for the new ones (built-in optimizers), so one optimizer can train
        variables that appear later. Subclasses call `super().build(var_list)` first; it returns
        the variables that were not registered yet.
        """
        new = []
        index = self._index
        for v in var_list:
            if id(v) not in index:
                index[id(v)] = len(self._trainable_variables)
                self._trainable_variables.append(v)
                new.append(v)
        if new and self.use_ema:
            self._averages += self.add_optimizer_variables(new, "average")
        if new and self.gradient_accumulation_steps:
            self._accumulators += self.add_optimizer_variables(new, "gradient_accumulator")
        self.built = True
        return new

    def _get_variable_index(self, variable):
        return self._index[id(variable)]

    def _var_key(self, variable):
        """The key of a model variable in `_index_dict` (tf.keras 2.11's custom-optimizer API)."""
        return id(variable)

    @property
    def _index_dict(self):
        return self._index

    def get_slot_names(self):
        """The names of the per-variable state this optimizer keeps, e.g. Adam's
        `["momentum", "velocity"]` (`get_slot` also takes tf.keras 2.x names such as "m")."""
        names = [n for n, attr in self._SLOTS if getattr(self, attr, None)]
        if self.use_ema:
            names.insert(0, "average")
        return names

    def get_slot(self, var, slot_name):
        """The `slot_name` state variable of model variable `var`.

        Raises:
            KeyError: an unknown slot name or a variable this optimizer does not train.
        """
        name = self._SLOT_ALIASES.get(slot_name, slot_name)
        attrs = dict(self._SLOTS, average="_averages")
        lst = getattr(self, attrs[name], None) if name in attrs else None
        if not lst:
            raise KeyError(f"Optimizer {self.name!r} has no slot {slot_name!r}; its slots are "
                           f"{self.get_slot_names()}.")
        if id(var) not in self._index:
            raise KeyError(f"Variable {_variable_label(var)!r} is not trained by optimizer "
                           f"{self.name!r}.")
        return lst[self._index[id(var)]]

    # -- state as arrays (saving) ------------------------------------------------------------
    def get_weights(self):
        """The optimizer state as a list of NumPy arrays, in `variables` order."""
        return [np.array(v.numpy(), copy=True) for v in self._variables]

    def set_weights(self, weights):
        """Sets the optimizer state from `get_weights()`'s list.

        Raises:
            ValueError: the optimizer is not built, or the count or a shape differs.
        """
        weights = list(weights)
        if not self.built:
            raise ValueError("You are calling `set_weights()` on an optimizer that has not yet "
                             "been built. Call `optimizer.build(trainable_variables)` first.")
        if len(weights) != len(self._variables):
            raise ValueError(f"Optimizer {self.name!r} has {len(self._variables)} variables "
                             f"({[v.name for v in self._variables]}) but {len(weights)} weights "
                             "were provided.")
        for v, w in zip(self._variables, weights):
            w = np.asarray(w)
            if tuple(v.shape) != w.shape:
                raise ValueError(f"Optimizer variable {v.name} has shape {tuple(v.shape)} not "
                                 f"compatible with provided weight shape {w.shape}.")
            v.assign(w.astype(v.dtype.as_numpy_dtype, copy=False))

    def save_own_variables(self, store):
        """Writes the state to a dict-like `store` under the keys "0", "1", ... (Keras 3)."""
        for i, v in enumerate(self._variables):
            store[str(i)] = v.numpy()

    def load_own_variables(self, store):
        """Reads the state `save_own_variables` wrote; warns and skips on a count mismatch."""
        if len(store.keys()) != len(self._variables):
            msg = (f"Skipping variable loading for optimizer '{self.name}', because it has "
                   f"{len(self._variables)} variables whereas the saved optimizer has "
                   f"{len(store.keys())} variables.")
            if not self.built:
                msg += " This is likely because the optimizer has not been built yet."
            warnings.warn(msg, stacklevel=2)
            return
        for i, v in enumerate(self._variables):
            v.assign(np.asarray(store[str(i)]).astype(v.dtype.as_numpy_dtype, copy=False))

    # -- learning rate -----------------------------------------------------------------------
    @property
    def learning_rate(self):
        """The learning rate: the float32 Variable (assignable), or with a schedule its value at
        the current step, or the callable's value."""
        return self._current_learning_rate()

    @learning_rate.setter
    def learning_rate(self, value):
        self._set_learning_rate(value)

    lr = learning_rate  # the tf.keras 2.x spelling

    def _set_learning_rate(self, value):
        current = self._learning_rate
        if isinstance(value, _schedules.LearningRateSchedule) or (
                callable(value) and not hasattr(value, "_is_variable")):
            self._learning_rate = value
            if isinstance(current, Variable):   # untracked by identity (== is elementwise)
                self._variables = [v for v in self._variables if v is not current]
            return
        if isinstance(current, _schedules.LearningRateSchedule):
            raise TypeError(
                "This optimizer was created with a `LearningRateSchedule` object as its "
                "`learning_rate` constructor argument, hence its learning rate is not settable. "
                "If you need the learning rate to be settable, you should instantiate the "
                "optimizer with a float `learning_rate` argument.")
        if current is None and isinstance(value, Variable) and value.dtype.is_floating:
            self._learning_rate = value     # a user's Variable: their assigns take effect
            self._variables.insert(1, value)
            return
        if hasattr(value, "_is_variable") or _m.is_tensor(value):
            value = _m.cast(value, _float32)
        elif isinstance(value, (int, float, np.number, np.ndarray)) and not isinstance(value, bool):
            value = np.float32(value)
        else:
            raise ValueError(
                "Argument `learning_rate` should be a float, a LearningRateSchedule, or a "
                f"callable returning the learning rate. Received instead: learning_rate={value!r}")
        if isinstance(current, Variable):
            current.assign(value)
        else:
            self._learning_rate = Variable(value, trainable=False, name="learning_rate",
                                           dtype=_float32)
            self._variables.insert(1, self._learning_rate)

    def _current_learning_rate(self):
        lr = self._learning_rate
        if isinstance(lr, Variable):
            return lr
        if isinstance(lr, _schedules.LearningRateSchedule):
            return lr(self._iterations)
        return lr()

    def _learning_rate_for_step(self):
        """The rate this step uses, as a tensor (or the Variable); with the legacy `decay`
        argument, divided by `1 + decay * iterations`."""
        lr = self._current_learning_rate()
        if self._decay:
            lr = _m.cast(lr, _float32) / (
                1.0 + self._decay * _m.cast(self._iterations, _float32))
        return lr

    # -- applying gradients ------------------------------------------------------------------
    def apply_gradients(self, grads_and_vars, name=None, skip_gradients_aggregation=False,
                        **kwargs):
        """Applies `(gradient, variable)` pairs; None gradients are skipped.

        Returns:
            The `iterations` Variable (None when `grads_and_vars` is empty).

        Raises:
            ValueError: every gradient is None (the message names the variables).

        Example:
            >>> import flowgrad as tf
            >>> v = tf.Variable(1.0)
            >>> opt = tf.keras.optimizers.SGD(learning_rate=0.1)
            >>> _ = opt.apply_gradients([(tf.constant(2.0), v)])
            >>> round(float(v), 4), int(opt.iterations)
            (0.8, 1)
        """
        pairs = list(grads_and_vars)
        if not pairs:
            return None
        grads = [p[0] for p in pairs]
        variables = [p[1] for p in pairs]
        self.apply(grads, variables)
        return self._iterations

    def apply(self, grads, trainable_variables=None):
        """Applies `grads` to `trainable_variables` (Keras 3); with no variables, to the ones
        the optimizer was built with, in order.

        Raises:
            ValueError: no variables and not built, mismatched lengths, all gradients None, or a
                variable a custom `build` did not register.
        """
        grads = list(grads)
        if not grads:
            return
        if trainable_variables is None:
            if not self.built:
                raise ValueError(
                    "When passing `grads` without `variables`, the optimizer must already be "
                    "built on a list of variables. Call `optimizer.build(trainable_variables)` "
                    "first.")
            variables = self._trainable_variables
        else:
            variables = list(trainable_variables)
        if len(grads) != len(variables):
            raise ValueError(f"Received {len(grads)} gradients for {len(variables)} variables; "
                             "pass one gradient (or None) per variable.")
        index = self._index
        if not self.built:
            self.build(variables)
        else:
            unknown = [v for v in variables if id(v) not in index]
            if unknown:
                self.build(unknown)
                missing = [v for v in unknown if id(v) not in index]
                if missing:
                    raise ValueError(
                        f"Unknown variable: {_variable_label(missing[0])}. This optimizer can "
                        "only be called for the variables it was originally built with. When "
                        "working with a new set of variables, you should recreate a new "
                        "optimizer instance.")
        grads, variables = self._filter_empty_gradients(grads, variables)
        if self.loss_scale_factor is not None:
            grads = [g / self.loss_scale_factor for g in grads]
        if self.gradient_accumulation_steps:
            self._accumulate_and_update(grads, variables)
        else:
            grads = self._clip_gradients(grads)
            lr = self._learning_rate_for_step()
            self._apply_weight_decay(variables, lr)
            self._backend_update_step(grads, variables, lr)
        if self.use_ema:
            self._update_moving_averages()
        for v in variables:
            constraint = getattr(v, "constraint", None)
            if constraint is not None:
                v.assign(constraint(v))
        self._iterations.assign_add(self._one)
        return

    def _filter_empty_gradients(self, grads, variables):
        missing = [_variable_label(v) for g, v in zip(grads, variables) if g is None]
        if missing:
            if len(missing) == len(grads):
                raise ValueError(
                    f"No gradients provided for any variable: {missing}. Check that the loss "
                    "depends on the variables (computed inside the GradientTape, without "
                    "non-differentiable ops such as argmax or a cast to int in the path).")
            warnings.warn(f"Gradients do not exist for variables {missing} when minimizing the "
                          "loss. If using `model.compile()`, did you forget to provide a `loss` "
                          "argument?", stacklevel=3)
            kept = [(g, v) for g, v in zip(grads, variables) if g is not None]
            grads, variables = [p[0] for p in kept], [p[1] for p in kept]
        out = []
        for g, v in zip(grads, variables):
            if not _m.is_tensor(g):
                g = convert_to_tensor(g, dtype=v.dtype)
            elif g.dtype != v.dtype:
                g = _m.cast(g, v.dtype)
            out.append(g)
        return out, variables

    def _clip_gradients(self, grads):
        if self.clipnorm and self.clipnorm > 0:
            return [_m.clip_by_norm(g, self.clipnorm) for g in grads]
        if self.global_clipnorm and self.global_clipnorm > 0:
            sums = [_m.reduce_sum(_m.square(g)) for g in grads]
            sums = [s if s.dtype == _float32 else _m.cast(s, _float32) for s in sums]
            norm = _m.sqrt(_m.add_n(sums) if len(sums) > 1 else sums[0])
            clip = self.global_clipnorm
            # As Keras: the scale is nan (not 0) when the norm is inf or nan.
            scale = clip * _m.minimum(1.0 / norm, 1.0 / clip) + (norm - norm)
            scales = {}
            out = []
            for g in grads:
                s = scales.get(g.dtype)
                if s is None:
                    s = scales[g.dtype] = _m.cast(scale, g.dtype)
                out.append(g * s)
            return out
        if self.clipvalue and self.clipvalue > 0:
            c = self.clipvalue
            return [_m.clip_by_value(g, -c, c) for g in grads]
        return grads

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Excludes variables from weight decay: those in `var_list`, and those whose name
        contains one of the strings in `var_names` (e.g. `["bias"]`). Call before `build`.

        Raises:
            ValueError: the optimizer is already built.
        """
        if self.built:
            raise ValueError("`exclude_from_weight_decay()` can only be configured before the "
                             "optimizer is built.")
        self._exclude_ids = {id(v) for v in (var_list or ())}
        self._exclude_vars = list(var_list or ())   # keeps the ids valid
        self._exclude_pattern = re.compile("|".join(map(re.escape, set(var_names)))) \
            if var_names else None

    def _use_weight_decay(self, variable):
        if id(variable) in self._exclude_ids:
            return False
        if self._exclude_pattern is not None and \
                self._exclude_pattern.search(variable.name) is not None:
            return False
        return True

    def _apply_weight_decay(self, variables, learning_rate):
        if self.weight_decay is None:
            return
        factors = {}
        for v in variables:
            if self._use_weight_decay(v):
                dt = v.dtype
                f = factors.get(dt)
                if f is None:
                    f = factors[dt] = _m.cast(learning_rate, dt) * self.weight_decay
                v.assign_sub(_m.multiply(v.read_value(), f))

    def _backend_update_step(self, grads, variables, learning_rate):
        """Runs the update rule on every (gradient, variable) pair."""
        if not self._fused:
            if self._update_step_takes_rate is None:
                params = inspect.signature(self.update_step).parameters
                self._update_step_takes_rate = len(params) >= 3 or any(
                    p.kind is p.VAR_POSITIONAL for p in params.values())
            for g, v in zip(grads, variables):
                if self._update_step_takes_rate:
                    self.update_step(g, v, learning_rate)
                else:   # tf.keras 2.11's `update_step(gradient, variable)`
                    self.update_step(g, v)
            return
        index = self._index
        coefficients = {}
        for g, v in zip(grads, variables):
            dt = v.dtype
            c = coefficients.get(dt)
            if c is None:
                c = coefficients[dt] = self._coefficients(learning_rate, dt)
            self._update(g, v, index[id(v)], c)

    def update_step(self, gradient, variable, learning_rate):
        """Updates one variable from its gradient (Keras 3's extension point).

        Subclasses override it with flowgrad ops and `variable.assign*` /
        `self.assign*`; the built-in optimizers implement `_coefficients` and `_update`.
        """
        if type(self)._update is Optimizer._update:
            raise NotImplementedError(
                f"Optimizer {type(self).__name__} must implement "
                "`update_step(self, gradient, variable, learning_rate)`.")
        self._update(gradient, variable, self._get_variable_index(variable),
                     self._coefficients(learning_rate, variable.dtype))

    def _coefficients(self, learning_rate, dtype):
        """The per-step scalars of the update rule for variables of `dtype` (computed once per
        step and dtype)."""
        return _m.cast(learning_rate, dtype)

    def _update(self, gradient, variable, index, coefficients):
        raise NotImplementedError

    # Keras 3 helpers for update rules written against the optimizer.
    def assign(self, variable, value):
        """`variable.assign(value)` (Keras 3's optimizer helper)."""
        variable.assign(value)

    def assign_add(self, variable, value):
        """`variable.assign_add(value)`."""
        variable.assign_add(value)

    def assign_sub(self, variable, value):
        """`variable.assign_sub(value)`."""
        variable.assign_sub(value)

    # -- gradient accumulation, moving averages ----------------------------------------------
    def _accumulate_and_update(self, grads, variables):
        """Every N-th call: update with the mean of the N gradients; otherwise accumulate.

        Both outcomes are computed and the state is selected with `where`, so no Python
        branching on the step is needed (the step may be symbolic)."""
        steps = self.gradient_accumulation_steps
        is_update = _m.equal(_m.floormod(self._iterations + 1, steps), 0)
        index = self._index
        accs = [self._accumulators[index[id(v)]] for v in variables]
        skip = {id(self._iterations), id(self._learning_rate)}
        skip.update(id(a) for a in self._averages)
        skip.update(id(a) for a in self._accumulators)
        state = list(variables) + [v for v in self._variables if id(v) not in skip]
        before = [s.read_value() for s in state]
        mean = [(g + a) / steps for g, a in zip(grads, accs)]
        mean = self._clip_gradients(mean)
        lr = self._learning_rate_for_step()
        self._apply_weight_decay(variables, lr)
        self._backend_update_step(mean, variables, lr)
        for s, old in zip(state, before):
            s.assign(_m.where(is_update, s.read_value(), old))
        # As Keras: an update step resets every accumulator, also those of variables that got
        # no gradient this time.
        got = {id(a): g for g, a in zip(grads, accs)}
        for a in self._accumulators:
            g = got.get(id(a))
            kept = a.read_value() if g is None else a + g
            a.assign(_m.where(is_update, _a.zeros_like(kept), kept))

    def _update_moving_averages(self):
        it = self.iterations
        not_first = _m.not_equal(it, 0)
        momenta = {}
        for var, avg in zip(self._trainable_variables, self._averages):
            dt = var.dtype
            m = momenta.get(dt)
            if m is None:
                m = momenta[dt] = _m.cast(not_first, dt) * self.ema_momentum
            avg.assign(m * avg + (1.0 - m) * var)
        if self.ema_overwrite_frequency:
            overwrite = _m.equal(_m.floormod(it + 1, self.ema_overwrite_frequency), 0)
            for var, avg in zip(self._trainable_variables, self._averages):
                var.assign(_m.where(overwrite, avg.read_value(), var.read_value()))

    def finalize_variable_values(self, var_list):
        """With `use_ema`, sets each variable of `var_list` to its moving average (Keras'
        `fit` calls this after the last epoch); otherwise does nothing."""
        if not self.use_ema:
            return
        for v in var_list:
            i = self._index.get(id(v))
            if i is not None:
                v.assign(self._averages[i])

    def scale_loss(self, loss):
        """Multiplies `loss` by `loss_scale_factor` when it is set."""
        if self.loss_scale_factor is not None:
            return loss * self.loss_scale_factor
        return loss

    # -- minimize ----------------------------------------------------------------------------
    def compute_gradients(self, loss, var_list, tape=None):
        """Returns `[(gradient, variable)]` of `loss` with respect to `var_list`.

        Args:
            loss: a zero-argument callable returning the loss, or a loss tensor computed under
                `tape`.
            var_list: variables, or a zero-argument callable returning them (called after the
                loss, so it may list variables the loss creates).
            tape: the GradientTape `loss` was computed under (required for a tensor loss).

        Raises:
            ValueError: a tensor loss without `tape`.
        """
        if not callable(loss) and tape is None:
            raise ValueError("`tape` is required when a `Tensor` loss is passed. Received: "
                             f"loss={loss!r}, tape={tape!r}. Pass a callable loss, or the "
                             "GradientTape the loss was computed under.")
        if callable(loss):
            tape = GradientTape() if tape is None else tape
            with tape:
                if not callable(var_list):
                    tape.watch(list(var_list))
                loss = loss()
        if callable(var_list):
            var_list = var_list()
        var_list = list(var_list)
        grads = tape.gradient(loss, var_list)
        return list(zip(grads, var_list))

    def minimize(self, loss, var_list, tape=None):
        """Computes the gradients of `loss` and applies them (`compute_gradients` +
        `apply_gradients`).

        Returns:
            The `iterations` Variable.

        Example:
            >>> import flowgrad as tf
            >>> x = tf.Variable(3.0)
            >>> opt = tf.keras.optimizers.SGD(learning_rate=0.25)
            >>> _ = opt.minimize(lambda: x * x, [x])
            >>> float(x)
            1.5
        """
        return self.apply_gradients(self.compute_gradients(loss, var_list, tape))

    # -- config ------------------------------------------------------------------------------
    def get_config(self):
        """The optimizer's hyperparameters as a dict (`from_config` rebuilds it; state is not
        included)."""
        lr = self._learning_rate
        if isinstance(lr, _schedules.LearningRateSchedule):
            lr = _schedules.serialize(lr)
        elif isinstance(lr, Variable):
            lr = float(lr.numpy())
        config = {
            "name": self.name, "learning_rate": lr, "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm, "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue, "use_ema": self.use_ema,
            "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "loss_scale_factor": self.loss_scale_factor,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
        }
        if self._decay:
            config["decay"] = self._decay
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Creates an optimizer from `get_config()`'s dict (a serialized schedule as the
        learning rate is deserialized)."""
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = _schedules.deserialize(config["learning_rate"],
                                                             custom_objects=custom_objects)
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__module__.split('.')[0]}.keras.optimizers.{type(self).__name__} " \
               f"name={self.name!r}>"
