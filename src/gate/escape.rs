//! The emergency escape hatch: an operator who must start the broker now, gate or not, sets an
//! environment variable or creates a marker file; neither needs the unit or the start script
//! edited. Every use is logged, with who made the marker and when, so it is not forgotten.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// `KAFKA_PREFLIGHT_GATE=skip` (or `off`). Under systemd, `systemctl set-environment` puts it in
/// the manager's environment, which every unit's ExecStartPre= inherits.
pub const ENV_VAR: &str = "KAFKA_PREFLIGHT_GATE";

/// Under /run, so a forgotten marker is gone after the next reboot.
pub const DEFAULT_MARKER: &str = "/run/kafka-preflight.skip";

/// Where an operator can turn the gate off.
#[derive(Debug, Clone)]
pub struct Hatch {
    pub marker: PathBuf,
    /// The value of [`ENV_VAR`] (None when unset).
    pub env: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    Env(String),
    Marker {
        path: PathBuf,
        owner_uid: u32,
        modified: Option<String>,
    },
}

impl Hatch {
    /// The hatch as this process sees it.
    pub fn from_env(marker: &Path) -> Hatch {
        Hatch {
            marker: marker.to_path_buf(),
            env: std::env::var(ENV_VAR).ok(),
        }
    }

    /// Whether the gate is turned off, and by which of the two.
    pub fn skip(&self) -> Option<Skip> {
        if let Some(v) = &self.env {
            if matches!(v.trim().to_ascii_lowercase().as_str(), "skip" | "off") {
                return Some(Skip::Env(v.clone()));
            }
        }
        let md = std::fs::symlink_metadata(&self.marker).ok()?;
        Some(Skip::Marker {
            path: self.marker.clone(),
            owner_uid: md.uid(),
            modified: md
                .modified()
                .ok()
                .map(|t| humantime::format_rfc3339_seconds(t).to_string()),
        })
    }

    /// The sentence a blocked start prints: how to start anyway.
    pub fn instructions(&self) -> String {
        format!(
            "To start anyway in an emergency: `touch {}`, or set {ENV_VAR}=skip in the \
             broker's environment (systemd: `systemctl set-environment {ENV_VAR}=skip`); \
             undo it afterwards",
            self.marker.display()
        )
    }
}

impl Skip {
    pub fn describe(&self) -> String {
        match self {
            Skip::Env(v) => format!("{ENV_VAR}={v} is set"),
            Skip::Marker {
                path,
                owner_uid,
                modified,
            } => format!(
                "marker file {} exists (owner uid {owner_uid}, modified {})",
                path.display(),
                modified.as_deref().unwrap_or("at an unknown time")
            ),
        }
    }

    pub fn undo(&self) -> String {
        match self {
            Skip::Env(_) => format!(
                "Unset it to turn the gate back on (systemd: `systemctl unset-environment {ENV_VAR}`)"
            ),
            Skip::Marker { path, .. } => {
                format!("Remove it to turn the gate back on: rm {}", path.display())
            }
        }
    }
}
