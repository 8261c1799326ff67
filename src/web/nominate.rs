//! The nomination form and its submission.

use super::extract::{CurrentUser, Viewer};
use super::limits::Limit;
use super::page;
use crate::actions::nominate::{self, Nominated, PER_USER_WEEKLY_LIMIT};
use crate::domain::validate::{Category, FieldErrors, NominationForm};
use crate::error::AppError;
use crate::models::nomination;
use crate::state::AppState;
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Deserialize)]
pub struct CategoryQuery {
    category: Option<String>,
}

/// The nomination form as an editor uses it (`None`: the ordinary form, posting to
/// `/nominations`): where it posts, and either the forum post it turns into a nomination, or
/// an edit of a nomination's wording.
pub(super) struct EditorForm<'a> {
    action: String,
    post: Option<&'a crate::actions::forum::NeedsLook>,
    /// Editing the wording of an existing nomination (its crate stays; a reason is asked).
    editing: bool,
    /// The reason given for the edit, as typed.
    reason: String,
}

impl<'a> EditorForm<'a> {
    /// A forum post that needs a look, turned into a nomination.
    pub fn from_forum_post(post: &'a crate::actions::forum::NeedsLook) -> Self {
        EditorForm {
            action: format!("/editor/forum/posts/{}", post.post_id),
            post: Some(post),
            editing: false,
            reason: String::new(),
        }
    }

    /// Nomination `id`'s wording, edited for `reason`.
    pub fn rewording(id: i32, reason: String) -> Self {
        EditorForm {
            action: format!("/editor/nominations/{id}/edit"),
            post: None,
            editing: true,
            reason,
        }
    }
}

pub(super) fn render_form(
    state: &AppState,
    viewer: &Viewer,
    session: &Session,
    status: StatusCode,
    form: &NominationForm,
    errors: &FieldErrors,
    for_editor: Option<EditorForm<'_>>,
) -> Result<HttpResponse, AppError> {
    let category = Category::parse(&form.category).unwrap_or(Category::Crate);
    // The first note for each field, shown under it.
    let mut notes: BTreeMap<&str, &str> = BTreeMap::new();
    for (field, message) in errors {
        notes.entry(field).or_insert(message);
    }
    let data = NominatePage {
        title: match &for_editor {
            Some(f) if f.editing => "Edit the wording",
            Some(_) => "Nominate from the forum",
            None => "Nominate",
        },
        editing: for_editor.as_ref().is_some_and(|f| f.editing),
        reason: for_editor.as_ref().map_or("", |f| f.reason.as_str()),
        action: for_editor.as_ref().map_or("/nominations", |f| f.action.as_str()),
        forum_post: for_editor.as_ref().and_then(|f| f.post),
        is_crate: category == Category::Crate,
        is_quote: category == Category::Quote,
        form,
        self_suggestion: form.self_suggestion.as_deref().is_some_and(|v| !v.is_empty()),
        errors: notes,
        has_errors: !errors.is_empty(),
        limit: PER_USER_WEEKLY_LIMIT,
    };
    // A visitor's form carries a CSRF token too: sending it keeps the text through the login.
    page::render(
        state,
        page::site_with_form(state, viewer, session),
        "nominate",
        status,
        &data,
    )
}

/// `templates/nominate.hbs`: the form, as typed, with a note under each refused field.
#[derive(Serialize)]
struct NominatePage<'a> {
    title: &'static str,
    /// Where the form posts.
    action: &'a str,
    /// An editor turning a forum post into a nomination: the post beside the form.
    forum_post: Option<&'a crate::actions::forum::NeedsLook>,
    /// An editor rewording a nomination.
    editing: bool,
    reason: &'a str,
    is_crate: bool,
    is_quote: bool,
    form: &'a NominationForm,
    self_suggestion: bool,
    errors: BTreeMap<&'a str, &'a str>,
    has_errors: bool,
    limit: i64,
}

#[get("/nominate")]
pub async fn nominate_page(
    state: web::Data<AppState>,
    viewer: Viewer,
    session: Session,
    query: web::Query<CategoryQuery>,
) -> Result<HttpResponse, AppError> {
    let category = query
        .category
        .as_deref()
        .and_then(Category::parse)
        .unwrap_or(Category::Crate);
    // A visitor sees the form before logging in; what they typed before (kept through the
    // login) comes back to submit.
    let form = match super::session::pending_nomination(&session) {
        Some(typed) if query.category.is_none() || typed.category == category.as_str() => typed,
        _ => NominationForm {
            category: category.as_str().into(),
            ..Default::default()
        },
    };
    render_form(
        &state,
        &viewer,
        &session,
        StatusCode::OK,
        &form,
        &Vec::new(),
        None,
    )
}

#[post("/nominations")]
pub async fn submit_nomination(
    state: web::Data<AppState>,
    viewer: Viewer,
    session: Session,
    form: web::Form<NominationForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let Some(current) = viewer.0.clone() else {
        // Not logged in yet: keep what was typed, log in, come back to it.
        if state.github.is_none() && !state.settings.dev_login {
            return Err(AppError::unauthorized());
        }
        super::session::keep_pending_nomination(&session, &form);
        let category = Category::parse(&form.category).unwrap_or(Category::Crate);
        let next = format!("/nominate?category={}", category.as_str());
        let to = format!(
            "/login?next={}",
            url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
        );
        return Ok(page::see_other(&to));
    };
    state.limits.check_user(Limit::Nomination, current.user.id)?;
    super::session::forget_pending_nomination(&session);
    match nominate::nominate(&state, &current, &form).await {
        Ok(Nominated::Created(id)) => {
            page::flash(&session, "Thank you! Your nomination is on the ballot.");
            Ok(page::see_other(&format!("/nominations/{id}")))
        }
        Ok(Nominated::CoNominated(id)) => {
            page::flash(
                &session,
                "Someone had nominated this already, so you have been added as a co-nominator: you will both be thanked.",
            );
            Ok(page::see_other(&format!("/nominations/{id}")))
        }
        Ok(Nominated::AlreadyYours(id)) => {
            page::flash(&session, "You had already nominated this one.");
            Ok(page::see_other(&format!("/nominations/{id}")))
        }
        // A refusal of the form: it comes back with everything typed and the notes.
        Err(refused) if !refused.fields.is_empty() => render_form(
            &state,
            &viewer,
            &session,
            refused.status,
            &form,
            &refused.fields,
            None,
        ),
        Err(e) => Err(e),
    }
}

/// The nominator takes a nomination off the ballot (the row stays).
#[post("/nominations/{id}/withdraw")]
pub async fn withdraw_nomination(
    state: web::Data<AppState>,
    session: Session,
    current: CurrentUser,
    id: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let user_id = current.user.id;
    state
        .db
        .write(move |tx| {
            let n = nomination::find(tx, id)?.ok_or_else(|| AppError::not_found("That nomination"))?;
            if n.nominated_by != user_id {
                return Err(AppError::forbidden(
                    "Only the person who made a nomination can withdraw it.",
                ));
            }
            nomination::withdraw(tx, id)?;
            Ok(())
        })
        .await?;
    page::flash(&session, "Your nomination has been withdrawn from the ballot.");
    Ok(page::see_other("/me"))
}
