"""`execute`: the one function every op goes through.

It runs the op's kernel on the inputs' arrays, wraps the results as Tensors, and lets each active
GradientTape record the call. Tapes (and, later, the graph tracer) observe this function; they are
not threaded through the ops.
"""

from ..backend import NUMPY
from ..errors import InvalidArgumentError, shape_str
from .context import ctx
from .registry import dtype_error
from .tensor import Tensor, _wrap

_TensorNew = Tensor.__new__


def execute(op, inputs, attrs=None):
    """Runs `op` on `inputs` (a tuple of Tensors) with keyword `attrs`.

    Returns a Tensor, or a tuple of Tensors for multi-output ops. While a `flowgrad.function`
    is being traced, the active trace decides (a graph node, or eager for constants).

    Raises:
        InvalidArgumentError: the inputs' dtypes or shapes do not fit the op; the message names
            the op and the received shapes and dtypes.
    """
    g = ctx.graph
    if g is not None:
        return g.execute(op, inputs, attrs)
    return eager_execute(op, inputs, attrs)


def eager_execute(op, inputs, attrs=None, record=True):
    """Runs the op's kernel now (the eager path of `execute`)."""
    c = ctx
    arrays = [t._value for t in inputs]
    try:
        if op.kinds is not None:
            for i, a in enumerate(arrays if op.kind_inputs is None else arrays[:op.kind_inputs]):
                if a.dtype.kind not in op.kinds:
                    raise dtype_error(op, i, a)
        kernel = op.cpu if c.backend is NUMPY else op.kernel_for(c.backend)
        out = kernel(*arrays, **attrs) if attrs else kernel(*arrays)
    except (ValueError, TypeError, IndexError, AttributeError) as e:
        raise _kernel_error(op, inputs, attrs, e) from None
    if op.num_outputs == 1:
        result = _TensorNew(Tensor)
        result._value = out
        outputs = (result,)
    else:
        outputs = result = tuple([_wrap(o) for o in out])
    if record and c.tapes:
        for tape in c.tapes:
            tape._record(op, inputs, outputs, attrs)
    return result


def _kernel_error(op, inputs, attrs, exc):
    if isinstance(exc, InvalidArgumentError):
        return exc
    for t in inputs:
        if t._value is None:  # a symbolic tensor whose trace has ended
            from ..graph.tracer import _leak_error
            return _leak_error(t)
    if isinstance(exc, AttributeError):
        raise exc
    shapes = ", ".join(shape_str(t._value.shape) for t in inputs)
    dts = ", ".join(t.dtype.name for t in inputs)
    detail = str(exc).split("\n")[0]
    if "broadcast" in detail:
        what = "Incompatible shapes: " + " vs. ".join(shape_str(t._value.shape) for t in inputs)
        hint = "Inputs must be broadcast-compatible: each dimension equal or 1."
    else:
        what, hint = detail, "Check the shapes, dtypes and attributes passed to the op."
    at = f" with {attrs}" if attrs else ""
    return InvalidArgumentError(
        None, op.name, f"{what} [Op:{op.name}] (inputs of shapes {shapes} and dtypes {dts}{at}). "
        f"{hint}")
