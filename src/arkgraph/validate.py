"""The old import path of ``arkgraph.shacl`` (kept while #17's branches merge: cli_validate, bench and some
tests still import it). New code imports ``arkgraph.shacl``."""

from __future__ import annotations

from .shacl import *  # noqa: F403
from .shacl import Shapes as CompiledShapes  # noqa: F401
from .shacl.data import Long  # noqa: F401
from .shacl.terms import LANGSTRING, TYPE, XSD_STRING, literal_parts  # noqa: F401
