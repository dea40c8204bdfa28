//! `tripscore map build`: a road index from an OpenStreetMap extract; and
//! loading a map for `--map`.

use std::path::Path;
use std::time::Instant;

use clap::{Args, Subcommand};
use tripscore::map::RoadMap;

use super::Fatal;

#[derive(Subcommand)]
pub(crate) enum MapCommand {
    /// Build a road index (`.roads`) from an OpenStreetMap `.osm.pbf` extract.
    Build(BuildArgs),
}

#[derive(Args)]
pub(crate) struct BuildArgs {
    /// The `.osm.pbf` extract (any OpenStreetMap extract provider's).
    pub(crate) input: String,
    /// Where to write the index.
    #[arg(short, long, value_name = "FILE")]
    pub(crate) output: String,
    /// The country (ISO 3166-1 alpha-2, e.g. BR, DE): roads without
    /// `maxspeed` get its default limit for their class.
    #[arg(long, value_name = "CC")]
    pub(crate) country: Option<String>,
}

pub(crate) fn run(command: &MapCommand) -> Result<(), Fatal> {
    let MapCommand::Build(args) = command;
    if Path::new(&args.output) == Path::new(&args.input) {
        return Err(Fatal::new(format!(
            "refusing to write {}: it is the input",
            args.output
        )));
    }
    let started = Instant::now();
    let map = RoadMap::from_osm_pbf(Path::new(&args.input), args.country.as_deref())?;
    let built = started.elapsed();
    map.save(Path::new(&args.output))?;
    let (ways, nodes, segments) = map.size();
    let bytes = std::fs::metadata(&args.output).map_or(0, |m| m.len());
    let limits = map.ways().iter().filter(|w| w.limit_kmh.is_some()).count();
    eprintln!(
        "tripscore: {}: {ways} drivable ways ({limits} with a limit), {nodes} nodes, {segments} \
         segments; built in {:.2} s, {} KB",
        args.output,
        built.as_secs_f64(),
        bytes / 1000
    );
    Ok(())
}

/// The road map at `path`, if one is given: an index, or an `.osm.pbf`
/// indexed now (with `country`'s default limits).
pub(crate) fn load(
    path: Option<&str>,
    country: Option<&str>,
    quiet: bool,
) -> Result<Option<RoadMap>, Fatal> {
    let Some(path) = path else {
        return Ok(None);
    };
    let started = Instant::now();
    let map = match country {
        Some(country) => RoadMap::from_osm_pbf(Path::new(path), Some(country))?,
        None => RoadMap::load(Path::new(path))?,
    };
    if !quiet {
        let (ways, _, segments) = map.size();
        eprintln!(
            "tripscore: note: map {path}: {ways} ways, {segments} segments, loaded in {:.2} s",
            started.elapsed().as_secs_f64()
        );
    }
    Ok(Some(map))
}
