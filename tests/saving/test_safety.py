import os
import sys

import numpy as np
import pytest

from .conftest import build_models


def _lambda_model(tf):
    k = tf.keras
    return k.Sequential([k.Input((3,)), k.layers.Lambda(lambda t: t * 2 + 1), k.layers.Dense(2)])


@pytest.mark.parametrize("ext", [".keras", ".h5", "_dir"])
def test_safe_mode_refuses_lambda(tf, tmp_path, ext):
    m = _lambda_model(tf)
    path = str(tmp_path / f"lam{ext}")
    m.save(path)
    with pytest.raises(ValueError, match="safe_mode=False"):
        tf.keras.models.load_model(path)
    loaded = tf.keras.models.load_model(path, safe_mode=False)
    x = np.ones((2, 3), "float32")
    np.testing.assert_array_equal(np.asarray(loaded.predict(x, verbose=0)),
                                  np.asarray(m.predict(x, verbose=0)))


def _saved(tf, tmp_path, ext):
    make, _, _ = build_models(tf)["mlp"]
    m = make()
    m.compile("adam", "mse")
    path = str(tmp_path / f"m{ext}")
    m.save(path)
    return path


@pytest.mark.parametrize("ext", [".keras", ".h5"])
@pytest.mark.parametrize("keep", [0, 0.5, 0.9])
def test_truncated_file_names_file(tf, tmp_path, ext, keep):
    from flowgrad.keras.saving import CorruptFileError
    path = _saved(tf, tmp_path, ext)
    with open(path, "rb") as f:
        data = f.read()
    with open(path, "wb") as f:
        f.write(data[:int(len(data) * keep)])
    with pytest.raises(CorruptFileError) as info:
        tf.keras.models.load_model(path)
    assert os.path.basename(path) in str(info.value)


def test_corrupt_bytes_and_bad_json(tf, tmp_path):
    import zipfile

    from flowgrad.keras.saving import CorruptFileError
    path = _saved(tf, tmp_path, ".keras")
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}
    members["config.json"] = b"{not json"
    with zipfile.ZipFile(path, "w") as z:
        for n, d in members.items():
            z.writestr(n, d)
    with pytest.raises(CorruptFileError, match="config.json"):
        tf.keras.models.load_model(path)
    garbage = tmp_path / "garbage.keras"
    garbage.write_bytes(b"hello, not a model")
    with pytest.raises(CorruptFileError, match="garbage.keras"):
        tf.keras.models.load_model(str(garbage))
    with pytest.raises(FileNotFoundError):
        tf.keras.models.load_model(str(tmp_path / "missing.keras"))


def test_weights_only_h5_is_not_a_model(tf, tmp_path):
    from flowgrad.keras.saving import CorruptFileError
    make, _, _ = build_models(tf)["mlp"]
    make().save_weights(str(tmp_path / "w.weights.h5"))
    with pytest.raises(CorruptFileError, match="load_weights|model_config"):
        tf.keras.models.load_model(str(tmp_path / "w.weights.h5"))


def test_weight_shape_mismatch(tf, tmp_path):
    k = tf.keras
    a = k.Sequential([k.Input((3,)), k.layers.Dense(2)])
    b = k.Sequential([k.Input((3,)), k.layers.Dense(5)])
    a.save_weights(str(tmp_path / "w.weights.h5"))
    with pytest.raises(ValueError, match="shape"):
        b.load_weights(str(tmp_path / "w.weights.h5"))


@pytest.mark.parametrize("ext", [".keras", ".h5", ".weights.h5", "_dir"])
def test_crash_mid_write_keeps_old_file(tf, tmp_path, monkeypatch, ext):
    import h5py

    import flowgrad.keras.saving.saved_model_dir as smd
    make, x, _ = build_models(tf)["mlp"]
    m = make()
    path = str(tmp_path / f"m{ext}")
    save = m.save_weights if ext == ".weights.h5" else m.save
    save(path)
    before = sorted(os.listdir(tmp_path))
    old_pred = np.asarray(m.predict(x, verbose=0))
    m.set_weights([w + 1 for w in m.get_weights()])

    class Crash(RuntimeError):
        pass

    def boom(*a, **k):
        raise Crash("simulated crash")
    monkeypatch.setattr(h5py.Group, "create_dataset", boom)
    monkeypatch.setattr(np, "savez", boom)
    monkeypatch.setattr(smd.np, "savez", boom)
    with pytest.raises(Crash):
        save(path)
    monkeypatch.undo()
    assert sorted(os.listdir(tmp_path)) == before      # no temp files left behind
    fresh = make()
    if ext == ".weights.h5":
        fresh.load_weights(path)
    else:
        fresh = tf.keras.models.load_model(path)
    np.testing.assert_array_equal(np.asarray(fresh.predict(x, verbose=0)), old_pred)


def test_crash_during_rename_keeps_old_file(tf, tmp_path, monkeypatch):
    make, _, _ = build_models(tf)["mlp"]
    m = make()
    path = str(tmp_path / "m.keras")
    m.save(path)
    with open(path, "rb") as f:
        data = f.read()

    def boom(*a, **k):
        raise OSError("disk full")
    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        m.save(path)
    monkeypatch.undo()
    with open(path, "rb") as f:
        assert f.read() == data
    assert os.listdir(tmp_path) == ["m.keras"]


def test_missing_h5py_message(tf, tmp_path, monkeypatch):
    make, _, _ = build_models(tf)["mlp"]
    m = make()
    monkeypatch.setitem(sys.modules, "h5py", None)
    with pytest.raises(ImportError, match=r"flowgrad\[h5\]"):
        m.save(str(tmp_path / "m.keras"))
    assert not os.listdir(tmp_path)
