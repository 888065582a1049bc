#!/usr/bin/env python3
"""Generate the Python code for protos/architect/v1 into src/architect/v1.

The generated modules are committed (like temporalio/sdk-python does), so that
installing Architect needs no protoc. Never edit them by hand: change the
.proto files and run

    python scripts/gen_protos.py          # regenerate in place
    python scripts/gen_protos.py --check  # exit 1 if the committed code is stale (CI)

Requires grpcio-tools (in the ``dev`` extra).
"""

from __future__ import annotations

import argparse
import filecmp
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROTO_ROOT = ROOT / "protos"
PACKAGE_DIR = Path("architect") / "v1"
OUT_DIR = ROOT / "src" / PACKAGE_DIR

INIT = '''"""Generated gRPC and protobuf code for the architect.v1 API.

Do not edit: regenerate with ``python scripts/gen_protos.py``.
"""
'''


def generate(dest_root: Path) -> Path:
    """Run protoc over every .proto into ``dest_root``; return the package dir."""
    from grpc_tools import protoc  # imported here so --help works without it

    sources = (PROTO_ROOT / PACKAGE_DIR).glob("*.proto")
    protos = sorted(str(p.relative_to(PROTO_ROOT)) for p in sources)
    if not protos:
        sys.exit(f"no .proto files under {PROTO_ROOT / PACKAGE_DIR}")
    well_known = Path(protoc.__file__).parent / "_proto"
    args = [
        "protoc",
        f"-I{PROTO_ROOT}",
        f"-I{well_known}",
        f"--python_out={dest_root}",
        f"--grpc_python_out={dest_root}",
        f"--pyi_out={dest_root}",
        *protos,
    ]
    if protoc.main(args) != 0:
        sys.exit("protoc failed")
    pkg = dest_root / PACKAGE_DIR
    (pkg / "__init__.py").write_text(INIT)
    return pkg


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="do not write; exit 1 when the committed generated code differs from a fresh run",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        fresh = generate(Path(tmp))
        if args.check:
            cmp = filecmp.dircmp(fresh, OUT_DIR, ignore=["__pycache__"])
            stale = cmp.left_only + cmp.right_only + cmp.diff_files
            if stale:
                print("generated code is stale; run: python scripts/gen_protos.py", file=sys.stderr)
                for name in sorted(stale):
                    print(f"  {name}", file=sys.stderr)
                return 1
            print(f"generated code in {OUT_DIR.relative_to(ROOT)} is up to date")
            return 0
        if OUT_DIR.exists():
            shutil.rmtree(OUT_DIR)
        shutil.copytree(fresh, OUT_DIR)
        print(f"wrote {OUT_DIR.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
