import numpy as np
import pytest

h5py = pytest.importorskip("h5py")


@pytest.fixture
def tf():
    import flowgrad
    return flowgrad


def build_models(tf):
    """name -> (model factory, x, y): Sequential, Functional and RNN / embedding models."""
    k, L = tf.keras, tf.keras.layers
    rng = np.random.RandomState(0)

    def mlp():
        return k.Sequential([k.Input((8,)), L.Dense(16, activation="relu"), L.Dense(4)])

    def rnn():
        x = k.Input((5, 3))
        h = L.LSTM(4, return_sequences=True)(x)
        h = L.GRU(4)(h)
        return k.Model(x, L.Dense(2)(h))

    def emb():
        x = k.Input((6,), dtype="int32")
        h = L.GlobalAveragePooling1D()(L.Embedding(20, 4)(x))
        return k.Model(x, L.Dense(1)(L.BatchNormalization()(h)))

    return {
        "mlp": (mlp, rng.randn(8, 8).astype("float32"), rng.randn(8, 4).astype("float32")),
        "rnn": (rnn, rng.randn(8, 5, 3).astype("float32"), rng.randn(8, 2).astype("float32")),
        "emb": (emb, rng.randint(0, 20, (8, 6)).astype("int32"),
                rng.randn(8, 1).astype("float32")),
    }
