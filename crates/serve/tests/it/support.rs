//! A demo build with personalisation rules, served in-process, and requests to it.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::http::{Request, Response, header};
use northstar_serve::tokens::{Scope, Tokens};
use northstar_serve::{ServeOptions, State};
use tower::ServiceExt;

/// The personalisation rules the test build carries.
pub const PERSONALISE: &str = r#"
[personalise]
default = { headline = "Built for {industry|companies} like {name|yours}", proof = "{nearest_customer_name|Teams like yours} run on us" }

[[personalise.variants]]
name = "fleet-campaign-tier-1"
when = [{ attribute = "utm_campaign", op = "in", values = ["fleet"] }, { attribute = "tier", op = "in", values = ["1"] }]
headline = "{name|Your fleet}, meet the platform {nearest_customer_name} runs on"
proof = "Read how {nearest_customer_name} did it: {nearest_case_study_url|ask us}"

[[personalise.variants]]
name = "fleet-campaign"
when = [{ attribute = "utm_campaign", op = "in", values = ["fleet"] }]
headline = "Fleets run on us"
proof = "Ask for a case study"
"#;

/// A finished build and tokens of each scope.
pub struct Served {
    /// The build folder.
    pub out: PathBuf,
    /// The tokens file.
    pub tokens: PathBuf,
    /// A token of scope read.
    pub read: String,
    /// A token of scope score.
    pub score: String,
    /// A token of both scopes.
    pub both: String,
    _dir: tempfile::TempDir,
}

/// The small demo of seed 7, built once with [`PERSONALISE`] in its settings (on a thread of
/// its own: the engine runs its own runtime, which cannot start inside a test's).
pub fn served() -> &'static Served {
    static SERVED: OnceLock<Served> = OnceLock::new();
    SERVED.get_or_init(|| std::thread::spawn(build).join().expect("the demo builds"))
}

/// Builds the demo and makes its tokens.
fn build() -> Served {
    {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("data");
        northstar_demo::write_demo(&data, northstar_demo::Size::Small, 7).expect("demo data");
        let settings = data.join("northstar.toml");
        let mut text = fs_err::read_to_string(&settings).unwrap_or_default();
        text.push_str(PERSONALISE);
        fs_err::write(&settings, text).expect("settings");
        let out = dir.path().join("out");
        let request = northstar_pipeline::BuildRequest {
            data,
            config: None,
            out: out.clone(),
            options: northstar_pipeline::Options {
                engine: northstar_pipeline::EngineConfig {
                    threads: Some(2),
                    ..Default::default()
                },
                ..Default::default()
            },
        };
        northstar_pipeline::build(&request, &northstar_pipeline::Silent).expect("the demo builds");
        let tokens = dir.path().join("tokens.json");
        let mut file = Tokens::default();
        let (read, _) = file.issue(&[Scope::Read]);
        let (score, _) = file.issue(&[Scope::Score]);
        let (both, _) = file.issue(&[Scope::Read, Scope::Score]);
        file.write(&tokens).expect("tokens");
        Served {
            out,
            tokens,
            read,
            score,
            both,
            _dir: dir,
        }
    }
}

/// The service state of the test build, opened once.
pub fn state() -> Arc<State> {
    static STATE: OnceLock<Arc<State>> = OnceLock::new();
    STATE
        .get_or_init(|| {
            let s = served();
            State::open(&s.out, &s.tokens, ServeOptions::default()).expect("the build is served")
        })
        .clone()
}

/// Sends `request` to the service of `state`.
pub async fn send(state: Arc<State>, request: Request<Body>) -> Response<Body> {
    northstar_serve::app(state)
        .oneshot(request)
        .await
        .expect("answered")
}

/// A request of `method` to `uri` with an optional bearer `token` and JSON `body`.
pub fn request(method: &str, uri: &str, token: Option<&str>, body: Option<&str>) -> Request<Body> {
    let mut builder = Request::builder().method(method).uri(uri);
    if let Some(token) = token {
        builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    if body.is_some() {
        builder = builder.header(header::CONTENT_TYPE, "application/json");
    }
    builder
        .body(body.map_or_else(Body::empty, |b| Body::from(b.to_owned())))
        .expect("a request")
}

/// A response's body as text.
pub async fn text(response: Response<Body>) -> String {
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("a body");
    String::from_utf8(bytes.to_vec()).expect("utf-8")
}

/// A response's body as JSON.
pub async fn json(response: Response<Body>) -> serde_json::Value {
    serde_json::from_str(&text(response).await).expect("JSON")
}

/// The rows of a CSV file of the build, keyed by column.
pub fn csv_rows(path: &Path) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).expect("readable");
    let header = reader.headers().expect("header").clone();
    reader
        .records()
        .map(|r| {
            let r = r.expect("record");
            header
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_owned(), v.to_owned()))
                .collect()
        })
        .collect()
}
