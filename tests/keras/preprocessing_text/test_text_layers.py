"""flowgrad-specific behaviour of the text preprocessing layers: configs and `.keras` files
round-trip (adapted vocabularies and idf weights live in the config), the layers work inside
tf.function, Dataset.map and a model's traced train step (with a clear error where an output
shape would depend on the text), and misuse names the layer, what it expected and what it got.
Values against Keras itself are in test_vs_keras.py."""

import re

import numpy as np
import pytest

import flowgrad as tf
from flowgrad.errors import InvalidArgumentError

keras = tf.keras
DATA = ["The cat sat on the mat.", "The dog ate my homework!", "a cat, a dog; a bird",
        "my cat ate the dog's bird"]
LABELS = np.array([0, 1, 0, 1], dtype="float32")


def _adapted(**kwargs):
    layer = keras.layers.TextVectorization(**kwargs)
    layer.adapt(DATA)
    return layer


@pytest.mark.parametrize("make", [
    lambda: _adapted(output_sequence_length=6, ngrams=2),
    lambda: _adapted(output_mode="tf_idf", max_tokens=12, pad_to_max_tokens=True),
    lambda: _adapted(output_mode="count", split="character", standardize="lower"),
    lambda: keras.layers.StringLookup(vocabulary=["a", "b"], mask_token="", num_oov_indices=2),
    lambda: keras.layers.StringLookup(vocabulary=["a", "b"], output_mode="tf_idf",
                                      idf_weights=[0.5, 1.5]),
    lambda: keras.layers.IntegerLookup(vocabulary=[7, 3], invert=True),
    lambda: keras.layers.Hashing(num_bins=5, salt=3, mask_value="", output_mode="count"),
], ids=["tv_ngrams", "tv_tf_idf", "tv_characters", "string_lookup", "string_lookup_tf_idf",
        "integer_lookup_invert", "hashing"])
def test_config_round_trip(make):
    layer = make()
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    if isinstance(layer, keras.layers.IntegerLookup):
        x = np.array([[0, 1, 2, 3]])
    elif isinstance(layer, keras.layers.TextVectorization):
        x = np.array(DATA + ["unseen words here"])
    else:
        x = np.array([["a", "b", "", "zz"]])
    np.testing.assert_array_equal(clone(x).numpy(), layer(x).numpy())


def test_adapted_config_holds_the_vocabulary_and_can_adapt_again():
    layer = _adapted(max_tokens=8)
    config = layer.get_config()
    assert config["vocabulary"] == layer.get_vocabulary() and config["vocabulary_size"] == 8
    clone = keras.layers.TextVectorization.from_config(config)
    clone.adapt(["x y y"])
    assert clone.get_vocabulary() == ["", "[UNK]", "y", "x"]
    given = keras.layers.TextVectorization(vocabulary=["a"])
    with pytest.raises(ValueError, match="Cannot adapt layer .* static vocabulary"):
        given.adapt(["a b"])


@keras.saving.register_keras_serializable(package="text_test")
def strip_html(x):
    return tf.strings.regex_replace(tf.strings.lower(x), "<br />", " ")


def test_keras_file_round_trip_of_a_trained_text_model(tmp_path):
    vec = keras.layers.TextVectorization(max_tokens=30, output_sequence_length=8,
                                         standardize=strip_html, ngrams=(1, 2))
    vec.adapt(DATA)
    lookup = keras.layers.StringLookup(vocabulary=["pos", "neg"], output_mode="one_hot")
    text = keras.Input(shape=(1,), dtype="string")
    tag = keras.Input(shape=(1,), dtype="string")
    x = keras.layers.GlobalAveragePooling1D()(keras.layers.Embedding(30, 4)(vec(text)))
    x = keras.layers.Concatenate()([x, lookup(tag)])
    model = keras.Model([text, tag], keras.layers.Dense(1)(x))
    model.compile("adam", "mse")
    xs = [np.array([[d] for d in DATA]), np.array([["pos"], ["neg"], ["x"], ["pos"]])]
    model.fit(xs, LABELS, epochs=2, batch_size=2, verbose=0)
    path = str(tmp_path / "text.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(xs, verbose=0), model.predict(xs, verbose=0),
                               rtol=1e-6)
    vec2 = next(la for la in loaded.layers if isinstance(la, keras.layers.TextVectorization))
    assert vec2.get_vocabulary() == vec.get_vocabulary() and vec2._standardize is strip_html


def test_dataset_map_traces_with_a_sequence_length_and_falls_back_without():
    ds = tf.data.Dataset.from_tensor_slices((DATA, LABELS)).batch(3)
    vec = _adapted(output_sequence_length=5)
    mapped = ds.map(lambda x, y: (vec(x), y))
    assert mapped.element_spec[0].shape.as_list() == [None, 5]
    batches = [x for x, _ in mapped.as_numpy_iterator()]
    np.testing.assert_array_equal(np.concatenate(batches), vec(DATA).numpy())
    ragged_width = _adapted()
    out = [x for x, _ in ds.map(lambda x, y: (ragged_width(x), y)).as_numpy_iterator()]
    assert [o.shape for o in out] == [(3, 6), (1, 6)]


def test_traced_function_sees_a_new_vocabulary():
    vec = _adapted(output_sequence_length=3)
    cat = vec.get_vocabulary().index("cat")
    f = tf.function(lambda x: vec(x))
    assert f(tf.constant(["zebra cat"])).numpy().tolist() == [[1, cat, 0]]
    vec.adapt(["zebra zebra cat"])
    after = f(tf.constant(["zebra cat"])).numpy()
    assert after.tolist() == [[2, 3, 0]] and f.experimental_get_tracing_count() == 1


def test_model_fit_with_string_inputs():
    vec = _adapted(output_mode="multi_hot", max_tokens=10)
    inp = keras.Input(shape=(), dtype="string")
    dense = keras.layers.Dense(1, kernel_initializer="ones")
    model = keras.Model(inp, dense(vec(inp)))
    assert model.output_shape == (None, 1)
    model.compile(keras.optimizers.SGD(0.1), "mse")
    history = model.fit(np.array(DATA * 4), np.tile(LABELS, 4), epochs=3, batch_size=4,
                        verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    x = np.array(DATA)
    np.testing.assert_allclose(model.predict(x, verbose=0), dense(vec(x)).numpy(), rtol=1e-6)


def test_fit_without_sequence_length_fails_clearly():
    vec = _adapted()
    inp = keras.Input(shape=(1,), dtype="string")
    assert vec(inp).shape.as_list() == [None, None]
    x = keras.layers.GlobalAveragePooling1D()(keras.layers.Embedding(20, 2)(vec(inp)))
    model = keras.Model(inp, keras.layers.Dense(1)(x))
    model.compile("adam", "mse")
    with pytest.raises(ValueError, match=r"text_vectorization.*output_sequence_length.*"
                                         r"depends on the text"):
        model.fit(np.array([[d] for d in DATA]), LABELS, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="ragged=True"):
        tf.function(lambda t: _adapted(ragged=True)(t))(tf.constant(DATA))


def test_layers_inside_tf_function_match_eager():
    layers = [_adapted(output_mode="tf_idf"), _adapted(output_sequence_length=4, split=None),
              keras.layers.StringLookup(vocabulary=["the", "cat"], output_mode="count"),
              keras.layers.Hashing(num_bins=7, output_mode="multi_hot")]
    x = tf.constant([["the cat"], ["cat cat dog"]])
    for layer in layers:
        f = tf.function(lambda t, layer=layer: layer(t))
        np.testing.assert_array_equal(f(x).numpy(), layer(x).numpy())


def test_errors_name_the_layer_and_what_was_expected():
    lookup = keras.layers.StringLookup(vocabulary=["a"], name="tags")
    with pytest.raises(ValueError, match="Layer 'tags' \\(StringLookup\\) expects string inputs; "
                                         "received dtype int32"):
        lookup(np.array([1, 2], dtype="int32"))
    with pytest.raises(ValueError, match="IntegerLookup\\) expects integer inputs; received "
                                         "dtype string"):
        keras.layers.IntegerLookup(vocabulary=[1])(["a"])
    with pytest.raises(ValueError, match="TextVectorization\\) expects string inputs; received "
                                         "dtype float32"):
        _adapted()(np.zeros((2, 1), "float32"))
    with pytest.raises(InvalidArgumentError, match="'words' has no vocabulary yet"):
        keras.layers.TextVectorization(name="words")(["a b"])
    with pytest.raises(ValueError, match=re.escape("sparse=True` is not supported")):
        keras.layers.StringLookup(sparse=True, output_mode="multi_hot")
    with pytest.raises(ValueError, match="rank <= 2"):
        keras.layers.StringLookup(vocabulary=["a"], output_mode="count")([[["a"]]])
    with pytest.raises(InvalidArgumentError, match="found OOV values \\['zz'\\]"):
        keras.layers.StringLookup(vocabulary=["a"], num_oov_indices=0)(["a", "zz"])
