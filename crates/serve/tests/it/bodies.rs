//! Any JSON, and any bytes, as the body of the scoring and personalisation endpoints: an answer
//! or a client error that names the field, never a server error.

use axum::http::StatusCode;
use proptest::prelude::*;
use serde_json::Value;

use crate::support::{json, request, send, served, state};

/// JSON values of any shape, with the attribute names, words and numbers scoring meets.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|x| serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)),
        "\\PC{0,12}".prop_map(Value::String),
        prop::sample::select(vec!["2024-01-31", "Logistics", "Snowflake;SAP", "5000", "-1", ""])
            .prop_map(|s| Value::String(s.to_owned())),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    prop::sample::select(vec![
                        "account_id",
                        "employees",
                        "industry",
                        "technologies",
                        "fleet_size",
                        "annual_revenue",
                        "as_of",
                        "signals",
                        "signal",
                        "value",
                        "date",
                        "domain",
                        "utm_source",
                        "utm_campaign",
                    ])
                    .prop_map(str::to_owned),
                    "\\PC{0,6}",
                ],
                inner,
                0..6,
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Sends `body` to `path` with the scoring token; the status must not be a server error, and a
/// client error must be JSON naming its class.
async fn never_a_server_error(path: &str, body: &[u8]) -> Result<(), TestCaseError> {
    let token = &served().score;
    let mut request = request("POST", path, Some(token), Some(""));
    *request.body_mut() = axum::body::Body::from(body.to_vec());
    let answer = send(state(), request).await;
    let status = answer.status();
    prop_assert!(
        !status.is_server_error(),
        "{path}: {status} for {:?}",
        String::from_utf8_lossy(body)
    );
    if status.is_client_error() {
        let error = json(answer).await;
        prop_assert!(error["error"]["class"].is_string(), "{error}");
    } else {
        prop_assert_eq!(status, StatusCode::OK);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_json_body_is_answered_or_refused_by_field(body in any_json()) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let text = body.to_string();
        for path in ["/v1/score", "/v1/personalise"] {
            runtime.block_on(never_a_server_error(path, text.as_bytes()))?;
        }
        let line = format!("{text}\n{text}\n");
        runtime.block_on(never_a_server_error("/v1/score/batch", line.as_bytes()))?;
    }

    #[test]
    fn any_bytes_are_refused_as_a_client_error(body in prop::collection::vec(any::<u8>(), 0..64)) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        for path in ["/v1/score", "/v1/score/batch", "/v1/personalise"] {
            runtime.block_on(never_a_server_error(path, &body))?;
        }
    }
}
