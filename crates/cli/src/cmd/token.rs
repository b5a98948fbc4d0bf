//! `northstar token`: make, list and revoke the service's API tokens.

use northstar_serve::tokens::{Scope, Tokens};

use crate::Failure;
use crate::cli::{TokenAction, TokenArgs, TokenScope};
use crate::failure::print;

/// Runs the token action of `args`.
pub fn run(args: &TokenArgs) -> Result<(), Failure> {
    let failed = |e: northstar_serve::tokens::TokenError| Failure::user(e);
    match &args.action {
        TokenAction::New { tokens, scope } => {
            let mut file = Tokens::read(tokens).map_err(failed)?;
            let scopes: Vec<Scope> = scope
                .iter()
                .map(|s| match s {
                    TokenScope::Read => Scope::Read,
                    TokenScope::Score => Scope::Score,
                })
                .collect();
            let (token, entry) = file.issue(&scopes);
            file.write(tokens).map_err(failed)?;
            eprintln!(
                "token {} with scope {} added to `{}`; it is shown once, here:",
                entry.id,
                names(&entry.scopes),
                tokens.display()
            );
            print(&format!("{token}\n"))
        }
        TokenAction::List { tokens } => {
            let file = Tokens::read(tokens).map_err(failed)?;
            let mut text = String::from("id        scopes\n");
            for t in &file.tokens {
                text.push_str(&format!("{:<9} {}\n", t.id, names(&t.scopes)));
            }
            print(&text)
        }
        TokenAction::Revoke { tokens, id } => {
            let mut file = Tokens::read(tokens).map_err(failed)?;
            file.revoke(id).map_err(failed)?;
            file.write(tokens).map_err(failed)?;
            eprintln!("token {id} revoked; a running service stops accepting it within a second");
            Ok(())
        }
    }
}

/// Scopes as `read, score`.
fn names(scopes: &[Scope]) -> String {
    scopes.iter().map(|s| s.name()).collect::<Vec<_>>().join(", ")
}
