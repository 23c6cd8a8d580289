"""`tf.data`: input pipelines (`Dataset`, readers, `Options`, cardinality constants).

See `dataset_ops.py` for how pipelines run (Python iterators over NumPy elements, traced user
functions, a prefetch thread) and `readers.py` for the file datasets.
"""

from . import experimental
from .dataset_ops import AUTOTUNE, Dataset, DatasetSpec, DatasetV2, Options  # noqa: F401
from .dataset_ops import INFINITE as INFINITE_CARDINALITY
from .dataset_ops import UNKNOWN as UNKNOWN_CARDINALITY
from .dataset_ops import OwnedIterator as Iterator
from .readers import FixedLengthRecordDataset, TextLineDataset, TFRecordDataset

ThreadingOptions = experimental.ThreadingOptions

__all__ = [
    "AUTOTUNE",
    "INFINITE_CARDINALITY",
    "UNKNOWN_CARDINALITY",
    "Dataset",
    "DatasetSpec",
    "FixedLengthRecordDataset",
    "Iterator",
    "Options",
    "TFRecordDataset",
    "TextLineDataset",
    "ThreadingOptions",
    "experimental",
]
