"""Generate N realistic Paris Musées records by varying the real samples' ids, labels and values.

The shapes are the real ones (tests/fixtures/parismusees/), so the converter does the same work
it does on real data.
"""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import IO, Any, Iterator

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "parismusees"


def templates() -> list[dict[str, Any]]:
    real = json.loads((FIXTURES / "nodequery-chinese-works-even.json").read_text(encoding="utf-8"))
    out = [e for e in real["data"]["nodeQuery"]["entities"] if e]
    synth = json.loads((FIXTURES / "synthetic-full-nodeoeuvre.json").read_text(encoding="utf-8"))
    out.append(synth["data"]["nodeById"])
    return out


def records(n: int, seed: int = 7) -> Iterator[dict[str, Any]]:
    rnd = random.Random(seed)
    base = templates()
    for i in range(n):
        e = copy.deepcopy(base[i % len(base)])
        nid = 1_000_000 + i
        e["absolutePath"] = f"https://www.parismuseescollections.paris.fr/node/{nid}"
        e.pop("nid", None)
        e["entityUuid"] = f"00000000-0000-4000-8000-{nid:012d}"
        e["title"] = f"{e.get('title', 'Œuvre')} n° {i}"
        if e.get("fieldOeuvreNumInventaire"):
            e["fieldOeuvreNumInventaire"] = f"{e['fieldOeuvreNumInventaire']}-{i}"
        for d in e.get("fieldOeuvreDimensions") or []:
            ent = (d or {}).get("entity") or {}
            if isinstance(ent.get("fieldDimensionValeur"), (int, float)):
                ent["fieldDimensionValeur"] = round(ent["fieldDimensionValeur"] * rnd.uniform(0.5, 1.5), 1)
        for a in e.get("fieldOeuvreAuteurs") or []:
            person = (((a or {}).get("entity") or {}).get("fieldAuteurAuteur") or {}).get("entity")
            if person and rnd.random() < 0.3:  # some new persons, most shared, as in a real collection
                person["entityId"] = str(500_000 + rnd.randrange(20_000))
        yield e


def write(path: Path | str, n: int) -> None:
    """One GraphQL nodeQuery response, written incrementally so N can be large."""
    with open(path, "w", encoding="utf-8") as fh:
        _write(fh, n)


def _write(fh: IO[str], n: int) -> None:
    fh.write('{"data": {"nodeQuery": {"count": %d, "entities": [\n' % n)
    for i, e in enumerate(records(n)):
        if i:
            fh.write(",\n")
        fh.write(json.dumps(e, ensure_ascii=False))
    fh.write("\n]}}}\n")
