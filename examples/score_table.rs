//! Prints the tables of docs/SCORING.md: the scores of every shipped real
//! trip, of simulated calm and aggressive drivers, and how often one
//! driver's trip scores above an aggressive driver's (the AUC).
//!
//! `cargo run --release --example score_table [CONFIG.json]` (a config file
//! as `tripscore config --default` prints it, or any part of one, scores the
//! real trips with other settings; the simulated drivers keep the defaults).

use tripscore::sim::score_simulated_driver;
use tripscore::{
    Config, RecordOptions, SimConfig, Trajectory, open_input, parse_line, simulate_trip,
    trip_record,
};

/// Trips per simulated driver for the per-trip AUC.
const AUC_TRIPS: u64 = 40;

/// The `overall` score of each of `trips` simulated trips.
fn trip_overalls(sim: &SimConfig, trips: u64) -> Vec<f64> {
    (0..trips)
        .filter_map(|i| {
            let line = serde_json::to_string(&simulate_trip(sim, i)).expect("serialises");
            let t = Trajectory::try_from(parse_line(&line).expect("parses")).expect("valid");
            trip_record(&t, &Config::default(), RecordOptions::default())
                .map(|r| r.behavior_scores.overall)
        })
        .collect()
}

/// The chance that a trip of `better` scores above one of `worse` (ties
/// count half): the area under the ROC curve of `overall` as a test for
/// the worse driver.
fn auc(better: &[f64], worse: &[f64]) -> f64 {
    let wins: f64 = better
        .iter()
        .flat_map(|b| {
            worse.iter().map(move |w| match b.total_cmp(w) {
                std::cmp::Ordering::Greater => 1.0,
                std::cmp::Ordering::Equal => 0.5,
                std::cmp::Ordering::Less => 0.0,
            })
        })
        .sum();
    #[allow(clippy::cast_precision_loss, reason = "small counts")]
    let pairs = (better.len() * worse.len()) as f64;
    wins / pairs
}

fn main() {
    let root = env!("CARGO_MANIFEST_DIR");
    println!(
        "| trip | km | speeding % | legal | legal_v2 | hard a/b/t | hard_accel | hard_brake | hard_turn | smooth | smooth_v2 | anticipative | anticipative_v2 | focus | overall |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    let config: Config = std::env::args()
        .nth(1)
        .map_or_else(Config::default, |path| {
            serde_json::from_str(&std::fs::read_to_string(&path).expect("config file"))
                .expect("a valid config")
        });
    for file in [
        "data/ndsbr/ndsbr.jsonl",
        "data/driveplotr-nds/nds.jsonl",
        "data/barefoot-munich/x0001-001.jsonl",
        "data/seed/seed_trip.jsonl",
    ] {
        for record in open_input(&format!("{root}/{file}")).expect("shipped data") {
            let trip = record
                .expect("readable")
                .into_trajectory()
                .expect("valid shipped trip");
            let r = trip_record(&trip, &config, RecordOptions::default()).expect("timed trip");
            let (s, f) = (r.behavior_scores, r.features.all);
            #[allow(clippy::cast_precision_loss)]
            let speeding = if f.limit_known_ms > 0 {
                format!(
                    "{:.1}",
                    100.0 * f.speeding_ms as f64 / f.limit_known_ms as f64
                )
            } else {
                "–".to_owned()
            };
            let v = |x: f64| {
                if x < 0.0 {
                    "-1".to_owned()
                } else {
                    format!("{x:.2}")
                }
            };
            println!(
                "| {} | {:.1} | {speeding} | {} | {} | {}/{}/{} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                trip.event_id().get(..12).unwrap_or(trip.event_id()),
                r.event.distance / 1000.0,
                v(s.legal),
                v(s.legal_v2),
                f.hard_accel,
                f.hard_brake,
                f.hard_turn,
                v(s.hard_accel),
                v(s.hard_brake),
                v(s.hard_turn),
                v(s.smooth),
                v(s.smooth_v2),
                v(s.anticipative),
                v(s.anticipative_v2),
                v(s.focus.unwrap_or(-1.0)),
                if s.overall < 0.0 {
                    "-1".to_owned()
                } else {
                    format!("{:.3}", s.overall)
                },
            );
        }
    }
    println!();
    println!(
        "| simulated driver (10 trips) | overall | smooth | smooth_v2 | legal | legal_v2 | anticipative | anticipative_v2 | hard_accel | hard_brake | hard_turn |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    let drivers = [
        (
            "calm: no harsh manoeuvre, 5 % of stretches speeding",
            0.0,
            0.05,
        ),
        (
            "the simulator's default: 15 % harsh, 10 % speeding",
            0.15,
            0.1,
        ),
        ("aggressive: 40 % harsh, 40 % speeding", 0.4, 0.4),
    ]
    .map(|(name, harsh, speeding)| {
        (
            name,
            SimConfig {
                harsh_share: harsh,
                speeding_share: speeding,
                ..SimConfig::default()
            },
        )
    });
    for (name, sim) in &drivers {
        let x = score_simulated_driver(sim, 10, &Config::default());
        println!(
            "| {name} | {:.3} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} |",
            x.overall,
            x.smooth,
            x.smooth_v2,
            x.legal,
            x.legal_v2,
            x.anticipative,
            x.anticipative_v2,
            x.hard_accel,
            x.hard_brake,
            x.hard_turn
        );
    }
    let [calm, default, aggressive] = drivers.map(|(_, sim)| trip_overalls(&sim, AUC_TRIPS));
    println!();
    println!(
        "| per trip ({AUC_TRIPS} simulated trips each) | AUC of `overall`: the driver's trip above an aggressive one's |"
    );
    println!("|---|---|");
    for ((name, _), trips) in drivers.iter().zip([calm, default]) {
        println!("| {name} | {:.3} |", auc(&trips, &aggressive));
    }
}
