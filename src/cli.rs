//! Command-line flags (clap derive). Each subcommand's flags live next to the code that runs it.

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "kafka-preflight",
    version,
    about = "Predict whether a Kafka broker's next start will fail with 'Map failed', before you restart it",
    long_about = None,
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan the log dirs and check the next start against the limits in force.
    Check(crate::commands::check::CheckArgs),
    /// What-if without log dirs: model a described workload (or sweep one input) like `check`.
    Plan(crate::commands::plan::PlanArgs),
    /// Evaluate the same data under two server.properties and show what changes.
    Diff(crate::commands::diff::DiffArgs),
}
