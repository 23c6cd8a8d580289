"""keras.preprocessing: Tokenizer and pad_sequences (the tutorials' text pipeline), against the
behaviour of tf.keras 2 (expected values worked out by hand / checked with Keras)."""

import numpy as np
import pytest

import flowgrad as tf
from flowgrad.keras.preprocessing.sequence import pad_sequences
from flowgrad.keras.preprocessing.text import (
    Tokenizer,
    hashing_trick,
    text_to_word_sequence,
    tokenizer_from_json,
)

TEXTS = ["The cat sat on the mat.", "The dog ate my homework!", "Cat and dog."]


def test_text_to_word_sequence():
    assert text_to_word_sequence("Hello, World!\tAgain--and again") == \
        ["hello", "world", "again", "and", "again"]
    assert text_to_word_sequence("A-B", filters="", lower=False, split="-") == ["A", "B"]


def test_tokenizer_vocabulary_order_and_sequences():
    t = Tokenizer()
    t.fit_on_texts(TEXTS)
    # by descending count; ties keep first-seen order
    assert list(t.word_index)[:3] == ["the", "cat", "dog"]
    assert t.word_index["the"] == 1 and t.index_word[1] == "the"
    assert t.word_counts["the"] == 3 and t.word_docs["the"] == 2 and t.document_count == 3
    seqs = t.texts_to_sequences(["the cat ate", "unknown words"])
    assert seqs == [[1, 2, t.word_index["ate"]], []]
    assert t.sequences_to_texts(seqs) == ["the cat ate", ""]


def test_num_words_and_oov_token():
    t = Tokenizer(num_words=4, oov_token="<OOV>")
    t.fit_on_texts(TEXTS)
    assert t.word_index["<OOV>"] == 1 and t.word_index["the"] == 2
    # indices >= num_words and unknown words become the OOV index
    assert t.texts_to_sequences(["the cat mat zebra"]) == [[2, 3, 1, 1]]
    plain = Tokenizer(num_words=3)
    plain.fit_on_texts(TEXTS)
    assert plain.texts_to_sequences(["the cat dog mat"]) == [[1, 2]]


def test_texts_to_matrix_modes():
    t = Tokenizer(num_words=5)
    t.fit_on_texts(TEXTS)
    binary = t.texts_to_matrix(["the the cat"], mode="binary")
    assert binary.shape == (1, 5) and binary[0].tolist() == [0, 1, 1, 0, 0]
    assert t.texts_to_matrix(["the the cat"], mode="count")[0].tolist() == [0, 2, 1, 0, 0]
    freq = t.texts_to_matrix(["the the cat"], mode="freq")[0]
    np.testing.assert_allclose(freq, [0, 2 / 3, 1 / 3, 0, 0])
    tfidf = t.texts_to_matrix(["the the cat"], mode="tfidf")[0]
    idf_the = np.log(1 + 3 / (1 + 2))
    np.testing.assert_allclose(tfidf[1], (1 + np.log(2)) * idf_the)
    with pytest.raises(ValueError):
        t.texts_to_matrix(["x"], mode="nope")


def test_char_level_json_round_trip_and_hashing():
    t = Tokenizer(char_level=True)
    t.fit_on_texts(["aab"])
    assert t.word_index == {"a": 1, "b": 2} and t.texts_to_sequences(["ba"]) == [[2, 1]]
    w = Tokenizer(num_words=10, oov_token="?")
    w.fit_on_texts(TEXTS)
    back = tokenizer_from_json(w.to_json())
    assert back.word_index == w.word_index and back.num_words == 10
    assert back.texts_to_sequences(TEXTS) == w.texts_to_sequences(TEXTS)
    h = hashing_trick("a b a", 7, hash_function="md5")
    assert h[0] == h[2] and all(1 <= v < 7 for v in h)


def test_pad_sequences_matches_keras():
    # reference values produced by keras.utils.pad_sequences (Keras 3.15)
    assert pad_sequences([[1, 2, 3], [4], []]).tolist() == [[1, 2, 3], [0, 0, 4], [0, 0, 0]]
    assert pad_sequences([[1, 2, 3], [4]], maxlen=2).tolist() == [[2, 3], [0, 4]]
    assert pad_sequences([[1, 2, 3], [4]], maxlen=2, padding="post", truncating="post",
                         value=-1).tolist() == [[1, 2], [4, -1]]
    r = pad_sequences([[[1, 1], [2, 2]], [[3, 3]]], dtype="float32")
    assert r.dtype == np.float32 and r.tolist() == [[[1, 1], [2, 2]], [[0, 0], [3, 3]]]
    assert pad_sequences([[1, 2, 3], [4]], maxlen=5, padding="post").tolist() == \
        [[1, 2, 3, 0, 0], [4, 0, 0, 0, 0]]
    assert pad_sequences([[1]], maxlen=3).dtype == np.int32
    strings = pad_sequences([["a"], ["b", "c"]], dtype=object, value="")
    assert strings.tolist() == [["", "a"], ["b", "c"]]
    with pytest.raises(ValueError, match="Padding type"):
        pad_sequences([[1]], padding="middle")
    with pytest.raises(ValueError, match="compatible"):
        pad_sequences([[1]], value="x")


def test_tutorial_text_pipeline_runs_through_keras_namespaces():
    texts = ["I loved this movie", "Terrible film, hated it", "Loved it!"]
    tokenizer = tf.keras.preprocessing.text.Tokenizer(num_words=10000)
    tokenizer.fit_on_texts(texts)
    sequences = tokenizer.texts_to_sequences(texts)
    padded = tf.keras.preprocessing.sequence.pad_sequences(sequences, maxlen=100)
    assert padded.shape == (3, 100) and padded.dtype == np.int32
    assert padded[2, -2:].tolist() == [tokenizer.word_index["loved"], tokenizer.word_index["it"]]
    assert tf.keras.utils.pad_sequences is pad_sequences
    ds = tf.data.Dataset.from_tensor_slices((padded, np.array([1, 0, 1]))).batch(2)
    assert ds.element_spec[0].shape.as_list() == [None, 100]
