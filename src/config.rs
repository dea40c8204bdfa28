//! [`Config`]: every setting of the pipeline, one section per stage.
//!
//! `tripscore config --default` prints it as JSON, and `--config FILE` reads
//! it back (any section or field left out keeps its default; an unknown one
//! is an error naming it). Each threshold lives in the config of the stage
//! that decides with it, with its unit in its name and its meaning in its
//! docs; docs/API.md lists the defaults the API contract fixes.

use serde::{Deserialize, Serialize};

use crate::detect::DetectConfig;
use crate::map::MapMatchConfig;
use crate::score::{AggregateConfig, FeatureConfig, ScoreConfig};

/// Every setting of the pipeline, with documented defaults.
///
/// # Example
/// ```
/// use tripscore::Config;
/// // A config file needs only what it changes.
/// let cfg: Config = serde_json::from_str(r#"{"detect": {"annotate": {"hard_brake_mps2": 3.5}}}"#)?;
/// assert_eq!(cfg.detect.annotate.hard_brake_mps2, 3.5);
/// assert_eq!(cfg.detect.annotate.hard_accel_mps2, 2.25);
/// // An unknown field is an error, not silently ignored.
/// assert!(serde_json::from_str::<Config>(r#"{"detect": {"anotate": {}}}"#).is_err());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Cleaning, kinematics, annotation and the peak refinements.
    pub detect: DetectConfig,
    /// What the additive features count (excess baselines, speeding margin,
    /// zones).
    pub features: FeatureConfig,
    /// Score scales and minimum distances.
    pub score: ScoreConfig,
    /// The aggregation windows.
    pub aggregate: AggregateConfig,
    /// Map matching (`--map`): search radius, noise, route scale.
    pub map_match: MapMatchConfig,
}
