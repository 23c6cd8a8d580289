"""The plumbing shared by the "checked against TensorFlow" fixture tests.

A generator script (run with the peers' Python, which has TensorFlow) runs a table of cases
(`run` encodes each result, or the class of the error it raised, with `encode`) and writes one
JSON file, one case per line so diffs stay readable (`write_cases`). The test loads
the same generator module for the case table and the JSON for TensorFlow's results
(`load_generator_and_fixture`), so both sides run the very same case code.
"""

import importlib.util
import json
import math
import os

import numpy as np


def write_cases(path, header, cases, extra=None):
    """Writes `{"_header": header, **extra, **cases}` with one case per line."""
    lines = ["{", f' "_header": {json.dumps(header)},']
    for key, value in (extra or {}).items():
        lines.append(f" {json.dumps(key)}: {json.dumps(value, separators=(',', ':'))},")
    items = list(cases.items())
    for i, (name, v) in enumerate(items):
        comma = "," if i < len(items) - 1 else ""
        lines.append(f" {json.dumps(name)}: {json.dumps(v, separators=(',', ':'))}{comma}")
    lines.append("}")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def load_generator_and_fixture(folder, generator, fixture):
    """(the generator script as a module, the fixture's JSON as a dict) from `folder`."""
    name = "_flowgrad_fixture_" + os.path.splitext(generator)[0]
    spec = importlib.util.spec_from_file_location(name, os.path.join(folder, generator))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with open(os.path.join(folder, fixture)) as f:
        return module, json.load(f)


def encode(value):
    """A JSON-able form of a case's result: tensors as dtype, shape and nested values,
    ragged tensors as dtype and nested lists, tuples element by element; bytes as latin-1
    text, NaN and infinities as strings."""
    if isinstance(value, tuple):
        return {"tuple": [encode(v) for v in value]}
    if hasattr(value, "to_list") and hasattr(value, "row_splits"):
        return {"r": value.dtype.name, "v": _py(value.to_list())}
    if hasattr(value, "numpy") and hasattr(value, "dtype"):
        a = np.asarray(value.numpy(), dtype=object if value.dtype.name == "string" else None)
        return {"t": value.dtype.name, "s": list(a.shape), "v": _py(a.tolist())}
    return {"py": _py(value)}


def _py(v):
    if isinstance(v, (bytes, np.bytes_)):
        return bytes(v).decode("latin-1")
    if isinstance(v, (list, tuple)):
        return [_py(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _py(x) for k, x in v.items()}
    if isinstance(v, np.generic):
        return _py(v.item())
    if isinstance(v, float) and math.isnan(v):
        return "nan"
    if isinstance(v, float) and v in (float("inf"), float("-inf")):
        return str(v)
    return v


def run(fn, tf):
    """`encode(fn(tf))`, or {"error": the exception's class name}."""
    try:
        return encode(fn(tf))
    except Exception as e:  # noqa: BLE001 - the error's class is the result
        return {"error": type(e).__name__}


def plain_value(v):
    """A dataset element's leaf (a tensor's `numpy()` or a NumPy value) as JSON-able nested
    lists, strings decoded as latin-1."""
    if isinstance(v, bytes):
        return v.decode("latin-1")
    v = np.asarray(v)
    if v.dtype == object:
        return [x.decode("latin-1") for x in v.reshape(-1)] if v.ndim else \
            v[()].decode("latin-1")
    return v.tolist()


def spec_dict(s):
    """A TensorSpec's shape (None when the rank is unknown) and dtype name."""
    return {"shape": s.shape.as_list() if s.shape.rank is not None else None,
            "dtype": s.dtype.name}
