"""The traced serving function of a Keras model as JSON + arrays, and a model-like object that
runs it without the model's Python classes.

`flowgrad/graph/ir.py`'s `Graph.to_dict` is a lossy view (attributes as `repr`); this module
encodes attributes losslessly (arrays go to the variables archive, Variables by key, dtypes,
tuples, slices and nested graphs tagged) and rebuilds a `Graph` with the registered op
definitions. A graph is stored only if, at save time, the rebuilt graph reproduces the model's
outputs for two batch sizes; otherwise saving warns and stores no graph.
"""

import warnings

import numpy as np

from ... import dtypes as _dtypes
from ...core.variable import Variable
from ...graph import ir as _ir

GRAPH_VERSION = 1


class _Unsupported(TypeError):
    pass


def _encode_attr(v, ctx):
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if isinstance(v, np.generic):
        return {"__np__": v.dtype.str, "v": v.item()}
    if isinstance(v, list):
        return [_encode_attr(x, ctx) for x in v]
    if isinstance(v, tuple):
        return {"__tuple__": [_encode_attr(x, ctx) for x in v]}
    if isinstance(v, dict):
        if not all(isinstance(k, str) for k in v):
            raise _Unsupported("dict attribute with non-string keys")
        return {"__dict__": {k: _encode_attr(x, ctx) for k, x in v.items()}}
    if isinstance(v, slice):
        return {"__slice__": [_encode_attr(x, ctx) for x in (v.start, v.stop, v.step)]}
    if v is Ellipsis:
        return {"__ellipsis__": True}
    if isinstance(v, np.ndarray):
        if v.dtype == object:
            raise _Unsupported("object array attribute")
        key = f"graph_const/{len(ctx['arrays'])}"
        ctx["arrays"][key] = v
        return {"__array__": key}
    if isinstance(v, np.dtype):
        return {"__npdtype__": v.str}
    if isinstance(v, type) and issubclass(v, np.generic):
        return {"__npdtype__": np.dtype(v).str}
    if isinstance(v, _dtypes.DType):
        return {"__dtype__": v.name}
    if isinstance(v, Variable):
        key = ctx["var_keys"].get(id(v))
        if key is None:
            key = f"graph_vars/{len(ctx['extra_vars'])}"
            ctx["var_keys"][id(v)] = key
            ctx["extra_vars"][key] = np.asarray(v.numpy())
        return {"__variable__": key}
    if isinstance(v, _ir.Graph):
        return {"__graph__": encode_graph(v, ctx)}
    raise _Unsupported(f"attribute of type {type(v).__name__}")


def encode_graph(graph, ctx):
    def val(i):
        v = graph.values[i]
        return {"id": i, "dtype": v.dtype, "shape": None if v.shape is None else list(v.shape),
                "name": v.name}
    if any(not k.startswith("_") and k not in ("name", "inputs", "nodes", "outputs", "values")
           for k in vars(graph)):
        extra = sorted(k for k in vars(graph) if not k.startswith("_")
                       and k not in ("name", "inputs", "nodes", "outputs", "values"))
        raise _Unsupported(f"graph fields {extra}")
    return {
        "name": graph.name,
        "inputs": [val(i) for i in graph.inputs],
        "nodes": [{"name": n.name, "op": n.op, "inputs": list(n.inputs),
                   "attrs": {k: _encode_attr(a, ctx) for k, a in n.attrs.items()},
                   "outputs": [val(o) for o in n.outputs]} for n in graph.nodes],
        "outputs": list(graph.outputs),
    }


def _decode_attr(v, arrays, variables):
    if isinstance(v, list):
        return [_decode_attr(x, arrays, variables) for x in v]
    if not isinstance(v, dict):
        return v
    if "__tuple__" in v:
        return tuple(_decode_attr(x, arrays, variables) for x in v["__tuple__"])
    if "__dict__" in v:
        return {k: _decode_attr(x, arrays, variables) for k, x in v["__dict__"].items()}
    if "__slice__" in v:
        return slice(*[_decode_attr(x, arrays, variables) for x in v["__slice__"]])
    if "__ellipsis__" in v:
        return Ellipsis
    if "__np__" in v:
        return np.dtype(v["__np__"]).type(v["v"])
    if "__array__" in v:
        return arrays[v["__array__"]]
    if "__npdtype__" in v:
        return np.dtype(v["__npdtype__"])
    if "__dtype__" in v:
        return _dtypes.as_dtype(v["__dtype__"])
    if "__variable__" in v:
        return variables[v["__variable__"]]
    if "__graph__" in v:
        return decode_graph(v["__graph__"], arrays, variables)
    raise ValueError(f"Unknown encoded graph attribute {v!r}.")


def decode_graph(d, arrays, variables):
    """A `Graph` from `encode_graph`'s dict (the missing `Graph.from_dict`)."""
    from ...core.registry import REGISTRY
    g = _ir.Graph(d["name"])
    max_id = -1
    for vi in d["inputs"]:
        g.values[vi["id"]] = _ir.Value(vi["id"], vi["dtype"], vi["shape"], name=vi.get("name"))
        g.inputs.append(vi["id"])
        max_id = max(max_id, vi["id"])
    for nd in d["nodes"]:
        if nd["op"] not in REGISTRY and nd["op"] not in ("Const", "ReadVariableOp",
                                                         "AssignVariableOp"):
            from ...graph import executor
            if nd["op"] not in executor._SUBGRAPH_OPS:
                raise ValueError(f"The saved graph uses op {nd['op']!r}, which this flowgrad "
                                 "does not have.")
        attrs = {k: _decode_attr(a, arrays, variables) for k, a in nd["attrs"].items()}
        node = _ir.Node(nd["op"], nd["inputs"], attrs, [], nd["name"],
                        REGISTRY.get(nd["op"]))
        for k, vo in enumerate(nd["outputs"]):
            g.values[vo["id"]] = _ir.Value(vo["id"], vo["dtype"], vo["shape"], node, k,
                                           vo.get("name"))
            node.outputs.append(vo["id"])
            max_id = max(max_id, vo["id"])
        g.nodes.append(node)
    g.outputs = list(d["outputs"])
    g._next_id = max_id + 1
    g.verify()
    return g


# -- tracing and checking ------------------------------------------------------------------------
def _input_specs(model):
    inputs = getattr(model, "inputs", None)
    if not inputs:
        # a subclassed model called once: its recorded build shape (a single input)
        try:
            build = model.get_build_config() or {}
        except Exception:  # noqa: BLE001
            build = {}
        shape = build.get("input_shape")
        if isinstance(shape, (list, tuple)) and shape and \
                all(d is None or isinstance(d, int) for d in shape):
            return [(list(shape), getattr(model, "compute_dtype", None) or "float32")]
        return None
    specs = []
    for t in inputs:
        shape = t.shape.as_list() if hasattr(t.shape, "as_list") else list(t.shape)
        specs.append((shape, getattr(t.dtype, "name", str(t.dtype))))
    return specs


def _example(specs, batch, rng):
    out = []
    for shape, dtype in specs:
        shp = [batch] + [d if d is not None else 3 for d in shape[1:]]
        if np.dtype(dtype).kind in "iu":
            out.append(rng.randint(0, 2, size=shp).astype(dtype))
        else:
            out.append(rng.randn(*shp).astype(dtype))
    return out


def trace_and_encode(model, var_keys):
    """(graph dict, extra arrays) for `model`'s serving function, or None (with a warning) when
    it cannot be stored faithfully."""
    from ... import TensorSpec, function
    specs = _input_specs(model)
    if specs is None:
        warnings.warn(f"Model {model.name!r} has no known inputs (a subclassed model): its "
                      "serving graph is not stored; loading needs its Python class.",
                      stacklevel=4)
        return None
    sig = [TensorSpec([None] + list(s[1:]), _dtypes.as_dtype(d)) for s, d in specs]

    def serve(*xs):
        out = model(list(xs) if len(xs) > 1 else xs[0], training=False)
        return list(out) if isinstance(out, (list, tuple)) else [out]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cf = function(serve, input_signature=sig, autograph=False).get_concrete_function()
        ctx = {"arrays": {}, "var_keys": dict(var_keys), "extra_vars": {}}
        encoded = encode_graph(cf.raw_graph, ctx)
        encoded = {"version": GRAPH_VERSION, "graph": encoded,
                   "inputs": [{"shape": s, "dtype": d} for s, d in specs],
                   "output_names": list(getattr(model, "output_names", None) or [])}
        arrays = dict(ctx["arrays"])
        arrays.update(ctx["extra_vars"])
        # check: the rebuilt graph must reproduce the model
        variables = {k: Variable(np.asarray(v.numpy())) for k, v in _key_to_var(
            model, var_keys).items()}
        variables.update({k: Variable(a) for k, a in ctx["extra_vars"].items()})
        gm = GraphModel(encoded, arrays, variables)
        rng = np.random.RandomState(0)
        for batch in (2, 3):
            xs = _example(specs, batch, rng)
            want = serve(*xs)
            got = gm._run(xs)
            for w, g in zip(want, got):
                if np.asarray(w).shape != g.shape or not np.allclose(np.asarray(w), g,
                                                                      rtol=1e-5, atol=1e-6):
                    raise _Unsupported("the rebuilt graph does not reproduce the model")
        return encoded, arrays
    except Exception as e:  # noqa: BLE001 - never store a graph we could not check
        warnings.warn(f"The serving graph of model {model.name!r} is not stored ({e}); "
                      "loading the directory will need the model's Python classes.",
                      stacklevel=4)
        return None


def _key_to_var(model, var_keys):
    by_id = {}
    for v in model.weights:
        by_id[id(v)] = v
    opt = getattr(model, "optimizer", None)
    for v in (opt.variables if opt is not None else []):
        by_id[id(v)] = v
    return {key: by_id[i] for i, key in var_keys.items() if i in by_id}


class GraphModel:
    """A saved serving graph, callable like the model it came from: `m(x)`, `m.predict(x)`,
    `m.signatures["serving_default"](x)`. Its `variables` are fresh Variables holding the saved
    values."""

    def __init__(self, encoded, arrays, variables):
        from ...graph.executor import Plan
        self._encoded = encoded
        self.graph = decode_graph(encoded["graph"], arrays, variables)
        self._plan = Plan(self.graph)
        self.variables = list({id(v): v for v in variables.values()}.values())
        self._inputs = encoded["inputs"]
        self.output_names = encoded.get("output_names") or \
            [f"output_{i}" for i in range(len(self.graph.outputs))]
        self.signatures = {"serving_default": self._serving}

    def _run(self, xs):
        arrays = []
        for x, spec in zip(xs, self._inputs):
            a = np.asarray(x.numpy() if hasattr(x, "numpy") else x)
            arrays.append(a.astype(spec["dtype"], copy=False))
        if len(arrays) != len(self._inputs):
            raise ValueError(f"The saved model takes {len(self._inputs)} inputs; got "
                             f"{len(arrays)}.")
        return [np.asarray(o) for o in self._plan(*arrays)]

    def _split(self, inputs):
        if len(self._inputs) == 1:
            return [inputs]
        if isinstance(inputs, dict):
            return list(inputs.values())
        return list(inputs)

    def __call__(self, inputs, training=False, **kwargs):
        from ...core.convert import convert_to_tensor
        outs = [convert_to_tensor(o) for o in self._run(self._split(inputs))]
        return outs[0] if len(outs) == 1 else outs

    def predict(self, x, batch_size=None, verbose=0, **kwargs):
        outs = self._run(self._split(x))
        return outs[0] if len(outs) == 1 else outs

    def _serving(self, *args, **kwargs):
        xs = list(args) if args else list(kwargs.values())
        from ...core.convert import convert_to_tensor
        return {n: convert_to_tensor(o) for n, o in zip(self.output_names, self._run(xs))}
