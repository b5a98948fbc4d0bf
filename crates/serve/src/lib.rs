//! Serve: the ICP of a finished build over HTTP, on axum and tokio.
//!
//! [`app`] is the whole service as a `Router` over a [`State`]:
//! - the JSON API: score one account (`POST /v1/score`) or a batch of them as NDJSON
//!   (`POST /v1/score/batch`), the page a visitor sees (`POST /v1/personalise`), the ICP
//!   (`GET /v1/icp`), the scored accounts (`GET /v1/accounts`, `GET /v1/accounts/{id}`),
//!   `GET /healthz`, `GET /metrics` and the OpenAPI document (`GET /openapi.json`);
//! - the dashboard at `/`, server-rendered, signed in with a token ([`dashboard`]).
//!
//! Every data endpoint needs a bearer token of its scope ([`tokens`]): 401 without one, 403
//! with the wrong scope. A client's mistake is a 4xx with a JSON error naming the field; bodies,
//! batches, headers and request time are bounded. [`watch`] reloads the build when a new one
//! lands (a broken one keeps the old, and the log says why) and the tokens file when it changes.

mod answer;
pub mod dashboard;
mod error;
mod loaded;
mod metrics;
mod routes;
pub mod tokens;

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

pub use error::ApiError;
pub use loaded::{AccountRow, FieldError, Loaded};
pub use routes::{MAX_BATCH, MAX_BATCH_BODY, MAX_BODY, MAX_HEADERS, OPENAPI, ROUTES, app};

use dashboard::Sessions;
use metrics::Metrics;
use tokens::{Scope, Tokens};

/// How the service is opened beyond its build and tokens.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServeOptions {
    /// `/metrics` answers without a token.
    pub open_metrics: bool,
    /// Origins allowed by CORS; none, and CORS stays off.
    pub cors_origins: Vec<String>,
}

/// What the service serves: the build being served and the tokens that may read it.
pub struct State {
    /// The build folder.
    pub out: PathBuf,
    /// The tokens file.
    pub tokens_path: PathBuf,
    /// How the service is opened.
    pub options: ServeOptions,
    loaded: RwLock<Arc<Loaded>>,
    tokens: RwLock<Tokens>,
    metrics: Metrics,
    sessions: Sessions,
}

impl State {
    /// The service of the build folder `out` with the tokens of `tokens_path`.
    pub fn open(out: &Path, tokens_path: &Path, options: ServeOptions) -> Result<Arc<Self>, String> {
        let loaded = Loaded::open(out)?;
        let tokens = Tokens::read(tokens_path).map_err(|e| e.to_string())?;
        Ok(Arc::new(Self {
            out: out.to_owned(),
            tokens_path: tokens_path.to_owned(),
            options,
            loaded: RwLock::new(loaded),
            tokens: RwLock::new(tokens),
            metrics: Metrics::default(),
            sessions: Sessions::default(),
        }))
    }

    /// The build being served.
    pub fn loaded(&self) -> Arc<Loaded> {
        self.loaded
            .read()
            .map_or_else(|p| p.into_inner().clone(), |l| l.clone())
    }

    /// The scopes of a presented token; none when it is no token of the file.
    pub fn scopes_of(&self, token: &str) -> Option<Vec<Scope>> {
        let tokens = self.tokens.read().unwrap_or_else(|p| p.into_inner());
        tokens.scopes_of(token).map(<[Scope]>::to_vec)
    }

    /// Reads the build folder again; on success serves it, else keeps the old one and says why.
    /// The old build is freed here, not by the request that happens to hold it last.
    pub fn reload(&self) -> Result<(), String> {
        let fresh = Loaded::open(&self.out)?;
        let old = std::mem::replace(
            &mut *self.loaded.write().unwrap_or_else(|p| p.into_inner()),
            fresh,
        );
        drop(old);
        Ok(())
    }

    /// Reads the tokens file again; a revoked token's dashboard sessions end with it.
    pub fn reload_tokens(&self) -> Result<(), String> {
        let fresh = Tokens::read(&self.tokens_path).map_err(|e| e.to_string())?;
        self.sessions.keep_only(&fresh);
        *self.tokens.write().unwrap_or_else(|p| p.into_inner()) = fresh;
        Ok(())
    }
}

/// When a file last changed, its size and inode.
fn stamp(path: &Path) -> Option<(SystemTime, u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    let meta = fs_err::metadata(path).ok()?;
    Some((meta.modified().ok()?, meta.len(), meta.ino()))
}

/// Reloads the build on a thread of its own at the lowest CPU priority, so that the answers
/// served meanwhile keep their latency on a busy core.
async fn in_background(state: Arc<State>) -> Result<Result<(), String>, String> {
    let (done, reloaded) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("northstar-reload".into())
        .spawn(move || {
            // Best effort: a thread that cannot lower its priority reloads at the normal one.
            let _ = rustix::process::setpriority_process(Some(rustix::thread::gettid()), 19);
            let _ = done.send(state.reload());
        })
        .map_err(|e| e.to_string())?;
    reloaded.await.map_err(|e| e.to_string())
}

/// Watches the build's manifest and the tokens file every `period`, reloading what changed;
/// what cannot be reloaded is logged and the old kept.
pub async fn watch(state: Arc<State>, period: Duration) {
    let manifest = state.out.join("manifest.json");
    let (mut build, mut tokens) = (stamp(&manifest), stamp(&state.tokens_path));
    loop {
        tokio::time::sleep(period).await;
        let now = stamp(&manifest);
        if now != build {
            build = now;
            let started = std::time::Instant::now();
            match in_background(state.clone()).await {
                Ok(Ok(())) => eprintln!(
                    "serving the new build in `{}` (ICP {}), read in {} ms",
                    state.out.display(),
                    state.loaded().icp.version,
                    started.elapsed().as_millis()
                ),
                Ok(Err(why)) => eprintln!("kept the previous build: the new one cannot be served: {why}"),
                Err(why) => eprintln!("kept the previous build: the reload failed: {why}"),
            }
        }
        let now = stamp(&state.tokens_path);
        if now != tokens {
            tokens = now;
            match state.reload_tokens() {
                Ok(()) => eprintln!("read the tokens file again"),
                Err(why) => eprintln!("kept the previous tokens: {why}"),
            }
        }
    }
}
