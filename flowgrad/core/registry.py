"""The op registry: one `OpDef` per primitive op, next to the op's public function.

An entry holds the op's name, its kernel (written once against an array namespace `xp`), the
dtype kinds it accepts, and its gradient rule, or an explicit `differentiable=False`. The op
test harness (`flowgrad.testing.op_harness`) enumerates this registry, so an op registered
without tests or without a gradient decision fails the suite.
"""

import functools

from ..errors import InvalidArgumentError

REGISTRY = {}

FLOAT_KINDS = "fc"      # floating and complex
REAL_FLOAT_KINDS = "f"
REAL_KINDS = "iuf"
NUMERIC_KINDS = "iufc"
INT_KINDS = "iu"
ALL_KINDS = None        # no restriction


class OpDef:
    """One primitive op.

    Args:
        name: TensorFlow's op name ("AddV2", "MatMul", ...), unique in the registry.
        kernel: `kernel(xp, *arrays, **attrs)` returning an array, or a tuple of arrays when
            `num_outputs != 1`.
        grad: `grad(op, *output_grads)` returning one input gradient per input (None where
            there is none), written with flowgrad ops so outer tapes record it. `op` is the
            recorded `TapeEntry` (inputs, outputs, attrs, needs_grad).
        differentiable: False marks the op as having no gradient (integer outputs, sampling).
        num_outputs: 1, a fixed count, or -1 for a count decided by the attrs.
        kinds: the NumPy dtype kinds the inputs may have ("f", "iufc", ...), or None for any.
        kind_inputs: how many leading inputs the `kinds` check applies to (None: all).
        stateful: the op has effects or draws randomness, so a traced graph keeps every call
            (never constant-folded, merged or dropped).
    """

    __slots__ = ("name", "kernel", "grad", "differentiable", "num_outputs", "kinds",
                 "kind_inputs", "stateful", "_bound", "cpu")

    def __init__(self, name, kernel, grad=None, differentiable=True, num_outputs=1,
                 kinds=ALL_KINDS, kind_inputs=None, stateful=False):
        if differentiable and grad is None:
            raise ValueError(f"Op {name} needs a gradient rule or differentiable=False.")
        self.name = name
        self.kernel = kernel
        self.grad = grad
        self.differentiable = differentiable
        self.num_outputs = num_outputs
        self.kinds = kinds
        self.kind_inputs = kind_inputs
        self.stateful = stateful
        self._bound = {}
        from ..backend import NUMPY
        self.cpu = self.kernel_for(NUMPY)

    def kernel_for(self, backend):
        """The kernel bound to a backend's array namespace (cached)."""
        k = self._bound.get(backend)
        if k is None:
            k = self._bound[backend] = functools.partial(self.kernel, backend.xp)
        return k

    def __repr__(self):
        return f"<OpDef {self.name}>"


def register_op(name, kernel, grad=None, **kwargs):
    """Registers and returns an OpDef; raises if the name is taken."""
    if name in REGISTRY:
        raise ValueError(f"Op {name} is already registered.")
    op = OpDef(name, kernel, grad, **kwargs)
    REGISTRY[name] = op
    return op


def dtype_error(op, index, array):
    from ..dtypes import from_numpy
    names = {"f": "floating-point", "fc": "floating-point or complex", "iufc": "numeric",
             "iu": "integer", "b": "bool", "iuf": "real numeric", "iufcb": "numeric or bool",
             "c": "complex"}
    want = names.get(op.kinds, f"kinds {op.kinds!r}")
    got = from_numpy(array.dtype).name
    return InvalidArgumentError(
        None, op.name,
        f"{op.name} expects {want} inputs, but input #{index} (zero-based) has dtype {got}. "
        f"Cast it first, e.g. flowgrad.cast(x, flowgrad.float32). [Op:{op.name}]")
