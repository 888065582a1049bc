-- The indexes queries.yaml declares, in the shape it declares them. 0001 created all but one
-- of them already; idx_tasks_workflow gains workflow_step, so "the tasks of one workflow,
-- by step" is read from the index alone. Indexes an operator adds in config later are
-- created by the server (Store.ensure_indexes), not by a migration.
DROP INDEX IF EXISTS idx_tasks_workflow;
CREATE INDEX idx_tasks_workflow ON tasks (workflow_id, workflow_step)
    WHERE workflow_id IS NOT NULL;
