//! Moderation by the editors: hiding a nomination, banning an account. Flags only (nothing is
//! deleted), each audited in the same transaction.

use super::editor::actor;
use crate::actor::CurrentUser;
use crate::error::AppError;
use crate::models::audit::{self, Entry as AuditEntry};
use crate::models::{nomination, user};
use crate::state::AppState;

/// Hide (or show again) a nomination, with a reason. The row stays.
pub async fn set_hidden(
    state: &AppState,
    editor: &CurrentUser,
    id: i32,
    hidden: bool,
    reason: Option<String>,
) -> Result<(), AppError> {
    let (editor_id, login) = actor(editor);
    let now = state.clock.now();
    state
        .db
        .write(move |tx| {
            let changed = nomination::set_hidden(tx, id, hidden, reason.as_deref())?;
            if changed == 0 {
                return Err(AppError::not_found("That nomination"));
            }
            let action = if hidden { "hide" } else { "unhide" };
            audit::record(
                tx,
                AuditEntry::new(&login, action, &format!("nomination {id}"))
                    .by_user(editor_id)
                    .reason(reason.as_deref()),
                now,
            )?;
            Ok(())
        })
        .await?;
    Ok(())
}

/// Ban (or unban) a user by login: their votes stop counting, their sessions end. Nothing is deleted.
pub async fn set_banned(
    state: &AppState,
    editor: &CurrentUser,
    login: &str,
    banned: bool,
    reason: Option<String>,
) -> Result<(), AppError> {
    let (editor_id, actor_login) = actor(editor);
    let now = state.clock.now();
    let login = login.to_string();
    let settings_editors = state.settings.editors.clone();
    state
        .db
        .write(move |tx| {
            let target = user::find_by_login(tx, &login)?
                .ok_or_else(|| AppError::not_found(&format!("The user {login}")))?;
            if target.id == editor_id && banned {
                return Err(AppError::conflict("self_ban", "You cannot ban yourself."));
            }
            if banned && user::is_editor(tx, target.id, &settings_editors)? {
                return Err(AppError::conflict(
                    "ban_editor",
                    "Editors cannot be banned here; an editor's role is revoked from the command line (twir-picks editor revoke).",
                ));
            }
            user::set_banned(tx, target.id, banned, reason.as_deref(), now)?;
            let action = if banned { "ban" } else { "unban" };
            audit::record(
                tx,
                AuditEntry::new(&actor_login, action, &format!("user {}", target.login))
                    .by_user(editor_id)
                    .reason(reason.as_deref()),
                now,
            )?;
            Ok(())
        })
        .await?;
    Ok(())
}
