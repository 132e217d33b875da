//! Builds the binaries the tests run, once per test binary, into the shared target directory.
//!
//! `cargo test` runs every test of this binary in one process, so a lock-protected cache is
//! enough to build each gateway once however many tests ask for it (nextest would build per
//! test process; `scripts/test` builds everything first so that case is cheap too). The
//! generated example crates are standalone (their own `[workspace]`), so they are built with
//! `--manifest-path` and the workspace's `--target-dir`: the runtime then compiles once for
//! all of them, and the test never depends on a crate's own `target/`.
//!
//! One caveat for several checkouts (git worktrees) sharing one `CARGO_TARGET_DIR`: cargo
//! hashes path packages relative to their workspace, so the checkouts share artifact names, and
//! an artifact built from another checkout counts as fresh when its sources are older. Touch the
//! sources (`find compiler runtime tests -name '*.rs' -exec touch {} +`) before a run that must
//! test this checkout's code; a single checkout, as in CI, is not affected.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use super::HarnessError;

/// Build results by name; the mutex also serialises builds so two tests never race cargo.
static BUILT: Mutex<BTreeMap<String, Result<PathBuf, String>>> = Mutex::new(BTreeMap::new());

/// The workspace root (the parent of this package).
pub fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// The shared target directory: `CARGO_TARGET_DIR` when set (relative to the workspace root if
/// relative), otherwise `<workspace>/target`, the same rule cargo applies.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => {
            let dir = PathBuf::from(dir);
            if dir.is_absolute() {
                dir
            } else {
                workspace_root().join(dir)
            }
        }
        _ => workspace_root().join("target"),
    }
}

/// The cargo that runs these tests (cargo sets `CARGO` for the processes it starts).
fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// Path of the binary of a checked-in generated example (`generated-examples/<name>`), built on
/// first use. The binary name is the package name, which is the spec's `x-gateway.name`.
pub fn example_gateway(name: &str) -> Result<PathBuf, HarnessError> {
    let manifest = workspace_root()
        .join("generated-examples")
        .join(name)
        .join("Cargo.toml");
    built(&format!("example:{name}"), || {
        if !manifest.is_file() {
            return Err(format!(
                "{} does not exist: run `gwc build specs/{name}/spec.yaml -o generated-examples/{name}`",
                manifest.display()
            ));
        }
        let mut cmd = cargo();
        cmd.arg("build")
            .arg("--manifest-path")
            .arg(&manifest)
            .arg("--target-dir")
            .arg(target_dir());
        run_build(cmd, &format!("generated-examples/{name}"))?;
        private_copy(&target_dir().join("debug").join(exe(name)))
    })
}

/// Path of a binary of a workspace package, built on first use (`cargo build -p PACKAGE
/// --bin BIN`): the Rust-first example gateways.
pub fn workspace_bin(package: &str, bin: &str) -> Result<PathBuf, HarnessError> {
    built(&format!("bin:{package}:{bin}"), || {
        let mut cmd = cargo();
        cmd.arg("build")
            .arg("-p")
            .arg(package)
            .arg("--bin")
            .arg(bin)
            .arg("--target-dir")
            .arg(target_dir())
            .current_dir(workspace_root());
        run_build(cmd, package)?;
        private_copy(&target_dir().join("debug").join(exe(bin)))
    })
}

/// Path of the `gwc` CLI, built on first use (`cargo build -p gwc`).
pub fn gwc() -> Result<PathBuf, HarnessError> {
    built("gwc", || {
        let mut cmd = cargo();
        cmd.arg("build")
            .arg("-p")
            .arg("gwc")
            .arg("--bin")
            .arg("gwc")
            .arg("--target-dir")
            .arg(target_dir())
            .current_dir(workspace_root());
        run_build(cmd, "gwc")?;
        private_copy(&target_dir().join("debug").join(exe("gwc")))
    })
}

/// Links (or copies) a freshly built binary to a directory of this checkout's own under the
/// target directory, and returns that path. Several checkouts sharing one target directory
/// (worktrees with a common `CARGO_TARGET_DIR`) overwrite each other's `target/debug/<bin>`;
/// the private link keeps pointing at the binary this test run built.
fn private_copy(built: &Path) -> Result<PathBuf, String> {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    workspace_root().hash(&mut hasher);
    let dir = target_dir()
        .join("gwc-e2e-bin")
        .join(format!("{:016x}", hasher.finish()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let name = built
        .file_name()
        .ok_or_else(|| format!("{} has no file name", built.display()))?;
    let private = dir.join(name);
    // A previous run's link may be there; cargo replaces its own file the same way.
    let _ = std::fs::remove_file(&private);
    if std::fs::hard_link(built, &private).is_err() {
        std::fs::copy(built, &private).map_err(|e| {
            format!(
                "cannot copy {} to {}: {e}",
                built.display(),
                private.display()
            )
        })?;
    }
    Ok(private)
}

fn exe(name: &str) -> String {
    format!("{name}{}", std::env::consts::EXE_SUFFIX)
}

/// Returns the cached result for `key`, or runs `build` under the lock and caches it (failures
/// too, so the second test that needs a broken binary fails fast with the same message).
fn built(
    key: &str,
    build: impl FnOnce() -> Result<PathBuf, String>,
) -> Result<PathBuf, HarnessError> {
    // A test that panicked while holding the lock poisons it; the cache itself is still valid.
    let mut cache = BUILT
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let result = cache
        .entry(key.to_owned())
        .or_insert_with(|| {
            build().and_then(|path| {
                if path.is_file() {
                    Ok(path)
                } else {
                    Err(format!("cargo succeeded but {} is missing", path.display()))
                }
            })
        })
        .clone();
    result.map_err(|output| HarnessError::Build {
        what: key.to_owned(),
        output,
    })
}

fn run_build(mut cmd: Command, what: &str) -> Result<(), String> {
    let started = std::time::Instant::now();
    let output = cmd
        .output()
        .map_err(|e| format!("cannot run cargo for {what}: {e}"))?;
    if output.status.success() {
        eprintln!("[harness] built {what} in {:.1?}", started.elapsed());
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}
