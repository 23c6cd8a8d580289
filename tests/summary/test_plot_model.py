"""keras.utils.model_to_dot / plot_model / plot_function / plot_history."""

import itertools
import re
import shutil

import numpy as np
import pytest

import flowgrad as tf
from flowgrad import keras
from flowgrad.keras.utils import vis_utils

NODE = re.compile(r'^\s*"((?:[^"\\]|\\.)*)" \[label="((?:[^"\\]|\\.)*)"\];$')
EDGE = re.compile(r'^\s*"((?:[^"\\]|\\.)*)" -> "((?:[^"\\]|\\.)*)";$')
HAVE_DOT = shutil.which("dot") is not None


def parse(dot):
    """{node id: [label lines]}, [(src, dst)] from DOT text as model_to_dot writes it."""
    assert dot.startswith("digraph ")
    assert dot.rstrip().endswith("}")
    assert dot.count("{") == dot.count("}")
    nodes, edges = {}, []
    for line in dot.splitlines():
        m = NODE.match(line)
        if m:
            nodes[m.group(1)] = m.group(2).split("\\n")
            continue
        m = EDGE.match(line)
        if m:
            edges.append((m.group(1), m.group(2)))
    return nodes, edges


def cnn():
    return keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Conv2D(32, 3, activation="relu"),
        keras.layers.MaxPooling2D(),
        keras.layers.Conv2D(64, 3, activation="relu"),
        keras.layers.MaxPooling2D(),
        keras.layers.Flatten(),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])


def two_input():
    a = keras.Input((8,), name="vp_a")
    b = keras.Input((4,), name="vp_b")
    x = keras.layers.Dense(16, name="vp_da")(a)
    y = keras.layers.Dense(16, name="vp_db")(b)
    z = keras.layers.Concatenate(name="vp_cat")([x, y])
    out = keras.layers.Dense(1, name="vp_out")(z)
    return keras.Model([a, b], out, name="vp_two")


def test_cnn_nodes_edges_shapes():
    model = cnn()
    dot = keras.utils.model_to_dot(model, show_shapes=True, show_layer_activations=True)
    assert isinstance(dot, str)
    nodes, edges = parse(dot)
    names = [lay.name for lay in model.layers]
    inputs = [n for n, lab in nodes.items() if lab[0].endswith("(InputLayer)")]
    assert len(inputs) == 1
    assert set(nodes) == set(names) | set(inputs)
    for lay in model.layers:
        assert nodes[lay.name][0] == f"{lay.name} ({type(lay).__name__})"
    chain = inputs + names
    assert edges == list(itertools.pairwise(chain))
    expected = {  # layer class -> (input, output) shapes, in order of the model's layers
        0: ("(None, 28, 28, 1)", "(None, 26, 26, 32)"),
        1: ("(None, 26, 26, 32)", "(None, 13, 13, 32)"),
        2: ("(None, 13, 13, 32)", "(None, 11, 11, 64)"),
        3: ("(None, 11, 11, 64)", "(None, 5, 5, 64)"),
        4: ("(None, 5, 5, 64)", "(None, 1600)"),
        5: ("(None, 1600)", "(None, 128)"),
        6: ("(None, 128)", "(None, 10)"),
    }
    for i, (ins, outs) in expected.items():
        label = nodes[names[i]]
        assert f"input: {ins}" in label and f"output: {outs}" in label
    assert "activation: relu" in nodes[names[0]]
    assert "activation: softmax" in nodes[names[-1]]
    assert not any(line.startswith("activation") for line in nodes[names[1]])
    assert nodes[inputs[0]][1:] == ["input: (None, 28, 28, 1)", "output: (None, 28, 28, 1)"]


def test_options():
    model = cnn()
    plain = parse(keras.utils.model_to_dot(model))[0]
    assert all(len(lab) == 1 for lab in plain.values())
    nodes = parse(keras.utils.model_to_dot(model, show_layer_names=False, show_dtype=True,
                                           show_trainable=True))[0]
    dense = nodes[model.layers[-1].name]
    assert dense == ["Dense", "trainable: True", "dtype: float32"]
    lr = keras.utils.model_to_dot(model, rankdir="LR", dpi=72)
    assert 'rankdir="LR"' in lr and 'dpi="72"' in lr
    with pytest.raises(ValueError, match="rankdir"):
        keras.utils.model_to_dot(model, rankdir="XY")


def test_two_input_functional():
    model = two_input()
    nodes, edges = parse(keras.utils.model_to_dot(model, show_shapes=True))
    assert set(nodes) == {"vp_a", "vp_b", "vp_da", "vp_db", "vp_cat", "vp_out"}
    assert nodes["vp_a"][0] == "vp_a (InputLayer)"
    assert nodes["vp_cat"][0] == "vp_cat (Concatenate)"
    assert "input: [(None, 16), (None, 16)]" in nodes["vp_cat"]
    assert "output: (None, 32)" in nodes["vp_cat"]
    # edges are exactly the model's connectivity (inbound layers of each node)
    expected = set()
    for lay in model.layers:
        for node in lay._inbound_nodes:
            for inbound, _, _, _ in node.iterate_inbound():
                expected.add((inbound.name, lay.name))
    assert set(edges) == expected
    assert set(edges) == {("vp_a", "vp_da"), ("vp_b", "vp_db"), ("vp_da", "vp_cat"),
                          ("vp_db", "vp_cat"), ("vp_cat", "vp_out")}
    assert len(edges) == len(set(edges))


def test_nested_model():
    inner = two_input()
    a, b = keras.Input((8,), name="vp_oa"), keras.Input((4,), name="vp_ob")
    outer = keras.Model([a, b], keras.layers.Dense(2, name="vp_head")(inner([a, b])))
    nodes, edges = parse(keras.utils.model_to_dot(outer, show_shapes=True))
    assert set(nodes) == {"vp_oa", "vp_ob", "vp_two", "vp_head"}
    assert "input: [(None, 8), (None, 4)]" in nodes["vp_two"]
    assert set(edges) == {("vp_oa", "vp_two"), ("vp_ob", "vp_two"), ("vp_two", "vp_head")}
    dot = keras.utils.model_to_dot(outer, expand_nested=True)
    assert 'subgraph "cluster_vp_two"' in dot
    nodes, edges = parse(dot)
    assert "vp_two" not in nodes and "vp_two/vp_cat" in nodes
    assert ("vp_oa", "vp_two/vp_a") in edges and ("vp_ob", "vp_two/vp_b") in edges
    assert ("vp_two/vp_out", "vp_head") in edges and ("vp_oa", "vp_two/vp_b") not in edges


def test_plot_model_dot_file(tmp_path):
    model = two_input()
    path = tmp_path / "m.dot"
    assert keras.utils.plot_model(model, to_file=str(path), show_shapes=True) is None
    assert path.read_text() == keras.utils.model_to_dot(model, show_shapes=True)
    try:
        import pydot
    except ImportError:
        return
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # pydot's use of pyparsing
        (graph,) = pydot.graph_from_dot_file(str(path))
    assert len(graph.get_edges()) == 5


def test_missing_graphviz(tmp_path, monkeypatch):
    monkeypatch.setattr(vis_utils.shutil, "which", lambda name: None)
    out = tmp_path / "m.png"
    with pytest.raises(ImportError, match="Graphviz"):
        keras.utils.plot_model(cnn(), to_file=str(out))
    with pytest.raises(RuntimeError, match="Install Graphviz"):
        keras.utils.plot_model(cnn(), to_file=str(out))
    assert not out.exists()


@pytest.mark.skipif(not HAVE_DOT, reason="Graphviz's `dot` program is not installed "
                    "(apt-get install graphviz)")
def test_plot_model_png_svg(tmp_path):
    model = cnn()
    png = tmp_path / "m.png"
    keras.utils.plot_model(model, to_file=str(png), show_shapes=True)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = tmp_path / "m.svg"
    keras.utils.plot_model(model, to_file=str(svg), expand_nested=True)
    assert b"<svg" in svg.read_bytes()


def test_plot_function(tmp_path):
    f = tf.function(lambda x: tf.nn.relu(x) * 2.0)
    x = tf.constant([1.0, -1.0])
    path = tmp_path / "f.dot"
    keras.utils.plot_function(f, x, to_file=str(path))
    text = path.read_text()
    assert text.startswith("digraph") and "->" in text
    assert text.strip() == f.get_concrete_function(x).graph.to_dot().strip()
    assert "rankdir=LR;" in vis_utils.function_to_dot(f, x, rankdir="LR")


def test_plot_history(tmp_path):
    pytest.importorskip("matplotlib", reason="matplotlib is not installed")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse", metrics=["mae"])
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 3)).astype("float32")
    hist = model.fit(x, x.sum(1), epochs=3, validation_split=0.25, verbose=0)
    path = tmp_path / "h.png"
    fig = keras.utils.plot_history(hist, to_file=str(path))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [ax.get_title() for ax in fig.axes] == ["loss", "mae"]
    assert len(fig.axes[0].get_lines()) == 2  # train and validation
    fig = keras.utils.plot_history(hist.history, metrics="loss")
    assert len(fig.axes) == 1
    with pytest.raises(ValueError, match="no metric"):
        keras.utils.plot_history(hist, metrics=["accuracy"])


def test_plot_history_without_matplotlib(monkeypatch):
    import builtins
    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError("no matplotlib")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(ImportError, match="pip install matplotlib"):
        keras.utils.plot_history({"loss": [1.0, 0.5]})
