use clap::Parser;
use std::process::ExitCode;
use twir_picks::cli::{self, Cli, Command};
use twir_picks::settings::LogFormat;
use twir_picks::{Application, ServerOptions, Settings};

fn main() -> ExitCode {
    let cli = Cli::parse();
    twir_picks::logs::init(LogFormat::parse(&cli.settings.log_format).unwrap_or(LogFormat::Text));
    let settings = match Settings::from_args(&cli.settings) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("twir-picks: {e}");
            return ExitCode::from(2);
        }
    };
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(settings),
        other => cli::run(other, &settings),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("twir-picks: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn serve(settings: Settings) -> anyhow::Result<()> {
    actix_web::rt::System::new().block_on(async move {
        let database = settings.database.redacted();
        let app = Application::build(settings, ServerOptions::default()).await?;
        tracing::info!(address = %app.addr, database = %database, "twir-picks is serving");
        println!("twir-picks is serving on http://{}", app.addr);
        // On SIGTERM or SIGINT the server stops accepting, lets the requests in flight finish
        // (each write is answered only after its commit), and returns.
        let db = app.state.db.clone();
        app.server.await?;
        db.flush().await?;
        tracing::info!("twir-picks stopped: every request in flight was answered");
        Ok(())
    })
}
