//! Voting forms: cast or move a vote, withdraw it.

use super::extract::CurrentUser;
use super::limits::Limit;
use super::page;
use crate::actions::vote;
use crate::domain::validate::Category;
use crate::error::AppError;
use crate::state::AppState;
use actix_session::Session;
use actix_web::{post, web, HttpResponse};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct VoteForm {
    #[serde(default)]
    nomination_id: String,
}

#[post("/votes")]
pub async fn cast_vote(
    state: web::Data<AppState>,
    session: Session,
    current: CurrentUser,
    form: web::Form<VoteForm>,
) -> Result<HttpResponse, AppError> {
    state.limits.check_user(Limit::Vote, current.user.id)?;
    let id: i32 = form.nomination_id.trim().parse().map_err(|_| {
        AppError::unprocessable(
            "invalid_nomination_id",
            "nomination_id must be the number of a nomination.",
        )
    })?;
    vote::cast(&state, &current, id).await?;
    page::flash(
        &session,
        "Your vote is counted. You can move it until voting closes.",
    );
    // Back to the entry voted for, not the top of a long list (on a phone, screens away).
    Ok(page::see_other(&format!("/#nomination-{id}")))
}

#[derive(Deserialize)]
pub struct WithdrawForm {
    #[serde(default)]
    category: String,
}

#[post("/votes/withdraw")]
pub async fn withdraw_vote(
    state: web::Data<AppState>,
    session: Session,
    current: CurrentUser,
    form: web::Form<WithdrawForm>,
) -> Result<HttpResponse, AppError> {
    let category = Category::parse(&form.category)
        .ok_or_else(|| AppError::unprocessable("invalid_category", "category must be crate or quote."))?;
    let message = if vote::withdraw(&state, &current, category).await? {
        "Your vote has been withdrawn."
    } else {
        "You had no vote to withdraw in that category."
    };
    page::flash(&session, message);
    Ok(page::see_other(&format!("/#{}", category.as_str())))
}
