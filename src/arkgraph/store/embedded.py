"""The embedded implementation: an Oxigraph store in a directory on disk, through pyoxigraph.

:class:`EmbeddedSink` commits each batch as one ``load`` transaction; :func:`query` answers a query
from the store. The bulk path for whole N-Quads files is :mod:`.bulk`.
"""

from __future__ import annotations

import gc
from pathlib import Path

from ..errors import ArkgraphError, InputError
from ..terms import XSD, Triple
from .base import BatchingSink, GraphState, Table, nq_lines, nt_lines, owned_delete
from .sparql_text import QUERY_PREFIXES, syntax_error

# pyoxigraph is imported where it is used: commands that never open a store start without it.


def _store_error(path: str, exc: OSError) -> ArkgraphError:
    text = str(exc)
    if "lock" in text.lower():
        return ArkgraphError(f"the store {path} is in use by another process (a load, a query or a server); "
                             "wait for it or stop it")
    return ArkgraphError(f"cannot open the store {path}: {text}")


def open_oxigraph(path: str, *, must_exist: bool = False):
    import pyoxigraph as ox

    if must_exist and not Path(path, "CURRENT").exists():
        raise InputError(f"no store at {path} (load something first: arkgraph load FILE --store {path})")
    try:
        Path(path).mkdir(parents=True, exist_ok=True)
        return ox.Store(path)
    except OSError as exc:
        raise _store_error(path, exc) from None


class EmbeddedSink(BatchingSink):
    """Batches committed to a pyoxigraph Store on disk: drop replaced graphs, then one ``load`` transaction."""

    def __init__(self, path: str, **kw):
        super().__init__(label=path, **kw)
        self.path = path
        self.store = open_oxigraph(path)

    def _commit(self, state: dict[str, GraphState]) -> None:
        import pyoxigraph as ox

        store = self.store
        replaced = [g for g, st in state.items() if st.replace]
        if self.default_graph:
            if replaced:
                store.update(owned_delete(replaced))
            text = "".join(line for st in state.values() for line in nt_lines(st.triples))
            fmt = ox.RdfFormat.N_TRIPLES
        else:
            for g in replaced:
                node = ox.NamedNode(g)
                if store.contains_named_graph(node):
                    store.remove_graph(node)
            text = "".join(line for g, st in state.items() for line in nq_lines(g, st.triples))
            fmt = ox.RdfFormat.N_QUADS
        if text:
            store.load(input=text.encode("utf-8"), format=fmt)

    def _release(self) -> None:
        self.store.flush()
        del self.store  # closes it: the lock goes with the last reference
        gc.collect()

    def _commit_default(self, triples: list[Triple]) -> None:
        import pyoxigraph as ox

        self.store.load(input="".join(nt_lines(triples)).encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)


# --------------------------------------------------------------------------- query


def _term_json(term) -> dict | None:
    import pyoxigraph as ox

    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        d: dict[str, str] = {"type": "literal", "value": term.value}
        if term.language:
            d["xml:lang"] = term.language
        elif term.datatype.value != XSD + "string":
            d["datatype"] = term.datatype.value
        return d
    return {"type": "triple", "value": str(term)}




def query(path: str, sparql: str, *, fmt: str, out) -> Table | None:
    """Answer from the store at ``path``, over the union of its graphs: a :class:`Table` for ``table``,
    else the results written to ``out``."""
    store = open_oxigraph(path, must_exist=True)
    try:
        table, error = _answer(store, sparql, fmt=fmt, out=out)
    finally:
        del store  # closes the store now: another command may want its lock
        gc.collect()
    if error is not None:
        raise error
    return table


def _answer(store, sparql: str, *, fmt: str, out) -> tuple[Table | None, ArkgraphError | None]:
    """Errors are returned, not raised: a traceback would keep the store (and its lock) alive."""
    import pyoxigraph as ox

    try:
        # records live in named graphs; a query's own PREFIX declarations win over the predefined ones
        result = store.query(sparql, use_default_graph_as_union=True, prefixes=QUERY_PREFIXES)
    except SyntaxError as exc:
        return None, syntax_error(sparql, str(exc))
    except (OSError, RuntimeError, ValueError) as exc:
        return None, ArkgraphError(f"query failed: {exc}")
    if isinstance(result, (ox.QuerySolutions, ox.QueryBoolean)):
        if fmt == "table":
            if isinstance(result, ox.QueryBoolean):
                return Table(["ask"], [[{"type": "literal", "value": str(bool(result)).lower()}]]), None
            names = [v.value for v in result.variables]
            return Table(names, [[_term_json(sol[i]) for i in range(len(names))] for sol in result]), None
        result.serialize(out, {"csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV,
                               "json": ox.QueryResultsFormat.JSON}[fmt])
        return None, None
    result.serialize(out, ox.RdfFormat.N_TRIPLES)
    return None, None

