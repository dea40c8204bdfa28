use tripscore::{Config, Trajectory, analyze, parse_line};
fn main() {
    let cfg: Config =
        serde_json::from_str(r#"{"detect":{"lane_switch":{"enabled":true}}}"#).unwrap();
    let root = env!("CARGO_MANIFEST_DIR");
    let labels = std::fs::read_to_string(format!(
        "{root}/data/delft-lane-changes/lane_change_labels.jsonl"
    ))
    .unwrap();
    let trips =
        std::fs::read_to_string(format!("{root}/data/delft-lane-changes/delft.jsonl")).unwrap();
    for (tl, ll) in trips.lines().zip(labels.lines()).take(3) {
        let trip = Trajectory::try_from(parse_line(tl).unwrap()).unwrap();
        let a = analyze(&trip, &cfg.detect);
        let kin = &a.kinematics;
        let lab: serde_json::Value = serde_json::from_str(ll).unwrap();
        for m in lab["maneuvers"].as_array().unwrap().iter().take(25) {
            let t = m["start_ms"].as_i64().unwrap();
            // signals within ±6 s of label (in car time: fix time - 750)
            let mut lat = vec![];
            let mut hd = vec![];
            let mut v = 0.0;
            for k in 0..kin.time_ms.len() {
                let tc = kin.time_ms[k] - a.latency_ms;
                if (tc - t).abs() <= 6000 {
                    lat.push(format!("{:.2}", kin.accel_lat_mps2[k]));
                    hd.push(format!("{:.1}", kin.heading_deg(k)));
                    v = kin.speed_mps[k];
                }
            }
            let found = a.annotations.iter().any(|x| {
                x.kind.name() == "lane_switch"
                    && x.start_ms - 3000.0 <= t as f64
                    && x.end_ms + 3000.0 >= t as f64
            });
            println!(
                "{} {} v {:.0} lat [{}] head [{}]",
                trip.event_id(),
                if found { "FOUND" } else { "miss " },
                v,
                lat.join(" "),
                hd.join(" ")
            );
        }
    }
}
