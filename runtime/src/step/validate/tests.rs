use std::rc::Rc;

use bytes::Bytes;
use http::{HeaderValue, Method, Request};

use super::{Validate, query_has};
use crate::args::RuntimeArgs;
use crate::body::RequestBody;
use crate::error::GatewayError;
use crate::gateway::Gateway;
use crate::integration::proxy::ClientInfo;
use crate::ir::{
    self, BodySchema, ErrorType, Mock, ParamIn, PathTemplate, RequestModel, RequiredParam, Route,
    Validator, ValidatorId,
};
use crate::pipeline::RequestContext;
use crate::step::{Check, RequestStep, Verdict};

const PET: &str = r##"{
  "type": "object",
  "required": ["name"],
  "properties": {
    "name": {"type": "string", "minLength": 1},
    "tag": {"$ref": "#/components/schemas/Tag"}
  },
  "components": {"schemas": {"Tag": {"type": ["string", "null"], "maxLength": 8}}}
}"##;

fn gateway(body: bool, parameters: bool) -> Gateway {
    let route = Route {
        id: "createPet".into(),
        method: ir::Method::Post,
        path: PathTemplate::parse("/pets/{shop}").unwrap(),
        integration: ir::Integration::Mock(Mock::default()),
        policies: ir::RoutePolicies {
            validation: Some(ValidatorId(0)),
            ..ir::RoutePolicies::default()
        },
        request: RequestModel {
            required: vec![
                RequiredParam {
                    location: ParamIn::Path,
                    name: "shop".into(),
                },
                RequiredParam {
                    location: ParamIn::Query,
                    name: "lang".into(),
                },
                RequiredParam {
                    location: ParamIn::Header,
                    name: "X-Tenant".into(),
                },
                RequiredParam {
                    location: ParamIn::Query,
                    name: "dry run".into(),
                },
            ],
            body_required: true,
            bodies: vec![
                BodySchema {
                    content_type: "application/json".into(),
                    schema: PET.into(),
                },
                BodySchema {
                    content_type: "text/plain".into(),
                    schema: r#"{"type":"string"}"#.into(),
                },
            ],
        },
        ..Route::default()
    };
    let ir = ir::Gateway {
        routes: vec![route],
        validators: vec![Validator {
            name: "all".into(),
            body,
            parameters,
        }],
        ..ir::Gateway::default()
    };
    Gateway::from_ir(&ir, &RuntimeArgs::default()).unwrap()
}

fn step(gw: &Gateway) -> &Validate {
    gw.routes[0]
        .steps
        .validate
        .as_ref()
        .expect("validator compiled")
}

fn run(
    v: &Validate,
    uri: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Result<(), Box<GatewayError>> {
    run_noting(v, uri, headers, body).0
}

/// [`run`], with the validation error string the step left in the request context (what
/// the access log reads).
fn run_noting(
    v: &Validate,
    uri: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (Result<(), Box<GatewayError>>, Option<Box<str>>) {
    let mut b = Request::builder().method(Method::POST).uri(uri);
    for (k, val) in headers {
        b = b.header(*k, *val);
    }
    let mut req = b
        .body(RequestBody::Buffered(Bytes::from(body.to_owned())))
        .unwrap();
    let client = Rc::new(ClientInfo {
        ip: HeaderValue::from_static("192.0.2.1"),
        receiving_body: Rc::new(std::cell::Cell::new(false)),
    });
    let mut ctx = RequestContext::new(HeaderValue::from_static("id"), client, Method::POST);
    let result = match v.check(&(), &mut ctx, &mut req) {
        Check::Done(Ok(Verdict::Continue)) => Ok(()),
        Check::Done(Ok(Verdict::Respond(_))) => panic!("validation never answers"),
        Check::Done(Err(e)) => Err(e),
        Check::Pending(_) => panic!("validation has no slow path"),
    };
    (result, ctx.validation_error)
}

const OK_HEADERS: &[(&str, &str)] = &[("x-tenant", "t1"), ("content-type", "application/json")];

#[test]
fn missing_parameters_are_listed_as_aws_does() {
    let gw = gateway(true, true);
    let v = step(&gw);
    let e = run(v, "/pets/s1", &[], r#"{"name":"rex"}"#).unwrap_err();
    assert_eq!(e.kind, ErrorType::BadRequestParameters);
    assert_eq!(
        e.message.as_deref(),
        Some("Missing required request parameters: [lang, X-Tenant, dry run]")
    );
    let e = run(v, "/pets/s1?lang=en&dry+run", &[], r#"{"name":"rex"}"#).unwrap_err();
    assert_eq!(
        e.message.as_deref(),
        Some("Missing required request parameters: [X-Tenant]")
    );
    run(
        v,
        "/pets/s1?lang=&dry%20run=1",
        OK_HEADERS,
        r#"{"name":"rex"}"#,
    )
    .unwrap();
}

#[test]
fn bodies_are_checked_against_their_media_types_schema() {
    let gw = gateway(true, false);
    let v = step(&gw);
    run(v, "/pets/s1", OK_HEADERS, r#"{"name":"rex","tag":null}"#).unwrap();
    // No Content-Type: application/json, as AWS assumes.
    run(v, "/pets/s1", &[], r#"{"name":"rex","tag":"good"}"#).unwrap();
    for bad in [
        r#"{"tag":"x"}"#,
        r#"{"name":""}"#,
        r#"{"name":"rex","tag":"much too long"}"#,
        r#"{"name": 3}"#,
        "not json",
        "",
    ] {
        let e = run(v, "/pets/s1", OK_HEADERS, bad).unwrap_err();
        assert_eq!(e.kind, ErrorType::BadRequestBody, "{bad}");
        assert!(e.message.is_none());
    }
    let e = run(v, "/pets/s1", OK_HEADERS, r#"{"tag":"x"}"#).unwrap_err();
    assert!(
        e.detail.contains("\"name\" is a required property"),
        "{}",
        e.detail
    );
    // Media type parameters and case do not matter.
    run(
        v,
        "/pets/s1",
        &[("content-type", "Application/JSON; charset=utf-8")],
        r#"{"name":"rex"}"#,
    )
    .unwrap();
    // A declared non-JSON media type is accepted unparsed.
    run(v, "/pets/s1", &[("content-type", "text/plain")], "anything").unwrap();
    // An undeclared media type for a required body: 415.
    let e = run(v, "/pets/s1", &[("content-type", "image/png")], "png").unwrap_err();
    assert_eq!(e.kind, ErrorType::UnsupportedMediaType);
}

/// `$context.error.validationErrorString`: AWS's bracketed list in its validator's words, the
/// same text on the error (for templates) and in the request context (for the access log).
#[test]
fn validation_error_strings_read_as_aws_writes_them() {
    let gw = gateway(true, true);
    let v = step(&gw);
    let q = "/pets/s1?lang=en&dry+run";
    let mut table = String::new();
    for body in [
        r#"{"tag":"x"}"#,
        r#"{"name":""}"#,
        r#"{"name":"rex","tag":"much too long"}"#,
        r#"{"name": 3, "tag": 4}"#,
        r#"[1]"#,
        "not json",
        "",
    ] {
        let (result, noted) = run_noting(v, q, OK_HEADERS, body);
        let e = result.unwrap_err();
        assert_eq!(e.validation, noted, "{body}");
        table.push_str(&format!(
            "{body} → {}\n",
            e.validation.as_deref().unwrap_or("-")
        ));
    }
    let (result, noted) = run_noting(v, "/pets/s1", &[], r#"{"name":"rex"}"#);
    let e = result.unwrap_err();
    assert_eq!(e.validation, noted);
    table.push_str(&format!(
        "(no lang) → {}\n",
        noted.as_deref().unwrap_or("-")
    ));
    expect_test::expect![[r#"
        {"tag":"x"} → [object has missing required properties (["name"])]
        {"name":""} → [string "" is too short (length: 0, required minimum: 1)]
        {"name":"rex","tag":"much too long"} → [string "much too long" is too long (length: 13, maximum allowed: 8)]
        {"name": 3, "tag": 4} → [instance type (integer) does not match any allowed primitive type (allowed: ["string"]), instance type (integer) does not match any allowed primitive type (allowed: ["null","string"])]
        [1] → [instance type (array) does not match any allowed primitive type (allowed: ["object"])]
        not json → [the request body is not JSON: expected ident at line 1 column 2]
         → [the request body is empty]
        (no lang) → Missing required request parameters: [lang, X-Tenant, dry run]
    "#]]
    .assert_eq(&table);
    // An accepted request leaves nothing behind.
    let (result, noted) = run_noting(v, q, OK_HEADERS, r#"{"name":"rex"}"#);
    assert!(result.is_ok() && noted.is_none());
}

#[test]
fn a_validator_that_checks_nothing_compiles_to_nothing() {
    let gw = gateway(false, false);
    assert!(gw.routes[0].steps.validate.is_none());
    let gw = gateway(false, true);
    assert!(!step(&gw).needs_body());
    run(
        step(&gw),
        "/pets/s1?lang=en&dry+run",
        &[("x-tenant", "a")],
        "not json",
    )
    .unwrap();
}

#[test]
fn query_names_are_compared_decoded() {
    assert!(query_has("a=1&b", "b"));
    assert!(query_has("a%5B%5D=1", "a[]"));
    assert!(!query_has("ab=1", "a"));
    assert!(!query_has("", "a"));
    assert!(!query_has("=a", "a"));
}

#[test]
fn missing_parameter_messages_reach_the_client_as_aws_writes_them() {
    let gw = gateway(true, true);
    let e = run(step(&gw), "/pets/s1", OK_HEADERS, "{}").unwrap_err();
    let resp = gw.errors.answer(*e, &HeaderValue::from_static("rid"));
    assert_eq!(resp.status(), 400);
    let body = futures_body(resp);
    assert_eq!(
        body,
        r#"{"message":"Missing required request parameters: [lang, dry run]"}"#
    );
}

fn futures_body(resp: http::Response<crate::body::Body>) -> String {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let bytes = rt.block_on(async {
        http_body_util::BodyExt::collect(resp.into_body())
            .await
            .unwrap()
            .to_bytes()
    });
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// A Rust-first `#[gateway(GET, "/search", validate(parameters))]` handler taking
/// `Query<Search>` and `Header<String>`: what its record's `document` gathers, as the
/// expansion writes it (the `Query<T>` probe finds `Search`'s schema).
mod rust_first {
    use crate::handler::{
        ArgDoc, ArgIn, Error, HandlerFuture, Handlers, OperationDoc, Query, QueryProbe, Request,
        RouteDef, ValidateDef, ViaQuerySchema as _,
    };
    use crate::ir;

    #[derive(serde::Deserialize, schemars::JsonSchema)]
    #[allow(dead_code)]
    pub(super) struct Search {
        term: String,
        page: Option<u32>,
        #[serde(default)]
        sort: String,
        #[serde(rename = "max-price")]
        max_price: u32,
    }

    fn route() -> ir::Route {
        ir::Route {
            id: "search".into(),
            method: ir::Method::Get,
            path: ir::PathTemplate::parse("/search").unwrap(),
            integration: ir::Integration::Rust(ir::RustHandler {
                handler: "shop::search".into(),
            }),
            ..ir::Route::default()
        }
    }

    fn call(_: Request<'_>) -> HandlerFuture<'_> {
        Box::pin(async { Err(Error::internal("the validator refuses first")) })
    }

    fn document(op: &mut OperationDoc) {
        op.args.push(ArgDoc {
            name: "x-tenant".to_owned(),
            location: ArgIn::Header,
            required: true,
            type_name: "String".to_owned(),
        });
        op.args.push(ArgDoc {
            name: "q".to_owned(),
            location: ArgIn::Query,
            required: false,
            type_name: "Search".to_owned(),
        });
        if let Some(schema) = QueryProbe::<Query<Search>>::NEW.gwc_query_schema() {
            op.query_schemas.push(schema);
        }
    }

    pub(super) static SEARCH: RouteDef = RouteDef {
        name: "search",
        module: "shop",
        method: "GET",
        path: "/search",
        authorizer: None,
        validate: Some(ValidateDef {
            body: false,
            parameters: true,
        }),
        route,
        call,
        check: |_| Ok(()),
        document,
        doc: "",
    };

    pub(super) fn handlers() -> Handlers {
        Handlers::new().route(&SEARCH)
    }
}

/// `validate(parameters)` on a Rust-first handler requires the fields its `Query<T>` type's
/// schema requires, beside its required headers, through this same step: a spec route's
/// status, message and `$context.error.validationErrorString`, before the handler runs.
#[test]
fn rust_first_query_fields_are_required_parameters() {
    let app = crate::App::new("shop").with_handlers(rust_first::handlers());
    let ir = app.ir();
    let required: Vec<(ParamIn, &str)> = ir.routes[0]
        .request
        .required
        .iter()
        .map(|p| (p.location, p.name.as_ref()))
        .collect();
    // `page` is an `Option`, `sort` has a serde default: neither is required.
    assert_eq!(
        required,
        [
            (ParamIn::Header, "x-tenant"),
            (ParamIn::Query, "max-price"),
            (ParamIn::Query, "term"),
        ]
    );
    let args = RuntimeArgs::default();
    let state = crate::connect_state(&ir, &args).unwrap();
    let gw = Gateway::from_ir_with_handlers(&ir, &args, &state, app.handlers()).unwrap();
    let v = step(&gw);
    assert!(!v.needs_body());
    let tenant: &[(&str, &str)] = &[("x-tenant", "t1")];
    for (uri, headers, missing) in [
        ("/search", &[][..], "[x-tenant, max-price, term]"),
        ("/search?page=2&sort=asc", tenant, "[max-price, term]"),
        ("/search?max-price=9&page=2", tenant, "[term]"),
        ("/search?term=tea", tenant, "[max-price]"),
    ] {
        let (result, noted) = run_noting(v, uri, headers, "");
        let e = result.unwrap_err();
        let message = format!("Missing required request parameters: {missing}");
        assert_eq!(e.kind, ErrorType::BadRequestParameters, "{uri}");
        assert_eq!(e.message.as_deref(), Some(message.as_str()), "{uri}");
        assert_eq!(e.validation.as_deref(), Some(message.as_str()), "{uri}");
        assert_eq!(noted.as_deref(), Some(message.as_str()), "{uri}");
    }
    let (result, noted) = run_noting(v, "/search?term=&max-price=3", tenant, "");
    assert!(result.is_ok() && noted.is_none());
}
