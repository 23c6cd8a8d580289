"""Graph -> Graph optimization passes, run on every traced function before it is compiled.

Each pass is a small function taking and returning a `Graph` (it may modify its argument):

* `fold_constants`: nodes whose inputs are all constants run once, at compile time.
* `eliminate_common_subexpressions`: identical pure nodes on identical inputs are computed once
  (variable reads only merge when no assignment to the variable lies between them).
* `simplify`: algebraic identities: `x * 1`, `x + 0`, `x - 0`, `x / 1`, `Identity`, a transpose
  of a transpose, a reshape of a reshape.
* `fuse_elementwise`: chains of elementwise ops become one `Fused` node computed in one buffer.
* `eliminate_dead_code`: nodes whose results are unused and which have no effect are dropped.
* `plan_memory`: marks each value's last use (the executor frees it there) and lets
  elementwise nodes write into a dying input's buffer.

Stateful nodes (random draws, variable assignments, prints) are never folded or merged, and
only random draws with unused results are dropped.
"""

import numpy as np

from .ir import Node

EFFECT_OPS = {"AssignVariableOp", "PrintV2"}
SPECIAL_OPS = {"Const", "ReadVariableOp", "AssignVariableOp", "PrintV2", "Fused"}
# Ops whose kernel returns a freshly allocated array that nobody else references.
FRESH_OUTPUT_OPS = {
    "AddV2", "Sub", "Mul", "RealDiv", "Maximum", "Minimum", "Neg", "Exp", "Log", "Tanh",
    "Sqrt", "Square", "Abs", "MatMul", "BatchMatMulV2", "Sigmoid", "Relu", "Softmax",
    "LogSoftmax", "Fused", "Sum", "Mean", "Pow", "Rsqrt", "Reciprocal", "SelectV2",
    "ReluGrad", "Conv2D", "Conv2DBackpropInput", "Conv2DBackpropFilter", "Conv3D",
    "MaxPool", "MaxPoolGrad", "AvgPool", "AvgPoolGrad", "DepthwiseConv2dNative",
}


def optimize(graph, passes=None):
    """Runs the default pass pipeline (or `passes`, a list of functions) and returns the graph."""
    for p in passes or DEFAULT_PASSES:
        graph = p(graph).verify()
    return graph


def _is_pure(node):
    if node.op in SPECIAL_OPS or node.op in _control_ops():
        return False
    return node.opdef is not None and not node.opdef.stateful


def _control_ops():
    from .executor import _SUBGRAPH_OPS
    return _SUBGRAPH_OPS


def _replace_uses(graph, old, new):
    for n in graph.nodes:
        if old in n.inputs:
            n.inputs = [new if i == old else i for i in n.inputs]
    graph.outputs = [new if o == old else o for o in graph.outputs]


def _const_value(graph, vid):
    v = graph.values[vid]
    p = v.producer
    if p is not None and p.op == "Const":
        return p.attrs["value"]
    return None


# -- constant folding --------------------------------------------------------------------------
MAX_FOLD_ELEMENTS = 1 << 20


def fold_constants(graph):
    """Evaluates pure nodes whose inputs are all `Const` nodes and replaces them by constants."""
    new_nodes = []
    for n in graph.nodes:
        if _is_pure(n) and n.inputs and all(_const_value(graph, i) is not None
                                             for i in n.inputs):
            args = [_const_value(graph, i) for i in n.inputs]
            attrs = {k: v for k, v in n.attrs.items() if not k.startswith("_")}
            try:
                with np.errstate(all="ignore"):
                    out = n.opdef.cpu(*args, **attrs)
            except Exception:  # noqa: BLE001 - leave it to fail at run time with context
                new_nodes.append(n)
                continue
            outs = out if n.opdef.num_outputs != 1 else (out,)
            if sum(np.size(o) for o in outs) > MAX_FOLD_ELEMENTS:
                new_nodes.append(n)
                continue
            for vid, arr in zip(n.outputs, outs):
                c = Node("Const", [], {"value": np.asarray(arr)}, [vid], graph._unique("Const"))
                graph.values[vid].producer = c
                graph.values[vid].index = 0
                new_nodes.append(c)
            continue
        new_nodes.append(n)
    graph.nodes = new_nodes
    return graph


# -- common subexpressions ---------------------------------------------------------------------
def _attr_key(attrs):
    items = []
    for k in sorted(attrs):
        v = attrs[k]
        if isinstance(v, np.ndarray):
            if v.size > 64:
                return None
            v = ("nd", v.dtype.str, v.shape, v.tobytes())
        elif isinstance(v, slice):
            v = ("slice", v.start, v.stop, v.step)
        elif isinstance(v, list):
            v = tuple(v)
        try:
            hash(v)
        except TypeError:
            return None
        items.append((k, v))
    return tuple(items)


def eliminate_common_subexpressions(graph):
    """Merges nodes that compute the same pure op on the same inputs with equal attributes."""
    seen = {}
    epoch = {}
    effects = 0   # bumped by control flow with effects: it may assign any variable
    new_nodes = []
    rename = {}   # merged value -> the value it duplicates (applied as nodes are visited)
    for n in graph.nodes:
        if rename:
            n.inputs = [rename.get(i, i) for i in n.inputs]
        if n.op == "AssignVariableOp":
            var = n.attrs["variable"]
            epoch[id(var)] = epoch.get(id(var), 0) + 1
            new_nodes.append(n)
            continue
        if n.op in _control_ops() and n.attrs.get("_effects"):
            effects += 1
        if n.op == "ReadVariableOp":
            var = n.attrs["variable"]
            key = ("read", id(var), epoch.get(id(var), 0), effects)
        elif n.op == "Const":
            v = n.attrs["value"]
            key = ("const", v.dtype.str, v.shape, v.tobytes()) if v.size <= 64 else None
        elif _is_pure(n):
            ak = _attr_key(n.attrs)
            key = None if ak is None else (n.op, tuple(n.inputs), ak)
        else:
            key = None
        if key is not None:
            prev = seen.get(key)
            if prev is not None:
                for a, b in zip(n.outputs, prev.outputs):
                    rename[a] = b
                continue
            seen[key] = n
        new_nodes.append(n)
    graph.nodes = new_nodes
    graph.outputs = [rename.get(o, o) for o in graph.outputs]
    return graph


# -- algebraic simplification --------------------------------------------------------------------
def _all_equal(arr, x):
    return arr is not None and arr.size > 0 and bool(np.all(arr == x))


def _same_type(graph, a, b):
    va, vb = graph.values[a], graph.values[b]
    return va.dtype == vb.dtype and va.shape == vb.shape


def simplify(graph):
    """Removes identities: x*1, 1*x, x+0, 0+x, x-0, x/1, Identity(x), transpose of a transpose
    (composed, or dropped when it is the identity), reshape of a reshape."""
    changed = True
    while changed:
        changed = False
        kept = []
        rename = {}
        for n in graph.nodes:
            if rename:
                n.inputs = [rename.get(i, i) for i in n.inputs]
            rep = _simplify_node(graph, n) if _is_pure(n) else None
            if rep is _REWRITTEN:
                changed = True
            elif rep is not None:
                rename[n.outputs[0]] = rename.get(rep, rep)
                changed = True
                continue
            kept.append(n)
        graph.nodes = kept
        graph.outputs = [rename.get(o, o) for o in graph.outputs]
    return eliminate_dead_code(graph)


_REWRITTEN = object()


def _no_broadcast(graph, x, const):
    """Whether combining `x` with the constant leaves x's shape as it is: the constant has no
    more dimensions than x and all of its dimensions are 1 (holds whatever x's run-time
    shape)."""
    vx = graph.values[x]
    if vx.shape is None or const.ndim > len(vx.shape):
        return False
    if all(d == 1 for d in const.shape):
        return True
    # Fully known shapes: the constant must broadcast into x's shape without growing it.
    if None in vx.shape:
        return False
    tail = vx.shape[len(vx.shape) - const.ndim:]
    return all(c == 1 or c == d for c, d in zip(const.shape, tail))


def _simplify_node(graph, n):
    op, ins = n.op, n.inputs
    out = n.outputs[0] if n.outputs else None
    if op in ("Identity",) and _same_type(graph, ins[0], out):
        return ins[0]
    if op in ("Mul", "AddV2", "Sub", "RealDiv") and len(ins) == 2:
        a, b = ins
        ca, cb = _const_value(graph, a), _const_value(graph, b)
        unit = 1 if op in ("Mul", "RealDiv") else 0
        if _all_equal(cb, unit) and _no_broadcast(graph, a, cb) and \
                graph.values[a].dtype == graph.values[out].dtype:
            return a
        if op in ("Mul", "AddV2") and _all_equal(ca, unit) and _no_broadcast(graph, b, ca) \
                and graph.values[b].dtype == graph.values[out].dtype:
            return b
    if op == "Transpose":
        p = graph.values[ins[0]].producer
        perm = tuple(n.attrs["perm"])
        if perm == tuple(range(len(perm))) and _same_type(graph, ins[0], out):
            return ins[0]
        if p is not None and p.op == "Transpose":
            inner = tuple(p.attrs["perm"])
            composed = tuple(inner[i] for i in perm)
            src = p.inputs[0]
            if composed == tuple(range(len(composed))) and _same_type(graph, src, out):
                return src
            n.inputs = [src]
            n.attrs = dict(n.attrs, perm=composed)
            return _REWRITTEN
    if op == "Reshape":
        p = graph.values[ins[0]].producer
        if p is not None and p.op == "Reshape":
            n.inputs = [p.inputs[0]]
            return _REWRITTEN
        # A reshape to the input's own (fully known) shape does nothing.
        vi, vo = graph.values[ins[0]], graph.values[out]
        if (vi.shape is not None and None not in vi.shape and vi.shape == vo.shape
                and tuple(n.attrs.get("shape", ())) == vi.shape):
            return ins[0]
    return None


# -- dead code ---------------------------------------------------------------------------------
def eliminate_dead_code(graph):
    """Drops nodes whose outputs nobody uses, unless they have effects (assignments, prints,
    control flow containing them)."""
    live = set(graph.outputs)
    kept = []
    for n in reversed(graph.nodes):
        effect = n.op in EFFECT_OPS or (n.op in _control_ops() and n.attrs.get("_effects"))
        if effect or any(o in live for o in n.outputs):
            kept.append(n)
            live.update(n.inputs)
    kept.reverse()
    graph.nodes = kept
    used = set(graph.inputs) | {o for n in kept for o in n.outputs}
    graph.values = {k: v for k, v in graph.values.items() if k in used}
    return graph


# -- elementwise fusion --------------------------------------------------------------------------
# op name -> (arity, NumPy expression over the operand names); computed with ufuncs in one buffer.
ELEMENTWISE = {
    "AddV2": (2, "np.add({0}, {1}{out})"),
    "Sub": (2, "np.subtract({0}, {1}{out})"),
    "Mul": (2, "np.multiply({0}, {1}{out})"),
    "RealDiv": (2, "np.divide({0}, {1}{out})"),
    "Maximum": (2, "np.maximum({0}, {1}{out})"),
    "Minimum": (2, "np.minimum({0}, {1}{out})"),
    "Neg": (1, "np.negative({0}{out})"),
    "Exp": (1, "np.exp({0}{out})"),
    "Log": (1, "np.log({0}{out})"),
    "Tanh": (1, "np.tanh({0}{out})"),
    "Sqrt": (1, "np.sqrt({0}{out})"),
    "Square": (1, "np.square({0}{out})"),
    "Abs": (1, "np.absolute({0}{out})"),
    "Relu": (1, "np.maximum({0}, 0{out})"),
}


def _elementwise_ok(graph, n):
    if n.op not in ELEMENTWISE or n.opdef is None:
        return False
    v = graph.values[n.outputs[0]]
    # 0-d results are NumPy scalars, which cannot serve as an `out=` buffer; they are cheap anyway.
    return v.dtype in ("float32", "float64", "float16") and bool(v.shape)


def fuse_elementwise(graph):
    """Groups chains of elementwise float ops, where each intermediate result has exactly one
    consumer (the next op of the chain) and the chain's shape does not change, into one `Fused`
    node. The fused kernel allocates one output buffer and computes every step into it."""
    consumers = graph.consumers()
    outputs = set(graph.outputs)
    groups = []
    in_group = {}
    for n in graph.nodes:
        if not _elementwise_ok(graph, n):
            continue
        out_shape = graph.values[n.outputs[0]].shape
        # Extend the group of an input produced by a fusible op that only feeds this node.
        target = None
        for i in n.inputs:
            p = graph.values[i].producer
            if (p is not None and id(p) in in_group and len(consumers.get(i, [])) == 1
                    and i not in outputs and graph.values[i].shape == out_shape
                    and graph.values[i].dtype == graph.values[n.outputs[0]].dtype):
                target = in_group[id(p)]
                break
        if target is None:
            target = []
            groups.append(target)
        target.append(n)
        in_group[id(n)] = target
    fused_at = {}
    for grp in groups:
        if len(grp) < 2:
            continue
        fused_at[id(grp[-1])] = grp
    if not fused_at:
        return graph
    drop = {id(n) for grp in fused_at.values() for n in grp[:-1]}
    new_nodes = []
    for n in graph.nodes:
        if id(n) in drop:
            continue
        grp = fused_at.get(id(n))
        if grp is None:
            new_nodes.append(n)
            continue
        new_nodes.append(_make_fused(graph, grp))
    graph.nodes = new_nodes
    return graph


def _make_fused(graph, grp):
    internal = {o for n in grp for o in n.outputs}
    ext = []
    for n in grp:
        for i in n.inputs:
            if i not in internal and i not in ext:
                ext.append(i)
    steps = []
    for n in grp:
        args = [("in", ext.index(i)) if i not in internal else ("tmp", i) for i in n.inputs]
        steps.append((n.op, args, n.outputs[0]))
    last = grp[-1]
    out = last.outputs[0]
    node = Node("Fused", ext, {"steps": tuple(steps), "ops": "+".join(n.op for n in grp)},
                [out], graph._unique("Fused"))
    graph.values[out].producer = node
    return node


def compile_fused(node, backend):
    """Builds the Python function for a `Fused` node: one buffer, each step an in-place ufunc."""
    steps = node.attrs["steps"]
    n_in = len(node.inputs)
    lines = []
    names = {}
    params = ", ".join(f"a{k}" for k in range(n_in))
    for k, (op, args, vid) in enumerate(steps):
        operands = []
        for kind, ref in args:
            operands.append(f"a{ref}" if kind == "in" else "buf")
        expr = ELEMENTWISE[op][1]
        if k == 0:
            lines.append("buf = " + expr.format(*operands, out=""))
        else:
            lines.append(expr.format(*operands, out=", out=buf"))
        names[vid] = "buf"
    # Shapes are checked at trace time, but two unknown dims that were equal then may differ
    # now (inputs broadcasting at run time): then the plain, allocating form runs instead.
    plain = [ln.replace(", out=buf", "").replace("buf = ", "") for ln in lines]
    slow = ["buf = " + ln if not ln.startswith("buf = ") else ln for ln in plain]
    body = ["try:"] + ["    " + ln for ln in lines] + ["except ValueError:"] + \
        ["    " + ln for ln in slow]
    src = f"def fused({params}):\n" + "\n".join("    " + ln for ln in body) + \
        "\n    return buf\n"
    ns = {"np": backend.xp, "__name__": "flowgrad.graph._generated"}
    exec(compile(src, f"<flowgrad-fused-{node.name}>", "exec"), ns)  # noqa: S102
    fn = ns["fused"]
    fn.source = src
    return fn


# -- memory plan -------------------------------------------------------------------------------
def plan_memory(graph):
    """Records, per node, the values whose last use it is (`graph.last_use`: node name -> value
    ids), so the executor frees them right after; and marks elementwise nodes that may write
    their result into a dying, plan-owned input buffer of the same shape and dtype
    (`attrs['_inplace']`)."""
    from .executor import INPLACE_UFUNCS
    last = {}
    for n in graph.nodes:
        for i in n.inputs:
            last[i] = n
    keep = set(graph.outputs) | set(graph.inputs)
    assigned = {n.inputs[0] for n in graph.nodes if n.op == "AssignVariableOp"}
    consumers = graph.consumers()
    owned = set()
    for n in graph.nodes:
        if n.op in FRESH_OUTPUT_OPS and n.opdef is not None or n.op == "Fused":
            # Only if no consumer could keep a view of it alive (every reader copies).
            for o in n.outputs:
                if all(c.op in FRESH_OUTPUT_OPS for c in consumers.get(o, ())):
                    owned.add(o)
    # Values that may share memory with another live value (views) are never owned: only the
    # fresh outputs above. A buffer that escapes (output, assigned to a variable) is kept.
    last_use = {}
    for vid, n in last.items():
        if vid in keep:
            continue
        last_use.setdefault(n.name, []).append(vid)
    graph.last_use = last_use
    out_of = {}
    for n in graph.nodes:
        if n.op in INPLACE_UFUNCS and n.opdef is not None and len(n.outputs) == 1:
            o = graph.values[n.outputs[0]]
            if o.dtype not in ("float32", "float64", "float16") or not o.shape:
                continue
            for i in n.inputs:
                vi = graph.values[i]
                if (i in owned and last.get(i) is n and i not in keep and i not in assigned
                        and vi.shape == o.shape and vi.dtype == o.dtype
                        and n.inputs.count(i) == 1):
                    n.attrs = dict(n.attrs, _inplace=i)
                    break
        out_of[n.name] = n
    return graph


DEFAULT_PASSES = [fold_constants, eliminate_common_subexpressions, simplify, eliminate_dead_code,
                  fuse_elementwise, plan_memory]
