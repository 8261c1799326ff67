//! The operator's commands: moving the data (`copy`), backing it up (`backup`), and reading
//! the forum now (`forum sync`).

use super::with_state;
use crate::settings::Settings;
use std::io::IsTerminal;
use std::path::Path;

pub(super) fn copy(settings: &Settings, to: &str) -> anyhow::Result<()> {
    let target = crate::settings::DatabaseUrl::parse(to).map_err(|e| anyhow::anyhow!("--to: {e}"))?;
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} rows {elapsed}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let report = crate::copy::copy(&settings.database, &target, &|done, total| {
        if let Some(bar) = &bar {
            bar.set_length(total);
            bar.set_position(done);
        }
    })?;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    for (table, rows, sum) in &report.tables {
        println!("{table:<20} {rows:>8} rows  checksum {sum:016x}  same on both sides");
    }
    println!(
        "copied {} to {}: every table's row count and checksum match",
        settings.database.redacted(),
        target.redacted()
    );
    Ok(())
}

pub(super) fn backup(settings: &Settings, file: &Path) -> anyhow::Result<()> {
    let bytes = crate::backup::backup(&settings.database, file)?;
    println!(
        "backed up {} to {} ({:.1} MB, integrity check ok)",
        settings.database.redacted(),
        file.display(),
        bytes as f64 / 1e6
    );
    Ok(())
}

pub(super) fn forum_sync(settings: &Settings, weeks: Option<i32>) -> anyhow::Result<()> {
    with_state(settings, |state| async move {
        let forum = state
            .settings
            .forum
            .clone()
            .ok_or_else(|| anyhow::anyhow!("FORUM_URL is not set: there is no forum to read"))?;
        if weeks.is_some_and(|w| !(1..=520).contains(&w)) {
            anyhow::bail!("--weeks must be between 1 and 520");
        }
        let bridge = crate::actions::forum::Bridge::new(&forum)?;
        let report = crate::actions::forum::sync(&state, &bridge, weeks).await?;
        println!(
                "read the forum: {} new posts, {} new nominations, {} need a look, {} edited, {} with new likes, {} gone",
                report.new_posts, report.nominations, report.needs_look, report.edited, report.likes_changed, report.gone
            );
        for e in &report.errors {
            eprintln!("failed: {e}");
        }
        if !report.errors.is_empty() {
            anyhow::bail!("{} of the threads could not be read", report.errors.len());
        }
        Ok(())
    })
}
