"""The configuration file: arkgraph.toml or --config FILE gives defaults; the command line and the environment win."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from arkgraph import config
from arkgraph.cli import main
from arkgraph.errors import UsageError
from harvest_server import TOKEN
from helpers import PM
from test_cli_help import command_paths

ONE_WORK = PM / "nodebyid-226737-docs-example.json"  # a Paris Musées work: its ARK is minted under the NAAN


def naans(result) -> set[str]:
    """The NAANs of the ARKs in a conversion's N-Quads on stdout."""
    assert result.exit_code == 0, result.stderr
    return set(re.findall(r"ark:(\w+)/", result.stdout))


def convert_one(*args: str, env: dict[str, str] | None = None, config_args: tuple[str, ...] = ()):
    return CliRunner().invoke(main, [*config_args, "convert", str(ONE_WORK), "-o", "-", *args], env=env)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def one_line_error(result) -> str:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output, result.stderr
    return lines[0]


# ---------------------------------------------------------------- precedence

def test_the_file_gives_a_default_the_environment_overrides_it_and_the_command_line_overrides_both(tmp_path):
    cfg = write(tmp_path / "jobs.toml", '[convert]\nnaan = "11111"\n')
    given = ("--config", str(cfg))
    assert naans(convert_one(env={"ARKGRAPH_NAAN": None}, config_args=given)) == {"11111"}
    assert naans(convert_one(env={"ARKGRAPH_NAAN": "22222"}, config_args=given)) == {"22222"}
    assert naans(convert_one("--naan", "33333", env={"ARKGRAPH_NAAN": "22222"}, config_args=given)) == {"33333"}


def test_without_a_file_the_built_in_default_holds(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert naans(convert_one(env={"ARKGRAPH_NAAN": None, "ARKGRAPH_CONFIG": None})) == {"99999"}


def test_arkgraph_toml_in_the_working_directory_is_read_without_being_named(tmp_path, monkeypatch):
    write(tmp_path / "arkgraph.toml", 'naan = "44444"\n')  # a shared key: every command that has --naan
    monkeypatch.chdir(tmp_path)
    assert naans(convert_one(env={"ARKGRAPH_NAAN": None, "ARKGRAPH_CONFIG": None})) == {"44444"}


def test_the_config_file_can_be_named_by_an_environment_variable(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cfg = write(tmp_path / "elsewhere.toml", '[convert]\nnaan = "55555"\n')
    assert naans(convert_one(env={"ARKGRAPH_NAAN": None, "ARKGRAPH_CONFIG": str(cfg)})) == {"55555"}


def test_a_command_table_wins_over_a_shared_key_and_a_harvest_subcommand_table_over_the_harvest_table():
    group = {"convert": {"naan": "12345"}, "naan": "67890",
             "harvest": {"rate": 0.5, "gallica": {"rate": 2, "concurrency": 3}}}
    got = config.default_map(group, main, "arkgraph.toml")
    assert got["convert"]["naan"] == "12345"
    assert got["harvest"]["gallica"] == {"rate": 2, "concurrency": 3}
    assert got["harvest"]["parismusees"] == {"rate": 0.5}


def test_keys_are_option_names_with_dashes_or_underscores_or_parameter_names():
    got = config.default_map({"convert": {"edm-provider": "A", "max_value_bytes": 10, "fmt": "ttl"}}, main, "f.toml")
    assert got["convert"] == {"edm_provider": "A", "max_value_bytes": 10, "fmt": "ttl"}


def test_one_option_spelt_twice_in_a_table_is_refused():
    with pytest.raises(UsageError, match=r"^f.toml: convert.edm_provider: the same option as convert.edm-provider$"):
        config.default_map({"convert": {"edm-provider": "A", "edm_provider": "B"}}, main, "f.toml")


def test_a_repeatable_option_takes_a_list_or_a_single_value(tmp_path):
    got = config.default_map({"convert": {"output": "a.nt"}, "load": {"profile": ["schemaorg"]}}, main, "f.toml")
    assert got["convert"]["outputs"] == ["a.nt"] and got["load"]["profiles"] == ["schemaorg"]


def test_the_file_reaches_convert_when_harvest_runs_it_with_then_convert(harvest_server, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no ./arkgraph.toml: only --config names the file
    cfg = write(tmp_path / "jobs.toml", '[convert]\nnaan = "12345"\n[harvest]\nrate = 0\n')
    out = tmp_path / "out.nt"
    result = CliRunner().invoke(main, ["--config", str(cfg), "harvest", "parismusees", "--endpoint",
                                       harvest_server.url + "/graphql", "--out", str(tmp_path / "raw"),
                                       "--limit", "250", "--then-convert", "--profile", "schemaorg", "-o", str(out)],
                                env={"PM_TOKEN": TOKEN, "ARKGRAPH_NAAN": None, "ARKGRAPH_CONFIG": None})
    assert result.exit_code in (0, 1), result.stderr
    assert set(re.findall(r"ark:(\w+)/", out.read_text(encoding="utf-8"))) == {"12345"}


# ---------------------------------------------------------------- errors: one line naming the file and the key

def test_a_missing_config_file_is_a_one_line_error(tmp_path):
    line = one_line_error(convert_one(config_args=("--config", str(tmp_path / "nope.toml"))))
    assert line == f"Error: cannot read config file {tmp_path / 'nope.toml'}: no such file"


def test_a_malformed_file_is_a_one_line_error_with_its_line(tmp_path):
    cfg = write(tmp_path / "bad.toml", '[convert]\nnaan = = "1"\n')
    line = one_line_error(convert_one(config_args=("--config", str(cfg))))
    assert line.startswith(f"Error: {cfg}: not valid TOML: ") and "line 2" in line


def test_a_malformed_arkgraph_toml_in_the_working_directory_is_not_ignored(tmp_path, monkeypatch):
    write(tmp_path / "arkgraph.toml", "[convert\n")
    monkeypatch.chdir(tmp_path)
    assert one_line_error(convert_one(env={"ARKGRAPH_CONFIG": None})).startswith("Error: arkgraph.toml: not valid TOML")


@pytest.mark.parametrize("text, message", [
    ('[convert]\nnaam = "12345"\n', "convert.naam: no such option (see arkgraph convert --help)"),
    ('naam = "12345"\n', "naam: no such option in any command"),
    ('[convrt]\nnaan = "12345"\n', "convrt: no such command (tables: convert, embed, harvest, load, query, serve, validate)"),
    ('[harvest.gallika]\nrate = 1\n', "harvest.gallika: no such command (tables: gallica, parismusees)"),
    ('[convert]\nconfig = "x.toml"\n', "convert.config: no such option (see arkgraph convert --help)"),
    ('[convert]\ninputs = ["a.json"]\n', "convert.inputs: no such option (see arkgraph convert --help)"),
], ids=["key in a command", "shared key", "command", "subcommand", "config itself", "an argument"])
def test_an_unknown_key_is_a_one_line_error_naming_the_file_and_key(tmp_path, text, message):
    cfg = write(tmp_path / "jobs.toml", text)
    assert one_line_error(convert_one(config_args=("--config", str(cfg)))) == f"Error: {cfg}: {message}"


@pytest.mark.parametrize("text, message", [
    ('[harvest.gallica]\nrate = "fast"\n', "harvest.gallica.rate: expected a number, got string 'fast'"),
    ('[harvest.gallica]\nmax-retries = 2.5\n', "harvest.gallica.max-retries: expected an integer, got float 2.5"),
    ('[harvest.gallica]\nconcurrency = 99\n', "harvest.gallica.concurrency: 99 is not in the range 1<=x<=16."),
    ('[convert]\nquiet = 1\n', "convert.quiet: expected true or false, got integer 1"),
    ('[convert]\nnaan = 12345\n', "convert.naan: expected a string, got integer 12345"),
    ('[convert]\nsource = "csv"\n', "convert.source: 'csv' is not one of 'auto', 'parismusees', 'gallica'."),
    ('[convert]\nprofile = ["all"]\n', "convert.profile: expected one value, not a list (--profile is not repeatable)"),
    ('[convert]\nnaan = "abc"\n', "convert.naan: bad NAAN 'abc': NAANs are betanumeric (digits and consonants but 'l')"),
    ('profile = "all,edm"\n', "profile (for embed): 'all,edm' is not one of 'schemaorg', 'linkedart', 'both'."),
    ('[convert.x]\nnaan = "1"\n', "convert.x: convert has no subcommands"),
], ids=["number", "integer", "range", "flag", "string", "choice", "not repeatable", "option's own check",
        "shared key one command refuses", "table under a command"])
def test_a_value_of_the_wrong_type_is_a_one_line_error_naming_the_file_and_key(tmp_path, text, message):
    cfg = write(tmp_path / "jobs.toml", text)
    assert one_line_error(convert_one(config_args=("--config", str(cfg)))) == f"Error: {cfg}: {message}"


# ---------------------------------------------------------------- --help

def _options_with_envvars() -> list[tuple[tuple[str, ...], click.Option]]:
    found = []
    for path in command_paths():
        cmd: click.Command = main
        for name in path:
            cmd = cmd.get_command(click.Context(cmd), name)  # type: ignore[attr-defined]
        found += [(path, p) for p in cmd.params if isinstance(p, click.Option) and p.envvar]
    return found


def test_every_option_that_reads_an_environment_variable_shows_it_in_help():
    found = _options_with_envvars()
    assert {p.envvar for _, p in found} >= {"ARKGRAPH_CONFIG", "ARKGRAPH_NAAN", "ARKGRAPH_ARK_BASE",
                                             "ARKGRAPH_MAPPINGS", "ARKGRAPH_EDM_PROVIDER"}
    for path, param in found:
        text = CliRunner().invoke(main, [*path, "--help"], terminal_width=1000).output
        assert param.show_envvar and f"env var: {param.envvar}" in text, (path, param.name)


def test_help_shows_the_file_s_values_as_the_defaults(tmp_path):
    cfg = write(tmp_path / "jobs.toml", "[harvest.gallica]\nrate = 0.25\n")
    text = CliRunner().invoke(main, ["--config", str(cfg), "harvest", "gallica", "--help"], terminal_width=1000).output
    assert "default: 0.25" in text


def test_the_module_s_examples_run_as_written():
    import doctest

    assert doctest.testmod(config).failed == 0
