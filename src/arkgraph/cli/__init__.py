"""The command line: a thin layer over the library. Every command ends with a one-line summary on stderr.

One module per command, each a docstring with an example, its options and a few library calls:

* ``convert.py``  ``arkgraph convert``  (:func:`arkgraph.pipeline.convert`)
* ``validate.py`` ``arkgraph validate`` (:mod:`arkgraph.shacl`, :func:`arkgraph.validate_files.validate_files`)
* ``embed.py``    ``arkgraph embed``    (:mod:`arkgraph.embed`)
* ``store.py``    ``arkgraph load`` and ``arkgraph query`` (:mod:`arkgraph.store`)
* ``harvest.py``  ``arkgraph harvest parismusees|gallica`` (:mod:`arkgraph.harvest`)

and what they share: ``errors.py``, the one adapter from arkgraph's errors to one-line messages and
exit codes; ``options.py``, the options several commands take. A new command is a new module here
and one line in :attr:`LazyGroup.lazy`.

The group reads the configuration file (``--config FILE`` or ``./arkgraph.toml``, :mod:`arkgraph.config`)
into click's ``default_map``, so every command's options take their defaults from it.
"""

from __future__ import annotations

import contextvars
import importlib
from pathlib import Path

import click

from .. import __version__
from .errors import reported

# The file the running command line read: `harvest --then-convert` runs `convert` through `main`
# again, which must see the same file (a --config given to the outer command, not only ./arkgraph.toml).
_active_config: contextvars.ContextVar[Path | None] = contextvars.ContextVar("arkgraph_config", default=None)


class LazyGroup(click.Group):
    """Each command lives in its own module, imported only when run (or listed by --help):
    each pulls in its own libraries (httpx, lxml…), which another command should not wait for."""

    lazy = {"convert": ("convert", "convert"), "harvest": ("harvest", "harvest"), "validate": ("validate", "validate"),
            "embed": ("embed", "embed"), "load": ("store", "load"), "query": ("store", "query"), "serve": ("serve", "serve")}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})  # a lazy one, once run, is in both

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy and name not in self.commands:
            module, attr = self.lazy[name]
            self.add_command(getattr(importlib.import_module(f"{__name__}.{module}"), attr), name)
        return super().get_command(ctx, name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="arkgraph")
@click.option("--config", "config", metavar="FILE", envvar="ARKGRAPH_CONFIG", show_envvar=True,
              help="TOML file of defaults for every command's options (default: ./arkgraph.toml if present). "
                   "The command line and environment variables win over it.")
@click.pass_context
def main(ctx: click.Context, config: str | None) -> None:
    """arkgraph turns French cultural-heritage records into linked data keyed by ARKs.

    Sources: Paris Musées collections API (GraphQL JSON) and Gallica (BnF) XML.
    Profiles: Schema.org and CIDOC-CRM in the Linked Art 1.0 patterns.

    Example:

    \b
        arkgraph harvest gallica --ark ark:/12148/bpt6k58017546 --out raw/gallica/
        arkgraph convert raw/gallica/ -o out.nq --validate
        arkgraph load out.nq
        arkgraph --config jobs/gallica.toml harvest gallica --sru 'dc.title all "Paris"' --out raw/

    \b
    A configuration file holds one table per command, e.g.:
        naan = "12345"            # every command that has --naan
        [convert]
        profile = "all,edm"
        edm-provider = "My aggregator"
        [harvest.gallica]
        rate = 0.5
    """
    from .. import config as configuration

    with reported():
        path = configuration.find(config) if config is not None else _active_config.get() or configuration.find()
        if path is not None:
            ctx.default_map = configuration.load(path, main)
    token = _active_config.set(path)
    ctx.call_on_close(lambda: _active_config.reset(token))
