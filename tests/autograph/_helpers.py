"""Shared helpers for the AutoGraph tests."""

import numpy as np

import flowgrad as tf


def value(x):
    """A comparable plain value: tensors become NumPy values, structures are mapped."""
    if isinstance(x, (list, tuple)):
        return type(x)(value(v) for v in x)
    if isinstance(x, dict):
        return {k: value(v) for k, v in x.items()}
    if isinstance(x, tf.Tensor) or hasattr(x, "_is_variable"):
        v = x.numpy()
        return v.tolist() if isinstance(v, np.ndarray) else v.item()
    return x


def same(a, b):
    """Whether two results agree (tensors by value, with float tolerance)."""
    va, vb = value(a), value(b)
    if isinstance(va, (list, tuple)) and isinstance(vb, (list, tuple)):
        return len(va) == len(vb) and all(same(x, y) for x, y in zip(va, vb))
    if isinstance(va, float) or isinstance(vb, float):
        return bool(np.isclose(va, vb, rtol=1e-5, atol=1e-6))
    return va == vb


def check(fn, *arg_sets):
    """Runs `fn` as Python (on plain values) and converted (on tensors and on plain values)
    for each argument tuple, and asserts the results agree."""
    conv = tf.autograph.convert(fn)
    for args in arg_sets:
        expected = fn(*[value(a) for a in args])
        got_py = conv(*[value(a) for a in args])
        assert same(got_py, expected), (fn.__name__, args, got_py, expected)
        got_tf = conv(*args)
        assert same(got_tf, expected), (fn.__name__, args, got_tf, expected)
    return conv
