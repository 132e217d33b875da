//! `x-gateway.waf.enabled` (the whole firewall) and `x-gateway-waf.enabled` (the API-wide rules
//! for one route) lower to the IR the runtime reads.

use gwc::lower::Purpose;

fn front(text: &str) -> gwc::Frontend {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "gwc-waf-switches-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("spec.yaml");
    std::fs::write(&path, text).unwrap();
    let front = gwc::frontend_for(&path, Purpose::Serve);
    let _ = std::fs::remove_dir_all(&dir);
    front
}

fn spec(api_enabled: &str) -> String {
    format!(
        r#"openapi: 3.0.3
info: {{title: Switches, version: 1.0.0}}
x-gateway:
  waf:
    enabled: {api_enabled}
    default_action: block
paths:
  /guarded:
    get:
      x-gateway-integration: {{type: mock, status: 200}}
      responses: {{"200": {{description: ok}}}}
  /query-console:
    post:
      x-gateway-integration: {{type: mock, status: 200}}
      x-gateway-waf:
        enabled: false
        rules:
          - {{type: rate_based, name: console_flood, limit: 5, window: 1m, key: ip}}
      responses: {{"200": {{description: ok}}}}
"#
    )
}

#[test]
fn a_route_opts_out_of_the_api_wide_rules() {
    let f = front(&spec("true"));
    let gw = f.gateway().unwrap_or_else(|| panic!("{:?}", f.diagnostics));
    assert!(gw.waf.is_some(), "the API-wide set is on");
    let off: Vec<_> = gw
        .routes
        .iter()
        .map(|r| {
            (
                r.path.raw.to_string(),
                r.policies.api_waf_off,
                r.policies.waf.is_some(),
            )
        })
        .collect();
    assert_eq!(
        off,
        [
            ("/guarded".to_owned(), false, false),
            ("/query-console".to_owned(), true, true),
        ],
        "only the opted-out route skips the API-wide rules; its own rules stay"
    );
}

#[test]
fn the_whole_firewall_can_be_switched_off() {
    let f = front(&spec("false"));
    let gw = f.gateway().unwrap_or_else(|| panic!("{:?}", f.diagnostics));
    assert!(gw.waf.is_none(), "no API-wide set");
    assert!(
        gw.routes.iter().all(|r| r.policies.waf.is_none()),
        "no route set either"
    );
    assert!(gw.waf_rule_sets.is_empty());
}
