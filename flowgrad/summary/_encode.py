"""Pure-NumPy helpers of the summary ops: histogram buckets, PNG and WAV encoding, and the
conversion of a flowgrad graph to a `GraphDef`."""

import io
import struct
import wave
import zlib

import numpy as np

from ._protos import P, dtype_enum, shape_proto

DEFAULT_BUCKET_COUNT = 30


def histogram_buckets(data, bucket_count=None):
    """A float64 `[k, 3]` array of (left edge, right edge, count), as TensorBoard's v2
    histogram summary buckets: `k` equal-width buckets spanning [min, max] (the last one closed);
    all values in the first bucket (of zero width) when they are all equal; zeros when empty."""
    k = DEFAULT_BUCKET_COUNT if bucket_count is None else max(0, int(bucket_count))
    x = np.asarray(data, dtype=np.float64).reshape(-1)
    if x.size == 0 or k == 0:
        return np.zeros((k, 3), np.float64)
    lo, hi = float(x.min()), float(x.max())
    if hi == lo:
        out = np.zeros((k, 3), np.float64)
        out[:, 0] = out[:, 1] = lo
        out[0, 2] = x.size
        return out
    width = (hi - lo) / k
    idx = np.minimum(np.floor((x - lo) / width).astype(np.int64), k - 1)
    counts = np.bincount(idx, minlength=k).astype(np.float64)
    edges = np.linspace(lo, hi, k + 1)
    edges[-1] = hi
    return np.stack([edges[:-1], edges[1:], counts], axis=1)


def to_uint8_image(img):
    """An image array `[h, w, c]` as uint8: floats are taken in [0, 1] and scaled by 255
    (saturating), integer types are clipped to [0, 255]."""
    a = np.asarray(img)
    if a.dtype == np.uint8:
        return a
    if np.issubdtype(a.dtype, np.floating):
        return (np.clip(a, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    if a.dtype == np.bool_:
        return a.astype(np.uint8) * 255
    return np.clip(a, 0, 255).astype(np.uint8)


def encode_png(img):
    """PNG bytes of a uint8 image `[h, w, c]` (c = 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA)."""
    a = np.ascontiguousarray(to_uint8_image(img))
    if a.ndim == 2:
        a = a[:, :, None]
    h, w, c = a.shape
    color_type = {1: 0, 2: 4, 3: 2, 4: 6}.get(c)
    if color_type is None:
        raise ValueError(f"An image needs 1, 2, 3 or 4 channels; got {c}.")

    def chunk(kind, body):
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    raw = np.concatenate([np.zeros((h, 1), np.uint8), a.reshape(h, w * c)], axis=1)  # filter 0
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, color_type, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw.tobytes(), 6))
            + chunk(b"IEND", b""))


def encode_wav(samples, sample_rate):
    """16-bit PCM WAV bytes of float samples `[t, channels]` in [-1, 1]."""
    a = np.asarray(samples, dtype=np.float64)
    if a.ndim == 1:
        a = a[:, None]
    pcm = np.round(np.clip(a, -1.0, 1.0) * 32767.0).astype("<i2")
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(a.shape[1])
        w.setsampwidth(2)
        w.setframerate(int(sample_rate))
        w.writeframes(pcm.tobytes())
    return buf.getvalue()


# -- graphs ----------------------------------------------------------------------------------
def _attr_value(v):
    """An AttrValue for a simple attribute, or None when it has no faithful proto form."""
    av = P.attr_value_pb2.AttrValue
    if isinstance(v, (bool, np.bool_)):
        return av(b=bool(v))
    if isinstance(v, (int, np.integer)):
        return av(i=int(v))
    if isinstance(v, (float, np.floating)):
        return av(f=float(v))
    if isinstance(v, str):
        return av(s=v.encode())
    if isinstance(v, bytes):
        return av(s=v)
    if isinstance(v, np.ndarray) and v.size <= 64 and v.dtype != object:
        return av(tensor=P.tensor_util.make_tensor_proto(v))
    if isinstance(v, (list, tuple)) and v and all(
            isinstance(x, (int, np.integer)) and not isinstance(x, bool) for x in v):
        return av(list=av.ListValue(i=[int(x) for x in v]))
    if isinstance(v, (list, tuple)) and v and all(isinstance(x, float) for x in v):
        return av(list=av.ListValue(f=list(v)))
    return None


def graph_to_graphdef(graph):
    """A `GraphDef` of a flowgrad `Graph`: placeholders become `Placeholder` nodes, each op a
    `NodeDef` (name, op, inputs as `producer[:index]`, attrs: simple attributes as such, others
    as their text, `T` = first input's dtype and `_output_shapes`), and each output an
    `Identity` node named `Identity`, `Identity_1`, ..."""
    from ..graph.ir import _attr_str

    gd = P.graph_pb2.GraphDef()
    gd.versions.producer = 1
    ref = {}
    av = P.attr_value_pb2.AttrValue
    for vid in graph.inputs:
        v = graph.values[vid]
        name = v.name or f"input_{vid}"
        node = gd.node.add(name=name, op="Placeholder")
        node.attr["dtype"].CopyFrom(av(type=dtype_enum(v.dtype)))
        node.attr["shape"].CopyFrom(av(shape=shape_proto(v.shape)))
        node.attr["_output_shapes"].CopyFrom(
            av(list=av.ListValue(shape=[shape_proto(v.shape)])))
        ref[vid] = name
    for n in graph.nodes:
        node = gd.node.add(name=n.name, op=n.op)
        node.input.extend(ref.get(i, f"unknown_{i}") for i in n.inputs)
        for k, val in n.attrs.items():
            if hasattr(val, "_is_variable"):
                continue
            a = _attr_value(val)
            node.attr[k].CopyFrom(a if a is not None else av(s=_attr_str(val).encode()))
        if n.inputs:
            node.attr["T"].CopyFrom(av(type=dtype_enum(graph.values[n.inputs[0]].dtype)))
        elif n.outputs:
            node.attr["dtype"].CopyFrom(av(type=dtype_enum(graph.values[n.outputs[0]].dtype)))
        node.attr["_output_shapes"].CopyFrom(av(list=av.ListValue(
            shape=[shape_proto(graph.values[o].shape) for o in n.outputs])))
        for k, o in enumerate(n.outputs):
            ref[o] = n.name if k == 0 else f"{n.name}:{k}"
    used = {nd.name for nd in gd.node}
    for j, o in enumerate(graph.outputs):
        name, k = "Identity", 0
        while name in used:
            k += 1
            name = f"Identity_{k}"
        used.add(name)
        node = gd.node.add(name=name, op="Identity")
        node.input.append(ref.get(o, f"unknown_{o}"))
        node.attr["T"].CopyFrom(av(type=dtype_enum(graph.values[o].dtype)))
        node.attr["_output_shapes"].CopyFrom(
            av(list=av.ListValue(shape=[shape_proto(graph.values[o].shape)])))
    return gd
