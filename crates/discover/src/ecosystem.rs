//! The buying ecosystem: who decides, pays, uses and influences at the most valuable accounts,
//! the deciders who sit at several accounts (leverage), and how well each role is covered.

use std::sync::Arc;

use foldhash::{HashMap, HashMapExt};
use rayon::prelude::*;

/// One contact of a customer account, as [`Contacts`] gives it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Contact<'a> {
    /// The account (index into the objective).
    pub account: usize,
    /// decider, payer, user or influencer.
    pub role: &'a str,
    /// Job title, when known.
    pub title: Option<&'a str>,
    /// Function or department, when known.
    pub department: Option<&'a str>,
    /// The same person across accounts, when known.
    pub person_key: Option<&'a str>,
}

/// The contacts of the customer accounts, held compactly: millions of contacts share a few
/// roles, titles and departments, each held once, and their person keys, nearly all distinct,
/// lie end to end in one text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Contacts {
    /// Each contact: its account, and its texts by position.
    rows: Vec<ContactRow>,
    /// The roles, titles and departments, each once.
    texts: Vec<Arc<str>>,
    /// The position of each text in `texts`.
    positions: HashMap<Arc<str>, u32>,
    /// The person keys, end to end.
    keys: String,
    /// Where each person key ends in `keys`.
    key_ends: Vec<u32>,
}

/// One contact in [`Contacts`]: its account, and its role, title, department and person key
/// by position ([`ABSENT`] when not known).
#[derive(Debug, Clone, Copy, PartialEq)]
struct ContactRow {
    account: u32,
    role: u32,
    title: u32,
    department: u32,
    person_key: u32,
}

/// The position of a text a contact does not have.
const ABSENT: u32 = u32::MAX;

impl Contacts {
    /// Adds a contact of `account`.
    ///
    /// # Panics
    /// With more than four billion accounts, distinct texts or person keys, or four gigabytes
    /// of person keys.
    pub fn push(
        &mut self,
        account: usize,
        role: &str,
        title: Option<&str>,
        department: Option<&str>,
        person_key: Option<&str>,
    ) {
        let row = ContactRow {
            account: position(account),
            role: self.text_position(role),
            title: title.map_or(ABSENT, |t| self.text_position(t)),
            department: department.map_or(ABSENT, |d| self.text_position(d)),
            person_key: self.key_position(person_key),
        };
        self.rows.push(row);
    }

    /// Gives back the room grown for contacts not added: once every contact is in.
    pub fn shrink_to_fit(&mut self) {
        self.rows.shrink_to_fit();
        self.keys.shrink_to_fit();
        self.key_ends.shrink_to_fit();
    }

    /// How many contacts there are.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether there is no contact.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The contact at `at`, in the order added.
    pub fn get(&self, at: usize) -> Contact<'_> {
        self.contact(&self.rows[at])
    }

    /// Each contact, in the order added.
    pub fn iter(&self) -> impl Iterator<Item = Contact<'_>> {
        self.rows.iter().map(|row| self.contact(row))
    }

    /// The contacts of the accounts that `new_account` gives a new index, with that index. The
    /// roles, titles and departments keep their positions; the kept person keys are copied.
    pub fn subset(&self, new_account: impl Fn(usize) -> Option<usize>) -> Contacts {
        let mut out = Contacts {
            texts: self.texts.clone(),
            positions: self.positions.clone(),
            ..Contacts::default()
        };
        for row in &self.rows {
            if let Some(account) = new_account(row.account as usize) {
                let person_key = out.key_position(self.person_key(row));
                out.rows.push(ContactRow {
                    account: position(account),
                    person_key,
                    ..*row
                });
            }
        }
        out
    }

    /// The contact `row` refers to.
    fn contact(&self, row: &ContactRow) -> Contact<'_> {
        let text = |at: u32| (at != ABSENT).then(|| &*self.texts[at as usize]);
        Contact {
            account: row.account as usize,
            role: &self.texts[row.role as usize],
            title: text(row.title),
            department: text(row.department),
            person_key: self.person_key(row),
        }
    }

    /// The person key of the contact `row`, when known.
    fn person_key(&self, row: &ContactRow) -> Option<&str> {
        (row.person_key != ABSENT).then(|| {
            let at = row.person_key as usize;
            let start = if at == 0 {
                0
            } else {
                self.key_ends[at - 1] as usize
            };
            &self.keys[start..self.key_ends[at] as usize]
        })
    }

    /// The position of `key` among the person keys, added at the end; [`ABSENT`] for none.
    fn key_position(&mut self, key: Option<&str>) -> u32 {
        let Some(key) = key else {
            return ABSENT;
        };
        self.keys.push_str(key);
        let end = u32::try_from(self.keys.len()).expect("fewer than four gigabytes of person keys");
        self.key_ends.push(end);
        position(self.key_ends.len() - 1)
    }

    /// The position of `text` in `texts`, added if new.
    fn text_position(&mut self, text: &str) -> u32 {
        if let Some(&at) = self.positions.get(text) {
            return at;
        }
        let at = position(self.texts.len());
        let text: Arc<str> = text.into();
        self.texts.push(text.clone());
        self.positions.insert(text, at);
        at
    }
}

/// `index` as a position in [`Contacts`].
fn position(index: usize) -> u32 {
    u32::try_from(index)
        .ok()
        .filter(|&at| at != ABSENT)
        .expect("fewer than four billion accounts, texts and person keys")
}

/// How many distinct accounts `accounts` names.
fn distinct_count(accounts: impl Iterator<Item = usize>) -> usize {
    let mut seen: Vec<bool> = Vec::new();
    let mut count = 0;
    for account in accounts {
        if account >= seen.len() {
            seen.resize(account + 1, false);
        }
        count += usize::from(!std::mem::replace(&mut seen[account], true));
    }
    count
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
pub fn ecosystem(contacts: &Contacts, top: &[bool], objective: &[f64], limit: usize) -> Ecosystem {
    let n = top.len().max(1) as f64;
    let top_count = top.iter().filter(|t| **t).count().max(1) as f64;
    let other_count = (top.len() - top.iter().filter(|t| **t).count()).max(1) as f64;
    let with_contact = distinct_count(contacts.iter().map(|c| c.account));
    // Each role and the deciders' leverage, on cores of their own.
    let roles = || {
        ROLES
            .par_iter()
            .map(|role| {
                let in_role = places(contacts, |c| c.role == *role);
                let accounts = distinct_count(in_role.iter().map(|&at| contacts.get(at).account));
                let shares = |pick: for<'a> fn(&Contact<'a>) -> Option<&'a str>| {
                    let mut holders: HashMap<&str, Vec<usize>> = HashMap::new();
                    for &at in &in_role {
                        let c = contacts.get(at);
                        if let Some(v) = pick(&c) {
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
                    coverage: accounts as f64 / n,
                    titles: shares(|c| c.title),
                    departments: shares(|c| c.department),
                }
            })
            .collect()
    };
    let (roles, decider_leverage) = rayon::join(roles, || decider_leverage(contacts, objective, limit));
    Ecosystem {
        coverage: with_contact as f64 / n,
        roles,
        decider_leverage,
    }
}

/// The `limit` deciders with the most leverage: those at more than one account, by the
/// objective of the accounts they decide at.
fn decider_leverage(contacts: &Contacts, objective: &[f64], limit: usize) -> Vec<Leverage> {
    // Each decider's contacts, grouped by person: sorted rather than hashed, as nearly every
    // person is at one account only.
    let decider = |at: usize| {
        let c = contacts.get(at);
        (c.person_key.unwrap_or_default(), c.account, c.title)
    };
    let mut deciders = places(contacts, |c| c.role == "decider" && c.person_key.is_some());
    deciders.sort_unstable_by(|&a, &b| decider(a).cmp(&decider(b)));
    let mut decider_leverage: Vec<Leverage> = deciders
        .chunk_by(|&a, &b| decider(a).0 == decider(b).0)
        .map(|person| person.iter().map(|&at| decider(at)).collect::<Vec<_>>())
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
    decider_leverage
}

/// The places in `contacts` of the contacts `keep` keeps: a role's or the deciders' are named
/// by their place, not copied.
fn places(contacts: &Contacts, keep: impl Fn(&Contact) -> bool) -> Vec<usize> {
    contacts
        .iter()
        .enumerate()
        .filter(|(_, c)| keep(c))
        .map(|(at, _)| at)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contacts(rows: &[(usize, &str, &str, Option<&str>)]) -> Contacts {
        let mut contacts = Contacts::default();
        for &(account, role, title, person) in rows {
            contacts.push(account, role, Some(title), Some("Operations"), person);
        }
        contacts
    }

    #[test]
    fn a_hand_computed_ecosystem() {
        // Four accounts, 0 and 1 on top. The COO decides at 0 and 1; a CFO at 2; nobody at 3.
        let contacts = contacts(&[
            (0, "decider", "COO", Some("p1")),
            (1, "decider", "COO", Some("p2")),
            (2, "decider", "CFO", Some("p1")),
            (2, "user", "Dispatcher", None),
            (3, "user", "Dispatcher", Some("p3")),
            (3, "user", "Driver", Some("p3")),
        ]);
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

    #[test]
    fn contacts_give_back_what_was_added_and_subsets_renumber_their_accounts() {
        let mut contacts = Contacts::default();
        contacts.push(0, "decider", Some("COO"), None, Some("p1"));
        contacts.push(2, "user", None, Some("Operations"), None);
        contacts.push(2, "decider", Some("COO"), Some("Operations"), Some("p22"));
        let all: Vec<Contact> = contacts.iter().collect();
        assert_eq!(all.len(), 3);
        assert_eq!(
            all[0],
            Contact {
                account: 0,
                role: "decider",
                title: Some("COO"),
                department: None,
                person_key: Some("p1"),
            }
        );
        assert_eq!((all[1].title, all[1].person_key), (None, None));
        assert_eq!(
            (all[2].department, all[2].person_key),
            (Some("Operations"), Some("p22"))
        );
        // Account 2 becomes 0; account 0 is left out.
        let kept = contacts.subset(|account| (account == 2).then_some(0));
        let kept: Vec<Contact> = kept.iter().collect();
        assert_eq!(
            kept,
            vec![Contact { account: 0, ..all[1] }, Contact { account: 0, ..all[2] }]
        );
    }
}
