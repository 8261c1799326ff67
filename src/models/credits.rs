//! Who is thanked for a nomination: its site nominators and the forum posts that suggested
//! it, first credited first.

use crate::db::DbConnection;
use crate::schema::{nominators, users};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// One person credited for a nomination: a site user, or the poster of a forum suggestion.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Credit {
    /// `None` for a forum poster (not an account here).
    pub user_id: Option<i32>,
    pub login: String,
    pub name: String,
    pub self_suggestion: bool,
    /// What the crates.io owners check said (`owner`, `not_owner`, `unchecked`; `None`: not
    /// checked, or not claimed).
    pub owner_check: Option<String>,
    /// Set for a forum credit: the post it links to, and the post's likes.
    pub forum: Option<ForumPostRef>,
    #[serde(skip)]
    pub at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ForumPostRef {
    pub permalink: String,
    pub likes: i64,
}

/// (nomination, user, self-suggestion, login, name, since, owner check, deleted, credited as),
/// as read.
type SiteCreditRow = (
    i32,
    i32,
    bool,
    String,
    Option<String>,
    NaiveDateTime,
    Option<String>,
    Option<NaiveDateTime>,
    Option<String>,
);

/// Nominators of each nomination in `ids`, first nominator first.
pub fn credits(conn: &mut DbConnection, ids: &[i32]) -> QueryResult<Vec<(i32, Credit)>> {
    let rows: Vec<SiteCreditRow> = nominators::table
        .inner_join(users::table)
        .filter(nominators::nomination_id.eq_any(ids))
        .order((
            nominators::nomination_id,
            nominators::created_at,
            nominators::user_id,
        ))
        .select((
            nominators::nomination_id,
            users::id,
            nominators::self_suggestion,
            users::login,
            users::name,
            nominators::created_at,
            nominators::owner_check,
            users::deleted_at,
            nominators::credited_as,
        ))
        .load(conn)?;
    let mut out: Vec<(i32, Credit)> = rows
        .into_iter()
        .filter_map(
            |(
                nomination_id,
                user_id,
                self_suggestion,
                login,
                name,
                at,
                owner_check,
                deleted,
                credited_as,
            )| {
                // A deleted account is credited only where an attribution printed its name (kept
                // then as `credited_as`), and links to no profile.
                if deleted.is_some() {
                    return credited_as.map(|name| {
                        (
                            nomination_id,
                            Credit {
                                user_id: None,
                                login: String::new(),
                                name,
                                self_suggestion,
                                owner_check: None,
                                forum: None,
                                at,
                            },
                        )
                    });
                }
                let name = name
                    .filter(|n| !n.trim().is_empty())
                    .unwrap_or_else(|| login.clone());
                Some((
                    nomination_id,
                    Credit {
                        user_id: Some(user_id),
                        login,
                        name,
                        self_suggestion,
                        owner_check,
                        forum: None,
                        at,
                    },
                ))
            },
        )
        .collect();
    for c in crate::models::forum::credits(conn, ids)? {
        out.push((
            c.nomination_id,
            Credit {
                user_id: None,
                login: c.post.username.clone(),
                name: c.post.credit_name().to_string(),
                self_suggestion: c.self_suggestion,
                owner_check: None,
                forum: Some(ForumPostRef {
                    permalink: c.post.permalink.clone(),
                    likes: i64::from(c.post.likes),
                }),
                at: c.post.posted_at,
            },
        ));
    }
    // Per nomination, first credited first, wherever the credit came from.
    out.sort_by(|(a, x), (b, y)| a.cmp(b).then(x.at.cmp(&y.at)));
    Ok(out)
}
