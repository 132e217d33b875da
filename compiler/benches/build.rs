//! `gwc build` timing: `cargo bench -p gwc --bench build`.
//!
//! Prints the best and median wall time, over several runs in a release build, of
//! - `codegen::generate` on a hand-built IR of 1,000 routes (the DESIGN.md budget: "`gwc build`
//!   of a 1,000-operation spec in well under a second"), and
//! - the whole of `gwc build` minus the disk writes (`build::generate_for`: load, lower, check,
//!   generate) on the large real APIs of the shared corpus that declare a server, so every
//!   operation becomes a proxy route. The corpus path comes from `GWC_CORPUS` (default
//!   `<workspace>/../shared/corpus`); missing documents are reported and skipped.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use gwc::codegen::{RuntimeSource, Settings};
use gwc_ir::{
    ApiKind, Gateway, HttpProxy, Integration, Limits, Method, Millis, PathTemplate, Route, Stage,
};

const RUNS: usize = 7;

const DOCS: &[&str] = &[
    "kubernetes/swagger-v1.11.3.json",
    "digitalocean/specification/DigitalOcean-public.v2.yaml",
    "box/openapi.json",
    "openai/openapi.yaml",
];

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
        base_path: None,
        limits: Limits::default(),
        responses: vec![],
        routes: (0..1000)
            .filter_map(|i| {
                let path =
                    PathTemplate::parse(&format!("/resource{}/{{id}}/sub{i}", i / 8)).ok()?;
                Some(Route {
                    id: format!("op{i}").into(),
                    method: Method::CONCRETE[i % Method::CONCRETE.len()],
                    path,
                    integration: Integration::HttpProxy(HttpProxy {
                        uri: format!("http://backend.internal/r/{i}/{{id}}").into(),
                        timeout: Millis(29_000),
                    }),
                    timeout: None,
                })
            })
            .collect(),
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

    let out = Path::new("/tmp/gwc-bench-out");
    for doc in DOCS {
        let path = corpus().join("real-apis").join(doc);
        if !path.is_file() {
            println!("{doc}: missing, skipped ({})", path.display());
            continue;
        }
        let mut times = Vec::new();
        let mut routes = 0;
        let mut failed = None;
        for _ in 0..RUNS {
            let start = Instant::now();
            let result = gwc::build::generate_for(&path, out, &Default::default());
            times.push(start.elapsed());
            match result {
                Ok((front, _)) => {
                    routes = front.gateway().map_or(0, |g| g.routes.len());
                }
                Err(gwc::build::BuildError::Spec(front)) => {
                    failed = Some(format!(
                        "{} errors",
                        front.diagnostics.count(gwc::Severity::Error)
                    ));
                    break;
                }
                Err(e) => {
                    failed = Some(e.to_string());
                    break;
                }
            }
        }
        match failed {
            Some(why) => println!("{doc:<58} not buildable: {why}"),
            None => {
                let (best, median) = stats(times);
                println!(
                    "{doc:<58} {routes:>6} routes  best {best:>7.1} ms  median {median:>7.1} ms"
                );
            }
        }
    }
}
