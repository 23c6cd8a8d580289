"""Errors raised while iterating tf.data pipelines name where they come from: the function of
map / filter / flat_map / interleave / ... and the position of the element it failed on, and
batch / padded_batch name the two mismatched shapes or structures and their positions.

TensorFlow's own messages (fixtures/dataset_utils_expected.json, "pipeline_errors", written by
fixtures/make_dataset_utils_fixtures.py) are the reference for batch; for a Python function
raising inside map, TF reports an UnknownError naming MapDataset and the original
`KeyError: ...`, while flowgrad keeps the original exception type (documented in
docs/data.md)."""

import json
import os
import re

import numpy as np
import pytest

import flowgrad as tf

with open(os.path.join(os.path.dirname(__file__), "fixtures",
                       "dataset_utils_expected.json")) as _f:
    TF_ERRORS = json.load(_f)["pipeline_errors"]


def fail_at(n, error=None):
    """A function of one element that raises `error` (KeyError("missing field")) on the value
    `n`."""
    def parse_record(x, *rest):
        if int(x) == n:
            raise KeyError("missing field") if error is None else error
        return x
    return parse_record


def _raises(exc_type, make, *fragments):
    with pytest.raises(exc_type) as info:
        make()
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    return info.value


# -- functions of elements ------------------------------------------------------------------------
def test_map_error_names_function_and_element_and_keeps_type():
    err = _raises(KeyError, lambda: list(tf.data.Dataset.range(6).map(fail_at(3))),
                  "Dataset.map", "fail_at.<locals>.parse_record", "test_pipeline_errors.py:",
                  "element 3 of its input dataset", "'missing field'")
    # the original exception is chained, with its own traceback
    assert type(err.__cause__) is KeyError and err.__cause__.args == ("missing field",)
    assert err.element_index == 3
    # TF names the transformation and the original error too (as an UnknownError)
    ref = TF_ERRORS["map_raises"]
    assert ref["type"] == "UnknownError" and "MapDataset" in ref["message"]
    assert "KeyError: 'missing field'" in ref["message"]


def test_index_counts_input_positions_after_shuffle_and_filter():
    # the index is the position in the map's input, whatever came before
    ds = tf.data.Dataset.range(10).filter(lambda x: x % 2 == 1).map(fail_at(7))
    _raises(KeyError, lambda: list(ds), "element 3 of its input dataset")   # 1, 3, 5, 7
    shuffled = tf.data.Dataset.range(8).shuffle(8, seed=1, reshuffle_each_iteration=False)
    order = [int(v) for v in shuffled]
    _raises(KeyError, lambda: list(shuffled.map(fail_at(5))),
            f"element {order.index(5)} of its input dataset")


def test_traced_function_op_error_keeps_tf_error_type():
    # traced once for [None]; the plan then fails on the element of another size
    def gen():
        yield np.arange(3)
        yield np.arange(3)
        yield np.arange(4)

    def reshape_to_3(x):
        return tf.reshape(x, [3])
    ds = tf.data.Dataset.from_generator(gen, output_signature=tf.TensorSpec([None], tf.int64))
    err = _raises(tf.errors.InvalidArgumentError,
                  lambda: list(ds.map(reshape_to_3).as_numpy_iterator()),
                  "reshape_to_3`", "element 2 of its input dataset", "Reshape")
    assert isinstance(err.__cause__, tf.errors.InvalidArgumentError)


def test_exception_without_a_message_constructor_becomes_invalid_argument():
    class RecordError(Exception):
        def __init__(self, record, reason):
            super().__init__(f"record {record}: {reason}")

    err = _raises(tf.errors.InvalidArgumentError,
                  lambda: list(tf.data.Dataset.range(4).map(fail_at(2, RecordError(2, "bad")))),
                  "raised RecordError on element 2", "record 2: bad")
    assert isinstance(err.__cause__, RecordError)


def test_first_element_error_through_element_spec():
    # untraceable (NumPy on the value): the output spec comes from an eager call on element 0
    def to_python(x):
        return np.float32(1 / int(x.numpy()))
    ds = tf.data.Dataset.range(3).map(to_python)
    _raises(ZeroDivisionError, lambda: ds.element_spec, "Dataset.map", ".to_python`",
            "element 0 of its input dataset")


def check_value(*args):
    """Raises on the element 4 (the last argument); returns it otherwise."""
    x = args[-1]
    if int(np.max(x.numpy())) == 4:
        raise ValueError("value 4 is invalid")
    return x


@pytest.mark.parametrize("name,build", [
    ("Dataset.filter", lambda ds: ds.filter(lambda x: check_value(x) >= 0)),
    ("Dataset.take_while", lambda ds: ds.take_while(lambda x: check_value(x) >= 0)),
    ("Dataset.scan", lambda ds: ds.scan(np.int64(0), lambda s, x: (s + check_value(x), s))),
    ("Dataset.flat_map",
     lambda ds: ds.flat_map(lambda x: tf.data.Dataset.from_tensors(check_value(x)))),
    ("Dataset.interleave",
     lambda ds: ds.interleave(lambda x: tf.data.Dataset.from_tensors(check_value(x)),
                              cycle_length=2)),
    ("key_func of Dataset.group_by_window",
     lambda ds: ds.group_by_window(lambda x: check_value(x) % 2, lambda k, w: w.batch(2), 2)),
    ("element_length_func of Dataset.bucket_by_sequence_length",
     lambda ds: ds.map(lambda x: tf.fill([x + 1], x)).bucket_by_sequence_length(
         lambda v: tf.shape(check_value(v))[0], [3], [2, 2])),
])
def test_other_transformations_name_function_and_index(name, build):
    ds = build(tf.data.Dataset.range(6))
    err = _raises(ValueError, lambda: list(ds), name, "(test_pipeline_errors.py:",
                  "element 4 of its input dataset", "value 4 is invalid")
    assert type(err.__cause__) is ValueError and err.element_index == 4
    # the lambda passed to the transformation is the function named
    assert "`test_other_transformations_name_function_and_index.<locals>" not in str(err)
    assert "<lambda>` (test_pipeline_errors.py:" in str(err)


def test_function_names():
    import functools

    from flowgrad.data._function import describe_function

    class Parser:
        def __call__(self, x):
            return x

        def method(self, x):
            return x
    assert describe_function(Parser()).startswith(
        "`test_function_names.<locals>.Parser` (test_pipeline_errors.py:")
    assert describe_function(Parser().method).startswith(
        "`test_function_names.<locals>.Parser.method` (")
    assert describe_function(functools.partial(check_value, 1)).startswith("`check_value` (")
    assert describe_function(len) == "`len`"


def test_reduce_and_prefetch_and_nested_pipelines():
    def add(state, x):
        if int(x) == 2:
            raise ArithmeticError("overflow")
        return state + x
    _raises(ArithmeticError, lambda: tf.data.Dataset.range(5).reduce(np.int64(0), add),
            "Dataset.reduce", "`test_reduce_and_prefetch_and_nested_pipelines.<locals>.add`",
            "element 2")
    # the error crosses the prefetch thread unchanged
    _raises(KeyError, lambda: list(tf.data.Dataset.range(6).map(fail_at(4)).prefetch(2)),
            "element 4 of its input dataset")
    # an error of a map inside the dataset flat_map returned is that map's, not flat_map's
    inner = tf.data.Dataset.range(3).flat_map(
        lambda x: tf.data.Dataset.range(4).map(fail_at(2)))
    err = _raises(KeyError, lambda: list(inner), "Dataset.map", "element 2")
    assert "flat_map" not in str(err)
    # ignore_errors still skips the failing elements
    assert [int(v) for v in tf.data.Dataset.range(5).map(fail_at(3)).ignore_errors()] == \
        [0, 1, 2, 4]


# -- batching -------------------------------------------------------------------------------------
def _ragged():
    return tf.data.Dataset.from_generator(lambda: iter([[1], [1], [1], [1, 2]]),
                                          output_signature=tf.TensorSpec([None], tf.int32))


def test_batch_shape_mismatch_names_shapes_indices_and_fixes():
    ref = TF_ERRORS["batch_shapes"]
    assert ref["type"] == "InvalidArgumentError"
    err = _raises(tf.errors.InvalidArgumentError, lambda: list(_ragged().batch(2)),
                  "(elements 2 and 3 of the input dataset)", "padded_batch",
                  "dense_to_ragged_batch")
    # TF's message first, then the positions and the hint
    assert str(err).startswith(ref["message"][:-1])
    # the suggested fix works, as in TF
    assert [b.tolist() for b in _ragged().padded_batch(2).as_numpy_iterator()] == \
        TF_ERRORS["padded"]
    # a tuple element: the component is named
    pairs = _ragged().map(lambda v: (tf.size(v), v))
    _raises(tf.errors.InvalidArgumentError, lambda: list(pairs.batch(4)),
            "component 1", "First element had shape [1] and element 3 had shape [2]",
            "(elements 0 and 3 of the input dataset)")


def test_batch_structure_mismatch_names_structures_and_indices():
    def shape_shift(x):
        return (x, x) if int(x) < 3 else {"a": x}
    ds = tf.data.Dataset.range(4).map(shape_shift)
    for batched in (ds.batch(2), ds.padded_batch(2)):
        err = _raises(tf.errors.InvalidArgumentError, lambda b=batched: list(b),
                      "different structures", "(elements 2 and 3 of the input dataset)")
        message = str(err)
        assert re.search(r"had structure \(TensorSpec.*int64.*\) and element 1 had "
                         r"structure \{'a': TensorSpec", message), message


def test_padded_batch_rank_and_size_errors_name_elements():
    def gen():
        yield np.array([1])
        yield np.array([2, 3])
        yield np.array([[4]])
    ds = tf.data.Dataset.from_generator(gen, output_signature=tf.TensorSpec(None, tf.int64))
    _raises(tf.errors.InvalidArgumentError, lambda: list(ds.padded_batch(3)), "different ranks", "[1]", "[1, 1]", "(elements 0 and 2 of the input dataset)")
    two = ds.take(2)
    _raises(tf.errors.InvalidArgumentError, lambda: list(two.padded_batch(2, padded_shapes=[1])),
            "smaller size", "element 1 of the batch (shape [2], element 1 of the input dataset)")
