//! Users, keyed on their GitHub id (a login can change; the id never does).

use crate::db::{is_unique_violation, DbConnection};
use crate::github::GithubUser;
use crate::schema::users;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i32,
    pub github_id: Option<i64>,
    pub login: String,
    pub name: Option<String>,
    pub avatar_url: Option<String>,
    pub github_created_at: Option<NaiveDateTime>,
    pub banned: bool,
    pub banned_reason: Option<String>,
    pub session_epoch: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl User {
    /// The name shown in attribution: the display name, or the login when there is none.
    pub fn display_name(&self) -> &str {
        self.name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .unwrap_or(&self.login)
    }
}

pub fn find(conn: &mut DbConnection, id: i32) -> QueryResult<Option<User>> {
    users::table
        .find(id)
        .select(User::as_select())
        .first(conn)
        .optional()
}

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

/// The user most recently seen with `login` (logins are case-insensitive on GitHub).
pub fn find_by_login(conn: &mut DbConnection, login: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(lower(users::login).eq(login.to_ascii_lowercase()))
        .order(users::updated_at.desc())
        .select(User::as_select())
        .first(conn)
        .optional()
}

/// Create the user on first login, or bring login, name, avatar and account age up to date.
pub fn upsert_github(conn: &mut DbConnection, profile: &GithubUser, now: DateTime<Utc>) -> QueryResult<User> {
    let now = now.naive_utc();
    let created = profile.created_at.map(|t| t.naive_utc());
    let update = || {
        diesel::update(users::table.filter(users::github_id.eq(profile.id))).set((
            users::login.eq(&profile.login),
            users::name.eq(&profile.name),
            users::avatar_url.eq(&profile.avatar_url),
            users::github_created_at.eq(created),
            users::updated_at.eq(now),
        ))
    };
    crate::db::write_transaction(conn, |conn| {
        if update().execute(conn)? == 0 {
            // First login; two at once for the same account meet the unique key on github_id.
            let inserted = conn.transaction(|conn| {
                diesel::insert_into(users::table)
                    .values((
                        users::github_id.eq(Some(profile.id)),
                        users::login.eq(&profile.login),
                        users::name.eq(&profile.name),
                        users::avatar_url.eq(&profile.avatar_url),
                        users::github_created_at.eq(created),
                        users::created_at.eq(now),
                        users::updated_at.eq(now),
                    ))
                    .execute(conn)
            });
            match inserted {
                Err(e) if is_unique_violation(&e) => {
                    update().execute(conn)?;
                }
                other => {
                    other?;
                }
            }
        }
        users::table
            .filter(users::github_id.eq(profile.id))
            .select(User::as_select())
            .first(conn)
    })
}

/// A DEV_LOGIN account: no GitHub id, found by login, treated as an old account.
pub fn upsert_dev(conn: &mut DbConnection, login: &str, now: DateTime<Utc>) -> QueryResult<User> {
    let now = now.naive_utc();
    crate::db::write_transaction(conn, |conn| {
        let existing = users::table
            .filter(users::github_id.is_null())
            .filter(users::login.eq(login))
            .select(User::as_select())
            .first(conn)
            .optional()?;
        if let Some(user) = existing {
            return Ok(user);
        }
        let long_ago = NaiveDate::from_ymd_opt(2008, 1, 1)
            .expect("valid date")
            .and_hms_opt(0, 0, 0);
        diesel::insert_into(users::table)
            .values((
                users::login.eq(login),
                users::github_created_at.eq(long_ago),
                users::created_at.eq(now),
                users::updated_at.eq(now),
            ))
            .execute(conn)?;
        users::table
            .filter(users::github_id.is_null())
            .filter(users::login.eq(login))
            .select(User::as_select())
            .first(conn)
    })
}

/// End every session of the users with this login (cookie sessions are revoked by epoch).
pub fn bump_session_epoch_by_login(conn: &mut DbConnection, login: &str) -> QueryResult<usize> {
    diesel::update(users::table.filter(lower(users::login).eq(login.to_ascii_lowercase())))
        .set(users::session_epoch.eq(users::session_epoch + 1))
        .execute(conn)
}

/// The user and whether the database grants them the editor role, in one query (this runs on
/// every logged-in request).
pub fn find_with_grant(conn: &mut DbConnection, id: i32) -> QueryResult<Option<(User, bool)>> {
    use crate::schema::editors;
    users::table
        .find(id)
        .select((
            User::as_select(),
            diesel::dsl::exists(
                editors::table
                    .filter(editors::login.eq(lower(users::login)))
                    .filter(editors::revoked_at.is_null()),
            ),
        ))
        .first(conn)
        .optional()
}
