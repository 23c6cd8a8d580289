"""Attention layers: EinsumDense, MultiHeadAttention, Attention (Luong) and AdditiveAttention
(Bahdanau).

Weights follow Keras's layouts and names, so they can be exchanged with Keras files:

* `EinsumDense`: `kernel` (shape read off the equation) and `bias` (shape from `bias_axes`).
* `MultiHeadAttention`: four EinsumDense sublayers named `query`, `key`, `value` (kernels
  `(dim, num_heads, key_dim / value_dim)`, biases `(num_heads, key_dim / value_dim)`) and
  `attention_output` (kernel `(num_heads, value_dim, output_dim)`, bias `(output_dim,)`), in
  that order.
* `Attention`: `scale` (scalar, `use_scale=True`), `concat_score_weight` (scalar,
  `score_mode="concat"`); `AdditiveAttention`: `scale` of shape `(dim,)`.

Masks. flowgrad tensors carry no `_keras_mask`; masks reach a layer through the `mask=`
argument that Functional and Sequential models pass along from a mask-producing layer (the
mask of the layer's first input). `MultiHeadAttention` takes that mask as the query mask, and
also as the value / key mask when `value` (and `key`) is the same tensor as `query`
(self-attention); in cross-attention, pass `value_mask=` / `key_mask=` (Keras 3 arguments) or an
`attention_mask`. The attention layers take `mask=[query_mask, value_mask]` as Keras does.

Everything on the call paths is flowgrad ops over static ranks, never tensor values or the
batch size, so the layers run inside `tf.function` traces with an unknown batch dimension.
"""

import re

import numpy as np

from ...core.tensor import Tensor
from ...core.tensor_shape import TensorShape
from ...ops import array_ops, linalg_ops, math_ops, nn_ops
from ..engine import _lookup
from ..engine.base_layer import Layer, name_scope
from ..engine.keras_tensor import KerasTensor
from .core import _is_linear

_LETTERS = "abcdefghijklmnopqrstuvwxyz"

# Keras 3 constructor options that flowgrad accepts only at their neutral value (they appear in
# Keras 3 configs).
_NEUTRAL_EINSUM = {"lora_rank": None, "lora_alpha": None, "quantization_config": None,
                   "gptq_unpacked_column_size": None}
_NEUTRAL_MHA = {"use_gate": False, "sliding_window": None, "flash_attention": None}


def _pop_neutral(kwargs, table, cls_name):
    for key in table:
        if key in kwargs:
            value = kwargs.pop(key)
            if value not in (None, False, 0):
                raise NotImplementedError(f"{cls_name}: the option {key}={value!r} is not "
                                          "supported by flowgrad.")


def _dims(shape):
    """A shape (TensorShape, tuple, list) as a list of ints / None."""
    if isinstance(shape, TensorShape):
        return shape.as_list()
    return [None if d is None else int(d) for d in shape]


def _shape_of(x):
    """The static shape of a tensor-like value (Tensor, KerasTensor, array) as a list."""
    if isinstance(x, (Tensor, KerasTensor)):
        return x.shape.as_list()
    return list(np.shape(x))


def _to_tensor(x, dtype=None):
    if x is None or isinstance(x, Tensor):
        return x
    if getattr(x, "_is_variable", False):
        return x.read_value()
    return array_ops.convert_to_tensor(x, dtype=dtype)


def _to_float(x, dtype):
    """Converts `x` to a tensor and floating tensors to `dtype` (the layer's compute dtype)."""
    t = _to_tensor(x)
    if t is not None and t.dtype.is_floating and t.dtype != dtype:
        t = math_ops.cast(t, dtype)
    return t


def _as_bool(mask):
    m = _to_tensor(mask)
    if m is None or m.dtype.is_bool:
        return m
    return math_ops.greater(m, math_ops.cast(0.5, m.dtype)) if m.dtype.is_floating else \
        math_ops.not_equal(m, math_ops.cast(0, m.dtype))


def _and(a, b):
    if a is None:
        return b
    if b is None:
        return a
    return math_ops.logical_and(a, b)


def _large_negative(dtype):
    return -3e4 if dtype.name == "float16" else -1e9


def _causal_like(scores):
    """A bool tensor shaped like `scores` that is True where the query index (second-to-last
    axis) is >= the key index (last axis): each position attends to itself and earlier ones."""
    ones = array_ops.ones_like(scores)  # read at run time: no sequence length is baked in
    return math_ops.greater_equal(math_ops.cumsum(ones, axis=-2), math_ops.cumsum(ones, axis=-1))


# ---------------------------------------------------------------------------------------------
# EinsumDense
# ---------------------------------------------------------------------------------------------
_PLAIN = re.compile(r"^([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)$")
_LEFT = re.compile(r"^\.\.\.([a-zA-Z]+),([a-zA-Z]+)->\.\.\.([a-zA-Z]+)$")
_RIGHT = re.compile(r"^([a-zA-Z]{2,})\.\.\.,([a-zA-Z]+)->([a-zA-Z]{2,})\.\.\.$")


def _parse_equation(equation):
    """(input letters, kernel letters, output letters, elision) of an EinsumDense equation;
    elision is None, "left" (`...ab,bc->...ac`) or "right" (`ab...,bc->ac...`)."""
    eq = str(equation).replace(" ", "")
    for pattern, elide in ((_PLAIN, None), (_LEFT, "left"), (_RIGHT, "right")):
        m = pattern.match(eq)
        if m:
            return m.group(1), m.group(2), m.group(3), elide
    raise ValueError(f"Invalid einsum equation {equation!r}. Equations must be in the form "
                     "[X],[Y]->[Z], ...[X],[Y]->...[Z], or [X]...,[Y]->[Z]....")


def _einsum_dense_shapes(equation, bias_axes, input_shape, output_shape):
    """(kernel shape, bias shape or None, full output shape) for an EinsumDense layer.

    `output_shape` describes the output without its first (batch) dimension and without the
    dimensions an ellipsis stands for; None entries take the size of the input dimension with
    the same letter.
    """
    in_spec, k_spec, out_spec, elide = _parse_equation(equation)
    in_dims = _dims(input_shape)
    n = len(in_dims)
    elided = n - len(in_spec)
    if elided < 0 or (elide is None and elided != 0):
        raise ValueError(f"EinsumDense: the equation {equation!r} expects inputs of rank "
                         f"{len(in_spec)}, got shape {in_dims}.")
    given = list(output_shape)
    if elide is None:
        full = [in_dims[0]] + given
        out_off = 0
        in_off = 0
    elif elide == "left":
        full = in_dims[:elided] + given
        out_off = elided
        in_off = elided
    else:
        full = [in_dims[0]] + given + in_dims[n - elided:]
        out_off = 0
        in_off = 0
    if len(full) - (elided if elide else 0) != len(out_spec):
        raise ValueError(f"EinsumDense: output_shape {tuple(given)} does not match the output "
                         f"letters {out_spec!r} of the equation {equation!r}.")
    in_pos = {c: i + in_off for i, c in enumerate(in_spec)}
    out_pos = {c: i + out_off for i, c in enumerate(out_spec)}
    for c, i in out_pos.items():
        if c in in_pos:
            d_in, d_out = in_dims[in_pos[c]], full[i]
            if d_out is None:
                full[i] = d_in
            elif d_in is not None and d_in != d_out:
                raise ValueError(f"EinsumDense: output dimension {c!r} is {d_out} in "
                                 f"output_shape but {d_in} in the input shape {in_dims} "
                                 f"(equation {equation!r}).")
    kernel_shape = []
    for c in k_spec:
        if c in in_pos:
            d = in_dims[in_pos[c]]
        elif c in out_pos:
            d = full[out_pos[c]]
        else:
            raise ValueError(f"EinsumDense: the weight letter {c!r} of {equation!r} appears in "
                             "neither the input nor the output.")
        if d is None:
            raise ValueError(f"EinsumDense: the weight dimension {c!r} of {equation!r} is "
                             f"unknown (input shape {in_dims}, output_shape {tuple(given)}).")
        kernel_shape.append(int(d))
    bias_shape = None
    if bias_axes:
        for c in bias_axes:
            if c not in out_spec:
                raise ValueError(f"EinsumDense: bias axis {c!r} is not an output letter of "
                                 f"{equation!r}.")
        first = min(out_spec.index(c) for c in bias_axes)
        bias_shape = [full[out_pos[c]] if c in bias_axes else 1 for c in out_spec[first:]]
        if elide == "right":
            bias_shape += [1] * elided
        if any(d is None for d in bias_shape):
            raise ValueError(f"EinsumDense: the bias shape {bias_shape} has unknown sizes.")
    return kernel_shape, bias_shape, full


class EinsumDense(Layer):
    """A dense layer written as an einsum: `activation(einsum(equation, inputs, kernel) +
    bias)` (`tf.keras.layers.EinsumDense`).

    Args:
        equation: `"<input>,<kernel>-><output>"` in Einstein notation, e.g. `"ab,bc->ac"`
            (Dense), `"abc,cde->abde"` (a per-head projection); an ellipsis may stand for
            leading (`"...b,bc->...c"`) or trailing (`"ab...,bc->ac..."`) dimensions.
        output_shape: the output shape without the batch dimension (and without the
            ellipsis's dimensions); an int for one dimension; None entries take the size of the
            input dimension with the same letter.
        activation: an activation (default: linear).
        bias_axes: the output letters the bias varies along (default: no bias).
        kernel_initializer / bias_initializer / *_regularizer / *_constraint: as for Dense.

    Example:
        >>> import flowgrad as tf
        >>> layer = tf.keras.layers.EinsumDense("abc,cde->abde", output_shape=(None, 2, 4),
        ...                                     bias_axes="de")
        >>> layer(tf.ones((3, 5, 8))).shape
        TensorShape([3, 5, 2, 4])
    """

    def __init__(self, equation, output_shape, activation=None, bias_axes=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        _pop_neutral(kwargs, _NEUTRAL_EINSUM, "EinsumDense")
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        _parse_equation(equation)
        self.equation = str(equation)
        if isinstance(output_shape, (int, np.integer)):
            output_shape = (int(output_shape),)
        self.partial_output_shape = tuple(None if d is None else int(d) for d in output_shape)
        self.bias_axes = bias_axes or None
        self.activation = _lookup.get_activation(activation)
        self.kernel_initializer = _lookup.get_initializer(kernel_initializer)
        self.bias_initializer = _lookup.get_initializer(bias_initializer)
        self.kernel_regularizer = _lookup.get_regularizer(kernel_regularizer)
        self.bias_regularizer = _lookup.get_regularizer(bias_regularizer)
        self.kernel_constraint = _lookup.get_constraint(kernel_constraint)
        self.bias_constraint = _lookup.get_constraint(bias_constraint)

    def build(self, input_shape):
        kernel_shape, bias_shape, full = _einsum_dense_shapes(
            self.equation, self.bias_axes, TensorShape(input_shape), self.partial_output_shape)
        self.full_output_shape = tuple(full)
        self.kernel = self.add_weight("kernel", shape=kernel_shape,
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint, trainable=True)
        if bias_shape is not None:
            self.bias = self.add_weight("bias", shape=bias_shape,
                                        initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint, trainable=True)
        else:
            self.bias = None
        self.built = True

    def call(self, inputs):
        dt = self._compute_dtype_obj
        kernel = self.kernel
        if kernel.dtype != dt:  # mixed precision
            kernel = math_ops.cast(kernel, dt)
        out = linalg_ops.einsum(self.equation, inputs, kernel)
        if self.bias is not None:
            bias = self.bias if self.bias.dtype == dt else math_ops.cast(self.bias, dt)
            out = math_ops.add(out, bias)
        if not _is_linear(self.activation):
            out = self.activation(out)
        return out

    def compute_output_shape(self, input_shape):
        _, _, full = _einsum_dense_shapes(self.equation, self.bias_axes,
                                          TensorShape(input_shape), self.partial_output_shape)
        return TensorShape(full)

    def get_config(self):
        config = super().get_config()
        config.update({
            "output_shape": list(self.partial_output_shape),
            "equation": self.equation,
            "activation": _lookup.serialize_activation(self.activation),
            "bias_axes": self.bias_axes,
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
# MultiHeadAttention
# ---------------------------------------------------------------------------------------------
def _projection_equation(rank, new):
    """Equation projecting the last axis of a rank-`rank` input onto `new` new axes:
    `abc,cde->abde` for rank 3 and two new axes (heads, size)."""
    inp = _LETTERS[:rank]
    added = _LETTERS[rank:rank + new]
    return f"{inp},{inp[-1]}{added}->{inp[:-1]}{added}", added


def _output_equation(rank, new):
    """Equation contracting the last two axes (heads, size) of a rank-`rank` input onto `new`
    output axes: `abcd,cde->abe` for rank 4."""
    inp = _LETTERS[:rank]
    added = _LETTERS[rank:rank + new]
    return f"{inp},{inp[-2:]}{added}->{inp[:-2]}{added}", added


def _attention_equations(rank, axes):
    """(scores equation, combine equation, number of score dims) for projected tensors of rank
    `rank` (`(batch, ..., heads, size)`) attending over `axes`.

    Scores are laid out `(batch and other free axes..., heads, query axes..., key axes...)`:
    `(B, N, T, S)` in the common case.
    """
    target = _LETTERS[:rank]
    free = [i for i in range(rank) if i not in axes and i != rank - 1]
    nxt = rank
    source = []
    for i in range(rank):
        if i in axes:
            source.append(_LETTERS[nxt])
            nxt += 1
        else:
            source.append(target[i])
    source = "".join(source)
    product = "".join([target[i] for i in free] + [target[i] for i in axes]
                      + [source[i] for i in axes])
    return f"{source},{target}->{product}", f"{product},{source}->{target}", len(product)


class MultiHeadAttention(Layer):
    """Multi-head scaled dot-product attention (`tf.keras.layers.MultiHeadAttention`), as in
    "Attention Is All You Need".

    `query`, `key` and `value` are projected per head (EinsumDense `query` / `key` / `value`),
    `softmax(Q K^T / sqrt(key_dim))` weights the values over the attention axes, and the heads
    are projected back (`attention_output`) to the query's last dimension (or `output_shape`).

    Args:
        num_heads: the number of heads.
        key_dim: the size of each head for query and key.
        value_dim: the size of each head for value (default `key_dim`).
        dropout: dropout rate on the attention probabilities (training only).
        use_bias: whether the projections have biases.
        output_shape: the output's trailing dimensions (default: the query's last dim).
        attention_axes: the axes attention runs over (default: all but batch and features),
            e.g. `(1, 2)` for 2-D attention on `(batch, H, W, dim)` inputs.
        kernel_initializer / bias_initializer / *_regularizer / *_constraint: for the
            projections.
        seed: seed of the dropout.

    Call arguments:
        query: `(batch, T, dim)`; value: `(batch, S, dim_v)` (flowgrad: None means `query`,
            self-attention); key: `(batch, S, dim_k)`, default `value`.
        attention_mask: bool `(batch, T, S)` (broadcastable), True where attention is allowed.
        return_attention_scores: also return the attention probabilities `(batch, heads, T,
            S)` (before dropout).
        training: whether dropout applies.
        use_causal_mask: forbid attending to later positions (decoder self-attention).
        query_mask / value_mask / key_mask: `(batch, T)` / `(batch, S)` padding masks (Keras 3
            arguments); `mask`: the query mask passed along by a Functional / Sequential model.

    Rows whose keys are all masked get all-zero probabilities (Keras 3 behaviour).
    """

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True,
                 output_shape=None, attention_axes=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 seed=None, softmax_robust_masking=False, **kwargs):
        _pop_neutral(kwargs, _NEUTRAL_MHA, "MultiHeadAttention")
        shapes = {k: kwargs.pop(k, None) for k in ("query_shape", "key_shape", "value_shape")}
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.supports_masking = True
        for what, v in (("num_heads", num_heads), ("key_dim", key_dim)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v <= 0:
                raise ValueError(f"MultiHeadAttention: {what} must be a positive integer, got "
                                 f"{v!r}.")
        self._num_heads = int(num_heads)
        self._key_dim = int(key_dim)
        self._value_dim = int(value_dim) if value_dim is not None else self._key_dim
        self._dropout = float(dropout)
        if not 0.0 <= self._dropout <= 1.0:
            raise ValueError(f"MultiHeadAttention: dropout must be in [0, 1], got {dropout!r}.")
        self._use_bias = bool(use_bias)
        if isinstance(output_shape, (int, np.integer)):
            output_shape = (int(output_shape),)
        self._output_shape = tuple(int(d) for d in output_shape) if output_shape else None
        if attention_axes is not None and not isinstance(attention_axes, (list, tuple)):
            attention_axes = (attention_axes,)
        self._attention_axes = tuple(int(a) for a in attention_axes) \
            if attention_axes is not None else None
        self._kernel_initializer = _lookup.get_initializer(kernel_initializer)
        self._bias_initializer = _lookup.get_initializer(bias_initializer)
        self._kernel_regularizer = _lookup.get_regularizer(kernel_regularizer)
        self._bias_regularizer = _lookup.get_regularizer(bias_regularizer)
        self._kernel_constraint = _lookup.get_constraint(kernel_constraint)
        self._bias_constraint = _lookup.get_constraint(bias_constraint)
        self.seed = seed
        self._softmax_robust_masking = bool(softmax_robust_masking)
        # sublayers, in Keras's weight order
        self._query_dense = None
        self._key_dense = None
        self._value_dense = None
        self._output_dense = None
        if shapes["query_shape"] is not None:  # a tf.keras 2 config of a built layer
            self.build(shapes["query_shape"], shapes["value_shape"], shapes["key_shape"])

    # -- properties (Keras names) -----------------------------------------------------------
    num_heads = property(lambda self: self._num_heads)
    key_dim = property(lambda self: self._key_dim)
    value_dim = property(lambda self: self._value_dim)
    dropout = property(lambda self: self._dropout)
    use_bias = property(lambda self: self._use_bias)
    attention_axes = property(lambda self: self._attention_axes)
    query_dense = property(lambda self: self._query_dense)
    key_dense = property(lambda self: self._key_dense)
    value_dense = property(lambda self: self._value_dense)
    output_dense = property(lambda self: self._output_dense)

    # -- build ----------------------------------------------------------------------------------
    def _axes_for(self, q_rank):
        if q_rank < 3:
            raise ValueError(f"MultiHeadAttention: inputs must have rank >= 3 (batch, "
                             f"positions..., features), got rank {q_rank}.")
        if self._attention_axes is None:
            return tuple(range(1, q_rank - 1))
        axes = []
        for a in self._attention_axes:
            b = a + q_rank if a < 0 else a
            if not 1 <= b < q_rank - 1:
                raise ValueError(f"MultiHeadAttention: attention axis {a} is not a position "
                                 f"axis of inputs of rank {q_rank} (it must be between 1 and "
                                 f"{q_rank - 2}).")
            axes.append(b)
        return tuple(sorted(set(axes)))

    def _dense(self, equation, output_shape, bias_axes, name):
        return EinsumDense(equation, output_shape=output_shape,
                           bias_axes=bias_axes if self._use_bias else None,
                           kernel_initializer=self._kernel_initializer,
                           bias_initializer=self._bias_initializer,
                           kernel_regularizer=self._kernel_regularizer,
                           bias_regularizer=self._bias_regularizer,
                           kernel_constraint=self._kernel_constraint,
                           bias_constraint=self._bias_constraint,
                           dtype=self._dtype_policy, name=name)

    def build(self, query_shape, value_shape=None, key_shape=None):
        """Creates the four projections for inputs of these shapes (value / key default to
        the query's / value's)."""
        query_shape = TensorShape(query_shape)
        value_shape = TensorShape(value_shape) if value_shape is not None else query_shape
        key_shape = TensorShape(key_shape) if key_shape is not None else value_shape
        q_rank = query_shape.rank
        self._axes = self._axes_for(q_rank)
        for what, s in (("value", value_shape), ("key", key_shape)):
            if s.rank != q_rank:
                raise ValueError(f"MultiHeadAttention: {what} has rank {s.rank} but query has "
                                 f"rank {q_rank}; they must match.")
        for what, s in (("query", query_shape), ("value", value_shape), ("key", key_shape)):
            if s[-1] is None:
                raise ValueError(f"MultiHeadAttention: the last dimension of {what} must be "
                                 f"known, got shape {s}.")
        n, free = self._num_heads, q_rank - 2
        eq, added = _projection_equation(q_rank, 2)
        out_dims = self._output_shape or (query_shape[-1],)
        with name_scope(self.name):
            self._query_dense = self._dense(eq, (None,) * free + (n, self._key_dim), added,
                                            "query")
            self._query_dense.build(query_shape)
            self._key_dense = self._dense(eq, (None,) * free + (n, self._key_dim), added,
                                          "key")
            self._key_dense.build(key_shape)
            self._value_dense = self._dense(eq, (None,) * free + (n, self._value_dim), added,
                                            "value")
            self._value_dense.build(value_shape)
            out_eq, out_added = _output_equation(q_rank + 1, len(out_dims))
            self._output_dense = self._dense(out_eq, (None,) * free + tuple(out_dims),
                                             out_added, "attention_output")
            self._output_dense.build(TensorShape(query_shape.as_list()[:-1]
                                                 + [n, self._value_dim]))
        self._dot_eq, self._combine_eq, _ = _attention_equations(q_rank + 1, self._axes)
        self._shapes = {"query_shape": query_shape, "value_shape": value_shape,
                        "key_shape": key_shape}
        self.built = True

    def __call__(self, *args, **kwargs):
        if not self.built:
            query = args[0] if args else kwargs.get("query")
            value = args[1] if len(args) > 1 else kwargs.get("value")
            key = args[2] if len(args) > 2 else kwargs.get("key")
            if query is not None:
                q = _shape_of(query)
                v = _shape_of(value) if value is not None else q
                k = _shape_of(key) if key is not None else v
                self.build(q, v, k)
        if len(args) > 1 and args[1] is args[0] and not isinstance(args[0], KerasTensor) \
                and (len(args) < 3 or args[2] is None or args[2] is args[0]):
            # `mha(x, x)`: self-attention. Dropping the second reference keeps the identity
            # visible to `call` after the base class converts or casts `x`, so the query's
            # mask also masks the keys.
            args = (args[0], None, None) + tuple(args[3:])
        return super().__call__(*args, **kwargs)

    def get_build_config(self):
        shapes = getattr(self, "_shapes", None)
        if not self.built or shapes is None:
            return None
        return {"shapes_dict": {k: s.as_list() for k, s in shapes.items()}}

    def build_from_config(self, config):
        if not config or self.built:
            return
        if "shapes_dict" in config:
            self.build(**config["shapes_dict"])
        elif config.get("input_shape") is not None:
            self.build(config["input_shape"])

    # -- call ------------------------------------------------------------------------------------
    def call(self, query, value=None, key=None, attention_mask=None,
             return_attention_scores=False, training=None, use_causal_mask=False,
             query_mask=None, value_mask=None, key_mask=None, mask=None):
        dt = self._compute_dtype_obj
        self_attention = value is None or value is query
        if value is None:
            value = query
        if key is None:
            key = value
            if key_mask is None:
                key_mask = value_mask
        if query_mask is None:
            query_mask = mask
        if self_attention and value_mask is None:
            value_mask = query_mask
        query = _to_float(query, dt)

        q = self._query_dense(query)
        k = self._key_dense(key)
        v = self._value_dense(value)
        q = math_ops.multiply(q, math_ops.cast(1.0 / np.sqrt(float(self._key_dim)), q.dtype))
        scores = linalg_ops.einsum(self._dot_eq, k, q)

        n_axes = len(self._axes)
        full_mask = self._attention_mask(attention_mask, query_mask, value_mask, key_mask,
                                         scores, n_axes)
        if use_causal_mask:
            if n_axes != 1:
                raise ValueError("MultiHeadAttention: use_causal_mask needs a single attention "
                                 f"axis, got attention_axes={self._axes}.")
            full_mask = _and(full_mask, _causal_like(scores))
        probs = self._masked_softmax(scores, full_mask, n_axes)
        dropped = probs
        if training and not isinstance(training, Tensor) and self._dropout > 0:
            dropped = nn_ops.dropout(probs, rate=self._dropout, seed=self.seed) \
                if self._dropout < 1 else array_ops.zeros_like(probs)
        out = linalg_ops.einsum(self._combine_eq, dropped, v)
        out = self._output_dense(out)
        if return_attention_scores:
            return out, probs
        return out

    @staticmethod
    def _attention_mask(attention_mask, query_mask, value_mask, key_mask, scores, n_axes):
        """The bool mask (broadcastable to the scores) combining all the masks given."""
        mask = None
        qm = _as_bool(query_mask)
        if qm is not None:  # (B, T...) -> (B, T..., 1...)
            for _ in range(n_axes):
                qm = array_ops.expand_dims(qm, -1)
            mask = qm
        for m in (value_mask, key_mask):
            m = _as_bool(m)
            if m is not None:  # (B, S...) -> (B, 1..., S...)
                for _ in range(n_axes):
                    m = array_ops.expand_dims(m, -n_axes - 1)
                mask = _and(mask, m)
        am = _as_bool(attention_mask)
        mask = _and(am, mask) if am is not None else mask
        if mask is None:
            return None
        # (B, [free...], T..., S...) -> insert the heads axis (and any missing leading axes)
        rank = scores.shape.rank
        while mask.shape.rank < rank:
            mask = array_ops.expand_dims(mask, -2 * n_axes - 1)
        return mask

    @staticmethod
    def _masked_softmax(scores, mask, n_axes):
        if mask is not None:
            scores = math_ops.where(mask, scores, _large_negative(scores.dtype))
        if n_axes == 1:
            probs = nn_ops.softmax(scores, axis=-1)
        else:
            axes = list(range(-n_axes, 0))
            probs = math_ops.exp(math_ops.subtract(
                scores, math_ops.reduce_logsumexp(scores, axis=axes, keepdims=True)))
        if mask is not None:  # rows with every key masked get zeros, not a uniform average
            probs = math_ops.where(mask, probs, array_ops.zeros_like(probs))
        return probs

    # -- shapes / masks / config ------------------------------------------------------------
    def _output_dims(self, query_shape):
        q = _dims(query_shape)
        return q[:-1] + list(self._output_shape or (q[-1],))

    def _score_dims(self, query_shape, key_shape):
        q, k = _dims(query_shape), _dims(key_shape)
        rank = len(q) + 1
        axes = self._axes_for(len(q))
        tq = q[:-1] + [self._num_heads, self._key_dim]
        tk = k[:-1] + [self._num_heads, self._key_dim]
        free = [i for i in range(rank) if i not in axes and i != rank - 1]
        return [tq[i] for i in free] + [tq[i] for i in axes] + [tk[i] for i in axes]

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        return TensorShape(self._output_dims(query_shape))

    def _symbolic_outputs(self, query, value=None, key=None, *args,
                          return_attention_scores=False, **kwargs):
        if args:
            return None  # attention_mask etc. given positionally: infer by running
        from ... import dtypes as _dtypes
        dt = _dtypes.as_dtype(self.compute_dtype)
        q = query.shape
        k = key.shape if key is not None else (value.shape if value is not None else q)
        out = KerasTensor(TensorShape(self._output_dims(q)), dt)
        if return_attention_scores:
            return out, KerasTensor(TensorShape(self._score_dims(q, k)), dt)
        return out

    def compute_mask(self, query, mask=None, **kwargs):
        return mask

    def get_config(self):
        config = super().get_config()
        config.update({
            "num_heads": self._num_heads,
            "key_dim": self._key_dim,
            "value_dim": self._value_dim,
            "dropout": self._dropout,
            "use_bias": self._use_bias,
            "output_shape": list(self._output_shape) if self._output_shape else None,
            "attention_axes": list(self._attention_axes)
            if self._attention_axes is not None else None,
            "kernel_initializer": _lookup.serialize_initializer(self._kernel_initializer),
            "bias_initializer": _lookup.serialize_initializer(self._bias_initializer),
            "kernel_regularizer": _lookup.serialize_regularizer(self._kernel_regularizer),
            "bias_regularizer": _lookup.serialize_regularizer(self._bias_regularizer),
            "activity_regularizer": _lookup.serialize_regularizer(self.activity_regularizer),
            "kernel_constraint": _lookup.serialize_constraint(self._kernel_constraint),
            "bias_constraint": _lookup.serialize_constraint(self._bias_constraint),
            "seed": self.seed,
        })
        return config


# ---------------------------------------------------------------------------------------------
# Attention (Luong) and AdditiveAttention (Bahdanau)
# ---------------------------------------------------------------------------------------------
class _DenseAttention(Layer):
    """Shared call logic: `[query, value(, key)]` -> `softmax(score(query, key)) @ value`."""

    def __init__(self, use_scale=False, dropout=0.0, seed=None, causal=False, **kwargs):
        super().__init__(**kwargs)
        self.use_scale = bool(use_scale)
        self.dropout = float(dropout)
        if not 0.0 <= self.dropout <= 1.0:
            raise ValueError(f"{type(self).__name__}: dropout must be in [0, 1], got "
                             f"{dropout!r}.")
        self.seed = seed
        self._causal = bool(causal)  # tf.keras 2.x's deprecated constructor argument
        self.supports_masking = True

    def _validate(self, inputs, mask=None):
        name = type(self).__name__
        if not isinstance(inputs, (list, tuple)) or not 2 <= len(inputs) <= 3:
            raise ValueError(f"{name} layer must be called on a list of inputs, namely [query, "
                             f"value] or [query, value, key]. Received: {inputs!r}.")
        if mask is not None and (not isinstance(mask, (list, tuple)) or not 2 <= len(mask) <= 3):
            raise ValueError(f"{name} layer mask must be a list of length 2 or 3, namely "
                             f"[query_mask, value_mask(, key_mask)]. Received: {mask!r}.")

    def _shapes(self, input_shape):
        shapes = [TensorShape(s) for s in input_shape]
        return shapes[0], shapes[1], (shapes[2] if len(shapes) > 2 else shapes[1])

    def call(self, inputs, mask=None, training=None, return_attention_scores=False,
             use_causal_mask=None):
        self._validate(inputs, mask)
        dt = self._compute_dtype_obj
        query = _to_float(inputs[0], dt)
        value = _to_float(inputs[1], dt)
        key = _to_float(inputs[2], dt) if len(inputs) > 2 else value
        q_mask = _as_bool(mask[0]) if mask else None
        v_mask = _as_bool(mask[1]) if mask else None
        scores = self._scores(query, key)
        if use_causal_mask is None:
            use_causal_mask = self._causal
        score_mask = None
        if v_mask is not None:
            score_mask = array_ops.expand_dims(v_mask, -2)  # (B, 1, Tv)
        if use_causal_mask:
            score_mask = _and(_causal_like(scores), score_mask)
        if score_mask is not None:
            big = 65504.0 if scores.dtype.name == "float16" else 1.0e9
            padding = math_ops.cast(math_ops.logical_not(score_mask), scores.dtype)
            scores = math_ops.subtract(scores, math_ops.multiply(padding, big))
        weights = nn_ops.softmax(scores, axis=-1)
        if training and not isinstance(training, Tensor) and self.dropout > 0:
            weights = nn_ops.dropout(weights, rate=self.dropout, seed=self.seed) \
                if self.dropout < 1 else array_ops.zeros_like(weights)
        result = linalg_ops.matmul(weights, value)
        if q_mask is not None:
            result = math_ops.multiply(
                result, math_ops.cast(array_ops.expand_dims(q_mask, -1), result.dtype))
        if return_attention_scores:
            return result, weights
        return result

    def compute_mask(self, inputs, mask=None):
        self._validate(inputs, mask)
        if mask is None or mask[0] is None:
            return None
        return _as_bool(mask[0])

    def compute_output_shape(self, input_shape):
        q, v, _ = self._shapes(input_shape)
        return TensorShape(q.as_list()[:-1] + v.as_list()[-1:])

    def _symbolic_outputs(self, inputs, *args, return_attention_scores=False, **kwargs):
        if not isinstance(inputs, (list, tuple)) or not 2 <= len(inputs) <= 3:
            return None
        from ... import dtypes as _dtypes
        dt = _dtypes.as_dtype(self.compute_dtype)
        q, v, k = self._shapes([t.shape for t in inputs])
        out = KerasTensor(TensorShape(q.as_list()[:-1] + v.as_list()[-1:]), dt)
        if return_attention_scores:
            return out, KerasTensor(TensorShape(q.as_list()[:-1] + k.as_list()[-2:-1]), dt)
        return out

    def get_config(self):
        config = super().get_config()
        config.update({"use_scale": self.use_scale, "dropout": self.dropout,
                       "seed": self.seed})
        if self._causal:
            config["causal"] = True
        return config


class Attention(_DenseAttention):
    """Dot-product (Luong-style) attention (`tf.keras.layers.Attention`).

    Called on `[query, value]` or `[query, value, key]` (key defaults to value) of shapes
    `(batch, Tq, dim)`, `(batch, Tv, dim)`: `scores = query @ key^T` (times the scalar `scale`
    when `use_scale`), or with `score_mode="concat"` `concat_score_weight *
    sum(tanh(scale * (query_i + key_j)))`; returns `softmax(scores) @ value`, `(batch, Tq,
    dim_v)`.

    Args:
        use_scale: learn a scalar `scale` (initialized to 1) multiplying the scores.
        score_mode: `"dot"` or `"concat"`.
        dropout: dropout rate on the attention weights (training only).
        seed: seed of the dropout.

    Call arguments: `mask=[query_mask, value_mask]` (bool `(batch, Tq)` / `(batch, Tv)`:
    padded values are not attended to, padded queries give zeros), `training`,
    `return_attention_scores` (also return the weights, after dropout), `use_causal_mask`.
    """

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        super().__init__(use_scale=use_scale, dropout=dropout, seed=seed, **kwargs)
        if score_mode not in ("dot", "concat"):
            raise ValueError(f"Invalid value for argument score_mode. Expected one of "
                             f"{{'dot', 'concat'}}. Received: score_mode={score_mode}")
        self.score_mode = score_mode

    def build(self, input_shape):
        self.scale = self.add_weight("scale", shape=(), initializer="ones",
                                     trainable=True) if self.use_scale else None
        self.concat_score_weight = self.add_weight(
            "concat_score_weight", shape=(), initializer="ones",
            trainable=True) if self.score_mode == "concat" else None
        self.built = True

    def _scores(self, query, key):
        if self.score_mode == "dot":
            scores = linalg_ops.matmul(query, key, transpose_b=True)
            if self.scale is not None:
                scores = math_ops.multiply(scores, math_ops.cast(self.scale, scores.dtype))
            return scores
        s = math_ops.add(array_ops.expand_dims(query, -2), array_ops.expand_dims(key, -3))
        if self.scale is not None:
            s = math_ops.multiply(s, math_ops.cast(self.scale, s.dtype))
        w = math_ops.cast(self.concat_score_weight, s.dtype)
        return math_ops.multiply(w, math_ops.reduce_sum(math_ops.tanh(s), axis=-1))

    def get_config(self):
        config = super().get_config()
        config["score_mode"] = self.score_mode
        return config


class AdditiveAttention(_DenseAttention):
    """Additive (Bahdanau-style) attention (`tf.keras.layers.AdditiveAttention`).

    Called on `[query, value]` or `[query, value, key]`: `scores_ij = sum(scale * tanh(query_i
    + key_j))` (without `scale` when `use_scale=False`), returns `softmax(scores) @ value`.

    Args:
        use_scale: learn a `scale` vector of shape `(dim,)` (default True).
        dropout: dropout rate on the attention weights (training only).
        seed: seed of the dropout.

    Call arguments as for `Attention`.
    """

    def __init__(self, use_scale=True, dropout=0.0, seed=None, **kwargs):
        super().__init__(use_scale=use_scale, dropout=dropout, seed=seed, **kwargs)

    def build(self, input_shape):
        dim = TensorShape(input_shape[0])[-1] if isinstance(input_shape, (list, tuple)) and \
            not isinstance(input_shape[0], (int, type(None))) else None
        if self.use_scale:
            if dim is None:
                raise ValueError("AdditiveAttention: the last dimension of the query must be "
                                 "known to create `scale`.")
            self.scale = self.add_weight("scale", shape=(int(dim),),
                                         initializer="glorot_uniform", trainable=True)
        else:
            self.scale = None
        self.built = True

    def _scores(self, query, key):
        s = math_ops.tanh(math_ops.add(array_ops.expand_dims(query, -2),
                                       array_ops.expand_dims(key, -3)))
        if self.scale is not None:
            s = math_ops.multiply(s, math_ops.cast(self.scale, s.dtype))
        return math_ops.reduce_sum(s, axis=-1)
