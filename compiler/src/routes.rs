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
    /// Usage plan requirement, or `none`.
    pub plan: String,
    /// Cache setting, or `off`.
    pub cache: String,
}

/// The rows of a lowered gateway, in spec order.
pub fn rows(lowered: &Lowered) -> Vec<RouteRow> {
    lowered
        .gateway
        .routes
        .iter()
        .map(|r| RouteRow {
            method: r.method.as_str(),
            path: r.path.raw.to_string(),
            integration: match &r.integration {
                gwc_ir::Integration::HttpProxy(p) => format!("http_proxy {}", p.uri.raw),
                gwc_ir::Integration::Mock(m) => format!("mock {}", m.status),
                gwc_ir::Integration::Rust(r) => format!("rust {}", r.handler),
            },
            // Plans and the cache are not implemented yet: specs that use them are rejected by
            // lowering ("not supported yet"), so every route served has none.
            auth: r
                .policies
                .auth
                .as_ref()
                .and_then(|a| lowered.gateway.authorizers.get(a.authorizer.index()))
                .map_or_else(|| "none".to_owned(), |a| a.name.to_string()),
            plan: "none".to_owned(),
            cache: "off".to_owned(),
        })
        .collect()
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
