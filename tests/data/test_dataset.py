"""tf.data.Dataset: sources and every transformation against a plain-Python reference on small
inputs, element specs and cardinalities, shuffle buffer semantics, prefetch running ahead, the
tf.function tracing of mapped functions (and its fallback), and the cache files."""

import collections
import functools
import operator
import os
import threading
import time

import numpy as np
import pytest

import flowgrad as tf
from flowgrad.data import dataset_ops


def values(ds):
    """The elements as nested Python lists / scalars."""
    def conv(v):
        if isinstance(v, dict):
            return {k: conv(x) for k, x in v.items()}
        if isinstance(v, tuple):
            return tuple(conv(x) for x in v)
        if isinstance(v, np.ndarray):
            return v.tolist()
        if isinstance(v, np.generic):
            return v.item()
        return v
    return [conv(e) for e in ds.as_numpy_iterator()]


# -- sources ----------------------------------------------------------------------------------
def test_from_tensor_slices_structures_and_dtypes():
    ds = tf.data.Dataset.from_tensor_slices(([1, 2, 3], [[1.0, 2.0]] * 3))
    spec = ds.element_spec
    assert spec == (tf.TensorSpec([], tf.int32), tf.TensorSpec([2], tf.float32))
    assert values(ds) == [(1, [1.0, 2.0]), (2, [1.0, 2.0]), (3, [1.0, 2.0])]
    assert len(ds) == 3 and int(ds.cardinality()) == 3
    d = tf.data.Dataset.from_tensor_slices({"a": np.arange(2), "b": ["x", "y"]})
    assert values(d) == [{"a": 0, "b": b"x"}, {"a": 1, "b": b"y"}]
    assert d.element_spec["b"].dtype == tf.string
    first = next(iter(d))
    assert isinstance(first["a"], tf.Tensor) and first["a"].dtype == tf.int64
    with pytest.raises(tf.errors.InvalidArgumentError, match="dimension 0"):
        tf.data.Dataset.from_tensor_slices((np.zeros(3), np.zeros(4)))


def test_from_tensor_slices_copies_and_namedtuples():
    a = np.arange(4)
    ds = tf.data.Dataset.from_tensor_slices(a)
    a[:] = 0
    assert values(ds) == [0, 1, 2, 3]
    P = collections.namedtuple("P", "x y")
    el = next(iter(tf.data.Dataset.from_tensor_slices(P(np.arange(2), np.ones(2)))))
    assert isinstance(el, P) and int(el.x) == 0


def test_from_tensors_and_range_and_zip():
    ds = tf.data.Dataset.from_tensors(([1, 2], "s"))
    assert values(ds) == [([1, 2], b"s")] and len(ds) == 1
    assert values(tf.data.Dataset.range(2, 11, 3)) == [2, 5, 8]
    assert tf.data.Dataset.range(5).element_spec == tf.TensorSpec([], tf.int64)
    assert len(tf.data.Dataset.range(10, 0, -3)) == 4
    z = tf.data.Dataset.zip(tf.data.Dataset.range(3), tf.data.Dataset.range(10, 20))
    assert values(z) == [(0, 10), (1, 11), (2, 12)] and len(z) == 3
    z2 = tf.data.Dataset.zip({"a": tf.data.Dataset.range(2), "b": tf.data.Dataset.range(5)})
    assert values(z2) == [{"a": 0, "b": 0}, {"a": 1, "b": 1}]
    assert len(tf.data.Dataset.zip((tf.data.Dataset.range(2).repeat(),
                                    tf.data.Dataset.range(4)))) == 4


def test_from_generator_signature_and_validation():
    def gen(n):
        for i in range(int(n)):
            yield i, [float(i)] * i
    ds = tf.data.Dataset.from_generator(
        gen, args=(3,), output_signature=(tf.TensorSpec([], tf.int32),
                                          tf.TensorSpec([None], tf.float32)))
    assert values(ds) == [(0, []), (1, [1.0]), (2, [2.0, 2.0])]
    assert values(ds) == values(ds)  # the generator is called again per iteration
    assert int(ds.cardinality()) == tf.data.experimental.UNKNOWN_CARDINALITY
    old = tf.data.Dataset.from_generator(lambda: iter([[1, 2], [3, 4]]), output_types=tf.int64,
                                         output_shapes=[2])
    assert old.element_spec == tf.TensorSpec([2], tf.int64) and values(old) == [[1, 2], [3, 4]]
    bad = tf.data.Dataset.from_generator(lambda: iter([[1, 2, 3]]),
                                         output_signature=tf.TensorSpec([2], tf.int32))
    with pytest.raises(tf.errors.InvalidArgumentError, match="shape"):
        list(bad)
    wrong = tf.data.Dataset.from_generator(lambda: iter([1]), output_signature=(
        tf.TensorSpec([], tf.int32), tf.TensorSpec([], tf.int32)))
    with pytest.raises(TypeError, match="structure"):
        list(wrong)


def test_list_files(tmp_path):
    for n in ("b.txt", "a.txt", "c.csv"):
        (tmp_path / n).write_text(n)
    ds = tf.data.Dataset.list_files(str(tmp_path / "*.txt"), shuffle=False)
    assert values(ds) == [str(tmp_path / "a.txt").encode(), str(tmp_path / "b.txt").encode()]
    shuffled = tf.data.Dataset.list_files([str(tmp_path / "*.txt"), str(tmp_path / "*.csv")],
                                          seed=3)
    assert sorted(values(shuffled)) == sorted(str(tmp_path / n).encode()
                                              for n in ("a.txt", "b.txt", "c.csv"))
    with pytest.raises(tf.errors.InvalidArgumentError, match="No files matched"):
        tf.data.Dataset.list_files(str(tmp_path / "*.nothing"))


# -- element-wise -------------------------------------------------------------------------------
def test_map_filter_take_while_enumerate():
    ds = tf.data.Dataset.range(10)
    assert values(ds.map(lambda x: x * 2)) == [2 * i for i in range(10)]
    assert values(ds.filter(lambda x: x % 3 == 0)) == [0, 3, 6, 9]
    assert values(ds.take_while(lambda x: x < 4)) == [0, 1, 2, 3]
    assert values(ds.take(3).enumerate(start=5)) == [(5, 0), (6, 1), (7, 2)]
    pairs = tf.data.Dataset.from_tensor_slices((np.arange(3), np.arange(3) * 10))
    assert values(pairs.map(lambda a, b: a + b)) == [0, 11, 22]          # tuples unpack
    dicts = tf.data.Dataset.from_tensor_slices({"a": np.arange(2)})
    assert values(dicts.map(lambda d: {"b": d["a"] + 1})) == [{"b": 1}, {"b": 2}]
    assert values(ds.take(2).map(lambda x: [x, x])) == [(0, 0), (1, 1)]  # lists -> tuples
    assert int(ds.filter(lambda x: True).cardinality()) == -2
    with pytest.raises(tf.errors.InvalidArgumentError, match="scalar boolean"):
        list(ds.filter(lambda x: x))


def test_map_is_traced_once_and_falls_back_for_python_code():
    calls = []

    def f(x):
        calls.append(1)
        return x * 2 + 1
    ds = tf.data.Dataset.range(50).map(f)
    assert values(ds) == [2 * i + 1 for i in range(50)]
    assert len(calls) == 1 and ds._fn._mode == "traced"       # traced once, as TF does
    assert ds.element_spec == tf.TensorSpec([], tf.int64)

    def py_only(x):
        return np.int64(int(x.numpy()) ** 2)   # needs a concrete value: not traceable
    sq = tf.data.Dataset.range(5).map(py_only)
    assert values(sq) == [0, 1, 4, 9, 16] and sq._fn._mode == "eager"
    # a batch dimension of unknown size: one polymorphic trace serves every batch size
    b = tf.data.Dataset.range(10).batch(4).map(lambda x: tf.cast(x, tf.float32) / 2)
    assert b.element_spec == tf.TensorSpec([None], tf.float32)
    assert values(b) == [[0, .5, 1, 1.5], [2, 2.5, 3, 3.5], [4, 4.5]]
    assert b._fn._function.experimental_get_tracing_count() == 1


def test_map_converts_python_control_flow_with_autograph():
    def f(x):
        if x > 2:
            return x * 10
        return x

    def g(x):
        s = tf.constant(0, tf.int64)
        for i in tf.range(x):
            s += i
        return s
    fd, gd = tf.data.Dataset.range(5).map(f), tf.data.Dataset.range(5).map(g)
    assert values(fd) == [0, 1, 2, 30, 40] and values(gd) == [0, 0, 1, 3, 6]
    assert fd._fn._mode == gd._fn._mode == "traced"


def test_map_runtime_shape_change_retraces_or_falls_back():
    def gen():
        for n in (2, 3, 5):
            yield np.arange(n)
    ds = tf.data.Dataset.from_generator(gen, output_signature=tf.TensorSpec([None], tf.int64))
    out = values(ds.map(lambda x: tf.reduce_sum(x) + tf.cast(tf.shape(x)[0], tf.int64)))
    assert out == [1 + 2, 3 + 3, 10 + 5]


def test_scan_unique_reduce_single_element():
    ds = tf.data.Dataset.range(5)
    assert values(ds.scan(np.int64(0), lambda s, x: (s + x, s * 10))) == [0, 0, 10, 30, 60]
    u = tf.data.Dataset.from_tensor_slices([3, 1, 3, 2, 1]).unique()
    assert values(u) == [3, 1, 2]
    us = tf.data.Dataset.from_tensor_slices(["a", "b", "a"]).unique()
    assert values(us) == [b"a", b"b"]
    assert int(ds.reduce(np.int64(0), lambda s, x: s + x)) == 10
    assert int(tf.data.Dataset.from_tensors(7).get_single_element()) == 7
    with pytest.raises(tf.errors.InvalidArgumentError):
        ds.get_single_element()


# -- order and count ----------------------------------------------------------------------------
def test_repeat_take_skip_shard_concatenate_against_python():
    ref = list(range(7))
    ds = tf.data.Dataset.range(7)
    assert values(ds.repeat(2)) == ref * 2 and len(ds.repeat(2)) == 14
    assert values(ds.repeat().take(10)) == (ref * 2)[:10]
    assert int(ds.repeat().cardinality()) == tf.data.INFINITE_CARDINALITY == -1
    assert values(ds.take(-1)) == ref and values(ds.take(3)) == ref[:3]
    assert values(ds.skip(5)) == ref[5:] and values(ds.skip(-1)) == [] and len(ds.skip(9)) == 0
    assert values(ds.shard(3, 1)) == ref[1::3] and len(ds.shard(3, 1)) == 2
    c = ds.take(2).concatenate(tf.data.Dataset.range(100, 102))
    assert values(c) == [0, 1, 100, 101] and len(c) == 4
    with pytest.raises(TypeError):
        ds.concatenate(tf.data.Dataset.from_tensors(1.0))
    # the same on index-backed slices (fast path) and on a generic source
    sl = tf.data.Dataset.from_tensor_slices(np.arange(7))
    gen = ds.map(lambda x: x)
    for d in (sl, gen):
        assert values(d.skip(2).shard(2, 0).repeat(2).take(5)) == ([2, 4, 6] * 2)[:5]
    with pytest.raises(TypeError, match="infinite"):
        len(ds.repeat())
    with pytest.raises(TypeError, match="unknown"):
        len(ds.filter(lambda x: True))


def test_shuffle_buffer_of_one_keeps_order_and_is_a_permutation():
    ds = tf.data.Dataset.range(20)
    assert values(ds.shuffle(1)) == list(range(20))
    s = values(ds.shuffle(5, seed=1))
    assert sorted(s) == list(range(20)) and s != list(range(20))
    # a buffer of k: element i can only come out once elements 0..i-k+1 ... were read, so the
    # output position of element i is at least i - k + 1 (the buffer holds k elements)
    for seed in range(5):
        out = values(ds.shuffle(4, seed=seed))
        for pos, v in enumerate(out):
            assert pos >= v - 3
    sl = tf.data.Dataset.from_tensor_slices(np.arange(20))
    assert values(sl.shuffle(1)) == list(range(20))


def test_shuffle_seed_and_reshuffle_semantics():
    ds = tf.data.Dataset.range(30)
    a = ds.shuffle(30, seed=7)
    e1, e2 = values(a), values(a)
    assert e1 != e2                                   # reshuffled per iteration
    b = ds.shuffle(30, seed=7)
    assert values(b) == e1 and values(b) == e2        # same seed: same sequence of orders
    c = ds.shuffle(30, seed=7, reshuffle_each_iteration=False)
    assert values(c) == values(c)
    tf.random.set_seed(3)
    g1 = values(ds.shuffle(30))
    tf.random.set_seed(3)
    g2 = values(ds.shuffle(30))
    tf.random.set_seed(None)
    assert g1 == g2
    # shuffle then repeat: every epoch is a permutation
    rep = values(ds.shuffle(30, seed=1).repeat(2))
    assert sorted(rep[:30]) == list(range(30)) and rep[:30] != rep[30:]


def test_shuffle_is_uniform_statistically():
    # full buffer over 4 elements: each of the 24 permutations about equally often, and the
    # first output of a buffer of 2 over 3 elements is 0 or 1 with probability 1/2 each
    counts = collections.Counter()
    ds = tf.data.Dataset.range(4).shuffle(4, seed=11)
    for _ in range(2400):
        counts[tuple(values(ds))] += 1
    assert len(counts) == 24 and min(counts.values()) > 55 and max(counts.values()) < 150
    ds2 = tf.data.Dataset.range(3).shuffle(2, seed=5)
    first = collections.Counter(values(ds2)[0] for _ in range(1000))
    assert set(first) == {0, 1} and 400 < first[0] < 600


# -- batching -------------------------------------------------------------------------------------
def test_batch_and_drop_remainder():
    ds = tf.data.Dataset.from_tensor_slices((np.arange(7), np.arange(7) * 2))
    b = ds.batch(3)
    assert values(b) == [([0, 1, 2], [0, 2, 4]), ([3, 4, 5], [6, 8, 10]), ([6], [12])]
    assert b.element_spec[0] == tf.TensorSpec([None], tf.int64) and len(b) == 3
    d = ds.batch(3, drop_remainder=True)
    assert len(values(d)) == 2 and d.element_spec[0].shape.as_list() == [3] and len(d) == 2
    generic = tf.data.Dataset.range(7).map(lambda x: (x, x * 2)).batch(3)
    assert values(generic) == values(b)
    with pytest.raises(tf.errors.InvalidArgumentError, match="different shapes"):
        list(tf.data.Dataset.from_generator(
            lambda: iter([[1], [1, 2]]), output_signature=tf.TensorSpec([None], tf.int32))
            .batch(2))


def test_padded_batch():
    def gen():
        for n in (1, 3, 2):
            yield np.arange(1, n + 1), "ab"[: n % 2 + 1]
    ds = tf.data.Dataset.from_generator(gen, output_signature=(
        tf.TensorSpec([None], tf.int64), tf.TensorSpec([], tf.string)))
    out = values(ds.padded_batch(2))
    assert out == [([[1, 0, 0], [1, 2, 3]], [b"ab", b"ab"]), ([[1, 2]], [b"a"])]
    fixed = values(ds.padded_batch(3, padded_shapes=([4], []), padding_values=(np.int64(-1),
                                                                                 b"?")))
    assert fixed == [([[1, -1, -1, -1], [1, 2, 3, -1], [1, 2, -1, -1]], [b"ab", b"ab", b"a"])]
    assert ds.padded_batch(2, padded_shapes=([4], [])).element_spec[0] == \
        tf.TensorSpec([None, 4], tf.int64)
    with pytest.raises(tf.errors.InvalidArgumentError, match="smaller"):
        list(ds.padded_batch(3, padded_shapes=([2], [])))


def test_unbatch_and_rebatch():
    ds = tf.data.Dataset.from_tensor_slices(np.arange(10)).batch(4)
    assert values(ds.unbatch()) == list(range(10))
    assert ds.unbatch().element_spec == tf.TensorSpec([], tf.int64)
    assert values(ds.rebatch(3)) == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    assert values(ds.rebatch(3, drop_remainder=True))[-1] == [6, 7, 8]
    assert values(ds.rebatch([1, 2])) == [[0], [1, 2], [3], [4, 5], [6], [7, 8], [9]]


# -- datasets of datasets ----------------------------------------------------------------------
def test_interleave_matches_the_documented_order():
    ds = tf.data.Dataset.range(1, 6).interleave(
        lambda x: tf.data.Dataset.from_tensors(x).repeat(6), cycle_length=2, block_length=4)
    assert values(ds) == [1, 1, 1, 1, 2, 2, 2, 2, 1, 1, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 3, 3, 4, 4,
                          5, 5, 5, 5, 5, 5]
    flat = tf.data.Dataset.range(3).flat_map(lambda x: tf.data.Dataset.range(x))
    assert values(flat) == [0, 0, 1]


def _windows_ref(n, size, shift, stride, drop):
    out = []
    for start in range(0, n, shift):
        w = list(range(start, n, stride))[:size]
        if len(w) < size and drop:
            break
        out.append(w)
    return out


@pytest.mark.parametrize("size,shift,stride,drop", [
    (3, None, 1, False), (3, 2, 1, False), (3, 1, 2, True), (2, 5, 1, False), (4, 3, 2, False),
    (3, 2, 1, True)])
def test_window_against_python(size, shift, stride, drop):
    ds = tf.data.Dataset.range(9).window(size, shift, stride, drop)
    got = [list(w.as_numpy_iterator()) for w in ds]
    assert got == _windows_ref(9, size, shift or size, stride, drop)
    assert len(ds) == len(got)


def test_window_of_tuples_then_flat_map_batch():
    ds = tf.data.Dataset.from_tensor_slices((np.arange(5), np.arange(5) * 10)).window(
        2, drop_remainder=True)
    assert isinstance(ds.element_spec[0], tf.data.DatasetSpec)
    flat = ds.flat_map(lambda a, b: tf.data.Dataset.zip((a.batch(2), b.batch(2))))
    assert values(flat) == [([0, 1], [0, 10]), ([2, 3], [20, 30])]


def test_group_by_window_and_bucket_by_sequence_length():
    ds = tf.data.Dataset.range(10)
    g = ds.group_by_window(lambda x: x % 3, lambda k, w: w.batch(10), window_size=2)
    assert values(g) == [[0, 3], [1, 4], [2, 5], [6, 9], [7], [8]]
    lens = [1, 5, 2, 7, 3, 6, 1]

    def gen():
        for n in lens:
            yield np.full(n, n)
    seqs = tf.data.Dataset.from_generator(gen, output_signature=tf.TensorSpec([None],
                                                                             tf.int64))
    b = seqs.bucket_by_sequence_length(lambda x: tf.shape(x)[0], [3, 6], [2, 2, 2])
    out = values(b)
    # buckets: <3 -> [1, 2, 1], [3, 6) -> [5, 3], >= 6 -> [7, 6]
    assert out == [[[1, 0], [2, 2]], [[5, 5, 5, 5, 5], [3, 3, 3, 0, 0]],
                   [[7, 7, 7, 7, 7, 7, 7], [6, 6, 6, 6, 6, 6, 0]], [[1]]]
    bb = values(seqs.bucket_by_sequence_length(lambda x: tf.shape(x)[0], [3, 9], [3, 3, 3],
                                               pad_to_bucket_boundary=True))
    assert [np.shape(x) for x in bb] == [(3, 8), (3, 2), (1, 8)]


# -- cache / prefetch ---------------------------------------------------------------------------
def test_cache_in_memory_runs_the_pipeline_once():
    calls = []

    def gen():
        calls.append(1)
        yield from range(4)
    ds = tf.data.Dataset.from_generator(gen, output_signature=tf.TensorSpec([], tf.int64))
    c = ds.map(lambda x: x + 1).cache()
    assert values(c) == [1, 2, 3, 4] and values(c) == [1, 2, 3, 4] and len(calls) == 1
    partial = ds.cache()
    list(partial.take(2))                  # a partial iteration caches nothing
    assert values(partial) == [0, 1, 2, 3]


def test_cache_file_round_trip(tmp_path):
    calls = []

    def gen():
        calls.append(1)
        for i in range(3):
            yield {"x": np.full((2,), i, np.float32), "s": f"e{i}".encode()}
    ds = tf.data.Dataset.from_generator(gen, output_signature={
        "x": tf.TensorSpec([2], tf.float32), "s": tf.TensorSpec([], tf.string)})
    prefix = str(tmp_path / "cache")
    first = values(ds.cache(prefix))
    assert os.path.exists(prefix + ".index") and os.path.exists(
        prefix + ".data-00000-of-00001")
    again = values(tf.data.Dataset.from_generator(gen, output_signature=ds.element_spec)
                   .cache(prefix))       # a new pipeline (a later run) reads the files
    assert first == again == [{"x": [i, i], "s": f"e{i}".encode()} for i in range(3)]
    assert len(calls) == 1
    part = str(tmp_path / "partial")
    list(ds.cache(part).take(1))
    assert not os.path.exists(part + ".index")
    assert not [p for p in os.listdir(tmp_path) if p.startswith("partial")]


def test_prefetch_runs_ahead_in_a_background_thread():
    produced = []
    consumer_thread = threading.get_ident()

    def gen():
        for i in range(6):
            produced.append((i, threading.get_ident()))
            yield i
    ds = tf.data.Dataset.from_generator(gen, output_signature=tf.TensorSpec([], tf.int64))
    it = iter(ds.prefetch(3))
    assert int(next(it)) == 0
    deadline = time.time() + 10
    while len(produced) < 4 and time.time() < deadline:   # fills its buffer on its own
        time.sleep(0.005)
    assert len(produced) >= 4                    # element 0 consumed, 1..3 buffered
    assert all(t != consumer_thread for _, t in produced)
    assert [int(v) for v in it] == [1, 2, 3, 4, 5]
    assert values(tf.data.Dataset.range(5).prefetch(tf.data.AUTOTUNE)) == list(range(5))


def test_prefetch_propagates_errors_and_stops_when_dropped():
    def gen():
        yield 1
        raise ValueError("boom in the generator")
    ds = tf.data.Dataset.from_generator(gen, output_signature=tf.TensorSpec([], tf.int32))
    with pytest.raises(ValueError, match="boom"):
        list(ds.prefetch(2))
    before = threading.active_count()
    for _ in range(5):
        it = iter(tf.data.Dataset.range(10 ** 9).prefetch(2))
        next(it)
        del it
    deadline = time.time() + 10
    while threading.active_count() > before and time.time() < deadline:
        time.sleep(0.01)
    assert threading.active_count() <= before


# -- misc API -----------------------------------------------------------------------------------
def test_iterator_api_options_apply_and_constants():
    it = iter(tf.data.Dataset.range(2))
    assert int(it.get_next()) == 0 and int(next(it)) == 1
    with pytest.raises(tf.errors.OutOfRangeError):
        it.get_next()
    assert tf.data.AUTOTUNE == tf.data.experimental.AUTOTUNE == -1
    assert tf.data.experimental.INFINITE_CARDINALITY == -1
    assert tf.data.experimental.UNKNOWN_CARDINALITY == -2
    opts = tf.data.Options()
    opts.experimental_deterministic = False
    opts.experimental_distribute.auto_shard_policy = \
        tf.data.experimental.AutoShardPolicy.DATA
    ds = tf.data.Dataset.range(3).with_options(opts)
    assert ds.options().experimental_deterministic is False and values(ds) == [0, 1, 2]
    assert values(tf.data.Dataset.range(4).apply(lambda d: d.skip(2))) == [2, 3]
    assert int(tf.data.experimental.cardinality(tf.data.Dataset.range(4))) == 4
    assert "element_spec=TensorSpec(shape=(), dtype=tf.int64" in repr(tf.data.Dataset.range(1))
    r = values(tf.data.Dataset.range(3).map(lambda x: x).apply(
        tf.data.experimental.enumerate_dataset()))
    assert r == [(0, 0), (1, 1), (2, 2)]


def test_as_numpy_iterator_gives_writable_copies():
    x = np.arange(6, dtype=np.float32).reshape(3, 2)
    ds = tf.data.Dataset.from_tensor_slices(x)
    for a in ds.as_numpy_iterator():
        a *= 0                                  # must not change the dataset
    assert values(ds) == x.tolist()


def test_sample_and_choose_from_datasets_and_ignore_errors():
    a, b = tf.data.Dataset.range(0, 5), tf.data.Dataset.range(100, 105)
    s = values(tf.data.Dataset.sample_from_datasets([a, b], seed=1))
    assert sorted(s) == list(range(5)) + list(range(100, 105))
    choice = tf.data.Dataset.from_tensor_slices(np.array([0, 1, 1, 0], np.int64))
    assert values(tf.data.Dataset.choose_from_datasets([a, b], choice)) == [0, 100, 101, 1]

    def check(x):
        if int(x) == 2:
            raise ValueError("bad element")
        return x
    ds = tf.data.Dataset.range(5).map(check).ignore_errors()
    assert values(ds) == [0, 1, 3, 4]


def test_internal_index_fast_path_is_used_for_slices():
    ds = tf.data.Dataset.from_tensor_slices((np.arange(10), np.arange(10))).cache().shuffle(
        10, seed=0)
    assert ds._slices() is not None
    b = values(ds.batch(4))
    flat = functools.reduce(operator.iadd, (x for x, _ in b), [])
    assert sorted(flat) == list(range(10)) and all(x == y for x, y in b)
    assert isinstance(ds, dataset_ops._ShuffleDataset)
