//! The buying ecosystem: who decides, pays, uses and influences at the most valuable accounts,
//! the deciders who sit at several accounts (leverage), and how well each role is covered.

use std::sync::Arc;

use foldhash::{HashMap, HashMapExt};

/// One contact of a customer account. Its role, title and department are shared: millions of
/// contacts hold a few of each.
#[derive(Debug, Clone, PartialEq)]
pub struct Contact {
    /// The account (index into the objective).
    pub account: usize,
    /// decider, payer, user or influencer.
    pub role: Arc<str>,
    /// Job title, when known.
    pub title: Option<Arc<str>>,
    /// Function or department, when known.
    pub department: Option<Arc<str>>,
    /// The same person across accounts, when known.
    pub person_key: Option<Arc<str>>,
}

/// `values` sorted, each once.
fn distinct<T: Ord>(mut values: Vec<T>) -> Vec<T> {
    values.sort_unstable();
    values.dedup();
    values
}

/// A title or department and how it is spread between top and other accounts.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Share {
    /// The title or department.
    pub value: String,
    /// Top accounts with it in this role.
    pub top_accounts: u64,
    /// Share of the top accounts with it in this role.
    pub top_share: f64,
    /// Share of the other accounts with it in this role.
    pub other_share: f64,
}

/// One role across the accounts.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Role {
    /// decider, payer, user or influencer.
    pub role: String,
    /// Share of all accounts with at least one contact in this role (a data-quality figure).
    pub coverage: f64,
    /// Titles most typical of the top accounts, by top share less other share.
    pub titles: Vec<Share>,
    /// Departments most typical of the top accounts.
    pub departments: Vec<Share>,
}

/// A person who decides at several accounts.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Leverage {
    /// The person.
    pub person_key: String,
    /// Accounts where they decide.
    pub accounts: u64,
    /// Those accounts' total objective.
    pub total_objective: f64,
    /// Their titles there.
    pub titles: Vec<String>,
}

/// The buying ecosystem of the accounts.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Ecosystem {
    /// Share of accounts with any contact.
    pub coverage: f64,
    /// Each role, in the contract's order.
    pub roles: Vec<Role>,
    /// Deciders at two or more accounts, by those accounts' total objective.
    pub decider_leverage: Vec<Leverage>,
}

/// The contract's roles, in order.
const ROLES: [&str; 4] = ["decider", "payer", "user", "influencer"];

/// Describes the ecosystem of `contacts`, with `top[i]` marking the top accounts; keeps the
/// `limit` most typical titles and departments per role, and the `limit` deciders with the most
/// leverage.
pub fn ecosystem(contacts: &[Contact], top: &[bool], objective: &[f64], limit: usize) -> Ecosystem {
    let n = top.len().max(1) as f64;
    let top_count = top.iter().filter(|t| **t).count().max(1) as f64;
    let other_count = (top.len() - top.iter().filter(|t| **t).count()).max(1) as f64;
    let with_contact = distinct(contacts.iter().map(|c| c.account).collect());
    let roles = ROLES
        .iter()
        .map(|role| {
            let in_role: Vec<&Contact> = contacts.iter().filter(|c| &*c.role == *role).collect();
            let accounts = distinct(in_role.iter().map(|c| c.account).collect());
            let shares = |pick: fn(&Contact) -> Option<&Arc<str>>| {
                let mut holders: HashMap<&str, Vec<usize>> = HashMap::new();
                for c in &in_role {
                    if let Some(v) = pick(c) {
                        holders.entry(v).or_default().push(c.account);
                    }
                }
                let mut out: Vec<Share> = holders
                    .into_iter()
                    .map(|(value, accounts)| {
                        let accounts = distinct(accounts);
                        let at_top = accounts.iter().filter(|&&a| top[a]).count();
                        Share {
                            value: value.to_owned(),
                            top_accounts: at_top as u64,
                            top_share: at_top as f64 / top_count,
                            other_share: (accounts.len() - at_top) as f64 / other_count,
                        }
                    })
                    .collect();
                out.sort_by(|a, b| {
                    (b.top_share - b.other_share)
                        .total_cmp(&(a.top_share - a.other_share))
                        .then_with(|| a.value.cmp(&b.value))
                });
                out.truncate(limit);
                out
            };
            Role {
                role: (*role).to_owned(),
                coverage: accounts.len() as f64 / n,
                titles: shares(|c| c.title.as_ref()),
                departments: shares(|c| c.department.as_ref()),
            }
        })
        .collect();
    // Each decider's contacts, grouped by person: sorted rather than hashed, as nearly every
    // person is at one account only.
    let mut deciders: Vec<(&str, usize, Option<&str>)> = contacts
        .iter()
        .filter(|c| &*c.role == "decider")
        .filter_map(|c| Some((c.person_key.as_deref()?, c.account, c.title.as_deref())))
        .collect();
    deciders.sort_unstable();
    let mut decider_leverage: Vec<Leverage> = deciders
        .chunk_by(|a, b| a.0 == b.0)
        .filter(|person| person.iter().any(|c| c.1 != person[0].1))
        .map(|person| {
            let accounts = distinct(person.iter().map(|c| c.1).collect());
            Leverage {
                person_key: person[0].0.to_owned(),
                accounts: accounts.len() as u64,
                total_objective: accounts.iter().map(|&a| objective[a]).sum(),
                titles: distinct(person.iter().filter_map(|c| c.2).collect())
                    .into_iter()
                    .map(str::to_owned)
                    .collect(),
            }
        })
        .collect();
    decider_leverage.sort_by(|a, b| {
        b.total_objective
            .total_cmp(&a.total_objective)
            .then_with(|| a.person_key.cmp(&b.person_key))
    });
    decider_leverage.truncate(limit);
    Ecosystem {
        coverage: with_contact.len() as f64 / n,
        roles,
        decider_leverage,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contact(account: usize, role: &str, title: &str, person: Option<&str>) -> Contact {
        Contact {
            account,
            role: role.into(),
            title: Some(title.into()),
            department: Some("Operations".into()),
            person_key: person.map(Into::into),
        }
    }

    #[test]
    fn a_hand_computed_ecosystem() {
        // Four accounts, 0 and 1 on top. The COO decides at 0 and 1; a CFO at 2; nobody at 3.
        let contacts = [
            contact(0, "decider", "COO", Some("p1")),
            contact(1, "decider", "COO", Some("p2")),
            contact(2, "decider", "CFO", Some("p1")),
            contact(2, "user", "Dispatcher", None),
            contact(3, "user", "Dispatcher", Some("p3")),
            contact(3, "user", "Driver", Some("p3")),
        ];
        let top = [true, true, false, false];
        let profit = [10.0, 8.0, -3.0, 1.0];
        let e = ecosystem(&contacts, &top, &profit, 5);
        assert_eq!(e.coverage, 1.0);
        let decider = &e.roles[0];
        assert_eq!(decider.coverage, 0.75);
        // COO: both top accounts, no other; CFO: no top account, one of two others.
        assert_eq!(decider.titles[0].value, "COO");
        assert_eq!(
            (decider.titles[0].top_share, decider.titles[0].other_share),
            (1.0, 0.0)
        );
        assert_eq!(
            (decider.titles[1].value.as_str(), decider.titles[1].other_share),
            ("CFO", 0.5)
        );
        assert_eq!(e.roles[1].coverage, 0.0, "no payer is known");
        // p1 decides at accounts 0 and 2: leverage over 10 − 3 = 7.
        assert_eq!(e.decider_leverage.len(), 1);
        let p1 = &e.decider_leverage[0];
        assert_eq!(
            (p1.person_key.as_str(), p1.accounts, p1.total_objective),
            ("p1", 2, 7.0)
        );
        assert_eq!(p1.titles, vec!["CFO".to_owned(), "COO".to_owned()]);
    }
}
