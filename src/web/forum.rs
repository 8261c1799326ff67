//! The forum posts that need a look, turned into nominations by an editor: a form prefilled
//! with what the bridge could read, beside the post. Editors only; the rest of the bridge runs
//! in the background (`actions::forum`).

use super::extract::{Editor, Viewer};
use super::nominate::{render_form, EditorForm};
use super::page;
use crate::actions::forum::{self, NeedsLook};
use crate::domain::validate::NominationForm;
use crate::error::AppError;
use crate::state::AppState;
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};

#[get("/editor/forum/posts/{post_id}")]
pub async fn needs_look_form(
    state: web::Data<AppState>,
    _editor: Editor,
    viewer: Viewer,
    session: Session,
    post_id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let post_id = post_id.into_inner();
    let post = forum::post_needing_a_look(&state, post_id).await?;
    let shown = NeedsLook::of(&post);
    render_form(
        &state,
        &viewer,
        &session,
        StatusCode::OK,
        &shown.draft,
        &Vec::new(),
        Some(EditorForm::from_forum_post(&shown)),
    )
}

#[derive(serde::Deserialize)]
pub struct DismissForm {
    #[serde(default)]
    reason: String,
}

/// Not a suggestion after all: off the desk's "needs a look" list, audited.
#[post("/editor/forum/posts/{post_id}/dismiss")]
pub async fn dismiss_post(
    state: web::Data<AppState>,
    editor: Editor,
    session: Session,
    post_id: web::Path<i64>,
    form: web::Form<DismissForm>,
) -> Result<HttpResponse, AppError> {
    let reason = crate::domain::validate::optional_text(&form.reason, 500, "the reason")
        .map_err(|e| AppError::unprocessable("invalid_reason", e))?;
    forum::dismiss_post(&state, &editor.0, post_id.into_inner(), reason).await?;
    page::flash(
        &session,
        "The forum post is dismissed: it no longer waits for a look.",
    );
    Ok(page::see_other("/editor#forum"))
}

#[post("/editor/forum/posts/{post_id}")]
pub async fn nominate_from_post(
    state: web::Data<AppState>,
    editor: Editor,
    viewer: Viewer,
    session: Session,
    post_id: web::Path<i64>,
    form: web::Form<NominationForm>,
) -> Result<HttpResponse, AppError> {
    let post_id = post_id.into_inner();
    let form = form.into_inner();
    let refused = match forum::nominate_from_post(&state, &editor.0, post_id, &form).await {
        Ok(id) => {
            page::flash(
                &session,
                "The forum post is on the ballot, credited to its poster.",
            );
            return Ok(page::see_other(&format!("/nominations/{id}")));
        }
        Err(e) if !e.fields.is_empty() => e,
        Err(e) => return Err(e),
    };
    // Everything typed comes back, with the notes.
    let post = forum::post_needing_a_look(&state, post_id).await?;
    let shown = NeedsLook::of(&post);
    let mut form = form;
    form.category = post.category.as_str().to_string();
    render_form(
        &state,
        &viewer,
        &session,
        refused.status,
        &form,
        &refused.fields,
        Some(EditorForm::from_forum_post(&shown)),
    )
}
