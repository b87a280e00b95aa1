use std::process::ExitCode;

use clap::Parser;
use kafka_preflight::cli::{Cli, Command};
use kafka_preflight::{commands, exit_codes, output};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(a) => commands::check::run(*a),
        Command::Gate(a) => commands::gate::run(*a),
        Command::Plan(a) => commands::plan::run(*a),
        Command::Diff(a) => commands::diff::run(*a),
        Command::Inspect(a) => commands::inspect::run(a),
        Command::Watch(a) => commands::watch::run(a),
        Command::Merge(a) => commands::merge::run(a),
        Command::Completions(a) => commands::completions::run(a),
        Command::Man(a) => commands::completions::man(a),
    };
    match result {
        Ok(code) => exit_codes::code(code),
        // `| head -1` had what it wanted: nothing went wrong.
        Err(e) if output::is_stdout_closed(&e) => exit_codes::code(exit_codes::OK),
        Err(e) => {
            eprintln!("kafka-preflight: error: {e:#}");
            exit_codes::code(exit_codes::TOOL_ERROR)
        }
    }
}
