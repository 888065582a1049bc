"""The API form of a matcher explanation (``architect.routing.explain.Explanation``)."""

from __future__ import annotations

from datetime import UTC, datetime

from architect.routing.explain import Explanation
from architect.v1 import routing_pb2


def _ts(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def explanation_message(exp: Explanation) -> routing_pb2.RoutingExplanation:
    """A RoutingExplanation; enum values of the matcher mirror the API's by design."""
    out = routing_pb2.RoutingExplanation(
        task_id=exp.task_id,
        task_type=exp.task_type,
        rule=exp.rule,
        config_version=exp.config_version,
        decision=int(exp.decision),  # type: ignore[arg-type]
        session_id=exp.session_id,
        session_name=exp.session_name,
        effective_priority=exp.effective_priority,
        summary=exp.summary,
        verdicts=[
            routing_pb2.SessionVerdict(
                session_id=v.session_id,
                session_name=v.session_name,
                eligible=v.eligible,
                preferred=v.preferred,
                reasons=[int(r) for r in v.reasons],  # type: ignore[misc]
                detail=v.detail,
            )
            for v in exp.verdicts
        ],
    )
    out.evaluated_at.FromDatetime(_ts(exp.evaluated_at_ms))
    if exp.hold_until_ms is not None:
        out.hold_until.FromDatetime(_ts(exp.hold_until_ms))
    return out
