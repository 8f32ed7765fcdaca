"""Value range constraint components (SHACL 4.3): sh:minExclusive, sh:minInclusive, sh:maxExclusive,
sh:maxInclusive. A value node that cannot be compared with the bound (another type, ill formed, an IRI,
a dateTime with a timezone against one without) fails: SPARQL's comparison does not return true.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..terms import string_value
from ..xsd import compare
from .base import ValueComponent, gen_memo

if TYPE_CHECKING:
    from ..codegen import Gen
    from ..run import Evaluation


class _Range(ValueComponent):
    allowed: tuple[int, ...]  # the comparisons of value with bound that pass: -1, 0, 1

    def passes(self, v: str) -> bool:
        return compare(v, self.param) in self.allowed

    def ok(self, ev: Evaluation, v: str) -> bool:
        return self.passes(v)

    def message(self) -> str:
        return f"value is not within {self.parameters[0]} {string_value(self.param)}"

    def gen_test(self, g: Gen, v: str) -> str:
        return gen_memo(g, self.passes, v)


class MinExclusive(_Range):
    name, parameters, allowed = "MinExclusive", ("minExclusive",), (1,)


class MinInclusive(_Range):
    name, parameters, allowed = "MinInclusive", ("minInclusive",), (0, 1)


class MaxExclusive(_Range):
    name, parameters, allowed = "MaxExclusive", ("maxExclusive",), (-1,)


class MaxInclusive(_Range):
    name, parameters, allowed = "MaxInclusive", ("maxInclusive",), (-1, 0)
