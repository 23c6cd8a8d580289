"""`keras.datasets.boston_housing`: 506 houses, 13 attributes, median values (regression)."""

import numpy as np

from . import _files

RESOURCE = _files.Resource(
    "boston_housing.npz", _files.KERAS_ORIGIN + "boston_housing.npz",
    "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5",
    loader="boston_housing.load_data")


def load_data(path="boston_housing.npz", test_split=0.2, seed=113):
    """Loads the Boston housing data, shuffled with `seed` and split.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: float64 arrays (404 / 102 rows by default).
    """
    if not 0 <= test_split < 1:
        raise ValueError(f"test_split must be between 0 and 1; got {test_split}.")
    fpath, _ = _files.locate(RESOURCE, path, "boston_housing.npz")
    with np.load(fpath, allow_pickle=False) as f:
        arrays = {k: f[k] for k in ("x", "y") if k in f}
    _files.check_arrays(fpath, arrays, {"x": ((None, 13), None), "y": ((None,), None)})
    x, y = arrays["x"], arrays["y"]
    rng = np.random.RandomState(seed)
    order = np.arange(len(x))
    rng.shuffle(order)
    x, y = x[order], y[order]
    split = int(len(x) * (1 - test_split))
    return (np.array(x[:split]), np.array(y[:split])), (np.array(x[split:]),
                                                        np.array(y[split:]))
