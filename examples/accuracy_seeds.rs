//! Hard turns, roundabouts and calm-driving hard events over several
//! simulator seeds (docs/ACCURACY.md quotes its totals).
//!
//! `cargo run --release --example accuracy_seeds [SEEDS] [TRIPS] [CONFIG.json] [SPEED_NOISE]`:
//! SEEDS a comma-separated list (default 1,2,3,4,5,7,11,13), TRIPS per seed
//! (default 400; calm driving gets 2.5 × as many), a config file as
//! `tripscore config --default` prints it (partial files work; `-` for the
//! defaults), and the simulated Doppler speed noise, m/s (default the
//! simulator's 0.3). About 10 s on 2 cores.

use tripscore::sim::{Evaluation, NoiseConfig, evaluate_simulated};
use tripscore::{Config, SimConfig};

fn main() {
    let seeds: Vec<u64> = std::env::args().nth(1).map_or_else(
        || vec![1, 2, 3, 4, 5, 7, 11, 13],
        |s| s.split(',').filter_map(|x| x.parse().ok()).collect(),
    );
    let trips: u64 = std::env::args()
        .nth(2)
        .and_then(|a| a.parse().ok())
        .unwrap_or(400);
    let config: Config =
        std::env::args()
            .nth(3)
            .filter(|a| a != "-")
            .map_or_else(Config::default, |path| {
                serde_json::from_str(&std::fs::read_to_string(&path).expect("config file"))
                    .expect("a valid config")
            });
    let speed_sigma_mps: f64 = std::env::args()
        .nth(4)
        .and_then(|a| a.parse().ok())
        .unwrap_or(NoiseConfig::default().speed_sigma_mps);
    println!(
        "| seed | hard accel P / R | hard brake P / R | hard turn P / R | roundabout R | calm km | calm hard accel / brake / turn |"
    );
    println!("|---|---|---|---|---|---|---|");
    let (mut all, mut all_calm) = (Evaluation::default(), Evaluation::default());
    for seed in seeds {
        let sim = SimConfig {
            seed,
            noise: NoiseConfig {
                speed_sigma_mps,
                ..NoiseConfig::default()
            },
            ..SimConfig::default()
        };
        let ev = evaluate_simulated(&sim, trips, &config.detect);
        let calm = evaluate_simulated(
            &SimConfig {
                harsh_share: 0.0,
                ..sim
            },
            trips * 5 / 2,
            &config.detect,
        );
        row(&seed.to_string(), &ev, &calm);
        all.merge(&ev);
        all_calm.merge(&calm);
    }
    row("all", &all, &all_calm);
}

/// One table row: hard turns and roundabouts of `ev`, hard events of `calm`.
fn row(label: &str, ev: &Evaluation, calm: &Evaluation) {
    let hard = |k: &str| {
        let c = ev.hard.get(k).copied().unwrap_or_default();
        format!("{:.3} / {:.3}", c.precision(), c.recall())
    };
    let r = ev
        .annotations
        .get("roundabout")
        .copied()
        .unwrap_or_default();
    let n = |k: &str| calm.hard.get(k).map_or(0, |c| c.detected);
    println!(
        "| {label} | {} | {} | {} | {:.3} | {:.0} | {} / {} / {} |",
        hard("hard_accel"),
        hard("hard_brake"),
        hard("hard_turn"),
        r.recall(),
        calm.distance_m / 1000.0,
        n("hard_accel"),
        n("hard_brake"),
        n("hard_turn"),
    );
}
