"""Error inputs of the indexing ops: each mistake raises TensorFlow's error type with a message
that names the op, the offending values or shapes, and the fix."""

import numpy as np
import pytest

import flowgrad as fg
from flowgrad.errors import InvalidArgumentError

X = np.arange(12.0, dtype=np.float32).reshape(3, 4)


def _raises(exc, fn, *parts):
    with pytest.raises(exc) as info:
        fn()
    for p in parts:
        assert p in str(info.value), f"{p!r} not in {str(info.value)!r}"
    return info.value


# -- gather / gather_nd ----------------------------------------------------------------------------
def test_gather_out_of_range_index_names_op_index_and_range():
    e = _raises(InvalidArgumentError, lambda: fg.gather(X, [0, 7]),
                "indices[1] = 7 is not in [0, 3)", "[Op:GatherV2]", "params shape [3,4]",
                "indices shape [2]")
    assert isinstance(e, ValueError)
    assert e.op == "GatherV2"


def test_gather_negative_index_is_rejected_with_position():
    _raises(InvalidArgumentError, lambda: fg.gather(X, [[0, 1], [-1, 2]], axis=1),
            "indices[1,0] = -1 is not in [0, 4)", "axis 1")


def test_gather_float_indices_raise_type_error():
    _raises(TypeError, lambda: fg.gather(X, [0.5]), "GatherV2", "integer", "tf.cast")


def test_gather_axis_and_batch_dims_errors():
    _raises(InvalidArgumentError, lambda: fg.gather(X, [0], axis=2), "GatherV2", "axis 2",
            "rank 2")
    _raises(InvalidArgumentError, lambda: fg.gather(X, [[0], [1], [2]], axis=0, batch_dims=1),
            "batch_dims (1) must be less than or equal to axis (0)")
    _raises(InvalidArgumentError, lambda: fg.gather(X, [[0], [1]], axis=1, batch_dims=1),
            "params.shape[:1] = [3]", "indices.shape[:1] = [2]")
    _raises(InvalidArgumentError, lambda: fg.gather(X, [0], batch_dims=2), "batch_dims (2)")
    _raises(InvalidArgumentError, lambda: fg.gather(fg.constant(1.0), [0]),
            "at least 1 dimensional")


def test_gather_nd_errors():
    _raises(InvalidArgumentError, lambda: fg.gather_nd(X, [[0, 1], [3, 0]]),
            "indices[1] = [3, 0] does not index into shape [3,4]", "[Op:GatherNd]")
    _raises(InvalidArgumentError, lambda: fg.gather_nd(X, [0, 1, 2]), "GatherNd",
            "indices.shape[-1] (3)", "params of shape [3,4]")
    _raises(InvalidArgumentError, lambda: fg.gather_nd(X, 1), "at least a vector")
    _raises(InvalidArgumentError, lambda: fg.gather_nd(X, [[0], [1]], batch_dims=1),
            "batch_dims=1", "equal batch dimensions")


# -- scatter ---------------------------------------------------------------------------------------
def test_scatter_nd_bad_updates_shape_names_expected_shape():
    _raises(InvalidArgumentError, lambda: fg.scatter_nd([[1], [2]], np.ones((3, 4)), [5, 4]),
            "ScatterNd", "indices of shape [2,1]", "updates of shape [3,4]",
            "tensor of shape [5,4]", "= [2,4]")


def test_scatter_nd_out_of_range():
    _raises(InvalidArgumentError, lambda: fg.scatter_nd([[1], [5]], [1.0, 2.0], [5]),
            "indices[1] = [5] does not index into shape [5]", "[Op:ScatterNd]")


def test_tensor_scatter_errors_name_their_op():
    _raises(InvalidArgumentError, lambda: fg.tensor_scatter_nd_add(X, [[3, 0]], [1.0]),
            "TensorScatterAdd", "[3, 0]")
    _raises(InvalidArgumentError, lambda: fg.tensor_scatter_nd_sub(X, [[0]], [1.0]),
            "TensorScatterSub", "= [1,4]")
    _raises(InvalidArgumentError,
            lambda: fg.tensor_scatter_nd_update(fg.constant(X), [[0, 0]],
                                             fg.constant([1.0], fg.float64)),
            "TensorScatterUpdate", "float32", "float64")


# -- slicing ---------------------------------------------------------------------------------------
def test_slice_errors():
    _raises(InvalidArgumentError, lambda: fg.slice(X, [4, 0], [1, 1]),
            "Expected begin[0] in [0, 3], but got 4", "[Op:Slice]")
    _raises(InvalidArgumentError, lambda: fg.slice(X, [1, 1], [1, 4]),
            "Expected size[1] in [0, 3], but got 4", "-1")
    _raises(InvalidArgumentError, lambda: fg.slice(X, [0], [1]), "of size 2", "shape [3,4]")


def test_strided_slice_errors():
    _raises(InvalidArgumentError, lambda: fg.strided_slice(X, [0, 0], [2, 2], [1, 0]),
            "strides[1] must be non-zero")
    _raises(InvalidArgumentError, lambda: fg.strided_slice(X, [0, 0], [1, 1], ellipsis_mask=3),
            "Multiple ellipses")
    _raises(InvalidArgumentError, lambda: fg.strided_slice(X, [0, 5], [1, 6],
                                                           shrink_axis_mask=2),
            "index 5 of dimension 1 out of bounds", "[Op:StridedSlice]")
    _raises(InvalidArgumentError, lambda: fg.strided_slice(X, [0, 0, 0], [1, 1, 1]),
            "indexes 3 dimensions", "shape [3,4]")
    _raises(InvalidArgumentError, lambda: fg.strided_slice(X, [0, 0], [1]),
            "equal length")


def test_reverse_and_roll_errors():
    _raises(InvalidArgumentError, lambda: fg.reverse(X, [1, -1]), "ReverseV2",
            "axis 1 specified more than once")
    _raises(InvalidArgumentError, lambda: fg.reverse(X, [2]), "ReverseV2", "axis 2")
    _raises(InvalidArgumentError, lambda: fg.roll(X, [1, 2], [0]), "Roll",
            "same size", "shift=[1, 2]", "axis=[0]")


def test_tile_and_repeat_errors():
    _raises(InvalidArgumentError, lambda: fg.tile(X, [2]), "vector of length 2", "[Op:Tile]")
    _raises(InvalidArgumentError, lambda: fg.tile(X, [1, -1]), "multiples[1] >= 0")
    _raises(InvalidArgumentError, lambda: fg.repeat(X, [1, 2], axis=0), "Repeat",
            "1-D list of 3", "[1, 2]")
    _raises(InvalidArgumentError, lambda: fg.repeat(X, -1, axis=0), "non-negative")


def test_boolean_mask_errors_are_value_errors():
    _raises(ValueError, lambda: fg.boolean_mask(X, True), "mask cannot be scalar")
    e = _raises(InvalidArgumentError, lambda: fg.boolean_mask(X, [True, False]),
                "Shapes [3] and [2] are incompatible", "tensor shape [3,4]")
    assert isinstance(e, ValueError)


# -- padding ---------------------------------------------------------------------------------------
def test_pad_bad_mode_is_value_error():
    e = _raises(ValueError, lambda: fg.pad(X, [[1, 1], [1, 1]], mode="WRAP"),
                "CONSTANT", "REFLECT", "SYMMETRIC", "WRAP")
    assert not isinstance(e, InvalidArgumentError)


def test_pad_bad_paddings_shape_names_expected_shape():
    _raises(InvalidArgumentError, lambda: fg.pad(X, [[1, 1]]), "[rank, 2] = [2,2]",
            "input of shape [3,4]", "paddings of shape [1,2]")
    _raises(InvalidArgumentError, lambda: fg.pad(X, [1, 1, 1, 1]), "[2,2]", "[4]")


def test_pad_negative_and_mirror_limits():
    _raises(InvalidArgumentError, lambda: fg.pad(X, [[-1, 0], [0, 0]]),
            "Paddings must be non-negative")
    _raises(InvalidArgumentError, lambda: fg.pad(X, [[3, 0], [0, 0]], mode="REFLECT"),
            "MirrorPad", "less than the dimension size", "size 3", "[3, 0]")
    _raises(InvalidArgumentError, lambda: fg.pad(X, [[0, 0], [0, 5]], mode="SYMMETRIC"),
            "no greater than the dimension size", "size 4")
    assert fg.pad(X, [[3, 3], [4, 4]], mode="SYMMETRIC").shape == (9, 12)


def test_pad_constant_values_must_be_scalar_of_the_dtype():
    _raises(InvalidArgumentError, lambda: fg.pad(X, [[1, 1], [1, 1]], constant_values=[1.0]),
            "constant_values must be a scalar")
    _raises(InvalidArgumentError,
            lambda: fg.pad(fg.constant(X), [[1, 1], [1, 1]],
                           constant_values=fg.constant(1.0, fg.float64)),
            "PadV2", "float64")


# -- sorting, unique, one_hot, meshgrid ------------------------------------------------------------
def test_sort_errors():
    _raises(ValueError, lambda: fg.sort(X, direction="ascending"), "Unknown direction",
            "'ASCENDING'")
    _raises(InvalidArgumentError, lambda: fg.argsort(fg.constant(1.0)), "ArgSort", "rank 0")
    _raises(InvalidArgumentError, lambda: fg.sort(X, axis=2), "Sort", "axis 2")
    _raises(InvalidArgumentError, lambda: fg.sort(fg.constant([1 + 2j, 3j])), "ArgSort",
            "complex128")


def test_unique_errors_and_result_fields():
    _raises(InvalidArgumentError, lambda: fg.unique(X), "unique expects a 1D vector",
            "[3,4]", "tf.reshape")
    _raises(TypeError, lambda: fg.unique([1, 2], out_idx=fg.float32), "out_idx")
    out = fg.unique(fg.constant([5, 5, 2]))
    assert out.y.numpy().tolist() == [5, 2] and out.idx.numpy().tolist() == [0, 0, 1]
    assert out.idx.dtype == fg.int32


def test_one_hot_errors():
    _raises(InvalidArgumentError, lambda: fg.one_hot([0, 1], -1), "depth must be non-negative")
    _raises(InvalidArgumentError, lambda: fg.one_hot([0, 1], 3, axis=2),
            "Expected axis to be -1 or between [0, 1]", "received: 2")
    _raises(TypeError, lambda: fg.one_hot([0], 2, on_value=1.0, off_value=0), "on_value",
            "off_value")
    _raises(TypeError, lambda: fg.one_hot([0], 2, on_value=fg.constant(1.0), dtype=fg.int32),
            "on_value", "int32")
    _raises(TypeError, lambda: fg.one_hot([0.0], 2), "OneHot", "integer")


def test_meshgrid_bad_indexing():
    _raises(ValueError, lambda: fg.meshgrid([1, 2], [3], indexing="xyz"), "'xy' or 'ij'")
