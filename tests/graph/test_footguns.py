"""What replaying a trace can get wrong: the documented differences between running a Python
function and running its `flowgrad.function` graph (as in TensorFlow).

A traced function runs the Python code once per trace; later calls only replay the recorded
tensor ops. So:

 1. Python side effects (print, list.append, attribute updates) happen only while tracing.
 2. Python values read from the enclosing scope (a global float) are captured as constants at
    trace time: later changes are not seen, until something makes a new trace, which then sees
    the new value, so two traces of one function can disagree.
 3. A captured tf.Variable is read at run time: its updates are seen.
 4. Python randomness (random.random(), np.random) is drawn once, at trace time; tf.random ops
    are graph nodes and draw fresh values on every call.
 5. Python loops over Python lists (or over tensors with a static first dimension) are unrolled
    into the graph: one set of nodes per iteration.
 6. NumPy arrays used inside the function are copied into the graph at trace time: mutating
    the array afterwards changes nothing (flowgrad copies; NumPy *arguments* are read per call).
 7. `if tensor:` / `assert tensor` / `bool(tensor)` in a function with autograph=False raise
    OperatorNotAllowedInGraphError with a hint (autograph=True converts the `if`).
 8. A symbolic tensor kept from one trace (a leaked list/global/self attribute) fails loudly when
    used in another trace or in a cond branch's enclosing graph.
 9. Python numbers as arguments are part of the trace key: each new value retraces; pass tensors.
"""

import random
import sys

import numpy as np
import pytest

import flowgrad as tf
from flowgrad.errors import InvalidArgumentError, OperatorNotAllowedInGraphError

from ._helpers import ops

pytestmark = [pytest.mark.filterwarnings("ignore:AutoGraph could not convert"),
              pytest.mark.filterwarnings("ignore::flowgrad.graph.function.RetracingWarning")]


# 1. Python side effects ---------------------------------------------------------------------------
def test_python_side_effects_happen_only_at_trace_time(capsys):
    calls = []

    class Model:
        n_calls = 0

        @tf.function
        def __call__(self, x):
            print("tracing with", x.shape)
            calls.append(x)
            self.n_calls += 1
            tf.print("running", x, output_stream=sys.stdout)
            return x * 2.0
    m = Model()
    for v in (1.0, 2.0, 3.0):
        assert float(m(tf.constant(v))) == 2 * v
    assert len(calls) == 1 and m.n_calls == 1
    assert capsys.readouterr().out == "tracing with ()\nrunning 1\nrunning 2\nrunning 3\n"
    m(tf.constant([1.0, 2.0]))       # a new shape: the Python code runs again
    assert len(calls) == 2 and m.n_calls == 2


# 2. captured Python values ------------------------------------------------------------------------
SCALE = 2.0


def _scaled(x):
    return x * SCALE


def test_captured_python_global_is_frozen_at_trace_time():
    global SCALE
    SCALE = 2.0
    f = tf.function(_scaled)
    assert float(f(tf.constant(1.0))) == 2.0
    try:
        SCALE = 5.0
        assert float(f(tf.constant(1.0))) == 2.0          # not seen: a constant in the graph
        assert _scaled(tf.constant(1.0)).numpy() == 5.0    # eagerly it is
        # a retrace (new shape) picks up the new value: the two traces now disagree
        np.testing.assert_array_equal(f(tf.constant([1.0, 1.0])).numpy(), [5.0, 5.0])
        assert float(f(tf.constant(1.0))) == 2.0
    finally:
        SCALE = 2.0


# 3. captured variables ----------------------------------------------------------------------------
def test_captured_variable_updates_are_seen():
    v = tf.Variable(2.0)
    f = tf.function(lambda x: x * v, autograph=False)
    assert float(f(tf.constant(1.0))) == 2.0
    v.assign(5.0)
    assert float(f(tf.constant(1.0))) == 5.0
    v.assign_add(1.0)
    assert float(f(tf.constant(1.0))) == 6.0
    assert f.experimental_get_tracing_count() == 1
    assert ops(f.get_concrete_function(tf.constant(1.0)).graph) == ["ReadVariableOp", "Mul"]


# 4. randomness ------------------------------------------------------------------------------------
def test_python_randomness_is_frozen_tf_random_is_fresh():
    py = tf.function(lambda x: x + random.random(), autograph=False)
    npy = tf.function(lambda x: x + np.random.uniform(), autograph=False)
    tfr = tf.function(lambda x: x + tf.random.uniform([]), autograph=False)
    z = tf.constant(0.0)
    assert len({float(py(z)) for _ in range(5)}) == 1
    assert len({float(npy(z)) for _ in range(5)}) == 1
    assert len({float(tfr(z)) for _ in range(5)}) == 5
    draws = [float(tfr(z)) for _ in range(50)]
    assert all(0.0 <= d < 1.0 for d in draws)
    assert tfr.experimental_get_tracing_count() == 1


# 5. unrolling -------------------------------------------------------------------------------------
def test_python_loops_unroll_into_the_graph():
    terms = [tf.constant(float(i)) for i in range(4)]

    @tf.function(autograph=False)
    def over_list(x):
        for t in terms:
            x = x * t + 1.0
        return x
    assert float(over_list(tf.constant(1.0))) == ((1 * 0 + 1) * 1 + 1) * 2 * 3 + 3 + 1
    raw = over_list.get_concrete_function(tf.constant(1.0)).raw_graph
    assert ops(raw).count("Mul") == 4 and ops(raw).count("AddV2") == 4

    @tf.function(autograph=False)
    def over_rows(m):
        total = tf.zeros([2])
        for row in m:              # a static first dimension: one slice per row
            total = total + row * row
        return total
    m = np.arange(6, dtype=np.float32).reshape(3, 2)
    np.testing.assert_array_equal(over_rows(m).numpy(), (m * m).sum(0))
    raw = over_rows.get_concrete_function(m).raw_graph
    assert ops(raw).count("Mul") == 3
    over_rows(np.ones((5, 2), np.float32))       # another length: another (longer) trace
    assert over_rows.experimental_get_tracing_count() == 2


# 6. NumPy arrays ----------------------------------------------------------------------------------
def test_mutating_a_captured_numpy_array_after_tracing_is_not_seen():
    arr = np.array([1.0, 2.0], np.float32)
    add = tf.function(lambda x: x + arr, autograph=False)
    const = tf.function(lambda x: x + tf.constant(arr), autograph=False)
    folded = tf.function(lambda x: x * tf.exp(tf.constant(arr)), autograph=False)
    zero, one = tf.constant([0.0, 0.0]), tf.constant([1.0, 1.0])
    np.testing.assert_array_equal(add(zero).numpy(), [1.0, 2.0])
    np.testing.assert_array_equal(const(zero).numpy(), [1.0, 2.0])
    np.testing.assert_allclose(folded(one).numpy(), np.exp([1.0, 2.0]), rtol=1e-6)
    arr[0] = 100.0
    # flowgrad copies the array into the graph's constants at trace time
    np.testing.assert_array_equal(add(zero).numpy(), [1.0, 2.0])
    np.testing.assert_array_equal(const(zero).numpy(), [1.0, 2.0])
    np.testing.assert_allclose(folded(one).numpy(), np.exp([1.0, 2.0]), rtol=1e-6)
    for f in (add, const):
        g = f.get_concrete_function(zero).graph
        consts = [n.attrs["value"] for n in g.nodes if n.op == "Const"]
        assert consts and not any(np.shares_memory(c, arr) for c in consts)
    # eagerly, the mutation is of course seen
    np.testing.assert_array_equal((zero + arr).numpy(), [100.0, 2.0])


def test_numpy_arguments_are_read_on_every_call():
    f = tf.function(lambda x: x * 2.0, autograph=False)
    arr = np.array([1.0, 2.0], np.float32)
    np.testing.assert_array_equal(f(arr).numpy(), [2.0, 4.0])
    arr[0] = 10.0
    np.testing.assert_array_equal(f(arr).numpy(), [20.0, 4.0])   # same dtype+shape: no retrace
    assert f.experimental_get_tracing_count() == 1
    assert arr.tolist() == [10.0, 2.0]                         # and the argument is not written


# 7. tensors as Python booleans -------------------------------------------------------------------
def _abs_if(x):
    if x > 0:
        return x
    return -x


def test_if_on_tensor_without_autograph_raises_helpfully():
    f = tf.function(_abs_if, autograph=False)
    with pytest.raises(OperatorNotAllowedInGraphError) as e:
        f(tf.constant(-2.0))
    msg = str(e.value)
    assert "Python bool" in msg and "tf.cond" in msg and "Greater" in msg
    assert float(tf.function(_abs_if)(tf.constant(-2.0))) == 2.0    # autograph converts it
    assert float(_abs_if(tf.constant(-2.0))) == 2.0                 # and eager just runs


def test_assert_on_tensor_without_autograph_raises():
    def f(x):
        assert x > 0
        return x
    with pytest.raises(OperatorNotAllowedInGraphError, match="Python bool"):
        tf.function(f, autograph=False)(tf.constant(1.0))


# 8. tensors from another trace -------------------------------------------------------------------
def test_tensor_from_another_trace_fails_loudly():
    stash = []

    @tf.function(autograph=False)
    def first(x):
        y = x + 1.0
        stash.append(y)
        return y

    @tf.function(autograph=False)
    def second(x):
        return tf.exp(stash[0]) + x
    first(tf.constant(1.0))
    with pytest.raises(InvalidArgumentError, match="leaked"):
        second(tf.constant(1.0))


def test_tensor_leaked_out_of_a_cond_branch_fails_loudly():
    leak = []

    @tf.function(autograph=False)
    def f(x):
        def branch():
            y = x * 2.0
            leak.append(y)
            return y
        r = tf.cond(x > 0, branch, lambda: x)
        return tf.exp(leak[0]) + r
    with pytest.raises(InvalidArgumentError, match="leaked"):
        f(tf.constant(1.0))


# 9. Python numbers as arguments ------------------------------------------------------------------
def test_python_number_arguments_retrace_tensors_do_not():
    f = tf.function(lambda x, step: x * step, autograph=False)
    x = tf.constant(2.0)
    for step in range(4):
        assert float(f(x, step)) == 2.0 * step
    assert f.experimental_get_tracing_count() == 4
    g = tf.function(lambda x, step: x * tf.cast(step, tf.float32), autograph=False)
    for step in range(4):
        assert float(g(x, tf.constant(step))) == 2.0 * step
    assert g.experimental_get_tracing_count() == 1
