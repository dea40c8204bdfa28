//! A one-page SVG report of a trip (plotters, SVG backend, a font compiled in):
//! (a) speed with the limit and speeding shaded, (b) longitudinal and lateral
//! acceleration with annotation bands and hard events, (c) the path with its
//! annotations, (d) the scores, the biggest penalties and the data quality.

use std::sync::Once;

use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};

use crate::api::{AccelerationKind, Maneuver};
use crate::detect::{AnnotationKind, TripAnalysis};
use crate::geodesy::east_north_m;
use crate::input::Trajectory;
use crate::output::record::TripRecord;
use crate::score::{Explanation, FeatureConfig};

/// The report could not be drawn.
#[derive(Debug, thiserror::Error)]
#[error("drawing the report: {0}")]
pub struct ReportError(String);

const WIDTH: u32 = 1200;
const HEIGHT: u32 = 1480;
const FONT: &str = "sans-serif";

static FONT_ONCE: Once = Once::new();

fn register() {
    FONT_ONCE.call_once(|| {
        // DejaVu Sans, shipped in assets/fonts: no system font library needed.
        let _ = register_font(
            FONT,
            FontStyle::Normal,
            include_bytes!("../../assets/fonts/DejaVuSans.ttf"),
        );
    });
}

fn err<E: std::fmt::Display>(e: E) -> ReportError {
    ReportError(e.to_string())
}

fn kind_color(kind: AnnotationKind) -> RGBColor {
    match kind {
        AnnotationKind::Acceleration(AccelerationKind::Accelerate) => RGBColor(46, 139, 87),
        AnnotationKind::Acceleration(AccelerationKind::Brake) => RGBColor(214, 39, 40),
        AnnotationKind::Acceleration(AccelerationKind::Coast) => RGBColor(148, 103, 189),
        AnnotationKind::Turn(Maneuver::LeftTurn) => RGBColor(31, 119, 180),
        AnnotationKind::Turn(Maneuver::RightTurn) => RGBColor(255, 127, 14),
        AnnotationKind::Turn(_) => RGBColor(23, 190, 207),
    }
}

/// Minutes since the first kept fix.
#[allow(clippy::cast_precision_loss, reason = "trip-length times")]
fn minutes(t_ms: f64, t0_ms: i64) -> f64 {
    (t_ms - t0_ms as f64) / 60_000.0
}

/// Runs of finite points, split at gaps (NaN) and at section ends.
fn runs(analysis: &TripAnalysis, value: impl Fn(usize) -> f64) -> Vec<Vec<(f64, f64)>> {
    let t = &analysis.kinematics.time_ms;
    let t0 = t.first().copied().unwrap_or(0);
    let mut out = Vec::new();
    for s in &analysis.clean.sections {
        let mut cur = Vec::new();
        for k in s.range() {
            let v = value(k);
            #[allow(clippy::cast_precision_loss, reason = "Unix ms below 2^53")]
            let x = minutes(t[k] as f64, t0);
            if v.is_finite() {
                cur.push((x, v));
            } else if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
        }
        if !cur.is_empty() {
            out.push(cur);
        }
    }
    out
}

/// Draws the one-page SVG report of an analysed, scored and explained trip;
/// `features` gives the speeding threshold drawn over the speed.
///
/// # Errors
/// A drawing backend error (in practice only for degenerate inputs).
#[allow(
    clippy::too_many_lines,
    reason = "one page, four panels, in reading order"
)]
#[allow(clippy::cast_precision_loss, reason = "Unix ms are below 2^53")]
pub fn trip_svg(
    trip: &Trajectory,
    analysis: &TripAnalysis,
    record: &TripRecord,
    explanation: &Explanation,
    features: &FeatureConfig,
) -> Result<String, ReportError> {
    register();
    let kin = &analysis.kinematics;
    let clean = &analysis.clean;
    let t = &kin.time_ms;
    let t0 = t.first().copied().unwrap_or(0);
    let t_end = minutes(t.last().copied().unwrap_or(t0) as f64, t0).max(0.1);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let (title, rest) = root.split_vertically(56);
        let (speed_area, rest) = rest.split_vertically(340);
        let (accel_area, rest) = rest.split_vertically(360);
        let (map_area, text_area) = rest.split_horizontally(700);

        title
            .draw(&Text::new(
                format!(
                    "Trip {} — {} — {:.1} km",
                    trip.event_id(),
                    record.event.start,
                    record.event.distance / 1000.0
                ),
                (16, 16),
                (FONT, 22).into_font(),
            ))
            .map_err(err)?;

        // (a) speed, limit, speeding.
        let speed = runs(analysis, |k| kin.speed_mps[k] * 3.6);
        let limits = runs(analysis, |k| {
            trip.speed_limit_kmh(clean.fixes[k]).unwrap_or(f64::NAN)
        });
        let v_max = speed
            .iter()
            .chain(&limits)
            .flatten()
            .map(|p| p.1)
            .fold(30.0_f64, f64::max)
            * 1.1;
        let mut chart = ChartBuilder::on(&speed_area)
            .caption("(a) Speed and posted limit; speeding shaded", (FONT, 18))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(56)
            .build_cartesian_2d(0.0..t_end, 0.0..v_max)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("time since start (min)")
            .y_desc("speed (km/h)")
            .label_style((FONT, 13))
            .draw()
            .map_err(err)?;
        #[allow(clippy::cast_precision_loss, reason = "Unix ms below 2^53")]
        chart
            .draw_series(explanation.speeding.iter().map(|s| {
                let (a, b) = (
                    minutes(s.start.epoch_ms() as f64, t0),
                    minutes(s.end.epoch_ms() as f64, t0),
                );
                Rectangle::new(
                    [(a, 0.0), (b, v_max)],
                    RGBColor(214, 39, 40).mix(0.18).filled(),
                )
            }))
            .map_err(err)?;
        for run in &limits {
            chart
                .draw_series(LineSeries::new(run.iter().copied(), BLACK.stroke_width(2)))
                .map_err(err)?;
        }
        // The speeding threshold (by default limit + max(5 km/h, 10 %)), dashed as points.
        for run in &limits {
            chart
                .draw_series(run.iter().step_by(5).map(|&(x, l)| {
                    Circle::new(
                        (x, features.speeding_threshold_kmh(l)),
                        1,
                        BLACK.mix(0.5).filled(),
                    )
                }))
                .map_err(err)?;
        }
        for (i, run) in speed.iter().enumerate() {
            let s = chart
                .draw_series(LineSeries::new(run.iter().copied(), BLUE.stroke_width(2)))
                .map_err(err)?;
            if i == 0 {
                s.label("speed")
                    .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], BLUE.stroke_width(2)));
            }
        }
        chart
            .configure_series_labels()
            .label_font((FONT, 13))
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(err)?;

        // (b) accelerations, annotation bands, hard events.
        let a_long = runs(analysis, |k| kin.accel_long_mps2[k]);
        let a_lat = runs(analysis, |k| kin.accel_lat_mps2[k]);
        let a_max = a_long
            .iter()
            .chain(&a_lat)
            .flatten()
            .map(|p| p.1.abs())
            .fold(4.0_f64, f64::max)
            .min(12.0)
            * 1.1;
        let mut chart = ChartBuilder::on(&accel_area)
            .caption(
                "(b) Acceleration: longitudinal (blue), lateral (orange, + = right); bands = annotations; ✕ = hard events at their peak (a turn's from its shape fit, which this smoothed curve flattens)",
                (FONT, 16),
            )
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(56)
            .build_cartesian_2d(0.0..t_end, -a_max..a_max)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("time since start (min)")
            .y_desc("acceleration (m/s²)")
            .label_style((FONT, 13))
            .draw()
            .map_err(err)?;
        // Annotations are in the car's time (the fixes' less the receiver
        // latency); drawn on the fixes' time axis, beside the signals they
        // come from.
        #[allow(clippy::cast_precision_loss, reason = "a latency in ms")]
        let lag_ms = analysis.latency_ms as f64;
        for a in &analysis.annotations {
            let (x0, x1) = (
                minutes(a.start_ms + lag_ms, t0),
                minutes(a.end_ms + lag_ms, t0),
            );
            let (lo, hi) = match a.kind {
                AnnotationKind::Acceleration(_) => (0.0, a_max),
                AnnotationKind::Turn(_) => (-a_max, 0.0),
            };
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(x0, lo), (x1, hi)],
                    kind_color(a.kind).mix(0.22).filled(),
                )))
                .map_err(err)?;
        }
        for run in &a_long {
            chart
                .draw_series(LineSeries::new(run.iter().copied(), BLUE.stroke_width(1)))
                .map_err(err)?;
        }
        for run in &a_lat {
            chart
                .draw_series(LineSeries::new(
                    run.iter().copied(),
                    RGBColor(255, 127, 14).stroke_width(1),
                ))
                .map_err(err)?;
        }
        #[allow(clippy::cast_precision_loss, reason = "Unix ms below 2^53")]
        chart
            .draw_series(analysis.annotations.iter().filter(|a| a.hard).map(|a| {
                let y = match a.kind {
                    AnnotationKind::Acceleration(AccelerationKind::Accelerate) => a.peak_mps2,
                    AnnotationKind::Acceleration(_) => -a.peak_mps2,
                    AnnotationKind::Turn(_) => {
                        if a.heading_change_deg >= 0.0 {
                            a.peak_mps2
                        } else {
                            -a.peak_mps2
                        }
                    }
                };
                Cross::new(
                    (
                        minutes(a.peak_at_ms as f64 + lag_ms, t0),
                        y.clamp(-a_max, a_max),
                    ),
                    7,
                    RED.stroke_width(3),
                )
            }))
            .map_err(err)?;

        // (c) the path in a local east/north projection (km), equal scale.
        let (lat, lon) = (trip.lat_deg(), trip.lon_deg());
        let first = clean.fixes.first().copied().unwrap_or(0);
        let (lat0, lon0) = (lat[first], lon[first]);
        let cos = trip.cos_lat(first);
        let xy = |i: usize| {
            let (east_m, north_m) = east_north_m(lat[i] - lat0, lon[i] - lon0, cos);
            (east_m / 1000.0, north_m / 1000.0)
        };
        let pts: Vec<(f64, f64)> = clean.fixes.iter().map(|&i| xy(i)).collect();
        let (mut x_lo, mut x_hi, mut y_lo, mut y_hi) = (0.0_f64, 0.0_f64, 0.0_f64, 0.0_f64);
        for &(x, y) in &pts {
            x_lo = x_lo.min(x);
            x_hi = x_hi.max(x);
            y_lo = y_lo.min(y);
            y_hi = y_hi.max(y);
        }
        let (w, h) = (
            f64::from(map_area.dim_in_pixel().0) - 90.0,
            f64::from(map_area.dim_in_pixel().1) - 90.0,
        );
        let span = ((x_hi - x_lo) / w).max((y_hi - y_lo) / h).max(1e-4) * 1.05;
        let (cx, cy) = (0.5 * (x_lo + x_hi), 0.5 * (y_lo + y_hi));
        let mut chart = ChartBuilder::on(&map_area)
            .caption(
                "(c) Path (grey; invalid sections dashed red), annotations, hard events",
                (FONT, 16),
            )
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(50)
            .build_cartesian_2d(
                cx - span * w / 2.0..cx + span * w / 2.0,
                cy - span * h / 2.0..cy + span * h / 2.0,
            )
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("east (km)")
            .y_desc("north (km)")
            .label_style((FONT, 13))
            .draw()
            .map_err(err)?;
        for s in &clean.sections {
            let style = if s.valid {
                RGBColor(150, 150, 150).stroke_width(2)
            } else {
                RGBColor(214, 39, 40).mix(0.6).stroke_width(2)
            };
            chart
                .draw_series(LineSeries::new(pts[s.range()].iter().copied(), style))
                .map_err(err)?;
        }
        for a in &analysis.annotations {
            chart
                .draw_series(LineSeries::new(
                    pts[a.first_fix..=a.last_fix].iter().copied(),
                    kind_color(a.kind).stroke_width(3),
                ))
                .map_err(err)?;
        }
        chart
            .draw_series(analysis.annotations.iter().filter(|a| a.hard).map(|a| {
                let k = kin
                    .time_ms
                    .partition_point(|&t| t < a.peak_at_ms)
                    .min(pts.len().saturating_sub(1));
                Circle::new(pts[k], 6, RED.stroke_width(3))
            }))
            .map_err(err)?;

        // (d) scores, penalties, data quality, legend.
        let s = &record.behavior_scores;
        let q = &record.data_quality.clean;
        let v = |x: f64| {
            if x < 0.0 {
                "n/a (-1)".to_owned()
            } else {
                format!("{x:.2}")
            }
        };
        let mut lines: Vec<(String, u32)> = vec![("(d) Scores".to_owned(), 18)];
        for (name, value) in [
            ("overall", s.overall),
            ("smooth / v2", s.smooth),
            ("", s.smooth_v2),
            ("legal / v2", s.legal),
            ("", s.legal_v2),
            ("anticipative / v2", s.anticipative),
            ("", s.anticipative_v2),
            ("hard accel", s.hard_accel),
            ("hard brake", s.hard_brake),
            ("hard turn", s.hard_turn),
            ("hard events", s.hard_events),
            ("focus", s.focus.unwrap_or(-1.0)),
        ] {
            if name.is_empty() {
                if let Some(last) = lines.last_mut() {
                    last.0 = format!("{} / {}", last.0, v(value));
                }
            } else {
                lines.push((format!("{name}: {}", v(value)), 14));
            }
        }
        lines.push((String::new(), 10));
        lines.push(("Biggest penalties".to_owned(), 16));
        if explanation.top_penalties.is_empty() {
            lines.push(("none".to_owned(), 13));
        }
        for p in &explanation.top_penalties {
            lines.push((format!("−{:.2} {}:", p.cost, p.score), 13));
            // Word-wrap the description to the panel's width.
            let mut line = String::new();
            for word in p.what.split(' ') {
                if !line.is_empty() && line.chars().count() + word.chars().count() > 46 {
                    lines.push((format!("   {line}"), 12));
                    line.clear();
                }
                if !line.is_empty() {
                    line.push(' ');
                }
                line.push_str(word);
            }
            if !line.is_empty() {
                lines.push((format!("   {line}"), 12));
            }
        }
        lines.push((String::new(), 10));
        lines.push(("Data quality".to_owned(), 16));
        let valid = clean.sections.iter().filter(|s| s.valid).count();
        lines.push((
            format!(
                "sections: {valid} valid, {} invalid",
                clean.sections.len() - valid
            ),
            13,
        ));
        lines.push((
            format!(
                "fixes: {} in, {} kept; {} spikes, {} stale, {} gaps",
                q.input_fixes, q.kept_fixes, q.spikes, q.stale, q.gaps
            ),
            13,
        ));
        lines.push((
            format!(
                "{:.1} of {:.1} km in valid sections",
                record.event.behavior_features.distance_during_annotations / 1000.0,
                record.event.distance / 1000.0
            ),
            13,
        ));
        lines.push((
            format!(
                "event times: the fixes' less {} ms receiver latency",
                analysis.latency_ms
            ),
            13,
        ));
        lines.push((String::new(), 10));
        lines.push(("Annotation colours".to_owned(), 16));
        let mut y = 12;
        for (text, size) in &lines {
            text_area
                .draw(&Text::new(text.clone(), (12, y), (FONT, *size).into_font()))
                .map_err(err)?;
            y += i32::try_from(*size).unwrap_or(14) + 6;
        }
        for kind in [
            AnnotationKind::Acceleration(AccelerationKind::Accelerate),
            AnnotationKind::Acceleration(AccelerationKind::Brake),
            AnnotationKind::Acceleration(AccelerationKind::Coast),
            AnnotationKind::Turn(Maneuver::LeftTurn),
            AnnotationKind::Turn(Maneuver::RightTurn),
            AnnotationKind::Turn(Maneuver::Roundabout),
        ] {
            let name = kind.name();
            text_area
                .draw(&Rectangle::new(
                    [(14, y), (34, y + 12)],
                    kind_color(kind).filled(),
                ))
                .map_err(err)?;
            text_area
                .draw(&Text::new(name.to_owned(), (42, y), (FONT, 13).into_font()))
                .map_err(err)?;
            y += 18;
        }
        root.present().map_err(err)?;
    }
    Ok(svg)
}
