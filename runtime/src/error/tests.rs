//! Gateway responses: defaults per API kind, spec overrides with substitutions.

use expect_test::expect;

use super::*;
use crate::ir::{ContentTemplate, Gateway, GatewayResponse, HeaderPair, Stage};

/// One `application/json` body, as the vocabulary's `body` gives it.
fn json(template: &'static str) -> Vec<ContentTemplate> {
    typed(&[("application/json", template)])
}

fn typed(templates: &[(&'static str, &'static str)]) -> Vec<ContentTemplate> {
    templates
        .iter()
        .map(|(content_type, template)| ContentTemplate {
            content_type: (*content_type).into(),
            template: (*template).into(),
        })
        .collect()
}

fn gateway(kind: ApiKind, responses: Vec<GatewayResponse>) -> Gateway {
    Gateway {
        name: "t".into(),
        kind,
        listen: "127.0.0.1:0".into(),
        default_stage: "default".into(),
        stages: vec![Stage {
            name: "default".into(),
            variables: vec![],
        }],
        responses,
        ..Gateway::default()
    }
}

fn show(r: Response<Body>) -> String {
    use http_body::Body as _;
    let mut headers: Vec<String> = r
        .headers()
        .iter()
        .map(|(k, v)| format!("{k}: {}", v.to_str().unwrap()))
        .collect();
    headers.sort();
    let (_, mut body) = r.into_parts();
    let waker = std::task::Waker::noop();
    let mut cx = std::task::Context::from_waker(waker);
    let mut text = String::new();
    while let std::task::Poll::Ready(Some(Ok(frame))) =
        std::pin::Pin::new(&mut body).poll_frame(&mut cx)
    {
        text.push_str(std::str::from_utf8(frame.data_ref().unwrap()).unwrap());
    }
    format!("{}\n{}", headers.join("\n"), text)
}

#[test]
fn table_indexes_match_error_types() {
    for (i, t) in ErrorType::ALL.iter().enumerate() {
        assert_eq!(*t as usize, i);
    }
}

#[test]
fn defaults_per_kind() {
    let id = HeaderValue::from_static("rid");
    let http = ErrorResponses::new(&gateway(ApiKind::Http, vec![])).unwrap();
    let rest = ErrorResponses::new(&gateway(ApiKind::Rest, vec![])).unwrap();
    assert_eq!(http.status(ErrorType::IntegrationFailure), 502);
    assert_eq!(rest.status(ErrorType::IntegrationFailure), 504);
    expect![[r#"
        content-type: application/json
        x-amzn-errortype: InternalServerErrorException
        {"message":"Bad Gateway"}"#]]
    .assert_eq(&show(http.respond(ErrorType::IntegrationFailure, &id)));
    expect![[r#"
        content-type: application/json
        x-amzn-errortype: MissingAuthenticationTokenException
        {"message":"Missing Authentication Token"}"#]]
    .assert_eq(&show(
        rest.respond(ErrorType::MissingAuthenticationToken, &id),
    ));
}

#[test]
fn overrides() {
    let id = HeaderValue::from_static("req-1");
    let gw = gateway(
        ApiKind::Http,
        vec![
            GatewayResponse {
                error_type: ErrorType::Default5xx,
                status: None,
                headers: vec![HeaderPair {
                    name: "x-env".into(),
                    value: "prod".into(),
                }],
                templates: json(
                    r#"{"error":$context.error.messageString,"raw":"$context.error.message","id":"$context.requestId","cost":"$5"}"#,
                ),
            },
            GatewayResponse {
                error_type: ErrorType::ResourceNotFound,
                status: Some(410),
                headers: vec![],
                templates: vec![],
            },
        ],
    );
    let responses = ErrorResponses::new(&gw).unwrap();
    expect![[r#"
        content-type: application/json
        x-amzn-errortype: InternalServerErrorException
        x-env: prod
        {"error":"Endpoint request timed out","raw":"Endpoint request timed out","id":"req-1","cost":"$5"}"#]]
    .assert_eq(&show(responses.respond(ErrorType::IntegrationTimeout, &id)));
    assert_eq!(responses.status(ErrorType::IntegrationTimeout), 504);
    assert_eq!(responses.status(ErrorType::ResourceNotFound), 410);
    let bad = gateway(
        ApiKind::Http,
        vec![GatewayResponse {
            error_type: ErrorType::Throttled,
            status: None,
            headers: vec![HeaderPair {
                name: "bad header".into(),
                value: "x".into(),
            }],
            templates: vec![],
        }],
    );
    assert!(matches!(
        ErrorResponses::new(&bad),
        Err(BuildError::BadHeader { .. })
    ));
}

#[test]
fn templates_are_velocity() {
    let id = HeaderValue::from_static("req-2");
    let gw = gateway(
        ApiKind::Rest,
        vec![GatewayResponse {
            error_type: ErrorType::Default4xx,
            status: None,
            headers: vec![],
            templates: json(
                "#if($context.error.responseType == 'THROTTLED')\n{\"retry\": true, \"stage\": \"$context.stage\", \"region\": \"$stageVariables.region\"}\n#else\n{\"message\": $context.error.messageString}\n#end",
            ),
        }],
    );
    let vars = std::collections::HashMap::from([("region", "eu-west-1")]);
    let responses = ErrorResponses::for_stage(&gw, "prod", &vars).unwrap();
    expect![[r#"
        content-type: application/json
        x-amzn-errortype: TooManyRequestsException
        {"retry": true, "stage": "prod", "region": "eu-west-1"}
    "#]]
    .assert_eq(&show(responses.respond(ErrorType::Throttled, &id)));
    expect![[r#"
        content-type: application/json
        x-amzn-errortype: UnauthorizedException
        {"message": "Unauthorized"}
    "#]]
    .assert_eq(&show(responses.respond(ErrorType::Unauthorized, &id)));
    let bad = gateway(
        ApiKind::Rest,
        vec![GatewayResponse {
            error_type: ErrorType::Default4xx,
            status: None,
            headers: vec![],
            templates: json("#if($x) never closed"),
        }],
    );
    assert!(ErrorResponses::new(&bad).is_err());
}

/// Every response type AWS documents (and the ones gwc adds) takes an override of its own:
/// status, headers and a template body reading `$context.error.*`, `$context.requestId` and
/// `$stageVariables`; none falls back to DEFAULT_4XX/5XX once overridden.
#[test]
fn every_response_type_is_overridable() {
    let id = HeaderValue::from_static("req-3");
    let responses: Vec<GatewayResponse> = ErrorType::ALL
        .iter()
        .enumerate()
        .map(|(i, t)| GatewayResponse {
            error_type: *t,
            status: Some(if i % 2 == 0 { 400 + i as u16 } else { 500 + i as u16 }),
            headers: vec![HeaderPair {
                name: "x-overridden".into(),
                value: t.as_str().into(),
            }],
            templates: json(r#"{"type": "$context.error.responseType", "message": $context.error.messageString, "id": "$context.requestId", "region": "$stageVariables.region"}"#),
        })
        .collect();
    let gw = gateway(ApiKind::Rest, responses);
    let vars = std::collections::HashMap::from([("region", "eu-west-1")]);
    let table = ErrorResponses::for_stage(&gw, "prod", &vars).unwrap();
    for (i, t) in ErrorType::ALL.iter().enumerate() {
        let want = if i % 2 == 0 { 400 + i } else { 500 + i };
        assert_eq!(usize::from(table.status(*t).as_u16()), want, "{t:?}");
        let resp = table.respond(*t, &id);
        assert_eq!(usize::from(resp.status().as_u16()), want, "{t:?}");
        let shown = show(resp);
        assert!(
            shown.contains(&format!("x-overridden: {}", t.as_str())),
            "{t:?}: {shown}"
        );
        let body = shown.lines().last().unwrap();
        let json: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(json["type"], t.as_str(), "{t:?}");
        assert_eq!(json["message"], t.message(), "{t:?}");
        assert_eq!(json["id"], "req-3", "{t:?}");
        assert_eq!(json["region"], "eu-west-1", "{t:?}");
    }
}

/// A response with bodies for several content types answers the one the request's `Accept`
/// names first (parameters and quality ignored, case-insensitive), else `application/json`'s,
/// with the chosen type in `Content-Type`; a spec without `application/json` falls back to
/// its first type.
#[test]
fn bodies_are_chosen_by_accept() {
    let id = HeaderValue::from_static("req-4");
    let gw = gateway(
        ApiKind::Rest,
        vec![
            GatewayResponse {
                error_type: ErrorType::Unauthorized,
                status: None,
                headers: vec![],
                templates: typed(&[
                    ("text/html", "<p>$context.error.message</p>"),
                    (
                        "application/json",
                        r#"{"error": $context.error.messageString}"#,
                    ),
                    ("application/xml", "<error>$context.error.message</error>"),
                ]),
            },
            GatewayResponse {
                error_type: ErrorType::Throttled,
                status: None,
                headers: vec![],
                templates: typed(&[("text/plain", "slow down"), ("text/html", "<p>slow</p>")]),
            },
        ],
    );
    let table = ErrorResponses::new(&gw).unwrap();
    assert!(table.negotiates());
    let answer = |kind, accept: Option<&'static str>| {
        let accept = accept.map(HeaderValue::from_static);
        let e = GatewayError::new(kind, "x");
        show(table.answer_for(*e, &id, None, accept.as_ref()))
    };
    let head = "x-amzn-errortype: UnauthorizedException";
    assert_eq!(
        answer(ErrorType::Unauthorized, Some("text/html")),
        format!("content-type: text/html\n{head}\n<p>Unauthorized</p>")
    );
    assert_eq!(
        answer(
            ErrorType::Unauthorized,
            Some("image/png, Application/XML;q=0.9, text/html")
        ),
        format!("content-type: application/xml\n{head}\n<error>Unauthorized</error>")
    );
    for accept in [
        None,
        Some("*/*"),
        Some("image/png"),
        Some("application/json"),
    ] {
        assert_eq!(
            answer(ErrorType::Unauthorized, accept),
            format!("content-type: application/json\n{head}\n{{\"error\": \"Unauthorized\"}}"),
            "{accept:?}"
        );
    }
    let head = "x-amzn-errortype: TooManyRequestsException";
    assert_eq!(
        answer(ErrorType::Throttled, None),
        format!("content-type: text/plain\n{head}\nslow down")
    );
    assert_eq!(
        answer(ErrorType::Throttled, Some("text/html")),
        format!("content-type: text/html\n{head}\n<p>slow</p>")
    );
    // A response type without an override keeps its default, whatever the Accept.
    assert_eq!(
        answer(ErrorType::ResourceNotFound, Some("text/html")),
        "content-type: application/json\nx-amzn-errortype: ResourceNotFoundException\n{\"message\":\"Not Found\"}"
    );
    assert!(
        !ErrorResponses::new(&gateway(ApiKind::Rest, vec![]))
            .unwrap()
            .negotiates()
    );
}

/// `$context.error.validationErrorString` reaches a spec's template from the error (empty when
/// validation did not refuse the request); the default body stays AWS's `{"message": …}`.
#[test]
fn templates_read_the_validation_error_string() {
    let id = HeaderValue::from_static("req-9");
    let gw = gateway(
        ApiKind::Rest,
        vec![GatewayResponse {
            error_type: ErrorType::BadRequestBody,
            status: None,
            headers: vec![],
            templates: json(
                r#"{"message": $context.error.messageString, "errors": "$util.escapeJavaScript($context.error.validationErrorString)"}"#,
            ),
        }],
    );
    let responses = ErrorResponses::new(&gw).unwrap();
    let refused = GatewayError::new(ErrorType::BadRequestBody, "log only")
        .with_validation(r#"[object has missing required properties (["name"])]"#);
    expect![[r#"
        content-type: application/json
        x-amzn-errortype: BadRequestException
        {"message": "Invalid request body", "errors": "[object has missing required properties ([\"name\"])]"}"#]]
    .assert_eq(&show(responses.answer(*refused, &id)));
    let plain = GatewayError::new(ErrorType::BadRequestBody, "log only");
    expect![[r#"
        content-type: application/json
        x-amzn-errortype: BadRequestException
        {"message": "Invalid request body", "errors": ""}"#]]
    .assert_eq(&show(responses.answer(*plain, &id)));
    let defaults = ErrorResponses::new(&gateway(ApiKind::Rest, vec![])).unwrap();
    let refused = GatewayError::new(ErrorType::BadRequestBody, "log only")
        .with_validation("[the request body is empty]");
    expect![[r#"
        content-type: application/json
        x-amzn-errortype: BadRequestException
        {"message":"Invalid request body"}"#]]
    .assert_eq(&show(defaults.answer(*refused, &id)));
}
