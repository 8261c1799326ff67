use clap::Parser;
use std::process::ExitCode;
use twir_picks::cli::{self, Cli, Command};
use twir_picks::settings::LogFormat;
use twir_picks::{Application, ServerOptions, Settings};

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(LogFormat::parse(&cli.settings.log_format).unwrap_or(LogFormat::Text));
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

/// Logs on stderr: readable lines (colours only for a person at a terminal, not for journald or
/// a file), or with `LOG_FORMAT=json` one JSON object per line for a log pipeline.
fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,actix_server=warn".into());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder.json().with_current_span(true).init(),
        LogFormat::Text => builder
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .init(),
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
