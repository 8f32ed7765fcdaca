"""Pure parsers for the strings inside Gallica Dublin Core: names with roles, dates, publishers,
sources (holding + shelfmark), relations, formats. No I/O, no tables: the mapper resolves labels.

Every form handled here was seen in real Gallica responses (shared/reference/gallica-formats.md §4).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from functools import lru_cache

from .. import dates
from ..model import TimeSpan

NAAN = "12148"
GALLICA = "https://gallica.bnf.fr/"

def clean_space(text: str) -> str:
    """Whitespace runs → one space, trimmed: what ``re.sub(r"\\s+", " ", text).strip()`` gives (``str.split``
    and ``\\s`` agree on whitespace), without the regex; most values need nothing and come back as they are
    (printable: no whitespace but the plain space)."""
    if text and text.isprintable() and text[0] != " " and text[-1] != " " and "  " not in text:
        return text
    return " ".join(text.split())


# --- ARKs ---------------------------------------------------------------------------------
_ARK_IN = re.compile(r"ark:/?12148/([0-9a-z]+)((?:/date(?:\d{4})?)?)", re.I)
_BARE = re.compile(r"^(?:bpt6k|btv1b|bd6t|bc6p|cb)[0-9a-z]+(?:/date)?$")
# an ARK URL (or OAI identifier) ending with a plain name: no earlier "ark:" in these, so the name is _ARK_IN's
# first match
_ARK_URLS = ("https://gallica.bnf.fr/ark:/12148/", "http://catalogue.bnf.fr/ark:/12148/",
             "oai:bnf.fr:gallica/ark:/12148/")


def gallica_ark(text: str | None) -> str | None:
    """A BnF ARK found anywhere in ``text`` (URL, OAI id, ``ark:/12148/x``, bare ``bpt6k…``), normalized
    to ``ark:12148/<name>[/date]``; page, variant and other qualifiers are dropped."""
    if not text:
        return None
    for prefix in _ARK_URLS:  # the usual forms, whole: the same result as the search below, sooner
        if text.startswith(prefix):
            name = text[len(prefix):]
            if name.isascii() and name.isalnum():
                return f"ark:{NAAN}/{name}"
            break
    s = text.strip()
    m = _ARK_IN.search(s)
    if m:
        return f"ark:{NAAN}/{m.group(1)}{m.group(2).lower()[:5] if m.group(2) else ''}"
    s = s.rstrip("/")
    if _BARE.match(s):
        return f"ark:{NAAN}/{s}"
    return None


def ark_name(ark: str) -> str:
    """``ark:12148/bpt6k1/date`` → ``bpt6k1/date``."""
    return ark.split("/", 1)[1]


# --- names and roles ---------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ParsedName:
    name: str                    # the heading without role, e.g. "Verne, Jules (1828-1905)": keys the agent
    base: str                    # without the parenthesis: "Verne, Jules"
    label: str                   # the name shown: the heading without its life dates (they are birth and death)
    kind: str                    # Person | Group
    family: str | None = None
    given: str | None = None
    qualifier: str | None = None  # "Dr", "Abbé", "famille ; graveurs"
    birth: TimeSpan | None = None
    death: TimeSpan | None = None
    roles: tuple[str, ...] = ()   # role labels as written, outermost last


# a year, its unknown last digits as "." or "?" ("1828", "16..", "17??"), maybe doubtful ("1766?", "17..?");
# a "." or "?" among digits ("1.23", "1?34") is no year
_YEAR = r"(?:\d{4}|\d{3}[.?]|\d{2}[.?]{2}|\d[.?]{3})\??"
_LIFE = re.compile(rf"^(?P<b>{_YEAR})?\s*-\s*(?P<d>{_YEAR}|\.{{4}}|\?{{4}})?$")
_PAREN_END = re.compile(r"^(?P<base>.*?)\s*\((?P<inner>[^()]*)\)\s*$")
_ROLE_CANDIDATE = re.compile(r"^[A-ZÉÈÀÂÎÔÛÇ][a-zà-ÿ'\-]+(?: [a-zà-ÿ'\-]+){0,4}$")


def _role_split(text: str, known: frozenset[str]) -> tuple[str, tuple[str, ...]]:
    """Peel ``. Role`` suffixes off the end (stacked roles allowed). Known roles come from the
    roles table; an unknown one is accepted only where the name before it is clearly complete."""
    roles: list[str] = []
    s = text.strip()
    while True:
        i = s.rfind(". ")
        if i <= 0:
            break
        cand = s[i + 2:].strip()
        head = s[:i]  # "Chardon, F.. Role": the first dot is the initial's, kept
        if cand.casefold() in known:
            roles.append(cand)
            s = head.strip()
            continue
        # an unknown role: only after "Surname, Forenames", a parenthesis or an initial
        if not roles and _ROLE_CANDIDATE.match(cand) and (", " in head or head.endswith((")", "."))) \
                and ". " not in head.split(", ", 1)[0]:
            roles.append(cand)
            s = head.strip()
            continue
        break
    return s, tuple(reversed(roles))


def life_span(text: str) -> TimeSpan | None:
    """One life date ``1828``, ``1766?``, ``16..``, ``17..?`` as a TimeSpan covering its uncertainty."""
    t = text.strip()
    if not t or set(t) <= {".", "?"}:
        return None
    doubtful = len(t) > 4 and t.endswith("?")  # "1766?"; in "17??" the "?" are unknown digits
    core = t[:-1] if doubtful else t
    if "." in core or "?" in core:
        digits = core.replace("?", ".")
        n = len(digits) - len(digits.rstrip("."))
        lo = int(digits[: len(digits) - n]) * 10 ** n
        return dates.span(lo, lo + 10 ** n - 1, label=t)  # a range: span gives it no schema.org date
    ts = dates.span(int(core), label=t)
    return _labelled(ts, t, None) if doubtful else ts  # a doubtful year is no schema.org date


@lru_cache(maxsize=65536)
def parse_name(text: str, known_roles: frozenset[str] = frozenset()) -> ParsedName:
    """``Verne, Jules (1828-1905). Auteur du texte`` → name parts, life dates and roles.

    Corporate names keep their inner ". " (``France. Cour d'appel (Paris). Chambre …``): only
    suffixes that are role labels are split off."""
    s = clean_space(text)
    s, roles = _role_split(s, known_roles)
    name = s.rstrip(" ,")
    base, qualifier, birth, death = name, None, None, None
    m = _PAREN_END.match(name)
    if m:
        base = m.group("base").strip()
        quals = []
        for piece in (p.strip() for p in m.group("inner").split(";")):
            lm = _LIFE.match(piece.replace(" ", "")) if piece else None
            if lm and (lm.group("b") or lm.group("d")):
                birth = life_span(lm.group("b") or "")
                death = life_span(lm.group("d") or "")
            elif piece:
                quals.append(piece)
        qualifier = " ; ".join(quals) or None
    family = given = None
    first = base.split(", ", 1)[0]
    is_person = (", " in base and ". " not in first) or (
        birth is not None or death is not None) and ". " not in base
    if is_person and ", " in base:
        family, given = (x.strip() for x in base.split(", ", 1))
    elif is_person:
        family = base
    # "(Paris)" in a corporate name is part of its name, kept in `name` (and `label`, having no life dates)
    label = name if birth is None and death is None else f"{base} ({qualifier})" if qualifier else base
    return ParsedName(name=name, base=base, label=label, kind="Person" if is_person else "Group", family=family,
                      given=given or None, qualifier=qualifier, birth=birth, death=death, roles=roles)


def partner_role(text: str) -> tuple[str, str] | None:
    """SALT partner form ``Directeur-Propriétaire: D. A. Bellis`` → (role, name); None otherwise."""
    if text.count(":") != 1:
        return None
    role, name = (x.strip() for x in text.split(":", 1))
    if role and name and len(role.split()) <= 4 and not any(c.isdigit() for c in role):
        return role, name
    return None


# --- dates --------------------------------------------------------------------------------
_D_FULL = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")
_D_RANGE = re.compile(r"^([\d.?]{4})\s*-\s*([\d.?]{4})$")
_D_FUZZY = re.compile(r"^\d{1,3}[.?]{1,3}$|^\d{4}$")


@lru_cache(maxsize=8192)
def _span(y1: int, y2: int | None = None, m1: int | None = None, d1: int | None = None) -> TimeSpan:
    return dates.span(y1, y2, m1=m1, d1=d1)


def _labelled(ts: TimeSpan, label: str, schema_date: str | None) -> TimeSpan:
    return TimeSpan(label=label, begin=ts.begin, end=ts.end, schema_date=schema_date, qualifier=ts.qualifier)


def _bounds(token: str) -> tuple[int, int] | None:
    """``1860`` → (1860, 1860); ``186.`` → (1860, 1869); ``19??`` → (1900, 1999); ``????`` → None."""
    if len(token) != 4 or not _D_FUZZY.match(token):
        return None
    n = len(token) - len(token.rstrip(".?"))
    if n == 4:
        return None
    lo = int(token[: 4 - n]) * 10 ** n
    return lo, lo + 10 ** n - 1


@lru_cache(maxsize=65536)
def parse_date(text: str) -> TimeSpan | None:
    """A dc:date → TimeSpan with inclusive bounds and the original string as label; None when
    the string cannot be read without guessing (the caller keeps it and flags it)."""
    s = text.strip()
    if not s:
        return None
    # the common forms, ASCII ``YYYY`` and ``YYYY-MM-DD`` from year 1000 on, built straight from the
    # string: what the general path below gives for them (dates.span's bounds and schema.org date)
    n = len(s)
    if (n == 4 or n == 10) and s.isascii() and s[0] != "0":
        if n == 4:
            if s.isdigit():
                return TimeSpan(label=s, begin=s + "-01-01T00:00:00Z", end=s + "-12-31T23:59:59Z", schema_date=s)
        elif s[4] == "-" and s[7] == "-" and s[:4].isdigit() and s[5:7].isdigit() and s[8:].isdigit():
            month, day = int(s[5:7]), int(s[8:])
            if 1 <= month <= 12 and 1 <= day <= 28:  # every month has day 28; later days go the general way
                return TimeSpan(label=s, begin=s + "T00:00:00Z", end=s + "T23:59:59Z", schema_date=s)
    m = _D_FULL.match(s)
    if m:
        y = int(m.group(1))
        mo = int(m.group(2)) if m.group(2) else None
        d = int(m.group(3)) if m.group(3) else None
        if mo == 0:  # SALT "1908-00-00", "1898-03-00": zero means unknown
            mo, d = None, None
        if d == 0:
            d = None
        if (mo is not None and not 1 <= mo <= 12) or (d is not None and not 1 <= d <= calendar.monthrange(y, mo or 1)[1]):
            return None
        ts = _span(y, None, mo, d)
        return _labelled(ts, s, ts.schema_date)
    m = _D_RANGE.match(s)
    if m:
        a, b = _bounds(m.group(1)), m.group(2)
        if a is None:
            return None
        if set(b) <= {"?", "."}:  # "1913-????": open end
            ts = _span(a[0])
            return TimeSpan(label=s, begin=ts.begin, end=None, schema_date=dates.schema_date(a[0]) if a[0] == a[1] else None)
        bb = _bounds(b)
        if bb is None or bb[1] < a[0]:
            return None
        ts = _span(a[0], bb[1])
        exact = a[0] == a[1] and bb[0] == bb[1]
        return TimeSpan(label=s, begin=ts.begin, end=ts.end,
                        schema_date=dates.schema_date(a[0]) if exact and a[0] == bb[1] else None)
    b = _bounds(s)
    if b is not None:  # "18..", "19??"
        ts = _span(b[0], b[1])
        return TimeSpan(label=s, begin=ts.begin, end=ts.end, schema_date=None)
    return None


# --- publisher ------------------------------------------------------------------------------
_JUNK_NAMES = {"[s.n.]", "s.n.", "[s. n.]", "[د.ن.]"}
_NO_PLACE = {"s. l.", "s.l.", "[s.l.]", "[s. l.]", ""}
_PLACE_PREP = re.compile(r"^(?:A|À|Á)\s+")


def undouble(text: str) -> str:
    """``[s.n.][s.n.]`` → ``[s.n.]``; ``DIPIDIPI`` → ``DIPI`` (Gallica concatenates repeated names)."""
    s = text.strip()
    n = len(s)
    if n >= 2 and n % 2 == 0 and s[: n // 2] == s[n // 2:]:
        return s[: n // 2].strip()
    return s


@lru_cache(maxsize=65536)
def parse_publisher(text: str) -> tuple[str | None, str | None]:
    """``M. Dreyfous (Paris)`` → ("M. Dreyfous", "Paris"); ``[s.n.][s.n.] (Pau)`` → (None, "Pau");
    ``chez X (A Paris)`` → ("chez X", "Paris"). Old imprints without a final (Place) → (None, None):
    the caller keeps the whole string as the publication label."""
    s = clean_space(text)
    m = _PAREN_END.match(s)
    if not m:
        once = undouble(s)  # "DIPIDIPI": a doubled name without place; an old imprint otherwise
        return (once, None) if once != s else (None, None)
    name = undouble(m.group("base"))
    place = m.group("inner").strip()
    place = _PLACE_PREP.sub("", place)
    if place.casefold() in _NO_PLACE:
        place = ""
    if name.casefold() in _JUNK_NAMES or not name:
        name = ""
    return name or None, place or None


# --- source (holding and shelfmark) --------------------------------------------------------
BNF = "Bibliothèque nationale de France"
# departments whose names contain commas: matched whole so the shelfmark split is right
_DEPTS_WITH_COMMAS = ("Droit, économie, politique", "Philosophie, histoire, sciences de l'homme")


def parse_source(text: str) -> tuple[str, str | None, str | None]:
    """``Bibliothèque nationale de France, département Littérature et art, YE-2163-2164, 2778``
    → (institution, department, shelfmark). The shelfmark is everything after the department:
    shelfmarks contain commas, so nothing is split on the last comma."""
    return parse_clean_source(clean_space(text))


def parse_clean_source(s: str) -> tuple[str, str | None, str | None]:
    """``parse_source`` for a value already cleaned (whitespace runs collapsed, trimmed), as the reader gives it."""
    inst, sep, rest = s.partition(", ")
    if not sep:
        return s, None, None
    dept = None
    if rest.startswith("département "):
        body = rest[len("département "):]
        for d in _DEPTS_WITH_COMMAS:
            if body.startswith(d):
                dept, rest = d, body[len(d):].lstrip(", ")
                break
        else:
            dept, _, rest = body.partition(", ")
    return inst, dept, rest.strip() or None


# --- relations --------------------------------------------------------------------------------
_LABELLED_URL = re.compile(r"^(?P<label>[^:]{2,80}?)\s*:\s*(?P<url>https?://\S+)\s*$")
_URL_IN_PARENS = re.compile(r"\((https?://[^)\s]+)\)")
_URL = re.compile(r"^https?://\S+$")


@dataclass(slots=True, unsafe_hash=True)  # not frozen: cheaper to build; shared (cached), never modified
class Relation:
    kind: str                    # catalogue | ensemble | other_catalogue | periodical | reproduction | thumbnail | url | text
    label: str | None
    url: str | None
    catalogue_ark: str | None = None  # cb… for BnF catalogue links


_CATALOGUE_NOTICE = "Notice du catalogue : "


def parse_relation(text: str) -> Relation:
    """A dc:relation: a labelled link (catalogue record, collection record…), a bare URL (parent
    periodical…), a reproduction note or text."""
    if text.startswith(_CATALOGUE_NOTICE):
        # the catalogue record link, unique to each document: what _parse_relation gives, without its
        # regex or an entry in its cache (the URL must be printable, spaceless and http(s))
        url = text[len(_CATALOGUE_NOTICE):]
        if url.startswith(("http://", "https://")) and len(url) > 8 and url.isprintable() and " " not in url \
                and url[7 if url[4] == ":" else 8:]:
            return Relation("catalogue", "Notice du catalogue", url,
                            gallica_ark(url) if "catalogue.bnf.fr" in url else None)
    return _parse_relation(text)


@lru_cache(maxsize=16384)
def _parse_relation(text: str) -> Relation:
    s = clean_space(text)
    m = _LABELLED_URL.match(s)
    if m:
        label, url = m.group("label").strip(), m.group("url")
        cb = gallica_ark(url) if "catalogue.bnf.fr" in url else None
        low = label.casefold()
        if low.startswith("notice du catalogue"):
            return Relation("catalogue", label, url, cb)
        if low.startswith(("notice d'ensemble", "notice de recueil")):
            return Relation("ensemble", label, url, cb)
        if low.startswith("notice dans un autre catalogue"):
            return Relation("other_catalogue", label, url)
        if low == "vignette":  # partner (SALT) thumbnails: an image of the document, not a related resource
            return Relation("thumbnail", label, url)
        return Relation("url", label, url)
    if _URL.match(s):
        ark = gallica_ark(s)
        if ark and ark.endswith("/date"):
            return Relation("periodical", None, s)
        return Relation("url", None, s)
    m2 = _URL_IN_PARENS.search(s)
    if m2 and s.casefold().startswith("a pour reproduction"):
        return Relation("reproduction", s, m2.group(1))
    return Relation("text", s, None)


# --- formats ------------------------------------------------------------------------------------
_VIEWS = re.compile(r"^Nombre total de vues\s*:\s*(\d+)\s*$", re.I)
_MIME = re.compile(r"^[a-z]+/[a-z0-9.+\-]+$")


@lru_cache(maxsize=16384)
def parse_format(text: str) -> tuple[str, str | int]:
    """("views", 395) | ("mime", "image/jpeg") | ("extent", "1 vol. (346 p.) : fig. ; In-18")."""
    s = clean_space(text)
    m = _VIEWS.match(s)
    if m:
        return "views", int(m.group(1))
    if _MIME.match(s):
        return "mime", s
    return "extent", s


_LABELLED_NOTE = re.compile(r"^(Échelle\(s\)|Periodicité|Périodicité|Etat de collection|État de collection|Collection|"
                            r"Comprend|Présentation musicale|Note)\s*:\s*(.+)$", re.I)
_ENSEMBLE = re.compile(r"^Appartient [àa] l['’]ensemble documentaire\s*:\s*(\S+)\s*$")


@lru_cache(maxsize=65536)
def parse_description(text: str) -> tuple[str, str | None, str]:
    """(kind, label, text): ``Échelle(s) : 1:7 500 000`` → ("scale", "Échelle(s)", "Échelle(s) : 1:7 500 000");
    ``Appartient à l’ensemble documentaire : PACA1`` → ("collection", None, "PACA1"); else description.
    A labelled note keeps its label in the text: "1910-1919" alone does not say it is the holdings
    ("Etat de collection"), and schema.org's description has no place for a label."""
    s = clean_space(text)
    m = _ENSEMBLE.match(s)
    if m:
        return "collection", None, m.group(1)
    m = _LABELLED_NOTE.match(s)
    if m:
        label = m.group(1)
        return ("scale" if label.lower().startswith("échelle") else "note"), label, s
    return "description", None, s


# --- dimensions in a physical description ----------------------------------------------------------
# ISBD area 5 (and BnF's cataloguing rules, built on it) give the dimensions last, after " ; ": the height
# of a volume ("VIII, 366 p. ; 24 cm"), or height x width of a sheet, map or image ("1 carte : ms,
# aquarellée ; 124 x 189 cm"; ISBD 5.3: "height × width"). Only these two whole forms are read; any other
# ("54,5-69 cm", "30 ص. ؛ ; 24 سم") stays the extent text it is.
_DIMS = re.compile(r";\s*(\d{1,4}(?:,\d)?)\s*(?:(?:x|×)\s*(\d{1,4}(?:,\d)?)\s*)?(cm|mm)\s*\.?$")


@lru_cache(maxsize=16384)
def parse_dimensions(extent: str) -> tuple[str, tuple[tuple[str, float], ...]] | None:
    """``… ; 124 x 189 cm`` → ("cm", (("height", 124.0), ("width", 189.0))); ``… ; 24 cm`` → the height only."""
    if "cm" not in extent and "mm" not in extent:
        return None
    m = _DIMS.search(extent)
    if not m:
        return None
    h, w, unit = m.group(1), m.group(2), m.group(3)
    dims = (("height", float(h.replace(",", "."))),)
    if w:
        dims += (("width", float(w.replace(",", "."))),)
    return unit, dims


# --- scripts and calendars -------------------------------------------------------------------------
# Code points of scripts other than Latin (Greek and Cyrillic up to Ethiopic and the Indic scripts, CJK,
# Hangul, Hebrew and Arabic presentation forms). Latin Extended Additional (ṣ, ḥ: transliterations) and
# general punctuation (’ “ – ×) are not in them.
_NON_LATIN = ((0x0370, 0x1CFF), (0x2E80, 0xD7FF), (0xF900, 0xFAFF), (0xFB1D, 0xFDFF), (0xFE70, 0xFEFF))
_ARABIC = ((0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF))
ARABIC_SCRIPT_LANGUAGES = frozenset({"ar", "fa", "ota", "ur", "ps"})
_OTHER_SCRIPT_LANGUAGES = frozenset({"el", "grc", "ru", "he", "hy", "ka", "zh", "ja", "ko", "am", "syr"})


def _in(text: str, ranges: tuple[tuple[int, int], ...]) -> bool:
    for ch in text:
        o = ord(ch)
        if o >= 0x0370:
            for lo, hi in ranges:
                if lo <= o <= hi:
                    return True
    return False


def latin_only(text: str) -> bool:
    """True when no character of the text is of a non-Latin script (cheap: ASCII text is checked at once)."""
    return text.isascii() or not _in(text, _NON_LATIN)


def has_arabic(text: str) -> bool:
    return not text.isascii() and _in(text, _ARABIC)


def text_lang(text: str, lang: str | None) -> str | None:
    """``lang`` when the text's script can be that language's, else None (untagged): an Arabic-script extent
    is not French, a transliterated title of an Arabic book is not Arabic script."""
    if not lang or lang == "und":
        return lang
    if lang in ARABIC_SCRIPT_LANGUAGES:
        return lang if has_arabic(text) and not any(c.isascii() and c.isalpha() for c in text) else None
    if lang in _OTHER_SCRIPT_LANGUAGES:
        return None if latin_only(text) else lang
    return lang if latin_only(text) else None


_ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_HIJRI = re.compile(r"^\[?(\d{3,4})(?:\s*-\s*(\d{3,4}))?\]?\s*(h\.?|a\.?\s?h\.?|(?:de l'|de l’)?h[ée]gire|هـ|ه)?\.?$",
                    re.I)


@lru_cache(maxsize=4096)
def hijri_date(text: str) -> tuple[int, int | None] | None:
    """A year (or years) marked as Hijri: ``1300 H.``, ``1300 AH``, ``1300 de l'hégire``, ``١٣٠٠`` (Arabic-Indic
    digits), ``1300 هـ``. None when the text says nothing of its calendar (the caller decides from context)."""
    s = text.strip()
    arabic = not s.isascii() and s != s.translate(_ARABIC_DIGITS)
    if "solaire" in s.casefold():  # the solar Hijri year of Iran: another calendar, not read here
        return None
    m = _HIJRI.match(s.translate(_ARABIC_DIGITS))
    if not m or not (m.group(3) or arabic):
        return None
    y1 = int(m.group(1))
    y2 = int(m.group(2)) if m.group(2) else None
    if y2 is not None and y2 < y1:
        return None
    return y1, y2
