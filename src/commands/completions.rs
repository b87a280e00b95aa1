//! `completions SHELL` and `man`: shell completion scripts and a roff man page, both generated
//! from the clap definitions (so they never drift from the flags) and printed to stdout.

use std::io::Write;

use clap::CommandFactory;

use crate::cli::Cli;
use crate::exit_codes;

/// Print a shell completion script to stdout.
#[derive(Debug, clap::Args)]
#[command(
    about = "Print a shell completion script to stdout",
    after_help = "Examples:\n  kafka-preflight completions bash > /etc/bash_completion.d/kafka-preflight\n  kafka-preflight completions zsh > \"${fpath[1]}/_kafka-preflight\"\n  kafka-preflight completions fish > ~/.config/fish/completions/kafka-preflight.fish"
)]
pub struct CompletionsArgs {
    /// The shell to generate for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Print the man page (roff) to stdout.
#[derive(Debug, clap::Args)]
#[command(
    about = "Print the man page (roff) to stdout",
    after_help = "Example:\n  kafka-preflight man > /usr/local/share/man/man1/kafka-preflight.1"
)]
pub struct ManArgs {}

pub fn run(args: CompletionsArgs) -> anyhow::Result<u8> {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "kafka-preflight", &mut out);
    crate::output::print_bytes(&out)?;
    Ok(exit_codes::OK)
}

/// The man page of the whole command, subcommands included.
pub fn man_page() -> anyhow::Result<Vec<u8>> {
    let cmd = Cli::command();
    let mut out = Vec::new();
    let man = clap_mangen::Man::new(cmd.clone());
    man.render(&mut out)?;
    // A section per subcommand (synopsis, description, flags, examples), its sections as
    // subsections, so one page documents every flag.
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let full = format!("kafka-preflight {}", sub.get_name());
        let m = clap_mangen::Man::new(sub.clone().bin_name(full.clone()));
        let mut page = Vec::new();
        m.render_synopsis_section(&mut page)?;
        m.render_description_section(&mut page)?;
        m.render_options_section(&mut page)?;
        m.render_extra_section(&mut page)?;
        writeln!(out, ".SH \"{}\"", full.to_uppercase())?;
        for line in String::from_utf8_lossy(&page).lines() {
            match line.strip_prefix(".SH ") {
                Some("EXTRA") => writeln!(out, ".SS NOTES")?,
                Some(title) => writeln!(out, ".SS {title}")?,
                None => writeln!(out, "{line}")?,
            }
        }
    }
    Ok(out)
}

pub fn man(_args: ManArgs) -> anyhow::Result<u8> {
    crate::output::print_bytes(&man_page()?)?;
    Ok(exit_codes::OK)
}
