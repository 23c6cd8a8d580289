"""Graph IR: construction, printer, verifier, DOT and JSON export."""

import json

import pytest

from flowgrad.errors import InvalidArgumentError
from flowgrad.graph.ir import Graph


def _small():
    g = Graph("f")
    x = g.add_input("float32", (None, 3), name="x")
    w = g.add_input("float32", (3, 2), name="w")
    (h,) = g.add_node("BatchMatMulV2", [x, w], {"transpose_a": False, "transpose_b": False},
                      [("float32", (None, 2))])
    (y,) = g.add_node("Exp", [h], {}, [("float32", (None, 2))])
    g.outputs = [y]
    return g, (x, w, h, y)


def test_printer():
    g, _ = _small()
    assert str(g) == (
        "graph f(%0: float32[?,3], %1: float32[3,2]) -> (%3)\n"
        "  %2: float32[?,2] = BatchMatMulV2(%0, %1, transpose_a=False, transpose_b=False)\n"
        "  %3: float32[?,2] = Exp(%2)")


def test_verify_accepts_valid_and_rejects_bad_order():
    g, (x, w, h, y) = _small()
    assert g.verify() is g
    g.nodes.reverse()
    with pytest.raises(InvalidArgumentError, match="before it is defined"):
        g.verify()
    g2, _ = _small()
    g2.outputs = [99]
    with pytest.raises(InvalidArgumentError, match="output %99"):
        g2.verify()
    with pytest.raises(InvalidArgumentError, match="not in graph"):
        g2.add_node("Exp", [1234], {}, [("float32", ())])


def test_json_and_dot():
    g, (x, w, h, y) = _small()
    d = json.loads(g.to_json())
    assert [n["op"] for n in d["nodes"]] == ["BatchMatMulV2", "Exp"]
    assert d["inputs"][0] == {"id": x, "dtype": "float32", "shape": [None, 3], "name": "x"}
    assert d["outputs"] == [y]
    dot = g.to_dot()
    assert dot.startswith('digraph "f"') and "in0 -> n0" in dot and "n0 -> n1" in dot
    assert 'n1 -> out0 [label="float32[?,2]"]' in dot


def test_unique_node_names():
    g = Graph()
    a = g.add_input("float32", ())
    (b,) = g.add_node("Exp", [a], {}, [("float32", ())])
    g.add_node("Exp", [b], {}, [("float32", ())])
    assert [n.name for n in g.nodes] == ["Exp", "Exp_1"]
