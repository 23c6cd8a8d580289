"""`flowgrad.function` (tf.function): call forms, the trace cache and retracing rules, variables,
printing, gradients, nesting, return structures, errors, debugging output, and a tutorial
training loop run under tf.function."""

import collections
import functools
import sys
import warnings

import numpy as np
import pytest

import flowgrad as tf
from flowgrad.errors import InvalidArgumentError, OperatorNotAllowedInGraphError
from flowgrad.graph.function import ConcreteFunction, Function, RetracingWarning

from ._helpers import ops, rand

pytestmark = [pytest.mark.filterwarnings("ignore:AutoGraph could not convert"),
              pytest.mark.filterwarnings("ignore::flowgrad.graph.function.RetracingWarning")]
S = tf.TensorSpec


def counted(fn=None, **kw):
    """tf.function(fn, **kw) plus a list that grows by one per trace (a Python side effect)."""
    def deco(f):
        traces = []

        @functools.wraps(f)
        def wrapped(*args, **kwargs):
            traces.append(1)
            return f(*args, **kwargs)
        return tf.function(wrapped, autograph=False, **kw), traces
    return deco if fn is None else deco(fn)


def _square(x):
    return x * x


# -- call forms ------------------------------------------------------------------------------------
def test_decorator_and_call_forms():
    @tf.function
    def a(x):
        """Adds one."""
        return x + 1.0

    @tf.function()
    def b(x):
        return x + 2.0

    @tf.function(input_signature=[S([None])])
    def c(x):
        return x + 3.0

    d = tf.function(_square)
    x = tf.constant([1.0, 2.0])
    for fn, want in ((a, [2, 3]), (b, [3, 4]), (c, [4, 5]), (d, [1, 4])):
        assert isinstance(fn, Function)
        r = fn(x)
        assert isinstance(r, tf.Tensor) and not isinstance(r, tf.Variable)
        np.testing.assert_array_equal(r.numpy(), want)
    assert a.__name__ == "a" and a.__doc__ == "Adds one."
    assert d.python_function is _square and d.python_function(3) == 9
    assert tf.function(d) is d
    assert c.input_signature == [S([None])]
    assert a.experimental_get_tracing_count() == 1


def test_methods_have_per_instance_caches():
    class Scaler:
        def __init__(self, k):
            self.k = k
            self.v = None

        @tf.function
        def __call__(self, x):
            if self.v is None:
                self.v = tf.Variable(tf.ones([3]) * self.k)
            return x * self.v

    a, b = Scaler(2.0), Scaler(3.0)
    np.testing.assert_array_equal(a(tf.ones([3])).numpy(), [2, 2, 2])
    np.testing.assert_array_equal(b(tf.ones([3])).numpy(), [3, 3, 3])
    a(tf.ones([3]))
    assert a.__call__ is a.__call__
    assert a.__call__ is not b.__call__
    assert a.__call__.experimental_get_tracing_count() == 1
    assert b.__call__.experimental_get_tracing_count() == 1
    assert Scaler.__call__.experimental_get_tracing_count() == 0
    a.v.assign([1.0, 2.0, 3.0])   # each instance keeps its own variable
    np.testing.assert_array_equal(a(tf.ones([3])).numpy(), [1, 2, 3])
    np.testing.assert_array_equal(b(tf.ones([3])).numpy(), [3, 3, 3])


class _Unhashable:
    def __eq__(self, other):
        return self is other

    @tf.function
    def double(self, x):
        _TRACES.append(1)
        return x * 2.0


class _Slotted:
    __slots__ = ("k",)

    @tf.function
    def double(self, x):
        _TRACES.append(1)
        return x * 2.0


_TRACES = []


@pytest.mark.parametrize("cls", [_Unhashable, _Slotted])
def test_methods_of_unhashable_or_slotted_instances_trace_once(cls):
    del _TRACES[:]
    obj = cls()
    for _ in range(3):
        np.testing.assert_array_equal(obj.double(tf.ones([2])).numpy(), [2, 2])
    assert len(_TRACES) == 1


def test_get_concrete_function_with_specs():
    f = tf.function(_square)
    c = f.get_concrete_function(S([None, 3], tf.float32))
    assert isinstance(c, ConcreteFunction)
    assert str(c.graph) == ("graph _square(%0: float32[?,3]) -> (%1)\n"
                            "  %1: float32[?,3] = Mul(%0, %0)")
    assert c.structured_input_signature == ((S([None, 3]),), {})
    assert c.structured_outputs == S([None, 3])
    assert c.inputs == [S([None, 3])] and c.outputs == [S([None, 3])]
    for n in (1, 7):
        x = rand(n, 3)
        np.testing.assert_allclose(c(tf.constant(x)).numpy(), x * x, rtol=1e-6)
    with pytest.raises(InvalidArgumentError, match="traced for inputs"):
        c(tf.ones([2, 4]))
    assert f.experimental_get_tracing_count() == 1


def test_get_concrete_function_with_specs_is_cached():
    f = tf.function(_square)
    c = f.get_concrete_function(S([None, 3]))
    assert f.get_concrete_function(S([None, 3])) is c
    assert f.experimental_get_tracing_count() == 1


def test_get_concrete_function_with_values():
    f = tf.function(lambda x, n: x * n, autograph=False)
    x = tf.ones([2, 2])
    c = f.get_concrete_function(x, 3)
    assert f.get_concrete_function(x, 3) is c
    assert f.get_concrete_function(tf.zeros([2, 2]), 3) is c   # same dtype and shape
    assert f.experimental_get_tracing_count() == 1
    assert f.get_concrete_function(x, 4) is not c               # another Python value
    assert c.structured_input_signature == ((S([2, 2]), 3), {})
    np.testing.assert_array_equal(c(tf.constant([[1.0, 2.0], [3.0, 4.0]])).numpy(),
                                  [[3, 6], [9, 12]])
    f(x, 3)   # the call uses the same trace
    assert f.experimental_get_tracing_count() == 2


def test_input_signature_get_concrete_function_without_arguments():
    f = tf.function(lambda x: tf.reduce_sum(x, 1), input_signature=[S([None, 2])],
                    autograph=False)
    c = f.get_concrete_function()
    assert c.graph.values[c.graph.inputs[0]].shape == (None, 2)
    np.testing.assert_array_equal(c(tf.ones([5, 2])).numpy(), [2] * 5)


def test_structured_input_signature_with_input_signature():
    f = tf.function(_square, input_signature=[S([None, 3])])
    assert f.get_concrete_function().structured_input_signature == ((S([None, 3]),), {})


# -- retracing rules -------------------------------------------------------------------------------
def test_same_shapes_never_retrace():
    f, traces = counted(_square)
    x = rand(4, 3)
    for _ in range(3):
        f(tf.constant(x))
        f(x)                      # a NumPy array of the same dtype and shape: the same trace
        f(tf.constant(rand(4, 3, seed=1)))
    assert len(traces) == 1 and f.experimental_get_tracing_count() == 1


def test_new_batch_size_retraces_once():
    f, traces = counted(_square)
    for n in (2, 4, 2, 4, 4):
        np.testing.assert_array_equal(f(tf.ones([n, 3])).numpy(), np.ones((n, 3)))
    assert len(traces) == 2
    f(tf.ones([2, 3], tf.float64))   # a new dtype is a new trace too
    assert len(traces) == 3


def test_input_signature_accepts_any_batch_size_without_retracing():
    f, traces = counted(_square, input_signature=[S([None, 3])])
    for n in (1, 2, 5, 9):
        x = rand(n, 3)
        np.testing.assert_allclose(f(tf.constant(x)).numpy(), x * x, rtol=1e-6)
    assert len(traces) == 1
    assert f.get_concrete_function().graph.values[0].shape == (None, 3)


def test_input_signature_mismatch_errors():
    f = tf.function(_square, input_signature=[S([None, 3])])
    with pytest.raises(TypeError, match=r"argument 0 is a float32 tensor of shape \(2, 4\)"):
        f(tf.ones([2, 4]))
    with pytest.raises(TypeError, match="float64"):
        f(tf.ones([2, 3], tf.float64))
    with pytest.raises(TypeError, match="input_signature has 1 tensors but the call passed 2"):
        f(tf.ones([2, 3]), tf.ones([2, 3]))
    np.testing.assert_array_equal(f(np.array([[1.0, 2.0, 3.0]])).numpy(), [[1, 4, 9]])
    np.testing.assert_array_equal(f(tf.constant([[1.0, 2.0, 3.0]])).numpy(), [[1, 4, 9]])


def test_input_signature_converts_python_lists():
    f = tf.function(_square, input_signature=[S([None, 3])])
    np.testing.assert_array_equal(f([[1.0, 2.0, 3.0]]).numpy(), [[1, 4, 9]])


def test_reduce_retracing_generalizes_after_the_second_shape():
    f, traces = counted(_square, reduce_retracing=True)
    for n in (1, 2, 5, 7, 2):
        x = rand(n, 3)
        np.testing.assert_allclose(f(tf.constant(x)).numpy(), x * x, rtol=1e-6)
    assert len(traces) == 2
    shapes = sorted(str(c.graph.values[c.graph.inputs[0]].shape) for c in f._cache.values())
    assert shapes == ["(1, 3)", "(None, 3)"]


def test_python_scalars_retrace_per_value():
    f, traces = counted(lambda x, n: x * n)
    x = tf.constant(2.0)
    assert [float(f(x, n)) for n in (1, 2, 2, 3, 1)] == [2.0, 4.0, 4.0, 6.0, 2.0]
    assert len(traces) == 3
    assert float(f(x, 2.0)) == 4.0    # float 2.0 is another value than int 2
    assert float(f(x, True)) == 2.0
    assert len(traces) == 5


def test_keyword_and_default_arguments_share_a_trace():
    def f(x, n=2):
        return x * n
    fn, traces = counted(f)
    t = tf.ones([3])
    for call in (lambda: fn(t), lambda: fn(x=t), lambda: fn(t, 2), lambda: fn(t, n=2)):
        np.testing.assert_array_equal(call().numpy(), [2, 2, 2])
    assert len(traces) == 1


def test_retracing_warning_from_the_third_trace():
    assert issubclass(RetracingWarning, UserWarning)
    f = tf.function(lambda x: x + 1.0, autograph=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RetracingWarning)
        f(tf.ones([2, 3]))
        f(tf.ones([4, 3]))          # second trace: no warning yet
    with pytest.warns(RetracingWarning) as rec:
        f(tf.ones([5, 3]))
    msg = str(rec[0].message)
    assert "3 traces" in msg and "argument 'x'" in msg
    assert "float32[5, 3]" in msg and "previously float32[4, 3]" in msg
    assert "input_signature" in msg and "reduce_retracing" in msg


def test_retracing_warning_names_the_python_argument_that_changed():
    f = tf.function(lambda x, scale: x * scale, autograph=False)
    x = tf.ones([2])
    f(x, 1.25)
    f(x, 2.5)
    with pytest.warns(RetracingWarning) as rec:
        f(x, 3.75)
    msg = str(rec[0].message)
    assert "scale" in msg and "3.75" in msg and "x," not in msg


def _reshape_two_rows(x):
    return tf.reshape(x, [2, -1])


def test_retracing_warning_names_the_shape_for_exact_retraces():
    f = tf.function(_reshape_two_rows, input_signature=[S([None])], autograph=False)
    f(tf.ones([2]))
    f(tf.ones([4]))
    with pytest.warns(RetracingWarning) as rec:
        f(tf.ones([6]))
    assert "[6]" in str(rec[0].message)


def test_reshape_to_the_traced_size_is_still_checked_at_other_sizes():
    """`reshape(x, [3])` traced on a size-3 shadow is a no-op for that shadow only: the op
    must stay in the graph, so a size-4 input fails as it does eagerly instead of passing
    through unchanged."""
    f = tf.function(lambda x: tf.reshape(x, [3]), input_signature=[S([None])],
                    autograph=False)
    np.testing.assert_array_equal(f(np.arange(3, dtype=np.float32)).numpy(), [0, 1, 2])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RetracingWarning)
        with pytest.raises(InvalidArgumentError, match="reshape"):
            f(np.arange(4, dtype=np.float32))


def test_retracing_warning_points_at_the_caller():
    f = tf.function(lambda x: x + 1.0, autograph=False)
    f(tf.ones([1]))
    f(tf.ones([2]))
    with pytest.warns(RetracingWarning) as rec:
        f(tf.ones([3]))
    assert rec[0].filename == __file__


def test_graph_that_bakes_in_a_size_gets_exact_retraces():
    """Traced at size 2, `reshape(x, [2, -1])` fails the probe at size 3, so the trace is not
    shape-polymorphic: each other size gets its own exact trace (and odd sizes fail as
    eagerly)."""
    f = tf.function(_reshape_two_rows, input_signature=[S([None])], autograph=False)
    counts = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RetracingWarning)
        for n in (2, 4, 2, 6, 4):
            x = np.arange(n, dtype=np.float32)
            np.testing.assert_array_equal(f(x).numpy(), x.reshape(2, -1))
            counts.append(f.experimental_get_tracing_count())
        assert counts == [1, 2, 2, 3, 3]
        assert f.get_concrete_function().polymorphic is False
        with pytest.raises(InvalidArgumentError, match="reshape"):
            f(tf.ones([5]))


def test_shape_polymorphic_graph_is_probed_and_reused():
    @tf.function(input_signature=[S([None])], autograph=False)
    def f(x):
        return tf.reduce_mean(x) + tf.cast(tf.shape(x)[0], tf.float32)
    assert [float(f(np.ones(n, np.float32))) for n in (3, 5, 8)] == [4.0, 6.0, 9.0]
    c = f.get_concrete_function()
    assert c.polymorphic is True
    assert f.experimental_get_tracing_count() == 1
    assert ops(c.graph) == ["Mean", "Shape", "StridedSlice", "Cast", "AddV2"]


# -- variables -------------------------------------------------------------------------------------
def test_variables_created_on_first_trace_persist():
    class Counter:
        def __init__(self):
            self.v = None

        @tf.function
        def step(self, inc):
            if self.v is None:
                self.v = tf.Variable(0.0)
            self.v.assign_add(inc)
            return self.v.read_value()
    c = Counter()
    assert [float(c.step(tf.constant(1.0))) for _ in range(3)] == [1.0, 2.0, 3.0]
    assert float(c.v.numpy()) == 3.0
    assert c.step.experimental_get_tracing_count() == 1
    c.v.assign(10.0)                               # updates made outside are seen
    assert float(c.step(tf.constant(0.5))) == 10.5
    assert c.step.get_concrete_function(tf.constant(1.0)).variables == [c.v]


def test_creating_variables_on_a_later_trace_raises():
    @tf.function
    def f(x):
        v = tf.Variable(1.0)
        return x + v
    assert float(f(tf.constant(1.0))) == 2.0
    with pytest.raises(ValueError, match="created variables on a call other than the first"):
        f(tf.constant([1.0, 2.0]))


def test_variable_initial_value_from_arguments_raises():
    @tf.function
    def f(x):
        return tf.Variable(x * 2.0).read_value()
    with pytest.raises(ValueError, match="initial value computed from the function's arguments"):
        f(tf.constant(1.0))


# -- printing --------------------------------------------------------------------------------------
def test_tf_print_runs_every_call_python_print_only_when_tracing(capsys):
    @tf.function
    def f(x):
        print("python print", x.shape)
        tf.print("tf.print", x)
        return x + 1.0
    f(tf.constant(1.0))
    f(tf.constant(2.0))
    f(tf.constant(3.0))
    out, err = capsys.readouterr()
    assert out == "python print ()\n"
    assert err == "tf.print 1\ntf.print 2\ntf.print 3\n"


def test_tf_print_to_stdout_and_under_a_tape(capsys):
    @tf.function
    def f(x):
        tf.print("sum:", tf.reduce_sum(x), output_stream=sys.stdout)
        return x * 2.0
    x = tf.constant([1.0, 2.0])
    f(x)
    with tf.GradientTape() as t:    # the replayed graph prints too
        t.watch(x)
        y = f(x)
    np.testing.assert_array_equal(t.gradient(y, x).numpy(), [2.0, 2.0])
    assert capsys.readouterr().out == "sum: 3\nsum: 3\n"


# -- gradients -------------------------------------------------------------------------------------
X0 = np.array([0.5, -1.2, 2.0])


def _tape_in_fn(x):
    with tf.GradientTape(persistent=True) as t:
        t.watch(x)
        y = tf.reduce_sum(tf.sin(x) * x)
        z = tf.reduce_sum(tf.exp(x) / (1.0 + x * x))
    return t.gradient(y, x), t.gradient(z, x), t.gradient([y, z], x)


def test_gradient_tape_inside_function_matches_eager():
    x = tf.constant(X0)
    eager = _tape_in_fn(x)
    graph = tf.function(_tape_in_fn)(x)
    for e, g in zip(eager, graph):
        np.testing.assert_allclose(g.numpy(), e.numpy(), rtol=1e-12)
    np.testing.assert_allclose(graph[0].numpy(), np.sin(X0) + X0 * np.cos(X0), rtol=1e-12)


def test_gradient_wrt_variables_inside_function():
    w = tf.Variable(np.array([[1.0], [-2.0]]))

    def step(x):
        with tf.GradientTape() as t:
            loss = tf.reduce_sum(tf.square(tf.matmul(x, w)))
        return t.gradient(loss, w)
    x = tf.constant([[1.0, 2.0], [3.0, -1.0]])
    x = tf.cast(x, tf.float64)
    np.testing.assert_allclose(tf.function(step)(x).numpy(), step(x).numpy(), rtol=1e-12)


def test_jacobian_inside_function():
    def jac(x):
        with tf.GradientTape() as t:
            t.watch(x)
            y = tf.sin(x) * x
        return t.jacobian(y, x)
    x = tf.constant(X0)
    got = tf.function(jac)(x).numpy()
    np.testing.assert_allclose(got, jac(x).numpy(), rtol=1e-12)
    np.testing.assert_allclose(got, np.diag(np.sin(X0) + X0 * np.cos(X0)), atol=1e-12)


def test_second_order_with_nested_tapes_inside_function():
    def hess_diag(x):
        with tf.GradientTape() as t2:
            t2.watch(x)
            with tf.GradientTape() as t1:
                t1.watch(x)
                y = tf.reduce_sum(x ** 3 + tf.sin(x))
            g = t1.gradient(y, x)
        return t2.gradient(g, x)
    x = tf.constant(X0)
    got = tf.function(hess_diag)(x).numpy()
    np.testing.assert_allclose(got, hess_diag(x).numpy(), rtol=1e-12)
    np.testing.assert_allclose(got, 6 * X0 - np.sin(X0), rtol=1e-12)


def test_differentiating_a_function_from_outside():
    w = tf.Variable(np.array([[1.0], [2.0]]))

    @tf.function
    def loss(x):
        return tf.reduce_sum(tf.square(tf.matmul(x, w)))
    x = tf.constant(np.array([[1.0, 2.0], [3.0, -1.0]]))
    with tf.GradientTape(persistent=True) as t:
        t.watch(x)
        y = loss(x)
    np.testing.assert_allclose(t.gradient(y, w).numpy(), [[16.0], [18.0]])
    m = x.numpy() @ w.numpy()
    np.testing.assert_allclose(t.gradient(y, x).numpy(), 2 * m @ w.numpy().T)
    assert loss.experimental_get_tracing_count() == 1


def test_second_order_and_jacobian_from_outside():
    cube = tf.function(lambda x: x * x * x, autograph=False)
    x = tf.constant(2.0)
    with tf.GradientTape() as t2:
        t2.watch(x)
        with tf.GradientTape() as t1:
            t1.watch(x)
            y = cube(x)
        g = t1.gradient(y, x)
    assert float(g) == 12.0 and float(t2.gradient(g, x)) == 12.0
    xv = tf.constant([1.0, 2.0])
    with tf.GradientTape() as t:
        t.watch(xv)
        y = cube(xv)
    np.testing.assert_array_equal(t.jacobian(y, xv).numpy(), [[3.0, 0.0], [0.0, 12.0]])


def test_differentiating_from_outside_through_cond_and_while():
    @tf.function
    def f(x):
        y = tf.cond(tf.reduce_sum(x) > 0, lambda: tf.reduce_sum(x * x),
                    lambda: tf.reduce_sum(tf.sin(x)))
        _, a = tf.while_loop(lambda i, a: i < 3, lambda i, a: (i + 1, a * x),
                             (tf.constant(0), tf.ones_like(x)))
        return y + tf.reduce_sum(a)
    for sign in (1.0, -1.0):
        x0 = sign * np.abs(X0)
        x = tf.constant(x0)
        with tf.GradientTape() as t:
            t.watch(x)
            y = f(x)
        want = (2 * x0 if sign > 0 else np.cos(x0)) + 3 * x0 ** 2
        np.testing.assert_allclose(t.gradient(y, x).numpy(), want, rtol=1e-12)
    assert f.experimental_get_tracing_count() == 1


# -- nesting and return values ---------------------------------------------------------------------
def test_nested_functions_are_inlined():
    inner = tf.function(lambda x: x * 3.0, autograph=False)

    @tf.function(autograph=False)
    def outer(x):
        return inner(x) + inner(x * 2.0)
    assert float(outer(tf.constant(1.0))) == 9.0
    raw = outer.get_concrete_function(tf.constant(1.0)).raw_graph
    assert ops(raw) == ["Const", "Mul", "Const", "Mul", "Const", "Mul", "AddV2"]
    assert float(inner(tf.constant(2.0))) == 6.0   # still callable on its own
    x = tf.constant(1.5)
    with tf.GradientTape() as t:
        t.watch(x)
        y = outer(x)
    assert float(t.gradient(y, x)) == 9.0


Pair = collections.namedtuple("Pair", "a b")


@pytest.mark.parametrize("kind", ["py", "dict", "namedtuple", "none", "tuple", "variable"])
def test_return_values(kind):
    v = tf.Variable([7.0])

    @tf.function
    def f(x):
        if kind == "py":
            return 3
        if kind == "dict":
            return {"s": x + 1.0, "n": 2, "t": (x, None)}
        if kind == "namedtuple":
            return Pair(x * 2.0, "hello")
        if kind == "none":
            return None
        if kind == "tuple":
            return (x, (x + 1.0, [x + 2.0]))
        return v
    x = tf.constant(1.0)
    r = f(x)
    if kind == "py":
        assert r == 3
    elif kind == "dict":
        assert set(r) == {"s", "n", "t"} and r["n"] == 2 and r["t"][1] is None
        assert float(r["s"]) == 2.0 and float(r["t"][0]) == 1.0
    elif kind == "namedtuple":
        assert type(r) is Pair and float(r.a) == 2.0 and r.b == "hello"
    elif kind == "none":
        assert r is None
    elif kind == "tuple":
        assert isinstance(r, tuple) and isinstance(r[1][1], list)
        assert [float(r[0]), float(r[1][0]), float(r[1][1][0])] == [1.0, 2.0, 3.0]
    else:
        assert isinstance(r, tf.Tensor) and r.numpy().tolist() == [7.0]
        v.assign([8.0])
        assert f(x).numpy().tolist() == [8.0]  # a read at run time, not a constant
    assert f.experimental_get_tracing_count() == 1


# -- errors ----------------------------------------------------------------------------------------
def test_leaked_symbolic_tensor_fails_clearly():
    leaked = []

    @tf.function
    def f(x):
        y = x * 2.0
        leaked.append(y)
        return y
    f(tf.constant(1.0))
    t = leaked[0]
    assert "Mul:0" in repr(t)
    with pytest.raises(OperatorNotAllowedInGraphError):
        t.numpy()
    with pytest.raises(InvalidArgumentError, match="leaked"):
        tf.exp(t)


def test_leaked_symbolic_tensor_in_binary_op_fails_clearly():
    leaked = []

    @tf.function
    def f(x):
        leaked.append(x * 2.0)
        return x
    f(tf.constant(1.0))
    with pytest.raises(InvalidArgumentError, match="leaked"):
        leaked[0] + 1.0


def test_symbolic_tensor_refuses_python_conversions():
    seen = []

    @tf.function(autograph=False)
    def f(x):
        for conv in (bool, float, int, lambda t: t.numpy(), np.asarray):
            with pytest.raises(OperatorNotAllowedInGraphError, match="symbolic tensor") as e:
                conv(x)
            seen.append(str(e.value))
        return x
    f(tf.constant(1.0))
    assert len(seen) == 5
    assert "tf.cond" in seen[0] and "Python bool" in seen[0]


def test_bool_of_symbolic_tensor_raises():
    @tf.function(autograph=False)
    def f(x):
        if x > 0:
            return x
        return -x
    with pytest.raises(OperatorNotAllowedInGraphError, match="as a Python bool"):
        f(tf.constant(1.0))


def test_len_of_unknown_dimension_raises():
    f = tf.function(lambda x: len(x), input_signature=[S([None])], autograph=False)
    with pytest.raises(OperatorNotAllowedInGraphError, match="unknown first dimension"):
        f(tf.ones([3]))
    assert tf.function(lambda x: len(x), autograph=False)(tf.ones([3])) == 3


def test_debug_env_prints_graphs(monkeypatch, capsys):
    monkeypatch.setenv("FLOWGRAD_DEBUG", "1")

    @tf.function
    def dbg(x):
        return tf.exp(x) * 1.0
    dbg(tf.ones([2]))
    out = capsys.readouterr().out
    assert out == ("--- flowgrad.function dbg: traced graph ---\n"
                   "graph dbg(%0: float32[2]) -> (%3)\n"
                   "  %1: float32[2] = Exp(%0)\n"
                   "  %2: float32[] = Const(value=1.0)\n"
                   "  %3: float32[2] = Mul(%1, %2)\n"
                   "--- flowgrad.function dbg: after passes ---\n"
                   "graph dbg(%0: float32[2]) -> (%1)\n"
                   "  %1: float32[2] = Exp(%0)\n")
    dbg(tf.ones([2]))                       # no trace, nothing printed
    assert capsys.readouterr().out == ""
    monkeypatch.delenv("FLOWGRAD_DEBUG")
    dbg(tf.ones([3]))
    assert capsys.readouterr().out == ""


def _gather_twice(x, i):
    y = x * 2.0
    return tf.gather(y, i)   # the failing line


GATHER_LINE = _gather_twice.__code__.co_firstlineno + 2


def test_run_time_kernel_error_names_op_and_source_line():
    f = tf.function(_gather_twice, autograph=False)
    assert float(f(tf.constant([1.0, 2.0, 3.0]), tf.constant(1))) == 4.0
    with pytest.raises(InvalidArgumentError) as e:
        f(tf.constant([1.0, 2.0, 3.0]), tf.constant(7))
    msg = str(e.value)
    assert "GatherV2" in msg and "_gather_twice" in msg
    assert f"{__file__}:{GATHER_LINE}" in msg


def test_run_time_kernel_error_names_source_line_with_autograph():
    f = tf.function(_gather_twice)
    f(tf.constant([1.0, 2.0, 3.0]), tf.constant(1))
    with pytest.raises(InvalidArgumentError) as e:
        f(tf.constant([1.0, 2.0, 3.0]), tf.constant(7))
    assert f"{__file__}:{GATHER_LINE}" in str(e.value)


def test_run_time_shape_error_names_op_and_line():
    @tf.function(input_signature=[S([None, None]), S([None, None])], autograph=False)
    def mm(a, b):
        return tf.matmul(a * 1.5, b)
    assert mm(tf.ones([2, 3]), tf.ones([3, 2])).shape == (2, 2)
    with pytest.raises(InvalidArgumentError) as e:
        mm(tf.ones([2, 3]), tf.ones([2, 3]))
    msg = str(e.value)
    assert "BatchMatMulV2" in msg and "in mm" in msg and __file__ in msg


# -- the tutorial's linear classifier --------------------------------------------------------------
def test_tutorial_linear_classifier_under_tf_function(capsys):
    from tests.tutorial_code import blocks, run
    code = blocks("002")
    np.random.seed(0)
    # imports, the data, W/b, model, loss and training_step (not the loop nor the plots)
    ns = run(code[1:2] + code[5:6] + code[14:17] + code[18:22])
    capsys.readouterr()
    assert "def training_step" in code[21] and "Loss at step" in code[22]
    w0, b0 = ns["W"].numpy().copy(), ns["b"].numpy().copy()
    inputs, targets = ns["inputs"], ns["targets"]
    eager = [float(ns["training_step"](inputs, targets)) for _ in range(40)]
    w_eager = ns["W"].numpy().copy()
    ns["W"].assign(w0)
    ns["b"].assign(b0)
    ns["training_step"] = tf.function(ns["training_step"])
    ns["tf"] = tf
    ns2 = run([code[22]], ns)   # the tutorial's own loop, now calling the tf.function
    out = capsys.readouterr().out
    graph = [float(line.split(":")[1]) for line in out.splitlines()
             if line.startswith("Loss at step")]
    assert len(graph) == 40
    np.testing.assert_allclose(graph, np.round(eager, 4), atol=1.5e-4)
    np.testing.assert_allclose(ns2["W"].numpy(), w_eager, rtol=1e-5, atol=1e-6)
    step = ns2["training_step"]
    assert step.experimental_get_tracing_count() == 1
    # the unrounded losses, once more from the same start
    ns["W"].assign(w0)
    ns["b"].assign(b0)
    exact = [float(step(inputs, targets)) for _ in range(40)]
    np.testing.assert_allclose(exact, eager, rtol=1e-5, atol=1e-7)
    assert step.experimental_get_tracing_count() == 1
    assert eager[-1] < eager[0] / 5


# -- ops on symbolic inputs ------------------------------------------------------------------------
X_A = np.array([3.0, 1.0, 2.0, 0.25], np.float32)
X_B = np.array([5.0, -1.0, 4.0, 2.0], np.float32)
SYMBOLIC_OPS = {
    "sort": lambda x: tf.sort(x),
    "argsort": lambda x: tf.argsort(x),
    "boolean_mask": lambda x: tf.boolean_mask(x, x > 1.5),
    "where": lambda x: tf.where(x > 1.5),
    "top_k": lambda x: tf.math.top_k(x, 2).values,
    "cumsum": lambda x: tf.cumsum(x),
    "clip_by_value": lambda x: tf.clip_by_value(x, 0.0, x[0]),
    "gather": lambda x: tf.gather(x, tf.cast(x[3], tf.int32) + tf.constant([0, 1])),
    "zeros(shape(x))": lambda x: tf.zeros(tf.shape(x)) + x,
    "broadcast_to": lambda x: tf.broadcast_to(x[0], tf.shape(x)),
    "norm": lambda x: tf.norm(x),
    "tensor_scatter_nd_update": lambda x: tf.tensor_scatter_nd_update(
        x, [[0]], tf.reshape(x[1], [1])),
    "reshape to [shape(x)[0], 1]": lambda x: tf.reshape(x, [tf.shape(x)[0], 1]),
    "fill": lambda x: tf.fill([2], x[0]),
    "range": lambda x: tf.range(tf.cast(x[0], tf.int32)),
    "linspace": lambda x: tf.linspace(0.0, x[0], 3),
    "bincount": lambda x: tf.math.bincount(tf.cast(tf.abs(x), tf.int32)),
    "convert_to_tensor(list)": lambda x: tf.convert_to_tensor([x[1], x[0]]),
    "x + list": lambda x: x + [x[1], 0.0, 0.0, 0.0],
    "scatter list updates": lambda x: tf.tensor_scatter_nd_update(x, [[0]], [x[1]]),
}


@pytest.mark.parametrize("op", [v for _, v in sorted(SYMBOLIC_OPS.items())],
                         ids=sorted(SYMBOLIC_OPS))
def test_ops_on_symbolic_inputs_compute_at_call_time(op):
    """Two calls with the same shape but other values share one trace and give the eager
    results for each."""
    f = tf.function(op, autograph=False)
    for x in (X_A, X_B):
        want = op(tf.constant(x)).numpy()
        got = f(tf.constant(x)).numpy()
        assert got.dtype == want.dtype
        np.testing.assert_allclose(got, want, rtol=1e-6)
    assert f.experimental_get_tracing_count() == 1


def test_static_shapes_keep_unknown_dimensions():
    shapes = []

    @tf.function(input_signature=[S([None, 3])], autograph=False)
    def f(x):
        y = x * 2.0
        shapes.append((x.shape.as_list(), y.shape.as_list(), tf.reduce_sum(y, 1).shape.as_list()))
        return tf.map_fn(lambda r: r[0] + r[1], (x, y))
    x = rand(5, 3)
    np.testing.assert_allclose(f(x).numpy(), 3 * x, rtol=1e-6)
    assert shapes == [([None, 3], [None, 3], [None])]
