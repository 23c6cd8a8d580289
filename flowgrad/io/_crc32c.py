"""CRC32C (Castagnoli), the checksum of TFRecord framing, in NumPy.

A byte-at-a-time Python loop costs about 0.1 us per byte, far too slow for datasets. This
module vectorizes instead:

* many buffers at once (`crc32c_many`): the buffers become the rows of a matrix, each row
  left-padded with zeros, and one table step per 4-byte column updates every row's register.
  Leading zeros do not change a register that starts at 0, so rows compute the "raw" CRC
  (initial register 0, no final inversion); the standard initial value 0xFFFFFFFF is added
  back afterwards by linearity: it contributes `shift(0xFFFFFFFF, len)`, the register after
  `len` zero bytes, which is a GF(2)-linear map of the register.
* one long buffer: split into equal rows, raw-CRC'd in parallel, then combined pairwise
  (`raw(A || B) = shift(raw(A), len(B)) ^ raw(B)`), level by level, vectorized.

`shift` by n zero bytes is a 32x32 bit matrix, kept as 4 lookup tables of 256 entries (one per
register byte). The optional `crc32c` package is used when installed.
"""

import numpy as np

try:  # optional speedup
    import crc32c as _crc32c_ext  # type: ignore
except ImportError:  # pragma: no cover - depends on the environment
    _crc32c_ext = None

_POLY = 0x82F63B78  # reflected Castagnoli polynomial
_MASK = 0xFFFFFFFF


def _make_tables():
    t0 = np.zeros(256, np.uint32)
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ _POLY if c & 1 else c >> 1
        t0[n] = c
    tables = [t0]
    for _ in range(3):  # slicing-by-4: T[k][n] = register after k more zero bytes
        prev = tables[-1]
        tables.append((prev >> np.uint32(8)) ^ t0[prev & np.uint32(0xFF)])
    return tables


_T0, _T1, _T2, _T3 = _make_tables()
_T0_LIST = _T0.tolist()
_U8 = np.uint32(8)
_U16 = np.uint32(16)
_U24 = np.uint32(24)
_FF = np.uint32(0xFF)


# -- linear maps of the register (32x32 bit matrices as 4 byte tables) ----------------------------
class _Linear:
    """A GF(2)-linear map of the 32-bit register, applied through 4 tables of 256 entries."""

    __slots__ = ("_lists", "tables")

    def __init__(self, columns):
        # columns[i]: the image of bit i (a uint32 array of 32 values)
        columns = np.asarray(columns, np.uint32)
        byte = np.arange(256, dtype=np.uint32)
        tables = []
        for p in range(4):
            t = np.zeros(256, np.uint32)
            for j in range(8):
                t ^= np.where((byte >> np.uint32(j)) & np.uint32(1), columns[8 * p + j],
                              np.uint32(0)).astype(np.uint32)
            tables.append(t)
        self.tables = tables
        self._lists = None

    def scalar(self, v):
        """Applies the map to one Python int (no NumPy overhead)."""
        lists = self._lists
        if lists is None:
            lists = self._lists = [t.tolist() for t in self.tables]
        t0, t1, t2, t3 = lists
        return t0[v & 0xFF] ^ t1[(v >> 8) & 0xFF] ^ t2[(v >> 16) & 0xFF] ^ t3[v >> 24]

    def __call__(self, v):
        t0, t1, t2, t3 = self.tables
        v = np.asarray(v, np.uint32)
        return t0[v & _FF] ^ t1[(v >> _U8) & _FF] ^ t2[(v >> _U16) & _FF] ^ t3[v >> _U24]

    def then(self, other):
        """The map `other(self(v))`."""
        basis = np.uint32(1) << np.arange(32, dtype=np.uint32)
        return _Linear(other(self(basis)))


def _one_zero_byte():
    basis = np.uint32(1) << np.arange(32, dtype=np.uint32)
    return _Linear((basis >> _U8) ^ _T0[basis & _FF])


_POW2 = [_one_zero_byte()]  # _POW2[k]: shift by 2**k zero bytes


def _pow2(k):
    while len(_POW2) <= k:
        _POW2.append(_POW2[-1].then(_POW2[-1]))
    return _POW2[k]


def _shift_many(registers, lengths):
    """The registers after `lengths` zero bytes each (vectorized)."""
    v = np.asarray(registers, np.uint32).copy()
    lengths = np.asarray(lengths, np.int64)
    k = 0
    while lengths.size and (lengths >> k).any():
        sel = ((lengths >> k) & 1).astype(bool)
        if sel.any():
            v[sel] = _pow2(k)(v[sel])
        k += 1
    return v


_SHIFTS = {}


def _shift_scalar(register, n):
    """The register after n zero bytes (one value)."""
    k = 0
    while n >> k:
        if (n >> k) & 1:
            register = _pow2(k).scalar(register)
        k += 1
    return register


def _linear_shift(n):
    """The map 'shift by n zero bytes' (cached)."""
    m = _SHIFTS.get(n)
    if m is None:
        m = _SHIFTS[n] = _compose_shift(n)
    return m


def _compose_shift(n):
    m = None
    k = 0
    while n >> k:
        if (n >> k) & 1:
            m = _pow2(k) if m is None else m.then(_pow2(k))
        k += 1
    return m


# -- raw CRC of matrix rows -----------------------------------------------------------------------
def _raw_rows(mat):
    """Raw CRC32C (register starts at 0, no final xor) of each row of a uint8 matrix whose
    width is a multiple of 4."""
    rows, width = mat.shape
    words = np.ascontiguousarray(mat).view("<u4")
    c = np.zeros(rows, np.uint32)
    if rows >= 256:   # large arrays: fancy indexing is the faster lookup
        t0, t1, t2, t3 = _T0.__getitem__, _T1.__getitem__, _T2.__getitem__, _T3.__getitem__
    else:             # small arrays: take has less overhead per call
        t0, t1, t2, t3 = _T0.take, _T1.take, _T2.take, _T3.take
    ff, u8, u16, u24 = _FF, _U8, _U16, _U24
    for j in range(width // 4):
        c ^= words[:, j]
        c = t3(c & ff) ^ t2((c >> u8) & ff) ^ t1((c >> u16) & ff) ^ t0(c >> u24)
    return c


def _left_padded(buffers, width):
    mat = np.zeros((len(buffers), width), np.uint8)
    for r, b in enumerate(buffers):
        if b:
            mat[r, width - len(b):] = np.frombuffer(b, np.uint8)
    return mat


def _raw_long(data):
    """Raw CRC of one long buffer: rows in parallel, then a pairwise combination."""
    n = len(data)
    width = max(64, int(np.sqrt(n)) // 4 * 4)
    rows = -(-n // width)
    flat = np.zeros(rows * width, np.uint8)
    flat[rows * width - n:] = np.frombuffer(data, np.uint8)
    c = _raw_rows(flat.reshape(rows, width))
    # pad the count to a power of two with leading zero rows (a zero prefix leaves raw CRC 0)
    size = 1 << (rows - 1).bit_length()
    if size != rows:
        c = np.concatenate([np.zeros(size - rows, np.uint32), c])
    span = width
    while c.size > 1:
        c = _linear_shift(span)(c[0::2]) ^ c[1::2]
        span *= 2
    return int(c[0])


def _python_crc(data, crc=_MASK):
    t = _T0_LIST
    for b in data:
        crc = t[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc


def crc32c(data):
    """CRC32C of a bytes-like object.

    Example:
        >>> hex(crc32c(b"123456789"))
        '0xe3069283'
    """
    data = bytes(data)
    if _crc32c_ext is not None:
        return _crc32c_ext.crc32c(data)
    if len(data) <= 4096:
        return _python_crc(data) ^ _MASK
    return _shift_scalar(_MASK, len(data)) ^ _raw_long(data) ^ _MASK


def crc32c_many(buffers):
    """CRC32C of each buffer (a list of bytes), as a list of ints."""
    buffers = [bytes(b) for b in buffers]
    if not buffers:
        return []
    if _crc32c_ext is not None:
        return [_crc32c_ext.crc32c(b) for b in buffers]
    lengths = np.fromiter((len(b) for b in buffers), np.int64, len(buffers))
    raw = np.zeros(len(buffers), np.uint32)
    order = np.argsort(lengths, kind="stable")
    start = 0
    total = len(buffers)
    while start < total:
        first = int(lengths[order[start]])
        if first > 65536 or (total - start == 1 and first > 4096):
            i = int(order[start])
            raw[i] = _raw_long(buffers[i])
            start += 1
            continue
        # a group of similar lengths, at most ~32 MB of matrix
        limit = max(first + first // 4 + 64, 64)
        stop = start
        budget = 32 << 20
        while stop < total and lengths[order[stop]] <= limit and \
                (stop - start + 1) * limit <= budget:
            stop += 1
        idx = order[start:stop]
        width = -(-int(lengths[idx[-1]]) // 4) * 4 or 4
        if len(idx) < 8 and width > 64:
            # too few rows to vectorize over: one buffer at a time
            for i in idx:
                b = buffers[int(i)]
                raw[i] = _python_crc(b, 0) if len(b) <= 4096 else _raw_long(b)
        else:
            raw[idx] = _raw_rows(_left_padded([buffers[i] for i in idx], width))
        start = stop
    full = raw ^ _shift_many(np.full(len(buffers), _MASK, np.uint32), lengths) ^ np.uint32(_MASK)
    return [int(v) for v in full]


def masked_crc32c(data):
    """The masked CRC of TFRecord framing: rotate right by 15 bits, add 0xa282ead8."""
    return mask(crc32c(data))


def mask(crc):
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & _MASK


def mask_many(crcs):
    c = np.asarray(crcs, np.uint64)
    return ((((c >> 15) | (c << 17)) + 0xA282EAD8) & _MASK).astype(np.uint32)
