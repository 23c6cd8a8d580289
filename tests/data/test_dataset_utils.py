"""keras.utils.text_dataset_from_directory / timeseries_dataset_from_array against what Keras 3
(on TensorFlow 2.21) returns for the same inputs: fixtures/dataset_utils_expected.json, written
by fixtures/make_dataset_utils_fixtures.py. Unshuffled datasets must match element for element;
shuffled ones (the buffer shuffle draws from another generator than TF's) must hold the same
elements in batches of the same sizes, and a shuffled train / validation split must pick the
same files as Keras (the file list is permuted with NumPy, as Keras does)."""

import collections
import json
import os

import numpy as np
import pytest

import flowgrad as tf
from flowgrad import keras
from flowgrad.keras.utils import dataset_utils
from tests.fixture_json import plain_value as _value, spec_dict as _spec

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures", "dataset_utils_expected.json")
with open(FIXTURES) as _f:
    EXPECTED = json.load(_f)


def _run(ds):
    return {"spec": [_spec(s) for s in tf.nest.flatten(ds.element_spec)],
            "elements": [[_value(x) for x in tf.nest.flatten(el)]
                         for el in ds.as_numpy_iterator()],
            "cardinality": int(ds.cardinality()),
            "class_names": getattr(ds, "class_names", "<absent>")}


def _rows(elements):
    """The batches' rows (one tuple per sample, JSON-encoded so they can be counted)."""
    rows = []
    for el in elements:
        if isinstance(el[0], list):
            for i in range(len(el[0])):
                rows.append(json.dumps([leaf[i] for leaf in el]))
        else:
            rows.append(json.dumps(el))
    return collections.Counter(rows)


def _batch_sizes(elements):
    return [len(el[0]) if isinstance(el[0], list) else None for el in elements]


def _compare(got, want, shuffled):
    assert got["spec"] == want["spec"]
    assert got["cardinality"] == want["cardinality"]
    assert len(got["elements"]) == want["cardinality"]
    if "class_names" in want:
        assert got["class_names"] == want["class_names"]
    if shuffled:
        assert _batch_sizes(got["elements"]) == _batch_sizes(want["elements"])
        assert _rows(got["elements"]) == _rows(want["elements"])
    else:
        assert got["elements"] == want["elements"]


# -- text_dataset_from_directory ------------------------------------------------------------------
@pytest.fixture(scope="module")
def text_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("texts")
    for rel, text in EXPECTED["text"]["files"].items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    return str(root)


TEXT_CASES = EXPECTED["text"]["cases"]


@pytest.mark.parametrize("case", TEXT_CASES, ids=[json.dumps(c["kwargs"]) for c in TEXT_CASES])
def test_text_dataset_matches_keras(case, text_dir, capsys):
    capsys.readouterr()
    out = keras.utils.text_dataset_from_directory(text_dir, **case["kwargs"])
    # (a progress bar another test left open would add a line break first)
    assert capsys.readouterr().out.lstrip("\n") == case["stdout"]
    datasets = out if case["kwargs"].get("subset") == "both" else [out]
    if case["kwargs"].get("subset") == "both":
        assert isinstance(out, list) and len(out) == 2
    assert len(datasets) == len(case["datasets"])
    for i, (ds, want) in enumerate(zip(datasets, case["datasets"])):
        # the validation half of "both" is not reshuffled
        shuffled = case["kwargs"].get("shuffle", True) and i == 0
        _compare(_run(ds), want, shuffled)


def test_text_dataset_shuffles_the_same_files_into_each_subset(text_dir):
    # beyond the multiset check above: a different seed gives a different validation subset,
    # and training + validation partition the files
    kw = {"batch_size": None, "validation_split": 0.3, "verbose": False}
    a_tr, a_va = keras.utils.text_dataset_from_directory(text_dir, subset="both", seed=1337,
                                                         **kw)
    b_va = keras.utils.text_dataset_from_directory(text_dir, subset="validation", seed=5, **kw)

    def texts(ds):
        return sorted(t for t, _ in ds.as_numpy_iterator())
    assert texts(a_va) != texts(b_va)
    assert sorted(texts(a_tr) + texts(a_va)) == sorted(
        t for t, _ in keras.utils.text_dataset_from_directory(
            text_dir, batch_size=None, shuffle=False, verbose=False).as_numpy_iterator())
    # an iteration reshuffles the training part only
    assert texts(a_tr) == texts(a_tr)


@pytest.mark.parametrize("case", EXPECTED["text"]["errors"],
                         ids=[json.dumps(c["kwargs"]) for c in EXPECTED["text"]["errors"]])
def test_text_dataset_argument_errors_match_keras(case, text_dir):
    assert case["error"] == "ValueError"
    with pytest.raises(ValueError):
        keras.utils.text_dataset_from_directory(text_dir, verbose=False, **case["kwargs"])


def test_text_dataset_namespaces_verbose_and_training(text_dir, capsys):
    assert keras.preprocessing.text_dataset_from_directory is \
        keras.utils.text_dataset_from_directory
    assert keras.preprocessing.timeseries_dataset_from_array is \
        keras.utils.timeseries_dataset_from_array
    capsys.readouterr()
    ds = keras.utils.text_dataset_from_directory(text_dir, batch_size=4, seed=0, verbose=False)
    assert capsys.readouterr().out == ""
    texts, labels = next(iter(ds))
    assert texts.dtype == tf.string and labels.dtype == tf.int32
    assert isinstance(texts.numpy()[0], bytes)
    # labels as an array work like the list
    labels = [3, 1, 1, 0, 3, 3, 1, 0, 0, 1, 1, 0]
    kw = {"shuffle": False, "batch_size": None, "verbose": False}
    as_list = keras.utils.text_dataset_from_directory(text_dir, labels=labels, **kw)
    as_array = keras.utils.text_dataset_from_directory(text_dir, labels=np.array(labels), **kw)
    assert _run(as_array) == _run(as_list) and as_array.class_names == ["0", "1", "3"]
    # a folder without class subfolders has no files to infer labels for
    with pytest.raises(ValueError, match="No text files"):
        keras.utils.text_dataset_from_directory(os.path.join(text_dir, "neg", "deeper"),
                                                verbose=False)


# -- timeseries_dataset_from_array ---------------------------------------------------------------
def _ts_data(name):
    # the same arrays as make_dataset_utils_fixtures.py
    return {
        "arange20": lambda: np.arange(20),
        "float30x2": lambda: (np.arange(60, dtype=np.float32).reshape(30, 2) / 4).astype(
            np.float32),
        "arange30x10": lambda: np.arange(30) * 10,
        "short_targets": lambda: np.arange(7, dtype=np.int32) + 100,
        "float64_12": lambda: np.linspace(0, 1, 12),
    }[name]()


TS_CASES = EXPECTED["timeseries"]["cases"]


@pytest.mark.parametrize("case", TS_CASES, ids=[json.dumps(c["case"]) for c in TS_CASES])
def test_timeseries_dataset_matches_keras(case):
    kw = dict(case["case"])
    data = _ts_data(kw.pop("data"))
    t = kw.pop("targets")
    ds = keras.utils.timeseries_dataset_from_array(data, None if t is None else _ts_data(t),
                                                   **kw)
    got = _run(ds)
    _compare(got, case, shuffled=kw.get("shuffle", False))
    if kw.get("shuffle"):
        # the same seed gives the same first epoch
        again = keras.utils.timeseries_dataset_from_array(
            data, None if t is None else _ts_data(t), **kw)
        assert _run(again)["elements"] == got["elements"]


@pytest.mark.parametrize("case", EXPECTED["timeseries"]["errors"],
                         ids=[json.dumps(c["kwargs"]) for c in EXPECTED["timeseries"]["errors"]])
def test_timeseries_argument_errors_match_keras(case):
    assert case["error"] == "ValueError"
    with pytest.raises(ValueError):
        keras.utils.timeseries_dataset_from_array(np.arange(20), None, **case["kwargs"])


def test_timeseries_forecasting_pairs_and_fit():
    # the documented use: predict the value that follows each window
    x = np.sin(np.arange(60, dtype="float32") / 5)[:, None]
    ds = keras.utils.timeseries_dataset_from_array(x[:-6], x[6:, 0], sequence_length=6,
                                                   batch_size=16)
    windows, targets = next(iter(ds))
    np.testing.assert_array_equal(windows.numpy()[3, :, 0], x[3:9, 0])
    assert targets.numpy()[3] == x[9, 0]
    model = keras.Sequential([keras.Input((6, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    h = model.fit(ds, epochs=1, verbose=0)
    assert np.isfinite(h.history["loss"][0])


def test_shared_split_helpers():
    # the helpers image_dataset_from_directory shares
    paths = [f"f{i}" for i in range(10)]
    tr, ytr = dataset_utils.get_training_or_validation_split(paths, np.arange(10), 0.3,
                                                             "training")
    va, yva = dataset_utils.get_training_or_validation_split(paths, np.arange(10), 0.3,
                                                             "validation")
    assert tr == paths[:7] and va == paths[7:] and yva.tolist() == [7, 8, 9]
    assert ytr.tolist() == list(range(7))
    onehot = dataset_utils.encode_labels([0, 2, 5], "categorical", 3)
    assert onehot.tolist() == [[1, 0, 0], [0, 0, 1], [0, 0, 0]]
