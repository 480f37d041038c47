use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use textport::{Config, Storage, Suite, Transport};
use textport_domain::SystemClock;
use textport_platform::CancellationToken;

/// textport: hosted SMS, internal number transfers and messaging on port, behind a
/// Telnyx-compatible API.
#[derive(Parser)]
#[command(version)]
struct Cli {
    /// A TOML configuration file; `TEXTPORT__SECTION__KEY` variables override it.
    #[arg(long, global = true, env = "TEXTPORT_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// The whole suite in one process, SQLite under --data-dir, sandbox on (the default command).
    Up {
        #[arg(long, default_value = "data")]
        data_dir: PathBuf,
        /// The gateway's address; port 0 picks a free one.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Written once every service is ready: URLs, service addresses, demo accounts and keys.
        #[arg(long)]
        state_file: Option<PathBuf>,
    },
    /// One service, as Kubernetes runs it.
    Serve { service: String },
    /// Runs one service's database migrations and exits.
    Migrate { service: String },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config: Config = textport_platform::config::load(cli.config.as_deref())?;
    let telemetry = textport_platform::telemetry::init(&config.telemetry)?;
    let result = run(cli.command, config).await;
    if let Err(error) = &result {
        tracing::error!(error = format!("{error:#}"), "textport stopped");
    }
    telemetry.shutdown().await;
    result
}

async fn run(command: Option<Command>, config: Config) -> anyhow::Result<()> {
    let command = command.unwrap_or(Command::Up {
        data_dir: "data".into(),
        listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
        state_file: None,
    });
    match command {
        Command::Up {
            data_dir,
            listen,
            state_file,
        } => {
            let suite = Suite::start(
                &config,
                &Storage::SqliteDir(data_dir),
                listen,
                Arc::new(SystemClock),
                Transport::Grpc,
            )
            .await?;
            print_banner(&suite);
            if let Some(path) = state_file {
                write_state(&path, &suite)?;
            }
            suite.run_until(stop_signal()).await
        }
        Command::Serve { service } => {
            let shutdown = CancellationToken::new();
            let trigger = shutdown.clone();
            tokio::spawn(async move {
                stop_signal().await;
                trigger.cancel();
            });
            textport::serve(&service, &config, shutdown).await
        }
        Command::Migrate { service } => textport::migrate(&service, &config).await,
    }
}

fn print_banner(suite: &Suite) {
    let state = &suite.state;
    println!("\ntextport is up: {}", state.api_base_url);
    if let Some(sandbox) = &state.sandbox_url {
        println!("sandbox API:     {sandbox}");
    }
    for account in &state.accounts {
        println!(
            "  account {:<8} {}  key {}",
            account.name, account.id, account.api_key
        );
        if !account.numbers.is_empty() {
            println!("           holds {}", account.numbers);
        }
    }
    if let Some(account) = state.accounts.first() {
        println!(
            "\ntry: curl -s -H 'Authorization: Bearer {}' -H 'Content-Type: application/json' \\\n  -d '{{\"phone_numbers\":[\"+13125550001\",\"+13125550150\"]}}' \\\n  {}/messaging_hosted_number_orders/eligibility_numbers_check\n",
            account.api_key, state.api_base_url
        );
    }
}

/// Written whole or not at all, so a poller never reads half a file.
fn write_state(path: &std::path::Path, suite: &Suite) -> anyhow::Result<()> {
    let partial = path.with_extension("partial");
    std::fs::write(&partial, serde_json::to_vec_pretty(&suite.state)?)
        .with_context(|| format!("writing {}", partial.display()))?;
    std::fs::rename(&partial, path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

async fn stop_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(_) => return interrupt.await.unwrap_or_default(),
            };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    interrupt.await.unwrap_or_default();
}
