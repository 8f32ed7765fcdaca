"""Harvest Gallica (BnF): OAIRecord by ARK, OAI-PMH ListRecords/ListSets, SRU searchRetrieve,
and the per-document services Pagination, Issues, Toc, the IIIF manifest, the pages' OCR (ALTO)
and full-text search hits (ContentSearch).

Every response is saved as received, one file per response, under ``OUT``::

    oairecord/<name>.xml              OAIRecord?ark=<name>
    pagination/<name>.xml             Pagination?ark=<name>
    toc/<name>.xml                    Toc?ark=<name>            (the file name carries the ARK)
    iiif/<name>.json                  iiif/ark:/12148/<name>/manifest.json
    issues/years-<cb>.xml             Issues?ark=ark:/12148/<cb>/date
    issues/<year>-<cb>.xml            Issues?ark=ark:/12148/<cb>/date&date=<year>
    alto/<name>/f<n>.xml              RequestDigitalElement?O=<name>&E=ALTO&Deb=<n>, one per page (ARK <name>/f<n>)
                                      of the Pagination, which ``alto`` fetches (and saves) when it is missing
    contentsearch/<name>-<slug>.xml   ContentSearch?ark=<name>&query=<q>; ``query_slug`` names the query
    oaipmh/listrecords-<job>-<n>.xml  OAI-PMH pages, in resumption-token order
    oaipmh/listsets-<n>.xml
    sru/sru-<job>-<startRecord>.xml   SRU pages

A document is done when all its files exist (files are written atomically), so a re-run
skips it; page-wise harvests keep their resumption token / startRecord in the checkpoint.
An ALTO page that cannot be had (a 404, an HTML page) does not stop its document: the other
pages are saved, the page is reported as a failure, and the document stays to do, so a re-run
fetches only its missing pages.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote, urlencode

import httpx
from lxml import etree

from ..errors import UsageError
from ..http import BodyError, Fetcher, FetchError
from ..sources.gallica_contentsearch import query_key as query_slug  # the reader's own name for a query
from .checkpoint import Checkpoint
from .common import RESUME_HINT, HarvestStopped, Result, local_name, parse_json, parse_xml
from .files import safe_name, save_response
from .progress import NullReporter, Reporter

DEFAULT_ENDPOINT = "https://gallica.bnf.fr"
NAAN = "12148"
SRU_PAGE = 50  # Gallica's maximumRecords ceiling
SERVICES = ("pagination", "toc", "iiif", "issues", "alto")  # the names --with takes
SEARCH = "contentsearch"  # the service --search adds; its query is the harvest's (Gallica.search)
PAGED = ("pagination", "toc", "iiif", "alto", SEARCH)  # what a periodical title (cb…/date) has not
OAI_NS = "http://www.openarchives.org/OAI/2.0/"
SRW_NS = "http://www.loc.gov/zing/srw/"

_ARK_IN_TEXT = re.compile(r"ark:/?12148/([A-Za-z0-9]+(?:/date)?)")
_PERIODICAL = re.compile(r"ark:/?12148/(cb[0-9a-z]+)/date")


def ark_name(text: str) -> str:
    """``ark:/12148/bpt6k58017546``, a Gallica URL or a bare name → ``bpt6k58017546``.

    ``/date`` (a periodical title) is kept; view qualifiers (``/f3``, ``.thumbnail``) are dropped.
    """
    text = text.strip()
    m = _ARK_IN_TEXT.search(text)
    name = m.group(1) if m else text.rstrip("/")
    if not re.fullmatch(r"[A-Za-z0-9]+(?:/date)?", name):
        raise UsageError(f"not a Gallica ARK: {text!r} (expected e.g. ark:/12148/bpt6k58017546)")
    return name


def read_ark_list(path: Path) -> list[str]:
    """One ARK per line; blank lines and ``#`` comments skipped; duplicates dropped in order."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise UsageError(f"cannot read ARK list {path}: {exc.strerror or exc}") from None
    names = [ark_name(line) for line in (ln.split("#", 1)[0].strip() for ln in lines) if line]
    return list(dict.fromkeys(names))


# ---------------------------------------------------------------- response checks

def _expect_root(*names: str, allow_html: bool = False) -> Callable[[httpx.Response], etree._Element]:
    def check(response: httpx.Response) -> etree._Element:
        root = parse_xml(response.content)
        name = local_name(root)
        if name not in names and not (allow_html and name == "html"):
            if name == "html":
                raise BodyError("HTML page instead of XML")
            raise BodyError(f"unexpected XML root <{name}> (expected <{'|'.join(names)}>)", retryable=False)
        return root
    return check


class NoRecord(BodyError):
    """OAIRecord answered, but with no record for the ARK."""


def check_oairecord(response: httpx.Response) -> etree._Element:
    root = _expect_root("results")(response)
    if root.find("notice") is None:
        raise NoRecord(f"no record (countResults={root.get('countResults')!r})", retryable=False)
    return root


def check_oai(response: httpx.Response) -> etree._Element:
    root = _expect_root("OAI-PMH")(response)
    error = root.find(f"{{{OAI_NS}}}error")
    if error is not None and error.get("code") != "noRecordsMatch":
        raise BodyError(f"OAI-PMH error {error.get('code')}: {(error.text or '').strip()}", retryable=False)
    return root


def check_sru(response: httpx.Response) -> etree._Element:
    root = _expect_root("searchRetrieveResponse")(response)
    diag = root.find(f"{{{SRW_NS}}}diagnostics")
    if diag is not None and len(diag):
        text = " ".join(" ".join(diag.itertext()).split())
        raise BodyError(f"SRU diagnostic: {text[:300]}", retryable=False)
    return root


def check_iiif(response: httpx.Response) -> object:
    doc = parse_json(response)
    if not isinstance(doc, dict) or not ("@id" in doc or "id" in doc):
        raise BodyError("not a IIIF manifest (no @id)", retryable=False)
    return doc


CHECKS: dict[str, Callable[[httpx.Response], object]] = {
    "record": check_oairecord,
    "pagination": _expect_root("livre"),
    "toc": _expect_root("TEI.2", "TEI", allow_html=True),  # Gallica also serves an older XHTML Toc
    "iiif": check_iiif,
    "issues": _expect_root("issues"),
    "alto": _expect_root("alto"),  # v2, v3 and v4 namespaces alike: the reader judges the rest
    SEARCH: _expect_root("results"),
}


def with_search(services: Sequence[str], search: str | None) -> tuple[list[str], str | None]:
    """``services`` plus ContentSearch when there is a query, and the query as sent (NFC, trimmed)."""
    query = unicodedata.normalize("NFC", search).strip() if search else ""
    if search is not None and not query:
        raise UsageError("--search needs a query (it is empty)")
    return ([*services, SEARCH] if query else list(services)), (query or None)


def pages_in(pagination: etree._Element) -> list[int]:
    """The views (``ordre``, 1-based) a Pagination lists, in its order, each once."""
    pages = [(p.findtext("ordre") or "").strip() for p in pagination.iter("page")]
    return list(dict.fromkeys(int(p) for p in pages if p.isdigit()))


class PagesFailed(FetchError):
    """Some ALTO pages of a document could not be fetched; its other files are saved."""

    def __init__(self, written: int, pages: dict[str, str]):
        super().__init__(f"{len(pages)} pages failed")
        self.written = written
        self.pages = pages  # page name (``<name>/f<n>``) → why


# ---------------------------------------------------------------- the per-document services

class Gallica:
    """URLs and file paths for one endpoint root and one output directory."""

    def __init__(self, fetcher: Fetcher, out: Path, endpoint: str = DEFAULT_ENDPOINT, search: str | None = None):
        self.fetcher = fetcher
        self.out = out
        self.root = endpoint.rstrip("/")
        self.search = search  # the ContentSearch query, if the harvest has one
        self._issue_lock = threading.Lock()

    def url(self, path: str, **params: str) -> str:
        return f"{self.root}{path}" + ("?" + urlencode(params, safe=":/") if params else "")

    def doc_url(self, service: str, name: str) -> str:
        if service == "iiif":
            return f"{self.root}/iiif/ark:/{NAAN}/{name}/manifest.json"
        if service == SEARCH:  # the query %-encoded whole (a space is %20, ê is %C3%AA)
            query = urlencode({"ark": name, "query": self.search or ""}, quote_via=quote, safe="")
            return f"{self.root}/services/ContentSearch?{query}"
        path = {"record": "/services/OAIRecord", "pagination": "/services/Pagination", "toc": "/services/Toc"}[service]
        return self.url(path, ark=name)

    def doc_path(self, service: str, name: str) -> Path:
        if service == SEARCH:
            return self.out / "contentsearch" / f"{safe_name(name)}-{query_slug(self.search or '')}.xml"
        folder, ext = {"record": ("oairecord", "xml"), "pagination": ("pagination", "xml"),
                       "toc": ("toc", "xml"), "iiif": ("iiif", "json")}[service]
        return self.out / folder / f"{safe_name(name)}.{ext}"

    def fetch_to(self, url: str, path: Path, check: Callable[[httpx.Response], object]) -> object:
        response, parsed = self.fetcher.get(url, check=check)
        save_response(path, response.content, self.fetcher.redact)
        return parsed

    # ALTO: one file per page of the Pagination, named by the page ARK (<name>/f<n>).
    def alto_url(self, name: str, page: int) -> str:
        return self.url("/RequestDigitalElement", O=name, E="ALTO", Deb=str(page))

    def alto_path(self, name: str, page: int) -> Path:
        return self.out / "alto" / safe_name(name) / f"f{page}.xml"

    def alto(self, name: str, failed: dict[str, str]) -> int:
        """Fetch the missing ALTO pages of a document whose Pagination is saved; return how many were
        written. A page that fails goes into ``failed`` and the next page is fetched."""
        written = 0
        for page in pages_in(parse_xml(self.doc_path("pagination", name).read_bytes())):
            path = self.alto_path(name, page)
            if path.exists():
                continue
            try:
                self.fetch_to(self.alto_url(name, page), path, CHECKS["alto"])
            except FetchError as exc:
                failed[f"{name}/f{page}"] = str(exc)
            else:
                written += 1
        return written

    # Issues: the periodical's years, then the issues of each year.
    def years_path(self, cb: str) -> Path:
        return self.out / "issues" / f"years-{safe_name(cb)}.xml"

    def year_path(self, cb: str, year: str) -> Path:
        return self.out / "issues" / f"{safe_name(year)}-{safe_name(cb)}.xml"

    def issues(self, cb: str) -> int:
        """Fetch what is missing of a periodical's Issues; return how many files were written."""
        with self._issue_lock:  # two issue ARKs of one periodical must not race on its years
            written = 0
            years_file = self.years_path(cb)
            parent = f"ark:/{NAAN}/{cb}/date"
            if years_file.exists():
                root = parse_xml(years_file.read_bytes())
            else:
                root = self.fetch_to(self.url("/services/Issues", ark=parent), years_file, CHECKS["issues"])
                written += 1
            for year in [(y.text or "").strip() for y in root.iter("year")]:
                if year and not self.year_path(cb, year).exists():
                    self.fetch_to(self.url("/services/Issues", ark=parent, date=year), self.year_path(cb, year), CHECKS["issues"])
                    written += 1
            return written

    def document(self, name: str, services: Sequence[str], *, periodical: str | None = None) -> int:
        """Fetch the missing files of one document; return how many files were written.

        ``services`` may hold ``record`` (OAIRecord), any of ``SERVICES`` and ``SEARCH``. For ``issues``
        the periodical is the ARK itself when it is a ``cb…`` title, else ``periodical`` or
        the ``…/cb…/date`` relation of the document's saved OAIRecord. ``alto`` fetches the
        Pagination first when it is not saved yet. Raises ``PagesFailed`` when all but some
        ALTO pages were saved.
        """
        written = 0
        pages_failed: dict[str, str] = {}
        if "alto" in services and "pagination" not in services:  # ALTO needs the page list: saved, as --with pagination
            at = list(services).index("alto")
            services = [*services[:at], "pagination", *services[at:]]
        for service in services:
            if service == "issues":
                continue
            if name.startswith("cb") and service in PAGED:
                continue  # a periodical title has no pages of its own
            if service == "alto":
                written += self.alto(name, pages_failed)
                continue
            path = self.doc_path(service, name)
            if path.exists():
                continue
            try:
                self.fetch_to(self.doc_url(service, name), path, CHECKS[service])
            except FetchError as exc:
                # a periodical title (cb…/date) may have no OAIRecord of its own: its Issues still count
                if not (name.startswith("cb") and "issues" in services and isinstance(exc.__cause__, NoRecord)):
                    raise
                self.fetcher.stats.add(failures=-1)  # tolerated: not a failure of the harvest
            else:
                written += 1
        if "issues" in services:
            cb = name.removesuffix("/date") if name.startswith("cb") else periodical or self._periodical_of(name)
            if cb:
                written += self.issues(cb)
        if pages_failed:
            raise PagesFailed(written, pages_failed)
        return written

    def _periodical_of(self, name: str) -> str | None:
        path = self.doc_path("record", name)
        if not path.exists():
            return None
        return periodical_in(parse_xml(path.read_bytes()))


def periodical_in(element: etree._Element) -> str | None:
    """The ``cb…`` of a ``…/ark:/12148/cb…/date`` relation inside a record, if any."""
    for text in element.itertext():
        m = _PERIODICAL.search(text)
        if m:
            return m.group(1)
    return None


def _run_documents(g: Gallica, items: Iterable[tuple[str, str | None]], services: Sequence[str], *,
                   concurrency: int, reporter: Reporter, on_done: Callable[[str, int, dict[str, str]], None],
                   on_fail: Callable[[str, str], None], count_records: bool) -> None:
    """Fetch documents, ``concurrency`` at a time; report each as done (with the pages that failed, if
    any: ``{page name: why}``) or failed."""
    stop = threading.Event()

    def one(item: tuple[str, str | None]) -> None:
        name, periodical = item
        if stop.is_set():
            return
        pages: dict[str, str] = {}
        try:
            written = g.document(name, services, periodical=periodical)
        except PagesFailed as exc:
            written, pages = exc.written, exc.pages
            for page, message in pages.items():
                reporter.note(f"failed: ark:/{NAAN}/{page}: {message}")
        except FetchError as exc:
            on_fail(name, str(exc))
            reporter.note(f"failed: ark:/{NAAN}/{name}: {exc}")
            return
        on_done(name, written, pages)
        reporter.advance(1 if count_records else 0)

    if concurrency <= 1:
        for item in items:
            one(item)
        return
    pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="gallica")
    try:
        for future in [pool.submit(one, item) for item in items]:
            future.result()
    except BaseException:
        stop.set()  # Ctrl-C: let running fetches finish, start no new ones
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


class _Saver:
    """Saves the checkpoint at most once a second: done files prove progress anyway."""

    def __init__(self, cp: Checkpoint):
        self.cp = cp
        self.lock = threading.Lock()
        self._last = 0.0

    def maybe(self) -> None:
        if time.monotonic() - self._last >= 1.0:
            self.now()

    def now(self) -> None:
        with self.lock:
            self.cp.save()
            self._last = time.monotonic()


def _failed_text(documents: int, pages: int) -> str:
    """``, 1 failed, 2 pages failed``: what failed, for the position line."""
    return (f", {documents} failed" if documents else "") + (f", {pages} pages failed" if pages else "")


def harvest_arks(fetcher: Fetcher, out: Path, names: Sequence[str], *, services: Sequence[str] = (),
                 search: str | None = None, endpoint: str = DEFAULT_ENDPOINT, concurrency: int = 1,
                 reporter: Reporter | None = None) -> Result:
    """OAIRecord (plus ``services``, plus ContentSearch for ``search``) for each ARK name; skips what
    earlier runs saved."""
    reporter = reporter or NullReporter()
    services, search = with_search(services, search)
    g = Gallica(fetcher, out, endpoint, search)
    wanted = ["record", *services]
    arks_key = hashlib.sha256("\n".join(names).encode("utf-8")).hexdigest()  # the list itself may be long
    identity = {"mode": "arks", "endpoint": g.root, "arks_sha256": arks_key, "services": wanted,
                **({"search": search} if search else {})}
    cp = Checkpoint(out, "gallica", identity, redact=fetcher.redact)
    done: set[str] = set(cp.state.get("done", []))
    todo = [n for n in names if n not in done]
    result = Result(total=len(names))
    if not todo:
        result.complete = result.already_complete = True
        result.position = f"all {len(names)} documents already saved"
        return result
    if cp.resumed:
        reporter.note(f"resuming: {len(done)} of {len(names)} documents already saved")
    reporter.total(len(names))
    reporter.advance(len(names) - len(todo))
    saver = _Saver(cp)
    failed: dict[str, str] = {}
    partial: set[str] = set()  # saved but for some pages: still to do, a re-run fetches the missing pages
    pages_failed: dict[str, str] = {}
    cp.state["failed"] = {}
    cp.state.pop("failed_pages", None)

    def on_done(name: str, written: int, pages: dict[str, str]) -> None:
        with saver.lock:
            if pages:
                partial.add(name)
                pages_failed.update(pages)
                cp.state["failed_pages"] = dict(pages_failed)
            else:
                done.add(name)
                cp.state["done"] = sorted(done)
            result.files += written
            result.records += 1
        saver.maybe()

    def on_fail(name: str, message: str) -> None:
        with saver.lock:
            failed[name] = message
            cp.state["failed"] = dict(failed)

    try:
        _run_documents(g, ((n, None) for n in todo), wanted, concurrency=concurrency, reporter=reporter,
                       on_done=on_done, on_fail=on_fail, count_records=True)
    except KeyboardInterrupt:
        raise HarvestStopped(f"Gallica harvest interrupted: {len(done)} of {len(names)} documents saved in {out}; "
                             f"{RESUME_HINT}", result) from None
    finally:
        saver.now()
    result.failures = [f"ark:/{NAAN}/{n}: {m}" for n, m in {**failed, **pages_failed}.items()]
    if failed or pages_failed:
        result.position = (f"{len(done) + len(partial)} of {len(names)} documents saved in {out}"
                           + _failed_text(len(failed), len(pages_failed)))
        raise HarvestStopped(f"Gallica harvest incomplete: {result.position}; {RESUME_HINT} and retry the failed ones", result)
    cp.state["complete"] = True
    saver.now()
    result.complete = True
    result.position = f"all {len(names)} documents saved in {out}"
    return result


def _record_arks_oai(root: etree._Element) -> list[tuple[str, str | None]]:
    items = []
    for record in root.iter(f"{{{OAI_NS}}}record"):
        header = record.find(f"{{{OAI_NS}}}header")
        if header is None or header.get("status") == "deleted":
            continue
        ident = header.findtext(f"{{{OAI_NS}}}identifier") or ""
        m = _ARK_IN_TEXT.search(ident)
        if m:
            items.append((m.group(1), periodical_in(record)))
    return items


def _record_arks_sru(root: etree._Element) -> list[tuple[str, str | None]]:
    items = []
    for record in root.iter(f"{{{SRW_NS}}}record"):
        data = record.find(f"{{{SRW_NS}}}recordData")
        texts = [t for el in (data if data is not None else []) for t in el.itertext()]
        for text in texts:
            m = _ARK_IN_TEXT.search(text)
            if m and "gallica" in text:
                items.append((m.group(1), periodical_in(record)))
                break
    return items


def _paged(fetcher: Fetcher, out: Path, *, identity: dict, label: str, services: Sequence[str],
           search: str | None, endpoint: str, concurrency: int, reporter: Reporter, first: dict,
           next_page: Callable[[dict, etree._Element], None],
           fetch: Callable[[Gallica, dict], tuple[httpx.Response, etree._Element]],
           file_for: Callable[[str, dict], Path], count: Callable[[etree._Element], int],
           total: Callable[[etree._Element], int | None],
           arks: Callable[[etree._Element], list[tuple[str, str | None]]],
           describe: Callable[[dict], str]) -> Result:
    """The loop shared by OAI-PMH and SRU: fetch page, save it, checkpoint, fan out ``--with``/``--search``."""
    services, search = with_search(services, search)
    g = Gallica(fetcher, out, endpoint, search)
    identity = {**identity, "endpoint": g.root, "services": list(services), **({"search": search} if search else {})}
    cp = Checkpoint(out, "gallica", identity, redact=fetcher.redact)
    st = cp.state
    for key, value in first.items():
        st.setdefault(key, value)
    st.setdefault("records", 0)
    st.setdefault("total", None)
    st.setdefault("pending", [])
    result = Result(total=st["total"])
    if cp.complete and not st["pending"]:
        result.complete = result.already_complete = True
        result.position = f"all {st['records']} records already saved"
        return result
    if cp.resumed:
        reporter.note(f"resuming {label} at {describe(st)} ({st['records']} records already saved)")
    reporter.total(st["total"])
    reporter.advance(st["records"])
    failed: dict[str, str] = {}
    pages_failed: dict[str, str] = {}

    def run_pending() -> None:
        if not services or not st["pending"]:
            return
        pending = [tuple(p) for p in st["pending"]]
        finished: set[str] = set()

        def on_done(name: str, written: int, pages: dict[str, str]) -> None:
            if pages:  # stays pending: a re-run fetches its missing pages
                pages_failed.update(pages)
            else:
                finished.add(name)
            result.files += written

        def on_fail(name: str, message: str) -> None:
            failed[name] = message

        try:
            _run_documents(g, pending, services, concurrency=concurrency, reporter=reporter,
                           on_done=on_done, on_fail=on_fail, count_records=False)
        finally:
            st["pending"] = [list(p) for p in pending if p[0] not in finished]
            cp.save()

    try:
        run_pending()  # documents left over by an interrupted run
        while not st.get("complete"):
            try:
                response, root = fetch(g, st)
            except FetchError as exc:
                where = f"{describe(st)}, {st['records']} records saved in {out}"
                if "badResumptionToken" in str(exc):  # tokens expire: say how to start over instead
                    raise HarvestStopped(
                        f"Gallica {label} stopped at {where}: the server no longer accepts the saved resumption "
                        f"token; delete {cp.path} and {out / 'oaipmh'}/listrecords-{cp.id}-*.xml to start this "
                        "list over (or narrow it with --from)", result) from None
                raise HarvestStopped(f"Gallica {label} stopped at {where}: {exc}; {RESUME_HINT}", result) from None
            n = count(root)
            if n:  # an empty page (no hits, OAI noRecordsMatch) holds nothing to convert
                save_response(file_for(cp.id, st), response.content, fetcher.redact)
                result.files += 1
            result.records += n
            st["records"] += n
            tot = total(root)
            if tot is not None:
                st["total"] = result.total = tot
                reporter.total(tot)
            if services:
                st["pending"].extend([list(a) for a in arks(root)])
            next_page(st, root)
            cp.save()
            reporter.advance(n)
            run_pending()
    except KeyboardInterrupt:
        where = f"{describe(st)}, {st['records']} records saved in {out}"
        raise HarvestStopped(f"Gallica {label} interrupted at {where}; {RESUME_HINT}", result) from None
    result.failures = [f"ark:/{NAAN}/{n}: {m}" for n, m in {**failed, **pages_failed}.items()]
    if failed or pages_failed:
        result.position = (f"{st['records']} records saved in {out}"
                           + (f"; {len(failed)} documents failed" if failed else "")
                           + (f"; {len(pages_failed)} pages failed" if pages_failed else ""))
        raise HarvestStopped(f"Gallica {label} incomplete: {result.position}; {RESUME_HINT} and retry them", result)
    result.complete = True
    result.position = f"all {st['records']} records saved in {out}"
    return result


def _oai_token(root: etree._Element) -> tuple[str | None, int | None]:
    token = root.find(f".//{{{OAI_NS}}}resumptionToken")
    if token is None:
        return None, None
    size = token.get("completeListSize")
    return (token.text or "").strip() or None, int(size) if size and size.isdigit() else None


def harvest_oai(fetcher: Fetcher, out: Path, *, set_spec: str | None = None, from_: str | None = None,
                until: str | None = None, prefix: str = "oai_dc", services: Sequence[str] = (),
                search: str | None = None, endpoint: str = DEFAULT_ENDPOINT, concurrency: int = 1, reporter: Reporter | None = None) -> Result:
    """OAI-PMH ListRecords, following resumption tokens; one file per page."""
    base = {"verb": "ListRecords", "metadataPrefix": prefix, "set": set_spec, "from": from_, "until": until}
    base = {k: v for k, v in base.items() if v}

    def fetch(g: Gallica, st: dict) -> tuple[httpx.Response, etree._Element]:
        params = {"verb": "ListRecords", "resumptionToken": st["token"]} if st["token"] else base
        return g.fetcher.get(g.url("/services/OAIRepository", **params), check=check_oai)

    def next_page(st: dict, root: etree._Element) -> None:
        token, _ = _oai_token(root)
        st["token"] = token
        st["page"] += 1
        if not token:
            st["complete"] = True

    return _paged(
        fetcher, out, identity={"mode": "oai", **base}, label="OAI-PMH harvest", services=services,
        search=search, endpoint=endpoint, concurrency=concurrency, reporter=reporter or NullReporter(),
        first={"token": None, "page": 1}, next_page=next_page, fetch=fetch,
        file_for=lambda job, st: out / "oaipmh" / f"listrecords-{job}-{st['page']:06d}.xml",
        count=lambda root: sum(1 for _ in root.iter(f"{{{OAI_NS}}}record")),
        total=lambda root: _oai_token(root)[1], arks=_record_arks_oai,
        describe=lambda st: f"page {st['page']}" + (" (resumption token saved)" if st["token"] else ""),
    )


def harvest_sru(fetcher: Fetcher, out: Path, *, query: str, page_size: int = SRU_PAGE, services: Sequence[str] = (),
                search: str | None = None, endpoint: str = DEFAULT_ENDPOINT, concurrency: int = 1, reporter: Reporter | None = None) -> Result:
    """SRU searchRetrieve with CQL, paging by startRecord/maximumRecords."""

    def fetch(g: Gallica, st: dict) -> tuple[httpx.Response, etree._Element]:
        url = g.url("/SRU", operation="searchRetrieve", version="1.2", query=query,
                    startRecord=str(st["start"]), maximumRecords=str(page_size))
        return g.fetcher.get(url, check=check_sru)

    def total(root: etree._Element) -> int | None:
        text = (root.findtext(f"{{{SRW_NS}}}numberOfRecords") or "").strip()
        return int(text) if text.isdigit() else None

    def next_page(st: dict, root: etree._Element) -> None:
        text = (root.findtext(f"{{{SRW_NS}}}nextRecordPosition") or "").strip()
        nxt = int(text) if text.isdigit() else None
        tot = total(root)
        if not sum(1 for _ in root.iter(f"{{{SRW_NS}}}record")):
            st["complete"] = True
            return
        # nextRecordPosition can run past numberOfRecords (seen: 2 hits, next 7): trust the total
        if nxt is None or nxt <= st["start"] or (tot is not None and nxt > tot):
            st["complete"] = True
        else:
            st["start"] = nxt

    return _paged(
        fetcher, out, identity={"mode": "sru", "query": query, "page_size": page_size}, label="SRU harvest",
        services=services, search=search, endpoint=endpoint, concurrency=concurrency,
        reporter=reporter or NullReporter(), first={"start": 1}, next_page=next_page, fetch=fetch,
        file_for=lambda job, st: out / "sru" / f"sru-{job}-{st['start']:08d}.xml",
        count=lambda root: sum(1 for _ in root.iter(f"{{{SRW_NS}}}record")), total=total,
        arks=_record_arks_sru, describe=lambda st: f"startRecord {st['start']}",
    )


def list_sets(fetcher: Fetcher, out: Path, *, endpoint: str = DEFAULT_ENDPOINT) -> list[tuple[str, str]]:
    """OAI-PMH ListSets (all pages); saves each page and returns (setSpec, setName) pairs."""
    g = Gallica(fetcher, out, endpoint)
    sets: list[tuple[str, str]] = []
    params: dict[str, str] = {"verb": "ListSets"}
    page = 1
    while True:
        try:
            response, root = fetcher.get(g.url("/services/OAIRepository", **params), check=check_oai)
        except FetchError as exc:
            raise HarvestStopped(f"OAI-PMH ListSets stopped at page {page}: {exc}") from None
        save_response(out / "oaipmh" / f"listsets-{page:06d}.xml", response.content, fetcher.redact)
        for s in root.iter(f"{{{OAI_NS}}}set"):
            sets.append(((s.findtext(f"{{{OAI_NS}}}setSpec") or "").strip(), (s.findtext(f"{{{OAI_NS}}}setName") or "").strip()))
        token, _ = _oai_token(root)
        if not token:
            return sets
        params = {"verb": "ListSets", "resumptionToken": token}
        page += 1
