use std::path::PathBuf;

use crate::config::BrokerConfig;
use crate::exit_codes;
use crate::scan::{self, ScanOptions, Scenario};

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The broker's server.properties.
    #[arg(short, long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Log dirs, comma-separated (overrides log.dirs; works without --config).
    #[arg(long, value_name = "DIRS")]
    pub log_dirs: Option<String>,
    /// Override a broker setting, e.g. --set log.segment.bytes=268435456 (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Which start to predict.
    #[arg(long, value_enum, default_value_t = Scenario::AsFound)]
    pub scenario: Scenario,
}

pub fn run(args: CheckArgs) -> anyhow::Result<u8> {
    let config = BrokerConfig::load(args.config.as_deref(), &args.set, args.log_dirs.as_deref())?;
    let inv = scan::scan(&config, &ScanOptions::for_config(&config));
    println!(
        "{} log dirs, {} partitions",
        inv.log_dirs.len(),
        inv.partitions().count()
    );
    Ok(exit_codes::OK)
}
