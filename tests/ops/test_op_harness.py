"""Runs every OpSpec in tests/ops/specs_*.py: forward vs NumPy on each dtype, gradients vs
finite differences in float64, and registry coverage (every registered op is exercised by a
forward spec; every differentiable op by a gradient check)."""

import importlib
import pathlib

import numpy as np
import pytest

from flowgrad.core.registry import REGISTRY
from flowgrad.testing import gradient_check
from flowgrad.testing.op_harness import OpRecorder, assert_forward

_HERE = pathlib.Path(__file__).parent
SPECS = []
for _p in sorted(_HERE.glob("specs_*.py")):
    SPECS.extend(importlib.import_module(f"tests.ops.{_p.stem}").SPECS)

_FORWARD = [(s, i, d) for s in SPECS for i in range(len(s.cases)) for d in s.dtypes]
_GRAD = [(s, i) for s in SPECS if s.grad for i in range(len(s.cases))]
_GRAD2 = [(s, i) for s in SPECS if s.grad2 for i in range(len(s.cases))]


def _id(p):
    return p.name if hasattr(p, "name") else str(p)


def test_spec_names_unique():
    names = [s.name for s in SPECS]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)


@pytest.mark.parametrize("spec,case,dtype", _FORWARD, ids=lambda p: _id(p))
def test_forward(spec, case, dtype):
    assert_forward(spec, spec.cases[case], dtype, np.random.default_rng(case))


def _nonempty(spec, case):
    arrays = spec.make_inputs(spec.cases[case], "float64", np.random.default_rng(7))
    wrt = [i for i in spec.diff_indices(spec.cases[case]) if arrays[i].size]
    return arrays, wrt


@pytest.mark.parametrize("spec,case", _GRAD, ids=lambda p: _id(p))
def test_gradient(spec, case):
    arrays, wrt = _nonempty(spec, case)
    if not wrt:
        pytest.skip("no non-empty differentiable input in this case")
    fn = lambda *ts: spec.fn(*ts, **spec.cases[case].kwargs)  # noqa: E731
    gradient_check.check_gradient(fn, arrays, wrt, np.random.default_rng(case),
                                  rtol=spec.grad_rtol)


@pytest.mark.parametrize("spec,case", _GRAD2, ids=lambda p: _id(p))
def test_second_order_gradient(spec, case):
    arrays, wrt = _nonempty(spec, case)
    if not wrt:
        pytest.skip("no non-empty differentiable input in this case")
    fn = lambda *ts: spec.fn(*ts, **spec.cases[case].kwargs)  # noqa: E731
    gradient_check.check_second_order(fn, arrays, wrt, np.random.default_rng(case))


def test_every_registered_op_is_covered():
    forward, grads = set(), set()
    for spec in SPECS:
        for i, case in enumerate(spec.cases):
            with OpRecorder() as rec:
                try:
                    spec.call(spec.make_inputs(case, spec.dtypes[0], np.random.default_rng(0)),
                              case)
                except Exception:  # failures are reported by test_forward
                    pass
            forward |= rec.names
            if spec.grad:
                arrays, wrt = _nonempty(spec, i)
                if wrt:
                    fn = lambda *ts: spec.fn(*ts, **case.kwargs)  # noqa: E731
                    try:
                        grads |= gradient_check.check_gradient(
                            fn, arrays, wrt, np.random.default_rng(0), rtol=1e9, atol=1e9)
                    except Exception:  # failures are reported by test_gradient
                        pass
    missing_fwd = sorted(set(REGISTRY) - forward)
    missing_grad = sorted(n for n, op in REGISTRY.items() if op.differentiable and n not in grads)
    assert not missing_fwd, f"registered ops with no forward spec: {missing_fwd}"
    assert not missing_grad, f"differentiable ops with no gradient check: {missing_grad}"
