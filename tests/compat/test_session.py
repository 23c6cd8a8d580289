"""Sessions: feeds and their checks, fetch structures, names, pruning, the graph API, and the
round trip between graph mode and eager mode."""

import collections
import re

import numpy as np
import pytest

import flowgrad as tf
from flowgrad.core.context import ctx
from flowgrad.errors import InvalidArgumentError


def test_placeholder_feed_and_unknown_batch(v1):
    x = v1.placeholder(tf.float32, shape=[None, 3], name="x")
    y = tf.reduce_sum(x * 2.0, axis=1)
    assert x.shape.as_list() == [None, 3] and y.shape.as_list() == [None]
    assert x.name == "x:0" and x.dtype == tf.float32
    with v1.Session() as sess:
        for n in (1, 4, 7):
            xv = np.arange(3 * n, dtype=np.float32).reshape(n, 3)
            np.testing.assert_allclose(sess.run(y, feed_dict={x: xv}), 2 * xv.sum(1))
        out = sess.run(y, {"x:0": [[1, 2, 3]]})  # by name; lists converted to the dtype
        assert out.dtype == np.float32 and out.tolist() == [12.0]


def test_missing_feed_message(v1):
    x = v1.placeholder(tf.float32, shape=[None, 3], name="x")
    y = x + 1.0
    with v1.Session() as sess, pytest.raises(
            InvalidArgumentError, match=r"You must feed a value for placeholder tensor 'x' "
            r"with dtype float and shape \[\?,3\]"):
        sess.run(y)
    z = v1.placeholder(tf.int32, name="z")
    with v1.Session() as sess, pytest.raises(InvalidArgumentError,
                                             match="placeholder tensor 'z' with dtype int32"):
        sess.run(z * 2)


def test_feed_shape_mismatch_message(v1):
    x = v1.placeholder(tf.float32, shape=[None, 3], name="x")
    with v1.Session() as sess:
        with pytest.raises(ValueError, match=re.escape(
                "Cannot feed value of shape (2,) for Tensor 'x:0', which has shape '(?, 3)'")):
            sess.run(x + 1.0, {x: np.ones(2)})
        with pytest.raises(ValueError, match=re.escape("shape (2, 4) for Tensor 'x:0'")):
            sess.run(x + 1.0, {x: np.ones((2, 4))})


def test_feed_converts_to_the_placeholder_dtype(v1):
    x = v1.placeholder(tf.int32, [2])
    with v1.Session() as sess:
        out = sess.run(x * 3, {x: np.array([1.0, 2.0])})
    assert out.dtype == np.int32 and out.tolist() == [3, 6]


def test_placeholder_with_default_and_feeding_any_tensor(v1):
    d = v1.placeholder_with_default(np.float32([1.0, 2.0]), shape=[None])
    h = d * 10.0
    out = h + 1.0
    with v1.Session() as sess:
        assert sess.run(out).tolist() == [11.0, 21.0]
        assert sess.run(out, {d: [5.0]}).tolist() == [51.0]
        assert sess.run(out, {h: [0.5, 0.5, 0.5]}).tolist() == [1.5, 1.5, 1.5]  # fed tensor


def test_fetch_structures(v1):
    a = tf.constant(1.0) + v1.placeholder_with_default(1.0, [])
    b = a * 3.0
    Pair = collections.namedtuple("Pair", "first second")
    with v1.Session() as sess:
        out = sess.run({"a": a, "rest": [b, (a, Pair(b, [a]))]})
        assert out["a"] == 2.0 and out["rest"][0] == 6.0
        assert isinstance(out["rest"][1], tuple) and isinstance(out["rest"][1][1], Pair)
        assert out["rest"][1][1].second == [2.0]
        assert isinstance(sess.run(a), np.float32)  # scalars come back as NumPy scalars
        assert sess.run([]) == [] and sess.run(()) == ()
        od = sess.run(collections.OrderedDict([("y", b), ("x", a)]))
        assert list(od) == ["y", "x"] and isinstance(od, collections.OrderedDict)
        assert sess.run([a.op, b]) == [None, 6.0]  # ops fetch as None


def test_fetch_by_name_and_errors(v1):
    x = v1.placeholder(tf.float32, [], name="inp")
    y = v1.identity(x * 2.0, name="result")
    g = v1.get_default_graph()
    assert g.get_tensor_by_name("result:0") is y
    assert g.get_operation_by_name("inp").type == "Placeholder"
    with v1.Session() as sess:
        assert sess.run("result:0", {"inp:0": 4.0}) == 8.0
        with pytest.raises(TypeError, match="has invalid type"):
            sess.run(3.5)
        with pytest.raises(ValueError, match="cannot be interpreted as a Tensor"):
            sess.run("nothing:0")
    with pytest.raises(ValueError, match="Operation"):
        g.get_tensor_by_name("result")
    other = v1.Graph()
    with other.as_default():
        t = v1.placeholder(tf.float32, [])
    with v1.Session() as sess, pytest.raises(ValueError, match="not an element of this graph"):
        sess.run(t)
    sess = v1.Session()
    sess.close()
    with pytest.raises(RuntimeError, match="closed Session"):
        sess.run(y, {x: 1.0})


def test_pruning_runs_only_what_fetches_need(v1):
    v = v1.Variable(0.0, name="v")
    x = v1.placeholder(tf.float32, [])
    bump = v1.assign_add(v, 1.0)            # never run unless fetched or depended on
    unrelated = x * 2.0                     # needs a feed, but is not fetched below
    with v1.Session() as sess:
        sess.run(v.initializer)
        assert sess.run(v) == 0.0
        assert sess.run(bump) == 1.0 and sess.run(bump) == 2.0
        assert sess.run(v) == 2.0
        assert sess.run(v.read_value() + 1.0) == 3.0
        assert sess.run(unrelated, {x: 2.0}) == 4.0


def test_graph_api(v1):
    g = v1.get_default_graph()
    x = v1.placeholder(tf.float32, [None], name="x")
    y = tf.exp(x)
    ops = g.get_operations()
    assert [op.type for op in ops][:2] == ["Placeholder", "Exp"]
    assert y.op.type == "Exp" and y.op.inputs[0] is x and y.graph is g
    gd = g.as_graph_def()
    assert [n["op"] for n in gd.node] == ["Exp"] and gd["inputs"][0]["name"] == "x"
    assert {x: 1}[x] == 1  # graph tensors are hashable, as in TF1
    g.finalize()
    with pytest.raises(RuntimeError, match="finalized"):
        tf.exp(y)


def test_graph_as_default_in_eager_mode_and_make_callable():
    v1 = tf.compat.v1
    g = v1.Graph()
    with g.as_default():
        assert not tf.executing_eagerly() and v1.get_default_graph() is g
        x = v1.placeholder(tf.float32, [None])
        y = tf.square(x)
    assert tf.executing_eagerly() and v1.get_default_graph() is not g
    with v1.Session(graph=g) as sess:
        f = sess.make_callable(y, [x])
        assert f([3.0]).tolist() == [9.0]
        assert sess.graph is g
    assert float(tf.square(tf.constant(3.0))) == 9.0


def test_interactive_session_and_eval():
    v1 = tf.compat.v1
    g = v1.Graph()
    with g.as_default():
        x = v1.placeholder(tf.float32, [])
        v = v1.Variable(2.0)
        y = x * v
    sess = v1.InteractiveSession(graph=g)
    try:
        assert v1.get_default_session() is sess
        v.initializer.run()
        assert y.eval({x: 3.0}) == 6.0 and v.eval() == 2.0
        assert v1.tensor_eval(y, {x: 1.0}) == 2.0
    finally:
        sess.close()
    assert v1.get_default_session() is None and tf.executing_eagerly()


def test_eager_round_trip_leaves_eager_working():
    v1 = tf.compat.v1
    assert tf.executing_eagerly()
    v1.disable_eager_execution()
    assert not tf.executing_eagerly() and not v1.executing_eagerly()
    t = tf.constant([1.0, 2.0]) * v1.placeholder(tf.float32, [2])
    assert isinstance(ctx.graph, type(v1.get_default_graph()._trace))
    v1.enable_eager_execution()
    assert tf.executing_eagerly() and ctx.graph is None
    assert not any(type(tp).__name__ == "GraphTape" for tp in ctx.tapes)
    e = tf.constant([1.0, 2.0]) * 2.0
    assert e.numpy().tolist() == [2.0, 4.0]
    with tf.GradientTape() as tape:
        w = tf.Variable(3.0)
        loss = w * w
    assert float(tape.gradient(loss, w)) == 6.0

    @tf.function
    def f(a):
        return a * 2.0
    assert float(f(tf.constant(2.0))) == 4.0
    with pytest.raises(RuntimeError, match="eager"):
        v1.placeholder(tf.float32)
    del t


def test_reset_default_graph(v1):
    a = v1.placeholder(tf.float32, [], name="a")
    g1 = v1.get_default_graph()
    v1.reset_default_graph()
    g2 = v1.get_default_graph()
    assert g1 is not g2 and g2.get_operations() == []
    with v1.Session() as sess, pytest.raises(ValueError, match="not an element"):
        sess.run(a)
    with g1.as_default(), pytest.raises(AssertionError, match="nested"):
        v1.reset_default_graph()


def test_print_and_control_flow_in_a_session(v1, capsys):
    import sys
    p = v1.placeholder(tf.bool, [])
    x = v1.placeholder(tf.float32, [None])
    y = tf.cond(p, lambda: x * 2.0, lambda: x - 1.0)
    pr = v1.print("y =", y, output_stream=sys.stdout)
    with v1.Session() as sess:
        assert sess.run(y, {p: True, x: [1.0, 2.0]}).tolist() == [2.0, 4.0]
        assert sess.run(y, {p: False, x: [1.0, 2.0, 3.0]}).tolist() == [0.0, 1.0, 2.0]
        sess.run(pr, {p: True, x: [1.0]})
    assert capsys.readouterr().out.strip() == "y = [2]"




def test_dropout_with_a_keep_prob_placeholder(v1):
    x = v1.placeholder(tf.float32, [None, 2000])
    keep = v1.placeholder_with_default(1.0, [])
    y = v1.nn.dropout(x, keep_prob=keep)
    training = v1.placeholder(tf.bool, [])
    z = v1.layers.dropout(x, rate=0.25, training=training)
    with v1.Session() as sess:
        ones = np.ones((3, 2000), np.float32)
        assert sess.run(y, {x: ones}).tolist() == ones.tolist()
        half = sess.run(y, {x: ones, keep: 0.5})
        assert half.shape == (3, 2000) and set(np.unique(half)) <= {0.0, 2.0}
        assert 0.45 < (half == 0).mean() < 0.55
        assert sess.run(z, {x: ones, training: False}).tolist() == ones.tolist()
        assert 0.2 < (sess.run(z, {x: ones, training: True}) == 0).mean() < 0.3


def test_tf1_print_passes_its_input_through(v1, capsys):
    x = v1.placeholder(tf.float32, [None])
    y = v1.Print(x, [x], message="x is ") * 2.0
    with v1.Session() as sess:
        assert sess.run(y, {x: [1.0, 2.0]}).tolist() == [2.0, 4.0]
    assert capsys.readouterr().err.strip() == "x is [1 2]"


def test_switching_modes_inside_graph_contexts_and_tapes():
    v1 = tf.compat.v1
    g = v1.Graph()
    with g.as_default():
        v1.disable_eager_execution()
        assert v1.get_default_graph() is g
    assert not tf.executing_eagerly() and v1.get_default_graph() is not g
    with g.as_default():
        v1.enable_eager_execution()
        assert not tf.executing_eagerly()
    assert tf.executing_eagerly() and ctx.graph is None
    with tf.GradientTape() as tape:  # a tape entered before a round trip keeps recording
        v1.disable_eager_execution()
        v1.enable_eager_execution()
        w = tf.Variable(2.0)
        y = w * w
    assert float(tape.gradient(y, w)) == 4.0 and ctx.tapes == []
