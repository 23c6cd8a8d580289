"""Recurrent layers: the cells `SimpleRNNCell`, `LSTMCell`, `GRUCell`, `StackedRNNCells`, the
generic `RNN(cell)` layer, and `SimpleRNN`, `LSTM`, `GRU`.

Weights have Keras's layouts and names, so they move to and from Keras unchanged:
`kernel` `(input_dim, gates * units)`, `recurrent_kernel` `(units, gates * units)` and `bias`
`(gates * units,)` (GRU with `reset_after=True`: `(2, 3 * units)`, input bias then recurrent
bias), gates in Keras order (LSTM: input, forget, cell, output; GRU: update z, reset r,
candidate h).

How the time loop runs. The number of steps is static (the input's time dimension), and the
loop is a Python loop: eagerly each step runs ops, and inside `flowgrad.function` the trace
unrolls it into one flat graph. The input projection of every step is one matmul over the whole
sequence (`x @ kernel + bias`); each step then does only the recurrent matmul and the gate
arithmetic. Masked steps (a mask from `Embedding(mask_zero=True)` or `Masking`) keep the
previous state and output. A trace whose time dimension is unknown (None) runs a
`tf.while_loop` instead.

Built-in cells expose two private methods the RNN layer uses for this (`_seq_project`,
`_seq_step`); any other cell with `state_size` and `call(inputs, states)` runs step by step.
"""

import inspect

import numpy as np

from ...core.tensor import Tensor
from ...core.tensor_shape import TensorShape
from ...core.variable import Variable
from ...ops import array_ops, indexing_ops, linalg_ops, math_ops, nn_ops, rnn_ops
from ..engine import _lookup
from ..engine.base_layer import Layer, name_scope
from .convolutional import _named_args

__all__ = [
    "GRU",
    "LSTM",
    "RNN",
    "GRUCell",
    "LSTMCell",
    "SimpleRNN",
    "SimpleRNNCell",
    "StackedRNNCells",
]


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------
def _flat_sizes(state_size):
    """A cell's `state_size` as a flat list of ints (an int, a list, nested lists, or
    TensorShapes of rank 1)."""
    if state_size is None:
        return []
    if isinstance(state_size, (int, np.integer)):
        return [int(state_size)]
    if isinstance(state_size, TensorShape):
        dims = state_size.as_list()
        return [int(np.prod(dims))] if dims else [1]
    out = []
    for s in state_size:
        out.extend(_flat_sizes(s))
    return out


def _as_list(x):
    if x is None:
        return []
    if isinstance(x, (list, tuple)):
        out = []
        for v in x:
            out.extend(_as_list(v))
        return out
    return [x]


def _to_tensor(x, dtype=None):
    if isinstance(x, Tensor):
        return x
    if getattr(x, "_is_variable", False):
        return x.read_value()
    return array_ops.convert_to_tensor(x, dtype=dtype)


def _read(var, dtype):
    """A variable's value as a tensor of `dtype` (one read per call: every step reuses it)."""
    t = var.read_value() if getattr(var, "_is_variable", False) else _to_tensor(var)
    if t.dtype != dtype:
        t = math_ops.cast(t, dtype)
    return t


def _zeros_state(ref, size, dtype):
    """Zeros of shape `(batch, size)`, the batch taken from `ref` (rank >= 2). A known batch
    size gives a constant; an unknown one (a trace with a None batch) reads it at run time."""
    batch = ref.shape[0]
    if batch is not None:
        return array_ops.zeros((int(batch), int(size)), dtype=dtype)
    col = ref
    while col.shape.rank > 2:
        col = col[:, 0]
    z = array_ops.zeros_like(col[:, :1])
    if z.dtype != dtype:
        z = math_ops.cast(z, dtype)
    return z * array_ops.zeros((1, int(size)), dtype=dtype)


def _training_flag(training):
    """Only a Python truth value enables dropout (a symbolic flag is treated as inference, as
    the Dropout layer does)."""
    return bool(training) and not isinstance(training, Tensor)


def _dropout_mask(ref, rate, seed=None):
    """A scaled binary dropout mask shaped like `ref` (1 / (1 - rate) or 0)."""
    return nn_ops.dropout(array_ops.ones_like(ref), rate=rate, seed=seed)


def _accepts(fn, name):
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return name in params or any(p.kind == p.VAR_KEYWORD for p in params.values())


_WEIGHT_PARTS = ("kernel", "recurrent", "bias")


def _set_weight_args(cell, initializers, regularizers, constraints):
    """`cell.<part>_initializer` / `_regularizer` / `_constraint` for kernel, recurrent and
    bias, looked up (each argument a triple in that order)."""
    for part, init, reg, con in zip(_WEIGHT_PARTS, initializers, regularizers, constraints):
        setattr(cell, f"{part}_initializer", _lookup.get_initializer(init))
        setattr(cell, f"{part}_regularizer", _lookup.get_regularizer(reg))
        setattr(cell, f"{part}_constraint", _lookup.get_constraint(con))


def _add_cell_weights(cell, kernel_shape, recurrent_shape, bias_shape, bias_init):
    """`kernel`, `recurrent_kernel` and (with `use_bias`) `bias`, in that order."""
    def add(name, part, shape, init=None):
        if init is None:
            init = getattr(cell, f"{part}_initializer")
        return cell.add_weight(name, shape=shape, initializer=init,
                               regularizer=getattr(cell, f"{part}_regularizer"),
                               constraint=getattr(cell, f"{part}_constraint"))
    cell.kernel = add("kernel", "kernel", kernel_shape)
    cell.recurrent_kernel = add("recurrent_kernel", "recurrent", recurrent_shape)
    cell.bias = add("bias", "bias", bias_shape, bias_init) if cell.use_bias else None
    cell.built = True


def _check_units(units):
    try:
        if not isinstance(units, bool) and int(units) == units:
            units = int(units)
    except (TypeError, ValueError):
        pass
    if not isinstance(units, int) or units <= 0:
        raise ValueError(f"Received an invalid value for argument `units`, expected a positive "
                         f"integer, got {units!r}.")
    return units


def _check_rate(name, value):
    value = float(value)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"`{name}` must be a float in [0, 1], got {value}.")
    return min(1.0, max(0.0, value))


class _UnitForgetBias:
    """LSTM bias initializer: the user's initializer for the input, cell and output gates, ones
    for the forget gate (Jozefowicz et al. 2015)."""

    def __init__(self, base):
        self.base = base

    def __call__(self, shape, dtype=None, **kwargs):
        n = int(shape[0]) // 4

        def part(s):
            if self.base is None:
                return np.zeros((s,), np.dtype(getattr(dtype, "name", dtype) or "float32"))
            v = self.base((s,), dtype=dtype)
            return np.asarray(v.numpy() if hasattr(v, "numpy") else v)
        first = part(n)
        return np.concatenate([first, np.ones((n,), first.dtype), part(2 * n)])


# ---------------------------------------------------------------------------------------------
# Cells
# ---------------------------------------------------------------------------------------------
class _GatedCell(Layer):
    """Shared parts of the built-in cells: arguments, weights, dropout, config."""

    _gates = 1

    def __init__(self, units, activation="tanh", recurrent_activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.units = _check_units(units)
        self.activation = _lookup.get_activation(activation)
        if recurrent_activation is not None:
            self.recurrent_activation = _lookup.get_activation(recurrent_activation)
        self.use_bias = bool(use_bias)
        _set_weight_args(self, (kernel_initializer, recurrent_initializer, bias_initializer),
                         (kernel_regularizer, recurrent_regularizer, bias_regularizer),
                         (kernel_constraint, recurrent_constraint, bias_constraint))
        self.dropout = _check_rate("dropout", dropout)
        self.recurrent_dropout = _check_rate("recurrent_dropout", recurrent_dropout)
        self.seed = seed

    @property
    def state_size(self):
        return self.units

    @property
    def output_size(self):
        return self.units

    def _bias_shape(self):
        return (self._gates * self.units,)

    def _bias_init(self):
        return self.bias_initializer

    def build(self, input_shape):
        shape = TensorShape(input_shape) if not isinstance(input_shape, (list, tuple)) or \
            all(d is None or isinstance(d, (int, np.integer)) for d in input_shape) \
            else TensorShape(input_shape[0])
        input_dim = shape[-1] if shape.rank else None
        if input_dim is None:
            raise ValueError(f"The last dimension of the inputs to {type(self).__name__} should "
                             f"be defined. Found None. Full input shape received: {shape}")
        g = self._gates * self.units
        _add_cell_weights(self, (int(input_dim), g), (self.units, g), self._bias_shape(),
                          self._bias_init())

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        """Zero states: a list of `(batch, size)` tensors (one tensor for single-state cells in
        Keras 3 style calls `get_initial_state(batch_size)` too)."""
        if isinstance(inputs, (int, np.integer)) and batch_size is None:
            inputs, batch_size = None, int(inputs)
        dtype = dtype or self.compute_dtype
        sizes = _flat_sizes(self.state_size)
        if inputs is not None:
            ref = _to_tensor(inputs)
            return [_zeros_state(ref, s, dtype) for s in sizes]
        return [array_ops.zeros((int(batch_size), s), dtype=dtype) for s in sizes]

    # -- the sequence protocol used by RNN -------------------------------------------------
    def _weights_for(self, dtype):
        """(kernel, recurrent kernel, input bias, recurrent bias) read once as `dtype`."""
        k = _read(self.kernel, dtype)
        u = _read(self.recurrent_kernel, dtype)
        b = _read(self.bias, dtype) if self.use_bias else None
        return k, u, b, None

    def _seq_project(self, x, training=None):
        """`x` (batch, time, features) -> (the per-step input projections, a context for
        `_seq_step`): one matmul for the whole sequence, input dropout applied first."""
        proj, ctx = _project_all(self, x, training)
        return array_ops.unstack(proj, axis=1), ctx

    def call(self, inputs, states, training=None):
        """One step: `inputs` (batch, features), `states` a list of (batch, units) tensors.
        Returns `(output, new_states)`."""
        states = _as_list(states)
        inputs = _to_tensor(inputs)
        proj, ctx = _project_all(self, inputs, training)
        return self._seq_step(proj, [_to_tensor(s) for s in states], ctx)

    def _seq_step(self, p, states, ctx):
        raise NotImplementedError

    def get_config(self):
        config = super().get_config()
        config.update(_cell_config(self))
        return config


def _cell_config(cell, head=None):
    """The cell arguments of a config, in Keras's order; `head` replaces `units` first."""
    s = _lookup
    config = dict(head) if head is not None else {"units": cell.units}
    config["activation"] = s.serialize_activation(cell.activation)
    if hasattr(cell, "recurrent_activation"):
        config["recurrent_activation"] = s.serialize_activation(cell.recurrent_activation)
    config.update({
        "use_bias": cell.use_bias,
        "kernel_initializer": s.serialize_initializer(cell.kernel_initializer),
        "recurrent_initializer": s.serialize_initializer(cell.recurrent_initializer),
        "bias_initializer": s.serialize_initializer(cell.bias_initializer),
    })
    if hasattr(cell, "unit_forget_bias"):
        config["unit_forget_bias"] = cell.unit_forget_bias
    config.update({
        "kernel_regularizer": s.serialize_regularizer(cell.kernel_regularizer),
        "recurrent_regularizer": s.serialize_regularizer(cell.recurrent_regularizer),
        "bias_regularizer": s.serialize_regularizer(cell.bias_regularizer),
        "kernel_constraint": s.serialize_constraint(cell.kernel_constraint),
        "recurrent_constraint": s.serialize_constraint(cell.recurrent_constraint),
        "bias_constraint": s.serialize_constraint(cell.bias_constraint),
        "dropout": cell.dropout,
        "recurrent_dropout": cell.recurrent_dropout,
        "seed": cell.seed,
    })
    if hasattr(cell, "reset_after"):
        config["reset_after"] = cell.reset_after
    return config


class SimpleRNNCell(_GatedCell):
    """The fully connected recurrent cell: `h = activation(x @ kernel + h_prev @
    recurrent_kernel + bias)`; the output is `h`.

    Args:
        units: the state size.
        activation: default `tanh`.
        use_bias, kernel_initializer (`glorot_uniform`), recurrent_initializer
        (`orthogonal`), bias_initializer (`zeros`), *_regularizer, *_constraint: as Dense.
        dropout: fraction of the inputs dropped in training (one mask for every step).
        recurrent_dropout: fraction of the recurrent state dropped before the recurrent
            matmul in training.
    """

    _gates = 1

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None,
                 **kwargs):
        super().__init__(**_named_args(_GatedCell.__init__, locals()), **kwargs)

    def _seq_step(self, p, states, ctx):
        u, _, rec_mask = ctx
        h = states[0]
        hr = h * rec_mask if rec_mask is not None else h
        out = self.activation(p + linalg_ops.matmul(hr, u))
        return out, [out]


class LSTMCell(_GatedCell):
    """The long short-term memory cell (Hochreiter & Schmidhuber 1997).

    With `z = x @ kernel + h_prev @ recurrent_kernel + bias` split into the gates
    `i, f, c, o` (Keras order): `c = sigmoid(f) * c_prev + sigmoid(i) * activation(c)`,
    `h = sigmoid(o) * activation(c)` (sigmoid is `recurrent_activation`). States `[h, c]`;
    the output is `h`.

    Args:
        units: the state size.
        activation: default `tanh` (the tutorials' `activation="relu"` works too).
        recurrent_activation: default `sigmoid`.
        unit_forget_bias: initialize the forget gate's bias to ones (default True).
        the others: as `SimpleRNNCell`.
    """

    _gates = 4

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, **kwargs):
        super().__init__(**_named_args(_GatedCell.__init__, locals()), **kwargs)
        self.unit_forget_bias = bool(unit_forget_bias)

    @property
    def state_size(self):
        return [self.units, self.units]

    def _bias_init(self):
        if self.unit_forget_bias:
            return _UnitForgetBias(self.bias_initializer)
        return self.bias_initializer

    def _seq_step(self, p, states, ctx):
        u, _, rec_mask = ctx
        h, c = states[0], states[1]
        hr = h * rec_mask if rec_mask is not None else h
        z = p + linalg_ops.matmul(hr, u)
        zi, zf, zc, zo = array_ops.split(z, 4, axis=1)
        ra, act = self.recurrent_activation, self.activation
        c = ra(zf) * c + ra(zi) * act(zc)
        h = ra(zo) * act(c)
        return h, [h, c]


class GRUCell(_GatedCell):
    """The gated recurrent unit cell (Cho et al. 2014).

    Gates in Keras order `z` (update), `r` (reset), `h` (candidate):
    `z = sigmoid(x_z + h_prev @ U_z)`, `r = sigmoid(x_r + h_prev @ U_r)`,
    `hh = activation(x_h + r * (h_prev @ U_h + b_rh))` with `reset_after=True` (the default,
    cuDNN compatible; bias shape `(2, 3 * units)`: input then recurrent bias) or
    `hh = activation(x_h + (r * h_prev) @ U_h)` with `reset_after=False` (bias `(3 * units,)`);
    `h = z * h_prev + (1 - z) * hh`. State `[h]`; the output is `h`.

    Args:
        units, activation (`tanh`), recurrent_activation (`sigmoid`), reset_after (True),
        the others: as `SimpleRNNCell`.
    """

    _gates = 3

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, reset_after=True,
                 seed=None, **kwargs):
        super().__init__(**_named_args(_GatedCell.__init__, locals()), **kwargs)
        self.reset_after = bool(reset_after)

    def _bias_shape(self):
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def _weights_for(self, dtype):
        k, u, b, _ = super()._weights_for(dtype)
        n = self.units
        if self.reset_after:
            if b is None:
                return k, u, None, None
            b_in, b_rec = array_ops.unstack(b, axis=0)
            return k, u, b_in, b_rec
        # reset before the matmul: the recurrent kernel is used in two parts, (z, r) and h
        u_zr, u_h = array_ops.split(u, [2 * n, n], axis=1)
        return k, (u_zr, u_h), b, None

    def _seq_step(self, p, states, ctx):
        u, b_rec, rec_mask = ctx
        h = states[0]
        hr = h * rec_mask if rec_mask is not None else h
        ra, act = self.recurrent_activation, self.activation
        if self.reset_after:
            inner = linalg_ops.matmul(hr, u)
            if b_rec is not None:
                inner = inner + b_rec
            xz, xr, xh = array_ops.split(p, 3, axis=1)
            iz, ir, ih = array_ops.split(inner, 3, axis=1)
            z = ra(xz + iz)
            r = ra(xr + ir)
            hh = act(xh + r * ih)
        else:
            u_zr, u_h = u
            xzr, xh = array_ops.split(p, [2 * self.units, self.units], axis=1)
            zr = ra(xzr + linalg_ops.matmul(hr, u_zr))
            z, r = array_ops.split(zr, 2, axis=1)
            hh = act(xh + linalg_ops.matmul(r * hr, u_h))
        h = z * h + (1.0 - z) * hh
        return h, [h]


class StackedRNNCells(Layer):
    """Cells applied one above the other at every step: the output of each is the input of the
    next. Its state is the concatenation of the cells' states (a flat list, first cell first).

    `RNN([cell_a, cell_b])` wraps the list in this automatically.
    """

    def __init__(self, cells, **kwargs):
        super().__init__(**kwargs)
        cells = list(cells)
        for c in cells:
            if not hasattr(c, "call") or not hasattr(c, "state_size"):
                raise ValueError(f"All cells must have a `call` method and a `state_size` "
                                 f"attribute. Received cells={cells}")
        self.cells = cells

    @property
    def state_size(self):
        return [s for c in self.cells for s in _flat_sizes(c.state_size)]

    @property
    def output_size(self):
        last = self.cells[-1]
        if getattr(last, "output_size", None) is not None:
            return last.output_size
        return _flat_sizes(last.state_size)[0]

    def build(self, input_shape):
        shape = TensorShape(input_shape)
        for cell in self.cells:
            if not getattr(cell, "built", True):
                cell.build(shape)
                if isinstance(cell, Layer):
                    cell.built = True
            out = getattr(cell, "output_size", None)
            if out is None:
                out = _flat_sizes(cell.state_size)[0]
            shape = TensorShape([shape[0], int(out)])
        self.built = True

    def _split_states(self, states):
        states = _as_list(states)
        out, i = [], 0
        for c in self.cells:
            n = len(_flat_sizes(c.state_size))
            out.append(states[i:i + n])
            i += n
        return out

    def call(self, inputs, states, training=None):
        x = inputs
        new = []
        for cell, s in zip(self.cells, self._split_states(states)):
            kw = {"training": training} if _accepts(cell.call, "training") else {}
            x, ns = cell.call(x, s, **kw)
            new.extend(_as_list(ns))
        return x, new

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        out = []
        for c in self.cells:
            if hasattr(c, "get_initial_state"):
                out.extend(_as_list(c.get_initial_state(inputs=inputs, batch_size=batch_size,
                                                        dtype=dtype)))
            else:
                ref = _to_tensor(inputs)
                out.extend(_zeros_state(ref, s, dtype or self.compute_dtype)
                           for s in _flat_sizes(c.state_size))
        return out

    def get_config(self):
        from . import serialize
        config = super().get_config()
        config["cells"] = [serialize(c) for c in self.cells]
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from . import deserialize
        config = dict(config)
        cells = [deserialize(c, custom_objects=custom_objects) for c in config.pop("cells")]
        return cls(cells, **config)


def _is_fast_cell(cell):
    """Whether the RNN layer may run `cell` through `_seq_project` / `_seq_step` (built-in
    cells whose `call` is not overridden)."""
    if isinstance(cell, StackedRNNCells):
        return all(_is_fast_cell(c) for c in cell.cells)
    base = getattr(type(cell), "_protocol_base", None)
    return base is not None and isinstance(cell, base) and type(cell).call is base.call


_GatedCell._protocol_base = _GatedCell


# ---------------------------------------------------------------------------------------------
# The RNN layer
# ---------------------------------------------------------------------------------------------
class _StateHolder:
    """Holds a stateful layer's state variables outside attribute tracking (they are not
    weights, as in Keras)."""

    def __init__(self, variables):
        self.variables = variables


class RNN(Layer):
    """Runs a cell over the time axis of `(batch, time, features)` inputs.

    Args:
        cell: a cell (`LSTMCell(...)`, a custom layer with `state_size` and
            `call(inputs, states) -> (output, new_states)`), or a list of cells (stacked).
        return_sequences: return every step's output `(batch, time, units)` instead of the
            last one `(batch, units)`.
        return_state: also return the final states: `[output, *states]`.
        go_backwards: process the sequence in reverse (the returned sequence is reversed too).
        stateful: the final states of a batch are the initial states of the next one (sample
            `i` continues sample `i`); needs a fixed batch size (`batch_input_shape` /
            `batch_size`); `reset_states()` zeroes them.
        unroll: accepted (the loop over static time steps is always unrolled).
        time_major: inputs `(time, batch, features)` (outputs likewise).
        zero_output_for_mask: masked steps output zeros instead of the previous output.

    Call arguments: `inputs`, `mask` (batch, time) booleans, `training`, `initial_state` (a
    list of tensors, one per state).
    """

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, time_major=False, zero_output_for_mask=False,
                 **kwargs):
        for k in ("input_length",):
            kwargs.pop(k, None)
        super().__init__(**kwargs)
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        if not hasattr(cell, "call"):
            raise ValueError(f"Argument `cell` should have a `call` method. Received: "
                             f"cell={cell!r}")
        if not hasattr(cell, "state_size"):
            raise ValueError("The RNN cell should have a `state_size` attribute (tuple of "
                             f"integers, one integer per RNN state). Received: cell={cell!r}")
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self._stateful = bool(stateful)
        self.unroll = bool(unroll)
        self.time_major = bool(time_major)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.supports_masking = True
        self.__dict__["_state_holder"] = None

    # -- properties -------------------------------------------------------------------------
    @property
    def stateful(self):
        return self._stateful

    @property
    def states(self):
        """The state variables of a stateful layer (a list; `[None]` per state otherwise)."""
        holder = self.__dict__.get("_state_holder")
        if holder is None:
            return [None] * len(_flat_sizes(self.cell.state_size))
        return list(holder.variables)

    @property
    def _state_sizes(self):
        return _flat_sizes(self.cell.state_size)

    def _output_size(self):
        out = getattr(self.cell, "output_size", None)
        if out is None:
            out = self._state_sizes[0]
        return int(out)

    # -- build ------------------------------------------------------------------------------
    def build(self, input_shape):
        shape = input_shape
        if isinstance(shape, (list, tuple)) and shape and not all(
                d is None or isinstance(d, (int, np.integer)) for d in shape):
            shape = shape[0]  # [inputs, *initial_states]
        shape = TensorShape(shape)
        if shape.rank is not None and shape.rank < 3:
            raise ValueError(f"Input 0 of layer \"{self.name}\" is incompatible with the layer: "
                             f"expected ndim=3, found ndim={shape.rank}. Full shape received: "
                             f"{tuple(shape.as_list())}")
        dims = shape.as_list()
        if self.time_major:
            batch, rest = dims[1], dims[2:]
        else:
            batch, rest = dims[0], dims[2:]
        step_shape = TensorShape([batch] + rest)
        cell = self.cell
        if not getattr(cell, "built", True):
            with name_scope(self.name):
                if isinstance(cell, StackedRNNCells):
                    with name_scope(cell.name):
                        cell.build(step_shape)
                else:
                    cell.build(step_shape)
            if isinstance(cell, Layer):
                cell.built = True
        if self._stateful:
            if batch is None and self._batch_input_shape is not None:
                batch = self._batch_input_shape[0]
            if batch is not None:
                self._create_states(int(batch))
        self.built = True

    def _create_states(self, batch):
        holder = self.__dict__.get("_state_holder")
        if holder is not None and holder.variables and \
                int(holder.variables[0].shape[0]) == batch:
            return
        dt = self.dtype
        from ...graph.tracer import init_scope
        with init_scope():
            variables = [Variable(np.zeros((batch, s), dtype=np.dtype(dt)), trainable=False,
                                  name=f"{self.name}/state_{i}")
                         for i, s in enumerate(self._state_sizes)]
        self.__dict__["_state_holder"] = _StateHolder(variables)

    def reset_states(self, states=None):
        """Zeroes the states of a stateful layer, or sets them to `states` (arrays)."""
        if not self._stateful:
            raise AttributeError("Layer must be stateful.")
        holder = self.__dict__.get("_state_holder")
        if holder is None:
            if self._batch_input_shape is not None and self._batch_input_shape[0] is not None:
                self._create_states(int(self._batch_input_shape[0]))
                holder = self.__dict__["_state_holder"]
            elif states is None:
                return
            else:
                first = np.asarray(_as_list(states)[0])
                self._create_states(int(first.shape[0]))
                holder = self.__dict__["_state_holder"]
        if states is None:
            for v in holder.variables:
                v.assign(np.zeros(tuple(v.shape.as_list()), dtype=v.dtype.as_numpy_dtype))
            return
        values = _as_list(states)
        if len(values) != len(holder.variables):
            raise ValueError(f"Layer {self.name} expects {len(holder.variables)} states, but it "
                             f"received {len(values)} state values. States received: {values}")
        for v, s in zip(holder.variables, values):
            arr = np.asarray(s.numpy() if hasattr(s, "numpy") else s)
            if arr.shape != tuple(v.shape.as_list()):
                raise ValueError(f"State {v.name} is incompatible with layer {self.name}: "
                                 f"expected shape={tuple(v.shape.as_list())} but found shape="
                                 f"{arr.shape}")
            v.assign(arr.astype(v.dtype.as_numpy_dtype))

    def get_initial_state(self, inputs):
        x = _to_tensor(_as_list(inputs)[0])
        if self.time_major:
            x = array_ops.transpose(x, [1, 0] + list(range(2, x.shape.rank)))
        return [_zeros_state(x[:, 0], s, x.dtype) for s in self._state_sizes]

    # -- call -------------------------------------------------------------------------------
    def call(self, inputs, mask=None, training=None, initial_state=None, constants=None):
        if constants is not None:
            raise NotImplementedError("RNN `constants` are not supported by flowgrad.")
        if isinstance(inputs, (list, tuple)):
            parts = list(inputs)
            inputs = parts[0]
            if initial_state is None and len(parts) > 1:
                initial_state = parts[1:]
        x = _to_tensor(inputs)
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        rank = x.shape.rank
        if rank is None or rank < 3:
            raise ValueError(f"Input 0 of layer \"{self.name}\" is incompatible with the layer: "
                             f"expected ndim=3, found ndim={rank}. Full shape received: "
                             f"{tuple(x.shape.as_list()) if rank is not None else None}")
        if self.time_major:
            x = array_ops.transpose(x, [1, 0] + list(range(2, rank)))
        if mask is not None:
            mask = _to_tensor(mask)
            if mask.dtype.name != "bool":
                mask = math_ops.cast(mask, "bool")  # (batch, time), also when time_major
        if self.go_backwards:
            x = indexing_ops.reverse(x, [1])
            if mask is not None:
                mask = indexing_ops.reverse(mask, [1])
        # initial states
        sizes = self._state_sizes
        if initial_state is not None:
            states = [_to_tensor(s) for s in _as_list(initial_state)]
            if len(states) != len(sizes):
                raise ValueError(f"Layer {self.name} expects {len(sizes)} state(s), but it "
                                 f"received {len(states)} initial state(s).")
            states = [s if s.dtype == x.dtype else math_ops.cast(s, x.dtype) for s in states]
        elif self._stateful:
            holder = self.__dict__.get("_state_holder")
            batch = x.shape[0]
            if holder is None or (batch is not None and
                                  int(holder.variables[0].shape[0]) != batch):
                if batch is None:
                    raise ValueError(
                        "If a RNN is stateful, it needs to know its batch size. Specify the "
                        "batch size of your input tensors: pass `batch_input_shape` / "
                        "`batch_size` to the first layer, or call the layer once eagerly.")
                if holder is not None:
                    raise ValueError(
                        f"Stateful layer {self.name} was built for batch size "
                        f"{int(holder.variables[0].shape[0])} but received a batch of {batch}.")
                self._create_states(int(batch))
                holder = self.__dict__["_state_holder"]
            states = [_read(v, x.dtype) for v in holder.variables]
        else:
            states = None
        if x.shape[1] is None:
            output, last, final = self._run_while(x, mask, states, training)
        else:
            output, last, final = self._run_static(x, mask, states, training)
        holder = self.__dict__.get("_state_holder")
        if self._stateful and holder is not None:
            for v, s in zip(holder.variables, final):
                v.assign(s if s.dtype == v.dtype else math_ops.cast(s, v.dtype))
        if self.return_sequences:
            out = output
            if self.time_major:
                out = array_ops.transpose(out, [1, 0] + list(range(2, out.shape.rank)))
        else:
            out = last
        if self.return_state:
            return [out] + list(final)
        return out

    def _fused_mask_ok(self, mask, states):
        """A masked sequence runs fused from zero initial states: then a masked step's
        output, the previous output (Keras starts it at zeros), is the previous state, which
        the fused op keeps; `zero_output_for_mask` zeroes those outputs afterwards."""
        return mask is None or (states is None and not self._stateful)

    def _cells_in_order(self):
        cell = self.cell
        if isinstance(cell, StackedRNNCells) and _is_fast_cell(cell):
            return list(cell.cells)
        return [cell]

    def _run_static(self, x, mask, states, training):
        """The unrolled loop over static time steps. Returns (sequence or None, last output,
        final states)."""
        cells = self._cells_in_order()
        masks = None
        if mask is not None:
            masks = array_ops.unstack(array_ops.expand_dims(mask, -1), axis=1)
        final = []
        seq_in = x
        i = 0
        outs = None
        for n, cell in enumerate(cells):
            k = len(_flat_sizes(cell.state_size))
            if _fused_kind(cell, training) and self._fused_mask_ok(mask, states):
                cell_states = list(states[i:i + k]) if states is not None else None
                i += k
                need = self.return_sequences or n < len(cells) - 1
                seq_in, outs, cell_states = _run_fused(cell, seq_in, cell_states, training,
                                                       need, mask, self.zero_output_for_mask)
                final.extend(cell_states)
                continue
            if _is_fast_cell(cell):
                steps, ctx = cell._seq_project(seq_in, training)
                step_fn = (lambda p, s, c=cell, ctx=ctx: c._seq_step(p, s, ctx))
            else:
                steps = array_ops.unstack(seq_in, axis=1)
                kw = {"training": training} if _accepts(cell.call, "training") else {}
                step_fn = (lambda p, s, c=cell, kw=kw: _call_cell(c, p, s, kw))
            if states is not None:
                cell_states = list(states[i:i + k])
            elif hasattr(cell, "_zero_states_like"):
                cell_states = cell._zero_states_like(steps[0])
            else:
                ref = seq_in[:, 0]
                cell_states = [_zeros_state(ref, sz, x.dtype)
                               for sz in _flat_sizes(cell.state_size)]
            i += k
            outs, cell_states = self._loop(steps, cell_states, step_fn, masks)
            final.extend(cell_states)
            seq_in = None
            if n < len(cells) - 1:
                seq_in = array_ops.stack(outs, axis=1)
        if seq_in is None and self.return_sequences:
            seq_in = array_ops.stack(outs, axis=1)
        return (seq_in if self.return_sequences else None), outs[-1], final

    def _loop(self, steps, states, step_fn, masks):
        outs = []
        prev = None
        zero_out = self.zero_output_for_mask
        shaped = {}

        def fit(m, t):
            # a (batch, 1) step mask broadcast against a state of higher rank
            r = t.shape.rank
            if r is None or r <= 2:
                return m
            key = (id(m), r)
            if key not in shaped:
                shaped[key] = array_ops.reshape(m, [-1] + [1] * (r - 1))
            return shaped[key]
        for t, p in enumerate(steps):
            out, new_states = step_fn(p, states)
            new_states = _as_list(new_states)
            if masks is not None:
                m = masks[t]
                new_states = [math_ops.where(fit(m, a), a, b) for a, b in zip(new_states, states)]
                if zero_out:
                    out = math_ops.where(fit(m, out), out, array_ops.zeros_like(out))
                else:
                    if prev is None:
                        prev = array_ops.zeros_like(out)
                    out = math_ops.where(fit(m, out), out, prev)
                    prev = out
            states = new_states
            outs.append(out)
        return outs, states

    def _run_while(self, x, mask, states, training):
        """A `tf.while_loop` over an unknown number of steps (a trace with a None time
        dimension)."""
        from ...ops import control_flow_ops
        cells = self._cells_in_order()
        initial = states
        if states is None:
            states = []
            ref = x[:, 0]
            for c in cells:
                states.extend(_zeros_state(ref, s, x.dtype) for s in _flat_sizes(c.state_size))
        seq_in = x
        final = []
        i = 0
        seq = last = None
        mask_tm = None
        if mask is not None:
            mask_tm = array_ops.transpose(array_ops.expand_dims(mask, -1), [1, 0, 2])
        for n, cell in enumerate(cells):
            k = len(_flat_sizes(cell.state_size))
            cell_states = list(states[i:i + k])
            i += k
            need_seq = self.return_sequences or n < len(cells) - 1
            if _fused_kind(cell, training) and self._fused_mask_ok(mask, initial):
                seq_in, outs, cell_states = _run_fused(cell, seq_in, cell_states, training,
                                                       need_seq, mask, self.zero_output_for_mask)
                final.extend(cell_states)
                seq, last = seq_in, outs[-1]
                continue
            if _is_fast_cell(cell):
                proj_full, ctx = _project_all(cell, seq_in, training)
                step_fn = (lambda p, s, c=cell, ctx=ctx: c._seq_step(p, s, ctx))
                src = proj_full
            else:
                kw = {"training": training} if _accepts(cell.call, "training") else {}
                step_fn = (lambda p, s, c=cell, kw=kw: _call_cell(c, p, s, kw))
                src = seq_in
            src_tm = array_ops.transpose(src, [1, 0] + list(range(2, src.shape.rank)))
            size = int(self._output_size() if n == len(cells) - 1 else
                       (getattr(cell, "output_size", None) or _flat_sizes(cell.state_size)[0]))
            n_steps = array_ops.shape(src_tm)[0]
            zero_out = self.zero_output_for_mask
            acc0 = array_ops.zeros_like(src_tm[:0, :, :1]) * array_ops.zeros(
                (1, 1, size), dtype=src_tm.dtype)
            out0 = _zeros_state(src_tm[0], size, src_tm.dtype)
            ns = len(cell_states)

            def cond(t, *rest, n_steps=n_steps):
                return t < n_steps

            def body(t, *rest, src_tm=src_tm, step_fn=step_fn, need_seq=need_seq,
                     zero_out=zero_out, ns=ns):
                st = list(rest[:ns])
                prev, acc = rest[ns], rest[ns + 1]
                p = indexing_ops.gather(src_tm, t)
                out, new = step_fn(p, st)
                new = _as_list(new)
                if mask_tm is not None:
                    m = indexing_ops.gather(mask_tm, t)
                    new = [math_ops.where(m, a, bb) for a, bb in zip(new, st)]
                    out = math_ops.where(m, out, array_ops.zeros_like(out) if zero_out
                                          else prev)
                if need_seq:
                    acc = array_ops.concat([acc, array_ops.expand_dims(out, 0)], axis=0)
                return [t + 1] + new + [out, acc]

            t0 = array_ops.constant(0, dtype="int32")
            inv = ([TensorShape([])] + [TensorShape([None, st.shape[-1]]) for st in cell_states]
                   + [TensorShape([None, size]), TensorShape([None, None, size])])
            res = control_flow_ops.while_loop(cond, body, [t0] + cell_states + [out0, acc0],
                                              shape_invariants=inv)
            cell_states = list(res[1:1 + ns])
            last = res[1 + ns]
            acc = res[2 + ns]
            final.extend(cell_states)
            if need_seq:
                seq = array_ops.transpose(acc, [1, 0, 2])
                seq_in = seq
        return (seq if self.return_sequences else None), last, final

    # -- shapes / masks / config ------------------------------------------------------------
    def compute_output_shape(self, input_shape):
        shape = input_shape
        if isinstance(shape, (list, tuple)) and shape and not all(
                d is None or isinstance(d, (int, np.integer)) for d in shape):
            shape = shape[0]
        dims = TensorShape(shape).as_list()
        if self.time_major:
            time, batch = dims[0], dims[1]
        else:
            batch, time = dims[0], dims[1]
        units = self._output_size()
        if self.return_sequences:
            out = [time, batch, units] if self.time_major else [batch, time, units]
        else:
            out = [batch, units]
        out = TensorShape(out)
        if self.return_state:
            return [out] + [TensorShape([batch, s]) for s in self._state_sizes]
        return out

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        out = mask if self.return_sequences else None
        if self.return_state:
            return [out] + [None] * len(self._state_sizes)
        return out

    def get_config(self):
        from . import serialize
        config = Layer.get_config(self)
        config.update({
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self._stateful,
            "unroll": self.unroll,
            "time_major": self.time_major,
        })
        if self.zero_output_for_mask:
            config["zero_output_for_mask"] = True
        if type(self) is RNN:
            config["cell"] = serialize(self.cell)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from . import deserialize
        config = dict(config)
        if isinstance(config.get("dtype"), dict):
            config["dtype"] = config["dtype"].get("config", {}).get("name", "float32")
        cell = config.pop("cell")
        if isinstance(cell, list):
            cell = [deserialize(c, custom_objects=custom_objects) for c in cell]
        else:
            cell = deserialize(cell, custom_objects=custom_objects)
        return cls(cell, **config)


def _fused_kind(cell, training):
    """"lstm" / "gru" when `cell` can run as one fused sequence op (`ops/rnn_ops.py`): a
    built-in LSTM or GRU (`reset_after=True`) cell with tanh / relu and sigmoid, and no
    recurrent dropout in this call. None otherwise (the unrolled loop runs instead)."""
    if isinstance(cell, LSTMCell):
        kind = "lstm"
    elif isinstance(cell, GRUCell) and cell.reset_after:
        kind = "gru"
    else:
        return None
    if type(cell).call is not _GatedCell.call or type(cell)._seq_step not in (
            LSTMCell._seq_step, GRUCell._seq_step):
        return None
    if _fused_activation(cell.activation) not in rnn_ops.ACTIVATIONS or \
            _fused_activation(cell.recurrent_activation) != "sigmoid":
        return None
    if _training_flag(training) and 0.0 < cell.recurrent_dropout < 1.0:
        return None
    return kind


def _fused_activation(fn):
    known = {math_ops.tanh: "tanh", nn_ops.relu: "relu", math_ops.sigmoid: "sigmoid",
             _lookup.get_activation("tanh"): "tanh", _lookup.get_activation("relu"): "relu",
             _lookup.get_activation("sigmoid"): "sigmoid"}
    try:
        return known.get(fn)
    except TypeError:  # an unhashable callable
        return None


def _run_fused(cell, x, states, training, need_seq, mask=None, zero_output=False):
    """Runs `cell` over the sequence `x` (batch, time, features) as one fused op. Returns
    (the output sequence (batch, time, units) or None, [the last output], final states)."""
    dt = x.dtype
    k, u, b_in, b_rec = cell._weights_for(dt)
    x = _input_dropout(cell, x, training)
    if states is None:
        states = [_zeros_state(x[:, 0], s, dt) for s in _flat_sizes(cell.state_size)]
    act = _fused_activation(cell.activation)
    g = int(u.shape[-1])
    if b_in is None:
        b_in = array_ops.zeros((g,), dtype=dt)
    if isinstance(cell, LSTMCell):
        seq = need_seq or (mask is not None and zero_output)
        hs, c_last = rnn_ops.lstm_sequence_final(x, k, b_in, states[0], states[1], u, mask=mask,
                                                 activation=act, return_sequences=seq)
        if not seq:   # the op returned the last output only
            return None, [hs], [hs, c_last]
        final = [hs[:, -1], c_last]
    else:
        if b_rec is None:
            b_rec = array_ops.zeros((g,), dtype=dt)
        hs = rnn_ops.gru_sequence(x, k, b_in, states[0], u, b_rec, mask=mask, activation=act)
        final = [hs[:, -1]]
    last = final[0]
    if mask is not None and zero_output:
        hs = hs * array_ops.expand_dims(math_ops.cast(mask, dt), -1)
        last = hs[:, -1]
    return (hs if need_seq else None), [last], final


def run_fused_pair(fw, bw, inputs, training, mask=None):
    """A Bidirectional layer's two directions as one fused op with a leading direction axis
    (`ops/rnn_ops.py`), so every numpy call of the time loop serves both. Returns what the
    two layers' calls would, `(fw_output, bw_output)` (each `[output] + states` with
    `return_state`; the backward sequence in processing order), or None where the pair does
    not qualify (the caller then calls the layers one by one)."""
    if type(fw) is not type(bw) or not isinstance(fw, RNN) or not (fw.built and bw.built):
        return None
    cf, cb = fw.cell, bw.cell
    kind = _fused_kind(cf, training)
    if kind is None or kind != _fused_kind(cb, training) or type(cf) is not type(cb):
        return None
    if (cf.units != cb.units or _fused_activation(cf.activation) !=
            _fused_activation(cb.activation) or fw.go_backwards or not bw.go_backwards or
            fw._stateful or bw._stateful or fw.time_major or bw.time_major or
            fw.zero_output_for_mask != bw.zero_output_for_mask or
            fw.return_sequences != bw.return_sequences or
            fw.return_state != bw.return_state or fw.activity_regularizer is not None or
            bw.activity_regularizer is not None or kind == "gru" and cf.use_bias != cb.use_bias):
        return None
    x = _to_tensor(inputs)
    if x.shape.rank != 3 or not x.dtype.is_floating:
        return None
    dt = _dtypes_of(fw.compute_dtype)
    if x.dtype != dt:
        x = math_ops.cast(x, dt)
    wf, wb = cf._weights_for(dt), cb._weights_for(dt)
    g = int(wf[1].shape[-1])

    def both(a, b, size=None):
        if a is None:
            a = b = array_ops.zeros((size,), dtype=dt)
        return array_ops.stack([a, b], axis=0)
    xs = array_ops.stack([_input_dropout(cf, x, training),
                          indexing_ops.reverse(_input_dropout(cb, x, training), [1])], axis=0)
    zeros = _zeros_state(x[:, 0], cf.units, dt)
    h0 = array_ops.stack([zeros, zeros], axis=0)
    act = _fused_activation(cf.activation)
    k, u, b = both(wf[0], wb[0]), both(wf[1], wb[1]), both(wf[2], wb[2], g)
    masks = None
    if mask is not None:
        mask = _to_tensor(mask)
        masks = array_ops.stack([mask, indexing_ops.reverse(mask, [1])], axis=0)
    if kind == "lstm":
        seq = fw.return_sequences or (masks is not None and fw.zero_output_for_mask)
        hs, c_last = rnn_ops.lstm_sequence_final(xs, k, b, h0, h0, u, mask=masks,
                                                 activation=act, return_sequences=seq)
        if not seq:   # the op returned the last outputs only
            outs = [[hs[d], hs[d], c_last[d]] if fw.return_state else hs[d] for d in (0, 1)]
            return outs[0], outs[1]
        states = [[hs[d, :, -1], c_last[d]] for d in (0, 1)]
    else:
        hs = rnn_ops.gru_sequence(xs, k, b, h0, u, both(wf[3], wb[3], g), mask=masks,
                                  activation=act)
        states = [[hs[d, :, -1]] for d in (0, 1)]
    if masks is not None and fw.zero_output_for_mask:
        hs = hs * array_ops.expand_dims(math_ops.cast(masks, dt), -1)
    outs = []
    for d in (0, 1):
        y = hs[d] if fw.return_sequences else hs[d, :, -1]
        outs.append([y] + states[d] if fw.return_state else y)
    return outs[0], outs[1]


def _dtypes_of(name):
    from ... import dtypes
    return dtypes.as_dtype(name)


def _input_dropout(cell, x, training):
    """Input dropout: one mask for every step of a sequence."""
    if _training_flag(training) and 0.0 < cell.dropout < 1.0:
        seq = x.shape.rank == 3
        x = x * _dropout_mask(x[:, :1] if seq else x, cell.dropout, cell.seed)
    return x


def _project_all(cell, x, training):
    """The input projection `x @ kernel + bias` of a whole sequence (batch, time, features)
    or of one step (batch, features), and the step context (recurrent kernel, recurrent bias,
    recurrent dropout mask). Input dropout uses one mask for every step."""
    dt = x.dtype
    k, u, b_in, b_rec = cell._weights_for(dt)
    train = _training_flag(training)
    seq = x.shape.rank == 3
    x = _input_dropout(cell, x, training)
    time = x.shape[1] if seq else None
    if seq and time is not None:
        # one 2-D matmul (batch * time, features) @ kernel: a single GEMM, also for its
        # gradient, instead of a batched matmul looping over the batch
        feat = int(x.shape[-1])
        proj = linalg_ops.matmul(array_ops.reshape(x, (-1, feat)), k)
        if b_in is not None:
            proj = proj + b_in
        proj = array_ops.reshape(proj, (-1, int(time), int(k.shape[-1])))
    else:
        proj = linalg_ops.matmul(x, k)
        if b_in is not None:
            proj = proj + b_in
    rec_mask = None
    if train and 0.0 < cell.recurrent_dropout < 1.0:
        rec_mask = _dropout_mask(_zeros_state(x[:, 0] if seq else x, cell.units, dt),
                                 cell.recurrent_dropout, cell.seed)
    return proj, (u, b_rec, rec_mask)


def _call_cell(cell, x, states, kw):
    sizes = _flat_sizes(cell.state_size)
    arg = states
    out, new = cell.call(x, arg, **kw)
    new = _as_list(new)
    if len(new) != len(sizes):
        raise ValueError(f"Cell {getattr(cell, 'name', cell)!r} returned {len(new)} state(s) "
                         f"but its state_size lists {len(sizes)}.")
    return out, new


# ---------------------------------------------------------------------------------------------
# SimpleRNN / LSTM / GRU
# ---------------------------------------------------------------------------------------------
_CELL_ARGS = ("units", "activation", "recurrent_activation", "use_bias", "kernel_initializer",
              "recurrent_initializer", "bias_initializer", "unit_forget_bias",
              "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
              "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout",
              "recurrent_dropout", "reset_after", "seed")


def _flat_rnn_config(layer, cell_config, drop=()):
    """The config of an RNN layer that builds its own cell: the RNN entries (less `drop`), the
    cell's arguments, `activity_regularizer`."""
    config = RNN.get_config(layer)
    for k in drop:
        config.pop(k, None)
    config.update(cell_config)
    config["activity_regularizer"] = _lookup.serialize_regularizer(layer.activity_regularizer)
    return config


def _init_kwargs(config, drop):
    """`config` as constructor keywords: a dtype policy dict as its name, `drop` left out."""
    config = dict(config)
    if isinstance(config.get("dtype"), dict):
        config["dtype"] = config["dtype"].get("config", {}).get("name", "float32")
    for k in drop:
        config.pop(k, None)
    return config


class _BuiltinRNN(RNN):
    _cell_class = None
    _cell_name = None

    def _init(self, cell_kwargs, kwargs):
        layer_kwargs = {}
        for k in ("return_sequences", "return_state", "go_backwards", "stateful", "unroll",
                  "time_major", "zero_output_for_mask"):
            if k in kwargs:
                layer_kwargs[k] = kwargs.pop(k)
        kwargs.pop("implementation", None)
        kwargs.pop("cell", None)
        dtype = kwargs.get("dtype")
        trainable = kwargs.get("trainable", True)
        cell = self._cell_class(name=self._cell_name, dtype=dtype, trainable=trainable,
                                **cell_kwargs)
        RNN.__init__(self, cell, **layer_kwargs, **kwargs)

    def call(self, inputs, mask=None, training=None, initial_state=None):
        return RNN.call(self, inputs, mask=mask, training=training,
                        initial_state=initial_state)

    def get_config(self):
        return _flat_rnn_config(self, _cell_config(self.cell))

    @classmethod
    def from_config(cls, config):
        return cls(**_init_kwargs(config, ("cell", "implementation", "use_cudnn")))

    # Keras exposes the cell's arguments and weights on the layer
    units = property(lambda self: self.cell.units)
    activation = property(lambda self: self.cell.activation)
    use_bias = property(lambda self: self.cell.use_bias)
    kernel_initializer = property(lambda self: self.cell.kernel_initializer)
    recurrent_initializer = property(lambda self: self.cell.recurrent_initializer)
    bias_initializer = property(lambda self: self.cell.bias_initializer)
    kernel_regularizer = property(lambda self: self.cell.kernel_regularizer)
    recurrent_regularizer = property(lambda self: self.cell.recurrent_regularizer)
    bias_regularizer = property(lambda self: self.cell.bias_regularizer)
    kernel_constraint = property(lambda self: self.cell.kernel_constraint)
    recurrent_constraint = property(lambda self: self.cell.recurrent_constraint)
    bias_constraint = property(lambda self: self.cell.bias_constraint)
    dropout = property(lambda self: self.cell.dropout)
    recurrent_dropout = property(lambda self: self.cell.recurrent_dropout)
    kernel = property(lambda self: self.cell.kernel)
    recurrent_kernel = property(lambda self: self.cell.recurrent_kernel)
    bias = property(lambda self: self.cell.bias)


class SimpleRNN(_BuiltinRNN):
    """A fully connected RNN layer: `SimpleRNNCell` over the time axis.

    Args: `units`, the cell's arguments (see `SimpleRNNCell`), and the `RNN` arguments
    (`return_sequences`, `return_state`, `go_backwards`, `stateful`, `unroll`).

    Example:
        >>> import flowgrad as tf
        >>> tf.keras.layers.SimpleRNN(4)(tf.ones((2, 5, 3))).shape
        TensorShape([2, 4])
    """

    _cell_class = SimpleRNNCell
    _cell_name = "simple_rnn_cell"

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, **kwargs):
        kwargs["activity_regularizer"] = activity_regularizer
        self._init(_named_args(self._cell_class.__init__, locals()), kwargs)


class LSTM(_BuiltinRNN):
    """Long short-term memory layer (Hochreiter & Schmidhuber 1997): `LSTMCell` over the time
    axis.

    Args: `units`, the cell's arguments (see `LSTMCell`: activation `tanh`,
    recurrent_activation `sigmoid`, unit_forget_bias True, dropout, recurrent_dropout, ...),
    and the `RNN` arguments (`return_sequences`, `return_state`, `go_backwards`, `stateful`,
    `unroll`, `time_major`). Weights: `kernel (input_dim, 4 * units)`,
    `recurrent_kernel (units, 4 * units)`, `bias (4 * units,)`, gates i, f, c, o.

    Example:
        >>> import flowgrad as tf
        >>> model = tf.keras.Sequential([
        ...     tf.keras.layers.LSTM(50, activation="relu", input_shape=(10, 1)),
        ...     tf.keras.layers.Dense(1)])
        >>> model.count_params()
        10451
    """

    _cell_class = LSTMCell
    _cell_name = "lstm_cell"

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, seed=None, **kwargs):
        kwargs["activity_regularizer"] = activity_regularizer
        self._init(_named_args(self._cell_class.__init__, locals()), kwargs)

    recurrent_activation = property(lambda self: self.cell.recurrent_activation)
    unit_forget_bias = property(lambda self: self.cell.unit_forget_bias)


class GRU(_BuiltinRNN):
    """Gated recurrent unit layer (Cho et al. 2014): `GRUCell` over the time axis.

    Args: `units`, the cell's arguments (see `GRUCell`: activation `tanh`,
    recurrent_activation `sigmoid`, reset_after True, dropout, recurrent_dropout, ...), and the
    `RNN` arguments. Weights: `kernel (input_dim, 3 * units)`,
    `recurrent_kernel (units, 3 * units)`, `bias (2, 3 * units)` (`(3 * units,)` with
    `reset_after=False`), gates z, r, h.
    """

    _cell_class = GRUCell
    _cell_name = "gru_cell"

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, reset_after=True, seed=None, **kwargs):
        kwargs["activity_regularizer"] = activity_regularizer
        self._init(_named_args(self._cell_class.__init__, locals()), kwargs)

    recurrent_activation = property(lambda self: self.cell.recurrent_activation)
    reset_after = property(lambda self: self.cell.reset_after)
