//! Editors: logins from the EDITORS setting plus those granted from the command line, each
//! bound to the first account that logs in with it (docs/security.md item 20: a login can be renamed
//! and registered again by someone else; GitHub's numeric id cannot).

use crate::db::{is_unique_violation, Change, DbConnection, Tx};
use crate::models::{audit, user, user::User};
use crate::schema::{editor_bindings, editors, users};
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
pub fn grant(tx: &mut Tx<'_>, login: &str, actor: &str, now: DateTime<Utc>) -> QueryResult<bool> {
    tx.changed(Change::Nothing);
    let key = login.to_ascii_lowercase();
    let current = editors::table
        .find(&key)
        .select(EditorGrant::as_select())
        .first(tx.conn())
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
                .execute(tx.conn())?;
        }
        None => {
            diesel::insert_into(editors::table)
                .values((
                    editors::login.eq(&key),
                    editors::granted_by.eq(actor),
                    editors::granted_at.eq(now.naive_utc()),
                ))
                .execute(tx.conn())?;
        }
    }
    audit::record(tx, audit::Entry::new(actor, "editor_grant", &key), now)?;
    // The account that already logged in with this login, if exactly one did.
    let holders: Vec<User> = users::table
        .filter(user::lower(users::login).eq(&key))
        .select(User::as_select())
        .load(tx.conn())?;
    if let [holder] = holders.as_slice() {
        bind(tx, &key, holder, now)?;
    }
    Ok(true)
}

/// Revoke the role; ends the login's sessions at once; audited. False when there was no grant.
pub fn revoke(tx: &mut Tx<'_>, login: &str, actor: &str, now: DateTime<Utc>) -> QueryResult<bool> {
    tx.changed(Change::Nothing);
    let key = login.to_ascii_lowercase();
    let revoked = diesel::update(editors::table.find(&key).filter(editors::revoked_at.is_null()))
        .set(editors::revoked_at.eq(Some(now.naive_utc())))
        .execute(tx.conn())?;
    if revoked == 0 {
        return Ok(false);
    }
    let why = super::session::reason::ROLE_CHANGED;
    user::end_all_sessions_by_login(tx, &key, why, now)?;
    // The bound account too, if it has been renamed since; and the binding is released, so
    // a later grant binds afresh (the audit row keeps whose it was).
    let bound = bound_user(tx, &key)?;
    if let Some(bound) = bound {
        user::end_all_sessions(tx, bound, why, now)?;
        diesel::delete(editor_bindings::table.find(&key)).execute(tx.conn())?;
    }
    let entry = audit::Entry::new(actor, "editor_revoke", &key);
    let entry = match bound {
        Some(user) => entry.detail(format!("was bound to user {user}")),
        None => entry,
    };
    audit::record(tx, entry, now)?;
    Ok(true)
}

/// Current grants from the database, by login.
pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<EditorGrant>> {
    editors::table
        .filter(editors::revoked_at.is_null())
        .order(editors::login)
        .select(EditorGrant::as_select())
        .load(conn)
}

/// The account an editor login is bound to, if any.
pub fn bound_user(conn: &mut DbConnection, login: &str) -> QueryResult<Option<i32>> {
    editor_bindings::table
        .find(login.to_ascii_lowercase())
        .select(editor_bindings::user_id)
        .first(conn)
        .optional()
}

/// Bind `login` to `account` unless it is bound already; returns the account it is bound to.
fn bind(tx: &mut Tx<'_>, login: &str, account: &User, now: DateTime<Utc>) -> QueryResult<i32> {
    tx.changed(Change::Nothing);
    if let Some(bound) = bound_user(tx, login)? {
        return Ok(bound);
    }
    let inserted = tx.conn().transaction(|conn| {
        diesel::insert_into(editor_bindings::table)
            .values((
                editor_bindings::login.eq(login),
                editor_bindings::user_id.eq(account.id),
                editor_bindings::bound_at.eq(now.naive_utc()),
            ))
            .execute(conn)
    });
    match inserted {
        // Two first logins at once: the other one won.
        Err(e) if is_unique_violation(&e) => Ok(bound_user(tx, login)?.expect("the binding that was there")),
        Err(e) => Err(e),
        Ok(_) => {
            audit::record(
                tx,
                audit::Entry::new(&account.login, "editor_bound", login)
                    .by_user(account.id)
                    .detail(account_description(account)),
                now,
            )?;
            Ok(account.id)
        }
    }
}

/// At login: an editor login (from `EDITORS`, lower-case, or a standing grant) that no account
/// holds yet is bound to this one; if another account holds it, this one is not an editor and
/// the audit log says so.
pub fn bind_at_login(
    tx: &mut Tx<'_>,
    account: &User,
    settings_editors: &[String],
    now: DateTime<Utc>,
) -> QueryResult<()> {
    tx.changed(Change::Nothing);
    let key = account.login.to_ascii_lowercase();
    let granted = editors::table
        .find(&key)
        .filter(editors::revoked_at.is_null())
        .count()
        .get_result::<i64>(tx.conn())?
        > 0;
    if !granted && !settings_editors.contains(&key) {
        return Ok(());
    }
    let bound = bind(tx, &key, account, now)?;
    if bound != account.id {
        audit::record(
            tx,
            audit::Entry::new(&account.login, "editor_login_taken", &key)
                .by_user(account.id)
                .detail(format!(
                    "{} logged in with the editor login {key}, which belongs to user {bound}: not an editor",
                    account_description(account)
                )),
            now,
        )?;
    }
    Ok(())
}

fn account_description(account: &User) -> String {
    match account.github_id {
        Some(id) => format!("user {} (GitHub id {id})", account.id),
        None => format!("user {} (dev login)", account.id),
    }
}
