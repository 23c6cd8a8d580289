"""`tf.data.experimental`: constants and the older function forms of transformations (for
`dataset.apply(...)`)."""

from .dataset_ops import AUTOTUNE, INFINITE, UNKNOWN, DatasetV2, Options  # noqa: F401

INFINITE_CARDINALITY = INFINITE
UNKNOWN_CARDINALITY = UNKNOWN


def cardinality(dataset):
    """The dataset's cardinality as an int64 scalar tensor (INFINITE / UNKNOWN constants)."""
    return dataset.cardinality()


def assert_cardinality(expected_cardinality):
    return lambda ds: ds.assert_cardinality(expected_cardinality)


def enumerate_dataset(start=0):
    return lambda ds: ds.enumerate(start)


def ignore_errors(log_warning=False):
    return lambda ds: ds.ignore_errors(log_warning)


def unique():
    return lambda ds: ds.unique()


def take_while(predicate):
    return lambda ds: ds.take_while(predicate)


def scan(initial_state, scan_func):
    return lambda ds: ds.scan(initial_state, scan_func)


def group_by_window(key_func, reduce_func, window_size=None, window_size_func=None):
    return lambda ds: ds.group_by_window(key_func, reduce_func, window_size, window_size_func)


def bucket_by_sequence_length(element_length_func, bucket_boundaries, bucket_batch_sizes,
                              padded_shapes=None, padding_values=None,
                              pad_to_bucket_boundary=False, no_padding=False,
                              drop_remainder=False):
    return lambda ds: ds.bucket_by_sequence_length(
        element_length_func, bucket_boundaries, bucket_batch_sizes, padded_shapes,
        padding_values, pad_to_bucket_boundary, no_padding, drop_remainder)


def dense_to_ragged_batch(batch_size, drop_remainder=False, row_splits_dtype=None):
    """Batches elements of different shapes; flowgrad has no RaggedTensor, so they are padded
    with zeros (as `padded_batch`)."""
    return lambda ds: ds.padded_batch(batch_size, drop_remainder=drop_remainder)


def sample_from_datasets(datasets, weights=None, seed=None, stop_on_empty_dataset=False):
    return DatasetV2.sample_from_datasets(datasets, weights, seed, stop_on_empty_dataset)


def choose_from_datasets(datasets, choice_dataset, stop_on_empty_dataset=True):
    return DatasetV2.choose_from_datasets(datasets, choice_dataset, stop_on_empty_dataset)


def get_single_element(dataset):
    return dataset.get_single_element()


class AutoShardPolicy:
    OFF = -1
    AUTO = 0
    FILE = 1
    DATA = 2
    HINT = 3


class ExternalStatePolicy:
    WARN = 0
    IGNORE = 1
    FAIL = 2


def OptimizationOptions():
    return Options()


def DistributeOptions():
    return Options()


def ThreadingOptions():
    return Options()
