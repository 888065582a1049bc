"""Generated gRPC and protobuf code for the architect.v1 API.

Do not edit: regenerate with ``python scripts/gen_protos.py``.
"""
