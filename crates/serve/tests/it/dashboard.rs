//! The dashboard: sign-in with a token into a session cookie that never holds it, CSRF on
//! every form that changes something, and the pages.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};

use crate::support::{csv_rows, json, request, send, served, state, text};

/// The value of the hidden `csrf` input of a page.
fn csrf_of(page: &str) -> String {
    let at = page.find("name=\"csrf\" value=\"").expect("a CSRF field") + 19;
    page[at..].split('"').next().expect("a value").to_owned()
}

/// The `name=value` of the cookie `name` a response sets, and its attributes.
fn set_cookie(response: &axum::http::Response<Body>, name: &str) -> (String, String) {
    let line = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|v| v.starts_with(&format!("{name}=")))
        .expect("the cookie is set");
    let (pair, attributes) = line.split_once(';').expect("attributes");
    (pair.to_owned(), attributes.to_owned())
}

/// A form POST to `uri` with `cookie` and the fields `form`.
fn post_form(uri: &str, cookie: &str, form: &[(&str, &str)]) -> Request<Body> {
    let body: Vec<String> = form
        .iter()
        .map(|(k, v)| {
            format!(
                "{k}={}",
                v.replace('%', "%25")
                    .replace('&', "%26")
                    .replace('+', "%2B")
                    .replace(' ', "+")
            )
        })
        .collect();
    Request::builder()
        .method("POST")
        .uri(uri)
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body.join("&")))
        .unwrap()
}

/// A GET of `uri` with `cookie`.
fn get(uri: &str, cookie: &str) -> Request<Body> {
    Request::builder()
        .uri(uri)
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap()
}

/// Signs in with `token`; the session cookie.
async fn sign_in(token: &str) -> String {
    let page = send(state(), request("GET", "/", None, None)).await;
    assert_eq!(page.status(), StatusCode::OK);
    let (login_cookie, attributes) = set_cookie(&page, "ns_sign_in");
    assert!(attributes.contains("HttpOnly") && attributes.contains("SameSite=Strict"));
    let csrf = csrf_of(&text(page).await);
    let answer = send(
        state(),
        post_form("/sign-in", &login_cookie, &[("csrf", &csrf), ("token", token)]),
    )
    .await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    let (session, attributes) = set_cookie(&answer, "ns_session");
    assert!(
        attributes.contains("HttpOnly") && attributes.contains("SameSite=Strict"),
        "{attributes}"
    );
    assert!(!session.contains(&token[3..]), "the cookie never holds the token");
    session
}

#[tokio::test]
async fn signing_in_needs_the_form_s_csrf_token_and_a_known_read_token() {
    let page = send(state(), request("GET", "/", None, None)).await;
    let (login_cookie, _) = set_cookie(&page, "ns_sign_in");
    let csrf = csrf_of(&text(page).await);
    let forged = send(
        state(),
        post_form(
            "/sign-in",
            "ns_sign_in=guess",
            &[("csrf", &csrf), ("token", &served().read)],
        ),
    )
    .await;
    assert_eq!(
        forged.status(),
        StatusCode::FORBIDDEN,
        "a CSRF token not of this browser"
    );
    let unknown = send(
        state(),
        post_form(
            "/sign-in",
            &login_cookie,
            &[("csrf", &csrf), ("token", "ns_wrong")],
        ),
    )
    .await;
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    let score_only = send(
        state(),
        post_form(
            "/sign-in",
            &login_cookie,
            &[("csrf", &csrf), ("token", &served().score)],
        ),
    )
    .await;
    assert_eq!(
        score_only.status(),
        StatusCode::FORBIDDEN,
        "reading needs the read scope"
    );
    for page in ["/accounts", "/report", "/score", "/accounts/A0000001"] {
        let answer = send(state(), request("GET", page, None, None)).await;
        assert_eq!(
            answer.status(),
            StatusCode::UNAUTHORIZED,
            "{page} needs a session"
        );
        assert!(text(answer).await.contains("Sign in"));
    }
}

#[tokio::test]
async fn the_pages_show_the_icp_the_accounts_and_the_report() {
    let session = sign_in(&served().read).await;
    let home = text(send(state(), get("/", &session)).await).await;
    let version = json(send(state(), request("GET", "/healthz", None, None)).await).await["icp_version"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(home.contains(&version), "the ICP's version");
    assert!(home.contains("Accounts by tier"));
    let tier_1 = text(send(state(), get("/accounts?tier=1", &session)).await).await;
    let prospects = csv_rows(&served().out.join("prospects_scored.csv"));
    let best = prospects
        .iter()
        .find(|r| r["tier"] == "1")
        .expect("a tier-1 prospect");
    let outside = prospects
        .iter()
        .find(|r| r["tier"].is_empty())
        .expect("a prospect outside");
    assert!(tier_1.contains(&format!("/accounts/{}", best["account_id"])) || tier_1.contains("Next page"));
    assert!(
        !tier_1.contains(&format!("/accounts/{}\"", outside["account_id"])),
        "filtered by tier"
    );
    let search = text(
        send(
            state(),
            get(&format!("/accounts?q={}", best["account_id"]), &session),
        )
        .await,
    )
    .await;
    assert!(search.contains(&format!("/accounts/{}\"", best["account_id"])));
    assert!(
        search.contains("1 accounts") || search.contains(">1 accounts"),
        "one match"
    );
    let page = text(
        send(
            state(),
            get(&format!("/accounts/{}", best["account_id"]), &session),
        )
        .await,
    )
    .await;
    // Each reason with its rule in words: "+11 Annual revenue 354,450,000 or more".
    let icp =
        northstar_profile::Icp::from_json(&fs_err::read_to_string(served().out.join("icp.json")).unwrap())
            .unwrap();
    let reasons: Vec<&str> = best["reasons"].split("; ").collect();
    assert!(page.contains(&format!("<li>{}</li>", reasons[0])), "the base");
    for reason in &reasons[1..] {
        let (points, rule) = reason.split_once(' ').unwrap();
        let signal = icp
            .signals
            .iter()
            .find(|s| s.rule.describe() == rule)
            .expect("a signal");
        let words = northstar_profile::words::rule_words(&signal.rule, &icp.labels);
        assert!(
            page.contains(&format!("<li>{points} {words}</li>")),
            "`{reason}` as `{points} {words}`"
        );
        assert!(!page.contains(rule), "no reason in the machine's words: {rule}");
    }
    let report = send(state(), get("/report", &session)).await;
    assert_eq!(report.status(), StatusCode::OK);
    assert!(text(report).await.contains("<svg"), "the report's charts");
}

#[tokio::test]
async fn the_score_form_needs_its_csrf_token_and_the_score_scope() {
    let reader = sign_in(&served().read).await;
    let form = text(send(state(), get("/score", &reader)).await).await;
    let csrf = csrf_of(&form);
    let refused = send(
        state(),
        post_form("/score", &reader, &[("csrf", &csrf), ("employees", "300")]),
    )
    .await;
    assert_eq!(
        refused.status(),
        StatusCode::FORBIDDEN,
        "a read token cannot score"
    );
    let scorer = sign_in(&served().both).await;
    let csrf = csrf_of(&text(send(state(), get("/score", &scorer)).await).await);
    let stale = send(
        state(),
        post_form("/score", &scorer, &[("csrf", "forged"), ("employees", "300")]),
    )
    .await;
    assert_eq!(stale.status(), StatusCode::FORBIDDEN);
    let fields = [
        ("csrf", csrf.as_str()),
        ("industry", "Logistics"),
        ("employees", "300"),
    ];
    let page = text(send(state(), post_form("/score", &scorer, &fields)).await).await;
    let api = json(
        send(
            state(),
            request(
                "POST",
                "/v1/score",
                Some(&served().score),
                Some("{\"industry\": \"Logistics\", \"employees\": \"300\"}"),
            ),
        )
        .await,
    )
    .await;
    assert!(
        page.contains(&format!("fit score {}", api["fit_score"])),
        "the API's score"
    );
    let bad = send(
        state(),
        post_form("/score", &scorer, &[("csrf", &csrf), ("employees", "many")]),
    )
    .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(bad).await.contains("employees"));
    let out = send(state(), post_form("/sign-out", &scorer, &[("csrf", &csrf)])).await;
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    let after = send(state(), get("/accounts", &scorer)).await;
    assert_eq!(after.status(), StatusCode::UNAUTHORIZED, "the session ended");
}
