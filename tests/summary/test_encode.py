"""Histogram buckets, PNG and WAV encoding (no tensorboard needed)."""

import io
import struct
import wave
import zlib

import numpy as np

from flowgrad.summary import _encode


def test_histogram_buckets_equal_width():
    data = np.array([0.0, 1.0, 2.0, 3.0, 4.0, 10.0])
    t = _encode.histogram_buckets(data, 5)
    assert t.shape == (5, 3)
    np.testing.assert_allclose(t[:, 0], [0, 2, 4, 6, 8])
    np.testing.assert_allclose(t[:, 1], [2, 4, 6, 8, 10])
    np.testing.assert_allclose(t[:, 2], [2, 2, 1, 0, 1])   # max goes in the last bucket


def test_histogram_default_single_value_and_empty():
    assert _encode.histogram_buckets(np.random.randn(100)).shape == (30, 3)
    assert _encode.histogram_buckets(np.random.randn(100))[:, 2].sum() == 100
    t = _encode.histogram_buckets(np.full(7, 2.5), 4)
    np.testing.assert_allclose(t, [[2.5, 2.5, 7], [2.5, 2.5, 0], [2.5, 2.5, 0], [2.5, 2.5, 0]])
    np.testing.assert_array_equal(_encode.histogram_buckets([], 3), np.zeros((3, 3)))


def _decode_png(data):
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + n]
        assert struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])[0] == zlib.crc32(kind + body)
        chunks[kind] = chunks.get(kind, b"") + body
        pos += 12 + n
    w, h, _depth, ctype = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    c = {0: 1, 4: 2, 2: 3, 6: 4}[ctype]
    raw = np.frombuffer(zlib.decompress(chunks[b"IDAT"]), np.uint8).reshape(h, 1 + w * c)
    assert (raw[:, 0] == 0).all()
    return raw[:, 1:].reshape(h, w, c)


def test_png_roundtrip():
    img = np.random.randint(0, 256, (5, 7, 3), dtype=np.uint8)
    np.testing.assert_array_equal(_decode_png(_encode.encode_png(img)), img)
    gray = np.linspace(0, 1, 12).reshape(3, 4, 1)
    out = _decode_png(_encode.encode_png(gray))
    assert out.shape == (3, 4, 1) and out[0, 0, 0] == 0 and out[-1, -1, 0] == 255


def test_png_readable_by_pillow():
    import pytest
    Image = pytest.importorskip("PIL.Image")
    img = np.random.randint(0, 256, (4, 6, 4), dtype=np.uint8)
    np.testing.assert_array_equal(np.asarray(Image.open(io.BytesIO(_encode.encode_png(img)))),
                                  img)


def test_wav():
    clip = np.sin(np.linspace(0, 20, 800))[:, None]
    data = _encode.encode_wav(clip, 8000)
    with wave.open(io.BytesIO(data)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()) == \
            (1, 2, 8000, 800)
        pcm = np.frombuffer(w.readframes(800), "<i2")
    np.testing.assert_allclose(pcm / 32767.0, clip[:, 0], atol=1e-4)
