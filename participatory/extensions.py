"""Flask extensions, created unbound here and initialised by create_app.

No domain imports: every domain imports from here, never the reverse.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, Table
from sqlalchemy.orm import DeclarativeBase, Session


class Base(DeclarativeBase):
    if TYPE_CHECKING:
        __table__: ClassVar[Table]  # every model maps a Table (DeclarativeBase says FromClause)

    # Named constraints so that Alembic migrations work the same on SQLite and PostgreSQL.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class Database(SQLAlchemy):
    if TYPE_CHECKING:
        # db.session is a scoped_session, which proxies every method of the request's Session:
        # typed as that Session, so that services typed `session: Session` accept it.
        session: Session  # type: ignore[assignment]


db = Database(model_class=Base)

# What models subclass: db.Model at run time (Base with Flask-SQLAlchemy's table naming), which
# mypy can only see as Base (a base class must be a type, not an attribute of `db`).
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
babel = Babel()
