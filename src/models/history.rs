//! Crate and Quote of the Week as published before this service (`import-history`).

use crate::db::{is_unique_violation, Change, DbConnection, Tx};
use crate::domain::validate::Category;
use crate::schema::featured_history;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = featured_history)]
pub struct Featured {
    #[diesel(skip_insertion)]
    pub id: i32,
    pub issue: i32,
    pub published_on: String,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub category: Category,
    pub position: i32,
    pub name: String,
    pub dedupe_key: String,
    pub url: Option<String>,
    pub body: String,
    pub credits: Option<String>,
    pub source_file: String,
    pub imported_at: NaiveDateTime,
}

/// The imported sections of one issue, crates first.
pub fn of_issue(conn: &mut DbConnection, issue: i32) -> QueryResult<Vec<Featured>> {
    featured_history::table
        .filter(featured_history::issue.eq(issue))
        .order((featured_history::category.asc(), featured_history::position.asc()))
        .select(Featured::as_select())
        .load(conn)
}

pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<Featured>> {
    featured_history::table.select(Featured::as_select()).load(conn)
}

/// Store one featured item unless that (issue, category, position) is already there.
/// Returns whether it was added.
pub fn insert_if_new(tx: &mut Tx<'_>, item: &Featured) -> QueryResult<bool> {
    tx.changed(Change::Ballot);
    let conn: &mut DbConnection = tx;
    let exists: i64 = featured_history::table
        .filter(featured_history::issue.eq(item.issue))
        .filter(featured_history::category.eq(item.category.as_str()))
        .filter(featured_history::position.eq(item.position))
        .count()
        .get_result(conn)?;
    if exists > 0 {
        return Ok(false);
    }
    match conn.transaction(|conn| {
        diesel::insert_into(featured_history::table)
            .values(item.clone())
            .execute(conn)
    }) {
        Ok(_) => Ok(true),
        Err(e) if is_unique_violation(&e) => Ok(false),
        Err(e) => Err(e),
    }
}
