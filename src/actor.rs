//! Who is acting: a logged-in user and the rights the database gives them. Checked by
//! `web::extract` on every request, used by `actions` without knowing about HTTP.

use crate::domain::eligibility;
use crate::models::user::User;
use chrono::{DateTime, Utc};

/// A logged-in user and what they may do.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: User,
    pub is_editor: bool,
}

impl CurrentUser {
    /// Old enough on GitHub to vote, and not banned (`domain::eligibility`).
    pub fn can_vote(&self, min_account_age_days: i64, now: DateTime<Utc>) -> bool {
        eligibility::can_vote(
            self.user.banned,
            self.user.github_created_at,
            min_account_age_days,
            now,
        )
    }

    pub fn account_old_enough(&self, min_account_age_days: i64, now: DateTime<Utc>) -> bool {
        eligibility::old_enough(self.user.github_created_at, min_account_age_days, now)
    }
}
