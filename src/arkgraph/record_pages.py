"""Static HTML record pages (``arkgraph embed pages``): one readable page per record, with its JSON-LD
embedded, and an index.html listing them. What a page shows comes from the record's schema.org tree
(or its Linked Art tree when that is all there is); links from the data become hrefs only when http(s).
The JSON-LD blocks and the per-record loop are :mod:`arkgraph.embed`'s.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from .embed import Progress, Summary, documents, file_stem, record_ark, record_blocks, write_per_record
from .outputs import write_output
from .shacl import index
from .shacl.terms import literal_parts
from .terms import CRM, Triple


def _list(v: Any) -> list[Any]:
    return v if isinstance(v, list) else [] if v is None else [v]


def _text(v: Any) -> str:
    if isinstance(v, dict):
        v = v.get("@value", v.get("name", ""))
        return _text(v)
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return "" if v is None else str(v)


def _texts(node: dict[str, Any], key: str) -> list[str]:
    return [t for t in (_text(v) for v in _list(node.get(key))) if t]


def _names(node: dict[str, Any], key: str) -> list[str]:
    out = []
    for v in _list(node.get(key)):
        if isinstance(v, dict):
            out += _texts(v, "name")
        elif isinstance(v, str):
            out.append(v)
    return out


def _href(url: Any) -> str | None:
    """Only http(s) links from data become hrefs (no javascript: or data: URLs)."""
    u = _text(url)
    return u if u.lower().startswith(("http://", "https://")) else None


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _link(url: Any, label: str | None = None) -> str:
    u = _href(url)
    if u is None:
        return _e(_text(url))
    return f'<a href="{_e(u)}">{_e(label or u)}</a>'


@dataclass
class PageInfo:
    stem: str
    title: str
    creators: str
    date: str


_STYLE = ("body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b;"
          "background:#fff;line-height:1.45}h1{font-size:1.7rem;margin-bottom:.3rem}.alt{color:#555;margin-top:0}"
          "figure{margin:1rem 0}figure img{max-width:320px;max-height:320px;border:1px solid #ccc;background:#f3f3f3}"
          "figcaption{font-size:.85rem;color:#555}dl{display:grid;grid-template-columns:11rem 1fr;gap:.35rem 1rem}"
          "dt{font-weight:600;color:#333}dd{margin:0}footer{margin-top:2rem;border-top:1px solid #ddd;"
          "padding-top:.6rem;font-size:.9rem}table{border-collapse:collapse;width:100%}"
          "td,th{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #eee;vertical-align:top}")


def _record_view(root: str, docs: dict[str, list[dict[str, Any]]], triples: list[Triple]) -> dict[str, Any]:
    """What a page shows, from the schemaorg tree (or the Linked Art one when that is all there is)."""
    so = (docs.get("schemaorg") or [{}])[0]
    la = (docs.get("linkedart") or [{}])[0]
    title = next(iter(_texts(so, "name")), "") or _text(la.get("_label")) or root
    creators = []
    for key in ("creator", "contributor"):
        for role in _list(so.get(key)):
            if not isinstance(role, dict):
                continue
            names = _names(role, key) or _texts(role, "name")
            roles = _texts(role, "roleName")
            for n in names:
                creators.append((n, ", ".join(roles)))
    images = []
    for img in _list(so.get("image")):
        if isinstance(img, dict):
            images.append(img)
    idents = []
    for pv in _list(so.get("identifier")):
        if isinstance(pv, dict):
            label = next(iter(_texts(pv, "name") or _texts(pv, "propertyID")), "")
            idents.append((label, " ".join(_texts(pv, "value"))))
        elif pv:
            idents.append(("", _text(pv)))
    return {
        "title": title, "alt": _texts(so, "alternateName"), "creators": creators,
        "dates": _texts(so, "dateCreated") + _texts(so, "datePublished") + _production_dates(root, triples),
        "genres": _names(so, "genre"), "media": _texts(so, "artMedium"),
        "provider": _names(so, "provider"), "descriptions": _texts(so, "description"),
        "images": images, "identifiers": idents, "urls": [u for u in _list(so.get("url"))],
        "ark": record_ark(root),
    }


def _production_dates(root: str, triples: list[Triple]) -> list[str]:
    """The production time-span's name, in the source's words, read from the triples (whatever the profile
    embedded): a range ("1368-1644", "18e siècle") has no schema.org dateCreated, which states one date."""
    by_subject = index(triples)

    def objects(nodes: list[str], pred: str) -> list[str]:
        return [o for n in nodes for o in by_subject.get(n, {}).get(pred, ())]

    names = objects(objects(objects([f"<{root}>"], _CRM_PRODUCED_BY), _CRM_TIMESPAN), _CRM_IDENTIFIED_BY)
    return [literal_parts(o)[0] for o in objects(names, _CRM_CONTENT) if o[:1] == '"']


_CRM_PRODUCED_BY, _CRM_TIMESPAN, _CRM_IDENTIFIED_BY, _CRM_CONTENT = (
    f"<{CRM}{p}>" for p in ("P108i_was_produced_by", "P4_has_time-span", "P1_is_identified_by",
                              "P190_has_symbolic_content"))


def record_page(root: str, blocks: list[str], docs: dict[str, list[dict[str, Any]]],
                triples: list[Triple]) -> tuple[str, PageInfo]:
    v = _record_view(root, docs, triples)
    stem = file_stem(root)
    rows: list[str] = []

    def row(label: str, values: list[str]) -> None:
        if values:
            rows.append(f"<dt>{_e(label)}</dt><dd>{'<br>'.join(values)}</dd>")

    row("Creators", [_e(n) + (f" <small>({_e(r)})</small>" if r else "") for n, r in v["creators"]])
    row("Date", [_e(d) for d in dict.fromkeys(v["dates"])])
    row("Type", [_e(g) for g in v["genres"]])
    row("Materials", [_e(m) for m in v["media"]])
    row("Held by", [_e(p) for p in v["provider"]])
    row("Identifiers", [(f"{_e(k)}: " if k else "") + f"<code>{_e(val)}</code>" for k, val in v["identifiers"]])
    figures = []
    for img in v["images"][:4]:
        src = _href(img.get("thumbnailUrl")) or _href(img.get("contentUrl"))
        full = _href(img.get("contentUrl"))
        alt = next(iter(_texts(img, "name")), "") or v["title"]
        caption = [_e(c) for c in _texts(img, "creditText") + _texts(img, "copyrightNotice")]
        if img.get("license"):
            caption.append(_link(img["license"], "Licence"))
        pic = f'<img src="{_e(src)}" alt="{_e(alt)}" loading="lazy">' if src else ""
        if full and pic:
            pic = f'<a href="{_e(full)}">{pic}</a>'
        figures.append(f"<figure>{pic}<figcaption>{' · '.join(caption)}</figcaption></figure>")
    links = []
    if v["ark"]:
        links.append(f"ARK: {_link(root, v['ark'])}")
    for u in v["urls"]:
        links.append(_link(u, "Source page"))
    ark_attr = f' data-ark="{_e(v["ark"])}"' if v["ark"] else ""
    nl = "\n"
    page = f"""<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(v['title'])}</title>
<style>{_STYLE}</style>
{nl.join(blocks)}
</head>
<body{ark_attr}>
<main>
<h1>{_e(v['title'])}</h1>
{''.join(f'<p class="alt">{_e(a)}</p>' for a in v['alt'])}
{''.join(figures)}
<dl>
{nl.join(rows)}
</dl>
{''.join(f'<p>{_e(d)}</p>' for d in v['descriptions'])}
<footer><p>{' · '.join(links)}</p><p><a href="index.html">All records</a></p></footer>
</main>
</body>
</html>
"""
    info = PageInfo(stem, v["title"], "; ".join(n for n, _ in v["creators"]), " ".join(dict.fromkeys(v["dates"])))
    return page, info


def index_page(infos: list[PageInfo]) -> str:
    rows = "\n".join(f'<tr><td><a href="{_e(i.stem)}.html">{_e(i.title)}</a></td><td>{_e(i.creators)}</td>'
                     f"<td>{_e(i.date)}</td></tr>" for i in infos)
    return f"""<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Records ({len(infos)})</title>
<style>{_STYLE}</style>
</head>
<body>
<main>
<h1>Records ({len(infos)})</h1>
<table>
<thead><tr><th>Title</th><th>Creators</th><th>Date</th></tr></thead>
<tbody>
{rows}
</tbody>
</table>
</main>
</body>
</html>
"""


def write_pages(records: Iterable[tuple[str, list[Triple]]], out_dir: str | Path, profiles: tuple[str, ...],
                *, indent: int | None = 2, progress: Progress | None = None) -> Summary:
    """A readable static page per record (JSON-LD embedded) and an index.html listing them."""
    infos: dict[str, PageInfo] = {}

    def write(out: Path, root: str, triples: list[Triple]) -> bool:
        blocks, docs = record_blocks(root, triples, profiles, indent=indent)
        if not blocks:
            return False
        if "schemaorg" not in docs:  # the page text still comes from the schema.org view when present
            docs["schemaorg"] = documents(root, triples, "schemaorg")
        page, info = record_page(root, blocks, docs, triples)
        write_output(out / f"{info.stem}.html", page.encode("utf-8"), clean=False)
        infos.pop(info.stem, None)  # a later version of a record replaces the earlier one
        infos[info.stem] = info
        return True

    def finish(out: Path) -> None:
        write_output(out / "index.html", index_page(list(infos.values())).encode("utf-8"))

    return write_per_record(records, out_dir, "pages", profiles, write, progress, finish)
