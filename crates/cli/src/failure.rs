//! How a command fails: the user's data or request (exit 1), or a bug (exit 2).

use std::fmt::Display;

/// A failed command, classed by who can fix it.
#[derive(Debug)]
pub enum Failure {
    /// Bad data, a bad argument or an unwritable output: the user can fix it.
    User(anyhow::Error),
    /// Something northstar got wrong.
    Internal(anyhow::Error),
}

impl Failure {
    /// A user-fixable failure with this message.
    pub fn user(message: impl Display) -> Self {
        Failure::User(anyhow::anyhow!("{message}"))
    }

    /// The process exit code for this failure.
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::User(_) => 1,
            Failure::Internal(_) => 2,
        }
    }

    /// The message for stderr.
    pub fn message(&self) -> String {
        match self {
            Failure::User(e) => format!("error: {e:#}"),
            Failure::Internal(e) => format!(
                "internal error: {e:#}\nthis is a bug in northstar; please report it with the command you ran"
            ),
        }
    }
}

impl From<northstar_ingest::IngestError> for Failure {
    fn from(e: northstar_ingest::IngestError) -> Self {
        Failure::User(e.into())
    }
}

impl From<northstar_output::OutputError> for Failure {
    fn from(e: northstar_output::OutputError) -> Self {
        Failure::User(e.into())
    }
}

impl From<northstar_demo::DemoError> for Failure {
    fn from(e: northstar_demo::DemoError) -> Self {
        Failure::User(e.into())
    }
}

impl From<northstar_economics::EconomicsError> for Failure {
    fn from(e: northstar_economics::EconomicsError) -> Self {
        match e {
            northstar_economics::EconomicsError::Clv(_)
            | northstar_economics::EconomicsError::NoTransactions => Failure::User(e.into()),
            _ => Failure::Internal(e.into()),
        }
    }
}

impl From<northstar_engine::EngineError> for Failure {
    fn from(e: northstar_engine::EngineError) -> Self {
        match e {
            northstar_engine::EngineError::Runtime(_) => Failure::User(e.into()),
            _ => Failure::Internal(e.into()),
        }
    }
}

impl From<northstar_clv::ClvError> for Failure {
    fn from(e: northstar_clv::ClvError) -> Self {
        Failure::User(e.into())
    }
}
