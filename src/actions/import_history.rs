//! `twir-picks import-history DIR`: every issue file in DIR read with `history`, its picks
//! stored as featured history. Idempotent: what is already there is left as it is.

use crate::db::Db;
use crate::domain::validate::Category;
use crate::history::{self, Section};
use crate::models::history::{self as stored, Featured};
use chrono::{DateTime, Utc};
use std::path::{Path, PathBuf};

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ImportReport {
    pub issues_read: usize,
    pub crates_found: usize,
    pub quotes_found: usize,
    pub added: usize,
    pub already_there: usize,
    pub weeks_without_crate: usize,
    pub weeks_without_quote: usize,
    /// (file, section, why): a section is there but nothing could be taken from it.
    pub unreadable: Vec<(String, &'static str, String)>,
    /// (file, why): not an issue file.
    pub skipped: Vec<(String, String)>,
}

impl std::fmt::Display for ImportReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "issues read: {}", self.issues_read)?;
        writeln!(f, "crates found: {}", self.crates_found)?;
        writeln!(f, "quotes found: {}", self.quotes_found)?;
        writeln!(
            f,
            "added: {} (already imported: {})",
            self.added, self.already_there
        )?;
        writeln!(
            f,
            "weeks without a crate: {}, without a quote: {}",
            self.weeks_without_crate, self.weeks_without_quote
        )?;
        writeln!(f, "sections with nothing to take: {}", self.unreadable.len())?;
        for (file, section, why) in &self.unreadable {
            writeln!(f, "  {file}: {section}: {why}")?;
        }
        if !self.skipped.is_empty() {
            writeln!(f, "files that are not issues: {}", self.skipped.len())?;
            for (file, why) in &self.skipped {
                writeln!(f, "  {file}: {why}")?;
            }
        }
        Ok(())
    }
}

/// Every `.md` and `.markdown` file below `dir`, in name order.
pub fn issue_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for entry in std::fs::read_dir(&d)? {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else if matches!(path.extension().and_then(|e| e.to_str()), Some("md" | "markdown")) {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Import `files`; `tick` is called after each (for a progress bar).
pub fn import(
    db: &Db,
    root: &Path,
    files: &[PathBuf],
    now: DateTime<Utc>,
    mut tick: impl FnMut(),
) -> anyhow::Result<ImportReport> {
    let mut report = ImportReport::default();
    for path in files {
        let shown = path.strip_prefix(root).unwrap_or(path).display().to_string();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let parsed = match std::fs::read(path) {
            Ok(bytes) => history::parse_issue(name, &String::from_utf8_lossy(&bytes)),
            Err(e) => Err(format!("cannot be read: {e}")),
        };
        let issue = match parsed {
            Ok(issue) => issue,
            Err(why) => {
                report.skipped.push((shown, why));
                tick();
                continue;
            }
        };
        report.issues_read += 1;
        let mut rows = Vec::new();
        let row = |category: Category,
                   position: i32,
                   name: String,
                   key: String,
                   url: Option<String>,
                   body: String,
                   credits: Option<String>| Featured {
            id: 0,
            issue: issue.issue,
            published_on: issue.date.clone(),
            category,
            position,
            name,
            dedupe_key: key,
            url,
            body,
            credits,
            source_file: shown.clone(),
            imported_at: now.naive_utc(),
        };
        match &issue.crates {
            Section::Found(crates) => {
                report.crates_found += crates.len();
                for (i, c) in crates.iter().enumerate() {
                    rows.push(row(
                        Category::Crate,
                        i as i32,
                        c.name.clone(),
                        c.key(),
                        c.url.clone(),
                        c.body.clone(),
                        c.credits.clone(),
                    ));
                }
            }
            Section::NoneThatWeek => report.weeks_without_crate += 1,
            Section::Unreadable(why) => {
                report
                    .unreadable
                    .push((shown.clone(), "Crate of the Week", why.clone()))
            }
            Section::Missing => {}
        }
        match &issue.quote {
            Section::Found(q) => {
                report.quotes_found += 1;
                let name = q
                    .attribution
                    .clone()
                    .unwrap_or_else(|| format!("Quote of the Week {}", issue.issue));
                rows.push(row(
                    Category::Quote,
                    0,
                    name,
                    q.key(),
                    q.url.clone(),
                    q.body.clone(),
                    q.credits.clone(),
                ));
            }
            Section::NoneThatWeek => report.weeks_without_quote += 1,
            Section::Unreadable(why) => {
                report
                    .unreadable
                    .push((shown.clone(), "Quote of the Week", why.clone()))
            }
            Section::Missing => {}
        }
        // One issue, one transaction: a failure keeps the issues imported before it.
        let added = db.write_blocking(|tx| {
            let mut added = 0;
            for r in &rows {
                if stored::insert_if_new(tx, r)? {
                    added += 1;
                }
            }
            Ok(added)
        })?;
        report.added += added;
        report.already_there += rows.len() - added;
        tick();
    }
    Ok(report)
}
