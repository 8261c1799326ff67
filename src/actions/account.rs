//! A member in control of their account: their sessions ended one by one or all but this one,
//! an editor signing a member out, everything stored about them read out, and the account
//! deleted. Each write is one transaction with its audit row.

use super::editor::actor;
use crate::actor::CurrentUser;
use crate::error::AppError;
use crate::models::account::{self, Erased, Stored, DELETED_MEMBER};
use crate::models::audit::{self, Entry as AuditEntry};
use crate::models::session::{self, reason};
use crate::models::user;
use crate::state::AppState;

/// End one of the member's own sessions (`this_session` is the one asking). False when no such
/// session of theirs stands (another member's id ends nothing and says nothing more).
pub async fn end_session(
    state: &AppState,
    member: &CurrentUser,
    session_id: String,
) -> Result<bool, AppError> {
    let (user_id, login) = actor(member);
    let now = state.clock.now();
    state
        .db
        .write(move |tx| {
            let ended = session::end(tx, &session_id, user_id, reason::ENDED_BY_MEMBER, now)?;
            if ended > 0 {
                audit::record(
                    tx,
                    AuditEntry::new(&login, "session_end", &format!("user {login}")).by_user(user_id),
                    now,
                )?;
            }
            Ok(ended > 0)
        })
        .await
}

/// End every session of the member but `keep` (the one asking). The number ended.
pub async fn end_other_sessions(
    state: &AppState,
    member: &CurrentUser,
    keep: String,
) -> Result<usize, AppError> {
    let (user_id, login) = actor(member);
    let now = state.clock.now();
    state
        .db
        .write(move |tx| {
            let ended = session::end_all(tx, user_id, Some(&keep), reason::ENDED_BY_MEMBER, now)?;
            audit::record(
                tx,
                AuditEntry::new(&login, "sessions_end_others", &format!("user {login}"))
                    .by_user(user_id)
                    .detail(format!("{ended} ended")),
                now,
            )?;
            Ok(ended)
        })
        .await
}

/// An editor ends every session of the member `login`, with a reason; audited. The number ended.
pub async fn sign_out(
    state: &AppState,
    editor: &CurrentUser,
    login: String,
    why: Option<String>,
) -> Result<usize, AppError> {
    let (editor_id, editor_login) = actor(editor);
    let now = state.clock.now();
    state
        .db
        .write(move |tx| {
            let target = user::find_by_login(tx, &login)?
                .ok_or_else(|| AppError::not_found(&format!("The user {login}")))?;
            let ended = session::end_all(tx, target.id, None, reason::SIGNED_OUT_BY_EDITOR, now)?;
            audit::record(
                tx,
                AuditEntry::new(&editor_login, "sign_out", &format!("user {}", target.login))
                    .by_user(editor_id)
                    .reason(why.as_deref())
                    .detail(format!("{ended} sessions ended")),
                now,
            )?;
            Ok(ended)
        })
        .await
}

/// Everything stored about the member, read in one transaction (one snapshot under SQLite's
/// WAL) so the parts agree.
pub async fn export(state: &AppState, member: &CurrentUser) -> Result<Stored, AppError> {
    let user_id = member.user.id;
    state
        .db
        .read(move |conn| {
            use diesel::Connection;
            conn.transaction(|conn| account::stored(conn, user_id))?
                .ok_or_else(|| AppError::not_found("Your account"))
        })
        .await
}

/// Delete the member's account; `confirm_login` must be their login as typed back (any case).
/// In one transaction: the erasure (`models::account::erase`), every session ended, and an
/// audit row that does not name them.
pub async fn delete(state: &AppState, member: &CurrentUser, confirm_login: &str) -> Result<Erased, AppError> {
    if !confirm_login.trim().eq_ignore_ascii_case(&member.user.login) {
        return Err(AppError::unprocessable(
            "confirm_login",
            format!(
                "To delete your account, type your login ({}) exactly as shown.",
                member.user.login
            ),
        ));
    }
    let user_id = member.user.id;
    let open = state.open_week_for_write().await?;
    let now = state.clock.now();
    state
        .db
        .write(move |tx| {
            // Read again inside the transaction: the account as it stands now is what is erased.
            let user = user::find(tx, user_id)?
                .filter(|u| u.deleted_at.is_none())
                .ok_or_else(|| AppError::not_found("Your account"))?;
            user::end_all_sessions(tx, user.id, reason::ACCOUNT_DELETED, now)?;
            let erased = account::erase(tx, &user, open.issue, now)?;
            audit::record(
                tx,
                AuditEntry::new(DELETED_MEMBER, "account_delete", DELETED_MEMBER)
                    .by_user(user.id)
                    .detail(format!(
                        "{} votes of issue {} withdrawn, {} nominations withdrawn, {} printed credits kept",
                        erased.votes_withdrawn, open.issue, erased.nominations_withdrawn, erased.credits_kept
                    )),
                now,
            )?;
            Ok(erased)
        })
        .await
}
