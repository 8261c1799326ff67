//! Votes: one per user per category per week, decided by the unique key in one statement.

use crate::db::{Change, DbConnection, Mergeable, Tx};
use crate::domain::validate::Category;
use crate::error::AppError;
use crate::schema::votes;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::upsert::excluded;

/// Cast or move this user's vote in `category` for week `issue`. A single upsert on the unique
/// key (user, week, category): concurrent requests leave exactly one row.
pub fn cast(
    tx: &mut Tx<'_>,
    user_id: i32,
    issue: i32,
    category: Category,
    nomination_id: i32,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    tx.changed(Change::Vote {
        issue,
        user_id,
        category,
        nomination: Some(nomination_id),
    });
    let conn: &mut DbConnection = tx;
    let now = now.naive_utc();
    // The query builder's upsert, per backend (`MultiConnection` has none): a statement of a
    // fixed shape, so each connection prepares it once (the hot path of every vote).
    macro_rules! upsert {
        ($conn:expr) => {
            diesel::insert_into(votes::table)
                .values((
                    votes::user_id.eq(user_id),
                    votes::week_issue.eq(issue),
                    votes::category.eq(category.as_str()),
                    votes::nomination_id.eq(nomination_id),
                    votes::withdrawn.eq(false),
                    votes::created_at.eq(now),
                    votes::updated_at.eq(now),
                ))
                .on_conflict((votes::user_id, votes::week_issue, votes::category))
                .do_update()
                .set((
                    votes::nomination_id.eq(nomination_id),
                    votes::withdrawn.eq(false),
                    votes::updated_at.eq(now),
                ))
                .execute($conn)
        };
    }
    match conn {
        DbConnection::Sqlite(c) => upsert!(c)?,
        DbConnection::Pg(c) => upsert!(c)?,
    };
    Ok(())
}

/// A vote to cast or move, queued to be written together with the votes beside it
/// (`Db::write_mergeable`): a batch of votes is one upsert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewVote {
    pub user_id: i32,
    pub issue: i32,
    pub category: Category,
    pub nomination_id: i32,
    pub now: DateTime<Utc>,
}

impl NewVote {
    /// The unique key: a later vote with the same key moves this one.
    fn key(&self) -> (i32, i32, Category) {
        (self.user_id, self.issue, self.category)
    }
}

impl Mergeable for NewVote {
    fn write_together(tx: &mut Tx<'_>, items: &[&Self]) -> Result<(), AppError> {
        // One row per key, the last one queued: PostgreSQL refuses an upsert that touches a
        // row twice, and casting them in turn would leave the last one standing.
        let mut rows: Vec<&NewVote> = Vec::with_capacity(items.len());
        for item in items {
            tx.changed(Change::Vote {
                issue: item.issue,
                user_id: item.user_id,
                category: item.category,
                nomination: Some(item.nomination_id),
            });
            match rows.iter_mut().find(|row| row.key() == item.key()) {
                Some(row) => *row = item,
                None => rows.push(item),
            }
        }
        // In key order: two PostgreSQL writer threads upserting overlapping runs of votes then
        // lock their rows in the same order (other writes in the same batches can still cross;
        // PostgreSQL detects that and the batch falls back to one write at a time).
        rows.sort_by_key(|v| v.key());
        let rows: Vec<_> = rows
            .iter()
            .map(|v| {
                let now = v.now.naive_utc();
                (
                    votes::user_id.eq(v.user_id),
                    votes::week_issue.eq(v.issue),
                    votes::category.eq(v.category.as_str()),
                    votes::nomination_id.eq(v.nomination_id),
                    votes::withdrawn.eq(false),
                    votes::created_at.eq(now),
                    votes::updated_at.eq(now),
                )
            })
            .collect();
        let conn: &mut DbConnection = tx;
        macro_rules! upsert {
            ($conn:expr) => {
                diesel::insert_into(votes::table)
                    .values(&rows)
                    .on_conflict((votes::user_id, votes::week_issue, votes::category))
                    .do_update()
                    .set((
                        votes::nomination_id.eq(excluded(votes::nomination_id)),
                        votes::withdrawn.eq(false),
                        votes::updated_at.eq(excluded(votes::updated_at)),
                    ))
                    .execute($conn)
            };
        }
        match conn {
            DbConnection::Sqlite(c) => upsert!(c)?,
            DbConnection::Pg(c) => upsert!(c)?,
        };
        Ok(())
    }

    fn write_alone(&self, tx: &mut Tx<'_>) -> Result<(), AppError> {
        Ok(cast(
            tx,
            self.user_id,
            self.issue,
            self.category,
            self.nomination_id,
            self.now,
        )?)
    }
}

/// Withdraw this user's vote (a flag: the row stays). Returns whether there was one.
pub fn withdraw(
    tx: &mut Tx<'_>,
    user_id: i32,
    issue: i32,
    category: Category,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    let conn: &mut DbConnection = tx;
    let n = diesel::update(
        votes::table
            .filter(votes::user_id.eq(user_id))
            .filter(votes::week_issue.eq(issue))
            .filter(votes::category.eq(category.as_str()))
            .filter(votes::withdrawn.eq(false)),
    )
    .set((votes::withdrawn.eq(true), votes::updated_at.eq(now.naive_utc())))
    .execute(conn)?;
    tx.changed(match n {
        0 => Change::Nothing,
        _ => Change::Vote {
            issue,
            user_id,
            category,
            nomination: None,
        },
    });
    Ok(n > 0)
}

/// This user's standing votes in week `issue`: (category, nomination id).
pub fn mine(conn: &mut DbConnection, user_id: i32, issue: i32) -> QueryResult<Vec<(String, i32)>> {
    votes::table
        .filter(votes::user_id.eq(user_id))
        .filter(votes::week_issue.eq(issue))
        .filter(votes::withdrawn.eq(false))
        .select((votes::category, votes::nomination_id))
        .load(conn)
}

/// One counted vote of a week, with what is known of its voter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountedVote {
    pub user_id: i32,
    pub category: Category,
    pub nomination_id: i32,
    /// When it was cast or last moved.
    pub cast_at: chrono::NaiveDateTime,
    pub voter_github_created_at: Option<chrono::NaiveDateTime>,
}

impl CountedVote {
    /// As `domain::vote_bursts` reads it.
    pub fn as_cast(&self) -> crate::domain::vote_bursts::CastVote {
        crate::domain::vote_bursts::CastVote {
            nomination_id: self.nomination_id,
            cast_at: self.cast_at,
            github_created_at: self.voter_github_created_at,
        }
    }
}

/// The votes of week `issue` that count (`counted`): the in-memory tally and the desk's
/// vote-burst check both read this.
pub fn counted_in_week(conn: &mut DbConnection, issue: i32) -> QueryResult<Vec<CountedVote>> {
    use crate::schema::users;
    let rows: Vec<(
        i32,
        String,
        i32,
        chrono::NaiveDateTime,
        Option<chrono::NaiveDateTime>,
    )> = votes::table
        .inner_join(users::table)
        .filter(votes::week_issue.eq(issue))
        .filter(counted())
        .select((
            votes::user_id,
            votes::category,
            votes::nomination_id,
            votes::updated_at,
            users::github_created_at,
        ))
        .load(conn)?;
    // An unknown category is an error (the schema's CHECK forbids one), never dropped.
    rows.into_iter()
        .map(
            |(user_id, category, nomination_id, cast_at, voter_github_created_at): (i32, String, _, _, _)| {
                Ok(CountedVote {
                    user_id,
                    category: Category::try_from(category)
                        .map_err(|e| diesel::result::Error::DeserializationError(e.into()))?,
                    nomination_id,
                    cast_at,
                    voter_github_created_at,
                })
            },
        )
        .collect()
}

/// `domain::ballot::vote_counts` in SQL, for queries over votes joined with their voters.
pub fn counted() -> diesel::dsl::And<
    diesel::dsl::Eq<votes::withdrawn, bool>,
    diesel::dsl::Eq<crate::schema::users::banned, bool>,
> {
    votes::withdrawn
        .eq(false)
        .and(crate::schema::users::banned.eq(false))
}
