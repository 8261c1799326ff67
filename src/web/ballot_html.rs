//! The ballot's HTML. Each entry is rendered once per kind of visitor (its `Shape`) and kept
//! with the open week's snapshot; a page is put together from those pieces. The pieces carry
//! nothing about the visitor beyond the shape: the vote buttons submit the page's own forms,
//! which hold the CSRF token.

use super::view::ballot::{self, Personal};
use crate::cache::{FragmentKey, View};
use crate::domain::validate::Category;
use crate::error::AppError;
use crate::models::ballot::{Entry, RankedWeek};
use crate::state::AppState;
use serde::Serialize;

/// One category of the ballot page: its entries' HTML for this visitor, put together.
#[derive(Debug, Serialize)]
pub struct BallotCategory {
    pub key: &'static str,
    pub heading: &'static str,
    /// Made by our own template with escaping (`{{{entries_html}}}` in `index.hbs`).
    pub entries_html: String,
}

/// The `categories` of the ballot page: key, heading and the entries' HTML for this visitor.
/// `view` is the snapshot the ranking came from (the open week); without one nothing is kept.
pub fn categories(
    state: &AppState,
    ranked: &RankedWeek,
    view: Option<&View>,
    personal: &Personal,
    week_open: bool,
) -> Result<Vec<BallotCategory>, AppError> {
    let mut list = Vec::with_capacity(Category::ALL.len());
    for c in Category::ALL {
        let picked = ranked.picks.get(c).as_ref();
        let entries = ranked.categories.get(c);
        let shapes: Vec<ballot::Shape> = entries
            .iter()
            .map(|e| ballot::shape(e, personal, week_open))
            .collect();
        let render = |i: usize| render_entry(state, &entries[i], shapes[i], picked);
        let pieces = match view {
            Some(view) => {
                let keys: Vec<FragmentKey> = entries
                    .iter()
                    .zip(&shapes)
                    .map(|(e, s)| FragmentKey {
                        nomination_id: e.nomination_id,
                        rank: e.rank,
                        votes: e.votes,
                        shape: s.bits(),
                    })
                    .collect();
                state.ballot.fragments(view, &keys, render)?
            }
            None => (0..entries.len())
                .map(|i| render(i).map(Into::into))
                .collect::<Result<_, _>>()?,
        };
        let mut html = String::with_capacity(pieces.iter().map(|p| p.len()).sum());
        for piece in &pieces {
            html.push_str(piece);
        }
        list.push(BallotCategory {
            key: c.as_str(),
            heading: c.heading(),
            entries_html: html,
        });
    }
    Ok(list)
}

fn render_entry(
    state: &AppState,
    entry: &Entry,
    shape: ballot::Shape,
    picked: Option<&crate::models::ballot::PickView>,
) -> Result<String, AppError> {
    state
        .templates
        .render("ballot_entry", &ballot::entry_shaped(entry, shape, picked))
        .map_err(|e| AppError::internal(format!("template ballot_entry: {e}")))
}
