//! `mesh completions SHELL`: the same files as `completions/`.

use anyhow::Result;
use clap_complete::Shell;

use super::{print_stdout, Exit};

/// Print shell completions (bash, zsh, fish, powershell, elvish).
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  mesh completions bash > ~/.local/share/bash-completion/completions/mesh\n  \
    mesh completions zsh > ~/.zfunc/_mesh"
)]
pub struct Args {
    #[arg(value_enum)]
    shell: Shell,
}

pub fn run(args: Args) -> Result<Exit> {
    print_stdout(&crate::cli::completion_script(args.shell))
}
