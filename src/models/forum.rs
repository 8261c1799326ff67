//! The forum bridge's rows: posts read from the two threads (keyed by Discourse's post id, so
//! a post is stored once however often and by however many instances it is read), the
//! nominations they credit, when each thread was last read, and the polling lease.

use crate::db::{Change, DbConnection, Tx};
use crate::domain::validate::Category;
use crate::schema::{forum_credits, forum_posts, nominations, picks, users};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

/// What a stored post was read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostReading {
    Suggestion,
    Discussion,
    NeedsLook,
    /// Deleted or hidden on the forum.
    Gone,
}

impl PostReading {
    pub fn as_str(self) -> &'static str {
        match self {
            PostReading::Suggestion => "suggestion",
            PostReading::Discussion => "discussion",
            PostReading::NeedsLook => "needs_look",
            PostReading::Gone => "gone",
        }
    }

    pub fn parse(s: &str) -> PostReading {
        match s {
            "suggestion" => PostReading::Suggestion,
            "needs_look" => PostReading::NeedsLook,
            "gone" => PostReading::Gone,
            _ => PostReading::Discussion,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = forum_posts)]
pub struct StoredPost {
    pub post_id: i64,
    pub topic_id: i64,
    pub topic_slug: String,
    pub post_number: i32,
    pub permalink: String,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub category: Category,
    pub username: String,
    pub name: Option<String>,
    pub posted_at: NaiveDateTime,
    pub edited_at: NaiveDateTime,
    pub cooked: String,
    pub likes: i32,
    pub reading: String,
    pub problem: Option<String>,
    pub draft: Option<String>,
    pub week_issue: i32,
    pub first_read_at: NaiveDateTime,
    pub read_at: NaiveDateTime,
}

impl StoredPost {
    /// The name TWiR credits: the forum's display name, else the username.
    pub fn credit_name(&self) -> &str {
        self.name
            .as_deref()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or(&self.username)
    }

    pub fn reading(&self) -> PostReading {
        PostReading::parse(&self.reading)
    }
}

pub fn find(conn: &mut DbConnection, post_id: i64) -> QueryResult<Option<StoredPost>> {
    forum_posts::table
        .find(post_id)
        .select(StoredPost::as_select())
        .first(conn)
        .optional()
}

/// Every post of `topic` read so far: id → post number (the stream tells which are new).
pub fn known_ids(conn: &mut DbConnection, topic: i64) -> QueryResult<Vec<i64>> {
    forum_posts::table
        .filter(forum_posts::topic_id.eq(topic))
        .select(forum_posts::post_id)
        .load(conn)
}

/// Posts of `topic` in weeks `from_issue` or later that are still on the forum: their likes
/// and edits are read again while their nominations can still be voted on.
pub fn live_since(conn: &mut DbConnection, topic: i64, from_issue: i32) -> QueryResult<Vec<StoredPost>> {
    forum_posts::table
        .filter(forum_posts::topic_id.eq(topic))
        .filter(forum_posts::week_issue.ge(from_issue))
        .filter(forum_posts::reading.ne(PostReading::Gone.as_str()))
        .order(forum_posts::post_id)
        .select(StoredPost::as_select())
        .load(conn)
}

/// Posts that looked like suggestions but could not be read, newest first, for the desk.
pub fn needing_a_look(conn: &mut DbConnection, from_issue: i32) -> QueryResult<Vec<StoredPost>> {
    forum_posts::table
        .filter(forum_posts::reading.eq(PostReading::NeedsLook.as_str()))
        .filter(forum_posts::week_issue.ge(from_issue))
        .order(forum_posts::posted_at.desc())
        .select(StoredPost::as_select())
        .load(conn)
}

/// An editor dismisses a post that needed a look: a discussion from now on (`dismissed_at`
/// keeps it so through later reads). False when it was not waiting for a look.
pub fn dismiss(tx: &mut Tx<'_>, post_id: i64, now: DateTime<Utc>) -> QueryResult<bool> {
    tx.changed(Change::Nothing);
    let n = diesel::update(
        forum_posts::table
            .find(post_id)
            .filter(forum_posts::reading.eq(PostReading::NeedsLook.as_str())),
    )
    .set((
        forum_posts::reading.eq(PostReading::Discussion.as_str()),
        forum_posts::dismissed_at.eq(Some(now.naive_utc())),
    ))
    .execute(tx.conn())?;
    Ok(n > 0)
}

/// Was this post dismissed by an editor?
pub fn is_dismissed(conn: &mut DbConnection, post_id: i64) -> QueryResult<bool> {
    let at: Option<Option<chrono::NaiveDateTime>> = forum_posts::table
        .find(post_id)
        .select(forum_posts::dismissed_at)
        .first(conn)
        .optional()?;
    Ok(at.flatten().is_some())
}

/// Store a post read for the first time. `false` when it was already stored (by this or
/// another instance): the caller then leaves it alone.
pub fn insert(tx: &mut Tx<'_>, post: &StoredPost) -> QueryResult<bool> {
    tx.changed(Change::Ballot);
    let conn: &mut DbConnection = tx;
    if find(conn, post.post_id)?.is_some() {
        return Ok(false);
    }
    diesel::insert_into(forum_posts::table)
        .values(post.clone())
        .execute(conn)?;
    Ok(true)
}

/// Store what a later read found: likes, the text as edited, and what it now reads as.
pub fn update(tx: &mut Tx<'_>, post: &StoredPost) -> QueryResult<usize> {
    tx.changed(Change::Ballot);
    let conn: &mut DbConnection = tx;
    diesel::update(forum_posts::table.find(post.post_id))
        .set((
            forum_posts::name.eq(&post.name),
            forum_posts::edited_at.eq(post.edited_at),
            forum_posts::cooked.eq(&post.cooked),
            forum_posts::likes.eq(post.likes),
            forum_posts::reading.eq(&post.reading),
            forum_posts::problem.eq(&post.problem),
            forum_posts::draft.eq(&post.draft),
            forum_posts::read_at.eq(post.read_at),
        ))
        .execute(conn)
}

/// Only the likes changed (the common case when re-reading).
pub fn set_likes(tx: &mut Tx<'_>, post_id: i64, likes: i32, now: DateTime<Utc>) -> QueryResult<usize> {
    tx.changed(Change::Ballot);
    let conn: &mut DbConnection = tx;
    diesel::update(forum_posts::table.find(post_id))
        .set((
            forum_posts::likes.eq(likes),
            forum_posts::read_at.eq(now.naive_utc()),
        ))
        .execute(conn)
}

pub fn credit(tx: &mut Tx<'_>, post_id: i64, nomination_id: i32, self_suggestion: bool) -> QueryResult<()> {
    tx.changed(Change::Ballot);
    let conn: &mut DbConnection = tx;
    let exists: i64 = forum_credits::table
        .find((post_id, nomination_id))
        .count()
        .get_result(conn)?;
    if exists == 0 {
        diesel::insert_into(forum_credits::table)
            .values((
                forum_credits::post_id.eq(post_id),
                forum_credits::nomination_id.eq(nomination_id),
                forum_credits::self_suggestion.eq(self_suggestion),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The nominations a post credits.
pub fn credited_by(conn: &mut DbConnection, post_id: i64) -> QueryResult<Vec<i32>> {
    forum_credits::table
        .filter(forum_credits::post_id.eq(post_id))
        .select(forum_credits::nomination_id)
        .load(conn)
}

/// A credit from the forum: the post that suggested a nomination.
#[derive(Debug, Clone)]
pub struct ForumCredit {
    pub nomination_id: i32,
    pub post: StoredPost,
    pub self_suggestion: bool,
}

/// The live forum credits of `ids`, oldest post first.
pub fn credits(conn: &mut DbConnection, ids: &[i32]) -> QueryResult<Vec<ForumCredit>> {
    let rows: Vec<(i32, bool, StoredPost)> = forum_credits::table
        .inner_join(forum_posts::table)
        .filter(forum_credits::nomination_id.eq_any(ids))
        .filter(forum_posts::reading.eq(PostReading::Suggestion.as_str()))
        .order((forum_posts::posted_at, forum_posts::post_id))
        .select((
            forum_credits::nomination_id,
            forum_credits::self_suggestion,
            StoredPost::as_select(),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(nomination_id, self_suggestion, post)| ForumCredit {
            nomination_id,
            post,
            self_suggestion,
        })
        .collect())
}

/// Whether a nomination is the standing pick of its week (then forum edits leave it alone).
pub fn is_picked(conn: &mut DbConnection, nomination_id: i32) -> QueryResult<bool> {
    let n: i64 = picks::table
        .filter(picks::nomination_id.eq(nomination_id))
        .filter(picks::unpicked_at.is_null())
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Whether anyone else still credits a nomination: a site nominator, or another live post.
pub fn credited_elsewhere(conn: &mut DbConnection, nomination_id: i32, post_id: i64) -> QueryResult<bool> {
    use crate::schema::nominators;
    let site: i64 = nominators::table
        .filter(nominators::nomination_id.eq(nomination_id))
        .count()
        .get_result(conn)?;
    let forum: i64 = forum_credits::table
        .inner_join(forum_posts::table)
        .filter(forum_credits::nomination_id.eq(nomination_id))
        .filter(forum_credits::post_id.ne(post_id))
        .filter(forum_posts::reading.eq(PostReading::Suggestion.as_str()))
        .count()
        .get_result(conn)?;
    Ok(site + forum > 0)
}

/// Whether the nomination was created from this post (filed under the forum's account, and
/// this is its first forum credit): then an edit of the post rewords it.
pub fn created_from(
    conn: &mut DbConnection,
    nomination_id: i32,
    post_id: i64,
    forum_account: i32,
) -> QueryResult<bool> {
    let first: Option<i64> = forum_credits::table
        .inner_join(forum_posts::table)
        .filter(forum_credits::nomination_id.eq(nomination_id))
        .order((forum_posts::posted_at, forum_posts::post_id))
        .select(forum_credits::post_id)
        .first(conn)
        .optional()?;
    let filed_by: Option<i32> = nominations::table
        .find(nomination_id)
        .select(nominations::nominated_by)
        .first(conn)
        .optional()?;
    Ok(first == Some(post_id) && filed_by == Some(forum_account))
}

/// The account forum nominations are filed under: one per forum, named by its host (a dot
/// cannot be in a GitHub login, so no one can log in as it). Nobody is thanked as it: the
/// posts are.
pub fn forum_account(tx: &mut Tx<'_>, host: &str, now: DateTime<Utc>) -> QueryResult<i32> {
    tx.changed(Change::Nothing);
    let conn: &mut DbConnection = tx;
    let find = |conn: &mut DbConnection| {
        users::table
            .filter(users::github_id.is_null())
            .filter(users::login.eq(host))
            .select(users::id)
            .first::<i32>(conn)
            .optional()
    };
    if let Some(id) = find(conn)? {
        return Ok(id);
    }
    let now = now.naive_utc();
    diesel::insert_into(users::table)
        .values((
            users::login.eq(host),
            users::name.eq(Some("the forum")),
            users::created_at.eq(now),
            users::updated_at.eq(now),
        ))
        .execute(conn)?;
    find(conn)?.ok_or(diesel::result::Error::NotFound)
}
