//! A seeded trip simulator with known manoeuvres and a GPS noise model.
//!
//! A car is driven at 10 Hz through a random plan of manoeuvres — pull-aways,
//! cruising, braking to stops and to junction turns, left and right turns, road
//! bends, roundabouts, coasting — each with a smooth (raised-cosine) profile
//! whose peak is drawn either from a *calm* range or a *harsh* one. The true
//! path is then sampled like a phone would (1, 2 or 5 s), and noise is added:
//!
//! - position error: a smooth drift per axis, a second-order Gauss–Markov
//!   process (σ = `position_sigma_m`, time constant `position_tau_s`), as the
//!   receiver's own filter makes GPS errors wander rather than jump, plus white
//!   noise (`white_sigma_m`) — together with polyline rounding they give
//!   two-fix Δv/Δt noise of about 1.2 m/s², as measured on real 1 Hz data;
//! - measured (Doppler) speed error, white (`speed_sigma_mps`);
//! - the receiver's latency (`latency_ms`): fixes stamped late, as real
//!   receivers do;
//! - timestamp jitter (`timestamp_jitter_ms`), dropouts, stale repeated fixes,
//!   spikes hundreds of metres off, and one tunnel gap;
//! - polyline rounding, as the trip is written in the compact form.
//!
//! Calm and harsh ranges keep a margin around each hard-event threshold (the
//! annotation stage's defaults, [`AnnotateConfig`]: calm
//! peaks ≤ 0.75 × threshold, harsh ≥ 1.25 ×), so that ground truth is
//! unambiguous; near-threshold behaviour is reported separately in
//! docs/ACCURACY.md. Every trip is a pure function of `(seed, index)`.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use serde::{Deserialize, Serialize};

use crate::api::{AccelerationKind, ApiTime, Maneuver, SubsecDigits};
use crate::detect::{AnnotateConfig, AnnotationKind, TimingConfig};
use crate::geodesy::offset_deg;
use crate::input::{Precision, decode_polyline, encode_polyline};

/// Simulation time step, seconds.
const STEP_S: f64 = 0.1;

/// The GPS noise model.
///
/// # Units
/// Metres, seconds, m/s, milliseconds, probabilities per fix.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct NoiseConfig {
    /// Standard deviation of the drifting position error, per axis, m.
    pub position_sigma_m: f64,
    /// Time constant of the drifting position error, s.
    pub position_tau_s: f64,
    /// Standard deviation of white position noise, per axis, m.
    pub white_sigma_m: f64,
    /// Standard deviation of the measured speed error, m/s.
    pub speed_sigma_mps: f64,
    /// Standard deviation of timestamp jitter, ms.
    pub timestamp_jitter_ms: f64,
    /// Probability that a fix is missing.
    pub dropout_prob: f64,
    /// Probability that a fix repeats the previous one (stale).
    pub stale_prob: f64,
    /// Probability that a fix is a spike 200–2,000 m off.
    pub spike_prob: f64,
    /// Whether the trip has one tunnel gap of 60–300 s.
    pub tunnel: bool,
    /// Time constant of the receiver's own track filter, s (0: none). Real
    /// receivers smooth their velocity and track: the reported velocity
    /// follows the car's through a first-order lag of this time constant,
    /// the reported position integrates it and is pulled to the car's with
    /// the same time constant, and the reported speed is the lagged
    /// velocity's length — so turns come out later, wider and gentler
    /// (docs/ACCURACY.md sweeps it and compares real receivers with a vehicle
    /// gyro).
    #[serde(default)]
    pub receiver_lag_s: f64,
    /// Probability that a fix's position error jumps (0: never): the error
    /// steps by 3–10 m in a random direction and decays back with a time
    /// constant of 3 s — a receiver re-solving its position. On the
    /// driveplotr-nds drives 1.5 % of fix intervals disagree with the
    /// measured speed by more than 3 m, and 2 % gives about that
    /// (`scripts/receiver_noise.py`, docs/ACCURACY.md).
    #[serde(default)]
    pub jump_prob: f64,
    /// How late the receiver stamps its fixes, ms: a fix stamped t shows
    /// the car as it was at t − this. By default the pipeline's own
    /// assumption (`detect.timing.gps_latency_ms`, measured on real
    /// receivers), which it takes off the annotations again; the ground
    /// truth is in the car's time.
    #[serde(default = "default_latency_ms")]
    pub latency_ms: i64,
    /// Probability that a trip is recorded from a cold start: the car is
    /// already moving at 60–100 km/h, and the receiver's first 1–3 fixes
    /// are network fixes — reported accuracy 67–2,000 m, the position that
    /// far off, speed 0 — as phones log when they start (issue #17 saw
    /// them on many real trips).
    #[serde(default)]
    pub cold_start_prob: f64,
}

fn default_latency_ms() -> i64 {
    TimingConfig::default().gps_latency_ms
}

impl Default for NoiseConfig {
    fn default() -> Self {
        Self {
            position_sigma_m: 5.0,
            position_tau_s: 60.0,
            white_sigma_m: 0.4,
            speed_sigma_mps: 0.3,
            timestamp_jitter_ms: 20.0,
            dropout_prob: 0.01,
            stale_prob: 0.01,
            spike_prob: 0.002,
            tunnel: true,
            receiver_lag_s: 0.0,
            jump_prob: 0.0,
            latency_ms: default_latency_ms(),
            cold_start_prob: 0.2,
        }
    }
}

impl NoiseConfig {
    /// No noise at all (only polyline rounding remains). The receiver's
    /// latency stays: it is a delay the pipeline takes off, not noise.
    #[must_use]
    pub fn none() -> Self {
        Self {
            position_sigma_m: 0.0,
            position_tau_s: 60.0,
            white_sigma_m: 0.0,
            speed_sigma_mps: 0.0,
            timestamp_jitter_ms: 0.0,
            dropout_prob: 0.0,
            stale_prob: 0.0,
            spike_prob: 0.0,
            tunnel: false,
            receiver_lag_s: 0.0,
            jump_prob: 0.0,
            latency_ms: default_latency_ms(),
            cold_start_prob: 0.0,
        }
    }
}

/// What to simulate.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct SimConfig {
    /// Seed; trip `i` depends only on `(seed, i)`.
    pub seed: u64,
    /// Driving time per trip, s.
    pub trip_duration_s: f64,
    /// Sampling interval, ms (1,000, 2,000 or 5,000 typically).
    pub sampling_ms: i64,
    /// Share of manoeuvres driven harshly (0 = calm driving only).
    pub harsh_share: f64,
    /// Whether the trip carries measured speeds (`speeds_kmh`).
    pub with_speed: bool,
    /// Whether each fix carries the accuracy its receiver reports
    /// (`accuracies_m`); without, as from a GPX track, a cold start's
    /// network fixes stay in the trip with nothing to name them.
    pub with_accuracy: bool,
    /// Whether the trip carries road types and speed limits (`road_types`,
    /// `speed_limits_kmh`): residential 30/50, primary 90, motorway 120 km/h.
    pub with_roads: bool,
    /// Share of road stretches driven 12–40 % over the limit.
    pub speeding_share: f64,
    /// Polyline precision of the written trip (5 or 6).
    pub precision: u32,
    /// The noise model.
    pub noise: NoiseConfig,
    /// Unix ms of the first trip's start; trip `i` starts `i` hours later.
    pub start_ms: i64,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            seed: 1,
            trip_duration_s: 1200.0,
            sampling_ms: 1000,
            harsh_share: 0.15,
            with_speed: true,
            with_accuracy: true,
            with_roads: true,
            speeding_share: 0.1,
            precision: 5,
            noise: NoiseConfig::default(),
            start_ms: 1_700_000_000_000,
        }
    }
}

/// A manoeuvre kind in the ground truth.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TruthKind {
    /// Speeding up.
    Accelerate,
    /// Slowing down with a peak of at least 1 m/s².
    Brake,
    /// Slowing down gently.
    Coast,
    /// Turning left.
    LeftTurn,
    /// Turning right.
    RightTurn,
    /// Through a roundabout.
    Roundabout,
    /// Changing lanes.
    LaneSwitch,
}

impl TruthKind {
    /// The annotation kind that detects a manoeuvre of this kind.
    #[must_use]
    pub fn annotation_kind(self) -> AnnotationKind {
        match self {
            Self::Accelerate => AnnotationKind::Acceleration(AccelerationKind::Accelerate),
            Self::Brake => AnnotationKind::Acceleration(AccelerationKind::Brake),
            Self::Coast => AnnotationKind::Acceleration(AccelerationKind::Coast),
            Self::LeftTurn => AnnotationKind::Turn(Maneuver::LeftTurn),
            Self::RightTurn => AnnotationKind::Turn(Maneuver::RightTurn),
            Self::Roundabout => AnnotationKind::Turn(Maneuver::Roundabout),
            Self::LaneSwitch => AnnotationKind::Turn(Maneuver::LaneSwitch),
        }
    }

    /// The name, as the annotation kinds and the labels spell it (`left_turn`).
    #[must_use]
    pub fn name(self) -> &'static str {
        self.annotation_kind().name()
    }
}

/// One manoeuvre the simulated driver made.
///
/// # Units
/// Unix ms; `peak_mps2` is the peak |longitudinal| (acceleration kinds) or
/// |lateral| (turns) acceleration, m/s².
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct TruthManeuver {
    /// What it was.
    pub kind: TruthKind,
    /// Start, Unix ms.
    pub start_ms: i64,
    /// End, Unix ms.
    pub end_ms: i64,
    /// Peak acceleration, m/s².
    pub peak_mps2: f64,
    /// Whether it was driven from the harsh range.
    pub harsh: bool,
}

/// The ground truth of a simulated trip.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SimTruth {
    /// The trip's id.
    pub event_id: String,
    /// True distance driven, m.
    pub distance_m: f64,
    /// The manoeuvres, in time order.
    pub maneuvers: Vec<TruthManeuver>,
    /// The true signals at 10 Hz (in memory only, for estimator comparisons).
    #[serde(skip)]
    pub signals: Vec<TrueSample>,
}

/// The true motion at one instant.
///
/// # Units
/// Unix ms, m/s, m/s² (lateral positive to the right).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrueSample {
    /// Instant, Unix ms.
    pub time_ms: i64,
    /// Speed, m/s.
    pub speed_mps: f64,
    /// Longitudinal acceleration, m/s².
    pub accel_long_mps2: f64,
    /// Lateral acceleration, m/s².
    pub accel_lat_mps2: f64,
}

impl SimTruth {
    /// The true sample nearest to `time_ms`, if any.
    #[must_use]
    pub fn signal_at(&self, time_ms: i64) -> Option<&TrueSample> {
        let i = self.signals.partition_point(|s| s.time_ms < time_ms);
        [i.checked_sub(1), Some(i)]
            .into_iter()
            .flatten()
            .filter_map(|i| self.signals.get(i))
            .min_by_key(|s| (s.time_ms - time_ms).abs())
    }
}

/// A simulated trip in the compact input form, with its truth.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SimTrip {
    /// User id.
    pub user_id: String,
    /// Trip id.
    pub event_id: String,
    /// Google polyline of the fixes.
    pub encoded: String,
    /// Polyline precision.
    pub precision: u32,
    /// One Unix-ms time per fix.
    pub timestamps_ms: Vec<i64>,
    /// Measured speeds, km/h, when simulated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub speeds_kmh: Option<Vec<f64>>,
    /// Posted limits, km/h, when simulated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub speed_limits_kmh: Option<Vec<f64>>,
    /// OSM road types, when simulated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub road_types: Option<Vec<String>>,
    /// The receiver's reported horizontal accuracy of each fix, m.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accuracies_m: Option<Vec<f64>>,
    /// The ground truth (written to a separate file by the CLI).
    #[serde(skip)]
    pub truth: Option<SimTruth>,
}

impl SimTrip {
    /// The same trip in the waypoint input form: one object per fix with an
    /// RFC 3339 timestamp (UTC), speed, limit and road type when simulated.
    #[must_use]
    pub fn waypoint_record(&self) -> serde_json::Value {
        let precision = Precision::try_from(self.precision).unwrap_or_default();
        let points = decode_polyline(&self.encoded, precision).unwrap_or_default();
        let waypoints: Vec<serde_json::Value> = (0..points.lat_deg.len().min(self.timestamps_ms.len()))
            .map(|i| {
                let mut w = serde_json::json!({
                    "latitude": points.lat_deg[i],
                    "longitude": points.lon_deg[i],
                    "timestamp": ApiTime::from_epoch_ms(self.timestamps_ms[i], 0, SubsecDigits::Millis)
                        .map(|t| t.to_string()),
                });
                if let Some(v) = self.speeds_kmh.as_ref().and_then(|s| s.get(i)) {
                    w["speed"] = serde_json::json!(v);
                }
                if let Some(l) = self.speed_limits_kmh.as_ref().and_then(|s| s.get(i)) {
                    w["speed_limit"] = serde_json::json!(l);
                }
                if let Some(a) = self.accuracies_m.as_ref().and_then(|s| s.get(i)) {
                    w["accuracy"] = serde_json::json!(a);
                }
                if let Some(r) = self.road_types.as_ref().and_then(|s| s.get(i)) {
                    w["road_type"] = serde_json::json!(r);
                }
                w
            })
            .collect();
        serde_json::json!({"user_id": self.user_id, "event_id": self.event_id, "waypoints": waypoints})
    }
}

/// Time constant with which a position jump decays, s.
const JUMP_DECAY_S: f64 = 3.0;

/// Shortest speed-change pulse, s.
const MIN_PULSE_S: f64 = 2.0;
/// Shortest harsh speed-change pulse, s.
const MIN_HARSH_PULSE_S: f64 = 3.0;

/// The true state at one 10 Hz step.
#[derive(Clone, Copy, Debug)]
struct State {
    t_s: f64,
    x_m: f64,
    y_m: f64,
    heading_rad: f64,
    speed_mps: f64,
    road: Road,
}

/// The road being driven: its OSM type and posted limit.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Road {
    road_type: &'static str,
    limit_kmh: f64,
}

const CITY_30: Road = Road {
    road_type: "residential",
    limit_kmh: 30.0,
};
const CITY_50: Road = Road {
    road_type: "residential",
    limit_kmh: 50.0,
};
const RURAL: Road = Road {
    road_type: "primary",
    limit_kmh: 90.0,
};
const MOTORWAY: Road = Road {
    road_type: "motorway",
    limit_kmh: 120.0,
};

struct Driver {
    rng: ChaCha8Rng,
    states: Vec<State>,
    truth: Vec<TruthManeuver>,
    start_ms: i64,
    harsh_share: f64,
    speeding_share: f64,
    road: Road,
    /// The hard thresholds the calm and harsh ranges keep clear of: the
    /// annotation stage's defaults.
    hard: AnnotateConfig,
}

fn ms(start_ms: i64, t_s: f64) -> i64 {
    #[allow(
        clippy::cast_possible_truncation,
        reason = "trip times are far below 2^53 ms"
    )]
    let offset = (t_s * 1000.0).round() as i64;
    start_ms + offset
}

impl Driver {
    fn now(&self) -> State {
        *self.states.last().expect("a driver starts with one state")
    }

    /// Advances one step with longitudinal acceleration `a` and yaw rate `w`.
    fn step(&mut self, a_mps2: f64, yaw_rate_rps: f64) {
        let s = self.now();
        let v = (s.speed_mps + a_mps2 * STEP_S).max(0.0);
        let v_mid = 0.5 * (s.speed_mps + v);
        let h_mid = s.heading_rad + 0.5 * yaw_rate_rps * STEP_S;
        // Heading is measured clockwise from north (x east, y north).
        self.states.push(State {
            t_s: s.t_s + STEP_S,
            x_m: s.x_m + v_mid * STEP_S * h_mid.sin(),
            y_m: s.y_m + v_mid * STEP_S * h_mid.cos(),
            heading_rad: s.heading_rad + yaw_rate_rps * STEP_S,
            speed_mps: v,
            road: self.road,
        });
    }

    fn harsh(&mut self) -> bool {
        self.harsh_share > 0.0 && self.rng.random_bool(self.harsh_share.min(1.0))
    }

    fn record(&mut self, kind: TruthKind, t0_s: f64, peak_mps2: f64, harsh: bool) {
        let t1 = self.now().t_s;
        self.truth.push(TruthManeuver {
            kind,
            start_ms: ms(self.start_ms, t0_s),
            end_ms: ms(self.start_ms, t1),
            peak_mps2,
            harsh,
        });
    }

    /// Hold the speed for `duration_s`.
    fn cruise(&mut self, duration_s: f64) {
        let end = self.now().t_s + duration_s;
        while self.now().t_s < end {
            self.step(0.0, 0.0);
        }
    }

    /// Hold the speed for a random time in `[lo_s, hi_s)`.
    fn cruise_between(&mut self, lo_s: f64, hi_s: f64) {
        let duration = self.rng.random_range(lo_s..hi_s);
        self.cruise(duration);
    }

    /// Change speed to `target_mps` with a raised-cosine pulse peaking at `peak`.
    ///
    /// A pulse lasts at least `MIN_PULSE_S` (harsh: `MIN_HARSH_PULSE_S`): shedding
    /// a little speed cannot be a hard brake. A harsh pulse that would be
    /// shorter is driven calm instead, and a calm one gentler.
    fn change_speed(&mut self, target_mps: f64, peak_mps2: f64, kind: TruthKind, harsh: bool) {
        let dv = target_mps - self.now().speed_mps;
        if dv.abs() < 0.1 {
            return;
        }
        let (mut peak_mps2, mut harsh) = (peak_mps2, harsh);
        if harsh && 2.0 * dv.abs() / peak_mps2 < MIN_HARSH_PULSE_S {
            harsh = false;
            peak_mps2 = self.calm_peak(kind);
        }
        // ∫ peak·sin²(πt/T) dt = peak·T/2 = |dv|, so T ≥ T_min caps the peak.
        let min_s = if harsh {
            MIN_HARSH_PULSE_S
        } else {
            MIN_PULSE_S
        };
        peak_mps2 = peak_mps2.min(2.0 * dv.abs() / min_s);
        let duration = 2.0 * dv.abs() / peak_mps2;
        let t0 = self.now().t_s;
        let mut t = 0.0;
        while t < duration {
            let shape = (std::f64::consts::PI * (t + 0.5 * STEP_S) / duration)
                .sin()
                .powi(2);
            self.step(dv.signum() * peak_mps2 * shape, 0.0);
            t += STEP_S;
        }
        if target_mps == 0.0 {
            let s = self.states.last_mut().expect("states");
            s.speed_mps = 0.0;
        }
        self.record(kind, t0, peak_mps2, harsh);
    }

    /// Turn by `angle_rad` (positive = right, clockwise) at constant speed with a
    /// raised-cosine yaw rate whose lateral acceleration peaks at `peak`.
    fn turn(&mut self, angle_rad: f64, peak_lat_mps2: f64) {
        self.turn_with_ramps(angle_rad, peak_lat_mps2, None);
    }

    /// Like [`Self::turn`], but the yaw rate ramps up and down over `ramp_s`
    /// (sin² ramps) around a plateau: steering held through a curve, as in a
    /// roundabout. `None`: no plateau (a raised cosine).
    fn turn_with_ramps(&mut self, angle_rad: f64, peak_lat_mps2: f64, ramp_s: Option<f64>) {
        let v = self.now().speed_mps.max(1.0);
        let peak_yaw = peak_lat_mps2 / v;
        // Angle = peak·(T − ramp) for sin² ramps of `ramp` at each end.
        let (duration, ramp) = if let Some(r) = ramp_s {
            ((angle_rad.abs() / peak_yaw + r).max(2.0 * r), r)
        } else {
            let d = 2.0 * angle_rad.abs() / peak_yaw;
            (d, 0.5 * d)
        };
        let mut t = 0.0;
        while t < duration {
            let tm = t + 0.5 * STEP_S;
            let edge = tm.min(duration - tm);
            let shape = if edge < ramp {
                (0.5 * std::f64::consts::PI * edge / ramp).sin().powi(2)
            } else {
                1.0
            };
            self.step(0.0, angle_rad.signum() * peak_yaw * shape);
            t += STEP_S;
        }
    }

    fn calm_peak(&mut self, kind: TruthKind) -> f64 {
        match kind {
            TruthKind::Accelerate => self.accel_peak(false),
            TruthKind::Coast => self.rng.random_range(0.4..0.85),
            _ => self.brake_peak(false),
        }
    }

    fn accel_peak(&mut self, harsh: bool) -> f64 {
        if harsh {
            self.rng
                .random_range(1.25 * self.hard.hard_accel_mps2..1.8 * self.hard.hard_accel_mps2)
        } else {
            self.rng.random_range(0.8..0.75 * self.hard.hard_accel_mps2)
        }
    }

    fn brake_peak(&mut self, harsh: bool) -> f64 {
        if harsh {
            self.rng
                .random_range(1.25 * self.hard.hard_brake_mps2..2.0 * self.hard.hard_brake_mps2)
        } else {
            self.rng.random_range(1.0..0.75 * self.hard.hard_brake_mps2)
        }
    }

    fn turn_peak(&mut self, harsh: bool) -> f64 {
        if harsh {
            self.rng
                .random_range(1.25 * self.hard.hard_turn_mps2..1.7 * self.hard.hard_turn_mps2)
        } else {
            self.rng.random_range(1.0..0.75 * self.hard.hard_turn_mps2)
        }
    }

    /// Picks the next road and a speed on it: mostly at or below the limit,
    /// over it (by 12–40 %) with probability `speeding_share`.
    fn cruise_speed(&mut self) -> f64 {
        self.road = match self.rng.random_range(0..10) {
            0 => CITY_30,
            1..=4 => CITY_50,
            5..=7 => RURAL,
            _ => MOTORWAY,
        };
        let factor =
            if self.speeding_share > 0.0 && self.rng.random_bool(self.speeding_share.min(1.0)) {
                self.rng.random_range(1.12..1.4)
            } else {
                self.rng.random_range(0.8..1.05)
            };
        self.road.limit_kmh * factor / 3.6
    }

    fn accelerate_to(&mut self, target_mps: f64) {
        let harsh = self.harsh();
        let peak = self.accel_peak(harsh);
        self.change_speed(target_mps, peak, TruthKind::Accelerate, harsh);
    }

    fn brake_to(&mut self, target_mps: f64) {
        let harsh = self.harsh();
        let peak = self.brake_peak(harsh);
        self.change_speed(target_mps, peak, TruthKind::Brake, harsh);
    }

    fn junction_turn(&mut self) {
        // The tightest radius of the turn and the lateral peak set the speed.
        let harsh = self.harsh();
        let peak = self.turn_peak(harsh);
        let radius_m: f64 = self.rng.random_range(8.0..20.0);
        let speed = (peak * radius_m).sqrt();
        self.brake_to(speed);
        self.cruise_between(1.0, 3.0);
        self.left_or_right_turn(70.0..110.0, peak, harsh);
        self.cruise_between(1.0, 3.0);
    }

    /// A turn left or right (at random) by an angle drawn from `angle_deg`,
    /// recorded in the truth.
    fn left_or_right_turn(&mut self, angle_deg: std::ops::Range<f64>, peak: f64, harsh: bool) {
        let right = self.rng.random_bool(0.5);
        let angle = self.rng.random_range(angle_deg).to_radians();
        let t0 = self.now().t_s;
        self.turn(if right { angle } else { -angle }, peak);
        let kind = if right {
            TruthKind::RightTurn
        } else {
            TruthKind::LeftTurn
        };
        self.record(kind, t0, peak, harsh);
    }

    fn bend(&mut self) {
        let peak = self.rng.random_range(1.0..0.75 * self.hard.hard_turn_mps2);
        self.left_or_right_turn(25.0..60.0, peak, false);
    }

    /// A long bend of a rural road or a motorway at the current speed:
    /// 15–90° over 8–40 s, its lateral acceleration peaking at 0.6–2 m/s²
    /// and dipping mid-way (to 30–100 % of the peak: a bend of two radii),
    /// recorded as a left or right turn.
    fn long_bend(&mut self) {
        let v = self.now().speed_mps;
        let right = self.rng.random_bool(0.5);
        let lat_mps2: f64 = self.rng.random_range(0.6..2.0);
        let dip: f64 = self.rng.random_range(0.0..0.7);
        // The yaw profile (1 − d)·sin²(πu) + d·sin²(2πu) on u ∈ [0, 1] has
        // area ½ and dips to 1 − d mid-way; its peak, on a grid.
        let shape = |u: f64| {
            use std::f64::consts::PI;
            (1.0 - dip) * (PI * u).sin().powi(2) + dip * (2.0 * PI * u).sin().powi(2)
        };
        let peak_shape = (0..=200)
            .map(|k| shape(f64::from(k) / 200.0))
            .fold(0.0, f64::max);
        let angle = self.rng.random_range(15.0_f64..90.0).to_radians();
        // Angle = scale · T / 2 and lateral peak = v · scale · peak_shape.
        let duration = (2.0 * angle * v * peak_shape / lat_mps2).clamp(8.0, 40.0);
        let scale = 2.0 * angle / duration;
        let t0 = self.now().t_s;
        let mut t = 0.0;
        while t < duration {
            let u = (t + 0.5 * STEP_S) / duration;
            let w = scale * shape(u);
            self.step(0.0, if right { w } else { -w });
            t += STEP_S;
        }
        let kind = if right {
            TruthKind::RightTurn
        } else {
            TruthKind::LeftTurn
        };
        self.record(kind, t0, v * scale * peak_shape, false);
    }

    /// A lane change at the current speed: 3.5 m sideways in 4–8 s (a yaw
    /// rate of one sine period: out, and back to the old heading).
    fn lane_change(&mut self) {
        let v = self.now().speed_mps.max(1.0);
        let duration: f64 = self.rng.random_range(4.0..8.0);
        let left = self.rng.random_bool(0.5);
        // Sideways = v · ∫θ = v · A·T²/(2π) for ψ̇ = A·sin(2πt/T).
        let amplitude = 3.5 * std::f64::consts::TAU / (v * duration * duration);
        let t0 = self.now().t_s;
        let mut t = 0.0;
        while t < duration {
            let w = amplitude * (std::f64::consts::TAU * (t + 0.5 * STEP_S) / duration).sin();
            self.step(0.0, if left { -w } else { w });
            t += STEP_S;
        }
        self.record(TruthKind::LaneSwitch, t0, v * amplitude, false);
    }

    fn roundabout(&mut self) {
        // Right-hand traffic: veer right to enter, circle left (counter-clockwise),
        // veer right to leave. Circling 90° is straight on, 180° left, 270° back.
        let radius_m: f64 = self.rng.random_range(12.0..25.0);
        let circle_lat: f64 = self.rng.random_range(1.2..0.7 * self.hard.hard_turn_mps2);
        let speed = (circle_lat * radius_m).sqrt();
        self.brake_to(speed);
        self.cruise_between(1.0, 2.0);
        let entry_lat = 0.8 * circle_lat;
        let exit_deg: f64 = [90.0, 180.0, 270.0][self.rng.random_range(0..3)];
        let t0 = self.now().t_s;
        self.turn_with_ramps(45_f64.to_radians(), entry_lat, Some(1.5));
        self.turn_with_ramps(-exit_deg.to_radians(), circle_lat, Some(1.5));
        self.turn_with_ramps(45_f64.to_radians(), entry_lat, Some(1.5));
        self.record(TruthKind::Roundabout, t0, circle_lat, false);
    }

    fn stop_and_go(&mut self) {
        self.brake_to(0.0);
        self.cruise_between(3.0, 40.0);
        let v = self.cruise_speed().min(60.0 / 3.6);
        self.accelerate_to(v);
    }

    fn coast(&mut self) {
        let v = self.now().speed_mps;
        let target = v * self.rng.random_range(0.7..0.9);
        let peak = self.rng.random_range(0.4..0.85);
        self.change_speed(target, peak, TruthKind::Coast, false);
    }
}

/// The car's true path and manoeuvres; `moving_start`: the recording starts
/// with the car already cruising on a rural road or a motorway.
fn simulate_path(
    cfg: &SimConfig,
    rng: ChaCha8Rng,
    start_ms: i64,
    moving_start: bool,
) -> (Vec<State>, Vec<TruthManeuver>) {
    let mut d = Driver {
        rng,
        states: vec![State {
            t_s: 0.0,
            x_m: 0.0,
            y_m: 0.0,
            heading_rad: 0.0,
            speed_mps: 0.0,
            road: CITY_50,
        }],
        truth: Vec::new(),
        start_ms,
        harsh_share: cfg.harsh_share,
        speeding_share: cfg.speeding_share,
        road: CITY_50,
        hard: AnnotateConfig::default(),
    };
    d.states[0].heading_rad = d.rng.random_range(0.0..std::f64::consts::TAU);
    if moving_start {
        d.road = if d.rng.random_bool(0.5) {
            RURAL
        } else {
            MOTORWAY
        };
        d.states[0].road = d.road;
        d.states[0].speed_mps = d.rng.random_range(60.0..100.0) / 3.6;
    } else {
        d.cruise_between(5.0, 20.0);
        let v = d.cruise_speed().min(50.0 / 3.6);
        d.accelerate_to(v);
    }
    while d.now().t_s < cfg.trip_duration_s {
        let cruise = d.rng.random_range(5.0..30.0);
        d.cruise(cruise);
        match d.rng.random_range(0..12) {
            0..=2 => {
                d.junction_turn();
                let v = d.cruise_speed().min(70.0 / 3.6);
                d.accelerate_to(v);
            }
            3..=4 => d.stop_and_go(),
            5..=6 => d.bend(),
            7 => {
                d.roundabout();
                let v = d.cruise_speed().min(70.0 / 3.6);
                d.accelerate_to(v);
            }
            8 => d.coast(),
            10 if d.now().speed_mps > 40.0 / 3.6 => d.long_bend(),
            11 if d.now().speed_mps > 60.0 / 3.6 => d.lane_change(),
            9 => {
                let v = d.cruise_speed();
                if v > d.now().speed_mps {
                    d.accelerate_to(v);
                } else {
                    d.brake_to(v);
                }
            }
            _ => {}
        }
    }
    d.brake_to(0.0);
    d.cruise_between(3.0, 10.0);
    (d.states, d.truth)
}

/// What the receiver reports at one 10 Hz step: position, m, and speed, m/s.
#[derive(Clone, Copy, Debug)]
struct Reported {
    x_m: f64,
    y_m: f64,
    speed_mps: f64,
}

/// The receiver's own track of `states` with the track-filter time
/// constant `lag_s` (see [`NoiseConfig::receiver_lag_s`]); the true states
/// when `lag_s` is 0.
fn receiver_track(states: &[State], lag_s: f64) -> Vec<Reported> {
    let exact = |s: &State| Reported {
        x_m: s.x_m,
        y_m: s.y_m,
        speed_mps: s.speed_mps,
    };
    if lag_s <= 0.0 {
        return states.iter().map(exact).collect();
    }
    let gain = (STEP_S / lag_s).min(1.0);
    let Some(first) = states.first() else {
        return Vec::new();
    };
    let mut at = exact(first);
    let (mut vx, mut vy) = (
        first.speed_mps * first.heading_rad.sin(),
        first.speed_mps * first.heading_rad.cos(),
    );
    let mut out = vec![at];
    for w in states.windows(2) {
        let (true_vx, true_vy) = (
            (w[1].x_m - w[0].x_m) / STEP_S,
            (w[1].y_m - w[0].y_m) / STEP_S,
        );
        vx += gain * (true_vx - vx);
        vy += gain * (true_vy - vy);
        // Predict with the lagged velocity, then pull towards the car.
        at.x_m += vx * STEP_S;
        at.y_m += vy * STEP_S;
        at.x_m += gain * (w[1].x_m - at.x_m);
        at.y_m += gain * (w[1].y_m - at.y_m);
        at.speed_mps = vx.hypot(vy);
        out.push(at);
    }
    out
}

/// Simulates trip `index` of the set `cfg` describes.
///
/// # Panics
/// Never for finite configs; a non-finite noise sigma panics in `Normal::new`.
///
/// # Example
/// ```
/// use tripscore::{simulate_trip, SimConfig};
/// let trip = simulate_trip(&SimConfig::default(), 0);
/// assert_eq!(trip, simulate_trip(&SimConfig::default(), 0)); // deterministic
/// assert!(!trip.truth.as_ref().unwrap().maneuvers.is_empty());
/// ```
#[must_use]
#[allow(
    clippy::too_many_lines,
    reason = "one pass of the sampling and noise model, in order"
)]
pub fn simulate_trip(cfg: &SimConfig, index: u64) -> SimTrip {
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let start_ms = cfg.start_ms + i64::try_from(index).unwrap_or(0) * 3_600_000;
    let origin_lat: f64 = rng.random_range(-60.0..60.0);
    let origin_lon: f64 = rng.random_range(-170.0..170.0);
    let path_rng = ChaCha8Rng::seed_from_u64(rng.random());
    let noise = cfg.noise;
    // A cold start: how many network fixes open the trip (none usually).
    let cold_fixes: usize =
        if noise.cold_start_prob > 0.0 && rng.random_bool(noise.cold_start_prob.min(1.0)) {
            rng.random_range(1..=3)
        } else {
            0
        };
    let (states, maneuvers) = simulate_path(cfg, path_rng, start_ms, cold_fixes > 0);
    let distance_m = states
        .windows(2)
        .map(|w| (w[1].x_m - w[0].x_m).hypot(w[1].y_m - w[0].y_m))
        .sum();

    let signals = states
        .windows(2)
        .map(|w| {
            let v = 0.5 * (w[0].speed_mps + w[1].speed_mps);
            TrueSample {
                time_ms: ms(start_ms, 0.5 * (w[0].t_s + w[1].t_s)),
                speed_mps: v,
                accel_long_mps2: (w[1].speed_mps - w[0].speed_mps) / STEP_S,
                accel_lat_mps2: v * (w[1].heading_rad - w[0].heading_rad) / STEP_S,
            }
        })
        .collect();
    let noise = cfg.noise;
    let track = receiver_track(&states, noise.receiver_lag_s);
    let normal = |sigma: f64| Normal::new(0.0, sigma.max(0.0)).expect("finite sigma");
    let (white, speed_err, jitter) = (
        normal(noise.white_sigma_m),
        normal(noise.speed_sigma_mps),
        normal(noise.timestamp_jitter_ms),
    );
    let step = usize::try_from((cfg.sampling_ms.max(100) + 50) / 100).unwrap_or(10);
    #[allow(
        clippy::cast_precision_loss,
        reason = "sampling interval in ms is small"
    )]
    let dt_s = step as f64 * STEP_S;
    // Drift: a second-order Gauss–Markov error per axis. Its velocity is an
    // Ornstein–Uhlenbeck process (time constant τ) and the position error
    // integrates it with a pull back to zero, de = (v − e/τ)·dt, whose
    // stationary σ_e = σ_v·τ/√2. Receivers filter their fixes, so the error is
    // smooth: it moves fixes by metres over minutes, not per fix.
    let tau = noise.position_tau_s.max(1.0);
    let sigma_v = noise.position_sigma_m * std::f64::consts::SQRT_2 / tau;
    let rho = (-dt_s / tau).exp();
    let drift_step = normal(sigma_v * (1.0 - rho * rho).sqrt());
    let mut drift = [0; 2].map(|_| {
        (
            normal(noise.position_sigma_m).sample(&mut rng),
            normal(sigma_v).sample(&mut rng),
        )
    });
    let total_s = states.last().map_or(0.0, |s| s.t_s);
    let tunnel = if noise.tunnel && total_s > 600.0 {
        let len = rng.random_range(60.0..300.0);
        let at = rng.random_range(0.2 * total_s..0.8 * total_s - len);
        Some((at, at + len))
    } else {
        None
    };
    let cos_lat = origin_lat.to_radians().cos();
    let mut lat = Vec::new();
    let mut lon = Vec::new();
    let mut times = Vec::new();
    let mut speeds = Vec::new();
    let mut roads = Vec::new();
    let mut accuracies = Vec::new();
    // The accuracy a receiver reports for its ordinary fixes: about its
    // drift's 1.5 σ, m.
    let usual_accuracy_m = 1.5 * noise.position_sigma_m + 1.0;
    // Position jumps: an offset that steps and decays back (time constant
    // JUMP_DECAY_S); no random draw at all when they are off.
    let mut jump = (0.0, 0.0);
    let jump_decay = (-dt_s / JUMP_DECAY_S).exp();
    for (s, reported) in states.iter().zip(&track).step_by(step) {
        for (e, v) in &mut drift {
            *v = rho * *v + drift_step.sample(&mut rng);
            *e += (*v - *e / tau) * dt_s;
        }
        jump = (jump.0 * jump_decay, jump.1 * jump_decay);
        if noise.jump_prob > 0.0 && rng.random_bool(noise.jump_prob.min(1.0)) {
            let r = rng.random_range(3.0..10.0);
            let a: f64 = rng.random_range(0.0..std::f64::consts::TAU);
            jump = (jump.0 + r * a.sin(), jump.1 + r * a.cos());
        }
        if tunnel.is_some_and(|(a, b)| (a..b).contains(&s.t_s))
            || rng.random_bool(noise.dropout_prob)
        {
            continue;
        }
        let t = ms(start_ms, s.t_s) + noise.latency_ms + {
            #[allow(clippy::cast_possible_truncation, reason = "jitter of a few ms")]
            let j = jitter.sample(&mut rng).round() as i64;
            j
        };
        if !lat.is_empty() && rng.random_bool(noise.stale_prob) {
            // A stale fix: the receiver repeats its last position and speed.
            lat.push(*lat.last().expect("non-empty"));
            lon.push(*lon.last().expect("non-empty"));
            speeds.push(*speeds.last().expect("non-empty"));
            accuracies.push(*accuracies.last().expect("non-empty"));
            roads.push(s.road);
            times.push(t);
            continue;
        }
        let (mut x, mut y) = (
            reported.x_m + drift[0].0 + jump.0 + white.sample(&mut rng),
            reported.y_m + drift[1].0 + jump.1 + white.sample(&mut rng),
        );
        if rng.random_bool(noise.spike_prob) {
            let r = rng.random_range(200.0..2000.0);
            let a: f64 = rng.random_range(0.0..std::f64::consts::TAU);
            x += r * a.sin();
            y += r * a.cos();
        }
        let mut speed_kmh =
            ((reported.speed_mps + speed_err.sample(&mut rng)).max(0.0) * 3.6 * 100.0).round()
                / 100.0;
        let mut accuracy_m = (usual_accuracy_m * rng.random_range(0.7..1.3)).round();
        if lat.len() < cold_fixes {
            // A network fix: reported accuracy 67–2,000 m (log-uniform), the
            // position 30–100 % of that off, no speed.
            accuracy_m = rng
                .random_range(67.0_f64.ln()..2000.0_f64.ln())
                .exp()
                .round();
            let r = accuracy_m * rng.random_range(0.3..1.0);
            let a: f64 = rng.random_range(0.0..std::f64::consts::TAU);
            x += r * a.sin();
            y += r * a.cos();
            speed_kmh = 0.0;
        }
        let (fix_lat, fix_lon) = offset_deg(origin_lat, origin_lon, cos_lat, x, y);
        lat.push(fix_lat);
        lon.push(fix_lon);
        speeds.push(speed_kmh);
        accuracies.push(accuracy_m);
        roads.push(s.road);
        times.push(t);
    }
    let precision = Precision::try_from(cfg.precision).unwrap_or_default();
    let encoded = encode_polyline(&lat, &lon, precision).unwrap_or_default();
    let event_id = format!("sim-{}-{index}", cfg.seed);
    SimTrip {
        user_id: format!("sim-user-{}", index % 10),
        event_id: event_id.clone(),
        encoded,
        precision: precision.decimals(),
        timestamps_ms: times,
        speeds_kmh: cfg.with_speed.then_some(speeds),
        speed_limits_kmh: cfg
            .with_roads
            .then(|| roads.iter().map(|r| r.limit_kmh).collect()),
        road_types: cfg
            .with_roads
            .then(|| roads.iter().map(|r| r.road_type.to_owned()).collect()),
        accuracies_m: cfg.with_accuracy.then_some(accuracies),
        truth: Some(SimTruth {
            event_id,
            distance_m,
            maneuvers,
            signals,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noiseless_trip_matches_its_truth_distance() {
        let cfg = SimConfig {
            noise: NoiseConfig::none(),
            precision: 6,
            ..SimConfig::default()
        };
        let trip = simulate_trip(&cfg, 3);
        let pts = decode_polyline(&trip.encoded, Precision::P6).unwrap();
        let raw = crate::input::RawTrip {
            lat_deg: pts.lat_deg,
            lon_deg: pts.lon_deg,
            time_ms: Some(trip.timestamps_ms.clone()),
            ..crate::input::RawTrip::default()
        };
        let measured = crate::input::Trajectory::try_from(raw)
            .unwrap()
            .distance_m();
        let truth = trip.truth.unwrap().distance_m;
        assert!(
            (measured - truth).abs() / truth < 0.01,
            "{measured} vs {truth}"
        );
    }

    /// The fix intervals of simulated trip `index` whose chord differs from
    /// the distance the measured speed drove by more than 3 m.
    fn position_jumps(noise: NoiseConfig, index: u64) -> usize {
        let cfg = SimConfig {
            noise,
            precision: 6,
            ..SimConfig::default()
        };
        let trip = simulate_trip(&cfg, index);
        let pts = decode_polyline(&trip.encoded, Precision::P6).unwrap();
        let speeds = trip.speeds_kmh.unwrap();
        let t = &trip.timestamps_ms;
        let raw = crate::input::RawTrip {
            lat_deg: pts.lat_deg,
            lon_deg: pts.lon_deg,
            time_ms: Some(t.clone()),
            ..crate::input::RawTrip::default()
        };
        let path = crate::input::Trajectory::try_from(raw).unwrap();
        (1..t.len())
            .filter(|&k| {
                let driven =
                    0.5 * (speeds[k] + speeds[k - 1]) / 3.6 * (t[k] - t[k - 1]) as f64 / 1000.0;
                (path.step_m(k - 1) - driven).abs() > 3.0
            })
            .count()
    }

    #[test]
    fn position_jumps_are_off_by_default_and_decay_back() {
        assert_eq!(position_jumps(NoiseConfig::none(), 2), 0);
        let jumpy = NoiseConfig {
            jump_prob: 0.02,
            ..NoiseConfig::none()
        };
        // About 24 jumps in 1,200 fixes, most of them with an along-track
        // part over 3 m on the way out or back.
        let n = position_jumps(jumpy, 2);
        assert!((5..=80).contains(&n), "{n}");
        // Decaying back, they leave most fixes where they were.
        let fixes = |noise| {
            let cfg = SimConfig {
                noise,
                precision: 6,
                ..SimConfig::default()
            };
            decode_polyline(&simulate_trip(&cfg, 2).encoded, Precision::P6).unwrap()
        };
        let (a, b) = (fixes(jumpy), fixes(NoiseConfig::none()));
        assert_eq!(a.lat_deg.len(), b.lat_deg.len());
        let mut off_m: Vec<f64> = (0..a.lat_deg.len())
            .map(|k| {
                let (dx, dy) = crate::geodesy::east_north_m(
                    a.lat_deg[k] - b.lat_deg[k],
                    a.lon_deg[k] - b.lon_deg[k],
                    b.lat_deg[k].to_radians().cos(),
                );
                dx.hypot(dy)
            })
            .collect();
        off_m.sort_by(f64::total_cmp);
        assert!(
            off_m[off_m.len() / 2] < 1.0,
            "median {}",
            off_m[off_m.len() / 2]
        );
        assert!(off_m[off_m.len() - 1] > 3.0);
    }

    /// A car at 8 m/s going north for 10 s, then turning right by 90° at
    /// 0.5 rad/s, then east for 20 s, at 10 Hz.
    fn corner() -> Vec<State> {
        let road = CITY_50;
        let mut states = vec![State {
            t_s: 0.0,
            x_m: 0.0,
            y_m: 0.0,
            heading_rad: 0.0,
            speed_mps: 8.0,
            road,
        }];
        let turn_steps = (std::f64::consts::FRAC_PI_2 / 0.5 / STEP_S).round() as usize;
        for k in 0..300 + turn_steps {
            let s = *states.last().unwrap();
            let yaw = if (100..100 + turn_steps).contains(&k) {
                0.5
            } else {
                0.0
            };
            let h_mid = s.heading_rad + 0.5 * yaw * STEP_S;
            states.push(State {
                t_s: s.t_s + STEP_S,
                x_m: s.x_m + 8.0 * STEP_S * h_mid.sin(),
                y_m: s.y_m + 8.0 * STEP_S * h_mid.cos(),
                heading_rad: s.heading_rad + yaw * STEP_S,
                speed_mps: 8.0,
                road,
            });
        }
        states
    }

    #[test]
    fn the_receiver_track_filter_lags_turns_but_not_straights() {
        let states = corner();
        let exact = receiver_track(&states, 0.0);
        for (r, s) in exact.iter().zip(&states) {
            assert_eq!((r.x_m, r.y_m, r.speed_mps), (s.x_m, s.y_m, s.speed_mps));
        }
        let lagged = receiver_track(&states, 2.0);
        let off = |k: usize| (lagged[k].x_m - states[k].x_m).hypot(lagged[k].y_m - states[k].y_m);
        // On the straight before the turn it reports the car exactly…
        assert!(off(90) < 1e-9, "{}", off(90));
        // …through the corner it cuts inside and lags by metres, and its
        // speed dips (the lagged velocity turns through the corner)…
        let worst = (100..160).map(off).fold(0.0, f64::max);
        assert!(worst > 2.0, "{worst}");
        assert!(lagged[125..150].iter().any(|r| r.speed_mps < 7.5));
        // …and twenty seconds later it is back on the car.
        let last = states.len() - 1;
        assert!(off(last) < 0.1, "{}", off(last));
        assert!((lagged[last].speed_mps - 8.0).abs() < 0.01);
    }

    #[test]
    fn calm_driving_has_no_harsh_manoeuvre_and_peaks_stay_in_range() {
        let cfg = SimConfig {
            harsh_share: 0.0,
            ..SimConfig::default()
        };
        for i in 0..5 {
            let truth = simulate_trip(&cfg, i).truth.unwrap();
            for m in &truth.maneuvers {
                assert!(!m.harsh);
                let hard = AnnotateConfig::default();
                let limit = match m.kind {
                    TruthKind::Accelerate => hard.hard_accel_mps2,
                    TruthKind::Brake | TruthKind::Coast => hard.hard_brake_mps2,
                    _ => hard.hard_turn_mps2,
                };
                assert!(m.peak_mps2 <= 0.75 * limit, "{m:?}");
                assert!(m.end_ms > m.start_ms);
            }
        }
    }
}
