"""TF1 graphs on top of flowgrad's tracer.

A `Graph` owns a long-lived `Trace` (`_V1Trace`). While the graph is the default one (inside
`graph.as_default()`, or at top level after `disable_eager_execution()`), that trace is
`ctx.graph`: every op with a symbolic input becomes a node of it and returns a
`SymbolicTensor`, exactly as inside a `tf.function` trace. The graph also keeps what TF1 adds
on top of a flat node list:

* control dependencies (`control_dependencies`, `group`, assign-then-read), per node;
* placeholders (graph inputs with a dtype, a static shape and an optional default);
* variables created in the graph, their initializer nodes and the graph collections;
* a recording tape (`GraphTape`) that is active with the trace: it records every
  differentiable op, so `gradients()` can walk the graph backwards with the normal gradient
  rules, and gradient groups (the node ranges that `gradients()` built) so that a Session can
  rebuild them for the shapes actually fed.

Nothing here runs the graph: `_session.py` prunes, re-specializes and compiles it.
"""

import contextlib

import numpy as np

from ... import dtypes as _dtypes
from ... import nest
from ...core import dispatch
from ...core.context import ctx
from ...core.registry import REGISTRY
from ...core.tape import GradientTape, TapeEntry, UnconnectedGradients, _ReadVariable
from ...core.tensor import Tensor, _wrap
from ...core.tensor_shape import TensorShape
from ...core.variable import Variable
from ...graph import ir
from ...graph.tracer import SymbolicTensor, Trace

# TF's DataType names, as its error messages print them.
_TF_DTYPE_NAMES = {"float32": "float", "float64": "double", "float16": "half"}


def tf_dtype_name(dtype):
    name = _dtypes.as_dtype(dtype).name
    return _TF_DTYPE_NAMES.get(name, name)


def np_dtype(dtype):
    dt = _dtypes.as_dtype(dtype)
    return np.dtype(dt.as_numpy_dtype)


# -- the recording tape ----------------------------------------------------------------------------
class _AllWatched(dict):
    """A watched-set that contains everything: a GraphTape records every op."""

    def __contains__(self, key):
        return True


class GraphTape(GradientTape):
    """A persistent tape that records every differentiable op (and every float variable read)
    while its graph is being built; `gradients()` differentiates over its entries."""

    def __init__(self):
        super().__init__(persistent=True)
        self._watched = _AllWatched()

    def _record(self, op, inputs, outputs, attrs):
        if not getattr(op, "differentiable", True):
            return
        for o in outputs:
            v = getattr(o, "_value", None)
            if v is not None and v.dtype.kind in "fc":
                self._entries.append(TapeEntry(op, inputs, outputs, attrs))
                return

    def _record_read(self, variable, tensor):
        if tensor._value is not None and tensor._value.dtype.kind in "fc":
            self._entries.append(TapeEntry(_ReadVariable, (variable,), (tensor,), None))

    def reset(self):  # never forgets: the graph keeps its history
        pass


# -- the trace ---------------------------------------------------------------------------------------
class _CreatedVariables(list):
    """`Trace.created_variables` of a v1 graph: a `tf.Variable` made while the graph is the
    default is adopted by the graph (initializer, collections) as it is appended."""

    def __init__(self, owner):
        super().__init__()
        self.owner = owner

    def append(self, var):
        super().append(var)
        self.owner._adopt_variable(var)


class GraphTensor(SymbolicTensor):
    """A tensor of a v1 graph: a SymbolicTensor that behaves as TF1's graph tensors do. It is
    hashable and compares by identity (so it can key a feed_dict), `.op` is an Operation,
    `.graph` the Graph, and `.eval()` runs it in the default session."""

    __slots__ = ()

    __hash__ = object.__hash__

    def __eq__(self, other):
        return self is other

    def __ne__(self, other):
        return self is not other

    @property
    def graph(self):
        return self._trace.owner

    @property
    def op(self):
        g = self._trace.owner
        node = self._trace.graph.values[self._graph_value].producer
        if node is None:
            return g._placeholder_op(self._graph_value)
        return g._op(node)

    @property
    def value_index(self):
        return self._trace.graph.values[self._graph_value].index

    @property
    def device(self):
        return ""

    def consumers(self):
        g = self._trace.owner
        return [g._op(n) for n in self._trace.graph.nodes if self._graph_value in n.inputs]

    def set_shape(self, shape):
        """Refines the static shape (TF1's `set_shape`)."""
        new = TensorShape(shape)
        if not self._static_shape.is_compatible_with(new):
            raise ValueError(f"Tensor's shape {self._static_shape} is not compatible with "
                             f"supplied shape {new}.")
        merged = self._static_shape.merge_with(new) if hasattr(
            self._static_shape, "merge_with") else new
        self._static_shape = merged
        if merged.rank is not None:
            self._trace.graph.values[self._graph_value].shape = tuple(merged.as_list())

    def eval(self, feed_dict=None, session=None):
        """The tensor's value in `session` (default: the default session)."""
        from ._session import eval_tensor
        return eval_tensor(self, feed_dict, session)

    def __repr__(self):
        from ._variables import _tf1_shape
        return f'Tensor("{self.name}", shape={_tf1_shape(self._static_shape)}, ' \
            f"dtype={self._dtype.name})"

    __str__ = __repr__


class _V1Trace(Trace):
    """The trace behind a v1 Graph: never finishes; reports new nodes to its Graph and gives
    its tensors the GraphTensor class.

    Unknown dimensions are the tracer's business: a placeholder with None dimensions makes the
    trace polymorphic (every op also runs on a second shadow; dimensions that differ are None).
    Unlike a tf.function trace, a v1 graph is never re-traced, so an op that cannot run on the
    second shadow only loses the unknown dimensions of its own outputs.
    """

    def __init__(self, owner):
        super().__init__("graph")
        self.owner = owner
        self.created_variables = _CreatedVariables(owner)
        self._swap_pos = 0
        self._plain = 0

    def execute(self, op, inputs, attrs):
        if not op.stateful:
            for t in inputs:
                if isinstance(t, SymbolicTensor):
                    break
            else:
                return dispatch.eager_execute(op, inputs, attrs)
        return self._add(op, inputs, attrs)

    def alt_failed(self, op_name, exc):
        self.alt_reason = f"{op_name}: {type(exc).__name__}: {exc}"

    def _add(self, op, inputs, attrs):
        owner = self.owner
        owner._check_mutable()
        n0 = len(self.graph.nodes)
        out = super()._add(op, inputs, attrs)
        owner._new_nodes(n0)
        self._swap()
        return out

    def add_special(self, *args, **kwargs):
        owner = self.owner
        owner._check_mutable()
        n0 = len(self.graph.nodes)
        out = super().add_special(*args, **kwargs)
        owner._new_nodes(n0)
        self._swap()
        return out

    def placeholder(self, *args, **kwargs):
        t = super().placeholder(*args, **kwargs)
        self._swap()
        return t

    def _swap(self):
        if self._plain:
            return
        syms = self.symbols
        for t in syms[self._swap_pos:]:
            if type(t) is SymbolicTensor:
                t.__class__ = GraphTensor
        self._swap_pos = len(syms)

    @contextlib.contextmanager
    def plain(self):
        """Plain SymbolicTensors for the duration (graph control flow traces branches with
        checks that expect exactly that class)."""
        if self._plain == 0:
            for t in self.symbols:
                if type(t) is GraphTensor:
                    t.__class__ = SymbolicTensor
        self._plain += 1
        try:
            yield
        finally:
            self._plain -= 1
            if self._plain == 0:
                self._swap_pos = 0
                self._swap()


def _plain_symbols(fn):
    """Wraps a graph control-flow implementation: inside a v1 graph, runs it with plain
    SymbolicTensors (see `_V1Trace.plain`)."""
    def call(*args, **kwargs):
        g = current_graph()
        if g is None:
            return fn(*args, **kwargs)
        with g._trace.plain():
            return fn(*args, **kwargs)
    call._v1_wrapped = True
    call.__wrapped__ = fn
    return call


def _install_control_flow_hooks():
    from ...ops import control_flow_ops
    impl = control_flow_ops._GRAPH_IMPL
    for key, fn in list(impl.items()):
        if not getattr(fn, "_v1_wrapped", False):
            impl[key] = _plain_symbols(fn)


# -- global state: eager flag, default graph, graph and session stacks ---------------------------
class _State:
    def __init__(self):
        self.eager = True
        self.default_graph = None
        self.graph_stack = []      # graphs entered with as_default (innermost last)
        self.session_stack = []    # default sessions (innermost last)
        self.saved = None          # (ctx.graph, tapes) before disable_eager_execution


_state = _State()


def _install(graph):
    """Makes `graph`'s trace (and its tape) the active ones; returns what to restore."""
    saved = (ctx.graph, list(ctx.tapes))
    ctx.graph = graph._trace
    ctx.tapes[:] = [t for t in ctx.tapes if not isinstance(t, GraphTape)] + [graph._tape]
    return saved


def _restore(saved):
    ctx.graph, tapes = saved
    ctx.tapes[:] = tapes


def current_graph():
    """The v1 Graph being built into right now (None when executing eagerly or inside a
    tf.function trace)."""
    t = ctx.graph
    while t is not None:
        if isinstance(t, _V1Trace):
            return t.owner
        t = t.parent
    return None


def get_default_graph():
    """The graph new ops go to (`tf.compat.v1.get_default_graph`); while executing eagerly,
    the global default graph (which eager ops do not touch)."""
    g = current_graph()
    if g is not None:
        return g
    if _state.graph_stack:
        return _state.graph_stack[-1]
    if _state.default_graph is None:
        _state.default_graph = Graph()
    return _state.default_graph


def disable_eager_execution():
    """From now on, ops at top level build nodes of the default graph, run by a Session."""
    if not _state.eager:
        return
    _state.eager = False
    if not _state.graph_stack:  # else: installed when the last graph context exits
        _state.saved = _install(_default())


def _settle_top_level():
    """Outside every graph context, the top level matches the eager flag (the flag may have
    changed inside a `with graph.as_default()` block)."""
    top = ctx.graph
    if not _state.eager and top is None:
        _state.saved = _install(_default())
    elif _state.eager and isinstance(top, _V1Trace):
        ctx.graph = None
        ctx.tapes[:] = [t for t in ctx.tapes if not isinstance(t, GraphTape)]


def _default():
    if _state.default_graph is None:
        _state.default_graph = Graph()
    return _state.default_graph


def enable_eager_execution(config=None, device_policy=None, execution_mode=None):
    """Returns to eager execution (flowgrad's default)."""
    if _state.eager:
        return
    _state.eager = True
    saved, _state.saved = _state.saved, None
    if _state.graph_stack:
        return  # settled when the last graph context exits
    ctx.graph = saved[0] if saved is not None and not isinstance(saved[0], _V1Trace) else None
    ctx.tapes[:] = [t for t in ctx.tapes if not isinstance(t, GraphTape)]


def executing_eagerly_outside_functions():
    return _state.eager


def reset_default_graph():
    """Replaces the default graph by an empty one (tensors of the old graph cannot be used with
    the new one)."""
    if _state.graph_stack:
        raise AssertionError("Do not use tf.reset_default_graph() to clear nested graphs. If "
                             "you need a cleared graph, exit the nesting and create a new graph.")
    new = Graph()
    _state.default_graph = new
    if not _state.eager:
        ctx.graph = new._trace
        ctx.tapes[:] = [t for t in ctx.tapes if not isinstance(t, GraphTape)] + [new._tape]


# -- operations ---------------------------------------------------------------------------------------
class Operation:
    """A node of a v1 graph as TF1 shows it (`tf.Operation`): what `group`, `no_op`,
    `v.initializer` and `assign(..., read_value=False)` return. Fetching it runs it."""

    def __init__(self, graph, node=None, placeholder=None):
        self._graph = graph
        self._node = node
        self._placeholder = placeholder

    @property
    def name(self):
        if self._node is not None:
            return self._node.name
        return self._graph._trace.graph.values[self._placeholder].name

    @property
    def type(self):
        if self._node is not None:
            return self._node.op
        return "Placeholder"

    @property
    def graph(self):
        return self._graph

    @property
    def inputs(self):
        if self._node is None:
            return []
        return [self._graph._tensor(v) for v in self._node.inputs]

    @property
    def outputs(self):
        if self._node is None:
            return [self._graph._tensor(self._placeholder)]
        return [self._graph._tensor(v) for v in self._node.outputs]

    @property
    def control_inputs(self):
        if self._node is None:
            return []
        return [self._graph._op(n) for n in self._graph._ctrl.get(id(self._node), ())]

    @property
    def node_def(self):
        return {"name": self.name, "op": self.type}

    @property
    def device(self):
        return ""

    def get_attr(self, name):
        if self._node is None or name not in self._node.attrs:
            raise ValueError(f"Operation {self.name!r} has no attr named {name!r}.")
        return self._node.attrs[name]

    def run(self, feed_dict=None, session=None):
        """Runs the op in `session` (default: the default session)."""
        from ._session import _session_for
        _session_for(session, self).run(self, feed_dict)

    def __eq__(self, other):
        return isinstance(other, Operation) and other._node is self._node and \
            other._placeholder == self._placeholder and other._graph is self._graph

    def __hash__(self):
        return hash((id(self._node), self._placeholder))

    def __repr__(self):
        return f"<tf.Operation '{self.name}' type={self.type}>"


class _GradGroup:
    """The nodes one `gradients()` call added: rebuilt as a unit when a Session specializes the
    graph to the fed shapes."""

    __slots__ = ("ctrl", "dep_vids", "grad_ys", "nodes", "out_vids", "unconnected", "xs", "ys")

    def __init__(self, ys, grad_ys, xs, out_vids, unconnected, nodes, trace):
        self.ys, self.grad_ys, self.xs = ys, grad_ys, xs
        self.out_vids = out_vids
        self.unconnected = unconnected
        self.nodes = nodes
        self.dep_vids = [t._graph_value for t in list(ys) + list(grad_ys)
                         if isinstance(t, SymbolicTensor) and t._trace is trace]


# -- the graph ---------------------------------------------------------------------------------------
class GraphKeys:
    """Standard collection names (`tf.compat.v1.GraphKeys`)."""

    GLOBAL_VARIABLES = "variables"
    LOCAL_VARIABLES = "local_variables"
    MODEL_VARIABLES = "model_variables"
    TRAINABLE_VARIABLES = "trainable_variables"
    GLOBAL_STEP = "global_step"
    LOSSES = "losses"
    REGULARIZATION_LOSSES = "regularization_losses"
    UPDATE_OPS = "update_ops"
    SUMMARIES = "summaries"
    TRAIN_OP = "train_op"
    INIT_OP = "init_op"
    SAVERS = "savers"
    ACTIVATIONS = "activations"
    WEIGHTS = "weights"
    BIASES = "biases"
    VARIABLES = GLOBAL_VARIABLES


class GraphDef(dict):
    """`graph.as_graph_def()`: the IR's JSON-ready description; `.node` lists the nodes."""

    @property
    def node(self):
        return self["nodes"]


class Graph:
    """A TF1 computation graph (`tf.compat.v1.Graph`).

    Example:
        >>> import flowgrad as tf
        >>> v1 = tf.compat.v1
        >>> g = v1.Graph()
        >>> with g.as_default():
        ...     x = v1.placeholder(tf.float32, [None, 2], name="x")
        ...     y = tf.reduce_sum(x * 2.0)
        >>> with v1.Session(graph=g) as sess:
        ...     float(sess.run(y, {x: [[1.0, 2.0]]}))
        6.0
    """

    def __init__(self):
        self._trace = _V1Trace(self)
        self._tape = GraphTape()
        self._ctrl = {}              # id(node) -> [control input nodes]
        self._ctrl_stack = []        # active control_dependencies scopes (None resets)
        self._placeholders = {}      # value id -> (dtype, TensorShape, default array or None)
        self._ph_pos = []            # (node count at creation, value id): get_operations order
        self._groups = []
        self._node_group = {}        # id(node) -> _GradGroup
        self._variables = []
        self._var_ids = {}           # id(variable) -> variable
        self._initializers = {}      # id(variable) -> its AssignVariableOp node
        self._collections = {}
        self._var_store = {}         # get_variable: full name -> variable
        self._name_stack = ""        # current name scope, "a/b/" or ""
        self._var_scopes = []        # VariableScope stack (see _variables.py)
        self._plans = {}             # Session plan cache
        self._ops = {}               # id(node) -> Operation
        self._sym = {}               # value id -> SymbolicTensor
        self._sym_pos = 0
        self._view = None
        self._finalized = False
        self._suppress_ctrl = 0
        self.seed = None

    # -- default-graph handling --------------------------------------------------------------------
    @contextlib.contextmanager
    def as_default(self):
        """Makes this the graph that new ops are added to, inside the `with` block."""
        saved = _install(self)
        _state.graph_stack.append(self)
        try:
            yield self
        finally:
            if _state.graph_stack and _state.graph_stack[-1] is self:
                _state.graph_stack.pop()
            _restore(saved)
            if not _state.graph_stack:
                _settle_top_level()

    # -- finalization --------------------------------------------------------------------------------
    def finalize(self):
        """Makes the graph read-only: adding an op afterwards raises RuntimeError."""
        self._finalized = True

    @property
    def finalized(self):
        return self._finalized

    def _unsafe_unfinalize(self):
        self._finalized = False

    def _check_mutable(self):
        if self._finalized:
            raise RuntimeError("Graph is finalized and cannot be modified.")

    # -- bookkeeping hooks -----------------------------------------------------------------------------
    def _new_nodes(self, n0):
        if self._suppress_ctrl:
            return
        deps = self._active_ctrl()
        if not deps:
            return
        for n in self._trace.graph.nodes[n0:]:
            lst = self._ctrl.setdefault(id(n), [])
            lst.extend(d for d in deps if d is not n and d not in lst)

    def _active_ctrl(self):
        out = []
        for scope in reversed(self._ctrl_stack):
            if scope is None:
                break
            out.extend(scope)
        return out

    @contextlib.contextmanager
    def _ctrl_scope(self, nodes):
        self._ctrl_stack.append(nodes)
        try:
            yield
        finally:
            self._ctrl_stack.pop()

    @contextlib.contextmanager
    def _no_ctrl(self):
        self._ctrl_stack.append(None)
        try:
            yield
        finally:
            self._ctrl_stack.pop()

    def control_dependencies(self, control_inputs):
        """Ops created in the block run only after `control_inputs` (ops or tensors) when a
        Session runs them; `None` clears the enclosing scopes' dependencies."""
        if control_inputs is None:
            return self._no_ctrl()
        return self._ctrl_scope(self._ctrl_nodes_of(control_inputs))

    def _ctrl_nodes_of(self, items):
        nodes = []
        for x in nest.flatten(list(items) if isinstance(items, (list, tuple, set)) else [items]):
            node = self._node_of(x)
            if node is not None and node not in nodes:
                nodes.append(node)
        return nodes

    def _node_of(self, x):
        """The node behind an op-like or tensor-like object (None for eager values)."""
        if x is None:
            return None
        if isinstance(x, Operation):
            if x._graph is not self:
                raise ValueError(f"{x!r} is not an element of this graph.")
            return x._node
        if isinstance(x, ir.Node):
            return x
        if isinstance(x, SymbolicTensor):
            if x._trace is not self._trace:
                raise ValueError(f"Tensor {x.name} is not an element of this graph.")
            return self._trace.graph.values[x._graph_value].producer
        if isinstance(x, Tensor) or hasattr(x, "_is_variable") or callable(x):
            return None
        raise TypeError(f"Can not convert a {type(x).__name__} into a Tensor or Operation: "
                        f"{x!r}.")

    # -- names ---------------------------------------------------------------------------------------
    def unique_name(self, name, mark_as_used=True):
        """A name not used yet in this graph, under the current name scope."""
        full = self._name_stack + name
        g = self._trace.graph
        if not mark_as_used:
            n = g._names.get(full, 0)
            return full if n == 0 else f"{full}_{n}"
        return g._unique(full)

    def get_name_scope(self):
        return self._name_stack.rstrip("/")

    @contextlib.contextmanager
    def name_scope(self, name):
        """Prefixes the names of ops and variables created in the block with `name/`."""
        saved = self._name_stack
        if name is None or name == "":
            self._name_stack = ""
        elif name.endswith("/"):
            self._name_stack = name
        else:
            self._name_stack = self.unique_name(name) + "/"
        try:
            yield self._name_stack
        finally:
            self._name_stack = saved

    def _rename(self, node, name):
        """Gives a node the user's `name=` (under the name scope)."""
        if node is None or not name:
            return
        new = self.unique_name(name)
        where = self._trace.where
        if node.name in where:
            where[new] = where.pop(node.name)
        node.name = new

    def _name_result(self, result, name, n0):
        """After an op call with `name=`: renames the node it created, if any."""
        if not name:
            return
        first = result[0] if isinstance(result, (list, tuple)) and result else result
        if isinstance(first, SymbolicTensor) and first._trace is self._trace:
            node = self._trace.graph.values[first._graph_value].producer
            nodes = self._trace.graph.nodes
            if node is not None and any(n is node for n in nodes[n0:]):
                self._rename(node, name)

    # -- lookups -------------------------------------------------------------------------------------
    def _sync_symbols(self):
        syms = self._trace.symbols
        for t in syms[self._sym_pos:]:
            self._sym.setdefault(t._graph_value, t)
        self._sym_pos = len(syms)

    def _tensor(self, vid):
        """The tensor object for a value id (a SymbolicTensor, or the captured constant)."""
        self._sync_symbols()
        t = self._sym.get(vid)
        if t is not None:
            return t
        for c in self._trace._const_keep:
            if self._trace.consts.get(id(c)) == vid:
                return c
        raise KeyError(vid)

    def _op(self, node):
        op = self._ops.get(id(node))
        if op is None:
            op = self._ops[id(node)] = Operation(self, node)
        return op

    def get_operations(self):
        """Every op of the graph, placeholders included, in creation order."""
        nodes = self._trace.graph.nodes
        phs = list(self._ph_pos)
        out, k = [], 0
        for i, n in enumerate(nodes):
            while k < len(phs) and phs[k][0] <= i:
                out.append(self._placeholder_op(phs[k][1]))
                k += 1
            out.append(self._op(n))
        out.extend(self._placeholder_op(v) for _, v in phs[k:])
        return out

    def _placeholder_op(self, vid):
        key = ("ph", vid)
        op = self._ops.get(key)
        if op is None:
            op = self._ops[key] = Operation(self, placeholder=vid)
        return op

    def get_operation_by_name(self, name):
        """The op called `name` (no ':0' suffix)."""
        if ":" in name:
            raise ValueError(f"Name {name!r} appears to refer to a Tensor, not an Operation.")
        for op in self.get_operations():
            if op.name == name:
                return op
        raise KeyError(f"The name {name!r} refers to an Operation not in the graph.")

    def get_tensor_by_name(self, name):
        """The tensor called `name`, e.g. "x:0" (output 0 of op "x")."""
        if not isinstance(name, str):
            raise TypeError(f"Tensor names are strings; got {name!r}.")
        if ":" not in name:
            raise ValueError(f"The name {name!r} looks a like an Operation name, not a Tensor. "
                             "Tensor names must be of the form \"<op_name>:<output_index>\".")
        op_name, _, idx = name.rpartition(":")
        try:
            k = int(idx)
        except ValueError:
            raise ValueError(f"The name {name!r} is not a valid Tensor name.") from None
        g = self._trace.graph
        for vid in self._placeholders:
            if g.values[vid].name == op_name and k == 0:
                return self._tensor(vid)
        for n in g.nodes:
            if n.name == op_name:
                if k >= len(n.outputs):
                    raise KeyError(f"The name {name!r} refers to a Tensor which does not exist. "
                                   f"The operation, {op_name!r}, exists but only has "
                                   f"{len(n.outputs)} outputs.")
                return self._tensor(n.outputs[k])
        raise KeyError(f"The name {name!r} refers to a Tensor which does not exist. The "
                       f"operation, {op_name!r}, does not exist in the graph.")

    def as_graph_element(self, obj, allow_tensor=True, allow_operation=True):
        if isinstance(obj, str):
            return self.get_tensor_by_name(obj) if ":" in obj else \
                self.get_operation_by_name(obj)
        return obj

    def as_graph_def(self, from_version=None, add_shapes=False):
        """The graph's JSON-ready description (the IR's `to_dict`)."""
        return GraphDef(self._trace.graph.to_dict())

    @property
    def version(self):
        return len(self._trace.graph.nodes)

    @property
    def graph_def_versions(self):
        return {"producer": 0}

    building_function = False

    def is_feedable(self, tensor):
        return True

    def is_fetchable(self, tensor_or_op):
        return True

    @contextlib.contextmanager
    def device(self, device_name_or_function):
        yield

    @contextlib.contextmanager
    def colocate_with(self, op, ignore_existing=False):
        yield

    @contextlib.contextmanager
    def gradient_override_map(self, op_type_map):
        yield

    # -- collections ---------------------------------------------------------------------------------
    def add_to_collection(self, name, value):
        self._collections.setdefault(name, []).append(value)

    def add_to_collections(self, names, value):
        for n in ([names] if isinstance(names, str) else names):
            self.add_to_collection(n, value)

    def get_collection(self, name, scope=None):
        items = list(self._collections.get(name, []))
        if scope is None:
            return items
        import re
        pat = re.compile(scope)
        return [x for x in items if pat.match(getattr(x, "name", "") or "")]

    def get_collection_ref(self, name):
        return self._collections.setdefault(name, [])

    def get_all_collection_keys(self):
        return [k for k, v in self._collections.items() if v]

    def clear_collection(self, name):
        self._collections.pop(name, None)

    @property
    def collections(self):
        return self.get_all_collection_keys()

    # -- placeholders --------------------------------------------------------------------------------
    def _placeholder(self, dtype, shape, name, default=None):
        self._check_mutable()
        dt = _dtypes.as_dtype(dtype)
        npdt = np_dtype(dt)
        static = shape if isinstance(shape, TensorShape) else TensorShape(shape)
        if default is not None:
            shadow = np.asarray(default)
            if static.rank is not None and not static.is_compatible_with(shadow.shape):
                raise ValueError(f"placeholder_with_default: the default value's shape "
                                 f"{shadow.shape} is not compatible with shape {static}.")
        elif static.rank is None:
            shadow = _zeros((), npdt)
        else:
            shadow = _zeros(tuple(1 if d is None else d for d in static.as_list()), npdt)
        dims = None if static.rank is None else tuple(static.as_list())
        n = len(self._trace.graph.nodes)
        full = self._name_stack + (name or "Placeholder")
        if dims is None:
            # Unknown rank: a scalar shadow, and a rank-1 second shadow, so ranks stay unknown.
            self._trace.poly = True
            t = self._trace.placeholder(shadow, (), name=full, alt=_zeros((2,), npdt))
            self._trace.graph.values[t._graph_value].shape = None
            t._static_shape = TensorShape(None)
        else:
            t = self._trace.placeholder(shadow, dims, name=full)
        vid = t._graph_value
        self._placeholders[vid] = (dt, static, default)
        self._ph_pos.append((n, vid))
        return t

    # -- variables -----------------------------------------------------------------------------------
    def _adopt_variable(self, var):
        """A `tf.Variable` created while this graph is the default: give it a graph name, an
        initializer node and the collections; make it a compat.v1 variable."""
        from ._variables import RefVariable
        init = var._initial_value
        syms = self._trace.symbols
        if syms:
            s = syms[-1]
            sv = s._value
            if (sv is not None and s._graph_value not in self._trace.dependent
                    and sv.dtype == var._value.dtype and sv.shape == var._value.shape
                    and np.array_equal(sv, var._value)):
                init = s  # the op that computed the initial value (e.g. a random draw)
        if type(var) is Variable:
            var.__class__ = RefVariable
        base = var._name.removesuffix(":0")
        var._name = self.unique_name(base)
        self._register_variable(var, init)

    def _register_variable(self, var, init_value, collections=None):
        self._variables.append(var)
        self._var_ids[id(var)] = var
        var._v1_graph = self
        if collections is None:
            collections = [GraphKeys.GLOBAL_VARIABLES]
            if var.trainable:
                collections.append(GraphKeys.TRAINABLE_VARIABLES)
        for c in collections:
            lst = self._collections.setdefault(c, [])
            if not any(x is var for x in lst):
                lst.append(var)
        if init_value is not None:
            self._set_initializer(var, init_value)

    def _set_initializer(self, var, init_value):
        saved, self._suppress_ctrl = self._suppress_ctrl, self._suppress_ctrl + 1
        saved_graph = ctx.graph
        ctx.graph = self._trace
        try:
            if not isinstance(init_value, Tensor):
                init_value = _wrap(np.asarray(init_value))
            self._trace.assign_variable(var, init_value)
            node = self._trace.graph.nodes[-1]
            node.name = self._trace.graph._unique(var._name.split(":")[0] + "/Assign")
            self._initializers[id(var)] = node
        finally:
            ctx.graph = saved_graph
            self._suppress_ctrl = saved

    def _initializer_op(self, var):
        node = self._initializers.get(id(var))
        return None if node is None else self._op(node)

    # -- gradient groups -------------------------------------------------------------------------------
    def _add_group(self, group):
        self._groups.append(group)
        for n in group.nodes:
            self._node_group[id(n)] = group
        ctrl = []
        for n in group.nodes:
            for c in self._ctrl.get(id(n), ()):
                if c not in ctrl and id(c) not in self._node_group:
                    ctrl.append(c)
        group.ctrl = ctrl

    def _item_view(self):
        """The nodes as run units: each gradient group collapses into one item.

        Returns (items, item_of, producer): items are ("n", node) or ("g", group) in graph
        order; item_of maps id(node) to its item index; producer maps a value id to the index of
        the item that computes it."""
        nodes = self._trace.graph.nodes
        key = (len(nodes), len(self._groups))
        if self._view is not None and self._view[0] == key:
            return self._view[1]
        items, item_of, producer, group_item = [], {}, {}, {}
        for n in nodes:
            grp = self._node_group.get(id(n))
            if grp is not None:
                k = group_item.get(id(grp))
                if k is None:
                    k = group_item[id(grp)] = len(items)
                    items.append(("g", grp))
                    for v in grp.out_vids:
                        if v is not None:
                            producer[v] = k
                item_of[id(n)] = k
                for o in n.outputs:
                    producer.setdefault(o, k)
                continue
            k = len(items)
            items.append(("n", n))
            item_of[id(n)] = k
            for o in n.outputs:
                producer[o] = k
        view = (items, item_of, producer)
        self._view = (key, view)
        return view

    def __repr__(self):
        return f"<flowgrad.compat.v1.Graph with {len(self._trace.graph.nodes)} nodes>"


def _zeros(shape, npdt):
    if npdt.kind in "OSU":
        return np.full(shape, b"", dtype=object)
    return np.zeros(shape, dtype=npdt)


# -- TF1 functions over graphs ------------------------------------------------------------------------
def control_dependencies(control_inputs):
    """`tf.control_dependencies`: in a v1 graph, ops created in the block run after
    `control_inputs`; while executing eagerly (or in a tf.function, whose effects already run in
    order) it does nothing."""
    g = current_graph()
    if g is None:
        return contextlib.nullcontext()
    return g.control_dependencies(control_inputs)


def _op_node(g, op_name, name):
    g._trace.add_special(op_name, [], {}, [])
    node = g._trace.graph.nodes[-1]
    g._rename(node, name)
    return node


def no_op(name=None):
    """An op that does nothing; useful as an anchor for control dependencies."""
    g = current_graph()
    if g is None:
        return None
    return g._op(_op_node(g, "NoOp", name or None))


def group(*inputs, name=None):
    """An op that runs all `inputs` (ops or tensors, nested lists allowed); None while
    executing eagerly, where everything has already run."""
    g = current_graph()
    if g is None:
        return None
    deps = g._ctrl_nodes_of(list(inputs))
    with g._ctrl_scope(deps):
        node = _op_node(g, "NoOp", name or None)
    return g._op(node)


def tuple_(tensors, name=None, control_inputs=None):
    """`tf.tuple`: the tensors, each depending on all of them (and on `control_inputs`)."""
    g = current_graph()
    if g is None:
        return list(tensors)
    from ...ops.array_ops import identity
    gate = group(*[t for t in tensors if t is not None], *(control_inputs or []))
    out = []
    with g.control_dependencies([gate]):
        for t in tensors:
            out.append(None if t is None else identity(t))
    return out


def gradients(ys, xs, grad_ys=None, name="gradients", colocate_gradients_with_ops=False,
              gate_gradients=False, aggregation_method=None, stop_gradients=None,
              unconnected_gradients=UnconnectedGradients.NONE):
    """Symbolic derivatives of `sum(ys)` with respect to each of `xs` (`tf.gradients`).

    Builds the gradient ops into the default v1 graph by walking the recorded ops backwards
    with the registered gradient rules. Returns a list with one tensor (or None, for an `x` that
    `ys` do not depend on) per `x`.
    """
    g = current_graph()
    if g is None:
        raise RuntimeError("tf.gradients is not supported when eager execution is enabled. Use "
                           "tf.GradientTape instead.")
    if stop_gradients:
        from ...errors import UnimplementedError
        raise UnimplementedError(None, "gradients", "tf.compat.v1.gradients: stop_gradients is "
                                 "not supported; wrap the tensors in tf.stop_gradient instead.")
    flat_ys = nest.flatten(ys)
    flat_xs = nest.flatten(xs)
    if grad_ys is None:
        ogs = [None] * len(flat_ys)
    else:
        ogs = nest.flatten(grad_ys)
        if len(ogs) != len(flat_ys):
            raise ValueError(f"Passed {len(ogs)} grad_ys for {len(flat_ys)} ys")
    for x in flat_xs:
        if not (isinstance(x, Tensor) or hasattr(x, "_is_variable")):
            raise TypeError(f"tf.gradients: xs must be tensors or variables; got {x!r}.")
    unconnected = UnconnectedGradients(unconnected_gradients)
    trace = g._trace
    n0 = len(trace.graph.nodes)
    grads = g._tape._backward_impl(flat_ys, ogs, flat_xs, unconnected)
    identity = REGISTRY["Identity"]
    out = []
    for r in grads:
        # Every gradient gets a node of its own inside the group, so a Session can rebuild it.
        out.append(None if r is None else trace._add(identity, (r,), {}))
    nodes = trace.graph.nodes[n0:]
    if nodes:
        g._add_group(_GradGroup(flat_ys, ogs, flat_xs,
                                [None if r is None else r._graph_value for r in out],
                                unconnected, list(nodes), trace))
    return out


_install_control_flow_hooks()
