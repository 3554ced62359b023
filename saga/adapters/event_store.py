"""The coordinators' PostgreSQL recorder: the library's, with its database-function insert path
(POSTGRES_ENABLE_DB_FUNCTIONS: one statement per save, no EXCLUSIVE table lock, so several writers
commit at once; `make bench-appends` measures the difference), whose function first takes its
transaction id and only then its notification ids. That order is what lets a follower tell a gap
that may still fill from one that never will (saga/adapters/log.py)."""
from __future__ import annotations

from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg.sql import SQL, Identifier


class OrderedIdsRecorder(PostgresApplicationRecorder):
    def __init__(self, datastore, *, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name=events_table_name)
        self.sql_create_pg_function_insert_events = SQL(
            "CREATE OR REPLACE FUNCTION {schema}.{insert_events}(events {schema}.{event}[]) "
            "RETURNS SETOF bigint LANGUAGE plpgsql AS $BODY$ "
            "BEGIN"
            "    PERFORM pg_current_xact_id();"  # the transaction id before any notification id
            "    SET LOCAL lock_timeout = '{lock_timeout}s';"
            "    NOTIFY {channel};"
            "    RETURN QUERY"
            "    INSERT INTO {schema}.{table} AS t (originator_id, originator_version, topic, state)"
            "    SELECT originator_id, originator_version, topic, state FROM unnest(events)"
            "    RETURNING notification_id;"
            "END; $BODY$"
        ).format(insert_events=Identifier(self.pg_function_name_insert_events),
                 lock_timeout=self.datastore.lock_timeout, channel=Identifier(self.channel_name),
                 event=Identifier(self.stored_event_type_name), schema=Identifier(self.datastore.schema),
                 table=Identifier(self.events_table_name))
        self.sql_create_statements[self.create_insert_function_statement_index] = \
            self.sql_create_pg_function_insert_events
