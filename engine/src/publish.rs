//! Atomic publication of an index directory, and of single files ([`write_file_atomic`]).
//!
//! A build writes every file into a staging directory beside the destination (same parent, so
//! same file system), fsyncs each file and the directory, then makes it visible in one step:
//! `rename(2)` when the destination does not exist, `renameat2(RENAME_EXCHANGE)` when it does
//! (the old and the new directory trade places atomically, and the old one is then deleted).
//! At every instant the destination path holds either the complete old index or the complete
//! new one. A killed build leaves only a staging directory, which the next build removes.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::format::MANIFEST_FILE;

const STAGING_TAG: &str = ".folio-staging-";

/// fsyncs a directory, making the names in it durable.
pub fn sync_dir(dir: &Path) -> Result<()> {
    std::fs::File::open(dir).and_then(|d| d.sync_all()).map_err(|e| Error::io(dir, e))
}

/// Writes the file `path` atomically: `write` fills a new temporary file beside it and hands the
/// file back; it is fsynced, renamed over `path`, and the directory is fsynced. On any failure
/// the temporary file is removed and `path` is as it was. Every single file Folio replaces
/// (table checkpoints, the embedded sample) goes through here.
pub fn write_file_atomic(path: &Path, write: impl FnOnce(std::fs::File) -> Result<std::fs::File>) -> Result<()> {
    let dir = parent_of(path);
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let done = std::fs::File::create(&tmp)
        .map_err(|e| Error::io(&tmp, e))
        .and_then(write)
        .and_then(|file| file.sync_all().map_err(|e| Error::io(&tmp, e)))
        .and_then(|()| std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e)));
    if let Err(e) = done {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    sync_dir(&dir)
}

/// Creates a fresh, empty staging directory beside `dest` and removes those left by builds that
/// are no longer running.
pub fn create_staging(dest: &Path) -> Result<PathBuf> {
    let parent = parent_of(dest);
    std::fs::create_dir_all(&parent).map_err(|e| Error::io(&parent, e))?;
    check_replaceable(dest)?;
    let name =
        dest.file_name().ok_or_else(|| Error::InvalidInput(format!("{}: not a directory name", dest.display())))?;
    let prefix = format!(".{}{STAGING_TAG}", name.to_string_lossy());
    remove_stale(&parent, &prefix);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    let staging = parent.join(format!("{prefix}{}-{nanos}", std::process::id()));
    std::fs::create_dir(&staging).map_err(|e| Error::io(&staging, e))?;
    Ok(staging)
}

/// Refuses to replace `dest` unless it is absent, empty, or a Folio index (has a manifest):
/// a rebuild must never delete a directory of someone else's files.
pub fn check_replaceable(dest: &Path) -> Result<()> {
    match std::fs::read_dir(dest) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(dest, e)),
        Ok(mut entries) => {
            if dest.join(MANIFEST_FILE).is_file() || entries.next().is_none() {
                Ok(())
            } else {
                Err(Error::InvalidInput(format!(
                    "{}: exists and is not a Folio index (no {MANIFEST_FILE}); choose another --out or remove it",
                    dest.display()
                )))
            }
        }
    }
}

/// Moves the complete `staging` directory to `dest` atomically, replacing an old index there.
pub fn publish(staging: &Path, dest: &Path) -> Result<()> {
    sync_dir(staging)?;
    check_replaceable(dest)?;
    let parent = parent_of(dest);
    match std::fs::rename(staging, dest) {
        Ok(()) => {}
        // The destination exists and is not empty: swap the two directories in one step.
        Err(e) if dest.is_dir() => {
            rustix::fs::renameat_with(
                rustix::fs::CWD,
                staging,
                rustix::fs::CWD,
                dest,
                rustix::fs::RenameFlags::EXCHANGE,
            )
            .map_err(|x| Error::io(dest, if x == rustix::io::Errno::INVAL { e } else { x.into() }))?;
            sync_dir(&parent)?;
            // `staging` now holds the old index; nothing points at it any more. Its removal need
            // not be durable: if a crash undoes it, the next build removes it as a stale staging
            // directory.
            std::fs::remove_dir_all(staging).map_err(|e| Error::io(staging, e))?;
            return Ok(());
        }
        Err(e) => return Err(Error::io(dest, e)),
    }
    sync_dir(&parent)
}

fn parent_of(dest: &Path) -> PathBuf {
    match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Removes staging directories in `parent` named `{prefix}{pid}-...` whose process is gone.
pub(crate) fn remove_stale(parent: &Path, prefix: &str) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(prefix)) else {
            continue;
        };
        let pid = rest.split('-').next().and_then(|p| p.parse::<u32>().ok());
        let alive = pid.is_some_and(|p| Path::new(&format!("/proc/{p}")).exists());
        if !alive {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_replaced_whole_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("table.arrow");
        let put = |text: &'static str| {
            write_file_atomic(&path, |mut f| {
                std::io::Write::write_all(&mut f, text.as_bytes()).unwrap();
                Ok(f)
            })
        };
        put("old").unwrap();
        put("new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        let failed = write_file_atomic(&path, |mut f| {
            std::io::Write::write_all(&mut f, b"half").unwrap();
            Err(Error::InvalidInput("the writer failed".into()))
        });
        assert!(failed.is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new", "the old file stays");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, ["table.arrow"], "no temporary file is left");
    }
}
