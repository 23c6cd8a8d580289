"""keras.layers.Normalization / Discretization / CategoryEncoding against real Keras 3.

Expected values come from tests/keras/fixtures/make_numeric_preprocessing.py, run with real
TensorFlow 2.21 + Keras 3.15 (numeric_preprocessing.json and two .keras files written by it).
"""

import importlib.util
import io
import json
import os

import numpy as np
import pytest

import flowgrad as tf
from flowgrad.keras import layers as L

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
with open(os.path.join(HERE, "numeric_preprocessing.json")) as _f:
    FIX = json.load(_f)
NORM, DISC, CE = FIX["normalization"], FIX["discretization"], FIX["category_encoding"]


def _generator_module():
    spec = importlib.util.spec_from_file_location(
        "make_numeric_preprocessing", os.path.join(HERE, "make_numeric_preprocessing.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # imports only NumPy at module level
    return mod


make_data = _generator_module().make_data


def f32(x):
    return np.array(x, dtype="float32")


def _counts(model):
    tr = sum(int(np.prod(w.shape.as_list())) for w in model.trainable_weights)
    nt = sum(int(np.prod(w.shape.as_list())) for w in model.non_trainable_weights)
    return [tr, nt]


def _no_identity(config):
    return {k: v for k, v in config.items() if k not in ("name", "dtype", "trainable")}


def _jsonish(config):
    return json.loads(json.dumps(config))


# ---------------------------------------------------------------------------------------------
# Normalization
# ---------------------------------------------------------------------------------------------
AXES = {"last": -1, "none": None, "axes12": (1, 2), "axis1": 1}


def _check_weights(layer, expected):
    assert len(layer.weights) == len(expected)
    for w, e in zip(layer.weights, expected):
        assert w.name.split("/")[-1].split(":")[0] == e["path"].split("/")[-1]
        assert w.shape.as_list() == e["shape"]
        assert w.dtype.name == e["dtype"]
        assert w.trainable == e["trainable"]
        np.testing.assert_allclose(w.numpy(), e["value"], rtol=2e-6, atol=1e-7)


@pytest.mark.parametrize("case", sorted(AXES))
def test_normalization_adapt_matches_keras(case):
    c = NORM[case]
    layer = L.Normalization(axis=AXES[case])
    layer.adapt(f32(c["adapt"]))
    assert layer.is_adapted
    _check_weights(layer, c["weights"])
    np.testing.assert_allclose(layer(f32(c["x"])).numpy(), c["y"], rtol=1e-5, atol=1e-6)
    if "config" in c:
        assert _jsonish(_no_identity(layer.get_config())) == c["config"]


def test_normalization_invert_matches_keras():
    c = NORM["last"]
    layer = L.Normalization(invert=True)
    layer.adapt(f32(c["adapt"]))
    np.testing.assert_allclose(layer(f32(c["x"])).numpy(), c["y_invert"], rtol=1e-5)
    # inverting undoes the forward transformation
    fwd = L.Normalization()
    fwd.adapt(f32(c["adapt"]))
    np.testing.assert_allclose(layer(fwd(f32(c["x"]))).numpy(), c["x"], rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("case", ["dataset_xy", "dataset_unbatched"])
def test_normalization_adapt_on_datasets_matches_keras(case):
    x = f32(NORM["last"]["adapt"])
    if case == "dataset_xy":
        ds = tf.data.Dataset.from_tensor_slices((x, np.arange(len(x)))).batch(7)
    else:  # rank-1 elements: batched before adapting, as Keras does
        ds = tf.data.Dataset.from_tensor_slices(x)
    layer = L.Normalization()
    layer.adapt(ds)
    _check_weights(layer, NORM[case]["weights"])
    assert layer.get_build_config() == {"input_shape": (None, 3)}


def test_normalization_streaming_equals_whole_data():
    rng = np.random.RandomState(3)
    x = (rng.randn(1001, 4) * [1e-3, 1.0, 50.0, 2.0] + [1e4, -3.0, 0.0, 7.0]).astype("float32")
    mean = x.astype("float64").mean(0)
    var = x.astype("float64").var(0)
    inputs = {
        "array": (x, {}),
        "array_batch_size": (x, {"batch_size": 13}),
        "tensor": (tf.constant(x), {"batch_size": 100}),
        "list_of_batches": ([x[:500], x[500:]], {}),
        "generator": ((x[i:i + 77] for i in range(0, len(x), 77)), {}),
        "dataset_xy": (tf.data.Dataset.from_tensor_slices((x, x[:, 0])).batch(64), {}),
    }
    for name, (data, kw) in inputs.items():
        layer = L.Normalization()
        layer.adapt(data, **kw)
        np.testing.assert_allclose(layer.adapt_mean.numpy(), mean, rtol=1e-7, err_msg=name)
        np.testing.assert_allclose(layer.adapt_variance.numpy(), var, rtol=2e-6, err_msg=name)
        assert int(layer.count.numpy()) == 0  # Keras 3 keeps `count` at 0


def test_normalization_adapt_pydataset_and_steps():
    x = np.arange(40.0, dtype="float32").reshape(20, 2)

    class Batches(tf.keras.utils.PyDataset):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            return x[i * 5:(i + 1) * 5], np.zeros(5)

    layer = L.Normalization()
    layer.adapt(Batches())
    np.testing.assert_allclose(layer.adapt_mean.numpy(), x.mean(0), rtol=1e-6)
    layer.adapt(tf.data.Dataset.from_tensor_slices(x).batch(5).repeat(), steps=2)
    np.testing.assert_allclose(layer.adapt_mean.numpy(), x[:10].mean(0), rtol=1e-6)
    np.testing.assert_allclose(layer.adapt_variance.numpy(), x[:10].var(0), rtol=1e-6)


@pytest.mark.parametrize("case", sorted(NORM["given"]))
def test_normalization_given_mean_variance_matches_keras(case):
    c = NORM["given"][case]
    layer = L.Normalization(**c["kwargs"])
    y = layer(np.array(c["x"]))
    assert y.dtype.name == c["dtype"]
    np.testing.assert_allclose(y.numpy(), c["y"], rtol=1e-6)
    assert len(layer.weights) == c["n_weights"] == 0
    assert _jsonish(_no_identity(layer.get_config())) == c["config"]


def test_normalization_zero_variance_uses_epsilon():
    layer = L.Normalization(mean=3.0, variance=0.0)
    np.testing.assert_allclose(layer(f32([[1.0]])).numpy(), [[-2e7]], rtol=1e-6)
    inv = L.Normalization(mean=3.0, variance=0.0, invert=True)
    np.testing.assert_allclose(inv(f32([[1e7]])).numpy(), [[4.0]], rtol=1e-6)


def test_normalization_param_counts_and_summary_match_keras():
    layer = L.Normalization()
    layer.adapt(f32(NORM["last"]["adapt"]))
    model = tf.keras.Sequential([tf.keras.Input((3,)), layer, L.Dense(4)])
    assert _counts(model) == NORM["counts"]["adapted"] == [16, 7]
    lines = []
    model.summary(print_fn=lambda s, **kw: lines.append(s))
    text = "\n".join(lines)
    assert "Non-trainable params: 7" in text and "Trainable params: 16" in text
    given = tf.keras.Sequential([tf.keras.Input((3,)), L.Normalization(mean=1.0, variance=2.0),
                                 L.Dense(4)])
    assert _counts(given) == NORM["counts"]["given"]


def test_normalization_tutorial_pattern_fit_save_load(tmp_path):
    rng = np.random.RandomState(0)
    features = (rng.randn(256, 3) * [1.0, 10.0, 100.0] + [0.0, 5.0, -50.0]).astype("float32")
    labels = (features @ f32([[0.5], [0.05], [0.005]]) + 1.0).astype("float32")
    normalizer = L.Normalization(axis=-1)
    normalizer.adapt(np.array(features))
    mean = normalizer.adapt_mean.numpy().copy()
    model = tf.keras.Sequential([normalizer, L.Dense(16, activation="relu"), L.Dense(1)])
    model.compile(optimizer=tf.keras.optimizers.Adam(0.05), loss="mse")
    hist = model.fit(features, labels, epochs=8, batch_size=32, verbose=0)
    assert hist.history["loss"][-1] < 0.2 * hist.history["loss"][0]
    np.testing.assert_array_equal(normalizer.adapt_mean.numpy(), mean)  # not trained
    assert _counts(model)[1] == 7
    pred = model.predict(features[:6], verbose=0)
    for name in ("tutorial.keras", "tutorial.h5"):
        path = str(tmp_path / name)
        model.save(path)
        loaded = tf.keras.models.load_model(path)
        np.testing.assert_allclose(loaded.predict(features[:6], verbose=0), pred, rtol=1e-6)
        norm = loaded.layers[0]
        assert isinstance(norm, L.Normalization)
        np.testing.assert_array_equal(norm.adapt_mean.numpy(), mean)


def test_normalization_loads_keras_file():
    model = tf.keras.models.load_model(os.path.join(HERE, "numeric_preprocessing_mlp.keras"))
    c = NORM["mlp"]
    np.testing.assert_allclose(model.predict(f32(c["x"]), verbose=0), c["y"], rtol=1e-5,
                               atol=1e-6)
    assert _counts(model) == c["counts"]
    norm = model.layers[0]
    _check_weights(norm, NORM["last"]["weights"])  # adapted on the same data in Keras


def test_normalization_traced_dataset_map_and_functional():
    c = NORM["last"]
    layer = L.Normalization()
    layer.adapt(f32(c["adapt"]))
    x = f32(c["x"])

    @tf.function
    def fn(t):
        return layer(t) * 1.0

    np.testing.assert_allclose(fn(tf.constant(x)).numpy(), c["y"], rtol=1e-5, atol=1e-6)
    ds = tf.data.Dataset.from_tensor_slices(x).batch(5).map(layer)
    np.testing.assert_allclose(next(iter(ds)).numpy(), c["y"], rtol=1e-5, atol=1e-6)
    inp = tf.keras.Input((3,))
    out = layer(inp)
    assert out.shape.as_list() == [None, 3]
    model = tf.keras.Model(inp, out)
    np.testing.assert_allclose(model.predict(x, verbose=0), c["y"], rtol=1e-5, atol=1e-6)
    # integer inputs are cast to the compute dtype
    y = L.Normalization(mean=3.0, variance=4.0)(np.array([[1, 5]]))
    assert y.dtype == tf.float32 and y.numpy().tolist() == [[-1.0, 1.0]]


def test_normalization_config_round_trip():
    layer = L.Normalization(axis=(1, 2), mean=[[1.0, 2.0]], variance=[[4.0, 9.0]], invert=True,
                            name="norm")
    config = layer.get_config()
    assert config["axis"] == (1, 2) and config["mean"] == [[1.0, 2.0]] and config["invert"]
    clone = L.Normalization.from_config(_jsonish(config))
    x = np.arange(12.0, dtype="float32").reshape(1, 3, 2, 2)
    np.testing.assert_allclose(clone(x).numpy(), layer(x).numpy())
    np.testing.assert_allclose(layer(x).numpy(), x * np.sqrt(f32([[[1.0], [1.0]]]) *
                                                             f32([4.0, 9.0])[:, None])
                               + f32([1.0, 2.0])[:, None], rtol=1e-6)
    assert tf.keras.layers.deserialize(tf.keras.layers.serialize(layer)).get_config() == config


def test_normalization_errors():
    layer = L.Normalization()
    layer.adapt(np.random.RandomState(0).rand(10, 3))
    with pytest.raises(ValueError, match=r"'normalization'.*\(None, 3\).*\(2, 4\)"):
        layer(np.zeros((2, 4), "float32"))
    with pytest.raises(ValueError, match=r"incompatible shape \(2, 4\)"):
        layer.adapt(np.zeros((2, 4)))
    with pytest.raises(ValueError, match="numeric"):
        layer(np.array([["a", "b", "c"]]))
    with pytest.raises(ValueError, match="numeric"):
        L.Normalization().adapt(np.array([["a"]]))
    with pytest.raises(ValueError, match="both `mean` and `variance`"):
        L.Normalization(mean=1.0)
    with pytest.raises(ValueError, match="same shape"):
        L.Normalization(mean=[1.0, 2.0], variance=1.0)
    with pytest.raises(ValueError, match="cannot be adapted"):
        L.Normalization(mean=1.0, variance=1.0).adapt(np.ones((2, 1)))
    with pytest.raises(ValueError, match=r"range \[-ndim, ndim\)"):
        L.Normalization(axis=2)(np.ones((2, 3), "float32"))
    with pytest.raises(ValueError, match="cannot be broadcast"):
        L.Normalization(mean=[1.0, 2.0], variance=[1.0, 1.0])(np.ones((2, 3), "float32"))
    with pytest.raises(ValueError, match="known size"):
        L.Normalization(axis=0)(tf.keras.Input((3,)))
    with pytest.raises(ValueError, match="no data"):
        L.Normalization().adapt(tf.data.Dataset.from_tensor_slices(np.ones((0, 3))).batch(2))
    with pytest.raises(TypeError, match="axis"):
        L.Normalization(axis="x")


# ---------------------------------------------------------------------------------------------
# Discretization
# ---------------------------------------------------------------------------------------------
def test_discretization_fixed_boundaries_match_keras():
    c = DISC["fixed"]
    layer = L.Discretization(bin_boundaries=c["bins"])
    y = layer(np.array(c["x"]))
    assert y.dtype.name == c["dtype"] == "int32"
    # a value on a boundary goes to the upper bin; NaN and +inf to the last one
    assert y.numpy().tolist() == c["y"] == [0, 0, 1, 1, 2, 2, 3, 3, 3, 3]
    assert layer(np.array(c["x_int"])).numpy().tolist() == c["y_int"]
    assert _jsonish(_no_identity(layer.get_config())) == c["config"]
    # inputs are compared in float32, as Keras converts them
    tenth = L.Discretization(bin_boundaries=[0.1])
    assert tenth(np.array([0.1, 0.09999999])).numpy().tolist() == DISC["float64"]["y"]
    assert layer.weights == []


@pytest.mark.parametrize("mode", ["one_hot", "multi_hot", "count"])
def test_discretization_output_modes_match_keras(mode):
    c = DISC["modes"][mode]
    layer = L.Discretization(bin_boundaries=[0.0, 1.0, 2.0], output_mode=mode)
    for key in ("scalar", "r1", "col", "r2", "r3"):
        y = layer(np.array(c[key]["x"]))
        assert y.dtype == tf.float32
        assert y.shape.as_list() == c[key]["shape"], key
        np.testing.assert_array_equal(y.numpy(), c[key]["y"], err_msg=key)
    for shape, expected in c["symbolic"].items():
        out = layer(tf.keras.Input(batch_shape=eval(shape)))
        assert out.shape.as_list() == expected, shape


@pytest.mark.parametrize("case", sorted(DISC["adapt"]))
def test_discretization_adapt_matches_keras(case):
    c = DISC["adapt"][case]
    values = np.array(c["data"]) if isinstance(c["data"], list) else make_data(c["data"])
    layer = L.Discretization(num_bins=c["num_bins"], epsilon=c["epsilon"])
    assert not layer.is_adapted
    data = values if c["batch"] is None else \
        tf.data.Dataset.from_tensor_slices(values).batch(c["batch"])
    layer.adapt(data)
    assert layer.is_adapted
    # Same summary algorithm as Keras: equal up to float32 rounding (equal in practice).
    assert len(layer.bin_boundaries) == len(c["bins"])
    np.testing.assert_allclose(layer.bin_boundaries, c["bins"], rtol=1e-6, atol=1e-9)
    assert layer(f32(c["probe"])).numpy().tolist() == c["y"]
    assert _jsonish(_no_identity(layer.get_config())) == c["config"]


def test_discretization_adapt_quantiles_are_sensible():
    # the approximate quantiles of 20000 uniform values are the deciles within epsilon
    layer = L.Discretization(num_bins=10, epsilon=0.001)
    layer.adapt(tf.data.Dataset.from_tensor_slices(np.random.RandomState(1).rand(20000))
                .batch(1000))
    np.testing.assert_allclose(layer.bin_boundaries, np.arange(1, 10) / 10, atol=0.01)
    # adapting again starts afresh; steps limits the batches read
    layer.adapt(tf.data.Dataset.from_tensor_slices(np.arange(100.0) + 1000).batch(10), steps=3)
    assert 1000 <= layer.bin_boundaries[0] and layer.bin_boundaries[-1] < 1030


def test_discretization_config_round_trip_and_traced_use():
    c = DISC["adapt"]["normal"]
    layer = L.Discretization(num_bins=5, output_mode="one_hot")
    layer.adapt(make_data(c["data"]))
    config = layer.get_config()
    assert config["num_bins"] == 5 and config["bin_boundaries"] == layer.bin_boundaries
    clone = L.Discretization.from_config(_jsonish(config))
    assert clone.bin_boundaries == layer.bin_boundaries and clone.is_adapted
    probe = f32(c["probe"])[:, None]
    expected = np.eye(5, dtype="float32")[c["y"]]
    np.testing.assert_array_equal(clone(probe).numpy(), expected)

    @tf.function
    def fn(t):
        return layer(t)

    np.testing.assert_array_equal(fn(tf.constant(probe)).numpy(), expected)
    ds = tf.data.Dataset.from_tensor_slices(probe).batch(9).map(lambda t: layer(t))
    np.testing.assert_array_equal(next(iter(ds)).numpy(), expected)


def test_discretization_errors():
    with pytest.raises(ValueError, match="either `num_bins` or `bin_boundaries`"):
        L.Discretization()
    with pytest.raises(ValueError, match="cannot both be set"):
        L.Discretization(bin_boundaries=[0.0], num_bins=2)
    with pytest.raises(ValueError, match="sparse tensors"):
        L.Discretization(bin_boundaries=[0.0], output_mode="one_hot", sparse=True)
    with pytest.raises(ValueError, match="output_mode"):
        L.Discretization(bin_boundaries=[0.0], output_mode="tf_idf")
    with pytest.raises(ValueError, match="sorted"):
        L.Discretization(bin_boundaries=[1.0, 0.0])
    with pytest.raises(ValueError, match="cannot be adapted"):
        L.Discretization(bin_boundaries=[0.0]).adapt(np.ones(3))
    with pytest.raises(ValueError, match=r"'discretization_\d+'.*call `adapt"):
        L.Discretization(num_bins=3)(np.ones(3))
    with pytest.raises(ValueError, match=r"numeric inputs; received dtype"):
        L.Discretization(bin_boundaries=[0.0])(np.array(["a"]))
    with pytest.raises(ValueError, match="numeric data"):
        L.Discretization(num_bins=2).adapt(np.array(["a", "b"]))


# ---------------------------------------------------------------------------------------------
# CategoryEncoding
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["one_hot", "multi_hot", "count"])
def test_category_encoding_matches_keras(mode):
    c = CE[mode]
    layer = L.CategoryEncoding(num_tokens=4, output_mode=mode)
    for key in ("scalar", "r1", "col", "r2", "r3", "float"):
        y = layer(np.array(c[key]["x"]))
        assert y.dtype.name == c[key]["dtype"] == "float32"
        assert y.shape.as_list() == c[key]["shape"], key
        np.testing.assert_array_equal(y.numpy(), c[key]["y"], err_msg=key)
    for shape, expected in c["symbolic"].items():
        out = layer(tf.keras.Input(batch_shape=eval(shape), dtype="int32"))
        assert out.shape.as_list() == expected, shape
        assert out.dtype == tf.float32
    assert _jsonish(_no_identity(layer.get_config())) == c["config"]


@pytest.mark.parametrize("mode", ["one_hot", "multi_hot", "count"])
def test_category_encoding_out_of_range(mode):
    layer = L.CategoryEncoding(num_tokens=4, output_mode=mode)
    x = np.array(CE[mode]["too_big"]["x"])
    with pytest.raises(ValueError, match=r"'category_encoding'.*0 <= values < num_tokens with "
                                         r"num_tokens=4; received values from 0 to 4"):
        layer(x)
    with pytest.raises(ValueError, match="from -1 to 1"):
        layer(np.array([[-1, 1]]))

    @tf.function
    def fn(t):
        return layer(t)

    # traced: no check, out-of-range values are dropped as in Keras 3
    np.testing.assert_array_equal(fn(tf.constant(x)).numpy(), CE[mode]["too_big"]["y"])


def test_category_encoding_count_weights_match_keras():
    layer = L.CategoryEncoding(num_tokens=4, output_mode="count")
    for key in ("count_weights", "count_weights_r3"):
        c = CE[key]
        y = layer(np.array(c["x"]), count_weights=np.array(c["w"]))
        assert y.dtype == tf.float32
        np.testing.assert_allclose(y.numpy(), c["y"], rtol=1e-6, err_msg=key)
    with pytest.raises(ValueError, match="only used when `output_mode` is 'count'"):
        L.CategoryEncoding(4)(np.array([[0, 1]]), count_weights=np.ones((1, 2)))
    with pytest.raises(ValueError, match=r"shape of the inputs \(1, 2\); received \(1, 3\)"):
        layer(np.array([[0, 1]]), count_weights=np.ones((1, 3)))


def test_category_encoding_config_and_errors():
    assert _no_identity(L.CategoryEncoding(3, output_mode="binary").get_config()) == \
        CE["binary_alias"]
    layer = L.CategoryEncoding(5, output_mode="count", name="enc")
    clone = L.CategoryEncoding.from_config(_jsonish(layer.get_config()))
    assert clone.num_tokens == 5 and clone.output_mode == "count" and clone.name == "enc"
    with pytest.raises(ValueError, match="num_tokens` must be set"):
        L.CategoryEncoding()
    with pytest.raises(ValueError, match=">= 1"):
        L.CategoryEncoding(0)
    with pytest.raises(ValueError, match="output_mode"):
        L.CategoryEncoding(3, output_mode="int")
    with pytest.raises(ValueError, match="flowgrad has no sparse tensors"):
        L.CategoryEncoding(3, sparse=True)
    with pytest.raises(ValueError, match=r"'category_encoding_\d+'.*numeric inputs; "
                                         r"received dtype string \(shape \(1, 1\)\)"):
        L.CategoryEncoding(3)(np.array([["a"]]))


def test_category_encoding_in_dataset_map_and_fit():
    rng = np.random.RandomState(0)
    idx = rng.randint(0, 5, size=(64, 3)).astype("int32")
    target = (idx == 2).any(axis=1, keepdims=True).astype("float32")
    enc = L.CategoryEncoding(5, output_mode="multi_hot")
    ds = tf.data.Dataset.from_tensor_slices(idx).batch(64).map(enc)
    expected = np.zeros((64, 5), "float32")
    for r, row in enumerate(idx):
        expected[r, row] = 1.0
    np.testing.assert_array_equal(next(iter(ds)).numpy(), expected)
    inp = tf.keras.Input((3,), dtype="int32")
    model = tf.keras.Model(inp, L.Dense(1, activation="sigmoid")(enc(inp)))
    model.compile(optimizer=tf.keras.optimizers.Adam(0.1), loss="binary_crossentropy",
                  metrics=["accuracy"])
    hist = model.fit(idx, target, epochs=15, batch_size=16, verbose=0)
    assert hist.history["accuracy"][-1] == 1.0
    assert model.predict(idx[:4], verbose=0).shape == (4, 1)


# ---------------------------------------------------------------------------------------------
# all three together
# ---------------------------------------------------------------------------------------------
def _structured_inputs():
    c = FIX["structured"]
    return [f32(c["x"][0]), f32(c["x"][1]), np.array(c["x"][2], dtype="int32")]


def test_structured_keras_file_loads_and_round_trips(tmp_path):
    c = FIX["structured"]
    model = tf.keras.models.load_model(
        os.path.join(HERE, "numeric_preprocessing_structured.keras"))
    xs = _structured_inputs()
    np.testing.assert_allclose(model.predict(xs, verbose=0), c["y"], rtol=1e-5, atol=1e-6)
    assert _counts(model) == c["counts"]
    disc = next(layer for layer in model.layers if isinstance(layer, L.Discretization))
    assert disc.bin_boundaries == c["bins"]
    path = str(tmp_path / "again.keras")
    model.save(path)
    again = tf.keras.models.load_model(path)
    np.testing.assert_allclose(again.predict(xs, verbose=0), c["y"], rtol=1e-5, atol=1e-6)
    buf = io.StringIO()
    again.summary(print_fn=lambda s, **kw: buf.write(s + "\n"))
    assert "Non-trainable params: 5" in buf.getvalue()


# ---------------------------------------------------------------------------------------------
# the generic layer harness (config round trips, symbolic calls, fit, weights save / load)
# ---------------------------------------------------------------------------------------------
HARNESS = [
    (L.Normalization, {"mean": [1.0, 2.0, 3.0], "variance": [1.0, 4.0, 9.0]}, (2, 3), {}),
    (L.Normalization, {"axis": None, "mean": 2.0, "variance": 4.0, "invert": True}, (2, 3, 4),
     {}),
    (L.Normalization, {"axis": (1, 2)}, (2, 3, 4), {}),
    (L.Discretization, {"bin_boundaries": [-0.5, 0.0, 0.5]}, (4, 3),
     {"expected_output_dtype": "int32"}),
    (L.Discretization, {"bin_boundaries": [-0.5, 0.0, 0.5], "output_mode": "multi_hot"}, (4, 3),
     {}),
    (L.CategoryEncoding, {"num_tokens": 10, "output_mode": "count"}, (3, 4),
     {"input_dtype": "int32", "expected_output_dtype": "float32"}),
    (L.CategoryEncoding, {"num_tokens": 10, "output_mode": "one_hot"}, (3, 1),
     {"input_dtype": "int32", "expected_output_dtype": "float32"}),
]


@pytest.mark.parametrize("case", HARNESS, ids=[f"{c[0].__name__}-{i}" for i, c in
                                               enumerate(HARNESS)])
def test_layer_harness(case):
    from flowgrad.testing.layer_harness import check_layer
    cls, kwargs, shape, extra = case
    check_layer(cls, kwargs, shape, **extra)
