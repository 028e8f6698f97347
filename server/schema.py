"""The tables, in SQLAlchemy Core. Their shape changes only through a new migration in migrations.py."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    false,
)

metadata = MetaData()

schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("applied_at", DateTime, nullable=False),
)


def _token_holders(name: str, *extra: Column) -> Table:
    """Kiosks and admins: a name and the sha256 of a bearer token, revocable."""
    return Table(
        name,
        metadata,
        Column("id", Integer, primary_key=True),
        Column("name", String(64), nullable=False, unique=True),
        Column("token_hash", String(64), nullable=False, unique=True),
        Column("created_at", DateTime, nullable=False),
        Column("revoked_at", DateTime, nullable=True),
        *extra,
    )


# A kiosk's scopes, space-separated: "checkin" (events, heartbeats, pulling people), plus "enrol" (create
# people; change or erase the people it enrolled). Admin tokens may do anything.
kiosks = _token_holders("kiosks", Column("scopes", String(64), nullable=False, server_default="checkin"))
admins = _token_holders("admins")

attendance = Table(
    "attendance",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("event_id", String(36), nullable=False),
    Column("kiosk", String(64), nullable=False),
    Column("person_id", String(128), nullable=False),
    Column("name", String(200), nullable=False),
    Column("timestamp", String(32), nullable=False),  # the kiosk's local time, canonical (validation.canonical_time)
    Column("ts_utc", DateTime, nullable=False),
    Column("local_date", Date, nullable=False),  # the date in the kiosk's own offset
    Column("distance", Float, nullable=False),
    Column("direction", String(3), nullable=False),
    Column("received_at", DateTime, nullable=False),
    Column("method", String(8), nullable=False, server_default="face"),  # face | pin | badge | manual
    Column("margin", Float, nullable=True),  # the lead of the best match over the next person, when sent
    Index("ux_attendance_event_id", "event_id", unique=True),
)

attendance_date_index = Index("ix_attendance_local_date", attendance.c.local_date, attendance.c.kiosk)

heartbeats = Table(
    "heartbeats",
    metadata,
    Column("kiosk", String(64), primary_key=True),
    Column("received_at", Float, nullable=False),  # unix time
    Column("fps", Float, nullable=False),
    Column("recognition_latency_ms", Float, nullable=False),
    Column("sync_backlog", Integer, nullable=False),
    Column("version", String(64), nullable=False),
    Column("recognized", Integer, nullable=False),
    Column("unknown", Integer, nullable=False),
)

people = Table(
    "people",
    metadata,
    Column("person_id", String(128), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("employee_no", String(64), nullable=True),
    Column("consent", Text, nullable=True),  # JSON object
    Column("deleted", Boolean, nullable=False, default=False),
    Column("seq", Integer, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Column("updated_by", String(64), nullable=False),
    Column("last_seen_at", DateTime, nullable=True),  # latest check-in (UTC) noted by the retention purge
    Column("department", String(100), nullable=True),  # set in the console (People)
    Column("enrolled_by", String(80), nullable=True),  # the kiosk's name, or "admin:<name>"; None: unknown
    Column("erased", Boolean, nullable=False, server_default=false()),  # an erasure (not an expiry): final
    Index("ix_people_seq", "seq"),
)

embeddings = Table(
    "embeddings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("person_id", String(128), ForeignKey("people.person_id"), nullable=False, index=True),
    Column("vector", LargeBinary, nullable=False),  # AES-GCM sealed 128 little-endian float64 (server.crypto)
)

person_changes = Table(
    "person_changes",
    metadata,
    Column("seq", Integer, primary_key=True),
    Column("person_id", String(128), nullable=False),
    Column("changed_at", DateTime, nullable=False),
)

audit = Table(
    "audit",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime, nullable=False),  # UTC
    Column("actor", String(80), nullable=False),  # "kiosk:<name>", "admin:<name>", "cli:<user>", "server"
    Column("action", String(32), nullable=False),  # enrol, delete, purge, export, token-add, ...
    Column("subject", String(128), nullable=True),  # a person id or a kiosk/admin name, never a face
    Column("details", Text, nullable=True),  # JSON object: counts and settings, never names or embeddings
)

maintenance = Table(
    "maintenance",
    metadata,
    Column("task", String(32), primary_key=True),
    Column("last_run", DateTime, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=False),  # werkzeug scrypt (memory-hard)
    Column("role", String(16), nullable=False),  # viewer | manager | admin
    Column("created_at", DateTime, nullable=False),
    Column("disabled_at", DateTime, nullable=True),
    Column("session_gen", Integer, nullable=False, default=0),  # bumped by passwd/disable: old sessions end
)

login_failures = Table(
    "login_failures",
    metadata,
    Column("key", String(160), primary_key=True),  # "user:<name>" or "ip:<address>"
    Column("failures", Integer, nullable=False),
    Column("last_failed_at", Float, nullable=False),  # unix time
)

corrections = Table(
    "corrections",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("correction_id", String(36), nullable=False),  # idempotency key: a kiosk void's event_id or a form's
    Column("event_id", String(36), nullable=False),  # the check-in it corrects (never edited or deleted)
    Column("kind", String(16), nullable=False),  # confirm | reassign | void | add
    Column("person_id", String(128), nullable=True),  # reassign: the right person
    Column("name", String(200), nullable=True),
    Column("reason", String(200), nullable=False),
    Column("actor", String(80), nullable=False),  # "kiosk:<name>" or "user:<name>"
    Column("created_at", DateTime, nullable=False),
    Index("ux_corrections_correction_id", "correction_id", unique=True),
    Index("ix_corrections_event_id", "event_id", "id"),
)
