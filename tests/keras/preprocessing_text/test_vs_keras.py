"""TextVectorization, StringLookup, IntegerLookup and Hashing against real Keras 3: every case
of fixtures/make_text_layers.py runs on flowgrad and must give what TensorFlow 2.21 + Keras 3.15
gave (fixtures/text_layers_keras.json): outputs with dtypes and shapes, vocabularies (adapt
order, special tokens), OOV buckets (FarmHash / SipHash), idf weights, configs, or the same
error class. A `.keras` file written by Keras with an adapted TextVectorization loads and
predicts the same.

The fixtures are regenerated with the peers' Python (see the generator's docstring); TensorFlow
is not needed here.
"""

import os

import numpy as np
import pytest

import flowgrad as tf
from tests.fixture_json import load_generator_and_fixture

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")


gen, FIXTURE = load_generator_and_fixture(HERE, "make_text_layers.py", "text_layers_keras.json")
HEADER = FIXTURE.pop("_header")

# Keras 3.15 returns one_hot / multi_hot / count encodings of the lookup layers as int64
# tensors (its declared output spec says float32); flowgrad returns float32, as tf.keras 2.x
# did, so the encodings feed Dense layers. Values must be equal.
FLOAT_ENCODINGS = {
    "tv_multi_hot", "tv_count_pad_to_max_tokens", "tv_split_none_multi_hot",
    "sl_mask_multi_hot", "sl_one_hot", "sl_one_hot_column", "sl_one_hot_2d",
    "sl_one_hot_scalar", "sl_multi_hot_1d", "sl_count_2d", "sl_count_scalar",
    "sl_pad_to_max_tokens", "il_multi_hot", "il_count_adapted"}
SAME_ERROR = {"ValueError": {"ValueError", "InvalidArgumentError"},
              "InvalidArgumentError": {"InvalidArgumentError"}}


def test_fixture_covers_every_case():
    assert set(FIXTURE) == set(gen.CASES), "regenerate text_layers_keras.json (see generator)"


def _assert_values(g, w, path):
    if isinstance(w, float) or isinstance(g, float):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-7, err_msg=path)
    elif isinstance(w, list) and isinstance(g, list):
        assert len(g) == len(w), f"{path}: {g} vs Keras's {w}"
        for i, (a, b) in enumerate(zip(g, w)):
            _assert_values(a, b, f"{path}[{i}]")
    elif isinstance(w, dict) and isinstance(g, dict):
        assert set(g) == set(w), f"{path}: keys {sorted(g)} vs Keras's {sorted(w)}"
        for k in w:
            _assert_values(g[k], w[k], f"{path}.{k}")
    else:
        assert g == w, f"{path}: {g!r} vs Keras's {w!r}"


def assert_same(got, want, path):
    if "error" in want:
        assert "error" in got, f"{path}: Keras raised {want['error']}; flowgrad gave {got}"
        assert got["error"] in SAME_ERROR.get(want["error"], {want["error"]}), \
            f"{path}: {got['error']} vs Keras's {want['error']}"
        return
    assert set(got) == set(want), f"{path}: {got} vs Keras's {want}"
    if "tuple" in want:
        for i, (g, w) in enumerate(zip(got["tuple"], want["tuple"])):
            assert_same(g, w, f"{path}[{i}]")
        return
    want_t = want.get("t")
    if path in FLOAT_ENCODINGS:
        assert want_t == "int64" and got.get("t") == "float32", (path, got.get("t"), want_t)
        want_t = "float32"
    assert (got.get("t"), got.get("s"), got.get("r")) == (want_t, want.get("s"), want.get("r")), \
        f"{path}: dtype/shape {got.get('t')} {got.get('s')} vs Keras's {want_t} {want.get('s')}"
    _assert_values(got.get("v", got.get("py")), want.get("v", want.get("py")), path)


@pytest.mark.parametrize("name", sorted(gen.CASES))
def test_case_matches_keras(name):
    tf.keras.backend.clear_session()
    assert_same(gen.run(gen.CASES[name], tf), FIXTURE[name], name)


def test_keras_written_model_loads_and_predicts_the_same():
    model = tf.keras.models.load_model(os.path.join(HERE, "text_model.keras"))
    vec = model.layers[1]
    assert isinstance(vec, tf.keras.layers.TextVectorization)
    assert vec.vocabulary_size() == 18 and vec.get_vocabulary()[:3] == ["", "[UNK]", "the"]
    got = model.predict(np.array(gen.MODEL_INPUTS, dtype=object), verbose=0)
    np.testing.assert_allclose(got, HEADER["model_predictions"], rtol=1e-5, atol=1e-6)
