//! An editor polishes a nomination's wording before picking: validated like a nomination, the
//! nominator's own words kept, the audit row holding before and after. Every attribution, the
//! section preview, the API and `fill-draft` then print the editors' wording. Refused once the
//! issue that features it is published.

use super::editor::actor;
use super::nominate::refusal;
use crate::actor::CurrentUser;
use crate::domain::validate::NominationForm;
use crate::error::AppError;
use crate::models::audit::{self, Entry as AuditEntry};
use crate::models::nomination::{self, Nomination};
use crate::models::{pick, week, wording};
use crate::state::AppState;

/// The form as it stands for `n` (to prefill the edit form).
pub fn form_of(n: &Nomination) -> NominationForm {
    NominationForm {
        category: n.category.as_str().into(),
        crate_name: n.crate_name.clone().unwrap_or_default(),
        pitch: n.pitch.clone().unwrap_or_default(),
        url: n.url.clone().unwrap_or_default(),
        why: n.why.clone().unwrap_or_default(),
        text: n.quote_text.clone().unwrap_or_default(),
        author: n.author.clone().unwrap_or_default(),
        where_said: n.where_said.clone().unwrap_or_default(),
        source_url: n.source_url.clone().unwrap_or_default(),
        context: n.context.clone().unwrap_or_default(),
        ..NominationForm::default()
    }
}

pub async fn find(state: &AppState, id: i32) -> Result<Nomination, AppError> {
    state
        .db
        .read(move |conn| Ok(nomination::find(conn, id)?))
        .await?
        .ok_or_else(|| AppError::not_found("That nomination"))
}

/// Reword nomination `id` with `form`'s wording (its crate, category and self-suggestion mark
/// stay as they are), for `reason`. Returns the issue it was nominated in.
pub async fn edit(
    state: &AppState,
    editor: &CurrentUser,
    id: i32,
    form: &NominationForm,
    reason: Option<String>,
) -> Result<i32, AppError> {
    let current = find(state, id).await?;
    let mut wanted = form.clone();
    wanted.category = current.category.as_str().into();
    wanted.crate_name = current.crate_name.clone().unwrap_or_default();
    let valid = wanted.validate().map_err(refusal::invalid)?;
    let (editor_id, login) = actor(editor);
    let now = state.clock.now();
    state
        .db
        .write(move |tx| {
            let Some(n) = nomination::find(tx.conn(), id)? else {
                return Err(AppError::not_found("That nomination"));
            };
            for p in pick::picks_among(tx.conn(), &[id])? {
                if week::find(tx.conn(), p.issue)?.is_some_and(|w| w.published_at.is_some()) {
                    return Err(AppError::conflict(
                        "published",
                        format!(
                            "Issue {} is published with this wording: it can no longer be changed.",
                            p.issue
                        ),
                    ));
                }
            }
            let before = serde_json::to_string(&form_of(&n)).unwrap_or_default();
            wording::keep_original(tx, &n, now)?;
            nomination::reword(tx, id, &valid)?;
            let after = serde_json::to_string(&wanted).unwrap_or_default();
            audit::record(
                tx,
                AuditEntry::new(&login, "edit_wording", &format!("nomination {id}"))
                    .by_user(editor_id)
                    .reason(reason.as_deref())
                    .detail(format!("before: {before}; after: {after}")),
                now,
            )?;
            Ok(n.week_issue)
        })
        .await
}
