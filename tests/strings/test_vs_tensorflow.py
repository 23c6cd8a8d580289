"""tf.strings and tf.ragged against real TensorFlow: every case of
fixtures/make_strings_fixtures.py runs on flowgrad and must give what TensorFlow 2.21 gave
(fixtures/strings_tf.json): values, dtypes and shapes, ragged rows, or the same error class.
The string hashes (FarmHash Fingerprint64, TensorFlow's legacy Hash64, SipHash-2-4) are
checked on byte strings of every length from 0 to 200.

The fixture is regenerated with the peers' Python (see the generator's docstring); TensorFlow
is not needed here.
"""

import os

import numpy as np
import pytest

import flowgrad as tf
from tests.fixture_json import load_generator_and_fixture
from flowgrad.strings import _hash

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")


gen, FIXTURE = load_generator_and_fixture(HERE, "make_strings_fixtures.py", "strings_tf.json")
HEADER = FIXTURE.pop("_header")
HASHES = FIXTURE.pop("_hashes")

# TensorFlow's error classes that flowgrad raises as another class (name -> accepted names).
SAME_ERROR = {"InvalidArgumentError": {"InvalidArgumentError"},
              "ValueError": {"ValueError", "InvalidArgumentError"},
              "TypeError": {"TypeError"}}


def test_fixture_covers_every_case():
    assert set(FIXTURE) == set(gen.CASES), "regenerate strings_tf.json (see the generator)"


def assert_same(got, want, path="result"):
    """Compares two encoded results (dtypes and shapes exactly, floats to 1e-6)."""
    if "error" in want:
        assert "error" in got, f"{path}: TensorFlow raised {want['error']}; flowgrad gave {got}"
        assert got["error"] in SAME_ERROR.get(want["error"], {want["error"]}), \
            f"{path}: {got['error']} vs TensorFlow's {want['error']}"
        return
    assert set(got) == set(want), f"{path}: {got} vs TensorFlow's {want}"
    if "tuple" in want:
        for i, (g, w) in enumerate(zip(got["tuple"], want["tuple"])):
            assert_same(g, w, f"{path}[{i}]")
        return
    for key in ("t", "s", "r"):
        assert got.get(key) == want.get(key), f"{path}: {key}={got.get(key)} vs {want.get(key)}"
    _assert_values(got.get("v", got.get("py")), want.get("v", want.get("py")), path)


def _assert_values(g, w, path):
    if isinstance(w, float) and isinstance(g, float):
        np.testing.assert_allclose(g, w, rtol=1e-6, err_msg=path)
    elif isinstance(w, list) and isinstance(g, list):
        assert len(g) == len(w), f"{path}: {g} vs TensorFlow's {w}"
        for i, (a, b) in enumerate(zip(g, w)):
            _assert_values(a, b, f"{path}[{i}]")
    else:
        assert g == w, f"{path}: {g!r} vs TensorFlow's {w!r}"


@pytest.mark.parametrize("name", sorted(gen.CASES))
def test_case_matches_tensorflow(name):
    assert_same(gen.run(gen.CASES[name], tf), FIXTURE[name], name)


def _hash_strings():
    return [bytes.fromhex(h) for h in HASHES["strings"]]


@pytest.mark.parametrize("kind,fn", [("fast", _hash.fingerprint64),
                                     ("legacy", _hash.legacy_hash64)])
def test_hashes_match_tensorflow(kind, fn):
    strings = _hash_strings()
    assert len({len(s) for s in strings}) > 200  # every length 0..200
    for modulus, want in HASHES[kind].items():
        got = [fn(s) % int(modulus) for s in strings]
        bad = [len(s) for s, g, w in zip(strings, got, want) if g != w]
        assert not bad, f"{kind} hash mod {modulus} differs for strings of lengths {bad}"


def test_keyed_hash_matches_tensorflow():
    strings = _hash_strings()
    m = gen.HASH_MODULI[0]
    for key, want in HASHES["strong"].items():
        k = [int(x) for x in key.split(",")]
        got = tf.strings.to_hash_bucket_strong(strings, m, key=k).numpy().tolist()
        assert got == want, f"SipHash with key {k}"


def test_hash_buckets_through_the_ops():
    strings = _hash_strings()
    m = gen.HASH_MODULI[1]
    assert tf.strings.to_hash_bucket_fast(strings, m).numpy().tolist() == \
        HASHES["fast"][str(m)]
    assert tf.strings.to_hash_bucket(strings, m).numpy().tolist() == HASHES["legacy"][str(m)]
