//! `--output FILE`: the report replaces FILE atomically, so a reader (a fleet merge, node_exporter)
//! never sees half of one, and nothing but FILE is ever written.
//!
//! Run as root in a shared writable directory, a predictable temp name lets another user plant a
//! symlink that root then writes through; renaming over /dev/null replaces the device. So: the
//! target must be a regular file (or absent; `-` is stdout), the temp file gets a random name and
//! is created with O_EXCL|O_NOFOLLOW, it is fsync'ed before the rename, and it is removed on
//! every failure path (a full disk leaves nothing behind).

use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use anyhow::Context;

/// Writes `text` to a new file next to `path` and renames it over `path`.
pub fn write_atomically(path: &Path, text: &str) -> anyhow::Result<()> {
    let target = resolve_target(path)?;
    let dir = target
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = target
        .file_name()
        .with_context(|| format!("--output {}: not a file name", path.display()))?
        .to_string_lossy()
        .into_owned();
    let (file, tmp) = create_temp(dir, &name, random_suffix).with_context(|| {
        format!(
            "--output {}: cannot create a temp file in {}",
            path.display(),
            dir.display()
        )
    })?;
    let guard = Remove(Some(tmp.clone()));
    let mut file = file;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| {
            format!(
                "--output {}: cannot write {}",
                path.display(),
                tmp.display()
            )
        })?;
    drop(file);
    std::fs::rename(&tmp, &target).with_context(|| {
        format!(
            "--output {}: cannot rename {} to {}",
            path.display(),
            tmp.display(),
            target.display()
        )
    })?;
    guard.disarm();
    // The rename is durable once the directory is: best effort (some filesystems refuse).
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// The file to replace: `path`, or what a symlink at `path` points to (replacing the link would
/// leave the file it names stale). Anything but a regular file is refused.
fn resolve_target(path: &Path) -> anyhow::Result<PathBuf> {
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(path.to_path_buf()),
        Err(e) => Err(e).with_context(|| format!("--output {}", path.display())),
        Ok(m) if m.file_type().is_file() => Ok(path.to_path_buf()),
        Ok(m) if m.file_type().is_symlink() => {
            let real = std::fs::canonicalize(path);
            match (real, std::fs::metadata(path)) {
                (Ok(real), Ok(t)) if t.is_file() => Ok(real),
                (_, Ok(t)) => Err(refuse(path, &t)),
                // A dangling link: creating its target through it is what O_NOFOLLOW forbids.
                (_, Err(e)) => Err(anyhow::anyhow!(
                    "--output {}: a symlink whose target cannot be used ({e}); name a regular file or `-` for stdout",
                    path.display()
                )),
            }
        }
        Ok(m) => Err(refuse(path, &m)),
    }
}

fn refuse(path: &Path, m: &std::fs::Metadata) -> anyhow::Error {
    let what = crate::fsread::not_regular(m).to_string();
    let what = what.trim_end_matches(": not read");
    anyhow::anyhow!(
        "--output {}: {what}, so it is not replaced; name a regular file, or `-` (or a shell redirect) for stdout",
        path.display()
    )
}

/// Creates `.NAME.RANDOM.tmp` in `dir` with O_EXCL|O_NOFOLLOW (mode 0644 less the umask); a name
/// that exists (or is a planted symlink) is never opened: another random name is tried.
fn create_temp(
    dir: &Path,
    name: &str,
    mut suffix: impl FnMut() -> io::Result<String>,
) -> io::Result<(std::fs::File, PathBuf)> {
    let mut last = None;
    for _ in 0..16 {
        let tmp = dir.join(format!(".{name}.{}.tmp", suffix()?));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o644)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(&tmp)
        {
            Ok(f) => return Ok((f, tmp)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::other("no free temp name")))
}

/// 64 random bits from the kernel, in hex.
fn random_suffix() -> io::Result<String> {
    let mut b = [0u8; 8];
    // SAFETY: getrandom writes at most b.len() bytes into b.
    let n = unsafe { libc::getrandom(b.as_mut_ptr().cast(), b.len(), 0) };
    if n != b.len() as isize {
        return Err(io::Error::last_os_error());
    }
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
}

/// Removes the temp file on every early return.
struct Remove(Option<PathBuf>);

impl Remove {
    fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for Remove {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = std::fs::remove_file(p);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_a_regular_file_and_leaves_no_temp() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("r.json");
        std::fs::write(&f, "old").unwrap();
        write_atomically(&f, "new").unwrap();
        assert_eq!(std::fs::read_to_string(&f).unwrap(), "new");
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_planted_symlink_at_the_temp_name_is_never_written_through() {
        let d = tempfile::tempdir().unwrap();
        let victim = d.path().join("victim");
        std::fs::write(&victim, "precious").unwrap();
        let planted = d.path().join(".r.json.aaaa.tmp");
        std::os::unix::fs::symlink(&victim, &planted).unwrap();
        let mut names = vec!["bbbb".to_string(), "aaaa".to_string()];
        let (mut f, tmp) = create_temp(d.path(), "r.json", || Ok(names.pop().unwrap())).unwrap();
        assert!(tmp.ends_with(".r.json.bbbb.tmp"), "{tmp:?}");
        f.write_all(b"report").unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        // Only the planted name every time: an error, never an open through the link.
        assert!(create_temp(d.path(), "r.json", || Ok("aaaa".into())).is_err());
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    }

    #[test]
    fn a_symlink_to_a_regular_file_replaces_the_file_and_keeps_the_link() {
        let d = tempfile::tempdir().unwrap();
        let real = d.path().join("real.prom");
        std::fs::write(&real, "old").unwrap();
        let link = d.path().join("link.prom");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write_atomically(&link, "new").unwrap();
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "new");
    }

    #[test]
    fn refuses_non_regular_targets() {
        let d = tempfile::tempdir().unwrap();
        let e = write_atomically(d.path(), "x").unwrap_err().to_string();
        assert!(e.contains("directory"), "{e}");
        let link = d.path().join("stdout");
        std::os::unix::fs::symlink("/dev/null", &link).unwrap();
        let e = write_atomically(&link, "x").unwrap_err().to_string();
        assert!(e.contains("character device"), "{e}");
        let t = std::fs::metadata("/dev/null").unwrap().file_type();
        assert!(std::os::unix::fs::FileTypeExt::is_char_device(&t));
    }
}
