//! Nominating a crate or a quote (docs/contract.md §2): validation, past winners, co-nomination on
//! duplicates, the crates.io check, and the per-user weekly limit, decided inside one
//! transaction that holds the week's write lock.

use crate::actions::crate_lookup;
use crate::actions::file_nomination::{self, Filed, Filer, Filing, NotFiled};
use crate::actor::CurrentUser;
use crate::crates_io::Lookup;
use crate::domain::ballot as ballot_rule;
use crate::domain::validate::{Category, NominationForm, ValidNomination};
use crate::error::AppError;
use crate::models::ballot;
use crate::models::nomination::{self, CrateFacts};
use crate::models::week::Week;
use crate::state::AppState;

pub use crate::domain::ballot::PER_USER_WEEKLY_LIMIT;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Nominated {
    Created(i32),
    /// It was on the ballot already: the user is thanked as a co-nominator.
    CoNominated(i32),
    /// The user had already nominated it.
    AlreadyYours(i32),
}

/// The refusals of a nomination. Each is an `AppError` (the one outcome type of a refusal)
/// with its note on the form field it concerns, so the form comes back with everything typed.
pub mod refusal {
    use super::PER_USER_WEEKLY_LIMIT;
    use crate::domain::validate::{Category, FieldErrors};
    use crate::error::AppError;
    use actix_web::http::StatusCode;

    pub fn invalid(errors: FieldErrors) -> AppError {
        AppError::invalid_fields("invalid_nomination", errors)
    }

    pub fn past_winner(category: Category, issue: i32, again_from: i32) -> AppError {
        let (field, what) = match category {
            Category::Quote => ("text", "This quote was Quote of the Week"),
            Category::Crate => ("crate_name", "This crate was Crate of the Week"),
        };
        AppError::unprocessable(
            "past_winner",
            format!("{what} in issue {issue}; it can be nominated again from issue {again_from}."),
        )
        .on_field(field)
    }

    pub fn not_on_crates_io(name: &str) -> AppError {
        AppError::unprocessable(
            "not_on_crates_io",
            format!("There is no crate named {name:?} on crates.io. Please check the spelling."),
        )
        .on_field("crate_name")
    }

    pub fn limit_reached(category: Category) -> AppError {
        AppError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "nomination_limit",
            format!(
                "You have made {PER_USER_WEEKLY_LIMIT} {} nominations this week, the most one person can make. Please come back next week.",
                category.as_str()
            ),
        )
        .on_field("category")
    }

    pub fn banned() -> AppError {
        AppError::forbidden("This account has been banned: it cannot nominate.").with_code("banned")
    }
}

pub async fn nominate(
    state: &AppState,
    user: &CurrentUser,
    form: &NominationForm,
) -> Result<Nominated, AppError> {
    if user.user.banned {
        return Err(refusal::banned());
    }
    let mut valid = form.validate().map_err(refusal::invalid)?;
    let week = state.open_week_for_write().await?;
    let key = valid.dedupe_key();
    let category = valid.category();
    let settings = state.settings.clone();

    // Quick reads first, so a duplicate or a past winner costs no crates.io request.
    let (past, existing) = {
        let key = key.clone();
        let issue = week.issue;
        state
            .db
            .read(move |conn| {
                let past = nomination::last_win(conn, category, &key)?;
                let existing = ballot::on_ballot_by_key(conn, category, &key, issue, settings.ballot_weeks)?;
                Ok((past, existing.map(|n| n.id)))
            })
            .await?
    };
    check_past_winner(category, past, &week, state.settings.allow_repeat_after_weeks)?;

    let facts = match existing {
        None => check_on_crates_io(state, &mut valid).await?,
        Some(_) => None,
    };
    // The nominator against the crate's owners on crates.io: an owner is thanked for the
    // self-suggestion whether ticked or not; a claim that is not borne out is shown on the desk.
    let owner_check = match &mut valid {
        ValidNomination::Crate(c) => {
            let owners = crate_lookup::owners(state, c.name.as_str()).await;
            let check = crate_lookup::owner_check(owners.as_deref(), &user.user.login, c.self_suggestion);
            c.self_suggestion = check.self_suggestion(c.self_suggestion);
            Some(check)
        }
        ValidNomination::Quote(_) => None,
    };

    let now = state.clock.now();
    let user_id = user.user.id;
    let settings = state.settings.clone();
    let issue = week.issue;
    let week_opened = week.opens_at;
    let decision = state
        .db
        .write(move |tx| {
            nomination::lock_week(tx, issue)?;
            let self_suggestion = matches!(&valid, ValidNomination::Crate(c) if c.self_suggestion);
            let checked = owner_check.and_then(|c| c.as_stored());
            let filing = Filing {
                valid: &valid,
                facts: facts.as_ref(),
                filer: Filer::Member {
                    user_id,
                    self_suggestion,
                    owner_check: checked,
                    week_opened,
                },
                open_issue: issue,
                audit: None,
            };
            file_nomination::file(tx, &settings, filing, now)
        })
        .await?;
    match decision {
        Ok(filed) => {
            if filed.counts() {
                crate::telemetry::count_nomination(category, "site");
            }
            Ok(match filed {
                Filed::Created(id) => Nominated::Created(id),
                Filed::Joined(id) => Nominated::CoNominated(id),
                Filed::AlreadyTheirs(id) => Nominated::AlreadyYours(id),
            })
        }
        Err(NotFiled::PastWinner(issue)) => Err(refusal::past_winner(
            category,
            issue,
            ballot_rule::again_from(issue, state.settings.allow_repeat_after_weeks),
        )),
        Err(NotFiled::Limit) => Err(refusal::limit_reached(category)),
    }
}

/// A crate nomination is checked on crates.io: refused when crates.io says there is no such
/// crate, renamed to its canonical name when there is. `None` for a quote, or when crates.io
/// did not answer: then it is kept as unverified and checked again later (nothing typed is
/// lost).
pub async fn check_on_crates_io(
    state: &AppState,
    valid: &mut ValidNomination,
) -> Result<Option<CrateFacts>, AppError> {
    let ValidNomination::Crate(c) = valid else {
        return Ok(None);
    };
    match crate_lookup::lookup(state, c.name.as_str()).await {
        Lookup::Found { name, facts } => {
            if let Ok(canonical) = crate::domain::validate::CrateName::parse(&name) {
                c.name = canonical;
            }
            Ok(Some(facts))
        }
        Lookup::NotFound => Err(refusal::not_on_crates_io(c.name.as_str())),
        Lookup::Unreachable(_) => Ok(None),
    }
}

fn check_past_winner(
    category: Category,
    won: Option<i32>,
    week: &Week,
    allow_repeat_after_weeks: i32,
) -> Result<(), AppError> {
    match won {
        Some(issue) if ballot_rule::too_recent_a_winner(won, week.issue, allow_repeat_after_weeks) => {
            Err(refusal::past_winner(
                category,
                issue,
                ballot_rule::again_from(issue, allow_repeat_after_weeks),
            ))
        }
        _ => Ok(()),
    }
}

/// Check crate nominations that crates.io did not answer for; returns how many were verified.
pub async fn verify_pending(state: &AppState) -> Result<usize, AppError> {
    let pending = state
        .db
        .read(|conn| Ok(nomination::unverified_crates(conn, 50)?))
        .await?;
    let mut verified = 0;
    for (id, name) in pending {
        match crate_lookup::lookup(state, &name).await {
            Lookup::Found { facts, .. } => {
                let now = state.clock.now();
                state
                    .db
                    .write(move |tx| Ok(nomination::mark_verified(tx, id, &facts, now)?))
                    .await?;
                verified += 1;
            }
            Lookup::NotFound => {
                tracing::warn!(nomination = id, crate_name = %name, "nominated crate is not on crates.io")
            }
            // Still unreachable: stop here and try again on the next round.
            Lookup::Unreachable(_) => break,
        }
    }
    Ok(verified)
}

/// Check the credits crates.io did not answer for at nomination time: an owner becomes a
/// self-suggestion, a claim not borne out is marked for the desk. Returns how many were checked.
pub async fn check_pending_owners(state: &AppState) -> Result<usize, AppError> {
    let pending = state
        .db
        .read(|conn| Ok(nomination::unchecked_owners(conn, 50)?))
        .await?;
    let mut checked = 0;
    for (nomination_id, user_id, name, login) in pending {
        // Still unreachable: stop here and try again on the next round.
        let Some(owners) = crate_lookup::owners(state, &name).await else {
            break;
        };
        let says_self = state
            .db
            .read(move |conn| Ok(nomination::says_self_suggestion(conn, nomination_id, user_id)?))
            .await?;
        let check = crate_lookup::owner_check(Some(&owners), &login, says_self);
        state
            .db
            .write(move |tx| {
                Ok(nomination::set_owner_check(
                    tx,
                    nomination_id,
                    user_id,
                    check.as_stored(),
                    check.self_suggestion(says_self),
                )?)
            })
            .await?;
        checked += 1;
    }
    Ok(checked)
}
