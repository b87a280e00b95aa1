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
// Parsed once per process, so the size gap between subcommands' flags costs nothing.
pub enum Command {
    /// Scan the log dirs and check the next start against the limits in force.
    Check(Box<crate::commands::check::CheckArgs>),
    /// Check the next start from the broker's own start path (ExecStartPre=, start script);
    /// exit 1, stopping the start, only for a FAIL check.
    Gate(Box<crate::commands::gate::GateArgs>),
    /// What-if without log dirs: model a described workload (or sweep one input) like `check`.
    Plan(Box<crate::commands::plan::PlanArgs>),
    /// Evaluate the same data under two server.properties and show what changes.
    Diff(Box<crate::commands::diff::DiffArgs>),
    /// Measure a running broker: address space, map areas, index mappings, limits.
    Inspect(crate::commands::inspect::InspectArgs),
    /// Sample a broker (or a start you launch) until log loading ends; record peaks vs limits.
    Watch(crate::commands::watch::WatchArgs),
    /// Merge many brokers' JSON reports into one fleet answer, worst broker first.
    Merge(crate::commands::merge::MergeArgs),
    /// Print shell completions generated from the flag definitions.
    Completions(crate::commands::completions::CompletionsArgs),
    /// Print the man page generated from the flag definitions.
    Man(crate::commands::completions::ManArgs),
}
