//! kafka-preflight: predicts whether a Kafka broker's next start will fail to map its indexes
//! (`Map failed`), and what to change, before the restart.
//!
//! Data flows one way: [`config`] -> [`scan`] -> [`model`] -> [`limits`] -> [`verdict`] ->
//! [`output`]. [`options`] turns flags into typed inputs once, [`pipeline`] runs the stages,
//! and each of [`commands`] is flags -> pipeline -> output -> exit code.

pub mod audit;
pub mod bounds;
pub mod cli;
pub mod commands;
pub mod config;
pub mod exit_codes;
pub mod fixes;
pub mod fleet;
pub mod fsread;
pub mod fuzzing;
pub mod gate;
pub mod kafka_version;
pub mod limits;
pub mod live;
pub mod model;
pub mod options;
pub mod output;
pub mod pipeline;
pub mod plan;
pub mod problem;
pub mod progress;
/// The check result model; kept at its old path for code written before `output/`.
pub use output::report;
pub mod safe_write;
pub mod scan;
pub mod synth;
pub mod topics;
pub mod units;
pub mod verdict;
pub mod version_evidence;
