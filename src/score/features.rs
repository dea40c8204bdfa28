//! Additive features of a trip, per road zone: the only input of the scores.
//!
//! Every feature is a whole number in a fixed unit (millimetres,
//! milliseconds, counts, mm/s²…), so adding trips is exact integer addition:
//! associative and commutative to the last bit. Trip features add into user
//! features, and partial sums computed on different machines, in any order,
//! merge to exactly the same value — a commutative monoid, with
//! [`Features::default`] as its zero and [`Features::merge`] as its operation.
//! Each trip's values are rounded once, to the unit, when its features are
//! built.
//!
//! Thresholds (the excess baselines, the speeding margin, the city limit)
//! are in [`FeatureConfig`]; they are part of what a feature means, so
//! features merged across trips must come from one config.
//!
//! ## Zones
//! Each step between two kept fixes belongs to the zone of its first fix
//! ([`FeatureConfig::zone`], the one place that decides it):
//! 1. `road_type` `motorway`, `motorway_link`, `trunk` or `trunk_link` → motorway
//!    (trunk roads are the expressway class: grade-separated, fast);
//! 2. else a known `speed_limit` ≤ `city_max_limit_kmh` (50 km/h) → city,
//!    above → `non_city`;
//! 3. else `road_type` `residential`, `living_street`, `service`, `pedestrian`
//!    → city; any other known road type → `non_city`;
//! 4. a fix with neither road type nor limit is in no zone: its step counts in
//!    `all` only.
//!
//! Events (annotations) belong to the zone of the fix at their peak.

use serde::{Deserialize, Serialize};

use crate::api::{AccelerationKind, Maneuver};
use crate::detect::{Annotation, AnnotationKind, Kinematics, TripAnalysis};
use crate::input::Trajectory;

/// Settings of the feature stage.
///
/// # Units
/// m/s², ms, km/h, a share.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FeatureConfig {
    /// Accelerations add their peak above this to `accel_excess_mmps2`, m/s².
    pub accel_excess_from_mps2: f64,
    /// Brakes add their peak above this to `brake_excess_mmps2`, m/s².
    pub brake_excess_from_mps2: f64,
    /// Brakes add their peak above this to `brake_strong_excess_mmps2`
    /// (late, strong braking), m/s².
    pub strong_brake_excess_from_mps2: f64,
    /// Turns add their peak lateral acceleration above this to
    /// `turn_excess_mmps2`, m/s².
    pub turn_excess_from_mps2: f64,
    /// An acceleration peaking at least this hard counts in
    /// `accels_before_turns` when a turn follows it closely, m/s².
    pub accel_before_turn_mps2: f64,
    /// … when that turn starts at most this long after the acceleration's
    /// peak, ms.
    pub accel_before_turn_ms: f64,
    /// Speeding: faster than the limit plus the larger of this, km/h …
    pub speeding_margin_kmh: f64,
    /// … and this share of the limit.
    pub speeding_margin_share: f64,
    /// A known speed limit at or below this makes a fix a city fix (where
    /// the road type does not make it a motorway one), km/h.
    pub city_max_limit_kmh: f64,
}

impl Default for FeatureConfig {
    fn default() -> Self {
        Self {
            accel_excess_from_mps2: 1.0,
            brake_excess_from_mps2: 1.0,
            strong_brake_excess_from_mps2: 2.0,
            turn_excess_from_mps2: 2.0,
            accel_before_turn_mps2: 1.5,
            accel_before_turn_ms: 3000.0,
            speeding_margin_kmh: 5.0,
            speeding_margin_share: 0.1,
            city_max_limit_kmh: 50.0,
        }
    }
}

impl FeatureConfig {
    /// The speed above which a step is speeding: limit + max(margin, share ×
    /// limit), km/h (by default limit + max(5 km/h, 10 %)).
    ///
    /// # Example
    /// ```
    /// use tripscore::score::FeatureConfig;
    /// let cfg = FeatureConfig::default();
    /// assert_eq!(cfg.speeding_threshold_kmh(30.0), 35.0);
    /// assert_eq!(cfg.speeding_threshold_kmh(120.0), 132.0);
    /// ```
    #[must_use]
    pub fn speeding_threshold_kmh(&self, limit_kmh: f64) -> f64 {
        limit_kmh + (self.speeding_margin_share * limit_kmh).max(self.speeding_margin_kmh)
    }

    /// The zone of a fix from its road type and speed limit (see the module
    /// docs); `None` with neither.
    ///
    /// # Example
    /// ```
    /// use tripscore::score::FeatureConfig;
    /// use tripscore::Zone;
    /// let cfg = FeatureConfig::default();
    /// assert_eq!(cfg.zone(Some("motorway"), Some(30.0)), Some(Zone::Motorway));
    /// assert_eq!(cfg.zone(Some("primary"), Some(50.0)), Some(Zone::City));
    /// assert_eq!(cfg.zone(None, None), None);
    /// ```
    #[must_use]
    pub fn zone(&self, road_type: Option<&str>, speed_limit_kmh: Option<f64>) -> Option<Zone> {
        if matches!(
            road_type,
            Some("motorway" | "motorway_link" | "trunk" | "trunk_link")
        ) {
            return Some(Zone::Motorway);
        }
        if let Some(limit) = speed_limit_kmh {
            return Some(if limit <= self.city_max_limit_kmh {
                Zone::City
            } else {
                Zone::NonCity
            });
        }
        match road_type {
            Some("residential" | "living_street" | "service" | "pedestrian") => Some(Zone::City),
            Some(_) => Some(Zone::NonCity),
            None => None,
        }
    }
}

/// A road zone (docs/API.md, "Zones").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Zone {
    /// Motorways and expressways.
    Motorway,
    /// Urban roads.
    City,
    /// Everything else.
    NonCity,
}

impl Zone {
    /// The three zones, in API order.
    pub const ALL: [Zone; 3] = [Zone::Motorway, Zone::City, Zone::NonCity];
}

macro_rules! zone_features {
    ($($(#[doc = $doc:literal])+ $field:ident,)*) => {
        /// Additive features of one zone (or of all zones pooled).
        ///
        /// # Units
        /// As each field's name says: `_mm` millimetres, `_ms` milliseconds,
        /// `_mmps2` mm/s², plain names are counts.
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(default)]
        pub struct ZoneFeatures {
            $($(#[doc = $doc])+ pub $field: u64,)*
        }

        impl ZoneFeatures {
            /// How many fields a zone has.
            pub const FIELDS: usize = [$(stringify!($field)),*].len();

            /// The fields' names, in declaration order (as in
            /// [`ZoneFeatures::to_array`]).
            pub const FIELD_NAMES: [&'static str; Self::FIELDS] = [$(stringify!($field)),*];

            /// Adds `other` into `self` (saturating; exact below 2^64).
            pub fn merge(&mut self, other: &Self) {
                $(self.$field = self.$field.saturating_add(other.$field);)*
            }

            /// The fields in declaration order (a compact form for spilling).
            #[must_use]
            pub fn to_array(&self) -> [u64; Self::FIELDS] {
                [$(self.$field),*]
            }

            /// The zone of [`ZoneFeatures::to_array`]'s fields.
            #[must_use]
            pub fn from_array(values: [u64; Self::FIELDS]) -> Self {
                let mut values = values.into_iter();
                Self { $($field: values.next().unwrap_or_default(),)* }
            }
        }
    };
}

zone_features! {
    /// Distance driven, mm.
    distance_mm,
    /// Time driven, ms.
    duration_ms,
    /// Distance inside valid sections (where events can be detected), mm.
    scored_mm,
    /// Time inside valid sections, ms.
    scored_ms,
    /// Hard accelerations.
    hard_accel,
    /// Hard brakes.
    hard_brake,
    /// Hard turns (roundabouts and lane switches included).
    hard_turn,
    /// Σ over accelerations of their hardness (0–1, 1 when hard;
    /// `AnnotateConfig::hardness`), thousandths.
    accel_hardness_milli,
    /// Σ over brakes of their hardness, thousandths.
    brake_hardness_milli,
    /// Σ over turns of their hardness, thousandths.
    turn_hardness_milli,
    /// Acceleration episodes.
    accelerations,
    /// Brake episodes.
    brakes,
    /// Coast episodes.
    coasts,
    /// Turn episodes (left, right, roundabout).
    turns,
    /// Lane switches (annotated only when `detect.lane_switch.enabled`).
    lane_switches,
    /// Σ over accelerations of (peak − `accel_excess_from_mps2`)⁺ (1 m/s²), mm/s².
    accel_excess_mmps2,
    /// Σ over brakes of (peak − `brake_excess_from_mps2`)⁺ (1 m/s²), mm/s².
    brake_excess_mmps2,
    /// Σ over brakes of (peak − `strong_brake_excess_from_mps2`)⁺ (2 m/s²):
    /// late, strong braking, mm/s².
    brake_strong_excess_mmps2,
    /// Σ over turns of (peak lateral − `turn_excess_from_mps2`)⁺ (2 m/s²), mm/s².
    turn_excess_mmps2,
    /// Brakes whose peak falls inside a turn.
    brakes_in_turns,
    /// Accelerations peaking at ≥ `accel_before_turn_mps2` (1.5 m/s²) at most
    /// `accel_before_turn_ms` (3 s) before a turn starts.
    accels_before_turns,
    /// Time in valid sections with a jerk estimate, ms.
    jerk_ms,
    /// ∫ jerk² dt over valid sections, in (m/s³)²·ms.
    jerk_sq_ms,
    /// Time on roads with a known speed limit, ms.
    limit_known_ms,
    /// Time above the speeding threshold ([`FeatureConfig::speeding_threshold_kmh`]), ms.
    speeding_ms,
    /// Distance above the speeding threshold, mm.
    speeding_mm,
    /// ∫ (speed − limit) dt while speeding: the distance gained on the limit, mm.
    speeding_excess_mm,
    /// ∫ ((speed / limit)⁴ − 1)⁺ dt on roads with a known limit: time weighted
    /// by relative crash risk (the power model), ms.
    speeding_risk_ms,
    /// Driving time of trips with phone-handling data, ms.
    phone_known_ms,
    /// Phone handled while driving, ms.
    phone_handling_ms,
    /// Driving time of trips with phone-mount data, ms.
    mount_known_ms,
    /// Phone mounted while driving, ms.
    mounted_ms,
}

/// A trip's (or a user's) features: all zones pooled, and each zone.
///
/// `all` is not the sum of the zones: steps in no zone count in `all` only.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct Features {
    /// Every step and event.
    pub all: ZoneFeatures,
    /// Motorway steps and events.
    pub motorway: ZoneFeatures,
    /// City steps and events.
    pub city: ZoneFeatures,
    /// Non-city steps and events.
    pub non_city: ZoneFeatures,
}

impl Features {
    /// Adds `other` into `self`: the monoid operation (exact and order-free).
    pub fn merge(&mut self, other: &Self) {
        self.all.merge(&other.all);
        self.motorway.merge(&other.motorway);
        self.city.merge(&other.city);
        self.non_city.merge(&other.non_city);
    }

    /// The features of `zone`.
    #[must_use]
    pub fn zone(&self, zone: Zone) -> &ZoneFeatures {
        match zone {
            Zone::Motorway => &self.motorway,
            Zone::City => &self.city,
            Zone::NonCity => &self.non_city,
        }
    }

    fn zone_mut(&mut self, zone: Zone) -> &mut ZoneFeatures {
        match zone {
            Zone::Motorway => &mut self.motorway,
            Zone::City => &mut self.city,
            Zone::NonCity => &mut self.non_city,
        }
    }
}

/// Float accumulators of one zone while a trip is measured; rounded once.
#[derive(Clone, Copy, Default)]
struct Acc {
    distance_m: f64,
    duration_ms: f64,
    scored_m: f64,
    scored_ms: f64,
    hardness: [f64; 3],
    accel_excess: f64,
    brake_excess: f64,
    brake_strong_excess: f64,
    turn_excess: f64,
    jerk_ms: f64,
    jerk_sq_ms: f64,
    limit_known_ms: f64,
    speeding_ms: f64,
    speeding_m: f64,
    speeding_excess_m: f64,
    speeding_risk_ms: f64,
}

#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "rounded, clamped at 0"
)]
fn whole(x: f64) -> u64 {
    if x.is_finite() && x > 0.0 {
        x.round() as u64
    } else {
        0
    }
}

impl Acc {
    fn into_features(self, counts: ZoneFeatures) -> ZoneFeatures {
        ZoneFeatures {
            distance_mm: whole(self.distance_m * 1000.0),
            duration_ms: whole(self.duration_ms),
            scored_mm: whole(self.scored_m * 1000.0),
            scored_ms: whole(self.scored_ms),
            accel_hardness_milli: whole(self.hardness[0] * 1000.0),
            brake_hardness_milli: whole(self.hardness[1] * 1000.0),
            turn_hardness_milli: whole(self.hardness[2] * 1000.0),
            accel_excess_mmps2: whole(self.accel_excess * 1000.0),
            brake_excess_mmps2: whole(self.brake_excess * 1000.0),
            brake_strong_excess_mmps2: whole(self.brake_strong_excess * 1000.0),
            turn_excess_mmps2: whole(self.turn_excess * 1000.0),
            jerk_ms: whole(self.jerk_ms),
            jerk_sq_ms: whole(self.jerk_sq_ms),
            limit_known_ms: whole(self.limit_known_ms),
            speeding_ms: whole(self.speeding_ms),
            speeding_mm: whole(self.speeding_m * 1000.0),
            speeding_excess_mm: whole(self.speeding_excess_m * 1000.0),
            speeding_risk_ms: whole(self.speeding_risk_ms),
            ..counts
        }
    }
}

/// Speed over the step from kept fix `k` to `k + 1`: the mean of the smoothed
/// estimates at its ends, else distance over time, m/s.
#[must_use]
pub fn step_speed_mps(kin: &Kinematics, k: usize, distance_m: f64, dt_ms: f64) -> f64 {
    step_speed_of(&kin.speed_mps[k..k + 2], distance_m, dt_ms)
}

/// [`step_speed_mps`] from the speeds at the step's two ends.
fn step_speed_of(ends_mps: &[f64], distance_m: f64, dt_ms: f64) -> f64 {
    let v = 0.5 * (ends_mps[0] + ends_mps[1]);
    if v.is_finite() {
        v
    } else if dt_ms > 0.0 {
        distance_m / (dt_ms / 1000.0)
    } else {
        0.0
    }
}

/// A turn or roundabout (a lane switch is no turn: no brake is "in" it,
/// no acceleration "before" it).
fn is_turn(a: &Annotation) -> bool {
    matches!(a.kind, AnnotationKind::Turn(m) if m != Maneuver::LaneSwitch)
}

/// Measures the features of one analysed trip.
///
/// # Example
/// ```
/// use tripscore::score::{FeatureConfig, trip_features};
/// use tripscore::sim::NoiseConfig;
/// use tripscore::{analyze, parse_line, simulate_trip, DetectConfig, SimConfig, Trajectory};
/// // Without the simulated tunnel, whose gap a chord crosses.
/// let noise = NoiseConfig { tunnel: false, ..NoiseConfig::default() };
/// let sim = simulate_trip(&SimConfig { noise, ..SimConfig::default() }, 0);
/// let trip = Trajectory::try_from(parse_line(&serde_json::to_string(&sim)?)?)?;
/// let f = trip_features(&trip, &analyze(&trip, &DetectConfig::default()), &FeatureConfig::default());
/// let truth_m = sim.truth.unwrap().distance_m;
/// assert!((f.all.distance_mm as f64 / 1000.0 - truth_m).abs() / truth_m < 0.05);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
#[allow(
    clippy::too_many_lines,
    reason = "one pass over steps, then one over events"
)]
pub fn trip_features(trip: &Trajectory, analysis: &TripAnalysis, cfg: &FeatureConfig) -> Features {
    let clean = &analysis.clean;
    let kin = &analysis.kinematics;
    let n = clean.fixes.len();
    let zone_of = |k: usize| {
        let i = clean.fixes[k];
        cfg.zone(trip.road_type(i), trip.speed_limit_kmh(i))
    };
    let mut all = Acc::default();
    let mut zones = [Acc::default(); 3];
    let zi = |z: Zone| match z {
        Zone::Motorway => 0,
        Zone::City => 1,
        Zone::NonCity => 2,
    };
    let mut valid = vec![false; n];
    for s in clean.sections.iter().filter(|s| s.valid) {
        valid[s.range()].fill(true);
    }
    // Without limits and road types no fix has a limit or a zone
    // ([`FeatureConfig::zone`] of nothing is `None`): the loop skips the
    // two lookups per step.
    let context = trip.has_road_context();
    // Each step k → k + 1: its times, length, validity at both ends, the
    // jerk at its start and the speeds at its ends, side by side (no index
    // checks).
    let steps = kin
        .time_ms
        .windows(2)
        .zip(&clean.step_m)
        .zip(valid.windows(2))
        .zip(&kin.jerk_mps3)
        .zip(kin.speed_mps.windows(2));
    for (k, ((((times, &d_m), valid), &jerk), speeds)) in steps.enumerate() {
        #[allow(clippy::cast_precision_loss, reason = "Δt in ms is small")]
        let dt_ms = (times[1] - times[0]) as f64;
        let in_valid = valid[0] && valid[1];
        // The limit, and the step's speed, needed only against one.
        let limit = if context {
            trip.speed_limit_kmh(clean.fixes[k])
                .map(|limit| (limit, step_speed_of(speeds, d_m, dt_ms)))
        } else {
            None
        };
        let add = |acc: &mut Acc| {
            acc.distance_m += d_m;
            acc.duration_ms += dt_ms;
            if in_valid {
                acc.scored_m += d_m;
                acc.scored_ms += dt_ms;
                if jerk.is_finite() {
                    acc.jerk_ms += dt_ms;
                    acc.jerk_sq_ms += jerk * jerk * dt_ms;
                }
            }
            if let Some((limit, v_mps)) = limit {
                acc.limit_known_ms += dt_ms;
                let v_kmh = v_mps * 3.6;
                if v_kmh > cfg.speeding_threshold_kmh(limit) {
                    acc.speeding_ms += dt_ms;
                    acc.speeding_m += d_m;
                    acc.speeding_excess_m += (v_kmh - limit) / 3.6 * dt_ms / 1000.0;
                }
                acc.speeding_risk_ms += ((v_kmh / limit).powi(4) - 1.0).max(0.0) * dt_ms;
            }
        };
        add(&mut all);
        if let Some(z) = context.then(|| zone_of(k)).flatten() {
            add(&mut zones[zi(z)]);
        }
    }
    let mut counts = [ZoneFeatures::default(); 4]; // all, motorway, city, non_city
    let turns: Vec<&Annotation> = analysis.annotations.iter().filter(|a| is_turn(a)).collect();
    for a in &analysis.annotations {
        let zone = analysis.kept_fix_at(a.peak_at_ms).and_then(zone_of);
        let mut excess = [0.0_f64; 4]; // accel, brake, brake strong, turn
        let mut hardness = [0.0_f64; 3]; // accel, brake, turn
        let mut c = ZoneFeatures::default();
        match a.kind {
            AnnotationKind::Acceleration(AccelerationKind::Accelerate) => {
                c.accelerations = 1;
                c.hard_accel = u64::from(a.hard);
                hardness[0] = a.hardness;
                excess[0] = (a.peak_mps2 - cfg.accel_excess_from_mps2).max(0.0);
                #[allow(clippy::cast_precision_loss, reason = "Unix ms below 2^53")]
                let peak = a.peak_at_ms as f64;
                let before_turn = a.peak_mps2 >= cfg.accel_before_turn_mps2
                    && turns.iter().any(|t| {
                        t.start_ms >= peak && t.start_ms - peak <= cfg.accel_before_turn_ms
                    });
                c.accels_before_turns = u64::from(before_turn);
            }
            AnnotationKind::Acceleration(AccelerationKind::Brake) => {
                c.brakes = 1;
                c.hard_brake = u64::from(a.hard);
                hardness[1] = a.hardness;
                excess[1] = (a.peak_mps2 - cfg.brake_excess_from_mps2).max(0.0);
                excess[2] = (a.peak_mps2 - cfg.strong_brake_excess_from_mps2).max(0.0);
                #[allow(clippy::cast_precision_loss, reason = "Unix ms below 2^53")]
                let peak = a.peak_at_ms as f64;
                c.brakes_in_turns =
                    u64::from(turns.iter().any(|t| t.start_ms <= peak && peak <= t.end_ms));
            }
            AnnotationKind::Acceleration(AccelerationKind::Coast) => c.coasts = 1,
            AnnotationKind::Turn(maneuver) => {
                // A lane switch is lateral driving like a turn (its hardness
                // counts in hard_turn), but counted apart.
                if maneuver == Maneuver::LaneSwitch {
                    c.lane_switches = 1;
                } else {
                    c.turns = 1;
                }
                c.hard_turn = u64::from(a.hard);
                hardness[2] = a.hardness;
                excess[3] = (a.peak_mps2 - cfg.turn_excess_from_mps2).max(0.0);
            }
        }
        let mut bump = |slot: usize, acc: Option<&mut Acc>| {
            counts[slot].merge(&c);
            if let Some(acc) = acc {
                for (sum, h) in acc.hardness.iter_mut().zip(hardness) {
                    *sum += h;
                }
                acc.accel_excess += excess[0];
                acc.brake_excess += excess[1];
                acc.brake_strong_excess += excess[2];
                acc.turn_excess += excess[3];
            }
        };
        bump(0, Some(&mut all));
        if let Some(z) = zone {
            bump(zi(z) + 1, Some(&mut zones[zi(z)]));
        }
    }
    let mut features = Features {
        all: all.into_features(counts[0]),
        ..Features::default()
    };
    for z in Zone::ALL {
        *features.zone_mut(z) = zones[zi(z)].into_features(counts[zi(z) + 1]);
    }
    if trip.phone_handling().is_some() {
        features.all.phone_known_ms = features.all.duration_ms;
        features.all.phone_handling_ms = whole(
            #[allow(clippy::cast_precision_loss, reason = "ms of one trip")]
            {
                analysis.phone_handling_ms(trip) as f64
            },
        );
    }
    if trip.mounted().is_some() {
        features.all.mount_known_ms = features.all.duration_ms;
        features.all.mounted_ms = whole(
            #[allow(clippy::cast_precision_loss, reason = "ms of one trip")]
            {
                analysis.mounted_ms(trip) as f64
            },
        );
    }
    features
}

#[cfg(test)]
#[path = "features_tests.rs"]
mod tests;
