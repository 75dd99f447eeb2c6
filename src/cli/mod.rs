//! The command line: flags and glue only. Each subcommand has its own file;
//! the work happens in the library modules they call.

mod analyze;
mod common;
mod completions;
mod convert;
mod explain;
mod kube_inject;
mod proxy_config;
mod proxy_config_admin;
mod proxy_config_diff;
mod proxy_status;
mod route_test;
mod schema;
mod validate;
mod xds;
mod xds_route;

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit codes, the same for every subcommand and output format (istioctl's values).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Nothing at or above the failure threshold.
    Ok = 0,
    /// Anything else: an internal error, an unwritable output.
    Failure = 1,
    /// Bad usage: an unknown flag, a bad flag value.
    Usage = 64,
    /// An input could not be read or parsed.
    InputError = 65,
    /// Findings at or above the failure threshold.
    Findings = 79,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit as u8)
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "mesh",
    version,
    about = "Istio service-mesh configuration, built first for proxyless gRPC",
    long_about = "Istio service-mesh configuration, built first for proxyless gRPC.\n\n\
        Reads Istio and Kubernetes YAML without losing a field or a line number, \
        and tells you what is wrong with it before you apply it.",
    after_help = "Examples:\n  mesh analyze testdata/echo-grpc/\n  mesh validate testdata/echo-grpc/\n  mesh schema VirtualService\n  mesh completions bash > /etc/bash_completion.d/mesh"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Analyze(analyze::Args),
    Validate(validate::Args),
    Explain(explain::Args),
    Schema(schema::Args),
    Completions(completions::Args),
    KubeInject(kube_inject::Args),
    /// Convert config as istiod does: `gateway-api` prints the Istio config
    /// istiod generates from Gateway API objects.
    #[command(after_help = "Example:\n  mesh convert gateway-api routes/ services.yaml")]
    Convert(convert::Args),
    /// What istiod sends proxyless gRPC workloads: render, bootstrap, diff, serve, route.
    #[command(
        after_help = "Examples:\n  mesh xds render testdata/echo-grpc/ --workload echo-grpc/echo-v1\n  mesh xds bootstrap testdata/echo-grpc/ --workload echo-grpc/echo-v1"
    )]
    Xds(xds::Args),
    Test(route_test::Args),
    /// The live xDS config of a proxyless gRPC app (CSDS) or a saved dump, with ACK/NACK status.
    ProxyConfig(proxy_config::Args),
    ProxyStatus(proxy_status::Args),
    /// Print the version of mesh.
    #[command(after_help = "Example:\n  mesh version")]
    Version,
}

/// Parses the command line and runs it; returns the process exit code.
pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return if error.use_stderr() {
                Exit::Usage
            } else {
                Exit::Ok
            }
            .into();
        }
    };
    let result = match cli.command {
        Command::Analyze(args) => analyze::run(args),
        Command::Validate(args) => validate::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Schema(args) => schema::run(args),
        Command::Completions(args) => completions::run(args),
        Command::Xds(args) => xds::run(args),
        Command::Test(args) => route_test::run(args),
        Command::ProxyConfig(args) => proxy_config::run(args),
        Command::ProxyStatus(args) => proxy_status::run(args),
        Command::KubeInject(args) => kube_inject::run(args),
        Command::Convert(args) => convert::run(args),
        Command::Version => print_stdout(&format!("mesh {}\n", env!("CARGO_PKG_VERSION"))),
    };
    match result {
        Ok(exit) => exit.into(),
        Err(error) => {
            eprintln!("mesh: error: {error:#}");
            Exit::Failure.into()
        }
    }
}

/// Writes to stdout; a closed pipe (`mesh ... | head`) is not an error.
pub(crate) fn print_stdout(text: &str) -> anyhow::Result<Exit> {
    let mut stdout = io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => Ok(Exit::Ok),
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Ok(Exit::Ok),
        Err(error) => Err(anyhow::Error::new(error).context("cannot write to stdout")),
    }
}

/// `--color`: colour only on a terminal, and never when `NO_COLOR` is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    pub fn enabled(self) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::env::var("TERM").map_or(true, |t| t != "dumb")
                    && io::stdout().is_terminal()
            }
        }
    }
}

/// The clap command, for completions and docs.
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}

/// The completion script for `shell`, exactly as checked in under `completions/`.
pub fn completion_script(shell: clap_complete::Shell) -> String {
    let mut bytes = Vec::new();
    clap_complete::generate(shell, &mut command(), "mesh", &mut bytes);
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The file name under `completions/` for `shell`.
pub fn completion_file_name(shell: clap_complete::Shell) -> String {
    match shell {
        clap_complete::Shell::Bash => "mesh.bash".into(),
        clap_complete::Shell::Zsh => "_mesh".into(),
        clap_complete::Shell::Fish => "mesh.fish".into(),
        clap_complete::Shell::PowerShell => "_mesh.ps1".into(),
        clap_complete::Shell::Elvish => "mesh.elv".into(),
        _ => format!("mesh.{shell}"),
    }
}
