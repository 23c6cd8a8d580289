"""GradientTape: records ops run under it and differentiates them in reverse order.

A tape watches tensors by id (holding a strong reference, so an id is never reused while the
tape lives). `dispatch.execute` offers every op call to each active tape; a tape records the call
when one of its inputs is watched and the op is differentiable, and then watches the op's
floating-point outputs. Gradient rules are written with flowgrad ops, so while one tape computes
gradients any outer tape records that computation: nested tapes give higher-order derivatives.
"""

import contextlib
import enum

from .. import nest
from ..errors import InvalidArgumentError
from .context import ctx
from .registry import REGISTRY
from .tensor import Tensor, _wrap, _backend_of


class UnconnectedGradients(enum.Enum):
    """What `gradient` returns for a source that the target does not depend on."""

    NONE = "none"
    ZERO = "zero"


class TapeEntry:
    """One recorded op call; gradient rules receive it as their first argument.

    Attributes:
        op: the OpDef (or custom-gradient op).
        inputs / outputs: the Tensors (or Variables, for reads) of the call.
        attrs: the op's keyword attributes.
        needs_grad: per input, whether its gradient is wanted (rules may skip the others).
    """

    __slots__ = ("op", "inputs", "outputs", "attrs", "needs_grad")

    def __init__(self, op, inputs, outputs, attrs):
        self.op = op
        self.inputs = inputs
        self.outputs = outputs
        self.attrs = attrs or {}
        self.needs_grad = None

    @property
    def x(self):
        return self.inputs[0]

    @property
    def y(self):
        return self.outputs[0]


class _ReadVariable:
    """The pseudo-op a tape records when a watched Variable is read: gradient is identity."""

    name = "ReadVariableOp"
    differentiable = True

    @staticmethod
    def grad(entry, dy):
        return (dy,)


class GradientTape:
    """Records operations for automatic differentiation (`tf.GradientTape`).

    Args:
        persistent: if True, `gradient` / `jacobian` may be called more than once.
        watch_accessed_variables: if True, trainable Variables read under the tape are watched
            automatically.

    Example:
        >>> import flowgrad as tf
        >>> x = tf.Variable(3.0)
        >>> with tf.GradientTape() as tape:
        ...     y = x * x
        >>> float(tape.gradient(y, x))
        6.0
    """

    def __init__(self, persistent=False, watch_accessed_variables=True):
        self._persistent = persistent
        self._watch_accessed_variables = watch_accessed_variables
        self._entries = []
        self._watched = {}
        self._variables = {}
        self._recording = False
        self._released = False

    # -- context ------------------------------------------------------------------------------
    def __enter__(self):
        if self._recording:
            raise ValueError("This GradientTape is already recording; a tape cannot be entered "
                             "twice at the same time.")
        ctx.tapes.append(self)
        self._recording = True
        return self

    def __exit__(self, *exc):
        self._pop()

    def _pop(self):
        if self._recording:
            ctx.tapes.remove(self)
            self._recording = False

    def _push(self):
        if not self._recording:
            ctx.tapes.append(self)
            self._recording = True

    @contextlib.contextmanager
    def stop_recording(self):
        """Temporarily stops recording: ops inside the block are not differentiated."""
        if not self._recording:
            raise ValueError("Tape.stop_recording() can only be used while the tape is recording "
                             "(inside its `with` block).")
        self._pop()
        try:
            yield
        finally:
            self._push()

    def reset(self):
        """Clears everything recorded so far; the tape keeps recording."""
        self._entries = []
        self._watched = {}
        self._variables = {}
        self._released = False

    # -- watching and recording -----------------------------------------------------------------
    def watch(self, tensor):
        """Watches a tensor, a Variable, or a nested structure of them."""
        for t in nest.flatten(tensor):
            if isinstance(t, Tensor):
                self._watched[id(t)] = t
            elif hasattr(t, "_is_variable"):
                self._watch_variable(t)
            else:
                raise ValueError(f"GradientTape.watch takes Tensors or Variables; got {t!r}. "
                                 "Convert values first with tf.convert_to_tensor.")

    def _watch_variable(self, v):
        self._watched[id(v)] = v
        self._variables[id(v)] = v

    def watched_variables(self):
        """The Variables this tape has watched, in the order they were first watched."""
        return tuple(self._variables.values())

    def _record(self, op, inputs, outputs, attrs):
        w = self._watched
        for t in inputs:
            if id(t) in w:
                break
        else:
            return
        if not op.differentiable:
            return
        recorded = False
        for o in outputs:
            if o._value.dtype.kind in "fc":
                w[id(o)] = o
                recorded = True
        if recorded:
            self._entries.append(TapeEntry(op, inputs, outputs, attrs))

    def _record_read(self, variable, tensor):
        vid = id(variable)
        if vid not in self._watched:
            if not (self._watch_accessed_variables and variable.trainable
                    and tensor._value.dtype.kind in "fc"):
                return
            self._watch_variable(variable)
        self._watched[id(tensor)] = tensor
        self._entries.append(TapeEntry(_ReadVariable, (variable,), (tensor,), None))

    # -- differentiation ------------------------------------------------------------------------
    def gradient(self, target, sources, output_gradients=None,
                 unconnected_gradients=UnconnectedGradients.NONE):
        """Computes the gradient of `target` with respect to `sources`.

        Args:
            target: a Tensor or nested structure of Tensors; non-scalar targets are summed
                (the gradient of `reduce_sum(target)`).
            sources: a Tensor / Variable, or a nested structure (list, tuple, dict) of them.
            output_gradients: optional upstream gradients, one per target.
            unconnected_gradients: "none" (default) returns None for a source the target does
                not depend on; "zero" returns zeros.

        Returns:
            The gradients, in the structure of `sources`.

        Raises:
            RuntimeError: the tape is not persistent and was already used.
        """
        self._check_usable("gradient")
        unconnected = UnconnectedGradients(unconnected_gradients)
        flat_sources = nest.flatten(sources)
        for s in flat_sources:
            if not (isinstance(s, Tensor) or hasattr(s, "_is_variable")):
                raise TypeError(f"GradientTape.gradient sources must be Tensors or Variables; "
                                f"got {type(s).__name__}: {s!r}.")
        flat_targets = nest.flatten(target)
        if output_gradients is not None:
            flat_og = nest.flatten(output_gradients)
            if len(flat_og) != len(flat_targets):
                raise ValueError(f"output_gradients has {len(flat_og)} entries for "
                                 f"{len(flat_targets)} targets.")
        else:
            flat_og = [None] * len(flat_targets)
        grads = self._backward(flat_targets, flat_og, flat_sources, unconnected)
        if not self._persistent:
            self._release()
        return nest.pack_sequence_as(sources, grads)

    def jacobian(self, target, sources, unconnected_gradients=UnconnectedGradients.NONE,
                 parallel_iterations=None, experimental_use_pfor=True):
        """The Jacobian of `target` w.r.t. each source: shape `target.shape + source.shape`."""
        self._check_usable("jacobian")
        from ..ops import array_ops
        unconnected = UnconnectedGradients(unconnected_gradients)
        flat_sources = nest.flatten(sources)
        target = array_ops.convert_to_tensor(target)
        n = target._value.size
        xp = _backend_of(target._value).xp
        rows = []
        for i in range(n):
            onehot = xp.zeros(n, dtype=target._value.dtype)
            onehot[i] = 1
            og = _wrap(onehot.reshape(target._value.shape))
            rows.append(self._backward([target], [og], flat_sources, unconnected))
        results = []
        for j, s in enumerate(flat_sources):
            sshape = tuple(s.shape)
            col = [r[j] for r in rows]
            if n == 0 or any(g is None for g in col):
                if n and all(g is None for g in col) and unconnected is UnconnectedGradients.NONE:
                    results.append(None)
                    continue
                col = [g if g is not None else array_ops.zeros(sshape, s.dtype) for g in col]
            if n == 0:
                results.append(array_ops.zeros(tuple(target.shape) + sshape, s.dtype))
            else:
                results.append(array_ops.reshape(array_ops.stack(col), tuple(target.shape) + sshape))
        if not self._persistent:
            self._release()
        return nest.pack_sequence_as(sources, results)

    def batch_jacobian(self, target, source, unconnected_gradients=UnconnectedGradients.NONE,
                       parallel_iterations=None, experimental_use_pfor=True):
        """Per-example Jacobians: `target[i]` w.r.t. `source[i]`, shape `[b] + t.shape[1:] +
        s.shape[1:]`, assuming example i of the target depends only on example i of the source."""
        self._check_usable("batch_jacobian")
        from ..ops import array_ops
        unconnected = UnconnectedGradients(unconnected_gradients)
        target = array_ops.convert_to_tensor(target)
        tshape, sshape = tuple(target.shape), tuple(source.shape)
        if not tshape or not sshape or tshape[0] != sshape[0]:
            raise ValueError(f"batch_jacobian needs target and source with the same first "
                             f"(batch) dimension; got shapes {tshape} and {sshape}.")
        b = tshape[0]
        m = int(target._value.size // b) if b else 0
        xp = _backend_of(target._value).xp
        cols = []
        for j in range(m):
            onehot = xp.zeros((b, m), dtype=target._value.dtype)
            onehot[:, j] = 1
            g = self._backward([target], [_wrap(onehot.reshape(tshape))], [source],
                               unconnected)[0]
            if g is None:
                if unconnected is UnconnectedGradients.NONE:
                    if not self._persistent:
                        self._release()
                    return None
                g = array_ops.zeros(sshape, source.dtype)
            cols.append(g)
        if not self._persistent:
            self._release()
        if m == 0:
            return array_ops.zeros(tshape + sshape[1:], source.dtype)
        out = array_ops.stack(cols, axis=1)
        return array_ops.reshape(out, tshape + sshape[1:])

    def _check_usable(self, what):
        if self._released:
            raise RuntimeError(
                f"A non-persistent GradientTape can only be used to compute one set of gradients "
                f"(or jacobians); this call to {what}() is the second. Create the tape with "
                "GradientTape(persistent=True) to call it more than once.")

    def _release(self):
        self._entries = []
        self._watched = {}
        self._released = True

    def _backward(self, targets, output_grads, sources, unconnected):
        was_recording = self._recording
        self._pop()  # this tape must not record its own backward pass
        try:
            return self._backward_impl(targets, output_grads, sources, unconnected)
        finally:
            if was_recording:
                self._push()

    def _backward_impl(self, targets, output_grads, sources, unconnected):
        add = REGISTRY["AddV2"]
        from .dispatch import execute
        # Which tensors depend on a source: gradients flow only along those.
        reach = {id(s) for s in sources}
        for e in self._entries:
            for i in e.inputs:
                if id(i) in reach:
                    for o in e.outputs:
                        reach.add(id(o))
                    break
        grads = {}
        for t, og in zip(targets, output_grads):
            if hasattr(t, "_is_variable"):
                t = t.read_value()
            if not isinstance(t, Tensor):
                raise TypeError(f"GradientTape.gradient targets must be Tensors; got {t!r}.")
            if t._value.dtype.kind not in "fc":
                continue  # integer targets have no gradient, as in TensorFlow
            if og is None:
                if getattr(t, "_graph_value", None) is not None and t._trace.poly:
                    from ..ops.array_ops import ones_like
                    og = ones_like(t)
                else:
                    og = _wrap(_backend_of(t._value).xp.ones_like(t._value))
            elif not isinstance(og, Tensor):
                from ..ops import array_ops
                og = array_ops.convert_to_tensor(og, dtype=t.dtype)
            _accumulate(grads, id(t), og, add, execute)
        for e in reversed(self._entries):
            dys = [grads.get(id(o)) for o in e.outputs]
            if all(d is None for d in dys):
                continue
            needs = tuple(id(i) in reach for i in e.inputs)
            if not any(needs):
                continue
            if len(dys) > 1 and any(d is None for d in dys):
                dys = [d if d is not None else _zeros_like(o) for d, o in zip(dys, e.outputs)]
            e.needs_grad = needs
            in_grads = e.op.grad(e, *dys)
            if not isinstance(in_grads, (tuple, list)):
                in_grads = (in_grads,)
            if len(in_grads) != len(e.inputs):
                raise InvalidArgumentError(
                    None, e.op.name, f"The gradient rule of {e.op.name} returned "
                    f"{len(in_grads)} gradients for {len(e.inputs)} inputs.")
            for inp, g, need in zip(e.inputs, in_grads, needs):
                if g is None or not need:
                    continue
                if inp._value.dtype.kind not in "fc":
                    continue
                _accumulate(grads, id(inp), g, add, execute)
        out = []
        for s in sources:
            g = grads.get(id(s))
            if g is None and unconnected is UnconnectedGradients.ZERO:
                g = _zeros_like(s)
            out.append(g)
        return out


def _accumulate(grads, key, g, add, execute):
    prev = grads.get(key)
    grads[key] = g if prev is None else execute(add, (prev, g))


def _zeros_like(t):
    if getattr(t, "_graph_value", None) is not None and t._trace.poly:
        from ..ops.array_ops import zeros_like
        return zeros_like(t)
    v = t._value
    return _wrap(_backend_of(v).xp.zeros(v.shape, dtype=v.dtype))


def record_variable_read(variable, tensor):
    """Called by Variable.read_value: lets each active tape record the read."""
    for tape in ctx.tapes:
        tape._record_read(variable, tensor)


def record_alias(source, alias):
    """Records `alias` as the identity of `source` on each tape watching `source` (used for
    `variable[key]`, which returns an assignable view of the slice)."""
    for tape in ctx.tapes:
        if id(source) in tape._watched:
            tape._watched[id(alias)] = alias
            tape._entries.append(TapeEntry(_ReadVariable, (source,), (alias,), None))
