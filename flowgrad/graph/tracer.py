"""Tracing: running Python once with symbolic tensors and recording every op as a graph node.

While a `Trace` is active (`ctx.graph`), `dispatch.execute` hands each op call to
`Trace.execute`. An op with a symbolic input becomes a node of the trace's `Graph`; an op whose
inputs are all concrete runs eagerly right away (trace-time constant folding), unless it is
stateful (random draws, prints), which always becomes a node.

A `SymbolicTensor` carries a *shadow*: the array the op's kernel produced at trace time from the
example arguments. Shadows give every value a dtype and a shape without separate shape rules
(each kernel is its own shape function), and gradient rules, which read static shapes, keep
working. A symbolic tensor refuses to give up its value (`numpy()`, `bool()`, `float()`), as a
TensorFlow graph tensor does, and once its trace ends its shadow is dropped, so a tensor leaked
out of a trace fails loudly instead of computing with stale example data.
"""

import sys

import numpy as np

from .. import dtypes as _dtypes
from ..core.context import ctx
from ..core.tensor import Tensor
from ..core.tensor_shape import TensorShape
from ..errors import InvalidArgumentError, OperatorNotAllowedInGraphError
from .ir import Graph


class SymbolicTensor(Tensor):
    """A tensor inside a `flowgrad.function` trace: an edge of the graph being built."""

    __slots__ = ("_graph_value", "_trace", "_static_shape", "_dtype", "_alt")

    @property
    def shape(self):
        return self._static_shape

    @property
    def dtype(self):
        return self._dtype

    @property
    def ndim(self):
        return self._static_shape.rank

    @property
    def name(self):
        v = self._trace.graph.values[self._graph_value]
        base = v.producer.name if v.producer is not None else v.name
        return f"{base}:{v.index}"

    @property
    def graph(self):
        return self._trace.graph

    @property
    def op(self):
        return self._trace.graph.values[self._graph_value].producer

    def _no_value(self, what):
        raise OperatorNotAllowedInGraphError(
            f"{what} is not allowed on a symbolic tensor ({self.name}, shape {self.shape}, "
            f"dtype {self._dtype.name}) inside a flowgrad.function: while tracing, tensors have "
            f"no value yet. Use tensor ops instead (tf.cond / tf.where for branching on it, "
            f"tf.print to print it at run time), or run the code eagerly.")

    def numpy(self):
        self._no_value("Calling .numpy()")

    def __array__(self, dtype=None, copy=None):
        self._no_value("Converting to a NumPy array")

    def __bool__(self):
        self._no_value("Using a tf.Tensor as a Python bool")

    def __float__(self):
        self._no_value("float()")

    def __int__(self):
        self._no_value("int()")

    def __index__(self):
        self._no_value("Using a tensor as an index")

    def __len__(self):
        d = self._static_shape[0] if self._static_shape.rank else None
        if d is None:
            self._no_value("len() of a tensor with an unknown first dimension")
        return d

    def __iter__(self):
        if self._static_shape.rank == 0:
            raise TypeError("Cannot iterate over a scalar tensor.")
        if self._static_shape[0] is None:
            self._no_value("Iterating over a tensor with an unknown first dimension")
        return super().__iter__()

    def __repr__(self):
        return f"<flowgrad.Tensor '{self.name}' shape={self.shape} dtype={self._dtype.name}>"

    __str__ = __repr__

    def __reduce__(self):
        self._no_value("Pickling")


def _symbolic(trace, vid, shadow, static_shape=None, alt=None):
    t = SymbolicTensor.__new__(SymbolicTensor)
    t._value = shadow
    t._alt = alt
    t._graph_value = vid
    t._trace = trace
    t._dtype = _dtypes.from_numpy(shadow.dtype)
    if static_shape is None:
        static_shape = merge_dims(np.shape(shadow), None if alt is None else np.shape(alt))
    t._static_shape = TensorShape(static_shape)
    v = trace.graph.values.get(vid)
    if v is not None:
        v.shape = tuple(t._static_shape.as_list()) if t._static_shape.rank is not None else None
    trace.symbols.append(t)
    return t


def merge_dims(a, b):
    """The static shape seen from two shadows: dimensions that differ are unknown (None)."""
    if b is None:
        return tuple(a)
    if len(a) != len(b):
        return None
    return tuple(x if x == y else None for x, y in zip(a, b))


def alt_of(t):
    """The second shadow of an op input (traces with unknown dims): for constants, the value."""
    a = getattr(t, "_alt", None)
    return t._value if a is None else a


def grow(shadow, static_shape):
    """The second shadow of an input: the example grown by one along each unknown dimension."""
    arr = shadow
    for ax, d in enumerate(static_shape):
        if d is None:
            extra = (np.take(arr, [0], axis=ax) if arr.shape[ax] else
                     np.zeros(arr.shape[:ax] + (1,) + arr.shape[ax + 1:], arr.dtype))
            arr = np.concatenate([arr, extra], axis=ax)
    return arr


def _type_of(array):
    return _dtypes.from_numpy(array.dtype).name, tuple(array.shape)


def _user_frame():
    """The innermost stack frame outside flowgrad: where the user wrote the op."""
    f = sys._getframe(2)
    while f is not None:
        mod = f.f_globals.get("__name__", "")
        if not (mod == "flowgrad" or mod.startswith("flowgrad.")):
            return f"{f.f_code.co_filename}:{f.f_lineno} in {f.f_code.co_name}"
        f = f.f_back
    return None


class Trace:
    """Records op calls into a Graph while active (see the module docstring).

    Args:
        name: the graph's name.
        parent: the enclosing trace when this one traces a branch or loop body; symbolic tensors
            of the parent become captured inputs of this graph.
    """

    def __init__(self, name, parent=None):
        self.graph = Graph(name)
        self.parent = parent
        self.symbols = []          # every SymbolicTensor made, to drop their shadows at the end
        self.consts = {}           # id(tensor) -> value id of a captured constant
        self._const_keep = []      # keeps captured tensors alive so ids stay unique
        self.captures = []         # (outer SymbolicTensor, inner value id), for nested traces
        self._captured = {}        # id(outer tensor) -> inner value id
        self.var_shadow = {}       # id(variable) -> its value after assigns made in this trace
        self.variables = {}        # id(variable) -> variable read or written in this trace
        self.dependent = set()     # value ids that depend on the graph's inputs
        self.created_variables = []
        self.where = {}            # node name -> user source location
        self.stateful = False      # the graph has effects (assigns, prints, random draws)
        # Inputs with unknown (None) dimensions: shapes must be read at run time, so gradient
        # rules and shape helpers emit shape-reading ops (ReshapeLike, SumToLike, Shape, ...).
        self.poly = parent.poly if parent is not None else False
        # With unknown dims every node also runs on a second shadow whose unknown dims are one
        # larger; output dims that differ are unknown. A failure there means the trace bakes a
        # size in (alt_ok False at the root), so the function specializes per shape.
        self.alt_ok = True
        self.alt_reason = None

    # -- activation -----------------------------------------------------------------------------
    def __enter__(self):
        self._saved = ctx.graph
        ctx.graph = self
        return self

    def __exit__(self, *exc):
        ctx.graph = self._saved

    def finish(self):
        """Drops the shadows of all symbolic tensors: tensors leaked out of the trace fail."""
        for t in self.symbols:
            t._value = None
            t._alt = None
        self.symbols = []

    @property
    def root(self):
        t = self
        while t.parent is not None:
            t = t.parent
        return t

    def tracking_alt(self):
        return self.poly and self.root.alt_ok

    def alt_failed(self, op_name, exc):
        r = self.root
        if r.alt_ok:
            r.alt_ok = False
            r.alt_reason = f"{op_name} at {_user_frame()}: {type(exc).__name__}: {exc}"

    # -- graph construction ---------------------------------------------------------------------
    def placeholder(self, shadow, static_shape=None, name=None, alt=None):
        shape = tuple(shadow.shape) if static_shape is None else tuple(static_shape)
        if None in shape:
            self.poly = True
        vid = self.graph.add_input(_dtypes.from_numpy(shadow.dtype).name, shape, name=name)
        self.dependent.add(vid)
        if alt is not None:
            # Unknown dims along which the given second shadow does not differ still grow.
            alt = grow(alt, [None if d is None and alt.shape[i] == shadow.shape[i] else 0
                             for i, d in enumerate(shape)])
        elif None in shape:
            alt = grow(shadow, shape)
        return _symbolic(self, vid, shadow, shape, alt)

    def value_id(self, t):
        """The graph value for an op input: a symbolic tensor of this trace, a captured symbolic
        tensor of an enclosing trace, or a concrete tensor captured as a constant."""
        if isinstance(t, SymbolicTensor):
            if t._trace is self:
                return t._graph_value
            if t._value is None:
                raise _leak_error(t)
            key = id(t)
            vid = self._captured.get(key)
            if vid is None:
                if not self._is_ancestor(t._trace):
                    raise _leak_error(t)
                vid = self.graph.add_input(t._dtype.name, tuple(t._static_shape),
                                           name="capture")
                self.dependent.add(vid)
                self._captured[key] = vid
                self.captures.append((t, vid))
            return vid
        key = id(t)
        vid = self.consts.get(key)
        if vid is None:
            (vid,) = self.graph.add_node("Const", [], {"value": t._value},
                                         [_type_of(t._value)])
            self.consts[key] = vid
            self._const_keep.append(t)
        return vid

    def _is_ancestor(self, trace):
        p = self.parent
        while p is not None:
            if p is trace:
                return True
            p = p.parent
        return False

    def execute(self, op, inputs, attrs):
        """`dispatch.execute` while tracing: a graph node, or eager for all-constant inputs."""
        from ..core import dispatch
        if not op.stateful:
            for t in inputs:
                if isinstance(t, SymbolicTensor):
                    break
            else:
                return dispatch.eager_execute(op, inputs, attrs)
        return self._add(op, inputs, attrs)

    def _add(self, op, inputs, attrs):
        from ..core import dispatch
        # The kernel computes the shadow outputs: dtypes and shapes without shape rules.
        outputs = dispatch.eager_execute(op, inputs, attrs, record=False)
        single = not isinstance(outputs, tuple)
        outs = (outputs,) if single else outputs
        alts = [None] * len(outs)
        if self.tracking_alt():
            try:
                with np.errstate(all="ignore"):
                    b = op.cpu(*[alt_of(t) for t in inputs], **(attrs or {}))
                alts = [b] if single else list(b)
            except Exception as e:  # noqa: BLE001 - the op bakes a trace-time size in
                self.alt_failed(op.name, e)
        ids = [self.value_id(t) for t in inputs]
        out_ids = self.graph.add_node(op.name, ids, attrs, [_type_of(o._value) for o in outs])
        node = self.graph.nodes[-1]
        node.opdef = op
        if op.stateful:
            self.stateful = True
        if any(i in self.dependent for i in ids):
            self.dependent.update(out_ids)
        self.where[node.name] = _user_frame()
        sym = tuple(_symbolic(self, vid, o._value, None, a)
                    for vid, o, a in zip(out_ids, outs, alts))
        if ctx.tapes:
            for tape in ctx.tapes:
                tape._record(op, inputs, sym, attrs)
        return sym[0] if single else sym

    def add_special(self, op_name, inputs, attrs, shadows, opdef=None, alts=None,
                    statics=None):
        """Adds a node that is not a registry op (variable reads and writes, prints, control
        flow); returns symbolic tensors for `shadows` (the outputs' trace-time arrays), with
        `alts` their second shadows and `statics` known static shapes (optional)."""
        ids = [self.value_id(t) for t in inputs]
        out_ids = self.graph.add_node(op_name, ids, attrs, [_type_of(s) for s in shadows])
        node = self.graph.nodes[-1]
        node.opdef = opdef
        if any(i in self.dependent for i in ids):
            self.dependent.update(out_ids)
        self.where[node.name] = _user_frame()
        if not self.tracking_alt():
            alts = None
        out = []
        for k, (vid, sh) in enumerate(zip(out_ids, shadows)):
            a = alts[k] if alts is not None else None
            static = None
            if statics is not None and statics[k] is not None:
                st = statics[k]
                static = tuple(st.as_list()) if hasattr(st, "as_list") and st.rank is not None \
                    else (None if hasattr(st, "as_list") else tuple(st))
                if static is not None and a is not None:
                    static = tuple(None if d is None else d for d in
                                   merge_dims(static, np.shape(a)) or static)
            out.append(_symbolic(self, vid, sh, static, a))
        return out

    # -- variables ------------------------------------------------------------------------------
    def read_variable(self, var):
        self.variables[id(var)] = var
        shadow = self.var_shadow.get(id(var), var._value)
        (t,) = self.add_special("ReadVariableOp", [], {"variable": var}, [shadow],
                                statics=[var.shape])
        return t

    def assign_variable(self, var, value):
        """Records `var = value` (value: a Tensor of the variable's dtype)."""
        self.variables[id(var)] = var
        self.stateful = True
        self.add_special("AssignVariableOp", [value], {"variable": var}, [])
        self.var_shadow[id(var)] = value._value

    def print_(self, inputs, attrs):
        self.stateful = True
        self.add_special("PrintV2", inputs, attrs, [])


def _leak_error(t):
    return InvalidArgumentError(
        None, None, f"The symbolic tensor {t!r} was created inside a flowgrad.function trace "
        "and used outside it (it leaked, e.g. through a global, a list or `self`). Return "
        "the value from the function instead, or keep the state in a tf.Variable.")


def current_trace():
    return ctx.graph


def dynamic_shape(t):
    """Whether `t`'s shape must be read when the graph runs: a symbolic tensor of a trace whose
    inputs have unknown dimensions. Shape helpers emit shape-reading ops for these."""
    tr = getattr(t, "_trace", None)
    return tr is not None and tr.poly and getattr(t, "_graph_value", None) is not None


class init_scope:  # noqa: N801 - TensorFlow's name
    """Lifts the code in the block out of any trace, into eager execution (`tf.init_scope`):
    variables and their initial values created inside are made once, eagerly."""

    def __enter__(self):
        self._saved = ctx.graph
        self._tapes = list(ctx.tapes)
        ctx.graph = None
        ctx.tapes[:] = []
        return self

    def __exit__(self, *exc):
        ctx.graph = self._saved
        ctx.tapes[:] = self._tapes


def lift_initial_value(value):
    """Variable creation inside a trace: a symbolic initial value that does not depend on the
    function's inputs (an initializer's random draw) is taken from its shadow, as if it had been
    computed in an init_scope; one that depends on the inputs is an error."""
    if not isinstance(value, SymbolicTensor):
        return value
    trace = value._trace
    if value._graph_value in trace.dependent:
        raise ValueError(
            "A tf.Variable created inside a flowgrad.function has an initial value computed "
            "from the function's arguments; variables are created once, on the first trace, "
            "and cannot depend on the call. Create it outside the function, or wrap its "
            "creation in `with tf.init_scope():` using only constants.")
    out = Tensor.__new__(Tensor)
    out._value = np.array(value._value, copy=True)
    return out
