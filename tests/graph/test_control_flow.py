"""Control flow inside `flowgrad.function`: cond / case / switch_case / while_loop / map_fn / scan /
foldl / foldr become graph If / While nodes that give the eager values for every input (traced
once), gradients through them match eager tapes and finite differences, and misuse gives clear
errors."""

import numpy as np
import pytest

import flowgrad as tf
from flowgrad.errors import InvalidArgumentError

from ._helpers import fd_grad, ops

pytestmark = [pytest.mark.filterwarnings("ignore:AutoGraph could not convert"),
              pytest.mark.filterwarnings("ignore::flowgrad.graph.function.RetracingWarning")]
S = tf.TensorSpec


def fn(f, **kw):
    return tf.function(f, autograph=False, **kw)


def _np(x):
    if isinstance(x, (list, tuple)):
        return type(x)(_np(e) for e in x)
    if isinstance(x, dict):
        return {k: _np(v) for k, v in x.items()}
    return x.numpy() if hasattr(x, "numpy") else x


def assert_same(got, want):
    """Same structure (types, keys, lengths) and values, dtypes and shapes."""
    got, want = _np(got), _np(want)
    assert type(got) is type(want)
    if isinstance(want, (list, tuple)):
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert_same(g, w)
    elif isinstance(want, dict):
        assert set(got) == set(want)
        for k in want:
            assert_same(got[k], want[k])
    else:
        assert np.shape(got) == np.shape(want)
        assert np.asarray(got).dtype == np.asarray(want).dtype
        np.testing.assert_allclose(got, want, rtol=1e-6)


# -- cond / case / switch_case ---------------------------------------------------------------------
def _piecewise(x):
    return tf.cond(x > 0, lambda: (x * 2.0, {"sq": x * x}), lambda: (-x, {"sq": x + 1.0}))


def test_cond_in_graph_matches_eager_and_traces_once():
    f = fn(_piecewise)
    for v in (3.0, -2.0, 0.0, 0.5):
        x = tf.constant(v)
        assert_same(f(x), _piecewise(x))
    assert f.experimental_get_tracing_count() == 1
    g = f.get_concrete_function(tf.constant(1.0)).graph
    assert ops(g) == ["Const", "Greater", "If"]
    if_node = g.nodes[-1]
    assert ops(if_node.attrs["then_graph"]) == ["Const", "Mul", "Mul"]
    assert ops(if_node.attrs["else_graph"]) == ["Neg", "Const", "AddV2"]


def test_cond_with_python_bool_is_resolved_at_trace_time():
    f = fn(lambda x, flag: tf.cond(flag, lambda: x * 2.0, lambda: -x))
    assert float(f(tf.constant(3.0), True)) == 6.0
    assert float(f(tf.constant(3.0), False)) == -3.0
    assert ops(f.get_concrete_function(tf.constant(1.0), True).graph) == ["Const", "Mul"]


def test_cond_capturing_outer_tensors_and_variables():
    v = tf.Variable(10.0)

    def f(x, y):
        z = x * y
        return tf.cond(x > y, lambda: z + v, lambda: z - y)
    g = fn(f)
    for a, b in ((3.0, 1.0), (1.0, 3.0)):
        assert_same(g(tf.constant(a), tf.constant(b)), f(tf.constant(a), tf.constant(b)))
    v.assign(20.0)
    assert float(g(tf.constant(3.0), tf.constant(1.0))) == 23.0


def test_cond_branches_with_different_static_shapes():
    f = fn(lambda x: tf.cond(x > 0, lambda: tf.ones([2]) * x, lambda: tf.ones([3]) * -x))
    np.testing.assert_array_equal(f(tf.constant(1.5)).numpy(), [1.5, 1.5])
    np.testing.assert_array_equal(f(tf.constant(-1.0)).numpy(), [1.0, 1.0, 1.0])
    assert f.experimental_get_tracing_count() == 1


def test_cond_branches_with_different_static_shapes_in_graph():
    f = fn(lambda x: tf.cond(x > 0, lambda: tf.ones([2]) * x, lambda: tf.ones([3]) * -x))
    c = f.get_concrete_function(tf.constant(1.0))
    assert c.graph.values[c.graph.outputs[0]].shape == (None,)
    assert c.structured_outputs.shape.as_list() == [None]


def test_passes_after_cond_with_run_time_shapes():
    def f(p, q):
        a = tf.cond(p, lambda: tf.ones([1]), lambda: tf.ones([3]))
        b = tf.cond(q, lambda: tf.ones([3]) * 2.0, lambda: tf.ones([1]) * 2.0)
        return tf.exp(a) + b
    g = fn(f)
    t, u = tf.constant(True), tf.constant(False)
    np.testing.assert_allclose(g(t, u).numpy(), f(t, u).numpy())   # traced: shapes (1,), (1,)
    np.testing.assert_allclose(g(t, t).numpy(), f(t, t).numpy())   # (1,) + (3,)


def _case(x):
    return tf.case([(x < 0, lambda: -x), (x < 10, lambda: x * 2.0)], default=lambda: x + 100.0)


def test_case_in_graph():
    f = fn(_case)
    for v in (-3.0, 4.0, 20.0):
        assert_same(f(tf.constant(v)), _case(tf.constant(v)))
    assert [float(f(tf.constant(v))) for v in (-3.0, 4.0, 20.0)] == [3.0, 8.0, 120.0]
    assert f.experimental_get_tracing_count() == 1
    assert ops(f.get_concrete_function(tf.constant(1.0)).graph).count("If") == 1


def _switch(i, x):
    return tf.switch_case(i, [lambda: x * 10.0, lambda: x * 20.0, lambda: x * 30.0])


def _switch_default(i, x):
    return tf.switch_case(i, {0: lambda: x + 1.0, 1: lambda: x + 2.0}, default=lambda: -x)


def test_switch_case_in_graph_including_out_of_range():
    f, g = fn(_switch), fn(_switch_default)
    x = tf.constant(1.5)
    for i in (0, 1, 2, 5, -1):
        idx = tf.constant(i)
        assert_same(f(idx, x), _switch(idx, x))
        assert_same(g(idx, x), _switch_default(idx, x))
    assert [float(f(tf.constant(i), x)) for i in (0, 1, 2, 5, -1)] == [15, 30, 45, 45, 45]
    assert [float(g(tf.constant(i), x)) for i in (0, 1, 7)] == [2.5, 3.5, -1.5]
    assert f.experimental_get_tracing_count() == g.experimental_get_tracing_count() == 1


# -- while_loop ------------------------------------------------------------------------------------
def _triangle(n):
    return tf.while_loop(lambda i, s: i < n, lambda i, s: (i + 1, s + tf.cast(i, tf.float32)),
                         (tf.constant(0), tf.constant(0.0)))


def test_while_loop_in_graph_matches_eager():
    f = fn(_triangle)
    for n in (0, 1, 4, 10):
        got = f(tf.constant(n))
        assert isinstance(got, tuple)
        assert_same(got, _triangle(tf.constant(n)))
        assert float(got[1]) == n * (n - 1) / 2
    assert f.experimental_get_tracing_count() == 1
    assert "While" in ops(f.get_concrete_function(tf.constant(1)).graph)


def test_while_loop_single_variable_and_list_structure():
    f = fn(lambda x: tf.while_loop(lambda v: v < 100.0, lambda v: v * 3.0, x))
    assert float(f(tf.constant(2.0))) == 162.0
    g = fn(lambda x: tf.while_loop(lambda a, b: a < 5, lambda a, b: [a + 1, b * 2], [x, x]))
    r = g(tf.constant(1))
    assert isinstance(r, list) and [int(t) for t in r] == [5, 16]


def test_while_loop_maximum_iterations():
    def f(n):
        return tf.while_loop(lambda i: i < n, lambda i: i + 1, [tf.constant(0)],
                             maximum_iterations=5)
    g = fn(f)
    for n in (3, 5, 10):
        assert_same(g(tf.constant(n)), f(tf.constant(n)))
        assert int(g(tf.constant(n))[0]) == min(n, 5)
    h = fn(lambda n, m: tf.while_loop(lambda i: i < n, lambda i: i + 1, [tf.constant(0)],
                                      maximum_iterations=m))
    assert [int(h(tf.constant(10), tf.constant(m))[0]) for m in (0, 2, 7)] == [0, 2, 7]
    assert h.experimental_get_tracing_count() == 1


def _grow(n):
    return tf.while_loop(
        lambda i, v: i < n,
        lambda i, v: (i + 1, tf.concat([v, tf.reshape(tf.cast(i, tf.float32), [1])], 0)),
        (tf.constant(0), tf.zeros([0])),
        shape_invariants=(tf.TensorShape([]), tf.TensorShape([None])))


def test_while_loop_shape_invariants():
    f = fn(_grow)
    for n in (0, 3, 5):
        got = f(tf.constant(n))
        assert_same(got, _grow(tf.constant(n)))
        np.testing.assert_array_equal(got[1].numpy(), np.arange(n, dtype=np.float32))
    assert f.experimental_get_tracing_count() == 1


def test_while_loop_shape_invariants_in_structured_outputs():
    c = fn(_grow).get_concrete_function(tf.constant(1))
    assert c.structured_outputs[1].shape.as_list() == [None]


def test_while_loop_capturing_and_assigning_a_variable():
    v = tf.Variable(0.0)
    x = tf.constant(2.0)

    def f(n):
        def body(i):
            v.assign_add(x)
            return i + 1
        tf.while_loop(lambda i: i < n, body, [tf.constant(0)])
        return tf.constant(0.0)
    g = fn(f)
    g(tf.constant(3))
    assert float(v.numpy()) == 6.0
    g(tf.constant(2))
    assert float(v.numpy()) == 10.0


# -- map_fn / scan / foldl / foldr -----------------------------------------------------------------
XS = np.array([1.5, -2.0, 3.0, 0.5, 2.0], np.float32)
CUMULATIVE = {
    "map_fn": (lambda x: tf.map_fn(lambda v: v * v + 1.0, x), XS * XS + 1),
    "map_fn tuple": (lambda x: tf.map_fn(lambda v: (v[0] + v[1], v[1] * 2.0), (x, x)), None),
    "scan": (lambda x: tf.scan(lambda a, v: a + v, x), np.cumsum(XS)),
    "scan init reverse": (lambda x: tf.scan(lambda a, v: a * v, x, initializer=tf.constant(2.0),
                                            reverse=True),
                          2 * np.cumprod(XS[::-1])[::-1]),
    "foldl": (lambda x: tf.foldl(lambda a, v: a - v, x), XS[0] - XS[1:].sum()),
    "foldl init": (lambda x: tf.foldl(lambda a, v: a * 2.0 + v, x, initializer=tf.constant(1.0)),
                   None),
    "foldr": (lambda x: tf.foldr(lambda a, v: a * 2.0 + v, x), None),
    "foldr init": (lambda x: tf.foldr(lambda a, v: a - v, x, initializer=tf.constant(0.0)),
                   -XS.sum()),
}


@pytest.mark.parametrize("unknown_length", [False, True], ids=["static", "unknown-length"])
@pytest.mark.parametrize("name", sorted(CUMULATIVE))
def test_cumulative_ops_in_graph(name, unknown_length):
    f, want = CUMULATIVE[name]
    sig = [S([None])] if unknown_length else None
    g = fn(f, input_signature=sig)
    x = tf.constant(XS)
    eager = f(x)
    got = g(x)
    assert_same(got, eager)
    if want is not None:
        np.testing.assert_allclose(_np(got), want, rtol=1e-6)
    graph_ops = ops(g.get_concrete_function(*([] if unknown_length else [x])).graph)
    assert ("While" in graph_ops) == unknown_length   # static length: unrolled at trace time
    if unknown_length:   # other lengths without retracing
        for n in (1, 3):
            assert_same(g(tf.constant(XS[:n])), f(tf.constant(XS[:n])))
        assert g.experimental_get_tracing_count() == 1


# -- gradients -------------------------------------------------------------------------------------
def _loss_cond(x):
    return tf.cond(tf.reduce_sum(x) > 0.0, lambda: tf.reduce_sum(tf.sin(x) * x),
                   lambda: tf.reduce_sum(tf.exp(x)))


def _loss_while(x):
    _, a = tf.while_loop(lambda i, a: i < 4, lambda i, a: (i + 1, tf.tanh(a * x + 0.5)),
                         (tf.constant(0), tf.ones_like(x)))
    return tf.reduce_sum(a * a)


def _loss_cond_in_while(x):
    def body(i, a):
        return i + 1, tf.cond(tf.reduce_sum(a) > 1.0, lambda: a * x, lambda: a + x * x)
    _, a = tf.while_loop(lambda i, a: i < 3, body, (tf.constant(0), tf.ones_like(x)))
    return tf.reduce_sum(a)


def _loss_while_in_cond(x):
    def loop():
        _, a = tf.while_loop(lambda i, a: i < 3, lambda i, a: (i + 1, a * x),
                             (tf.constant(0), tf.ones_like(x)))
        return tf.reduce_sum(a)
    return tf.cond(tf.reduce_sum(x) > 0.0, loop, lambda: tf.reduce_sum(x * x))


def _grad_of(loss):
    def g(x):
        with tf.GradientTape() as t:
            t.watch(x)
            y = loss(x)
        return t.gradient(y, x)
    return g


POINTS = [np.array([0.3, -0.2, 0.8]), np.array([-0.9, -0.2, 0.1])]
LOSSES = {
    "cond": _loss_cond,
    "while": _loss_while,
    "while in cond": _loss_while_in_cond,
    "cond in while": _loss_cond_in_while,
}


@pytest.mark.parametrize("loss", [v for _, v in sorted(LOSSES.items())], ids=sorted(LOSSES))
def test_gradient_inside_function_vs_eager_vs_finite_differences(loss):
    gfn = fn(_grad_of(loss))
    for x0 in POINTS:
        eager = _grad_of(loss)(tf.constant(x0)).numpy()
        numeric = fd_grad(lambda a: float(loss(tf.constant(a))), x0)
        np.testing.assert_allclose(eager, numeric, rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(fn(loss)(tf.constant(x0)).numpy(),
                                   loss(tf.constant(x0)).numpy(), rtol=1e-12)
        np.testing.assert_allclose(gfn(tf.constant(x0)).numpy(), eager, rtol=1e-10, atol=1e-12)
    assert gfn.experimental_get_tracing_count() == 1


@pytest.mark.parametrize("loss", [_loss_cond, _loss_while, _loss_cond_in_while,
                                  _loss_while_in_cond],
                         ids=["cond", "while", "cond in while", "while in cond"])
def test_gradient_from_outer_tape_vs_finite_differences(loss):
    f = fn(loss)
    for x0 in POINTS:
        x = tf.constant(x0)
        with tf.GradientTape() as t:
            t.watch(x)
            y = f(x)
        numeric = fd_grad(lambda a: float(loss(tf.constant(a))), x0)
        np.testing.assert_allclose(t.gradient(y, x).numpy(), numeric, rtol=1e-6, atol=1e-8)


def _late_cond(x):
    a = x * 2.0
    a = tf.cond(a > 0, lambda: a * a, lambda: -a)   # the lambdas read `a` when called
    return a


def _late_while(x):
    w = x * 2.0
    _, a = tf.while_loop(lambda i, a: i < 2, lambda i, a: (i + 1, a * w),
                         (tf.constant(0), tf.constant(1.0, tf.float64)))
    w = x * 100.0   # rebinding the name the body closes over
    return a


def _late_cond_in_while(x):
    def body(i, a):
        a = tf.cond(a > 100.0, lambda: a * x, lambda: a * x)
        return i + 1, a
    _, a = tf.while_loop(lambda i, a: i < 2, body, (tf.constant(0), tf.constant(1.0, tf.float64)))
    return a


@pytest.mark.parametrize("loss", [_late_cond, _late_while, _late_cond_in_while],
                         ids=["cond", "while", "cond in while"])
def test_gradient_with_late_binding_closures_inside_function(loss):
    x = tf.constant(1.5, tf.float64)
    eager = float(_grad_of(loss)(x))
    assert eager == pytest.approx({"_late_cond": 12.0, "_late_while": 12.0,
                                   "_late_cond_in_while": 3.0}[loss.__name__])
    assert float(fn(_grad_of(loss))(x)) == pytest.approx(eager)


def test_gradient_with_late_binding_closures_from_outer_tape():
    for loss in (_late_cond, _late_while, _late_cond_in_while):
        x = tf.constant(1.5, tf.float64)
        with tf.GradientTape() as t:
            t.watch(x)
            y = fn(loss)(x)
        assert float(t.gradient(y, x)) == pytest.approx(float(_grad_of(loss)(x)))


def test_gradient_wrt_variable_used_in_while_body():
    v = tf.Variable(0.7, dtype=tf.float64)

    def loss(x):
        _, a = tf.while_loop(lambda i, a: i < 3, lambda i, a: (i + 1, a * v + x),
                             (tf.constant(0), x))
        return a

    @tf.function
    def grads(x):
        with tf.GradientTape() as t:
            t.watch(x)
            y = loss(x)
        return t.gradient(y, [v, x])
    x = tf.constant(2.0, tf.float64)
    with tf.GradientTape() as t:
        t.watch(x)
        y = loss(x)
    want = [g.numpy() for g in t.gradient(y, [v, x])]
    # a3 = x v^3 + x v^2 + x v + x: d/dv = x (3v^2 + 2v + 1), d/dx = v^3 + v^2 + v + 1
    np.testing.assert_allclose(want, [2 * (3 * .49 + 1.4 + 1), .343 + .49 + .7 + 1], rtol=1e-12)
    np.testing.assert_allclose([g.numpy() for g in grads(x)], want, rtol=1e-12)


def test_second_order_through_cond_inside_function():
    @tf.function
    def d2(x):
        with tf.GradientTape() as t2:
            t2.watch(x)
            with tf.GradientTape() as t1:
                t1.watch(x)
                y = tf.cond(x > 0, lambda: x ** 3, lambda: tf.sin(x))
            g = t1.gradient(y, x)
        return t2.gradient(g, x)
    assert float(d2(tf.constant(2.0, tf.float64))) == pytest.approx(12.0)
    assert float(d2(tf.constant(-1.0, tf.float64))) == pytest.approx(-np.sin(-1.0))
    assert d2.experimental_get_tracing_count() == 1


def test_gradient_check_helper_through_traced_cond_and_while():
    from flowgrad.testing.gradient_check import check_gradient
    rng = np.random.default_rng(0)
    for loss in (_loss_cond, _loss_while, _loss_while_in_cond):
        recorded = check_gradient(fn(loss), [POINTS[0]], [0], rng)
        assert recorded   # the replay of the traced graph was recorded by the helper's tape


@pytest.mark.parametrize("which", ["map_fn", "scan"])
def test_gradient_of_unknown_length_map_fn_and_scan_inside_function(which):
    def loss(x):
        if which == "map_fn":
            return tf.reduce_sum(tf.map_fn(lambda r: tf.reduce_sum(r * r), x))
        return tf.reduce_sum(tf.scan(lambda a, r: a * r, x))
    x0 = np.array([1.5, 2.0, -0.5])
    g = fn(_grad_of(loss), input_signature=[S([None], tf.float64)])
    np.testing.assert_allclose(g(tf.constant(x0)).numpy(),
                               _grad_of(loss)(tf.constant(x0)).numpy(), rtol=1e-12)


def test_gradient_through_growing_loop_variable_inside_function():
    def loss(x):
        _, v = tf.while_loop(lambda i, v: i < 3,
                             lambda i, v: (i + 1, tf.concat([v, v[-1:] * x], 0)),
                             (tf.constant(0), tf.reshape(x, [1])),
                             shape_invariants=(tf.TensorShape([]), tf.TensorShape([None])))
        return tf.reduce_sum(v)
    x = tf.constant(2.0, tf.float64)
    assert float(_grad_of(loss)(x)) == 49.0   # d/dx (x + x^2 + x^3 + x^4) at 2
    assert float(fn(_grad_of(loss))(x)) == 49.0


# -- errors ----------------------------------------------------------------------------------------
def _raises(f, exc, match, *args):
    with pytest.raises(exc, match=match):
        fn(f)(*args)


def test_cond_errors():
    x = tf.constant(1.0)
    _raises(lambda x: tf.cond(x > 0, lambda: (x, x), lambda: x), ValueError,
            "same structure; true_fn returned 2 tensors and false_fn 1", x)
    _raises(lambda x: tf.cond(x > 0, lambda: x, lambda: tf.cast(x, tf.int32)), TypeError,
            "output 0 is float32 in true_fn but int32 in false_fn", x)
    _raises(lambda x: tf.cond(x, lambda: x, lambda: x), TypeError,
            "predicate must be a bool tensor; got float32", x)
    _raises(lambda x: tf.cond(x > 0, lambda: x, lambda: x), InvalidArgumentError,
            r"predicate must be a scalar; got shape \(2,\)", tf.constant([1.0, 2.0]))
    with pytest.raises(TypeError, match="needs callables"):
        fn(lambda x: tf.cond(x > 0, x, x))(x)


@pytest.mark.parametrize("branches", [
    (lambda x: {"a": x}, lambda x: {"b": x}),
    (lambda x: (x, [x]), lambda x: ([x], x)),
], ids=["dict keys", "nesting"])
def test_cond_rejects_different_structures_of_the_same_size(branches):
    t, f = branches
    _raises(lambda x: tf.cond(x > 0, lambda: t(x), lambda: f(x)), ValueError, "structure",
            tf.constant(1.0))


def test_while_loop_errors():
    i0 = tf.constant(1)
    _raises(lambda x: tf.while_loop(lambda i: i, lambda i: i + 1, [x]), TypeError,
            "cond must return a scalar bool tensor", i0)
    _raises(lambda x: tf.while_loop(lambda i, j: i < 3, lambda i, j: (i + 1,), [x, x]),
            ValueError, "body returned 1 values for 2 loop variables", i0)
    _raises(lambda x: tf.while_loop(lambda i: i < 3, lambda i: tf.cast(i, tf.float32) + 1.0,
                                    [x]),
            TypeError, "loop variable 0 entered the loop as int32 but the body returned "
            "float32", i0)
    _raises(lambda x: tf.while_loop(lambda i: i < 3, lambda i: i + 1, [x],
                                    shape_invariants=[tf.TensorShape([2])]),
            ValueError, "does not fit its shape invariant", i0)
    _raises(lambda x: tf.while_loop(lambda i: i < 3, lambda i: i + 1, [x],
                                    shape_invariants=[tf.TensorShape([]), tf.TensorShape([])]),
            ValueError, "shape_invariants has 2 entries for 1 loop variables", i0)


def test_loop_variable_shape_change_without_invariants():
    def f(n):
        return tf.while_loop(lambda i, v: i < n,
                             lambda i, v: (i + 1, tf.concat([v, v], 0)),
                             (tf.constant(0), tf.ones([1])))
    for run in (fn(f), f):   # graph and eager
        with pytest.raises(ValueError, match=r"loop variable 1 has shape \(1,\) on entry but "
                           r"\(2,\) after .*shape_invariants"):
            run(tf.constant(3))
