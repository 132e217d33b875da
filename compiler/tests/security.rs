//! OpenAPI `security` requirements become authorizers where the mapping is unambiguous, and
//! are reported (never silently dropped) where it is not.

use gwc::lower::Purpose;

fn front(text: &str, purpose: Purpose) -> gwc::Frontend {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "gwc-security-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("spec.yaml");
    std::fs::write(&path, text).unwrap();
    let front = gwc::frontend_for(&path, purpose);
    let _ = std::fs::remove_dir_all(&dir);
    front
}

const SPEC: &str = r#"openapi: 3.0.3
info: {title: Secured, version: 1.0.0}
servers: [{url: "http://127.0.0.1:9000"}]
components:
  securitySchemes:
    oidc: {type: openIdConnect, openIdConnectUrl: "https://id.example.com/.well-known/openid-configuration"}
    keys: {type: apiKey, in: header, name: x-api-key}
security: [{oidc: []}]
x-gateway:
  authorizers:
    oidc: {type: jwt, issuer: "https://id.example.com", audience: [pets]}
paths:
  /pets:
    get:
      responses: {"200": {description: ok}}
    post:
      security: [{oidc: ["pets:write"]}]
      responses: {"200": {description: ok}}
  /health:
    get:
      security: []
      responses: {"200": {description: ok}}
  /public:
    get:
      x-gateway-auth: {authorizer: none}
      responses: {"200": {description: ok}}
"#;

#[test]
fn requirements_map_onto_authorizers_of_the_same_name() {
    let f = front(SPEC, Purpose::Serve);
    let gw = f.gateway().unwrap_or_else(|| panic!("{:?}", f.diagnostics));
    let auth: Vec<_> = gw
        .routes
        .iter()
        .map(|r| {
            (
                r.path.raw.to_string(),
                r.method.as_str().to_owned(),
                r.policies.auth.as_ref().map(|a| {
                    (
                        a.authorizer.0,
                        a.scopes.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                    )
                }),
            )
        })
        .collect();
    assert_eq!(
        auth,
        [
            ("/pets".into(), "GET".into(), Some((0, vec![]))),
            (
                "/pets".into(),
                "POST".into(),
                Some((0, vec!["pets:write".to_owned()]))
            ),
            ("/health".into(), "GET".into(), None),
            ("/public".into(), "GET".into(), None),
        ]
    );
}

#[test]
fn requirements_without_an_authorizer_are_reported() {
    let spec = SPEC
        .replace("security: [{oidc: []}]", "security: [{keys: []}]")
        .replace(
            "security: [{oidc: [\"pets:write\"]}]",
            "security: [{oidc: []}, {keys: []}]",
        );
    let f = front(&spec, Purpose::Serve);
    assert!(f.gateway().is_none(), "served without its security");
    let text = format!("{:?}", f.diagnostics);
    assert!(
        text.contains("the security scheme `keys` (`apiKey`) has no authorizer to enforce it"),
        "{text}"
    );
    assert!(
        text.contains("alternative security requirements (oidc or keys) cannot be enforced yet: OpenAPI admits a request that meets any one of them"),
        "{text}"
    );
    // Several schemes in one requirement: OpenAPI's AND, named as such.
    let both = SPEC.replace("security: [{oidc: []}]", "security: [{oidc: [], keys: []}]");
    let f = front(&both, Purpose::Serve);
    assert!(f.gateway().is_none(), "served without its security");
    let text = format!("{:?}", f.diagnostics);
    assert!(
        text.contains("combined security requirements (oidc and keys) cannot be enforced yet: OpenAPI requires every scheme"),
        "{text}"
    );
    // `gwc check` describes the spec, with warnings.
    let f = front(&spec, Purpose::Check);
    assert!(!f.diagnostics.has_errors(), "{:?}", f.diagnostics);
}
