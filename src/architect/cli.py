"""The ``architect`` command line.

Every sub-command reads its flags here, at the edge, falling back to
``ARCHITECT_*`` environment variables and then to defaults; code below the CLI
receives typed option objects and never reads the environment itself.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Callable, Coroutine, Mapping, Sequence
from pathlib import Path
from typing import Any

from architect import __version__, logs, paths
from architect.gateway import cli as gateway_cli

DEFAULT_LISTEN = "127.0.0.1:50051"

EPILOG = """\
environment variables (flags win over them):
  ARCHITECT_LISTEN         default for --listen
  ARCHITECT_CONFIG_DIR     default for --config-dir
  ARCHITECT_ENV            default for --env
  ARCHITECT_DATABASE_URL   default for --database
  ARCHITECT_DATA_DIR       where the embedded database lives by default
  ARCHITECT_PURE_PYTHON=1  use the pure-Python matcher instead of the compiled one
"""


def _path_or_none(value: str | None) -> Path | None:
    return Path(value) if value else None


def _add_common_config(p: argparse.ArgumentParser, environ: Mapping[str, str]) -> None:
    p.add_argument(
        "--config-dir",
        type=Path,
        default=_path_or_none(environ.get("ARCHITECT_CONFIG_DIR")),
        metavar="DIR",
        help="config tree with base/, environments/<env>/ and local/ "
        "(default: the config shipped with Architect)",
    )
    p.add_argument(
        "--env",
        default=environ.get("ARCHITECT_ENV", "development"),
        metavar="ENV",
        help="environment overlay applied over base/, e.g. development, staging, production "
        "(default: %(default)s)",
    )


def _add_database(p: argparse.ArgumentParser, environ: Mapping[str, str]) -> None:
    p.add_argument(
        "--database",
        default=environ.get("ARCHITECT_DATABASE_URL") or paths.default_database_url(environ),
        metavar="URL",
        help="sqlite:///PATH (embedded, the default) or postgresql://USER@HOST:PORT/DB "
        "(default: %(default)s)",
    )


def build_parser(environ: Mapping[str, str]) -> argparse.ArgumentParser:
    """The full argument parser (exposed for tests and for --help)."""
    parser = argparse.ArgumentParser(
        prog="architect",
        description="Architect: a gRPC task-routing backend for fleets of worker sessions.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"architect {__version__}")
    parser.add_argument(
        "--log-level",
        default="info",
        choices=["debug", "info", "warning", "error"],
        help="minimum level of log lines written to stderr (default: %(default)s)",
    )
    parser.add_argument(
        "--log-format",
        default="text",
        choices=["text", "json"],
        help="text for people, json for log shippers (default: %(default)s)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    serve = sub.add_parser(
        "serve",
        help="run the gRPC server",
        description="Run the Architect gRPC server until SIGTERM or SIGINT. It serves the five "
        "architect.v1 services, the standard gRPC health service and server reflection. "
        "On a stop signal it turns NOT_SERVING, refuses new calls, lets calls in flight "
        "finish for up to --grace seconds and exits 0.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serve.add_argument(
        "--listen",
        default=environ.get("ARCHITECT_LISTEN", DEFAULT_LISTEN),
        metavar="HOST:PORT",
        help="address to listen on; port 0 picks a free port (default: %(default)s)",
    )
    _add_common_config(serve, environ)
    _add_database(serve, environ)
    serve.add_argument(
        "--grace",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="how long calls in flight may run after a stop signal (default: %(default)s)",
    )
    serve.add_argument(
        "--no-watch-config",
        dest="watch_config",
        action="store_false",
        help="do not reload when config files change; reload with SIGHUP or "
        "AdminService.ReloadConfig only (for trees deployed as a whole)",
    )
    gateway_cli.add_serve_flags(serve, environ)
    serve.epilog = EPILOG + "\n" + gateway_cli.EPILOG
    serve.set_defaults(func=_cmd_serve)
    gateway_cli.add_token_commands(sub, _add_common_config, environ)

    _add_db_commands(sub, environ)
    _add_config_commands(sub, environ)
    _add_query_commands(sub, environ)

    version = sub.add_parser("version", help="print the version and build details")
    version.set_defaults(func=_cmd_version)
    return parser


DB_EPILOG = """\
exit codes:
  0  done (status: every migration is applied)
  1  status only: migrations are pending; run `architect db migrate`
  2  the database cannot be used: unreachable, or its schema disagrees with this release
"""


def _add_db_commands(sub: Any, environ: Mapping[str, str]) -> None:
    db = sub.add_parser(
        "db",
        help="apply or list database migrations",
        description="Manage the database schema. `architect serve` applies pending migrations "
        "itself when it starts; these commands do it, or show it, ahead of time.",
        epilog=DB_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    db_sub = db.add_subparsers(dest="db_command", metavar="DB_COMMAND", required=True)
    migrate = db_sub.add_parser(
        "migrate",
        help="apply pending migrations",
        description="Apply every pending migration to the database, each in its own "
        "transaction, and list what was applied. Safe to run again, and safe to run from "
        "several machines at once (PostgreSQL takes an advisory lock).",
        epilog=DB_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_database(migrate, environ)
    migrate.set_defaults(func=_cmd_db_migrate)
    status = db_sub.add_parser(
        "status",
        help="list applied and pending migrations",
        description="List the migrations this release ships: applied ones with the time they "
        "were applied, pending ones marked pending. Changes nothing.",
        epilog=DB_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_database(status, environ)
    status.set_defaults(func=_cmd_db_status)


def _cmd_db_migrate(args: argparse.Namespace) -> int:
    from architect.store import open_store

    async def run() -> int:
        store = await open_store(args.database, pool_min_size=1)
        try:
            applied = await store.migrate()
            status = await store.migration_status()
        finally:
            await store.close()
        for m in applied:
            print(f"applied {m.version:04d}_{m.name}")
        print(f"{args.database}: up to date ({len(status.applied)} migrations applied)")
        return 0

    return _db_command(run)


def _cmd_db_status(args: argparse.Namespace) -> int:
    from architect.store import open_store

    async def run() -> int:
        store = await open_store(args.database, pool_min_size=1)
        try:
            status = await store.migration_status()
        finally:
            await store.close()
        print(f"database: {args.database}")
        print(f"{'version':<8} {'name':<24} {'status':<8} applied at")
        for i in status.applied:
            when = i.applied_at.isoformat(timespec="seconds") if i.applied_at else ""
            print(f"{i.version:04d}     {i.name:<24} {'applied':<8} {when}")
        for m in status.pending:
            print(f"{m.version:04d}     {m.name:<24} {'pending':<8} -")
        if status.pending:
            print(f"{len(status.pending)} pending; run `architect db migrate` to apply")
            return 1
        print("up to date")
        return 0

    return _db_command(run)


def _db_command(run: Callable[[], Coroutine[Any, Any, int]]) -> int:
    from architect.errors import ArchitectError

    try:
        return asyncio.run(run())
    except ArchitectError as exc:
        print(f"architect db: {exc}", file=sys.stderr)
        return 2


def _add_config_commands(sub: Any, environ: Mapping[str, str]) -> None:
    config = sub.add_parser(
        "config",
        help="validate, show and describe the YAML configuration",
        description="The configuration is layered YAML: base/, then environments/<env>/, then "
        "local/. Maps merge deeply, lists replace, `key: !delete` removes a key and "
        "`key: !replace {...}` replaces a map whole. See config/README.md.",
    )
    commands = config.add_subparsers(dest="config_command", metavar="COMMAND", required=True)

    validate = commands.add_parser(
        "validate",
        help="check the config; exit 0 when valid, 1 with every error",
        description="Load and check the config as the server would. Prints every error, one per "
        "line as FILE:LINE: KEY.PATH: MESSAGE, and exits 1; exits 0 when the config is valid.",
    )
    _add_common_config(validate, environ)
    validate.set_defaults(func=_cmd_config_validate)

    show = commands.add_parser(
        "show",
        help="print the merged config, defaults applied",
        description="Print the config the server would run with: the layers merged and every "
        "default applied. --origin adds the file and line each value came from ('default' for "
        "values nobody wrote).",
    )
    _add_common_config(show, environ)
    show.add_argument(
        "--origin", action="store_true", help="annotate each value with the FILE:LINE it came from"
    )
    show.add_argument(
        "--format", choices=["yaml", "json"], default="yaml", help="output format (default: yaml)"
    )
    show.add_argument(
        "--file", metavar="NAME", help="only this file, e.g. sla_rules (default: every file)"
    )
    show.set_defaults(func=_cmd_config_show)

    schema = commands.add_parser(
        "schema",
        help="print or write the JSON Schema of the config files",
        description="JSON Schemas generated from the config models, for editors (the shipped "
        "YAML files point at config/schema/ in their first line). Base files use "
        "<file>.schema.json; overlays (environments/, local/) use overlay/<file>.schema.json.",
    )
    target = schema.add_mutually_exclusive_group(required=True)
    target.add_argument("--file", metavar="NAME", help="print the schema of NAME, e.g. sla_rules")
    target.add_argument(
        "--out", type=Path, metavar="DIR", help="write every schema (base and overlay) under DIR"
    )
    schema.add_argument(
        "--overlay", action="store_true", help="with --file: the schema for overlay files"
    )
    schema.set_defaults(func=_cmd_config_schema)


QUERY_EPILOG = """\
parameters (-p KEY=VALUE, typed by the query's declaration; see `architect query list`):
  integer, float     -p limit=50
  boolean            -p only_pending=true
  timestamp          -p since=2026-01-02T03:04:05Z, or relative: -p since=-1h (an hour ago)
  duration           -p min_run=5m
  uuid, string       -p task_id=0b9e...
  lists              comma-separated: -p statuses=failed,timed_out
  NULL               -p type=null

exit codes:
  0  done
  1  the server refused the call (unknown query, bad parameter, timeout...)
  2  bad usage, or the server cannot be reached
"""


def _add_query_commands(sub: Any, environ: Mapping[str, str]) -> None:
    query = sub.add_parser(
        "query",
        help="list or run the query templates of queries.yaml on a running server",
        description="Named, typed, read-only queries from queries.yaml, run by a running "
        "server through its QueryService.",
        epilog=QUERY_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = query.add_subparsers(dest="query_command", metavar="COMMAND", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--server",
            default=environ.get("ARCHITECT_SERVER", DEFAULT_LISTEN),
            metavar="HOST:PORT",
            help="the server to ask (default: %(default)s)",
        )
        p.add_argument(
            "--format",
            choices=["table", "json"],
            default="table",
            help="table for people, json for scripts (default: %(default)s)",
        )

    listing = commands.add_parser(
        "list",
        help="list the queries, their parameters and cache TTLs",
        description="List every query template of the server's active config: its "
        "parameters (NAME:TYPE! is required, [NAME:TYPE=DEFAULT] optional) and cache TTL.",
    )
    common(listing)
    listing.set_defaults(func=_cmd_query_list)

    run = commands.add_parser(
        "run",
        help="run one query and print its rows",
        description="Run one query template with typed parameters and print its rows.",
        epilog=QUERY_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("name", metavar="NAME", help="the query, as `architect query list` shows")
    run.add_argument(
        "-p",
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a parameter; repeat for several",
    )
    run.add_argument(
        "--max-rows",
        type=int,
        metavar="N",
        help="return at most N rows (default: the server's, 1,000; at most 10,000)",
    )
    common(run)
    run.set_defaults(func=_cmd_query_run)


def _query_command(call: Callable[[], int]) -> int:
    import grpc

    from architect.queries.client import UsageError

    try:
        return call()
    except UsageError as exc:
        print(f"architect query: {exc}", file=sys.stderr)
        return 2
    except grpc.RpcError as exc:
        code = exc.code()
        details = exc.details()
        print(f"architect query: {code.name}: {details}", file=sys.stderr)
        return 2 if code == grpc.StatusCode.UNAVAILABLE else 1


def _cmd_query_list(args: argparse.Namespace) -> int:
    from architect.queries import client

    return _query_command(lambda: client.list_queries(args.server, args.format))


def _cmd_query_run(args: argparse.Namespace) -> int:
    from architect.queries import client

    return _query_command(
        lambda: client.run_query(args.server, args.name, args.param, args.format, args.max_rows)
    )


def _config_dir(args: argparse.Namespace) -> Path:
    return Path(args.config_dir or paths.default_config_dir())


def _cmd_config_validate(args: argparse.Namespace) -> int:
    from architect.config import commands

    return commands.validate(_config_dir(args), args.env)


def _cmd_config_show(args: argparse.Namespace) -> int:
    from architect.config import commands

    return commands.show(
        _config_dir(args), args.env, origin=args.origin, fmt=args.format, file=args.file
    )


def _cmd_config_schema(args: argparse.Namespace) -> int:
    from architect.config import commands

    return commands.schema(args.file, args.overlay, args.out)


def _cmd_serve(args: argparse.Namespace) -> int:
    from architect.gateway import GatewayConfigError
    from architect.server.app import ServerOptions, run

    config_dir = args.config_dir or paths.default_config_dir()
    options = ServerOptions(
        listen=args.listen,
        config_dir=config_dir.resolve(),
        env=args.env,
        database_url=args.database,
        grace_period=args.grace,
        watch_config=args.watch_config,
        gateway=gateway_cli.options_from_args(args),
    )
    if options.database_url.startswith("sqlite:///"):
        Path(options.database_url.removeprefix("sqlite:///")).parent.mkdir(
            parents=True, exist_ok=True
        )
    from architect.config import ConfigInvalid

    try:
        _run_async(run(options))
    except ConfigInvalid as exc:
        print(
            f"architect: the config in {config_dir} (env {args.env}) is invalid:", file=sys.stderr
        )
        for error in exc.errors:
            print(f"  {error}", file=sys.stderr)
        return 1
    except GatewayConfigError as exc:
        # Refused to start (e.g. no auth on a public address): say why, exit 2 like bad usage.
        print(f"architect: {exc}", file=sys.stderr)
        return 2
    return 0


def _cmd_version(args: argparse.Namespace) -> int:
    from architect import _native

    print(f"architect {__version__}")
    print(f"matcher: {'native (Cython)' if _native.NATIVE else 'pure Python'}")
    print(f"python: {sys.version.split()[0]}")
    return 0


def _run_async(coro: object) -> None:
    """Run ``coro`` on uvloop (the production loop), or asyncio where uvloop is missing."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency on POSIX
        asyncio.run(coro)  # type: ignore[arg-type]
        return
    uvloop.run(coro)  # type: ignore[arg-type]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``architect`` console script."""
    parser = build_parser(os.environ)
    args = parser.parse_args(argv)
    logs.configure(args.log_level, args.log_format)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
