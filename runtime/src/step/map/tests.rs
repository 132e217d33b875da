use std::cell::Cell;
use std::rc::Rc;

use bytes::Bytes;
use http::{HeaderValue, Method, Request, Response};

use super::{MapRequest, MapResponse};
use crate::args::RuntimeArgs;
use crate::body::{Body, RequestBody};
use crate::gateway::Gateway;
use crate::integration::proxy::ClientInfo;
use crate::ir::{
    self, ChangeAction, MappedParam, Mapping, MappingSide, Mock, ParamChange, PathTemplate, Route,
    Stage, StageVariable, parse_value,
};
use crate::pipeline::RequestContext;
use crate::router::Lookup;
use crate::step::{Check, RequestStep, ResponseStep, Verdict};

fn change(
    action: ChangeAction,
    target: MappedParam,
    value: &str,
    side: MappingSide,
) -> ParamChange {
    ParamChange {
        action,
        target,
        value: parse_value(value, side).unwrap(),
    }
}

fn gateway() -> Gateway {
    use ChangeAction::{Append, Remove, Set};
    use MappedParam::{Header, Query};
    let req = MappingSide::Request;
    let resp = MappingSide::Response;
    let route = Route {
        id: "getOrder".into(),
        method: ir::Method::Get,
        path: PathTemplate::parse("/shops/{shop}/orders/{id}").unwrap(),
        integration: ir::Integration::Mock(Mock::default()),
        mapping: Mapping {
            method: Some("post".into()),
            request: vec![
                change(Set, Query("tenant".into()), "$request.header.x-tenant", req),
                change(Set, Header("x-tenant".into()), "", req),
                change(Set, Query("order id".into()), "$request.path.id", req),
                change(Append, Query("tag".into()), "b&c", req),
                change(Remove, Query("debug".into()), "", req),
                change(
                    Set,
                    Header("authorization".into()),
                    "Bearer ${stageVariables.token}",
                    req,
                ),
                change(
                    Set,
                    Header("x-origin".into()),
                    "$context.httpMethod $context.resourcePath $context.stage from $context.identity.sourceIp q=$request.querystring.q",
                    req,
                ),
                change(Append, Header("via".into()), "gwc", req),
            ],
            response: vec![
                change(Set, Header("x-request".into()), "$context.requestId", resp),
                change(
                    Set,
                    Header("x-kind".into()),
                    "order/$response.header.x-type",
                    resp,
                ),
                change(Remove, Header("server".into()), "", resp),
            ],
        },
        ..Route::default()
    };
    let ir = ir::Gateway {
        routes: vec![route],
        stages: vec![Stage {
            name: "default".into(),
            variables: vec![StageVariable {
                name: "token".into(),
                value: "s3cr3t".into(),
            }],
        }],
        ..ir::Gateway::default()
    };
    Gateway::from_ir(&ir, &RuntimeArgs::default()).unwrap()
}

fn context(gw: &Gateway, uri: &str) -> RequestContext {
    let client = Rc::new(ClientInfo {
        ip: HeaderValue::from_static("192.0.2.7"),
        receiving_body: Rc::new(Cell::new(false)),
    });
    let mut ctx = RequestContext::new(HeaderValue::from_static("req-9"), client, Method::GET);
    let path = uri.split('?').next().unwrap();
    match gw.router.lookup(&Method::GET, path) {
        Lookup::Found(id, params) => {
            ctx.route = Some(id);
            ctx.params = params;
        }
        _ => panic!("no route for {uri}"),
    }
    ctx
}

#[test]
fn requests_are_rewritten_from_the_request_as_sent() {
    let gw = gateway();
    let step: &MapRequest = gw.routes[0].steps.map_request.as_ref().unwrap();
    let uri = "/shops/s1/orders/A%2F7?q=hello+world&debug=1&tag=a";
    let mut ctx = context(&gw, uri);
    let mut req = Request::builder()
        .uri(uri)
        .header("x-tenant", "t1")
        .header("via", "client")
        .body(RequestBody::Buffered(Bytes::new()))
        .unwrap();
    match step.check(&(), &mut ctx, &mut req) {
        Check::Done(Ok(Verdict::Continue)) => {}
        other => panic!("unexpected {:?}", matches!(other, Check::Pending(_))),
    }
    assert_eq!(req.method(), Method::POST);
    assert_eq!(
        req.uri().to_string(),
        "/shops/s1/orders/A%2F7?q=hello+world&tag=a&tenant=t1&order%20id=A%2F7&tag=b%26c"
    );
    let headers = req.headers();
    assert!(headers.get("x-tenant").is_none());
    assert_eq!(headers["authorization"], "Bearer s3cr3t");
    assert_eq!(
        headers["x-origin"],
        "GET /shops/{shop}/orders/{id} default from 192.0.2.7 q=hello world"
    );
    let via: Vec<_> = headers.get_all("via").iter().collect();
    assert_eq!(via, ["client", "gwc"]);
}

#[test]
fn responses_get_their_headers() {
    let gw = gateway();
    let step: &MapResponse = gw.routes[0].steps.map_response.as_ref().unwrap();
    let ctx = context(&gw, "/shops/s1/orders/1");
    let mut resp = Response::new(Body::empty());
    resp.headers_mut()
        .insert("x-type", HeaderValue::from_static("gift"));
    resp.headers_mut()
        .insert("server", HeaderValue::from_static("backend/1.0"));
    step.on_response(&(), &ctx, &mut resp).unwrap();
    assert_eq!(resp.headers()["x-request"], "req-9");
    assert_eq!(resp.headers()["x-kind"], "order/gift");
    assert!(resp.headers().get("server").is_none());
}

#[test]
fn a_route_without_mapping_has_no_steps() {
    let ir = ir::Gateway {
        routes: vec![Route {
            id: "r".into(),
            path: PathTemplate::parse("/").unwrap(),
            ..Route::default()
        }],
        ..ir::Gateway::default()
    };
    let gw = Gateway::from_ir(&ir, &RuntimeArgs::default()).unwrap();
    assert!(gw.routes[0].steps.map_request.is_none());
    assert!(gw.routes[0].steps.map_response.is_none());
}
