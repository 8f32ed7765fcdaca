"""SHACL Core's constraint components, one class each, grouped as the specification's section 4 groups them
(as pySHACL lays them out): value_type, cardinality, value_range, string_based, property_pair, logical,
shape_based, other. ``base`` says what a component is.

A new component is a class here and a line in ``COMPONENTS``; the shapes reader, the checker and the fast
path find it there.
"""

from __future__ import annotations

from .base import Component, ValueComponent
from .cardinality import MaxCount, MinCount
from .logical import And, Not, Or, Xone
from .other import Closed, HasValue, In
from .property_pair import Disjoint, Equals, LessThan, LessThanOrEquals
from .shape_based import Node, Property, QualifiedMaxCount, QualifiedMinCount
from .string_based import LanguageIn, MaxLength, MinLength, Pattern, UniqueLang
from .value_range import MaxExclusive, MaxInclusive, MinExclusive, MinInclusive
from .value_type import Class, Datatype, NodeKind

# The order a shape's constraints are checked in (results are sorted afterwards: the order only decides
# how soon a conformance test can stop; cheap and selective first).
COMPONENTS: tuple[type[Component], ...] = (
    Class, Datatype, NodeKind, MinCount, MaxCount, MinExclusive, MinInclusive, MaxExclusive, MaxInclusive,
    MinLength, MaxLength, Pattern, LanguageIn, UniqueLang, Equals, Disjoint, LessThan, LessThanOrEquals,
    Not, And, Or, Xone, Node, Property, QualifiedMinCount, QualifiedMaxCount, Closed, HasValue, In)

__all__ = ["COMPONENTS", "Component", "ValueComponent"]
