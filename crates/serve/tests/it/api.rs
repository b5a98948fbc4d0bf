//! Every endpoint and every error of the JSON API, in-process.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::support::{csv_rows, json, request, send, served, state, text};

/// The data endpoints with a body each accepts, and the scope each needs.
const DATA: &[(&str, &str, &str)] = &[
    ("GET", "/metrics", "read"),
    ("GET", "/v1/icp", "read"),
    ("GET", "/v1/accounts", "read"),
    ("GET", "/v1/accounts/A0000001", "read"),
    ("POST", "/v1/score", "score"),
    ("POST", "/v1/score/batch", "score"),
    ("POST", "/v1/personalise", "score"),
];

#[tokio::test]
async fn the_openapi_document_lists_exactly_the_routes_and_each_route_answers() {
    let served = send(state(), request("GET", "/openapi.json", None, None)).await;
    assert_eq!(served.status(), StatusCode::OK);
    let document = json(served).await;
    assert_eq!(document["openapi"], "3.1.0");
    let documented: BTreeSet<(String, String)> = document["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(path, ops)| {
            ops.as_object()
                .expect("operations")
                .keys()
                .map(move |m| (m.clone(), path.clone()))
        })
        .collect();
    let routed: BTreeSet<(String, String)> = northstar_serve::ROUTES
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    assert_eq!(documented, routed);
    let token = &served_tokens().2;
    for (method, path) in northstar_serve::ROUTES {
        let uri = path.replace("{id}", "A0000001");
        let body = (*method == "post").then_some("{}");
        let answer = send(state(), request(&method.to_uppercase(), &uri, Some(token), body)).await;
        assert!(
            answer.status() != StatusCode::NOT_FOUND || path.contains("{id}"),
            "{method} {path} is routed"
        );
        assert_ne!(answer.status(), StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
    }
}

/// The read, score and both tokens.
fn served_tokens() -> (String, String, String) {
    let s = served();
    (s.read.clone(), s.score.clone(), s.both.clone())
}

#[tokio::test]
async fn every_data_endpoint_refuses_without_a_token_or_with_the_wrong_scope() {
    let (read, score, _) = served_tokens();
    for (method, uri, scope) in DATA {
        let body = (*method == "POST").then_some("{}");
        let none = send(state(), request(method, uri, None, body)).await;
        assert_eq!(none.status(), StatusCode::UNAUTHORIZED, "{uri} without a token");
        assert_eq!(none.headers()["www-authenticate"], "Bearer");
        let error = json(none).await;
        assert_eq!(error["error"]["class"], "unauthenticated");
        assert_eq!(error["error"]["field"], "authorization");
        let unknown = send(state(), request(method, uri, Some("ns_not-a-token"), body)).await;
        assert_eq!(
            unknown.status(),
            StatusCode::UNAUTHORIZED,
            "{uri} with an unknown token"
        );
        let wrong = if *scope == "read" { &score } else { &read };
        let refused = send(state(), request(method, uri, Some(wrong), body)).await;
        assert_eq!(
            refused.status(),
            StatusCode::FORBIDDEN,
            "{uri} with the wrong scope"
        );
        assert_eq!(json(refused).await["error"]["class"], "forbidden");
    }
    for open in ["/healthz", "/openapi.json"] {
        let answer = send(state(), request("GET", open, None, None)).await;
        assert_eq!(answer.status(), StatusCode::OK, "{open} is open");
    }
}

#[tokio::test]
async fn healthz_and_the_icp_name_the_version_of_the_build() {
    let icp: Value =
        serde_json::from_str(&fs_err::read_to_string(served().out.join("icp.json")).unwrap()).unwrap();
    let health = json(send(state(), request("GET", "/healthz", None, None)).await).await;
    assert_eq!(health["icp_version"], icp["version"]);
    let served_icp = json(send(state(), request("GET", "/v1/icp", Some(&served().read), None)).await).await;
    assert_eq!(served_icp, icp, "the ICP served is icp.json");
}

#[tokio::test]
async fn accounts_page_through_every_scored_account_best_first() {
    let read = &served().read;
    let customers = csv_rows(&served().out.join("accounts.csv")).len();
    let prospects = csv_rows(&served().out.join("prospects_scored.csv")).len();
    let mut seen = Vec::new();
    let mut cursor = "0".to_owned();
    loop {
        let uri = format!("/v1/accounts?limit=1000&cursor={cursor}");
        let page = json(send(state(), request("GET", &uri, Some(read), None)).await).await;
        seen.extend(page["accounts"].as_array().expect("accounts").iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => break,
        }
    }
    assert_eq!(seen.len(), customers + prospects, "every account once");
    let key = |a: &Value| (a["tier"].as_u64().unwrap_or(9), -a["fit_score"].as_i64().unwrap());
    assert!(seen.windows(2).all(|w| key(&w[0]) <= key(&w[1])), "best first");
    let tier_2 = json(
        send(
            state(),
            request("GET", "/v1/accounts?tier=2&limit=5", Some(read), None),
        )
        .await,
    )
    .await;
    let rows = tier_2["accounts"].as_array().unwrap();
    assert_eq!(rows.len(), 5);
    assert!(rows.iter().all(|a| a["tier"] == 2));
    for bad in ["tier=4", "tier=x", "limit=0", "limit=1001", "cursor=-1"] {
        let answer = send(
            state(),
            request("GET", &format!("/v1/accounts?{bad}"), Some(read), None),
        )
        .await;
        assert_eq!(answer.status(), StatusCode::BAD_REQUEST, "{bad}");
        let field = bad.split('=').next().unwrap();
        assert_eq!(json(answer).await["error"]["field"], field);
    }
}

#[tokio::test]
async fn an_account_is_served_as_the_build_scored_it() {
    let row = &csv_rows(&served().out.join("prospects_scored.csv"))[3];
    let id = &row["account_id"];
    let uri = format!("/v1/accounts/{id}");
    let account = json(send(state(), request("GET", &uri, Some(&served().read), None)).await).await;
    assert_eq!(account["kind"], "prospect");
    assert_eq!(account["fit_score"].to_string(), row["fit_score"]);
    assert_eq!(account["reasons"], row["reasons"].as_str());
    assert_eq!(
        account["nearest_customer"]["account_id"],
        row["nearest_customer"].as_str()
    );
    assert_eq!(account["attributes"]["industry"], row["industry"].as_str());
    let missing = send(
        state(),
        request("GET", "/v1/accounts/nobody", Some(&served().read), None),
    )
    .await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(json(missing).await["error"]["field"], "id");
}

/// A prospect of the build as a score request: its attributes, blanks left out.
fn as_request(row: &std::collections::BTreeMap<String, String>) -> Value {
    let scores = northstar_pipeline::outputs::targets::PROSPECT_COLUMNS;
    let attributes: serde_json::Map<String, Value> = row
        .iter()
        .filter(|(k, v)| !v.is_empty() && (k.as_str() == "account_id" || !scores.contains(&k.as_str())))
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    Value::Object(attributes)
}

#[tokio::test]
async fn scoring_a_prospect_over_http_gives_what_the_build_wrote() {
    let score = &served().score;
    for row in csv_rows(&served().out.join("prospects_scored.csv"))
        .iter()
        .take(60)
    {
        let body = as_request(row).to_string();
        let answer = json(send(state(), request("POST", "/v1/score", Some(score), Some(&body))).await).await;
        let id = &row["account_id"];
        assert_eq!(answer["account_id"], id.as_str());
        assert_eq!(answer["in_sam"].to_string(), row["in_sam"], "{id}");
        assert_eq!(answer["fit_score"].to_string(), row["fit_score"], "{id}");
        assert_eq!(
            answer["tier"].as_u64().map(|t| t.to_string()).unwrap_or_default(),
            row["tier"],
            "{id}"
        );
        assert_eq!(answer["reasons"], row["reasons"].as_str(), "{id}");
        assert_eq!(answer["to_tier_1"], row["to_tier_1"].as_str(), "{id}");
        let nearest = answer["nearest_customer"]["account_id"]
            .as_str()
            .unwrap_or_default();
        assert_eq!(nearest, row["nearest_customer"], "{id}");
        let points: i64 = answer["signals"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["points"].as_i64().unwrap())
            .sum();
        let base = json(send(state(), request("GET", "/v1/icp", Some(&served().read), None)).await).await["base_score"].as_i64().unwrap();
        assert_eq!(
            base + points,
            answer["fit_score"].as_i64().unwrap(),
            "the reasons add up for {id}"
        );
        assert_eq!(answer["intent"], Value::Null, "no signals, no intent");
    }
}

#[tokio::test]
async fn intent_decays_the_signals_given_to_the_day_asked() {
    let body = json!({
        "account_id": "lead-1",
        "as_of": "2026-06-30",
        "signals": [
            {"signal": "demo_request", "date": "2026-05-31"},
            {"signal": "pricing_page", "value": 2, "date": "2026-06-30"},
            {"signal": "web_visits", "date": "2026-07-04"}
        ]
    });
    let answer = json(
        send(
            state(),
            request(
                "POST",
                "/v1/score",
                Some(&served().score),
                Some(&body.to_string()),
            ),
        )
        .await,
    )
    .await;
    // demo_request 40 × 0.5^(30/30) = 20; pricing_page 15 × 2 = 30; the visit after as_of is not counted.
    assert_eq!(answer["intent"]["score"], 50, "{answer}");
    assert_eq!(answer["intent"]["after_as_of"], 1);
    assert_eq!(
        answer["intent"]["explained"],
        "+30.0 pricing_page (1 event); +20.0 demo_request (1 event)"
    );
}

#[tokio::test]
async fn a_client_mistake_is_a_4xx_naming_the_field() {
    let score = &served().score;
    let cases: &[(&str, StatusCode, &str)] = &[
        ("{\"employees\": ", StatusCode::BAD_REQUEST, "body"),
        ("[1, 2]", StatusCode::UNPROCESSABLE_ENTITY, "body"),
        (
            "{\"employees\": \"many\"}",
            StatusCode::UNPROCESSABLE_ENTITY,
            "employees",
        ),
        (
            "{\"industry\": {\"a\": 1}}",
            StatusCode::UNPROCESSABLE_ENTITY,
            "industry",
        ),
        (
            "{\"technologies\": [[1]]}",
            StatusCode::UNPROCESSABLE_ENTITY,
            "technologies",
        ),
        (
            "{\"as_of\": \"yesterday\"}",
            StatusCode::UNPROCESSABLE_ENTITY,
            "as_of",
        ),
        (
            "{\"signals\": [{\"value\": 1}]}",
            StatusCode::UNPROCESSABLE_ENTITY,
            "signals[0]",
        ),
        (
            "{\"signals\": \"many\"}",
            StatusCode::UNPROCESSABLE_ENTITY,
            "signals",
        ),
    ];
    for (body, status, field) in cases {
        let answer = send(state(), request("POST", "/v1/score", Some(score), Some(body))).await;
        assert_eq!(answer.status(), *status, "{body}");
        assert_eq!(json(answer).await["error"]["field"], *field, "{body}");
    }
    let huge = format!("{{\"name\": \"{}\"}}", "x".repeat(3 * 1024 * 1024));
    let answer = send(state(), request("POST", "/v1/score", Some(score), Some(&huge))).await;
    assert_eq!(answer.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(json(answer).await["error"]["class"], "too_large");
    let mut big_headers = request("GET", "/healthz", None, None);
    big_headers
        .headers_mut()
        .insert("x-padding", "y".repeat(20_000).parse().unwrap());
    assert_eq!(
        send(state(), big_headers).await.status(),
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE
    );
    let unknown = send(state(), request("GET", "/v2/nothing", None, None)).await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_batch_answers_each_line_in_order_and_refuses_past_its_bound() {
    let score = &served().score;
    let body =
        "{\"account_id\": \"a\", \"employees\": 300}\n\n{\"employees\": \"many\"}\n{\"account_id\": \"c\"}\n";
    let answer = send(
        state(),
        request("POST", "/v1/score/batch", Some(score), Some(body)),
    )
    .await;
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(answer.headers()["content-type"], "application/x-ndjson");
    let lines: Vec<Value> = text(answer)
        .await
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(
        (lines[0]["line"].as_u64(), lines[0]["account_id"].as_str()),
        (Some(1), Some("a"))
    );
    assert_eq!(lines[1]["line"], 3);
    assert_eq!(lines[1]["error"]["field"], "employees");
    assert_eq!(
        (lines[2]["line"].as_u64(), lines[2]["account_id"].as_str()),
        (Some(4), Some("c"))
    );
    let single = json(
        send(
            state(),
            request(
                "POST",
                "/v1/score",
                Some(score),
                Some("{\"account_id\": \"a\", \"employees\": 300}"),
            ),
        )
        .await,
    )
    .await;
    assert_eq!(
        lines[0]["reasons"], single["reasons"],
        "a batch line scores as one account"
    );
    let too_many = "{}\n".repeat(northstar_serve::MAX_BATCH + 1);
    let answer = send(
        state(),
        request("POST", "/v1/score/batch", Some(score), Some(&too_many)),
    )
    .await;
    assert_eq!(answer.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn personalisation_picks_the_first_variant_whose_rules_hold() {
    let score = &served().score;
    let prospects = csv_rows(&served().out.join("prospects_scored.csv"));
    let best = prospects
        .iter()
        .find(|r| r["tier"] == "1")
        .expect("a tier-1 prospect");
    let ask = |body: Value| async move {
        json(
            send(
                state(),
                request("POST", "/v1/personalise", Some(score), Some(&body.to_string())),
            )
            .await,
        )
        .await
    };
    let known = ask(json!({"utm_campaign": "fleet", "account_id": best["account_id"]})).await;
    assert_eq!(known["variant"], "fleet-campaign-tier-1", "{known}");
    assert_eq!(known["visitor"], "known");
    let name = if best["name"].is_empty() {
        "Your fleet"
    } else {
        &best["name"]
    };
    let expected = format!(
        "{name}, meet the platform {} runs on",
        best["nearest_customer_name"]
    );
    assert_eq!(known["headline"], expected.as_str());
    let by_domain = prospects
        .iter()
        .find(|r| !r["domain"].is_empty() && r["tier"] != "1");
    if let Some(row) = by_domain {
        let found = ask(json!({"utm_campaign": "fleet", "domain": row["domain"].to_uppercase()})).await;
        assert_eq!(
            (found["visitor"].as_str(), found["variant"].as_str()),
            (Some("known"), Some("fleet-campaign"))
        );
    }
    let campaign = ask(json!({"utm_campaign": "fleet"})).await;
    assert_eq!(
        (campaign["variant"].as_str(), campaign["visitor"].as_str()),
        (Some("fleet-campaign"), Some("unknown"))
    );
    let stranger = ask(json!({"utm_source": "newsletter"})).await;
    assert_eq!(stranger["variant"], "default");
    assert_eq!(stranger["headline"], "Built for companies like yours");
    let scored = ask(json!({"account": {"name": "Acme", "industry": "Logistics"}})).await;
    assert_eq!(scored["visitor"], "scored");
    assert_eq!(scored["headline"], "Built for Logistics like Acme");
    let wrong = send(
        state(),
        request(
            "POST",
            "/v1/personalise",
            Some(score),
            Some("{\"utm_campaign\": 3}"),
        ),
    )
    .await;
    assert_eq!(json(wrong).await["error"]["field"], "utm_campaign");
}

#[tokio::test]
async fn metrics_count_requests_errors_and_the_build_served() {
    let _ = send(state(), request("GET", "/v1/icp", None, None)).await;
    let answer = send(state(), request("GET", "/metrics", Some(&served().read), None)).await;
    assert_eq!(answer.status(), StatusCode::OK);
    let metrics = text(answer).await;
    assert!(
        metrics.contains("northstar_requests_total{route=\"/v1/icp\",status=\"401\"}"),
        "{metrics}"
    );
    assert!(metrics.contains("northstar_errors_total{class=\"unauthenticated\"}"));
    assert!(metrics.contains("northstar_request_seconds_bucket{le=\"+Inf\"}"));
    let version =
        json(send(state(), request("GET", "/healthz", None, None)).await).await["icp_version"].clone();
    assert!(metrics.contains(&format!("northstar_build_info{{icp_version={version}}} 1")));
}

#[tokio::test]
async fn cors_stays_off_unless_configured() {
    let mut asked = request("GET", "/healthz", None, None);
    asked
        .headers_mut()
        .insert("origin", "https://example.com".parse().unwrap());
    let answer = send(state(), asked).await;
    assert!(answer.headers().get("access-control-allow-origin").is_none());
}
