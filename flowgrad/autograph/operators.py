"""The runtime half of AutoGraph: the functions converted code calls as `ag__.<name>`.

Each operator looks at its arguments when it runs. A Python value (a `bool`, a list, a NumPy
array) gets exactly the Python behaviour of the statement it replaces. A `flowgrad.Tensor` (or
a `Variable`) turns the statement into tensor control flow: `flowgrad.cond` for `if` and
conditional expressions, `flowgrad.while_loop` for `while` and for `for` over a tensor. With
concrete (eager) tensors those run their Python functions directly; with the symbolic tensors
of a `flowgrad.function` trace they build graph nodes.

Converted statements pass their state explicitly: a branch or loop body is a function of the
variables it may change, and returns their new values, e.g.

    x, y = ag__.if_stmt(x > 0, if_body_1, else_body_1, (x, y), ('x', 'y'), line='f.py:3')

Variables that are not defined yet hold `Undefined` markers, which the operators use to tell a
variable defined on one path only, and which `ld` turns back into Python's `UnboundLocalError`.
"""

import builtins
import warnings
import weakref

import numpy as np

from .. import nest
from ..core.context import ctx
from ..core.tensor import Tensor
from ..core.tensor_shape import TensorShape
from ..ops import control_flow_ops as _cf
from ..ops._common import to_tensor
from .errors import ConversionError, StagingTypeError, StagingValueError

__all__ = [
    "Undefined",
    "UndefinedReturnValue",
    "and_",
    "assert_stmt",
    "converted_call",
    "for_stmt",
    "if_exp",
    "if_stmt",
    "ld",
    "not_",
    "or_",
    "retval",
    "while_stmt",
]


# -- undefined variables ---------------------------------------------------------------------------
class Undefined:
    """The value of a local variable that has not been assigned yet on the path taken.

    Converted code initializes variables that tensor control flow may carry before their first
    assignment with `Undefined('x')`; reading one through `ld` raises `UnboundLocalError`, as
    Python would have.
    """

    __slots__ = ("symbol_name",)

    def __init__(self, symbol_name):
        self.symbol_name = symbol_name

    def __repr__(self):
        return f"<undefined variable {self.symbol_name!r}>"

    def _fail(self, *args, **kwargs):
        raise _unbound(self.symbol_name)

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        raise _unbound(self.symbol_name)

    __bool__ = __call__ = __iter__ = __len__ = __getitem__ = __setitem__ = _fail
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = _fail
    __rtruediv__ = __floordiv__ = __rfloordiv__ = __mod__ = __rmod__ = __pow__ = _fail
    __rpow__ = __matmul__ = __rmatmul__ = __neg__ = __pos__ = __abs__ = __invert__ = _fail
    __lt__ = __le__ = __gt__ = __ge__ = __and__ = __rand__ = __or__ = __ror__ = _fail
    __xor__ = __rxor__ = __iadd__ = __isub__ = __imul__ = __itruediv__ = _fail
    __float__ = __int__ = __index__ = _fail


class UndefinedReturnValue(Undefined):
    """The return value of a converted function before a `return` statement has run."""

    __slots__ = ()

    def __init__(self, symbol_name="<return value>"):
        super().__init__(symbol_name)


def _unbound(name):
    return UnboundLocalError(
        f"cannot access local variable '{name}' where it is not associated with a value")


def ld(value):
    """Loads a variable that may hold an `Undefined` marker: raises `UnboundLocalError` for one,
    as reading an unassigned local does in Python; returns any other value unchanged."""
    if isinstance(value, Undefined):
        raise _unbound(value.symbol_name)
    return value


def retval(value):
    """The value a converted function returns: `None` when no `return` statement ran."""
    if isinstance(value, UndefinedReturnValue):
        return None
    return value


# -- helpers ---------------------------------------------------------------------------------------
def _is_tensor(x):
    return isinstance(x, Tensor) or getattr(type(x), "_is_variable", False)


def _as_tensor(x):
    return x.read_value() if getattr(type(x), "_is_variable", False) else x


def _is_symbolic(x):
    return isinstance(x, Tensor) and getattr(x, "_graph_value", None) is not None


def _tracing():
    return getattr(ctx, "graph", None) is not None


def _where(line):
    return f" at {line}" if line else ""


def _describe(v):
    if isinstance(v, Undefined):
        return "undefined"
    if v is None:
        return "None"
    if _is_tensor(v):
        t = _as_tensor(v)
        return f"a {t.dtype.name} tensor of shape {_shape_str(t.shape)}"
    return f"a Python {type(v).__name__}"


def _shape_str(shape):
    if shape.rank is None:
        return "<unknown>"
    return "(" + ", ".join("None" if d is None else str(d) for d in shape.as_list()) + \
        ("," if shape.rank == 1 else "") + ")"


_NUMBER_TYPES = (bool, int, float, complex, np.number, np.bool_)


def _is_number(x):
    return isinstance(x, _NUMBER_TYPES) or (isinstance(x, np.ndarray) and x.dtype != object)


def _leaves(v):
    """The leaves of a state value when every one is a tensor or a number, else None."""
    flat = nest.flatten(v)
    if not all(_is_tensor(x) or _is_number(x) for x in flat):
        return None
    return flat


def _to_dtype_of(value, like_dtype):
    """Converts a Python number to `like_dtype` when that loses nothing (1 -> 1.0), else to its
    default dtype."""
    if like_dtype is not None and isinstance(value, _NUMBER_TYPES) and \
            isinstance(value, (bool, np.bool_)) == (like_dtype.name == "bool"):
        kind_ok = (like_dtype.is_floating or like_dtype.is_complex or like_dtype.name == "bool"
                   or (like_dtype.is_integer and isinstance(value, (int, np.integer))))
        if kind_ok:
            try:
                return to_tensor(value, dtype=like_dtype)
            except (TypeError, ValueError):
                pass
    return to_tensor(value)


def _check_staging(kind, line, has_orelse=False, has_try=False):
    if has_orelse:
        raise ConversionError(
            f"AutoGraph: the {kind} loop{_where(line)} has an `else` clause and runs over a "
            f"tensor, which a graph loop cannot express. Move the else block after the loop and "
            f"guard it with a flag you set before `break` (e.g. found = False ... "
            f"if not found: ...).")
    if has_try:
        stmt = "if statement" if kind == "if" else f"{kind} loop"
        raise ConversionError(
            f"AutoGraph: the {stmt}{_where(line)} depends on a tensor and contains a try/except "
            f"statement. In a graph the except clause would only catch errors raised while "
            f"tracing, not while running. Move the try/except outside the tensor-dependent "
            f"{'if' if kind == 'if' else 'loop'}, or handle the condition with tensor ops "
            f"(tf.where, tf.debugging checks).")


# -- if statements ---------------------------------------------------------------------------------
def if_stmt(cond, body, orelse, state, names, line=None, only_body=(), only_orelse=(),
            has_try=False):
    """`if cond: body else: orelse`, where `body` / `orelse` take and return the values of the
    variables `names` (`orelse` None: no else branch). Returns their new values.

    A tensor `cond` runs `flowgrad.cond`. The static facts `only_body` / `only_orelse` name the
    variables that only one branch assigns, so a variable that would be undefined after a
    tensor-dependent if is reported even when only one branch runs (eagerly).
    """
    if _is_tensor(cond):
        return _tensor_if(_as_tensor(cond), body, orelse, tuple(state), names, line,
                          only_body, only_orelse, has_try)
    if cond:
        return tuple(body(*state))
    return tuple(orelse(*state)) if orelse is not None else tuple(state)


def _one_branch_error(name, where_defined, line):
    other = "else" if where_defined == "if" else "if"
    return StagingValueError(
        f"AutoGraph: '{name}' is assigned in the {where_defined} branch but not in the {other} "
        f"branch of the if statement{_where(line)}, whose condition is a tensor, and it is used "
        f"after the if. In a graph both branches must produce it. Define {name} before the if "
        f"(e.g. {name} = tf.zeros_like(...)), or assign it in the {other} branch too.")


def _tensor_if(cond, body, orelse, state, names, line, only_body, only_orelse, has_try):
    _check_staging("if", line, has_try=has_try)
    for name, v in zip(names, state):
        if isinstance(v, Undefined) and not isinstance(v, UndefinedReturnValue):
            if name in only_body:
                raise _one_branch_error(name, "if", line)
            if name in only_orelse:
                raise _one_branch_error(name, "else", line)
        if v is None and (name in only_body or name in only_orelse):
            raise StagingTypeError(
                f"AutoGraph: '{name}' is None before the if statement{_where(line)}, whose "
                f"condition is a tensor, and only the "
                f"{'if' if name in only_body else 'else'} branch assigns it. In a graph both "
                f"branches must give it a tensor: initialize {name} with a tensor before the if "
                f"(e.g. {name} = tf.zeros_like(...)) or assign it in both branches.")
    if not _is_symbolic(cond):
        out = _cf.cond(cond, lambda: tuple(body(*state)),
                       lambda: tuple(orelse(*state)) if orelse is not None else state)
        return tuple(out)
    return _graph_if(cond, body, orelse, state, names, line)


class _Retry(Exception):
    """Internal: a branch traced first guessed an output type the second branch disproved."""


class _BranchValue:
    """One state variable's output from one traced branch."""

    __slots__ = ("flat", "flexible", "kind", "sentinel", "specs", "value")

    def __init__(self, kind, value, flat=None):
        self.kind = kind            # 'tensor' (tensors / numbers) | 'undef' | 'object'
        self.value = value
        self.flat = flat            # the leaves, for kind 'tensor'
        self.specs = None           # (dtype, shape) of the converted leaves
        self.flexible = False       # a leaf was a Python number (its dtype was a guess)
        self.sentinel = False       # emitted a stand-in whose type the other branch decides


def _classify(v):
    if isinstance(v, Undefined):
        return _BranchValue("undef", v)
    flat = _leaves(v) if v is not None else None
    if flat is not None and (flat or nest.is_nested(v)):
        return _BranchValue("tensor", v, flat)
    return _BranchValue("object", v)


def _spec(t):
    shadow = t._value
    shape = tuple(np.shape(shadow)) if shadow is not None else tuple(
        d or 1 for d in (t.shape.as_list() or []))
    return t.dtype, shape


def _graph_if(cond, body, orelse, state, names, line, allow_undefined=False):
    """A tensor `if` under a trace: traces both branches into `flowgrad.cond` and merges the
    state. A variable both branches leave as the same object stays that object. Undefined
    return values (and, with `allow_undefined`, any undefined variable) on one path get a zero
    placeholder of the other path's type: their value is never read on that path."""
    from ..ops.array_ops import zeros
    known = {}       # position -> leaf specs settled by a tensor-valued branch
    for _attempt in range(3):
        seen = {}

        def make(fn, which, seen=seen):
            def branch():
                out = tuple(fn(*state)) if fn is not None else state
                vals = [_classify(v) for v in out]
                other = seen.get("else" if which == "then" else "then")
                seen[which] = vals
                flat_out = []
                for k, bv in enumerate(vals):
                    flat_out.extend(_branch_slot(k, bv, other[k] if other else None, which))
                return tuple(flat_out)
            return branch

        def _branch_slot(k, bv, ob, which, known=known):
            name, specs = names[k], known.get(k)
            missing = "else" if which == "then" else "if"   # the branch that lacks a value
            def mixed():
                pair = (bv.value, ob.value) if which == "then" else (ob.value, bv.value)
                return _mixed_error(name, pair[0], pair[1], line)
            if bv.kind == "tensor":
                if ob is not None and ob.kind == "object":
                    raise mixed()
                if ob is not None and ob.kind == "undef":
                    _check_undefined_ok(name, ob.value, allow_undefined, line, missing)
                conv = []
                for j, leaf in enumerate(bv.flat):
                    if _is_tensor(leaf):
                        conv.append(_as_tensor(leaf))
                    else:
                        bv.flexible = True
                        like = specs[j][0] if specs and j < len(specs) else None
                        conv.append(_to_dtype_of(leaf, like))
                bv.specs = [_spec(t) for t in conv]
                if ob is not None and ob.kind == "tensor":
                    _check_same(name, *((bv, ob) if which == "then" else (ob, bv)), line)
                if ob is not None and (ob.sentinel or (ob.kind == "tensor" and ob.flexible and
                                                      _dtypes_differ(ob.specs, bv.specs))):
                    known[k] = bv.specs            # the first branch guessed: trace again
                    raise _Retry()
                if specs is None:
                    known[k] = bv.specs
                return conv
            if bv.kind == "undef":
                if ob is not None and ob.kind == "object":
                    raise mixed()
                if ob is not None and ob.kind == "tensor":
                    _check_undefined_ok(name, bv.value, allow_undefined,
                                        line, "if" if which == "then" else "else")
                if specs is not None and (isinstance(bv.value, UndefinedReturnValue) or
                                          allow_undefined):
                    return [zeros(s, d) for d, s in specs]
                bv.sentinel = ob is None
                return [to_tensor(0)]
            if ob is not None and (ob.kind != "object" or ob.value is not bv.value):
                raise mixed()
            return [to_tensor(0)]

        try:
            out = _cf.cond(cond, make(body, "then"), make(orelse, "else"))
        except _Retry:
            continue
        break
    else:  # pragma: no cover - the second attempt has every type
        raise StagingTypeError(f"AutoGraph: could not settle the output types of the tensor "
                               f"if statement{_where(line)}.")
    out = list(out) if isinstance(out, (list, tuple)) else [out]
    result, pos = [], 0
    for k, (a, b) in enumerate(zip(seen["then"], seen["else"])):
        ref = a if a.kind == "tensor" else b
        m = len(ref.flat) if ref.kind == "tensor" else 1
        if a.value is state[k] and b.value is state[k]:
            result.append(state[k])
        elif ref.kind == "tensor":
            v = ref.value
            result.append(nest.pack_sequence_as(v, out[pos:pos + m]) if nest.is_nested(v)
                          else out[pos])
        else:
            result.append(a.value)
        pos += m
    return tuple(result)


def _dtypes_differ(a, b):
    return a is None or b is None or len(a) != len(b) or any(x[0] != y[0] for x, y in zip(a, b))


def _check_undefined_ok(name, undef, allow_undefined, line, missing_branch):
    if isinstance(undef, UndefinedReturnValue) or allow_undefined:
        return
    defined = "if" if missing_branch == "else" else "else"
    raise _one_branch_error(name, defined, line)


def _mixed_error(name, a, b, line):
    """`a` / `b`: the variable's value after the if branch / the else branch."""
    return StagingTypeError(
        f"AutoGraph: '{name}' is {_describe(a)} after the if branch but {_describe(b)} after "
        f"the else branch of the if statement{_where(line)}, whose condition is a tensor. In a graph "
        f"both branches must give it tensors of the same dtype, or leave the same Python object "
        f"unchanged. Give {name} a tensor value in both branches.")


def _check_same(name, a, b, line):
    try:
        nest.assert_same_structure(a.value, b.value, check_types=False)
    except ValueError:
        raise StagingTypeError(
            f"AutoGraph: '{name}' has a different structure in the two branches of the if "
            f"statement{_where(line)} ({a.value!r} vs {b.value!r}).") from None
    for x, y in zip(a.flat, b.flat):
        if _is_tensor(x) and _is_tensor(y):
            dx, dy = _as_tensor(x).dtype, _as_tensor(y).dtype
            if dx != dy:
                raise StagingTypeError(
                    f"AutoGraph: '{name}' has dtype {dx.name} after the if branch but "
                    f"{dy.name} after the else branch of the if statement{_where(line)}, whose "
                    f"condition is a tensor. Both branches must give it the same dtype: cast "
                    f"one of them, e.g. tf.cast({name}, tf.{dx.name}).")


# -- while loops -----------------------------------------------------------------------------------
def while_stmt(test, body, state, names, line=None, opts=None, has_orelse=False, has_try=False):
    """`while test: body` over the variables `names` (`test` and `body` take their values;
    `body` returns the new ones). A Python test runs a Python loop; once the test gives a tensor,
    the rest of the loop runs as `flowgrad.while_loop`. Returns the final values."""
    state = tuple(state)
    while True:
        c = test(*state)
        if _is_tensor(c):
            _check_staging("while", line, has_orelse, has_try)
            return _tensor_while(test, body, state, names, line, opts, _as_tensor(c), "while")
        if not c:
            return state
        state = tuple(body(*state))


def for_stmt(iterable, body, state, names, extra_test=None, targets=(), line=None, opts=None,
             has_orelse=False, has_try=False):
    """`for target in iterable: body` over the variables `names`. `body(item, *values)` returns
    the new values; `extra_test(*values)` (from `break` / `return`) is checked before each
    iteration. A tensor iterable becomes a `flowgrad.while_loop` over its first dimension;
    anything else is iterated in Python."""
    state = tuple(state)
    if _is_tensor(iterable):
        _check_staging("for", line, has_orelse, has_try)
        return _tensor_for(_as_tensor(iterable), body, state, names, extra_test, line, opts)
    it = iter(iterable)
    while True:
        if extra_test is not None:
            ok = extra_test(*state)
            if _is_tensor(ok):
                ok = _as_tensor(ok)
                if _is_symbolic(ok):
                    # A tensor-dependent break/return in a Python loop: every further
                    # iteration runs under a tensor condition.
                    try:
                        item = next(it)
                    except StopIteration:
                        break
                    _check_staging("for", line, has_try=has_try)
                    state = _graph_if(ok, lambda *s, item=item: body(item, *s), None, state,
                                      names, line)
                    continue
                ok = bool(ok)
            if not ok:
                break
        try:
            item = next(it)
        except StopIteration:
            break
        state = tuple(body(item, *state))
    return state


# id(tensor) -> (weak reference, start, delta) for the tensors converted code made with
# tf.range / range: a loop over one computes its elements instead of indexing the tensor.
_RANGES = {}


def _range(tf_range, args, kwargs):
    args = [_as_tensor(a) if _is_tensor(a) else a for a in args]
    t = tf_range(*args, **kwargs)
    bound = dict(zip(("start", "limit", "delta"), args), **kwargs)
    start, limit = bound.get("start"), bound.get("limit")
    if limit is None:
        start, limit = 0, start
    key = id(t)
    _RANGES[key] = (weakref.ref(t, lambda _r, key=key: _RANGES.pop(key, None)), start, limit,
                    bound.get("delta", 1))
    return t


def _range_of(t):
    entry = _RANGES.get(id(t))
    if entry is None or entry[0]() is not t:
        return None
    return entry[1:]


def _tensor_for(t, body, state, names, extra_test, line, opts):
    from ..ops.array_ops import shape as _shape
    from ..ops.math_ops import cast
    if t.shape.rank == 0:
        raise TypeError(f"AutoGraph: cannot iterate over a scalar tensor in the for loop"
                        f"{_where(line)}; iterate over a tensor with at least one dimension.")
    rng = _range_of(t)
    if rng is not None:
        # The loop counts and computes the elements itself: the range tensor's length is
        # only known when the graph runs.
        start, limit, delta = rng
        if not any(_is_tensor(v) for v in rng):
            n = len(builtins.range(int(start), int(limit), int(delta))) if all(
                isinstance(v, (int, np.integer)) for v in rng) else max(
                0, int(np.ceil((limit - start) / delta)))
        else:
            from ..ops.math_ops import ceil, maximum
            f64 = [cast(_as_tensor(v) if _is_tensor(v) else to_tensor(v), "float64")
                   for v in rng]
            n = maximum(cast(ceil((f64[1] - f64[0]) / f64[2]), "int32"), 0)
        start, delta = (cast(_as_tensor(v) if _is_tensor(v) else to_tensor(v), t.dtype)
                        for v in (start, delta))

        def element(i):
            return start + cast(i, t.dtype) * delta
    else:
        n = t.shape[0] if t.shape.rank is not None else None
        if n is None:
            n = _shape(t)[0]

        from ..ops.indexing_ops import gather

        def element(i):
            return gather(t, i)

    def test(i, *s):
        c = i < n
        if extra_test is None:
            return c
        return and_(lambda: c, lambda: extra_test(*s))

    def loop_body(i, *s):
        return (i + 1,) + tuple(body(element(i), *s))

    i0 = to_tensor(0)
    out = _tensor_while(test, loop_body, (i0,) + state, ("<loop index>",) + tuple(names), line,
                        opts, _as_tensor(test(i0, *state)), "for")
    return tuple(out[1:])


def _loop_error_dtype(name, before, after, line, kind):
    return StagingTypeError(
        f"AutoGraph: '{name}' has dtype {before.name} before the {kind} loop{_where(line)} but "
        f"dtype {after.name} after one iteration. A tensor loop keeps each variable's dtype: "
        f"initialize {name} with the dtype it gets in the loop (e.g. {name} = "
        f"tf.constant(0, dtype=tf.{after.name})) or cast inside the loop (tf.cast).")


def _loop_error_shape(name, before, after, line, kind, invariant):
    was = ("its shape invariant " + _shape_str(invariant)) if invariant is not None else \
        "shape " + _shape_str(before)
    return StagingValueError(
        f"AutoGraph: '{name}' has {was} before the {kind} loop{_where(line)} but shape "
        f"{_shape_str(after)} after one iteration. Declare the dimensions that change as None "
        f"with a shape invariant, as the first statement of the loop body: "
        f"tf.autograph.experimental.set_loop_options(shape_invariants=[({name}, "
        f"tf.TensorShape({[None] * (after.rank or 0)}))]).")


def _tensor_while(test, body, state, names, line, opts, first_cond, kind):
    """Runs the loop as `flowgrad.while_loop` from `state`, whose test already gave the tensor
    `first_cond`. Tensor and number variables are loop variables; an undefined variable is kept
    outside the loop (eagerly), or defined by tracing one guarded iteration first (graph)."""
    opts = opts or {}
    # Under a trace the loop is always staged, even when its condition is known now (a
    # Python-unrolled loop would turn symbolic mid-way once the body makes a flag symbolic).
    symbolic = _tracing() or _is_symbolic(first_cond)
    for name, v in zip(names, state):
        if v is None:
            raise StagingValueError(
                f"AutoGraph: '{name}' is None before the {kind} loop{_where(line)}, which runs "
                f"over a tensor and changes it. Loop variables of a tensor loop must be tensors: "
                f"initialize {name} with a tensor of the dtype and shape it gets in the loop.")
    if symbolic and any(isinstance(v, Undefined) for v in state):
        defined = _define_by_dry_run(body, state)
        if defined is not None:
            state = defined
        # Without a dry run: trace one iteration under the loop condition; its merge with the
        # entry state gives the undefined variables a type (placeholders where it did not run).
        elif _is_symbolic(first_cond):
            state = _graph_if(first_cond, body, None, state, names, line,
                              allow_undefined=True)
        elif bool(first_cond):
            state = tuple(body(*state))     # the first iteration is known to run
        else:
            return state
        first_cond = _as_tensor(test(*state))
    invariants = {}
    for v, shp in opts.get("shape_invariants", ()) or ():
        invariants[id(v)] = TensorShape(shp)

    loop_pos, fixed = [], {}
    entry_flat, structures, inv_flat = [], {}, []
    for k, v in enumerate(state):
        flat = None if isinstance(v, Undefined) else _leaves(v)
        if flat is None or (not flat and not nest.is_nested(v)):
            fixed[k] = v
            continue
        loop_pos.append(k)
        structures[k] = (v, len(flat))
        for leaf in flat:
            inv_flat.append(invariants.get(id(leaf), invariants.get(id(v))))
            entry_flat.append(_as_tensor(leaf) if _is_tensor(leaf) else to_tensor(leaf))
    side = dict(fixed)

    def unpack(flat):
        full, pos = [None] * len(state), 0
        for k in range(len(state)):
            if k in side:
                full[k] = side[k]
            else:
                v, m = structures[k]
                full[k] = nest.pack_sequence_as(v, list(flat[pos:pos + m])) \
                    if nest.is_nested(v) else flat[pos]
                pos += m
        return full

    def cond_fn(*flat):
        c = test(*unpack(flat))
        return _as_tensor(c) if _is_tensor(c) else to_tensor(builtins.bool(c))

    def body_fn(*flat):
        out = tuple(body(*unpack(flat)))
        new_flat, pos = [], 0
        for k in range(len(state)):
            name, new = names[k], out[k]
            if k in fixed:
                old = side[k]
                if new is not old:
                    if isinstance(fixed[k], Undefined) and not symbolic:
                        side[k] = new       # eager: the variable is defined inside the loop
                        continue
                    if isinstance(old, Undefined):
                        raise StagingValueError(
                            f"AutoGraph: '{name}' is defined inside the {kind} loop"
                            f"{_where(line)} but not before it, and it is used after the loop "
                            f"(or in the next iteration). Define {name} before the loop with "
                            f"the dtype and shape it gets inside (e.g. {name} = tf.zeros(...)).")
                    if not isinstance(new, Undefined):
                        raise StagingTypeError(
                            f"AutoGraph: '{name}' is {_describe(old)} before the {kind} loop"
                            f"{_where(line)}, which runs over a tensor, and the loop assigns it "
                            f"{_describe(new)}. Only tensors can change in a tensor loop: make "
                            f"{name} a tensor before the loop (for a growing list of tensors, "
                            f"collect them in a tensor with tf.concat or use tf.map_fn/tf.scan).")
                continue
            v, m = structures[k]
            entry = entry_flat[pos:pos + m]
            if isinstance(new, Undefined) or new is None:
                raise StagingValueError(
                    f"AutoGraph: '{name}' is {_describe(new)} after an iteration of the {kind} "
                    f"loop{_where(line)} but was {_describe(v)} before it.")
            leaves = _leaves(new)
            if leaves is None or len(leaves) != m or (
                    nest.is_nested(v) and nest.is_nested(new) and
                    _structure_differs(v, new)) or nest.is_nested(v) != nest.is_nested(new):
                raise StagingTypeError(
                    f"AutoGraph: '{name}' is {_describe(v)} before the {kind} loop{_where(line)} "
                    f"but {_describe(new)} after one iteration; a tensor loop keeps each "
                    f"variable's type and structure.")
            for j, (leaf, e) in enumerate(zip(leaves, entry)):
                t = _as_tensor(leaf) if _is_tensor(leaf) else _to_dtype_of(leaf, e.dtype)
                if t.dtype != e.dtype:
                    raise _loop_error_dtype(name, e.dtype, t.dtype, line, kind)
                inv = inv_flat[pos + j]
                allowed = inv if inv is not None else e.shape
                if not allowed.is_compatible_with(t.shape):
                    raise _loop_error_shape(name, e.shape, t.shape, line, kind, inv)
                new_flat.append(t)
            pos += m
        return new_flat

    shape_invariants = None
    if any(s is not None for s in inv_flat):
        shape_invariants = [s if s is not None else e.shape for s, e in zip(inv_flat, entry_flat)]
    max_it = opts.get("maximum_iterations")
    graph_impl = _cf._GRAPH_IMPL.get("while_loop")
    if _tracing() and graph_impl is not None and not any(
            _is_symbolic(t) for t in entry_flat):
        # The condition depends on the trace though the loop variables start as constants.
        result = graph_impl(cond_fn, body_fn, list(entry_flat), shape_invariants, max_it)
    else:
        result = _cf.while_loop(cond_fn, body_fn, list(entry_flat),
                                shape_invariants=shape_invariants, maximum_iterations=max_it)
    return tuple(unpack(list(result)))


def _define_by_dry_run(body, state):
    """Gives the variables that are undefined before a graph loop and defined by its body a
    zero value of the type the body gives them, found by tracing the body once into a
    discarded subgraph (TensorFlow's approach). Returns the new state, or None when the tracer
    offers no subgraph tracing."""
    try:
        from ..graph.control_flow import _finish, _trace_sub
    except ImportError:     # pragma: no cover - the tracer without subgraph support
        return None
    from ..ops.array_ops import zeros
    undef = [k for k, v in enumerate(state) if isinstance(v, Undefined)]
    tensor_pos, example = [], []
    for k, v in enumerate(state):
        flat = None if isinstance(v, Undefined) else _leaves(v)
        if flat:
            tensor_pos.append((k, len(flat)))
            example.extend(_as_tensor(x) if _is_tensor(x) else to_tensor(x) for x in flat)
    found = {}

    def run(*phs):
        full, pos = list(state), 0
        for k, m in tensor_pos:
            v = state[k]
            full[k] = nest.pack_sequence_as(v, list(phs[pos:pos + m])) if nest.is_nested(v) \
                else phs[pos]
            pos += m
        out = tuple(body(*full))
        flat_out = []
        for k in undef:
            leaves = None if isinstance(out[k], Undefined) else _leaves(out[k])
            if leaves:
                found[k] = (out[k], len(leaves))
                flat_out.extend(_as_tensor(x) if _is_tensor(x) else to_tensor(x)
                                for x in leaves)
        return flat_out

    sub, _ = _trace_sub(run, "autograph_dry_run", example)
    try:
        specs = [(t.dtype, tuple(np.shape(sh))) for t, sh in zip(sub.flat, sub.shadows)]
    finally:
        _finish(sub)
    new, pos = list(state), 0
    for k in undef:
        if k in found:
            v, m = found[k]
            vals = [zeros(shape, dtype) for dtype, shape in specs[pos:pos + m]]
            new[k] = nest.pack_sequence_as(v, vals) if nest.is_nested(v) else vals[0]
            pos += m
    return tuple(new)


def _structure_differs(a, b):
    try:
        nest.assert_same_structure(a, b, check_types=False)
    except ValueError:
        return True
    return False


# -- expressions -----------------------------------------------------------------------------------
def _bool_tensor(x):
    if _is_tensor(x):
        return _as_tensor(x)
    return to_tensor(builtins.bool(x))


def and_(*operands):
    """`a and b and ...` with each operand a zero-argument function (lazy, as in Python). A
    tensor operand makes the result a bool tensor; later operands run only where needed
    (`flowgrad.cond`)."""
    value = operands[0]()
    for fn in operands[1:]:
        if _is_tensor(value):
            a = _as_tensor(value)
            value = _cf.cond(a, lambda fn=fn: _bool_tensor(fn()), lambda a=a: a)
        elif not value:
            return value
        else:
            value = fn()
    return value


def or_(*operands):
    """`a or b or ...`, lazily, like `and_`."""
    value = operands[0]()
    for fn in operands[1:]:
        if _is_tensor(value):
            a = _as_tensor(value)
            value = _cf.cond(a, lambda a=a: a, lambda fn=fn: _bool_tensor(fn()))
        elif value:
            return value
        else:
            value = fn()
    return value


def not_(value):
    """`not value`: `flowgrad.logical_not` for a tensor."""
    if _is_tensor(value):
        from ..ops.math_ops import logical_not
        return logical_not(_as_tensor(value))
    return not value


def if_exp(cond, if_true, if_false, line=None):
    """`if_true() if cond else if_false()`; `flowgrad.cond` for a tensor `cond`."""
    if _is_tensor(cond):
        return _cf.cond(_as_tensor(cond), if_true, if_false)
    return if_true() if cond else if_false()


_warned_assert = []


def assert_stmt(cond, message=None, line=None):
    """`assert cond, message()`. A concrete tensor is checked now (all elements must be true),
    raising an error that is both `InvalidArgumentError` and `AssertionError`."""
    if _is_tensor(cond):
        t = _as_tensor(cond)
        if _is_symbolic(t):
            import flowgrad
            dbg = getattr(flowgrad, "debugging", None) if "debugging" in dir(flowgrad) else None
            check = getattr(dbg, "Assert", None)
            if check is not None:
                check(t, [message() if message is not None else f"assert{_where(line)}"])
            elif not _warned_assert:
                _warned_assert.append(True)
                warnings.warn(f"AutoGraph: the assert{_where(line)} on a symbolic tensor is "
                              "not checked at run time (no graph Assert op yet).", stacklevel=2)
            return
        if not np.all(np.asarray(t._value)):
            msg = message() if message is not None else f"assertion failed{_where(line)}"
            raise _assertion_error(str(msg))
        return
    if not cond:
        if message is None:
            raise AssertionError()
        raise AssertionError(message())
    return


def _assertion_error(msg):
    from ..errors import InvalidArgumentError

    class AssertionFailedError(InvalidArgumentError, AssertionError):
        pass
    return AssertionFailedError(None, "Assert", msg)


# -- calls -----------------------------------------------------------------------------------------
def converted_call(f, args, kwargs=None):
    """Calls `f(*args, **kwargs)`, converting `f` first when it is user code (cached).

    Library code (flowgrad, NumPy, the standard library, builtins), functions marked
    `do_not_convert` and code without source run unchanged. `range` and `len` of tensors give
    `flowgrad.range` / the tensor's length (`flowgrad.shape(x)[0]` when unknown).
    """
    if kwargs is None:
        kwargs = {}
    if _calls is None:
        _load_call_helpers()
    tf_range, convert_for_call = _calls
    if f is tf_range or (f is builtins.range and any(_is_tensor(a) for a in args)):
        return _range(tf_range, args, kwargs)
    if f is builtins.len and len(args) == 1 and _is_tensor(args[0]) and not kwargs:
        t = _as_tensor(args[0])
        if t.shape.rank and t.shape[0] is None:
            from ..ops.array_ops import shape as _shape
            return _shape(t)[0]
        return len(t)
    return convert_for_call(f)(*args, **kwargs)


_calls = None


def _load_call_helpers():
    global _calls
    from ..ops.array_ops import range as tf_range
    from .api import _convert_for_call
    _calls = (tf_range, _convert_for_call)

