//! `gwc build` timing: `cargo bench -p gwc --bench build`.
//!
//! Prints the best and median wall time, over several runs in a release build, of
//! - `codegen::generate` on a hand-built IR of 1,000 routes (the DESIGN.md budget: "`gwc build`
//!   of a 1,000-operation spec in well under a second"), and
//! - the whole of `gwc build` minus the disk writes (`build::generate_for`: load, lower, check,
//!   generate) on a synthetic 1,000-operation spec, and on large real APIs of the shared corpus
//!   as published, where every operation becomes a proxy route to the `https://` `servers[0]`.
//!   The corpus path comes from `GWC_CORPUS` (default `<workspace>/../shared/corpus`); missing
//!   documents are reported and skipped.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use gwc::codegen::{RuntimeSource, Settings};
use gwc_ir::{
    ApiKind, Gateway, HttpProxy, Integration, Method, Millis, PathTemplate, Route, Stage,
    UriTemplate,
};

const RUNS: usize = 7;

const DOCS: &[&str] = &[
    "box/openapi.json",
    "openai/openapi.yaml",
    "twilio-api-v2010/twilio_api_v2010.yaml",
];

/// A spec of `n` operations (8 per path, every method), half proxies, half mocks.
fn synthetic_spec(n: usize) -> String {
    let mut s = String::from(
        "openapi: 3.0.3\ninfo: {title: Synthetic, version: \"1.0\"}\n\
         x-gateway:\n  name: synthetic\n  default_stage: prod\n  stages:\n    prod:\n      \
         variables: {backend: \"http://127.0.0.1:9000\"}\npaths:\n",
    );
    let methods = [
        "get", "put", "post", "delete", "options", "head", "patch", "trace",
    ];
    for path in 0..n.div_ceil(methods.len()) {
        s.push_str(&format!("  /resource{path}/{{id}}:\n"));
        s.push_str(
            "    parameters: [{name: id, in: path, required: true, schema: {type: string}}]\n",
        );
        for (m, method) in methods.iter().enumerate() {
            let i = path * methods.len() + m;
            if i >= n {
                break;
            }
            s.push_str(&format!("    {method}:\n      operationId: op{i}\n"));
            if i.is_multiple_of(2) {
                s.push_str(&format!(
                    "      x-gateway-integration: {{type: http_proxy, uri: \"${{stageVariables.backend}}/r{path}/{{id}}\"}}\n"
                ));
            } else {
                s.push_str(&format!(
                    "      x-gateway-integration: {{type: mock, status: 200, body: \"op {i}\"}}\n"
                ));
            }
            s.push_str("      responses: {\"200\": {description: ok}}\n");
        }
    }
    s
}

/// Times `generate_for` on one spec file and prints a row.
fn time_build(label: &str, path: &Path, out: &Path) {
    let mut times = Vec::new();
    let mut routes = 0;
    for _ in 0..RUNS {
        let start = Instant::now();
        let result = gwc::build::generate_for(path, out, &Default::default());
        times.push(start.elapsed());
        match result {
            Ok((front, _)) => routes = front.gateway().map_or(0, |g| g.routes.len()),
            Err(gwc::build::BuildError::Spec(front)) => {
                let errors = front.diagnostics.count(gwc::Severity::Error);
                let first = front
                    .diagnostics
                    .iter()
                    .find(|d| d.severity == gwc::Severity::Error)
                    .map(|d| d.message.clone())
                    .unwrap_or_default();
                println!("{label:<58} not buildable: {errors} errors, first: {first}");
                return;
            }
            Err(e) => {
                println!("{label:<58} not buildable: {e}");
                return;
            }
        }
    }
    let (best, median) = stats(times);
    println!("{label:<58} {routes:>6} routes  best {best:>7.1} ms  median {median:>7.1} ms");
}

fn corpus() -> PathBuf {
    std::env::var_os("GWC_CORPUS").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus"),
        PathBuf::from,
    )
}

fn stats(mut times: Vec<Duration>) -> (f64, f64) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    (ms(times[0]), ms(times[times.len() / 2]))
}

fn thousand_routes() -> Gateway {
    Gateway {
        name: "thousand".into(),
        kind: ApiKind::Http,
        listen: "0.0.0.0:8080".into(),
        default_stage: "prod".into(),
        stages: vec![Stage {
            name: "prod".into(),
            variables: vec![],
        }],
        routes: (0..1000)
            .filter_map(|i| {
                let path =
                    PathTemplate::parse(&format!("/resource{}/{{id}}/sub{i}", i / 8)).ok()?;
                Some(Route {
                    id: format!("op{i}").into(),
                    method: Method::CONCRETE[i % Method::CONCRETE.len()],
                    path,
                    integration: Integration::HttpProxy(HttpProxy {
                        uri: UriTemplate::parse(&format!("http://backend.internal/r/{i}/{{id}}"))
                            .ok()?,
                    }),
                    timeout: Millis(29_000),
                    ..Route::default()
                })
            })
            .collect(),
        ..Gateway::default()
    }
}

fn main() {
    let ir = thousand_routes();
    let settings = match Settings::new("spec.yaml", RuntimeSource::Path("../runtime".to_owned())) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("cannot load the embedded lock: {e}");
            std::process::exit(1);
        }
    };
    let mut times = Vec::new();
    let mut bytes = 0;
    for _ in 0..RUNS {
        let start = Instant::now();
        let krate = gwc::codegen::generate(&ir, &settings);
        times.push(start.elapsed());
        bytes = krate.files.values().map(String::len).sum::<usize>();
    }
    let (best, median) = stats(times);
    println!(
        "{:<58} {:>6} routes  best {best:>7.1} ms  median {median:>7.1} ms  ({} KiB)",
        "codegen::generate (hand-built IR)",
        ir.routes.len(),
        bytes / 1024
    );

    let scratch = std::env::temp_dir().join(format!("gwc-bench-{}", std::process::id()));
    if let Err(e) = std::fs::create_dir_all(&scratch) {
        eprintln!("cannot create {}: {e}", scratch.display());
        std::process::exit(1);
    }
    let out = scratch.join("out");
    let synthetic = scratch.join("synthetic.yaml");
    if std::fs::write(&synthetic, synthetic_spec(1000)).is_ok() {
        time_build(
            "build::generate_for (synthetic 1,000-operation spec)",
            &synthetic,
            &out,
        );
    }
    for doc in DOCS {
        let path = corpus().join("real-apis").join(doc);
        if !path.is_file() {
            println!("{doc}: missing, skipped ({})", path.display());
            continue;
        }
        time_build(doc, &path, &out);
    }
    let _ = std::fs::remove_dir_all(&scratch);
}
