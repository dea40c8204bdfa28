use tripscore::*;
fn main() {
    let idx: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(0);
    let noisy = std::env::args().nth(2).is_some();
    let cfg = SimConfig {
        noise: if noisy {
            NoiseConfig::default()
        } else {
            NoiseConfig::none()
        },
        ..SimConfig::default()
    };
    let sim = simulate_trip(&cfg, idx);
    let truth = sim.truth.clone().unwrap();
    let line = serde_json::to_string(&sim).unwrap();
    let trip = InputRecord {
        pos: RecordPos {
            source: "x".into(),
            line: 1,
        },
        payload: Payload::JsonLine(line),
    }
    .into_trajectory()
    .unwrap();
    let a = analyze(&trip, &Config::default());
    let t0 = truth.maneuvers[0].start_ms - 100_000;
    for m in &truth.maneuvers {
        println!(
            "{:8.1} TRUTH {:?} -{:.1} peak {:.2} harsh {}",
            (m.start_ms - t0) as f64 / 1000.0,
            m.kind,
            (m.end_ms - t0) as f64 / 1000.0,
            m.peak_mps2,
            m.harsh
        );
    }
    for d in &a.annotations {
        let name = |k: AnnotationKind| format!("{k:?}");
        let same = |m: &TruthManeuver| match (m.kind, d.kind) {
            (
                TruthKind::Accelerate,
                AnnotationKind::Acceleration(api::AccelerationKind::Accelerate),
            ) => true,
            (TruthKind::Brake, AnnotationKind::Acceleration(api::AccelerationKind::Brake)) => true,
            (TruthKind::Coast, AnnotationKind::Acceleration(api::AccelerationKind::Coast)) => true,
            (TruthKind::LeftTurn, AnnotationKind::Turn(api::Maneuver::LeftTurn)) => true,
            (TruthKind::RightTurn, AnnotationKind::Turn(api::Maneuver::RightTurn)) => true,
            (TruthKind::Roundabout, AnnotationKind::Turn(api::Maneuver::Roundabout)) => true,
            _ => false,
        };
        let _ = name;
        let hit = truth.maneuvers.iter().any(|m| {
            same(m)
                && d.start_ms <= (m.end_ms + 1000) as f64
                && d.end_ms >= (m.start_ms - 1000) as f64
        });
        println!(
            "{:8.1} DET {:?} -{:.1} peak {:.2} dh {:.0} hard {} {}",
            (d.start_ms - t0 as f64) / 1000.0,
            d.kind,
            (d.end_ms - t0 as f64) / 1000.0,
            d.peak_mps2,
            d.heading_change_deg,
            d.hard,
            if hit { "" } else { "  <<< FALSE" }
        );
    }
    for m in truth.maneuvers.iter().filter(|m| m.harsh) {
        let found = a.annotations.iter().any(|d| {
            d.hard
                && d.start_ms <= (m.end_ms + 1000) as f64
                && d.end_ms >= (m.start_ms - 1000) as f64
        });
        if !found {
            let near: Vec<String> = a
                .annotations
                .iter()
                .filter(|d| {
                    d.start_ms <= (m.end_ms + 1000) as f64 && d.end_ms >= (m.start_ms - 1000) as f64
                })
                .map(|d| format!("{:?} {:.2}", d.kind, d.peak_mps2))
                .collect();
            println!(
                "{:8.1} MISSED {:?} dur {:.1} peak {:.2} near {:?}",
                (m.start_ms - t0) as f64 / 1000.0,
                m.kind,
                (m.end_ms - m.start_ms) as f64 / 1000.0,
                m.peak_mps2,
                near
            );
        }
    }
    println!("{:?}", a.clean.report);
}
