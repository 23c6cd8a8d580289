"""The graph optimization passes (`flowgrad/graph/passes.py`), one at a time and end to end.

Every test checks the node list before and after a pass (op names, exactly) and that the graph
computes the same values as before (`Plan(graph)` on random inputs).
"""

import numpy as np
import pytest

import flowgrad as tf
from flowgrad.graph import passes
from flowgrad.graph.ir import Graph

from ._helpers import assert_same_numerics, concrete, const, node, ops, rand, run

F32 = "float32"


# -- constant folding ------------------------------------------------------------------------------
def _foldable_graph():
    g = Graph("fold")
    x = g.add_input(F32, (3,), name="x")
    c1 = const(g, np.float32(2.0))
    c2 = const(g, np.array([1.0, 2.0, 3.0], np.float32))
    m = node(g, "Mul", [c1, c2], [(F32, (3,))])
    e = node(g, "Exp", [m], [(F32, (3,))])
    y = node(g, "AddV2", [x, e], [(F32, (3,))])
    g.outputs = [y]
    return g.verify()


def test_fold_constants_replaces_constant_subgraph():
    g = _foldable_graph()
    assert ops(g) == ["Const", "Const", "Mul", "Exp", "AddV2"]
    folded = passes.fold_constants(g.copy()).verify()
    assert ops(folded) == ["Const", "Const", "Const", "Const", "AddV2"]
    cleaned = passes.eliminate_dead_code(folded.copy()).verify()
    assert ops(cleaned) == ["Const", "AddV2"]
    np.testing.assert_allclose(cleaned.nodes[0].attrs["value"],
                               np.exp(2.0 * np.array([1, 2, 3], np.float32)), rtol=1e-6)
    x = rand(3)
    assert_same_numerics(g, folded, x)
    assert_same_numerics(g, cleaned, x)


def test_fold_constants_skips_stateful_random_ops():
    g = Graph("rnd")
    c = const(g, np.arange(6, dtype=np.int32))
    c2 = const(g, np.arange(6, dtype=np.int32))
    s = node(g, "RandomShuffle", [c], [("int32", (6,))],
             rng=np.random.default_rng(0))
    y = node(g, "AddV2", [s, c2], [("int32", (6,))])
    g.outputs = [y]
    out = passes.fold_constants(g.copy()).verify()
    assert ops(out) == ["Const", "Const", "RandomShuffle", "AddV2"]
    # Running it draws: the result is a permutation of 0..5 plus 0..5, not a fixed constant.
    r = run(out)[0] - np.arange(6)
    assert sorted(r.tolist()) == list(range(6))


def test_fold_constants_leaves_failing_nodes_for_run_time():
    g = Graph("bad")
    c = const(g, np.arange(6, dtype=np.float32))
    r = node(g, "Reshape", [c], [(F32, (4,))], shape=(4,))
    g.outputs = [r]
    out = passes.fold_constants(g.copy())
    assert ops(out) == ["Const", "Reshape"]
    with pytest.raises(tf.errors.InvalidArgumentError, match="Reshape"):
        run(out)


def test_trace_time_folding_of_constant_ops():
    """Ops whose inputs are all constants run eagerly while tracing: the raw graph holds their
    result as one Const, while a random op on constants stays a node."""
    def f(x):
        k = tf.exp(tf.constant([0.0, 1.0])) * 2.0
        return x + k + tf.random.uniform([2])
    c = concrete(f, tf.zeros([2]))
    assert ops(c.raw_graph) == ["Const", "AddV2", "RandomUniform", "AddV2"]
    np.testing.assert_allclose(c.raw_graph.nodes[0].attrs["value"], 2 * np.exp([0.0, 1.0]),
                               rtol=1e-6)


# -- common subexpressions -------------------------------------------------------------------------
def test_cse_merges_identical_pure_nodes_and_constants():
    def f(x):
        a = tf.exp(x) * 3.0
        b = tf.exp(x) * 3.0
        return a + b
    c = concrete(f, tf.zeros([2, 3]))
    raw = c.raw_graph
    assert ops(raw) == ["Exp", "Const", "Mul", "Exp", "Const", "Mul", "AddV2"]
    out = passes.eliminate_common_subexpressions(raw.copy()).verify()
    assert ops(out) == ["Exp", "Const", "Mul", "AddV2"]
    add = out.nodes[-1]
    assert add.inputs[0] == add.inputs[1] == out.nodes[2].outputs[0]
    assert_same_numerics(raw, out, rand(2, 3))


def test_cse_keeps_nodes_with_different_attrs_or_inputs():
    def f(x, y):
        return tf.reduce_sum(x, 0), tf.reduce_sum(x, 1), tf.exp(x), tf.exp(y)
    c = concrete(f, tf.zeros([2, 3]), tf.zeros([2, 3]))
    out = passes.eliminate_common_subexpressions(c.raw_graph.copy())
    assert ops(out) == ops(c.raw_graph) == ["Sum", "Sum", "Exp", "Exp"]


def test_cse_does_not_merge_random_ops():
    def f(x):
        return tf.random.uniform([50]) - tf.random.uniform([50]) + x
    c = concrete(f, tf.zeros([50]))
    assert ops(c.graph).count("RandomUniform") == 2
    diff = tf.function(f)(tf.zeros([50])).numpy()
    assert np.abs(diff).max() > 0  # two independent draws


def test_cse_does_not_merge_variable_reads_across_an_assign():
    v = tf.Variable([1.0, 2.0])

    def f(x):
        a = v.read_value()
        b = v.read_value()       # same epoch as a: merged
        v.assign(x)
        c = v.read_value()       # after the assignment: a new read
        d = v.read_value()       # merged with c
        return a, b, c, d
    cf = concrete(f, tf.zeros([2]))
    assert ops(cf.raw_graph) == ["ReadVariableOp", "ReadVariableOp", "AssignVariableOp",
                                 "ReadVariableOp", "ReadVariableOp"]
    out = passes.eliminate_common_subexpressions(cf.raw_graph.copy()).verify()
    assert ops(out) == ["ReadVariableOp", "AssignVariableOp", "ReadVariableOp"]
    v.assign([1.0, 2.0])
    a, b, c, d = tf.function(f, autograph=False)(tf.constant([5.0, 6.0]))
    np.testing.assert_array_equal(a.numpy(), [1.0, 2.0])
    np.testing.assert_array_equal(b.numpy(), [1.0, 2.0])
    np.testing.assert_array_equal(c.numpy(), [5.0, 6.0])
    np.testing.assert_array_equal(d.numpy(), [5.0, 6.0])


def test_cse_does_not_merge_variable_reads_across_an_assign_inside_cond():
    v = tf.Variable(1.0)

    def f(p):
        a = v.read_value() * 1.0

        def bump():
            v.assign_add(10.0)
            return tf.constant(0.0)
        tf.cond(p, bump, lambda: tf.constant(0.0))
        b = v.read_value() * 1.0
        return a, b
    a, b = tf.function(f)(tf.constant(True))
    assert float(v.numpy()) == 11.0
    assert (float(a), float(b)) == (1.0, 11.0)  # eager gives (1.0, 11.0)


def test_cse_does_not_merge_variable_reads_across_an_assign_inside_while():
    w = tf.Variable(0.0)

    def f(n):
        a = w.read_value() + 0.0
        tf.while_loop(lambda i: i < n, lambda i: (w.assign_add(1.0), i + 1)[1],
                      [tf.constant(0)])
        b = w.read_value() + 0.0
        return a, b
    a, b = tf.function(f)(tf.constant(3))
    assert float(w.numpy()) == 3.0
    assert (float(a), float(b)) == (0.0, 3.0)


# -- dead code -------------------------------------------------------------------------------------
def test_dce_drops_unused_pure_nodes():
    g = Graph("dce")
    x = g.add_input(F32, (3,), name="x")
    e = node(g, "Exp", [x], [(F32, (3,))])
    node(g, "Tanh", [e], [(F32, (3,))])          # unused
    n = node(g, "Neg", [x], [(F32, (3,))])
    g.outputs = [n]
    out = passes.eliminate_dead_code(g.copy()).verify()
    assert ops(out) == ["Neg"]
    assert set(out.values) == {x, n}
    assert_same_numerics(g, out, rand(3))


def test_dce_keeps_assignments_and_prints(capsys):
    v = tf.Variable([0.0, 0.0])

    def f(x):
        unused = tf.exp(x) * 3.0  # noqa: F841 - dead
        v.assign(x * 2.0)
        tf.print("x is", x, output_stream=__import__("sys").stdout)
        return x + 1.0
    fn = tf.function(f, autograph=False)
    c = fn.get_concrete_function(tf.zeros([2]))
    assert ops(c.raw_graph) == ["Exp", "Const", "Mul", "Const", "Mul", "AssignVariableOp",
                                "PrintV2", "Const", "AddV2"]
    out = passes.eliminate_dead_code(c.raw_graph.copy())
    assert ops(out) == ["Const", "Mul", "AssignVariableOp", "PrintV2", "Const", "AddV2"]
    capsys.readouterr()
    r = fn(tf.constant([1.0, 2.0]))
    np.testing.assert_array_equal(r.numpy(), [2.0, 3.0])
    np.testing.assert_array_equal(v.numpy(), [2.0, 4.0])
    assert capsys.readouterr().out == "x is [1 2]\n"


def test_dce_drops_unused_random_draws():
    """Documented: a random draw whose result is unused is dropped (it has no other effect)."""
    c = concrete(lambda x: (tf.random.normal([4]), x * 2.0)[1], tf.zeros([2]))
    assert "RandomStandardNormal" in ops(c.raw_graph)
    assert ops(c.graph) == ["Const", "Mul"]


# -- algebraic simplification ----------------------------------------------------------------------
IDENTITIES = {
    "x*1": lambda x: x * 1.0,
    "1*x": lambda x: 1.0 * x,
    "x+0": lambda x: x + 0.0,
    "0+x": lambda x: 0.0 + x,
    "x-0": lambda x: x - 0.0,
    "x/1": lambda x: x / 1.0,
    "x*ones": lambda x: x * tf.ones([2, 3]),
    "identity": lambda x: tf.identity(x),
    "transpose-transpose": lambda x: tf.transpose(tf.transpose(x)),
    "reshape-reshape": lambda x: tf.reshape(tf.reshape(x, [3, 2]), [2, 3]),
}


@pytest.mark.parametrize("fn", [v for _, v in sorted(IDENTITIES.items())], ids=sorted(IDENTITIES))
def test_simplify_removes_identity(fn):
    c = concrete(lambda x: tf.exp(fn(tf.exp(x))), tf.zeros([2, 3]))
    raw = c.raw_graph
    assert ops(raw)[0] == ops(raw)[-1] == "Exp" and len(ops(raw)) > 2
    out = passes.simplify(raw.copy()).verify()
    assert ops(out) == ["Exp", "Exp"]
    assert out.nodes[1].inputs == out.nodes[0].outputs
    assert_same_numerics(raw, out, rand(2, 3), exact=True)


NOT_IDENTITIES = {
    "0-x": (lambda x: 0.0 - x, ["Const", "Sub"]),
    "1/x": (lambda x: 1.0 / x, ["Const", "RealDiv"]),
    "x*2": (lambda x: x * 2.0, ["Const", "Mul"]),
    "x+1": (lambda x: x + 1.0, ["Const", "AddV2"]),
    "x*ones broadcasting": (lambda x: x * tf.ones([4, 2, 3]), ["Const", "Mul"]),
    "transpose": (lambda x: tf.transpose(x), ["Transpose"]),
}


@pytest.mark.parametrize("name", sorted(NOT_IDENTITIES))
def test_simplify_keeps_non_identities(name):
    fn, middle = NOT_IDENTITIES[name]
    c = concrete(lambda x: fn(tf.exp(x)), tf.zeros([2, 3]))
    out = passes.simplify(c.raw_graph.copy()).verify()
    assert ops(out) == ["Exp"] + middle
    assert_same_numerics(c.raw_graph, out, rand(2, 3), exact=True)


def test_simplify_composes_transposes():
    def f(x):
        a = tf.transpose(x, [1, 2, 0])
        b = tf.transpose(a, [2, 0, 1])   # undoes a: dropped
        c = tf.transpose(x, [2, 1, 0])
        d = tf.transpose(c, [1, 0, 2])   # composed: one transpose with perm (1, 2, 0)
        return b, d
    cf = concrete(f, tf.zeros([2, 3, 4]))
    raw = cf.raw_graph
    assert ops(raw) == ["Transpose"] * 4
    out = passes.simplify(raw.copy()).verify()
    assert ops(out) == ["Transpose"]
    assert tuple(out.nodes[0].attrs["perm"]) == (1, 2, 0)
    assert out.nodes[0].inputs == raw.inputs
    assert out.outputs[0] == raw.inputs[0]
    x = rand(2, 3, 4)
    b, d = run(out, x)
    np.testing.assert_array_equal(b, x)
    np.testing.assert_array_equal(d, np.transpose(np.transpose(x, [2, 1, 0]), [1, 0, 2]))
    assert_same_numerics(raw, out, x, exact=True)


def test_simplify_collapses_reshape_chains():
    cf = concrete(lambda x: tf.reshape(tf.reshape(tf.reshape(x, [6]), [3, 2]), [1, 6]),
                  tf.zeros([2, 3]))
    out = passes.simplify(cf.raw_graph.copy()).verify()
    assert ops(out) == ["Reshape"]
    assert out.nodes[0].inputs == cf.raw_graph.inputs
    assert tuple(out.nodes[0].attrs["shape"]) == (1, 6)
    assert_same_numerics(cf.raw_graph, out, rand(2, 3), exact=True)


def test_simplify_whole_chain_to_the_input():
    def f(x):
        y = tf.reshape(tf.identity(tf.transpose(tf.transpose(x))), [3, 2])
        return 0.0 + 1.0 * (tf.reshape(y, [2, 3]) - 0.0) / 1.0
    cf = concrete(f, tf.zeros([2, 3]))
    out = passes.optimize(cf.raw_graph.copy())
    assert ops(out) == []
    assert out.outputs == out.inputs


def test_simplify_respects_unknown_dims():
    """x * ones([2, 3]) and a reshape to a fixed shape match the trace-time shadow only: with
    a None-dim signature other sizes fail as they do eagerly, never a silently wrong shape."""
    spec = [tf.TensorSpec([None, 3])]
    mul = tf.function(lambda x: tf.exp(x) * tf.ones([2, 3]), input_signature=spec)
    rsh = tf.function(lambda x: tf.reshape(tf.exp(x), [2, 3]), input_signature=spec)
    assert mul(tf.ones([2, 3])).shape == (2, 3)
    assert rsh(tf.ones([2, 3])).shape == (2, 3)
    x4 = tf.ones([4, 3])
    for fn in (mul, rsh):
        with pytest.raises(tf.errors.InvalidArgumentError):
            fn(x4)   # eagerly: incompatible shapes / 12 values into shape [2, 3]


# -- elementwise fusion ----------------------------------------------------------------------------
def test_fusion_turns_a_chain_into_one_node():
    cf = concrete(lambda x: tf.tanh(tf.exp(x) * 2.0) + x, tf.zeros([2, 3]))
    raw = cf.raw_graph
    assert ops(raw) == ["Exp", "Const", "Mul", "Tanh", "AddV2"]
    out = passes.fuse_elementwise(raw.copy()).verify()
    assert ops(out) == ["Const", "Fused"]
    fused = out.nodes[1]
    assert fused.attrs["ops"] == "Exp+Mul+Tanh+AddV2"
    assert fused.inputs == [raw.inputs[0], raw.nodes[1].outputs[0]]
    assert fused.outputs == raw.outputs
    assert_same_numerics(raw, out, rand(2, 3))


def test_fusion_includes_relu_and_keeps_dtype():
    cf = concrete(lambda x: tf.nn.relu(tf.exp(x) - 1.5), tf.zeros([3, 2], tf.float64))
    out = passes.fuse_elementwise(cf.raw_graph.copy())
    assert ops(out) == ["Const", "Fused"]
    assert out.nodes[1].attrs["ops"] == "Exp+Sub+Relu"
    x = rand(3, 2, dtype=np.float64)
    (r,) = run(out, x)
    assert r.dtype == np.float64
    np.testing.assert_allclose(r, np.maximum(np.exp(x) - 1.5, 0), rtol=1e-12)


def test_fusion_does_not_fuse_away_a_value_used_twice():
    def f(x):
        a = tf.exp(x)
        return tf.tanh(a) * a
    cf = concrete(f, tf.zeros([2, 3]))
    out = passes.fuse_elementwise(cf.raw_graph.copy()).verify()
    assert ops(out) == ["Exp", "Fused"]
    assert out.nodes[1].attrs["ops"] == "Tanh+Mul"
    assert out.nodes[1].inputs == out.nodes[0].outputs
    assert_same_numerics(cf.raw_graph, out, rand(2, 3))


def test_fusion_does_not_fuse_away_an_output_or_a_shape_change():
    cf = concrete(lambda x, v: (tf.exp(x), tf.tanh(tf.exp(x)), tf.exp(v) + x),
                  tf.zeros([2, 3]), tf.zeros([3]))
    out = passes.fuse_elementwise(
        passes.eliminate_common_subexpressions(cf.raw_graph.copy())).verify()
    # exp(x) is an output, exp(v) has another shape than the sum: nothing to fuse
    assert ops(out) == ["Exp", "Tanh", "Exp", "AddV2"]
    assert_same_numerics(cf.raw_graph, out, rand(2, 3), rand(3))


def test_fusion_skips_integer_and_scalar_results():
    cf = concrete(lambda i, s: (tf.abs(i * 2 + 1), tf.exp(tf.exp(s))),
                  tf.zeros([3], tf.int32), tf.constant(0.5))
    out = passes.fuse_elementwise(cf.raw_graph.copy())
    assert "Fused" not in ops(out)
    assert_same_numerics(cf.raw_graph, out, np.array([1, -2, 3], np.int32), np.float32(0.5))


def test_fusion_with_unknown_dims_and_broadcasting():
    fn = tf.function(lambda x, y: tf.tanh(x) * y,
                     input_signature=[tf.TensorSpec([None, 3]), tf.TensorSpec([None, 3])])
    fn(rand(2, 3), rand(2, 3))   # traced with equal batch sizes
    x, y = rand(1, 3), rand(4, 3, seed=1)
    np.testing.assert_allclose(fn(x, y).numpy(), np.tanh(x) * y, rtol=1e-6)


# -- memory plan -----------------------------------------------------------------------------------
W = rand(3, 4, seed=3)
B = rand(4, seed=4)


def _planned(fn, *args):
    cf = concrete(fn, *args)
    g = cf.graph
    return cf, g, {n.op: n.attrs.get("_inplace") for n in g.nodes}


def test_memory_plan_writes_into_a_dying_fresh_buffer():
    cf, g, inplace = _planned(lambda x: tf.matmul(x, W) + B, tf.zeros([2, 3]))
    assert ops(g) == ["Const", "BatchMatMulV2", "Const", "AddV2"]
    mm = g.nodes[1].outputs[0]
    assert inplace == {"Const": None, "BatchMatMulV2": None, "AddV2": mm}
    assert g.last_use == {"BatchMatMulV2": [g.nodes[0].outputs[0]],
                          "AddV2": [mm, g.nodes[2].outputs[0]]}
    assert f"out=v{mm})" in cf._plan.source   # the generated code writes into it
    x = rand(2, 3)
    x_before = x.copy()
    for _ in range(2):
        np.testing.assert_allclose(cf(tf.constant(x)).numpy(), x @ W + B, rtol=1e-5)
    np.testing.assert_array_equal(x, x_before)   # the caller's input is never written


@pytest.mark.parametrize("view", ["reshape", "transpose"])
def test_memory_plan_never_writes_into_a_view(view):
    def f(x):
        m = tf.matmul(x, W)
        v = tf.reshape(m, [4, 2]) if view == "reshape" else tf.transpose(m)
        return v * 2.0
    cf, g, inplace = _planned(f, tf.zeros([2, 3]))
    assert ops(g) == ["Const", "BatchMatMulV2", view.capitalize(), "Const", "Mul"]
    assert all(i is None for i in inplace.values())
    x = rand(2, 3)
    m = x @ W
    want = (m.reshape(4, 2) if view == "reshape" else m.T) * 2.0
    np.testing.assert_allclose(cf(tf.constant(x)).numpy(), want, rtol=1e-5)


def test_memory_plan_does_not_overwrite_a_buffer_a_view_still_shows():
    def f(x):
        m = tf.matmul(x, W)
        r = tf.reshape(m, [8])    # a view of m, returned
        y = m + B                 # the last use of m: must not write into it
        return r, y
    cf, g, inplace = _planned(f, tf.zeros([2, 3]))
    assert ops(g) == ["Const", "BatchMatMulV2", "Reshape", "Const", "AddV2"]
    assert inplace["AddV2"] is None
    x = rand(2, 3)
    r, y = cf(tf.constant(x))
    np.testing.assert_allclose(r.numpy(), (x @ W).reshape(8), rtol=1e-5)
    np.testing.assert_allclose(y.numpy(), x @ W + B, rtol=1e-5)


def test_memory_plan_keeps_outputs_inputs_and_assigned_values():
    v = tf.Variable(np.zeros((2, 4), np.float32))

    def f(x):
        m = tf.matmul(x, W)
        a = tf.matmul(x, W * 2.0)
        v.assign(a)
        return m, m + B, a - B, x + 1.0
    cf, g, _ = _planned(f, tf.zeros([2, 3]))
    assert all(n.attrs.get("_inplace") is None for n in g.nodes)
    x = rand(2, 3)
    m, y, z, w = cf(tf.constant(x))
    np.testing.assert_allclose(m.numpy(), x @ W, rtol=1e-5)
    np.testing.assert_allclose(y.numpy(), x @ W + B, rtol=1e-5)
    np.testing.assert_allclose(v.numpy(), x @ (W * 2), rtol=1e-5)
    np.testing.assert_allclose(z.numpy(), x @ (W * 2) - B, rtol=1e-5)
    np.testing.assert_allclose(w.numpy(), x + 1, rtol=1e-6)


def test_memory_plan_last_use_on_hand_built_graph():
    g = Graph("mem")
    x = g.add_input(F32, (4,), name="x")
    a = node(g, "Exp", [x], [(F32, (4,))])
    b = node(g, "Sqrt", [a], [(F32, (4,))])
    c = node(g, "AddV2", [a, b], [(F32, (4,))])
    d = node(g, "Neg", [c], [(F32, (4,))])
    g.outputs = [d]
    before = g.copy()
    out = passes.plan_memory(g)
    assert out.last_use == {"AddV2": [a, b], "Neg": [c]}
    assert {n.op: n.attrs.get("_inplace") for n in out.nodes} == {
        "Exp": None, "Sqrt": None, "AddV2": a, "Neg": c}
    assert_same_numerics(before, out, rand(4))


def test_memory_plan_with_unknown_dims_and_broadcasting():
    fn = tf.function(lambda x, y: tf.matmul(x, W) + tf.matmul(y, W),
                     input_signature=[tf.TensorSpec([None, 3]), tf.TensorSpec([None, 3])])
    fn(rand(2, 3), rand(2, 3))   # traced with equal batch sizes
    x, y = rand(1, 3), rand(4, 3, seed=1)
    np.testing.assert_allclose(fn(x, y).numpy(), x @ W + y @ W, rtol=1e-5)


# -- the whole pipeline ----------------------------------------------------------------------------
def test_optimize_end_to_end():
    b = tf.constant(B)

    def f(x):
        h = tf.matmul(x, W) * 1.0 + tf.zeros([4])
        h2 = tf.matmul(x, W)                       # CSE with h
        unused = tf.reduce_sum(tf.exp(h))          # noqa: F841 - dead
        k = tf.exp(tf.constant(1.0))               # folded at trace time
        y = tf.nn.relu(tf.identity(h2) + b) * k
        return tf.transpose(tf.transpose(tf.tanh(y) - h))
    cf = concrete(f, tf.zeros([5, 3]))
    raw, opt = cf.raw_graph, cf.graph
    assert ops(raw) == ["Const", "BatchMatMulV2", "Const", "Mul", "Const", "AddV2", "Const",
                        "BatchMatMulV2", "Exp", "Sum", "Identity", "Const", "AddV2", "Relu",
                        "Const", "Mul", "Tanh", "Sub", "Transpose", "Transpose"]
    assert ops(opt) == ["Const", "BatchMatMulV2", "Const", "Const", "Fused"]
    fused = opt.nodes[-1]
    assert fused.attrs["ops"] == "AddV2+Relu+Mul+Tanh+Sub"
    mm, bias, e = opt.nodes[1].outputs[0], opt.nodes[2].outputs[0], opt.nodes[3].outputs[0]
    assert fused.inputs == [mm, bias, e]
    assert opt.last_use == {"BatchMatMulV2": [opt.nodes[0].outputs[0]],
                            "Fused": [mm, bias, e]}
    x = rand(5, 3)
    assert_same_numerics(raw, opt, x)
    want = np.tanh(np.maximum(x @ W + B, 0) * np.e) - x @ W
    np.testing.assert_allclose(cf(tf.constant(x)).numpy(), want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(f(tf.constant(x)).numpy(), want, rtol=1e-5, atol=1e-6)


def test_optimize_with_custom_pass_list_and_idempotence():
    cf = concrete(lambda x: tf.exp(x) * 1.0 + tf.exp(x), tf.zeros([3]))
    only_cse = passes.optimize(cf.raw_graph.copy(), [passes.eliminate_common_subexpressions])
    assert ops(only_cse) == ["Exp", "Const", "Mul", "AddV2"]
    once = passes.optimize(cf.raw_graph.copy())
    twice = passes.optimize(once.copy())
    assert ops(once) == ops(twice) == ["Exp", "AddV2"]
    assert_same_numerics(cf.raw_graph, twice, rand(3))
