"""`ConvLSTM2D`: an LSTM whose input and recurrent transformations are 2-D convolutions
(Shi et al. 2015), over inputs `(batch, time, rows, cols, channels)`.

It runs on the RNN layer's loop (recurrent.py): the input convolution of every timestep is one
`conv2d` over `(batch * time, rows, cols, channels)`; each step then runs the recurrent
convolution (stride 1, "same" padding) and the LSTM gate arithmetic. Weights as in tf.keras 2:
`kernel (kh, kw, channels, 4 * filters)`, `recurrent_kernel (kh, kw, filters, 4 * filters)`,
`bias (4 * filters,)`, gates i, f, c, o, named `<layer>/kernel` etc.
"""

import numpy as np

from ...core.tensor_shape import TensorShape
from ...ops import array_ops, conv_ops
from ..engine import _lookup
from ..engine.base_layer import Layer, unique_object_name
from .convolutional import _named_args
from .recurrent import (
    RNN,
    _add_cell_weights,
    _as_list,
    _cell_config,
    _check_rate,
    _dropout_mask,
    _flat_rnn_config,
    _init_kwargs,
    _read,
    _set_weight_args,
    _training_flag,
    _UnitForgetBias,
)

__all__ = ["ConvLSTM2D", "ConvLSTM2DCell"]


def _pair(v, name):
    if isinstance(v, (int, np.integer)):
        return (int(v), int(v))
    v = tuple(int(d) for d in v)
    if len(v) != 2:
        raise ValueError(f"The `{name}` argument must be a tuple of 2 integers. Received: {v}")
    return v


def _conv_length(n, k, padding, stride, dilation):
    if n is None:
        return None
    k = (k - 1) * dilation + 1
    if padding == "same":
        return -(-n // stride)
    return (n - k) // stride + 1 if n >= k else 0


class ConvLSTM2DCell(Layer):
    """The cell of `ConvLSTM2D` (one step on `(batch, rows, cols, channels)` inputs; states
    `[h, c]` of shape `(batch, rows', cols', filters)`). Arguments as `ConvLSTM2D`."""

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), activation="tanh", recurrent_activation="hard_sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.filters = int(filters)
        self.kernel_size = _pair(kernel_size, "kernel_size")
        self.strides = _pair(strides, "strides")
        self.padding = str(padding).lower()
        if self.padding not in ("valid", "same"):
            raise ValueError(f"The `padding` argument must be one of 'valid', 'same'. "
                             f"Received: {padding}")
        self.data_format = data_format or "channels_last"
        if self.data_format != "channels_last":
            raise NotImplementedError("ConvLSTM2D: only data_format='channels_last' is "
                                      "supported by flowgrad.")
        self.dilation_rate = _pair(dilation_rate, "dilation_rate")
        self.activation = _lookup.get_activation(activation)
        self.recurrent_activation = _lookup.get_activation(recurrent_activation)
        self.use_bias = bool(use_bias)
        _set_weight_args(self, (kernel_initializer, recurrent_initializer, bias_initializer),
                         (kernel_regularizer, recurrent_regularizer, bias_regularizer),
                         (kernel_constraint, recurrent_constraint, bias_constraint))
        self.unit_forget_bias = bool(unit_forget_bias)
        self.dropout = _check_rate("dropout", dropout)
        self.recurrent_dropout = _check_rate("recurrent_dropout", recurrent_dropout)
        self.seed = seed

    @property
    def state_size(self):
        return [self.filters, self.filters]

    @property
    def output_size(self):
        return self.filters

    def build(self, input_shape):
        shape = TensorShape(input_shape)
        channels = shape[-1]
        if channels is None:
            raise ValueError(f"The channel dimension of the inputs to ConvLSTM2D should be "
                             f"defined. Found None. Full input shape received: {shape}")
        kh, kw = self.kernel_size
        f4 = 4 * self.filters
        init = _UnitForgetBias(self.bias_initializer) if self.unit_forget_bias \
            else self.bias_initializer
        _add_cell_weights(self, (kh, kw, int(channels), f4), (kh, kw, self.filters, f4), (f4,),
                          init)

    def output_spatial(self, rows, cols):
        (kh, kw), (sh, sw), (dh, dw) = self.kernel_size, self.strides, self.dilation_rate
        return (_conv_length(rows, kh, self.padding, sh, dh),
                _conv_length(cols, kw, self.padding, sw, dw))

    def _input_conv(self, x, k):
        return conv_ops.conv2d(x, k, strides=list(self.strides), padding=self.padding.upper(),
                               dilations=list(self.dilation_rate))

    # -- the sequence protocol of RNN ------------------------------------------------------
    def _seq_project(self, x, training=None):
        """The input convolution of every step at once: (batch * time, rows, cols, ch)."""
        dt = x.dtype
        k = _read(self.kernel, dt)
        u = _read(self.recurrent_kernel, dt)
        b = _read(self.bias, dt) if self.use_bias else None
        train = _training_flag(training)
        if train and 0.0 < self.dropout < 1.0:
            x = x * _dropout_mask(x[:, :1], self.dropout, self.seed)
        dims = x.shape.as_list()
        time = dims[1]
        flat = array_ops.reshape(x, [-1] + dims[2:])
        proj = self._input_conv(flat, k)
        if b is not None:
            proj = proj + b
        proj = array_ops.reshape(proj, [-1, int(time)] + proj.shape.as_list()[1:])
        steps = array_ops.unstack(proj, axis=1)
        rec_mask = None
        if train and 0.0 < self.recurrent_dropout < 1.0:
            rec_mask = _dropout_mask(self._zero_states_like(steps[0])[0], self.recurrent_dropout,
                                     self.seed)
        return steps, (u, rec_mask)

    def _zero_states_like(self, p):
        z = array_ops.zeros_like(p[..., :self.filters])
        return [z, z]

    def _seq_step(self, p, states, ctx):
        u, rec_mask = ctx
        h, c = states[0], states[1]
        hr = h * rec_mask if rec_mask is not None else h
        z = p + conv_ops.conv2d(hr, u, strides=1, padding="SAME")
        zi, zf, zc, zo = array_ops.split(z, 4, axis=-1)
        ra, act = self.recurrent_activation, self.activation
        c = ra(zf) * c + ra(zi) * act(zc)
        h = ra(zo) * act(c)
        return h, [h, c]

    def call(self, inputs, states, training=None):
        states = _as_list(states)
        x = array_ops.expand_dims(inputs, 1)
        steps, ctx = self._seq_project(x, training)
        return self._seq_step(steps[0], states, ctx)

    def get_config(self):
        config = super().get_config()
        config.update(_conv_config(self))
        return config


def _conv_config(cell):
    return _cell_config(cell, {
        "filters": cell.filters, "kernel_size": cell.kernel_size, "strides": cell.strides,
        "padding": cell.padding, "data_format": cell.data_format,
        "dilation_rate": cell.dilation_rate})


ConvLSTM2DCell._protocol_base = ConvLSTM2DCell


class ConvLSTM2D(RNN):
    """Convolutional LSTM over `(batch, time, rows, cols, channels)` inputs.

    Args:
        filters: the number of output channels.
        kernel_size, strides, padding (`"valid"` / `"same"`), dilation_rate: of the input
            convolution (the recurrent one uses stride 1 and "same" padding).
        data_format: only `"channels_last"`.
        activation (`tanh`), recurrent_activation (`hard_sigmoid`, tf.keras 2's default),
        use_bias, initializers, unit_forget_bias, regularizers, constraints, dropout,
        recurrent_dropout: as `LSTM`.
        return_sequences, return_state, go_backwards, stateful: as `RNN`.

    Output `(batch, rows', cols', filters)`, or `(batch, time, rows', cols', filters)` with
    `return_sequences`.

    Example:
        >>> import flowgrad as tf
        >>> tf.keras.layers.ConvLSTM2D(4, 3, padding="same")(tf.ones((2, 3, 5, 6, 2))).shape
        TensorShape([2, 5, 6, 4])
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), activation="tanh", recurrent_activation="hard_sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, **kwargs):
        cell = ConvLSTM2DCell(**_named_args(ConvLSTM2DCell.__init__, locals()),
                              dtype=kwargs.get("dtype"), name="conv_lstm_cell")
        for k in ("implementation", "cell", "unroll", "time_major"):
            kwargs.pop(k, None)
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful,
                         activity_regularizer=activity_regularizer, **kwargs)
        # tf.keras 2 names the weights `<layer>/kernel`: the cell takes the layer's name
        cell.__dict__["_name"] = self.name

    def _default_name(self):
        return unique_object_name("conv_lstm2d")

    def build(self, input_shape):
        shape = TensorShape(input_shape if not (isinstance(input_shape, list) and input_shape
                                                and isinstance(input_shape[0], (list, tuple,
                                                                                TensorShape)))
                            else input_shape[0])
        if shape.rank != 5:
            raise ValueError(f"Input 0 of layer \"{self.name}\" is incompatible with the layer: "
                             f"expected ndim=5, found ndim={shape.rank}. Full shape received: "
                             f"{tuple(shape.as_list()) if shape.rank is not None else None}")
        dims = shape.as_list()
        if not self.cell.built:
            self.cell.build(TensorShape([dims[0]] + dims[2:]))
            self.cell.built = True
        if self._stateful:
            batch = dims[0] if dims[0] is not None else (
                self._batch_input_shape[0] if self._batch_input_shape else None)
            if batch is not None:
                self._create_conv_states(int(batch), dims)
        self.built = True

    def _create_conv_states(self, batch, dims):
        from ...core.variable import Variable
        from ...graph.tracer import init_scope
        from .recurrent import _StateHolder
        rows, cols = self.cell.output_spatial(dims[2], dims[3])
        shape = (batch, rows, cols, self.cell.filters)
        holder = self.__dict__.get("_state_holder")
        if holder is not None and tuple(holder.variables[0].shape.as_list()) == shape:
            return
        with init_scope():
            variables = [Variable(np.zeros(shape, dtype=np.dtype(self.dtype)), trainable=False,
                                  name=f"{self.name}/state_{i}") for i in range(2)]
        self.__dict__["_state_holder"] = _StateHolder(variables)

    def _create_states(self, batch):
        shape = self.__dict__.get("_build_input_shape")
        dims = TensorShape(shape).as_list() if shape is not None else None
        if dims is None:
            raise ValueError("ConvLSTM2D: build the layer before creating its states.")
        self._create_conv_states(batch, dims)

    def call(self, inputs, mask=None, training=None, initial_state=None):
        x = inputs[0] if isinstance(inputs, (list, tuple)) else inputs
        if x.shape.rank != 5:
            raise ValueError(f"Input 0 of layer \"{self.name}\" is incompatible with the layer: "
                             f"expected ndim=5, found ndim={x.shape.rank}.")
        if x.shape[1] is None:
            raise ValueError("ConvLSTM2D needs a known number of timesteps (the time dimension "
                             "of the input is None inside this trace): fix the sequence length "
                             "in the input_signature.")
        return RNN.call(self, inputs, mask=mask, training=training, initial_state=initial_state)

    def compute_output_shape(self, input_shape):
        dims = TensorShape(input_shape).as_list()
        rows, cols = self.cell.output_spatial(dims[2], dims[3])
        state = TensorShape([dims[0], rows, cols, self.cell.filters])
        out = TensorShape([dims[0], dims[1], rows, cols, self.cell.filters]) \
            if self.return_sequences else state
        if self.return_state:
            return [out, state, state]
        return out

    def get_config(self):
        return _flat_rnn_config(self, _conv_config(self.cell), drop=("unroll", "time_major"))

    @classmethod
    def from_config(cls, config):
        return cls(**_init_kwargs(config, ("cell",)))

    filters = property(lambda self: self.cell.filters)
    kernel_size = property(lambda self: self.cell.kernel_size)
    kernel = property(lambda self: self.cell.kernel)
    recurrent_kernel = property(lambda self: self.cell.recurrent_kernel)
    bias = property(lambda self: self.cell.bias)

