"""Validate Linked Art JSON-LD documents against the official Linked Art 1.0 JSON schemas (bundled)."""

from __future__ import annotations

import json
import re
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

# record type → schema file
SCHEMA_FOR = {"HumanMadeObject": "object.json", "VisualItem": "image.json", "LinguisticObject": "text.json",
              "DigitalObject": "digital.json", "Person": "person.json", "Group": "group.json", "Place": "place.json",
              "Type": "concept.json", "Material": "concept.json", "Language": "concept.json",
              "MeasurementUnit": "concept.json", "Period": "event.json", "Activity": "event.json", "Set": "set.json"}


@cache
def _registry() -> tuple[Registry, dict[str, dict[str, Any]]]:
    folder = resources.files("arkgraph").joinpath("data", "linked-art-schema")
    schemas: dict[str, dict[str, Any]] = {}
    resources_: list[tuple[str, Resource[Any]]] = []
    for entry in folder.iterdir():
        if entry.name.endswith(".json"):
            doc = json.loads(entry.read_text(encoding="utf-8"))
            schemas[entry.name] = doc
            resources_.append((doc["$id"], Resource.from_contents(doc, default_specification=DRAFT202012)))
    return Registry().with_resources(resources_), schemas


# RFC 3339 date-time. jsonschema only checks "date-time" when an optional package is installed;
# checking it here makes the result the same on every machine.
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
FORMAT_CHECKER = jsonschema.FormatChecker()


@FORMAT_CHECKER.checks("date-time", raises=ValueError)
def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _DATE_TIME.match(value):
        return False
    datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))  # real calendar dates
    return True


@cache
def _validator(schema_file: str) -> jsonschema.protocols.Validator:
    registry, schemas = _registry()
    return jsonschema.Draft202012Validator(schemas[schema_file], registry=registry, format_checker=FORMAT_CHECKER)


def errors(doc: dict[str, Any]) -> list[str]:
    """Schema errors for one Linked Art document ([] when valid), checking date-time formats."""
    kind = doc.get("type")
    schema_file = SCHEMA_FOR.get(kind if isinstance(kind, str) else "")
    if schema_file is None:
        return [f"no Linked Art record schema for type {kind!r}"]
    return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message[:300]}"
            for e in _validator(schema_file).iter_errors(doc)]
