//! kafka-preflight: predicts whether a Kafka broker's next start will fail to map its indexes
//! (`Map failed`), and what to change, before the restart.
//!
//! Data flows one way: [`config`] -> [`scan`] -> model -> limits -> verdict -> report.

pub mod config;
pub mod problem;
pub mod scan;
