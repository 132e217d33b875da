//! Fuzz-style robustness: mangled real specs (truncations, byte flips, spliced fragments) and
//! proptest-generated YAML/JSON-ish text go through the loader and the OpenAPI view without a
//! panic. Every outcome is fine except a panic (or a hang, which the test timeout catches).

use std::path::Path;

use gwc::Diagnostics;
use gwc::openapi::Api;
use gwc::source::SourceMap;
use proptest::prelude::*;

/// Loads `text` as a spec named `name` and reads it as OpenAPI; returns whether the load gave
/// a document (the diagnostics are also rendered, which must not panic either).
fn run(name: &str, text: &str) -> bool {
    let mut sources = SourceMap::new();
    let mut diags = Diagnostics::new();
    let path = std::env::temp_dir()
        .join("gwc-fuzz-nonexistent-dir")
        .join(name);
    let doc = gwc::load::load_str(&path, text, &mut sources, &mut diags);
    if let Some(doc) = &doc
        && let Some(api) = Api::from_document(doc, &sources, &mut diags)
    {
        for op in &api.operations {
            for p in &op.parameters {
                if let Some(s) = &p.schema {
                    std::hint::black_box(s.json());
                }
            }
            if let Some(b) = &op.request_body {
                for m in &b.content {
                    if let Some(s) = &m.schema {
                        std::hint::black_box(s.json());
                    }
                }
            }
        }
    }
    std::hint::black_box(diags.render(&sources, false));
    doc.is_some()
}

/// Small real specs of both formats and all three dialects, as seeds.
fn seeds() -> Vec<(String, String)> {
    let mut out = vec![(
        "petstore.yaml".to_owned(),
        include_str!("../../specs/petstore/spec.yaml").to_owned(),
    )];
    if let Some(corpus) = crate::real_apis::corpus() {
        for name in [
            "aws-openapi/localstack-any-method-aws-mock.yaml",
            "aws-openapi/awsdocs-simple-calc-lambda-vtl-models.json",
            "aws-openapi/importer-swagger2-auth-aws-http.json",
            "aws-openapi/ss-powertools-cognito-validators.json",
            "aws-openapi/sp-validators-gateway-responses-dynamodb.yaml",
        ] {
            if let Ok(text) = std::fs::read_to_string(corpus.join(name)) {
                let file = Path::new(name)
                    .file_name()
                    .map(|f| f.to_string_lossy().into_owned())
                    .unwrap_or_default();
                out.push((file, text));
            }
        }
    }
    out
}

#[test]
fn truncated_real_specs_do_not_panic() {
    for (name, text) in seeds() {
        let bytes = text.as_bytes();
        let step = (bytes.len() / 200).max(1);
        for cut in (0..bytes.len()).step_by(step) {
            let t = String::from_utf8_lossy(&bytes[..cut]);
            run(&name, &t);
        }
    }
}

#[test]
fn byte_flipped_real_specs_do_not_panic() {
    // A fixed pseudo-random sequence (xorshift) so failures reproduce.
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    const INTERESTING: &[u8] = b"{}[]:,\"'\n #&*!|>-?%@`\\~$\t";
    for (name, text) in seeds() {
        for _ in 0..150 {
            let mut bytes = text.clone().into_bytes();
            for _ in 0..1 + next() % 4 {
                let at = (next() as usize) % bytes.len().max(1);
                let b = INTERESTING[(next() as usize) % INTERESTING.len()];
                if let Some(slot) = bytes.get_mut(at) {
                    *slot = b;
                }
            }
            run(&name, &String::from_utf8_lossy(&bytes));
        }
    }
}

/// Text made of spec-like tokens: more likely to reach deep parser states than random bytes.
fn token_soup() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("openapi: 3.1.0\n".to_owned()),
        Just("swagger: '2.0'\n".to_owned()),
        Just("paths:\n".to_owned()),
        Just("  /a/{b}:\n".to_owned()),
        Just("    get:\n".to_owned()),
        Just("      parameters: [{name: b, in: path}]\n".to_owned()),
        Just("      $ref: '#/paths'\n".to_owned()),
        Just("$ref: '#/x'\n".to_owned()),
        Just("x: &a [1, *a]\n".to_owned()),
        Just("- ".to_owned()),
        Just("{\"a\": [".to_owned()),
        Just("]}".to_owned()),
        Just("nullable: true\n".to_owned()),
        Just("\"é\\u00e9\"".to_owned()),
        Just("? ".to_owned()),
        Just("---\n".to_owned()),
        "[ -~]{0,12}".prop_map(|s| s),
        Just("\n  ".to_owned()),
    ];
    proptest::collection::vec(token, 0..40).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn token_soup_does_not_panic(text in token_soup()) {
        run("soup.yaml", &text);
        run("soup.json", &text);
    }

    #[test]
    fn arbitrary_text_does_not_panic(text in "\\PC{0,200}") {
        run("any.yaml", &text);
    }
}
