//! Integration tests: one binary, a module per area (ripgrep's layout).

mod util;

mod accuracy;
mod aggregate;
mod annotations;
mod api_examples;
mod cli_evaluate;
mod cli_score;
mod cli_trajectory;
mod data_safety;
mod golden;
mod inputs;
mod layering;
mod map_match;
mod msrv;
mod parquet_input;
mod pathologies;
mod real_drives;
mod robustness;
mod visual;
