"""Django's ``migrate``, with one step for an empty database.

Applying migrations one by one, Django renders the historical models again after nearly every
operation; with Tandem's hundreds of related models that is about a minute of CPU on a fresh
install, almost all of it rendering (the schema itself takes seconds). An empty database needs
none of that history. It gets the migrations' final state in one step: the tables, indexes and
constraints of the last state, rendered once; then, in migration order, the operations that
change the database and not the state (triggers, search tables, reference data); every migration
is recorded as applied. tests/test_migrations.py checks that both paths build the same schema.

A database that already has tables, an app with models and no migrations, a named app or
migration, ``--fake``, ``--plan`` and
``--step-by-step`` take Django's path unchanged, as does any migration whose operations this
command does not know how to replay.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import apps
from django.apps.registry import Apps
from django.core.management.commands import migrate
from django.core.management.sql import emit_post_migrate_signal, emit_pre_migrate_signal
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.migration import Migration
from django.db.migrations.operations import RunPython, RunSQL, SeparateDatabaseAndState
from django.db.migrations.operations.base import Operation
from django.db.migrations.operations.fields import FieldOperation
from django.db.migrations.operations.models import IndexOperation, ModelOperation
from django.db.migrations.state import ProjectState

# What a migration may contain for the one-step path: operations whose whole database effect
# is the state they leave (replaced by creating the final state), and the two that only act
# on the database (replayed).
STATE_OPERATIONS = (ModelOperation, IndexOperation, FieldOperation)
DATABASE_OPERATIONS = (RunPython, RunSQL)


class Command(migrate.Command):
    def add_arguments(self, parser: Any) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--step-by-step",
            action="store_true",
            help="Apply each migration in turn even on an empty database (Django's own path).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        connection = connections[options["database"]]
        plan = one_step_plan(connection, options)
        if plan is None:
            super().handle(*args, **options)
            return
        self.verbosity = options["verbosity"]
        self.interactive = options["interactive"]
        _install(connection, plan, self.verbosity, self.interactive)
        if self.verbosity >= 1:
            self.stdout.write(f"Created the schema of {len(plan)} migrations in one step.")


def one_step_plan(connection: BaseDatabaseWrapper, options: dict[str, Any]) -> list[Migration] | None:
    """The migrations to record when the one-step path applies, else None."""
    chosen = options.get("app_label") or options.get("fake") or options.get("plan") or options.get("prune")
    if chosen or options.get("step_by_step") or options.get("check_unapplied"):
        return None
    with connection.cursor() as cursor:
        if connection.introspection.table_names(cursor):
            return None
    executor = MigrationExecutor(connection)
    if any(list(apps.get_app_config(label).get_models()) for label in executor.loader.unmigrated_apps):
        return None  # tables without migrations (e.g. pytest --no-migrations): Django's syncdb
    targets = executor.loader.graph.leaf_nodes()
    plan = [migration for migration, backwards in executor.migration_plan(targets, clean_start=True)]
    if not all(_replayable(operation) for migration in plan for operation in migration.operations):
        return None
    return plan


def _replayable(operation: Operation) -> bool:
    if isinstance(operation, SeparateDatabaseAndState):
        return all(_replayable(inner) for inner in operation.database_operations)
    return isinstance(operation, STATE_OPERATIONS + DATABASE_OPERATIONS)


def _install(
    connection: BaseDatabaseWrapper, plan: list[Migration], verbosity: int, interactive: bool
) -> None:
    executor = MigrationExecutor(connection)
    state = executor.loader.project_state(executor.loader.graph.leaf_nodes())
    emit_pre_migrate_signal(verbosity, interactive, connection.alias, apps=state.apps, plan=[])
    with connection.schema_editor(atomic=True) as editor:
        _create_tables(state.apps, editor)
    with connection.schema_editor(atomic=True) as editor:
        for migration in plan:
            _replay(migration.app_label, migration.operations, state, editor)
            executor.recorder.record_applied(migration.app_label, migration.name)
    emit_post_migrate_signal(verbosity, interactive, connection.alias, apps=state.apps, plan=[])


def _create_tables(apps: Apps, editor: BaseDatabaseSchemaEditor) -> None:
    for model in apps.get_models():
        if model._meta.can_migrate(editor.connection):
            editor.create_model(model)


def _replay(
    app_label: str, operations: Sequence[Operation], state: ProjectState, editor: BaseDatabaseSchemaEditor
) -> None:
    """The database-only operations, against the final state (rendered once). Elidable ones
    (back-fills of existing rows) have nothing to do on an empty database."""
    for operation in operations:
        if isinstance(operation, SeparateDatabaseAndState):
            _replay(app_label, operation.database_operations, state, editor)
        elif isinstance(operation, DATABASE_OPERATIONS) and not operation.elidable:
            operation.database_forwards(app_label, editor, state, state)
