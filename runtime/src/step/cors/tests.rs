use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Request, Response, StatusCode};

use super::{Cors, CorsRequest};
use crate::args::RuntimeArgs;
use crate::body::{Body, RequestBody};
use crate::gateway::Gateway;
use crate::ir::{self, CorsId, CorsPolicy, Method, Millis, Mock, PathTemplate, Route};

fn route(method: Method, path: &str, cors: Option<u32>) -> Route {
    let mut r = Route {
        id: format!("{} {path}", method.as_str()).into(),
        method,
        path: PathTemplate::parse(path).unwrap(),
        integration: ir::Integration::Mock(Mock::default()),
        ..Route::default()
    };
    r.policies.cors = cors.map(CorsId);
    r
}

fn gateway() -> Gateway {
    let ir = ir::Gateway {
        routes: vec![
            route(Method::Get, "/pets", Some(0)),
            route(Method::Post, "/pets", Some(0)),
            route(Method::Get, "/private", Some(1)),
            route(Method::Get, "/plain", None),
        ],
        cors_policies: vec![
            CorsPolicy {
                allow_origins: vec![
                    "https://app.example.com".into(),
                    "https://*.example.org".into(),
                ],
                allow_headers: vec!["Content-Type".into(), "Authorization".into()],
                expose_headers: vec!["X-Total".into()],
                max_age: Some(Millis(600_000)),
                allow_credentials: true,
                ..CorsPolicy::default()
            },
            CorsPolicy {
                allow_origins: vec!["*".into()],
                allow_methods: vec!["get".into()],
                allow_headers: vec!["*".into()],
                ..CorsPolicy::default()
            },
        ],
        cors: Some(CorsId(0)),
        ..ir::Gateway::default()
    };
    Gateway::from_ir(&ir, &RuntimeArgs::default()).unwrap()
}

fn cors(gw: &Gateway) -> &Cors {
    gw.api_steps.cors.as_ref().expect("CORS compiled")
}

fn request(method: &str, path: &str, headers: &[(&str, &str)]) -> Request<RequestBody> {
    let mut b = Request::builder().method(method).uri(path);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    b.body(RequestBody::Buffered(Bytes::new())).unwrap()
}

fn shown(headers: &HeaderMap) -> String {
    let mut lines: Vec<String> = headers
        .iter()
        .map(|(k, v)| format!("{k}: {}", v.to_str().unwrap()))
        .collect();
    lines.sort();
    lines.join("\n")
}

#[test]
fn preflight_of_a_route_with_an_allowed_origin() {
    let gw = gateway();
    let req = request(
        "OPTIONS",
        "/pets",
        &[
            ("origin", "https://app.example.com"),
            ("access-control-request-method", "POST"),
            ("access-control-request-headers", "content-type"),
        ],
    );
    let resp = cors(&gw).preflight(&req).expect("answered");
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    expect_test::expect![[r#"
        access-control-allow-credentials: true
        access-control-allow-headers: Content-Type,Authorization
        access-control-allow-methods: POST
        access-control-allow-origin: https://app.example.com
        access-control-max-age: 600
        vary: Origin"#]]
    .assert_eq(&shown(resp.headers()));
}

#[test]
fn preflight_with_wildcard_origins_methods_and_headers() {
    let gw = gateway();
    let sub = request(
        "OPTIONS",
        "/pets",
        &[
            ("origin", "https://Shop.Example.org"),
            ("access-control-request-method", "GET"),
        ],
    );
    let resp = cors(&gw).preflight(&sub).unwrap();
    assert_eq!(
        resp.headers()["access-control-allow-origin"],
        "https://Shop.Example.org"
    );
    // `https://*.example.org` does not match the bare domain or another scheme.
    for origin in [
        "https://example.org",
        "http://a.example.org",
        "https://a.example.org.evil",
    ] {
        let req = request(
            "OPTIONS",
            "/pets",
            &[("origin", origin), ("access-control-request-method", "GET")],
        );
        let resp = cors(&gw).preflight(&req).unwrap();
        assert!(
            !resp.headers().contains_key("access-control-allow-origin"),
            "{origin}"
        );
        assert_eq!(resp.headers()["vary"], "Origin");
    }
    let any = request(
        "OPTIONS",
        "/private",
        &[
            ("origin", "https://anyone.test"),
            ("access-control-request-method", "GET"),
            ("access-control-request-headers", "x-custom, authorization"),
        ],
    );
    let resp = cors(&gw).preflight(&any).unwrap();
    expect_test::expect![[r#"
        access-control-allow-headers: x-custom, authorization
        access-control-allow-methods: GET
        access-control-allow-origin: *"#]]
    .assert_eq(&shown(resp.headers()));
}

#[test]
fn not_a_preflight_goes_on_to_routing() {
    let gw = gateway();
    let c = cors(&gw);
    assert!(c.preflight(&request("OPTIONS", "/pets", &[])).is_none());
    assert!(
        c.preflight(&request(
            "OPTIONS",
            "/pets",
            &[("origin", "https://app.example.com")]
        ))
        .is_none()
    );
    assert!(
        c.preflight(&request(
            "GET",
            "/pets",
            &[
                ("origin", "https://app.example.com"),
                ("access-control-request-method", "GET")
            ]
        ))
        .is_none()
    );
}

#[test]
fn preflight_on_an_unknown_path_uses_the_api_policy() {
    let gw = gateway();
    let req = request(
        "OPTIONS",
        "/nowhere",
        &[
            ("origin", "https://app.example.com"),
            ("access-control-request-method", "DELETE"),
        ],
    );
    let resp = cors(&gw).preflight(&req).unwrap();
    assert_eq!(
        resp.headers()["access-control-allow-origin"],
        "https://app.example.com"
    );
    // No method list configured and no route serves it: none allowed.
    assert!(!resp.headers().contains_key("access-control-allow-methods"));
}

fn decorated(
    gw: &Gateway,
    route: Option<u32>,
    origin: Option<&str>,
    mut resp: Response<Body>,
) -> Response<Body> {
    let request = CorsRequest {
        origin: origin.map(|o| HeaderValue::from_str(o).unwrap()),
        preflight: false,
    };
    cors(gw).decorate(route, &request, &mut resp);
    resp
}

#[test]
fn responses_and_errors_get_the_routes_headers() {
    let gw = gateway();
    let mut backend = Response::new(Body::empty());
    backend
        .headers_mut()
        .insert("access-control-allow-origin", HeaderValue::from_static("*"));
    backend
        .headers_mut()
        .insert("vary", HeaderValue::from_static("Accept-Encoding"));
    let resp = decorated(&gw, Some(0), Some("https://app.example.com"), backend);
    expect_test::expect![[r#"
        access-control-allow-credentials: true
        access-control-allow-origin: https://app.example.com
        access-control-expose-headers: X-Total
        vary: Accept-Encoding
        vary: Origin"#]]
    .assert_eq(&shown(resp.headers()));

    // A gateway error of an unmatched request: the API-wide policy.
    let mut error = Response::new(Body::empty());
    *error.status_mut() = StatusCode::NOT_FOUND;
    let resp = decorated(&gw, None, Some("https://app.example.com"), error);
    assert_eq!(
        resp.headers()["access-control-allow-origin"],
        "https://app.example.com"
    );

    // No Origin: no CORS headers, but `Vary: Origin` for caches.
    let resp = decorated(&gw, Some(0), None, Response::new(Body::empty()));
    assert_eq!(shown(resp.headers()), "vary: Origin");

    // A route without a policy is left alone.
    let resp = decorated(
        &gw,
        Some(3),
        Some("https://app.example.com"),
        Response::new(Body::empty()),
    );
    assert!(resp.headers().is_empty());

    // `*` without credentials: no `Vary`.
    let resp = decorated(
        &gw,
        Some(2),
        Some("https://x.test"),
        Response::new(Body::empty()),
    );
    assert_eq!(shown(resp.headers()), "access-control-allow-origin: *");
}

#[test]
fn no_cors_configured_compiles_to_nothing() {
    let ir = ir::Gateway {
        routes: vec![route(Method::Get, "/pets", None)],
        ..ir::Gateway::default()
    };
    let gw = Gateway::from_ir(&ir, &RuntimeArgs::default()).unwrap();
    assert!(gw.api_steps.cors.is_none());
}
