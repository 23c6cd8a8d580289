"""`tf.train`: the `Example` protocol messages (`Example`, `Features`, `Feature`, `BytesList`,
`FloatList`, `Int64List`, `SequenceExample`, `FeatureList`, `FeatureLists`).

With the `protobuf` package installed these are real protobuf message classes (built from the
same .proto definitions as TensorFlow's, in a private descriptor pool); without it, hand-written
classes (`_wire.py`) speak the same wire format and the same Python API subset. Set
`FLOWGRAD_NO_PROTOBUF=1` to force the hand-written ones.
"""

import os as _os

from . import _wire

_classes = None if _os.environ.get("FLOWGRAD_NO_PROTOBUF") else __import__(
    f"{__name__}._protobuf", fromlist=["build"]).build()

if _classes is None:
    _classes = {name: getattr(_wire, name) for name in (
        "BytesList", "FloatList", "Int64List", "Feature", "Features", "FeatureList",
        "FeatureLists", "Example", "SequenceExample")}
    USING_PROTOBUF = False
else:
    USING_PROTOBUF = True

BytesList = _classes["BytesList"]
FloatList = _classes["FloatList"]
Int64List = _classes["Int64List"]
Feature = _classes["Feature"]
Features = _classes["Features"]
FeatureList = _classes["FeatureList"]
FeatureLists = _classes["FeatureLists"]
Example = _classes["Example"]
SequenceExample = _classes["SequenceExample"]

from .checkpoint import Checkpoint, CheckpointManager, latest_checkpoint  # noqa: E402

__all__ = [
    "BytesList",
    "Checkpoint",
    "CheckpointManager",
    "Example",
    "Feature",
    "FeatureList",
    "FeatureLists",
    "Features",
    "FloatList",
    "Int64List",
    "SequenceExample",
    "latest_checkpoint",
]
