//! Test support: whole-file snapshots that rewrite themselves (rust-analyzer's
//! `ensure_file_contents`), and paths into the workspace.

use std::path::{Path, PathBuf};

/// The workspace root.
pub(crate) fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(".."))
}

/// Records that the running test checked nothing, and why: a line on stderr, and one in the
/// file `GWC_SKIP_LOG` names, which `scripts/test` empties before the run and prints in its
/// summary. libtest has no runtime skip, so without this a skipped test would read `ok`.
pub(crate) fn skip(why: &str) {
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("unnamed test");
    let line = format!("SKIPPED {test}: {why}");
    eprintln!("{line}");
    if let Some(log) = std::env::var_os("GWC_SKIP_LOG") {
        use std::io::Write as _;
        let appended = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .and_then(|mut f| writeln!(f, "{line}"));
        if let Err(e) = appended {
            eprintln!(
                "cannot record the skip in {}: {e}",
                Path::new(&log).display()
            );
        }
    }
}

/// Compares `path` with `contents`; on a difference writes `contents` and returns a message for
/// the failure (so a re-run, or `UPDATE_EXPECT=1`, makes the test pass and the diff shows in git).
pub(crate) fn ensure_file_contents(path: &Path, contents: &str) -> Result<(), String> {
    let old = std::fs::read_to_string(path).unwrap_or_default();
    if normalize(&old) == normalize(contents) {
        return Ok(());
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("create {}: {e}", parent.display()))?;
    }
    std::fs::write(path, contents).map_err(|e| format!("write {}: {e}", path.display()))?;
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        return Ok(());
    }
    let hint = if std::env::var_os("CI").is_some() {
        " (run `cargo test` locally and commit)"
    } else {
        ""
    };
    Err(format!(
        "{} was not up to date and has been updated{hint}",
        path.display()
    ))
}

fn normalize(s: &str) -> String {
    s.replace("\r\n", "\n")
}
