//! `gate`: flags -> [`crate::gate`] -> stderr verdict, optional full report, exit code.

use std::path::PathBuf;

use clap::{Args, FromArgMatches};

use crate::commands::check::CheckArgs;
use crate::exit_codes;
use crate::gate::{self, dropin, escape, Outcome};
use crate::limits::{self, LimitInputs};
use crate::options::CheckOptions;
use crate::output::{self, Format};
use crate::pipeline;

const GATE_AFTER_HELP: &str = "\
Run it where the broker starts, so it gets the broker's limits and environment:
  systemd:      kafka-preflight gate --print-systemd-dropin --unit kafka
  start script: kafka-preflight gate --config \"$1\" --kafka-home \"$base_dir\" || exit 1
                (the line before `exec`)

Exit codes:
  0  the start may go on: every check passes or only warns, the gate was skipped, or it
     could not decide in time (it never blocks on its own trouble)
  1  a FAIL check: this start would fail or lose data; stderr says why and how to bypass
  2  the gate's own command line is wrong (fix the unit or script)";

#[derive(Debug, clap::Args)]
#[command(after_help = GATE_AFTER_HELP)]
pub struct GateArgs {
    /// The broker's server.properties.
    #[arg(
        short,
        long,
        value_name = "FILE",
        required_unless_present = "print_systemd_dropin"
    )]
    pub config: Option<PathBuf>,
    /// Kafka installation whose libs/ give the version. Default: the `DIR/libs/*` entry of
    /// $CLASSPATH, else the newest modelled release (with a warning).
    #[arg(long, value_name = "DIR")]
    pub kafka_home: Option<PathBuf>,
    /// Kafka version whose start-up rules apply (instead of detecting it).
    #[arg(long, value_name = "VERSION")]
    pub kafka_version: Option<String>,
    /// Also write the full report to FILE (atomically).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Format of --output.
    #[arg(long, value_enum, default_value_t = Format::Json)]
    pub format: Format,
    /// Let the start go on unchecked when there is no verdict after this many seconds
    /// (systemd's TimeoutStartSec, 90 s by default, covers the gate and the start).
    #[arg(long, value_name = "SECONDS", default_value_t = gate::DEFAULT_TIMEOUT.as_secs_f64())]
    pub timeout: f64,
    /// The emergency marker: while this file exists the gate lets every start go on, and says so.
    #[arg(long, value_name = "FILE", default_value = escape::DEFAULT_MARKER)]
    pub skip_file: PathBuf,
    /// Print a systemd drop-in that runs this gate before the broker starts, and exit.
    #[arg(long)]
    pub print_systemd_dropin: bool,
    /// The broker's unit (name or file), read for its User=, server.properties and KAFKA_HOME.
    #[arg(
        long,
        value_name = "NAME",
        default_value = "kafka",
        requires = "print_systemd_dropin"
    )]
    pub unit: String,
    /// Unit search path instead of systemd's (tests).
    #[arg(long, hide = true, value_name = "DIR")]
    pub systemd_dir: Vec<PathBuf>,
}

pub fn run(args: GateArgs) -> anyhow::Result<u8> {
    if !(args.timeout.is_finite() && args.timeout > 0.0) {
        anyhow::bail!(
            "--timeout {}: expected a positive number of seconds",
            args.timeout
        );
    }
    if args.print_systemd_dropin {
        return print_dropin(&args);
    }
    let config = args.config.clone().unwrap_or_default();
    let hatch = escape::Hatch::from_env(&args.skip_file);
    let outcome = match hatch.skip() {
        Some(skip) => Outcome::Skipped(skip),
        None => check(&args),
    };
    eprint!("{}", gate::message(&outcome, &config, &hatch));
    if let (Outcome::Checked(report), Some(path)) = (&outcome, &args.output) {
        let text = output::check::render(report, args.format);
        // The report is extra: failing to write it must not decide the start.
        if let Err(e) = output::write_atomically(path, &text) {
            eprintln!("kafka-preflight gate: could not write the report: {e:#}");
        }
    }
    Ok(gate::exit_code(&outcome))
}

/// `check`'s defaults for every flag the gate does not have, so gate and check judge alike;
/// the limits are this process's own (no limit flags, no --pid, no unit).
fn options(args: &GateArgs) -> anyhow::Result<CheckOptions> {
    let cmd = CheckArgs::augment_args(clap::Command::new("gate"));
    let mut a = CheckArgs::from_arg_matches(&cmd.get_matches_from(["gate"]))?;
    a.config = args.config.clone();
    a.kafka_version = args.kafka_version.clone();
    a.kafka_home = args.kafka_home.clone();
    a.quiet = true;
    // The scan stops in time to report what it read; the rest of the budget is for the model.
    a.timeout = Some(args.timeout * 0.8);
    let mut o = CheckOptions::from_args(&a)?;
    // No --kafka-home: the class path kafka-run-class.sh would extend ($CLASSPATH), read as the
    // JVM reads it (`DIR/libs/*` expanded, or a list of jar files), as `check --pid` reads a
    // running broker's.
    if matches!(o.version, crate::options::VersionChoice::Default) {
        let cwd = std::env::current_dir().unwrap_or_else(|_| "/".into());
        if let Some((v, _)) = std::env::var("CLASSPATH")
            .ok()
            .and_then(|cp| crate::live::broker_process::version_from_classpath(&cp, &cwd))
        {
            o.version = crate::options::VersionChoice::Jar(v);
        }
    }
    o.limits = LimitInputs::default();
    Ok(o)
}

fn check(args: &GateArgs) -> Outcome {
    let opts = match options(args) {
        Ok(o) => o,
        Err(e) => return Outcome::CouldNotCheck(format!("{e:#}")),
    };
    gate::run_bounded(
        std::time::Duration::from_secs_f64(args.timeout),
        move || pipeline::check(&opts),
    )
}

fn print_dropin(args: &GateArgs) -> anyhow::Result<u8> {
    let dirs = if args.systemd_dir.is_empty() {
        limits::default_systemd_dirs()
    } else {
        args.systemd_dir.clone()
    };
    // Without the unit the drop-in can still be printed from --config.
    let service = limits::read_service_exec(&args.unit, &dirs).ok();
    let config = args
        .config
        .clone()
        .or_else(|| service.as_ref().and_then(|s| s.broker_config()))
        .ok_or_else(|| {
            anyhow::anyhow!(
                "no server.properties: the unit {} has no ExecStart= with a .properties \
                 argument (or could not be read); pass --config FILE",
                args.unit
            )
        })?;
    let home = args
        .kafka_home
        .clone()
        .or_else(|| service.as_ref().and_then(|s| s.kafka_home()));
    let exe = std::env::current_exe().unwrap_or_else(|_| PathBuf::from("kafka-preflight"));
    output::print(&dropin::render(
        &args.unit,
        &exe,
        &config,
        home.as_deref(),
        service.as_ref(),
    ))?;
    Ok(exit_codes::OK)
}
