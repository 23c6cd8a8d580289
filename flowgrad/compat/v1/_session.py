"""`Session`: runs the parts of a v1 graph that fetches need.

`sess.run(fetches, feed_dict)`:

1. resolves the fetches (tensors, ops, variables, names, nested structures) and the feeds
   (checked against the placeholders' dtypes and shapes);
2. looks up a compiled plan for (fetch set, fed tensors with their dtypes and shapes) in the
   graph's cache, or builds one: it prunes the graph to the ops the fetches need (data inputs
   and control dependencies; an assignment runs only when something fetched depends on it,
   TF1's rule), *replays* those ops into a fresh trace whose placeholders have the fed shapes,
   rebuilds each `gradients()` group there with the same gradient rules (so shapes that were
   unknown when the graph was built are exact), optimizes that graph with `passes.optimize`
   and compiles it with the executor's `Plan`;
3. runs the plan with the Session's variable values.

Per-session state: each Session keeps its own values of the graph's variables (`_values`, by
variable id). A run swaps them into the variables the plan touches, runs, stores back the
values the plan assigned, and restores the variables' own arrays (which only serve as trace-time
shadows in a v1 graph). Two Sessions on one graph therefore never share state, and a variable
no initializer has run for in this Session raises FailedPreconditionError when read.
"""

import collections

import numpy as np

from ...core import dispatch
from ...core.context import ctx
from ...core.tensor import Tensor, _wrap
from ...core.variable import Variable
from ...errors import FailedPreconditionError, InvalidArgumentError, UnimplementedError
from ...graph import executor, ir, passes
from ...graph.tracer import SymbolicTensor, Trace
from ._graph import GraphTape, Operation, _state, get_default_graph, np_dtype, tf_dtype_name


# -- default sessions -----------------------------------------------------------------------------------
def get_default_session():
    """The innermost session entered with `with sess:` / `sess.as_default()`, or an
    InteractiveSession; None if there is none."""
    return _state.session_stack[-1] if _state.session_stack else None


def _session_for(session, what):
    if session is not None:
        return session
    s = get_default_session()
    if s is None:
        raise ValueError(f"Cannot evaluate {what!r} using `eval` or `run`: no default session is "
                         "registered. Use `with sess.as_default()` or pass an explicit session "
                         "to eval(session=sess).")
    return s


class _DefaultSession:
    def __init__(self, sess):
        self._sess = sess

    def __enter__(self):
        _state.session_stack.append(self._sess)
        return self._sess

    def __exit__(self, *exc):
        if _state.session_stack and _state.session_stack[-1] is self._sess:
            _state.session_stack.pop()


# -- fetch structures -----------------------------------------------------------------------------------
def _is_leaf(x):
    return not isinstance(x, (list, tuple, dict)) or isinstance(x, str)


def _flatten(fetches, out):
    if isinstance(fetches, dict):
        for k in fetches:
            _flatten(fetches[k], out)
    elif isinstance(fetches, (list, tuple)) and not isinstance(fetches, str):
        for x in fetches:
            _flatten(x, out)
    else:
        out.append(fetches)
    return out


def _rebuild(fetches, it):
    if isinstance(fetches, dict):
        items = [(k, _rebuild(fetches[k], it)) for k in fetches]
        try:
            return type(fetches)(items)
        except TypeError:
            if isinstance(fetches, collections.defaultdict):
                d = collections.defaultdict(fetches.default_factory)
                d.update(items)
                return d
            return dict(items)
    if isinstance(fetches, tuple) and hasattr(fetches, "_fields"):
        return type(fetches)(*[_rebuild(x, it) for x in fetches])
    if isinstance(fetches, (list, tuple)) and not isinstance(fetches, str):
        vals = [_rebuild(x, it) for x in fetches]
        try:
            return type(fetches)(vals)
        except TypeError:
            return tuple(vals) if isinstance(fetches, tuple) else vals
    return next(it)


def _tf1_shape_str(shape):
    """A static shape as TF1 prints it in feed errors: (?, 3), (3,), () or <unknown>."""
    if shape is None:
        return "<unknown>"
    dims = ["?" if d is None else str(d) for d in shape]
    if len(dims) == 1:
        return f"({dims[0]},)"
    return "(" + ", ".join(dims) + ")"


def _shape_str(shape):
    return "[" + ",".join("?" if d is None else str(d) for d in shape) + "]"


_MAX_PLANS = 256   # compiled plans kept per graph


# -- compiled plans -------------------------------------------------------------------------------------
class _Compiled:
    __slots__ = ("assigned", "feed_vids", "n_out", "needs_init", "plan", "touched")

    def __init__(self, plan, feed_vids, needs_init, touched, n_out, assigned):
        self.plan = plan
        self.assigned = assigned  # ids of variables every run assigns (top-level assignments)
        self.feed_vids = feed_vids
        self.needs_init = needs_init
        self.touched = touched
        self.n_out = n_out


class _Unsupported:
    """Tape pseudo-op for replayed control flow whose gradient cannot be rebuilt."""

    differentiable = True

    def __init__(self, name):
        self.name = name

    def grad(self, entry, *dys):
        raise UnimplementedError(
            None, self.name, f"tf.compat.v1.gradients through a {self.name} node cannot be "
            "rebuilt by a Session (only tf.cond is supported); compute this gradient with "
            "tf.GradientTape in eager mode or inside a tf.function instead.")


def _scan_variables(graph, reads, writes, order):
    """Collects the variables a graph (and its control-flow subgraphs) reads and writes;
    `order` gets (kind, var) in execution order for the uninitialized-read check."""
    for n in graph.nodes:
        if n.op == "ReadVariableOp":
            v = n.attrs["variable"]
            reads[id(v)] = v
            order.append(("r", v))
        elif n.op == "AssignVariableOp":
            v = n.attrs["variable"]
            writes[id(v)] = v
            order.append(("w", v))
        else:
            for a in n.attrs.values():
                if isinstance(a, ir.Graph):
                    _scan_variables(a, reads, writes, order)


def _compile(g, fetch_keys, fetch_objs, feeds):
    """Builds the plan for one (fetches, feed signature); see the module docstring."""
    trace = g._trace
    values = trace.graph.values
    items, item_of, producer = g._item_view()
    fed = set(feeds)
    need, stack, need_ph = set(), [], []

    def need_value(vid):
        if vid in fed:
            return
        if vid in g._placeholders:
            if vid not in need_ph:
                need_ph.append(vid)
            return
        k = producer.get(vid)
        if k is not None:
            stack.append(k)

    for key, obj in zip(fetch_keys, fetch_objs):
        if key[0] == "t":
            need_value(key[1])
        elif key[0] == "op":
            stack.append(item_of[id(obj)])
        elif key[0] == "ph":
            need_value(key[1])
    while stack:
        k = stack.pop()
        if k in need:
            continue
        need.add(k)
        kind, obj = items[k]
        if kind == "n":
            for v in obj.inputs:
                need_value(v)
            ctrl = g._ctrl.get(id(obj), ())
        else:
            for v in obj.dep_vids:
                need_value(v)
            ctrl = obj.ctrl
        for c in ctrl:
            j = item_of.get(id(c))
            if j is not None:
                stack.append(j)
    for vid in need_ph:
        dt, static, default = g._placeholders[vid]
        if default is None:
            name = values[vid].name
            shape = "" if static.rank is None else f" and shape {_shape_str(static.as_list())}"
            raise InvalidArgumentError(
                None, "Placeholder", f"You must feed a value for placeholder tensor '{name}' "
                f"with dtype {tf_dtype_name(dt)}{shape}\n\t [[{{{{node {name}}}}}]]")

    fresh = Trace(f"{trace.graph.name}_run")
    ftape = GraphTape()
    saved = (ctx.graph, list(ctx.tapes))
    ctx.graph = fresh
    ctx.tapes[:] = [ftape]
    env = {}
    feed_vids = sorted(feeds)
    try:
        for vid in feed_vids:
            arr = feeds[vid]
            env[vid] = fresh.placeholder(arr, arr.shape, name=values[vid].name or "input")
        for vid in need_ph:
            env[vid] = _wrap(np.asarray(g._placeholders[vid][2]))
        for k in sorted(need):
            kind, obj = items[k]
            if kind == "n":
                _replay_node(g, obj, env, fresh, ftape)
            else:
                _replay_group(g, obj, env, ftape)
        outs = []
        for key, obj in zip(fetch_keys, fetch_objs):
            if key[0] in ("t", "ph"):
                t = env.get(key[1])
                if t is None:
                    raise InvalidArgumentError(
                        None, None, f"Cannot fetch {obj!r}: it is an intermediate value of a "
                        "tf.compat.v1.gradients computation; fetch the gradients themselves.")
                outs.append(fresh.value_id(t))
            elif key[0] == "v":
                outs.append(fresh.value_id(Variable.read_value(obj)))
        fresh.graph.outputs = outs
    except Exception:
        fresh.finish()
        raise
    finally:
        ctx.graph, tapes = saved
        ctx.tapes[:] = tapes
    fresh.graph.verify()
    opt = passes.optimize(fresh.graph)
    plan = executor.Plan(opt, fresh.where)
    fresh.finish()
    reads, writes, order = {}, {}, []
    _scan_variables(opt, reads, writes, order)
    needs, written = {}, set()
    for kind, v in order:
        if kind == "w":
            written.add(id(v))
        elif id(v) not in written and id(v) in g._var_ids:
            needs[id(v)] = v
    touched = [v for k, v in {**reads, **writes}.items() if k in g._var_ids]
    assigned = {id(n.attrs["variable"]) for n in opt.nodes if n.op == "AssignVariableOp"}
    return _Compiled(plan, feed_vids, list(needs.values()), touched, len(outs), assigned)


def _replay_node(g, node, env, fresh, ftape):
    op = node.op
    if op == "NoOp":
        return
    n0 = len(fresh.graph.nodes)
    ins = [env[i] if i in env else _missing(g, i) for i in node.inputs]
    outs = None
    if op == "Const":
        outs = (_wrap(node.attrs["value"]),)
    elif op == "ReadVariableOp":
        outs = (Variable.read_value(node.attrs["variable"]),)
    elif op == "AssignVariableOp":
        fresh.assign_variable(node.attrs["variable"], ins[0])
    elif op == "PrintV2":
        fresh.print_(ins, node.attrs)
    elif op in executor._SUBGRAPH_OPS:
        outs = fresh.add_special(op, ins, node.attrs, _subgraph_shadows(g, node, ins))
        if any(o._value.dtype.kind in "fc" for o in outs):
            _record_control_flow(g, node, ins, outs, env, ftape)
    elif node.opdef is not None:
        attrs = {k: v for k, v in node.attrs.items() if not k.startswith("_")}
        outs = dispatch.execute(node.opdef, tuple(ins), attrs)
        if not isinstance(outs, (tuple, list)):
            outs = (outs,)
    else:
        raise UnimplementedError(None, op, f"A Session cannot run graph node {node.name} "
                                 f"({op}): no kernel is registered for it.")
    where = g._trace.where.get(node.name)
    if where is not None:
        for n in fresh.graph.nodes[n0:]:
            fresh.where[n.name] = where
    if outs is not None:
        for o, t in zip(node.outputs, outs):
            if o not in env:
                env[o] = t


def _subgraph_shadows(g, node, ins):
    """The outputs of a control-flow node for the replay's input shadows (the fed shapes), run
    in a sandbox (no variable writes, no prints); the build-time shadows if that fails."""
    try:
        fn = executor._SUBGRAPH_OPS[node.op](node, executor.Plan(ir.Graph("shadow"),
                                                                sandbox=True))
        with np.errstate(all="ignore"):
            outs = fn(*[t._value for t in ins])
        if len(node.outputs) == 1:
            outs = [outs]
        outs = [np.asarray(o) for o in outs]
        if len(outs) == len(node.outputs):
            return outs
    except Exception:  # noqa: BLE001, S110 - fall back to the build-time shapes
        pass
    return [g._tensor(o)._value for o in node.outputs]


def _missing(g, vid):
    raise InvalidArgumentError(None, None, f"A Session could not compute graph value %{vid} "
                               "(an intermediate value of a gradients() call?).")


def _record_control_flow(g, node, ins, outs, env, ftape):
    """A replayed If / While is one node of the fresh graph; its gradient cannot be rebuilt
    (the branch functions close over the v1 graph's tensors), so the session's tape gets an
    entry that fails clearly if a gradients() group has to flow through it."""
    mapped = tuple(x for x in ins if isinstance(x, Tensor) and x._value is not None
                   and x._value.dtype.kind in "fc")
    variables = [v for v in _subgraph_variables(node) if v._value.dtype.kind in "fc"]
    ftape._record(_Unsupported(node.op), mapped + tuple(variables), tuple(outs), None)


def _subgraph_variables(node):
    reads, writes, order = {}, {}, []
    for a in node.attrs.values():
        if isinstance(a, ir.Graph):
            _scan_variables(a, reads, writes, order)
    return list(reads.values())


def _resolve(g, x, env):
    """An object of the v1 graph (tensor, variable, constant) as seen by the replay."""
    if isinstance(x, SymbolicTensor) and x._trace is g._trace:
        return env[x._graph_value]
    return x


def _replay_group(g, grp, env, ftape):
    ys = [_resolve(g, y, env) for y in grp.ys]
    ogs = [None if o is None else _resolve(g, o, env) for o in grp.grad_ys]
    xs = [_resolve(g, x, env) for x in grp.xs]
    grads = ftape._backward_impl(ys, ogs, xs, grp.unconnected)
    from ...ops.array_ops import zeros
    for vid, r, x in zip(grp.out_vids, grads, xs):
        if vid is None:
            continue
        if r is None:  # cut off by a feed: TF's graph would have no path either
            r = zeros(tuple(x.shape), x.dtype)
        env[vid] = r


# -- Session ---------------------------------------------------------------------------------------------
class BaseSession:
    """Runs a v1 graph (`tf.compat.v1.Session`).

    Args:
        target: ignored (no distributed runtime).
        graph: the Graph to run; defaults to the default graph.
        config: a ConfigProto; accepted and ignored.

    Example:
        >>> import flowgrad as tf
        >>> v1 = tf.compat.v1
        >>> with v1.Graph().as_default():
        ...     x = v1.placeholder(tf.float32, shape=[None])
        ...     y = x * 2.0
        ...     with v1.Session() as sess:
        ...         sess.run(y, feed_dict={x: [1.0, 2.0]}).tolist()
        [2.0, 4.0]
    """

    def __init__(self, target="", graph=None, config=None):
        self._graph = graph if graph is not None else get_default_graph()
        self._values = {}
        self._closed = False
        self._entered = []
        self._target = target
        self._config = config

    # -- properties --------------------------------------------------------------------------------
    @property
    def graph(self):
        return self._graph

    @property
    def graph_def(self):
        return self._graph.as_graph_def()

    @property
    def sess_str(self):
        return self._target

    def list_devices(self):
        return []

    # -- context -----------------------------------------------------------------------------------
    def as_default(self):
        """A context in which this is the default session (for `eval` / `run`)."""
        return _DefaultSession(self)

    def __enter__(self):
        graph_ctx = self._graph.as_default()
        graph_ctx.__enter__()
        sess_ctx = _DefaultSession(self)
        sess_ctx.__enter__()
        self._entered.append((graph_ctx, sess_ctx))
        return self

    def __exit__(self, exc_type, exc, tb):
        graph_ctx, sess_ctx = self._entered.pop()
        sess_ctx.__exit__(exc_type, exc, tb)
        graph_ctx.__exit__(exc_type, exc, tb)
        self.close()

    def close(self):
        """Frees the session's variable values; `run` fails afterwards."""
        self._closed = True
        self._values = {}

    # -- running -----------------------------------------------------------------------------------
    def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        """Computes `fetches` and returns their values in the same structure.

        Args:
            fetches: a tensor, an op (its value is None), a variable, a tensor or op name
                ("x:0", "init"), or a nested list / tuple / namedtuple / dict of them.
            feed_dict: values for placeholders (or any other tensor), keyed by tensor or name.

        Raises:
            InvalidArgumentError: a needed placeholder was not fed.
            ValueError: a fed value does not fit the placeholder's shape.
            FailedPreconditionError: a variable is read before this session initialized it.
        """
        if self._closed:
            raise RuntimeError("Attempted to use a closed Session.")
        leaves = _flatten(fetches, [])
        g = self._graph
        feeds = self._feeds(feed_dict)
        keys, objs, results, plan_slots = [], [], [None] * len(leaves), []
        for i, f in enumerate(leaves):
            kind, obj = self._resolve_fetch(f)
            if kind == "eager":
                results[i] = _as_result(np.array(obj, copy=True))
            elif kind == "op-eager":
                results[i] = None
            else:
                key = (kind, obj._graph_value if kind in ("t", "ph") else id(obj))
                keys.append(key)
                objs.append(obj)
                plan_slots.append((i, kind))
        if keys:
            sig = tuple(sorted((vid, a.dtype.str, a.shape) for vid, a in feeds.items()))
            ck = (tuple(keys), sig)
            compiled = g._plans.get(ck)
            if compiled is None:
                if len(g._plans) >= _MAX_PLANS:  # e.g. ever-changing batch sizes
                    del g._plans[next(iter(g._plans))]
                compiled = g._plans[ck] = _compile(g, keys, objs, feeds)
            outs = self._execute(compiled, feeds)
            it = iter(outs)
            for i, kind in plan_slots:
                results[i] = None if kind == "op" else _as_result(next(it))
        return _rebuild(fetches, iter(results))

    def _execute(self, c, feeds):
        vals = self._values
        for v in c.needs_init:
            if id(v) not in vals:
                raise FailedPreconditionError(
                    None, "ReadVariableOp", f"Attempting to use uninitialized value "
                    f"{v.name.rsplit(':', 1)[0]}\n\t [[{{{{node {v.name.rsplit(':', 1)[0]}/read}}}}]]"
                    " Run its initializer first, e.g. "
                    "sess.run(tf.compat.v1.global_variables_initializer()).")
        arrays = [feeds[vid] for vid in c.feed_vids]
        swapped = []
        try:
            for v in c.touched:
                own = v._value
                cur = vals.get(id(v), own)
                swapped.append((v, own, cur))
                v._value = cur
            outs = c.plan(*arrays)
            assigned = c.assigned
            for v, own, cur in swapped:
                if v._value is not cur or id(v) in assigned:
                    vals[id(v)] = v._value
        finally:
            for v, own, _ in swapped:
                v._value = own
        # Fetched arrays never alias session state or the caller's feeds.
        held = {id(vals[id(v)]) for v, _, _ in swapped if id(v) in vals}
        held.update(id(a) for a in arrays)
        if held:
            outs = [np.array(o, copy=True) if id(o) in held else o for o in outs]
        return outs

    def _resolve_fetch(self, f):
        g = self._graph
        if isinstance(f, str):
            try:
                f = g.as_graph_element(f)
            except KeyError as e:
                raise ValueError(f"Fetch argument {f!r} cannot be interpreted as a Tensor. "
                                 f"({e.args[0] if e.args else e})") from None
        if isinstance(f, SymbolicTensor):
            if f._trace is not g._trace:
                raise ValueError(f"Fetch argument {f!r} cannot be interpreted as a Tensor. "
                                 f"(Tensor {f.name} is not an element of this graph.)")
            return ("ph" if f._graph_value in g._placeholders else "t"), f
        if isinstance(f, Operation):
            if f._graph is not g:
                raise ValueError(f"Fetch argument {f!r} cannot be interpreted as an Operation. "
                                 "(It is not an element of this graph.)")
            if f._node is None:
                return "op-eager", f
            return "op", f._node
        if isinstance(f, ir.Node):
            return "op", g._node_of(f)
        if hasattr(f, "_is_variable"):
            owner = getattr(f, "_v1_graph", None)
            if owner is g:
                return "v", f
            if owner is not None:
                raise ValueError(f"Fetch argument {f!r} cannot be interpreted as a Tensor. "
                                 f"(Variable {f.name} is not an element of this graph.)")
            return "eager", f.numpy()
        if isinstance(f, Tensor):
            if f._value is None:
                raise ValueError(f"Fetch argument {f!r} cannot be interpreted as a Tensor. "
                                 "(It is not an element of this graph.)")
            return "eager", f._value
        if f is None:
            raise TypeError("Fetch argument None has invalid type <class 'NoneType'>")
        if hasattr(f, "type") and hasattr(f, "graph") and hasattr(f, "name"):
            return "op-eager", f  # a variable's .op: nothing to run
        raise TypeError(f"Fetch argument {f!r} has invalid type {type(f)}, must be a string or "
                        "Tensor. (Can not convert a " + type(f).__name__ + " into a Tensor or "
                        "Operation.)")

    def _feeds(self, feed_dict):
        out = {}
        if not feed_dict:
            return out
        g = self._graph
        values = g._trace.graph.values
        for key, val in feed_dict.items():
            k = key
            if isinstance(k, str):
                try:
                    k = g.get_tensor_by_name(k)
                except (KeyError, ValueError) as e:
                    raise TypeError(f"Cannot interpret feed_dict key as Tensor: "
                                    f"{e.args[0] if e.args else e}") from None
            if hasattr(k, "_is_variable"):
                raise TypeError(f"Cannot interpret feed_dict key as Tensor: feeding variable "
                                f"{k.name} is not supported; run an assign or `load` instead.")
            if not isinstance(k, SymbolicTensor):
                raise TypeError(f"Cannot interpret feed_dict key as Tensor: Can not convert a "
                                f"{type(k).__name__} into a Tensor.")
            if k._trace is not g._trace:
                raise ValueError(f"Cannot interpret feed_dict key as Tensor: Tensor {k.name} is "
                                 "not an element of this graph.")
            vid = k._graph_value
            if vid in g._placeholders:
                dt, static, _ = g._placeholders[vid]
                npdt = np_dtype(dt)
                shape = None if static.rank is None else static.as_list()
            else:
                npdt = np.dtype(k._dtype.as_numpy_dtype)
                shape = values[vid].shape
            if isinstance(val, SymbolicTensor):
                raise TypeError("The value of a feed cannot be a tf.Tensor object. Acceptable "
                                "feed values include Python scalars, strings, lists, numpy "
                                "ndarrays, or TensorHandles.")
            if isinstance(val, Tensor) or hasattr(val, "_is_variable"):
                val = val.numpy()
            try:
                arr = np.asarray(val, dtype=npdt)
            except (TypeError, ValueError) as e:
                raise ValueError(f"Cannot feed value {_short(val)} for Tensor '{k.name}' of "
                                 f"dtype {tf_dtype_name(k._dtype)}: {e}") from None
            if shape is not None and (arr.ndim != len(shape) or any(
                    d is not None and d != a for d, a in zip(shape, arr.shape))):
                raise ValueError(f"Cannot feed value of shape {tuple(arr.shape)} for Tensor "
                                 f"'{k.name}', which has shape '{_tf1_shape_str(shape)}'")
            out[vid] = arr
        return out

    # -- conveniences ------------------------------------------------------------------------------
    def make_callable(self, fetches, feed_list=None, accept_options=False):
        """A function running `fetches` with its arguments fed to `feed_list`, in order."""
        feed_list = list(feed_list or [])

        def call(*args, **kwargs):
            if len(args) != len(feed_list):
                raise TypeError(f"This callable takes {len(feed_list)} feed values; got "
                                f"{len(args)}.")
            return self.run(fetches, dict(zip(feed_list, args)))
        return call

    def partial_run_setup(self, *args, **kwargs):
        raise UnimplementedError(None, None, "Session.partial_run is not supported by flowgrad.")

    partial_run = partial_run_setup


def _short(val):
    r = repr(val)
    return r if len(r) < 60 else r[:57] + "..."


def _as_result(arr):
    arr = np.asarray(arr)
    if arr.ndim == 0:
        return arr[()]
    return arr


class Session(BaseSession):
    __doc__ = BaseSession.__doc__

    @staticmethod
    def reset(target, containers=None, config=None):
        pass


class InteractiveSession(BaseSession):
    """A Session that makes itself (and its graph) the default as soon as it is created, for
    shells and notebooks: `t.eval()` and `op.run()` work without a `with` block."""

    def __init__(self, target="", graph=None, config=None):
        super().__init__(target, graph, config)
        self._graph_ctx = self._graph.as_default()
        self._graph_ctx.__enter__()
        self._sess_ctx = _DefaultSession(self)
        self._sess_ctx.__enter__()

    def close(self):
        if not self._closed:
            if getattr(self, "_sess_ctx", None) is not None:
                if self in _state.session_stack:
                    _state.session_stack.remove(self)
                self._sess_ctx = None
            if getattr(self, "_graph_ctx", None) is not None:
                try:
                    self._graph_ctx.__exit__(None, None, None)
                except Exception:  # noqa: BLE001, S110 - closed out of order
                    pass
                self._graph_ctx = None
        super().close()


def eval_tensor(tensor, feed_dict=None, session=None):
    """`tensor.eval()` of TF1: the tensor's value in `session` (default: the default
    session)."""
    return _session_for(session, tensor).run(tensor, feed_dict)
