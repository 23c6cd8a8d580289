"""Functional control flow: `tf.cond`, `tf.case`, `tf.switch_case`, `tf.while_loop`, `tf.map_fn`,
`tf.scan`, `tf.foldl`, `tf.foldr`.

Eagerly these run the Python branches and loop bodies directly, as TensorFlow's eager mode does;
every op inside is recorded on active tapes, so they are differentiable. Inside a
`flowgrad.function` trace the same calls build graph control-flow nodes (see
`flowgrad/graph/control_flow.py`): the hook `_GRAPH_IMPL` is filled in by that module.
"""

from .. import nest
from ..core.context import ctx
from ..core.tensor import Tensor
from ..errors import InvalidArgumentError
from ._common import to_tensor

# Set by flowgrad.graph.control_flow: name -> implementation used while tracing.
_GRAPH_IMPL = {}


def _tracing():
    return getattr(ctx, "graph", None) is not None


def _pred_value(pred, op_name):
    if isinstance(pred, bool):
        return pred
    t = to_tensor(pred)
    if t.shape.rank not in (0, None) and t._value.size != 1:
        raise InvalidArgumentError(
            None, op_name, f"{op_name}: the predicate must be a scalar boolean; got shape "
            f"{tuple(t.shape)}. Reduce it first, e.g. tf.reduce_all(pred).")
    if t.dtype.name != "bool":
        raise TypeError(f"{op_name}: the predicate must be a bool tensor; got dtype "
                        f"{t.dtype.name}. Compare first, e.g. tf.greater(x, 0).")
    if _is_symbolic(t):
        return bool(t)  # raises OperatorNotAllowedInGraphError with a hint
    return bool(t._value.reshape(()))


def cond(pred, true_fn=None, false_fn=None, name=None):
    """Returns `true_fn()` if `pred` is true, else `false_fn()` (`tf.cond`).

    Example:
        >>> import flowgrad as tf
        >>> float(tf.cond(tf.constant(2.0) > 1.0, lambda: tf.constant(1.0), lambda: tf.constant(0.0)))
        1.0
    """
    if not callable(true_fn) or not callable(false_fn):
        raise TypeError("tf.cond needs callables: tf.cond(pred, true_fn=lambda: ..., "
                        "false_fn=lambda: ...).")
    if _tracing() and isinstance(pred, Tensor) and _is_symbolic(pred):
        return _GRAPH_IMPL["cond"](pred, true_fn, false_fn)
    return true_fn() if _pred_value(pred, "cond") else false_fn()


def _is_symbolic(t):
    return getattr(t, "_graph_value", None) is not None


def case(pred_fn_pairs, default=None, exclusive=False, strict=False, name="case"):
    """Runs the function of the first true predicate (`tf.case`); `default` when none is true.

    With `exclusive=True` it is an error for more than one predicate to be true.
    """
    if isinstance(pred_fn_pairs, dict):
        pred_fn_pairs = list(pred_fn_pairs.items())
    pairs = list(pred_fn_pairs)
    if not pairs and default is None:
        raise ValueError("tf.case needs at least one (predicate, fn) pair or a default.")
    for p, f in pairs:
        if not callable(f):
            raise TypeError(f"tf.case: each pair must be (predicate, callable); got {f!r}.")
    if default is None:
        *pairs, (_, default) = pairs
    if exclusive and not _tracing():
        hits = [i for i, (p, _) in enumerate(pairs) if _pred_value(p, "case")]
        if len(hits) > 1:
            raise InvalidArgumentError(None, "case", f"tf.case(exclusive=True): predicates "
                                       f"{hits} are all true; at most one may be.")
    # Nested conds: the first true predicate wins, as in TensorFlow.
    fn = default
    for p, f in reversed(pairs):
        fn = (lambda p=p, f=f, rest=fn: cond(p, f, rest))
    return fn()


def switch_case(branch_index, branch_fns, default=None, name="switch_case"):
    """Runs `branch_fns[branch_index]` (`tf.switch_case`); an out-of-range index runs `default`,
    or the last branch when there is no default (TensorFlow's rule)."""
    if isinstance(branch_fns, dict):
        items = sorted(branch_fns.items())
        keys = [k for k, _ in items]
        if keys != list(range(len(keys))):
            raise ValueError(f"tf.switch_case: dict keys must be 0..n-1; got {keys}.")
        fns = [f for _, f in items]
    else:
        fns = list(branch_fns)
    if not fns:
        raise ValueError("tf.switch_case needs at least one branch function.")
    if default is None:
        default = fns[-1]
    idx = to_tensor(branch_index)
    if idx.dtype.name not in ("int32", "int64"):
        raise TypeError(f"tf.switch_case: branch_index must be int32 or int64; got "
                        f"{idx.dtype.name}.")
    if _tracing() and _is_symbolic(idx):
        from .math_ops import equal
        fn = default
        for i in reversed(range(len(fns))):
            fn = (lambda i=i, rest=fn: cond(equal(idx, i), fns[i], rest))
        return fn()
    i = int(idx._value.reshape(()))
    return fns[i]() if 0 <= i < len(fns) else default()


def _check_loop_vars(new, old, shape_invariants, where):
    new_flat, old_flat = nest.flatten(new), nest.flatten(old)
    if len(new_flat) != len(old_flat):
        raise ValueError(f"tf.while_loop: the body must return the same structure as loop_vars; "
                         f"got {len(new_flat)} values for {len(old_flat)} loop variables.")
    inv = nest.flatten(shape_invariants) if shape_invariants is not None else None
    for k, (n, o) in enumerate(zip(new_flat, old_flat)):
        if isinstance(o, Tensor) and isinstance(n, Tensor):
            if n.dtype != o.dtype:
                raise TypeError(f"tf.while_loop: loop variable {k} entered the loop as "
                                f"{o.dtype.name} but the body returned {n.dtype.name}.")
            allowed = inv[k] if inv is not None else o.shape
            from ..core.tensor_shape import TensorShape
            if not TensorShape(allowed).is_compatible_with(n.shape):
                raise ValueError(
                    f"tf.while_loop: loop variable {k} has shape {o.shape} on entry but "
                    f"{n.shape} after an iteration. Pass shape_invariants with None for the "
                    f"dimensions that change, e.g. tf.TensorShape([None]).")


def while_loop(cond, body, loop_vars, shape_invariants=None, parallel_iterations=10,
               back_prop=True, swap_memory=False, maximum_iterations=None, name=None):
    """Repeats `loop_vars = body(*loop_vars)` while `cond(*loop_vars)` (`tf.while_loop`).

    Returns the final loop variables in their structure (a single value stays single).
    """
    if not callable(cond) or not callable(body):
        raise TypeError("tf.while_loop(cond, body, loop_vars): cond and body must be callables.")
    single = not isinstance(loop_vars, (list, tuple))
    lv = [loop_vars] if single else list(loop_vars)
    lv = nest.map_structure(lambda v: to_tensor(v) if not isinstance(v, Tensor)
                            and not hasattr(v, "_is_variable") else v, lv)
    if _tracing():
        out = _GRAPH_IMPL["while_loop"](cond, body, lv, shape_invariants, maximum_iterations)
        return out[0] if single else type(loop_vars)(out) if isinstance(loop_vars, tuple) else out
    n = 0
    max_it = None if maximum_iterations is None else int(to_tensor(maximum_iterations)._value)
    while (max_it is None or n < max_it) and _pred_value(cond(*lv), "while_loop"):
        new = body(*lv)
        if single or not isinstance(new, (list, tuple)):
            new = [new]
        new = list(new)
        new = nest.map_structure(lambda v: to_tensor(v) if not isinstance(v, Tensor) else v, new)
        _check_loop_vars(new, lv, None if shape_invariants is None else
                         ([shape_invariants] if single else shape_invariants), "body")
        lv = new
        n += 1
    if single:
        return lv[0]
    return tuple(lv) if isinstance(loop_vars, tuple) else lv


def _unstack_elems(elems, op_name):
    from .array_ops import unstack
    flat = [to_tensor(e) for e in nest.flatten(elems)]
    if not flat:
        raise ValueError(f"{op_name}: elems must contain at least one tensor.")
    n = flat[0].shape[0]
    for e in flat:
        if e.shape.rank == 0:
            raise ValueError(f"{op_name}: elements must have a leading dimension to iterate over; "
                             "got a scalar.")
        if e.shape[0] != n:
            raise ValueError(f"{op_name}: all elems must have the same first dimension; got "
                             f"{[tuple(x.shape) for x in flat]}.")
    if n is None:  # unknown length while tracing: the graph implementation iterates
        return None, None, flat
    rows = [unstack(e, axis=0) if n else [] for e in flat]
    return n, [nest.pack_sequence_as(elems, [r[i] for r in rows]) for i in range(n or 0)], flat


def map_fn(fn, elems, dtype=None, parallel_iterations=None, back_prop=True, swap_memory=False,
           infer_shape=True, name=None, fn_output_signature=None):
    """Applies `fn` to each element of `elems` along axis 0 and stacks the results (`tf.map_fn`)."""
    from .array_ops import stack, zeros
    n, items, flat = _unstack_elems(elems, "map_fn")
    if _tracing() and n is None:
        return _GRAPH_IMPL["map_fn"](fn, elems, fn_output_signature or dtype)
    outs = [fn(x) for x in items]
    if not outs:
        sig = fn_output_signature or dtype
        dt = getattr(sig, "dtype", sig) or flat[0].dtype
        return zeros((0,) + tuple(flat[0].shape[1:]), dt)
    flat_outs = [nest.flatten(o) for o in outs]
    stacked = [stack([to_tensor(o[k]) for o in flat_outs]) for k in range(len(flat_outs[0]))]
    return nest.pack_sequence_as(outs[0], stacked)


def scan(fn, elems, initializer=None, parallel_iterations=10, back_prop=True, swap_memory=False,
         infer_shape=True, reverse=False, name=None):
    """Cumulative `acc = fn(acc, x)` over axis 0 of `elems`, stacking every `acc` (`tf.scan`)."""
    from .array_ops import stack
    n, items, flat = _unstack_elems(elems, "scan")
    if _tracing() and n is None:
        return _GRAPH_IMPL["scan"](fn, elems, initializer, reverse)
    order = list(reversed(items)) if reverse else items
    if initializer is None:
        if not order:
            raise ValueError("scan: elems is empty and there is no initializer.")
        acc, order = order[0], order[1:]
        accs = [acc]
    else:
        acc, accs = initializer, []
    for x in order:
        acc = fn(acc, x)
        accs.append(acc)
    if reverse:
        accs = accs[::-1]
    flat_accs = [nest.flatten(a) for a in accs]
    stacked = [stack([to_tensor(a[k]) for a in flat_accs]) for k in range(len(flat_accs[0]))]
    return nest.pack_sequence_as(accs[0], stacked)


def foldl(fn, elems, initializer=None, parallel_iterations=10, back_prop=True,
          swap_memory=False, name=None):
    """`acc = fn(acc, x)` over axis 0 of `elems`, first to last; returns the final `acc`."""
    return _fold(fn, elems, initializer, reverse=False, op_name="foldl")


def foldr(fn, elems, initializer=None, parallel_iterations=10, back_prop=True,
          swap_memory=False, name=None):
    """`acc = fn(acc, x)` over axis 0 of `elems`, last to first; returns the final `acc`."""
    return _fold(fn, elems, initializer, reverse=True, op_name="foldr")


def _fold(fn, elems, initializer, reverse, op_name):
    n, items, flat = _unstack_elems(elems, op_name)
    if _tracing() and n is None:
        return _GRAPH_IMPL["fold"](fn, elems, initializer, reverse)
    order = list(reversed(items)) if reverse else items
    if initializer is None:
        if not order:
            raise ValueError(f"{op_name}: elems is empty and there is no initializer.")
        acc, order = order[0], order[1:]
    else:
        acc = initializer
    for x in order:
        acc = fn(acc, x)
    return acc
