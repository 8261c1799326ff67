//! Filing a nomination: the one way a crate or a quote gets on the ballot, whoever brings it
//! (a member's form, a forum post, an editor reading a forum post that needed a look). Runs
//! inside the caller's write, after `nomination::lock_week`, so the checks below see
//! everything committed before:
//!
//! 1. a past winner counts against the open week (the ballot it would stand on), by
//!    `domain::ballot::too_recent_a_winner`;
//! 2. a nomination with the same dedupe key on the ballot is joined, never doubled;
//! 3. a new nomination is inserted, its `nomination.created` webhook queued and the caller's
//!    audit row written, all in this transaction.
//!
//! Metrics are the caller's, after the commit (`Filed::counts`).

use crate::db::Tx;
use crate::domain::ballot as ballot_rule;
use crate::domain::validate::ValidNomination;
use crate::error::AppError;
use crate::models::audit::{self, Entry as AuditEntry};
use crate::models::ballot;
use crate::models::nomination::{self, CrateFacts};
use crate::settings::Settings;
use chrono::{DateTime, NaiveDateTime, Utc};

/// Who brings the nomination.
pub enum Filer<'a> {
    /// A member through the form: thanked as a nominator (or co-nominator), at most
    /// `domain::ballot::PER_USER_WEEKLY_LIMIT` a category since the open week opened.
    Member {
        user_id: i32,
        self_suggestion: bool,
        /// What the crates.io owners check said, as stored.
        owner_check: Option<&'a str>,
        week_opened: NaiveDateTime,
    },
    /// A forum post: filed under the forum's account in the post's week; the caller credits
    /// the post (`models::forum::credit`) to whatever nomination this returns.
    Forum { account: i32, week_issue: i32 },
}

/// What filing did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filed {
    Created(i32),
    /// It was on the ballot already: joined.
    Joined(i32),
    /// The member had nominated it already: nothing changed.
    AlreadyTheirs(i32),
}

impl Filed {
    pub fn id(self) -> i32 {
        match self {
            Filed::Created(id) | Filed::Joined(id) | Filed::AlreadyTheirs(id) => id,
        }
    }

    /// Whether it counts as a nomination in the metrics (made or joined).
    pub fn counts(self) -> bool {
        !matches!(self, Filed::AlreadyTheirs(_))
    }
}

/// Why it was not filed (each caller words it for its reader).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotFiled {
    /// Featured in this issue, too recently to come back.
    PastWinner(i32),
    /// The member's weekly limit in this category.
    Limit,
}

/// The nomination to file, with what crates.io said of it.
pub struct Filing<'a> {
    pub valid: &'a ValidNomination,
    pub facts: Option<&'a CrateFacts>,
    pub filer: Filer<'a>,
    /// The open week: the ballot it goes on.
    pub open_issue: i32,
    /// Written when something was filed (made or joined), its target the nomination.
    pub audit: Option<AuditEntry>,
}

/// Files `filing` (see the module's rules).
pub fn file(
    tx: &mut Tx<'_>,
    settings: &Settings,
    filing: Filing<'_>,
    now: DateTime<Utc>,
) -> Result<Result<Filed, NotFiled>, AppError> {
    let Filing {
        valid,
        facts,
        filer,
        open_issue,
        audit,
    } = filing;
    let key = valid.dedupe_key();
    let category = valid.category();
    if let Some(won) = nomination::last_win(tx, category, &key)? {
        if ballot_rule::too_recent_a_winner(Some(won), open_issue, settings.allow_repeat_after_weeks) {
            return Ok(Err(NotFiled::PastWinner(won)));
        }
    }
    let existing =
        ballot::on_ballot_by_key(tx, category, &key, open_issue, settings.ballot_weeks)?.map(|n| n.id);
    // The week it is filed in: the open one, or a forum post's own (it may be older).
    let mut filed_in = open_issue;
    let filed = match filer {
        Filer::Member {
            user_id,
            self_suggestion,
            owner_check,
            week_opened,
        } => {
            if let Some(id) = existing {
                if nomination::is_nominator(tx, id, user_id)? {
                    return Ok(Ok(Filed::AlreadyTheirs(id)));
                }
            }
            if !ballot_rule::within_weekly_limit(nomination::count_by_user_since(
                tx,
                user_id,
                category,
                week_opened,
            )?) {
                return Ok(Err(NotFiled::Limit));
            }
            let filed = match existing {
                Some(id) => {
                    let words = nomination::OwnWords::of(valid);
                    nomination::add_nominator(tx, id, user_id, self_suggestion, &words, now)?;
                    Filed::Joined(id)
                }
                None => Filed::Created(nomination::insert(
                    tx, valid, open_issue, user_id, facts, false, now,
                )?),
            };
            nomination::set_owner_check(tx, filed.id(), user_id, owner_check, self_suggestion)?;
            filed
        }
        Filer::Forum { account, week_issue } => match existing {
            Some(id) => Filed::Joined(id),
            None => {
                filed_in = week_issue.min(open_issue);
                Filed::Created(nomination::insert_from_forum(
                    tx, valid, filed_in, account, facts, now,
                )?)
            }
        },
    };
    if let Filed::Created(id) = filed {
        let event = super::webhooks::nomination_created(settings, filed_in, id, valid);
        super::webhooks::queue(tx, settings, &event)?;
    }
    if let Some(mut entry) = audit {
        entry.target = format!("nomination {}", filed.id());
        audit::record(tx, entry, now)?;
    }
    Ok(Ok(filed))
}
