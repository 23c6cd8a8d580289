"""keras.preprocessing.text (Tokenizer, text_to_word_sequence, hashing_trick, one_hot,
tokenizer_from_json) against tf-keras 2's outputs for the same texts:
tests/data/fixtures/tokenizer_expected.json, written by
tests/data/fixtures/make_dataset_utils_fixtures.py. (The hand-checked basics are in
test_preprocessing.py.)"""

import json
import os
import warnings

import numpy as np
import pytest

import flowgrad as tf
from flowgrad.keras.preprocessing import text as T

FIXTURES = os.path.join(os.path.dirname(__file__), os.pardir, "data", "fixtures",
                        "tokenizer_expected.json")
with open(FIXTURES) as _f:
    EXPECTED = json.load(_f)
TEXTS, QUERIES, SEQUENCES = EXPECTED["texts"], EXPECTED["queries"], EXPECTED["sequences"]
MODES = ("binary", "count", "tfidf", "freq")


def _state(t):
    return {
        "word_index": t.word_index,
        "index_word": {str(k): v for k, v in t.index_word.items()},
        "word_counts": [list(kv) for kv in t.word_counts.items()],
        "word_docs": dict(t.word_docs),
        "index_docs": {str(k): v for k, v in t.index_docs.items()},
        "document_count": t.document_count,
    }


def _check_state(t, want):
    got = _state(t)
    # word_counts' order is insertion order (it decides the ties of word_index)
    assert got["word_counts"] == want["word_counts"]
    for key in ("word_index", "index_word", "word_docs", "index_docs", "document_count"):
        assert got[key] == want[key], key
    assert list(t.word_index) == list(want["word_index"])


def _check_outputs(t, queries, want):
    seqs = t.texts_to_sequences(queries)
    assert seqs == want["sequences"]
    assert list(t.texts_to_sequences_generator(queries)) == want["sequences_gen"]
    assert t.sequences_to_texts(seqs + SEQUENCES) == want["texts_back"]
    for mode in MODES:
        m = t.texts_to_matrix(queries, mode=mode)
        assert m.dtype == np.float64
        np.testing.assert_allclose(m, want["texts_matrix_" + mode], rtol=1e-12, atol=0)
        np.testing.assert_allclose(t.sequences_to_matrix(SEQUENCES, mode=mode),
                                   want["seq_matrix_" + mode], rtol=1e-12, atol=0)


CASES = EXPECTED["cases"]


@pytest.mark.parametrize("case", CASES, ids=[json.dumps(c["config"]) for c in CASES])
def test_tokenizer_matches_tf_keras(case):
    t = T.Tokenizer(**case["config"])
    t.fit_on_texts(TEXTS)
    _check_state(t, case["state"])
    _check_outputs(t, QUERIES, case["outputs"])
    # to_json: the same config (the dicts inside are JSON strings; compare them decoded)
    got = json.loads(t.to_json())
    want = case["json_config"]
    assert got["class_name"] == want["class_name"] == "Tokenizer"
    assert set(got["config"]) == set(want["config"])
    for key, value in want["config"].items():
        g = got["config"][key]
        if key in ("word_counts", "word_index", "index_word"):
            assert list(json.loads(g).items()) == list(json.loads(value).items()), key
        elif key in ("word_docs", "index_docs"):
            assert json.loads(g) == json.loads(value), key
        else:
            assert g == value, key
    back = T.tokenizer_from_json(t.to_json())
    assert back.texts_to_sequences(QUERIES) == case["from_json_sequences"]
    np.testing.assert_allclose(back.texts_to_matrix(QUERIES, "tfidf"),
                               case["from_json_matrix_tfidf"], rtol=1e-12)
    # and a JSON written by tf-keras reads back the same
    theirs = T.tokenizer_from_json(json.dumps(want))
    assert theirs.word_index == t.word_index and theirs.index_word == t.index_word
    assert theirs.texts_to_sequences(QUERIES) == case["from_json_sequences"]


def test_incremental_fitting_token_lists_and_sequences():
    want = EXPECTED["incremental"]
    t = T.Tokenizer(num_words=7, oov_token="<unk>")
    t.fit_on_texts(TEXTS[:2])
    _check_state(t, want["states"][0])
    t.fit_on_texts([["Cat", "HAT", "the"], "a hat on a cat"])
    _check_state(t, want["states"][1])
    t.fit_on_sequences(SEQUENCES)
    _check_state(t, want["states"][2])
    _check_outputs(t, QUERIES + [["the", "HAT", "zebra"]], want["outputs"])
    # sequences first: fit_on_texts keeps the document counts of indices no word takes
    q = T.Tokenizer(oov_token="<unk>")
    q.fit_on_sequences(SEQUENCES)
    q.fit_on_texts(TEXTS[:1])
    _check_state(q, want["seq_then_texts"])


def test_fit_on_sequences_only():
    want = EXPECTED["seq_only"]
    s = T.Tokenizer(num_words=9)
    s.fit_on_sequences(SEQUENCES)
    _check_state(s, want["state"])
    for mode in MODES:
        np.testing.assert_allclose(s.sequences_to_matrix(SEQUENCES, mode=mode),
                                   want["matrix"][mode], rtol=1e-12)


def test_analyzer():
    want = EXPECTED["analyzer"]
    a = T.Tokenizer(analyzer=lambda text: text.lower().split("|"))
    a.fit_on_texts(["a|b|a", "B|c"])
    _check_state(a, want["state"])
    assert a.texts_to_sequences(["c|a|z", "b"]) == want["sequences"]


def test_text_to_word_sequence_and_hashing_trick():
    words = EXPECTED["text_to_word_sequence"]
    assert [T.text_to_word_sequence(s) for s in TEXTS] == words["default"]
    assert [T.text_to_word_sequence(s, lower=False) for s in TEXTS] == words["no_lower"]
    assert [T.text_to_word_sequence(s, filters="", split="a") for s in TEXTS] == \
        words["split_a"]
    hashing = EXPECTED["hashing_trick"]
    assert [T.hashing_trick(s, 7, hash_function="md5") for s in TEXTS] == hashing["md5_7"]
    assert [T.hashing_trick(s, 1000, hash_function="md5", lower=False) for s in TEXTS] == \
        hashing["md5_1000_nolower"]
    assert [T.hashing_trick(s, 5, hash_function=len) for s in TEXTS] == hashing["len_hash_5"]
    # one_hot hashes with Python's hash (salted per process, as in tf-keras): check it
    # against that definition rather than against the fixture
    for s in TEXTS:
        assert T.one_hot(s, 11) == [hash(w) % 10 + 1 for w in T.text_to_word_sequence(s)]
        assert T.one_hot(s, 11) == T.hashing_trick(s, 11)


def test_errors_and_keras_namespace():
    t = T.Tokenizer()
    with pytest.raises(ValueError, match="num_words"):
        t.sequences_to_matrix([[1]])
    with pytest.raises(ValueError, match="tfidf"):
        T.Tokenizer(num_words=3).sequences_to_matrix([[1]], mode="tfidf")
    with pytest.raises(TypeError, match="Unrecognized keyword"):
        T.Tokenizer(bogus=1)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        old = T.Tokenizer(nb_words=4)
    assert old.num_words == 4 and any("num_words" in str(x.message) for x in w)
    assert T.Tokenizer(document_count=3).document_count == 3
    assert tf.keras.preprocessing.text.Tokenizer is T.Tokenizer
    assert tf.keras.preprocessing.text.tokenizer_from_json is T.tokenizer_from_json
