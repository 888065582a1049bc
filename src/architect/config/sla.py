"""``sla_rules.yaml``: SLA targets per task type, escalation steps, notification channels."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from pydantic import Field, model_validator

from architect.config.types import Duration, FrozenModel, Name


class LogChannel(FrozenModel):
    """Notifications written to the server log."""

    kind: Literal["log"]
    """Channel kind."""
    level: Literal["info", "warning", "error"] = "warning"
    """Log level of the notification lines."""
    description: str = ""
    """Who reads this channel."""


class WebhookChannel(FrozenModel):
    """Notifications POSTed as JSON to a URL (chat, paging, incident tools)."""

    kind: Literal["webhook"]
    """Channel kind."""
    url: str = Field(pattern=r"^https?://[^\s/$.?#].[^\s]*$")
    """http(s) URL that receives a JSON POST per notification."""
    timeout: Duration = timedelta(seconds=5)
    """How long one delivery may take before it counts as failed."""
    headers: dict[str, str] = {}
    """Extra HTTP headers (for example an authorization token reference)."""
    description: str = ""
    """Who reads this channel."""


class EmailChannel(FrozenModel):
    """Notifications sent by email."""

    kind: Literal["email"]
    """Channel kind."""
    to: tuple[Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")], ...] = Field(
        min_length=1
    )
    """Recipient addresses."""
    subject_prefix: str = "[architect]"
    """Prefix of every subject line."""
    description: str = ""
    """Who reads this channel."""


#: A notification channel, told apart by its ``kind``.
Channel = Annotated[LogChannel | WebhookChannel | EmailChannel, Field(discriminator="kind")]


class EscalationStep(FrozenModel):
    """One escalation: when it fires (percent of target or minutes) and whom it notifies."""

    after_percent: int | None = Field(default=None, ge=1, le=10_000)
    """Fires once the task has used this percent of its target (100 = breach)."""
    after_minutes: float | None = Field(default=None, gt=0, le=525_600)
    """Fires this many minutes after the task was created."""
    level: int = Field(ge=1, le=10)
    """Escalation level, 1 first; levels rise step by step."""
    channels: tuple[Name, ...] = Field(min_length=1)
    """Channels notified, by name (see ``channels``)."""

    @model_validator(mode="after")
    def _one_trigger(self) -> EscalationStep:
        if (self.after_percent is None) == (self.after_minutes is None):
            raise ValueError("set exactly one of after_percent and after_minutes")
        return self


class SlaTarget(FrozenModel):
    """The SLA of one task type. Unset fields take the value from ``defaults``."""

    target_minutes: float = Field(gt=0, le=10_080)
    """Minutes from submission to a terminal state (at most a week)."""
    warning_percent: int | None = Field(default=None, ge=1, le=99)
    """Warn once this percent of the target has elapsed."""
    channels: tuple[Name, ...] | None = None
    """Channels notified of warnings and breaches."""
    escalation: tuple[EscalationStep, ...] | None = None
    """Escalation steps, in order of when they fire."""


class SlaDefaults(FrozenModel):
    """Values every SLA target starts from."""

    warning_percent: int = Field(default=80, ge=1, le=99)
    """Warn once this percent of the target has elapsed."""
    channels: tuple[Name, ...] = ()
    """Channels notified of warnings and breaches."""
    escalation: tuple[EscalationStep, ...] = ()
    """Escalation steps, in order of when they fire."""
    check_interval: Duration = timedelta(seconds=10)
    """How often running tasks are checked against their SLA."""


class SlaRules(FrozenModel):
    """sla_rules.yaml: SLA targets per task type, escalation and channels."""

    defaults: SlaDefaults = SlaDefaults()
    """Values every target starts from."""
    channels: dict[Name, Channel] = {}
    """Notification channels by name."""
    sla_targets: dict[Name, SlaTarget] = {}
    """SLA per task type; a type without an entry has no SLA."""
