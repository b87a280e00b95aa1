//! Results -> text, and text -> stdout or a file. One [`Format`] for the results that have every
//! format; one exporter module per result, as hyperfine's `export/` does.
//! Commands never print on their own: they render here and hand the text to [`emit`].

pub mod audit;
pub mod check;
pub mod diff;
pub mod fleet;
pub mod inspect;
pub mod live;
pub mod report;
pub mod sweep;
pub mod text;
pub mod watch;

use std::io::Write;
use std::path::Path;

use anyhow::Context;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// For people, verdict first (colour on a terminal unless NO_COLOR is set).
    Table,
    /// One JSON object with a schema_version (docs/report-json.md).
    Json,
    /// A pull-request or ticket comment, verdict first.
    Markdown,
    /// For spreadsheets: one row per item, a `kind` column saying what the row is.
    Csv,
    /// node_exporter textfile-collector metrics (kafka_preflight_*).
    Prometheus,
}

impl Format {
    /// The name as typed on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Markdown => "markdown",
            Format::Csv => "csv",
            Format::Prometheus => "prometheus",
        }
    }
}

/// The reader of stdout went away (`| head -1`): the command ends quietly with exit 0, since
/// the reader had what it wanted.
#[derive(Debug, thiserror::Error)]
#[error("stdout was closed by its reader")]
pub struct StdoutClosed;

/// Whether an error chain ends in a closed stdout (see [`StdoutClosed`]).
pub fn is_stdout_closed(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.is::<StdoutClosed>())
}

/// Writes to stdout. A closed pipe becomes [`StdoutClosed`]; any other failure (a full disk
/// behind `> /dev/full`) is an error naming stdout, never a panic as `print!` would give.
pub fn print(text: &str) -> anyhow::Result<()> {
    print_bytes(text.as_bytes())
}

/// [`print`] for output that is not necessarily UTF-8 (a man page).
pub fn print_bytes(bytes: &[u8]) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(StdoutClosed.into()),
        r => r.context("cannot write to stdout"),
    }
}

/// The result text to `--output FILE` (atomically) or to stdout.
pub fn emit(output: Option<&Path>, text: &str) -> anyhow::Result<()> {
    match output {
        Some(path) => write_atomically(path, text),
        None => print(text),
    }
}

/// Colour only on a terminal, and never when NO_COLOR has a value (https://no-color.org).
pub fn color_wanted(is_terminal: bool) -> bool {
    is_terminal
        && !matches!(std::env::var_os("NO_COLOR"), Some(v) if !v.is_empty())
        && !matches!(std::env::var_os("TERM"), Some(t) if t == "dumb")
}

/// How a human output is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    pub color: bool,
    /// Each check's rationale under its summary (`--explain`, `-v`).
    pub explain: bool,
    /// Columns to fit: `COLUMNS`, else the terminal's, else 80.
    pub width: usize,
}

impl Style {
    /// No colour, no rationale, 80 columns: files, pipes and tests.
    pub fn plain() -> Style {
        Style {
            color: false,
            explain: false,
            width: 80,
        }
    }

    /// The style for a result going to `output` (None: stdout).
    pub fn for_output(output: Option<&Path>, explain: bool) -> Style {
        Style {
            color: color_for(output),
            explain,
            width: width(output.is_none() && std::io::IsTerminal::is_terminal(&std::io::stdout())),
        }
    }
}

/// `COLUMNS` when set, else the terminal's width when stdout is one, else 80.
pub fn width(stdout_is_terminal: bool) -> usize {
    if let Some(n) = std::env::var("COLUMNS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|n| *n >= 40)
    {
        return n;
    }
    if stdout_is_terminal {
        // SAFETY: TIOCGWINSZ fills a winsize; on failure the zeroed struct is ignored.
        let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
        if unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut ws) } == 0
            && ws.ws_col >= 40
        {
            return usize::from(ws.ws_col);
        }
    }
    80
}

/// Colour for a result printed to stdout (never for `--output`).
pub fn color_for(output: Option<&Path>) -> bool {
    output.is_none() && color_wanted(std::io::IsTerminal::is_terminal(&std::io::stdout()))
}

/// `--output FILE`: replaced atomically, never through a planted symlink, never a device
/// (see [`crate::safe_write`]); `-` is stdout.
pub fn write_atomically(path: &Path, text: &str) -> anyhow::Result<()> {
    if path.as_os_str() == "-" {
        return print(text);
    }
    crate::safe_write::write_atomically(path, text)
}
