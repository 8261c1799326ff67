//! Casting, moving and withdrawing a vote (docs/contract.md §2), each refusal with its own message.

use crate::actor::CurrentUser;
use crate::domain::validate::Category;
use crate::error::AppError;
use crate::models::{ballot, nomination, vote};
use crate::state::AppState;

/// Cast (or move) `user`'s vote to `nomination_id` in the week open now. Returns the category.
pub async fn cast(state: &AppState, user: &CurrentUser, nomination_id: i32) -> Result<Category, AppError> {
    let now = state.clock.now();
    let settings = &state.settings;
    if user.user.banned {
        return Err(AppError::forbidden("This account has been banned: it cannot vote.").with_code("banned"));
    }
    if !user.account_old_enough(settings.min_account_age_days, now) {
        return Err(AppError::forbidden(format!(
            "Your GitHub account is younger than {} days, so it cannot vote yet (you can still nominate).",
            settings.min_account_age_days
        ))
        .with_code("account_too_young"));
    }
    // The week open at `now` is the week this vote is stored in.
    let week = state.open_week_for_write().await?;
    let issue = week.issue;
    let user_id = user.user.id;
    let ballot_weeks = settings.ballot_weeks;
    // Fast path: the in-memory ballot knows the nomination is on it, visible, and whose it is.
    // It is the readers' view, loaded again here when it is older than `cache::REFRESH` (once
    // for everyone), so a run of votes with no reader between them does not read the
    // nomination, the ballot and the nominators inside the write transaction for each.
    let view = state
        .ballot
        .view(
            &state.db,
            &week,
            ballot_weeks,
            &state.settings.calendar,
            state.clock.now(),
        )
        .await?;
    if let Some((category, nominators)) = view.ballot_entry(nomination_id) {
        if nominators.contains(&user_id) {
            return Err(own_nomination());
        }
        state
            .db
            .write_mergeable(vote::NewVote {
                user_id,
                issue,
                category,
                nomination_id,
                now,
            })
            .await?;
        return Ok(category);
    }
    let category = state
        .db
        .write(move |tx| {
            let n =
                nomination::find(tx, nomination_id)?.ok_or_else(|| AppError::not_found("That nomination"))?;
            if n.hidden {
                return Err(AppError::conflict(
                    "hidden",
                    "The editors have taken this nomination off the ballot.",
                ));
            }
            if !ballot::is_on_ballot(tx, &n, &week, ballot_weeks)? {
                return Err(AppError::conflict(
                    "not_on_ballot",
                    format!("This nomination is not on the ballot of issue {}.", week.issue),
                ));
            }
            if nomination::is_nominator(tx, n.id, user_id)? {
                return Err(own_nomination());
            }
            let category = n.category();
            vote::cast(tx, user_id, week.issue, category, n.id, now)?;
            Ok(category)
        })
        .await?;
    Ok(category)
}

/// Withdraw `user`'s vote in `category` this week; false when there was none.
pub async fn withdraw(state: &AppState, user: &CurrentUser, category: Category) -> Result<bool, AppError> {
    let now = state.clock.now();
    let week = state.open_week_for_write().await?;
    let user_id = user.user.id;
    let issue = week.issue;
    state
        .db
        .write(move |tx| Ok(vote::withdraw(tx, user_id, issue, category, now)?))
        .await
}

fn own_nomination() -> AppError {
    AppError::forbidden("You cannot vote for a nomination you made or co-nominated.")
        .with_code("own_nomination")
}
