//! The append-only audit log: who did what to which target, why, and when (UTC).
//! Rows are only ever inserted.

use crate::db::{Change, DbConnection, Tx};
use crate::schema::audit_log;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

/// One action to record.
#[derive(Debug, Clone)]
pub struct Entry {
    pub actor_user_id: Option<i32>,
    pub actor: String,
    pub action: &'static str,
    pub target: String,
    pub reason: Option<String>,
    pub detail: Option<String>,
}

impl Entry {
    pub fn new(actor: &str, action: &'static str, target: &str) -> Self {
        Entry {
            actor_user_id: None,
            actor: actor.to_string(),
            action,
            target: target.to_string(),
            reason: None,
            detail: None,
        }
    }

    pub fn by_user(mut self, id: i32) -> Self {
        self.actor_user_id = Some(id);
        self
    }

    pub fn reason(mut self, reason: Option<&str>) -> Self {
        self.reason = reason.map(str::to_string);
        self
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    pub id: i32,
    pub at: NaiveDateTime,
    pub actor_user_id: Option<i32>,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub reason: Option<String>,
    pub detail: Option<String>,
}

pub fn record(tx: &mut Tx<'_>, entry: Entry, now: DateTime<Utc>) -> QueryResult<()> {
    tx.changed(Change::Nothing);
    let conn: &mut DbConnection = tx;
    // Debug formatting escapes newlines and control characters: no forged log lines.
    tracing::info!(actor = ?entry.actor, action = entry.action, target = ?entry.target, "audit");
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::at.eq(now.naive_utc()),
            audit_log::actor_user_id.eq(entry.actor_user_id),
            audit_log::actor.eq(&entry.actor),
            audit_log::action.eq(entry.action),
            audit_log::target.eq(&entry.target),
            audit_log::reason.eq(&entry.reason),
            audit_log::detail.eq(&entry.detail),
        ))
        .execute(conn)?;
    Ok(())
}

/// Newest first.
pub fn recent(conn: &mut DbConnection, limit: i64, before_id: Option<i32>) -> QueryResult<Vec<AuditRow>> {
    let mut query = audit_log::table.select(AuditRow::as_select()).into_boxed();
    if let Some(id) = before_id {
        query = query.filter(audit_log::id.lt(id));
    }
    query.order(audit_log::id.desc()).limit(limit).load(conn)
}
