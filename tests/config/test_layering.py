"""Layering base → environments/<env> → local: deep merge, list replacement, !delete, !replace,
origins and the content version."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from tests.config.conftest import edit, errors_of, find, load, write


def test_shipped_tree_loads_for_every_environment(tree: Path) -> None:
    for env in ("development", "staging", "production"):
        config = load(tree, env)
        assert config.env == env
        assert config.files[:4] == (
            "base/routing_rules.yaml",
            "base/sla_rules.yaml",
            "base/queries.yaml",
            "base/workflows.yaml",
        )
        assert len(config.queries.queries) >= 15
        assert len(config.workflows.workflows) >= 5


def test_maps_merge_deeply_and_later_layers_win(tree: Path) -> None:
    write(
        tree,
        "local/sla_rules.yaml",
        """
        sla_targets:
          shell:
            target_minutes: 7
    """,
    )
    config = load(tree, "production")
    shell = config.sla.sla_targets["shell"]
    assert shell.target_minutes == 7  # local wins
    assert shell.warning_percent == 80  # sibling from base kept
    assert config.sla.sla_targets["security_audit"].target_minutes == 180  # production overlay
    assert config.origins["sla_rules.sla_targets.shell.target_minutes"] == (
        "local/sla_rules.yaml",
        3,
    )
    assert config.origins["sla_rules.sla_targets.shell.warning_percent"].file == (
        "base/sla_rules.yaml"
    )
    assert config.files[-1] == "local/sla_rules.yaml"


def test_lists_replace_whole(tree: Path) -> None:
    write(
        tree,
        "local/routing_rules.yaml",
        """
        task_types:
          shell:
            required_labels: [bash]
    """,
    )
    config = load(tree)
    assert config.routing.task_types["shell"].required_labels == ("bash",)
    production = load(tree, "production")
    assert [e.session for e in production.routing.session_exclusions] == [
        "architect_dashboard",
        "oncall_console",
    ]


def test_delete_removes_a_key_and_its_origins(tree: Path) -> None:
    base = load(tree, "staging")
    assert "gpu_job" in base.routing.task_types
    dev = load(tree, "development")  # environments/development deletes gpu_job
    assert "gpu_job" not in dev.routing.task_types
    assert not [k for k in dev.origins if k.startswith("routing_rules.task_types.gpu_job")]


def test_delete_of_an_undefined_key_is_an_error(tree: Path) -> None:
    write(
        tree,
        "local/routing_rules.yaml",
        """
        task_types:
          shel: !delete
    """,
    )
    error = find(errors_of(tree), "routing_rules.task_types.shel")
    assert (error.file, error.line) == ("local/routing_rules.yaml", 2)
    assert "no lower layer" in error.message


def test_delete_inside_a_list_is_an_error(tree: Path) -> None:
    write(
        tree,
        "local/routing_rules.yaml",
        """
        task_types:
          shell:
            required_labels:
              - shell
              - !delete
    """,
    )
    error = find(errors_of(tree), "routing_rules.task_types.shell.required_labels[1]")
    assert error.file == "local/routing_rules.yaml"
    assert "lists are replaced whole" in error.message


def test_replace_swaps_a_map_instead_of_merging(tree: Path) -> None:
    write(
        tree,
        "local/routing_rules.yaml",
        """
        task_types:
          shell: !replace
            required_labels: [bash]
    """,
    )
    config = load(tree)
    shell = config.routing.task_types["shell"]
    assert shell.required_labels == ("bash",)
    assert shell.start_to_close is None  # base's 10m is gone, not merged
    assert config.routing.route("shell").start_to_close == timedelta(minutes=30)


def test_environment_overlays_apply(tree: Path) -> None:
    dev = load(tree, "development")
    assert dev.sla.channels["oncall_webhook"].kind == "log"
    assert dev.routing.route("deploy").required_labels == ("shell", "env:dev")
    staging = load(tree, "staging")
    assert staging.sla.defaults.warning_percent == 70
    assert staging.routing.providers["codex"].max_concurrent == 5
    prod = load(tree, "production")
    assert prod.queries.defaults.statement_timeout == timedelta(seconds=2)


def test_origin_lines_point_at_the_key(tree: Path) -> None:
    config = load(tree)
    origin = config.origins["routing_rules.task_types.deploy.priority"]
    rel = "base/routing_rules.yaml"
    assert origin.file == rel
    text = (tree / rel).read_text().splitlines()
    assert text[origin.line - 1].strip() == "priority: 9"
    step = config.origins["workflows.workflows.deploy.steps[2].task_type"]
    lines = (tree / "base/workflows.yaml").read_text().splitlines()
    assert lines[step.line - 1].strip() == "task_type: deploy"
    assert lines.index("  deploy:") < step.line - 1 < lines.index("  release:")


def test_version_is_stable_and_follows_content(tree: Path) -> None:
    first, again = load(tree), load(tree)
    assert first.version == again.version
    assert len(first.version) == 12
    # Formatting and equivalent spellings do not change the version ...
    edit(tree, "base/routing_rules.yaml", "start_to_close: 10m", "start_to_close: 600s")
    edit(tree, "base/sla_rules.yaml", "target_minutes: 5\n", "target_minutes: 5   # five\n")
    assert load(tree).version == first.version
    # ... any change of a value does.
    edit(tree, "base/sla_rules.yaml", "target_minutes: 5   # five\n", "target_minutes: 6\n")
    assert load(tree).version != first.version
    # ... and so does the environment.
    assert load(tree, "staging").version != load(tree, "development").version
