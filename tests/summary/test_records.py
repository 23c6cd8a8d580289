"""TFRecord framing of event files and the CRC32C it uses (no tensorboard needed)."""

import struct

from flowgrad.io._crc32c import crc32c, masked_crc32c


def _masked(crc):
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def test_crc32c_known_vectors():
    assert crc32c(b"") == 0
    assert crc32c(b"123456789") == 0xE3069283          # the Castagnoli check value
    assert crc32c(b"\x00" * 32) == 0x8A9136AA           # RFC 3720 B.4
    assert crc32c(b"\xff" * 32) == 0x62A8AB43
    assert crc32c(bytes(range(32))) == 0x46DD794E


def test_masked_crc():
    assert masked_crc32c(b"123456789") == _masked(0xE3069283)
    assert masked_crc32c(b"") == 0xA282EAD8


def test_frame_record_layout():
    from flowgrad.summary._writer import frame_record
    data = b"hello event"
    rec = frame_record(data)
    assert len(rec) == 8 + 4 + len(data) + 4
    (n,) = struct.unpack("<Q", rec[:8])
    assert n == len(data)
    assert struct.unpack("<I", rec[8:12])[0] == _masked(crc32c(rec[:8]))
    assert rec[12:12 + n] == data
    assert struct.unpack("<I", rec[-4:])[0] == _masked(crc32c(data))


def test_framing_matches_flowgrad_tfrecord_reader(tmp_path):
    from flowgrad.io.tfrecord import tf_record_iterator
    from flowgrad.summary._writer import frame_record
    path = tmp_path / "x.tfrecord"
    payloads = [b"", b"a", b"x" * 1000]
    path.write_bytes(b"".join(frame_record(p) for p in payloads))
    assert [bytes(r) for r in tf_record_iterator(str(path))] == payloads


def test_event_file_name():
    from flowgrad.summary._writer import event_file_name
    parts = event_file_name(".v2").split(".")
    assert parts[:3] == ["events", "out", "tfevents"]
    assert parts[3].isdigit() and parts[-1] == "v2"
