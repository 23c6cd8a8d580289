"""Layer wrappers: `Bidirectional` (a recurrent layer run forwards and backwards) and
`TimeDistributed` (a layer applied to every timestep)."""

import copy

from ...core.tensor import Tensor
from ...core.tensor_shape import TensorShape
from ...ops import array_ops, indexing_ops
from ..engine.base_layer import Layer, name_scope

__all__ = ["Bidirectional", "TimeDistributed", "Wrapper"]


def _layer_from_config(layer, **overrides):
    """A fresh layer of `layer`'s class and config (no weights shared)."""
    config = dict(layer.get_config())
    config.update(overrides)
    cls = type(layer)
    try:
        return cls.from_config(config)
    except TypeError:
        return copy.deepcopy(layer)


def _serialize(layer):
    from . import serialize
    return serialize(layer)


def _deserialize(config, custom_objects=None):
    from . import deserialize
    return deserialize(config, custom_objects=custom_objects)


class Wrapper(Layer):
    """Base class of the layer wrappers: holds `layer` and serializes it in its config."""

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"Please initialize `{type(self).__name__}` layer with a "  # noqa: TRY004
                             f"`keras.layers.Layer` instance. Received: {layer!r}")
        super().__init__(**kwargs)
        self.layer = layer

    def get_config(self):
        config = super().get_config()
        config["layer"] = _serialize(self.layer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if isinstance(config.get("dtype"), dict):
            config["dtype"] = config["dtype"].get("config", {}).get("name", "float32")
        layer = _deserialize(config.pop("layer"), custom_objects)
        return cls(layer, **config)


# ---------------------------------------------------------------------------------------------
class Bidirectional(Wrapper):
    """Runs a recurrent layer over the sequence forwards and a copy backwards, and merges
    their outputs.

    Args:
        layer: the recurrent layer (`LSTM(64)`, `GRU(...)`, `RNN(cell)`). It is used as a
            template: the forward and backward layers are new instances of its config.
        merge_mode: `"concat"` (default), `"sum"`, `"mul"`, `"ave"`, or None (a list
            `[forward, backward]`).
        backward_layer: an explicit backward layer (its `go_backwards` must be the opposite
            of `layer`'s, and `return_sequences` / `return_state` equal).

    With `return_sequences`, the backward output is reversed back to the input's time
    order before merging. With `return_state`, the outputs are
    `[merged, *forward_states, *backward_states]`.

    Example:
        >>> import flowgrad as tf
        >>> bi = tf.keras.layers.Bidirectional(tf.keras.layers.LSTM(4))
        >>> bi(tf.ones((2, 5, 3))).shape
        TensorShape([2, 8])
    """

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None,
                 **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"Please initialize `Bidirectional` layer with a "  # noqa: TRY004
                             f"`keras.layers.Layer` instance. Received: {layer!r}")
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError(f"`backward_layer` need to be a `keras.layers.Layer` instance. "
                             f"Received: {backward_layer!r}")
        if merge_mode not in ("sum", "mul", "ave", "concat", None):
            raise ValueError(f"Invalid merge mode. Received: {merge_mode}. Merge mode should "
                             "be one of {'sum', 'mul', 'ave', 'concat', None}")
        Layer.__init__(self, **kwargs)
        forward = _layer_from_config(layer)
        if backward_layer is None:
            backward = _layer_from_config(layer, go_backwards=not layer.go_backwards)
        else:
            backward = backward_layer
            if backward.go_backwards == layer.go_backwards:
                raise ValueError("Forward layer and backward layer should have different "
                                 "`go_backwards` value. Received: "
                                 f"forward_layer.go_backwards={layer.go_backwards}, "
                                 f"backward_layer.go_backwards={backward.go_backwards}")
            for attr in ("stateful", "return_sequences", "return_state"):
                if getattr(layer, attr, None) != getattr(backward, attr, None):
                    raise ValueError(f"Forward layer and backward layer are expected to have "
                                     f"the same value for attribute \"{attr}\", got "
                                     f"\"{getattr(layer, attr, None)}\" for forward layer and "
                                     f"\"{getattr(backward, attr, None)}\" for backward layer")
        forward.__dict__["_name"] = "forward_" + layer.name
        if backward_layer is None:
            backward.__dict__["_name"] = "backward_" + layer.name
        self.__dict__["_backward_config"] = (_serialize(backward_layer)
                                             if backward_layer is not None else None)
        for lay in (forward, backward):
            # masked steps output zeros when returning sequences (as Keras forces it)
            if hasattr(lay, "zero_output_for_mask"):
                lay.zero_output_for_mask = bool(lay.return_sequences)
        self.forward_layer = forward
        self.backward_layer = backward
        self.layer = forward
        self.merge_mode = merge_mode
        self.return_sequences = bool(getattr(layer, "return_sequences", False))
        self.return_state = bool(getattr(layer, "return_state", False))
        self._stateful = bool(getattr(layer, "stateful", False))
        self.supports_masking = True
        self.__dict__["_initial_weights"] = weights

    @property
    def stateful(self):
        return self._stateful

    def build(self, input_shape):
        shape = input_shape
        if isinstance(shape, (list, tuple)) and shape and not all(
                d is None or isinstance(d, int) for d in shape):
            shape = shape[0]
        shape = TensorShape(shape)
        with name_scope(self.name):
            for lay in (self.forward_layer, self.backward_layer):
                if not lay.built:
                    lay.build(shape)
                    lay.built = True
        self.built = True

    def _merge(self, y, y_rev):
        mode = self.merge_mode
        if mode == "concat":
            return array_ops.concat([y, y_rev], axis=-1)
        if mode == "sum":
            return y + y_rev
        if mode == "ave":
            return (y + y_rev) / 2
        if mode == "mul":
            return y * y_rev
        return [y, y_rev]

    def call(self, inputs, training=None, mask=None, initial_state=None):
        if isinstance(inputs, (list, tuple)):
            parts = list(inputs)
            inputs = parts[0]
            if initial_state is None and len(parts) > 1:
                initial_state = parts[1:]
        kw = {}
        if training is not None:
            kw["training"] = training
        if mask is not None:
            kw["mask"] = mask[0] if isinstance(mask, (list, tuple)) else mask
        fw_kw, bw_kw = dict(kw), dict(kw)
        if initial_state is not None:
            states = list(initial_state)
            half = len(states) // 2
            fw_kw["initial_state"] = states[:half]
            bw_kw["initial_state"] = states[half:]
        pair = None
        if initial_state is None:
            from .recurrent import run_fused_pair
            pair = run_fused_pair(self.forward_layer, self.backward_layer, inputs, training,
                                  kw.get("mask"))
        if pair is not None:
            y, y_rev = pair
        else:
            y = self.forward_layer(inputs, **fw_kw)
            y_rev = self.backward_layer(inputs, **bw_kw)
        if self.return_state:
            states = list(y[1:]) + list(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            time_axis = 0 if getattr(self.forward_layer, "time_major", False) else 1
            y_rev = indexing_ops.reverse(y_rev, [time_axis])
        out = self._merge(y, y_rev)
        if self.return_state:
            return (out if isinstance(out, list) else [out]) + states
        return out

    def reset_states(self, states=None):
        if not self._stateful:
            raise AttributeError("Layer must be stateful.")
        if states is None:
            self.forward_layer.reset_states()
            self.backward_layer.reset_states()
        else:
            states = list(states)
            half = len(states) // 2
            self.forward_layer.reset_states(states[:half])
            self.backward_layer.reset_states(states[half:])

    def compute_output_shape(self, input_shape):
        fw = self.forward_layer.compute_output_shape(input_shape)
        if self.return_state:
            states = [TensorShape(s) for s in fw[1:]]
            fw = TensorShape(fw[0])
            states = states + states
        else:
            fw = TensorShape(fw)
            states = []
        if self.merge_mode == "concat":
            dims = fw.as_list()
            dims[-1] = dims[-1] * 2 if dims[-1] is not None else None
            out = [TensorShape(dims)]
        elif self.merge_mode is None:
            out = [fw, fw]
        else:
            out = [fw]
        if self.return_state:
            return out + states
        return out[0] if len(out) == 1 else out

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        out = mask if self.return_sequences else None
        outs = [out, out] if self.merge_mode is None else [out]
        if self.return_state:
            n = len(_states_of(self.forward_layer)) * 2
            return outs + [None] * n
        return outs[0] if len(outs) == 1 else outs

    def get_config(self):
        config = Layer.get_config(self)
        config["merge_mode"] = self.merge_mode
        # the template: the forward layer's config under the original name
        fw_config = _serialize(self.forward_layer)
        name = fw_config["config"].get("name", "")
        if name.startswith("forward_"):
            fw_config["config"]["name"] = name[len("forward_"):]
        fw_config["config"].pop("zero_output_for_mask", None)
        config["layer"] = fw_config
        if self.__dict__.get("_backward_config") is not None:
            config["backward_layer"] = self.__dict__["_backward_config"]
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if isinstance(config.get("dtype"), dict):
            config["dtype"] = config["dtype"].get("config", {}).get("name", "float32")
        layer = _deserialize(config.pop("layer"), custom_objects)
        backward = config.pop("backward_layer", None)
        if backward is not None:
            backward = _deserialize(backward, custom_objects)
        return cls(layer, backward_layer=backward, **config)


def _states_of(layer):
    cell = getattr(layer, "cell", None)
    if cell is None:
        return [None]
    from .recurrent import _flat_sizes
    return _flat_sizes(cell.state_size)


# ---------------------------------------------------------------------------------------------
class TimeDistributed(Wrapper):
    """Applies `layer` to every timestep of `(batch, time, ...)` inputs: the batch and time
    axes are merged, the layer runs once on `(batch * time, ...)`, and the result is split
    back to `(batch, time, ...)`. The layer's weights are shared across timesteps.

    Example:
        >>> import flowgrad as tf
        >>> td = tf.keras.layers.TimeDistributed(tf.keras.layers.Dense(8))
        >>> td(tf.ones((2, 10, 16))).shape
        TensorShape([2, 10, 8])
    """

    def __init__(self, layer, **kwargs):
        super().__init__(layer, **kwargs)
        self.supports_masking = True

    def build(self, input_shape):
        shape = TensorShape(input_shape)
        if shape.rank is None or shape.rank < 3:
            raise ValueError(f"`TimeDistributed` Layer should be passed an `input_shape` with at "
                             f"least 3 dimensions, received: {shape}")
        inner = TensorShape([None] + shape.as_list()[2:])
        if not self.layer.built:
            with name_scope(self.name):
                self.layer.build(inner)
            self.layer.built = True
        self.built = True

    def call(self, inputs, training=None, mask=None):
        x = inputs if isinstance(inputs, Tensor) else array_ops.convert_to_tensor(inputs)
        dims = x.shape.as_list()
        batch, time, inner = dims[0], dims[1], dims[2:]
        if any(d is None for d in inner):
            raise ValueError(f"TimeDistributed needs known inner dimensions, got {dims}.")
        flat = array_ops.reshape(x, [-1] + inner)
        kw = {}
        if training is not None:
            kw["training"] = training
        if mask is not None:
            from ..engine.base_layer import _call_spec
            if _call_spec(self.layer).mask:
                kw["mask"] = array_ops.reshape(mask, [-1] + mask.shape.as_list()[2:])
        y = self.layer(flat, **kw)
        out_inner = y.shape.as_list()[1:]
        if time is not None:
            return array_ops.reshape(y, [-1, time] + out_inner)
        if batch is not None:
            return array_ops.reshape(y, [batch, -1] + out_inner)
        bt = array_ops.shape(x)[:2]
        return array_ops.reshape(y, array_ops.concat(
            [bt, array_ops.constant(out_inner, dtype="int32")], axis=0))

    def compute_output_shape(self, input_shape):
        dims = TensorShape(input_shape).as_list()
        inner = self.layer.compute_output_shape(TensorShape([None] + dims[2:]))
        return TensorShape(dims[:2] + TensorShape(inner).as_list()[1:])

    def compute_mask(self, inputs, mask=None):
        return mask

    def get_config(self):
        return Wrapper.get_config(self)

