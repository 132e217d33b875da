//! The eight large public API descriptions of the shared corpus (`real-apis/SOURCES.md`) load
//! with no error and give exactly the operation counts SOURCES.md lists; every AWS example of
//! `aws-openapi/` loads without an error too.
//!
//! The corpus folder comes from `GWC_CORPUS` (default `<workspace>/../shared/corpus`). When it
//! is absent the tests record a skip (`support::skip`, listed in `scripts/test`'s summary), and
//! fail under `CI`.

use std::path::{Path, PathBuf};

use gwc::openapi::{Api, Dialect};
use gwc::source::SourceMap;
use gwc::{Diagnostics, Severity};

/// The corpus folder, or `None` after recording the skip (a failure under `CI`).
pub(crate) fn corpus() -> Option<PathBuf> {
    let dir = std::env::var_os("GWC_CORPUS").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus"),
        PathBuf::from,
    );
    if dir.join("real-apis").is_dir() {
        return Some(dir);
    }
    let message = format!("corpus not found at {}", dir.display());
    if std::env::var_os("CI").is_some() {
        panic!("{message} (CI is set, so this is a failure; set GWC_CORPUS)");
    }
    crate::support::skip(&format!("{message} (set GWC_CORPUS)"));
    None
}

/// (file under `real-apis/`, dialect, operations, webhooks) as SOURCES.md gives them.
const REAL_APIS: &[(&str, Dialect, usize, usize)] = &[
    (
        "digitalocean/specification/DigitalOcean-public.v2.yaml",
        Dialect::OpenApi30,
        659,
        0,
    ),
    (
        "twilio-api-v2010/twilio_api_v2010.yaml",
        Dialect::OpenApi30,
        197,
        0,
    ),
    ("box/openapi.json", Dialect::OpenApi30, 296, 0),
    ("openai/openapi.yaml", Dialect::OpenApi31, 288, 16),
    ("prefect/schema.json", Dialect::OpenApi31, 179, 0),
    ("adyen/Webhooks-v1.json", Dialect::OpenApi31, 0, 48),
    ("slack/slack_web_openapi_v2.json", Dialect::Swagger2, 174, 0),
    ("kubernetes/swagger-v1.11.3.json", Dialect::Swagger2, 804, 0),
];

fn render_errors(diags: &Diagnostics, sources: &SourceMap) -> String {
    diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .take(10)
        .map(|d| d.render(sources, false))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn real_apis_load_with_exact_operation_counts() {
    let Some(corpus) = corpus() else { return };
    for &(file, dialect, operations, webhooks) in REAL_APIS {
        let path = corpus.join("real-apis").join(file);
        let mut sources = SourceMap::new();
        let mut diags = Diagnostics::new();
        let doc = gwc::load::load(&path, &mut sources, &mut diags)
            .unwrap_or_else(|| panic!("{file} did not load:\n{}", render_errors(&diags, &sources)));
        let api = Api::from_document(&doc, &sources, &mut diags).unwrap_or_else(|| {
            panic!(
                "{file} is not read as OpenAPI:\n{}",
                render_errors(&diags, &sources)
            )
        });
        assert_eq!(
            diags.count(Severity::Error),
            0,
            "{file}:\n{}",
            render_errors(&diags, &sources)
        );
        assert_eq!(api.dialect, dialect, "{file}");
        assert_eq!(api.operations.len(), operations, "{file}");
        assert_eq!(api.webhooks, webhooks, "{file}");
        // Every schema the view exposes normalises without a panic, and none is left with a
        // 3.0-only keyword.
        for op in &api.operations {
            let schemas = op
                .parameters
                .iter()
                .filter_map(|p| p.schema.as_ref())
                .chain(
                    op.request_body
                        .iter()
                        .flat_map(|b| b.content.iter().filter_map(|m| m.schema.as_ref())),
                );
            for schema in schemas {
                let json = schema.json().to_string();
                assert!(
                    !json.contains("\"nullable\":true"),
                    "{file} {} {}: {json}",
                    op.method.as_str(),
                    op.path
                );
            }
        }
    }
}

#[test]
fn digitalocean_operations_behind_refs_are_followed() {
    let Some(corpus) = corpus() else { return };
    let path = corpus.join("real-apis/digitalocean/specification/DigitalOcean-public.v2.yaml");
    let mut sources = SourceMap::new();
    let mut diags = Diagnostics::new();
    let doc = gwc::load::load(&path, &mut sources, &mut diags).expect("loads");
    // SOURCES.md: loading the root resolves 2,850 files (57 of the 2,907 are orphans).
    assert_eq!(doc.file_count(), 2850);
    let api = Api::from_document(&doc, &sources, &mut diags).expect("reads");
    let ids: std::collections::HashSet<_> = api
        .operations
        .iter()
        .filter_map(|o| o.operation_id.as_ref().map(|i| i.value.as_str()))
        .collect();
    assert_eq!(
        ids.len(),
        659,
        "every DigitalOcean operationId is unique and found"
    );
    // Operations live in their own files: spans point there, not at the root.
    let op = api
        .operations
        .iter()
        .find(|o| {
            o.operation_id
                .as_ref()
                .is_some_and(|i| i.value == "oneClicks_list")
        })
        .expect("oneClicks_list");
    assert_ne!(op.file, doc.root_file());
    assert!(sources.file(op.file).name.ends_with("oneClicks_list.yml"));
    assert!(op.extension("x-codeSamples").is_some());
}

#[test]
fn kubernetes_swagger_bodies_and_duplicate_operation_ids() {
    let Some(corpus) = corpus() else { return };
    let path = corpus.join("real-apis/kubernetes/swagger-v1.11.3.json");
    let mut sources = SourceMap::new();
    let mut diags = Diagnostics::new();
    let doc = gwc::load::load(&path, &mut sources, &mut diags).expect("loads");
    let api = Api::from_document(&doc, &sources, &mut diags).expect("reads");
    let dupes = diags
        .iter()
        .filter(|d| d.code == gwc::openapi::codes::DUPLICATE_OPERATION_ID)
        .count();
    assert!(
        dupes > 0,
        "SOURCES.md: 176 duplicated operationIds are reported as warnings"
    );
    let with_body = api
        .operations
        .iter()
        .filter(|o| o.request_body.is_some())
        .count();
    assert_eq!(with_body, 397, "one request body per `in: body` parameter");
    let patch = api
        .operations
        .iter()
        .find(|o| o.method == gwc_ir::Method::Patch && o.request_body.is_some())
        .expect("a PATCH with a body");
    let types: Vec<_> = patch
        .request_body
        .as_ref()
        .unwrap()
        .content
        .iter()
        .map(|m| m.content_type.as_str())
        .collect();
    assert!(types.contains(&"application/merge-patch+json"), "{types:?}");
    // `definitions` refs are rewritten to the 3.0 component location.
    let bodies: Vec<String> = api
        .operations
        .iter()
        .filter_map(|o| o.request_body.as_ref())
        .filter_map(|b| b.content[0].schema.as_ref())
        .map(|s| s.json().to_string())
        .collect();
    assert!(
        bodies
            .iter()
            .any(|b| b.contains("\"$ref\":\"#/components/schemas/v1.ConfigMap\""))
    );
    assert!(bodies.iter().all(|b| !b.contains("#/definitions/")));
    assert_eq!(api.component_schemas().len(), 531);
}

#[test]
fn aws_examples_load_without_errors() {
    let Some(corpus) = corpus() else { return };
    let dir = corpus.join("aws-openapi");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("aws-openapi folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension()
                .is_some_and(|e| e == "json" || e == "yaml" || e == "yml")
        })
        .collect();
    files.sort();
    assert!(files.len() >= 40, "{} files", files.len());
    let mut failures = Vec::new();
    for path in &files {
        let mut sources = SourceMap::new();
        let mut diags = Diagnostics::new();
        let ok = gwc::load::load(path, &mut sources, &mut diags).and_then(|doc| {
            Api::from_document(&doc, &sources, &mut diags).map(|api| api.operations.len())
        });
        if ok.is_none() || diags.has_errors() {
            failures.push(format!(
                "{}:\n{}",
                path.display(),
                render_errors(&diags, &sources)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The typed models of the two APIs issue 12 measures (`gwc models --report`): the coverage
/// figures, the constructs that fall back to `serde_json::Value` by name, and output that
/// parses as Rust. That the output also *compiles* (serde derives, boxing of recursive types)
/// is `real_api_models_compile`, ignored by default because it checks ~80,000 generated lines
/// (several minutes on two cores).
#[test]
fn real_api_models_coverage() {
    let Some(corpus) = corpus() else { return };
    let mut figures = String::new();
    for (file, floor) in [("openai/openapi.yaml", 100.0), ("box/openapi.json", 100.0)] {
        let path = corpus.join("real-apis").join(file);
        let (models, sources, diags) = gwc::models_for(&path);
        let models =
            models.unwrap_or_else(|| panic!("{file}: {}", render_errors(&diags, &sources)));
        let text = models.render("test");
        syn::parse_file(&text)
            .unwrap_or_else(|e| panic!("{file}: generated models do not parse: {e}"));
        let r = &models.report;
        figures.push_str(&r.render(file));
        let pct = r.faithful as f64 * 100.0 / r.schemas as f64;
        assert!(
            pct >= floor,
            "{file}: {pct:.1} % faithful, floor {floor} %\n{figures}"
        );
        // Every fallback is named: the faithful count and the named places add up.
        let named: std::collections::BTreeSet<&String> = r.unsupported.values().flatten().collect();
        assert!(named.len() >= r.schemas - r.faithful, "{figures}");
    }
    println!("{figures}");
}

/// Writes the openai and box models into one crate and `cargo check`s it (run with
/// `--ignored`; BENCHMARKS.md and the issue note give the last result).
#[test]
#[ignore = "checks ~80,000 generated lines: minutes"]
fn real_api_models_compile() {
    let Some(corpus) = corpus() else { return };
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let dir = target.join("real-api-models");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        "[package]\nname = \"real-api-models\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[dependencies]\nserde = { version = \"1\", features = [\"derive\"] }\nserde_json = \"1\"\n\n[workspace]\n",
    )
    .unwrap();
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    let mut lib = String::new();
    for (module, file) in [
        ("openai", "openai/openapi.yaml"),
        ("r#box", "box/openapi.json"),
    ] {
        let (models, _, _) = gwc::models_for(&corpus.join("real-apis").join(file));
        let name = module.trim_start_matches("r#");
        std::fs::write(
            dir.join(format!("src/{name}.rs")),
            models.unwrap().render(file),
        )
        .unwrap();
        lib.push_str(&format!("pub mod {module};\n"));
    }
    std::fs::write(dir.join("src/lib.rs"), lib).unwrap();
    let out = std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["check", "--offline", "--quiet", "--manifest-path"])
        .arg(dir.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(&target)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
