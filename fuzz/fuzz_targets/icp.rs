//! Any text as an `icp.json` (`score --icp`, `diff`, the service): read or refused with a
//! reason, never a panic; an ICP that is read can be described, applied to accounts, compared
//! with itself and written back unchanged.
#![no_main]

use std::collections::BTreeMap;

use northstar_profile::{Account, Icp, diff, markdown};

/// Values an account's attributes take in turn: numbers at and past every edge, lists, blanks.
const VALUES: [&str; 8] = ["0", "-1", "12.5", "1e308", "NaN", "Wholesale;Azure", "", "x"];

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    let icp = match Icp::from_json(text) {
        Ok(icp) => icp,
        Err(e) => {
            assert!(!e.to_string().is_empty());
            return;
        }
    };
    let attributes = icp.attributes();
    let accounts: Vec<BTreeMap<String, String>> = (0..=VALUES.len())
        .map(|shift| {
            attributes
                .iter()
                .enumerate()
                .filter_map(|(i, name)| VALUES.get((i + shift) % (VALUES.len() + 1)).map(|v| (name.clone(), v.to_string())))
                .collect()
        })
        .collect();
    for account in &accounts {
        let a = icp.assess(account);
        let _ = a.explain(icp.base_score);
    }
    let _ = icp.rules_digest();
    let _ = markdown(&icp);
    let named: Vec<(String, &dyn Account)> = accounts
        .iter()
        .enumerate()
        .map(|(i, a)| (i.to_string(), a as &dyn Account))
        .collect();
    let _ = diff(&icp, &icp, &named);
    let written = serde_json::to_string(&icp).expect("a read ICP writes back");
    let again = Icp::from_json(&written).expect("a written ICP reads back");
    assert_eq!(again.rules_digest(), icp.rules_digest());
});
