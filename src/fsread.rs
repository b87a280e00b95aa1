//! The one way this tool opens a file it did not write (log-dir files, server.properties,
//! --topic-config, unit and environment files, the metadata log, reports to merge).
//!
//! A FIFO named like a checkpoint blocks `open(2)` forever, a device such as /dev/zero never
//! ends, and a sparse or NUL-filled file may claim gigabytes: so the type is checked on the very
//! fd that is read (no stat-then-open race), the size is bounded before and during the read, and
//! every read loop stops at the process-wide deadline (`--timeout`). Reads that are in progress
//! are registered, so a watchdog can name the files that did not answer.
//!
//! Errors are `std::io::Error`s with a message that says what happened; callers name the path.

use std::fs::{File, Metadata};
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

/// Whether a symlink as the last path component is followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Follow {
    Yes,
    /// O_NOFOLLOW: a symlink is refused (ELOOP).
    No,
}

/// Size limits, each sized to what Kafka (or systemd) itself writes or accepts, with margin.
pub mod limits {
    /// `.kafka_cleanshutdown`: empty, or `{"version":0,"brokerEpoch":N}` (3.7+).
    pub const MARKER: u64 = 64 << 10;
    /// meta.properties: five short keys.
    pub const META_PROPERTIES: u64 = 1 << 20;
    /// server.properties: hundreds of keys at most; 16 MiB is far beyond any real one.
    pub const CONFIG: u64 = 16 << 20;
    /// A unit file or an EnvironmentFile= (systemd itself refuses lines over LONG_LINE_MAX).
    pub const UNIT_FILE: u64 = 4 << 20;
    /// `kafka-configs.sh --describe --all` prints ~50 lines per topic: 200k topics fit.
    pub const TOPIC_CONFIG: u64 = 1 << 30;
    /// One checkpoint line: a topic name is at most 249 characters, partition and offset are
    /// an int and a long. Longer lines are corrupt (a NUL-filled file is one such line).
    pub const CHECKPOINT_LINE: usize = 64 << 10;
}

/// The kind of a non-regular file, for messages.
fn kind(m: &Metadata) -> &'static str {
    let t = m.file_type();
    if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_symlink() {
        "a symlink"
    } else {
        "not a regular file"
    }
}

/// The refusal for a non-regular file, as an error.
pub fn not_regular(m: &Metadata) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("not a regular file ({}): not read", kind(m)),
    )
}

/// Opens `path` for reading only if it is a regular file. O_NONBLOCK makes opening a FIFO
/// return at once (with no writer, a blocking open waits forever); O_NOCTTY keeps a terminal
/// device from becoming ours. The type is read with fstat on the opened fd, then O_NONBLOCK
/// is cleared so regular reads behave normally.
pub fn open_regular(path: &Path, follow: Follow) -> io::Result<(File, Metadata)> {
    let mut flags = libc::O_NONBLOCK | libc::O_NOCTTY | libc::O_CLOEXEC;
    if follow == Follow::No {
        flags |= libc::O_NOFOLLOW;
    }
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(flags)
        .open(path)?;
    let meta = file.metadata()?;
    if !meta.file_type().is_file() {
        return Err(not_regular(&meta));
    }
    clear_nonblock(&file)?;
    Ok((file, meta))
}

fn clear_nonblock(file: &File) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let fd = file.as_raw_fd();
    // SAFETY: fcntl on an fd we own, with integer arguments only.
    let fl = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    if fl < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: as above.
    if unsafe { libc::fcntl(fd, libc::F_SETFL, fl & !libc::O_NONBLOCK) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

// ---- the deadline shared by every read of one run ----

static DEADLINE: Mutex<Option<Instant>> = Mutex::new(None);

/// Sets (or clears) the instant after which every read in this process stops (--timeout).
pub fn set_deadline(d: Option<Instant>) {
    *DEADLINE.lock().unwrap_or_else(|e| e.into_inner()) = d;
}

pub fn deadline() -> Option<Instant> {
    *DEADLINE.lock().unwrap_or_else(|e| e.into_inner())
}

pub fn expired() -> bool {
    deadline().is_some_and(|d| Instant::now() >= d)
}

fn timed_out() -> io::Error {
    io::Error::new(
        io::ErrorKind::TimedOut,
        "not read to the end: --timeout expired",
    )
}

// ---- what is being read right now, for the watchdog ----

static IN_FLIGHT: Mutex<Vec<(u64, PathBuf)>> = Mutex::new(Vec::new());
static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Registers `path` as being read (or listed) until dropped.
pub struct InFlight(u64);

pub fn in_flight(path: &Path) -> InFlight {
    let id = NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    IN_FLIGHT
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push((id, path.to_path_buf()));
    InFlight(id)
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut v = IN_FLIGHT.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(i) = v.iter().position(|(id, _)| *id == self.0) {
            v.swap_remove(i);
        }
    }
}

/// Files and dirs whose read or listing has started and not ended, oldest first.
pub fn pending() -> Vec<PathBuf> {
    let mut v = IN_FLIGHT.lock().unwrap_or_else(|e| e.into_inner()).clone();
    v.sort();
    v.into_iter().map(|(_, p)| p).collect()
}

// ---- readers ----

/// A regular file being read: stops at the deadline, and at `limit` bytes with an error
/// (never a silent cut).
pub struct Reader {
    file: File,
    left: u64,
    limit: u64,
    _flight: InFlight,
}

impl Reader {
    /// Opens `path` (see [`open_regular`]); `limit` None reads any length (streamed input).
    pub fn open(path: &Path, follow: Follow, limit: Option<u64>) -> io::Result<(Reader, Metadata)> {
        let flight = in_flight(path);
        if expired() {
            return Err(timed_out());
        }
        let (file, meta) = open_regular(path, follow)?;
        let limit = limit.unwrap_or(u64::MAX);
        if meta.len() > limit {
            return Err(too_large(meta.len(), limit));
        }
        Ok((
            Reader {
                file,
                left: limit,
                limit,
                _flight: flight,
            },
            meta,
        ))
    }
}

fn too_large(len: u64, limit: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!(
            "{} is larger than the {} this file can hold: not read",
            if len == u64::MAX {
                "the file".to_string()
            } else {
                crate::units::bytes(len)
            },
            crate::units::bytes(limit)
        ),
    )
}

impl Read for Reader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if expired() {
            return Err(timed_out());
        }
        // One byte past the limit tells "exactly at the limit" from "more".
        let want = (buf.len() as u64).min(self.left.saturating_add(1)) as usize;
        let n = self.file.read(&mut buf[..want])?;
        if n as u64 > self.left {
            return Err(too_large(u64::MAX, self.limit));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// The whole of a regular file of at most `limit` bytes (symlinks followed, as the JVM does).
pub fn read_bounded(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    let (mut r, meta) = Reader::open(path, Follow::Yes, Some(limit))?;
    let mut buf = Vec::with_capacity(meta.len().min(limit).min(1 << 20) as usize);
    let mut chunk = vec![0u8; 64 << 10];
    loop {
        match r.read(&mut chunk) {
            Ok(0) => return Ok(buf),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// [`read_bounded`] as UTF-8 text (the error std::fs::read_to_string gives otherwise).
pub fn read_string_bounded(path: &Path, limit: u64) -> io::Result<String> {
    String::from_utf8(read_bounded(path, limit)?).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            "stream did not contain valid UTF-8",
        )
    })
}

/// At most `max` characters of `s` for a message, marked when cut: messages quote bad input,
/// never all of it (a corrupt line may be 256 MiB of NULs).
pub fn excerpt(s: &str, max: usize) -> String {
    let mut out: String = s.chars().take(max).collect();
    if out.len() < s.len() {
        out.push_str("...");
    }
    format!("{out:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_a_fifo_without_blocking_and_names_its_kind() {
        let d = tempfile::tempdir().unwrap();
        let fifo = d.path().join("meta.properties");
        let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        // Run on a thread so a regression (a blocking open) fails the test instead of hanging it.
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(read_bounded(&fifo, 1 << 20).map_err(|e| e.to_string()));
        });
        let r = rx
            .recv_timeout(std::time::Duration::from_secs(20))
            .expect("opening a FIFO blocked");
        let e = r.unwrap_err();
        assert!(e.contains("FIFO"), "{e}");
        assert!(pending().iter().all(|p| !p.ends_with("meta.properties")));
    }

    #[test]
    fn refuses_devices_and_dirs_and_symlinks_when_asked() {
        let e = read_bounded(Path::new("/dev/zero"), 10).unwrap_err();
        assert!(e.to_string().contains("character device"), "{e}");
        let d = tempfile::tempdir().unwrap();
        let e = read_bounded(d.path(), 10).unwrap_err();
        assert!(e.to_string().contains("directory"), "{e}");
        let f = d.path().join("f");
        std::fs::write(&f, b"x").unwrap();
        let l = d.path().join("l");
        std::os::unix::fs::symlink(&f, &l).unwrap();
        assert_eq!(read_bounded(&l, 10).unwrap(), b"x");
        assert!(open_regular(&l, Follow::No).is_err());
    }

    #[test]
    fn a_file_over_its_limit_is_an_error_not_a_cut() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("f");
        std::fs::write(&f, vec![b'a'; 100]).unwrap();
        assert_eq!(read_bounded(&f, 100).unwrap().len(), 100);
        let e = read_bounded(&f, 99).unwrap_err();
        assert!(e.to_string().contains("larger than"), "{e}");
        // A sparse file is refused from its size, without reading it.
        let s = d.path().join("sparse");
        File::create(&s).unwrap().set_len(10 << 30).unwrap();
        assert!(read_bounded(&s, 1 << 20).is_err());
    }

    #[test]
    fn excerpts_are_short() {
        assert_eq!(excerpt("abc", 10), "\"abc\"");
        let long = "\0".repeat(1000);
        assert!(excerpt(&long, 20).len() < 100);
    }
}
