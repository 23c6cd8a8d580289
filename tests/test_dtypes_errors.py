"""DType objects and the error classes / messages for the common mistakes."""

import numpy as np
import pytest

import flowgrad as tf
from flowgrad import errors


def test_dtype_objects():
    assert tf.float32.as_numpy_dtype is np.float32
    assert tf.float32.is_floating and not tf.int32.is_floating and tf.int32.is_integer
    assert tf.bool.is_bool and tf.complex64.is_complex and tf.uint8.is_unsigned
    assert tf.as_dtype("float64") is tf.float64 and tf.as_dtype(np.int64) is tf.int64
    assert tf.as_dtype(float) is tf.float32 and tf.as_dtype(bool) is tf.bool
    assert tf.float32 == "float32" and tf.float32 == np.float32 and tf.float32 != tf.float64
    assert tf.int8.min == -128 and tf.uint8.max == 255 and tf.float16.size == 2
    assert tf.complex64.real_dtype is tf.float32
    assert repr(tf.float32) == "tf.float32" and {tf.float32: 1}[tf.float32] == 1
    with pytest.raises(TypeError, match="Cannot convert"):
        tf.as_dtype("float33")


def test_error_classes_subclass_builtins():
    assert issubclass(errors.InvalidArgumentError, errors.OpError)
    assert issubclass(errors.InvalidArgumentError, ValueError)
    assert issubclass(errors.NotFoundError, FileNotFoundError)
    assert issubclass(errors.ResourceExhaustedError, MemoryError)
    assert issubclass(errors.UnimplementedError, NotImplementedError)
    assert issubclass(errors.OutOfRangeError, IndexError)
    e = errors.InvalidArgumentError(None, "MatMul", "bad")
    assert e.op == "MatMul" and e.message == "bad" and str(e) == "bad"
    assert e.error_code == errors.INVALID_ARGUMENT


def test_shape_mismatch_in_add():
    with pytest.raises(errors.InvalidArgumentError) as ei:
        tf.add(tf.ones((2, 3)), tf.ones((4,)))
    msg = str(ei.value)
    assert "Incompatible shapes: [2,3] vs. [4]" in msg and "AddV2" in msg


def test_shape_mismatch_in_matmul():
    with pytest.raises(errors.InvalidArgumentError) as ei:
        tf.matmul(tf.ones((2, 3)), tf.ones((4, 5)))
    msg = str(ei.value)
    assert "Matrix size-incompatible: In[0]: [2,3], In[1]: [4,5]" in msg


def test_dtype_mismatch():
    with pytest.raises(errors.InvalidArgumentError) as ei:
        tf.constant(1.0) + tf.constant(1.0, dtype=tf.float64)
    msg = str(ei.value)
    assert "float32" in msg and "float64" in msg and "tf.cast" in msg
    with pytest.raises(ValueError):  # also catchable as the built-in
        tf.constant(1) * tf.constant(1.0)


def test_bad_axis():
    with pytest.raises(errors.InvalidArgumentError, match=r"Invalid reduction dimension 2 .* 2 "
                                                          r"dimensions"):
        tf.reduce_sum(tf.ones((2, 3)), axis=2)


def test_float_only_op_on_ints():
    with pytest.raises(errors.InvalidArgumentError, match=r"Exp expects floating-point.*int32"):
        tf.exp(tf.constant([1, 2]))


def test_reshape_count_mismatch():
    with pytest.raises(errors.InvalidArgumentError, match="6 values, but the requested shape"):
        tf.reshape(tf.ones((2, 3)), (4, 2))
