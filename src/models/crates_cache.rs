//! The crates.io answer cache: found (with description and repository) or not found.

use crate::db::{Change, DbConnection, Tx};
use crate::schema::crates_io_cache;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = crates_io_cache)]
#[diesel(treat_none_as_null = true)]
pub struct CachedCrate {
    pub name: String,
    pub found: bool,
    pub canonical_name: Option<String>,
    pub description: Option<String>,
    pub repository: Option<String>,
    pub fetched_at: NaiveDateTime,
}

pub fn get(conn: &mut DbConnection, key: &str) -> QueryResult<Option<CachedCrate>> {
    crates_io_cache::table
        .find(key)
        .select(CachedCrate::as_select())
        .first(conn)
        .optional()
}

/// Store or replace an answer (update first, insert when new; a concurrent insert of the same
/// key simply loses to the first).
pub fn put(tx: &mut Tx<'_>, entry: &CachedCrate) -> QueryResult<()> {
    tx.changed(Change::Nothing);
    let conn: &mut DbConnection = tx;
    let updated = diesel::update(crates_io_cache::table.find(&entry.name))
        .set(entry)
        .execute(conn)?;
    if updated == 0 {
        // In a savepoint: on PostgreSQL a lost race would otherwise abort the transaction.
        match crate::db::write_transaction(conn, |c| {
            diesel::insert_into(crates_io_cache::table)
                .values(entry)
                .execute(c)
        }) {
            Err(e) if crate::db::is_unique_violation(&e) => {}
            other => {
                other?;
            }
        }
    }
    Ok(())
}

pub fn is_fresh(entry: &CachedCrate, now: DateTime<Utc>, ttl: chrono::Duration) -> bool {
    now - entry.fetched_at.and_utc() < ttl
}
