"""`keras.Sequential`: a linear stack of layers.

With a known input shape (an `input_shape=` on the first layer, a `keras.Input` added first,
or `build(input_shape)`), the model also records its Functional graph, so `model.inputs`,
`model.outputs`, `layer.output` and `summary()` work before any data is seen. Without one, the
graph is made from the first batch's shape. Calling the model runs the layers in order.
"""

from ...core.tensor import Tensor
from ...core.tensor_shape import TensorShape
from . import base_layer as _bl
from .base_layer import Layer, _as_shape_structure
from .functional import GraphNetwork, _produces_mask, eager_scope
from .input_layer import InputLayer
from .input_spec import InputSpec
from .keras_tensor import KerasTensor
from .model import Functional, Model, _conform


class Sequential(Functional):
    """A model made of layers applied one after another (`tf.keras.Sequential`).

    Args:
        layers: a list of layers (more can be added with `add`).
        name: default `sequential`, `sequential_1`, ...

    Example:
        >>> import flowgrad as tf
        >>> model = tf.keras.Sequential([tf.keras.layers.Dense(4, input_shape=(3,)),
        ...                              tf.keras.layers.Dense(1)])
        >>> model.output_shape
        (None, 1)
    """

    def __init__(self, layers=None, name=None, trainable=True, **kwargs):
        Layer.__init__(self, name=name, trainable=trainable, **kwargs)
        d = self.__dict__
        d["_is_graph_network"] = False
        d["_seq_layers"] = []
        d["_input_layer"] = None
        d["_graph"] = None
        d["_symbolic_losses"] = []
        d["_requires_build_for_weights"] = True
        d["_autocast"] = False
        d["_own_nodes"] = []
        self._init_trainer()
        if layers is not None:
            if not isinstance(layers, (list, tuple)):
                layers = [layers]
            for layer in layers:
                self.add(layer)

    def _default_name(self):
        return _bl.unique_object_name("sequential")

    def _invalidate_tracking(self):
        self.__dict__["_no_masks"] = None
        Layer._invalidate_tracking(self)

    # -- structure --------------------------------------------------------------------------
    @property
    def layers(self):
        """The layers, in order (the Input layer is not listed, as in Keras)."""
        return list(self._seq_layers)

    def add(self, layer):
        """Appends a layer (or a `keras.Input` tensor, which fixes the input shape).

        Raises:
            TypeError: `layer` is not a Layer.
            ValueError: a layer with the same name is already in the model, or the layer
                returns several outputs.
        """
        if isinstance(layer, KerasTensor):
            hist = layer._keras_history
            if hist is None or not getattr(hist[0], "_is_input_layer", False):
                raise ValueError("Only keras.Input tensors can be added to a Sequential model; "
                                 f"got {layer}.")
            layer = hist[0]
        if not isinstance(layer, Layer):
            raise TypeError(f"The added layer must be an instance of class Layer. Received: "
                            f"layer={layer!r} of type {type(layer)}.")
        if getattr(layer, "_is_input_layer", False):
            if self._seq_layers or self._input_layer is not None:
                raise ValueError("An InputLayer can only be added first to a Sequential model "
                                 f"({self.name!r} already has layers).")
            self.__dict__["_input_layer"] = layer
            self._invalidate_tracking()
            self._rebuild_graph()
            return
        for existing in self._seq_layers:
            if existing.name == layer.name:
                raise ValueError(
                    f"All layers added to a Sequential model should have unique names. Name "
                    f'"{layer.name}" is already the name of a layer in this model. Update the '
                    "`name` argument to pass a unique name.")
        self._seq_layers.append(layer)
        self._invalidate_tracking()
        if self._input_layer is None and len(self._seq_layers) == 1:
            shape, dtype = _declared_input(layer)
            if shape is not None:
                self.__dict__["_input_layer"] = InputLayer(
                    batch_input_shape=shape, dtype=dtype, name=f"{layer.name}_input")
            self._invalidate_tracking()
        if self._graph is not None:
            self._extend_graph(layer)
        elif self._input_layer is not None:
            self._rebuild_graph()
        else:
            self.built = False

    def pop(self):
        """Removes the last layer.

        Raises:
            TypeError: the model has no layers.
        """
        if not self._seq_layers:
            raise TypeError("There are no layers in the model.")
        layer = self._seq_layers.pop()
        self._invalidate_tracking()
        if not self._seq_layers and self._input_layer is not None and \
                self._input_layer.name.endswith("_input") and \
                self._input_layer.name == f"{layer.name}_input":
            self.__dict__["_input_layer"] = None
        self._rebuild_graph()
        return layer

    # -- graph ------------------------------------------------------------------------------
    def _drop_own_nodes(self):
        for node in self._own_nodes:
            nodes = node.layer._inbound_nodes
            if node in nodes:
                nodes.remove(node)
                for i, n in enumerate(nodes):
                    n.index = i
                    for j, t in enumerate(n.output_tensors):
                        t._keras_history = (n.layer, i, j)
        self.__dict__["_own_nodes"] = []

    def _rebuild_graph(self):
        d = self.__dict__
        self._drop_own_nodes()
        d["_graph"] = None
        d["_is_graph_network"] = False
        if self._input_layer is None:
            self.built = False
            return
        x = self._input_layer._inbound_nodes[0].outputs
        d["_current_output"] = x
        d["_graph_input"] = x
        ok = True
        for layer in self._seq_layers:
            if not self._extend_graph(layer, finish=False):
                ok = False
                break
        if ok:
            self._finish_graph()
        self.built = True

    def _extend_graph(self, layer, finish=True):
        x = self._current_output
        before = len(layer._inbound_nodes)
        y = layer(x)
        if len(layer._inbound_nodes) > before:
            self._own_nodes.append(layer._inbound_nodes[-1])
        if not isinstance(y, KerasTensor):
            raise ValueError(  # noqa: TRY004 - Keras raises ValueError
                "All layers in a Sequential model should have a single output tensor. For "
                "multi-output layers, use the functional API.")
        self.__dict__["_current_output"] = y
        if finish:
            self._finish_graph()
        return True

    def _finish_graph(self):
        d = self.__dict__
        x = d["_graph_input"]
        y = d["_current_output"]
        d["_graph"] = GraphNetwork([x], [y], name=self.name)
        d["_is_graph_network"] = True
        d["_nested_inputs"] = x
        d["_nested_outputs"] = y
        d["inputs"] = [x]
        d["outputs"] = [y]
        d["_input_layers"] = [self._input_layer]
        d["_output_layers"] = [y._keras_history[0]]
        d["_input_keys"] = [self._input_layer.name]
        d["_single_input"] = True
        d["_single_output"] = True
        self.input_spec = InputSpec(shape=tuple(x.shape.as_list()),
                                    allow_last_axis_squeeze=True)
        self.built = True
        self._invalidate_tracking()

    def _build_from_shape(self, shape, dtype=None):
        if not self._seq_layers:
            raise ValueError(f"Sequential model {self.name!r} has no layers; add layers "
                             "before building or calling it.")
        shape = tuple(shape)
        self.__dict__["_input_layer"] = InputLayer(
            batch_input_shape=(None,) + shape[1:], dtype=dtype,
            name=f"{self._seq_layers[0].name}_input")
        try:
            self._rebuild_graph()
        except Exception:
            # A layer that cannot run symbolically: build eagerly on the first call instead.
            self._drop_own_nodes()
            self.__dict__["_input_layer"] = None
            self.__dict__["_graph"] = None
            self.__dict__["_is_graph_network"] = False
            raise

    def build(self, input_shape=None):
        """Builds the model for `input_shape` (with the batch dimension, e.g. `(None, 784)`).

        Raises:
            ValueError: no input shape is known.
        """
        if input_shape is None:
            if self._graph is not None:
                self.built = True
                return
            raise ValueError("You must provide an `input_shape` argument.")
        shape = _as_shape_structure(input_shape)
        if not isinstance(shape, TensorShape):
            raise ValueError(f"Sequential models take a single input; got input_shape="  # noqa: TRY004 - Keras raises ValueError
                             f"{input_shape}.")
        if self._graph is not None and self._graph.inputs[0].shape.is_compatible_with(shape):
            self.built = True
            return
        self._build_from_shape(shape.as_list())
        self.__dict__["_build_input_shape"] = tuple(shape.as_list())

    def _maybe_build(self, inputs):
        if self.built:
            return
        if not isinstance(inputs, (Tensor, KerasTensor)) or inputs.shape.rank is None:
            self.built = True
            return
        try:
            with eager_scope():
                self._build_from_shape(inputs.shape.as_list(), dtype=inputs.dtype)
        except Exception:  # noqa: BLE001
            # Layers that only run eagerly: they build on the call instead (a real error
            # shows up again, with its message, in that call).
            self.built = True

    # -- calling ----------------------------------------------------------------------------
    def call(self, inputs, training=None, mask=None):
        """Applies the layers in order (passing masks along when a layer produces one)."""
        layers = self._seq_layers
        if not layers:
            raise ValueError(f"Sequential model {self.name!r} has no layers; add layers before "
                             "calling it.")
        x = inputs
        d = self.__dict__
        if d["_graph"] is not None:
            x = _conform(x, d["inputs"][0])
        if mask is None:
            plain = d.get("_no_masks")
            if plain is None:
                plain = d["_no_masks"] = not any(_produces_mask(lay) for lay in layers)
            if plain:
                for layer in layers:
                    x = layer(x)
                if d.get("_last_mask") is not None:
                    d["_last_mask"] = None
                return x
        for layer in layers:
            if mask is None:
                y = layer(x)
                if _produces_mask(layer):
                    mask = layer.compute_mask(x, None)
            else:
                if _bl._call_spec(layer).mask:
                    y = layer(x, mask=mask)
                else:
                    y = layer(x)
                mask = layer.compute_mask(x, mask)
            x = y
        self.__dict__["_last_mask"] = mask
        return x

    def compute_mask(self, inputs, mask=None):
        return self.__dict__.get("_last_mask")

    def _symbolic_outputs(self, inputs, *args, **kwargs):
        if self._graph is None:
            return None
        return Functional._symbolic_outputs(self, inputs, *args, **kwargs)

    # -- config -----------------------------------------------------------------------------
    def get_config(self):
        from ..layers import serialize as serialize_layer
        layers = []
        if self._input_layer is not None:
            layers.append(serialize_layer(self._input_layer))
        layers.extend(serialize_layer(layer) for layer in self._seq_layers)
        return {"name": self.name, "layers": layers}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from ..layers import deserialize as deserialize_layer
        if isinstance(config, list):
            config = {"layers": config}
        model = cls(name=config.get("name"))
        for lc in config.get("layers", []):
            model.add(deserialize_layer(lc, custom_objects=custom_objects))
        if not model.built and config.get("build_input_shape"):
            model.build(config["build_input_shape"])
        return model


def _declared_input(layer):
    """The (batch_input_shape, dtype) a first layer declares, or (None, None)."""
    if isinstance(layer, Model) and getattr(layer, "_is_graph_network", False) and \
            len(layer.inputs) == 1:
        t = layer.inputs[0]
        return tuple(t.shape.as_list()), t.dtype
    shape = getattr(layer, "_batch_input_shape", None)
    if shape is None:
        return None, None
    dtype = layer.__dict__.get("_input_dtype") or None
    return shape, dtype
