"""flowgrad.nest: flatten / pack / map over nested structures, as tf.nest."""

import collections

import pytest

from flowgrad import nest


def test_flatten_and_pack_round_trip():
    Point = collections.namedtuple("Point", "x y")
    s = {"b": [1, (2, 3)], "a": Point(4, {"z": 5, "y": 6})}
    flat = nest.flatten(s)
    assert flat == [4, 6, 5, 1, 2, 3]  # dict keys sorted, as tf.nest does
    back = nest.pack_sequence_as(s, [x * 10 for x in flat])
    assert back == {"b": [10, (20, 30)], "a": Point(40, {"z": 50, "y": 60})}
    assert isinstance(back["a"], Point)
    assert nest.flatten(7) == [7] and nest.pack_sequence_as(7, [8]) == 8


def test_map_structure_and_errors():
    assert nest.map_structure(lambda a, b: a + b, [1, (2,)], [10, (20,)]) == [11, (22,)]
    with pytest.raises(ValueError, match="same nested structure"):
        nest.map_structure(lambda a, b: a, [1, 2], [1])
    with pytest.raises(ValueError, match="fewer values"):
        nest.pack_sequence_as([1, 2], [1])
    with pytest.raises(ValueError, match="left over"):
        nest.pack_sequence_as([1], [1, 2])
    assert nest.is_nested([1]) and not nest.is_nested(1)
