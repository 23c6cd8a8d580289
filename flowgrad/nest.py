"""`flowgrad.nest`: flatten and rebuild nested structures (lists, tuples, namedtuples, dicts),
as `tf.nest` does. Dicts are flattened in sorted-key order, as TensorFlow does."""

__all__ = ["flatten", "pack_sequence_as", "map_structure", "is_nested", "assert_same_structure"]


def is_nested(x):
    return isinstance(x, (list, tuple, dict))


def flatten(structure, expand_composites=False):
    """Returns the leaves of `structure` in order; a non-nested value gives `[value]`."""
    out = []
    _flatten(structure, out)
    return out


def _flatten(s, out):
    if isinstance(s, dict):
        for k in _sorted_keys(s):
            _flatten(s[k], out)
    elif isinstance(s, (list, tuple)):
        for x in s:
            _flatten(x, out)
    else:
        out.append(s)


def _sorted_keys(d):
    try:
        return sorted(d)
    except TypeError:
        return list(d)


def pack_sequence_as(structure, flat_sequence, expand_composites=False):
    """Rebuilds `structure` with its leaves replaced, in order, by `flat_sequence`."""
    it = iter(flat_sequence)
    result = _pack(structure, it)
    rest = list(it)
    if rest:
        raise ValueError(f"pack_sequence_as: {len(rest)} values were left over; the structure "
                         f"has fewer leaves than the flat sequence.")
    return result


def _pack(s, it):
    if isinstance(s, dict):
        vals = {k: _pack(s[k], it) for k in _sorted_keys(s)}
        return type(s)((k, vals[k]) for k in s) if type(s) is not dict else {k: vals[k] for k in s}
    if isinstance(s, (list, tuple)):
        items = [_pack(x, it) for x in s]
        if isinstance(s, tuple) and hasattr(s, "_fields"):
            return type(s)(*items)
        return type(s)(items)
    try:
        return next(it)
    except StopIteration:
        raise ValueError("pack_sequence_as: the flat sequence has fewer values than the "
                         "structure has leaves.") from None


def map_structure(func, *structures, **kwargs):
    """Applies `func` leaf-wise across structures of the same shape."""
    if not structures:
        raise ValueError("map_structure needs at least one structure.")
    for s in structures[1:]:
        assert_same_structure(structures[0], s)
    flats = [flatten(s) for s in structures]
    return pack_sequence_as(structures[0], [func(*xs) for xs in zip(*flats)])


def assert_same_structure(nest1, nest2, check_types=True, expand_composites=False):
    def shape(s):
        if isinstance(s, dict):
            return ("dict", tuple((k, shape(s[k])) for k in _sorted_keys(s)))
        if isinstance(s, (list, tuple)):
            return (type(s).__name__ if check_types else "seq", tuple(shape(x) for x in s))
        return "."
    if shape(nest1) != shape(nest2):
        raise ValueError(f"The two structures don't have the same nested structure.\n\n"
                         f"First structure: {nest1!r}\n\nSecond structure: {nest2!r}")
