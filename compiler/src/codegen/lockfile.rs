//! The generated crate's `Cargo.lock`: this workspace's versions, exactly as cargo would lock them.
//!
//! A generated gateway must resolve exactly the dependency versions this workspace was tested
//! with, offline, and `cargo build --locked` must accept the file as is.
//!
//! Why not simply take the closure of `gwc-runtime` in the workspace `Cargo.lock`? We tried, and
//! `--locked` rejected it: cargo unifies features across a workspace, so a registry package's
//! entry in our lock lists every optional dependency *any* member turns on (`mio` → `log`,
//! because `notify` in the compiler enables it), while a crate that depends on the runtime alone
//! would not list it. Path packages are worse: as workspace members their entries also list
//! dev-dependencies. Getting that exactly right means redoing cargo's feature resolution.
//!
//! So cargo does it, once, ahead of time:
//! - [`RUNTIME_CLOSURE_LOCK`] (`runtime-closure.lock`, checked in) is the lock cargo writes for a
//!   one-line crate, `gwc-runtime-closure`, depending on the runtime by path, resolved offline
//!   from a copy of the workspace `Cargo.lock` (so cargo keeps every version and only prunes).
//!   The `examples_fresh` test suite regenerates it (`lockfile_fresh`) and fails when it is stale,
//!   like the generated examples, so a change to the workspace lock or the runtime's
//!   dependencies cannot be forgotten.
//! - [`RuntimeLock::render`] swaps that stub's entry for the generated package's own, in cargo's
//!   format: entries ordered by name then version, path packages without `source` or
//!   `checksum`, a dependency written `name` alone unless two versions of it are present, then
//!   `name version`. Only the package name differs between gateways, so this is exact.
//!
//! With `--runtime-version` the runtime comes from crates.io, whose checksum we cannot know in
//! advance: the lock then pins only the third-party packages and cargo adds the runtime itself
//! (without `--locked`), keeping every other version.

use toml_edit::{Document, Item, Table};

/// Cargo's lock for a crate depending on `gwc-runtime` by path (see the module docs).
pub const RUNTIME_CLOSURE_LOCK: &str = include_str!("runtime-closure.lock");

/// The name of the stub package in [`RUNTIME_CLOSURE_LOCK`].
pub const STUB_PACKAGE: &str = "gwc-runtime-closure";

/// A path package of a generated crate's lock: a spec-first handler crate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockedCrate {
    /// Its package name.
    pub name: String,
    /// Its version.
    pub version: String,
    /// The package names of its normal dependencies.
    pub dependencies: Vec<String>,
}

/// Why a lock could not be derived. These point at gwc's own build inputs, never at a spec.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// A lock is not valid TOML.
    #[error("cannot parse {what}: {message}")]
    Parse {
        /// Which file.
        what: &'static str,
        /// The TOML parser's message.
        message: String,
    },
    /// The lock's shape is not what cargo writes.
    #[error("unexpected Cargo.lock content: {0}")]
    Malformed(String),
    /// A package the lock refers to is not in it.
    #[error("package `{0}` is not in the lock")]
    Missing(String),
}

/// One `[[package]]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Package {
    name: String,
    version: String,
    source: Option<String>,
    checksum: Option<String>,
    /// Indices into the package list.
    dependencies: Vec<usize>,
}

/// A parsed `Cargo.lock` with dependency references resolved to indices.
#[derive(Debug, Clone)]
struct Lock {
    version: i64,
    packages: Vec<Package>,
}

/// The runtime's dependency closure, ready to be completed with one generated package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeLock {
    version: i64,
    packages: Vec<Package>,
    /// Index of `gwc-runtime` in `packages`, if the runtime is a path dependency.
    runtime: Option<usize>,
}

impl RuntimeLock {
    /// The closure gwc was built with, for a path dependency on the runtime
    /// (`with_runtime = true`) or, for a crates.io version, only its third-party part.
    pub fn embedded(with_runtime: bool) -> Result<RuntimeLock, LockError> {
        RuntimeLock::from_stub_lock(RUNTIME_CLOSURE_LOCK, with_runtime)
    }

    /// Reads a lock cargo wrote for [`STUB_PACKAGE`] and removes the stub (and, unless
    /// `with_runtime`, every path package), renumbering the remaining edges.
    pub fn from_stub_lock(text: &str, with_runtime: bool) -> Result<RuntimeLock, LockError> {
        let lock = parse_lock(text)?;
        let keep: Vec<usize> = (0..lock.packages.len())
            .filter(|&i| {
                let p = &lock.packages[i];
                p.name != STUB_PACKAGE && (with_runtime || p.source.is_some())
            })
            .collect();
        let mut new_index = vec![None; lock.packages.len()];
        for (n, &o) in keep.iter().enumerate() {
            new_index[o] = Some(n);
        }
        let packages: Vec<Package> = keep
            .iter()
            .map(|&o| {
                let mut p = lock.packages[o].clone();
                p.dependencies = p
                    .dependencies
                    .iter()
                    .filter_map(|&d| new_index[d])
                    .collect();
                p
            })
            .collect();
        let runtime = packages
            .iter()
            .position(|p| p.name == "gwc-runtime" && p.source.is_none());
        if with_runtime && runtime.is_none() {
            return Err(LockError::Missing("gwc-runtime".to_owned()));
        }
        Ok(RuntimeLock {
            version: lock.version,
            packages,
            runtime,
        })
    }

    /// The complete `Cargo.lock` for a package `name` `version` depending on the runtime and
    /// on path packages (spec-first handler crates), each listed with its dependencies' names.
    /// A handler crate's dependency outside the runtime's closure (or present in two versions)
    /// is left out, and cargo adds it on the first build (which `--locked` refuses, saying so).
    pub fn render_with(&self, name: &str, version: &str, path_packages: &[LockedCrate]) -> String {
        if path_packages.is_empty() {
            return self.render(name, version);
        }
        let mut packages = self.packages.clone();
        let find = |packages: &[Package], dep: &str| {
            let mut it = packages.iter().enumerate().filter(|(_, p)| p.name == dep);
            match (it.next(), it.next()) {
                (Some((i, _)), None) => Some(i),
                _ => None,
            }
        };
        let mut ours: Vec<usize> = self.runtime.into_iter().collect();
        for c in path_packages {
            let dependencies = c
                .dependencies
                .iter()
                .filter_map(|d| find(&packages, d))
                .collect();
            ours.push(packages.len());
            packages.push(Package {
                name: c.name.clone(),
                version: c.version.clone(),
                source: None,
                checksum: None,
                dependencies,
            });
        }
        packages.push(Package {
            name: name.to_owned(),
            version: version.to_owned(),
            source: None,
            checksum: None,
            dependencies: ours,
        });
        // Cargo orders entries by name, then version.
        let mut order: Vec<usize> = (0..packages.len()).collect();
        order.sort_by(|&a, &b| {
            (packages[a].name.as_str(), packages[a].version.as_str())
                .cmp(&(packages[b].name.as_str(), packages[b].version.as_str()))
        });
        let mut new_index = vec![0; packages.len()];
        for (n, &o) in order.iter().enumerate() {
            new_index[o] = n;
        }
        let sorted: Vec<Package> = order
            .iter()
            .map(|&o| {
                let mut p = packages[o].clone();
                p.dependencies.iter_mut().for_each(|d| *d = new_index[*d]);
                p
            })
            .collect();
        write_lock(self.version, &sorted)
    }

    /// The complete `Cargo.lock` for a package `name` `version` depending on the runtime.
    pub fn render(&self, name: &str, version: &str) -> String {
        let mut packages = self.packages.clone();
        // Cargo orders entries by name, then version; insert ours where cargo would, shifting
        // the indices of everything after it.
        let at = packages
            .iter()
            .position(|p| (p.name.as_str(), p.version.as_str()) > (name, version))
            .unwrap_or(packages.len());
        let shift = |d: &mut usize| {
            if *d >= at {
                *d += 1;
            }
        };
        for p in &mut packages {
            p.dependencies.iter_mut().for_each(shift);
        }
        let mut dependencies: Vec<usize> = self.runtime.into_iter().collect();
        dependencies.iter_mut().for_each(shift);
        packages.insert(
            at,
            Package {
                name: name.to_owned(),
                version: version.to_owned(),
                source: None,
                checksum: None,
                dependencies,
            },
        );
        write_lock(self.version, &packages)
    }
}

fn parse_toml<'a>(text: &'a str, what: &'static str) -> Result<Document<&'a str>, LockError> {
    Document::parse(text).map_err(|e| LockError::Parse {
        what,
        message: e.to_string(),
    })
}

fn str_field(table: &Table, key: &str) -> Option<String> {
    table.get(key).and_then(Item::as_str).map(str::to_owned)
}

fn parse_lock(text: &str) -> Result<Lock, LockError> {
    let doc = parse_toml(text, "the workspace Cargo.lock")?;
    let version = doc
        .get("version")
        .and_then(Item::as_integer)
        .ok_or_else(|| LockError::Malformed("no `version`".to_owned()))?;
    let tables = doc
        .get("package")
        .and_then(Item::as_array_of_tables)
        .ok_or_else(|| LockError::Malformed("no `[[package]]`".to_owned()))?;
    let mut packages = Vec::new();
    let mut raw_deps = Vec::new();
    for t in tables {
        let name = str_field(t, "name").ok_or_else(|| LockError::Malformed("nameless".into()))?;
        let version = str_field(t, "version")
            .ok_or_else(|| LockError::Malformed(format!("`{name}` has no version")))?;
        let deps: Vec<String> = match t.get("dependencies") {
            None => Vec::new(),
            Some(item) => item
                .as_array()
                .ok_or_else(|| LockError::Malformed(format!("`{name}` dependencies")))?
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
        };
        raw_deps.push(deps);
        packages.push(Package {
            name,
            version,
            source: str_field(t, "source"),
            checksum: str_field(t, "checksum"),
            dependencies: Vec::new(),
        });
    }
    for (i, deps) in raw_deps.into_iter().enumerate() {
        let mut resolved = Vec::with_capacity(deps.len());
        for d in deps {
            resolved.push(resolve_ref(&packages, &d)?);
        }
        packages[i].dependencies = resolved;
    }
    Ok(Lock { version, packages })
}

/// Resolves `name`, `name version` or `name version (source)`.
fn resolve_ref(packages: &[Package], reference: &str) -> Result<usize, LockError> {
    let mut parts = reference.splitn(3, ' ');
    let name = parts.next().unwrap_or_default();
    let version = parts.next();
    let source = parts
        .next()
        .map(|s| s.trim_start_matches('(').trim_end_matches(')'));
    let mut hits = packages.iter().enumerate().filter(|(_, p)| {
        p.name == name
            && version.is_none_or(|v| p.version == v)
            && source.is_none_or(|s| p.source.as_deref() == Some(s))
    });
    match (hits.next(), hits.next()) {
        (Some((i, _)), None) => Ok(i),
        (None, _) => Err(LockError::Missing(reference.to_owned())),
        (Some(_), Some(_)) => Err(LockError::Malformed(format!(
            "ambiguous dependency reference `{reference}`"
        ))),
    }
}

/// Writes entries as cargo does.
fn write_lock(version: i64, packages: &[Package]) -> String {
    let mut out = String::from(
        "# This file is automatically @generated by Cargo.\n\
         # It is not intended for manual editing.\n",
    );
    out.push_str(&format!("version = {version}\n"));
    for p in packages {
        out.push_str("\n[[package]]\n");
        out.push_str(&format!("name = {}\n", quote(&p.name)));
        out.push_str(&format!("version = {}\n", quote(&p.version)));
        if let Some(s) = &p.source {
            out.push_str(&format!("source = {}\n", quote(s)));
        }
        if let Some(c) = &p.checksum {
            out.push_str(&format!("checksum = {}\n", quote(c)));
        }
        if !p.dependencies.is_empty() {
            let mut refs: Vec<String> = p
                .dependencies
                .iter()
                .map(|&d| reference(packages, d))
                .collect();
            refs.sort();
            out.push_str("dependencies = [\n");
            for r in refs {
                out.push_str(&format!(" {},\n", quote(&r)));
            }
            out.push_str("]\n");
        }
    }
    out
}

/// `name`, or `name version` when the name is ambiguous, or with `(source)` when even that is.
fn reference(packages: &[Package], i: usize) -> String {
    let p = &packages[i];
    let same_name = packages.iter().filter(|q| q.name == p.name).count();
    if same_name == 1 {
        return p.name.clone();
    }
    let same_version = packages
        .iter()
        .filter(|q| q.name == p.name && q.version == p.version)
        .count();
    match (&p.source, same_version) {
        (Some(source), n) if n > 1 => format!("{} {} ({source})", p.name, p.version),
        _ => format!("{} {}", p.name, p.version),
    }
}

/// A TOML basic string.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCK: &str = r#"# This file is automatically @generated by Cargo.
# It is not intended for manual editing.
version = 4

[[package]]
name = "a"
version = "1.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "aa"
dependencies = [
 "syn 2.0.1",
]

[[package]]
name = "gwc-ir"
version = "0.1.0"
dependencies = [
 "syn 3.0.0",
]

[[package]]
name = "gwc-runtime"
version = "0.1.0"
dependencies = [
 "a",
 "gwc-ir",
]

[[package]]
name = "gwc-runtime-closure"
version = "0.1.0"
dependencies = [
 "gwc-runtime",
]

[[package]]
name = "syn"
version = "2.0.1"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "s2"

[[package]]
name = "syn"
version = "3.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "s3"
"#;

    #[test]
    fn swaps_the_stub_for_the_generated_package() {
        let lock = RuntimeLock::from_stub_lock(LOCK, true).unwrap();
        expect_test::expect![[r#"
            # This file is automatically @generated by Cargo.
            # It is not intended for manual editing.
            version = 4

            [[package]]
            name = "a"
            version = "1.0.0"
            source = "registry+https://github.com/rust-lang/crates.io-index"
            checksum = "aa"
            dependencies = [
             "syn 2.0.1",
            ]

            [[package]]
            name = "gwc-ir"
            version = "0.1.0"
            dependencies = [
             "syn 3.0.0",
            ]

            [[package]]
            name = "gwc-runtime"
            version = "0.1.0"
            dependencies = [
             "a",
             "gwc-ir",
            ]

            [[package]]
            name = "pets"
            version = "0.1.0"
            dependencies = [
             "gwc-runtime",
            ]

            [[package]]
            name = "syn"
            version = "2.0.1"
            source = "registry+https://github.com/rust-lang/crates.io-index"
            checksum = "s2"

            [[package]]
            name = "syn"
            version = "3.0.0"
            source = "registry+https://github.com/rust-lang/crates.io-index"
            checksum = "s3"
        "#]]
        .assert_eq(&lock.render("pets", "0.1.0"));
    }

    #[test]
    fn rendering_the_stub_back_reproduces_cargos_bytes() {
        let lock = RuntimeLock::from_stub_lock(LOCK, true).unwrap();
        assert_eq!(lock.render(STUB_PACKAGE, "0.1.0"), LOCK);
        let embedded = RuntimeLock::embedded(true).unwrap();
        assert_eq!(embedded.render(STUB_PACKAGE, "0.1.0"), RUNTIME_CLOSURE_LOCK);
    }

    #[test]
    fn a_name_shared_with_a_dependency_is_disambiguated_by_version() {
        let lock = RuntimeLock::from_stub_lock(LOCK, true).unwrap();
        let text = lock.render("a", "0.1.0");
        assert!(
            text.contains("dependencies = [\n \"a 1.0.0\",\n \"gwc-ir\",\n]"),
            "{text}"
        );
    }

    #[test]
    fn version_mode_keeps_only_registry_pins() {
        let out = RuntimeLock::from_stub_lock(LOCK, false)
            .unwrap()
            .render("pets", "0.1.0");
        assert!(!out.contains("gwc-"), "{out}");
        assert!(
            out.contains("name = \"pets\"\nversion = \"0.1.0\"\n\n"),
            "{out}"
        );
    }

    #[test]
    fn quoting() {
        assert_eq!(quote("a\"b\\c"), r#""a\"b\\c""#);
    }
}
