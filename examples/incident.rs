//! Ready-to-run sample: recreates the incident behind kafka-preflight (a 2018 broker killed and
//! restarted under the operator's `ulimit -v` of 6899920 KiB) as a sparse tree under
//! target/incident-example/, and checks it. Run: `cargo run --example incident`.
//! Add arguments to change the check, e.g. `cargo run --example incident -- --ulimit-v unlimited`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use kafka_preflight::cli::{Cli, Command};
use kafka_preflight::{commands, synth};

fn main() -> ExitCode {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/incident-example");
    let logs = root.join("kafka-logs");
    let _ = std::fs::remove_dir_all(&logs);
    if let Err(e) = synth::write_log_dir(&logs, &synth::incident_layout(), false) {
        eprintln!(
            "cannot write the example tree under {}: {e}",
            logs.display()
        );
        return ExitCode::from(2);
    }
    let props = root.join("server.properties");
    let text = format!(
        "# The incident's broker: Kafka 1.1, ZooKeeper mode, default index size, 256 MiB segments\n\
         broker.id=1\nzookeeper.connect=localhost:2181\nlog.dirs={}\nlog.segment.bytes=268435456\n",
        logs.display()
    );
    if let Err(e) = std::fs::write(&props, text) {
        eprintln!("cannot write {}: {e}", props.display());
        return ExitCode::from(2);
    }
    let mut argv: Vec<String> = ["kafka-preflight", "check", "--config"]
        .map(String::from)
        .to_vec();
    argv.push(props.display().to_string());
    argv.extend(
        [
            "--kafka-version",
            "1.1.0",
            "--heap",
            "1g",
            "--cores",
            "2",
            "--max-map-count",
            "65530",
            "--ulimit-n",
            "100000",
        ]
        .map(String::from),
    );
    let extra: Vec<String> = std::env::args().skip(1).collect();
    if !extra.iter().any(|a| a == "--ulimit-v") {
        argv.extend(["--ulimit-v".to_string(), "6899920".to_string()]);
    }
    argv.extend(extra);
    let Command::Check(args) = Cli::parse_from(argv).command else {
        unreachable!("argv above starts with `check`")
    };
    match commands::check::run(args) {
        // The sample is meant to fail a check; the example itself succeeded when it reported.
        Ok(code) => {
            println!("\n(kafka-preflight check exits with {code} here: 0 pass, 1 a check failed; try `cargo run --example incident -- --ulimit-v unlimited`)");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("kafka-preflight: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
