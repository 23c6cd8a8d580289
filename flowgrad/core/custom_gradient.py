"""`tf.custom_gradient`: a function whose gradient the user defines."""

import functools
import inspect

from .. import nest
from .context import ctx
from .tape import GradientTape
from .tensor import Tensor


class _CustomGradientOp:
    """A pseudo-op recorded for one call of a custom-gradient function."""

    __slots__ = ("name", "grad_fn", "n_inputs", "variables")
    differentiable = True

    def __init__(self, name, grad_fn, n_inputs, variables):
        self.name = name
        self.grad_fn = grad_fn
        self.n_inputs = n_inputs
        self.variables = variables

    def grad(self, entry, *dys):
        dy = dys[0] if len(dys) == 1 else list(dys)
        if self.variables:
            in_grads, var_grads = self.grad_fn(dy, variables=list(self.variables))
            var_grads = list(var_grads)
        else:
            in_grads, var_grads = self.grad_fn(dy), []
        in_grads = list(in_grads) if isinstance(in_grads, (list, tuple)) else [in_grads]
        if len(in_grads) != self.n_inputs:
            raise ValueError(f"The custom gradient of {self.name} returned {len(in_grads)} "
                             f"gradients for {self.n_inputs} tensor inputs.")
        return tuple(in_grads) + tuple(var_grads)


def custom_gradient(f=None):
    """Decorates `f(*x) -> (y, grad_fn)` so that gradients of y use `grad_fn(dy)`.

    `grad_fn` returns one gradient per tensor argument. If `f` reads Variables, `grad_fn` must
    accept `variables=` and return `(input_grads, variable_grads)`, as in TensorFlow.

    Example:
        >>> import flowgrad as tf
        >>> @tf.custom_gradient
        ... def clip_grad(x):
        ...     return tf.identity(x), lambda dy: tf.clip_by_value(dy, -1., 1.)
        >>> x = tf.constant(2.)
        >>> with tf.GradientTape() as t:
        ...     t.watch(x); y = clip_grad(x) * 10.
        >>> float(t.gradient(y, x))
        1.0
    """
    if f is None:
        return custom_gradient

    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        tensors = [a for a in nest.flatten(list(args)) if isinstance(a, Tensor)]
        outer = list(ctx.tapes)
        recorder = GradientTape(persistent=False, watch_accessed_variables=True)
        ctx.tapes[:] = []
        try:
            with recorder:
                y, grad_fn = f(*args, **kwargs)
        finally:
            ctx.tapes[:] = outer
        variables = recorder.watched_variables()
        if variables and "variables" not in inspect.signature(grad_fn).parameters:
            raise TypeError(f"@custom_gradient function {f.__name__} reads variables "
                            f"{[v.name for v in variables]}, so its grad_fn must accept a "
                            "`variables` keyword argument and return (input_grads, var_grads).")
        if outer:
            op = _CustomGradientOp(getattr(f, "__name__", "custom_gradient"), grad_fn,
                                   len(tensors), variables)
            outs = tuple(t for t in nest.flatten(y) if isinstance(t, Tensor))
            inputs = tuple(tensors) + tuple(variables)
            for tape in outer:
                for v in variables:
                    if tape._watch_accessed_variables and v.trainable:
                        tape._watch_variable(v)
                tape._record(op, inputs, outs, None)
        return y

    return wrapper
