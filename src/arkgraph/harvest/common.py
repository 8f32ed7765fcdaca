"""What every harvester shares: its result, its stop error, and safe XML parsing."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx
from lxml import etree

from ..errors import ArkgraphError
from ..http import BodyError

RESUME_HINT = "re-run the same command to resume"


class HarvestStopped(ArkgraphError):
    """The harvest stopped before the end; what is saved is kept and a re-run resumes."""

    exit_code = 1

    def __init__(self, message: str, result: Result | None = None):
        super().__init__(message)
        self.result = result


@dataclass
class Result:
    """What one harvest did: the CLI turns it into the summary line."""

    records: int = 0  # records saved by this run
    total: int | None = None  # total announced by the server, when it tells
    files: int = 0  # response files written by this run
    failures: list[str] = field(default_factory=list)  # one line per item that failed
    complete: bool = False  # the whole job is done (now or in an earlier run)
    already_complete: bool = False  # nothing to do: an earlier run finished the job
    position: str = ""  # how far the job got, for people ("offset 500 of 3132")
    extra: dict[str, Any] = field(default_factory=dict)


# Refuse external entities and entity expansion bombs; never touch the network.
_PARSER_OPTIONS = dict(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False, dtd_validation=False)


def parse_xml(content: bytes) -> etree._Element:
    """Parse a response body strictly; a broken or hostile body is a ``BodyError``.

    Not well-formed (a truncated page, an HTML error page) is retryable: servers send those
    when they are in trouble. Entity declarations are refused outright.
    """
    if not content.strip():
        raise BodyError("empty body instead of XML")
    parser = etree.XMLParser(**_PARSER_OPTIONS)
    try:
        root = etree.fromstring(content, parser)
    except etree.XMLSyntaxError as exc:
        kind = "HTML page" if looks_like_html(content) else "not well-formed XML (truncated?)"
        raise BodyError(f"{kind}: {exc}") from None
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise BodyError("refusing XML that declares entities", retryable=False)
    return root


def looks_like_html(content: bytes) -> bool:
    head = content[:512].lstrip().lower()
    return head.startswith(b"<!doctype html") or head.startswith(b"<html") or b"<html" in head


def local_name(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def parse_json(response: httpx.Response) -> Any:
    """Parse a JSON body; an HTML page or a cut-off body is a retryable ``BodyError``."""
    try:
        return json.loads(response.content)
    except ValueError:
        if looks_like_html(response.content):
            raise BodyError(f"HTML page instead of JSON ({_html_title(response.content)})") from None
        raise BodyError("body is not valid JSON (truncated?)") from None


def _html_title(content: bytes) -> str:
    text = content[:4096].decode("utf-8", "replace")
    lower = text.lower()
    start = lower.find("<title>")
    end = lower.find("</title>")
    if 0 <= start < end:
        return " ".join(text[start + 7 : end].split())[:80] or "no title"
    return "no title"
