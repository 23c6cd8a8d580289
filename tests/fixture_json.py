"""The plumbing shared by the "checked against TensorFlow" fixture tests.

A generator script (run with the peers' Python, which has TensorFlow) runs a table of cases and
writes one JSON file, one case per line so diffs stay readable (`write_cases`). The test loads
the same generator module for the case table and the JSON for TensorFlow's results
(`load_generator_and_fixture`), so both sides run the very same case code.
"""

import importlib.util
import json
import os


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
