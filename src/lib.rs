//! kafka-preflight: predicts whether a Kafka broker's next start will fail to map its indexes
//! (`Map failed`), and what to change, before the restart.
//!
//! Data flows one way: [`config`] -> [`scan`] -> model -> limits -> verdict -> report.

pub mod cli;
pub mod commands;
pub mod config;
pub mod exit_codes;
pub mod live;
pub mod problem;
pub mod scan;
