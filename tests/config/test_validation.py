"""Every class of validation error names its file, line and key path, and all are reported
together."""

from __future__ import annotations

from pathlib import Path

import pytest

from architect.config import ConfigError
from architect.errors import InvalidArgument
from tests.config.conftest import edit, errors_of, find, line_of, load, write

BASE_ROUTING = "base/routing_rules.yaml"
BASE_SLA = "base/sla_rules.yaml"
BASE_QUERIES = "base/queries.yaml"
BASE_WORKFLOWS = "base/workflows.yaml"


def _at(error: ConfigError, file: str, line: int) -> None:
    assert (error.file, error.line) == (file, line), str(error)


def test_unknown_key_suggests_the_right_one(tree: Path) -> None:
    edit(tree, BASE_ROUTING, "    priority: 9\n", "    priorty: 9\n")
    error = find(errors_of(tree), "routing_rules.task_types.deploy.priorty")
    _at(error, BASE_ROUTING, line_of(tree, BASE_ROUTING, "priorty: 9"))
    assert "unknown key 'priorty'" in error.message
    assert "did you mean 'priority'?" in error.message


def test_unknown_key_inside_a_union_member(tree: Path) -> None:
    write(
        tree,
        "local/sla_rules.yaml",
        """
        channels:
          oncall_webhook:
            kind: webhook
            url: https://example.com/hook
            timout: 5s
    """,
    )
    error = find(errors_of(tree, "staging"), "sla_rules.channels.oncall_webhook.timout")
    _at(error, "local/sla_rules.yaml", 5)
    assert "did you mean 'timeout'?" in error.message


def test_wrong_type(tree: Path) -> None:
    edit(tree, BASE_SLA, "    target_minutes: 5\n", "    target_minutes: soon\n")
    error = find(errors_of(tree), "sla_rules.sla_targets.shell.target_minutes")
    _at(error, BASE_SLA, line_of(tree, BASE_SLA, "target_minutes: soon"))
    assert "valid number" in error.message and "'soon'" in error.message


def test_out_of_range(tree: Path) -> None:
    edit(
        tree,
        BASE_SLA,
        "    warning_percent: 75\n    channels: [ops_log, team_email]\n  sec",
        "    warning_percent: 150\n    channels: [ops_log, team_email]\n  sec",
    )
    error = find(errors_of(tree), "sla_rules.sla_targets.code_review.warning_percent")
    _at(error, BASE_SLA, line_of(tree, BASE_SLA, "warning_percent: 150"))
    assert "less than or equal to 99" in error.message


def test_bad_duration(tree: Path) -> None:
    edit(tree, BASE_ROUTING, "  lease: 30s", "  lease: 30 seconds")
    # staging: development overrides the lease, and only the merged result is validated.
    error = find(errors_of(tree, "staging"), "routing_rules.defaults.lease")
    _at(error, BASE_ROUTING, line_of(tree, BASE_ROUTING, "lease: 30 seconds"))
    assert "expected a duration such as 90s" in error.message


def test_bad_enum_value(tree: Path) -> None:
    edit(tree, BASE_ROUTING, "fallback: fail ", "fallback: give_up ")
    error = find(errors_of(tree), "routing_rules.task_types.deploy.fallback")
    assert "'any_eligible', 'wait' or 'fail'" in error.message


def test_missing_required_key_points_at_the_parent(tree: Path) -> None:
    write(
        tree,
        "local/sla_rules.yaml",
        """
        sla_targets:
          shell: !replace
            warning_percent: 50
    """,
    )
    error = find(errors_of(tree), "sla_rules.sla_targets.shell.target_minutes")
    _at(error, "local/sla_rules.yaml", 2)
    assert "required key 'target_minutes' is missing" in error.message


def test_unknown_task_type_in_sla_and_workflow(tree: Path) -> None:
    edit(tree, BASE_SLA, "  docs:\n", "  doc:\n")
    edit(tree, BASE_WORKFLOWS, "task_type: analysis", "task_type: analyse")
    errors = errors_of(tree)
    sla = find(errors, "sla_rules.sla_targets.doc")
    _at(sla, BASE_SLA, line_of(tree, BASE_SLA, "  doc:"))
    assert "unknown task type 'doc'" in sla.message and "docs" in sla.message
    step = find(errors, "workflows.workflows.bug_fix.steps[0].task_type")
    _at(step, BASE_WORKFLOWS, line_of(tree, BASE_WORKFLOWS, "task_type: analyse"))


def test_unknown_provider(tree: Path) -> None:
    edit(tree, BASE_ROUTING, "allowed_providers: [claude]\n", "allowed_providers: [claud]\n")
    error = find(errors_of(tree), "routing_rules.task_types.security_audit.allowed_providers[0]")
    _at(error, BASE_ROUTING, line_of(tree, BASE_ROUTING, "[claud]"))
    assert "unknown provider 'claud'" in error.message


def test_unknown_channel_and_falling_escalation_levels(tree: Path) -> None:
    write(
        tree,
        "local/sla_rules.yaml",
        """
        sla_targets:
          shell:
            target_minutes: 5
            escalation:
              - {after_percent: 100, level: 2, channels: [pager]}
              - {after_percent: 150, level: 1, channels: [ops_log]}
    """,
    )
    errors = errors_of(tree)
    channel = find(errors, "sla_rules.sla_targets.shell.escalation[0].channels[0]")
    _at(channel, "local/sla_rules.yaml", 5)
    assert "unknown notification channel 'pager'" in channel.message
    level = find(errors, "sla_rules.sla_targets.shell.escalation[1].level")
    _at(level, "local/sla_rules.yaml", 6)


def test_escalation_needs_exactly_one_trigger(tree: Path) -> None:
    write(
        tree,
        "local/sla_rules.yaml",
        """
        defaults:
          escalation:
            - {after_percent: 100, after_minutes: 5, level: 1, channels: [ops_log]}
    """,
    )
    error = find(errors_of(tree), "sla_rules.defaults.escalation[0]")
    _at(error, "local/sla_rules.yaml", 3)
    assert "exactly one of after_percent and after_minutes" in error.message


def test_unknown_query_index_and_index_column(tree: Path) -> None:
    edit(tree, BASE_QUERIES, "indexes: [idx_sla_events_task]", "indexes: [idx_sla_event_task]")
    edit(tree, BASE_QUERIES, "columns: [occurred_at]", "columns: [occured_at]")
    errors = errors_of(tree)
    ref = find(errors, "queries.queries.sla_events_for_task.indexes[0]")
    _at(ref, BASE_QUERIES, line_of(tree, BASE_QUERIES, "idx_sla_event_task]"))
    column = find(errors, "queries.indexes.idx_sla_events_occurred.columns[0]")
    assert "unknown column of sla_events 'occured_at'" in column.message


def test_placeholders_and_params_must_match(tree: Path) -> None:
    edit(
        tree,
        BASE_QUERIES,
        "WHERE task_id = :task_id\n      ORDER BY id",
        "WHERE task_id = :taskid\n      ORDER BY id",
    )
    errors = errors_of(tree)
    sql = find(errors, "queries.queries.task_history.sql")
    assert "placeholder :taskid has no parameter" in sql.message
    # The line is that of the template's `sql:` key.
    lines = (tree / BASE_QUERIES).read_text().splitlines()
    start = lines.index("  task_history:")
    _at(sql, BASE_QUERIES, lines.index("    sql: |", start) + 1)
    unused = find(errors, "queries.queries.task_history.params[0].name")
    assert "'task_id' is not used" in unused.message


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("DELETE FROM tasks WHERE id = :task_id", "must start with SELECT or WITH"),
        ("SELECT 1 FROM tasks WHERE id = :task_id; DROP TABLE tasks", "single statement"),
        (
            "WITH x AS (UPDATE tasks SET status = 'x' WHERE id = :task_id RETURNING id) "
            "SELECT * FROM x",
            "UPDATE is not allowed",
        ),
    ],
)
def test_sql_must_be_one_read_only_statement(tree: Path, sql: str, expected: str) -> None:
    write(
        tree,
        "local/queries.yaml",
        f"""
        queries:
          task_detail:
            sql: "{sql}"
    """,
    )
    error = find(errors_of(tree), "queries.queries.task_detail.sql")
    _at(error, "local/queries.yaml", 3)
    assert expected in error.message


def test_param_default_must_fit_its_type(tree: Path) -> None:
    write(
        tree,
        "local/queries.yaml",
        """
        queries:
          pending_tasks:
            params:
              - {name: type, type: string}
              - {name: limit, type: integer, default: 5000, min: 1, max: 1000}
    """,
    )
    error = find(errors_of(tree), "queries.queries.pending_tasks.params[1]")
    _at(error, "local/queries.yaml", 5)
    assert "above max" in error.message


def test_workflow_step_reference_errors(tree: Path) -> None:
    edit(tree, BASE_WORKFLOWS, "depends_on: [tests, review]", "depends_on: [tests, reveiw]")
    edit(
        tree,
        BASE_WORKFLOWS,
        '{branch: "${steps.fix.result.branch}"}',
        '{branch: "${steps.fix.result.branch}", old: "${steps.review.result.x}"}',
    )
    edit(
        tree,
        BASE_WORKFLOWS,
        'threshold: "${inputs.severity_threshold}"',
        'threshold: "${inputs.severity}"',
    )
    errors = errors_of(tree)
    dep = find(errors, "workflows.workflows.code_review.steps[3].depends_on[1]")
    assert "unknown step 'reveiw'" in dep.message
    later = find(errors, "workflows.workflows.bug_fix.steps[2].inputs.old")
    assert "does not depend on" in later.message
    unknown_input = find(errors, "workflows.workflows.security_audit.steps[2].inputs.threshold")
    _at(unknown_input, BASE_WORKFLOWS, line_of(tree, BASE_WORKFLOWS, "${inputs.severity}"))
    assert "unknown workflow input 'severity'" in unknown_input.message


def test_workflow_cycle(tree: Path) -> None:
    edit(
        tree,
        BASE_WORKFLOWS,
        "      - name: build\n        task_type: build\n        inputs: "
        '{repo: "${inputs.repo}", version: "${inputs.version}"}\n        retries: 1',
        "      - name: build\n        task_type: build\n        depends_on: [verify]\n"
        '        inputs: {repo: "${inputs.repo}", version: "${inputs.version}"}\n'
        "        retries: 1",
    )
    errors = [e for e in errors_of(tree) if "cycle" in e.message]
    assert len(errors) == 1, errors
    assert errors[0].key_path.startswith("workflows.workflows.deploy.steps[")
    assert "build -> test -> deploy -> verify -> build" in errors[0].message or (
        "verify -> build" in errors[0].message
    )
    assert errors[0].file == BASE_WORKFLOWS and errors[0].line > 0


def test_duplicate_yaml_key(tree: Path) -> None:
    edit(
        tree,
        BASE_SLA,
        "  python:\n    target_minutes: 10\n",
        "  python:\n    target_minutes: 10\n    target_minutes: 13\n",
    )
    error = find(errors_of(tree), "sla_rules.sla_targets.python.target_minutes")
    _at(error, BASE_SLA, line_of(tree, BASE_SLA, "target_minutes: 13"))
    assert "duplicate key 'target_minutes'" in error.message
    assert f"line {line_of(tree, BASE_SLA, 'target_minutes: 10')}" in error.message


def test_duplicate_names_in_lists(tree: Path) -> None:
    edit(tree, BASE_WORKFLOWS, "      - name: verify\n", "      - name: test\n")
    write(
        tree,
        "local/queries.yaml",
        """
        queries:
          task_detail:
            params:
              - {name: task_id, type: uuid, required: true}
              - {name: task_id, type: uuid, required: true}
    """,
    )
    errors = errors_of(tree)
    step = find(errors, "workflows.workflows.deploy.steps[3].name")
    assert "duplicate step name 'test'" in step.message
    param = find(errors, "queries.queries.task_detail.params[1].name")
    _at(param, "local/queries.yaml", 5)


def test_yaml_syntax_error(tree: Path) -> None:
    write(
        tree,
        "local/routing_rules.yaml",
        """
        task_types:
          shell:
            priority: [1, 2
    """,
    )
    (error,) = [e for e in errors_of(tree) if e.file == "local/routing_rules.yaml"]
    assert error.line in (3, 4) and error.message.startswith("YAML:")


def test_unknown_file_missing_file_and_unknown_tag(tree: Path) -> None:
    write(tree, "local/routing.yaml", "task_types: {}\n")
    (tree / "base/workflows.yaml").unlink()
    write(tree, "local/sla_rules.yaml", "defaults:\n  warning_percent: !percent 80\n")
    errors = errors_of(tree)
    assert any(
        e.file == "local/routing.yaml" and "unknown config file" in e.message for e in errors
    )
    assert any(e.file == "base/workflows.yaml" and "missing" in e.message for e in errors)
    tag = find(errors, "sla_rules.defaults.warning_percent")
    _at(tag, "local/sla_rules.yaml", 2)
    assert "unknown tag !percent" in tag.message


def test_unknown_environment(tree: Path) -> None:
    (error,) = errors_of(tree, "qa")
    assert error.file == "environments/qa"
    assert "unknown environment 'qa' (known: development, production, staging)" in error.message
    with pytest.raises(InvalidArgument):
        load(tree, "../base")


def test_all_errors_are_reported_at_once(tree: Path) -> None:
    edit(tree, BASE_ROUTING, "    priority: 9\n", "    priorty: 9\n")
    edit(tree, BASE_SLA, "    target_minutes: 5\n", "    target_minutes: -5\n")
    edit(tree, BASE_QUERIES, "indexes: [idx_sla_events_task]", "indexes: [nope]")
    edit(tree, BASE_WORKFLOWS, "task_type: analysis", "task_type: analyse")
    write(tree, "local/routing_rules.yaml", "aging: {max_boost: -1}\n")
    errors = errors_of(tree)
    files = {e.file for e in errors}
    assert files == {
        BASE_ROUTING,
        BASE_SLA,
        BASE_QUERIES,
        BASE_WORKFLOWS,
        "local/routing_rules.yaml",
    }, errors
    assert all(e.line > 0 and e.key_path for e in errors), errors
    assert str(errors[0]).count(":") >= 3  # file:line: key.path: message
