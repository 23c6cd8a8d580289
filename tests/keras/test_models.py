"""Models: Sequential, the Functional API and subclassed models; naming, freezing, get_layer,
configs, and `summary()` text (tables identical to tf.keras 2.21's, totals as Keras 3 prints
them)."""

import json

import numpy as np
import pytest

import flowgrad as tf
from flowgrad import keras
from flowgrad.keras import layers


@pytest.fixture(autouse=True)
def _fresh_names():
    keras.backend.clear_session()
    yield


def _summary(model, **kwargs):
    lines = []
    model.summary(print_fn=lines.append, **kwargs)
    return "\n".join(lines)


def _pad(text, width):
    """Rows of Keras' summary are padded with spaces to the table width."""
    return "\n".join(line if set(line) <= set("_=") or line.startswith(("Model", "Total",
                     "Trainable", "Non-trainable")) else line.ljust(width)
                     for line in text.strip("\n").split("\n"))


TUTORIAL_MLP = _pad('''
Model: "sequential"
_________________________________________________________________
 Layer (type)                Output Shape              Param #
=================================================================
 dense (Dense)               (None, 128)               100480
 
 dense_1 (Dense)             (None, 64)                8256
 
 dense_2 (Dense)             (None, 10)                650
 
=================================================================
Total params: 109,386 (427.29 KB)
Trainable params: 109,386 (427.29 KB)
Non-trainable params: 0 (0.00 B)
_________________________________________________________________
''', 65)


def test_tutorial_mlp_summary_text():
    model = keras.models.Sequential([
        layers.Dense(128, activation="relu", input_shape=(784,)),
        layers.Dense(64, activation="relu"),
        layers.Dense(10, activation="softmax")])
    assert _summary(model) == TUTORIAL_MLP
    assert model.count_params() == 109386


def test_flatten_mlp_params_and_bytes():
    model = keras.Sequential([layers.Flatten(input_shape=(28, 28)),
                              layers.Dense(128, activation="relu"),
                              layers.BatchNormalization(),
                              layers.Dense(10)])
    text = _summary(model)
    assert " flatten (Flatten)           (None, 784)               0" in text
    assert " dense (Dense)               (None, 128)               100480" in text
    # long names wrap inside their column, as Keras prints them
    assert " batch_normalization (Batch  (None, 128)               512" in text
    assert "\n Normalization)" in text
    assert "Total params: 102,282 (399.54 KB)" in text
    assert "Trainable params: 102,026 (398.54 KB)" in text
    assert "Non-trainable params: 256 (1.00 KB)" in text


FUNCTIONAL = _pad('''
Model: "two_inputs"
__________________________________________________________________________________________________
 Layer (type)                Output Shape                 Param #   Connected to
==================================================================================================
 image (InputLayer)          [(None, 16)]                 0         []
 
 encoder (Dense)             (None, 8)                    136       ['image[0][0]']
 
 meta (InputLayer)           [(None, 4)]                  0         []
 
 merge (Concatenate)         (None, 12)                   0         ['encoder[0][0]',
                                                                     'meta[0][0]']
 
 score (Dense)               (None, 1)                    13        ['merge[0][0]']
 
==================================================================================================
Total params: 149 (596.00 B)
Trainable params: 149 (596.00 B)
Non-trainable params: 0 (0.00 B)
__________________________________________________________________________________________________
''', 98)


def _two_inputs():
    a = keras.Input(shape=(16,), name="image")
    b = keras.Input(shape=(4,), name="meta")
    h = layers.Dense(8, activation="relu", name="encoder")(a)
    z = layers.concatenate([h, b], name="merge")
    out = layers.Dense(1, name="score")(z)
    return keras.Model([a, b], out, name="two_inputs")


def test_functional_summary_with_connections():
    model = _two_inputs()
    assert _summary(model) == FUNCTIONAL
    assert [lay.name for lay in model.layers] == ["image", "encoder", "meta", "merge", "score"]


def test_summary_options_and_unbuilt_error():
    model = keras.Sequential([layers.Dense(2, input_shape=(3,)), layers.Dense(1)])
    text = _summary(model, show_trainable=True, line_length=80)
    assert "Trainable" in text.split("\n")[2] and len(text.split("\n")[1]) == 91
    partial = _summary(model, layer_range=["dense_1", "dense_1"])
    assert "dense_1 (Dense)" in partial and " dense (Dense)" not in partial
    with pytest.raises(ValueError, match="has not yet been built"):
        keras.Sequential([layers.Dense(2)]).summary()


def test_nested_summary_expand_nested():
    inp = keras.Input((3,))
    inner = keras.Model(inp, layers.Dense(4, name="shared")(inp), name="inner")
    x = keras.Input((3,))
    outer = keras.Model(x, layers.Dense(2)(inner(x)))
    text = _summary(outer, expand_nested=True)
    assert " inner (Functional)          (None, 4)                 16" in text
    assert "| shared (Dense)             (None, 4)                 16" in text
    assert "Total params: 26 (104.00 B)" in text


# ---------------------------------------------------------------------------------------------
def test_sequential_add_pop_get_layer():
    model = keras.Sequential()
    model.add(layers.Dense(4, input_shape=(3,), name="first"))
    model.add(layers.Dropout(0.5))
    model.add(layers.Dense(2, name="last"))
    assert model.built and model.output_shape == (None, 2)
    assert [lay.name for lay in model.layers] == ["first", "dropout", "last"]
    assert model.get_layer("last") is model.layers[-1]
    assert model.get_layer(index=0).name == "first"
    assert model.inputs[0].shape.as_list() == [None, 3]
    assert model.layers[0].output.shape.as_list() == [None, 4]
    popped = model.pop()
    assert popped.name == "last" and model.output_shape == (None, 4)
    with pytest.raises(ValueError, match="No such layer: nope. Existing layers are: "
                                         r"\['first', 'dropout'\]"):
        model.get_layer("nope")
    with pytest.raises(ValueError, match="only has 2 layers"):
        model.get_layer(index=7)
    with pytest.raises(ValueError, match="Provide either a layer name or layer index"):
        model.get_layer()
    with pytest.raises(ValueError, match="unique names"):
        model.add(layers.Dense(3, name="first"))
    with pytest.raises(TypeError, match="must be an instance of class Layer"):
        model.add("dense")
    with pytest.raises(TypeError, match="no layers"):
        keras.Sequential().pop()


def test_sequential_deferred_build():
    model = keras.Sequential([layers.Dense(4, activation="relu"), layers.Dense(1)])
    assert not model.built
    with pytest.raises(ValueError, match="have not yet been created"):
        _ = model.weights
    out = model(np.ones((5, 3), "float32"))
    assert out.shape == (5, 1) and model.built
    assert model.count_params() == 3 * 4 + 4 + 4 + 1
    assert " dense (Dense)               (None, 4)" in _summary(model)
    assert model.inputs[0].shape.as_list() == [None, 3]
    built = keras.Sequential([layers.Dense(3)])
    built.build((None, 7))
    assert built.layers[0].kernel.shape == (7, 3)
    with pytest.raises(ValueError, match="input_shape"):
        keras.Sequential([layers.Dense(3)]).build()


def test_sequential_with_input_first_and_weights_order():
    model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(2),
                              layers.BatchNormalization(), layers.Dense(1)])
    names = [w.name for w in model.weights]
    assert names == ["dense/kernel:0", "dense/bias:0", "batch_normalization/gamma:0",
                     "batch_normalization/beta:0", "batch_normalization/moving_mean:0",
                     "batch_normalization/moving_variance:0", "dense_1/kernel:0",
                     "dense_1/bias:0"]
    assert len(model.trainable_weights) == 6 and len(model.non_trainable_weights) == 2
    values = [np.full(w.shape, i, "float32") for i, w in enumerate(model.weights)]
    model.set_weights(values)
    for got, want in zip(model.get_weights(), values):
        np.testing.assert_array_equal(got, want)


def test_functional_multi_io_values():
    model = _two_inputs()
    a, b = np.ones((2, 16), "float32"), np.ones((2, 4), "float32")
    out = model([a, b]).numpy()
    enc = model.get_layer("encoder")
    score = model.get_layer("score")
    w1, b1 = enc.get_weights()
    w2, b2 = score.get_weights()
    want = np.concatenate([np.maximum(a @ w1 + b1, 0), b], 1) @ w2 + b2
    np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-6)
    # inputs by name, and float64 data cast to the Input dtype
    out2 = model({"image": a.astype("float64"), "meta": b})
    np.testing.assert_allclose(out2.numpy(), want, rtol=1e-5, atol=1e-6)
    assert model.input_names == ["image", "meta"] and model.output_names == ["score"]
    with pytest.raises(ValueError, match="expects 2 input"):
        model(a)


def test_functional_dict_io_and_multiple_outputs():
    x = keras.Input((3,), name="x")
    y = keras.Input((2,), name="y")
    h = layers.concatenate([x, y])
    outs = {"sum": layers.Dense(1, name="s")(h), "cls": layers.Dense(4, name="c")(h)}
    model = keras.Model({"x": x, "y": y}, outs)
    res = model({"x": np.ones((2, 3)), "y": np.zeros((2, 2))})
    assert set(res) == {"sum", "cls"} and res["cls"].shape == (2, 4)
    listed = keras.Model([x, y], [outs["sum"], outs["cls"]])
    r = listed([np.ones((2, 3)), np.zeros((2, 2))])
    assert isinstance(r, list) and [t.shape for t in r] == [(2, 1), (2, 4)]
    assert listed.output_shape == [(None, 1), (None, 4)]


def test_shared_layers_and_nested_models():
    inp = keras.Input((3,))
    shared = layers.Dense(4, name="shared")
    inner = keras.Model(inp, layers.add([shared(inp), shared(inp)]), name="inner")
    x = keras.Input((3,))
    y = layers.Dense(2)(inner(x))
    outer = keras.Model(x, y)
    assert outer.count_params() == 16 + 10  # the shared layer counts once
    data = np.random.default_rng(0).standard_normal((2, 3)).astype("float32")
    w, b = shared.get_weights()
    d = outer.layers[-1]
    want = (2 * (data @ w + b)) @ d.kernel.numpy() + d.bias.numpy()
    np.testing.assert_allclose(outer(data).numpy(), want, rtol=1e-5, atol=1e-5)
    assert type(inner).__name__ == "Functional" and outer.layers[1] is inner
    # a nested Sequential as a layer
    seq = keras.Sequential([layers.Dense(5), layers.Dense(2)])
    z = keras.Input((4,))
    wrapped = keras.Model(z, seq(z))
    assert wrapped.output_shape == (None, 2) and wrapped(np.ones((1, 4))).shape == (1, 2)


def test_transfer_learning_from_intermediate_layers():
    base = keras.Sequential([layers.Dense(8, activation="relu", input_shape=(6,), name="x"),
                             layers.Dense(3, name="head")])
    features = keras.Model(base.input, base.get_layer("x").output)
    data = np.ones((2, 6), "float32")
    np.testing.assert_allclose(features(data).numpy(),
                               np.maximum(data @ base.layers[0].kernel.numpy(), 0), rtol=1e-6)
    base.trainable = False
    new_out = layers.Dense(1)(layers.Flatten()(base.output))
    model = keras.Model(inputs=base.input, outputs=new_out)
    assert len(model.trainable_weights) == 2  # only the new head
    assert model.layers[1] is base.layers[0]
    for layer in base.layers:
        assert layer.trainable is False


def test_graph_disconnected_and_bad_inputs():
    a, b = keras.Input((2,), name="a"), keras.Input((2,), name="b")
    with pytest.raises(ValueError, match='Graph disconnected: cannot obtain value for tensor .* '
                                         'at layer "b"'):
        keras.Model(a, layers.add([a, b]))
    h = layers.Dense(2)(a)
    with pytest.raises(ValueError, match="must come from `keras.Input`"):
        keras.Model(h, layers.Dense(1)(h))


def test_subclassed_model_build_summary_and_call():
    class MyModel(keras.Model):
        def __init__(self):
            super().__init__()
            self.flatten = layers.Flatten()
            self.d1 = layers.Dense(32, activation="relu")
            self.dropout = layers.Dropout(0.2)
            self.d2 = layers.Dense(10)

        def call(self, x, training=False):
            return self.d2(self.dropout(self.d1(self.flatten(x)), training=training))

    model = MyModel()
    assert model.name == "my_model"
    with pytest.raises(ValueError, match="not yet been built"):
        model.summary()
    model.build((None, 28, 28, 1))
    text = _summary(model)
    assert " d1 " not in text and " dense (Dense)               multiple                  25120" \
        in text
    assert "Total params: 25,450 (99.41 KB)" in text
    assert model(np.ones((3, 28, 28, 1))).shape == (3, 10)
    assert [w.name for w in model.weights][:2] == ["dense/kernel:0", "dense/bias:0"]
    with pytest.raises(ValueError, match="Input shape must be defined"):
        MyModel().build()

    class NoCall(keras.Model):
        pass

    with pytest.raises(NotImplementedError, match="call"):
        NoCall()(np.ones((1, 2)))


def test_functional_subclass_via_super_init():
    class Wrapped(keras.Model):
        def __init__(self):
            inp = keras.Input((3,))
            super().__init__(inp, layers.Dense(2)(inp))

    m = Wrapped()
    assert m.output_shape == (None, 2) and m(np.ones((1, 3))).shape == (1, 2)
    assert m.name == "wrapped"


def test_frozen_nested_batchnorm_uses_moving_stats():
    base = keras.Sequential([layers.Dense(4, input_shape=(3,)), layers.BatchNormalization()])
    base.trainable = False
    x = keras.Input((3,))
    model = keras.Model(x, layers.Dense(1)(base(x, training=False)))
    data = np.random.default_rng(1).standard_normal((8, 3)).astype("float32")
    before = base.layers[1].moving_mean.numpy().copy()
    model(data, training=True)
    np.testing.assert_array_equal(base.layers[1].moving_mean.numpy(), before)
    assert len(model.trainable_weights) == 2 and len(model.non_trainable_weights) == 6


def test_keras_tensor_operators_become_layers():
    t = keras.Input((3,))
    u = (t * 2.0 + 1.0) / 2.0
    first = u[:, 0]
    model = keras.Model(t, [u, first, -t])
    names = [lay.name for lay in model.layers]
    assert names[1:4] == ["tf.math.multiply", "tf.__operators__.add", "tf.math.truediv"]
    outs = model(np.ones((1, 3), "float32"))
    np.testing.assert_allclose(outs[0].numpy(), [[1.5, 1.5, 1.5]])
    assert outs[1].shape == (1,) and float(outs[2][0, 0]) == -1.0


def test_symbolic_add_loss_on_functional_model():
    x = keras.Input((2,))
    h = layers.Dense(3, kernel_initializer="ones")(x)
    model = keras.Model(x, h)
    model.add_loss(layers.Lambda(lambda t: tf.reduce_mean(t))(h) * 0.5)
    model(np.ones((4, 2), "float32"))
    assert [float(v) for v in model.losses] == [pytest.approx(1.0)]


def test_config_round_trips_and_clone():
    seq = keras.Sequential([layers.Dense(4, activation="relu", input_shape=(3,)),
                            layers.BatchNormalization(), layers.Dense(2)])
    config = seq.get_config()
    assert config["layers"][0]["class_name"] == "InputLayer"
    json.dumps(config)
    clone = keras.Sequential.from_config(config)
    clone.set_weights(seq.get_weights())
    data = np.random.default_rng(2).standard_normal((5, 3)).astype("float32")
    np.testing.assert_allclose(clone(data).numpy(), seq(data).numpy(), rtol=1e-6)

    func = _two_inputs()
    fconfig = func.get_config()
    merge = next(lay for lay in fconfig["layers"] if lay["name"] == "merge")
    assert merge["inbound_nodes"] == [[["encoder", 0, 0, {}], ["meta", 0, 0, {}]]]
    assert fconfig["input_layers"] == [["image", 0, 0], ["meta", 0, 0]]
    rebuilt = keras.Model.from_config(fconfig)
    rebuilt.set_weights(func.get_weights())
    a, b = np.ones((2, 16), "float32"), np.ones((2, 4), "float32")
    np.testing.assert_allclose(rebuilt([a, b]).numpy(), func([a, b]).numpy(), rtol=1e-6)

    cloned = keras.models.clone_model(seq)
    assert cloned.count_params() == seq.count_params() and cloned.layers[0] is not seq.layers[0]
    again = keras.models.model_from_json(func.to_json())
    assert [lay.name for lay in again.layers] == [lay.name for lay in func.layers]


def test_model_weight_exchange_between_identical_models():
    def make():
        return keras.Sequential([layers.Dense(3, input_shape=(2,)), layers.Dense(1)])
    m1, m2 = make(), make()
    m2.set_weights(m1.get_weights())
    data = np.ones((1, 2), "float32")
    np.testing.assert_allclose(m1(data).numpy(), m2(data).numpy())
    with pytest.raises(ValueError, match="expecting 4 weights"):
        m2.set_weights(m1.get_weights()[:3])


def test_fit_step_when_trainer_is_available():
    model = keras.Sequential([layers.Dense(1, input_shape=[1])])
    if not hasattr(model, "fit") or not hasattr(model, "compile"):
        pytest.skip("the trainer is not available yet")
    model.compile(optimizer="sgd", loss="mean_squared_error")
    xs = np.array([-1.0, 0.0, 1.0, 2.0, 3.0, 4.0], "float32")
    ys = 2 * xs - 1
    history = model.fit(xs, ys, epochs=3, verbose=0)
    assert len(history.history["loss"]) == 3
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_model_input_errors_and_missing_batch_hint():
    model = keras.Sequential([layers.Flatten(input_shape=(28, 28)), layers.Dense(10)])
    with pytest.raises(ValueError, match=r'layer "sequential" is incompatible with the layer: '
                                         r"expected shape=\(None, 28, 28\), found shape=\(28, "
                                         r"28\)\. The input seems to be missing its batch"):
        model(np.ones((28, 28), "float32"))
    with pytest.raises(ValueError, match=r"found shape=\(2, 28, 27\)"):
        model(np.ones((2, 28, 27), "float32"))
    # a trailing axis of size 1 may be left out, as in tf.keras
    single = keras.Sequential([layers.Dense(1, input_shape=[1])])
    assert single(np.array([6.0, 7.0])).shape == (2, 1)
