#!/usr/bin/env bash
# The README's plain-pip route, checked end to end: a fresh virtualenv,
# `pip install .` (compiling the Cython sources), then `architect serve` with no
# options from an unrelated directory must answer SERVING on the gRPC health
# check, list the five architect.v1 services by reflection and exit 0 after SIGTERM.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --upgrade pip
"$work/venv/bin/python" -m pip install --quiet "$root"

cd "$work"
port="$("$work/venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
HOME="$work/home" "$work/venv/bin/architect" serve --listen "127.0.0.1:$port" 2>"$work/serve.log" &
pid=$!
"$work/venv/bin/python" - "$port" <<'PY'
import sys, time
import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

port = sys.argv[1]
deadline = time.monotonic() + 30
with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
    grpc.channel_ready_future(ch).result(timeout=30)
    status = health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(), timeout=5).status
    assert status == health_pb2.HealthCheckResponse.SERVING, status
    refl = reflection_pb2_grpc.ServerReflectionStub(ch)
    (resp,) = list(refl.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")])))
    names = {s.name for s in resp.list_services_response.service}
    want = {f"architect.v1.{s}" for s in ("RoutingService", "QueryService", "SLAService", "WorkflowService", "AdminService")}
    assert want <= names, names
print("health SERVING; reflection lists", ", ".join(sorted(want)))
PY
kill -TERM "$pid"
if wait "$pid"; then
  echo "architect serve exited 0 after SIGTERM"
else
  rc=$?
  echo "architect serve exited $rc after SIGTERM" >&2
  cat "$work/serve.log" >&2
  exit 1
fi
grep -q "database: sqlite:///$work/home/.local/share/architect/architect.db" "$work/serve.log" \
  || { echo "serve did not log the default embedded database" >&2; cat "$work/serve.log" >&2; exit 1; }
