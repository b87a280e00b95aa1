//! `--ulimit-v`, `--ulimit-n`, `--max-map-count`: values an operator copies from a shell.

use super::LimitError;

const ULIMIT_V_EXPECTED: &str = "expected KiB exactly as `ulimit -v` prints it (e.g. 6899920), \
     a size (512M, 7G, 7GiB, 1.5T: K/M/G/T and KiB/MiB/GiB/TiB are powers of 1024; KB/MB/GB/TB \
     powers of 1000), or `unlimited`";

fn bad(flag: &'static str, value: &str, why: String, expected: &str) -> LimitError {
    LimitError::BadFlag {
        flag,
        value: value.to_string(),
        expected: format!("{why}; {expected}"),
    }
}

/// Parses `--ulimit-v` into bytes (`None` = unlimited), by the one rule for sizes
/// ([`crate::units::parse`]): a bare number is KiB, because that is what `ulimit -v` prints and
/// what an operator pastes; `7G` is 7 GiB as in `ulimit`, systemd's `LimitAS=` and `-Xmx`; `7GB`
/// is 7 000 000 000 bytes.
pub fn parse_ulimit_v(value: &str) -> Result<Option<u64>, LimitError> {
    crate::units::parse::flag::address_space_limit(value)
        .map_err(|why| bad("--ulimit-v", value, why, ULIMIT_V_EXPECTED))
}

/// Parses `--ulimit-n`: a count or `unlimited` (`None`).
pub fn parse_ulimit_n(value: &str) -> Result<Option<u64>, LimitError> {
    crate::units::parse::flag::nofile(value).map_err(|why| {
        bad(
            "--ulimit-n",
            value,
            why,
            "expected a number of files exactly as `ulimit -n` prints it (e.g. 100000), or `unlimited`",
        )
    })
}

/// Parses `--max-map-count` for a CLI that takes it as text: a positive count.
pub fn parse_max_map_count(value: &str) -> Result<u64, LimitError> {
    crate::units::parse::flag::max_map_count(value).map_err(|why| {
        bad(
            "--max-map-count",
            value,
            why,
            "expected a positive number as `sysctl vm.max_map_count` prints it (e.g. 262144)",
        )
    })
}
