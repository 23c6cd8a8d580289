"""Real Keras reads the files flowgrad writes. Runs where a Python with TensorFlow is available
(FLOWGRAD_PEERS_PYTHON, default /tmp/flowgrad-peers/bin/python, as built by
../shared/tools/peers-venv.sh); reported as skipped otherwise."""

import json
import os
import subprocess
import textwrap

import numpy as np
import pytest

import flowgrad as tf

PEERS = os.environ.get("FLOWGRAD_PEERS_PYTHON", "/tmp/flowgrad-peers/bin/python")

pytest.importorskip("h5py")
pytestmark = pytest.mark.skipif(not os.path.exists(PEERS),
                                reason=f"no Python with TensorFlow at {PEERS}")

_READER = textwrap.dedent("""
    import json, os, sys
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    import numpy as np
    import keras
    path, x_path = sys.argv[1], sys.argv[2]
    model = keras.models.load_model(path, compile=False)
    print(json.dumps(model.predict(np.load(x_path), verbose=0).tolist()))
""")


def _model():
    tf.keras.utils.set_random_seed(3)
    inputs = tf.keras.Input((8, 8, 1))
    h = tf.keras.layers.Conv2D(4, 3, activation="relu")(inputs)
    h = tf.keras.layers.BatchNormalization()(h)
    h = tf.keras.layers.MaxPooling2D()(h)
    h = tf.keras.layers.Flatten()(h)
    outputs = tf.keras.layers.Dense(3, activation="softmax")(h)
    model = tf.keras.Model(inputs, outputs)
    model.compile("adam", "sparse_categorical_crossentropy")
    x = np.random.default_rng(0).random((16, 8, 8, 1)).astype("float32")
    model.fit(x, np.arange(16) % 3, epochs=2, verbose=0)   # moves BN statistics off defaults
    return model, x


@pytest.mark.parametrize("ext", [".keras", ".h5"])
def test_keras_loads_flowgrad_files_with_the_same_predictions(tmp_path, ext):
    model, x = _model()
    path = tmp_path / f"model{ext}"
    model.save(str(path))
    np.save(tmp_path / "x.npy", x)
    script = tmp_path / "read.py"
    script.write_text(_READER)
    proc = subprocess.run([PEERS, str(script), str(path), str(tmp_path / "x.npy")],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = np.array(json.loads(proc.stdout.strip().splitlines()[-1]))
    np.testing.assert_allclose(got, model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
