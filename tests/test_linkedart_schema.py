"""Every Paris Musées sample record's Linked Art JSON-LD validates against the official Linked Art schemas."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from arkgraph import jsonld, laschema
from arkgraph.cli import main
from helpers import PM


@pytest.mark.slow
def test_every_paris_musees_record_validates(tmp_path: Path) -> None:
    out = tmp_path / "la.jsonld"
    r = CliRunner().invoke(main, ["convert", str(PM / "nodequery-chinese-works-even.json"),
                                  str(PM / "nodebyid-226737-docs-example.json"), str(PM / "synthetic-full-nodeoeuvre.json"),
                                  str(PM / "synthetic-works.jsonl"), "--profile", "linkedart", "-o", str(out)],
                           catch_exceptions=False)
    assert "converted 253" in r.stderr
    docs = json.loads(out.read_text())
    objects = [d for d in docs if d["type"] == "HumanMadeObject"]
    assert len(objects) == 253
    failures = {d["id"] if "id" in d else "?": laschema.errors(d) for d in docs}
    assert {k: v for k, v in failures.items() if v} == {}
    assert all(d["@context"] == jsonld.LINKED_ART_CONTEXT for d in docs)
    # every separate resource is one of the Linked Art record types
    assert {d["type"] for d in docs} <= set(laschema.SCHEMA_FOR)


def test_schema_check_catches_bad_dates() -> None:
    """The date-time format is really checked (a format checker is passed)."""
    doc = {"@context": jsonld.LINKED_ART_CONTEXT, "id": "https://n2t.net/ark:99999/pm1", "type": "HumanMadeObject",
           "_label": "x", "produced_by": {"type": "Production", "timespan": {"type": "TimeSpan",
                                                                             "begin_of_the_begin": "1765-13-45"}}}
    assert any("date-time" in e for e in laschema.errors(doc))
