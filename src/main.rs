use clap::Parser;
use std::process::ExitCode;
use twir_picks::cli::{self, Cli, Command};
use twir_picks::{Application, ServerOptions, Settings};

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,actix_server=warn".into()),
        )
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_writer(std::io::stderr)
        // Colours only for a person at a terminal, not for journald or a file.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
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
        app.server.await?;
        Ok(())
    })
}
