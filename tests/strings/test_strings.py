"""flowgrad-specific behaviour of tf.strings and tf.RaggedTensor: string tensors hold bytes,
the string ops give the same results inside tf.function as eagerly, ragged-producing ops
refuse to be traced with a clear error (Dataset.map then runs eagerly), and misuse is reported
with the op's name. Results against TensorFlow itself are in test_vs_tensorflow.py."""

import subprocess
import sys

import numpy as np
import pytest

import flowgrad as tf
from flowgrad.errors import InvalidArgumentError, OperatorNotAllowedInGraphError


def test_string_tensors_hold_utf8_bytes():
    assert tf.constant("x").numpy() == b"x"
    a = tf.constant(["a", "\u00e9"]).numpy()
    assert a.dtype == object and a.tolist() == [b"a", b"\xc3\xa9"]
    assert tf.constant(np.array(["q"])).numpy().tolist() == [b"q"]
    assert tf.constant([b"a\x00"]).numpy().tolist() == [b"a\x00"]  # trailing NUL kept
    assert tf.equal(tf.constant(["a", "b"]), "a").numpy().tolist() == [True, False]
    with pytest.raises(TypeError, match="dtype string"):
        tf.constant([1, 2], dtype=tf.string)


@pytest.mark.parametrize("fn", [
    lambda x: tf.strings.lower(x),
    lambda x: tf.strings.upper(x, encoding="utf-8"),
    lambda x: tf.strings.strip(x),
    lambda x: tf.strings.regex_replace(x, r"([aeiou])", r"<\1>"),
    lambda x: tf.strings.substr(x, 0, 2),
    lambda x: tf.strings.join([x, x], separator="|"),
    lambda x: tf.strings.reduce_join(x, axis=-1, separator=" "),
    lambda x: tf.strings.ngrams(x, (1, 2)),
    lambda x: tf.strings.as_string(tf.strings.length(x)),
    lambda x: tf.strings.to_hash_bucket_fast(x, 10),
], ids=["lower", "upper", "strip", "regex_replace", "substr", "join", "reduce_join", "ngrams",
        "as_string", "hash"])
def test_string_ops_in_tf_function_match_eager(fn):
    x = tf.constant([["Hello World", " \u00e9t\u00e9 "], ["abc", ""]])
    f = tf.function(fn)
    want = fn(x).numpy()
    for _ in range(2):  # the trace, then the cached plan
        got = f(x).numpy()
        assert got.dtype == want.dtype and got.tolist() == want.tolist()
    other = tf.constant([["xyz", "aa"], ["b", "Ccc"]])
    assert f(other).numpy().tolist() == fn(other).numpy().tolist()
    assert f.experimental_get_tracing_count() == 1


def test_ragged_ops_are_eager_only_and_dataset_map_falls_back():
    f = tf.function(lambda x: tf.strings.split(x))
    with pytest.raises(OperatorNotAllowedInGraphError, match="tf.strings.split.*eagerly"):
        f(tf.constant(["a b"]))
    ds = tf.data.Dataset.from_tensor_slices(["a b c", "d e"]).map(
        lambda s: tf.strings.reduce_join(tf.strings.split(s), separator="+"))
    assert list(ds.as_numpy_iterator()) == [b"a+b+c", b"d+e"]


def test_errors_name_the_op():
    with pytest.raises(InvalidArgumentError, match="tf.strings.lower expects a string tensor.*"
                                                   "int32.*as_string"):
        tf.strings.lower(tf.constant([1]))
    with pytest.raises(InvalidArgumentError, match="Invalid pattern"):
        tf.strings.regex_replace(["a"], "(", "")
    with pytest.raises(InvalidArgumentError, match="rewrite"):
        tf.strings.regex_replace(["a"], "a", r"\n")
    with pytest.raises(InvalidArgumentError, match="unit must be"):
        tf.strings.length(["a"], unit="CHAR")
    with pytest.raises(InvalidArgumentError, match="num_buckets must be >= 1"):
        tf.strings.to_hash_bucket_fast(["a"], 0)
    with pytest.raises(TypeError, match="reduce_join"):
        tf.strings.join(tf.constant(["a"]))


def test_ragged_tensor_basics():
    rt = tf.ragged.constant([["a", "b"], [], ["c"]])
    assert isinstance(rt, tf.RaggedTensor)
    assert repr(rt) == "<flowgrad.RaggedTensor [[b'a', b'b'], [], [b'c']]>"
    assert rt.shape.as_list() == [3, None] and rt.dtype == tf.string
    rows = rt.numpy()
    assert rows.dtype == object and [r.tolist() for r in rows] == [[b"a", b"b"], [], [b"c"]]
    assert [r.numpy().tolist() for r in rt] == [[b"a", b"b"], [], [b"c"]]
    with pytest.raises(TypeError, match="no len"):
        len(rt)
    with pytest.raises(IndexError, match="out of range"):
        rt[3]
    with pytest.raises(InvalidArgumentError, match="must equal the number of values"):
        tf.RaggedTensor.from_row_splits([1, 2, 3], [0, 1])
    with pytest.raises(ValueError, match="factory methods"):
        tf.RaggedTensor([1], [0, 1])


def test_ragged_to_tensor_in_tf_function_needs_a_static_width():
    @tf.function
    def dense(values, splits, width):
        rt = tf.RaggedTensor.from_row_splits(values, splits)
        return rt.to_tensor(shape=[None, width] if width else None)

    v, s = tf.constant([1, 2, 3]), tf.constant([0, 2, 3], tf.int64)
    assert dense(v, s, 4).numpy().tolist() == [[1, 2, 0, 0], [3, 0, 0, 0]]
    with pytest.raises(OperatorNotAllowedInGraphError, match="static size"):
        dense(v, s, 0)


def test_import_flowgrad_does_not_load_strings_or_ragged():
    code = ("import sys, flowgrad as tf; assert 'flowgrad.strings' not in sys.modules; "
            "assert 'flowgrad.ragged' not in sys.modules; tf.RaggedTensor; "
            "assert 'flowgrad.ragged' in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)
