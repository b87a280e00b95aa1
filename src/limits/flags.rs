//! `--ulimit-v`, `--ulimit-n`, `--max-map-count`: values an operator copies from a shell.

use super::LimitError;

const ULIMIT_V_EXPECTED: &str = "expected KiB exactly as `ulimit -v` prints it (e.g. 6899920), \
     a size with a binary unit (512M, 7G, 7GiB, 1.5T: K/M/G/T mean KiB/MiB/GiB/TiB), \
     or `unlimited`";

/// Parses `--ulimit-v` into bytes (`None` = unlimited).
///
/// A bare number is KiB, because that is what `ulimit -v` prints and what an operator pastes.
/// Single-letter units are binary (`7G` = 7 GiB), as in `ulimit`, systemd's `LimitAS=` and the
/// JVM's `-Xmx`; `bytesize` alone would read `7G` as 7 000 000 000. Decimal `kB/MB/GB/TB` are
/// refused: a 7% misreading is the difference between a broker that starts and one that doesn't.
pub fn parse_ulimit_v(value: &str) -> Result<Option<u64>, LimitError> {
    let bad = |expected: String| LimitError::BadFlag {
        flag: "--ulimit-v",
        value: value.to_string(),
        expected,
    };
    let v = value.trim();
    if v.eq_ignore_ascii_case("unlimited") || v.eq_ignore_ascii_case("infinity") {
        return Ok(None);
    }
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        let kib: u64 = v
            .parse()
            .map_err(|_| bad(format!("too large; {ULIMIT_V_EXPECTED}")))?;
        return kib
            .checked_mul(1024)
            .map(Some)
            .ok_or_else(|| bad(format!("too large; {ULIMIT_V_EXPECTED}")));
    }
    let split = v
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(v.len());
    let (number, unit) = v.split_at(split);
    let unit = unit.trim();
    if number.is_empty() || number.parse::<f64>().is_err() {
        return Err(bad(ULIMIT_V_EXPECTED.to_string()));
    }
    let binary_unit = match unit.to_ascii_lowercase().as_str() {
        "b" => "B",
        "k" | "ki" | "kib" => "KiB",
        "m" | "mi" | "mib" => "MiB",
        "g" | "gi" | "gib" => "GiB",
        "t" | "ti" | "tib" => "TiB",
        "kb" | "mb" | "gb" | "tb" => {
            return Err(bad(format!(
                "{unit} is ambiguous (decimal or binary?); {ULIMIT_V_EXPECTED}"
            )))
        }
        _ => return Err(bad(ULIMIT_V_EXPECTED.to_string())),
    };
    let size: bytesize::ByteSize = format!("{number}{binary_unit}")
        .parse()
        .map_err(|e: String| bad(format!("{e}; {ULIMIT_V_EXPECTED}")))?;
    // bytesize computes in f64 and saturates on overflow instead of failing.
    if size.as_u64() == u64::MAX {
        return Err(bad(format!("too large; {ULIMIT_V_EXPECTED}")));
    }
    Ok(Some(size.as_u64()))
}

/// Parses `--ulimit-n`: a count, or `unlimited` (`None`).
pub fn parse_ulimit_n(value: &str) -> Result<Option<u64>, LimitError> {
    let v = value.trim();
    if v.eq_ignore_ascii_case("unlimited") || v.eq_ignore_ascii_case("infinity") {
        return Ok(None);
    }
    v.parse::<u64>().map(Some).map_err(|_| LimitError::BadFlag {
        flag: "--ulimit-n",
        value: value.to_string(),
        expected: "expected a number of files exactly as `ulimit -n` prints it (e.g. 100000), \
                   or `unlimited`"
            .to_string(),
    })
}

/// Parses `--max-map-count` for a CLI that takes it as text: a positive count.
pub fn parse_max_map_count(value: &str) -> Result<u64, LimitError> {
    value
        .trim()
        .parse::<u64>()
        .ok()
        .filter(|&n| n > 0)
        .ok_or_else(|| LimitError::BadFlag {
            flag: "--max-map-count",
            value: value.to_string(),
            expected: "expected a positive number as `sysctl vm.max_map_count` prints it \
                       (e.g. 262144)"
                .to_string(),
        })
}
