//! `tripscore completions` and `tripscore man`: shell completions and the
//! manual pages, generated from the command-line definition.

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use super::{Cli, Fatal, output};

#[derive(Args)]
pub(crate) struct CompletionsArgs {
    /// The shell.
    pub(crate) shell: Shell,
}

#[derive(Args)]
pub(crate) struct ManArgs {
    /// Write `tripscore.1` and one page per command (`tripscore-score.1` …)
    /// into this directory instead of printing the main page.
    #[arg(long, value_name = "DIR")]
    pub(crate) dir: Option<String>,
}

/// Prints the completion script for `args.shell`.
pub(crate) fn completions(args: &CompletionsArgs) -> Result<(), Fatal> {
    let mut out = output(None, &[])?;
    clap_complete::generate(args.shell, &mut Cli::command(), "tripscore", &mut out);
    out.flush()?;
    Ok(())
}

/// Prints the main manual page, or writes every page into `args.dir`.
pub(crate) fn man(args: &ManArgs) -> Result<(), Fatal> {
    let command = Cli::command();
    if let Some(dir) = &args.dir {
        std::fs::create_dir_all(dir).map_err(|e| Fatal::new(format!("{dir}: {e}")))?;
        clap_mangen::generate_to(command, dir).map_err(|e| Fatal::new(format!("{dir}: {e}")))?;
        return Ok(());
    }
    let mut out = output(None, &[])?;
    clap_mangen::Man::new(command).render(&mut out)?;
    out.flush()?;
    Ok(())
}
