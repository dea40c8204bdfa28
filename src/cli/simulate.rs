//! `tripscore simulate`: synthetic trips with known manoeuvres, and their truth.

use std::io::Write;

use clap::Args;
use tripscore::sim::NoiseConfig;
use tripscore::{SimConfig, simulate_trip};

use super::{Fatal, output};

#[derive(Args)]
pub(crate) struct SimulateArgs {
    /// Number of trips.
    #[arg(long, default_value_t = 10)]
    pub(crate) trips: u64,
    /// Seed: the same seed gives the same trips.
    #[arg(long, default_value_t = 1)]
    pub(crate) seed: u64,
    /// Driving time per trip, s.
    #[arg(long, default_value_t = 1200.0)]
    pub(crate) duration_s: f64,
    /// Sampling interval, ms.
    #[arg(long, default_value_t = 1000)]
    pub(crate) sampling_ms: i64,
    /// Share of manoeuvres driven harshly (0 for calm driving).
    #[arg(long, default_value_t = 0.15)]
    pub(crate) harsh_share: f64,
    /// Drifting position error, σ per axis, m.
    #[arg(long, default_value_t = 5.0)]
    pub(crate) drift_m: f64,
    /// White position noise, σ per axis, m.
    #[arg(long, default_value_t = 0.4)]
    pub(crate) white_m: f64,
    /// Time constant of the receiver's own track filter, s (0: none): turns
    /// and speed changes come out later and gentler, as from real receivers.
    #[arg(long, default_value_t = 0.0)]
    pub(crate) receiver_lag_s: f64,
    /// Probability per fix that the position error jumps by 3–10 m and
    /// decays back over about 3 s (0: never), as real receivers' do.
    #[arg(long, default_value_t = 0.0)]
    pub(crate) jump_prob: f64,
    /// How late the receiver stamps its fixes, ms (default: what the
    /// pipeline assumes, `detect.timing.gps_latency_ms`).
    #[arg(long, value_name = "MS")]
    pub(crate) latency_ms: Option<i64>,
    /// No noise and no artefacts at all.
    #[arg(long)]
    pub(crate) clean: bool,
    /// Leave out measured speeds.
    #[arg(long)]
    pub(crate) no_speed: bool,
    /// Leave out road types and speed limits.
    #[arg(long)]
    pub(crate) no_roads: bool,
    /// Leave out each fix's reported accuracy (`accuracies_m`), as a
    /// receiver that reports none (its network fixes stay in the trip).
    #[arg(long)]
    pub(crate) no_accuracy: bool,
    /// Polyline precision (5 or 6).
    #[arg(long, default_value_t = 5)]
    pub(crate) precision: u32,
    /// The input form to write: `compact` (`encoded` + `timestamps_ms`) or `waypoints`.
    #[arg(long, default_value = "compact", value_parser = ["compact", "waypoints"])]
    pub(crate) form: String,
    /// Write the trips here instead of stdout (JSONL, compact form).
    #[arg(short, long, value_name = "FILE")]
    pub(crate) output: Option<String>,
    /// Write the ground truth here (JSONL, one line per trip).
    #[arg(long, value_name = "FILE")]
    pub(crate) truth: Option<String>,
}

pub(crate) fn run(args: &SimulateArgs) -> Result<(), Fatal> {
    let mut noise = if args.clean {
        NoiseConfig::none()
    } else {
        NoiseConfig {
            position_sigma_m: args.drift_m,
            white_sigma_m: args.white_m,
            receiver_lag_s: args.receiver_lag_s,
            jump_prob: args.jump_prob,
            ..NoiseConfig::default()
        }
    };
    noise.latency_ms = args.latency_ms.unwrap_or(noise.latency_ms);
    let sim = SimConfig {
        seed: args.seed,
        trip_duration_s: args.duration_s,
        sampling_ms: args.sampling_ms,
        harsh_share: args.harsh_share,
        with_speed: !args.no_speed,
        with_accuracy: !args.no_accuracy,
        with_roads: !args.no_roads,
        precision: args.precision,
        noise,
        ..SimConfig::default()
    };
    let mut out = output(args.output.as_deref(), &[])?;
    let mut truth = match args.truth.as_deref() {
        Some(p) => Some(output(Some(p), &[])?),
        None => None,
    };
    for i in 0..args.trips {
        let trip = simulate_trip(&sim, i);
        if args.form == "waypoints" {
            writeln!(out, "{}", trip.waypoint_record())?;
        } else {
            writeln!(out, "{}", serde_json::to_string(&trip)?)?;
        }
        if let (Some(w), Some(t)) = (truth.as_mut(), trip.truth.as_ref()) {
            writeln!(w, "{}", serde_json::to_string(t)?)?;
        }
    }
    out.flush()?;
    if let Some(w) = truth.as_mut() {
        w.flush()?;
    }
    Ok(())
}
