"""Model and training visualization: `model_to_dot`, `plot_model`, `plot_function`,
`plot_history`.

* `model_to_dot` writes Graphviz DOT text itself (no `pydot` needed): one box per layer, one
  edge per connection between layers of the model's graph. The result is a `DotGraph`, a `str`
  with a few pydot-like methods (`to_string`, `create`, `write`).
* Rendering DOT to PNG / SVG / PDF needs Graphviz's `dot` program on the PATH (Graphviz is not
  a Python package: `apt-get install graphviz`, `brew install graphviz`, `conda install
  graphviz`). Without it, rendering raises `GraphvizNotFoundError` (an `ImportError` and a
  `RuntimeError`); writing `.dot` / `.gv` files always works.
* `plot_history` draws loss / metric curves with matplotlib (`pip install flowgrad[viz]`).
"""

import os
import shutil
import subprocess

__all__ = ["DotGraph", "GraphvizNotFoundError", "model_to_dot", "plot_function", "plot_history",
           "plot_model"]

_TEXT_FORMATS = {"dot", "gv"}
_NODE_STYLE = {"shape": "box", "style": "rounded,filled", "fillcolor": "#eef3fb",
               "fontname": "Helvetica"}


class GraphvizNotFoundError(ImportError, RuntimeError):
    """Graphviz's `dot` program is needed (to render PNG / SVG / ...) and is not installed."""


def _find_dot():
    exe = shutil.which("dot")
    if exe is None:
        raise GraphvizNotFoundError(
            "Rendering a graph to an image needs Graphviz's `dot` program, which was not found "
            "on the PATH. Install Graphviz (e.g. `apt-get install graphviz`, `brew install "
            "graphviz` or `conda install graphviz`; see https://graphviz.org/download/), or "
            "write DOT text instead (`to_file='model.dot'`).")
    return exe


class DotGraph(str):
    """Graphviz DOT text, with pydot-like helpers.

    Example:
        >>> g = DotGraph('digraph "g" {\\n  a -> b;\\n}')
        >>> g.to_string().startswith("digraph")
        True
    """

    __slots__ = ()

    def to_string(self):
        return str(self)

    def create(self, prog="dot", format="png"):
        """Renders with Graphviz (`prog`: dot, neato, ...); returns the bytes of `format`."""
        if format in _TEXT_FORMATS:
            return str(self).encode("utf-8")
        exe = _find_dot() if prog == "dot" else shutil.which(prog)
        if exe is None:
            raise GraphvizNotFoundError(f"Graphviz's `{prog}` program was not found on the PATH; "
                                        "install Graphviz (https://graphviz.org/download/).")
        proc = subprocess.run([exe, f"-T{format}"], input=str(self).encode("utf-8"),
                              capture_output=True, check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"Graphviz `{prog} -T{format}` failed: "
                               f"{proc.stderr.decode('utf-8', 'replace').strip()}")
        return proc.stdout

    def write(self, path, format=None, prog="dot"):
        """Writes DOT text (`.dot` / `.gv`) or a rendered image (format from the extension)."""
        path = os.fspath(path)
        fmt = format or (os.path.splitext(path)[1][1:].lower() or "png")
        data = self.create(prog=prog, format=fmt)  # render first: no empty file on failure
        with open(path, "wb") as f:
            f.write(data)
        return path

    def to_pydot(self):
        """The same graph as a `pydot.Dot` (needs `pydot`)."""
        try:
            import pydot
        except ImportError as e:
            raise ImportError("DotGraph.to_pydot needs pydot: `pip install pydot` "
                              "(or `pip install flowgrad[viz]`).") from e
        return pydot.graph_from_dot_data(str(self))[0]


# ---------------------------------------------------------------------------------------------
# DOT text
# ---------------------------------------------------------------------------------------------
def _quote(s):
    s = str(s).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{s}"'


def _attrs(d):
    return ", ".join(f"{k}={_quote(v)}" for k, v in d.items())


def _shape_text(tensors):
    def one(t):
        shape = t.shape
        if shape.rank is None:
            return "?"
        return str(tuple(shape.as_list()))
    if not tensors:
        return "?"
    if len(tensors) == 1:
        return one(tensors[0])
    return "[" + ", ".join(one(t) for t in tensors) + "]"


def _activation_name(layer):
    act = getattr(layer, "activation", None)
    if act is None or isinstance(act, str):
        return act
    name = getattr(act, "__name__", None)
    if name is None:
        name = type(act).__name__
    return name


def _is_graph_model(layer):
    return bool(getattr(layer, "_is_graph_network", False)) and \
        getattr(layer, "_graph", None) is not None


def _graph_nodes(model):
    """The layers of a graph model (input layers included) and its node list."""
    graph = model._graph
    nodes = [t.node for t in graph.inputs] + list(graph.nodes)
    return list(graph.layers), nodes, graph.node_ids


class _Builder:
    def __init__(self, show_shapes, show_dtype, show_layer_names, show_layer_activations,
                 show_trainable, expand_nested):
        self.show_shapes = show_shapes
        self.show_dtype = show_dtype
        self.show_layer_names = show_layer_names
        self.show_activations = show_layer_activations
        self.show_trainable = show_trainable
        self.expand_nested = expand_nested
        self.lines = []
        self.edges = []
        self.seen_edges = set()

    def label(self, layer, in_nodes):
        cls = type(layer).__name__
        lines = [f"{layer.name} ({cls})" if self.show_layer_names else cls]
        if self.show_activations:
            act = _activation_name(layer)
            if act is not None:
                lines.append(f"activation: {act}")
        if self.show_trainable:
            lines.append(f"trainable: {bool(layer.trainable)}")
        if self.show_shapes or self.show_dtype:
            if len(in_nodes) == 1:
                node = in_nodes[0]
                outs = node.output_tensors
                ins = node.input_tensors or outs  # an InputLayer: its own tensor
            else:
                ins = outs = None
            if self.show_dtype:
                lines.append("dtype: " + (", ".join(t.dtype.name for t in outs)
                                          if outs else "multiple"))
            if self.show_shapes:
                lines.append("input: " + (_shape_text(ins) if ins is not None else "multiple"))
                lines.append("output: " + (_shape_text(outs) if outs is not None
                                           else "multiple"))
        return "\n".join(lines)

    def add_model(self, model, prefix, indent):
        """Adds the model's layers; returns {id(layer): (entry node ids, exit node ids)}."""
        layers, nodes, node_ids = _graph_nodes(model)
        nodes_of = {id(lay): [] for lay in layers}
        for n in nodes:
            if id(n.layer) in nodes_of and n not in nodes_of[id(n.layer)]:
                nodes_of[id(n.layer)].append(n)
        ends = {}
        pad = "  " * indent
        for layer in layers:
            key = prefix + layer.name
            if self.expand_nested and _is_graph_model(layer):
                self.lines.append(f"{pad}subgraph {_quote('cluster_' + key)} {{")
                self.lines.append(
                    f"{pad}  graph [{_attrs({'label': layer.name, 'style': 'dashed'})}];")
                inner = self.add_model(layer, key + "/", indent + 1)
                self.lines.append(f"{pad}}}")
                # one entry per model input, one exit per model output, in order
                entry = [inner[id(t.node.layer)][0][0] for t in layer._graph.inputs]
                exit_ = []
                for t in layer._graph.outputs:
                    src_layer, _, k = t._keras_history
                    outs = inner[id(src_layer)][1]
                    exit_.append(outs[k] if len(outs) > 1 else outs[0])
                ends[id(layer)] = (entry, exit_)
            else:
                attrs = {"label": self.label(layer, nodes_of[id(layer)])}
                self.lines.append(f"{pad}{_quote(key)} [{_attrs(attrs)}];")
                ends[id(layer)] = ([key], [key])
        for n in nodes:
            if id(n) not in node_ids or not n.input_tensors:
                continue
            dst_ends = ends.get(id(n.layer))
            if dst_ends is None:
                continue
            for pos, t in enumerate(n.input_tensors):
                src_layer, _, tensor_index = t._keras_history
                src_ends = ends.get(id(src_layer))
                if src_ends is None:
                    continue
                src = src_ends[1][tensor_index] if len(src_ends[1]) > 1 else src_ends[1][0]
                dst = dst_ends[0][pos] if len(dst_ends[0]) > 1 else dst_ends[0][0]
                if (src, dst) not in self.seen_edges:
                    self.seen_edges.add((src, dst))
                    self.edges.append(f"  {_quote(src)} -> {_quote(dst)};")
        return ends


def model_to_dot(model, show_shapes=False, show_dtype=False, show_layer_names=True, rankdir="TB",
                 expand_nested=False, dpi=96, subgraph=False, show_layer_activations=False,
                 show_trainable=False, **kwargs):
    """The model's layer graph as Graphviz DOT text.

    Args:
        model: a Sequential or Functional model (a subclassed model, whose connectivity is only
            known inside `call`, becomes a single box).
        show_shapes: add each layer's input and output shapes.
        show_dtype: add each layer's output dtype.
        show_layer_names: label boxes `name (Class)` rather than `Class`.
        rankdir: "TB" (top to bottom), "LR", "BT" or "RL".
        expand_nested: draw nested Functional / Sequential models as dashed clusters of their
            own layers.
        dpi: the resolution Graphviz renders images at.
        subgraph: accepted for compatibility (nesting is done by `expand_nested`).
        show_layer_activations: add `activation: <name>` for layers with an activation.
        show_trainable: add `trainable: True/False`.

    Returns:
        a `DotGraph` (a `str` of DOT text with `create` / `write` / `to_pydot`). Node ids are
        layer names (`outer/inner` inside expanded nested models), one node per layer, and one
        edge per pair of connected layers.
    """
    if kwargs.pop("layer_range", None) is not None:
        raise NotImplementedError("model_to_dot: layer_range is not supported.")
    if kwargs:
        raise TypeError(f"model_to_dot got unexpected arguments: {sorted(kwargs)}")
    del subgraph
    if rankdir not in ("TB", "LR", "BT", "RL"):
        raise ValueError(f"rankdir must be one of 'TB', 'LR', 'BT', 'RL'; got {rankdir!r}.")
    if not getattr(model, "built", False):
        raise ValueError("This model has not yet been built. Build the model first by calling "
                         "`build()` or by calling the model on a batch of data.")
    b = _Builder(show_shapes, show_dtype, show_layer_names, show_layer_activations,
                 show_trainable, expand_nested)
    header = [f"digraph {_quote(model.name)} {{",
              f"  graph [{_attrs({'rankdir': rankdir, 'dpi': dpi, 'fontname': 'Helvetica'})}];",
              f"  node [{_attrs(_NODE_STYLE)}];"]
    if _is_graph_model(model):
        b.add_model(model, "", 1)
    else:
        # A subclassed model (a single box), or a Sequential model built eagerly (a chain).
        from ..engine.sequential import Sequential
        chain = list(model.layers) if isinstance(model, Sequential) else [model]
        prev = None
        for layer in chain:
            cls = type(layer).__name__
            attrs = {"label": f"{layer.name} ({cls})" if show_layer_names else cls}
            b.lines.append(f"  {_quote(layer.name)} [{_attrs(attrs)}];")
            if prev is not None:
                b.edges.append(f"  {_quote(prev)} -> {_quote(layer.name)};")
            prev = layer.name
    return DotGraph("\n".join(header + b.lines + b.edges + ["}"]) + "\n")


def _write(dot, to_file):
    to_file = os.fspath(to_file)
    ext = os.path.splitext(to_file)[1][1:].lower()
    if not ext:
        ext = "png"
        to_file += ".png"
    dot.write(to_file, format=ext)
    if ext in ("png", "jpg", "jpeg", "gif"):
        try:
            from IPython import display
        except ImportError:
            return None
        return display.Image(filename=to_file)
    return None


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False,
               show_layer_names=True, rankdir="TB", expand_nested=False, dpi=96,
               show_layer_activations=False, show_trainable=False, **kwargs):
    """Draws the model's layer graph to `to_file`.

    `.dot` / `.gv` files get the DOT text of `model_to_dot`; other extensions (`.png`, `.svg`,
    `.pdf`, ...) are rendered by Graphviz's `dot` program, which must be installed (else
    `GraphvizNotFoundError`, an ImportError, is raised and no file is written). Arguments as
    for `model_to_dot`.

    Returns:
        an `IPython.display.Image` for raster images when IPython is installed, else None.
    """
    dot = model_to_dot(model, show_shapes=show_shapes, show_dtype=show_dtype,
                       show_layer_names=show_layer_names, rankdir=rankdir,
                       expand_nested=expand_nested, dpi=dpi,
                       show_layer_activations=show_layer_activations,
                       show_trainable=show_trainable, **kwargs)
    return _write(dot, to_file)


def function_to_dot(fn, *args, rankdir="TB", **kwargs):
    """The op graph of a `flowgrad.function` (traced for `args` / `kwargs`), a
    `ConcreteFunction` or a `flowgrad.graph.ir.Graph`, as DOT text (`Graph.to_dot`)."""
    if hasattr(fn, "get_concrete_function"):
        fn = fn.get_concrete_function(*args, **kwargs)
    elif args or kwargs:
        raise TypeError("Arguments are only used to trace a flowgrad.function.")
    graph = getattr(fn, "graph", fn)
    if not hasattr(graph, "to_dot"):
        raise TypeError(f"Expected a flowgrad.function, a ConcreteFunction or a Graph; got "
                        f"{type(fn).__name__}.")
    if rankdir not in ("TB", "LR", "BT", "RL"):
        raise ValueError(f"rankdir must be one of 'TB', 'LR', 'BT', 'RL'; got {rankdir!r}.")
    text = graph.to_dot().replace("rankdir=TB;", f"rankdir={rankdir};", 1)
    return DotGraph(text if text.endswith("\n") else text + "\n")


def plot_function(fn, *args, to_file="function.png", rankdir="TB", **kwargs):
    """Draws the op graph of a `flowgrad.function` traced for `args` / `kwargs` (or of a
    `ConcreteFunction` / `Graph`) to `to_file` (`.dot` text, or an image via Graphviz).

    Example:
        >>> import flowgrad as tf
        >>> f = tf.function(lambda x: tf.nn.relu(x) * 2.0)
        >>> plot_function(f, tf.constant([1.0, -1.0]), to_file="f.dot")  # doctest: +SKIP
    """
    return _write(function_to_dot(fn, *args, rankdir=rankdir, **kwargs), to_file)


# ---------------------------------------------------------------------------------------------
# Training curves
# ---------------------------------------------------------------------------------------------
def plot_history(history, metrics=None, to_file=None, figsize=None, dpi=100, title=None):
    """Plots the loss and metric curves of a `fit` run, with the validation curves.

    Args:
        history: the `History` that `fit` returns (or its `.history` dict).
        metrics: names to plot (default: every logged name without the `val_` prefix, the
            learning rate excepted); each gets its own panel with `name` and `val_name`.
        to_file: if given, the figure is saved there (format from the extension, e.g. PNG).
        figsize: the figure size in inches (default: 4.5 x 3.2 per panel).
        dpi: resolution of the saved image.
        title: a title over the panels.

    Returns:
        the matplotlib `Figure` (made without pyplot, so no window opens).

    Raises:
        ImportError: matplotlib is not installed.
        ValueError: no or unknown metrics.
    """
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as e:
        raise ImportError("plot_history needs matplotlib: `pip install matplotlib` (or "
                          "`pip install flowgrad[viz]`).") from e
    logs = getattr(history, "history", history)
    if not isinstance(logs, dict):
        raise TypeError(f"plot_history expects a History or a dict of lists; got "
                        f"{type(history).__name__}.")
    if metrics is None:
        metrics = [k for k in logs if not k.startswith("val_")
                   and k not in ("lr", "learning_rate")]
        metrics += [k[4:] for k in logs if k.startswith("val_") and k[4:] not in logs]
    elif isinstance(metrics, str):
        metrics = [metrics]
    metrics = list(metrics)
    if not metrics:
        raise ValueError("plot_history: the history holds no metrics.")
    for m in metrics:
        if m not in logs and "val_" + m not in logs:
            raise ValueError(f"plot_history: no metric {m!r} in the history; it has "
                             f"{sorted(logs)}.")
    n = len(metrics)
    cols = min(n, 3)
    rows = -(-n // cols)
    fig = Figure(figsize=figsize or (4.5 * cols, 3.2 * rows), dpi=dpi)
    FigureCanvasAgg(fig)
    epochs_attr = getattr(history, "epoch", None)
    for i, m in enumerate(metrics):
        ax = fig.add_subplot(rows, cols, i + 1)
        for key, style, label in ((m, "-o", "train"), ("val_" + m, "--s", "validation")):
            values = logs.get(key)
            if not values:
                continue
            ys = [float(v) for v in values]
            if epochs_attr is not None and len(epochs_attr) == len(ys):
                xs = [int(e) + 1 for e in epochs_attr]
            else:
                xs = list(range(1, len(ys) + 1))
            ax.plot(xs, ys, style, markersize=3, label=label)
        ax.set_title(m)
        ax.set_xlabel("epoch")
        ax.grid(True, alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    if to_file is not None:
        fig.savefig(os.fspath(to_file), dpi=dpi)
    return fig
