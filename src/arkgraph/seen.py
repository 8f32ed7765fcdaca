"""Which record IRIs a run has met, and where, in memory that stays small for millions of records."""

from __future__ import annotations

from array import array
from hashlib import blake2b


class FirstSeen:
    """A table from the 64-bit digest of a key (a record IRI) to a 64-bit value (where it was first met).

    Open addressing over two flat arrays: 16 bytes a slot, at most 2/3 full, so 24 to 48 bytes a key
    whatever its length (a Python set of the IRI strings takes ~150). The digest is blake2b, not ``hash()``:
    the same input gives the same output in every run. Two keys with one digest would be taken for one:
    odds about n²/2⁶⁵, 1 in 400,000 for 10 million keys."""

    __slots__ = ("_keys", "_values", "_mask", "_used", "_limit")

    def __init__(self, capacity: int = 1 << 10) -> None:
        size = 1 << max(capacity - 1, 1).bit_length()
        self._keys = array("Q", bytes(8 * size))  # 0: a free slot
        self._values = array("Q", bytes(8 * size))  # value + 1; 0: forgotten (the key keeps its slot)
        self._mask = size - 1
        self._used = 0
        self._limit = size * 2 // 3

    @staticmethod
    def digest(key: str) -> int:
        return int.from_bytes(blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little") or 1

    def _slot(self, digest: int) -> int:
        keys, mask = self._keys, self._mask
        i = digest & mask
        while (k := keys[i]) != digest and k != 0:
            i = (i + 1) & mask
        return i

    def first(self, digest: int, value: int) -> int | None:
        """The value put for this digest earlier, or None after putting ``value`` (0 to 2⁶⁴ - 2)."""
        i = self._slot(digest)
        old = self._values[i]
        if old:
            return old - 1
        if self._keys[i] == 0:
            self._keys[i] = digest
            self._used += 1
        self._values[i] = value + 1
        if self._used > self._limit:
            self._grow()
        return None

    def forget(self, digest: int) -> None:
        i = self._slot(digest)
        if self._keys[i]:
            self._values[i] = 0

    def _grow(self) -> None:
        old = zip(self._keys, self._values)
        bigger = FirstSeen(2 * (self._mask + 1))
        for k, v in old:
            if v:  # forgotten keys are not carried over
                bigger.first(k, v - 1)
        self._keys, self._values, self._mask = bigger._keys, bigger._values, bigger._mask
        self._used, self._limit = bigger._used, bigger._limit
