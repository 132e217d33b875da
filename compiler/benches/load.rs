//! Load timing of the eight real APIs in the shared corpus: `cargo bench -p gwc --bench load`.
//!
//! Prints, per document, the best and median wall time of `load` (read + parse + `$ref`s) and of
//! `Api::from_document`, over several runs in a release build. It also times the YAML reader on
//! the JSON documents, which is why JSON files go through the hand-written JSON reader.
//! The corpus path comes from `GWC_CORPUS` (default `<workspace>/../shared/corpus`).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use gwc::Diagnostics;
use gwc::source::SourceMap;

const DOCS: &[&str] = &[
    "digitalocean/specification/DigitalOcean-public.v2.yaml",
    "twilio-api-v2010/twilio_api_v2010.yaml",
    "box/openapi.json",
    "openai/openapi.yaml",
    "prefect/schema.json",
    "adyen/Webhooks-v1.json",
    "slack/slack_web_openapi_v2.json",
    "kubernetes/swagger-v1.11.3.json",
];

const RUNS: usize = 7;

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

fn main() {
    let root = corpus().join("real-apis");
    if !root.is_dir() {
        println!("skipped: corpus not found at {}", root.display());
        return;
    }
    println!(
        "{:<58} {:>6} {:>12} {:>12} {:>12}",
        "document", "files", "load best", "load median", "load+api med"
    );
    for doc in DOCS {
        let path = root.join(doc);
        let mut load_times = Vec::new();
        let mut total_times = Vec::new();
        let mut files = 0;
        for _ in 0..RUNS {
            let mut sources = SourceMap::new();
            let mut diags = Diagnostics::new();
            let t0 = Instant::now();
            let loaded = gwc::load::load(&path, &mut sources, &mut diags);
            let t1 = Instant::now();
            if let Some(d) = &loaded {
                files = d.file_count();
                let api = gwc::openapi::Api::from_document(d, &sources, &mut diags);
                std::hint::black_box(&api);
            }
            let t2 = Instant::now();
            load_times.push(t1 - t0);
            total_times.push(t2 - t0);
        }
        let (best, median) = stats(load_times);
        let (_, total) = stats(total_times);
        println!("{doc:<58} {files:>6} {best:>9.1} ms {median:>9.1} ms {total:>9.1} ms");
    }
    println!();
    println!("JSON documents read by the YAML reader instead (parse only, median):");
    for doc in DOCS.iter().filter(|d| d.ends_with(".json")) {
        let text = match std::fs::read_to_string(root.join(doc)) {
            Ok(t) => t,
            Err(e) => {
                println!("{doc}: {e}");
                continue;
            }
        };
        let mut json = Vec::new();
        let mut yaml = Vec::new();
        for _ in 0..RUNS {
            let mut diags = Diagnostics::new();
            let t0 = Instant::now();
            std::hint::black_box(gwc::load::bench_parse(&text, false, &mut diags));
            let t1 = Instant::now();
            std::hint::black_box(gwc::load::bench_parse(&text, true, &mut diags));
            let t2 = Instant::now();
            json.push(t1 - t0);
            yaml.push(t2 - t1);
        }
        let (_, j) = stats(json);
        let (_, y) = stats(yaml);
        println!("{doc:<58} json reader {j:>7.1} ms   yaml reader {y:>7.1} ms");
    }
}
