//! `gwc build`: spec → IR → generated crate on disk.
//!
//! [`build`] runs the front end ([`compile`]: load → lower → check for serving, shared with
//! `gwc serve`),
//! then [`crate::codegen::generate`], then [`write_crate`]. Writing touches only files whose
//! bytes change (so cargo's freshness checks and editors see no spurious edits) and removes files
//! a previous `gwc build` wrote that no longer belong, recognised by [`codegen::MARKER`] in
//! their first line; any other file in the folder is left alone, and a folder whose `Cargo.toml`
//! gwc did not write is refused rather than overwritten.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::Frontend;
use crate::codegen::{
    self, GeneratedCrate, HandlerSettings, LockError, LockedCrate, RuntimeSource, Settings,
};

/// Options of `gwc build` beyond the spec and output folder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BuildOptions {
    /// Where `gwc-runtime` comes from; `None` picks [`RuntimeSource::default_for`] the output.
    pub runtime: Option<RuntimeChoice>,
}

/// The runtime flags of `gwc build`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuntimeChoice {
    /// `--runtime-version 0.1.0`: a crates.io dependency.
    Version(String),
    /// `--runtime-path DIR`: a path dependency on this runtime checkout (relative to the current
    /// directory), written relative to the output folder where possible.
    Path(PathBuf),
}

/// The front end for a spec that is going to be served: load → lower → check, rejecting what
/// could be described but not served yet. `gwc build` and `gwc serve` both start here, so they
/// accept exactly the same specs.
pub fn compile(spec: &Path) -> Frontend {
    crate::frontend_for(spec, crate::lower::Purpose::Serve)
}

/// Renders a front end's diagnostics (no colour unless asked), for stderr.
pub fn render(front: &Frontend, colour: bool) -> String {
    front.diagnostics.render(&front.sources, colour)
}

/// What [`write_crate`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteReport {
    /// Files created or changed, relative to the output folder.
    pub written: Vec<PathBuf>,
    /// Files already up to date.
    pub unchanged: Vec<PathBuf>,
    /// Files from an earlier build that no longer belong, now deleted.
    pub removed: Vec<PathBuf>,
}

/// A successful build.
#[derive(Debug)]
pub struct Built {
    /// The front end's output (warnings and notes may be worth printing).
    pub front: Frontend,
    /// What changed on disk.
    pub report: WriteReport,
}

/// Why `gwc build` produced no crate.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The spec has errors; print them with [`render`].
    #[error("the spec has errors")]
    Spec(Box<Frontend>),
    /// Reading or writing the output folder failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// The output folder holds a crate gwc did not generate.
    #[error(
        "{} exists and was not written by gwc; refusing to overwrite it (choose another `-o` folder)",
        .0.display()
    )]
    NotGenerated(PathBuf),
    /// A handler crate named in `x-gateway.rust.crates` cannot be read.
    #[error("handler crate `{name}`: {reason}")]
    HandlerCrate {
        /// The crate name.
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// gwc's embedded `Cargo.lock` could not be used (a gwc build problem, not a spec problem).
    #[error("cannot derive the generated crate's Cargo.lock: {0}")]
    Lock(#[from] LockError),
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> BuildError + '_ {
    move |source| BuildError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// `gwc build SPEC -o OUT`: compiles the spec, generates the crate and writes it. Warnings
/// and notes come back in [`Built::front`] for the caller to print.
pub fn build(spec: &Path, out: &Path, options: &BuildOptions) -> Result<Built, BuildError> {
    let (front, krate) = generate_for(spec, out, options)?;
    let report = write_crate(&krate, out)?;
    Ok(Built { front, report })
}

/// Everything [`build`] does except writing: the crate `spec` compiles to when written to
/// `out` (the output folder decides the runtime's relative path). The example tests compare
/// this with the checked-in `generated-examples/`.
pub fn generate_for(
    spec: &Path,
    out: &Path,
    options: &BuildOptions,
) -> Result<(Frontend, GeneratedCrate), BuildError> {
    let front = compile(spec);
    let Some(ir) = front.gateway() else {
        return Err(BuildError::Spec(Box::new(front)));
    };
    let mut settings = settings_for(spec, out, options)?;
    if let Some(lowered) = &front.lowered
        && (!lowered.rust.crates.is_empty() || !lowered.rust.state.is_empty())
    {
        let mut handlers = handler_settings(spec, out, &lowered.rust)?;
        if let Some(module) = &lowered.rust.models {
            let (models, _, _) = crate::models_for(spec);
            handlers.models = Some(codegen::ModelChecks {
                module: module.value.clone(),
                operations: models.map(|m| m.operations).unwrap_or_default(),
            });
        }
        settings = settings.with_handlers(handlers);
    }
    let krate = codegen::generate(ir, &settings);
    Ok((front, krate))
}

/// The handler crates of `x-gateway.rust`, read from their manifests (package name, version,
/// dependencies), each with its path as seen from `out`.
fn handler_settings(
    spec: &Path,
    out: &Path,
    rust: &crate::vocab::RustHandlers,
) -> Result<HandlerSettings, BuildError> {
    let spec_dir = spec.parent().unwrap_or(Path::new("."));
    let mut settings = HandlerSettings {
        crates: Vec::new(),
        state: rust.state.iter().map(|s| s.value.clone()).collect(),
        models: None,
    };
    for (name, krate) in &rust.crates {
        let dir = spec_dir.join(&krate.path.value);
        let manifest = dir.join("Cargo.toml");
        let err = |reason: String| BuildError::HandlerCrate {
            name: name.value.clone(),
            reason,
        };
        let text = fs::read_to_string(&manifest)
            .map_err(|e| err(format!("cannot read {}: {e}", manifest.display())))?;
        let locked = read_manifest(&text)
            .map_err(|reason| err(format!("{}: {reason}", manifest.display())))?;
        if locked.name.replace('-', "_") != name.value {
            return Err(err(format!(
                "{} is package `{}`, whose crate is `{}`",
                manifest.display(),
                locked.name,
                locked.name.replace('-', "_")
            )));
        }
        let path = match RuntimeSource::path_from(out, &dir) {
            RuntimeSource::Path(p) => p,
            RuntimeSource::Version(v) => v,
        };
        settings.crates.push((locked, path));
    }
    Ok(settings)
}

/// A handler crate's package name, version (workspace-inherited versions read as this
/// workspace's) and normal dependencies' package names.
fn read_manifest(text: &str) -> Result<LockedCrate, String> {
    let doc = toml_edit::Document::parse(text).map_err(|e| e.to_string())?;
    let package = doc
        .get("package")
        .and_then(toml_edit::Item::as_table_like)
        .ok_or("no [package]")?;
    let name = package
        .get("name")
        .and_then(toml_edit::Item::as_str)
        .ok_or("no package name")?
        .to_owned();
    let version = package
        .get("version")
        .and_then(toml_edit::Item::as_str)
        .unwrap_or(env!("CARGO_PKG_VERSION"))
        .to_owned();
    let mut dependencies = Vec::new();
    if let Some(deps) = doc
        .get("dependencies")
        .and_then(toml_edit::Item::as_table_like)
    {
        for (key, value) in deps.iter() {
            let renamed = value
                .as_table_like()
                .and_then(|t| t.get("package"))
                .and_then(toml_edit::Item::as_str);
            dependencies.push(renamed.unwrap_or(key).to_owned());
        }
    }
    Ok(LockedCrate {
        name,
        version,
        dependencies,
    })
}

/// The [`codegen::Settings`] `gwc build` uses for `spec` written to `out`.
pub fn settings_for(
    spec: &Path,
    out: &Path,
    options: &BuildOptions,
) -> Result<Settings, LockError> {
    let runtime = match &options.runtime {
        None => RuntimeSource::default_for(out),
        Some(RuntimeChoice::Version(v)) => RuntimeSource::Version(v.clone()),
        Some(RuntimeChoice::Path(p)) => RuntimeSource::path_from(out, p),
    };
    let spec_name = spec
        .file_name()
        .map_or_else(|| "spec".to_owned(), |n| n.to_string_lossy().into_owned());
    Settings::new(spec_name, runtime)
}

/// Writes `krate` into `out`, touching only changed files and removing stale gwc files.
pub fn write_crate(krate: &GeneratedCrate, out: &Path) -> Result<WriteReport, BuildError> {
    let manifest = out.join("Cargo.toml");
    if manifest.exists() && !written_by_gwc(&manifest) {
        return Err(BuildError::NotGenerated(manifest));
    }
    fs::create_dir_all(out).map_err(io_err(out))?;
    let mut report = WriteReport::default();
    for (rel, text) in &krate.files {
        let path = out.join(rel);
        if fs::read(&path).is_ok_and(|old| old == text.as_bytes()) {
            report.unchanged.push(rel.clone());
            continue;
        }
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(io_err(parent))?;
        }
        // Write then rename, so a watcher (cargo, an editor, `gwc serve`) never sees half a file.
        let tmp = path.with_extension("gwc-tmp");
        fs::write(&tmp, text).map_err(io_err(&tmp))?;
        fs::rename(&tmp, &path).map_err(io_err(&path))?;
        report.written.push(rel.clone());
    }
    for rel in stale_files(out, krate)? {
        let path = out.join(&rel);
        fs::remove_file(&path).map_err(io_err(&path))?;
        report.removed.push(rel);
    }
    Ok(report)
}

/// True when the file's first line carries gwc's marker.
fn written_by_gwc(path: &Path) -> bool {
    let Ok(text) = fs::read(path) else {
        return false;
    };
    let first = text.split(|&b| b == b'\n').next().unwrap_or_default();
    String::from_utf8_lossy(first).contains(codegen::MARKER)
}

/// Files under `out` that gwc wrote earlier and `krate` no longer contains. Skips `target/`,
/// hidden folders and symlinks: gwc never writes there, so it never deletes there.
fn stale_files(out: &Path, krate: &GeneratedCrate) -> Result<Vec<PathBuf>, BuildError> {
    let mut stale = Vec::new();
    let mut dirs = vec![PathBuf::new()];
    while let Some(rel_dir) = dirs.pop() {
        let dir = out.join(&rel_dir);
        let entries = fs::read_dir(&dir).map_err(io_err(&dir))?;
        let mut names: Vec<_> = entries
            .filter_map(Result::ok)
            .map(|e| e.file_name())
            .collect();
        names.sort();
        for name in names {
            let rel = rel_dir.join(&name);
            let path = out.join(&rel);
            let Ok(meta) = fs::symlink_metadata(&path) else {
                continue;
            };
            let hidden = name.to_string_lossy().starts_with('.');
            if meta.is_dir() {
                let top_level_target = rel_dir.as_os_str().is_empty() && name == "target";
                if !hidden && !top_level_target {
                    dirs.push(rel);
                }
            } else if meta.is_file() && !krate.files.contains_key(&rel) && written_by_gwc(&path) {
                stale.push(rel);
            }
        }
    }
    stale.sort();
    Ok(stale)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn krate(files: &[(&str, &str)]) -> GeneratedCrate {
        GeneratedCrate {
            files: files
                .iter()
                .map(|(p, t)| (PathBuf::from(p), (*t).to_owned()))
                .collect(),
        }
    }

    fn tempdir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("gwc-build-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn writes_only_changes_and_removes_only_its_own_stale_files() {
        let out = tempdir("write");
        let first = krate(&[
            (
                "Cargo.toml",
                "# generated by gwc from a.yaml; do not edit.\n",
            ),
            (
                "src/old.rs",
                "// generated by gwc from a.yaml; do not edit.\n",
            ),
            (
                "src/main.rs",
                "// generated by gwc from a.yaml; do not edit.\nfn main() {}\n",
            ),
        ]);
        let r = write_crate(&first, &out).unwrap();
        assert_eq!(r.written.len(), 3);
        fs::write(out.join("src/mine.rs"), "// a file the user added\n").unwrap();
        fs::create_dir_all(out.join("target/debug")).unwrap();
        fs::write(
            out.join("target/debug/x.rs"),
            "// generated by gwc from a.yaml; do not edit.\n",
        )
        .unwrap();

        let second = krate(&[
            (
                "Cargo.toml",
                "# generated by gwc from a.yaml; do not edit.\n",
            ),
            (
                "src/main.rs",
                "// generated by gwc from a.yaml; do not edit.\nfn main() { }\n",
            ),
        ]);
        let r = write_crate(&second, &out).unwrap();
        assert_eq!(r.written, [PathBuf::from("src/main.rs")]);
        assert_eq!(r.unchanged, [PathBuf::from("Cargo.toml")]);
        assert_eq!(r.removed, [PathBuf::from("src/old.rs")]);
        assert!(out.join("src/mine.rs").exists());
        assert!(out.join("target/debug/x.rs").exists());
        fs::remove_dir_all(&out).unwrap();
    }

    #[test]
    fn refuses_a_folder_holding_someone_elses_crate() {
        let out = tempdir("refuse");
        fs::create_dir_all(&out).unwrap();
        fs::write(out.join("Cargo.toml"), "[package]\nname = \"mine\"\n").unwrap();
        let err = write_crate(
            &krate(&[("Cargo.toml", "# generated by gwc from a\n")]),
            &out,
        );
        assert!(matches!(err, Err(BuildError::NotGenerated(_))), "{err:?}");
        fs::remove_dir_all(&out).unwrap();
    }

    #[test]
    fn settings_name_the_spec_file_only() {
        let s = settings_for(
            Path::new("/somewhere/specs/pets/spec.yaml"),
            Path::new("/tmp/out"),
            &BuildOptions {
                runtime: Some(RuntimeChoice::Version("0.1.0".to_owned())),
            },
        )
        .unwrap();
        assert_eq!(s.spec_name(), "spec.yaml");
        assert_eq!(s.runtime(), &RuntimeSource::Version("0.1.0".to_owned()));
    }
}
