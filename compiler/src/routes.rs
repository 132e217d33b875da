//! The route table `gwc routes` prints: one row per route, as a table or JSON.

use serde::Serialize;

use crate::lower::Lowered;

/// One row of the route table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RouteRow {
    /// `GET`, …, or `ANY`.
    pub method: &'static str,
    /// Path template as written.
    pub path: String,
    /// Integration kind and target (`http_proxy ${stageVariables.backend}/pets`, `mock 200`).
    pub integration: String,
    /// Authorizer name, or `none`.
    pub auth: String,
    /// `none` when the route needs no API key; otherwise `key: ` and the plans whose keys it
    /// admits, each with the route throttle that plan sets for it (`silver (20/s, burst 5)`).
    pub plan: String,
    /// Whether a usage-plan API key is required (`x-gateway-api-key: required`).
    pub api_key_required: bool,
    /// Names of the plans whose keys the route admits, in spec order; empty without a key.
    pub plans: Vec<String>,
    /// The entry's time to live and the request values in its key, or `off`.
    pub cache: String,
}

/// The rows of a lowered gateway, in spec order.
pub fn rows(lowered: &Lowered) -> Vec<RouteRow> {
    let gateway = &lowered.gateway;
    gateway
        .routes
        .iter()
        .enumerate()
        .map(|(index, r)| {
            let id = gwc_ir::RouteId(u32::try_from(index).unwrap_or(u32::MAX));
            let (plan, plans) = plan_cell(gateway, id, r.policies.api_key_required);
            RouteRow {
                method: r.method.as_str(),
                path: r.path.raw.to_string(),
                integration: match &r.integration {
                    gwc_ir::Integration::HttpProxy(p) => format!("http_proxy {}", p.uri.raw),
                    gwc_ir::Integration::Mock(m) => format!("mock {}", m.status),
                    gwc_ir::Integration::Rust(r) => format!("rust {}", r.handler),
                },
                auth: r
                    .policies
                    .auth
                    .as_ref()
                    .and_then(|a| gateway.authorizers.get(a.authorizer.index()))
                    .map_or_else(|| "none".to_owned(), |a| a.name.to_string()),
                plan,
                api_key_required: r.policies.api_key_required,
                plans,
                cache: r
                    .policies
                    .cache
                    .as_ref()
                    .map_or_else(|| "off".to_owned(), cache_cell),
            }
        })
        .collect()
}

/// The PLAN cell and the plan names. Every plan's keys open every route that requires a key
/// (plans are not scoped to routes); a plan's `route_throttles` entry for the route is shown
/// beside its name, since that is the limit its keys meet there.
fn plan_cell(
    gateway: &gwc_ir::Gateway,
    route: gwc_ir::RouteId,
    required: bool,
) -> (String, Vec<String>) {
    if !required {
        return ("none".to_owned(), Vec::new());
    }
    if gateway.plans.is_empty() {
        return (
            "key: no plan (every request refused)".to_owned(),
            Vec::new(),
        );
    }
    let names: Vec<String> = gateway.plans.iter().map(|p| p.name.to_string()).collect();
    let cells: Vec<String> = gateway
        .plans
        .iter()
        .map(
            |p| match p.route_throttles.iter().find(|t| t.route == route) {
                Some(t) => format!(
                    "{} ({}/s, burst {})",
                    p.name, t.throttle.rate, t.throttle.burst
                ),
                None => p.name.to_string(),
            },
        )
        .collect();
    (format!("key: {}", cells.join(", ")), names)
}

/// The time to live and the key's request values as the spec writes them
/// (`60s (path.id, query.lang)`), then `shared` when callers of an authorized route share
/// entries.
fn cache_cell(cache: &gwc_ir::CachePolicy) -> String {
    let mut cell = duration(cache.ttl);
    let parts: Vec<String> = cache
        .key
        .iter()
        .map(|part| match part {
            gwc_ir::CacheKeyPart::Path(n) => format!("path.{n}"),
            gwc_ir::CacheKeyPart::Query(n) => format!("query.{n}"),
            gwc_ir::CacheKeyPart::Header(n) => format!("header.{n}"),
        })
        .collect();
    if !parts.is_empty() {
        cell.push_str(&format!(" ({})", parts.join(", ")));
    }
    if cache.shared {
        cell.push_str(" shared");
    }
    cell
}

/// A duration in the largest unit that writes it exactly, as a spec would (`5m`, `1500ms`).
fn duration(ms: gwc_ir::Millis) -> String {
    let ms = ms.0;
    for (unit, size) in [
        ("d", 86_400_000),
        ("h", 3_600_000),
        ("m", 60_000),
        ("s", 1_000),
    ] {
        if ms != 0 && ms.is_multiple_of(size) {
            return format!("{}{unit}", ms / size);
        }
    }
    format!("{ms}ms")
}

/// Renders rows as an aligned text table with a header.
pub fn to_table(rows: &[RouteRow]) -> String {
    let header = ["METHOD", "PATH", "INTEGRATION", "AUTH", "PLAN", "CACHE"];
    let cells: Vec<[&str; 6]> = rows
        .iter()
        .map(|r| {
            [
                r.method,
                &r.path,
                &r.integration,
                &r.auth,
                &r.plan,
                &r.cache,
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(&header).chain(&cells) {
        let line: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out.push_str(&format!(
        "{} route{}\n",
        rows.len(),
        if rows.len() == 1 { "" } else { "s" }
    ));
    out
}

/// Renders rows as a JSON array.
pub fn to_json(rows: &[RouteRow]) -> String {
    let mut s = serde_json::to_string_pretty(rows).unwrap_or_else(|_| "[]".to_owned());
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(spec: &str) -> String {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(spec);
        let front = crate::frontend(&path);
        assert!(
            !front.diagnostics.has_errors(),
            "{}",
            front.diagnostics.render(&front.sources, false)
        );
        to_table(&rows(front.lowered.as_ref().expect("lowered")))
    }

    /// The plans example: key-only routes name every plan (a plan's route throttle beside it),
    /// the cached route shows its ttl and key, the public ones `none` and `off`.
    #[test]
    fn plans_and_cache_columns_come_from_the_ir() {
        expect_test::expect![[r#"
            METHOD  PATH           INTEGRATION                                        AUTH  PLAN                               CACHE
            GET     /pets          http_proxy ${stageVariables.backend}/pets          none  key: gold, silver                  off
            GET     /pets/{id}     http_proxy ${stageVariables.backend}/pets/{id}     none  key: gold, silver (20/s, burst 5)  off
            GET     /catalog/{id}  http_proxy ${stageVariables.backend}/catalog/{id}  none  none                               1m (path.id, query.lang)
            GET     /status        mock 200                                           none  none                               off
            4 routes
        "#]]
        .assert_eq(&table("specs/plans/spec.yaml"));
    }

    #[test]
    fn durations_are_written_as_a_spec_would() {
        let cases = [
            (0, "0ms"),
            (1_500, "1500ms"),
            (60_000, "1m"),
            (90_000, "90s"),
            (86_400_000, "1d"),
        ];
        for (ms, want) in cases {
            assert_eq!(duration(gwc_ir::Millis(ms)), want);
        }
    }

    /// JSON carries the same facts as fields a script can read without parsing the cell.
    #[test]
    fn json_lists_plan_names() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs/plans/spec.yaml");
        let front = crate::frontend(&path);
        let rows = rows(front.lowered.as_ref().expect("lowered"));
        let json: serde_json::Value = serde_json::from_str(&to_json(&rows)).expect("json");
        assert_eq!(json[0]["api_key_required"], true);
        assert_eq!(json[0]["plans"], serde_json::json!(["gold", "silver"]));
        assert_eq!(json[3]["api_key_required"], false);
        assert_eq!(json[3]["plans"], serde_json::json!([]));
    }
}
