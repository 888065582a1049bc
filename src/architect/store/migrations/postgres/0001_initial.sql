-- Architect schema, PostgreSQL dialect. Table and column names are a contract shared with the
-- PostgreSQL migration and the queries.yaml templates: keep them identical in both.
-- Timestamps are timestamptz, JSON columns jsonb.

CREATE TABLE sessions (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL UNIQUE,
    provider        TEXT NOT NULL,
    labels          jsonb NOT NULL DEFAULT '[]'::jsonb,
    capacity        INTEGER NOT NULL DEFAULT 1,
    state           TEXT NOT NULL,
    metadata        jsonb NOT NULL DEFAULT '{}'::jsonb,
    last_heartbeat  timestamptz NULL,
    registered_at   timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);
-- The seed's index (its "status" column is our "state").
CREATE INDEX idx_sessions_status_heartbeat ON sessions (state, last_heartbeat);

CREATE TABLE tasks (
    id                  TEXT PRIMARY KEY,
    type                TEXT NOT NULL,
    payload             jsonb NOT NULL DEFAULT '{}'::jsonb,
    priority            INTEGER NOT NULL,
    required_labels     jsonb NOT NULL DEFAULT '[]'::jsonb,
    preferred_sessions  jsonb NOT NULL DEFAULT '[]'::jsonb,
    idempotency_key     TEXT NULL UNIQUE,
    status              TEXT NOT NULL,
    attempt             INTEGER NOT NULL DEFAULT 0,
    max_attempts        INTEGER NOT NULL DEFAULT 3,
    session_id          TEXT NULL,
    result              jsonb NULL,
    error               TEXT NULL,
    workflow_id         TEXT NULL,
    workflow_step       TEXT NULL,
    config_version      TEXT NULL,
    metadata            jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    enqueued_at         timestamptz NOT NULL,
    started_at          timestamptz NULL,
    finished_at         timestamptz NULL
);
CREATE INDEX idx_tasks_status_priority ON tasks (status, priority, created_at);
CREATE INDEX idx_prompts_status_priority ON tasks (status, priority, created_at)
    WHERE type = 'prompt';
-- Added beyond the contract: keyset pagination in list_tasks orders by (created_at, id),
-- and "tasks on this session" / "tasks of this workflow" are common lookups.
CREATE INDEX idx_tasks_created_id ON tasks (created_at, id);
CREATE INDEX idx_tasks_session ON tasks (session_id, status);
CREATE INDEX idx_tasks_workflow ON tasks (workflow_id) WHERE workflow_id IS NOT NULL;
CREATE INDEX idx_tasks_type_status ON tasks (type, status, created_at);

CREATE VIEW prompts AS
    SELECT id, payload, priority, status, session_id, result, error, created_at,
           updated_at, finished_at
    FROM tasks WHERE type = 'prompt';

CREATE TABLE assignments (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    task_id           TEXT NOT NULL REFERENCES tasks (id),
    session_id        TEXT NOT NULL,
    attempt           INTEGER NOT NULL,
    status            TEXT NOT NULL,
    assigned_at       timestamptz NOT NULL,
    lease_expires_at  timestamptz NOT NULL,
    started_at        timestamptz NULL,
    finished_at       timestamptz NULL,
    config_version    TEXT NULL,
    UNIQUE (task_id, attempt)
);
-- At most one active assignment per task, enforced by the database itself.
CREATE UNIQUE INDEX uq_assignments_one_active ON assignments (task_id) WHERE status = 'active';
CREATE INDEX idx_assignments_session_status ON assignments (session_id, status);
-- Added beyond the contract: the lease sweeper scans active leases by expiry.
CREATE INDEX idx_assignments_active_lease ON assignments (lease_expires_at)
    WHERE status = 'active';

CREATE TABLE task_events (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    task_id         TEXT NOT NULL,
    event           TEXT NOT NULL,
    from_status     TEXT NULL,
    to_status       TEXT NULL,
    session_id      TEXT NULL,
    attempt         INTEGER NULL,
    detail          jsonb NOT NULL DEFAULT '{}'::jsonb,
    config_version  TEXT NULL,
    created_at      timestamptz NOT NULL
);
CREATE INDEX idx_task_events_task ON task_events (task_id, id);
-- Added beyond the contract: recent-activity queries scan events by time.
CREATE INDEX idx_task_events_created ON task_events (created_at);

CREATE TABLE sla_events (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    task_id         TEXT NOT NULL,
    task_type       TEXT NOT NULL,
    kind            TEXT NOT NULL,
    level           INTEGER NOT NULL DEFAULT 0,
    channel         TEXT NULL,
    message         TEXT NOT NULL DEFAULT '',
    config_version  TEXT NULL,
    occurred_at     timestamptz NOT NULL
);
CREATE INDEX idx_sla_events_task ON sla_events (task_id);
CREATE INDEX idx_sla_events_occurred ON sla_events (occurred_at);

CREATE TABLE workflows (
    id               TEXT PRIMARY KEY,
    name             TEXT NOT NULL,
    status           TEXT NOT NULL,
    inputs           jsonb NOT NULL DEFAULT '{}'::jsonb,
    outputs          jsonb NOT NULL DEFAULT '{}'::jsonb,
    error            TEXT NULL,
    idempotency_key  TEXT NULL UNIQUE,
    config_version   TEXT NULL,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    finished_at      timestamptz NULL
);
-- Added beyond the contract: listing workflows by status.
CREATE INDEX idx_workflows_status_created ON workflows (status, created_at);

CREATE TABLE workflow_steps (
    workflow_id  TEXT NOT NULL REFERENCES workflows (id),
    name         TEXT NOT NULL,
    task_id      TEXT NULL,
    status       TEXT NOT NULL,
    attempt      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (workflow_id, name)
);
