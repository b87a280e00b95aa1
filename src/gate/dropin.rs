//! `gate --print-systemd-dropin`: the drop-in that makes a broker's unit run the gate first.
//! ExecStartPre= runs with the unit's User=, Limit*= and Environment=, so the gate sees exactly
//! what the broker will; User= is repeated only so the drop-in says whom it runs as.

use std::fmt::Write;
use std::path::Path;

use crate::limits::ServiceExec;

/// The drop-in's text for `unit`, running `exe gate --config CONFIG [--kafka-home HOME]`.
pub fn render(
    unit: &str,
    exe: &Path,
    config: &Path,
    kafka_home: Option<&Path>,
    service: Option<&ServiceExec>,
) -> String {
    let name = unit_name(unit);
    let mut cmd = format!(
        "{} gate --config {}",
        quote(&exe.to_string_lossy()),
        quote(&config.to_string_lossy())
    );
    if let Some(h) = kafka_home {
        let _ = write!(cmd, " --kafka-home {}", quote(&h.to_string_lossy()));
    }
    let mut out = format!(
        "# kafka-preflight start gate for {name}. Install:\n\
         #   mkdir -p /etc/systemd/system/{name}.d\n\
         #   kafka-preflight gate --print-systemd-dropin --unit {unit} \
         > /etc/systemd/system/{name}.d/50-kafka-preflight-gate.conf\n\
         #   systemctl daemon-reload\n\
         # A FAIL check stops the start (exit 1); warnings never do. Emergency bypass without\n\
         # editing the unit: systemctl set-environment {}=skip, or touch {}.\n",
        super::escape::ENV_VAR,
        super::escape::DEFAULT_MARKER
    );
    if let Some(files) = service.map(|s| &s.files).filter(|f| !f.is_empty()) {
        let read: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
        let _ = writeln!(out, "# Read from: {}", read.join(", "));
    }
    out += "[Service]\n";
    match service.and_then(|s| s.user.as_deref()) {
        Some(u) => {
            let _ = writeln!(out, "User={u}");
        }
        None => out += "# The unit has no User=: the gate runs as root, as the broker does.\n",
    }
    let _ = writeln!(out, "ExecStartPre={cmd}");
    out
}

/// `kafka` -> `kafka.service`, as systemctl completes it.
pub fn unit_name(unit: &str) -> String {
    let base = Path::new(unit)
        .file_name()
        .map_or(unit.to_string(), |n| n.to_string_lossy().into_owned());
    if base.contains('.') {
        base
    } else {
        format!("{base}.service")
    }
}

/// A word as systemd's command-line parser reads it back: quoted when it has spaces, quotes,
/// backslashes or specifiers (`%` is doubled, `$` would be expanded as a variable).
fn quote(word: &str) -> String {
    let escaped = word.replace('%', "%%").replace('$', "$$");
    if escaped
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+=:,@".contains(c))
    {
        return escaped;
    }
    let mut out = String::from("\"");
    for c in escaped.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}
