"""Every shared fixture. Tests never read ../shared: real samples are copied under tests/fixtures/.

Plain helpers live in modules the tests import by name: helpers.py (convert to a store, query it),
validate_helpers.py, embed_helpers.py, oxigraph_server.py (a real Oxigraph server and a fault proxy),
harvest_server.py (a replay server for the harvest tests).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Iterator

import pytest
from harvest_server import Data, ReplayServer
from oxigraph_server import OXIGRAPH, FaultProxy, OxigraphServer

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def fuzz() -> ModuleType:
    """bench/fuzz_campaign.py as a module: its corpus (the real samples cut small), mutators and checks."""
    path = Path(__file__).parent.parent / "bench" / "fuzz_campaign.py"
    spec = importlib.util.spec_from_file_location("fuzz_campaign", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["fuzz_campaign"] = module  # dataclasses resolve their module by name
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def fuzz_workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One directory for property tests' inputs and outputs, rewritten by each example (Hypothesis runs
    many examples per test: a function-scoped tmp_path would be shared by them anyway)."""
    return tmp_path_factory.mktemp("fuzz")


@pytest.fixture(scope="session")
def gallica_records() -> dict[str, object]:
    """Every Gallica sample record (OAIRecord and SRU, with their side files joined) and the synthetic ones
    (fixtures/gallica/synthetic: what no real sample shows), mapped, by ARK; the first record of an ARK
    read twice is kept, as the pipeline does."""
    from arkgraph import mappings
    from arkgraph.pipeline import Options, iter_items
    from arkgraph.sources import gallica
    from arkgraph.sources.common import Reject

    g = FIXTURES / "gallica"
    paths = [g / d for d in ("oairecord", "sru", "pagination", "issues", "enrich", "synthetic")]
    mapper = gallica.Mapper(mappings.load())
    ctx: dict[str, object] = {}
    out: dict[str, object] = {}
    for _mod, item in iter_items(Options([str(p) for p in paths], source="gallica"), ctx):
        if not isinstance(item, Reject):
            rec = mapper.map(item, ctx).record
            out.setdefault(rec.ark, rec)
    return out


@pytest.fixture(scope="session")
def pm_works():  # type: ignore[no-untyped-def]
    """The real Paris Musées nodeQuery response, converted in both profiles: (store, summary)."""
    from helpers import PM, convert_to_store
    return convert_to_store(PM / "nodequery-chinese-works-even.json")


@pytest.fixture(scope="session")
def all_samples():  # type: ignore[no-untyped-def]
    """Every bundled sample (samples/), converted in both profiles: (store, summary)."""
    from helpers import convert_to_store
    return convert_to_store(Path(__file__).parent.parent / "samples")


# The real samples under tests/fixtures (no synthetic record, no damaged or hostile file): both Paris Musées
# responses and every Gallica response folder. enrich/ holds real Toc responses joined by a made-up name
# (gallica/README.md): real content, and the only ToC entries that reach a record.
REAL_SAMPLES = [FIXTURES / "parismusees" / "nodequery-chinese-works-even.json",
                FIXTURES / "parismusees" / "nodebyid-226737-docs-example.json",
                *(FIXTURES / "gallica" / d for d in ("oairecord", "sru", "pagination", "issues", "toc", "iiif", "enrich"))]
SERIALIZATIONS = {"nq": "nq", "nt": "nt", "ttl": "turtle", "trig": "trig", "jsonld": "jsonld"}


@pytest.fixture(scope="session")
def real_samples_converted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """REAL_SAMPLES converted once per session, in one pass per run: ``all.<ext>`` (--profile all) in every
    serialization, ``schemaorg.<ext>``, ``linkedart.<ext>`` and ``edm.<ext>`` (one profile) as N-Quads and JSON-LD."""
    from arkgraph.pipeline import Options, convert

    from arkgraph.profiles.edm import Settings

    d = tmp_path_factory.mktemp("real-samples")
    runs = {"all": ("schemaorg", "linkedart"), "schemaorg": ("schemaorg",), "linkedart": ("linkedart",),
            "edm": ("edm",)}
    # EDM with a provider and a rights policy, so that every record with a museum or department is written
    edm = Settings("Test aggregator", None, "http://rightsstatements.org/vocab/InC/1.0/")
    for name, profiles in runs.items():
        exts = SERIALIZATIONS if name == "all" else ("nq", "jsonld")
        streams = {ext: (d / f"{name}.{ext}").open("wb") for ext in exts}
        try:
            convert(Options([str(p) for p in REAL_SAMPLES], profiles=profiles, edm=edm),
                    [(SERIALIZATIONS[ext], fh) for ext, fh in streams.items()])
        finally:
            for fh in streams.values():
                fh.close()
    return d


@pytest.fixture(scope="session")
def converted_all_profiles(tmp_path_factory: pytest.TempPathFactory):
    """Convert a set of input files (paths relative to tests/) with `arkgraph convert --profile all`, once per
    distinct set for the whole session, and return the output as a pyoxigraph Dataset (one named graph per
    record). Used by the review set (tests/semantics/), whose files name their inputs."""
    from functools import lru_cache

    import pyoxigraph as ox
    from click.testing import CliRunner

    from arkgraph.cli import main

    tests_dir = Path(__file__).parent
    out_dir = tmp_path_factory.mktemp("review-set")

    @lru_cache(maxsize=None)
    def convert(inputs: tuple[str, ...]) -> ox.Dataset:
        out = out_dir / f"out{convert.cache_info().currsize}.nq"
        result = CliRunner().invoke(main, ["convert", *(str(tests_dir / i) for i in inputs), "--profile", "all",
                                           "-o", str(out), "-q"], catch_exceptions=False)
        # 1 = some records rejected (the real Paris Musées page holds a null entity); the rest is written
        assert result.exit_code in (0, 1), f"converting {inputs} failed:\n{result.output}"
        return ox.Dataset(ox.parse(path=str(out), format=ox.RdfFormat.N_QUADS))

    return convert


@pytest.fixture
def oxigraph_server(tmp_path: Path) -> Iterator[OxigraphServer]:
    """A real ``oxigraph serve`` on a free loopback port, with its database under tmp_path."""
    if not OXIGRAPH:
        pytest.skip("oxigraph server binary not installed (pip install oxigraph)")
    server = OxigraphServer(tmp_path / "oxigraph-db").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def fault_proxy(oxigraph_server: OxigraphServer) -> Iterator[FaultProxy]:
    """A proxy in front of ``oxigraph_server`` that injects the faults a test arms."""
    proxy = FaultProxy(oxigraph_server.url).start()
    try:
        yield proxy
    finally:
        proxy.stop()


@pytest.fixture(scope="session")
def harvest_data() -> Data:
    """The saved Paris Musées and Gallica responses the replay server serves (tests/fixtures/harvest/)."""
    return Data()


@pytest.fixture
def harvest_server(harvest_data: Data) -> Iterator[ReplayServer]:
    """A loopback server replaying the saved responses, with faults a test arms."""
    with ReplayServer(harvest_data) as server:
        yield server


# -- EDM (issue #18) ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def mapped_records():  # type: ignore[no-untyped-def]
    """``records(path)``: the records of a fixture file or folder (relative to tests/fixtures), mapped as the
    pipeline maps them, in reading order; the first of an IRI read twice is kept, items a reader or mapper
    rejects are left out. Cached for the session: tests copy a record (dataclasses.replace) to change it."""
    from functools import lru_cache

    from arkgraph import mappings
    from arkgraph.errors import RecordError
    from arkgraph.pipeline import Options, iter_items
    from arkgraph.sources.common import Reject

    tables = mappings.load()

    @lru_cache(maxsize=None)
    def records(path: str) -> tuple[object, ...]:
        ctx: dict[str, object] = {}
        mappers: dict[str, object] = {}
        out: dict[str, object] = {}
        for mod, item in iter_items(Options([str(FIXTURES / path)]), ctx):
            if isinstance(item, Reject):
                continue
            mapper = mappers.setdefault(mod.SOURCE, mod.Mapper(tables))
            try:
                rec = mapper.map(item, ctx).record  # type: ignore[attr-defined]
            except RecordError:
                continue
            out.setdefault(rec.iri, rec)
        return tuple(out.values())

    return records


@pytest.fixture(scope="session")
def edm_tables():  # type: ignore[no-untyped-def]
    """The bundled crosswalk tables, for arkgraph.profiles.edm.Profile."""
    from arkgraph import mappings
    return mappings.load()


# -- Gallica OCR text (issue #19) ---------------------------------------------------------------------------------

ALTO = FIXTURES / "gallica" / "alto"


@pytest.fixture(scope="session")
def alto_pages() -> dict[int, Path]:
    """The real ALTO pages of bpt6k5628146t (fixtures/gallica/alto/bpt6k5628146t/f<n>.xml), by page number."""
    return {int(p.stem[1:]): p for p in sorted((ALTO / "bpt6k5628146t").glob("f*.xml"))}


# -- Web Annotations (issue #19) -------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def web_annotation_musts():  # type: ignore[no-untyped-def]
    """The W3C Web Annotation tests' MUST assertions (tests/fixtures/web-annotation, its README): every schema
    ``annotationMusts.test`` lists, as ``(assertion path, jsonschema validator)``. Their ``$ref``s (bare file
    names such as ``bodyTarget.json#/…``) are served from a local registry, so nothing is fetched; the formats
    they name are checked: ``uri`` (an absolute IRI in ASCII, terms.is_iri) and ``date-time`` (RFC 3339)."""
    import json
    from datetime import datetime

    from jsonschema import Draft4Validator, FormatChecker
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    from arkgraph.terms import is_iri

    root = FIXTURES / "web-annotation"
    base = "https://web-annotation-tests.invalid/"  # one flat namespace, as the tests' harness uses
    formats = FormatChecker(())

    @formats.checks("uri")
    def _uri(value: object) -> bool:
        return not isinstance(value, str) or (value.isascii() and is_iri(value))

    @formats.checks("date-time", raises=ValueError)
    def _date_time(value: object) -> bool:
        if isinstance(value, str):
            if "T" not in value.upper() or value[-1:] not in "zZ" and "+" not in value[10:] and "-" not in value[10:]:
                raise ValueError(f"not an RFC 3339 date-time: {value!r}")
            datetime.fromisoformat(value.replace("z", "Z").replace("Z", "+00:00"))
        return True

    registry = Registry().with_resources(
        (base + d["id"], Resource.from_contents(d, default_specification=DRAFT4))
        for d in (json.loads(p.read_text(encoding="utf-8")) for p in sorted((root / "definitions").glob("*.json"))))
    out = []
    for path in json.loads((root / "annotations" / "annotationMusts.test").read_text(encoding="utf-8"))["assertions"]:
        schema = json.loads((root / path).read_text(encoding="utf-8"))
        assert schema["assertionType"] == "must" and schema["expectedResult"] == "valid", path
        reg = registry.with_resource(base + schema["id"], Resource.from_contents(schema, default_specification=DRAFT4))
        out.append((path, Draft4Validator({"$ref": base + schema["id"]}, registry=reg, format_checker=formats)))
    return out


# --------------------------------------------------------------------------- arkgraph serve (#20)


@pytest.fixture(scope="session")
def samples_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The README's quick start: every bundled sample converted with --store into an embedded store."""
    from click.testing import CliRunner

    from arkgraph.cli import main

    d = tmp_path_factory.mktemp("serve")
    samples = Path(__file__).parent.parent / "samples"
    res = CliRunner().invoke(main, ["convert", str(samples), "-o", str(d / "collection.nq"), "--store",
                                    str(d / "store"), "-q"])
    assert res.exit_code == 1 and "rejected 5" in res.output, res.output  # the README's 4 duplicates and 1 null
    return d / "store"


@pytest.fixture(scope="session")
def served_samples(samples_store: Path):  # type: ignore[no-untyped-def]
    """`arkgraph serve` on the samples' store, on a free loopback port, stopped by SIGINT at the end."""
    from serve_helpers import ServeProcess

    with ServeProcess(samples_store) as served:
        yield served


# --- parallel conversion (issue #21) -------------------------------------------------------------------------

@pytest.fixture
def convert_run(tmp_path: Path):  # type: ignore[no-untyped-def]
    """``convert_run(name, inputs, *args, env=None)``: ``arkgraph convert`` in a child process writing every
    format, the rejects and the coverage report under tmp_path/name; returns (exit code, stderr, directory)."""
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent

    def run(name: str, inputs: list[str], *args: str, env: dict[str, str] | None = None,
            outputs: tuple[str, ...] = ("out.nq", "out.nt", "out.ttl", "out.trig", "out.jsonld")):
        d = tmp_path / name
        d.mkdir()
        cmd = [sys.executable, "-m", "arkgraph", "convert", *inputs, *[f"-o{d / o}{'/' if o.endswith('/') else ''}" for o in outputs],
               "--rejects", str(d / "rejects.jsonl"), "--coverage", str(d / "coverage.json"), *args]
        proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True, timeout=600,
                              env={**os.environ, **(env or {})})
        return proc.returncode, proc.stderr, d
    return run

# --------------------------------------------------------------------------- parts directories: load DIR/ (#21)

# small real samples of both sources, with an OAI-PMH deletion marker (gallica/oaipmh) and duplicates rejected:
# a part's records count the marker, its triples do not (as convert's summary)
PARTS_SAMPLES = [FIXTURES / "parismusees" / "nodebyid-226737-docs-example.json", FIXTURES / "gallica" / "oairecord",
                 FIXTURES / "gallica" / "oaipmh"]


def cut_into_parts(nq: Path, directory: Path, n: int = 3, *, rejected: int = 0):  # type: ignore[no-untyped-def]
    """Cut a converted N-Quads file into ``n`` part files at named-graph boundaries, by hand (as the parallel
    writer would: each graph's lines in one part, the parts' concatenation the file itself), and write their
    manifest with ``parts.write_manifest``. ``rejected`` is put on the first part. Returns the Manifest."""
    import pyoxigraph as ox

    from arkgraph import parts
    from arkgraph.rdfio.records import DELETIONS_GRAPH

    marker_graph = ox.NamedNode(DELETIONS_GRAPH)
    data = nq.read_bytes()
    lines = data.splitlines(keepends=True)
    quads = list(ox.parse(data, format=ox.RdfFormat.N_QUADS))
    assert len(quads) == len(lines), "one quad per line, as arkgraph writes"
    runs: list[list[bytes]] = []  # consecutive lines of one graph
    triples: list[int] = []  # their triples, a deletion marker's line not counted
    last = None
    for line, q in zip(lines, quads):
        if q.graph_name != last or not runs:
            runs.append([])
            triples.append(0)
            last = q.graph_name
        runs[-1].append(line)
        triples[-1] += q.graph_name != marker_graph
    assert len(runs) >= n
    directory.mkdir(parents=True, exist_ok=True)
    bounds = [round(i * len(runs) / n) for i in range(n + 1)]
    listed = []
    for i in range(n):
        chunk = runs[bounds[i]:bounds[i + 1]]
        path = directory / parts.part_name(i, "nq")
        path.write_bytes(b"".join(b"".join(run) for run in chunk))
        listed.append(parts.Part.of_file(path, records=len(chunk), rejected=rejected if i == 0 else 0,
                                         triples=sum(triples[bounds[i]:bounds[i + 1]])))
    assert b"".join((directory / p.name).read_bytes() for p in listed) == data
    manifest = parts.Manifest("nq", tuple(listed))
    parts.write_manifest(directory, manifest)
    return manifest


@pytest.fixture(scope="session")
def cut_parts():  # type: ignore[no-untyped-def]
    """``cut_into_parts``, for tests that cut a file their own way."""
    return cut_into_parts


@pytest.fixture(scope="session")
def parts_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """PARTS_SAMPLES converted by `arkgraph convert` into ``one.nq``, and the same cut by hand into a parts
    directory ``parts/`` of 3 parts with its manifest. Tests that change the parts use ``parts_copy``."""
    from click.testing import CliRunner

    from arkgraph.cli import main

    d = tmp_path_factory.mktemp("parts")
    res = CliRunner().invoke(main, ["convert", *map(str, PARTS_SAMPLES), "-o", str(d / "one.nq"), "-q"])
    assert res.exit_code == 1 and "rejected 3" in res.output, res.output  # 3 duplicates
    cut_into_parts(d / "one.nq", d / "parts", 3, rejected=3)
    return d


@pytest.fixture
def parts_copy(parts_sample: Path, tmp_path: Path) -> Path:
    """A copy of ``parts_sample``'s parts directory, for a test to damage."""
    import shutil

    return Path(shutil.copytree(parts_sample / "parts", tmp_path / "parts"))


@pytest.fixture(scope="module")
def dask_cluster():  # type: ignore[no-untyped-def]
    """A Dask LocalCluster of two worker processes on loopback; its scheduler's address."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  host="127.0.0.1") as cluster:
        yield cluster.scheduler_address
# --------------------------------------------------------------------------- sources.pieces (#21, cut)


@pytest.fixture(scope="session")
def pm_response() -> dict:
    """The real Paris Musées nodeQuery response (250 entities, the first one null), parsed."""
    import json

    path = Path(__file__).parent / "fixtures" / "parismusees" / "nodequery-chinese-works-even.json"
    return json.loads(path.read_text(encoding="utf-8"))


def _xml_parts(path: Path, records: bytes, start_tag: bytes, end_tag: bytes) -> tuple[bytes, list[bytes], bytes]:
    """A response's bytes before its first record, each record element as written, and the bytes after the last."""
    data = path.read_bytes()
    first = data.index(start_tag, data.index(records))  # the OAI-PMH fixture's comment mentions <record>
    last = data.rindex(end_tag) + len(end_tag)
    body = data[first:last]
    records = [r + end_tag for r in body.split(end_tag)[:-1]]
    return data[:first], [r[r.index(start_tag):] for r in records], data[last:]


@pytest.fixture(scope="session")
def sru_parts() -> tuple[bytes, list[bytes], bytes]:
    """The real SRU response realRecord-arkPress-brazza.xml (50 records), as head, records, tail."""
    return _xml_parts(Path(__file__).parent / "fixtures" / "gallica" / "sru" / "realRecord-arkPress-brazza.xml",
                      b"<srw:records>", b"<srw:record>", b"</srw:record>")


@pytest.fixture(scope="session")
def oai_parts() -> tuple[bytes, list[bytes], bytes]:
    """The OAI-PMH ListRecords fixture (real records, one deleted header, a resumptionToken), as head, records, tail."""
    return _xml_parts(Path(__file__).parent / "fixtures" / "gallica" / "oaipmh" / "listrecords-page1.xml",
                      b"<ListRecords>", b"<record>", b"</record>")
