"""`keras.utils.get_file`: download a file once into a cache directory, verify and extract it.

The cache is `$FLOWGRAD_HOME` (default `~/.flowgrad`, or `/tmp/.flowgrad` when the home
directory is not writable) with a `cache_subdir` (default "datasets"). Downloads go to a
temporary file in the target directory, are checked against `file_hash` and only then renamed
into place (`os.replace`), so an interrupted download never leaves a file that looks complete.
A file that Keras already downloaded (`$KERAS_HOME` or `~/.keras`, same `cache_subdir`) is
used in place when its hash matches.
"""

import hashlib
import os
import shutil
import sys
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile

_TIMEOUT = 60


def flowgrad_home():
    """The cache root: `$FLOWGRAD_HOME`, else `~/.flowgrad` (`/tmp/.flowgrad` when the home
    directory is not writable)."""
    home = os.environ.get("FLOWGRAD_HOME")
    if home:
        return os.path.expanduser(home)
    base = os.path.expanduser("~")
    if not os.access(base, os.W_OK):
        base = tempfile.gettempdir()
    return os.path.join(base, ".flowgrad")


def keras_home():
    home = os.environ.get("KERAS_HOME")
    if home:
        return os.path.expanduser(home)
    return os.path.join(os.path.expanduser("~"), ".keras")


def _resolve_hasher(algorithm, file_hash=None):
    if algorithm == "sha256" or (algorithm == "auto" and file_hash is not None
                                 and len(file_hash) == 64):
        return hashlib.sha256()
    if algorithm in ("md5", "auto"):
        return hashlib.md5()
    return hashlib.new(algorithm)


def hash_file(fpath, algorithm="sha256", chunk_size=65535):
    """The hex digest of a file (`algorithm`: "sha256", "md5" or "auto" = sha256)."""
    hasher = _resolve_hasher("sha256" if algorithm == "auto" else algorithm)
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def validate_file(fpath, file_hash, algorithm="auto", chunk_size=65535):
    """Whether the file's hash (sha256 for a 64-character hash, else md5) matches."""
    hasher = _resolve_hasher(algorithm, file_hash)
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest() == str(file_hash).lower()


def _is_within(base, target):
    base = os.path.realpath(base)
    target = os.path.realpath(target)
    return os.path.commonpath([base, target]) == base


def extract_archive(file_path, path=".", archive_format="auto"):
    """Extracts a tar (.tar, .tar.gz, .tgz, .tar.bz2) or zip archive into `path`; returns
    True when the file was an archive of an accepted format. Members that would land outside
    `path` are refused."""
    if archive_format is None:
        return False
    if archive_format == "auto":
        archive_format = ["tar", "zip"]
    if isinstance(archive_format, str):
        archive_format = [archive_format]
    file_path = os.fspath(file_path)
    path = os.fspath(path)
    for kind in archive_format:
        if kind == "tar" and tarfile.is_tarfile(file_path):
            with tarfile.open(file_path) as archive:
                for m in archive.getmembers():
                    if not _is_within(path, os.path.join(path, m.name)):
                        raise ValueError(f"Refusing to extract {m.name!r} from {file_path}: it "
                                         "would be written outside the target directory.")
                try:
                    if hasattr(tarfile, "data_filter"):
                        archive.extractall(path, filter="data")
                    else:  # pragma: no cover - old Python
                        archive.extractall(path)
                except (tarfile.TarError, RuntimeError, KeyboardInterrupt):
                    _remove_partial(path, [m.name for m in archive.getmembers()])
                    raise
            return True
        if kind == "zip" and zipfile.is_zipfile(file_path):
            with zipfile.ZipFile(file_path) as archive:
                names = archive.namelist()
                for n in names:
                    if not _is_within(path, os.path.join(path, n)):
                        raise ValueError(f"Refusing to extract {n!r} from {file_path}: it "
                                         "would be written outside the target directory.")
                try:
                    archive.extractall(path)
                except (zipfile.BadZipFile, RuntimeError, KeyboardInterrupt):
                    _remove_partial(path, names)
                    raise
            return True
    return False


def _remove_partial(path, names):
    tops = {n.split("/")[0] for n in names if n}
    for t in tops:
        p = os.path.join(path, t)
        if os.path.isdir(p):
            shutil.rmtree(p, ignore_errors=True)
        elif os.path.exists(p):
            os.remove(p)


def _download(origin, fpath, file_hash, hash_algorithm):
    """Downloads `origin` to a temporary file next to `fpath`, verifies it and renames it."""
    directory = os.path.dirname(fpath) or "."
    fd, tmp = tempfile.mkstemp(prefix=".download-", suffix=".part", dir=directory)
    try:
        with os.fdopen(fd, "wb") as out:  # noqa: SIM117 - the file must close first
            with urllib.request.urlopen(origin, timeout=_TIMEOUT) as response:
                total = response.headers.get("Content-Length") if hasattr(
                    response, "headers") else None
                total = int(total) if total and str(total).isdigit() else None
                bar = None
                if total and total > (1 << 20):
                    from .progbar import Progbar
                    bar = Progbar(total, unit_name="byte")
                done = 0
                while True:
                    chunk = response.read(1 << 16)
                    if not chunk:
                        break
                    out.write(chunk)
                    done += len(chunk)
                    if bar is not None:
                        bar.update(done)
        if file_hash is not None and not validate_file(tmp, file_hash, hash_algorithm):
            raise ValueError(f"Incomplete or corrupted file downloaded from {origin}: its hash "
                             f"does not match the expected {file_hash}.")
        os.replace(tmp, fpath)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def get_file(fname=None, origin=None, untar=False, md5_hash=None, file_hash=None,
             cache_subdir="datasets", hash_algorithm="auto", extract=False,
             archive_format="auto", cache_dir=None, force_download=False):
    """Downloads a file from a URL unless it is already cached; returns its local path.

    Args:
        fname: the file name in the cache (default: the URL's last path component). An
            absolute path is used as is.
        origin: the URL (http, https or file).
        untar: deprecated form of `extract` for tar archives: the archive is saved as
            `fname + ".tar.gz"`, extracted, and the path `fname` is returned.
        md5_hash: deprecated; use `file_hash`.
        file_hash: expected sha256 (64 hex digits) or md5 hash; a cached file that does not
            match is downloaded again.
        cache_subdir: subdirectory of the cache directory (default "datasets").
        hash_algorithm: "auto", "sha256" or "md5".
        extract: extract the downloaded archive (tar or zip) next to it.
        archive_format: "auto", "tar", "zip" or a list of them.
        cache_dir: the cache root (default `$FLOWGRAD_HOME`, else ~/.flowgrad).
        force_download: download even when a valid cached file exists.

    Returns:
        The path of the file (of the extracted directory with `untar=True`).
    """
    if origin is None:
        raise ValueError('Please specify the "origin" argument (URL of the file to download).')
    if fname is None:
        fname = os.path.basename(urllib.parse.urlsplit(origin).path)
        if not fname:
            raise ValueError(f"Can't parse the file name from the origin provided: "
                             f"'{origin}'. Please specify the `fname` argument.")
    fname = os.fspath(fname)
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    cache_dir = flowgrad_home() if cache_dir is None else os.path.expanduser(
        os.fspath(cache_dir))
    datadir = os.path.join(cache_dir, cache_subdir)
    try:
        os.makedirs(datadir, exist_ok=True)
    except OSError:
        datadir = os.path.join(tempfile.gettempdir(), ".flowgrad", cache_subdir)
        os.makedirs(datadir, exist_ok=True)

    untar_fpath = None
    if untar:
        untar_fpath = os.path.join(datadir, fname)
        fpath = untar_fpath + ".tar.gz"
    else:
        fpath = os.path.join(datadir, fname)

    if not force_download:
        found = _existing(fpath, file_hash, hash_algorithm)
        if found is None and not os.path.isabs(fname):
            rel = os.path.relpath(fpath, cache_dir)
            found = _existing(os.path.join(keras_home(), rel), file_hash, hash_algorithm,
                              require_hash=file_hash is not None)
        if found is not None:
            fpath = found
            if untar:
                untar_fpath = os.path.join(os.path.dirname(found), fname)
        else:
            _announce(origin)
            try:
                _download(origin, fpath, file_hash, hash_algorithm)
            except (urllib.error.URLError, OSError) as e:
                reason = getattr(e, "reason", None) or e
                code = getattr(e, "code", None)
                raise Exception(  # noqa: TRY002 - Keras raises a plain Exception here
                    f"URL fetch failure on {origin}: {code} -- {reason}") from e
    else:
        _announce(origin)
        _download(origin, fpath, file_hash, hash_algorithm)

    if untar:
        if not os.path.exists(untar_fpath):
            target = os.path.dirname(untar_fpath)
            if not os.access(target, os.W_OK):
                target = datadir
                untar_fpath = os.path.join(datadir, fname)
            extract_archive(fpath, target, archive_format="tar")
        return untar_fpath
    if extract:
        target = os.path.dirname(fpath)
        if not os.access(target, os.W_OK):
            target = datadir
        extract_archive(fpath, target, archive_format)
    return fpath


def _existing(fpath, file_hash, hash_algorithm, require_hash=False):
    if not os.path.exists(fpath):
        return None
    if file_hash is None:
        return None if require_hash else fpath
    if validate_file(fpath, file_hash, hash_algorithm):
        return fpath
    print(f"A local file was found at {fpath}, but it seems to be incomplete or outdated "
          "because its hash does not match the expected one; downloading it again.",
          file=sys.stderr)
    return None


def _announce(origin):
    print(f"Downloading data from {origin}")
