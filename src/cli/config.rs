//! `tripscore config`: the settings, with their defaults, as JSON.

use clap::Args;
use tripscore::Config;

use super::{Fatal, output, write_text};

#[derive(Args)]
pub(crate) struct ConfigArgs {
    /// Print the defaults.
    #[arg(long)]
    pub(crate) default: bool,
}

pub(crate) fn run(args: &ConfigArgs) -> Result<(), Fatal> {
    if !args.default {
        return Err(Fatal::new(
            "say `tripscore config --default` to print the defaults".to_owned(),
        ));
    }
    let mut out = output(None, &[])?;
    write_text(&mut out, &serde_json::to_string_pretty(&Config::default())?)
}
