//! The nominator's own words, kept from an editor's first edit of a nomination's wording (the
//! nomination row then holds the editors' wording, which every attribution prints).

use crate::db::{Change, DbConnection, Tx};
use crate::models::nomination::Nomination;
use crate::schema::original_wording;
use chrono::{DateTime, Utc};
use diesel::prelude::*;

/// Keep `n`'s words as the nominator wrote them, unless kept already (a later edit changes
/// only the editors' wording).
pub fn keep_original(tx: &mut Tx<'_>, n: &Nomination, now: DateTime<Utc>) -> QueryResult<()> {
    tx.changed(Change::Nothing);
    let conn: &mut DbConnection = tx;
    if is_edited(conn, n.id)? {
        return Ok(());
    }
    diesel::insert_into(original_wording::table)
        .values((
            original_wording::nomination_id.eq(n.id),
            original_wording::pitch.eq(&n.pitch),
            original_wording::why.eq(&n.why),
            original_wording::url.eq(&n.url),
            original_wording::quote_text.eq(&n.quote_text),
            original_wording::author.eq(&n.author),
            original_wording::where_said.eq(&n.where_said),
            original_wording::source_url.eq(&n.source_url),
            original_wording::first_edited_at.eq(now.naive_utc()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Whether the editors reworded this nomination.
pub fn is_edited(conn: &mut DbConnection, id: i32) -> QueryResult<bool> {
    let n: i64 = original_wording::table.find(id).count().get_result(conn)?;
    Ok(n > 0)
}

/// A reworded nomination's own words: (id, pitch, quote text) as its nominator wrote them.
pub type Original = (i32, Option<String>, Option<String>);

/// The nominator's own words of each reworded nomination among `ids`.
pub fn originals(conn: &mut DbConnection, ids: &[i32]) -> QueryResult<Vec<Original>> {
    original_wording::table
        .filter(original_wording::nomination_id.eq_any(ids))
        .select((
            original_wording::nomination_id,
            original_wording::pitch,
            original_wording::quote_text,
        ))
        .load(conn)
}
