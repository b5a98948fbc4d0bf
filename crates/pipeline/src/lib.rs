//! The pipeline as a library: the only crate that knows the order of the stages.
//!
//! [`build`] runs ingest → economics → clv → discover → profile on a data folder and commits
//! every output file into its folder as one, returning the typed [`Build`]; [`open`] reads a
//! finished build folder back, checked against its manifest. [`analyse`] is the pure half
//! (discover, then profile) for a customer base already read. [`validate`], [`demo`], [`diff`]
//! and [`clv`] are the other commands' work. An [`Observer`] sees each step as it runs.
//! Errors carry who can fix them ([`PipelineError::fault`]).

mod analyse;
mod build;
pub mod clv;
mod commands;
mod error;
mod model;
mod observe;
mod open;
pub mod outputs;
mod overlap;
mod request;
mod scoring;
mod session;
mod settings;
pub mod targets;
mod text;
pub mod validation;

pub use analyse::{Analysis, analyse};
pub use build::{build, check_reject_limit};
pub use commands::{Validated, demo, diff, ingest_summary, validate};
pub use error::{Fault, PipelineError, Result};
pub use model::{Build, InputRecord, Parameters, RunRecord, Versions};
pub use northstar_engine::EngineConfig;
pub use northstar_ingest::Chunking;
pub use northstar_score::Dialect;
pub use observe::{Observer, Silent, Step};
pub use open::{ListedAccount, Opened, Service, account_list, icp_at, open};
pub use request::{BuildRequest, Options, iso_day};
pub use scoring::{ScoreReport, ScoreRequest, brief_pieces, score_list, sql, stream_list};
pub use settings::Settings;
pub use text::headline;
