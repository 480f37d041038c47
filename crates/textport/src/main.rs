use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use textport::{Config, Storage, Suite, Transport};
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
    /// Lists the services `serve` and `migrate` accept, callees first.
    Roles,
    /// Makes an operator API key: prints it and the SHA-256 that `operator.api_key_sha256`
    /// takes, as two `NAME=value` lines.
    OperatorKey,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let config: Config = match textport_platform::config::load(cli.config.as_deref()) {
        Ok(config) => config,
        Err(error) => return fail(&error.into()),
    };
    if let Err(error) = config.validate() {
        return fail(&error);
    }
    let default_name = match &cli.command {
        Some(Command::Serve { service }) => format!("textport-{service}"),
        _ => "textport".to_owned(),
    };
    let telemetry = match textport_platform::telemetry::init(&config.telemetry, &default_name) {
        Ok(telemetry) => telemetry,
        Err(error) => return fail(&error),
    };
    let result = run(cli.command, config).await;
    if let Err(error) = &result {
        tracing::error!(error = format!("{error:#}"), "textport stopped");
    }
    telemetry.shutdown().await;
    result.map_or_else(|error| fail(&error), |()| ExitCode::SUCCESS)
}

/// The error and its causes on one line, without a backtrace: this is for the operator.
fn fail(error: &anyhow::Error) -> ExitCode {
    eprintln!("textport: {error:#}");
    ExitCode::FAILURE
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
                textport::suite::business_clock(&config),
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
        Command::Roles => {
            for role in textport::ROLES {
                println!("{}", role.name);
            }
            Ok(())
        }
        Command::OperatorKey => {
            let key = textport_platform::secret::new_api_key()?;
            println!("TEXTPORT_OPERATOR_KEY={}", key.expose());
            println!(
                "TEXTPORT__OPERATOR__API_KEY_SHA256={}",
                textport::config::sha256_hex(&key)
            );
            Ok(())
        }
    }
}

fn print_banner(suite: &Suite) {
    let state = &suite.state;
    println!("\ntextport is up: {}", state.api_base_url);
    if let Some(sandbox) = &state.sandbox_url {
        println!("sandbox API:     {sandbox}");
    }
    println!(
        "operator API:    {}  key {}",
        state.operator_url, state.operator_api_key
    );
    println!(
        "webhook key:     {}  (verifies our webhooks)",
        state.webhook_public_key
    );
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

/// Written whole or not at all, so a poller never reads half a file; readable by its owner only,
/// since it holds the demo accounts' keys.
fn write_state(path: &std::path::Path, suite: &Suite) -> anyhow::Result<()> {
    let partial = path.with_extension("partial");
    let mut file = std::fs::OpenOptions::new();
    file.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut file, 0o600);
    let mut file = file
        .open(&partial)
        .with_context(|| format!("writing {}", partial.display()))?;
    std::io::Write::write_all(&mut file, &serde_json::to_vec_pretty(&suite.state)?)
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
