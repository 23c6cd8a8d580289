"""`keras.Model`: a Layer with training (the `Trainer` mixin), in three flavours:

* Functional: `Model(inputs, outputs)` over KerasTensors (returns a `Functional` instance);
* subclassed: `class MyModel(keras.Model)` with `call()`;
* `Sequential` (sequential.py), a Functional model built layer by layer.
"""

import json

from ... import dtypes as _dtypes
from ... import nest
from ...core.tensor import Tensor
from ...core.tensor_shape import TensorShape
from . import base_layer as _bl
from .base_layer import (
    _CTX,
    Layer,
    _as_shape_structure,
    _convert_inputs,
    _dedup,
    _flatten,
    _map_leaves,
)
from .functional import GraphNetwork, _concrete, eager_scope
from .input_spec import InputSpec
from .keras_tensor import KerasTensor
from .training import Trainer

_MODEL_KWARGS = frozenset({"trainable", "name", "dtype", "dynamic", "autocast"})


def _is_functional_call(args, kwargs):
    n = len(args)
    return (n >= 2 or (n == 1 and "outputs" in kwargs)
            or ("inputs" in kwargs and "outputs" in kwargs))


class Model(Layer, Trainer):
    """A model: layers plus training and inference (`tf.keras.Model`).

    Functional API:
        >>> import flowgrad as tf
        >>> inputs = tf.keras.Input(shape=(3,))
        >>> outputs = tf.keras.layers.Dense(2)(inputs)
        >>> model = tf.keras.Model(inputs=inputs, outputs=outputs)
        >>> model(tf.ones((4, 3))).shape
        TensorShape([4, 2])

    Subclassing: define layers in `__init__` and the forward pass in `call(inputs, training)`.
    """

    def __new__(cls, *args, **kwargs):
        if cls is Model and _is_functional_call(args, kwargs):
            return Layer.__new__(Functional, *args, **kwargs)
        return Layer.__new__(cls, *args, **kwargs)

    def __init__(self, *args, **kwargs):
        inputs = kwargs.pop("inputs", None)
        outputs = kwargs.pop("outputs", None)
        if args:
            inputs, args = args[0], args[1:]
        if args:
            outputs, args = args[0], args[1:]
        if args:
            raise TypeError(f"Model() takes at most 2 positional arguments (inputs, outputs), "
                            f"got {len(args) + 2}.")
        for k in kwargs:
            if k not in _MODEL_KWARGS:
                raise TypeError(f"Keyword argument not understood: {k!r} (passed to "
                                f"{type(self).__name__}).")
        if inputs is not None and outputs is not None:
            self._init_graph_network(inputs, outputs, **kwargs)
        elif inputs is not None or outputs is not None:
            raise ValueError("A Functional model needs both `inputs` and `outputs`; got only "
                             f"{'inputs' if inputs is not None else 'outputs'}.")
        else:
            Layer.__init__(self, **kwargs)
            self.__dict__["_is_graph_network"] = False
        self._init_trainer()

    def _init_trainer(self):
        for klass in type(self).__mro__:
            if klass is Trainer:
                init = Trainer.__dict__.get("__init__")
                if init is not None:
                    init(self)
                break

    # -- functional construction ----------------------------------------------------------
    def _init_graph_network(self, inputs, outputs, name=None, trainable=True, **kwargs):
        if isinstance(inputs, KerasTensor) is False and isinstance(inputs, (list, tuple)) \
                and len(inputs) == 1 and isinstance(inputs[0], KerasTensor) and \
                not isinstance(inputs, list):
            inputs = inputs[0]
        Layer.__init__(self, name=name, trainable=trainable, **kwargs)
        d = self.__dict__
        d["_is_graph_network"] = True
        d["_nested_inputs"] = inputs
        d["_nested_outputs"] = outputs
        flat_in = nest.flatten(inputs)
        flat_out = nest.flatten(outputs)
        d["inputs"] = flat_in
        d["outputs"] = flat_out
        d["_symbolic_losses"] = []
        d["_graph"] = GraphNetwork(flat_in, flat_out, name=self.name)
        d["_functional_layers"] = list(d["_graph"].layers)
        d["_input_layers"] = [t.node.layer for t in flat_in]
        d["_output_layers"] = [t._keras_history[0] for t in flat_out]
        if isinstance(inputs, dict):
            names = sorted(inputs)
        else:
            names = [lay.name for lay in d["_input_layers"]]
        self.input_spec = [InputSpec(shape=tuple(t.shape.as_list()) if t.shape.rank is not None
                                     else None, allow_last_axis_squeeze=True, name=n)
                           for t, n in zip(flat_in, names)]
        d["_input_keys"] = names
        d["_autocast"] = False
        d["_single_input"] = len(flat_in) == 1
        d["_single_output"] = isinstance(outputs, KerasTensor)
        self.built = True
        self._invalidate_tracking()

    def _default_name(self):
        return _bl.unique_object_name(_bl.to_snake_case(type(self).__name__))

    # -- building ---------------------------------------------------------------------------
    def _maybe_build(self, inputs):
        if self.built:
            return
        if type(self).build is Model.build:
            # Subclassed models build their layers while `call` runs.
            self.__dict__["_build_input_shape"] = _bl._shapes_of(inputs)
            self.built = True
            return
        Layer._maybe_build(self, inputs)

    def build(self, input_shape=None):
        """Builds the model's weights for `input_shape` (e.g. `(None, 28, 28, 1)`, or a list /
        dict of shapes) by calling it once on dummy data; Functional models are built already.

        Raises:
            ValueError: a subclassed model built without an input shape.
        """
        if getattr(self, "_is_graph_network", False):
            self.built = True
            return
        if input_shape is None:
            raise ValueError("Input shape must be defined when calling `build()` on a `Model` "
                             "subclass.")
        shapes = _as_shape_structure(input_shape)
        specs = _map_leaves(lambda s: KerasTensor(s, self.compute_dtype), shapes)
        dummy = _concrete(specs, 1, 1)
        self.__dict__["built"] = True  # the call must not come back here
        c = _CTX
        saved = c.gen
        c.no_losses += 1
        try:
            with eager_scope():
                self(dummy)
        finally:
            c.no_losses -= 1
            c.gen = saved
        self.__dict__["_build_input_shape"] = input_shape

    # -- calling ----------------------------------------------------------------------------
    def call(self, inputs, training=None, mask=None):
        """Runs the model. Functional models evaluate their graph; subclasses override this."""
        if not getattr(self, "_is_graph_network", False):
            raise NotImplementedError(
                f"Model {type(self).__name__} has no `call()` method: when subclassing "
                "`keras.Model`, implement `call(self, inputs, training=None)`, or build the "
                "model with the Functional API `keras.Model(inputs, outputs)`.")
        return self._run_graph(inputs, mask)

    def _flatten_model_inputs(self, inputs):
        n = len(self.inputs)
        if isinstance(inputs, dict):
            keys = self._input_keys
            flat = []
            for k, t in zip(keys, self.inputs):
                if k in inputs:
                    flat.append(inputs[k])
                elif t.node.layer.name in inputs:
                    flat.append(inputs[t.node.layer.name])
                elif n == 1 and len(inputs) == 1:
                    flat.append(next(iter(inputs.values())))
                else:
                    raise ValueError(f'Missing data for input "{k}". You passed a data dictionary '
                                     f"with keys {sorted(inputs)}. Expected the following keys: "
                                     f"{keys}")
            return flat
        if n == 1:
            if isinstance(inputs, (list, tuple)) and len(inputs) == 1:
                return [inputs[0]]
            return [inputs]
        if isinstance(inputs, (list, tuple)):
            if len(inputs) != n:
                raise ValueError(f'Layer "{self.name}" expects {n} input(s), but it received '
                                 f"{len(inputs)} input tensors.")
            return list(inputs)
        raise ValueError(f'Layer "{self.name}" expects {n} input(s), but it received 1 input '
                         f"tensor.")

    def _run_graph(self, inputs, mask=None):
        d = self.__dict__
        if d["_single_input"] and type(inputs) is Tensor:
            flat = [_conform(inputs, d["inputs"][0])]
        else:
            flat = self._flatten_model_inputs(inputs)
            flat = [_conform(x, t) for x, t in zip(flat, self.inputs)]
        masks = None
        if mask is not None:
            masks = self._flatten_model_inputs(mask) if isinstance(mask, (list, tuple, dict)) \
                else [mask]
        extra = self._symbolic_losses
        outs = self._graph.run(flat, masks, extra)
        if extra:
            n = len(self.outputs)
            for loss in outs[n:]:
                self.add_loss(loss)
            outs = outs[:n]
        if self._single_output:
            return outs[0]
        return nest.pack_sequence_as(self._nested_outputs, outs)

    def compute_mask(self, inputs, mask=None):
        if not getattr(self, "_is_graph_network", False):
            return Layer.compute_mask(self, inputs, mask)
        masks = getattr(self._graph, "last_masks", None)
        if masks is None:
            return None
        return masks[0] if self._single_output else nest.pack_sequence_as(
            self._nested_outputs, masks)

    def _symbolic_outputs(self, inputs, *args, **kwargs):
        """Output KerasTensors of a Functional model called on KerasTensors of its input
        shapes (used when the model is nested in another model)."""
        if not getattr(self, "_is_graph_network", False) or args or \
                any(k not in ("training", "mask") for k in kwargs):
            return None
        try:
            flat = self._flatten_model_inputs(inputs)
        except ValueError:
            return None
        for x, t in zip(flat, self.inputs):
            if not isinstance(x, KerasTensor) or not x.shape.is_compatible_with(t.shape):
                return None
        outs = [KerasTensor(t.shape, t.dtype) for t in self.outputs]
        if self._single_output:
            return outs[0]
        return nest.pack_sequence_as(self._nested_outputs, outs)

    def compute_output_shape(self, input_shape):
        if getattr(self, "_is_graph_network", False):
            shapes = _as_shape_structure(input_shape)
            flat = nest.flatten(shapes) if not isinstance(shapes, TensorShape) else [shapes]
            if len(flat) == len(self.inputs) and all(
                    TensorShape(s).is_compatible_with(t.shape) for s, t in zip(flat, self.inputs)):
                outs = [t.shape for t in self.outputs]
                return outs[0] if self._single_output else nest.pack_sequence_as(
                    self._nested_outputs, outs)
        return Layer.compute_output_shape(self, input_shape)

    def add_loss(self, losses, inputs=None, **kwargs):
        Layer.add_loss(self, losses, inputs=inputs, **kwargs)

    def _add_symbolic_loss(self, loss):
        if not getattr(self, "_is_graph_network", False):
            return Layer._add_symbolic_loss(self, loss)
        for t in _flatten(loss):
            if not isinstance(t, KerasTensor):
                continue
            self._symbolic_losses.append(t)
        g = GraphNetwork(self.inputs, self.outputs + self._symbolic_losses, name=self.name)
        g.outputs = list(self.outputs)
        g._out_ids = [id(t) for t in self.outputs]
        self.__dict__["_graph"] = g
        self.__dict__["_functional_layers"] = list(g.layers)
        self._invalidate_tracking()

    # -- structure --------------------------------------------------------------------------
    @property
    def layers(self):
        """The model's layers: for Functional models the graph's layers (Input layers
        first); for subclassed models the layers set as attributes."""
        if getattr(self, "_is_graph_network", False):
            return list(self._functional_layers)
        return self._direct_layers()

    def get_layer(self, name=None, index=None):
        """Returns a layer by `name` or by `index` (position in `layers`).

        Raises:
            ValueError: no such layer, or neither argument given.
        """
        if index is not None and name is not None:
            raise ValueError(f"Provide only a layer name or a layer index. Received: "
                             f"index={index}, name={name}.")
        if index is not None:
            layers = self.layers
            if len(layers) <= index or index < -len(layers):
                raise ValueError(f"Was asked to retrieve layer at index {index} but model only "
                                 f"has {len(layers)} layers.")
            return layers[index]
        if name is not None:
            for layer in self.layers:
                if layer.name == name:
                    return layer
            raise ValueError(f"No such layer: {name}. Existing layers are: "
                             f"{[lay.name for lay in self.layers]}.")
        raise ValueError("Provide either a layer name or layer index at `get_layer`.")

    def _assert_weights_created(self):
        if getattr(self, "_requires_build_for_weights", False) and not self.built:
            raise ValueError(
                f"Weights for model '{self.name}' have not yet been created. Weights are "
                "created when the model is first called on inputs or `build()` is called with "
                "an `input_shape`.")

    @property
    def trainable_weights(self):
        if not self._trainable or not self.built and getattr(
                self, "_requires_build_for_weights", False):
            return []
        out = []
        for layer in self._direct_layers():
            out.extend(layer.trainable_weights)
        out.extend(v for v in self._own_variables() if v.trainable)
        return _dedup(out)

    @property
    def non_trainable_weights(self):
        if not self.built and getattr(self, "_requires_build_for_weights", False):
            return []
        out = []
        for layer in self._direct_layers():
            out.extend(layer.non_trainable_weights if self._trainable else layer.weights)
        own = self._own_variables()
        out.extend(v for v in own if not v.trainable or not self._trainable)
        return _dedup(out)

    @property
    def weights(self):
        """All weights, layer by layer (Keras 2's model order)."""
        self._assert_weights_created()
        out = []
        for layer in self._direct_layers():
            out.extend(layer.weights)
        out.extend(self._own_variables())
        return _dedup(out)

    def count_params(self):
        if not self.built:
            raise ValueError(
                f"You tried to call `count_params` on layer {self.name}, but the layer isn't "
                f"built. You can build it manually via: `{self.name}.build(batch_input_shape)`.")
        return Layer.count_params(self)

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None):
        """Prints a table of the layers with their output shapes and parameter counts, then
        the total / trainable / non-trainable parameter counts and sizes.

        Args:
            line_length: the width of the table.
            positions: column right edges (fractions of `line_length` or absolute).
            print_fn: a function called with each line instead of `print`.
            expand_nested: also list the layers of nested models.
            show_trainable: add a "Trainable" column.
            layer_range: `[first_name, last_name]` to print part of the table.
        """
        from .summary import print_summary
        print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn,
                      expand_nested=expand_nested, show_trainable=show_trainable,
                      layer_range=layer_range)

    # -- functional views -------------------------------------------------------------------
    @property
    def input(self):
        """The model's input KerasTensor(s) (Functional / built Sequential models)."""
        if getattr(self, "_is_graph_network", False):
            return self._nested_inputs
        return Layer.input.fget(self)

    @property
    def output(self):
        """The model's output KerasTensor(s) (Functional / built Sequential models)."""
        if getattr(self, "_is_graph_network", False):
            return self._nested_outputs
        return Layer.output.fget(self)

    @property
    def input_shape(self):
        if getattr(self, "_is_graph_network", False):
            return _map_leaves(lambda t: tuple(t.shape.as_list()), self._nested_inputs)
        if self._inbound_nodes:
            return Layer.input_shape.fget(self)
        if self._build_input_shape is not None:
            return _map_leaves(lambda s: tuple(s) if s is not None else None,
                               self._build_input_shape)
        raise AttributeError(f"The model {self.name!r} has not been built or called yet, so its "
                             "input shape is not defined.")

    @property
    def output_shape(self):
        if getattr(self, "_is_graph_network", False):
            return _map_leaves(lambda t: tuple(t.shape.as_list()), self._nested_outputs)
        return Layer.output_shape.fget(self)

    @property
    def input_names(self):
        if getattr(self, "_is_graph_network", False):
            return list(self._input_keys)
        return None

    @property
    def output_names(self):
        if getattr(self, "_is_graph_network", False):
            if isinstance(self._nested_outputs, dict):
                return sorted(self._nested_outputs)
            return [t._keras_history[0].name for t in self.outputs]
        return None

    # -- config -----------------------------------------------------------------------------
    def get_config(self):
        """Functional models: Keras 2's graph config (layers with their inbound nodes).
        Subclassed models: the constructor arguments when they are plain values."""
        if not getattr(self, "_is_graph_network", False):
            try:
                return Layer.get_config(self)
            except NotImplementedError:
                raise NotImplementedError(
                    f"Model {type(self).__name__} is a subclassed model: override get_config() "
                    "to serialize it.") from None
        return _functional_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        if "layers" in config and "input_layers" in config:
            model = _functional_from_config(config, custom_objects)
            if cls is not Model and cls is not Functional:
                inst = cls.__new__(cls)
                Model.__init__(inst, inputs=model._nested_inputs, outputs=model._nested_outputs,
                               name=model.name)
                return inst
            return model
        return cls(**config)

    def to_json(self, **kwargs):
        """The model config as a JSON string (`keras.models.model_from_json` reads it)."""
        return json.dumps({"class_name": type(self).__name__, "config": self.get_config(),
                           "keras_version": "2.15.0", "backend": "tensorflow"},
                          default=_json_default, **kwargs)

    # -- saving (implemented in keras.saving) ----------------------------------------------
    def save(self, filepath, overwrite=True, save_format=None, include_optimizer=True,
             **kwargs):
        """Saves the model: `.keras` (Keras 3 zip), `.h5` (legacy Keras HDF5), or a
        SavedModel-style directory for other paths. See `keras.saving.save_model`."""
        from .. import saving
        saving.save_model(self, filepath, overwrite=overwrite, save_format=save_format,
                          include_optimizer=include_optimizer, **kwargs)

    def save_weights(self, filepath, overwrite=True, **kwargs):
        """Writes the weights: `*.weights.h5` (Keras 3 layout), other `.h5` (legacy layout), or
        a `tf.train.Checkpoint` prefix for other paths."""
        from .. import saving
        saving.save_weights(self, filepath, overwrite=overwrite, **kwargs)

    def load_weights(self, filepath, skip_mismatch=False, by_name=False, **kwargs):
        """Reads weights written by `save_weights` (or by Keras / tf.keras); the format is
        recognized from the file's content."""
        from .. import saving
        saving.load_weights(self, filepath, skip_mismatch=skip_mismatch, by_name=by_name,
                            **kwargs)

    def get_compile_config(self):
        from ..saving import saving_lib
        return saving_lib.get_compile_config(self)

    def compile_from_config(self, config):
        from ..saving import saving_lib
        saving_lib.compile_from_config(self, config)

    def __reduce_ex__(self, protocol):
        return object.__reduce_ex__(self, protocol)


class Functional(Model):
    """A Model defined by a graph of layer calls: what `keras.Model(inputs, outputs)`
    returns."""

    def _default_name(self):
        return _bl.unique_object_name("model")


def _conform(x, ref):
    """Casts an input to the dtype of the model's Input and adds a missing trailing axis of
    size 1, as tf.keras does."""
    if type(x) is Tensor:
        v = x._value
        if v.dtype == ref._np_dtype and v.ndim == ref._rank:
            return x
    else:
        x = _convert_inputs(x)
        if not isinstance(x, Tensor):
            return x
    dt = ref._dtype
    if x.dtype != dt and dt != _dtypes.string:
        from ...ops.math_ops import cast
        x = cast(x, dt)
    rank = ref._shape.rank
    if rank is not None:
        xr = x.shape.rank
        if xr == rank - 1 and rank >= 2 and ref._shape[-1] == 1:
            from ...ops.array_ops import expand_dims
            x = expand_dims(x, -1)
        elif xr == rank + 1 and x.shape[-1] == 1 and rank >= 1:
            from ...ops.array_ops import squeeze
            x = squeeze(x, -1)
    return x


def _json_default(o):
    import numpy as np
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, TensorShape):
        return o.as_list()
    if hasattr(o, "name") and hasattr(o, "is_floating"):
        return o.name
    raise TypeError(f"Object of type {type(o).__name__} is not JSON serializable")


# ---------------------------------------------------------------------------------------------
# Functional config
# ---------------------------------------------------------------------------------------------
def _node_key(layer, graph):
    """Maps a layer's node indices to indices among the nodes kept in this graph."""
    kept = [n for n in layer._inbound_nodes if id(n) in graph.node_ids]
    return {n.index: i for i, n in enumerate(kept)}, kept


def _functional_config(model):
    from ..layers import serialize as serialize_layer
    graph = model._graph
    layer_configs = []
    maps = {}
    for layer in model.layers:
        mapping, kept = _node_key(layer, graph)
        maps[id(layer)] = mapping
    for layer in model.layers:
        mapping, kept = _node_key(layer, graph)
        cfg = serialize_layer(layer)
        cfg["name"] = layer.name
        inbound = []
        for node in kept:
            if node.is_input:
                continue
            kwargs = {k: v for k, v in node.call_kwargs.items()
                      if not _bl._contains_keras_tensor(v)}
            entries = []
            first = node.call_args[0] if node.call_args else None
            for t in _flatten(first):
                if not isinstance(t, KerasTensor):
                    continue
                lay, ni, ti = t._keras_history
                entries.append([lay.name, maps.get(id(lay), {}).get(ni, ni), ti, kwargs])
            if isinstance(first, KerasTensor):
                pass
            inbound.append(entries)
        cfg["inbound_nodes"] = inbound
        layer_configs.append(cfg)

    def refs(tensors):
        out = []
        for t in tensors:
            lay, ni, ti = t._keras_history
            out.append([lay.name, maps.get(id(lay), {}).get(ni, ni), ti])
        return out
    config = {"name": model.name, "trainable": model.trainable, "layers": layer_configs,
              "input_layers": refs(model.inputs), "output_layers": refs(model.outputs)}
    if isinstance(model._nested_inputs, dict):
        config["input_layers"] = {k: r for k, r in zip(sorted(model._nested_inputs),
                                                       refs(model.inputs))}
    if isinstance(model._nested_outputs, dict):
        config["output_layers"] = {k: r for k, r in zip(sorted(model._nested_outputs),
                                                        refs(model.outputs))}
    return config


def _functional_from_config(config, custom_objects=None):
    from ..layers import deserialize as deserialize_layer
    created = {}
    pending = []
    for lc in config["layers"]:
        layer = deserialize_layer(lc, custom_objects=custom_objects)
        created[lc.get("name", layer.name)] = layer
        pending.extend((layer, nd) for nd in lc.get("inbound_nodes", []))
    outputs_of = {}  # (layer name, node index) -> output structure

    for name, layer in created.items():
        if getattr(layer, "_is_input_layer", False):
            outputs_of[(name, 0)] = layer._inbound_nodes[-1].outputs
    node_count = {}
    while pending:
        progress = False
        rest = []
        for layer, nd in pending:
            entries = nd if isinstance(nd, list) else nd.get("args", [])
            ready = all((e[0], e[1]) in outputs_of for e in entries)
            # nodes of one layer are created in order
            nxt = node_count.get(layer.name, 0)
            if not ready or any(p is layer and p_nd is not nd for p, p_nd in rest):
                rest.append((layer, nd))
                continue
            tensors = []
            kwargs = {}
            for e in entries:
                out = outputs_of[(e[0], e[1])]
                flat = _flatten(out)
                tensors.append(flat[e[2]])
                if len(e) > 3 and e[3]:
                    kwargs = dict(e[3])
            arg = tensors[0] if len(tensors) == 1 else tensors
            result = layer(arg, **kwargs)
            outputs_of[(layer.name, nxt)] = result
            node_count[layer.name] = nxt + 1
            progress = True
        if not progress and rest:
            raise ValueError(f"Cannot rebuild the Functional model from its config: layers "
                             f"{sorted({lay.name for lay, _ in rest})} have unresolved inputs.")
        pending = rest

    def resolve(refs):
        if isinstance(refs, dict):
            return {k: resolve([v])[0] if isinstance(v[0], str) else resolve(v)
                    for k, v in refs.items()}
        if refs and isinstance(refs[0], str):
            refs = [refs]
        out = []
        for r in refs:
            layer = created[r[0]]
            idx = r[1]
            if getattr(layer, "_is_input_layer", False):
                val = layer._inbound_nodes[0].outputs
            else:
                val = outputs_of[(r[0], idx)]
            out.append(_flatten(val)[r[2]])
        return out
    inputs = resolve(config["input_layers"])
    outputs = resolve(config["output_layers"])
    if isinstance(inputs, list) and len(inputs) == 1:
        inputs = inputs[0]
    if isinstance(outputs, list) and len(outputs) == 1:
        outputs = outputs[0]
    return Functional(inputs=inputs, outputs=outputs, name=config.get("name"),
                      trainable=config.get("trainable", True))
