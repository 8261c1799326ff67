//! The command line (docs/contract.md §3): `serve` (default), `migrate`, and the operator's commands.

use crate::actions::{import_history, shortlist};
use crate::db::{self, Db};
use crate::domain::draft;
use crate::domain::validate::Category;
use crate::models::{audit, week};
use crate::settings::{Settings, SettingsArgs};
use crate::{AppState, Clock};
use clap::{Parser, Subcommand, ValueEnum};
use std::io::IsTerminal;
use std::path::PathBuf;

mod editor_roles;
mod ops;

use editor_roles::{cli_actor, run_editor};

#[derive(Debug, Parser)]
#[command(
    name = "twir-picks",
    version,
    about = "Crate and Quote of the Week for This Week in Rust"
)]
pub struct Cli {
    #[command(flatten)]
    pub settings: SettingsArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web service (the default); applies pending migrations first.
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Grant, revoke or list editors.
    #[command(subcommand)]
    Editor(EditorCommand),
    /// Show or close the open week.
    #[command(subcommand)]
    Week(WeekCommand),
    /// Import past Crate and Quote of the Week picks from This Week in Rust issue files.
    ImportHistory {
        /// The `content/` folder of the this-week-in-rust repository.
        path: PathBuf,
    },
    /// Print a week's shortlist with attribution.
    Export {
        #[arg(long)]
        week: i32,
        #[arg(long, value_enum, default_value = "markdown")]
        format: ExportFormat,
        /// Allow permalinks to a local PUBLIC_URL (trying things out, not for an issue).
        #[arg(long)]
        allow_local: bool,
    },
    /// Copy every table into the empty database at URL (SQLite to PostgreSQL or back),
    /// checking row counts and checksums at the end.
    Copy {
        /// The target database: `postgres://…` or `sqlite://PATH`.
        #[arg(long = "to")]
        to: String,
    },
    /// A consistent copy of the SQLite database into FILE, safe while the service runs.
    Backup {
        /// Where the copy goes (it must not exist yet).
        file: PathBuf,
    },
    /// Read the forum threads now (the service does it every FORUM_POLL_SECONDS).
    #[command(subcommand)]
    Forum(ForumCommand),
    /// Write a week's picked sections into an issue draft's placeholders.
    FillDraft {
        #[arg(long)]
        week: i32,
        file: PathBuf,
        /// Allow permalinks to a local PUBLIC_URL (trying things out, not for an issue).
        #[arg(long)]
        allow_local: bool,
    },
    /// Propose a week's picked sections to This Week in Rust's draft as a pull request (the
    /// desk's button; DRAFT_REPO and DRAFT_GITHUB_TOKEN).
    ProposeDraft {
        #[arg(long)]
        week: i32,
    },
}

#[derive(Debug, Subcommand)]
pub enum EditorCommand {
    /// Make LOGIN an editor.
    Grant { login: String },
    /// Take the editor role from LOGIN.
    Revoke { login: String },
    /// List editors.
    List,
}

#[derive(Debug, Subcommand)]
pub enum ForumCommand {
    /// Read both threads once: new suggestions onto the ballot, likes and edits refreshed.
    Sync {
        /// How many weeks back to take new posts from (default BALLOT_WEEKS).
        #[arg(long)]
        weeks: Option<i32>,
    },
}

#[derive(Debug, Subcommand)]
pub enum WeekCommand {
    /// Show the open week.
    Show,
    /// Close the open week now and open the next.
    Close,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ExportFormat {
    Markdown,
    Json,
}

/// Run a command other than `serve`. Errors go to stderr from `main` with a non-zero exit.
pub fn run(command: Command, settings: &Settings) -> anyhow::Result<()> {
    match command {
        Command::Serve => unreachable!("serve is handled by main"),
        Command::Migrate => {
            let mut conn = db::Manager::new(settings.database.clone()).open().map_err(|e| {
                anyhow::anyhow!("cannot open the database {}: {e}", settings.database.redacted())
            })?;
            let applied = db::migrate::run_pending(&mut conn)?;
            db::migrate::rekey_quotes(&mut conn)?;
            if applied.is_empty() {
                println!("database {} is up to date", settings.database.redacted());
            } else {
                for name in applied {
                    println!("applied {name}");
                }
            }
            Ok(())
        }
        Command::Editor(command) => {
            let db = Db::connect_with(&settings.database, settings.sqlite_synchronous)?;
            run_editor(&db, command, settings)
        }
        Command::Week(command) => {
            let db = Db::connect_with(&settings.database, settings.sqlite_synchronous)?;
            run_week(&db, command, settings)
        }
        Command::Export {
            week,
            format,
            allow_local,
        } => with_state(settings, |state| async move {
            permalinks_are_public(&state.settings, allow_local)?;
            let shortlist = shortlist::shortlist(&state, Some(week)).await?;
            match format {
                ExportFormat::Json => println!(
                    "{}",
                    serde_json::to_string_pretty(&crate::web::views::EncodableShortlist::from(&shortlist))?
                ),
                ExportFormat::Markdown => print!("{}", export_markdown(&shortlist)),
            }
            Ok(())
        }),
        Command::Copy { to } => ops::copy(settings, &to),
        Command::Backup { file } => ops::backup(settings, &file),
        Command::Forum(ForumCommand::Sync { weeks }) => ops::forum_sync(settings, weeks),
        Command::FillDraft {
            week,
            file,
            allow_local,
        } => with_state(settings, |state| async move {
            permalinks_are_public(&state.settings, allow_local)?;
            let shortlist = shortlist::shortlist(&state, Some(week)).await?;
            let picked = |c: Category| shortlist.picked.get(c).clone();
            let draft = std::fs::read_to_string(&file)
                .map_err(|e| anyhow::anyhow!("cannot read the draft {}: {e}", file.display()))?;
            let filled = draft::fill(
                &draft,
                picked(Category::Crate).as_deref(),
                picked(Category::Quote).as_deref(),
            )
            .map_err(|problems| {
                anyhow::anyhow!(
                    "{} was left unchanged:\n  - {}",
                    file.display(),
                    problems.join("\n  - ")
                )
            })?;
            write_atomically(&file, &filled)?;
            println!(
                "filled Crate and Quote of the Week of issue {week} into {}",
                file.display()
            );
            Ok(())
        }),
        Command::ProposeDraft { week } => with_state(settings, |state| async move {
            let proposer = crate::actions::propose_draft::Proposer {
                login: "command line".into(),
                user_id: None,
            };
            let proposed = crate::actions::propose_draft::propose(&state, proposer, week)
                .await
                .map_err(|e| anyhow::anyhow!("{}", e.message))?;
            println!(
                "{} pull request #{} for issue {week}: {}",
                if proposed.updated { "updated" } else { "opened" },
                proposed.number,
                proposed.url
            );
            Ok(())
        }),
        Command::ImportHistory { path } => {
            let files = import_history::issue_files(&path)
                .map_err(|e| anyhow::anyhow!("cannot read the folder {}: {e}", path.display()))?;
            let db = Db::connect_with(&settings.database, settings.sqlite_synchronous)?;
            let bar = std::io::stdout().is_terminal().then(|| {
                let bar = indicatif::ProgressBar::new(files.len() as u64);
                bar.set_style(
                    indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} issues {msg}")
                        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
                );
                bar
            });
            let report = import_history::import(&db, &path, &files, chrono::Utc::now(), || {
                if let Some(bar) = &bar {
                    bar.inc(1);
                }
            })?;
            if let Some(bar) = bar {
                bar.finish_and_clear();
            }
            print!("{report}");
            Ok(())
        }
    }
}

fn run_week(db: &Db, command: WeekCommand, settings: &Settings) -> anyhow::Result<()> {
    let now = chrono::Utc::now();
    let show = |w: &week::Week| {
        format!(
            "issue {} ({}): opens {} UTC, closes {} UTC, published {}",
            w.issue,
            w.status,
            w.opens_at.format("%Y-%m-%d %H:%M"),
            w.closes_at.format("%Y-%m-%d %H:%M"),
            settings.calendar.publication_date(w.issue)
        )
    };
    match command {
        WeekCommand::Show => {
            let calendar = settings.calendar;
            let open = db.write_blocking(|tx| week::ensure_open(tx, &calendar, now))?;
            println!("{}", show(&open));
        }
        WeekCommand::Close => {
            let calendar = settings.calendar;
            let (closed, opened) = db.write_blocking(|tx| {
                let (closed, opened) = week::close_now(tx, &calendar, now)?;
                audit::record(
                    tx,
                    audit::Entry::new(&cli_actor(), "week_close", &closed.issue.to_string())
                        .detail(format!("opened issue {}", opened.issue)),
                    now,
                )?;
                Ok((closed, opened))
            })?;
            println!("closed {}", show(&closed));
            println!("opened {}", show(&opened));
        }
    }
    Ok(())
}

/// Run async work against the service's state (database, templates) on a small runtime.
/// A published issue never links to this machine: the attribution's permalinks are made from
/// `PUBLIC_URL`, so it must be the site's public address (or the operator says it is a try).
fn permalinks_are_public(settings: &Settings, allow_local: bool) -> anyhow::Result<()> {
    if settings.public_url_is_local() && !allow_local {
        anyhow::bail!(
            "PUBLIC_URL is {} (unset or this machine): the permalinks in the attribution would point there. \
             Set PUBLIC_URL to the site's public address, or pass --allow-local to try things out",
            settings.public_url
        );
    }
    Ok(())
}

fn with_state<F, Fut>(settings: &Settings, work: F) -> anyhow::Result<()>
where
    F: FnOnce(AppState) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let settings = settings.clone();
    actix_web::rt::System::new().block_on(async move {
        let state = crate::build_state(settings, Clock::system()).await?;
        work(state).await
    })
}

fn export_markdown(shortlist: &shortlist::Shortlist) -> String {
    let week = &shortlist.week;
    let mut out = format!(
        "# Issue {} shortlist ({}, voting closes {})\n",
        week.issue, week.status, week.closes_at
    );
    /// Everyone who nominated an entry: site members by login, the forum's poster by name.
    fn nominated_by(e: &crate::models::ballot::Entry) -> String {
        let mut who = e.nominators.join(", ");
        if let Some(forum) = &e.forum {
            if !who.is_empty() {
                who.push_str(" and ");
            }
            who.push_str(&format!("{} on the forum", forum.author));
        }
        who
    }
    for c in Category::ALL {
        out.push_str(&format!("\n## {}\n", c.heading()));
        let picks = week.picks.get(c).as_ref();
        let entries = week.categories.get(c);
        if entries.is_empty() {
            out.push_str("\nNo nominations.\n");
        }
        for e in entries {
            let mut marks = Vec::new();
            if picks.is_some_and(|p| p.includes(e.nomination_id)) {
                marks.push("PICKED");
            }
            if e.nomination.hidden {
                marks.push("hidden");
            }
            out.push_str(&format!(
                "\n{}. nomination {}: {} votes ({} earlier), nominated by {}{}\n\n{}\n",
                e.rank,
                e.nomination_id,
                e.votes,
                e.earlier_votes,
                nominated_by(e),
                if marks.is_empty() {
                    String::new()
                } else {
                    format!(" [{}]", marks.join(", "))
                },
                shortlist
                    .attribution
                    .get(&e.nomination_id)
                    .cloned()
                    .unwrap_or_default()
            ));
        }
        if let Some(section) = shortlist.sections.get(c) {
            let what = if *shortlist.section_is_pick.get(c) {
                "The whole section"
            } else {
                "Preview of the whole section (no pick yet)"
            };
            out.push_str(&format!("\n{what}:\n\n{section}\n"));
        }
    }
    out
}

/// Replace `path` with `text` in one step, so a crash never leaves half a draft.
fn write_atomically(path: &std::path::Path, text: &str) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let tmp = dir.join(format!(
        ".{}.twir-picks.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("draft")
    ));
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}
