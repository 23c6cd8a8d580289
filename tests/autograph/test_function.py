"""AutoGraph under `flowgrad.function`: tensor conditions become graph `If` / `While` nodes,
traced once and correct for every input. Skipped until `flowgrad.function` exists."""

import numpy as np
import pytest

import flowgrad as tf

from ._helpers import same

if getattr(tf, "function", None) is None:  # pragma: no cover - until the tracer lands
    pytest.skip("flowgrad.function is not available yet", allow_module_level=True)

C = tf.constant


def _traced(fn, **kw):
    """tf.function(fn) and a list that grows by one per trace."""
    traces = []

    def wrapped(*args):
        traces.append(1)
        return fn(*args)
    wrapped.__name__ = fn.__name__
    return tf.function(wrapped, **kw), traces


def _run(fn, arg_sets, traces_expected=1):
    g, traces = _traced(fn)
    for args in arg_sets:
        expected = fn(*[a.numpy().item() if isinstance(a, tf.Tensor) and a.shape.rank == 0
                        else a for a in args])
        got = g(*args)
        assert same(got, expected), (fn.__name__, args, got, expected)
    assert len(traces) == traces_expected
    return g


def piecewise(x):
    if x > 0:
        y = x * 2.0
    elif x < -1.0:
        y = -x
    else:
        y = x * x
    return y


def test_if_elif_else_traced_once():
    _run(piecewise, [(C(3.0),), (C(-2.0),), (C(-0.5),)])


def loop_sum(n):
    s = 0
    i = 0
    while i < n:
        if i % 2 == 0:
            s += i
        i += 1
    return s


def test_while_loop():
    _run(loop_sum, [(C(5),), (C(0),), (C(10),)])


def range_sum(n):
    total = 0.0
    for i in tf.range(n):
        if i > 6:
            break
        if i % 3 == 0:
            continue
        total += tf.cast(i, tf.float32)
    return total


def test_for_range_break_continue():
    g, traces = _traced(range_sum)
    for n in (0, 4, 20):
        expected = sum(float(i) for i in range(min(n, 7)) if i % 3)
        assert same(g(C(n)), expected)
    assert len(traces) == 1


def first_big(xs, limit):
    for x in xs:
        if x > limit:
            return x
    return -1.0


def test_return_inside_tensor_loop():
    g, traces = _traced(first_big)
    xs = C([1.0, 5.0, 2.0, 9.0])
    assert same(g(xs, C(4.0)), 5.0)
    assert same(g(xs, C(6.0)), 9.0)
    assert same(g(xs, C(10.0)), -1.0)
    assert len(traces) == 1


def early_return(x):
    if x > 0:
        return x * 10.0
    y = x - 1.0
    return y


def test_early_return():
    _run(early_return, [(C(2.0),), (C(-2.0),)])


def logic(x, y):
    if x > 0 and y > 0 or not x < 10.0:
        r = x + y
    else:
        r = x - y
    return r if r > 0 else -r


def test_boolean_operators_and_conditional_expression():
    _run(logic, [(C(1.0), C(2.0)), (C(1.0), C(-2.0)), (C(20.0), C(-30.0)), (C(-5.0), C(1.0))])


def nested(n):
    total = 0
    for i in tf.range(n):
        j = 0
        while j < i:
            total += j
            j += 1
    return total


def test_nested_loops():
    g, traces = _traced(nested)
    for n in (0, 3, 6):
        assert same(g(C(n)), sum(j for i in range(n) for j in range(i)))
    assert len(traces) == 1


def python_flag(x, double):
    if double:
        x = x * 2.0
    for k in [1.0, 2.0]:
        x = x + k
    return x


def test_python_conditions_stay_python_under_trace():
    g, traces = _traced(python_flag)
    assert same(g(C(1.0), True), 5.0)
    assert same(g(C(1.0), False), 4.0)
    assert len(traces) == 2                  # a Python argument is part of the trace key


def test_without_autograph_python_if_on_tensor_fails():
    g = tf.function(piecewise, autograph=False)
    with pytest.raises(tf.autograph.OperatorNotAllowedInGraphError):
        g(C(1.0))


def one_branch(x):
    if x > 0:
        y = x
    return y


def test_errors_under_trace():
    with pytest.raises(tf.autograph.StagingValueError, match="'y' is assigned in the if"):
        tf.function(one_branch)(C(1.0))

    def dtype_change(n):
        s = 0
        for i in tf.range(n):
            s = tf.cast(s, tf.float32) + 1.0
        return s
    with pytest.raises(tf.autograph.StagingTypeError, match="'s' has dtype int32"):
        tf.function(dtype_change)(C(3))


def test_gradient_through_traced_loop():
    def f(x, n):
        y = x
        i = 1
        while i < n:
            y = y * x
            i += 1
        return y
    g = tf.function(f)
    x = C(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = g(x, C(3))
    np.testing.assert_allclose(y.numpy(), 8.0)
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), 12.0)


def test_shape_invariants_under_trace():
    def f(n):
        acc = tf.zeros([0])
        for i in tf.range(n):
            tf.autograph.experimental.set_loop_options(
                shape_invariants=[(acc, tf.TensorShape([None]))])
            acc = tf.concat([acc, tf.reshape(tf.cast(i, tf.float32), [1])], 0)
        return acc
    g = tf.function(f)
    assert g(C(3)).numpy().tolist() == [0.0, 1.0, 2.0]
    assert g(C(1)).numpy().tolist() == [0.0]


def else_defines_return(x):
    if x < 0:
        x = x + 1.0
    else:
        if x > 5.0:
            return x
    return -x


def number_or_tensor(x):
    if x > 0:
        y = 0
    else:
        y = x * 2.0
    return y


def keeps_python_object(x, log):
    note = None
    if x > 0:
        x = x + 1.0
    else:
        log.append(1)
    return x, note


def pair_state(x):
    pair = (x, x * 2.0)
    if x > 0:
        pair = (pair[1], pair[0])
    i = 0
    while i < 3:
        pair = (pair[0] + 1.0, pair[1])
        i += 1
    return pair


def target_after_loop(n):
    for i in tf.range(n):
        pass
    return i


def python_loop_tensor_break(x):
    total = 0.0
    for k in [1.0, 2.0, 3.0, 4.0]:
        if x < k:
            break
        total += k
    return total


def while_true_break(x):
    while True:
        x = x * 2.0
        if x > 100.0:
            break
    return x


def nested_return(n):
    for i in tf.range(n):
        for j in tf.range(n):
            if i * j == 6:
                return i + j
    return -1


@pytest.mark.parametrize("fn, arg_sets", [
    (else_defines_return, [(C(-3.0),), (C(2.0),), (C(7.0),)]),
    (number_or_tensor, [(C(2.0),), (C(-2.0),)]),
    (pair_state, [(C(2.0),), (C(-2.0),)]),
    (python_loop_tensor_break, [(C(2.5),), (C(10.0),), (C(0.0),)]),
    (while_true_break, [(C(3.0),), (C(200.0),)]),
])
def test_graph_merges_match_python(fn, arg_sets):
    _run(fn, arg_sets)


def test_loop_defined_variables_under_trace():
    g, traces = _traced(target_after_loop)
    assert same(g(C(3)), 2) and same(g(C(5)), 4) and len(traces) == 1
    g, traces = _traced(nested_return)
    assert same(g(C(5)), 5) and same(g(C(2)), -1) and len(traces) == 1


def test_python_object_passes_through_graph_if():
    log = []
    g = tf.function(lambda x: keeps_python_object(x, log))
    x, note = g(C(2.0))
    assert same(x, 3.0) and note is None
    assert log == [1]                       # both branches are traced once


def test_branch_type_errors_under_trace():
    def dtypes(x):
        if x > 0:
            y = tf.cast(x, tf.int32)
        else:
            y = tf.cast(x, tf.int64)
        return y

    def none_vs_tensor(x):
        y = None
        if x > 0:
            y = x
        return y
    with pytest.raises(tf.autograph.StagingTypeError,
                       match="'y' has dtype int32 after the if branch but int64"):
        tf.function(dtypes)(C(1.0))
    with pytest.raises(tf.autograph.StagingTypeError, match="'y' is None before the if"):
        tf.function(none_vs_tensor)(C(1.0))
