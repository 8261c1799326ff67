//! The ballot's HTML. Each entry is rendered once per kind of visitor (its `Shape`) and kept
//! for the open week's snapshot (`memo::PageMemo`); a page is put together from those pieces. The pieces carry
//! nothing about the visitor beyond the shape: the vote buttons submit the page's own forms,
//! which hold the CSRF token.

use super::memo::deflate::Piece;
use super::memo::{FragmentKey, PageMemo};
use super::view::ballot::{self, Personal};
use crate::cache::View;
use crate::domain::validate::Category;
use crate::error::AppError;
use crate::models::ballot::{ByCategory, Entry, RankedWeek};
use crate::state::AppState;
use serde::Serialize;
use std::sync::Arc;

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
    memo: &PageMemo,
    ranked: &RankedWeek,
    view: Option<&View>,
    personal: &Personal,
    week_open: bool,
) -> Result<Vec<BallotCategory>, AppError> {
    let kept = match view {
        Some(view) => Some(pieces(state, memo, ranked, view, personal, week_open)?),
        None => None,
    };
    let mut list = Vec::with_capacity(Category::ALL.len());
    for c in Category::ALL {
        let html = match &kept {
            Some(kept) => kept.get(c).iter().map(|(_, p)| p.plain.as_str()).collect(),
            None => {
                let picked = ranked.picks.get(c).as_ref();
                ranked
                    .categories
                    .get(c)
                    .iter()
                    .map(|e| render_entry(state, e, ballot::shape(e, personal, week_open), picked))
                    .collect::<Result<String, AppError>>()?
            }
        };
        list.push(BallotCategory {
            key: c.as_str(),
            heading: c.heading(),
            entries_html: html,
        });
    }
    Ok(list)
}

/// Each category's entries as this visitor sees them, plain and compressed, from the
/// snapshot `view` (made once per entry and shape, `PageMemo::fragments`).
pub struct EntryPieces(ByCategory<Vec<(FragmentKey, Arc<Piece>)>>);

impl EntryPieces {
    /// A category's entries in page order, with the keys they are kept under.
    pub fn get(&self, c: Category) -> &[(FragmentKey, Arc<Piece>)] {
        self.0.get(c)
    }

    fn all(&self) -> impl Iterator<Item = &Arc<Piece>> {
        Category::ALL
            .iter()
            .flat_map(|&c| self.0.get(c).iter().map(|(_, p)| p))
    }

    pub fn plain_len(&self) -> usize {
        self.all().map(|p| p.plain.len()).sum()
    }

    pub fn deflated_len(&self) -> usize {
        self.all().map(|p| p.deflated.len()).sum()
    }
}

pub fn pieces(
    state: &AppState,
    memo: &PageMemo,
    ranked: &RankedWeek,
    view: &View,
    personal: &Personal,
    week_open: bool,
) -> Result<EntryPieces, AppError> {
    let mut out: ByCategory<Vec<(FragmentKey, Arc<Piece>)>> = ByCategory::default();
    for c in Category::ALL {
        let picked = ranked.picks.get(c).as_ref();
        let entries = ranked.categories.get(c);
        let shapes: Vec<ballot::Shape> = entries
            .iter()
            .map(|e| ballot::shape(e, personal, week_open))
            .collect();
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
        let pieces = memo.fragments(view.version, &keys, |i| {
            render_entry(state, &entries[i], shapes[i], picked)
        })?;
        *out.get_mut(c) = keys.into_iter().zip(pieces).collect();
    }
    Ok(EntryPieces(out))
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
