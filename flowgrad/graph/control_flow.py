"""Graph control flow: `tf.cond` and `tf.while_loop` (and what is built on them) while tracing.

`cond` traces each branch into a subgraph (a nested `Trace` whose outer tensors become captured
inputs) and adds one `If` node; `while_loop` traces `cond` and `body` into subgraphs over
placeholders for the loop variables and adds one `While` node. The executor runs them with
compiled sub-plans.

Gradients: a GradientTape recording while tracing sees one entry per `If` / `While`.
* The gradient of an `If` is another `If` over the branches' gradients (each branch is traced
  again under a tape, inside the gradient's own cond).
* A `While` recorded by a tape keeps its history (the loop variables before every iteration)
  as an extra output; its gradient is a `WhileGrad` node that walks the history backwards
  through a traced vector-Jacobian product of the body.
"""

import numpy as np

from .. import nest
from ..core.context import ctx
from ..core.tensor import Tensor, _wrap
from ..core.tensor_shape import TensorShape
from ..errors import InvalidArgumentError
from ..ops import control_flow_ops
from ..ops._common import to_tensor
from . import executor, replay as _replay
from .tracer import SymbolicTensor, Trace, alt_of


# -- tracing subgraphs -------------------------------------------------------------------------------
class _Sub:
    """A traced subgraph: its trace, output template and output shadows."""

    def __init__(self, trace, template, flat, shadows, static_shapes):
        self.trace = trace
        self.graph = trace.graph
        self.template = template
        self.flat = flat
        self.shadows = shadows
        self.static_shapes = static_shapes
        self.captures = [outer for outer, _ in trace.captures]


def _trace_sub(fn, name, args=(), arg_shapes=None):
    """Traces `fn(*args)` into a nested subgraph; `args` are example tensors (their shadows)
    turned into placeholders with `arg_shapes` (static shapes, None dims allowed)."""
    parent = ctx.graph
    sub = Trace(f"{parent.graph.name}/{name}", parent=parent)
    tapes = list(ctx.tapes)
    ctx.tapes[:] = []
    try:
        with sub:
            phs = []
            for k, a in enumerate(args):
                shadow = a._value if isinstance(a, Tensor) else np.asarray(a)
                shape = None if arg_shapes is None else arg_shapes[k]
                if shape is not None and hasattr(shape, "as_list"):
                    shape = None if shape.rank is None else shape.as_list()
                alt = a._alt if isinstance(a, SymbolicTensor) and parent.tracking_alt() \
                    else None
                phs.append(sub.placeholder(shadow, shape, name=f"arg{k}", alt=alt))
            result = fn(*phs)
            flat_in = nest.flatten(result)
            flat = []
            for x in flat_in:
                if hasattr(x, "_is_variable"):
                    x = x.read_value()
                elif not isinstance(x, Tensor):
                    x = to_tensor(x)
                flat.append(x)
            template = nest.pack_sequence_as(result, list(range(len(flat)))) \
                if nest.is_nested(result) else 0
            sub.graph.outputs = [sub.value_id(t) for t in flat]
    except Exception:
        sub.finish()
        raise
    finally:
        ctx.tapes[:] = tapes
    shadows = [t._value for t in flat]
    statics = [t.shape for t in flat]
    alts = [alt_of(t) for t in flat]
    for v in sub.variables.values():
        parent.variables[id(v)] = v
    if sub.stateful:
        parent.stateful = True
    out = _Sub(sub, template, flat, shadows, statics)
    out.alts = alts
    return out, phs


def _finish(*subs):
    for s in subs:
        s.trace.finish()


def _watching(tensors):
    """Whether an active tape watches any of these tensors (or variables)."""
    for tape in ctx.tapes:
        w = tape._watched
        for t in tensors:
            if id(t) in w:
                return True
            if hasattr(t, "_is_variable") and tape._watch_accessed_variables and t.trainable:
                return True
    return False


def _record(op, inputs, outputs):
    for tape in ctx.tapes:
        for v in inputs:
            if hasattr(v, "_is_variable") and tape._watch_accessed_variables and v.trainable:
                tape._watch_variable(v)
        tape._record(op, tuple(inputs), tuple(outputs), None)


def _float(t):
    return t._value.dtype.kind in "fc" if isinstance(t, Tensor) else True


# -- cond ------------------------------------------------------------------------------------------
def graph_cond(pred, true_fn, false_fn):
    pred = to_tensor(pred)
    if pred.dtype.name != "bool":
        raise TypeError(f"tf.cond: the predicate must be a bool tensor; got {pred.dtype.name}.")
    if pred.shape.rank not in (0, None):
        if pred.shape.num_elements() != 1:
            raise InvalidArgumentError(None, "cond", f"tf.cond: the predicate must be a scalar; "
                                       f"got shape {pred.shape}.")
    then, _ = _trace_sub(true_fn, "then")
    try:
        other, _ = _trace_sub(false_fn, "else")
    except Exception:
        _finish(then)
        raise
    _check_branches(then, other)
    trace = ctx.graph
    _check_structures(then, other)
    take_then = bool(np.asarray(pred._value).reshape(()))
    shadows = then.shadows if take_then else other.shadows
    alts = then.alts if bool(np.asarray(alt_of(pred)).reshape(())) else other.alts
    statics = [_merge_shape(a, b) for a, b in zip(then.static_shapes, other.static_shapes)]
    inputs = [pred] + then.captures + other.captures
    attrs = {"then_graph": then.graph, "else_graph": other.graph,
             "n_then": len(then.captures),
             "_effects": then.trace.stateful or other.trace.stateful}
    outs = trace.add_special("If", inputs, attrs, shadows, alts=alts, statics=statics)
    variables = list({**then.trace.variables, **other.trace.variables}.values())
    _finish(then, other)
    diff_inputs = [t for t in then.captures + other.captures if _float(t)]
    diff_inputs = list({id(t): t for t in diff_inputs}.values()) + variables
    if ctx.tapes and _watching(diff_inputs):
        _record(_CondGrad(pred, then.graph, then.captures, other.graph, other.captures),
                diff_inputs, outs)
    return nest.pack_sequence_as(then.template, outs) if nest.is_nested(then.template) \
        else outs[0]


def _merge_shape(a, b):
    if a.rank is None or b.rank is None or a.rank != b.rank:
        return TensorShape(None)
    return TensorShape([x if x == y else None for x, y in zip(a.as_list(), b.as_list())])


def _check_structures(a, b):
    try:
        nest.assert_same_structure(a.template, b.template, check_types=False)
    except (ValueError, TypeError) as e:
        _finish(a, b)
        raise ValueError(f"tf.cond: true_fn and false_fn must return the same nested structure; "
                         f"{e}") from None


def _check_branches(a, b):
    if len(a.flat) != len(b.flat) or (nest.is_nested(a.template) != nest.is_nested(b.template)):
        _finish(a, b)
        raise ValueError(
            f"tf.cond: true_fn and false_fn must return the same structure; true_fn returned "
            f"{len(a.flat)} tensors and false_fn {len(b.flat)}. Make both branches return the "
            "same values (use tf.zeros_like or the input for a branch with nothing to compute).")
    for k, (x, y) in enumerate(zip(a.flat, b.flat)):
        if x.dtype != y.dtype:
            _finish(a, b)
            raise TypeError(
                f"tf.cond: output {k} is {x.dtype.name} in true_fn but {y.dtype.name} in "
                "false_fn; both branches must return the same dtypes (cast one of them).")


class _CondGrad:
    """Tape entry for an `If`: the gradient is a cond over the branches' gradients.

    Each gradient branch replays the traced branch graph under a tape (not the Python branch
    function, whose closures may have been rebound since)."""

    name = "If"
    differentiable = True

    def __init__(self, pred, then_graph, then_caps, else_graph, else_caps):
        self.pred = pred
        self.branches = ((then_graph, list(then_caps)), (else_graph, list(else_caps)))

    def grad(self, entry, *dys):
        caps = list(entry.inputs)
        dys = [d if d is not None else _zeros_like(o) for d, o in zip(dys, entry.outputs)]

        def branch(graph, inputs):
            return lambda: _replay_vjp(graph, inputs, caps, dys)
        (tg, tc), (eg, ec) = self.branches
        return tuple(control_flow_ops.cond(self.pred, branch(tg, tc), branch(eg, ec)))


def _replay_vjp(graph, inputs, sources, dys, n_targets=None, target_index=None):
    """Replays `graph` on `inputs` under a tape and returns d(outputs)/d(sources) for the
    upstream gradients `dys` (zeros for unconnected sources)."""
    from ..core.tape import GradientTape
    with GradientTape(watch_accessed_variables=False, persistent=True) as t:
        for c in sources:
            t.watch(c)
        outs = _replay.replay(graph, inputs)
    if target_index is not None:
        outs = [outs[k] for k in target_index]
    grads = t.gradient(outs, sources, output_gradients=dys, unconnected_gradients="zero")
    return list(grads)


def _zeros_like(t):
    from ..ops.array_ops import zeros_like
    return zeros_like(t)


# -- while_loop ------------------------------------------------------------------------------------
def graph_while_loop(cond, body, loop_vars, shape_invariants, maximum_iterations):
    flat_lv = [v.read_value() if hasattr(v, "_is_variable") else
               (v if isinstance(v, Tensor) else to_tensor(v)) for v in nest.flatten(loop_vars)]
    n = len(flat_lv)
    if shape_invariants is not None:
        inv = nest.flatten(shape_invariants)
        if len(inv) != n:
            raise ValueError(f"tf.while_loop: shape_invariants has {len(inv)} entries for {n} "
                             "loop variables.")
        inv = [TensorShape(s) for s in inv]
        for k, (s, t) in enumerate(zip(inv, flat_lv)):
            if not s.is_compatible_with(t.shape):
                raise ValueError(f"tf.while_loop: loop variable {k} has shape {t.shape}, which "
                                 f"does not fit its shape invariant {s}.")
    else:
        inv = [t.shape for t in flat_lv]

    def unpack(*xs):
        return nest.pack_sequence_as(loop_vars, list(xs))

    csub, _ = _trace_sub(lambda *xs: cond(*unpack(*xs)), "cond", flat_lv, inv)
    try:
        bsub, _ = _trace_sub(lambda *xs: _body_result(body, unpack(*xs), loop_vars), "body",
                             flat_lv, inv)
    except Exception:
        _finish(csub)
        raise
    try:
        _check_while(csub, bsub, flat_lv, inv)
    except Exception:
        _finish(csub, bsub)
        raise
    trace = ctx.graph
    max_it = None
    max_t = None
    if maximum_iterations is not None:
        max_t = to_tensor(maximum_iterations)
    variables = list({**csub.trace.variables, **bsub.trace.variables}.values())
    diff_inputs = [t for t in flat_lv if _float(t)] + [t for t in bsub.captures if _float(t)]
    keep = bool(ctx.tapes) and _watching(diff_inputs + variables)
    inputs = flat_lv + csub.captures + bsub.captures + ([max_t] if max_t is not None else [])
    attrs = {"cond_graph": csub.graph, "body_graph": bsub.graph, "n_vars": n,
             "n_cond": len(csub.captures), "n_body": len(bsub.captures),
             "has_max": max_t is not None, "keep_history": keep,
             "_effects": csub.trace.stateful or bsub.trace.stateful}
    # Trace-time shadows: run the loop on the example values (variables untouched).
    shadow_out, history = _run_shadow_loop(csub, bsub, flat_lv, max_t)
    shadows = list(shadow_out) + ([np.empty((), dtype=object)] if keep else [])
    alts = None
    if trace.tracking_alt():
        try:
            alt_out, _ = _run_shadow_loop(csub, bsub, flat_lv, max_t, alt=True)
            alts = list(alt_out) + ([np.empty((), dtype=object)] if keep else [])
        except Exception as e:  # noqa: BLE001
            trace.alt_failed("While", e)
    outs = trace.add_special("While", inputs, attrs, shadows, alts=alts,
                             statics=list(inv) + ([None] if keep else []))
    _finish(csub, bsub)
    result = outs[:n]
    if keep:
        hist = outs[n]
        op = _WhileGrad(bsub.graph, flat_lv, inv, hist, bsub.captures, variables,
                        bsub.shadows)
        lv_float = [t for t in flat_lv if _float(t)]
        _record(op, lv_float + [t for t in bsub.captures if _float(t)] + variables,
                [result[k] for k, t in enumerate(flat_lv) if _float(t)])
    return result


def _body_result(body, args, loop_vars):
    out = body(*args) if isinstance(args, (list, tuple)) else body(args)
    if not isinstance(loop_vars, (list, tuple)):
        return out
    if not isinstance(out, (list, tuple)):
        out = [out]
    return list(out)


def _check_while(csub, bsub, flat_lv, inv):
    if len(csub.flat) != 1 or csub.flat[0].dtype.name != "bool" or csub.flat[0].shape.rank:
        raise TypeError("tf.while_loop: cond must return a scalar bool tensor; got "
                        f"{[(t.dtype.name, tuple(t.shape)) for t in csub.flat]}.")
    if len(bsub.flat) != len(flat_lv):
        raise ValueError(f"tf.while_loop: body returned {len(bsub.flat)} values for "
                         f"{len(flat_lv)} loop variables; it must return the same structure.")
    for k, (o, i, s) in enumerate(zip(bsub.flat, flat_lv, inv)):
        if o.dtype != i.dtype:
            raise TypeError(f"tf.while_loop: loop variable {k} entered the loop as "
                            f"{i.dtype.name} but the body returned {o.dtype.name}.")
        if not s.is_compatible_with(o.shape):
            raise ValueError(
                f"tf.while_loop: loop variable {k} has shape {i.shape} on entry but {o.shape} "
                "after one iteration. Pass shape_invariants with None for the dimensions that "
                "change, e.g. shape_invariants=[tf.TensorShape([None])].")


def _run_shadow_loop(csub, bsub, flat_lv, max_t, alt=False):
    from . import passes
    overlay = {}
    cplan = executor.Plan(passes.optimize(csub.graph.copy()), sandbox=True, overlay=overlay)
    bplan = executor.Plan(passes.optimize(bsub.graph.copy()), sandbox=True, overlay=overlay)
    val = alt_of if alt else (lambda t: t._value)
    ccaps = [val(t) for t in csub.captures]
    bcaps = [val(t) for t in bsub.captures]
    state = [val(t) for t in flat_lv]
    limit = None if max_t is None else int(np.asarray(max_t._value))
    history = []
    k = 0
    with np.errstate(all="ignore"):
        while (limit is None or k < limit) and bool(np.asarray(cplan(*state, *ccaps)[0])):
            history.append(state)
            state = bplan(*state, *bcaps)
            k += 1
            if k > 10_000_000:
                raise RuntimeError("tf.while_loop: the loop did not stop on the trace-time "
                                   "example values after 10,000,000 iterations.")
    return state, history


class _WhileGrad:
    """Tape entry for a `While`: backpropagates through the saved per-iteration history."""

    name = "While"
    differentiable = True

    def __init__(self, body_graph, flat_lv, inv, history, body_caps, variables, body_out):
        self.body_graph = body_graph
        self.body_out = body_out   # the body's output shadows for the first iteration
        self.flat_lv = flat_lv
        self.inv = inv
        self.history = history
        self.body_caps = body_caps
        self.variables = variables

    def grad(self, entry, *dys):
        trace = ctx.graph
        if trace is None:
            raise NotImplementedError("Gradients of a traced while_loop can only be taken inside "
                                      "the same flowgrad.function.")
        lv = self.flat_lv
        float_idx = [k for k, t in enumerate(lv) if _float(t)]
        caps = [t for t in self.body_caps if _float(t)]
        srcs_extra = caps + list(self.variables)
        dys = list(dys)
        full_dys = []
        it = iter(dys)
        for k, t in enumerate(lv):
            if k in float_idx:
                d = next(it)
                full_dys.append(d if d is not None else _zeros_like(entry.outputs[
                    float_idx.index(k)]))
        body_graph, body_caps = self.body_graph, list(self.body_caps)

        def vjp(*xs):
            # Replays the traced body (not the Python function: its closures may have been
            # rebound since the loop was traced).
            state, gs = list(xs[:len(lv)]), list(xs[len(lv):])
            sources = [state[k] for k in float_idx] + srcs_extra
            return _replay_vjp(body_graph, state + body_caps, sources, gs,
                               target_index=float_idx)

        gshapes = [self.inv[k] for k in float_idx]
        # Example upstream gradients consistent with the example state: shaped like the
        # body's outputs for the first iteration.
        g_examples = [_wrap(np.zeros_like(self.body_out[k])) for k in float_idx]
        vsub, _ = _trace_sub(vjp, "while_grad", list(lv) + g_examples,
                             list(self.inv) + gshapes)
        n_f = len(float_idx)
        # Gradients w.r.t. the loop variables have the shapes they entered the loop with.
        shadows = [np.zeros_like(lv[k]._value) for k in float_idx] + \
            [np.zeros_like(c._value if isinstance(c, Tensor) else c._value) for c in srcs_extra]
        attrs = {"vjp_graph": vsub.graph, "n_state": len(lv), "n_float": n_f,
                 "float_idx": tuple(float_idx),
                 "extra_types": tuple((s.dtype, s.shape) for s in shadows[n_f:])}
        alts = [np.zeros_like(alt_of(lv[k])) for k in float_idx] + \
            [np.zeros_like(alt_of(c) if isinstance(c, Tensor) else c._value)
             for c in srcs_extra]
        outs = trace.add_special("WhileGrad", [self.history] + full_dys + vsub.captures, attrs,
                                 shadows, alts=alts)
        _finish(vsub)
        return tuple(outs)


# -- map_fn / scan / fold over an unknown-length leading dimension -----------------------------------
def _gather(x, i):
    from ..ops.indexing_ops import gather
    return gather(x, i)


def _reverse(x, axes):
    from ..ops import indexing_ops, array_ops
    fn = getattr(indexing_ops, "reverse", None) or getattr(array_ops, "reverse")
    return fn(x, axes)


def _leading(elems):
    flat = [to_tensor(e) for e in nest.flatten(elems)]
    return flat, flat[0].shape[0] if flat[0].shape.rank else None


def graph_map_fn(fn, elems, signature):
    from ..ops import array_ops
    flat, n = _leading(elems)
    length = array_ops.shape(flat[0])[0]
    first = fn(nest.pack_sequence_as(elems, [f[0] for f in flat]))
    first_flat = [to_tensor(x) for x in nest.flatten(first)]
    accs = [array_ops.expand_dims(x, 0) for x in first_flat]

    def body(i, *acc):
        item = nest.pack_sequence_as(elems, [_gather(f, i) for f in flat])
        outs = [to_tensor(x) for x in nest.flatten(fn(item))]
        return [i + 1] + [array_ops.concat([a, array_ops.expand_dims(o, 0)], 0)
                          for a, o in zip(acc, outs)]
    inv = [TensorShape([])] + [TensorShape([None] + x.shape.as_list()) for x in first_flat]
    res = control_flow_ops.while_loop(lambda i, *a: i < length, body,
                                      [to_tensor(1)] + accs, shape_invariants=inv)
    return nest.pack_sequence_as(first, list(res[1:]))


def graph_scan(fn, elems, initializer, reverse):
    from ..ops import array_ops
    flat, n = _leading(elems)
    if reverse:
        flat = [_reverse(f, [0]) for f in flat]
    length = array_ops.shape(flat[0])[0]
    if initializer is None:
        acc0 = nest.pack_sequence_as(elems, [f[0] for f in flat])
        start = 1
    else:
        acc0, start = initializer, 0
    acc_flat = [to_tensor(x) for x in nest.flatten(acc0)]
    hist = [array_ops.expand_dims(x, 0) for x in acc_flat] if start == 1 else \
        [array_ops.zeros([0] + x.shape.as_list(), x.dtype) for x in acc_flat]

    def body(i, *state):
        k = len(acc_flat)
        acc, h = list(state[:k]), list(state[k:])
        item = nest.pack_sequence_as(elems, [_gather(f, i) for f in flat])
        new = [to_tensor(x) for x in nest.flatten(
            fn(nest.pack_sequence_as(acc0, acc), item))]
        return [i + 1] + new + [array_ops.concat([a, array_ops.expand_dims(o, 0)], 0)
                                for a, o in zip(h, new)]
    inv = [TensorShape([])] + [x.shape for x in acc_flat] + \
        [TensorShape([None] + x.shape.as_list()) for x in acc_flat]
    res = control_flow_ops.while_loop(lambda i, *s: i < length, body,
                                      [to_tensor(start)] + acc_flat + hist, shape_invariants=inv)
    out = list(res[1 + len(acc_flat):])
    if reverse:
        out = [_reverse(o, [0]) for o in out]
    return nest.pack_sequence_as(acc0, out)


def graph_fold(fn, elems, initializer, reverse):
    from ..ops import array_ops
    flat, n = _leading(elems)
    if reverse:
        flat = [_reverse(f, [0]) for f in flat]
    length = array_ops.shape(flat[0])[0]
    if initializer is None:
        acc0 = nest.pack_sequence_as(elems, [f[0] for f in flat])
        start = 1
    else:
        acc0, start = initializer, 0
    acc_flat = [to_tensor(x) for x in nest.flatten(acc0)]

    def body(i, *acc):
        item = nest.pack_sequence_as(elems, [_gather(f, i) for f in flat])
        new = fn(nest.pack_sequence_as(acc0, list(acc)), item)
        return [i + 1] + [to_tensor(x) for x in nest.flatten(new)]
    res = control_flow_ops.while_loop(lambda i, *a: i < length, body,
                                      [to_tensor(start)] + acc_flat)
    return nest.pack_sequence_as(acc0, list(res[1:]))


# -- executor and replay support -------------------------------------------------------------------
def _sub_plan(graph, plan):
    from . import passes
    return executor.Plan(passes.optimize(graph.copy()), plan.where, plan.backend,
                         sandbox=plan.sandbox, overlay=plan.overlay)


def _build_if(node, plan):
    tp = _sub_plan(node.attrs["then_graph"], plan)
    ep = _sub_plan(node.attrs["else_graph"], plan)
    n = node.attrs["n_then"]
    n_out = len(node.outputs)

    def run(pred, *caps):
        outs = tp(*caps[:n]) if pred else ep(*caps[n:])
        return outs[0] if n_out == 1 else outs
    return run


def _build_while(node, plan):
    a = node.attrs
    cp = _sub_plan(a["cond_graph"], plan)
    bp = _sub_plan(a["body_graph"], plan)
    nv, nc, nb = a["n_vars"], a["n_cond"], a["n_body"]
    has_max, keep = a["has_max"], a["keep_history"]
    n_out = len(node.outputs)

    def run(*xs):
        state = list(xs[:nv])
        ccaps = xs[nv:nv + nc]
        bcaps = xs[nv + nc:nv + nc + nb]
        limit = int(xs[-1]) if has_max else -1
        history = [] if keep else None
        k = 0
        while k != limit and cp(*state, *ccaps)[0]:
            if keep:
                history.append(state)
            state = bp(*state, *bcaps)
            k += 1
        outs = list(state) + ([history] if keep else [])
        return outs[0] if n_out == 1 else outs
    return run


def _build_while_grad(node, plan):
    a = node.attrs
    vp = _sub_plan(a["vjp_graph"], plan)
    n_float = a["n_float"]
    n_out = len(node.outputs)

    def run(history, *rest):
        gs = list(rest[:n_float])
        caps = rest[n_float:]
        acc = None
        for state in reversed(history):
            outs = vp(*state, *gs, *caps)
            gs = outs[:n_float]
            extra = outs[n_float:]
            acc = list(extra) if acc is None else [x + y for x, y in zip(acc, extra)]
        if acc is None:
            acc = [np.zeros(shape, dtype) for dtype, shape in a["extra_types"]]
        outs = list(gs) + list(acc)
        return outs[0] if n_out == 1 else outs
    return run


def _replay_if(node, ins):
    n = node.attrs["n_then"]
    caps = ins[1:]
    if ctx.graph is not None:  # replaying into a trace: a graph cond again
        out = control_flow_ops.cond(
            ins[0], lambda: _replay.replay(node.attrs["then_graph"], caps[:n]),
            lambda: _replay.replay(node.attrs["else_graph"], caps[n:]))
        return list(out) if isinstance(out, (list, tuple)) else [out]
    pred = bool(np.asarray(ins[0]._value))
    if pred:
        return _replay.replay(node.attrs["then_graph"], caps[:n])
    return _replay.replay(node.attrs["else_graph"], caps[n:])


def _replay_while(node, ins):
    a = node.attrs
    nv, nc, nb = a["n_vars"], a["n_cond"], a["n_body"]
    state = list(ins[:nv])
    ccaps, bcaps = ins[nv:nv + nc], ins[nv + nc:nv + nc + nb]
    if ctx.graph is not None:  # replaying into a trace: a graph while_loop again
        inv = [TensorShape(a["body_graph"].values[i].shape)
               for i in a["body_graph"].inputs[:nv]]
        out = control_flow_ops.while_loop(
            lambda *s: _replay.replay(a["cond_graph"], list(s) + list(ccaps))[0],
            lambda *s: _replay.replay(a["body_graph"], list(s) + list(bcaps)),
            state, shape_invariants=inv,
            maximum_iterations=ins[-1] if a["has_max"] else None)
        out = list(out) if isinstance(out, (list, tuple)) else [out]
        if a["keep_history"]:
            raise NotImplementedError("Replaying a differentiated while_loop into another trace "
                                      "is not supported.")
        return out
    limit = int(np.asarray(ins[-1]._value)) if a["has_max"] else -1
    history = []
    k = 0
    while k != limit and bool(np.asarray(_replay.replay(a["cond_graph"],
                                                         state + list(ccaps))[0]._value)):
        history.append([t._value for t in state])
        state = _replay.replay(a["body_graph"], state + list(bcaps))
        k += 1
    if a["keep_history"]:
        return state + [_wrap(history)]
    return state


def _replay_while_grad(node, ins):
    from .ir import Graph
    fn = _build_while_grad(node, executor.Plan(Graph("while_grad")))
    outs = fn(ins[0]._value, *[t._value for t in ins[1:]])
    if len(node.outputs) == 1:
        outs = [outs]
    return [_wrap(o) for o in outs]


executor._SUBGRAPH_OPS.update({"If": _build_if, "While": _build_while,
                               "WhileGrad": _build_while_grad})
_replay._SPECIAL.update({"If": _replay_if, "While": _replay_while,
                         "WhileGrad": _replay_while_grad})
control_flow_ops._GRAPH_IMPL.update({
    "cond": graph_cond, "while_loop": graph_while_loop, "map_fn": graph_map_fn,
    "scan": graph_scan, "fold": graph_fold})
