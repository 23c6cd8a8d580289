"""The registry-driven op test harness (in the spirit of PyTorch's OpInfo).

Each op family describes its public functions with `OpSpec`s: how to call the function, a NumPy
reference, input cases (shapes or fixed arrays), and whether gradients are checked. The test
suite (tests/ops/test_op_harness.py) runs every spec forward on several dtypes, checks gradients
numerically in float64, and fails when a registered op is exercised by no forward spec, or a
differentiable op by no gradient check.

Example:
    OpSpec("add", lambda x, y: fg.add(x, y), np.add,
           cases=[Case((2, 3), (2, 3)), Case((2, 3), (3,)), Case((), (0, 4))], grad2=True)
"""

import dataclasses
from typing import Any, Callable, Optional, Sequence

import numpy as np

from ..core.context import ctx
from ..core.tensor import _wrap


@dataclasses.dataclass
class Case:
    """One input set: each arg is a shape tuple (random values of the test dtype, passed through
    the spec's `domain`), a float NumPy array (cast to the test dtype), or any other NumPy array
    (ints, bools: used as is and never differentiated). Keyword arguments go to both `fn` and
    `ref` unchanged."""

    args: tuple
    kwargs: dict

    def __init__(self, *args, **kwargs):
        self.args = args
        self.kwargs = kwargs

    def __repr__(self):
        parts = [str(a) if isinstance(a, tuple) else f"array{list(np.shape(a))}" for a in self.args]
        parts += [f"{k}={v!r}" for k, v in self.kwargs.items()]
        return ",".join(parts)


@dataclasses.dataclass
class OpSpec:
    """How to test one public op function.

    Attributes:
        name: test id, usually the public function's name.
        fn: calls flowgrad: fn(*tensors, **kwargs) -> Tensor or tuple of Tensors.
        ref: NumPy reference: ref(*arrays, **kwargs) -> array or tuple; None with `check`.
        cases: the input sets.
        dtypes: dtypes of the forward sweep for shape-described inputs.
        domain: maps standard-normal samples into the op's domain (e.g. positive for log).
        grad: check first-order gradients (float64) w.r.t. `wrt`.
        grad2: also check second-order gradients (for smooth ops).
        wrt: indices of args to differentiate; default every shape / float-array arg.
        rtol / atol: forward tolerances for float32 (float64 uses 1e-10-scaled ones).
        check: for ops without a reference (random): check(outputs_np, inputs_np) asserts.
        check_dtype: assert that the output dtype equals the reference output's dtype.
    """

    name: str
    fn: Callable
    ref: Optional[Callable] = None
    cases: Sequence[Case] = ()
    dtypes: Sequence[str] = ("float32", "float64")
    domain: Optional[Callable] = None
    grad: bool = True
    grad2: bool = False
    wrt: Optional[Sequence[int]] = None
    rtol: float = 1e-5
    atol: float = 1e-6
    grad_rtol: float = 1e-4
    check: Optional[Callable] = None
    check_dtype: bool = True
    extra: Any = None

    def make_inputs(self, case, dtype, rng):
        arrays = []
        for a in case.args:
            if isinstance(a, tuple):
                x = rng.standard_normal(a)
                if self.domain is not None:
                    x = self.domain(x)
                arrays.append(np.asarray(x, dtype=dtype))
            else:
                a = np.asarray(a)
                arrays.append(a.astype(dtype) if a.dtype.kind == "f" else a.copy())
        return arrays

    def diff_indices(self, case):
        if self.wrt is not None:
            return list(self.wrt)
        return [i for i, a in enumerate(case.args)
                if isinstance(a, tuple) or np.asarray(a).dtype.kind == "f"]

    def call(self, arrays, case):
        return self.fn(*[_wrap(a) for a in arrays], **case.kwargs)


class OpRecorder:
    """Collects the names of all ops dispatched while active (it sits in the tape list)."""

    _watch_accessed_variables = False

    def __init__(self):
        self.names = set()
        self._watched = {}

    def _record(self, op, inputs, outputs, attrs):
        self.names.add(op.name)

    def _record_read(self, variable, tensor):
        pass

    def _watch_variable(self, v):
        pass

    def __enter__(self):
        ctx.tapes.append(self)
        return self

    def __exit__(self, *exc):
        ctx.tapes.remove(self)


def as_list(out):
    return list(out) if isinstance(out, (list, tuple)) else [out]


def assert_forward(spec, case, dtype, rng):
    """Runs the spec forward and compares with the reference (or runs its check)."""
    arrays = spec.make_inputs(case, dtype, rng)
    outs = [o.numpy() if hasattr(o, "numpy") else o for o in as_list(spec.call(arrays, case))]
    if spec.check is not None:
        spec.check(outs, arrays)
        return
    refs = as_list(spec.ref(*[a.copy() for a in arrays], **case.kwargs))
    assert len(outs) == len(refs), f"{spec.name}: {len(outs)} outputs, reference has {len(refs)}"
    for o, r in zip(outs, refs):
        o, r = np.asarray(o), np.asarray(r)
        assert o.shape == r.shape, f"{spec.name}: shape {o.shape} != reference {r.shape}"
        if spec.check_dtype:
            assert o.dtype == r.dtype, f"{spec.name}: dtype {o.dtype} != reference {r.dtype}"
        if o.dtype.kind in "fc":
            tight = np.dtype(dtype) == np.float64
            rtol = spec.rtol * (1e-4 if tight else 1)
            atol = spec.atol * (1e-4 if tight else 1)
            np.testing.assert_allclose(o, r.astype(o.dtype), rtol=rtol, atol=atol,
                                       err_msg=f"{spec.name} {case}")
        else:
            np.testing.assert_array_equal(o, r, err_msg=f"{spec.name} {case}")
