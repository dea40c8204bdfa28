//! Regenerates the tables of docs/ACCURACY.md from simulated trips.
//!
//! `cargo run --release --example accuracy [TRIPS]` (default 200 trips of 20 min).

use tripscore::{
    Config, Estimator, Evaluation, NoiseConfig, SimConfig, SpeedSource, evaluate_simulated,
};

fn row(label: &str, ev: &Evaluation) {
    let get = |m: &std::collections::BTreeMap<&str, tripscore::Counts>, k: &str| {
        m.get(k).copied().unwrap_or_default()
    };
    let pr = |c: tripscore::Counts| format!("{:.3} / {:.3}", c.precision(), c.recall());
    let (v, al, at) = ev.signals.rms();
    println!(
        "| {label} | {:.0} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {v:.2} | {al:.2} | {at:.2} |",
        ev.distance_m / 1000.0,
        ev.unobservable,
        pr(get(&ev.hard, "hard_accel")),
        pr(get(&ev.hard, "hard_brake")),
        pr(get(&ev.hard, "hard_turn")),
        pr(get(&ev.annotations, "accelerate")),
        pr(get(&ev.annotations, "brake")),
        pr(get(&ev.annotations, "coast")),
        pr(get(&ev.annotations, "left_turn")),
        pr(get(&ev.annotations, "right_turn")),
        pr(get(&ev.annotations, "roundabout")),
    );
}

fn header() {
    println!(
        "| setting | km | unobservable | hard accel P / R | hard brake P / R | hard turn P / R | accelerate P / R | brake P / R | coast P / R | left P / R | right P / R | roundabout P / R | speed RMS m/s | a_long RMS | a_lat RMS |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
}

fn main() {
    let trips: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200);
    let base = SimConfig::default();
    let mut pipeline = Config::default();
    if let Some(w) = std::env::var("POS_WINDOW")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        pipeline.kinematics.position_window_s = w;
    }
    if let Some(w) = std::env::var("MIN_FIXES").ok().and_then(|v| v.parse().ok()) {
        pipeline.kinematics.min_window_fixes = w;
    }
    println!(
        "## Sampling and noise ({trips} trips of 20 min each, 15 % harsh manoeuvres, default pipeline)\n"
    );
    header();
    for sampling_ms in [1000, 2000, 5000] {
        for (name, noise) in [
            ("no noise", NoiseConfig::none()),
            ("5 m drift + all artefacts", NoiseConfig::default()),
            (
                "10 m drift, 1.5 m white + all artefacts",
                NoiseConfig {
                    position_sigma_m: 10.0,
                    white_sigma_m: 1.5,
                    ..NoiseConfig::default()
                },
            ),
        ] {
            let sim = SimConfig {
                sampling_ms,
                noise,
                ..base
            };
            row(
                &format!("{} s, {name}", sampling_ms / 1000),
                &evaluate_simulated(&sim, trips, &pipeline),
            );
        }
    }
    println!("\n## Estimators (1 s sampling, 5 m drift + all artefacts)\n");
    header();
    for with_speed in [true, false] {
        for (name, estimator, source) in [
            (
                "local fit, measured speed",
                Estimator::LocalFit,
                SpeedSource::MeasuredWhenGiven,
            ),
            (
                "local fit, positions only",
                Estimator::LocalFit,
                SpeedSource::PositionsOnly,
            ),
            (
                "two-point, measured speed",
                Estimator::TwoPoint,
                SpeedSource::MeasuredWhenGiven,
            ),
            (
                "two-point, positions only",
                Estimator::TwoPoint,
                SpeedSource::PositionsOnly,
            ),
        ] {
            if !with_speed && source == SpeedSource::MeasuredWhenGiven {
                continue;
            }
            let sim = SimConfig { with_speed, ..base };
            let mut cfg = pipeline;
            cfg.kinematics.estimator = estimator;
            cfg.kinematics.speed_source = source;
            let label = if with_speed {
                name.to_owned()
            } else {
                format!("{name} (input without speed)")
            };
            row(&label, &evaluate_simulated(&sim, trips, &cfg));
        }
    }
    println!("\n## Calm driving (no harsh manoeuvre; 1 s, 5 m drift + all artefacts)\n");
    let calm = SimConfig {
        harsh_share: 0.0,
        ..base
    };
    let calm_trips = trips.max(5) * 5 / 2;
    for (label, with_speed) in [("with measured speed", true), ("positions only", false)] {
        let ev = evaluate_simulated(&SimConfig { with_speed, ..calm }, calm_trips, &pipeline);
        let hard: u64 = ev.hard.values().map(|c| c.detected).sum();
        println!(
            "- {label}: {} trips, {:.0} km, {hard} hard events detected",
            ev.trips,
            ev.distance_m / 1000.0
        );
    }
}
