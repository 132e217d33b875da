//! The admin listener: health (`/healthz`), readiness (`/readyz`) and metrics, on its own
//! thread and runtime, never on the public listener.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use http::{HeaderValue, Request, Response, StatusCode, header};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use crate::body::Body;
use crate::telemetry::{self};

use super::{Control, local_runtime};

pub(super) fn run_admin(listener: std::net::TcpListener, control: &Arc<Control>) {
    let mut stopped = control.stopped.subscribe();
    let rt = match local_runtime() {
        Ok(rt) => rt,
        Err(e) => {
            tracing::error!(error = %e, "cannot start the admin runtime");
            return;
        }
    };
    rt.block_on(async move {
        let Ok(listener) = TcpListener::from_std(listener) else {
            tracing::error!("cannot register the admin listener");
            return;
        };
        while !*stopped.borrow_and_update() {
            tokio::select! {
                _ = stopped.changed() => break,
                accepted = listener.accept() => {
                    let Ok((stream, _)) = accepted else { continue };
                    let control = Arc::clone(control);
                    tokio::task::spawn_local(async move {
                        let svc = hyper::service::service_fn(|req: Request<Incoming>| {
                            let response = admin_response(&req, &control);
                            async move { Ok::<_, Infallible>(response) }
                        });
                        let _ = http1::Builder::new()
                            .serve_connection(TokioIo::new(stream), svc)
                            .await;
                    });
                }
            }
        }
    });
}

fn admin_response(req: &Request<Incoming>, control: &Control) -> Response<Body> {
    let read = matches!(*req.method(), http::Method::GET | http::Method::HEAD);
    if read && let Some(page) = metrics_page(req.uri().path(), control) {
        let mut resp = Response::new(Body::full(bytes::Bytes::from(page)));
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        );
        return resp;
    }
    let (status, body): (StatusCode, &'static [u8]) = match (read, req.uri().path()) {
        (true, "/healthz") => (StatusCode::OK, b"{\"status\":\"ok\"}"),
        (true, "/readyz") if is_ready(control) => (StatusCode::OK, b"{\"status\":\"ready\"}"),
        (true, "/readyz") => (
            StatusCode::SERVICE_UNAVAILABLE,
            b"{\"status\":\"not ready\"}",
        ),
        _ => (StatusCode::NOT_FOUND, b"{\"message\":\"Not Found\"}"),
    };
    let mut resp = Response::new(Body::from_static(body));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

/// Ready: every worker accepts and no shutdown has begun (load balancers stop sending then,
/// while in-flight requests drain).
fn is_ready(control: &Control) -> bool {
    !*control.shutdown.borrow() && control.accepting.load(Ordering::Relaxed) >= control.workers
}

/// The Prometheus page when `path` is the current gateway's metrics path and metrics are on.
fn metrics_page(path: &str, control: &Control) -> Option<String> {
    let gateway = Arc::clone(&control.gateway.borrow());
    let t = &gateway.telemetry;
    (t.metrics.is_some() && path == &*t.metrics_path)
        .then(|| telemetry::render_metrics(&control.metrics))
}
