//! Loader tests: readers, spans, limits, references. Multi-file cases write real files into a
//! fresh temporary folder per test.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use expect_test::{Expect, expect};

use super::*;
use crate::Severity;

/// Parses one in-memory file named `name`.
fn parse(name: &str, text: &str) -> (Option<Node>, Diagnostics, SourceMap) {
    parse_limited(name, text, &Limits::default())
}

fn parse_limited(
    name: &str,
    text: &str,
    limits: &Limits,
) -> (Option<Node>, Diagnostics, SourceMap) {
    let mut sources = SourceMap::new();
    let mut diags = Diagnostics::new();
    let file = sources.add(Path::new(name), text);
    let node = parse_text(file, Path::new(name), text, limits, &mut diags);
    (node, diags, sources)
}

/// Codes and locations of every diagnostic, one per line.
fn summary(diags: &Diagnostics, sources: &SourceMap) -> String {
    diags
        .sorted()
        .into_iter()
        .map(|d| {
            let at = d
                .primary
                .as_ref()
                .map_or_else(String::new, |l| format!(" at {}", sources.location(l.span)));
            let also: String = d
                .secondary
                .iter()
                .map(|l| format!(" (+{})", sources.location(l.span)))
                .collect();
            format!("{:?} {}{at}{also}: {}\n", d.severity, d.code, d.message)
        })
        .collect()
}

fn check_diags(name: &str, text: &str, expect: &Expect) {
    let (_, diags, sources) = parse(name, text);
    expect.assert_eq(&summary(&diags, &sources));
}

/// A fresh folder under the system temp dir with `files` written into it.
fn temp_tree(files: &[(&str, &str)]) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "gwc-load-test-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

fn load_tree(
    files: &[(&str, &str)],
    root: &str,
) -> (Option<Document>, Diagnostics, SourceMap, PathBuf) {
    let dir = temp_tree(files);
    let mut sources = SourceMap::new();
    let mut diags = Diagnostics::new();
    let doc = load(&dir.join(root), &mut sources, &mut diags);
    (doc, diags, sources, dir)
}

/// Diagnostics of a multi-file load, with the temp folder stripped from file names (the root
/// was named by its absolute path, so every file is).
fn tree_summary(diags: &Diagnostics, sources: &SourceMap, dir: &Path) -> String {
    let absolute = format!("{}/", dir.display());
    summary(diags, sources).replace(&absolute, "")
}

#[test]
fn yaml_spans_are_bytes_with_non_ascii_text() {
    let text = "title: \"Zürich – café\"\nname: ü\nnext: x\n";
    let (node, diags, sources) = parse("a.yaml", text);
    assert!(!diags.has_errors());
    let node = node.unwrap();
    let name = node.entry("name").unwrap();
    assert_eq!(sources.snippet(name.key_span), "name");
    assert_eq!(sources.snippet(name.value.span), "ü");
    let next = node.entry("next").unwrap();
    assert_eq!(sources.snippet(next.key_span), "next");
    assert_eq!(sources.location(next.value.span), "a.yaml:3:7");
    let title = node.get("title").unwrap();
    assert_eq!(title.as_str(), Some("Zürich – café"));
    assert_eq!(sources.snippet(title.span), "\"Zürich – café\"");
}

#[test]
fn json_spans_are_bytes_with_non_ascii_text() {
    let text = "{\"títle\": \"ü\\u00e9\", \"n\": [1, 2.5, true, null]}";
    let (node, diags, sources) = parse("a.json", text);
    assert!(!diags.has_errors());
    let node = node.unwrap();
    let title = node.entry("títle").unwrap();
    assert_eq!(sources.snippet(title.key_span), "\"títle\"");
    assert_eq!(title.value.as_str(), Some("üé"));
    assert_eq!(sources.snippet(title.value.span), "\"ü\\u00e9\"");
    let n = node.get("n").unwrap();
    assert_eq!(sources.snippet(n.span), "[1, 2.5, true, null]");
    assert_eq!(sources.snippet(n.pointer("/1").unwrap().span), "2.5");
    assert_eq!(
        n.to_json(),
        serde_json::json!([1, 2.5, true, null]),
        "values of every JSON type"
    );
}

#[test]
fn yaml_core_schema_scalars() {
    let text = "a: 1\nb: -2\nc: 1.5e3\nd: true\ne: ~\nf: '1'\ng: 0x1f\nh: 1.0.0\ni: .inf\nj: null\nk: |\n  text\n";
    let (node, diags, _) = parse("a.yaml", text);
    assert!(!diags.has_errors());
    expect![[r#"{"a":1,"b":-2,"c":1500.0,"d":true,"e":null,"f":"1","g":31,"h":"1.0.0","i":null,"j":null,"k":"text\n"}"#]]
        .assert_eq(&node.unwrap().to_json().to_string());
}

#[test]
fn yaml_flow_mapping_starting_with_brace_falls_back_from_json() {
    let (node, diags, _) = parse("a.yaml", "{openapi: 3.1.0, info: {title: t}}");
    assert!(!diags.has_errors(), "{diags:?}");
    assert_eq!(
        node.unwrap().pointer("/info/title").and_then(Node::as_str),
        Some("t")
    );
}

#[test]
fn json_with_a_byte_order_mark_keeps_spans_on_the_original_bytes() {
    let text = "\u{feff}{\"a\": \"b\"}";
    let (node, diags, sources) = parse("a.json", text);
    assert!(!diags.has_errors());
    let a = node.unwrap();
    assert_eq!(sources.snippet(a.entry("a").unwrap().key_span), "\"a\"");
}

#[test]
fn duplicate_keys_are_errors_with_both_locations() {
    check_diags(
        "a.yaml",
        "paths:\n  /a: {}\n  /b: {}\n  /a: {x: 1}\n",
        &expect![[r#"
            Error gwc::load::duplicate_key at a.yaml:4:3 (+a.yaml:2:3): duplicate key `/a`
        "#]],
    );
    check_diags(
        "a.json",
        r#"{"a": 1, "b": {"c": 1, "c": 2}, "a": 3}"#,
        &expect![[r#"
            Error gwc::load::duplicate_key at a.json:1:24 (+a.json:1:16): duplicate key `c`
            Error gwc::load::duplicate_key at a.json:1:33 (+a.json:1:2): duplicate key `a`
        "#]],
    );
    // The first value is kept.
    let (node, _, _) = parse("a.json", r#"{"a": 1, "a": 2}"#);
    assert_eq!(node.unwrap().to_json(), serde_json::json!({"a": 1}));
}

#[test]
fn many_keys_use_the_hashed_duplicate_check() {
    let mut text = String::new();
    for i in 0..40 {
        text.push_str(&format!("k{i}: {i}\n"));
    }
    text.push_str("k7: again\n");
    check_diags(
        "a.yaml",
        &text,
        &expect![[r#"
            Error gwc::load::duplicate_key at a.yaml:41:1 (+a.yaml:8:1): duplicate key `k7`
        "#]],
    );
}

#[test]
fn aliases_expand_to_copies() {
    let text = "base: &b {type: string, maxLength: 3}\nuse: *b\nlist: [*b, *b]\n";
    let (node, diags, _) = parse("a.yaml", text);
    assert!(!diags.has_errors());
    let node = node.unwrap();
    assert_eq!(node.get("use"), node.get("base"));
    assert_eq!(node.pointer("/list/1"), node.get("base"));
}

#[test]
fn merge_keys_add_the_entries_a_mapping_does_not_set() {
    let text = "base: &b {type: http_proxy, timeout: 10s}\nlog: &l {level: info, timeout: 1s}\nop:\n  <<: [*b, *l]\n  timeout: 29s\nplain:\n  <<: *b\nodd:\n  <<: 3\n";
    let (node, diags, _) = parse("a.yaml", text);
    assert!(!diags.has_errors(), "{diags:?}");
    let node = node.unwrap();
    assert_eq!(
        node.get("op").unwrap().to_json(),
        serde_json::json!({"timeout": "29s", "type": "http_proxy", "level": "info"})
    );
    assert_eq!(
        node.get("plain").unwrap().to_json(),
        node.get("base").unwrap().to_json()
    );
    assert_eq!(
        node.get("odd").unwrap().to_json(),
        serde_json::json!({"<<": 3})
    );
}

#[test]
fn alias_bomb_is_a_diagnostic() {
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let p = i - 1;
        text.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    let (node, diags, sources) = parse("bomb.yaml", &text);
    assert!(node.is_none());
    expect![[r#"
        Error gwc::load::alias_budget at bomb.yaml:6:45: aliases expand to more than 1000000 nodes
    "#]]
    .assert_eq(&summary(&diags, &sources));
}

#[test]
fn depth_bomb_is_a_diagnostic_in_both_readers() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    for name in ["deep.json", "deep.yaml"] {
        let (node, diags, _) = parse(name, &deep);
        assert!(node.is_none());
        let codes: Vec<_> = diags.iter().map(|d| d.code).collect();
        assert_eq!(codes, [codes::TOO_DEEP], "{name}");
    }
    let yaml = (0..300).fold(String::new(), |acc, i| {
        format!("{acc}{}k:\n", "  ".repeat(i))
    });
    let (_, diags, _) = parse("deep2.yaml", &yaml);
    assert_eq!(
        diags.iter().map(|d| d.code).collect::<Vec<_>>(),
        [codes::TOO_DEEP]
    );
    // An alias cannot smuggle depth past the limit either.
    let limits = Limits {
        max_depth: 4,
        ..Limits::default()
    };
    let (node, diags, _) = parse_limited("a.yaml", "a: &a [[[1]]]\nb: [[*a]]\n", &limits);
    assert!(node.is_none());
    assert_eq!(
        diags.iter().map(|d| d.code).collect::<Vec<_>>(),
        [codes::TOO_DEEP]
    );
}

#[test]
fn syntax_errors_point_at_the_spot() {
    check_diags(
        "a.yaml",
        "a: [1, 2\nb: 3\n",
        &expect![[r#"
            Error gwc::load::syntax at a.yaml:2:2: YAML syntax error: illegal placement of ':' indicator
        "#]],
    );
    check_diags(
        "a.json",
        "{\"a\": 1,}",
        &expect![[r#"
            Error gwc::load::syntax at a.json:1:9: JSON syntax error: expected a string key
        "#]],
    );
    check_diags(
        "a.json",
        "{\"é\": \"x",
        &expect![[r#"
            Error gwc::load::syntax at a.json:1:8: JSON syntax error: unterminated string
        "#]],
    );
    check_diags(
        "a.yaml",
        "a: 1\n---\nb: 2\n",
        &expect![[r#"
            Error gwc::load::multiple_documents at a.yaml:2:1: a spec file holds one YAML document, this one has several
        "#]],
    );
    check_diags(
        "a.yaml",
        "? [a, b]\n: 1\n",
        &expect![[r#"
            Error gwc::load::complex_key at a.yaml:1:3: a mapping key must be a scalar, this one is a sequence
        "#]],
    );
}

#[test]
fn json_pointer_finds_nodes_and_their_spans() {
    let text = "paths:\n  /pets/{id}:\n    get: {operationId: g}\n  a~b: [x, y]\n";
    let (node, _, sources) = parse("a.yaml", text);
    let node = node.unwrap();
    let get = node.pointer("/paths/~1pets~1{id}/get").unwrap();
    assert_eq!(sources.location(get.span), "a.yaml:3:10");
    assert_eq!(
        node.pointer("/paths/a~0b/1").and_then(Node::as_str),
        Some("y")
    );
    assert_eq!(node.pointer(""), Some(&node));
    assert!(node.pointer("/paths/a~0b/01").is_none());
    assert!(node.pointer("/paths/a~0b/-").is_none());
    assert!(node.pointer("/paths/a~0b/2").is_none());
    assert!(node.pointer("paths").is_none());
    assert_eq!(unescape_pointer_token("~01"), "~1");
    assert_eq!(escape_pointer_token("/a~b"), "~1a~0b");
}

#[test]
fn refs_across_files_resolve_and_each_file_loads_once() {
    let (doc, diags, sources, dir) = load_tree(
        &[
            (
                "root.yaml",
                "paths:\n  /a:\n    get: {$ref: 'ops/get a.yml'}\n  /b:\n    get: {$ref: 'ops/get%20a.yml'}\ncomponents:\n  schemas:\n    Pet: {$ref: 'models/pet.yaml#/Pet'}\n",
            ),
            (
                "ops/get a.yml",
                "operationId: getA\nresponses: {$ref: '../models/pet.yaml#/Responses'}\n",
            ),
            (
                "models/pet.yaml",
                "Pet:\n  type: object\n  properties:\n    name: {type: string}\nResponses:\n  '200': {description: ok}\n",
            ),
        ],
        "root.yaml",
    );
    assert_eq!(tree_summary(&diags, &sources, &dir), "");
    let doc = doc.unwrap();
    assert_eq!(doc.file_count(), 3);
    let root = doc.root_file();
    let a = doc.root().pointer("/paths/~1a/get").unwrap();
    let op = doc.resolve(root, a).unwrap();
    assert_eq!(op.node.get_str("operationId"), Some("getA"));
    let b = doc.root().pointer("/paths/~1b/get").unwrap();
    assert_eq!(
        doc.resolve(root, b).unwrap().node as *const Node,
        op.node as *const Node
    );
    // A relative reference inside the operation file resolves against that file's folder.
    let responses = doc
        .resolve(op.file, op.node.get("responses").unwrap())
        .unwrap();
    assert!(responses.node.get("200").is_some());
    assert_eq!(
        sources.file(responses.file).name,
        dir.join("models/pet.yaml").display().to_string()
    );
    let pet = doc
        .resolve(root, doc.root().pointer("/components/schemas/Pet").unwrap())
        .unwrap();
    assert_eq!(pet.node.get_str("type"), Some("object"));
}

#[test]
fn whole_file_refs_and_local_refs() {
    let (doc, diags, sources, dir) = load_tree(
        &[
            (
                "root.json",
                r##"{"a": {"$ref": "b.json"}, "c": {"$ref": "#/d"}, "d": {"$ref": "b.json#/x"}}"##,
            ),
            ("b.json", r#"{"x": 1}"#),
        ],
        "root.json",
    );
    assert_eq!(tree_summary(&diags, &sources, &dir), "");
    let doc = doc.unwrap();
    let root = doc.root_file();
    let a = doc.resolve(root, doc.root().get("a").unwrap()).unwrap();
    assert_eq!(a.node.to_json(), serde_json::json!({"x": 1}));
    let c = doc.resolve(root, doc.root().get("c").unwrap()).unwrap();
    assert_eq!(c.node.to_json(), serde_json::json!(1));
}

#[test]
fn missing_files_and_bad_pointers_are_reported_at_the_ref() {
    let (doc, diags, sources, dir) = load_tree(
        &[
            (
                "root.yaml",
                "a: {$ref: 'nope.yaml'}\nb: {$ref: 'other.yaml#/missing/key'}\nc: {$ref: '#/a/zz'}\nd: {$ref: 'https://example.com/x.yaml'}\ne: {$ref: '#Pet'}\nf: {$ref: 'nope.yaml#/x'}\n",
            ),
            ("other.yaml", "present: 1\n"),
        ],
        "root.yaml",
    );
    assert!(doc.is_some());
    expect![[r#"
        Error gwc::load::missing_file at root.yaml:1:11: cannot read `nope.yaml`: No such file or directory (os error 2)
        Error gwc::load::bad_pointer at root.yaml:2:11: `/missing/key` designates nothing in `other.yaml`
        Error gwc::load::bad_pointer at root.yaml:3:11: `/a/zz` designates nothing in `root.yaml`
        Error gwc::load::unsupported_ref at root.yaml:4:11: `https://example.com/x.yaml` is a remote reference; only relative file paths and `#/json/pointer`s are followed
        Error gwc::load::unsupported_ref at root.yaml:5:11: `#Pet` uses a plain-name fragment; only `#/json/pointer` fragments are supported
        Error gwc::load::missing_file at root.yaml:6:11: cannot read `nope.yaml`: No such file or directory (os error 2)
    "#]]
    .assert_eq(&tree_summary(&diags, &sources, &dir));
}

#[test]
fn ref_chain_cycles_are_errors_but_recursive_schemas_are_not() {
    let (doc, diags, sources, dir) = load_tree(
        &[
            (
                "root.yaml",
                "components:\n  schemas:\n    A: {$ref: '#/components/schemas/B'}\n    B: {$ref: 'b.yaml#/C'}\n    Node:\n      type: object\n      properties:\n        children: {type: array, items: {$ref: '#/components/schemas/Node'}}\n    Self: {$ref: '#/components/schemas/Self'}\n",
            ),
            ("b.yaml", "C: {$ref: 'root.yaml#/components/schemas/A'}\n"),
        ],
        "root.yaml",
    );
    expect![[r#"
        Error gwc::load::ref_cycle at root.yaml:3:15 (+root.yaml:4:15) (+b.yaml:1:11): `$ref` cycle: following `#/components/schemas/B` comes back here after 3 steps
        Error gwc::load::ref_cycle at root.yaml:9:18: `$ref` cycle: following `#/components/schemas/Self` comes back here after 1 step
    "#]]
    .assert_eq(&tree_summary(&diags, &sources, &dir));
    let doc = doc.unwrap();
    let root = doc.root_file();
    let a = doc.root().pointer("/components/schemas/A").unwrap();
    assert_eq!(doc.resolve(root, a).unwrap_err(), RefError::Cycle);
    let node = doc
        .root()
        .pointer("/components/schemas/Node/properties/children/items")
        .unwrap();
    assert_eq!(
        doc.resolve(root, node).unwrap().node.get_str("type"),
        Some("object")
    );
}

#[test]
fn refs_inside_examples_are_followed_quietly() {
    let (doc, diags, sources, dir) = load_tree(
        &[
            (
                "root.yaml",
                "schema:\n  example: {$ref: 'not-a-file.yaml'}\n  default: {$ref: '#/nowhere'}\n  properties:\n    example: {$ref: '#/schema'}\nmedia:\n  example: {$ref: 'examples.yaml#/one'}\n",
            ),
            ("examples.yaml", "one: {id: 1}\n"),
        ],
        "root.yaml",
    );
    assert_eq!(tree_summary(&diags, &sources, &dir), "");
    let doc = doc.unwrap();
    assert_eq!(doc.file_count(), 2, "an example's existing file is loaded");
    let example = doc.root().pointer("/media/example").unwrap();
    let target = doc.resolve(doc.root_file(), example).unwrap();
    assert_eq!(target.node.to_json(), serde_json::json!({"id": 1}));
}

#[test]
fn problems_in_sibling_files_do_not_stop_the_load() {
    let (doc, diags, sources, dir) = load_tree(
        &[
            (
                "root.yaml",
                "a: {$ref: 'bad.yaml'}\nb: {$ref: 'dup.json'}\n",
            ),
            ("bad.yaml", "a: [1\n"),
            ("dup.json", r#"{"x": 1, "x": 2}"#),
        ],
        "root.yaml",
    );
    assert!(doc.is_some());
    expect![[r#"
        Error gwc::load::syntax at bad.yaml:2:1: YAML syntax error: while parsing a flow sequence, expected ',' or ']'
        Error gwc::load::duplicate_key at dup.json:1:10 (+dup.json:1:2): duplicate key `x`
    "#]]
    .assert_eq(&tree_summary(&diags, &sources, &dir));
    assert_eq!(diags.count(Severity::Error), 2);
}

#[test]
fn file_count_and_size_limits() {
    let mut files: Vec<(String, String)> =
        vec![("root.yaml".into(), "next: {$ref: 'f0.yaml'}\n".into())];
    for i in 0..50 {
        files.push((
            format!("f{i}.yaml"),
            format!("next: {{$ref: 'f{}.yaml'}}\n", i + 1),
        ));
    }
    files.push(("f50.yaml".into(), "end: true\n".into()));
    let borrowed: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let dir = temp_tree(&borrowed);
    let mut sources = SourceMap::new();
    let mut diags = Diagnostics::new();
    let limits = Limits {
        max_files: 10,
        ..Limits::default()
    };
    let doc = load_with_limits(&dir.join("root.yaml"), &limits, &mut sources, &mut diags).unwrap();
    assert_eq!(doc.file_count(), 10);
    assert_eq!(
        diags.iter().map(|d| d.code).collect::<Vec<_>>(),
        [codes::TOO_MANY_FILES]
    );

    let mut sources = SourceMap::new();
    let mut diags = Diagnostics::new();
    let limits = Limits {
        max_file_size: 8,
        ..Limits::default()
    };
    assert!(load_with_limits(&dir.join("root.yaml"), &limits, &mut sources, &mut diags).is_none());
    assert_eq!(
        diags.iter().map(|d| d.code).collect::<Vec<_>>(),
        [codes::TOO_LARGE]
    );
}

#[test]
fn unreadable_root_is_a_diagnostic_without_span() {
    let mut sources = SourceMap::new();
    let mut diags = Diagnostics::new();
    assert!(
        load(
            Path::new("/definitely/not/here.yaml"),
            &mut sources,
            &mut diags
        )
        .is_none()
    );
    let d = diags.iter().next().unwrap();
    assert_eq!(d.code, codes::READ);
    assert!(d.primary.is_none());
    assert!(d.help.is_some());
}

#[test]
fn non_utf8_file_is_a_diagnostic() {
    let dir = temp_tree(&[]);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("x.yaml"), b"a: \xff\xfe\n").unwrap();
    let mut sources = SourceMap::new();
    let mut diags = Diagnostics::new();
    assert!(load(&dir.join("x.yaml"), &mut sources, &mut diags).is_none());
    assert_eq!(
        diags.iter().map(|d| d.code).collect::<Vec<_>>(),
        [codes::ENCODING]
    );
}

#[test]
fn split_reference_decodes_path_and_pointer() {
    let (path, ptr) = split_reference("a%20b.yaml#/x~1y%7Bz%7D").unwrap();
    assert_eq!(path.as_deref(), Some("a b.yaml"));
    assert_eq!(ptr, "/x~1y{z}");
    assert_eq!(split_reference("#/a").unwrap(), (None, "/a".into()));
    assert_eq!(
        split_reference("f.yaml").unwrap(),
        (Some("f.yaml".into()), "".into())
    );
    assert!(matches!(split_reference("urn:x"), Err(RefError::Remote(_))));
    assert!(matches!(
        split_reference("%ff.yaml"),
        Err(RefError::Malformed(_))
    ));
}

#[test]
fn under_indented_quoted_strings_are_read_leniently_with_a_warning() {
    // Continuation lines at the key's own indentation: invalid YAML 1.2, accepted by YAML 1.1
    // parsers and found in real AWS SAM templates.
    let text =
        "a:\n  b:\n    c: { \"x\": \"1 \\\n    2 \\\n      3\"}\n    d: 'é\n    f'\n    e: end\n";
    let (node, diags, sources) = parse("a.yaml", text);
    let node = node.unwrap();
    assert_eq!(
        node.to_json(),
        serde_json::json!({"a": {"b": {"c": {"x": "1 2 3"}, "d": "é f", "e": "end"}}})
    );
    // Spans still point into the original text.
    let e = node.pointer("/a/b/e").unwrap();
    assert_eq!(sources.snippet(e.span), "end");
    assert_eq!(sources.location(e.span), "a.yaml:8:8");
    expect![[r#"
        Warning gwc::load::lenient_indentation at a.yaml:3:15: continuation lines of this quoted string are indented less than YAML 1.2 requires
        Warning gwc::load::lenient_indentation at a.yaml:6:8: continuation lines of this quoted string are indented less than YAML 1.2 requires
    "#]]
    .assert_eq(&summary(&diags, &sources));
}
