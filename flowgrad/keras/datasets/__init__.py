"""`keras.datasets`: the small datasets of Keras (MNIST, Fashion-MNIST, CIFAR-10/100, IMDB,
Reuters, Boston housing), each with a `load_data()` returning Keras's arrays and dtypes.

Files come from Keras's public URLs into `$FLOWGRAD_HOME/datasets` (default
`~/.flowgrad/datasets`), verified by sha256; Keras's own cache (`~/.keras/datasets`) is used
when it holds a verified copy. Offline, point `FLOWGRAD_DATASETS_DIR` at a directory holding the
files (checked by content, not by hash), or pass a file path: `mnist.load_data(path=...)`. See
`_files.py` for the exact search order.
"""

from . import boston_housing, cifar10, cifar100, fashion_mnist, imdb, mnist, reuters  # noqa: F401
