"""`keras.utils.PyDataset` / `keras.utils.Sequence`: indexable batch sources for `fit`."""


class PyDataset:
    """A dataset that serves batches by index: subclass and define `__len__` and `__getitem__`.

    `fit`, `evaluate` and `predict` iterate over `range(len(ds))`, calling `ds[i]` for each
    batch, and call `on_epoch_end()` after every epoch (shuffle there if needed). A batch is
    `x`, `(x, y)` or `(x, y, sample_weight)`.

    Args:
        workers, use_multiprocessing, max_queue_size: accepted for compatibility; batches are
            produced in the calling thread.

    Example:
        >>> import numpy as np
        >>> class Squares(PyDataset):
        ...     def __len__(self):
        ...         return 3
        ...     def __getitem__(self, i):
        ...         x = np.full((4, 1), float(i))
        ...         return x, x ** 2
        >>> [y.ravel().tolist()[0] for _, y in Squares()]
        [0.0, 1.0, 4.0]
    """

    workers = 1
    use_multiprocessing = False
    max_queue_size = 10

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self.workers = workers
        self.use_multiprocessing = use_multiprocessing
        self.max_queue_size = max_queue_size

    def __getitem__(self, index):
        """Returns batch number `index`."""
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__.")

    def __len__(self):
        """Returns the number of batches in an epoch."""
        raise NotImplementedError(f"{type(self).__name__} must define __len__.")

    @property
    def num_batches(self):
        """The number of batches in an epoch (`len(self)`), or None when unknown."""
        try:
            return len(self)
        except NotImplementedError:
            return None

    def on_epoch_begin(self):
        """Called before each epoch."""

    def on_epoch_end(self):
        """Called after each epoch."""

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]


# tf.keras 2 name of the same interface.
Sequence = PyDataset


def unpack_x_y_sample_weight(data):
    """Splits a batch into `(x, y, sample_weight)`.

    A tuple (or list) of length 1, 2 or 3 is `(x,)`, `(x, y)` or `(x, y, sample_weight)`; any
    other value is `x` alone. Missing parts are None.

    Example:
        >>> unpack_x_y_sample_weight((1, 2))
        (1, 2, None)
        >>> unpack_x_y_sample_weight(5)
        (5, None, None)
    """
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    n = len(data)
    if n == 1:
        return data[0], None, None
    if n == 2:
        return data[0], data[1], None
    if n == 3:
        return data[0], data[1], data[2]
    raise ValueError("Data is expected to be in the format `x`, `(x,)`, `(x, y)`, or "
                     f"`(x, y, sample_weight)`; got a tuple of length {n}.")


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """The inverse of `unpack_x_y_sample_weight`: `(x, y, sample_weight)` without the trailing
    Nones; `x` alone (or `(x,)` when `x` is a tuple or list) when only `x` is given.

    Example:
        >>> pack_x_y_sample_weight(1, 2)
        (1, 2)
    """
    if y is None:
        if isinstance(x, (tuple, list)):
            return (x,)
        return x
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)
