"""The Functional API machinery: nodes recorded by layer calls on KerasTensors, and the graph
of a `Model(inputs, outputs)`, run in topological order.

* `symbolic_call(layer, inputs, args, kwargs)`: what `Layer.__call__` does on KerasTensors:
  build the layer from the symbolic shapes, infer the output shapes and dtypes, record a `Node`
  and return new KerasTensors.
* `infer_output_specs`: the output shapes / dtypes of a layer call: from the layer's
  `compute_output_shape` when it defines one, otherwise by running the layer once on zeros
  (unknown dimensions replaced by small sizes, and found again by comparing two runs).
* `GraphNetwork`: the nodes between given inputs and outputs, sorted; `run` evaluates them.
"""

import contextlib

import numpy as np

from ... import dtypes as _dtypes
from ...core.context import ctx as _ctx
from ...core.tensor import Tensor
from ...core.tensor_shape import TensorShape
from . import base_layer as _bl
from .base_layer import _CTX, Layer, _contains_keras_tensor, _flatten, _map_leaves
from .input_spec import assert_input_compatibility
from .keras_tensor import KerasTensor


# ---------------------------------------------------------------------------------------------
# Nodes
# ---------------------------------------------------------------------------------------------
class Node:
    """One call of a layer on KerasTensors.

    Attributes:
        layer: the layer called.
        call_args / call_kwargs: the arguments as passed (KerasTensors are the symbolic ones).
        input_tensors: the flat list of KerasTensors among the arguments.
        outputs: the output structure of KerasTensors.
    """

    __slots__ = (
        "_in_ids",
        "_out_ids",
        "_simple",
        "_single_out",
        "call_args",
        "call_kwargs",
        "index",
        "input_tensors",
        "layer",
        "output_tensors",
        "outputs",
    )

    def __init__(self, layer, call_args, call_kwargs, outputs):
        self.layer = layer
        self.call_args = call_args
        self.call_kwargs = call_kwargs
        self.input_tensors = [t for t in _flatten([call_args, call_kwargs])
                              if isinstance(t, KerasTensor)]
        self.outputs = outputs
        self.output_tensors = _flatten(outputs)
        self.index = len(layer._inbound_nodes)
        layer._inbound_nodes.append(self)
        for i, t in enumerate(self.output_tensors):
            t._keras_history = (layer, self.index, i)
        for t in self.input_tensors:
            if t._keras_history is not None:
                t._keras_history[0]._outbound_nodes.append(self)
        self._in_ids = [id(t) for t in self.input_tensors]
        self._out_ids = [id(t) for t in self.output_tensors]
        self._simple = (len(call_args) == 1 and not call_kwargs
                        and isinstance(call_args[0], KerasTensor))
        self._single_out = isinstance(outputs, KerasTensor)

    @property
    def input_tensors_struct(self):
        """The first call argument (the layer's `inputs`)."""
        return self.call_args[0] if self.call_args else None

    @property
    def output_tensors_struct(self):
        return self.outputs

    @property
    def inbound_layers(self):
        layers = [t._keras_history[0] for t in self.input_tensors]
        return layers[0] if len(layers) == 1 else layers

    @property
    def parent_nodes(self):
        return [t.node for t in self.input_tensors if t._keras_history is not None]

    @property
    def is_input(self):
        return not self.input_tensors

    def iterate_inbound(self):
        """Yields `(layer, node_index, tensor_index, tensor)` for each input KerasTensor."""
        for t in self.input_tensors:
            layer, ni, ti = t._keras_history
            yield layer, ni, ti, t

    def __repr__(self):
        return f"<Node of layer '{self.layer.name}' #{self.index}>"


# ---------------------------------------------------------------------------------------------
# Symbolic calls
# ---------------------------------------------------------------------------------------------
def symbolic_call(layer, inputs, args, kwargs):
    """Calls `layer` on KerasTensors: returns output KerasTensors and records a Node."""
    try:
        if not layer.built:
            layer._maybe_build(inputs)
        if layer._input_spec is not None:
            assert_input_compatibility(layer._input_spec, inputs, layer.name)
        outputs = infer_output_specs(layer, inputs, args, kwargs)
    except Exception as e:  # noqa: BLE001 - re-raised with the layer's name, same type
        raise _annotate(e, layer) from None
    outputs = _map_leaves(lambda t: _fresh(t, layer), outputs)
    Node(layer, (inputs,) + tuple(args), dict(kwargs), outputs)
    return outputs


def _fresh(t, layer):
    if not isinstance(t, KerasTensor):
        raise TypeError(f"Layer {layer.name!r} returned a non-tensor output {t!r} on symbolic "
                        "inputs.")
    kt = KerasTensor(t.shape, t.dtype, name=layer.name)
    return kt


def _annotate(e, layer):
    msg = str(e)
    tag = f'Exception encountered when calling layer "{layer.name}"'
    if tag in msg:
        return e
    try:
        new = type(e)(f'{tag} (type {type(layer).__name__}).\n\n{msg}')
    except Exception:  # noqa: BLE001 - exception types with other constructors
        return e
    return new


def _overrides(layer, name):
    return getattr(type(layer), name) is not getattr(Layer, name)


def infer_output_specs(layer, inputs, args=(), kwargs=None, force_run=False):
    """KerasTensors describing `layer(inputs, *args, **kwargs)` for symbolic `inputs`."""
    kwargs = kwargs or {}
    flat_in = [t for t in _flatten(inputs) if isinstance(t, KerasTensor)]
    if hasattr(layer, "_symbolic_outputs") and not force_run:
        out = layer._symbolic_outputs(inputs, *args, **kwargs)
        if out is not None:
            return out
    if not force_run and _overrides(layer, "compute_output_shape") and flat_in and \
            not layer.__dict__.get("_infer_by_running", False) and \
            all(t.dtype.is_floating for t in flat_in) and not _contains_keras_tensor(
                [args, kwargs]):
        shapes = _map_leaves(lambda t: t.shape if isinstance(t, KerasTensor) else None, inputs)
        out_shapes = layer.compute_output_shape(shapes)
        dtype = _dtypes.as_dtype(layer.compute_dtype) if layer._autocast else flat_in[0].dtype
        return _wrap_shapes(out_shapes, dtype)
    return _dummy_run(layer, inputs, args, kwargs)


def _is_shape_like(s):
    if isinstance(s, TensorShape):
        return True
    return isinstance(s, (tuple, list)) and all(
        d is None or isinstance(d, (int, np.integer)) for d in s)


def _wrap_shapes(shapes, dtype):
    if _is_shape_like(shapes):
        return KerasTensor(TensorShape(shapes), dtype)
    if isinstance(shapes, dict):
        return {k: _wrap_shapes(v, dtype) for k, v in shapes.items()}
    return [_wrap_shapes(s, dtype) for s in shapes]


def _concrete(structure, sub, batch_sub):
    def make(t):
        if not isinstance(t, KerasTensor):
            return t
        if t.shape.rank is None:
            raise ValueError(f"Cannot infer an output shape from an input of unknown rank ({t}).")
        dims = [(batch_sub if i == 0 else sub) if d is None else d
                for i, d in enumerate(t.shape.as_list())]
        dt = t.dtype
        if dt == _dtypes.string:
            arr = np.full(dims, "", dtype=object)
        else:
            arr = np.zeros(dims, dtype=dt.as_numpy_dtype)
        out = Tensor.__new__(Tensor)
        out._value = arr
        return out
    return _map_leaves(make, structure)


@contextlib.contextmanager
def eager_scope():
    """Runs the block eagerly, outside any active trace and unseen by GradientTapes (shape
    inference on dummy data must not become part of a traced or taped computation)."""
    if _ctx.graph is None and not _ctx.tapes:
        yield
        return
    from ...graph.tracer import init_scope
    with init_scope():
        yield


def _dummy_run(layer, inputs, args, kwargs):
    """Runs the layer on zeros to find the output shapes and dtypes."""
    flat_in = [t for t in _flatten([inputs, args, kwargs]) if isinstance(t, KerasTensor)]
    non_batch_unknown = any(d is None for t in flat_in for d in t.shape.as_list()[1:])
    batch_unknown = any(t.shape.rank and t.shape[0] is None for t in flat_in)
    runs = [(2, 2)] + ([(3, 3)] if non_batch_unknown else [])
    results = []
    for sub, bsub in runs:
        x = _concrete(inputs, sub, bsub)
        a = tuple(_concrete(v, sub, bsub) for v in args)
        k = {kk: _concrete(v, sub, bsub) for kk, v in kwargs.items()}
        c = _CTX
        saved_gen = c.gen
        c.no_losses += 1
        c.stack.append(_SHAPE_INFERENCE)
        try:
            with eager_scope():
                out = layer(x, *a, **k)
        finally:
            c.stack.pop()
            c.no_losses -= 1
            c.gen = saved_gen
        results.append(out)
    first = results[0]
    flat_first = _flatten(first)
    flat_other = _flatten(results[1]) if len(results) > 1 else None
    specs = []
    for i, t in enumerate(flat_first):
        if not isinstance(t, Tensor):
            t = _bl._convert_inputs(t)
        dims = list(t.shape.as_list())
        if flat_other is not None:
            o = flat_other[i]
            od = list(o.shape.as_list())
            if len(od) == len(dims):
                dims = [None if a != b else a for a, b in zip(dims, od)]
        elif batch_unknown and dims and dims[0] == 2:
            dims[0] = None
        specs.append(KerasTensor(TensorShape(dims), t.dtype))
    return _pack(first, specs)


class _ShapeInference:
    """A marker on the call stack while a layer runs on dummy data."""
    name = "shape_inference"
    _name = name


_SHAPE_INFERENCE = _ShapeInference()


def _pack(structure, flat):
    it = iter(flat)

    def rec(s):
        if isinstance(s, (list, tuple)):
            return type(s)(rec(e) for e in s) if type(s) in (list, tuple) else [rec(e)
                                                                               for e in s]
        if isinstance(s, dict):
            return {k: rec(v) for k, v in s.items()}
        return next(it)
    return rec(structure)


# ---------------------------------------------------------------------------------------------
# Operator lambda layers
# ---------------------------------------------------------------------------------------------
class TFOpLambda(Layer):
    """A layer wrapping a flowgrad function applied to KerasTensors (operators such as
    `x + y` or `x[:, 0]` on symbolic tensors)."""

    def __init__(self, function, name=None, **kwargs):
        super().__init__(name=name or _bl.unique_object_name("tf.op." + function.__name__
                                                              if hasattr(function, "__name__")
                                                              else "tf_op_lambda"), **kwargs)
        self.function = function
        self._autocast = False
        self.built = True

    def call(self, *args, **kwargs):
        return self.function(*args, **kwargs)

    def get_config(self):
        raise NotImplementedError("TFOpLambda layers (operators on KerasTensors) cannot be "
                                  "serialized to a config; use a Lambda layer instead.")


_OP_NAMES = {"add": "tf.__operators__.add", "sub": "tf.math.subtract",
             "mul": "tf.math.multiply", "truediv": "tf.math.truediv",
             "floordiv": "tf.math.floordiv", "mod": "tf.math.floormod", "pow": "tf.math.pow",
             "matmul": "tf.linalg.matmul", "lt": "tf.math.less", "le": "tf.math.less_equal",
             "gt": "tf.math.greater", "ge": "tf.math.greater_equal",
             "and": "tf.math.logical_and", "or": "tf.math.logical_or",
             "neg": "tf.math.negative", "abs": "tf.math.abs", "invert": "tf.math.logical_not",
             "getitem": "tf.__operators__.getitem"}


def op_layer_call(fn, name, args):
    """Applies `fn(*args)` to KerasTensors through a `TFOpLambda` layer (named as tf.keras 2
    names them, e.g. `tf.math.multiply`, `tf.__operators__.add`)."""
    layer = TFOpLambda(fn, name=_bl.unique_object_name(_OP_NAMES.get(name, f"tf.{name}")))
    return layer(*args)


# ---------------------------------------------------------------------------------------------
# Graph networks
# ---------------------------------------------------------------------------------------------
class GraphNetwork:
    """The nodes of a Functional model between its input and output KerasTensors.

    Attributes:
        inputs / outputs: flat lists of KerasTensors.
        nodes: the nodes to run, in a valid order.
        layers: the layers, input layers first, then by depth (as Keras orders them).
        node_ids: ids of the nodes belonging to this network (for summaries).
    """

    def __init__(self, inputs, outputs, name="model"):
        self.inputs = list(inputs)
        self.outputs = list(outputs)
        for t in self.inputs + self.outputs:
            if not isinstance(t, KerasTensor):
                raise ValueError(  # noqa: TRY004 - Keras raises ValueError
                    f"Found unexpected instance while processing input tensors for keras "
                    f"functional model. Expecting KerasTensor which is from tf.keras.Input() "
                    f"or output from keras layer call(). Got: {t!r:.200}")
        input_ids = {id(t): t for t in self.inputs}
        for t in self.inputs:
            layer = t._keras_history[0] if t._keras_history else None
            if layer is None or not getattr(layer, "_is_input_layer", False):
                raise ValueError(
                    f"Model inputs must come from `keras.Input` (thus holding past layer "
                    f"metadata). They cannot be the output of a previous non-Input layer. "
                    f"Received inputs={t} (created by layer "
                    f"'{getattr(layer, 'name', None)}').")
        order = []
        state = {}
        accessed = []
        discovered = []  # nodes in depth-first post-order, input nodes included

        def visit(t, via_layer):
            if id(t) in input_ids:
                node = t.node
                if state.get(id(node)) != 2:
                    state[id(node)] = 2
                    discovered.append(node)
                    if node.layer.name not in accessed:
                        accessed.append(node.layer.name)
                return
            hist = t._keras_history
            if hist is None:
                raise ValueError(f"Output tensors of a Functional model must be the output of a "
                                 f"Keras layer; got {t}.")
            node = hist[0]._inbound_nodes[hist[1]]
            st = state.get(id(node))
            if st == 2:
                return
            if st == 1:
                raise ValueError(f"The graph of model {name!r} has a cycle at layer "
                                 f"{node.layer.name!r}.")
            if node.is_input:
                raise ValueError(
                    f"Graph disconnected: cannot obtain value for tensor {t} at layer "
                    f'"{node.layer.name}". The following previous layers were accessed without '
                    f"issue: {accessed}")
            state[id(node)] = 1
            for parent in node.input_tensors:
                visit(parent, node.layer)
            state[id(node)] = 2
            order.append(node)
            discovered.append(node)
            if node.layer.name not in accessed:
                accessed.append(node.layer.name)

        for t in self.outputs:
            visit(t, None)
        for t in self.inputs:  # inputs no output depends on
            if state.get(id(t.node)) != 2:
                state[id(t.node)] = 2
                discovered.append(t.node)
        self.nodes = order
        self.node_ids = {id(n) for n in discovered}
        # depth: 0 for the output nodes, growing towards the inputs (Keras' layer order)
        depth = {}
        for node in reversed(discovered):
            d = depth.setdefault(id(node), 0)
            for parent in node.input_tensors:
                pn = parent.node
                depth[id(pn)] = max(depth.get(id(pn), 0), d + 1)
        self.node_depth = depth
        layer_depth, index, layers = {}, {}, []
        for i, node in enumerate(discovered):
            lid = id(node.layer)
            if lid not in index:
                index[lid] = i
                layers.append(node.layer)
            layer_depth[lid] = max(layer_depth.get(lid, -1), depth[id(node)])
        layers.sort(key=lambda lay: (-layer_depth[id(lay)], index[id(lay)]))
        self.layers = layers
        names = {}
        for lay in self.layers:
            if lay.name in names and names[lay.name] is not lay:
                raise ValueError(
                    f'The name "{lay.name}" is used {2} times in the model. All layer names '
                    "should be unique.")
            names[lay.name] = lay
        self._in_ids = [id(t) for t in self.inputs]
        self._out_ids = [id(t) for t in self.outputs]

    def run(self, flat_inputs, masks=None, extra=()):
        """Evaluates the graph on concrete tensors (ordered as `inputs`); returns the flat list
        of outputs (and of the `extra` KerasTensors' values)."""
        values = dict(zip(self._in_ids, flat_inputs))
        plan = self.__dict__.get("_plan")
        if plan is None:
            plan = self._plan = [
                (n.layer, n._in_ids[0], n._out_ids[0]) if n._simple and n._single_out else None
                for n in self.nodes]
            self._masks_possible = any(_produces_mask(n.layer) for n in self.nodes)
        if masks is None and not self._masks_possible and None not in plan:
            for layer, in_id, out_id in plan:
                values[out_id] = layer(values[in_id])
            self.last_masks = None
            outs = [values[i] for i in self._out_ids]
            if extra:
                outs = outs + [values[id(t)] for t in extra]
            return outs
        mask_of = {}
        if masks is not None:
            for i, m in zip(self._in_ids, masks):
                if m is not None:
                    mask_of[i] = m
        for node in self.nodes:
            layer = node.layer
            if node._simple:
                x = values[node._in_ids[0]]
                if mask_of:
                    m = mask_of.get(node._in_ids[0])
                    if m is not None and _bl._call_spec(layer).mask:
                        out = layer(x, mask=m)
                    else:
                        out = layer(x)
                else:
                    out = layer(x)
                in_mask = mask_of.get(node._in_ids[0]) if mask_of else None
            else:
                args = _pack(node.call_args, [values[id(t)] if isinstance(t, KerasTensor)
                                              else t for t in _flatten(node.call_args)]) \
                    if node.call_args else ()
                kwargs = {k: _substitute(v, values) for k, v in node.call_kwargs.items()}
                in_mask = None
                if mask_of:
                    first = node.call_args[0] if node.call_args else None
                    in_mask = _map_leaves(
                        lambda t: mask_of.get(id(t)) if isinstance(t, KerasTensor) else None,
                        first)
                    if not any(m is not None for m in _flatten(in_mask)):
                        in_mask = None
                    if in_mask is not None and "mask" not in kwargs and \
                            _bl._call_spec(layer).mask:
                        kwargs["mask"] = in_mask
                out = layer(*args, **kwargs)
                x = args[0] if args else None
            if node._single_out:
                values[node._out_ids[0]] = out
                flat_out = None
            else:
                flat_out = _flatten(out)
                for i, v in zip(node._out_ids, flat_out):
                    values[i] = v
            if in_mask is not None or _produces_mask(layer):
                out_mask = layer.compute_mask(x, in_mask)
                if out_mask is not None:
                    if node._single_out:
                        mask_of[node._out_ids[0]] = out_mask
                    else:
                        for i, m in zip(node._out_ids, _flatten(out_mask)
                                        if isinstance(out_mask, (list, tuple))
                                        else [out_mask] * len(node._out_ids)):
                            if m is not None:
                                mask_of[i] = m
        outs = [values[i] for i in self._out_ids]
        if extra:
            outs = outs + [values[id(t)] for t in extra]
        self.last_masks = [mask_of.get(i) for i in self._out_ids] if mask_of else None
        return outs


_MASK_PRODUCERS = {}


def _produces_mask(layer):
    cls = type(layer)
    r = _MASK_PRODUCERS.get(cls)
    if r is None:
        r = _MASK_PRODUCERS[cls] = cls.compute_mask is not Layer.compute_mask
    return r


def _substitute(v, values):
    if isinstance(v, KerasTensor):
        return values[id(v)]
    if isinstance(v, (list, tuple)):
        return type(v)(_substitute(e, values) for e in v)
    if isinstance(v, dict):
        return {k: _substitute(e, values) for k, e in v.items()}
    return v
