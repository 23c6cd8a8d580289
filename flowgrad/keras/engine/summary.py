"""`Model.summary()`: the layer table Keras prints.

The table has tf.keras 2's layout (a plain-text table 65 characters wide for sequential models,
98 with a "Connected to" column for other Functional models); the totals carry Keras 3's
memory sizes, e.g. `Total params: 101,770 (397.54 KB)`.
"""

import numpy as np

from ...core.tensor_shape import TensorShape


def readable_memory_size(num_bytes):
    """`407080` -> `"397.54 KB"` (powers of 1024, two decimals, as Keras prints)."""
    size = float(num_bytes)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size / 1024 < 1:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} PB"


def _weights_size(weights):
    count, nbytes = 0, 0
    seen = set()
    for v in weights:
        if id(v) in seen:
            continue
        seen.add(id(v))
        n = int(np.prod(v.shape.as_list())) if v.shape.rank else 1
        count += n
        nbytes += n * v.dtype.size
    return count, nbytes


def _shape_str(struct):
    """Keras' rendering of an output shape: `(None, 10)`, `[(None, 784)]`, ..."""
    if struct is None:
        return "?"
    if isinstance(struct, TensorShape):
        struct = tuple(struct.as_list()) if struct.rank is not None else None
    return str(struct)


def _output_shape(layer):
    try:
        shape = layer.output_shape
    except (AttributeError, RuntimeError, ValueError):
        return "multiple"
    if getattr(layer, "_is_input_layer", False):
        return str([shape])
    return _shape_str(shape)


def _wrap(text, width):
    """Splits `text` into pieces of at most `width` chars, preferring breaks after "', "."""
    if width <= 0:
        return [text]
    pieces = []
    while len(text) > width:
        cut = width
        for marker in ("', ", "), ", ", "):
            j = text.rfind(marker, 0, width)
            if j > 0:
                cut = j + len(marker.rstrip())
                break
        pieces.append(text[:cut])
        text = text[cut:]
    pieces.append(text)
    return pieces


def _row(fields, positions, print_fn, level=0):
    """Prints one table row, wrapping long fields over several lines. Rows of a nested model
    (`level` > 0) are framed by `|` characters, as Keras prints them."""
    positions = list(positions)
    positions[-1] -= level
    columns = []
    for i, text in enumerate(fields):
        start = positions[i - 1] if i else level + 1
        space = 2 if i != len(positions) - 1 else 0
        columns.append(_wrap(str(text), positions[i] - start - space))
    height = max(len(c) for c in columns)
    for r in range(height):
        line = "|" * level + " "
        for i, col in enumerate(columns):
            line += col[r] if r < len(col) else ""
            line += " " * max(0, positions[i] - len(line))
        print_fn(line + "|" * level)


def _is_sequential_like(model):
    from .sequential import Sequential
    if isinstance(model, Sequential) or not getattr(model, "_is_graph_network", False):
        return True
    graph = model._graph
    by_depth = {}
    for node_id, d in graph.node_depth.items():
        by_depth.setdefault(d, []).append(node_id)
    nodes = {id(n): n for n in graph.nodes}
    for t in graph.inputs:
        nodes[id(t.node)] = t.node
    for d, ids in by_depth.items():
        if len(ids) > 1:
            return False
        node = nodes.get(ids[0])
        if node is not None and len(node.input_tensors) > 1:
            return False
    return True


def _connections(layer, model):
    graph = model._graph
    out = []
    for node in layer._inbound_nodes:
        if id(node) not in graph.node_ids:
            continue
        for inbound, ni, ti, _ in node.iterate_inbound():
            out.append(f"{inbound.name}[{ni}][{ti}]")
    return str(out)


def print_summary(model, line_length=None, positions=None, print_fn=None, expand_nested=False,
                  show_trainable=False, layer_range=None):
    """Prints `model`'s summary table line by line through `print_fn` (default `print`).

    Args:
        line_length: the table width (65 for sequential models, 98 otherwise).
        positions: the right edges of the columns, as fractions of `line_length` or as
            absolute positions.
        print_fn: called with each line (default `print`).
        expand_nested: also list the layers of nested models.
        show_trainable: add a "Trainable" column (Y / N).
        layer_range: `[first_layer_name, last_layer_name]` to print a part of the table.
    """
    if print_fn is None:
        print_fn = print
    if not model.built:
        raise ValueError(
            "This model has not yet been built. Build the model first by calling `build()` or "
            "by calling the model on a batch of data.")
    sequential_like = _is_sequential_like(model)
    if sequential_like:
        line_length = line_length or 65
        positions = list(positions or [0.45, 0.85, 1.0])
        headers = ["Layer (type)", "Output Shape", "Param #"]
    else:
        line_length = line_length or 98
        positions = list(positions or [0.3, 0.6, 0.7, 1.0])
        headers = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
    if positions[-1] <= 1:
        positions = [int(line_length * p) for p in positions]
    if show_trainable:
        line_length += 11
        positions.append(line_length)
        headers.append("Trainable")

    layers = list(model.layers)
    if layer_range is not None:
        if len(layer_range) != 2:
            raise ValueError(f"layer_range must be a list or tuple of length 2. Received: "
                             f"layer_range = {layer_range} of length {len(layer_range)}")
        names = [lay.name for lay in layers]
        lo = next((i for i, n in enumerate(names) if layer_range[0] in n), None)
        hi = next((i for i, n in reversed(list(enumerate(names))) if layer_range[1] in n), None)
        if lo is None or hi is None:
            raise ValueError(f"Passed layer_range does not match any layer name: {layer_range}")
        layers = layers[lo:hi + 1]

    print_fn(f'Model: "{model.name}"')
    print_fn("_" * line_length)
    _row(headers, positions, print_fn)
    print_fn("=" * line_length)

    def layer_fields(layer, owner):
        name = f"{layer.name} ({type(layer).__name__})"
        try:
            params = layer.count_params() if layer.built else 0
        except ValueError:
            params = 0
        fields = [name, _output_shape(layer), params]
        if not sequential_like:
            fields.append(_connections(layer, owner) if owner is not None else "")
        if show_trainable:
            fields.append("Y" if layer.trainable else "N")
        return fields

    def emit(layer_list, owner, level):
        for i, layer in enumerate(layer_list):
            _row(layer_fields(layer, owner), positions, print_fn, level)
            nested = expand_nested and getattr(layer, "_is_layer", False) and \
                hasattr(layer, "summary") and layer.built and layer.layers
            if nested:
                print_fn("|" * (level + 1) + "\u00af" * (line_length - 2 * level - 2)
                         + "|" * (level + 1))
                emit(list(layer.layers),
                     layer if getattr(layer, "_is_graph_network", False) else None, level + 1)
                print_fn("|" * level + "\u00af" * (line_length - 2 * level) + "|" * level)
            elif i != len(layer_list) - 1 or level == 0:
                print_fn("|" * level + " " * (line_length - 2 * level) + "|" * level)

    owner = model if getattr(model, "_is_graph_network", False) and not sequential_like \
        else None
    emit(layers, owner, 0)
    print_fn("=" * line_length)
    total_count, total_bytes = _weights_size(model.weights)
    tr_count, tr_bytes = _weights_size(model.trainable_weights)
    nt_count, nt_bytes = _weights_size(model.non_trainable_weights)
    print_fn(f"Total params: {total_count:,} ({readable_memory_size(total_bytes)})")
    print_fn(f"Trainable params: {tr_count:,} ({readable_memory_size(tr_bytes)})")
    print_fn(f"Non-trainable params: {nt_count:,} ({readable_memory_size(nt_bytes)})")
    print_fn("_" * line_length)
