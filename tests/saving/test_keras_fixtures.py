"""Files written by real Keras 3 (.keras, .weights.h5) and tf-keras 2 (legacy .h5); see
tests/data/keras_fixtures/make_fixtures.py. TensorFlow is not imported here."""

import json
import os
import warnings

import numpy as np
import pytest

HERE = os.path.join(os.path.dirname(__file__), "..", "data", "keras_fixtures")
with open(os.path.join(HERE, "expected.json")) as _f:
    EXPECTED = json.load(_f)
NAMES = sorted(EXPECTED["models"])


def _case(name):
    e = EXPECTED["models"][name]
    return np.array(e["input"], dtype=e["input_dtype"]), e


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("kind", ["keras", "legacy_h5"])
def test_load_real_keras_model(tf, name, kind):
    x, e = _case(name)
    fname, ref = (f"{name}.keras", "keras3") if kind == "keras" else (f"{name}_legacy.h5",
                                                                        "tf_keras")
    with warnings.catch_warnings():
        warnings.simplefilter("error")      # nothing in these configs is silently dropped
        model = tf.keras.models.load_model(os.path.join(HERE, fname))
    np.testing.assert_allclose(np.asarray(model.predict(x, verbose=0)), np.array(e[ref]),
                               rtol=1e-5, atol=1e-5)
    assert model.optimizer is not None and type(model.optimizer).__name__ == "Adam"


@pytest.mark.parametrize("name", NAMES)
def test_load_real_keras_weights(tf, name):
    x, e = _case(name)
    model = tf.keras.models.load_model(os.path.join(HERE, f"{name}_legacy.h5"), compile=False)
    model.set_weights([np.zeros_like(w) for w in model.get_weights()])
    model.load_weights(os.path.join(HERE, f"{name}.weights.h5"))
    np.testing.assert_allclose(np.asarray(model.predict(x, verbose=0)), np.array(e["keras3"]),
                               rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", NAMES)
def test_resave_real_keras_model(tf, tmp_path, name):
    x, _ = _case(name)
    model = tf.keras.models.load_model(os.path.join(HERE, f"{name}.keras"))
    model.save(str(tmp_path / "again.keras"))
    again = tf.keras.models.load_model(str(tmp_path / "again.keras"))
    np.testing.assert_array_equal(np.asarray(again.predict(x, verbose=0)),
                                  np.asarray(model.predict(x, verbose=0)))
