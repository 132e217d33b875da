//! The generated crate's `Cargo.lock`, derived from this workspace's own `Cargo.lock`.
//!
//! A generated gateway must resolve exactly the dependency versions this workspace was tested
//! with, offline, and `cargo build --locked` must accept the file as is. We get there without
//! running cargo:
//!
//! 1. Parse the workspace `Cargo.lock` (embedded in gwc at compile time, so the lock always
//!    matches the runtime sources gwc was built from).
//! 2. Walk the dependency graph from `gwc-runtime`, the generated crate's only dependency.
//!    Registry packages keep the edges the workspace lock records for them. Path packages
//!    (`gwc-runtime`, `gwc-ir`) are workspace *members* here, so their lock entries also list
//!    dev-dependencies and every optional dependency; in the generated crate they are plain path
//!    dependencies, so their edges are recomputed from their manifests: normal and build
//!    dependencies only, optional ones only when an enabled feature turns them on (default
//!    features plus those the dependent asks for, `workspace = true` entries merged with the root
//!    `[workspace.dependencies]`).
//! 3. Write the reachable entries plus the generated package's own entry in cargo's format:
//!    the same order as cargo (by name, then version), path packages without `source` or
//!    `checksum`, and a dependency named `name` alone unless two versions of it remain, in which
//!    case `name version`, exactly as cargo disambiguates.
//!
//! Known limit: cargo unifies features across a workspace, so a registry package's edges in our
//! lock reflect the union of the features every member enables. If another member turns on a
//! feature of a shared dependency that pulls in an extra crate the runtime alone would not, the
//! derived lock lists an edge cargo would not, and `cargo build --locked` of a generated crate
//! fails. The `examples_fresh` build test runs exactly that build, so such a drift cannot land
//! unnoticed.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use toml_edit::{Document, Item, Table, Value};

/// The workspace lock and manifests gwc was compiled with.
const WORKSPACE_LOCK: &str = include_str!("../../../Cargo.lock");
const WORKSPACE_MANIFEST: &str = include_str!("../../../Cargo.toml");
/// Manifests of the path packages a generated crate reaches through `gwc-runtime`.
const PATH_MANIFESTS: &[(&str, &str)] = &[
    ("gwc-runtime", include_str!("../../../runtime/Cargo.toml")),
    ("gwc-ir", include_str!("../../../runtime/ir/Cargo.toml")),
];

/// Why a lock could not be derived. These point at gwc's own build inputs, never at a spec.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// A lock or manifest is not valid TOML.
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
    /// A package the walk needs is not in the lock.
    #[error("package `{0}` is not in the workspace Cargo.lock")]
    Missing(String),
    /// The walk reached a path package whose manifest gwc does not embed.
    #[error("path package `{0}` has no embedded manifest; add it to `PATH_MANIFESTS`")]
    UnknownPathPackage(String),
}

/// One `[[package]]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Package {
    name: String,
    version: String,
    source: Option<String>,
    checksum: Option<String>,
    /// Indices into [`Lock::packages`].
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
    /// The closure of `gwc-runtime` in the lock gwc was built with, for a path dependency on the
    /// runtime (`with_runtime = true`) or, for a crates.io version, only its third-party part
    /// (cargo then adds the registry runtime itself, keeping every other version pinned).
    pub fn embedded(with_runtime: bool) -> Result<RuntimeLock, LockError> {
        let lock = parse_lock(WORKSPACE_LOCK)?;
        let root = parse_toml(WORKSPACE_MANIFEST, "the workspace Cargo.toml")?;
        let mut manifests = BTreeMap::new();
        for (name, text) in PATH_MANIFESTS {
            manifests.insert(*name, parse_toml(text, "a runtime Cargo.toml")?);
        }
        closure(&lock, &root, &manifests, "gwc-runtime", with_runtime)
    }

    /// The complete `Cargo.lock` for a package `name` 0.1.0 depending on the runtime.
    pub fn render(&self, name: &str, version: &str) -> String {
        let mut packages = self.packages.clone();
        let own = Package {
            name: name.to_owned(),
            version: version.to_owned(),
            source: None,
            checksum: None,
            dependencies: self.runtime.into_iter().collect(),
        };
        // Cargo orders entries by name, then version; insert ours where cargo would, shifting
        // the indices of everything after it.
        let at = packages
            .iter()
            .position(|p| (p.name.as_str(), p.version.as_str()) > (name, version))
            .unwrap_or(packages.len());
        for p in &mut packages {
            for d in &mut p.dependencies {
                if *d >= at {
                    *d += 1;
                }
            }
        }
        let mut own = own;
        for d in &mut own.dependencies {
            if *d >= at {
                *d += 1;
            }
        }
        packages.insert(at, own);
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

/// One dependency declaration in a manifest, after `workspace = true` is merged.
#[derive(Debug, Clone)]
struct DepDecl {
    /// The key: the name features use to refer to it.
    key: String,
    /// The package name (differs from `key` when renamed).
    package: String,
    optional: bool,
    default_features: bool,
    features: BTreeSet<String>,
}

fn string_list(v: Option<&Item>) -> BTreeSet<String> {
    v.and_then(Item::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default()
}

/// Reads a dependency value (`"1.0"`, `{ version = .. }` or a `[dependencies.x]` table).
fn dep_decl(key: &str, item: &Item, root: &Document<&str>) -> DepDecl {
    let mut decl = DepDecl {
        key: key.to_owned(),
        package: key.to_owned(),
        optional: false,
        default_features: true,
        features: BTreeSet::new(),
    };
    let Some(t) = item.as_table_like() else {
        return decl; // a bare version string
    };
    let workspace = t.get("workspace").and_then(Item::as_bool) == Some(true);
    if workspace {
        if let Some(w) = root
            .get("workspace")
            .and_then(|w| w.get("dependencies"))
            .and_then(|d| d.get(key))
        {
            let inherited = dep_decl(key, w, root);
            decl.package = inherited.package;
            decl.default_features = inherited.default_features;
            decl.features = inherited.features;
        }
    }
    if let Some(p) = t.get("package").and_then(Item::as_str) {
        decl.package = p.to_owned();
    }
    if let Some(o) = t.get("optional").and_then(Item::as_bool) {
        decl.optional = o;
    }
    let default_features = t
        .get("default-features")
        .or_else(|| t.get("default_features"))
        .and_then(Item::as_bool);
    if let Some(d) = default_features {
        decl.default_features = d;
    }
    decl.features.extend(string_list(t.get("features")));
    decl
}

/// Normal and build dependencies of a manifest, including target-specific ones (the lock is
/// target-independent). Dev-dependencies never reach a dependent's lock.
fn dep_decls(manifest: &Document<&str>, root: &Document<&str>) -> Vec<DepDecl> {
    let mut tables: Vec<&dyn toml_edit::TableLike> = Vec::new();
    for key in ["dependencies", "build-dependencies", "build_dependencies"] {
        if let Some(t) = manifest.get(key).and_then(Item::as_table_like) {
            tables.push(t);
        }
    }
    if let Some(targets) = manifest.get("target").and_then(Item::as_table_like) {
        for (_, target) in targets.iter() {
            for key in ["dependencies", "build-dependencies", "build_dependencies"] {
                if let Some(t) = target.get(key).and_then(Item::as_table_like) {
                    tables.push(t);
                }
            }
        }
    }
    tables
        .into_iter()
        .flat_map(|t| t.iter().map(|(k, v)| dep_decl(k, v, root)))
        .collect()
}

/// The dependencies a path package really uses with the given features, and the features each
/// of them is asked for.
fn active_deps(
    manifest: &Document<&str>,
    root: &Document<&str>,
    requested: &BTreeSet<String>,
) -> Vec<(String, BTreeSet<String>)> {
    let decls = dep_decls(manifest, root);
    let feature_table = manifest.get("features").and_then(Item::as_table_like);
    let mut on_features = BTreeSet::new();
    let mut on_deps = BTreeSet::new();
    let mut dep_features: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut weak: Vec<(String, String)> = Vec::new();
    let mut queue: VecDeque<String> = requested.iter().cloned().collect();
    while let Some(f) = queue.pop_front() {
        if !on_features.insert(f.clone()) {
            continue;
        }
        if let Some(values) = feature_table.and_then(|t| t.get(&f)) {
            for v in string_list(Some(values)) {
                if let Some(dep) = v.strip_prefix("dep:") {
                    on_deps.insert(dep.to_owned());
                } else if let Some((dep, feat)) = v.split_once('/') {
                    if let Some(dep) = dep.strip_suffix('?') {
                        weak.push((dep.to_owned(), feat.to_owned()));
                    } else {
                        on_deps.insert(dep.to_owned());
                        dep_features
                            .entry(dep.to_owned())
                            .or_default()
                            .insert(feat.to_owned());
                    }
                } else {
                    queue.push_back(v);
                }
            }
        } else if decls.iter().any(|d| d.optional && d.key == f) {
            // An optional dependency's implicit feature.
            on_deps.insert(f);
        }
    }
    for (dep, feat) in weak {
        if on_deps.contains(&dep) || decls.iter().any(|d| !d.optional && d.key == dep) {
            dep_features.entry(dep).or_default().insert(feat);
        }
    }
    decls
        .into_iter()
        .filter(|d| !d.optional || on_deps.contains(&d.key))
        .map(|d| {
            let mut features = d.features;
            if d.default_features {
                features.insert("default".to_owned());
            }
            features.extend(dep_features.remove(&d.key).unwrap_or_default());
            (d.package, features)
        })
        .collect()
}

/// Walks the graph from `start` and keeps what a crate depending on it by path would lock.
fn closure(
    lock: &Lock,
    root: &Document<&str>,
    manifests: &BTreeMap<&str, Document<&str>>,
    start: &str,
    keep_path_packages: bool,
) -> Result<RuntimeLock, LockError> {
    let start_idx = lock
        .packages
        .iter()
        .position(|p| p.name == start && p.source.is_none())
        .ok_or_else(|| LockError::Missing(start.to_owned()))?;
    // Edges of path packages depend on their features; iterate until no feature set grows.
    let mut features: BTreeMap<usize, BTreeSet<String>> = BTreeMap::new();
    features.insert(start_idx, BTreeSet::from(["default".to_owned()]));
    let mut edges: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    loop {
        let mut reached = BTreeSet::new();
        let mut queue = VecDeque::from([start_idx]);
        let mut grew = false;
        while let Some(i) = queue.pop_front() {
            if !reached.insert(i) {
                continue;
            }
            let pkg = &lock.packages[i];
            let out: Vec<usize> = if pkg.source.is_none() {
                let manifest = manifests
                    .get(pkg.name.as_str())
                    .ok_or_else(|| LockError::UnknownPathPackage(pkg.name.clone()))?;
                let requested = features.get(&i).cloned().unwrap_or_default();
                let mut out = Vec::new();
                for (dep_name, dep_features) in active_deps(manifest, root, &requested) {
                    let hits: Vec<usize> = pkg
                        .dependencies
                        .iter()
                        .copied()
                        .filter(|&d| lock.packages[d].name == dep_name)
                        .collect();
                    if hits.is_empty() {
                        return Err(LockError::Missing(format!(
                            "{dep_name} (a dependency of {})",
                            pkg.name
                        )));
                    }
                    for d in hits {
                        if lock.packages[d].source.is_none() {
                            let set = features.entry(d).or_default();
                            let before = set.len();
                            set.extend(dep_features.iter().cloned());
                            grew |= set.len() != before;
                        }
                        out.push(d);
                    }
                }
                out.sort_unstable();
                out.dedup();
                out
            } else {
                pkg.dependencies.clone()
            };
            queue.extend(out.iter().copied());
            edges.insert(i, out);
        }
        if !grew {
            let mut kept: Vec<usize> = reached.into_iter().collect();
            if !keep_path_packages {
                kept.retain(|&i| lock.packages[i].source.is_some());
            }
            kept.sort_unstable();
            let new_index: BTreeMap<usize, usize> =
                kept.iter().enumerate().map(|(n, &o)| (o, n)).collect();
            let packages = kept
                .iter()
                .map(|&o| {
                    let mut p = lock.packages[o].clone();
                    p.dependencies = edges
                        .get(&o)
                        .map(|e| e.iter().filter_map(|d| new_index.get(d).copied()).collect())
                        .unwrap_or_default();
                    p
                })
                .collect();
            return Ok(RuntimeLock {
                version: lock.version,
                packages,
                runtime: new_index.get(&start_idx).copied(),
            });
        }
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
name = "dev-only"
version = "1.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "dd"

[[package]]
name = "gwc-ir"
version = "0.1.0"
dependencies = [
 "opt",
 "syn 2.0.1",
]

[[package]]
name = "gwc-runtime"
version = "0.1.0"
dependencies = [
 "a",
 "dev-only",
 "gwc-ir",
]

[[package]]
name = "opt"
version = "1.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "oo"

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

[[package]]
name = "unrelated"
version = "1.0.0"
dependencies = [
 "syn 3.0.0",
]
"#;

    const ROOT: &str = r#"
[workspace.dependencies]
gwc-ir = { path = "runtime/ir" }
a = "1"
"#;
    const RUNTIME: &str = r#"
[package]
name = "gwc-runtime"
[dependencies]
gwc-ir.workspace = true
a.workspace = true
[dev-dependencies]
dev-only = "1"
"#;
    const IR: &str = r#"
[package]
name = "gwc-ir"
[features]
tokens = ["dep:opt"]
[dependencies]
opt = { version = "1", optional = true }
syn = "2"
"#;

    fn derive(with_runtime: bool) -> String {
        let lock = parse_lock(LOCK).unwrap();
        let root = parse_toml(ROOT, "root").unwrap();
        let manifests = BTreeMap::from([
            ("gwc-runtime", parse_toml(RUNTIME, "rt").unwrap()),
            ("gwc-ir", parse_toml(IR, "ir").unwrap()),
        ]);
        closure(&lock, &root, &manifests, "gwc-runtime", with_runtime)
            .unwrap()
            .render("gateway", "0.1.0")
    }

    #[test]
    fn drops_dev_and_inactive_optional_deps_and_disambiguates_like_cargo() {
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
             "syn",
            ]

            [[package]]
            name = "gateway"
            version = "0.1.0"
            dependencies = [
             "gwc-runtime",
            ]

            [[package]]
            name = "gwc-ir"
            version = "0.1.0"
            dependencies = [
             "syn",
            ]

            [[package]]
            name = "gwc-runtime"
            version = "0.1.0"
            dependencies = [
             "a",
             "gwc-ir",
            ]

            [[package]]
            name = "syn"
            version = "2.0.1"
            source = "registry+https://github.com/rust-lang/crates.io-index"
            checksum = "s2"
        "#]]
        .assert_eq(&derive(true));
    }

    #[test]
    fn version_mode_keeps_only_registry_pins() {
        let out = derive(false);
        assert!(!out.contains("gwc-runtime"), "{out}");
        assert!(out.contains("name = \"gateway\"\nversion = \"0.1.0\"\n\n"), "{out}");
    }

    #[test]
    fn embedded_lock_has_the_runtime_closure() {
        let lock = RuntimeLock::embedded(true).unwrap();
        let text = lock.render("petstore", "0.1.0");
        assert!(text.contains("name = \"gwc-runtime\""));
        assert!(text.contains("name = \"petstore\""));
        // The compiler's own dependencies are not reachable from the runtime.
        assert!(!text.contains("name = \"prettyplease\""), "{text}");
    }

    #[test]
    fn quoting() {
        assert_eq!(quote("a\"b\\c"), r#""a\"b\\c""#);
    }
}
