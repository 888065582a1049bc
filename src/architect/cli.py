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
from collections.abc import Mapping, Sequence
from pathlib import Path

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
    gateway_cli.add_serve_flags(serve, environ)
    serve.epilog = EPILOG + "\n" + gateway_cli.EPILOG
    serve.set_defaults(func=_cmd_serve)
    gateway_cli.add_token_commands(sub, _add_common_config, environ)

    version = sub.add_parser("version", help="print the version and build details")
    version.set_defaults(func=_cmd_version)
    return parser


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
        gateway=gateway_cli.options_from_args(args),
    )
    if options.database_url.startswith("sqlite:///"):
        Path(options.database_url.removeprefix("sqlite:///")).parent.mkdir(
            parents=True, exist_ok=True
        )
    try:
        _run_async(run(options))
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
