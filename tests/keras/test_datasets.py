"""keras.datasets and keras.utils.get_file, without network: MNIST from the shared offline file
(explicit path and FLOWGRAD_DATASETS_DIR), the missing-file message, hash-verified caches,
get_file against a local HTTP server and file:// URLs (atomic writes, hashes, extraction), and
the other loaders on small synthetic files (IMDB / Reuters compared with what Keras returns)."""

import functools
import gzip
import hashlib
import http.server
import io
import json
import os
import pathlib
import pickle
import tarfile
import threading
import zipfile

import numpy as np
import pytest

from flowgrad import keras
from flowgrad.keras.datasets import _files

MNIST = pathlib.Path(__file__).resolve().parents[2].parent / "shared" / "datasets" / "mnist.npz"
FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "data" / "fixtures"
UNREACHABLE = "http://127.0.0.1:9/"   # the discard port: refused at once, no network needed


@pytest.fixture(autouse=True)
def _isolated_caches(tmp_path, monkeypatch):
    monkeypatch.setenv("FLOWGRAD_HOME", str(tmp_path / "fghome"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "kerashome"))
    monkeypatch.delenv(_files.ENV_DIR, raising=False)


def _sha256(path):
    return hashlib.sha256(pathlib.Path(path).read_bytes()).hexdigest()


# -- MNIST offline --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def mnist_file():
    if not MNIST.exists():
        pytest.skip(f"MNIST not found at {MNIST}")
    return str(MNIST)


def test_mnist_from_an_explicit_path(mnist_file):
    (x, y), (xt, yt) = keras.datasets.mnist.load_data(path=mnist_file)
    assert x.shape == (60000, 28, 28) and x.dtype == np.uint8
    assert y.shape == (60000,) and y.dtype == np.uint8
    assert xt.shape == (10000, 28, 28) and xt.dtype == np.uint8
    assert yt.shape == (10000,) and yt.dtype == np.uint8
    assert set(np.unique(y)) == set(range(10)) and x.max() == 255


def test_mnist_from_the_datasets_dir_env_var(mnist_file, monkeypatch):
    monkeypatch.setenv(_files.ENV_DIR, os.path.dirname(mnist_file))
    (x, _y), _ = keras.datasets.mnist.load_data()
    assert x.shape == (60000, 28, 28)


def test_missing_file_says_where_to_put_it(monkeypatch, tmp_path):
    monkeypatch.setattr(keras.datasets.mnist.RESOURCE, "origin", UNREACHABLE + "mnist.npz")
    with pytest.raises(FileNotFoundError) as e:
        keras.datasets.mnist.load_data()
    msg = str(e.value)
    assert str(tmp_path / "fghome" / "datasets" / "mnist.npz") in msg
    assert "FLOWGRAD_DATASETS_DIR" in msg and 'mnist.load_data(path="/path/to/mnist.npz")' in msg
    assert keras.datasets.mnist.RESOURCE.file_hash in msg
    assert not any(p.name.startswith(".download-") for p in (tmp_path / "fghome").rglob("*"))


def test_content_check_rejects_a_wrong_file(tmp_path):
    bad = tmp_path / "mnist.npz"
    np.savez(bad, x_train=np.zeros((5, 28, 28), np.uint8))
    with pytest.raises(ValueError, match="not a valid dataset file"):
        keras.datasets.mnist.load_data(path=str(bad))


def _tiny_mnist(path):
    np.savez(path, x_train=np.zeros((60000, 28, 28), np.uint8),
             y_train=np.zeros(60000, np.uint8), x_test=np.zeros((10000, 28, 28), np.uint8),
             y_test=np.ones(10000, np.uint8))


def test_caches_are_used_only_with_the_right_hash(tmp_path, monkeypatch):
    res = keras.datasets.mnist.RESOURCE
    monkeypatch.setattr(res, "origin", UNREACHABLE + "mnist.npz")
    keras_dir = tmp_path / "kerashome" / "datasets"
    keras_dir.mkdir(parents=True)
    _tiny_mnist(keras_dir / "mnist.npz")
    with pytest.raises(FileNotFoundError):        # wrong hash: not used
        keras.datasets.mnist.load_data()
    monkeypatch.setattr(res, "file_hash", _sha256(keras_dir / "mnist.npz"))
    (_, _), (_, yt) = keras.datasets.mnist.load_data()   # ~/.keras/datasets copy, verified
    assert yt[0] == 1
    own = tmp_path / "fghome" / "datasets"
    own.mkdir(parents=True, exist_ok=True)
    np.savez(own / "mnist.npz", x_train=np.zeros((60000, 28, 28), np.uint8),
             y_train=np.zeros(60000, np.uint8), x_test=np.zeros((10000, 28, 28), np.uint8),
             y_test=np.full(10000, 7, np.uint8))
    monkeypatch.setattr(res, "file_hash", _sha256(own / "mnist.npz"))
    (_, _), (_, yt) = keras.datasets.mnist.load_data()   # flowgrad's cache comes first
    assert yt[0] == 7


# -- get_file -------------------------------------------------------------------------------------
@pytest.fixture
def server(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    requests = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            requests.append(self.path)
            super().do_GET()
    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/", root, requests
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_get_file_downloads_verifies_and_caches(server, tmp_path):
    url, root, requests = server
    (root / "data.bin").write_bytes(b"payload" * 1000)
    good = _sha256(root / "data.bin")
    cache = tmp_path / "cache"
    p = keras.utils.get_file("data.bin", url + "data.bin", file_hash=good, cache_dir=str(cache))
    assert p == str(cache / "datasets" / "data.bin") and pathlib.Path(p).read_bytes().startswith(b"pay")
    again = keras.utils.get_file("data.bin", url + "data.bin", file_hash=good,
                                 cache_dir=str(cache))
    assert again == p and len(requests) == 1           # cached: no second request
    md5 = hashlib.md5(b"payload" * 1000).hexdigest()
    assert keras.utils.get_file("data.bin", url + "data.bin", file_hash=md5,
                                cache_dir=str(cache)) == p
    with pytest.raises(Exception, match="hash"):
        keras.utils.get_file("other.bin", url + "data.bin", file_hash="0" * 64,
                             cache_dir=str(cache))
    leftovers = sorted(os.listdir(cache / "datasets"))
    assert leftovers == ["data.bin"]                   # the bad download left nothing behind
    with pytest.raises(Exception, match="URL fetch failure"):
        keras.utils.get_file("missing.bin", url + "missing.bin", cache_dir=str(cache))
    # fname defaults to the URL's last component; a stale cached file is fetched again
    (cache / "datasets" / "data.bin").write_bytes(b"stale")
    assert keras.utils.get_file(origin=url + "data.bin", file_hash=good,
                                cache_dir=str(cache)) == p
    assert _sha256(p) == good and len(requests) == 4


def test_get_file_extracts_zip_and_tar(server, tmp_path):
    url, root, _ = server
    with zipfile.ZipFile(root / "folder.zip", "w") as z:
        z.writestr("folder/a.txt", "A")
    with tarfile.open(root / "photos.tar.gz", "w:gz") as t:
        data = b"B"
        info = tarfile.TarInfo("photos/b.txt")
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
    cache = tmp_path / "c"
    zp = keras.utils.get_file("folder.zip", url + "folder.zip", extract=True,
                              cache_dir=str(cache), cache_subdir="")
    assert zp == str(cache / "folder.zip")
    assert (cache / "folder" / "a.txt").read_text() == "A"
    d = keras.utils.get_file("photos", origin=url + "photos.tar.gz", untar=True,
                             cache_dir=str(cache))
    assert d == str(cache / "datasets" / "photos")
    assert (pathlib.Path(d) / "b.txt").read_text() == "B"
    # tutorials' pattern: extract=True and the directory next to the archive
    t2 = keras.utils.get_file("photos.tar.gz", url + "photos.tar.gz", extract=True,
                              cache_dir=str(tmp_path / "c2"))
    assert os.path.isdir(os.path.join(os.path.dirname(t2), "photos"))


def test_get_file_refuses_archives_escaping_the_directory(tmp_path):
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as z:
        z.writestr("../outside.txt", "x")
    with pytest.raises(ValueError, match="outside"):
        keras.utils.get_file("evil.zip", evil.as_uri(), extract=True,
                             cache_dir=str(tmp_path / "c"))
    assert not (tmp_path / "c" / "outside.txt").exists()


def test_get_file_with_file_url_default_cache(tmp_path):
    src = tmp_path / "src.txt"
    src.write_text("hello")
    p = keras.utils.get_file("src.txt", src.as_uri())
    assert p == str(tmp_path / "fghome" / "datasets" / "src.txt")
    assert pathlib.Path(p).read_text() == "hello"


# -- the other datasets on synthetic files ----------------------------------------------------------
def synthetic_sequences(directory):
    """The small IMDB / Reuters archives whose Keras results are in the fixtures."""
    rng = np.random.default_rng(0)

    def seqs(n):
        out = np.empty(n, object)
        for i in range(n):
            out[i] = [int(v) for v in rng.integers(1, 60, rng.integers(1, 12))]
        return out
    imdb, reuters = os.path.join(directory, "imdb.npz"), os.path.join(directory, "reuters.npz")
    np.savez(imdb, x_train=seqs(30), y_train=rng.integers(0, 2, 30), x_test=seqs(20),
             y_test=rng.integers(0, 2, 20))
    np.savez(reuters, x=seqs(40), y=rng.integers(0, 46, 40))
    return imdb, reuters


def test_imdb_and_reuters_match_keras(tmp_path):
    imdb_path, reuters_path = synthetic_sequences(str(tmp_path))
    expected = json.loads((FIXTURES / "imdb_reuters_keras_expected.json").read_text())
    cases = [{}, {"num_words": 30, "skip_top": 2},
             {"maxlen": 8, "start_char": None, "oov_char": None, "index_from": 0},
             {"num_words": 20, "oov_char": None}]
    got = []
    for kw in cases:
        for mod, path in ((keras.datasets.imdb, imdb_path), (keras.datasets.reuters,
                                                              reuters_path)):
            (a, b), (c, d) = mod.load_data(path=path, **kw)
            assert a.dtype == object and a.ndim == 1 and isinstance(a[0], list)
            assert b.dtype == np.int64
            got.append([[list(map(int, x)) for x in a], b.tolist(),
                        [list(map(int, x)) for x in c], d.tolist()])
    assert got == expected
    with pytest.raises(ValueError, match="maxlen"):
        keras.datasets.imdb.load_data(path=imdb_path, maxlen=1)


def test_word_index_and_ragged_archive_from_env_dir(tmp_path, monkeypatch):
    (tmp_path / "imdb_word_index.json").write_text(json.dumps({"the": 1, "movie": 2}))
    monkeypatch.setenv(_files.ENV_DIR, str(tmp_path))
    assert keras.datasets.imdb.get_word_index() == {"the": 1, "movie": 2}
    synthetic_sequences(str(tmp_path))
    (x, _y), _ = keras.datasets.reuters.load_data(test_split=0.5)
    assert len(x) == 20 and x[0][0] == 1


def test_restricted_unpickler_refuses_code(tmp_path):
    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))
    arr = np.empty(1, object)
    arr[0] = Evil()
    path = tmp_path / "evil.npz"
    np.savez(path, x=arr, y=np.zeros(1))
    with pytest.raises(pickle.UnpicklingError, match="only NumPy arrays"):
        keras.datasets.reuters.load_data(path=str(path))


def _idx(path, magic, header, data):
    with gzip.open(path, "wb") as f:
        f.write(magic.to_bytes(4, "big") + b"".join(h.to_bytes(4, "big") for h in header) +
                data.tobytes())


def test_fashion_mnist_from_env_dir(tmp_path, monkeypatch):
    d = tmp_path / "fashion-mnist"
    d.mkdir()
    rng = np.random.default_rng(0)
    for prefix, n in (("train", 6), ("t10k", 4)):
        _idx(d / f"{prefix}-labels-idx1-ubyte.gz", 2049, [n],
             rng.integers(0, 10, n).astype(np.uint8))
        _idx(d / f"{prefix}-images-idx3-ubyte.gz", 2051, [n, 28, 28],
             rng.integers(0, 256, (n, 28, 28)).astype(np.uint8))
    monkeypatch.setenv(_files.ENV_DIR, str(tmp_path))
    (x, y), (xt, yt) = keras.datasets.fashion_mnist.load_data()
    assert x.shape == (6, 28, 28) and x.dtype == np.uint8 and y.shape == (6,)
    assert xt.shape == (4, 28, 28) and yt.dtype == np.uint8


def test_boston_housing_split_and_seed(tmp_path):
    x = np.arange(50 * 13, dtype=np.float64).reshape(50, 13)
    y = np.arange(50, dtype=np.float64)
    path = tmp_path / "boston.npz"
    np.savez(path, x=x, y=y)
    (xa, ya), (xb, _yb) = keras.datasets.boston_housing.load_data(path=str(path))
    assert xa.shape == (40, 13) and xb.shape == (10, 13) and ya.dtype == np.float64
    order = np.arange(50)
    np.random.RandomState(113).shuffle(order)
    assert ya.tolist() == order[:40].tolist() and (xa[:, 0] == ya * 13).all()


def _cifar_batch(path, n, label_key, rng):
    d = {b"data": rng.integers(0, 256, (n, 3072)).astype(np.uint8),
         label_key.encode(): [int(v) for v in rng.integers(0, 100, n)]}
    with open(path, "wb") as f:
        pickle.dump(d, f, protocol=2)
    return d


def test_cifar100_and_cifar_batches_from_env_dir(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    base = tmp_path / "cifar-100-python"
    base.mkdir()
    for name, n in (("train", 5), ("test", 3)):
        d = {b"data": rng.integers(0, 256, (n, 3072)).astype(np.uint8),
             b"fine_labels": [int(v) for v in rng.integers(0, 100, n)],
             b"coarse_labels": [int(v) for v in rng.integers(0, 20, n)]}
        with open(base / name, "wb") as f:
            pickle.dump(d, f, protocol=2)
    monkeypatch.setenv(_files.ENV_DIR, str(tmp_path))
    (x, y), (xt, _yt) = keras.datasets.cifar100.load_data(label_mode="coarse")
    assert x.shape == (5, 32, 32, 3) and x.dtype == np.uint8 and y.shape == (5, 1)
    assert y.max() < 20 and xt.shape == (3, 32, 32, 3)
    with pytest.raises(ValueError, match="label_mode"):
        keras.datasets.cifar100.load_data(label_mode="medium")
    from flowgrad.keras.datasets import _cifar
    b = _cifar_batch(tmp_path / "data_batch_1", 4, "labels", rng)
    data, labels = _cifar.load_batch(str(tmp_path / "data_batch_1"))
    assert data.shape == (4, 3, 32, 32) and labels == b[b"labels"]


def test_cifar10_offline_message(monkeypatch):
    from flowgrad.keras.datasets import cifar10
    monkeypatch.setattr(cifar10, "ORIGIN", UNREACHABLE + "cifar-10-python.tar.gz")
    with pytest.raises(FileNotFoundError, match="cifar-10-python.tar.gz"):
        cifar10.load_data()
