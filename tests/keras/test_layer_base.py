"""The Layer base class: building, weights, naming, tracking, training flags, losses, input
specs, dtypes, configs and error messages."""

import numpy as np
import pytest

import flowgrad as tf
from flowgrad import keras
from flowgrad.keras import layers as L
from flowgrad.keras.engine import base_layer


@pytest.fixture(autouse=True)
def _fresh_names():
    keras.backend.clear_session()
    yield


class SimpleDense(L.Layer):
    """The tutorial's custom layer (Deep Learning with Python, chapter 3)."""

    def __init__(self, units, activation=None):
        super().__init__()
        self.units = units
        self.activation = activation

    def build(self, input_shape):
        input_dim = input_shape[-1]
        self.W = self.add_weight(shape=(input_dim, self.units), initializer="random_normal")
        self.b = self.add_weight(shape=(self.units,), initializer="zeros")

    def call(self, inputs):
        y = tf.matmul(inputs, self.W) + self.b
        if self.activation is not None:
            y = self.activation(y)
        return y


def test_tutorial_custom_layer_builds_lazily():
    layer = SimpleDense(units=32, activation=tf.nn.relu)
    assert not layer.built and layer.weights == []
    out = layer(tf.ones(shape=(2, 784)))
    assert out.shape == (2, 32)
    assert layer.built
    assert [tuple(w.shape) for w in layer.weights] == [(784, 32), (32,)]
    assert layer.count_params() == 784 * 32 + 32
    assert np.all(out.numpy() >= 0)
    model = keras.Sequential([SimpleDense(32, activation="relu" and tf.nn.relu),
                              SimpleDense(10, activation=tf.nn.softmax)])
    probs = model(np.ones((3, 5), "float32")).numpy()
    np.testing.assert_allclose(probs.sum(-1), 1.0, rtol=1e-5)


def test_build_receives_tensor_shape_and_records_it():
    seen = []

    class Probe(L.Layer):
        def build(self, input_shape):
            seen.append(input_shape)

    Probe()(np.zeros((2, 3), "float32"))
    assert isinstance(seen[0], tf.TensorShape) and seen[0] == (2, 3)
    Probe()(keras.Input((4,)))
    assert seen[1].as_list() == [None, 4]


def test_add_weight_options_and_keras3_order():
    class W(L.Layer):
        def build(self, input_shape):
            self.k = self.add_weight("k", (2, 3), initializer="ones",
                                     regularizer=keras.regularizers.l2(0.5))
            self.s = self.add_weight((3,), "zeros", trainable=False)  # Keras 3 order
            self.c = self.add_weight(name="c", shape=(), initializer="ones",
                                     constraint=keras.constraints.NonNeg())
            self.i = self.add_weight(name="i", shape=(2,), dtype="int32")

    layer = W(name="w")
    layer(np.zeros((1, 2), "float32"))
    assert layer.k.name == "w/k:0" and layer.k.dtype == tf.float32
    assert layer.s.shape == (3,) and not layer.s.trainable
    assert layer.i.dtype == tf.int32 and np.all(layer.i.numpy() == 0)
    assert layer.c.constraint is not None
    assert [v.name for v in layer.trainable_weights] == ["w/k:0", "w/c:0"]
    assert {v.name for v in layer.non_trainable_weights} == {"w/Variable_1:0", "w/i:0"}
    assert float(layer.losses[0]) == pytest.approx(0.5 * 6)
    with pytest.raises(ValueError, match="fully defined shape"):
        L.Layer().add_weight("bad", (None, 3))


def test_automatic_names_and_clear_session():
    assert [L.Dense(1).name for _ in range(3)] == ["dense", "dense_1", "dense_2"]
    assert L.BatchNormalization().name == "batch_normalization"
    assert L.ReLU().name == "re_lu" and L.PReLU().name == "p_re_lu"
    assert keras.Input((2,)).node.layer.name == "input_1"
    assert keras.Sequential().name == "sequential"
    assert base_layer.to_snake_case("Conv2D") == "conv2d"
    keras.backend.clear_session()
    assert L.Dense(1).name == "dense"
    assert keras.Input((2,)).node.layer.name == "input_1"
    base_layer.reset_name_counters()
    assert L.Dense(1).name == "dense"


def test_name_scope_prefixes_weights_and_counts_separately():
    with base_layer.name_scope("block"):
        d = L.Dense(2)
        d(np.ones((1, 3), "float32"))
    assert d.name == "dense"
    assert d.kernel.name == "block/dense/kernel:0"
    with L.Dense(1, name="outer").name_scope:
        inner = L.Dense(1)
        inner.build((None, 2))
    assert inner.name == "dense" and inner.kernel.name == "outer/dense/kernel:0"


def test_nested_tracking_in_attributes_lists_and_dicts():
    class Block(L.Layer):
        def __init__(self):
            super().__init__()
            self.first = L.Dense(2)
            self.stack = []
            self.stack.append(L.Dense(3))   # mutated after assignment: still tracked
            self.by_name = {"a": L.Dense(4)}
            self.pair = (L.Dense(5), 7)
            self.scale = tf.Variable(1.0)
            self.frozen = tf.Variable(2.0, trainable=False)

        def call(self, x):
            x = self.first(x)
            x = self.stack[0](x)
            x = self.by_name["a"](x)
            return self.pair[0](x) * self.scale

    block = Block()
    block(np.ones((1, 3), "float32"))
    assert len(block.trainable_weights) == 9 and len(block.non_trainable_weights) == 1
    assert block.count_params() == (3 * 2 + 2) + (2 * 3 + 3) + (3 * 4 + 4) + (4 * 5 + 5) + 2
    assert len(block.submodules) == 4
    block.stack.append(L.Dense(1, name="late"))
    assert "late" in [lay.name for lay in block.submodules]
    del block.pair
    assert len(block.submodules) == 4


def test_trainable_setter_freezes_sublayers():
    inner = keras.Sequential([L.Dense(2, input_shape=(3,)), L.BatchNormalization()])
    outer = keras.Sequential([inner, L.Dense(1)])
    assert len(outer.trainable_weights) == 6 and len(outer.non_trainable_weights) == 2
    inner.trainable = False
    assert all(not lay.trainable for lay in inner.layers)
    assert len(outer.trainable_weights) == 2 and len(outer.non_trainable_weights) == 6
    outer.trainable = True
    assert len(outer.trainable_weights) == 6


def test_training_flag_reaches_nested_layers():
    seen = []

    class Spy(L.Layer):
        def call(self, inputs, training=None):
            seen.append(training)
            return inputs

    class NoTraining(L.Layer):
        def call(self, inputs):  # must not receive `training`
            return inputs

    class Outer(keras.Model):
        def __init__(self):
            super().__init__()
            self.spy = Spy()
            self.plain = NoTraining()

        def call(self, x):
            return self.plain(self.spy(x))

    m = Outer()
    x = np.ones((1, 2), "float32")
    m(x, training=True)
    m(x, training=False)
    m(x)
    assert seen == [True, False, None]
    keras.backend.set_learning_phase(1)
    try:
        m(x)
    finally:
        keras.backend.clear_session()
    assert seen[-1] is True
    # an explicit argument wins over the outer context
    Spy()(x, training=False)
    assert seen[-1] is False


def test_mask_argument_only_for_layers_that_take_it():
    got = []

    class Masked(L.Layer):
        def call(self, inputs, mask=None):
            got.append(mask)
            return inputs

    x = np.ones((1, 2), "float32")
    Masked()(x, mask=tf.constant([[True, False]]))
    assert got[0].numpy().tolist() == [[True, False]]
    L.Flatten()(x, mask=tf.constant([[True, False]]))  # silently dropped
    layer = L.Dense(2)
    assert layer.supports_masking and layer.compute_mask(x, "m") == "m"
    assert L.Layer().compute_mask(x, "m") is None


def test_mask_propagates_through_sequential():
    class MakeMask(L.Layer):
        def call(self, inputs):
            return inputs

        def compute_mask(self, inputs, mask=None):
            return tf.not_equal(inputs[..., 0], 0.0)

    class UseMask(L.Layer):
        def call(self, inputs, mask=None):
            return inputs * tf.cast(mask, inputs.dtype)[..., None]

    model = keras.Sequential([MakeMask(), L.Dense(2, kernel_initializer="ones"), UseMask()])
    x = np.array([[[1.0, 1.0], [0.0, 1.0]]], "float32")
    out = model(x).numpy()
    np.testing.assert_allclose(out, [[[2, 2], [0, 0]]])


def test_get_set_weights_and_errors():
    layer = L.Dense(3, name="d")
    with pytest.raises(ValueError, match="isn't built"):
        layer.count_params()
    layer.build((None, 2))
    w = [np.full((2, 3), 2.0, "float32"), np.arange(3, dtype="float64")]
    layer.set_weights(w)
    got = layer.get_weights()
    np.testing.assert_array_equal(got[0], w[0])
    assert got[1].dtype == np.float32  # cast to the variable dtype
    with pytest.raises(ValueError, match='layer "d" with a weight list of length 1, but the '
                                         'layer was expecting 2 weights'):
        layer.set_weights(w[:1])
    with pytest.raises(ValueError, match=r"weight shape \(2, 3\) is not compatible with "
                                         r"provided weight shape \(3, 3\)"):
        layer.set_weights([np.zeros((3, 3)), np.zeros(3)])


def test_input_spec_errors_name_layer_shapes_and_missing_batch():
    layer = L.Dense(4, name="dense_probe")
    layer(np.ones((2, 3), "float32"))
    with pytest.raises(ValueError) as e:
        layer(np.ones((2, 5), "float32"))
    msg = str(e.value)
    assert 'layer "dense_probe"' in msg and "axis -1" in msg and "value 3" in msg
    assert "(2, 5)" in msg
    with pytest.raises(ValueError, match="missing its batch dimension"):
        layer(np.ones(3, "float32"))
    spec_layer = L.Permute((2, 1))
    with pytest.raises(ValueError, match="expected ndim=3, found ndim=2"):
        spec_layer(np.ones((2, 3), "float32"))

    class Spec(L.Layer):
        def __init__(self):
            super().__init__()
            self.input_spec = keras.layers.InputSpec(max_ndim=2, dtype="float32")

    with pytest.raises(ValueError, match="max_ndim=2"):
        Spec()(np.ones((1, 2, 3), "float32"))
    with pytest.raises(ValueError, match="expected dtype=float32"):
        Spec()(np.ones((1, 2), "int32"))


def test_dtype_policy_and_autocast():
    layer = L.Dense(2)
    assert layer.dtype == "float32" and layer.compute_dtype == "float32"
    assert layer.dtype_policy.name == "float32"
    out = layer(np.ones((1, 3), "float64"))
    assert out.dtype == tf.float32
    d64 = L.Dense(2, dtype="float64")
    assert d64(np.ones((1, 3), "float32")).dtype == tf.float64
    assert d64.kernel.dtype == tf.float64
    mixed = L.Dense(2, dtype="mixed_float16")
    out = mixed(np.ones((1, 3), "float32"))
    assert mixed.kernel.dtype == tf.float32 and mixed.compute_dtype == "float16"
    assert mixed.dtype == "float32"
    # integers are not autocast by the base layer
    ident = L.Layer()
    assert ident(np.ones((1, 2), "int32")).dtype == tf.int32


def test_numpy_and_list_inputs_are_converted():
    layer = L.Dense(1, kernel_initializer="ones")
    assert float(layer([[1.0, 2.0]])[0, 0]) == 3.0
    assert layer(np.array([[1, 1]])).shape == (1, 1)


def test_config_round_trip_and_auto_config():
    d = L.Dense(3, activation="relu", name="d", kernel_regularizer=keras.regularizers.l2(0.1))
    config = d.get_config()
    assert config["units"] == 3 and config["activation"] == "relu"
    clone = L.Dense.from_config(config)
    assert clone.name == "d" and clone.kernel_regularizer is not None

    class Scaled(L.Layer):
        def __init__(self, factor, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def call(self, x):
            return x * self.factor

    s = Scaled(2.5, name="s")
    cfg = s.get_config()
    assert cfg["factor"] == 2.5 and cfg["name"] == "s"
    assert Scaled.from_config(cfg).factor == 2.5

    class Opaque(L.Layer):
        def __init__(self, thing):
            super().__init__()
            self.thing = thing

    with pytest.raises(NotImplementedError, match="get_config"):
        Opaque(object()).get_config()


def test_input_layer_kwargs_and_batch_shape():
    d = L.Dense(2, input_shape=(3,))
    assert d._batch_input_shape == (None, 3)
    assert L.Dense(2, input_dim=4)._batch_input_shape == (None, 4)
    assert L.Dense(2, batch_input_shape=(8, 4))._batch_input_shape == (8, 4)
    assert L.Dense(2, input_shape=(3,), batch_size=5)._batch_input_shape == (5, 3)
    with pytest.raises(TypeError, match="Keyword argument not understood: 'bogus'"):
        L.Dense(2, bogus=1)


def test_losses_activity_regularizer_add_loss_and_callables():
    class AddsLoss(L.Layer):
        def call(self, x):
            self.add_loss(tf.reduce_sum(x))
            return x

    layer = L.Dense(2, kernel_initializer="ones", activity_regularizer=keras.regularizers.l1(0.5))
    layer(np.ones((4, 3), "float32"))
    # l1 * sum(|outputs|) / batch = 0.5 * (8 * 3) / 4
    assert [float(v) for v in layer.losses] == [pytest.approx(3.0)]
    adder = AddsLoss()
    model = keras.Sequential([adder, L.Dense(1)])
    model(np.ones((2, 2), "float32"))
    model(np.ones((2, 2), "float32"))
    assert [float(v) for v in model.losses] == [4.0]  # losses of earlier calls are dropped
    v = tf.Variable(3.0)
    model.add_loss(lambda: v * 2.0)
    assert sorted(float(x) for x in model.losses) == [4.0, 6.0]
    v.assign(1.0)
    assert sorted(float(x) for x in model.losses) == [2.0, 4.0]


def test_compute_output_shape_default_runs_the_layer():
    class Halve(L.Layer):
        def call(self, x):
            return x[:, ::2]

    assert Halve().compute_output_shape((None, 6)).as_list() == [None, 3]
    assert L.Dense(5).compute_output_shape((None, 3, 2)).as_list() == [None, 3, 5]


def test_layer_views_in_functional_graphs_and_errors():
    layer = L.Dense(2)
    with pytest.raises(AttributeError, match="never been called"):
        _ = layer.output
    x = keras.Input((3,))
    y = layer(x)
    assert layer.input is x and layer.output is y
    assert layer.input_shape == (None, 3) and layer.output_shape == (None, 2)
    layer(keras.Input((3,)))
    with pytest.raises(AttributeError, match="multiple inbound nodes"):
        _ = layer.output
    assert layer.get_output_at(1).shape.as_list() == [None, 2]
    assert layer.output_shape == (None, 2)  # same shape at every node


def test_forgetting_super_init_is_explained():
    class Bad(L.Layer):
        def __init__(self):
            self.units = 3

    with pytest.raises(RuntimeError, match="forgot to call `super\\(\\).__init__\\(\\)`"):
        Bad()(np.ones((1, 2)))


def test_keras_tensor_has_no_value():
    x = keras.Input((3,))
    with pytest.raises(TypeError, match="symbolic Keras tensor"):
        x.numpy()
    with pytest.raises(TypeError, match="symbolic Keras tensor"):
        bool(x)
    assert repr(x).startswith("<KerasTensor: shape=(None, 3) dtype=float32")


def test_layers_run_inside_traced_function():
    model = keras.Sequential([L.Dense(4, activation="relu", input_shape=(3,)),
                              L.BatchNormalization(), L.Dropout(0.5), L.Dense(2)])
    x = tf.constant(np.random.default_rng(0).standard_normal((6, 3)).astype("float32"))

    @tf.function
    def infer(x):
        return model(x)

    @tf.function
    def train(x):
        return model(x, training=True)

    np.testing.assert_allclose(infer(x).numpy(), model(x).numpy(), rtol=1e-5, atol=1e-6)
    before = model.layers[1].moving_mean.numpy().copy()
    train(x)
    assert not np.allclose(model.layers[1].moving_mean.numpy(), before)


def test_lazily_built_weights_inside_a_trace():
    layer = L.Dense(3)

    @tf.function
    def f(x):
        return layer(x)

    out = f(tf.ones((2, 4)))
    assert out.shape == (2, 3) and layer.kernel.shape == (4, 3)
    np.testing.assert_allclose(out.numpy(), layer(tf.ones((2, 4))).numpy(), rtol=1e-6)


def test_gradient_tape_through_layers():
    model = keras.Sequential([L.Dense(3, input_shape=(2,)), L.LayerNormalization(),
                              L.Dense(1)])
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(model(np.ones((4, 2), "float32")) ** 2)
    grads = tape.gradient(loss, model.trainable_variables)
    assert len(grads) == 6 and all(g is not None for g in grads)
