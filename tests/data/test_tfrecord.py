"""TFRecord files and tf.train.Example: CRC32C vectors, the framing, round trips, compression,
corruption detection, reading files written by real TensorFlow (fixtures/), Example parsing and
tensor serialization."""

import gzip
import os
import pathlib
import struct
import zlib

import numpy as np
import pytest

import flowgrad as tf
from flowgrad.io import _crc32c
from flowgrad.io.tfrecord import read_records

FIXTURES = pathlib.Path(__file__).with_name("fixtures")


def _bitwise_crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFF


def test_crc32c_known_vectors():
    assert _crc32c.crc32c(b"123456789") == 0xE3069283
    assert _crc32c.crc32c(b"") == 0
    # RFC 3720 (iSCSI) B.4 vectors
    assert _crc32c.crc32c(bytes(32)) == 0x8A9136AA
    assert _crc32c.crc32c(b"\xff" * 32) == 0x62A8AB43
    assert _crc32c.crc32c(bytes(range(32))) == 0x46DD794E
    assert _crc32c.crc32c(bytes(range(31, -1, -1))) == 0x113FDB5C


def test_crc32c_vectorized_paths_match_the_bitwise_definition():
    rng = np.random.default_rng(0)
    bufs = [rng.integers(0, 256, n, dtype=np.uint8).tobytes()
            for n in (0, 1, 3, 4, 5, 255, 256, 257, 1000, 4097, 70001, 300_000)]
    ref = [_bitwise_crc32c(b) for b in bufs[:-2]]
    assert _crc32c.crc32c_many(bufs)[:-2] == ref
    assert [_crc32c.crc32c(b) for b in bufs[:-2]] == ref
    long = bufs[-1]
    assert _crc32c.crc32c(long) == _crc32c._python_crc(long) ^ 0xFFFFFFFF
    assert _crc32c.crc32c_many([long, bufs[-2]]) == [_crc32c.crc32c(long),
                                                    _crc32c.crc32c(bufs[-2])]


def test_masking():
    crc = _crc32c.crc32c(b"abc")
    assert _crc32c.mask(crc) == (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def _frame(data):
    length = struct.pack("<Q", len(data))
    return (length + struct.pack("<I", _crc32c.masked_crc32c(length)) + data +
            struct.pack("<I", _crc32c.masked_crc32c(data)))


def test_writer_writes_the_exact_framing(tmp_path):
    path = tmp_path / "a.tfrecord"
    records = [b"", b"hello", bytes(range(256)) * 40]
    with tf.io.TFRecordWriter(str(path)) as w:
        for r in records:
            w.write(r)
        w.write(tf.constant(b"tensor"))
    assert path.read_bytes() == b"".join(_frame(r) for r in records + [b"tensor"])
    got = [r.numpy() for r in tf.data.TFRecordDataset(str(path))]
    assert got == records + [b"tensor"]
    ds = tf.data.TFRecordDataset([str(path)])
    assert ds.element_spec == tf.TensorSpec([], tf.string)


def test_many_records_round_trip(tmp_path):
    rng = np.random.default_rng(1)
    records = [rng.integers(0, 256, rng.integers(0, 3000), dtype=np.uint8).tobytes()
               for _ in range(600)]
    path = str(tmp_path / "many.tfrecord")
    w = tf.io.TFRecordWriter(path)
    for r in records:
        w.write(r)
    w.close()
    assert list(read_records(path, chunk_size=4096)) == records   # records span chunks


@pytest.mark.parametrize("compression", ["GZIP", "ZLIB"])
def test_compressed_round_trip(tmp_path, compression):
    path = str(tmp_path / f"c.{compression}")
    with tf.io.TFRecordWriter(path, options=tf.io.TFRecordOptions(compression)) as w:
        for i in range(5):
            w.write(f"r{i}".encode())
    raw = pathlib.Path(path).read_bytes()
    plain = gzip.decompress(raw) if compression == "GZIP" else zlib.decompress(raw)
    assert plain == b"".join(_frame(f"r{i}".encode()) for i in range(5))
    got = [r.numpy() for r in tf.data.TFRecordDataset(path, compression_type=compression)]
    assert got == [f"r{i}".encode() for i in range(5)]


def test_corruption_and_truncation_are_detected(tmp_path):
    path = tmp_path / "bad.tfrecord"
    with tf.io.TFRecordWriter(str(path)) as w:
        w.write(b"first record")
        w.write(b"second record")
    data = bytearray(path.read_bytes())
    data[12 + 3] ^= 0xFF                       # a byte of the first record's data
    path.write_bytes(bytes(data))
    with pytest.raises(tf.errors.DataLossError, match="corrupted record at 0"):
        list(tf.data.TFRecordDataset(str(path)))
    data[12 + 3] ^= 0xFF
    path.write_bytes(bytes(data[:-3]))
    with pytest.raises(tf.errors.DataLossError, match="truncated"):
        list(tf.data.TFRecordDataset(str(path)))
    data[0] ^= 0x01                            # the length field
    path.write_bytes(bytes(data))
    with pytest.raises(tf.errors.DataLossError, match="length"):
        list(tf.data.TFRecordDataset(str(path)))
    with pytest.raises(tf.errors.NotFoundError):
        list(tf.data.TFRecordDataset(str(tmp_path / "missing.tfrecord")))


def test_reads_files_written_by_tensorflow():
    ds = tf.data.TFRecordDataset(str(FIXTURES / "tf_written.tfrecord"))
    records = [r.numpy() for r in ds]
    assert len(records) == 7 and records[5] == b"" and records[6] == bytes(range(256)) * 3
    feats = {"image": tf.io.FixedLenFeature([6], tf.float32),
             "label": tf.io.FixedLenFeature([], tf.int64),
             "name": tf.io.FixedLenFeature([], tf.string),
             "tokens": tf.io.VarLenFeature(tf.int64)}
    for i, r in enumerate(records[:5]):
        ex = tf.io.parse_single_example(r, feats)
        np.testing.assert_allclose(ex["image"].numpy(),
                                   np.arange(6, dtype=np.float32) * (i + 1) / 7, rtol=1e-6)
        assert int(ex["label"]) == i - 2 and ex["name"].numpy() == f"item{i}".encode()
        assert ex["tokens"].numpy().tolist() == list(range(i))
    gz = tf.data.TFRecordDataset(str(FIXTURES / "tf_written_gzip.tfrecord"), "GZIP")
    assert [r.numpy() for r in gz] == [b"record 0", b"record 1", b"record 2"]


def _message_modules():
    from flowgrad.train import _wire
    mods = [_wire]
    if tf.train.USING_PROTOBUF:   # the protobuf-backed classes too, when protobuf is installed
        mods.append(tf.train)
    return mods


@pytest.mark.parametrize("m", _message_modules(), ids=lambda m: m.__name__)
def test_example_messages_encode_like_tensorflow(m):
    ex = m.Example(features=m.Features(feature={
        "b": m.Feature(int64_list=m.Int64List(value=[1, -2, 300])),
        "a": m.Feature(float_list=m.FloatList(value=[1.5, 0.1])),
        "c": m.Feature(bytes_list=m.BytesList(value=[b"hi", b"x"]))}))
    # bytes TensorFlow 2.21 produced for the same message (map entries in this order)
    expected = bytes.fromhex(
        "0a3b0a160a016212111a0f0a0d01feffffffffffffffff01ac020a110a0161120c120a0a080000c03fcd"
        "cccc3d0a0e0a016312090a070a0268690a0178")
    if m.__name__.endswith("_wire"):
        assert ex.SerializeToString() == expected    # protobuf may order map entries otherwise
    back = m.Example.FromString(expected)
    assert back == ex and m.Example.FromString(ex.SerializeToString()) == ex
    assert list(back.features.feature["b"].int64_list.value) == [1, -2, 300]
    assert back.features.feature["a"].WhichOneof("kind") == "float_list"
    f = m.Feature()
    f.int64_list.value.append(3)
    assert f.WhichOneof("kind") == "int64_list" and "int64_list" in str(f)
    seq = m.SequenceExample()
    seq.context.feature["id"].bytes_list.value.append(b"x")
    fl = seq.feature_lists.feature_list["tok"].feature.add()
    fl.int64_list.value.extend([4, 5])
    back = m.SequenceExample.FromString(seq.SerializeToString())
    assert list(back.feature_lists.feature_list["tok"].feature[0].int64_list.value) == [4, 5]


def _example(**features):
    feats = {}
    for k, v in features.items():
        v = np.asarray(v)
        if v.dtype.kind == "f":
            feats[k] = tf.train.Feature(float_list=tf.train.FloatList(value=v.ravel().tolist()))
        elif v.dtype.kind in "iu":
            feats[k] = tf.train.Feature(int64_list=tf.train.Int64List(value=v.ravel().tolist()))
        else:
            feats[k] = tf.train.Feature(bytes_list=tf.train.BytesList(
                value=[x.encode() if isinstance(x, str) else x for x in v.ravel().tolist()]))
    return tf.train.Example(features=tf.train.Features(feature=feats)).SerializeToString()


def test_parse_example_features_defaults_and_errors():
    s1 = _example(img=np.ones((2, 2), np.float32), n=[3], toks=[1, 2, 3])
    s2 = _example(img=np.zeros((2, 2), np.float32), toks=[7])
    feats = {"img": tf.io.FixedLenFeature([2, 2], tf.float32),
             "n": tf.io.FixedLenFeature([], tf.int64, default_value=-1),
             "toks": tf.io.VarLenFeature(tf.int64),
             "seq": tf.io.FixedLenSequenceFeature([], tf.int64, allow_missing=True)}
    one = tf.io.parse_single_example(s2, feats)
    assert one["img"].shape == (2, 2) and int(one["n"]) == -1
    assert one["toks"].numpy().tolist() == [7] and one["seq"].shape == (0,)
    batch = tf.io.parse_example(tf.constant([s1, s2]), feats)
    assert batch["img"].shape == (2, 2, 2) and batch["n"].numpy().tolist() == [3, -1]
    assert batch["toks"].numpy().tolist() == [[1, 2, 3], [7, 0, 0]]
    with pytest.raises(tf.errors.InvalidArgumentError, match="required"):
        tf.io.parse_single_example(s2, {"n": tf.io.FixedLenFeature([], tf.int64)})
    with pytest.raises(tf.errors.InvalidArgumentError, match="Data types don't match"):
        tf.io.parse_single_example(s1, {"n": tf.io.FixedLenFeature([], tf.float32)})
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.io.parse_single_example(s1, {"toks": tf.io.FixedLenFeature([2], tf.int64)})


def test_tfrecord_pipeline_with_parsing_in_map(tmp_path):
    path = str(tmp_path / "data.tfrecord")
    with tf.io.TFRecordWriter(path) as w:
        for i in range(10):
            w.write(_example(x=np.full(3, i, np.float32), y=[i % 2]))
    feats = {"x": tf.io.FixedLenFeature([3], tf.float32),
             "y": tf.io.FixedLenFeature([], tf.int64)}
    ds = (tf.data.TFRecordDataset(path)
          .map(lambda r: tf.io.parse_single_example(r, feats))
          .map(lambda d: (d["x"] * 2, d["y"]))
          .batch(4))
    assert ds.element_spec[0].shape.as_list() == [None, 3]
    batches = list(ds.as_numpy_iterator())
    assert [len(b[1]) for b in batches] == [4, 4, 2]
    assert batches[0][0][1].tolist() == [2.0, 2.0, 2.0]
    # several files, read interleaved
    p2 = str(tmp_path / "other.tfrecord")
    with tf.io.TFRecordWriter(p2) as w:
        for i in range(3):
            w.write(b"o%d" % i)
    mixed = tf.data.TFRecordDataset([p2, path], num_parallel_reads=2).take(4)
    first = [r.numpy() for r in mixed]
    assert first[0] == b"o0" and first[2] == b"o1"
    files = tf.data.Dataset.list_files(str(tmp_path / "*.tfrecord"), shuffle=False)
    assert len(list(tf.data.TFRecordDataset(files))) == 13


def test_serialize_and_parse_tensor_match_tensorflow_bytes():
    t = tf.constant([[1.0, 2.0]])
    s = tf.io.serialize_tensor(t)
    assert s.numpy() == bytes.fromhex("08011208120208011202080222080000803f00000040")
    assert tf.io.parse_tensor(s, tf.float32).numpy().tolist() == [[1.0, 2.0]]
    strings = tf.io.serialize_tensor(tf.constant([b"ab", b"c"]))
    assert strings.numpy() == bytes.fromhex("080712041202080242026162420163")
    assert tf.io.parse_tensor(strings, tf.string).numpy().tolist() == [b"ab", b"c"]
    scalar = tf.io.serialize_tensor(tf.constant(7, tf.int64))
    assert scalar.numpy() == bytes.fromhex("0809120022080700000000000000")
    assert int(tf.io.parse_tensor(scalar, tf.int64)) == 7
    with pytest.raises(tf.errors.InvalidArgumentError, match="Type mismatch"):
        tf.io.parse_tensor(s, tf.int32)


def test_text_and_fixed_length_readers_and_file_helpers(tmp_path):
    p = tmp_path / "lines.txt"
    p.write_bytes(b"a b\r\nc\n\nlast")
    assert [x.numpy() for x in tf.data.TextLineDataset(str(p))] == [b"a b", b"c", b"", b"last"]
    b = tmp_path / "fixed.bin"
    b.write_bytes(b"HDR" + bytes(range(8)) + b"F")
    recs = tf.data.FixedLengthRecordDataset(str(b), 4, header_bytes=3, footer_bytes=1)
    assert [r.numpy() for r in recs] == [bytes(range(4)), bytes(range(4, 8))]
    tf.io.write_file(str(tmp_path / "sub" / "f.bin"), b"xyz")
    assert tf.io.read_file(str(tmp_path / "sub" / "f.bin")).numpy() == b"xyz"
    raw = tf.io.decode_raw(tf.constant([b"\x01\x00\x02\x00"]), tf.int16)
    assert raw.numpy().tolist() == [[1, 2]]
    assert tf.io.gfile.exists(str(p)) and str(p) in tf.io.gfile.glob(str(tmp_path / "*.txt"))
    with pytest.raises(tf.errors.NotFoundError):
        tf.io.read_file(str(tmp_path / "nope"))
    assert os.path.isdir(tmp_path / "sub")
