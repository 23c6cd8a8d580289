"""Variables in v1 graphs: initialization, per-session state, get_variable / variable_scope,
assign ops, control dependencies and groups."""

import numpy as np
import pytest

import flowgrad as tf
from flowgrad.errors import FailedPreconditionError


def test_uninitialized_variable_raises(v1):
    w = v1.Variable([1.0, 2.0], name="weights")
    y = w * 2.0
    with v1.Session() as sess:
        with pytest.raises(FailedPreconditionError,
                           match="Attempting to use uninitialized value weights"):
            sess.run(y)
        with pytest.raises(FailedPreconditionError, match="uninitialized value weights"):
            sess.run(w)
        sess.run(v1.global_variables_initializer())
        assert sess.run(y).tolist() == [2.0, 4.0]


def test_initializers_select_variables(v1):
    a = v1.Variable(1.0, name="a")
    b = tf.Variable(2.0, name="b")  # the TF2 class, created in a v1 graph, is adopted too
    assert isinstance(b, v1.Variable) and b.initializer is not None
    assert {a: 1, b: 2}[b] == 2 and a != b  # hashable, identity ==, as TF1 variables
    assert [v.name for v in v1.global_variables()] == ["a:0", "b:0"]
    with v1.Session() as sess:
        sess.run(v1.variables_initializer([a]))
        assert sess.run(a) == 1.0
        with pytest.raises(FailedPreconditionError, match="value b"):
            sess.run(a + b)
        sess.run(b.initializer)
        assert sess.run(a + b) == 3.0


def test_each_session_has_its_own_values(v1):
    v = v1.Variable(10.0, name="v")
    inc = v.assign_add(1.0)
    init = v1.global_variables_initializer()
    s1, s2 = v1.Session(), v1.Session()
    s1.run(init)
    s1.run(inc)
    s1.run(inc)
    with pytest.raises(FailedPreconditionError):
        s2.run(v)
    s2.run(init)
    assert s1.run(v) == 12.0 and s2.run(v) == 10.0
    s2.run(inc)
    assert s1.run(v) == 12.0 and s2.run(v) == 11.0
    s1.run(init)  # re-initializing resets
    assert s1.run(v) == 10.0
    v.load(5.0, s2)
    assert s2.run(v) == 5.0
    fetched = s2.run(v)
    fetched += 1  # a fetched array is a copy: the session's value is unchanged
    assert s2.run(v) == 5.0
    s1.close()
    s2.close()


def test_random_initial_values_are_drawn_per_initialization(v1):
    w = v1.Variable(v1.random_normal([50]), name="w")
    init = v1.global_variables_initializer()
    with v1.Session() as sess:
        sess.run(init)
        first = sess.run(w)
        sess.run(init)
        second = sess.run(w)
    assert first.shape == (50,) and not np.allclose(first, second)


def test_assign_ops_return_the_new_value(v1):
    v = v1.Variable([1, 2], name="v")
    a = v1.assign(v, [5, 6])
    add = v.assign_add([1, 1])
    sub = v1.assign_sub(v, [2, 2])
    op = v.assign([0, 0], read_value=False)
    assert isinstance(op, v1.Operation) and op.type == "AssignVariableOp"
    with v1.Session() as sess:
        sess.run(v.initializer)
        assert sess.run(a).tolist() == [5, 6]
        assert sess.run(add).tolist() == [6, 7]
        assert sess.run(sub).tolist() == [4, 5]
        assert sess.run(op) is None and sess.run(v).tolist() == [0, 0]


def test_control_dependencies_and_group(v1):
    counter = v1.Variable(0, name="counter")
    other = v1.Variable(0, name="other")
    x = v1.placeholder(tf.float32, [])
    tick = v1.assign_add(counter, 1)
    with v1.control_dependencies([tick]):
        y = x * 2.0
    both = v1.group(v1.assign_add(counter, 10), v1.assign_add(other, 1))
    with v1.Session() as sess:
        sess.run(v1.global_variables_initializer())
        assert sess.run(y, {x: 1.0}) == 2.0
        assert sess.run(y, {x: 1.0}) == 2.0
        assert sess.run(counter) == 2
        assert sess.run(both) is None
        assert sess.run([counter, other]) == [12, 1]
        sess.run(v1.no_op())


def test_get_variable_and_variable_scope(v1):
    with v1.variable_scope("layer"):
        w = v1.get_variable("w", [2, 3], initializer=v1.constant_initializer(0.5))
        b = v1.get_variable("b", [3], initializer=v1.zeros_initializer())
    assert w.name == "layer/w:0" and b.shape.as_list() == [3]
    with pytest.raises(ValueError, match="already exists, disallowed"), \
            v1.variable_scope("layer"):
        v1.get_variable("w", [2, 3])
    with v1.variable_scope("layer", reuse=True):
        assert v1.get_variable("w") is w
        with pytest.raises(ValueError, match="does not exist"):
            v1.get_variable("nope", [1])
    with v1.variable_scope("layer") as scope:
        scope.reuse_variables()
        assert v1.get_variable("b") is b
    with v1.variable_scope("auto", reuse=v1.AUTO_REUSE):
        c1 = v1.get_variable("c", [1])
    with v1.variable_scope("auto", reuse=v1.AUTO_REUSE):
        assert v1.get_variable("c", [1]) is c1
    with pytest.raises(ValueError, match="must be fully defined"):
        v1.get_variable("noshape")
    d = v1.get_variable("glorot", [4, 5])  # default initializer: Glorot uniform
    with v1.Session() as sess:
        sess.run(v1.global_variables_initializer())
        np.testing.assert_array_equal(sess.run(w), np.full((2, 3), 0.5, np.float32))
        dv = sess.run(d)
    limit = np.sqrt(6.0 / 9.0)
    assert np.all(np.abs(dv) <= limit) and dv.std() > 0.1
    assert [v.name for v in v1.trainable_variables()] == [
        "layer/w:0", "layer/b:0", "auto/c:0", "glorot:0"]


def test_dense_layers_share_weights_under_reuse(v1):
    x = v1.placeholder(tf.float32, [None, 3])
    y1 = v1.layers.dense(x, 2, name="fc")
    y2 = v1.layers.dense(x, 2, name="fc", reuse=True)
    assert len(v1.trainable_variables()) == 2
    with v1.Session() as sess:
        sess.run(v1.global_variables_initializer())
        xv = np.ones((4, 3), np.float32)
        a, b = sess.run([y1, y2], {x: xv})
    np.testing.assert_array_equal(a, b)


def test_variables_in_eager_mode():
    v1 = tf.compat.v1
    v = v1.Variable(1.0)
    assert v.initializer is None
    with pytest.raises(TypeError, match="unhashable"):
        hash(v)
    r = v1.assign_add(v, 2.0)
    assert float(v) == 3.0 and float(r) == 3.0
    with v1.variable_scope("eager_scope"):
        w = v1.get_variable("w", [2], initializer=v1.ones_initializer())
    assert w.numpy().tolist() == [1.0, 1.0]
