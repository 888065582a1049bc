"""``workflows.yaml``: named multi-step workflows whose steps are tasks."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from typing import Any

from pydantic import Field

from architect.config.types import Duration, FrozenModel, Identifier, Name


class OnFailure(StrEnum):
    """What a step's final failure does to the workflow."""

    FAIL_WORKFLOW = "fail_workflow"
    CONTINUE = "continue"
    SKIP_DEPENDENTS = "skip_dependents"


class InputType(StrEnum):
    """Type of a workflow input."""

    STRING = "string"
    INTEGER = "integer"
    FLOAT = "float"
    BOOLEAN = "boolean"
    LIST = "list"
    OBJECT = "object"


class WorkflowInput(FrozenModel):
    """One input a client passes when it starts the workflow."""

    type: InputType = InputType.STRING
    """Value type."""
    required: bool = False
    """The client must supply it."""
    default: Any = None
    """Value used when the client omits it."""
    description: str = ""
    """What the input means."""


class WorkflowStep(FrozenModel):
    """One step: a task of some type, started once the steps it depends on succeeded."""

    name: Identifier
    """Step name, unique within the workflow."""
    task_type: Name
    """Task type submitted for the step (a type of routing_rules.yaml)."""
    description: str = ""
    """What the step does."""
    depends_on: tuple[Identifier, ...] = ()
    """Steps that must finish first."""
    inputs: dict[str, Any] = {}
    """Task payload. Strings may hold ``${inputs.NAME}`` or ``${steps.STEP.result.PATH}``."""
    retries: int = Field(default=0, ge=0, le=20)
    """Extra attempts after the first fails (on top of the task type's retry policy)."""
    on_failure: OnFailure = OnFailure.FAIL_WORKFLOW
    """What the step's final failure does: fail_workflow, continue, or skip_dependents."""
    timeout: Duration | None = None
    """Time limit of the step, all attempts included; unset uses the task type's timeouts."""
    priority: int | None = Field(default=None, ge=0, le=100)
    """Priority of the step's task; unset uses the task type's default."""


class Workflow(FrozenModel):
    """A named workflow: inputs, steps forming a DAG, outputs."""

    description: str = Field(min_length=1)
    """What the workflow achieves."""
    inputs: dict[Identifier, WorkflowInput] = {}
    """Inputs by name."""
    steps: tuple[WorkflowStep, ...] = Field(min_length=1)
    """Steps; their depends_on must form no cycle."""
    outputs: dict[Identifier, str] = {}
    """Workflow results, as ``${steps.STEP.result.PATH}`` references."""
    timeout: Duration = timedelta(hours=24)
    """Time limit of the whole workflow."""


class WorkflowCatalog(FrozenModel):
    """workflows.yaml: workflow definitions."""

    workflows: dict[Identifier, Workflow] = {}
    """Workflows by name."""
