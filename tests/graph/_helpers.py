"""Shared helpers for the graph tests: hand-built graphs, traced graphs, running plans."""

import numpy as np

import flowgrad as tf
from flowgrad.core.registry import REGISTRY
from flowgrad.graph.executor import Plan


def node(g, op, inputs, out_types, **attrs):
    """Appends a registry op node (with its OpDef, as the tracer does); returns its output id
    (or the list of ids for several outputs)."""
    outs = g.add_node(op, inputs, attrs, out_types)
    g.nodes[-1].opdef = REGISTRY[op]
    return outs[0] if len(outs) == 1 else outs


def const(g, value, dtype=None):
    """Appends a Const node holding `value`; returns its value id."""
    arr = np.asarray(value, dtype=dtype)
    (vid,) = g.add_node("Const", [], {"value": arr}, [(arr.dtype.name, arr.shape)])
    return vid


def ops(g):
    """The op names of a graph's nodes, in order."""
    return [n.op for n in g.nodes]


def run(g, *arrays):
    """Compiles `g` and runs it on copies of `arrays` (so in-place plans cannot touch them)."""
    return Plan(g)(*[np.array(a, copy=True) for a in arrays])


def assert_same_numerics(before, after, *arrays, exact=False):
    """Runs both graphs on the same inputs and compares every output."""
    want = run(before, *arrays)
    got = run(after, *arrays)
    assert len(want) == len(got)
    for w, r in zip(want, got):
        assert np.shape(w) == np.shape(r)
        assert np.asarray(w).dtype == np.asarray(r).dtype
        if exact:
            np.testing.assert_array_equal(r, w)
        else:
            np.testing.assert_allclose(r, w, rtol=1e-6, atol=1e-6)


def concrete(fn, *args, **kw):
    """The ConcreteFunction of `tf.function(fn, autograph=False)` for these arguments."""
    return tf.function(fn, autograph=False, **kw).get_concrete_function(*args)


def rand(*shape, dtype=np.float32, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def fd_grad(f, x, eps=1e-6):
    """Central finite-difference gradient of scalar `f` (NumPy float64 in, float out)."""
    x = np.asarray(x, dtype=np.float64)
    g = np.zeros_like(x)
    for i in np.ndindex(*x.shape):
        d = np.zeros_like(x)
        d[i] = eps
        g[i] = (f(x + d) - f(x - d)) / (2 * eps)
    return g
