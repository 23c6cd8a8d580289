"""Snapshot of the public names of each namespace: an accidental addition or removal fails here.

After a deliberate change, regenerate the snapshot:
    python -m tests.test_public_api > tests/public_api.txt
"""

import pathlib
import types

import flowgrad

SNAPSHOT = pathlib.Path(__file__).with_name("public_api.txt")
NAMESPACES = ["", "math", "nn", "linalg", "random", "bitwise", "config", "nest", "errors",
              "dtypes"]


def current_names():
    names = []
    for ns in NAMESPACES:
        mod = flowgrad if not ns else getattr(flowgrad, ns)
        prefix = "tf." + (ns + "." if ns else "")
        for n in dir(mod):
            if n.startswith("_"):
                continue
            obj = getattr(mod, n)
            if isinstance(obj, types.ModuleType) and not ns and n in NAMESPACES:
                continue
            if isinstance(obj, types.ModuleType):
                continue  # imported helper modules are not API
            names.append(prefix + n)
    return sorted(names)


def test_public_api_matches_snapshot():
    expected = SNAPSHOT.read_text().split()
    got = current_names()
    added, removed = sorted(set(got) - set(expected)), sorted(set(expected) - set(got))
    assert not added and not removed, (
        f"public API changed: added {added}, removed {removed}. If deliberate, regenerate "
        "tests/public_api.txt (see this file's docstring).")


if __name__ == "__main__":
    print("\n".join(current_names()))
