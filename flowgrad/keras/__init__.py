"""`tf.keras`: layers, models, training, losses, metrics, optimizers and callbacks.

Submodules load on first attribute access, so `import flowgrad` stays fast.
"""

import importlib

_SUBMODULES = {
    "activations", "backend", "callbacks", "constraints", "datasets", "initializers", "layers",
    "losses", "metrics", "models", "optimizers", "regularizers", "utils", "saving",
    "applications", "preprocessing", "mixed_precision",
}

# Names re-exported at the top of tf.keras, mapped to the submodule defining them.
_TOP_LEVEL = {
    "Sequential": "models", "Model": "models", "Input": "layers",
}


def __getattr__(name):
    if name in _SUBMODULES:
        mod = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = mod
        return mod
    if name in _TOP_LEVEL:
        obj = getattr(importlib.import_module(f"{__name__}.{_TOP_LEVEL[name]}"), name)
        globals()[name] = obj
        return obj
    raise AttributeError(f"module 'flowgrad.keras' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | _SUBMODULES | set(_TOP_LEVEL))
