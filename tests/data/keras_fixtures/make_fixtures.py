"""Regenerates the real-Keras fixture files of tests/saving/test_keras_fixtures.py.

Run only under the peers virtualenv (TensorFlow + Keras 3 + tf-keras + h5py):

    /tmp/flowgrad-peers/bin/python tests/data/keras_fixtures/make_fixtures.py

Writes, for each small model, `<name>.keras` (Keras 3), `<name>.weights.h5` (Keras 3 layout) and
`<name>_legacy.h5` (tf-keras 2, legacy HDF5), plus `expected.json`: the fixed input of each model
and both libraries' predictions on it. The tests never import TensorFlow.
"""

import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def _specs(k):
    """name -> (builder, input array). `k` is keras (3) or tf_keras (2)."""
    L = k.layers

    def mlp():
        return k.Sequential([k.Input((8,)), L.Dense(16, activation="relu"),
                             L.Dense(4, activation="softmax")], name="mlp")

    def cnn():
        return k.Sequential([k.Input((8, 8, 1)), L.Conv2D(4, 3, activation="relu"),
                             L.MaxPooling2D(2), L.Flatten(), L.Dense(3)], name="cnn")

    def rnn():
        x = k.Input((5, 3))
        h = L.LSTM(4, return_sequences=True)(x)
        h = L.GRU(4)(h)
        return k.Model(x, L.Dense(2)(h), name="rnn")

    def emb():
        x = k.Input((6,), dtype="int32")
        h = L.Embedding(20, 4)(x)
        h = L.GlobalAveragePooling1D()(h)
        h = L.BatchNormalization()(h)
        return k.Model(x, L.Dense(1, activation="sigmoid")(h), name="emb")

    rng = np.random.RandomState(0)
    return {
        "mlp": (mlp, rng.randn(3, 8).astype("float32")),
        "cnn": (cnn, rng.randn(2, 8, 8, 1).astype("float32")),
        "rnn": (rnn, rng.randn(2, 5, 3).astype("float32")),
        "emb": (emb, rng.randint(0, 20, size=(3, 6)).astype("int32")),
    }


def _randomize(model, seed):
    rng = np.random.RandomState(seed)
    model.set_weights([(rng.rand(*w.shape) + 0.5 if "variance" in v.name
                        else rng.randn(*w.shape) * 0.5).astype(w.dtype)
                       for v, w in zip(model.weights, model.get_weights())])


def main():
    import keras
    import tf_keras
    expected = {"keras_version": keras.__version__, "tf_keras_version": tf_keras.__version__,
                "models": {}}
    for lib, k in (("keras3", keras), ("tf_keras", tf_keras)):
        for i, (name, (build, x)) in enumerate(_specs(k).items()):
            model = build()
            _randomize(model, 100 + i)
            model.compile(optimizer="adam", loss="mse")
            entry = expected["models"].setdefault(name, {"input": x.tolist(),
                                                          "input_dtype": str(x.dtype)})
            entry[lib] = np.asarray(model.predict(x, verbose=0)).tolist()
            if lib == "keras3":
                model.save(os.path.join(HERE, f"{name}.keras"))
                model.save_weights(os.path.join(HERE, f"{name}.weights.h5"))
            else:
                model.save(os.path.join(HERE, f"{name}_legacy.h5"))
    with open(os.path.join(HERE, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
