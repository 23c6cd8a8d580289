"""The base of Keras's stateful preprocessing layers: `adapt` computes a layer's state
(vocabulary, mean and variance, bin boundaries) from data before training.

A subclass implements three hooks, all working on host NumPy arrays:

* `reset_state()` clears whatever an earlier `adapt` accumulated;
* `update_state(batch)` folds one batch into the running state;
* `finalize_state()` turns the running state into the layer's lookup tables or weights.

`adapt(data, batch_size=None, steps=None)` accepts what Keras accepts: a NumPy array, a Python
list, a Tensor, or a `tf.data.Dataset` (batched or not; each element is one `update_state`
call). Arrays are fed in batches of `batch_size` (all at once when it is None).
"""

import itertools

import numpy as np

from ...core.tensor import Tensor
from ..engine.base_layer import Layer


def _host(x):
    """A Tensor, Variable, array or list as a host NumPy array (strings as bytes objects)."""
    if isinstance(x, Tensor) or hasattr(x, "_is_variable"):
        x = x.numpy()
    arr = np.asarray(x)
    if hasattr(arr, "get"):  # a CuPy array
        arr = arr.get()
    if arr.dtype.kind in "US":
        arr = np.array([s.encode("utf-8") if isinstance(s, str) else s
                        for s in arr.reshape(-1).tolist()], dtype=object).reshape(arr.shape)
    return arr


class PreprocessingLayer(Layer):
    """A layer whose state comes from `adapt(data)`; see the module docstring."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._is_adapted = False

    @property
    def is_adapted(self):
        """Whether `adapt` has run (or the state was given in the constructor)."""
        return self._is_adapted

    def reset_state(self):
        """Clears the accumulated adapt state."""

    def update_state(self, data):
        raise NotImplementedError(f"{type(self).__name__} cannot be adapted.")

    def finalize_state(self):
        """Turns the accumulated state into the layer's tables or weights."""

    def adapt(self, data, batch_size=None, steps=None):
        """Computes the layer's state from `data`.

        Args:
            data: a NumPy array, list, Tensor or `tf.data.Dataset`.
            batch_size: for arrays, how many rows each `update_state` call sees.
            steps: the number of batches (Dataset elements) to read; all when None.
        """
        from ...data.dataset_ops import DatasetV2
        self.reset_state()
        if isinstance(data, DatasetV2):
            if batch_size is not None:
                raise ValueError(f"{type(self).__name__}.adapt: batch_size cannot be given "
                                 "with a Dataset; batch the dataset instead.")
            batches = (_first(el) for el in data)
        else:
            arr = _host(data)
            if arr.ndim == 0:
                raise ValueError(f"{type(self).__name__}.adapt expects a batch of data; got a "
                                 f"scalar {arr!r}.")
            if batch_size is None:
                batches = iter([arr])
            else:
                batches = (arr[i:i + int(batch_size)] for i in range(0, len(arr), int(batch_size)))
        if steps is not None:
            batches = itertools.islice(batches, int(steps))
        seen = False
        for batch in batches:
            self.update_state(_host(batch))
            seen = True
        if not seen:
            raise ValueError(f"{type(self).__name__}.adapt received no data.")
        self.finalize_state()
        self._is_adapted = True


def _first(element):
    """A Dataset element `(x, y)` or `(x,)` adapts on `x`, as Keras does."""
    if isinstance(element, tuple):
        return element[0]
    return element
