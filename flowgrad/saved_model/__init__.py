"""`tf.saved_model.save` / `load` in flowgrad's SavedModel-style directory format.

Keras models are stored as config + variables + the traced serving graph (see
`flowgrad/keras/saving/saved_model_dir.py`) and come back as Keras models that also carry
`signatures["serving_default"]`; when the model's classes are not available, as the serving
graph alone (`GraphModel`: call, predict, signatures; no training). Other objects
(plain Python objects holding Variables, optimizers, layers) are stored as a checkpoint of their
variables: `load` returns an object tree of those variables; their Python methods and
`tf.function`s are not stored, so a non-Keras object has no callable functions after loading.

TensorFlow's protobuf SavedModels (`saved_model.pb`) are not readable here, and TensorFlow
cannot read these directories.
"""

import json
import os

SERVING_DEFAULT = "serving_default"
DEFAULT_SERVING_SIGNATURE_DEF_KEY = SERVING_DEFAULT


class SaveOptions:
    """Accepted for compatibility; no option changes what is written."""

    def __init__(self, namespace_whitelist=None, save_debug_info=False, function_aliases=None,
                 experimental_io_device=None, experimental_variable_policy=None, **kwargs):
        self.namespace_whitelist = namespace_whitelist
        self.function_aliases = function_aliases


class LoadOptions:
    """Accepted for compatibility."""

    def __init__(self, allow_partial_checkpoint=False, experimental_io_device=None, **kwargs):
        self.allow_partial_checkpoint = allow_partial_checkpoint


def _is_keras_model(obj):
    try:
        from ..keras.engine.model import Model
    except ImportError:
        return False
    return isinstance(obj, Model)


def _serving_fn(model):
    names = getattr(model, "output_names", None) or ["output_0"]

    def serving_default(*args, **kwargs):
        inputs = args[0] if len(args) == 1 else (list(args) if args else
                                                 next(iter(kwargs.values())))
        out = model(inputs, training=False)
        outs = out if isinstance(out, (list, tuple)) else [out]
        return {n: o for n, o in zip(names, outs)}
    return serving_default


def save(obj, export_dir, signatures=None, options=None):
    """Writes `obj` to the directory `export_dir` (replaced atomically if it exists)."""
    export_dir = os.fspath(export_dir)
    if _is_keras_model(obj):
        from ..keras.saving import saved_model_dir
        saved_model_dir.save(obj, export_dir)
        return
    import tempfile

    from ..keras.saving.saved_model_dir import FORMAT, MARKER, _write_dir
    from ..train.checkpoint import Checkpoint
    with tempfile.TemporaryDirectory() as tmp:
        prefix = os.path.join(tmp, "variables")
        Checkpoint(root=obj).write(prefix)
        files = {}
        for suffix in (".index", ".data-00000-of-00001"):
            with open(prefix + suffix, "rb") as f:
                files["variables/variables" + suffix] = f.read()
    meta = {"format": FORMAT, "version": 1, "kind": "checkpoint",
            "class_name": type(obj).__name__}
    files[MARKER] = json.dumps(meta).encode()
    _write_dir(export_dir, files)


class _Restored:
    """An object tree rebuilt from a saved checkpoint: attributes are Variables or more
    `_Restored` nodes."""

    def __init__(self):
        self.signatures = {}

    def __repr__(self):
        return f"<restored object with {sorted(k for k in vars(self) if k != 'signatures')}>"


def load(export_dir, tags=None, options=None):
    """Loads a directory written by `save`: a Keras model, or an object tree of Variables."""
    export_dir = os.fspath(export_dir)
    from ..keras.saving import saved_model_dir
    meta = saved_model_dir.read_meta(export_dir)
    if meta.get("kind") == "keras_model":
        model = saved_model_dir.load_model(export_dir, compile=False)
        if not hasattr(model, "_plan"):     # a Keras model (a GraphModel has its signatures)
            model.signatures = {SERVING_DEFAULT: _serving_fn(model)}
        return model
    from ..core.variable import Variable
    from ..train.checkpoint import _load
    store = _load(os.path.join(export_dir, "variables", "variables"))
    root = _Restored()
    for key, arr in sorted(store.items()):
        if key == "save_counter":
            continue
        parts = key.split("/")[1:] if key.startswith("root/") else key.split("/")
        node = root
        for p in parts[:-1]:
            nxt = getattr(node, p, None)
            if not isinstance(nxt, _Restored):
                nxt = _Restored()
                setattr(node, p, nxt)
            node = nxt
        setattr(node, parts[-1], Variable(arr, name=parts[-1]))
    return root


__all__ = ["DEFAULT_SERVING_SIGNATURE_DEF_KEY", "LoadOptions", "SaveOptions", "load", "save"]
