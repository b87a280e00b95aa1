//! Something the scan or the model found that the operator should know about. Collected, never fatal.

use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    /// The broker will refuse to start, or the tool could not read something it needs.
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    pub severity: Severity,
    #[serde(serialize_with = "lossy_path")]
    pub path: PathBuf,
    pub message: String,
    /// Kafka refuses to start (or fails the dir) because of it: a start-up killer.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub stops_start: bool,
    /// What makes the problem go away, when the finder knows; the log_dirs check recommends it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// What kind of start-up killer, when a fix block can be written for it.
    #[serde(skip)]
    pub kind: Option<ProblemKind>,
}

/// Start-up killers with a known fix block (see `crate::fixes`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProblemKind {
    /// A directory in a log dir that is not a log (`lost+found`, a backup copy).
    NotALogDir,
    /// A `log.dirs` entry naming a dir already listed.
    DuplicateLogDir,
}

impl Problem {
    pub fn new(severity: Severity, path: impl AsRef<Path>, message: impl Into<String>) -> Self {
        Problem {
            severity,
            path: path.as_ref().to_path_buf(),
            message: message.into(),
            stops_start: false,
            fix: None,
            kind: None,
        }
    }

    pub fn with_fix(self, fix: impl Into<String>) -> Self {
        Problem {
            fix: Some(fix.into()),
            ..self
        }
    }

    pub fn with_kind(self, kind: ProblemKind) -> Self {
        Problem {
            kind: Some(kind),
            ..self
        }
    }
    /// An error that stops Kafka's start (it throws, or refuses the dir).
    pub fn stops_start(path: impl AsRef<Path>, message: impl Into<String>) -> Self {
        Problem {
            stops_start: true,
            ..Self::new(Severity::Error, path, message)
        }
    }
    pub fn error(path: impl AsRef<Path>, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, path, message)
    }
    pub fn warning(path: impl AsRef<Path>, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, path, message)
    }
    pub fn info(path: impl AsRef<Path>, message: impl Into<String>) -> Self {
        Self::new(Severity::Info, path, message)
    }
}

pub fn lossy_path<S: serde::Serializer>(p: &Path, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&p.to_string_lossy())
}
