//! Generated files (schema, reference page) are fresh; example specs satisfy the schema; the
//! schema and the reader agree on what is wrong.

use std::path::{Path, PathBuf};

use crate::support::{ensure_file_contents, workspace_root};

use gwc::source::SourceMap;
use gwc::vocab;

use super::yaml;

/// Rewrites a stale generated file and fails (a re-run or `UPDATE_EXPECT=1` passes).
fn ensure_fresh(path: &Path, contents: &str) {
    if let Err(message) = ensure_file_contents(path, contents) {
        panic!("{message}");
    }
}

#[test]
fn schema_is_fresh() {
    ensure_fresh(
        &workspace_root().join("docs/x-gateway.schema.json"),
        &vocab::schema::json_schema_text(),
    );
}

#[test]
fn reference_is_fresh() {
    ensure_fresh(
        &workspace_root().join("docs/extensions.md"),
        &vocab::docs::reference(),
    );
}

fn validator() -> jsonschema::Validator {
    jsonschema::validator_for(&vocab::schema::json_schema())
        .unwrap_or_else(|e| panic!("the generated schema is not a valid JSON Schema: {e}"))
}

fn spec_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n == "invalid") {
                continue;
            }
            spec_files(&path, out);
        } else if path
            .extension()
            .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
        {
            out.push(path);
        }
    }
}

/// Every spec under `specs/` (but `specs/invalid/`) satisfies the schema, and the reader finds
/// no unknown key or bad value in it either.
#[test]
fn example_specs_satisfy_the_schema() {
    let validator = validator();
    let mut files = Vec::new();
    spec_files(&workspace_root().join("specs"), &mut files);
    assert!(!files.is_empty(), "no specs found under specs/");
    let mut failures = Vec::new();
    for path in &files {
        let text =
            std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut sources = SourceMap::new();
        let file = sources.add(path, text.as_str());
        let node = match yaml::parse_in(file, path, &text) {
            Ok(node) => node,
            Err(e) => {
                failures.push(format!("{}: does not parse: {e}", path.display()));
                continue;
            }
        };
        let json = node.to_json();
        for error in validator.iter_errors(&json) {
            failures.push(format!(
                "{}: {} at {}",
                path.display(),
                error,
                error.instance_path()
            ));
        }
        if let Some(root) = node.get(vocab::ROOT_KEY) {
            let mut diags = gwc::Diagnostics::new();
            vocab::read_root(root, &mut diags);
            for d in diags
                .iter()
                .filter(|d| d.code != vocab::codes::NOT_SUPPORTED)
            {
                failures.push(d.render(&sources, false));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// What the reader rejects, the schema rejects too (and the other way round for valid input),
/// so editors and `gwc check` agree. (`name` and `base_path` rules are checked by lowering,
/// which suggests fixes; the schema has them as patterns: see `schema_checks_names`.)
#[test]
fn schema_and_reader_agree() {
    let validator = validator();
    let cases: &[(&str, bool)] = &[
        (
            "x-gateway: {name: pets, limits: {max_body: 10MiB, idle_timeout: 90s}}\n",
            true,
        ),
        ("x-gateway: {limits: {max_body: 10 parsecs}}\n", false),
        ("x-gateway: {nmae: pets}\n", false),
        ("x-gateway: {kind: graphql}\n", false),
        (
            "x-gateway: {responses: {INTEGRATION_TIMOUT: {status: 504}}}\n",
            false,
        ),
        (
            "x-gateway: {responses: {DEFAULT_5XX: {status: 700}}}\n",
            false,
        ),
        ("x-gateway: {endpoint: {listen: \"8080\"}}\n", false),
        ("x-gateway: {name: pet-store2}\n", true),
        ("x-gateway: {base_path: /prod}\n", true),
        ("x-gateway: {state: {backend: \"redis://r:6379\"}}\n", true),
        ("x-gateway: {state: {backend: \"postgres://db\"}}\n", false),
        (
            "x-gateway: {authorizers: {a: {type: jwt, issuer: \"https://i\"}}}\n",
            true,
        ),
        ("x-gateway: {authorizers: {a: {type: jwt}}}\n", false),
        (
            "x-gateway: {authorizers: {a: {type: jwt, issuer: i, isuer: j}}}\n",
            false,
        ),
        (
            "x-gateway: {waf: {rules: [{type: sqli, scope: [query, body]}]}}\n",
            true,
        ),
        (
            "x-gateway: {waf: {rules: [{type: sqli, scope: [querystring]}]}}\n",
            false,
        ),
        (
            "paths: {/p: {get: {x-gateway-integration: {type: mock, status: 201}}}}\n",
            true,
        ),
        (
            "paths: {/p: {get: {x-gateway-integration: {type: htpp_proxy, uri: u}}}}\n",
            false,
        ),
        (
            "paths: {/p: {get: {x-gateway-integration: {type: http_proxy}}}}\n",
            false,
        ),
        (
            "paths: {/p: {get: {x-gateway-auht: {authorizer: a}}}}\n",
            false,
        ),
        ("paths: {/p: {get: {x-gateway-api-key: required}}}\n", true),
        (
            "paths: {/p: {x-gateway-any-method: {x-gateway-integration: {type: mock}}}}\n",
            true,
        ),
        (
            "paths: {/p: {parameters: [], get: {x-other: 1, parameters: []}}}\n",
            true,
        ),
    ];
    for (text, valid) in cases {
        let mut sources = SourceMap::new();
        let doc = yaml::parse(&mut sources, "case.yaml", text);
        let by_schema = validator.is_valid(&doc.to_json());
        let mut diags = gwc::Diagnostics::new();
        if let Some(root) = doc.get(vocab::ROOT_KEY) {
            vocab::read_root(root, &mut diags);
        }
        for item in doc
            .get("paths")
            .and_then(|p| p.as_map())
            .unwrap_or_default()
        {
            for op in item.value.as_map().unwrap_or_default() {
                if let Some(entries) = op.value.as_map() {
                    vocab::read_operation(entries, &mut diags);
                }
            }
        }
        let by_reader = !diags.iter().any(|d| d.code != vocab::codes::NOT_SUPPORTED);
        assert_eq!(by_schema, *valid, "schema on {text}");
        assert_eq!(
            by_reader,
            *valid,
            "reader on {text}: {}",
            diags.render(&sources, false)
        );
    }
}

/// The schema carries the name and base-path rules that lowering checks.
#[test]
fn schema_checks_names() {
    let validator = validator();
    let cases: &[(&str, bool)] = &[
        ("x-gateway: {name: Pet Store}\n", false),
        ("x-gateway: {name: pet-store2}\n", true),
        ("x-gateway: {base_path: /prod}\n", true),
        ("x-gateway: {base_path: /v1/pets}\n", true),
        ("x-gateway: {base_path: /prod/}\n", false),
        ("x-gateway: {base_path: \"/{stage}\"}\n", false),
    ];
    for (text, valid) in cases {
        let mut sources = SourceMap::new();
        let doc = yaml::parse(&mut sources, "case.yaml", text);
        assert_eq!(
            validator.is_valid(&doc.to_json()),
            *valid,
            "schema on {text}"
        );
    }
}

/// The examples on the reference page read without errors (unsupported parts aside) and
/// satisfy the schema.
#[test]
fn reference_examples_are_valid() {
    let validator = validator();
    for (title, text) in vocab::docs::EXAMPLES {
        let mut sources = SourceMap::new();
        let doc = yaml::parse(&mut sources, "example.yaml", text);
        let errors: Vec<String> = validator
            .iter_errors(&doc.to_json())
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "example {title}: {errors:?}");
        let mut diags = gwc::Diagnostics::new();
        if let Some(root) = doc.get(vocab::ROOT_KEY) {
            assert!(
                vocab::read_root(root, &mut diags).is_some(),
                "example {title}"
            );
        }
        for item in doc
            .get("paths")
            .and_then(|p| p.as_map())
            .unwrap_or_default()
        {
            for op in item.value.as_map().unwrap_or_default() {
                if let Some(entries) = op.value.as_map() {
                    vocab::read_operation(entries, &mut diags);
                }
            }
        }
        let real: Vec<String> = diags
            .iter()
            .filter(|d| d.code != vocab::codes::NOT_SUPPORTED)
            .map(|d| d.render(&sources, false))
            .collect();
        assert!(real.is_empty(), "example {title}:\n{}", real.join("\n"));
    }
}

/// Every optional key says its default in its description, and a default written as a
/// value (`Default: `29s``) is the value serde fills in.
#[test]
fn every_default_is_written_down() {
    fn walk(name: &str, schema: &serde_json::Value, problems: &mut Vec<String>) {
        if let Some(props) = schema.get("properties").and_then(|p| p.as_object()) {
            let required: Vec<&str> = schema
                .get("required")
                .and_then(|r| r.as_array())
                .map(|r| r.iter().filter_map(|v| v.as_str()).collect())
                .unwrap_or_default();
            for (key, prop) in props {
                if key == "type" && prop.get("const").is_some() {
                    continue;
                }
                let desc = prop
                    .get("description")
                    .and_then(|d| d.as_str())
                    .unwrap_or("");
                if required.contains(&key.as_str()) {
                    continue;
                }
                let Some(at) = desc.find("Default: ") else {
                    problems.push(format!("{name}.{key}: no `Default:` in its description"));
                    continue;
                };
                if let Some(serde_json::Value::String(value)) = prop.get("default") {
                    let said = &desc[at + "Default: ".len()..];
                    let matches = if value.is_empty() {
                        said.starts_with("empty")
                    } else {
                        said.starts_with(&format!("`{value}`"))
                    };
                    if !matches {
                        problems.push(format!(
                            "{name}.{key}: description says {said:?}, serde's default is `{value}`"
                        ));
                    }
                }
            }
        }
        if let Some(variants) = schema.get("oneOf").and_then(|v| v.as_array()) {
            for v in variants {
                walk(name, v, problems);
            }
        }
    }
    let schema = vocab::schema::json_schema();
    let mut problems = Vec::new();
    if let Some(defs) = schema.get("$defs").and_then(|d| d.as_object()) {
        for (name, def) in defs {
            walk(name, def, &mut problems);
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
