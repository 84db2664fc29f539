"""The migrations build exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from participatory.extensions import db


def test_models_and_migrations_agree(app_ctx):
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == [], f"models differ from migrations; run `flask db migrate`: {diff}"


def test_the_migrations_are_one_straight_line():
    """`flask db upgrade head` needs one head; a merge revision or a branch point means two lines."""
    from pathlib import Path

    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).resolve().parent.parent / "migrations"))
    scripts = ScriptDirectory.from_config(config)
    assert len(scripts.get_heads()) == 1
    assert len(scripts.get_bases()) == 1
    for revision in scripts.walk_revisions():
        assert not revision.is_merge_point, revision.revision
        assert not revision.is_branch_point, revision.revision
