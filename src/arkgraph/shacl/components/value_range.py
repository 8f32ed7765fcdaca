"""Value range constraint components (SHACL 4.3): sh:minExclusive, sh:minInclusive, sh:maxExclusive,
sh:maxInclusive. A value node that cannot be compared with the bound (another type, ill formed, an IRI,
a dateTime with a timezone against one without) fails: SPARQL's comparison does not return true.
"""

from __future__ import annotations

from ..terms import string_value
from ..xsd import compare
from .base import TermComponent


class _Range(TermComponent):
    allowed: tuple[int, ...]  # the comparisons of value with bound that pass: -1, 0, 1

    def passes(self, v: str) -> bool:
        return compare(v, self.param) in self.allowed

    def message(self) -> str:
        return f"value is not within {self.parameters[0]} {string_value(self.param)}"


class MinExclusive(_Range):
    name, parameters, allowed = "MinExclusive", ("minExclusive",), (1,)


class MinInclusive(_Range):
    name, parameters, allowed = "MinInclusive", ("minInclusive",), (0, 1)


class MaxExclusive(_Range):
    name, parameters, allowed = "MaxExclusive", ("maxExclusive",), (-1,)


class MaxInclusive(_Range):
    name, parameters, allowed = "MaxInclusive", ("maxInclusive",), (-1, 0)
