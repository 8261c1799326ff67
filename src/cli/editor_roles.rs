//! `editor grant|revoke|list`: the editors, from a shell.

use super::EditorCommand;
use crate::db::Db;
use crate::domain::validate;
use crate::models::{editor as editors, user};
use crate::settings::Settings;

/// The actor recorded in the audit log for command-line actions.
pub(super) fn cli_actor() -> String {
    let who = std::env::var("USER").unwrap_or_else(|_| "operator".into());
    format!("cli:{who}")
}

pub(super) fn run_editor(db: &Db, command: EditorCommand, settings: &Settings) -> anyhow::Result<()> {
    let now = chrono::Utc::now();
    match command {
        EditorCommand::Grant { login } => {
            let login = parse_login(&login)?;
            if db.write_blocking(|tx| Ok(editors::grant(tx, &login, &cli_actor(), now)?))? {
                let conn = &mut *db.get()?;
                match editors::bound_user(conn, &login)?
                    .map(|id| user::find(conn, id))
                    .transpose()?
                    .flatten()
                {
                    Some(account) => {
                        println!(
                        "{login} is now an editor, bound to the account that has that login here: user {}{}",
                        account.id,
                        account.github_id.map(|g| format!(" (GitHub id {g})")).unwrap_or_default()
                    )
                    }
                    None => println!(
                        "{login} is now an editor; the role binds to the first account that logs in with it"
                    ),
                }
            } else {
                println!("{login} was already an editor");
            }
        }
        EditorCommand::Revoke { login } => {
            let login = parse_login(&login)?;
            if db.write_blocking(|tx| Ok(editors::revoke(tx, &login, &cli_actor(), now)?))? {
                println!("{login} is no longer an editor; their sessions have ended");
            } else {
                println!("{login} had no editor grant to revoke");
            }
            if settings.editors.contains(&login.to_ascii_lowercase()) {
                eprintln!(
                    "note: {login} is also named in EDITORS, which keeps them an editor until it changes"
                );
            }
        }
        EditorCommand::List => {
            for login in &settings.editors {
                println!("{login}\t(EDITORS setting)");
            }
            for grant in editors::list(&mut *db.get()?)? {
                println!(
                    "{}\t(granted by {} on {})",
                    grant.login,
                    grant.granted_by,
                    grant.granted_at.format("%Y-%m-%d %H:%M UTC")
                );
            }
        }
    }
    Ok(())
}

fn parse_login(raw: &str) -> anyhow::Result<String> {
    validate::github_login(raw).map_err(|e| anyhow::anyhow!("{raw:?} is not a GitHub login. {e}"))
}
