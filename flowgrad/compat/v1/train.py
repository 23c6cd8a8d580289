"""`tf.compat.v1.train`: the TF1 optimizers, the global step and learning-rate decay.

In a v1 graph `minimize` / `apply_gradients` build the update ops (returned as one train op for
`sess.run`); slot variables (Adam's moments, momentum accumulators) are graph variables, so run
`global_variables_initializer()` after creating the train op. While executing eagerly the
updates run at once (`minimize` then needs a callable loss).

Update rules (TF1's dense kernels), with g the gradient:

* GradientDescent: `var -= lr * g`
* Momentum: `accum = momentum * accum + g; var -= lr * accum`
  (Nesterov: `var -= lr * (g + momentum * accum)`)
* Adam: `lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t); m = b1 m + (1 - b1) g;
  v = b2 v + (1 - b2) g^2; var -= lr_t * m / (sqrt(v) + epsilon)`
* RMSProp: `ms = decay ms + (1 - decay) g^2` (ms starts at 1);
  `mom = momentum mom + lr g / sqrt(ms + epsilon)` (centered: `ms - mg^2` with
  `mg = decay mg + (1 - decay) g`); `var -= mom`
* Adagrad: `accum += g^2; var -= lr g / sqrt(accum)` (accum starts at 0.1)
"""

import numpy as np

from ... import dtypes as _dtypes
from ...core.tape import GradientTape
from ...core.tensor import Tensor, _wrap
from ...ops import math_ops
from ._graph import GraphKeys, current_graph, get_default_graph, gradients, group
from ._variables import RefVariable, _assign, trainable_variables


class Optimizer:
    """Base class of the TF1 optimizers (`tf.compat.v1.train.Optimizer`)."""

    GATE_NONE = 0
    GATE_OP = 1
    GATE_GRAPH = 2

    def __init__(self, use_locking, name):
        if not name:
            raise ValueError("Must specify the optimizer name")
        self._use_locking = use_locking
        self._name = name
        self._slots = {}          # slot name -> {id(var): slot variable}
        self._non_slots = {}      # name -> variable (e.g. Adam's beta powers)

    def get_name(self):
        return self._name

    # -- gradients ----------------------------------------------------------------------------------
    def compute_gradients(self, loss, var_list=None, gate_gradients=GATE_OP,
                          aggregation_method=None, colocate_gradients_with_ops=False,
                          grad_loss=None):
        """Returns a list of (gradient, variable) pairs; the gradient is None for a variable
        the loss does not depend on."""
        if callable(loss):
            with GradientTape() as tape:
                if var_list is not None:
                    tape.watch(var_list)
                value = loss()
            if var_list is None:
                var_list = [v for v in tape.watched_variables() if v.trainable]
            var_list = list(var_list)
            grads = tape.gradient(value, var_list, output_gradients=grad_loss)
            return list(zip(grads, var_list))
        if current_graph() is None:
            raise RuntimeError("`loss` passed to Optimizer.compute_gradients should be a "
                               "function when eager execution is enabled.")
        if var_list is None:
            var_list = trainable_variables()
        var_list = list(var_list)
        if not var_list:
            raise ValueError("No variables to optimize.")
        grads = gradients(loss, var_list, grad_ys=None if grad_loss is None else [grad_loss])
        return list(zip(grads, var_list))

    def apply_gradients(self, grads_and_vars, global_step=None, name=None):
        """Applies the gradients; returns the train op (None while executing eagerly)."""
        pairs = list(grads_and_vars)
        gv = [(g, v) for g, v in pairs if g is not None]
        if not gv:
            raise ValueError(f"No gradients provided for any variable: "
                             f"{[v.name for _, v in pairs]}.")
        graph = current_graph()
        ctrl_off = graph._no_ctrl() if graph is not None else _Null()
        with ctrl_off:
            self._create_slots([v for _, v in gv])
        self._prepare()
        updates = [self._apply_dense(g if isinstance(g, Tensor) else _wrap(np.asarray(g)), v)
                   for g, v in gv]
        finish = self._finish(updates)
        if global_step is None:
            return finish if graph is not None else None
        if graph is None:
            global_step.assign_add(1)
            return None
        with graph.control_dependencies([finish]):
            inc = _assign(global_step, 1, "assign_add", read_value=False)
        return group(inc, name=name or self._name)

    def minimize(self, loss, global_step=None, var_list=None, gate_gradients=GATE_OP,
                 aggregation_method=None, colocate_gradients_with_ops=False, name=None,
                 grad_loss=None):
        """`compute_gradients` then `apply_gradients`: the train op."""
        gv = self.compute_gradients(loss, var_list, gate_gradients, aggregation_method,
                                    colocate_gradients_with_ops, grad_loss)
        if not any(g is not None for g, _ in gv):
            raise ValueError(f"No gradients provided for any variable, check your graph for "
                             f"ops that do not support gradients, between variables "
                             f"{[v.name for _, v in gv]} and loss {loss!r}.")
        return self.apply_gradients(gv, global_step=global_step, name=name)

    # -- slots --------------------------------------------------------------------------------------
    def _slot(self, var, slot_name, init, op_name=None):
        table = self._slots.setdefault(slot_name, {})
        s = table.get(id(var))
        if s is None:
            base = var.name.rsplit(":", 1)[0]
            arr = np.full(tuple(var.shape), init, dtype=var._value.dtype)
            s = RefVariable(_wrap(arr), trainable=False, name=f"{base}/{op_name or self._name}")
            table[id(var)] = s
        return s

    def _non_slot(self, name, value, dtype):
        v = self._non_slots.get(name)
        if v is None:
            g = current_graph()
            scope = g.name_scope("") if g is not None else _Null()
            with scope:
                v = RefVariable(_wrap(np.asarray(value, dtype=dtype)), trainable=False,
                                name=name)
            self._non_slots[name] = v
        return v

    def get_slot(self, var, name):
        return self._slots.get(name, {}).get(id(var))

    def get_slot_names(self):
        return sorted(self._slots)

    def variables(self):
        out = list(self._non_slots.values())
        for table in self._slots.values():
            out.extend(table.values())
        return out

    # -- subclass hooks -----------------------------------------------------------------------------
    def _create_slots(self, var_list):
        pass

    def _prepare(self):
        pass

    def _apply_dense(self, grad, var):
        raise NotImplementedError

    def _finish(self, update_ops):
        return group(*update_ops, name=self._name)

    def _lr(self, value, var):
        return _hyper(value, var)


class _Null:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def _hyper(value, var):
    """A hyperparameter (Python number, tensor or callable) in the variable's dtype."""
    if callable(value) and not isinstance(value, Tensor):
        value = value()
    if isinstance(value, Tensor) or hasattr(value, "_is_variable"):
        t = value.read_value() if hasattr(value, "_is_variable") else value
        return t if t.dtype == var.dtype else math_ops.cast(t, var.dtype)
    return _wrap(np.asarray(value, dtype=var._value.dtype))


class GradientDescentOptimizer(Optimizer):
    """`var -= learning_rate * gradient`."""

    def __init__(self, learning_rate, use_locking=False, name="GradientDescent"):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate

    def _apply_dense(self, grad, var):
        return _assign(var, self._lr(self._learning_rate, var) * grad, "assign_sub",
                       read_value=False)


class MomentumOptimizer(Optimizer):
    """`accum = momentum * accum + g; var -= lr * accum` (Nesterov: `lr * (g + momentum *
    accum)`)."""

    def __init__(self, learning_rate, momentum, use_locking=False, name="Momentum",
                 use_nesterov=False):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._momentum = momentum
        self._use_nesterov = use_nesterov

    def _create_slots(self, var_list):
        for v in var_list:
            self._slot(v, "momentum", 0.0)

    def _apply_dense(self, grad, var):
        accum = self.get_slot(var, "momentum")
        lr, mom = self._lr(self._learning_rate, var), _hyper(self._momentum, var)
        accum_t = _assign(accum, accum * mom + grad, "assign")
        step = lr * (grad + mom * accum_t) if self._use_nesterov else lr * accum_t
        return _assign(var, step, "assign_sub", read_value=False)


class AdamOptimizer(Optimizer):
    """Adam with TF1's bias correction folded into the step size (see the module docstring)."""

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8,
                 use_locking=False, name="Adam"):
        super().__init__(use_locking, name)
        self._lr_value, self._beta1, self._beta2, self._epsilon = \
            learning_rate, beta1, beta2, epsilon

    def _create_slots(self, var_list):
        first = var_list[0]
        self._non_slot("beta1_power", self._beta1, first._value.dtype)
        self._non_slot("beta2_power", self._beta2, first._value.dtype)
        for v in var_list:
            self._slot(v, "m", 0.0, self._name)
            self._slot(v, "v", 0.0, self._name + "_1")

    def _apply_dense(self, grad, var):
        m, v = self.get_slot(var, "m"), self.get_slot(var, "v")
        b1p = _hyper(self._non_slots["beta1_power"], var)
        b2p = _hyper(self._non_slots["beta2_power"], var)
        lr, b1, b2, eps = (_hyper(x, var) for x in (self._lr_value, self._beta1, self._beta2,
                                                     self._epsilon))
        lr_t = lr * math_ops.sqrt(1.0 - b2p) / (1.0 - b1p)
        m_t = _assign(m, b1 * m + (1.0 - b1) * grad, "assign")
        v_t = _assign(v, b2 * v + (1.0 - b2) * math_ops.square(grad), "assign")
        return _assign(var, lr_t * m_t / (math_ops.sqrt(v_t) + eps), "assign_sub",
                       read_value=False)

    def _finish(self, update_ops):
        g = current_graph()
        b1p, b2p = self._non_slots["beta1_power"], self._non_slots["beta2_power"]
        if g is None:
            b1p.assign(b1p * self._beta1)
            b2p.assign(b2p * self._beta2)
            return None
        with g.control_dependencies(update_ops):
            u1 = _assign(b1p, b1p * _hyper(self._beta1, b1p), "assign", read_value=False)
            u2 = _assign(b2p, b2p * _hyper(self._beta2, b2p), "assign", read_value=False)
        return group(*update_ops, u1, u2, name=self._name)


class RMSPropOptimizer(Optimizer):
    """TF1 RMSProp (mean square starts at 1; see the module docstring)."""

    def __init__(self, learning_rate, decay=0.9, momentum=0.0, epsilon=1e-10,
                 use_locking=False, centered=False, name="RMSProp"):
        super().__init__(use_locking, name)
        self._learning_rate, self._decay, self._momentum, self._epsilon = \
            learning_rate, decay, momentum, epsilon
        self._centered = centered

    def _create_slots(self, var_list):
        for v in var_list:
            self._slot(v, "rms", 1.0, self._name)
            if self._centered:
                self._slot(v, "mg", 0.0, self._name + "_mg")
            self._slot(v, "momentum", 0.0, self._name + "_1")

    def _apply_dense(self, grad, var):
        ms, mom = self.get_slot(var, "rms"), self.get_slot(var, "momentum")
        lr, rho, mu, eps = (_hyper(x, var) for x in (self._learning_rate, self._decay,
                                                      self._momentum, self._epsilon))
        ms_t = _assign(ms, rho * ms + (1.0 - rho) * math_ops.square(grad), "assign")
        denom = ms_t
        if self._centered:
            mg = self.get_slot(var, "mg")
            mg_t = _assign(mg, rho * mg + (1.0 - rho) * grad, "assign")
            denom = ms_t - math_ops.square(mg_t)
        mom_t = _assign(mom, mu * mom + lr * grad / math_ops.sqrt(denom + eps), "assign")
        return _assign(var, mom_t, "assign_sub", read_value=False)


class AdagradOptimizer(Optimizer):
    """`accum += g^2; var -= lr * g / sqrt(accum)`."""

    def __init__(self, learning_rate, initial_accumulator_value=0.1, use_locking=False,
                 name="Adagrad"):
        if initial_accumulator_value <= 0.0:
            raise ValueError(f"initial_accumulator_value must be positive: "
                             f"{initial_accumulator_value}")
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._init = initial_accumulator_value

    def _create_slots(self, var_list):
        for v in var_list:
            self._slot(v, "accumulator", self._init)

    def _apply_dense(self, grad, var):
        acc = self.get_slot(var, "accumulator")
        acc_t = _assign(acc, acc + math_ops.square(grad), "assign")
        lr = self._lr(self._learning_rate, var)
        return _assign(var, lr * grad / math_ops.sqrt(acc_t), "assign_sub", read_value=False)


# -- global step and schedules ------------------------------------------------------------------------
def get_global_step(graph=None):
    """The graph's global step variable, or None."""
    g = graph or get_default_graph()
    found = g.get_collection(GraphKeys.GLOBAL_STEP)
    return found[0] if found else None


def create_global_step(graph=None):
    g = graph or get_default_graph()
    if get_global_step(g) is not None:
        raise ValueError("\"global_step\" already exists.")
    if current_graph() is g:
        with g.name_scope(""):
            step = RefVariable(_wrap(np.zeros((), np.int64)), trainable=False,
                               name="global_step",
                               collections=[GraphKeys.GLOBAL_VARIABLES, GraphKeys.GLOBAL_STEP])
    else:
        with g.as_default(), g.name_scope(""):
            step = RefVariable(_wrap(np.zeros((), np.int64)), trainable=False,
                               name="global_step",
                               collections=[GraphKeys.GLOBAL_VARIABLES, GraphKeys.GLOBAL_STEP])
    return step


def get_or_create_global_step(graph=None):
    """The global step (an int64 scalar variable, not trainable), created on first use."""
    return get_global_step(graph) or create_global_step(graph)


def global_step(sess, global_step_tensor):
    """The global step's value in `sess`, as a Python int."""
    return int(sess.run(global_step_tensor))


def exponential_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False,
                      name=None):
    """`learning_rate * decay_rate ** (global_step / decay_steps)` (floored exponent with
    `staircase`)."""
    step = math_ops.cast(global_step, _dtypes.float32)
    p = step / float(decay_steps)
    if staircase:
        p = math_ops.floor(p)
    return math_ops.multiply(_wrap(np.float32(learning_rate)),
                             math_ops.pow(_wrap(np.float32(decay_rate)), p))


def inverse_time_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False,
                       name=None):
    step = math_ops.cast(global_step, _dtypes.float32)
    p = step / float(decay_steps)
    if staircase:
        p = math_ops.floor(p)
    return _wrap(np.float32(learning_rate)) / (1.0 + _wrap(np.float32(decay_rate)) * p)


def piecewise_constant(x, boundaries, values, name=None):
    """`values[i]` where `boundaries[i-1] < x <= boundaries[i]`."""
    from ...ops.array_ops import constant
    x = math_ops.cast(x, _dtypes.float32)
    vals = [constant(v, _dtypes.float32) for v in values]
    out = vals[-1]
    for b, v in reversed(list(zip(boundaries, vals[:-1]))):
        out = math_ops.where(math_ops.less_equal(x, float(b)), v, out)
    return out
