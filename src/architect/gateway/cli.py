"""The gateway's part of the command line: ``serve`` flags and the ``token`` commands.

Kept apart from ``architect.cli`` so that the CLI only calls three functions; like the rest of
the CLI, this is the edge where flags and ``ARCHITECT_*`` variables are read.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

from architect import paths
from architect.config import ConfigInvalid, load_config
from architect.gateway.assembly import GatewayOptions
from architect.gateway.tokens import config_entry, generate_token, hash_token

EPILOG = """\
gateway environment variables (flags win over them):
  ARCHITECT_TLS_CERT, ARCHITECT_TLS_KEY, ARCHITECT_TLS_CLIENT_CA   defaults for the --tls-* flags
  ARCHITECT_METRICS_LISTEN                                          default for --metrics-listen
  ARCHITECT_OTEL=1                                                  same as --otel
"""


def _path(value: str | None) -> Path | None:
    return Path(value) if value else None


def add_serve_flags(serve: argparse.ArgumentParser, environ: Mapping[str, str]) -> None:
    """Add the auth, TLS, metrics and tracing flags to ``architect serve``."""
    group = serve.add_argument_group("gateway (auth, TLS, metrics, tracing; see gateway.yaml)")
    group.add_argument(
        "--insecure",
        action="store_true",
        help="allow running without API tokens on a non-loopback address (auth off); "
        "on loopback that is allowed anyway, with a warning",
    )
    group.add_argument(
        "--tls-cert",
        type=Path,
        default=_path(environ.get("ARCHITECT_TLS_CERT")),
        metavar="PEM",
        help="server certificate chain; with --tls-key, serve TLS",
    )
    group.add_argument(
        "--tls-key",
        type=Path,
        default=_path(environ.get("ARCHITECT_TLS_KEY")),
        metavar="PEM",
        help="private key of --tls-cert",
    )
    group.add_argument(
        "--tls-client-ca",
        type=Path,
        default=_path(environ.get("ARCHITECT_TLS_CLIENT_CA")),
        metavar="PEM",
        help="CA bundle for client certificates: mutual TLS, clients without one are refused",
    )
    group.add_argument(
        "--metrics-listen",
        default=environ.get("ARCHITECT_METRICS_LISTEN") or None,
        metavar="HOST:PORT",
        help="serve Prometheus metrics on http://HOST:PORT/metrics (default: off); "
        "keep it on loopback or a private network",
    )
    group.add_argument(
        "--otel",
        action="store_true",
        default=environ.get("ARCHITECT_OTEL", "") not in ("", "0", "false"),
        help="record OpenTelemetry spans per RPC and database call (pip install "
        "'architect[tracing]'; exported over OTLP when its exporter is installed)",
    )


def options_from_args(args: argparse.Namespace) -> GatewayOptions:
    """The gateway options of a parsed ``serve`` command line."""
    return GatewayOptions(
        insecure=args.insecure,
        tls_cert=args.tls_cert,
        tls_key=args.tls_key,
        tls_client_ca=args.tls_client_ca,
        metrics_listen=args.metrics_listen,
        otel=args.otel,
    )


def add_token_commands(
    sub: argparse._SubParsersAction,
    add_config: Callable[[argparse.ArgumentParser, Mapping[str, str]], None],
    environ: Mapping[str, str],
) -> None:
    """Add ``architect token create`` and ``architect token hash``."""
    token = sub.add_parser(
        "token",
        help="create and hash API tokens",
        description="API tokens authenticate gRPC calls (metadata 'authorization: Bearer "
        "TOKEN'). Config stores only their SHA-256.",
    )
    token_sub = token.add_subparsers(dest="token_command", metavar="COMMAND", required=True)
    create = token_sub.add_parser(
        "create",
        help="make a new token; print it once, with the config entry to add",
        description="Print a new random token (shown only this once) and the gateway.yaml "
        "entry that authorises it. Add the entry to config/local/gateway.yaml; the server "
        "picks it up on reload.",
    )
    create.add_argument("name", help="who holds the token, e.g. ci-deploy or worker-pool-1")
    create.add_argument("--role", required=True, help="role from gateway.yaml, e.g. reader")
    add_config(create, environ)
    create.set_defaults(func=_cmd_token_create)
    hash_cmd = token_sub.add_parser(
        "hash",
        help="print the SHA-256 of a token read from stdin",
        description="Read one token from standard input and print the hash to put in gateway.yaml.",
    )
    hash_cmd.set_defaults(func=_cmd_token_hash)


def _cmd_token_create(args: argparse.Namespace) -> int:
    config_dir = args.config_dir or paths.default_config_dir()
    try:
        settings = load_config(config_dir, args.env).gateway
    except ConfigInvalid as exc:
        print(f"architect: the config in {config_dir} is invalid:", file=sys.stderr)
        for error in exc.errors:
            print(f"  {error}", file=sys.stderr)
        return 2
    if args.role not in settings.auth.roles:
        roles = ", ".join(sorted(settings.auth.roles)) or "none"
        print(f"architect: unknown role {args.role!r}; roles: {roles}", file=sys.stderr)
        return 2
    token = generate_token()
    print(f"token (shown only now; store it as a secret): {token}")
    print()
    print(f"add to {config_dir / 'local' / 'gateway.yaml'} (merge with tokens already there):")
    print()
    print(config_entry(args.name, args.role, token), end="")
    return 0


def _cmd_token_hash(args: argparse.Namespace) -> int:
    token = sys.stdin.readline().strip()
    if not token:
        print("architect: expected a token on standard input", file=sys.stderr)
        return 2
    print(hash_token(token))
    return 0
