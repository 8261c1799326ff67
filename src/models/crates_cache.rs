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
    pub downloads: Option<i64>,
    pub recent_downloads: Option<i64>,
    /// When the crate was first published on crates.io.
    pub created_at: Option<NaiveDateTime>,
}

/// The cached answers for `keys` (crate keys), for the desk's crate facts.
pub fn get_many(conn: &mut DbConnection, keys: &[String]) -> QueryResult<Vec<CachedCrate>> {
    crates_io_cache::table
        .filter(crates_io_cache::name.eq_any(keys))
        .filter(crates_io_cache::found.eq(true))
        .select(CachedCrate::as_select())
        .load(conn)
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

/// A crate's owners as crates.io listed them, and when.
pub fn owners(conn: &mut DbConnection, key: &str) -> QueryResult<Option<(Vec<String>, NaiveDateTime)>> {
    use crate::schema::crate_owners;
    let row: Option<(String, NaiveDateTime)> = crate_owners::table
        .find(key)
        .select((crate_owners::owners, crate_owners::fetched_at))
        .first(conn)
        .optional()?;
    Ok(row.map(|(json, at)| (serde_json::from_str(&json).unwrap_or_default(), at)))
}

/// Store (or replace) a crate's owners.
pub fn put_owners(tx: &mut Tx<'_>, key: &str, owners: &[String], now: DateTime<Utc>) -> QueryResult<()> {
    use crate::schema::crate_owners;
    tx.changed(Change::Nothing);
    let conn: &mut DbConnection = tx;
    let json = serde_json::to_string(owners).unwrap_or_else(|_| "[]".into());
    let updated = diesel::update(crate_owners::table.find(key))
        .set((
            crate_owners::owners.eq(&json),
            crate_owners::fetched_at.eq(now.naive_utc()),
        ))
        .execute(conn)?;
    if updated == 0 {
        // In a savepoint: a concurrent insert of the same key simply wins.
        let inserted = crate::db::write_transaction(conn, |c| {
            diesel::insert_into(crate_owners::table)
                .values((
                    crate_owners::name.eq(key),
                    crate_owners::owners.eq(&json),
                    crate_owners::fetched_at.eq(now.naive_utc()),
                ))
                .execute(c)
        });
        match inserted {
            Err(e) if crate::db::is_unique_violation(&e) => {}
            other => {
                other?;
            }
        }
    }
    Ok(())
}
