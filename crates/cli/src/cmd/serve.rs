//! `northstar serve`: a build over HTTP until the process is stopped.

use std::time::Duration;

use axum::serve::ListenerExt;
use northstar_serve::{ServeOptions, State};

use crate::Failure;
use crate::cli::ServeArgs;

/// How often the build's manifest and the tokens file are checked for changes.
const WATCH_PERIOD: Duration = Duration::from_secs(1);

/// Serves the build of `args` on its address.
pub fn run(args: &ServeArgs) -> Result<(), Failure> {
    let options = ServeOptions {
        open_metrics: args.open_metrics,
        cors_origins: args.cors_origin.clone(),
    };
    let state = State::open(&args.out, &args.tokens, options)
        .map_err(|why| Failure::user(format!("cannot serve `{}`: {why}", args.out.display())))?;
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    if let Some(threads) = args.threads {
        runtime.worker_threads(threads.max(1));
    }
    let runtime = runtime
        .enable_all()
        .build()
        .map_err(|e| Failure::user(format!("cannot start the service: {e}")))?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(&args.addr).await.map_err(|e| {
            Failure::user(format!(
                "cannot listen on {}: {e}; choose another --addr",
                args.addr
            ))
        })?;
        let address = listener
            .local_addr()
            .map_or_else(|_| args.addr.clone(), |a| a.to_string());
        // An answer goes out at once, not held back to be joined with the next (Nagle); best
        // effort, as a socket that refuses the option still serves.
        let listener = listener.tap_io(|stream| {
            let _ = stream.set_nodelay(true);
        });
        eprintln!(
            "serving `{}` (ICP {}) on http://{address}",
            args.out.display(),
            state.loaded().icp.version
        );
        tokio::spawn(northstar_serve::watch(state.clone(), WATCH_PERIOD));
        axum::serve(listener, northstar_serve::app(state))
            .await
            .map_err(|e| Failure::user(format!("the service stopped: {e}")))
    })
}
