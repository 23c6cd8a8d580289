"""The protobuf messages of event files, taken from the optional `tensorboard` package.

flowgrad does not ship generated protobuf code: `tensorboard.compat.proto` provides `Event`,
`Summary`, `GraphDef`, `TensorProto`, ... (the same messages TensorFlow writes). Install them
with `pip install flowgrad[tensorboard]` (or `pip install tensorboard`).
"""

_MISSING = ("flowgrad.summary writes TensorBoard event files with the protobuf messages of the "
            "`tensorboard` package, which is not installed. Install it with "
            "`pip install tensorboard` (or `pip install flowgrad[tensorboard]`).")


class _Protos:
    """Lazily imported proto modules (`P.event_pb2`, ...)."""

    _loaded = False

    def load(self):
        if self._loaded:
            return self
        try:
            from tensorboard.compat.proto import (
                attr_value_pb2,
                event_pb2,
                graph_pb2,
                node_def_pb2,
                summary_pb2,
                tensor_pb2,
                tensor_shape_pb2,
                types_pb2,
            )
            from tensorboard.util import tensor_util
        except ImportError as e:  # tensorboard (or protobuf) missing
            raise ImportError(_MISSING) from e
        self.attr_value_pb2 = attr_value_pb2
        self.event_pb2 = event_pb2
        self.graph_pb2 = graph_pb2
        self.node_def_pb2 = node_def_pb2
        self.summary_pb2 = summary_pb2
        self.tensor_pb2 = tensor_pb2
        self.tensor_shape_pb2 = tensor_shape_pb2
        self.types_pb2 = types_pb2
        self.tensor_util = tensor_util
        self._loaded = True
        return self


P = _Protos()


def require():
    """Imports the proto modules or raises ImportError with install instructions."""
    return P.load()


_DTYPE_ENUM = {
    "float32": "DT_FLOAT", "float64": "DT_DOUBLE", "float16": "DT_HALF",
    "bfloat16": "DT_BFLOAT16", "int8": "DT_INT8", "int16": "DT_INT16", "int32": "DT_INT32",
    "int64": "DT_INT64", "uint8": "DT_UINT8", "uint16": "DT_UINT16", "uint32": "DT_UINT32",
    "uint64": "DT_UINT64", "bool": "DT_BOOL", "string": "DT_STRING", "complex64": "DT_COMPLEX64",
    "complex128": "DT_COMPLEX128", "resource": "DT_RESOURCE", "variant": "DT_VARIANT",
}


def dtype_enum(name):
    """The `DataType` enum value of a flowgrad / NumPy dtype name (DT_INVALID if unknown)."""
    name = getattr(name, "name", name)
    name = str(name)
    if name in ("object", "bytes", "str") or name.startswith(("<U", "|S", "<S")):
        name = "string"
    return P.types_pb2.DataType.Value(_DTYPE_ENUM.get(name, "DT_INVALID"))


def shape_proto(shape):
    """A `TensorShapeProto`: None -> unknown rank, None dims -> -1."""
    sp = P.tensor_shape_pb2.TensorShapeProto()
    if shape is None:
        sp.unknown_rank = True
        return sp
    for d in shape:
        sp.dim.add(size=-1 if d is None else int(d))
    return sp
