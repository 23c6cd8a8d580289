"""Replaying a traced graph op by op through `dispatch.execute`.

Used when a compiled function is called under a GradientTape (the tape records every op, so
gradients of any order flow through the function) or while tracing another function (the
graph is inlined into the enclosing trace).
"""

from ..core import dispatch
from ..core.tensor import Tensor, _wrap

_SPECIAL = {}   # op name -> replay(node, input tensors) -> output tensors (control flow)


def replay(graph, inputs):
    env = dict(zip(graph.inputs, inputs))
    for node in graph.nodes:
        op = node.op
        ins = [env[i] for i in node.inputs]
        if op == "Const":
            env[node.outputs[0]] = _wrap(node.attrs["value"])
            continue
        if op == "ReadVariableOp":
            env[node.outputs[0]] = node.attrs["variable"].read_value()
            continue
        if op == "AssignVariableOp":
            node.attrs["variable"].assign(ins[0])
            continue
        if op == "PrintV2":
            from ..ops.logging_ops import print_
            it = iter(ins)
            a = node.attrs
            parts = [next(it) if p is None else p for p in a["template"]]
            print_(*parts, output_stream=a["output_stream"], summarize=a["summarize"],
                   sep=a["sep"], end=a["end"])
            continue
        if op in _SPECIAL:
            outs = _SPECIAL[op](node, ins)
        else:
            attrs = {k: v for k, v in node.attrs.items() if not k.startswith("_")}
            outs = dispatch.execute(node.opdef, tuple(ins), attrs)
        if not isinstance(outs, (tuple, list)):
            outs = (outs,)
        for o, t in zip(node.outputs, outs):
            env[o] = t
    return [env[o] if isinstance(env[o], Tensor) else _wrap(env[o]) for o in graph.outputs]
