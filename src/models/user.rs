//! Users, keyed on their GitHub id (a login can change; the id never does).

use crate::db::{is_unique_violation, Change, DbConnection, Tx};
use crate::domain::session::Standing;
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
    /// No longer moved: sessions end by their rows (`models::session`). The column stays for
    /// the databases that have it.
    pub session_epoch: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Set when the member deleted their account: the row is then an anonymous tombstone.
    pub deleted_at: Option<NaiveDateTime>,
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

diesel::define_sql_function!(
    /// SQL `lower()`: logins compare case-insensitively, as GitHub's do.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text
);

/// The user most recently seen with `login` (logins are case-insensitive on GitHub). Deleted
/// accounts have no login.
pub fn find_by_login(conn: &mut DbConnection, login: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(lower(users::login).eq(login.to_ascii_lowercase()))
        .filter(users::deleted_at.is_null())
        .order(users::updated_at.desc())
        .select(User::as_select())
        .first(conn)
        .optional()
}

/// Create the user on first login, or bring login, name, avatar and account age up to date.
pub fn upsert_github(tx: &mut Tx<'_>, profile: &GithubUser, now: DateTime<Utc>) -> QueryResult<User> {
    tx.changed(Change::Nothing);
    let conn: &mut DbConnection = tx;
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
pub fn upsert_dev(tx: &mut Tx<'_>, login: &str, now: DateTime<Utc>) -> QueryResult<User> {
    tx.changed(Change::Nothing);
    let conn: &mut DbConnection = tx;
    let now = now.naive_utc();
    crate::db::write_transaction(conn, |conn| {
        let existing = users::table
            .filter(users::github_id.is_null())
            .filter(users::deleted_at.is_null())
            .filter(lower(users::login).eq(login.to_ascii_lowercase()))
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
            .filter(users::deleted_at.is_null())
            .filter(lower(users::login).eq(login.to_ascii_lowercase()))
            .select(User::as_select())
            .first(conn)
    })
}

/// End every session of this user, for `why` (a ban, a role change, a deletion). The number
/// ended.
pub fn end_all_sessions(tx: &mut Tx<'_>, id: i32, why: &str, now: DateTime<Utc>) -> QueryResult<usize> {
    super::session::end_all(tx, id, None, why, now)
}

/// End every session of the accounts with this login (see `end_all_sessions`).
pub fn end_all_sessions_by_login(
    tx: &mut Tx<'_>,
    login: &str,
    why: &str,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    let ids: Vec<i32> = users::table
        .filter(lower(users::login).eq(login.to_ascii_lowercase()))
        .select(users::id)
        .load(tx.conn())?;
    let mut ended = 0;
    for id in ids {
        ended += end_all_sessions(tx, id, why, now)?;
    }
    Ok(ended)
}

/// A user as one request sees them: the row, whether they hold the editor role, and the
/// session asking, as stored (`None`: no such session of this user).
#[derive(Debug, Clone)]
pub struct Account {
    pub user: User,
    pub is_editor: bool,
    pub session: Option<Standing>,
}

/// The user, their role and their session, in one query (this runs on every logged-in request
/// the account cache does not answer). The editor role belongs to the account an editor login
/// is bound to (`editor_bindings`), while that login is in `EDITORS` (`settings_editors`,
/// lower-case) or holds a grant that was not revoked: never to whoever holds the login now.
pub fn find_account(
    conn: &mut DbConnection,
    id: i32,
    settings_editors: &[String],
    session_id: &str,
) -> QueryResult<Option<Account>> {
    use crate::schema::{editor_bindings, editors, sessions};
    type SessionColumns = (
        Option<NaiveDateTime>,
        Option<NaiveDateTime>,
        Option<NaiveDateTime>,
        Option<String>,
    );
    users::table
        .find(id)
        .filter(users::deleted_at.is_null())
        .left_join(
            sessions::table.on(sessions::user_id
                .eq(users::id)
                .and(sessions::id.eq(session_id.to_string()))),
        )
        .select((
            User::as_select(),
            diesel::dsl::exists(
                editor_bindings::table
                    .filter(editor_bindings::user_id.eq(users::id))
                    .filter(
                        editor_bindings::login
                            .eq_any(settings_editors.to_vec())
                            .or(diesel::dsl::exists(
                                editors::table
                                    .filter(editors::login.eq(editor_bindings::login))
                                    .filter(editors::revoked_at.is_null()),
                            )),
                    ),
            ),
            (
                sessions::created_at.nullable(),
                sessions::last_seen_at.nullable(),
                sessions::ended_at.nullable(),
                sessions::id.nullable(),
            ),
        ))
        .first::<(User, bool, SessionColumns)>(conn)
        .optional()
        .map(|found| {
            found.map(|(user, is_editor, (created, seen, ended, sid))| Account {
                user,
                is_editor,
                session: match (sid, created, seen) {
                    (Some(_), Some(created_at), Some(last_seen_at)) => Some(Standing {
                        created_at,
                        last_seen_at,
                        ended: ended.is_some(),
                    }),
                    _ => None,
                },
            })
        })
}

/// Whether the user holds the editor role (see `find_account`).
pub fn is_editor(conn: &mut DbConnection, id: i32, settings_editors: &[String]) -> QueryResult<bool> {
    Ok(find_account(conn, id, settings_editors, "")?.is_some_and(|a| a.is_editor))
}

/// Record an OAuth `state` as presented; false when it was presented before.
pub fn use_oauth_state(tx: &mut Tx<'_>, state: &str, now: DateTime<Utc>) -> QueryResult<bool> {
    tx.changed(Change::Nothing);
    let conn: &mut DbConnection = tx;
    use crate::schema::used_oauth_states;
    use sha2::Digest;
    let hash = hex::encode(sha2::Sha256::digest(state.as_bytes()));
    let inserted = conn.transaction(|conn| {
        diesel::insert_into(used_oauth_states::table)
            .values((
                used_oauth_states::state_hash.eq(hash),
                used_oauth_states::used_at.eq(now.naive_utc()),
            ))
            .execute(conn)
    });
    match inserted {
        Ok(_) => Ok(true),
        Err(e) if is_unique_violation(&e) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Ban (or unban) a user: their votes stop counting, and a ban ends their sessions.
pub fn set_banned(
    tx: &mut Tx<'_>,
    id: i32,
    banned: bool,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    tx.changed(Change::Ballot);
    if banned {
        end_all_sessions(tx, id, super::session::reason::BANNED, now)?;
    }
    let conn: &mut DbConnection = tx;
    diesel::update(users::table.find(id))
        .set((
            users::banned.eq(banned),
            users::banned_reason.eq(if banned { reason } else { None }),
        ))
        .execute(conn)
}

/// Forget what can no longer matter: OAuth states older than `states_before` (a login that
/// old is refused as expired anyway) and sessions over before `sessions_before` (past their
/// absolute lifetime: no cookie can name them). Housekeeping, not a user action.
pub fn prune_login_records(
    tx: &mut Tx<'_>,
    states_before: DateTime<Utc>,
    sessions_before: DateTime<Utc>,
) -> QueryResult<usize> {
    use crate::schema::used_oauth_states;
    tx.changed(Change::Nothing);
    let conn: &mut DbConnection = tx;
    let states = diesel::delete(
        used_oauth_states::table.filter(used_oauth_states::used_at.lt(states_before.naive_utc())),
    )
    .execute(conn)?;
    let sessions = super::session::prune(tx, sessions_before)?;
    Ok(states + sessions)
}
