//! kafka-preflight: predicts whether a Kafka broker's next start will fail to map its indexes
//! (`Map failed`), and what to change, before the restart.
//!
//! Data flows one way: [`config`] -> [`scan`] -> [`model`] -> [`limits`] -> [`verdict`] ->
//! [`report`].

pub mod bounds;
pub mod cli;
pub mod commands;
pub mod config;
pub mod exit_codes;
pub mod fleet;
pub mod fsread;
pub mod fuzzing;
pub mod kafka_version;
pub mod limits;
pub mod live;
pub mod model;
pub mod plan;
pub mod problem;
pub mod progress;
pub mod report;
pub mod safe_write;
pub mod scan;
pub mod synth;
pub mod topics;
pub mod units;
pub mod verdict;
