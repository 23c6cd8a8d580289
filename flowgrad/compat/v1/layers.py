"""`tf.compat.v1.layers`: the functional TF1 layers `dense`, `dropout` and `flatten`, built on
`get_variable` so `variable_scope(reuse=...)` shares their weights."""

from ... import dtypes as _dtypes
from ...ops import array_ops, linalg_ops, math_ops
from ...ops._common import to_tensor
from ._variables import get_variable, variable_scope, zeros_initializer


def dense(inputs, units, activation=None, use_bias=True, kernel_initializer=None,
          bias_initializer=None, kernel_regularizer=None, bias_regularizer=None,
          activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
          trainable=True, name=None, reuse=None):
    """`activation(inputs @ kernel + bias)` with variables `<name>/kernel` and `<name>/bias`."""
    x = to_tensor(inputs)
    dt = x.dtype if x.dtype.is_floating else _dtypes.float32
    if x.dtype != dt:
        x = math_ops.cast(x, dt)
    in_dim = x.shape[-1]
    if in_dim is None:
        raise ValueError("The last dimension of the inputs to `Dense` should be defined. "
                         "Found `None`.")
    with variable_scope(name, default_name="dense", reuse=reuse):
        kernel = get_variable("kernel", [int(in_dim), units], dtype=dt,
                              initializer=kernel_initializer, regularizer=kernel_regularizer,
                              trainable=trainable, constraint=kernel_constraint)
        if x.shape.rank is not None and x.shape.rank > 2:
            y = linalg_ops.tensordot(x, kernel, [[x.shape.rank - 1], [0]])
        else:
            y = linalg_ops.matmul(x, kernel)
        if use_bias:
            bias = get_variable("bias", [units], dtype=dt,
                                initializer=bias_initializer or zeros_initializer(),
                                regularizer=bias_regularizer, trainable=trainable,
                                constraint=bias_constraint)
            y = y + bias
        if activation is not None:
            y = activation(y)
    return y


def dropout(inputs, rate=0.5, noise_shape=None, seed=None, training=False, name=None):
    """Drops elements with probability `rate` when `training` (a Python bool or a bool tensor,
    e.g. a placeholder) is true."""
    from ...graph.tracer import SymbolicTensor
    from ...ops.control_flow_ops import cond
    from . import nn as v1_nn
    x = to_tensor(inputs)
    if isinstance(training, SymbolicTensor):
        return cond(training, lambda: v1_nn.dropout(x, rate=rate, seed=seed),
                    lambda: array_ops.identity(x))
    if not training:
        return array_ops.identity(x)
    return v1_nn.dropout(x, rate=rate, noise_shape=noise_shape, seed=seed)


def flatten(inputs, name=None, data_format="channels_last"):
    x = to_tensor(inputs)
    rest = x.shape.as_list()[1:]
    if None in rest:
        raise ValueError("flatten needs the non-batch dimensions to be known.")
    n = 1
    for d in rest:
        n *= d
    return array_ops.reshape(x, [-1, n])
