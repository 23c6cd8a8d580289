"""`keras.preprocessing.sequence`: `pad_sequences`."""

import numpy as np

__all__ = ["pad_sequences"]


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre",
                  value=0.0):
    """Pads (and truncates) sequences to one length, as a 2-D (or more) NumPy array.

    Args:
        sequences: a list of sequences (lists or arrays; items may themselves be arrays of
            one shape).
        maxlen: the output length (default: the longest sequence).
        dtype: the output dtype (default int32; string dtypes need a string `value`).
        padding: "pre" (default) or "post": where the padding goes.
        truncating: "pre" (default) or "post": which end of longer sequences is cut.
        value: the padding value.

    Returns:
        An array of shape `(len(sequences), maxlen) + item_shape`.

    Example:
        >>> pad_sequences([[1, 2, 3], [4]], maxlen=2).tolist()
        [[2, 3], [0, 4]]
    """
    if not hasattr(sequences, "__len__"):
        raise ValueError("`sequences` must be iterable.")
    if padding not in ("pre", "post"):
        raise ValueError(f'Padding type "{padding}" not understood')
    if truncating not in ("pre", "post"):
        raise ValueError(f'Truncating type "{truncating}" not understood')
    num = len(sequences)
    lengths = []
    item_shape = ()
    found_shape = False
    for s in sequences:
        try:
            lengths.append(len(s))
        except TypeError as e:
            raise ValueError("`sequences` must be a list of iterables. Found non-iterable: "
                             f"{s!r}") from e
        if not found_shape and len(s):
            item_shape = np.asarray(s).shape[1:]
            found_shape = True
    if maxlen is None:
        maxlen = max(lengths) if lengths else 0
    maxlen = int(maxlen)
    np_dtype = np.dtype(dtype) if not isinstance(dtype, str) or dtype not in ("str", "object") \
        else np.dtype(object)
    is_str = np_dtype.kind in "USO"
    if isinstance(value, str) and not is_str and np_dtype != object:
        raise ValueError(f"`dtype` {dtype} is not compatible with `value`'s type: "
                         f"{type(value)}\nYou should set `dtype=object` for variable length "
                         "strings.")
    x = np.full((num, maxlen) + tuple(item_shape), value, dtype=np_dtype)
    for i, s in enumerate(sequences):
        if not len(s) or maxlen == 0:
            continue
        trunc = s[-maxlen:] if truncating == "pre" else s[:maxlen]
        trunc = np.asarray(trunc, dtype=np_dtype)
        if trunc.shape[1:] != tuple(item_shape):
            raise ValueError(f"Shape of sample {trunc.shape[1:]} of sequence at position {i} "
                             f"is different from expected shape {tuple(item_shape)}")
        if padding == "post":
            x[i, :len(trunc)] = trunc
        else:
            x[i, maxlen - len(trunc):] = trunc
    return x
