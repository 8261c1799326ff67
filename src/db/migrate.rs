//! Embedded migrations, one folder per backend, kept in lockstep (same names).
//!
//! Several instances may start at once (a rolling deploy): migrations run under a lock, so
//! one applies them and the others wait and then find nothing pending. PostgreSQL: an
//! advisory lock (without it, concurrent `CREATE TABLE`s collide in `pg_type`). SQLite: the
//! write lock, taken first (`BEGIN IMMEDIATE`); each migration is then a savepoint.

use super::DbConnection;
use diesel::sql_types::BigInt;
use diesel::RunQueryDsl;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// The advisory lock key migrations take on PostgreSQL ("twirpick" in ASCII).
const MIGRATION_LOCK: i64 = 0x7477_6972_7069_636b;

type Applied = Result<Vec<String>, Box<dyn std::error::Error + Send + Sync>>;

/// Apply every pending migration; returns the names of those applied.
pub fn run_pending(conn: &mut DbConnection) -> anyhow::Result<Vec<String>> {
    let applied: Applied = match conn {
        DbConnection::Sqlite(_) => super::write_transaction(conn, |conn| {
            let DbConnection::Sqlite(c) = conn else {
                unreachable!("matched above")
            };
            let applied = c.run_pending_migrations(SQLITE).map(names);
            // A failure rolls the whole run back; diesel's own errors are not diesel::Error.
            applied.map_err(|e| diesel::result::Error::QueryBuilderError(e.to_string().into()))
        })
        .map_err(|e: diesel::result::Error| e.to_string().into()),
        DbConnection::Pg(c) => {
            diesel::sql_query("SELECT pg_advisory_lock($1)")
                .bind::<BigInt, _>(MIGRATION_LOCK)
                .execute(c)
                .map_err(|e| anyhow::anyhow!("cannot take the migration lock: {e}"))?;
            let applied = c.run_pending_migrations(POSTGRES).map(names);
            let unlocked = diesel::sql_query("SELECT pg_advisory_unlock($1)")
                .bind::<BigInt, _>(MIGRATION_LOCK)
                .execute(c);
            if let Err(e) = unlocked {
                tracing::warn!(error = %e, "cannot release the migration lock (it ends with the connection)");
            }
            applied
        }
    };
    applied.map_err(|e| anyhow::anyhow!("migrations failed: {e}"))
}

fn names(applied: Vec<diesel::migration::MigrationVersion<'_>>) -> Vec<String> {
    applied.iter().map(|v| v.to_string()).collect()
}

/// Stored quote nominations' dedupe keys computed again with today's rule
/// (`domain::validate::quote_key`), so that when the rule learns a new look-alike, quotes
/// nominated before the upgrade match it too. Keys are not unique in the schema, so nothing
/// can collide. Returns how many keys changed.
pub fn rekey_quotes(conn: &mut DbConnection) -> anyhow::Result<usize> {
    use crate::domain::validate::quote_key;
    use crate::schema::nominations::dsl as n;
    use diesel::prelude::*;
    let changed = super::write_transaction(conn, |conn| {
        let rows: Vec<(i32, Option<String>, String)> = n::nominations
            .filter(n::category.eq("quote"))
            .select((n::id, n::quote_text, n::dedupe_key))
            .load(conn)?;
        let mut changed = 0;
        for (id, text, key) in rows {
            let fresh = quote_key(text.as_deref().unwrap_or_default());
            if fresh != key {
                diesel::update(n::nominations.find(id))
                    .set(n::dedupe_key.eq(fresh))
                    .execute(conn)?;
                changed += 1;
            }
        }
        Ok::<_, diesel::result::Error>(changed)
    })?;
    if changed > 0 {
        tracing::info!(changed, "quote dedupe keys computed again with the current rule");
    }
    Ok(changed)
}
