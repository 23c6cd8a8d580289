"""The executor: compiles a Graph into one generated Python function and runs it.

Each node becomes one line of straight-line Python, `v7 = k3(v4, v5)`, where `k3` is the op's
kernel with its attributes already bound and every name is a local variable (kernels, constants
and variables are bound as default arguments). Running a plan therefore costs one Python call per
node and nothing else: no dispatch, no dtype checks, no tape, no Tensor wrappers.

The memory plan (`graph/passes.py: plan_memory`) marks where a value is last used, and the
generated code drops it there (`del v4`) so intermediates are freed as early as possible; nodes
marked in-place write their result into a dying input's buffer (`out=`).

When a kernel raises, the error names the node, its op, the input shapes and the line of user
code that created it (recorded at trace time).
"""

import functools
import itertools
import sys

import numpy as np

from ..backend import NUMPY
from ..errors import InvalidArgumentError, shape_str

_counter = itertools.count()


class Plan:
    """A compiled graph: `plan(*input_arrays)` returns the list of output arrays.

    Args:
        graph: the Graph to run (nodes in execution order).
        where: node name -> user source location, for error messages.
        backend: the Backend whose kernels run the nodes.
        sandbox: if True, variable writes go to a private overlay instead of the variables
            (used to probe a graph without side effects).
    """

    def __init__(self, graph, where=None, backend=NUMPY, sandbox=False, overlay=None):
        self.graph = graph
        self.where = where or {}
        self.backend = backend
        self.sandbox = sandbox
        self.overlay = ({} if overlay is None else overlay) if sandbox else None
        self._fn, self._lines = self._compile()

    # -- code generation ------------------------------------------------------------------------
    def _compile(self):
        g = self.graph
        ns = {"np": np, "__name__": "flowgrad.graph._generated"}
        defaults = []
        lines = []
        line_nodes = {}
        var_names = {}
        last_use = getattr(g, "last_use", None) or {}

        def bind(prefix, obj):
            name = f"{prefix}{len(defaults)}"
            defaults.append((name, obj))
            return name

        const_names = {}

        def vname(vid):
            return const_names.get(vid) or f"v{vid}"

        for node in g.nodes:
            ins = ", ".join(vname(i) for i in node.inputs)
            outs = [vname(o) for o in node.outputs]
            tuple_out = getattr(node, "opdef", None) is not None and \
                node.opdef.num_outputs != 1
            lhs = (", ".join(outs) + ("," if len(outs) == 1 and tuple_out else "")
                   ) if outs else None
            op = node.op
            if op == "Const":
                # Constants are bound once as default arguments and used by name.
                const_names[node.outputs[0]] = bind("C", node.attrs["value"])
                continue
            elif op == "ReadVariableOp":
                var = node.attrs["variable"]
                vn = var_names.get(id(var)) or var_names.setdefault(id(var), bind("V", var))
                if self.sandbox:
                    code = f"{outs[0]} = OV.get({id(var)}, {vn}._value)"
                else:
                    code = f"{outs[0]} = {vn}._value"
            elif op == "AssignVariableOp":
                var = node.attrs["variable"]
                vn = var_names.get(id(var)) or var_names.setdefault(id(var), bind("V", var))
                if self.sandbox:
                    code = f"OV[{id(var)}] = {ins}"
                else:
                    code = f"{vn}._value = {ins}"
            elif op == "PrintV2":
                if self.sandbox:
                    continue
                code = f"{bind('P', _printer(node.attrs))}({ins})"
            elif op == "Fused":
                fn = _compile_fused(node, self.backend)
                code = f"{lhs} = {bind('F', fn)}({ins})"
            elif op in _SUBGRAPH_OPS:
                fn = _SUBGRAPH_OPS[op](node, self)
                code = f"{lhs} = {bind('S', fn)}({ins})" if outs else f"{bind('S', fn)}({ins})"
            else:
                opdef = node.opdef
                kernel = opdef.cpu if self.backend is NUMPY else opdef.kernel_for(self.backend)
                inplace = node.attrs.get("_inplace") if node.attrs else None
                attrs = {k: v for k, v in node.attrs.items() if not k.startswith("_")}
                if inplace is not None:
                    fn = _inplace_call(INPLACE_UFUNCS[op])
                    code = f"{outs[0]} = {bind('U', fn)}({ins}, out={vname(inplace)})"
                else:
                    k = functools.partial(kernel, **attrs) if attrs else kernel
                    call = f"{bind('k', k)}({ins})"
                    code = f"{lhs} = {call}" if outs else call
            line_nodes[len(lines)] = node
            lines.append(code)
            dead = [v for v in last_use.get(node.name, ()) if v not in const_names]
            if dead:
                lines.append("del " + ", ".join(vname(v) for v in dead))
        params = ", ".join(vname(i) for i in g.inputs)
        if self.sandbox:
            defaults.append(("OV", self.overlay))
        kw = ", ".join(f"{n}={n}" for n, _ in defaults)
        sig = ", ".join(p for p in (params, "*, " + kw if kw else "") if p)
        outs = ", ".join(vname(o) for o in g.outputs)
        body = "\n".join("    " + ln for ln in lines) or "    pass"
        src = f"def _plan({sig}):\n{body}\n    return [{outs}]\n"
        fname = f"<flowgrad-plan-{g.name}-{next(_counter)}>"
        ns.update(dict(defaults))
        exec(compile(src, fname, "exec"), ns)  # noqa: S102 - generated from our own graph
        self.source = src
        self._fname = fname
        # line numbers in the generated source (body starts at line 2)
        node_at_line = {}
        for k, node in line_nodes.items():
            node_at_line[k + 2] = node
        return ns["_plan"], node_at_line

    # -- running --------------------------------------------------------------------------------
    def __call__(self, *arrays):
        try:
            return self._fn(*arrays)
        except Exception as e:  # noqa: BLE001 - re-raised with the failing node named
            node = self._failing_node(e)
            if node is None or isinstance(e, InvalidArgumentError):
                raise
            raise self._node_error(node, e, arrays) from None

    def _failing_node(self, exc):
        tb = exc.__traceback__
        node = None
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == self._fname:
                node = self._lines.get(tb.tb_lineno)
            tb = tb.tb_next
        return node

    def _node_error(self, node, exc, arrays):
        g = self.graph
        shapes = ", ".join(shape_str(g.values[i].shape) for i in node.inputs)
        where = self.where.get(node.name)
        at = f"\n  created at {where}" if where else ""
        detail = str(exc).split("\n")[0]
        if not isinstance(exc, (ValueError, TypeError, IndexError, ArithmeticError)):
            raise exc
        return InvalidArgumentError(
            None, node.op, f"{detail} [Op:{node.op}] in node {node.name} of graph {g.name!r} "
            f"(traced input shapes {shapes}){at}")


_SUBGRAPH_OPS = {}   # op name -> builder(node, plan) -> callable (control flow, filled elsewhere)

# Elementwise ops whose NumPy ufunc can write into a dying input's buffer (memory plan).
INPLACE_UFUNCS = {
    "AddV2": np.add, "Sub": np.subtract, "Mul": np.multiply, "RealDiv": np.divide,
    "Maximum": np.maximum, "Minimum": np.minimum, "Neg": np.negative, "Exp": np.exp,
    "Log": np.log, "Tanh": np.tanh, "Sqrt": np.sqrt, "Square": np.square, "Abs": np.absolute,
}


def _inplace_call(ufunc):
    """`ufunc(*args, out=out)`, or the allocating form when the result's run-time shape differs
    from the buffer's (unknown dims that broadcast)."""
    def run(*args, out):
        try:
            return ufunc(*args, out=out)
        except ValueError:
            return ufunc(*args)
    return run


def _printer(attrs):
    sep = attrs.get("sep", " ")
    end = attrs.get("end", "\n")
    stream = attrs.get("output_stream", sys.stderr)
    template = attrs["template"]
    summarize = attrs.get("summarize", 3)

    def run(*arrays):
        from ..ops.logging_ops import format_for_print
        it = iter(arrays)
        parts = [next(it) if p is None else p for p in template]
        text = sep.join(p if isinstance(p, str) else format_for_print(p, summarize)
                        for p in parts)
        out = stream() if callable(stream) else stream
        print(text, end=end, file=out)
    return run


def _compile_fused(node, backend):
    from .passes import compile_fused
    return compile_fused(node, backend)
