"""tf.data pipelines against real TensorFlow: every pipeline of the table in
fixtures/make_tf_pipelines.py runs on flowgrad and must give what TensorFlow 2.21 gave
(fixtures/tf_pipelines.json): the elements with their dtypes and shapes, the element_spec and
the cardinality. Shuffled pipelines are compared as multisets per epoch, plus which epochs
repeat an order and whether the same seed rebuilds the same order (TF's exact order is not
reproduced: flowgrad draws from NumPy's generator).

The fixture is regenerated with the peers' Python (see the generator's docstring); TensorFlow
is not needed here.
"""

import collections
import json
import os

import numpy as np
import pytest

import flowgrad as tf
from tests.fixture_json import load_generator_and_fixture

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")


gen, FIXTURE = load_generator_and_fixture(HERE, "make_tf_pipelines.py", "tf_pipelines.json")
CASES = {c["name"]: c for c in gen.CASES}
HEADER = FIXTURE.pop("_header")

# Known, deliberate differences (name -> reason).
XFAIL = {
    "range_dtype_keyword": "TF's Dataset.range takes `output_type=` and silently ignores "
                           "`dtype=` (int64 elements); flowgrad honors `dtype=` as an alias",
}


def _params():
    out = []
    for name in CASES:
        marks = [pytest.mark.xfail(reason=XFAIL[name], strict=True)] if name in XFAIL else []
        out.append(pytest.param(name, marks=marks, id=name))
    return out


# ---------------------------------------------------------------------------------------------
def _assert_same(got, want, path="element"):
    """Compares two encoded elements / specs (dtype and shape exactly; floats to 1e-6)."""
    assert type(got) is type(want), f"{path}: {got!r} vs TF {want!r}"
    if isinstance(want, list):
        assert len(got) == len(want), f"{path}: {len(got)} items vs TF {len(want)}"
        for i, (g, w) in enumerate(zip(got, want)):
            _assert_same(g, w, f"{path}[{i}]")
        return
    if not isinstance(want, dict):
        assert got == want, f"{path}: {got!r} vs TF {want!r}"
        return
    assert sorted(got) == sorted(want), f"{path}: keys {sorted(got)} vs TF {sorted(want)}"
    if "v" in want:  # a tensor
        assert got["t"] == want["t"], f"{path}: dtype {got['t']} vs TF {want['t']}"
        assert got["s"] == want["s"], f"{path}: shape {got['s']} vs TF {want['s']}"
        if want["t"].startswith(("float", "bfloat", "half")):
            np.testing.assert_allclose(np.array(got["v"], np.float64),
                                       np.array(want["v"], np.float64), rtol=1e-6, atol=1e-7,
                                       err_msg=path)
        else:
            assert got["v"] == want["v"], f"{path}: {got['v']!r} vs TF {want['v']!r}"
        return
    for k in want:
        _assert_same(got[k], want[k], f"{path}.{k}")


def _run(name, directory):
    # a JSON round trip, so that flowgrad's record has exactly the fixture's types
    return json.loads(json.dumps(gen.run_case(CASES[name], tf, directory)))


def _epochs(iterations, size):
    out = []
    for it in iterations:
        size_ = size or len(it)
        out.extend(it[i:i + size_] for i in range(0, len(it), size_))
    return out


def _multiset(elements):
    return collections.Counter(json.dumps(e, sort_keys=True) for e in elements)


def _repeats(epochs):
    """For each epoch, the index of the first epoch with the same order."""
    return [next(j for j in range(i + 1) if epochs[j] == e) for i, e in enumerate(epochs)]


@pytest.mark.parametrize("name", _params())
def test_pipeline_matches_tensorflow(name, tmp_path):
    case, want = CASES[name], FIXTURE[name]
    got = _run(name, str(tmp_path))
    _assert_same(got["spec"], want["spec"], "element_spec")
    assert got["cardinality"] == want["cardinality"], (
        f"cardinality {got['cardinality']} vs TF {want['cardinality']}")
    if case.get("check", "exact") == "exact":
        _assert_same(got["iterations"], want["iterations"], "iterations")
        return
    # shuffle: same multiset per epoch, same pattern of repeated orders, same reproducibility
    g, w = _epochs(got["iterations"], case.get("epoch")), _epochs(want["iterations"],
                                                                  case.get("epoch"))
    assert len(g) == len(w)
    for i, (ge, we) in enumerate(zip(g, w)):
        assert len(ge) == len(we), f"epoch {i}: {len(ge)} elements vs TF {len(we)}"
        assert _multiset(ge) == _multiset(we), f"epoch {i} is not the same multiset"
        for e in ge:  # dtype / shape of each element as in TF's first
            assert {k: e[k] for k in e if k != "v"} == {k: we[0][k] for k in we[0] if k != "v"}
    assert _repeats(g) == _repeats(w), "which epochs repeat an order differs from TF"
    if "rebuilt_same" in want:
        assert got["rebuilt_same"] == want["rebuilt_same"]


def test_fixture_covers_the_table_and_constants():
    assert set(FIXTURE) == set(CASES), "regenerate tf_pipelines.json (see make_tf_pipelines.py)"
    assert tf.data.INFINITE_CARDINALITY == HEADER["INFINITE_CARDINALITY"]
    assert tf.data.UNKNOWN_CARDINALITY == HEADER["UNKNOWN_CARDINALITY"]
    assert tf.data.experimental.INFINITE_CARDINALITY == HEADER["INFINITE_CARDINALITY"]
    assert tf.data.experimental.UNKNOWN_CARDINALITY == HEADER["UNKNOWN_CARDINALITY"]


def _positions_ok(order, buffer_size):
    # a buffer of k elements: the element at output position p was among the first p + k
    # inputs, so element i never comes out before position i - k + 1
    return all(p >= i - buffer_size + 1 for p, i in enumerate(order))


def test_shuffle_buffer_locality_as_in_tensorflow():
    want = FIXTURE["shuffle_small_buffer_seeded"]["iterations"]  # range(50).shuffle(5, seed=7)
    for it in want:
        order = [e["v"] for e in it]
        assert _positions_ok(order, 5) and not _positions_ok(order, 4)
    ds = tf.data.Dataset.range(50).shuffle(5, seed=7)
    for _ in range(20):
        order = [int(v) for v in ds.as_numpy_iterator()]
        assert sorted(order) == list(range(50)) and _positions_ok(order, 5)
    # buffer_size=1 is the identity, on a generic source and on index-backed slices
    assert [int(v) for v in tf.data.Dataset.range(9).shuffle(1, seed=1)] == list(range(9))
    sl = tf.data.Dataset.from_tensor_slices(np.arange(9)).shuffle(1, seed=1)
    assert [int(v) for v in sl] == list(range(9))
