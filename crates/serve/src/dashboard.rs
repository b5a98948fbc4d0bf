//! The dashboard at `/`: server-rendered pages that read without JavaScript.
//!
//! Sign-in is a form that takes a token. The session cookie holds a random session id, never the
//! token: HttpOnly, SameSite=Strict. Every form that changes something (sign in, sign out, score)
//! carries a CSRF token checked against the session (or, before sign-in, against a cookie of its
//! own). The filter form of the accounts table is a GET that changes nothing and carries none,
//! so that no secret lands in a URL. Pages: the ICP at a glance, the build's report with its
//! charts, the accounts by tier with search and filters, one account's reasons, and a form that
//! scores a company.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Form;
use axum::Router;
use axum::extract::{Path, Query, State as Shared};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use maud::{DOCTYPE, Markup, PreEscaped, html};
use northstar_output::figures::group;
use northstar_profile::words;
use rand::RngCore;
use serde_json::{Map, Value};
use subtle::ConstantTimeEq;

use crate::State;
use crate::answer::{self, ScoreAnswer};
use crate::loaded::{AccountRow, Loaded};
use crate::routes::parameter;
use crate::tokens::{self, Scope, Tokens};

/// The session cookie.
const SESSION: &str = "ns_session";
/// The cookie that carries the sign-in form's CSRF token.
const SIGN_IN: &str = "ns_sign_in";
/// How long a session lasts.
const SESSION_LIFE: Duration = Duration::from_secs(8 * 3600);
/// Accounts per page of the table.
const PAGE: usize = 50;

/// The dashboard's routes.
pub fn routes() -> Router<Arc<State>> {
    Router::new()
        .route("/", get(home))
        .route("/sign-in", post(sign_in))
        .route("/sign-out", post(sign_out))
        .route("/report", get(report))
        .route("/accounts", get(accounts))
        .route("/accounts/{id}", get(account))
        .route("/score", get(score_form).post(score))
}

/// One signed-in browser.
#[derive(Debug, Clone)]
struct Session {
    token_sha256: String,
    scopes: Vec<Scope>,
    csrf: String,
    expires: Instant,
}

/// The signed-in browsers, by session id.
#[derive(Debug, Default)]
pub struct Sessions {
    inner: Mutex<HashMap<String, Session>>,
}

impl Sessions {
    /// Ends every session whose token is no longer in `tokens`.
    pub fn keep_only(&self, tokens: &Tokens) {
        let mut sessions = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        sessions.retain(|_, s| tokens.holds(&s.token_sha256));
    }

    fn start(&self, token: &str, scopes: Vec<Scope>) -> String {
        let id = random();
        let session = Session {
            token_sha256: tokens::hash(token),
            scopes,
            csrf: random(),
            expires: Instant::now() + SESSION_LIFE,
        };
        let mut sessions = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        sessions.retain(|_, s| s.expires > Instant::now());
        sessions.insert(id.clone(), session);
        id
    }

    fn find(&self, id: &str) -> Option<Session> {
        let sessions = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        sessions.get(id).filter(|s| s.expires > Instant::now()).cloned()
    }

    fn end(&self, id: &str) {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).remove(id);
    }
}

/// 32 random bytes in base64url.
fn random() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Whether two secrets are equal, compared in constant time.
fn same(a: &str, b: &str) -> bool {
    bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// The value of cookie `name` of a request.
fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Strict, for the whole site.
fn set_cookie(name: &str, value: &str, max_age: u64) -> HeaderValue {
    let text = format!("{name}={value}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}");
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The refusal of a form whose CSRF token is not its session's; none when it is.
fn stale(csrf: Option<&String>, session: &Session) -> Option<Response> {
    if csrf.is_some_and(|c| same(c, &session.csrf)) {
        return None;
    }
    let content = html! { p.error { "The form is stale: open it again." } };
    Some(html_response(
        StatusCode::FORBIDDEN,
        page("Refused", Some(session), content),
    ))
}

/// The session of a request and its id, if it is signed in.
fn session_of(state: &State, headers: &HeaderMap) -> Option<(String, Session)> {
    let id = cookie(headers, SESSION)?;
    state.sessions.find(id).map(|s| (id.to_owned(), s))
}

/// A page's frame: title, navigation, content.
fn page(title: &str, signed_in: Option<&Session>, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · northstar" }
                style { (PreEscaped(northstar_report::style::CSS)) (PreEscaped(EXTRA_CSS)) }
            }
            body {
                header {
                    nav aria-label="Dashboard" {
                        a href="/" { "northstar" }
                        @if let Some(session) = signed_in {
                            " · " a href="/report" { "Report" }
                            " · " a href="/accounts" { "Accounts" }
                            " · " a href="/score" { "Score a company" }
                            form.inline method="post" action="/sign-out" {
                                input type="hidden" name="csrf" value=(session.csrf);
                                button type="submit" { "Sign out" }
                            }
                        }
                    }
                }
                main { (content) }
            }
        }
    }
}

/// Styles the dashboard adds to the report's.
const EXTRA_CSS: &str = "header nav { display: flex; gap: 0.4rem; align-items: center; flex-wrap: wrap; \
    border-bottom: 1px solid var(--line); padding-bottom: 0.5rem; } form.inline { margin-left: auto; } \
    label { display: block; margin: 0.4rem 0; } input, select, button { font: inherit; padding: 0.2rem 0.4rem; } \
    p.error { color: var(--bad); font-weight: 600; }";

/// An HTML response with `status`.
fn html_response(status: StatusCode, markup: Markup) -> Response {
    let content_type = [(header::CONTENT_TYPE, "text/html; charset=utf-8")];
    let mut response = (status, content_type, markup.into_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        "content-security-policy",
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'"),
    );
    headers.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    response
}

/// The sign-in page, with a fresh CSRF token in its form and cookie.
fn sign_in_page(status: StatusCode, problem: Option<&str>) -> Response {
    let csrf = random();
    let content = html! {
        h1 { "Sign in" }
        p { "Paste an API token with the " code { "read" } " scope (" code { "northstar token new" } " makes one)." }
        @if let Some(problem) = problem { p.error role="alert" { (problem) } }
        form method="post" action="/sign-in" {
            input type="hidden" name="csrf" value=(csrf);
            label { "Token " input type="password" name="token" autocomplete="off" required; }
            button type="submit" { "Sign in" }
        }
    };
    let mut response = html_response(status, page("Sign in", None, content));
    response
        .headers_mut()
        .append(header::SET_COOKIE, set_cookie(SIGN_IN, &csrf, 600));
    response
}

/// The page of a signed-in request, else the sign-in page.
fn signed_in(state: &State, headers: &HeaderMap, render: impl FnOnce(&Session) -> Response) -> Response {
    match session_of(state, headers) {
        Some((_, session)) => render(&session),
        None => sign_in_page(StatusCode::UNAUTHORIZED, None),
    }
}

async fn home(Shared(state): Shared<Arc<State>>, headers: HeaderMap) -> Response {
    let Some((_, session)) = session_of(&state, &headers) else {
        return sign_in_page(StatusCode::OK, None);
    };
    let loaded = state.loaded();
    html_response(StatusCode::OK, page("The ICP", Some(&session), overview(&loaded)))
}

/// The ICP at a glance: filters, top signals, tiers and the accounts by tier.
fn overview(loaded: &Loaded) -> Markup {
    let icp = &loaded.icp;
    let labels = &icp.labels;
    // Customers and prospects by tier; index 0 holds those outside the SAM.
    let mut by_tier = [[0u64; 2]; 4];
    for a in &loaded.accounts {
        by_tier[a.tier.map_or(0, usize::from)][usize::from(a.kind == "prospect")] += 1;
    }
    let rows = [1, 2, 3, 0].map(|t| {
        let (name, filter) = match t {
            0 => ("Outside the SAM".to_owned(), "outside".to_owned()),
            t => (format!("Tier {t}"), t.to_string()),
        };
        (name, filter, by_tier[t])
    });
    html! {
        h1 { "The ICP, version " (icp.version) }
        p.lede { "Learned from " (group(icp.customers)) " customers by " (icp.objective) ". "
            a href="/report" { "The full report" } " has every chart." }
        h2 { "Who is in the market" }
        ul.rules { @for f in &icp.filters { li { (words::rule_words(&f.rule, labels)) } } }
        h2 { "What makes a customer worth more" }
        ol.rules {
            @for s in icp.signals.iter().filter(|s| s.points > 0).take(5) {
                li { (format!("{:+}", s.points)) " points: " (words::rule_words(&s.rule, labels)) }
            }
        }
        h2 { "Accounts by tier" }
        table {
            thead { tr { th { "Tier" } th.n { "Customers" } th.n { "Prospects" } } }
            tbody {
                @for (name, filter, [customers, prospects]) in &rows {
                    tr {
                        td { a href={"/accounts?tier=" (filter)} { (name) } }
                        td.n { (group(*customers)) }
                        td.n { (group(*prospects)) }
                    }
                }
            }
        }
    }
}

async fn report(Shared(state): Shared<Arc<State>>, headers: HeaderMap) -> Response {
    signed_in(&state, &headers, |_| {
        match fs_err::read_to_string(state.out.join("report.html")) {
            Ok(text) => html_response(StatusCode::OK, PreEscaped(text)),
            Err(e) => html_response(
                StatusCode::NOT_FOUND,
                html! { p.error { "The build has no report: " (e.to_string()) } },
            ),
        }
    })
}

/// Whether an account matches the table's search text (id, name or domain) and tier.
fn matches(a: &AccountRow, search: &str, tier: Option<&str>) -> bool {
    let tier_ok = match tier {
        None | Some("") => true,
        Some("outside") => a.tier.is_none(),
        Some(t) => a.tier.map(|x| x.to_string()).as_deref() == Some(t),
    };
    if !tier_ok {
        return false;
    }
    if search.is_empty() {
        return true;
    }
    let found = |s: &str| s.to_lowercase().contains(search);
    found(&a.account_id)
        || ["name", "domain"]
            .iter()
            .any(|k| a.attributes.get(*k).is_some_and(|v| found(v)))
}

async fn accounts(
    Shared(state): Shared<Arc<State>>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    signed_in(&state, &headers, |session| {
        let loaded = state.loaded();
        let search = query
            .get("q")
            .map(|q| q.trim().to_lowercase())
            .unwrap_or_default();
        let tier = query.get("tier").map(String::as_str);
        let start = match parameter::<usize>(&query, "page", 1..=usize::MAX) {
            Ok(p) => (p.unwrap_or(1) - 1).saturating_mul(PAGE),
            Err(e) => {
                return html_response(
                    StatusCode::BAD_REQUEST,
                    page("Accounts", Some(session), html! { p.error { (e.message) } }),
                );
            }
        };
        let found: Vec<&AccountRow> = loaded
            .accounts
            .iter()
            .filter(|a| matches(a, &search, tier))
            .collect();
        let shown = found.iter().skip(start).take(PAGE);
        let next = (start + PAGE < found.len()).then(|| start / PAGE + 2);
        let content = html! {
            h1 { "Accounts" }
            form method="get" action="/accounts" {
                label { "Search " input type="search" name="q" value=(search); }
                label { "Tier "
                    select name="tier" {
                        @for (value, text) in [("", "Any"), ("1", "Tier 1"), ("2", "Tier 2"), ("3", "Tier 3"), ("outside", "Outside the SAM")] {
                            option value=(value) selected[tier == Some(value)] { (text) }
                        }
                    }
                }
                button type="submit" { "Filter" }
            }
            p { (group(found.len() as u64)) " accounts, best first." }
            div.scroll { table {
                thead { tr { th { "Account" } th { "Kind" } th.n { "Tier" } th.n { "Fit score" } th { "Top reasons" } } }
                tbody { @for a in shown { tr {
                    td { a href={"/accounts/" (a.account_id)} { (a.attributes.get("name").unwrap_or(&a.account_id)) } }
                    td { (a.kind) }
                    td.n { (a.tier.map(|t| t.to_string()).unwrap_or_else(|| "–".into())) }
                    td.n { (a.fit_score) }
                    td { (a.reasons.split("; ").skip(1).take(3).map(|r| loaded.for_people(r)).collect::<Vec<_>>().join("; ")) }
                } } }
            } }
            @if let Some(next) = next {
                @let query = serde_urlencoded::to_string([("q", search.as_str()), ("tier", tier.unwrap_or("")), ("page", &next.to_string())]).unwrap_or_default();
                p { a href={"/accounts?" (query)} { "Next page" } }
            }
        };
        html_response(StatusCode::OK, page("Accounts", Some(session), content))
    })
}

async fn account(Shared(state): Shared<Arc<State>>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    signed_in(&state, &headers, |session| {
        let loaded = state.loaded();
        let Some(a) = loaded.account(&id) else {
            let content =
                html! { h1 { "No such account" } p { "No account " code { (id) } " in this build." } };
            return html_response(
                StatusCode::NOT_FOUND,
                page("No such account", Some(session), content),
            );
        };
        let [near_id, near_name, near_url] = &a.nearest;
        let content = html! {
            h1 { (a.attributes.get("name").unwrap_or(&a.account_id)) }
            p.lede {
                (a.kind) " " code { (a.account_id) } ": "
                @match a.tier { Some(t) => { "tier " (t) }, None => { "outside the SAM" } }
                ", fit score " (a.fit_score) "."
            }
            h2 { "Why this score" }
            p { "The reasons add up to the score." }
            ul.rules { @for reason in a.reasons.split("; ") { li { (loaded.for_people(reason)) } } }
            @if let Some(reach) = &a.to_tier_1 { h2 { "The way to tier 1" } ul.rules { @for step in reach.split("; ") { li { (loaded.for_people(step)) } } } }
            @if let Some(near) = near_id {
                h2 { "Nearest profitable customer" }
                p { (near_name.as_deref().unwrap_or(near)) " (" code { (near) } ")"
                    @if let Some(url) = near_url { ": " a href=(url) rel="noopener noreferrer" { "case study" } } }
            }
            @if !a.attributes.is_empty() {
                h2 { "Attributes" }
                table { tbody { @for (k, v) in &a.attributes { tr { th { (words::label(k, &loaded.icp.labels)) } td { (v) } } } } }
            }
        };
        html_response(StatusCode::OK, page(&a.account_id, Some(session), content))
    })
}

/// The form that scores a company, filled with `values`, and what it answered.
fn score_page(
    loaded: &Loaded,
    session: &Session,
    values: &BTreeMap<String, String>,
    answered: Option<Result<ScoreAnswer, String>>,
) -> Markup {
    let labels = &loaded.icp.labels;
    let content = html! {
        h1 { "Score a company" }
        @if !session.scopes.contains(&Scope::Score) {
            p.error role="alert" { "Your token lacks the score scope: this form will be refused." }
        }
        form method="post" action="/score" {
            input type="hidden" name="csrf" value=(session.csrf);
            label { "Name " input type="text" name="name" value=(values.get("name").map_or("", String::as_str)); }
            @for attribute in loaded.icp.attributes() {
                label { (words::label(&attribute, labels)) " "
                    input type="text" name=(attribute) value=(values.get(&attribute).map_or("", String::as_str)); }
            }
            p { "Lists take ; between items. Leave a field blank when it is unknown." }
            button type="submit" { "Score" }
        }
        @match answered {
            Some(Ok(result)) => {
                h2 { "Result" }
                p.reading {
                    @match result.tier { Some(t) => { "Tier " (t) }, None => { "Outside the SAM" } }
                    ", fit score " (result.fit_score) "."
                }
                ul.rules { @for reason in result.reasons.split("; ") { li { (loaded.for_people(reason)) } } }
                @if !result.to_tier_1.is_empty() { p { "The way to tier 1: " (result.to_tier_1) } }
                @if let Some(near) = &result.nearest_customer {
                    p { "Nearest profitable customer: " (near.name.as_deref().unwrap_or(&near.account_id)) }
                }
            },
            Some(Err(problem)) => { p.error role="alert" { (problem) } },
            None => {},
        }
    };
    page("Score a company", Some(session), content)
}

async fn score_form(Shared(state): Shared<Arc<State>>, headers: HeaderMap) -> Response {
    signed_in(&state, &headers, |session| {
        html_response(
            StatusCode::OK,
            score_page(&state.loaded(), session, &BTreeMap::new(), None),
        )
    })
}

async fn score(
    Shared(state): Shared<Arc<State>>,
    headers: HeaderMap,
    Form(form): Form<BTreeMap<String, String>>,
) -> Response {
    let Some((_, session)) = session_of(&state, &headers) else {
        return sign_in_page(StatusCode::UNAUTHORIZED, Some("Sign in first."));
    };
    if let Some(refused) = stale(form.get("csrf"), &session) {
        return refused;
    }
    let loaded = state.loaded();
    let values: BTreeMap<String, String> = form
        .into_iter()
        .filter(|(k, v)| k != "csrf" && !v.trim().is_empty())
        .collect();
    if !session.scopes.contains(&Scope::Score) {
        let refused = Some(Err("Your token lacks the score scope.".to_owned()));
        return html_response(
            StatusCode::FORBIDDEN,
            score_page(&loaded, &session, &values, refused),
        );
    }
    let object: Map<String, Value> = values
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    let answered = answer::score(&loaded, &Value::Object(object)).map_err(|e| match e.field {
        Some(field) => format!("{field}: {}", e.message),
        None => e.message,
    });
    let status = if answered.is_ok() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    html_response(status, score_page(&loaded, &session, &values, Some(answered)))
}

async fn sign_in(
    Shared(state): Shared<Arc<State>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let expected = cookie(&headers, SIGN_IN);
    let presented = form.get("csrf");
    if !matches!((expected, presented), (Some(e), Some(p)) if same(e, p)) {
        return sign_in_page(StatusCode::FORBIDDEN, Some("The form is stale: sign in again."));
    }
    let token = form.get("token").map(|t| t.trim()).unwrap_or_default();
    match state.scopes_of(token) {
        Some(scopes) if scopes.contains(&Scope::Read) => {
            let id = state.sessions.start(token, scopes);
            let mut response = Redirect::to("/").into_response();
            let headers = response.headers_mut();
            headers.append(
                header::SET_COOKIE,
                set_cookie(SESSION, &id, SESSION_LIFE.as_secs()),
            );
            headers.append(header::SET_COOKIE, set_cookie(SIGN_IN, "", 0));
            response
        }
        Some(_) => sign_in_page(StatusCode::FORBIDDEN, Some("That token lacks the read scope.")),
        None => sign_in_page(StatusCode::UNAUTHORIZED, Some("That token is not known.")),
    }
}

async fn sign_out(
    Shared(state): Shared<Arc<State>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if let Some((id, session)) = session_of(&state, &headers) {
        if let Some(refused) = stale(form.get("csrf"), &session) {
            return refused;
        }
        state.sessions.end(&id);
    }
    let mut response = Redirect::to("/").into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, set_cookie(SESSION, "", 0));
    response
}
