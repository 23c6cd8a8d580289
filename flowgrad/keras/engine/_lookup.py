"""Resolving activations, initializers, regularizers and constraints for the layers.

The real `keras.activations` / `initializers` / `regularizers` / `constraints` modules are
imported lazily (they may be written after the layers). When one of them is missing, a small
private fallback handles the common identifiers so layers keep working; once the module exists
it is always used.
"""

import importlib

import numpy as np

_MODULES = {}


def _module(name):
    """Returns `flowgrad.keras.<name>`, or None while it does not exist."""
    mod = _MODULES.get(name)
    if mod is not None:
        return mod
    try:
        mod = importlib.import_module("flowgrad.keras." + name)
    except ModuleNotFoundError as e:
        if e.name != "flowgrad.keras." + name:
            raise
        return None
    _MODULES[name] = mod
    return mod


def _snake(name):
    import re
    s = re.sub(r"(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", s).lower()


# -- activations -------------------------------------------------------------------------------
def get_activation(identifier):
    """`keras.activations.get`: None -> linear, a name, a config dict or a callable."""
    mod = _module("activations")
    if mod is not None:
        return mod.get(identifier)
    from ... import math as fmath
    from ... import nn
    table = {"linear": _linear, "relu": nn.relu, "sigmoid": fmath.sigmoid, "tanh": fmath.tanh,
             "softmax": nn.softmax, "elu": nn.elu, "selu": nn.selu, "softplus": nn.softplus,
             "softsign": nn.softsign, "swish": nn.silu, "silu": nn.silu, "gelu": nn.gelu,
             "exponential": fmath.exp, "relu6": nn.relu6, "leaky_relu": nn.leaky_relu}
    if identifier is None:
        return _linear
    if isinstance(identifier, str):
        if identifier not in table:
            raise ValueError(f"Unknown activation function: {identifier!r}.")
        return table[identifier]
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret activation function identifier: {identifier!r}")


def _linear(x):
    return x


def serialize_activation(fn):
    """`keras.activations.serialize`: the name of a built-in activation."""
    mod = _module("activations")
    if mod is not None:
        return mod.serialize(fn)
    if fn is None or fn is _linear:
        return "linear"
    return getattr(fn, "__name__", repr(fn))


# -- initializers ------------------------------------------------------------------------------
def get_initializer(identifier):
    """`keras.initializers.get`: a name, a config dict, an Initializer or a callable."""
    mod = _module("initializers")
    if mod is not None:
        return mod.get(identifier)
    if identifier is None:
        return None
    if callable(identifier):
        return identifier
    name = identifier if isinstance(identifier, str) else identifier.get("class_name", "")
    name = _snake(name)

    def init(shape, dtype="float32", _name=name):
        shape = tuple(int(d) for d in shape)
        dt = np.dtype(getattr(dtype, "name", dtype) or "float32")
        if _name in ("zeros", "zero"):
            return np.zeros(shape, dt)
        if _name in ("ones", "one"):
            return np.ones(shape, dt)
        fan_in = shape[-2] if len(shape) >= 2 else (shape[0] if shape else 1)
        fan_out = shape[-1] if shape else 1
        rf = int(np.prod(shape[:-2])) if len(shape) > 2 else 1
        limit = np.sqrt(6.0 / max(1, (fan_in + fan_out) * rf))
        return np.random.uniform(-limit, limit, shape).astype(dt)
    return init


def serialize_initializer(init):
    mod = _module("initializers")
    if mod is not None and init is not None:
        return mod.serialize(init)
    return None if init is None else {"class_name": type(init).__name__, "config": {}}


# -- regularizers ------------------------------------------------------------------------------
def get_regularizer(identifier):
    """`keras.regularizers.get`: None, a name ("l1", "l2", "l1_l2"), a dict or a callable."""
    if identifier is None:
        return None
    mod = _module("regularizers")
    if mod is not None:
        return mod.get(identifier)
    if callable(identifier):
        return identifier
    if isinstance(identifier, str) and identifier in ("l1", "l2", "l1_l2"):
        return _L1L2(l1=0.01 if identifier != "l2" else 0.0,
                     l2=0.01 if identifier != "l1" else 0.0)
    if isinstance(identifier, dict):
        return _L1L2(**identifier.get("config", {}))
    raise ValueError(f"Could not interpret regularizer identifier: {identifier!r}")


class _L1L2:
    """Fallback `L1L2` regularizer: `l1 * sum(|x|) + l2 * sum(x**2)`."""

    def __init__(self, l1=0.0, l2=0.0):
        self.l1, self.l2 = float(l1), float(l2)

    def __call__(self, x):
        from ... import math as fmath
        out = 0.0
        if self.l1:
            out = out + self.l1 * fmath.reduce_sum(fmath.abs(x))
        if self.l2:
            out = out + self.l2 * fmath.reduce_sum(fmath.square(x))
        return out

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


def serialize_regularizer(reg):
    if reg is None:
        return None
    mod = _module("regularizers")
    if mod is not None:
        return mod.serialize(reg)
    return {"class_name": "L1L2", "config": reg.get_config()}


# -- constraints -------------------------------------------------------------------------------
def get_constraint(identifier):
    """`keras.constraints.get`: None, a name, a config dict or a callable."""
    if identifier is None:
        return None
    mod = _module("constraints")
    if mod is not None:
        return mod.get(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret constraint identifier: {identifier!r} (the "
                     "keras.constraints module is not available yet).")


def serialize_constraint(c):
    if c is None:
        return None
    mod = _module("constraints")
    if mod is not None:
        return mod.serialize(c)
    return {"class_name": type(c).__name__, "config": getattr(c, "get_config", dict)()}
