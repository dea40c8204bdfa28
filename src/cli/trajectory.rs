//! `tripscore trajectory`: one API `Trajectory` per trip.

use tripscore::map::MapMatchConfig;
use tripscore::{BatchSummary, Trajectory};

use super::{BatchArgs, Fatal, run_batch_command};

pub(crate) fn run(args: &BatchArgs) -> Result<BatchSummary, Fatal> {
    run_batch_command(
        args,
        "a trajectory",
        &MapMatchConfig::default(),
        |trip, _| Trajectory::to_api(trip),
    )
}
