"""Graph IR: a flat, ordered list of nodes; each node is one op call.

A `Graph` holds placeholders (inputs), nodes (op name, input value ids, attrs, output values) and
the ids of its outputs. Values are identified by integer ids; each carries a dtype name and a
shape with `None` for unknown dimensions. Nodes are kept in a valid execution order, which is
what the passes and the executor rely on (`verify` checks it).

Example:
    >>> g = Graph("f")
    >>> x = g.add_input("float32", (None, 3), name="x")
    >>> (y,) = g.add_node("Exp", [x], {}, [("float32", (None, 3))])
    >>> g.outputs = [y]
    >>> print(g)                                   # doctest: +NORMALIZE_WHITESPACE
    graph f(%0: float32[?,3]) -> (%1)
      %1: float32[?,3] = Exp(%0)
"""

import json

from ..errors import InvalidArgumentError


class Value:
    """An edge of the graph: one tensor produced by a placeholder or a node."""

    __slots__ = ("id", "dtype", "shape", "producer", "index", "name")

    def __init__(self, id, dtype, shape, producer=None, index=0, name=None):  # noqa: A002
        self.id = id
        self.dtype = dtype
        self.shape = None if shape is None else tuple(shape)
        self.producer = producer
        self.index = index
        self.name = name

    def type_str(self):
        if self.shape is None:
            return f"{self.dtype}[*]"
        return f"{self.dtype}[" + ",".join("?" if d is None else str(d) for d in self.shape) + "]"


class Node:
    """One op call: `outputs = op(inputs, **attrs)`."""

    __slots__ = ("op", "inputs", "attrs", "outputs", "name", "opdef")

    def __init__(self, op, inputs, attrs, outputs, name, opdef=None):
        self.opdef = opdef
        self.op = op
        self.inputs = list(inputs)
        self.attrs = dict(attrs or {})
        self.outputs = list(outputs)
        self.name = name


class Graph:
    """A traced computation: inputs, an ordered node list, outputs."""

    def __init__(self, name="graph"):
        self.name = name
        self.inputs = []
        self.nodes = []
        self.outputs = []
        self.values = {}
        self._next_id = 0
        self._names = {}

    def _new_value(self, dtype, shape, producer=None, index=0, name=None):
        v = Value(self._next_id, dtype, shape, producer, index, name)
        self.values[v.id] = v
        self._next_id += 1
        return v.id

    def _unique(self, base):
        n = self._names.get(base, 0)
        self._names[base] = n + 1
        return base if n == 0 else f"{base}_{n}"

    def add_input(self, dtype, shape, name=None):
        """Adds a placeholder; returns its value id."""
        vid = self._new_value(dtype, shape, name=self._unique(name or "input"))
        self.inputs.append(vid)
        return vid

    def add_node(self, op, inputs, attrs, output_types, name=None):
        """Appends a node; `output_types` is a list of (dtype, shape). Returns the output ids."""
        for i in inputs:
            if i not in self.values:
                raise InvalidArgumentError(None, op, f"Node {op} uses value %{i}, which is not in "
                                           f"graph {self.name!r}.")
        node = Node(op, inputs, attrs, [], self._unique(name or op))
        node.outputs = [self._new_value(d, s, node, k) for k, (d, s) in enumerate(output_types)]
        self.nodes.append(node)
        return list(node.outputs)

    def copy(self):
        """A structural copy: new Node and Value objects, the same attrs (shared, not copied)."""
        g = Graph(self.name)
        g._next_id = self._next_id
        g._names = dict(self._names)
        g.inputs = list(self.inputs)
        g.outputs = list(self.outputs)
        for vid, v in self.values.items():
            g.values[vid] = Value(v.id, v.dtype, v.shape, None, v.index, v.name)
        for n in self.nodes:
            m = Node(n.op, n.inputs, n.attrs, n.outputs, n.name, n.opdef)
            g.nodes.append(m)
            for o in m.outputs:
                g.values[o].producer = m
        return g

    def consumers(self):
        """value id -> list of nodes that read it."""
        out = {}
        for n in self.nodes:
            for i in n.inputs:
                out.setdefault(i, []).append(n)
        return out

    # -- checks ---------------------------------------------------------------------------------
    def verify(self):
        """Raises InvalidArgumentError unless every value is defined once, before its use, and
        every output exists."""
        defined = set(self.inputs)
        for n in self.nodes:
            for i in n.inputs:
                if i not in defined:
                    raise InvalidArgumentError(
                        None, n.op, f"Graph {self.name!r}: node {n.name} ({n.op}) reads %{i} "
                        "before it is defined.")
            for o in n.outputs:
                if o in defined:
                    raise InvalidArgumentError(None, n.op, f"Graph {self.name!r}: value %{o} is "
                                               f"defined twice (again by {n.name}).")
                defined.add(o)
        for o in self.outputs:
            if o not in defined:
                raise InvalidArgumentError(None, None, f"Graph {self.name!r}: output %{o} is not "
                                           "produced by any node or input.")
        return self

    # -- views ----------------------------------------------------------------------------------
    def __str__(self):
        ins = ", ".join(f"%{i}: {self.values[i].type_str()}" for i in self.inputs)
        outs = ", ".join(f"%{o}" for o in self.outputs)
        lines = [f"graph {self.name}({ins}) -> ({outs})"]
        for n in self.nodes:
            lhs = ", ".join(f"%{o}: {self.values[o].type_str()}" for o in n.outputs)
            args = [f"%{i}" for i in n.inputs]
            args += [f"{k}={_attr_str(v)}" for k, v in sorted(n.attrs.items())
                     if not k.startswith("_")]
            call = f"{n.op}({', '.join(args)})"
            lines.append(f"  {lhs} = {call}" if lhs else f"  {call}")
        return "\n".join(lines)

    def to_dict(self):
        """A JSON-ready description (for TensorBoard's graph view, exporters and saving)."""
        def val(i):
            v = self.values[i]
            return {"id": i, "dtype": v.dtype, "shape": None if v.shape is None else list(v.shape)}
        return {
            "name": self.name,
            "inputs": [dict(val(i), name=self.values[i].name) for i in self.inputs],
            "nodes": [{"name": n.name, "op": n.op, "inputs": list(n.inputs),
                       "attrs": {k: _jsonable(v) for k, v in n.attrs.items()},
                       "outputs": [val(o) for o in n.outputs]} for n in self.nodes],
            "outputs": list(self.outputs),
        }

    def to_json(self, **kwargs):
        return json.dumps(self.to_dict(), **kwargs)

    def to_dot(self):
        """Graphviz DOT text: ops are boxes, inputs ellipses, edges labelled with types."""
        lines = [f'digraph "{self.name}" {{', "  rankdir=TB;"]
        producer = {i: f"in{i}" for i in self.inputs}
        for i in self.inputs:
            lines.append(f'  in{i} [shape=ellipse, label="{self.values[i].name}"];')
        for k, n in enumerate(self.nodes):
            lines.append(f'  n{k} [shape=box, label="{n.op}"];')
            for i in n.inputs:
                lines.append(f'  {producer[i]} -> n{k} [label="{self.values[i].type_str()}"];')
            for o in n.outputs:
                producer[o] = f"n{k}"
        for j, o in enumerate(self.outputs):
            lines.append(f'  out{j} [shape=ellipse, label="output {j}"];')
            lines.append(f'  {producer[o]} -> out{j} [label="{self.values[o].type_str()}"];')
        lines.append("}")
        return "\n".join(lines)


def _attr_str(v):
    import numpy as np
    if isinstance(v, np.ndarray):
        if v.size <= 6:
            return repr(v.tolist())
        return f"<{v.dtype}{list(v.shape)}>"
    if callable(v) and not isinstance(v, type):
        return getattr(v, "__name__", type(v).__name__)
    if hasattr(v, "_is_variable"):
        return f"<variable {v.name}>"
    if isinstance(v, tuple) and len(v) > 6:
        return f"({', '.join(map(repr, v[:6]))}, ...)"
    return repr(v)


def _jsonable(v):
    if isinstance(v, (bool, int, float, str)) or v is None:
        return v
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, slice):
        return {"slice": [v.start, v.stop, v.step]}
    if v is Ellipsis:
        return "..."
    return repr(v)
