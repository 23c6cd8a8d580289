"""Datasets from folders and arrays: `text_dataset_from_directory`,
`timeseries_dataset_from_array`, and the directory listing / train-validation split shared with
`image_dataset_from_directory` (keras/preprocessing/image.py).

Directory rules (as Keras): with `labels="inferred"` each visible subfolder of `directory` is a
class (sorted names, or the order of `class_names`, give the indices) and its files are found
recursively; otherwise every matching file under `directory` is listed. Files are sorted by
folder, then name; `shuffle` permutes the list once with `np.random.RandomState(seed)` (the
same permutation Keras draws), and `validation_split` keeps the last
`int(validation_split * n)` files of that list for validation.
"""

import os

import numpy as np

from .progbar import print_msg

__all__ = ["text_dataset_from_directory", "timeseries_dataset_from_array"]

LABEL_MODES = ("int", "categorical", "binary", None)


# ---------------------------------------------------------------------------------------------
# shared by the *_dataset_from_directory functions
# ---------------------------------------------------------------------------------------------
def check_validation_split_arg(validation_split, subset, shuffle, seed):
    """Raises ValueError for an inconsistent `validation_split` / `subset` / `seed`."""
    if validation_split and not 0 < validation_split < 1:
        raise ValueError("`validation_split` must be between 0 and 1 (exclusive); got "
                         f"{validation_split}.")
    if bool(validation_split) != bool(subset):
        raise ValueError("`subset` and `validation_split` go together: pass both or neither "
                         f"(got validation_split={validation_split}, subset={subset!r}).")
    if subset not in ("training", "validation", "both", None):
        raise ValueError('`subset` must be "training", "validation" or "both"; got '
                         f"{subset!r}.")
    if validation_split and shuffle and seed is None:
        raise ValueError("With `validation_split` and `shuffle=True`, pass a `seed` (the same "
                         "one for both subsets) so that training and validation files do "
                         "not overlap.")


def _inferred(labels):
    return isinstance(labels, str) and labels == "inferred"


def check_labels_arg(labels, class_names, label_mode):
    """Raises ValueError for invalid `labels` / `class_names` / `label_mode` arguments."""
    if not _inferred(labels) and labels is not None and not isinstance(
            labels, (list, tuple, np.ndarray)):
        raise ValueError('`labels` must be "inferred", None (no labels), or a list / tuple of '
                         "integer labels, one per file in sorted path order; got "
                         f"labels={labels!r}.")
    if not _inferred(labels) and class_names is not None:
        if labels is None:
            raise ValueError("`class_names` cannot be given with `labels=None` (no labels).")
        raise ValueError("`class_names` can only be given with `labels='inferred'` (with a "
                         "list of labels the class names are the sorted distinct labels).")
    if label_mode not in LABEL_MODES:
        raise ValueError('`label_mode` must be "int", "categorical", "binary" or None; got '
                         f"label_mode={label_mode!r}.")


def _walk_files(directory, formats, follow_links):
    """The files under `directory` whose lower-cased names end with one of `formats`,
    folder by folder (sorted folder paths), names sorted within a folder."""
    walk = sorted(os.walk(directory, followlinks=follow_links), key=lambda entry: entry[0])
    for root, _dirs, files in walk:
        for name in sorted(files):
            if name.lower().endswith(formats):
                yield os.path.join(root, name)


def index_directory(directory, labels, formats, class_names=None, shuffle=True, seed=None,
                    follow_links=False, verbose=True):
    """Lists the files of a dataset folder.

    Args:
        directory: the folder.
        labels: "inferred" (one subfolder per class), None, or one integer label per file
            (in the sorted order of the paths).
        formats: a tuple of lower-case file extensions, e.g. `(".txt",)`.
        class_names: with "inferred", the subfolders to use, in the order that gives their
            indices (default: all visible subfolders, sorted).
        shuffle, seed: permute the list once with `np.random.RandomState(seed)`.
        follow_links: descend into symlinked folders.
        verbose: print "Found N files belonging to K classes." ("Found N files." without
            labels).

    Returns:
        `(file_paths, labels, class_names)`: labels an int32 array or None (no labels),
        class_names None without labels.
    """
    directory = os.fspath(directory)
    if _inferred(labels):
        subdirs = [d for d in sorted(os.listdir(directory))
                   if os.path.isdir(os.path.join(directory, d)) and not d.startswith(".")]
        if class_names is not None:
            class_names = list(class_names)
            if not set(class_names) <= set(subdirs):
                raise ValueError(f"`class_names` {class_names} do not match the subfolders of "
                                 f"{directory}: expected {subdirs} or a subset of it.")
            subdirs = class_names
        paths, ids = [], []
        for i, d in enumerate(subdirs):
            for path in _walk_files(os.path.join(directory, d), formats, follow_links):
                paths.append(path)
                ids.append(i)
        ids = np.asarray(ids, dtype="int32")
        names = list(subdirs)
    else:
        paths = list(_walk_files(directory, formats, follow_links))
        if labels is None:
            ids, names = None, None
        else:
            ids = list(labels.tolist() if isinstance(labels, np.ndarray) else labels)
            if len(ids) != len(paths):
                raise ValueError(f"Expected one label per file: got {len(ids)} labels for "
                                 f"{len(paths)} files in {directory}.")
            names = [str(v) for v in sorted(set(ids))]
    if verbose:
        if ids is None:
            print_msg(f"Found {len(paths)} files.")
        else:
            print_msg(f"Found {len(paths)} files belonging to {len(names)} classes.")
    if shuffle:
        if seed is None:
            seed = np.random.randint(1e6)
        # RandomState.shuffle draws the same swaps for a list as for an array
        order = np.arange(len(paths))
        np.random.RandomState(seed).shuffle(order)
        paths = [paths[i] for i in order]
        if ids is not None:
            ids = [ids[i] for i in order] if isinstance(ids, list) else ids[order]
    return paths, ids, names


def get_training_or_validation_split(samples, labels, validation_split, subset):
    """The training part (all but the last `int(validation_split * n)` samples) or the
    validation part (those last ones) of `samples` and `labels`; everything without
    `validation_split`. Prints "Using N files for training." / "... for validation."."""
    if not validation_split:
        return samples, labels
    n_val = int(validation_split * len(samples))
    cut = len(samples) - n_val
    if subset == "training":
        print_msg(f"Using {cut} files for training.")
        return samples[:cut], None if labels is None else labels[:cut]
    if subset == "validation":
        print_msg(f"Using {n_val} files for validation.")
        return samples[cut:], None if labels is None else labels[cut:]
    raise ValueError(f'`subset` must be "training" or "validation"; got {subset!r}.')


def encode_labels(ids, label_mode, num_classes):
    """Integer labels as Keras gives them: "int" int32 (n,), "binary" float32 (n, 1),
    "categorical" one-hot float32 (n, num_classes)."""
    if label_mode == "int":
        return np.asarray(ids, dtype="int32")
    if label_mode == "binary":
        return np.asarray(ids, dtype="float32")[:, None]
    if label_mode == "categorical":
        ids = np.asarray(ids, dtype="int64")
        out = np.zeros((len(ids), num_classes), dtype="float32")
        ok = (ids >= 0) & (ids < num_classes)     # out-of-range labels: all zeros, as one_hot
        out[np.nonzero(ok)[0], ids[ok]] = 1.0
        return out
    raise ValueError('`label_mode` must be "int", "categorical", "binary" or None; got '
                     f"{label_mode!r}.")


# ---------------------------------------------------------------------------------------------
# text_dataset_from_directory
# ---------------------------------------------------------------------------------------------
def text_dataset_from_directory(directory, labels="inferred", label_mode="int",
                                class_names=None, batch_size=32, max_length=None, shuffle=True,
                                seed=None, validation_split=None, subset=None,
                                follow_links=False, verbose=True):
    """A `tf.data.Dataset` of texts (and labels) from a folder of `.txt` files.

    With `labels="inferred"`, `directory` holds one subfolder per class (sorted names give
    the class indices; `class_names` picks a subset / order); files are found recursively and
    hidden subfolders are skipped. Each element is the file's contents as a string (bytes),
    cut to its first `max_length` bytes if given; labels are "int" (int32), "categorical"
    (one-hot float32), "binary" (float32, shape (1,), exactly 2 classes) or None (texts only;
    also when `labels=None`). Elements are batched by `batch_size` (None: no batching).

    `shuffle` permutes the file list once with `seed` and then shuffles the (path, label)
    pairs with a buffer of `8 * batch_size` on every iteration. With `validation_split`,
    `subset` "training" / "validation" takes the first / last part of the shuffled list
    (same `seed` for both), and "both" returns the pair `[training, validation]` (the
    validation dataset is not reshuffled). The dataset's `class_names` attribute holds the
    class names (None without labels).

    Example:
        >>> ds = text_dataset_from_directory("aclImdb/train", batch_size=32, seed=42,
        ...                                  validation_split=0.2, subset="training")
        ... # doctest: +SKIP
    """
    check_labels_arg(labels, class_names, label_mode)
    if labels is None or label_mode is None:
        labels = label_mode = None
    check_validation_split_arg(validation_split, subset, shuffle, seed)
    if seed is None:
        seed = np.random.randint(1e6)
    paths, ids, names = index_directory(directory, labels, (".txt",), class_names=class_names,
                                        shuffle=shuffle, seed=seed, follow_links=follow_links,
                                        verbose=verbose)
    if label_mode == "binary" and len(names) != 2:
        raise ValueError('label_mode="binary" needs exactly 2 classes; got class_names='
                         f"{names}.")
    buffer = batch_size * 8 if batch_size is not None else 1024
    common = {"label_mode": label_mode, "num_classes": len(names) if names else 0,
              "max_length": max_length, "batch_size": batch_size, "class_names": names}
    if subset == "both":
        train = get_training_or_validation_split(paths, ids, validation_split, "training")
        val = get_training_or_validation_split(paths, ids, validation_split, "validation")
        for part, what in ((train, "training"), (val, "validation")):
            if not part[0]:
                raise ValueError(f"No {what} text files found in directory {directory}. "
                                 "Allowed format: .txt")
        return [_text_dataset(*train, shuffle=shuffle, buffer=buffer, seed=seed, **common),
                _text_dataset(*val, shuffle=False, buffer=buffer, seed=seed, **common)]
    paths, ids = get_training_or_validation_split(paths, ids, validation_split, subset)
    if not paths:
        raise ValueError(f"No text files found in directory {directory}. Allowed format: .txt")
    return _text_dataset(paths, ids, shuffle=shuffle, buffer=buffer, seed=seed, **common)


def _read_text(path, max_length):
    """The bytes of the file at `path` (a scalar string tensor), cut to `max_length` bytes."""
    from ...io import read_file
    data = read_file(path)
    if max_length is None:
        return data
    from ...core.tensor import _wrap
    return _wrap(np.array(data.numpy()[:max(int(max_length), 0)], dtype=object))


def _text_dataset(paths, ids, label_mode, num_classes, max_length, batch_size, class_names,
                  shuffle, buffer, seed):
    from ... import data as tf_data
    path_array = np.array([p.encode("utf-8") for p in paths], dtype=object)
    if label_mode is None:
        ds = tf_data.Dataset.from_tensor_slices(path_array)
    else:
        y = encode_labels(ids, label_mode, num_classes)
        ds = tf_data.Dataset.from_tensor_slices((path_array, y))
    if shuffle:
        ds = ds.shuffle(buffer_size=buffer, seed=seed)

    def read_text_file(path, *label):
        text = _read_text(path, max_length)
        return (text, *label) if label else text

    ds = ds.map(read_text_file)
    if batch_size is not None:
        ds = ds.batch(batch_size)
    ds.class_names = class_names
    return ds


# ---------------------------------------------------------------------------------------------
# timeseries_dataset_from_array
# ---------------------------------------------------------------------------------------------
def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1,
                                  sampling_rate=1, batch_size=128, shuffle=False, seed=None,
                                  start_index=None, end_index=None):
    """A `tf.data.Dataset` of sliding windows over the rows of `data`.

    Window i is `data[s + start_index + k * sampling_rate]` for `k < sequence_length`, where
    `s = i * sequence_stride` runs over the start positions that keep the window inside
    `data[start_index:end_index]`; its target is `targets[start_index + s]` (so with
    `targets=data[sequence_length:]` each window is paired with the row after it).
    `targets=None` gives windows only. There are at most `len(targets)` windows. Windows keep
    `data`'s dtype and are batched by `batch_size` (None: single windows).

    `shuffle` permutes the start positions with `np.random.RandomState(seed)` (as Keras
    does) and shuffles the windows with a buffer of `8 * batch_size` (1024 without batching)
    on every iteration.

    Example:
        >>> import numpy as np
        >>> ds = timeseries_dataset_from_array(np.arange(10), None, sequence_length=3,
        ...                                    sequence_stride=3, batch_size=2)
        >>> [b.numpy().tolist() for b in ds]
        [[[0, 1, 2], [3, 4, 5]], [[6, 7, 8]]]
    """
    if hasattr(data, "numpy"):
        data = data.numpy()
    n = len(data)
    if start_index:
        if start_index < 0:
            raise ValueError(f"`start_index` must be 0 or greater; got start_index="
                             f"{start_index}.")
        if start_index >= n:
            raise ValueError(f"`start_index` must be lower than the length of the data "
                             f"({n}); got start_index={start_index}.")
    if end_index:
        if start_index and end_index <= start_index:
            raise ValueError(f"`end_index` must be higher than `start_index`; got "
                             f"start_index={start_index}, end_index={end_index}.")
        if end_index >= n:
            raise ValueError(f"`end_index` must be lower than the length of the data ({n}); "
                             f"got end_index={end_index}.")
        if end_index <= 0:
            raise ValueError(f"`end_index` must be higher than 0; got end_index={end_index}.")
    for value, what in ((sampling_rate, "sampling_rate"), (sequence_stride, "sequence_stride")):
        if value <= 0:
            raise ValueError(f"`{what}` must be higher than 0; got {what}={value}.")
        if value >= n:
            raise ValueError(f"`{what}` must be lower than the length of the data ({n}); got "
                             f"{what}={value}.")
    start = 0 if start_index is None else int(start_index)
    end = n if end_index is None else int(end_index)
    num_seqs = end - start - (sequence_length - 1) * sampling_rate
    if targets is not None:
        if hasattr(targets, "numpy"):
            targets = targets.numpy()
        num_seqs = min(num_seqs, len(targets))
    positions = np.arange(0, max(num_seqs, 0), sequence_stride, dtype=np.int64)
    if shuffle:
        if seed is None:
            seed = np.random.randint(1e6)
        np.random.RandomState(seed).shuffle(positions)
    return _windows_dataset(data, targets, positions, start, end, int(sequence_length),
                            int(sampling_rate), batch_size, shuffle, seed)


def _windows_dataset(data, targets, positions, start, end, sequence_length, sampling_rate,
                     batch_size, shuffle, seed):
    from ... import data as tf_data
    from ...graph.function import TensorSpec
    rows = np.asarray(data)[start:end]
    offsets = np.arange(sequence_length, dtype=np.int64) * sampling_rate
    window_spec = TensorSpec([None, *rows.shape[1:]], _dtype_of(rows))
    if targets is None:
        def windows():
            for p in positions:
                yield rows[p + offsets]
        signature = window_spec
    else:
        target_rows = np.asarray(targets)[start:]

        def windows():
            for p in positions:
                yield rows[p + offsets], target_rows[p]
        signature = (window_spec, TensorSpec(target_rows.shape[1:], _dtype_of(target_rows)))
    ds = tf_data.Dataset.from_generator(windows, output_signature=signature)
    ds = ds.assert_cardinality(len(positions))
    if shuffle:
        ds = ds.shuffle(buffer_size=batch_size * 8 if batch_size is not None else 1024,
                        seed=seed)
    if batch_size is not None:
        ds = ds.batch(batch_size)
    return ds


def _dtype_of(array):
    from ... import dtypes
    if array.dtype.kind in "OUS":
        return dtypes.string
    return dtypes.as_dtype(array.dtype)
