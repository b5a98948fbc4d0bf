//! The endpoints, their authorisation and their bounds.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Json;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, MatchedPath, Path, Query, Request, State as Shared};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures::StreamExt;
use serde_json::{Value, json};
use tower_http::cors::CorsLayer;
use tower_http::timeout::TimeoutLayer;

use crate::error::{ApiError, ErrorClass};
use crate::loaded::Loaded;
use crate::tokens::Scope;
use crate::{State, answer, dashboard};

/// The largest request body, in bytes, but for a batch.
pub const MAX_BODY: usize = 64 * 1024;

/// The largest batch body, in bytes.
pub const MAX_BATCH_BODY: usize = 16 * 1024 * 1024;

/// Most accounts one batch may hold.
pub const MAX_BATCH: usize = 10_000;

/// The most bytes a request's headers may hold.
pub const MAX_HEADERS: usize = 16 * 1024;

/// The longest a request may take.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// The OpenAPI 3.1 document of the service, kept in the repository.
pub const OPENAPI: &str = include_str!("../openapi.json");

/// Every API route: method and path, as the OpenAPI document lists them.
pub const ROUTES: &[(&str, &str)] = &[
    ("get", "/healthz"),
    ("get", "/openapi.json"),
    ("get", "/metrics"),
    ("get", "/v1/icp"),
    ("get", "/v1/accounts"),
    ("get", "/v1/accounts/{id}"),
    ("post", "/v1/score"),
    ("post", "/v1/score/batch"),
    ("post", "/v1/personalise"),
];

/// Most accounts one page of `GET /v1/accounts` holds.
const MAX_PAGE: usize = 1_000;

/// The service over `state`: the JSON API and the dashboard.
pub fn app(state: Arc<State>) -> Router {
    let api = Router::new()
        .route("/healthz", get(healthz))
        .route("/openapi.json", get(openapi))
        .route("/metrics", get(metrics))
        .route("/v1/icp", get(icp))
        .route("/v1/accounts", get(accounts))
        .route("/v1/accounts/{id}", get(account))
        .route("/v1/score", post(score))
        .route(
            "/v1/score/batch",
            post(batch).layer(DefaultBodyLimit::max(MAX_BATCH_BODY)),
        )
        .route("/v1/personalise", post(personalise));
    let mut router = api
        .merge(dashboard::routes())
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(middleware::from_fn(bound_headers))
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ));
    if let Some(cors) = cors(&state.options.cors_origins) {
        router = router.layer(cors);
    }
    router.with_state(state)
}

/// CORS for the configured origins; none configured, none sent.
fn cors(origins: &[String]) -> Option<CorsLayer> {
    if origins.is_empty() {
        return None;
    }
    let origins: Vec<_> = origins.iter().filter_map(|o| o.parse().ok()).collect();
    Some(
        CorsLayer::new()
            .allow_origin(origins)
            .allow_methods([axum::http::Method::GET, axum::http::Method::POST])
            .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE]),
    )
}

/// Refuses a request without a bearer token of `scope`.
pub(crate) fn authorize(state: &State, headers: &HeaderMap, scope: Scope) -> Result<(), ApiError> {
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let Some(token) = presented else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            Some("authorization"),
            "a bearer token is needed: Authorization: Bearer ns_…",
        ));
    };
    match state.scopes_of(token) {
        None => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            Some("authorization"),
            "the token is not known",
        )),
        Some(scopes) if !scopes.contains(&scope) => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            Some("authorization"),
            format!("the token lacks the `{}` scope", scope.name()),
        )),
        Some(_) => Ok(()),
    }
}

/// Refuses a request whose headers hold more than [`MAX_HEADERS`] bytes.
async fn bound_headers(request: Request, next: Next) -> Response {
    let size: usize = request
        .headers()
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len())
        .sum();
    if size > MAX_HEADERS {
        return ApiError::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "too_large",
            Some("headers"),
            format!("the headers hold {size} bytes; at most {MAX_HEADERS}"),
        )
        .into_response();
    }
    next.run(request).await
}

/// Counts every answer by route, status and error class, and times it.
async fn observe(Shared(state): Shared<Arc<State>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request.extensions().get::<MatchedPath>().cloned();
    let response = next.run(request).await;
    let route = route.as_ref().map_or("unmatched", MatchedPath::as_str);
    let class = response.extensions().get::<ErrorClass>().map(|c| c.0);
    let class = class.or_else(|| response.status().is_client_error().then_some("client"));
    state.metrics.record(
        route,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
        class,
    );
    response
}

async fn not_found() -> ApiError {
    ApiError::not_found(None, "no such endpoint; see /openapi.json")
}

async fn healthz(Shared(state): Shared<Arc<State>>) -> Json<Value> {
    Json(json!({"status": "ok", "icp_version": state.loaded().icp.version}))
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

async fn metrics(Shared(state): Shared<Arc<State>>, headers: HeaderMap) -> Result<Response, ApiError> {
    if !state.options.open_metrics {
        authorize(&state, &headers, Scope::Read)?;
    }
    let text = state.metrics.text(&state.loaded().icp.version);
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response())
}

async fn icp(Shared(state): Shared<Arc<State>>, headers: HeaderMap) -> Result<Json<Value>, ApiError> {
    authorize(&state, &headers, Scope::Read)?;
    serde_json::to_value(&state.loaded().icp)
        .map(Json)
        .map_err(|_| ApiError::internal("the ICP cannot be written"))
}

/// A query parameter parsed as `T` within `range`, or a 400 naming it.
pub(crate) fn parameter<T: std::str::FromStr + PartialOrd + std::fmt::Display>(
    query: &HashMap<String, String>,
    name: &str,
    range: std::ops::RangeInclusive<T>,
) -> Result<Option<T>, ApiError> {
    let Some(text) = query.get(name).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    match text.parse::<T>() {
        Ok(x) if range.contains(&x) => Ok(Some(x)),
        _ => Err(ApiError::parameter(
            name,
            format!(
                "`{text}` is not a {name} from {} to {}",
                range.start(),
                range.end()
            ),
        )),
    }
}

async fn accounts(
    Shared(state): Shared<Arc<State>>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    authorize(&state, &headers, Scope::Read)?;
    let tier = parameter::<u8>(&query, "tier", 1..=3)?;
    let segment = parameter::<u64>(&query, "segment", 1..=u64::MAX)?;
    let limit = parameter::<usize>(&query, "limit", 1..=MAX_PAGE)?.unwrap_or(100);
    let cursor = parameter::<usize>(&query, "cursor", 0..=usize::MAX)?.unwrap_or(0);
    let loaded = state.loaded();
    let matching = loaded
        .accounts
        .iter()
        .enumerate()
        .skip(cursor)
        .filter(|(_, a)| tier.is_none_or(|t| a.tier == Some(t)))
        .filter(|(_, a)| segment.is_none_or(|s| a.segment == Some(s)));
    let page: Vec<_> = matching.take(limit + 1).collect();
    let next = (page.len() > limit).then(|| page[limit].0.to_string());
    let rows: Vec<Value> = page.iter().take(limit).map(|(_, a)| a.to_json()).collect();
    Ok(Json(
        json!({"accounts": rows, "next_cursor": next, "icp_version": loaded.icp.version}),
    ))
}

async fn account(
    Shared(state): Shared<Arc<State>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    authorize(&state, &headers, Scope::Read)?;
    match state.loaded().account(&id) {
        Some(row) => Ok(Json(row.to_json())),
        None => Err(ApiError::not_found(
            Some("id"),
            format!("no account `{id}` in the build"),
        )),
    }
}

/// The body of a request, or a 413 or 400 naming it.
fn body_of(body: Result<Bytes, BytesRejection>, limit: usize) -> Result<Bytes, ApiError> {
    body.map_err(|r| match r.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::too_large(format!("a body holds at most {limit} bytes")),
        status => ApiError::new(status, "invalid_body", Some("body"), r.body_text()),
    })
}

/// The body parsed as JSON, or a 400 saying where it is malformed.
fn json_of(body: &[u8]) -> Result<Value, ApiError> {
    serde_json::from_slice(body).map_err(|e| ApiError::malformed(format!("malformed JSON: {e}")))
}

/// A JSON request of scope score: its body, checked, and the build that answers it.
fn scoring_request(
    state: &State,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(Arc<Loaded>, Value), ApiError> {
    authorize(state, headers, Scope::Score)?;
    let body = json_of(&body_of(body, MAX_BODY)?)?;
    Ok((state.loaded(), body))
}

async fn score(
    Shared(state): Shared<Arc<State>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<answer::ScoreAnswer>, ApiError> {
    let (loaded, body) = scoring_request(&state, &headers, body)?;
    answer::score(&loaded, &body).map(Json)
}

/// NDJSON in and out: one answer per account line, in order; a line that cannot be scored
/// answers `{"line": n, "error": ...}` and the rest go on.
async fn batch(
    Shared(state): Shared<Arc<State>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    authorize(&state, &headers, Scope::Score)?;
    let body = body_of(body, MAX_BATCH_BODY)?;
    let text =
        std::str::from_utf8(&body).map_err(|e| ApiError::malformed(format!("the body is not UTF-8: {e}")))?;
    let lines: Vec<(usize, String)> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| (i + 1, l.to_owned()))
        .collect();
    if lines.len() > MAX_BATCH {
        return Err(ApiError::too_large(format!(
            "the batch holds {} accounts; at most {MAX_BATCH}",
            lines.len()
        )));
    }
    let loaded = state.loaded();
    let answers = futures::stream::iter(lines).map(move |(line, text)| {
        let answered = json_of(text.as_bytes())
            .and_then(|v| answer::score(&loaded, &v))
            .and_then(|a| serde_json::to_value(a).map_err(|e| ApiError::internal(e.to_string())));
        let mut value = answered.unwrap_or_else(|e| e.body());
        value["line"] = line.into();
        Ok::<_, std::convert::Infallible>(format!("{value}\n"))
    });
    Ok((
        [(header::CONTENT_TYPE, "application/x-ndjson")],
        Body::from_stream(answers),
    )
        .into_response())
}

async fn personalise(
    Shared(state): Shared<Arc<State>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let (loaded, body) = scoring_request(&state, &headers, body)?;
    answer::personalise(&loaded, &body).map(Json)
}
