"""tf.summary: every summary kind, read back with TensorBoard's own event reader."""

import glob
import io
import os
import wave

import numpy as np
import pytest

import flowgrad as tf

pytest.importorskip("tensorboard", reason="tf.summary needs the optional `tensorboard` "
                    "package (pip install flowgrad[tensorboard])")
from tensorboard.backend.event_processing import event_accumulator as ea
from tensorboard.backend.event_processing import event_file_loader
from tensorboard.util import tensor_util


def _load(run):
    acc = ea.EventAccumulator(str(run), size_guidance={ea.TENSORS: 0, ea.GRAPH: 1})
    acc.Reload()
    return acc


def _values(acc, tag):
    return [(e.step, tensor_util.make_ndarray(e.tensor_proto)) for e in acc.Tensors(tag)]


def test_file_layout_and_first_event(tmp_path):
    w = tf.summary.create_file_writer(str(tmp_path / "run"), filename_suffix=".v2")
    with w.as_default():
        tf.summary.scalar("x", 1.0, step=0)
    w.close()
    files = glob.glob(str(tmp_path / "run" / "events.out.tfevents.*.v2"))
    assert len(files) == 1 and w.path == files[0]
    events = list(event_file_loader.EventFileLoader(files[0]).Load())
    assert events[0].file_version == "brain.Event:2" and events[0].wall_time > 0
    assert events[1].summary.value[0].tag == "x"


def test_all_summary_kinds_read_by_tensorboard(tmp_path):
    run = tmp_path / "run"
    w = tf.summary.create_file_writer(str(run))
    rng = np.random.default_rng(0)
    hist_data = rng.normal(size=500)
    with w.as_default():
        for step in range(3):
            assert tf.summary.scalar("loss", tf.constant(1.0 / (step + 1)), step=step)
        assert tf.summary.histogram("weights", tf.constant(hist_data), step=1)
        assert tf.summary.histogram("few", [1.0, 2.0, 3.0], step=1, buckets=2)
        assert tf.summary.image("img", rng.random((4, 5, 6, 3)), step=2, max_outputs=2)
        assert tf.summary.text("notes", "hello **world**", step=0)
        assert tf.summary.audio("sound", rng.uniform(-1, 1, (1, 200, 2)), 16000, step=0)
    acc = _load(run)
    tags = acc.Tags()["tensors"]
    assert {"loss", "weights", "few", "img", "notes", "sound"} <= set(tags)

    loss = _values(acc, "loss")
    assert [s for s, _ in loss] == [0, 1, 2]
    np.testing.assert_allclose([float(v) for _, v in loss], [1.0, 0.5, 1 / 3], rtol=1e-6)
    assert acc.SummaryMetadata("loss").plugin_data.plugin_name == "scalars"

    (step, table), = _values(acc, "weights")
    assert step == 1 and table.shape == (30, 3) and table[:, 2].sum() == 500
    assert table[0, 0] == hist_data.min() and table[-1, 1] == hist_data.max()
    assert acc.SummaryMetadata("weights").plugin_data.plugin_name == "histograms"
    np.testing.assert_allclose(_values(acc, "few")[0][1], [[1, 2, 1], [2, 3, 2]])

    (step, imgs), = _values(acc, "img")
    assert step == 2 and imgs.shape == (4,)            # width, height, 2 PNGs
    assert imgs[0] == b"6" and imgs[1] == b"5" and imgs[2].startswith(b"\x89PNG")
    assert acc.SummaryMetadata("img").plugin_data.plugin_name == "images"

    (_, txt), = _values(acc, "notes")
    assert txt == b"hello **world**"
    assert acc.SummaryMetadata("notes").plugin_data.plugin_name == "text"

    (_, clips), = _values(acc, "sound")
    assert clips.shape == (1, 2)
    with wave.open(io.BytesIO(clips[0, 0])) as wf:
        assert (wf.getnchannels(), wf.getframerate(), wf.getnframes()) == (2, 16000, 200)
    assert acc.SummaryMetadata("sound").plugin_data.plugin_name == "audio"


def test_graph_and_trace_export(tmp_path):
    @tf.function
    def f(x, y):
        return tf.nn.relu(tf.matmul(x, y)), tf.reduce_sum(x)

    run = tmp_path / "run"
    w = tf.summary.create_file_writer(str(run))
    with w.as_default():
        tf.summary.trace_on(graph=True)
        f(tf.ones((2, 3)), tf.ones((3, 4)))
        assert tf.summary.trace_export("f_trace", step=0)
    gd = _load(run).Graph()
    nodes = {n.name: n for n in gd.node}
    ph = [n for n in gd.node if n.op == "Placeholder"]
    assert len(ph) == 2
    assert [d.size for d in ph[0].attr["shape"].shape.dim] == [2, 3]
    ops = {n.op for n in gd.node}
    assert "Sum" in ops and "Identity" in ops
    assert any(n.op in ("BatchMatMulV2", "MatMul", "Fused") for n in gd.node)
    for n in gd.node:        # every input names an existing node
        for i in n.input:
            assert i.split(":")[0] in nodes
    # trace_export turned tracing off
    from flowgrad.graph.function import ConcreteFunction
    assert ConcreteFunction._call_flat.__name__ == "_call_flat"


def test_graph_from_concrete_function(tmp_path):
    f = tf.function(lambda x: x * 2.0 + 1.0)
    c = f.get_concrete_function(tf.ones((3,)))
    w = tf.summary.create_file_writer(str(tmp_path))
    with w.as_default():
        assert tf.summary.graph(c)
    gd = _load(tmp_path).Graph()
    assert gd.node[0].op == "Placeholder"
    with pytest.raises(TypeError), w.as_default():
        tf.summary.graph(object())


def test_steps_defaults_record_if_and_no_writer(tmp_path):
    assert tf.summary.scalar("x", 1.0, step=0) is False       # no default writer
    w = tf.summary.create_file_writer(str(tmp_path))
    with w.as_default():
        with pytest.raises(ValueError, match="No step set"):
            tf.summary.scalar("x", 1.0)
        tf.summary.experimental.set_step(5)
        try:
            assert tf.summary.experimental.get_step() == 5
            assert tf.summary.scalar("a", 1.0)
            with tf.summary.record_if(False):
                assert tf.summary.scalar("skipped", 1.0) is False
            with tf.summary.record_if(lambda: True):
                assert tf.summary.scalar("b", 2.0, step=tf.Variable(7, dtype=tf.int64))
        finally:
            tf.summary.experimental.set_step(None)
    with w.as_default(step=11):
        assert tf.summary.scalar("c", 3.0)
    w.set_as_default()
    try:
        assert tf.summary.scalar("d", 4.0, step=12)
    finally:
        tf.summary._state.writer = None
    tf.summary.flush(w)
    acc = _load(tmp_path)
    steps = {t: [e.step for e in acc.Tensors(t)] for t in acc.Tags()["tensors"]}
    assert steps == {"a": [5], "b": [7], "c": [11], "d": [12]}


def test_noop_writer_and_tracing_error(tmp_path):
    with tf.summary.create_noop_writer().as_default():
        assert tf.summary.scalar("x", 1.0, step=0) is False
    w = tf.summary.create_file_writer(str(tmp_path))

    @tf.function
    def f(x):
        tf.summary.scalar("inside", x, step=0)
        return x

    with w.as_default(), pytest.raises(NotImplementedError, match="eagerly"):
        f(tf.constant(1.0))


def test_flush_millis_writes_without_close(tmp_path):
    w = tf.summary.create_file_writer(str(tmp_path), flush_millis=0)
    with w.as_default():
        tf.summary.scalar("x", 1.0, step=0)
    size = os.path.getsize(w.path)
    assert size > 0
    events = list(event_file_loader.EventFileLoader(w.path).Load())
    assert len(events) == 2


def test_missing_tensorboard_message(monkeypatch):
    import sys

    from flowgrad.summary import _protos
    monkeypatch.setattr(_protos.P, "_loaded", False)
    monkeypatch.setitem(sys.modules, "tensorboard.compat.proto", None)
    with pytest.raises(ImportError, match="pip install tensorboard"):
        tf.summary.create_file_writer("unused")
