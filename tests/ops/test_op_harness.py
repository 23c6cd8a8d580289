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


# -- the same ops through flowgrad.function: graph execution gives eager's numbers -------------------
_DETERMINISTIC = [(s, i) for s in SPECS if s.check is None for i in range(len(s.cases))]


def _function_of(spec, case, **fn_kwargs):
    import flowgrad
    kwargs = spec.cases[case].kwargs
    return flowgrad.function(lambda *ts: spec.fn(*ts, **kwargs), **fn_kwargs)


def _assert_same(eager, graph, what):
    eager, graph = as_list_np(eager), as_list_np(graph)
    assert len(eager) == len(graph), what
    for e, g in zip(eager, graph):
        assert e.shape == g.shape and e.dtype == g.dtype, f"{what}: {e.shape}/{e.dtype} vs " \
            f"{g.shape}/{g.dtype}"
        np.testing.assert_allclose(g, e, rtol=1e-6, atol=1e-12, equal_nan=True, err_msg=what)


def as_list_np(out):
    return [np.asarray(o.numpy() if hasattr(o, "numpy") else o)
            for o in (out if isinstance(out, (list, tuple)) else [out])]


@pytest.mark.parametrize("spec,case", _DETERMINISTIC, ids=lambda p: _id(p))
def test_function_matches_eager(spec, case):
    """Every op spec run inside flowgrad.function (traced, optimized, compiled) gives exactly the
    eager result; the second call runs the cached plan."""
    arrays = spec.make_inputs(spec.cases[case], spec.dtypes[0], np.random.default_rng(case))
    eager = spec.call(arrays, spec.cases[case])
    f = _function_of(spec, case)
    from flowgrad.core.tensor import _wrap
    first = f(*[_wrap(a) for a in arrays])
    second = f(*[_wrap(a) for a in arrays])
    _assert_same(eager, first, f"{spec.name} {spec.cases[case]} (first call)")
    _assert_same(eager, second, f"{spec.name} {spec.cases[case]} (cached plan)")
    assert f.experimental_get_tracing_count() == 1


@pytest.mark.parametrize("spec,case", _GRAD, ids=lambda p: _id(p))
def test_function_gradient_matches_eager(spec, case):
    """A GradientTape inside flowgrad.function builds the backward pass as graph nodes; its
    gradients equal the eager tape's."""
    import flowgrad
    from flowgrad.core.tensor import _wrap
    arrays, wrt = _nonempty(spec, case)
    if not wrt:
        pytest.skip("no non-empty differentiable input in this case")
    kwargs = spec.cases[case].kwargs

    def grads(*ts):
        with flowgrad.GradientTape() as tape:
            for i in wrt:
                tape.watch(ts[i])
            out = spec.fn(*ts, **kwargs)
            total = flowgrad.add_n([flowgrad.reduce_sum(o * o) for o in
                                    (out if isinstance(out, (list, tuple)) else [out])
                                    if o.dtype.is_floating])
        return tape.gradient(total, [ts[i] for i in wrt])
    tensors = [_wrap(a) for a in arrays]
    eager = grads(*tensors)
    graph = flowgrad.function(grads)(*tensors)
    _assert_same([e for e in eager if e is not None], [g for g in graph if g is not None],
                 f"{spec.name} {spec.cases[case]} gradient")


@pytest.mark.parametrize("spec,case", _DETERMINISTIC, ids=lambda p: _id(p))
def test_function_with_unknown_dims_matches_eager(spec, case):
    """Traced with every dimension unknown (input_signature of None dims), each op still gives
    eager's result; when the graph cannot serve other sizes, the probe makes calls retrace."""
    import flowgrad
    from flowgrad.core.tensor import _wrap
    arrays = spec.make_inputs(spec.cases[case], spec.dtypes[0], np.random.default_rng(case))
    sig = [flowgrad.TensorSpec([None] * a.ndim, flowgrad.as_dtype(a.dtype.name)) for a in arrays]
    f = _function_of(spec, case, input_signature=sig)
    eager = spec.call(arrays, spec.cases[case])
    _assert_same(eager, f(*[_wrap(a) for a in arrays]), f"{spec.name} {spec.cases[case]}")
