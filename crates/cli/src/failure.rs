//! How a command fails: the user's data or request (exit 1), or a bug (exit 2).

use northstar_pipeline::{Fault, PipelineError};

/// A failed command, classed by who can fix it.
#[derive(Debug)]
pub struct Failure {
    message: String,
    fault: Fault,
}

impl Failure {
    /// A user-fixable failure with this message.
    pub fn user(message: impl std::fmt::Display) -> Self {
        Self {
            message: message.to_string(),
            fault: Fault::User,
        }
    }

    /// The process exit code for this failure.
    pub fn exit_code(&self) -> u8 {
        match self.fault {
            Fault::User => 1,
            Fault::Internal => 2,
        }
    }

    /// The message for stderr.
    pub fn message(&self) -> String {
        match self.fault {
            Fault::User => format!("error: {}", self.message),
            Fault::Internal => format!(
                "internal error: {}\nthis is a bug in northstar; please report it with the command you ran",
                self.message
            ),
        }
    }
}

impl From<PipelineError> for Failure {
    fn from(e: PipelineError) -> Self {
        let message = match e.hint() {
            Some(hint) => format!("{e}\n{hint}"),
            None => e.to_string(),
        };
        Self {
            message,
            fault: e.fault(),
        }
    }
}

impl From<serde_json::Error> for Failure {
    fn from(e: serde_json::Error) -> Self {
        Self {
            message: format!("cannot write JSON: {e}"),
            fault: Fault::Internal,
        }
    }
}

/// Writes `text` to stdout.
pub fn print(text: &str) -> Result<(), Failure> {
    use std::io::Write;
    std::io::stdout()
        .write_all(text.as_bytes())
        .map_err(|e| Failure::user(format!("cannot write to stdout: {e}")))
}
