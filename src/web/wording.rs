//! `GET`/`POST /editor/nominations/{id}/edit`: an editor rewords a nomination before picking
//! (`actions::wording`), in the nomination form, with a reason for the audit log.

use super::extract::{Editor, Viewer};
use super::nominate::{render_form, EditorForm};
use super::page;
use crate::actions::wording;
use crate::domain::validate::{self, NominationForm};
use crate::error::AppError;
use crate::state::AppState;
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;

#[get("/editor/nominations/{id}/edit")]
pub async fn edit_form(
    state: web::Data<AppState>,
    _editor: Editor,
    viewer: Viewer,
    session: Session,
    id: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let n = wording::find(&state, id).await?;
    render_form(
        &state,
        &viewer,
        &session,
        StatusCode::OK,
        &wording::form_of(&n),
        &Vec::new(),
        Some(EditorForm::rewording(id, String::new())),
    )
}

/// The nomination form's fields and the reason.
#[derive(Deserialize)]
pub struct EditForm {
    #[serde(default)]
    reason: String,
    #[serde(flatten)]
    form: NominationForm,
}

#[post("/editor/nominations/{id}/edit")]
pub async fn edit(
    state: web::Data<AppState>,
    editor: Editor,
    viewer: Viewer,
    session: Session,
    id: web::Path<i32>,
    form: web::Form<EditForm>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let EditForm { reason, form } = form.into_inner();
    let refused = match validate::optional_text(&reason, 500, "the reason") {
        Err(e) => AppError::unprocessable("invalid_reason", e).on_field("category"),
        Ok(why) => match wording::edit(&state, &editor.0, id, &form, why).await {
            Ok(issue) => {
                page::flash(&session, "The wording is changed; the attribution prints it now.");
                return Ok(page::see_other(&format!("/editor?issue={issue}#nomination-{id}")));
            }
            Err(e) if !e.fields.is_empty() => e,
            Err(e) => return Err(e),
        },
    };
    // Everything typed comes back, with the notes.
    let n = wording::find(&state, id).await?;
    let mut form = form;
    form.category = n.category.as_str().into();
    render_form(
        &state,
        &viewer,
        &session,
        refused.status,
        &form,
        &refused.fields,
        Some(EditorForm::rewording(id, reason)),
    )
}
