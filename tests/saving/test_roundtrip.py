import json

import numpy as np
import pytest

from .conftest import build_models

FORMATS = [".keras", ".h5", "_savedmodel"]


def _pred(model, x):
    return np.asarray(model.predict(x, verbose=0))


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", ["mlp", "rnn", "emb"])
def test_model_roundtrip_and_resume(tf, tmp_path, name, fmt):
    make, x, y = build_models(tf)[name]
    model = make()
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    model.fit(x, y, epochs=2, batch_size=4, verbose=0)
    path = str(tmp_path / f"m{fmt}")
    model.save(path)
    loaded = tf.keras.models.load_model(path)
    assert type(loaded).__name__ == type(model).__name__
    assert [lay.name for lay in loaded.layers] == [lay.name for lay in model.layers]
    np.testing.assert_array_equal(_pred(loaded, x), _pred(model, x))
    # optimizer state and compile config survive: one more step gives identical weights
    assert loaded.optimizer is not None and type(loaded.optimizer) is type(model.optimizer)
    assert int(loaded.optimizer.iterations.numpy()) == int(model.optimizer.iterations.numpy())
    for a, b in zip(model.optimizer.get_weights(), loaded.optimizer.get_weights()):
        np.testing.assert_array_equal(a, b)
    model.train_on_batch(x, y)
    loaded.train_on_batch(x, y)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-7)


def test_sniffs_content_not_extension(tf, tmp_path):
    make, x, _ = build_models(tf)["mlp"]
    model = make()
    model.save(str(tmp_path / "a.keras"))
    (tmp_path / "a.keras").rename(tmp_path / "renamed.bin")
    loaded = tf.keras.models.load_model(str(tmp_path / "renamed.bin"))
    np.testing.assert_array_equal(_pred(loaded, x), _pred(model, x))


def test_keras_zip_layout(tf, tmp_path):
    import zipfile

    import h5py
    make, _, _ = build_models(tf)["mlp"]
    model = make()
    model.compile("sgd", "mse")
    path = tmp_path / "m.keras"
    tf.keras.saving.save_model(model, str(path))
    with zipfile.ZipFile(path) as z:
        assert {"metadata.json", "config.json", "model.weights.h5"} <= set(z.namelist())
        cfg = json.loads(z.read("config.json"))
        meta = json.loads(z.read("metadata.json"))
        with open(tmp_path / "w.h5", "wb") as f:
            f.write(z.read("model.weights.h5"))
    assert meta["keras_version"].startswith("3.")
    assert cfg["class_name"] == "Sequential" and cfg["module"] == "keras"
    assert cfg["config"]["layers"][1]["class_name"] == "Dense"
    assert cfg["compile_config"]["optimizer"]["class_name"] == "SGD"
    with h5py.File(tmp_path / "w.h5") as f:
        assert f["layers/dense/vars/0"].shape == (8, 16)
        assert f["layers/dense_1/vars/1"].shape == (4,)
        assert "optimizer/vars" in f


@pytest.mark.parametrize("fname", ["w.weights.h5", "w.h5"])
def test_save_load_weights(tf, tmp_path, fname):
    make, x, _ = build_models(tf)["rnn"]
    a, b = make(), make()
    path = str(tmp_path / fname)
    a.save_weights(path)
    b.load_weights(path)
    np.testing.assert_array_equal(_pred(a, x), _pred(b, x))


def test_legacy_weights_layout(tf, tmp_path):
    import h5py
    make, _, _ = build_models(tf)["mlp"]
    m = make()
    m.save_weights(str(tmp_path / "w.h5"))
    with h5py.File(tmp_path / "w.h5") as f:
        names = [n.decode() for n in f.attrs["layer_names"]]
        assert names == [lay.name for lay in m.layers]
        wn = [n.decode() for n in f[names[0]].attrs["weight_names"]]
        assert wn[0].endswith("kernel:0")


def test_subclassed_model_and_registration(tf, tmp_path):
    k = tf.keras

    @k.saving.register_keras_serializable(package="fgtest")
    class Scale(k.layers.Layer):
        def __init__(self, factor=2.0, **kw):
            super().__init__(**kw)
            self.factor = factor

        def build(self, shape):
            self.w = self.add_weight(name="w", shape=(shape[-1],), initializer="ones")

        def call(self, x):
            return x * self.w * self.factor

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    @k.saving.register_keras_serializable(package="fgtest")
    class Net(k.Model):
        def __init__(self, units=3, **kw):
            super().__init__(**kw)
            self.units = units
            self.d = k.layers.Dense(units)
            self.s = Scale(3.0)

        def call(self, x):
            return self.s(self.d(x))

        def get_config(self):
            return {"units": self.units, "name": self.name}

    assert k.saving.get_registered_name(Scale) == "fgtest>Scale"
    assert k.utils.get_custom_objects()["fgtest>Net"] is Net
    x = np.random.RandomState(1).rand(4, 5).astype("float32")
    net = Net(3)
    net(x)
    net.compile("adam", "mse")
    net.fit(x, np.ones((4, 3), "float32"), verbose=0)
    for p in ("n.keras", "n_dir"):
        net.save(str(tmp_path / p))
        loaded = k.models.load_model(str(tmp_path / p))
        assert isinstance(loaded, Net) and loaded.units == 3
        np.testing.assert_array_equal(np.asarray(loaded(x)), np.asarray(net(x)))
    with pytest.raises(NotImplementedError, match="subclassed|Functional and Sequential"):
        net.save(str(tmp_path / "n.h5"))


def test_custom_objects_and_scope(tf, tmp_path):
    k = tf.keras

    class Double(k.layers.Layer):   # not registered
        def call(self, x):
            return x * 2.0

    m = k.Sequential([k.Input((3,)), Double(), k.layers.Dense(2)])
    path = str(tmp_path / "c.keras")
    m.save(path)
    with pytest.raises(ValueError, match="Double"):
        k.models.load_model(path)
    x = np.ones((2, 3), "float32")
    a = k.models.load_model(path, custom_objects={"Double": Double})
    np.testing.assert_array_equal(_pred(a, x), _pred(m, x))
    with k.saving.CustomObjectScope({"Double": Double}):
        b = k.models.load_model(path)
    with k.utils.custom_object_scope({"Double": Double}):
        c = k.models.model_from_json(m.to_json())
    assert [type(lay).__name__ for lay in b.layers] == ["Double", "Dense"]
    assert [type(lay).__name__ for lay in c.layers] == ["Double", "Dense"]


def test_clone_model_and_json(tf):
    make, x, _ = build_models(tf)["rnn"]
    m = make()
    clone = tf.keras.models.clone_model(m)
    assert [type(lay).__name__ for lay in clone.layers] == [type(lay).__name__ for lay in m.layers]
    clone.set_weights(m.get_weights())
    np.testing.assert_array_equal(_pred(clone, x), _pred(m, x))
    again = tf.keras.models.model_from_json(m.to_json())
    assert len(again.weights) == len(m.weights)


def test_serialize_roundtrip_keras3_form(tf):
    k = tf.keras
    d = k.layers.Dense(3, activation="relu")
    cfg = k.saving.serialize_keras_object(d)
    assert cfg["class_name"] == "Dense" and cfg["module"] == "keras.layers"
    d2 = k.saving.deserialize_keras_object(cfg)
    assert d2.units == 3
    opt = k.saving.deserialize_keras_object(k.saving.serialize_keras_object(
        k.optimizers.Adam(0.01)))
    assert abs(float(opt.learning_rate) - 0.01) < 1e-7


def test_saved_model_api(tf, tmp_path):
    make, x, _ = build_models(tf)["mlp"]
    m = make()
    tf.saved_model.save(m, str(tmp_path / "sm"))
    loaded = tf.saved_model.load(str(tmp_path / "sm"))
    np.testing.assert_array_equal(_pred(loaded, x), _pred(m, x))
    out = loaded.signatures["serving_default"](tf.constant(x))
    np.testing.assert_allclose(np.asarray(next(iter(out.values()))), _pred(m, x), atol=1e-6)


def test_compile_false(tf, tmp_path):
    make, _, _ = build_models(tf)["mlp"]
    m = make()
    m.compile("adam", "mse")
    m.save(str(tmp_path / "m.keras"))
    loaded = tf.keras.models.load_model(str(tmp_path / "m.keras"), compile=False)
    assert getattr(loaded, "optimizer", None) is None


def test_saved_model_dir_runs_without_python_classes(tf, tmp_path):
    """The directory stores the traced serving graph: with the custom class unavailable, the
    model still loads (inference only) and predicts the same."""
    k = tf.keras

    class Shift(k.layers.Layer):       # deliberately not registered
        def build(self, shape):
            self.b = self.add_weight(name="b", shape=(shape[-1],), initializer="ones")

        def call(self, x):
            return tf.nn.relu(x + self.b) * 0.5

    x = np.random.RandomState(2).randn(5, 4).astype("float32")
    inp = k.Input((4,))
    m = k.Model(inp, k.layers.Dense(3)(Shift()(k.layers.Dense(4)(inp))))
    path = str(tmp_path / "sm")
    m.save(path)
    with pytest.warns(UserWarning, match="serving graph"):
        loaded = k.models.load_model(path)
    assert type(loaded).__name__ == "GraphModel"
    np.testing.assert_allclose(loaded.predict(x), _pred(m, x), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(loaded(x[:2])), _pred(m, x[:2]), rtol=1e-6)
    sig = loaded.signatures["serving_default"](x)
    np.testing.assert_allclose(np.asarray(next(iter(sig.values()))), _pred(m, x), rtol=1e-6)
    loaded2 = tf.saved_model.load(path)
    np.testing.assert_allclose(loaded2.predict(x), _pred(m, x), rtol=1e-6)
    # with the class available the full Keras model comes back
    full = k.models.load_model(path, custom_objects={"Shift": Shift})
    assert type(full).__name__ == "Functional"


def test_graph_encoding_roundtrip(tf):
    from flowgrad.keras.saving import graph_serialization as gs
    make, x, _ = build_models(tf)["rnn"]
    m = make()
    out = gs.trace_and_encode(m, {})
    assert out is not None
    encoded, arrays = out
    json.dumps(encoded)     # plain JSON
    from flowgrad.core.variable import Variable
    variables = {k: Variable(a) for k, a in arrays.items() if k.startswith("graph_vars/")}
    gm = gs.GraphModel(encoded, arrays, variables)
    np.testing.assert_allclose(gm.predict(x), _pred(m, x), rtol=1e-6)
