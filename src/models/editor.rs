//! Editors: logins from the EDITORS setting plus those granted from the command line.

use crate::db::DbConnection;
use crate::models::{audit, user};
use crate::schema::editors;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = editors)]
pub struct EditorGrant {
    pub login: String,
    pub granted_by: String,
    pub granted_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
}

/// Grant the role (again); audited. Returns false when it was already in force.
pub fn grant(conn: &mut DbConnection, login: &str, actor: &str, now: DateTime<Utc>) -> QueryResult<bool> {
    let key = login.to_ascii_lowercase();
    crate::db::write_transaction(conn, |conn| {
        let current = editors::table
            .find(&key)
            .select(EditorGrant::as_select())
            .first(conn)
            .optional()?;
        match current {
            Some(g) if g.revoked_at.is_none() => return Ok(false),
            Some(_) => {
                diesel::update(editors::table.find(&key))
                    .set((
                        editors::granted_by.eq(actor),
                        editors::granted_at.eq(now.naive_utc()),
                        editors::revoked_at.eq(None::<NaiveDateTime>),
                    ))
                    .execute(conn)?;
            }
            None => {
                diesel::insert_into(editors::table)
                    .values((
                        editors::login.eq(&key),
                        editors::granted_by.eq(actor),
                        editors::granted_at.eq(now.naive_utc()),
                    ))
                    .execute(conn)?;
            }
        }
        audit::record(conn, audit::Entry::new(actor, "editor_grant", &key), now)?;
        Ok(true)
    })
}

/// Revoke the role; ends the login's sessions at once; audited. False when there was no grant.
pub fn revoke(conn: &mut DbConnection, login: &str, actor: &str, now: DateTime<Utc>) -> QueryResult<bool> {
    let key = login.to_ascii_lowercase();
    crate::db::write_transaction(conn, |conn| {
        let revoked = diesel::update(editors::table.find(&key).filter(editors::revoked_at.is_null()))
            .set(editors::revoked_at.eq(Some(now.naive_utc())))
            .execute(conn)?;
        if revoked == 0 {
            return Ok(false);
        }
        user::bump_session_epoch_by_login(conn, &key)?;
        audit::record(conn, audit::Entry::new(actor, "editor_revoke", &key), now)?;
        Ok(true)
    })
}

/// Current grants from the database, by login.
pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<EditorGrant>> {
    editors::table
        .filter(editors::revoked_at.is_null())
        .order(editors::login)
        .select(EditorGrant::as_select())
        .load(conn)
}
